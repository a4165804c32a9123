"""Why (8) needs its cone constraints: the program without them (docs/theory.md §4, §8).

Drop (2D_i − I) X v_i ≥ 0 and (2D_i − I) X w_i ≥ 0 from (8).  Then v_i and w_i only enter
through q_i = v_i − w_i, and min{‖v‖ + ‖w‖ : v − w = q} = ‖q‖, so the program is the group
lasso on the columns [D_1X … D_PX]:

    p_free = min_{q_i}  ℓ( Σ_i D_i X q_i , y )  +  β Σ_i ‖q_i‖.

Its feasible set contains that of (8), so p_free ≤ p*.  What it fits is a *gated* network

    f(x) = Σ_i 1[xᵀg_i ≥ 0] · xᵀq_i,

where the gate g_i is any direction of cell i (it fixes the pattern D_i on the data) and the
weights q_i are free.  A ReLU neuron is the special case g_i = q_i: (xᵀq)₊ = 1[xᵀq ≥ 0]·xᵀq.
The cone constraint says exactly that q_i switches on the samples its gate does, so that
D_i X q_i = (X q_i)₊.  A block with (2D_i − I) X q_i ≱ 0 outputs a negative value on a sample
it keeps on (where a ReLU outputs 0), or keeps off a sample with x_iᵀq_i > 0 (where a ReLU
would be on): it is no ReLU neuron, and replacing its gate by a ReLU changes the fit.

Solved here by a working set over the cells with cvxpy (:mod:`cvxcore.mechanism.blocks`, not
the project's solver): solve over the blocks in the set; its dual point v (squared loss:
y − ŷ) must satisfy the group lasso's dual constraint ‖Xᵀ D_i v‖ ≤ β for every cell (no
projection onto a cone, unlike (4)); add the most violated cells and repeat.  The result is
certified like (8): with c = max_i ‖Xᵀ D_i v‖ over every cell, D(s·v) for the best
s ≤ β/c is a lower bound on p_free (weak duality), and ``gap`` = value − that bound.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from ..arrangement import arrangement, as_cells
from ..convex import solve_convex
from ..losses import get_loss
from ..network import blocks_objective
from ..params import check_loss, check_scalar, check_X, check_y
from .blocks import solve_blocks
from .types import LossName

CERT_RTOL = 1e-6         # "optimal" when the certified relative gap is below this (as solve_convex)
ADD_PER_ROUND = 10       # cells added to the working set per round (at least; n for larger data), most violated first
MAX_ROUNDS = 60


@dataclass
class BlockViolation:
    """A nonzero block q_i of the cone-free optimum whose signs do not match its pattern D_i."""
    cell: int                   # index of the cell in the arrangement
    pattern: np.ndarray         # (n,) bool D_i: the samples its gate switches on
    block: np.ndarray           # (d,) q_i
    linear: np.ndarray          # (n,) X q_i
    gated: np.ndarray           # (n,) D_i X q_i: what the block contributes to the fit
    relu: np.ndarray            # (n,) (X q_i)₊: what a ReLU neuron with these weights would output
    wrong_on: np.ndarray        # samples on in D_i with x_iᵀq_i < 0 (a negative output no ReLU gives)
    wrong_off: np.ndarray       # samples off in D_i with x_iᵀq_i > 0 (where a ReLU would be on)
    margin: float               # min_i (2D_i − I)_ii x_iᵀq_i / max_i |x_iᵀq_i| (< 0: violated)


@dataclass
class ConeFreeResult:
    value: float                # p_free: the optimum of (8) without its cone constraints, ≤ p*
    lower_bound: float          # certified lower bound on p_free
    gap: float                  # value − lower_bound
    status: str                 # "optimal" (certified relative gap ≤ CERT_RTOL) or why not
    cells: np.ndarray           # (k,) cells of the nonzero blocks
    patterns: np.ndarray        # (k, n) their patterns D_i
    blocks: np.ndarray          # (k, d) their q_i = v_i − w_i
    gates: np.ndarray           # (k, d) a unit direction inside each cell (its gate)
    violations: list[BlockViolation]   # the nonzero blocks whose signs violate their pattern
    relu_objective: float       # objective of Σ_i (X q_i)₊ (the gates replaced by ReLUs), ≥ p*
    p_star: float               # the optimum of (8) over the same cells (NaN if not computed)
    n_patterns: int             # P, the cells the program was solved over
    rounds: int
    seconds: float
    beta: float = float("nan")
    loss: str = "squared"
    dual: np.ndarray = field(default_factory=lambda: np.zeros(0))   # the certificate's dual point

    def predict(self, X) -> np.ndarray:
        """The gated network's output f(x) = Σ_i 1[xᵀg_i ≥ 0]·xᵀq_i on new inputs X (m', d)."""
        X = np.asarray(X, dtype=float)
        return np.sum((X @ self.gates.T >= 0) * (X @ self.blocks.T), axis=1)

    def unit_outputs(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Each block on new inputs X (m', d), as (gated, relu), each (k, m'): its gated output
        1[xᵀg_i ≥ 0]·xᵀq_i and the ReLU neuron (xᵀq_i)₊ with the same weights (they differ
        exactly where the block violates its cone)."""
        X = np.asarray(X, dtype=float)
        Z = self.blocks @ X.T
        return (self.gates @ X.T >= 0) * Z, np.maximum(Z, 0.0)

    @property
    def violated(self) -> bool:
        return bool(self.violations)


