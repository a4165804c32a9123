"""Small Streamlit helpers shared by the pages and app.py.

* :func:`chart`: one look for every plotly chart, and its text alternative for a screen reader
  (``alt``, by default :func:`alt_text`); :func:`table`: a table of records.
* :func:`stop` replaces ``st.stop`` in pages.
* Classroom mode (TensorFlow Playground's "hide controls"): :func:`prose` and :func:`caption`
  draw explanatory text unless ``prose`` is hidden, :func:`intro` a page's opening paragraph
  (folded into "About this page"); :func:`classroom_chrome` injects :func:`lab.classroom.css`
  (the projector layout, always), :data:`lab.classroom.A11Y_SCRIPT` (keyboard access) and
  the bar at the top right of the page (the "Classroom" popover with the choice of what to
  hide, and "Exit" when the sidebar is hidden); :func:`classroom_sidebar` holds the toggle.
* Share and save: :func:`read_link_once` applies the address's query parameters on a
  session's first run and after Back/Forward; :func:`sync_url` writes the state
  (:func:`lab.codec.encode_query`) back into the address bar; :func:`share_sidebar` reserves the
  box with the link to copy and :func:`finish_run` fills it after the page.  The state lives in
  :mod:`lab.state`, not in widgets bound to the URL: the values are shared across pages.
"""
from __future__ import annotations

import re
from typing import Any, NoReturn

import numpy as np
import pyarrow as pa
import streamlit as st

from lab import classroom, codec, internals, state

Container = Any          # where an element goes: st, st.sidebar, a column, a container, a popover …
CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}



def chart(fig: Any, container: Container | None = None, *, alt: str | None = None, **kw: Any) -> Any:
    """``plotly_chart`` with the figure's own projector-sized template (not Streamlit's theme), and
    ``alt``, its text alternative for a screen reader: one sentence saying what it shows, with the
    key numbers (by default :func:`alt_text`, from the figure's titles and legend)."""
    kw.setdefault("config", CONFIG)
    kw.setdefault("theme", None)
    return (container or st).plotly_chart(fig, alt=alt or alt_text(fig), **kw)


def _text(t: Any) -> str:
    """The plain text of a plotly title (a dict, a title object or a string), '' when none."""
    if isinstance(t, dict):
        t = t.get("text")
    else:
        t = getattr(t, "text", t)
    return re.sub(r"<[^>]+>", " ", str(t or "")).strip()


def alt_text(fig: Any) -> str:
    """A one-sentence description of a plotly figure from its own words: its title, what it draws
    (the legend's names) and its axes, e.g. "Chart: p*(β); shows: p*, m*; axes: β against p*." """
    lay = fig.layout
    title = _text(lay.title)
    names = list(dict.fromkeys(n for t in fig.data if (n := getattr(t, "name", None)) and n != "click to add"))
    xt, yt = _text(lay.xaxis.title), _text(lay.yaxis.title)
    if not (xt or yt):                       # a 3-D figure
        xt, yt = _text(lay.scene.xaxis.title), _text(lay.scene.yaxis.title)
    axes = [f"{yt or 'value'} against {xt or 'position'}"] if xt or yt else []
    parts = [f"Chart{': ' + title if title else ''}"]
    if names:
        parts.append("shows " + ", ".join(names[:8]))
    if axes:
        parts.append("axes: " + axes[0])
    return "; ".join(parts) + "."


def table(rows: list[dict], container: Container | None = None, **kw: Any) -> Any:
    """``st.dataframe`` of records (one dict per row), handed over as an Arrow table, the
    format Streamlit sends: 0.5 ms a table instead of 11 ms for the records themselves
    (pandas type inference and conversion); the Convex page draws two on every run."""
    try:
        data = pa.table({k: [r.get(k) for r in rows] for k in (rows[0] if rows else {})})
    except (pa.ArrowException, TypeError):     # a column of mixed types: let Streamlit convert
        data = rows
    return (container or st).dataframe(data, **kw)


# ----------------------------------------------------------------------------- click to add a point
def click_key(base: str) -> str:
    """The key of clickable chart ``base`` this run.  It changes after each click (:func:`renew`),
    so the chart is a fresh element whose selection (the click) is cleared."""
    return f"{base}_{state.counter(base)}"


def renew(base: str) -> None:
    """A fresh clickable chart ``base`` on the next run (its selection cleared)."""
    state.bump(base)


def clicked_points(base: str) -> list[dict]:
    """The points of the last click on clickable chart ``base`` (``curve_number``, ``x``, ``y``)."""
    ev = state.widget_value(click_key(base))
    if isinstance(ev, dict):
        return list((ev.get("selection") or {}).get("points", []))
    sel = getattr(ev, "selection", None)
    pts = sel.get("points", []) if isinstance(sel, dict) else getattr(sel, "points", None)
    return list(pts or [])


