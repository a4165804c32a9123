"""Cached, bounded calls into the core (``st.cache_data``, keyed on data and parameters).

Every heavy call of a page goes through here, so the same data and parameters are solved once per
server process (shared by all sessions).  Nothing here raises on the user's input and nothing
here touches a session's state (:mod:`lab.state` owns that):

* :func:`solve` and :func:`solve_warm` return a :class:`Solve`: the :class:`cvxcore.ConvexResult`
  with a note when the patterns were sampled, or the core's ``ValueError`` text for ``st.error``.
  The solves run in worker processes (:class:`SolveWorkers`, one object for the server) and are
  warm-started from the session's previous optimum or a preset's (:func:`solve_warm`).  The
  result carries no cell set (``arrangement`` None, :mod:`lab.solve_job`: 4 MB of arrays at
  n = 100 kept out of the pipe and the cache); :func:`lab.solve_job.exact_patterns` rebuilds them.
* :func:`count_curve` returns a dict of arrays; :func:`beta_max_of` a float, or None when the
  arrangement is too large to enumerate.

Bounds.  Program (8) has 2dP variables and 2nP constraints over P activation patterns.
Before any work, :func:`plan_patterns` compares n times Cover's count of the data
(``exact_pattern_bound``, no enumeration) with two budgets.  Up to :data:`QUICK_WORK` (2-D data
with a bias: n ≤ 100, P = 9,902; about a second) the solve runs within the page's run, cached.
Up to :data:`EXACT_WORK_LIMIT` (2-D with a bias: n ≤ 1,000, P = 999,002) it is exact too, as a
session's job (:mod:`lab.jobs`, :data:`JOBS`): the page shows its rounds and certified bounds
while it runs and offers Stop.  Above it the patterns are sampled (Remark 3.3,
:func:`samples_for` directions u ~ N(0, I), seed 0) and the value is an upper bound on p*, which
the page states.
"""
from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import numpy as np
import streamlit as st

from cvxcore import (
    ConvexResult,
    activation_patterns,
    beta_max,
    cover_count,
    exact_pattern_bound,
    paper_bound,
)
from cvxcore.datasets import PRESETS, make
from lab import codec, jobs, solve_job

_LOG = logging.getLogger("convex_relu_lab.solve")
T = TypeVar("T")

# The largest n·P (points times Cover's count of their activation patterns) solved exactly in the
# app: 2-D data with a bias up to n = 1,000 (P = 999,002), the most points a data set may hold.
# Chosen from the exact solver's time there (docs/benchmarks.md: the scale table); a solve this
# large runs as a job with progress and Stop, so a slow one never freezes a tab.  Above: sampled.
EXACT_WORK_LIMIT = 1_000_000_000
QUICK_WORK = 1_000_000                 # n·P solved inside the page's run (2-D with bias: n ≤ 100, ~1 s)
SAMPLE_BUDGET = 220_000                # n·(sampled patterns) of a sampled solve (NNLS pricing)
MIN_SAMPLES = 50


@dataclass(frozen=True)
class Solve:
    """One solve of program (8) for a page: ``result`` and, when the patterns were sampled (the
    value is then an upper bound on p*), a ``note`` for the page; or ``error``, the core's
    message about the input (``result`` None); or, for a long exact solve, the session's ``job``
    while it runs or after it was stopped (``result`` None)."""
    result: ConvexResult | None
    note: str | None = None
    error: str | None = None
    job: jobs.Snapshot | None = None      # a long exact solve still running, or stopped (result None)


@dataclass(frozen=True)
class LastSolve:
    """A session's previous optimum, which seeds its next solve (:func:`solve_warm`): the design
    matrix and loss it was solved for, and the result."""
    X: np.ndarray
    loss: str
    result: ConvexResult


