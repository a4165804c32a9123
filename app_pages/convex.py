"""Convex program: solve (8) exactly for the drawn data; the optimal network it gives."""
from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from cvxcore import ConvexResult
from lab import codec, state, ui
from lab import figures as F
from lab import page as P
from lab.codec import Dataset

INTRO = r"""
Program (8) has one pair of blocks $(v_i, w_i)$ per activation pattern $D_i$. It is convex, so a
solver finds its global minimum $p^*$, and Theorem 1 says that this is also the best value of the
non-convex training problem (2) over networks of any width $m \ge m^*$. Each nonzero block is one
neuron of an optimal network: $v_i$ gives $\alpha > 0$, $w_i$ gives $\alpha < 0$.
"""


@P.guarded
def render() -> None:
    P.header("Convex program (8): the global optimum", INTRO, fold=True)
    # The controls and the numbers in a column beside the figure, so that on a projector
    # (1280×720) the figure is entirely visible without scrolling.
    ds = state.get_dataset()
    side, main = P.side_and_main()
    with side:
        loss = state.loss_select()
        beta = state.beta_slider(beta_max=state.data_beta_max(ds, loss))
    P.require_data(ds)
    res, note = P.optimum_or_stop(ds, beta, loss, side=side, main=main)
    with side:
        _numbers(res)
    _fit(ds, res, side, main)
    if note:
        st.warning(note)
    if res.status != "optimal":
        st.warning(f"Solver status: {res.status}.")
    _group_sparsity(res, beta)
    _neurons(ds, res)
    _download(res, beta, loss)


def _numbers(res: ConvexResult) -> None:
    """p*, m*, P and the certified gap (over sampled patterns: what they are instead)."""
    exact = res.exact_patterns
    k = st.columns(2)
    k[0].metric("optimal value p*" if exact else "value (upper bound on p*)", f"{res.value:.5g}")
    k[1].metric("neurons m*" if exact else "neurons", res.m_star,
                help="Number of nonzero blocks vᵢ, wᵢ: the width of the optimal network." if exact else
                "Number of nonzero blocks vᵢ, wᵢ of (8) over the sampled patterns.")
    k = st.columns(2)
    k[0].metric("patterns P" if exact else "sampled patterns", res.n_patterns,
                help="Cells of the arrangement, i.e. blocks (vᵢ, wᵢ) of (8)." if exact else
                "Distinct patterns of random directions (Remark 3.3): a subset of the cells.")
    k[1].metric("certified gap", f"{max(res.gap, 0.0):.1e}",
                help="Objective minus a dual lower bound: the value is within this of the optimum of (8)"
                     + (" (over the sampled patterns)." if not exact else "."))
    st.caption(f"solved in {res.seconds:.2f} s ({res.method})")


def fit_caption(ds: Dataset) -> str:
    """What the fit figure shows, in words."""
    if ds.d == 1:
        return ("Black: the optimal network f(x) = Σⱼ αⱼ(uⱼᵀx)₊. Thin lines: each neuron's contribution "
                "αⱼ(uⱼᵀx)₊ (green α > 0, purple dashed α < 0), with its kink as a dotted vertical line.")
    return ("Colour: the sign of f(x) (blue +1, orange −1); black: the decision boundary f(x) = 0. "
            f"Each neuron is the line uⱼᵀ{'[x; 1]' if ds.bias else 'x'} = 0 where its ReLU switches on "
            "(green α > 0, purple dashed α < 0).")


def _fit(ds: Dataset, res: ConvexResult, side: Any, main: Any) -> None:
    """The fit or the decision regions.  A click on the plot adds a point (as on the Data page)
    and the optimum is solved again at once, warm-started from this one; classroom mode's "draw"
    hides this with the Data page's tools."""
    draw = state.show("draw")
    with side:
        show = st.toggle("show each neuron", value=True, key="_cvx_show_neurons")
        if draw:
            if ds.d == 2:
                ui.class_picker()
            if st.button("Undo", icon=":material/undo:", disabled=not state.can_undo(), key="_cvx_undo",
                         width="stretch",
                         help="Take back the last change to the data set (a clicked point, a preset, …)."):
                state.undo()
                st.rerun()
    with main:
        ui.click_error()
    fig = P.network_figure(ds, res, height=F.CANVAS_HEIGHT, clickable=draw, show_neurons=show, legend="compact")
    cap = fit_caption(ds)
    if draw:
        ui.clickable_chart(fig, "_cvx_fit", container=main, alt=P.network_alt(ds, res))
        cap += " **Click the plot to add a point** there: the optimum is solved again for the new data."
    else:
        ui.chart(fig, container=main, key="_cvx_fit", alt=P.network_alt(ds, res))
    ui.caption(cap, main)


