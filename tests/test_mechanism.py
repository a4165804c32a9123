"""The steps of Theorem 1's proof (cvxcore.mechanism), each against an independent route.

* (2) is not convex inside a cell: the Hessian in closed form against finite differences of
  objective (2) computed by ``cvxcore.nonconvex_objective``; the lesson's claim at x = 2,
  y = 1.5, β = 0.1 exactly.
* Rescaling: objective (3) equals (2) at |u| = |α| and is below it elsewhere; its closed-form
  minimiser against a grid; its convexity on each cell by second differences.
* Merging same-cell, same-sign neurons never increases (2) (hypothesis over networks on drawable
  data: lattices, symmetric and collinear sets, repeats, scales 1e-3 … 1e3); the fit is checked
  with ``cvxcore.predict`` on both networks.
* Without the cone constraints (8) falls below p*, and its blocks violate their patterns; the
  working-set solve against the whole group lasso written directly in cvxpy.
"""
from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cvxcore import activation_patterns, nonconvex_objective, predict, solve_convex, train_sgd, with_bias
from cvxcore.datasets import make
from cvxcore.mechanism import (
    balance,
    merge_neurons,
    mergeable_pairs,
    one_neuron_descent,
    one_neuron_hessian,
    one_neuron_objective,
    rescaled_minimiser,
    rescaled_network_objective,
    rescaled_objective,
    rescaling_path,
    same_cell,
    solve_without_cones,
)
from tests.test_degenerate import layout_1d, layout_2d

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STEP1_X, STEP1_Y = np.array([-1.0, 2.0]), np.array([-1.0, 1.5])     # the lesson's one-neuron data

finite = st.floats(-3, 3, allow_nan=False, allow_infinity=False, allow_subnormal=False)
data_1d = st.lists(st.tuples(st.integers(-3, 3), finite), min_size=1, max_size=6)


def objective_2(x, y, beta, u, alpha) -> float:
    """(2) for one neuron through the project's network code (the independent route)."""
    return nonconvex_objective(np.asarray(x, float)[:, None], y, np.array([[u]]), np.array([alpha]), beta)


# ------------------------------------------------------------------------ (2) is not convex in a cell

def test_the_lessons_hessian_is_indefinite_at_the_corner_of_the_cell():
    h = one_neuron_hessian(STEP1_X, STEP1_Y, 0.1, 0.0, 0.0, side=+1)
    np.testing.assert_allclose(h.matrix, [[0.1, -3.0], [-3.0, 0.1]], atol=1e-15)
    np.testing.assert_allclose(h.eigenvalues, [-2.9, 3.1], atol=1e-14)
    assert h.indefinite
    assert h.active.tolist() == [False, True]          # the cell u > 0 switches on x = 2 only


def test_the_hessian_matches_second_differences_of_objective_2_near_the_corner():
    eps, hstep = 1e-3, 1e-4                            # (ε, 0): inside the cell u > 0, stencil too
    f = lambda u, a: objective_2(STEP1_X, STEP1_Y, 0.1, u, a)  # noqa: E731
    fuu = (f(eps + hstep, 0) - 2 * f(eps, 0) + f(eps - hstep, 0)) / hstep ** 2
    faa = (f(eps, hstep) - 2 * f(eps, 0) + f(eps, -hstep)) / hstep ** 2
    fua = (f(eps + hstep, hstep) - f(eps + hstep, -hstep) - f(eps - hstep, hstep)
           + f(eps - hstep, -hstep)) / (4 * hstep ** 2)
    H = one_neuron_hessian(STEP1_X, STEP1_Y, 0.1, eps, 0.0).matrix
    np.testing.assert_allclose([[fuu, fua], [fua, faa]], H, atol=1e-5)
    assert np.linalg.eigvalsh(H)[0] < 0


