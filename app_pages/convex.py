"""Convex program: solve (8) exactly for the drawn data; the optimal network it gives."""
import numpy as np
import streamlit as st

from cvxcore import predict, with_bias
from lab import cached, codec, state, ui
from lab import figures as F

st.title("Convex program (8): the global optimum")
ui.intro(r"""
Program (8) has one pair of blocks $(v_i, w_i)$ per activation pattern $D_i$. It is convex, so a
solver finds its global minimum $p^*$, and Theorem 1 says that this is also the best value of the
non-convex training problem (2) over networks of any width $m \ge m^*$. Each nonzero block is one
neuron of an optimal network: $v_i$ gives $\alpha > 0$, $w_i$ gives $\alpha < 0$.
""")

# The controls and the numbers in a column beside the figure, so that on a projector
# (1280×720) the figure is entirely visible without scrolling.
ds = state.get_dataset()
side, main = st.columns([1, 2], gap="medium")
with side:
    loss = state.loss_select()
    beta = state.beta_slider(beta_max=state.data_beta_max(ds, loss))

if ds.n == 0:
    st.info("The data set is empty. Add points on the **Data** page or load a preset there.")
    ui.stop()

X = state.design_matrix(ds)
res, note, err = cached.solve_warm(X, ds.y, beta, loss)
if err:
    st.error(err)
    ui.stop()

exact = res.exact_patterns
with side:
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
vn, wn = res.block_norms()         # of the returned minimal network: every nonzero block is a neuron

# ----------------------------------------------------------------------------- the fit
# A click on the plot adds a point (as on the Data page) and the optimum is solved again at
# once, warm-started from this one; classroom mode's "draw" hides this with the Data page's tools.
draw = state.show("draw")
with side:
    show = st.toggle("show each neuron", value=True, key="_cvx_show_neurons")
    if draw:
        if ds.d == 2:
            ui.class_picker()
        if st.button("Undo", icon=":material/undo:", disabled=not state.can_undo(), key="_cvx_undo",
                     width="stretch", help="Take back the last change to the data set (a clicked point, a preset, …)."):
            state.undo()
            st.rerun()
with main:
    ui.click_error()
if ds.d == 1:
    xs = np.linspace(*F.CANVAS_1D[0], 401)
    Xs = with_bias(xs[:, None]) if ds.bias else xs[:, None]
    fig = F.fit_1d(ds.X[:, 0], ds.y, xs, {"optimal network f(x)": predict(Xs, res.U, res.alpha)},
                   U=res.U, alpha=res.alpha, bias=ds.bias, show_neurons=show, clickable=draw,
                   height=F.CANVAS_HEIGHT)
    cap = ("Black: the optimal network f(x) = Σⱼ αⱼ(uⱼᵀx)₊. Thin lines: each neuron's contribution "
           "αⱼ(uⱼᵀx)₊ (green α > 0, purple dashed α < 0), with its kink as a dotted vertical line.")
else:
    g = np.linspace(*F.CANVAS_2D[0], 81)
    G = np.c_[np.tile(g, g.size), np.repeat(g, g.size)]
    Gx = with_bias(G) if ds.bias else G
    Fv = predict(Gx, res.U, res.alpha).reshape(g.size, g.size)
    fig = F.decision_2d(ds.X, ds.y, g, g, Fv, U=res.U, alpha=res.alpha, bias=ds.bias, show_neurons=show,
                        height=F.CANVAS_HEIGHT, clickable=draw, legend="compact")
    cap = ("Colour: the sign of f(x) (blue +1, orange −1); black: the decision boundary f(x) = 0. "
           f"Each neuron is the line uⱼᵀ{'[x; 1]' if ds.bias else 'x'} = 0 where its ReLU switches on "
           "(green α > 0, purple dashed α < 0).")
if draw:
    ui.clickable_chart(fig, "_cvx_fit", container=main)
    cap += " **Click the plot to add a point** there: the optimum is solved again for the new data."
else:
    ui.chart(fig, container=main, key="_cvx_fit")
ui.caption(cap, main)
if note:
    st.warning(note)
if res.status != "optimal":
    st.warning(f"Solver status: {res.status}.")

# ----------------------------------------------------------------------------- group sparsity
st.subheader("Group sparsity: which patterns are used")
ui.prose(r"The penalty $\beta\sum_i(\|v_i\| + \|w_i\|)$ sets most blocks to exactly zero. "
         r"Each stem is one pattern $D_i$ (grey: zero blocks); only the nonzero ones become neurons.")
ui.chart(F.group_norms(vn, wn, tol=0.0), key="_cvx_groups")

if res.m_star:
    # One row per neuron (a cell with both vᵢ and wᵢ nonzero gives two), so the table has m* rows.
    rows = [{"neuron j": j + 1, "pattern i": int(c + 1),
             "Dᵢ (1 = point active)": "".join("1" if b else "0" for b in res.active_patterns[j]),
             "block": "vᵢ (α > 0)" if a > 0 else "wᵢ (α < 0)",
             "block norm": float(f"{(vn if a > 0 else wn)[c]:.4g}")}     # 4 digits, not 4 decimals
            for j, (c, a) in enumerate(zip(res.neuron_cells, res.alpha))]
    n_cells = np.unique(res.neuron_cells).size
    st.write(f"**Active patterns**: the m* = {res.m_star} neurons use {n_cells} of the {res.n_patterns} patterns.")
    ui.table(rows, hide_index=True, width="stretch")
else:
    st.info(f"No block is nonzero: at β = {beta:g} the optimum is the zero network (β is too large). "
            "Move β to the left.")
with st.expander("The optimal neurons (uⱼ, αⱼ)"):
    cols = [f"u{j + 1}" for j in range(X.shape[1] - int(ds.bias))] + (["u (bias)"] if ds.bias else [])
    ui.table([{**{c: float(f"{v:.4g}") for c, v in zip(cols, u)}, "α": float(f"{a:.4g}")}
              for u, a in zip(res.U, res.alpha)], hide_index=True)

# ----------------------------------------------------------------------------- save
if state.show("io"):
    st.download_button(
        "Download the solution (JSON)",
        codec.solution_json(res, settings={"page": "convex", **state.settings()}, dataset=state.get_dataset()),
        file_name=f"convex-relu-lab-solution-beta{beta:g}-{loss}.json", mime="application/json",
        icon=":material/download:", on_click="ignore",
        help="p*, the neurons (uⱼ, αⱼ), m*, the certified gap, the settings and the data set.")
