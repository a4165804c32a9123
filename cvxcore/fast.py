"""A fast exact solver for (8): column generation with exact pricing.

Program (8) over patterns D_1 … D_P,

    min_{v_i, w_i}  ℓ( Σ_i D_i X (v_i − w_i), y ) + β Σ_i (‖v_i‖ + ‖w_i‖)
    s.t.            (2D_i − I) X v_i ≥ 0,  (2D_i − I) X w_i ≥ 0,

has 2P blocks but an optimum with at most n + 1 nonzero ones (m* ≤ n + 1,
Carathéodory).  Its dual (4) is

    max_v  −ℓ*(−v)   s.t.  ‖Π_{K_i}(±Xᵀ D_i v)‖ ≤ β   for every i,

one constraint per block, K_i = {u : (2D_i − I) X u ≥ 0} (MATH.md §2).  That is
the setting of column generation (Dantzig–Wolfe; for group-sparse problems
the "working set" / active-set strategy, e.g. Bach, Jenatton, Mairal &
Obozinski, *Optimization with sparsity-inducing penalties*, FTML 2012, §6.2):

1. Solve (8) restricted to a working set S of blocks (i, ±) with Clarabel —
   a small SOCP: |S| second-order cones, and for each block only its cell's
   facet-defining rows (a handful for rank ≤ 3, :mod:`cvxcore.pricing`)
   instead of all n.  Its dual point v (squared loss: the multiplier of
   z = Σ_j s_j D_j X q_j, i.e. y − ŷ at the optimum; hinge: the multipliers μ
   of ξ ≥ 1 − y∘ŷ, v = y∘μ; logistic: the multiplier of the fit again, −∇ℓ(ŷ) =
   y∘σ(−y∘ŷ), kept in the dual domain vᵢyᵢ ∈ [0, 1]) is optimal for the dual restricted
   to S.  Logistic loss enters through Clarabel's exponential cone
   K_exp = cl{(x, y, w) : y e^{x/y} ≤ w}: log(1 + e^{a}) ≤ s ⇔ e^{−s} + e^{a−s} ≤ 1 ⇔
   u₁ + u₂ ≤ 1 with (−s, 1, u₁), (a − s, 1, u₂) ∈ K_exp, a = −yᵢzᵢ; when Clarabel stalls on
   it the objective is rescaled (×10, ×0.1) and the run whose blocks make the best
   network is kept.  For
   squared loss, n > 300 and n > 3d|S| the fit is eliminated (Gram form FᵀF,
   m(d + 1) variables instead of m(d + 1) + n) until the pricing is within 1e-4 of β,
   then the more accurate form above takes over.  The fit is written through reference
   patterns: the working set's cells cluster round the optimum's neurons, so blocks are
   grouped greedily (a block joins a group whose reference is within 0.15 n samples in
   Hamming distance; the reference is then the group's sample-wise majority) and
   Σ_j s_j D_j X q_j = Σ_g D_g X a_g + Σ_j s_j (D_j − D_g) X q_j with a_g = Σ_{j∈g} s_j q_j
   as d extra variables per group.  D_j − D_g has a few nonzero rows where D_j has ~n/2, so
   the KKT system's fit rows are ~3.5× sparser (xor n = 200: 130k → 38k nonzeros) and an
   interior-point iteration ~3× cheaper (27 Nov: xor n = 200, β = 1e-3, 11.7 → 4.7 s).
   Logistic loss keeps the plain form (its exponential-cone solves lost certification at
   β = 1e-3 with the aggregates).
2. Price every pattern exactly: ‖Π_{K_i}(±g_i)‖ with g_i = Xᵀ D_i v (the
   g_i of all cells in O(Pd) by walking a spanning tree of the cells).  If no
   value exceeds β(1 + tol), v is feasible for the full dual to that factor,
   so the restricted optimum is within a relative tol of the optimum of (8)
   (scaling v by 1/(1 + tol) makes it feasible).
3. Otherwise add the most violated blocks among the local maxima of the
   pricing over the cell adjacency graph (one block per peak of u ↦
   ±vᵀ(Xu)₊: neighbouring cells give nearly the same column, and adding
   them wastes rounds), at most max(20, n) a round; drop blocks that are
   zero and priced below β(1 − 1e-3); repeat.  Each restricted value is an
   upper bound, each priced v (scaled into the feasible set) a lower bound.
   When every violated block is already in S (the restricted solve's own
   accuracy, ~1e-7 relative at β = 1e-3) the loop stops as "stalled" and the
   certificate decides; for hinge loss, whose restricted dual is only ~1e-6 accurate at
   β = 1e-3 and moves with the objective's scale, the same blocks are first solved again
   with the objective ×10 and ×100 (xor n = 100 and ring n = 200 at β = 1e-3 then certify).
   While the pricing is far from clean (max/β > EARLY_RATIO) the restricted solve stops
   after EARLY_ITER interior-point iterations: those programs are the badly conditioned
   ones (their primal residual stalls near 1e-7) and a rough dual prices as well.  A capped solve is never the last one:
   a round that prices clean or adds nothing after it is re-solved to convergence.
4. Return a basic solution: Carathéodory on the blocks (≤ n + 1 of them, the
   same value), so that recovery has nothing left to prune.

Warm start (``warm=``): a previous solution, e.g. after one β step or one added point.  A
ConvexResult for the same or fewer samples brings the support of its restricted optimum
before Carathéodory (``info["final_working_set"]``: the interior-point solution is the centre
of the optimal face, so this is every block some optimum uses), matched on the first n_old
samples (an appended point splits a cell in two; both halves are seeded).  Otherwise (a pair
(U, alpha), or a result for more samples, as after an undo) each neuron u seeds the block of
the cell containing it (all cells touching it when it lies on hyperplanes), with the sign
of its α.

Squared loss is solved in the residual r = ŷ − y (objective ½‖r‖², on the scale
of the optimum, so Clarabel's relative tolerances mean what they say; with ŷ as
the variable the objective carried the constant ½‖y‖² and small-β solves ended
"AlmostSolved").

What was measured and not kept (n = 200, xor): looser restricted tolerances
(1e-7) in early rounds leave interior-point solutions with more nonzero blocks
(|S| 400 → 1,100; 1.6× slower); dropping zero blocks whose dual constraint is
tight cycles; stopping on the certified gap of D(v/ratio) saves nothing, because
that gap is ≈ (ratio − 1)·βΣ‖q_j‖/p*, i.e. it needs the same ratio ≈ 1 + 1e-7.
A structured interior-point method for the restricted solve (Mehrotra predictor–corrector
with NT scaling; per-block augmented KKT systems inverted in a batch, the FᵀF coupling moved
to sample space by Woodbury, an n × n Cholesky per step) was built and measured (27 Nov):
~25% less time per iteration than Clarabel at n = 200, |S| = 400, but it reaches only ~1e-7
(near the end the Woodbury form cancels: S_j⁻¹ of an active block grows without bound along
its ray), so rounds end in Clarabel anyway and the inexact early duals cost extra rounds
(xor n = 200: 12.3 / 5.0 / 2.2 s against 12.6 / 6.2 / 2.3 s without it; 2–4× slower at
n ≤ 100, where Clarabel's per-iteration cost is tiny).  Not kept.  Clarabel's default
faer LDLᵀ (≥ 0.10) is 1.6× slower here than QDLDL, which is therefore asked for.  Seeding
a warm start also with the blocks that the previous network's own dual (−∇ℓ of its prediction
on the new data) prices violated: the same number of rounds on the app's added points
(moons + 3, β = 0.01–0.1) and up to 1.5× slower for squared loss (27 Nov); not kept.

The returned status is ``"optimal"`` only when step 2 certified the
restricted optimum; otherwise it says why (iteration budget, stalled
pricing, solver failure).  :func:`cvxcore.solve.solve_convex` certifies the
recovered network again, independently.
"""
from __future__ import annotations

