"""The cells of a hyperplane arrangement of rank r ≤ 3, with their exact boundary.

Coordinates are those of the row space, z = V_rᵀu (docs/theory.md §3).  The distinct
hyperplanes have unit normals ``L (k, r)``; cell c is identified by its sign vector over the
lines, hashed exactly into ``keys[c]`` (Σ_l bit_l R_l with integer weights, see
:mod:`cvxcore.arrangement.walk`), and described by its boundary pieces:

* r = 1: K = {σz ≥ 0} on a line, one piece with ray A = σ.
* r = 2: K = cone(a, b), a sector between two consecutive rays; one piece (A = a, B = b).
* r = 3: K is bounded by *edges* of the arrangement, arcs of the great circle {l_iᵀz = 0}
  between consecutive crossings a, b; each is the facet sector F = cone(a, b) with inward
  normal n = ±l_i (pieces ``ptr[c]:ptr[c+1]`` of N, A, B, line).

Pricing (the dual constraint of (4), :mod:`cvxcore.arrangement.base`): with g in row-space
coordinates, ‖Π_K(g)‖ is

* r = 1: (σ g)₊;   r = 2: ‖g‖ if g ∈ K, else max(aᵀg, bᵀg, 0);
* r = 3: ‖g‖ if nᵀg ≥ 0 on every edge of the cell (g ∈ K); otherwise the maximiser lies on
  some facet sector F, where max_{u ∈ F, ‖u‖ ≤ 1} gᵀu is ‖p‖ for p = g − (nᵀg)n when
  p ∈ cone(a, b), else max(aᵀg, bᵀg, 0); the cell's value is the largest of these (every
  candidate is a feasible point and the true maximiser is among them).

Correlations g_c = Xᵀ D_c v of every cell cost O(Pd + nd) by walking a spanning tree of the
cell adjacency graph: crossing line l into its bit-1 side adds Σ_{rows j on l} sign_j v_j x_j.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import kernels
from .base import CellSet

_IN_TOL = 1e-12          # relative slack when testing "p lies in the sector" (errs upward: safe)
_CHUNK = 8192
DENSE_MAX = 400_000      # P·n up to which g_c = Xᵀ D_c v is one dense product (≤ 3.2 MB of patterns)


def hash_keys(H: np.ndarray) -> np.ndarray:
    """Two exact integer hashes → one complex key (numpy sorts complex lexicographically)."""
    return H[:, 0] + 1j * H[:, 1]


def _cross(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Row-wise a × b of (m, 3) arrays (np.cross's arithmetic, without its reshaping copies)."""
    out = np.empty(a.shape) if out is None else out
    a0, a1, a2 = a[:, 0], a[:, 1], a[:, 2]
    b0, b1, b2 = b[:, 0], b[:, 1], b[:, 2]
    np.subtract(a1 * b2, a2 * b1, out=out[:, 0])
    np.subtract(a2 * b0, a0 * b2, out=out[:, 1])
    np.subtract(a0 * b1, a1 * b0, out=out[:, 2])
    return out


def _in_sector(P, A, B):
    """p ∈ cone(a, b) (row-wise), for unit a, b spanning an angle < π."""
    if A.shape[1] == 2:
        det = A[:, 0] * B[:, 1] - A[:, 1] * B[:, 0]
        al = (P[:, 0] * B[:, 1] - P[:, 1] * B[:, 0]) / det
        be = (A[:, 0] * P[:, 1] - A[:, 1] * P[:, 0]) / det
    else:
        C = _cross(A, B)
        cc = np.einsum("ij,ij->i", C, C)
        al = np.einsum("ij,ij->i", _cross(P, B), C) / cc
        be = np.einsum("ij,ij->i", _cross(A, P), C) / cc
    tol = -_IN_TOL * np.linalg.norm(P, axis=1)
    return (al >= tol) & (be >= tol)


def _sector_value(g, A, B):
    """max over u ∈ cone(a, b), ‖u‖ ≤ 1 of gᵀu for g in the sector's plane (rank 2)."""
    inside = _in_sector(g, A, B)
    ends = np.maximum(np.einsum("ij,ij->i", A, g), np.einsum("ij,ij->i", B, g))
    return np.where(inside, np.linalg.norm(g, axis=1), np.maximum(ends, 0.0))


