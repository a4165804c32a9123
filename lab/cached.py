"""Cached, bounded wrappers around the core (``st.cache_data``, keyed on data and parameters).

Every heavy call of a page goes through here, so the same data and parameters are
solved once per server process (shared by all sessions).  The solves of (8) run in a worker
process when the machine has a core to spare (:func:`_solve_elsewhere`), and are warm-started
from the session's previous optimum or a preset's (:func:`solve_warm`).  Nothing here raises on
user input: each wrapper returns ``(value, None)`` or ``(None, message)``, where the
message is the core's ``ValueError`` text, for ``st.error``.

Bounds.  Program (8) has 2dP variables and 2nP constraints over P activation patterns.
Before any work, :func:`plan_patterns` compares n times Cover's count of the data
(``exact_pattern_bound``, no enumeration) with :data:`WORK_BUDGET`; above it the patterns
are sampled (Remark 3.3, :func:`samples_for` directions u ~ N(0, I), seed 0) and the
value is an upper bound on p*, which the page states.  2-D data with a bias is solved
exactly up to n = 100 (P = 9,902; about a second, docs/benchmarks.md).
"""
from __future__ import annotations

import functools
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import streamlit as st

from cvxcore import activation_patterns, beta_max, cover_count, exact_pattern_bound, paper_bound, solve_convex
from cvxcore.datasets import PRESETS, make

HAVE_FAST = True                       # the working-set solver warm-starts (solve_convex(warm=...))
WORK_BUDGET = 1_000_000                # n·P solved exactly (2-D with bias: n ≤ 100); above: sampled
SAMPLE_BUDGET = 220_000                # n·(sampled patterns) of a sampled solve (NNLS pricing)
MIN_SAMPLES = 50
ARRANGEMENT_BUDGET = 20000                   # patterns enumerated for the arrangement page


