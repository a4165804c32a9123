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


@P.guarded
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
    if step.page is not None:
        st.markdown(f"[Open this in the full page: **{step.page_label}** ↗]({L.full_page_url(step.page, step.link)}) · "
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
    """One neuron's objective over (u, α), its two cells and two local minima."""
    ds, X, left, right = h.ds, h.X, h.left, h.right
    beta = state.setting("beta", 0.1)
    D = LD.one_neuron(X, ds.y, beta)
    if len(D["minima"]) < 2:
        left.info("All points lie on one side of 0, so only one cell has active points: add a point with "
                  "the other sign of x (or load this step's data set below).")
    sig = L.signature(X, ds.y, beta)
    shown = L.revealed("neuron", sig)
    minima = [{"u": m["u"], "alpha": m["alpha"], "value": m["value"],
               "label": f"minimum of cell {'u < 0' if m['side'] < 0 else 'u > 0'}"
                        + (" (zero network)" if not m["m"] else ""),
               "color": F.ANEG if m["side"] < 0 else F.APOS} for m in D["minima"]]
    k = LD.GD_ASKED                                 # the start the question asks about
    start = LD.GD_STARTS[k]
    paths = D["paths"] if shown else [start[None]]
    ui.chart(FL.landscape_one_neuron(D["ug"], D["ag"], D["Z"], minima, paths=paths, x=ds.X[:, 0],
                                     show_values=shown, height=500), left, key="_lesson_landscape")
    both = _solve(h, beta, "squared")
    if both is not None:
        left.caption(f"One neuron serves one cell at a time. With two, one per cell, program (8) over both "
                     f"patterns serves both points: p* = {both.value:.5g} ({both.m_star} neurons), the number the "
                     "full page (Convex program) shows for these two points.")
    if len(D["minima"]) >= 2:
        L.ask("neuron", f"Gradient descent starts at the white circle, (u, α) = ({start[0]:g}, {start[1]:g}), in the "
              f"cell u {'<' if start[0] < 0 else '>'} 0. Where does it end?",
              L.answer_gd_end(start, D["ends"][k], D["minima"]), sig,
              options=L.gd_end_options(float(np.sign(start[0]))), container=right)


def figure2(h: Here) -> None:
    """The paper's Figure 2, computed panel by panel."""
    left, right = h.left, h.right
    box = right.container()
    finals = figure2_view(left, key="_lesson_fig2", height=470)
    p_star = finals["p_star"]
    _, _, final4 = LD.figure2_runs(4)
    L.ask("figure2", "Not drawn: the same 10 starts with only **m = 4** neurons. How many end within 1 % of p*?",
          L.answer_figure2_width(final4, p_star, 4, L.count_within(finals[8], p_star), 8), L.signature("fig2", 4),
          number={"lo": 0, "hi": 10}, container=box)


def patterns(h: Here) -> None:
    """The cells of the arrangement and their count."""
    ds, X, left, right = h.ds, h.X, h.left, h.right
    new = L.new_point(ds.X)                       # a point beyond the others: a line of its own
    Xn = np.vstack([X, np.r_[new, 1.0] if ds.bias else new])
    before = L.prepare("patterns", LD.cells, X, container=left)
    after = L.prepare("patterns", LD.cells, Xn, container=left, sig=(X,)) if before else None
    if before is None or after is None:
        return
    C, Cn, shown = before.data, after.data, after.shown
    if X.shape[1] == 2:
        lab = ("u₁ (weight)", "u₂ (bias)") if ds.bias else ("u₁", "u₂")
        A, CA = (Xn, Cn) if shown else (X, C)
        ui.chart(FL.cells_plane(A, CA["interior"], CA["patterns"], height=500, labels=lab), left, key="_lesson_cells")
        if shown:
            left.caption(f"With the new point: {Cn['P']} cells.")
    elif X.shape[1] == 3 and C["interior"] is not None:
        ui.chart(F.sphere_arrangement(X, C["interior"][0], height=500), left, key="_lesson_sphere")
    elif X.shape[1] == 3:
        left.info(f"{C['P']:,} cells: too many to draw here; the count below is exact.")
    else:
        left.info(f"With d = {X.shape[1]} the cells are two half-lines (u > 0 and u < 0); "
                  "turn the bias on to see the plane of (weight, bias).")
    where = f"{new[0]:.3g}" if len(new) == 1 else "(" + ", ".join(f"{v:.3g}" for v in new) + ")"
    L.ask("patterns", f"These n = {ds.n} points have P = {C['P']:,} patterns. **Add one more point**, at x = "
          f"{where}: how many patterns then?", L.answer_cells(Cn["P"], Cn["cover"], Cn["n"], Cn["rank"], C["P"]),
          after.sig, number={"lo": 0, "hi": 10**7}, container=right)
    _canvas(h, "_lesson_cv3", "Click the canvas to add a point, then predict again.")


def rescale(h: Here) -> None:
    """Why it is convex (1): along u·α = const the network is the same and the penalty is smallest
    at |u| = |α|, where (2) equals the convex profile (3) in z = u·|α|."""
    ds, X, left, right = h.ds, h.X, h.left, h.right
    beta = state.setting("beta", 0.1)
    side = 1 if np.any(ds.X[:, 0] > 0) else -1
    pr = L.prepare("rescale", LD.rescaling, X, ds.y, beta, side, container=left)
    if pr is None:
        return
    D, shown = pr.data, pr.shown
    P_ = D["path"]
    stops = list(range(len(P_["u"])))
    stop = right.select_slider(
        f"slide along u·α = {P_['z0']:g} (the same network)", stops, value=stops[-4], key="_lesson_rescale_stop",
        format_func=lambda i: f"u = {P_['u'][i]:.2f}, α = {P_['alpha'][i]:.2f}")
    ui.chart(FL.rescaling_figure(D, stop, show_minimum=shown, height=390), left, key="_lesson_rescale")
    H, ev = D["hessian"], D["eig"]
    left.latex(r"\begin{aligned}(2)&\;\; \tfrac12\textstyle\sum_i\big(\alpha\,(x_iu)_+ - y_i\big)^2 + "
               r"\tfrac{\beta}{2}(u^2 + \alpha^2)\\ (3)&\;\; \tfrac12\textstyle\sum_i\big(s\,(x_iz)_+ - y_i\big)^2"
               r" + \beta|z|,\ \ z = u|\alpha|,\ s = \mathrm{sign}\,\alpha\end{aligned}")
    left.caption("Red: the slider's point on the hyperbola (left) and its objective (2) above the profile (3) "
                 "(right); white ring: |u| = |α|. "
                 f"At the slider's point β/2·(u² + α²) = {P_['penalty'][stop]:.4f} ≥ β·|z| = "
                 f"{P_['balanced_penalty']:.4f}; equal only at |u| = |α|. "
                 f"Hessian of (2) at (u, α) → (0{'⁺' if side > 0 else '⁻'}, 0): "
                 f"[[{H[0, 0]:.3g}, {H[0, 1]:.3g}], [{H[1, 0]:.3g}, {H[1, 1]:.3g}]], eigenvalues {ev[0]:.3g} and "
                 f"{ev[1]:.3g}: not convex inside the cell.")
    L.ask("rescale", "Minimise (3) over z in this cell, and (2) over (u, α) in this cell: which minimum is lower?",
          L.answer_rescaled(D["minima"], D["cell_value"], P_["z0"], beta), pr.sig, options=L.RESCALE_OPTIONS,
          container=right)


def merge(h: Here) -> None:
    """Why it is convex (2): two neurons of one cell with one sign merge into one block."""
    ds, X, left, right = h.ds, h.X, h.left, h.right
    beta = state.setting("beta", 0.1)
    loss = _loss(h)
    spread = right.select_slider("how far apart the two neurons are (share of their cell)", LD.MERGE_SPREADS,
                                 value=0.75, key="_lesson_merge_spread", format_func=lambda f: f"{100 * f:.0f} %")
    pr = L.prepare("merge", LD.merging, X, ds.y, beta, loss, spread, container=left)
    if pr is None:
        return
    D, shown = pr.data, pr.shown
    ui.chart(FL.merging_figure(X, D, merged=shown, height=450,
                               labels=("weight", "bias") if ds.bias else ("u₁", "u₂")), left, key="_lesson_merge")
    left.caption(f"The network: the optimum of (8) with its largest neuron split into two, q₁ and q₂, in the same "
                 f"cell and with the same sign of α (α {'>' if D['s'] > 0 else '<'} 0). Objective (2) of this "
                 f"network: {D['objective_before']:.5g}."
                 + (" Here q lies on an edge of its cell (its kink is at a data point): the only split that stays in "
                    "the cell is along the edge, so q₁ and q₂ are parallel." if D["room"] < 1e-6 else ""))
    L.ask("merge", "Replace the two neurons by one with block q₁ + q₂ (same cell, same sign). Objective (2)…",
          L.answer_merge(D, beta), pr.sig, options=L.MERGE_OPTIONS, container=right)


PROGRAM8 = (r"\min_{v_i, w_i}\ \tfrac12\Big\|\sum_{i=1}^P D_iX(v_i - w_i) - y\Big\|^2"
            r" + \beta\sum_{i=1}^P\big(\|v_i\| + \|w_i\|\big)")
CONES = r"\text{s.t.}\ \ (2D_i - I)Xv_i \ge 0,\ \ (2D_i - I)Xw_i \ge 0\qquad(8)"


def cones(h: Here) -> None:
    """Why it is convex (3): the cone constraints of (8) keep each block a ReLU neuron."""
    ds, left, right = h.ds, h.left, h.right
    beta = state.setting("beta", 0.1)
    loss = _loss(h)
    pr = L.prepare("cones", LD.cone_free, h.X, ds.y, beta, loss, container=left)
    if pr is None:
        return
    D = pr.data
    dropped = right.toggle("Drop the cone constraints", key="_lesson_cones_drop",
                           help="Solve (8) without (2Dᵢ − I)Xvᵢ ≥ 0: each block is then any vector, gated by Dᵢ.")
    which = 0
    if dropped and len(D["violations"]) > 1:
        which = right.selectbox("block to draw", range(len(D["violations"])), key="_lesson_cones_block",
                                format_func=lambda i: f"violating block {i + 1} of {len(D['violations'])}")
    ui.chart(FL.cones_figure(ds.X[:, 0], ds.y, D, dropped=dropped, which=which, height=440), left,
             key="_lesson_cones")
    left.latex(PROGRAM8 + (r"\qquad\text{(no cones)}" if dropped else r"\\" + CONES))
    if dropped:
        left.caption(f"Without cones: {D['value']:.5g} < p* = {D['p_star']:.5g}; {len(D['violations'])} of the "
                     f"{D['n_blocks']} nonzero blocks violate their pattern (crosses).")
    L.ask("cones", "Without cones the value falls below p*. Now read each of those blocks as a ReLU neuron, "
          "(Xqᵢ)₊. That network's objective is…", L.answer_cones(D), pr.sig, options=L.CONES_OPTIONS, container=right)


def program8(h: Here) -> None:
    """Program (8) solved, its optimal network on the data."""
    ds, X, right = h.ds, h.X, h.right
    loss = _loss(h)
    beta = state.setting("beta", 0.1)
    res = _solve(h, beta, loss)
    if res is None:
        return
    _clickable_fit(h, res, "_lesson_fit4", height=440)
    h.left.latex(PROGRAM8 + r"\\" + CONES)
    right.markdown(f"p\\* = **{res.value:.5g}** at β = {beta:g} ({loss} loss), over all **P = {res.n_patterns}** "
                   f"patterns; certified gap {max(res.gap, 0):.1e}.")
    pr = L.prepare("program8", LD.value_on_patterns, X, ds.y, beta, loss, container=right)
    if pr is None:
        return
    kept = len(range(0, res.n_patterns, 2))
    L.ask("program8", f"Solve (8) again over only the patterns D₁, D₃, D₅, … ({kept} of the {res.n_patterns}). "
          "Its value will be…", L.answer_fewer_patterns(pr.data, res.value, kept, res.n_patterns),
          pr.sig, options=L.LEVEL_OPTIONS, container=right)


def blocks(h: Here) -> None:
    """The nonzero blocks of (8) are the neurons."""
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
    pr = L.prepare("blocks", LD.value_at, X, ds.y, smaller, loss, container=right)
    if pr is None:
        return
    at = pr.data
    L.ask("blocks", f"Make β ten times **smaller** (β = {smaller:g}): how many neurons will the optimum use?",
          L.answer_m_star(at["m"], ds.n, smaller, at["pos"], at["neg"], m_now=res.m_star),
          pr.sig, number={"lo": 0, "hi": 10**5}, container=right)
    _canvas(h, "_lesson_cv5", "Click to add a point: m* and the stems follow.")


def dual(h: Here) -> None:
    """The dual constraint, tight at the optimal neurons."""
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


def _insert_missing() -> None:
    """The button "Add the missing neuron": one more insertion (the count is the slider's)."""
    n = int(state.widget_value("_lesson_stuck_inserts") or 0)
    state.set_widget_value("_lesson_stuck_inserts", min(n + 1, LD.MAX_INSERTS))


def stuck(h: Here) -> None:
    """Why gradient descent gets stuck: a stuck run's own dual curve, and its missing neuron."""
    ds, X, left, right = h.ds, h.X, h.left, h.right
    beta = state.setting("beta", 0.1)
    pr = L.prepare("stuck", LD.stuck_chain, X, ds.y, beta, 1, container=left, sig=(X, ds.y, beta, "stuck"))
    if pr is None:
        return
    first, shown = pr.data, pr.shown
    inserts = int(right.select_slider("missing neurons inserted", list(range(LD.MAX_INSERTS + 1)), value=0,
                                      key="_lesson_stuck_inserts", disabled=not shown,
                                      help="Predict and reveal first; then insert the missing neuron and train on."))
    right.button("Add the missing neuron", icon=":material/add_circle:", on_click=_insert_missing,
                 disabled=not shown or inserts >= LD.MAX_INSERTS, key="_lesson_stuck_add",
                 help="Insert a tiny neuron at the star (with the sign of the curve there) and train 2,000 steps, then "
                      "settle with a shrinking step.")
    D, err = LD.stuck_chain(X, ds.y, beta, inserts if shown else 0)
    if D is None:
        left.error(err)
        return
    ui.chart(FL.stuck_figure(D, beta, height=440), left, key="_lesson_stuck")
    alive = len(D["neuron_alpha"])
    dead = "" if alive == D["m"] else "; the others have shrunk to about 0 or are off on every point"
    left.caption(f"Width {D['m']} ({alive} neuron{'s' if alive != 1 else ''} alive{dead}): objective "
                 f"{D['objective_now']:.5g} "
                 f"(p* = {D['p_star']:.5g}); at its neurons "
                 f"vᵀ(Xû)₊ is ±β to {D['stationarity']:.1e}; the curve reaches {D['dual_norm'] / beta:.3g}β. "
                 f"{'The first s' if D['inserts'] else 'S'}tuck value {D['stuck']:.6g} = (8) restricted to the "
                 f"run's own {D['blocks']} block(s) (neurons in one cell share a block) "
                 f"{D['restricted']:.6g} (certified gap {D['restricted_gap']:.1e}): a smaller convex program.")
    L.ask("stuck", "Insert the missing neuron (the star, tiny) and train 2,000 more steps. The objective…",
          L.answer_stuck(first["stuck"], first["first_escape"], first["p_star"]), pr.sig,
          options=L.STUCK_OPTIONS, container=right)


def sampled(h: Here) -> None:
    """Sampled patterns (Remark 3.3): (8) on P̃ patterns of random directions."""
    ds, X, left, right = h.ds, h.X, h.left, h.right
    beta = state.setting("beta", 1.0)
    loss = _loss(h)
    pr = L.prepare("sampled", LD.sampled, X, ds.y, beta, loss, container=left)
    if pr is None:
        return
    D, shown = pr.data, pr.shown
    ui.chart(FL.sampled_figure(D, shown=shown, height=440), left, key="_lesson_sampled")
    left.caption(f"n = {D['n']} points, rank r = {D['rank']}: P = {D['P']:,} patterns (Cover's count "
                 f"{D['cover']:,}), β = {beta:g}, p* = {D['p_star']:.5g}. Each k: the first k directions of one "
                 "random stream (nested), (8) solved on their patterns only.")
    L.ask("sampled", f"Draw directions u ~ N(0, I) and solve (8) on their patterns only. How many directions until "
          f"its value is within 1 % of p*? (P = {D['P']:,}; within a factor 2 counts)",
          L.answer_sampled(D["within"], D["within_patterns"], D["P"], D["p_star"]), pr.sig,
          number={"lo": 1, "hi": 10**6}, container=right)


def path(h: Here) -> None:
    """The regularization path from β_max down."""
    ds, X, left, right = h.ds, h.X, h.left, h.right
    loss = _loss(h)
    beta = state.beta_slider(right, beta_max=state.data_beta_max(ds, loss))
    res = _solve(h, beta, loss)
    p = PD.path_view(X, ds.y, loss, beta, res, key="_lesson_path", height=540, container=left)
    if p is None:
        return
    if loss != "squared":
        right.info("This step's question is about the squared loss (β_max = max |yᵀ(Xu)₊|); "
                   "load this step's data set to ask it.")
        return
    bmax2 = cached.beta_max_of(X, 2 * ds.y, loss)
    if bmax2 is None:
        right.info("β_max of the doubled targets is not available for this data set (too many cells).")
        return
    L.ask("path", f"β_max = {p.beta_max:.4g} for these targets y. Double every target (2y): β_max becomes…",
          L.answer_beta_max_scaled(p.beta_max, bmax2), L.signature(X, ds.y, loss), options=L.SCALE_OPTIONS,
          container=right)


def gauge(h: Here) -> None:
    """Step 8: β → 0, the neural gauge."""
    ds, X, left, right = h.ds, h.X, h.left, h.right
    pr = L.prepare("gauge", LD.gauge, X, ds.y, container=left)
    if pr is None:
        return
    (g, G), shown = pr.data, pr.shown
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
    L.ask("gauge", "As β → 0 the optimal network approaches the minimum-norm network that fits y exactly. "
          "How many neurons does it use?", L.answer_gauge(len(g.alpha), g.value, ratio, small or 0.0), pr.sig,
          number={"lo": 0, "hi": 10}, container=right)


def certificate(h: Here) -> None:
    """Gradient descent against its own certificate."""
    ds, X, left, right = h.ds, h.X, h.left, h.right
    loss = _loss(h)
    beta = state.setting("beta", 0.1)
    m = state.slider("m", "width m (neurons)", right, hi=state.M_LIMITS["lesson"])
    res = _solve(h, beta, loss)
    if res is None:
        return
    pr = L.prepare("certificate", LD.sgd_certified, X, ds.y, beta, loss, m, container=left)
    if pr is None:
        return
    out, shown = pr.data, pr.shown
    ui.chart(FL.sgd_certified(out["steps"], out["history"] if shown else None, out["lower"], res.value, height=480),
             left, key="_lesson_cert")
    L.ask("certificate", f"Will gradient descent with **m = {m}** neurons (6 starts, 10,000 steps) reach p*?",
          L.answer_reach(out["final"], out["lower"], res.value, m, res.m_star), pr.sig, options=L.REACH_OPTIONS,
          container=right)


def beyond(h: Here) -> None:
    """Classification (hinge loss) and the way to CNNs."""
    ds, X, right = h.ds, h.X, h.right
    loss = _loss(h)
    beta = state.setting("beta", 0.1)
    res = _solve(h, beta, loss)
    if res is None:
        return
    _clickable_fit(h, res, "_lesson_fit10", height=520)
    correct = int(np.sum(np.sign(res.predict(X)) == ds.y))
    pr = L.prepare("beyond", LD.accuracy_at, X, ds.y, 10 * beta, loss, container=right, sig=(X, ds.y, beta, loss))
    if pr is None:
        return
    L.ask("beyond", f"Make β ten times **larger** ({10 * beta:g}). The optimal network will classify ___ training "
          "points correctly.", L.answer_accuracy_scaled(correct, pr.data, ds.n, beta, 10),
          pr.sig, options=L.MORE_OPTIONS, container=right)
    right.page_link("app_pages/convolution.py", label="Convolutional networks: the Convolutions page",
                    icon=":material/filter_alt:")


# One render function per step, by the key of its record in lab.lesson_steps.
RENDER: dict[str, Callable[[Here], None]] = {
    "neuron": neuron, "figure2": figure2, "patterns": patterns, "rescale": rescale, "merge": merge, "cones": cones,
    "program8": program8, "blocks": blocks, "dual": dual, "stuck": stuck, "sampled": sampled, "path": path,
    "gauge": gauge, "certificate": certificate, "beyond": beyond}


if __name__ == "__main__":          # Streamlit runs this file as the page (app.py: st.Page)
    render()
