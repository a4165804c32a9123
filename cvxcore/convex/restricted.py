"""Program (8) restricted to a working set of blocks, as a small conic program for Clarabel.

Over blocks j = (cell c_j, sign s_j) with facets C_j (K_{c_j} = {u : C_j u ≥ 0}, a handful of
rows for rank ≤ 3 instead of n):

    min  ℓ(z + offset) + β Σ_j t_j
    s.t. z = Σ_j s_j D_j X q_j − offset,   C_j q_j ≥ 0,   ‖q_j‖ ≤ t_j

(the loss's conic form, :mod:`cvxcore.losses`, adds its own variables and cones; squared
loss takes z as the residual).  The multiplier of the fit constraint is the dual point v of
(4) restricted to the working set.

The fit through reference patterns.  The working set's cells cluster round the optimum's
neurons, so blocks are grouped greedily (a block joins a group whose reference pattern is
within ``GROUP_HAMMING`` · n samples in Hamming distance; the reference is then the group's
sample-wise majority) and the fit is written

    Σ_j s_j D_j X q_j = Σ_g D_g X a_g + Σ_j s_j (D_j − D_g) X q_j,   a_g = Σ_{j∈g} s_j q_j,

with d extra variables and d equality rows per group.  D_j − D_g has a few nonzero rows where
D_j has ~n/2, and those columns' cliques among the sample rows are where the KKT system's
LDLᵀ fill goes: its fit rows get ~3.5× sparser (2-D XOR, n = 200).  Logistic loss keeps the
plain form: with the aggregates its exponential-cone solves stall at small β.

The Gram form (squared loss, n ≫ d|S|): the fit eliminated, min ½qᵀFᵀFq − (Fᵀy)ᵀq + βΣt_j
with F = [s_j D_j X]_j: m(d + 1) variables instead of m(d + 1) + n, so each interior-point step
is O((md)³) instead of carrying n fit rows.  It squares F's condition number, so the working-set
solver leaves it once the pricing is within 1e-4 of β.
"""
from __future__ import annotations

import numpy as np

from ..conic import FULL_ITER, ConicProgram
from ..network import blocks_objective

# A block joins a reference pattern within this fraction of n samples (Hamming distance);
# 0.1, 0.15 and 0.25 measured the same at n = 200, within the noise.
GROUP_HAMMING = 0.15


def reference_groups(D: np.ndarray):
    """Reference patterns D_g and the group of each block (−1: none), greedily in block order,
    for the blocks' patterns D (m, n) 0/1."""
    m, n = D.shape
    t = max(2, int(GROUP_HAMMING * n))
    Df = D.astype(np.float32)
    size = Df.sum(axis=1)
    # all Hamming distances at once: |a − b|₁ = |a| + |b| − 2aᵀb (exact in float32 for n < 2²⁴)
    H = size[:, None] + size[None, :] - 2.0 * (Df @ Df.T)
    group = np.full(m, -1)
    first: list[int] = []                                   # the block that opened each group
    for j in range(m):
        if first:
            h = H[j, first]
            g = int(h.argmin())
            if h[g] <= t:
                group[j] = g
                continue
        first.append(j)
        group[j] = len(first) - 1
    sizes = np.bincount(group, minlength=len(first))
    keep = np.flatnonzero(sizes >= 2)            # a lone block keeps its own D_j X
    renum = np.full(len(first), -1)
    renum[keep] = np.arange(keep.size)
    # each reference becomes its group's sample-wise majority (the 0/1 vector nearest the
    # members in total Hamming distance)
    member = np.zeros((len(first), m), dtype=np.float32)
    member[group, np.arange(m)] = 1.0
    counts = member @ Df
    refs = [(2 * counts[g] >= sizes[g]).astype(np.int8) for g in keep]
    return refs, renum[group]


def _triplets(M, col0):
    rr, cc = np.nonzero(M)
    return rr, col0 + cc, M[rr, cc]


