"""Watchable training: SGD on the non-convex objective (2), a few steps at a time, each run
with its certified lower bound on p*.

The SGD page keeps one :class:`LiveRun` per session and calls :meth:`LiveRun.advance` once per
animation frame (or once per press of Step).  Pure numpy and :mod:`cvxcore`; no Streamlit, so
the tests drive it directly.

* Training is :func:`cvxcore.train_sgd` in chunks (``resume=``): the weights are exactly those of
  one long run, whatever the chunk sizes (the core guarantees it).  Objective (2) is recorded
  every ``record_every`` steps and at the end of each chunk.
* Divergence is the core's rule (:func:`cvxcore.train_sgd`): a trial whose weights stop being finite,
  or whose objective exceeds 10⁶ times its start, is stopped and marked; the others carry on.
  When every trial has diverged the run is over.
* A trial is *inactive* when no neuron is on at any data point (the network is zero on the data);
  under plain steps with lr·β < 1 it stays so for good (:attr:`cvxcore.SGDResult.halted`).  When
  every trial is halted (diverged, or inactive for good) the run is over: no step would change a
  network.
* The certificate of each trial (:mod:`cvxcore.training.certify`): any network gives a lower
  bound D(v) ≤ p* by weak duality (the paper's dual (4)), so objective − bound ≥ objective − p*.
  :class:`cvxcore.training.RunBounds` computes the *live* bound at the end of every chunk and
  keeps each trial's best so far; :meth:`LiveRun.certificates` gives one
  :class:`cvxcore.training.RunCertificate` per trial, live (while playing) or *refined* by
  ``REFINE`` rounds of cutting planes (paused or finished, computed once per step count).  The
  page's header and table read the same object.  Only with the exact arrangement (``patterns``
  given) is the bound one on p*; with sampled patterns no bound is computed.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np

from cvxcore import SGDResult, train_sgd
from cvxcore.losses import LossName
from cvxcore.training import REFINE, CertificateKind, RunBounds, RunCertificate, RunStatus

# The shortest frame of the animation (its speeds: the setting "speed" of lab.codec.SETTINGS): at
# most five frames a second, so a class of students does not keep the server busy with redraws.
MIN_FRAME_S = 0.2
RECORDS = 400               # objective (2) recorded about this many times over a run
BOUND_BUDGET_S = 0.05       # the live bounds' share of a frame (seconds), see LiveRun._bound_now


def frame_plan(speed: int) -> tuple[float, int]:
    """(seconds between frames, steps per frame) for ``speed`` steps per second.

    Up to 5 steps a second every frame is one step (1 s, 0.5 s, 0.2 s apart), so a single step
    can be followed; faster, five frames a second of speed/5 steps each."""
    interval = max(1.0 / speed, MIN_FRAME_S)
    return interval, max(1, int(round(speed * interval)))


@dataclass(frozen=True)
class Config:
    """The settings of one training run (a change of any of them starts a new run)."""
    beta: float
    loss: LossName
    m: int
    trials: int
    lr: float
    steps: int
    batch: int | None           # None: full-batch gradient descent
    seed: int
    optimizer: Literal["sgd", "momentum", "adam"]


class LiveRun:
    """``trials`` runs of SGD on (2) for data X, y, advanced chunk by chunk.

    ``patterns``: the exact arrangement of X (its activation patterns), or None when it was
    too large to enumerate (then no certificate).  ``p_star`` only labels the table.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, cfg: Config, patterns: np.ndarray | None = None) -> None:
        self.X, self.y, self.cfg = np.asarray(X, float), np.asarray(y, float), cfg
        self.patterns = None if patterns is None else np.asarray(patterns, bool)
        self.record_every = max(cfg.steps // RECORDS, 1)
        self.result: SGDResult | None = None             # the last chunk
        self.steps = np.zeros(0, dtype=int)              # (T,) recorded steps
        self.objectives = np.zeros((cfg.trials, 0))      # (trials, T) objective (2) at them
        self.error: str | None = None
        # each trial's best certified bound so far, updated after every chunk (exact arrangement only)
        self.tracker = (None if self.patterns is None else
                        RunBounds(self.X, self.y, beta=cfg.beta, loss=cfg.loss, patterns=self.patterns,
                                  trials=cfg.trials))
        self._bound_cost, self._skipped = 0.0, 0      # seconds of the last bound update; chunks since

    # ------------------------------------------------------------------ state
    @property
    def end_step(self) -> int:
        return 0 if self.result is None else self.result.end_step

    @property
    def started(self) -> bool:
        return self.result is not None

    @property
    def diverged(self) -> np.ndarray:
        return np.zeros(self.cfg.trials, bool) if self.result is None else self.result.diverged.copy()

    @property
    def diverged_at(self) -> np.ndarray:
        return np.full(self.cfg.trials, -1) if self.result is None else self.result.diverged_at.copy()

    @property
    def all_diverged(self) -> bool:
        return bool(self.started and self.diverged.all())

    @property
    def statuses(self) -> list[RunStatus]:
        """Each trial's status: "ok", "diverged" (stopped) or "inactive" (the network is zero on the
        data); all "ok" before the first step."""
        return ["ok"] * self.cfg.trials if self.result is None else self.result.statuses

    @property
    def inactive(self) -> np.ndarray:
        """(trials,) bool: no neuron is on at any data point (the network is zero on the data)."""
        return (np.zeros(self.cfg.trials, bool) if self.result is None or not self.result.inactive.size
                else self.result.inactive.copy())

    @property
    def halted(self) -> np.ndarray:
        """(trials,) bool: no further step can change the trial's network (it diverged, or it is
        inactive for good: :attr:`cvxcore.SGDResult.halted`)."""
        return np.zeros(self.cfg.trials, bool) if self.result is None else np.asarray(self.result.halted, bool)

    @property
    def all_halted(self) -> bool:
        return bool(self.started and self.halted.all())

    @property
    def finished(self) -> bool:
        """No step is left to take: the last step is done, every trial halted (diverged, or
        inactive for good), or an error."""
        return self.error is not None or self.end_step >= self.cfg.steps or self.all_halted

    @property
    def last_step(self) -> int:
        """The step of the newest weights of any trial: ``end_step``, except when every trial
        diverged — then the last divergence, where the last network was frozen."""
        return int(self.diverged_at.max()) if self.all_diverged else self.end_step

    @property
    def bound_steps(self) -> np.ndarray:
        """(K,) the steps at which the live bounds were computed (the end of each chunk)."""
        return np.zeros(0, int) if self.tracker is None else np.asarray(self.tracker.steps, int)

    @property
    def bounds(self) -> np.ndarray:
        """(trials, K) each trial's best certified lower bound on p* up to ``bound_steps`` (NaN: none)."""
        if self.tracker is None or not self.tracker.history:
            return np.zeros((self.cfg.trials, 0))
        return np.array(self.tracker.history).T

    @property
    def epoch(self) -> float:
        """Passes over the data up to ``last_step``: one per step for full batch, else steps / ⌊n/b⌋ (an
        epoch is that many batches of b, :func:`cvxcore.train_sgd`)."""
        per_epoch = 1 if self.cfg.batch is None else max(self.X.shape[0] // self.cfg.batch, 1)
        return self.last_step / per_epoch

    def history(self) -> np.ndarray:
        """``objectives`` with NaN from each diverged trial's divergence on (for plotting)."""
        out = self.objectives.copy()
        at = self.diverged_at
        for t in np.flatnonzero(at >= 0):
            out[t, self.steps >= at[t]] = np.nan
        return out

    @property
    def current(self) -> np.ndarray:
        """(trials,) objective (2) of the current weights (NaN before the first step)."""
        return self.objectives[:, -1] if self.objectives.shape[1] else np.full(self.cfg.trials, np.nan)

    def network(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """(U (m, d), alpha (m,)) of trial ``t`` now (after the first step)."""
        r = self._last()
        return r.U[t], r.alpha[t]

    def _last(self) -> SGDResult:
        if self.result is None:
            raise RuntimeError("the run has taken no step yet: call advance() first")
        return self.result

    # ------------------------------------------------------------------ training
    def advance(self, k: int) -> int:
        """Take up to ``k`` more steps (fewer at the end); returns the steps taken.

        A ``ValueError`` of the core (bad settings) is kept in :attr:`error` and ends the run."""
        k = int(min(k, self.cfg.steps - self.end_step))
        if k <= 0 or self.finished:
            return 0
        c = self.cfg
        try:
            if self.result is None:
                r = train_sgd(self.X, self.y, m=c.m, beta=c.beta, loss=c.loss, lr=c.lr, steps=k, trials=c.trials,
                              seed=c.seed, batch_size=c.batch, optimizer=c.optimizer,
                              record_every=self.record_every)
                s, o = r.steps, r.objectives
            else:
                r = train_sgd(self.X, self.y, beta=c.beta, loss=c.loss, lr=c.lr, steps=k,
                              record_every=self.record_every, resume=self.result)
                s, o = r.steps[1:], r.objectives[:, 1:]       # its first record is the previous end
        except ValueError as e:
            self.error = str(e)
            return 0
        self.result = r
        self.steps = np.r_[self.steps, s]
        self.objectives = np.c_[self.objectives, o]
        self._bound_now()
        return k

    def _bound_now(self) -> None:
        """Update the live bounds after a chunk, within a budget: when one update costs more than
        ``BOUND_BUDGET_S`` (the hinge loss's fitted subgradients on a few dozen points take ~0.05 s a
        run), only every k-th chunk is bounded, k = cost / budget, so the frames keep their pace.
        The last chunk is always bounded.  A bound from an earlier step still bounds p*."""
        if self.tracker is None:
            return
        if not self.finished and self._skipped * BOUND_BUDGET_S < self._bound_cost:
            self._skipped += 1
            return
        t0 = time.perf_counter()
        self.tracker.update(self._last())
        self._bound_cost, self._skipped = time.perf_counter() - t0, 1

    # ------------------------------------------------------------------ certificates
    def certificates(self, kind: CertificateKind = "refined") -> list[RunCertificate] | None:
        """One :class:`cvxcore.training.RunCertificate` per trial at the current step: "live" (the
        best bound of the chunks so far) or "refined" (``REFINE`` rounds of cutting planes at the
        current weights, computed once per step count; never below the live bound).  None before
        the first step or without the exact arrangement (no bound on p* then)."""
        if self.tracker is None or self.result is None:
            return None
        return self.tracker.certificates(self.result, refine=REFINE if kind == "refined" else 0)

    def ranked(self) -> list[int]:
        """The trials that did not diverge, best (lowest objective now) first."""
        ok = np.flatnonzero(~self.diverged)
        return [int(t) for t in ok[np.argsort(self.current[ok], kind="stable")]]


@dataclass
class LiveSession:
    """The SGD page's run in one session: the data and settings it was made for (``key``: a
    change starts a new run), the run, and whether it is playing."""
    key: tuple
    run: LiveRun
    playing: bool = False
