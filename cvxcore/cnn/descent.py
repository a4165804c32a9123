"""Full-batch gradient descent on the factorised CNNs (9) and (13), and rotation-free views of
the filters it finds.

Step rule.  Both objectives are f(U, A) = ½‖𝒜(U, A) − y‖² + (β/2)(‖U‖² + ‖A‖²) with 𝒜 bilinear,
so their curvature grows with the weights and, near the zero network, reaches β + β_max (the
Hessian at U = A = 0 has eigenvalues β ± σ_i(𝒜*y)).  A fixed step that is stable at the optimum
can therefore overshoot near the start, and no single step suits every β.  By default the step
is chosen by backtracking (Armijo), checked over blocks of ``CHECK_EVERY`` = 10 steps:

    η₀ = 1 / L(U₀, A₀)   (the trainer's bound L on the curvature at the start);
    a block takes up to 10 steps x ← x − η∇f(x) from x₀ and is kept only if
        f(end) ≤ f(x₀) − ½ η ‖∇f(x₀)‖²,
    otherwise it is undone and rerun with η/2; a kept block raises η by 5 %.

Every η ≤ 1/L passes (on an L-smooth stretch each step lowers f by at least ½η‖∇f‖²), so
η settles near the largest stable step, and checking once per block costs one evaluation of f
per 10 steps instead of one per step.  f at the kept points never increases: the weights stay
in the sublevel set {f ≤ f(x₀)}, where (β/2)(‖U‖² + ‖A‖²) ≤ f(x₀), and a block that overflows
is refused like any other — the descent cannot blow up, whatever β.  Records are taken at kept
points only.

With a fixed learning rate ``lr`` (the user's) each step is x − lr∇f, and a trial *diverges*
when f stops being finite or exceeds ``EXPLODE_FACTOR`` = 10⁶ times its start (the rule of
:func:`cvxcore.train_sgd`): it is frozen at its last weights before that step and marked, the
other trials carry on, and the result's ``message`` says what to try.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ..params import check_int, check_scalar

StepRule = Literal["backtracking", "fixed"]
GDStatus = Literal["done", "stopped", "diverged"]

EXPLODE_FACTOR = 1e6        # a fixed-step trial whose objective exceeds this × its start has diverged
CHECK_EVERY = 10            # the automatic step is checked (and undone if need be) every this many steps
ARMIJO = 0.5                # sufficient decrease over a block: f(end) ≤ f(x) − ARMIJO · η ‖∇f(x)‖²
GROW = 1.05                 # a kept block raises the step by this factor
MAX_HALVINGS = 60           # after this many halvings (η ~ 1e-18 η) the block is not taken
_ROUNDING = 16 * np.finfo(float).eps     # f may "increase" by this × |f| from rounding alone


@dataclass
class GDResult:
    """Full-batch gradient descent, ``trials`` runs side by side."""
    objectives: np.ndarray       # (trials, T) objective at ``steps`` (a diverged trial repeats its frozen value)
    distances: np.ndarray        # (trials, T) distance of GD's invariant to the convex one (``distance_name``)
    steps: np.ndarray            # (T,)
    U: np.ndarray                # (trials, m, h) final filters
    A: np.ndarray                # (trials, m, K or d) final output weights
    stopped: bool = False        # the callback stopped the run
    seconds: float = 0.0
    info: dict = field(default_factory=dict)
    diverged: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))     # (trials,)
    diverged_at: np.ndarray = field(default_factory=lambda: np.zeros(0, int))   # (trials,) step, −1 if none
    step_rule: StepRule = "backtracking"
    lr: float | None = None      # the fixed learning rate; None with backtracking
    curvature: np.ndarray = field(default_factory=lambda: np.zeros(0))          # (trials,) L(U₀, A₀)
    distance_name: str = ""      # what ``distances`` measures, for an axis title
    message: str | None = None   # what went wrong and what to try (None when nothing did)

    @property
    def status(self) -> GDStatus:
        """"diverged" if any trial diverged, "stopped" if the callback stopped the run, else "done"."""
        if self.diverged.any():
            return "diverged"
        return "stopped" if self.stopped else "done"

    @property
    def final(self) -> np.ndarray:
        """(trials,) objective of the returned weights."""
        return self.objectives[:, -1]

    def history(self) -> np.ndarray:
        """``objectives`` with NaN from each diverged trial's divergence on (for plotting)."""
        out = self.objectives.astype(float)
        for t in np.flatnonzero(self.diverged):
            out[t, self.steps >= self.diverged_at[t]] = np.nan
        return out


