"""The SGD page tells the truth (AppTest of the real app.py):

* a run whose neurons all die (hinge loss, learning rate 1, a plus sign drawn by hand) is named
  so, with what to try, and its fit panels draw the network (f = 0 on the data) with that
  message instead of an empty square; the animation stops when every run is halted;
* one certificate per run: the heading of the shown run's fit and the table print one number,
  and the table's numbers are checked against the network itself and p* from the convex program.

The independent routes: the network's pre-activations at the data (every xᵢᵀuⱼ ≤ 0), objective
(2) by ``nonconvex_objective`` and p* by ``solve_convex``.
"""
import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cvxcore import nonconvex_objective, solve_convex, with_bias
from cvxcore.datasets import PAPER_X, PAPER_Y
from lab import codec

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PLUS = np.array([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])     # centre +1, arms −1
PLUS_Y = np.array([1.0, -1.0, -1.0, -1.0, -1.0])


def _sgd(X, y, **settings):
    """The SGD page opened by a link with data (X, y) and ``settings``."""
    at = AppTest.from_file(APP, default_timeout=240)
    query = codec.encode_settings(settings)
    tok, err = codec.encode_data(np.asarray(X, float).reshape(len(y), -1), np.asarray(y, float), True)
    assert tok is not None, err
    query[codec.DATA_KEY] = tok
    at.query_params.update(query)
    at.run()
    at.switch_page("app_pages/sgd.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _play_to_end(at, frames=300):
    at.button(key="_sgd_play").click().run()
    for k in range(frames):
        if at.button(key="_sgd_pause").disabled:
            return k
        at.run()
    raise AssertionError("the SGD run did not end")


def _texts(at, kind):
    return " ".join(str(e.value) for e in getattr(at, kind))


def _charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _z(trace):
    """A heatmap's z as an array (plotly may send it as typed binary data)."""
    z = trace["z"]
    if isinstance(z, dict):         # {"dtype": "f4", "bdata": base64, "shape": "61, 61"}
        import base64
        a = np.frombuffer(base64.b64decode(z["bdata"]), dtype=np.dtype(z["dtype"]))
        return a.reshape([int(s) for s in str(z.get("shape", a.size)).split(",")])
    return np.asarray(z, dtype=float)


def test_hinge_lr_1_on_a_plus_sign_names_the_dead_network_and_draws_it():
    at = _sgd(PLUS, PLUS_Y, loss="hinge", lr=1.0, speed=1000)
    _play_to_end(at)
    assert not at.exception and not at.error
    run = at.session_state["_sgd"].run
    # the independent check that every network is zero on the data: no pre-activation is positive
    X = with_bias(PLUS)
    for t in range(run.cfg.trials):
        U, a = run.network(t)
        assert np.all(X @ U.T <= 0)
    # the run stopped when every run was halted, not after 2,000 steps of nothing
    assert run.finished and run.end_step < run.cfg.steps
    counter = _texts(at, "markdown")
    assert f"**step {run.end_step:,}** of 2,000 · stopped: every run inactive (the network is zero)" in counter
    warn = _texts(at, "warning")
    assert "Every run: all neurons inactive — the network is zero." in warn
    assert "try a smaller learning rate (e.g. 0.1) or another seed" in warn
    assert "done" not in set(at.dataframe[0].value["status"])
    assert set(at.dataframe[0].value["status"]) == {"all neurons inactive — the network is zero"}
    # the live fit panel (the second chart) and the final fits: drawn, not empty, and say why
    charts = _charts(at)
    fits = charts[1:]
    assert len(fits) == 4                          # the live fit; the final: the optimum, the best and worst run
    for k, spec in enumerate(fits):
        names = [t.get("name") for t in spec["data"]]
        heat = [t for t in spec["data"] if t["type"] == "heatmap"]
        assert len(heat) == 1 and {"class +1", "class −1"} <= set(names) or any(
            "class" in str(n) for n in names), names                       # the data are drawn
        z = _z(heat[0])
        if k == 1:                                     # the optimum's panel
            assert np.abs(z).max() > 0.5
            continue
        # f drawn: 0 at every data point (on the grid), small elsewhere, coloured on the margin's
        # scale (|f| = 1 full colour), so the panel is near white, not a confident class
        gx = np.asarray(heat[0]["x"]) if isinstance(heat[0]["x"], list) else _z({**heat[0], "z": heat[0]["x"]})
        assert z.shape == (gx.size, gx.size) and gx.size > 10
        for px, py in PLUS:
            assert z[np.argmin(abs(gx - py)), np.argmin(abs(gx - px))] == 0
        assert np.abs(z).max() < 0.1 and heat[0]["zmin"] == -1 and heat[0]["zmax"] == 1
        notes = [a["text"] for a in spec["layout"].get("annotations", [])]
        assert any("All neurons inactive" in n and "the network is zero" in n and "smaller learning rate" in n
                   for n in notes), notes
        assert "optimum (8)" in names                  # the optimum's boundary, dashed, for comparison
    heading = _texts(at, "markdown")
    assert re.search(r"\*\*Run 1\*\* at step [\d,]+: all neurons inactive — the network is zero", heading)


def _number(pattern, text):
    m = re.search(pattern, text)
    assert m, (pattern, text)
    return m.group(1)


@pytest.mark.parametrize("loss", ["squared", "hinge"])
def test_a_finished_run_has_one_certificate_in_the_heading_and_the_table(loss):
    y = PAPER_Y if loss == "squared" else np.sign(PAPER_Y)
    at = _sgd(PAPER_X, y, loss=loss, steps=300, trials=3, speed=1000)
    _play_to_end(at)
    assert not at.exception
    shown = int(at.selectbox(key="_sgd_show").value)
    heading = next(str(m.value) for m in at.markdown if str(m.value).startswith(f"**Run {shown + 1}** at step"))
    head_pct = _number(r"at most ([\d.]+ %|< 0\.01 %) above p\\\*", heading)
    head_obj = _number(r"objective ([\d.e+-]+) ≤", heading)
    assert "(refined certificate)" in heading
    row = at.dataframe[0].value.iloc[shown]
    assert row["certified: at most above p*"] == f"{head_pct} (refined)"
    assert row["objective (2)"] == head_obj
    # the number is true: objective from the network, bound ≤ p* from the convex program
    run = at.session_state["_sgd"].run
    U, a = run.network(shown)
    X = with_bias(PAPER_X.reshape(-1, 1))
    p_star = solve_convex(X, y, 0.1, loss=loss).value
    obj = nonconvex_objective(X, y, U, a, 0.1, loss=loss)
    lb = float(row["certified lower bound on p*"])
    assert float(head_obj) == pytest.approx(obj, rel=1e-4)
    assert lb <= p_star * (1 + 1e-4)
    if "<" not in head_pct:
        assert float(head_pct.split()[0]) == pytest.approx((obj - lb) / lb * 100, rel=0.01, abs=0.01)
    # no raw None anywhere in the table
    assert not at.dataframe[0].value.isna().any().any()
    assert "None" not in at.dataframe[0].value.astype(str).to_numpy()


def test_every_run_diverged_the_counter_stops_where_the_table_does():
    at = _sgd(PAPER_X, PAPER_Y, lr=1.0, steps=2000, trials=2, speed=1000)
    _play_to_end(at)
    run = at.session_state["_sgd"].run
    assert run.all_diverged
    last = int(run.diverged_at.max())
    assert f"**step {last:,}** of 2,000 · every run diverged" in _texts(at, "markdown")
    statuses = list(at.dataframe[0].value["status"])
    assert statuses == [f"diverged at step {int(s):,} (stopped)" for s in run.diverged_at]
    assert not at.dataframe[0].value.isna().any().any()
    traces = _charts(at)[0]
    assert not traces["layout"].get("annotations")                 # the note is under the plot, not on it
    assert "Every run diverged** (2 of 2)" in _texts(at, "warning") and "e.g. 0.1." in _texts(at, "warning")


def test_a_loose_certificate_is_explained_and_a_tight_one_is_not():
    from app_pages import sgd
    from cvxcore.training import RunCertificate
    p_star = 0.6657
    tight = RunCertificate(run=0, step=100, status="ok", objective=0.7212, lower_bound=0.6646, kind="refined")
    loose = RunCertificate(run=1, step=100, status="ok", objective=0.7212, lower_bound=0.458, kind="live")
    assert sgd.loose_note([tight], p_star, "hinge") is None
    note = sgd.loose_note([tight, loose], p_star, "hinge")
    # run 2: certified (0.7212 − 0.458)/0.458 = 57.47 %, actual (0.7212 − 0.6657)/0.6657 = 8.34 %
    assert "run 2 (57.47 % certified, 8.34 % actual)" in note and "run 1" not in note
    assert "at most" in note and "margin" in note and "What tightens it" in note
    assert "margin" not in sgd.loose_note([loose], p_star, "squared")
    assert sgd.percent_above(loose) == "57.47 %"