import time
from itertools import product

import numpy as np
from scipy import sparse

from .losses import best_dual_scale, dual_value, loss_grad, loss_value
from .pricing import (build_arrangement, cell_index, correlations, local_maxima, price_cells_pm,
                      price_patterns_pm)

_OPTIONS = {"warm", "tol", "max_rounds", "add_per_round", "diverse", "gram", "verbose", "callback"}


def _check_options(options):
    """ValueError for unknown or out-of-range options (called by solve_convex before any work)."""
    bad = sorted(set(options) - _OPTIONS)
    if bad:
        raise ValueError(f"unknown option(s) {', '.join(map(repr, bad))} for the fast solver; "
                         f"use {', '.join(sorted(_OPTIONS))}.")
    tol = options.get("tol", 1e-9)
    if not (isinstance(tol, (int, float)) and 0 < tol < 1e-2):
        raise ValueError(f"tol={tol!r} must be a number in (0, 1e-2); the default is 1e-7.")
    mr = options.get("max_rounds", 100)
    if isinstance(mr, bool) or not isinstance(mr, (int, np.integer)) or mr < 1:
        raise ValueError(f"max_rounds={mr!r} must be a whole number ≥ 1 (default 100).")
    for flag in ("gram", "diverse", "verbose"):
        if flag in options and not isinstance(options[flag], (bool, np.bool_)):
            raise ValueError(f"{flag}={options[flag]!r} must be True or False.")
    cb = options.get("callback")
    if cb is not None and not callable(cb):
        raise ValueError(f"callback={cb!r} is not callable; pass a function info -> bool (True stops).")
    k = options.get("add_per_round")
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
        raise ValueError(f"add_per_round={k!r} must be a whole number ≥ 1 (or None for automatic).")


# -- restricted problem ------------------------------------------------------------------------
def _cone_rows(X, patterns, i, arr, idx):
    """Rows C with K_i = {u : C u ≥ 0}: the cell's facets when known, else all of (2D_i − I)X."""
    if arr is not None and idx[i] >= 0:
        return arr.facets(idx[i])
    C = np.where(patterns[i][:, None], X, -X)
    return C[np.linalg.norm(C, axis=1) > 0]


FULL_ITER = 200     # Clarabel's iteration budget for a restricted solve run to convergence
# Early rounds (pricing max/β above EARLY_RATIO) stop Clarabel after EARLY_ITER iterations.
# Their restricted programs are the badly conditioned ones: at n = 200, β = 1e-3 rounds 2–5
# took 57–135 iterations (5.4 s of 11.7 s) with the primal residual stuck near 1e-7, while a
# 30-iteration dual already prices the next blocks.  Later rounds and the last one run to 1e-11.
EARLY_ITER = 40
EARLY_RATIO = 1.5