@dataclass
class _Descent:
    """What :func:`gradient_descent` returns to the trainers."""
    U: np.ndarray
    A: np.ndarray
    objectives: np.ndarray
    distances: np.ndarray
    steps: np.ndarray
    stopped: bool
    diverged_at: np.ndarray
    curvature: np.ndarray
    final_step: np.ndarray       # (trials,) the last step size taken


def gradient_descent(U, A, *, lr: float | None, steps: int, every: int, residual: Callable, value: Callable,
                     gradient: Callable, curvature: Callable, distance: Callable,
                     callback: Callable | None) -> _Descent:
    """Gradient descent on (U, A) for both factorised CNNs (9) and (13), all trials at once.

    ``residual(U, A)`` gives the residual r (trials, n); ``value(U, A, r)`` the objective (trials,);
    ``gradient(U, A, r)`` (∂/∂U, ∂/∂A); ``curvature(U, A, r)`` the bound L (trials,) on the
    curvature; ``distance(U, A)`` the distance to the convex solution (trials,).  ``lr`` None:
    checked blocks from η₀ = 1/L (module docstring); else the fixed step ``lr``, with divergence.
    Records every ``every`` steps and at the end; ``callback(t, steps)`` returning True stops.
    """
    trials = U.shape[0]
    diverged_at = np.full(trials, -1)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        r = residual(U, A)
        f = value(U, A, r)
        f0 = f.copy()
        L0 = curvature(U, A, r)
        eta = 1.0 / L0 if lr is None else np.full(trials, float(lr))
        objs, dists, at = [f.copy()], [distance(U, A)], [0]
        stopped = bool(callback is not None and steps > 0 and callback(0, steps))
        t = 0
        while t < steps and not stopped:
            record = min((t // every + 1) * every, steps)
            if lr is None:
                end = min(record, t + CHECK_EVERY)
                U, A, r, f, eta = _checked_block(U, A, r, f, eta, end - t, residual, value, gradient)
            else:
                end = record
                for step in range(t + 1, end + 1):
                    U, A, r, f = _fixed_step(U, A, r, f, lr, f0, step, diverged_at, residual, value, gradient)
            t = end
            if t == record:
                objs.append(f.copy())
                dists.append(distance(U, A))
                at.append(t)
                stopped = bool(callback is not None and t < steps and callback(t, steps))
    return _Descent(U, A, np.array(objs).T, np.array(dists).T, np.array(at), stopped, diverged_at, L0, eta)


def _fixed_step(U, A, r, f, lr, f0, step, diverged_at, residual, value, gradient):
    """One step x − lr∇f of the trials that have not diverged; a trial whose objective is not
    finite or exceeds EXPLODE_FACTOR × its start after this step keeps its weights, and
    ``diverged_at`` records ``step``."""
    live = diverged_at < 0
    gU, gA = gradient(U, A, r)
    Un, An = U - lr * gU, A - lr * gA
    rn = residual(Un, An)
    fn = value(Un, An, rn)
    bad = live & ~(np.isfinite(fn) & (fn <= EXPLODE_FACTOR * np.maximum(f0, 1e-300))
                   & np.isfinite(squared_norms(Un) + squared_norms(An)))
    diverged_at[bad] = step
    go = live & ~bad
    if go.all():
        return Un, An, rn, fn
    return (np.where(go[:, None, None], Un, U), np.where(go[:, None, None], An, A),
            np.where(go[:, None], rn, r), np.where(go, fn, f))


def _checked_block(U, A, r, f, eta, k, residual, value, gradient):
    """``k`` steps with each trial's fixed η, kept only if the objective then lies at least
    ARMIJO·η‖∇f(x)‖² below its start (x the block's start); a trial that fails is rerun from x
    with η/2 (at most MAX_HALVINGS times, then it stays at x).  Kept blocks raise η by GROW."""
    def run(Ub, Ab, rb, e):
        gg = None
        for _ in range(k):
            gU, gA = gradient(Ub, Ab, rb)
            if gg is None:
                gg = squared_norms(gU) + squared_norms(gA)
            Ub, Ab = Ub - e[:, None, None] * gU, Ab - e[:, None, None] * gA
            rb = residual(Ub, Ab)
        return Ub, Ab, rb, value(Ub, Ab, rb), gg

    limit = f + _ROUNDING * np.abs(f)
    Un, An, rn, fn, gg = run(U, A, r, eta)
    ok = fn <= limit - ARMIJO * eta * gg                  # NaN/inf compare False: refused
    if ok.all():
        return Un, An, rn, fn, eta * GROW
    eta = eta.copy()
    eta[ok] *= GROW
    todo = np.flatnonzero(~ok)
    for _ in range(MAX_HALVINGS):
        eta[todo] *= 0.5
        Ut, At, rt, ft, gt = run(U[todo], A[todo], r[todo], eta[todo])
        good = ft <= limit[todo] - ARMIJO * eta[todo] * gt
        acc = todo[good]
        Un[acc], An[acc], rn[acc], fn[acc] = Ut[good], At[good], rt[good], ft[good]
        todo = todo[~good]
        if todo.size == 0:
            return Un, An, rn, fn, eta
    Un[todo], An[todo], rn[todo], fn[todo] = U[todo], A[todo], r[todo], f[todo]
    return Un, An, rn, fn, eta


def squared_norms(M: np.ndarray) -> np.ndarray:
    """‖M_t‖² of each member of a stack (trials, …)."""
    M = M.reshape(M.shape[0], -1)
    return np.einsum("ti,ti->t", M, M)


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


def divergence_message(objective: str, lr: float, diverged_at: np.ndarray, curvature: np.ndarray) -> str | None:
    """What the app shows when fixed-step trials diverged: which, when, why and what to try."""
    bad = np.flatnonzero(diverged_at >= 0)
    if bad.size == 0:
        return None
    L = float(np.max(curvature))
    which = ("every trial" if bad.size == diverged_at.size else
             "trial" + ("s " if bad.size > 1 else " ") + ", ".join(str(t + 1) for t in bad))
    return (f"Gradient descent on {objective} with the fixed learning rate lr={lr:g} diverged ({which}, from step "
            f"{int(diverged_at[bad].min()):,}): the objective grew more than a millionfold or overflowed, so those "
            f"trials were stopped at their last finite weights. Near the start the curvature of {objective} is up "
            f"to L ≈ {L:.3g}, and a fixed step above 2/L ≈ {2 / L:.2g} overshoots. Try lr <= {1 / L:.2g}, or "
            "lr=None for the automatic step (backtracking), which cannot diverge.")


def principal_filters(U: np.ndarray, r: int | None = None) -> np.ndarray:
    """The filters of U (m, h) with the rotation removed: rows of Σ Vᵀ from U = L Σ Vᵀ (first r).

    For a balanced optimum of (9) these are u_i = √σ_i p_i of Z* = P Σ Qᵀ, whatever
    rotation gradient descent ended in.  Signs are free; see :func:`align_signs`."""
    U = np.atleast_2d(np.asarray(U, dtype=float))
    if not np.all(np.isfinite(U)):
        raise ValueError("U contains NaN/inf, so its filters are undefined; pass the filters of a descent that "
                         "stayed finite (GDResult.U is always finite: a diverged trial keeps its last finite "
                         "weights).")
    _, s, Vt = np.linalg.svd(U, full_matrices=False)
    r = len(s) if r is None else min(r, len(s))
    return s[:r, None] * Vt[:r]


def align_signs(F: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """F with each row's sign flipped to agree with the same row of ``ref``."""
    F = np.array(F, dtype=float)
    k = min(len(F), len(ref))
    sgn = np.where(np.sum(F[:k] * ref[:k], axis=1) < 0, -1.0, 1.0)
    F[:k] *= sgn[:, None]
    return F
