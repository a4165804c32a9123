"""The lesson: the paper's result in guided steps, each with a live figure and a question.

The steps, the state each sets and the answers live in :mod:`lab.lesson`; the numbers come from
the core through :mod:`lab.lesson_data`, :mod:`lab.path_dual` and :mod:`lab.cached`; figures from
:mod:`lab.figures_lesson` and :mod:`lab.figures`.  The step is in the address
(``/lesson?page=lesson&step=K``), so students can follow on their own devices.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from cvxcore import ConvexResult
from lab import cached, state, ui
from lab import figures as F
from lab import figures_geometry as FG
from lab import figures_lesson as FL
from lab import lesson as L
from lab import lesson_data as LD
from lab import page as P
from lab import path_dual as PD
from lab.codec import Dataset
from lab.figure2 import figure2_view


@dataclass(frozen=True)
class Here:
    """What a step's render function draws with: the data set, its design matrix X, and the two
    columns (``left``: the figure, ``right``: the prose and the question)."""
    ds: Dataset
    X: np.ndarray
    left: Any
    right: Any


def render() -> None:
    k, entered = L.current_step()
    if entered:
        st.rerun()          # the step's data set is in place: draw everything (sidebar, address) with it
    step = L.STEPS[k - 1]
    L.compact_top()
    _navigation(k, step)
    ds = state.get_dataset()
    left, right = st.columns(list(step.cols), gap="medium")
    ui.prose(step.prose, right)
    here = Here(ds, state.design_matrix(ds), left, right)
    problem = L.data_fits(k, ds) if step.key != "figure2" else None
    if problem:
        left.info(problem + " The lesson's figures follow the current data set; this step is written for its own.")
        left.button("Load this step's data set", icon=":material/restart_alt:", on_click=L.load_step_data, args=(k,),
                    key="_lesson_load", type="primary")
    else:
        RENDER[step.key](here)
    _links_and_notes(k, step)


def _navigation(k: int, step: L.Step) -> None:
    """The step's heading with Back and Next."""
    head, back, nxt = st.columns([10, 1.6, 1.6], vertical_alignment="center")
    head.markdown(f"#### Step {k} of {L.N_STEPS} · {step.title}")
    back.button("Back", icon=":material/arrow_back:", disabled=k == 1, on_click=L.go, args=(k - 1,),
                width="stretch", key="_lesson_back")
    nxt.button("Next", icon=":material/arrow_forward:", disabled=k == L.N_STEPS, on_click=L.go, args=(k + 1,),
               width="stretch", key="_lesson_next", type="primary")


def _links_and_notes(k: int, step: L.Step) -> None:
    """The link into the full page with the same state, and the teacher's notes."""
    st.markdown(f"[Open this in the full page: **{step.page_label}** ↗]({L.full_page_url(step.page)}) · "
                f"same data and settings.")
    with st.expander("Teacher's notes", icon=":material/school:"):
        st.markdown(step.notes)
        st.caption("Start over with this step's own data set and settings:")
        st.button("Reset this step", icon=":material/restart_alt:", on_click=L.go, args=(k,), key="_lesson_reset")


def _loss(h: Here) -> str:
    """The shared loss, replaced by one that suits the targets (±1 labels for hinge/logistic)."""
    loss = state.current_loss()
    if loss in ("hinge", "logistic") and state.loss_for(2, h.ds.y) == "squared":
        loss = "squared"
        state.set_setting("loss", loss)
    return loss


def _solve(h: Here, beta: float, loss: str) -> ConvexResult | None:
    """Program (8) for the step (lab.page.solve); the core's message in the figure's column."""
    out = P.solve(h.ds, beta, loss)
    if out.error:
        h.left.error(out.error)
        return None
    if out.note:
        h.left.warning(out.note)
    return out.result


def _canvas(h: Here, base: str, caption: str) -> None:
    """A small copy of the Data page's canvas in the right column: click to add a point."""
    if not state.show("draw"):
        return
    ds = h.ds
    if ds.d == 2:
        ui.class_picker(h.right)
    ui.clickable_chart(F.data_canvas(ds.X, ds.y, ds.d, height=300), base, h.right)
    c1, c2 = h.right.columns([5, 3], vertical_alignment="center")
    c1.caption(caption)
    if c2.button("Undo", icon=":material/undo:", disabled=not state.can_undo(), key=f"{base}_undo", width="stretch"):
        state.undo()
        st.rerun()
    ui.click_error()


