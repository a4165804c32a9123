"""Exact enumeration and exact optima on data a person draws by hand: lattices, symmetric
sets with the origin, repeated points, collinear points (several hyperplanes through one ray),
1-D, 2-D and 3-D inputs, huge and tiny scales.

Independent routes written here, not in cvxcore:

* the chambers by linear programming over sign vectors: s is a chamber iff some u has
  s_i x_iᵀu ≥ 1 on every nonzero row (zero rows are on for every u);
* the dual norm max_{‖u‖≤1} |vᵀ(Xu)₊| by NNLS cone projections over those LP chambers;
* program (8) by the cvxpy route over those chambers (for the optimum).

Property-based (hypothesis) over generated layouts; the failing examples that were found
(XOR with its centre, the centred 3×3 grid) are kept as regular tests.
"""
from itertools import product

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from cvxcore import (
    PatternSet,
    activation_patterns,
    arrangement,
    beta_max,
    dual_norm,
    nonconvex_objective,
    solve_convex,
    with_bias,
)

# -------------------------------------------------------------------------------- independent routes


def lp_chambers(X: np.ndarray) -> set:
    """Every chamber of the rows of X as a pattern tuple, by one LP per sign vector of the distinct
    nonzero rows (rows equal up to a positive factor share a bit; opposite rows get opposite bits)."""
    n, d = X.shape
    norms = np.linalg.norm(X, axis=1)
    zero = norms <= 1e-12 * max(norms.max(initial=0.0), 1e-300)
    reps, which, sign = [], np.full(n, -1), np.ones(n)
    for i in np.flatnonzero(~zero):
        c = X[i] / norms[i]
        for k, r in enumerate(reps):
            if np.linalg.norm(c - r) < 1e-9 or np.linalg.norm(c + r) < 1e-9:
                which[i], sign[i] = k, 1.0 if c @ r > 0 else -1.0
                break
        else:
            which[i] = len(reps)
            reps.append(c)
    out = set()
    R = np.array(reps).reshape(-1, d)
    for bits in product((1.0, -1.0), repeat=len(reps)):
        s = np.array(bits)
        res = linprog(np.zeros(d), A_ub=-(s[:, None] * R), b_ub=-np.ones(len(reps)),
                      bounds=[(None, None)] * d, method="highs")
        if res.status == 0:
            pat = np.ones(n, dtype=bool)
            on = ~zero
            pat[on] = s[which[on]] * sign[on] > 0
            out.add(tuple(pat))
    return out


def nnls_dual_norm(X, v, patterns) -> float:
    return PatternSet(X, np.array(sorted(patterns), dtype=bool)).dual_norm(v)


# -------------------------------------------------------------------------------- layouts

lattice_2d = st.lists(st.tuples(st.integers(-2, 2), st.integers(-2, 2)), min_size=1, max_size=8)


@st.composite
def symmetric_2d(draw):
    """Points p and −p (and optionally their 90° rotations), optionally with the origin."""
    base = draw(st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3)), min_size=1, max_size=3))
    pts = [p for p in base] + [(-a, -b) for a, b in base]
    if draw(st.booleans()):
        pts += [(-b, a) for a, b in base] + [(b, -a) for a, b in base]
    if draw(st.booleans()):
        pts.append((0, 0))
    return pts[:9]


@st.composite
def collinear_2d(draw):
    """Points on two or three lines through one common point (concurrent great circles)."""
    cx, cy = draw(st.integers(-2, 2)), draw(st.integers(-2, 2))
    dirs = draw(st.lists(st.tuples(st.integers(-2, 2), st.integers(-2, 2)).filter(lambda t: t != (0, 0)),
                         min_size=2, max_size=3))
    pts = [(cx, cy)]
    for dx, dy in dirs:
        for t in draw(st.lists(st.integers(-2, 2).filter(lambda t: t != 0), min_size=1, max_size=2, unique=True)):
            pts.append((cx + t * dx, cy + t * dy))
    return pts[:9]


def _with_repeats(draw, pts):
    if pts and draw(st.booleans()):
        pts = pts + [pts[draw(st.integers(0, len(pts) - 1))]]
    return pts


