"""Projection onto a polyhedral cone by non-negative least squares (the reference pricing).

For K = {u : A u ≥ 0}, Moreau's decomposition gives Π_K(g) = g + Aᵀμ* with

    μ* = argmin_{μ ≥ 0} ‖Aᵀμ + g‖,

a non-negative least-squares problem, so ‖Π_K(g)‖ is NNLS's residual and max_{u ∈ K, ‖u‖ ≤ 1}
gᵀu = ‖Π_K(g)‖ with maximiser Π_K(g)/‖Π_K(g)‖.  Used for explicit pattern lists (rank ≥ 4,
sampled patterns) and by the tests as the independent route to the closed-form pricing.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import nnls


def cone_rows(X: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """Rows (2D − I)X of the cone K = {u : (2D − I) X u ≥ 0} of a pattern, zero rows dropped."""
    A = np.where(np.asarray(pattern, bool)[:, None], X, -X)
    return A[np.linalg.norm(A, axis=1) > 0]


def projection(A: np.ndarray, g: np.ndarray):
    """``(‖Π_K(g)‖, Π_K(g))`` for K = {u : A u ≥ 0}."""
    if A.shape[0] == 0:
        return float(np.linalg.norm(g)), g.copy()
    mu, _ = nnls(A.T, -g, maxiter=50 * A.shape[0] + 100)
    proj = g + A.T @ mu
    return float(np.linalg.norm(proj)), proj