def _clickable_fit(h: Here, res: ConvexResult, base: str, *, height: int = 500) -> None:
    """The optimal network on the data (1-D fit or 2-D decision regions); a click adds a point."""
    draw = state.show("draw")
    fig = P.network_figure(h.ds, res, height=height, clickable=draw)
    if draw:
        if h.ds.d == 2:
            ui.class_picker(h.right)
        ui.clickable_chart(fig, base, h.left, alt=P.network_alt(h.ds, res))
        ui.click_error()
    else:
        ui.chart(fig, h.left, key=base, alt=P.network_alt(h.ds, res))


# ----------------------------------------------------------------------------- the steps
def neuron(h: Here) -> None:
    """Step 1: one neuron's objective over (u, α), its two cells and two local minima."""
    ds, X, left, right = h.ds, h.X, h.left, h.right
    beta = state.setting("beta", 0.1)
    D = LD.one_neuron(X, ds.y, beta)
    if len(D["minima"]) < 2:
        left.info("All points lie on one side of 0, so only one cell has active points: add a point with "
                  "the other sign of x (or load this step's data set below).")
    labels = {-1.0: "the left one (u < 0)", 1.0: "the right one (u > 0)"}
    sig = L.signature(X, ds.y, beta)
    shown = L.revealed("neuron", sig)
    minima = [{"u": m["u"], "alpha": m["alpha"], "value": m["value"],
               "label": f"minimum of cell {'u < 0' if m['side'] < 0 else 'u > 0'}"
                        + (" (zero network)" if not m["m"] else ""),
               "color": F.ANEG if m["side"] < 0 else F.APOS} for m in D["minima"]]
    ui.chart(FL.landscape_one_neuron(D["ug"], D["ag"], D["Z"], minima, paths=D["paths"], x=ds.X[:, 0],
                                     show_values=shown, height=500), left, key="_lesson_landscape")
    if len(D["minima"]) >= 2:
        L.ask("neuron", "Which of the two local minima has the **lower** objective (the better one-neuron network)?",
              L.answer_lower_minimum(D["minima"], labels), sig, options=[labels[-1.0], labels[1.0]], container=right)


def figure2(h: Here) -> None:
    """Step 2: the paper's Figure 2, computed panel by panel."""
    left, right = h.left, h.right
    box = right.container()
    finals = figure2_view(left, key="_lesson_fig2", height=470)
    p_star = finals["p_star"]
    L.ask("figure2", "With **m = 8** neurons, how many of the 10 starts end within 1 % of p*?",
          L.answer_figure2(finals[8], p_star, 8), L.signature("fig2", 8), number={"lo": 0, "hi": 10}, container=box)


def patterns(h: Here) -> None:
    """Step 3: the cells of the arrangement and their count."""
    ds, X, left, right = h.ds, h.X, h.left, h.right
    C, err = LD.cells(X)
    if C is None:
        left.error(err)
        return
    sig = L.signature(X)
    shown = L.revealed("patterns", sig)
    if X.shape[1] == 2:
        lab = ("u₁ (weight)", "u₂ (bias)") if ds.bias else ("u₁", "u₂")
        ui.chart(FL.cells_plane(X, C["interior"], C["patterns"], numbered=shown, height=500, labels=lab),
                 left, key="_lesson_cells")
    elif X.shape[1] == 3 and C["interior"] is not None:
        ui.chart(F.sphere_arrangement(X, C["interior"][0], height=500), left, key="_lesson_sphere")
    elif X.shape[1] == 3:
        left.info(f"{C['P']:,} cells: too many to draw here; the count below is exact.")
    else:
        left.info(f"With d = {X.shape[1]} the cells are two half-lines (u > 0 and u < 0); "
                  "turn the bias on to see the plane of (weight, bias).")
    L.ask("patterns", f"How many activation patterns Dᵢ (cells) do these **n = {ds.n}** points have?",
          L.answer_cells(C["P"], C["cover"], C["n"], C["rank"]), sig, number={"lo": 0, "hi": 10**7}, container=right)
    _canvas(h, "_lesson_cv3", "Click the canvas to add a point, then predict again.")


