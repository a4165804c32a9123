"""The one adapter for what the app needs from Streamlit and plotly beyond their public API.

Every use of a framework's private or undocumented interface is a function here, and nothing else
in ``app.py``, ``app_pages/`` or ``lab/`` imports ``streamlit.runtime`` or reads a private field.
Each function has a safe answer when the interface has moved (a newer Streamlit or plotly) and
logs the failure once, with the reason, on the ``convex_relu_lab.internals`` logger; the app then
loses only the feature, never a page.  :func:`check` lists every interface used and what is wrong
with each; ``tests/test_internals.py`` calls it inside a real script run, so an upgrade that moves
one fails a test by name.  ``pyproject.toml`` bounds Streamlit to the minor series these were
written and tested against.

What is used, and why:

* :func:`is_history_navigation`: the run was started by the browser's Back/Forward button
  (``ScriptRunContext.is_history_navigation``); the address then holds an earlier state to show.
* :func:`reconnected_widget_keys`: the widget values a reconnecting browser sent with a session's
  first run (``SessionState._new_widget_state``), newer than the address (a replica died).
* :func:`script_runs_without_error`: one run of the app script in a throw-away session at server
  start (``Runtime.does_script_run_without_error``, Streamlit's own health check), so the first
  students do not pay for the first run.
* :func:`manually_set_option` and :func:`network_ip`: whether the user set a config option, and
  the machine's network address (``streamlit.config.is_manually_set``,
  ``streamlit.net_util.get_internal_ip``), for the share link.
* :func:`unvalidated_figure`: a ``go.Figure`` from traces (validated when made) and a layout in
  plotly's canonical form, without validating the layout again (plotly's ``_validate=False``):
  5 ms of a 6 ms figure.
"""
from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from typing import Any

_LOG = logging.getLogger("convex_relu_lab.internals")
_REPORTED: set[str] = set()


def _report(what: str, error: BaseException) -> None:
    """Log a moved interface once per process (a class's every rerun would repeat it)."""
    if what not in _REPORTED:
        _REPORTED.add(what)
        _LOG.warning("%s is not available in this Streamlit/plotly (%s: %s); the app goes on without it. "
                     "Run tests/test_internals.py against this version.", what, type(error).__name__, error)


def _run_context() -> Any:
    """Streamlit's context of the running script (None outside a script run)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    return get_script_run_ctx()


def is_history_navigation() -> bool:
    """True when this run was started by the browser's Back/Forward button."""
    try:
        ctx = _run_context()
        return bool(ctx is not None and ctx.is_history_navigation)
    except (ImportError, AttributeError) as e:
        _report("ScriptRunContext.is_history_navigation", e)
        return False


def reconnected_widget_keys() -> set[str]:
    """The user keys of the widget values this run received before the widgets were drawn.

    Streamlit keeps a browser's widget values by element ID (``$$ID-<hash>-<key>``) until the
    widget is drawn; on a session's first run they come from a browser that reconnected to a new
    session (a first visit sends none)."""
    try:
        states = _run_context().session_state._state._new_widget_state.states
        return {wid.split("-", 2)[2] for wid in states if wid.count("-") >= 2}
    except (ImportError, AttributeError) as e:
        _report("SessionState._new_widget_state", e)
        return set()


async def script_runs_without_error() -> tuple[bool, str]:
    """Run the app script once in a throw-away session: ``(ok, message)``."""
    try:
        from streamlit import runtime
        return await runtime.get_instance().does_script_run_without_error()
    except (ImportError, AttributeError, RuntimeError) as e:
        _report("Runtime.does_script_run_without_error", e)
        return False, f"{type(e).__name__}: {e}"


def manually_set_option(name: str) -> bool:
    """True when the config option ``name`` was set by the user (a flag, config.toml, …)."""
    try:
        from streamlit import config
        return bool(config.is_manually_set(name))
    except (ImportError, AttributeError) as e:
        _report("streamlit.config.is_manually_set", e)
        return False


def network_ip() -> str | None:
    """The machine's address on the network (Streamlit's "Network URL"), or None."""
    try:
        from streamlit import net_util
        return net_util.get_internal_ip()
    except (ImportError, AttributeError) as e:
        _report("streamlit.net_util.get_internal_ip", e)
        return None


def unvalidated_figure(traces: Sequence[Any], layout: dict) -> Any:
    """``go.Figure(data=traces, layout=layout)`` without validating ``layout`` again.

    The layout must be in plotly's canonical form (titles as ``{"text": …}``);
    tests/test_figures.py checks every builder's figure against a validated copy."""
    import plotly.graph_objects as go
    try:
        return go.Figure(data=traces, layout=layout, _validate=False)
    except TypeError as e:                           # no such argument any more: validate
        _report("plotly's go.Figure(_validate=False)", e)
        return go.Figure(data=traces, layout=layout)


# ----------------------------------------------------------------------------- the check
def _probe_context() -> list[str]:
    ctx = _run_context()
    if ctx is None:
        return ["no script run: call check() inside a running Streamlit script (AppTest)"]
    out = []
    if not isinstance(getattr(ctx, "is_history_navigation", None), bool):
        out.append("ScriptRunContext.is_history_navigation is not a bool")
    try:
        states = ctx.session_state._state._new_widget_state.states
        if not isinstance(states, dict):
            out.append(f"SessionState._new_widget_state.states is a {type(states).__name__}, not a dict")
    except AttributeError as e:
        out.append(f"SessionState._new_widget_state.states: {e}")
    return out


def _probe_modules() -> list[str]:
    out = []
    from streamlit import config, net_util
    from streamlit.runtime import Runtime
    checks: list[tuple[str, Callable[[], bool]]] = [
        ("Runtime.does_script_run_without_error is a coroutine function",
         lambda: inspect.iscoroutinefunction(Runtime.does_script_run_without_error)),
        ("streamlit.config.is_manually_set", lambda: callable(config.is_manually_set)),
        ("streamlit.net_util.get_internal_ip", lambda: callable(net_util.get_internal_ip)),
    ]
    checks.append(("go.Figure(..., _validate=False) skips the layout's validation", _skips_validation))
    for name, ok in checks:
        try:
            if not ok():
                out.append(name)
        except AttributeError as e:
            out.append(f"{name}: {e}")
    return out


def _skips_validation() -> bool:
    """A value plotly's validator refuses (a height that is text) passes without validation."""
    import plotly.graph_objects as go
    try:
        return go.Figure(layout={"height": "tall"}, _validate=False).layout.height == "tall"
    except (TypeError, ValueError):
        return False


def check() -> list[str]:
    """Every private interface this module uses that is missing or changed (empty: all present).
    Call it inside a script run: two of them exist only there."""
    return _probe_modules() + _probe_context()
