"""SGD vs optimum: ordinary training of (2) from random starts, watched step by step against the
convex optimum p* and each run's certified lower bound."""
import numpy as np
import streamlit as st

from lab import cached, codec, state, training, ui
from lab import figures as F
from lab.figure2 import figure2_view


def _figure2():
    """The paper's Figure 2 in an expander, at the end of whatever the page shows: computed
    (about 2 s a panel, cached) only when opened."""
    with st.expander("The paper's Figure 2: m = 8, 15 and 50 on its five points", key="_sgd_fig2_open",
                     on_change="rerun") as fig2:
        if fig2.open:
            figure2_view(key="_sgd_fig2")


def _finish():
    _figure2()
    ui.stop()


st.title("SGD against the global optimum")
ui.intro(r"""
Here the non-convex objective (2) is trained the usual way: (stochastic) gradient descent on $m$ neurons
from several random starts. The dashed line is $p^*$ from the convex program (8): every network of any width has
objective $\ge p^*$, so no run can go below it. Each run also carries a **certificate**: a dual point built from the
run's own residual gives a lower bound on $p^*$ (dotted, same colour). The run's objective comes down towards $p^*$
from above (a stuck run stops above it) while its bound comes up from below: together they prove how far above the
global optimum the run is *at most*.
""")

ss = st.session_state
ds = state.get_dataset()
if ds.n == 0:
    st.info("The data set is empty. Add points on the **Data** page or load a preset there.")
    ui.stop()
X = state.design_matrix(ds)

# ----------------------------------------------------------------------------- settings
# The knobs a lecturer turns (β, m, learning rate, speed) in one row; the others in a popover
# whose label says their values, so the main figure stays above the fold on a projector.
batches = ["full"] + [b for b in (1, 2, 5, 10, 25, 50, 100, 200) if b < ds.n]
if state.setting("batch") not in batches:
    state.set_setting("batch", "full")
if state.setting("speed") not in training.SPEEDS:
    state.set_setting("speed", training.snap_speed(state.setting("speed", training.DEFAULT_SPEED)))
c = st.columns([1, 1, 1, 1, 1.25], vertical_alignment="bottom")
with c[0]:
    beta = state.beta_slider(beta_max=state.data_beta_max(ds, state.current_loss()), caption=False)
with c[1]:
    m = state.int_slider("m", "width m (neurons)", 1, 200, 8)
with c[2]:
    lr = state.lr_slider()
with c[3]:
    speed = int(state.widget("speed", training.DEFAULT_SPEED, st.select_slider, "speed (steps / s)",
                             options=training.SPEEDS,
                             help="Steps of training shown per second. At 1–5 steps/s every frame is "
                                  "one step; changing it does not restart the run."))
more = ("loss", "trials", "steps", "batch", "seed", "opt")
if any(state.show(k) for k in more):
    label = " · ".join([state.current_loss(), f"{state.setting('trials', 5)} runs",
                        f"{state.setting('steps', 2000):,} steps"]
                       + ([f"batch {state.setting('batch')}"] if state.setting("batch", "full") != "full" else [])
                       + ([state.setting("opt")] if state.setting("opt", "sgd") != "sgd" else []))
    box = c[4].popover(label, icon=":material/tune:", width="stretch",
                       help="Loss, number of runs, steps, batch size, seed and optimizer.")
else:
    box = None
with (box if box is not None else st.container()):
    loss = state.loss_select()
    trials = state.int_slider("trials", "random starts (trials)", 1, 20, 5)
    steps = state.int_slider("steps", "steps", 100, 20000, 2000, step=100)
    batch = state.widget("batch", "full", st.selectbox, "batch size", batches,
                         format_func=lambda b: "full batch (GD)" if b == "full" else str(b),
                         help="Points per stochastic gradient step; 'full' is plain gradient descent.")
    seed = int(state.widget("seed", 0, st.number_input, "seed", 0, 2**31 - 1, step=1,
                            help="Same seed, same starts and batches: runs are reproducible."))
    opt = state.widget("opt", "sgd", st.selectbox, "optimizer", ("sgd", "momentum", "adam"),
                       help="sgd: plain steps; momentum: heavy ball (0.9); adam: Kingma & Ba.")

# ----------------------------------------------------------------------------- the optimum
res, note, err = cached.solve_warm(X, ds.y, beta, loss)
if err:
    st.error(err)
    ui.stop()
p_star = res.value
exact = res.exact_patterns
p_label = "p* (convex optimum)" if exact else "value of (8), sampled patterns"

# ----------------------------------------------------------------------------- the run
cfg = training.Config(beta=beta, loss=loss, m=m, trials=trials, lr=lr, steps=steps,
                      batch=None if batch == "full" else int(batch), seed=seed, optimizer=opt)
