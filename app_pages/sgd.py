"""SGD vs optimum: ordinary training of (2) from random starts, against the convex optimum p*."""
import numpy as np
import plotly.graph_objects as go
import streamlit as st

from cvxcore import predict, with_bias
from cvxcore.training import certify_runs, train_sgd
from lab import cached, codec, state, ui
from lab import figures as F


st.title("SGD against the global optimum")
ui.prose(r"""
Here the non-convex objective (2) is trained the usual way: (stochastic) gradient descent on $m$ neurons
from several random starts. The dashed line is $p^*$ from the convex program (8): every network of any width has objective
$\ge p^*$, so no run can go below it. After training, each run gets a **certificate**: a dual point built from the run's own residual gives a
lower bound on $p^*$, so it proves how far above the global optimum that run is *at most*.
""")

ss = st.session_state
ds = state.get_dataset()
if ds.n == 0:
    st.info("The data set is empty. Add points on the **Data** page or load a preset there.")
    ui.stop()
X = state.design_matrix(ds)

# ----------------------------------------------------------------------------- settings
c = st.columns(4)
with c[0]:
    beta = state.beta_slider()
    loss = state.loss_select()
with c[1]:
    m = state.int_slider("m", "width m (neurons)", 1, 200, 8)
    trials = state.int_slider("trials", "random starts (trials)", 1, 20, 5)
with c[2]:
    lr = state.lr_slider()
    steps = state.int_slider("steps", "steps", 100, 20000, 2000, step=100)
with c[3]:
    batches = ["full"] + [b for b in (1, 2, 5, 10, 25, 50, 100, 200) if b < ds.n]
    if state.setting("batch") not in batches:
        state.set_setting("batch", "full")
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
if note:
    st.warning(note)
if not res.exact_patterns:
    ui.caption(f"The line is the value {p_star:.5g} of (8) over sampled patterns, an upper bound on p*: "
               "a run may end below it.")
elif m < res.m_star:
    # m* counts the neurons of the optimal network (8) returned; Theorem 1 is sufficient (m ≥ m*), so a
    # narrower optimal network is not excluded: say "not guaranteed", never "impossible".
    st.warning(f"**m = {m} < m\\* = {res.m_star}.** The optimal network (8) returns has {res.m_star} neurons; "
               f"Theorem 1 guarantees p\\* is reachable only for m ≥ m\\*, so width-{m} runs may stay above "
               f"the line. Set m ≥ {res.m_star} to give SGD a chance.")
else:
    ui.caption(f"m = {m} ≥ m* = {res.m_star}: a width-{m} network can reach p* = {p_star:.5g}; "
               "whether SGD finds it depends on the start.")

# ----------------------------------------------------------------------------- the run
cfg = (X.tobytes(), ds.y.tobytes(), beta, loss, m, trials, lr, steps, batch, seed, opt)
run = ss.get("_sgd")
if run is None or run["cfg"] != cfg:
    run = ss["_sgd"] = {"cfg": cfg, "res": None, "steps": None, "obj": None, "playing": False, "cert": None}
done = run["res"].end_step if run["res"] is not None else 0

b = st.columns([1, 1, 1, 5])
if b[0].button("Play" if done == 0 else "Continue", icon=":material/play_arrow:", disabled=done >= steps, width="stretch", key="_sgd_play"):
    run["playing"] = True
if b[1].button("Pause", icon=":material/pause:", disabled=done >= steps, width="stretch", key="_sgd_pause"):
    run["playing"] = False
if b[2].button("Reset", icon=":material/restart_alt:", width="stretch", key="_sgd_reset"):
    run.update(res=None, steps=None, obj=None, playing=False, cert=None)
    done = 0

prog = st.progress(done / steps, text=f"step {done:,} of {steps:,}")
chart = st.empty()


def _draw():
    if run["obj"] is None:
        ui.chart(container=chart, fig=F.sgd_traces(np.array([0]), np.full((trials, 1), np.nan), p_star, total_steps=steps))
    else:
        ui.chart(container=chart, fig=F.sgd_traces(run["steps"], run["obj"], p_star, total_steps=steps,
                                        p_star_label="p* (convex optimum)" if res.exact_patterns
                                        else "value of (8), sampled patterns"))


