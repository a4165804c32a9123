"""Convex losses ℓ(ŷ, y), their Fenchel duals and their conic forms (docs/theory.md §2, §6).

Each loss is summed over the n samples, as in the paper:

    squared   ℓ(ŷ) = ½ ‖ŷ − y‖²
    hinge     ℓ(ŷ) = Σ max(0, 1 − yᵢ ŷᵢ)              (yᵢ ∈ {−1, +1})
    logistic  ℓ(ŷ) = Σ log(1 + exp(−yᵢ ŷᵢ))          (yᵢ ∈ {−1, +1})

Duality.  Writing training as ``min_ŷ ℓ(ŷ) + β·γ(ŷ)`` with γ the gauge of conv(Q_X ∪ −Q_X),
its dual is

    d* = max_v  D(v) := −ℓ*(−v)   s.t.  |vᵀ (X u)₊| ≤ β  for all ‖u‖ ≤ 1,

and the optimal v is −∇ℓ(ŷ*) (squared loss: the residual y − ŷ*).  D in closed form:

    squared   D(v) = vᵀy − ½‖v‖²  ( = −½‖y − v‖² + ½‖y‖², the dual (4) )
    hinge     D(v) = Σ vᵢ yᵢ,                    needs vᵢ yᵢ ∈ [0, 1]
    logistic  D(v) = Σ H(vᵢ yᵢ),  H(p) = −p log p − (1−p) log(1−p),  needs vᵢ yᵢ ∈ [0, 1]

Conic form (for Clarabel, :mod:`cvxcore.convex.restricted`): given the fit variable z ∈ Rⁿ,
a loss adds its own variables, objective terms and cones, and reads its dual point off the
solution:

    squared   z is the residual ŷ − y; objective ½‖z‖²; v = the fit constraint's multiplier
    hinge     ξ ≥ 0, ξ ≥ 1 − y∘z; objective Σξ; v = y∘μ, μ the multipliers of ξ ≥ 1 − y∘z
    logistic  log(1 + e^{a}) ≤ s ⇔ e^{−s} + e^{a−s} ≤ 1 ⇔ u₁ + u₂ ≤ 1 with (−s, 1, u₁),
              (a − s, 1, u₂) in the exponential cone {(x, y, w) : y e^{x/y} ≤ w}, a = −yᵢzᵢ;
              objective Σs; v = the fit constraint's multiplier, kept in the dual domain

All value/gradient functions accept a leading batch axis (e.g. trials): sums run over the last.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize_scalar
from scipy.special import expit, xlogy

if TYPE_CHECKING:
    from .conic import ConicProgram, Solution

LossName = Literal["squared", "hinge", "logistic"]    # the losses of get_loss (cvxcore.params.LOSSES)


class Loss:
    """A convex loss (see the module docstring).

    What solvers need to know of it: ``classification`` (labels must be ±1), ``quadratic`` (the
    fit can be eliminated into a Gram matrix), ``exp_cone`` (its conic form uses the
    exponential cone, on which interior-point steps sometimes stall: solvers retry at other
    objective scales and write the fit plainly)."""
    name = ""
    classification = False
    quadratic = False
    exp_cone = False

    def __repr__(self) -> str:
        return f"Loss({self.name!r})"

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (get_loss, (self.name,))

    def value(self, yhat: ArrayLike, y: np.ndarray) -> Any:
        raise NotImplementedError

    def grad(self, yhat: ArrayLike, y: np.ndarray) -> np.ndarray:
        """A (sub)gradient ∂ℓ/∂ŷ, same shape as ``yhat``."""
        raise NotImplementedError

    def dual_value(self, v: ArrayLike, y: np.ndarray) -> float:
        """D(v) = −ℓ*(−v); ``-inf`` outside the dual domain."""
        raise NotImplementedError

    def to_domain(self, v: ArrayLike, y: np.ndarray) -> np.ndarray:
        """The point of the dual domain nearest v (a solver's multipliers sit a rounding error
        outside it; any point of the domain is a valid dual candidate)."""
        return np.asarray(v, dtype=float)

    def zero_dual(self, y: np.ndarray) -> np.ndarray:
        """−∇ℓ(0): the dual point of the zero network."""
        return -self.grad(np.zeros_like(np.asarray(y, dtype=float)), y)

    def best_dual_scale(self, v: ArrayLike, y: np.ndarray, s_max: float) -> float:
        """argmax over s ∈ [0, s_max] of D(s·v): the best dual point on the ray through v.

        ``s_max`` is the largest scale that keeps s·v dual feasible for the ReLU constraint."""
        raise NotImplementedError

    def fit_offset(self, y: np.ndarray) -> np.ndarray | float:
        """The conic form's fit variable is z = ŷ − offset (squared loss: the residual)."""
        return 0.0

    def cvxpy(self, yhat: Any, y: np.ndarray) -> Any:
        """ℓ(ŷ, y) as a cvxpy expression."""
        raise NotImplementedError

    def conic(self, prog: ConicProgram, iz: int, y: np.ndarray) -> dict:
        """Add ℓ over the fit variables x[iz : iz + n] to a :class:`ConicProgram`."""
        raise NotImplementedError

    def conic_dual(self, sol: Solution, prog: ConicProgram, part: dict, fit_rows: slice, yhat: np.ndarray,
                   y: np.ndarray) -> np.ndarray:
        """The dual point v (n,) of the solved program."""
        raise NotImplementedError

    def dual_on_cuts(self, H: np.ndarray, y: np.ndarray, beta: float) -> np.ndarray | None:
        """argmax D(v) s.t. |vᵀh_k| ≤ β for the columns h_k of H (n, K): the dual (4) restricted
        to finitely many neurons (a cutting-plane step of the certificate); None when this loss
        has no such program or the solve fails."""
        return None