@SETTINGS
@given(data_1d, st.floats(0.01, 2), st.floats(0.05, 2), finite, st.sampled_from([-1, 1]))
def test_hessian_against_finite_differences(pts, beta, mag, alpha, sign):
    x = np.array([p[0] for p in pts], float)
    y = np.array([p[1] for p in pts], float)
    u = sign * mag
    hstep = 1e-4 * mag                                 # stays inside the cell of sign(u)
    f = lambda uu, aa: objective_2(x, y, beta, uu, aa)  # noqa: E731
    fuu = (f(u + hstep, alpha) - 2 * f(u, alpha) + f(u - hstep, alpha)) / hstep ** 2
    faa = (f(u, alpha + hstep) - 2 * f(u, alpha) + f(u, alpha - hstep)) / hstep ** 2
    fua = (f(u + hstep, alpha + hstep) - f(u + hstep, alpha - hstep) - f(u - hstep, alpha + hstep)
           + f(u - hstep, alpha - hstep)) / (4 * hstep ** 2)
    H = one_neuron_hessian(x, y, beta, u, alpha).matrix
    scale = 1 + np.abs(H).max() + float(np.sum(x ** 2) * (1 + u * u + alpha * alpha))
    np.testing.assert_allclose([[fuu, fua], [fua, faa]], H, atol=1e-4 * scale)


def test_hessian_refuses_the_boundary_without_a_side():
    with pytest.raises(ValueError, match="side"):
        one_neuron_hessian(STEP1_X, STEP1_Y, 0.1, 0.0, 0.0)
    with pytest.raises(ValueError, match="side"):
        one_neuron_hessian(STEP1_X, STEP1_Y, 0.1, 0.5, 0.0, side=-1)


