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
