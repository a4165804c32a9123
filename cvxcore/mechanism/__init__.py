"""Why training a two-layer ReLU network is the convex program (8): the steps of Theorem 1's
proof as functions that return numbers (docs/theory.md §8).

* :mod:`.rescaling` — (2) is not convex, even inside one cell (the product uα remains; its
  Hessian is indefinite); rescaling each neuron to ‖u‖ = |α| turns the penalty into β‖u‖|α| and
  (2) into (3), convex per cell in z = u·|α|.
* :mod:`.merging` — two neurons of one cell with one sign merge into one block (the triangle
  inequality): one block per (pattern, sign), the 2P blocks of (8).
* :mod:`.cone_free` — without the cone constraints (8) becomes a group lasso over the gated
  features D_i X whose value falls below p*: its blocks need not be ReLU neurons.

Why gradient descent on (2) gets stuck, and how a missing neuron frees it, is
:mod:`cvxcore.training.stuck`; the sampled-pattern approximation of Remark 3.3 is
:mod:`cvxcore.experiments.sampled`.
"""
from .cone_free import BlockViolation, ConeFreeResult, solve_without_cones
from .merging import Merge, merge_neurons, mergeable_pairs, same_cell
from .rescaling import (
                        NeuronDescent,
                        NeuronHessian,
                        RescalingPath,
                        balance,
                        one_neuron_descent,
                        one_neuron_hessian,
                        one_neuron_objective,
                        rescaled_minimiser,
                        rescaled_network_objective,
                        rescaled_objective,
                        rescaling_path,
)
from .types import LossName

__all__ = ["BlockViolation", "ConeFreeResult", "LossName", "Merge", "NeuronDescent", "NeuronHessian",
           "RescalingPath", "balance", "merge_neurons", "mergeable_pairs", "one_neuron_descent",
           "one_neuron_hessian", "one_neuron_objective", "rescaled_minimiser", "rescaled_network_objective",
           "rescaled_objective", "rescaling_path", "same_cell", "solve_without_cones"]
