"""Benchmark of cvxcore.train_sgd: 10 trials × m = 50 × 20,000 steps on n = 50.

    python bench/bench_sgd.py [--repeat 3] [--steps 20000]

Prints a table (best of ``--repeat`` runs: wall-clock and CPU time of this
process) and the machine's load average, since the machine may be shared: under
load the wall-clock time overstates the cost and the CPU time is the fairer figure.  The aim: about
a second for the full-batch case on 2 cores.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cvxcore.experiments import circle_2d, paper_1d  # noqa: E402
from cvxcore.training import certify_runs, train_sgd  # noqa: E402


def cases(steps):
    X2, y2, _ = circle_2d(50, seed=0)
    rng = np.random.default_rng(1)
    ys = y2 + 0.3 * rng.standard_normal(50)
    X1, y1 = paper_1d()
    common = dict(m=50, beta=0.1, trials=10, steps=steps, lr=1e-3)
    return [
        ("n=50 d=3 squared, full batch", X2, ys, dict(common)),
        ("n=50 d=3 hinge, full batch", X2, y2, dict(common, loss="hinge")),
        ("n=50 d=3 hinge, batch 25 (Fig. 3)", X2, y2, dict(common, loss="hinge", batch_size=25)),
        ("n=50 d=3 squared, momentum", X2, ys, dict(common, optimizer="momentum", lr=1e-4)),
        ("n=50 d=3 squared, adam", X2, ys, dict(common, optimizer="adam")),
        ("n=50 d=3 squared, record every step", X2, ys, dict(common, record_every=1)),
        ("n=5 d=2 squared (Fig. 2, m=50)", X1, y1, dict(common, lr=0.01)),
    ]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--steps", type=int, default=20_000)
    a = ap.parse_args(argv)
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()}); "
          f"10 trials × m = 50 × {a.steps:,} steps; best of {a.repeat}")
    print(f"{'case':40s} {'wall s':>8s} {'cpu s':>8s} {'µs/step':>8s} {'final (median)':>15s}")
    for name, X, y, kw in cases(a.steps):
        best, cpu, r = np.inf, np.inf, None
        for _ in range(a.repeat):
            t, c = time.perf_counter(), time.process_time()
            r = train_sgd(X, y, **kw)
            best, cpu = min(best, time.perf_counter() - t), min(cpu, time.process_time() - c)
        print(f"{name:40s} {best:8.2f} {cpu:8.2f} {1e6 * best / a.steps:8.1f} {np.median(r.final):15.6f}")
    # chunked (the app's live animation): 40 chunks of 500 steps
    X, y, kw = cases(a.steps)[0][1:]
    t = time.perf_counter()
    r = train_sgd(X, y, **dict(kw, steps=a.steps // 40, record_every=50))
    for _ in range(39):
        r = train_sgd(X, y, beta=kw["beta"], lr=kw["lr"], steps=a.steps // 40, record_every=50, resume=r)
    print(f"{'n=50 squared, 40 resumed chunks':40s} {time.perf_counter() - t:8.2f}")
    for refine in (0, 3, 10):
        Xh, yh = cases(a.steps)[2][1:3]
        rh = train_sgd(Xh, yh, **dict(cases(a.steps)[2][3], steps=2000))
        c = certify_runs(Xh, yh, rh, refine=refine)
        print(f"certify_runs hinge n=50, 10 trials, refine={refine:<2d} {c.seconds:8.2f} s  best lower bound "
              f"{c.best_lower_bound:.6f}  median rel gap {np.median(c.rel_gap):.3f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
