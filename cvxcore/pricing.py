"""Exact, vectorised pricing of every activation pattern for data of rank ≤ 3.

The dual constraint of (4) splits over the cells K_i = {u : (2D_i − I) X u ≥ 0}
of the arrangement (MATH.md §2): for a dual point v and g_i = Xᵀ D_i v,

    max_{u ∈ K_i, ‖u‖ ≤ 1} vᵀ(Xu)₊  =  max_{u ∈ K_i, ‖u‖ ≤ 1} g_iᵀu  =  ‖Π_{K_i}(g_i)‖.

For rank r ≤ 3 (1-D or 2-D data, with or without a bias) every cell is a
pointed polyhedral cone of dimension ≤ 3 whose boundary is known explicitly,
so the projection needs no iterative solver:

* r = 1: K = {σz ≥ 0} on a line:  value = (σ g)₊.
* r = 2: K = cone(a, b), a sector between two consecutive rays of the
  arrangement:  value = ‖g‖ if g ∈ K, else max(aᵀg, bᵀg, 0).
* r = 3: K is bounded by *edges* of the arrangement: arcs of the great circle
  {u : l_iᵀu = 0} between consecutive crossings a, b with other circles.
  Each edge is the facet sector F = cone(a, b) with inward normal n = ±l_i.
  If g ∈ K (nᵀg ≥ 0 on every edge of the cell) the value is ‖g‖; otherwise
  the maximiser lies on the boundary, i.e. on some sector F, where
  max_{u ∈ F, ‖u‖ ≤ 1} gᵀu is ‖p‖ for p = g − (nᵀg)n when p ∈ cone(a, b),
  else max(aᵀg, bᵀg, 0).  The cell's value is the largest of these — every
  candidate is a feasible point, and the true maximiser is among them.

The same edges *enumerate* the cells (:func:`build_arrangement`): sort the
crossings on each great circle, take the arcs between consecutive ones; the
two cells beside an arc are ``1[L m > 0]`` at its midpoint m with the arc's own
bit set to 1 and to 0.  A cell is identified by an exact integer hash of its
sign vector (Σ_l bit_l R_l with random integers R_l < 2^40, two of them, exact
in float64), so grouping the arcs by cell is one sort.  Each cell's facets
are exactly the lines of its edges, which is what the working-set solver uses
as its cone constraints (a handful per cell instead of n).

The reference route is NNLS (:func:`cvxcore.certificate.cone_projection_norm`)
over all n rows; tests check one against the other.  Patterns this module
cannot match to a cell of X's arrangement (e.g. sampled with ties, or rank
≥ 4) are priced by NNLS, screened by ‖Π_K(g)‖ ≤ ‖g‖.
"""
from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

_ARC_TOL = 1e-9          # crossings on a circle closer than this (radians) are one vertex
_IN_TOL = 1e-12          # relative slack when testing "p lies in the sector" (errs upward: safe)
_CHUNK = 8192
_DIRECT_MAX = 400_000    # P·n up to which g_c = Xᵀ D_c v is one dense product (≤ 3.2 MB of patterns)


def _hash_weights(k: int) -> np.ndarray:
    """Two columns of random integers in [0, 2^40): Σ over ≤ 8,000 of them is exact in float64."""
    rng = np.random.default_rng(20200712)
    return rng.integers(0, 2 ** 40, size=(k, 2)).astype(float)


def _keys(H: np.ndarray) -> np.ndarray:
    """Two exact integer hashes → one complex key (numpy sorts complex lexicographically)."""
    return H[:, 0] + 1j * H[:, 1]


