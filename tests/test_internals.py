"""lab.internals, the one adapter for the frameworks' private interfaces: every one it uses is
present in the installed Streamlit and plotly (checked inside a real script run), each fallback
is safe and logged, and no other module of the app reaches past the public APIs."""
import ast
import logging
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lab import internals

ROOT = Path(__file__).resolve().parents[1]


def test_every_private_interface_the_adapter_uses_is_there():
    """Fails by name when an upgrade of Streamlit or plotly moves one (pyproject.toml bounds them)."""
    script = (f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nimport streamlit as st\nfrom lab import internals\n"
              "st.session_state['problems'] = internals.check()\n"
              "st.session_state['history'] = internals.is_history_navigation()\n"
              "st.session_state['reconnected'] = internals.reconnected_widget_keys()\n")
    at = AppTest.from_string(script, default_timeout=60).run()
    assert not at.exception, at.exception
    assert at.session_state["problems"] == []
    assert at.session_state["history"] is False and at.session_state["reconnected"] == set()


def test_outside_a_script_run_the_answers_are_safe():
    assert internals.is_history_navigation() is False
    assert internals.check()[-1].startswith("no script run")
    assert internals.manually_set_option("browser.serverAddress") in (True, False)


def test_a_moved_interface_is_logged_once_and_answered_safely(monkeypatch, caplog):
    def moved():
        raise AttributeError("'ScriptRunContext' object has no attribute 'session_state'")
    monkeypatch.setattr(internals, "_run_context", moved)
    monkeypatch.setattr(internals, "_REPORTED", set())
    with caplog.at_level(logging.WARNING, logger="convex_relu_lab.internals"):
        assert internals.reconnected_widget_keys() == set()
        assert internals.reconnected_widget_keys() == set()
        assert internals.is_history_navigation() is False
    msgs = [r.getMessage() for r in caplog.records]
    assert len(msgs) == 2 and "_new_widget_state" in msgs[0] and "is_history_navigation" in msgs[1]


def test_unvalidated_figure_equals_the_validated_one():
    import plotly.graph_objects as go
    layout = {"title": {"text": "t"}, "xaxis": {"range": [0, 1]}}
    tr = [go.Scatter(x=[0, 1], y=[1, 0])]
    assert internals.unvalidated_figure(tr, layout).to_plotly_json() == go.Figure(tr, layout).to_plotly_json()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return out


_PRIVATE_MODULES = ("streamlit.runtime", "streamlit.config", "streamlit.net_util")


def _app_modules():
    return [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py")), *sorted((ROOT / "lab").rglob("*.py"))]


@pytest.mark.parametrize("path", _app_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_but_the_adapter_reaches_into_the_frameworks(path):
    if path.name == "internals.py":
        return
    private = {m for m in _imports(path) if m.startswith(_PRIVATE_MODULES)}
    assert not private, f"{path.name} imports {sorted(private)}: go through lab.internals"
    text = path.read_text()
    for needle in ("_validate=", "_new_widget_state", "get_script_run_ctx", "is_history_navigation ="):
        assert needle not in text, f"{path.name} uses {needle!r}: go through lab.internals"
