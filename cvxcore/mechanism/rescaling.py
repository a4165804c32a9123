"""Step (i) of Theorem 1's proof: rescaling a neuron turns (2) into (3) (docs/theory.md §1, §8).

One neuron ``f(x) = α (x u)₊`` with scalar weights ``u, α`` (d = 1, no bias; the lesson's first
steps) on data ``x, y ∈ Rⁿ``.  Objective (2) with m = 1 is

    F(u, α) = ½ Σᵢ (α (xᵢ u)₊ − yᵢ)² + (β/2)(u² + α²).

*Not convex, even inside one cell.*  On the cell u > 0 the active samples are A = {i : xᵢ > 0}
and (xᵢu)₊ = xᵢu there, so F = ½ Σ_A (xᵢ u α − yᵢ)² + ½ Σ_{i∉A} yᵢ² + (β/2)(u² + α²): the
product uα remains.  Its Hessian is

    ∇²F = [[β + α² Σ_A xᵢ²,           Σ_A (2xᵢ² uα − xᵢ yᵢ)],
           [Σ_A (2xᵢ² uα − xᵢ yᵢ),    β + u² Σ_A xᵢ²       ]],

and at (u, α) → (0⁺, 0) it is [[β, −c], [−c, β]] with c = Σ_A xᵢ yᵢ: eigenvalues β ± |c|,
indefinite whenever |c| > β.  (One point x = 2, y = 1.5, β = 0.1: c = 3, the Hessian is
[[0.1, −3], [−3, 0.1]] with eigenvalues −2.9 and 3.1.)

*The rescaling.*  For c > 0, (u/c, cα) is the same network (the ReLU is positively homogeneous:
(t/c)₊ = t₊/c only for c > 0), and along this hyperbola u·α = const the penalty
(β/2)(u² + α²) is smallest at |u| = |α|, where it equals β|u||α| (AM–GM).  With z = u·|α| and
s = sign(α), α(xu)₊ = s(xz)₊, so

    F(u, α) ≥ G_s(z) = ½ Σᵢ (s (xᵢ z)₊ − yᵢ)² + β|z|,     equality iff |u| = |α|,        (3)

and G_s is convex on each cell (z ≥ 0 and z ≤ 0), where s(xz)₊ is linear in z: the product is
gone.  For a network (U, α) in any dimension the same step gives objective (3) evaluated at
(uⱼ/‖uⱼ‖, αⱼ‖uⱼ‖): ℓ(f(X), y) + β Σⱼ ‖uⱼ‖|αⱼ| ≤ (2), with equality for balanced neurons.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..losses import get_loss
from ..network import predict
from ..params import check_loss, check_network, check_scalar, check_X, check_y
from .types import LossName


def _check_1d(x, y, beta):
    """x (n,) finite inputs of a bias-free 1-D neuron, y (n,) targets, β > 0."""
    xa = np.asarray(x, dtype=float)
    if xa.ndim == 2 and xa.shape[1] == 1:
        xa = xa[:, 0]
    if xa.ndim != 1:
        raise ValueError(f"x has shape {xa.shape}; the one-neuron landscape takes scalar inputs, shape (n,) "
                         "(1-D data without a bias column).")
    xa = check_X(xa[:, None], name="x")[:, 0]
    return xa, check_y(y, xa.shape[0]), check_scalar("beta", beta)


def _finite(name, a):
    a = np.asarray(a, dtype=float)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN/inf; pass finite weights.")
    return a


def one_neuron_objective(x, y, beta, u, alpha) -> np.ndarray:
    """Objective (2) of one neuron, F(u, α) = ½ Σᵢ (α (xᵢ u)₊ − yᵢ)² + (β/2)(u² + α²).

    ``u`` and ``alpha`` broadcast against each other (a grid: ``u[None, :]``, ``alpha[:, None]``);
    the result has their broadcast shape."""
    x, y, beta = _check_1d(x, y, beta)
    u, alpha = np.broadcast_arrays(_finite("u", u), _finite("alpha", alpha))
    fit = alpha[..., None] * np.maximum(u[..., None] * x, 0.0)
    return 0.5 * np.sum((fit - y) ** 2, axis=-1) + 0.5 * beta * (u ** 2 + alpha ** 2)


@dataclass
class NeuronHessian:
    matrix: np.ndarray          # (2, 2) ∇²F in (u, α)
    eigenvalues: np.ndarray     # (2,) ascending
    active: np.ndarray          # (n,) bool: the cell's samples, xᵢ u > 0 (at u = 0: on the chosen side)

    @property
    def indefinite(self) -> bool:
        """One negative and one positive eigenvalue: a saddle-shaped, non-convex landscape."""
        return bool(self.eigenvalues[0] < 0 < self.eigenvalues[1])


def one_neuron_hessian(x, y, beta, u: float, alpha: float, *, side: int | None = None) -> NeuronHessian:
    """The Hessian of F (module docstring) at (u, α) inside a cell.

    The cell is that of sign(u); at u = 0 (a cell boundary, where F has a kink) pass ``side=+1``
    for the limit u → 0⁺ or ``side=-1`` for u → 0⁻.  Samples with xᵢ = 0 are never active."""
    x, y, beta = _check_1d(x, y, beta)
    u = float(_finite("u", u))
    alpha = float(_finite("alpha", alpha))
    if side is not None and side not in (-1, 1):
        raise ValueError(f"side={side!r}; pass +1 (the cell u > 0) or -1 (the cell u < 0).")
    if u != 0 and side is not None and side != np.sign(u):
        raise ValueError(f"side={side} but u = {u:g} lies in the cell of sign {int(np.sign(u)):+d}; omit side "
                         "(it is only needed at u = 0).")
    if u == 0 and side is None:
        raise ValueError("u = 0 lies on the boundary of both cells, where F is not twice differentiable; pass "
                         "side=+1 (the limit u → 0⁺) or side=-1 (u → 0⁻).")
    s = side if side is not None else int(np.sign(u))
    active = s * x > 0
    xa, ya = x[active], y[active]
    sxx = float(xa @ xa)
    off = float(2.0 * sxx * u * alpha - xa @ ya)
    H = np.array([[beta + alpha ** 2 * sxx, off], [off, beta + u ** 2 * sxx]])
    return NeuronHessian(matrix=H, eigenvalues=np.linalg.eigvalsh(H), active=active)


@dataclass
class NeuronDescent:
    path: np.ndarray            # (steps + 1, 2) the iterates (u, α), the start first
    objective: np.ndarray       # (steps + 1,) F along the path


def one_neuron_descent(x, y, beta, u0: float, alpha0: float, *, lr: float = 0.01, steps: int = 2000
                       ) -> NeuronDescent:
    """Gradient descent on F (module docstring) from (u₀, α₀): every iterate, for drawing the
    path over the landscape.  The same steps as ``cvxcore.train_sgd`` (full batch, the ReLU's
    derivative taken as 1[xᵢu > 0]):

        ∂F/∂u = α Σᵢ xᵢ 1[xᵢu > 0] rᵢ + βu,   ∂F/∂α = Σᵢ (xᵢu)₊ rᵢ + βα,   rᵢ = α(xᵢu)₊ − yᵢ.
    """
    x, y, beta = _check_1d(x, y, beta)
    lr = check_scalar("lr", lr)
    steps = check_scalar("steps", steps)
    w = np.array([float(_finite("u0", u0)), float(_finite("alpha0", alpha0))])
    path = np.empty((steps + 1, 2))
    path[0] = w
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(steps):
            u, a = w
            h = np.maximum(x * u, 0.0)
            r = a * h - y
            g = np.array([a * float((x * (x * u > 0)) @ r) + beta * u, float(h @ r) + beta * a])
            w = w - lr * g
            path[k + 1] = w
    return NeuronDescent(path=path, objective=one_neuron_objective(x, y, beta, path[:, 0], path[:, 1]))


def rescaled_objective(x, y, beta, z, sign: int) -> np.ndarray:
    """G_s(z) = ½ Σᵢ (s (xᵢ z)₊ − yᵢ)² + β|z|: objective (3) of one neuron in z = u·|α| with
    s = sign(α) ∈ {+1, −1} (module docstring).  Equals F(u, α) when |u| = |α| and is below it
    otherwise; convex on z ≥ 0 and on z ≤ 0 (each cell).  ``z`` any shape."""
    x, y, beta = _check_1d(x, y, beta)
    if sign not in (-1, 1):
        raise ValueError(f"sign={sign!r}; pass +1 (α > 0) or -1 (α < 0).")
    z = _finite("z", z)
    fit = sign * np.maximum(z[..., None] * x, 0.0)
    return 0.5 * np.sum((fit - y) ** 2, axis=-1) + beta * np.abs(z)


def rescaled_minimiser(x, y, beta, sign: int, side: int) -> tuple[float, float]:
    """argmin and min of G_s over one cell (z ≥ 0 for ``side=+1``, z ≤ 0 for ``side=-1``), in
    closed form: with A the cell's active samples (side·xᵢ > 0) and c = Σ_A xᵢ yᵢ, G_s is
    ½ Σ_A (s xᵢ z − yᵢ)² + ½ Σ_{i∉A} yᵢ² + β|z|, minimised at
    |z| = max(0, s·side·c − β) / Σ_A xᵢ²  (0 when A is empty)."""
    x, y, beta = _check_1d(x, y, beta)
    if sign not in (-1, 1) or side not in (-1, 1):
        raise ValueError(f"sign={sign!r}, side={side!r}; each must be +1 or -1.")
    active = side * x > 0
    sxx = float(x[active] @ x[active])
    c = float(x[active] @ y[active])
    mag = max(0.0, sign * side * c - beta) / sxx if sxx > 0 else 0.0
    z = side * mag
    return z, float(rescaled_objective(x, y, beta, np.array(z), sign))


@dataclass
class RescalingPath:
    scales: np.ndarray          # (K,) c > 0
    u: np.ndarray               # (K,) u/c
    alpha: np.ndarray           # (K,) c·α
    penalty: np.ndarray         # (K,) (β/2)(u² + α²) along the path
    product: float              # u·α, the same at every point (the network does not change)
    balanced_scale: float       # c* = √(|u|/|α|): the point with |u| = |α|
    balanced_u: float
    balanced_alpha: float
    balanced_penalty: float     # β|u·α| = β|z|: the smallest penalty on the path


def rescaling_path(u: float, alpha: float, beta, scales=None) -> RescalingPath:
    """The hyperbola {(u/c, cα) : c > 0} through a neuron with scalar weights, with the penalty
    (β/2)(u² + α²) along it (module docstring): smallest at c* = √(|u|/|α|), where
    |u| = |α| = √|uα| and the penalty is β|uα| = β|z|.  ``scales`` default: 201 values of c from
    c*/10 to 10c*, geometrically spaced (c* is the middle one)."""
    beta = check_scalar("beta", beta)
    u = float(_finite("u", u))
    alpha = float(_finite("alpha", alpha))
    if u == 0 or alpha == 0:
        raise ValueError(f"the rescaling path needs u ≠ 0 and α ≠ 0 (got u = {u:g}, α = {alpha:g}): a neuron "
                         "with u·α = 0 outputs nothing, and its penalty is smallest at (0, 0).")
    c_star = float(np.sqrt(abs(u) / abs(alpha)))
    if scales is None:
        c = c_star * np.geomspace(0.1, 10.0, 201)
    else:
        c = _finite("scales", scales).reshape(-1)
        if c.size == 0 or np.any(c <= 0):
            raise ValueError("scales must be a non-empty list of positive numbers c > 0 (a negative c changes "
                             "the network: (t/c)₊ ≠ t₊/c).")
    us, al = u / c, c * alpha
    return RescalingPath(scales=c, u=us, alpha=al, penalty=0.5 * beta * (us ** 2 + al ** 2), product=u * alpha,
                         balanced_scale=c_star, balanced_u=u / c_star, balanced_alpha=c_star * alpha,
                         balanced_penalty=beta * abs(u * alpha))


def balance(U, alpha) -> tuple[np.ndarray, np.ndarray]:
    """Each neuron rescaled to ‖uⱼ‖ = |αⱼ| (same network, smallest penalty on its hyperbola):
    (uⱼ/cⱼ, cⱼαⱼ) with cⱼ = √(‖uⱼ‖/|αⱼ|); neurons with uⱼ = 0 or αⱼ = 0 (they output nothing)
    become zero."""
    U = np.asarray(U, dtype=float)
    if U.ndim != 2:
        raise ValueError(f"U has shape {U.shape}; pass the neurons as an (m, d) array, one per row.")
    U, alpha = check_network(U, alpha, U.shape[1])
    nu = np.linalg.norm(U, axis=1)
    live = (nu > 0) & (alpha != 0)
    c = np.ones_like(nu)
    c[live] = np.sqrt(nu[live]) / np.sqrt(np.abs(alpha[live]))       # (no overflow in the ratio)
    Ub = np.where(live[:, None], U / c[:, None], 0.0)
    return Ub, np.where(live, alpha * c, 0.0)


def rescaled_network_objective(X, y, U, alpha, beta, *, loss: LossName = "squared") -> float:
    """Objective (3) at (uⱼ/‖uⱼ‖, αⱼ‖uⱼ‖): ℓ(f(X), y) + β Σⱼ ‖uⱼ‖|αⱼ|.  At most objective (2) of
    (U, α), with equality exactly when every neuron is balanced (‖uⱼ‖ = |αⱼ|)."""
    X = check_X(X)
    name = check_loss(loss)
    y = check_y(y, X.shape[0], name)
    beta = check_scalar("beta", beta)
    U, alpha = check_network(U, alpha, X.shape[1])
    fit = get_loss(name).value(predict(X, U, alpha), y)
    return float(fit + beta * np.sum(np.linalg.norm(U, axis=1) * np.abs(alpha)))
