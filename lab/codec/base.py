"""The codec's limits and its one data-set type, shared by every format."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

FORMAT_VERSION = 1
PREFIX = f"v{FORMAT_VERSION}."
DECIMALS = 3                        # the app's precision for coordinates and real targets
SCALE = 10 ** DECIMALS
VALUE_LIMIT = 10_000.0              # |coordinate|, |target| <= this (canvas is a few units wide)
MAX_POINTS = 1_000                  # points per data set: URL, CSV and upload alike (the exact solver's reach)
MAX_TOKEN_CHARS = 8_000             # data token length in the URL (browsers/servers take far more)
MAX_PAYLOAD_BYTES = 64 * 1024       # decompressed payload bound (anti zip-bomb)
MAX_CSV_BYTES = 200_000             # upload size cap

PAGES = ("data", "arrangement", "convex", "sgd", "geometry", "convolution", "higher_dims", "about",
         "lesson", "path")
OPTIMIZERS = ("sgd", "momentum", "adam")      # cvxcore.training.OPTIMIZERS
DATA_KEY = "data"                   # the query-parameter name of the data token

CSV_FORMAT = f"""\
CSV files, UTF-8, with a header line, comma-separated (';' or tab also accepted):
  1-D regression:      x,y            one point (x, y) per line, y any real number
  2-D classification:  x1,x2,label    label -1 or +1  ('y' is accepted instead of 'label')
Column order and case do not matter; blank lines and lines starting with '#' are skipped.
At most {MAX_POINTS} data rows and {MAX_CSV_BYTES // 1000} KB; values must be finite numbers within ±{VALUE_LIMIT:g}
and are rounded to {DECIMALS} decimals.  The bias toggle is not part of the file."""


class Dataset(NamedTuple):
    """A data set: points ``X (n, d)`` (d = 1 or 2), targets/labels ``y (n,)``, bias flag.

    ``bias`` is None for a data set read from CSV (the file does not carry it: keep the toggle).
    """
    X: np.ndarray
    y: np.ndarray
    bias: bool | None

    @property
    def d(self) -> int:
        return int(self.X.shape[1])

    @property
    def n(self) -> int:
        return int(self.X.shape[0])
