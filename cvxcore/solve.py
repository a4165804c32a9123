"""``solve_convex``: the global optimum of two-layer ReLU training (Theorem 1).

Solves program (8) over the activation patterns D_1 … D_P (default: the exact
arrangement, so the value is p* of (2)), recovers the minimal network
(:mod:`cvxcore.recovery`), and certifies the answer by duality
(:mod:`cvxcore.certificate`): the returned ``gap`` is objective(network) minus
a dual lower bound computed independently of the solver, so ``value`` is
within ``gap`` of the optimum of (8) over the given patterns whatever the
solver did.  A result whose certified relative gap exceeds the tolerance is
reported with a status that says so, never as ``"optimal"``.

Methods: ``"cvxpy"`` — the reference, program (8) in cvxpy with Clarabel;
``"fast"`` — the working-set solver of :mod:`cvxcore.fast` when present;
``"auto"`` — the fast solver when available, else the reference.

A solver is a function ``(X, y, beta, patterns, loss, **options) ->
(V, W, solver_value, status, v_dual[, info])`` with V, W the (P, d) blocks of
(8) and v_dual its dual point (n,), used only as a candidate for the certificate.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .certificate import certify
from .network import _objective, predict
from .params import LOSSES as LOSSES_ALL, check_loss, check_scalar, check_X, check_y
from .patterns import activation_patterns
from .recovery import recover_network

CERT_RTOL = 1e-6          # a solution is "optimal" when its certified relative gap is below this


@dataclass
class ConvexResult:
    value: float                 # objective (2) of the recovered network = optimum of (8)
    U: np.ndarray                # (m*, d) neurons, one per row
    alpha: np.ndarray            # (m*,) output weights
    m_star: int                  # number of neurons of the minimal network
    n_patterns: int              # P, the patterns (8) was solved over
    status: str                  # "optimal", or why not
    seconds: float
    method: str
    gap: float                   # certified: value − lower_bound ≥ value − optimum
    lower_bound: float
    patterns: np.ndarray         # (P, n) bool
    V: np.ndarray                # (P, d) blocks v_i of (8)
    W: np.ndarray                # (P, d) blocks w_i of (8)
    solver_value: float          # the solver's own objective value for (8)
    exact_patterns: bool         # patterns are the whole arrangement (value is p*)
    loss: str = "squared"
    beta: float = float("nan")
    info: dict = field(default_factory=dict)
    dual: np.ndarray | None = None   # (n,) the certificate's dual-feasible point v of (4)

    @property
    def rel_gap(self) -> float:
        return self.gap / max(abs(self.value), 1e-300)

    def predict(self, X) -> np.ndarray:
        return predict(np.asarray(X, dtype=float), self.U, self.alpha)


def _fast_solver():
    try:
        from . import fast
    except ImportError:
        return None
    return getattr(fast, "solve_fast", None)


def solve_convex(X, y, beta, *, loss: str = "squared", patterns=None, method: str = "auto",
                 **options) -> ConvexResult:
    """Global optimum of (2) through the convex program (8).

    Parameters
    ----------
    X : (n, d) data, a bias column included if wanted (see ``with_bias``).
    y : (n,) targets; ±1 labels for ``loss="hinge"``/``"logistic"``.
    beta : weight decay β > 0.
    patterns : (P, n) bool, optional. Default: the exact arrangement.
        A subset (e.g. sampled, Remark 3.3) gives an upper bound on p*.
    method : "auto" | "fast" | "cvxpy".
    """
    t0 = time.perf_counter()
    X = check_X(X)
    loss = check_loss(loss)
    y = check_y(y, X.shape[0], loss)
    beta = check_scalar("beta", beta)
    if method not in ("auto", "fast", "cvxpy"):
        raise ValueError(f"method={method!r} is not known; use 'auto', 'fast' or 'cvxpy'.")
    fast = _fast_solver()
    if method == "fast" and fast is None:
        raise ValueError("method='fast' is not available in this build; use method='cvxpy'.")
    # "auto" keeps the reference for losses the fast solver does not handle (logistic);
    # its options are checked here, before any work.
    use_fast = (fast is not None and method in ("auto", "fast")
                and (method == "fast" or loss in getattr(fast, "losses", LOSSES_ALL)))
    if use_fast and hasattr(fast, "check_options"):
        fast.check_options(options)
    exact = patterns is None
    if exact:
        patterns = activation_patterns(X)
    else:
        patterns = np.asarray(patterns)
        if patterns.ndim != 2 or patterns.shape[1] != X.shape[0]:
            raise ValueError(f"patterns has shape {patterns.shape}; it must be (P, {X.shape[0]}): "
                             "one boolean row per pattern, one column per sample.")
        patterns = patterns.astype(bool)
    if use_fast:
        V, W, solver_value, status, v_dual, info = fast(X, y, beta, patterns, loss, **options)
        name = "fast"
    else:
        from .reference import solve_reference
        V, W, solver_value, status, v_dual = solve_reference(X, y, beta, patterns, loss)
        info, name = {}, "cvxpy"
    if not np.isfinite(solver_value):
        U, alpha = np.zeros((0, X.shape[1])), np.zeros(0)
    else:
        U, alpha = recover_network(X, V, W, scale=float(np.linalg.norm(y)))
    value = float(_objective(X, y, U, alpha, beta, loss))
    cert = certify(X, y, predict(X, U, alpha), value, beta, loss, patterns, candidates=(v_dual,))
    # The certificate, not the solver's own flag, decides what is called optimal.
    if cert.rel_gap <= CERT_RTOL and np.isfinite(value):
        status = "optimal"
    else:
        status = f"not certified (relative gap {cert.rel_gap:.1e} > {CERT_RTOL:.0e}; solver: {status})"
    return ConvexResult(value=value, U=U, alpha=alpha, m_star=int(alpha.size),
                        n_patterns=int(patterns.shape[0]), status=status,
                        seconds=time.perf_counter() - t0, method=name, gap=cert.gap,
                        lower_bound=cert.lower_bound, patterns=patterns, V=V, W=W,
                        solver_value=float(solver_value), exact_patterns=exact, loss=loss,
                        beta=beta, info=info, dual=cert.v)


def beta_max(X, y, *, loss: str = "squared", patterns=None) -> float:
    """β_max: the smallest β at which the zero network is optimal for (2) (and (8)).

    At ŷ = 0 the optimality condition of (8) is dual feasibility of v₀ = −∇ℓ(0)
    (squared loss: y; hinge: y; logistic: y/2):  the zero network is optimal iff
    β ≥ max_{‖u‖ ≤ 1} |v₀ᵀ(Xu)₊|, computed exactly over the cells of the arrangement
    (or over ``patterns`` when given).
    """
    from .certificate import dual_norm
    from .losses import loss_grad
    X = check_X(X)
    loss = check_loss(loss)
    y = check_y(y, X.shape[0], loss)
    patterns = activation_patterns(X) if patterns is None else np.asarray(patterns, bool)
    return float(dual_norm(X, -loss_grad(np.zeros(X.shape[0]), y, loss), patterns))


def solve_path(X, y, betas, *, loss: str = "squared", patterns=None, method: str = "auto", **options):
    """One certified :class:`ConvexResult` per β of ``betas`` (in the order given).

    The βs are solved from the largest down, each warm-started from the previous optimum
    (as scikit-learn's ``enet_path``): a small step in β moves few blocks, so the working set
    of the previous solve holds nearly all of the next one's.
    """
    X = check_X(X)
    loss = check_loss(loss)
    y = check_y(y, X.shape[0], loss)
    betas = np.atleast_1d(np.asarray(betas, dtype=float))
    if betas.ndim != 1 or betas.size == 0:
        raise ValueError(f"betas has shape {betas.shape}; pass a non-empty 1-D list of weight decays β > 0.")
    for b in betas:
        check_scalar("beta", float(b))
    exact = patterns is None
    if exact:
        patterns = activation_patterns(X)
    out = [None] * betas.size
    prev = None
    for k in np.argsort(-betas, kind="stable"):
        opts = dict(options)
        if prev is not None and method != "cvxpy":
            opts["warm"] = prev
        prev = out[k] = solve_convex(X, y, float(betas[k]), loss=loss, patterns=patterns, method=method, **opts)
    for r in out:
        r.exact_patterns = exact          # the patterns were passed on only to share them
    return out
