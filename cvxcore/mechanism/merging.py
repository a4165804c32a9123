"""Step (ii) of Theorem 1's proof: two neurons of one cell with one sign merge into one
(docs/theory.md §1, §4, §8).

Write each neuron (uⱼ, αⱼ) as its block qⱼ = |αⱼ| uⱼ with sign sⱼ = sign(αⱼ).  If neurons j and
k lie in the same closed cell — no sample strictly on opposite sides, (xᵢᵀuⱼ)(xᵢᵀuₖ) ≥ 0 for
every i — then (a + b)₊ = a₊ + b₊ on every sample, so with the common pattern D

    (X uⱼ)₊ αⱼ + (X uₖ)₊ αₖ = s D X (qⱼ + qₖ) = s (X q)₊,      q = qⱼ + qₖ,

and q is still in the cell's cone (2D − I) X q ≥ 0 (a convex cone).  Their penalty only falls
along the way:

    (β/2)(‖uⱼ‖² + αⱼ² + ‖uₖ‖² + αₖ²)  ≥  β(‖qⱼ‖ + ‖qₖ‖)  ≥  β‖qⱼ + qₖ‖ = β‖q‖
          AM–GM (rescaling, (3))         triangle inequality

and Theorem 1's map gives the merged neuron (u, α) = (q/√‖q‖, s√‖q‖), whose penalty
(β/2)(‖u‖² + α²) is β‖q‖.  Same fit, penalty no larger: objective (2) never increases.  So one
block per (pattern, sign) suffices, which is why (8) has 2P blocks v_i, w_i.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..losses import get_loss
from ..network import predict
from ..params import check_int, check_loss, check_network, check_scalar, check_X, check_y
from .types import LossName


def same_cell(X, u, w) -> bool:
    """True when no sample lies strictly on opposite sides of u and w, (xᵢᵀu)(xᵢᵀw) ≥ 0 for every
    i: both lie in the closed cone of one activation pattern, where the ReLU is additive."""
    X = check_X(X)
    a, b = X @ np.asarray(u, dtype=float), X @ np.asarray(w, dtype=float)
    return bool(np.all(a * b >= 0))


@dataclass
class Merge:
    U: np.ndarray               # (m − 1, d) the network after the merge (the merged neuron at row ``index``)
    alpha: np.ndarray           # (m − 1,)
    index: int                  # row of the merged neuron in U
    block: np.ndarray           # (d,) q = |αⱼ|uⱼ + |αₖ|uₖ
    sign: float                 # s = sign(αⱼ) = sign(αₖ)
    loss_before: float          # ℓ(f(X), y): the fit, unchanged by the merge
    loss_after: float
    penalty_pair: float         # (β/2)(‖uⱼ‖² + αⱼ² + ‖uₖ‖² + αₖ²): the two neurons as they were
    penalty_pair_balanced: float   # β(‖qⱼ‖ + ‖qₖ‖): the two rescaled to ‖u‖ = |α| (≤ penalty_pair)
    penalty_merged: float       # β‖q‖: the merged neuron (≤ penalty_pair_balanced)
    objective_before: float     # objective (2) of the whole network
    objective_after: float      # ≤ objective_before


def _network_objective(X, y, U, alpha, beta, loss):
    fit = float(loss.value(predict(X, U, alpha), y))
    return fit, fit + 0.5 * beta * float(np.sum(U ** 2) + np.sum(alpha ** 2))


def merge_neurons(X, y, U, alpha, beta, j: int, k: int, *, loss: LossName = "squared") -> Merge:
    """Merge neurons j and k of the network (U, α) into one (module docstring).

    ``ValueError`` unless they lie in the same closed cell of X (:func:`same_cell`) and their
    output weights have the same sign (a neuron with αₖ = 0 outputs nothing and merges with any
    neuron of its cell)."""
    X = check_X(X)
    loss_name = check_loss(loss)
    y = check_y(y, X.shape[0], loss_name)
    beta = check_scalar("beta", beta)
    U, alpha = check_network(U, alpha, X.shape[1])
    m = alpha.shape[0]
    j = check_int("j", j, 0, m - 1, f"Pass the index of a neuron, 0 … {m - 1}.")
    k = check_int("k", k, 0, m - 1, f"Pass the index of a neuron, 0 … {m - 1}.")
    if j == k:
        raise ValueError(f"j = k = {j}; pass two different neurons.")
    if alpha[j] * alpha[k] < 0:
        raise ValueError(f"α_{j} = {alpha[j]:.4g} and α_{k} = {alpha[k]:.4g} have opposite signs; only neurons with "
                         "the same sign of α merge (they are the same block v_i or w_i of (8)).")
    if not same_cell(X, U[j], U[k]):
        bad = int(np.flatnonzero((X @ U[j]) * (X @ U[k]) < 0)[0])
        raise ValueError(f"neurons {j} and {k} are in different cells: sample {bad} is on for one and off for the "
                         "other; only neurons with the same activation pattern merge.")
    lo = get_loss(loss_name)
    s = float(np.sign(alpha[j]) if alpha[j] != 0 else np.sign(alpha[k]))
    qj, qk = abs(alpha[j]) * U[j], abs(alpha[k]) * U[k]
    q = qj + qk
    nq = float(np.linalg.norm(q))
    u_new = q / np.sqrt(nq) if nq > 0 else np.zeros_like(q)
    a_new = s * np.sqrt(nq)
    keep = [i for i in range(m) if i != k]
    index = keep.index(j)
    U2, a2 = U[keep].copy(), alpha[keep].copy()
    U2[index], a2[index] = u_new, a_new
    fit0, obj0 = _network_objective(X, y, U, alpha, beta, lo)
    fit1, obj1 = _network_objective(X, y, U2, a2, beta, lo)
    return Merge(U=U2, alpha=a2, index=index, block=q, sign=s, loss_before=fit0, loss_after=fit1,
                 penalty_pair=0.5 * beta * float(U[j] @ U[j] + alpha[j] ** 2 + U[k] @ U[k] + alpha[k] ** 2),
                 penalty_pair_balanced=beta * float(np.linalg.norm(qj) + np.linalg.norm(qk)),
                 penalty_merged=beta * nq, objective_before=obj0, objective_after=obj1)


def mergeable_pairs(X, U, alpha) -> list[tuple[int, int]]:
    """Every pair (j, k), j < k, of neurons in the same closed cell with output weights of the
    same sign (both nonzero): the pairs :func:`merge_neurons` accepts, dead neurons left out."""
    X = check_X(X)
    U, alpha = check_network(U, alpha, X.shape[1])
    Z = X @ U.T                                          # (n, m)
    live = (np.abs(alpha) > 0) & np.any(Z > 0, axis=0)
    out = []
    for j in np.flatnonzero(live):
        for k in np.flatnonzero(live):
            if j < k and alpha[j] * alpha[k] > 0 and np.all(Z[:, j] * Z[:, k] >= 0):
                out.append((int(j), int(k)))
    return out
