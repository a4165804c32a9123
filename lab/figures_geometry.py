"""Figures for the geometry page (Figure 1 of the paper, section 2.1: the neural gauge).

Pure functions: arrays (a :class:`cvxcore.geometry.Geometry`, a
:class:`cvxcore.geometry.GaugeResult`, a :class:`cvxcore.geometry.BetaCurve`) in,
plotly ``go.Figure`` out.  No Streamlit, no solving: a test can call them.

Symbols as in the paper: E = {Xu : ‖u‖ ≤ 1}, Q_X = {(Xu)₊ : ‖u‖ ≤ 1},
C = conv(Q_X ∪ −Q_X), its polar C°, the gauge γ = γ_C(y), the polar maximiser z*.
"""
from __future__ import annotations

from typing import TypeGuard

import numpy as np
import plotly.graph_objects as go

from cvxcore.geometry import BetaCurve, GaugeResult, Geometry

FONT = 18            # projector-sized
COL = dict(ellipsoid="#9e9e9e", Q="#1f77b4", negQ="#9ecae1", hull="#ff7f0e", y="#d62728",
           polar="#2ca02c", z="#6a3d9a", neuron="#8c564b")


# Streamlit's chart theme (these pages use its default) draws small grey ticks; set them here.
AXIS_FONTS = dict(tickfont=dict(size=FONT - 2, color="#222"), title_font=dict(size=FONT, color="#222"),
                   automargin=True)


LEGEND_ROW = 24          # px per row of the horizontal legend (font FONT − 3)
AXIS_BAND = 55           # px under the plot for the x tick labels and the axis title