def _facet_rows(cones, d, r0):
    """Rows r0, r0 + 1, … of A x ≤ b (Clarabel: b − A x in the cone) for C_j q_j ≥ 0, block j's
    q_j being variables j·d … j·d + d − 1: ``(rows, cols, vals, b, next row)``."""
    rows, cols, vals, b = [], [], [], []
    for j, C in enumerate(cones):
        rr, cc = np.nonzero(C)
        rows.append(r0 + rr); cols.append(j * d + cc); vals.append(-C[rr, cc])
        b.append(np.zeros(C.shape[0])); r0 += C.shape[0]
    return rows, cols, vals, b, r0


def _soc_rows(m, d, nq, r0):
    """Rows for ‖q_j‖ ≤ t_j (t_j: variable nq + j), one second-order cone of size d + 1 per
    block from row r0: ``(rows, cols, vals, b, next row, cones)``."""
    import clarabel
    k = d + 1
    cols = np.concatenate([np.full((m, 1), nq) + np.arange(m)[:, None],
                           np.arange(m)[:, None] * d + np.arange(d)], axis=1).ravel()
    rows = r0 + np.arange(m * k)
    return ([rows], [cols], [-np.ones(m * k)], [np.zeros(m * k)], r0 + m * k,
            [clarabel.SecondOrderConeT(k) for _ in range(m)])


# A block joins a reference pattern within this fraction of n samples (Hamming distance);
# 0.1, 0.15 and 0.25 measured the same at n = 200, within the noise.
GROUP_HAMMING = 0.15


def _reference_groups(patterns, blocks, n):
    """Reference patterns D_g and the group of each block (−1: none), greedily in block order.

    Σ_j s_j D_j X q_j = Σ_g D_g X a_g + Σ_j s_j (D_j − D_g) X q_j with a_g = Σ_{j ∈ g} s_j q_j:
    the working set's cells cluster round the optimum's neurons, so D_j − D_g has a few nonzero
    rows where D_j has ~n/2, and the fit rows of the KKT system are that much sparser."""
    t = max(2, int(GROUP_HAMMING * n))
    D = patterns[[i for i, _ in blocks]].astype(np.int8)
    # all Hamming distances at once: |a − b|₁ = |a| + |b| − 2aᵀb (exact in float32 for n < 2²⁴)
    Df = D.astype(np.float32)
    size = Df.sum(axis=1)
    H = size[:, None] + size[None, :] - 2.0 * (Df @ Df.T)
    group = np.full(len(blocks), -1)
    first = []                                  # the block that opened each group
    for j in range(len(blocks)):
        if first:
            h = H[j, first]
            g = int(h.argmin())
            if h[g] <= t:
                group[j] = g
                continue
        first.append(j)
        group[j] = len(first) - 1
    refs = [D[j] for j in first]
    sizes = np.bincount(group, minlength=len(refs))
    keep = np.flatnonzero(sizes >= 2)           # a lone block keeps its own D_j X
    renum = np.full(len(refs), -1)
    renum[keep] = np.arange(keep.size)
    # each reference becomes its group's sample-wise majority (the 0/1 vector nearest the
    # members in total Hamming distance)
    member = np.zeros((len(refs), len(blocks)), dtype=np.float32)
    member[group, np.arange(len(blocks))] = 1.0
    counts = member @ Df                        # members' 1s per sample (np.add.at: 10× slower)
    refs = [(2 * counts[g] >= sizes[g]).astype(np.int8) for g in keep]
    return refs, renum[group]


