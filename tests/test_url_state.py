"""URL round-trip through the real app: AppTest with ``query_params``.

What it checks:

* a link with a data token and settings reproduces the data set, the bias and the settings;
* garbage in the link is reported (a toast or warning naming the parameter), never an exception;
* after a run the app writes the state back: decoding the new query gives the same data set;
* every setting and the page round-trip; a widget change reaches the address; out-of-range
  values are clamped and reported; absent settings keep the pages' own defaults.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lab import codec, state

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"


def _app(query: dict):
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(APP), default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def _setting(at, name):
    """A shared setting, as lab.state keeps it."""
    return state.setting(name, ss=at.session_state)


def _messages(at) -> list[str]:
    return [str(e.value) for kind in ("toast", "warning", "info", "error") for e in getattr(at, kind)]


def test_link_reproduces_data_and_settings():
    ds = codec.Dataset(np.array([[-1.0, 0.5], [2.0, -0.25], [0.3, 0.3]]), np.array([1.0, -1.0, 1.0]), False)
    q = codec.encode_query(ds, {"beta": 1.0, "loss": "logistic"})
    at = _app(q)
    assert not at.exception
    data = state.get_dataset(at.session_state)
    np.testing.assert_array_equal(data.X, ds.X)
    np.testing.assert_array_equal(data.y, ds.y)
    assert _setting(at, "bias") is False
    assert _setting(at, "loss") == "logistic"
    back, settings, msgs = codec.decode_query(dict(at.query_params))
    assert msgs == [] and back is not None
    np.testing.assert_array_equal(back.X, ds.X)
    assert back.bias is False and settings["loss"] == "logistic"


@pytest.mark.parametrize("query,name", [
    ({"data": "v1.not-a-token"}, "data"),
    ({"beta": "banana"}, "beta"),
    ({"m": "-4"}, "m"),
    ({"loss": "mse"}, "loss"),
])
def test_link_garbage_is_reported_not_raised(query, name):
    at = _app(query)
    assert not at.exception
    assert any(name in m for m in _messages(at)), _messages(at)


def test_every_setting_round_trips_through_a_link():
    """All of β, m, loss, lr, steps, trials, batch, seed, opt and the page arrive in the widgets,
    and the address the app writes back decodes to the same values."""
    ds = codec.Dataset(np.array([[-2.0], [-1.0], [0.0], [1.0], [2.0], [2.5]]),
                       np.array([1.0, -1.0, 1.0, 1.0, -1.0, 0.5]), True)
    want = {"page": "sgd", "beta": 0.251, "m": 20, "loss": "squared", "lr": 0.00316, "steps": 3000,
            "trials": 3, "batch": 2, "seed": 7, "opt": "adam"}
    at = _app(codec.encode_query(ds, want))
    assert not at.exception
    assert at.title[0].value == "SGD against the global optimum"          # the link's page
    assert at.select_slider(key="beta").value == 0.251
    assert at.slider(key="m").value == 20 and at.slider(key="trials").value == 3
    assert at.slider(key="steps").value == 3000
    assert at.select_slider(key="lr").value == 0.00316
    assert at.selectbox(key="batch").value == 2 and at.selectbox(key="opt").value == "adam"
    assert at.selectbox(key="loss").value == "squared" and at.number_input(key="seed").value == 7
    back, settings, msgs = codec.decode_query(dict(at.query_params))
    assert msgs == []
    assert {k: settings[k] for k in want} == want
    np.testing.assert_array_equal(back.y, ds.y)


def test_a_widget_change_is_written_to_the_address():
    at = _app({"page": "convex"})
    assert at.query_params["page"] == "convex"
    at.select_slider(key="beta").set_value(0.631).run()
    assert at.query_params["beta"] == "0.631"
    at.switch_page("app_pages/data.py").run()
    at.button(key="_preset_moons").click().run()
    ds, settings, _ = codec.decode_query(dict(at.query_params))
    assert settings["page"] == "data" and settings["beta"] == 0.631 and ds.n == 40 and ds.d == 2
    at.toggle(key="bias").set_value(False).run()
    assert codec.decode_query(dict(at.query_params))[0].bias is False


def test_values_out_of_range_are_clamped_and_reported():
    at = _app({"page": "sgd", "m": "5000", "steps": "0"})
    assert not at.exception
    text = " ".join(_messages(at))
    assert "m='5000'" in text and "steps='0'" in text
    assert at.slider(key="m").value == 200          # PARAMS clamps to 1000, the slider's range to 200
    assert at.query_params["m"] == "200"
    assert "m=200" in at.sidebar.code[0].value     # the copy-link box too, though the page stopped early


def test_link_without_settings_keeps_the_page_defaults():
    ds = codec.Dataset(np.array([[0.5], [1.5]]), np.array([0.25, -1.0]), True)
    at = _app({"data": codec.encode_data(ds.X, ds.y, True)[0], "page": "sgd"})
    assert not at.exception and not [m for m in _messages(at) if "link" in m]
    assert at.slider(key="m").value == 8            # the page's default, not PARAMS["m"].default = 50
    assert at.selectbox(key="loss").value == "squared"


@pytest.mark.parametrize("query", [
    {"page": "nowhere"}, {"classroom": "maybe"}, {"hide": "prose,bogus"}, {"batch": "1e400"},
    {"data": "v9.abc"}, {"data": "v1." + "A" * 9000}, {"opt": ""}, {"seed": "-1"},
])
def test_more_garbage_is_reported_and_the_app_runs(query):
    at = _app(query)
    assert not at.exception and not at.error
    name = next(iter(query))
    assert any(name in m for m in _messages(at)), _messages(at)
    assert state.get_dataset(at.session_state).n == 5                 # the default data set is usable


def test_back_forward_applies_the_address_but_an_ordinary_rerun_does_not(monkeypatch):
    """Back/Forward (a run Streamlit marks as history navigation) shows the address's state; any
    other rerun keeps the session's state and rewrites the address (a stale query string from a
    quick second click must not undo the first)."""
    from lab import internals
    at = _app({"page": "convex"})
    at.select_slider(key="beta").set_value(0.631).run()
    n_undo = state.undo_depth(at.session_state)
    at.query_params["beta"] = "0.251"                  # an older address …
    at.run()                                          # … in an ordinary rerun: ignored, rewritten
    assert at.select_slider(key="beta").value == 0.631 and at.query_params["beta"] == "0.631"
    at.query_params["beta"] = "0.251"
    monkeypatch.setattr(internals, "is_history_navigation", lambda: True)
    at.run()                                          # … after Back: shown
    assert at.select_slider(key="beta").value == 0.251 and at.query_params["beta"] == "0.251"
    assert state.undo_depth(at.session_state) == n_undo   # the same data set: no undo step
    assert not at.exception
