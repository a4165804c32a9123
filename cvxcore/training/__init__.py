"""Ordinary training of the non-convex network (2) by (stochastic) gradient descent, and the
certificate of each run against the global optimum."""
from .certify import REFINE, CertificateKind, RunBounds, RunCertificate, RunCertificates, certify_runs
from .sgd import OPTIMIZERS, RunStatus, SGDResult, train_sgd

__all__ = ["OPTIMIZERS", "REFINE", "CertificateKind", "RunBounds", "RunCertificate", "RunCertificates", "RunStatus",
           "SGDResult", "certify_runs", "train_sgd"]
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
