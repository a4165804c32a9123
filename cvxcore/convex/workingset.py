"""The fast exact solver of (8): column generation with exact pricing.

Program (8) over cells D_1 … D_P,

    min_{v_i, w_i}  ℓ( Σ_i D_i X (v_i − w_i), y ) + β Σ_i (‖v_i‖ + ‖w_i‖)
    s.t.            (2D_i − I) X v_i ≥ 0,  (2D_i − I) X w_i ≥ 0,

has 2P blocks but an optimum with at most n + 1 nonzero ones (m* ≤ n + 1, Carathéodory).  Its
dual (4) is

    max_v  −ℓ*(−v)   s.t.  ‖Π_{K_i}(±Xᵀ D_i v)‖ ≤ β   for every i,

one constraint per block (docs/theory.md §2).  That is the setting of column generation
(Dantzig–Wolfe; for group-sparse problems the "working set" strategy, e.g. Bach, Jenatton,
Mairal & Obozinski, *Optimization with sparsity-inducing penalties*, FTML 2012, §6.2):

1. Solve (8) restricted to a working set S of blocks (i, ±) (:mod:`cvxcore.convex.restricted`):
   |S| second-order cones, and per block only its cell's facets.  Its dual point v is optimal
   for the dual restricted to S.
2. Price every cell exactly (:meth:`cvxcore.arrangement.CellSet.price`).  If no value exceeds
   β(1 + tol), v is feasible for the full dual to that factor, so the restricted optimum is
   within a relative tol of the optimum of (8) (v/(1 + tol) is feasible).
3. Otherwise add the most violated blocks among the local maxima of the pricing over the cell
   adjacency graph (one block per peak of u ↦ ±vᵀ(Xu)₊: neighbouring cells give nearly the same
   column, and adding them wastes rounds), at most max(20, n) a round; drop blocks that are
   zero and priced below β(1 − 1e-3); repeat.  Each restricted value is an upper bound, each
   priced v (scaled into the feasible set) a lower bound.

Accuracy and cost.  While the pricing is far from clean (max/β > ``EARLY_RATIO``) the
restricted solve stops after ``EARLY_ITER`` interior-point iterations: those programs are the
badly conditioned ones (their primal residual stalls near 1e-7) and a rough dual prices as
well; a capped solve is never the last one (a round that prices clean or adds nothing after it
is solved again to convergence).  When every violated block is already in S (the restricted
solve's own accuracy, ~1e-7 relative at β = 1e-3) the loop stops as "stalled" and the
certificate decides; before that, as the restricted dual is only ~1e-6 accurate at small β for
hinge and logistic loss and its accuracy moves with the objective's scale, the same blocks are
solved again with the objective × 10 and × 100.

Warm start (``warm=``): a previous :class:`cvxcore.ConvexResult`, e.g. after one β step or one
added point, brings the support of its restricted optimum (the interior-point solution is the
centre of the optimal face: every block some optimum uses), found among the new cells by its
patterns — on the samples both data sets share when points were appended (an appended point
splits a cell in two; both halves are seeded).  Otherwise (a pair (U, alpha), or a result for
more samples, as after an undo) each neuron seeds the cell containing it and the cells
touching it.
"""
from __future__ import annotations

import time
from itertools import product
from typing import Any

import numpy as np

from ..conic import FULL_ITER
from .restricted import solve_restricted
from .solver import SolverOutput

OPTIONS = frozenset({"warm", "tol", "max_rounds", "add_per_round", "diverse", "gram", "verbose", "callback"})
DEFAULT_TOL = 1e-7
EARLY_ITER = 40
EARLY_RATIO = 1.5
GRAM_N = 300        # above this n, squared loss may use the Gram form (when n > 3·d·|S|)


