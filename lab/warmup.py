"""Server start-up: do once, before the first student connects, what the first session would pay.

On a fresh server the first session imports pandas, plotly, scipy, cvxpy and the core, builds
plotly's validators for each kind of trace, compiles the pages and starts the solve worker; the
other sessions arriving with it wait behind those imports (Python imports a module once, under a
lock).  :func:`lifespan` is the ``st.App`` start-up hook (``app.py``): it runs :func:`warm` in a
thread, then one whole run of the app script in a throw-away session (the run Streamlit's own
script health check makes), before the server accepts connections.
"""
from __future__ import annotations

import asyncio
import importlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

_LOG = logging.getLogger("convex_relu_lab.warmup")

# What the pages import, heaviest first (each costs 0.1–0.9 s on a fresh interpreter).
MODULES = ("pandas", "plotly.graph_objects", "plotly.io", "scipy.optimize", "cvxpy", "cvxcore",
           "cvxcore.cnn", "cvxcore.experiments", "cvxcore.geometry", "lab.codec", "lab.state", "lab.ui",
           "lab.cached", "lab.figures", "lab.figures_cnn", "lab.figures_geometry", "lab.arrangement",
           "lab.experiments")


def warm() -> dict[str, float]:
    """Import :data:`MODULES`, serialise one figure of each trace kind the first pages draw, and
    start the solve worker.  Returns seconds per step; a step that fails is skipped (it only
    costs the first session that needs it)."""
    took: dict[str, float] = {}
    for name in MODULES:
        t = time.perf_counter()
        try:
            importlib.import_module(name)
        except Exception as e:                     # never stop the server for a warm-up
            _LOG.warning("warm-up: import %s failed: %s", name, e)
        took[name] = time.perf_counter() - t
    t = time.perf_counter()
    try:
        import numpy as np

        from lab import cached
        from lab import figures as F
        for dim in (1, 2):
            F.data_canvas(np.zeros((1, dim)), np.ones(1), dim).to_json()
        cached.start_worker()
    except Exception as e:
        _LOG.warning("warm-up: figures / solve worker failed: %s", e)
    took["figures and solve worker"] = time.perf_counter() - t
    return took


@asynccontextmanager
async def lifespan(app: object) -> AsyncIterator[None]:
    """``st.App`` lifespan: :func:`warm`, then one run of the app script, then serve."""
    t0 = time.perf_counter()
    took = await asyncio.to_thread(warm)           # off the event loop
    t1 = time.perf_counter()
    from lab import internals
    ok, msg = await internals.script_runs_without_error()
    t2 = time.perf_counter()
    slow = ", ".join(f"{k} {v:.2f} s" for k, v in sorted(took.items(), key=lambda kv: -kv[1])[:4])
    print(f"  Warmed up in {t2 - t0:.1f} s (imports and worker {t1 - t0:.1f} s: {slow}; "
          f"first script run {t2 - t1:.1f} s{'' if ok else ', ' + msg}).", flush=True)
    yield
