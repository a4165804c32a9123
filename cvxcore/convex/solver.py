"""What a solver of (8) returns, and the table of solvers with what each handles.

A solver is a function ``(X, y, beta, loss, cells, **options) -> SolverOutput`` on trusted
inputs (:func:`cvxcore.convex.solve.solve_convex` validates), where ``cells`` is a cell set
(:mod:`cvxcore.arrangement`) and ``loss`` a :class:`cvxcore.losses.Loss`.  Its blocks are the
nonzero (v_i, w_i) of (8) as rows: block j is q_j on cell ``cells[j]`` with sign ``signs[j]``
(+1: a v_i, α > 0; −1: a w_i, α < 0).  Its dual point is only a candidate: the certificate
checks it independently.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class SolverOutput:
    cells: np.ndarray        # (k,) cell of each block
    signs: np.ndarray        # (k,) +1 or −1
    Q: np.ndarray            # (k, d) the blocks q_j
    value: float             # the solver's own value of (8)
    status: str
    dual: np.ndarray         # (n,) candidate dual point v of (4)
    info: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Solver:
    name: str
    losses: frozenset                 # loss names it handles
    options: frozenset                # option names it accepts
    run: Callable
    check: Callable | None = None     # check(options) -> None, ValueError on a bad value
    resolve: Callable | None = None   # re-optimise (8) on a given support (the minimal network)

    def check_options(self, options: dict) -> None:
        bad = sorted(set(options) - self.options)
        if bad:
            raise ValueError(f"unknown option(s) {', '.join(map(repr, bad))} for method={self.name!r}; "
                             f"it takes {', '.join(sorted(self.options)) or 'no options'}.")
        if self.check is not None:
            self.check(options)


def registry() -> dict:
    """name → :class:`Solver`, in the order ``method="auto"`` tries them."""
    from . import reference, workingset
    return {
        "fast": Solver("fast", frozenset({"squared", "hinge", "logistic"}), workingset.OPTIONS,
                       workingset.solve_working_set, workingset.check_options, workingset.resolve_support),
        "cvxpy": Solver("cvxpy", frozenset({"squared", "hinge", "logistic"}), reference.OPTIONS,
                        reference.solve_reference, None, reference.resolve_support),
    }
