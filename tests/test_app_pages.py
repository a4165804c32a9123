"""AppTest for the app's pages: default runs, presets, sliders, and unusable data.

Each test drives the real ``app.py`` (st.navigation) in-process, and reads (or, for what AppTest
cannot do, such as a click on a chart, writes) the session's state through :mod:`lab.state`.
"""
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cvxcore.datasets import PRESETS, make
from lab import codec, state

TIMEOUT = 240
APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGES = ["app_pages/data.py", "app_pages/arrangement.py", "app_pages/convex.py", "app_pages/sgd.py",
         "app_pages/about.py"]


def _play_to_end(at, frames=200):
    """Press Play and let the animation run: AppTest runs one frame per run of the script."""
    at.button(key="_sgd_play").click().run()
    for _ in range(frames):
        if at.button(key="_sgd_pause").disabled:
            return at
        at.run()
    raise AssertionError("the SGD run did not end")


def _app(data=None, bias=True, **settings):
    """The app opened by a link (what a student's browser sends): ``data`` = (X, y) and the
    settings in the query string, as :func:`lab.codec.encode_query` writes them."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    query = codec.encode_settings(settings)
    if data is None and not bias:
        data = make("paper")                   # the bias flag travels with the data set
    if data is not None:
        X, y = (np.asarray(a, dtype=float) for a in data[:2])
        tok, err = codec.encode_data(X.reshape(len(y), -1), y, bias)
        assert tok is not None, err
        query[codec.DATA_KEY] = tok
    at.query_params.update(query)
    at.run()
    return at


def _empty(dim):
    """The app with an empty data set of dimension ``dim``, reached as a user does: the Data
    page's kind switch (an empty set of the new kind), then Clear."""
    at = _go(_app(), "app_pages/data.py")                # the paper's 1-D data
    if dim == 1:
        next(b for b in at.button if b.label == "Clear").click().run()
    else:
        at.radio(key="_data_kind").set_value(2).run()
    assert not at.exception and state.get_dataset(at.session_state).n == 0
    return at


def _go(at, page):
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at, kind):
    return " ".join(str(e.value) for e in getattr(at, kind))


@pytest.mark.parametrize("page", PAGES)
def test_default_run(page):
    at = _go(_app(), page)
    assert at.title and not at.error


def test_convex_default_values_and_beta_slider():
    at = _go(_app(), "app_pages/convex.py")
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["optimal value p*"]) == pytest.approx(0.8914, abs=2e-4)   # paper example, β = 0.1
    assert metrics["neurons m*"] == "4" and metrics["patterns P"] == "10"
    # The slider ends at the first grid value ≥ β_max of the data, β_max computed by the core:
    # there the optimum is the zero network, one grid step below it is not.
    from cvxcore import beta_max, with_bias
    from cvxcore.datasets import PAPER_X, PAPER_Y
    bmax = beta_max(with_bias(PAPER_X.reshape(-1, 1)), PAPER_Y)
    options = at.select_slider(key="beta").options
    assert float(options[-1].split()[0]) >= bmax > float(options[-2]) and "β_max" in options[-1]
    assert f"β_max = {bmax:.4g}" in _texts(at, "caption")
    at.select_slider(key="beta").set_value(float(options[-2])).run()
    assert int({m.label: m.value for m in at.metric}["neurons m*"]) > 0
    at.select_slider(key="beta").set_value(float(options[-1].split()[0])).run()
    assert not at.exception
    assert "zero network" in _texts(at, "info")           # β ≥ β_max: no neuron survives
    at.select_slider(key="beta").set_value(0.01).run()
    assert float({m.label: m.value for m in at.metric}["optimal value p*"]) < 0.2


