"""A first phase of the working set for squared loss: column generation over neuron directions.

Program (8) with the direction of each block fixed, q_j = a_j u_j (u_j ∈ K_{c_j}, ‖u_j‖ = 1,
a_j ≥ 0), is a non-negative lasso over the ReLU features h_j = s_j D_{c_j} X u_j = s_j (X u_j)₊:

    min_{a ≥ 0}  ½‖H a − y‖² + β Σ_j a_j,        H = [h_1 … h_k],

an inner approximation of (8): every a is a network (neurons (√a_j u_j, s_j √a_j)), its value an
upper bound on p*.  Its residual v = y − H a is priced exactly over all P cells, as in the working
set (:meth:`cvxcore.arrangement.CellSet.price`), which gives a certified lower bound D(s·v) and, in
each violated cell, the direction u = argmax_{u ∈ K_c, ‖u‖ = 1} ±vᵀ(Xu)₊ that enters next (the
atoms of a fully corrective Frank–Wolfe method on (8)).  The lasso over k atoms has k variables
and no cones, and from one round to the next it changes by the atoms added, so it is solved by a
primal active-set method (Lawson & Hanson's, for ½aᵀGa + cᵀa over a ≥ 0, G = HᵀH, c = β1 − Hᵀy)
started from the previous round's solution, with the Cholesky factor of G on the free set grown
one column at a time.

The phase stops when the certified relative gap (upper − lower)/upper is at most
``PHASE1_GAP``: the cells of the atoms in use are then nearly the optimum's support, and they seed
the exact loop (:mod:`cvxcore.convex.workingset`), which needs a few rounds instead of a dozen
cold ones; its restricted solves and the exact pricing still decide what is optimal.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.linalg import cholesky, solve_triangular

from ..arrangement import CellSet, kernels
from ..losses import Loss
from .protocol import blocks_network

PHASE1_GAP = 1e-2        # certified relative gap at which the first phase hands over
PHASE1_MAX_ROUNDS = 40
PHASE1_MIN_N = 150       # below this n the exact loop alone is as fast
LASSO_TOL = 1e-4         # the lasso's optimality: every gradient entry ≥ −LASSO_TOL·β (a seed's accuracy)


@dataclass
class Phase1:
    """What the first phase hands to the exact loop: the blocks (cell, ±1) of its atoms in use,
    the last priced dual point ``v`` with its max pricing/β ``ratio``, the best certified lower
    bound, the lasso's value, rounds and seconds (lasso, pricing)."""
    blocks: list[tuple[int, int]]
    v: np.ndarray
    ratio: float
    lower: float
    upper: float
    rounds: int
    stopped: bool = False
    info: dict[str, Any] = field(default_factory=dict)
    atoms: list[tuple[int, int]] = field(default_factory=list)    # (cell, ±1) of each atom in use
    Q: np.ndarray | None = None      # (k, d) their blocks a_j u_j: the lasso's network
    best_dual: np.ndarray | None = None   # the dual point of ``lower`` (scaled feasible)
    priced: Any = None               # the last pricing (of ``v``)


