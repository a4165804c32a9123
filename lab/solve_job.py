"""What a solve worker process runs (:class:`lab.cached.SolveWorkers`) and what a long solve's job
process runs (:func:`run_job`, :mod:`lab.jobs`): the core only, so that neither imports streamlit
nor plotly.

A result travels without its cell set.  The cell set is a function of X (and of the patterns
asked for): n = 100 points in the plane with a bias have 9,902 cells, 4.2 MB of arrays, which a
result carrying them would send through the pipe and put into every ``st.cache_data`` entry
(22 KB without).  So the warm start goes to the worker without it (the worker builds X's
arrangement itself, 40 ms at n = 100), and the result comes back without it
(``arrangement=None``); a page that needs the patterns builds them (:func:`exact_patterns`).
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
from typing import Any

import numpy as np

from cvxcore import ConvexResult, arrangement, nonconvex_objective, solve_convex
from cvxcore.convex import WarmStart
from cvxcore.params import check_loss


def travelling(previous: ConvexResult | WarmStart | None, d: int) -> WarmStart | None:
    """The warm start of a previous optimum for data with d columns, without its cell set."""
    warm = WarmStart.of(previous, d)
    return None if warm is None else dataclasses.replace(warm, cells=None)


def solve(X: np.ndarray, y: np.ndarray, beta: float, loss: str, patterns: np.ndarray | None = None,
          warm: WarmStart | None = None) -> ConvexResult:
    """:func:`cvxcore.solve_convex` (warm-started when ``warm`` is given), its result without its
    cell set (module docstring)."""
    options: dict[str, Any] = {} if warm is None else {"warm": warm}
    res = solve_convex(X, y, beta, loss=loss, patterns=patterns, **options)
    return dataclasses.replace(res, arrangement=None)


def exact_patterns(X: np.ndarray) -> np.ndarray:
    """The activation patterns of X's whole arrangement, (P, n) bool, in the order of the cells
    an exact result was solved over (its ``neuron_cells`` index them)."""
    return arrangement(X).patterns()


def _progress(info: dict[str, Any], X: np.ndarray, y: np.ndarray, beta: float, loss: str) -> dict[str, Any]:
    """The part of a working-set round's ``info`` a page shows: the round, the certified bounds
    on p*, the working set's size and the round's network (:class:`StoppedNetwork`: what a Stop
    shows; at n = 1,000 up to about 1,000 neurons, 32 KB for the pipe)."""
    body: dict[str, Any] = {"round": int(info.get("round", 0)), "upper": float(info.get("upper_bound", np.inf)),
                            "lower": float(info.get("lower_bound", -np.inf)),
                            "blocks": int(info.get("working_set", 0))}
    net = info.get("network")
    if net is not None and np.size(net[1]):
        U, alpha = np.asarray(net[0], float), np.asarray(net[1], float)
        value = float(nonconvex_objective(X, y, U, alpha, beta, loss=check_loss(loss)))
        body["network"] = StoppedNetwork(U, alpha, value, body["lower"])
    return body


def _one_blas_thread() -> contextlib.AbstractContextManager:
    """The BLAS limited to one thread in a job's process: a job takes one core, not the core the
    server's page runs need (OpenBLAS would otherwise start a thread per core)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:                 # without threadpoolctl the BLAS keeps its threads
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


@dataclasses.dataclass(frozen=True)
class StoppedNetwork:
    """What a solve of (8) had found when it stopped: the network (U (m, d), alpha (m,)) of its
    last round (the working set's restricted optimum, or the first phase's lasso), its objective
    (2) ``value`` (an upper bound on p*: any network's objective is) and the certified lower
    bound D(v) ≤ p* of the dual (4) (exact pricing over every cell).  Small enough for the pipe:
    no cells, no dual point."""
    U: np.ndarray
    alpha: np.ndarray
    value: float
    lower_bound: float


def run_job(conn: Any, X: np.ndarray, y: np.ndarray, beta: float, loss: str, warm: WarmStart | None,
            niceness: int = 0) -> None:
    """The body of one solve job's process (:class:`lab.jobs.Job`): :func:`solve` over the exact
    arrangement, sending ``("progress", dict)`` after each working-set round (:func:`_progress`,
    the round's network with it), then ``("done", ConvexResult)``, ``("error", the core's message
    about the input)`` or ``("failed", what went wrong)`` through ``conn``.  A Stop ends the
    process (:meth:`lab.jobs.Job.stop`): what it shows is the last round's network, already sent.
    ``niceness``: the process yields the core to the server's own (a class's page runs come
    first; a long solve takes what is left)."""
    if niceness:
        try:
            os.nice(niceness)
        except OSError:                 # not permitted here: run at the server's priority
            pass

    def report(info: dict[str, Any]) -> bool:
        try:
            conn.send(("progress", _progress(info, X, y, beta, loss)))
        except (BrokenPipeError, OSError):      # nobody is listening any more: stop
            return True
        return False

    try:
        options: dict[str, Any] = {"callback": report} if warm is None else {"callback": report, "warm": warm}
        with _one_blas_thread():
            res = solve_convex(X, y, beta, loss=loss, **options)
        if not res.status.startswith("stopped"):    # stopped: nobody is listening any more
            conn.send(("done", dataclasses.replace(res, arrangement=None)))
    except ValueError as e:
        conn.send(("error", str(e)))
    except Exception as e:              # reported to the page, which names it; never a silent hang
        conn.send(("failed", f"{type(e).__name__}: {e}"))
    finally:
        conn.close()
