"""The drawing canvas and a network on it.

The canvas has fixed ranges, so that a click maps to the same place on every rerun: x ∈ [−3, 3]
(targets y ∈ [−2.5, 2.5]) for 1-D regression, the square [−2.5, 2.5]² for 2-D classification.
:func:`network_on_canvas` is the one place a network f(x) = Σⱼ αⱼ(uⱼᵀx)₊ (x with a 1 appended when
the data has a bias) is evaluated over it, for every fit and decision-region figure of the app.
Pure numpy; no Streamlit, no plotly.
"""
from __future__ import annotations

import numpy as np

from cvxcore import predict, with_bias

CANVAS_1D = ((-3.0, 3.0), (-2.5, 2.5))
CANVAS_2D = ((-2.5, 2.5), (-2.5, 2.5))
GRID_STEP = 0.1            # the clickable grid's step (a click lands on a multiple of it)
FIT_POINTS = 401           # a 1-D fit: x values across the canvas
REGION_POINTS = 81         # 2-D decision regions: a grid of 81 × 81 points


def network_on_canvas(U: np.ndarray, alpha: np.ndarray, bias: bool, dim: int,
                      points: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The network (U (m, d), alpha (m,)) on the canvas of ``dim``-D data.

    ``dim`` 1: ``(xs, f(xs))`` at ``points`` (default :data:`FIT_POINTS`) values of x.
    ``dim`` 2: ``(g, F)`` with g the ``points`` (default :data:`REGION_POINTS`) grid values of
    each axis and F[i, j] = f(g[j], g[i]).  A diverged network gives inf or NaN, not a warning."""
    if dim == 1:
        xs = np.linspace(*CANVAS_1D[0], points or FIT_POINTS)
        P = xs[:, None]
    else:
        xs = np.linspace(*CANVAS_2D[0], points or REGION_POINTS)
        P = np.c_[np.tile(xs, xs.size), np.repeat(xs, xs.size)]
    with np.errstate(over="ignore", invalid="ignore"):
        f = predict(with_bias(P) if bias else P, np.asarray(U, float), np.asarray(alpha, float))
    return xs, (f if dim == 1 else f.reshape(xs.size, xs.size))
