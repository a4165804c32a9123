"""The regularization path and the dual made visible: cached core calls, direction grids, views.

The path (scikit-learn's ``enet_path`` idea): β_max is the smallest β at which the zero network is
optimal (:func:`cvxcore.beta_max`: v₀ = −∇ℓ(0) is dual feasible iff β ≥ max_{‖u‖≤1}|v₀ᵀ(Xu)₊|).
From there down, :func:`cvxcore.solve_path` solves (8) at each β, warm-started from the previous
optimum; each answer is certified.

The dual (4) at finite β: with v the optimal dual point (``ConvexResult.dual``),

    g(u) = vᵀ(Xu)₊,   |g(u)| ≤ β  for every ‖u‖ = 1,

and every optimal neuron sits where the constraint is tight, g(ûⱼ) = β·sign(αⱼ) (complementary
slackness).  g is drawn over unit directions u: on the circle (d = 2: 1-D data with bias, or 2-D
data without) as a curve over the angle θ of u = (cos θ, sin θ), on the sphere (d = 3: 2-D data with
bias) as a map over longitude φ and latitude ϑ of u = (cos ϑ cos φ, cos ϑ sin φ, sin ϑ).

Grid resolution.  :func:`grid_resolution` is h, the largest distance from any unit u to its nearest
grid direction: on the circle with K equal steps, |u(θ) − u(θₖ)| = 2 sin(|θ − θₖ|/2) ≤ π/K; on the
latitude–longitude grid with steps Δϑ, Δφ, moving from u first along its meridian (arc ≤ Δϑ/2) and
then along the grid node's parallel (arc cos ϑₖ·|φ − φₖ| ≤ Δφ/2) gives h ≤ (Δϑ + Δφ)/2 (a chord is
shorter than its arc).  Since |g(u) − g(u')| ≤ Σᵢ |vᵢ| ‖xᵢ‖ ‖u − u'‖ (the ReLU is 1-Lipschitz), the
drawn maximum of |g| over the grid lies within L·h = Σᵢ|vᵢ|‖xᵢ‖·h below its maximum over the sphere
(β when an optimal neuron exists) and never above it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from cvxcore import ConvexResult, dual_constraint_values, solve_path, train_sgd
from lab import cached, state, ui
from lab import figures_lesson as FL

PATH_ABOVE = 2                      # βs above β_max on the path (the flat part: the zero network)
PATH_BELOW = 20                     # βs below β_max, log-spaced over PATH_DECADES decades
PATH_DECADES = 3.0
CIRCLE_STEPS = 720                  # 0.5° between directions on the circle
SPHERE_STEP_DEG = 2.0               # latitude and longitude step on the sphere
STUCK_RTOL = 0.01                   # an SGD run ending more than 1 % above p* is "stuck"


# ----------------------------------------------------------------------------- the path
def path_betas(bmax: float) -> np.ndarray:
    """β_max·10^t for t from 0.3 down to −PATH_DECADES in equal steps (β_max itself included)."""
    step = PATH_DECADES / PATH_BELOW
    t = np.r_[step * np.arange(PATH_ABOVE, 0, -1), -step * np.arange(0, PATH_BELOW + 1)]
    return bmax * 10.0 ** t


@dataclass
class Path:
    betas: np.ndarray               # (K,) decreasing
    values: np.ndarray              # (K,) p*(β)
    m_stars: np.ndarray             # (K,) m*(β)
    active: np.ndarray              # (K, A) +1: vᵢ ≠ 0, −1: wᵢ ≠ 0, 2: both, 0: neither
    bits: list                      # (A,) Dᵢ of the patterns active somewhere, as 0/1 strings
    beta_max: float
    certified: bool                 # every point "optimal"
    statuses: list
    seconds: float


@st.cache_data(max_entries=64, show_spinner="Solving (8) along the path, from β_max down …")
def path(X: np.ndarray, y: np.ndarray, loss: str) -> tuple[Path | None, str | None]:
    """``(Path, None)`` or ``(None, message)`` for the data's own β range (:func:`path_betas`)."""
    method, bound, _ = cached.plan_patterns(X)
    if method != "exact":
        return None, (f"These {X.shape[0]} points have up to {bound:,} activation patterns: too many to solve "
                      "the whole path exactly here. Remove points, or use the Convex page at one β.")
    try:
        bmax = cached.beta_max_of(X, y, loss)
        if bmax is None:
            return None, "These points have too many activation patterns to compute β_max exactly here."
        if not bmax > 0:
            return None, ("β_max = 0: y is orthogonal to every neuron output (Xu)₊, the zero network is optimal at "
                          "every β.")
        betas = path_betas(bmax)
        res = solve_path(X, y, betas, loss=loss)
    except ValueError as e:
        return None, str(e)
    # Per β and cell: 1 if vᵢ ≠ 0, −1 if wᵢ ≠ 0, 2 if both, 0 if neither (the returned minimal
    # networks: every neuron is a real one, so no threshold is needed).
    C = np.zeros((len(res), res[0].n_patterns), dtype=int)
    for row, r in zip(C, res):
        pos = r.alpha > 0
        row[r.neuron_cells[pos]] += 1
        row[r.neuron_cells[~pos]] -= 1
        row[np.intersect1d(r.neuron_cells[pos], r.neuron_cells[~pos])] = 2
    used = np.flatnonzero(np.any(C != 0, axis=0))
    pats = res[0].arrangement.patterns(used)
    bits = ["".join("1" if b else "0" for b in p) for p in pats]
    return Path(betas=betas, values=np.array([r.value for r in res]), m_stars=np.array([r.m_star for r in res]),
                active=C[:, used], bits=bits, beta_max=float(bmax),
                certified=all(r.status == "optimal" for r in res), statuses=[r.status for r in res],
                seconds=float(sum(r.seconds for r in res))), None


