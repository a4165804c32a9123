"""Figure 3 of Pilanci & Ergen (2020): SGD vs Optimal vs Approximate on 2-D data, hinge loss.

    python scripts/fig3.py [--out docs/figures] [--beta 0.1] [--steps 40000] [--no-curve] [--no-png]

n = 50 points x ~ N(0, I₂), yᵢ = ±1 outside/inside the circle of median radius
(cvxcore.experiments.circle_2d: the paper's data set is not published), m = 50,
hinge loss, minibatch SGD with batch size 25 from 10 initialisations;
"Optimal" = (8) over all activation patterns (p*), "Approximate" = (8) over m
sampled patterns (Remark 3.3).  Writes

    fig3_curves.csv      series, trial, step, objective         (panel a)
    fig3_final.csv       per SGD trial: final objective, excess over p*, certified lower bound
    fig3_points.csv      the data
    fig3_boundaries.csv  x1, x2 and the output f of Optimal, Approximate, best SGD trial on a grid
    fig3.html / .png     (a) objective vs iteration, (b) decision boundaries f = 0
    fig3_approx_curve.csv / fig3_approx.html / .png
                         Remark 3.3: (8) over the patterns of k sampled directions vs k
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _figio import ROOT, write_csv, write_figure

COLORS = {"Optimal": "black", "Approximate": "#2ca02c", "SGD (best trial)": "#ff7f0e"}
DASH = {"Optimal": "solid", "Approximate": "dash", "SGD (best trial)": "dot"}


def build_figure(f3):
    """Arrays in (a cvxcore.experiments.Figure3), plotly figure out: (a) objectives, (b) boundaries."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45],
                        subplot_titles=["(a) objective (2), hinge loss, m = 50, batch 25",
                                        "(b) decision boundaries f(x) = 0"])
    r = f3.sgd
    h = r.history()
    for t in range(r.trials):
        fig.add_trace(go.Scatter(x=r.steps, y=h[t], mode="lines", line=dict(width=1, color="rgba(31,119,180,0.6)"),
                                 name="SGD (one line per trial)", legendgroup="sgd", showlegend=t == 0), row=1, col=1)
    for name, res in (("Optimal", f3.optimal), ("Approximate", f3.approximate)):
        label = (f"Optimal (8), p* = {res.value:.4f}" if name == "Optimal" else
                 f"Approximate (8 over {res.n_patterns} sampled patterns) = {res.value:.4f}")
        fig.add_trace(go.Scatter(x=[r.steps[0], r.steps[-1]], y=[res.value] * 2, mode="lines", name=label,
                                 line=dict(color=COLORS[name], dash=DASH[name], width=2)), row=1, col=1)
    fig.update_xaxes(title_text="iteration", row=1, col=1)
    fig.update_yaxes(title_text="objective (2)", type="log", row=1, col=1)
    x = f3.X[:, :2]
    for lab, color, sym in ((1, "#d62728", "circle"), (-1, "#1f77b4", "x")):
        sel = f3.y == lab
        fig.add_trace(go.Scatter(x=x[sel, 0], y=x[sel, 1], mode="markers", name=f"y = {lab:+d}",
                                 marker=dict(color=color, symbol=sym, size=8)), row=1, col=2)
    for name in ("Optimal", "Approximate", "SGD (best trial)"):
        fig.add_trace(go.Contour(x=f3.grid_x, y=f3.grid_y, z=f3.fields[name], showscale=False,
                                 contours=dict(start=0, end=0, size=1, coloring="none"),
                                 line=dict(color=COLORS[name], dash=DASH[name], width=2.5),
                                 name=f"{name} boundary", showlegend=True, hoverinfo="skip"), row=1, col=2)
    th = np.linspace(0, 2 * np.pi, 200)
    from cvxcore.experiments import FIG3_RADIUS
    fig.add_trace(go.Scatter(x=FIG3_RADIUS * np.cos(th), y=FIG3_RADIUS * np.sin(th), mode="lines",
                             line=dict(color="grey", width=1, dash="dot"), name="labelling circle"), row=1, col=2)
    fig.update_xaxes(title_text="x₁", range=[f3.grid_x[0], f3.grid_x[-1]], row=1, col=2)
    fig.update_yaxes(title_text="x₂", range=[f3.grid_y[0], f3.grid_y[-1]], scaleanchor="x2", row=1, col=2)
    fig.update_layout(title=f"Figure 3 — 2-D data (n = {f3.X.shape[0]}), hinge loss, β = {f3.beta:g}",
                      template="plotly_white", legend=dict(orientation="h", y=-0.25))
    return fig


