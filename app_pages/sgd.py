"""SGD vs optimum: ordinary training of (2) from random starts, watched step by step against the
convex optimum p* and each run's certified lower bound."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from cvxcore import ConvexResult
from lab import codec, solve_job, state, training, ui
from lab import figures as F
from lab import page as P
from lab.canvas import network_on_canvas
from lab.codec import Dataset
from lab.figure2 import figure2_view

INTRO = r"""
Here the non-convex objective (2) is trained the usual way: (stochastic) gradient descent on $m$ neurons
from several random starts. The dashed line is $p^*$ from the convex program (8): every network of any width has
objective $\ge p^*$, so no run can go below it. Each run also carries a **certificate**: a dual point built from the
run's own residual gives a lower bound on $p^*$ (dotted, same colour). The run's objective comes down towards $p^*$
from above (a stuck run stops above it) while its bound comes up from below: together they prove how far above the
global optimum the run is *at most*.
"""
HEIGHT = 450           # the live figures: under the controls, inside a 1280×720 screen
FIT_HEIGHT = HEIGHT - 45   # the fit beside the traces, under its one-line heading: the same bottom
LIVE_GRID = 61         # the live 2-D fit's grid (the Convex page's is 81²): half the bytes a frame
FINAL_1D_RUNS = 6      # the final 1-D fits show the best runs, at most this many


@dataclass(frozen=True)
class View:
    """What one run of the page draws the live figures with."""
    ds: Dataset
    res: ConvexResult
    p_label: str
    shown: int                 # the run whose fit is drawn beside the traces
    lr_try: float              # the learning rate to suggest after a divergence
    counter: Any               # the placeholder of the step counter


@P.guarded
def render() -> None:
    P.header("SGD against the global optimum", INTRO, fold=True)
    ds = state.get_dataset()
    P.require_data(ds)
    X = state.design_matrix(ds)
    cfg, speed = _settings(ds)
    res, note = P.optimum_or_stop(ds, cfg.beta, cfg.loss)
    live = _live(X, ds, cfg, res)
    view = _buttons(live, ds, res, cfg)
    playing = live.playing
    interval, per_frame = training.frame_plan(speed)
    # Paused or finished: each run's certificate refined by cutting planes (computed once per step
    # count), the one number the header, the diamonds on the traces and the table below all show.
    if live.run.started and not playing:
        with st.spinner("Refining each run's certificate …"):
            live.run.certificates("refined")

    @st.fragment(run_every=interval if playing and not live.run.finished else None)
    def animate() -> None:
        """One frame: while playing, ``per_frame`` more steps; then the counter and both figures.

        Streamlit reruns only this function every ``interval`` seconds while playing (the page
        stays responsive, and a click on Pause takes effect before the next frame).  When the run
        ends here, the whole page reruns: the buttons change state and the certificates appear."""
        now = state.sgd_session()
        if now is None:
            return
        r = now.run
        ended = False
        if now.playing and not r.finished:
            r.advance(per_frame)
            ended = r.finished
        view.counter.markdown(counter_text(r))
        certs = r.certificates("live" if now.playing else "refined")
        left, right = st.columns([1.1, 1] if ds.d == 1 else [1, 1.1])
        _draw_traces(r, left, view, certs)
        _draw_fit(r, right, view, certs)
        if ended:
            now.playing = False
            st.rerun()

    animate()
    _outcome(live.run, ds, res, cfg, view, note)
    if not live.run.started:
        st.info("Press **Play** to train (or **Step** for one step at a time). Changing a setting starts over.")
        _finish()
    if live.playing:
        _finish()          # the certificates and the final fits come when paused or finished
    _certificates(live.run, ds, res, cfg)
    if not live.run.finished:
        _finish()
    _final_fits(live.run, ds, res, view.lr_try)
    _figure2()


def _settings(ds: Dataset) -> tuple[training.Config, int]:
    """The knobs a lecturer turns (β, m, learning rate, speed) in one row; the others in a popover
    whose label says their values, so the main figure stays above the fold on a projector."""
    batches = state.batch_sizes(ds.n)
    if state.setting("batch") not in batches:
        state.set_setting("batch", codec.FULL_BATCH)
    c = P.controls_row([1, 1, 1, 1, 1.4])
    with c[0]:
        beta = state.beta_slider(beta_max=state.data_beta_max(ds, state.current_loss()), caption=False)
    with c[1]:
        m = state.slider("m", "width m (neurons)")
    with c[2]:
        lr = state.lr_slider()
    with c[3]:
        speed = int(state.slider("speed", "speed (steps / s)",
                                 help="Steps of training shown per second. At 1–5 steps/s every frame is "
                                      "one step; changing it does not restart the run."))
    more = ("loss", "trials", "steps", "batch", "seed", "opt")
    if any(state.show(k) for k in more):
        # the steps are beside Play ("step k of N"): the label holds the rest, on one line
        label = " · ".join([state.current_loss(), f"{state.number('trials')} runs"]
                           + ([f"batch {state.setting('batch')}"]
                              if state.setting("batch", codec.FULL_BATCH) != codec.FULL_BATCH else [])
                           + ([state.setting("opt")] if state.setting("opt") not in (None, "sgd") else []))
        box = c[4].popover(label, icon=":material/tune:", width="stretch",
                           help="Loss, number of runs, steps, batch size, seed and optimizer "
                                "(the steps are shown beside Play).")
    else:
        box = st.container()
    with box:
        loss = state.loss_select()
        trials = state.slider("trials", "random starts (trials)")
        steps = state.slider("steps", "steps")
        batch = state.widget("batch", codec.FULL_BATCH, st.selectbox, "batch size", batches,
                             format_func=lambda b: "full batch (GD)" if b == codec.FULL_BATCH else str(b),
                             help="Points per stochastic gradient step; 'full' is plain gradient descent.")
        seed = int(state.number_input("seed", "seed",
                                      help="Same seed, same starts and batches: runs are reproducible."))
        opt = state.choice("opt", "optimizer",
                           help="sgd: plain steps; momentum: heavy ball (0.9); adam: Kingma & Ba.")
    cfg = training.Config(beta=beta, loss=loss, m=m, trials=trials, lr=lr, steps=steps,
                          batch=None if batch == codec.FULL_BATCH else int(batch), seed=seed, optimizer=opt)
    return cfg, speed


def _live(X: np.ndarray, ds: Dataset, cfg: training.Config, res: ConvexResult) -> training.LiveSession:
    """The session's run for these data and settings (a new one when any of them changed)."""
    key = (X.tobytes(), ds.y.tobytes(), cfg, res.exact_patterns)
    live = state.sgd_session()
    if live is None or live.key != key:
        live = training.LiveSession(key, _new_run(X, ds, cfg, res))
        state.set_sgd_session(live)
    if live.run.finished:
        live.playing = False
    return live


