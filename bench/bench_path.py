"""Benchmark: the regularization path (``solve_path``, warm-started from the largest β down) against
independent ``solve_convex`` calls at the same βs, in the same run.

    python bench/bench_path.py                      # n = 60, 20 βs, three recipes, 3 repeats
    python bench/bench_path.py --n 40 --num 10 --repeats 1

2-D data with a bias column (d = 3, P ≈ n² patterns), seeded:

    xor     x ~ N(0, I₂),  y = sign(x₁ x₂)              (squared and hinge loss)
    ring    x ~ N(0, I₂),  y = +1 if ‖x‖ > 1.18 else −1  (squared loss)

βs: ``--num`` values log-spaced from 0.9·β_max down to 10^−decades·β_max (β_max from
:func:`cvxcore.beta_max`).  The patterns are enumerated once and passed to both routes, so the
times compare the solves alone.  Per case: the path time, the independent time, their ratio
(independent / path), the largest relative difference of the values, and whether every result of
both routes is certified "optimal".  Each case is timed ``--repeats`` times alternating the two
routes; the table shows the medians.  Timings are wall-clock on whatever else the machine is doing:
compare the ratio, measured in the same run.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from cvxcore import activation_patterns, beta_max, solve_convex, solve_path, with_bias  # noqa: E402


def recipe(name: str, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2))
    if name == "xor":
        y = np.sign(x[:, 0] * x[:, 1])
    elif name == "ring":
        y = np.where(np.linalg.norm(x, axis=1) > 1.18, 1.0, -1.0)
    else:
        raise ValueError(f"recipe={name!r} is not known; use 'xor' or 'ring'.")
    y[y == 0] = 1.0
    return with_bias(x), y


def one_case(X, y, loss, num, decades, repeats):
    patterns = activation_patterns(X)
    bmax = beta_max(X, y, loss=loss, patterns=patterns)
    betas = 0.9 * bmax * np.logspace(0, -decades, num)
    t_path, t_ind = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        path = solve_path(X, y, betas, loss=loss, patterns=patterns)
        t_path.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ind = [solve_convex(X, y, b, loss=loss, patterns=patterns) for b in betas]
        t_ind.append(time.perf_counter() - t0)
    rel = max(abs(a.value - b.value) / max(abs(b.value), 1e-300) for a, b in zip(path, ind))
    ok = all(r.status == "optimal" for r in path + ind)
    return dict(P=patterns.shape[0], bmax=bmax, path=float(np.median(t_path)), ind=float(np.median(t_ind)),
                rel=rel, ok=ok, m_last=path[-1].m_star)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--num", type=int, default=20, help="βs on the path")
    ap.add_argument("--decades", type=float, default=3.0, help="the path spans 0.9·β_max … 10^-decades·β_max")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cases", nargs="*", default=["xor:squared", "xor:hinge", "ring:squared"])
    a = ap.parse_args(argv)
    print(f"# bench_path: n = {a.n}, {a.num} βs over {a.decades:g} decades below β_max, median of "
          f"{a.repeats}; {platform.processor() or platform.machine()}, load {os.getloadavg()[0]:.2f}")
    print(f"{'case':16s} {'P':>6s} {'β_max':>8s} {'path s':>8s} {'indep. s':>9s} {'ratio':>6s} "
          f"{'max rel diff':>12s} {'m* last':>7s} {'certified':>9s}")
    for spec in a.cases:
        name, loss = spec.split(":")
        X, y = recipe(name, a.n)
        r = one_case(X, y, loss, a.num, a.decades, a.repeats)
        print(f"{spec:16s} {r['P']:6d} {r['bmax']:8.3g} {r['path']:8.2f} {r['ind']:9.2f} "
              f"{r['ind'] / r['path']:6.2f} {r['rel']:12.1e} {r['m_last']:7d} {'yes' if r['ok'] else 'NO':>9s}")
    print(f"# load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
