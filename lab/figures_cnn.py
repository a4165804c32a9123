"""Figures for the convolution and higher-dimensions pages (section 4, Figures 4 and 5).

Pure functions: arrays (or results of :mod:`cvxcore.cnn` / :mod:`cvxcore.experiments`)
in, plotly ``go.Figure`` out.  No Streamlit, no solving: a test can call them.
Projector-sized: large fonts, thick lines, the convex answer always black.
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cvxcore.experiments import HighDimResult
from lab.figures import memo  # content-memoised builders, shared by all sessions
from lab.figures_geometry import AXIS_BAND, AXIS_FONTS, LEGEND_ROW, legend_rows  # the common furniture

FONT = 18
CONVEX = "#000000"
TRIAL = "#1f77b4"
SCHEME_COLORS = {"sgd+random": "#d62728", "initial": "#2ca02c", "flipped": "#ff7f0e"}
CLASS_COLORS = {1.0: "#1f77b4", -1.0: "#d62728"}


def _layout(fig: go.Figure, title: str, *, height: int = 460, xlabel: str | None = None, ylabel: str | None = None,
            legend_below: bool = True, width: float = 400) -> go.Figure:
    """The common look.  A legend below sits at the bottom of the figure, under the axis title, the
    bottom margin sized for its rows (a figure about ``width`` px wide); the panels' own titles
    (subplot titles) get a band of their own under the figure's title.  Nothing overlaps."""
    rows = legend_rows(fig, width) if legend_below else 0
    panels = bool(fig.layout.annotations)
    fig.update_layout(title=dict(text=title, font=dict(size=FONT + 2), yref="container", y=1.0, yanchor="top",
                                 pad=dict(t=12)),
                      font=dict(size=FONT), height=height + LEGEND_ROW * rows,
                      margin=dict(l=75, r=20, t=95 if panels else 60, b=AXIS_BAND + 10 + LEGEND_ROW * rows),
                      plot_bgcolor="white",
                      legend=(dict(orientation="h", yref="container", yanchor="bottom", y=0, xanchor="left", x=0,
                                   font=dict(size=FONT - 3)) if legend_below else dict(font=dict(size=FONT - 3))))
    if xlabel is not None:            # None keeps titles a caller set (e.g. on subplots)
        fig.update_xaxes(title=xlabel)
    if ylabel is not None:
        fig.update_yaxes(title=ylabel)
    fig.update_xaxes(gridcolor="#e5e5e5", linecolor="#444", **AXIS_FONTS)
    fig.update_yaxes(gridcolor="#e5e5e5", linecolor="#444", **AXIS_FONTS)
    return fig


# A descent's charts open the Convolutions page under one row of sliders: at this height (plus
# their legend) they end on the first screen of a 1280×720 projector.
DESCENT_HEIGHT = 390


@memo
def objective_traces(steps: np.ndarray, objectives: np.ndarray, convex_value: float, *, title: str, convex_name: str,
                     xlabel: str = "gradient-descent step", height: int = DESCENT_HEIGHT) -> go.Figure:
    """Gap above the convex value, objective − convex, of each GD trial, log scale.

    The convex value itself is written in the title of the line; a gap below
    1e-8 is drawn at 1e-8 (it is the solver's accuracy, not a real difference).
    """
    fig = go.Figure()
    floor = 1e-8 * max(abs(convex_value), 1.0)
    for t, o in enumerate(np.atleast_2d(objectives)):
        fig.add_trace(go.Scatter(x=steps, y=np.maximum(o - convex_value, floor), mode="lines",
                                 line=dict(color=TRIAL, width=2.5), opacity=0.75, name="GD trials",
                                 legendgroup="gd", showlegend=t == 0))
    fig.add_trace(go.Scatter(x=[steps[0], steps[-1]], y=[floor, floor], mode="lines",
                             line=dict(color=CONVEX, width=3, dash="dash"),
                             name=f"{convex_name} = {convex_value:.6g} (gap drawn at the 1e-8 floor)"))
    fig.update_yaxes(type="log", exponentformat="power", nticks=6)   # decades only: labels apart
    return _layout(fig, title, xlabel=xlabel, ylabel="objective − convex optimum", height=height)


@memo
def distance_traces(steps: np.ndarray, distances: np.ndarray, *, title: str, ylabel: str,
                    xlabel: str = "gradient-descent step", height: int = DESCENT_HEIGHT) -> go.Figure:
    """Relative distance of each GD trial's rotation-invariant quantity to the convex solution (log)."""
    fig = go.Figure()
    for t, dd in enumerate(np.atleast_2d(distances)):
        fig.add_trace(go.Scatter(x=steps, y=np.maximum(dd, 1e-12), mode="lines", line=dict(color=TRIAL, width=2.5),
                                 opacity=0.75, name="GD trials", showlegend=t == 0))
    fig.update_yaxes(type="log", exponentformat="power", nticks=6)   # decades only: labels apart
    return _layout(fig, title, xlabel=xlabel, ylabel=ylabel, height=height)