def samples_for(n: int) -> int:
    """Sampled directions for n points when the exact arrangement is over budget.

    SAMPLE_BUDGET / n up to n = 60; beyond, the solve time grows faster than n·P (a sampled set
    is priced by NNLS over all n rows of each cone: n = 300, P = 650 took 14 s), so the count
    falls like 1/n².
    """
    n = max(n, 1)
    return max(MIN_SAMPLES, SAMPLE_BUDGET // n if n <= 60 else SAMPLE_BUDGET * 60 // n ** 2)


def plan_patterns(X: np.ndarray) -> tuple[Literal["exact", "job", "sample"], int, str | None]:
    """("exact" | "job" | "sample", Cover's count of X, a note for the page or None): exact within
    the page's run, exact as a job with progress and Stop, or over sampled patterns (module
    docstring)."""
    n = X.shape[0]
    bound = exact_pattern_bound(X)
    if bound * n <= QUICK_WORK:
        return "exact", bound, None
    if bound * n <= EXACT_WORK_LIMIT:
        return "job", bound, None
    k = samples_for(n)
    return "sample", bound, (
        f"These {n} points have up to {bound:,} activation patterns, too many to solve (8) over all of "
        f"them here. It is solved over the distinct patterns of {k:,} random directions u ~ N(0, I) "
        f"(Remark 3.3): the value shown is an upper bound on p*.")


# ----------------------------------------------------------------------------- the solve workers
class SolveWorkers:
    """The worker processes that solve (8) for every session of this server: one object owns them.

    All sessions' scripts share one interpreter and so one core at a time (the GIL): thirty
    students opening the Convex page at once queued thirty solves on it while the second core
    idled.  One worker per spare core takes the solves (``forkserver``: no fork of a process with
    running threads).  The pool is made on first use; :meth:`run` passes the core's ``ValueError``
    (the user's input) through, and any other failure of a worker (a crash, a pickling error, a
    platform without ``forkserver``) is logged with its traceback, remembered for the session
    whose call it was (:meth:`take_failure`, shown once by :mod:`lab.page`), and the call is made
    in this process instead; the next call makes a fresh pool.

    Everything about the workers goes through this object, so that a per-session job with
    progress reports and a Stop can replace :meth:`run` without touching the pages' callers: such
    a job would be a process forked from the same forkserver (killed by ``terminate()`` at once),
    reporting each round's certified bounds through a pipe that a fragment polls.
    """

    def __init__(self, max_workers: int | None = None, context: str = "forkserver") -> None:
        self._max_workers = max_workers
        self._context = context
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._unavailable = False                 # the pool cannot be made on this platform
        self._started = False
        self._failure = threading.local()         # the last failure of a call made by this thread

    @property
    def spare(self) -> int:
        """Worker processes to use: one per core beyond the server's own (0: solve here)."""
        return self._max_workers if self._max_workers is not None else (os.cpu_count() or 1) - 1

    @property
    def running(self) -> bool:
        """True when the worker processes exist (made by :meth:`start` or a first :meth:`run`)."""
        return self._pool is not None

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.spare, mp_context=multiprocessing.get_context(self._context))

    def _get(self) -> ProcessPoolExecutor | None:
        """The pool (made once), or None when no core is spare or it cannot be made here."""
        if self.spare < 1 or self._unavailable:
            return None
        with self._lock:
            if self._pool is None:
                try:
                    self._pool = self._new_pool()
                except (ValueError, OSError) as e:     # no forkserver on this platform, no processes
                    self._unavailable = True
                    self._fail("the solve workers cannot start here", e)
                    return None
            return self._pool

    def _fail(self, what: str, error: BaseException) -> None:
        _LOG.warning("%s (%s: %s); solving in the server's process instead", what, type(error).__name__, error,
                     exc_info=error)
        self._failure.message = f"{what} ({type(error).__name__}: {error})"

    def start(self) -> None:
        """Start the workers in the background (once per process): a tiny solve imports the core
        there, so that the first Convex page does not wait ~1.5 s for it."""
        if self._started:
            return
        self._started = True
        pool = self._get()
        if pool is not None:
            try:
                pool.submit(solve_job.solve, np.array([[1.0, 1.0], [-1.0, 1.0]]), np.array([1.0, 0.0]), 0.1,
                            "squared")
            except RuntimeError as e:           # a broken pool: the first real solve replaces it
                self._fail("the solve workers did not start", e)

    def run(self, fn: Callable[..., T], *args: Any, **kw: Any) -> T:
        """``fn(*args, **kw)`` in a worker when a core is spare, else (or when a worker fails) here."""
        pool = self._get()
        if pool is not None:
            try:
                return pool.submit(fn, *args, **kw).result()
            except ValueError:                  # the core's message about the input, from the worker
                raise
            except Exception as e:              # BrokenProcessPool, a pickling error, OSError, …
                self._fail("a solve worker failed", e)
                with self._lock:                # the next call builds a fresh pool
                    if self._pool is pool:
                        self._pool = None
        return fn(*args, **kw)

    def take_failure(self) -> str | None:
        """The failure of the last call this thread made, once (then None)."""
        msg = getattr(self._failure, "message", None)
        self._failure.message = None
        return msg


