"""A small program over given blocks, written in cvxpy and solved by Clarabel.

Over blocks j = 1 … k, each a pattern D_j (an activation pattern of X) with a sign s_j:

    min_{q_j}  ℓ( Σ_j s_j D_j X q_j , y )  +  β Σ_j ‖q_j‖₂      [ s.t. (2D_j − I) X q_j ≥ 0 ]

With the cone constraints it is (8) restricted to those blocks (its v_i are the blocks with
s = +1, its w_i those with s = −1); without them it is the group lasso on the columns
[D_1X … D_kX], where the signs do not matter (q_j is free).  This module is deliberately not the
project's solver (:mod:`cvxcore.convex`): the mechanism's claims are checked against it as an
independent route.  The fit is an explicit variable z with the constraint z = Σ_j s_j D_j X q_j,
whose multiplier is the dual point v (squared loss: y − ŷ).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

_TIGHT = dict(tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11, max_iter=500)


@dataclass
class BlockSolution:
    Q: np.ndarray          # (k, d) the blocks q_j
    fit: np.ndarray        # (n,) Σ_j s_j D_j X q_j
    value: float           # ℓ(fit, y) + β Σ‖q_j‖, evaluated in numpy at the returned blocks
    dual: np.ndarray       # (n,) the multiplier of the fit constraint: a candidate dual point v
    status: str


def solve_blocks(X, y, beta, loss, patterns, signs, *, cones: bool) -> BlockSolution:
    """The program of the module docstring (trusted inputs: ``loss`` a :class:`cvxcore.Loss`,
    ``patterns`` (k, n) bool, ``signs`` (k,) ±1)."""
    import cvxpy as cp
    n, d = X.shape
    M = np.asarray(patterns, dtype=float).T                # (n, k)
    s = np.asarray(signs, dtype=float)
    k = M.shape[1]
    if k == 0:
        zero = np.zeros(n)
        return BlockSolution(np.zeros((0, d)), zero, float(loss.value(zero, y)), loss.zero_dual(y), "optimal")
    Q = cp.Variable((k, d))
    z = cp.Variable(n)
    XQ = X @ Q.T                                          # (n, k): column j is X q_j
    fit = z == cp.sum(cp.multiply(M * s, XQ), axis=1)
    cons = [fit]
    if cones:
        cons.append(cp.multiply(2.0 * M - 1.0, XQ) >= 0)
    prob = cp.Problem(cp.Minimize(loss.cvxpy(z, y) + beta * cp.sum(cp.norm(Q, 2, axis=1))), cons)
    status = "solver failed"
    for opts in (_TIGHT, {}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)    # an inaccurate solve is judged by its certificate
            try:
                prob.solve(solver=cp.CLARABEL, **opts)
            except cp.error.SolverError:
                continue
        status = str(prob.status)
        if Q.value is not None and status in ("optimal", "optimal_inaccurate"):
            break
    if Q.value is None or fit.dual_value is None:
        return BlockSolution(np.full((k, d), np.nan), np.full(n, np.nan), float("nan"), np.full(n, np.nan), status)
    Qv = np.asarray(Q.value, dtype=float)
    yhat = ((X @ Qv.T) * M) @ s
    value = float(loss.value(yhat, y) + beta * np.linalg.norm(Qv, axis=1).sum())
    return BlockSolution(Qv, yhat, value, np.asarray(fit.dual_value, dtype=float).reshape(n), status)
