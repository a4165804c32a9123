"""cvxcore beside the paper's lab's own package, pyscnn (``scnn.optimize``), on the same instances.

    python bench/bench_peers.py                          # 1-D and 2-D with a bias, n = 50…500, three β
    python bench/bench_peers.py --ns 50 100 --betas 0.01

Needs a virtualenv of its own (never installed by CI): pyscnn imports torch (a CPU build is
enough) but not torchvision, so install it without its dependency list::

    python3 -m venv /tmp/peers && . /tmp/peers/bin/activate
    pip install -r bench/requirements-peers.txt && pip install --no-deps pyscnn==0.0.10

pyscnn's own package is named ``lab`` (linalg_backends), like the app's ``lab/``: run this script
from the repository root as above (``bench/`` comes first on the path, the root is only appended
after scnn is imported).

What is compared.  Squared loss, program (8) with weight decay β.  pyscnn minimises
(1/2n)‖ŷ − y‖² + λ Σ(‖v_i‖ + ‖w_i‖) over the patterns of ``max_neurons / 2`` sampled gate vectors,
so it is given λ = β/n, ``unitize_data=False`` (so that it solves this problem, not one with
rescaled columns), float64, its defaults otherwise (the augmented-Lagrangian solver, its
tolerances), and ``max_neurons = 2·min(P, 1000)``.  Its answer is scored as a network: the
objective (2) of the neurons its blocks define, (Xq)₊ with the ReLU itself, which is ≥ p*.  cvxcore
is ``solve_convex`` over the exact arrangement (time includes building it, recovery and the
certificate).  ``above p*`` is (value − p*)/p* with p* cvxcore's certified value; ``gap`` is
cvxcore's certified relative gap (value − dual lower bound).  Times are wall-clock in the same run.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

try:
    import scnn  # noqa: F401  (its `lab` package first, before the repository's is on the path)
    from scnn.optimize import optimize
    from scnn.regularizers import NeuronGL1
except ImportError:
    sys.exit("pyscnn is not installed here; see this script's docstring for its virtualenv.")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.append(ROOT)
from cvxcore import arrangement, solve_convex, with_bias  # noqa: E402
from cvxcore.network import blocks_objective  # noqa: E402


def data(kind, n, seed=0):
    rng = np.random.default_rng(seed)
    if kind == "1d":
        x = np.sort(rng.uniform(-2, 2, n))
        return with_bias(x), np.sin(2 * x) + 0.1 * rng.standard_normal(n)
    x = rng.uniform(-2, 2, (n, 2))
    return with_bias(x), np.sin(2 * x[:, 0]) * np.cos(x[:, 1]) + 0.1 * rng.standard_normal(n)


def run_scnn(X, y, beta, max_neurons):
    n = X.shape[0]
    t = time.perf_counter()
    model, _ = optimize("relu", max_neurons, X, y, regularizer=NeuronGL1(beta / n), bias=False,
                        return_convex=True, unitize_data=False, dtype="float64", verbose=False)
    secs = time.perf_counter() - t
    V, W = (np.asarray(p, dtype=float)[0] for p in model.parameters)      # (p, d) each
    Q = np.vstack([V, W])
    signs = np.r_[np.ones(V.shape[0]), -np.ones(W.shape[0])]
    live = np.linalg.norm(Q, axis=1) > 1e-9 * max(np.linalg.norm(Q, axis=1).max(), 1e-300)
    G = np.asarray(model.G, dtype=float)
    distinct = np.unique((X @ G) >= 0, axis=1).shape[1]
    return secs, blocks_objective(X, y, beta, "squared", Q, signs), int(live.sum()), distinct


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kinds", nargs="+", default=["1d", "2d"])
    ap.add_argument("--ns", nargs="+", type=int, default=[50, 100, 200, 500])
    ap.add_argument("--betas", nargs="+", type=float, default=[1e-3, 1e-2, 1e-1])
    a = ap.parse_args()
    print(f"# {platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} · numpy "
          f"{np.__version__} · load average {os.getloadavg()[0]:.1f}")
    print("| data | n | β | P | cvxcore s | p* (certified) | gap | m* | pyscnn s | pyscnn value | above p* "
          "| its patterns | its neurons | ratio (time) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for kind in a.kinds:
        for n in a.ns:
            X, y = data(kind, n)
            for beta in a.betas:
                t = time.perf_counter()
                arr = arrangement(X)
                r = solve_convex(X, y, beta, patterns=arr)
                ours = time.perf_counter() - t
                P = arr.n_cells
                secs, value, neurons, distinct = run_scnn(X, y, beta, 2 * min(P, 1000))
                above = (value - r.value) / r.value
                print(f"| {kind} | {n} | {beta:g} | {P:,} | {ours:.2f} | {r.value:.8g} | {r.rel_gap:.0e} | "
                      f"{r.m_star} | {secs:.2f} | {value:.8g} | {above:+.2%} | {distinct:,} | {neurons} | "
                      f"{secs / ours:.1f}× |", flush=True)


if __name__ == "__main__":
    main()
