"""Share, save and classroom mode in the running app: AppTest through the real app.py.

* CSV upload: a good file replaces the data set (Undo brings the old one back) and is read once;
  every malformed file of tests/test_codec.py shows the codec's message and leaves the data alone.
* Downloads: the data set as CSV, the convex solution as JSON, the SGD traces as CSV (once runs exist).
* Classroom mode (``?classroom=1&hide=…``): prose and the chosen controls are not drawn, hidden
  controls keep the link's values (the solve uses them), "Exit classroom mode" brings them back.
* The share link in the sidebar decodes to the current state.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lab import classroom, codec, state
from tests.test_app_pages import _play_to_end
from tests.test_codec import MALFORMED

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 240
PAPER_X = [[-2.0], [-1.0], [0.0], [1.0], [2.0]]
PAPER_Y = [1.0, -1.0, 1.0, 1.0, -1.0]


def _app(query=None):
    """The app opened by a link with ``query`` (str → str); by default the Data page's
    (the bare address opens the Start page)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query or {"page": "data"})
    return at.run()


def _texts(at, kind):
    return " ".join(str(e.value) for e in getattr(at, kind))


def _data(at):
    ds = state.get_dataset(at.session_state)
    return ds.X, ds.y


def _uploader(at):
    ups = at.get("file_uploader")
    assert len(ups) == 1, "the Data page has one CSV uploader"
    return ups[0]


# ----------------------------------------------------------------------------- upload
def test_upload_good_csv_replaces_data_once_and_undo_restores():
    at = _app()
    assert not at.exception
    X0, y0 = _data(at)
    np.testing.assert_array_equal(X0, PAPER_X)                       # the default preset
    _uploader(at).set_value(("moons.csv", b"x1,x2,label\n0.5,1,1\n-1,0.25,-1\n2,-2,1\n", "text/csv"))
    at.run()
    assert not at.exception and not at.error
    X, y = _data(at)
    np.testing.assert_array_equal(X, [[0.5, 1.0], [-1.0, 0.25], [2.0, -2.0]])
    np.testing.assert_array_equal(y, [1.0, -1.0, 1.0])
    assert "Loaded 3 points from moons.csv" in _texts(at, "success")
    assert state.setting("loss", ss=at.session_state) == "hinge"                    # ±1 labels: the classification loss
    # the uploader is fresh (empty) after the import: a rerun does not import the file again
    assert not _uploader(at).value
    at.button(key="_preset_paper").click().run()
    at.run()
    np.testing.assert_array_equal(_data(at)[0], PAPER_X)
    at.button[0].click().run()                                       # Undo: back to the uploaded set
    np.testing.assert_array_equal(_data(at)[0], X)
    at.button[0].click().run()                                       # Undo: back to the paper's set
    np.testing.assert_array_equal(_data(at)[0], PAPER_X)
    assert not at.exception


@pytest.mark.parametrize("case", [c for c in MALFORMED if MALFORMED[c][0] is not None])
def test_upload_malformed_csv_shows_the_message_and_keeps_the_data(case):
    raw, needle = MALFORMED[case]
    at = _app()
    X0, y0 = _data(at)
    _uploader(at).set_value(("bad.csv", raw, "text/csv"))
    at.run()
    assert not at.exception
    err = _texts(at, "error")
    assert needle.lower() in err.lower() and "The current data set was kept." in err, err
    X, y = _data(at)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    at.run()                                                         # the message stays with its file
    assert needle.lower() in _texts(at, "error").lower()
    np.testing.assert_array_equal(_data(at)[0], X0)


def test_upload_1d_csv_sets_squared_loss_and_keeps_bias_toggle():
    tok, _ = codec.encode_data(PAPER_X, PAPER_Y, bias=False)
    at = _app({"loss": "hinge", "data": tok})
    _uploader(at).set_value(("r.csv", b"y,x\n0.3,1\n-2,2\n", "text/csv"))  # column order free
    at.run()
    X, y = _data(at)
    np.testing.assert_array_equal(X, [[1.0], [2.0]])
    np.testing.assert_array_equal(y, [0.3, -2.0])
    ss = at.session_state
    assert state.setting("loss", ss=ss) == "squared" and state.setting("bias", ss=ss) is False