def program8(h: Here) -> None:
    """Step 4: program (8) solved, its optimal network on the data."""
    ds, X, right = h.ds, h.X, h.right
    loss = _loss(h)
    beta = state.setting("beta", 0.1)
    res = _solve(h, beta, loss)
    if res is None:
        return
    _clickable_fit(h, res, "_lesson_fit4")
    right.markdown(f"p\\* = **{res.value:.5g}** at β = {beta:g} ({loss} loss), over all **P = {res.n_patterns}** "
                   f"patterns; certified gap {max(res.gap, 0):.1e}.")
    L.ask("program8", f"Program (8) for these {ds.n} points has how many **variables**? (d = {X.shape[1]} "
          "weights per block)", L.answer_variables(X.shape[1], res.n_patterns, ds.n),
          L.signature(X, res.n_patterns), number={"lo": 0, "hi": 10**8}, container=right)


def blocks(h: Here) -> None:
    """Step 5: the nonzero blocks of (8) are the neurons."""
    ds, X, left, right = h.ds, h.X, h.left, h.right
    loss = _loss(h)
    beta = state.beta_slider(right, beta_max=state.data_beta_max(ds, loss))
    res = _solve(h, beta, loss)
    if res is None:
        return
    vn, wn = res.block_norms()
    ui.chart(F.group_norms(vn, wn, height=480, tol=0.0), left, key="_lesson_groups")
    left.caption(f"At β = {beta:g}: m* = {res.m_star} nonzero blocks of {2 * res.n_patterns}. Each stem is one "
                 "pattern Dᵢ (up: ‖vᵢ‖, down: −‖wᵢ‖).")
    smaller = beta / 10
    at, err = LD.value_at(X, ds.y, smaller, loss)
    if at is None:
        right.error(err)
        return
    L.ask("blocks", f"Make β ten times **smaller** (β = {smaller:g}): how many neurons will the optimum use?",
          L.answer_m_star(at["m"], ds.n, smaller, at["pos"], at["neg"], m_now=res.m_star),
          L.signature(X, ds.y, smaller, loss), number={"lo": 0, "hi": 10**5}, container=right)
    _canvas(h, "_lesson_cv5", "Click to add a point: m* and the stems follow.")


def dual(h: Here) -> None:
    """Step 6: the dual constraint, tight at the optimal neurons."""
    ds, X, left, right = h.ds, h.X, h.left, h.right
    loss = _loss(h)
    beta = state.beta_slider(right, beta_max=state.data_beta_max(ds, loss))
    res = _solve(h, beta, loss)
    if res is None:
        return
    sig = L.signature(X, ds.y, beta, loss)
    shown = L.revealed("dual", sig)
    fig = PD.dual_figure(X, res, beta, show_neurons=shown, height=500,
                         labels=("weight", "bias") if ds.bias else ("u₁", "u₂"))
    if fig is not None:
        ui.chart(fig, left, key="_lesson_dual")
    if not shown:
        left.caption("The stars at the optimal neurons appear on Reveal.")
    g = PD.neuron_dual_values(X, res)
    L.ask("dual", "At the optimal neurons with **α > 0**, what is the value of vᵀ(Xû)₊?",
          L.answer_dual(g[res.alpha > 0], beta), sig, options=L.DUAL_OPTIONS, container=right)


def path(h: Here) -> None:
    """Step 7: the regularization path from β_max down."""
    ds, X, left, right = h.ds, h.X, h.left, h.right
    loss = _loss(h)
    beta = state.beta_slider(right, beta_max=state.data_beta_max(ds, loss))
    res = _solve(h, beta, loss)
    p = PD.path_view(X, ds.y, loss, beta, res, key="_lesson_path", height=540, container=left)
    if p is None:
        return
    below, err = LD.value_at(X, ds.y, 0.9 * p.beta_max, loss)
    if below is None:
        right.error(err)
        return
    L.ask("path", f"β_max = {p.beta_max:.4g} for these points. Just below it, at β = 0.9·β_max, how many "
          "neurons does the optimum have?", L.answer_first_neurons(below["m"], p.beta_max),
          L.signature(X, ds.y, loss), number={"lo": 0, "hi": 10**5}, container=right)


