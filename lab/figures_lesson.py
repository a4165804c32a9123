"""Figures of the lesson and of the regularization-path page: pure functions, arrays in, ``go.Figure`` out.

No Streamlit and no solving here (the numbers come from :mod:`cvxcore` through :mod:`lab.lesson_data`
and :mod:`lab.path_dual`); every builder can be called by a test.  The look follows
:mod:`lab.figures`: its template, projector-sized fonts, class +1 blue / −1 orange, a neuron with
α > 0 green and with α < 0 purple.

* :func:`landscape_one_neuron` — objective (2) of one neuron f(x) = α(xu)₊ over (u, α), 1-D data
  without bias: one cell per sign of u, one local minimum per cell.
* :func:`figure2_panels` — the paper's Figure 2: one panel per width m, the runs and p*.
* :func:`cells_plane` — the arrangement of the lines {u : xᵢᵀu = 0} in R², each cell numbered.
* :func:`path_figure` — p*(β), m*(β) and the active patterns along the regularization path.
* :func:`dual_circle`, :func:`dual_sphere`, :func:`dual_two_directions` — u ↦ vᵀ(Xu)₊ over unit
  directions u against ±β (the constraint of the dual (4)), the optimal neurons and SGD's neurons.
* :func:`sgd_certified` — SGD objective traces with each run's certified lower bound on p*.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lab.figures import ANEG, APOS, FONT, OPT, POS, TEMPLATE, TRACE_COLORS

BAND = "rgba(31,95,191,0.08)"        # the feasible band |vᵀ(Xu)₊| ≤ β
CURRENT = "#d62728"                  # the current β on the path


def _look(fig: go.Figure, *, height: int, xtitle: str | None = None, ytitle: str | None = None,
          legend_top: bool = True) -> go.Figure:
    fig.update_layout(template=TEMPLATE, height=height, font=dict(size=FONT),
                      margin=dict(l=70, r=20, t=50 if legend_top else 20, b=60),
                      legend=dict(font=dict(size=FONT - 3), bgcolor="rgba(255,255,255,0.85)",
                                  **(dict(orientation="h", x=0, y=1.02, xanchor="left", yanchor="bottom")
                                     if legend_top else {})))
    if xtitle:
        fig.update_xaxes(title=dict(text=xtitle))
    if ytitle:
        fig.update_yaxes(title=dict(text=ytitle))
    fig.update_xaxes(gridcolor="#e6e6e6", zerolinecolor="#999")
    fig.update_yaxes(gridcolor="#e6e6e6", zerolinecolor="#999")
    return fig


# ----------------------------------------------------------------------------- step 1: one neuron
def landscape_one_neuron(ug: np.ndarray, ag: np.ndarray, Z: np.ndarray, minima: list[dict], *,
                         paths: Sequence[np.ndarray] = (), x: np.ndarray | None = None,
                         show_values: bool = True, height: int = 500) -> go.Figure:
    """Objective (2) of the one-neuron network f(x) = α(xu)₊ over the plane (u, α).

    ``Z`` (len(ag), len(ug)) holds the objective on the grid; it is drawn as filled contours of
    log₁₀ Z.  ``minima``: one dict per cell (``u``, ``alpha``, ``value``, ``label``, ``color``) — the
    optimum of the convex program of that cell's activation pattern, drawn as a star of the colour of
    the cell's label.  ``paths``: gradient-descent
    trajectories (k, 2) of (u, α), each ending in one of the minima.  The line u = 0 separates the
    cells u < 0 and u > 0, in which different data points are active.  ``show_values``: write each
    minimum's objective beside its star (off while a question asks which is lower).
    """
    Z = np.asarray(Z, float)
    L = np.log10(np.maximum(Z, 1e-12))
    fig = go.Figure()
    fig.add_trace(go.Contour(x=ug, y=ag, z=L, colorscale="Viridis", reversescale=True, ncontours=28,
                             contours=dict(coloring="heatmap", showlines=True),
                             line=dict(width=0.6, color="rgba(255,255,255,0.6)"),
                             colorbar=dict(title=dict(text="log₁₀ objective", side="right"), thickness=14,
                                           tickfont=dict(size=FONT - 4)),
                             hovertemplate="u = %{x:.2f}, α = %{y:.2f}<extra></extra>", name="objective (2)",
                             showlegend=False))
    fig.add_vline(x=0, line=dict(color="white", width=3, dash="dash"))
    for k, p in enumerate(paths):
        p = np.asarray(p, float)
        fig.add_trace(go.Scatter(x=p[:, 0], y=p[:, 1], mode="lines", line=dict(color="white", width=2),
                                 name="gradient descent", legendgroup="gd", showlegend=k == 0, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=p[:1, 0], y=p[:1, 1], mode="markers", legendgroup="gd", showlegend=False,
                                 marker=dict(color="white", size=8, line=dict(color="black", width=1)),
                                 hoverinfo="skip"))
    for m in minima:
        fig.add_trace(go.Scatter(
            x=[m["u"]], y=[m["alpha"]], mode="markers+text" if show_values else "markers", name=m["label"],
            text=[f"{m['value']:.3f}"] if show_values else None,
            textposition="top center", textfont=dict(size=FONT, color="white"),
            marker=dict(symbol="star", size=22, color=m.get("color", CURRENT), line=dict(color="white", width=1.5)),
            hovertemplate=(f"{m['label']}<br>objective {m['value']:.4f}" if show_values else m["label"])
            + "<extra></extra>"))
    ann = []
    if x is not None and len(x):
        for sgn, col in ((-1, ANEG), (1, APOS)):
            act = [f"{v:g}" for v in np.asarray(x, float) if v * sgn > 0]
            ann.append(dict(x=0.01 if sgn < 0 else 0.99, y=0.99, xref="paper", yref="paper", showarrow=False,
                            xanchor="left" if sgn < 0 else "right", yanchor="top",
                            text=f"<b>u {'<' if sgn < 0 else '>'} 0</b>: x = {', '.join(act) or 'none'} active",
                            font=dict(size=FONT - 3, color="white"), bgcolor=col, opacity=0.9))
    fig.update_layout(annotations=ann)
    _look(fig, height=height, xtitle="first-layer weight u", ytitle="output weight α", legend_top=False)
    fig.update_layout(showlegend=False, margin=dict(t=10, b=60))
    fig.update_xaxes(range=[ug[0], ug[-1]], zeroline=False)
    fig.update_yaxes(range=[ag[0], ag[-1]], zeroline=False)
    return fig


# ----------------------------------------------------------------------------- Figure 2
def figure2_panels(panels: dict, p_star: float, *, beta: float, total_steps: int,
                   height: int = 430) -> go.Figure:
    """The paper's Figure 2: one panel per width m (the keys of ``panels``, in order).

    ``panels[m]`` is ``(steps (T,), objectives (trials, T))`` once computed, or None (the panel
    says it is being computed).  Every run is a thin line; p* of program (8) is dashed.  The
    y axis is shared and logarithmic, from just below p* to the highest start."""
    ms = list(panels)
    fig = make_subplots(rows=1, cols=len(ms), shared_yaxes=True, horizontal_spacing=0.045,
                        subplot_titles=[f"m = {m}" for m in ms])
    hi = p_star * 10
    for c, m in enumerate(ms, start=1):
        data = panels[m]
        if data is None:
            fig.add_annotation(text="computing …", x=0.5, y=0.5, xref=f"x{c if c > 1 else ''} domain",
                               yref="y domain", showarrow=False, font=dict(size=FONT, color="#777"))
        else:
            steps, obj = data
            obj = np.asarray(obj, float)
            for t in range(obj.shape[0]):
                fig.add_trace(go.Scatter(x=steps, y=obj[t].astype(np.float32), mode="lines",
                                         line=dict(width=1.6, color=TRACE_COLORS[t % 10]),
                                         name="gradient descent (one line per start)", legendgroup="gd",
                                         showlegend=(c == 1 and t == 0),
                                         hovertemplate=f"m = {m}, start {t + 1}<br>step %{{x}}<br>"
                                                       "objective %{y:.5f}<extra></extra>"), row=1, col=c)
            fin = obj[np.isfinite(obj)]
            if fin.size:
                hi = max(hi, float(np.quantile(fin, 0.98)))
        fig.add_trace(go.Scatter(x=[0, total_steps], y=[p_star, p_star], mode="lines",
                                 line=dict(color=OPT, width=3, dash="dash"), name=f"p* = {p_star:.4f} (program (8))",
                                 legendgroup="opt", showlegend=(c == 1), hoverinfo="skip"), row=1, col=c)
        fig.update_xaxes(range=[0, total_steps], title=dict(text="iteration"), tickvals=[0, total_steps / 2],
                         tickformat="~s", row=1, col=c)
    lo = p_star / 1.15
    fig.update_yaxes(type="log", range=[np.log10(lo), np.log10(max(hi, p_star * 1.5))], dtick="D2",
                     tickformat="~g")
    fig.update_yaxes(title=dict(text="objective (2)"), row=1, col=1)
    fig.update_annotations(font=dict(size=FONT))
    _look(fig, height=height, legend_top=False)
    fig.update_layout(margin=dict(t=40, b=120), legend=dict(orientation="h", x=0, y=-0.22, xanchor="left",
                                                            yanchor="top"))
    return fig


# ----------------------------------------------------------------------------- arrangement, d = 2
def cells_plane(X: np.ndarray, interior: np.ndarray, patterns: np.ndarray, *, numbered: bool = True,
                height: int = 480, labels: tuple[str, str] = ("u₁ (weight)", "u₂ (bias)")) -> go.Figure:
    """The lines {u : xᵢᵀu = 0} in the plane of u (d = 2) and every cell numbered.

    ``interior`` (P, 2): a unit direction inside each cell (:meth:`cvxcore.Arrangement.interior_point`);
    ``patterns`` (P, n): its activation pattern Dᵢ, shown on hover.  ``numbered`` False draws the
    lines only (while a question asks for the count)."""
    X = np.asarray(X, float)
    R = 1.25
    fig = go.Figure()
    th = np.linspace(0, 2 * np.pi, 361)
    fig.add_trace(go.Scatter(x=np.cos(th), y=np.sin(th), mode="lines", line=dict(color="#bbb", width=1.5),
                             name="unit circle ‖u‖ = 1", hoverinfo="skip"))
    xs, ys = [], []
    for x in X:
        nx = np.linalg.norm(x)
        if nx < 1e-12:
            continue
        t = np.array([-x[1], x[0]]) / nx
        xs += [-R * t[0], R * t[0], None]
        ys += [-R * t[1], R * t[1], None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#333", width=2.2),
                             name="one line xᵢᵀu = 0 per point", hoverinfo="skip"))
    bits = ["".join("1" if b else "0" for b in p) for p in np.asarray(patterns, bool)]
    P = np.asarray(interior, float)
    big = len(P) <= 24
    if numbered:
            fig.add_trace(go.Scatter(x=1.08 * P[:, 0], y=1.08 * P[:, 1], mode="markers+text" if big else "markers",
                                 text=[str(i + 1) for i in range(len(P))], textfont=dict(size=FONT - 1, color="white"),
                                 marker=dict(size=26 if big else 10, color=POS, line=dict(color="white", width=1)),
                                 customdata=bits, name="cell i (hover: its Dᵢ)",
                                 hovertemplate="cell %{text}: Dᵢ = %{customdata}<extra></extra>"))
    _look(fig, height=height, xtitle=labels[0], ytitle=labels[1])
    fig.update_xaxes(range=[-R * 1.05, R * 1.05])
    fig.update_yaxes(range=[-R * 1.05, R * 1.05], scaleanchor="x", scaleratio=1)
    return fig


# ----------------------------------------------------------------------------- the regularization path
def path_figure(betas: np.ndarray, values: np.ndarray, m_stars: np.ndarray, active: np.ndarray,
                pattern_bits: list[str], beta_max: float, *, current: tuple | None = None,
                loss_label: str = "p*(β)", height: int = 620) -> go.Figure:
    """The regularization path, β decreasing to the right (log axis), in three rows:

    1. p*(β), the optimal value of (2) = (8) at each β (markers: click one to choose that β);
    2. m*(β), the number of neurons of the optimal network;
    3. the active patterns: ``active`` (K, A) is +1 where block vᵢ ≠ 0 (a neuron with α > 0),
       −1 where wᵢ ≠ 0 (α < 0), 2 where both, 0 where neither, for the A patterns active
       somewhere on the path (``pattern_bits`` their Dᵢ).

    β_max (the zero network is optimal from there up) is a dashed line in every row; ``current`` =
    (β, p*, m*) is the slider's β, drawn as a red line and markers."""
    betas = np.asarray(betas, float)
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.05, row_heights=[0.4, 0.25, 0.35])
    fig.add_trace(go.Scatter(x=betas, y=values, mode="lines+markers", name=loss_label, customdata=betas,
                             line=dict(color=OPT, width=3), marker=dict(size=11, color=POS),
                             hovertemplate="β = %{x:.3g}<br>p* = %{y:.5g}<br>click: set β<extra></extra>"),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=betas, y=m_stars, mode="lines+markers", line=dict(color=APOS, width=3, shape="hv"),
                             marker=dict(size=8, color=APOS), name="m*(β)", customdata=betas,
                             hovertemplate="β = %{x:.3g}<br>m* = %{y}<extra></extra>"), row=2, col=1)
    A = np.asarray(active)
    for code, col, name, sym in ((1, APOS, "vᵢ ≠ 0 (α > 0)", "circle"), (-1, ANEG, "wᵢ ≠ 0 (α < 0)", "square"),
                                 (2, OPT, "both", "diamond")):
        k, a = np.nonzero(A == code) if A.size else (np.zeros(0, int), np.zeros(0, int))
        if k.size or code != 2:
            fig.add_trace(go.Scatter(x=betas[k], y=a + 1, mode="markers", name=name, customdata=betas[k],
                                     marker=dict(size=9, color=col, symbol=sym),
                                     text=[pattern_bits[j] for j in a],
                                     hovertemplate="β = %{x:.3g}<br>Dᵢ = %{text}<extra></extra>"), row=3, col=1)
    for r in (1, 2, 3):
        fig.add_vline(x=beta_max, line=dict(color="#555", width=2, dash="dash"), row=r, col=1)
    # at the foot of the top row, beside its line: just below β_max, p* is still near its largest value
    # (the top of the row), so the label sits on no point
    fig.add_annotation(x=np.log10(beta_max), y=0, xref="x", yref="y domain", text=f"β_max = {beta_max:.3g}",
                       showarrow=False, xanchor="left", yanchor="bottom", font=dict(size=FONT - 2, color="#333"),
                       bgcolor="rgba(255,255,255,0.8)")
    if current is not None:
        b, v, m = current
        for r in (1, 2, 3):
            fig.add_vline(x=b, line=dict(color=CURRENT, width=3), row=r, col=1)
        fig.add_trace(go.Scatter(x=[b], y=[v], mode="markers", name=f"current β = {b:g}",
                                 marker=dict(size=17, color=CURRENT, symbol="diamond",
                                             line=dict(color="white", width=1)),
                                 hovertemplate="current β = %{x:.3g}<br>p* = %{y:.5g}<extra></extra>"), row=1, col=1)
        fig.add_trace(go.Scatter(x=[b], y=[m], mode="markers", showlegend=False,
                                 marker=dict(size=15, color=CURRENT, symbol="diamond"),
                                 hovertemplate="current β<br>m* = %{y}<extra></extra>"), row=2, col=1)
    fig.update_xaxes(type="log", autorange="reversed", dtick=1, exponentformat="power")
    fig.update_xaxes(title=dict(text="weight decay β (decreasing →)"), row=3, col=1)
    fig.update_yaxes(title=dict(text="p*(β)"), row=1, col=1)
    fig.update_yaxes(title=dict(text="m*"), rangemode="tozero", row=2, col=1)
    fig.update_yaxes(title=dict(text="pattern"), row=3, col=1, showticklabels=A.shape[1] <= 12 if A.ndim == 2 else True,
                     range=[0.3, (A.shape[1] if A.ndim == 2 else 1) + 0.7])
    _look(fig, height=height)
    fig.update_layout(clickmode="event+select", dragmode=False, hovermode="closest", margin=dict(t=40))
    return fig


