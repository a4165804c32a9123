"""Small geometric helpers for the pages (numpy/scipy only, no Streamlit, no plotly).

- :func:`cell_direction`: a direction u strictly inside the cell of pattern D_i, i.e.
  ``(2D_i − I) X u > 0``, by one linear program (maximise the margin t subject to
  ``(2D_i − I) X u ≥ t``, ``‖u‖_∞ ≤ 1``), normalised to ‖u‖ = 1.
- :func:`pattern_of`: ``1[X u ≥ 0]``.
- :func:`sphere_points`: a Fibonacci lattice on the unit sphere (to paint cells).
- :func:`plane_basis`: an orthonormal basis of {u : xᵀu = 0} in R³ (for great circles).
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import linprog


def pattern_of(X: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.asarray(X, float) @ np.asarray(u, float) >= 0


def cell_direction(X: np.ndarray, D: np.ndarray) -> tuple[np.ndarray, float]:
    """(unit u inside the cell of pattern D, margin t); t ≤ 0 means the cell has no interior."""
    X = np.asarray(X, float)
    n, d = X.shape
    S = np.where(np.asarray(D, bool), 1.0, -1.0)[:, None] * X
    # variables (u, t): maximise t  s.t.  −S u + t ≤ 0,  −1 ≤ u ≤ 1,  t ≤ 1
    c = np.r_[np.zeros(d), -1.0]
    A = np.c_[-S, np.ones(n)]
    res = linprog(c, A_ub=A, b_ub=np.zeros(n), bounds=[(-1, 1)] * d + [(None, 1)], method="highs")
    if res.status != 0:
        return np.zeros(d), 0.0
    u = res.x[:d]
    nu = np.linalg.norm(u)
    return (u / nu if nu > 0 else u), float(res.x[d])


def sphere_points(k: int = 4000) -> np.ndarray:
    """k nearly uniform points on the unit sphere in R³ (Fibonacci lattice), shape (k, 3)."""
    i = np.arange(k) + 0.5
    z = 1 - 2 * i / k
    phi = np.pi * (1 + 5 ** 0.5) * i
    r = np.sqrt(1 - z * z)
    return np.c_[r * np.cos(phi), r * np.sin(phi), z]


def plane_basis(x: np.ndarray) -> np.ndarray:
    """Two orthonormal vectors (2, 3) spanning {u : xᵀu = 0}; x ≠ 0."""
    x = np.asarray(x, float)
    _, _, Vt = np.linalg.svd(x[None, :])
    return Vt[1:3]


def sectors_2d(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cells of the arrangement of lines {u : xᵢᵀu = 0} in R² (d = 2), ordered by angle.

    Returns unit directions (P, 2), one inside each open cell (the bisector of its sector), and
    their patterns 1[X u ≥ 0] (P, n).  X with no nonzero row gives the whole plane (P = 1).
    """
    X = np.asarray(X, float)
    Xn = X[np.linalg.norm(X, axis=1) > 1e-12]
    if Xn.shape[0] == 0:
        return np.array([[1.0, 0.0]]), np.ones((1, X.shape[0]), bool)
    a = np.arctan2(Xn[:, 1], Xn[:, 0])
    rays = np.sort(np.mod(np.r_[a + np.pi / 2, a - np.pi / 2], 2 * np.pi))
    keep = np.r_[True, np.diff(rays) > 1e-9]
    rays = rays[keep]
    if rays.size > 1 and rays[-1] - rays[0] > 2 * np.pi - 1e-9:
        rays = rays[:-1]
    nxt = np.r_[rays[1:], rays[0] + 2 * np.pi]
    mid = (rays + nxt) / 2
    dirs = np.c_[np.cos(mid), np.sin(mid)]
    return dirs, dirs @ X.T >= 0