def _solve_restricted(X, y, beta, loss, patterns, blocks, cones, gram=False, max_iter=FULL_ITER,
                      obj_scale=1.0):
    """Clarabel on (8) restricted to ``blocks`` [(i, s)]: returns (Q (m, d), yhat, v, value, status).

    ``obj_scale`` multiplies the objective (same minimiser; the multipliers are scaled back):
    the hinge dual's accuracy at small β depends on it (see solve_fast)."""
    if gram:
        return _solve_restricted_gram(X, y, beta, patterns, blocks, cones, max_iter=max_iter)
    import clarabel
    n, d = X.shape
    m = len(blocks)
    hinge = loss == "hinge"
    logistic = loss == "logistic"
    nq, nt = m * d, m
    iz = nq + nt
    # extra variables: hinge ξ (n); logistic s, u₁, u₂ (3n), log(1 + e^{−yᵢzᵢ}) ≤ sᵢ
    nx = iz + n + (n if hinge else 0) + (3 * n if logistic else 0)
    # logistic keeps the plain form: its exponential-cone solves at β = 1e-3 lost certification
    # with the aggregates (relative gap 1.6e-6 at XOR n = 30)
    refs, group = ([], np.full(m, -1)) if logistic else _reference_groups(patterns, blocks, n)
    ia, ng = nx, len(refs)                      # aggregates a_g (d each), after everything else
    nx += ng * d
    rows, cols, vals, b = [], [], [], []
    r0 = 0
    # zero cone: z − Σ_g D_g X a_g − Σ_j s_j (D_j − D_{g(j)}) X q_j = 0 and a_g = Σ_{j ∈ g} s_j q_j
    for j, (i, s) in enumerate(blocks):
        pat = patterns[i].astype(np.int8) - (refs[group[j]] if group[j] >= 0 else 0)
        DX = X * pat[:, None]
        rr, cc = np.nonzero(DX)
        rows.append(rr); cols.append(j * d + cc); vals.append(-s * DX[rr, cc])
    for g, ref in enumerate(refs):
        DX = X * ref[:, None]
        rr, cc = np.nonzero(DX)
        rows.append(rr); cols.append(ia + g * d + cc); vals.append(-DX[rr, cc])
    rows.append(np.arange(n)); cols.append(iz + np.arange(n)); vals.append(np.ones(n))
    sg = np.array([s for _, s in blocks], float)
    member = np.flatnonzero(group >= 0)
    for c in range(d):
        rows += [n + group[member] * d + c, n + np.arange(ng) * d + c]
        cols += [member * d + c, ia + np.arange(ng) * d + c]
        vals += [-sg[member], np.ones(ng)]
    # squared loss: the variable is the residual r = z − y (so b = −y), which keeps the
    # objective ½‖r‖² on the scale of the optimum and Clarabel's relative tolerances meaningful
    squared = loss == "squared"
    b += [-y if squared else np.zeros(n), np.zeros(ng * d)]; r0 = n + ng * d
    cone_list = [clarabel.ZeroConeT(r0)]
    # nonnegative cone: C_j q_j ≥ 0 (facets), and for hinge ξ ≥ 0, ξ ≥ 1 − y∘z
    nn0 = r0
    fr, fc, fv, fb, r0 = _facet_rows(cones, d, r0)
    rows += fr; cols += fc; vals += fv; b += fb
    if hinge:
        ix = iz + n
        rows.append(r0 + np.arange(n)); cols.append(ix + np.arange(n)); vals.append(-np.ones(n))
        b.append(np.zeros(n)); r0 += n
        imarg = r0
        rows += [r0 + np.arange(n), r0 + np.arange(n)]
        cols += [iz + np.arange(n), ix + np.arange(n)]
        vals += [-y, -np.ones(n)]
        b.append(-np.ones(n)); r0 += n
    if logistic:
        # log(1 + e^{a}) ≤ s  ⇔  e^{−s} + e^{a−s} ≤ 1  ⇔  u₁ + u₂ ≤ 1 with (−s, 1, u₁), (a − s, 1, u₂)
        # in Clarabel's exponential cone {(x, y, w) : y e^{x/y} ≤ w}; here a = −yᵢzᵢ.
        i_s, i_u1, i_u2 = iz + n, iz + 2 * n, iz + 3 * n
        rows += [r0 + np.arange(n), r0 + np.arange(n)]
        cols += [i_u1 + np.arange(n), i_u2 + np.arange(n)]
        vals += [np.ones(n), np.ones(n)]
        b.append(np.ones(n)); r0 += n
    if r0 > nn0:
        cone_list.append(clarabel.NonnegativeConeT(r0 - nn0))
    # second-order cones (t_j, q_j)
    sr, sc, sv, sb, r0, socs = _soc_rows(m, d, nq, r0)
    rows += sr; cols += sc; vals += sv; b += sb; cone_list += socs
    if logistic:
        for i in range(n):
            # (−sᵢ, 1, u₁ᵢ) and (−yᵢzᵢ − sᵢ, 1, u₂ᵢ): slack = b − A x
            rows += [r0 + np.array([0, 2, 3, 3, 5])]
            cols += [np.array([i_s + i, i_u1 + i, iz + i, i_s + i, i_u2 + i])]
            vals += [np.array([1.0, -1.0, y[i], 1.0, -1.0])]
            b.append(np.array([0.0, 1.0, 0.0, 0.0, 1.0, 0.0])); r0 += 6
            cone_list += [clarabel.ExponentialConeT(), clarabel.ExponentialConeT()]
    A = sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r0, nx))
    q = np.zeros(nx)
    q[nq:nq + nt] = beta
    if logistic:
        Pm = sparse.csc_matrix((nx, nx))
        q[i_s:i_s + n] = 1.0
    elif hinge:
        Pm = sparse.csc_matrix((nx, nx))
        q[iz + n:iz + 2 * n] = 1.0
    else:
        Pm = sparse.csc_matrix((np.ones(n), (iz + np.arange(n), iz + np.arange(n))), shape=(nx, nx))
    b = np.concatenate(b)

    def network_value(x):         # the true objective of the blocks in x (ranks logistic retries)
        if x.shape != (nx,) or not np.all(np.isfinite(x)):
            return np.inf
        return _blocks_value(X, y, beta, loss, x[:nq].reshape(m, d), np.array([s for _, s in blocks], float))
    sol, status = _clarabel(Pm, q * obj_scale, A, b, cone_list, score=network_value if logistic else None,
                            max_iter=max_iter)
    if obj_scale != 1.0:        # the same minimiser; multipliers scaled back
        sol = _Scaled(sol, obj_scale)
    x = np.asarray(sol.x, dtype=float)
    if x.shape != (nx,) or not np.all(np.isfinite(x)):
        return None, None, None, np.inf, status
    Q = x[:nq].reshape(m, d)
    yhat = x[iz:iz + n] + (y if squared else 0.0)
    if logistic:
        # the multiplier of z = Σ_j s_j D_j X q_j is −∇ℓ(ŷ) = y∘σ(−y∘ŷ) at the optimum;
        # kept in the dual domain vᵢyᵢ ∈ [0, 1]
        v = np.asarray(sol.z, dtype=float)[:n]
        grad_v = -loss_grad(yhat, y, loss)
        if not np.all(np.isfinite(v)) or np.linalg.norm(v - grad_v) > 1e-3 * max(1.0, np.linalg.norm(grad_v)):
            v = grad_v
        v = y * np.clip(v * y, 0.0, 1.0)
    elif hinge:
        mu = np.asarray(sol.z, dtype=float)[imarg:imarg + n]
        v = y * np.clip(mu, 0.0, 1.0)
    else:
        # The multiplier of z = Σ_j s_j D_j X q_j is v = y − ŷ at the exact optimum; the
        # solver's own dual variable satisfies the restricted dual constraints
        # ‖Π_{K_j}(s_j Xᵀ D_j v)‖ ≤ β far more accurately than y − ŷ from the primal
        # iterate does (which matters when β is tiny), so it is the one priced.
        v = np.asarray(sol.z, dtype=float)[:n]
        if not np.all(np.isfinite(v)) or np.linalg.norm(v - (y - yhat)) > 1e-3 * max(1.0, np.linalg.norm(y)):
            v = y - yhat
    value = float(loss_value(yhat, y, loss) + beta * np.linalg.norm(Q, axis=1).sum())
    return Q, yhat, v, value, status


