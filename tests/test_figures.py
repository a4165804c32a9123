"""Figure builders (lab.figures), without Streamlit (the arrangement figures take their cells from
lab.arrangement, whose cells come from cvxcore.arrangement)."""

import numpy as np
import plotly.graph_objects as go
import pytest

from cvxcore import activation_patterns, cover_count, with_bias
from cvxcore.datasets import make
from lab import arrangement as A
from lab import figures as F


def test_figures_module_does_not_import_streamlit():
    import lab.figures  # noqa: F401
    src = open(lab.figures.__file__).read()
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
    assert np.max(np.diff(np.unique(gx))) <= F.GRID_STEP + 1e-6          # float32 spacing
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
    assert len(lines) == 2                                    # one trace per sign of α
    for t, u, j in zip(lines, U, (1, 2)):
        assert ("α > 0" in t.name) == (j == 1) and set(t.text) == {f"neuron {j}: α = {a[j - 1]:+.3f}"}
        for px, py in zip(t.x, t.y):
            assert u[0] * px + u[1] * py + u[2] == pytest.approx(0, abs=1e-9)


def test_neuron_lines_one_trace_per_sign_with_gaps():
    U = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, -0.5], [1.0, 1.0, 0.0], [1.0, 0.0, 9.0]])   # the last: off the box
    a = np.array([1.0, 2.0, -1.0, 3.0])
    fig = F._figure()
    F._neuron_lines(fig, U, a, True, (-2.5, 2.5), (-2.5, 2.5))
    pos, neg = fig.traces
    assert list(pos.x).count(None) == 1 and len(pos.x) == 5 and len(neg.x) == 2
    assert pos.text[:2] == ("neuron 1: α = +1.000",) * 2 and pos.text[3:] == ("neuron 2: α = +2.000",) * 2
    assert neg.line.dash == "dash" and pos.line.dash is None


def test_group_norms_counts_nonzero_blocks():
    fig = F.group_norms(np.array([0.0, 1.0, 0.0, 2.0]), np.array([0.5, 0.0, 0.0, 0.0]))
    assert "3 nonzero" in fig.layout.xaxis.title.text
    tips = {t.name or "": (list(t.x), list(t.y)) for t in fig.data if t.mode == "markers"}
    assert tips["zero blocks"] == ([3], [0.0])
    pos = [t for t in fig.data if t.mode == "markers" and t.marker.color == F.APOS][0]
    neg = [t for t in fig.data if t.mode == "markers" and t.marker.color == F.ANEG][0]
    assert list(pos.x) == [2, 4] and list(pos.y) == [1.0, 2.0]
    assert list(neg.x) == [1] and list(neg.y) == [-0.5]



def test_group_norms_many_zero_blocks_are_one_baseline():
    """Thousands of patterns: the zero blocks are one grey line (not thousands of SVG markers)."""
    P = F.ZERO_MARKERS_MAX + 50
    vn, wn = np.zeros(P), np.zeros(P)
    vn[7], wn[P - 1] = 1.5, 0.25
    fig = F.group_norms(vn, wn)
    base = fig.data[0]
    assert base.mode == "lines" and list(base.x) == [1, P] and list(base.y) == [0, 0]
    assert base.name == f"zero blocks ({P - 2})"
    assert sum(len(t.x) for t in fig.data if t.mode == "markers") == 2      # only the two nonzero blocks
    assert "2 nonzero" in fig.layout.xaxis.title.text

@pytest.mark.parametrize("seed", range(3))
def test_arrangement_cells_2d_in_angular_order(seed):
    """lab.arrangement.cells for rank 2: the exact cells (cvxcore.arrangement) counted by angle;
    each cell's interior point has the cell's pattern and the sectors tile the circle."""
    rng = np.random.default_rng(seed)
    for X in (with_bias(rng.uniform(-2, 2, (7, 1))), rng.standard_normal((6, 2))):
        cs = A.cells(X)
        exact = activation_patterns(X)
        assert cs.n_cells == len(exact) == cover_count(X.shape[0], 2)
        ang = []
        for k, c in enumerate(cs.by_angle):
            u = cs.arr.interior_point(c)
            np.testing.assert_array_equal(X @ u >= 0, cs.pattern(c))
            assert cs.number(c) == k + 1
            ang.append(np.mod(np.arctan2(u[1], u[0]), 2 * np.pi))
        assert np.all(np.diff(ang) > 0)


