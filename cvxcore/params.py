"""The core's table of parameter ranges, and the checks of every public function's inputs.

Every public function of :mod:`cvxcore` validates its inputs here, once, at the
boundary; inside the core inputs are trusted.  Every message names the
parameter, the value received and the fix (no ``assert`` on user input).

``PARAMS`` holds what the core accepts for each scalar knob (its range, whether it
is whole, on a log scale, > 0) and its meaning (``help``).  The app's controls are
not built from it directly: ``lab.codec.SETTINGS`` holds each widget's own
narrower range, step and default, and takes the rest from the ``PARAMS`` entry it
names; the app's tests check that the core accepts every value a widget can show.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, cast

import numpy as np

from .losses import LossName, get_loss


@dataclass(frozen=True)
class Param:
    """A scalar knob: its range, default and how a slider should move over it."""
    name: str
    lo: float
    hi: float
    default: float
    integer: bool = False
    log: bool = False          # slider moves in log10 space
    lo_open: bool = False      # lo itself is not allowed (e.g. beta > 0)
    help: str = ""


PARAMS: dict[str, Param] = {p.name: p for p in [
    Param("beta", 0.0, float("inf"), 0.1, log=True, lo_open=True,
          help="weight decay β > 0 of (2); the ℓ1–ℓ2 penalty weight of (8) (from the data's β_max on, "
               "the optimum is the zero network)"),
    Param("m", 1, 1000, 50, integer=True, help="width m of the non-convex network (2)"),
    Param("lr", 0.0, 10.0, 0.01, log=True, lo_open=True, help="SGD learning rate"),
    Param("steps", 1, 1_000_000, 5000, integer=True, help="SGD steps"),
    Param("trials", 1, 100, 10, integer=True, help="random initialisations"),
    Param("seed", 0, 2**31 - 1, 0, integer=True, help="random seed"),
    Param("samples", 1, 1_000_000, 1000, integer=True, help="sampled directions u ~ N(0, I) (Remark 3.3)"),
    Param("n", 1, 5000, 50, integer=True, help="number of data points"),
]}

LOSSES: tuple[LossName, ...] = ("squared", "hinge", "logistic")

# Exact enumeration of rank ≥ 4 data (the vertex route, chambers held as a dense list) refuses
# more chambers than this; Cover's bound is checked before any work is done.
MAX_EXACT_PATTERNS = 500_000
# Rank ≤ 3 (1-D and 2-D data): the arrangement's memory, estimated from Cover's count before any
# work, may not exceed this (2-D data with a bias: n = 1,000 is P ≈ 10⁶ cells, ~0.9 GB).
MAX_ARRANGEMENT_BYTES = 6 << 30


def check_scalar(name: str, value: Any, *, lo: float | None = None, hi: float | None = None,
                 lo_open: bool | None = None, integer: bool | None = None) -> Any:
    """Validate one scalar against ``PARAMS[name]`` (bounds may be overridden); a 0-d array is a
    number."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    p = PARAMS.get(name)
    lo = p.lo if lo is None and p else lo
    hi = p.hi if hi is None and p else hi
    lo_open = (p.lo_open if p else False) if lo_open is None else lo_open
    integer = (p.integer if p else False) if integer is None else integer
    interval = _interval(lo, hi, lo_open)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Real, np.number)):
        raise ValueError(f"{name}={value!r} is not a number; pass a {'whole number' if integer else 'real number'}"
                         + (f" in {interval}" if interval else "") + ".")
    if integer:
        if not (isinstance(value, (Integral, np.integer)) or float(value).is_integer()):
            raise ValueError(f"{name}={value!r} must be a whole number; round it, e.g. {name}={round(float(value))}.")
        value = operator.index(value) if isinstance(value, (Integral, np.integer)) else int(float(value))
    else:
        value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name}={value!r} is not finite; pass a finite number"
                         + (f" in {interval}" if interval else "") + ".")
    if lo is not None and (value < lo or (lo_open and value == lo)):
        bound = f"> {lo:g}" if lo_open else f">= {lo:g}"
        raise ValueError(f"{name}={value!r} is out of range; {name} must be {bound}"
                         + (f" (for example {name}={p.default:g})" if p else "") + ".")
    if hi is not None and value > hi:
        raise ValueError(f"{name}={value!r} is out of range; {name} must be <= {hi:g}.")
    return value


def _interval(lo, hi, lo_open) -> str:
    """The allowed range as an interval: "(0, inf)" for β > 0, "[1, 1000]" for m; "" if unbounded."""
    if lo is None or hi is None:
        return ""
    return f"{'(' if lo_open else '['}{lo:g}, {hi:g}{')' if np.isinf(hi) else ']'}"