def nonneg_lasso(G: np.ndarray, c: np.ndarray, a: np.ndarray, tol: float, max_iter: int | None = None,
                 start: tuple[list[int], np.ndarray] | None = None, ridge: float | None = None,
                 ) -> tuple[np.ndarray, list[int], np.ndarray]:
    """argmin ½aᵀGa + cᵀa over a ≥ 0 (G symmetric PSD), by a primal active set from ``a`` ≥ 0.

    Optimality: g = Ga + c is 0 on the free set F = {a_j > 0} and ≥ −``tol`` off it.  Each
    step frees the most negative g_j, solves G_FF a_F = −c_F and, when that leaves some a_j ≤ 0,
    moves only as far as the first one reaches 0 and fixes it there (Lawson–Hanson).  A column
    that is (numerically) a combination of the free ones is not freed: the lasso optimum need
    not be unique, and one of its optima is enough here.

    ``start``: the free set and its lower Cholesky factor (of G_FF + ridge) from a previous
    call, carried over instead of factoring again.  Returns ``(a, F, L)``."""
    k = c.size
    a = np.where(a > 0, a, 0.0).astype(float)
    diag = np.maximum(np.diag(G), 1e-300)
    ridge = 1e-12 * float(diag.max(initial=1.0)) if ridge is None else ridge
    banned = np.zeros(k, dtype=bool)
    if start is not None:
        F, L = list(start[0]), start[1]
    else:
        F = [int(j) for j in np.flatnonzero(a > 0)]
        L = _factor(G, F, ridge)
    max_iter = max_iter or 10 * k + 100
    need_solve = bool(F)
    for _ in range(max_iter):
        if need_solve:
            F, L = _settle(G, c, a, F, L, ridge)
        g = G @ a + c
        g[F] = 0.0
        g[banned] = 0.0
        j = int(np.argmin(g))
        if g[j] >= -tol:
            break
        # append column j to the factor of G_FF (+ ridge): [L 0; lᵀ δ]
        lj, d2 = _column(G, F, L, j, ridge)
        if d2 <= 1e-10 * diag[j]:
            # h_j = H_F w: along e_j − w the fit stays and the objective falls by |g_j| a unit;
            # go until a free variable reaches 0, swap it for j (Lawson–Hanson's degenerate step)
            w = solve_triangular(L, solve_triangular(L, G[F, j], lower=True, check_finite=False),
                                 lower=True, trans="T", check_finite=False)
            pos = np.flatnonzero(w > 1e-12 * max(float(np.abs(w).max(initial=0.0)), 1e-300))
            if pos.size == 0:
                banned[j] = True
                need_solve = False
                continue
            idx = np.asarray(F)
            ratios = a[idx[pos]] / w[pos]
            p = int(pos[np.argmin(ratios)])
            t = float(ratios.min())
            a[idx] = np.maximum(a[idx] - t * w, 0.0)
            a[idx[p]] = 0.0
            a[j] = t
            L = _delete(L, p)
            F = F[:p] + F[p + 1:]
            lj, d2 = _column(G, F, L, j, ridge)
            if d2 <= 1e-10 * diag[j]:      # not expected: j now replaces F's column p
                a[j] = 0.0
                banned[j] = True
                need_solve = True
                continue
        Ln = np.zeros((len(F) + 1, len(F) + 1))
        Ln[:-1, :-1] = L
        Ln[-1, :-1] = lj
        Ln[-1, -1] = np.sqrt(d2)
        F, L = F + [j], Ln
        need_solve = True
    if need_solve:
        F, L = _settle(G, c, a, F, L, ridge)
    return a, F, L


def _column(G: np.ndarray, F: list[int], L: np.ndarray, j: int, ridge: float) -> tuple[np.ndarray, float]:
    """The new row (lᵀ, δ²) of the factor when column j joins the free set F."""
    if not F:
        return np.zeros(0), float(G[j, j] + ridge)
    lj = solve_triangular(L, G[F, j], lower=True, check_finite=False)
    return lj, float(G[j, j] + ridge - lj @ lj)


def _factor(G: np.ndarray, F: list[int], ridge: float) -> np.ndarray:
    if not F:
        return np.zeros((0, 0))
    idx = np.asarray(F)
    return cholesky(G[np.ix_(idx, idx)] + ridge * np.eye(len(F)), lower=True, check_finite=False)


def _delete(L: np.ndarray, p: int) -> np.ndarray:
    """The Cholesky factor of A without row and column p, from A's lower factor L: the rows
    below p keep their leading part, and their trailing block absorbs the removed column by a
    rank-one update (Givens rotations, O(m²), no refactorisation)."""
    x = L[p + 1:, p].copy()
    T = L[p + 1:, p + 1:].copy()
    if kernels.AVAILABLE:
        kernels.absorb_column(T, x)
    else:
        for k in range(T.shape[0]):
            r = float(np.hypot(T[k, k], x[k]))
            cs, sn = r / T[k, k], x[k] / T[k, k]
            T[k, k] = r
            T[k + 1:, k] = (T[k + 1:, k] + sn * x[k + 1:]) / cs
            x[k + 1:] = cs * x[k + 1:] - sn * T[k + 1:, k]
    keep = np.r_[0:p, p + 1:L.shape[0]]
    out = L[np.ix_(keep, keep)]
    out[p:, p:] = T
    return out


def _settle(G, c, a, F, L, ridge):
    """a_F ← the minimiser on the free set, keeping a ≥ 0 (the inner loop of Lawson–Hanson):
    ``(F, L)`` after the variables that reached 0 were fixed."""
    while F:
        idx = np.asarray(F)
        w = solve_triangular(L, -c[idx], lower=True, check_finite=False)
        z = solve_triangular(L, w, lower=True, trans="T", check_finite=False)
        if np.all(z > 0):
            a[idx] = z
            return F, L
        cur = a[idx]
        neg = z <= 0
        ratios = np.where(neg, cur / np.maximum(cur - z, 1e-300), np.inf)
        first = int(np.argmin(ratios))
        t = float(ratios[first])
        new = cur + t * (z - cur)
        hit = neg & (new <= 1e-14 * max(float(cur.max(initial=0.0)), 1e-300))
        hit[first] = True
        a[idx] = np.where(hit, 0.0, new)
        for p in np.flatnonzero(hit)[::-1]:
            L = _delete(L, int(p))
        F = [j for j, h in zip(F, hit) if not h]
    return F, L


