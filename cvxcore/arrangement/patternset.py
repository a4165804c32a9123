"""An explicit list of activation patterns: sampled ones, rank ≥ 4 chambers, or a user's list.

Each pattern D_c has the cone K_c = {u : (2D_c − I) X u ≥ 0} written with all n rows (no
boundary is known), priced by non-negative least squares (:mod:`cvxcore.arrangement.cone`).
A pattern need not be a cell of X's arrangement (e.g. a flipped-sign heuristic pattern): its
cone is then lower-dimensional, and program (8) over it only admits blocks inside that cone,
so the value stays an upper bound on p*.
"""
from __future__ import annotations

import numpy as np

from .base import CellSet
from .cone import cone_rows, projection

_CHUNK = 8192


class PatternSet(CellSet):
    """Patterns ``P (k, n)`` of data ``X (n, d)``; ``exact`` when they are every chamber."""

    def __init__(self, X: np.ndarray, patterns: np.ndarray, *, exact: bool = False):
        self.X = X
        self._P = np.ascontiguousarray(patterns, dtype=bool)
        self.exact = bool(exact)
        self._index: dict[bytes, int] | None = None

    def __reduce__(self):
        return (PatternSet, (self.X, self._P), {"exact": self.exact})

    def __setstate__(self, state):
        self.exact = state["exact"]

    @property
    def n_cells(self) -> int:
        return int(self._P.shape[0])

    @property
    def rank(self) -> int:
        return int(np.linalg.matrix_rank(self.X)) if self.X.size else 0

    def patterns(self, cells=None) -> np.ndarray:
        return self._P.copy() if cells is None else self._P[np.asarray(cells)]

    def nonzero(self) -> np.ndarray:
        return np.asarray(self._P.any(axis=1))

    def facets(self, c: int) -> np.ndarray:
        return cone_rows(self.X, self._P[c])

    def correlations(self, v, cells=None) -> np.ndarray:
        P = self._P if cells is None else self._P[np.asarray(cells)]
        vX = np.asarray(v, dtype=float)[:, None] * self.X
        out = np.empty((P.shape[0], self.X.shape[1]))
        for s in range(0, P.shape[0], _CHUNK):
            out[s:s + _CHUNK] = P[s:s + _CHUNK].astype(float) @ vX
        return out

    def price(self, v, threshold: float = 0.0, cells=None):
        idx = np.arange(self.n_cells) if cells is None else np.asarray(cells).reshape(-1)
        G = self.correlations(v, idx)
        gn = np.linalg.norm(G, axis=1)
        plus, minus = gn.copy(), gn.copy()
        for j in np.flatnonzero(gn > threshold):
            A = self.facets(idx[j])
            plus[j] = projection(A, G[j])[0]
            minus[j] = projection(A, -G[j])[0]
        return plus, minus

    def maximum(self, v):
        """As :meth:`CellSet.maximum`, visiting patterns in order of decreasing ‖g_c‖ and
        stopping once ‖g_c‖ (an upper bound) cannot beat the best value found: exact, and
        usually a handful of NNLS solves instead of 2P."""
        v = np.asarray(v, dtype=float)
        G = self.correlations(v)
        gn = np.linalg.norm(G, axis=1)
        best = (0.0, -1, 1.0, np.zeros(self.X.shape[1]))
        for c in np.argsort(-gn):
            if gn[c] <= best[0] * (1 + 1e-12):
                break
            A = self.facets(c)
            for sign in (1.0, -1.0):
                val, proj = projection(A, sign * G[c])
                if val > best[0]:
                    best = (val, int(c), sign, proj / val)
        return best

    def dual_norm(self, v) -> float:
        return float(self.maximum(v)[0])

    def argmax(self, v, c: int, sign: float = 1.0) -> np.ndarray:
        g = sign * self.correlations(v, np.array([c]))[0]
        val, proj = projection(self.facets(c), g)
        return proj / val if val > 0 else np.zeros_like(g)

    def lookup(self, patterns) -> np.ndarray:
        if self._index is None:
            self._index = {row.tobytes(): i for i, row in enumerate(np.packbits(self._P, axis=1))}
        packed = np.packbits(np.asarray(patterns, dtype=bool), axis=1)
        return np.array([self._index.get(row.tobytes(), -1) for row in packed], dtype=int)

    def cell_of(self, U) -> np.ndarray:
        U = np.atleast_2d(np.asarray(U, dtype=float))
        return self.lookup((U @ self.X.T) >= 0)

    def interior_point(self, c: int) -> np.ndarray:
        """A unit u with (2D_c − I) X u > 0 on every nonzero row, by one linear program
        (maximise t subject to (2D_c − I) X u ≥ t, ‖u‖_∞ ≤ 1); zeros when the cone has no
        interior (a pattern that is not a chamber)."""
        from scipy.optimize import linprog
        A = cone_rows(self.X, self._P[c])
        d = self.X.shape[1]
        res = linprog(np.r_[np.zeros(d), -1.0], A_ub=np.c_[-A, np.ones(A.shape[0])], b_ub=np.zeros(A.shape[0]),
                      bounds=[(-1, 1)] * d + [(None, 1)], method="highs")
        if res.status != 0 or res.x[d] <= 0:
            return np.zeros(d)
        u = res.x[:d]
        return u / np.linalg.norm(u)
