"""Logistic (cross-entropy) loss: the exact solver, the certificate and SGD.

Independent routes, as for squared loss:
* program (8) with logistic loss written here block by block in cvxpy over
  patterns found here by dense sampling (not by cvxcore's enumeration);
* the recovered network's own objective (2);
* weak duality: the dual value of any feasible point, and the certificate of
  any network, lies below p*; any network (random, or trained by gradient
  descent written here, or by cvxcore.train_sgd) lies above it;
* a hard case: 20 XOR points at β = 1e-2, where
  Clarabel's exponential cone stalls unless the objective is rescaled.
"""
import cvxpy as cp
import numpy as np
import pytest

from cvxcore import dual_certificate, get_loss, nonconvex_objective, solve_convex, with_bias

LOGISTIC = get_loss("logistic")

PAPER_X = np.array([-2, -1, 0, 1, 2.0])
PAPER_Y = np.array([1, -1, 1, 1, -1.0])


def sampled_patterns(X, k=100_000, seed=1):
    U = np.random.default_rng(seed).standard_normal((X.shape[1], k))
    return np.unique((X @ U).T >= 0, axis=0)


def independent_value(X, y, beta):
    fit, reg, cons = 0, 0, []
    for D in sampled_patterns(X):
        if not D.any():
            continue
        S = np.where(D, 1.0, -1.0)[:, None] * X
        v, w = cp.Variable(X.shape[1]), cp.Variable(X.shape[1])
        fit = fit + (X * D[:, None]) @ (v - w)
        reg = reg + cp.norm(v) + cp.norm(w)
        cons += [S @ v >= 0, S @ w >= 0]
    # log(1 + e^{-y ŷ}) written as log_sum_exp([0, -y ŷ]) row by row: not cp.logistic
    data = sum(cp.log_sum_exp(cp.hstack([0, -y[i] * fit[i]])) for i in range(len(y)))
    prob = cp.Problem(cp.Minimize(data + beta * reg), cons)
    prob.solve(solver=cp.CLARABEL)
    return prob.value


def xor(n, seed):
    x = np.random.default_rng(seed).uniform(-1, 1, (n, 2))
    y = np.where(x[:, 0] * x[:, 1] >= 0, 1.0, -1.0)
    return with_bias(x), y


def gd_logistic(X, y, beta, m, steps, lr, seed):
    """Full-batch gradient descent on (2) with logistic loss (written here)."""
    rng = np.random.default_rng(seed)
    U = rng.standard_normal((m, X.shape[1])) / np.sqrt(X.shape[1])
    a = rng.standard_normal(m) / np.sqrt(m)
    for _ in range(steps):
        H = X @ U.T
        A = np.maximum(H, 0)
        g = LOGISTIC.grad(A @ a, y)
        ga = A.T @ g + beta * a
        gU = ((g[:, None] * (H > 0)) * a).T @ X + beta * U
        U, a = U - lr * gU, a - lr * ga
    return U, a


@pytest.mark.parametrize("beta", [0.05, 0.5])
def test_paper_data_against_independent_program(beta):
    X = with_bias(PAPER_X)
    r = solve_convex(X, PAPER_Y, beta, loss="logistic", method="cvxpy")
    assert r.status == "optimal", r.status
    assert r.value == pytest.approx(independent_value(X, PAPER_Y, beta), rel=1e-5)
    assert nonconvex_objective(X, PAPER_Y, r.U, r.alpha, beta, loss="logistic") == pytest.approx(r.value, rel=1e-8)
    assert r.lower_bound <= r.value + 1e-12 and r.rel_gap <= 1e-6


