"""What the pages share: their preambles, the optimal network on the canvas, their layouts.

Every page module in ``app_pages/`` defines ``render()``, built from small functions over
``lab/``; ``app.py`` navigates to it.  The steps many pages begin with are here, once:

* :func:`guarded`: every page's ``render`` (and a fragment's body) runs inside it, so that a
  numerical failure in what the page calls is an ``st.warning`` naming what failed and what to
  try, with the session's data and settings untouched, never a traceback;
* :func:`header`: the title and the opening explanation;
* :func:`require_data`: an empty data set stops the page with a message;
* :func:`solve` / :func:`optimum_or_stop`: program (8) for the shared data, warm-started from the
  session's previous optimum (:func:`lab.cached.solve_warm`), remembered for the next solve; the
  core's message about the input as an ``st.error`` (and the page stopped); a solve worker that
  failed, told once per session; a long exact solve (:mod:`lab.jobs`) as its progress with a
  **Stop** while it runs (:func:`job_progress`), and after a stop its last certified bounds,
  labelled as not optimal, with the page's main figure: the data and the network the stopped
  solve had found, labelled "stopped — not optimal" (:func:`job_stopped`), the rest of the page
  waiting for the optimum;
* :func:`network_figure`: the optimal network on the data's canvas (a 1-D fit or 2-D decision
  regions, :func:`lab.canvas.network_on_canvas`);
* the layouts sized for a projector at 1280×720 (:func:`side_and_main`, :func:`controls_row`).
"""
from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import streamlit as st
from cvxpy.error import SolverError

import cvxcore
from cvxcore import ConvexResult
from lab import cached, jobs, state, ui
from lab import figures as F
from lab.canvas import network_on_canvas
from lab.codec import Dataset
from lab.solve_job import StoppedNetwork

F_ = TypeVar("F_", bound=Callable[..., Any])

# Failures of the numbers, not of the code: linear algebra that does not converge (LinAlgError is
# a ValueError), overflow and division (ArithmeticError holds FloatingPointError and
# ZeroDivisionError), a conic solver that gives up, and the core's own refusals (a ValueError
# raised inside cvxcore, whose text names the parameter, the value and the fix).  Anything else is
# a defect of the app and is left to surface, so that the tests see it.
NUMERICAL = (np.linalg.LinAlgError, ArithmeticError, SolverError)
_CORE = os.path.dirname(os.path.abspath(str(cvxcore.__file__)))
_OURS = (_CORE, os.path.dirname(os.path.abspath(__file__)))

_ADVICE = {
    "LinAlgError": "a larger β, fewer steps or a smaller learning rate (an automatic one where the page "
                   "offers it), or a data set without repeated or extreme points",
    "SolverError": "another β (a larger one is easier for the solver) or fewer data points",
    "ArithmeticError": "a smaller learning rate, a larger β, or data of moderate size (coordinates within ±10)",
    "ValueError": "the change the message names",
}


def _raised_in_core(e: BaseException) -> bool:
    return any(os.path.abspath(f.filename).startswith(_CORE + os.sep) for f in traceback.extract_tb(e.__traceback__))


def numerical_failure(e: BaseException) -> bool:
    """True for the failures :func:`guarded` turns into a warning (see :data:`NUMERICAL`)."""
    return isinstance(e, NUMERICAL) or (isinstance(e, ValueError) and _raised_in_core(e))


def failure_message(e: BaseException) -> str:
    """What failed (the exception, the innermost function of the app or the core it came through)
    and what to try."""
    frames = [f for f in traceback.extract_tb(e.__traceback__)
              if os.path.abspath(f.filename).startswith(_OURS)] or traceback.extract_tb(e.__traceback__)
    where = f" in `{frames[-1].name}`" if frames else ""
    kind = next((k for k, t in (("LinAlgError", np.linalg.LinAlgError), ("SolverError", SolverError),
                                ("ArithmeticError", ArithmeticError)) if isinstance(e, t)), "ValueError")
    text = str(e).strip() or "no message"
    return (f"**This computation failed:** {type(e).__name__}{where}: {text}  \n"
            f"Try {_ADVICE[kind]}. Your data set and settings are kept; the rest of this page was not drawn.")


