"""The hyperplanes of the data: row space, distinct lines and Cover's count (docs/theory.md §3).

A neuron u switches on the rows with x_iᵀu ≥ 0, so each row x_i ≠ 0 gives the hyperplane
{u : x_iᵀu = 0} through the origin of weight space.  Only the row space of X matters
(u ↦ Xu ignores the rest), so the rows are written in an orthonormal basis V_r of it,
z_i = V_rᵀx_i ∈ R^r, r = rank(X).  Rows whose unit normals agree up to sign are one
hyperplane: ``line_of[i]`` says which, ``sign_of[i]`` whether x_i points the same way as the
line's normal (+1) or the opposite way (−1, the row is on exactly where the line's bit is off).

Cover (1965): n hyperplanes through the origin of R^r in general position cut it into

    C(n, r) = 2 Σ_{k=0}^{r−1} binom(n − 1, k)  ≤  2r (e(n − 1)/r)^r     (the paper's bound)

chambers, and any arrangement of n distinct hyperplanes into at most that many.
"""
from __future__ import annotations

from math import comb, e

import numpy as np

SAME_LINE_TOL = 1e-9     # unit normals within this distance (up to sign) are one hyperplane


def cover_count(n: int, r: int) -> int:
    """Cover's count 2 Σ_{k<r} C(n−1, k): chambers of n central hyperplanes in general position
    in R^r (the number of activation patterns of data in general position)."""
    if n <= 0:
        return 1
    return 2 * sum(comb(n - 1, k) for k in range(min(r, n)))


def paper_bound(n: int, r: int) -> float:
    """The paper's bound 2r (e(n−1)/r)^r ≥ Cover's count (for n > r)."""
    return 2 * r * (e * max(n - 1, 1) / r) ** r if r > 0 else 1.0


def row_space(X: np.ndarray):
    """Numerical rank r of X and an orthonormal basis V_r (d, r) of its row space."""
    if X.size == 0:
        return 0, np.zeros((X.shape[1], 0))
    _, s, Vt = np.linalg.svd(X, full_matrices=False)
    tol = s.max(initial=0.0) * max(X.shape) * np.finfo(float).eps * 10
    r = int(np.sum(s > tol))
    return r, Vt[:r].T


def _unit_rows(Z: np.ndarray):
    norms = np.linalg.norm(Z, axis=1)
    nonzero = norms > 1e-12 * max(norms.max(initial=0.0), 1e-300)
    C = np.zeros_like(Z)
    C[nonzero] = Z[nonzero] / norms[nonzero, None]
    return C, nonzero


def _canonical(C: np.ndarray) -> np.ndarray:
    """Each unit normal with the sign that makes its first coordinate of size > 0.3 positive
    (a unit vector of R^r, r ≤ 11, has one; the two signs of a line then usually agree, and the
    neighbour search below also tries the other sign, so a normal at the threshold is safe)."""
    big = np.abs(C) > 0.3
    first = np.argmax(big, axis=1)
    s = np.sign(C[np.arange(C.shape[0]), first])
    s[s == 0] = 1.0
    return C * s[:, None]


def _close_pairs(C: np.ndarray, tol: float):
    """Pairs (a, b), a < b, of rows of C within ``tol`` of each other, in O(n log n): on a fixed
    generic direction w a close pair projects within ``tol``·‖w‖, so after sorting the
    projections only rows that close along w are compared (a few, unless rows repeat)."""
    n, r = C.shape
    w: np.ndarray = np.random.default_rng(20200712).standard_normal(size=(r,))
    w /= np.linalg.norm(w)
    t = C @ w
    order = np.argsort(t, kind="stable")
    ts = t[order]
    pa, pb = [], []
    k = 1
    while k < n:
        near = np.flatnonzero(ts[k:] - ts[:-k] <= tol)
        if near.size == 0:
            break
        a, b = order[near], order[near + k]
        keep = np.linalg.norm(C[a] - C[b], axis=1) <= tol
        pa.append(a[keep])
        pb.append(b[keep])
        k += 1
    if not pa:
        return np.zeros(0, int), np.zeros(0, int)
    return np.concatenate(pa), np.concatenate(pb)


def distinct_lines(Z: np.ndarray):
    """The distinct hyperplanes of the rows of Z (n, r): ``(L (k, r), line_of (n,), sign_of (n,))``.

    L holds unit normals; row i lies on line ``line_of[i]`` (−1 for a zero row, which is on for
    every u) with sign ``sign_of[i]``.  Two rows are on one line when their unit normals are within
    ``SAME_LINE_TOL`` up to sign (connected components of that relation).  Lines are numbered in
    order of their first row.  O(n log n) (plus the pairs of repeated rows).
    """
    n, r = Z.shape
    C, nonzero = _unit_rows(Z)
    idx = np.flatnonzero(nonzero)
    line_of = np.full(n, -1)
    sign_of = np.ones(n)
    if idx.size == 0:
        return np.zeros((0, r)), line_of, sign_of
    Cn = _canonical(C[idx])
    m = idx.size
    a1, b1 = _close_pairs(np.vstack([Cn, -Cn]), SAME_LINE_TOL)
    a, b = a1 % m, b1 % m                          # a row and the negation of another: one line
    # connected components (union-find by label propagation on the sparse pairs)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    graph = coo_matrix((np.ones(a.size), (a, b)), shape=(m, m))
    _, comp = connected_components(graph, directed=False)
    # number lines by first row, representative = first row of the component
    first = np.full(comp.max() + 1, m)
    np.minimum.at(first, comp, np.arange(m))
    rank_of = np.empty(first.size, dtype=int)
    rank_of[np.argsort(first)] = np.arange(first.size)
    lines = rank_of[comp]
    reps = C[idx[np.sort(first)]]
    line_of[idx] = lines
    sign_of[idx] = np.where(np.einsum("ij,ij->i", C[idx], reps[lines]) > 0, 1.0, -1.0)
    return reps, line_of, sign_of