@pytest.mark.parametrize("start", [(-1.6, 2.0), (0.3, -0.2), (1.0, 1.0)])
def test_the_one_neuron_descent_path_is_train_sgds(start):
    path = one_neuron_descent(STEP1_X, STEP1_Y, 0.1, *start, lr=0.01, steps=500)
    run = train_sgd(STEP1_X[:, None], STEP1_Y, beta=0.1, lr=0.01, steps=500, U0=np.array([[[start[0]]]]),
                    alpha0=np.array([[start[1]]]), record_every=1)
    np.testing.assert_allclose(path.path[-1], [run.U[0, 0, 0], run.alpha[0, 0]], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(path.objective, run.objectives[0], rtol=1e-10)


# ------------------------------------------------------------------------ rescaling: (2) becomes (3)

def test_one_neuron_objective_is_objective_2_on_a_grid():
    u, a = np.linspace(-2, 2, 7), np.linspace(-1.5, 1.5, 5)
    grid = one_neuron_objective(STEP1_X, STEP1_Y, 0.1, u[None, :], a[:, None])
    ref = np.array([[objective_2(STEP1_X, STEP1_Y, 0.1, uu, aa) for uu in u] for aa in a])
    np.testing.assert_allclose(grid, ref, rtol=1e-14)


@SETTINGS
@given(data_1d, st.floats(0.01, 2), finite, st.floats(-3, 3).filter(lambda a: abs(a) > 1e-3))
def test_rescaled_objective_equals_2_when_balanced_and_is_below_it_otherwise(pts, beta, u, alpha):
    x = np.array([p[0] for p in pts], float)
    y = np.array([p[1] for p in pts], float)
    s = int(np.sign(alpha))
    z = u * abs(alpha)
    G = float(rescaled_objective(x, y, beta, np.array(z), s))
    assert objective_2(x, y, beta, u, alpha) >= G - 1e-12 * (1 + G)          # AM–GM
    r = np.sqrt(abs(z))                                                        # |u| = |α| = √|z|
    assert objective_2(x, y, beta, np.sign(z) * r, s * r) == pytest.approx(G, rel=1e-12, abs=1e-12)


@SETTINGS
@given(data_1d, st.floats(0.01, 2), st.sampled_from([-1, 1]), st.sampled_from([-1, 1]))
def test_the_rescaled_profile_is_convex_per_cell_and_its_minimiser_is_the_grid_minimum(pts, beta, sign, side):
    x = np.array([p[0] for p in pts], float)
    y = np.array([p[1] for p in pts], float)
    z = side * np.linspace(0, 4, 4001)
    G = rescaled_objective(x, y, beta, z, sign)
    assert np.all(np.diff(G, 2) >= -1e-9 * (1 + np.abs(G).max()))              # convex on the cell
    zs, val = rescaled_minimiser(x, y, beta, sign, side)
    assert val <= G.min() + 1e-12 * (1 + abs(val))
    if abs(zs) <= 4:
        assert val == pytest.approx(G.min(), abs=1e-5 * (1 + abs(val)))


def test_the_lessons_profile_minima_and_the_global_optimum():
    # the best neuron of each (sign, cell), and the network of both: program (8) on the same data
    best_pos = rescaled_minimiser(STEP1_X, STEP1_Y, 0.1, +1, +1)
    best_neg = rescaled_minimiser(STEP1_X, STEP1_Y, 0.1, -1, -1)
    assert best_pos == pytest.approx((0.725, 0.57375))
    assert best_neg == pytest.approx((-0.9, 1.22))
    # two neurons, one per cell: each fits its point, the penalties add
    p_star = solve_convex(STEP1_X[:, None], STEP1_Y, 0.1).value
    assert p_star == pytest.approx(0.5 * (1.5 - 2 * 0.725) ** 2 + 0.1 * 0.725 + 0.5 * (1 - 0.9) ** 2 + 0.1 * 0.9,
                                   rel=1e-6)


@SETTINGS
@given(st.floats(-5, 5).filter(lambda t: abs(t) > 1e-3), st.floats(-5, 5).filter(lambda t: abs(t) > 1e-3),
       st.floats(1e-3, 10))
def test_the_penalty_along_the_rescaling_hyperbola_is_smallest_when_balanced(u, alpha, beta):
    path = rescaling_path(u, alpha, beta)
    np.testing.assert_allclose(path.u * path.alpha, u * alpha, rtol=1e-12)     # the same network
    assert abs(path.balanced_u) == pytest.approx(abs(path.balanced_alpha), rel=1e-12)
    assert path.balanced_penalty == pytest.approx(beta * abs(u * alpha), rel=1e-12)
    assert path.penalty.min() == pytest.approx(path.balanced_penalty, rel=1e-12)
    assert np.argmin(path.penalty) == 100                                      # c* is the middle scale
    assert np.all(path.penalty >= path.balanced_penalty * (1 - 1e-12))


def test_rescaling_path_refuses_a_dead_neuron():
    with pytest.raises(ValueError, match="u ≠ 0 and α ≠ 0"):
        rescaling_path(0.0, 1.0, 0.1)
    with pytest.raises(ValueError, match="positive"):
        rescaling_path(1.0, 1.0, 0.1, scales=[1.0, -2.0])


@st.composite
def drawable(draw, dims=("2d",)):
    """(X, y): points a person could draw (tests/test_degenerate.py's layouts) with targets."""
    layouts = {"2d": layout_2d().map(lambda t: t[0]), "1d": layout_1d()}
    X = draw(st.one_of(*[layouts[d] for d in dims]))
    return X, np.array(draw(st.lists(finite, min_size=X.shape[0], max_size=X.shape[0])))


@st.composite
def network_on(draw, X, m_max=4):
    m = draw(st.integers(1, m_max))
    d = X.shape[1]
    U = np.array(draw(st.lists(st.lists(finite, min_size=d, max_size=d), min_size=m, max_size=m)))
    a = np.array(draw(st.lists(finite, min_size=m, max_size=m)))
    return U / np.sqrt(np.abs(X).max() or 1.0), a


@SETTINGS
@given(st.data())
def test_balancing_gives_objective_3_and_never_raises_2(data):
    X, y = data.draw(drawable())
    U, a = data.draw(network_on(X))
    beta = 0.1
    Ub, ab = balance(U, a)
    np.testing.assert_allclose(predict(X, Ub, ab), predict(X, U, a), rtol=1e-9, atol=1e-9 * (1 + np.abs(y).max()))
    three = rescaled_network_objective(X, y, U, a, beta)
    assert nonconvex_objective(X, y, Ub, ab, beta) == pytest.approx(three, rel=1e-9, abs=1e-12)
    assert nonconvex_objective(X, y, U, a, beta) >= three * (1 - 1e-12) - 1e-12


# ------------------------------------------------------------------------ merging

@st.composite
def same_cell_pair(draw, X):
    """A network of 2–4 neurons whose first two lie in one closed cell with one sign of α:
    u₁ = c·u₀ + t·e, with t halved until no sample is strictly on opposite sides."""
    U, a = draw(network_on(X, 4).filter(lambda na: na[1].size >= 2))
    c = draw(st.floats(0.1, 3))
    e = np.array(draw(st.lists(finite, min_size=X.shape[1], max_size=X.shape[1])))
    t = 1.0
    for _ in range(60):
        cand = c * U[0] + t * e / (np.abs(X).max() or 1.0)
        if np.all((X @ U[0]) * (X @ cand) >= 0):
            break
        t /= 2
    else:
        cand = c * U[0]
    U = U.copy()
    U[1] = cand
    a = a.copy()
    a[1] = np.sign(a[0]) * abs(a[1]) if a[0] != 0 else a[1]
    assume(a[0] * a[1] >= 0)
    return U, a


def check_merge(X, y, U, a, beta):
    mg = merge_neurons(X, y, U, a, beta, 0, 1)
    scale = 1 + mg.objective_before
    np.testing.assert_allclose(predict(X, mg.U, mg.alpha), predict(X, U, a), atol=1e-9 * scale)   # same fit
    assert mg.loss_after == pytest.approx(mg.loss_before, rel=1e-9, abs=1e-9 * scale)
    assert mg.penalty_pair_balanced <= mg.penalty_pair * (1 + 1e-12) + 1e-15          # AM–GM
    assert mg.penalty_merged <= mg.penalty_pair_balanced * (1 + 1e-12) + 1e-15        # triangle inequality
    assert mg.objective_after <= mg.objective_before + 1e-9 * scale                   # (2) never increases
    # the merged network's objective, computed independently of the merge's own bookkeeping
    assert nonconvex_objective(X, y, mg.U, mg.alpha, beta) == pytest.approx(mg.objective_after, rel=1e-12, abs=1e-12)
    return mg


@SETTINGS
@given(st.data())
def test_merging_same_cell_neurons_never_increases_the_objective_2d(data):
    X, y = data.draw(drawable())
    U, a = data.draw(same_cell_pair(X))
    check_merge(X, y, U, a, data.draw(st.sampled_from([1e-3, 0.1, 1.0])))


@SETTINGS
@given(st.data())
def test_merging_same_cell_neurons_never_increases_the_objective_1d(data):
    X, y = data.draw(drawable(("1d",)))
    U, a = data.draw(same_cell_pair(X))
    check_merge(X, y, U, a, 0.1)


def test_merging_two_balanced_collinear_neurons_keeps_the_objective():
    # Remark 3.1: positively collinear blocks merge at no cost (the triangle inequality is tight)
    X = with_bias(np.array([-2, -1, 0, 1, 2.0]))
    y = np.array([1, -1, 1, 1, -1.0])
    u = np.array([1.0, 0.5])
    U = np.array([u * 0.8, u * 0.3])
    a = np.array([np.linalg.norm(U[0]), np.linalg.norm(U[1])])         # balanced, α > 0
    mg = check_merge(X, y, U, a, 0.1)
    assert mg.objective_after == pytest.approx(mg.objective_before, rel=1e-12)
    assert mg.penalty_merged == pytest.approx(mg.penalty_pair, rel=1e-12)


def test_merging_refuses_other_cells_or_signs():
    X = with_bias(np.array([-2, -1, 0, 1, 2.0]))
    y = np.array([1, -1, 1, 1, -1.0])
    U = np.array([[1.0, 0.5], [-1.0, 0.5], [1.0, 0.4]])
    with pytest.raises(ValueError, match="different cells"):
        merge_neurons(X, y, U, np.array([1.0, 1.0, 1.0]), 0.1, 0, 1)
    with pytest.raises(ValueError, match="opposite signs"):
        merge_neurons(X, y, U, np.array([1.0, 1.0, -1.0]), 0.1, 0, 2)
    assert not same_cell(X, U[0], U[1]) and same_cell(X, U[0], U[2])
    assert mergeable_pairs(X, U, np.array([1.0, 1.0, 1.0])) == [(0, 2)]


# ------------------------------------------------------------------------ without the cone constraints

def group_lasso_reference(X, y, beta):
    """The cone-free program over every pattern, written out in cvxpy (no working set)."""
    D = activation_patterns(X)
    D = D[D.any(axis=1)].astype(float)
    Q = cp.Variable((D.shape[0], X.shape[1]))
    fit = cp.sum(cp.multiply(D.T, X @ Q.T), axis=1)
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(fit - y) + beta * cp.sum(cp.norm(Q, 2, axis=1))))
    prob.solve(solver=cp.CLARABEL)
    return prob.value


