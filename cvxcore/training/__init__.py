"""Ordinary training of the non-convex network (2) by (stochastic) gradient descent, and the
certificate of each run against the global optimum."""
from .sgd import OPTIMIZERS, RunCertificates, SGDResult, certify_runs, train_sgd

__all__ = ["OPTIMIZERS", "RunCertificates", "SGDResult", "certify_runs", "train_sgd"]
