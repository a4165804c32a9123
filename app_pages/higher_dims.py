"""Higher dimensions: SGD against program (8) over sampled patterns (the paper's Figure 4).

Prose, widgets, one trial at a time (:func:`lab.experiments.highdim_trial`, cached per trial and
shared by every session) inside a fragment that reruns itself after each trial, so the figures
grow trial by trial and Stop keeps the finished ones; figures from :mod:`lab.figures_cnn`.
"""
from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit.errors import StreamlitAPIException

from lab import experiments as E
from lab import figures_cnn as fc
from lab import page as P
from lab import state, ui

PAPER = {"hd_m": 12, "hd_trials": 10, "hd_steps": 4000}     # the paper's Figure 4 setting (m = 12, 10 starts)


INTRO = (
    r"With images of 64 pixels the data has $d = 65$ features (with the bias) and far too many activation "
    r"patterns to list: up to $2r\,(e(n-1)/r)^r$ with $r = \operatorname{rank} X$. Remark 3.3 of the paper: "
    r"solve program (8) over a *few* patterns $D_i$ only. The answer is still objective (2) of an actual "
    r"network (an upper bound on the optimum $p^*$), so it can be compared with SGD. "
    "The paper (Figure 4, on CIFAR-10) tries three ways to choose the patterns:\n\n"
    "- **Alg1** — the patterns of the $m$ neurons SGD ended with, plus $m$ random ones;\n"
    "- **Alg2** — the patterns of the $m$ neurons SGD *started* from;\n"
    "- **Alg3** — each starting neuron's pattern, and a copy with the 10% of samples nearest its "
    "hyperplane flipped.")


@P.guarded
def render() -> None:
    P.header("SGD against (8) on sampled patterns", INTRO)
    # the controls, Run and the figures first (on the first screen of a projector); what the
    # experiment is made of (the settings' notes, the paper's setting, the data) under them
    top, notes = st.container(), st.container()
    params = _controls(top)
    with notes:
        _notes(params)
        _data()
    with top:
        experiment(params)


def _data() -> None:
    """The data, drawn only when its expander is opened."""
    examples = st.expander("The data: 8×8 images of a hollow square (+1) or a plus sign (−1), with noise",
                           key="_hd_data", on_change="rerun")
    with examples:
        if examples.open:                # drawn only when opened
            imgs, yi = E.highdim_examples()
            ui.chart(fc.image_examples(imgs, yi,
                                              title="Examples (random size and position, Gaussian noise 0.35)"),
                            theme="streamlit", width="stretch", key="hd_examples")
            ui.caption(f"Generated from a seed on every run (no download): {E.HD_TRAIN} training and "
                       f"{E.HD_TEST} test images.")


def _paper_setting() -> None:
    for k, v in PAPER.items():
        state.set_setting(k, v)


def _controls(container: ui.Container) -> tuple[float, int, int, int, int]:
    """β, m, trials, steps and seed of the experiment."""
    c1, c2, c3, c4, c5 = container.columns(5)
    beta = state.slider("hd_beta", "weight decay β", c1)
    m = state.slider("hd_m", "neurons m", c2)
    trials = state.slider("hd_trials", "trials", c3)
    steps = state.slider("hd_steps", "SGD steps", c4)
    seed = state.number_input("hd_seed", "seed", c5)
    return float(beta), int(m), int(trials), int(steps), int(seed)


def _notes(params: tuple[float, int, int, int, int]) -> None:
    """What the settings mean and cost, and the paper's setting one click away."""
    m = params[1]
    ui.caption(f"Hinge loss and batch size {E.HD_BATCH} as in the paper's Figure 4 (n = {E.HD_TRAIN} here, "
               f"d = 65); the paper gives no learning rate or step count: {E.HD_LR:g} and the steps are ours."
               f" A trial is SGD and three convex solves, {2 * m}, {m} and "
               f"{2 * m} patterns of 65 weights each: about 3 s at m = 4 and 10 s at m = 12 on an idle 2-core "
               "machine (longer when it is busy). The figures grow as each trial finishes; Stop keeps the "
               "finished trials.")
    st.button(f"The paper's m = {PAPER['hd_m']}, {PAPER['hd_trials']} trials (with our {PAPER['hd_steps']:,} "
              "steps; about 2 minutes)", key="hd_paper", on_click=_paper_setting, icon=":material/history_edu:",
              disabled=all(state.setting(k) == v for k, v in PAPER.items()))


def _run() -> None:
    state.set_highdim_go(True)          # "the settings shown": the next run of the fragment fixes them


