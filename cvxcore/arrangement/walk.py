"""Building the cells of an arrangement of rank r ≤ 3 (:class:`cvxcore.arrangement.cells.Arrangement`).

A cell is identified by an exact integer hash of its sign vector over the k distinct lines,
Σ_l bit_l R_l with random integers R_l < 2^40 (two of them; sums of ≤ 8,000 such are exact in
float64), so grouping pieces of boundary by cell is one sort.

* r = 1: two cells, z > 0 and z < 0.
* r = 2: sort the 2k rays of the k lines by angle; a cell is the sector between consecutive
  rays (its midpoint gives its sign vector).
* r = 3: on every great circle {l_iᵀz = 0} sort its crossings with the other circles; the arcs
  between consecutive crossings are the *edges* of the arrangement.  The two cells beside an
  arc have the sign vector of its midpoint with the arc's own bit set to 0 and to 1.  Walking
  round circle i the sign vector changes only at crossings, where line j's bit flips, so the
  hashes of all arcs of a circle are a cumulative sum of ±R_j (O(k² log k) for all circles).
  Several circles through one point (lattices, symmetric data, collinear points) give
  coincident crossings: the arcs between them have zero length and are dropped, and the
  cumulative sum is anchored at the midpoint of the circle's longest arc.  Each cell's facets
  are exactly the lines of its edges.
"""
from __future__ import annotations

import numpy as np

from .cells import hash_keys

ARC_TOL = 1e-9          # crossings on a circle closer than this (radians) are one vertex


def hash_weights(k: int) -> np.ndarray:
    """Two columns of random integers in [0, 2^40): Σ over ≤ 8,000 of them is exact in float64."""
    rng = np.random.default_rng(20200712)
    return rng.integers(0, 2 ** 40, size=(k, 2)).astype(float)


def _circle_bases(L):
    """Orthonormal (e1, e2) spanning each plane l_iᵀu = 0, with e1 × e2 = l_i."""
    ax = np.eye(3)[np.argmin(np.abs(L), axis=1)]
    E1 = np.cross(L, ax)
    E1 /= np.linalg.norm(E1, axis=1, keepdims=True)
    E2 = np.cross(L, E1)
    return E1, E2


