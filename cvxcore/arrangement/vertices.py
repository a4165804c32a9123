"""Chambers of an arrangement of any rank, by its vertices (rays).

Every chamber of an essential central arrangement in R^r is a pointed cone, so it has an
extreme ray: an intersection of r − 1 of the hyperplanes.  Around each such ray v the
chambers touching it are ``sign(Lv)`` off the hyperplanes through v, combined with the
chambers of the (r − 1)-dimensional arrangement of those through v (recursion).  For r = 3 in
general position this is "four cells at every crossing of two great circles".  It costs
O(k^{r−1}) ray evaluations: the route for rank ≥ 4 (3-D data with a bias); for rank ≤ 3 the
edge walk of :mod:`cvxcore.arrangement.walk` is used.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np

ON_PLANE_TOL = 1e-9      # |cos(ray, normal)| below this: the ray lies on the hyperplane


def unique_rows(B: np.ndarray) -> np.ndarray:
    """The distinct rows of a bool matrix, sorted lexicographically (False < True)."""
    if B.shape[0] == 0:
        return B.astype(bool)
    k = B.shape[1]
    return np.unpackbits(np.unique(np.packbits(B.astype(bool), axis=1), axis=0), axis=1, count=k).astype(bool)


def _rank2(L: np.ndarray) -> np.ndarray:
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


def _local(L: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Chambers having the ray v (unit) on their boundary, as sign vectors over L's lines."""
    s = L @ v
    tight = np.abs(s) <= ON_PLANE_TOL
    local = chambers(L[tight] @ _perp_basis(v[None, :]))
    out = np.repeat((s > 0)[None, :], local.shape[0], axis=0)
    out[:, tight] = local
    return out


def chambers(L: np.ndarray) -> np.ndarray:
    """Sign vectors (P, k) of the chambers of the essential arrangement with distinct unit
    normals L (k, r)."""
    k, r = L.shape
    if r == 1:
        return np.array([L[:, 0] > 0, L[:, 0] < 0])
    if r == 2:
        return _rank2(L)
    found = []
    for sub in combinations(range(k), r - 1):
        A = L[list(sub)]
        if np.linalg.matrix_rank(A, tol=1e-10) < r - 1:
            continue
        v = _perp_basis(A)[:, 0]
        found.append(_local(L, v))
        found.append(_local(L, -v))
    return unique_rows(np.vstack(found))
