"""From a solution of (8) to a minimal ReLU network (Theorem 1, Remark 3.1).

Each nonzero block is one neuron (docs/theory.md §4):

    v_i ≠ 0:  u = v_i / √‖v_i‖,  α = +√‖v_i‖          w_i ≠ 0:  u = w_i / √‖w_i‖,  α = −√‖w_i‖

so that (X u)₊ α = ±D_i X v_i and (β/2)(‖u‖² + α²) = β‖v_i‖.

An interior-point solution is not minimal: one optimal neuron on a cell boundary appears as
several positively collinear blocks, and a non-unique optimum comes back as a mixture (the
analytic centre of the optimal face).  Two exact reductions make the network smaller without
changing the objective:

1. *Merge* (Remark 3.1): blocks q_j = s_j v_j with the same sign s_j and positively collinear
   v_j add up: (Xv₁)₊ + (Xv₂)₊ = (X(v₁+v₂))₊ and ‖v₁‖ + ‖v₂‖ = ‖v₁ + v₂‖.
2. *Carathéodory*: with unit directions ûⱼ, features hⱼ = sⱼ(Xûⱼ)₊ and magnitudes aⱼ = ‖qⱼ‖,
   the fit Σ aⱼhⱼ and the penalty β Σ aⱼ are linear in a.  Any δ in the null space of
   [hⱼ; 1] (n + 1 rows) moves a without changing either; step along δ until some aⱼ reaches 0,
   drop it, repeat.  The result has linearly independent columns [hⱼ; 1], hence m* ≤ n + 1.
"""
from __future__ import annotations

import numpy as np


def caratheodory(H: np.ndarray, a: np.ndarray, *, keep_sum: bool = True, rtol: float = 1e-10,
                 refresh: bool = False) -> np.ndarray:
    """Magnitudes a' ≥ 0 with H a' = H a on an independent support (:func:`_caratheodory`).

    With many more columns than the n + 1 rows (an interior-point solution of all of (8) has
    one per block, 2P), the columns are taken in batches, largest magnitudes first: the
    support so far (≤ n + 1 columns) and the next n + 1 are reduced together, and so on; every
    reduction keeps H a and Σa, so the result is the same kind of point at a cost linear in
    the number of columns instead of cubic."""
    a = np.asarray(a, dtype=float)
    rows = H.shape[0] + 1
    idx = np.flatnonzero(a > 0)
    if idx.size <= 2 * rows:
        return _caratheodory(H, a, keep_sum=keep_sum, rtol=rtol, refresh=refresh)
    order = idx[np.argsort(-a[idx], kind="stable")]
    out = np.zeros_like(a)
    support = np.zeros(0, dtype=int)
    for start in range(0, order.size, rows):
        cols = np.concatenate([support, order[start:start + rows]])
        b = np.concatenate([out[support], a[order[start:start + rows]]])
        red = _caratheodory(H[:, cols], b, keep_sum=keep_sum, rtol=rtol, refresh=refresh)
        out[cols] = red
        support = cols[red > 0]
    return out