def _clarabel(Pm, q, A, b, cones, score=None, max_iter=FULL_ITER):
    """Clarabel at tight tolerances (1e-11): ``(solution, status)``.

    With ``score`` (the exponential cone, which sometimes stalls — "InsufficientProgress", as
    in :func:`cvxcore.reference._attempts`): tolerances 1e-10, and on a stall the objective is
    rescaled (×10, ×0.1: same minimiser, multipliers scaled back); the run whose x scores
    lowest is kept."""
    import clarabel
    tol = 1e-11 if score is None else 1e-10
    best = None
    for scale in ((1.0,) if score is None else (1.0, 10.0, 0.1)):
        st = clarabel.DefaultSettings()
        st.verbose = False
        st.tol_gap_abs = st.tol_gap_rel = tol
        st.tol_feas = tol
        st.max_iter = max_iter
        # QDLDL, not the default faer of Clarabel ≥ 0.10: 1.6× faster on these KKT systems
        # (n = 200, |S| = 400: 0.6–0.75 s against 0.9–1.1 s for the same 32 iterations)
        st.direct_solve_method = "qdldl"
        if max_iter < FULL_ITER:    # a capped early round only needs a rough dual: no refinement
            st.iterative_refinement_enable = False      # (xor/ring/smooth n = 200: 10–25 % faster)
        sol = clarabel.DefaultSolver(Pm * scale, q * scale, A, b, cones, st).solve()
        status = str(sol.status)
        if score is None:
            return sol, status
        if scale != 1.0:
            sol = _Scaled(sol, scale)
        # a rescaled run's "Solved" is not more accurate than an unscaled "AlmostSolved":
        # keep the run whose blocks make the best network (score = its true objective)
        val = score(np.asarray(sol.x, dtype=float)) if status in ("Solved", "AlmostSolved") else np.inf
        if best is None or val < best[2]:
            best = (sol, status, val)
        if status == "Solved" and scale == 1.0:
            break
    return best[0], best[1]


class _Scaled:
    """A Clarabel solution of the objective multiplied by ``scale``: x as is, z / scale."""
    def __init__(self, sol, scale):
        self.x, self.z, self.status = sol.x, np.asarray(sol.z, dtype=float) / scale, sol.status


_GRAM_N = 300     # above this n, squared loss may use the Gram form (when n > 3·d·|S|: a smaller KKT)


def _solve_restricted_gram(X, y, beta, patterns, blocks, cones, max_iter=FULL_ITER):
    """Squared loss with the fit eliminated: min ½qᵀFᵀFq − (Fᵀy)ᵀq + β Σ t_j, F = [s_j D_j X]_j.

    The KKT system then has m(d + 1) variables instead of m(d + 1) + n: for n ≫ m·d
    (1-D data with n = 2,000, or n = 500 in 2-D) each interior-point step costs
    O((md)³) instead of forming FᵀF inside every factorisation.  v = y − Fq.
    """
    import clarabel
    n, d = X.shape
    m = len(blocks)
    nq = m * d
    F = np.empty((n, nq))
    for j, (i, s) in enumerate(blocks):
        F[:, j * d:(j + 1) * d] = s * X * patterns[i][:, None]
    H = F.T @ F
    nx = nq + m
    Hu = sparse.triu(sparse.csc_matrix(H))
    Pm = sparse.block_diag([Hu, sparse.csc_matrix((m, m))], format="csc")
    q = np.concatenate([-(F.T @ y), np.full(m, beta)])
    rows, cols, vals, b, r0 = _facet_rows(cones, d, 0)
    cone_list = [clarabel.NonnegativeConeT(r0)] if r0 else []
    sr, sc, sv, sb, r0, socs = _soc_rows(m, d, nq, r0)
    rows += sr; cols += sc; vals += sv; b += sb; cone_list += socs
    A = sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r0, nx))
    sol, status = _clarabel(Pm, q, A, np.concatenate(b), cone_list, max_iter=max_iter)
    x = np.asarray(sol.x, dtype=float)
    if x.shape != (nx,) or not np.all(np.isfinite(x)):
        return None, None, None, np.inf, status
    Q = x[:nq].reshape(m, d)
    yhat = F @ x[:nq]
    v = y - yhat
    value = float(0.5 * (yhat - y) @ (yhat - y) + beta * np.linalg.norm(Q, axis=1).sum())
    return Q, yhat, v, value, status


