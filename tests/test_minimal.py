"""Minimal networks from every method: the returned neurons' columns [hⱼ; 1] (hⱼ = sign(αⱼ)
(Xûⱼ)₊) are linearly independent (the Carathéodory step of the proof of Theorem 1), so
m* ≤ n + 1, and the reduction leaves the objective (2) unchanged."""
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cvxcore import nonconvex_objective, solve_convex, with_bias
from cvxcore.convex.recovery import INDEPENDENCE_TOL, dependence, independent_network
from tests.drawn import GRID, KINDS, drawable


def check_minimal(r, X, y, beta, loss):
    """Independent columns (σ_min/σ_max > INDEPENDENCE_TOL), or — where the columns are only
    nearly dependent, at the interior-point solution's noise — none of the neurons can go
    without moving the objective by more than 1e-9 (the reduction is at a fixed point), with
    σ_min/σ_max still above 1e-10; m* ≤ n + 1; the objective of the network before the
    reduction."""
    n = X.shape[0]
    before = r.info["value_before_independence"]
    assert r.m_star <= n + 1
    if r.m_star > 1:
        ratio = dependence(X, r.U, r.alpha)[0]
        if ratio <= INDEPENDENCE_TOL:
            assert ratio > 1e-10
            # what is left of the 1e-9 after the reduction's own steps, less the rounding error of
            # evaluating the objective (the fit sums neurons of either sign: large ones cancel)
            terms = np.abs(np.maximum(X @ r.U.T, 0.0) * r.alpha).sum()
            noise = 100 * np.finfo(float).eps * max(terms * np.abs(y).max(), 1.0) / r.value
            left = (before * (1 + 1e-9) - r.value) / r.value - noise
            value = lambda U_, a_: nonconvex_objective(X, y, U_, a_, beta, loss=loss)  # noqa: E731
            assert independent_network(X, r.U, r.alpha, value, rtol=max(left, 0.0))[2].size == r.m_star
    assert abs(r.value - before) <= 1e-9 * abs(before) + 1e-15
    assert abs(nonconvex_objective(X, y, r.U, r.alpha, beta, loss=loss) - r.value) <= 1e-9 * r.value


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(KINDS), loss=st.sampled_from(["squared", "hinge"]),
       method=st.sampled_from(["auto", "cvxpy"]), e=st.sampled_from([0.0, 2.0, 4.0]), seed=st.integers(0, 999),
       beta=st.sampled_from([1e-3, 1e-2, 1e-1, 1.0]))
def test_every_method_returns_independent_neurons(kind, loss, method, e, seed, beta):
    Z, y = drawable(kind, seed)
    X = with_bias(10.0 ** e * Z)
    b = beta * 10.0 ** e
    check_minimal(solve_convex(X, y, b, loss=loss, method=method), X, y, b, loss)


def test_cvxpy_on_a_scaled_grid_is_minimal():
    """The case that returned 49 neurons on 9 points (hinge, β = 1, coordinates × 10⁴)."""
    X = with_bias(1e4 * GRID)
    y = np.array([1, -1, 1, -1, 1, -1, 1, -1, 1.0])
    r = solve_convex(X, y, 1.0, loss="hinge", method="cvxpy")
    assert r.status == "optimal"
    assert dependence(X, r.U, r.alpha)[0] > INDEPENDENCE_TOL
    check_minimal(r, X, y, 1.0, "hinge")


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), copies=st.integers(1, 20))
def test_split_and_duplicated_neurons_are_reduced_without_changing_the_objective(seed, copies):
    """Three random neurons, the first split into collinear balanced pieces (the same function
    and penalty): the reduction leaves at most the three, independent, with the same objective."""
    rng = np.random.default_rng(seed)
    X = with_bias(rng.uniform(-1, 1, (8, 2)))
    y = rng.standard_normal(8)
    beta = 1e-2
    U0 = rng.standard_normal((3, 3))
    a0 = np.linalg.norm(U0, axis=1) * rng.choice([-1.0, 1.0], 3)
    # split neuron 0 into `copies` + 1 collinear, balanced pieces: the same function and penalty
    w = rng.dirichlet(np.ones(copies + 1))
    U = np.vstack([np.sqrt(w)[:, None] * U0[0], U0[1:]])
    alpha = np.r_[np.sqrt(w) * a0[0], a0[1:]]
    U = U * np.sqrt(np.abs(alpha) / np.linalg.norm(U, axis=1))[:, None]

    def value(U_, a_):
        return nonconvex_objective(X, y, U_, a_, beta)
    start = value(U, alpha)
    U2, a2, kept = independent_network(X, U, alpha, value)
    assert U2.shape[0] == kept.size <= 3
    assert dependence(X, U2, a2)[0] > INDEPENDENCE_TOL
    assert abs(value(U2, a2) - start) <= 1e-9 * start
    np.testing.assert_allclose(np.linalg.norm(U2, axis=1), np.abs(a2))
