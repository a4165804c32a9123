"""The paper's experiments (section 6) as functions that return data.

Figure 2.  X = [−2, −1, 0, 1, 2]ᵀ with a bias column, y = [1, −1, 1, 1, −1]ᵀ,
squared loss: objective (2) of gradient descent on the non-convex network
from 10 random initialisations, for m = 8, 15, 50, against the optimum p* of
the convex program (8) ("Optimal").  Small m gets stuck above p*.

Figure 3.  2-D data, n = 50, labels ±1, m = 50, hinge loss, SGD with batch
size 25 from 10 initialisations, against "Optimal" ((8) over every
activation pattern, value p*) and "Approximate" ((8) over m sampled patterns,
Remark 3.3, value ≥ p*), with the decision boundaries {x : f(x) = 0} of each.
The paper does not publish its 2-D data set or β; here the points are
x ~ N(0, I₂) and yᵢ = +1 outside the circle of median radius √(2 ln 2), −1
inside (balanced in expectation), and β is an argument.

Remark 3.3, the approximation curve.  Solving (8) over a subset of the
patterns restricts the feasible set, so its value p̃ ≥ p*; with nested subsets
(the first k of one stream of directions u ~ N(0, I_d)) p̃ decreases weakly in
k and equals p* once the subset contains the patterns of an optimal network.

Nothing here draws; :mod:`scripts` and the app turn the returned arrays into
figures.
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from ..arrangement import distinct_first, distinct_sample, exact_pattern_bound, pattern_stream
from ..convex import ConvexResult, solve_convex
from ..datasets import PAPER_X, PAPER_Y
from ..losses import LossName
from ..network import predict, with_bias
from ..params import check_loss, check_scalar, check_X, check_y
from ..training import RunCertificates, SGDResult, certify_runs, train_sgd
from ..training.sgd import DEFAULT_LR, DEFAULT_STEPS

FIG3_RADIUS = float(np.sqrt(2 * np.log(2)))     # median of ‖x‖ for x ~ N(0, I₂)


def paper_1d() -> tuple[np.ndarray, np.ndarray]:
    """The paper's 1-D example: X (5, 2) with the bias column, y (5,)."""
    return with_bias(PAPER_X), PAPER_Y.copy()