def _new_run(X: np.ndarray, ds: Dataset, cfg: training.Config, res: ConvexResult) -> training.LiveRun:
    """A run from step 0; certified against the exact arrangement when there is one."""
    return training.LiveRun(X, ds.y, cfg, solve_job.exact_patterns(X) if res.exact_patterns else None)


def _buttons(live: training.LiveSession, ds: Dataset, res: ConvexResult, cfg: training.Config) -> View:
    """Play, Pause, Step, Reset, the step counter and the run whose fit is shown."""
    X = state.design_matrix(ds)
    run = live.run

    def play() -> None:
        live.playing = True

    def pause() -> None:
        live.playing = False

    def step() -> None:
        live.playing = False
        live.run.advance(1)

    def reset() -> None:
        live.run, live.playing = _new_run(X, ds, cfg, res), False

    playing = live.playing
    b = st.columns([1, 1, 1, 1, 2.2, 1.4], vertical_alignment="center")
    b[0].button("Play", icon=":material/play_arrow:", key="_sgd_play", on_click=play, width="stretch",
                disabled=playing or run.finished, help="Train at the chosen speed.")
    b[1].button("Pause", icon=":material/pause:", key="_sgd_pause", on_click=pause, width="stretch",
                disabled=not playing, help="Stop after the current frame; Play continues.")
    b[2].button("Step", icon=":material/skip_next:", key="_sgd_step", on_click=step, width="stretch",
                disabled=playing or run.finished, help="One step of (stochastic) gradient descent.")
    b[3].button("Reset", icon=":material/restart_alt:", key="_sgd_reset", on_click=reset, width="stretch",
                disabled=not run.started and not run.error, help="Back to step 0 (the same starts: same seed).")
    counter = b[4].empty()
    if (state.widget_value("_sgd_show") or 0) >= cfg.trials:
        state.set_widget_value("_sgd_show", 0)
    shown = b[5].selectbox("fit of", range(cfg.trials), format_func=lambda t: f"fit of run {t + 1}",
                           key="_sgd_show", label_visibility="collapsed",
                           help="The run whose fit is drawn beside the traces.")
    p_label = "p* (convex optimum)" if res.exact_patterns else "value of (8), sampled patterns"
    return View(ds, res, p_label, int(shown), lr_to_try(cfg.lr), counter)


