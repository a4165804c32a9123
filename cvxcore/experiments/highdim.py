"""Higher-dimensional data: SGD against program (8) over sampled patterns (the paper's Figure 4).

With d in the tens the arrangement has about 2r(e(n−1)/r)^r cells (docs/theory.md §3)
and cannot be enumerated; program (8) is solved over a few patterns D_i
instead (Remark 3.3), which gives a network whose objective (2) is an upper
bound on p*.  The paper compares SGD with three ways of choosing the patterns:

* ``"sgd+random"`` (Alg1) — the patterns 1[X u_j ≥ 0] of the m neurons of the
  SGD-trained network, plus m patterns of random directions u ~ N(0, I_d);
* ``"initial"`` (Alg2) — the patterns of the m neurons of the *initial* network;
* ``"flipped"`` (Alg3) — for each initial neuron, its pattern and a copy in which
  the samples with the smallest |x_iᵀu_j| (a fraction ``flip_fraction``, the
  ones nearest its hyperplane) are flipped: 2m patterns.  A flipped pattern need
  not be a cell of the arrangement; then the cone constraints of (8) only admit
  blocks that vanish on the flipped samples, and the value stays an upper bound.

Each scheme's network is the one recovered from (8), so its objective is
objective (2) of an actual network, comparable with SGD's; test accuracy is
the fraction of test points with sign f(x) = y.

The data (no download): 8×8 grey images of two shapes — a hollow square
(class +1) and a plus sign (class −1) — of random size and position, with
Gaussian pixel noise, generated from an explicit seed; flattened, plus a bias
column: d = 65.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from ..convex import solve_convex
from ..losses import LossName
from ..network import predict
from ..params import check_int, check_loss, check_scalar, check_X, check_y
from ..training import train_sgd

Scheme = Literal["sgd+random", "initial", "flipped"]
SCHEMES: tuple[Scheme, ...] = ("sgd+random", "initial", "flipped")
SCHEME_LABELS = {"sgd+random": "Alg1: SGD's patterns + random", "initial": "Alg2: initial network's patterns",
                 "flipped": "Alg3: flipped-sign heuristic"}


def check_scheme(scheme: object) -> Scheme:
    """One of :data:`SCHEMES`."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme={scheme!r} is not a known sampling scheme; use one of "
                         f"{', '.join(map(repr, SCHEMES))} (Alg1, Alg2, Alg3 of the paper).")
    return scheme


# ---------------------------------------------------------------- the data


def _draw_shape(img, kind, rng):
    side = img.shape[0]
    s = int(rng.integers(4, min(side, 7) + 1))          # shape size in pixels
    r0, c0 = rng.integers(0, side - s + 1, size=2)
    if kind == "square":
        img[r0, c0:c0 + s] = img[r0 + s - 1, c0:c0 + s] = 1.0
        img[r0:r0 + s, c0] = img[r0:r0 + s, c0 + s - 1] = 1.0
    else:                                               # plus sign
        mid = s // 2
        img[r0 + mid, c0:c0 + s] = 1.0
        img[r0:r0 + s, c0 + mid] = 1.0


