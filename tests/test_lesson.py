"""The lesson page (AppTest, in-process) and its pure parts.

* Walking all steps with Next: each renders its heading "Step K of N" and a figure, no exception.
* The step in the address: ``?page=lesson&step=K`` opens step K; an out-of-range step is clamped
  with a message.
* A question's answer is computed from the data on screen: step 3's count of activation patterns
  follows a change of the data set (a preset chosen on the Data page), checked against an
  independent count of sign vectors on a dense circle of directions.
* The answers' pure functions, the one-neuron landscape's minima (closed form and grid), the
  Figure 2 runs, and the figure builders.
"""
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cvxcore import solve_convex, with_bias
from cvxcore.datasets import make
from lab import figures_lesson as FL
from lab import lesson as L
from lab import lesson_data as LD

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 300


def _lesson(**query):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    if not query:
        at.switch_page("app_pages/lesson.py")
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _heading(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("#### Step"))


def _charts(at) -> int:
    return len(at.get("plotly_chart"))


@pytest.mark.slow
def test_walk_every_step_with_next():
    at = _lesson()
    for k in range(1, L.N_STEPS + 1):
        assert _heading(at).startswith(f"#### Step {k} of {L.N_STEPS} · {L.STEPS[k - 1].title}")
        assert not at.exception, (k, [e.value for e in at.exception])
        assert not at.error, (k, [e.value for e in at.error])
        assert _charts(at) >= 1, k
        assert any("Predict, then reveal" in m.value for m in at.markdown), k
        if k < L.N_STEPS:
            at.button(key="_lesson_next").click().run()
    assert at.button(key="_lesson_next").disabled
    at.button(key="_lesson_back").click().run()
    assert _heading(at).startswith(f"#### Step {L.N_STEPS - 1} of")


@pytest.mark.slow
def test_entering_a_step_sets_its_state():
    at = _lesson()                                           # step 1: two points, no bias, m = 1
    assert "2 points, 1-D regression, bias off" in " ".join(c.value for c in at.sidebar.caption)
    at.button(key="_lesson_next").click().run()              # step 2: the paper's five points
    assert "5 points, 1-D regression, bias on" in " ".join(c.value for c in at.sidebar.caption)
    for _ in range(L.N_STEPS - 2):
        at.button(key="_lesson_next").click().run()          # the last step: XOR, hinge loss
    assert "2-D classification" in " ".join(c.value for c in at.sidebar.caption)
    assert any("Make β ten times **larger** (1)" in m.value for m in at.markdown)


def test_the_step_is_in_the_address():
    at = _lesson(page="lesson", step="5")
    assert _heading(at).startswith(f"#### Step 5 of {L.N_STEPS}")
    at = _lesson(page="lesson", step="99")
    assert _heading(at).startswith(f"#### Step {L.N_STEPS} of")
    assert any(f"steps 1 to {L.N_STEPS}" in w.value for w in at.warning)
    assert at.query_params["step"] in (str(L.N_STEPS), [str(L.N_STEPS)])   # the address is corrected


def test_every_step_record_has_its_render_function_and_fits_the_link():
    """A step is a record (lab.lesson_steps) and one render function (app_pages/lesson.py)."""
    from app_pages import lesson as page
    from lab import codec
    keys = [s.key for s in L.STEPS]
    assert len(set(keys)) == len(keys) == L.N_STEPS and set(page.RENDER) == set(keys)
    assert codec.SETTINGS["step"].hi == L.N_STEPS
    assert all(s.page is None or s.page in codec.PAGES for s in L.STEPS)


def _count_by_sampling(X, k=200_000):
    """Cells of the arrangement counted without it: distinct sign vectors of X u on a dense circle."""
    th = np.linspace(0, 2 * np.pi, k, endpoint=False) + 1e-7
    U = np.c_[np.cos(th), np.sin(th)]
    return len({r.tobytes() for r in (U @ X.T > 0)})


def _reveal_number(at, key, value):
    at.number_input(key=f"_lesson_pred_{key}").set_value(value).run()
    at.button(key=f"_lesson_reveal_{key}").click().run()
    assert not at.exception
    return " ".join([s.value for s in at.success] + [w.value for w in at.warning])


