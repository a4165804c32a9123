"""Timings of the mechanism functions at the lesson's data sizes (docs/api.md, "The mechanism").

    python bench/bench_mechanism.py [--repeat 3]

Data: the lesson's one-neuron points (x = −1, 2), the paper's 1-D set (n = 5, with a bias),
20 noisy sine points (1-D, with a bias), two moons with n = 40 and 60 (2-D, with a bias).  Each
row is the median of ``--repeat`` calls after one warm-up call (cvxpy's first solve in a process
costs about a second more; it is printed on its own), wall-clock and CPU seconds of this process,
with the machine's load average: the machine may be shared, and under load the wall-clock time
overstates the cost.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cvxcore import arrangement, solve_convex, train_sgd, with_bias  # noqa: E402
from cvxcore.datasets import make  # noqa: E402
from cvxcore.experiments import paper_1d, sampled_sweep  # noqa: E402
from cvxcore.mechanism import (  # noqa: E402
    merge_neurons,
    one_neuron_descent,
    one_neuron_hessian,
    one_neuron_objective,
    rescaling_path,
    solve_without_cones,
)
from cvxcore.training import analyse_run, dual_curve, dual_vector, escape, restricted_to_run, settle_run  # noqa: E402

STEP1 = (np.array([-1.0, 2.0]), np.array([-1.0, 1.5]))


def data():
    X1, y1 = paper_1d()
    xs, ys = make("sine", n=20)
    out = {"paper n=5": (X1, y1, 0.1), "sine n=20": (with_bias(xs), ys, 0.1)}
    for n in (40, 60):
        pts, y = make("moons", n=n)
        out[f"moons n={n}"] = (with_bias(pts), y, 1.0)
    return out


def stuck(X, y, beta, m, seed):
    run = train_sgd(X, y, m=m, beta=beta, lr=0.01, steps=20_000, trials=1, seed=seed, record_every=100)
    return settle_run(X, y, run).result


def cases():
    sets = data()
    x, y = STEP1
    U2 = np.array([[1.0, 0.5], [0.8, 0.3], [-1.0, 0.2]])
    rows = [
        ("one-neuron landscape 201×201", lambda: one_neuron_objective(x, y, 0.1, np.linspace(-2, 2, 201)[None],
                                                                      np.linspace(-2, 2, 201)[:, None])),
        ("one-neuron Hessian", lambda: one_neuron_hessian(x, y, 0.1, 0.0, 0.0, side=1)),
        ("rescaling path (201 points)", lambda: rescaling_path(0.5, 2.0, 0.1)),
        ("one-neuron descent, 2,000 steps", lambda: one_neuron_descent(x, y, 0.1, -1.6, 2.0, steps=2000)),
        ("merge two neurons (paper n=5)", lambda: merge_neurons(*sets["paper n=5"][:2], U2, np.ones(3), 0.1, 0, 1)),
    ]
    for name, (X, yy, beta) in sets.items():
        rows.append((f"(8) without cones, {name}, β={beta:g}",
                     lambda X=X, yy=yy, beta=beta: solve_without_cones(X, yy, beta, p_star=float("nan"))))
    for name, m, seed in (("paper n=5", 3, 0), ("moons n=40", 4, 7)):
        X, yy, beta = sets[name]
        rows.append((f"train 20,000 + settle 18,000 steps, {name}, m={m}",
                     lambda X=X, yy=yy, beta=beta, m=m, seed=seed: stuck(X, yy, beta, m, seed)))
    for name, m, seed in (("paper n=5", 3, 0), ("moons n=40", 4, 7), ("moons n=60", 4, 7)):
        X, yy, beta = sets[name]
        run = stuck(X, yy, beta, m, seed)
        U, a = run.U[0], run.alpha[0]
        arr = arrangement(X)
        p = solve_convex(X, yy, beta, patterns=arr).value
        rows += [
            (f"analyse_run (exact missing neuron), {name}",
             lambda X=X, yy=yy, U=U, a=a, beta=beta: analyse_run(X, yy, U, a, beta)),
            (f"dual_curve (default grid), {name}",
             lambda X=X, yy=yy, U=U, a=a: dual_curve(X, dual_vector(X, yy, U, a))),
            (f"escape + 2,000 steps, {name}",
             lambda X=X, yy=yy, U=U, a=a, beta=beta, arr=arr: escape(X, yy, U, a, beta, size=1e-3, patterns=arr)),
            (f"restricted_to_run, {name}",
             lambda X=X, yy=yy, U=U, a=a, beta=beta, arr=arr, p=p: restricted_to_run(X, yy, U, a, beta, patterns=arr,
                                                                                   p_star=p)),
        ]
    for name in ("paper n=5", "moons n=40", "moons n=60"):
        X, yy, beta = sets[name]
        rows.append((f"sampled_sweep (11 sizes + 1 %), {name}, β={beta:g}",
                     lambda X=X, yy=yy, beta=beta: sampled_sweep(X, yy, beta)))
    return rows


def timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    X, y, beta = data()["paper n=5"]
    first = timed(lambda: solve_without_cones(X, y, beta, p_star=float("nan")))
    print(f"load average {os.getloadavg()[0]:.2f}; first cvxpy solve in this process: {first[0]:.2f} s wall\n")
    print(f"{'case':62s} {'wall s':>8s} {'cpu s':>8s}")
    for name, fn in cases():
        fn()
        t = np.array([timed(fn) for _ in range(args.repeat)])
        print(f"{name:62s} {np.median(t[:, 0]):8.3f} {np.median(t[:, 1]):8.3f}")


if __name__ == "__main__":
    main()