def test_2d_against_independent_program_and_weak_duality():
    X, y = xor(9, seed=3)
    beta = 0.1
    r = solve_convex(X, y, beta, loss="logistic", method="cvxpy")
    p = independent_value(X, y, beta)
    assert r.status == "optimal", r.status
    assert r.value == pytest.approx(p, rel=1e-5)
    rng = np.random.default_rng(0)
    for _ in range(5):   # any network is above p*; its certificate is below p*
        U, a = rng.standard_normal((6, 3)), rng.standard_normal(6)
        c = dual_certificate(X, y, U, a, beta, loss="logistic")
        assert c.objective >= p - 1e-6
        assert c.lower_bound <= p + 1e-6
        assert c.gap >= c.objective - p - 1e-6


def test_dual_value_is_the_conjugate():
    """D(v) = −ℓ*(−v) = min_z ℓ(z) + vᵀz, at its closed-form minimiser and at perturbed points."""
    y = np.array([1.0, -1.0, 1.0])
    v = y * np.array([0.2, 0.7, 0.5])
    # min_z Σ log(1+e^{-y z}) + v z, separable: z = y·log((1-p)/p) with p = v·y
    p = v * y
    z = y * np.log((1 - p) / p)
    assert LOGISTIC.dual_value(v, y) == pytest.approx(LOGISTIC.value(z, y) + v @ z, rel=1e-12)
    zs = z + np.random.default_rng(0).standard_normal((100, 3)) * 0.3
    assert np.all(LOGISTIC.value(zs, y) + zs @ v >= LOGISTIC.dual_value(v, y) - 1e-12)


def test_gradient_descent_never_below_optimum():
    X, y = xor(12, seed=5)
    beta = 0.05
    r = solve_convex(X, y, beta, loss="logistic", method="cvxpy")
    assert r.status == "optimal", r.status
    for seed in range(3):
        U, a = gd_logistic(X, y, beta, m=10, steps=3000, lr=0.05, seed=seed)
        val = nonconvex_objective(X, y, U, a, beta, loss="logistic")
        assert val >= r.value - 1e-9
        assert val <= 1.5 * r.value          # and it trained (not a vacuous bound)


def test_sgd_module_never_below_optimum():
    from cvxcore import training as sgd
    X, y = xor(12, seed=5)
    beta = 0.05
    r = solve_convex(X, y, beta, loss="logistic", method="cvxpy")
    out = sgd.train_sgd(X, y, m=10, beta=beta, loss="logistic", lr=0.05, steps=500,
                        batch_size=12, trials=3, seed=0)
    assert np.all(np.asarray(out.objectives) >= r.value - 1e-9)


def test_exponential_cone_stall_is_recovered():
    """Clarabel stalls on this instance at every tolerance without rescaling."""
    X, y = xor(20, seed=0)
    r = solve_convex(X, y, 1e-2, loss="logistic", method="cvxpy")
    assert r.status == "optimal", r.status
    assert r.value == pytest.approx(0.9693779, rel=1e-6)


def test_default_method_handles_logistic():
    """method="auto" (the default) must give the logistic optimum, whether the fast
    solver supports the loss or solve_convex falls back to the reference."""
    X = with_bias(PAPER_X)
    ref = solve_convex(X, PAPER_Y, 0.1, loss="logistic", method="cvxpy")
    r = solve_convex(X, PAPER_Y, 0.1, loss="logistic")
    assert r.status == "optimal", r.status
    assert r.method == "fast"
    assert r.value == pytest.approx(ref.value, rel=1e-6)


@pytest.mark.parametrize("beta", [1e-3, 0.1])
def test_fast_solver_against_independent_program(beta):
    """The fast solver's logistic optimum against the block-by-block cvxpy program over
    densely sampled patterns (written here), and its certificate."""
    X, y = xor(9, seed=3)
    r = solve_convex(X, y, beta, loss="logistic", method="fast")
    assert r.status == "optimal", r.status
    assert r.value == pytest.approx(independent_value(X, y, beta), rel=1e-5)
    assert 0 <= r.gap and r.rel_gap <= 1e-6 and r.lower_bound <= r.value
    assert nonconvex_objective(X, y, r.U, r.alpha, beta, loss="logistic") == pytest.approx(r.value, rel=1e-8)
    assert r.m_star <= X.shape[0] + 1
