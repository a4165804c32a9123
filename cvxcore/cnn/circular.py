"""The circular linear CNN (13) and its ℓ1 program in Fourier space (14)."""
from __future__ import annotations

import time
from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from ..params import check_scalar
from .descent import GDResult, check_descent, gradient_descent
from .patches import check_patch, check_targets, real_array


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
    X = real_array("X", X)
    return X, check_targets(y, X.shape[0])


def solve_fourier_l1(X, y, beta) -> FourierResult:
    """Program (14) with a complex variable in cvxpy; z symmetrized (never worse, see the docstring)."""
    t0 = time.perf_counter()
    X, y = _check_signals_targets(X, y)
    beta = check_scalar("beta", beta)
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
    beta = check_scalar("beta", beta)
    n, d = X.shape
    h = d if h is None else h
    h, _, _ = check_patch(d, h, 1)
    m, lr, steps, trials, seed, init_scale, every = check_descent(m, lr, steps, trials, seed, init_scale,
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

    U, A, objs, dists, at, stopped = gradient_descent(U, A, lr, steps, every, record, gradient, callback)
    return GDResult(objectives=objs, distances=dists, steps=at,
                    U=U[:, :, :h], A=A, stopped=stopped, seconds=time.perf_counter() - t0,
                    info={"lr": lr, "h": h})
