"""The cells of X seen as the cells of X / s (s > 0): the same patterns, facets and cones (a
cone {u : N u ≥ 0} does not change when N is scaled), and correlations g_c = (X/s)ᵀ D_c v =
Xᵀ D_c v / s, so every price is the parent's divided by s."""
from __future__ import annotations

import numpy as np

from .base import CellSet


class ScaledCells(CellSet):
    """``parent``'s cells for the data ``parent.X / s``."""

    def __init__(self, parent: CellSet, s: float):
        self.parent = parent
        self.s = float(s)
        self.X = parent.X / self.s
        self.exact = parent.exact

    @property
    def n_cells(self) -> int:
        return self.parent.n_cells

    @property
    def rank(self) -> int:
        return self.parent.rank

    def patterns(self, cells=None):
        return self.parent.patterns(cells)

    def nonzero(self):
        return self.parent.nonzero()

    def facets(self, c):
        return self.parent.facets(c)

    def correlations(self, v, cells=None):
        return self.parent.correlations(v, cells) / self.s

    def price(self, v, threshold: float = 0.0, cells=None):
        plus, minus = self.parent.price(v, threshold * self.s, cells)
        return np.asarray(plus) / self.s, np.asarray(minus) / self.s

    def argmax(self, v, c, sign=1.0):
        return self.parent.argmax(v, c, sign)

    def lookup(self, patterns):
        return self.parent.lookup(patterns)

    def cell_of(self, U):
        return self.parent.cell_of(U)

    def local_maxima(self, vals):
        return self.parent.local_maxima(vals)
