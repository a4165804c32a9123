"""Ordinary training of the non-convex network (2) by (stochastic) gradient descent, and the
certificate of each run against the global optimum."""
from .certify import REFINE, CertificateKind, RunBounds, RunCertificate, RunCertificates, certify_runs
from .sgd import OPTIMIZERS, RunStatus, SGDResult, train_sgd

__all__ = ["OPTIMIZERS", "REFINE", "CertificateKind", "RunBounds", "RunCertificate", "RunCertificates", "RunStatus",
           "SGDResult", "certify_runs", "train_sgd"]
