"""Activation patterns: the hyperplane arrangement of the data (MATH.md §3).

A neuron u ∈ R^d switches on the samples ``D(u) = diag(1[X u ≥ 0])``.  The
distinct D_1 … D_P over all u are the cells of the arrangement of the central
hyperplanes {u : x_iᵀu = 0}.  With r = rank(X), Cover (1965):

    P ≤ 2 Σ_{k=0}^{r−1} C(n−1, k)  ≤  2r (e(n−1)/r)^r,

with equality in the first bound for rows in general position.

What is enumerated (``method="exact"``)
    One pattern per *chamber* (open full-dimensional cell): ``1[X u > 0]``
    for u inside it.  Lower-dimensional faces (u with some x_iᵀu = 0) are not
    listed separately: on a face, (Xu)₊ = D X u for the pattern D of every
    adjacent chamber, and u lies in that chamber's closed cone, so chambers
    already give every function u ↦ (Xu)₊ that program (8) needs.
    * The all-zero pattern is included when it is a chamber (some u has
      X u < 0, e.g. always with a bias column), because Cover's count includes
      it; it contributes nothing to (8) (D X = 0) and solvers skip it.
    * Zero rows (x_i = 0) are on for every u (x_iᵀu = 0 ≥ 0), so their entry
      is always True.
    * Degenerate data is handled exactly, not approximated: repeated or
      positively proportional rows share a hyperplane and a bit; negatively
      proportional rows share the hyperplane with opposite bits; collinear
      points (three or more hyperplanes through one ray) are resolved by the
      local arrangement around that ray.  Hyperplanes whose unit normals
      differ by less than ``1e-9`` are treated as one, and a ray counts as
      lying on a hyperplane when |cos| ≤ 1e-9: cells thinner than that are
      not resolved.
    The count therefore equals Cover's formula for rows in general position
    and is smaller otherwise (the arrangement of the *distinct* hyperplanes).

Algorithm.  Reduce X to its row space (Z = X V_r, r = rank).  r = 1: two
chambers.  r = 2: sort the 2n' rays of the n' distinct lines and take the
midpoints.  r ≥ 3: every chamber of an essential arrangement is a pointed
cone, so it has an extreme ray, an intersection of r − 1 hyperplanes; around
each such ray v the chambers are ``sign(Zv)`` off the ray's hyperplanes and
the chambers of the (r − 1)-dimensional arrangement of the hyperplanes
through v (recursion).  For r = 3 in general position this is the familiar
"four quadrants at every crossing of two great circles".  The r = 3 case
is enumerated by walking the arcs between consecutive crossings on every
great circle (:func:`cvxcore.pricing.build_arrangement`, O(n² log n), which
also records each cell's facets for the pricing); ``_chambers_rank3``, the
vertex route, is kept as an independent reference for the tests.

Sampling (``method="sample"``, Remark 3.3): draw u ~ N(0, I_d) and keep the
distinct ``1[X u ≥ 0]``; a subset of the chambers, so (8) over it is an
approximation whose value is an upper bound on p*.
"""
from __future__ import annotations

from itertools import combinations
from math import comb, e

import numpy as np

from .params import MAX_EXACT_PATTERNS, check_scalar, check_X

_SAME_LINE_TOL = 1e-9     # unit normals this close (up to sign) are one hyperplane
_ON_PLANE_TOL = 1e-9      # |cos(ray, normal)| below this: the ray lies on the hyperplane
_MAX_SUBSETS = 3_000_000  # r ≥ 4: (r−1)-subsets of hyperplanes examined at most


def cover_count(n: int, r: int) -> int:
    """Cover's count 2 Σ_{k<r} C(n−1, k): chambers of n central hyperplanes in
    general position in R^r (the number of patterns for data in general position)."""
    if n <= 0:
        return 1
    return 2 * sum(comb(n - 1, k) for k in range(min(r, n)))


def paper_bound(n: int, r: int) -> float:
    """The paper's bound 2r (e(n−1)/r)^r ≥ Cover's count (for n > r)."""
    return 2 * r * (e * max(n - 1, 1) / r) ** r if r > 0 else 1.0


def _rank(X: np.ndarray):
    """Numerical rank and an orthonormal basis V_r (d, r) of the row space."""
    if X.size == 0:
        return 0, np.zeros((X.shape[1], 0))
    _, s, Vt = np.linalg.svd(X, full_matrices=False)
    tol = s.max(initial=0.0) * max(X.shape) * np.finfo(float).eps * 10
    r = int(np.sum(s > tol))
    return r, Vt[:r].T