_draw()
chunk = max(steps // 20, 1)
every = max(steps // 400, 1)
while run["playing"] and done < steps:
    k = min(chunk, steps - done)
    try:
        if run["res"] is None:
            r = train_sgd(X, ds.y, m=m, beta=beta, loss=loss, lr=lr, steps=k, trials=trials, seed=seed,
                          batch_size=None if batch == "full" else int(batch), optimizer=opt, record_every=every)
            run["steps"], run["obj"] = r.steps, r.history()
        else:
            r = train_sgd(X, ds.y, beta=beta, loss=loss, lr=lr, steps=k, record_every=every, resume=run["res"])
            s, o = r.steps, r.history()
            if s.size and s[0] == run["steps"][-1]:
                s, o = s[1:], o[:, 1:]
            run["steps"], run["obj"] = np.r_[run["steps"], s], np.c_[run["obj"], o]
    except ValueError as e:
        run["playing"] = False
        st.error(str(e))
        break
    run["res"] = r
    done = r.end_step
    prog.progress(done / steps, text=f"step {done:,} of {steps:,}")
    _draw()
if done >= steps:
    run["playing"] = False

if run["res"] is None:
    st.info("Press **Play** to train. Changing a setting starts over.")
    ui.stop()

r = run["res"]
if r.diverged.any():
    st.warning(f"{int(r.diverged.sum())} of {r.trials} runs diverged (their weights blew up): "
               "lower the learning rate.")

# ----------------------------------------------------------------------------- certificates
def _pct(x: float) -> str:
    """A percentage with 2 decimals; below 0.01 % (or negative by solver tolerance) "< 0.01 %", not "0.00 %"."""
    return "< 0.01 %" if x < 0.01 else f"{x:.2f} %"


st.subheader("Certificates: how far above the global optimum is each run?")
if not res.exact_patterns:
    run["cert"] = (done, "The certificate prices the dual over every cell of the arrangement; these "
                         f"{ds.n} points have too many cells for that here, so no certificate is shown.")
if run["cert"] is None or run["cert"][0] != done:
    with st.spinner("Certifying each run …"):
        try:
            run["cert"] = (done, certify_runs(X, ds.y, r, patterns=res.patterns, refine=3))
        except ValueError as e:
            run["cert"] = (done, str(e))
cert = run["cert"][1]
if isinstance(cert, str):
    (st.info if not res.exact_patterns else st.error)(cert)
else:
    rows = []
    for t in range(r.trials):
        obj, lb = float(cert.objective[t]), float(cert.lower_bound[t])
        bound = (obj - lb) / lb * 100 if lb > 0 else np.inf
        rows.append({"run": t + 1, "objective (2)": round(obj, 5),
                     "certified lower bound on p*": round(lb, 5),
                     "certified: at most above p*": "—" if r.diverged[t] else
                     (_pct(bound) if np.isfinite(bound) else "no bound (lower bound ≤ 0)"),
                     "actual: above p*": _pct((obj - p_star) / p_star * 100) if p_star > 0 else "—"})
    ui.table(rows, hide_index=True, width="stretch")
    ui.caption("Certificate: the run's objective minus a dual lower bound built from the run alone, "
               "(objective − bound)/bound, an upper bound on (objective − p*)/p*. "
               "'Actual' uses p* from the convex program.")

if state.show("io"):
    st.download_button("Download the traces (CSV)", codec.sgd_csv(r, p_star=p_star),
                       file_name=f"convex-relu-lab-sgd-m{m}-{loss}.csv", mime="text/csv",
                       icon=":material/download:", on_click="ignore", key="_sgd_csv",
                       help="Objective (2) of every run at each recorded step, and p* of (8).")

# ----------------------------------------------------------------------------- final fits
st.subheader("Final fits: SGD runs and the optimum")
final = r.objectives[:, -1]
order = np.argsort(np.where(np.isfinite(final), final, np.inf))
if ds.d == 1:
    xs = np.linspace(*F.CANVAS_1D[0], 401)
    Xs = with_bias(xs[:, None]) if ds.bias else xs[:, None]
    curves = {"optimum (8)": predict(Xs, res.U, res.alpha)}
    for t in sorted(order[:6]):                     # the 6 best runs, in run order
        curves[f"run {t + 1}"] = predict(Xs, r.U[t], r.alpha[t])
    fit = go.Figure(F.fit_1d(ds.X[:, 0], ds.y, xs, curves, bias=ds.bias, show_neurons=False))
    for tr in fit.data:     # fit_1d colours curves by position; run t keeps its colour of the traces above
        if tr.name and tr.name.startswith("run "):
            tr.line.color = F.TRACE_COLORS[(int(tr.name.split()[1]) - 1) % len(F.TRACE_COLORS)]
    ui.chart(fit, key="_sgd_fit")
else:
    g = np.linspace(*F.CANVAS_2D[0], 81)
    G = np.c_[np.tile(g, g.size), np.repeat(g, g.size)]
    Gx = with_bias(G) if ds.bias else G
    picks = [("optimum (8)", res.U, res.alpha)] + [
        (f"run {t + 1} ({lab}, objective {final[t]:.3g})", r.U[t], r.alpha[t])
        for lab, t in (("best", order[0]), ("worst", order[-1]))]
    if r.trials == 1:
        picks = picks[:2]
    cols = st.columns(len(picks))
    for k, (col, (name, U, a)) in enumerate(zip(cols, picks)):
        Fv = predict(Gx, U, a).reshape(g.size, g.size)
        col.markdown(f"**{name}**")       # above the chart: a plotly title collides with its top legend
        ui.chart(container=col, fig=F.decision_2d(ds.X, ds.y, g, g, Fv, U=U, alpha=a, bias=ds.bias, height=430,
                                                  show_neurons=False), key=f"_sgd_dec_{k}")

# ----------------------------------------------------------------------------- the paper's Figure 2
with st.expander("The paper's Figure 2: m = 8, 15 and 50 on its five points", key="_sgd_fig2_open",
                 on_change="rerun") as fig2:
    if fig2.open:                       # computed (about 2 s a panel, cached) only when opened
        from lab.figure2 import figure2_view
        figure2_view(key="_sgd_fig2")
