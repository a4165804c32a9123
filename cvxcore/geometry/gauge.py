"""The neural gauge: the geometry of section 2.1 and Figure 1 (docs/theory.md §5).

For data X ∈ R^{n×d} with n = 2 (the plane) or n = 3 (space) rows:

    ellipsoid            E   = {X u : ‖u‖ ≤ 1} = L B_n,   L = (X Xᵀ)^{1/2}
    rectified ellipsoid  Q_X = {(X u)₊ : ‖u‖ ≤ 1} = {w₊ : w ∈ E}
    C = conv(Q_X ∪ −Q_X),   C° = (Q_X ∪ −Q_X)° = {z : |zᵀw| ≤ 1  ∀ w ∈ Q_X}

The minimum-norm interpolation (6) — the β → 0 limit of (2) —

    p*_{β→0} = min Σ_j |α_j|  s.t.  Σ_j (X u_j)₊ α_j = y,  ‖u_j‖ ≤ 1

is the gauge γ_C(y) = inf{t ≥ 0 : y ∈ t C}, and by polar duality (7)

    γ_C(y) = max yᵀz  s.t.  z ∈ C°          (the support function of C° at y).

Two independent routes compute it (:func:`neural_gauge`):

* ``primal`` — program (8) with the loss replaced by the equality
  Σ_i D_i X (v_i − w_i) = y and β = 1: min Σ_i ‖v_i‖ + ‖w_i‖ over the cones
  (2D_i − I) X v_i ≥ 0; each nonzero block is a neuron u = v_i/‖v_i‖ with
  |α| = ‖v_i‖ (unit neurons: the ℓ1 form (3)).
* ``polar`` — the support function of C°.  On the cone K_i of pattern D_i,
  zᵀ(Xu)₊ = (Xᵀ D_i z)ᵀu, and max_{u ∈ K_i, ‖u‖≤1} gᵀu = ‖Π_{K_i}(g)‖ =
  min_{λ ≥ 0} ‖g + Xᵀ(2D_i − I)λ‖ (Moreau; K_i° = {−Xᵀ(2D_i − I)λ : λ ≥ 0}).
  So z ∈ C° is an SOCP with one multiplier λ_i ≥ 0 per cone and sign.

Both are checked against an exact oracle that solves no optimisation problem:
the support function h_Q(z) = max_{‖u‖≤1} zᵀ(Xu)₊ (:func:`relu_support`).
The maximiser of g_iᵀu over K_i ∩ B is Π_{K_i}(g_i)/‖Π_{K_i}(g_i)‖, and the
projection onto a polyhedral cone is the orthogonal projection onto the null
space of its active rows, P_S g_i with P_S the projector onto null(X_S).  The
candidates û = P_S Xᵀ D z / ‖·‖ over every 0/1 diagonal D and every row subset
S (2ⁿ × 2ⁿ ≤ 64 of them) are unit vectors, so each gives an attained value
zᵀ(Xû)₊, and the true maximiser is among them: the maximum is exact.
Then h_C(z) = max(h_Q(z), h_Q(−z)), the polar's boundary is z/h_C(z), and
any z gives the certified lower bound yᵀz / h_C(z) ≤ γ_C(y).  With the oracle
as separation routine, Kelley's cutting planes (:func:`polar_cutting_plane`,
LPs only) bracket γ_C(y) from both sides: a third route, free of cvxpy.

Degenerate data.  The outputs Σ_j (Xu_j)₊α_j fill span(Q_X) =
range[D_1X … D_PX] (the chambers' cones are full-dimensional).  When y is not
in it (e.g. rank-deficient X, a zero row, or two positively proportional
rows) no network interpolates y: the gauge is +inf, C is flat, and C° is
unbounded (it contains span(Q_X)^⊥); the result says so in ``status``.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..arrangement import activation_patterns
from ..convex import caratheodory, recover_network, solve_path
from ..params import check_scalar, check_X, check_y

SPAN_RTOL = 1e-9         # y is "in span(Q_X)" when its residual is below this × ‖y‖
AGREE_RTOL = 1e-6        # the two routes agree when |primal − polar| ≤ this × gauge


# --------------------------------------------------------------------------- validation

def check_geometry_X(X: ArrayLike, *, name: str = "X") -> np.ndarray:
    """X as an (n, d) float array with n = 2 or 3 rows (the sets are drawn in R^n)."""
    A = check_X(X, name=name)
    if A.shape[0] not in (2, 3):
        raise ValueError(f"{name} has n = {A.shape[0]} rows (shape {A.shape}); the neural-gauge geometry "
                         "lives in R^n and is drawn for n = 2 (the plane) or n = 3 (space): "
                         "pass 2 or 3 data points as the rows of X.")
    return A


# --------------------------------------------------------------------------- linear algebra

def ellipsoid_matrix(X: np.ndarray) -> np.ndarray:
    """L = (X Xᵀ)^{1/2} (symmetric PSD, n×n): {Xu : ‖u‖ ≤ 1} = {L s : ‖s‖ ≤ 1}."""
    w, V = np.linalg.eigh(X @ X.T)
    return (V * np.sqrt(np.clip(w, 0.0, None))) @ V.T


def _null_projector(A: np.ndarray, d: int) -> np.ndarray:
    """Orthogonal projector of R^d onto null(A) (A may be empty or rank-deficient)."""
    if A.shape[0] == 0:
        return np.eye(d)
    _, s, Vt = np.linalg.svd(A, full_matrices=True)
    tol = s.max(initial=0.0) * max(A.shape) * np.finfo(float).eps * 10
    r = int(np.sum(s > tol))
    N = Vt[r:].T
    return N @ N.T


def span_basis(X: np.ndarray, patterns: np.ndarray | None = None) -> np.ndarray:
    """Orthonormal basis (n, k) of span(Q_X) = range[D_1 X … D_P X] over the chambers."""
    if patterns is None:
        patterns = activation_patterns(X)
    M = np.hstack([p[:, None] * X for p in np.asarray(patterns, bool)])
    U, s, _ = np.linalg.svd(M, full_matrices=False)
    tol = s.max(initial=0.0) * max(M.shape) * np.finfo(float).eps * 10
    return U[:, s > max(tol, 1e-300)]


# --------------------------------------------------------------------------- exact oracle

def _candidate_maps(X: np.ndarray) -> np.ndarray:
    """All maps z ↦ P_S Xᵀ D z (D 0/1 diagonal, S ⊆ rows), stacked (K, d, n)."""
    n, d = X.shape
    maps = []
    projs = [_null_projector(X[list(S)], d)
             for S in (tuple(i for i in range(n) if bits[i]) for bits in product((0, 1), repeat=n))]
    for D in product((0.0, 1.0), repeat=n):
        if not any(D):
            continue
        XtD = X.T * np.asarray(D)
        for P in projs:
            maps.append(P @ XtD)
    return np.array(maps)


def relu_support(X: ArrayLike, Z: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """h_Q(z) = max_{‖u‖≤1} zᵀ(Xu)₊ for each row z of Z, exactly, and a maximiser.

    Returns ``(h (N,), U (N, d))`` with ‖u‖ = 1 or u = 0 (then h = 0), and
    zᵀ(X u)₊ = h for every row: each value is attained (see module docstring).
    Cost 4ⁿ candidates per z: meant for small n (any n ≤ 10 works).
    """
    X = check_X(X)
    Z = _check_Z(Z, X.shape[0])
    maps = _candidate_maps(X)                                   # (K, d, n)
    C = np.einsum("kdn,Nn->Nkd", maps, Z)                       # candidates (N, K, d)
    norms = np.linalg.norm(C, axis=2, keepdims=True)
    scale = np.linalg.norm(X) * np.linalg.norm(Z, axis=1)[:, None, None]
    ok = norms > 1e-14 * np.maximum(scale, 1e-300)
    Uc = np.where(ok, C / np.where(ok, norms, 1.0), 0.0)
    vals = np.einsum("Nkn,Nn->Nk", np.maximum(np.einsum("nd,Nkd->Nkn", X, Uc), 0.0), Z)
    best = np.argmax(vals, axis=1)
    h = vals[np.arange(Z.shape[0]), best]
    U = Uc[np.arange(Z.shape[0]), best]
    neg = h <= 0                                                # u = 0 attains 0
    h = np.where(neg, 0.0, h)
    U[neg] = 0.0
    return h, U


def _check_Z(Z, n: int) -> np.ndarray:
    Z = np.atleast_2d(np.asarray(Z, dtype=float))
    if Z.ndim != 2 or Z.shape[1] != n or not np.all(np.isfinite(Z)):
        raise ValueError(f"Z has shape {Z.shape} or non-finite entries; pass finite directions z, "
                         f"one per row, shape (N, {n}) (n = rows of X).")
    return Z


def hull_support(X: ArrayLike, Z: ArrayLike) -> np.ndarray:
    """h_C(z) = max_{w ∈ Q_X ∪ −Q_X} zᵀw = max(h_Q(z), h_Q(−z)): support function of C."""
    Z = np.atleast_2d(np.asarray(Z, float))
    return np.maximum(relu_support(X, Z)[0], relu_support(X, -Z)[0])


# --------------------------------------------------------------------------- the two routes

@dataclass
class GaugeResult:
    """γ_C(y) by two routes, the optimal neurons and the maximising polar point."""
    value: float                 # the gauge (primal route); +inf when y ∉ span(Q_X)
    primal: float                # min Σ|α_j| (program (8) with equality, β = 1)
    polar: float                 # max yᵀz over C° (SOCP over the pattern cones)
    z: np.ndarray                # (n,) maximiser of the polar route (in span(Q_X))
    U: np.ndarray                # (m, d) unit neurons u_j
    alpha: np.ndarray            # (m,) output weights; Σ|α_j| = primal, Σ(Xu_j)₊α_j = y
    status: str                  # "optimal", "infeasible" (y ∉ span Q_X), "zero" (y = 0) or why not
    message: str                 # one sentence for a student
    lower_bound: float           # yᵀz / h_C(z), certified by the exact oracle
    residual: float              # ‖Σ(Xu_j)₊α_j − y‖ of the returned neurons
    span: np.ndarray             # (n, k) orthonormal basis of span(Q_X)
    patterns: np.ndarray         # (P, n) the chambers used
    info: dict = field(default_factory=dict)

    @property
    def rel_diff(self) -> float:
        """|primal − polar| / gauge (0 when both are 0 or both +inf)."""
        if not (np.isfinite(self.primal) and np.isfinite(self.polar)):
            return 0.0 if self.primal == self.polar else np.inf
        return abs(self.primal - self.polar) / max(abs(self.primal), 1e-300) if self.primal else abs(self.polar)

    @property
    def touch(self) -> np.ndarray:
        """y / γ: where the ray through y leaves C (a point of ∂C); nan when γ ∈ {0, ∞}."""
        return self.info["y"] / self.value if 0 < self.value < np.inf else np.full(self.z.shape, np.nan)

    @property
    def outputs(self) -> np.ndarray:
        """(m, n) the neurons' output vectors (X u_j)₊, points of Q_X."""
        return np.maximum(self.info["X"] @ self.U.T, 0.0).T