def _clicked_beta(base: str) -> None:
    """``on_select`` of the path chart: the clicked point's β becomes the shared β setting
    (the β slider snaps it to its own grid when it is next drawn)."""
    for p in ui.clicked_points(base):
        b = p.get("x")
        if isinstance(b, (int, float)) and b > 0:
            state.set_setting("beta", float(b))
            break
    ui.renew(base)


def path_view(X: np.ndarray, y: np.ndarray, loss: str, beta: float, current: ConvexResult | None = None, *,
              key: str = "_path", height: int = 600, container: Any = None) -> Path | None:
    """The path figure (clickable: a click on a β sets the β slider); returns the :class:`Path` or None."""
    box = container or st
    p, err = path(X, y, loss)
    if p is None:
        box.warning(err)
        return None
    cur = None if current is None else (beta, current.value, current.m_star)
    fig = FL.path_figure(p.betas, p.values, p.m_stars, p.active, p.bits, p.beta_max, current=cur,
                         loss_label="p*(β)", height=height)
    alt = (f"Chart: the regularization path, p*(β), m*(β) and the active patterns at {len(p.betas)} values of β "
           f"from β_max = {p.beta_max:.4g} down" + ("" if cur is None else f"; at the current β = {beta:g}, "
                                                    f"p* = {cur[1]:.5g} and m* = {cur[2]}") + ".")
    ui.chart(fig, box, alt=alt, key=ui.click_key(key), on_select=lambda: _clicked_beta(key), selection_mode="points",
             config={"displayModeBar": False, "scrollZoom": False, "doubleClick": False})
    if not p.certified:
        bad = sum(s != "optimal" for s in p.statuses)
        box.warning(f"{bad} of the {len(p.betas)} points of the path are not certified optimal.")
    return p


# ----------------------------------------------------------------------------- unit directions
def circle_directions(steps: int = CIRCLE_STEPS) -> tuple[np.ndarray, np.ndarray]:
    """Angles θ (degrees, −180 … 180, ``steps`` equal steps, both ends) and u = (cos θ, sin θ)."""
    th = np.linspace(-np.pi, np.pi, steps + 1)
    return np.degrees(th), np.c_[np.cos(th), np.sin(th)]