def _blocks_value(X, y, beta, loss, Q, signs):
    """Objective of the network the blocks define: ℓ(Σ_j s_j (X q_j)₊) + β Σ_j ‖q_j‖."""
    fit = np.maximum(X @ Q.T, 0.0) @ signs if Q.shape[0] else np.zeros(X.shape[0])
    return float(loss_value(fit, y, loss) + beta * np.linalg.norm(Q, axis=1).sum())


def _basic(X, Q, signs, rtol=1e-10):
    """A basic optimal solution: Carathéodory on the blocks (Remark 3.1, as in
    :func:`cvxcore.recovery.prune_to_basic`).

    With unit directions û_j, features h_j = s_j D_j X û_j and magnitudes a_j = ‖q_j‖,
    fit and penalty are linear in a; move a along a null vector of [h_j; 1] until one
    a_j hits 0, and repeat.  The interior-point solution of a problem with a
    non-unique optimum is a mixture (the analytic centre of the optimal face); this
    leaves at most n + 1 blocks with the same value.  One SVD gives the null space;
    each step then updates its basis in O(k²) (no SVD per dropped block).
    """
    a = np.linalg.norm(Q, axis=1)
    live = a > 1e-12 * max(a.max(initial=0.0), 1e-300)
    a = np.where(live, a, 0.0)
    dirs = np.zeros_like(Q)
    dirs[live] = Q[live] / a[live, None]
    idx = np.flatnonzero(live)
    if idx.size == 0:
        return dirs * a[:, None]
    M = np.vstack([np.maximum(X @ dirs[idx].T, 0.0) * signs[idx], np.ones((1, idx.size))])
    R = np.linalg.qr(M, mode="r")                # null(M) = null(R); R is at most k × k
    _, sv, Vt = np.linalg.svd(R, full_matrices=True)
    rank = int(np.sum(sv > rtol * max(sv.max(initial=0.0), 1.0)))
    N = Vt[rank:].T                              # null space of M, (k, k − rank): one SVD only
    b = a[idx]
    while N.shape[1] and idx.size:
        delta = N[:, 0]
        if not np.any(delta < 0):
            delta = -delta
        neg = np.flatnonzero(delta < 0)
        ratios = b[neg] / -delta[neg]
        j = neg[np.argmin(ratios)]
        b = np.maximum(b + ratios.min() * delta, 0.0)
        b[j] = 0.0
        # the other null vectors, made zero at j, span the null space without block j
        N = N[:, 1:] - np.outer(delta, N[j, 1:] / delta[j])
        keep = np.ones(idx.size, dtype=bool)
        keep[j] = False
        keep &= b > 1e-14 * max(b.max(initial=0.0), 1e-300)
        idx, b, N = idx[keep], b[keep], N[keep]
    a = np.zeros_like(a)
    a[idx] = b
    return dirs * a[:, None]


# -- warm start --------------------------------------------------------------------------------
def _warm_blocks(X, patterns, arr, idx, warm):
    """Blocks (i, ±) of the cells holding a previous solution's neurons."""
    if warm is None:
        return []
    U, alpha = (warm.U, warm.alpha) if hasattr(warm, "U") else warm
    U, alpha = np.atleast_2d(np.asarray(U, float)), np.asarray(alpha, float).reshape(-1)
    if U.shape[0] == 0:
        return []
    if U.ndim != 2 or U.shape[1] != X.shape[1] or alpha.shape[0] != U.shape[0]:
        raise ValueError(f"warm start has neurons of shape {U.shape} and weights {alpha.shape}; they must be "
                         f"(m, {X.shape[1]}) and (m,) for this X (pass the previous ConvexResult).")
    prev = getattr(warm, "info", {}).get("final_working_set") if hasattr(warm, "info") else None
    old_patterns = getattr(warm, "patterns", None)
    has_support = bool(prev) and old_patterns is not None and old_patterns.shape[1] <= X.shape[0]
    # The previous restricted optimum's support already holds every neuron's block; seeding also
    # the cells round each neuron (up to 8 when it lies on hyperplanes) only enlarged the first
    # solves (xor n = 200, β step: 625 blocks instead of 335, 1.28 → 1.05 s): neurons seed only
    # a warm start without that support, e.g. a pair (U, alpha).
    want = []                                   # candidate pattern rows (over X's rows)
    for u, a in zip(U, alpha) if not has_support else ():
        s = X @ u
        scale = np.linalg.norm(X, axis=1) * max(np.linalg.norm(u), 1e-300)
        tight = np.flatnonzero(np.abs(s) <= 1e-7 * np.maximum(scale, 1e-300))
        base = s > 0
        for bits in product((False, True), repeat=min(tight.size, 3)):
            p = base.copy()
            p[tight[:len(bits)]] = bits
            want.append((p, 1 if a > 0 else -1))
    out = []
    if want:
        hits = _match_rows(patterns, np.array([p for p, _ in want]))
        out = [(i, sg) for (_, sg), found in zip(want, hits) for i in found[:1]]
    # the support of the previous restricted optimum (all blocks any optimum used, not only the
    # ≤ n + 1 neurons recovered), matched on the samples both data sets share (the first n_old,
    # so an appended point splits a cell in two and both halves are seeded)
    if has_support:
        rows = np.array([i for i, _ in prev])
        hits = _match_rows(patterns[:, :old_patterns.shape[1]], old_patterns[rows])
        out += [(i, sg) for (_, sg), found in zip(prev, hits) for i in found]
    return [b for b in dict.fromkeys(out) if patterns[b[0]].any()]