@dataclass
class Arrangement:
    """Cells of X's hyperplane arrangement with their boundary (rank r ≤ 3).

    Row space coordinates: z = V_rᵀ u; the distinct hyperplanes have unit
    normals ``L (k, r)``; row j of X lies on line ``line_of[j]`` with sign
    ``sign_of[j]`` (line −1: a zero row, on for every u).  Cell c has sign
    vector ``bits(c) (k,)`` over the lines.  Its boundary pieces are the
    incidences ``ptr[c]:ptr[c+1]`` (rows of N, A, B, line): inward normal N,
    sector rays A, B (unit); for r ≤ 2 one piece per cell with N = 0.
    """
    r: int
    Vr: np.ndarray
    L: np.ndarray
    line_of: np.ndarray
    sign_of: np.ndarray
    keys: np.ndarray          # (P,) sorted cell keys
    rep_mid: np.ndarray       # (P, r) a point on the boundary or inside of each cell
    rep_line: np.ndarray      # (P,) line the point lies on (−1: interior point)
    rep_side: np.ndarray      # (P,) bit of that line for the cell
    ptr: np.ndarray
    N: np.ndarray
    A: np.ndarray
    B: np.ndarray
    line: np.ndarray
    adj: np.ndarray           # (E, 2) cells sharing a facet: (bit 0, bit 1) of line adj_line
    adj_line: np.ndarray      # (E,) the hyperplane between them
    R: np.ndarray             # (k, 2) hash weights
    dense: np.ndarray | None = None   # (P, n) 0/1 patterns as floats when P·n ≤ _DIRECT_MAX

    @property
    def n_cells(self) -> int:
        return self.keys.shape[0]

    def cell_bits(self, idx=None) -> np.ndarray:
        """Sign vectors over the lines, (len(idx), k) bool."""
        idx = np.arange(self.n_cells) if idx is None else np.asarray(idx)
        out = np.empty((idx.size, self.L.shape[0]), dtype=bool)
        for s in range(0, idx.size, _CHUNK):
            j = idx[s:s + _CHUNK]
            S = (self.rep_mid[j] @ self.L.T) > 0
            on = self.rep_line[j] >= 0
            S[np.flatnonzero(on), self.rep_line[j][on]] = self.rep_side[j][on]
            out[s:s + _CHUNK] = S
        return out

    def patterns(self, idx=None) -> np.ndarray:
        """Activation patterns over the rows of X, (len(idx), n) bool, in cell order."""
        bits = self.cell_bits(idx)
        out = np.ones((bits.shape[0], self.line_of.size), dtype=bool)
        on = self.line_of >= 0
        lines = bits[:, self.line_of[on]]
        out[:, on] = np.where(self.sign_of[on] > 0, lines, ~lines)
        return out

    def lookup(self, patterns: np.ndarray) -> np.ndarray:
        """Cell index of each pattern row (−1 when it is not a cell of this arrangement)."""
        k = self.L.shape[0]
        first = np.full(k, -1)
        on = np.flatnonzero(self.line_of >= 0)
        first[self.line_of[on[::-1]]] = on[::-1]          # first row of each line
        out = np.full(patterns.shape[0], -1)
        for s in range(0, patterns.shape[0], _CHUNK):
            Pc = patterns[s:s + _CHUNK]
            bits = Pc[:, first] ^ (self.sign_of[first] < 0)
            keys = _keys(bits.astype(float) @ self.R)
            pos = np.minimum(np.searchsorted(self.keys, keys), self.n_cells - 1)
            hit = self.keys[pos] == keys
            # the whole row must agree: rows of one line share (or oppose) a bit, zero rows are on
            exp = np.ones_like(Pc)
            exp[:, on] = np.where(self.sign_of[on] > 0, bits[:, self.line_of[on]], ~bits[:, self.line_of[on]])
            hit &= np.all(exp == Pc, axis=1)
            out[s:s + _CHUNK] = np.where(hit, pos, -1)
        return out

    @property
    def n_samples(self) -> int:
        return int(self.line_of.size)

    def interior_point(self, c: int) -> np.ndarray:
        """A unit direction u ∈ R^d strictly inside cell c: (2D_c − I) X u > 0 on every row
        that is not zero (rank 3: the sum of the cell's vertex rays, which lies in the interior
        of the pointed cone they span; rank ≤ 2: the sector's bisector)."""
        if self.r == 3:
            sl = slice(self.ptr[c], self.ptr[c + 1])
            z = self.A[sl].sum(axis=0) + self.B[sl].sum(axis=0)
        else:
            z = self.rep_mid[c]
        u = self.Vr @ z
        return u / np.linalg.norm(u)

    def cell_of(self, U) -> np.ndarray:
        """Index of the cell that contains each direction u (rows of ``U`` (k, d), or one u (d,)).

        A u on hyperplanes (x_iᵀu = 0) lies on the boundary of several cells; it is assigned to
        the cell entered from u along a fixed generic direction (a symbolic perturbation), so
        every u gets a cell (−1 only for u with no component in the row space of X)."""
        U = np.atleast_2d(np.asarray(U, dtype=float))
        Z = U @ self.Vr
        S = Z @ self.L.T
        g = np.random.default_rng(31415).standard_normal(self.r)
        tie = np.abs(S) <= 1e-12 * np.linalg.norm(Z, axis=1, keepdims=True)
        bits = np.where(tie, (self.L @ g)[None, :] > 0, S > 0)
        keys = _keys(bits.astype(float) @ self.R)
        pos = np.minimum(np.searchsorted(self.keys, keys), self.n_cells - 1)
        return np.where(self.keys[pos] == keys, pos, -1)

    def neighbours(self, c: int) -> np.ndarray:
        """The cells that share a facet with cell c (sorted)."""
        a, b = self.adj[:, 0], self.adj[:, 1]
        return np.unique(np.concatenate([b[a == c], a[b == c]]))

    def facets(self, c: int) -> np.ndarray:
        """Inward unit normals in R^d of cell c's facets: K_c = {u : N u ≥ 0}."""
        sl = slice(self.ptr[c], self.ptr[c + 1])
        if self.r == 3:
            lines, first = np.unique(self.line[sl], return_index=True)
            Nr = self.N[sl][first]
        elif self.r == 2:
            a, b = self.A[self.ptr[c]], self.B[self.ptr[c]]
            na = np.array([-a[1], a[0]]); na *= np.sign(na @ b)   # ⊥ a, towards b
            nb = np.array([-b[1], b[0]]); nb *= np.sign(nb @ a)
            Nr = np.vstack([na, nb])
        else:
            Nr = self.A[sl]
        return Nr @ self.Vr.T

    # -- pricing ---------------------------------------------------------------------------
    def price(self, Gr: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """‖Π_{K_c}(g)‖ for g = Gr[j] (row-space coordinates) and c = cells[j]."""
        return self.price_pm(Gr, cells, minus=False)[0]

    def price_pm(self, Gr: np.ndarray, cells: np.ndarray, minus: bool = True):
        """(‖Π_{K_c}(g)‖, ‖Π_{K_c}(−g)‖) for g = Gr[j] and c = cells[j]; the second is None
        unless ``minus``.  Both signs share the edge geometry (rank 3: the five inner products
        per edge change sign, the in-plane projection's norm does not)."""
        if cells.size == 0:
            return np.zeros(0), (np.zeros(0) if minus else None)
        if self.r <= 2:
            one = (lambda G: np.maximum(G[:, 0] * self.A[cells, 0], 0.0)) if self.r == 1 else \
                  (lambda G: _sector_value(G, G, self.A[cells], self.B[cells], None, rank2=True))
            return one(Gr), (one(-Gr) if minus else None)
        # r = 3: gather every edge of the requested cells
        cnt = self.ptr[cells + 1] - self.ptr[cells]
        owner = np.repeat(np.arange(cells.size), cnt)
        start = np.repeat(self.ptr[cells] - np.cumsum(cnt) + cnt, cnt)
        e = start + np.arange(owner.size)
        g = Gr[owner]
        # five inner products per edge: nᵀg, t_aᵀg, t_bᵀg, aᵀg, bᵀg, where t_a = c × a and
        # t_b = b × c (c = a × b / ‖a × b‖) are the in-plane inward normals of the sector's
        # rays; as they are ⊥ n, p = g − (nᵀg)n lies in cone(a, b) iff t_aᵀg ≥ 0 and t_bᵀg ≥ 0.
        if e.size == self.frame.shape[0] and np.array_equal(e, np.arange(e.size)):
            Fr, Ne = self.frame, self.N            # every cell in order (the solver's pricing): no gather
        else:
            Fr, Ne = self.frame[e], self.N[e]
        D = np.einsum("ei,eik->ek", g, Fr)       # (E, 5); one pass (broadcasting: 2× slower)
        gn = np.linalg.norm(Gr, axis=1)
        tol = _IN_TOL * gn[owner]
        pn = np.linalg.norm(g - D[:, :1] * Ne, axis=1)   # not √(‖g‖² − (nᵀg)²): cancellation
        bounds = np.concatenate([[0], np.cumsum(cnt)[:-1]])

        def value(sign):
            Ds = D if sign > 0 else -D
            inside = (Ds[:, 1] >= -tol) & (Ds[:, 2] >= -tol)
            val = np.where(inside, pn, np.maximum(np.maximum(Ds[:, 3], Ds[:, 4]), 0.0))
            worst = np.minimum.reduceat(Ds[:, 0], bounds)     # min over the cell's facets of nᵀg
            best = np.maximum.reduceat(val, bounds)
            return np.maximum(best, np.where(worst >= -_IN_TOL * gn, gn, 0.0))
        return value(1), (value(-1) if minus else None)

    def _tree(self):
        """A BFS spanning tree of the cell adjacency graph, grouped by depth:
        [(children, parents, line, ±1)], ±1 = +1 when the child has the line's bit."""
        if getattr(self, "_levels", None) is not None:
            return self._levels
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import breadth_first_order
        P = self.n_cells
        a, b = self.adj[:, 0], self.adj[:, 1]
        if P < 2 or a.size == 0:
            self._levels = []
            return self._levels
        Gm = coo_matrix((np.ones(a.size), (a, b)), shape=(P, P)).tocsr()
        order, pred = breadth_first_order(Gm, 0, directed=False, return_predecessors=True)
        # tree edges among the adjacency records
        fwd = pred[b] == a                                  # child b (has the bit), parent a
        bwd = pred[a] == b                                  # child a, parent b
        child = np.concatenate([b[fwd], a[bwd]])
        parent = np.concatenate([a[fwd], b[bwd]])
        line = np.concatenate([self.adj_line[fwd], self.adj_line[bwd]])
        sgn = np.concatenate([np.ones(fwd.sum()), -np.ones(bwd.sum())])
        child, first = np.unique(child, return_index=True)
        self._levels = _levels_by_depth(child, parent[first], line[first], sgn[first], P)
        return self._levels

    def cell_correlations(self, X, v) -> np.ndarray:
        """g_c = Xᵀ D_c v for every cell c, (P, d), in O(P d + n d) by walking the tree:
        crossing line l into its bit-1 side adds Σ_{rows j on l} sign_j v_j x_j."""
        n, d = X.shape
        P = self.n_cells
        if self.dense is not None and self.dense.shape == (P, n):
            # small arrangements (the app's n ≤ 60): one product with the cells' 0/1 patterns
            # beats the level-by-level walk, whose ~n levels cost a few numpy calls each
            return self.dense @ (v[:, None] * X)
        on = self.line_of >= 0
        Wl = np.zeros((self.L.shape[0], d))
        np.add.at(Wl, self.line_of[on], (self.sign_of[on] * v[on])[:, None] * X[on])
        G = np.empty((P, d))
        G[0] = self.patterns(np.array([0]))[0].astype(float) @ (v[:, None] * X)
        levels = self._tree()
        if not levels and P > 1:                     # rank 1: two cells, direct
            G[1:] = self.patterns(np.arange(1, P)).astype(float) @ (v[:, None] * X)
        for ch, par, ln, sg in levels:
            G[ch] = G[par] + sg[:, None] * Wl[ln]
        return G

    @property
    def frame(self) -> np.ndarray:
        """(E, 3, 5): per edge the columns n, t_a, t_b, a, b (see :meth:`price`)."""
        if getattr(self, "_frame", None) is None:
            C = np.cross(self.A, self.B)
            C /= np.linalg.norm(C, axis=1, keepdims=True)
            self._frame = np.stack([self.N, np.cross(C, self.A), np.cross(self.B, C), self.A, self.B], axis=2)
        return self._frame

    def argmax(self, gr: np.ndarray, c: int) -> np.ndarray:
        """A unit maximiser u ∈ K_c (row-space coordinates) of gᵀu, or 0 if the value is 0."""
        sl = slice(self.ptr[c], self.ptr[c + 1])
        gn = np.linalg.norm(gr)
        if gn == 0:
            return np.zeros(self.r)
        if self.r == 1:
            a = self.A[c]
            return a if gr @ a > 0 else np.zeros(1)
        cands = []
        A, B = self.A[sl], self.B[sl]
        if self.r == 2:
            if _in_sector(gr[None], A, B)[0]:
                return gr / gn
        else:
            N = self.N[sl]
            if np.all(N @ gr >= -_IN_TOL * gn):
                return gr / gn
            P = gr[None] - (N @ gr)[:, None] * N
            ok = _in_sector(P, A, B)
            cands += [p for p in P[ok]]
        cands += list(A) + list(B)
        cands = [u / np.linalg.norm(u) for u in cands if np.linalg.norm(u) > 0]
        vals = [gr @ u for u in cands]
        j = int(np.argmax(vals))
        return cands[j] if vals[j] > 0 else np.zeros(self.r)


def _in_sector(P, A, B):
    """p ∈ cone(a, b) (row-wise), for unit a, b spanning an angle < π."""
    if A.shape[1] == 2:
        det = A[:, 0] * B[:, 1] - A[:, 1] * B[:, 0]
        al = (P[:, 0] * B[:, 1] - P[:, 1] * B[:, 0]) / det
        be = (A[:, 0] * P[:, 1] - A[:, 1] * P[:, 0]) / det
    else:
        C = np.cross(A, B)
        cc = np.einsum("ij,ij->i", C, C)
        al = np.einsum("ij,ij->i", np.cross(P, B), C) / cc
        be = np.einsum("ij,ij->i", np.cross(A, P), C) / cc
    tol = -_IN_TOL * np.linalg.norm(P, axis=1)
    return (al >= tol) & (be >= tol)


def _sector_value(g, p, A, B, _unused, rank2):
    """max over u ∈ cone(a, b), ‖u‖ ≤ 1 of gᵀu, where p is g projected on the sector's plane."""
    inside = _in_sector(p, A, B)
    ends = np.maximum(np.einsum("ij,ij->i", A, g), np.einsum("ij,ij->i", B, g))
    return np.where(inside, np.linalg.norm(p, axis=1), np.maximum(ends, 0.0))


# -- enumeration --------------------------------------------------------------------------------
def _circle_bases(L):
    """Orthonormal (e1, e2) spanning each plane l_iᵀu = 0, with e1 × e2 = l_i."""
    ax = np.eye(3)[np.argmin(np.abs(L), axis=1)]
    E1 = np.cross(L, ax)
    E1 /= np.linalg.norm(E1, axis=1, keepdims=True)
    E2 = np.cross(L, E1)
    return E1, E2


def _edges_rank3(L, R):
    """Arcs between consecutive crossings on every great circle, with the hash of the cell
    on the arc's negative side: (line, a, b, midpoint, H (E, 2)).

    Walking around circle i the sign vector changes only at crossings, where line j's bit
    flips: the hash is a cumulative sum of ±R_j from the value at one arc's midpoint
    (O(k² log k) for all circles instead of O(k³) for evaluating 1[L m > 0] at every arc).
    """
    k = L.shape[0]
    E1, E2 = _circle_bases(L)
    out = {key: [] for key in ("line", "A", "B", "M", "H")}
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
        keep = (Tn - T) > _ARC_TOL                        # several lines through one point: one vertex
        row = np.broadcast_to(np.arange(ni)[:, None], T.shape)[keep]
        st, en = T[keep], Tn[keep]
        ii = i[row]
        ray = lambda t: np.cos(t)[:, None] * E1[ii] + np.sin(t)[:, None] * E2[ii]
        out["line"].append(ii); out["A"].append(ray(st)); out["B"].append(ray(en))
        out["M"].append(ray((st + en) / 2)); out["H"].append(H[keep])
    return tuple(np.concatenate(out[key]) if key == "line" else np.vstack(out[key])
                 for key in ("line", "A", "B", "M", "H"))


def _build_rank3(L, R):
    line, A, B, M, H = _edges_rank3(L, R)
    E = line.size
    # the two cells beside arc e: its line's bit 0 (side −) and 1 (side +)
    keys = np.concatenate([_keys(H), _keys(H + R[line])])
    side = np.concatenate([np.zeros(E, bool), np.ones(E, bool)])
    edge = np.concatenate([np.arange(E), np.arange(E)])
    order = np.argsort(keys, kind="stable")
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
    return dict(keys=ukeys, rep_mid=M[e[first]], rep_line=line[e[first]], rep_side=sd[first], ptr=ptr,
                N=N, A=A[e], B=B[e], line=line[e], adj=np.stack([inc_cell[:E], inc_cell[E:]], axis=1), adj_line=line)


def _build_rank2(L, R):
    ang = np.arctan2(L[:, 0], -L[:, 1])
    rays = np.sort(np.mod(np.concatenate([ang, ang + np.pi]), 2 * np.pi))
    nxt = np.roll(rays, -1)
    nxt[-1] += 2 * np.pi
    mids = (rays + nxt) / 2
    ray = lambda t: np.stack([np.cos(t), np.sin(t)], axis=1)
    M = ray(mids)
    S = (M @ L.T) > 0
    keys = _keys(S.astype(float) @ R)
    order = np.argsort(keys)
    P = keys.size
    pos = np.empty(P, dtype=np.int64)
    pos[order] = np.arange(P)
    ray_line = np.argsort(np.mod(np.concatenate([ang, ang + np.pi]), 2 * np.pi)) % L.shape[0]
    # sectors t and t+1 share the ray t+1; the one with lᵀm > 0 has the bit
    nl = ray_line[(np.arange(P) + 1) % P]
    m_next = np.roll(M, -1, axis=0)
    t_has = np.einsum("ij,ij->i", M, L[nl]) > 0
    a_cell, b_cell = np.where(t_has, np.roll(pos, -1), pos), np.where(t_has, pos, np.roll(pos, -1))
    return dict(keys=keys[order], rep_mid=M[order], rep_line=np.full(P, -1), rep_side=np.zeros(P, bool),
                ptr=np.arange(P + 1), N=np.zeros((P, 2)), A=ray(rays)[order], B=ray(nxt)[order],
                line=np.full(P, -1), adj=np.stack([a_cell, b_cell], axis=1), adj_line=nl)


def _build_rank1(L, R):
    M = np.array([[1.0], [-1.0]])
    S = (M @ L.T) > 0
    keys = _keys(S.astype(float) @ R)
    order = np.argsort(keys)
    return dict(keys=keys[order], rep_mid=M[order], rep_line=np.full(2, -1), rep_side=np.zeros(2, bool),
                ptr=np.arange(3), N=np.zeros((2, 1)), A=M[order], B=M[order], line=np.full(2, -1),
                adj=np.zeros((0, 2), dtype=np.int64), adj_line=np.zeros(0, dtype=np.int64))


class _Recent:
    """A thread-safe least-recently-used map bounded by the bytes of the numpy arrays it holds.

    Thirty sessions of the app solve thirty data sets at once; with room for 4 arrangements
    the solver's and the certificate's look-ups of the same data evicted each other and every
    arrangement was built twice (17 % of the server's time under load).  An arrangement of
    60 points takes ~1 MB, one of 500 points ~150 MB: the budget, not a count, bounds it."""

    def __init__(self, budget_bytes: int):
        import threading
        self.budget, self.used = budget_bytes, 0
        self.items: "OrderedDict[bytes, tuple]" = OrderedDict()
        self.lock = threading.Lock()

    @staticmethod
    def _size(value) -> int:
        parts = value.__dict__.values() if hasattr(value, "__dict__") else value
        return sum(getattr(p, "nbytes", 0) for p in parts) + 1024

    def get(self, key):
        with self.lock:
            hit = self.items.get(key)
            if hit is not None:
                self.items.move_to_end(key)
                return hit[0]
            return None

    def put(self, key, value) -> None:
        size = self._size(value)
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.used -= old[1]
            self.items[key] = (value, size)
            self.used += size
            while self.used > self.budget and len(self.items) > 1:
                _, (_, sz) = self.items.popitem(last=False)
                self.used -= sz


_CACHE = _Recent(256 << 20)


def arrangement(X) -> Arrangement:
    """The hyperplane arrangement of the rows of X (rank 1–3): its cells, their facets and
    adjacency.  ``ValueError`` for other ranks or when Cover's count exceeds the exact limit."""
    from .params import MAX_EXACT_PATTERNS, check_X
    from .patterns import exact_pattern_bound
    X = check_X(X)
    bound = exact_pattern_bound(X)
    if bound > MAX_EXACT_PATTERNS:
        raise ValueError(f"X (n={X.shape[0]}) has up to {bound:,} activation patterns, more than the "
                         f"exact limit of {MAX_EXACT_PATTERNS:,}; use fewer points, or sampled patterns "
                         "(activation_patterns(X, method='sample')).")
    arr = build_arrangement(X)
    if arr is None:
        raise ValueError(f"X has rank {np.linalg.matrix_rank(X)}; the cell geometry is built for rank 1, 2 "
                         "or 3 (1-D or 2-D data, with or without a bias); use activation_patterns(X).")
    return arr


def build_arrangement(X: np.ndarray) -> Arrangement | None:
    """The cells of X's arrangement with their boundaries, or None when rank(X) ∉ {1, 2, 3}.

    Cached by the bytes of X (the app re-prices the same data many times).
    """
    from .patterns import _distinct_lines, _rank
    X = np.ascontiguousarray(X, dtype=float)
    key = hashlib.sha1(X.tobytes() + str(X.shape).encode()).digest()
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    r, Vr = _rank(X)
    if r not in (1, 2, 3):
        return None
    L, line_of, sign_of = _distinct_lines(X @ Vr)
    R = _hash_weights(L.shape[0])
    parts = {1: _build_rank1, 2: _build_rank2, 3: _build_rank3}[r](L, R)
    arr = Arrangement(r=r, Vr=Vr, L=L, line_of=line_of, sign_of=sign_of, R=R, **parts)
    # the pricing's derived arrays, made now rather than on first use so that the byte-bounded
    # cache counts them (together 2–3× the rest of an arrangement at n ≤ 60)
    if r == 3:
        arr.frame                                   # the per-edge frame, kept by the property
    if arr.n_cells * X.shape[0] <= _DIRECT_MAX:
        arr.dense = arr.patterns(np.arange(arr.n_cells)).astype(float)
    _CACHE.put(key, arr)
    return arr


# -- pricing of a pattern list -----------------------------------------------------------------
_LOOKUPS: dict[int, tuple] = {}


def cell_index(arr: Arrangement, patterns: np.ndarray) -> np.ndarray:
    """arr.lookup(patterns), remembered for the lifetime of the ``patterns`` array."""
    key = id(patterns)
    hit = _LOOKUPS.get(key)
    if hit is not None and hit[0]() is patterns and hit[1] is arr and hit[2] == patterns.shape:
        return hit[3]
    digest = _digest(patterns)
    hit = _BY_CONTENT.get(digest)
    if hit is not None and hit[0] is arr:
        idx = hit[1]
    else:
        idx = arr.lookup(patterns)
        _remember_content(digest, arr, idx)
    try:
        ref = weakref.ref(patterns, lambda _r, k=key: _LOOKUPS.pop(k, None))
        _LOOKUPS[key] = (ref, arr, patterns.shape, idx)
    except TypeError:
        pass
    return idx


_BY_CONTENT = _Recent(64 << 20)        # pattern-matrix digest → (arrangement, cell of each row)


def _digest(patterns: np.ndarray) -> bytes:
    """Content key of a pattern matrix (a copy made by ``astype(bool)`` hits the cache too)."""
    a = np.ascontiguousarray(patterns, dtype=bool)
    return hashlib.sha1(a.view(np.uint8).data).digest() + str(a.shape).encode()


def _remember_content(digest, arr, idx):
    _BY_CONTENT.put(digest, (arr, idx))


def pattern_correlations(X, V, patterns, chunk: int = _CHUNK):
    """G = [Xᵀ D_i v]_i for each column v of V (n, q): array (q, P, d), in chunks of patterns."""
    V = np.atleast_2d(np.asarray(V, dtype=float).T).T if np.ndim(V) == 1 else np.asarray(V, dtype=float)
    n, q = V.shape
    P, d = patterns.shape[0], X.shape[1]
    out = np.empty((q, P, d))
    VX = (V.T[:, :, None] * X[None]).transpose(1, 0, 2).reshape(n, q * d)   # (n, q·d)
    for s in range(0, P, chunk):
        out[:, s:s + chunk] = (patterns[s:s + chunk].astype(float) @ VX).reshape(-1, q, d).transpose(1, 0, 2)
    return out


def nnls_value(X, pattern, g):
    """Reference: ‖Π_K(g)‖ for K = {u : (2D − I) X u ≥ 0} by NNLS (Moreau), and the projection."""
    A = np.where(pattern[:, None], X, -X)
    mu, _ = nnls(A.T, -g, maxiter=50 * A.shape[0] + 100)
    proj = g + A.T @ mu
    return float(np.linalg.norm(proj)), proj


def price_patterns_pm(X, G, patterns, threshold: float = 0.0, *, arrangement="auto", minus: bool = True):
    """(‖Π_{K_i}(g_i)‖, ‖Π_{K_i}(−g_i)‖) for the rows g_i of G (P, d); the second is None
    unless ``minus`` (both signs share the edge geometry of :meth:`Arrangement.price_pm`).

    Exact for every pattern matched to a cell of X's arrangement (rank ≤ 3);
    for the others exact wherever ‖g_i‖ > ``threshold`` (NNLS) and ‖g_i‖
    (an upper bound ≤ threshold) elsewhere.
    """
    arr = build_arrangement(X) if arrangement == "auto" else arrangement
    norms = np.linalg.norm(G, axis=1)
    plus = norms.copy()
    neg = norms.copy() if minus else None
    if arr is not None:
        idx = cell_index(arr, patterns)
        hit = np.flatnonzero((idx >= 0) & (norms > threshold))   # ‖Π_K(g)‖ ≤ ‖g‖ ≤ threshold otherwise
        for s in range(0, hit.size, 1 << 16):
            h = hit[s:s + (1 << 16)]
            p, m = arr.price_pm(G[h] @ arr.Vr, idx[h], minus=minus)
            plus[h] = p
            if minus:
                neg[h] = m
        rest = np.flatnonzero(idx < 0)
    else:
        rest = np.arange(G.shape[0])
    for i in rest[norms[rest] > threshold]:
        plus[i] = nnls_value(X, patterns[i], G[i])[0]
        if minus:
            neg[i] = nnls_value(X, patterns[i], -G[i])[0]
    return plus, neg


def price_patterns(X, G, patterns, threshold: float = 0.0, *, arrangement="auto"):
    """‖Π_{K_i}(g_i)‖ for the rows g_i of G (P, d): :func:`price_patterns_pm` without −g."""
    return price_patterns_pm(X, G, patterns, threshold, arrangement=arrangement, minus=False)[0]


def price_cells_pm(X, v, patterns, threshold: float = 0.0, *, arrangement="auto"):
    """(‖Π_{K_i}(Xᵀ D_i v)‖, ‖Π_{K_i}(−Xᵀ D_i v)‖) for every row of ``patterns`` when each one
    is a cell of X's arrangement, else None.

    The same values as :func:`price_patterns_pm` on :func:`correlations`, computed per distinct
    cell in the arrangement's order (all cells: no gathers of the per-edge geometry; 70 → 52 ms
    a solver round at n = 200) and read off for each pattern; ‖g_i‖ stands where ‖g_i‖ ≤
    ``threshold``, as there."""
    arr = build_arrangement(X) if arrangement == "auto" else arrangement
    if arr is None or patterns.shape[0] == 0:
        return None
    idx = cell_index(arr, patterns)
    if idx.min() < 0:
        return None
    cells, inv = np.unique(idx, return_inverse=True)
    Gc = arr.cell_correlations(X, np.asarray(v, dtype=float))
    Gr = (Gc if cells.size == Gc.shape[0] else Gc[cells]) @ arr.Vr
    plus, minus = arr.price_pm(Gr, cells)
    gn = np.linalg.norm(Gr, axis=1)
    low = gn <= threshold
    plus[low] = gn[low]
    minus[low] = gn[low]
    return plus[inv], minus[inv]


def maximiser(X, g, pattern, *, arrangement="auto"):
    """A unit u ∈ K (the cell of ``pattern``) maximising gᵀu (0 if the maximum is 0)."""
    arr = build_arrangement(X) if arrangement == "auto" else arrangement
    if arr is not None:
        c = arr.lookup(pattern[None])[0]
        if c >= 0:
            return arr.Vr @ arr.argmax(arr.Vr.T @ g, c)
    val, proj = nnls_value(X, pattern, g)
    return proj / val if val > 0 else np.zeros_like(g)


def remember_cells(patterns: np.ndarray, arr: Arrangement, order: np.ndarray) -> None:
    """Record that row j of ``patterns`` is cell ``order[j]`` (patterns made from ``arr``)."""
    key = id(patterns)
    try:
        ref = weakref.ref(patterns, lambda _r, k=key: _LOOKUPS.pop(k, None))
    except TypeError:
        return
    _LOOKUPS[key] = (ref, arr, patterns.shape, np.asarray(order))
    _remember_content(_digest(patterns), arr, np.asarray(order))


def max_over_patterns(X, G, patterns, *, arrangement="auto"):
    """max_i ‖Π_{K_i}(g_i)‖ over the rows of G: (value, i, unit maximiser u*).

    Cells of X's arrangement are priced exactly in one vectorised pass; the
    remaining patterns by NNLS in order of decreasing ‖g_i‖, stopping once
    ‖g_i‖ (an upper bound) cannot beat the best value found.
    """
    arr = build_arrangement(X) if arrangement == "auto" else arrangement
    norms = np.linalg.norm(G, axis=1)
    best, best_i, best_u = 0.0, -1, np.zeros(X.shape[1])
    rest = np.arange(G.shape[0])
    if arr is not None:
        idx = cell_index(arr, patterns)
        hit = np.flatnonzero(idx >= 0)
        if hit.size:
            vals = np.concatenate([arr.price(G[h] @ arr.Vr, idx[h])
                                   for h in np.array_split(hit, max(1, hit.size // 65536))])
            j = int(np.argmax(vals))
            if vals[j] > 0:
                best, best_i = float(vals[j]), int(hit[j])
                best_u = arr.Vr @ arr.argmax(arr.Vr.T @ G[best_i], idx[best_i])
        rest = np.flatnonzero(idx < 0)
    for i in rest[np.argsort(-norms[rest])]:
        if norms[i] <= best * (1 + 1e-12):
            break
        val, proj = nnls_value(X, patterns[i], G[i])
        if val > best:
            best, best_i, best_u = val, int(i), proj / val
    return best, best_i, best_u


def local_maxima(arr: Arrangement, idx: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """Mask of patterns whose value is ≥ that of every adjacent cell (patterns off the
    arrangement, idx = −1, count as local maxima).  One per peak of u ↦ vᵀ(Xu)₊."""
    P = arr.n_cells
    cv = np.full(P, -np.inf)
    hit = idx >= 0
    cv[idx[hit]] = vals[hit]
    ismax = np.ones(P, dtype=bool)
    a, b = arr.adj[:, 0], arr.adj[:, 1]
    ismax[a[cv[a] < cv[b]]] = False
    ismax[b[cv[b] < cv[a]]] = False
    out = np.ones(idx.size, dtype=bool)
    out[hit] = ismax[idx[hit]]
    return out


def _levels_by_depth(child, parent, line, sgn, P):
    """Tree edges grouped by depth, root 0: [(children, parents, line, ±1)] level by level."""
    csort = np.argsort(parent, kind="stable")
    cp = parent[csort]
    starts = np.searchsorted(cp, np.arange(P))
    ends = np.searchsorted(cp, np.arange(P), side="right")
    levels, frontier = [], np.array([0])
    while frontier.size:
        cnt = ends[frontier] - starts[frontier]
        if cnt.sum() == 0:
            break
        e = csort[np.repeat(starts[frontier] - np.cumsum(cnt) + cnt, cnt) + np.arange(cnt.sum())]
        levels.append((child[e], parent[e], line[e], sgn[e]))
        frontier = child[e]
    return levels


def correlations(X, v, patterns, *, arrangement="auto") -> np.ndarray:
    """G (P, d) with rows g_i = Xᵀ D_i v: through the arrangement's cell tree for the patterns
    that are its cells (O(P d)), by a matrix product for the others (O(P n d))."""
    arr = build_arrangement(X) if arrangement == "auto" else arrangement
    v = np.asarray(v, dtype=float)
    if arr is None:
        return pattern_correlations(X, v, patterns)[0]
    idx = cell_index(arr, patterns)
    G = np.empty((patterns.shape[0], X.shape[1]))
    hit = idx >= 0
    G[hit] = arr.cell_correlations(X, v)[idx[hit]]
    if not hit.all():
        miss = np.flatnonzero(~hit)
        G[miss] = pattern_correlations(X, v, patterns[miss])[0]
    return G