def lr_to_try(lr: float) -> float:
    """The learning rate to suggest after a divergence: the grid's value at or below a tenth of ``lr``."""
    return max([v for v in state.LR_GRID if v <= lr / 10] or [state.LR_GRID[0]])


def counter_text(r: training.LiveRun) -> str:
    """The step counter beside the buttons: the step (when every run diverged, the last
    divergence, where the table's runs stopped), the epoch for SGD, and how the run ended."""
    epoch = "" if r.cfg.batch is None else f" · epoch {r.epoch:,.1f}"
    text = f"**step {r.last_step:,}** of {r.cfg.steps:,}{epoch}"
    if r.all_diverged:
        text += " · every run diverged"
    elif r.all_halted:
        text += (" · stopped: every run inactive (the network is zero)" if r.inactive.all() else
                 " · stopped: every run diverged or inactive")
    elif r.finished and r.started:
        text += " · done"
    return text


def percent_above(cert: training.RunCertificate) -> str:
    """How far above p* the certificate proves the run is, at most: "8.52 %" (the table's cell and
    the fit's heading print this one string)."""
    return percent(100 * cert.rel_gap) if cert.certified else "no bound yet"


def fit_heading(r: training.LiveRun, t: int, certs: list[training.RunCertificate] | None) -> str:
    """The heading of run ``t``'s fit: its step, status and the certificate the table shows."""
    if not r.started:
        return f"**run {t + 1}** (press Play or Step)"
    if r.diverged[t]:
        return f"**Run {t + 1} diverged** at step {int(r.diverged_at[t]):,}: not drawn"
    head = f"**Run {t + 1}** at step {r.end_step:,}: "
    c = None if certs is None else certs[t]
    if r.inactive[t]:
        return head + ("all neurons inactive — the network is zero" + (
            f" (objective {c.objective:.5g}, at most {percent_above(c)} above p\\*, {c.kind} certificate)"
            if c is not None and c.certified else f" (objective {r.current[t]:.5g})"))
    if c is None:
        return head + f"objective {r.current[t]:.5g}"
    if not c.certified:
        return head + f"objective {c.objective:.5g}, no certified bound yet"
    return head + (f"objective {c.objective:.5g} ≤ p\\* + {c.gap:.3g}, at most {percent_above(c)} above p\\* "
                   f"({c.kind} certificate)")


def _zero_note(fig: Any, lr_try: float) -> None:
    """Say on a fit whose network is zero on the data why its picture is (nearly) blank; colour f
    on the scale of the hinge margin (|f| = 1 at full colour), so that the round-off or the small
    values of a dead network off the data are not drawn as a confident class.  ``fig`` must be
    the caller's own (a builder's ``uncached``): the memoised figures are shared."""
    fig.update_traces(zmin=-1, zmax=1, selector=dict(type="heatmap"))
    fig.add_annotation(text=f"<b>All neurons inactive:</b><br>the network is zero<br>(f = 0 at every data point).<br>"
                            f"Try a smaller learning rate<br>(e.g. {lr_try:g}) or another seed.",
                       xref="paper", yref="paper", x=0.5, y=0.99, yanchor="top", showarrow=False,
                       font=dict(size=F.FONT - 4),
                       bgcolor="rgba(255,255,255,0.85)", bordercolor="#8a5a00", borderwidth=2, borderpad=6)