@memo
def filters_side_by_side(gd: np.ndarray, convex: np.ndarray, *, title: str, xlabel: str = "tap",
                         names: tuple[str, str] = ("GD", "convex"), x_start: int = 1,
                         panels: tuple[str, ...] | None = None) -> go.Figure:
    """One panel per filter: GD's filter (solid) over the convex program's (dashed black).

    ``gd`` and ``convex`` are (r, h) arrays of filters already put in the same
    basis and sign (see :func:`cvxcore.cnn.aligned_filters`); ``panels``: the panels' titles
    (default "filter 1", "filter 2", …)."""
    gd, convex = np.atleast_2d(gd), np.atleast_2d(convex)
    r = convex.shape[0]
    fig = make_subplots(rows=1, cols=r, subplot_titles=list(panels or [f"filter {i + 1}" for i in range(r)]),
                        horizontal_spacing=0.06)
    x = np.arange(x_start, x_start + convex.shape[1])
    for i in range(r):
        fig.add_trace(go.Scatter(x=x, y=convex[i], mode="lines+markers", name=names[1],
                                 line=dict(color=CONVEX, width=4, dash="dash"), marker=dict(size=10),
                                 showlegend=i == 0), row=1, col=i + 1)
        if i < gd.shape[0]:
            fig.add_trace(go.Scatter(x=x, y=gd[i], mode="lines+markers", name=names[0],
                                     line=dict(color=TRIAL, width=3), marker=dict(size=7, symbol="x"),
                                     showlegend=i == 0), row=1, col=i + 1)
    fig.update_annotations(font=dict(size=FONT))
    return _layout(fig, title, xlabel=None, height=420)


@memo
def matrix_pair(A: np.ndarray, B: np.ndarray, *, title: str, names: tuple[str, str] = ("GD", "convex"),
                xlabel: str = "patch k", ylabel: str = "tap", floor: float = 1e-12) -> go.Figure:
    """Two heatmaps with one colour scale (e.g. Z = UᵀA from GD and Z* of (12)), symmetric about 0
    and at least ±``floor`` wide (so that two zero matrices are drawn at a scale the caller names,
    not at the scale of round-off)."""
    lim = max(np.abs(A).max(), np.abs(B).max(), floor)
    fig = make_subplots(rows=1, cols=2, subplot_titles=list(names), horizontal_spacing=0.08)
    for j, M in enumerate((A, B)):
        fig.add_trace(go.Heatmap(z=M, zmin=-lim, zmax=lim, colorscale="RdBu", reversescale=True,
                                 showscale=j == 1, x=np.arange(1, M.shape[1] + 1), y=np.arange(1, M.shape[0] + 1),
                                 colorbar=dict(thickness=18)), row=1, col=j + 1)
    fig.update_yaxes(autorange="reversed", title=ylabel)
    fig.update_xaxes(title=xlabel)
    fig.update_annotations(font=dict(size=FONT))
    return _layout(fig, title, height=380)


@memo
def signal_examples(S: np.ndarray, y: np.ndarray, *, title: str, k: int = 3) -> go.Figure:
    """A few signals of each class, coloured by class."""
    fig = go.Figure()
    x = np.arange(1, S.shape[1] + 1)
    for c, name in ((1.0, "class +1"), (-1.0, "class −1")):
        idx = np.flatnonzero(y == c)[:k]
        for j, i in enumerate(idx):
            fig.add_trace(go.Scatter(x=x, y=S[i], mode="lines", line=dict(color=CLASS_COLORS[c], width=2.5),
                                     name=name, legendgroup=name, showlegend=j == 0, opacity=0.85))
    return _layout(fig, title, xlabel="position", ylabel="value", height=360)


