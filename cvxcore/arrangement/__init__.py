"""The hyperplane arrangement of the data and its activation patterns (docs/theory.md §3).

A neuron u ∈ R^d switches on the samples ``D(u) = diag(1[X u ≥ 0])``.  The distinct
D_1 … D_P over all u are the cells of the arrangement of the hyperplanes {u : x_iᵀu = 0}.

What is a cell here.  One pattern per *chamber* (open full-dimensional cell), ``1[X u > 0]``
for u inside it.  Lower-dimensional faces (u with some x_iᵀu = 0) are not listed: on a face,
(Xu)₊ = D X u for the pattern D of every adjacent chamber, and u lies in that chamber's
closed cone, so the chambers already give every function u ↦ (Xu)₊ that program (8) needs.

* The all-zero pattern is included when it is a chamber (some u has X u < 0, e.g. always with
  a bias column), because Cover's count includes it; it adds nothing to (8) (D X = 0).
* Zero rows (x_i = 0) are on for every u (x_iᵀu = 0 ≥ 0): their entry is always True.
* Degenerate data is exact, not approximated: repeated or positively proportional rows share
  a hyperplane and a bit; negatively proportional rows share it with opposite bits; three or
  more hyperplanes through one ray (collinear points, lattices, symmetric sets) meet at one
  vertex of the walk.  Hyperplanes whose unit normals differ by less than 1e-9 are one, and a
  ray lies on a hyperplane when |cos| ≤ 1e-9: cells thinner than that are not resolved.
* The count equals Cover's formula for rows in general position, and is smaller otherwise.

:func:`arrangement` builds the cell set once per data set; every solver, certificate and page
takes it from there.  Rank ≤ 3 (1-D and 2-D data, with or without a bias) gives an
:class:`Arrangement` with closed-form pricing and implicit patterns (the (P, n) list only on
request); rank ≥ 4 gives the chambers as a :class:`PatternSet` (vertex route).
"""
from __future__ import annotations

from math import comb

import numpy as np

from ..params import MAX_ARRANGEMENT_BYTES, MAX_EXACT_PATTERNS, check_int, check_X
from .base import CellSet
from .cells import Arrangement
from .lines import cover_count, distinct_lines, paper_bound, row_space
from .patternset import PatternSet
from .sampling import distinct_first, distinct_sample, pattern_stream, sampled_patterns
from .subset import CellSubset
from .vertices import chambers, unique_rows
from .walk import build_rank1, build_rank2, build_rank3, hash_weights

MAX_SUBSETS = 3_000_000   # rank ≥ 4: (r−1)-subsets of hyperplanes examined at most
MAX_DENSE_PATTERNS = 1 << 30   # activation_patterns: P·n booleans at most (the list itself)
BYTES_PER_CELL = 900      # rank 3: ~4 boundary pieces a cell, ~200 bytes each once priced


def _refusal(n, r, count, what):
    return ValueError(
        f"X (n={n}, rank {r}) has up to {count:,} activation patterns: {what}. Use sampled patterns "
        "(patterns=activation_patterns(X, method='sample', samples=...), Remark 3.3: an upper bound "
        "on p*), or fewer points.")


def _plan(X, max_bytes=None):
    """``(r, V_r, (L, line_of, sign_of), Cover's count)`` after refusing data whose arrangement
    would not fit (see :func:`check_size`)."""
    n = X.shape[0]
    r, Vr = row_space(X)
    if r == 0:
        return r, Vr, None, 1
    Z = X @ Vr
    budget = MAX_ARRANGEMENT_BYTES if max_bytes is None else max_bytes

    def too_big(k):
        c = cover_count(k, r)
        if r <= 3:
            return c * BYTES_PER_CELL > budget, c
        return c > MAX_EXACT_PATTERNS or comb(k, r - 1) > MAX_SUBSETS, c

    def refuse(c):
        if r <= 3:
            return _refusal(n, r, c, f"their exact arrangement would take about {c * BYTES_PER_CELL / 2**30:.1f} "
                                     f"GB, over the exact-enumeration limit of {budget / 2**30:.1f} GB of memory")
        return _refusal(n, r, c, f"more than the exact-enumeration limit of {MAX_EXACT_PATTERNS:,} for rank ≥ 4 "
                                 f"(or more than {MAX_SUBSETS:,} hyperplane subsets to examine)")

    lines = distinct_lines(Z)                    # O(n log n): the count needs the distinct lines
    big, c = too_big(lines[0].shape[0])
    if big:
        raise refuse(c)
    return r, Vr, lines, c


def check_size(X, max_bytes: int | None = None) -> int:
    """Cover's count of X's distinct hyperplanes, after refusing (``ValueError``, with the count
    and the fix) data whose arrangement would not fit: more than ``max_bytes`` (default
    ``MAX_ARRANGEMENT_BYTES``; rank ≤ 3), or more than ``MAX_EXACT_PATTERNS`` chambers or
    ``MAX_SUBSETS`` vertex subsets (rank ≥ 4).  The refusal of a large data set costs
    O(n log n): nothing of size n² is formed before it."""
    return _plan(check_X(X), max_bytes)[3]


def exact_pattern_bound(X) -> int:
    """Cover's count for X's distinct hyperplanes and rank: an upper bound on the number of
    exact patterns, computed without enumerating."""
    X = check_X(X)
    r, Vr = row_space(X)
    if r == 0:
        return 1
    return cover_count(distinct_lines(X @ Vr)[0].shape[0], r)