def _solve(prob):
    import cvxpy as cp
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)     # accuracy is checked against the oracle
        try:
            prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10, max_iter=500)
        except cp.error.SolverError:
            try:
                prob.solve(solver=cp.CLARABEL)
            except cp.error.SolverError:
                pass
    return prob


def gauge_primal(X: np.ndarray, y: np.ndarray, patterns: np.ndarray
                 ) -> tuple[float, np.ndarray | None, np.ndarray | None, str]:
    """min Σ‖v_i‖+‖w_i‖ s.t. Σ D_i X(v_i − w_i) = y, (2D_i − I)Xv_i ≥ 0, (2D_i − I)Xw_i ≥ 0.

    Returns (value, V (P', d), W (P', d), status) over the nonzero patterns.
    """
    import cvxpy as cp
    pats = patterns[patterns.any(axis=1)]
    M = pats.T.astype(float)                  # (n, P')
    S = 2.0 * M - 1.0
    V = cp.Variable((pats.shape[0], X.shape[1]))
    W = cp.Variable((pats.shape[0], X.shape[1]))
    XV, XW = X @ V.T, X @ W.T
    prob = cp.Problem(cp.Minimize(cp.sum(cp.norm(V, 2, axis=1)) + cp.sum(cp.norm(W, 2, axis=1))),
                      [cp.sum(cp.multiply(M, XV - XW), axis=1) == y,
                       cp.multiply(S, XV) >= 0, cp.multiply(S, XW) >= 0])
    _solve(prob)
    if V.value is None:
        return np.inf, None, None, str(prob.status)
    return float(prob.value), V.value, W.value, str(prob.status)