def _distinct_lines(Z: np.ndarray):
    """Unit normals of the distinct hyperplanes, and for each row its line and sign.

    Rows with zero norm get line −1.  Returns (L (k, r), line_of (n,), sign_of (n,)).
    """
    norms = np.linalg.norm(Z, axis=1)
    nonzero = norms > 1e-12 * max(norms.max(initial=0.0), 1e-300)
    C = np.zeros_like(Z)
    C[nonzero] = Z[nonzero] / norms[nonzero, None]
    line_of = np.full(Z.shape[0], -1)
    sign_of = np.ones(Z.shape[0])
    reps: list[np.ndarray] = []
    idx = np.flatnonzero(nonzero)
    if idx.size:
        G = C[idx] @ C[idx].T
        for a, i in enumerate(idx):
            if line_of[i] >= 0:
                continue
            k = len(reps)
            reps.append(C[i])
            # ‖c_i ∓ c_j‖ ≤ tol, as documented (1 − |cos| ≤ tol would merge normals up to
            # √(2 tol) ≈ 4.5e-5 apart: nearby 1-D points, whose cells then are not cones of
            # the rows they claim)
            dist = np.minimum(np.linalg.norm(C[idx] - C[i], axis=1), np.linalg.norm(C[idx] + C[i], axis=1))
            same = np.flatnonzero(dist <= _SAME_LINE_TOL)
            for b in same:
                j = idx[b]
                if line_of[j] < 0:
                    line_of[j] = k
                    sign_of[j] = 1.0 if G[a, b] > 0 else -1.0
    L = np.array(reps) if reps else np.zeros((0, Z.shape[1]))
    return L, line_of, sign_of


def _chambers_rank2(L: np.ndarray) -> np.ndarray:
    """Chambers of k distinct lines through the origin of R²: 2k sectors."""
    ang = np.arctan2(L[:, 0], -L[:, 1])            # direction of {u : lᵀu = 0}
    rays = np.sort(np.mod(np.concatenate([ang, ang + np.pi]), 2 * np.pi))
    mids = (rays + np.roll(rays, -1)) / 2
    mids[-1] = (rays[-1] + rays[0] + 2 * np.pi) / 2
    U = np.stack([np.cos(mids), np.sin(mids)], axis=1)
    return (U @ L.T) > 0


def _perp_basis(V: np.ndarray) -> np.ndarray:
    """Orthonormal basis (r, r − q) of the orthogonal complement of the rows of V (q, r)."""
    _, _, Wt = np.linalg.svd(V, full_matrices=True)
    return Wt[V.shape[0]:].T


