"""Figure builders (lab.figures) and geometry helpers (lab.geom), without Streamlit."""
import sys

import numpy as np
import plotly.graph_objects as go
import pytest

from cvxcore import activation_patterns, cover_count, with_bias
from cvxcore.datasets import make
from lab import figures as F
from lab.geom import cell_direction, sectors_2d


def test_figures_module_does_not_import_streamlit():
    import lab.figures, lab.geom  # noqa: F401
    src = open(lab.figures.__file__).read() + open(lab.geom.__file__).read()
    assert "import streamlit" not in src


@pytest.mark.parametrize("dim", [1, 2])
def test_canvas_grid_covers_the_fixed_axes(dim):
    P, y = make("paper" if dim == 1 else "moons")
    fig = F.data_canvas(P, y, dim)
    grid = fig.data[0]
    assert grid.name == F.GRID_NAME and grid.marker.opacity == 0
    (x0, x1), (y0, y1) = F.CANVAS_1D if dim == 1 else F.CANVAS_2D
    assert tuple(fig.layout.xaxis.range) == (x0, x1) and tuple(fig.layout.yaxis.range) == (y0, y1)
    assert fig.layout.xaxis.fixedrange and fig.layout.yaxis.fixedrange
    gx, gy = np.asarray(grid.x), np.asarray(grid.y)
    assert gx.min() == pytest.approx(x0) and gx.max() == pytest.approx(x1)
    assert gy.min() == pytest.approx(y0) and gy.max() == pytest.approx(y1)
    # no gap wider than one grid step anywhere: a click always lands near a grid point
    assert np.max(np.diff(np.unique(gx))) <= F.GRID_STEP + 1e-9
    n_data = sum(len(t.x) for t in fig.data[1:])
    assert n_data == len(y)
    if dim == 2:
        assert fig.layout.yaxis.scaleanchor == "x"


def test_canvas_with_no_data():
    fig = F.data_canvas(np.zeros((0, 2)), np.zeros(0), 2)
    assert len(fig.data[0].x) > 1000 and sum(len(t.x) for t in fig.data[1:]) == 0


def test_fit_1d_draws_each_kink_and_the_curve():
    x = np.array([-2.0, -1, 0, 1, 2])
    U = np.array([[1.0, 0.5], [-1.0, 0.2], [0.0, 1.0]])      # kinks at −0.5 and 0.2; a constant neuron
    a = np.array([1.0, -2.0, 0.5])
    xs = np.linspace(-3, 3, 61)
    f = F.neuron_outputs_1d(xs, U, a, True).sum(0)
    np.testing.assert_allclose(f, np.maximum(np.c_[xs, np.ones_like(xs)] @ U.T, 0) @ a)
    fig = F.fit_1d(x, x ** 2, xs, {"f": f}, U=U, alpha=a, bias=True)
    kinks = sorted(s.x0 for s in fig.layout.shapes)
    np.testing.assert_allclose(kinks, [-0.5, 0.2])
    names = [t.name for t in fig.data]
    assert "f" in names and "data" in names and "neuron, α < 0" in names and "neuron, α > 0" in names


def test_line_in_box_endpoints_lie_on_the_line():
    seg = F._line_in_box(1.0, 2.0, -0.5, (-2.5, 2.5), (-2.5, 2.5))
    for (px, py) in seg:
        assert px + 2 * py - 0.5 == pytest.approx(0, abs=1e-9)
    assert F._line_in_box(0.0, 1.0, -10.0, (-2.5, 2.5), (-2.5, 2.5)) is None   # y = 10: outside