def edges_rank3(L, R):
    """Arcs between consecutive crossings on every great circle, with the hash of the cell
    on the arc's negative side: (line, a, b, midpoints, H (E, 2)); ``midpoints(e)`` gives the
    midpoints of the arcs e, wanted for one arc a cell only.

    Walking around circle i the sign vector changes only at crossings, where line j's bit
    flips: the hash is a cumulative sum of ±R_j from the value at one arc's midpoint
    (O(k² log k) for all circles instead of O(k³) for evaluating 1[L m > 0] at every arc).
    """
    k = L.shape[0]
    E1, E2 = _circle_bases(L)
    out = {key: [] for key in ("line", "A", "B", "mid", "H")}
    step = max(1, 1_000_000 // max(k, 1))
    for s in range(0, k, step):
        i = np.arange(s, min(k, s + step))
        ni = i.size
        c1, c2 = E1[i] @ L.T, E2[i] @ L.T               # (ni, k): l_jᵀ e1_i, l_jᵀ e2_i
        th = np.arctan2(-c1, c2)                         # one crossing of circle i with line j
        th[np.arange(ni), i] = np.nan
        th = np.mod(th, np.pi)
        T = np.concatenate([th, th + np.pi], axis=1)      # both crossings, (ni, 2k)
        order = np.argsort(T, axis=1)[:, :2 * (k - 1)]    # the two nan (j = i) sort last
        T = np.take_along_axis(T, order, axis=1)
        J = order % k                                     # the line crossing there
        # bit of line j just after the crossing: sign of d/dφ l_jᵀu(φ) = −c1 sin φ + c2 cos φ
        cj1, cj2 = np.take_along_axis(c1, J, axis=1), np.take_along_axis(c2, J, axis=1)
        up = (-cj1 * np.sin(T) + cj2 * np.cos(T)) > 0
        Tn = np.concatenate([T[:, 1:], T[:, :1] + 2 * np.pi], axis=1)
        sgn = np.where(up, 1.0, -1.0)
        C = np.cumsum(sgn[:, :, None] * R[J], axis=1)     # arc t starts at crossing t
        # The sign vector is evaluated at the midpoint of each circle's longest arc, the point
        # farthest from every crossing (at least π/(2k) away), and carried to the other arcs by
        # the crossings' ±R_j.  Any arc can be a zero-length one between coincident crossings
        # (several circles through one point, as on lattices and symmetric data); a sign vector
        # read there has bits of lines through the vertex that rounding decides.
        ref = np.argmax(Tn - T, axis=1)
        rows = np.arange(ni)
        phi = (T[rows, ref] + Tn[rows, ref]) / 2
        mw = np.cos(phi)[:, None] * E1[i] + np.sin(phi)[:, None] * E2[i]
        Sw = (mw @ L.T) > 0
        Sw[rows, i] = False
        H = (Sw.astype(float) @ R - C[rows, ref])[:, None, :] + C
        keep = (Tn - T) > ARC_TOL                        # several lines through one point: one vertex
        # the ray at every crossing, once: arc t runs from crossing t to crossing t + 1
        cos, sin = np.cos(T)[:, :, None], np.sin(T)[:, :, None]
        rays = cos * E1[i][:, None, :] + sin * E2[i][:, None, :]
        row = np.broadcast_to(np.arange(ni)[:, None], T.shape)[keep]
        out["line"].append(i[row])
        out["A"].append(rays[keep])
        out["B"].append(np.roll(rays, -1, axis=1)[keep])
        out["mid"].append((T[keep] + Tn[keep]) / 2)
        out["H"].append(H[keep])
    line = np.concatenate(out["line"])
    mid = np.concatenate(out["mid"])

    def midpoints(e):
        """The midpoint of each arc e (unit vectors)."""
        t = mid[e]
        return np.cos(t)[:, None] * E1[line[e]] + np.sin(t)[:, None] * E2[line[e]]

    return line, np.vstack(out["A"]), np.vstack(out["B"]), midpoints, np.vstack(out["H"])


def _sort_keys(keys: np.ndarray) -> np.ndarray:
    """The stable order of complex keys (real part first, then imaginary): by the real part
    alone as integers (exact: both parts are integers below 2^53), which is the same order
    unless two different keys share a real part — then the complex sort."""
    order = np.argsort(keys.real.astype(np.int64), kind="stable")
    ks = keys[order]
    same_real = ks.real[1:] == ks.real[:-1]
    if np.any(same_real & (ks.imag[1:] != ks.imag[:-1])):
        return np.argsort(keys, kind="stable")
    return order


def build_rank3(L, R):
    line, A, B, midpoints, H = edges_rank3(L, R)
    E = line.size
    # the two cells beside arc e: its line's bit 0 (side −) and 1 (side +)
    keys = np.concatenate([hash_keys(H), hash_keys(H + R[line])])
    side = np.concatenate([np.zeros(E, bool), np.ones(E, bool)])
    edge = np.concatenate([np.arange(E), np.arange(E)])
    order = _sort_keys(keys)
    ks = keys[order]
    new = np.concatenate([[True], ks[1:] != ks[:-1]])
    ukeys = ks[new]
    cell = np.cumsum(new) - 1
    ptr = np.concatenate([np.flatnonzero(new), [ks.size]])
    e, sd = edge[order], side[order]
    N = np.where(sd[:, None], L[line[e]], -L[line[e]])
    first = ptr[:-1]
    inc_cell = np.empty(2 * E, dtype=np.int64)
    inc_cell[order] = cell
    return dict(keys=ukeys, rep_mid=midpoints(e[first]), rep_line=line[e[first]], rep_side=sd[first], ptr=ptr,
                N=N, A=A[e], B=B[e], line=line[e], adj=np.stack([inc_cell[:E], inc_cell[E:]], axis=1), adj_line=line)


def build_rank2(L, R):
    ang = np.arctan2(L[:, 0], -L[:, 1])
    rays = np.sort(np.mod(np.concatenate([ang, ang + np.pi]), 2 * np.pi))
    nxt = np.roll(rays, -1)
    nxt[-1] += 2 * np.pi
    mids = (rays + nxt) / 2

    def ray(t):
        return np.stack([np.cos(t), np.sin(t)], axis=1)

    M = ray(mids)
    S = (M @ L.T) > 0
    keys = hash_keys(S.astype(float) @ R)
    order = np.argsort(keys)
    P = keys.size
    pos = np.empty(P, dtype=np.int64)
    pos[order] = np.arange(P)
    ray_line = np.argsort(np.mod(np.concatenate([ang, ang + np.pi]), 2 * np.pi)) % L.shape[0]
    # sectors t and t+1 share the ray t+1; the one with lᵀm > 0 has the bit
    nl = ray_line[(np.arange(P) + 1) % P]
    t_has = np.einsum("ij,ij->i", M, L[nl]) > 0
    a_cell, b_cell = np.where(t_has, np.roll(pos, -1), pos), np.where(t_has, pos, np.roll(pos, -1))
    return dict(keys=keys[order], rep_mid=M[order], rep_line=np.full(P, -1), rep_side=np.zeros(P, bool),
                ptr=np.arange(P + 1), N=np.zeros((P, 2)), A=ray(rays)[order], B=ray(nxt)[order],
                line=np.full(P, -1), adj=np.stack([a_cell, b_cell], axis=1), adj_line=nl)


def build_rank1(L, R):
    M = np.array([[1.0], [-1.0]])
    S = (M @ L.T) > 0
    keys = hash_keys(S.astype(float) @ R)
    order = np.argsort(keys)
    return dict(keys=keys[order], rep_mid=M[order], rep_line=np.full(2, -1), rep_side=np.zeros(2, bool),
                ptr=np.arange(3), N=np.zeros((2, 1)), A=M[order], B=M[order], line=np.full(2, -1),
                adj=np.zeros((0, 2), dtype=np.int64), adj_line=np.zeros(0, dtype=np.int64))