def first_phase(X: np.ndarray, y: np.ndarray, beta: float, loss: Loss, cells: CellSet, *, tol: float,
                price: Callable[[np.ndarray], Any], new_blocks: Callable[[Any], list[tuple[int, int]]],
                callback: Callable[[dict[str, Any]], bool] | None = None, t0: float | None = None,
                gap: float = PHASE1_GAP, max_rounds: int = PHASE1_MAX_ROUNDS) -> Phase1:
    """Column generation over directions (module docstring), squared loss only.

    ``price(v)`` is the working set's exact pricing (a ``Pricing``), ``new_blocks(priced)`` its
    choice of violated blocks; ``callback`` as in the working set (True stops)."""
    t0 = time.perf_counter() if t0 is None else t0
    n, d = X.shape
    H = np.zeros((n, 0))
    atoms: list[tuple[int, int]] = []
    dirs = np.zeros((0, d))
    a = np.zeros(0)
    G = np.zeros((0, 0))
    free: tuple[list[int], np.ndarray] = ([], np.zeros((0, 0)))
    ridge = 1e-12 * float(np.sum(X * X))      # ≥ 1e-12 ‖h‖² for every feature h
    v = loss.zero_dual(y)
    best_lower, upper, ratio = -np.inf, float(loss.value(np.zeros(n), y)), np.inf
    best_dual = priced = None
    t_lasso = t_price = 0.0
    stopped = False
    rnd = 0
    for rnd in range(1, max_rounds + 1):
        tp = time.perf_counter()
        priced = price(v)
        t_price += time.perf_counter() - tp
        ratio = priced.ratio
        scaled = loss.best_dual_scale(v, y, 1.0 / max(ratio, 1e-300)) * v
        lower = loss.dual_value(scaled, y)
        if lower > best_lower:
            best_lower, best_dual = lower, scaled
        rel = (upper - best_lower) / max(abs(upper), 1e-300)
        if callback is not None and callback(
                {"round": rnd, "phase": 1, "upper_bound": float(upper), "lower_bound": float(best_lower),
                 "gap": float(rel), "blocks": int(np.count_nonzero(a)), "working_set": len(atoms),
                 "seconds": time.perf_counter() - t0,
                 "network": blocks_network(a[:, None] * dirs, np.array([sg for _, sg in atoms], dtype=float))}):
            stopped = True
            break
        if rel <= gap or priced.clean(tol):
            break
        new = new_blocks(priced)
        new_cells = np.array([c for c, _ in new], dtype=int)
        new_signs = np.array([sg for _, sg in new], dtype=float)
        U_new = cells.argmaxes(v, new_cells, new_signs)
        ok = np.linalg.norm(U_new, axis=1) > 0
        new_cells, new_signs, U_new = new_cells[ok], new_signs[ok], U_new[ok]
        # h = s D_c X u: the block column of (8) (u ∈ K_c, so D_c X u = (X u)₊)
        Hn = new_signs * cells.patterns(new_cells).T * (X @ U_new.T)
        keep_new = [(int(c), int(sg)) for c, sg in zip(new_cells, new_signs)]
        if not keep_new:
            break
        tl = time.perf_counter()
        live = a > 0                     # atoms out of use leave; a priced cell brings them back
        H_live = H[:, live]
        G_live = G[np.ix_(live, live)]
        cross = H_live.T @ Hn
        G = np.block([[G_live, cross], [cross.T, Hn.T @ Hn]])
        H = np.hstack([H_live, Hn])
        atoms = [b for b, keep in zip(atoms, live) if keep] + keep_new
        dirs = np.vstack([dirs[live], U_new])
        a = np.concatenate([a[live], np.zeros(len(keep_new))])
        renum = np.cumsum(live) - 1          # the free atoms are live: their new indices
        c_lin = beta - H.T @ y
        a, F, L = nonneg_lasso(G, c_lin, a, tol=LASSO_TOL * beta, start=([int(renum[j]) for j in free[0]], free[1]),
                               ridge=ridge)
        free = (F, L)
        fit = H @ a
        v = y - fit
        upper = float(0.5 * v @ v + beta * a.sum())
        t_lasso += time.perf_counter() - tl
    use = a > 0
    blocks = list(dict.fromkeys(b for b, u in zip(atoms, use) if u))
    return Phase1(blocks, v, float(ratio), float(best_lower), float(upper), rnd, stopped,
                  atoms=[b for b, u in zip(atoms, use) if u], Q=a[use, None] * dirs[use], best_dual=best_dual,
                  priced=priced,
                  info=dict(phase1_rounds=rnd, phase1_atoms=int(np.count_nonzero(a)), phase1_blocks=len(blocks),
                       phase1_lasso_seconds=t_lasso, phase1_pricing_seconds=t_price,
                       phase1_gap=float((upper - best_lower) / max(abs(upper), 1e-300))))