@pytest.mark.slow
def test_a_question_answer_follows_the_data():
    at = _lesson(page="lesson", step="3")

    def with_new_point(P):                                   # the question adds one point beyond the others
        return with_bias(np.vstack([P, L.new_point(P)]))
    P_paper = _count_by_sampling(with_new_point(make("paper")[0]))
    assert P_paper == 12
    text = _reveal_number(at, "patterns", P_paper)
    assert f"Computed: {P_paper}." in text and "right" in text
    at.switch_page("app_pages/data.py")                      # change the data set with the Data page's preset
    at.run()
    at.button(key="_preset_sine").click().run()
    at.switch_page("app_pages/lesson.py")
    at.run()
    assert _heading(at).startswith("#### Step 3 of")         # the step keeps the student's data
    P_sine = _count_by_sampling(with_new_point(make("sine")[0]))
    assert P_sine != P_paper
    assert any("predict again" in c.value for c in at.caption)   # the old prediction was for other data
    text = _reveal_number(at, "patterns", P_paper)
    assert f"Computed: {P_sine}." in text and "not this time" in text


# ----------------------------------------------------------------------------- pure parts
def test_answers():
    a = L.answer_cells(10, 10, 5, 2)
    assert a.value == 10 and a.check(10) and not a.check(9) and "Cover" in a.why
    assert L.answer_fewer_patterns(1.1, 1.0, 5, 10).value == "higher than p*"
    assert L.answer_fewer_patterns(1.0, 1.0, 5, 10).value == "equal to p*"
    assert L.answer_beta_max_scaled(1.0, 2.0).value == "twice as large"
    f4 = L.answer_figure2_width(np.array([1.0, 1.5, 1.001]), 1.0, 4, 5, 8)
    assert f4.value == 2 and f4.check(2) and "Here fewer starts" in f4.why
    assert L.answer_accuracy_scaled(4, 3, 4, 0.1, 10).value == "fewer"
    assert L.count_within(np.array([1.0, 1.005, 1.02, np.nan]), 1.0) == 2
    assert L.classify_dual(np.array([0.1, 0.1 * (1 - 1e-5)]), 0.1) == "+β"
    assert L.classify_dual(np.array([-0.1]), 0.1) == "−β"
    assert L.classify_dual(np.array([0.05]), 0.1) == "strictly between −β and +β"
    r = L.answer_reach(np.array([1.5, 1.001]), np.array([0.99, 0.999]), 1.0, 8, 4)
    assert r.value == L.REACH_OPTIONS[0]
    r = L.answer_reach(np.array([1.5, 1.2]), np.array([0.99, 0.999]), 1.0, 2, 4)
    assert r.value == L.REACH_OPTIONS[1]


def test_one_neuron_minima_are_the_per_pattern_convex_optima():
    x, y, beta = np.array([[-1.0], [2.0]]), np.array([-1.0, 1.5]), 0.1
    D = LD.one_neuron(x, y, beta)
    assert len(D["minima"]) == 2
    for m in D["minima"]:
        a = 0 if m["side"] < 0 else 1                          # the active point of the cell
        b = 1 - a
        closed = 0.5 * y[b] ** 2 + 0.5 * y[a] ** 2 - (abs(x[a, 0] * y[a]) - beta) ** 2 / (2 * x[a, 0] ** 2)
        assert m["value"] == pytest.approx(closed, rel=1e-7)
        half = D["Z"][:, D["ug"] * m["side"] > 0]              # the grid in that half-plane
        assert half.min() >= m["value"] - 1e-9                 # nothing on the grid beats the convex optimum
        assert half.min() <= m["value"] + 0.01                 # and the grid gets close to it
        assert np.sign(m["u"]) == m["side"]
    values = sorted(m["value"] for m in D["minima"])
    assert values[1] - values[0] > 0.1                         # two minima of different value
    assert min(values) > solve_convex(x, y, beta).value        # two neurons do better than one


def test_figure2_runs_stay_above_p_star():
    p = LD.figure2_optimum()
    assert p == pytest.approx(0.8914472026, rel=1e-8)
    steps, hist, final = LD.figure2_runs(8, trials=4, steps=4000)
    assert hist.shape == (4, len(steps)) and np.all(hist[np.isfinite(hist)] >= p * (1 - 1e-9))
    assert final.shape == (4,)


