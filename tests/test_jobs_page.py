"""The Convex page with a long exact solve (AppTest, in-process): the job's progress and Stop,
the stopped bounds labelled as not optimal with the session intact, and a finished job's optimum
drawn as any other."""
from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cvxcore import nonconvex_objective, solve_convex, with_bias
from lab import cached, codec, jobs, state
from lab import figures as F
from lab import page as P

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


def _points(at) -> int:
    """Data points drawn in the page's one figure (the markers of the ±1 classes)."""
    def length(v) -> int:                    # a list, or plotly's typed array {"dtype", "bdata"}
        if isinstance(v, dict):
            return len(base64.b64decode(v["bdata"])) // np.dtype(v["dtype"]).itemsize
        return len(v or [])
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    return sum(length(t.get("x")) for t in fig["data"]
               if t.get("mode") == "markers" and str(t.get("name", "")).startswith("class"))


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
    # at once: the main figure with the user's data and the network of the last round reported,
    # named as stopped and not optimal
    snap = cached.JOBS.get(session)
    assert snap is not None and snap.status is jobs.Status.STOPPED and snap.bounded and snap.network is not None
    text = _text(at)
    assert "Stopped — not optimal" in text and r"≤ p\* ≤" in text
    labels = [m.label for m in at.metric]
    assert "certified lower bound on p*" in labels and "upper bound on p* (not optimal)" in labels
    chart = at.get("plotly_chart")
    assert len(chart) == 1                            # the page's main figure, nothing that needs the optimum
    fig = json.loads(chart[0].proto.spec)
    names = [t.get("name") or "" for t in fig["data"]]
    assert "stopped — not optimal: f(x) = 0" in names and not any("optimal network" in s for s in names)
    assert _points(at) == x.shape[0]
    assert fig["layout"]["height"] == F.CANVAS_HEIGHT    # the size the optimum's figure has
    # the curve drawn is the network whose objective is the upper bound shown
    net = snap.network
    assert nonconvex_objective(with_bias(x), y, net.U, net.alpha, 0.01) == pytest.approx(snap.upper, rel=1e-9)
    alt = P.stopped_alt(state.get_dataset(at.session_state), snap)
    assert "stopped — not optimal" in alt and f"{snap.upper:.6g}" in alt and "p* =" not in alt
    caps = " ".join(c.value for c in at.caption)
    assert f"{snap.upper:.6g}" in caps and "Stopped — not optimal" in caps
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


@pytest.mark.parametrize("status,rounds", [(jobs.Status.FAILED, 3), (jobs.Status.STOPPED, 0)])
def test_a_failed_job_or_one_stopped_before_a_network_draws_the_data_alone(status, rounds):
    """No network to draw (the process failed, or was stopped before its first round): the main
    figure shows the data set, and nothing on it or in its words claims a network or p*."""
    x, y = _xor(150, seed=2)
    ds = codec.Dataset(x, y, True)
    bounded = rounds > 0
    snap = jobs.Snapshot(status, "k", rounds, 0.5 if bounded else -np.inf, 0.7 if bounded else np.inf, 10, 3.0,
                         0, "MemoryError: out of memory" if status is jobs.Status.FAILED else None, None)
    fig = P.stopped_figure(ds, snap, height=F.CANVAS_HEIGHT)
    assert fig.layout.height == F.CANVAS_HEIGHT
    drawn = sum(len(t.x) for t in fig.data if t.mode == "markers" and str(t.name).startswith("class"))
    assert drawn == 150
    assert not any("f(x)" in str(t.name) for t in fig.data)
    alt, cap, text = P.stopped_alt(ds, snap), P.stopped_caption(ds, snap), P.stopped_text(snap, figure=True)
    assert "150 data points only" in alt and "no network" in cap and "p* =" not in alt + cap
    assert ("failed" in text) if status is jobs.Status.FAILED else ("no bound on p\\* and no network" in text)
    assert "figure shows your data only" in text and "figure" not in P.stopped_text(snap)   # a page without it