def _next_seed(seed: int) -> None:
    state.set_setting("hd_seed", seed + 1)
    state.set_highdim_go(True)


def _stop() -> None:
    state.set_highdim_go(None)


@st.fragment
@P.guarded
def experiment(params: tuple[float, int, int, int, int]) -> None:
    """Run/Stop and the results; while running, one trial per rerun of this fragment."""
    beta, m, trials, steps, seed = params
    if state.highdim_go() is True:
        state.set_highdim_go(params)
    runs = state.highdim_runs()
    done = runs.setdefault((beta, m, steps, seed), [])      # more trials continue the same run
    going = state.highdim_go() == params and len(done) < trials
    if len(done) >= trials and not going:
        # nothing left to run with these settings: one live button (the same run from the next
        # seed; the seed is the page's control, so the whole page runs again) and what else would
        # continue or restart it
        b1, b3 = st.columns([1, 5], vertical_alignment="center")
        if b1.button("Next seed", type="primary", key="hd_next", icon=":material/casino:", width="stretch",
                     help=f"The same settings from seed {seed + 1}: a new run of {trials} "
                          f"trial{'s' if trials != 1 else ''}."):
            _next_seed(seed)
            st.rerun()
        b3.markdown(f"All {trials} trial{'s are' if trials != 1 else ' is'} done (seed {seed}). More **trials** "
                    "continue this run; **Next seed**, or another β, m or number of steps, starts a new one.")
    else:
        b1, b2, b3 = st.columns([1, 1, 4], vertical_alignment="center")
        b1.button("Run" if not done else "Continue", type="primary", key="hd_run", on_click=_run,
                  disabled=going, icon=":material/play_arrow:", width="stretch",
                  help="Train and solve the trials still to do with the settings above.")
        b2.button("Stop", key="hd_stop", on_click=_stop, disabled=not going, icon=":material/stop:",
                  width="stretch", help="Stop after the trial under way; the finished trials are kept.")
    if going:
        b3.progress(len(done) / trials, text=f"trial {len(done) + 1} of {trials}: SGD, then (8) for Alg1, "
                                               f"Alg2, Alg3 ({len(done)} finished)")
    if not done:
        if not going:
            st.info("Press **Run** to train SGD and solve the three approximations of (8), trial by trial.")
    else:
        _results(E.highdim_merge(done), trials)
    if going:
        r, err = E.highdim_trial(beta, m, steps, seed, len(done))
        if err:
            state.set_highdim_go(None)
            st.error(err)
            return
        done.append(r)
        if len(done) >= trials:
            state.set_highdim_go(None)
        try:
            st.rerun(scope="fragment")        # the next trial: this fragment only
        except StreamlitAPIException:
            st.rerun()                        # (a full run of the page, e.g. after a page switch)


def _results(res, trials: int) -> None:
    """The objective and test-accuracy curves of the finished trials, and their summary."""
    if res.trials_done < trials and state.highdim_go() is None:
        st.warning(f"Stopped after {res.trials_done} of {trials} trials; press Continue to run the rest.")
    a, b = st.columns(2)
    ui.chart(fc.highdim_curves(res, which="objective"), theme="streamlit", container=a, width="stretch", key="hd_obj")
    ui.chart(fc.highdim_curves(res, which="test"), theme="streamlit", container=b, width="stretch", key="hd_acc")
    rows = []
    for name, v in res.summary().items():
        rows.append({"method": name, "objective (2), mean": round(v["objective_mean"], 4),
                     "objective, std": round(v["objective_std"], 4),
                     "test accuracy, mean": round(v["test_acc_mean"], 3),
                     "test accuracy, std": round(v["test_acc_std"], 3)})
    ui.table(rows, hide_index=True, width="stretch")
    bad = [s for s in E.HD_SCHEMES if any(st_ != "optimal" for st_ in res.status[s])]
    if bad:
        st.warning("Some convex solves were not certified optimal over their patterns: " + ", ".join(bad))
    ui.caption(f"{res.trials_done} of {trials} trials. Dashed lines: mean over trials of each scheme; ticks at "
               f"the right: each trial's value. Patterns per solve: Alg1 {int(np.mean(res.n_patterns['sgd+random']))}, "
               f"Alg2 {int(np.mean(res.n_patterns['initial']))}, Alg3 {int(np.mean(res.n_patterns['flipped']))} "
               "(distinct ones). Every value is objective (2) of an actual network, hence ≥ the true optimum p*.")


if __name__ == "__main__":          # Streamlit runs this file as the page (app.py: st.Page)
    render()