def test_figure_builders():
    fig = FL.figure2_panels({8: (np.arange(3), np.ones((2, 3))), 15: None}, 0.9, beta=0.1, total_steps=2)
    assert any(a.text == "computing …" for a in fig.layout.annotations)
    X = with_bias(make("paper")[0])
    C, err = LD.cells(X)
    assert err is None and C["P"] == 10 == C["cover"]
    on = FL.cells_plane(X, C["interior"], C["patterns"])
    off = FL.cells_plane(X, C["interior"], C["patterns"], numbered=False)
    assert len(on.data) == len(off.data) + 1
    hid = FL.sgd_certified(np.arange(5), None, np.array([0.8]), 0.9)
    assert any("Reveal" in a.text for a in hid.layout.annotations)
    shown = FL.sgd_certified(np.arange(5), np.ones((1, 5)), np.array([0.8]), 0.9)
    assert [t.name for t in shown.data][0] == "run 1"


# ----------------------------------------------------------------------------- why it is convex
def test_rescaling_step_numbers_come_from_the_mechanism():
    from cvxcore.mechanism import one_neuron_objective, rescaled_objective
    x, y, beta = np.array([[-1.0], [2.0]]), np.array([-1.0, 1.5]), 0.1
    D, err = LD.rescaling(x, y, beta, 1)
    assert err is None
    P = D["path"]
    b = P["balanced"]
    assert P["u"][b] == pytest.approx(abs(P["alpha"][b]))                    # the middle stop is balanced
    assert np.argmin(P["penalty"]) == b and P["penalty"][b] == pytest.approx(beta * abs(P["z0"]))
    assert np.allclose(P["u"] * P["alpha"], P["z0"])                          # one network along the path
    # (2) at the balanced stop equals (3) at z₀; elsewhere on the hyperbola it is above
    G0 = float(rescaled_objective(x[:, 0], y, beta, np.array(P["z0"]), 1))
    assert P["F"][b] == pytest.approx(G0, rel=1e-12) and np.all(P["F"] >= G0 - 1e-12)
    # the profile's minimum equals the best of (2) in the cell (program (8) on the cell's pattern),
    # and a dense grid of (2) in the cell does not beat it
    zs, gs = min(D["minima"].values(), key=lambda t: t[1])
    assert gs == pytest.approx(D["cell_value"], rel=1e-7) == pytest.approx(0.57375, rel=1e-9)
    UU, AA = np.meshgrid(np.linspace(1e-3, 3, 400), np.linspace(-3, 3, 401))
    assert one_neuron_objective(x[:, 0], y, beta, UU, AA).min() >= gs - 1e-12
    assert np.allclose(D["hessian"], [[0.1, -3.0], [-3.0, 0.1]]) and D["eig"][0] < 0
    a = L.answer_rescaled(D["minima"], D["cell_value"], P["z0"], beta)
    assert a.value == "they are equal" and a.check("they are equal") and not a.check(L.RESCALE_OPTIONS[0])
    fig = FL.rescaling_figure(D, 2)
    assert not any(getattr(t, "name", "") and "minimum" in t.name for t in fig.data)   # hidden before Reveal
    assert any("minimum" in (t.name or "") for t in FL.rescaling_figure(D, 2, show_minimum=True).data)


def test_merging_step_never_increases_the_objective_and_recovers_p_star():
    from cvxcore.mechanism import same_cell
    X, y = LD.paper_design()
    for spread in LD.MERGE_SPREADS:
        D, err = LD.merging(X, y, 0.1, "squared", spread)
        assert err is None
        assert same_cell(X, D["q1"], D["q2"]) and np.allclose(D["q1"] + D["q2"], D["q"])
        assert D["loss_after"] == pytest.approx(D["loss_before"], rel=1e-12)          # the fit is unchanged
        # triangle inequality, and strict when the two are not parallel
        assert D["penalty_merged"] == pytest.approx(0.1 * np.linalg.norm(D["q"]))
        assert D["penalty_pair"] == pytest.approx(0.1 * (np.linalg.norm(D["q1"]) + np.linalg.norm(D["q2"])))
        assert D["objective_after"] <= D["objective_before"] + 1e-12
        assert (D["objective_after"] < D["objective_before"] - 1e-9) == (spread > 0)
        assert D["objective_after"] == pytest.approx(D["p_star"], rel=1e-6)
        a = L.answer_merge(D, 0.1)
        assert a.value == ("it goes down" if spread > 0 else "it stays the same") and a.check(a.value)
    shown = FL.merging_figure(X, D, merged=True)
    hidden = FL.merging_figure(X, D, merged=False)
    assert len(shown.data) > len(hidden.data) and len(hidden.data[-1].y) == 1      # the merged bar on Reveal


