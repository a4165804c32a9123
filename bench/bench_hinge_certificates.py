"""How tight the certificates of SGD runs are with hinge loss: each run's certified excess over p*,
(objective − bound)/bound, for the bound kinds the SGD page shows, against the actual
(objective − p*)/p*.

    python bench/bench_hinge_certificates.py

Data: the paper's Figure 3 stand-in (circle_2d(50, seed 0)) and two moons (40 points, noise 0.1,
seed 0), both with a bias; β = 0.1; full-batch gradient descent, m = 8, lr = 0.01, 5 runs (the
SGD page's defaults).  Columns: "live, subgradient" is −∇ℓ(ŷ) alone (refine=0); "live, fitted" adds
the subgradients fitted to the network's stationarity (stationary=True); "refined" adds 3 rounds of
cutting planes, without and with the fitted ones.  Medians and maxima over the 5 runs, and the
time per run of each kind.
"""
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cvxcore import datasets, dual_certificate, solve_convex, train_sgd, with_bias  # noqa: E402
from cvxcore.experiments.paper import circle_2d  # noqa: E402

KINDS = {"live, subgradient": dict(refine=0, stationary=False),
         "live, fitted": dict(refine=0, stationary=True),
         "refined (3), subgradient": dict(refine=3, stationary=False),
         "refined (3), fitted": dict(refine=3, stationary=True)}


def data():
    X, y, _ = circle_2d(50, 0)
    yield "paper (circle_2d, n = 50)", X, y
    pts, y = datasets.two_moons(40, 0.1, 0)
    yield "two moons (n = 40)", with_bias(pts), y


def pct(v):
    return f"{np.median(v):,.0f} / {np.max(v):,.0f}"


print("| data | steps | " + " | ".join(KINDS) + " | actual |")
print("|---|---|" + "---|" * (len(KINDS) + 1))
for name, X, y in data():
    opt = solve_convex(X, y, 0.1, loss="hinge")
    for steps in (200, 2000):
        r = train_sgd(X, y, m=8, beta=0.1, loss="hinge", lr=0.01, steps=steps, trials=5, seed=0)
        cells, times = {}, {}
        for k, kw in KINDS.items():
            t0 = time.perf_counter()
            cs = [dual_certificate(X, y, r.U[t], r.alpha[t], 0.1, loss="hinge", patterns=opt.arrangement, **kw)
                  for t in range(5)]
            times[k] = (time.perf_counter() - t0) / 5
            assert all(c.lower_bound <= opt.value * (1 + 1e-9) for c in cs)
            cells[k] = [100 * c.gap / c.lower_bound if c.lower_bound > 0 else np.inf for c in cs]
        actual = [100 * (f - opt.value) / opt.value for f in r.final]
        print(f"| {name} | {steps:,} | " + " | ".join(f"{pct(cells[k])} % ({1000 * times[k]:.0f} ms)" for k in KINDS)
              + f" | {pct(actual)} % |")