def test_beta_step_and_added_point_are_warm_started_and_give_the_cold_optimum():
    """cached.solve_warm seeds a β step (and an appended point) with the session's previous
    optimum; the value shown must equal a cold solve of the same problem."""
    import numpy as np

    from cvxcore import solve_convex, with_bias
    rng = np.random.default_rng(3)
    x, y = codec.at_link_precision(*(lambda x: (x, np.sign(x[:, 0] * x[:, 1])))(rng.standard_normal((30, 2))))
    at = _go(_app((x.tolist(), y.tolist()), loss="squared"), "app_pages/convex.py")
    first = state.last_solve(at.session_state).result
    assert first.info["warm_blocks"] == 0                     # nothing to start from yet
    at.select_slider(key="beta").set_value(0.01).run()
    assert not at.exception
    res = state.last_solve(at.session_state).result
    assert res.info["warm_blocks"] > 0 and res.status == "optimal"
    cold = solve_convex(with_bias(x), y, 0.01)
    assert res.value == pytest.approx(cold.value, rel=1e-8)
    assert float({m.label: m.value for m in at.metric}["optimal value p*"]) == pytest.approx(cold.value, rel=1e-3)
    # an added point: the previous data are a prefix of the new; a new preset is solved cold
    # (a click on the chart, which AppTest cannot make, appends the point to the session's data)
    x2, y2 = np.vstack([x, [[0.3, -1.2]]]), np.append(y, -1.0)
    state.set_data(x2, y2, ss=at.session_state)
    at.run()
    res2 = state.last_solve(at.session_state).result
    assert res2.info["warm_blocks"] > 0 and res2.n_patterns == solve_convex(with_bias(x2), y2, 0.01).n_patterns
    assert res2.value == pytest.approx(solve_convex(with_bias(x2), y2, 0.01).value, rel=1e-8)
    # (a CSV upload, which AppTest cannot send, replaces the data set)
    state.set_data(x[:20] + 5, y[:20], ss=at.session_state)
    at.run()
    assert state.last_solve(at.session_state).result.info["warm_blocks"] == 0


def test_preset_with_added_points_starts_from_the_presets_optimum():
    """A session's first solve of a preset plus clicked points is seeded by the preset's own
    (shared, cached) optimum and gives the cold optimum."""
    import numpy as np

    from cvxcore import solve_convex, with_bias
    from cvxcore.datasets import make
    from lab import codec
    x, y = codec.at_link_precision(*make("moons"))             # as lab.state stores a preset
    x2, y2 = np.vstack([x, [[0.2, 0.9], [-0.4, -0.1]]]), np.append(y, [1.0, -1.0])
    at = _go(_app((x2.tolist(), y2.tolist()), loss="hinge"), "app_pages/convex.py")
    res = state.last_solve(at.session_state).result
    assert res.info["warm_blocks"] > 0 and res.status == "optimal"
    assert res.value == pytest.approx(solve_convex(with_bias(x2), y2, 0.1, loss="hinge").value, rel=1e-7)


@pytest.mark.parametrize("name", list(PRESETS))
def test_each_preset_on_every_page(name):
    at = _go(_app(), "app_pages/data.py")
    at.button(key=f"_preset_{name}").click().run()
    assert not at.exception
    assert state.preset_name(at.session_state) == name
    assert state.setting("loss", ss=at.session_state) == ("squared" if PRESETS[name].dim == 1 else "hinge")
    for page in ("app_pages/arrangement.py", "app_pages/convex.py", "app_pages/sgd.py"):
        _go(at, page)
        assert not at.error, (page, _texts(at, "error"))
        assert at.title, page
        if page == "app_pages/convex.py":                 # the optimum of (8) for the preset is shown
            value = next(float(m.value) for m in at.metric if "p*" in m.label)
            assert np.isfinite(value) and value >= 0


def test_data_page_undo_clear_and_kind():
    at = _go(_app(), "app_pages/data.py")
    at.button(key="_preset_moons").click().run()
    assert state.get_dataset(at.session_state).n == 40
    at.button[1].click().run()                          # Clear
    assert state.get_dataset(at.session_state).y.tolist() == [] and "empty" in _texts(at, "info")
    at.button[0].click().run()                          # Undo
    assert state.get_dataset(at.session_state).n == 40
    at.radio(key="_data_kind").set_value(1).run()
    assert state.get_dataset(at.session_state).d == 1 and state.setting("loss", ss=at.session_state) == "squared"
    assert not at.exception


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("page", PAGES[1:4])
def test_empty_data_says_so(dim, page):
    at = _go(_empty(dim), page)
    assert "empty" in _texts(at, "info") and not at.error


@pytest.mark.parametrize("page", PAGES)
def test_one_point(page):
    at = _go(_app(([[0.5]], [1.0])), page)
    assert not at.error


@pytest.mark.parametrize("page", PAGES)
def test_one_class_only(page):
    X = [[-1.0, 0.5], [1.0, 1.0], [0.2, -1.0], [1.5, -0.3]]
    at = _go(_app((X, [1, 1, 1, 1]), loss="hinge"), page)
    assert not at.error
    if page == "app_pages/data.py":
        assert "one class" in _texts(at, "warning")


