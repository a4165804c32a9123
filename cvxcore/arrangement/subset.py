"""Some cells of a cell set, e.g. sampled patterns that are all cells of an arrangement (then
priced with its closed-form geometry instead of NNLS), or the support of a solution."""
from __future__ import annotations

import numpy as np

from .base import CellSet


class CellSubset(CellSet):
    """Cells ``cells`` (indices into ``parent``, any cell set), in that order."""

    exact = False

    def __init__(self, parent: CellSet, cells):
        self.parent = parent
        self.cells = np.asarray(cells, dtype=int).reshape(-1)
        self.X = parent.X
        self._where = None

    @property
    def n_cells(self) -> int:
        return int(self.cells.size)

    @property
    def rank(self) -> int:
        return self.parent.rank

    def _p(self, cells):
        return self.cells if cells is None else self.cells[np.asarray(cells)]

    def patterns(self, cells=None):
        return self.parent.patterns(self._p(cells))

    def nonzero(self):
        return self.parent.nonzero()[self.cells]

    def facets(self, c):
        return self.parent.facets(int(self.cells[c]))

    def correlations(self, v, cells=None):
        return self.parent.correlations(v, self._p(cells))

    def price(self, v, threshold: float = 0.0, cells=None):
        return self.parent.price(v, threshold, self._p(cells))

    def argmax(self, v, c, sign=1.0):
        return self.parent.argmax(v, int(self.cells[c]), sign)

    def argmaxes(self, v, cells, signs):
        return self.parent.argmaxes(v, self.cells[np.asarray(cells, dtype=int)], signs)

    def _local(self, parent_idx):
        if self._where is None:
            self._where = {int(c): i for i, c in enumerate(self.cells)}
        return np.array([self._where.get(int(c), -1) if c >= 0 else -1 for c in np.atleast_1d(parent_idx)], dtype=int)

    def lookup(self, patterns):
        return self._local(self.parent.lookup(patterns))

    def cell_of(self, U):
        return self._local(self.parent.cell_of(U))

    def interior_point(self, c):
        return self.parent.interior_point(int(self.cells[c]))

    def local_maxima(self, vals):
        """Against neighbouring cells of the subset only (a cell whose neighbours are not in
        the subset is a local maximum)."""
        full = np.full(self.parent.n_cells, -np.inf)
        np.maximum.at(full, self.cells, np.asarray(vals, dtype=float))
        return self.parent.local_maxima(full)[self.cells] | ~np.isfinite(full[self.cells])