def test_arrangement_cells_with_repeated_points():
    X = with_bias(np.array([0.0, 0.0, 1.0]))
    cs = A.cells(X)
    assert {tuple(cs.pattern(c)) for c in range(cs.n_cells)} == {tuple(p) for p in activation_patterns(X)}


@pytest.mark.parametrize("name", ["circles", "moons"])
def test_a_click_on_a_point_switches_it_and_the_steps_are_the_facets(name):
    """lab.arrangement: flip_point switches the clicked point (and lands in a real cell); every facet
    step switches exactly the points it names; a parallel move keeps the line's normal."""
    P, _ = make(name, n=12)
    X = with_bias(P)
    cs = A.cells(X)
    u = np.array([0.6, 0.8, 0.3]) / np.linalg.norm([0.6, 0.8, 0.3])
    for i in range(len(X)):
        v = A.flip_point(X, u, i)
        assert (X[i] @ v >= 0) != (X[i] @ u >= 0)
        np.testing.assert_array_equal(cs.pattern(cs.cell_of(v)), X @ v >= 0)
        assert np.all(np.abs(X @ v) > 1e-12)                    # inside a cell, not on a hyperplane
    c = cs.cell_of(u)
    D = cs.pattern(c)
    for s in A.facet_steps(cs, c):
        D2 = cs.pattern(s.cell)
        assert tuple(np.flatnonzero(D2 != D)) == s.points and np.all(D2[list(s.points)] == s.on)
        np.testing.assert_array_equal(X @ A.step(cs, s) >= 0, D2)
    w = A.line_through(u, (0.5, -1.0))
    np.testing.assert_allclose(w[:2] / np.linalg.norm(w[:2]), u[:2] / np.linalg.norm(u[:2]))
    assert abs(np.r_[0.5, -1.0, 1.0] @ w) < 1e-12


def _segments(xs, ys, zs=None):
    """The polylines of a trace whose lines are separated by NaN (lab.figures._joined)."""
    cols = [np.asarray(c, float) for c in (xs, ys) + ((zs,) if zs is not None else ())]
    P = np.c_[tuple(cols)]
    cut = np.flatnonzero(np.isnan(P[:, 0]))
    parts = [p[~np.isnan(p[:, 0])] for p in np.split(P, cut)] if len(P) else []
    return [p for p in parts if len(p)]


def _inside(poly, pts):
    """Points strictly inside a convex polygon (k, 2), by the sign of every edge's cross product."""
    e = np.roll(poly, -1, axis=0) - poly
    cr = e[:, 0][None] * (pts[:, None, 1] - poly[None, :, 1]) - e[:, 1][None] * (pts[:, None, 0] - poly[None, :, 0])
    return np.all(cr > 1e-9, axis=1) | np.all(cr < -1e-9, axis=1)


