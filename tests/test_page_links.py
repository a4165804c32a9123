"""Links and page settings through the real app (AppTest): the widgets' ranges are the link's table,
a bad value in a link is reported with the value the widget then shows, the data set a session
holds is exactly the one its link decodes to, and the Higher-dimensions and Convolutions pages
compute only what is on screen, from the link's settings."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cvxcore.datasets import PRESETS, make
from lab import codec, state

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 300


def _app(query=None):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def _warnings(at) -> str:
    return " ".join(str(w.value) for w in at.warning)


def _link(at) -> dict:
    return {k: v[-1] for k, v in parse_qs(urlsplit(at.sidebar.code[0].value).query).items()}


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


# ----------------------------------------------------------------------------- one table of ranges
def test_the_sgd_widgets_have_the_tables_ranges():
    at = _app({"page": "sgd"})
    assert not at.exception
    S = codec.SETTINGS
    for key in ("m", "trials", "steps"):
        w = at.slider(key=key)
        assert (w.min, w.max, w.value) == (S[key].lo, S[key].hi, S[key].default), key
    # β: the grid up to the first value ≥ the data's β_max (the paper's data: 1.789 → 2)
    beta = at.select_slider(key="beta").options
    assert tuple(float(v.split()[0]) for v in beta) == tuple(g for g in S["beta"].grid if g <= 2.0)
    assert beta[-1] == "2 ≥ β_max"
    assert tuple(float(v) for v in at.select_slider(key="lr").options) == S["lr"].grid


@pytest.mark.parametrize("query,shown,needle", [
    # β: the message quotes the slider's own range, which ends at the data's β_max (1.789 → 2)
    ({"page": "convex", "beta": "1e308"}, ("beta", 2.0), "beta='1e308' in the link is beyond the end of the slider "
                                                        "(from β_max on the optimum is the zero network); using beta=2 "
                                                        "(the slider: 0.001 to 2 ≥ β_max = 1.789 of these data on "
                                                        "its grid)."),
    ({"page": "convex", "beta": "5"}, ("beta", 2.0), "beta='5' in the link is beyond the end of the slider"),
    ({"page": "sgd", "beta": "abc"}, ("beta", 0.1), "beta='abc' in the link is not a number the slider has; using "
                                                    "beta=0.1 (the slider: 0.001 to 2 ≥ β_max = 1.789"),
    ({"page": "convex", "beta": "0.0123"}, ("beta", 0.0126), "is not one of the slider's values; using beta=0.0126 "
                                                            "(the slider: 0.001 to 2 ≥ β_max"),
    ({"page": "path", "m": "150"}, ("m", 100), "m='150' in the link is beyond the end of the slider (the path page's "
                                              "slider ends there); using m=100 (the slider: 1 to 100)."),
    ({"page": "sgd", "m": "-5"}, ("m", 1), "range (1 to 200); clamped to m=1."),
    ({"page": "sgd", "trials": "abc"}, ("trials", 5), "using the default trials=5"),
    ({"page": "sgd", "steps": "99999"}, ("steps", 20000), "clamped to steps=20000."),
    ({"page": "higher_dims", "hd_m": "99"}, ("hd_m", 24), "clamped to hd_m=24."),
    ({"page": "convolution", "cnn_L": "10", "lin_h": "30"}, ("lin_h", 10), "more than cnn_L = 10; using lin_h=10."),
])
def test_a_bad_value_in_a_link_is_reported_with_the_value_shown(query, shown, needle):
    at = _app(query)
    assert not at.exception
    assert needle in _warnings(at), _warnings(at)
    assert "1000" not in _warnings(at) or query.get("beta") is None     # never the table's end of β
    key, value = shown
    if key == "m" and query["page"] == "path":          # its slider shows once runs are overlaid
        assert state.setting("m", ss=at.session_state) == value
        at.toggle(key="_path_overlay").set_value(True).run()
    w = at.select_slider(key=key) if key == "beta" else at.slider(key=key)
    assert float(w.value) == value
    assert float(_link(at)[key]) == value


@pytest.mark.parametrize("preset,batch,applied", [("moons", "7", 5), ("paper", "7", codec.FULL_BATCH)])
def test_a_batch_size_the_page_does_not_offer_is_reported(preset, batch, applied):
    X, y = make(preset)
    tok, _ = codec.encode_data(X, y, True)
    at = _app({"page": "sgd", "batch": batch, "data": tok})
    assert not at.exception
    assert at.selectbox(key="batch").value == applied
    w = _warnings(at)
    assert "batch='7'" in w and (f"batch={applied}." in w if applied != codec.FULL_BATCH
                                  else "using batch=0 (full batch)" in w), w


def test_data_opens_from_its_own_address():
    """The Data page has the path "data"; a link to the bare address with state opens its page
    (the bare address alone opens the Start page: tests/test_start.py)."""
    import re
    titles = dict(re.findall(r'\("app_pages/(\w+)\.py", "[^"]+", "[^"]+", "(\w+)"\)', Path(APP).read_text()))
    assert titles["data"] == "data"
    at = _app({"page": "data"})
    assert not at.exception and at.title[0].value == "Data"


# ----------------------------------------------------------------------------- the data set is the link's
@pytest.mark.parametrize("name", list(PRESETS))
def test_a_preset_is_held_at_the_links_precision(name):
    """After a preset the session's data set equals what its own link decodes to, bit for bit, and so
    does the convex optimum a student computes from that link."""
    at = _app({"page": "data"})
    at.button(key=f"_preset_{name}").click().run()
    X, y = state.get_dataset(at.session_state)[:2]
    back, _, msgs = codec.decode_query(_link(at))
    assert msgs == [] and back is not None
    assert np.array_equal(back.X, X) and np.array_equal(back.y, y)
    Xq, yq = codec.at_link_precision(*make(name))
    assert np.array_equal(Xq, X) and np.array_equal(yq, y)


def test_the_shared_link_gives_the_same_optimum():
    at = _app({"page": "data"})
    at.button(key="_preset_moons").click().run()
    at.switch_page("app_pages/convex.py").run()
    teacher = _metrics(at)
    student = _app(_link(at))
    assert not student.exception and student.title[0].value == at.title[0].value
    assert _metrics(student) == teacher


def test_an_uploaded_file_and_a_click_are_held_at_the_links_precision():
    at = _app({"page": "data"})
    at.get("file_uploader")[0].set_value(("d.csv", b"x1,x2,label\n0.12345,1,1\n-1,0.25,-1\n", "text/csv"))
    at.run()
    X = state.get_dataset(at.session_state).X.tolist()
    assert X == [[0.123, 1.0], [-1.0, 0.25]]
    back, _, _ = codec.decode_query(_link(at))
    assert back.X.tolist() == X


# ----------------------------------------------------------------------------- pages compute what is shown
def test_higher_dims_runs_trial_by_trial_and_stops():
    at = _app({"page": "higher_dims", "hd_trials": "2", "hd_steps": "1000"})
    assert not at.exception and "Press **Run**" in " ".join(i.value for i in at.info)
    assert at.button(key="hd_stop").disabled
    at.button(key="hd_run").click().run()          # AppTest follows the fragment's reruns to the end
    assert not at.exception
    cap = " ".join(c.value for c in at.caption)
    assert "2 of 2 trials" in cap
    # nothing left to run: no dead Run/Stop, one live button, the next seed
    keys = {b.key for b in at.button}
    assert "hd_run" not in keys and "hd_stop" not in keys and not at.button(key="hd_next").disabled
    df = at.dataframe[0].value
    assert len(df) == 4 and set(df["method"]) >= {"SGD"}
    # more trials continue the same run (the two finished ones are kept)
    at.slider(key="hd_trials").set_value(3).run()
    assert "2 of 3 trials" in " ".join(c.value for c in at.caption)
    assert "Stopped after 2 of 3 trials" in _warnings(at)
    assert at.button(key="hd_run").label == "Continue" and not at.button(key="hd_run").disabled


def test_higher_dims_next_seed_runs_the_same_settings_from_the_next_seed():
    at = _app({"page": "higher_dims", "hd_trials": "1", "hd_steps": "1000", "hd_seed": "4"})
    at.button(key="hd_run").click().run()
    assert "1 of 1 trials" in " ".join(c.value for c in at.caption)
    at.button(key="hd_next").click().run()          # the whole page again, then the fragment's trial
    assert not at.exception
    assert at.number_input(key="hd_seed").value == 5 and _link(at)["hd_seed"] == "5"
    assert "(seed 5)" in " ".join(m.value for m in at.markdown)
    assert "1 of 1 trials" in " ".join(c.value for c in at.caption)


def test_higher_dims_settings_are_in_the_link_and_the_papers_setting_is_one_click():
    at = _app({"page": "higher_dims", "hd_m": "10", "hd_beta": "0.3"})
    assert at.slider(key="hd_m").value == 10 and at.select_slider(key="hd_beta").value == 0.3
    assert _link(at)["hd_m"] == "10" and _link(at)["hd_beta"] == "0.3"
    at.button(key="hd_paper").click().run()
    assert (at.slider(key="hd_m").value, at.slider(key="hd_trials").value, at.select_slider(key="hd_steps").value) \
        == (12, 10, 4000)
    assert "hd_m" not in _link(_app({"page": "convex"}))          # a page's own settings stay on its links


@pytest.mark.parametrize("view,metric,absent", [
    ("linear", "value of (12)", "value of (14)"),
    ("circular", "value of (14)", "value of (12)"),
    ("separable", "optimum (8)", "value of (14)"),
])
def test_convolutions_compute_the_open_tab_only(view, metric, absent, monkeypatch):
    from lab import experiments as E
    calls = []
    for name in ("linear_cnn", "circular_cnn", "separable_cnn"):
        real = getattr(E, name)
        monkeypatch.setattr(E, name, lambda *a, _real=real, _name=name: calls.append(_name) or _real(*a))
    at = _app({"page": "convolution", "cnn_view": view, "cnn_n": "20", "lin_steps": "2000", "circ_steps": "1000"})
    assert not at.exception and not at.error
    labels = set(_metrics(at))
    assert metric in labels and absent not in labels
    assert calls == [f"{view}_cnn"]
    assert _link(at)["cnn_view"] == view and _link(at)["cnn_n"] == "20"