WORKERS = SolveWorkers()


def start_worker() -> None:
    """Start the server's solve workers in the background (:meth:`SolveWorkers.start`)."""
    WORKERS.start()


# ----------------------------------------------------------------------------- solves of (8)
@st.cache_data(max_entries=256, show_spinner="Solving the convex program (8) …")
def solve(X: np.ndarray, y: np.ndarray, beta: float, loss: str, _warm: ConvexResult | None = None) -> Solve:
    """Program (8) for (X, y, β, loss), over every pattern or sampled ones (:func:`plan_patterns`).

    ``_warm`` (not part of the cache key: it changes how fast the optimum is found, not which
    one) is a previous result whose support seeds the working set."""
    try:
        method, _, note = plan_patterns(X)
        P = None if method != "sample" else activation_patterns(X, method="sample",
                                                               samples=samples_for(X.shape[0]), seed=0)
        warm = solve_job.travelling(_warm, X.shape[1])
        return Solve(WORKERS.run(solve_job.solve, X, y, beta, loss, P, warm), note)
    except ValueError as e:
        return Solve(None, error=str(e))


@functools.cache
def _preset_data(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Preset ``name`` as a session holds it: seed 0, at the link's precision (lab.state stores
    every data set through :func:`lab.codec.at_link_precision`)."""
    return codec.at_link_precision(*make(name, seed=0))


def preset_prefix(X: np.ndarray, y: np.ndarray) -> int | None:
    """n₀ when the first n₀ < n rows of the design matrix X (and of y) are a preset as loaded
    (seed 0, at the link's precision), with points appended after it; else None."""
    n = X.shape[0]
    for name in PRESETS:
        P, yp = _preset_data(name)
        n0, d = P.shape
        if (n0 < n and X.shape[1] in (d, d + 1) and np.array_equal(X[:n0, :d], P)
                and np.array_equal(y[:n0], yp)):
            return n0
    return None


def _warm_for(X: np.ndarray, y: np.ndarray, beta: float, loss: str, previous: LastSolve | None
              ) -> ConvexResult | None:
    """The seed of a solve of (X, y): the session's ``previous`` optimum when the data are related,
    else a preset's optimum when X is a preset with points added, else None (:func:`solve_warm`)."""
    if previous is not None:
        k = min(previous.X.shape[0], X.shape[0])
        if (previous.loss == loss and previous.X.shape[1] == X.shape[1] and k > 0
                and np.array_equal(previous.X[:k], X[:k])):
            return previous.result
    # a preset with points added: start from the preset's optimum, solved once per server
    # for every session that began from it (a class on one preset: one cold solve, then one
    # or two rounds each, instead of thirty cold solves at once)
    n0 = preset_prefix(X, y)
    return solve(X[:n0], y[:n0], beta, loss).result if n0 else None


def solve_warm(X: np.ndarray, y: np.ndarray, beta: float, loss: str, previous: LastSolve | None) -> Solve:
    """:func:`solve`, seeded with the session's ``previous`` optimum when the data are related.

    Related: the same loss and one data set a prefix of the other (a β step, an added or an
    undone point).  Then the previous support seeds the working set and a β step re-solves in
    one or two rounds instead of 7–17 (n = 40–60: 2.5–5× faster, measured).  Unrelated data
    (a new preset) are solved cold: unrelated seeds would only enlarge the first round.
    """
    return solve(X, y, beta, loss, _warm=_warm_for(X, y, beta, loss, previous))


# ----------------------------------------------------------------------------- long solves: jobs
JOBS = jobs.JobBoard()


def solve_for_session(session: str, X: np.ndarray, y: np.ndarray, beta: float, loss: str,
                      previous: LastSolve | None, *, again: bool = False) -> Solve:
    """Program (8) for one session: :func:`solve_warm` when the plan is "exact" or "sample";
    when it is "job", the finished result if this problem was solved here before, else the
    session's job for it (started now, replacing the session's previous job; ``again``: started
    afresh even if the session's job for it was stopped): ``Solve(None, job=…)`` while it runs
    or after a stop, its result once done, the core's message if it refused the input."""
    try:
        method, _, note = plan_patterns(X)
    except ValueError as e:
        return Solve(None, error=str(e))
    if method != "job":
        return solve_warm(X, y, beta, loss, previous)
    key = jobs.problem_key(X, y, beta, loss)
    done = None if again else JOBS.finished(key)
    if done is not None:
        return Solve(done, note)
    warm = solve_job.travelling(_warm_for(X, y, beta, loss, previous), X.shape[1])
    snap = JOBS.submit(session, key, X, y, beta, loss, warm, again=again)
    if snap.status is jobs.Status.DONE:
        return Solve(snap.result, note)
    if snap.status is jobs.Status.ERROR:
        return Solve(None, error=snap.message)
    return Solve(None, note, job=snap)


@st.cache_data(max_entries=32, show_spinner=False)
def count_curve(kind: Literal["1d", "2d"], n_max: int, seed: int = 0) -> dict[str, np.ndarray]:
    """P (exact enumeration), Cover's count and the paper's bound for n = 1 … n_max random points.

    kind "1d": x ~ U(−2, 2) with bias (rank 2); "2d": uniform points in the plane with bias (rank 3).
    Returns dict of arrays ``n, P, cover, bound``.
    """
    rng = np.random.default_rng(seed)
    d = 1 if kind == "1d" else 2
    pts = rng.uniform(-2, 2, size=(n_max, d))
    X = np.c_[pts, np.ones(n_max)]
    r = d + 1
    ns = np.arange(1, n_max + 1)
    P = np.array([activation_patterns(X[:k]).shape[0] for k in ns])
    cover = np.array([cover_count(int(k), min(r, int(k))) for k in ns])
    bound = np.array([paper_bound(int(k), min(r, int(k))) for k in ns], dtype=float)
    return {"n": ns, "P": P, "cover": cover, "bound": bound}


@st.cache_data(max_entries=64, show_spinner=False)
def beta_max_of(X: np.ndarray, y: np.ndarray, loss: str = "squared") -> float | None:
    """:func:`cvxcore.beta_max` (exact over the arrangement, theory.md §2), cached; None when the
    arrangement is too large to enumerate here (the sliders then keep their full range): above
    :data:`QUICK_WORK`, where it would take seconds of the server's own time (8 s at n = 1,000)."""
    try:
        if plan_patterns(X)[0] != "exact":
            return None
        return float(beta_max(X, y, loss=loss))
    except ValueError:
        return None
