"""The Geometry page under Streamlit's AppTest (through app.py), its link, and its pure figure builders."""
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from cvxcore import beta_curve, geometry, neural_gauge
from lab import figures_geometry as fg

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _run(**query):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["page"] = "geometry"
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def _no_traceback(at):
    assert not at.exception, [e.value for e in at.exception]


def test_default_run_shows_both_routes_agreeing():
    at = _run()
    _no_traceback(at)
    assert not at.error
    m = _metrics(at)
    primal = float(m["min Σ|αⱼ| (interpolation)"])
    polar = float(m["max yᵀz over C° (polar)"])
    assert primal == pytest.approx(polar, rel=1e-5)
    # the page's number is the core's number for the default X and y
    X = np.array([[1.0, 0.0], [0.5, 1.0]])
    assert primal == pytest.approx(neural_gauge(X, [0.6, 0.9]).value, rel=1e-5)
    assert len(at.get("plotly_chart")) == 3          # output space, polar, β-curve


def test_moving_y_changes_the_gauge():
    at = _run()
    before = float(_metrics(at)["min Σ|αⱼ| (interpolation)"])
    at.slider(key="geo_y0").set_value(-1.0).run()
    _no_traceback(at)
    after = float(_metrics(at)["min Σ|αⱼ| (interpolation)"])
    assert after != pytest.approx(before)
    X = np.array([[1.0, 0.0], [0.5, 1.0]])
    assert after == pytest.approx(neural_gauge(X, [-1.0, 0.9]).value, rel=1e-5)


def test_three_points_in_space():
    at = _run()
    at.radio(key="geo_n").set_value(3).run()
    _no_traceback(at)
    assert not at.error
    m = _metrics(at)
    assert float(m["min Σ|αⱼ| (interpolation)"]) == pytest.approx(float(m["max yᵀz over C° (polar)"]), rel=1e-5)
    assert len([s for s in at.slider if s.key and s.key.startswith("geo_y")]) == 3


@pytest.mark.parametrize("n,example", [(2, 3), (2, 4), (3, 2)])
def test_degenerate_examples_are_handled(n, example):
    at = _run()
    at.radio(key="geo_n").set_value(n).run()
    at.selectbox(key="geo_ex").set_value(example).run()
    _no_traceback(at)
    assert not at.error
    assert at.get("plotly_chart")                     # the picture is still drawn


def test_parallel_rows_warn_that_y_cannot_be_interpolated():
    at = _run()
    at.text_area(key="geo_X").set_value("1, 2\n2, 4").run()
    _no_traceback(at)
    assert any("span(Q_X)" in w.value for w in at.warning)
    assert _metrics(at)["min Σ|αⱼ| (interpolation)"] == "no network"       # the gauge is +∞: said, not "inf"
    assert _metrics(at)["max yᵀz over C° (polar)"] == "unbounded"


@pytest.mark.parametrize("text,match", [
    ("1, x\n2, 4", "not a list of numbers"),
    ("1, 2\n3", "different lengths"),
    ("1, 2", "type exactly 2 data points"),
    ("1, 2\n3, 4\n5, 6", "type exactly 2 data points"),
    ("", "X is empty"),
    ("1, nan\n0, 1", "NaN"),
])
def test_bad_X_is_an_error_message_not_a_traceback(text, match):
    at = _run()
    at.text_area(key="geo_X").set_value(text).run()
    _no_traceback(at)
    assert at.error and match in at.error[0].value


def test_zero_y_is_explained():
    at = _run()
    at.slider(key="geo_y0").set_value(0.0).run()
    at.slider(key="geo_y1").set_value(0.0).run()
    _no_traceback(at)
    assert _metrics(at)["min Σ|αⱼ| (interpolation)"] == "0"


# ----------------------------------------------------------------------------- pure figure builders