def _caratheodory(H: np.ndarray, a: np.ndarray, *, keep_sum: bool = True, rtol: float = 1e-10,
                  refresh: bool = False) -> np.ndarray:
    """Magnitudes a' ≥ 0 with H a' = H a, on a support where the columns of [H; 1ᵀ] (or of H
    when not ``keep_sum``) are linearly independent, and Σ a' = Σ a (``keep_sum``) or
    Σ a' ≤ Σ a (each step is oriented not to increase the sum).

    One SVD gives the null space; each step updates its basis in O(k²): the other null
    vectors, made zero at the dropped column, span the null space without it.  With nearly
    dependent features (1-D data with thousands of points) the updated vectors drift from the
    null space; ``refresh`` recomputes it after every step instead (O(k³) a step).
    """
    a = np.asarray(a, dtype=float).copy()
    idx = np.flatnonzero(a > 0)
    if idx.size == 0:
        return np.zeros_like(a)

    def null_space(cols):
        M = np.vstack([H[:, cols], np.ones((1, cols.size))]) if keep_sum else H[:, cols]
        R = np.linalg.qr(M, mode="r")            # null(M) = null(R); R is at most k × k
        _, sv, Vt = np.linalg.svd(R, full_matrices=True)
        rank = int(np.sum(sv > rtol * max(sv.max(initial=0.0), 1.0)))
        return Vt[rank:].T                       # (k, k − rank)

    N = null_space(idx)
    b = a[idx]
    while N.shape[1] and idx.size:
        delta = N[:, 0]
        if keep_sum:
            if not np.any(delta < 0):
                delta = -delta
        elif delta.sum() > 0 or not np.any(delta < 0):
            delta = -delta                       # do not increase Σ a
        neg = np.flatnonzero(delta < 0)
        if neg.size == 0:
            N = N[:, 1:]
            continue
        ratios = b[neg] / -delta[neg]
        j = neg[np.argmin(ratios)]
        b = np.maximum(b + ratios.min() * delta, 0.0)
        b[j] = 0.0
        N = N[:, 1:] - np.outer(delta, N[j, 1:] / delta[j])
        keep = np.ones(idx.size, dtype=bool)
        keep[j] = False
        keep &= b > 1e-14 * max(b.max(initial=0.0), 1e-300)
        idx, b, N = idx[keep], b[keep], N[keep]
        if refresh and idx.size:
            N = null_space(idx)
    out = np.zeros_like(a)
    out[idx] = b
    return out


def signed_features(X, dirs, signs) -> np.ndarray:
    """Columns hⱼ = sⱼ (X ûⱼ)₊, shape (n, k)."""
    return np.maximum(X @ dirs.T, 0.0) * signs


def merge_collinear(X, dirs, mags, signs, labels, tol: float = 1e-5, fit_tol: float = 0.0):
    """Merge blocks with the same sign and (nearly) the same unit direction.

    An interior-point solution places an optimal neuron that lies on a cell boundary in every
    adjacent cell, with directions that differ by solver noise (~1e-7).  A group within ``tol``
    is merged into one block q = Σ qⱼ when that changes the fit by at most ``fit_tol`` (the
    penalty Σ‖qⱼ‖ can only decrease), so the objective cannot get worse beyond noise.  A
    merged block keeps the label (e.g. the cell) of the group's largest block.
    """
    order = np.argsort(-mags)
    used = np.zeros(len(mags), dtype=bool)
    D, A, S, Lb = [], [], [], []
    for i in order:
        if used[i]:
            continue
        same = (~used) & (signs == signs[i]) & (np.linalg.norm(dirs - dirs[i], axis=1) <= tol)
        used |= same
        Q = mags[same, None] * dirs[same]
        q = Q.sum(axis=0)
        change = np.linalg.norm(np.maximum(X @ Q.T, 0).sum(axis=1) - np.maximum(X @ q, 0))
        if change <= fit_tol:
            D.append(q / np.linalg.norm(q))
            A.append(np.linalg.norm(q))
            S.append(signs[i])
            Lb.append(labels[i])
        else:
            for j in np.flatnonzero(same):
                D.append(dirs[j])
                A.append(mags[j])
                S.append(signs[j])
                Lb.append(labels[j])
    d = dirs.shape[1] if dirs.ndim == 2 else 0
    return np.array(D).reshape(-1, d), np.array(A), np.array(S), np.array(Lb, dtype=int)


def to_neurons(dirs, mags, signs):
    """Balanced neurons: u = √a · û, α = s √a, so (Xu)₊α = s a (Xû)₊ and ‖u‖ = |α|."""
    r = np.sqrt(mags)
    return dirs * r[:, None], signs * r


def split_blocks(X, Q, signs, floor: float):
    """Nonzero blocks as (unit directions (k, d), magnitudes (k,), signs (k,), their rows).

    A block counts as nonzero when its largest possible contribution to the fit, ‖X q_j‖,
    exceeds ``floor`` (an interior-point method never returns exact zeros).  Not the block's
    norm against the largest: with coordinates of 10³ beside a bias column of ones, a block of
    norm 10⁻¹¹ of the largest still moves margin points by 10⁻⁸."""
    a = np.linalg.norm(Q, axis=1)
    contrib = np.linalg.norm(X @ Q.T, axis=0) if Q.shape[0] else a
    big = np.flatnonzero((contrib > floor) & (a > 0))
    return Q[big] / a[big, None], a[big], np.asarray(signs, dtype=float)[big], big


