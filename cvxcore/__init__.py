"""cvxcore — training a two-layer ReLU network is a convex program, solved exactly.

Pilanci & Ergen, *Neural Networks are Convex Regularizers*, ICML 2020: the non-convex training
problem (2) of a two-layer ReLU network with weight decay equals the convex program (8) over
the activation patterns of the data.  This package builds those patterns (the hyperplane
arrangement), solves (8) to a certified global optimum, recovers the optimal network, and
trains the ordinary network by SGD for comparison.  Pure numpy/scipy/cvxpy: it never imports
streamlit or plotly; use it from a notebook or a script.

    >>> import numpy as np, cvxcore
    >>> X = cvxcore.with_bias(np.array([-2, -1, 0, 1, 2.0]))
    >>> r = cvxcore.solve_convex(X, np.array([1, -1, 1, 1, -1.0]), beta=0.1)
    >>> r.status, r.m_star
    ('optimal', 4)

Rooms (subpackages), in the paper's order: :mod:`cvxcore.arrangement` (section 3: patterns and
cells), :mod:`cvxcore.convex` (Theorem 1: program (8), its certificate, the network),
:mod:`cvxcore.training` (SGD on (2)), :mod:`cvxcore.geometry` (section 2.1: the neural gauge),
:mod:`cvxcore.cnn` (section 4), :mod:`cvxcore.experiments` (section 6); shared:
:mod:`cvxcore.losses`, :mod:`cvxcore.network`, :mod:`cvxcore.params`, :mod:`cvxcore.datasets`.
docs/api.md lists the public API; docs/theory.md the results the code relies on.
"""
from .arrangement import (
                          Arrangement,
                          CellSet,
                          PatternSet,
                          activation_patterns,
                          arrangement,
                          cover_count,
                          exact_pattern_bound,
                          paper_bound,
)
from .convex import (
                          Certificate,
                          ConvexResult,
                          beta_max,
                          dual_certificate,
                          dual_constraint_values,
                          dual_norm,
                          solve_convex,
                          solve_path,
)
from .geometry import GaugeResult, beta_curve, geometry, neural_gauge
from .losses import Loss, get_loss
from .network import nonconvex_objective, objective, predict, with_bias
from .params import LOSSES, MAX_ARRANGEMENT_BYTES, MAX_EXACT_PATTERNS, PARAMS
from .training import SGDResult, certify_runs, train_sgd

__version__ = "1.0.0"

__all__ = ["Arrangement", "CellSet", "Certificate", "ConvexResult", "GaugeResult", "LOSSES", "Loss",
           "MAX_ARRANGEMENT_BYTES", "MAX_EXACT_PATTERNS", "PARAMS", "PatternSet", "SGDResult", "__version__",
           "activation_patterns", "arrangement", "beta_curve", "beta_max", "certify_runs", "cover_count",
           "dual_certificate", "dual_constraint_values", "dual_norm", "exact_pattern_bound", "geometry",
           "get_loss", "neural_gauge", "nonconvex_objective", "objective", "paper_bound", "predict",
           "solve_convex", "solve_path", "train_sgd", "with_bias"]

# The mechanism of Theorem 1 (docs/theory.md §8): why (2) becomes the convex (8) —
# :mod:`cvxcore.mechanism` — and why gradient descent on (2) gets stuck —
# :mod:`cvxcore.training.stuck`; sampled patterns (Remark 3.3) are cvxcore.experiments.sampled_sweep.
from .mechanism import (
                        merge_neurons,
                        one_neuron_descent,
                        one_neuron_hessian,
                        one_neuron_objective,
                        rescaled_objective,
                        rescaling_path,
                        solve_without_cones,
)
from .training import add_missing_neuron, analyse_run, dual_curve, escape, missing_neuron, restricted_to_run, settle_run

__all__ += ["add_missing_neuron", "analyse_run", "dual_curve", "escape", "merge_neurons", "missing_neuron",
            "one_neuron_descent", "one_neuron_hessian", "one_neuron_objective", "rescaled_objective",
            "rescaling_path", "restricted_to_run", "settle_run", "solve_without_cones"]
