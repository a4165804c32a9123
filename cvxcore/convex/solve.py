"""``solve_convex``: the global optimum of two-layer ReLU training (Theorem 1).

Solves program (8) over the cells of the data's arrangement (or a given set of patterns),
recovers the minimal network (:mod:`cvxcore.convex.recovery`), and certifies the answer by
duality (:mod:`cvxcore.convex.certificate`): the returned ``gap`` is objective(network) minus a
dual lower bound computed independently of the solver, so ``value`` is within ``gap`` of the
optimum of (8) over those cells whatever the solver did.  A result whose certified relative
gap exceeds ``CERT_RTOL`` is reported with a status that says so, never as ``"optimal"``.

The minimal network.  Whatever the method, the network returned has neurons whose columns
[hⱼ; 1] (hⱼ = sign(αⱼ)(Xûⱼ)₊) are linearly independent, so m* ≤ n + 1
(:func:`cvxcore.convex.recovery.independent_network`, the Carathéodory step of the proof of
Theorem 1, applied last and kept only when the objective moves by at most 1e-9 relative).
After merging and Carathéodory (m* ≤ n + 1) an optimum can still carry
round-off blocks — norms 1e-5 to 1e-9 of the largest, on the optimal face of a non-unique
optimum — that change the objective by less than the certificate's tolerance.  The network
returned is the smallest one that the certificate still certifies: the small blocks are
removed (all at once, else the smallest half, and so on; "small": below ``SMALL_BLOCK`` of
the largest, or with a penalty β‖q‖ under the tolerance, as a lone round-off neuron at
β ≥ β_max), (8) is solved again on the support
left, and the removal is kept only when objective − lower bound stays within the tolerance.
The lower bound does not depend on the network, so this costs one small restricted solve per
try.  Every returned neuron then satisfies the dual conditions: with v = ``dual``,
|vᵀ(Xûⱼ)₊| = β at each neuron direction ûⱼ, and no unit u exceeds β.

Scale.  The ReLU is positively homogeneous, (sXu)₊ = s(Xu)₊ for s > 0, so in the ℓ1 form (3)
the network (u, α) on sX is the network (su, α) on X with the penalty β‖u‖|α| = (β/s)‖su‖|α|:

    p*(sX, y, β) = p*(X, y, β/s),

with the same dual point v (|vᵀ(sXu)₊| ≤ β ⇔ |vᵀ(Xu)₊| ≤ β/s) and so the same lower bound.
The statement is about X as a whole matrix: scaling only the data columns beside a bias column
of ones changes the problem, as the bias weight is penalised too.  ``solve_convex`` therefore
solves on X/s with β/s, s = :func:`data_scale` (X), and maps the balanced neurons back,
u = u'/√s and α = α'/√s; value and certificate are recomputed on X.  Columns of different
sizes (small coordinates beside a bias) are handled inside the restricted solve
(:func:`cvxcore.convex.restricted.solve_restricted`), where scaling them is exact.

Methods (:func:`cvxcore.convex.solver.registry`): ``"fast"`` — the working-set solver of
:mod:`cvxcore.convex.workingset`; ``"cvxpy"`` — the reference, program (8) as written, in cvxpy
with Clarabel; ``"auto"`` — the first that handles the loss.
"""
from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

import numpy as np

from ..arrangement import CellSet, arrangement, as_cells
from ..arrangement.scaled import ScaledCells
from ..losses import get_loss
from ..network import objective, predict
from ..params import check_loss, check_scalar, check_X, check_y
from .certificate import certify
from .polish import polish_optimum
from .protocol import Network, Solver, SolverOutput, Support, WarmStart
from .recovery import independent_network, recover_network
from .restricted import column_scales
from .solver import registry

CERT_RTOL = 1e-6          # a solution is "optimal" when its certified relative gap is below this
SMALL_BLOCK = 1e-3        # blocks below this fraction of the largest are tried for removal
POLISH_RTOL = 1e-9        # a network further than this above its lower bound is re-solved on its support
LOOSE_SLACK = 1e-7        # a small neuron this far (relative) inside its dual constraint is dropped first


