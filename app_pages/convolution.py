"""Convolutional networks (section 4 of the paper).

Prose, widgets, one cached call into the core per view (:mod:`lab.experiments`, shared by every
session), figures from :mod:`lab.figures_cnn`.  The three networks are tabs that track which one
is open (``st.tabs(on_change="rerun")``): only the open one computes.  Every control, the open
tab included, is in the link (:data:`lab.codec.SETTINGS`, ``cnn_*``, ``lin_*``, ``circ_*``,
``sep_*``).  Bad input is an ``st.error``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from cvxcore import SGDResult
from cvxcore.cnn.descent import GDResult
from lab import codec, state, ui
from lab import experiments as E
from lab import figures_cnn as fc
from lab import page as P

VIEWS = {"linear": "Linear CNN (9) = nuclear norm (12)",
         "circular": "Circular CNN (13) = ℓ1 in Fourier space (14)",
         "separable": "Separable ReLU CNN = program (8)"}
LABELS = {v: k for k, v in VIEWS.items()}
ZERO_SCALE = 0.01          # the colour scale of the linear map when (12)'s optimum is the zero network
INTRO = ("A two-layer convolutional network applies the same filters $u_j$ to every patch $X_k$ of a signal. "
         "Section 4 of the paper turns three such networks into convex programs. Below, gradient descent (GD) "
         "trains the linear and the circular network the ordinary, non-convex way, from several random starts, "
         "against its convex program (12) or (14); the separable ReLU network is solved as program (8).")


@dataclass(frozen=True)
class Signals:
    """The data controls' values: n signals of length L, their noise and seed."""
    n: int
    L: int
    noise: float
    seed: int


@P.guarded
def render() -> None:
    P.header("Convolutional networks are convex programs too", INTRO)
    sig = _signals()
    view = state.setting("cnn_view") if state.setting("cnn_view") in VIEWS else "linear"
    state.set_setting("cnn_view", view)
    state.set_widget_value("_cnn_tabs", VIEWS[view])
    tabs = dict(zip(VIEWS, st.tabs(list(VIEWS.values()), key="_cnn_tabs", on_change=_on_tab)))
    for name, draw in (("linear", linear), ("circular", circular), ("separable", separable)):
        with tabs[name]:
            if tabs[name].open:          # only the open tab computes (and draws)
                draw(sig)


def _signals() -> Signals:
    """The data expander: its controls and a few signals when open; closed, the kept values."""
    data = st.expander("Data: 1-D signals of two classes", key="_cnn_data", on_change="rerun")
    with data:
        if data.open:                    # closed: its controls keep their values, nothing is drawn
            c1, c2, c3, c4 = st.columns(4)
            sig = Signals(state.slider("cnn_n", "signals n", c1), state.slider("cnn_L", "length L", c2),
                          state.slider("cnn_noise", "noise", c3), state.number_input("cnn_seed", "seed", c4))
            S, y = E.cnn_signals(sig.n, sig.L, sig.noise, sig.seed)
            ui.chart(fc.signal_examples(S, y, title="Class +1: a bump; class −1: an oscillation"),
                            theme="streamlit", width="stretch", key="cnn_signals")
            ui.caption(f"n = {sig.n} signals of length L = {sig.L}; targets y = ±1, fitted with squared loss.")
            return sig
    return Signals(*(state.number(k) for k in ("cnn_n", "cnn_L", "cnn_noise", "cnn_seed")))


def _on_tab() -> None:
    state.set_setting("cnn_view", LABELS.get(state.widget_value("_cnn_tabs"), "linear"))


