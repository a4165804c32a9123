"""How long the core takes to refuse bad input: its checks run before any large work.

    python bench/bench_refusals.py [--repeat 5]

Each case is a call the core must refuse with a ValueError (tests/test_validation.py,
tests/test_sgd.py and tests/test_patterns.py check the messages); the table gives the median and
the largest time to the refusal over ``--repeat`` calls, in milliseconds.  The aim: well under a
second each, including the data sets too large to enumerate (their size is checked against
Cover's count before anything is built).  Speed is measured here, not asserted in the tests.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cvxcore import activation_patterns, solve_convex, train_sgd, with_bias  # noqa: E402

X = with_bias(np.array([-2, -1, 0, 1, 2.0]))
Y = np.array([1, -1, 1, 1, -1.0])
BIG_2D = with_bias(np.random.default_rng(0).standard_normal((1500, 2)))
HUGE_2D = with_bias(np.random.default_rng(0).standard_normal((20_000, 2)))

CASES: dict[str, Callable[[], object]] = {
    "activation_patterns, n = 1,500 (2-D, bias): too many to enumerate": lambda: activation_patterns(BIG_2D),
    "solve_convex, n = 20,000 (2-D, bias): over the enumeration limit":
        lambda: solve_convex(HUGE_2D, np.ones(20_000), 0.1),
    "solve_convex, beta = 0": lambda: solve_convex(X, Y, 0.0),
    "solve_convex, X with NaN": lambda: solve_convex(np.array([[np.nan, 1.0]]), [1.0], 0.1),
    "solve_convex, hinge loss on real targets": lambda: solve_convex(X, 2 * Y, 0.1, loss="hinge"),
    "train_sgd, lr = nan": lambda: train_sgd(X, Y, m=4, beta=0.1, steps=10, lr=float("nan")),
    "train_sgd, batch_size = 6 > n": lambda: train_sgd(X, Y, m=4, beta=0.1, steps=10, batch_size=6),
    "train_sgd, U0 of the wrong shape": lambda: train_sgd(X, Y, beta=0.1, steps=10, U0=np.ones((2, 3, 5)),
                                                          alpha0=np.ones((2, 3))),
}


def time_refusal(call: Callable[[], object], repeat: int) -> list[float]:
    """Seconds until ``call`` raises ValueError, ``repeat`` times (a call that returns is an error)."""
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        try:
            call()
        except ValueError:
            out.append(time.perf_counter() - t)
        else:
            raise SystemExit(f"{call} did not refuse its input")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    width = max(map(len, CASES))
    print(f"{'case':<{width}}  median ms    max ms")
    for name, call in CASES.items():
        t = time_refusal(call, a.repeat)
        print(f"{name:<{width}}  {1e3 * statistics.median(t):9.2f} {1e3 * max(t):9.2f}")


if __name__ == "__main__":
    main()