# ----------------------------------------------------------------------------- downloads
def _downloads(at):
    return [b.label for b in at.get("download_button")]


def test_download_buttons_on_data_convex_and_sgd_pages():
    at = _app({"steps": "200", "trials": "2"})
    assert "Download this data set (CSV)" in _downloads(at)
    at.switch_page("app_pages/convex.py").run()
    assert "Download the solution (JSON)" in _downloads(at)
    at.switch_page("app_pages/sgd.py").run()
    assert not any("traces" in d for d in _downloads(at))             # no runs yet: nothing to save
    _play_to_end(at)
    assert not at.exception
    assert "Download the traces (CSV)" in _downloads(at)


# ----------------------------------------------------------------------------- classroom mode
CONVEX_PROSE = "Program (8) has one pair of blocks"


def test_classroom_default_hides_prose_and_io_keeps_sliders():
    at = _app({"page": "convex", "classroom": "1"})
    assert not at.exception
    assert CONVEX_PROSE not in _texts(at, "markdown")
    assert not _downloads(at)                                        # io hidden by default
    assert at.select_slider(key="beta") is not None                  # β stays
    css = " ".join(h.proto.body for h in at.get("html"))
    assert classroom.HIDING_RULES["sidebar"] in css                    # the sidebar is hidden …
    labels = [b.label for b in at.button]                            # … so the way out is on the page
    assert labels[0] == "Exit classroom mode" and set(labels[1:]) <= {"Undo"}   # (Undo: the plot takes clicks)
    at.button(key="_exit_classroom").click().run()
    assert CONVEX_PROSE in _texts(at, "markdown") and _downloads(at)
    assert state.setting("classroom", ss=at.session_state) is False
    assert "classroom" not in at.query_params


def test_classroom_hides_chosen_controls_and_keeps_their_link_values():
    q = {"page": "convex", "classroom": "1", "hide": "beta,loss", "beta": "1.0"}
    at = _app(q)
    assert not at.exception
    keys = {w.key for w in at.select_slider} | {w.key for w in at.selectbox}
    assert "beta" not in keys and "loss" not in keys                  # hidden
    assert CONVEX_PROSE in _texts(at, "markdown")                    # prose not chosen: shown
    assert classroom.HIDING_RULES["sidebar"] not in " ".join(h.proto.body for h in at.get("html"))
    p_hidden = {m.label: m.value for m in at.metric}["optimal value p*"]
    # the same link without classroom mode: the β slider shows 1.0 and p* is the same
    at2 = _app({"page": "convex", "beta": "1.0"})
    assert at2.select_slider(key="beta").value == 1.0
    assert {m.label: m.value for m in at2.metric}["optimal value p*"] == p_hidden
    assert p_hidden != {m.label: m.value for m in _app({"page": "convex"}).metric}["optimal value p*"]
    # the link keeps the choice
    assert at.query_params["classroom"] == "1" and at.query_params["hide"] == "beta,loss"


def test_classroom_on_sgd_and_data_pages():
    at = _app({"page": "sgd", "classroom": "1", "hide": "m,lr,steps,trials,batch,seed,opt,prose",
               "m": "3", "steps": "300"})
    assert not at.exception
    assert not at.slider and not at.get("number_input")
    assert "Here the non-convex objective" not in _texts(at, "markdown")
    assert "m = 3 < m\\* = 4" in _texts(at, "warning")                # the hidden m = 3 is used
    at = _app({"page": "data", "classroom": "1", "hide": "presets,draw,bias"})
    assert not at.exception
    assert not [b for b in at.button if (b.key or "").startswith("_preset_")]
    assert not at.radio and not [t for t in at.main.toggle if t.key == "bias"]
    assert "Click anywhere on the canvas" in _texts(at, "markdown")


def test_classroom_toggle_and_multiselect_in_the_sidebar():
    at = _app()
    at.toggle(key="classroom").set_value(True).run()
    assert at.query_params["classroom"] == "1" and "hide" not in at.query_params   # default set
    ms = at.multiselect(key="hide")
    assert set(ms.value) == {"prose", "sidebar", "toolbar", "io"}
    ms.set_value(["prose", "bias"]).run()
    assert at.query_params["hide"] == "prose,bias"
    assert not [t for t in at.toggle if t.key == "bias"]
    assert "Click anywhere on the canvas" not in _texts(at, "markdown")


