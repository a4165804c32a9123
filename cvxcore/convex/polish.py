"""An uncertified optimum of (8) improved by exact fits over neuron directions (docs/theory.md §4).

With coordinates of 10⁻⁴ beside a bias column of ones (and β ∝ 10⁻⁶) the bias weight's penalty
is 10⁻⁸ of the others', and dual feasibility asks v's sums over half-planes of the data to stay
below β to a relative 10⁻⁶: sums of O(1) terms right to ~10⁻¹².  The working set's
interior-point solves stop near 10⁻⁸ ("AlmostSolved"); their network is close to the optimum,
but neither it nor their dual point certifies.

With the direction of each block fixed, (8) is a program in the magnitudes a ≥ 0 of the neurons
(√a_k û_k, s_k √a_k) over the signed features H = [s_k (Xû_k)₊]:

    hinge     min βΣa + Σξ   s.t.  ξ ≥ 1 − y∘Ha,  ξ ≥ 0      (a linear program)
    squared   min ½‖Ha − y‖² + βΣa                              (a non-negative lasso)

solved exactly, without cones: the hinge's by HiGHS's dual simplex (a vertex; its multipliers p
give v = y∘p, and its magnitudes are solved again on their own basis, :func:`_on_the_margin`),
the lasso by Lawson and Hanson's active set on QR factors (:func:`_nonneg_lasso_qr`, v = y − Ha;
the first phase's :func:`cvxcore.convex.directions.nonneg_lasso` works on the Gram matrix, whose
squared condition number merges features 10⁻⁶ apart), both on unit columns. Starting from the
network's own directions, each round prices v over every cell and adds the maximising directions
of the most violated cells (column generation over directions, as in the working set's first
phase): each round's network is an upper bound and each v, scaled into the feasible set, a lower
bound. The hinge's program keeps every direction (its vertex duals would otherwise alternate, as
a working set that drops its slack blocks cycles).

Only candidates: :func:`cvxcore.convex.certificate.certify` prices every dual point over all
cells, the network's objective (2) is recomputed, and the result is kept only when its certified
gap is smaller than the network's as given.  It runs only for a result that is not certified.
"""
from __future__ import annotations

import numpy as np

from ..losses import Loss
from ..network import objective, predict
from .certificate import Certificate, certify
from .recovery import independent_network

POLISH_MAX_N = 300          # above this n an uncertified result is returned as it is
DIRECTION_ROUNDS = 30       # rounds of column generation over directions
PER_ROUND = 8               # directions added a round (the most violated cells)


def _fit_directions(X, y, beta, loss: Loss, H):
    """(8) with the block directions fixed (the columns of H, signed ReLU features of unit
    directions): the magnitudes a ≥ 0 and the program's exact dual point v; None on failure.
    Hinge: the linear program min βΣa + Σξ s.t. ξ ≥ 1 − y∘Ha, ξ ≥ 0 by HiGHS's simplex (a
    vertex, its multipliers p give v = y∘p); squared: the non-negative lasso, v = y − Ha."""
    k = H.shape[1]
    # unit columns: features of directions near the bias's are O(1), the others as small as the
    # coordinates; the solvers' tolerances are relative to the columns' scale
    w = np.linalg.norm(H, axis=0)
    w = np.where(w > 0, w, 1.0)
    Hu = H / w
    if loss.name == "hinge":
        from scipy.optimize import linprog
        n = y.size
        A = np.hstack([-(y[:, None] * Hu), -np.eye(n)])
        res = linprog(np.r_[beta / w, np.ones(n)], A_ub=A, b_ub=-np.ones(n), bounds=(0, None),
                      method="highs-ds", options={"primal_feasibility_tolerance": 1e-10,
                                                  "dual_feasibility_tolerance": 1e-10})
        if res.status != 0:
            return None
        a, p = np.maximum(res.x[:k], 0.0) / w, np.clip(-res.ineqlin.marginals, 0.0, 1.0)
        return _on_the_margin(H, y, beta, a, p), y * p
    if loss.name != "squared":
        return None
    a = _nonneg_lasso_qr(Hu, y, beta / w) / w
    return a, y - H @ a