def guarded(render: F_) -> F_:
    """``render`` (a page's, or a fragment's body) with its numerical failures caught: each becomes
    an ``st.warning`` with :func:`failure_message`, where the page had got to, and the run ends
    normally (the address and the share box are still written, the session's state is untouched).
    Streamlit's own control flow (``st.stop``, ``st.rerun``) and every other exception pass through."""
    @functools.wraps(render)
    def run(*args: Any, **kw: Any) -> Any:
        try:
            return render(*args, **kw)
        except Exception as e:                 # narrowed at once: only numerical failures stop here
            if not numerical_failure(e):
                raise
            st.warning(failure_message(e), icon=":material/error:")
            return None
    return run  # type: ignore[return-value]


def header(title: str, intro: str, *, fold: bool = True) -> None:
    """The page's title and its opening explanation (hidden with the prose in classroom mode;
    ``fold``: folded into "About this page", so that the main figure stays on the first screen
    of a projector, :func:`lab.ui.intro`)."""
    if not fold:
        st.title(title)
        ui.prose(intro)
        return
    row = st.container(horizontal=True, vertical_alignment="center", gap="medium")
    row.title(title, width="content")
    ui.intro(intro, row)


EMPTY_DATA = "The data set is empty. Add points on the **Data** page or load a preset there."


def require_data(ds: Dataset) -> None:
    """Stop the page, with a message, when the data set is empty."""
    if ds.n == 0:
        st.info(EMPTY_DATA)
        ui.stop()


def solve(ds: Dataset, beta: float, loss: str, *, again: bool = False) -> cached.Solve:
    """Program (8) for data set ``ds`` at ``beta`` with ``loss``, seeded with this session's
    previous optimum when the data are related, and remembered as the seed of the next solve.
    A long exact solve is this session's job (:func:`lab.cached.solve_for_session`; ``again``:
    started afresh after a stop): ``job`` set and ``result`` None until it is done."""
    X = state.design_matrix(ds)
    out = cached.solve_for_session(state.session_id(), X, ds.y, beta, loss, state.last_solve(), again=again)
    if out.result is not None:
        state.remember_solve(X, loss, out.result)
    failure = cached.WORKERS.take_failure()
    if failure and state.first_time("worker_failure"):
        st.warning(f"The solve ran in the server's own process because {failure}. The result is the same; "
                   "while many students solve at once they now share one core, so solves may take longer.",
                   icon=":material/memory:")
    return out


def optimum_or_stop(ds: Dataset, beta: float, loss: str, *, side: Any = None,
                    main: Any = None) -> tuple[ConvexResult, str | None]:
    """:func:`solve`, with the core's message about the input as an ``st.error`` that ends the
    page: ``(result, note)``, the note saying when the patterns were sampled.  ``side``, ``main``:
    the page's columns of numbers and of its main figure (:func:`side_and_main`), where a stopped
    or failed job's bounds and figure go (:func:`job_stopped`)."""
    out = solve(ds, beta, loss)
    if out.job is not None:
        if out.job.status in jobs.ACTIVE:
            job_progress(state.session_id(), ds.n)
        else:
            job_stopped(out.job, ds, beta, loss, side=side, main=main)
        ui.stop()
    if out.result is None:
        st.error(out.error)
        ui.stop()
    return out.result, out.note


# ----------------------------------------------------------------------------- long solves
PROGRESS_EVERY = 0.5        # seconds between two looks at a running job


def progress_text(snap: jobs.Snapshot, n: int) -> str:
    """What a running (or queued) job has certified so far, in words."""
    if snap.status is jobs.Status.QUEUED:
        ahead = f"{snap.ahead} solve{'s' if snap.ahead != 1 else ''}"
        return (f"**Waiting for a free solver** ({ahead} of other students ahead). Program (8) for these "
                f"{n:,} points is solved exactly as soon as one is free.")
    head = (f"**Solving (8) exactly** over every activation pattern of these {n:,} points: "
            f"{snap.elapsed:.0f} s so far.")
    if not snap.bounded:
        return head + " Building the arrangement and the first working set …"
    return (head + f" Round {snap.round} of the working-set method, {snap.blocks:,} blocks in the working set. "
            f"Certified so far: {snap.lower:.6g} ≤ p\\* ≤ {snap.upper:.6g} (relative gap {snap.rel_gap:.1e}; "
            "optimal below 1e-6).")