def _draw_traces(r: training.LiveRun, container: Any, view: View, certs: list[training.RunCertificate] | None) -> None:
    refined = certs is not None and certs[0].kind == "refined"
    fig = F.sgd_traces(r.steps, r.history(), view.res.value, total_steps=r.cfg.steps, p_star_label=view.p_label,
                       bound_steps=r.bound_steps, bounds=r.bounds, diverged=r.diverged,
                       diverged_at=r.diverged_at, selected=view.shown, height=HEIGHT,
                       refined=(np.array([np.nan if c.status == "diverged" else c.lower_bound for c in certs])
                                if certs is not None and refined else None),
                       refined_at=r.end_step if refined else None)
    # (no note across the plot when every run diverged: it hid the traces and the axis title; the
    # warning under the figures says it, with the learning rate to try)
    ui.chart(fig, container=container, key="_sgd_traces")


def _draw_fit(r: training.LiveRun, container: Any, view: View, certs: list[training.RunCertificate] | None) -> None:
    """The selected run's network now, beside the traces, with the optimum for comparison; a
    network that is zero on the data is drawn too (a flat line, a blank region), and said so."""
    ds, res, t = view.ds, view.res, view.shown
    bias = bool(ds.bias)
    col = F.TRACE_COLORS[t % len(F.TRACE_COLORS)]
    ok = r.started and not r.diverged[t]
    zero = ok and bool(r.inactive[t])
    if ds.d == 1:
        xs, f_opt = network_on_canvas(res.U, res.alpha, bias, 1)
        curves = {"optimum (8)": f_opt}
        U = a = None
        if ok:
            U, a = r.network(t)
            curves[f"run {t + 1}, step {r.end_step:,}"] = network_on_canvas(U, a, bias, 1)[1]
        fig = (F.fit_1d.uncached if zero else F.fit_1d)(
                       ds.X[:, 0], ds.y, xs, curves, U=U, alpha=a, bias=bias, show_neurons=ok,
                       kinks_only=True, colors={k: col for k in curves if k.startswith("run")},
                       height=FIT_HEIGHT, compact_legend=True)
    else:
        # a 61² grid (not the Convex page's 81²): a frame's figure is half the bytes, and the
        # boundary still moves in steps of 0.08 on a canvas 5 wide
        g, F_opt = network_on_canvas(res.U, res.alpha, bias, 2, LIVE_GRID)
        if ok:
            U, a = r.network(t)
            Fv = _zeroed(network_on_canvas(U, a, bias, 2, LIVE_GRID)[1])
            fig = (F.decision_2d.uncached if zero else F.decision_2d)(
                                ds.X, ds.y, g, g, Fv, U=U, alpha=a, bias=bias, height=FIT_HEIGHT,
                                reference=F_opt, boundary_name=f"run {t + 1}", reference_name="optimum (8)",
                                legend="side")
        else:
            fig = F.decision_2d(ds.X, ds.y, g, g, F_opt, U=None, alpha=None, bias=bias, height=FIT_HEIGHT,
                                show_neurons=False, boundary_name="optimum (8)", legend="side")
    if zero:
        _zero_note(fig, view.lr_try)
    container.markdown(fit_heading(r, t, certs))
    ui.chart(fig, container=container, key="_sgd_fit")


def _zeroed(Fv: np.ndarray) -> np.ndarray:
    """f on the canvas with round-off (|f| < 1e-9) set to 0: a dead network's 1e-16 would
    otherwise be drawn at full colour (the colour scale spans the largest |f|)."""
    return np.where(np.abs(Fv) < 1e-9, 0.0, Fv)


