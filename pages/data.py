"""Data: draw the data set every page uses (click the empty canvas to add a point)."""
import numpy as np
import streamlit as st

from cvxcore import exact_pattern_bound
from cvxcore.datasets import PRESETS
from lab import figures as F
from lab import state, ui

st.title("Data")
st.markdown("Click anywhere on the canvas to add a point. For **1-D regression** a click places "
            "(x, y). For **2-D classification** it places a point (x₁, x₂) of the chosen class ±1. "
            "Clicking an existing point does nothing, so nothing moves by accident.")

ds = state.get_dataset()
ss = st.session_state
KINDS = {1: "1-D regression (x, y)", 2: "2-D classification (x₁, x₂), labels ±1"}


def _on_kind():
    state.set_dim(ss["_data_kind"])


def _on_click():
    ev = ss.get(f"_canvas_{ss.get('_canvas_n', 0)}")
    pts = (ev or {}).get("selection", {}).get("points", []) if isinstance(ev, dict) else \
        getattr(getattr(ev, "selection", None), "points", []) or []
    grid = [p for p in pts if p.get("curve_number") == 0]
    if not grid:          # a click on an existing point: nothing happens
        return
    p = grid[0]
    cur = state.get_dataset()
    d = cur.d
    here = np.array([p["x"], p["y"]])
    there = np.c_[cur.X[:, 0], cur.y] if d == 1 else cur.X
    if there.size and np.min(np.max(np.abs(there - here), axis=1)) < F.GRID_STEP / 2:
        return            # a click on an existing point (the grid lies under it): nothing happens
    if d == 1:
        err = state.add_point([p["x"]], p["y"])
    else:
        err = state.add_point([p["x"], p["y"]], float(state.setting("draw_class", 1) or 1))
    ss["_click_error"] = err
    ss["_canvas_n"] = ss.get("_canvas_n", 0) + 1     # a fresh chart: the selection is cleared


# ----------------------------------------------------------------------------- controls
ss["_data_kind"] = ds.d
c1, c2, c3 = st.columns([2.2, 1.4, 2])
c1.radio("kind of data", (1, 2), format_func=KINDS.get, key="_data_kind", on_change=_on_kind,
         help="Switching the kind starts an empty data set (Undo brings the old one back).")
if ds.d == 2:
    if state.setting("draw_class") not in (1, -1):
        state.set_setting("draw_class", 1)
    state.widget("draw_class", 1, c2.segmented_control, "class of the next point", (1, -1),
                         format_func=lambda v: "● +1 (blue)" if v == 1 else "■ −1 (orange)",
                         selection_mode="single")
else:
    c2.markdown("&nbsp;")
b1, b2, b3 = c3.columns(3)
if b1.button("Undo", icon=":material/undo:", disabled=not state.can_undo(), width="stretch"):
    state.undo()
    st.rerun()
if b2.button("Clear", icon=":material/delete:", disabled=ds.n == 0, width="stretch"):
    state.clear()
    st.rerun()
state.widget("bias", True, b3.toggle, "bias",
          help="Append a column of ones to X, so each neuron is (u₁x + u₂)₊: a hinge anywhere, "
               "not only at 0.")

st.write("**Presets**")
cols = st.columns(len(PRESETS))
for col, (name, p) in zip(cols, PRESETS.items()):
    if col.button(p.label, key=f"_preset_{name}", help=p.help, width="stretch"):
        state.load_preset(name)
        st.rerun()

# ----------------------------------------------------------------------------- canvas
if ss.get("_click_error"):
    st.warning(ss.pop("_click_error"))
ds = state.get_dataset()
fig = F.data_canvas(ds.X, ds.y, ds.d)
ui.chart(fig, key=f"_canvas_{ss.get('_canvas_n', 0)}", on_select=_on_click, selection_mode="points",
                config={"displayModeBar": False, "scrollZoom": False, "doubleClick": False})

# ----------------------------------------------------------------------------- summary and checks
n = ds.n
X = state.design_matrix(ds)
msg = [f"**n = {n}** points" + (f", d = {X.shape[1]} columns of X ({'with' if ds.bias else 'no'} bias)" if n else "")]
if n:
    msg.append(f"at most **{exact_pattern_bound(X):,}** activation patterns (Cover's count)")
st.markdown("; ".join(msg) + ".")
if n == 0:
    st.info("The data set is empty: click the canvas or load a preset.")
elif n == 1:
    st.info("One point: the optimal network fits it with a single neuron. Add more points to see more.")
if n and ds.d == 2 and len(np.unique(ds.y)) == 1:
    st.warning("All points are in one class: the classifier has nothing to separate. Add a point of the other class.")
if n > 1:
    _, counts = np.unique(ds.X, axis=0, return_counts=True)
    if (counts > 1).any():
        st.warning(f"{int((counts - 1).sum())} point(s) repeat an earlier position; "
                   "they count twice in the loss but add no hyperplane.")
if n and not ds.bias:
    st.caption("Without a bias every neuron's hyperplane passes through the origin.")