def gauge(h: Here) -> None:
    """Step 8: β → 0, the neural gauge."""
    ds, X, left, right = h.ds, h.X, h.left, h.right
    out, err = LD.gauge(X, ds.y)
    if out is None:
        left.error(err)
        return
    g, G = out
    sig = L.signature(X, ds.y)
    shown = L.revealed("gauge", sig)
    if ds.n == 2:
        fig = FG.output_space_2d(G, g if shown else None, ds.y, animate=False)
        fig.update_xaxes(title=dict(text="ŷ₁"))
        fig.update_yaxes(title=dict(text="ŷ₂"))
        fig.update_layout(legend=dict(font=dict(size=13)))     # at the foot, under the axis title (its own layout)
    else:
        fig = FG.output_space_3d(G, g if shown else None, ds.y)
    fig.update_layout(height=570, title=None, margin=dict(t=20))
    ui.chart(fig, left, key="_lesson_gauge")
    small, ratio = None, None
    bmax = cached.beta_max_of(X, ds.y) if np.isfinite(g.value) and g.value > 0 else None
    if bmax is not None:
        small = 1e-3 * bmax
        at, _ = LD.value_at(X, ds.y, small)
        ratio = at["value"] / small if at else None
    L.ask("gauge", "As β → 0 the optimal network becomes the minimum-norm network that fits y exactly. "
          "How many neurons does it use?", L.answer_gauge(len(g.alpha), g.value, ratio, small or 0.0), sig,
          number={"lo": 0, "hi": 10}, container=right)


def certificate(h: Here) -> None:
    """Step 9: gradient descent against its own certificate."""
    ds, X, left, right = h.ds, h.X, h.left, h.right
    loss = _loss(h)
    beta = state.setting("beta", 0.1)
    m = state.slider("m", "width m (neurons)", right, hi=50)
    res = _solve(h, beta, loss)
    if res is None:
        return
    out, err = LD.sgd_certified(X, ds.y, beta, loss, m)
    if out is None:
        left.error(err)
        return
    sig = L.signature(X, ds.y, beta, loss, m)
    shown = L.revealed("certificate", sig)
    ui.chart(FL.sgd_certified(out["steps"], out["history"] if shown else None, out["lower"], res.value, height=480),
             left, key="_lesson_cert")
    L.ask("certificate", f"Will gradient descent with **m = {m}** neurons (6 starts, 10,000 steps) reach p*?",
          L.answer_reach(out["final"], out["lower"], res.value, m, res.m_star), sig, options=L.REACH_OPTIONS,
          container=right)


def beyond(h: Here) -> None:
    """Step 10: classification (hinge loss) and the way to CNNs."""
    ds, X, right = h.ds, h.X, h.right
    loss = _loss(h)
    beta = state.setting("beta", 0.1)
    res = _solve(h, beta, loss)
    if res is None:
        return
    _clickable_fit(h, res, "_lesson_fit10", height=520)
    correct = int(np.sum(np.sign(res.predict(X)) == ds.y))
    L.ask("beyond", f"With the {loss} loss at β = {beta:g}, how many of the {ds.n} training points does the "
          "optimal network classify correctly?", L.answer_accuracy(correct, ds.n), L.signature(X, ds.y, beta, loss),
          number={"lo": 0, "hi": ds.n}, container=right)
    right.page_link("app_pages/convolution.py", label="Convolutional networks: the Convolutions page",
                    icon=":material/filter_alt:")


# One render function per step, by the key of its record in lab.lesson_steps.
RENDER: dict[str, Callable[[Here], None]] = {
    "neuron": neuron, "figure2": figure2, "patterns": patterns, "program8": program8, "blocks": blocks,
    "dual": dual, "path": path, "gauge": gauge, "certificate": certificate, "beyond": beyond}


if __name__ == "__main__":          # Streamlit runs this file as the page (app.py: st.Page)
    render()
