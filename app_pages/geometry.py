"""Geometry: the rectified ellipsoid, its polar and the neural gauge (the paper's Figure 1, section 2.1).

Prose, widgets, one cached call into the core per picture (:mod:`lab.experiments`), figures
from :mod:`lab.figures_geometry`.  Every control is in the link (:data:`lab.codec.SETTINGS`,
``geo_*``).  Bad input is an ``st.error``, never a traceback.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from lab import experiments as E
from lab import figures_geometry as fg
from lab import page as P
from lab import state, ui

# Examples (n → name → X as typed).  The first is the default.
EXAMPLES = {
    2: {"tilted ellipse": "1, 0\n0.5, 1",
        "anti-correlated rows: long segments on the axes": "1, 0\n-0.6, 0.8",
        "two 1-D points x = −1, 2 with a bias column": "-1, 1\n2, 1",
        "degenerate: parallel rows (rank 1, C is a segment)": "1, 2\n2, 4",
        "degenerate: opposite rows (rank 1, yet C is 2-D)": "1, 2\n-1, -2"},
    3: {"three points in R³": "1, 0, 0.2\n-0.5, 1, 0\n0.2, -0.4, 1",
        "three 1-D points x = −1, 0.5, 2 with a bias column": "-1, 1\n0.5, 1\n2, 1",
        "degenerate: rank 1": "1, 2\n2, 4\n3, 6"},
}
DEFAULT_Y = {2: (0.6, 0.9), 3: (0.6, 0.5, 0.4)}
SOURCES = {"type": "type X", "data": "points of the drawn data set"}
INTRO = r"""
Take only **n = 2 data points** (or 3), the rows of $X$. One ReLU neuron with weights
$\|u\| \le 1$ outputs the vector $(Xu)_+ \in \mathbb{R}^n$: one number per data point.
As $u$ ranges over the unit ball these outputs fill the **rectified ellipsoid**
$Q_X = \{(Xu)_+ : \|u\| \le 1\}$ — the ellipsoid $E = \{Xu : \|u\|\le 1\}$ with every
negative coordinate set to 0.

