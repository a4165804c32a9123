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

Hinge loss: the subgradient fitted to the network (:func:`hinge_stationary_duals`, cheap, no
cutting planes).  Every p ∈ [0, 1]ⁿ gives a point v = y∘p of the hinge's dual domain, with
D(v) = Σ pᵢ (Fenchel: ℓ*(−v) = −Σ pᵢ).  The hinge's subdifferential at the network's margins
μᵢ = yᵢŷᵢ fixes pᵢ = 1 where μᵢ < 1 and pᵢ = 0 where μᵢ > 1, and leaves pᵢ ∈ [0, 1] free at
μᵢ = 1.  Which free values belong to the optimum is what the network's own stationarity says:
∂(2)/∂u_j = 0 reads α_j Xᵀ D_j v = β u_j for every neuron j (so that vᵀ(Xû_j)₊ = sign(α_j) β, the
constraint of (4) tight at the neuron's direction, as at the optimum).  So the points whose
margin lies within δ of 1 get the p ∈ [0, 1] that fits these equations best (a box-constrained
least-squares problem of m·d equations), the others keep the subgradient's 0 or 1; a few δ are
tried.  When these equations determine the optimal dual point, the network at the optimum yields
it exactly; elsewhere v is only a candidate, scaled into feasibility like every other.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import lsq_linear

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
    best: tuple | None = None
    for v in (-loss.grad(yhat, y), *candidates):
        v = loss.to_domain(v, y)
        c = cells.dual_norm(v)
        s = loss.best_dual_scale(v, y, beta / c if c > 0 else np.inf)
        lower = loss.dual_value(s * v, y)
        if best is None or lower > best[0]:
            best = (lower, s, v, c)
    lower, s, v, c = best if best is not None else (-np.inf, 0.0, np.zeros(len(y)), 0.0)
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


HINGE_MARGIN_BANDS = (0.1, 0.3, 1.0, np.inf)     # the δ of hinge_stationary_duals
TIKHONOV = 1e-6                                   # its pull towards the subgradient, relative to ‖G‖₂


def hinge_stationary_duals(X, y, U, alpha, beta, bands=HINGE_MARGIN_BANDS) -> list[np.ndarray]:
    """Hinge-loss dual candidates v = y∘p fitted to the network's stationarity (module
    docstring), one per margin band δ in ``bands``: pᵢ = 1 where μᵢ < 1 − δ, 0 where μᵢ > 1 + δ,
    and on |μᵢ − 1| ≤ δ the p ∈ [0, 1] minimising Σ_j ‖α_j Xᵀ D_j (y∘p) − β u_j‖² (plus a
    ``TIKHONOV`` pull towards the subgradient); and p = 1, the zero network's dual point (the best
    of these for a network stuck far from the optimum).  Trusted inputs."""
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    m = U.shape[0]
    mu = y * predict(X, U, alpha)
    p0 = (mu < 1).astype(float)
    out: list[np.ndarray] = [y.copy()]
    if m == 0:
        return out
    pre = X @ U.T                                                        # (n, m)
    tol = 1e-9 * np.abs(pre).max(initial=0.0)
    on = (pre > tol).astype(float)
    # row block j: α_j Σ_i x_i yᵢ pᵢ [x_iᵀu_j > 0] (+ α_j x_i yᵢ q_ij at a kink) = β u_j
    G = np.concatenate([alpha[j] * (X * (on[:, j] * y)[:, None]).T for j in range(m)])       # (m·d, n)
    # A point on a neuron's hyperplane (x_iᵀu_j = 0: common at an optimum of (8), whose neurons sit on
    # the boundary of their cones) has a ReLU slope anywhere in [0, 1]; its share q_ij = slope · pᵢ is
    # one more unknown in [0, 1] (q only helps the fit; v = y∘p is what the certificate prices).
    ki, kj = np.nonzero(np.abs(pre) <= tol)
    E = np.zeros((m * d, ki.size))
    for c, (i, j) in enumerate(zip(ki, kj)):
        E[j * d:(j + 1) * d, c] = alpha[j] * y[i] * X[i]
    rhs = beta * U.reshape(-1)
    seen: set[tuple] = set()
    for band in bands:
        free = np.flatnonzero(np.abs(mu - 1) <= band)
        if free.size == 0 or tuple(free) in seen:
            continue
        seen.add(tuple(free))
        fixed = np.setdiff1d(np.arange(n), free)
        p = p0.copy()
        cols = np.hstack([G[:, free], E])
        if np.any(cols):
            # a little Tikhonov weight towards the subgradient (and q towards 0) makes the problem well
            # posed (many p fit m·d equations when many points are free) and picks the fit nearest to it
            w = TIKHONOV * max(float(np.linalg.norm(cols, 2)), 1e-300)
            A = np.vstack([cols, w * np.eye(cols.shape[1])])
            b = np.concatenate([rhs - G[:, fixed] @ p0[fixed], w * p0[free], np.zeros(ki.size)])
            p[free] = np.clip(lsq_linear(A, b, bounds=(0.0, 1.0), method="bvls").x[:free.size], 0.0, 1.0)
        out.append(y * p)
    return out


def dual_certificate(X, y, U, alpha, beta, *, loss: str = "squared", patterns=None,
                     refine: int = 30, stationary: bool | None = None) -> Certificate:
    """Lower bound on p* from any network (U (m, d), alpha (m,)), and its gap.

    Dual directions tried: −∇ℓ(ŷ); for squared and hinge loss, ``refine`` cutting-plane rounds
    started from the network's neurons (:func:`refine_dual`); for hinge loss with
    ``stationary`` (default: when ``refine`` > 0), the subgradients fitted to the network's
    stationarity (:func:`hinge_stationary_duals`, no cutting planes: the cheap live bound).
    ``refine=0`` alone keeps only −∇ℓ(ŷ).  ``patterns`` (a (P, n) array or a cell set such as ``arrangement(X)`` or a
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
    if loss == "hinge" and (refine > 0 if stationary is None else stationary):
        candidates += hinge_stationary_duals(X, y, U, alpha, beta)
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