class Squared(Loss):
    name = "squared"
    quadratic = True

    def value(self, yhat: ArrayLike, y: np.ndarray) -> Any:
        return 0.5 * np.sum((np.asarray(yhat, dtype=float) - y) ** 2, axis=-1)

    def grad(self, yhat: ArrayLike, y: np.ndarray) -> np.ndarray:
        return np.asarray(yhat, dtype=float) - y

    def dual_value(self, v: ArrayLike, y: np.ndarray) -> float:
        v = np.asarray(v, dtype=float)
        return float(v @ y - 0.5 * v @ v)

    def best_dual_scale(self, v: ArrayLike, y: np.ndarray, s_max: float) -> float:
        v = np.asarray(v, dtype=float)
        vv = float(v @ v)
        return float(np.clip((v @ y) / vv, 0.0, s_max)) if vv > 0 else 0.0

    def fit_offset(self, y: np.ndarray) -> np.ndarray | float:
        # the residual r = ŷ − y keeps the objective ½‖r‖² on the scale of the optimum, so the
        # solver's relative tolerances mean what they say (½‖ŷ − y‖² carries the constant ½‖y‖²)
        return y

    def cvxpy(self, yhat: Any, y: np.ndarray) -> Any:
        import cvxpy as cp
        return 0.5 * cp.sum_squares(yhat - y)

    def conic(self, prog: ConicProgram, iz: int, y: np.ndarray) -> dict:
        n = len(y)
        prog.quadratic(iz + np.arange(n), 1.0)
        return {}

    def dual_on_cuts(self, H: np.ndarray, y: np.ndarray, beta: float) -> np.ndarray | None:
        """min ½‖v‖² − yᵀv s.t. ±Hᵀv ≤ β: the projection of y onto a polytope."""
        from .conic import ConicProgram
        n = len(y)
        prog = ConicProgram()
        iv = prog.variables(n)
        prog.quadratic(iv + np.arange(n), 1.0)
        prog.linear(iv + np.arange(n), -np.asarray(y, float))
        _cut_rows(prog, iv, H.T, beta)
        sol = prog.solve(tol=1e-11)
        return sol.x[iv:iv + n] if sol.finite else None

    def conic_dual(self, sol: Solution, prog: ConicProgram, part: dict, fit_rows: slice, yhat: np.ndarray,
                   y: np.ndarray) -> np.ndarray:
        # The multiplier of the fit constraint is v = y − ŷ at the exact optimum; the solver's
        # own dual variable satisfies the restricted dual constraints far more accurately than
        # y − ŷ from the primal iterate does (which matters when β is tiny), so it is the one used.
        v = sol.z[fit_rows]
        if not np.all(np.isfinite(v)) or np.linalg.norm(v - (y - yhat)) > 1e-3 * max(1.0, float(np.linalg.norm(y))):
            v = y - yhat
        return v