def linear(sig: Signals) -> None:
    """Linear CNN (9) by GD against the nuclear-norm program (12)."""
    ui.prose(
        r"**The network (9):** output $\sum_j \sum_k (X_k u_j)\,\alpha_{jk}$, filters $u_j$ of $h$ taps, "
        r"one output weight per filter and patch, weight decay $\frac{\beta}{2}$ on all weights. It depends on "
        r"the weights only through $Z = [z_1 \dots z_K]$ with $z_k = \sum_j \alpha_{jk} u_j$, and the cheapest "
        r"weights giving $Z$ cost $\beta\|Z\|_*$ (the sum of singular values). So (9) is the convex program"
        "\n\n"
        r"$$\text{(12)}\qquad \min_{z_1 \dots z_K}\ \tfrac12\Big\|\sum_k X_k z_k - y\Big\|^2"
        r" + \beta\,\|[z_1 \dots z_K]\|_*$$"
        "\n\n"
        r"Its solution $Z^* = \sum_i \sigma_i p_i q_i^\top$ gives the filters $u_i = \sqrt{\sigma_i}\,p_i$: "
        r"only $\operatorname{rank} Z^*$ of them are needed.")
    c1, c2, c3, c4, c5, c6 = st.columns(6)
    beta = state.slider("lin_beta", "weight decay β", c1)
    h = state.slider("lin_h", "filter size h", c2, hi=sig.L)
    stride = state.slider("lin_stride", "stride", c3, hi=sig.L)
    m = state.slider("lin_m", "filters m (GD)", c4)
    steps = state.slider("lin_steps", "GD steps", c5)
    lr = _lr_slider("lin_lr", c6)
    r, err = E.linear_cnn(sig.n, sig.L, sig.noise, sig.seed, beta, h, stride, m, steps, lr)
    if r is None:
        st.error(err)
        return
    nuc, gd = r.nuclear, r.gd
    k1, k2, k3, k4 = st.columns(4)
    k1.metric("value of (12)", f"{nuc.value:.6g}")
    k2.metric("filters needed, rank Z*", nuc.rank)
    k3.metric("best GD objective (9)", _best(gd))
    k4.metric("patches K", r.patches)
    if nuc.zero_network:
        st.info(f"β = {beta:g} ≥ β_max = {nuc.beta_max:.4g} for these signals: the optimum of (12) is the zero "
                f"network, Z* = 0 with value ½‖y‖² = {nuc.value:.6g}, and no filter is needed. Gradient descent "
                "shrinks every filter towards zero. Lower β below β_max to see filters.")
    elif m < nuc.rank:
        st.warning(f"GD has m = {m} filters but the optimum needs rank Z* = {nuc.rank}: (9) with too few filters "
                   "cannot reach (12). Increase m.")
    _diverged(gd)
    _descent_charts(gd, nuc.value, "(9)", "(12)", "‖Z_GD − Z*‖ / ‖Z*‖",
                    "End-to-end map Z = Σ_j u_j α_jᵀ: GD vs (12)", "lin")
    if nuc.rank:
        ui.chart(fc.filters_side_by_side(r.filters_gd, nuc.U, names=(_trial_name(gd), "(12): √σ_i p_i"),
                                         title="Filters, rotation removed: GD (blue) over (12) (black)"),
                 theme="streamlit", width="stretch", key="lin_filters")
        ui.caption("GD's filters are unique only up to a rotation (U → RU, α → Rα change nothing), so they "
                   "are shown in the basis of their own singular vectors, with signs matched.")
    else:
        ui.caption("No filters to compare: Z* = 0, so (12) needs none.")
    # at the zero network both maps are (nearly) 0: a colour scale of ±0.01, not one of round-off
    floor = ZERO_SCALE if nuc.zero_network else 1e-12
    ui.chart(fc.matrix_pair(r.Z_gd, nuc.Z, names=("GD: Z = Σ_j u_j α_jᵀ", "(12): Z*"),
                            title="The whole linear map, patch by patch", floor=floor),
             theme="streamlit", width="stretch", key="lin_Z")
    if nuc.zero_network:
        ui.caption(f"Z* = 0, drawn on a colour scale of ±{ZERO_SCALE:g}; the largest entry of GD's Z is "
                   f"{np.abs(r.Z_gd).max():.1e}.")