@st.fragment(run_every=PROGRESS_EVERY)
def job_progress(session: str, n: int) -> None:
    """The session's running job: its rounds, certified bounds and time, redrawn every
    :data:`PROGRESS_EVERY` s, and **Stop**; when the job ends (done, stopped, failed) the whole
    page runs again and shows what it gave."""
    snap = cached.JOBS.get(session)
    if snap is None or snap.status not in jobs.ACTIVE:
        st.rerun(scope="app")
    assert snap is not None
    with st.container(border=True):
        st.markdown(progress_text(snap, n))
        st.button("Stop", key="_job_stop", icon=":material/stop_circle:", on_click=stop_job,
                  args=(session,), help="Stop this solve now. Its certified bounds on p* so far are kept; "
                                        "your data and settings are untouched.")


def stop_job(session: str) -> None:
    """``on_click`` of Stop: end the session's job now (:meth:`lab.jobs.JobBoard.stop`)."""
    cached.JOBS.stop(session)


def stopped_text(snap: jobs.Snapshot, *, figure: bool = False) -> str:
    """What a stopped (or failed) job had certified, labelled as not optimal (``figure``: the page
    draws :func:`stopped_figure` beside it)."""
    data = " The figure shows your data only." if figure else ""
    if snap.status is jobs.Status.FAILED:
        return (f"**The exact solve failed** ({snap.message}).{data} "
                "Your data set and settings are kept; try **Solve again**, fewer points or a larger β.")
    when = f"after {snap.round} round{'s' if snap.round != 1 else ''} ({snap.elapsed:.1f} s)"
    if not snap.bounded:
        return (f"**Stopped — not optimal.** The exact solve was stopped {when}, before its first round "
                f"finished: there is no bound on p\\* and no network yet.{data} Your data set and settings are kept.")
    if snap.network is not None and figure:
        upper = ("the upper bound is the objective (2) of the network drawn, the one of the solve's last round "
                 "before the stop (not the optimal network)")
    elif snap.network is not None:
        upper = "the upper bound is the objective (2) of the network of the solve's last round (not the optimal one)"
    else:
        upper = "the upper bound is the value of (8) at the solve's last restricted optimum (not the optimal one)"
    return (f"**Stopped — not optimal.** The exact solve was stopped {when}. What it had certified: "
            f"**{snap.lower:.6g} ≤ p\\* ≤ {snap.upper:.6g}** (relative gap {snap.rel_gap:.1e}; a solve is "
            "called optimal below 1e-6). The lower bound is the dual value (4) at a point that exact pricing "
            f"over every pattern made feasible; {upper}. The rest of the page needs the optimum: **Solve again** "
            "to finish it. Your data set and settings are kept.")


STOPPED_NAME = "stopped — not optimal"


def stopped_figure(ds: Dataset, snap: jobs.Snapshot, *, height: int, legend: str = "compact") -> Any:
    """The page's main figure after a stopped or failed job: the data with the network of the
    stopped solve's last round, named "stopped — not optimal" in the legend (:func:`network_figure`), or
    the data alone (the Data page's canvas) when there is no network."""
    net = snap.network
    if net is None or snap.status is not jobs.Status.STOPPED:
        return F.data_canvas(ds.X, ds.y, ds.d, height=height)
    return network_figure(ds, net, height=height, legend=legend,
                          name=f"{STOPPED_NAME}: f(x)" + (" = 0" if ds.d == 2 else ""))


def stopped_alt(ds: Dataset, snap: jobs.Snapshot) -> str:
    """The text alternative of :func:`stopped_figure`."""
    net = snap.network
    if net is None or snap.status is not jobs.Status.STOPPED:
        return (f"Chart: the {ds.n} data points only; the exact solve failed, or was stopped before its first "
                f"round.")
    what = "the fit f(x)" if ds.d == 1 else "the decision regions and boundary f(x) = 0"
    m = int(np.asarray(net.alpha).size)
    neurons = f"{m} neuron{'s' if m != 1 else ''}"
    return (f"Chart: {what} of the network of a stopped solve's last round, stopped — not optimal, on the {ds.n} "
            f"data points: its objective {net.value:.6g} is an upper bound on p*, with {neurons}"
            + (", each drawn too." if m else "."))