def add_clicked_point(base: str) -> None:
    """``on_select`` of a clickable chart (trace 0: :func:`lab.figures._click_grid`): add the
    clicked grid point to the data set, as (x, y) for 1-D data or as a point of the chosen class
    (setting ``draw_class``) for 2-D.  A click on a data point, or on the grid under one,
    does nothing: nothing moves by accident.  A refused point leaves a message in
    ``_click_error`` for :func:`click_error`."""
    from lab import figures as F  # plotly: imported by the pages that draw anyway
    grid = [p for p in clicked_points(base) if p.get("curve_number") == 0]
    if not grid:
        return
    p = grid[0]
    cur = state.get_dataset()
    here = np.array([p["x"], p["y"]])
    there = np.c_[cur.X[:, 0], cur.y] if cur.d == 1 else cur.X
    if there.size and np.min(np.max(np.abs(there - here), axis=1)) < F.GRID_STEP / 2:
        return
    if cur.d == 1:
        err = state.add_point([p["x"]], p["y"])
    else:
        err = state.add_point([p["x"], p["y"]], float(state.setting("draw_class", 1) or 1))
    state.flash("click_error", err)
    renew(base)


def click_error() -> None:
    """Show (once) why the last clicked point was refused."""
    msg = state.take_flash("click_error")
    if msg:
        st.warning(msg)


def class_picker(container: Container | None = None) -> None:
    """The class (±1) that a click adds to 2-D data (shared setting ``draw_class``)."""
    if state.setting("draw_class") not in (1, -1):
        state.set_setting("draw_class", 1)
    state.widget("draw_class", 1, (container or st).segmented_control, "class of the next point", (1, -1),
                 format_func=lambda v: "● +1 (blue)" if v == 1 else "■ −1 (orange)",
                 selection_mode="single", control="draw")


def clickable_chart(fig: Any, base: str, container: Container | None = None, *, alt: str | None = None) -> Any:
    """A chart whose clicks on empty canvas add points (trace 0: the click grid), under a key
    that :func:`add_clicked_point` renews after each point (``base``: one name per chart)."""
    return chart(fig, container, alt=alt, key=click_key(base), on_select=lambda: add_clicked_point(base),
                 selection_mode="points",
                 config={"displayModeBar": False, "scrollZoom": False, "doubleClick": False})


# ----------------------------------------------------------------------------- classroom mode
def prose(text: str, container: Container | None = None, **kw: Any) -> None:
    """``st.markdown(text)`` unless classroom mode hides the prose."""
    if state.show("prose"):
        (container or st).markdown(text, **kw)


def caption(text: str, container: Container | None = None, **kw: Any) -> None:
    """``st.caption(text)`` unless classroom mode hides the prose."""
    if state.show("prose"):
        (container or st).caption(text, **kw)


def intro(text: str, container: Container | None = None) -> None:
    """A page's opening explanation: as :func:`prose`, but folded into an "About this page"
    popover (beside the title, :func:`lab.page.header`), so that it does not push the page's main
    figure below the first screen of a projector."""
    if state.show("prose"):
        with (container or st).popover("About this page", icon=":material/description:",
                                       help="What this page shows and how to read it."):
            st.markdown(text)


def _exit_classroom() -> None:
    state.set_setting("classroom", False)


def _hide_chooser(container: Container) -> None:
    """The multiselect of what classroom mode hides (shared setting ``hide``)."""
    if state.setting("hide") is None:
        state.set_setting("hide", [c for c in classroom.CONTROLS if c in classroom.DEFAULT_HIDDEN])
    state.widget("hide", [], container.multiselect, "hide on the projector", list(classroom.CONTROLS),
                 format_func=lambda c: _SHORT.get(c, c),
                 help="Hidden controls keep their values (from the link or the default). "
                      "It is part of the link, so students can open the same view.")


def classroom_chrome() -> None:
    """Once per run, before the page: the CSS that hides Streamlit's chrome and, in classroom
    mode, a small bar pinned at the top right of the page: a "Classroom" popover with the choice
    of what to hide (reachable with the sidebar hidden) and, when the sidebar (with the classroom
    toggle) is hidden, a button to leave classroom mode."""
    cfg = state.classroom_settings()
    st.html(classroom.css(cfg) + classroom.A11Y_SCRIPT, unsafe_allow_javascript=True)
    if not cfg["classroom"]:
        return
    bar = st.container(key=classroom.BAR_KEY, horizontal=True, width="content", gap="small",
                       vertical_alignment="center")
    if not state.show("sidebar"):
        bar.button("Exit classroom mode", icon=":material/close_fullscreen:", type="tertiary",
                   key="_exit_classroom", on_click=_exit_classroom,
                   help="Show every control again (the sidebar has the classroom-mode settings).")
    with bar.popover("Classroom", icon=":material/tune:", type="tertiary",
                     help="What classroom mode hides on this page and the others."):
        _hide_chooser(st)


