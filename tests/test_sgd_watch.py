"""Training you can watch: the SGD page's Play / Pause / Step / Reset, divergence as a result,
each run's certified bound against p*, and the projector layout (AppTest through app.py, and
lab.training / lab.figures directly).

AppTest runs the animation's fragment once per run of the script, so a test advances the
animation one frame per ``at.run()``.  Settings come in through the link, as a user's would.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import tomllib
from streamlit.testing.v1 import AppTest

from cvxcore import solve_convex, train_sgd, with_bias
from cvxcore.datasets import make
from lab import codec, training
from lab import figures as F

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAPER_X, PAPER_Y = make("paper")


def _sgd(preset="paper", **settings):
    X, y = make(preset)
    q = codec.encode_query(codec.Dataset(X, y, True), {"page": "sgd", **settings})
    at = AppTest.from_file(APP, default_timeout=240)
    for k, v in q.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _buttons(at) -> dict:
    """{label: enabled} of the run controls."""
    return {b.label: not b.disabled for b in at.button if b.key in ("_sgd_play", "_sgd_pause", "_sgd_step",
                                                                     "_sgd_reset")}


def _step_shown(at) -> int:
    for m in at.markdown:
        hit = re.match(r"\*\*step ([\d,]+)\*\* of", str(m.value))
        if hit:
            return int(hit.group(1).replace(",", ""))
    raise AssertionError("no step counter on the page")


def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _arr(v) -> np.ndarray:
    """A trace's x or y from the chart's JSON: a list, or plotly's typed array {dtype, bdata}."""
    if isinstance(v, dict) and "bdata" in v:
        import base64
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).astype(float)
    return np.array([np.nan if e is None else e for e in (v or [])], float)


def _frames_to_end(at, limit=300):
    for _ in range(limit):
        if not _buttons(at)["Pause"]:
            return at
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    raise AssertionError("the run did not end")


# ----------------------------------------------------------------------------- the controls
def test_buttons_act_only_when_they_can_and_step_takes_one_step():
    at = _sgd(steps=100, trials=2, speed=50)              # 10 steps a frame
    assert _buttons(at) == {"Play": True, "Pause": False, "Step": True, "Reset": False}
    assert _step_shown(at) == 0
    at.button(key="_sgd_step").click().run()
    assert _step_shown(at) == 1 and _buttons(at)["Reset"]
    at.button(key="_sgd_step").click().run()
    assert _step_shown(at) == 2
    at.button(key="_sgd_play").click().run()               # the first frame comes with the click
    assert _step_shown(at) == 12
    assert _buttons(at) == {"Play": False, "Pause": True, "Step": False, "Reset": True}
    at.run()                                               # one more frame
    assert _step_shown(at) == 22
    at.button(key="_sgd_pause").click().run()              # no step after Pause
    assert _step_shown(at) == 22
    at.run()
    assert _step_shown(at) == 22
    assert _buttons(at) == {"Play": True, "Pause": False, "Step": True, "Reset": True}
    _frames_to_end(at.button(key="_sgd_play").click().run())
    assert _step_shown(at) == 100
    assert _buttons(at) == {"Play": False, "Pause": False, "Step": False, "Reset": True}   # the run is over
    at.button(key="_sgd_reset").click().run()
    assert _step_shown(at) == 0 and _buttons(at) == {"Play": True, "Pause": False, "Step": True, "Reset": False}


def test_a_slow_speed_is_one_step_a_frame_and_the_speed_is_in_the_link():
    at = _sgd(steps=1000, trials=1, speed=2)
    assert at.select_slider(key="speed").value == 2 and at.query_params["speed"] == "2"
    at.button(key="_sgd_play").click().run()
    at.run()
    assert _step_shown(at) == 2
    at.select_slider(key="speed").set_value(1000).run()   # a change of speed keeps the run
    assert _step_shown(at) == 2 + 200 and at.query_params["speed"] == "1000"
    assert training.frame_plan(1) == (1.0, 1) and training.frame_plan(5) == (0.2, 1)
    assert training.frame_plan(1000) == (0.2, 200)


