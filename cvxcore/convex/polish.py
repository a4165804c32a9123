"""An uncertified optimum of (8) polished on its own active set (docs/theory.md §4).

With coordinates of 10⁻⁴ beside a bias column of ones (and β ∝ 10⁻⁶) the bias weight's penalty
is 10⁻⁸ of the others', and dual feasibility asks v's sums over half-planes of the data to stay
below β to a relative 10⁻⁶: sums of O(1) terms right to ~10⁻¹². The interior-point solves of the
working set stop near 10⁻⁸ ("AlmostSolved"), and neither their network nor their dual point
certifies.  The network they find has the right neurons, though, and its active set determines
the optimum; two steps from it give candidates that the certificate then checks as any other:

*The dual point, by Newton's method.*  Let neuron j (cell c_j, sign s_j = sign α_j, block
q_j = |α_j| u_j) have the facets A_j of its cone K_{c_j} active at u_j (N u_j ≈ 0), and B_j an
orthonormal basis of their null space; with G_j = s_j D_{c_j} X B_j its constraint of (4) is
tight on that face, ‖G_jᵀ v‖ = β, and stationarity of (8) says q_j = μ_j B_j G_jᵀ v with
μ_j = ‖q_j‖/β ≥ 0 and ŷ = Σ_j s_j D_{c_j} X q_j = Σ_j μ_j G_j G_jᵀ v.  For squared loss v = y − ŷ:

    v − y + Σ_j μ_j G_j G_jᵀ v = 0,        ½(‖G_jᵀ v‖² − β²)/β = 0   for every j;

for hinge loss v = y∘p with pᵢ = 1 inside the margin (yᵢŷᵢ < 1), 0 outside, and on the margin
points M the fit is the label, (Σ_j μ_j G_j G_jᵀ v)_M = y_M, with the same tight constraints.
Newton's method on (v, μ) (v on M only, for hinge), its residuals summed in extended precision
(``np.longdouble``), from the network's own values: the equations are smooth on the face, so it
reaches their rounding level where the interior point stopped.  (With linearly independent
neurons, :func:`cvxcore.convex.recovery.independent_network`, the equations are not redundant.)

*A network from that dual point.*  The cells where the polished v (scaled into the feasible
set) is tight, pricing ≥ β(1 − ``TIGHT``), and their maximising unit directions û_k: with the
directions fixed, (8) is a linear program in the magnitudes a ≥ 0 for hinge loss (min Σξ + βΣa
s.t. ξ ≥ 1 − y∘Ha, ξ ≥ 0, H = [s_k (Xû_k)₊]; HiGHS) and a non-negative lasso for squared loss
(:func:`cvxcore.convex.directions.nonneg_lasso`).  Its optimum is a network (u_k = û_k√a_k,
α_k = s_k√a_k) whose objective (2) is that program's value.

Both are candidates only: every dual point is priced over all cells by
:func:`cvxcore.convex.certificate.certify` and scaled into the feasible set, every network's
objective is recomputed, and the pair with the smallest certified gap is kept.
"""
from __future__ import annotations

import numpy as np

from ..losses import Loss
from ..network import objective, predict
from .certificate import Certificate, certify
from .directions import nonneg_lasso
from .recovery import independent_network
from .restricted import column_scales

POLISH_MAX_N = 300          # above this n the dense Newton systems are not tried
ACTIVE_TOLS = (1e-3, 1e-5)  # a facet is active at u when its scaled inner product is below this
TIGHT = 1e-6                # a cell is tight when its pricing is within this (relative) of β
NEWTON_ITER = 30
DIRECTION_ROUNDS = 30


def _faces(X, cells, U, alpha, ncell, act_tol):
    """Per neuron: (G_j (n, k_j), B_j (d, k_j), μ_j) on the face of its cone where it lies
    (neurons whose face is {0} are left out), with the facets judged in the column-scaled
    coordinates of the restricted solve (:func:`cvxcore.convex.restricted.column_scales`)."""
    col = column_scales(X)
    d = X.shape[1]
    out = []
    for u, a, c in zip(U, alpha, ncell):
        N = cells.facets(int(c))
        us = u * col
        Bj = np.eye(d)
        if N.shape[0]:
            Ns = N / col
            Ns = Ns / np.linalg.norm(Ns, axis=1, keepdims=True)
            act = Ns @ us <= act_tol * np.linalg.norm(us)
            if act.any():
                _, s, Vt = np.linalg.svd(N[act])
                Bj = Vt[int(np.sum(s > 1e-12 * s[0])):].T
        if Bj.shape[1] == 0:
            continue
        D = cells.patterns(np.array([int(c)]))[0]
        out.append((np.sign(a) * (X * D[:, None]) @ Bj, Bj, np.linalg.norm(u) * abs(a)))
    return out


