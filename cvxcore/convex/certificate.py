"""Dual certificates: a lower bound on p* from any network (docs/theory.md §2).

Weak duality for (2)/(8): for every v with

    max_{‖u‖ ≤ 1} |vᵀ (X u)₊| ≤ β                                   (dual feasibility)

the dual value D(v) = −ℓ*(−v) (:mod:`cvxcore.losses`) is ≤ p*.  Given a network with output ŷ
we take the direction v = −∇ℓ(ŷ) (for squared loss the residual y − ŷ, which is the optimal v
at the optimum), scale it into the feasible set, s ≤ β / max_u |vᵀ(Xu)₊|, and pick the best
such scale.  Then

    gap = objective(network) − D(s·v)  ≥  objective(network) − p*  ≥ 0,

so "this network is at most gap above the global optimum".  The maximum over the ball splits
over the cells of the arrangement and is computed exactly (:mod:`cvxcore.arrangement`).

Better dual points from a network (:func:`refine_dual`).  The direction −∇ℓ(ŷ) is only as good
as the fit: near the optimum its gap shrinks like the square root of the primal error, and for
hinge loss the subgradient at points on the margin (yᵢŷᵢ = 1) is arbitrary, so the bound can be
poor even at the exact optimum.  So the network's own neurons are used as *cuts*: with the
features h_k = (X û_k)₊ of its unit directions û_k, solve the dual restricted to them,

    max_v D(v)  s.t.  |vᵀh_k| ≤ β  for every k

(a QP for squared loss, the projection of y onto a polytope; an LP in p = v∘y ∈ [0, 1]ⁿ for
hinge), price the result exactly over all cells, add the maximising directions ±u* as new cuts
and repeat a few rounds (a cutting-plane method for the semi-infinite dual).  Every round's v
is only a candidate: :func:`certify` scales it into the full feasible set, so the bound stays
valid whatever the cuts were.  At the optimum the cuts are the optimal neurons and the
restricted dual is the true one: the bound is tight.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..arrangement import arrangement, as_cells
from ..losses import get_loss
from ..network import objective, predict
from ..params import check_int, check_loss, check_network, check_scalar, check_X, check_y


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


def certify(X, y, yhat, primal_value, beta, loss, cells, candidates=()) -> Certificate:
    """Certificate for a fit ``yhat`` with known objective (trusted inputs; ``cells`` a cell set).

    Dual directions tried: v = −∇ℓ(ŷ) and any ``candidates`` (e.g. a solver's own multipliers,
    which matter for the non-smooth hinge loss, whose subgradient at margin points is not the
    optimal dual); each is scaled into the feasible set by exact pricing, the best bound kept.
    """
    t0 = time.perf_counter()
    loss = get_loss(loss)
    best = None
    for v in (-loss.grad(yhat, y), *candidates):
        v = loss.to_domain(v, y)
        c = cells.dual_norm(v)
        s = loss.best_dual_scale(v, y, beta / c if c > 0 else np.inf)
        lower = loss.dual_value(s * v, y)
        if best is None or lower > best[0]:
            best = (lower, s, v, c)
    lower, s, v, c = best
    gap = primal_value - lower
    return Certificate(float(primal_value), float(lower), float(gap),
                       float(gap / max(abs(primal_value), 1e-300)), s * v, float(s), float(c),
                       time.perf_counter() - t0)


def _violated_cuts(cells, v, beta, k, tol):
    """Unit directions u with vᵀ(Xu)₊ > β(1 + tol): the exact maximiser first, then up to
    k − 1 other cells in decreasing order of violation; and the maximum itself."""
    thr = beta * (1 + tol)
    vals, _ = cells.price(v, threshold=thr)
    over = np.flatnonzero(vals > thr)
    if over.size == 0:
        return [], float(vals.max(initial=0.0))
    top = over[np.argsort(-vals[over], kind="stable")[:max(k, 1)]]
    return [cells.argmax(v, int(c)) for c in top], float(vals[top[0]])


def refine_dual(X, y, U, beta, loss, cells, rounds: int = 30, cuts_per_round: int = 8, tol: float = 1e-9):
    """Candidate dual points from a network's neurons U (m, d) by cutting planes (module
    docstring).  Stops when the
    restricted dual's solution violates no constraint of any cell by more than a factor
    1 + ``tol``, or after ``rounds`` rounds.  Returns a list holding the round's v with the best
    lower bound (empty if every solve failed, or the loss has no restricted dual program:
    :meth:`cvxcore.losses.Loss.dual_on_cuts`)."""
    loss = get_loss(loss)
    if rounds < 1:
        return []
    norms = np.linalg.norm(U, axis=1)
    dirs = [u for u in U[norms > 0] / norms[norms > 0, None]]
    best = (-np.inf, None)
    for _ in range(rounds):
        Hc = np.maximum(X @ np.array(dirs).T, 0.0) if dirs else np.zeros((X.shape[0], 0))
        Hc = Hc[:, np.linalg.norm(Hc, axis=0) > 0]
        v = loss.dual_on_cuts(Hc, y, beta)
        if v is None:                       # no such program for this loss, or the solve failed
            break
        plus, c_plus = _violated_cuts(cells, v, beta, cuts_per_round, tol)
        minus, c_minus = _violated_cuts(cells, -v, beta, cuts_per_round, tol)
        if not plus and not minus:         # feasible to within 1 + tol: the last round is the best
            return [v]
        c = max(c_plus, c_minus)           # exact: some cell exceeds β(1 + tol)
        lower = loss.dual_value(loss.best_dual_scale(v, y, beta / c) * v, y)
        if lower > best[0]:
            best = (lower, v)
        dirs += plus + minus
    return [] if best[1] is None else [best[1]]


def dual_certificate(X, y, U, alpha, beta, *, loss: str = "squared", patterns=None,
                     refine: int = 30) -> Certificate:
    """Lower bound on p* from any network (U (m, d), alpha (m,)), and its gap.

    Dual directions tried: −∇ℓ(ŷ) and, for squared and hinge loss, ``refine`` cutting-plane
    rounds started from the network's neurons (:func:`refine_dual`; ``refine=0`` keeps only
    −∇ℓ(ŷ)).  ``patterns`` (a (P, n) array or a cell set such as ``arrangement(X)`` or a
    result's ``arrangement``) defaults to the exact arrangement: then the bound is on the true
    p* (``ValueError`` when it is too large to build).  With a subset of patterns the bound is
    on the optimum of (8) restricted to them, which is ≥ p*.
    """
    X = check_X(X)
    loss = check_loss(loss)
    y = check_y(y, X.shape[0], loss)
    beta = check_scalar("beta", beta)
    U, alpha = check_network(U, alpha, X.shape[1])
    refine = check_int("refine", refine, 0, 1000)
    cells = arrangement(X) if patterns is None else as_cells(X, patterns)
    t0 = time.perf_counter()
    candidates = refine_dual(X, y, U, beta, loss, cells, refine)
    cert = certify(X, y, predict(X, U, alpha), float(objective(X, y, U, alpha, beta, loss)), beta, loss,
                   cells, candidates)
    cert.seconds = time.perf_counter() - t0
    return cert


def dual_norm(X, v, patterns=None) -> float:
    """max over ‖u‖ ≤ 1 of |vᵀ(Xu)₊|: the smallest β for which v is dual feasible (over the
    cells of ``patterns``; default the whole arrangement, then exactly over the ball)."""
    X = check_X(X)
    v = _check_v(v, X.shape[0])
    cells = arrangement(X) if patterns is None else as_cells(X, patterns)
    return cells.dual_norm(v)


def dual_constraint_values(X, v, U) -> np.ndarray:
    """u ↦ vᵀ(Xu)₊ at each row u of ``U`` (k, d): the function whose absolute value the dual (4)
    bounds by β on the unit ball.  At the optimum it touches ±β exactly at the optimal neurons'
    directions ûⱼ (with the sign of αⱼ)."""
    X = check_X(X)
    U = np.atleast_2d(np.asarray(U, dtype=float))
    v = _check_v(v, X.shape[0])
    if U.shape[1] != X.shape[1]:
        raise ValueError(f"U has shape {U.shape}; pass directions (k, {X.shape[1]}), one per row, for this X.")
    return np.maximum(U @ X.T, 0.0) @ v


def _check_v(v, n):
    v = np.asarray(v, dtype=float).reshape(-1)
    if v.shape[0] != n or not np.all(np.isfinite(v)):
        raise ValueError(f"v has shape {v.shape} or non-finite entries; pass a finite dual point of shape ({n},).")
    return v