# ----------------------------------------------------------------------------- the dual constraint
def _neuron_marks(fig, xs, ys, alpha, *, row=None, col=None, size=20):
    for pos in (True, False):
        k = (np.asarray(alpha) > 0) == pos
        if not np.any(k):
            continue
        tr = go.Scatter(x=np.asarray(xs)[k], y=np.asarray(ys)[k], mode="markers",
                        name=f"optimal neuron, α {'>' if pos else '<'} 0",
                        marker=dict(symbol="star", size=size, color=APOS if pos else ANEG,
                                    line=dict(color="white", width=1.5)),
                        hovertemplate="optimal neuron<br>%{x:.1f}°, vᵀ(Xû)₊ = %{y:.5g}<extra></extra>")
        fig.add_trace(tr) if row is None else fig.add_trace(tr, row=row, col=col)


def dual_circle(theta_deg: np.ndarray, g: np.ndarray, beta: float, *, neurons: tuple | None = None,
                sgd: Sequence[dict] = (), angle_label: str = "angle θ of u = (cos θ, sin θ)",
                height: int = 470) -> go.Figure:
    """u ↦ vᵀ(Xu)₊ on the unit circle of u (d = 2), against the band |·| ≤ β of the dual (4).

    ``g`` holds the values at the angles ``theta_deg``.  ``neurons`` = (θⱼ, gⱼ, αⱼ) of the optimal
    network: there the curve touches +β (αⱼ > 0) or −β (αⱼ < 0).  ``sgd``: per run a dict with
    ``name``, ``theta``, ``g`` of its neurons' directions (a run stuck above p* has neurons where
    the constraint is not tight)."""
    th = np.asarray(theta_deg, float)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=np.r_[th[0], th[-1], th[-1], th[0]], y=[-beta, -beta, beta, beta], fill="toself",
                             fillcolor=BAND, line=dict(width=0), mode="lines", name="allowed: |vᵀ(Xu)₊| ≤ β",
                             hoverinfo="skip"))
    for s in (1, -1):
        fig.add_trace(go.Scatter(x=[th[0], th[-1]], y=[s * beta, s * beta], mode="lines", showlegend=s == 1,
                                 line=dict(color="#555", width=2, dash="dash"), name=f"±β = ±{beta:g}",
                                 hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=th, y=np.asarray(g, float), mode="lines", line=dict(color=OPT, width=3.2),
                             name="vᵀ(Xu)₊ over unit u", hovertemplate="θ = %{x:.1f}°: %{y:.5g}<extra></extra>"))
    for k, r in enumerate(sgd):
        fig.add_trace(go.Scatter(x=r["theta"], y=r["g"], mode="markers", name=r["name"],
                                 marker=dict(symbol="circle-open", size=13, line=dict(width=2.5),
                                             color=TRACE_COLORS[(k + 1) % 10]),
                                 hovertemplate=r["name"] + "<br>θ = %{x:.1f}°: %{y:.5g}<extra></extra>"))
    if neurons is not None and len(neurons[0]):
        _neuron_marks(fig, neurons[0], neurons[1], neurons[2])
    _look(fig, height=height, xtitle=angle_label + ", degrees", ytitle="vᵀ(Xu)₊")
    fig.update_xaxes(range=[th[0], th[-1]], dtick=45)
    lim = max(float(np.max(np.abs(g), initial=0.0)), beta) * 1.25
    fig.update_yaxes(range=[-lim, lim])
    return fig