def test_weight_plane_and_sphere_and_input_plane():
    X = with_bias(np.array([-1.0, 0.5, 2.0]))
    cs = A.cells(X)
    c = 0
    u = cs.arr.interior_point(c)
    fig = F.weight_plane(X, u, sector=A.sector(cs, c))
    assert fig.data[0].name == F.GRID_NAME                   # trace 0: the click grid
    shade = [t for t in fig.data if t.name == "cell of u (same Dᵢ)"][0]
    poly = np.c_[shade.x, shade.y][:-1]
    th = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    circ = 0.9 * np.c_[np.cos(th), np.sin(th)]
    clear = np.all(np.abs(circ @ X.T) > 1e-2, axis=1)        # not on a line (the sector's edges)
    same = np.all((circ @ X.T >= 0) == (X @ u >= 0), axis=1)
    inside = _inside(poly, circ)
    assert inside[clear].any() and np.array_equal(inside[clear], same[clear])   # shaded = u's cell
    lines = [t for t in fig.data if t.name == "xᵢᵀu = 0"]
    assert len(lines) == 1                                   # all n lines in one trace
    segs = _segments(lines[0].x, lines[0].y)
    assert len(segs) == 3
    for x, seg in zip(X, segs):                              # line i is {u : xᵢᵀu = 0}
        np.testing.assert_allclose(seg @ x, 0, atol=1e-6)
    assert fig.layout.yaxis.scaleanchor == "x"
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("u₁", "u₂")
    assert F.weight_plane(X, u, labels=("a", "b")).layout.yaxis.title.text == "b"
    P, y = make("moons", n=8)
    X3 = with_bias(P)
    cs3 = A.cells(X3)
    u3 = cs3.arr.interior_point(5)
    fs = F.sphere_arrangement(X3, u3)
    circ = [t for t in fs.data if t.name == "xᵢᵀu = 0"]
    assert len(circ) == 1
    segs = _segments(circ[0].x, circ[0].y, circ[0].z)
    assert len(segs) == 8
    for x, seg in zip(X3, segs):                             # great circle i: on the sphere and on xᵢᵀu = 0
        np.testing.assert_allclose(np.linalg.norm(seg, axis=1), 1, atol=1e-6)
        np.testing.assert_allclose(seg @ x, 0, atol=1e-5)
    # the chosen cell: the mesh's points lie on the closure of u's cell, its centre inside it; the
    # dark circles are the cell's facets
    fc = F.sphere_arrangement(X3, u3, corners=A.polygon(cs3, 5), bounding=A.facet_points(cs3, 5))
    mesh = [t for t in fc.data if t.name == "the cell of u"][0]
    M = np.c_[mesh.x, mesh.y, mesh.z].astype(float)
    D = X3 @ u3 >= 0
    S = np.where(D, 1.0, -1.0)
    assert len(M) > 3 and np.all((M @ X3.T) * S >= -1e-5)
    assert np.array_equal(M[0] @ X3.T >= 0, D) and np.all(np.abs(M[0] @ X3.T) > 1e-6)
    dark = [t for t in fc.data if t.name == "the cell's own hyperplanes"][0]
    assert len(_segments(dark.x, dark.y, dark.z)) == len(A.facet_points(cs3, 5)) >= 3
    fi = F.input_plane(P, y, u3)
    filled = sum(len(t.x) for t in fi.data if t.name and t.name.endswith("≥ 0"))
    assert filled == int(np.sum(X3 @ u3 >= 0))


@pytest.mark.parametrize("seed", range(6))
def test_halfplane_in_box_is_the_positive_side(seed):
    rng = np.random.default_rng(seed)
    a, b, c = rng.standard_normal(3) * [1, 1, 2]
    box = (-2.5, 2.5)
    poly = F.halfplane_in_box(a, b, c, box, box)
    pts = rng.uniform(-2.5, 2.5, (4000, 2))
    side = a * pts[:, 0] + b * pts[:, 1] + c
    if len(poly) == 0:
        assert np.all(side < 0)
        return
    assert np.all(a * poly[:, 0] + b * poly[:, 1] + c >= -1e-9)      # every vertex on the positive side
    # inside the convex polygon (same side of every edge) <=> on the positive side of the line
    k = len(poly)
    cross = np.stack([(poly[(j + 1) % k, 0] - poly[j, 0]) * (pts[:, 1] - poly[j, 1])
                      - (poly[(j + 1) % k, 1] - poly[j, 1]) * (pts[:, 0] - poly[j, 0]) for j in range(k)])
    inside = np.all(cross >= -1e-9, axis=0) | np.all(cross <= 1e-9, axis=0)
    clear = np.abs(side) > 1e-6
    np.testing.assert_array_equal(inside[clear], side[clear] >= 0)


