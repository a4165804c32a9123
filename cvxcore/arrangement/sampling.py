"""Sampled activation patterns (Remark 3.3): directions u ~ N(0, I_d), kept as 1[X u ≥ 0].

A subset of the chambers (a direction lands on a hyperplane with probability 0), so program
(8) over them is an approximation whose value is an upper bound on p*.
"""
from __future__ import annotations

import numpy as np

from .vertices import unique_rows


def pattern_stream(X: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    """Patterns D(u_k) = 1[X u_k ≥ 0] (count, n) of directions u_1 … u_count ~ N(0, I_d) from
    ``default_rng(seed)``, in drawing order, duplicates kept: the first k rows of a longer
    stream are the first k of a shorter one (nested subsets)."""
    U = np.random.default_rng(seed).standard_normal((count, X.shape[1]))
    return (U @ X.T) >= 0


def distinct_first(patterns: np.ndarray, k: int | None = None) -> np.ndarray:
    """The distinct rows among the first ``k`` (all if None), in order of first appearance."""
    P = np.asarray(patterns, bool)[:k]
    _, first = np.unique(P, axis=0, return_index=True)
    return P[np.sort(first)]


def sampled_patterns(X: np.ndarray, samples: int, seed: int | None = None) -> np.ndarray:
    """The distinct patterns of ``samples`` directions u ~ N(0, I_d), sorted lexicographically
    (memory: n × 8,192 booleans at a time)."""
    n, d = X.shape
    rng = np.random.default_rng(seed)
    U = rng.standard_normal((d, samples))
    out = [np.packbits((X @ U[:, s:s + 8192]).T >= 0, axis=1) for s in range(0, samples, 8192)]
    return np.unpackbits(np.unique(np.vstack(out), axis=0), axis=1, count=n).astype(bool)


def distinct_sample(X: np.ndarray, k: int, seed: int = 0, bound: int | None = None,
                    max_draws: int = 200_000) -> np.ndarray:
    """k *distinct* nonzero patterns, the first k distinct ones of :func:`pattern_stream`
    (the paper's "random subset of the diagonal matrices of size m").  Fewer when the
    arrangement has fewer cells (``bound``, Cover's count, reached), when quadrupling the draws
    finds no new pattern, or after ``max_draws`` directions."""
    draws, found = max(4 * k, 64), -1
    most = np.inf if bound is None else float(bound)
    while True:
        S = pattern_stream(X, draws, seed)
        P = distinct_first(S[S.any(axis=1)])
        if P.shape[0] >= min(k, most) or P.shape[0] == found or draws >= max_draws:
            return P[:k]
        found, draws = P.shape[0], min(4 * draws, max_draws)


__all__ = ["pattern_stream", "distinct_first", "sampled_patterns", "distinct_sample", "unique_rows"]