def column_scales(X: np.ndarray) -> np.ndarray:
    """c (d,): the root-mean-square of each column of X (1 for a zero column)."""
    c = np.sqrt(np.mean(X * X, axis=0))
    return np.where(c > 0, c, 1.0)


def solve_restricted(X, y, beta, loss, D, signs, cones, *, gram=False, max_iter=FULL_ITER, obj_scale=1.0,
                     group=True):
    """Clarabel on (8) restricted to blocks with patterns D (m, n) bool, signs (m,) and facets
    ``cones`` (list of (k_j, d)): ``(Q (m, d), yhat, v, value, status)``, Q None on failure.

    ``obj_scale`` multiplies the objective (same minimiser; the multipliers are scaled back):
    the hinge dual's accuracy at small β depends on it.

    The program is solved in the variables q̃_j = C q_j with C = diag(c) the columns' sizes
    (:func:`column_scales`): X q_j = (X C⁻¹) q̃_j, C_j q_j = (C_j C⁻¹) q̃_j ≥ 0 and
    ‖q_j‖ = ‖C⁻¹ q̃_j‖ ≤ t_j — the same program, but with coordinates of 10⁻⁴ beside a bias
    column of ones the entries of q_j differ by 10⁴ while the fit needs each to the same
    absolute accuracy; in q̃ they are of one size."""
    col = column_scales(X)
    X = X / col
    cones = [Cj / col for Cj in cones]
    if gram:
        return _unscale(_solve_gram(X, y, beta, loss, D, signs, cones, max_iter=max_iter, col=col), col)
    return _unscale(_solve_plain(X, y, beta, loss, D, signs, cones, max_iter, obj_scale, group, col), col)


def _unscale(out, col):
    Q = out[0]
    return (None if Q is None else Q / col, *out[1:])


def _solve_plain(X, y, beta, loss, D, signs, cones, max_iter, obj_scale, group, col):
    n, d = X.shape
    m = D.shape[0]
    prog = ConicProgram()
    iq = prog.variables(m * d)
    it = prog.variables(m)
    iz = prog.variables(n)
    # the exponential cone's solves stall at small β with the aggregates: plain form for it
    refs, grp = reference_groups(D) if (group and not loss.exp_cone) else ([], np.full(m, -1))
    ia = prog.variables(len(refs) * d)
    # zero cone: z − Σ_g D_g X a_g − Σ_j s_j (D_j − D_{g(j)}) X q_j = −offset, a_g = Σ_{j∈g} s_j q_j
    R, C, V = [np.arange(n)], [iz + np.arange(n)], [np.ones(n)]
    Di = D.astype(np.int8)
    for j in range(m):
        pat = Di[j] - (refs[grp[j]] if grp[j] >= 0 else 0)
        r, c, v = _triplets(X * pat[:, None], iq + j * d)
        R.append(r)
        C.append(c)
        V.append(-signs[j] * v)
    for g, ref in enumerate(refs):
        r, c, v = _triplets(X * ref[:, None], ia + g * d)
        R.append(r)
        C.append(c)
        V.append(-v)
    offset = np.broadcast_to(loss.fit_offset(y), (n,)).astype(float)
    fit = prog.add("zero", np.concatenate(R), np.concatenate(C), np.concatenate(V), -offset)
    if refs:
        member = np.flatnonzero(grp >= 0)
        ng = len(refs)
        R, C, V = [], [], []
        for c in range(d):
            R += [grp[member] * d + c, np.arange(ng) * d + c]
            C += [iq + member * d + c, ia + np.arange(ng) * d + c]
            V += [-signs[member], np.ones(ng)]
        prog.add("zero", np.concatenate(R), np.concatenate(C), np.concatenate(V), np.zeros(ng * d))
    _cones_and_norms(prog, cones, m, d, iq, it, beta, col)
    part = loss.conic(prog, iz, y)
    if loss.exp_cone:
        sol = _solve_exp(prog, lambda x: blocks_objective(X * col, y, beta, loss,
                                                          x[iq:iq + m * d].reshape(m, d) / col, signs),
                         max_iter, obj_scale)
    else:
        sol = prog.solve(scale=obj_scale, max_iter=max_iter)
    if not sol.finite:
        return None, None, None, np.inf, sol.status
    Q = sol.x[iq:iq + m * d].reshape(m, d)
    yhat = sol.x[iz:iz + n] + offset
    v = loss.conic_dual(sol, prog, part, prog.rows(fit), yhat, y)
    value = float(loss.value(yhat, y) + beta * np.linalg.norm(Q / col, axis=1).sum())
    return Q, yhat, v, value, sol.status