def active_pattern_rows(res: ConvexResult) -> list[dict]:
    """One row per neuron of the optimal network (a cell with both vᵢ and wᵢ nonzero gives two),
    so the table has m* rows: its pattern Dᵢ, its block and the block's norm (4 digits)."""
    if res.active_patterns is None:                 # a result without its neurons' patterns
        return []
    vn, wn = res.block_norms()
    return [{"neuron j": j + 1, "pattern i": int(c + 1),
             "Dᵢ (1 = point active)": "".join("1" if b else "0" for b in res.active_patterns[j]),
             "block": "vᵢ (α > 0)" if a > 0 else "wᵢ (α < 0)",
             "block norm": float(f"{(vn if a > 0 else wn)[c]:.4g}")}
            for j, (c, a) in enumerate(zip(res.neuron_cells, res.alpha))]


def active_sentence(res: ConvexResult) -> str:
    """How the m* neurons sit in the patterns, counted from the block norms of (8): each nonzero
    block (vᵢ or wᵢ) is one neuron, and one pattern Dᵢ may carry both a vᵢ and a wᵢ block, so the
    patterns used can be fewer than the neurons."""
    vn, wn = res.block_norms()
    v, w = np.asarray(vn) > 0, np.asarray(wn) > 0
    blocks, used, both = int(v.sum() + w.sum()), int((v | w).sum()), int((v & w).sum())
    text = (f"**Active patterns**: the m* = {res.m_star} neurons are the {blocks} nonzero blocks of (8) "
            f"({int(v.sum())} vᵢ, {int(w.sum())} wᵢ), in {used} of the {res.n_patterns} patterns")
    if both == 0:
        return text + ": one block per pattern."
    return text + (f": {both} pattern{'s carry' if both > 1 else ' carries'} both a vᵢ and a wᵢ block "
                   "(two neurons, α > 0 and α < 0, with the same active points).")


def _group_sparsity(res: ConvexResult, beta: float) -> None:
    st.subheader("Group sparsity: which patterns are used")
    ui.prose(r"The penalty $\beta\sum_i(\|v_i\| + \|w_i\|)$ sets most blocks to exactly zero. "
             r"Each stem is one pattern $D_i$ (grey: zero blocks); only the nonzero ones become neurons.")
    vn, wn = res.block_norms()         # of the returned minimal network: every nonzero block is a neuron
    ui.chart(F.group_norms(vn, wn, tol=0.0), key="_cvx_groups")
    if res.m_star:
        st.write(active_sentence(res))
        ui.table(active_pattern_rows(res), hide_index=True, width="stretch")
    else:
        st.info(f"No block is nonzero: at β = {beta:g} the optimum is the zero network (β is too large). "
                "Move β to the left.")


def neuron_rows(ds: Dataset, res: ConvexResult) -> list[dict]:
    """The optimal neurons (uⱼ, αⱼ), 4 significant digits, the bias weight last."""
    cols = [f"u{j + 1}" for j in range(ds.d)] + (["u (bias)"] if ds.bias else [])
    return [{**{c: float(f"{v:.4g}") for c, v in zip(cols, u)}, "α": float(f"{a:.4g}")}
            for u, a in zip(res.U, res.alpha)]


def _neurons(ds: Dataset, res: ConvexResult) -> None:
    with st.expander("The optimal neurons (uⱼ, αⱼ)"):
        ui.table(neuron_rows(ds, res), hide_index=True)


def _download(res: ConvexResult, beta: float, loss: str) -> None:
    if not state.show("io"):
        return
    st.download_button(
        "Download the solution (JSON)",
        codec.solution_json(res, settings={"page": "convex", **state.settings()}, dataset=state.get_dataset()),
        file_name=f"convex-relu-lab-solution-beta{beta:g}-{loss}.json", mime="application/json",
        icon=":material/download:", on_click="ignore",
        help="p*, the neurons (uⱼ, αⱼ), m*, the certified gap, the settings and the data set.")


if __name__ == "__main__":          # Streamlit runs this file as the page (app.py: st.Page)
    render()