key = (X.tobytes(), ds.y.tobytes(), cfg, exact)
live = ss.get("_sgd")
if live is None or live["key"] != key:
    live = ss["_sgd"] = {"key": key, "run": training.LiveRun(X, ds.y, cfg, res.patterns if exact else None),
                         "playing": False}
run: training.LiveRun = live["run"]
if run.finished:
    live["playing"] = False


def _play():
    live["playing"] = True


def _pause():
    live["playing"] = False


def _step():
    live["playing"] = False
    live["run"].advance(1)


def _reset():
    live.update(run=training.LiveRun(X, ds.y, cfg, res.patterns if exact else None), playing=False)


playing = live["playing"]
b = st.columns([1, 1, 1, 1, 2.2, 1.4], vertical_alignment="center")
b[0].button("Play", icon=":material/play_arrow:", key="_sgd_play", on_click=_play, width="stretch",
            disabled=playing or run.finished, help="Train at the chosen speed.")
b[1].button("Pause", icon=":material/pause:", key="_sgd_pause", on_click=_pause, width="stretch",
            disabled=not playing, help="Stop after the current frame; Play continues.")
b[2].button("Step", icon=":material/skip_next:", key="_sgd_step", on_click=_step, width="stretch",
            disabled=playing or run.finished, help="One step of (stochastic) gradient descent.")
b[3].button("Reset", icon=":material/restart_alt:", key="_sgd_reset", on_click=_reset, width="stretch",
            disabled=not run.started and not run.error, help="Back to step 0 (the same starts: same seed).")
counter = b[4].empty()
if ss.get("_sgd_show", 0) >= trials:
    ss["_sgd_show"] = 0
shown = b[5].selectbox("fit of", range(trials), format_func=lambda t: f"fit of run {t + 1}", key="_sgd_show",
                       label_visibility="collapsed", help="The run whose fit is drawn beside the traces.")

interval, per_frame = training.frame_plan(speed)
# the learning rate to suggest after a divergence: the grid's value at or below a tenth of this one
lr_try = max([v for v in state.LR_GRID if v <= lr / 10] or [state.LR_GRID[0]])
HEIGHT = 450           # the live figures: under the controls, inside a 1280×720 screen
LIVE_GRID = 61


def _counter_text(r: training.LiveRun) -> str:
    epoch = "" if r.cfg.batch is None else f" · epoch {r.epoch:,.1f}"
    text = f"**step {r.end_step:,}** of {r.cfg.steps:,}{epoch}"
    if r.all_diverged:
        text += " · every run diverged"
    elif r.finished and r.started:
        text += " · done"
    return text


def _draw_traces(r: training.LiveRun, container) -> None:
    note = (f"Every run diverged (✕): try a smaller learning rate, e.g. {lr_try:g}" if r.all_diverged else None)
    still = not live["playing"] and refined is not None and refined[0] == r.end_step
    fig = F.sgd_traces(r.steps, r.history(), p_star, total_steps=r.cfg.steps, p_star_label=p_label,
                       bound_steps=r.bound_steps, bounds=r.bounds, diverged=r.diverged,
                       diverged_at=r.diverged_at, selected=shown, height=HEIGHT, note=note,
                       refined=refined[1] if still else None, refined_at=r.end_step if still else None)
    ui.chart(fig, container=container, key="_sgd_traces")


def _draw_fit(r: training.LiveRun, container) -> None:
    """The selected run's network now, beside the traces, with the optimum for comparison."""
    t = shown
    col = F.TRACE_COLORS[t % len(F.TRACE_COLORS)]
    ok = r.started and not r.diverged[t]
    name = f"run {t + 1}" + ("" if r.started else " (press Play or Step)")
    if r.started and r.diverged[t]:
        name = f"run {t + 1} diverged: not drawn"
    if ds.d == 1:
        xs, f_opt = training.fit_1d(res.U, res.alpha, ds.bias)
        curves = {"optimum (8)": f_opt}
        U = a = None
        if ok:
            U, a = r.network(t)
            curves[f"run {t + 1}, step {r.end_step:,}"] = training.fit_1d(U, a, ds.bias)[1]
        fig = F.fit_1d(ds.X[:, 0], ds.y, xs, curves, U=U, alpha=a, bias=ds.bias, show_neurons=ok,
                       kinks_only=True, colors={k: col for k in curves if k.startswith("run")},
                       height=HEIGHT, compact_legend=True)
    else:
        # a 61² grid (not the Convex page's 81²): a frame's figure is half the bytes, and the
        # boundary still moves in steps of 0.08 on a canvas 5 wide
        g, F_opt = training.regions_2d(res.U, res.alpha, ds.bias, points=LIVE_GRID)
        if ok:
            U, a = r.network(t)
            _, Fv = training.regions_2d(U, a, ds.bias, points=LIVE_GRID)
            fig = F.decision_2d(ds.X, ds.y, g, g, Fv, U=U, alpha=a, bias=ds.bias, height=HEIGHT,
                                reference=F_opt, boundary_name=f"run {t + 1}", reference_name="optimum (8)",
                                legend="side")
        else:
            fig = F.decision_2d(ds.X, ds.y, g, g, F_opt, U=None, alpha=None, bias=ds.bias, height=HEIGHT,
                                show_neurons=False, boundary_name="optimum (8)", legend="side")
    container.markdown(f"**{name}**" if not ok else
                       f"**Run {t + 1}** at step {r.end_step:,}: objective {r.current[t]:.4g}"
                       + (f" ≤ p* + {r.current[t] - r.bounds[t, -1]:.2g} (certified)"
                          if r.bounds.shape[1] and np.isfinite(r.bounds[t, -1]) else ""))
    ui.chart(fig, container=container, key="_sgd_fit")