def test_halfplane_in_box_edge_cases():
    box = (-1.0, 1.0)
    assert len(F.halfplane_in_box(0.0, 0.0, -1.0, box, box)) == 0          # 0 ≥ 1: empty
    np.testing.assert_allclose(F.halfplane_in_box(0.0, 0.0, 1.0, box, box),
                               [[-1, -1], [1, -1], [1, 1], [-1, 1]])          # everywhere: the box
    half = F.halfplane_in_box(1.0, 0.0, 0.0, box, box)                        # x ≥ 0: the right half
    assert half[:, 0].min() == 0 and half[:, 0].max() == 1 and len(half) == 4


def test_figures_are_light():
    """No copied plotly template, float32 arrays; the sizes that made a redraw slow."""
    import plotly.io as pio
    P, y = make("moons", n=60)
    X = with_bias(P)
    g = np.linspace(-2.5, 2.5, 81)
    G = np.c_[np.tile(g, g.size), np.repeat(g, g.size)]
    U = np.array([[1.0, 1.0, 0.0], [1.0, -1.0, 0.5]])
    Fv = (np.maximum(with_bias(G) @ U.T, 0) @ np.array([1.0, -1.0])).reshape(g.size, g.size)
    u = np.array([0.3, 0.5, 0.8])
    figs = {"canvas": (F.data_canvas(P, y, 2), 45), "regions": (F.decision_2d(P, y, g, g, Fv, U=U, alpha=[1, -1]), 110),
            "sphere": (F.sphere_arrangement(X, u), 200), "input plane": (F.input_plane(P, y, u), 45)}
    for name, (fig, kb) in figs.items():
        spec = fig.to_dict()
        assert "data" not in spec["layout"]["template"], name            # no per-trace template defaults
        assert spec["layout"]["template"]["layout"]["plot_bgcolor"] == "white"
        size = len(pio.to_json(spec, validate=False)) / 1e3
        assert size < kb, (name, size)
    assert np.asarray(figs["canvas"][0].data[0].x).dtype == np.float32
    z = np.asarray(figs["regions"][0].data[0].z)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z, np.clip(Fv, -1, 1), rtol=1e-6, atol=1e-6)


def test_sgd_traces_and_counts():
    obj = np.array([[3.0, 2.0, 1.5], [4.0, 1.0, 0.9]])
    fig = F.sgd_traces(np.array([0, 10, 20]), obj, 0.8, total_steps=100)
    assert len(fig.data) == 3 and fig.data[-1].y == (0.8, 0.8)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.range[0] < np.log10(0.8)
    assert fig.layout.yaxis.dtick == "D2" and fig.layout.yaxis.tickformat == "~g"   # 1, 2, 5 × 10ᵏ, full labels
    # before Play only p* is drawn: it must lie inside the range (p* > 1 for hinge loss, say)
    for p in (1.408, 0.02, 37.0):
        lo, hi = F.sgd_traces(np.array([0]), np.full((3, 1), np.nan), p, total_steps=100).layout.yaxis.range
        assert lo < np.log10(p) < hi
    fc = F.pattern_counts(np.arange(1, 5), np.array([2, 4, 8, 14]), np.array([2, 4, 8, 14]),
                          np.array([1.0, 5, 10, 20]), current=(3, 8))
    assert fc.layout.yaxis.type == "log" and fc.data[-1].name == "your data"


