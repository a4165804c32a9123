"""Why gradient descent on (2) gets stuck, and the neuron that frees it (docs/theory.md §2, §8).

A trained network (U, α) with output ŷ has its own dual vector v = −∇ℓ(ŷ) (squared loss: the
residual v = y − ŷ).  Gradient descent on (2) stops where

    ∂/∂αⱼ = −vᵀ(X uⱼ)₊ + β αⱼ = 0,      ∂/∂uⱼ = −αⱼ Xᵀ Dⱼ v + β uⱼ = 0,

(Dⱼ the pattern of uⱼ); together they give ‖uⱼ‖ = |αⱼ| (balanced) and

    vᵀ(X ûⱼ)₊ = β · sign(αⱼ)      at every neuron direction ûⱼ = uⱼ/‖uⱼ‖:

the run's *own dual curve* u ↦ vᵀ(Xu)₊ over unit directions touches ±β at its neurons.  The
global optimum asks more (docs/theory.md §2, the dual (4)): |vᵀ(Xu)₊| ≤ β for **every** unit u.
A stuck run violates it somewhere; the direction û* where |vᵀ(Xu)₊| is largest, computed
exactly over the cells of the arrangement (:meth:`cvxcore.arrangement.CellSet.maximum`), is the
*missing neuron*.  A new neuron there, balanced with magnitude ‖q‖ = t and α of the sign
s = sign(vᵀ(Xû*)₊), changes the objective by

    φ(t) − φ(0) = ℓ(ŷ + s t h) − ℓ(ŷ) + β t,   h = (X û*)₊,   φ′(0) = β − |vᵀh| < 0,

so the objective falls at once for small t (squared loss: by (|vᵀh| − β)²/(2‖h‖²) at the best
t = (|vᵀh| − β)/‖h‖²), and training continues downhill from there.  A gradient step cannot find
it: a neuron of (2) at (0, 0) has zero gradient, and an existing neuron moving there would
first have to leave its own stationary point.

A stuck point is the optimum of (8) restricted to its own blocks (Remark 3.3: "backpropagation
can be viewed as a heuristic method to solve the convex objective (8)").  Its neurons' blocks
qⱼ = |αⱼ|uⱼ lie in the cones of their cells Dⱼ, and the stationarity conditions are the KKT
conditions of (8) over the blocks {(Dⱼ, sign αⱼ)}: sⱼ XᵀDⱼ v = β q̂ⱼ, a dual point feasible for
those blocks' constraints.  So its objective equals that restricted optimum, and every global
optimum of (8) is such a fixed point.  Allowing both signs on the run's patterns (the paper's
"Alg1" uses the SGD network's patterns so) can only lower the value.

Stationarity at a kink.  A neuron whose hyperplane passes through a sample (xᵢᵀuⱼ = 0; common:
the optimal 1-D neurons put their kink at data points) makes (2) non-differentiable there, and
gradient descent with a fixed step zig-zags across it with an amplitude proportional to the step:
on the paper's data (β = 0.1) the dual curve then touches ±β only to 1e-3 … 3e-2 after 20,000 steps
at lr = 0.01.  :func:`settle_run` continues such a run with a geometrically decreasing step, which
brings the touching to 1e-5 … 3e-4 (docs/api.md lists the settings measured).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from ..arrangement import arrangement, as_cells
from ..convex import solve_convex
from ..losses import get_loss
from ..mechanism.blocks import solve_blocks
from ..mechanism.types import LossName
from ..network import objective, predict
from ..params import check_int, check_loss, check_network, check_scalar, check_X, check_y
from .sgd import SGDResult, train_sgd

ALIVE_TOL = 1e-3      # a neuron is alive when its block |αⱼ|‖uⱼ‖ exceeds this fraction of the largest


def _inputs(X, y, U, alpha, beta, loss):
    X = check_X(X)
    loss = check_loss(loss)
    y = check_y(y, X.shape[0], loss)
    beta = check_scalar("beta", beta)
    U, alpha = check_network(U, alpha, X.shape[1])
    return X, y, U, alpha, beta, loss


def dual_vector(X, y, U, alpha, *, loss: LossName = "squared") -> np.ndarray:
    """v = −∇ℓ(ŷ) at the network's output ŷ = f(X) (squared loss: the residual y − ŷ; hinge: a
    subgradient), shape (n,)."""
    X = check_X(X)
    name = check_loss(loss)
    y = check_y(y, X.shape[0], name)
    U, alpha = check_network(U, alpha, X.shape[1])
    return -get_loss(name).grad(predict(X, U, alpha), y)


# ---------------------------------------------------------------- the dual curve

@dataclass
class DualCurve:
    """u ↦ vᵀ(Xu)₊ over unit directions: a curve over the angle θ for d = 2 (1-D data with a
    bias, u = (cos θ, sin θ) = (weight, bias)), a map over the sphere for d = 3 (2-D data with a
    bias, u = (sin θ cos φ, sin θ sin φ, cos θ): θ from the bias axis, φ the azimuth), the two
    directions ±1 for d = 1."""
    directions: np.ndarray      # (*shape, d) unit directions u
    values: np.ndarray          # shape: vᵀ(Xu)₊
    theta: np.ndarray           # d = 2: (K,) angle of u;  d = 3: (K_θ,) polar angle from the bias axis
    phi: np.ndarray             # d = 3: (K_φ,) azimuth; empty otherwise
    boundaries: np.ndarray      # d = 2: angles θ where some xᵢᵀu = 0 (the cells' edges), sorted; else empty


def direction_angles(U) -> np.ndarray:
    """The coordinates of :class:`DualCurve` for directions U (k, d): θ (k,) for d = 2, (θ, φ)
    as (k, 2) for d = 3, ±1 (k,) for d = 1."""
    U = np.atleast_2d(np.asarray(U, dtype=float))
    Uh = U / np.maximum(np.linalg.norm(U, axis=1, keepdims=True), 1e-300)
    d = U.shape[1]
    if d == 1:
        return np.sign(Uh[:, 0])
    if d == 2:
        return np.arctan2(Uh[:, 1], Uh[:, 0])
    if d == 3:
        return np.c_[np.arccos(np.clip(Uh[:, 2], -1.0, 1.0)), np.arctan2(Uh[:, 1], Uh[:, 0])]
    raise ValueError(f"U has d = {d} columns; directions are drawn for d = 1, 2 or 3 (data of dimension ≤ 2 with "
                     "a bias).")


def dual_curve(X, v, *, resolution: int = 721) -> DualCurve:
    """The dual curve u ↦ vᵀ(Xu)₊ on a grid of unit directions (see :class:`DualCurve`).

    ``resolution``: points over θ ∈ [−π, π] for d = 2 (both ends included, a closed curve); for
    d = 3 the sphere gets ⌈resolution/4⌉ polar × ⌈resolution/2⌉ azimuthal points (default
    181 × 361)."""
    X = check_X(X)
    v = np.asarray(v, dtype=float).reshape(-1)
    if v.shape[0] != X.shape[0] or not np.all(np.isfinite(v)):
        raise ValueError(f"v has shape {v.shape} or non-finite entries; pass a finite dual vector of shape "
                         f"({X.shape[0]},), e.g. dual_vector(X, y, U, alpha).")
    resolution = check_int("resolution", resolution, 8, 100_000)
    d = X.shape[1]
    empty = np.zeros(0)
    if d == 1:
        D = np.array([[-1.0], [1.0]])
        return DualCurve(D, np.maximum(D @ X.T, 0.0) @ v, np.array([-1.0, 1.0]), empty, empty)
    if d == 2:
        th = np.linspace(-np.pi, np.pi, resolution)
        D = np.c_[np.cos(th), np.sin(th)]
        nz = X[np.linalg.norm(X, axis=1) > 0]
        b = np.arctan2(nz[:, 1], nz[:, 0])
        bounds = np.unique(np.round(np.mod(np.r_[b + np.pi / 2, b - np.pi / 2] + np.pi, 2 * np.pi) - np.pi, 12))
        return DualCurve(D, np.maximum(D @ X.T, 0.0) @ v, th, empty, bounds)
    if d == 3:
        th = np.linspace(0.0, np.pi, -(-resolution // 4))
        ph = np.linspace(-np.pi, np.pi, -(-resolution // 2))
        T, F = np.meshgrid(th, ph, indexing="ij")
        D = np.stack([np.sin(T) * np.cos(F), np.sin(T) * np.sin(F), np.cos(T)], axis=-1)
        vals = np.maximum(D.reshape(-1, 3) @ X.T, 0.0) @ v
        return DualCurve(D, vals.reshape(T.shape), th, ph, empty)
    raise ValueError(f"X has d = {d} columns; the dual curve is drawn for d ≤ 3 (1-D or 2-D data with a bias). "
                     "Use missing_neuron for the exact maximum in any dimension.")


# ---------------------------------------------------------------- the missing neuron

@dataclass
class MissingNeuron:
    direction: np.ndarray       # (d,) unit û* maximising |vᵀ(Xu)₊| over ‖u‖ ≤ 1, exactly
    sign: float                 # s = sign(vᵀ(Xû*)₊): the sign its output weight α must have
    value: float                # |vᵀ(Xû*)₊| = max over the unit ball
    cell: int                   # its cell (index into the cell set)
    beta: float

    @property
    def ratio(self) -> float:
        """value / β: above 1 a neuron there lowers the objective (the dual constraint of (4) is violated)."""
        return self.value / self.beta


def missing_neuron(X, v, beta, *, patterns=None) -> MissingNeuron:
    """The direction where the dual curve u ↦ vᵀ(Xu)₊ leaves the band [−β, β] most: the exact
    maximiser of |vᵀ(Xu)₊| over the unit ball, priced over every cell of ``patterns`` (default the
    whole arrangement of X, built once; pass ``arrangement(X)`` to reuse one)."""
    X = check_X(X)
    beta = check_scalar("beta", beta)
    v = np.asarray(v, dtype=float).reshape(-1)
    if v.shape[0] != X.shape[0] or not np.all(np.isfinite(v)):
        raise ValueError(f"v has shape {v.shape} or non-finite entries; pass a finite dual vector of shape "
                         f"({X.shape[0]},).")
    cells = arrangement(X) if patterns is None else as_cells(X, patterns)
    value, cell, sign, u = cells.maximum(v)
    return MissingNeuron(direction=np.asarray(u, dtype=float), sign=float(sign), value=float(value), cell=int(cell),
                         beta=beta)


# ---------------------------------------------------------------- analysis of a run

@dataclass
class RunAnalysis:
    objective: float            # objective (2)
    v: np.ndarray               # (n,) the run's dual vector −∇ℓ(ŷ)
    alive: np.ndarray           # (m,) bool: block |αⱼ|‖uⱼ‖ above ALIVE_TOL of the largest, some sample on
    directions: np.ndarray      # (m, d) ûⱼ (0 for uⱼ = 0)
    neuron_values: np.ndarray   # (m,) vᵀ(Xûⱼ)₊: ±β with the sign of αⱼ at a stationary point
    neuron_cells: np.ndarray    # (m,) cell of each alive neuron (−1: not alive)
    stationarity: float         # max over alive neurons of |vᵀ(Xûⱼ)₊ − β sign(αⱼ)|
    balance: float              # max over alive neurons of |‖uⱼ‖ − |αⱼ|| (0 at a stationary point)
    dual_norm: float            # max over ‖u‖ ≤ 1 of |vᵀ(Xu)₊|, exact
    missing: MissingNeuron      # where that maximum is attained
    lower_bound: float          # D(s·v) ≤ p*, s the best scale keeping s·v dual feasible
    gap: float                  # objective − lower_bound ≥ objective − p*
    beta: float
    loss: str

    @property
    def stuck(self) -> bool:
        """The dual curve leaves the band somewhere: a neuron in direction ``missing`` lowers (2)."""
        return self.dual_norm > self.beta * (1 + 1e-6)


def _alive(X, U, alpha, tol):
    mag = np.linalg.norm(U, axis=1) * np.abs(alpha)
    on = np.any(X @ U.T > 0, axis=0) if U.shape[0] else np.zeros(0, bool)
    return (mag > tol * mag.max(initial=0.0)) & (mag > 0) & on


def analyse_run(X, y, U, alpha, beta, *, loss: LossName = "squared", patterns=None,
                alive_tol: float = ALIVE_TOL) -> RunAnalysis:
    """A trained network's own dual picture (module docstring): its dual vector v, the values of
    the dual curve at its neurons against ±β (stationarity), the exact maximum of |vᵀ(Xu)₊| (the
    missing neuron) and the certificate D(s·v) ≤ p* it gives.  ``patterns``: the cells to price
    over (default the arrangement of X)."""
    X, y, U, alpha, beta, loss = _inputs(X, y, U, alpha, beta, loss)
    lo = get_loss(loss)
    cells = arrangement(X) if patterns is None else as_cells(X, patterns)
    yhat = predict(X, U, alpha)
    v = lo.to_domain(-lo.grad(yhat, y), y)
    nu = np.linalg.norm(U, axis=1)
    Uh = np.where(nu[:, None] > 0, U / np.maximum(nu, 1e-300)[:, None], 0.0)
    vals = np.maximum(Uh @ X.T, 0.0) @ v
    alive = _alive(X, U, alpha, alive_tol)
    ncell = np.full(alpha.shape[0], -1)
    if alive.any():
        ncell[alive] = cells.cell_of(Uh[alive])
    dev = np.abs(vals - beta * np.sign(alpha))[alive]
    miss = missing_neuron(X, v, beta, patterns=cells)
    obj = float(objective(X, y, U, alpha, beta, lo))
    s = lo.best_dual_scale(v, y, beta / miss.value if miss.value > 0 else np.inf)
    lower = float(lo.dual_value(s * v, y))
    return RunAnalysis(objective=obj, v=v, alive=alive, directions=Uh, neuron_values=vals, neuron_cells=ncell,
                       stationarity=float(dev.max(initial=0.0)),
                       balance=float(np.abs(nu - np.abs(alpha))[alive].max(initial=0.0)), dual_norm=miss.value,
                       missing=miss, lower_bound=lower, gap=obj - lower, beta=beta, loss=loss)


# ---------------------------------------------------------------- adding the missing neuron

def best_size(X, y, U, alpha, beta, missing: MissingNeuron, *, loss: LossName = "squared") -> float:
    """argmin over t ≥ 0 of φ(t) = ℓ(ŷ + s t h, y) + β t, h = (Xû*)₊: the magnitude ‖q‖ = ‖u‖² = α²
    of the balanced neuron in the missing direction that lowers the objective most with the rest
    fixed (module docstring; squared loss in closed form, (|vᵀh| − β)/‖h‖²).  0 when φ′(0) ≥ 0."""
    X, y, U, alpha, beta, loss = _inputs(X, y, U, alpha, beta, loss)
    lo = get_loss(loss)
    h = np.maximum(X @ missing.direction, 0.0)
    hh = float(h @ h)
    if hh == 0 or missing.value <= beta:
        return 0.0
    yhat = predict(X, U, alpha)
    if loss == "squared":
        return max(0.0, (missing.sign * float(h @ (y - yhat)) - beta) / hh)
    start = float(lo.value(yhat, y))
    hi = start / beta + 1.0              # φ(t) ≥ βt > φ(0) beyond this

    def phi(t):
        return float(lo.value(yhat + missing.sign * t * h, y) + beta * t)

    res = minimize_scalar(phi, bounds=(0.0, hi), method="bounded", options={"xatol": 1e-12 * hi})
    return float(res.x) if res.fun < start else 0.0


def add_missing_neuron(X, y, U, alpha, beta, *, loss: LossName = "squared", size: float | None = None,
                       patterns=None) -> tuple[np.ndarray, np.ndarray, MissingNeuron]:
    """The network (U, α) with one more neuron in the missing direction û* with the sign s of
    its dual value: u = a·û*, α = s·a (balanced).  ``size`` a: the magnitude (a tiny one, e.g.
    1e-3, lets training grow it); default the best one, a = √t* (:func:`best_size`), which lowers
    the objective at once.  Returns ``(U′ (m + 1, d), α′ (m + 1,), missing)``."""
    X, y, U, alpha, beta, loss = _inputs(X, y, U, alpha, beta, loss)
    lo = get_loss(loss)
    v = lo.to_domain(-lo.grad(predict(X, U, alpha), y), y)
    miss = missing_neuron(X, v, beta, patterns=patterns)
    if size is None:
        a = float(np.sqrt(best_size(X, y, U, alpha, beta, miss, loss=loss)))
    else:
        a = check_scalar("size", size, lo=0.0, hi=1e6, lo_open=False, integer=False)
    return np.vstack([U, a * miss.direction]), np.append(alpha, miss.sign * a), miss


@dataclass
class Escape:
    """A stuck run continued with its missing neuron."""
    missing: MissingNeuron
    U0: np.ndarray              # (m + 1, d) the network with the inserted neuron
    alpha0: np.ndarray
    objective_stuck: float      # objective (2) before the insertion
    objective_inserted: float   # right after it (below objective_stuck unless size = 0)
    run: SGDResult              # the continued training (one trial), warm-started from (U0, alpha0)

    @property
    def final(self) -> float:
        return float(self.run.final[0])


def escape(X, y, U, alpha, beta, *, loss: LossName = "squared", size: float | None = None, lr: float = 0.01,
           steps: int = 2000, start_step: int = 0, record_every: int | None = None, patterns=None) -> Escape:
    """Insert the missing neuron (:func:`add_missing_neuron`) and continue full-batch gradient
    descent from there (``train_sgd`` with the warm start U0/alpha0 and ``start_step``).  When
    the run is not stuck (|vᵀ(Xu)₊| ≤ β everywhere) the best size is 0: the inserted neuron is
    zero and stays so."""
    X, y, U, alpha, beta, loss = _inputs(X, y, U, alpha, beta, loss)
    lo = get_loss(loss)
    U0, a0, miss = add_missing_neuron(X, y, U, alpha, beta, loss=loss, size=size, patterns=patterns)
    run = train_sgd(X, y, beta=beta, loss=loss, lr=lr, steps=steps, U0=U0[None], alpha0=a0[None],
                    start_step=start_step, record_every=record_every)
    return Escape(missing=miss, U0=U0, alpha0=a0, objective_stuck=float(objective(X, y, U, alpha, beta, lo)),
                  objective_inserted=float(objective(X, y, U0, a0, beta, lo)), run=run)


# ---------------------------------------------------------------- settling a run

@dataclass
class SettledRun:
    result: SGDResult           # the last chunk (its U, alpha are the settled weights)
    steps: np.ndarray           # (T,) absolute step of each record, over the first run and every stage
    objectives: np.ndarray      # (trials, T) objective (2) at those steps
    lrs: np.ndarray             # (stages,) the step of each stage


def settle_run(X, y, result: SGDResult, *, stages: int = 6, stage_steps: int = 3000,
               decay: float = 10 ** -0.5) -> SettledRun:
    """Continue a run (every trial) with the step shrinking geometrically, lr·decay^k for
    k = 1 … ``stages``, ``stage_steps`` steps each (``train_sgd(resume=...)``): near a kink of
    (2) a fixed step zig-zags with an amplitude proportional to it (module docstring)."""
    if not isinstance(result, SGDResult):
        raise ValueError(f"result={type(result).__name__} is not an SGDResult; pass what train_sgd returned.")
    stages = check_int("stages", stages, 1, 100)
    stage_steps = check_int("stage_steps", stage_steps, 1, 10**7)
    decay = check_scalar("decay", decay, lo=0.0, hi=1.0, lo_open=True, integer=False)
    run, steps, objs = result, [result.steps], [result.objectives]
    lrs = result.lr * decay ** np.arange(1, stages + 1)
    for lr in lrs:
        run = train_sgd(X, y, beta=result.beta, loss=result.loss, lr=float(lr), steps=stage_steps, resume=run,
                        record_every=result.record_every)
        steps.append(run.steps[1:])
        objs.append(run.objectives[:, 1:])
    return SettledRun(result=run, steps=np.concatenate(steps), objectives=np.concatenate(objs, axis=1), lrs=lrs)


# ---------------------------------------------------------------- Remark 3.3: the run's own program

@dataclass
class RestrictedComparison:
    """A run's objective beside (8) restricted to its own blocks."""
    run_objective: float        # objective (2) of the run's network
    restricted_value: float     # (8) over the run's blocks {(Dⱼ, sign αⱼ)}: equal at a stationary point
    restricted_gap: float       # certified: run_objective − (lower bound on restricted_value) ≥ run − restricted
    both_signs_value: float     # (8) over the run's patterns, both signs each (solve_convex): ≤ restricted
    p_star: float               # (8) over every cell (NaN if not computed)
    cells: np.ndarray           # (k,) the run's distinct blocks: cells …
    signs: np.ndarray           # (k,) … and signs
    U: np.ndarray               # the restricted optimum as a network (Theorem 1's map), (k, d)
    alpha: np.ndarray
    seconds: float