def circle_2d(n: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n points x ~ N(0, I₂) (default_rng(seed)), y = +1 outside radius √(2 ln 2), −1 inside.

    Returns (X (n, 3) with the bias column last, y (n,), x (n, 2)).
    """
    n = check_scalar("n", n)
    rng = np.random.default_rng(check_scalar("seed", seed))
    x = rng.standard_normal((n, 2))
    y = np.where(np.linalg.norm(x, axis=1) > FIG3_RADIUS, 1.0, -1.0)
    return with_bias(x), y, x


def sampled_pattern_stream(X: ArrayLike, count: int, seed: int = 0) -> np.ndarray:
    """Directions u_1 … u_count ~ N(0, I_d) from default_rng(seed), as the patterns
    D(u_k) = 1[X u_k ≥ 0] (count, n) in drawing order (nested: see
    :func:`cvxcore.arrangement.pattern_stream`)."""
    return pattern_stream(check_X(X), count, check_scalar("seed", seed))


def sample_patterns(X: ArrayLike, k: int, seed: int = 0, max_draws: int = 200_000) -> np.ndarray:
    """k *distinct* patterns, the first k distinct nonzero ones of the stream of
    :func:`sampled_pattern_stream` (the paper's "random subset of the diagonal matrices of
    size m"); fewer when the arrangement has fewer cells, when quadrupling the draws finds no
    new pattern, or after ``max_draws`` directions."""
    X = check_X(X)
    k = check_scalar("samples", k)
    return distinct_sample(X, k, seed, bound=exact_pattern_bound(X), max_draws=max_draws)


# ---------------------------------------------------------------- Remark 3.3

@dataclass
class ApproximationCurve:
    sample_counts: np.ndarray    # (K,) directions drawn, increasing
    n_patterns: np.ndarray       # (K,) distinct patterns among them
    values: np.ndarray           # (K,) optimum of (8) over those patterns (≥ p*)
    statuses: list
    p_star: float                # the exact optimum (all patterns), or NaN if not computed
    n_exact_patterns: int
    seconds: float


def approximation_curve(X: ArrayLike, y: ArrayLike, beta: float, sample_counts: ArrayLike, *,
                        loss: LossName = "squared", seed: int = 0,
                        p_star: float | None = None, method: str = "auto") -> ApproximationCurve:
    """(8) over the patterns of the first k sampled directions, for each k in ``sample_counts``.

    One stream of directions u ~ N(0, I_d) (``default_rng(seed)``) serves every k, so the
    pattern sets are nested and the values decrease weakly towards p*.  ``p_star`` is computed
    with the exact arrangement unless given (pass ``float('nan')`` to skip).
    """
    t0 = time.perf_counter()
    X = check_X(X)
    loss = check_loss(loss)
    y = check_y(y, X.shape[0], loss)
    beta = check_scalar("beta", beta)
    counts = np.array(sorted({check_scalar("samples", k) for k in np.atleast_1d(sample_counts)}), dtype=int)
    if counts.size == 0:
        raise ValueError("sample_counts is empty; pass the numbers of sampled directions, e.g. [10, 100, 1000].")
    stream = sampled_pattern_stream(X, int(counts[-1]), seed)
    values, n_pat, statuses = [], [], []
    for k in counts:
        P = distinct_first(stream, int(k))
        r = solve_convex(X, y, beta, loss=loss, patterns=P, method=method)
        values.append(r.value)
        n_pat.append(P.shape[0])
        statuses.append(r.status)
    n_exact = 0
    if p_star is None:
        exact = solve_convex(X, y, beta, loss=loss, method=method)
        p_star, n_exact = exact.value, exact.n_patterns
    return ApproximationCurve(sample_counts=counts, n_patterns=np.array(n_pat), values=np.array(values),
                              statuses=statuses, p_star=float(p_star), n_exact_patterns=n_exact,
                              seconds=time.perf_counter() - t0)


# ---------------------------------------------------------------- Figure 2

@dataclass
class Figure2:
    X: np.ndarray
    y: np.ndarray
    beta: float
    optimal: ConvexResult                       # p* = optimal.value, the "Optimal" line
    runs: dict                                  # m → SGDResult
    certificates: dict = field(default_factory=dict)   # m → RunCertificates (if certified)
    seconds: float = 0.0

    @property
    def p_star(self) -> float:
        return self.optimal.value

    def rows(self) -> list[tuple]:
        """Long-format rows (series, m, trial, step, objective) of every plotted point."""
        out = []
        for m, r in self.runs.items():
            h = r.history()
            for t in range(r.trials):
                for s, v in zip(r.steps, h[t]):
                    out.append(("SGD", m, t, int(s), float(v)))
        last = max(int(r.steps[-1]) for r in self.runs.values())
        out += [("Optimal", 0, -1, 0, self.p_star), ("Optimal", 0, -1, last, self.p_star)]
        return out

    def summary(self) -> dict:
        """Per m: how many trials end within 1% of p*, the worst and best final relative excess."""
        out = {}
        for m, r in self.runs.items():
            rel = r.final / self.p_star - 1
            out[m] = {"within_1pct": int(np.sum(rel <= 0.01)), "trials": r.trials,
                      "best": float(rel.min()), "worst": float(rel.max()),
                      "diverged": int(r.diverged.sum())}
        return out


def figure2(*, ms: Iterable[int] = (8, 15, 50), trials: int = 10, beta: float = 0.1, lr: float = DEFAULT_LR,
            steps: int = DEFAULT_STEPS, seed: int = 0, record_every: int | None = None, certify: bool = True,
            method: str = "auto") -> Figure2:
    """Figure 2: full-batch gradient descent (squared loss) on the paper's 1-D example for each
    width in ``ms``, ``trials`` initialisations each (the same seed for every m), against p*."""
    t0 = time.perf_counter()
    X, y = paper_1d()
    opt = solve_convex(X, y, beta, method=method)
    runs, certs = {}, {}
    for m in ms:
        runs[int(m)] = train_sgd(X, y, m=m, beta=beta, lr=lr, steps=steps, trials=trials, seed=seed,
                                 record_every=record_every)
        if certify:
            certs[int(m)] = certify_runs(X, y, runs[int(m)])
    return Figure2(X=X, y=y, beta=float(beta), optimal=opt, runs=runs, certificates=certs,
                   seconds=time.perf_counter() - t0)


# ---------------------------------------------------------------- Figure 3

@dataclass
class Figure3:
    X: np.ndarray
    y: np.ndarray
    beta: float
    optimal: ConvexResult                 # (8) over all P patterns: p*
    approximate: ConvexResult             # (8) over m sampled patterns: ≥ p*
    sgd: SGDResult
    certificates: RunCertificates | None
    grid_x: np.ndarray                    # (G,) first coordinate of the grid
    grid_y: np.ndarray                    # (G,) second coordinate
    fields: dict                          # name → (G, G) network output f on the grid (boundary: f = 0)
    seconds: float = 0.0

    @property
    def p_star(self) -> float:
        return self.optimal.value

    def curve_rows(self) -> list[tuple]:
        """(series, trial, step, objective) of the objective panel (a)."""
        r = self.sgd
        h = r.history()
        out = [("SGD", t, int(s), float(v)) for t in range(r.trials) for s, v in zip(r.steps, h[t])]
        last = int(r.steps[-1])
        for name, res in (("Optimal", self.optimal), ("Approximate", self.approximate)):
            out += [(name, -1, 0, res.value), (name, -1, last, res.value)]
        return out

    def summary(self) -> dict:
        """p*, the approximate value and the SGD runs' final relative excess."""
        rel = self.sgd.final / self.p_star - 1
        return {"p_star": self.p_star, "approximate": self.approximate.value,
                "approximate_rel": self.approximate.value / self.p_star - 1,
                "approximate_patterns": self.approximate.n_patterns, "exact_patterns": self.optimal.n_patterns,
                "sgd_rel_best": float(rel.min()), "sgd_rel_median": float(np.median(rel)),
                "sgd_rel_worst": float(rel.max()),
                "sgd_worse_than_approximate": int(np.sum(self.sgd.final > self.approximate.value)),
                "trials": self.sgd.trials, "m_star": self.optimal.m_star,
                "train_accuracy": {k: float(np.mean(np.sign(v) == self.y)) for k, v in self.train_outputs().items()}}

    def train_outputs(self) -> dict:
        out = {"Optimal": self.optimal.predict(self.X), "Approximate": self.approximate.predict(self.X)}
        best = int(np.argmin(self.sgd.final))
        out["SGD (best trial)"] = predict(self.X, self.sgd.U[best], self.sgd.alpha[best])
        return out


def figure3(*, n: int = 50, m: int = 50, trials: int = 10, batch_size: int = 25, beta: float = 0.1,
            lr: float = 1e-3, steps: int = 40_000, seed: int = 0, grid: int = 121, certify: bool = True,
            refine: int = 3, method: str = "auto") -> Figure3:
    """Figure 3 on :func:`circle_2d` data (see the module docstring): Optimal, Approximate
    (m distinct sampled patterns, :func:`sample_patterns`) and minibatch SGD (hinge loss),
    with each model's output on a grid over the data (decision boundary = zero level set;
    for SGD the best and every trial are in ``fields``)."""
    t0 = time.perf_counter()
    X, y, x = circle_2d(n, seed)
    opt = solve_convex(X, y, beta, loss="hinge", method=method)
    approx = solve_convex(X, y, beta, loss="hinge", patterns=sample_patterns(X, m, seed), method=method)
    run = train_sgd(X, y, m=m, beta=beta, loss="hinge", lr=lr, steps=steps, batch_size=batch_size,
                    trials=trials, seed=seed)
    certs = certify_runs(X, y, run, patterns=opt.arrangement, refine=refine) if certify else None
    lo, hi = x.min(axis=0) - 0.5, x.max(axis=0) + 0.5
    gx, gy = np.linspace(lo[0], hi[0], grid), np.linspace(lo[1], hi[1], grid)
    G = with_bias(np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2))
    fields = {"Optimal": opt.predict(G).reshape(grid, grid),
              "Approximate": approx.predict(G).reshape(grid, grid)}
    best = int(np.argmin(run.final))
    fields["SGD (best trial)"] = predict(G, run.U[best], run.alpha[best]).reshape(grid, grid)
    for t in range(run.trials):
        fields[f"SGD trial {t}"] = predict(G, run.U[t], run.alpha[t]).reshape(grid, grid)
    return Figure3(X=X, y=y, beta=float(beta), optimal=opt, approximate=approx, sgd=run, certificates=certs,
                   grid_x=gx, grid_y=gy, fields=fields, seconds=time.perf_counter() - t0)
