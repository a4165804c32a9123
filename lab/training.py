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
* The certificate.  For any network the dual point built from its residual, v = −∇ℓ(ŷ) scaled
  into the dual-feasible set {v : max_{‖u‖≤1} |vᵀ(Xu)₊| ≤ β} by one exact pricing pass over the
  arrangement's cells, gives D(v) ≤ p* (weak duality, the paper's dual (4);
  :func:`cvxcore.dual_certificate` with ``refine=0``).  It is computed at the end of every
  chunk for every trial that has not diverged; :attr:`LiveRun.bounds` keeps, for each trial,
  the best bound so far (every one of them is ≤ p*, so their maximum is too).  So each run's
  objective comes down towards p* from above while its bound comes up from below.  A pause or
  the end refines the bound by cutting planes (:meth:`LiveRun.certificates`, ``refine=3``).
  Only with the exact arrangement (``patterns`` given) is the bound one on p*; with sampled
  patterns no bound is computed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from cvxcore import Certificate, SGDResult, dual_certificate, train_sgd
from cvxcore.losses import LossName

# The shortest frame of the animation (its speeds: the setting "speed" of lab.codec.SETTINGS): at
# most five frames a second, so a class of students does not keep the server busy with redraws.
MIN_FRAME_S = 0.2
RECORDS = 400               # objective (2) recorded about this many times over a run
REFINE = 3                  # cutting-plane rounds of the certificates shown when paused or finished


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
        self.bound_steps = np.zeros(0, dtype=int)        # (K,) steps where bounds were computed
        self.bounds = np.zeros((cfg.trials, 0))          # (trials, K) best lower bound so far (NaN: none)
        self.error: str | None = None
        self._certs: tuple[int, list[Certificate | None]] | None = None   # of the last refinement

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
    def finished(self) -> bool:
        """No step is left to take: the last step is done, every trial diverged, or an error."""
        return self.error is not None or self.end_step >= self.cfg.steps or self.all_diverged

    @property
    def epoch(self) -> float:
        """Passes over the data so far: one per step for full batch, else steps / ⌊n/b⌋ (an
        epoch is that many batches of b, :func:`cvxcore.train_sgd`)."""
        per_epoch = 1 if self.cfg.batch is None else max(self.X.shape[0] // self.cfg.batch, 1)
        return self.end_step / per_epoch

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
        """Append each live trial's certified lower bound at the current weights (running max)."""
        if self.patterns is None:
            return
        lb = np.full(self.cfg.trials, np.nan)
        diverged = self._last().diverged
        for t in np.flatnonzero(~diverged):
            U, a = self.network(int(t))
            c = dual_certificate(self.X, self.y, U, a, self.cfg.beta, loss=self.cfg.loss,
                                 patterns=self.patterns, refine=0)
            if np.isfinite(c.lower_bound) and c.lower_bound > 0:
                lb[t] = c.lower_bound
        if self.bounds.shape[1]:
            prev = self.bounds[:, -1]
            lb = np.where(np.isnan(lb), np.where(diverged, np.nan, prev), np.fmax(lb, prev))
        self.bound_steps = np.r_[self.bound_steps, self.end_step]
        self.bounds = np.c_[self.bounds, lb]

    # ------------------------------------------------------------------ certificates
    def certificates(self, refine: int = REFINE) -> list[Certificate | None]:
        """The refined certificate (:class:`cvxcore.Certificate`) of each trial now; None for a
        diverged trial, or for every trial without the exact arrangement.  Computed once per
        step count."""
        if self._certs is not None and self._certs[0] == self.end_step:
            return self._certs[1]
        out: list[Certificate | None] = [None] * self.cfg.trials
        if self.patterns is not None and self.result is not None:
            for t in (int(t) for t in np.flatnonzero(~self.result.diverged)):
                U, a = self.network(t)
                out[t] = dual_certificate(self.X, self.y, U, a, self.cfg.beta, loss=self.cfg.loss,
                                          patterns=self.patterns, refine=refine)
        self._certs = (self.end_step, out)
        return out

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