class _Classification(Loss):
    classification = True

    def _p(self, v: ArrayLike, y: np.ndarray) -> np.ndarray | None:
        p = np.asarray(v, dtype=float) * y
        if np.any(p < -1e-12) or np.any(p > 1 + 1e-12):
            return None
        return np.clip(p, 0.0, 1.0)

    def to_domain(self, v: ArrayLike, y: np.ndarray) -> np.ndarray:
        return y * np.clip(np.asarray(v, dtype=float) * y, 0.0, 1.0)

    def _cap(self, v: ArrayLike, y: np.ndarray, s_max: float) -> float | None:
        """s_max, further capped so that s·vᵢyᵢ ≤ 1; None when v·y has a negative entry."""
        p = np.asarray(v, dtype=float) * y
        if np.any(p < 0):
            return None
        if p.max(initial=0.0) > 0:
            s_max = min(s_max, 1.0 / p.max())
        return s_max


class Hinge(_Classification):
    name = "hinge"

    def value(self, yhat: ArrayLike, y: np.ndarray) -> Any:
        return np.sum(np.maximum(0.0, 1.0 - y * np.asarray(yhat, dtype=float)), axis=-1)

    def grad(self, yhat: ArrayLike, y: np.ndarray) -> np.ndarray:
        yhat = np.asarray(yhat, dtype=float)
        return np.where(y * yhat < 1.0, -y, 0.0) * np.ones_like(yhat)

    def dual_value(self, v: ArrayLike, y: np.ndarray) -> float:
        p = self._p(v, y)
        return -np.inf if p is None else float(np.sum(p))

    def best_dual_scale(self, v: ArrayLike, y: np.ndarray, s_max: float) -> float:
        cap = self._cap(v, y, s_max)
        if cap is None or not np.isfinite(cap) or cap <= 0:
            return 0.0
        return float(cap)         # D is linear and increasing in s on the domain

    def cvxpy(self, yhat: Any, y: np.ndarray) -> Any:
        import cvxpy as cp
        return cp.sum(cp.pos(1 - cp.multiply(y, yhat)))

    def conic(self, prog: ConicProgram, iz: int, y: np.ndarray) -> dict:
        n = len(y)
        ix = prog.variables(n)
        r = np.arange(n)
        prog.add("nonneg", r, ix + r, -np.ones(n), np.zeros(n))                  # ξ ≥ 0
        margin = prog.add("nonneg", np.r_[r, r], np.r_[iz + r, ix + r],           # ξ + y∘z ≥ 1
                          np.r_[-np.asarray(y, float), -np.ones(n)], -np.ones(n))
        prog.linear(ix + r, 1.0)
        return {"margin": margin}

    def conic_dual(self, sol: Solution, prog: ConicProgram, part: dict, fit_rows: slice, yhat: np.ndarray,
                   y: np.ndarray) -> np.ndarray:
        return y * np.clip(sol.z[prog.rows(part["margin"])], 0.0, 1.0)

    def dual_on_cuts(self, H: np.ndarray, y: np.ndarray, beta: float) -> np.ndarray | None:
        """v = y∘p:  min −Σp  s.t.  ±(y∘H)ᵀp ≤ β,  0 ≤ p ≤ 1 (a linear program)."""
        from .conic import ConicProgram
        n = len(y)
        prog = ConicProgram()
        ip = prog.variables(n)
        r = np.arange(n)
        prog.linear(ip + r, -1.0)
        prog.add("nonneg", np.r_[r, n + r], np.r_[ip + r, ip + r], np.r_[np.ones(n), -np.ones(n)],
                 np.r_[np.ones(n), np.zeros(n)])
        _cut_rows(prog, ip, (y[:, None] * H).T, beta)
        sol = prog.solve(tol=1e-11)
        return y * np.clip(sol.x[ip:ip + n], 0.0, 1.0) if sol.finite else None