def recover_network(X, Q, signs, labels=None, *, scale: float = 1.0, value_of=None):
    """Neurons ``(U (m, d), alpha (m,), labels (m,))`` of blocks q_j with signs s_j of (8) (and
    a label each, e.g. its cell): merged, then pruned by Carathéodory to linearly independent
    [hⱼ; 1] (m ≤ n + 1), with the same objective.

    ``scale`` is the size of the targets (‖y‖): a block whose largest possible contribution to
    the fit, ‖X q_j‖, is below 1e-12 · scale is solver noise.  ``value_of(U, alpha)``, when
    given, is the objective: each reduction is kept only when the network is worth no more than
    the blocks themselves + 1e-10 relative (rounding in the null-space updates with nearly
    dependent features, a merge across a cell boundary): else the pruning is redone with a
    fresh null space at every step, then without the merge, and the blocks stay as they are
    when nothing passes."""
    Q = np.asarray(Q, dtype=float).reshape(-1, X.shape[1])
    labels = np.zeros(Q.shape[0], dtype=int) if labels is None else np.asarray(labels, dtype=int)
    raw = split_blocks(X, Q, signs, 1e-12 * max(scale, 1e-300))
    dirs0, mags0, sg0, rows = raw
    lab0 = labels[rows]
    merged = merge_collinear(X, dirs0, mags0, sg0, lab0, fit_tol=1e-9 * scale)

    def pruned(blocks, refresh):
        D, A, S, Lb = blocks
        return D, caratheodory(signed_features(X, D, S), A, refresh=refresh), S, Lb

    tries = [lambda: pruned(merged, False)]
    if value_of is not None:
        tries += [lambda: pruned(merged, True), lambda: pruned((dirs0, mags0, sg0, lab0), False),
                  lambda: pruned((dirs0, mags0, sg0, lab0), True), lambda: merged,
                  lambda: (dirs0, mags0, sg0, lab0)]
        limit = value_of(*to_neurons(dirs0, mags0, sg0))
        limit += 1e-10 * max(abs(limit), 1e-300)
    for attempt in tries:
        D, A, S, Lb = attempt()
        if value_of is None or value_of(*to_neurons(D, A, S)) <= limit:
            break
    keep = A > 0
    U, alpha = to_neurons(D[keep], A[keep], S[keep])
    return U, alpha, Lb[keep]


INDEPENDENCE_TOL = 1e-8   # [hⱼ; ρ] with unit columns is independent when σ_min > this · σ_max


def _columns(X, dirs, signs):
    """[hⱼ; ρ] with hⱼ = sⱼ(Xûⱼ)₊ and ρ the root-mean-square entry of the hⱼ: the penalty row
    weighed like the features, so that the test below does not change when X is scaled."""
    H = signed_features(X, dirs, signs)
    rho = float(np.sqrt(np.mean(H * H))) if H.size else 1.0
    return np.vstack([H, np.full((1, H.shape[1]), rho if rho > 0 else 1.0)])