def restricted_to_run(X, y, U, alpha, beta, *, loss: LossName = "squared", patterns=None,
                      alive_tol: float = ALIVE_TOL, p_star: float | None = None) -> RestrictedComparison:
    """Solve (8) on exactly the run's own blocks, the (cell, sign αⱼ) of its alive neurons
    (module docstring), with cvxpy (not the project's solver), and (8) on the run's patterns
    with both signs with ``cvxcore.solve_convex``.  ``restricted_gap`` bounds the distance of the
    run's objective to the restricted optimum by duality: the run's v, scaled to satisfy the
    restricted dual constraints (priced exactly on those cells), gives a lower bound."""
    t0 = time.perf_counter()
    X, y, U, alpha, beta, loss = _inputs(X, y, U, alpha, beta, loss)
    lo = get_loss(loss)
    cells = arrangement(X) if patterns is None else as_cells(X, patterns)
    alive = _alive(X, U, alpha, alive_tol)
    Ua = U[alive]
    blocks = list(dict.fromkeys(zip(cells.cell_of(Ua).tolist() if Ua.shape[0] else [],
                                    np.sign(alpha[alive]).astype(int).tolist())))
    bc = np.array([c for c, _ in blocks], dtype=int)
    bs = np.array([s for _, s in blocks], dtype=float)
    run_obj = float(objective(X, y, U, alpha, beta, lo))
    pats = cells.patterns(bc) if bc.size else np.zeros((0, X.shape[0]), bool)
    sol = solve_blocks(X, y, beta, lo, pats, bs, cones=True)
    v = lo.to_domain(-lo.grad(predict(X, U, alpha), y), y)
    if bc.size:
        plus, minus = cells.price(v, cells=bc)
        c = float(np.max(np.where(bs > 0, plus, minus)))
    else:
        c = 0.0
    lower = float(lo.dual_value(lo.best_dual_scale(v, y, beta / c if c > 0 else np.inf) * v, y))
    both = (solve_convex(X, y, beta, loss=loss, patterns=np.unique(pats, axis=0)).value if bc.size
            else float(lo.value(np.zeros_like(y), y)))
    if p_star is None:
        p_star = solve_convex(X, y, beta, loss=loss, patterns=cells).value
    nq = np.linalg.norm(sol.Q, axis=1) if bc.size else np.zeros(0)
    Un = np.where(nq[:, None] > 0, sol.Q / np.sqrt(np.maximum(nq, 1e-300))[:, None], 0.0)
    return RestrictedComparison(run_objective=run_obj, restricted_value=sol.value, restricted_gap=run_obj - lower,
                                both_signs_value=float(both), p_star=float(p_star), cells=bc, signs=bs, U=Un,
                                alpha=bs * np.sqrt(nq), seconds=time.perf_counter() - t0)