def test_cone_step_value_below_p_star_and_blocks_violate():
    from cvxcore.mechanism import solve_without_cones
    X, y = LD.paper_design()
    D, err = LD.cone_free(X, y, 0.1)
    assert err is None
    assert D["value"] <= D["p_star"] - 0.5 and D["relu_objective"] >= D["p_star"]
    assert D["value"] == pytest.approx(solve_without_cones(X, y, 0.1).value, rel=1e-6)
    assert D["p_star"] == pytest.approx(solve_convex(X, y, 0.1).value, rel=1e-8)
    for v in D["violations"]:                               # every drawn cross is a sign the pattern forbids
        on = v["pattern"]
        lin = X @ v["block"]
        assert np.allclose(v["linear"], lin)
        bad = (on & (lin < 0)) | (~on & (lin > 0))
        assert set(np.flatnonzero(bad)) >= set(v["wrong_on"]) | set(v["wrong_off"]) and bad.any()
    # the fit drawn without cones is the gated model's, and is the one that costs the value
    G = np.c_[D["xs"], np.ones_like(D["xs"])]
    assert np.allclose(D["fit_free"], sum(np.where(G @ v["gate"] >= 0, G @ v["block"], 0) for v in D["violations"]))
    a = L.answer_cones(D)
    assert a.value == "above p*" and a.check("above p*")
    assert len(FL.cones_figure(X[:, 0], y, D, dropped=False).data) == 2            # data and (8) only
    assert len(FL.cones_figure(X[:, 0], y, D, dropped=True).data) > 3


@pytest.mark.slow
def test_stuck_step_touches_the_band_and_the_inserted_neuron_helps():
    from cvxcore import analyse_run, objective
    X, y = LD.paper_design()
    D, err = LD.stuck_chain(X, y, 0.1, 0)
    assert err is None
    assert np.allclose(np.abs(D["neuron_values"]), 0.1, atol=1e-4)                  # touches ±β at its neurons
    assert np.allclose(np.sign(D["neuron_values"]), np.sign(D["neuron_alpha"]))
    assert np.max(np.abs(D["curve"])) > 5 * 0.1 and abs(D["missing_value"]) >= np.max(np.abs(D["curve"])) - 1e-9
    # the curve drawn is vᵀ(Xu)₊ of the run's own residual, recomputed here
    v = y - np.maximum(X @ D["U"].T, 0) @ D["alpha"]
    th = D["theta"]
    assert np.allclose(D["curve"], np.maximum(np.c_[np.cos(th), np.sin(th)] @ X.T, 0) @ v)
    assert D["objective_now"] == pytest.approx(objective(X, y, D["U"], D["alpha"], 0.1, "squared"))
    assert D["restricted"] == pytest.approx(D["stuck"], abs=1e-4) and D["stuck"] > 1.5 * D["p_star"]
    one, _ = LD.stuck_chain(X, y, 0.1, 1)
    assert one["first_escape"] < D["stuck"] - 0.3 and one["m"] == D["m"] + 1
    assert L.answer_stuck(D["stuck"], one["first_escape"], D["p_star"]).value == L.STUCK_OPTIONS[1]
    three, _ = LD.stuck_chain(X, y, 0.1, LD.MAX_INSERTS)
    assert three["objective_now"] <= D["p_star"] * 1.01
    assert analyse_run(X, y, three["U"], three["alpha"], 0.1).dual_norm < 1.05 * 0.1     # back inside the band
    assert len(FL.stuck_figure(three, 0.1).data) >= 4