class Logistic(_Classification):
    name = "logistic"
    exp_cone = True

    def value(self, yhat: ArrayLike, y: np.ndarray) -> Any:
        return np.sum(np.logaddexp(0.0, -y * np.asarray(yhat, dtype=float)), axis=-1)

    def grad(self, yhat: ArrayLike, y: np.ndarray) -> np.ndarray:
        # d/dz log(1 + e^{-yz}) = -y σ(-yz), written stably with expit
        return -y * expit(-y * np.asarray(yhat, dtype=float))

    def dual_value(self, v: ArrayLike, y: np.ndarray) -> float:
        p = self._p(v, y)
        return -np.inf if p is None else float(-np.sum(xlogy(p, p) + xlogy(1 - p, 1 - p)))

    def best_dual_scale(self, v: ArrayLike, y: np.ndarray, s_max: float) -> float:
        cap = self._cap(v, y, s_max)
        if cap is None or not np.isfinite(cap) or cap <= 0:
            return 0.0
        s_max = cap
        D = lambda s: self.dual_value(s * np.asarray(v, dtype=float), y)   # noqa: E731
        res = minimize_scalar(lambda s: -D(s), bounds=(0.0, s_max), method="bounded",
                              options={"xatol": 1e-12 * max(1.0, s_max)})
        s = float(res.x)
        return s if D(s) >= D(s_max) else float(s_max)

    def cvxpy(self, yhat: Any, y: np.ndarray) -> Any:
        import cvxpy as cp
        return cp.sum(cp.logistic(-cp.multiply(y, yhat)))

    def conic(self, prog: ConicProgram, iz: int, y: np.ndarray) -> dict:
        n = len(y)
        i_s, i_u1, i_u2 = prog.variables(n), prog.variables(n), prog.variables(n)
        r = np.arange(n)
        prog.add("nonneg", np.r_[r, r], np.r_[i_u1 + r, i_u2 + r], np.ones(2 * n), np.ones(n))   # u₁ + u₂ ≤ 1
        # per sample (−sᵢ, 1, u₁ᵢ) and (−yᵢzᵢ − sᵢ, 1, u₂ᵢ) in K_exp, as b − Ax
        base = 6 * r
        rows = np.concatenate([base, base + 2, base + 3, base + 3, base + 5])
        cols = np.concatenate([i_s + r, i_u1 + r, iz + r, i_s + r, i_u2 + r])
        vals = np.concatenate([np.ones(n), -np.ones(n), np.asarray(y, float), np.ones(n), -np.ones(n)])
        prog.add("exp", rows, cols, vals, np.tile([0.0, 1.0, 0.0, 0.0, 1.0, 0.0], n))
        prog.linear(i_s + r, 1.0)
        return {}

    def conic_dual(self, sol: Solution, prog: ConicProgram, part: dict, fit_rows: slice, yhat: np.ndarray,
                   y: np.ndarray) -> np.ndarray:
        # the multiplier of the fit is −∇ℓ(ŷ) = y∘σ(−y∘ŷ) at the optimum; kept in the domain
        v = sol.z[fit_rows]
        g = -self.grad(yhat, y)
        if not np.all(np.isfinite(v)) or np.linalg.norm(v - g) > 1e-3 * max(1.0, float(np.linalg.norm(g))):
            v = g
        return self.to_domain(v, y)


def _cut_rows(prog: ConicProgram, iv: int, G: np.ndarray, beta: float) -> None:
    """±G v ≤ β (G (K, n), v the variables iv …) as non-negative rows; a vacuous row when K = 0
    (the solver needs some constraint)."""
    K = G.shape[0]
    if K == 0:
        prog.add("nonneg", [0], [iv], [0.0], [1.0])
        return
    rr, cc = np.nonzero(G)
    prog.add("nonneg", np.r_[rr, K + rr], iv + np.r_[cc, cc], np.r_[G[rr, cc], -G[rr, cc]], np.full(2 * K, beta))


LOSS_OBJECTS = {cls.name: cls() for cls in (Squared, Hinge, Logistic)}


def get_loss(loss: LossName | Loss | str) -> Loss:
    """The loss object for a name ("squared", "hinge", "logistic") or a :class:`Loss`."""
    if isinstance(loss, Loss):
        return loss
    if loss not in LOSS_OBJECTS:
        raise ValueError(f"loss={loss!r} is not a known loss; use one of {', '.join(map(repr, LOSS_OBJECTS))}.")
    return LOSS_OBJECTS[loss]