def gauge_polar(X: np.ndarray, y: np.ndarray, patterns: np.ndarray) -> tuple[float, np.ndarray, str]:
    """max yᵀz s.t. min_{λ≥0} ‖±Xᵀ D_i z + Xᵀ(2D_i − I)λ‖ ≤ 1 for every pattern i and sign.

    Returns (value, z, status).
    """
    import cvxpy as cp
    pats = patterns[patterns.any(axis=1)]
    n = X.shape[0]
    z = cp.Variable(n)
    cons = []
    for p in pats:
        D = p.astype(float)
        A = (2 * D - 1)[:, None] * X          # rows (2D_i − I) X
        g = X.T @ cp.multiply(D, z)           # Xᵀ D_i z
        for sgn in (1.0, -1.0):
            lam = cp.Variable(n, nonneg=True)
            cons.append(cp.norm(sgn * g + A.T @ lam, 2) <= 1)
    prob = _solve(cp.Problem(cp.Maximize(y @ z), cons))
    if z.value is None:
        return np.inf, np.full(n, np.nan), str(prob.status)
    return float(prob.value), np.asarray(z.value, float), str(prob.status)


def _prune_to_face(X, U, alpha):
    """Carathéodory on a face of C: at most rank(H) ≤ n neurons with the same fit and cost.

    y/γ lies on the boundary of C, so it is a convex combination of at most n points
    sign(α_j)(Xu_j)₊ (an (n−1)-face of C has dimension ≤ n − 1): with H = [sign(α_j)(Xu_j)₊]_j
    and a = |α|, steps along the null space of H (not of [H; 1ᵀ]) keep the fit and do not
    raise Σa (at the optimum they keep it).
    """
    s = np.sign(alpha)
    a = caratheodory(np.maximum(X @ U.T, 0.0) * s, np.abs(alpha), keep_sum=False, rtol=1e-9)
    keep = a > 0
    return U[keep], (s * a)[keep]


