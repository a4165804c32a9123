"""Figure 2 of Pilanci & Ergen (2020): gradient descent against the convex optimum, 1-D data.

    python scripts/fig2.py [--out docs/figures] [--steps 20000] [--no-png]

X = [−2, −1, 0, 1, 2]ᵀ with a bias column, y = [1, −1, 1, 1, −1]ᵀ, squared loss,
β = 0.1; objective (2) of full-batch gradient descent from 10 initialisations
for m = 8, 15, 50, with p* of program (8) ("Optimal").  Writes
fig2_curves.csv (series, m, trial, step, objective), fig2_final.csv (final
objective and certified lower bound per trial), fig2.html and fig2.png.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from _figio import ROOT, write_csv, write_figure


def build_figure(f2):
    """Arrays in (a cvxcore.experiments.Figure2), plotly figure out: one panel per m."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
    ms = list(f2.runs)
    fig = make_subplots(rows=1, cols=len(ms), shared_yaxes=True,
                        subplot_titles=[f"m = {m}" for m in ms])
    for c, m in enumerate(ms, start=1):
        r = f2.runs[m]
        h = r.history()
        for t in range(r.trials):
            fig.add_trace(go.Scatter(x=r.steps, y=h[t], mode="lines", line=dict(width=1),
                                     name="gradient descent (one line per trial)", legendgroup="sgd",
                                     showlegend=(c == 1 and t == 0),
                                     hovertemplate=f"m={m} trial {t}<br>step %{{x}}<br>objective %{{y:.6f}}"),
                          row=1, col=c)
        fig.add_trace(go.Scatter(x=[r.steps[0], r.steps[-1]], y=[f2.p_star] * 2, mode="lines",
                                 line=dict(color="black", dash="dash", width=2), name="Optimal (8)",
                                 legendgroup="opt", showlegend=(c == 1)), row=1, col=c)
        fig.update_xaxes(title_text="iteration", row=1, col=c)
    fig.update_yaxes(title_text="objective (2)", type="log", row=1, col=1)
    fig.update_layout(title=f"Figure 2 — 1-D data, squared loss, β = {f2.beta:g}: "
                            f"gradient descent (10 trials) vs the convex optimum p* = {f2.p_star:.6f}",
                      template="plotly_white", legend=dict(orientation="h", y=-0.2))
    return fig


def main(argv=None):
    from cvxcore.experiments import figure2
    from cvxcore.training.sgd import DEFAULT_LR, DEFAULT_STEPS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "figures")
    ap.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    ap.add_argument("--lr", type=float, default=DEFAULT_LR)
    ap.add_argument("--beta", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-png", action="store_true")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    f2 = figure2(beta=a.beta, lr=a.lr, steps=a.steps, seed=a.seed, record_every=max(1, a.steps // 400))
    write_csv(a.out / "fig2_curves.csv", ["series", "m", "trial", "step", "objective"], f2.rows())
    final = []
    for m, r in f2.runs.items():
        c = f2.certificates[m]
        for t in range(r.trials):
            final.append((m, t, float(r.final[t]), float(r.final[t] / f2.p_star - 1), float(c.lower_bound[t]),
                          float(c.rel_gap[t]), bool(r.diverged[t])))
    write_csv(a.out / "fig2_final.csv", ["m", "trial", "final_objective", "rel_excess_over_pstar",
                                         "certified_lower_bound", "certified_rel_gap", "diverged"], final)
    write_figure(build_figure(f2), a.out / "fig2", png=not a.no_png)
    print(f"p* = {f2.p_star:.10f} (m* = {f2.optimal.m_star}, {f2.optimal.method}, gap {f2.optimal.gap:.1e})")
    for m, s in f2.summary().items():
        print(f"m = {m:3d}: {s['within_1pct']}/{s['trials']} trials within 1% of p*; final excess "
              f"best {100 * s['best']:.3f}%, worst {100 * s['worst']:.2f}%; "
              f"best certified lower bound {f2.certificates[m].best_lower_bound:.10f}")
    print(f"done in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
