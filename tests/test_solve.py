"""solve_convex against independent routes.

* a plain cvxpy program for (8) written here, one pattern at a time, over
  patterns found here by dense sampling (not by cvxcore's enumeration);
* the recovered network's non-convex objective (2);
* limits: β large gives the zero network with value ℓ(0, y);
* minimality: m* ≤ n + 1 and no two neurons positively collinear with one sign.
"""
import cvxpy as cp
import numpy as np
import pytest

from cvxcore import activation_patterns, dual_certificate, nonconvex_objective, solve_convex, with_bias
from cvxcore.convex import caratheodory, to_neurons

PAPER_X = np.array([-2, -1, 0, 1, 2.0])
PAPER_Y = np.array([1, -1, 1, 1, -1.0])


def sampled_patterns(X, k=200_000, seed=0):
    U = np.random.default_rng(seed).standard_normal((X.shape[1], k))
    return np.unique((X @ U).T >= 0, axis=0)


def independent_value(X, y, beta, loss):
    """(8) written block by block, over densely sampled patterns."""
    fit, reg, cons = 0, 0, []
    for D in sampled_patterns(X):
        if not D.any():
            continue
        DX, S = X * D[:, None], np.where(D, 1.0, -1.0)[:, None] * X
        v, w = cp.Variable(X.shape[1]), cp.Variable(X.shape[1])
        fit = fit + DX @ (v - w)
        reg = reg + cp.norm(v) + cp.norm(w)
        cons += [S @ v >= 0, S @ w >= 0]
    data = 0.5 * cp.sum_squares(fit - y) if loss == "squared" else cp.sum(cp.pos(1 - cp.multiply(y, fit)))
    prob = cp.Problem(cp.Minimize(data + beta * reg), cons)
    prob.solve(solver=cp.CLARABEL)
    return prob.value


def check_result(X, y, beta, loss, r):
    n = X.shape[0]
    assert r.status == "optimal", r.status
    assert r.gap >= -1e-12 and r.rel_gap <= 1e-6
    assert r.m_star == r.U.shape[0] == r.alpha.shape[0] <= n + 1
    assert nonconvex_objective(X, y, r.U, r.alpha, beta, loss=loss) == pytest.approx(r.value, rel=1e-6)
    assert r.value == pytest.approx(r.solver_value, rel=1e-6)
    # balanced neurons, no two positively collinear with the same sign (merged)
    np.testing.assert_allclose(np.linalg.norm(r.U, axis=1), np.abs(r.alpha), rtol=1e-8)
    dirs = r.U / np.linalg.norm(r.U, axis=1, keepdims=True)
    for i in range(r.m_star):
        for j in range(i):
            assert not (np.sign(r.alpha[i]) == np.sign(r.alpha[j]) and dirs[i] @ dirs[j] > 1 - 1e-9)


@pytest.mark.parametrize("beta", [1e-3, 0.1, 1.0])
def test_paper_1d_example(beta):
    X = with_bias(PAPER_X)
    r = solve_convex(X, PAPER_Y, beta, method="cvxpy")
    check_result(X, PAPER_Y, beta, "squared", r)
    assert r.value == pytest.approx(independent_value(X, PAPER_Y, beta, "squared"), rel=1e-6)
    assert r.n_patterns == 10 and r.exact_patterns


@pytest.mark.parametrize("loss,seed,beta", [("squared", 0, 0.05), ("squared", 1, 0.5),
                                             ("hinge", 2, 0.1), ("hinge", 3, 1.0)])
def test_small_2d_with_bias_against_separate_program(loss, seed, beta):
    rng = np.random.default_rng(seed)
    pts = rng.standard_normal((8, 2))
    y = np.sign(pts[:, 0] * pts[:, 1]) if loss == "hinge" else np.sin(2 * pts[:, 0]) + pts[:, 1]
    X = with_bias(pts)
    r = solve_convex(X, y, beta, loss=loss, method="cvxpy")
    check_result(X, y, beta, loss, r)
    assert r.value == pytest.approx(independent_value(X, y, beta, loss), rel=1e-6)


@pytest.mark.parametrize("loss", ["squared", "hinge"])
def test_beta_large_gives_the_zero_network(loss):
    X = with_bias(PAPER_X)
    r = solve_convex(X, PAPER_Y, 1e3, loss=loss, method="cvxpy")
    assert r.m_star == 0 and r.status == "optimal"
    expected = 0.5 * PAPER_Y @ PAPER_Y if loss == "squared" else len(PAPER_Y)   # ℓ(0, y)
    assert r.value == pytest.approx(expected, rel=1e-9)


def test_fifty_points_2d_with_bias():
    """The issue's 'done when': ~2,450 patterns, global optimum with every check."""
    rng = np.random.default_rng(0)
    pts = rng.standard_normal((50, 2))
    y = np.sign(pts[:, 0] * pts[:, 1])
    X = with_bias(pts)
    r = solve_convex(X, y, 0.1, method="cvxpy")
    assert r.n_patterns == 2452
    check_result(X, y, 0.1, "squared", r)


def test_sampled_patterns_give_an_upper_bound():
    rng = np.random.default_rng(4)
    pts = rng.standard_normal((12, 2))
    y = np.sign(pts[:, 0] * pts[:, 1])
    X = with_bias(pts)
    exact = solve_convex(X, y, 0.05, method="cvxpy")
    sampled = activation_patterns(X, method="sample", samples=10, seed=0)
    approx = solve_convex(X, y, 0.05, method="cvxpy", patterns=sampled)
    assert not approx.exact_patterns and approx.n_patterns < exact.n_patterns
    assert approx.value >= exact.value * (1 - 1e-9)


def test_certificate_of_random_networks_is_below_the_optimum():
    X = with_bias(PAPER_X)
    p_star = solve_convex(X, PAPER_Y, 0.1, method="cvxpy").value
    rng = np.random.default_rng(0)
    for _ in range(20):
        m = rng.integers(1, 10)
        U, a = rng.standard_normal((m, 2)), rng.standard_normal(m)
        c = dual_certificate(X, PAPER_Y, U, a, 0.1)
        assert c.lower_bound <= p_star * (1 + 1e-9) <= c.objective * (1 + 1e-9)


def test_pruning_keeps_fit_and_penalty():
    """A redundant network of 40 neurons on 6 points prunes to ≤ 7 with the same objective."""
    rng = np.random.default_rng(3)
    X = with_bias(rng.standard_normal((6, 2)))
    dirs = rng.standard_normal((40, 3))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    mags, signs = rng.uniform(0.1, 1, 40), np.sign(rng.standard_normal(40))
    a = caratheodory(np.maximum(X @ dirs.T, 0) * signs, mags)
    d2, m2, s2 = dirs[a > 0], a[a > 0], signs[a > 0]
    assert len(m2) <= X.shape[0] + 1 and np.all(m2 > 0)

    def fit(D, M, S):
        return np.maximum(X @ D.T, 0) @ (M * S)

    np.testing.assert_allclose(fit(d2, m2, s2), fit(dirs, mags, signs), atol=1e-10)
    assert m2.sum() == pytest.approx(mags.sum(), rel=1e-12)
    U, a = to_neurons(d2, m2, s2)
    y = rng.standard_normal(6)
    U0, a0 = to_neurons(dirs, mags, signs)
    assert nonconvex_objective(X, y, U, a, 0.3) == pytest.approx(nonconvex_objective(X, y, U0, a0, 0.3), rel=1e-10)