def _descent_charts(gd: GDResult, value: float, nonconvex: str, convex: str, distance: str, title: str,
                    key: str) -> None:
    """Side by side: GD's objective minus the convex program's value, and GD's distance to its optimum."""
    a, b = st.columns(2)
    ui.chart(fc.objective_traces(gd.steps, gd.history(), value, convex_name=convex,
                                 title=f"GD objective {nonconvex} minus the value of {convex}"),
             theme="streamlit", container=a, width="stretch", key=f"{key}_obj")
    ui.chart(fc.distance_traces(gd.steps, _distances(gd), ylabel=gd.distance_name or distance, title=title),
             theme="streamlit", container=b, width="stretch", key=f"{key}_dist")


def _lr_slider(name: str, container: Any) -> float:
    """The learning rate of a CNN descent: "auto" (the checked backtracking step) or a fixed step."""
    return state.slider(name, "learning rate", container,
                        format_func=lambda v: "auto" if v == codec.AUTO_LR else f"{v:g}")


def _trial_name(gd: GDResult) -> str:
    """The legend name of the trial whose filters are drawn (trial 1)."""
    return "GD (trial 1, stopped where it diverged)" if gd.diverged.size and gd.diverged[0] else "GD (trial 1)"


def _best(gd: GDResult | SGDResult) -> str:
    """The best final objective of the trials that stayed finite, for a metric."""
    best = E.best_final(gd)
    return "diverged" if best is None else f"{best:.6g}"


def _distances(gd: GDResult) -> np.ndarray:
    """``gd.distances`` with each diverged trial's record from its divergence on left out (NaN)."""
    out = gd.distances.astype(float)
    for t in np.flatnonzero(gd.diverged):
        out[t, gd.steps >= gd.diverged_at[t]] = np.nan
    return out


def _diverged(gd: GDResult) -> None:
    """The core's message when a fixed learning rate blew up (GDResult.status "diverged")."""
    if gd.status == "diverged":
        msg = (gd.message or "").replace("lr=None", "the learning rate auto")      # the page's name for it
        st.warning(f"**Diverged** ({int(gd.diverged.sum())} of {len(gd.diverged)} starts). {msg}",
                   icon=":material/warning:")


def circular(sig: Signals) -> None:
    """Circular CNN (13) by GD against ℓ1 in Fourier space (14)."""
    ui.prose(
        r"**The network (13):** circular convolution of each signal (length $d = L$) with filters $u_j$, "
        r"then output weights $\alpha_j \in \mathbb{R}^d$. In Fourier space a circular convolution is a product, "
        r"one frequency at a time, and the weight decay becomes an $\ell_1$ norm: with full-length filters "
        r"($h = d$), (13) is exactly"
        "\n\n"
        r"$$\text{(14)}\qquad \min_{z \in \mathbb{C}^d}\ \tfrac12\|X F z - y\|^2 + \beta\|z\|_1,"
        r"\qquad F_{kl} = e^{2\pi i kl/d}.$$"
        "\n\n"
        r"A sparse $z$ uses few frequencies; one filter suffices.")
    c1, c2, c3, c4, c5 = st.columns(5)
    beta = state.slider("circ_beta", "weight decay β", c1,
                        help="Larger β: fewer frequencies in z*. Small β: all of them.")
    h = state.slider("circ_h", "filter taps h", c2, hi=sig.L, default=sig.L,
                     help="h = d: (14) is exact. h < d: filters are shorter and (14) is only a lower bound.")
    m = state.slider("circ_m", "filters m (GD)", c3)
    steps = state.slider("circ_steps", "GD steps", c4)
    lr = _lr_slider("circ_lr", c5)
    r, err = E.circular_cnn(sig.n, sig.L, sig.noise, sig.seed, beta, h, m, steps, lr)
    if r is None:
        st.error(err)
        return
    fr, gd = r.fourier, r.gd
    k1, k2, k3 = st.columns(3)
    k1.metric("value of (14)", f"{fr.value:.6g}")
    k2.metric("frequencies used, nnz(z*)", fr.used)
    k3.metric("best GD objective (13)", _best(gd))
    if fr.zero_network:
        st.info(f"β = {beta:g} ≥ β_max = {fr.beta_max:.4g} for these signals: the optimum of (14) is the zero "
                f"network, z* = 0 with value ½‖y‖² = {fr.value:.6g}, and no frequency is used. Lower β below "
                "β_max to see frequencies.")
    _diverged(gd)
    if h < sig.L:
        st.info(f"h = {h} < d = {sig.L}: the filters cannot be full length, so (14) is a lower bound and GD stays "
                "above it. Set h = d for the exact equivalence.")
    _descent_charts(gd, fr.value, "(13)", "(14)", "‖e_GD − e*‖ / ‖e*‖",
                    "End-to-end filter e = Σ_j u_j ⊛ α_j: GD vs (14)", "circ")
    fig = fc.filters_side_by_side(np.vstack([r.e_gd, r.power_gd]), np.vstack([fr.e, np.abs(fr.z)]),
                                  names=(_trial_name(gd), "(14)"), x_start=0,
                                  panels=("e by position", "by frequency l"),
                                  title="Left: end-to-end filter e. Right: filter power per frequency, "
                                        "Σ_j|û_j|²/d against |z*|")
    ui.chart(fig, theme="streamlit", width="stretch", key="circ_filters")