def _polish(X, y, U, alpha):
    """Refit |α| on the final neurons by least squares (independent columns: H a = y exactly),
    kept only when the signs survive and the fit improves."""
    if alpha.size == 0:
        return alpha
    s = np.sign(alpha)
    H = np.maximum(X @ U.T, 0.0) * s
    a, *_ = np.linalg.lstsq(H, y, rcond=None)
    if np.all(a > 0) and np.linalg.norm(H @ a - y) < np.linalg.norm(H @ np.abs(alpha) - y):
        return s * a
    return alpha


def neural_gauge(X: ArrayLike, y: ArrayLike) -> GaugeResult:
    """The neural gauge γ_C(y) of section 2.1 by its two routes (see module docstring).

    X : (n, d) with n = 2 or 3 rows; y : (n,).
    Never raises for degenerate (rank-deficient) X: when y ∉ span(Q_X) the
    result has value = primal = polar = +inf and status "infeasible".
    """
    X = check_geometry_X(X)
    n, d = X.shape
    y = check_y(y, n)
    patterns = activation_patterns(X)
    B = span_basis(X, patterns)
    info: dict[str, Any] = {"X": X, "y": y}
    ynorm = float(np.linalg.norm(y))
    empty = (np.zeros((0, d)), np.zeros(0))
    if ynorm == 0:
        return GaugeResult(0.0, 0.0, 0.0, np.zeros(n), *empty, "zero", "y = 0: the empty network "
                           "interpolates it, so the gauge is 0.", 0.0, 0.0, B, patterns, info)
    off = float(np.linalg.norm(y - B @ (B.T @ y)))
    if off > SPAN_RTOL * ynorm:
        msg = (f"y is not in span(Q_X) (dimension {B.shape[1]} < {n}; distance {off:.3g}): no ReLU "
               "network of any width interpolates it, so the gauge is +∞ and the polar set is unbounded.")
        info["distance_to_span"] = off
        return GaugeResult(np.inf, np.inf, np.inf, np.full(n, np.nan), *empty, "infeasible", msg,
                           np.inf, np.inf, B, patterns, info)
    # Solve for X/‖X‖₂ and y/‖y‖ (the solvers' tolerances are absolute), then scale back:
    # C(cX) = c·C(X), so γ = γ_s·‖y‖/‖X‖₂, z* = z_s/‖X‖₂, α = α_s·‖y‖/‖X‖₂ (u unchanged).
    sx = float(np.linalg.norm(X, 2))
    Xs, ys, k = X / sx, y / ynorm, ynorm / sx
    value, V, W, pstatus = gauge_primal(Xs, ys, patterns)
    polar, z, zstatus = gauge_polar(Xs, ys, patterns)
    value, polar, z = value * k, polar * k, z / sx
    if np.all(np.isfinite(z)):
        z = B @ (B.T @ z)            # drop the free component in span(Q_X)^⊥ (yᵀz and C° unchanged)
    if V is not None and W is not None:
        P = patterns[patterns.any(axis=1)]
        Q = np.vstack([V, W])
        signs = np.r_[np.ones(V.shape[0]), -np.ones(W.shape[0])]
        U0, a0, _ = recover_network(Xs, Q, signs, scale=1.0)    # merged, pruned to ≤ n + 1 blocks
        norms = np.linalg.norm(U0, axis=1)
        U, alpha = _prune_to_face(Xs, U0 / norms[:, None], a0 * norms)   # unit neurons, |α_j| = ‖v_i‖
        alpha = _polish(X, y, U, alpha * k)
        residual = float(np.linalg.norm(np.maximum(X @ U.T, 0.0) @ alpha - y))
        info["n_blocks"] = int(P.shape[0])
    else:
        U, alpha, residual = *empty, np.inf
    hz = float(hull_support(X, z[None])[0]) if np.all(np.isfinite(z)) else np.nan
    lower = float(y @ z / hz) if hz > 0 else np.nan
    info.update(primal_status=pstatus, polar_status=zstatus, h_C_of_z=hz, sum_abs_alpha=float(np.abs(alpha).sum()))
    agree = np.isfinite(value) and np.isfinite(polar) and abs(value - polar) <= AGREE_RTOL * value
    if agree:
        status = "optimal"
        msg = f"Both routes give γ = {value:.6g} (they differ by {abs(value - polar) / value:.1e} relative)."
    else:
        status = f"routes disagree (primal: {pstatus}, polar: {zstatus})"
        msg = f"The two routes disagree: primal {value:.6g}, polar {polar:.6g}."
    return GaugeResult(value, value, polar, z, U, alpha, status, msg, lower, residual, B, patterns, info)


