"""The Convex page with a long exact solve (AppTest, in-process): the job's progress and Stop,
the stopped bounds labelled as not optimal with the session intact, and a finished job's optimum
drawn as any other."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cvxcore import solve_convex, with_bias
from lab import cached, codec, jobs, state

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _xor(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.round(rng.uniform(-2, 2, (n, 2)), 3)
    return x, np.sign(x[:, 0] * x[:, 1] + 0.3 * rng.standard_normal(n))


def _convex(x, y, **settings):
    at = AppTest.from_file(APP, default_timeout=240)
    query = codec.encode_settings({"page": "convex", "loss": "squared", "beta": 0.01, **settings})
    tok, err = codec.encode_data(x, y, True)
    assert tok is not None, err
    query[codec.DATA_KEY] = tok
    at.query_params.update(query)
    return at.run()


def _text(at) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "warning", "error") for e in getattr(at, kind))


def _wait(session: str, until, timeout: float = 120.0) -> jobs.Snapshot:
    t = time.monotonic()
    while True:
        snap = cached.JOBS.get(session)
        if snap is not None and until(snap):
            return snap
        assert time.monotonic() - t < timeout
        time.sleep(0.1)


@pytest.fixture(autouse=True)
def _no_jobs_left():
    yield
    cached.JOBS.shutdown()


def test_a_long_solve_shows_progress_and_stop_keeps_bounds_and_the_session():
    x, y = _xor(300)
    at = _convex(x, y)
    assert not at.exception
    assert "Solving (8) exactly" in _text(at) and at.button(key="_job_stop")
    assert not at.get("plotly_chart")                # the figures wait for the optimum
    session = state.session_id(at.session_state)
    _wait(session, lambda s: s.round >= 2)
    at.button(key="_job_stop").click().run()
    assert not at.exception
    text = _text(at)
    assert "Stopped — not optimal" in text and r"≤ p\* ≤" in text
    labels = [m.label for m in at.metric]
    assert "certified lower bound on p*" in labels and "upper bound on p* (not optimal)" in labels
    snap = cached.JOBS.get(session)
    assert snap is not None and snap.status is jobs.Status.STOPPED and snap.bounded
    # the bounds shown are the job's, and they bracket the optimum
    lo, up = (float(m.value) for m in at.metric if m.label in labels[:2])
    assert lo == pytest.approx(snap.lower, rel=1e-5) and up == pytest.approx(snap.upper, rel=1e-5)
    ds = state.get_dataset(at.session_state)
    assert ds.n == 300 and np.array_equal(ds.X, x) and np.array_equal(ds.y, y)
    assert state.setting("beta", ss=at.session_state) == 0.01
    assert state.setting("loss", ss=at.session_state) == "squared"
    # another page of the same session still works with the same data
    at.switch_page("app_pages/data.py").run()
    assert not at.exception and state.get_dataset(at.session_state).n == 300


def test_a_finished_job_is_drawn_as_the_optimum(monkeypatch):
    monkeypatch.setattr(cached, "QUICK_WORK", 0)     # every exact solve a job
    x, y = _xor(20, seed=4)
    at = _convex(x, y)
    session = state.session_id(at.session_state)
    _wait(session, lambda s: s.status not in jobs.ACTIVE)
    at.run()
    assert not at.exception and "_job_stop" not in [b.key for b in at.button]
    p_star = solve_convex(with_bias(x), y, 0.01, loss="squared").value
    shown = next(m.value for m in at.metric if m.label == "optimal value p*")
    assert float(shown) == pytest.approx(p_star, rel=1e-4)
