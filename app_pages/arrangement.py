"""Hyperplane arrangement: the cells {u : D(u) = Dᵢ} of weight space and the patterns Dᵢ."""
import numpy as np
import streamlit as st

from lab import cached, state, ui
from lab import figures as F
from lab.geom import cell_direction, sectors_2d


st.title("Hyperplane arrangement")
ui.prose(r"""
A neuron with weights $u$ is active on the points with $x_i^\top u \ge 0$. Its **activation pattern** is
$D(u) = \mathrm{diag}(\mathbb{1}[Xu \ge 0])$. Each data point $x_i$ gives a hyperplane
$\{u : x_i^\top u = 0\}$ through the origin of weight space. Crossing it switches point $i$ on or off.
The hyperplanes cut weight space into **cells**; inside a cell the pattern does not change. These
cells $D_1, \dots, D_P$ are the blocks of the convex program (8).
""")

ds = state.get_dataset()
if ds.n == 0:
    st.info("The data set is empty. Add points on the **Data** page or load a preset there.")
    ui.stop()
X = state.design_matrix(ds)
d = X.shape[1]
sampled = False         # True when P below counts only sampled patterns (too many cells to list)


def _show_pattern(D: np.ndarray, i: int, P: int):
    bits = ", ".join("1" if b else "0" for b in D)
    st.markdown(f"**Cell {i} of {P}**: {int(D.sum())} of {D.size} points active.")
    if D.size <= 24:
        st.latex(rf"D_{{{i}}} = \mathrm{{diag}}({bits})")
    else:
        st.code("diag(" + "".join("1" if b else "0" for b in D) + ")", language=None)


if d == 1:
    st.info("With one column (1-D data, no bias) each hyperplane is the point u = 0: only two cells, "
            "u > 0 and u < 0. Turn the **bias** on (Data page) to see a real arrangement.")
    ui.stop()

if d == 2:
    dirs, pats = sectors_2d(X)
    P = len(dirs)
    i = st.slider("pick a cell i (cells numbered by angle)", 1, P, min(st.session_state.get("_arr_cell2", 1), P),
                  key="_arr_cell2")
    u = dirs[i - 1]
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("**Weight space** $u = (u_1, u_2)$" + (" (u₂ multiplies the bias)" if ds.bias else ""))
        ui.chart(F.weight_plane(X, u, labels=("u₁", "u₂ (bias)" if ds.bias else "u₂")), key="_arr_plane")
        ui.caption("Each black line is {u : xᵢᵀu = 0}. The shaded sector is the cell of the chosen u.")
    with c2:
        if ds.d == 1:
            st.markdown(r"**The same neuron on the data**: $(u_1 x + u_2)_+$")
            ui.chart(F.ramp_view_1d(ds.X[:, 0], ds.y, u), key="_arr_ramp")
            ui.caption("Filled points are active (dᵢ = 1): the ramp is positive there.")
        else:
            st.markdown(r"**The same neuron in the input plane**: the line $u_1x_1 + u_2x_2 = 0$")
            ui.chart(F.input_plane(ds.X, ds.y, np.r_[u, 0.0]), key="_arr_input")
            ui.caption("Filled points are on the shaded (positive) side: the pattern Dᵢ.")
        _show_pattern(pats[i - 1], i, P)
else:
    method, bound, _ = cached.plan_patterns(X)
    sampled = bound > cached.ARRANGEMENT_BUDGET
    if sampled:
        pats, err = cached.patterns(X, "sample", cached.ARRANGEMENT_BUDGET, 0)
        st.warning(f"These points have up to {bound:,} cells; shown are the {len(pats):,} distinct patterns "
                   f"of {cached.ARRANGEMENT_BUDGET:,} random directions (Remark 3.3).")
    else:
        pats, err = cached.patterns(X)
    if err:
        st.error(err)
        ui.stop()
    pats = pats[np.lexsort((np.arange(len(pats)), pats.sum(axis=1)))]   # by number of active points
    P = len(pats)
    i = st.slider("pick a cell i (cells ordered by how many points they switch on)", 1, P,
                  min(st.session_state.get("_arr_cell3", (P + 1) // 2), P), key="_arr_cell3")
    u, margin = cell_direction(X, pats[i - 1])
    c1, c2 = st.columns(2)
    with c1:
        st.markdown(r"**Weight space** $u \in \mathbb{R}^3$ on the unit sphere")
        ui.chart(F.sphere_arrangement(X, u), key="_arr_sphere")
        ui.caption("Each hyperplane xᵢᵀu = 0 meets the sphere in a great circle. Green: the chosen u; blue: "
                   "its cell (tiny when there are many cells). Drag to rotate, scroll to zoom.")
    with c2:
        st.markdown(r"**Dual view**: the neuron $u$ is the line $u_1x_1 + u_2x_2 + u_3 = 0$")
        ui.chart(F.input_plane(ds.X, ds.y, u), key="_arr_input3")
        ui.caption("A pattern is the set of points on the positive (shaded) side of some line: filled points.")
        _show_pattern(pats[i - 1], i, P)
        if margin <= 1e-9:
            st.caption("This cell has no interior (a degenerate pattern of repeated or collinear points).")

# ----------------------------------------------------------------------------- counts
st.subheader("How many cells? P against Cover's count")
ui.prose(r"For $r = \mathrm{rank}(X)$: $P \le 2\sum_{k=0}^{r-1}\binom{n-1}{k} \le 2r\,(e(n-1)/r)^r$, "
            r"with equality on the left for points in general position. So $P$ grows like $n^{r-1}$ "
            r"(the paper's bound, like $n^r$): polynomially in $n$, and (8) has polynomial size for fixed $r$.")
kind = "1d" if ds.d == 1 else "2d"
curve = cached.count_curve(kind, int(min(max(40, ds.n), 80)))
ui.chart(F.pattern_counts(curve["n"], curve["P"], curve["cover"], curve["bound"],
                                 current=(ds.n, P) if ds.bias and not sampled else None), key="_arr_counts")
if not ds.bias:
    ui.caption("Curves for random points with bias; turn the bias on to place your data on them.")
elif sampled:       # P is only the number of sampled patterns, a lower bound: no star
    ui.caption(f"Random 2-D points with bias (r = 3). Your n = {ds.n} points have up to {bound:,} cells; "
               f"sampling found {P:,} of them, so they are not drawn.")
else:
    ui.caption(f"Random {'1-D' if kind == '1d' else '2-D'} points with bias (r = {2 if kind == '1d' else 3}). "
               f"Star: your data, n = {ds.n}, P = {P}.")