def dependence(X, U, alpha, tol: float = INDEPENDENCE_TOL):
    """σ_min/σ_max of the columns [hⱼ; ρ] of a network's neurons (:func:`_columns`, hⱼ =
    sign(αⱼ)(Xûⱼ)₊), each scaled to unit length, and the (nearly) null directions δ of the
    unscaled columns, unit rows of an array, smallest singular value first: every right singular
    vector whose σ is at most ``tol`` σ_max (none when the ratio exceeds ``tol``; the ratio is 0, and the first
    directions exactly null, when there are more neurons than n + 1 rows)."""
    norms = np.linalg.norm(U, axis=1)
    M = _columns(X, U / norms[:, None], np.sign(alpha))
    m = M.shape[1]
    cn = np.linalg.norm(M, axis=0)
    Mn = M / cn
    if m <= M.shape[0]:
        # the singular values of the m × m factor R of Mn = QR; vectors only when needed
        R = np.linalg.qr(Mn, mode="r")
        sv = np.linalg.svd(R, compute_uv=False)
        ratio = float(sv[-1] / sv[0])
        if ratio > tol:
            return ratio, np.zeros((0, m))
        _, sv, Vt = np.linalg.svd(R)
        small = Vt[sv <= tol * sv[0]][::-1]
    else:
        _, sv, Vt = np.linalg.svd(Mn, full_matrices=True)
        ratio = 0.0
        small = np.vstack([Vt[sv.size:], Vt[:sv.size][sv <= tol * sv[0]][::-1]])
    delta = small / cn
    return ratio, delta / np.linalg.norm(delta, axis=1, keepdims=True)


def independent_network(X, U, alpha, value_of, *, rtol: float = 1e-9, tol: float = INDEPENDENCE_TOL):
    """The network reduced until its columns [hⱼ; 1] are linearly independent (Carathéodory, as
    in the proof of Theorem 1): ``(U, alpha, kept)``, ``kept`` the indices of the rows left.
    (The row of ones is weighed as :func:`_columns` says; that changes no null space.)

    With magnitudes aⱼ = ‖uⱼ‖|αⱼ| the fit Σ aⱼhⱼ and the penalty β Σ aⱼ are linear in a; along
    a null direction δ of [hⱼ; 1] neither changes, so a steps along ±δ until one aⱼ is 0 and
    that neuron goes.  Independence is judged on unit columns (``tol``: :func:`dependence`);
    a nearly null δ moves the fit by σ_min, so every step is kept only when ``value_of(U,
    alpha)`` (the objective (2)) stays within ``rtol`` (relative) of the network as given, and
    the reduction stops when neither orientation of δ does.  Neurons stay balanced, ‖u‖ = |α|."""
    U = np.asarray(U, dtype=float)
    alpha = np.asarray(alpha, dtype=float)
    kept = np.flatnonzero((np.linalg.norm(U, axis=1) > 0) & (alpha != 0))
    if kept.size == 0:
        return U[kept], alpha[kept], kept
    norms = np.linalg.norm(U[kept], axis=1)
    dirs, signs = U[kept] / norms[:, None], np.sign(alpha[kept])
    a = norms * np.abs(alpha[kept])
    limit = value_of(*to_neurons(dirs, a, signs))
    limit += rtol * max(abs(limit), 1e-300)
    while a.size > 1:
        ratio, deltas = dependence(X, dirs, signs, tol)
        if ratio > tol:
            break
        step = None
        M = _columns(X, dirs, signs)
        # each nearly null direction in turn (when several σ are that small, the one of σ_min is
        # only determined up to rounding), both orientations, not raising Σa first
        for d in (d for delta in deltas for d in sorted((delta, -delta), key=lambda d: d.sum())):
            neg = np.flatnonzero(d < 0)
            if neg.size == 0:
                continue
            r = a[neg] / -d[neg]
            j = neg[np.argmin(r)]
            b = np.maximum(a + r.min() * d, 0.0)
            b[j] = 0.0
            live = b > 0
            if value_of(*to_neurons(dirs[live], b[live], signs[live])) <= limit:
                step = live, b
                break
            # the rest refitted to the same [fit; Σa] by least squares: when the columns are only
            # nearly dependent this undoes most of the step's change, σ_min times the step
            ls = np.linalg.lstsq(M[:, live], M @ a, rcond=None)[0]
            if np.all(ls > 0):
                b = np.zeros_like(b)
                b[live] = ls
                if value_of(*to_neurons(dirs[live], b[live], signs[live])) <= limit:
                    step = live, b
            if step is not None:
                break
        if step is None:
            break
        live, b = step
        dirs, signs, a, kept = dirs[live], signs[live], b[live], kept[live]
    U2, a2 = to_neurons(dirs, a, signs)
    return U2, a2, kept
