"""Program (8) and its certificate: Theorem 1 of the paper, solved and checked.

``solve_convex`` (the optimum and the minimal network), ``solve_path`` (a β path, warm-started),
``beta_max`` (where the path starts), ``dual_certificate`` (a lower bound on p* from any
network), ``dual_norm`` and ``dual_constraint_values`` (the dual constraint of (4)).
"""
from .certificate import Certificate, certify, dual_certificate, dual_constraint_values, dual_norm, refine_dual
from .protocol import Network, Solver, SolverOutput, Support, WarmStart
from .recovery import caratheodory, recover_network, to_neurons
from .solve import CERT_RTOL, ConvexResult, beta_max, solve_convex, solve_path
from .solver import registry

__all__ = ["Certificate", "ConvexResult", "CERT_RTOL", "Network", "Solver", "SolverOutput", "Support", "WarmStart",
           "beta_max", "caratheodory",
           "certify", "dual_certificate", "dual_constraint_values", "dual_norm", "recover_network",
           "refine_dual", "registry", "solve_convex", "solve_path", "to_neurons"]