# Short names for the multiselect's chips (lab.classroom.CONTROLS has the long descriptions).
_SHORT = {"prose": "explanations", "sidebar": "sidebar", "toolbar": "toolbar", "presets": "presets",
          "draw": "drawing controls", "bias": "bias toggle", "beta": "β", "m": "width m", "loss": "loss",
          "lr": "learning rate", "steps": "steps", "trials": "trials", "batch": "batch size", "seed": "seed",
          "opt": "optimizer", "speed": "speed", "io": "share / save"}


def classroom_sidebar() -> None:
    """The classroom-mode toggle (in the sidebar); the choice of what to hide is in the
    "Classroom" popover at the top of the page (:func:`classroom_chrome`)."""
    sb = st.sidebar
    on = state.widget("classroom", False, sb.toggle, "Classroom mode",
                      help="For projection: hide the chosen controls and the explanations. "
                           "It is part of the link, so students can open the same view.")
    if on:
        sb.caption("Choose what to hide with **Classroom** at the top right of the page.")


# ----------------------------------------------------------------------------- share and save
def read_link_once(pages: dict[str, Any], current: str) -> None:
    """On a session's first run, and after Back/Forward: apply the address's query parameters
    (:func:`lab.state.load_link`).

    Messages (a bad token, a bad value) are kept and shown by :func:`show_link_messages`.  On a
    first run, a link whose ``page=`` names another page than the address's path opens that page
    (on Back/Forward the path decides).  Every state change writes the address (:func:`sync_url`,
    one browser-history entry each), so Back steps through earlier views.
    """
    first = not state.link_read()
    state.set_reconnected(internals.reconnected_widget_keys() if first else set())
    if not first and not internals.is_history_navigation():
        return
    state.mark_link_read()
    try:
        query = st.query_params.to_dict()
    except Exception:                            # an unreadable query string: as if empty
        query = {}
    if not query:
        return
    page, messages = state.load_link(query)
    if messages:
        state.set_link_messages(messages)
    if first and page is not None and page != current and page in pages:
        st.switch_page(pages[page])


def show_link_messages() -> None:
    """The messages about the link this session was opened with (a warning each), until a run of
    the page completes (:func:`finish_run`)."""
    for msg in state.link_messages():
        st.warning("The link: " + msg, icon=":material/link_off:")


def query(page: str) -> dict[str, str]:
    """The whole shareable state as query parameters (page, settings, data set when it fits)."""
    return codec.encode_query(state.get_dataset(), {"page": page, **state.settings()})


def sync_url(page: str | None = None) -> None:
    """Write the state into the address bar when it differs (so a copied address reproduces the view)."""
    page = page or state.current_page() or "data"
    q = query(page)
    if st.query_params.to_dict() != q:
        st.query_params.from_dict(q)
        if not q:
            st.query_params.clear()


def stop() -> NoReturn:
    """``st.stop()`` for pages: first :func:`finish_run` (nothing can be sent after ``st.stop``)."""
    finish_run()
    st.stop()


def share_sidebar(page: str) -> None:
    """Reserve the "Copy link" box in the sidebar (unless ``io`` is hidden); :func:`finish_run`
    fills it once the page has run, so the link holds any value the page changed."""
    state.set_share_slot((page, st.sidebar.container()) if state.show("io") else None)


def finish_run() -> None:
    """After the page (app.py, or :func:`stop`): write the address bar, fill the share box; the
    link's messages have been shown."""
    sync_url()
    state.set_link_messages([])
    slot = state.take_share_slot()
    if slot is None:
        return
    page, box = slot
    from lab import address
    ds = state.get_dataset()
    base, local_only = address.current(page)     # the network address, not localhost, when served to it
    url = codec.share_url(base, ds, {"page": page, **state.settings()})
    box.markdown("**Share this view**", help="The link holds the page, the data set and every setting; "
                 "opening it reproduces this view, on any computer that reaches this server.")
    box.code(url, language=None, wrap_lines=False)
    _, err = codec.encode_data(ds.X, ds.y, bool(ds.bias))
    if err:
        box.warning("The link carries the settings only: " + err)
    elif local_only:
        box.caption(local_only)
    else:
        box.caption("Point at the box: a copy button appears at its right.")
