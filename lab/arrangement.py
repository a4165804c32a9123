"""The Arrangement page's cells: which cell a neuron u is in, its neighbours, and what a click means.

A neuron with weights u is active on the points with xᵢᵀu ≥ 0; its pattern D(u) is constant on
each cell of the arrangement of the hyperplanes {u : xᵢᵀu = 0} (the paper, section 3).  The page
keeps one direction u (unit, in R^d; d = 2 or 3) and shows the cell that contains it.  A student
moves u in three ways, each of which this module turns into a new u:

* **click a data point** (:func:`flip_point`): the smallest turn of u that switches that point
  (u moves to the nearest direction across {u : xᵢᵀu = 0}, just past it).  In the input plane the
  neuron's line swings just past the point; other points switch too only where the line had to
  cross them on the way.
* **click an empty spot** of the input plane (:func:`line_through`): the line moves parallel to
  itself through the spot (2-D data with bias); in weight space (d = 2) the spot is u itself
  (:func:`direction_at`).
* **step across a facet** (:func:`facet_steps`, :func:`step`): the cells that share a facet with
  the current one, each named by the points that switch.

The cells come from :func:`cvxcore.arrangement` (exact, rank ≤ 3), built once per data set and
shared by every session (:func:`cells`).  Past :data:`EXACT_MAX` cells the page keeps the
pattern 1[Xu ≥ 0] of the chosen u and no cell structure (:func:`plan`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st
from numpy.typing import ArrayLike

from cvxcore import Arrangement, arrangement, exact_pattern_bound
from lab import state

# Cover's count up to which the cells are enumerated exactly: 2-D data with bias at the app's
# 500-point limit has 249,502 cells (built in ~5 s once per data set, shared by every session).
EXACT_MAX = 260_000
STEP_MAX = 0.05          # a click moves u at most this far past the point's hyperplane (radians)
POINT_RADIUS = 0.1       # a click this close to a data point (in the plot's units) is on the point


@dataclass
class Cells:
    """The exact arrangement of X's rows (``arr``: :class:`cvxcore.Arrangement`) and, for rank 2
    (1-D data with bias), its cells in angular order (``by_angle``: cell indices)."""
    arr: Arrangement
    by_angle: np.ndarray | None

    @property
    def n_cells(self) -> int:
        return int(self.arr.n_cells)

    def cell_of(self, u: np.ndarray) -> int:
        return int(self.arr.cell_of(np.asarray(u, float))[0])

    def pattern(self, c: int) -> np.ndarray:
        return self.arr.patterns(np.array([c]))[0]

    def number(self, c: int) -> int | None:
        """The cell's number 1 … P counted by angle (rank 2), or None (rank 3: no natural order)."""
        if self.by_angle is None:
            return None
        return int(np.flatnonzero(self.by_angle == c)[0]) + 1


def plan(X: np.ndarray) -> tuple[str, int]:
    """("exact" | "pattern", Cover's count of X): exact cells up to :data:`EXACT_MAX`."""
    bound = exact_pattern_bound(X)
    return ("exact" if bound <= EXACT_MAX else "pattern"), int(bound)


@st.cache_resource(max_entries=16, show_spinner="Finding the cells of the arrangement …")
def cells(X: np.ndarray) -> Cells | str:
    """The cells of X's arrangement (shared, read-only), or the core's message when it refuses."""
    try:
        arr = arrangement(X)
    except ValueError as e:
        return str(e)
    if not isinstance(arr, Arrangement):        # rank ≥ 4: the page shows the pattern of u only
        return f"X has rank {np.linalg.matrix_rank(X)}: the cells are listed for rank ≤ 3 only."
    by_angle = None
    if arr.r <= 2 and X.shape[1] == 2:
        ang = np.array([np.arctan2(*arr.interior_point(c)[::-1]) for c in range(arr.n_cells)])
        by_angle = np.argsort(np.mod(ang, 2 * np.pi), kind="stable")
    return Cells(arr, by_angle)


# ----------------------------------------------------------------------------- what a click means
def _unit(u: ArrayLike) -> np.ndarray:
    u = np.asarray(u, float)
    return u / np.linalg.norm(u)