@st.fragment(run_every=interval if playing and not run.finished else None)
def _animate():
    """One frame: while playing, ``per_frame`` more steps; then the counter and both figures.

    Streamlit reruns only this function every ``interval`` seconds while playing (the page
    stays responsive, and a click on Pause takes effect before the next frame).  When the run
    ends here, the whole page reruns: the buttons change state and the certificates appear."""
    live = ss.get("_sgd")
    if live is None:
        return
    r = live["run"]
    ended = False
    if live["playing"] and not r.finished:
        r.advance(per_frame)
        ended = r.finished
    counter.markdown(_counter_text(r))
    left, right = st.columns([1.1, 1] if ds.d == 1 else [1, 1.1])
    _draw_traces(r, left)
    _draw_fit(r, right)
    if ended:
        live["playing"] = False
        st.rerun()


# Paused or finished: each run's certificate refined by cutting planes, drawn as a diamond at
# the end of its bound and listed in the table below (computed once per step count).
refined = None
if exact and run.started and not live["playing"]:
    with st.spinner("Refining each run's certificate …"):
        refined = (run.end_step, np.array([np.nan if c is None else c.lower_bound for c in run.certificates()]))
_animate()

# ----------------------------------------------------------------------------- what happened
if run.error:
    st.error(run.error)
div = run.diverged
if div.any():
    which = ", ".join(str(t + 1) for t in np.flatnonzero(div))
    what = (f"**Every run diverged** ({run.cfg.trials} of {run.cfg.trials})" if div.all() else
            f"**Run{'s' if div.sum() > 1 else ''} {which} diverged**")
    st.warning(f"{what}: the objective (2) grew more than a millionfold above its start (or overflowed), so "
               f"{'they were' if div.sum() > 1 else 'it was'} stopped there and left out of the axes and the "
               f"table. The learning rate {lr:g} is too large for these data: each step moves the weights "
               f"by lr × the gradient, and the loss is summed over all n = {ds.n} points, so a step "
               f"overshoots. Try a smaller learning rate, e.g. {lr_try:g}.", icon=":material/warning:")
if note:
    st.warning(note)
if not exact:
    ui.caption(f"The line is the value {p_star:.5g} of (8) over sampled patterns, an upper bound on p*: "
               "a run may end below it. No certificate is computed for so many points.")
elif m < res.m_star:
    # m* counts the neurons of the optimal network (8) returned; Theorem 1 is sufficient (m ≥ m*), so a
    # narrower optimal network is not excluded: say "not guaranteed", never "impossible".
    st.warning(f"**m = {m} < m\\* = {res.m_star}.** The optimal network (8) returns has {res.m_star} neurons; "
               f"Theorem 1 guarantees p\\* is reachable only for m ≥ m\\*, so width-{m} runs may stay above "
               f"the line. Set m ≥ {res.m_star} to give SGD a chance.")
else:
    ui.caption(f"m = {m} ≥ m* = {res.m_star}: a width-{m} network can reach p* = {p_star:.5g}; "
               "whether SGD finds it depends on the start.")
ui.caption("Solid: objective (2) of each run. Dotted, same colour: the best lower bound on p* its networks "
           "have certified so far (the dual point from its residual, scaled to feasibility by one exact pricing "
           "over every cell, each frame; loose for the hinge loss, whose subgradient at points on the margin "
           "is arbitrary). Diamonds, when paused or finished: the bound refined by cutting planes. Dashed: p*. "
           + ("Beside it: the chosen run's network now, with each neuron's kink (dotted) and the optimum (black)."
              if ds.d == 1 else
              "Beside it: the chosen run's decision regions now, its neurons' lines and the optimum's boundary "
              "(dashed grey)."))