def _local_chambers(L: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Chambers having the ray v (unit) on their boundary, as patterns over L's lines."""
    s = L @ v
    tight = np.abs(s) <= _ON_PLANE_TOL
    local = _chambers(L[tight] @ _perp_basis(v[None, :]))
    out = np.repeat((s > 0)[None, :], local.shape[0], axis=0)
    out[:, tight] = local
    return out


def _chambers(L: np.ndarray) -> np.ndarray:
    """Chambers of the essential central arrangement with distinct unit normals L (k, r)."""
    k, r = L.shape
    if r == 1:
        return np.array([L[:, 0] > 0, L[:, 0] < 0])
    if r == 2:
        return _chambers_rank2(L)
    found = []
    for sub in combinations(range(k), r - 1):
        A = L[list(sub)]
        if np.linalg.matrix_rank(A, tol=1e-10) < r - 1:
            continue
        v = _perp_basis(A)[:, 0]
        found.append(_local_chambers(L, v))
        found.append(_local_chambers(L, -v))
    return _unique_rows(np.vstack(found))


def _chambers_rank3(L: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """r = 3, vectorised: four chambers meet at each crossing of two great circles."""
    k = L.shape[0]
    I, J = np.triu_indices(k, 1)
    packed = []
    for start in range(0, I.size, chunk):
        i, j = I[start:start + chunk], J[start:start + chunk]
        V = np.cross(L[i], L[j])
        V /= np.linalg.norm(V, axis=1, keepdims=True)
        S = L @ V.T                                  # (k, pairs)
        tight = np.abs(S) <= _ON_PLANE_TOL
        general = tight.sum(axis=0) == 2
        cols = np.flatnonzero(general)
        for sgn in (1.0, -1.0):
            base = (sgn * S[:, cols] > 0).T          # (pairs, k)
            for a in (False, True):
                for b in (False, True):
                    pat = base.copy()
                    pat[np.arange(cols.size), i[cols]] = a
                    pat[np.arange(cols.size), j[cols]] = b
                    packed.append(np.packbits(pat, axis=1))
        for c in np.flatnonzero(~general):           # three or more circles through one point
            for sgn in (1.0, -1.0):
                packed.append(np.packbits(_local_chambers(L, sgn * V[c]), axis=1))
        if len(packed) > 64:
            packed = [np.unique(np.vstack(packed), axis=0)]
    allp = np.unique(np.vstack(packed), axis=0)
    return np.unpackbits(allp, axis=1, count=k).astype(bool)


def _unique_rows(B: np.ndarray) -> np.ndarray:
    if B.shape[0] == 0:
        return B.astype(bool)
    k = B.shape[1]
    return np.unpackbits(np.unique(np.packbits(B.astype(bool), axis=1), axis=0), axis=1, count=k).astype(bool)


def exact_pattern_bound(X) -> int:
    """Cover's count for X's distinct hyperplanes and rank: an upper bound on the number
    of exact patterns, computed without enumerating (what the size guard checks)."""
    X = check_X(X)
    r, V = _rank(X)
    L, _, _ = _distinct_lines(X @ V) if r else (np.zeros((0, 0)), None, None)
    return cover_count(L.shape[0], r)


def activation_patterns(X, *, method: str = "exact", samples: int | None = None,
                        seed: int | None = None) -> np.ndarray:
    """Distinct activation patterns ``1[X u ≥ 0]`` of the data, one per row, shape (P, n).

    method="exact" enumerates every chamber of the arrangement (see the module
    docstring for what is included and how degenerate data is treated); it
    raises ``ValueError`` before doing any work when Cover's bound for the data
    exceeds ``MAX_EXACT_PATTERNS`` (500,000) or, for rank ≥ 4, when more than
    3,000,000 hyperplane subsets would be examined.  method="sample" keeps the
    distinct patterns of ``samples`` directions u ~ N(0, I_d) (default 1,000),
    drawn with ``np.random.default_rng(seed)``.  Rows are sorted
    lexicographically (reproducible).
    """
    X = check_X(X)
    n, d = X.shape
    if method == "sample":
        samples = check_scalar("samples", 1000 if samples is None else samples)
        rng = np.random.default_rng(None if seed is None else check_scalar("seed", seed))
        U = rng.standard_normal((d, samples))
        out = []
        for s in range(0, samples, 8192):    # bound memory: n × 8192 booleans at a time
            out.append(np.packbits((X @ U[:, s:s + 8192]).T >= 0, axis=1))
        return np.unpackbits(np.unique(np.vstack(out), axis=0), axis=1, count=n).astype(bool)
    if method != "exact":
        raise ValueError(f"method={method!r} is not known; use 'exact' (the whole arrangement) "
                         "or 'sample' (random directions, Remark 3.3).")
    r, V = _rank(X)
    if r == 0:
        return np.ones((1, n), dtype=bool)
    L, line_of, sign_of = _distinct_lines(X @ V)
    k = L.shape[0]
    bound = cover_count(k, r)
    if bound > MAX_EXACT_PATTERNS:
        raise ValueError(f"X (n={n}, rank {r}) has up to {bound:,} activation patterns, more than the "
                         f"exact-enumeration limit of {MAX_EXACT_PATTERNS:,}; use "
                         "method='sample' with samples=... (Remark 3.3), or fewer points.")
    if r >= 4 and comb(k, r - 1) > _MAX_SUBSETS:
        raise ValueError(f"X has rank {r} and {k} distinct hyperplanes: exact enumeration would examine "
                         f"{comb(k, r - 1):,} subsets (limit {_MAX_SUBSETS:,}); use method='sample'.")
    if r == 3:
        # Edge walk with cell geometry (cvxcore.pricing); the pricing reuses it.
        from .pricing import build_arrangement, remember_cells
        arr = build_arrangement(X)
        P = arr.patterns()
        order = _lex_order(P)
        P = P[order]
        remember_cells(P, arr, order)
        return P
    cham = _chambers(L)
    # Back from distinct lines to rows: a row is on when its line's sign agrees.
    P = np.ones((cham.shape[0], n), dtype=bool)
    on = line_of >= 0
    lines = cham[:, line_of[on]]
    P[:, on] = np.where(sign_of[on] > 0, lines, ~lines)
    return _unique_rows(P)


def _lex_order(B: np.ndarray) -> np.ndarray:
    """Permutation sorting the rows of a bool matrix lexicographically (False < True)."""
    packed = np.packbits(B, axis=1)
    pad = (-packed.shape[1]) % 8
    if pad:
        packed = np.hstack([packed, np.zeros((packed.shape[0], pad), np.uint8)])
    words = np.ascontiguousarray(packed).view(">u8").astype(np.uint64)
    return np.lexsort(words.T[::-1])