def dual_sphere(lon_deg: np.ndarray, lat_deg: np.ndarray, G: np.ndarray, beta: float, *,
                neurons: tuple | None = None, sgd: Sequence[dict] = (), height: int = 500) -> go.Figure:
    """u ↦ vᵀ(Xu)₊ on the unit sphere of u (d = 3: 2-D data with bias), as a map over longitude
    φ and latitude ϑ of u = (cos ϑ cos φ, cos ϑ sin φ, sin ϑ); colour from −β (purple) through 0
    (white) to +β (green).  ``G`` is (len(lat), len(lon)).  ``neurons`` = (φⱼ, ϑⱼ, αⱼ): the optimal
    neurons, where the map reaches ±β; ``sgd``: per run a dict ``name``, ``lon``, ``lat``."""
    fig = go.Figure()
    fig.add_trace(go.Heatmap(x=lon_deg, y=lat_deg, z=np.asarray(G, float).astype(np.float32), zmin=-beta, zmax=beta,
                             colorscale=[[0, ANEG], [0.5, "#ffffff"], [1, APOS]],
                             colorbar=dict(title=dict(text="vᵀ(Xu)₊", side="right"), thickness=14,
                                           tickvals=[-beta, 0, beta], ticktext=["−β", "0", "+β"],
                                           tickfont=dict(size=FONT - 3)),
                             hovertemplate="φ = %{x:.0f}°, ϑ = %{y:.0f}°: %{z:.4g}<extra></extra>", name="map"))
    fig.add_trace(go.Contour(x=lon_deg, y=lat_deg, z=np.abs(np.asarray(G, float)).astype(np.float32),
                             contours=dict(start=0.97 * beta, end=0.97 * beta, size=1, coloring="none"),
                             line=dict(color=OPT, width=1.6), showscale=False, hoverinfo="skip",
                             name="|vᵀ(Xu)₊| = 0.97 β", showlegend=True))
    for k, r in enumerate(sgd):
        fig.add_trace(go.Scatter(x=r["lon"], y=r["lat"], mode="markers", name=r["name"],
                                 marker=dict(symbol="circle-open", size=12, line=dict(width=2.5),
                                             color=TRACE_COLORS[(k + 1) % 10]),
                                 hovertemplate=r["name"] + "<br>φ = %{x:.0f}°, ϑ = %{y:.0f}°<extra></extra>"))
    if neurons is not None and len(neurons[0]):
        for pos in (True, False):
            k = (np.asarray(neurons[2]) > 0) == pos
            if np.any(k):
                fig.add_trace(go.Scatter(x=np.asarray(neurons[0])[k], y=np.asarray(neurons[1])[k], mode="markers",
                                         name=f"optimal neuron, α {'>' if pos else '<'} 0",
                                         marker=dict(symbol="star", size=20, color="white",   # white: seen on both
                                                     line=dict(color=APOS if pos else ANEG, width=3)),   # colours
                                         hovertemplate="optimal neuron<br>φ = %{x:.1f}°, ϑ = %{y:.1f}°<extra></extra>"))
    _look(fig, height=height, xtitle="longitude φ of u, degrees", ytitle="latitude ϑ of u (bias), degrees")
    fig.update_xaxes(range=[-180, 180], dtick=45, zeroline=False)
    fig.update_yaxes(range=[-90, 90], dtick=30, zeroline=False)
    return fig


