"""Dual certificates: a lower bound on p* from any network (MATH.md §2).

Weak duality for (2)/(8): for every v with

    max_{‖u‖ ≤ 1} |vᵀ (X u)₊| ≤ β                                   (dual feasibility)

the dual value D(v) = −ℓ*(−v) (see :mod:`cvxcore.losses`) is ≤ p*.  Given a
network with output ŷ we take the direction v = −∇ℓ(ŷ) (for squared loss the
residual y − ŷ, which is the optimal v at the optimum), scale it into the
feasible set, s ≤ β / max_u |vᵀ(Xu)₊|, and pick the best such scale.  Then

    gap = objective(network) − D(s·v)  ≥  objective(network) − p*  ≥ 0,

so "this network is at most gap above the global optimum".

Exact pricing.  The maximum over the ball splits over the arrangement's
cells: on the cone K_i = {u : (2D_i − I) X u ≥ 0}, vᵀ(Xu)₊ = g_iᵀu with
g_i = Xᵀ D_i v, and max_{u ∈ K_i, ‖u‖ ≤ 1} g_iᵀu = ‖Π_{K_i}(g_i)‖.  By Moreau's
decomposition Π_K(g) = g + Aᵀμ* with A = (2D_i − I)X and
μ* = argmin_{μ ≥ 0} ‖Aᵀμ + g‖, a non-negative least-squares problem, so the
norm is NNLS's residual.  Since ‖Π_K(g)‖ ≤ ‖g‖, cells are visited in order of
decreasing ‖g_i‖ and the search stops once ‖g_i‖ cannot beat the best found:
exact, and usually only a handful of NNLS solves.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from .losses import best_dual_scale, dual_value, loss_grad
from .network import _objective, predict
from .params import check_loss, check_network, check_scalar, check_X, check_y


def cone_projection_norm(A, g):
    """‖Π_K(g)‖ and Π_K(g) for the polyhedral cone K = {u : A u ≥ 0}."""
    mu, rnorm = nnls(A.T, -g, maxiter=50 * A.shape[0] + 100)
    proj = g + A.T @ mu
    return float(np.linalg.norm(proj)), proj


def max_relu_correlation(X, v, patterns):
    """max over ‖u‖ ≤ 1 of vᵀ(Xu)₊, restricted to u in the cones of ``patterns``.

    With the exact arrangement this is the maximum over the whole ball.
    Returns (value, u*) with ‖u*‖ ≤ 1 (value 0 and u* = 0 when nothing is positive).
    """
    M = patterns.astype(float)
    G = M @ (v[:, None] * X)                     # g_i = Xᵀ D_i v, one per row
    norms = np.linalg.norm(G, axis=1)
    best, best_u = 0.0, np.zeros(X.shape[1])
    for i in np.argsort(-norms):
        if norms[i] <= best * (1 + 1e-12):
            break
        A = np.where(patterns[i][:, None], X, -X)
        val, proj = cone_projection_norm(A, G[i])
        if val > best:
            best, best_u = val, proj / val
    return best, best_u


def dual_norm(X, v, patterns):
    """max over ‖u‖ ≤ 1 of |vᵀ(Xu)₊|: the smallest β for which v is dual feasible."""
    return max(max_relu_correlation(X, v, patterns)[0], max_relu_correlation(X, -v, patterns)[0])


@dataclass
class Certificate:
    objective: float        # objective (2) of the network
    lower_bound: float      # D(s·v) ≤ p*
    gap: float              # objective − lower_bound ≥ objective − p*
    rel_gap: float          # gap / max(|objective|, tiny)
    v: np.ndarray           # the dual-feasible point s·v
    scale: float            # s
    dual_norm: float        # max_u |vᵀ(Xu)₊| before scaling
    seconds: float


def certify(X, y, yhat, primal_value, beta, loss, patterns, candidates=()) -> Certificate:
    """Certificate for a fit ``yhat`` with known objective (trusted inputs).

    Dual directions tried: v = −∇ℓ(ŷ) and any ``candidates`` (e.g. a solver's
    own multipliers, which matter for the non-smooth hinge loss where the
    subgradient at margin points is not the optimal dual); each is scaled into
    the feasible set by exact pricing, and the best lower bound is kept.
    """
    t0 = time.perf_counter()
    best = None
    for v in (-loss_grad(yhat, y, loss), *candidates):
        v = np.asarray(v, dtype=float)
        if loss != "squared":
            # The classification duals need vᵢyᵢ ∈ [0, 1]; a solver's multipliers sit a
            # rounding error outside it.  Any point of the domain is a valid candidate.
            v = y * np.clip(v * y, 0.0, 1.0)
        c = dual_norm(X, v, patterns)
        s = best_dual_scale(v, y, loss, beta / c if c > 0 else np.inf)
        lower = dual_value(s * v, y, loss)
        if best is None or lower > best[0]:
            best = (lower, s, v, c)
    lower, s, v, c = best
    gap = primal_value - lower
    return Certificate(float(primal_value), float(lower), float(gap),
                       float(gap / max(abs(primal_value), 1e-300)), s * v, float(s), float(c),
                       time.perf_counter() - t0)


def dual_certificate(X, y, U, alpha, beta, *, loss: str = "squared", patterns=None) -> Certificate:
    """Lower bound on p* from any network (U (m, d), alpha (m,)), and its gap.

    ``patterns`` defaults to the exact arrangement (then the bound is on the
    true p*; it raises ``ValueError`` when the arrangement is too large to
    enumerate).  With a subset of patterns the bound is on the optimum of (8)
    restricted to them, which is ≥ p*.
    """
    from .patterns import activation_patterns
    X = check_X(X)
    loss = check_loss(loss)
    y = check_y(y, X.shape[0], loss)
    beta = check_scalar("beta", beta)
    U, alpha = check_network(U, alpha, X.shape[1])
    if patterns is None:
        patterns = activation_patterns(X)
    yhat = predict(X, U, alpha)
    return certify(X, y, yhat, _objective(X, y, U, alpha, beta, loss), beta, loss, np.asarray(patterns, bool))
