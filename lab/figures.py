"""Figures of the app: pure functions, numpy arrays in, ``plotly.graph_objects.Figure`` out.

No Streamlit here; every function can be called (and is tested) without a server.
Conventions for a projector: large fonts (``FONT``), high-contrast colours, legends
on, equal aspect wherever geometry matters.  Class +1 is blue circles, class −1 is
orange squares; a neuron with α > 0 is green, with α < 0 purple (dashed).

Speed (a β step or a new point redraws in well under a second).  Every figure starts
from :data:`TEMPLATE`, plotly_white's layout without its per-trace defaults, given at
construction: plotly otherwise deep-copies its default template and then plotly_white into
every figure (about 20 ms of a 30 ms build, and 7 kB of JSON).  Large arrays go out as float32
(half the bytes; a screen needs no more than 7 digits).  Many lines of one kind are one trace
with gaps (NaN) between them, not one trace each: plotly.js draws each trace separately.

The page-level builders are memoised (:func:`_memo`): the same inputs (compared by content)
return the same figure object, shared by every session of the server process, so a rerun that
changed nothing, a second student with the same preset, or a β value seen before costs no
build.  A returned figure must therefore not be modified (copy it with ``go.Figure(fig)``).
"""
from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, Protocol, cast

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from cvxcore.geometry import sphere_points
from lab import internals
from lab.canvas import CANVAS_1D, CANVAS_2D, GRID_STEP

FONT = 17
POS, NEG = "#1f5fbf", "#e8710a"                 # class +1, class −1
APOS, ANEG = "#1b9e4b", "#7b2fbe"               # neuron α > 0, α < 0
OPT = "#111111"                                 # the optimum
TRACE_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf"]

ZERO_MARKERS_MAX = 300     # group_norms: above this many zero blocks, a grey baseline instead of markers
GRID_NAME = "click to add"
CANVAS_HEIGHT = 585        # the Data page's canvas: the largest that fits under the title at 1280×720

# plotly_white's look (white background, light grid, its colours and fonts), layout only.
_WHITE = pio.templates["plotly_white"].layout
TEMPLATE = go.layout.Template(layout={k: _WHITE[k] for k in (
    "colorway", "font", "hovermode", "hoverlabel", "paper_bgcolor", "plot_bgcolor", "xaxis", "yaxis",
    "scene", "shapedefaults", "annotationdefaults", "title")})


def _merge(into: dict, new: dict) -> dict:
    """Merge ``new`` into ``into`` recursively (nested dicts merge, other values replace)."""
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = v
    return into


