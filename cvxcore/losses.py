"""Convex losses ℓ(ŷ, y) and their Fenchel duals (MATH.md §2, §6).

Each loss is summed over the n samples, as in the paper:

    squared   ℓ(ŷ) = ½ ‖ŷ − y‖²
    hinge     ℓ(ŷ) = Σ max(0, 1 − yᵢ ŷᵢ)              (yᵢ ∈ {−1, +1})
    logistic  ℓ(ŷ) = Σ log(1 + exp(−yᵢ ŷᵢ))          (yᵢ ∈ {−1, +1})

Duality.  Writing the training problem as ``min_ŷ ℓ(ŷ) + β·γ(ŷ)`` with γ the
gauge of conv(Q_X ∪ −Q_X), its dual is

    d* = max_v  D(v) := −ℓ*(−v)   s.t.  |vᵀ (X u)₊| ≤ β  for all ‖u‖ ≤ 1,

and the optimal ``v`` is ``−∇ℓ(ŷ*)`` (for squared loss the residual y − ŷ*).
``D`` in closed form:

    squared   D(v) = vᵀy − ½‖v‖²  ( = −½‖y − v‖² + ½‖y‖², as in (4) )
    hinge     D(v) = Σ vᵢ yᵢ,                    needs vᵢ yᵢ ∈ [0, 1]
    logistic  D(v) = Σ H(vᵢ yᵢ),  H(p) = −p log p − (1−p) log(1−p),  needs vᵢ yᵢ ∈ [0, 1]

All functions accept a leading batch axis (e.g. trials): sums run over the last.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import xlogy


def loss_value(yhat, y, loss: str):
    """ℓ(ŷ, y) summed over the last axis."""
    yhat = np.asarray(yhat, dtype=float)
    if loss == "squared":
        return 0.5 * np.sum((yhat - y) ** 2, axis=-1)
    if loss == "hinge":
        return np.sum(np.maximum(0.0, 1.0 - y * yhat), axis=-1)
    if loss == "logistic":
        return np.sum(np.logaddexp(0.0, -y * yhat), axis=-1)
    raise ValueError(f"loss={loss!r} is not a known loss; use 'squared', 'hinge' or 'logistic'.")


def loss_grad(yhat, y, loss: str):
    """A (sub)gradient ∂ℓ/∂ŷ, same shape as ``yhat`` (hinge: 0 at the kink)."""
    yhat = np.asarray(yhat, dtype=float)
    if loss == "squared":
        return yhat - y
    if loss == "hinge":
        return np.where(y * yhat < 1.0, -y, 0.0) * np.ones_like(yhat)
    if loss == "logistic":
        # d/dz log(1 + e^{-yz}) = -y σ(-yz), written stably with expit.
        from scipy.special import expit
        return -y * expit(-y * yhat)
    raise ValueError(f"loss={loss!r} is not a known loss; use 'squared', 'hinge' or 'logistic'.")


def dual_value(v, y, loss: str) -> float:
    """D(v) = −ℓ*(−v); ``-inf`` outside the loss's dual domain."""
    v = np.asarray(v, dtype=float)
    if loss == "squared":
        return float(v @ y - 0.5 * v @ v)
    p = v * y
    if np.any(p < -1e-12) or np.any(p > 1 + 1e-12):
        return -np.inf
    p = np.clip(p, 0.0, 1.0)
    if loss == "hinge":
        return float(np.sum(p))
    if loss == "logistic":
        return float(-np.sum(xlogy(p, p) + xlogy(1 - p, 1 - p)))
    raise ValueError(f"loss={loss!r} is not a known loss; use 'squared', 'hinge' or 'logistic'.")


def best_dual_scale(v, y, loss: str, s_max: float) -> float:
    """argmax over s ∈ [0, s_max] of D(s·v): the best dual point on the ray through v.

    ``s_max`` is the largest scale that keeps s·v dual feasible for the ReLU
    constraint; the classification losses also cap s so that s·vᵢyᵢ ≤ 1.
    """
    v = np.asarray(v, dtype=float)
    if loss != "squared":
        p = v * y
        if np.any(p < 0):          # not in the dual domain at any positive scale
            return 0.0
        if p.max(initial=0.0) > 0:
            s_max = min(s_max, 1.0 / p.max())
    if loss == "squared":
        vv = float(v @ v)
        return float(np.clip((v @ y) / vv, 0.0, s_max)) if vv > 0 else 0.0
    if not np.isfinite(s_max) or s_max <= 0:   # v·y ≡ 0 here: D(s·v) = 0 for every s
        return 0.0
    if loss == "hinge":
        return float(s_max)      # D is linear and increasing in s on the domain
    res = minimize_scalar(lambda s: -dual_value(s * v, y, loss), bounds=(0.0, s_max),
                          method="bounded", options={"xatol": 1e-12 * max(1.0, s_max)})
    s = float(res.x)
    return s if dual_value(s * v, y, loss) >= dual_value(s_max * v, y, loss) else float(s_max)