def check_options(options) -> None:
    """``ValueError`` for out-of-range options (names are checked by the solver table)."""
    tol = options.get("tol", DEFAULT_TOL)
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) or not 0 < tol < 1e-2:
        raise ValueError(f"tol={tol!r} must be a number in (0, 1e-2); the default is {DEFAULT_TOL:g}.")
    mr = options.get("max_rounds", 100)
    if isinstance(mr, bool) or not isinstance(mr, (int, np.integer)) or mr < 1:
        raise ValueError(f"max_rounds={mr!r} must be a whole number ≥ 1 (default 100).")
    for flag in ("gram", "diverse", "verbose"):
        if flag in options and not isinstance(options[flag], (bool, np.bool_)):
            raise ValueError(f"{flag}={options[flag]!r} must be True or False.")
    k = options.get("add_per_round")
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
        raise ValueError(f"add_per_round={k!r} must be a whole number ≥ 1 (or None for automatic).")
    cb = options.get("callback")
    if cb is not None and not callable(cb):
        raise ValueError(f"callback={cb!r} is not callable; pass a function info -> bool (True stops).")


# -- warm start ------------------------------------------------------------------------------------
def _neighbourhood(cells, U, X):
    """For each direction u: the cell containing it and the cells touching it (u nudged along a
    few fixed directions, as u may lie on hyperplanes), as a list of cell arrays."""
    rng = np.random.default_rng(7)
    nudges = rng.standard_normal((8, X.shape[1]))
    out = []
    for u in U:
        scale = 1e-7 * max(np.linalg.norm(u), 1e-300)
        cand = cells.cell_of(np.vstack([u, u + scale * nudges / np.linalg.norm(nudges, axis=1, keepdims=True)]))
        out.append(np.unique(cand[cand >= 0]))
    return out


def warm_blocks(X, cells, warm):
    """Blocks (cell, ±1) seeded by a previous solution (module docstring)."""
    if warm is None:
        return []
    U, alpha = (warm.U, warm.alpha) if hasattr(warm, "U") else warm
    U, alpha = np.atleast_2d(np.asarray(U, float)), np.asarray(alpha, float).reshape(-1)
    if U.size == 0:
        return []
    if U.ndim != 2 or U.shape[1] != X.shape[1] or alpha.shape[0] != U.shape[0]:
        raise ValueError(f"warm start has neurons of shape {U.shape} and weights {alpha.shape}; they must be "
                         f"(m, {X.shape[1]}) and (m,) for this X (pass the previous ConvexResult).")
    info = getattr(warm, "info", None) or {}
    support = info.get("support_patterns")
    n = X.shape[0]
    out = []
    if support is not None and len(support) and support.shape[1] <= n and n - support.shape[1] <= 3:
        signs = info["support_signs"]
        extra = n - support.shape[1]
        for tail in product((False, True), repeat=extra):
            full = np.hstack([support, np.broadcast_to(np.array(tail, bool), (support.shape[0], extra))])
            hit = cells.lookup(full)
            out += [(int(c), int(s)) for c, s in zip(hit, signs) if c >= 0]
    else:
        for cs, a in zip(_neighbourhood(cells, U, X), alpha):
            out += [(int(c), 1 if a > 0 else -1) for c in cs]
    nonzero = cells.nonzero()
    return [b for b in dict.fromkeys(out) if nonzero[b[0]]]


# -- the solver ------------------------------------------------------------------------------------
def _restricted(X, y, beta, loss, cells, blocks, cones, **kw):
    for c, _ in blocks:
        if c not in cones:
            cones[c] = cells.facets(c)
    idx = np.array([c for c, _ in blocks])
    D = cells.patterns(idx)
    signs = np.array([s for _, s in blocks], dtype=float)
    return solve_restricted(X, y, beta, loss, D, signs, [cones[c] for c, _ in blocks], **kw)