def test_memoised_builders_share_a_figure_for_equal_inputs_only():
    P, y = make("moons", n=10)
    a = F.data_canvas(P, y, 2)
    assert F.data_canvas(P.copy(), y.copy(), 2) is a                 # same content, other arrays: cached
    P2 = P.copy()
    P2[3, 0] += 0.001
    b = F.data_canvas(P2, y, 2)
    assert b is not a and np.asarray(b.data[1].x).size + np.asarray(b.data[2].x).size == 10
    assert F.data_canvas(P, -y, 2) is not a                           # labels count
    g = np.linspace(-2.5, 2.5, 11)
    Z = np.outer(g, g)
    d1 = F.decision_2d(P, y, g, g, Z, height=400)
    assert F.decision_2d(P, y, g, g, Z, height=400) is d1
    assert F.decision_2d(P, y, g, g, Z, height=500) is not d1        # keyword arguments count
    assert F.decision_2d(P, y, g, g, Z.astype(np.float32), height=400) is not d1   # so does the dtype
    fresh = F.data_canvas.uncached(P, y, 2)
    assert fresh is not a and fresh.to_dict() == a.to_dict()         # the cache changes nothing drawn


def test_memo_is_bounded():
    F.group_norms.cache.clear()
    for k in range(F.MEMO_SIZE + 10):
        F.group_norms(np.array([0.0, k + 1.0]), np.zeros(2))
    assert len(F.group_norms.cache) == F.MEMO_SIZE


def test_every_builder_writes_what_plotly_validation_would():
    """The builders skip plotly's layout validation (``_Draft.done``); so each figure must already
    be in the canonical form a validated copy has (e.g. axis titles as {"text": …}: plotly.js 3
    ignores a bare string), and contain nothing the validator rejects."""
    import json
    P, y = make("moons", n=30, seed=1)
    X = with_bias(P)
    g = np.linspace(-2.5, 2.5, 21)
    U = np.array([[1.0, 1.0, 0.0], [1.0, -1.0, 0.5]])
    a = np.array([1.0, -1.0])
    G = np.c_[np.tile(g, g.size), np.repeat(g, g.size)]
    Fv = (np.maximum(with_bias(G) @ U.T, 0) @ a).reshape(g.size, g.size)
    x1 = np.linspace(-2, 2, 7)
    xs = np.linspace(-3, 3, 41)
    U1 = np.array([[1.0, 0.5], [-1.0, 0.2]])
    many = np.zeros(F.ZERO_MARKERS_MAX + 5)
    many[3] = 1.0
    u3 = np.array([0.3, 0.5, 0.8])
    figs = {
        "canvas 1-D": F.data_canvas.uncached(x1[:, None], x1 ** 2, 1),
        "canvas 2-D": F.data_canvas.uncached(P, y, 2),
        "fit 1-D": F.fit_1d.uncached(x1, x1 ** 2, xs, {"f": xs ** 2}, U=U1, alpha=a, bias=True, title="fit"),
        "regions": F.decision_2d.uncached(P, y, g, g, Fv, U=U, alpha=a, title="regions"),
        "group norms": F.group_norms.uncached(np.array([0.0, 1.0, 0.0]), np.array([0.5, 0.0, 0.0])),
        "group norms, many": F.group_norms.uncached(many, many[::-1]),
        "weight plane": F.weight_plane.uncached(with_bias(x1[:, None]), np.array([0.6, 0.8])),
        "ramp": F.ramp_view_1d.uncached(x1, x1 ** 2, np.array([0.6, 0.8])),
        "sphere": F.sphere_arrangement.uncached(X, u3, corners=np.eye(3), bounding=[0, 1]),
        "input plane": F.input_plane.uncached(P, y, u3),
        "pattern counts": F.pattern_counts(np.arange(1, 5), np.array([2, 4, 8, 14]), np.array([2, 4, 8, 14]),
                                           np.array([1.0, 5, 10, 20]), current=(3, 8)),
        "sgd": F.sgd_traces(np.array([0, 10, 20]), np.array([[3.0, 2.0, 1.5], [4.0, 1.0, 0.9]]), 0.8,
                            total_steps=100),
    }
    for name, fig in figs.items():
        validated = go.Figure(fig.to_dict())                  # raises on anything plotly rejects
        assert json.loads(validated.to_json()) == json.loads(fig.to_json()), name
