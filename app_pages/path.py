"""Regularization path and the dual: p*(β), m*(β) and the active patterns from β_max down, and the
dual constraint u ↦ vᵀ(Xu)₊ at the chosen β, with the optimal neurons where it touches ±β."""
from __future__ import annotations

import numpy as np
import streamlit as st

from cvxcore import ConvexResult
from lab import page as P
from lab import path_dual as PD
from lab import state, ui
from lab.codec import Dataset

INTRO = r"""
From $\beta_{\max}$ up the zero network is optimal; below it neurons switch on (sometimes several patterns
at once, and some leave again further down).
Every point of the path is program (8) solved to its certified optimum, warm-started from the previous
one. **Click a point of the path** to set β there. Below: why the optimal neurons are where they are —
the dual (4) bounds $|v^\top(Xu)_+|$ by β over all unit directions $u$, and each neuron sits where the
bound is reached.
"""


@P.guarded
def render() -> None:
    P.header("Regularization path and the dual", INTRO)
    ds = state.get_dataset()
    c1, c2 = st.columns(2)
    with c2:
        loss = state.loss_select()
    with c1:
        beta = state.beta_slider(beta_max=state.data_beta_max(ds, loss), caption=False)   # the figure has β_max
    P.require_data(ds)
    res, note = P.optimum_or_stop(ds, beta, loss)
    if note:
        st.warning(note)
    X = state.design_matrix(ds)
    p = PD.path_view(X, ds.y, loss, beta, res, key="_path_chart", height=470)
    if p is not None:
        ui.caption(f"β_max = {p.beta_max:.4g}: the smallest β at which the zero network is optimal (exact over "
                   f"the arrangement). {len(p.betas)} solves of (8) along the path, {p.seconds:.2f} s in all; the "
                   f"current β = {beta:g} is red (p* = {res.value:.5g}, m* = {res.m_star}).")
    _dual(ds, res, beta, loss)


def _dual(ds: Dataset, res: ConvexResult, beta: float, loss: str) -> None:
    """The dual constraint at the current β, with gradient-descent runs' neurons on request."""
    X = state.design_matrix(ds)
    st.subheader(f"The dual constraint at β = {beta:g}")
    t1, t2 = st.columns([1, 2], vertical_alignment="bottom")
    overlay = t1.toggle("overlay gradient-descent runs", value=False, key="_path_overlay",
                        help="Train a few networks of width m (4 starts, 4,000 steps) and mark their neurons' "
                             "directions: a run stuck above p* has neurons where |vᵀ(Xu)₊| < β.")
    marks: list[dict] = []
    if overlay:
        with t2:
            m = state.slider("m", "width m of the runs", hi=state.M_LIMITS["path"])
        runs, rerr = PD.sgd_neurons(X, ds.y, beta, loss, m)
        if runs is None:
            st.error(rerr)
        elif res.dual is not None:
            marks = PD.sgd_marks(X, res.dual, runs, res.value)
    fig = PD.dual_figure(X, res, beta, sgd=marks, height=560,
                         labels=("weight", "bias") if ds.bias else ("u₁", "u₂"))
    if fig is None or res.dual is None:
        st.info("This solution carries no dual point.")
        return
    ui.chart(fig, key="_path_dual")
    ui.caption(dual_caption(X, res, beta))


def dual_caption(X: np.ndarray, res: ConvexResult, beta: float) -> str:
    """The largest |vᵀ(Xu)₊| on the drawn grid against β, and how tight the constraint is at the
    optimal neurons (complementary slackness: |vᵀ(Xûⱼ)₊| = β); ``res`` carries its dual point v."""
    if res.dual is None:
        return "This solution carries no dual point."
    _, g = PD.dual_on_grid(X, res.dual)
    gn = PD.neuron_dual_values(X, res)
    worst = float(np.max(np.abs(np.abs(gn) / beta - 1))) if gn.size else None
    return (f"v is the certificate's dual point (for squared loss the residual y − ŷ). The largest |vᵀ(Xu)₊| "
            f"on the drawn grid is {np.max(np.abs(g)):.6g} ≤ β = {beta:g}"
            + (f"; at the {gn.size} optimal neurons |vᵀ(Xûⱼ)₊|/β = 1 within {worst:.1e}." if worst is not None
               else "; the optimum is the zero network, so nothing touches ±β."))


if __name__ == "__main__":          # Streamlit runs this file as the page (app.py: st.Page)
    render()