A network $\sum_j (Xu_j)_+ \alpha_j$ interpolates $y$ with the smallest $\sum_j |\alpha_j|$ exactly
when $y/\gamma$ is a convex combination of points of $Q_X \cup -Q_X$ with $\gamma$ as small as
possible: $\gamma$ is the **gauge** of $y$ for $C = \mathrm{conv}(Q_X \cup -Q_X)$, the factor by which
$C$ must be scaled so that its boundary passes through $y$ ($\gamma < 1$ shrinks it, $\gamma > 1$
grows it). Polar duality (7) gives the same number as
$\max\, y^\top z$ over the **polar set** $C^\circ = \{z : |z^\top w| \le 1 \ \forall w \in Q_X\}$.
It is also the limit of $p^*(\beta)/\beta$ as the weight decay $\beta \to 0$ (section 2.1 of the paper).
"""
CURVE = r"""
For each $\beta$ the exact convex program (8) gives the global optimum $p^*(\beta)$ of training (2)
with squared loss. Dividing by $\beta$, $p^*(\beta)/\beta = \min \tfrac{1}{2\beta}\|\hat y - y\|^2 + \sum_j|\alpha_j|$
never exceeds $\gamma$ (an interpolating network is one candidate) and rises to it as $\beta \to 0$.
The curve starts at $\beta_{\max} = \max_{\|u\|\le 1}|y^\top (Xu)_+|$, above which the zero network is optimal.
"""


def example_text(n: int, ex: int) -> str:
    """X of example ``ex`` for ``n`` points, as typed."""
    return list(EXAMPLES[n].values())[ex]


def _on_n() -> None:
    """A new n: its first example, its default y, the first n data points."""
    state.set_setting("geo_n", state.widget_value("geo_n"))
    for k in ("geo_ex", "geo_X", "geo_y", "geo_pick"):
        state.set_setting(k, None)


def _on_example() -> None:
    ex = state.widget_value("geo_ex")
    state.set_setting("geo_ex", ex)
    state.set_setting("geo_X", example_text(state.setting("geo_n"), ex))


def _on_y(i: int) -> None:
    y = list(state.setting("geo_y"))
    y[i] = state.widget_value(f"geo_y{i}")
    state.set_setting("geo_y", tuple(y))


def _on_pick() -> None:
    state.set_setting("geo_pick", tuple(state.widget_value("geo_pick")))


@P.guarded
def render() -> None:
    P.header("Geometry: the neural gauge", INTRO)
    c0, c1 = st.columns([1, 2])
    n = state.choice("geo_n", "number of data points n", c0, c0.radio, horizontal=True, on_change=_on_n,
                     help="n = 2: every set lives in the plane (the paper's Figure 1); n = 3: in space.")
    source = state.choice("geo_src", "data X", c0, c0.radio, format_func=SOURCES.get)
    X, y = _from_data(n, c1) if source == "data" else (None, None)
    if X is None:                    # typed (or too few data points to pick from)
        X = _typed(n, c1)
    if y is None:
        y = _y_sliders(n)
    else:
        st.markdown(f"$y = ({', '.join(f'{v:.3g}' for v in y)})$, the targets of the picked points "
                    "(untick the box above to drag $y$ yourself).")
    res, err = E.gauge(X, y)
    G, err2 = E.gauge_geometry(X) if res is not None else (None, None)
    if res is None or G is None:     # the core names the parameter, the value and the fix
        st.error(err or err2)
        ui.stop()
    _numbers(res, G, n)
    _pictures(res, G, y, n)
    _curve(X, y, res)


def _from_data(n: int, c1: Any) -> tuple[np.ndarray | None, np.ndarray | None]:
    """X from n picked points of the drawn data set (and y their targets, when ticked); X None
    when the data set has fewer than n points (then X is typed)."""
    ds = state.get_dataset()
    if ds.n < n:
        c1.info(f"The drawn data set has fewer than {n} points (add some on the Data page); type X instead.")
        return None, None
    Xall = state.design_matrix(ds)

    def label(i: int) -> str:
        x = ", ".join(f"{v:.3g}" for v in ds.X[i])
        return f"point {i + 1}: x = ({x}), y = {ds.y[i]:.3g}"

    pick = state.setting("geo_pick")
    if pick is None or any(i >= ds.n for i in pick):
        pick = tuple(range(n))
    state.set_setting("geo_pick", tuple(pick))
    state.set_widget_value("geo_pick", list(pick))
    idx = c1.multiselect(f"pick {n} points of the data set (rows of X)", list(range(ds.n)),
                         format_func=label, key="geo_pick", max_selections=n, on_change=_on_pick)
    c1.caption("Rows of X as the other pages see them: "
               + ("the point with a 1 appended (the bias is on, see the Data page)." if ds.bias
                  else "the point itself (the bias is off)."))
    if len(idx) != n:
        st.warning(f"Pick exactly {n} data points (you picked {len(idx)}).")
        ui.stop()
    y = ds.y[list(idx)] if state.widget("geo_ydata", True, c1.checkbox, "y = the targets of these points") else None
    return Xall[list(idx)], (None if y is None else np.asarray(y, float))


def _typed(n: int, c1: Any) -> np.ndarray:
    """X typed in a text area, from one of the examples for n."""
    names = list(EXAMPLES[n])
    ex = state.setting("geo_ex")
    ex = 0 if ex is None or not 0 <= ex < len(names) else int(ex)
    state.set_setting("geo_ex", ex)
    state.set_widget_value("geo_ex", ex)
    c1.selectbox("example", range(len(names)), format_func=names.__getitem__, key="geo_ex",
                 on_change=_on_example, help="Fills X below; edit it freely.")
    if state.setting("geo_X") is None:
        state.set_setting("geo_X", example_text(n, ex))
    text = state.widget("geo_X", example_text(n, ex), c1.text_area,
                        f"X: {n} rows (one data point per line), d numbers each", height=110,
                        help="Numbers separated by commas or spaces. Include a column of ones for a bias.")
    try:
        X = E.parse_matrix(text)
    except ValueError as e:
        st.error(str(e))
        ui.stop()
    if X.shape[0] != n:
        st.error(f"X has {X.shape[0]} rows but n = {n}: type exactly {n} data points, one per line "
                 f"(or switch n above).")
        ui.stop()
    return X


def _y_sliders(n: int) -> np.ndarray:
    """The targets y, one slider each."""
    yv = state.setting("geo_y")
    if yv is None or len(yv) != n:
        yv = DEFAULT_Y[n]
    state.set_setting("geo_y", tuple(float(v) for v in yv))
    spec = state.number_spec("geo_y")
    cols = st.columns(n)
    y = []
    for i in range(n):
        state.set_widget_value(f"geo_y{i}", float(yv[i]))
        y.append(cols[i].slider(f"y{'₁₂₃'[i]}  (target for point {i + 1})", spec.lo, spec.hi, step=spec.step,
                                key=f"geo_y{i}", on_change=_on_y, args=(i,)))
    ui.caption("Try both kinds of y: inside the positive "
               + ("quadrant" if n == 2 else "orthant")
               + " one neuron may suffice; with mixed signs (e.g. y₁ = −0.4, y₂ = 1) the optimal network "
               "needs a neuron with a negative output weight αⱼ < 0, a point of −Q_X.")
    return np.array(y)


def _numbers(res: Any, G: Any, n: int) -> None:
    m1, m2, m3, m4 = st.columns(4)
    if res.status == "infeasible":
        st.warning(res.message)
    elif res.status == "zero":
        st.info(res.message)
    # y outside span(Q_X): no network interpolates it (the gauge is +inf) and the polar value is unbounded
    m1.metric("min Σ|αⱼ| (interpolation)", f"{res.primal:.6g}" if np.isfinite(res.primal) else "no network")
    m2.metric("max yᵀz over C° (polar)", f"{res.polar:.6g}" if np.isfinite(res.polar) else "unbounded")
    m3.metric("relative difference", "—" if not np.isfinite(res.primal) or res.primal == 0 else f"{res.rel_diff:.1e}")
    m4.metric("neurons used", f"{res.alpha.size}")
    if res.status not in ("optimal", "infeasible", "zero"):
        st.error(res.message)
    if not G.polar_bounded:
        st.info(f"span(Q_X) has dimension {G.hull_dim} < {n}: C is flat and the polar set C° is unbounded "
                "(it contains every z orthogonal to span(Q_X)); it is drawn cut off.")


def reading(res: Any, n: int) -> str:
    """How to read the two pictures, with γ and the optimal neurons' points."""
    m = res.alpha.size
    where = ("$y/\\gamma$ is itself a point of $\\pm Q_X$ — one neuron suffices" if m == 1 else
             "$y$ lies on the segment between them" if m == 2 else
             "$y$ lies in the triangle they span" if m == 3 else "$y$ lies in their convex hull")
    if n == 2:
        left = ("Left: grey $E$, blue $Q_X$ (light blue $-Q_X$), orange $C$ and, dashed, $\\gamma C$: "
                "the smallest blow-up of $C$ that reaches $y$ (red star).")
        extra = "The dotted purple line $\\{w : z^{*\\top} w = \\gamma\\}$ supports $\\gamma C$ at $y$. "
        right = "Right: the polar set $C^\\circ$; the red dotted line $y^\\top z = \\gamma$ touches it at $z^*$"
    else:
        left = ("Left (drag to rotate): faint grey $E$, blue $Q_X$ (light blue $-Q_X$) and, translucent orange, "
                "$\\gamma C$, the smallest blow-up of $C$ that reaches $y$ (red diamond).")
        extra = ""
        right = "Right: the polar set $C^\\circ$ with $z^*$"
    return (f"**Reading the pictures** ($\\gamma = {res.value:.5g}$). {left} "
            f"The brown points are $\\gamma\\,\\mathrm{{sign}}(\\alpha_j)(Xu_j)_+$ for the {m} optimal "
            f"neuron{'s' if m > 1 else ''}: {where}, because "
            "$y = \\sum_j |\\alpha_j|\\,\\mathrm{sign}(\\alpha_j)(Xu_j)_+$ with $\\sum_j|\\alpha_j| = \\gamma$. "
            f"{extra}{right}, the point of $C^\\circ$ furthest in the direction of $y$. "
            f"Both computations give $\\gamma$: {res.primal:.8g} (interpolation: program (8) with the fit "
            f"$\\sum_i D_iX(v_i - w_i) = y$ imposed and no loss) and {res.polar:.8g} (support function of the polar).")


