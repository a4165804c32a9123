"""Every page catches what it calls (lab.page.guarded): a numerical failure inside a page's
computation is an st.warning naming what failed and what to try, the run ends normally (the share
link is still written) and the session's data set and settings are untouched; a defect of the app
itself (any other exception) still surfaces, so that the tests see it."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cvxpy.error import SolverError
from streamlit.testing.v1 import AppTest

from cvxcore import cnn
from lab import codec, state
from lab import page as P

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 300
PAGES = ("about", "arrangement", "convex", "convolution", "data", "geometry", "higher_dims", "lesson", "path", "sgd")


def _app(query):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def _warnings(at) -> str:
    return " ".join(str(w.value) for w in at.warning)


def _core_value_error(*_a, **_k):
    cnn.principal_filters(np.full((2, 3), np.nan))          # the core refuses: a ValueError from cvxcore


def _linalg(*_a, **_k):
    raise np.linalg.LinAlgError("SVD did not converge")


def _overflow(*_a, **_k):
    raise FloatingPointError("overflow encountered in matmul")


@pytest.mark.parametrize("fail,kind,needle", [
    (_linalg, "LinAlgError", "SVD did not converge"),
    (_overflow, "FloatingPointError", "overflow encountered"),
    (_core_value_error, "ValueError", "U contains NaN/inf"),
])
def test_a_numerical_failure_on_the_convolutions_page_is_a_warning(fail, kind, needle, monkeypatch):
    from lab import experiments as E
    monkeypatch.setattr(E, "linear_cnn", fail)
    at = _app({"page": "convolution", "lin_beta": "3"})
    assert not at.exception, [e.value for e in at.exception]
    w = _warnings(at)
    assert kind in w and needle in w and "Try " in w and "kept" in w
    assert at.title[0].value.startswith("CNNs are convex")                    # the page got that far
    link = at.sidebar.code[0].value                                            # the run ended normally
    assert "lin_beta=3" in link and "page=convolution" in link
    assert state.setting("lin_beta", ss=at.session_state) == 3.0


def test_a_solver_failure_on_the_convex_page_keeps_the_data(monkeypatch):
    from lab import cached

    def fail(*_a, **_k):
        raise SolverError("Solver 'CLARABEL' failed. Try another solver")

    X, y = np.array([[-1.0], [0.0], [1.0]]), np.array([1.0, -1.0, 2.0])
    tok, _ = codec.encode_data(X, y, True)
    monkeypatch.setattr(cached, "solve_warm", fail)
    at = _app({"page": "convex", "beta": "0.316", "data": tok})
    assert not at.exception
    w = _warnings(at)
    assert "SolverError" in w and "`solve_for_session`" in w and "another β" in w
    ds = state.get_dataset(at.session_state)
    np.testing.assert_array_equal(ds.X, X)
    np.testing.assert_array_equal(ds.y, y)
    assert state.setting("beta", ss=at.session_state) == 0.316


def test_a_defect_of_the_app_is_not_hidden(monkeypatch):
    from lab import experiments as E

    def bug(*_a, **_k):
        raise KeyError("a defect")

    monkeypatch.setattr(E, "linear_cnn", bug)
    at = _app({"page": "convolution"})
    assert at.exception and "a defect" in str(at.exception[0].value)


def test_what_the_net_catches():
    def raised(fn):
        try:
            fn()
        except Exception as e:       # noqa: BLE001 - the exception itself is the value tested
            return e
        raise AssertionError("did not raise")

    assert P.numerical_failure(raised(_linalg)) and P.numerical_failure(raised(_overflow))
    assert P.numerical_failure(raised(_core_value_error))
    assert P.numerical_failure(raised(lambda: 1 / 0))
    assert P.numerical_failure(raised(lambda: (_ for _ in ()).throw(SolverError("x"))))
    assert not P.numerical_failure(raised(lambda: int("x")))            # a ValueError of the app's own code
    assert not P.numerical_failure(raised(lambda: {}["k"]))
    msg = P.failure_message(raised(_core_value_error))
    assert "ValueError in `principal_filters`" in msg and "U contains NaN/inf" in msg


@pytest.mark.parametrize("view_of", PAGES)
def test_every_page_renders_inside_the_net(view_of):
    import importlib
    mod = importlib.import_module(f"app_pages.{view_of}")
    assert getattr(mod.render, "__wrapped__", None) is not None, view_of