def _violation(X, c, D, q, tol) -> BlockViolation:
    z = X @ q
    scale = max(float(np.abs(z).max()), 1e-300)
    wrong_on = np.flatnonzero(D & (z < -tol * scale))
    wrong_off = np.flatnonzero(~D & (z > tol * scale))
    return BlockViolation(cell=int(c), pattern=D.copy(), block=q.copy(), linear=z, gated=np.where(D, z, 0.0),
                          relu=np.maximum(z, 0.0), wrong_on=wrong_on, wrong_off=wrong_off,
                          margin=float(np.min(np.where(D, z, -z)) / scale))


def solve_without_cones(X, y, beta, *, loss: LossName = "squared", patterns=None, p_star: float | None = None,
                        tol: float = 1e-7) -> ConeFreeResult:
    """Program (8) with the cone constraints dropped (module docstring), over the cells of
    ``patterns`` (default: the exact arrangement of X), with the optimum p* of (8) over the same
    cells beside it (``cvxcore.solve_convex``; pass ``p_star`` to reuse one, or NaN to skip).

    ``tol``: the working set stops when no cell's ‖Xᵀ D_i v‖ exceeds β(1 + tol); a nonzero block
    (norm above 1e-6 of the largest) counts as violating when a sample is on the wrong side by more
    than 1e-6 of its largest |x_iᵀq_i|.
    """
    t0 = time.perf_counter()
    X = check_X(X)
    loss_name = check_loss(loss)
    y = check_y(y, X.shape[0], loss_name)
    beta = check_scalar("beta", beta)
    if not 0 < tol < 1e-2:
        raise ValueError(f"tol={tol!r} must be in (0, 1e-2); the default is 1e-7.")
    lo = get_loss(loss_name)
    cells = arrangement(X) if patterns is None else as_cells(X, patterns)
    nonzero = cells.nonzero()
    n, d = X.shape

    def violation_norms(v):
        g = np.linalg.norm(cells.correlations(v), axis=1)
        g[~nonzero] = 0.0
        return g

    work: list[int] = []
    v = lo.zero_dual(y)
    sol = None
    rounds = 0
    while rounds < MAX_ROUNDS:
        rounds += 1
        g = violation_norms(v)
        if g.max(initial=0.0) <= beta * (1 + tol) and sol is not None:
            break
        over = np.flatnonzero(g > beta * (1 + tol))
        over = over[np.argsort(-g[over], kind="stable")]
        new = over[~np.isin(over, work)][:max(ADD_PER_ROUND, n)].tolist()
        if not new and sol is not None:
            break
        if sol is not None:
            # zero blocks whose constraint is slack leave (they come back if priced above β again)
            nq = np.linalg.norm(sol.Q, axis=1)
            keep = (nq > 1e-9 * nq.max(initial=0.0)) | (g[work] >= beta * (1 - 1e-3))
            work = [c for c, k in zip(work, keep) if k]
        work += new
        sol = solve_blocks(X, y, beta, lo, cells.patterns(np.array(work, dtype=int)), np.ones(len(work)), cones=False)
        if not np.all(np.isfinite(sol.dual)):
            break
        v = lo.to_domain(sol.dual, y)
    if sol is None:                                    # the zero network already satisfies every constraint
        Q, yhat, value, status_solver = np.zeros((0, d)), np.zeros(n), float(lo.value(np.zeros(n), y)), "optimal"
    else:
        Q, yhat, value, status_solver = sol.Q, sol.fit, sol.value, sol.status
    # the certificate: the best of −∇ℓ(ŷ) and the solver's multiplier, scaled into the dual set
    best = (-np.inf, v)
    for cand in (-lo.grad(yhat, y), v):
        cand = lo.to_domain(cand, y)
        c = float(violation_norms(cand).max(initial=0.0))
        lb = lo.dual_value(lo.best_dual_scale(cand, y, beta / c if c > 0 else np.inf) * cand, y)
        if lb > best[0]:
            best = (lb, lo.best_dual_scale(cand, y, beta / c if c > 0 else np.inf) * cand)
    lower, vcert = best
    gap = value - lower
    status = ("optimal" if gap <= CERT_RTOL * max(abs(value), 1e-300)
              else f"not certified (relative gap {gap / max(abs(value), 1e-300):.1e}; solver: {status_solver})")
    work_arr = np.array(work, dtype=int)
    norms = np.linalg.norm(Q, axis=1) if Q.shape[0] else np.zeros(0)
    live = norms > 1e-6 * norms.max(initial=0.0)
    live_cells, live_Q = work_arr[live] if Q.shape[0] else work_arr[:0], Q[live]
    pats = cells.patterns(live_cells) if live_cells.size else np.zeros((0, n), bool)
    # every cell set has interior points (Arrangement, PatternSet, CellSubset), though the
    # CellSet interface does not declare them
    interior = cast(Any, cells).interior_point
    gates = np.array([interior(int(c)) for c in live_cells]).reshape(-1, d)
    viols = [_violation(X, c, D, q, 1e-6) for c, D, q in zip(live_cells, pats, live_Q)]
    viols = [b for b in viols if b.wrong_on.size or b.wrong_off.size]
    relu_obj = blocks_objective(X, y, beta, lo, live_Q, np.ones(live_Q.shape[0]))
    if p_star is None:
        p_star = solve_convex(X, y, beta, loss=loss_name, patterns=cells).value
    return ConeFreeResult(value=float(value), lower_bound=float(lower), gap=float(gap), status=status,
                          cells=live_cells, patterns=pats, blocks=live_Q, gates=gates, violations=viols,
                          relu_objective=float(relu_obj), p_star=float(p_star), n_patterns=int(cells.n_cells),
                          rounds=rounds, seconds=time.perf_counter() - t0, beta=beta, loss=loss_name, dual=vcert)