def _match_rows(patterns, W):
    """For each row of W, the indices of the rows of ``patterns`` equal to it (bytes of packed rows)."""
    packedW = np.packbits(W, axis=1)
    table = {row.tobytes(): [] for row in packedW}
    for s0 in range(0, patterns.shape[0], 65536):
        pk = np.packbits(patterns[s0:s0 + 65536], axis=1)
        for j, row in enumerate(pk):
            hit = table.get(row.tobytes())
            if hit is not None:
                hit.append(s0 + j)
    return [table[row.tobytes()] for row in packedW]


def _price(X, v, patterns, thr, arr, nonzero):
    """‖Π_{K_i}(±Xᵀ D_i v)‖ for every pattern: exact where ‖g_i‖ > thr, and ‖g_i‖ (an upper bound)
    where ‖g_i‖ ≤ thr.  The bound is kept on purpose: the drop rule keeps a block whose ‖g_i‖ is
    near β, and dropping such blocks on their exact (smaller) value made logistic runs cycle."""
    priced = price_cells_pm(X, v, patterns, thr, arrangement=arr)
    if priced is None:                  # some pattern is not a cell of the arrangement
        G = correlations(X, v, patterns, arrangement=arr)
        priced = price_patterns_pm(X, G, patterns, thr, arrangement=arr)
    plus, minus = priced
    plus[~nonzero] = 0.0
    minus[~nonzero] = 0.0
    return plus, minus