def legend_rows(fig: go.Figure, width: float = 400, char: float = 7.5) -> int:
    """Rows of a horizontal legend of font FONT − 3 in a figure ``width`` px wide, laid out as
    plotly does: its entries (each about ``char`` px a character and 45 px of symbol and gap) in one
    row when they all fit, else in columns as wide as the widest entry."""
    names = [t.name for t in fig.data
             if not (t.showlegend is False or not t.name or (t.showlegend is None and len(fig.data) == 1))]
    widths = [45 + char * len(n) for n in names]
    if not names:
        return 0
    if sum(widths) <= width:
        return 1
    per_row = max(1, int(width // max(widths)))
    return -(-len(names) // per_row)


def _layout(fig: go.Figure, title: str, *, height: int = 560, equal: bool = True, below: int = 0) -> go.Figure:
    """The common look.  The legend sits at the bottom of the figure, under the axis title (and
    under ``below`` px of other furniture, e.g. a slider), its entries side by side as they fit in a
    figure half the page wide (each rounded up a little: a row too many leaves a gap, a row too
    few would overlap the axis title); the figure grows by its rows, so that the plot keeps its size
    and nothing overlaps."""
    rows = legend_rows(fig, width=340)
    fig.update_layout(title=dict(text=title, font=dict(size=FONT + 2), yref="container", y=1.0, yanchor="top",
                                 pad=dict(t=10)),
                      font=dict(size=FONT), height=height + LEGEND_ROW * rows,
                      margin=dict(l=60, r=20, t=44, b=AXIS_BAND + below + LEGEND_ROW * rows + 6),
                      legend=dict(font=dict(size=FONT - 3), orientation="h", yref="container", yanchor="bottom",
                                  y=0, xanchor="left", x=0),
                      plot_bgcolor="white")
    if equal:
        fig.update_yaxes(scaleanchor="x", scaleratio=1)
    fig.update_xaxes(zeroline=True, zerolinecolor="#444", zerolinewidth=1.5, gridcolor="#eee", **AXIS_FONTS)
    fig.update_yaxes(zeroline=True, zerolinecolor="#444", zerolinewidth=1.5, gridcolor="#eee", **AXIS_FONTS)
    return fig


def _line(P: np.ndarray, name: str, color: str, *, dash: str | None = None, width: float = 3, fill: str | None = None,
          fillcolor: str | None = None, opacity: float = 1.0, legend: bool = True) -> go.Scatter:
    return go.Scatter(x=P[:, 0], y=P[:, 1], mode="lines", name=name, showlegend=legend,
                      line=dict(color=color, width=width, dash=dash), fill=fill, fillcolor=fillcolor,
                      opacity=opacity, hoverinfo="skip")


def _rgba(hex_color: str, a: float) -> str:
    h = hex_color.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{a})"


def _finite(g: GaugeResult | None) -> TypeGuard[GaugeResult]:
    """A gauge that was found: finite and > 0."""
    return g is not None and 0 < g.value < np.inf


# --------------------------------------------------------------------------- n = 2

def output_space_2d(G: Geometry, res: GaugeResult | None = None, y: np.ndarray | None = None, *,
                    animate: bool = True) -> go.Figure:
    """R²: the ellipsoid E, Q_X and −Q_X, C, and γ·C touching y (Figure 1a–b plus the gauge).

    With ``animate``, a slider and a play button blow C up by t until t·C reaches y at t = γ.
    """
    fig = go.Figure()
    fig.add_trace(_line(G.ellipsoid, "ellipsoid E", COL["ellipsoid"], width=2,
                        fill="toself", fillcolor=_rgba(COL["ellipsoid"], 0.12)))
    fig.add_trace(_line(-G.rectified, "−Q_X", COL["negQ"], width=4, fill="toself",
                        fillcolor=_rgba(COL["negQ"], 0.35)))
    fig.add_trace(_line(G.rectified, "Q_X = {(Xu)₊}", COL["Q"], width=4, fill="toself",
                        fillcolor=_rgba(COL["Q"], 0.45)))
    fig.add_trace(_line(G.hull, "C = conv(±Q_X)", COL["hull"], width=3))
    if y is not None:
        if _finite(res):
            g = res.value
            fig.add_trace(_line(g * G.hull, f"γ·C, γ = {g:.4g}", COL["hull"], dash="dash", width=3))
            k_scaled = len(fig.data) - 1
            # y/γ is a convex combination of the points sign(α_j)(Xu_j)₊ of Q_X ∪ −Q_X
            pts = g * np.sign(res.alpha)[:, None] * res.outputs
            for p in pts:
                fig.add_trace(go.Scatter(x=[0, p[0]], y=[0, p[1]], mode="lines", showlegend=False,
                                         line=dict(color=COL["neuron"], width=1.5, dash="dot"), hoverinfo="skip"))
            fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name="γ·sign(αⱼ)(Xuⱼ)₊",
                                     marker=dict(color=COL["neuron"], size=13, symbol="diamond"),
                                     hovertemplate="neuron output ×γ (%{x:.3f}, %{y:.3f})<extra></extra>"))
            if pts.shape[0] >= 2:
                fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="lines", showlegend=False,
                                         line=dict(color=COL["neuron"], width=2), hoverinfo="skip"))
            z = res.z
            if np.all(np.isfinite(z)) and np.linalg.norm(z) > 0:
                # supporting line {w : zᵀw = γ} of γ·C at y
                t = np.array([-1.0, 1.0]) * 0.6 * max(np.abs(pts).max(initial=0), np.linalg.norm(y))
                perp = np.array([-z[1], z[0]]) / np.linalg.norm(z)
                line = y[None, :] + t[:, None] * perp[None, :]
                fig.add_trace(_line(line, "z*ᵀw = γ", COL["z"], dash="dot", width=2))
        fig.add_trace(go.Scatter(x=[y[0]], y=[y[1]], mode="markers+text", name="y", text=["y"], showlegend=False,
                                 textposition="top right", textfont=dict(size=FONT + 2, color=COL["y"]),
                                 marker=dict(color=COL["y"], size=18, symbol="star")))
    frames = y is not None and _finite(res) and animate
    _layout(fig, "Outputs: Q_X, C and γ·C reaching y", height=PLOT_2D + (SLIDER_BAND if frames else 0),
            below=SLIDER_BAND if frames else 0)
    if frames and res is not None:
        _blow_up_frames(fig, G.hull, res.value, k_scaled)
    return fig


SLIDER_BAND = 72         # px under the axis title for the blow-up slider and its button
SLIDER_FONT = FONT - 4   # 14 px: the slider's tick labels, its current value and the button, legible at the back
# The height of the two pictures (without legend and slider): side by side under one row of
# controls they end on the first screen of a 1280×720 projector, legend included.
PLOT_2D = 325
PLOT_3D = 420