def _outcome(run: training.LiveRun, ds: Dataset, res: ConvexResult, cfg: training.Config, view: View,
             note: str | None) -> None:
    """What happened: an error, divergences, the sampled-patterns note, m against m*, the legend."""
    if run.error:
        st.error(run.error)
    div = run.diverged
    if div.any():
        which = ", ".join(str(t + 1) for t in np.flatnonzero(div))
        what = (f"**Every run diverged** ({run.cfg.trials} of {run.cfg.trials})" if div.all() else
                f"**Run{'s' if div.sum() > 1 else ''} {which} diverged**")
        st.warning(f"{what}: the objective (2) grew more than a millionfold above its start (or overflowed), so "
                   f"{'they were' if div.sum() > 1 else 'it was'} stopped there (✕) and left out of the axes' range. "
                   f"The learning rate {cfg.lr:g} is too large for these data: each step moves the weights "
                   f"by lr × the gradient, and the loss is summed over all n = {ds.n} points, so a step "
                   f"overshoots. Try a smaller learning rate, e.g. {view.lr_try:g}.", icon=":material/warning:")
    dead = np.flatnonzero(run.inactive & ~div)
    if dead.size:
        st.warning(inactive_text(run, dead, view.lr_try), icon=":material/power_off:")
    if note:
        st.warning(note)
    m = cfg.m
    if not res.exact_patterns:
        ui.caption(f"The line is the value {res.value:.5g} of (8) over sampled patterns, an upper bound on p*: "
                   "a run may end below it. No certificate is computed for so many points.")
    elif m < res.m_star:
        # m* counts the neurons of the optimal network (8) returned; Theorem 1 is sufficient (m ≥ m*), so a
        # narrower optimal network is not excluded: say "not guaranteed", never "impossible".
        st.warning(f"**m = {m} < m\\* = {res.m_star}.** The optimal network (8) returns has {res.m_star} neurons; "
                   "Theorem 1 guarantees that width m ≥ m\\* can reach p\\*; with fewer neurons it may not, so "
                   f"width-{m} runs may stay above the line. Set m ≥ {res.m_star} to give SGD a chance.")
    else:
        ui.caption(f"m = {m} ≥ m* = {res.m_star}: a width-{m} network can reach p* = {res.value:.5g}; "
                   "whether SGD finds it depends on the start.")
    ui.caption("Solid: objective (2) of each run. Dotted, same colour: the best lower bound on p* its networks "
               "have certified so far (the *live* certificate: the dual point from its residual, scaled to "
               "feasibility by one exact pricing over every cell, each frame). Diamonds, when paused or finished: "
               "the *refined* certificate (cutting planes), the number in the heading of the fit and in the table. "
               "Dashed: p*. "
               + ("Beside it: the chosen run's network now, with each neuron's kink (dotted) and the optimum "
                  "(black)." if ds.d == 1 else
                  "Beside it: the chosen run's decision regions now, its neurons' lines and the optimum's "
                  "boundary (dashed grey)."))


def inactive_text(run: training.LiveRun, dead: np.ndarray, lr_try: float) -> str:
    """The warning for the runs ``dead`` whose neurons all died: what it means and what to try."""
    k = dead.size
    who = ("Every run" if k == run.cfg.trials else
           f"Run{'s' if k > 1 else ''} {', '.join(str(int(t) + 1) for t in dead)}")
    halted = bool(run.halted[dead].all())
    return (f"**{who}: all neurons inactive — the network is zero.** No neuron is on at any data point "
            f"(xᵢᵀuⱼ ≤ 0 for every i and j), so f(xᵢ) = 0 at every data point, the loss sends no gradient through any "
            f"ReLU and "
            + ("the run cannot recover: each step only shrinks the weights by the factor 1 − lr·β" if halted
               else "only the optimizer’s momentum could revive a neuron")
            + f"{' (so it was stopped)' if halted and run.all_halted else ''}. One step that overshoots can switch "
            f"every neuron off: try a smaller learning rate (e.g. {lr_try:g}) or another seed.")


def percent(x: float) -> str:
    """A percentage with 2 decimals; below 0.01 % (or negative by solver tolerance) "< 0.01 %", not "0.00 %"."""
    return "< 0.01 %" if x < 0.01 else f"{x:.2f} %"


