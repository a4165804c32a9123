"""What :func:`cvxcore.convex.solve.solve_convex` and a solver of (8) hand each other.

A solver is a function ``(X, y, beta, loss, cells, **options) -> SolverOutput`` on trusted
inputs (:func:`cvxcore.convex.solve.solve_convex` validates), where ``cells`` is a cell set
(:mod:`cvxcore.arrangement`) and ``loss`` a :class:`cvxcore.losses.Loss`.  Its blocks are the
nonzero (v_i, w_i) of (8) as rows: block j is q_j on cell ``cells[j]`` with sign ``signs[j]``
(+1: a v_i, α > 0; −1: a w_i, α < 0).  Its dual point is only a candidate: the certificate
checks it independently.

* :class:`SolverOutput` — the blocks, the solver's value and status, its dual point, and the
  :class:`Support` of its restricted optimum (what seeds the next solve);
* :class:`Solver` — one row of the table of solvers (:func:`cvxcore.convex.solver.registry`):
  the losses and options it takes, its run, and its re-optimisation on a given support;
* :class:`WarmStart` — a previous solution as the next solve reads it (the ``warm=`` option);
* :class:`Network` — a candidate network of the minimal-network step (neurons, weights,
  cells, objective (2)).

This module imports no solver, so every solver can import it (the table of solvers, which
imports them all, is :mod:`cvxcore.convex.solver`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..arrangement import CellSet
from ..losses import LossName

SolverName = Literal["fast", "cvxpy"]
MethodName = Literal["auto", "fast", "cvxpy"]     # ``method=`` of solve_convex: "auto" picks a solver


@dataclass(frozen=True)
class Support:
    """Blocks of a restricted optimum by pattern: block j is (D_j, s_j), ``patterns`` (k, n)
    bool and ``signs`` (k,) ±1.  Patterns, not cell indices, so that they can be found among the
    cells of other data (a point appended: the old patterns are prefixes of the new ones)."""
    patterns: np.ndarray
    signs: np.ndarray

    @classmethod
    def empty(cls, n: int) -> Support:
        return cls(np.zeros((0, n), dtype=bool), np.zeros(0))

    def __len__(self) -> int:
        return int(self.patterns.shape[0])


@dataclass
class SolverOutput:
    cells: np.ndarray        # (k,) cell of each block
    signs: np.ndarray        # (k,) +1 or −1
    Q: np.ndarray            # (k, d) the blocks q_j
    value: float             # the solver's own value of (8)
    status: str
    dual: np.ndarray         # (n,) candidate dual point v of (4)
    info: dict[str, Any] = field(default_factory=dict)   # the solver's bookkeeping (rounds, seconds, …)
    support: Support | None = None   # the nonzero blocks of its restricted optimum, when it has one


@dataclass(frozen=True)
class Solver:
    name: SolverName
    losses: frozenset[LossName]       # the losses it handles
    options: frozenset[str]           # option names it accepts
    run: Callable[..., SolverOutput]
    check: Callable[[dict[str, Any]], None] | None = None   # ValueError on a bad option value
    resolve: Callable[..., SolverOutput] | None = None      # (8) re-optimised on given blocks

    def check_options(self, options: dict[str, Any]) -> None:
        bad = sorted(set(options) - self.options)
        if bad:
            raise ValueError(f"unknown option(s) {', '.join(map(repr, bad))} for method={self.name!r}; "
                             f"it takes {', '.join(sorted(self.options)) or 'no options'}.")
        if self.check is not None:
            self.check(options)


@dataclass(frozen=True)
class WarmStart:
    """A previous solution as the next solve of (8) reads it: its neurons ``U`` (m, d) and
    weights ``alpha`` (m,); the :class:`Support` of its restricted optimum when it has one
    (the interior-point solution is the centre of the optimal face: every block some optimum
    uses); and the cell set it was solved over, reused when it is the same data's whole
    arrangement."""
    U: np.ndarray
    alpha: np.ndarray
    support: Support | None = None
    cells: CellSet | None = None

    @classmethod
    def of(cls, warm: object, d: int) -> WarmStart | None:
        """The warm start of ``warm=``: a :class:`WarmStart` as is; a previous
        :class:`cvxcore.ConvexResult` (its neurons, support and arrangement); a pair
        ``(U, alpha)``; or None.  ``ValueError`` when the neurons are not (m, d) and (m,)."""
        if warm is None or isinstance(warm, WarmStart):
            return warm
        if hasattr(warm, "U"):
            U, alpha = warm.U, getattr(warm, "alpha", None)
            support, cells = getattr(warm, "support", None), getattr(warm, "arrangement", None)
        else:
            try:
                U, alpha = warm           # type: ignore[misc]
            except (TypeError, ValueError):
                raise ValueError(f"warm={warm!r} is not a warm start; pass the previous ConvexResult "
                                 "or a pair (U, alpha).") from None
            support = cells = None
        U, alpha = np.atleast_2d(np.asarray(U, float)), np.asarray(alpha, float).reshape(-1)
        if U.size and (U.ndim != 2 or U.shape[1] != d or alpha.shape[0] != U.shape[0]):
            raise ValueError(f"warm start has neurons of shape {U.shape} and weights {alpha.shape}; they must be "
                             f"(m, {d}) and (m,) for this X (pass the previous ConvexResult).")
        return cls(U, alpha, support if isinstance(support, Support) else None,
                   cells if isinstance(cells, CellSet) else None)


@dataclass(frozen=True)
class Network:
    """A candidate of the minimal-network step: neurons ``U`` (m, d), weights ``alpha`` (m,),
    the cell of each neuron ``cells`` (m,), and its objective (2) ``value``."""
    U: np.ndarray
    alpha: np.ndarray
    cells: np.ndarray
    value: float

    @property
    def m(self) -> int:
        return int(self.alpha.size)


def blocks_network(Q: np.ndarray, signs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The balanced network of blocks q_j of (8) with signs s_j (+1: a v-block, −1: a w-block):
    neurons u_j = q_j/√‖q_j‖ and weights α_j = s_j√‖q_j‖, so that |α_j|u_j = q_j and the penalty
    β‖u_j‖|α_j| = β‖q_j‖ (zero blocks left out).  ``(U (m, d), alpha (m,))``."""
    Q = np.asarray(Q, dtype=float).reshape(len(signs), -1) if len(signs) else np.zeros((0, np.shape(Q)[-1]))
    norms = np.linalg.norm(Q, axis=1)
    live = norms > 0
    root = np.sqrt(norms[live])
    return Q[live] / root[:, None], np.asarray(signs, dtype=float)[live] * root