def _blow_up_frames(fig: go.Figure, hull: np.ndarray, g: float, k: int) -> None:
    """Frames that blow C up by t = 0.25γ, 0.5γ, … 1.5γ; trace k is t·C. y is reached exactly at t = γ."""
    # six multiples of γ, 1.0 included: their labels fit side by side at SLIDER_FONT on a projector
    r = np.linspace(0.25, 1.5, 6)
    fig.frames = [go.Frame(name=f"{q:.3f}", traces=[k],
                           data=[go.Scatter(x=q * g * hull[:, 0], y=q * g * hull[:, 1])]) for q in r]
    # the play button and the slider in one band under the axis title, above the legend
    fig.update_layout(
        updatemenus=[dict(type="buttons", showactive=False, x=0.0, y=0.0, xanchor="left", yanchor="top",
                          pad=dict(t=AXIS_BAND + 12, r=0), font=dict(size=SLIDER_FONT),
                          buttons=[dict(label="▶ blow up C", method="animate",
                                        args=[None, dict(frame=dict(duration=250, redraw=True),
                                                         transition=dict(duration=0), fromcurrent=False)])])],
        sliders=[dict(active=int(np.argmin(abs(r - 1))), y=0.0, yanchor="top", x=0.36, len=0.64,
                      pad=dict(t=AXIS_BAND - 5, b=0),
                      currentvalue=dict(prefix="t = ", suffix=f"  (y at t = γ = {g:.4g})",
                                        font=dict(size=SLIDER_FONT)), font=dict(size=SLIDER_FONT),
                      steps=[dict(method="animate", label=f"{q * g:.3g}",
                                  args=[[f"{q:.3f}"], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                                           transition=dict(duration=0))]) for q in r])])


def polar_2d(G: Geometry, res: GaugeResult | None = None, y: np.ndarray | None = None) -> go.Figure:
    """R²: the polar set C° = (Q_X ∪ −Q_X)° with the maximiser z* of yᵀz (Figure 1c)."""
    fig = go.Figure()
    name = "polar set C°" + ("" if G.polar_bounded else " (cut)")
    fig.add_trace(_line(G.polar, name, COL["polar"], width=3, fill="toself",
                        fillcolor=_rgba(COL["polar"], 0.25)))
    if y is not None and _finite(res) and np.all(np.isfinite(res.z)):
        z, g = res.z, res.value
        R = 1.3 * np.abs(G.polar).max()
        if np.linalg.norm(y) > 0:
            perp = np.array([-y[1], y[0]]) / np.linalg.norm(y)
            base = y * g / (y @ y)                        # the line {z : yᵀz = γ}
            line = base[None, :] + np.array([-R, R])[:, None] * perp[None, :]
            fig.add_trace(_line(line, f"yᵀz = γ = {g:.4g}", COL["y"], dash="dot", width=2))
            arrow = y / np.linalg.norm(y) * 0.5 * np.abs(G.polar).max()
            fig.add_trace(go.Scatter(x=[0, arrow[0]], y=[0, arrow[1]], mode="lines+markers", name="direction of y",
                                     line=dict(color=COL["y"], width=3), hoverinfo="skip",
                                     marker=dict(symbol="arrow", angleref="previous", size=[0, 18],
                                                 color=COL["y"])))
        fig.add_trace(go.Scatter(x=[z[0]], y=[z[1]], mode="markers+text", name="z* = argmax yᵀz",
                                 text=["z*"], textposition="top right",
                                 textfont=dict(size=FONT + 2, color=COL["z"]),
                                 marker=dict(color=COL["z"], size=16, symbol="circle")))
    if not G.polar_bounded:
        fig.update_xaxes(range=[-G.clip, G.clip])
        fig.update_yaxes(range=[-G.clip, G.clip])
    return _layout(fig, "Polar set C° and the maximiser z*", height=PLOT_2D)


# --------------------------------------------------------------------------- n = 3

def _mesh(P: np.ndarray, T: np.ndarray | None, name: str, color: str, opacity: float) -> go.Mesh3d:
    if T is None:
        raise ValueError(f"{name}: a surface in R³ needs its triangles (a geometry of n = 3 points)")
    return go.Mesh3d(x=P[:, 0], y=P[:, 1], z=P[:, 2], i=T[:, 0], j=T[:, 1], k=T[:, 2], name=name,
                     color=color, opacity=opacity, showlegend=True, hoverinfo="skip", flatshading=False,
                     lighting=dict(ambient=0.75, diffuse=0.5, specular=0.05, roughness=1.0, fresnel=0.0))


def _scene(fig: go.Figure, title: str, height: int = PLOT_3D) -> go.Figure:
    fig.update_layout(scene=dict(aspectmode="data", xaxis_title="w₁", yaxis_title="w₂", zaxis_title="w₃"),
                      scene_camera=dict(eye=dict(x=1.8, y=1.55, z=1.2)))   # far enough for the tick labels
    return _layout(fig, title, height=height, equal=False)