def test_figures_are_pure_and_complete():
    X = np.array([[1.0, 0.0], [0.5, 1.0]])
    y = np.array([0.6, 0.9])
    G, r = geometry(X, num=200), neural_gauge(X, y)
    f = fg.output_space_2d(G, r, y)
    assert isinstance(f, go.Figure)
    names = {t.name for t in f.data}
    assert {"y", "C = conv(±Q_X)", "Q_X = {(Xu)₊}", "−Q_X"} <= names
    assert f.layout.yaxis.scaleanchor == "x"         # equal aspect
    # the blow-up animation: t·C for t = 0.25γ … 1.5γ, with the frame t = γ passing through y
    assert len(f.frames) == 6
    # legible from the back of a lecture hall: the slider's tick labels, its value and the button at ≥ 14 px
    sl, menu = f.layout.sliders[0], f.layout.updatemenus[0]
    assert min(sl.font.size, sl.currentvalue.font.size, menu.font.size) >= 14
    assert min(f.layout.xaxis.tickfont.size, f.layout.yaxis.tickfont.size) >= 14
    at_gamma = next(fr for fr in f.frames if fr.name == "1.000").data[0]
    P = np.column_stack([at_gamma.x, at_gamma.y])
    assert np.allclose(P, r.value * G.hull)
    assert np.min(np.linalg.norm(P - y, axis=1)) < 0.02   # y is on t·C at t = γ (up to sampling)
    p = fg.polar_2d(G, r, y)
    assert any(t.name.startswith("z*") for t in p.data)
    X3 = np.array([[1.0, 0.0, 0.2], [-0.5, 1.0, 0.0], [0.2, -0.4, 1.0]])
    G3, r3 = geometry(X3, num=300), neural_gauge(X3, [0.6, 0.5, 0.4])
    assert isinstance(fg.output_space_3d(G3, r3, np.array([0.6, 0.5, 0.4])), go.Figure)
    assert isinstance(fg.polar_3d(G3, r3, np.array([0.6, 0.5, 0.4])), go.Figure)
    c = beta_curve(X, y, num=3)
    fc = fg.beta_curve_figure(c)
    assert np.allclose(fc.data[0].y, c.ratios)
    # degenerate: drawn without a gauge
    Gd = geometry(np.array([[1.0, 2.0], [2.0, 4.0]]), num=100)
    rd = neural_gauge(np.array([[1.0, 2.0], [2.0, 4.0]]), [1.0, 0.0])
    assert isinstance(fg.output_space_2d(Gd, rd, np.array([1.0, 0.0])), go.Figure)
    assert isinstance(fg.polar_2d(Gd, rd, np.array([1.0, 0.0])), go.Figure)


def test_points_from_the_shared_data_set():
    """The default shared data set (lab.state) is the paper's 1-D example with a bias column."""
    from lab import state
    at = _run()
    at.radio(key="geo_src").set_value("data").run()
    _no_traceback(at)
    at.multiselect(key="geo_pick").set_value([0, 4]).run()
    _no_traceback(at)
    assert not at.error
    X = np.array([[-2.0, 1.0], [2.0, 1.0]])                  # x = −2 and x = 2 with the bias
    y = np.array([1.0, -1.0])                                # their targets
    g = float(_metrics(at)["min Σ|αⱼ| (interpolation)"])
    assert g == pytest.approx(neural_gauge(X, y).value, rel=1e-5)
    assert state.DEFAULT_PRESET == "paper"
    # own y instead of the targets: the sliders come back
    at.checkbox(key="geo_ydata").uncheck().run()
    _no_traceback(at)
    assert at.slider(key="geo_y0") is not None


def test_the_link_carries_every_control():
    """n, the example, the typed X, y and the curve's points go into the address and come back."""
    at = _run()
    at.radio(key="geo_n").set_value(3).run()
    at.selectbox(key="geo_ex").set_value(1).run()
    at.slider(key="geo_y1").set_value(-0.5).run()
    at.slider(key="geo_num").set_value(5).run()
    _no_traceback(at)
    q = {k: (v if isinstance(v, str) else v[-1]) for k, v in dict(at.query_params).items()}
    assert q["geo_n"] == "3" and q["geo_ex"] == "1" and q["geo_y"] == "0.6,-0.5,0.4" and q["geo_num"] == "5"
    assert q["geo_X"] == "-1, 1;0.5, 1;2, 1"
    g = float(_metrics(at)["min Σ|αⱼ| (interpolation)"])
    at2 = _run(**{k: v for k, v in q.items() if k != "page"})
    _no_traceback(at2)
    assert at2.radio(key="geo_n").value == 3 and at2.selectbox(key="geo_ex").value == 1
    assert at2.slider(key="geo_y1").value == -0.5 and at2.slider(key="geo_num").value == 5
    assert float(_metrics(at2)["min Σ|αⱼ| (interpolation)"]) == g
    X = np.array([[-1.0, 1.0], [0.5, 1.0], [2.0, 1.0]])
    assert g == pytest.approx(neural_gauge(X, [0.6, -0.5, 0.4]).value, rel=1e-5)


def test_a_typed_X_in_the_link():
    at = _run(geo_X="1, 0;0, 2", geo_y="0.5,1")
    _no_traceback(at)
    assert at.text_area(key="geo_X").value == "1, 0\n0, 2"
    assert float(_metrics(at)["min Σ|αⱼ| (interpolation)"]) == pytest.approx(
        neural_gauge(np.array([[1.0, 0.0], [0.0, 2.0]]), [0.5, 1.0]).value, rel=1e-5)