def test_sampled_step_counts_and_answer():
    from cvxcore import with_bias
    from cvxcore.experiments import sampled_sweep
    X, y = make("moons", seed=0)
    X = with_bias(X)
    D, err = LD.sampled(X, y, 1.0)
    assert err is None
    sw = sampled_sweep(X, y, 1.0)
    assert D["within"] == sw.samples_within and D["P"] == sw.n_cells == D["cover"]
    assert np.all(np.asarray(D["excess"]) >= -1e-7) and np.all(np.asarray(D["gap"]) >= np.asarray(D["excess"]) - 1e-7)
    assert np.all(np.diff(D["n_patterns"]) >= 0) and D["n_patterns"][-1] <= D["P"]
    a = L.answer_sampled(D["within"], D["within_patterns"], D["P"], D["p_star"])
    assert a.value == D["within"] and a.check(D["within"]) and a.check(2 * D["within"])
    assert not a.check(D["within"] // 3) and not a.check(D["P"])
    assert len(FL.sampled_figure(D, shown=False).data) == 1                          # only P̃ before Reveal
    assert len(FL.sampled_figure(D, shown=True).data) == 3


@pytest.mark.slow
def test_merge_answer_follows_the_setting_on_screen():
    k = next(i for i, s in enumerate(L.STEPS, 1) if s.key == "merge")
    at = _lesson(page="lesson", step=str(k))
    assert not any("Computed" in s.value for s in [*at.success, *at.warning])   # nothing revealed yet
    at.radio(key="_lesson_pred_merge").set_value(L.MERGE_OPTIONS[0]).run()
    at.button(key="_lesson_reveal_merge").click().run()
    assert any("Computed: it goes down." in w.value and "not this time" in w.value for w in at.warning)
    at.select_slider(key="_lesson_merge_spread").set_value(0.0).run()          # the two neurons parallel
    assert any("predict again" in c.value for c in at.caption)
    at.radio(key="_lesson_pred_merge").set_value(L.MERGE_OPTIONS[1]).run()
    at.button(key="_lesson_reveal_merge").click().run()
    assert any("Computed: it stays the same." in s.value and "right" in s.value for s in at.success)


def test_full_page_links_carry_the_settings_of_the_lessons_numbers():
    """The certificate step's link sets the SGD page's starts, steps, seed, step size and batch to
    the lesson's run, and the gauge step's link makes the Geometry page pick the lesson's points."""
    from urllib.parse import parse_qs, urlsplit

    from cvxcore import train_sgd
    from lab import codec
    for key, page in (("certificate", "sgd"), ("gauge", "geometry")):
        s = next(s for s in L.STEPS if s.key == key)
        X, y, _ = L._data_arrays(s.data)
        ds = codec.Dataset(X=X, y=y, bias=bool(s.bias))
        here = L.full_page_settings(page, ds, {"beta": s.beta, "m": s.m}, s.link)
        url = codec.share_url(f"http://h/{page}", ds, here)
        q = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
        ds2, settings, problems = codec.decode_query(q)
        assert not problems and np.array_equal(ds2.X, X) and np.array_equal(ds2.y, y)
        if key == "certificate":
            out, _ = LD.sgd_certified(with_bias(X), y, s.beta, "squared", s.m)
            r = train_sgd(with_bias(X), y, m=settings["m"], beta=settings["beta"], lr=settings["lr"],
                          steps=settings["steps"], trials=settings["trials"], seed=settings["seed"],
                          batch_size=settings["batch"] or None, optimizer=settings["opt"])
            assert np.allclose(r.final, out["final"], rtol=1e-12)
        else:
            assert settings["geo_src"] == "data" and settings["geo_n"] == len(y)
            assert tuple(settings["geo_pick"]) == tuple(range(len(y))) and settings["geo_ydata"]


def test_one_neuron_question_gradient_descent_crosses_the_cells():
    x, y, beta = np.array([[-1.0], [2.0]]), np.array([-1.0, 1.5]), 0.1
    D = LD.one_neuron(x, y, beta)
    start = LD.GD_STARTS[LD.GD_ASKED]
    assert start[0] < 0 < D["ends"][LD.GD_ASKED][0]               # starts in u < 0, ends in u > 0
    a = L.answer_gd_end(start, D["ends"][LD.GD_ASKED], D["minima"])
    assert a.value == "the minimum of the other cell (u > 0)" and "not a basin" in a.why
    own = next(k for k, s in enumerate(LD.GD_STARTS) if s[0] < 0 and D["ends"][k][0] < 0)
    assert L.answer_gd_end(LD.GD_STARTS[own], D["ends"][own], D["minima"]).value.startswith("the minimum of its own")
    hidden = FL.landscape_one_neuron(D["ug"], D["ag"], D["Z"], [], paths=[start[None]])
    assert sum(t.name == "gradient descent" for t in hidden.data) == 1                  # only the start, no path
