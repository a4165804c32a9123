"""Hyperplane arrangement: the cells {u : D(u) = Dᵢ} of weight space and the patterns Dᵢ."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import streamlit as st

from lab import arrangement as A
from lab import cached, state, ui
from lab import figures as F
from lab import page as P
from lab.codec import Dataset

INTRO = r"""
A neuron with weights $u$ is active on the points with $x_i^\top u \ge 0$. Its **activation pattern** is
$D(u) = \mathrm{diag}(\mathbb{1}[Xu \ge 0])$. Each data point $x_i$ gives a hyperplane
$\{u : x_i^\top u = 0\}$ through the origin of weight space. Crossing it switches point $i$ on or off.
The hyperplanes cut weight space into **cells**; inside a cell the pattern does not change. These
cells' patterns $D_1, \dots, D_P$ each give one pair of blocks $(v_i, w_i)$ of the convex program (8).
"""
MAX_STEP_BUTTONS = 12       # neighbouring cells offered as buttons (the others: click their points)


@dataclass
class Chosen:
    """The chosen neuron u, its pattern D = 1[Xu ≥ 0], and its cell when the cells are listed."""
    u: np.ndarray
    D: np.ndarray
    cells: A.Cells | None       # None: too many cells to list (pattern only)
    cell: int | None
    P: int | None               # the number of cells
    steps: list[A.Step]         # the facets of the cell
    bounding: np.ndarray        # the points whose hyperplanes bound the cell


@P.guarded
def render() -> None:
    P.header("Hyperplane arrangement", INTRO)
    ds = state.get_dataset()
    P.require_data(ds)
    X = state.design_matrix(ds)
    if X.shape[1] == 1:
        st.info("With one column (1-D data, no bias) each hyperplane is the point u = 0: only two cells, "
                "u > 0 and u < 0. Turn the **bias** on (Data page) to see a real arrangement.")
        ui.stop()
    ch, bound = _chosen(X)
    if X.shape[1] == 2:
        _plane_views(ds, X, ch)
    else:
        _sphere_views(ds, X, ch)
    _counts(ds, ch.P, bound)


def _chosen(X: np.ndarray) -> tuple[Chosen, int]:
    """The chosen neuron and its cell (exact cells when there are few enough), and Cover's count."""
    method, bound = A.plan(X)
    cs = A.cells(X) if method == "exact" else None
    if isinstance(cs, str):                 # the core refused (its message says why): patterns only
        st.warning(cs)
        cs = None
    u = A.current_u(X.shape[1])
    if cs is None:
        st.warning(f"These points have up to {bound:,} cells, more than the {A.EXACT_MAX:,} listed here: the page "
                   "shows the pattern of the chosen u only (no neighbours, no cell outline).")
        return Chosen(u, X @ u >= 0, None, None, None, [], np.zeros(0, int)), bound
    c = cs.cell_of(u)
    return Chosen(u, cs.pattern(c), cs, c, cs.n_cells, A.facet_steps(cs, c), A.facet_points(cs, c)), bound


def _pattern_line(ch: Chosen) -> None:
    k = int(ch.D.sum())
    number = ch.cells.number(ch.cell) if ch.cells is not None and ch.cell is not None else None
    where = (f"cell {number} of {ch.P:,} (numbered by angle)" if number
             else f"one of {ch.P:,} cells" if ch.P else "a cell")
    st.markdown(f"**The chosen neuron** u = ({', '.join(f'{v:.3f}' for v in ch.u)}) lies in {where}: "
                f"**{k} of {ch.D.size}** points active.")
    bits = "".join("1" if b else "0" for b in ch.D)
    if ch.D.size <= 24:
        st.latex(r"D(u) = \mathrm{diag}(" + ", ".join(bits) + ")")
    else:
        st.code("D(u) = diag(" + bits + ")", language=None, wrap_lines=True)


def _steps(ch: Chosen) -> None:
    """Buttons: one per facet of the cell (the points that switch), and the opposite cell."""
    if ch.steps and ch.cells is not None:
        st.markdown("**Step to a neighbouring cell** (across one facet):")
        shown = ch.steps[:MAX_STEP_BUTTONS]
        cols = st.columns(min(len(shown), 4))
        for k, s in enumerate(shown):
            names = ", ".join(str(p + 1) for p in s.points)
            cols[k % len(cols)].button(
                f"point{'s' if len(s.points) > 1 else ''} {names} {'on' if s.on else 'off'}",
                key=f"_arr_step_{s.cell}", on_click=A.set_u, args=(A.step(ch.cells, s),),
                icon=":material/toggle_on:" if s.on else ":material/toggle_off:", width="stretch",
                help=f"Cross the hyperplane of point {names}: it switches {'on' if s.on else 'off'}, "
                     "every other point stays.")
        if len(ch.steps) > len(shown):
            st.caption(f"{len(ch.steps) - len(shown)} more facets: click those points in the picture.")
    st.button("the opposite cell, −u (every point switches)", key="_arr_flip", on_click=A.set_u, args=(-ch.u,),
              icon=":material/swap_horiz:")