def samples_for(n: int) -> int:
    """Sampled directions for n points when the exact arrangement is over budget.

    SAMPLE_BUDGET / n up to n = 60; beyond, the solve time grows faster than n·P (a sampled set
    is priced by NNLS over all n rows of each cone: n = 300, P = 650 took 14 s), so the count
    falls like 1/n².
    """
    n = max(n, 1)
    return max(MIN_SAMPLES, SAMPLE_BUDGET // n if n <= 60 else SAMPLE_BUDGET * 60 // n ** 2)


def plan_patterns(X: np.ndarray) -> tuple[str, int, str | None]:
    """("exact" | "sample", Cover's count of X, a note for the page or None)."""
    n = X.shape[0]
    bound = exact_pattern_bound(X)
    if bound * n <= WORK_BUDGET:
        return "exact", bound, None
    k = samples_for(n)
    return "sample", bound, (
        f"These {n} points have up to {bound:,} activation patterns, too many to solve (8) over all of "
        f"them here. It is solved over the distinct patterns of {k:,} random directions u ~ N(0, I) "
        f"(Remark 3.3): the value shown is an upper bound on p*.")


@st.cache_data(max_entries=256, show_spinner=False)
def patterns(X: np.ndarray, method: str = "exact", samples: int = 1000, seed: int = 0):
    """``(P (p, n) bool, None)`` or ``(None, message)``."""
    try:
        if method == "exact":
            return activation_patterns(X), None
        return activation_patterns(X, method="sample", samples=samples, seed=seed), None
    except ValueError as e:
        return None, str(e)


@st.cache_data(max_entries=256, show_spinner="Solving the convex program (8) …")
def solve(X: np.ndarray, y: np.ndarray, beta: float, loss: str, _warm=None):
    """``(ConvexResult, note)`` or ``(None, message)``; note says when the patterns were sampled.

    Returns a triple ``(result, note, error)``.  ``_warm`` (not part of the cache key: it
    changes how fast the optimum is found, not which one) is a previous ConvexResult that
    seeds the fast solver's working set.
    """
    try:
        method, _, note = plan_patterns(X)
        P = None if method == "exact" else activation_patterns(X, method="sample",
                                                               samples=samples_for(X.shape[0]), seed=0)
        options = {"warm": _warm} if _warm is not None and HAVE_FAST else {}
        return _solve_elsewhere(X, y, beta, loss=loss, patterns=P, **options), note, None
    except ValueError as e:
        return None, None, str(e)


_POOL = None
_POOL_LOCK = threading.Lock()


def _worker_pool():
    """The pool of solve workers (created once), or None when no core is spare or the platform
    has no ``forkserver``."""
    global _POOL
    spare = (os.cpu_count() or 1) - 1
    if spare < 1:
        return None
    with _POOL_LOCK:
        if _POOL is None:
            try:
                _POOL = ProcessPoolExecutor(max_workers=spare, mp_context=multiprocessing.get_context("forkserver"))
            except (ValueError, OSError):
                return None
        return _POOL


_STARTED = False


def start_worker() -> None:
    """Start the solve worker in the background on the server's first run (a tiny solve imports
    the core there), so that the first Convex page does not wait ~1.5 s for it."""
    global _STARTED
    if _STARTED:
        return
    _STARTED = True
    pool = _worker_pool()
    if pool is not None:
        try:
            pool.submit(solve_convex, np.array([[1.0, 1.0], [-1.0, 1.0]]), np.array([1.0, 0.0]), 0.1)
        except RuntimeError:            # a broken pool: the first real solve replaces it
            pass


def _solve_elsewhere(X, y, beta, **kw):
    """``solve_convex`` in a worker process when the machine has a core to spare.

    All sessions' scripts share one interpreter and so one core at a time (the GIL): thirty
    students opening the Convex page at once queued thirty solves on it while the second core
    idled.  One worker per spare core takes the solves (``forkserver``: no fork of a process
    with running threads); a broken or unavailable pool falls back to solving here."""
    global _POOL
    pool = _worker_pool()
    if pool is not None:
        try:
            future = pool.submit(solve_convex, X, y, beta, **kw)
        except Exception:               # the pool broke earlier (BrokenProcessPool), OSError, …
            future = None
        if future is not None:
            try:
                return future.result()
            except ValueError:          # bad input: solve_convex's own message, from the worker
                raise
            except Exception:           # BrokenProcessPool, a pickling error, …
                pass
        with _POOL_LOCK:                # solve here; the next call builds a fresh pool
            _POOL = None
    return solve_convex(X, y, beta, **kw)


@functools.cache
def _preset_data(name: str):
    """Preset ``name`` as a session holds it: seed 0, at the link's precision (lab.state stores
    every data set through :func:`lab.codec.at_link_precision`)."""
    from lab import codec
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


def solve_warm(X: np.ndarray, y: np.ndarray, beta: float, loss: str):
    """:func:`solve`, seeded with this session's previous optimum when the data are related.

    Related: the same loss and one data set a prefix of the other (a β step, an added or an
    undone point).  Then the previous support seeds the working set and a β step re-solves in
    one or two rounds instead of 7–17 (n = 40–60: 2.5–5× faster, measured).  Unrelated data
    (a new preset) are solved cold: unrelated seeds would only enlarge the first round.
    """
    prev = st.session_state.get("_last_convex")
    warm = None
    if prev is not None:
        X0, loss0, res0 = prev
        k = min(X0.shape[0], X.shape[0])
        if (loss0 == loss and X0.shape[1] == X.shape[1] and k > 0
                and np.array_equal(X0[:k], X[:k])):
            warm = res0
    if warm is None:
        # a preset with points added: start from the preset's optimum, solved once per server
        # for every session that began from it (a class on one preset: one cold solve, then one
        # or two rounds each, instead of thirty cold solves at once)
        n0 = preset_prefix(X, y)
        if n0:
            warm, _, _ = solve(X[:n0], y[:n0], beta, loss)
    out = solve(X, y, beta, loss, _warm=warm)
    if out[0] is not None:
        st.session_state["_last_convex"] = (X, loss, out[0])
    return out


@st.cache_data(max_entries=32, show_spinner=False)
def count_curve(kind: str, n_max: int, seed: int = 0):
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
    cover = np.array([cover_count(k, min(r, k)) for k in ns])
    bound = np.array([paper_bound(k, min(r, k)) for k in ns], dtype=float)
    return {"n": ns, "P": P, "cover": cover, "bound": bound}


@st.cache_data(max_entries=64, show_spinner=False)
def beta_max_of(X: np.ndarray, y: np.ndarray, loss: str = "squared") -> float | None:
    """:func:`cvxcore.beta_max` (exact over the arrangement, theory.md §2), cached; None when the
    arrangement is too large to enumerate (the sliders then keep their full range)."""
    try:
        return float(beta_max(X, y, loss=loss))
    except ValueError:
        return None