def polish_dual(X, y, beta, loss: Loss, cells, U, alpha, ncell, v0, act_tol) -> np.ndarray | None:
    """The dual point of the network's active set by Newton's method (module docstring), from
    ``v0``; None when the equations have no solution near it."""
    n = X.shape[0]
    faces = _faces(X, cells, U, alpha, ncell, act_tol)
    if not faces:
        return None
    G = [f[0] for f in faces]
    m = len(G)
    hinge = loss.name == "hinge"
    v0 = np.asarray(v0, dtype=float)
    if hinge:
        mu = y * predict(X, U, alpha)
        free = np.flatnonzero(np.abs(mu - 1) <= act_tol)
        vfix = y * (mu < 1)
    elif loss.name == "squared":
        free = np.arange(n)
        vfix = np.zeros(n)
    else:
        return None
    f = free.size
    LD = np.longdouble
    GL = [g.astype(LD) for g in G]
    yL = y.astype(LD)

    def full(z):
        v = vfix.astype(LD)
        v[free] = z[:f].astype(LD)
        return v

    def residual(z):
        v, mu_ = full(z), z[f:].astype(LD)
        s = -yL if hinge else v - yL
        cons = np.empty(m, dtype=LD)
        for j in range(m):
            w = GL[j].T @ v
            s = s + mu_[j] * (GL[j] @ w)
            cons[j] = (w @ w - LD(beta) ** 2) / (2 * LD(beta))
        return np.concatenate([s[free], cons])

    def jacobian(z):
        v, mu_ = full(z).astype(float), z[f:]
        H = np.zeros((f, f)) if hinge else np.eye(f)
        C = np.zeros((f, m))
        for j in range(m):
            Gf = G[j][free]
            H += mu_[j] * Gf @ Gf.T
            C[:, j] = Gf @ (G[j].T @ v)
        return np.block([[H, C], [C.T / beta, np.zeros((m, m))]])

    z = np.concatenate([v0[free], [f_[2] / beta for f_ in faces]])
    best_e, best_z = np.inf, z
    e = float(np.max(np.abs(residual(z))))
    for _ in range(NEWTON_ITER):
        if e < best_e:
            best_e, best_z = e, z
        if e == 0.0:
            break
        A = jacobian(z)
        cs = np.linalg.norm(A, axis=0)
        rs = np.linalg.norm(A, axis=1)
        cs, rs = np.where(cs > 0, cs, 1.0), np.where(rs > 0, rs, 1.0)
        try:
            step = np.linalg.lstsq(A / rs[:, None] / cs, residual(z).astype(float) / rs, rcond=1e-15)[0] / cs
        except np.linalg.LinAlgError:
            break
        t = 1.0
        while t > 1e-6:             # backtracking on the largest residual
            e2 = float(np.max(np.abs(residual(z - t * step))))
            if np.isfinite(e2) and e2 < e:
                break
            t /= 2
        else:
            break
        z, e = z - t * step, e2
    if e < best_e:
        best_e, best_z = e, z
    v = np.asarray(full(best_z), dtype=float)
    return v if np.all(np.isfinite(v)) else None


def network_from_dual(X, y, beta, loss: Loss, cells, v):
    """The best network over the directions where ``v`` is tight (module docstring):
    ``(U, alpha, cells)``, or None."""
    c = cells.dual_norm(v)
    if not np.isfinite(c) or c <= 0:
        return None
    vs = v * min(1.0, beta / c)
    plus, minus = cells.price(vs)
    nonzero = cells.nonzero()
    tp = np.flatnonzero((plus >= beta * (1 - TIGHT)) & nonzero)
    tm = np.flatnonzero((minus >= beta * (1 - TIGHT)) & nonzero)
    if tp.size + tm.size == 0:
        return None
    dirs = np.vstack([cells.argmaxes(vs, tp, np.ones(tp.size)), cells.argmaxes(vs, tm, -np.ones(tm.size))])
    signs = np.r_[np.ones(tp.size), -np.ones(tm.size)]
    tcells = np.r_[tp, tm]
    norms = np.linalg.norm(dirs, axis=1)
    ok = norms > 0
    dirs, signs, tcells = dirs[ok] / norms[ok, None], signs[ok], tcells[ok]
    got = _fit_directions(X, y, beta, loss, np.maximum(X @ dirs.T, 0.0) * signs)
    if got is None:
        return None
    a = got[0]
    live = a > 0
    if not live.any() or not np.all(np.isfinite(a)):
        return None
    r = np.sqrt(a[live])
    return dirs[live] * r[:, None], signs[live] * r, tcells[live]


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
    a = nonneg_lasso(Hu.T @ Hu, beta / w - Hu.T @ y, np.zeros(k), 1e-9 * beta / w.max())[0] / w
    return a, y - H @ a


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
                          per_round: int = 8):
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
        dirs, signs, dcells = dirs[live], signs[live], dcells[live]      # unused directions leave
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

    duals = []
    for act_tol in ACTIVE_TOLS:
        with np.errstate(all="ignore"):
            v = polish_dual(X, y, beta, loss, cells, U, alpha, ncell, cert.v, act_tol)
        if v is not None:
            duals.append(loss.to_domain(v, y))
    nets = [(U, alpha, ncell)]
    for v in duals:
        got = network_from_dual(X, y, beta, loss, cells, v)
        if got is not None:
            U2, a2, c2 = got
            U2, a2, kept = independent_network(X, U2, a2, value_of)
            nets.append((U2, a2, c2[kept]))
    with np.errstate(all="ignore"):
        more_nets, more_duals = directions_generation(X, y, beta, loss, cells, U, alpha, ncell, cert.v)
    for U_, a_, c_ in more_nets:
        if a_.size:
            U2, a2, kept = independent_network(X, U_, a_, value_of)
            nets.append((U2, a2, c_[kept]))
    duals += more_duals
    # the best bound over every dual candidate (it does not depend on the network), then the
    # network of smallest objective with its own certificate
    bound = certify(X, y, predict(X, U, alpha), value_of(U, alpha), beta, loss, cells, candidates=(cert.v, *duals))
    U_, a_, c_ = min(nets, key=lambda net: value_of(net[0], net[1]))
    got = certify(X, y, predict(X, U_, a_), value_of(U_, a_), beta, loss, cells, candidates=(bound.v,))
    if got.gap >= value_of(U, alpha) - cert.lower_bound:
        return None
    return U_, a_, c_, got