def output_space_3d(G: Geometry, res: GaugeResult | None = None, y: np.ndarray | None = None, *,
                    show_ellipsoid: bool = True) -> go.Figure:
    """R³: E (faint), Q_X, γ·C (translucent) and y."""
    fig = go.Figure()
    T = G.sphere_triangles
    if show_ellipsoid:
        fig.add_trace(_mesh(G.ellipsoid, T, "ellipsoid E", COL["ellipsoid"], 0.12))
    fig.add_trace(_mesh(G.rectified, T, "Q_X", COL["Q"], 0.9))
    fig.add_trace(_mesh(-G.rectified, T, "−Q_X", COL["negQ"], 0.6))
    scale, label = 1.0, "C = conv(Q_X ∪ −Q_X)"
    if _finite(res):
        scale, label = res.value, f"γ·C, γ = {res.value:.4g}"
    if G.hull_triangles is not None and G.hull_triangles.shape[0]:
        fig.add_trace(_mesh(scale * G.hull, G.hull_triangles, label, COL["hull"], 0.18))
    elif G.hull.shape[0] >= 2:                          # C is a segment (span(Q_X) is a line)
        H = scale * G.hull
        fig.add_trace(go.Scatter3d(x=H[:, 0], y=H[:, 1], z=H[:, 2], mode="lines", name=label,
                                   line=dict(color=COL["hull"], width=8)))
    if y is not None:
        fig.add_trace(go.Scatter3d(x=[y[0]], y=[y[1]], z=[y[2]], mode="markers+text", text=["y"], name="y",
                                   marker=dict(size=8, color=COL["y"], symbol="diamond"),
                                   textfont=dict(size=FONT + 2, color=COL["y"])))
        if _finite(res):
            pts = res.value * np.sign(res.alpha)[:, None] * res.outputs
            fig.add_trace(go.Scatter3d(x=pts[:, 0], y=pts[:, 1], z=pts[:, 2], mode="markers",
                                       name="γ·sign(αⱼ)(Xuⱼ)₊", marker=dict(size=6, color=COL["neuron"])))
    return _scene(fig, "Outputs in R³: Q_X and γ·C reaching y")


def polar_3d(G: Geometry, res: GaugeResult | None = None, y: np.ndarray | None = None) -> go.Figure:
    """R³: the polar set C° with z*."""
    fig = go.Figure()
    name = "C°" + ("" if G.polar_bounded else " (unbounded, cut)")
    fig.add_trace(_mesh(G.polar, G.sphere_triangles, name, COL["polar"], 0.3))
    if _finite(res) and np.all(np.isfinite(res.z)):
        z = res.z
        fig.add_trace(go.Scatter3d(x=[0, z[0]], y=[0, z[1]], z=[0, z[2]], mode="lines+markers+text",
                                   text=["", "z*"], name="z*", marker=dict(size=[0, 9], color=COL["z"]),
                                   line=dict(color=COL["z"], width=5),
                                   textfont=dict(size=FONT + 2, color=COL["z"])))
        if y is not None and np.linalg.norm(y) > 0:
            a = y / np.linalg.norm(y) * 0.5 * np.abs(G.polar).max()
            fig.add_trace(go.Scatter3d(x=[0, a[0]], y=[0, a[1]], z=[0, a[2]], mode="lines", name="direction of y",
                                       line=dict(color=COL["y"], width=6)))
    return _scene(fig, "Polar set C° and the maximiser z*")


# --------------------------------------------------------------------------- β → 0

def beta_curve_figure(curve: BetaCurve) -> go.Figure:
    """p*(β)/β against β (log scale), rising to the gauge γ as β → 0."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=curve.betas, y=curve.ratios, mode="lines+markers", name="p*(β)/β",
                             line=dict(color=COL["Q"], width=3), marker=dict(size=10),
                             hovertemplate="β = %{x:.3g}<br>p*/β = %{y:.6g}<extra></extra>"))
    if np.isfinite(curve.gauge):
        fig.add_hline(y=curve.gauge, line=dict(color=COL["hull"], dash="dash", width=3),
                      annotation_text=f"γ = {curve.gauge:.6g}", annotation_font_size=FONT,
                      annotation_position="bottom left")
    fig.update_xaxes(type="log", title="β (weight decay), decreasing to the right", autorange="reversed",
                     dtick=1, exponentformat="power")
    fig.update_yaxes(title="p*(β) / β")
    return _layout(fig, "β → 0: the optimal value of (2), divided by β, rises to the gauge",
                   height=420, equal=False)