@st.composite
def layout_2d(draw):
    kind = draw(st.sampled_from(["lattice", "symmetric", "collinear"]))
    pts = draw({"lattice": lattice_2d, "symmetric": symmetric_2d(), "collinear": collinear_2d()}[kind])
    pts = _with_repeats(draw, list(pts))[:9]
    scale = 10.0 ** draw(st.integers(-3, 3))
    bias = draw(st.booleans())
    P = np.array(pts, dtype=float) * scale
    return (with_bias(P) if bias else P), kind


@st.composite
def layout_1d(draw):
    xs = draw(st.lists(st.integers(-3, 3), min_size=1, max_size=9))
    scale = 10.0 ** draw(st.integers(-3, 3))
    return with_bias(np.array(xs, dtype=float) * scale)


@st.composite
def layout_3d(draw):
    pts = draw(st.lists(st.tuples(st.integers(-1, 1), st.integers(-1, 1), st.integers(-1, 1)), min_size=1, max_size=7))
    return with_bias(np.array(pts, dtype=float))


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_enumeration(X):
    P = activation_patterns(X)
    rows = [tuple(r) for r in P]
    assert len(set(rows)) == len(rows), "a pattern is listed twice"
    ref = lp_chambers(X)
    assert set(rows) == ref, (f"missing {len(ref - set(rows))}, extra {len(set(rows) - ref)} "
                              f"of {len(ref)} chambers")
    return P


@SETTINGS
@given(layout_2d())
def test_2d_layouts_enumerate_exactly(layout):
    X, _ = layout
    P = check_enumeration(X)
    arr = arrangement(X)
    assert arr.n_cells == P.shape[0]
    # the cells' own geometry: an interior point of each is strictly inside it and maps back to it
    pats = arr.patterns()
    for c in range(arr.n_cells):
        u = arr.interior_point(c)
        s = X @ u
        on = np.linalg.norm(X, axis=1) > 0
        assert np.all(np.abs(s[on]) > 0) and np.array_equal(s[on] > 0, pats[c][on])
        assert arr.cell_of(u)[0] == c


@SETTINGS
@given(layout_1d())
def test_1d_layouts_enumerate_exactly(X):
    check_enumeration(X)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout_3d())
def test_3d_layouts_enumerate_exactly(X):
    check_enumeration(X)


@pytest.mark.slow
@SETTINGS
@given(layout_2d(), st.integers(0, 2**31 - 1))
def test_dual_norm_is_exact_on_degenerate_layouts(layout, seed):
    """The certificate's pricing (closed form over the arrangement's cells) against NNLS over
    the LP chambers: equal, so a correct optimum is not reported as uncertified."""
    X, _ = layout
    v = np.random.default_rng(seed).standard_normal(X.shape[0])
    exact = dual_norm(X, v)
    assert exact == pytest.approx(nnls_dual_norm(X, v, lp_chambers(X)), rel=1e-9, abs=1e-12)


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout_2d(), st.sampled_from([1e-2, 1e-1]), st.integers(0, 2**31 - 1))
def test_optimum_on_degenerate_layouts_equals_the_cvxpy_route(layout, beta, seed):
    X, _ = layout
    n = X.shape[0]
    y = np.random.default_rng(seed).standard_normal(n)
    fast = solve_convex(X, y, beta)
    assert fast.status == "optimal", fast.status
    ref = solve_convex(X, y, beta, method="cvxpy", patterns=np.array(sorted(lp_chambers(X)), dtype=bool))
    assert fast.value == pytest.approx(ref.value, rel=1e-6, abs=1e-9 * max(1.0, y @ y))
    assert nonconvex_objective(X, y, fast.U, fast.alpha, beta) == pytest.approx(fast.value, rel=1e-9, abs=1e-12)


# -------------------------------------------------------------------------------- kept examples

XOR_CENTRE = with_bias(2 * np.array([(-1, -1), (1, 1), (-1, 1), (1, -1), (0, 0)], float))


def test_xor_with_its_centre():
    """Five hyperplanes, four of them through the ray of the centre's: 17 cells besides the
    zero pattern, each once; p* = 0.0178123168 (was 1.47, 83× above, on a wrong arrangement)."""
    P = check_enumeration(XOR_CENTRE)
    assert P.shape[0] == 18
    assert tuple(XOR_CENTRE @ np.array([-1.0, -1.0, 0.5]) > 0) in {tuple(r) for r in P}
    y = np.array([1.0, 1, -1, -1, 0.5])
    r = solve_convex(XOR_CENTRE, y, 0.01)
    assert r.status == "optimal", r.status
    assert r.value == pytest.approx(0.0178123168, rel=1e-8)
    ref = solve_convex(XOR_CENTRE, y, 0.01, method="cvxpy", patterns=P)
    assert r.value == pytest.approx(ref.value, rel=1e-6)