def dual_two_directions(g_minus: float, g_plus: float, beta: float, *, height: int = 420) -> go.Figure:
    """d = 1 (1-D data without bias): the unit 'sphere' is u = ±1; the two values vᵀ(Xu)₊ against ±β."""
    fig = go.Figure(go.Bar(x=["u = −1", "u = +1"], y=[g_minus, g_plus], marker_color=[ANEG, APOS],
                           name="vᵀ(Xu)₊", width=0.5))
    for s in (1, -1):
        fig.add_hline(y=s * beta, line=dict(color="#555", width=2, dash="dash"))
    _look(fig, height=height, ytitle="vᵀ(Xu)₊")
    lim = max(abs(g_minus), abs(g_plus), beta) * 1.3
    fig.update_yaxes(range=[-lim, lim])
    return fig


# ----------------------------------------------------------------------------- SGD and its certificates
def sgd_certified(steps: np.ndarray, objectives: np.ndarray | None, lower_bounds: np.ndarray, p_star: float, *,
                  height: int = 470) -> go.Figure:
    """Objective (2) of each run against the step, each run's certified lower bound on p* (dotted,
    same colour: computed from that run's weights alone) and p* (dashed).  ``objectives`` None: p*
    only, and a note that the runs appear on Reveal (while a question asks whether they reach p*)."""
    hidden = objectives is None
    obj = np.full((0, len(steps)), np.nan) if hidden else np.atleast_2d(np.asarray(objectives, float))
    fig = go.Figure()
    x_end = float(steps[-1]) if len(steps) else 1.0
    for t in range(obj.shape[0]):
        col = TRACE_COLORS[t % 10]
        fig.add_trace(go.Scatter(x=steps, y=obj[t].astype(np.float32), mode="lines", line=dict(color=col, width=2.2),
                                 name=f"run {t + 1}", legendgroup=f"r{t}"))
        lb = float(lower_bounds[t])
        if np.isfinite(lb) and lb > 0:
            fig.add_trace(go.Scatter(x=[0, x_end], y=[lb, lb], mode="lines",
                                     line=dict(color=col, width=1.5, dash="dot"),
                                     legendgroup=f"r{t}", showlegend=False,
                                     hovertemplate=f"run {t + 1}: certified p* ≥ {lb:.6g}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[0, x_end], y=[p_star, p_star], mode="lines",
                             line=dict(color=OPT, width=3.5, dash="dash"),
                             name=f"p* = {p_star:.5g}"))
    if hidden:
        fig.add_annotation(text="commit to a prediction: the runs appear on Reveal", x=0.5, y=0.7, xref="paper",
                           yref="paper", showarrow=False, font=dict(size=FONT, color="#777"))
    fin = obj[np.isfinite(obj) & (obj > 0)]
    hi = float(np.quantile(fin, 0.99)) if fin.size else p_star * 10
    fig.update_yaxes(type="log", range=[np.log10(p_star / 1.3), np.log10(max(hi, p_star * 2))], dtick="D2",
                     tickformat="~g")
    _look(fig, height=height, xtitle="step", ytitle="objective (2), log scale")
    fig.update_xaxes(range=[0, x_end])
    return fig


