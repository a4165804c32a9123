"""What a solver, a certificate or a page needs from a set of activation patterns.

A *cell set* is a list of P activation patterns D_1 … D_P of the data X, each with its cone
K_c = {u : (2D_c − I) X u ≥ 0}.  Two kinds implement it:

* :class:`cvxcore.arrangement.cells.Arrangement` — the cells of X's hyperplane arrangement for
  rank(X) ≤ 3 (1-D or 2-D data, with or without a bias), with their exact boundary: pricing is
  closed-form, g_c = Xᵀ D_c v of every cell costs O(Pd) along a spanning tree of the cells,
  and patterns are never stored as a dense (P, n) array unless asked for.
* :class:`cvxcore.arrangement.patternset.PatternSet` — an explicit list of patterns (sampled
  ones, Remark 3.3; the exact chambers of rank ≥ 4 data; any list a user passes): every cone
  is written with all n rows and priced by non-negative least squares.

The dual constraint of (4) splits over the cells (docs/theory.md §2): for a dual point v and
g_c = Xᵀ D_c v,

    max_{u ∈ K_c, ‖u‖ ≤ 1} vᵀ(Xu)₊  =  max_{u ∈ K_c, ‖u‖ ≤ 1} g_cᵀu  =  ‖Π_{K_c}(g_c)‖,

so "pricing" a cell means computing that projection's norm, for +v and −v.
"""
from __future__ import annotations

import numpy as np


class CellSet:
    """The interface (see the module docstring); subclasses set ``X``, ``exact``, ``n_cells``."""

    X: np.ndarray
    exact: bool          # True: every cell of the arrangement, so (8) over them has value p*

    @property
    def n_cells(self) -> int:
        """P, the number of cells (patterns) in the set."""
        raise NotImplementedError

    @property
    def rank(self) -> int:
        """rank(X), the dimension of the arrangement."""
        raise NotImplementedError

    def __len__(self) -> int:
        return self.n_cells

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    # -- to be provided ---------------------------------------------------------------------
    def patterns(self, cells=None) -> np.ndarray:
        """Activation patterns (len(cells), n) bool, in cell order (all cells by default)."""
        raise NotImplementedError

    def facets(self, c: int) -> np.ndarray:
        """Rows N (k, d) with K_c = {u : N u ≥ 0}."""
        raise NotImplementedError

    def correlations(self, v, cells=None) -> np.ndarray:
        """g_c = Xᵀ D_c v for the cells (all by default), shape (len(cells), d)."""
        raise NotImplementedError

    def price(self, v, threshold: float = 0.0, cells=None):
        """``(plus, minus)``: ‖Π_{K_c}(g_c)‖ and ‖Π_{K_c}(−g_c)‖ for each cell, g_c = Xᵀ D_c v.

        Exact wherever ‖g_c‖ > ``threshold``; elsewhere ‖g_c‖ itself, an upper bound below the
        threshold (‖Π_K(g)‖ ≤ ‖g‖), which is all a caller comparing against it needs."""
        raise NotImplementedError

    def argmax(self, v, c: int, sign: float = 1.0) -> np.ndarray:
        """A unit u ∈ K_c maximising ±vᵀ(Xu)₊ (u = 0 when the maximum is 0)."""
        raise NotImplementedError

    def argmaxes(self, v, cells, signs) -> np.ndarray:
        """:meth:`argmax` for many (cell, sign) pairs at once, (len(cells), d)."""
        out = [self.argmax(v, int(c), float(s)) for c, s in zip(cells, signs)]
        return np.array(out).reshape(len(out), self.X.shape[1])

    def cell_of(self, U) -> np.ndarray:
        """The cell of each direction u (rows of U); −1 where it is none of these cells."""
        raise NotImplementedError

    def lookup(self, patterns) -> np.ndarray:
        """The cell of each pattern row; −1 where it is none of these cells."""
        raise NotImplementedError

    def local_maxima(self, vals) -> np.ndarray:
        """Mask of cells whose value is ≥ that of every neighbouring cell (all cells, when the
        set has no adjacency)."""
        return np.ones(len(vals), dtype=bool)

    # -- derived ----------------------------------------------------------------------------
    def nonzero(self) -> np.ndarray:
        """(P,) bool: D_c ≠ 0 (the all-zero pattern contributes nothing to (8))."""
        raise NotImplementedError

    def maximum(self, v):
        """max over the cells and both signs of ‖Π_{K_c}(±g_c)‖ = max over the unit ball of
        |vᵀ(Xu)₊| restricted to the cells' cones: ``(value, cell, sign, unit maximiser u)``."""
        v = np.asarray(v, dtype=float)
        plus, minus = self.price(v)
        if self.n_cells == 0:
            return 0.0, -1, 1.0, np.zeros(self.X.shape[1])
        cp, cm = int(np.argmax(plus)), int(np.argmax(minus))
        c, sign, val = (cp, 1.0, plus[cp]) if plus[cp] >= minus[cm] else (cm, -1.0, minus[cm])
        if val <= 0:
            return 0.0, -1, 1.0, np.zeros(self.X.shape[1])
        return float(val), c, sign, self.argmax(v, c, sign)

    def dual_norm(self, v) -> float:
        """max_{‖u‖ ≤ 1} |vᵀ(Xu)₊| over the cells' cones: the smallest β at which v is dual
        feasible for (8) over these cells."""
        plus, minus = self.price(np.asarray(v, dtype=float))
        return float(max(plus.max(initial=0.0), minus.max(initial=0.0)))
