"""The exact convex program (8), written directly in cvxpy and solved by Clarabel.

    min_{v_i, w_i}  ℓ( Σ_i D_i X (v_i − w_i), y )  +  β Σ_i (‖v_i‖₂ + ‖w_i‖₂)
    s.t.            (2D_i − I) X v_i ≥ 0,   (2D_i − I) X w_i ≥ 0       i = 1 … P

With the P patterns stacked as columns of a 0/1 mask ``M (n, P)``, the fit is
``ŷ = rowsum(M ∘ X (V − W)ᵀ)`` and the cone constraints are
``(2M − 1) ∘ X Vᵀ ≥ 0``: 2dP variables and 2nP inequalities, as in the paper.
This is the reference route every faster solver is tested against.

The fit is an explicit variable z with the constraint z = Σ_i D_i X (v_i − w_i);
the multiplier of that constraint is the dual point v of (4) (for squared
loss, y − ŷ), which the certificate re-checks independently.
"""
from __future__ import annotations

import warnings

import cvxpy as cp
import numpy as np


def loss_expr(yhat, y, loss: str):
    """ℓ(ŷ, y) as a cvxpy expression (sums over samples, as in the paper)."""
    if loss == "squared":
        return 0.5 * cp.sum_squares(yhat - y)
    if loss == "hinge":
        return cp.sum(cp.pos(1 - cp.multiply(y, yhat)))
    if loss == "logistic":
        return cp.sum(cp.logistic(-cp.multiply(y, yhat)))
    raise ValueError(f"loss={loss!r} is not a known loss; use 'squared', 'hinge' or 'logistic'.")


def solve_reference(X, y, beta, patterns, loss="squared", *, verbose=False):
    """Solve (8) over the given patterns (bool (P, n)) with Clarabel.

    Returns ``(V, W, value, status, v)``; V and W are (P, d), v (n,) the dual
    point.  Inputs are trusted (validated by :func:`cvxcore.solve.solve_convex`).
    Patterns that switch no sample on (D_i = 0) carry no variable: their blocks
    are returned as zero.
    """
    from .losses import loss_grad, loss_value
    n, d = X.shape
    P = patterns.shape[0]
    keep = np.flatnonzero(patterns.any(axis=1))
    V_out, W_out = np.zeros((P, d)), np.zeros((P, d))
    if keep.size == 0:
        return V_out, W_out, float(loss_value(np.zeros(n), y, loss)), "optimal", -loss_grad(np.zeros(n), y, loss)
    M = patterns[keep].T.astype(float)              # (n, P')
    S = 2.0 * M - 1.0
    V = cp.Variable((keep.size, d))
    W = cp.Variable((keep.size, d))
    z = cp.Variable(n)
    XV, XW = X @ V.T, X @ W.T                       # (n, P')
    fit = z == cp.sum(cp.multiply(M, XV - XW), axis=1)
    objective = loss_expr(z, y, loss) + beta * (cp.sum(cp.norm(V, 2, axis=1)) + cp.sum(cp.norm(W, 2, axis=1)))
    prob = cp.Problem(cp.Minimize(objective), [fit, cp.multiply(S, XV) >= 0, cp.multiply(S, XW) >= 0])
    with warnings.catch_warnings():
        # "Solution may be inaccurate" is judged by the certificate, not by this warning.
        warnings.simplefilter("ignore", UserWarning)
        _solve(prob, verbose)
    if V.value is None:
        return V_out, W_out, float("nan"), f"solver failed ({prob.status})", np.zeros(n)
    V_out[keep], W_out[keep] = V.value, W.value
    return V_out, W_out, float(prob.value), str(prob.status), np.asarray(fit.dual_value, dtype=float).reshape(n)


def _solve(prob, verbose):
    try:
        # Tight tolerances: the certificate asks for 1e-6 relative even when p* is small.
        prob.solve(solver=cp.CLARABEL, verbose=verbose, tol_gap_abs=1e-12, tol_gap_rel=1e-12,
                   tol_feas=1e-12, max_iter=500)
    except cp.error.SolverError:
        try:   # Clarabel's default tolerances are looser but often get through
            prob.solve(solver=cp.CLARABEL, verbose=verbose)
        except cp.error.SolverError:
            pass   # V.value stays None: reported as a failed, uncertified solve
