"""Signals, their patches, and the checks every CNN program shares (section 4 of the paper)."""
from __future__ import annotations

import numpy as np

from ..params import check_int


def real_array(name, A, *, ndim=2):
    """A real float array of ``ndim`` dimensions; complex input with a nonzero imaginary part is
    refused (the networks take real signals)."""
    a = np.asarray(A)
    if np.iscomplexobj(a):
        if np.any(np.imag(a) != 0):
            raise ValueError(f"{name} is complex (dtype {a.dtype}); the networks (9), (13) take real signals — "
                             f"pass the real data (e.g. {name}.real); program (14) builds the complex "
                             "Fourier features X F itself.")
        a = np.real(a)
    try:
        a = a.astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} could not be read as a numeric array; pass real numbers.") from None
    if a.ndim != ndim:
        shape = "(n, L): one signal per row" if ndim == 2 else "(n,)"
        raise ValueError(f"{name} has shape {a.shape}; it must be {shape}.")
    if a.size == 0:
        raise ValueError(f"{name} is empty; pass at least one signal.")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN/inf; remove or replace non-finite values.")
    return a


def check_targets(y, n, name="y"):
    y = real_array(name, np.asarray(y).reshape(-1) if np.ndim(y) == 2 and 1 in np.shape(y) else y, ndim=1)
    if y.shape[0] != n:
        raise ValueError(f"{name} has {y.shape[0]} entries but there are {n} signals; pass one target per signal.")
    return y


def check_patch(L: int, h, stride=1):
    """Validate filter size h and stride for signals of length L; returns (h, stride, K)."""
    h = check_int("h", h, 1, 10**9, f"the filter (patch) size must be a whole number between 1 and the "
                   f"signal length L = {L}.")
    if h > L:
        raise ValueError(f"h={h} does not fit signals of length L={L}: a patch cannot be longer than the "
                         f"signal; use h <= {L}.")
    stride = check_int("stride", stride, 1, 10**9, "the stride must be a whole number >= 1.")
    if (L - h) % stride:
        ok = [s for s in range(1, L - h + 1) if (L - h) % s == 0] or [1]
        raise ValueError(f"h={h}, stride={stride} do not tile signals of length L={L}: (L − h) = {L - h} is not a "
                         f"multiple of the stride, so the last patch would run off the end; use a stride in "
                         f"{ok} or change h.")
    return h, stride, (L - h) // stride + 1


def patches(S, h, stride=1) -> np.ndarray:
    """Patch matrices X_k = S[:, k·stride : k·stride + h], stacked as an array (K, n, h)."""
    S = real_array("S", S)
    h, stride, K = check_patch(S.shape[1], h, stride)
    return np.stack([S[:, k * stride:k * stride + h] for k in range(K)])


# A singular value of Z* (or |z_l| of (14)) counts when it exceeds the floor
#     max(COUNT_RTOL · largest, COUNT_ATOL · scale),   scale = ‖y‖ / ‖𝒜‖₂,
# the size of a solution that moves the fit by ‖y‖.  The solvers leave round-off of ~1e-8 of the
# scale in every entry; the absolute part keeps that from being counted when the solution is zero
# (then the largest value is round-off too, and a floor relative to it alone counts everything).
COUNT_RTOL = 1e-6
COUNT_ATOL = 1e-6


def count_floor(values: np.ndarray, scale: float) -> float:
    """The threshold above which a singular value / |z_l| counts (see ``COUNT_RTOL``)."""
    top = float(np.max(values, initial=0.0))
    return max(COUNT_RTOL * top, COUNT_ATOL * scale)


def check_matrix(name: str, M: np.ndarray, rows: int | None, cols: int, fix: str) -> np.ndarray:
    """A finite real matrix of shape (rows, cols) (``rows`` None: any number of rows, even 0);
    the message names the shape received and ends with ``fix``."""
    try:
        shape = np.shape(M)
    except ValueError:
        shape = None
    if shape is None or len(shape) != 2 or (rows is not None and shape[0] != rows) or shape[1] != cols:
        raise ValueError(f"{name} has shape {shape}; it must be ({'m' if rows is None else rows}, {cols}): {fix}.")
    if shape[0] == 0:
        return np.zeros(shape)
    return real_array(name, M)