def shapes_images(n: int, *, side: int = 8, noise: float = 0.35, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n images (n, side, side) and labels ±1 (+1 hollow square, −1 plus sign), balanced."""
    n = check_int("n", n, 2, 100_000, "pass a whole number of images n >= 2.")
    side = check_int("side", side, 6, 32, "pass an image side between 6 and 32 pixels.")
    noise = check_scalar("noise", noise, lo=0.0, hi=10.0, integer=False)
    rng = np.random.default_rng(check_scalar("seed", seed))
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    rng.shuffle(y)
    imgs = np.zeros((n, side, side))
    for i in range(n):
        _draw_shape(imgs[i], "square" if y[i] > 0 else "plus", rng)
    imgs += noise * rng.standard_normal(imgs.shape)
    return imgs, y


def shapes_dataset(n_train: int = 100, n_test: int = 400, *, side: int = 8, noise: float = 0.35, seed: int = 0
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train and test sets: flattened images with a bias column, (n, side² + 1), labels ±1.

    Train and test come from independent seeds ([seed, 0] and [seed, 1])."""
    seed = check_scalar("seed", seed)
    a, ya = shapes_images(n_train, side=side, noise=noise, seed=seed * 2)
    b, yb = shapes_images(n_test, side=side, noise=noise, seed=seed * 2 + 1)
    flat = lambda I: np.hstack([I.reshape(len(I), -1), np.ones((len(I), 1))])  # noqa: E731
    return flat(a), ya, flat(b), yb


# ------------------------------------------------------------ the patterns


def scheme_patterns(X: np.ndarray, scheme: Scheme, *, U_init: np.ndarray, U_trained: np.ndarray | None = None,
                    extra_random: int | None = None, flip_fraction: float = 0.1, seed: int = 0) -> np.ndarray:
    """Patterns (P, n) of one scheme for data X; see the module docstring."""
    scheme = check_scheme(scheme)
    U_init = np.asarray(U_init, dtype=float)
    m = U_init.shape[0]
    if scheme == "sgd+random":
        if U_trained is None:
            raise ValueError("scheme='sgd+random' needs U_trained, the neurons of the SGD-trained network.")
        k = m if extra_random is None else check_int("extra_random", extra_random, 0, 100_000,
                                                   "pass a whole number of random patterns >= 0.")
        R = np.random.default_rng([check_scalar("seed", seed), 7]).standard_normal((k, X.shape[1]))
        W = np.vstack([np.asarray(U_trained, dtype=float), R])          # (m + k, d)
        return np.unique((X @ W.T).T >= 0, axis=0)
    H = (X @ U_init.T).T                                   # (m, n)
    D = H >= 0
    if scheme == "initial":
        return np.unique(D, axis=0)
    f = check_scalar("flip_fraction", flip_fraction, lo=0.0, hi=1.0, integer=False)
    k = max(1, int(round(f * X.shape[0])))
    near = np.argsort(np.abs(H), axis=1)[:, :k]            # samples nearest each hyperplane
    F = D.copy()
    np.put_along_axis(F, near, ~np.take_along_axis(D, near, axis=1), axis=1)
    return np.unique(np.vstack([D, F]), axis=0)


# ------------------------------------------------------------ the experiment


@dataclass
class HighDimResult:
    steps: np.ndarray                 # (T,) SGD step of each record
    sgd_objective: np.ndarray         # (trials, T) objective (2) along SGD
    sgd_test_accuracy: np.ndarray     # (trials, T)
    objective: dict                   # scheme -> (trials,) objective (2) of the network from (8)
    test_accuracy: dict               # scheme -> (trials,)
    train_accuracy: dict              # scheme -> (trials,), and "sgd"
    n_patterns: dict                  # scheme -> (trials,)
    status: dict                      # scheme -> list of str
    trials_done: int
    stopped: bool
    seconds: float
    params: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """Mean ± std over the finished trials, per method (SGD at its last step)."""
        t = self.trials_done
        rows = {"SGD": (self.sgd_objective[:t, -1], self.sgd_test_accuracy[:t, -1])}
        for s in SCHEMES:
            rows[SCHEME_LABELS[s]] = (self.objective[s][:t], self.test_accuracy[s][:t])
        return {k: dict(objective_mean=float(np.mean(o)), objective_std=float(np.std(o)),
                        test_acc_mean=float(np.mean(a)), test_acc_std=float(np.std(a))) for k, (o, a) in rows.items()}


def _accuracy(f, y):
    return float(np.mean(np.where(f >= 0, 1.0, -1.0) == y))


def run_highdim(X: ArrayLike, y: ArrayLike, X_test: ArrayLike, y_test: ArrayLike, *, m: int = 12,
                beta: float = 1e-2, loss: LossName = "hinge", lr: float = 2e-3, steps: int = 4000,
                batch_size: int | None = 25, trials: int = 10, seed: int = 0, records: int = 40,
                flip_fraction: float = 0.1, schemes: tuple[Scheme, ...] = SCHEMES, method: str = "auto",
                first_trial: int = 0, callback: Callable[[int, int], bool] | None = None) -> HighDimResult:
    """SGD (``trials`` initialisations) against (8) over each scheme's patterns.

    For trial t the initial network is u_j ~ N(0, I/d), α_j ~ N(0, 1/m) from
    ``default_rng([seed, 0, t])`` (the same as :func:`cvxcore.train_sgd`'s);
    SGD runs in ``records`` chunks so that test accuracy is recorded along the
    way.  ``callback(done, total)`` is called after each SGD chunk and each
    convex solve; returning True stops after the current trial's work and
    returns the finished trials (``stopped=True``).  ``first_trial`` numbers the
    trials from there, so a page can run trial by trial (``trials=1,
    first_trial=t``) and :func:`merge` the results into those of one run.
    """
    t0 = time.perf_counter()
    X = check_X(X)
    X_test = check_X(X_test, name="X_test")
    loss = check_loss(loss)
    y = check_y(y, X.shape[0], loss)
    y_test = check_y(y_test, X_test.shape[0], loss, name="y_test")
    if X_test.shape[1] != X.shape[1]:
        raise ValueError(f"X_test has {X_test.shape[1]} columns but X has {X.shape[1]}; pass test data with the "
                         "same features (bias column included).")
    schemes = tuple(check_scheme(s) for s in schemes)
    m = check_scalar("m", m)
    beta = check_scalar("beta", beta)
    lr = check_scalar("lr", lr)
    steps = check_scalar("steps", steps)
    trials = check_scalar("trials", trials)
    seed = check_scalar("seed", seed)
    records = check_int("records", records, 1, 10_000, "pass a whole number of records >= 1.")
    first_trial = check_int("first_trial", first_trial, 0, 10**6, "pass a whole number >= 0.")
    records = min(records, steps)
    n, d = X.shape
    chunk = -(-steps // records)
    bounds = list(range(0, steps, chunk)) + [steps]
    T = len(bounds)
    sgd_obj = np.full((trials, T), np.nan)
    sgd_acc = np.full((trials, T), np.nan)
    obj = {s: np.full(trials, np.nan) for s in schemes}
    acc = {s: np.full(trials, np.nan) for s in schemes}
    tr_acc = {s: np.full(trials, np.nan) for s in schemes + ("sgd",)}
    npat = {s: np.zeros(trials, int) for s in schemes}
    status: dict[str, list[str]] = {s: [] for s in schemes}
    total = trials * (T - 1 + len(schemes))
    done, stopped, finished = 0, False, 0
    for t in range(trials):
        tt = first_trial + t
        rng = np.random.default_rng([seed, 0, tt])
        U0 = rng.standard_normal((m, d)) / np.sqrt(d)
        a0 = rng.standard_normal(m) / np.sqrt(m)
        res = None
        for c in range(T - 1):
            kw = dict(resume=res) if res is not None else dict(U0=U0[None], alpha0=a0[None], seed=seed * 1000 + tt)
            res = train_sgd(X, y, beta=beta, loss=loss, lr=lr, steps=bounds[c + 1] - bounds[c],
                            batch_size=batch_size, record_every=max(1, bounds[c + 1] - bounds[c]), **kw)
            if c == 0:
                sgd_obj[t, 0] = res.objectives[0, 0]
                sgd_acc[t, 0] = _accuracy(predict(X_test, U0, a0), y_test)
            sgd_obj[t, c + 1] = res.objectives[0, -1]
            sgd_acc[t, c + 1] = _accuracy(predict(X_test, res.U[0], res.alpha[0]), y_test)
            done += 1
            if callback is not None and callback(done, total):
                stopped = True
        assert res is not None                       # steps ≥ 1: bounds has T ≥ 2 points, one chunk ran
        U_sgd = res.U[0]
        tr_acc["sgd"][t] = _accuracy(predict(X, U_sgd, res.alpha[0]), y)
        for s in schemes:
            P = scheme_patterns(X, s, U_init=U0, U_trained=U_sgd, flip_fraction=flip_fraction, seed=seed * 1000 + tt)
            r = solve_convex(X, y, beta, loss=loss, patterns=P, method=method)
            obj[s][t], npat[s][t] = r.value, P.shape[0]
            acc[s][t] = _accuracy(r.predict(X_test), y_test)
            tr_acc[s][t] = _accuracy(r.predict(X), y)
            status[s].append(r.status)
            done += 1
            if callback is not None and callback(done, total):
                stopped = True
        finished = t + 1
        if stopped:
            break
    return HighDimResult(steps=np.array(bounds), sgd_objective=sgd_obj, sgd_test_accuracy=sgd_acc,
                         objective=obj, test_accuracy=acc, train_accuracy=tr_acc, n_patterns=npat,
                         status=status, trials_done=finished, stopped=stopped,
                         seconds=time.perf_counter() - t0,
                         params=dict(m=m, beta=beta, loss=loss, lr=lr, steps=steps, batch_size=batch_size,
                                     trials=trials, seed=seed, flip_fraction=flip_fraction, n=n, d=d))


def merge(results: Iterable[HighDimResult]) -> HighDimResult:
    """One result from runs of consecutive trials (e.g. ``first_trial = 0, 1, 2, …``)."""
    done = [r for r in results if r.trials_done > 0]
    if not done:
        raise ValueError("merge needs at least one result with a finished trial.")

    def cat(arrays: Iterable[np.ndarray]) -> np.ndarray:
        return np.concatenate(list(arrays))

    first, keys = done[0], done[0].objective.keys()
    trials = sum(r.trials_done for r in done)
    return HighDimResult(
        steps=first.steps, sgd_objective=cat(r.sgd_objective[:r.trials_done] for r in done),
        sgd_test_accuracy=cat(r.sgd_test_accuracy[:r.trials_done] for r in done),
        objective={s: cat(r.objective[s][:r.trials_done] for r in done) for s in keys},
        test_accuracy={s: cat(r.test_accuracy[s][:r.trials_done] for r in done) for s in keys},
        train_accuracy={s: cat(r.train_accuracy[s][:r.trials_done] for r in done) for s in first.train_accuracy},
        n_patterns={s: cat(r.n_patterns[s][:r.trials_done] for r in done) for s in keys},
        status={s: [st for r in done for st in r.status[s][:r.trials_done]] for s in keys},
        trials_done=trials, stopped=any(r.stopped for r in done),
        seconds=sum(r.seconds for r in done), params=dict(first.params, trials=trials))
