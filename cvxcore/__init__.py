"""cvxcore — the numerical core of Convex ReLU Lab.

Training a two-layer ReLU network (2) is the convex program (8)
(Pilanci & Ergen, ICML 2020).  Pure numpy/scipy/cvxpy: never imports
streamlit or plotly; usable from a notebook or a script.
"""
from .params import PARAMS, LOSSES, MAX_EXACT_PATTERNS
from .network import with_bias, predict, nonconvex_objective, nonconvex_objectives
from .patterns import activation_patterns, cover_count, paper_bound, exact_pattern_bound
from .pricing import Arrangement, arrangement
from .solve import solve_convex, solve_path, beta_max, ConvexResult
from .certificate import dual_certificate, dual_norm, dual_constraint_values, Certificate
from .gauge import neural_gauge, GaugeResult, geometry, beta_curve
from .sgd import train_sgd, SGDResult, certify_runs