def certificate_rows(run: training.LiveRun, certs: list[training.RunCertificate], p_star: float) -> list[dict]:
    """One row per run, read from the run's certificate (the one its fit's heading shows): its
    status, objective, certified lower bound on p* and how far above p* the certificate proves it
    is at most (and, from p*, how far it actually is).  Every cell is text: a word or "—" where a
    number does not apply (a diverged run was stopped; its objective is meaningless)."""
    rows: list[dict] = []
    for c in certs:
        t = c.run
        if c.status == "diverged":
            rows.append({"run": t + 1, "status": f"diverged at step {int(run.diverged_at[t]):,} (stopped)",
                         "objective (2)": "— (diverged)", "certified lower bound on p*": "— (diverged)",
                         "certified: at most above p*": "— (diverged)", "actual: above p*": "— (diverged)"})
            continue
        status = ("all neurons inactive — the network is zero" if c.status == "inactive" else
                  "done" if run.finished else f"paused at step {c.step:,}")
        rows.append({"run": t + 1, "status": status, "objective (2)": f"{c.objective:.5g}",
                     "certified lower bound on p*": f"{c.lower_bound:.5g}" if c.certified else "none yet (≤ 0)",
                     "certified: at most above p*": f"{percent_above(c)} ({c.kind})",
                     "actual: above p*": percent((c.objective - p_star) / p_star * 100) if p_star > 0 else
                     "— (p* = 0)"})
    return rows


def loose_note(certs: list[training.RunCertificate], p_star: float, loss: str) -> str | None:
    """When some run's certificate is much larger than its actual distance above p*: what the
    number means and what would tighten it (None when every certificate is close)."""
    loose = []
    for c in certs:
        if c.status == "diverged" or not c.certified or p_star <= 0:
            continue
        cert, actual = 100 * c.rel_gap, 100 * (c.objective - p_star) / p_star
        if cert > 2 * actual + 1:           # more than twice the truth, and by over a percentage point
            loose.append(f"run {c.run + 1} ({percent(cert)} certified, {percent(max(actual, 0))} actual)")
    if not loose:
        return None
    hinge = loss == "hinge"
    return ("**Why a certificate can read more than the actual distance** — " + "; ".join(loose) + ". "
            "The certified number is proved from the run's own network alone, without solving (8): its residual "
            "gives a dual point, scaled to be feasible, whose value is a lower bound on p\\* (weak duality), so "
            "the run is *at most* that far above p\\*. It equals the actual distance only when the network is "
            "optimal; it is loose while the run is still far from a stationary point of (2)"
            + (", and for the hinge loss also because a point exactly on the margin (yᵢf(xᵢ) = 1) sits at the "
               "loss's kink, where the network does not fix that point's dual value and it has to be fitted" if hinge
               else "")
            + ". What tightens it: more steps (the run closer to stationary), a learning rate small enough to "
              "settle; the 'actual' column uses p\\* from the convex program instead.")


def _certificates(run: training.LiveRun, ds: Dataset, res: ConvexResult, cfg: training.Config) -> None:
    st.subheader("Certificates: how far above the global optimum is each run?")
    certs = run.certificates("refined")
    if not res.exact_patterns or certs is None:
        st.info("The certificate prices the dual over every cell of the arrangement; these "
                f"{ds.n} points have too many cells for that here, so no certificate is shown.")
    else:
        ui.table(certificate_rows(run, certs, res.value), hide_index=True, width="stretch")
        ui.caption(f"Certified: the run's objective minus a dual lower bound built from the run alone (its "
                   f"residual, refined by {training.REFINE} rounds of cutting planes through its neurons: the "
                   "*refined* certificate, at least as tight as the *live* dotted lines), as "
                   "(objective − bound)/bound, an upper bound on (objective − p*)/p*; the heading of the fit above "
                   "shows the same number. "
                   "'Actual' uses p* from the convex program.")
        note = loose_note(certs, res.value, cfg.loss)
        if note:
            st.info(note, icon=":material/info:")
    if state.show("io"):
        st.download_button("Download the traces (CSV)", codec.sgd_csv(run, p_star=res.value),
                           file_name=f"convex-relu-lab-sgd-m{cfg.m}-{cfg.loss}.csv", mime="text/csv",
                           icon=":material/download:", on_click="ignore", key="_sgd_csv",
                           help="Objective (2) of every run at each recorded step, and p* of (8).")


