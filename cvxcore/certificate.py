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

Better dual points from a network (:func:`refine_dual`).  The direction
−∇ℓ(ŷ) is only as good as the fit: near the optimum its gap shrinks like the
square root of the primal error, and for hinge loss the subgradient at points
on the margin (yᵢŷᵢ = 1) is arbitrary, so the bound can be poor even at the
exact optimum.  So the network's own neurons are used as *cuts*: with the
features h_k = (X û_k)₊ of its unit directions û_k, solve the dual restricted
to them,

    max_v D(v)  s.t.  |vᵀh_k| ≤ β  for every k

(a QP for squared loss, the projection of y onto a polytope; an LP in
p = v∘y ∈ [0, 1]ⁿ for hinge), price the result exactly over all cells, add the
maximising directions ±u* as new cuts and repeat a few rounds (a
cutting-plane method for the semi-infinite dual).  Every round's v is only a
candidate: :func:`certify` scales it into the full feasible set, so the bound
stays valid whatever the cuts were.  At the optimum the cuts are the optimal
neurons and the restricted dual is the true one: the bound is tight.
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
    For data of rank ≤ 3 the cells are priced in one vectorised pass from their
    facets (:mod:`cvxcore.pricing`); otherwise, and for patterns that are not
    cells of X's arrangement, by NNLS (:func:`max_relu_correlation_nnls`).
    """
    from .pricing import correlations, max_over_patterns
    G = correlations(X, v, patterns)
    best, _, u = max_over_patterns(X, G, patterns)
    return best, u


def max_relu_correlation_nnls(X, v, patterns):
    """The reference route for :func:`max_relu_correlation`: NNLS over all n rows of each cell."""
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


def _dual_on_cuts(Hc, y, beta, loss):
    """argmax D(v) s.t. |vᵀh_k| ≤ β for the columns of Hc (n, K), by Clarabel; None if it fails."""
    import clarabel
    from scipy import sparse
    n, K = Hc.shape
    if loss == "squared":      # min ½‖v‖² − yᵀv  s.t.  ±Hcᵀv ≤ β
        P, q, A, b = sparse.identity(n, format="csc"), -y, np.vstack([Hc.T, -Hc.T]), np.full(2 * K, beta)
    else:                      # hinge, v = y∘p:  min −Σp  s.t.  ±(y∘Hc)ᵀp ≤ β,  0 ≤ p ≤ 1
        G = (y[:, None] * Hc).T
        P, q = sparse.csc_matrix((n, n)), -np.ones(n)
        A = np.vstack([G, -G, np.eye(n), -np.eye(n)])
        b = np.concatenate([np.full(2 * K, beta), np.ones(n), np.zeros(n)])
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = 1e-11
    if A.shape[0] == 0:
        A, b = np.zeros((1, n)), np.ones(1)
    sol = clarabel.DefaultSolver(sparse.csc_matrix(P), q, sparse.csc_matrix(A), b,
                                 [clarabel.NonnegativeConeT(A.shape[0])], settings).solve()
    x = np.asarray(sol.x, dtype=float)
    if x.shape != (n,) or not np.all(np.isfinite(x)):
        return None
    return x if loss == "squared" else y * np.clip(x, 0.0, 1.0)


def _violated_cuts(X, v, patterns, beta, k, tol):
    """Unit directions u with vᵀ(Xu)₊ > β(1 + tol): the exact maximiser first, then up to k − 1
    other cells in decreasing order of violation; and the maximum itself (exact when > β(1 + tol)).

    Every pattern is priced at once by :func:`cvxcore.pricing.price_patterns` (exact wherever the
    value exceeds the threshold).
    """
    from .pricing import maximiser, pattern_correlations, price_patterns
    thr = beta * (1 + tol)
    G = pattern_correlations(X, np.asarray(v, dtype=float), patterns)[0]
    vals = price_patterns(X, G, patterns, threshold=thr)
    over = np.flatnonzero(vals > thr)
    if over.size == 0:
        return [], float(vals.max(initial=0.0))
    top = over[np.argsort(-vals[over], kind="stable")[:max(k, 1)]]
    return [maximiser(X, G[i], patterns[i]) for i in top], float(vals[top[0]])


def refine_dual(X, y, U, beta, loss, patterns, rounds: int = 30, cuts_per_round: int = 8, tol: float = 1e-9):
    """Candidate dual points from a network's neurons U (m, d) by cutting planes (module docstring).

    Squared and hinge loss only (others: no candidates).  Stops when the restricted dual's
    solution violates no constraint of any cell by more than a factor 1 + ``tol`` (scaling it
    in then loses at most that fraction), or after ``rounds`` rounds.  Returns a list holding
    the round's v (n,) with the best lower bound (empty if every solve failed).
    """
    if loss not in ("squared", "hinge") or rounds < 1:
        return []
    norms = np.linalg.norm(U, axis=1)
    dirs = [u for u in U[norms > 0] / norms[norms > 0, None]]
    best = (-np.inf, None)
    for _ in range(rounds):
        Hc = np.maximum(X @ np.array(dirs).T, 0.0) if dirs else np.zeros((X.shape[0], 0))
        Hc = Hc[:, np.linalg.norm(Hc, axis=0) > 0]
        v = _dual_on_cuts(Hc, y, beta, loss)
        if v is None:
            break
        plus, c_plus = _violated_cuts(X, v, patterns, beta, cuts_per_round, tol)
        minus, c_minus = _violated_cuts(X, -v, patterns, beta, cuts_per_round, tol)
        if not plus and not minus:         # feasible to within 1 + tol: the last round is the best
            return [v]
        c = max(c_plus, c_minus)           # exact: some cell exceeds β(1 + tol)
        lower = dual_value(best_dual_scale(v, y, loss, beta / c) * v, y, loss)
        if lower > best[0]:
            best = (lower, v)
        dirs += plus + minus
    return [] if best[1] is None else [best[1]]


def dual_constraint_values(X, v, U) -> np.ndarray:
    """u ↦ vᵀ(Xu)₊ at each row u of ``U`` (k, d): the function whose absolute value the dual (4)
    bounds by β on the unit ball.  At the optimum it touches ±β exactly at the optimal neurons'
    directions ûⱼ (with the sign of αⱼ)."""
    X = check_X(X)
    U = np.atleast_2d(np.asarray(U, dtype=float))
    v = np.asarray(v, dtype=float).reshape(-1)
    if U.shape[1] != X.shape[1] or v.shape[0] != X.shape[0]:
        raise ValueError(f"U has shape {U.shape} and v {v.shape}; pass directions (k, {X.shape[1]}) and a "
                         f"dual point ({X.shape[0]},) for this X.")
    return np.maximum(U @ X.T, 0.0) @ v


def dual_norm(X, v, patterns=None):
    """max over ‖u‖ ≤ 1 of |vᵀ(Xu)₊|: the smallest β for which v is dual feasible (over the
    cells of ``patterns``; default the whole arrangement, then exact over the ball)."""
    from .patterns import activation_patterns
    from .pricing import correlations, max_over_patterns, price_cells_pm
    if patterns is None:
        X = check_X(X)
        v = np.asarray(v, dtype=float).reshape(-1)
        patterns = activation_patterns(X)
    priced = price_cells_pm(X, v, patterns)
    if priced is not None:              # every pattern a cell: both signs in one pass
        return float(max(priced[0].max(initial=0.0), priced[1].max(initial=0.0)))
    G = correlations(X, v, patterns)
    return max(max_over_patterns(X, G, patterns)[0], max_over_patterns(X, -G, patterns)[0])


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


def dual_certificate(X, y, U, alpha, beta, *, loss: str = "squared", patterns=None,
                     refine: int = 30) -> Certificate:
    """Lower bound on p* from any network (U (m, d), alpha (m,)), and its gap.

    Dual directions tried: −∇ℓ(ŷ) and, for squared and hinge loss, ``refine``
    cutting-plane rounds started from the network's neurons (:func:`refine_dual`;
    ``refine=0`` keeps only −∇ℓ(ŷ)).

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
    patterns = np.asarray(patterns, bool)
    yhat = predict(X, U, alpha)
    refine = int(check_scalar("refine", refine, lo=0, hi=1000, integer=True))
    t0 = time.perf_counter()
    candidates = refine_dual(X, y, U, beta, loss, patterns, refine)
    cert = certify(X, y, yhat, _objective(X, y, U, alpha, beta, loss), beta, loss, patterns, candidates)
    cert.seconds = time.perf_counter() - t0
    return cert