def separable(sig: Signals) -> None:
    """A separable ReLU CNN as program (8) on stacked patches, against GD."""
    ui.prose(
        r"**Separable ReLU CNN (section 4.1):** every patch $X_k$ has its own label $y_k$ and the output "
        r"for patch $k$ is $\sum_j (X_k u_j)_+ \alpha_j$. The objective is a sum over patches, so stacking the "
        r"patches as rows, $X' = [X_1; \dots; X_K]$, makes it the fully connected problem (2), solved exactly "
        "by program (8). "
        "Task: piecewise-constant signals; the label of a patch of two samples is the size of an upward step "
        "minus half a downward one — a target two ReLU filters can represent.")
    c1, c2, c3 = st.columns(3)
    beta = state.slider("sep_beta", "weight decay β", c1)
    ns = state.slider("sep_n", "signals", c2)
    seed_s = state.number_input("sep_seed", "seed", c3)
    s, err = E.separable_cnn(beta, ns, seed_s)
    if s is None:
        st.error(err)
        return
    r, g = s.exact, s.gd
    k1, k2, k3, k4 = st.columns(4)
    k1.metric("stacked rows nK", s.rows)
    k2.metric("optimum (8)", f"{r.value:.6g}", help=r.status)
    k3.metric("filters needed m*", r.m_star)
    k4.metric("best GD objective", _best(g))
    if r.status != "optimal":
        st.error(f"The convex solve is {r.status}.")
    a, b = st.columns(2)
    ui.chart(fc.objective_traces(g.steps, g.objectives, r.value, convex_name="(8)",
                                       title="GD on the CNN minus the optimum of (8)"),
                   theme="streamlit", container=a, width="stretch", key="sep_obj")
    ui.chart(fc.separable_fit(s.signals, s.labels, s.predicted,
                                    title="Labels and the exact CNN's output per patch"),
                   theme="streamlit", container=b, width="stretch", key="sep_fit")
    st.caption(f"The {r.m_star} filters of the exact network, u = (weight on x_k, on x_k+1, bias) and α: "
               + "; ".join(f"u = ({', '.join(f'{v:.3g}' for v in u)}), α = {a_:.3g}"
                           for u, a_ in zip(r.U, r.alpha)) + ".")


if __name__ == "__main__":          # Streamlit runs this file as the page (app.py: st.Page)
    render()