def check_int(name: str, value: Any, lo: float | None = None, hi: float | None = None, fix: str = "") -> int:
    """A whole number in [lo, hi] (bounds from ``PARAMS[name]`` when not given); the message
    ends with ``fix`` when given."""
    p = PARAMS.get(name)
    lo = p.lo if lo is None and p else (0 if lo is None else lo)
    hi = p.hi if hi is None and p else (np.inf if hi is None else hi)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    tail = f" {fix[0].upper()}{fix[1:]}" if fix else ""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Integral, np.integer, Real, np.floating)):
        raise ValueError(f"{name}={value!r} is not a whole number; pass a whole number in [{lo:g}, {hi:g}].{tail}")
    if not np.isfinite(float(value)) or not float(value).is_integer() or not lo <= float(value) <= hi:
        raise ValueError(f"{name}={value!r} is out of range; {name} must be a whole number in [{lo:g}, {hi:g}].{tail}")
    return operator.index(value) if isinstance(value, (Integral, np.integer)) else int(float(value))


def check_loss(loss: object) -> LossName:
    """One of :data:`LOSSES`."""
    if loss not in LOSSES:
        raise ValueError(f"loss={loss!r} is not a known loss; use one of {', '.join(map(repr, LOSSES))}.")
    return cast(LossName, loss)


def check_X(X: Any, *, name: str = "X") -> np.ndarray:
    """A finite, non-empty float matrix ``(n, d)``; a 1-D array is refused (ambiguous)."""
    if np.iscomplexobj(X):
        raise ValueError(f"{name} is complex (dtype {np.asarray(X).dtype}); the network's inputs are real — "
                         f"pass the real data (e.g. {name}.real if the imaginary part is meaningless).")
    try:
        A = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} could not be read as a numeric array; pass an (n, d) array of numbers.") from None
    if A.ndim != 2:
        hint = (" For 1-D data x of shape (n,), pass x[:, None] or with_bias(x)." if A.ndim == 1 else "")
        raise ValueError(f"{name} has shape {A.shape} ({A.ndim}-D); it must be a 2-D array (n, d).{hint}")
    if A.shape[0] == 0 or A.shape[1] == 0:
        raise ValueError(f"{name} has shape {A.shape}; it needs at least one row (data point) and one column.")
    if not np.all(np.isfinite(A)):
        bad = np.argwhere(~np.isfinite(A))[0]
        raise ValueError(f"{name} contains {A[tuple(bad)]} at row {bad[0]}, column {bad[1]}; "
                         "remove or replace non-finite values (NaN/inf).")
    return A


def check_y(y: Any, n: int, loss: str = "squared", *, name: str = "y") -> np.ndarray:
    """Labels ``(n,)``; ±1 for the classification losses."""
    if np.iscomplexobj(y):
        raise ValueError(f"{name} is complex (dtype {np.asarray(y).dtype}); pass real targets.")
    try:
        v = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} could not be read as numbers; pass an array of shape ({n},).") from None
    if v.ndim == 2 and 1 in v.shape:
        v = v.reshape(-1)
    if v.ndim != 1 or v.shape[0] != n:
        raise ValueError(f"{name} has shape {v.shape} but X has {n} rows; pass one label per row of X, shape ({n},).")
    if not np.all(np.isfinite(v)):
        i = int(np.argwhere(~np.isfinite(v))[0, 0])
        raise ValueError(f"{name}[{i}] = {v[i]}; remove or replace non-finite labels (NaN/inf).")
    if get_loss(loss).classification and not np.all(np.abs(v) == 1):
        bad = v[np.abs(v) != 1][:3]
        raise ValueError(f"loss={loss!r} needs labels in {{-1, +1}}, but {name} contains {bad.tolist()}; "
                         "map your classes to ±1 (e.g. y = 2*(y > 0) - 1) or use loss='squared'.")
    return v


def check_network(U: Any, alpha: Any, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Neurons ``U (m, d)`` (one per row) and output weights ``alpha (m,)``."""
    U = np.asarray(U, dtype=float)
    alpha = np.asarray(alpha, dtype=float)
    if U.ndim == 1 and U.shape[0] == 0:
        U = U.reshape(0, d)
    if U.ndim != 2 or U.shape[1] != d:
        raise ValueError(f"U has shape {U.shape}; it must be (m, {d}): one neuron per row with d = {d} "
                         "weights (the columns of X, bias included).")
    if alpha.ndim != 1 or alpha.shape[0] != U.shape[0]:
        raise ValueError(f"alpha has shape {alpha.shape} but U has {U.shape[0]} rows; pass one output "
                         f"weight per neuron, shape ({U.shape[0]},).")
    if not (np.all(np.isfinite(U)) and np.all(np.isfinite(alpha))):
        raise ValueError("U or alpha contains NaN/inf; the network diverged or was not initialised — "
                         "pass finite weights.")
    return U, alpha
