"""AppTest (through app.py) for the Convolutions and Higher-dimensions pages: they run, show the
convex values next to GD, turn bad input into st.error, and the Run flow of the long experiment
shows its finished trials."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cvxcore import cnn

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _page(page, **query):
    at = AppTest.from_file(APP, default_timeout=240)
    at.query_params["page"] = page
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def metric(at, label):
    return next(m for m in at.metric if m.label == label).value


def test_convolution_page_runs_agrees_and_reports_bad_stride():
    at = _page("convolution")
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    S, y = cnn.two_shape_signals(40, 16, noise=0.3, seed=0)
    nuc = cnn.solve_nuclear(cnn.patches(S, 4, 2), y, 1.0)
    assert float(metric(at, "value of (12)")) == pytest.approx(nuc.value, rel=1e-5)
    assert float(metric(at, "best GD objective (9)")) == pytest.approx(nuc.value, rel=1e-5)
    assert len(at.get("plotly_chart")) == 4          # the open tab's four; the data expander is closed
    circ = _page("convolution", cnn_view="circular")           # each tab computes when it is open
    assert float(metric(circ, "best GD objective (13)")) == pytest.approx(float(metric(circ, "value of (14)")),
                                                                        rel=1e-5)
    # bad input: a stride that does not tile the signal is an st.error naming the fix
    at.slider(key="lin_stride").set_value(5).run()
    assert not at.exception, at.exception
    assert any("stride=5" in e.value and "stride in" in e.value for e in at.error)


def test_higher_dims_page_run_and_results():
    at = _page("higher_dims")
    assert not at.exception, at.exception
    assert any("Press **Run**" in i.value for i in at.info)
    at.slider(key="hd_trials").set_value(1)
    at.select_slider(key="hd_steps").set_value(1000)
    at.slider(key="hd_m").set_value(4)
    at.button(key="hd_run").click().run()
    assert not at.exception, at.exception
    assert len(at.dataframe) == 1
    df = at.dataframe[0].value
    assert len(df) == 4 and set(df["method"]).issuperset({"SGD"})
    assert len(at.get("plotly_chart")) >= 2
