"""The two-layer linear CNN (9) and its nuclear-norm program (12)."""
from __future__ import annotations

import time
from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from ..params import check_int, check_scalar
from .descent import GDResult, check_descent, gradient_descent
from .patches import check_targets, real_array


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
    return real_array("Xk", Xk, ndim=3)


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
    y = check_targets(y, n)
    beta = check_scalar("beta", beta)
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
    y = check_targets(y, n)
    beta = check_scalar("beta", beta)
    m, lr, steps, trials, seed, init_scale, every = check_descent(m, lr, steps, trials, seed, init_scale,
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

    U, A, objs, dists, at, stopped = gradient_descent(U, A, lr, steps, every, record, gradient, callback)
    return GDResult(objectives=objs, distances=dists, steps=at, U=U, A=A,
                    stopped=stopped, seconds=time.perf_counter() - t0, info={"lr": lr})


def two_shape_signals(n=40, L=16, *, noise=0.3, seed=0):
    """Synthetic 1-D two-class data for the CNN demos: class +1 carries a bump
    (a short positive pulse), class −1 a dip-and-rise (an oscillation), at a
    random position, plus Gaussian noise.  Returns (S (n, L), y (n,) ±1)."""
    rng = np.random.default_rng(check_scalar("seed", seed))
    n = check_int("n", n, 2, 100_000, "pass a whole number of signals n >= 2.")
    L = check_int("L", L, 4, 4096, "pass a signal length 4 <= L <= 4096.")
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    rng.shuffle(y)
    S = noise * rng.standard_normal((n, L))
    for i in range(n):
        p = rng.integers(0, L - 3)
        S[i, p:p + 4] += [0.5, 1.0, 1.0, 0.5] if y[i] > 0 else [1.0, -1.0, 1.0, -1.0]
    return S, y
