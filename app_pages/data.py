"""Data: draw the data set every page uses (click the empty canvas to add a point)."""
import numpy as np
import streamlit as st

from cvxcore import exact_pattern_bound
from cvxcore.datasets import PRESETS
from lab import codec, state, ui
from lab import figures as F

st.title("Data")
ui.intro("Click anywhere on the canvas to add a point. For **1-D regression** a click places "
         "(x, y). For **2-D classification** it places a point (x₁, x₂) of the chosen class ±1. "
         "Clicking an existing point does nothing, so nothing moves by accident.")

ds = state.get_dataset()
ss = st.session_state
KINDS = {1: "1-D regression (x, y)", 2: "2-D classification (x₁, x₂), labels ±1"}


def _on_kind():
    state.set_dim(ss["_data_kind"])


# The controls in a column beside the canvas, so that on a projector (1280×720) the canvas is
# large and entirely visible without scrolling.  Classroom mode (lab.classroom) may hide the
# drawing controls, the bias toggle and the presets.
ss["_data_kind"] = ds.d
side, main = st.columns([1, 2.2], gap="medium")
with side:
    if state.show("draw"):
        st.radio("kind of data", (1, 2), format_func=KINDS.get, key="_data_kind", on_change=_on_kind,
                 help="Switching the kind starts an empty data set (Undo brings the old one back).")
        if ds.d == 2:
            ui.class_picker()
        b1, b2 = st.columns(2)
        if b1.button("Undo", icon=":material/undo:", disabled=not state.can_undo(), width="stretch"):
            state.undo()
            st.rerun()
        if b2.button("Clear", icon=":material/delete:", disabled=ds.n == 0, width="stretch"):
            state.clear()
            st.rerun()
    state.widget("bias", True, st.toggle, "bias",
                 help="Append a column of ones to X, so each neuron is (u₁x + u₂)₊: a hinge anywhere, "
                      "not only at 0.")
    if state.show("presets"):
        st.markdown("**Presets**")
        names = list(PRESETS.items())
        for row in range(0, len(names), 2):
            cols = st.columns(2)
            for col, (name, p) in zip(cols, names[row:row + 2]):
                if col.button(p.label, key=f"_preset_{name}", help=p.help, width="stretch"):
                    state.load_preset(name)
                    st.rerun()

# ----------------------------------------------------------------------------- canvas
with main:
    ui.click_error()
ds = state.get_dataset()
fig = F.data_canvas(ds.X, ds.y, ds.d, height=F.CANVAS_HEIGHT)
ui.clickable_chart(fig, "_canvas", container=main)

# ----------------------------------------------------------------------------- summary and checks
n = ds.n
X = state.design_matrix(ds)
msg = [f"**n = {n}** points" + (f", d = {X.shape[1]} columns of X ({'with' if ds.bias else 'no'} bias)" if n else "")]
if n:
    msg.append(f"at most **{exact_pattern_bound(X):,}** activation patterns (Cover's count)")
with side:
    st.markdown("; ".join(msg) + ".")
    if n == 0:
        st.info("The data set is empty: click the canvas or load a preset.")
    elif n == 1:
        st.info("One point: the optimal network has at most one neuron (none when β is large). Add more points to see more.")
    if n and ds.d == 2 and len(np.unique(ds.y)) == 1:
        st.warning("All points are in one class: the classifier has nothing to separate. Add a point of the other class.")
    if n > 1:
        _, counts = np.unique(ds.X, axis=0, return_counts=True)
        if (counts > 1).any():
            st.warning(f"{int((counts - 1).sum())} point(s) repeat an earlier position; "
                       "they count twice in the loss but add no hyperplane.")
    if n and not ds.bias:
        ui.caption("Without a bias every neuron's hyperplane passes through the origin.")

# ----------------------------------------------------------------------------- files
_UPLOAD_N = "_upload_n"        # the uploader's key counter: a fresh (empty) uploader after an import
_UPLOAD_SEEN = "_upload_seen"  # (file_id, message) of the last file read: each file is read once


def _read_upload():
    """Read a newly chosen file once (on_change): import it, or keep its message and the data."""
    f = ss.get(f"_upload_{ss.get(_UPLOAD_N, 0)}")
    if f is None:
        ss.pop(_UPLOAD_SEEN, None)
        return
    n_read, err = state.import_csv(f.getvalue())
    if err:
        ss[_UPLOAD_SEEN] = (f.file_id, err)
        return
    ss.pop(_UPLOAD_SEEN, None)
    ss["_upload_ok"] = f"Loaded {n_read} points from {f.name}. **Undo** brings the previous data set back."
    ss[_UPLOAD_N] = ss.get(_UPLOAD_N, 0) + 1      # a fresh uploader: the file is not imported again


if state.show("io"):
    st.subheader("Save and load")
    f1, f2 = st.columns([3, 2])
    up = f1.file_uploader("Upload a data set (CSV)", type=["csv", "txt"],
                          key=f"_upload_{ss.get(_UPLOAD_N, 0)}", on_change=_read_upload,
                          max_upload_size=1,       # MB; lab.codec then caps it at MAX_CSV_BYTES, with a message
                          help="Replaces the current data set (Undo brings it back). Format below.")
    seen = ss.get(_UPLOAD_SEEN)
    if up is not None and seen and seen[0] == up.file_id:
        f1.error(seen[1])
    if ss.get("_upload_ok"):
        f1.success(ss.pop("_upload_ok"))
    f2.download_button("Download this data set (CSV)", codec.to_csv(state.get_dataset()),
                       file_name=f"convex-relu-lab-{'1d' if ds.d == 1 else '2d'}-{n}.csv", mime="text/csv",
                       icon=":material/download:", on_click="ignore", disabled=n == 0, width="stretch")
    ui.caption("The file holds the points and targets; the bias toggle is in the link, not the file.", f2)
    with st.expander("CSV format"):
        st.code(codec.CSV_FORMAT, language=None)