def polar_cutting_plane(X: ArrayLike, y: ArrayLike, *, rtol: float = 1e-6, max_iter: int = 500
                        ) -> tuple[float, float, int, np.ndarray]:
    """A third route to γ_C(y), sharing nothing with the cvxpy programs: Kelley's cutting planes.

    max yᵀz over the polyhedron {z : |zᵀw_k| ≤ 1} (an LP, HiGHS) cut by the exact
    oracle: at the LP solution z_t add the cut w = (X u*)₊ of the maximiser u* of
    |z_tᵀ(Xu)₊|.  Every LP value is an upper bound on γ (C° is inside every
    polyhedron) and every yᵀz_t / h_C(z_t) a lower bound.  Returns
    ``(lower, upper, iterations, z)`` with z the best feasible point; stops when
    upper − lower ≤ rtol·upper.  Needs y ∈ span(Q_X) (else the LP is unbounded
    and ``upper`` is the box bound 10³/‖X‖ · ‖y‖₁).
    """
    from scipy.optimize import linprog
    X = check_geometry_X(X)
    y = check_y(y, X.shape[0])
    rtol = check_scalar("rtol", rtol, lo=0.0, hi=1.0, lo_open=True)
    max_iter = check_scalar("max_iter", max_iter, lo=1, hi=100_000, integer=True)
    n = X.shape[0]
    R = 1e3 / max(float(np.linalg.norm(X, 2)), 1e-300)   # a box makes the first LPs bounded
    cuts: list[np.ndarray] = []
    lower, upper, best = 0.0, np.inf, np.zeros(n)
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        A = np.array(cuts).reshape(-1, n)
        res = linprog(-y, A_ub=np.vstack([A, -A]), b_ub=np.ones(2 * len(cuts)),
                      bounds=[(-R, R)] * n, method="highs")
        z = res.x
        upper = min(upper, -res.fun)
        hp, up = relu_support(X, z[None])
        hm, um = relu_support(X, -z[None])
        h = max(hp[0], hm[0])
        if h > 0 and y @ z / h > lower:
            lower, best = float(y @ z / h), z / h
        if upper - lower <= rtol * abs(upper):
            break
        cuts.append(np.maximum(X @ (up[0] if hp[0] >= hm[0] else um[0]), 0.0))
    return lower, float(upper), iterations, best