def _nonneg_lasso_qr(H, y, c, max_iter: int | None = None):
    """argmin ½‖Ha − y‖² + cᵀa over a ≥ 0 by Lawson and Hanson's active set, each solve on the free
    set F by the QR factors of H_F (H_Fᵀ(y − H_F a_F) = c_F; a Gram matrix would square H_F's
    condition number, and features 10⁻⁶ of their size apart are then one column) with one step of
    refinement from a residual in extended precision.  Optimality: the gradient Hᵀ(Ha − y) + c is
    ≥ −10⁻¹² max c off F; a column that H_F already spans (to 10⁻¹³) is not freed."""
    n, k = H.shape
    LD = np.longdouble
    HL, yL, cL = H.astype(LD), y.astype(LD), c.astype(LD)
    tol = 1e-12 * float(np.max(np.abs(c), initial=0.0))
    a = np.zeros(k)
    free: list[int] = []
    banned = np.zeros(k, dtype=bool)

    def solve(F):
        if len(F) > n:                  # more columns than samples: dependent
            return None
        Q, R = np.linalg.qr(H[:, F])
        d = np.abs(np.diag(R))
        if d.min(initial=np.inf) <= 1e-13 * d.max(initial=0.0):
            return None
        z = np.linalg.solve(R, Q.T @ y - np.linalg.solve(R.T, c[F]))
        g = HL[:, F].T @ (yL - HL[:, F] @ z.astype(LD)) - cL[F]
        return z + np.linalg.solve(R, np.linalg.solve(R.T, np.asarray(g, dtype=float)))

    for _ in range(max_iter or 3 * k + 20):
        g = np.asarray(HL.T @ (HL @ a.astype(LD) - yL) + cL, dtype=float)
        g[free] = 0.0
        g[banned] = 0.0
        j = int(np.argmin(g))
        if g[j] >= -tol:
            break
        z = solve(free + [j])
        F = free + [j]
        if z is None and free:
            # h_j = H_F w: along e_j − w the fit stays and the objective falls by |g_j| a unit;
            # go until a free variable reaches 0 and swap it for j (Lawson–Hanson's degenerate step)
            wv = np.linalg.lstsq(H[:, free], H[:, j], rcond=None)[0]
            pos = np.flatnonzero(wv > 1e-12 * np.abs(wv).max(initial=0.0))
            if pos.size and np.linalg.norm(H[:, free] @ wv - H[:, j]) <= 1e-10 * np.linalg.norm(H[:, j]):
                ratios = a[np.asarray(free)[pos]] / wv[pos]
                p = int(pos[np.argmin(ratios)])
                t = float(ratios.min())
                a[free] = np.maximum(a[free] - t * wv, 0.0)
                a[free[p]] = 0.0
                a[j] = t
                F = free[:p] + free[p + 1:] + [j]
                z = solve(F)
        if z is None:
            banned[j] = True
            continue
        for _ in range(len(F) + 1):     # each pass fixes one more variable at 0
            if np.all(z > 0):
                a[:] = 0.0
                a[F] = z
                free = F
                break
            cur = a[F]
            neg = np.flatnonzero(z <= 0)
            ratios = cur[neg] / (cur[neg] - z[neg])
            step = np.maximum(cur + float(ratios.min()) * (z - cur), 0.0)
            step[neg[np.argmin(ratios)]] = 0.0
            a[:] = 0.0
            a[F] = step
            F = [f for f, v in zip(F, step) if v > 0]
            z = solve(F) if F else None
            if z is None:
                free = F
                break
    return a


def _on_the_margin(H, y, beta, a, p):
    """The simplex's magnitudes solved again on their own basis: its x meets the margins
    yᵢ(Ha)ᵢ = 1 only to its feasibility tolerance, relative to the columns' scale, and with
    features that differ by 10⁻⁵ of their size that moves the hinge loss by 10⁻⁵ relative.  The
    columns in use and the points on the margin (0 < pᵢ < 1, or yᵢ(Ha)ᵢ within 10⁻⁴ of 1) fix a
    by least squares (exact when the basis is); the better of the two magnitudes is kept."""
    def value(b):
        return beta * b.sum() + np.maximum(0.0, 1.0 - y * (H @ b)).sum()

    use = a > 1e-12 * max(float(a.max(initial=0.0)), 1e-300)
    on = (np.abs(y * (H @ a) - 1.0) <= 1e-4) | ((p > 1e-9) & (p < 1 - 1e-9))
    if not use.any() or not on.any():
        return a
    b = np.zeros_like(a)
    b[use] = np.linalg.lstsq(H[np.ix_(on, use)], y[on], rcond=None)[0]
    return b if np.all(b >= 0) and value(b) < value(a) else a