# -- the solver --------------------------------------------------------------------------------
def solve_fast(X, y, beta, patterns, loss, **options):
    """(8) over ``patterns`` by column generation with exact pricing (module docstring).

    Returns ``(V, W, value, status, v, info)``: blocks V, W (P, d), the
    restricted optimum's value, status, its dual point v (n,), and ``info``
    (rounds, working-set sizes, pricing/solve seconds, warm-start use, the
    final max ‖Π_{K_i}(±g_i)‖/β).  Options: ``warm`` (previous ConvexResult
    or (U, alpha)), ``tol`` (pricing tolerance, default 1e-9), ``max_rounds``
    (default 100), ``add_per_round`` (default max(20, n); measured 20–30% faster than n/2
    at β = 1e-3, n = 50–200, the same elsewhere).
    """
    _check_options(options)
    if loss not in solve_fast.losses:
        raise ValueError(f"loss={loss!r}: the fast solver handles {', '.join(map(repr, solve_fast.losses))}; "
                         "use method='cvxpy' for this loss.")
    t0 = time.perf_counter()
    tol = float(options.get("tol", 1e-7))
    diverse = bool(options.get("diverse", True))
    center = None
    max_rounds = int(options.get("max_rounds", 100))
    n, d = X.shape
    P = patterns.shape[0]
    K = int(options.get("add_per_round") or max(20, n))
    verbose = bool(options.get("verbose", False))
    callback = options.get("callback")
    arr = build_arrangement(X) if X.shape[0] > 0 else None
    idx = cell_index(arr, patterns) if arr is not None else np.full(P, -1)
    nonzero = patterns.any(axis=1)
    info = dict(rounds=0, working_set=[], added=[], pricing_seconds=0.0, solve_seconds=0.0,
                warm_blocks=0, lower_bounds=[], setup_seconds=time.perf_counter() - t0)
    blocks = _warm_blocks(X, patterns, arr, idx, options.get("warm"))
    info["warm_blocks"] = len(blocks)
    cones = {}
    status, value, v, Q = "not started", np.inf, (y.copy() if loss == "squared" else y.copy()), np.zeros((0, d))
    yhat = np.zeros(n)
    ratio = np.inf
    solved = []
    gram = loss == "squared" and n > _GRAM_N and options.get("gram", True)
    accurate = False
    full = capped = False
    obj_scale = 1.0
    for rnd in range(max_rounds):
        info["rounds"] = rnd + 1
        if blocks:
            ts = time.perf_counter()
            for i, _ in blocks:
                if i not in cones:
                    cones[i] = _cone_rows(X, patterns, i, arr, idx)
            # far from optimal, a capped solve prices as well as a converged one (see EARLY_ITER)
            cap = EARLY_ITER if ratio > EARLY_RATIO and not full else FULL_ITER
            Q_, yhat_, v_, value_, st = _solve_restricted(X, y, beta, loss, patterns, blocks,
                                                          [cones[i] for i, _ in blocks],
                                                          gram=gram and not accurate
                                                          and n > 3 * d * len(blocks), max_iter=cap,
                                                          obj_scale=obj_scale)
            info["solve_seconds"] += time.perf_counter() - ts
            if Q_ is None:
                status = f"restricted solve failed ({st})"
                break
            Q, yhat, v, value = Q_, yhat_, v_, value_
            solved = list(blocks)
            capped = cap < FULL_ITER and st != "Solved"
            info["capped"] = info.get("capped", 0) + capped
        else:
            Q, yhat, solved = np.zeros((0, d)), np.zeros(n), []
            v = -loss_grad(np.zeros(n), y, loss)   # squared y; hinge y; logistic y/2
            value = float(loss_value(yhat, y, loss))
        info["working_set"].append(len(blocks))
        # exact pricing of every block
        tp = time.perf_counter()
        plus, minus = _price(X, v, patterns, beta * (1 + tol), arr, nonzero)
        info["pricing_seconds"] += time.perf_counter() - tp
        ratio = max(plus.max(initial=0.0), minus.max(initial=0.0)) / beta
        if verbose:
            print(f"round {rnd}: |S| = {len(blocks)}, value {value:.10g}, max pricing/β = {ratio:.3e}")
        if callback is not None and ratio > 1 + tol:
            lower_now = dual_value(best_dual_scale(v, y, loss, 1.0 / ratio) * v, y, loss)
            if callback({"round": rnd + 1, "upper_bound": float(value), "lower_bound": float(lower_now),
                         "working_set": len(blocks), "seconds": time.perf_counter() - t0}):
                status = "stopped by the caller"
                break
        if ratio <= 1 + tol:
            if capped:              # priced clean after a capped solve: re-solve it to convergence
                full = True
                continue
            status = "optimal"
            break
        # the best lower bound so far: v scaled into the dual feasible set
        lower = dual_value(best_dual_scale(v, y, loss, 1.0 / ratio) * v, y, loss)
        if center is None or lower > center[0]:
            center = (lower, v)
        sel_plus, sel_minus = plus, minus
        info["lower_bounds"].append(float(center[0]))
        inset = {b for b in blocks}
        if arr is not None and diverse:
            # one block per peak of u ↦ ±vᵀ(Xu)₊: neighbours of the best cell are nearly the same column
            sel_plus = np.where(local_maxima(arr, idx, sel_plus), sel_plus, 0.0)
            sel_minus = np.where(local_maxima(arr, idx, sel_minus), sel_minus, 0.0)
        cand_v = np.concatenate([sel_plus, sel_minus])
        if not any((int(c % P), 1 if c < P else -1) not in inset
                   for c in np.flatnonzero(cand_v > beta * (1 + tol))[:1000]):
            cand_v = np.concatenate([plus, minus])      # mis-priced: fall back to the current v
        order = np.argsort(-cand_v)
        new = []
        for c in order:
            if cand_v[c] <= beta * (1 + tol) or len(new) >= K:
                break
            b = (int(c % P), 1 if c < P else -1)
            if b not in inset:
                new.append(b)
        if gram and not accurate and (not new or ratio <= 1 + 1e-4):
            # near the end the Gram form's accuracy (it squares F's condition number) is not
            # enough to price at tol: re-solve in the form with the fit variable from now on
            accurate = True
            info["accurate_from_round"] = rnd + 1
            if not new:
                continue
        if not new:
            if capped:              # nothing new to add after a capped solve: converge it first
                full = True
                continue
            if loss == "hinge" and obj_scale < 100.0:
                # hinge at small β: the restricted dual is only ~1e-6 accurate and its accuracy
                # moves with the objective's scale; solve the same blocks again at ×10 (twice)
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
            keep = []
            for (i, s), nq in zip(blocks, norms):
                val = plus[i] if s > 0 else minus[i]
                if nq > 1e-9 * big or val > beta * (1 - 1e-3):
                    keep.append((i, s))
            blocks = keep
        blocks = blocks + new
        info["added"].append(len(new))
    else:
        status = f"iteration budget reached ({max_rounds} rounds; pricing max/β = {ratio:.3e})"
    V, W = np.zeros((P, d)), np.zeros((P, d))
    # for a warm start: the support of the restricted optimum before Carathéodory (the
    # interior-point solution is the centre of the optimal face: every block any optimum uses)
    norms = np.linalg.norm(Q, axis=1) if len(solved) else np.zeros(0)
    info["final_working_set"] = [b for b, nq in zip(solved, norms) if nq > 1e-9 * norms.max(initial=0.0)]
    if len(solved):
        tb = time.perf_counter()
        sg = np.array([s for _, s in solved], dtype=float)
        Qb = _basic(X, Q, sg)
        # Carathéodory keeps the value in exact arithmetic; with nearly dependent features
        # (e.g. 1-D data, n = 2,000) the null vectors are only approximately null, so keep
        # the basic solution only when it really is as good (recovery prunes otherwise).
        if _blocks_value(X, y, beta, loss, Qb, sg) <= _blocks_value(X, y, beta, loss, Q, sg) + 1e-10 * max(abs(value), 1e-300):
            Q = Qb
        else:
            info["basic_rejected"] = True
        info["basic_seconds"] = time.perf_counter() - tb
    for (i, s), q in zip(solved, Q):          # Q belongs to the blocks solved last
        (V if s > 0 else W)[i] += q
    info["max_pricing_over_beta"] = float(ratio)
    info["seconds"] = time.perf_counter() - t0
    return V, W, float(value), status, v, info



solve_fast.losses = ("squared", "hinge", "logistic")
solve_fast.check_options = _check_options