@pytest.mark.parametrize("page", PAGES)
def test_duplicate_points(page):
    at = _go(_app(([[0.0], [0.0], [1.0], [1.0], [-1.0]], [1.0, 1.0, -1.0, -1.0, 0.5])), page)
    assert not at.error
    if page == "app_pages/data.py":
        assert "repeat" in _texts(at, "warning")


@pytest.mark.parametrize("page", ["app_pages/convex.py", "app_pages/sgd.py"])
def test_hinge_loss_on_regression_targets_is_an_error_not_a_traceback(page):
    at = _go(_app(([[0.0], [1.0]], [0.3, 2.0])), page)     # real targets: not labels for hinge
    at.selectbox(key="loss").set_value("hinge").run()
    assert not at.exception
    assert "labels in {-1, +1}" in _texts(at, "error")
    assert state.get_dataset(at.session_state).y.tolist() == [0.3, 2.0]      # the user's data is kept


def test_no_bias_and_1d_without_bias_arrangement():
    at = _go(_app(bias=False), "app_pages/arrangement.py")
    assert "Turn the **bias** on" in _texts(at, "info")
    at = _go(_app(([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [1, -1, 1]), bias=False), "app_pages/arrangement.py")
    assert not at.error


def _chosen(at):
    """(u, pattern bits) of the chosen neuron: u from the address (full precision; the page shows it
    to 3 decimals, which agree), the pattern as the page prints it."""
    import re
    md = next(m.value for m in at.markdown if m.value.startswith("**The chosen neuron**"))
    shown = [float(v) for v in re.search(r"u = \(([^)]*)\)", md).group(1).split(",")]
    q = at.query_params["arr_u"]
    u = np.array([float(v) for v in (q if isinstance(q, str) else q[-1]).split(",")])
    np.testing.assert_allclose(u, shown, atol=6e-4)
    bits = "".join(str(e.value) for e in at.get("latex")) + "".join(str(c.value) for c in at.code)
    D = re.search(r"diag\}?\(([01, ]+)\)", bits).group(1).replace(",", "").replace(" ", "")
    return u, np.array([b == "1" for b in D])


def _steps(at):
    return [b for b in at.button if (b.key or "").startswith("_arr_step_")]


@pytest.mark.parametrize("preset", ["paper", "circles"])
def test_arrangement_steps_to_neighbouring_cells(preset):
    """The Arrangement page: each "point i on/off" button moves to the cell across that facet,
    where exactly point i changed; the pattern shown is 1[Xu ≥ 0] of the u shown (recomputed
    here), and −u gives the complement."""
    import re

    from cvxcore import with_bias
    from cvxcore.datasets import make
    at = _go(_app(), "app_pages/data.py")
    at.button(key=f"_preset_{preset}").click().run()
    _go(at, "app_pages/arrangement.py")
    X = with_bias(make(preset)[0].reshape(len(make(preset)[1]), -1))
    u, D = _chosen(at)
    np.testing.assert_array_equal(X @ u >= 0, D)
    for _ in range(4):
        b = _steps(at)[-1]
        i = int(re.search(r"point (\d+)", b.label).group(1)) - 1
        on = b.label.endswith(" on")
        b.click().run()
        assert not at.exception
        u2, D2 = _chosen(at)
        np.testing.assert_array_equal(X @ u2 >= 0, D2)
        assert list(np.flatnonzero(D2 != D)) == [i] and D2[i] == on
        u, D = u2, D2
    at.button(key="_arr_flip").click().run()
    np.testing.assert_array_equal(_chosen(at)[1], ~D)


def test_arrangement_link_carries_the_chosen_neuron():
    at = _go(_app(), "app_pages/arrangement.py")
    _steps(at)[0].click().run()
    u, D = _chosen(at)
    from urllib.parse import parse_qs, urlsplit
    q = {k: v[-1] for k, v in parse_qs(urlsplit(at.sidebar.code[0].value).query).items()}
    at2 = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in q.items():
        at2.query_params[k] = v
    at2.run()
    assert not at2.exception and at2.title[0].value == "Hyperplane arrangement"
    u2, D2 = _chosen(at2)
    np.testing.assert_allclose(u2, u, atol=1e-3) and np.testing.assert_array_equal(D2, D)


def test_arrangement_without_the_cells_shows_the_pattern_only(monkeypatch):
    """Past lab.arrangement.EXACT_MAX cells: the pattern of the chosen u, no steps, no star."""
    from lab import arrangement
    monkeypatch.setattr(arrangement, "EXACT_MAX", 100)
    at = _go(_app(), "app_pages/data.py")
    at.button(key="_preset_moons").click().run()
    _go(at, "app_pages/arrangement.py")
    assert "the page shows the pattern of the chosen u only" in _texts(at, "warning")
    assert not _steps(at) and "too many to list" in _texts(at, "caption")
    from cvxcore import with_bias
    from cvxcore.datasets import make
    u, D = _chosen(at)
    np.testing.assert_array_equal(with_bias(make("moons")[0]) @ u >= 0, D)


def test_sgd_play_certificates_and_m_below_m_star():
    at = _go(_app(steps=200, trials=2), "app_pages/sgd.py")
    at.slider(key="m").set_value(2).run()
    assert "m = 2 < m\\* = 4" in _texts(at, "warning")
    _play_to_end(at)
    assert not at.exception
    df = at.dataframe[0].value
    assert len(df) == 2
    obj, lb = df["objective (2)"].astype(float), df["certified lower bound on p*"].astype(float)
    assert (obj >= lb - 1e-4).all()
    assert (obj > 0.8914 - 1e-4).all()        # no run below p*
    at.button(key="_sgd_reset").click().run()
    assert not at.exception and "Press **Play**" in _texts(at, "info")


def test_sgd_large_lr_diverges_with_a_warning():
    at = _go(_app(steps=200, trials=2, lr=1.0), "app_pages/sgd.py")
    _play_to_end(at)
    assert not at.exception
    assert "diverged" in _texts(at, "warning")


def test_settings_survive_page_switches():
    at = _go(_app(), "app_pages/convex.py")
    at.select_slider(key="beta").set_value(0.251).run()
    _go(at, "app_pages/sgd.py")
    assert at.select_slider(key="beta").value == 0.251
    at.slider(key="m").set_value(20).run()
    _go(at, "app_pages/data.py")
    at.toggle(key="bias").set_value(False).run()
    _go(at, "app_pages/convex.py")
    assert at.select_slider(key="beta").value == 0.251
    _go(at, "app_pages/sgd.py")
    assert at.slider(key="m").value == 20 and state.setting("bias", ss=at.session_state) is False
    _go(at, "app_pages/data.py")
    assert at.toggle(key="bias").value is False


def test_large_data_switches_to_sampled_patterns_with_a_note(monkeypatch):
    """Beyond the exact limit the pages solve over sampled patterns and say so; the limit is
    lowered here to the in-page budget so that 150 points lie beyond it."""
    import numpy as np

    from lab import cached
    monkeypatch.setattr(cached, "EXACT_WORK_LIMIT", cached.QUICK_WORK)
    rng = np.random.default_rng(0)
    P = rng.uniform(-2, 2, (150, 2))
    y = np.where(P[:, 0] * P[:, 1] > 0, 1.0, -1.0)
    at = _go(_app((P.tolist(), y.tolist()), loss="hinge"), "app_pages/convex.py")
    assert "upper bound on p*" in _texts(at, "warning") and not at.error
    labels = [m.label for m in at.metric]
    assert "value (upper bound on p*)" in labels
    assert "neurons m*" not in labels and "patterns P" not in labels     # not m*, not P: a sample
    assert "sampled patterns" in labels
    _go(at, "app_pages/sgd.py")
    assert "upper bound on p*" in _texts(at, "warning")
    assert "a run may end below it" in _texts(at, "caption")
    assert "m\\*" not in _texts(at, "warning")                      # no m < m* claim from a sample
    _go(at, "app_pages/arrangement.py")          # the cells are still listed exactly at n = 150
    from cvxcore import cover_count
    assert f"P = {cover_count(150, 3):,}" in _texts(at, "caption")


def test_m_below_m_star_is_not_called_impossible():
    """Theorem 1 is sufficient (m ≥ m*): the page must not say a narrower network cannot reach p*."""
    at = _go(_app(steps=200, trials=2, m=2), "app_pages/sgd.py")
    w = _texts(at, "warning")
    assert "m = 2 < m\\* = 4" in w and "guarantees" in w and "no width" not in w


def test_about_lists_every_page_and_the_exact_certificate_claim():
    import re
    at = _go(_app(), "app_pages/about.py")
    md = _texts(at, "markdown")
    titles = re.findall(r'"app_pages/\w+\.py", "([^"]+)"', Path(APP).read_text())
    assert titles and all(f"**{t}**" in md for t in titles if t != "About"), titles
    assert "Any feasible $v$ is a lower bound" not in md and "dual objective of any feasible $v$" in md


def test_weight_plane_axes_are_the_weights():
    """The 2-D weight-space plot's axes are u₁ and u₂ (the bias weight), not a data point's name."""
    import json
    at = _go(_app(), "app_pages/arrangement.py")
    lay = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
    assert lay["xaxis"]["title"]["text"] == "u₁" and lay["yaxis"]["title"]["text"] == "u₂ (bias)"


def _charts(at):
    import json
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _run_colours(spec):
    return {t["name"]: t["line"]["color"] for t in spec["data"]
            if str(t.get("name", "")).startswith("run ") and "line" in t}


def test_sgd_final_fit_colours_match_the_traces():
    """Run t has one colour on the objective traces and on the final fits (1-D)."""
    at = _go(_app(steps=200, trials=4), "app_pages/sgd.py")
    _play_to_end(at)
    assert not at.exception
    colours = [_run_colours(s) for s in _charts(at)]
    traces, fit = colours[0], colours[-1]
    assert len(fit) == 4 and all(fit[k] == traces[k] for k in fit), (traces, fit)


def test_sgd_2d_final_fit_names_are_not_plotly_titles():
    """2-D final fits: the name is a heading above the chart, not a title colliding with the legend."""
    at = _go(_app(steps=100, trials=2), "app_pages/data.py")
    at.button(key="_preset_xor").click().run()
    _go(at, "app_pages/sgd.py")
    _play_to_end(at)
    assert not at.exception
    assert "**optimum (8)**" in _texts(at, "markdown")
    assert all(not (s["layout"].get("title") or {}).get("text") for s in _charts(at)[-3:])


@pytest.mark.parametrize("loss", ["squared", "hinge", "logistic"])
def test_convex_m_star_the_tables_and_the_stems_count_the_same_neurons(loss):
    """m* (the metric), the rows of the active-pattern table, the rows of the neuron table and the
    nonzero stems of the group-norm figure are one count: the minimal network solve_convex returns
    (no neuron is hidden as round-off)."""
    at = _go(_app(), "app_pages/data.py")
    at.button(key="_preset_moons").click().run()
    _go(at, "app_pages/convex.py")
    at.selectbox(key="loss").set_value(loss).run()
    assert not at.exception and not at.error
    m_star = int({m.label: m.value for m in at.metric}["neurons m*"])
    active, neurons = (d.value for d in at.dataframe[:2])
    assert len(active) == m_star == len(neurons), (len(active), m_star, len(neurons))
    assert sorted(active["neuron j"]) == list(range(1, m_star + 1))
    assert (active["block norm"] > 0).all()
    stems = [s for s in _charts(at) if "nonzero blocks" in str(s["layout"])][0]
    assert f"({m_star} nonzero blocks)" in str(stems["layout"])
    assert "round-off" not in _texts(at, "caption")


def test_ui_table_sends_records_as_arrow_and_falls_back_on_mixed_columns(tmp_path):
    """lab.ui.table: records become an Arrow table (same columns, rows, values); a column of
    mixed types, which Arrow refuses, goes to Streamlit as records; no rows: an empty table."""
    script = tmp_path / "t.py"
    script.write_text(
        f"import sys\nsys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
        + "from lab import ui\n"
        "ui.table([{'i': 1, 'D': '0110', 'v': 0.5}, {'i': 2, 'D': '1000', 'v': 0.25}], hide_index=True)\n"
        "ui.table([{'a': 1, 'b': 'x'}, {'a': 'two', 'b': 'y'}])\n"
        "ui.table([])\n")
    at = AppTest.from_file(str(script), default_timeout=60).run()
    assert not at.exception, at.exception
    first, mixed, empty = (d.value for d in at.dataframe)
    assert list(first.columns) == ["i", "D", "v"] and first["i"].tolist() == [1, 2]
    assert first["D"].tolist() == ["0110", "1000"] and first["v"].tolist() == [0.5, 0.25]
    assert len(mixed) == 2 and list(mixed.columns) == ["a", "b"]
    assert len(empty) == 0