@pytest.mark.parametrize("beta", [1.0, 0.1, 0.01])
def test_without_cones_the_value_falls_below_p_star_on_the_papers_data(paper_data, beta):
    X, y = paper_data
    r = solve_without_cones(X, y, beta)
    exact = solve_convex(X, y, beta)
    assert r.status == "optimal", r.status
    assert r.value == pytest.approx(group_lasso_reference(X, y, beta), rel=1e-6)
    assert r.value <= exact.lower_bound                  # below p* with room: p_free < D(v) ≤ p*
    assert r.lower_bound <= r.value
    assert r.p_star == pytest.approx(exact.value, rel=1e-9)
    # what it fits is the gated network: at the data, Σ D_i X q_i
    np.testing.assert_allclose(r.predict(X), np.sum(r.patterns.T * (X @ r.blocks.T), axis=1), atol=1e-12)
    gated, relu = r.unit_outputs(X)
    np.testing.assert_allclose(gated.sum(axis=0), r.predict(X), atol=1e-12)
    np.testing.assert_allclose(relu, np.maximum(X @ r.blocks.T, 0).T)
    # its blocks as ReLU neurons fit something else, worth more than p*
    assert r.relu_objective >= exact.lower_bound


def test_without_cones_a_block_violates_its_pattern_on_the_papers_data(paper_data):
    X, y = paper_data
    r = solve_without_cones(X, y, 0.1)
    assert r.violated
    for b in r.violations:
        z = X @ b.block
        assert np.any(b.pattern & (z < 0)) or np.any(~b.pattern & (z > 0))    # the signs disagree with D_i
        assert not np.allclose(b.gated, b.relu)                                 # so D_i X q_i ≠ (X q_i)₊
        assert b.margin < 0
    # the lesson's example: the block of D = [0, 0, 1, 1, 1] is a line the gate switches on at x ≥ 0
    # while its own zero is at x = 2: as a ReLU it would also be on at x = −2, −1
    blk = next(b for b in r.violations if b.pattern.tolist() == [False, False, True, True, True])
    assert blk.wrong_off.tolist() == [0, 1] and blk.wrong_on.size == 0