def stopped_caption(ds: Dataset, snap: jobs.Snapshot) -> str:
    """What :func:`stopped_figure` shows, in words."""
    if snap.network is None or snap.status is not jobs.Status.STOPPED:
        return "Your data: there is no network to draw (the solve failed, or was stopped before its first round)."
    return (f"**Stopped — not optimal.** The network of the solve's last round before the stop, on your data: "
            f"its objective (2) is {snap.network.value:.6g}, the upper bound on p\\* beside it, not p\\*.")


def job_stopped(snap: jobs.Snapshot, ds: Dataset, beta: float, loss: str, *, side: Any = None,
                main: Any = None) -> None:
    """A stopped or failed job: its last certified bounds, clearly not optimal, and Solve again;
    with ``main``, the page's main figure there (:func:`stopped_figure`) and the bounds in
    ``side`` (or under it)."""
    numbers = side if side is not None else st.container()
    if main is not None:
        ui.chart(stopped_figure(ds, snap, height=F.CANVAS_HEIGHT), container=main, key="_job_stopped_fit",
                 alt=stopped_alt(ds, snap))
        ui.caption(stopped_caption(ds, snap), main)
    with numbers:
        if snap.bounded and snap.status is jobs.Status.STOPPED:
            k = st.columns(1 if side is not None else 3)
            k[0].metric("certified lower bound on p*", f"{snap.lower:.6g}")
            k[min(1, len(k) - 1)].metric("upper bound on p* (not optimal)", f"{snap.upper:.6g}")
            k[min(2, len(k) - 1)].metric("relative gap", f"{snap.rel_gap:.1e}")
        again = st.button("Solve again", key="_job_again", icon=":material/refresh:",
                          help="Start the exact solve of (8) for these data and settings again.")
    st.warning(stopped_text(snap, figure=main is not None), icon=":material/pause_circle:")
    if again:
        solve(ds, beta, loss, again=True)
        st.rerun()


def network_figure(ds: Dataset, res: ConvexResult | StoppedNetwork, *, height: int, clickable: bool = False,
                   show_neurons: bool = True, legend: str = "top", name: str | None = None) -> Any:
    """The optimal network of ``res`` on the data: the fit f(x) with each neuron (1-D data), or the
    decision regions with each neuron's line (2-D data; ``legend`` as :func:`lab.figures.decision_2d`).
    ``clickable``: a click on the empty canvas adds a point (:func:`lab.ui.clickable_chart`).
    ``name``: the fit's (1-D) or the boundary's (2-D) name in the legend, for a network that is
    not the optimum (a stopped solve's)."""
    grid, f = network_on_canvas(res.U, res.alpha, bool(ds.bias), ds.d)
    if ds.d == 1:
        return F.fit_1d(ds.X[:, 0], ds.y, grid, {name or "optimal network f(x)": f}, U=res.U, alpha=res.alpha,
                        bias=bool(ds.bias), show_neurons=show_neurons, clickable=clickable, height=height)
    return F.decision_2d(ds.X, ds.y, grid, grid, f, U=res.U, alpha=res.alpha, bias=bool(ds.bias),
                         show_neurons=show_neurons, height=height, clickable=clickable, legend=legend,
                         boundary_name=name or "boundary f(x) = 0")


def network_alt(ds: Dataset, res: ConvexResult) -> str:
    """The text alternative of :func:`network_figure`: what it shows, with p* and m*."""
    what = ("the fit f(x) of the optimal network" if ds.d == 1
            else "the decision regions and boundary f(x) = 0 of the optimal network")
    return (f"Chart: {what} on the {ds.n} data points, p* = {res.value:.5g} with m* = {res.m_star} neurons"
            + (", each neuron drawn too." if res.m_star else "."))


# ----------------------------------------------------------------------------- layouts
def side_and_main(main: float = 2.0) -> tuple[Any, Any]:
    """A narrow column of controls and numbers beside the main figure (widths 1 : ``main``): on a
    projector at 1280×720 the figure is large and entirely visible without scrolling."""
    side, body = st.columns([1, main], gap="medium")
    return side, body


def controls_row(widths: Sequence[float]) -> list[Any]:
    """A row of controls above a figure, their widgets aligned at the bottom."""
    return list(st.columns(list(widths), vertical_alignment="bottom"))