class _Draft:
    """A figure being built: traces and a plain layout dict, made a ``go.Figure`` once by :meth:`done`.

    It offers the few ``go.Figure`` methods the builders use (``add_trace``, ``add_vline``,
    ``update_layout``, ``update_xaxes``, ``update_yaxes``).  plotly validates a property on every
    ``update_*`` call (about 3 ms each); handing it the finished layout once costs under 3 ms."""

    def __init__(self, traces: Iterable[Any] = ()) -> None:
        self.traces = list(traces)
        self.layout: dict = {}
        self.shapes: list = []

    def add_trace(self, trace: Any) -> _Draft:
        self.traces.append(trace)
        return self

    def add_vline(self, x: float, line: dict | None = None) -> _Draft:
        self.shapes.append(dict(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain", line=line or {}))
        return self

    def add_annotation(self, **kw: Any) -> _Draft:
        self.layout.setdefault("annotations", []).append(kw)
        return self

    def update_layout(self, d: dict | None = None, **kw: Any) -> _Draft:
        _merge(self.layout, {**(d or {}), **kw})
        return self

    def update_xaxes(self, **kw: Any) -> _Draft:
        return self.update_layout(xaxis=kw)

    def update_yaxes(self, **kw: Any) -> _Draft:
        return self.update_layout(yaxis=kw)

    def done(self) -> go.Figure:
        layout = _without_none(self.layout)
        if self.shapes:
            layout["shapes"] = self.shapes
        # Not validated again (lab.internals): the traces were validated when made, and
        # validating the layout with its template took 5 ms of a 6 ms figure.
        return internals.unvalidated_figure(self.traces, dict(template=TEMPLATE, **layout))


def _without_none(d: dict) -> dict:
    """``d`` without its None values, recursively (None means "not set" to plotly's validator)."""
    return {k: _without_none(v) if isinstance(v, dict) else v for k, v in d.items() if v is not None}


def _figure(*traces) -> _Draft:
    """A new figure (a :class:`_Draft`) on :data:`TEMPLATE`; ``.done()`` makes the ``go.Figure``."""
    return _Draft(traces)


P = ParamSpec("P")
MEMO_SIZE = 96          # figures kept per builder (a few MB in all)


def _feed(h: Any, v: Any) -> None:
    """Add a builder argument to the hash by content: arrays by dtype, shape and bytes."""
    if isinstance(v, np.ndarray):
        a = np.ascontiguousarray(v)
        h.update(f"a{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    elif isinstance(v, dict):
        h.update(b"d")
        for k in v:
            h.update(repr(k).encode())
            _feed(h, v[k])
    elif isinstance(v, (list, tuple)):
        h.update(f"l{len(v)}".encode())
        for x in v:
            _feed(h, x)
    else:
        h.update(f"{type(v).__name__}:{v!r};".encode())


class Memoised(Protocol[P]):
    """A figure builder memoised by :func:`memo`: called as the builder; ``uncached`` is the builder."""
    uncached: Callable[P, go.Figure]
    cache: OrderedDict

    def __call__(self, *args: P.args, **kw: P.kwargs) -> go.Figure: ...


def _memo(builder: Callable[P, go.Figure]) -> Memoised[P]:
    """Memoise a pure figure builder on the content of its arguments (LRU of :data:`MEMO_SIZE`).

    The figure is shared by all callers; ``builder.uncached`` builds a fresh one."""
    cache: OrderedDict = OrderedDict()
    lock = threading.Lock()

    @functools.wraps(builder)
    def wrapped(*args: P.args, **kw: P.kwargs) -> go.Figure:
        h = hashlib.blake2b(builder.__name__.encode(), digest_size=20)
        _feed(h, args)
        _feed(h, dict(sorted(kw.items())))
        key = h.digest()
        with lock:
            if key in cache:
                cache.move_to_end(key)
                return cache[key]
        fig = builder(*args, **kw)
        with lock:
            cache[key] = fig
            while len(cache) > MEMO_SIZE:
                cache.popitem(last=False)
        return fig

    wrapped.__dict__.update(uncached=builder, cache=cache)
    return cast(Memoised[P], wrapped)


memo = _memo          # for the other figure modules (lab.figures_cnn): the same memo, the same rules


def _f32(a: Any) -> np.ndarray:
    """A float32 copy for a trace: half the JSON of float64; NaN (a gap in a line) stays NaN.

    Values beyond float32's range (a diverged SGD run) become ±inf, as plotly would skip them anyway."""
    with np.errstate(over="ignore"):
        return np.asarray(a, dtype=float).astype(np.float32)


def _joined(segments) -> tuple[np.ndarray, np.ndarray]:
    """Polylines (each an (k, 2+) array) as one trace's coordinates, NaN between them."""
    segs = [np.asarray(s, float) for s in segments]
    if not segs:
        return np.zeros((0, 0)), np.zeros(0)
    cols = segs[0].shape[1]
    gap = np.full((1, cols), np.nan)
    out = np.concatenate([p for s in segs for p in (s, gap)][:-1])
    return out, np.concatenate([np.full(len(s) + 1, i) for i, s in enumerate(segs)])[:len(out)]


def _layout(fig: _Draft, *, title: str | None = None, height: int = 520, equal: bool = False,
            xr=None, yr=None, xtitle: str | None = None, ytitle: str | None = None) -> _Draft:
    fig.update_layout(height=height, font=dict(size=FONT),
                      title=dict(text=title, font=dict(size=FONT + 3)) if title else None,
                      margin=dict(l=60, r=20, t=60 if title else 20, b=55),
                      legend=dict(font=dict(size=FONT - 1), bgcolor="rgba(255,255,255,0.8)"))
    fig.update_xaxes(title=dict(text=xtitle) if xtitle else None, zeroline=True, zerolinecolor="#999",
                     gridcolor="#e6e6e6")
    fig.update_yaxes(title=dict(text=ytitle) if ytitle else None, zeroline=True, zerolinecolor="#999",
                     gridcolor="#e6e6e6")
    if xr is not None:
        fig.update_xaxes(range=list(xr))
    if yr is not None:
        fig.update_yaxes(range=list(yr))
    if equal:     # square cells; the plot area shrinks instead of the axis ranges growing
        fig.update_yaxes(scaleanchor="x", scaleratio=1, constrain="domain")
        fig.update_xaxes(constrain="domain")
        fig.update_layout(legend=dict(orientation="h", x=0, y=1.01, xanchor="left", yanchor="bottom"),
                          margin=dict(t=110 if title else 80))
    return fig


def _class_traces(P: np.ndarray, y: np.ndarray, *, size: int = 13, active: np.ndarray | None = None) -> list:
    """Scatter traces of 2-D points by class (±1); ``active`` (bool) outlines a subset."""
    out = []
    for lab, col, sym, name in ((1, POS, "circle", "class +1"), (-1, NEG, "square", "class −1")):
        k = y == lab
        if active is None:
            out.append(go.Scatter(x=P[k, 0], y=P[k, 1], mode="markers", name=name,
                                  marker=dict(color=col, size=size, symbol=sym, line=dict(color="white", width=1.5))))
        else:
            for on, suffix in ((True, ", xᵢᵀu ≥ 0"), (False, ", xᵢᵀu < 0")):
                kk = k & (active == on)
                out.append(go.Scatter(
                    x=P[kk, 0], y=P[kk, 1], mode="markers", name=name + suffix,
                    marker=dict(color=col if on else "white", size=size + 2, symbol=sym,
                                line=dict(color=col, width=2.5))))
    return out


# ----------------------------------------------------------------------------- data page
def canvas_grid(dim: int) -> tuple[np.ndarray, np.ndarray]:
    """The invisible click grid (x, y) covering the whole canvas of a 1-D or 2-D data set."""
    (x0, x1), (y0, y1) = CANVAS_1D if dim == 1 else CANVAS_2D
    gx = np.round(np.arange(x0, x1 + 1e-9, GRID_STEP), 3)
    gy = np.round(np.arange(y0, y1 + 1e-9, GRID_STEP), 3)
    XX, YY = np.meshgrid(gx, gy)
    return XX.ravel().astype(np.float32), YY.ravel().astype(np.float32)


def _click_grid(dim: int) -> go.Scatter:
    """The invisible click grid of a canvas: a clickable figure's trace 0 (see lab.ui.add_clicked_point)."""
    gx, gy = canvas_grid(dim)
    return go.Scatter(
        x=gx, y=gy, mode="markers", name=GRID_NAME, showlegend=False,
        # maxdisplayed=1: plotly draws one SVG marker, yet hovers and clicks every grid point
        # (they work on its data, not on the DOM); 2,601 invisible markers took the
        # software-rendered browser ~0.4 s to draw on every click.
        marker=dict(size=9, color="rgba(0,0,0,0)", opacity=0.0, maxdisplayed=1),
        hovertemplate="click: add (%{x:.1f}, %{y:.1f})<extra></extra>")


def _fix_for_clicks(fig: _Draft) -> _Draft:
    """Fixed axes, no drag: a click on the canvas adds a point and nothing moves by accident."""
    fig.update_xaxes(fixedrange=True, showspikes=False)
    fig.update_yaxes(fixedrange=True, showspikes=False)
    fig.update_layout(dragmode=False, hovermode="closest", clickmode="event+select",
                      legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"))
    return fig


@_memo
def data_canvas(P: np.ndarray, y: np.ndarray, dim: int, *, height: int = 560) -> go.Figure:
    """The drawing canvas: trace 0 is the invisible click grid, then the data.

    1-D regression: points (xᵢ, yᵢ).  2-D classification: points (x₁, x₂) by class ±1.
    """
    fig = _figure(_click_grid(dim))
    P = np.asarray(P, float).reshape(-1, dim)
    y = np.asarray(y, float)
    if dim == 1:
        fig.add_trace(go.Scatter(x=P[:, 0], y=y, mode="markers", name="data (xᵢ, yᵢ)",
                                 marker=dict(color=POS, size=14, line=dict(color="white", width=1.5)),
                                 hovertemplate="x=%{x:.2f}, y=%{y:.2f}<extra></extra>"))
        xr, yr = CANVAS_1D
        _layout(fig, height=height, xr=list(xr), yr=list(yr), xtitle="x", ytitle="y")
    else:
        for t in _class_traces(P, y, size=14):
            t.hovertemplate = "(%{x:.2f}, %{y:.2f})<extra></extra>"
            fig.add_trace(t)
        xr, yr = CANVAS_2D
        _layout(fig, height=height, xr=list(xr), yr=list(yr), xtitle="x₁", ytitle="x₂", equal=True)
    _fix_for_clicks(fig)
    # one short legend line: the height goes to the canvas (a square of height − 100 px in 2-D)
    fig.update_layout(margin=dict(t=45, b=55), legend=dict(font=dict(size=FONT - 2)))
    return fig.done()


# ----------------------------------------------------------------------------- convex page
def neuron_outputs_1d(xs: np.ndarray, U: np.ndarray, alpha: np.ndarray, bias: bool) -> np.ndarray:
    """(m, len(xs)): neuron j's contribution α_j (u_jᵀ[x; 1])₊ on the grid xs (1-D inputs)."""
    Xg = np.c_[xs, np.ones_like(xs)] if bias else xs[:, None]
    return (np.maximum(Xg @ U.T, 0.0) * alpha).T


@_memo
def fit_1d(x: np.ndarray, y: np.ndarray, xs: np.ndarray, curves: dict, *, U: np.ndarray | None = None,
           alpha: np.ndarray | None = None, bias: bool = True, title: str | None = None, height: int = 520,
           show_neurons: bool = True, clickable: bool = False, colors: dict | None = None, kinks_only: bool = False,
           compact_legend: bool = False) -> go.Figure:
    """Data (xᵢ, yᵢ), fitted functions ``curves`` {name: values on xs}, and the optimal neurons:
    each neuron's contribution α_j(u_jᵀx)₊ (thin) and its kink x = −u_{j2}/u_{j1} (dotted line).

    ``colors`` {name: colour} overrides a curve's colour (the first curve is black, the others
    take the trace colours in order).  ``kinks_only``: the neurons are drawn as their kinks
    alone, one dotted vertical line each (green α > 0, purple α < 0), with a legend entry.
    The y range holds the data and the curves, but never reaches more than twice the data's
    span beyond it: a network far from the data (early in training) leaves the axis readable.
    ``clickable``: trace 0 is the canvas's click grid (a click adds a point, as on the Data
    page); the curves then take no hover, or their dense points would catch the clicks."""
    fig = _figure(*([_click_grid(1)] if clickable else []))
    quiet = {"hoverinfo": "skip"} if clickable else {}
    xs32 = _f32(xs)
    y = np.asarray(y, float)
    kinks = []
    if U is not None and alpha is not None and len(U) and show_neurons:
        contrib = None if kinks_only else _f32(neuron_outputs_1d(xs, U, alpha, bias))
        shown = {True: False, False: False}
        for j in range(len(alpha)):
            pos = alpha[j] > 0
            col = APOS if pos else ANEG
            if contrib is not None:
                fig.add_trace(go.Scatter(x=xs32, y=contrib[j], mode="lines",
                                         line=dict(color=col, width=1.8, dash="dash" if not pos else None),
                                         opacity=0.75, name="neuron, α > 0" if pos else "neuron, α < 0",
                                         legendgroup="pos" if pos else "neg", showlegend=not shown[pos], **quiet))
                shown[pos] = True
            if bias and abs(U[j, 0]) > 1e-12:
                k = -U[j, 1] / U[j, 0]
                if xs[0] <= k <= xs[-1]:
                    if contrib is None:
                        kinks.append((k, pos))
                    else:
                        fig.add_vline(x=k, line=dict(color=col, width=1.2, dash="dot"))
    for i, (name, v) in enumerate(curves.items()):
        col = (colors or {}).get(name) or (OPT if i == 0 else TRACE_COLORS[i % 10])
        fig.add_trace(go.Scatter(x=xs32, y=_f32(v), mode="lines", name=name, **quiet,
                                 line=dict(color=col, width=4 if i == 0 else 3)))
    fig.add_trace(go.Scatter(x=x, y=y, mode="markers", name="data", showlegend=not compact_legend,
                             marker=dict(color=POS, size=14, line=dict(color="white", width=1.5))))
    span_lo, span_hi = (min(y.min(), -1.0), max(y.max(), 1.0)) if y.size else (-2.5, 2.5)
    reach = 2 * (span_hi - span_lo)
    vals = np.concatenate([y, *(np.asarray(v, float).ravel() for v in curves.values())])
    vals = vals[np.isfinite(vals)]
    lo, hi = (min(vals.min(), -1.0), max(vals.max(), 1.0)) if vals.size else (-2.5, 2.5)
    lo, hi = max(lo, span_lo - reach), min(hi, span_hi + reach)
    pad = 0.12 * (hi - lo)
    if kinks:                    # one trace per sign: vertical segments over the whole y range
        for pos in (True, False):
            ks = [k for k, p in kinks if p == pos]
            if ks:
                fig.add_trace(go.Scatter(
                    x=np.repeat(ks, 3), y=np.tile([lo - pad, hi + pad, np.nan], len(ks)), mode="lines",
                    line=dict(color=APOS if pos else ANEG, width=2, dash="dot"), hoverinfo="skip",
                    name=f"{'kink' if compact_legend else 'kink of a neuron'}, α {'>' if pos else '<'} 0"))
    _layout(fig, title=title, height=height, xr=[xs[0], xs[-1]], yr=[lo - pad, hi + pad], xtitle="x", ytitle="y")
    if compact_legend:
        fig.update_layout(legend=dict(orientation="h", x=0, y=1.0, xanchor="left", yanchor="bottom",
                                      font=dict(size=FONT - 3)), margin=dict(t=60, r=15))
    return (_fix_for_clicks(fig) if clickable else fig).done()


@_memo
def decision_2d(P: np.ndarray, y: np.ndarray, gx: np.ndarray, gy: np.ndarray, F: np.ndarray, *,
                U: np.ndarray | None = None, alpha: np.ndarray | None = None, bias: bool = True,
                title: str | None = None, height: int = 560, show_neurons: bool = True, clickable: bool = False,
                reference: np.ndarray | None = None,
                reference_name: str = "optimum's boundary", boundary_name: str = "boundary f(x) = 0",
                legend: str = "top") -> go.Figure:
    """Decision regions of f on the grid (F shape (len(gy), len(gx))): colour = sign and size of f,
    the boundary f = 0 in black, the data, and each optimal neuron's line u_jᵀ[x; 1] = 0.

    ``clickable``: trace 0 is the canvas's click grid (on the canvas's axes, a click adds a
    point); the heatmap then takes no hover, or it would catch every click.  ``reference``: a
    second function on the same grid (the optimum's) whose boundary is drawn dashed grey, for
    comparison.  ``legend``: "top" (horizontal, above), "compact" (horizontal, above, short names
    in a small font: one line over a wide plot), "side" (a column at the right, short names in a
    small font: it takes the width an equal-aspect plot leaves free in a wide box) or "none"."""
    lim = float(np.nanmax(np.abs(F))) if F.size and np.isfinite(F).any() else 1.0
    lim = min(max(lim, 1e-9), 1.0)          # |f| ≥ 1 (the hinge margin) at full colour
    F = np.asarray(F, float)
    fig = _figure(*([_click_grid(2)] if clickable else []))
    fig.add_trace(go.Heatmap(x=_f32(gx), y=_f32(gy), z=_f32(np.clip(F, -lim, lim)), zmin=-lim, zmax=lim, zmid=0,
                             colorscale=[[0, "#f5b47a"], [0.5, "#ffffff"], [1, "#8fb4ea"]], showscale=False,
                             **({"hoverinfo": "skip"} if clickable else
                                {"hovertemplate": "f(x) = %{z:.2f}<extra></extra>"})))
    fig.add_trace(go.Contour(x=_f32(gx), y=_f32(gy), z=_f32(F), contours=dict(start=0, end=0, size=1, coloring="none"),
                             line=dict(color=OPT, width=3.5), showscale=False, name=boundary_name,
                             showlegend=True, hoverinfo="skip"))
    if reference is not None and np.isfinite(reference).any():
        fig.add_trace(go.Contour(x=_f32(gx), y=_f32(gy), z=_f32(reference),
                                 contours=dict(start=0, end=0, size=1, coloring="none"),
                                 line=dict(color="#555", width=2.5, dash="dash"), showscale=False,
                                 name=reference_name, showlegend=True, hoverinfo="skip"))
    if U is not None and alpha is not None and len(U) and show_neurons:
        _neuron_lines(fig, U, alpha, bias, (gx[0], gx[-1]), (gy[0], gy[-1]), short=legend in ("side", "compact"))
    for t in _class_traces(P, y):
        fig.add_trace(t)
    _layout(fig, title=title, height=height, equal=True, xr=[gx[0], gx[-1]], yr=[gy[0], gy[-1]],
            xtitle="x₁", ytitle="x₂")
    if clickable:
        _fix_for_clicks(fig)
    if legend == "side":
        fig.update_layout(legend=dict(orientation="v", x=1.02, y=1.0, xanchor="left", yanchor="top",
                                      font=dict(size=FONT - 3)), margin=dict(t=15, r=10, b=50))
    elif legend == "compact":
        fig.update_layout(legend=dict(orientation="h", x=0, y=1.0, xanchor="left", yanchor="bottom",
                                      font=dict(size=FONT - 3)), margin=dict(t=45, b=50))
    elif legend == "none":
        fig.update_layout(showlegend=False, margin=dict(t=15, b=50))
    return fig.done()


def _line_in_box(a: float, b: float, c: float, xr: tuple[float, float], yr: tuple[float, float]
                 ) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Endpoints of {a x + b y + c = 0} clipped to the box, or None."""
    pts = []
    if abs(b) > 1e-12:
        for x in xr:
            yv = -(a * x + c) / b
            if yr[0] - 1e-9 <= yv <= yr[1] + 1e-9:
                pts.append((x, yv))
    if abs(a) > 1e-12:
        for yv in yr:
            x = -(b * yv + c) / a
            if xr[0] - 1e-9 <= x <= xr[1] + 1e-9:
                pts.append((x, yv))
    if len(pts) < 2:
        return None
    pts = sorted(set((round(p[0], 9), round(p[1], 9)) for p in pts))
    return pts[0], pts[-1]


def _neuron_lines(fig: _Draft, U: np.ndarray, alpha: np.ndarray, bias: bool, xr: tuple[float, float],
                  yr: tuple[float, float], short: bool = False) -> None:
    """Each neuron's line u_jᵀ[x; 1] = 0 clipped to the box: one trace per sign of α_j with
    None between the segments (a trace per neuron cost the browser ~5 ms each a redraw).
    ``short``: legend names "neuron, α > 0" instead of the equation."""
    lhs = "uⱼᵀ[x; 1]" if bias else "uⱼᵀx"
    for pos in (True, False):
        xs, ys, tips = [], [], []
        for j in np.flatnonzero((np.asarray(alpha) > 0) == pos):
            seg = _line_in_box(U[j, 0], U[j, 1], U[j, 2] if bias else 0.0, xr, yr)
            if seg is None:
                continue
            xs += [seg[0][0], seg[1][0], None]
            ys += [seg[0][1], seg[1][1], None]
            tips += [f"neuron {j + 1}: α = {alpha[j]:+.3f}"] * 2 + [""]
        if xs:
            fig.add_trace(go.Scatter(x=xs[:-1], y=ys[:-1], text=tips[:-1], mode="lines",
                                     line=dict(color=APOS if pos else ANEG, width=2.2, dash=None if pos else "dash"),
                                     name=(f"neuron, α {'>' if pos else '<'} 0" if short else
                                           f"neuron {lhs} = 0, α {'>' if pos else '<'} 0"),
                                     hovertemplate="%{text}<extra></extra>"))


@_memo
def group_norms(vn: np.ndarray, wn: np.ndarray, *, height: int = 380, tol: float = 1e-6) -> go.Figure:
    """Stems ‖vᵢ‖ (up, green) and −‖wᵢ‖ (down, purple) over the P patterns of (8); the zero
    blocks are the grey baseline.  Stems, not bars, so that a few nonzero blocks stay visible
    among thousands of patterns."""
    vn, wn = np.asarray(vn, float), np.asarray(wn, float)
    i = np.arange(1, len(vn) + 1, dtype=np.int32)
    scale = max(vn.max(initial=0.0), wn.max(initial=0.0), 1e-300)
    zero = (vn <= tol * max(scale, 1)) & (wn <= tol * max(scale, 1))
    if zero.sum() <= ZERO_MARKERS_MAX:
        fig = _figure(go.Scatter(x=i[zero], y=np.zeros(zero.sum(), np.float32), mode="markers", name="zero blocks",
                                   marker=dict(color="#9a9a9a", size=4), hoverinfo="skip"))
    else:   # thousands of SVG markers cost the browser ~0.3 s a redraw; the baseline says the same
        fig = _figure(go.Scatter(x=[1, len(vn)], y=[0.0, 0.0], mode="lines", line=dict(color="#9a9a9a", width=4),
                                   name=f"zero blocks ({int(zero.sum())})", hoverinfo="skip"))
    for vals, sign, col, name in ((vn, 1, APOS, "‖vᵢ‖ (α > 0)"), (wn, -1, ANEG, "−‖wᵢ‖ (α < 0)")):
        k = np.flatnonzero(vals > tol * max(scale, 1))
        xs = np.repeat(i[k], 3).astype(float)
        ys = np.c_[np.zeros(k.size), sign * vals[k], np.full(k.size, np.nan)].ravel()
        xs[2::3] = np.nan
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=col, width=4), name=name,
                                 legendgroup=name, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=i[k], y=sign * vals[k], mode="markers", marker=dict(color=col, size=11),
                                 legendgroup=name, showlegend=False,
                                 hovertemplate="pattern %{x}: %{y:.3f}<extra></extra>"))
    nz = int(np.sum(vn > tol * max(scale, 1)) + np.sum(wn > tol * max(scale, 1)))
    return _layout(fig, height=height, xtitle=f"pattern i ≤ {len(vn)} ({nz} nonzero blocks)",
                   ytitle="block norm", xr=[0, len(vn) + 1]).done()


# ----------------------------------------------------------------------------- arrangement page
PICK = "#1f5fbf"                 # the chosen cell
FACET = "#111111"                # the hyperplanes that bound it
ARR_CIRCLES = 80                 # great circles drawn on the sphere at most (besides the cell's own)
WEIGHT_BOX = 1.4                 # the weight plane shows [−1.4, 1.4]²


def _grid_trace(xr, yr, step: float, hover: str) -> go.Scatter:
    """An invisible click grid over the box (a clickable figure's trace 0), as :func:`_click_grid`."""
    gx = np.round(np.arange(xr[0], xr[1] + 1e-9, step), 4)
    gy = np.round(np.arange(yr[0], yr[1] + 1e-9, step), 4)
    XX, YY = np.meshgrid(gx, gy)
    return go.Scatter(x=XX.ravel().astype(np.float32), y=YY.ravel().astype(np.float32), mode="markers",
                      name=GRID_NAME, showlegend=False, hovertemplate=hover + "<extra></extra>",
                      marker=dict(size=9, color="rgba(0,0,0,0)", opacity=0.0, maxdisplayed=1))


def _great_circle(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points of the great circle {u : xᵀu = 0, ‖u‖ = 1} at angles t, (len(t), 3)."""
    B = np.linalg.svd(np.asarray(x, float)[None, :])[2][1:3]       # an orthonormal basis of x⊥
    return np.cos(t)[:, None] * B[0] + np.sin(t)[:, None] * B[1]


def _arc(a: np.ndarray, b: np.ndarray, k: int = 12) -> np.ndarray:
    """The short great-circle arc from unit a to unit b, k + 1 points."""
    om = np.arccos(np.clip(a @ b, -1.0, 1.0))
    if om < 1e-9:
        return np.vstack([a, b])
    t = np.linspace(0, 1, k + 1)[:, None]
    return (np.sin((1 - t) * om) * a + np.sin(t * om) * b) / np.sin(om)


@_memo
def weight_plane(X: np.ndarray, u: np.ndarray, *, sector: np.ndarray | None = None,
                 labels: tuple[str, str] = ("u₁", "u₂"), height: int = 500) -> go.Figure:
    """2-D weight space: the lines {u : xᵢᵀu = 0} (one per data point), the unit circle, the
    chosen direction u and its cell, the sector between the two rays ``sector`` (2, 2), shaded.
    Trace 0 is a click grid: a click picks the direction u = (u₁, u₂) of the clicked point."""
    X = np.asarray(X, float)
    R = WEIGHT_BOX
    fig = _figure(_grid_trace((-R, R), (-R, R), 0.05, "click: u = (%{x:.2f}, %{y:.2f})"))
    th = np.linspace(0, 2 * np.pi, 361)
    if sector is not None:           # the arc from one ray to the other that contains u
        a0, b0 = (np.arctan2(r[1], r[0]) for r in sector)
        if np.mod(np.arctan2(u[1], u[0]) - a0, 2 * np.pi) > np.mod(b0 - a0, 2 * np.pi):
            a0, b0 = b0, a0
        a1 = a0 + np.mod(b0 - a0, 2 * np.pi)
        ang = np.linspace(a0, a1, max(2, int(np.degrees(a1 - a0))))
        fig.add_trace(go.Scatter(x=np.r_[0, R * np.cos(ang), 0], y=np.r_[0, R * np.sin(ang), 0], fill="toself",
                                 mode="lines", line=dict(width=0), fillcolor="rgba(31,95,191,0.22)",
                                 name="cell of u (same Dᵢ)", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=_f32(np.cos(th)), y=_f32(np.sin(th)), mode="lines", line=dict(color="#bbb", width=1),
                             name="‖u‖ = 1", hoverinfo="skip"))
    segs, tips = [], []
    for i, x in enumerate(X):
        if np.linalg.norm(x) < 1e-12:
            continue
        t = np.array([-x[1], x[0]]) / np.linalg.norm(x)
        segs.append(np.array([-R * t, R * t]))
        tips += [f"point {i + 1}"] * 3
    if segs:                      # one trace for all n lines (NaN between them)
        L, _ = _joined(segs)
        fig.add_trace(go.Scatter(x=_f32(L[:, 0]), y=_f32(L[:, 1]), mode="lines",
                                 line=dict(color="#444", width=1.6 if len(segs) <= 60 else 0.8),
                                 name="xᵢᵀu = 0", text=tips[:len(L)], hovertemplate="%{text}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[0, u[0]], y=[0, u[1]], mode="lines+markers", line=dict(color=APOS, width=4),
                             marker=dict(size=[0, 14], color=APOS), name="chosen u", hoverinfo="skip"))
    _layout(fig, height=height, equal=True, xr=[-R, R], yr=[-R, R], xtitle=labels[0], ytitle=labels[1])
    return _fix_for_clicks(fig).done()


@_memo
def ramp_view_1d(x: np.ndarray, y: np.ndarray, u: np.ndarray, *, height: int = 420) -> go.Figure:
    """Dual view for 1-D data with bias: the neuron (u₁x + u₂)₊ as a ramp; its active points filled.
    Trace 0 is a click grid (a click on empty space puts the kink there); a click on a point
    switches it (:func:`lab.arrangement.flip_point`)."""
    x = np.asarray(x, float)
    (x0, x1), (y0, y1) = CANVAS_1D
    on = u[0] * x + u[1] >= 0
    xs = np.linspace(x0, x1, 301)
    fig = _figure(_grid_trace((x0, x1), (y0, y1), 0.1, "click: put the kink at x = %{x:.1f}"))
    fig.add_trace(go.Scatter(x=xs, y=np.maximum(u[0] * xs + u[1], 0), mode="lines", name="(u₁x + u₂)₊",
                             line=dict(color=APOS, width=3.5), hoverinfo="skip"))
    idx = np.arange(x.size)
    size = 15 if x.size <= 60 else 8
    fig.add_trace(go.Scatter(x=x[on], y=y[on], mode="markers", name="active: dᵢ = 1", customdata=idx[on] + 1,
                             marker=dict(size=size, color=POS, line=dict(color="white", width=1.5)),
                             hovertemplate="point %{customdata}: click to switch it off<extra></extra>"))
    fig.add_trace(go.Scatter(x=x[~on], y=y[~on], mode="markers", name="inactive: dᵢ = 0", customdata=idx[~on] + 1,
                             marker=dict(size=size, color="white", line=dict(color=POS, width=2.5)),
                             hovertemplate="point %{customdata}: click to switch it on<extra></extra>"))
    _layout(fig, height=height, xr=[x0, x1], yr=[y0, y1], xtitle="x", ytitle="y")
    return _fix_for_clicks(fig).done()


@_memo
def sphere_arrangement(X: np.ndarray, u: np.ndarray, *, corners: np.ndarray | None = None,
                       bounding: np.ndarray | None = None, height: int = 500,
                       max_circles: int = ARR_CIRCLES) -> go.Figure:
    """Great circles {u : xᵢᵀu = 0, ‖u‖ = 1} on the unit sphere in R³ (2-D data with bias), the
    chosen u as an arrow and its cell: ``corners`` (k, 3), the cell's vertices in order, filled
    and outlined; ``bounding``: the rows whose circles bound it, drawn dark.

    At most ``max_circles`` other circles are drawn, thin and light (a fixed sample when there are
    more): at n = 500 all of them cover the sphere.  A ring of 5° around u marks the cell however
    small it is.  The circles are one trace (WebGL draws each trace on its own)."""
    X = np.asarray(X, float)
    uu = u / max(np.linalg.norm(u), 1e-12)
    bounding = np.asarray([] if bounding is None else bounding, dtype=int)
    fig = _figure()
    S = sphere_points(500)
    fig.add_trace(go.Scatter3d(x=_f32(S[:, 0]), y=_f32(S[:, 1]), z=_f32(S[:, 2]), mode="markers",
                               marker=dict(size=1.4, color="#d9d9d9"), name="sphere ‖u‖ = 1", hoverinfo="skip",
                               showlegend=False))
    rows = np.flatnonzero(np.linalg.norm(X, axis=1) > 1e-12)
    others = np.setdiff1d(rows, bounding)
    if others.size > max_circles:
        others = np.sort(np.random.default_rng(0).choice(others, max_circles, replace=False))
    t = np.linspace(0, 2 * np.pi, 37)          # 10° chords: 0.4 % off the circle, not visible
    light = len(rows) > max_circles
    for sel, colour, width, name in ((others, "#b8b8b8" if light else "#999", 1.0 if light else 1.5,
                                      f"xᵢᵀu = 0 ({others.size} of {rows.size})" if light else "xᵢᵀu = 0"),
                                     (bounding, FACET, 4, "the cell's own hyperplanes")):
        if len(sel):
            C, _ = _joined([_great_circle(X[i], t) for i in sel])
            fig.add_trace(go.Scatter3d(x=_f32(C[:, 0]), y=_f32(C[:, 1]), z=_f32(C[:, 2]), mode="lines",
                                       line=dict(color=colour, width=width), name=name, hoverinfo="skip"))
    if corners is not None and len(corners) >= 3:
        V = np.asarray(corners, float)
        edge = np.concatenate([_arc(V[k], V[(k + 1) % len(V)]) for k in range(len(V))]) * 1.004
        centre = V.sum(axis=0) / np.linalg.norm(V.sum(axis=0)) * 1.004
        P = np.vstack([centre, edge])
        m = len(edge)
        fig.add_trace(go.Mesh3d(x=_f32(P[:, 0]), y=_f32(P[:, 1]), z=_f32(P[:, 2]),
                                i=np.zeros(m, int), j=np.arange(1, m + 1), k=np.r_[np.arange(2, m + 1), 1],
                                color=PICK, opacity=0.55, name="the cell of u", showlegend=True, hoverinfo="skip"))
        fig.add_trace(go.Scatter3d(x=_f32(edge[:, 0]), y=_f32(edge[:, 1]), z=_f32(edge[:, 2]), mode="lines",
                                   line=dict(color=PICK, width=7), showlegend=False, hoverinfo="skip"))
    e1 = np.linalg.svd(uu[None, :])[2][1]
    e2 = np.cross(uu, e1)
    a = np.radians(5)
    ring = np.cos(a) * uu + np.sin(a) * (np.cos(t)[:, None] * e1 + np.sin(t)[:, None] * e2)
    fig.add_trace(go.Scatter3d(x=_f32(ring[:, 0] * 1.01), y=_f32(ring[:, 1] * 1.01), z=_f32(ring[:, 2] * 1.01),
                               mode="lines", line=dict(color=APOS, width=5), name="around u (5°)",
                               hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter3d(x=[0, 1.25 * uu[0]], y=[0, 1.25 * uu[1]], z=[0, 1.25 * uu[2]], mode="lines+markers",
                               line=dict(color=APOS, width=8), marker=dict(size=[0, 6], color=APOS), name="chosen u"))
    # on u's side, 2.6 units out: nearer, the u₃ axis title falls outside the plot's left edge
    cam = 2.6 * (uu + np.array([0.25, 0.15, 0.2])) / np.linalg.norm(uu + [0.25, 0.15, 0.2])
    fig.update_layout(height=height, font=dict(size=FONT - 2),
                      margin=dict(l=0, r=0, t=10, b=50),
                      # two rows of legend at the foot of the figure, inside its box
                      legend=dict(font=dict(size=FONT - 4), orientation="h", x=0, y=0, yanchor="bottom",
                                  yref="container", entrywidth=0.48, entrywidthmode="fraction"),
                      scene=dict(aspectmode="cube",
                                 xaxis=dict(title=dict(text="u₁"), range=[-1.3, 1.3], showticklabels=False),
                                 yaxis=dict(title=dict(text="u₂"), range=[-1.3, 1.3], showticklabels=False),
                                 zaxis=dict(title=dict(text="u₃ (bias)"), range=[-1.3, 1.3], showticklabels=False),
                                 camera=dict(eye=dict(x=cam[0], y=cam[1], z=cam[2]))),
                      uirevision="sphere")      # a new cell keeps the student's rotation
    return fig.done()


def halfplane_in_box(a: float, b: float, c: float, xr: tuple[float, float], yr: tuple[float, float]) -> np.ndarray:
    """The polygon {(x, y) in the box : a x + b y + c ≥ 0}, vertices in order, (k, 2); k = 0 when empty.

    The box's corners clipped by one half-plane (one step of Sutherland–Hodgman)."""
    box = [(xr[0], yr[0]), (xr[1], yr[0]), (xr[1], yr[1]), (xr[0], yr[1])]
    val = [a * px + b * py + c for px, py in box]
    out = []
    for k in range(4):
        (p, vp), (q, vq) = (box[k], val[k]), (box[(k + 1) % 4], val[(k + 1) % 4])
        if vp >= 0:
            out.append(p)
        if (vp >= 0) != (vq >= 0):          # the edge crosses the line: add the crossing
            s = vp / (vp - vq)
            out.append((p[0] + s * (q[0] - p[0]), p[1] + s * (q[1] - p[1])))
    return np.array(out, float).reshape(-1, 2)


@_memo
def input_plane(P: np.ndarray, y: np.ndarray, u: np.ndarray, *, bounding: np.ndarray | None = None,
                height: int = 500) -> go.Figure:
    """Dual view in the input plane: the neuron u is the line u₁x₁ + u₂x₂ + u₃ = 0; its pattern Dᵢ is
    the set of points on the shaded (positive) side, drawn filled.  The side is one polygon
    (:func:`halfplane_in_box`), exact and a few numbers long.  ``bounding``: the points whose
    hyperplanes bound u's cell, ringed (clicking one moves to the neighbouring cell).

    Trace 0 is a click grid: a click on empty space moves the line parallel to itself there; a
    click on a point switches it (:mod:`lab.arrangement`)."""
    (x0, x1), (y0, y1) = CANVAS_2D
    P = np.asarray(P, float)
    on = P @ u[:2] + u[2] >= 0
    fig = _figure(_grid_trace((x0, x1), (y0, y1), GRID_STEP, "click: move the line here"))
    poly = halfplane_in_box(u[0], u[1], u[2], (x0, x1), (y0, y1))
    if len(poly):
        fig.add_trace(go.Scatter(x=np.r_[poly[:, 0], poly[0, 0]], y=np.r_[poly[:, 1], poly[0, 1]], fill="toself",
                                 mode="lines", line=dict(width=0), fillcolor="rgba(27,158,75,0.16)",
                                 name="positive side", showlegend=False, hoverinfo="skip"))
    seg = _line_in_box(u[0], u[1], u[2], (x0, x1), (y0, y1))
    if seg is not None:
        fig.add_trace(go.Scatter(x=[seg[0][0], seg[1][0]], y=[seg[0][1], seg[1][1]], mode="lines",
                                 line=dict(color=APOS, width=4), name="u₁x₁ + u₂x₂ + u₃ = 0", hoverinfo="skip"))
    if bounding is not None and len(bounding):
        b = np.asarray(bounding, int)
        fig.add_trace(go.Scatter(x=P[b, 0], y=P[b, 1], mode="markers", name="on the cell's boundary",
                                 marker=dict(size=26 if len(P) <= 60 else 16, color="rgba(0,0,0,0)", symbol="circle",
                                             line=dict(color=FACET, width=2)), hoverinfo="skip"))
    size = 13 if len(P) <= 60 else 9 if len(P) <= 200 else 6
    for t in _class_traces(P, y, active=on, size=size):
        t.hovertemplate = "(%{x:.2f}, %{y:.2f}): click to switch it<extra></extra>"
        fig.add_trace(t)
    _fix_for_clicks(_layout(fig, height=height, equal=True, xr=[x0, x1], yr=[y0, y1], xtitle="x₁", ytitle="x₂"))
    fig.update_layout(legend=dict(font=dict(size=FONT - 4), entrywidth=0.5, entrywidthmode="fraction"),
                      margin=dict(t=95))
    return fig.done()


@_memo
def pattern_counts(n: np.ndarray, P: np.ndarray, cover: np.ndarray, bound: np.ndarray, *,
                   current: tuple[int, int] | None = None, height: int = 420) -> go.Figure:
    """P (enumerated) against Cover's count 2Σ_{k<r} C(n−1, k) and the paper's bound 2r(e(n−1)/r)^r."""
    fig = _figure()
    fig.add_trace(go.Scatter(x=n, y=bound, mode="lines", name="paper's bound 2r(e(n−1)/r)ʳ",
                             line=dict(color="#888", width=3, dash="dash")))
    fig.add_trace(go.Scatter(x=n, y=cover, mode="lines", name="Cover's count", line=dict(color=NEG, width=3)))
    fig.add_trace(go.Scatter(x=n, y=P, mode="markers", name="P enumerated (random points)",
                             marker=dict(color=POS, size=9)))
    if current is not None:
        fig.add_trace(go.Scatter(x=[current[0]], y=[current[1]], mode="markers", name="your data",
                                 marker=dict(color=APOS, size=18, symbol="star", line=dict(color="black", width=1))))
    fig.update_yaxes(type="log", dtick=1)            # powers of 10 only: minor labels crowd
    return _layout(fig, height=height, xtitle="number of points n", ytitle="number of patterns P").done()


# ----------------------------------------------------------------------------- SGD page
def trace_range(objectives: np.ndarray, p_star: float | None, *, diverged: np.ndarray | None = None,
                bounds: np.ndarray | None = None) -> tuple[float, float]:
    """(lo, hi), the log10 range of the SGD traces' y axis.

    Chosen from the runs that did not diverge and p* (a diverged run would stretch it over
    hundreds of decades, and its tick labels smear into a black bar), and the certified lower
    bounds down to 1.5 decades below p* (a bound near 0 early on would squash the rest); at
    least one decade.  When every run diverged, their starting values stand in for them."""
    obj = np.atleast_2d(np.asarray(objectives, float))
    div = np.zeros(obj.shape[0], bool) if diverged is None else np.asarray(diverged, bool)
    ok = obj[~div]
    if not ok.size and obj.shape[1]:
        ok = obj[:, :1]
    vals = [v for v in np.ravel(ok) if np.isfinite(v) and v > 0]
    mark = p_star if p_star is not None and np.isfinite(p_star) and p_star > 0 else None
    if mark is not None:
        vals.append(mark)
    if bounds is not None:
        b = np.asarray(bounds, float)
        b = b[np.isfinite(b) & (b > 0)]
        if b.size:
            vals.append(max(float(b.min()), mark / 10 ** 1.5) if mark is not None else float(b.min()))
    lo = min(vals) if vals else 1e-3
    hi = max(vals + [lo * 10])
    return float(np.log10(lo) - 0.1), float(np.log10(hi) + 0.1)


@_memo
def sgd_traces(steps: np.ndarray, objectives: np.ndarray, p_star: float | None, *,
               lower_bound: float | None = None, total_steps: int | None = None, height: int = 500,
               p_star_label: str = "p* (convex optimum)", bound_steps: np.ndarray | None = None,
               bounds: np.ndarray | None = None, diverged: np.ndarray | None = None,
               diverged_at: np.ndarray | None = None,
               selected: int | None = None, note: str | None = None, refined: np.ndarray | None = None,
               refined_at: int | None = None) -> go.Figure:
    """Objective (2) of each trial against the step (solid, from above), each trial's certified
    lower bound on p* (dotted, same colour, from below: ``bounds`` (trials, K) at
    ``bound_steps``), and p* between them (dashed).

    ``objectives`` holds NaN where nothing is to be drawn (a diverged trial from its divergence
    on).  A diverged trial (``diverged``, at step ``diverged_at``) is named so in the legend and
    marked ✕ at the top of the axis where it left it; the axis range ignores it
    (:func:`trace_range`).  ``selected``: the trial drawn thicker (the one whose fit is shown).
    ``note``: a message in a box across the plot (e.g. that every run diverged).  ``refined``
    (trials,): each trial's refined certified bound at step ``refined_at``, a diamond (NaN: none)."""
    fig = _figure()
    obj = np.atleast_2d(np.asarray(objectives, float))
    T = obj.shape[0]
    div = np.zeros(T, bool) if diverged is None else np.asarray(diverged, bool)
    at = np.full(T, -1) if diverged_at is None else np.asarray(diverged_at)
    x_end = total_steps if total_steps else (steps[-1] if len(steps) else 1)
    lo, hi = trace_range(obj, p_star, diverged=div,
                         bounds=bounds if refined is None else np.c_[np.atleast_2d(bounds if bounds is not None
                                                                                   else np.zeros((T, 0))),
                                                                     np.asarray(refined, float)])
    top = 10 ** (hi - 0.06 * (hi - lo))
    xs = np.asarray(steps)
    for t in range(T):
        col = TRACE_COLORS[t % 10]
        name = f"run {t + 1}" + (" (diverged)" if div[t] else "")
        tx, ty = xs, obj[t]
        if div[t] and at[t] >= 0:     # the line leaves through the top of the axis, to its ✕
            seen = np.flatnonzero(np.isfinite(ty) & (xs < at[t]))
            tx, ty = np.r_[xs[seen], at[t]], np.r_[ty[seen], top]
        fig.add_trace(go.Scatter(x=tx, y=_f32(ty), mode="lines", name=name, legendgroup=f"run{t}",
                                 line=dict(color=col, width=4.5 if t == selected else 2.4),
                                 hovertemplate=f"run {t + 1}, step %{{x}}: %{{y:.4g}}<extra></extra>"))
    if bounds is not None and bound_steps is not None and np.size(bound_steps):
        bd = np.atleast_2d(np.asarray(bounds, float))
        for t in range(min(T, bd.shape[0])):
            if not np.isfinite(bd[t]).any():
                continue
            fig.add_trace(go.Scatter(x=np.asarray(bound_steps), y=_f32(bd[t]), mode="lines", showlegend=False,
                                     legendgroup=f"run{t}", line=dict(color=TRACE_COLORS[t % 10], width=2.4,
                                                                      dash="dot", shape="hv"),
                                     hovertemplate=f"run {t + 1}: p* ≥ %{{y:.4g}} (certified)<extra></extra>"))
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="its certified lower bound",
                                 line=dict(color="#555", width=2.4, dash="dot")))
    if refined is not None and refined_at is not None:
        rb = np.asarray(refined, float)
        k = np.flatnonzero(np.isfinite(rb) & (rb > 0))
        if k.size:
            fig.add_trace(go.Scatter(x=np.full(k.size, refined_at), y=_f32(rb[k]), mode="markers",
                                     name="refined bound", cliponaxis=False,
                                     marker=dict(symbol="diamond", size=13, color=[TRACE_COLORS[t % 10] for t in k],
                                                 line=dict(color="white", width=1.5)),
                                     text=[f"run {t + 1}" for t in k],
                                     hovertemplate="%{text}: p* ≥ %{y:.5g} (refined certificate)<extra></extra>"))
    if div.any():
        k = np.flatnonzero(div & (at >= 0))
        fig.add_trace(go.Scatter(x=at[k], y=np.full(k.size, top), mode="markers", name="diverged",
                                 marker=dict(symbol="x-thin", size=18, line=dict(width=4,
                                             color=[TRACE_COLORS[t % 10] for t in k])),
                                 text=[f"run {t + 1}" for t in k], showlegend=False, cliponaxis=False,
                                 hovertemplate="%{text} diverged at step %{x}<extra></extra>"))
    if note:
        fig.add_annotation(text=note, xref="paper", yref="paper", x=0.5, y=0.55, showarrow=False,
                           font=dict(size=FONT), bgcolor="rgba(255,255,255,0.9)", bordercolor="#c0392b",
                           borderwidth=2, borderpad=8)
    if lower_bound is not None and np.isfinite(lower_bound) and (p_star is None or not np.isfinite(p_star)):
        fig.add_trace(go.Scatter(x=[0, x_end], y=[lower_bound, lower_bound], mode="lines",
                                 name="certified lower bound", line=dict(color="#666", width=2, dash="dot")))
    if p_star is not None and np.isfinite(p_star):
        fig.add_trace(go.Scatter(x=[0, x_end], y=[p_star, p_star], mode="lines", name=p_star_label,
                                 line=dict(color=OPT, width=4, dash="dash")))
    # ticks at 1, 2, 5 × 10ᵏ with their full values: plotly's default labels the minor ticks
    # of every decade 2 … 9 alike, so "3" read 3 in one decade and 30 in the next
    fig.update_yaxes(type="log", range=[lo, hi], dtick="D2", tickformat="~g")
    _layout(fig, height=height, xr=[0, x_end], xtitle="step", ytitle="objective (2), log scale")
    # showlegend: before the first step only p* has points, and plotly drops a lone entry
    fig.update_layout(showlegend=True, legend=dict(orientation="h", x=0, y=1.0, xanchor="left", yanchor="bottom",
                                                   font=dict(size=FONT - 3), itemwidth=30, tracegroupgap=0),
                      margin=dict(t=60, r=15))
    return fig.done()