# --------------------------------------------------------------------------- β → 0

@dataclass
class BetaCurve:
    betas: np.ndarray       # β values, decreasing
    values: np.ndarray      # p*(β) of (2) (global optimum, program (8))
    ratios: np.ndarray      # p*(β)/β ↑ γ as β ↓ 0
    gauge: float
    beta_max: float         # h_C(y): for β ≥ this the zero network is optimal (p* = ½‖y‖²)
    statuses: list


def beta_curve(X: ArrayLike, y: ArrayLike, betas: ArrayLike | None = None, *, num: int = 10,
               decades: float = 4.0) -> BetaCurve:
    """p*(β)/β for β decreasing to 0, and the gauge it approaches (from below).

    p*(β)/β = min_f ½‖f − y‖²/β + Σ|α_j| is non-decreasing as β ↓ 0 and bounded by
    γ_C(y) (any interpolating network is feasible), with limit γ_C(y).  The
    default grid is β = h_C(y)·10^{−t}, t ∈ [0, decades]: above β_max = h_C(y)
    the zero network is optimal (v = y is dual feasible in (4)).
    """
    X = check_geometry_X(X)
    y = check_y(y, X.shape[0])
    num = int(check_scalar("num", num, lo=2, hi=200, integer=True))
    g = neural_gauge(X, y)
    bmax = float(hull_support(X, y[None])[0])
    if betas is None:
        if bmax <= 0:
            raise ValueError("y = 0 or y is orthogonal to every output (Xu)₊: p*(β) = ½‖y‖² for all β, "
                             "there is no curve to draw; pick another y.")
        betas = bmax * np.logspace(0, -decades, num)
    betas = np.array([check_scalar("beta", b) for b in np.atleast_1d(betas)])
    path = solve_path(X, y, betas)
    vals = np.array([r.value for r in path])
    sts = [r.status for r in path]
    return BetaCurve(betas, vals, vals / betas, g.value, bmax, sts)


# --------------------------------------------------------------------------- sets to draw

def _angles(L: np.ndarray, num: int) -> np.ndarray:
    """Uniform angles plus the exact ones where a coordinate of L s(φ) vanishes or peaks."""
    phi = list(np.linspace(0, 2 * np.pi, num, endpoint=False))
    for row in L:
        if np.linalg.norm(row) > 0:
            psi = np.arctan2(row[1], row[0])          # (L s)_k = ‖L_k‖ cos(φ − ψ_k)
            phi += [psi, psi + np.pi, psi + np.pi / 2, psi - np.pi / 2]
    return np.unique(np.mod(phi, 2 * np.pi))


def sphere_points(num: int = 2000) -> np.ndarray:
    """Nearly uniform unit vectors in R³ (Fibonacci lattice), (num, 3)."""
    k = np.arange(num) + 0.5
    t = np.arccos(1 - 2 * k / num)
    p = np.pi * (1 + 5 ** 0.5) * k
    return np.stack([np.cos(p) * np.sin(t), np.sin(p) * np.sin(t), np.cos(t)], axis=1)


@dataclass
class Geometry:
    """Everything Figure 1 draws, as arrays in R^n (n = 2: closed curves; n = 3: meshes).

    For n = 2 each set is a closed polyline (k, 2) in order.  For n = 3 it is a
    point array (k, 3) with triangles (t, 3) indexing it.
    """
    n: int
    L: np.ndarray                   # (n, n) with E = L B_n
    ellipsoid: np.ndarray           # ∂E: L s, ‖s‖ = 1 (exact points)
    preimages: np.ndarray           # u with X u = each ellipsoid point, ‖u‖ ≤ 1
    rectified: np.ndarray           # (L s)₊: traces ∂Q_X (arc in the orthant, segments on the axes)
    hull: np.ndarray                # ∂C, C = conv(Q_X ∪ −Q_X) (vertices in order for n = 2)
    polar: np.ndarray               # ∂C°: θ / h_C(θ), cut by the box [−clip, clip]^n if unbounded
    polar_bounded: bool
    clip: float
    hull_dim: int                   # dimension of C (= dim span Q_X)
    sphere_triangles: np.ndarray | None = None   # n = 3: triangles of ellipsoid/rectified/polar
    hull_triangles: np.ndarray | None = None     # n = 3: triangles of hull


