"""How far above the global optimum each training run is, at most: one certificate per run.

Every network gives a lower bound on p* by weak duality (docs/theory.md §2,
:func:`cvxcore.dual_certificate`), so a run's objective minus a bound from its own networks is
a certified gap:  objective − p* ≤ objective − bound,  and  (objective − p*)/p* ≤
(objective − bound)/bound  when the bound is positive.  p* depends only on the data, β and the
loss, so a bound certified at any earlier step of the run still holds: a run's bound is the best
one it has certified so far.

Two kinds, labelled as such wherever they are shown:

* **live** — cheap enough for every frame of an animation: the dual point −∇ℓ(ŷ) and, for the
  hinge loss, the subgradients fitted to the network's stationarity
  (:func:`cvxcore.convex.certificate.hinge_stationary_duals`), each scaled into the dual-feasible
  set by one exact pricing pass over the cells;
* **refined** — when paused or finished: the same, plus ``refine`` rounds of cutting planes through
  the network's neurons (:func:`cvxcore.convex.certificate.refine_dual`); never below the live one.

:class:`RunCertificate` is the one typed object per run an app shows (header, table and figure
read the same one); :func:`certify_runs` certifies every run of an :class:`SGDResult` once;
:class:`RunBounds` keeps each run's best bound over a run that advances in chunks.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ..arrangement import arrangement, as_cells
from ..convex import Certificate, dual_certificate
from ..params import check_int, check_loss, check_X, check_y
from .sgd import RunStatus, SGDResult

CertificateKind = Literal["live", "refined"]
REFINE = 3          # cutting-plane rounds of a refined certificate (about 0.1 s a run for n = 50 in 2-D)


@dataclass(frozen=True)
class RunCertificate:
    """The certificate of one run at one step: the single number an app shows for it.

    ``gap`` and ``rel_gap`` bound how far the run's objective is above p*:
    objective − p* ≤ gap, and (objective − p*)/p* ≤ rel_gap (so "at most rel_gap·100 % above p*").
    Note ``rel_gap`` is relative to the *bound* (an upper bound on the excess over p*), unlike
    :attr:`cvxcore.Certificate.rel_gap`, which is relative to the objective."""
    run: int                    # trial index, 0-based
    step: int                   # absolute step of the network certified
    status: RunStatus           # "ok", "diverged" (stopped) or "inactive" (the network is zero)
    objective: float            # objective (2) of the run's network at ``step``
    lower_bound: float          # certified lower bound on p* (−inf when none could be certified)
    kind: CertificateKind       # "live" or "refined" (module docstring)
    message: str | None = None  # what happened to the run and what to try (status not "ok")

    @property
    def certified(self) -> bool:
        """A positive, finite lower bound: the gaps below are finite."""
        return bool(np.isfinite(self.lower_bound) and self.lower_bound > 0)

    @property
    def gap(self) -> float:
        """objective − lower_bound ≥ objective − p* (inf without a bound)."""
        return float(self.objective - self.lower_bound) if np.isfinite(self.lower_bound) else float("inf")

    @property
    def rel_gap(self) -> float:
        """gap / lower_bound ≥ (objective − p*)/p* (inf unless ``certified``)."""
        return self.gap / self.lower_bound if self.certified else float("inf")

    def summary(self) -> str:
        """One line for a header or a caption, e.g. "objective 0.7212 ≤ p* + 0.0566: at most 8.52 %
        above p* (refined certificate)"; the message instead when the run diverged."""
        if self.status == "diverged":
            return self.message or f"run {self.run + 1} diverged"
        what = f"{self.kind} certificate"
        if not self.certified:
            return f"objective {self.objective:.4g}; no positive lower bound on p* yet ({what})"
        pct = 100 * self.rel_gap
        above = "< 0.01 %" if pct < 0.01 else f"{pct:.3g} %"
        return f"objective {self.objective:.4g} ≤ p* + {self.gap:.3g}: at most {above} above p* ({what})"


@dataclass
class RunCertificates:
    """Dual certificates (docs/theory.md §2) of every trial of an :class:`SGDResult`."""
    objective: np.ndarray       # (trials,) objective (2) of the returned weights
    lower_bound: np.ndarray     # (trials,) D(v_t) ≤ p*, from trial t's network (max with ``previous``)
    gap: np.ndarray             # (trials,) objective − lower_bound ≥ objective − p*
    rel_gap: np.ndarray         # (trials,) gap / objective
    best_lower_bound: float     # max over trials: the best certified lower bound on p*
    n_patterns: int
    seconds: float
    certificates: list          # the Certificate of each trial at these weights
    runs: list = field(default_factory=list)     # the RunCertificate of each trial (what an app shows)
    kind: CertificateKind = "refined"
    step: int = 0               # the absolute step certified (the result's end_step)