def flip_point(X: np.ndarray, u: np.ndarray, i: int) -> np.ndarray:
    """The unit u' nearest to u with point i on the other side: the foot f of u on the
    hyperplane xᵢᵀu = 0, moved past it by half the way to the next hyperplane along the step
    (at most :data:`STEP_MAX`), so u' lies inside the cell across that hyperplane at f.
    A zero row (a point at the origin without bias) cannot be switched: u is returned."""
    X = np.asarray(X, float)
    u = _unit(u)
    x = X[i]
    nx = np.linalg.norm(x)
    if nx == 0:
        return u
    xh = x / nx
    side = 1.0 if x @ u >= 0 else -1.0
    f = u - (xh @ u) * xh
    if np.linalg.norm(f) < 1e-12:                 # u ⟂ the hyperplane: any direction in it will do
        f = np.linalg.svd(xh[None, :])[2][-1]
    f = _unit(f)
    w = -side * xh                                # the step: towards the other side of point i
    num, den = X @ f, X @ w
    with np.errstate(divide="ignore", invalid="ignore"):
        t = -num / den                            # where the ray f + t w meets each hyperplane
    # rows on point i's own hyperplane (repeats of it, or multiples without a bias) switch with it
    own = np.linalg.norm(X - np.outer(X @ xh, xh), axis=1) <= 1e-12 * np.linalg.norm(X, axis=1)
    t = t[~own & np.isfinite(t) & (t > 1e-15)]
    d = min(STEP_MAX, 0.5 * t.min()) if t.size else STEP_MAX
    return _unit(f + d * w)


def line_through(u: np.ndarray, p: ArrayLike) -> np.ndarray:
    """2-D data with bias: the neuron whose line u₁x₁ + u₂x₂ + u₃ = 0 is u's moved parallel to
    itself through the point p of the input plane (same normal (u₁, u₂), same positive side)."""
    u = _unit(u)
    a = u[:2] if np.linalg.norm(u[:2]) > 1e-9 else np.array([1.0, 0.0])
    return _unit(np.r_[a, -(a @ np.asarray(p, float))])


def line_through_origin(u: np.ndarray, p: ArrayLike) -> np.ndarray:
    """2-D data without bias: the line u₁x₁ + u₂x₂ = 0 through the origin and the point p,
    turned so that its positive side stays on u's side (u₂-dimensional: d = 2)."""
    p = np.asarray(p, float)
    if np.linalg.norm(p) < 1e-9:
        return _unit(u)
    n = np.array([-p[1], p[0]])
    return _unit(n if n @ u >= 0 else -n)


def direction_at(p: ArrayLike) -> np.ndarray | None:
    """Weight space (d = 2): the direction of the clicked point p = (u₁, u₂), or None at 0."""
    p = np.asarray(p, float)
    return None if np.linalg.norm(p) < 1e-9 else _unit(p)


@dataclass(frozen=True)
class Step:
    """One facet of the current cell: crossing it switches ``points`` (0-based rows) ``on`` or off."""
    cell: int
    points: tuple[int, ...]
    on: bool


def facet_steps(cs: Cells, c: int) -> list[Step]:
    """The neighbours of cell c, one per facet, named by the data points whose hyperplane it is
    (several when points repeat), sorted by the first point."""
    arr = cs.arr
    a, b, line = arr.adj[:, 0], arr.adj[:, 1], arr.adj_line
    out = []
    for k in np.flatnonzero((a == c) | (b == c)):
        into_on = a[k] == c                      # the neighbour b has the line's bit set
        nb = int(b[k] if into_on else a[k])
        rows = np.flatnonzero(arr.line_of == line[k])
        if rows.size == 0:
            continue
        # a row on the line with sign −1 is active when the bit is 0
        on = bool(into_on == (arr.sign_of[rows[0]] > 0))
        out.append(Step(nb, tuple(int(r) for r in rows), on))
    return sorted(out, key=lambda s: s.points)


def step(cs: Cells, s: Step) -> np.ndarray:
    """A direction inside the neighbouring cell of ``s``."""
    return cs.arr.interior_point(s.cell)