if not run.started:
    st.info("Press **Play** to train (or **Step** for one step at a time). Changing a setting starts over.")
    _finish()
if live["playing"]:
    _finish()          # the certificates and the final fits come when paused or finished


# ----------------------------------------------------------------------------- certificates
def _pct(x: float) -> str:
    """A percentage with 2 decimals; below 0.01 % (or negative by solver tolerance) "< 0.01 %", not "0.00 %"."""
    return "< 0.01 %" if x < 0.01 else f"{x:.2f} %"


st.subheader("Certificates: how far above the global optimum is each run?")
if not exact:
    st.info("The certificate prices the dual over every cell of the arrangement; these "
            f"{ds.n} points have too many cells for that here, so no certificate is shown.")
else:
    certs = run.certificates()
    rows = []
    at = run.diverged_at
    for t in range(run.cfg.trials):
        cert = certs[t]
        if cert is None:
            rows.append({"run": t + 1, "status": f"diverged at step {int(at[t]):,}", "objective (2)": None,
                         "certified lower bound on p*": None, "certified: at most above p*": "—",
                         "actual: above p*": "—"})
            continue
        obj, lb = float(cert.objective), float(cert.lower_bound)
        bound = (obj - lb) / lb * 100 if lb > 0 else np.inf
        rows.append({"run": t + 1, "status": "done" if run.finished else f"paused at step {run.end_step:,}",
                     "objective (2)": round(obj, 5), "certified lower bound on p*": round(lb, 5),
                     "certified: at most above p*": _pct(bound) if np.isfinite(bound) else "no bound (lower bound ≤ 0)",
                     "actual: above p*": _pct((obj - p_star) / p_star * 100) if p_star > 0 else "—"})
    ui.table(rows, hide_index=True, width="stretch")
    ui.caption(f"Certificate: the run's objective minus a dual lower bound built from the run alone (its residual, "
               f"refined by {training.REFINE} rounds of cutting planes through its neurons, so tighter than the "
               "dotted lines), (objective − bound)/bound: an upper bound on (objective − p*)/p*. "
               "'Actual' uses p* from the convex program.")

if state.show("io"):
    st.download_button("Download the traces (CSV)", codec.sgd_csv(run, p_star=p_star),
                       file_name=f"convex-relu-lab-sgd-m{m}-{loss}.csv", mime="text/csv",
                       icon=":material/download:", on_click="ignore", key="_sgd_csv",
                       help="Objective (2) of every run at each recorded step, and p* of (8).")

# ----------------------------------------------------------------------------- final fits
if not run.finished:
    _finish()
ranked = run.ranked()                      # the runs that did not diverge, best first
st.subheader("Final fits: SGD runs and the optimum")
if not ranked:
    st.info("Every run diverged: there is no fit to show. Lower the learning rate and press Play again.")
    _finish()
if ds.d == 1:
    xs, f_opt = training.fit_1d(res.U, res.alpha, ds.bias)
    curves = {"optimum (8)": f_opt}
    for t in sorted(ranked[:6]):           # the 6 best runs, in run order
        curves[f"run {t + 1}"] = training.fit_1d(*run.network(t), ds.bias)[1]
    colors = {f"run {t + 1}": F.TRACE_COLORS[t % len(F.TRACE_COLORS)] for t in range(run.cfg.trials)}
    ui.chart(F.fit_1d(ds.X[:, 0], ds.y, xs, curves, bias=ds.bias, show_neurons=False, colors=colors),
             key="_sgd_final_fit")
    if len(ranked) > 6:
        ui.caption(f"The 6 best of the {len(ranked)} runs that did not diverge.")
else:
    picks = [("optimum (8)", res.U, res.alpha)] + [
        (f"run {t + 1} ({lab}, objective {run.current[t]:.3g})", *run.network(t))
        for lab, t in (("best", ranked[0]), ("worst", ranked[-1]))]
    if len(ranked) == 1:
        picks = picks[:2]
    # two a row: at three a row a plot is ~250 px wide on a 1400 px screen, too small to read
    for row in range(0, len(picks), 2):
        cols = st.columns(2)
        for k, (col, (name, U, a)) in enumerate(zip(cols, picks[row:row + 2]), start=row):
            g, Fv = training.regions_2d(U, a, ds.bias)
            col.markdown(f"**{name}**")       # above the chart: a plotly title collides with its top legend
            ui.chart(container=col, fig=F.decision_2d(ds.X, ds.y, g, g, Fv, U=U, alpha=a, bias=ds.bias,
                                                      height=520, show_neurons=False, legend="none"),
                     key=f"_sgd_dec_{k}")
    ui.caption("Colour: the sign of f(x) (blue +1, orange −1); black: the decision boundary f(x) = 0; "
               "points: blue circles class +1, orange squares class −1.")

_figure2()