def test_decision_regions_and_neuron_lines():
    P, y = make("xor")
    g = np.linspace(-2.5, 2.5, 21)
    U = np.array([[1.0, 1.0, 0.0], [1.0, -1.0, 0.5]])
    a = np.array([1.0, -1.0])
    G = np.c_[np.tile(g, g.size), np.repeat(g, g.size)]
    Fv = (np.maximum(with_bias(G) @ U.T, 0) @ a).reshape(g.size, g.size)
    fig = F.decision_2d(P, y, g, g, Fv, U=U, alpha=a)
    assert isinstance(fig.data[0], go.Heatmap) and fig.data[0].zmid == 0
    lines = [t for t in fig.data if t.name and t.name.startswith("neuron")]
    assert len(lines) == 2
    for t, u in zip(lines, U):
        for px, py in zip(t.x, t.y):
            assert u[0] * px + u[1] * py + u[2] == pytest.approx(0, abs=1e-9)


def test_group_norms_counts_nonzero_blocks():
    fig = F.group_norms(np.array([0.0, 1.0, 0.0, 2.0]), np.array([0.5, 0.0, 0.0, 0.0]))
    assert "3 nonzero" in fig.layout.xaxis.title.text
    tips = {t.name or "": (list(t.x), list(t.y)) for t in fig.data if t.mode == "markers"}
    assert tips["zero blocks"] == ([3], [0.0])
    pos = [t for t in fig.data if t.mode == "markers" and t.marker.color == F.APOS][0]
    neg = [t for t in fig.data if t.mode == "markers" and t.marker.color == F.ANEG][0]
    assert list(pos.x) == [2, 4] and list(pos.y) == [1.0, 2.0]
    assert list(neg.x) == [1] and list(neg.y) == [-0.5]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sectors_2d_are_the_exact_arrangement(seed):
    rng = np.random.default_rng(seed)
    for X in (with_bias(rng.uniform(-2, 2, (7, 1))), rng.standard_normal((6, 2))):
        dirs, pats = sectors_2d(X)
        exact = activation_patterns(X)
        assert {tuple(p) for p in pats} == {tuple(p) for p in exact}
        assert len(pats) == len(exact) == cover_count(X.shape[0], 2)
        np.testing.assert_allclose(np.linalg.norm(dirs, axis=1), 1)


def test_sectors_2d_with_repeated_points():
    X = with_bias(np.array([0.0, 0.0, 1.0]))
    dirs, pats = sectors_2d(X)
    assert {tuple(p) for p in pats} == {tuple(p) for p in activation_patterns(X)}


def test_cell_direction_lands_in_its_cell():
    P, _ = make("circles", n=12)
    X = with_bias(P)
    pats = activation_patterns(X)
    for D in pats:
        u, t = cell_direction(X, D)
        assert t > 0
        np.testing.assert_array_equal(X @ u >= 0, D)


def test_weight_plane_and_sphere_and_input_plane():
    X = with_bias(np.array([-1.0, 0.5, 2.0]))
    u = sectors_2d(X)[0][0]
    fig = F.weight_plane(X, u)
    assert sum(1 for t in fig.data if t.name == "xᵢᵀu = 0") == 3
    assert fig.layout.yaxis.scaleanchor == "x"
    P, y = make("moons", n=8)
    X3 = with_bias(P)
    u3, _ = cell_direction(X3, activation_patterns(X3)[5])
    fs = F.sphere_arrangement(X3, u3, k=500)
    assert sum(1 for t in fs.data if t.name == "xᵢᵀu = 0") == 8
    fi = F.input_plane(P, y, u3)
    filled = sum(len(t.x) for t in fi.data if t.name and t.name.endswith("≥ 0"))
    assert filled == int(np.sum(X3 @ u3 >= 0))


def test_sgd_traces_and_counts():
    obj = np.array([[3.0, 2.0, 1.5], [4.0, 1.0, 0.9]])
    fig = F.sgd_traces(np.array([0, 10, 20]), obj, 0.8, total_steps=100)
    assert len(fig.data) == 3 and fig.data[-1].y == (0.8, 0.8)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.range[0] < np.log10(0.8)
    fc = F.pattern_counts(np.arange(1, 5), np.array([2, 4, 8, 14]), np.array([2, 4, 8, 14]),
                          np.array([1.0, 5, 10, 20]), current=(3, 8))
    assert fc.layout.yaxis.type == "log" and fc.data[-1].name == "your data"
