"""The exact convex program (8), written directly in cvxpy and solved by Clarabel.

    min_{v_i, w_i}  ℓ( Σ_i D_i X (v_i − w_i), y )  +  β Σ_i (‖v_i‖₂ + ‖w_i‖₂)
    s.t.            (2D_i − I) X v_i ≥ 0,   (2D_i − I) X w_i ≥ 0       i = 1 … P

With the P patterns stacked as columns of a 0/1 mask ``M (n, P)``, the fit is
``ŷ = rowsum(M ∘ X (V − W)ᵀ)`` and the cone constraints are ``(2M − 1) ∘ X Vᵀ ≥ 0``: 2dP
variables and 2nP inequalities, as in the paper.  This is the reference route every faster
solver is tested against.

The fit is an explicit variable z with the constraint z = Σ_i D_i X (v_i − w_i); the
multiplier of that constraint is the dual point v of (4) (for squared loss y − ŷ), which the
certificate re-checks independently.

Logistic loss needs the exponential cone, on which Clarabel sometimes stalls ("Insufficient
Progress" — e.g. 20 XOR points with a bias at β = 1e-2 fail at every tolerance, while the same
problem with the objective × 10 or × 0.1 solves at once; which scale works varies).  Scaling
the objective changes neither the minimiser nor, divided back, the value and the dual point,
so :func:`_attempts` tries scales in turn and SCS at tight tolerance last; the best network
among the attempts is kept and the certificate judges it.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..arrangement import CellSet, CellSubset
from ..losses import Loss
from ..network import blocks_objective
from .protocol import SolverOutput

OPTIONS = frozenset({"verbose"})
_TIGHT = dict(tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12, max_iter=500)


def _attempts(loss):
    """(objective scale, solver, options) tried in turn until one reports "optimal" (or
    "optimal_inaccurate" with a self-consistent network value).  Squared and hinge loss:
    Clarabel at tight tolerances (the certificate asks for 1e-6 relative even when p* is
    small), then at its defaults; logistic: also rescaled objectives, then SCS."""
    import cvxpy as cp
    first = [(1.0, cp.CLARABEL, _TIGHT), (1.0, cp.CLARABEL, {})]
    if not loss.exp_cone:
        return first
    return first + [(10.0, cp.CLARABEL, {}), (0.1, cp.CLARABEL, {}), (100.0, cp.CLARABEL, {}),
                    (0.01, cp.CLARABEL, {}),
                    (1.0, cp.SCS, dict(eps_abs=1e-9, eps_rel=1e-9, max_iters=50_000))]


def solve_reference(X: np.ndarray, y: np.ndarray, beta: float, loss: Loss, cells: CellSet, *, verbose: bool = False,
                    **_ignored: object) -> SolverOutput:
    """Program (8) over every cell of ``cells`` with Clarabel (trusted inputs).  Cells that switch
    no sample on (D_i = 0) carry no variable."""
    import cvxpy as cp
    n, d = X.shape
    keep = np.flatnonzero(cells.nonzero())
    if keep.size == 0:
        return SolverOutput(np.zeros(0, int), np.zeros(0), np.zeros((0, d)), float(loss.value(np.zeros(n), y)),
                            "optimal", loss.zero_dual(y), {})
    M = cells.patterns(keep).T.astype(float)         # (n, P')
    S = 2.0 * M - 1.0
    V = cp.Variable((keep.size, d))
    W = cp.Variable((keep.size, d))
    z = cp.Variable(n)
    XV, XW = X @ V.T, X @ W.T
    fit = z == cp.sum(cp.multiply(M, XV - XW), axis=1)
    obj = loss.cvxpy(z, y) + beta * (cp.sum(cp.norm(V, 2, axis=1)) + cp.sum(cp.norm(W, 2, axis=1)))
    scale = cp.Parameter(nonneg=True, value=1.0)
    prob = cp.Problem(cp.Minimize(scale * obj), [fit, cp.multiply(S, XV) >= 0, cp.multiply(S, XW) >= 0])
    signs = np.r_[np.ones(keep.size), -np.ones(keep.size)]
    best, status = None, "not attempted"
    for s, solver, opts in _attempts(loss):
        scale.value = s
        with warnings.catch_warnings():
            # "Solution may be inaccurate" is judged by the certificate, not by this warning
            warnings.simplefilter("ignore", UserWarning)
            try:
                prob.solve(solver=solver, verbose=verbose, **opts)
            except cp.error.SolverError:
                status = f"{solver} failed"
                continue
        status = str(prob.status)
        if V.value is None or fit.dual_value is None:
            continue
        Q = np.vstack([np.array(V.value), np.array(W.value)])
        value = blocks_objective(X, y, beta, loss, Q, signs)
        if best is None or value < best[0]:
            best = (value, Q, float(prob.value) / s, status, np.asarray(fit.dual_value, dtype=float).reshape(n) / s)
        # stop at "optimal", or at an inaccurate report whose blocks already make a network worth
        # what the solver says
        if status == "optimal" or (status == "optimal_inaccurate"
                                   and abs(value - best[2]) <= 1e-7 * max(abs(best[2]), 1e-12)
                                   and value == best[0]):
            break
    if best is None:
        return SolverOutput(np.zeros(0, int), np.zeros(0), np.zeros((0, d)), float("nan"),
                            f"solver failed ({status})", np.zeros(n), {})
    _, Q, value, status, v = best
    return SolverOutput(np.r_[keep, keep], signs, Q, value, status, v, {})


def resolve_support(X: np.ndarray, y: np.ndarray, beta: float, loss: Loss, cells: CellSet, block_cells: np.ndarray,
                    block_signs: np.ndarray) -> SolverOutput:
    """(8) restricted to the cells of the given blocks (both signs each): the reference's
    re-optimisation on a support."""
    sub = np.unique(np.asarray(block_cells, dtype=int))
    out = solve_reference(X, y, beta, loss, CellSubset(cells, sub))
    out.cells = sub[out.cells] if out.cells.size else out.cells
    return out