@dataclass
class ConvexResult:
    value: float                 # objective (2) of the recovered network = optimum of (8)
    U: np.ndarray                # (m*, d) neurons, one per row
    alpha: np.ndarray            # (m*,) output weights
    m_star: int                  # number of neurons of the minimal network
    n_patterns: int              # P, the cells (8) was solved over
    status: str                  # "optimal", or why not
    seconds: float
    method: str
    gap: float                   # certified: value − lower_bound ≥ value − optimum
    lower_bound: float
    neuron_cells: np.ndarray     # (m*,) the cell of each neuron (index into ``arrangement``)
    arrangement: CellSet | None  # the cells (8) was solved over
    solver_value: float          # the solver's own value of (8)
    exact_patterns: bool         # the cells are the whole arrangement (value is p*)
    loss: str = "squared"
    beta: float = float("nan")
    info: dict = field(default_factory=dict)
    dual: np.ndarray | None = None       # (n,) the certificate's dual-feasible point v of (4)
    active_patterns: np.ndarray | None = None   # (m*, n) the patterns D of the neurons' cells
    support: Support | None = None       # the solver's restricted optimum by pattern (seeds a warm start)

    @property
    def rel_gap(self) -> float:
        return self.gap / max(abs(self.value), 1e-300)

    @property
    def patterns(self) -> np.ndarray:
        """Every pattern (8) was solved over, (P, n) bool, in the order of ``V`` and ``W``
        (built on request: P·n booleans)."""
        if self.arrangement is None:
            raise ValueError("this result carries no arrangement (arrangement=None): solve with "
                             "solve_convex to get the patterns it was solved over")
        return self.arrangement.patterns()

    def _blocks(self, positive: bool) -> np.ndarray:
        d = self.U.shape[1]
        out = np.zeros((self.n_patterns, d))
        for c, u, a in zip(self.neuron_cells, self.U, self.alpha):
            if (a > 0) == positive:
                out[c] += abs(a) * u            # the block q = |α|·u of the neuron (u, α)
        return out

    @property
    def V(self) -> np.ndarray:
        """(P, d) blocks v_i of (8) of the returned network (α > 0)."""
        return self._blocks(True)

    @property
    def W(self) -> np.ndarray:
        """(P, d) blocks w_i of (8) of the returned network (α < 0)."""
        return self._blocks(False)

    def block_norms(self) -> tuple[np.ndarray, np.ndarray]:
        """(‖v_i‖, ‖w_i‖) over the P cells, (P,) each: the penalty terms of (8), nonzero only in
        the neurons' cells (built from the m* neurons, never from the (P, d) blocks)."""
        norms = np.zeros((2, self.n_patterns))
        blocks: dict = {}
        for c, u, a in zip(self.neuron_cells, self.U, self.alpha):
            key = (int(a < 0), int(c))
            blocks[key] = blocks.get(key, 0.0) + abs(a) * u
        for (side, c), q in blocks.items():
            norms[side, c] = np.linalg.norm(q)
        return norms[0], norms[1]

    def predict(self, X) -> np.ndarray:
        return predict(np.asarray(X, dtype=float), self.U, self.alpha)


def data_scale(X) -> float:
    """s > 0 with X/s of unit size: the largest root-mean-square column (1 for X = 0), rounded
    to a power of two so that X/s and β/s are exact."""
    c = float(np.sqrt(np.mean(X * X, axis=0)).max(initial=0.0))
    return 1.0 if not np.isfinite(c) or c <= 0 else float(2.0 ** np.round(np.log2(c)))


def _pick_solver(method, loss, options):
    solvers = registry()
    if method == "auto":
        solver = next(s for s in solvers.values() if loss.name in s.losses)
    elif method in solvers:
        solver = solvers[method]
        if loss.name not in solver.losses:
            raise ValueError(f"loss={loss.name!r}: method={method!r} handles {', '.join(sorted(solver.losses))}.")
    else:
        raise ValueError(f"method={method!r} is not known; use 'auto', {', '.join(map(repr, solvers))}.")
    solver.check_options(options)
    return solver


def _cells_for(X: np.ndarray, patterns: object, warm: WarmStart | None) -> CellSet:
    if patterns is not None:
        return as_cells(X, patterns)
    prev = None if warm is None else warm.cells
    if prev is not None and prev.exact and prev.n_samples == X.shape[0] and np.array_equal(prev.X, X):
        return prev                      # the same data: its arrangement is reused
    return arrangement(X)