# ----------------------------------------------------------------------------- why it is convex: rescaling
def rescaling_figure(D: dict, stop: int, *, show_minimum: bool = False, height: int = 430) -> go.Figure:
    """Left: objective (2) of one neuron over (u, α) in one cell (``D`` from
    :func:`lab.lesson_data.rescaling`), the hyperbola u·α = z₀ (the same network at every point) and
    the point ``stop`` on it.  Right: the convex profile (3) G_s(z) in z = u·|α| for α > 0 and
    α < 0; the point's objective F(u, α) at z₀ stands above G_s(z₀) by
    β/2·(u² + α²) − β|z₀| ≥ 0, which is zero at the balanced stop |u| = |α|.  ``show_minimum``:
    mark each profile's minimum (hidden while a question asks about it)."""
    P = D["path"]
    u, a, F = float(P["u"][stop]), float(P["alpha"][stop]), float(P["F"][stop])
    z0 = P["z0"]
    side = D["side"]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.2, column_widths=[0.5, 0.5],
                        subplot_titles=("(2) over (u, α) in the cell", "(3) over z = u·|α|"))
    L = np.log10(np.maximum(np.asarray(D["Z"], float), 1e-12))
    fig.add_trace(go.Contour(x=D["ug"], y=D["ag"], z=L, colorscale="Viridis", reversescale=True, ncontours=24,
                             contours=dict(coloring="heatmap", showlines=True), showscale=False,
                             line=dict(width=0.6, color="rgba(255,255,255,0.6)"), name="objective (2)",
                             hovertemplate="u = %{x:.2f}, α = %{y:.2f}<extra></extra>"), row=1, col=1)
    hu = np.linspace(D["ug"].min(), D["ug"].max(), 200)
    hu = hu[np.abs(hu) > 1e-3]
    ha = z0 / hu
    keep = np.abs(ha) <= np.abs(D["ag"]).max()
    fig.add_trace(go.Scatter(x=hu[keep], y=ha[keep], mode="lines", line=dict(color="white", width=3, dash="dot"),
                             name=f"u·α = {z0:g}: one network", hoverinfo="skip"), row=1, col=1)
    b = P["balanced"]
    fig.add_trace(go.Scatter(x=[P["u"][b]], y=[P["alpha"][b]], mode="markers", name="|u| = |α|", showlegend=False,
                             marker=dict(symbol="circle-open", size=16, color="white", line=dict(width=3)),
                             hoverinfo="skip"), row=1, col=1)
    fig.add_trace(go.Scatter(x=[u], y=[a], mode="markers", name="the slider's point", showlegend=False,
                             marker=dict(size=14, color=CURRENT, line=dict(color="white", width=2)),
                             hovertemplate=f"u = {u:.3f}, α = {a:.3f}<br>(2) = {F:.4f}<extra></extra>"),
                  row=1, col=1)
    for s, col, name in ((1, APOS, "α > 0"), (-1, ANEG, "α < 0")):
        fig.add_trace(go.Scatter(x=D["z"], y=D["G"][s], mode="lines", line=dict(color=col, width=3),
                                 name=f"(3), {name}", hovertemplate="z = %{x:.3f}, G = %{y:.4f}<extra></extra>"),
                      row=1, col=2)
        if show_minimum:
            zs, gs = D["minima"][s]
            fig.add_trace(go.Scatter(x=[zs], y=[gs], mode="markers+text", text=[f"{gs:.4f}"],
                                     textposition="bottom center", textfont=dict(size=FONT - 3, color=col),
                                     marker=dict(symbol="star", size=18, color=col, line=dict(color="black", width=1)),
                                     name=f"minimum of (3), {name}", showlegend=False,
                                     hovertemplate=f"z* = {zs:.4f}, G* = {gs:.4f}<extra></extra>"), row=1, col=2)
    s0 = 1 if a > 0 else -1
    g0 = float(np.interp(abs(z0), np.abs(D["z"]), D["G"][s0]))
    zx = side * abs(z0)
    fig.add_trace(go.Scatter(x=[zx, zx], y=[g0, F], mode="lines+markers",
                             line=dict(color=CURRENT, width=3), marker=dict(size=[8, 14], color=CURRENT),
                             name="(2) at the slider's point", showlegend=False,
                             hovertemplate="%{y:.4f}<extra></extra>"), row=1, col=2)
    _look(fig, height=height, legend_top=False)
    fig.update_layout(legend=dict(orientation="h", x=0, y=-0.2, xanchor="left", yanchor="top"),
                      margin=dict(t=40, b=40, l=60, r=10))
    fig.update_annotations(font=dict(size=FONT - 2))
    fig.update_xaxes(title=dict(text="u"), range=[float(D["ug"].min()), float(D["ug"].max())], row=1, col=1)
    fig.update_yaxes(title=dict(text="α"), row=1, col=1)
    fig.update_xaxes(title=dict(text="z = u·|α|"), row=1, col=2)
    g_zero = float(D["G"][1][0])                        # z = 0: the zero network, ½Σyᵢ²
    fig.update_yaxes(title=dict(text="objective"), range=[0, max(1.4 * g_zero, 1.15 * F)], row=1, col=2)
    fig.update_xaxes(range=sorted([0.0, side * 1.6 * max(abs(z0), abs(D["minima"][1][0]), abs(D["minima"][-1][0]))]),
                     row=1, col=2)
    return fig