# ----------------------------------------------------------------------------- share link
def test_share_link_in_sidebar_decodes_to_the_current_state():
    at = _app()
    at.switch_page("app_pages/convex.py").run()
    at.select_slider(key="beta").set_value(0.251).run()
    codes = [c.value for c in at.sidebar.code]
    assert len(codes) == 1
    from urllib.parse import parse_qs, urlsplit
    url = urlsplit(codes[0])
    ds, settings, msgs = codec.decode_query({k: v[-1] for k, v in parse_qs(url.query).items()})
    assert msgs == [] and settings["beta"] == 0.251 and settings["page"] == "convex"
    np.testing.assert_array_equal(ds.X, PAPER_X)
    np.testing.assert_array_equal(ds.y, PAPER_Y)
    assert dict(at.query_params) == {k: v[-1] for k, v in parse_qs(url.query).items()}


def test_a_data_set_too_long_for_the_link_says_download_csv(monkeypatch):
    monkeypatch.setattr(codec.token, "MAX_TOKEN_CHARS", 100)     # the paper's 5 points fit, the 40 moons not
    at = _app()
    assert "data" in at.query_params and not at.sidebar.warning
    at.button(key="_preset_moons").click().run()
    assert not at.exception
    warn = " ".join(w.value for w in at.sidebar.warning)
    assert "settings only" in warn and "download it as CSV instead" in warn
    assert "data" not in at.query_params and at.query_params["loss"] == "hinge"   # settings still shared
    assert "data=" not in at.sidebar.code[0].value


def test_convex_plot_takes_clicks_unless_drawing_is_hidden():
    """The Convex page's fit is a canvas too (trace 0: the click grid, Undo beside it); with
    classroom mode hiding "draw" it is a plain chart and the Undo button is gone."""
    import json

    def fit_spec(at):
        return json.loads(at.get("plotly_chart")[0].proto.spec)

    at = _app({"page": "convex"})
    assert fit_spec(at)["data"][0]["name"] == "click to add"
    assert "Undo" in [b.label for b in at.button]
    at = _app({"page": "convex", "classroom": "1", "hide": "draw"})
    assert not at.exception
    assert all(t.get("name") != "click to add" for t in fit_spec(at)["data"])
    assert "Undo" not in [b.label for b in at.button]


@pytest.mark.parametrize("dim", [1, 2])
def test_a_click_on_the_grid_adds_a_point_and_a_click_on_data_does_not(tmp_path, dim):
    """lab.ui.add_clicked_point, the on_select of every clickable chart, with the selection
    Streamlit reports: grid point → one point added (2-D: of the chosen class) and a fresh chart
    key; a data point (curve 1) or the grid under one → nothing."""
    script = tmp_path / "click.py"
    script.write_text(
        f"import sys\nsys.path.insert(0, {str(Path(APP).parent)!r})\n"
        "import streamlit as st\nfrom lab import state, ui\n"
        f"state.set_data([[0.5] * {dim}], [1.0])\n"
        "state.set_setting('draw_class', -1)\n"
        "def click(curve, x, y):\n"
        "    state.set_widget_value(ui.click_key('_fit'),\n"
        "                           {'selection': {'points': [{'curve_number': curve, 'x': x, 'y': y}]}})\n"
        "    ui.add_clicked_point('_fit')\n"
        "click(0, -1.2, 2.0)\n"            # empty canvas: added
        "click(1, 0.5, 1.0)\n"             # a data point: nothing
        "click(0, -1.2, 2.0)\n"            # the grid under the new point: nothing
        "ds = state.get_dataset()\n"
        "st.session_state['out'] = (ds.X.tolist(), ds.y.tolist(), ui.click_key('_fit'))\n")
    at = AppTest.from_file(str(script), default_timeout=60).run()
    assert not at.exception, at.exception
    X, y, key = at.session_state["out"]
    if dim == 1:
        assert X == [[0.5], [-1.2]] and y == [1.0, 2.0]
    else:
        assert X == [[0.5, 0.5], [-1.2, 2.0]] and y == [1.0, -1.0]
    assert key == "_fit_1"
