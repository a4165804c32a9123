"""Section 4.1: the separable ReLU CNN is program (8) on the stacked patches."""
from __future__ import annotations

import numpy as np

from ..convex import solve_convex
from ..params import check_int, check_scalar
from .patches import patches, real_array


def separable_stack(S, Y, h, stride=1, *, bias=True):
    """Stacked data of the separable ReLU CNN: X' = [X_1; …; X_K] (nK, h[+1]), y' = [y_1; …; y_K].

    ``Y (n, K)`` holds the label of every patch (row i, patch k).  Row k·n + i of
    X' is patch k of signal i, with a trailing 1 when ``bias``.
    """
    Xk = patches(S, h, stride)
    K, n, _ = Xk.shape
    Y = real_array("Y", Y)
    if Y.shape != (n, K):
        raise ValueError(f"Y has shape {Y.shape}; the separable CNN needs one label per signal and patch, "
                         f"shape (n, K) = ({n}, {K}) for h={h}, stride={stride}.")
    X = Xk.reshape(K * n, -1)
    if bias:
        X = np.hstack([X, np.ones((K * n, 1))])
    return X, Y.T.reshape(-1)


def separable_predict(S, h, stride, U, alpha, *, bias=True):
    """Outputs f_k = Σ_j (X_k u_j)₊ α_j of the separable CNN, shape (n, K)."""
    Xk = patches(S, h, stride)
    if bias:
        Xk = np.concatenate([Xk, np.ones(Xk.shape[:2] + (1,))], axis=2)
    return np.einsum("knm,m->nk", np.maximum(np.einsum("knh,mh->knm", Xk, U), 0), alpha)


def solve_separable(S, Y, h, beta, *, stride=1, bias=True, loss="squared", method="auto"):
    """Exact training of the separable ReLU CNN: program (8) on the stacked patches."""
    X, y = separable_stack(S, Y, h, stride, bias=bias)
    return solve_convex(X, y, beta, loss=loss, method=method)


def edge_signals(n=4, L=8, *, noise=0.05, seed=0):
    """A small 1-D signal task for the separable CNN: piecewise-constant signals with
    random steps; the label of patch k (h = 2) is the size of an upward step,
    (x_{k+1} − x_k)₊, minus half a downward one — a two-filter ReLU teacher.
    Returns (S (n, L), Y (n, L − 1))."""
    rng = np.random.default_rng(check_scalar("seed", seed))
    n = check_int("n", n, 1, 1000, "pass 1 <= n <= 1000 signals.")
    L = check_int("L", L, 2, 1000, "pass a signal length 2 <= L <= 1000.")
    jumps = rng.choice([-1.0, 0.0, 0.0, 1.0], size=(n, L)) * rng.uniform(0.5, 1.0, (n, L))
    S = np.cumsum(jumps, axis=1) + noise * rng.standard_normal((n, L))
    dS = np.diff(S, axis=1)
    return S, np.maximum(dS, 0) - 0.5 * np.maximum(-dS, 0)