# ----------------------------------------------------------------------------- why it is convex: merging
def merging_figure(X: np.ndarray, D: dict, *, merged: bool = False, height: int = 430,
                   labels: tuple[str, str] = ("u₁ (weight)", "u₂ (bias)")) -> go.Figure:
    """Left: the plane of u with the lines xᵢᵀu = 0, the cell of the two neurons (shaded) and their
    blocks q₁ = |α₁|u₁, q₂ = |α₂|u₂; with ``merged`` also q = q₁ + q₂ and the parallelogram
    (triangle inequality ‖q‖ ≤ ‖q₁‖ + ‖q₂‖).  Right: the penalty β(‖q₁‖ + ‖q₂‖) of the pair and,
    with ``merged``, β‖q‖ of the merged neuron (``D`` from :func:`lab.lesson_data.merging`)."""
    q1, q2, q = (np.asarray(D[k], float) for k in ("q1", "q2", "q"))
    col = APOS if D["s"] > 0 else ANEG
    R = 1.25 * float(np.linalg.norm(q))
    fig = make_subplots(rows=1, cols=2, column_widths=[0.62, 0.38], horizontal_spacing=0.16,
                        subplot_titles=("blocks qₖ = |αₖ|uₖ in the plane of u", "penalty"))
    for i, x in enumerate(np.asarray(X, float)):
        d = np.array([-x[1], x[0]]) / max(np.linalg.norm(x), 1e-12) * R
        fig.add_trace(go.Scatter(x=[-d[0], d[0]], y=[-d[1], d[1]], mode="lines", showlegend=i == 0,
                                 line=dict(color="#9a9a9a", width=1.5), name="xᵢᵀu = 0", hoverinfo="skip"),
                      row=1, col=1)
    arc = np.asarray(D["arc"], float)
    if arc.size:
        fig.add_trace(go.Scatter(x=np.r_[0, R * np.cos(arc), 0], y=np.r_[0, R * np.sin(arc), 0], fill="toself",
                                 mode="lines", line=dict(width=0), fillcolor="rgba(31,95,191,0.15)",
                                 name="their cell", hoverinfo="skip"), row=1, col=1)

    def arrow(v, color, name, dash=None, width=4):
        fig.add_trace(go.Scatter(x=[0, v[0]], y=[0, v[1]], mode="lines+markers", name=name,
                                 line=dict(color=color, width=width, dash=dash),
                                 marker=dict(size=[0, 11], color=color, symbol="circle"),
                                 hovertemplate=f"{name}<br>‖·‖ = {np.linalg.norm(v):.4f}<extra></extra>"),
                      row=1, col=1)
    arrow(q1, col, "q₁")
    arrow(q2, TRACE_COLORS[0], "q₂")
    if merged:
        fig.add_trace(go.Scatter(x=[q1[0], q[0], q2[0]], y=[q1[1], q[1], q2[1]], mode="lines",
                                 line=dict(color="#555", width=2, dash="dot"), name="q₁ + q₂", hoverinfo="skip",
                                 showlegend=False), row=1, col=1)
        arrow(q, OPT, "merged q = q₁ + q₂", width=3)
    pair = float(D["penalty_pair"])
    names, vals = ["two neurons"], [pair]
    if merged:
        names.append("merged")
        vals.append(float(D["penalty_merged"]))
    fig.add_trace(go.Bar(x=names, y=vals, marker_color=[col, OPT][:len(vals)], text=[f"{v:.4f}" for v in vals],
                         textposition="outside", showlegend=False, hovertemplate="%{x}: %{y:.5f}<extra></extra>"),
                  row=1, col=2)
    _look(fig, height=height, legend_top=False)
    fig.update_layout(legend=dict(orientation="h", x=0, y=-0.2, xanchor="left", yanchor="top"),
                      margin=dict(t=40, b=40, l=60, r=10))
    fig.update_annotations(font=dict(size=FONT - 2))
    pts = np.c_[[0.0, 0.0], R * np.c_[np.cos(arc), np.sin(arc)].T] if arc.size else np.c_[[0.0, 0.0], q1, q2]
    lo, hi = pts.min(axis=1), pts.max(axis=1)
    mid, half = (lo + hi) / 2, 0.6 * float(np.max(hi - lo)) + 0.1 * R
    fig.update_xaxes(title=dict(text=labels[0]), range=[mid[0] - half, mid[0] + half], row=1, col=1)
    fig.update_yaxes(title=dict(text=labels[1]), range=[mid[1] - half, mid[1] + half], scaleanchor="x",
                     scaleratio=1, row=1, col=1)
    fig.update_xaxes(tickangle=0, tickfont=dict(size=FONT - 4), row=1, col=2)
    fig.update_yaxes(range=[0, 1.25 * pair], row=1, col=2)
    return fig