def _final_fits(run: training.LiveRun, ds: Dataset, res: ConvexResult, lr_try: float) -> None:
    """The runs' networks at the end beside the optimum's (1-D: the best runs on one plot; 2-D:
    the optimum, the best and the worst run's decision regions).  A run whose network is zero on
    the data is drawn as what it is (a flat line; no boundary, the optimum's dashed for
    comparison) and said so."""
    ranked = run.ranked()                      # the runs that did not diverge, best first
    st.subheader("Final fits: SGD runs and the optimum")
    if not ranked:
        st.info("Every run diverged: there is no fit to show. Lower the learning rate and press Play again.")
        _finish()
    bias = bool(ds.bias)
    if ds.d == 1:
        xs, f_opt = network_on_canvas(res.U, res.alpha, bias, 1)
        curves = {"optimum (8)": f_opt}
        for t in sorted(ranked[:FINAL_1D_RUNS]):           # the best runs, in run order
            curves[f"run {t + 1}"] = network_on_canvas(*run.network(t), bias, 1)[1]
        colors = {f"run {t + 1}": F.TRACE_COLORS[t % len(F.TRACE_COLORS)] for t in range(run.cfg.trials)}
        ui.chart(F.fit_1d(ds.X[:, 0], ds.y, xs, curves, bias=bias, show_neurons=False, colors=colors),
                 key="_sgd_final_fit")
        if len(ranked) > FINAL_1D_RUNS:
            ui.caption(f"The {FINAL_1D_RUNS} best of the {len(ranked)} runs that did not diverge.")
        dead = [t for t in sorted(ranked[:FINAL_1D_RUNS]) if run.inactive[t]]
        if dead:
            ui.caption(f"Run{'s' if len(dead) > 1 else ''} {', '.join(str(t + 1) for t in dead)}: all neurons "
                       "inactive — the network is zero at every data point (its line lies on f = 0 there).")
        return
    picks: list[tuple[str, np.ndarray, np.ndarray, int | None]] = [("optimum (8)", res.U, res.alpha, None)] + [
        (f"run {t + 1} ({lab}, objective {run.current[t]:.3g})"
         + (": all neurons inactive — the network is zero" if run.inactive[t] else ""), *run.network(t), t)
        for lab, t in (("best", ranked[0]), ("worst", ranked[-1]))]
    if len(ranked) == 1:
        picks = picks[:2]
    F_opt = network_on_canvas(res.U, res.alpha, bias, 2)[1]
    # two a row: at three a row a plot is ~250 px wide on a 1400 px screen, too small to read
    for row in range(0, len(picks), 2):
        cols = st.columns(2)
        for k, (col, (name, U, a, who)) in enumerate(zip(cols, picks[row:row + 2]), start=row):
            g, Fv = network_on_canvas(U, a, bias, 2)
            zero = who is not None and bool(run.inactive[who])
            col.markdown(f"**{name}**")       # above the chart: a plotly title collides with its top legend
            fig = (F.decision_2d.uncached if zero else F.decision_2d)(
                                ds.X, ds.y, g, g, _zeroed(Fv), U=U, alpha=a, bias=bias, height=520,
                                show_neurons=False, legend="none",
                                reference=F_opt if zero else None, reference_name="optimum (8)")
            if zero:
                _zero_note(fig, lr_try)
            ui.chart(container=col, fig=fig, key=f"_sgd_dec_{k}")
    ui.caption("Colour: the sign of f(x) (blue +1, orange −1; white: f = 0); black: the decision boundary f(x) = 0"
               + ("; dashed grey: the optimum's, beside a network that is zero" if any(
                   p[3] is not None and run.inactive[p[3]] for p in picks) else "")
               + "; points: blue circles class +1, orange squares class −1.")


def _figure2() -> None:
    """The paper's Figure 2 in an expander, at the end of whatever the page shows: computed
    (about 2 s a panel, cached) only when opened."""
    with st.expander("The paper's Figure 2: m = 8, 15 and 50 on its five points", key="_sgd_fig2_open",
                     on_change="rerun") as fig2:
        if fig2.open:
            figure2_view(key="_sgd_fig2")


def _finish() -> None:
    """End the page early: the paper's Figure 2 still comes last."""
    _figure2()
    ui.stop()


if __name__ == "__main__":          # Streamlit runs this file as the page (app.py: st.Page)
    render()
