"""The two-layer ReLU network and its non-convex training objective (2).

    f(X) = Σ_{j=1..m} (X u_j)₊ α_j                      U = [u_1 … u_m]ᵀ  (m, d)
    objective (2) = ℓ(f(X), y) + (β/2) Σ_j (‖u_j‖² + α_j²)

A bias is a column of ones appended to X (:func:`with_bias`), so d counts it.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .losses import Loss, LossName, get_loss
from .params import check_loss, check_network, check_scalar, check_X, check_y


def with_bias(x: ArrayLike) -> np.ndarray:
    """Append a column of ones (last) to data ``x`` of shape (n,) or (n, k)."""
    a = check_X(np.asarray(x)[:, None] if np.ndim(x) == 1 else x, name="x")
    return np.hstack([a, np.ones((a.shape[0], 1))])


def relu(t: np.ndarray) -> np.ndarray:
    """(t)₊ elementwise."""
    return np.maximum(t, 0.0)


def predict(X: np.ndarray, U: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Network output f(X) = (X Uᵀ)₊ α; broadcasts over leading axes of U/alpha
    (U ``(..., m, d)``, alpha ``(..., m)`` → ``(..., n)``)."""
    H = relu(np.einsum("nd,...md->...nm", X, U))
    return np.einsum("...nm,...m->...n", H, alpha)


def objective(X: np.ndarray, y: np.ndarray, U: np.ndarray, alpha: np.ndarray, beta: float,
              loss: Loss | str) -> np.ndarray:
    """Objective (2) for trusted inputs (``loss`` a name or a Loss); batched over leading axes
    of U/alpha."""
    reg = 0.5 * beta * (np.sum(U ** 2, axis=(-1, -2)) + np.sum(alpha ** 2, axis=-1))
    return get_loss(loss).value(predict(X, U, alpha), y) + reg


def blocks_objective(X: np.ndarray, y: np.ndarray, beta: float, loss: Loss | str, Q: np.ndarray,
                     signs: np.ndarray) -> float:
    """Objective of the network that blocks q_j with signs s_j of (8) define, computed with the
    ReLU itself: ℓ(Σ_j s_j (X q_j)₊) + β Σ_j ‖q_j‖ (the value of an actual network, an upper
    bound on the optimum whatever a solver's accuracy)."""
    fit = relu(X @ Q.T) @ signs if Q.shape[0] else np.zeros(X.shape[0])
    return float(get_loss(loss).value(fit, y) + beta * np.linalg.norm(Q, axis=1).sum())


def nonconvex_objective(X: ArrayLike, y: ArrayLike, U: ArrayLike, alpha: ArrayLike, beta: float, *,
                        loss: LossName = "squared") -> float:
    """Objective (2) of the network with neurons ``U (m, d)`` and output weights ``alpha (m,)``.

    ``m = 0`` (an empty network) is allowed: its value is ℓ(0, y).
    """
    X = check_X(X)
    loss = check_loss(loss)
    y = check_y(y, X.shape[0], loss)
    beta = check_scalar("beta", beta)
    U, alpha = check_network(U, alpha, X.shape[1])
    return float(objective(X, y, U, alpha, beta, loss))