def _into_cones(cells, out: SolverOutput) -> np.ndarray:
    """The blocks projected onto their cells' closed cones K_c = {u : N u ≥ 0}.

    An interior-point solution satisfies the cone constraints only to its tolerance, and a
    block a rounding error outside its cone switches on a sample that D_c keeps off: then
    (X q)₊ ≠ D_c X q, and the network's objective (2) is above the value of (8) — by 3e-5
    relative on a 3 × 3 lattice scaled by 10³ with hinge loss.  The projection (NNLS over the
    cell's facets) moves each block by that violation only.  It is done in the coordinates
    C q of the restricted solve (:func:`cvxcore.convex.restricted.column_scales`), where a cell
    of data 10⁻⁶ across beside a bias column is not a sliver."""
    from ..arrangement.cone import projection
    col = column_scales(cells.X)
    Q = out.Q.copy()
    norms = np.linalg.norm(Q, axis=1)
    for j in np.flatnonzero(norms > 1e-12 * norms.max(initial=0.0)):
        N = cells.facets(int(out.cells[j]))
        if N.shape[0] and (N @ Q[j]).min() < 0:
            Q[j] = projection(N / col, Q[j] * col)[1] / col
    return Q


def _network(X, y, beta, loss, out: SolverOutput, scale, cells):
    """Merged and pruned neurons of a solver's blocks, with each neuron's cell:
    ``(U, alpha, cells)``."""
    if not np.isfinite(out.value) or out.Q.shape[0] == 0:
        return np.zeros((0, X.shape[1])), np.zeros(0), np.zeros(0, int)
    return recover_network(X, _into_cones(cells, out), out.signs, out.cells, scale=scale,
                           value_of=lambda U, a: float(objective(X, y, U, a, beta, loss)))