def solve_working_set(X, y, beta, loss, cells, *, warm=None, tol=DEFAULT_TOL, max_rounds=100,
                      add_per_round=None, diverse=True, gram=True, verbose=False, callback=None) -> SolverOutput:
    """(8) over ``cells`` by column generation with exact pricing (module docstring).

    ``callback(info) -> bool``, when given, is called after each round that does not finish
    the solve with ``round``, ``upper_bound`` (the restricted value), ``lower_bound`` (the best
    certified dual value so far), ``working_set`` and ``seconds``; returning True stops it
    (status "stopped by the caller").  ``info`` of the output: rounds, working-set sizes,
    pricing/solve seconds, warm-start blocks, the lower bounds, the final max pricing/β, and
    the restricted optimum's support (``support_patterns``, ``support_signs``) for a warm start.
    """
    t0 = time.perf_counter()
    tol = float(tol)
    n, d = X.shape
    P = cells.n_cells
    K = int(add_per_round or max(20, n))
    nonzero = cells.nonzero()
    info: dict[str, Any] = dict(rounds=0, working_set=[], added=[], pricing_seconds=0.0, solve_seconds=0.0,
                warm_blocks=0, lower_bounds=[])
    blocks = warm_blocks(X, cells, warm)
    info["warm_blocks"] = len(blocks)
    info["setup_seconds"] = time.perf_counter() - t0
    cones: dict[int, Any] = {}
    status, value, v, Q = "not started", np.inf, loss.zero_dual(y), np.zeros((0, d))
    ratio = np.inf
    solved, best_lower = [], -np.inf
    gram = loss.quadratic and n > GRAM_N and gram
    accurate = full = capped = False
    obj_scale = 1.0
    for rnd in range(max_rounds):
        info["rounds"] = rnd + 1
        if blocks:
            ts = time.perf_counter()
            cap = EARLY_ITER if ratio > EARLY_RATIO and not full else FULL_ITER
            Q_, _, v_, value_, st = _restricted(X, y, beta, loss, cells, blocks, cones,
                                                gram=gram and not accurate and n > 3 * d * len(blocks),
                                                max_iter=cap, obj_scale=obj_scale)
            info["solve_seconds"] += time.perf_counter() - ts
            if Q_ is None:
                status = f"restricted solve failed ({st})"
                break
            Q, v, value = Q_, v_, value_
            solved = list(blocks)
            capped = cap < FULL_ITER and st != "Solved"
            info["capped"] = info.get("capped", 0) + capped
        else:
            Q, solved = np.zeros((0, d)), []
            v = loss.zero_dual(y)
            value = float(loss.value(np.zeros(n), y))
        info["working_set"].append(len(blocks))
        tp = time.perf_counter()
        # exact wherever it matters: below β(1 + tol) the bound ‖g‖ is kept on purpose — the
        # drop rule keeps a block whose ‖g‖ is near β, and dropping such blocks on their exact
        # (smaller) value made logistic runs cycle
        plus, minus = cells.price(v, beta * (1 + tol))
        plus[~nonzero] = 0.0
        minus[~nonzero] = 0.0
        info["pricing_seconds"] += time.perf_counter() - tp
        ratio = max(plus.max(initial=0.0), minus.max(initial=0.0)) / beta
        if verbose:
            print(f"round {rnd}: |S| = {len(blocks)}, value {value:.10g}, max pricing/β = {ratio:.3e}")
        if ratio <= 1 + tol:
            if capped:              # priced clean after a capped solve: solve it to convergence
                full = True
                continue
            status = "optimal"
            break
        lower = loss.dual_value(loss.best_dual_scale(v, y, 1.0 / ratio) * v, y)
        best_lower = max(best_lower, lower)
        info["lower_bounds"].append(float(best_lower))
        if callback is not None and callback({"round": rnd + 1, "upper_bound": float(value),
                                              "lower_bound": float(best_lower), "working_set": len(blocks),
                                              "seconds": time.perf_counter() - t0}):
            status = "stopped by the caller"
            break
        inset = set(blocks)
        sel_plus, sel_minus = plus, minus
        if diverse:
            # one block per peak of u ↦ ±vᵀ(Xu)₊: neighbours of the best cell are nearly the same column
            sel_plus = np.where(cells.local_maxima(plus), plus, 0.0)
            sel_minus = np.where(cells.local_maxima(minus), minus, 0.0)
        cand = np.concatenate([sel_plus, sel_minus])
        if not any((int(c % P), 1 if c < P else -1) not in inset
                   for c in np.flatnonzero(cand > beta * (1 + tol))[:1000]):
            cand = np.concatenate([plus, minus])      # every peak is in S: take any violated cell
        new: list[tuple[int, int]] = []
        for c in np.argsort(-cand):
            if cand[c] <= beta * (1 + tol) or len(new) >= K:
                break
            b = (int(c % P), 1 if c < P else -1)
            if b not in inset:
                new.append(b)
        if gram and not accurate and (not new or ratio <= 1 + 1e-4):
            # near the end the Gram form's accuracy (it squares F's condition number) is not
            # enough to price at tol: solve in the form with the fit variable from now on
            accurate = True
            info["accurate_from_round"] = rnd + 1
            if not new:
                continue
        if not new:
            if capped:              # nothing new to add after a capped solve: converge it first
                full = True
                continue
            if obj_scale < 100.0:
                # the restricted dual is only as accurate as the interior-point solve, ~1e-6 at
                # small β for hinge and logistic loss, and its accuracy moves with the
                # objective's scale: solve the same blocks again at × 10 (twice)
                obj_scale *= 10.0
                full = True
                info["rescaled"] = obj_scale
                continue
            status = f"stalled: pricing max/β = {ratio:.3e} but every violated block is in the working set"
            break
        # drop zero blocks whose dual constraint is slack (they can re-enter when priced again)
        if blocks:
            norms = np.linalg.norm(Q, axis=1)
            big = norms.max(initial=0.0)
            blocks = [(c, s) for (c, s), nq in zip(blocks, norms)
                      if nq > 1e-9 * big or (plus[c] if s > 0 else minus[c]) > beta * (1 - 1e-3)]
        blocks = blocks + new
        info["added"].append(len(new))
    else:
        status = f"iteration budget reached ({max_rounds} rounds; pricing max/β = {ratio:.3e})"
    cells_out = np.array([c for c, _ in solved], dtype=int)
    signs_out = np.array([s for _, s in solved], dtype=float)
    norms = np.linalg.norm(Q, axis=1) if len(solved) else np.zeros(0)
    live = norms > 1e-9 * norms.max(initial=0.0)
    info["support_patterns"] = cells.patterns(cells_out[live]) if live.any() else np.zeros((0, n), bool)
    info["support_signs"] = signs_out[live]
    info["max_pricing_over_beta"] = float(ratio)
    info["seconds"] = time.perf_counter() - t0
    return SolverOutput(cells_out, signs_out, Q, float(value), status, v, info)


def resolve_support(X, y, beta, loss, cells, block_cells, block_signs) -> SolverOutput:
    """(8) restricted to the given blocks, solved to convergence: the working set's
    re-optimisation on a support (the minimal network)."""
    blocks = list(dict.fromkeys(zip(map(int, block_cells), map(int, block_signs))))
    if not blocks:
        n = X.shape[0]
        return SolverOutput(np.zeros(0, int), np.zeros(0), np.zeros((0, X.shape[1])),
                            float(loss.value(np.zeros(n), y)), "optimal", loss.zero_dual(y), {})
    Q, _, v, value, st = _restricted(X, y, beta, loss, cells, blocks, {})
    if Q is None:
        return SolverOutput(np.zeros(0, int), np.zeros(0), np.zeros((0, X.shape[1])), np.inf, st, v, {})
    return SolverOutput(np.array([c for c, _ in blocks]), np.array([s for _, s in blocks], float), Q, value, st, v, {})
