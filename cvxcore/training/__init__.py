"""Ordinary training of the non-convex network (2) by (stochastic) gradient descent, and the
certificate of each run against the global optimum."""
from .sgd import OPTIMIZERS, RunCertificates, SGDResult, certify_runs, train_sgd

__all__ = ["OPTIMIZERS", "RunCertificates", "SGDResult", "certify_runs", "train_sgd"]
from .stuck import (
                    DualCurve,
                    Escape,
                    MissingNeuron,
                    RestrictedComparison,
                    RunAnalysis,
                    SettledRun,
                    add_missing_neuron,
                    analyse_run,
                    best_size,
                    direction_angles,
                    dual_curve,
                    dual_vector,
                    escape,
                    missing_neuron,
                    restricted_to_run,
                    settle_run,
)

__all__ += ["DualCurve", "Escape", "MissingNeuron", "RestrictedComparison", "RunAnalysis", "SettledRun",
            "add_missing_neuron", "analyse_run", "best_size", "direction_angles", "dual_curve", "dual_vector",
            "escape", "missing_neuron", "restricted_to_run", "settle_run"]
