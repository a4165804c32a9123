"""The exact fits over neuron directions that improve an uncertified optimum (cvxcore.convex.polish),
each against an independent route: the non-negative lasso on QR factors against the Gram-matrix
active set of the first phase and its own optimality conditions, and the hinge's linear program
against its dual (the multipliers' value Σp equals the network's objective)."""
import numpy as np
import pytest

from cvxcore import nonconvex_objective, with_bias
from cvxcore.convex.directions import nonneg_lasso
from cvxcore.convex.polish import _fit_directions, _nonneg_lasso_qr
from cvxcore.losses import get_loss


@pytest.mark.parametrize("seed", range(5))
def test_the_lasso_on_qr_factors_is_optimal_and_matches_the_gram_active_set(seed):
    rng = np.random.default_rng(seed)
    H = rng.standard_normal((20, 8))
    y = rng.standard_normal(20)
    c = rng.uniform(0.1, 2.0, 8)
    a = _nonneg_lasso_qr(H, y, c)
    g = H.T @ (H @ a - y) + c
    assert np.all(a >= 0)
    assert np.all(g >= -1e-10) and np.allclose(g[a > 0], 0.0, atol=1e-10)      # KKT
    b = nonneg_lasso(H.T @ H, c - H.T @ y, np.zeros(8), 1e-12)[0]

    def f(x):
        return 0.5 * np.sum((H @ x - y) ** 2) + c @ x
    assert f(a) == pytest.approx(f(b), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("scale", [1.0, 1e-4])
def test_the_hinge_fit_over_fixed_directions_is_a_primal_dual_pair(scale):
    """Neurons of fixed unit directions on data beside a bias column (coordinates ×``scale``):
    the network's objective (2) equals the dual value Σpᵢ of its multipliers v = y∘p, and v
    meets every direction's constraint |vᵀh_k| ≤ β (the program's dual)."""
    rng = np.random.default_rng(3)
    X = with_bias(scale * rng.uniform(-1, 1, (12, 2)))
    y = np.where(rng.random(12) < 0.5, 1.0, -1.0)
    beta = 0.05 * scale
    dirs = rng.standard_normal((15, 3)) * np.r_[1.0, 1.0, scale]
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    signs = np.where(np.arange(15) % 2 == 0, 1.0, -1.0)
    H = np.maximum(X @ dirs.T, 0.0) * signs
    a, v = _fit_directions(X, y, beta, get_loss("hinge"), H)
    r = np.sqrt(a)
    value = nonconvex_objective(X, y, dirs * r[:, None], signs * r, beta, loss="hinge")
    assert get_loss("hinge").dual_value(v, y) == pytest.approx(value, rel=1e-9)
    assert np.max(H.T @ v) <= beta * (1 + 1e-9)
