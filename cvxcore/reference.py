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

Logistic loss needs the exponential cone, on which Clarabel sometimes stalls;
:func:`_attempts` lists the rescaled retries and the SCS fallback.
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
    scale = cp.Parameter(nonneg=True, value=1.0)    # objective scaling, see _attempts
    prob = cp.Problem(cp.Minimize(scale * objective), [fit, cp.multiply(S, XV) >= 0, cp.multiply(S, XW) >= 0])
    best, status = None, "not attempted"
    for s, solver, opts in _attempts(loss):
        scale.value = s
        with warnings.catch_warnings():
            # "Solution may be inaccurate" is judged by the certificate, not by this warning.
            warnings.simplefilter("ignore", UserWarning)
            try:
                prob.solve(solver=solver, verbose=verbose, **opts)
            except cp.error.SolverError:
                status = f"{solver} failed"
                continue
        status = str(prob.status)
        if V.value is None or fit.dual_value is None:
            continue
        Vk, Wk = np.array(V.value), np.array(W.value)
        value = network_value(X, y, beta, loss, Vk, Wk)
        if best is None or value < best[0]:
            best = (value, Vk, Wk, float(prob.value) / s, status,
                    np.asarray(fit.dual_value, dtype=float).reshape(n) / s)
        # Stop at an "optimal" report, or at an inaccurate one whose blocks already
        # define a network worth what the solver says (cone constraints hold to 1e-7).
        if status == "optimal" or (status == "optimal_inaccurate"
                                   and abs(value - best[3]) <= 1e-7 * max(abs(best[3]), 1e-12)
                                   and value == best[0]):
            break
    if best is None:
        return V_out, W_out, float("nan"), f"solver failed ({status})", np.zeros(n)
    _, V_out[keep], W_out[keep], value, status, v = best
    return V_out, W_out, value, status, v


def network_value(X, y, beta, loss, Vk, Wk):
    """Objective of the network the blocks define, ℓ(Σ_i (X v_i)₊ − (X w_i)₊) + β Σ_i (‖v_i‖ + ‖w_i‖).

    Computed with the ReLU itself, not with D_i, so it is the value of an actual
    network and an upper bound on the optimum whatever the solver's accuracy;
    used to pick the best of several inexact attempts.
    """
    from .losses import loss_value
    fit = np.maximum(X @ Vk.T, 0).sum(axis=1) - np.maximum(X @ Wk.T, 0).sum(axis=1)
    return float(loss_value(fit, y, loss)
                 + beta * (np.linalg.norm(Vk, axis=1).sum() + np.linalg.norm(Wk, axis=1).sum()))


_TIGHT = dict(tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12, max_iter=500)


def _attempts(loss):
    """(objective scale, solver, options) tried in turn until one reports "optimal"
    (or "optimal_inaccurate" with a self-consistent network value).

    Squared and hinge loss: Clarabel at tight tolerances (the certificate asks
    for 1e-6 relative even when p* is small), then at its defaults.

    Logistic loss goes through Clarabel's exponential cone, whose
    interior-point steps stall ("InsufficientProgress") on some instances —
    e.g. 20 XOR points with a bias at β = 1e-2 or 3e-2 fail at every tolerance,
    while the same problem with the objective multiplied by 10 or by 0.1
    solves in a fraction of a second (which scale works varies from instance to
    instance).  Scaling the objective changes neither the minimiser nor, after
    dividing by the scale, the value and the dual point.  SCS at tight
    tolerance (first order, slower: ~10–90 s on that example) is the last
    resort.  The best network among the attempts is kept and the certificate
    in :func:`cvxcore.solve.solve_convex` judges it.
    """
    first = [(1.0, cp.CLARABEL, _TIGHT), (1.0, cp.CLARABEL, {})]
    if loss != "logistic":
        return first
    return first + [(10.0, cp.CLARABEL, {}), (0.1, cp.CLARABEL, {}), (100.0, cp.CLARABEL, {}),
                    (0.01, cp.CLARABEL, {}),
                    (1.0, cp.SCS, dict(eps_abs=1e-9, eps_rel=1e-9, max_iters=50_000))]