def _minimal(X, y, beta, loss, cells, solver: Solver, net: Network, lower: float,
             dual: np.ndarray | None = None) -> tuple[Network, int]:
    """The smallest network whose certified gap stays within CERT_RTOL (module docstring):
    ``(network, neurons removed)``.  The small neurons are first dropped without any solve
    (all of them, else the smallest half, and so on) when that changes the objective by at most
    POLISH_RTOL (relative) and leaves every neuron on its dual constraint (``dual``, the
    certificate's v).  Else (8) is solved once without the small neurons that are off their
    dual constraint (slack 1 − sign(αⱼ)vᵀ(Xûⱼ)₊/β above LOOSE_SLACK and well above the large
    neurons'): by complementary slackness their blocks are zero at every optimum, so this one
    solve is certified unless v is too rough.  When it is not, (8)
    is solved once on the support without the small blocks; when that is not certified
    either, it is solved again on the network's own support (recovery's merges and
    Carathéodory steps leave it a rounding error off that restricted optimum; skipped when it
    is within POLISH_RTOL of its lower bound and has no small block), then without the small
    blocks, all of them, else the smallest half, and so on."""
    if solver.resolve is None or net.m == 0:
        return net, 0
    resolve_on = solver.resolve
    scale = float(np.linalg.norm(y))

    def resolve(keep: np.ndarray) -> Network | None:
        if not keep.any():              # the zero network: nothing to solve
            U0, a0 = np.zeros((0, X.shape[1])), np.zeros(0)
            return Network(U0, a0, np.zeros(0, dtype=int), float(objective(X, y, U0, a0, beta, loss)))
        out = resolve_on(X, y, beta, loss, cells, net.cells[keep], np.sign(net.alpha[keep]))
        if not np.isfinite(out.value):
            return None
        U2, a2, c2 = _network(X, y, beta, loss, out, scale, cells)
        return Network(U2, a2, c2, float(objective(X, y, U2, a2, beta, loss)))

    def is_small(mags):
        # relative to the largest block, or a penalty β‖q‖ below the certificate's tolerance
        # (a lone round-off neuron at β ≥ β_max is small without a larger one beside it)
        return (mags < SMALL_BLOCK * mags.max(initial=0.0)) | (beta * mags <= CERT_RTOL * max(abs(net.value), 1e-300))

    def certified_below(got: Network | None, than: Network) -> bool:
        return got is not None and got.m < than.m and \
            (got.value - lower) <= CERT_RTOL * max(abs(got.value), 1e-300)

    def certified(got: Network | None) -> bool:
        return certified_below(got, net)

    def slack(got: Network) -> np.ndarray:
        # 1 − sign(αⱼ) vᵀ(Xûⱼ)₊ / β of each neuron: 0 on its dual constraint
        dirs = got.U / np.maximum(np.linalg.norm(got.U, axis=1, keepdims=True), 1e-300)
        return 1.0 - (np.maximum(dirs @ X.T, 0.0) @ dual) * np.sign(got.alpha) / beta

    def tight(got: Network) -> bool:
        # every neuron on its dual constraint, sign(αⱼ) vᵀ(Xûⱼ)₊ = β, as after a re-solve
        return dual is not None and bool(np.all(np.abs(slack(got)) <= 1e-7))

    def off_constraint(got: Network) -> np.ndarray:
        # slack well above the large neurons' (v is the solver's, scaled to feasibility: the
        # neurons of the optimum share its small offset from the constraint)
        if dual is None:
            return np.zeros(got.m, dtype=bool)
        sl = slack(got)
        big = ~is_small(got.alpha ** 2)
        return sl > max(LOOSE_SLACK, 10.0 * sl[big].max(initial=0.0))

    def dropped_without_solve(base: Network) -> Network | None:
        # the network without its k smallest small neurons, as it is, when that moves the
        # objective by round-off only (k: all of them, else half, and so on)
        small = is_small(base.alpha ** 2)
        order = np.argsort(base.alpha ** 2)
        cand = order[small[order]]
        k = cand.size
        while k > 0:
            keep = np.ones(base.m, dtype=bool)
            keep[cand[:k]] = False
            U2, a2 = base.U[keep], base.alpha[keep]
            dropped = Network(U2, a2, base.cells[keep], float(objective(X, y, U2, a2, beta, loss)))
            if certified_below(dropped, base) and \
                    dropped.value <= base.value + POLISH_RTOL * max(abs(base.value), 1e-300) and tight(dropped):
                return dropped
            k //= 2
        return None

    got = dropped_without_solve(net)
    if got is not None:
        return got, net.m - got.m
    small = is_small(net.alpha ** 2)
    loose = small & off_constraint(net)
    if loose.any():
        # the small neurons off their dual constraint: zero at the optimum by complementary
        # slackness, so one restricted solve without them is certified unless v is too rough
        got = resolve(~loose)
        if got is not None and certified(got):
            # the re-solve's own round-off neurons, when dropping them needs no solve
            final = dropped_without_solve(got) or got
            return final, net.m - final.m
    if small.any():
        # all small blocks at once, without polishing before: one restricted solve
        got = resolve(~small)
        if got is not None and certified(got):
            return got, net.m - got.m
    if small.any() or net.value - lower > POLISH_RTOL * max(abs(net.value), 1e-300):
        polished = resolve(np.ones(net.m, dtype=bool))
        if polished is not None and polished.value <= net.value and polished.m <= net.m:
            net = polished
    mags = net.alpha ** 2
    order = np.argsort(mags)
    small = order[is_small(mags[order])]
    k = small.size
    while k > 0:
        keep = np.ones(net.m, dtype=bool)
        keep[small[:k]] = False
        got = resolve(keep)
        if got is not None and certified(got):
            return got, net.m - got.m
        k //= 2
    return net, 0