def directions_generation(X, y, beta, loss: Loss, cells, U, alpha, ncell, v0, rounds: int = DIRECTION_ROUNDS,
                          per_round: int = PER_ROUND):
    """Column generation over neuron directions from the network's own (module docstring):
    each round fits the magnitudes exactly (:func:`_fit_directions`), prices its dual point over
    every cell and adds the maximising directions of the most violated cells.  Returns the
    networks ``(U, alpha, cells)`` and dual points of the rounds (candidates)."""
    norms = np.linalg.norm(U, axis=1)
    dirs = U[norms > 0] / norms[norms > 0, None]
    signs = np.sign(alpha[norms > 0])
    dcells = np.asarray(ncell, dtype=int)[norms > 0]
    nets: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    duals: list[np.ndarray] = []
    v = np.asarray(v0, dtype=float)
    nonzero = cells.nonzero()
    for _ in range(rounds):
        plus, minus = cells.price(v)
        plus, minus = np.where(nonzero, plus, 0.0), np.where(nonzero, minus, 0.0)
        if max(plus.max(initial=0.0), minus.max(initial=0.0)) <= beta * (1 + 1e-12) and nets:
            break
        cand = np.concatenate([plus, minus])
        top = [int(c) for c in np.argsort(-cand)[:per_round] if cand[c] > beta]
        P = plus.size
        tc = np.array([c % P for c in top], dtype=int)
        ts = np.array([1.0 if c < P else -1.0 for c in top])
        if tc.size:
            new = cells.argmaxes(v, tc, ts)
            nn = np.linalg.norm(new, axis=1)
            ok = nn > 0
            dirs = np.vstack([dirs, new[ok] / nn[ok, None]])
            signs, dcells = np.r_[signs, ts[ok]], np.r_[dcells, tc[ok]]
        H = np.maximum(X @ dirs.T, 0.0) * signs
        got = _fit_directions(X, y, beta, loss, H)
        if got is None:
            break
        a, v = got
        live = a > 0
        r = np.sqrt(a[live])
        nets.append((dirs[live] * r[:, None], signs[live] * r, dcells[live]))
        duals.append(loss.to_domain(v, y))
        if loss.name == "squared":      # unused directions leave (its dual point is unique)
            dirs, signs, dcells = dirs[live], signs[live], dcells[live]
        # hinge: every direction stays (at most DIRECTION_ROUNDS · PER_ROUND of them): the linear
        # program is degenerate at these scales, and a direction dropped because the optimum does
        # not use it is violated again by the next vertex's dual point, which alternates for ever
    return nets, duals


def polish_optimum(X, y, beta, loss: Loss, cells, U, alpha, ncell, cert: Certificate):
    """The network and certificate with the smallest certified gap among the given ones and the
    candidates of the module docstring: ``(U, alpha, ncell, certificate)``, or None when no
    candidate has a smaller gap (or n > ``POLISH_MAX_N``, or no neuron)."""
    n = X.shape[0]
    if n > POLISH_MAX_N or alpha.size == 0 or loss.name not in ("squared", "hinge"):
        return None

    def value_of(U_, a_):
        return float(objective(X, y, U_, a_, beta, loss))

    with np.errstate(all="ignore"):
        nets, duals = directions_generation(X, y, beta, loss, cells, U, alpha, ncell, cert.v)
    # the best bound over every dual candidate (it does not depend on the network), then the
    # network of smallest objective, reduced to independent neurons, with its own certificate
    bound = certify(X, y, predict(X, U, alpha), value_of(U, alpha), beta, loss, cells, candidates=(cert.v, *duals))
    U_, a_, c_ = min([(U, alpha, ncell), *nets], key=lambda net: value_of(net[0], net[1]))
    U_, a_, kept = independent_network(X, U_, a_, value_of)
    c_ = c_[kept]
    got = certify(X, y, predict(X, U_, a_), value_of(U_, a_), beta, loss, cells, candidates=(bound.v,))
    if got.gap >= value_of(U, alpha) - cert.lower_bound:
        return None
    return U_, a_, c_, got