def test_the_fit_beside_the_traces_is_the_chosen_runs_network_now():
    at = _sgd(steps=100, trials=3, speed=50)
    at.button(key="_sgd_step").click().run()
    fit = _charts(at)[1]
    names = [t.get("name") for t in fit["data"]]
    assert "run 1, step 1" in names and "optimum (8)" in names
    assert any(str(n).startswith("kink") for n in names)                 # its neurons' kinks
    at.selectbox(key="_sgd_show").set_value(2).run()
    at.button(key="_sgd_step").click().run()
    assert "run 3, step 2" in [t.get("name") for t in _charts(at)[1]["data"]]
    # the traces: run 3 drawn thicker (its fit is shown)
    widths = {t["name"]: t["line"]["width"] for t in _charts(at)[0]["data"] if str(t.get("name")).startswith("run")}
    assert widths["run 3"] > widths["run 1"]


def test_2d_the_fit_is_the_decision_regions_with_the_optimum_and_the_neurons():
    at = _sgd("moons", steps=100, trials=2, speed=50, m=4, loss="hinge")
    at.button(key="_sgd_step").click().run()
    fit = _charts(at)[1]
    names = [t.get("name") for t in fit["data"]]
    assert {"run 1", "optimum (8)"} <= set(names)
    assert any("neuron" in str(n) for n in names)
    assert fit["layout"]["yaxis"]["scaleanchor"] == "x"


# ----------------------------------------------------------------------------- certificates
def test_every_drawn_bound_is_below_p_star_and_every_objective_above():
    """The dotted bounds and the diamonds are certified lower bounds on p*: checked against p* of
    the cvxpy route, which the page does not use."""
    at = _sgd(steps=300, trials=3, speed=500)
    _frames_to_end(at.button(key="_sgd_play").click().run())
    p_star = solve_convex(with_bias(PAPER_X), PAPER_Y, 0.1, method="cvxpy").value
    traces = _charts(at)[0]["data"]
    bounds = [_arr(t["y"]) for t in traces if (t.get("line") or {}).get("dash") == "dot"
              and np.isfinite(_arr(t.get("x"))).any()]
    diamonds = [_arr(t["y"]) for t in traces if t.get("name") == "refined bound"]
    runs = [_arr(t["y"]) for t in traces if str(t.get("name")).startswith("run")]
    assert len(bounds) == 3 and len(diamonds) == 1 and len(runs) == 3
    for b in bounds + diamonds:
        b = b[np.isfinite(b)]
        assert b.size and np.all(b <= p_star * (1 + 1e-7))
    for o in runs:
        assert np.all(o[np.isfinite(o)] >= p_star * (1 - 1e-7))
    df = at.dataframe[0].value
    assert (df["certified lower bound on p*"].astype(float) <= p_star * (1 + 1e-5)).all()     # 5 digits shown
    # the refined bound is at least as good as the running one at the end
    for b, d in zip(bounds, diamonds[0]):
        assert d >= b[np.isfinite(b)][-1] - 1e-9


# ----------------------------------------------------------------------------- divergence
def test_lr_1_every_run_diverges_and_nothing_shows_an_astronomical_number():
    at = _sgd(steps=2000, trials=5, lr=1.0)
    at.button(key="_sgd_play").click().run()
    _frames_to_end(at)
    assert _buttons(at) == {"Play": False, "Pause": False, "Step": False, "Reset": True}
    traces = _charts(at)[0]
    lo, hi = traces["layout"]["yaxis"]["range"]
    assert hi - lo < 3                                      # decades: from p* and the runs' starts
    names = [t.get("name") for t in traces["data"]]
    assert sum("(diverged)" in str(n) for n in names) == 5
    warning = " ".join(str(w.value) for w in at.warning)
    assert "Every run diverged" in warning and "smaller learning rate" in warning
    df = at.dataframe[0].value
    assert all(str(s).startswith("diverged at step") for s in df["status"])
    text = " ".join(str(v) for v in df.to_numpy().ravel()) + " ".join(str(m.value) for m in at.markdown)
    assert "inf" not in text and not re.search(r"\d{12,}", text)
    for spec in _charts(at):                                # no figure carries a huge value
        for t in spec["data"]:
            ys = _arr(t.get("y")) if not isinstance(t.get("z"), (dict, list)) else _arr(t.get("z"))
            ys = ys[np.isfinite(ys)]
            assert not ys.size or np.max(np.abs(ys)) < 1e6, t.get("name")


