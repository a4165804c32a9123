"""The circular linear CNN (13) and its ℓ1 program in Fourier space (14)."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from ..params import check_scalar
from .descent import GDResult, check_descent, divergence_message, gradient_descent, squared_norms
from .patches import check_matrix, check_patch, check_targets, count_floor, real_array


def dft_matrix(d) -> np.ndarray:
    """F with F_{kl} = exp(2πi kl/d), so that X F z = d · X ifft(z)."""
    k = np.arange(d)
    return np.exp(2j * np.pi * np.outer(k, k) / d)


def circulant(u, d) -> np.ndarray:
    """The d×d circulant matrix whose first column is u zero-padded to length d (U α = u ⊛ α)."""
    c = np.zeros(d)
    c[:len(u)] = u
    return np.stack([np.roll(c, j) for j in range(d)], axis=1)


def circular_objective(X: np.ndarray, y: np.ndarray, U: np.ndarray, A: np.ndarray, beta: float) -> float:
    """Objective (13) of filters U (m, h), h ≤ d, and output weights A (m, d)."""
    X, y = _check_signals_targets(X, y)
    d = X.shape[1]
    U = np.asarray(U)
    if U.ndim != 2 or not 1 <= U.shape[1] <= d:
        raise ValueError(f"U has shape {U.shape}; it must be (m, h) with 1 <= h <= d = {d}: one filter of h taps "
                         "per row (zero-padded to the signal length d).")
    U = check_matrix("U", U, None, U.shape[1], "one filter per row")
    A = check_matrix("A", A, U.shape[0], d, f"one row α_j of d = {d} output weights per filter, as many rows as "
                                             f"U has filters ({U.shape[0]})")
    beta = check_scalar("beta", beta)
    Up = np.zeros((U.shape[0], d))
    Up[:, :U.shape[1]] = U
    e = np.real(np.fft.ifft(np.fft.fft(Up, axis=1) * np.fft.fft(A, axis=1), axis=1)).sum(0)
    r = X @ e - y
    return float(0.5 * r @ r + 0.5 * beta * (np.sum(U ** 2) + np.sum(A ** 2)))


def fourier_objective(X: np.ndarray, y: np.ndarray, z: np.ndarray, beta: float) -> float:
    """Objective (14) at z ∈ C^d (the residual X F z − y may be complex)."""
    r = X @ (dft_matrix(X.shape[1]) @ z) - y
    return float(0.5 * np.real(np.vdot(r, r)) + beta * np.abs(z).sum())


@dataclass
class FourierResult:
    """Solution of (14).  Entries |z_l| at or below ``floor`` are solver round-off and are set to
    0, so ``used`` counts frequencies; at β ≥ β_max (``zero_network``) z* = 0 exactly."""
    z: np.ndarray            # (d,) complex, conjugate-symmetric
    value: float             # objective (14)
    e: np.ndarray            # (d,) end-to-end filter Σ_j u_j ⊛ α_j = real(F z)
    u: np.ndarray            # (d,) one optimal filter (m* = 1)
    alpha: np.ndarray        # (d,) its output weights
    status: str
    seconds: float
    used: int = 0            # frequencies used: |z_l| above ``floor``
    zero_network: bool = False   # β ≥ β_max: the optimum is the zero network (z* = 0, value ½‖y‖²)
    beta_max: float = np.inf     # max_l |((XF)ᴴ y)_l|: the smallest β with z* = 0
    floor: float = 0.0           # the threshold of ``used``


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
    X = real_array("X", X)
    return X, check_targets(y, X.shape[0])


def fourier_beta_max(X: np.ndarray, y: np.ndarray) -> float:
    """β_max of (14): max_l |((XF)ᴴ y)_l| = ‖fft(Xᵀy)‖_∞.  z* = 0 is optimal exactly when β ≥ β_max
    (0 is in the subdifferential of (14) at z = 0)."""
    X, y = _check_signals_targets(X, y)
    return float(np.abs(np.fft.fft(X.T @ y)).max())


def solve_fourier_l1(X: np.ndarray, y: np.ndarray, beta: float) -> FourierResult:
    """Program (14) with a complex variable in cvxpy; z symmetrized (never worse, see the docstring).

    At β ≥ β_max (:func:`fourier_beta_max`) z* = 0 exactly and no solver is called; otherwise
    entries at or below the floor (:func:`cvxcore.cnn.patches.count_floor`, scale ‖y‖/‖XF‖₂) are
    solver round-off and are set to 0 (``value`` is (14) at the result)."""
    t0 = time.perf_counter()
    X, y = _check_signals_targets(X, y)
    beta = check_scalar("beta", beta)
    d = X.shape[1]
    Xt = X @ dft_matrix(d)
    bmax = fourier_beta_max(X, y)
    scale = float(np.linalg.norm(y)) / max(float(np.linalg.norm(Xt, 2)), 1e-300)
    if beta >= bmax:
        zero = np.zeros(d)
        return FourierResult(z=zero.astype(complex), value=float(0.5 * y @ y), e=zero, u=zero.copy(),
                             alpha=zero.copy(), status="optimal", seconds=time.perf_counter() - t0, used=0,
                             zero_network=True, beta_max=bmax, floor=count_floor(np.zeros(0), scale))
    z = cp.Variable(d, complex=True)
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(Xt @ z - y) + beta * cp.norm1(z)))
    try:
        prob.solve(solver=cp.CLARABEL)
    except cp.error.SolverError:
        prob.solve(solver=cp.SCS, eps_abs=1e-9, eps_rel=1e-9, max_iters=100_000)
    zs = np.asarray(z.value)
    # (z + P conj z)/2 gives the real part of the fit and a no larger ℓ1 norm
    zs = 0.5 * (zs + np.conj(zs[(-np.arange(d)) % d]))
    floor = count_floor(np.abs(zs), scale)
    zs = np.where(np.abs(zs) > floor, zs, 0.0)        # |z_l| = |z_{d−l}|: the symmetry is kept
    u, a = network_from_fourier(zs)
    return FourierResult(z=zs, value=fourier_objective(X, y, zs, beta), e=np.real(dft_matrix(d) @ zs),
                         u=u, alpha=a, status=str(prob.status), seconds=time.perf_counter() - t0,
                         used=int(np.count_nonzero(zs)), zero_network=False, beta_max=bmax, floor=floor)


def train_circular_cnn(X: np.ndarray, y: np.ndarray, beta: float, *, m: int = 2, h: int | None = None,
                       lr: float | None = None, steps: int = 3000, trials: int = 5, seed: int = 0,
                       init_scale: float = 0.5, record_every: int | None = None, e_star: np.ndarray | None = None,
                       callback: Callable[[int, int], bool | None] | None = None) -> GDResult:
    """Gradient descent on (13) with filters of h taps (default h = d), ``trials`` starts side by side.

    With g = Xᵀr (r the residual), ∂/∂α_j = corr(u_j, g) + βα_j and ∂/∂u_j = corr(α_j, g)[:h] + βu_j,
    where corr(a, g) = ifft(conj(fft a) · fft g).  Since ‖u ⊛ α‖ ≤ ‖fft α‖_∞ ‖u‖ and
    ⟨g, du ⊛ dα⟩ ≤ ‖fft g‖_∞ ‖du‖ ‖dα‖, the curvature is at most

        L(U, A) = ‖X‖₂² Σ_j (‖fft u_j‖²_∞ + ‖fft α_j‖²_∞) + ‖fft g‖_∞ + β,

    which at U = A = 0 is β + β_max of (14).  ``lr`` None (default): backtracking from
    η₀ = 1/L(U₀, A₀), which cannot diverge (:mod:`cvxcore.cnn.descent`); a number: that fixed step,
    and trials that blow up are stopped and reported (``GDResult.status`` "diverged", ``message``).

    ``distances`` records ‖e_GD − e*‖ / ‖e*‖ for the end-to-end filter e = Σ_j u_j ⊛ α_j when
    ``e_star`` (the (14) solution's ``e``) is given; when e* = 0, ‖e_GD‖ / (‖y‖/‖X‖₂).
    """
    X, y = _check_signals_targets(X, y)
    beta = check_scalar("beta", beta)
    n, d = X.shape
    h = d if h is None else h
    h, _, _ = check_patch(d, h, 1)
    m, lr, steps, trials, seed, init_scale, every = check_descent(m, lr, steps, trials, seed, init_scale,
                                                               record_every)
    if e_star is not None:
        e_star = check_matrix("e_star", np.reshape(e_star, (1, -1)), 1, d,
                              f"the end-to-end filter e* (d,) = ({d},) of (14), e.g. solve_fourier_l1(X, y, beta).e")[0]
    t0 = time.perf_counter()
    rng = np.random.default_rng([seed, 13])
    U = np.zeros((trials, m, d))
    U[:, :, :h] = rng.standard_normal((trials, m, h)) * init_scale / np.sqrt(h)
    A = rng.standard_normal((trials, m, d)) * init_scale / np.sqrt(d)
    x2 = float(np.linalg.norm(X, 2)) ** 2
    es_norm = 0.0 if e_star is None else float(np.linalg.norm(e_star))
    if e_star is None:
        name = ""
    elif es_norm > 0:
        name = "‖e_GD − e*‖ / ‖e*‖"
    else:
        name, es_norm = "‖e_GD‖ / (‖y‖/‖X‖), e* = 0", max(float(np.linalg.norm(y)) / max(np.sqrt(x2), 1e-300), 1e-300)
    # real signals: the half spectrum (rfft) carries everything, and max_l |û_l| is the same on it
    rfft, irfft = np.fft.rfft, np.fft.irfft

    def end_to_end(U, A):
        return irfft(rfft(U, axis=2) * rfft(A, axis=2), n=d, axis=2).sum(1)          # (trials, d)

    def residual(U, A):
        return end_to_end(U, A) @ X.T - y

    def value(U, A, r):
        return 0.5 * (squared_norms(r) + beta * (squared_norms(U) + squared_norms(A)))

    def gradient(U, A, r):
        G = rfft(r @ X, axis=1)[:, None, :]                # fft(g), g = Xᵀ r
        gU = irfft(np.conj(rfft(A, axis=2)) * G, n=d, axis=2) + beta * U
        gU[:, :, h:] = 0.0                                 # the filter lives on its first h taps
        return gU, irfft(np.conj(rfft(U, axis=2)) * G, n=d, axis=2) + beta * A

    def curvature(U, A, r):
        peak = np.abs(rfft(U, axis=2)).max(axis=2) ** 2 + np.abs(rfft(A, axis=2)).max(axis=2) ** 2   # (trials, m)
        return x2 * peak.sum(axis=1) + np.abs(rfft(r @ X, axis=1)).max(axis=1) + beta

    def distance(U, A):
        if e_star is None:
            return np.full(U.shape[0], np.nan)
        return np.linalg.norm(end_to_end(U, A) - e_star, axis=1) / es_norm

    dd = gradient_descent(U, A, lr=lr, steps=steps, every=every, residual=residual, value=value,
                          gradient=gradient, curvature=curvature, distance=distance, callback=callback)
    return GDResult(objectives=dd.objectives, distances=dd.distances, steps=dd.steps, U=dd.U[:, :, :h], A=dd.A,
                    stopped=dd.stopped, seconds=time.perf_counter() - t0,
                    info={"lr": lr if lr is not None else float(np.min(1.0 / dd.curvature)), "h": h},
                    diverged=dd.diverged_at >= 0, diverged_at=dd.diverged_at,
                    step_rule="backtracking" if lr is None else "fixed", lr=lr, curvature=dd.curvature,
                    distance_name=name,
                    message=None if lr is None else divergence_message("(13)", lr, dd.diverged_at, dd.curvature))
