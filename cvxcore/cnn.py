"""Convolutional networks as convex programs (section 4 of the paper, MATH.md §6).

Signals are the rows of ``S (n, L)``.  With filter size h and stride s the K =
(L − h)/s + 1 patch matrices are ``X_k = S[:, k·s : k·s + h]  (n, h)``.

1. Separable ReLU CNN (section 4.1).  Output per patch f_k = Σ_j (X_k u_j)₊ α_j
   with a label y_k per patch; the objective is separable over k, so stacking
   X' = [X_1; …; X_K], y' = [y_1; …; y_K] turns it into the fully connected
   problem (2), solved exactly by program (8) (:func:`solve_separable`).

2. Linear CNN (9):

       min_{u_j ∈ R^h, α_j ∈ R^K}  ½‖Σ_j Σ_k X_k u_j α_jk − y‖² + (β/2) Σ_j (‖u_j‖² + ‖α_j‖²).

   The network is linear in Z = Σ_j u_j α_jᵀ ∈ R^{h×K} (column k is z_k): the
   fit is Σ_k X_k z_k, and the least (β/2)Σ(‖u_j‖² + ‖α_j‖²) over factorisations
   of Z is β‖Z‖_* (m ≥ rank Z).  Hence (9) equals the nuclear-norm program (12)

       min_{z_k ∈ R^h}  ½‖Σ_k X_k z_k − y‖² + β‖[z_1 … z_K]‖_*,

   and with Z* = P Σ Qᵀ (SVD) the optimal filters are u_i = √σ_i p_i,
   α_i = √σ_i q_i.  Filters are defined up to a rotation (U → RU, A → RA, R
   orthogonal), so GD is compared with (12) through rotation-invariant
   quantities: the end-to-end map Z = UᵀA and the filter Gram matrix
   Σ_j u_j u_jᵀ, which at a balanced optimum equals (Z* Z*ᵀ)^{1/2}.

3. Circular linear CNN (13): signals X (n, d), filters u_j ∈ R^h zero-padded to
   length d, U_j the d×d circulant matrix with first column u_j (so
   U_j α = u_j ⊛ α, circular convolution), output weights α_j ∈ R^d:

       min  ½‖Σ_j X U_j α_j − y‖² + (β/2) Σ_j (‖u_j‖² + ‖α_j‖²).

   In Fourier space, with û = fft(u), â = fft(α): Σ_j U_j α_j = ifft(Σ_j û_j ⊙ â_j)
   and ‖u‖² = ‖û‖²/d.  Per frequency l, (|û_l|² + |â_l|²)/(2d) ≥ |û_l â_l|/d, so
   with z = Σ_j û_j ⊙ â_j / d the penalty is β‖z‖₁ and (13) with h = d equals (14)

       min_{z ∈ C^d}  ½‖X F z − y‖² + β‖z‖₁,       F_{kl} = exp(2πi kl/d)

   (F = d · the inverse DFT matrix; the forward DFT gives the same value with z
   reversed).  One filter suffices (m* = 1): |û_l| = |â_l| = √(d|z_l|), phases
   split so that û and â stay conjugate-symmetric (real filters).  For h < d
   the filters are confined to h taps, so (14) is a lower bound on (13).

Gradient descent here is full batch with a fixed step; every trainer records
its objective and the distance of its rotation-invariant quantities to the
convex solution, and accepts a ``callback(done, total)`` that may return True
to stop early (the pages use it for progress and a stop button).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np

from .params import check_scalar

# ------------------------------------------------------------------ validation


def _real_matrix(name, A, *, ndim=2):
    a = np.asarray(A)
    if np.iscomplexobj(a):
        if np.any(np.imag(a) != 0):
            raise ValueError(f"{name} is complex (dtype {a.dtype}); the networks (9), (13) take real signals — "
                             f"pass the real data (e.g. {name}.real); program (14) builds the complex "
                             "Fourier features X F itself.")
        a = np.real(a)
    try:
        a = a.astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} could not be read as a numeric array; pass real numbers.") from None
    if a.ndim != ndim:
        shape = "(n, L): one signal per row" if ndim == 2 else "(n,)"
        raise ValueError(f"{name} has shape {a.shape}; it must be {shape}.")
    if a.size == 0:
        raise ValueError(f"{name} is empty; pass at least one signal.")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN/inf; remove or replace non-finite values.")
    return a


def _check_targets(y, n, name="y"):
    y = _real_matrix(name, np.asarray(y).reshape(-1) if np.ndim(y) == 2 and 1 in np.shape(y) else y, ndim=1)
    if y.shape[0] != n:
        raise ValueError(f"{name} has {y.shape[0]} entries but there are {n} signals; pass one target per signal.")
    return y


def _check_int(name, value, lo, hi, fix):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float, np.floating)) \
            or not float(value).is_integer() or not lo <= value <= hi:
        raise ValueError(f"{name}={value!r} is not allowed; {fix}")
    return int(value)


def check_patch(L: int, h, stride=1):
    """Validate filter size h and stride for signals of length L; returns (h, stride, K)."""
    h = _check_int("h", h, 1, 10**9, f"the filter (patch) size must be a whole number between 1 and the "
                   f"signal length L = {L}.")
    if h > L:
        raise ValueError(f"h={h} does not fit signals of length L={L}: a patch cannot be longer than the "
                         f"signal; use h <= {L}.")
    stride = _check_int("stride", stride, 1, 10**9, "the stride must be a whole number >= 1.")
    if (L - h) % stride:
        ok = [s for s in range(1, L - h + 1) if (L - h) % s == 0] or [1]
        raise ValueError(f"h={h}, stride={stride} do not tile signals of length L={L}: (L − h) = {L - h} is not a "
                         f"multiple of the stride, so the last patch would run off the end; use a stride in "
                         f"{ok} or change h.")
    return h, stride, (L - h) // stride + 1


def patches(S, h, stride=1) -> np.ndarray:
    """Patch matrices X_k = S[:, k·stride : k·stride + h], stacked as an array (K, n, h)."""
    S = _real_matrix("S", S)
    h, stride, K = check_patch(S.shape[1], h, stride)
    return np.stack([S[:, k * stride:k * stride + h] for k in range(K)])


# ------------------------------------------------------- 1. separable ReLU CNN


def separable_stack(S, Y, h, stride=1, *, bias=True):
    """Stacked data of the separable ReLU CNN: X' = [X_1; …; X_K] (nK, h[+1]), y' = [y_1; …; y_K].

    ``Y (n, K)`` holds the label of every patch (row i, patch k).  Row k·n + i of
    X' is patch k of signal i, with a trailing 1 when ``bias``.
    """
    Xk = patches(S, h, stride)
    K, n, _ = Xk.shape
    Y = _real_matrix("Y", Y)
    if Y.shape != (n, K):
        raise ValueError(f"Y has shape {Y.shape}; the separable CNN needs one label per signal and patch, "
                         f"shape (n, K) = ({n}, {K}) for h={h}, stride={stride}.")
    X = Xk.reshape(K * n, -1)
    if bias:
        X = np.hstack([X, np.ones((K * n, 1))])
    return X, Y.T.reshape(-1)


def separable_predict(S, h, stride, U, alpha, *, bias=True):
    """Outputs f_k = Σ_j (X_k u_j)₊ α_j of the separable CNN, shape (n, K)."""
    Xk = patches(S, h, stride)
    if bias:
        Xk = np.concatenate([Xk, np.ones(Xk.shape[:2] + (1,))], axis=2)
    return np.einsum("knm,m->nk", np.maximum(np.einsum("knh,mh->knm", Xk, U), 0), alpha)


def solve_separable(S, Y, h, beta, *, stride=1, bias=True, loss="squared", method="auto"):
    """Exact training of the separable ReLU CNN: program (8) on the stacked patches."""
    from .solve import solve_convex
    X, y = separable_stack(S, Y, h, stride, bias=bias)
    return solve_convex(X, y, beta, loss=loss, method=method)


def edge_signals(n=4, L=8, *, noise=0.05, seed=0):
    """A small 1-D signal task for the separable CNN: piecewise-constant signals with
    random steps; the label of patch k (h = 2) is the size of an upward step,
    (x_{k+1} − x_k)₊, minus half a downward one — a two-filter ReLU teacher.
    Returns (S (n, L), Y (n, L − 1))."""
    rng = np.random.default_rng(check_scalar("seed", seed))
    n = _check_int("n", n, 1, 1000, "pass 1 <= n <= 1000 signals.")
    L = _check_int("L", L, 2, 1000, "pass a signal length 2 <= L <= 1000.")
    jumps = rng.choice([-1.0, 0.0, 0.0, 1.0], size=(n, L)) * rng.uniform(0.5, 1.0, (n, L))
    S = np.cumsum(jumps, axis=1) + noise * rng.standard_normal((n, L))
    dS = np.diff(S, axis=1)
    return S, np.maximum(dS, 0) - 0.5 * np.maximum(-dS, 0)


# ------------------------------------------------------------ 2. linear CNN (9)


@dataclass
class NuclearResult:
    """Solution of (12): Z* = [z_1 … z_K] (h, K), its value, and the filters it implies."""
    Z: np.ndarray
    value: float
    U: np.ndarray            # (r, h) filters u_i = √σ_i p_i
    A: np.ndarray            # (r, K) output weights α_i = √σ_i q_i
    sigma: np.ndarray        # singular values of Z*
    status: str
    seconds: float


def _check_Xk(Xk):
    Xk = np.asarray(Xk)
    if Xk.ndim != 3:
        raise ValueError(f"Xk has shape {Xk.shape}; pass the patch matrices as an array (K, n, h), "
                         "e.g. patches(S, h, stride).")
    return _real_matrix("Xk", Xk, ndim=3)


def _check_beta(beta):
    return check_scalar("beta", beta)


def linear_cnn_objective(Xk, y, U, A, beta) -> float:
    """Objective (9) of filters U (m, h) and output weights A (m, K)."""
    Z = np.asarray(U).T @ np.asarray(A)
    r = np.einsum("knh,hk->n", Xk, Z) - y
    return float(0.5 * r @ r + 0.5 * beta * (np.sum(np.square(U)) + np.sum(np.square(A))))


def nuclear_objective(Xk, y, Z, beta) -> float:
    """Objective (12) at Z (h, K)."""
    r = np.einsum("knh,hk->n", Xk, Z) - y
    return float(0.5 * r @ r + beta * np.linalg.svd(Z, compute_uv=False).sum())


def solve_nuclear(Xk, y, beta) -> NuclearResult:
    """Program (12) in cvxpy (``normNuc``); filters from the SVD of Z*."""
    t0 = time.perf_counter()
    Xk = _check_Xk(Xk)
    K, n, h = Xk.shape
    y = _check_targets(y, n)
    beta = _check_beta(beta)
    Z = cp.Variable((h, K))
    fit = sum(Xk[k] @ Z[:, k] for k in range(K))
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(fit - y) + beta * cp.normNuc(Z)))
    try:
        prob.solve(solver=cp.CLARABEL)
    except cp.error.SolverError:
        prob.solve(solver=cp.SCS, eps_abs=1e-9, eps_rel=1e-9, max_iters=100_000)
    Zs = np.asarray(Z.value)
    P, s, Qt = np.linalg.svd(Zs, full_matrices=False)
    keep = s > 1e-6 * max(s.max(initial=0.0), 1e-300)
    r = np.sqrt(s[keep])
    return NuclearResult(Z=Zs, value=nuclear_objective(Xk, y, Zs, beta), U=(P[:, keep] * r).T,
                         A=(Qt[keep].T * r).T, sigma=s, status=str(prob.status),
                         seconds=time.perf_counter() - t0)


def gram_sqrt(Z) -> np.ndarray:
    """(Z Zᵀ)^{1/2}: the filter Gram matrix Σ_j u_j u_jᵀ of any balanced factorisation of Z."""
    P, s, _ = np.linalg.svd(Z, full_matrices=False)
    return (P * s) @ P.T


@dataclass
class GDResult:
    """Full-batch gradient descent, ``trials`` runs side by side."""
    objectives: np.ndarray       # (trials, T) objective at ``steps``
    distances: np.ndarray        # (trials, T) ‖invariant(GD) − invariant(convex)‖ (see the trainer)
    steps: np.ndarray            # (T,)
    U: np.ndarray                # (trials, m, h) final filters
    A: np.ndarray                # (trials, m, K or d) final output weights
    stopped: bool = False
    seconds: float = 0.0
    info: dict = field(default_factory=dict)


def _gd_loop(U, A, lr, steps, every, record, gradient, callback):
    """Plain gradient descent on (U, A) for both factorised CNNs (9) and (13), all trials at once.

    ``record(U, A)`` gives (objective, distance to the convex solution) per trial, taken every
    ``every`` steps and at the end; ``gradient(U, A)`` gives (∂/∂U, ∂/∂A).  ``callback(t, steps)``
    returning True stops the run early (the app's stop button).
    Returns ``(U, A, objectives (trials, k), distances (trials, k), steps recorded (k,), stopped)``.
    """
    objs, dists, at = [], [], []
    stopped = False
    for t in range(steps + 1):
        if t % every == 0 or t == steps:
            o, dd = record(U, A)
            objs.append(o); dists.append(dd); at.append(t)
            if callback is not None and t < steps and callback(t, steps):
                stopped = True
                break
        if t == steps:
            break
        gU, gA = gradient(U, A)
        U, A = U - lr * gU, A - lr * gA
    return U, A, np.array(objs).T, np.array(dists).T, np.array(at), stopped


def _gd_params(m, lr, steps, trials, seed, init_scale, record_every):
    m = check_scalar("m", m)
    steps = check_scalar("steps", steps)
    trials = check_scalar("trials", trials)
    seed = check_scalar("seed", seed)
    init_scale = check_scalar("init_scale", init_scale, lo=0.0, hi=1e3, lo_open=True, integer=False)
    if lr is not None:
        lr = check_scalar("lr", lr)
    every = max(1, steps // 200) if record_every is None else _check_int(
        "record_every", record_every, 1, 10**9, "pass a whole number of steps >= 1.")
    return m, lr, steps, trials, seed, init_scale, every


def train_linear_cnn(Xk, y, beta, *, m=4, lr=None, steps=20000, trials=5, seed=0, init_scale=0.5,
                     record_every=None, Z_star=None, callback=None) -> GDResult:
    """Gradient descent on (9).  ``distances`` records ‖Z_GD − Z*‖_F / ‖Z*‖_F when ``Z_star`` is given
    (Z = UᵀA, the end-to-end map, invariant to the rotation symmetry).

    Gradients, with r = Σ_k X_k z_k − y and G = [X_1ᵀr … X_Kᵀr] (h, K):
    ∂/∂U = A Gᵀ + βU, ∂/∂A = U G + βA.  Default step: 1.5 / (‖[X_1 … X_K]‖₂² σ_max(Z*) + β)
    (the curvature of the factorised problem near the optimum is about ‖X‖² (‖U‖² + ‖A‖²)).
    """
    Xk = _check_Xk(Xk)
    K, n, h = Xk.shape
    y = _check_targets(y, n)
    beta = _check_beta(beta)
    m, lr, steps, trials, seed, init_scale, every = _gd_params(m, lr, steps, trials, seed, init_scale,
                                                               record_every)
    t0 = time.perf_counter()
    rng = np.random.default_rng([seed, 9])
    U = rng.standard_normal((trials, m, h)) * init_scale / np.sqrt(h)
    A = rng.standard_normal((trials, m, K)) * init_scale / np.sqrt(K)
    op = np.linalg.norm(np.concatenate(list(Xk), axis=1), 2) ** 2       # ‖Z ↦ Σ X_k z_k‖²
    if lr is None:
        scale = 1.0 if Z_star is None else max(np.linalg.norm(Z_star, 2), 1e-3)
        lr = 1.5 / (op * scale + beta)
    zs_norm = None if Z_star is None else max(np.linalg.norm(Z_star), 1e-300)

    def record(U, A):
        Z = np.einsum("tmh,tmk->thk", U, A)
        r = np.einsum("knh,thk->tn", Xk, Z) - y
        obj = 0.5 * np.sum(r * r, 1) + 0.5 * beta * (np.sum(U ** 2, (1, 2)) + np.sum(A ** 2, (1, 2)))
        dist = (np.full(trials, np.nan) if Z_star is None
                else np.linalg.norm(Z - Z_star, axis=(1, 2)) / zs_norm)
        return obj, dist

    def gradient(U, A):
        Z = np.einsum("tmh,tmk->thk", U, A)
        r = np.einsum("knh,thk->tn", Xk, Z) - y
        G = np.einsum("knh,tn->thk", Xk, r)
        return np.einsum("tmk,thk->tmh", A, G) + beta * U, np.einsum("tmh,thk->tmk", U, G) + beta * A

    U, A, objs, dists, at, stopped = _gd_loop(U, A, lr, steps, every, record, gradient, callback)
    return GDResult(objectives=objs, distances=dists, steps=at, U=U, A=A,
                    stopped=stopped, seconds=time.perf_counter() - t0, info={"lr": lr})


def two_shape_signals(n=40, L=16, *, noise=0.3, seed=0):
    """Synthetic 1-D two-class data for the CNN demos: class +1 carries a bump
    (a short positive pulse), class −1 a dip-and-rise (an oscillation), at a
    random position, plus Gaussian noise.  Returns (S (n, L), y (n,) ±1)."""
    rng = np.random.default_rng(check_scalar("seed", seed))
    n = _check_int("n", n, 2, 100_000, "pass a whole number of signals n >= 2.")
    L = _check_int("L", L, 4, 4096, "pass a signal length 4 <= L <= 4096.")
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    rng.shuffle(y)
    S = noise * rng.standard_normal((n, L))
    for i in range(n):
        p = rng.integers(0, L - 3)
        S[i, p:p + 4] += [0.5, 1.0, 1.0, 0.5] if y[i] > 0 else [1.0, -1.0, 1.0, -1.0]
    return S, y


# ---------------------------------------------------- 3. circular CNN (13), (14)


def dft_matrix(d) -> np.ndarray:
    """F with F_{kl} = exp(2πi kl/d), so that X F z = d · X ifft(z)."""
    k = np.arange(d)
    return np.exp(2j * np.pi * np.outer(k, k) / d)


def circulant(u, d) -> np.ndarray:
    """The d×d circulant matrix whose first column is u zero-padded to length d (U α = u ⊛ α)."""
    c = np.zeros(d)
    c[:len(u)] = u
    return np.stack([np.roll(c, j) for j in range(d)], axis=1)


def circular_objective(X, y, U, A, beta) -> float:
    """Objective (13) of filters U (m, h) and output weights A (m, d)."""
    d = X.shape[1]
    Up = np.zeros((U.shape[0], d))
    Up[:, :U.shape[1]] = U
    e = np.real(np.fft.ifft(np.fft.fft(Up, axis=1) * np.fft.fft(A, axis=1), axis=1)).sum(0)
    r = X @ e - y
    return float(0.5 * r @ r + 0.5 * beta * (np.sum(U ** 2) + np.sum(A ** 2)))


def fourier_objective(X, y, z, beta) -> float:
    """Objective (14) at z ∈ C^d (the residual X F z − y may be complex)."""
    r = X @ (dft_matrix(X.shape[1]) @ z) - y
    return float(0.5 * np.real(np.vdot(r, r)) + beta * np.abs(z).sum())


@dataclass
class FourierResult:
    z: np.ndarray            # (d,) complex, conjugate-symmetric
    value: float             # objective (14)
    e: np.ndarray            # (d,) end-to-end filter Σ_j u_j ⊛ α_j = real(F z)
    u: np.ndarray            # (d,) one optimal filter (m* = 1)
    alpha: np.ndarray        # (d,) its output weights
    status: str
    seconds: float


def conjugate_symmetric(z, *, tol=1e-8) -> bool:
    z = np.asarray(z)
    return bool(np.allclose(z[(-np.arange(len(z))) % len(z)], np.conj(z), atol=tol * max(np.abs(z).max(), 1.0)))


def network_from_fourier(z):
    """One real filter u and output weights α (both length d) with u ⊛ α = real(F z) and
    ‖u‖² = ‖α‖² = ‖z‖₁: |û_l| = |â_l| = √(d|z_l|), phases split between û and â.

    ``z`` must be conjugate-symmetric (z_{d−l} = conj z_l), which every real network has.
    """
    z = np.asarray(z)
    if z.ndim != 1:
        raise ValueError(f"z has shape {z.shape}; pass the Fourier coefficients as a vector (d,).")
    if not np.iscomplexobj(z):
        z = z.astype(complex)
    d = len(z)
    if not conjugate_symmetric(z, tol=1e-6):
        raise ValueError("z is not conjugate-symmetric (z[d−l] ≠ conj(z[l])), so no real filters produce it; "
                         "symmetrize it first: z = (z + conj(z[(-arange(d)) % d])) / 2.")
    mag = np.sqrt(d * np.abs(z))
    phi = np.angle(z)
    theta = np.zeros(d)
    pos = np.arange(1, (d + 1) // 2)                  # 1 ≤ l < d/2
    theta[pos] = phi[pos] / 2
    theta[d - pos] = -phi[pos] / 2
    uh = mag * np.exp(1j * theta)
    ah = np.zeros(d, complex)
    nz = mag > 0
    ah[nz] = d * z[nz] / uh[nz]
    for l in {0, d // 2} if d % 2 == 0 else {0}:      # self-conjugate frequencies: real û, â
        ah[l] = np.real(ah[l])
    return np.real(np.fft.ifft(uh)), np.real(np.fft.ifft(ah))


def _check_signals_targets(X, y):
    X = _real_matrix("X", X)
    return X, _check_targets(y, X.shape[0])


def solve_fourier_l1(X, y, beta) -> FourierResult:
    """Program (14) with a complex variable in cvxpy; z symmetrized (never worse, see the docstring)."""
    t0 = time.perf_counter()
    X, y = _check_signals_targets(X, y)
    beta = _check_beta(beta)
    d = X.shape[1]
    Xt = X @ dft_matrix(d)
    z = cp.Variable(d, complex=True)
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(Xt @ z - y) + beta * cp.norm1(z)))
    try:
        prob.solve(solver=cp.CLARABEL)
    except cp.error.SolverError:
        prob.solve(solver=cp.SCS, eps_abs=1e-9, eps_rel=1e-9, max_iters=100_000)
    zs = np.asarray(z.value)
    # (z + P conj z)/2 gives the real part of the fit and a no larger ℓ1 norm
    zs = 0.5 * (zs + np.conj(zs[(-np.arange(d)) % d]))
    u, a = network_from_fourier(zs)
    return FourierResult(z=zs, value=fourier_objective(X, y, zs, beta), e=np.real(dft_matrix(d) @ zs),
                         u=u, alpha=a, status=str(prob.status), seconds=time.perf_counter() - t0)


def train_circular_cnn(X, y, beta, *, m=2, h=None, lr=None, steps=3000, trials=5, seed=0, init_scale=0.5,
                       record_every=None, e_star=None, callback=None) -> GDResult:
    """Gradient descent on (13) with filters of h taps (default h = d).

    ``distances`` records ‖e_GD − e*‖ / ‖e*‖ for the end-to-end filter e = Σ_j u_j ⊛ α_j when
    ``e_star`` (the (14) solution's ``e``) is given.  With g = Xᵀr (r the residual),
    ∂/∂α_j = corr(u_j, g) + βα_j and ∂/∂u_j = corr(α_j, g)[:h] + βu_j, where
    corr(a, g) = Uᵀ... = ifft(conj(fft a) · fft g).
    """
    X, y = _check_signals_targets(X, y)
    beta = _check_beta(beta)
    n, d = X.shape
    h = d if h is None else h
    h, _, _ = check_patch(d, h, 1)
    m, lr, steps, trials, seed, init_scale, every = _gd_params(m, lr, steps, trials, seed, init_scale,
                                                               record_every)
    t0 = time.perf_counter()
    rng = np.random.default_rng([seed, 13])
    U = np.zeros((trials, m, d))
    U[:, :, :h] = rng.standard_normal((trials, m, h)) * init_scale / np.sqrt(h)
    A = rng.standard_normal((trials, m, d)) * init_scale / np.sqrt(d)
    if lr is None:
        scale = 1.0 if e_star is None else max(np.sqrt(np.abs(np.fft.fft(e_star)).max()), 0.1)
        lr = 0.5 / (np.linalg.norm(X, 2) ** 2 * 2 * scale ** 2 + beta)
    es_norm = None if e_star is None else max(np.linalg.norm(e_star), 1e-300)
    fft, ifft = np.fft.fft, np.fft.ifft

    def end_to_end(U, A):
        return np.real(ifft(fft(U, axis=2) * fft(A, axis=2), axis=2)).sum(1)     # (trials, d)

    def record(U, A):
        e = end_to_end(U, A)
        r = e @ X.T - y
        obj = 0.5 * np.sum(r * r, 1) + 0.5 * beta * (np.sum(U ** 2, (1, 2)) + np.sum(A ** 2, (1, 2)))
        dist = np.full(trials, np.nan) if e_star is None else np.linalg.norm(e - e_star, axis=1) / es_norm
        return obj, dist

    def gradient(U, A):
        r = end_to_end(U, A) @ X.T - y                    # (trials, n)
        G = fft(r @ X, axis=1)[:, None, :]                 # fft(g), g = Xᵀ r
        gU = np.real(ifft(np.conj(fft(A, axis=2)) * G, axis=2)) + beta * U
        gU[:, :, h:] = 0.0                                 # the filter lives on its first h taps
        return gU, np.real(ifft(np.conj(fft(U, axis=2)) * G, axis=2)) + beta * A

    U, A, objs, dists, at, stopped = _gd_loop(U, A, lr, steps, every, record, gradient, callback)
    return GDResult(objectives=objs, distances=dists, steps=at,
                    U=U[:, :, :h], A=A, stopped=stopped, seconds=time.perf_counter() - t0,
                    info={"lr": lr, "h": h})


def principal_filters(U, r=None) -> np.ndarray:
    """The filters of U (m, h) with the rotation removed: rows of Σ Vᵀ from U = L Σ Vᵀ (first r).

    For a balanced optimum of (9) these are u_i = √σ_i p_i of Z* = P Σ Qᵀ, whatever
    rotation gradient descent ended in.  Signs are free; see :func:`align_signs`."""
    _, s, Vt = np.linalg.svd(np.atleast_2d(U), full_matrices=False)
    r = len(s) if r is None else min(r, len(s))
    return s[:r, None] * Vt[:r]


def align_signs(F, ref) -> np.ndarray:
    """F with each row's sign flipped to agree with the same row of ``ref``."""
    F = np.array(F, dtype=float)
    k = min(len(F), len(ref))
    sgn = np.where(np.sum(F[:k] * ref[:k], axis=1) < 0, -1.0, 1.0)
    F[:k] *= sgn[:, None]
    return F