def arrangement(X, *, max_bytes: int | None = None) -> CellSet:
    """Every cell of X's hyperplane arrangement (see the module docstring).

    Rank ≤ 3: an :class:`Arrangement` (``n_cells``, ``patterns()``, ``interior_point(c)``,
    ``cell_of(U)``, ``neighbours(c)``, ``facets(c)``, pricing).  Rank ≥ 4: a
    :class:`PatternSet` of the chambers.  ``ValueError`` before any large work when the
    arrangement is too large (:func:`check_size`).
    """
    X = check_X(X)
    r, Vr, lines, _ = _plan(X, max_bytes)
    n = X.shape[0]
    if r == 0:
        return PatternSet(X, np.ones((1, n), dtype=bool), exact=True)
    L, line_of, sign_of = lines
    if r >= 4:
        cham = chambers(L)
        P = np.ones((cham.shape[0], n), dtype=bool)
        on = line_of >= 0
        lines_on = cham[:, line_of[on]]
        P[:, on] = np.where(sign_of[on] > 0, lines_on, ~lines_on)
        return PatternSet(X, unique_rows(P), exact=True)
    R = hash_weights(L.shape[0])
    parts = {1: build_rank1, 2: build_rank2, 3: build_rank3}[r](L, R)
    return Arrangement(X=np.ascontiguousarray(X), r=r, Vr=Vr, L=L, line_of=line_of, sign_of=sign_of, R=R, **parts)


def activation_patterns(X, *, method: str = "exact", samples: int | None = None,
                        seed: int | None = None) -> np.ndarray:
    """Distinct activation patterns ``1[X u ≥ 0]`` of the data, one per row, shape (P, n),
    sorted lexicographically.

    method="exact" lists every chamber of the arrangement (:func:`arrangement`; ``ValueError``
    before any work when it is too large).  method="sample" keeps the distinct patterns of
    ``samples`` directions u ~ N(0, I_d) (default 1,000), drawn with
    ``np.random.default_rng(seed)`` (Remark 3.3).
    """
    X = check_X(X)
    if method == "sample":
        samples = check_int("samples", 1000 if samples is None else samples)
        return sampled_patterns(X, samples, None if seed is None else check_int("seed", seed))
    if method != "exact":
        raise ValueError(f"method={method!r} is not known; use 'exact' (the whole arrangement) "
                         "or 'sample' (random directions, Remark 3.3).")
    count = check_size(X)
    if count * X.shape[0] > MAX_DENSE_PATTERNS:
        raise ValueError(f"X (n={X.shape[0]}) has up to {count:,} activation patterns: as a (P, n) array that is "
                         f"{count * X.shape[0] / 2**30:.1f} GB, over the limit of {MAX_DENSE_PATTERNS / 2**30:.0f} GB "
                         "for a dense list. Use arrangement(X), whose cells are priced and solved over without "
                         "the list, or method='sample' with samples=... (Remark 3.3).")
    return unique_rows(arrangement(X).patterns())


def as_cells(X: np.ndarray, patterns) -> CellSet:
    """The cell set of a pattern argument: a :class:`CellSet` as is; a (P, n) 0/1 array as the
    cells of X's arrangement when every row is one (priced in closed form), else as a
    :class:`PatternSet`.  ``X`` is trusted (validated)."""
    if isinstance(patterns, CellSet):
        if patterns.n_samples != X.shape[0] or not np.array_equal(patterns.X, X):
            raise ValueError(f"patterns is a cell set of other data (n = {patterns.n_samples}); pass the "
                             f"arrangement of this X (n = {X.shape[0]}), e.g. arrangement(X).")
        return patterns
    P = check_patterns(patterns, X.shape[0])
    r, _ = row_space(X)
    if 1 <= r <= 3:
        try:
            arr = arrangement(X)
        except ValueError:
            arr = None
        if arr is not None:
            idx = arr.lookup(P)
            if (idx >= 0).all():
                return CellSubset(arr, idx)
    return PatternSet(X, P)


def check_patterns(patterns, n: int) -> np.ndarray:
    """A (P, n) array of 0/1 (or bool) entries; ``ValueError`` naming what is wrong otherwise."""
    try:
        A = np.asarray(patterns)
    except Exception:
        raise ValueError("patterns could not be read as an array; pass a (P, n) array of 0/1 entries.") from None
    if A.ndim != 2 or A.shape[1] != n:
        raise ValueError(f"patterns has shape {A.shape}; it must be (P, {n}): one 0/1 row per pattern, "
                         "one column per sample.")
    if A.dtype != bool:
        if not np.issubdtype(A.dtype, np.number) or np.iscomplexobj(A):
            raise ValueError(f"patterns has dtype {A.dtype}; pass 0/1 or True/False entries.")
        bad = ~np.isin(A, (0, 1))
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise ValueError(f"patterns[{i}, {j}] = {A[i, j].item():g}; a pattern entry is 0 (sample off) or 1 (on).")
    return A.astype(bool)


__all__ = ["Arrangement", "PatternSet", "CellSet", "CellSubset", "arrangement", "activation_patterns",
           "as_cells", "check_patterns", "check_size", "exact_pattern_bound", "cover_count", "paper_bound",
           "pattern_stream", "distinct_first", "distinct_sample", "sampled_patterns"]
