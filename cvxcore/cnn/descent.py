"""Full-batch gradient descent on the factorised CNNs (9) and (13), and rotation-free views of
the filters it finds."""
from __future__ import annotations

import time  # noqa: F401
from dataclasses import dataclass, field

import numpy as np

from ..params import check_int, check_scalar


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


def gradient_descent(U, A, lr, steps, every, record, gradient, callback):
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


def check_descent(m, lr, steps, trials, seed, init_scale, record_every):
    m = check_scalar("m", m)
    steps = check_scalar("steps", steps)
    trials = check_scalar("trials", trials)
    seed = check_scalar("seed", seed)
    init_scale = check_scalar("init_scale", init_scale, lo=0.0, hi=1e3, lo_open=True, integer=False)
    if lr is not None:
        lr = check_scalar("lr", lr)
    every = max(1, steps // 200) if record_every is None else check_int(
        "record_every", record_every, 1, 10**9, "pass a whole number of steps >= 1.")
    return m, lr, steps, trials, seed, init_scale, every


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
