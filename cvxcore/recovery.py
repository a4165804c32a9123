"""From a solution of (8) to the minimal ReLU network (Theorem 1, Remark 3.1).

Each nonzero block is one neuron (MATH.md §4):

    v_i ≠ 0:  u = v_i / √‖v_i‖,  α = +√‖v_i‖          w_i ≠ 0:  u = w_i / √‖w_i‖,  α = −√‖w_i‖

so that (X u)₊ α = ±D_i X v_i and (β/2)(‖u‖² + α²) = β‖v_i‖.

An interior-point solution is not minimal: one optimal neuron that lies on a
cell boundary appears as several positively collinear blocks, and a
non-unique optimum is returned as a mixture.  Two exact reductions make the
network minimal without changing the objective:

1. *Merge* (Remark 3.1): blocks q_j = s_j v_j with the same sign s_j and
   positively collinear v_j add up: (Xv₁)₊ + (Xv₂)₊ = (X(v₁+v₂))₊ and
   ‖v₁‖ + ‖v₂‖ = ‖v₁ + v₂‖.
2. *Prune to a basic solution* (Carathéodory): with unit directions ûⱼ,
   features hⱼ = (Xûⱼ)₊ and magnitudes aⱼ = ‖vⱼ‖ ≥ 0, the fit Σ sⱼ aⱼ hⱼ and
   the penalty β Σ aⱼ are both linear in a.  Any δ in the null space of
   [sⱼhⱼ; 1] (n + 1 rows) moves a without changing either; step along δ until
   some aⱼ reaches 0, drop it, repeat.  The result has linearly independent
   columns [sⱼhⱼ; 1], hence m* ≤ n + 1, and the same objective.
"""
from __future__ import annotations

import numpy as np


def blocks_to_signed(V, W, tol: float = 1e-9, abs_tol: float = 0.0):
    """Nonzero blocks of (8) as (directions (k, d) unit, magnitudes (k,), signs (k,)).

    A block counts as nonzero when its norm exceeds ``tol`` × the largest block
    norm and ``abs_tol`` (solver noise: an interior-point method never returns
    exact zeros).
    """
    Q = np.vstack([V, W])
    s = np.concatenate([np.ones(V.shape[0]), -np.ones(W.shape[0])])
    a = np.linalg.norm(Q, axis=1)
    big = (a > tol * max(a.max(initial=0.0), 1e-300)) & (a > abs_tol)
    return Q[big] / a[big, None], a[big], s[big]


def merge_collinear(X, dirs, mags, signs, tol: float = 1e-5, fit_tol: float = 0.0):
    """Merge blocks with the same sign and (nearly) the same unit direction.

    An interior-point solution places an optimal neuron that lies on a cell
    boundary in every adjacent cell, with directions that differ by solver
    noise (~1e-7).  A group within ``tol`` is merged into one block q = Σ qⱼ
    when that changes the fit by at most ``fit_tol`` (the penalty Σ‖qⱼ‖ can
    only decrease), so the objective cannot get worse beyond noise.
    """
    order = np.argsort(-mags)
    used = np.zeros(len(mags), dtype=bool)
    D, A, S = [], [], []

    def keep(idx):
        for j in idx:
            D.append(dirs[j]); A.append(mags[j]); S.append(signs[j])

    for i in order:
        if used[i]:
            continue
        same = (~used) & (signs == signs[i]) & (np.linalg.norm(dirs - dirs[i], axis=1) <= tol)
        used |= same
        Q = mags[same, None] * dirs[same]
        q = Q.sum(axis=0)
        change = np.linalg.norm(np.maximum(X @ Q.T, 0).sum(axis=1) - np.maximum(X @ q, 0))
        if change <= fit_tol:
            D.append(q / np.linalg.norm(q)); A.append(np.linalg.norm(q)); S.append(signs[i])
        else:
            keep(np.flatnonzero(same))
    d = dirs.shape[1] if dirs.ndim == 2 else 0
    return np.array(D).reshape(-1, d), np.array(A), np.array(S)


def prune_to_basic(X, dirs, mags, signs, rtol: float = 1e-10):
    """Carathéodory pruning: same fit and same Σ aⱼ, linearly independent [sⱼhⱼ; 1]."""
    dirs, mags, signs = dirs.copy(), mags.copy(), signs.copy()
    while mags.size:
        H = np.maximum(X @ dirs.T, 0.0) * signs            # (n, k) signed features
        M = np.vstack([H, np.ones((1, mags.size))])
        # Full V only when k > n + 1 (the null space lies beyond M's rows); otherwise the
        # reduced SVD has all k right singular vectors and skips the (n+1)² factor U.
        _, s, Vt = np.linalg.svd(M, full_matrices=M.shape[1] > M.shape[0])
        rank = int(np.sum(s > rtol * max(s.max(initial=0.0), 1.0)))
        if rank == mags.size:
            break
        delta = Vt[-1]                                     # a null-space direction
        if not np.any(delta < 0):
            delta = -delta
        neg = np.flatnonzero(delta < 0)
        ratios = mags[neg] / -delta[neg]
        j = neg[np.argmin(ratios)]                        # the first magnitude to reach 0
        mags = np.maximum(mags + ratios.min() * delta, 0.0)
        mags[j] = 0.0
        keep = mags > 1e-14 * max(mags.max(initial=0.0), 1e-300)
        dirs, mags, signs = dirs[keep], mags[keep], signs[keep]
    return dirs, mags, signs


def to_neurons(dirs, mags, signs):
    """Balanced neurons: u = √a · û, α = s √a, so (Xu)₊α = s a (Xû)₊ and ‖u‖ = |α|."""
    r = np.sqrt(mags)
    return dirs * r[:, None], signs * r


def recover_network(X, V, W, *, tol: float = 1e-9, scale: float = 1.0):
    """Minimal network (U (m*, d), alpha (m*,)) from blocks V, W (P, d) of (8).

    ``scale`` is the size of the targets (‖y‖): a block whose largest possible
    contribution to the fit, ‖v_i‖·‖X‖₂, is below 1e-10 · scale is solver noise.
    """
    abs_tol = 1e-10 * scale / max(np.linalg.norm(X, 2), 1e-300)
    dirs, mags, signs = blocks_to_signed(V, W, tol, abs_tol)
    dirs, mags, signs = merge_collinear(X, dirs, mags, signs, fit_tol=1e-9 * scale)
    dirs, mags, signs = prune_to_basic(X, dirs, mags, signs)
    return to_neurons(dirs, mags, signs)