# ----------------------------------------------------------------------------- why it is convex: the cones
WRONG = "#c00000"                    # a sample where a block's sign contradicts its pattern


def cones_figure(x: np.ndarray, y: np.ndarray, D: dict, *, dropped: bool, which: int = 0,
                 height: int = 470) -> go.Figure:
    """Top: the data, the optimal network of (8) and, when the cone constraints are ``dropped``,
    the fit of (8) without them (a gated linear model, below p*).  Bottom (``dropped``): violating
    block ``which`` (``D`` from :func:`lab.lesson_data.cone_free`): its line xᵀq, what it adds to the
    fit (its gate times the line) and the samples where its sign contradicts its pattern — on in
    Dᵢ with xᵀq < 0 (a negative output, which no ReLU gives) or off with xᵀq > 0."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    v = D["violations"][min(which, len(D["violations"]) - 1)] if dropped and D["violations"] else None
    rows = 2 if v is not None else 1
    title = ("" if v is None else "a block without cones, D = ["
             + ", ".join(str(int(b)) for b in v["pattern"]) + "]")
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                        row_heights=[0.55, 0.45] if rows == 2 else None, subplot_titles=("the fit", title)[:rows])
    xs = D["xs"]
    fig.add_trace(go.Scatter(x=x, y=y, mode="markers", name="data", marker=dict(size=12, color=POS,
                             line=dict(color="black", width=1))), row=1, col=1)
    fig.add_trace(go.Scatter(x=xs, y=D["fit8"], mode="lines", line=dict(color=OPT, width=3),
                             name=f"(8): p* = {D['p_star']:.4f}"), row=1, col=1)
    if dropped:
        fig.add_trace(go.Scatter(x=xs, y=D["fit_free"], mode="lines", line=dict(color=CURRENT, width=3, dash="dash"),
                                 name=f"without cones: {D['value']:.4f}"), row=1, col=1)
    if v is not None:
        fig.add_trace(go.Scatter(x=xs, y=v["line"], mode="lines", line=dict(color="#777", width=2, dash="dot"),
                                 name="its line xᵀq"), row=2, col=1)
        fig.add_trace(go.Scatter(x=xs, y=v["gated"], mode="lines", line=dict(color=CURRENT, width=3),
                                 name="what it adds: gate · xᵀq"), row=2, col=1)
        wrong = np.zeros(len(x), bool)
        wrong[np.asarray(v["wrong_on"], int)] = True
        wrong[np.asarray(v["wrong_off"], int)] = True
        on = np.asarray(v["pattern"], bool)
        fig.add_trace(go.Scatter(x=x[on], y=v["at_data"][on], mode="markers", name="on in its pattern Dᵢ",
                                 marker=dict(size=11, color=CURRENT, line=dict(color="black", width=1))),
                      row=2, col=1)
        fig.add_trace(go.Scatter(x=x[wrong], y=v["linear"][wrong], mode="markers", name="wrong sign for a ReLU",
                                 marker=dict(size=16, symbol="x", color=WRONG, line=dict(color="white", width=1))),
                      row=2, col=1)
    _look(fig, height=height, legend_top=False)
    fig.update_layout(legend=dict(x=1.02, y=1, xanchor="left", yanchor="top", font=dict(size=FONT - 4)),
                      margin=dict(t=30, b=50, l=60, r=10))
    fig.update_annotations(font=dict(size=FONT - 2))
    fig.update_xaxes(title=dict(text="x"), row=rows, col=1)
    fig.update_xaxes(range=[float(xs[0]), float(xs[-1])])
    if rows == 2:
        fig.add_hline(y=0, line=dict(color="#999", width=1), row=2, col=1)
    return fig


# ----------------------------------------------------------------------------- why gradient descent gets stuck
def stuck_figure(D: dict, beta: float, *, height: int = 450) -> go.Figure:
    """Left: the run's own dual curve θ ↦ vᵀ(Xu)₊ (u = (cos θ, sin θ), v the run's residual) against
    the band ±β, the cells' edges, the run's neurons (on the band's edges at a stationary point)
    and the missing neuron (the curve's largest |value|, ``D`` from
    :func:`lab.lesson_data.stuck_chain`).  Right: objective (2) along the run, p* dashed, and each
    insertion of a missing neuron (dotted verticals)."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.13,
                        subplot_titles=("its dual curve vᵀ(Xu)₊", "objective (2) of the run"))
    th = np.degrees(np.asarray(D["theta"], float))
    fig.add_trace(go.Scatter(x=np.r_[th, th[::-1]], y=np.r_[np.full_like(th, beta), np.full_like(th, -beta)],
                             fill="toself", fillcolor="rgba(31,95,191,0.18)", line=dict(width=0), mode="lines",
                             name="band |·| ≤ β", hoverinfo="skip"), row=1, col=1)
    for b in np.degrees(np.asarray(D["boundaries"], float)):
        fig.add_vline(x=float(b), line=dict(color="#bbb", width=1), row=1, col=1)
    fig.add_trace(go.Scatter(x=th, y=D["curve"], mode="lines", line=dict(color=OPT, width=2.5), name="vᵀ(Xu)₊",
                             hovertemplate="θ = %{x:.1f}°: %{y:.4f}<extra></extra>"), row=1, col=1)
    na = np.asarray(D["neuron_alpha"], float)
    fig.add_trace(go.Scatter(x=np.degrees(D["neuron_theta"]), y=D["neuron_values"], mode="markers",
                             name="its neurons", marker=dict(size=13, color=[APOS if a > 0 else ANEG for a in na],
                                                             line=dict(color="white", width=1.5)),
                             hovertemplate="neuron at θ = %{x:.1f}°: %{y:.5f}<extra></extra>"), row=1, col=1)
    if abs(D["missing_value"]) > beta * (1 + 1e-3):
        fig.add_trace(go.Scatter(x=[np.degrees(D["missing_theta"])], y=[D["missing_value"]], mode="markers",
                                 name="missing neuron", marker=dict(symbol="star", size=20, color=CURRENT,
                                                                    line=dict(color="black", width=1)),
                                 hovertemplate="missing neuron: θ = %{x:.1f}°, %{y:.4f}<extra></extra>"),
                      row=1, col=1)
    fig.add_trace(go.Scatter(x=D["steps"], y=D["objective"], mode="lines", line=dict(color=TRACE_COLORS[0], width=2.5),
                             name="objective", showlegend=False,
                             hovertemplate="step %{x}: %{y:.5f}<extra></extra>"), row=1, col=2)
    fig.add_hline(y=D["p_star"], line=dict(color=OPT, width=2, dash="dash"), row=1, col=2,
                  annotation=dict(text=f"p* = {D['p_star']:.4f}", font=dict(size=FONT - 4)),
                  annotation_position="bottom right")
    for s in D["inserted_at"]:
        fig.add_vline(x=float(s), line=dict(color=CURRENT, width=1.5, dash="dot"), row=1, col=2)
    _look(fig, height=height, legend_top=False)
    fig.update_layout(legend=dict(orientation="h", x=0, y=-0.2, xanchor="left", yanchor="top"),
                      margin=dict(t=40, b=40, l=60, r=10))
    fig.update_annotations(font=dict(size=FONT - 2))
    fig.update_xaxes(title=dict(text="angle θ of u (degrees)"), range=[-180, 180], dtick=90, row=1, col=1)
    fig.update_xaxes(title=dict(text="step"), row=1, col=2)
    obj = np.asarray(D["objective"], float)
    lo, hi = 0.85 * min(D["p_star"], float(np.nanmin(obj))), 1.15 * float(np.nanmax(obj))
    fig.update_yaxes(type="log", range=[np.log10(lo), np.log10(hi)], row=1, col=2)
    return fig