def test_without_cones_on_two_moons_matches_the_whole_group_lasso():
    pts, y = make("moons", n=16)
    X = with_bias(pts)
    r = solve_without_cones(X, y, 0.3)
    assert r.status == "optimal", r.status
    assert r.value == pytest.approx(group_lasso_reference(X, y, 0.3), rel=1e-6)
    assert r.value < r.p_star and r.violated


def test_without_cones_at_beta_max_is_the_zero_network(paper_data):
    X, y = paper_data
    r = solve_without_cones(X, y, 100.0)
    assert r.value == pytest.approx(0.5 * y @ y) and r.blocks.shape[0] == 0 and not r.violated


def test_the_api_pages_mechanism_example_prints_what_it_says():
    """docs/api.md, "The mechanism of Theorem 1": the example runs and its comments are its output."""
    import contextlib
    import io
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text(encoding="utf-8")
    section = text[text.index("## The mechanism of Theorem 1"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/api.md", "exec"), {})        # noqa: S102 (our own document)
    printed = out.getvalue().splitlines()
    claimed = [line.split("# ")[1].split(":")[0].strip() for line in code.splitlines()
               if line.startswith("print(") and "# " in line]
    assert printed == claimed


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_without_cones_never_exceeds_p_star_on_drawable_data(data):
    X, y = data.draw(drawable(("2d", "1d")))
    scale = float(np.abs(X).max()) or 1.0
    beta = data.draw(st.sampled_from([0.03, 0.3])) * scale * (1 + float(np.abs(y).max()))
    exact = solve_convex(X, y, beta)
    r = solve_without_cones(X, y, beta, p_star=exact.value)
    ulp = 1e-12 * (1 + exact.value)                      # rounding: at one point p_free = p* = its bound
    assert r.lower_bound <= r.value + ulp
    assert r.lower_bound <= exact.value + ulp            # weak duality: p_free's bound is below p*
    assert r.value <= exact.value + r.gap + exact.gap + 1e-9 * (1 + exact.value)
    np.testing.assert_allclose(r.predict(X), np.sum(r.patterns.T * (X @ r.blocks.T), axis=1),
                               atol=1e-9 * (1 + np.abs(y).max()))