def _outward(P: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Triangles of a mesh around the origin, each ordered so its normal points away from 0
    (Qhull's simplices come in either order; a renderer needs consistent normals)."""
    a, b, c = P[T[:, 0]], P[T[:, 1]], P[T[:, 2]]
    flip = np.einsum("ij,ij->i", np.cross(b - a, c - a), a + b + c) < 0
    T = T.copy()
    T[flip] = T[flip][:, [0, 2, 1]]
    return T


def _hull_2d(P: np.ndarray) -> np.ndarray:
    """Vertices (closed polyline) of the convex hull of points in R², degenerate-safe."""
    from scipy.spatial import ConvexHull, QhullError
    try:
        h = ConvexHull(P)
        v = P[h.vertices]
        return np.vstack([v, v[:1]])
    except (QhullError, ValueError):
        # flat: a segment through the origin (C is symmetric) or the origin itself
        c = P.mean(axis=0)
        _, _, Vt = np.linalg.svd(P - c)
        t = (P - c) @ Vt[0]
        return np.array([P[np.argmin(t)], P[np.argmax(t)]])


def geometry(X: ArrayLike, *, num: int = 721, clip: float | None = None) -> Geometry:
    """The sets of Figure 1 for X (n = 2 or 3 rows), ready to draw.

    ``num``: angles (n = 2) or sphere points (n = 3; use ~2000).  ``clip``:
    half-width of the box [−clip, clip]^n that cuts an unbounded polar set
    (default 3 × the largest polar radius along span(Q_X)).
    """
    from scipy.spatial import ConvexHull
    X = check_geometry_X(X)
    n, d = X.shape
    num = int(check_scalar("num", num, lo=16, hi=100_000, integer=True))
    L = ellipsoid_matrix(X)
    if n == 2:
        phi = _angles(L, num)
        S = np.stack([np.cos(phi), np.sin(phi)], axis=1)
        S = np.vstack([S, S[:1]])                       # closed
        tri = None
    else:
        S = sphere_points(num)
        tri = _outward(S, ConvexHull(S).simplices)   # det L ≥ 0: L S keeps the orientation
    # u = X⁺ L s has ‖u‖ = ‖s‖ on range(X); the ellipsoid point is then taken as X u itself, so that
    # it lies in range(X) exactly even where L s carries round-off off that range (rank X < n).
    pre = S @ L.T @ np.linalg.pinv(X).T
    E = pre @ X.T
    R = np.maximum(E, 0.0)
    B = span_basis(X)
    k = B.shape[1]
    # ∂C: hull of ±(boundary points of Q); interior points of E map into conv(0, boundary).
    pts = np.vstack([R, -R])
    hull_tri = None
    if n == 2:
        hull = _hull_2d(pts) if k == 2 else _hull_2d(pts @ B @ B.T)
    elif k == 3:
        h = ConvexHull(pts)
        used = np.unique(h.simplices)
        remap = np.full(pts.shape[0], -1)
        remap[used] = np.arange(used.size)
        hull, hull_tri = pts[used], _outward(pts[used], remap[h.simplices])
    elif k == 2:                                        # flat: a polygon in the plane span(B)
        poly = _hull_2d(pts @ B)[:-1]
        hull = poly @ B.T
        hull_tri = np.array([[0, i, i + 1] for i in range(1, poly.shape[0] - 1)])
    else:
        hull = _hull_2d(pts @ B @ B.T) if k == 1 else np.zeros((1, n))
        hull_tri = np.zeros((0, 3), int)
    hC = hull_support(X, S)
    bounded = k == n                                    # C full-dimensional ⇔ C° bounded
    if clip is None:
        if k == 0:
            clip = 1.0
        else:   # the largest polar radius along span(Q_X), where C° is bounded
            T = S @ B @ B.T
            keep = np.linalg.norm(T, axis=1) > 1e-6
            T = T[keep] / np.linalg.norm(T[keep], axis=1, keepdims=True)
            clip = (3.0 if not bounded else 1.0) / hull_support(X, T).min()
    radius = np.where(hC > 0, 1 / np.where(hC > 0, hC, 1.0), np.inf)
    if not bounded:     # cut by the box [−clip, clip]^n, so a strip or slab still looks like one
        radius = np.minimum(radius, clip / np.abs(S).max(axis=1))
    polar = S * radius[:, None]
    return Geometry(n, L, E, pre, R, hull, polar, bounded, float(clip), int(k), tri, hull_tri)