def _clickable(fig, base: str, kind: str) -> None:
    """A chart of the page whose clicks move u (:func:`lab.arrangement.on_click`)."""
    ui.chart(fig, key=A.chart_key(base), on_select=lambda: A.on_click(base, kind), selection_mode="points",
             config={"displayModeBar": False})


def _plane_views(ds: Dataset, X: np.ndarray, ch: Chosen) -> None:
    """d = 2: the weight plane beside the neuron on the data (1-D) or in the input plane (2-D, no bias)."""
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("**Weight space** $u = (u_1, u_2)$" + (" (u₂ multiplies the bias)" if ds.bias else ""))
        sector = A.sector(ch.cells, ch.cell) if ch.cells is not None and ch.cell is not None else None
        _clickable(F.weight_plane(X, ch.u, sector=sector, labels=("u₁", "u₂ (bias)" if ds.bias else "u₂")),
                   "_arr_plane", "weight")
        ui.caption("Each black line is {u : xᵢᵀu = 0}. Click anywhere to choose u (its direction); the "
                   "shaded sector is its cell.")
    with c2:
        if ds.d == 1:
            st.markdown(r"**The same neuron on the data**: $(u_1 x + u_2)_+$")
            _clickable(F.ramp_view_1d(ds.X[:, 0], ds.y, ch.u), "_arr_ramp", "ramp")
            ui.caption("Filled points are active (dᵢ = 1): the ramp is positive there. Click a point to switch "
                       "it, or empty space to put the kink there.")
        else:
            st.markdown(r"**The same neuron in the input plane**: the line $u_1x_1 + u_2x_2 = 0$")
            _clickable(F.input_plane(ds.X, ds.y, np.r_[ch.u, 0.0], bounding=ch.bounding), "_arr_input", "plane")
            ui.caption("Filled points are on the shaded (positive) side: the pattern Dᵢ. Click a point to "
                       "switch it, or empty space to turn the line through it.")
        _pattern_line(ch)
        _steps(ch)


def _sphere_views(ds: Dataset, X: np.ndarray, ch: Chosen) -> None:
    """d = 3 (2-D data with bias): the great circles on the sphere beside the dual view in the plane."""
    c1, c2 = st.columns(2)
    with c1:
        st.markdown(r"**Weight space** $u \in \mathbb{R}^3$ on the unit sphere")
        corners = A.polygon(ch.cells, ch.cell) if ch.cells is not None and ch.cell is not None else None
        ui.chart(F.sphere_arrangement(X, ch.u, corners=corners, bounding=ch.bounding), key="_arr_sphere")
        many = ds.n > F.ARR_CIRCLES
        ui.caption("Each hyperplane xᵢᵀu = 0 meets the sphere in a great circle. Blue: the cell of the chosen u "
                   "(green arrow, with a 5° ring so that a tiny cell still shows); black: the circles that bound "
                   "it. "
                   + (f"With {ds.n} points only {F.ARR_CIRCLES} of the other circles are drawn, in light grey, so "
                      "that the sphere stays readable. " if many else "")
                   + "Drag to rotate; pick cells on the right.")
    with c2:
        st.markdown(r"**Dual view**: the neuron $u$ is the line $u_1x_1 + u_2x_2 + u_3 = 0$")
        _clickable(F.input_plane(ds.X, ds.y, ch.u, bounding=ch.bounding), "_arr_input3", "plane")
        ui.caption("A pattern is the set of points on the positive (shaded) side of some line: filled points. "
                   "Click a point to switch it (the line turns just past it); click empty space to move the "
                   "line there. Ringed: the points whose hyperplanes bound the cell, each one step away.")
        _pattern_line(ch)
        _steps(ch)


def _counts(ds: Dataset, P_cells: int | None, bound: int) -> None:
    """P against Cover's count and the paper's bound, for random points, with the data's star."""
    st.subheader("How many cells? P against Cover's count")
    ui.prose(r"For $r = \mathrm{rank}(X)$: $P \le 2\sum_{k=0}^{r-1}\binom{n-1}{k} \le 2r\,(e(n-1)/r)^r$, "
             r"with equality on the left for points in general position. So $P$ grows like $n^{r-1}$ "
             r"(the paper's bound, like $n^r$): polynomially in $n$, and (8) has polynomial size for fixed $r$.")
    kind: Literal["1d", "2d"] = "1d" if ds.d == 1 else "2d"
    curve = cached.count_curve(kind, int(min(max(40, ds.n), 80)))
    ui.chart(F.pattern_counts(curve["n"], curve["P"], curve["cover"], curve["bound"],
                              current=(ds.n, P_cells) if ds.bias and P_cells else None), key="_arr_counts")
    if not ds.bias:
        ui.caption("Curves for random points with bias; turn the bias on to place your data on them.")
    elif P_cells is None:
        ui.caption(f"Random 2-D points with bias (r = 3). Your n = {ds.n} points have up to {bound:,} cells, "
                   "too many to list here, so they are not drawn.")
    else:
        ui.caption(f"Random {'1-D' if kind == '1d' else '2-D'} points with bias (r = {2 if kind == '1d' else 3}). "
                   f"Star: your data, n = {ds.n}, P = {P_cells:,}.")


if __name__ == "__main__":          # Streamlit runs this file as the page (app.py: st.Page)
    render()