def _solve_exp(prog, score, max_iter, base=1.0):
    """The exponential cone sometimes stalls ("InsufficientProgress", see
    :mod:`cvxcore.convex.reference`): tolerances 1e-10, and on a stall the objective is
    rescaled (× 10, × 0.1); the run whose blocks make the best network (``score``, its true
    objective) is kept — a rescaled "Solved" is not more accurate than an unscaled
    "AlmostSolved"."""
    best = None
    for scale in (1.0, 10.0, 0.1):
        sol = prog.solve(scale=base * scale, tol=1e-10, max_iter=max_iter)
        val = score(sol.x) if sol.status in ("Solved", "AlmostSolved") and sol.finite else np.inf
        if best is None or val < best[1]:
            best = (sol, val)
        if sol.status == "Solved" and scale == 1.0:
            break
    return best[0]


def _cones_and_norms(prog, cones, m, d, iq, it, beta, col):
    """C_j q̃_j ≥ 0 (the facets) and ‖C⁻¹q̃_j‖ ≤ t_j (one second-order cone of size d + 1 a
    block), objective β Σ t_j."""
    R, C, V, r0 = [], [], [], 0
    for j, Cj in enumerate(cones):
        r, c, v = _triplets(Cj, iq + j * d)
        R.append(r0 + r)
        C.append(c)
        V.append(-v)
        r0 += Cj.shape[0]
    if r0:
        prog.add("nonneg", np.concatenate(R), np.concatenate(C), np.concatenate(V), np.zeros(r0))
    k = d + 1
    cols = np.concatenate([it + np.arange(m)[:, None], iq + np.arange(m)[:, None] * d + np.arange(d)], axis=1)
    vals = -np.concatenate([np.ones((m, 1)), np.broadcast_to(1.0 / col, (m, d))], axis=1)
    prog.add("soc", np.arange(m * k), cols.ravel(), vals.ravel(), np.zeros(m * k), sizes=[k] * m)
    prog.linear(it + np.arange(m), beta)


def _solve_gram(X, y, beta, loss, D, signs, cones, max_iter=FULL_ITER, col=None):
    """Squared loss with the fit eliminated (module docstring); v = y − Fq."""
    n, d = X.shape
    m = D.shape[0]
    F = np.empty((n, m * d))
    for j in range(m):
        F[:, j * d:(j + 1) * d] = signs[j] * X * D[j][:, None]
    prog = ConicProgram()
    iq = prog.variables(m * d)
    it = prog.variables(m)
    col = np.ones(d) if col is None else col
    _cones_and_norms(prog, cones, m, d, iq, it, beta, col)
    prog.linear(iq + np.arange(m * d), -(F.T @ y))
    prog.quadratic_block(iq, F.T @ F)
    sol = prog.solve(max_iter=max_iter)
    if not sol.finite:
        return None, None, None, np.inf, sol.status
    Q = sol.x[iq:iq + m * d].reshape(m, d)
    yhat = F @ sol.x[iq:iq + m * d]
    value = float(0.5 * (yhat - y) @ (yhat - y) + beta * np.linalg.norm(Q / col, axis=1).sum())
    return Q, yhat, y - yhat, value, sol.status


def blocks_value(X, y, beta, loss, Q, signs) -> float:
    """The true objective of the network the blocks define (ranks retries of a stalled solve)."""
    return blocks_objective(X, y, beta, loss, Q, signs)
