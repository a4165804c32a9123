"""Higher dimensions: SGD against program (8) over sampled patterns (the paper's Figure 4).

Prose, widgets, :func:`cvxcore.highdim.run_highdim` one trial at a time (so
that Stop keeps the finished trials), figures from :mod:`lab.figures_cnn`.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from cvxcore.experiments import highdim
from lab import figures_cnn as fc
from lab import ui


_RUNS = "_highdim_runs"        # params -> list of one-trial results
_GO = "_highdim_go"            # the params the user asked to run, or None

st.title("Higher dimensions: SGD against the convex program over sampled patterns")
ui.prose(
    r"With images of 64 pixels the data has $d = 65$ features (with the bias) and far too many activation "
    r"patterns to list: up to $2r\,(e(n-1)/r)^r$ with $r = \operatorname{rank} X$. Remark 3.3 of the paper: "
    r"solve program (8) over a *few* patterns $D_i$ only. The answer is still objective (2) of an actual "
    r"network (an upper bound on the optimum $p^*$), so it can be compared with SGD. "
    "The paper (Figure 4, on CIFAR-10) tries three ways to choose the patterns:")
ui.prose(
    "- **Alg1** — the patterns of the $m$ neurons SGD ended with, plus $m$ random ones;\n"
    "- **Alg2** — the patterns of the $m$ neurons SGD *started* from;\n"
    "- **Alg3** — each starting neuron's pattern, and a copy with the 10% of samples nearest its "
    "hyperplane flipped.")

with st.expander("The data: 8×8 images of a hollow square (+1) or a plus sign (−1), with noise", expanded=False):
    imgs, yi = highdim.shapes_images(8, seed=0)
    st.plotly_chart(fc.image_examples(imgs, yi, title="Examples (random size and position, Gaussian noise 0.35)"),
                    width="stretch", key="hd_examples")
    ui.caption("Generated from a seed on every run (no download): 100 training and 400 test images.")

c1, c2, c3, c4, c5 = st.columns(5)
beta = c1.select_slider("weight decay β", [0.01, 0.03, 0.1, 0.3, 1.0], value=0.1, key="hd_beta")
m = c2.slider("neurons m", 4, 24, 12, key="hd_m")
trials = c3.slider("trials", 1, 10, 10, key="hd_trials")
steps = c4.select_slider("SGD steps", [1000, 2000, 4000, 8000], value=4000, key="hd_steps")
seed = c5.number_input("seed", 0, 10_000, 0, key="hd_seed")
ui.caption("Hinge loss, batch size 25, learning rate 0.002, as in the paper's setting (n = 100 here, d = 65). "
           "Each trial takes a few seconds (three convex solves).")

params = (beta, m, trials, steps, int(seed))
runs = st.session_state.setdefault(_RUNS, {})
b1, b2, _ = st.columns([1, 1, 4])
if b1.button("Run", type="primary", key="hd_run"):
    st.session_state[_GO] = params
if b2.button("Stop", key="hd_stop"):
    st.session_state[_GO] = None

X, y, Xt, yt = highdim.shapes_dataset(100, 400, seed=int(seed))
done = runs.get(params, [])
if st.session_state.get(_GO) == params and len(done) < trials:
    bar = st.progress(len(done) / trials, text=f"trial {len(done) + 1} of {trials}")
    try:
        for t in range(len(done), trials):
            bar.progress(t / trials, text=f"trial {t + 1} of {trials}: SGD, then (8) for Alg1, Alg2, Alg3")
            r = highdim.run_highdim(X, y, Xt, yt, m=m, beta=beta, lr=2e-3, steps=steps, batch_size=25,
                                    trials=1, first_trial=t, seed=int(seed))
            runs.setdefault(params, []).append(r)
            done = runs[params]
    except ValueError as e:
        st.error(str(e))
    bar.empty()
    st.session_state[_GO] = None

if not done:
    st.info("Press **Run** to train SGD and solve the three approximations of (8). Stop keeps the finished trials.")
    ui.stop()

res = highdim.merge(done)
if res.trials_done < trials:
    st.warning(f"Stopped after {res.trials_done} of {trials} trials; press Run to continue.")
a, b = st.columns(2)
a.plotly_chart(fc.highdim_curves(res, which="objective"), width="stretch", key="hd_obj")
b.plotly_chart(fc.highdim_curves(res, which="test"), width="stretch", key="hd_acc")
rows = []
for name, v in res.summary().items():
    rows.append({"method": name, "objective (2), mean": round(v["objective_mean"], 4),
                 "objective, std": round(v["objective_std"], 4), "test accuracy, mean": round(v["test_acc_mean"], 3),
                 "test accuracy, std": round(v["test_acc_std"], 3)})
ui.table(rows, hide_index=True, width="stretch")
bad = [s for s in highdim.SCHEMES if any(st_ != "optimal" for st_ in res.status[s])]
if bad:
    st.warning("Some convex solves were not certified optimal over their patterns: " + ", ".join(bad))
ui.caption("Dashed lines: mean over trials of each scheme; ticks at the right: each trial's value. "
           f"Patterns per solve: Alg1 {int(np.mean(res.n_patterns['sgd+random']))}, "
           f"Alg2 {int(np.mean(res.n_patterns['initial']))}, Alg3 {int(np.mean(res.n_patterns['flipped']))} "
           "(distinct ones). Every value is objective (2) of an actual network, hence ≥ the true optimum p*.")