def build_curve_figure(c, beta):
    import plotly.graph_objects as go
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=c.sample_counts, y=c.values, mode="lines+markers", name="(8) over sampled patterns",
                             text=[f"{p} distinct patterns" for p in c.n_patterns],
                             hovertemplate="%{x} directions, %{text}<br>value %{y:.6f}"))
    fig.add_trace(go.Scatter(x=[c.sample_counts[0], c.sample_counts[-1]], y=[c.p_star] * 2, mode="lines",
                             line=dict(color="black", dash="dash"),
                             name=f"p* (all {c.n_exact_patterns} patterns) = {c.p_star:.5f}"))
    fig.update_xaxes(title_text="sampled directions u ~ N(0, I) (nested)", type="log")
    fig.update_yaxes(title_text="optimal value of (8) over the sampled patterns")
    fig.update_layout(title=f"Remark 3.3 — the approximation approaches p* from above "
                            f"(Figure 3 data, hinge, β = {beta:g})",
                      template="plotly_white", legend=dict(orientation="h", y=-0.25))
    return fig


def main(argv=None):
    from cvxcore import predict
    from cvxcore.experiments import approximation_curve, figure3
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "figures")
    ap.add_argument("--beta", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--steps", type=int, default=40_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tag", default="", help="suffix for the output names (e.g. _beta0.01)")
    ap.add_argument("--no-curve", action="store_true", help="skip the Remark 3.3 approximation curve")
    ap.add_argument("--no-png", action="store_true")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    f3 = figure3(beta=a.beta, lr=a.lr, steps=a.steps, seed=a.seed, grid=101)
    tag = a.tag
    write_csv(a.out / f"fig3{tag}_curves.csv", ["series", "trial", "step", "objective"], f3.curve_rows())
    c = f3.certificates
    write_csv(a.out / f"fig3{tag}_final.csv",
              ["trial", "final_objective", "rel_excess_over_pstar", "certified_lower_bound", "certified_rel_gap",
               "train_accuracy", "diverged"],
              [(t, float(f3.sgd.final[t]), float(f3.sgd.final[t] / f3.p_star - 1), float(c.lower_bound[t]),
                float(c.rel_gap[t]), float(np.mean(np.sign(predict(f3.X, f3.sgd.U[t], f3.sgd.alpha[t])) == f3.y)),
                bool(f3.sgd.diverged[t])) for t in range(f3.sgd.trials)])
    write_csv(a.out / f"fig3{tag}_points.csv", ["x1", "x2", "y"],
              [(float(r[0]), float(r[1]), int(l)) for r, l in zip(f3.X, f3.y)])
    gx, gy = np.meshgrid(f3.grid_x, f3.grid_y)
    names = ["Optimal", "Approximate", "SGD (best trial)"]
    write_csv(a.out / f"fig3{tag}_boundaries.csv", ["x1", "x2"] + [f"f_{n.split()[0].lower()}" for n in names],
              zip(gx.ravel().tolist(), gy.ravel().tolist(), *[f3.fields[n].ravel().tolist() for n in names]))
    write_figure(build_figure(f3), a.out / f"fig3{tag}", width=1300, height=560, png=not a.no_png)
    s = f3.summary()
    print(f"p* = {s['p_star']:.8f} over {s['exact_patterns']} patterns (m* = {s['m_star']}, {f3.optimal.method}, "
          f"{f3.optimal.seconds:.1f} s, certified gap {f3.optimal.gap:.1e})")
    print(f"Approximate over {s['approximate_patterns']} sampled patterns: {s['approximate']:.8f} "
          f"(+{100 * s['approximate_rel']:.2f}%)")
    print(f"SGD final excess over p*: best {100 * s['sgd_rel_best']:.2f}%, median {100 * s['sgd_rel_median']:.2f}%, "
          f"worst {100 * s['sgd_rel_worst']:.2f}%; {s['sgd_worse_than_approximate']}/{s['trials']} trials end "
          f"above Approximate; SGD took {f3.sgd.seconds:.1f} s")
    print(f"certified lower bounds from the SGD networks: best {c.best_lower_bound:.8f} "
          f"(p* − bound = {s['p_star'] - c.best_lower_bound:.1e}), {c.seconds:.1f} s")
    print("train accuracy:", {k: round(v, 3) for k, v in s["train_accuracy"].items()})
    if not a.no_curve:
        counts = [5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 20000]
        curve = approximation_curve(f3.X, f3.y, a.beta, counts, loss="hinge", seed=a.seed, p_star=f3.p_star)
        curve.n_exact_patterns = f3.optimal.n_patterns
        write_csv(a.out / f"fig3{tag}_approx_curve.csv", ["directions", "distinct_patterns", "value", "p_star"],
                  [(int(k), int(p), float(v), f3.p_star) for k, p, v in
                   zip(curve.sample_counts, curve.n_patterns, curve.values)])
        write_figure(build_curve_figure(curve, a.beta), a.out / f"fig3{tag}_approx", width=900, height=450,
                     png=not a.no_png)
        for k, p, v in zip(curve.sample_counts, curve.n_patterns, curve.values):
            print(f"  {k:6d} directions, {p:5d} patterns: {v:.8f} (+{100 * (v / f3.p_star - 1):.3f}%)")
    print(f"done in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
