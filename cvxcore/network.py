"""The two-layer ReLU network and its non-convex training objective (2).

    f(X) = Σ_{j=1..m} (X u_j)₊ α_j                      U = [u_1 … u_m]ᵀ  (m, d)
    objective (2) = ℓ(f(X), y) + (β/2) Σ_j (‖u_j‖² + α_j²)

A bias is a column of ones appended to X (:func:`with_bias`), so d counts it.
"""
from __future__ import annotations

import numpy as np

from .losses import loss_value
from .params import check_loss, check_network, check_scalar, check_X, check_y


def with_bias(x) -> np.ndarray:
    """Append a column of ones (last) to data ``x`` of shape (n,) or (n, k)."""
    a = np.asarray(x, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    a = check_X(a, name="x")
    return np.hstack([a, np.ones((a.shape[0], 1))])


def relu(t):
    return np.maximum(t, 0.0)


def predict(X, U, alpha) -> np.ndarray:
    """Network output f(X) = (X Uᵀ)₊ α; broadcasts over leading axes of U/alpha
    (U ``(..., m, d)``, alpha ``(..., m)`` → ``(..., n)``)."""
    H = relu(np.einsum("nd,...md->...nm", X, U))
    return np.einsum("...nm,...m->...n", H, alpha)


def _objective(X, y, U, alpha, beta, loss):
    """Trusted-input objective (2); batched over leading axes of U/alpha."""
    reg = 0.5 * beta * (np.sum(U ** 2, axis=(-1, -2)) + np.sum(alpha ** 2, axis=-1))
    return loss_value(predict(X, U, alpha), y, loss) + reg


def nonconvex_objective(X, y, U, alpha, beta, *, loss: str = "squared") -> float:
    """Objective (2) of the network with neurons ``U (m, d)`` and output weights ``alpha (m,)``.

    ``m = 0`` (an empty network) is allowed: its value is ℓ(0, y).
    """
    X = check_X(X)
    loss = check_loss(loss)
    y = check_y(y, X.shape[0], loss)
    beta = check_scalar("beta", beta)
    U, alpha = check_network(U, alpha, X.shape[1])
    return float(_objective(X, y, U, alpha, beta, loss))


def nonconvex_objectives(X, y, U, alpha, beta, *, loss: str = "squared") -> np.ndarray:
    """Objective (2) of many networks at once: ``U (..., m, d)``, ``alpha (..., m)`` → ``(...)``.

    The batched form of :func:`nonconvex_objective`, e.g. for a loss landscape: a grid of
    G one-neuron networks is ``U`` of shape (G, 1, d) and ``alpha`` of shape (G, 1).
    """
    X = check_X(X)
    loss = check_loss(loss)
    y = check_y(y, X.shape[0], loss)
    beta = check_scalar("beta", beta)
    U = np.asarray(U, dtype=float)
    alpha = np.asarray(alpha, dtype=float)
    if U.ndim < 2 or U.shape[-1] != X.shape[1] or alpha.shape != U.shape[:-1]:
        raise ValueError(f"U has shape {U.shape} and alpha {alpha.shape}; pass U (..., m, {X.shape[1]}) "
                         "(one neuron per row, d = the columns of X) and alpha (..., m) with the same "
                         "leading shape.")
    if not (np.all(np.isfinite(U)) and np.all(np.isfinite(alpha))):
        raise ValueError("U or alpha contains NaN/inf; pass finite weights.")
    return _objective(X, y, U, alpha, beta, loss)