def one_blas_thread() -> AbstractContextManager:
    """The BLAS (OpenBLAS, MKL) limited to one thread while the solver runs.

    Its products are small (a few hundred to a few thousand rows) and many: with the cores
    shared by other solves, each threaded one waits for a busy core (a 800 × 800
    matrix-vector product: 7 ms on two threads of a loaded two-core machine, 0.14 ms on one).
    Clarabel's factorisation is already one thread (:mod:`cvxcore.conic`)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:                  # the limit is a speed-up only
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def solve_convex(X, y, beta, *, loss: str = "squared", patterns=None, method: str = "auto",
                 **options) -> ConvexResult:
    """Global optimum of (2) through the convex program (8).

    Parameters
    ----------
    X : (n, d) data, a bias column included if wanted (see ``with_bias``).
    y : (n,) targets; ±1 labels for ``loss="hinge"``/``"logistic"``.
    beta : weight decay β > 0.
    loss : "squared", "hinge" or "logistic".
    patterns : the cells to solve over.  Default: the exact arrangement (``arrangement(X)``,
        or ``warm``'s when it is for the same X), so the value is p*.  A cell set, or a (P, n)
        0/1 array — a subset (e.g. sampled, Remark 3.3) gives an upper bound on p*.
    method : "auto" | "fast" | "cvxpy".
    options : for "fast": ``warm`` (a previous ConvexResult or (U, alpha)), ``tol``,
        ``max_rounds``, ``add_per_round``, ``diverse``, ``gram``, ``verbose``, ``callback``
        (``callback(info) -> bool`` after each round; True stops), ``first_phase``; for
        "cvxpy": ``verbose``.

    Stopping.  ``callback(info)`` is called after every round of the solver (for squared loss
    with n ≥ 150 the rounds of the first phase over neuron directions come first,
    :mod:`cvxcore.convex.directions`) with ``round`` (counted over both phases), ``phase``
    (1 or 2), ``upper_bound`` (the value of the current restricted program, a network's
    objective), ``lower_bound`` (the best certified lower bound D(v) ≤ p* so far), ``gap``
    (their relative difference), ``blocks`` (nonzero blocks of the current solution),
    ``working_set``, ``seconds`` and ``network``, the current solution as neurons ``(U, alpha)``
    (:func:`cvxcore.convex.protocol.blocks_network`; its objective (2) is an upper bound on p*,
    about ``upper_bound``).  When it returns True the solve stops: the result's
    ``status`` starts with "stopped by the caller", ``value`` is the objective (2) of the
    network recovered from the current solution (an upper bound on p*), ``lower_bound`` the
    best certified lower bound (the certificate, recomputed, of the last dual points), and
    ``gap`` their difference; such a network is not reduced to a minimal one.
    """
    with one_blas_thread():
        return _solve_convex(X, y, beta, loss=loss, patterns=patterns, method=method, **options)


def _on_data_as_given(callback, s: float):
    """The caller's ``callback`` with each round's network mapped from X/s back to X."""
    def on_x(info: dict) -> bool:
        if info.get("network") is not None:
            U, alpha = info["network"]
            info = {**info, "network": (U / np.sqrt(s), alpha / np.sqrt(s))}
        return bool(callback(info))
    return on_x


def _solve_convex(X, y, beta, *, loss: str, patterns, method: str, **options) -> ConvexResult:
    t0 = time.perf_counter()
    X = check_X(X)
    loss_name = check_loss(loss)
    y = check_y(y, X.shape[0], loss_name)
    beta = check_scalar("beta", beta)
    loss_fn = get_loss(loss_name)
    solver = _pick_solver(method, loss_fn, options)
    if "warm" in options:                # a previous result or (U, alpha), read once
        options["warm"] = WarmStart.of(options["warm"], X.shape[1])
    cells = _cells_for(X, patterns, options.get("warm"))
    # positive homogeneity: p*(X, y, β) = p*(X/s, y, β/s), solved at unit size (module docstring)
    s = data_scale(X)
    Xs, bs = X / s, beta / s
    cs = cells if s == 1.0 else ScaledCells(cells, s)
    if s != 1.0 and options.get("callback") is not None:
        # the callback's network is on X/s: the same network on X is (U/√s, α/√s)
        options["callback"] = _on_data_as_given(options["callback"], s)
    out = solver.run(Xs, y, bs, loss_fn, cs, **options)
    scale = float(np.linalg.norm(y))
    U, alpha, ncell = _network(Xs, y, bs, loss_fn, out, scale, cs)
    value = float(objective(Xs, y, U, alpha, bs, loss_fn))
    stopped = out.status.startswith("stopped")
    # a stopped solve also offers the dual point of its best lower bound so far
    extra = (out.info["best_dual"],) if stopped and out.info.get("best_dual") is not None else ()
    cert = certify(Xs, y, predict(Xs, U, alpha), value, bs, loss_fn, cs, candidates=(out.dual, *extra))
    info = {k: v for k, v in out.info.items() if k != "best_dual"}
    if cert.rel_gap <= CERT_RTOL and np.isfinite(value):
        net, removed = _minimal(Xs, y, bs, loss_fn, cs, solver, Network(U, alpha, ncell, value), cert.lower_bound,
                                cert.v)
        U, alpha, ncell, value = net.U, net.alpha, net.cells, net.value
        info["removed_small_blocks"] = removed
    # minimal: neurons whose columns [hⱼ; 1] are linearly independent, whatever the method
    info["value_before_independence"] = float(objective(Xs, y, U, alpha, bs, loss_fn))
    U, alpha, kept = independent_network(Xs, U, alpha, lambda U_, a_: float(objective(Xs, y, U_, a_, bs, loss_fn)))
    info["removed_dependent"] = int(ncell.size - kept.size)
    ncell = ncell[kept]
    gap_s = float(objective(Xs, y, U, alpha, bs, loss_fn)) - cert.lower_bound
    if not stopped and not out.status.startswith("iteration budget") \
            and gap_s > CERT_RTOL * max(abs(cert.objective), 1e-300):
        # not certified (a stall, not the caller's budget): exact fits over neuron directions
        # (cvxcore.convex.polish); the certificate decides
        polished = polish_optimum(Xs, y, bs, loss_fn, cs, U, alpha, ncell, cert)
        if polished is not None:
            U, alpha, ncell, cert = polished
            info["polished"] = True
    info["data_scale"] = s
    if s != 1.0:
        # the network on X: u = u'/√s, α = α'/√s (balanced, the same function and penalty);
        # its value and certificate are recomputed on the data as given
        U, alpha = U / np.sqrt(s), alpha / np.sqrt(s)
    value = float(objective(X, y, U, alpha, beta, loss_fn))
    if s != 1.0:
        cert = certify(X, y, predict(X, U, alpha), value, beta, loss_fn, cells, candidates=(cert.v,))
    gap = value - cert.lower_bound
    rel = gap / max(abs(value), 1e-300)
    # the certificate, not the solver's own flag, decides what is called optimal
    if rel <= CERT_RTOL and np.isfinite(value):
        status = "optimal"
    elif stopped:
        status = f"stopped by the caller (relative gap {rel:.1e})"
    else:
        status = f"not certified (relative gap {rel:.1e} > {CERT_RTOL:.0e}; solver: {out.status})"
    return ConvexResult(value=value, U=U, alpha=alpha, m_star=int(alpha.size), n_patterns=int(cells.n_cells),
                        status=status, seconds=time.perf_counter() - t0, method=solver.name, gap=float(gap),
                        lower_bound=cert.lower_bound, neuron_cells=ncell, arrangement=cells,
                        solver_value=float(out.value), exact_patterns=bool(cells.exact), loss=loss_name,
                        beta=beta, info=info, dual=cert.v,
                        active_patterns=cells.patterns(ncell) if ncell.size else np.zeros((0, X.shape[0]), bool),
                        support=out.support)


def beta_max(X, y, *, loss: str = "squared", patterns=None) -> float:
    """β_max: the smallest β at which the zero network is optimal for (2) (and (8)).

    At ŷ = 0 the optimality condition of (8) is dual feasibility of v₀ = −∇ℓ(0) (squared loss:
    y; hinge: y; logistic: y/2): the zero network is optimal iff β ≥ max_{‖u‖ ≤ 1} |v₀ᵀ(Xu)₊|,
    computed exactly over the cells of the arrangement (or of ``patterns``).
    """
    X = check_X(X)
    loss_name = check_loss(loss)
    y = check_y(y, X.shape[0], loss_name)
    cells = arrangement(X) if patterns is None else as_cells(X, patterns)
    return cells.dual_norm(get_loss(loss_name).zero_dual(y))


def solve_path(X, y, betas, *, loss: str = "squared", patterns=None, method: str = "auto",
               **options) -> list:
    """One certified :class:`ConvexResult` per β of ``betas`` (in the order given).

    One arrangement serves every β, and the βs are solved from the largest down, each
    warm-started from the previous optimum (as scikit-learn's ``enet_path``): a small step in β
    moves few blocks, so the previous support holds nearly all of the next one.
    """
    X = check_X(X)
    loss_name = check_loss(loss)
    y = check_y(y, X.shape[0], loss_name)
    betas = np.atleast_1d(np.asarray(betas, dtype=float))
    if betas.ndim != 1 or betas.size == 0:
        raise ValueError(f"betas has shape {betas.shape}; pass a non-empty 1-D list of weight decays β > 0.")
    for b in betas:
        check_scalar("beta", float(b))
    solver = _pick_solver(method, get_loss(loss_name), options)
    cells = arrangement(X) if patterns is None else as_cells(X, patterns)
    out: list[ConvexResult | None] = [None] * betas.size
    prev = None
    for k in np.argsort(-betas, kind="stable"):
        opts = dict(options)
        if prev is not None and "warm" in solver.options:
            opts["warm"] = prev
        prev = out[k] = solve_convex(X, y, float(betas[k]), loss=loss_name, patterns=cells, method=method, **opts)
    return out