def sphere_directions(step_deg: float = SPHERE_STEP_DEG) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Longitudes φ (−180 … 180), latitudes ϑ (−90 … 90) in degrees and the unit directions
    u = (cos ϑ cos φ, cos ϑ sin φ, sin ϑ), (len(lat)·len(lon), 3), latitude-major."""
    lon = np.arange(-180.0, 180.0 + 1e-9, step_deg)
    lat = np.arange(-90.0, 90.0 + 1e-9, step_deg)
    PH, TH = np.meshgrid(np.radians(lon), np.radians(lat))
    U = np.c_[(np.cos(TH) * np.cos(PH)).ravel(), (np.cos(TH) * np.sin(PH)).ravel(), np.sin(TH).ravel()]
    return lon, lat, U


def grid_resolution(d: int, *, steps: int = CIRCLE_STEPS, step_deg: float = SPHERE_STEP_DEG) -> float:
    """h: the largest distance from a unit vector to the nearest direction of the drawn grid
    (module docstring): π/K on the circle, (Δϑ + Δφ)/2 on the sphere; 0 for d = 1 (u = ±1, exact)."""
    if d == 1:
        return 0.0
    if d == 2:
        return float(np.pi / steps)
    return float(np.radians(step_deg))          # (Δϑ + Δφ)/2 with Δϑ = Δφ


def angles_of(U: np.ndarray) -> np.ndarray:
    """Unit directions of the rows of U (k, d) in the grid's coordinates: θ (d = 2, degrees) or
    (φ, ϑ) (d = 3, degrees), shape (k,) or (k, 2)."""
    U = np.asarray(U, float)
    Uh = U / np.maximum(np.linalg.norm(U, axis=1, keepdims=True), 1e-300)
    if U.shape[1] == 2:
        return np.degrees(np.arctan2(Uh[:, 1], Uh[:, 0]))
    return np.c_[np.degrees(np.arctan2(Uh[:, 1], Uh[:, 0])), np.degrees(np.arcsin(np.clip(Uh[:, 2], -1, 1)))]


def dual_on_grid(X: np.ndarray, v: np.ndarray) -> tuple[Any, np.ndarray]:
    """g(u) = vᵀ(Xu)₊ on the drawn grid of unit directions: ``(coords, values)`` with coords the θ
    array (d = 2), the (lon, lat) pair (d = 3, values (len(lat), len(lon))) or u = (−1, +1) (d = 1)."""
    d = X.shape[1]
    if d == 1:
        return np.array([-1.0, 1.0]), dual_constraint_values(X, v, np.array([[-1.0], [1.0]]))
    if d == 2:
        th, U = circle_directions()
        return th, dual_constraint_values(X, v, U)
    lon, lat, U = sphere_directions()
    return (lon, lat), dual_constraint_values(X, v, U).reshape(lat.size, lon.size)


# ----------------------------------------------------------------------------- SGD's neurons on the map
@st.cache_data(max_entries=64, show_spinner="Training a few networks by gradient descent …")
def sgd_neurons(X: np.ndarray, y: np.ndarray, beta: float, loss: str, m: int, trials: int = 4,
                steps: int = 4000, seed: int = 0) -> tuple[list[dict] | None, str | None]:
    """``(runs, None)`` or ``(None, message)``: per run its final objective (2) and the unit
    directions of the neurons that carry output (|αⱼ|‖uⱼ‖ above 1e-3 of the run's largest)."""
    try:
        r = train_sgd(X, y, m=m, beta=beta, loss=loss, steps=steps, trials=trials, seed=seed,
                      record_every=steps)
    except ValueError as e:
        return None, str(e)
    out = []
    for t in range(r.trials):
        if r.diverged[t]:
            continue
        w = np.abs(r.alpha[t]) * np.linalg.norm(r.U[t], axis=1)
        keep = w > 1e-3 * max(w.max(initial=0.0), 1e-300)
        out.append({"final": float(r.final[t]), "U": r.U[t][keep], "alpha": r.alpha[t][keep]})
    return out, None


def sgd_marks(X: np.ndarray, v: np.ndarray, runs: list, p_star: float) -> list[dict]:
    """Per SGD run the map coordinates and g of its neurons' directions, named with how far the
    run ended above p* (a run more than :data:`STUCK_RTOL` above is called stuck)."""
    marks = []
    for k, r in enumerate(runs):
        if not len(r["U"]):
            continue
        rel = (r["final"] - p_star) / max(abs(p_star), 1e-300)
        name = f"SGD run {k + 1}: ends {100 * max(rel, 0):.2g} % above p*"
        g = dual_constraint_values(X, v, r["U"] / np.linalg.norm(r["U"], axis=1, keepdims=True))
        a = angles_of(r["U"])
        if X.shape[1] == 2:
            marks.append({"name": name, "theta": a, "g": g, "rel": rel})
        elif X.shape[1] == 3:
            marks.append({"name": name, "lon": a[:, 0], "lat": a[:, 1], "g": g, "rel": rel})
    return marks


def neuron_dual_values(X: np.ndarray, res: ConvexResult) -> np.ndarray:
    """g(ûⱼ) = vᵀ(Xûⱼ)₊ at the unit directions of the optimal neurons of ``res`` (v = ``res.dual``)."""
    if not len(res.U) or res.dual is None:
        return np.zeros(0)
    return dual_constraint_values(X, res.dual, res.U / np.linalg.norm(res.U, axis=1, keepdims=True))


def dual_figure(X: np.ndarray, res: ConvexResult, beta: float, *, sgd: Sequence[dict] = (), height: int = 470,
                labels: tuple[str, str] = ("weight", "bias"), show_neurons: bool = True) -> Any:
    """The figure of g(u) = vᵀ(Xu)₊ with v = ``res.dual`` for this data's dimension d (1, 2 or 3),
    the optimal neurons of ``res`` marked (unless ``show_neurons`` is False); None when the result
    carries no dual point."""
    v = getattr(res, "dual", None)
    if v is None:
        return None
    d = X.shape[1]
    coords, g = dual_on_grid(X, v)
    U, alpha = (res.U, res.alpha) if show_neurons else (np.zeros((0, d)), np.zeros(0))
    gn = neuron_dual_values(X, res) if show_neurons else np.zeros(0)
    if d == 1:
        return FL.dual_two_directions(float(g[0]), float(g[1]), beta, height=height)
    if d == 2:
        a = angles_of(U) if len(U) else np.zeros(0)
        return FL.dual_circle(coords, g, beta, neurons=(a, gn, alpha), sgd=sgd, height=height,
                              angle_label=f"angle θ of u = ({labels[0]}, {labels[1]})")
    a = angles_of(U) if len(U) else np.zeros((0, 2))
    return FL.dual_sphere(coords[0], coords[1], g, beta, neurons=(a[:, 0], a[:, 1], alpha), sgd=sgd, height=height)
