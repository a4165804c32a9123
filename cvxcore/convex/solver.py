"""The table of solvers of (8), with what each handles (:mod:`cvxcore.convex.protocol`: what a
solver is and returns)."""
from __future__ import annotations

from . import reference, workingset
from .protocol import Solver, SolverName, SolverOutput

__all__ = ["Solver", "SolverOutput", "registry"]


def registry() -> dict[SolverName, Solver]:
    """name → :class:`Solver`, in the order ``method="auto"`` tries them."""
    return {
        "fast": Solver("fast", frozenset({"squared", "hinge", "logistic"}), workingset.OPTIONS,
                       workingset.solve_working_set, workingset.check_options, workingset.resolve_support),
        "cvxpy": Solver("cvxpy", frozenset({"squared", "hinge", "logistic"}), reference.OPTIONS,
                        reference.solve_reference, None, reference.resolve_support),
    }
