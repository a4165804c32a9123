"""Data: draw the data set every page uses (click the empty canvas to add a point)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

from cvxcore import exact_pattern_bound
from cvxcore.datasets import PRESETS
from lab import codec, state, ui
from lab import figures as F
from lab import page as P
from lab.codec import Dataset

INTRO = ("Click anywhere on the canvas to add a point. For **1-D regression** a click places "
         "(x, y). For **2-D classification** it places a point (x₁, x₂) of the chosen class ±1. "
         "Clicking an existing point does nothing, so nothing moves by accident.")
KINDS = {1: "1-D regression (x, y)", 2: "2-D classification (x₁, x₂), labels ±1"}
UPLOADS = "upload"             # the counter that renews the uploader's key after an import (lab.state)


@P.guarded
def render() -> None:
    P.header("Data", INTRO, fold=True)
    ds = state.get_dataset()
    # The controls in a column beside the canvas, so that on a projector (1280×720) the canvas is
    # large and entirely visible without scrolling.  Classroom mode (lab.classroom) may hide the
    # drawing controls, the bias toggle and the presets.
    side, main = P.side_and_main(2.2)
    with side:
        _controls(ds)
    with main:
        ui.click_error()
    ds = state.get_dataset()
    alt = (f"Chart: the drawing canvas with the {ds.n} data points of the {KINDS[ds.d].split(' (')[0]} data set; "
           "click an empty place to add a point.")
    ui.clickable_chart(F.data_canvas(ds.X, ds.y, ds.d, height=F.CANVAS_HEIGHT), "_canvas", container=main, alt=alt)
    with side:
        _summary(ds)
    if state.show("io"):
        _files(ds)


def _on_kind() -> None:
    state.set_dim(state.widget_value("_data_kind"))


def _controls(ds: Dataset) -> None:
    """The kind of data, the class of the next point, Undo, Clear, the bias and the presets."""
    state.set_widget_value("_data_kind", ds.d)
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


def summary(ds: Dataset) -> tuple[str, list[tuple[str, str]]]:
    """The line about the data set (n, the columns of X, Cover's count) and the remarks on it,
    each ``(kind, text)`` with kind "info", "warning" or "caption"."""
    n = ds.n
    X = state.design_matrix(ds)
    msg = [f"**n = {n}** points" + (f", d = {X.shape[1]} columns of X ({'with' if ds.bias else 'no'} bias)"
                                    if n else "")]
    if n:
        msg.append(f"at most **{exact_pattern_bound(X):,}** activation patterns (Cover's count)")
    notes: list[tuple[str, str]] = []
    if n == 0:
        notes.append(("info", "The data set is empty: click the canvas or load a preset."))
    elif n == 1:
        notes.append(("info", "One point: the optimal network has at most one neuron (none when β is large). "
                              "Add more points to see more."))
    if n and ds.d == 2 and len(np.unique(ds.y)) == 1:
        notes.append(("warning", "All points are in one class: the classifier has nothing to separate. "
                                 "Add a point of the other class."))
    if n > 1:
        _, counts = np.unique(ds.X, axis=0, return_counts=True)
        if (counts > 1).any():
            notes.append(("warning", f"{int((counts - 1).sum())} point(s) repeat an earlier position; "
                                     "they count twice in the loss but add no hyperplane."))
    if n and not ds.bias:
        notes.append(("caption", "Without a bias every neuron's hyperplane passes through the origin."))
    return "; ".join(msg) + ".", notes


def _summary(ds: Dataset) -> None:
    line, notes = summary(ds)
    st.markdown(line)
    show: dict[str, Callable[[str], Any]] = {"info": st.info, "warning": st.warning, "caption": ui.caption}
    for kind, text in notes:
        show[kind](text)


def _upload_key() -> str:
    return f"_upload_{state.counter(UPLOADS)}"


def _read_upload() -> None:
    """Read a newly chosen file once (on_change): import it, or keep its message and the data."""
    f = state.widget_value(_upload_key())
    if f is None:
        state.set_upload_seen(None)
        return
    n_read, err = state.import_csv(f.getvalue())
    if err:
        state.set_upload_seen((f.file_id, err))
        return
    state.set_upload_seen(None)
    state.flash("upload_ok", f"Loaded {n_read} points from {f.name}. **Undo** brings the previous data set back.")
    state.bump(UPLOADS)                 # a fresh uploader: the file is not imported again


def _files(ds: Dataset) -> None:
    """Upload a CSV file, download the data set as CSV, and the format."""
    st.subheader("Save and load")
    f1, f2 = st.columns([3, 2])
    up: Any = f1.file_uploader("Upload a data set (CSV)", type=["csv", "txt"], key=_upload_key(),
                               on_change=_read_upload,
                               max_upload_size=1,       # MB; lab.codec then caps it at MAX_CSV_BYTES, with a message
                               help="Replaces the current data set (Undo brings it back). Format below.")
    seen = state.upload_seen()
    if up is not None and seen and seen[0] == up.file_id:
        f1.error(seen[1])
    ok = state.take_flash("upload_ok")
    if ok:
        f1.success(ok)
    f2.download_button("Download this data set (CSV)", codec.to_csv(state.get_dataset()),
                       file_name=f"convex-relu-lab-{'1d' if ds.d == 1 else '2d'}-{ds.n}.csv", mime="text/csv",
                       icon=":material/download:", on_click="ignore", disabled=ds.n == 0, width="stretch")
    ui.caption("The file holds the points and targets; the bias toggle is in the link, not the file.", f2)
    with st.expander("CSV format"):
        st.code(codec.CSV_FORMAT, language=None)


if __name__ == "__main__":          # Streamlit runs this file as the page (app.py: st.Page)
    render()