def _pictures(res: Any, G: Any, y: np.ndarray, n: int) -> None:
    yy = y if np.linalg.norm(y) > 0 else None
    a, b = st.columns(2)
    if n == 2:
        ui.chart(fg.output_space_2d(G, res, yy), theme="streamlit", container=a, width="stretch", key="geo_out2")
        ui.chart(fg.polar_2d(G, res, yy), theme="streamlit", container=b, width="stretch", key="geo_polar2")
    else:
        ui.chart(fg.output_space_3d(G, res, yy), theme="streamlit", container=a, width="stretch", key="geo_out3")
        ui.chart(fg.polar_3d(G, res, yy), theme="streamlit", container=b, width="stretch", key="geo_polar3")
    if not 0 < res.value < np.inf:
        return
    m = res.alpha.size
    ui.prose(reading(res, n))
    with st.expander(f"The optimal network: {m} neuron{'s' if m > 1 else ''} with ‖uⱼ‖ = 1"):
        ui.prose("Each row is one hidden neuron; the outputs add up to $y$ and the $|\\alpha_j|$ to $\\gamma$.")
        st.table([{"j": j + 1, "u_j": np.array2string(u, precision=3, separator=", "),
                   "α_j": f"{a_:.5g}", "(X u_j)₊": np.array2string(o, precision=3, separator=", ")}
                  for j, (u, a_, o) in enumerate(zip(res.U, res.alpha, res.outputs))])
        st.caption(f"Σ|αⱼ| = {np.abs(res.alpha).sum():.8g};  ‖Σ (Xuⱼ)₊αⱼ − y‖ = {res.residual:.1e}.")


def _curve(X: np.ndarray, y: np.ndarray, res: Any) -> None:
    """p*(β)/β against the gauge γ as β → 0."""
    st.subheader("The link to weight decay: p*(β)/β → γ")
    ui.prose(CURVE)
    if not 0 < res.value < np.inf:
        st.info("The curve needs a finite, nonzero gauge: pick y ≠ 0 in span(Q_X).")
        return
    num = state.slider("geo_num", "points on the curve")
    curve, err = E.gauge_curve(X, y, num)
    if curve is None:
        st.error(err)
        return
    ui.chart(fg.beta_curve_figure(curve), theme="streamlit", width="stretch", key="geo_curve")
    last = curve.ratios[-1]
    st.caption(f"At the smallest β = {curve.betas[-1]:.2g}: p*/β = {last:.6g}, "
               f"γ − p*/β = {curve.gauge - last:.2g} (it shrinks in proportion to β).")
    bad = [s for s in curve.statuses if s != "optimal"]
    if bad:
        st.warning(f"{len(bad)} of the β solves were not certified optimal: {bad[0]}")


if __name__ == "__main__":          # Streamlit runs this file as the page (app.py: st.Page)
    render()