# ----------------------------------------------------------------------------- sampled patterns
def sampled_figure(D: dict, *, shown: bool, height: int = 450) -> go.Figure:
    """Left: distinct patterns P̃ among k sampled directions u ~ N(0, I) against P (every cell).
    Right (``shown``): (8) on those patterns above p*, (p̃ − p*)/p*, with its certified gap, the
    1 % line and the fewest directions within it (``D`` from :func:`lab.lesson_data.sampled`);
    hidden until the question is answered."""
    k = np.asarray(D["counts"], float)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.15,
                        subplot_titles=("patterns found, P̃", "(8) on them: % above p*"))
    fig.add_trace(go.Scatter(x=k, y=D["n_patterns"], mode="lines+markers", line=dict(color=TRACE_COLORS[0], width=3),
                             name="P̃ (distinct patterns)", hovertemplate="k = %{x}: P̃ = %{y}<extra></extra>"),
                  row=1, col=1)
    fig.add_hline(y=D["P"], line=dict(color=OPT, width=2, dash="dash"), row=1, col=1,
                  annotation=dict(text=f"P = {D['P']:,}", font=dict(size=FONT - 4)), annotation_position="top left")
    if shown:
        ex = 100 * np.maximum(np.asarray(D["excess"], float), 1e-6)          # in per cent
        gp = 100 * np.maximum(np.asarray(D["gap"], float), 1e-6)
        fig.add_trace(go.Scatter(x=k, y=ex, mode="lines+markers", line=dict(color=CURRENT, width=3),
                                 name="(p̃ − p*)/p*", hovertemplate="k = %{x}: %{y:.3g} %<extra></extra>"), row=1, col=2)
        fig.add_trace(go.Scatter(x=k, y=gp, mode="lines", line=dict(color="#555", width=2, dash="dot"),
                                 name="certified gap / p*", hovertemplate="k = %{x}: %{y:.3g} %<extra></extra>"),
                      row=1, col=2)
        fig.add_hline(y=1.0, line=dict(color=OPT, width=1.5, dash="dash"), row=1, col=2)
        if D["within"]:
            fig.add_vline(x=float(D["within"]), line=dict(color=CURRENT, width=1.5, dash="dot"), row=1, col=2)
    else:
        fig.add_annotation(text="shown on Reveal", xref="paper", yref="paper", x=0.8, y=0.5,
                           showarrow=False, font=dict(size=FONT, color="#555"))
        fig.update_xaxes(range=[0, np.log10(k.max()) + 0.1], row=1, col=2)
        fig.update_yaxes(showticklabels=False, row=1, col=2)
    _look(fig, height=height, legend_top=False)
    fig.update_layout(legend=dict(orientation="h", x=0, y=-0.2, xanchor="left", yanchor="top"),
                      margin=dict(t=40, b=40, l=60, r=10))
    fig.update_annotations(font=dict(size=FONT - 2))
    fig.update_xaxes(type="log", title=dict(text="directions sampled, k"))
    fig.update_yaxes(type="log", range=[-0.1, np.log10(max(D["P"], 2)) + 0.3], row=1, col=1)
    fig.update_yaxes(type="log", row=1, col=2)
    return fig
