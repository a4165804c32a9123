"""The two-layer linear CNN (9) and its nuclear-norm program (12)."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from ..params import check_int, check_scalar
from .descent import GDResult, check_descent, divergence_message, gradient_descent, squared_norms
from .patches import check_matrix, check_targets, count_floor, real_array


@dataclass
class NuclearResult:
    """Solution of (12): Z* = [z_1 … z_K] (h, K), its value, and the filters it implies.

    Singular values of Z* at or below ``floor`` are solver round-off and are set to 0, so ``rank``
    counts filters; at β ≥ β_max (``zero_network``) Z* = 0 exactly and no filter is needed."""
    Z: np.ndarray
    value: float
    U: np.ndarray            # (rank, h) filters u_i = √σ_i p_i
    A: np.ndarray            # (rank, K) output weights α_i = √σ_i q_i
    sigma: np.ndarray        # singular values of Z* (0 below the floor)
    status: str
    seconds: float
    rank: int = 0            # filters needed: singular values of Z* above ``floor``
    zero_network: bool = False   # β ≥ β_max: the optimum is the zero network (Z* = 0, value ½‖y‖²)
    beta_max: float = np.inf     # σ_max([X_1ᵀy … X_Kᵀy]): the smallest β with Z* = 0 (dual (11) at v = y)
    floor: float = 0.0           # the threshold of ``rank``


def _check_Xk(Xk):
    Xk = np.asarray(Xk)
    if Xk.ndim != 3:
        raise ValueError(f"Xk has shape {Xk.shape}; pass the patch matrices as an array (K, n, h), "
                         "e.g. patches(S, h, stride).")
    return real_array("Xk", Xk, ndim=3)


def _check_factors(Xk, y, U, A, beta):
    """Validated (Xk, y, U (m, h), A (m, K), β) for objective (9)."""
    Xk = _check_Xk(Xk)
    K, n, h = Xk.shape
    y = check_targets(y, n)
    U = check_matrix("U", U, None, h, f"one filter u_j of h = {h} taps per row (the patch size of Xk)")
    A = check_matrix("A", A, U.shape[0], K, f"one row α_j of K = {K} output weights per filter (one per "
                                             f"patch), as many rows as U has filters ({U.shape[0]})")
    return Xk, y, U, A, check_scalar("beta", beta)


def linear_cnn_objective(Xk: np.ndarray, y: np.ndarray, U: np.ndarray, A: np.ndarray, beta: float) -> float:
    """Objective (9) of filters U (m, h) and output weights A (m, K)."""
    Xk, y, U, A, beta = _check_factors(Xk, y, U, A, beta)
    r = np.einsum("knh,hk->n", Xk, U.T @ A) - y
    return float(0.5 * r @ r + 0.5 * beta * (np.sum(np.square(U)) + np.sum(np.square(A))))


def nuclear_objective(Xk: np.ndarray, y: np.ndarray, Z: np.ndarray, beta: float) -> float:
    """Objective (12) at Z (h, K)."""
    Xk = _check_Xk(Xk)
    K, n, h = Xk.shape
    y = check_targets(y, n)
    Z = check_matrix("Z", Z, h, K, f"one column z_k of h = {h} taps per patch, K = {K} columns")
    r = np.einsum("knh,hk->n", Xk, Z) - y
    return float(0.5 * r @ r + check_scalar("beta", beta) * np.linalg.svd(Z, compute_uv=False).sum())


def nuclear_beta_max(Xk: np.ndarray, y: np.ndarray) -> float:
    """β_max of (12): σ_max([X_1ᵀy … X_Kᵀy]).  Z* = 0 is optimal exactly when β ≥ β_max (the
    dual (11) with v = y, the residual of the zero network, is feasible)."""
    Xk = _check_Xk(Xk)
    y = check_targets(y, Xk.shape[1])
    return float(np.linalg.norm(np.einsum("knh,n->hk", Xk, y), 2))


def _patch_operator_norm(Xk) -> float:
    """‖𝒜‖₂ of 𝒜: Z ↦ Σ_k X_k z_k, i.e. the spectral norm of [X_1 … X_K]."""
    return float(np.linalg.norm(np.concatenate(list(Xk), axis=1), 2))


def solve_nuclear(Xk: np.ndarray, y: np.ndarray, beta: float) -> NuclearResult:
    """Program (12) in cvxpy (``normNuc``); filters from the SVD of Z*.

    At β ≥ β_max (:func:`nuclear_beta_max`) the optimum is Z* = 0 exactly and no solver is
    called; otherwise singular values at or below the floor (``count_floor``) are solver
    round-off and are dropped (Z* is the truncated SVD, and ``value`` is (12) at it)."""
    t0 = time.perf_counter()
    Xk = _check_Xk(Xk)
    K, n, h = Xk.shape
    y = check_targets(y, n)
    beta = check_scalar("beta", beta)
    bmax = nuclear_beta_max(Xk, y)
    scale = float(np.linalg.norm(y)) / max(_patch_operator_norm(Xk), 1e-300)
    if beta >= bmax:
        return NuclearResult(Z=np.zeros((h, K)), value=float(0.5 * y @ y), U=np.zeros((0, h)), A=np.zeros((0, K)),
                             sigma=np.zeros(min(h, K)), status="optimal", seconds=time.perf_counter() - t0,
                             rank=0, zero_network=True, beta_max=bmax, floor=count_floor(np.zeros(0), scale))
    Z = cp.Variable((h, K))
    fit = sum(Xk[k] @ Z[:, k] for k in range(K))
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(fit - y) + beta * cp.normNuc(Z)))
    try:
        prob.solve(solver=cp.CLARABEL)
    except cp.error.SolverError:
        prob.solve(solver=cp.SCS, eps_abs=1e-9, eps_rel=1e-9, max_iters=100_000)
    P, s, Qt = np.linalg.svd(np.asarray(Z.value), full_matrices=False)
    floor = count_floor(s, scale)
    keep = s > floor
    s = np.where(keep, s, 0.0)
    Zs = (P[:, keep] * s[keep]) @ Qt[keep]
    r = np.sqrt(s[keep])
    return NuclearResult(Z=Zs, value=nuclear_objective(Xk, y, Zs, beta), U=(P[:, keep] * r).T,
                         A=(Qt[keep].T * r).T, sigma=s, status=str(prob.status),
                         seconds=time.perf_counter() - t0, rank=int(keep.sum()), zero_network=False,
                         beta_max=bmax, floor=floor)


def gram_sqrt(Z: np.ndarray) -> np.ndarray:
    """(Z Zᵀ)^{1/2}: the filter Gram matrix Σ_j u_j u_jᵀ of any balanced factorisation of Z."""
    P, s, _ = np.linalg.svd(Z, full_matrices=False)
    return (P * s) @ P.T


def train_linear_cnn(Xk: np.ndarray, y: np.ndarray, beta: float, *, m: int = 4, lr: float | None = None,
                     steps: int = 20000, trials: int = 5, seed: int = 0, init_scale: float = 0.5,
                     record_every: int | None = None, Z_star: np.ndarray | None = None,
                     callback: Callable[[int, int], bool | None] | None = None) -> GDResult:
    """Gradient descent on (9), ``trials`` random starts side by side.

    Gradients, with r = Σ_k X_k z_k − y, Z = UᵀA and G = 𝒜*r = [X_1ᵀr … X_Kᵀr] (h, K):
    ∂/∂U = A Gᵀ + βU, ∂/∂A = U G + βA.  Along any direction (dU, dA) the second derivative is
    ‖𝒜(dUᵀA + UᵀdA)‖² + 2⟨G, dUᵀdA⟩ + β‖(dU, dA)‖², at most L‖(dU, dA)‖² with

        L(U, A) = ‖𝒜‖₂² (‖U‖₂² + ‖A‖₂²) + ‖G‖₂ + β       (‖·‖₂ spectral norms),

    which at U = A = 0 is β + β_max.  ``lr`` None (default): backtracking from η₀ = 1/L(U₀, A₀),
    which cannot diverge (:mod:`cvxcore.cnn.descent`); a number: that fixed step, and trials that
    blow up are stopped and reported (``GDResult.status`` "diverged", ``message``).

    ``distances`` records ‖Z_GD − Z*‖_F / ‖Z*‖_F when ``Z_star`` is given (Z = UᵀA, the end-to-end
    map, invariant to the rotation symmetry); when Z* = 0, ‖Z_GD‖_F / (‖y‖/‖𝒜‖₂), the size of Z
    relative to one that fits y.
    """
    Xk = _check_Xk(Xk)
    K, n, h = Xk.shape
    y = check_targets(y, n)
    beta = check_scalar("beta", beta)
    m, lr, steps, trials, seed, init_scale, every = check_descent(m, lr, steps, trials, seed, init_scale,
                                                               record_every)
    if Z_star is not None:
        Z_star = check_matrix("Z_star", Z_star, h, K, f"the solution Z* (h, K) = ({h}, {K}) of (12), "
                                                       "e.g. solve_nuclear(Xk, y, beta).Z")
    t0 = time.perf_counter()
    rng = np.random.default_rng([seed, 9])
    U = rng.standard_normal((trials, m, h)) * init_scale / np.sqrt(h)
    A = rng.standard_normal((trials, m, K)) * init_scale / np.sqrt(K)
    op2 = _patch_operator_norm(Xk) ** 2
    zs_norm = 0.0 if Z_star is None else float(np.linalg.norm(Z_star))
    scale = float(np.linalg.norm(y)) / max(np.sqrt(op2), 1e-300)
    if Z_star is None:
        name = ""
    elif zs_norm > 0:
        name = "‖Z_GD − Z*‖ / ‖Z*‖"
    else:
        name, zs_norm = "‖Z_GD‖ / (‖y‖/‖𝒜‖), Z* = 0", max(scale, 1e-300)

    # 𝒜 as one matrix: row h·K + k of M is X_k[:, h], so Σ_k X_k z_k = vec(Z) M (Z in C order)
    M = Xk.transpose(2, 0, 1).reshape(h * K, n)

    def residual(U, A):
        return np.matmul(U.transpose(0, 2, 1), A).reshape(U.shape[0], h * K) @ M - y

    def value(U, A, r):
        return 0.5 * (squared_norms(r) + beta * (squared_norms(U) + squared_norms(A)))

    def gradient(U, A, r):
        G = (r @ M.T).reshape(-1, h, K)
        return np.matmul(A, G.transpose(0, 2, 1)) + beta * U, np.matmul(U, G) + beta * A

    def curvature(U, A, r):
        G = (r @ M.T).reshape(-1, h, K)
        return op2 * (_spec(U) ** 2 + _spec(A) ** 2) + _spec(G) + beta

    def distance(U, A):
        if Z_star is None:
            return np.full(U.shape[0], np.nan)
        return np.linalg.norm(np.einsum("tmh,tmk->thk", U, A) - Z_star, axis=(1, 2)) / zs_norm

    d = gradient_descent(U, A, lr=lr, steps=steps, every=every, residual=residual, value=value,
                         gradient=gradient, curvature=curvature, distance=distance, callback=callback)
    return GDResult(objectives=d.objectives, distances=d.distances, steps=d.steps, U=d.U, A=d.A,
                    stopped=d.stopped, seconds=time.perf_counter() - t0,
                    info={"lr": lr if lr is not None else float(np.min(1.0 / d.curvature))},
                    diverged=d.diverged_at >= 0, diverged_at=d.diverged_at,
                    step_rule="backtracking" if lr is None else "fixed", lr=lr, curvature=d.curvature,
                    distance_name=name,
                    message=None if lr is None else divergence_message("(9)", lr, d.diverged_at, d.curvature))


def _spec(M) -> np.ndarray:
    """Spectral norm of each matrix of a stack (trials, a, b)."""
    if M.shape[1] == 0 or M.shape[2] == 0:
        return np.zeros(M.shape[0])
    return np.linalg.norm(M, 2, axis=(1, 2))


def two_shape_signals(n: int = 40, L: int = 16, *, noise: float = 0.3, seed: int = 0
                      ) -> tuple[np.ndarray, np.ndarray]:
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