@pytest.mark.parametrize("scale", [1e-3, 1.0, 2.0, 7.3, 1e3])
def test_centred_3x3_grid(scale):
    g = scale * np.array([(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)], float)
    X = with_bias(g)
    P = check_enumeration(X)
    assert P.shape[0] == 58
    y = np.where(g[:, 0] * g[:, 1] >= 0, 1.0, -1.0)
    for loss in ("squared", "hinge"):
        r = solve_convex(X, y, 0.01, loss=loss)
        assert r.status == "optimal", (loss, r.status)


# -------------------------------------------------------------------------------- the dual conditions


def check_dual_conditions(X, r, rtol=1e-6):
    """With v = r.dual: |vᵀ(Xûⱼ)₊| = β with the sign of αⱼ at every returned neuron, and no unit
    u exceeds β (exact pricing over every cell).  Evaluations only: no solver."""
    v, beta = r.dual, r.beta
    dirs = r.U / np.linalg.norm(r.U, axis=1, keepdims=True)
    corr = np.maximum(X @ dirs.T, 0.0).T @ v
    np.testing.assert_allclose(corr * np.sign(r.alpha), beta, rtol=rtol)
    assert dual_norm(X, v) <= beta * (1 + 1e-9)


@pytest.mark.parametrize("loss", ["squared", "hinge", "logistic"])
def test_every_returned_neuron_touches_the_dual_constraint_and_m_star_counts_real_neurons(loss, moons):
    X, y = moons
    r = solve_convex(X, y, 0.01, loss=loss)
    assert r.status == "optimal", r.status
    check_dual_conditions(X, r)
    # no round-off neurons: every block is a real part of the fit
    mags = r.alpha ** 2
    assert mags.min() >= 1e-3 * mags.max(), np.sort(mags / mags.max())[:5]


def test_dual_conditions_on_a_symmetric_hand_drawn_set():
    g = np.array([(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)], float)
    X = with_bias(g)
    y = np.where(g[:, 0] * g[:, 1] >= 0, 1.0, -1.0)
    for loss in ("squared", "hinge"):
        r = solve_convex(X, y, 0.05, loss=loss)
        assert r.status == "optimal", r.status
        check_dual_conditions(X, r)


# -------------------------------------------------------------------------------- β_max


@pytest.mark.parametrize("loss", ["squared", "hinge", "logistic"])
def test_beta_max_is_where_the_zero_network_becomes_optimal(loss, moons):
    X, y = moons
    if loss == "squared":
        y = y * 0.7 + 0.2
    bm = beta_max(X, y, loss=loss)
    above = solve_convex(X, y, bm * (1 + 1e-6), loss=loss)
    assert above.status == "optimal" and above.m_star == 0
    below = solve_convex(X, y, bm * (1 - 1e-2), loss=loss)
    assert below.status == "optimal" and below.m_star > 0
    from cvxcore import get_loss
    assert below.value < get_loss(loss).value(np.zeros(len(y)), y)


@pytest.mark.parametrize("loss", ["squared", "hinge", "logistic"])
def test_warm_started_from_below_beta_max_the_optimum_above_it_is_the_zero_network(loss, paper_data, moons):
    """A β step past β_max warm-started from an optimum with neurons (what the slider does) must
    drop the last, round-off neuron: m* = 0 and the value ℓ(0, y), as a cold solve says."""
    from cvxcore import get_loss
    X, y = paper_data if loss == "squared" else moons
    bm = beta_max(X, y, loss=loss)
    start = solve_convex(X, y, 0.88 * bm, loss=loss)
    assert start.m_star > 0
    for factor in (1.01, 1.12, 2.0):
        warm = solve_convex(X, y, factor * bm, loss=loss, warm=start)
        cold = solve_convex(X, y, factor * bm, loss=loss)
        assert cold.m_star == 0 and warm.m_star == 0 and warm.status == "optimal", (factor, warm.alpha)
        assert warm.value == pytest.approx(get_loss(loss).value(np.zeros(len(y)), y), rel=1e-12)