def certify_runs(X, y, result: SGDResult, *, beta=None, loss=None, patterns=None, refine: int = 10,
                 previous: RunCertificates | np.ndarray | None = None) -> RunCertificates:
    """Certify every trial of ``result``: how far above p* each returned network is, at most.

    ``beta``/``loss`` default to the run's.  The cells (default: the exact arrangement of X, or
    pass ``patterns=`` a result's ``arrangement``) are built once and shared by the trials.
    Each certificate is :func:`cvxcore.dual_certificate` with ``refine`` cutting-plane rounds from
    the trial's neurons and, for hinge loss, the fitted subgradients; ``refine=0`` gives the live
    kind (module docstring).  Cost: each round prices over all P cells; for 2-D data with n = 50
    (P ≈ 2,500) about 0.02 s a round.  ``previous`` (earlier certificates of the same runs, or
    their lower bounds (trials,)) is folded in: each bound is the best so far.
    """
    t0 = time.perf_counter()
    if not isinstance(result, SGDResult):
        raise ValueError(f"result={type(result).__name__} is not an SGDResult; pass what train_sgd returned.")
    X = check_X(X)
    beta = result.beta if beta is None else beta
    loss = check_loss(result.loss if loss is None else loss)
    y = check_y(y, X.shape[0], loss)
    refine = check_int("refine", refine, 0, 1000)
    if result.U.shape[2] != X.shape[1]:
        raise ValueError(f"result has networks with d = {result.U.shape[2]} inputs but X has d = {X.shape[1]} "
                         "columns; certify on the data the run was trained on.")
    earlier = _previous_bounds(previous, result.trials)
    P = arrangement(X) if patterns is None else as_cells(X, patterns)
    certs: list[Certificate] = [
        dual_certificate(X, y, result.U[t], result.alpha[t], beta, loss=loss, patterns=P, refine=refine,
                         stationary=True) for t in range(result.trials)]
    obj = result.final.astype(float)        # the run's own record of (2): one number wherever it is shown
    lb = np.fmax(np.array([c.lower_bound for c in certs]), earlier)
    kind: CertificateKind = "refined" if refine > 0 else "live"
    runs = [RunCertificate(run=t, step=result.end_step, status=result.status(t), objective=float(obj[t]),
                           lower_bound=float(lb[t]), kind=kind, message=result.message(t))
            for t in range(result.trials)]
    gap = obj - lb
    return RunCertificates(objective=obj, lower_bound=lb, gap=gap, rel_gap=gap / np.maximum(np.abs(obj), 1e-300),
                           best_lower_bound=float(lb.max()), n_patterns=int(P.n_cells),
                           seconds=time.perf_counter() - t0, certificates=certs, runs=runs, kind=kind,
                           step=result.end_step)


def _previous_bounds(previous, trials: int) -> np.ndarray:
    if previous is None:
        return np.full(trials, -np.inf)
    lb = previous.lower_bound if isinstance(previous, RunCertificates) else previous
    lb = np.asarray(lb, dtype=float).reshape(-1)
    if lb.shape != (trials,):
        raise ValueError(f"previous has {lb.size} bounds but the result has {trials} trials; pass the earlier "
                         "certificates of the same runs.")
    return np.where(np.isnan(lb), -np.inf, lb)


class RunBounds:
    """Each run's certificate while it trains in chunks (``train_sgd(resume=...)``).

    Call :meth:`update` with the latest result after every chunk: it computes each run's live
    bound at the current weights and keeps the best so far.  :meth:`certificates` gives one
    :class:`RunCertificate` per run — live, or refined (``refine`` > 0: cutting planes at the
    current weights, computed once per step count and never below the live bound).  ``patterns``:
    the exact arrangement of X (e.g. a ConvexResult's ``arrangement``; None builds it, a
    ``ValueError`` when it is too large) — over a subset of the cells a bound is not one on p*.
    """

    def __init__(self, X, y, *, beta: float, loss: str, patterns, trials: int):
        self.X = check_X(X)
        self.loss = check_loss(loss)
        self.y = check_y(y, self.X.shape[0], self.loss)
        self.beta = float(beta)
        self.cells = arrangement(self.X) if patterns is None else as_cells(self.X, patterns)
        self.best = np.full(int(trials), -np.inf)       # each run's best certified bound so far
        self.steps: list[int] = []                      # steps of the updates
        self.history: list[np.ndarray] = []             # the best bounds after each update, NaN for none (a figure)
        self._refined: tuple[int, int, RunCertificates] | None = None     # (step, refine, certificates)

    def update(self, result: SGDResult) -> np.ndarray:
        """Live bounds of ``result``'s current networks (trials that diverged keep their earlier
        bound); returns each run's best bound so far (trials,), −inf where there is none."""
        live = ~result.diverged
        for t in np.flatnonzero(live):
            c = dual_certificate(self.X, self.y, result.U[t], result.alpha[t], self.beta, loss=self.loss,
                                 patterns=self.cells, refine=0, stationary=True)
            if np.isfinite(c.lower_bound):
                self.best[t] = max(self.best[t], c.lower_bound)
        self.steps.append(result.end_step)
        self.history.append(np.where(np.isfinite(self.best), self.best, np.nan))
        return self.best.copy()

    def certificates(self, result: SGDResult, *, refine: int = 0) -> list[RunCertificate]:
        """One :class:`RunCertificate` per run at ``result``'s current step: live (``refine`` = 0,
        the best bound of the updates so far) or refined (``refine`` rounds of cutting planes)."""
        if refine <= 0:
            return [RunCertificate(run=t, step=result.end_step, status=result.status(t),
                                   objective=float(result.final[t]), lower_bound=float(self.best[t]), kind="live",
                                   message=result.message(t))
                    for t in range(result.trials)]
        key = (result.end_step, int(refine))
        if self._refined is None or self._refined[:2] != key:
            rc = certify_runs(self.X, self.y, result, beta=self.beta, loss=self.loss, patterns=self.cells,
                              refine=refine, previous=self.best)
            self.best = np.fmax(self.best, rc.lower_bound)
            self._refined = (*key, rc)
        return self._refined[2].runs