def test_one_diverged_run_leaves_the_axes_to_the_others():
    X, y = with_bias(PAPER_X), PAPER_Y
    ok = train_sgd(X, y, m=8, beta=0.1, lr=0.01, steps=200, trials=2, seed=0, record_every=10)
    bad = train_sgd(X, y, m=8, beta=0.1, lr=1.0, steps=200, trials=1, seed=0, record_every=10)
    obj = np.r_[ok.objectives, bad.objectives]             # the diverged trial's record is huge
    div = np.array([False, False, True])
    lo, hi = F.trace_range(obj, 0.8914, diverged=div)
    assert 10 ** hi < 100 and 10 ** lo < 0.8914 < 10 ** hi
    fig = F.sgd_traces(ok.steps, np.r_[ok.history(), bad.history()], 0.8914, diverged=div,
                       diverged_at=np.array([-1, -1, bad.diverged_at[0]]), total_steps=200)
    assert fig.layout.yaxis.range == (lo, hi)
    assert [t.name for t in fig.data if t.name and t.name.startswith("run")] == ["run 1", "run 2", "run 3 (diverged)"]


# ----------------------------------------------------------------------------- lab.training
def test_live_run_in_chunks_is_one_training_run():
    X, y = with_bias(PAPER_X), PAPER_Y
    cfg = training.Config(beta=0.1, loss="squared", m=6, trials=3, lr=0.01, steps=250, batch=2, seed=4,
                          optimizer="momentum")
    run = training.LiveRun(X, y, cfg, solve_convex(X, y, 0.1).patterns)
    for k in (1, 1, 7, 40, 500):
        run.advance(k)
    assert run.end_step == 250 and run.finished and run.advance(5) == 0
    one = train_sgd(X, y, m=6, beta=0.1, lr=0.01, steps=250, trials=3, seed=4, batch_size=2, optimizer="momentum")
    np.testing.assert_array_equal(run.result.U, one.U)
    assert run.epoch == 250 / (5 // 2)
    b = run.bounds
    assert np.all(np.diff(b, axis=1)[np.isfinite(np.diff(b, axis=1))] >= 0)       # best so far
    assert run.steps[0] == 0 and np.all(np.diff(run.steps) > 0)


def test_live_run_ends_when_every_trial_diverged():
    X, y = with_bias(PAPER_X), PAPER_Y
    run = training.LiveRun(X, y, training.Config(0.1, "squared", 8, 2, 1.0, 2000, None, 0, "sgd"))
    run.advance(50)
    assert run.all_diverged and run.finished and run.end_step == 50 and run.ranked() == []
    assert run.certificates() is None and run.certificates("live") is None     # no arrangement: no bound


# ----------------------------------------------------------------------------- projector layout
def test_classroom_popover_holds_the_hide_chooser_with_the_sidebar_hidden():
    at = AppTest.from_file(APP, default_timeout=240)
    at.query_params["page"] = "convex"
    at.query_params["classroom"] = "1"
    at.run()
    assert not at.sidebar.multiselect                       # not in the hidden sidebar …
    ms = at.multiselect(key="hide")                         # … but on the page
    assert set(ms.value) == {"prose", "sidebar", "toolbar", "io"}
    ms.set_value(["prose", "sidebar", "toolbar", "io", "beta"]).run()
    assert "beta" not in {w.key for w in at.select_slider}
    assert at.query_params["hide"] == "prose,sidebar,toolbar,beta,io"


def test_classroom_prose_shown_is_folded_away():
    at = AppTest.from_file(APP, default_timeout=240)
    for k, v in {"page": "sgd", "classroom": "1", "hide": "sidebar"}.items():
        at.query_params[k] = v
    at.run()
    assert "About this page" in [b.proto.popover.label for b in at.get("popover")]


def test_no_deploy_button_and_the_menu_keeps_its_viewer_options():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["client"]["toolbarMode"] == "viewer"


def test_fit_1d_axis_stays_near_the_data():
    xs = np.linspace(-3, 3, 11)
    fig = F.fit_1d.uncached(np.array([0.0, 1.0]), np.array([0.5, -0.5]), xs, {"opt": 0 * xs, "run": 1e9 * xs})
    lo, hi = fig.layout.yaxis.range
    assert -8 < lo and hi < 8


def test_sphere_camera_leaves_room_for_the_axis_titles():
    u = np.array([0.3, 0.5, 0.8])
    fig = F.sphere_arrangement.uncached(with_bias(make("moons")[0]), u)
    eye = fig.layout.scene.camera.eye
    assert np.linalg.norm([eye.x, eye.y, eye.z]) >= 2.5