@dataclass(eq=False)
class Arrangement(CellSet):
    """Every cell of the arrangement of X's rows (rank 1–3); build it with
    :func:`cvxcore.arrangement.arrangement`.

    Row j of X lies on line ``line_of[j]`` with sign ``sign_of[j]`` (line −1: a zero row, on for
    every u).  Cell c: sign vector ``cell_bits(c)`` over the lines; a point ``rep_mid[c]`` on its
    boundary (r = 3: an edge midpoint on line ``rep_line[c]`` with that line's bit
    ``rep_side[c]``) or inside it (r ≤ 2, ``rep_line = −1``); boundary pieces ``ptr[c]:ptr[c+1]``.
    ``adj`` (E, 2) lists cells sharing a facet, (bit 0, bit 1) of line ``adj_line``.
    """
    X: np.ndarray
    r: int
    Vr: np.ndarray
    L: np.ndarray
    line_of: np.ndarray
    sign_of: np.ndarray
    keys: np.ndarray
    rep_mid: np.ndarray
    rep_line: np.ndarray
    rep_side: np.ndarray
    ptr: np.ndarray
    N: np.ndarray
    A: np.ndarray
    B: np.ndarray
    line: np.ndarray
    adj: np.ndarray
    adj_line: np.ndarray
    R: np.ndarray
    exact: bool = True

    def __post_init__(self) -> None:
        self._clear_derived()
        self.dense_max = DENSE_MAX

    def _clear_derived(self) -> None:
        """Forget what pricing and the adjacency queries derived (rebuilt on first use)."""
        self._tangents: tuple | None = None        # per boundary piece: the sector's inward normals
        self._frame: np.ndarray | None = None      # per boundary piece: the numpy pricing's frame
        self._levels: list | None = None           # the spanning tree of the cells, level by level
        self._dense: np.ndarray | None = None      # (P, n) patterns as floats, when P·n ≤ dense_max
        self._csr: Any = None                      # the cell adjacency as a sparse matrix

    # pickling: the arrays that define the cells, not what pricing derived from them (n = 100
    # points in the plane with a bias: 9,902 cells, about 4 MB)
    _DERIVED = ("_tangents", "_frame", "_levels", "_dense", "_csr")

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self._DERIVED}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._clear_derived()

    def __copy__(self):
        out = object.__new__(type(self))
        out.__dict__.update(self.__dict__)
        return out

    @property
    def n_cells(self) -> int:
        return int(self.keys.shape[0])

    @property
    def rank(self) -> int:
        return self.r

    @property
    def nbytes(self) -> int:
        """Memory held by the arrangement's arrays (including what pricing has derived)."""
        parts = [getattr(self, f) for f in ("keys", "rep_mid", "ptr", "N", "A", "B", "line", "adj", "adj_line")]
        parts += [p for p in (self._frame, self._dense, *(self._tangents or ())) if p is not None]
        return int(sum(p.nbytes for p in parts))

    # -- cells as patterns ------------------------------------------------------------------
    def cell_bits(self, cells=None) -> np.ndarray:
        """Sign vectors over the lines, (len(cells), k) bool."""
        idx = np.arange(self.n_cells) if cells is None else np.asarray(cells).reshape(-1)
        out = np.empty((idx.size, self.L.shape[0]), dtype=bool)
        for s in range(0, idx.size, _CHUNK):
            j = idx[s:s + _CHUNK]
            S = (self.rep_mid[j] @ self.L.T) > 0
            on = self.rep_line[j] >= 0
            S[np.flatnonzero(on), self.rep_line[j][on]] = self.rep_side[j][on]
            out[s:s + _CHUNK] = S
        return out

    def patterns(self, cells=None) -> np.ndarray:
        """Activation patterns 1[Xu > 0] of the cells' interiors (zero rows: on), (len, n) bool."""
        bits = self.cell_bits(cells)
        out = np.ones((bits.shape[0], self.line_of.size), dtype=bool)
        on = self.line_of >= 0
        lines = bits[:, self.line_of[on]]
        out[:, on] = np.where(self.sign_of[on] > 0, lines, ~lines)
        return out

    def nonzero(self) -> np.ndarray:
        # D_c = 0 only when every row is off in the cell: no zero row and every line's bit
        # equal to the opposite of its rows' signs; at most one such cell (the cell −u of a u
        # with Xu > 0 when that exists)
        out = np.ones(self.n_cells, dtype=bool)
        if (self.line_of < 0).any():
            return out
        k = self.L.shape[0]
        first = np.full(k, -1)
        rows = np.arange(self.line_of.size)
        first[self.line_of[::-1]] = rows[::-1]
        want = self.sign_of[first] < 0                      # bit of each line in the off-cell
        c = self.lookup_bits(want[None])[0]
        if c >= 0 and not self.patterns(np.array([c])).any():   # (opposite rows on one line: never)
            out[c] = False
        return out

    def lookup_bits(self, bits) -> np.ndarray:
        """Cell index of each sign vector over the lines (−1: not a cell)."""
        keys = hash_keys(np.asarray(bits, dtype=float) @ self.R)
        pos = np.minimum(np.searchsorted(self.keys, keys), self.n_cells - 1)
        return np.where(self.keys[pos] == keys, pos, -1)

    def lookup(self, patterns) -> np.ndarray:
        patterns = np.asarray(patterns, dtype=bool)
        k = self.L.shape[0]
        first = np.full(k, -1)
        on = np.flatnonzero(self.line_of >= 0)
        first[self.line_of[on[::-1]]] = on[::-1]          # first row of each line
        out = np.full(patterns.shape[0], -1)
        for s in range(0, patterns.shape[0], _CHUNK):
            Pc = patterns[s:s + _CHUNK]
            bits = Pc[:, first] ^ (self.sign_of[first] < 0)
            hit = self.lookup_bits(bits)
            # the whole row must agree: rows of one line share (or oppose) a bit, zero rows are on
            exp = np.ones_like(Pc)
            exp[:, on] = np.where(self.sign_of[on] > 0, bits[:, self.line_of[on]], ~bits[:, self.line_of[on]])
            out[s:s + _CHUNK] = np.where(np.all(exp == Pc, axis=1), hit, -1)
        return out

    def cell_of(self, U) -> np.ndarray:
        """The cell containing each direction u (rows of U (k, d), or one u (d,)).

        A u on hyperplanes (x_iᵀu = 0) lies on the boundary of several cells; it is assigned to
        the cell entered from u along a fixed generic direction (a symbolic perturbation), so
        every u with a component in the row space of X gets a cell."""
        U = np.atleast_2d(np.asarray(U, dtype=float))
        Z = U @ self.Vr
        S = Z @ self.L.T
        g = np.random.default_rng(31415).standard_normal(self.r)
        tie = np.abs(S) <= 1e-12 * np.linalg.norm(Z, axis=1, keepdims=True)
        return self.lookup_bits(np.where(tie, (self.L @ g)[None, :] > 0, S > 0))

    def interior_point(self, c: int) -> np.ndarray:
        """A unit u ∈ R^d strictly inside cell c (r = 3: the sum of the cell's vertex rays, inside
        the pointed cone they span; r ≤ 2: the sector's bisector)."""
        if self.r == 3:
            sl = slice(self.ptr[c], self.ptr[c + 1])
            z = self.A[sl].sum(axis=0) + self.B[sl].sum(axis=0)
        else:
            z = self.rep_mid[c]
        u = self.Vr @ z
        return u / np.linalg.norm(u)

    def neighbours(self, c: int) -> np.ndarray:
        """The cells sharing a facet with cell c (sorted)."""
        if self._csr is None:
            from scipy.sparse import coo_matrix
            a, b = self.adj[:, 0], self.adj[:, 1]
            P = self.n_cells
            self._csr = coo_matrix((np.ones(2 * a.size), (np.r_[a, b], np.r_[b, a])), shape=(P, P)).tocsr()
        return np.unique(self._csr.indices[self._csr.indptr[c]:self._csr.indptr[c + 1]])

    def facets(self, c: int) -> np.ndarray:
        """Inward unit normals in R^d of cell c's facets: K_c = {u : N u ≥ 0}."""
        sl = slice(self.ptr[c], self.ptr[c + 1])
        if self.r == 3:
            _, first = np.unique(self.line[sl], return_index=True)
            Nr = self.N[sl][first]
        elif self.r == 2:
            a, b = self.A[self.ptr[c]], self.B[self.ptr[c]]
            na = np.array([-a[1], a[0]])
            na *= np.sign(na @ b)   # ⊥ a, towards b
            nb = np.array([-b[1], b[0]])
            nb *= np.sign(nb @ a)
            Nr = np.vstack([na, nb])
        else:
            Nr = self.A[sl]
        return Nr @ self.Vr.T

    def local_maxima(self, vals) -> np.ndarray:
        """Mask of cells whose value is ≥ that of every adjacent cell: one per peak of
        u ↦ vᵀ(Xu)₊ (neighbouring cells give nearly the same column of (8))."""
        vals = np.asarray(vals, dtype=float)
        ismax = np.ones(self.n_cells, dtype=bool)
        a, b = self.adj[:, 0], self.adj[:, 1]
        if kernels.AVAILABLE:
            return kernels.local_maxima(vals, a, b, ismax)
        ismax[a[vals[a] < vals[b]]] = False
        ismax[b[vals[b] < vals[a]]] = False
        return ismax

    # -- correlations and pricing -----------------------------------------------------------
    def _tree(self):
        """A BFS spanning tree of the cell adjacency graph, grouped by depth:
        [(children, parents, line, ±1)], ±1 = +1 when the child has the line's bit."""
        if self._levels is not None:
            return self._levels
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import breadth_first_order
        P = self.n_cells
        a, b = self.adj[:, 0], self.adj[:, 1]
        if P < 2 or a.size == 0:
            self._levels = []
            return self._levels
        Gm = coo_matrix((np.ones(a.size), (a, b)), shape=(P, P)).tocsr()
        _, pred = breadth_first_order(Gm, 0, directed=False, return_predecessors=True)
        fwd = pred[b] == a                                  # child b (has the bit), parent a
        bwd = pred[a] == b                                  # child a, parent b
        child = np.concatenate([b[fwd], a[bwd]])
        parent = np.concatenate([a[fwd], b[bwd]])
        line = np.concatenate([self.adj_line[fwd], self.adj_line[bwd]])
        sgn = np.concatenate([np.ones(fwd.sum()), -np.ones(bwd.sum())])
        child, first = np.unique(child, return_index=True)
        self._levels = _levels_by_depth(child, parent[first], line[first], sgn[first], P)
        return self._levels

    @property
    def dense(self):
        """The cells' 0/1 patterns as floats when P·n ≤ ``dense_max``, else None."""
        if self.n_cells * self.n_samples > self.dense_max:
            return None
        if self._dense is None:
            self._dense = self.patterns().astype(float)
        return self._dense

    def correlations(self, v, cells=None) -> np.ndarray:
        """g_c = Xᵀ D_c v, (len(cells), d), for all cells in O(Pd + nd) by the tree walk."""
        X = self.X
        v = np.asarray(v, dtype=float)
        n, d = X.shape
        P = self.n_cells
        if self.dense is not None:
            # small arrangements (the app's n ≤ 60): one product with the cells' 0/1 patterns
            # beats the level-by-level walk, whose ~n levels cost a few numpy calls each
            G = self.dense @ (v[:, None] * X)
            return G if cells is None else G[np.asarray(cells)]
        on = self.line_of >= 0
        Wl = np.zeros((self.L.shape[0], d))
        np.add.at(Wl, self.line_of[on], (self.sign_of[on] * v[on])[:, None] * X[on])
        G = np.empty((P, d))
        G[0] = self.patterns(np.array([0]))[0].astype(float) @ (v[:, None] * X)
        levels = self._tree()
        if not levels and P > 1:                     # rank 1: two cells, direct
            G[1:] = self.patterns(np.arange(1, P)).astype(float) @ (v[:, None] * X)
        if kernels.AVAILABLE and levels:
            kernels.tree_walk(G, *self._walk_order(), Wl)
        else:
            for ch, par, ln, sg in levels:
                G[ch] = G[par] + sg[:, None] * Wl[ln]
        return G if cells is None else G[np.asarray(cells)]

    def _walk_order(self):
        """The tree's levels as one sequence, parents before children (the compiled walk)."""
        if getattr(self, "_order", None) is None:
            self._order = tuple(np.ascontiguousarray(np.concatenate(part))
                                for part in zip(*self._tree()))
        return self._order

    @property
    def tangents(self) -> tuple[np.ndarray, np.ndarray]:
        """(t_a, t_b), (pieces, 3) each: per edge the in-plane inward normals of its sector's
        rays, t_a = c × a and t_b = b × c with c = a × b / ‖a × b‖ (see :meth:`price_rows`)."""
        if self._tangents is None:
            C = _cross(self.A, self.B)
            C /= np.linalg.norm(C, axis=1, keepdims=True)
            self._tangents = (_cross(C, self.A), _cross(self.B, C))
        return self._tangents

    @property
    def frame(self) -> np.ndarray:
        """(pieces, 3, 5): per edge the columns n, t_a, t_b, a, b — the numpy route's pricing
        (the compiled one reads the five arrays as they are)."""
        if self._frame is None:
            TA, TB = self.tangents
            F = np.empty((self.A.shape[0], 3, 5))
            F[:, :, 0], F[:, :, 1], F[:, :, 2], F[:, :, 3], F[:, :, 4] = self.N, TA, TB, self.A, self.B
            self._frame = F
        return self._frame

    def price(self, v, threshold: float = 0.0, cells=None):
        G = self.correlations(v, cells)
        idx = np.arange(self.n_cells) if cells is None else np.asarray(cells).reshape(-1)
        return self.price_rows(G @ self.Vr, idx, threshold)

    def price_rows(self, Gr: np.ndarray, cells: np.ndarray, threshold: float = 0.0):
        """(‖Π_{K_c}(g)‖, ‖Π_{K_c}(−g)‖) for g = Gr[j] (row-space coordinates), c = cells[j];
        where ‖g‖ ≤ threshold both are ‖g‖ (an upper bound) and the edges are not visited.

        Both signs share the edge geometry (rank 3: the five inner products per edge change
        sign, the in-plane projection's norm does not)."""
        if self.r == 3 and kernels.AVAILABLE:
            TA, TB = self.tangents
            return kernels.price_rank3(np.ascontiguousarray(Gr, dtype=float), np.asarray(cells, dtype=np.int64),
                                       self.ptr, self.N, TA, TB, self.A, self.B, float(threshold), _IN_TOL)
        gn = np.linalg.norm(Gr, axis=1)
        plus, minus = gn.copy(), gn.copy()
        hit = np.flatnonzero(gn > threshold) if threshold > 0 else np.arange(cells.size)
        for s in range(0, hit.size, 1 << 17):
            h = hit[s:s + (1 << 17)]
            plus[h], minus[h] = self._price_exact(Gr[h], cells[h], gn[h])
        return plus, minus

    def _price_exact(self, Gr, cells, gn):
        if cells.size == 0:
            return np.zeros(0), np.zeros(0)
        if self.r == 1:
            a = self.A[cells, 0]
            return np.maximum(Gr[:, 0] * a, 0.0), np.maximum(-Gr[:, 0] * a, 0.0)
        if self.r == 2:
            A, B = self.A[cells], self.B[cells]
            return _sector_value(Gr, A, B), _sector_value(-Gr, A, B)
        # r = 3: gather every edge of the requested cells
        cnt = self.ptr[cells + 1] - self.ptr[cells]
        owner = np.repeat(np.arange(cells.size), cnt)
        start = np.repeat(self.ptr[cells] - np.cumsum(cnt) + cnt, cnt)
        e = start + np.arange(owner.size)
        g = Gr[owner]
        # five inner products per edge: nᵀg, t_aᵀg, t_bᵀg, aᵀg, bᵀg, where t_a = c × a and
        # t_b = b × c (c = a × b / ‖a × b‖) are the in-plane inward normals of the sector's
        # rays; as they are ⊥ n, p = g − (nᵀg)n lies in cone(a, b) iff t_aᵀg ≥ 0 and t_bᵀg ≥ 0.
        frame = self.frame
        if e.size == frame.shape[0] and e[-1] == e.size - 1 and np.array_equal(e, np.arange(e.size)):
            Fr, Ne = frame, self.N                 # every cell in order (the solver's pricing): no gather
        else:
            Fr, Ne = frame[e], self.N[e]
        D = np.einsum("ei,eik->ek", g, Fr)       # (E, 5); one pass (broadcasting: 2× slower)
        tol = _IN_TOL * gn[owner]
        pn = np.linalg.norm(g - D[:, :1] * Ne, axis=1)   # not √(‖g‖² − (nᵀg)²): cancellation
        bounds = np.concatenate([[0], np.cumsum(cnt)[:-1]])

        def value(Ds):
            inside = (Ds[:, 1] >= -tol) & (Ds[:, 2] >= -tol)
            val = np.where(inside, pn, np.maximum(np.maximum(Ds[:, 3], Ds[:, 4]), 0.0))
            worst = np.minimum.reduceat(Ds[:, 0], bounds)     # min over the cell's facets of nᵀg
            best = np.maximum.reduceat(val, bounds)
            return np.maximum(best, np.where(worst >= -_IN_TOL * gn, gn, 0.0))
        return value(D), value(-D)

    def argmax(self, v, c: int, sign: float = 1.0) -> np.ndarray:
        return self.argmaxes(v, [c], [sign])[0]

    def argmaxes(self, v, cells, signs) -> np.ndarray:
        cells = np.asarray(cells, dtype=int).reshape(-1)
        if cells.size == 0:
            return np.zeros((0, self.X.shape[1]))
        Gr = (np.asarray(signs, dtype=float).reshape(-1, 1) * self.correlations(v, cells)) @ self.Vr
        if self.r == 3:
            return self._argmax_rows_many(Gr, cells) @ self.Vr.T
        return np.array([self._argmax_rows(g, int(c)) for g, c in zip(Gr, cells)]) @ self.Vr.T

    def _argmax_rows(self, gr: np.ndarray, c: int) -> np.ndarray:
        """A unit maximiser z ∈ K_c (row-space coordinates, rank 1 or 2) of gᵀz, or 0 if the
        value is 0."""
        gn = np.linalg.norm(gr)
        if gn == 0:
            return np.zeros(self.r)
        if self.r == 1:
            a = self.A[c]
            return a if gr @ a > 0 else np.zeros(1)
        sl = slice(self.ptr[c], self.ptr[c + 1])
        A, B = self.A[sl], self.B[sl]
        if _in_sector(gr[None], A, B)[0]:
            return gr / gn
        cands = [u / np.linalg.norm(u) for u in (*A, *B) if np.linalg.norm(u) > 0]
        vals = [gr @ u for u in cands]
        j = int(np.argmax(vals))
        return cands[j] if vals[j] > 0 else np.zeros(self.r)

    def _argmax_rows_many(self, Gr: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """A unit maximiser z ∈ K_c of gᵀz for each row g of Gr and its cell c (rank 3,
        row-space coordinates; 0 where the value is 0), all cells at once.  The candidates: g
        itself when it lies in K_c; else its projection onto each facet's plane when that falls
        inside the facet, and the facets' edges; the first of the largest is taken."""
        m = cells.size
        lo, hi = self.ptr[cells], self.ptr[cells + 1]
        lens = hi - lo
        owner = np.repeat(np.arange(m), lens)
        rows = np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens) + np.repeat(lo, lens)
        gn = np.linalg.norm(Gr, axis=1)
        g = Gr[owner]
        N, A, B = self.N[rows], self.A[rows], self.B[rows]
        Ng = np.einsum("ij,ij->i", N, g)
        # K_c contains g: every facet sees it on its inner side
        out_of_cone = np.zeros(m, dtype=bool)
        np.logical_or.at(out_of_cone, owner, Ng < -_IN_TOL * gn[owner])
        P = g - Ng[:, None] * N
        value = np.full((3, rows.size), -np.inf)
        # A projection's value gᵀP/‖P‖ is ‖P‖.  When g is normal to the facet (a cell with one
        # sample on: g = ±vᵢxᵢ, xᵢ the facet's normal) P is round-off and its direction
        # arbitrary: such a projection is no candidate (its value, ≤ 1e-12‖g‖, is 0's).
        sig = np.linalg.norm(P, axis=1) > _IN_TOL * gn[owner]
        for k, (cand, ok) in enumerate(((P, sig & _in_sector(P, A, B)), (A, True), (B, True))):
            norm = np.linalg.norm(cand, axis=1)
            ok = ok & (norm > 0)
            value[k, ok] = norm[ok] if k == 0 else np.einsum("ij,ij->i", g[ok], cand[ok]) / norm[ok]
        best = np.full(m, -np.inf)
        np.maximum.at(best, owner, value.max(axis=0))
        # the first candidate at the maximum: projections in row order, then edges a, then b
        R = rows.size
        rank = np.arange(3 * R).reshape(3, R)
        hit = value == best[owner][None, :]
        none = 3 * R
        first = np.full(m, none)
        np.minimum.at(first, np.broadcast_to(owner, hit.shape)[hit], rank[hit])
        out = np.zeros((m, 3))
        chosen = first < none
        cand = np.stack([P, A, B])[first[chosen] // max(R, 1), first[chosen] % max(R, 1)]
        out[chosen] = cand / np.linalg.norm(cand, axis=1)[:, None]
        out[best <= 0] = 0.0
        inside = ~out_of_cone & (gn > 0)
        out[inside] = Gr[inside] / gn[inside, None]
        out[gn == 0] = 0.0
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