@memo
def separable_fit(S: np.ndarray, Y: np.ndarray, F: np.ndarray, *, title: str, k: int = 2) -> go.Figure:
    """Separable ReLU CNN: signal, per-patch targets y_k and the exact network's outputs f_k."""
    k = min(k, S.shape[0])
    fig = make_subplots(rows=1, cols=k, subplot_titles=[f"signal {i + 1}" for i in range(k)],
                        horizontal_spacing=0.06)
    for i in range(k):
        x = np.arange(1, S.shape[1] + 1)
        xp = np.arange(1, Y.shape[1] + 1) + 0.5
        fig.add_trace(go.Scatter(x=x, y=S[i], mode="lines+markers", line=dict(color="#999", width=2),
                                 name="signal", showlegend=i == 0), row=1, col=i + 1)
        fig.add_trace(go.Scatter(x=xp, y=Y[i], mode="markers", marker=dict(size=14, color="#d62728"),
                                 name="label y_k of patch k", showlegend=i == 0), row=1, col=i + 1)
        fig.add_trace(go.Scatter(x=xp, y=F[i], mode="markers", marker=dict(size=10, color=CONVEX, symbol="x"),
                                 name="exact CNN output f_k", showlegend=i == 0), row=1, col=i + 1)
    fig.update_annotations(font=dict(size=FONT))
    return _layout(fig, title, xlabel=None, height=DESCENT_HEIGHT)


@memo
def image_examples(imgs: np.ndarray, y: np.ndarray, *, title: str, k: int = 4) -> go.Figure:
    """k images of each class (hollow square = +1, plus sign = −1)."""
    idx = list(np.flatnonzero(y > 0)[:k]) + list(np.flatnonzero(y < 0)[:k])
    fig = make_subplots(rows=2, cols=k, horizontal_spacing=0.02, vertical_spacing=0.08,
                        subplot_titles=["square (+1)" if y[i] > 0 else "plus (−1)" for i in idx])
    for j, i in enumerate(idx):
        fig.add_trace(go.Heatmap(z=imgs[i], colorscale="Greys", showscale=False), row=j // k + 1, col=j % k + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    fig.update_annotations(font=dict(size=FONT - 2))
    return _layout(fig, title, height=420)


# The Higher dimensions page's results sit under its sliders and Run: at this height (plus their
# legend) they end on the first screen of a 1280×720 projector.
HIGHDIM_HEIGHT = 380


def highdim_curves(res: HighDimResult, *, which: Literal["objective", "test"] = "objective") -> go.Figure:
    """Figure 4 analogue: SGD trials along the steps; each scheme's value per trial as a short
    tick at the right end and its mean as a dashed line across.

    ``which`` is "objective" (objective (2)) or "test" (test accuracy)."""
    from cvxcore.experiments import SCHEME_LABELS
    t = res.trials_done
    trials = f"{t} trial{'s' if t != 1 else ''}"
    fig = go.Figure()
    Y = (res.sgd_objective if which == "objective" else res.sgd_test_accuracy)[:t]
    vals = res.objective if which == "objective" else res.test_accuracy
    for i, row in enumerate(Y):
        fig.add_trace(go.Scatter(x=res.steps, y=row, mode="lines", line=dict(color=TRIAL, width=2),
                                 opacity=0.6, name="SGD trials", legendgroup="sgd", showlegend=i == 0))
    x0, x1 = res.steps[0], res.steps[-1]
    for s, v in vals.items():
        v = v[:t]
        fig.add_trace(go.Scatter(x=[x0, x1], y=[v.mean()] * 2, mode="lines",
                                 line=dict(color=SCHEME_COLORS[s], width=3.5, dash="dash"),
                                 # the legend says "Alg1 (mean …)", two entries a row; the hover and
                                 # the page's table say what Alg1 is
                                 name=f"{SCHEME_LABELS[s].split(':')[0]} (mean {v.mean():.3g})", legendgroup=s,
                                 hovertemplate=f"{SCHEME_LABELS[s]}: mean %{{y:.4g}}<extra></extra>"))
        fig.add_trace(go.Scatter(x=np.full(len(v), x1), y=v, mode="markers",
                                 marker=dict(color=SCHEME_COLORS[s], size=12, symbol="line-ew-open",
                                             line=dict(width=3)),
                                 name=s, legendgroup=s, showlegend=False))
    if which == "objective":
        # zoom on where the methods end (SGD starts an order of magnitude higher)
        ends = np.concatenate([Y[:, -1]] + [v[:t] for v in vals.values()])
        lo, hi = np.nanmin(ends), np.nanmax(ends)
        # ticks at 1, 2, 5 × 10ᵏ with their full values (a bare "5" under "1" would read 5, not 0.5)
        fig.update_yaxes(type="log", dtick="D2", tickformat="~g",
                         range=[np.log10(0.8 * lo), np.log10(max(3 * np.nanmedian(ends), 1.2 * hi))])
        return _layout(fig, f"Training objective (2) over {trials}", xlabel="SGD step",
                       ylabel="objective (2)", height=HIGHDIM_HEIGHT)
    return _layout(fig, f"Test accuracy over {trials}", xlabel="SGD step", ylabel="test accuracy",
                   height=HIGHDIM_HEIGHT)