# ----------------------------------------------------------------------------- for the figures
def polygon(cs: Cells, c: int) -> np.ndarray:
    """The corners (unit rays in R³, in order around the cell) of cell c of a rank-3 arrangement;
    (0, 3) for another rank."""
    arr = cs.arr
    if arr.r != 3:
        return np.zeros((0, 3))
    sl = slice(arr.ptr[c], arr.ptr[c + 1])
    V = np.r_[arr.A[sl], arr.B[sl]] @ arr.Vr.T
    V = V / np.linalg.norm(V, axis=1, keepdims=True)
    V = np.unique(np.round(V, 12), axis=0)
    m = _unit(V.sum(axis=0))
    e1 = _unit(np.linalg.svd(m[None, :])[2][-1])
    e2 = np.cross(m, e1)
    return V[np.argsort(np.arctan2(V @ e2, V @ e1))]


def sector(cs: Cells, c: int) -> np.ndarray | None:
    """The two rays (2, 2) bounding cell c of a rank-2 arrangement in R², or None."""
    arr = cs.arr
    if arr.r != 2 or arr.Vr.shape[0] != 2:
        return None
    return np.vstack([arr.Vr @ arr.A[arr.ptr[c]], arr.Vr @ arr.B[arr.ptr[c]]])


def facet_points(cs: Cells, c: int) -> np.ndarray:
    """The rows of X whose hyperplanes bound cell c (0-based), sorted."""
    return np.array(sorted({p for s in facet_steps(cs, c) for p in s.points}), dtype=int)


# ----------------------------------------------------------------------------- the page's state
U_SETTING = "arr_u"                 # lab.codec.SETTINGS: the chosen u (in the link too)
_CLICKS = "_arr_clicks"             # the counter that renews the clickable charts' keys (lab.state)
DEFAULT_U = {2: (1.0, 0.5), 3: (0.6, 0.8, 0.3)}


def current_u(d: int) -> np.ndarray:
    """The chosen unit u ∈ R^d (from a click, a step or the link), or the default for d."""
    u = state.setting(U_SETTING)
    if u is None or len(u) != d or not np.all(np.isfinite(u)) or np.linalg.norm(u) < 1e-9:
        u = DEFAULT_U.get(d, (1.0,) * d)        # e.g. the data changed from 1-D to 2-D
        set_u(u)
    return _unit(u)


def set_u(u: np.ndarray | tuple[float, ...]) -> None:
    state.set_setting(U_SETTING, tuple(float(v) for v in _unit(u)))


def chart_key(base: str) -> str:
    """The key of the page's clickable chart ``base`` this run (all renewed after any click)."""
    return f"{base}_{state.counter(_CLICKS)}"


def _clicked(base: str) -> tuple[int | None, float, float] | None:
    """(curve number, x, y) of the point the last click picked on chart ``base``, or None."""
    ev = state.widget_value(chart_key(base))
    sel = ev.get("selection", {}) if isinstance(ev, dict) else getattr(ev, "selection", None) or {}
    pts = sel.get("points", []) if isinstance(sel, dict) else getattr(sel, "points", []) or []
    if not pts:
        return None
    p = pts[0]
    return p.get("curve_number"), float(p["x"]), float(p["y"])


def on_click(base: str, kind: str) -> None:
    """``on_select`` of the page's clickable charts: turn the click into a new u (module docstring).

    ``kind``: "weight" (the weight plane, d = 2), "ramp" (1-D data with bias), "plane" (the input
    plane of 2-D data, with or without bias)."""
    hit = _clicked(base)
    state.bump(_CLICKS)
    if hit is None:
        return
    curve, px, py = hit
    ds = state.get_dataset()
    X = state.design_matrix(ds)
    u = current_u(X.shape[1])
    if kind == "weight":
        new = direction_at((px, py)) if curve == 0 else None
    else:
        # plotly reports the click grid (trace 0) for a click on a point too (a tie, the first
        # trace wins), so a click within a marker's radius of a point is a click on that point
        pts = np.c_[ds.X[:, 0], ds.y] if kind == "ramp" else ds.X
        dist = np.max(np.abs(pts - [px, py]), axis=1) if len(pts) else np.zeros(0)
        if dist.size and dist.min() < POINT_RADIUS:
            new = flip_point(X, u, int(np.argmin(dist)))
        elif curve == 0 and kind == "ramp":
            s = u[0] if abs(u[0]) > 1e-9 else 1.0
            new = _unit([s, -s * px])
        elif curve == 0:
            new = line_through(u, (px, py)) if X.shape[1] == 3 else line_through_origin(u, (px, py))
        else:
            new = None
    if new is not None:
        set_u(new)
