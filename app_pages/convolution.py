"""Convolutional networks (section 4 of the paper, MATH.md §6).

Prose, widgets, calls into :mod:`cvxcore.cnn` (remembered per parameter set in
the session), figures from :mod:`lab.figures_cnn`.  Bad input is an
``st.error``; gradient descent (a few seconds at most) shows a progress bar.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from cvxcore import cnn
from lab import figures_cnn as fc
from lab import ui


BETAS = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0]
_MEMO = "_convolution_memo"


def memo(key, compute):
    """Remember results per parameter set in this session (at most 16)."""
    store = st.session_state.setdefault(_MEMO, {})
    if key not in store:
        if len(store) >= 16:
            store.pop(next(iter(store)))
        store[key] = compute()
    return store[key]


def progress_callback(label):
    bar = st.progress(0.0, text=label)

    def cb(done, total):
        bar.progress(min(done / max(total, 1), 1.0), text=f"{label}: step {done:,} of {total:,}")
        return False
    return bar, cb


st.title("Convolutional networks are convex programs too")
ui.prose(
    "A two-layer convolutional network applies the same filters $u_j$ to every patch $X_k$ of a signal. "
    "Section 4 of the paper turns three such networks into convex programs. Below, gradient descent (GD) "
    "trains each network the ordinary, non-convex way, from several random starts, and is compared with "
    "the convex program: the objectives meet, and so do the filters.")

with st.expander("Data: 1-D signals of two classes", expanded=False):
    c1, c2, c3, c4 = st.columns(4)
    n = c1.slider("signals n", 10, 120, 40, step=2, key="cnn_n")
    L = c2.slider("length L", 8, 32, 16, key="cnn_L")
    noise = c3.slider("noise", 0.0, 1.0, 0.3, step=0.05, key="cnn_noise")
    seed = c4.number_input("seed", 0, 10_000, 0, key="cnn_seed")
    S, y = cnn.two_shape_signals(n, L, noise=noise, seed=int(seed))
    st.plotly_chart(fc.signal_examples(S, y, title="Class +1: a bump; class −1: an oscillation"),
                    width="stretch", key="cnn_signals")
    ui.caption(f"n = {n} signals of length L = {L}; targets y = ±1, fitted with squared loss.")

tab_lin, tab_circ, tab_sep = st.tabs(["Linear CNN (9) = nuclear norm (12)",
                                      "Circular CNN (13) = ℓ1 in Fourier space (14)",
                                      "Separable ReLU CNN = program (8)"])

# ------------------------------------------------------------------ linear CNN
with tab_lin:
    ui.prose(
        r"**The network (9):** output $\sum_j \sum_k (X_k u_j)\,\alpha_{jk}$, filters $u_j$ of $h$ taps, "
        r"one output weight per filter and patch, weight decay $\frac{\beta}{2}$ on all weights. It depends on "
        r"the weights only through $Z = [z_1 \dots z_K]$ with $z_k = \sum_j \alpha_{jk} u_j$, and the cheapest "
        r"weights giving $Z$ cost $\beta\|Z\|_*$ (the sum of singular values). So (9) is the convex program"
        "\n\n"
        r"$$\text{(12)}\qquad \min_{z_1 \dots z_K}\ \tfrac12\Big\|\sum_k X_k z_k - y\Big\|^2 + \beta\,\|[z_1 \dots z_K]\|_*$$"
        "\n\n"
        r"Its solution $Z^* = \sum_i \sigma_i p_i q_i^\top$ gives the filters $u_i = \sqrt{\sigma_i}\,p_i$: "
        r"only $\operatorname{rank} Z^*$ of them are needed.")
    c1, c2, c3, c4, c5 = st.columns(5)
    beta = c1.select_slider("weight decay β", BETAS, value=1.0, key="lin_beta")
    h = c2.slider("filter size h", 1, L, min(4, L), key="lin_h")
    stride = c3.slider("stride", 1, L, min(2, L), key="lin_stride")
    m = c4.slider("filters m (GD)", 1, 8, 4, key="lin_m")
    steps = c5.select_slider("GD steps", [2000, 5000, 10000, 20000, 40000], value=20000, key="lin_steps")
    try:
        Xk = cnn.patches(S, h, stride)
    except ValueError as e:
        st.error(str(e))
        Xk = None
    if Xk is not None:
        key = ("lin", n, L, noise, int(seed), beta, h, stride, m, steps)
        nuc = memo(key + ("nuc",), lambda: cnn.solve_nuclear(Xk, y, beta))
        bar, cb = progress_callback("gradient descent on (9)")
        gd = memo(key, lambda: cnn.train_linear_cnn(Xk, y, beta, m=m, steps=steps, trials=5, seed=0,
                                                      Z_star=nuc.Z, callback=cb))
        bar.empty()
        rank = nuc.U.shape[0]
        k1, k2, k3, k4 = st.columns(4)
        k1.metric("value of (12)", f"{nuc.value:.6g}")
        k2.metric("filters needed, rank Z*", rank)
        k3.metric("best GD objective (9)", f"{gd.objectives[:, -1].min():.6g}")
        k4.metric("patches K", Xk.shape[0])
        if m < rank:
            st.warning(f"GD has m = {m} filters but the optimum needs rank Z* = {rank}: (9) with too few filters "
                       "cannot reach (12). Increase m.")
        a, b = st.columns(2)
        a.plotly_chart(fc.objective_traces(gd.steps, gd.objectives, nuc.value, convex_name="(12)",
                                           title="GD objective (9) minus the value of (12)"),
                       width="stretch", key="lin_obj")
        b.plotly_chart(fc.distance_traces(gd.steps, gd.distances, ylabel="‖Z_GD − Z*‖ / ‖Z*‖",
                                          title="End-to-end map Z = Σ_j u_j α_jᵀ: GD vs (12)"),
                       width="stretch", key="lin_dist")
        ref = nuc.U
        mine = cnn.align_signs(cnn.principal_filters(gd.U[0], max(rank, 1)), ref)
        st.plotly_chart(fc.filters_side_by_side(mine, ref, names=("GD (trial 1)", "(12): √σ_i p_i"),
                                                title="Filters, rotation removed: GD (blue) over (12) (black)"),
                        width="stretch", key="lin_filters")
        ui.caption("GD's filters are unique only up to a rotation (U → RU, α → Rα change nothing), so they "
                   "are shown in the basis of their own singular vectors, with signs matched.")
        st.plotly_chart(fc.matrix_pair(np.einsum("mh,mk->hk", gd.U[0], gd.A[0]), nuc.Z,
                                       names=("GD: Z = Σ_j u_j α_jᵀ", "(12): Z*"),
                                       title="The whole linear map, patch by patch"),
                        width="stretch", key="lin_Z")

# ---------------------------------------------------------------- circular CNN
with tab_circ:
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
    c1, c2, c3, c4 = st.columns(4)
    beta_c = c1.select_slider("weight decay β", BETAS, value=10.0, key="circ_beta",
                              help="Larger β: fewer frequencies in z*. Small β: all of them.")
    hc = c2.slider("filter taps h", 1, L, L, key="circ_h",
                   help="h = d: (14) is exact. h < d: filters are shorter and (14) is only a lower bound.")
    mc = c3.slider("filters m (GD)", 1, 4, 2, key="circ_m")
    steps_c = c4.select_slider("GD steps", [1000, 2000, 4000, 8000, 16000], value=8000, key="circ_steps")
    key = ("circ", n, L, noise, int(seed), beta_c, hc, mc, steps_c)
    fr = memo(key + ("l1",), lambda: cnn.solve_fourier_l1(S, y, beta_c))
    bar, cb = progress_callback("gradient descent on (13)")
    gdc = memo(key, lambda: cnn.train_circular_cnn(S, y, beta_c, m=mc, h=hc, steps=steps_c, trials=5, seed=0,
                                                    e_star=fr.e, callback=cb))
    bar.empty()
    k1, k2, k3 = st.columns(3)
    k1.metric("value of (14)", f"{fr.value:.6g}")
    k2.metric("frequencies used, nnz(z*)", int(np.sum(np.abs(fr.z) > 1e-6 * np.abs(fr.z).max())))
    k3.metric("best GD objective (13)", f"{gdc.objectives[:, -1].min():.6g}")
    if hc < L:
        st.info(f"h = {hc} < d = {L}: the filters cannot be full length, so (14) is a lower bound and GD stays "
                "above it. Set h = d for the exact equivalence.")
    a, b = st.columns(2)
    a.plotly_chart(fc.objective_traces(gdc.steps, gdc.objectives, fr.value, convex_name="(14)",
                                       title="GD objective (13) minus the value of (14)"),
                   width="stretch", key="circ_obj")
    b.plotly_chart(fc.distance_traces(gdc.steps, gdc.distances, ylabel="‖e_GD − e*‖ / ‖e*‖",
                                      title="End-to-end filter e = Σ_j u_j ⊛ α_j: GD vs (14)"),
                   width="stretch", key="circ_dist")
    Up = np.zeros((mc, L))
    Up[:, :hc] = gdc.U[0]
    e_gd = np.real(np.fft.ifft(np.fft.fft(Up, axis=1) * np.fft.fft(gdc.A[0], axis=1), axis=1)).sum(0)
    power = np.sum(np.abs(np.fft.fft(Up, axis=1)) ** 2, axis=0) / L
    fig = fc.filters_side_by_side(np.vstack([e_gd, power]), np.vstack([fr.e, np.abs(fr.z)]),
                                  names=("GD (trial 1)", "(14)"), x_start=0,
                                  title="Left: end-to-end filter e. Right: filter power per frequency, "
                                        "Σ_j|û_j|²/d against |z*|")
    fig.layout.annotations[0].text, fig.layout.annotations[1].text = "e by position", "by frequency l"
    st.plotly_chart(fig, width="stretch", key="circ_filters")

# -------------------------------------------------------------- separable ReLU
with tab_sep:
    ui.prose(
        r"**Separable ReLU CNN (section 4.1):** every patch $X_k$ has its own label $y_k$ and the output "
        r"for patch $k$ is $\sum_j (X_k u_j)_+ \alpha_j$. The objective is a sum over patches, so stacking the "
        r"patches as rows, $X' = [X_1; \dots; X_K]$, makes it the fully connected problem (2), solved exactly "
        "by program (8). "
        "Task: piecewise-constant signals; the label of a patch of two samples is the size of an upward step "
        "minus half a downward one — a target two ReLU filters can represent.")
    c1, c2, c3 = st.columns(3)
    beta_s = c1.select_slider("weight decay β", [0.03, 0.1, 0.3, 1.0], value=0.1, key="sep_beta")
    ns = c2.slider("signals", 2, 5, 4, key="sep_n")
    seed_s = c3.number_input("seed", 0, 10_000, 0, key="sep_seed")
    Ss, Ys = cnn.edge_signals(ns, 8, seed=int(seed_s))
    key = ("sep", beta_s, ns, int(seed_s))
    with st.spinner("solving program (8) on the stacked patches"):
        r = memo(key, lambda: cnn.solve_separable(Ss, Ys, 2, beta_s))
    Xs, ys = cnn.separable_stack(Ss, Ys, 2)

    def _sgd():
        from cvxcore.training import train_sgd
        return train_sgd(Xs, ys, m=10, beta=beta_s, lr=0.01, steps=20000, trials=5, seed=0)
    with st.spinner("gradient descent on the shared filters"):
        g = memo(key + ("gd",), _sgd)
    k1, k2, k3, k4 = st.columns(4)
    k1.metric("stacked rows nK", Xs.shape[0])
    k2.metric("optimum (8)", f"{r.value:.6g}", help=r.status)
    k3.metric("filters needed m*", r.m_star)
    k4.metric("best GD objective", f"{g.objectives[:, -1].min():.6g}")
    if r.status != "optimal":
        st.error(f"The convex solve is {r.status}.")
    a, b = st.columns(2)
    a.plotly_chart(fc.objective_traces(g.steps, g.objectives, r.value, convex_name="(8)",
                                       title="GD on the CNN minus the optimum of (8)"),
                   width="stretch", key="sep_obj")
    b.plotly_chart(fc.separable_fit(Ss, Ys, cnn.separable_predict(Ss, 2, 1, r.U, r.alpha),
                                    title="Labels and the exact CNN's output per patch"),
                   width="stretch", key="sep_fit")
    st.caption(f"The {r.m_star} filters of the exact network, u = (weight on x_k, on x_k+1, bias) and α: "
               + "; ".join(f"u = ({', '.join(f'{v:.3g}' for v in u)}), α = {a_:.3g}"
                           for u, a_ in zip(r.U, r.alpha)) + ".")
