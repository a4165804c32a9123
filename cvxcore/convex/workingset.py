"""The fast exact solver of (8): column generation with exact pricing.

Program (8) over cells D_1 … D_P,

    min_{v_i, w_i}  ℓ( Σ_i D_i X (v_i − w_i), y ) + β Σ_i (‖v_i‖ + ‖w_i‖)
    s.t.            (2D_i − I) X v_i ≥ 0,  (2D_i − I) X w_i ≥ 0,

has 2P blocks but an optimum with at most n + 1 nonzero ones (m* ≤ n + 1, Carathéodory).  Its
dual (4) is

    max_v  −ℓ*(−v)   s.t.  ‖Π_{K_i}(±Xᵀ D_i v)‖ ≤ β   for every i,

one constraint per block (docs/theory.md §2).  That is the setting of column generation
(Dantzig–Wolfe; for group-sparse problems the "working set" strategy, e.g. Bach, Jenatton,
Mairal & Obozinski, *Optimization with sparsity-inducing penalties*, FTML 2012, §6.2):

1. Solve (8) restricted to a working set S of blocks (i, ±) (:mod:`cvxcore.convex.restricted`):
   |S| second-order cones, and per block only its cell's facets.  Its dual point v is optimal
   for the dual restricted to S.
2. Price every cell exactly (:meth:`cvxcore.arrangement.CellSet.price`).  If no value exceeds
   β(1 + tol), v is feasible for the full dual to that factor, so the restricted optimum is
   within a relative tol of the optimum of (8) (v/(1 + tol) is feasible).
3. Otherwise add the most violated blocks among the local maxima of the pricing over the cell
   adjacency graph (one block per peak of u ↦ ±vᵀ(Xu)₊: neighbouring cells give nearly the same
   column, and adding them wastes rounds), at most max(20, n) a round; after a round that
   lowered the restricted value (by more than tol, relative, below every earlier one) drop
   blocks that are zero and priced below β(1 − 1e-3) — without progress S only grows, the
   anti-cycling rule of column generation; repeat.  Each restricted value is an upper bound,
   each priced v (scaled into the feasible set) a lower bound.

Accuracy and cost. While the pricing is far from clean (max/β > ``EARLY_RATIO``) the restricted
solve stops after ``EARLY_ITER`` interior-point iterations: those programs are the badly
conditioned ones (their primal residual stalls near 1e-7) and a rough dual prices as well; a
capped solve is never the last one (a round that prices clean or adds nothing after it is
solved again to convergence), and once a capped solve's value rises above the previous round's
every later solve runs to convergence: the restricted optimum cannot rise when blocks are added
(those dropped are zero), so the cap left that solve far from its optimum, and its dual would
choose the next blocks at random (hinge loss, n = 2,000). When every violated block is already
in S (the restricted solve's own accuracy, ~1e-7 relative at β = 1e-3) the loop stops as
"stalled" and the certificate decides; before that, as the restricted dual is only ~1e-6
accurate at small β for hinge and logistic loss and its accuracy moves with the objective's
scale, the same blocks are solved again with the objective × 10 and × 100.

The loop keeps its state in a :class:`LoopState` (the working set, the form and scale of the
next restricted solve), decides each round with :func:`next_action` (an :class:`Action`: add
blocks, solve the same blocks again to convergence, in the fit form or rescaled, or stop as
optimal, stalled or stopped) and reports in a :class:`Bookkeeping` (``info`` of the output).

Warm start (``warm=``): a previous :class:`cvxcore.ConvexResult`, e.g. after one β step or one
added point, brings the support of its restricted optimum (the interior-point solution is the
centre of the optimal face: every block some optimum uses), found among the new cells by its
patterns — on the samples both data sets share when points were appended (an appended point
splits a cell in two; both halves are seeded).  Otherwise (a pair (U, alpha), or a result for
more samples, as after an undo) each neuron seeds the cell containing it and the cells
touching it.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from itertools import product
from typing import Any

import numpy as np

from ..arrangement import CellSet
from ..conic import FULL_ITER
from ..losses import Loss
from .directions import PHASE1_MIN_N
from .directions import first_phase as run_first_phase
from .protocol import SolverOutput, Support, WarmStart, blocks_network
from .restricted import solve_restricted

OPTIONS = frozenset({"warm", "tol", "max_rounds", "add_per_round", "diverse", "gram", "verbose", "callback",
                     "first_phase"})
DEFAULT_TOL = 1e-7
EARLY_ITER = 40
EARLY_RATIO = 1.5
GRAM_N = 300        # above this n, squared loss may use the Gram form (when n > 3·d·|S|)
MAX_OBJ_SCALE = 100.0   # a stalled working set is solved again with the objective × 10 up to this
FIT_FORM_RATIO = 1 + 1e-4   # from this max pricing/β on, the Gram form gives way to the fit form

Block = tuple[int, int]     # (cell, ±1): v_i of cell i (+1) or w_i (−1)


def check_options(options: dict[str, Any]) -> None:
    """``ValueError`` for out-of-range options (names are checked by the solver table)."""
    tol = options.get("tol", DEFAULT_TOL)
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) or not 0 < tol < 1e-2:
        raise ValueError(f"tol={tol!r} must be a number in (0, 1e-2); the default is {DEFAULT_TOL:g}.")
    mr = options.get("max_rounds", 100)
    if isinstance(mr, bool) or not isinstance(mr, (int, np.integer)) or mr < 1:
        raise ValueError(f"max_rounds={mr!r} must be a whole number ≥ 1 (default 100).")
    for flag in ("gram", "diverse", "verbose", "first_phase"):
        if flag in options and not isinstance(options[flag], (bool, np.bool_)):
            raise ValueError(f"{flag}={options[flag]!r} must be True or False.")
    k = options.get("add_per_round")
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
        raise ValueError(f"add_per_round={k!r} must be a whole number ≥ 1 (or None for automatic).")
    cb = options.get("callback")
    if cb is not None and not callable(cb):
        raise ValueError(f"callback={cb!r} is not callable; pass a function info -> bool (True stops).")


# -- warm start ------------------------------------------------------------------------------------
def _neighbourhood(cells: CellSet, U: np.ndarray, X: np.ndarray) -> list[np.ndarray]:
    """For each direction u: the cell containing it and the cells touching it (u nudged along a
    few fixed directions, as u may lie on hyperplanes), as a list of cell arrays."""
    rng = np.random.default_rng(7)
    nudges = rng.standard_normal((8, X.shape[1]))
    out = []
    for u in U:
        scale = 1e-7 * max(float(np.linalg.norm(u)), 1e-300)
        cand = cells.cell_of(np.vstack([u, u + scale * nudges / np.linalg.norm(nudges, axis=1, keepdims=True)]))
        out.append(np.unique(cand[cand >= 0]))
    return out


def warm_blocks(X: np.ndarray, cells: CellSet, warm: object) -> list[Block]:
    """Blocks (cell, ±1) seeded by a previous solution (module docstring); ``warm`` as
    :meth:`WarmStart.of` reads it."""
    start = WarmStart.of(warm, X.shape[1])
    if start is None or start.U.size == 0:
        return []
    n = X.shape[0]
    support = start.support
    out: list[Block] = []
    if support is not None and len(support) and support.patterns.shape[1] <= n \
            and n - support.patterns.shape[1] <= 3:
        extra = n - support.patterns.shape[1]
        for tail in product((False, True), repeat=extra):
            full = np.hstack([support.patterns,
                              np.broadcast_to(np.array(tail, bool), (support.patterns.shape[0], extra))])
            hit = cells.lookup(full)
            out += [(int(c), int(s)) for c, s in zip(hit, support.signs) if c >= 0]
    else:
        for cs, a in zip(_neighbourhood(cells, start.U, X), start.alpha):
            out += [(int(c), 1 if a > 0 else -1) for c in cs]
    nonzero = cells.nonzero()
    return [b for b in dict.fromkeys(out) if nonzero[b[0]]]


# -- the loop's state ------------------------------------------------------------------------------
class Form(Enum):
    """How the restricted program is written (:mod:`cvxcore.convex.restricted`)."""
    GRAM = "gram"      # squared loss, the fit eliminated into a Gram matrix (large n, few blocks)
    FIT = "fit"        # with the fit variable: what prices at tol near the end


class Action(Enum):
    """What a round decides (:func:`next_action`)."""
    ADD = "add"                  # add the new blocks (and drop slack zero ones), solve again
    SOLVE_FULL = "solve full"    # solve the same blocks again, to convergence from now on
    SOLVE_FIT = "solve fit"      # solve the same blocks again in the fit form, from now on
    RESCALE = "rescale"          # solve the same blocks again with the objective × 10
    DONE = "done"                # the pricing is clean after a converged solve: optimal
    STALLED = "stalled"          # violated blocks, all already in S: the certificate decides
    STOPPED = "stopped"          # the caller's callback asked to stop


@dataclass
class Restricted:
    """The last restricted optimum: its blocks, their values ``Q`` (|S|, d), its dual point
    ``v`` and its value of (8); ``capped`` when it stopped at ``EARLY_ITER`` iterations."""
    blocks: list[Block]
    Q: np.ndarray
    v: np.ndarray
    value: float
    capped: bool = False


@dataclass
class Pricing:
    """The exact pricing of every cell at the restricted dual point: (+v, −v) values (P,) each
    (zero on cells that switch no sample on) and their max over β."""
    plus: np.ndarray
    minus: np.ndarray
    ratio: float

    def clean(self, tol: float) -> bool:
        return self.ratio <= 1 + tol


@dataclass
class LoopState:
    """The working set S and how its next restricted solve is made."""
    blocks: list[Block]
    form: Form
    converge: bool = False        # every solve from now on runs to convergence
    obj_scale: float = 1.0
    ratio: float = np.inf         # max pricing/β of the last priced dual point
    best_lower: float = -np.inf   # the best certified lower bound so far
    best_value: float = np.inf    # the lowest restricted value so far (an upper bound)

    def improved(self, value: float, tol: float) -> bool:
        """Whether ``value`` is below every earlier restricted value by more than a relative
        ``tol`` (then the round made progress and zero blocks may leave S); records it."""
        best = self.best_value
        self.best_value = min(best, value)
        return not np.isfinite(best) or value < best - tol * abs(best)

    def iteration_cap(self) -> int:
        """``EARLY_ITER`` while the pricing is far from clean (the first solve included), unless
        the solves converge from now on; else ``FULL_ITER``."""
        return EARLY_ITER if self.ratio > EARLY_RATIO and not self.converge else FULL_ITER


@dataclass
class Bookkeeping:
    """What the working set reports (``info`` of its output)."""
    rounds: int = 0
    working_set: list[int] = field(default_factory=list)      # |S| at each round
    added: list[int] = field(default_factory=list)            # blocks added at each round
    pricing_seconds: float = 0.0
    solve_seconds: float = 0.0
    warm_blocks: int = 0
    lower_bounds: list[float] = field(default_factory=list)   # the best lower bound after each round
    setup_seconds: float = 0.0
    capped: int | None = None            # restricted solves stopped at EARLY_ITER (None: no solve yet)
    accurate_from_round: int | None = None   # the round from which the fit form was used
    rescaled: float | None = None        # the objective's last scale, when it was rescaled

    def as_info(self) -> dict[str, Any]:
        info: dict[str, Any] = dict(rounds=self.rounds, working_set=self.working_set, added=self.added,
                                    pricing_seconds=self.pricing_seconds, solve_seconds=self.solve_seconds,
                                    warm_blocks=self.warm_blocks, lower_bounds=self.lower_bounds,
                                    setup_seconds=self.setup_seconds)
        for key in ("capped", "accurate_from_round", "rescaled"):
            if getattr(self, key) is not None:
                info[key] = getattr(self, key)
        return info


# -- one round, as small steps ---------------------------------------------------------------------
def _restricted(X, y, beta, loss, cells, blocks, cones, **kw):
    for c, _ in blocks:
        if c not in cones:
            cones[c] = cells.facets(c)
    idx = np.array([c for c, _ in blocks])
    D = cells.patterns(idx)
    signs = np.array([s for _, s in blocks], dtype=float)
    return solve_restricted(X, y, beta, loss, D, signs, [cones[c] for c, _ in blocks], **kw)


def next_action(state: LoopState, last: Restricted, priced: Pricing, tol: float, new: Sequence[Block],
                stopped: bool = False) -> Action:
    """The decision of a round, from the restricted solve, its pricing and the new blocks found.

    A capped solve is never the last one: a round that prices clean or adds nothing after it is
    solved again to convergence.  In the Gram form a round that adds nothing is solved again in
    the fit form (the Gram form squares F's condition number: not enough to price at tol).
    Nothing new
    after a converged solve: the same blocks with the objective × 10 (twice), then "stalled"."""
    if priced.clean(tol):
        return Action.SOLVE_FULL if last.capped else Action.DONE
    if stopped:
        return Action.STOPPED
    if new:
        return Action.ADD
    if state.form is Form.GRAM:
        return Action.SOLVE_FIT
    if last.capped:
        return Action.SOLVE_FULL
    if state.obj_scale < MAX_OBJ_SCALE:
        return Action.RESCALE
    return Action.STALLED


def _price(cells: CellSet, v: np.ndarray, beta: float, tol: float, nonzero: np.ndarray) -> Pricing:
    # exact wherever it matters: below β(1 + tol) the bound ‖g‖ is kept on purpose — the drop
    # rule keeps a block whose ‖g‖ is near β, and dropping such blocks on their exact (smaller)
    # value made logistic runs cycle
    plus, minus = cells.price(v, beta * (1 + tol))
    plus[~nonzero] = 0.0
    minus[~nonzero] = 0.0
    return Pricing(plus, minus, max(plus.max(initial=0.0), minus.max(initial=0.0)) / beta)


def _new_blocks(cells: CellSet, priced: Pricing, inset: set[Block], threshold: float, K: int,
                diverse: bool) -> list[Block]:
    """At most K blocks not in S priced above ``threshold``, the most violated first: among the
    local maxima of the pricing over the cell adjacency graph when ``diverse`` (neighbours of the
    best cell are nearly the same column), or any violated cell when every peak is in S."""
    P = cells.n_cells
    plus, minus = priced.plus, priced.minus
    if diverse:
        plus = np.where(cells.local_maxima(plus), plus, 0.0)
        minus = np.where(cells.local_maxima(minus), minus, 0.0)
    cand = np.concatenate([plus, minus])
    if not any((int(c % P), 1 if c < P else -1) not in inset
               for c in np.flatnonzero(cand > threshold)[:1000]):
        cand = np.concatenate([priced.plus, priced.minus])
    new: list[Block] = []
    for c in np.argsort(-cand):
        if cand[c] <= threshold or len(new) >= K:
            break
        b = (int(c % P), 1 if c < P else -1)
        if b not in inset:
            new.append(b)
    return new


def _keep(blocks: list[Block], Q: np.ndarray, priced: Pricing, beta: float) -> list[Block]:
    """The blocks of S without the zero ones whose dual constraint is slack (they can re-enter
    when priced again)."""
    if not blocks:
        return blocks
    norms = np.linalg.norm(Q, axis=1)
    big = norms.max(initial=0.0)
    return [(c, s) for (c, s), nq in zip(blocks, norms)
            if nq > 1e-9 * big or (priced.plus[c] if s > 0 else priced.minus[c]) > beta * (1 - 1e-3)]


def _support(cells: CellSet, last: Restricted, n: int) -> Support:
    """The nonzero blocks of the restricted optimum, by pattern."""
    if not last.blocks:
        return Support.empty(n)
    norms = np.linalg.norm(last.Q, axis=1)
    live = norms > 1e-9 * norms.max(initial=0.0)
    if not live.any():
        return Support.empty(n)
    cells_out = np.array([c for c, _ in last.blocks], dtype=int)
    signs_out = np.array([s for _, s in last.blocks], dtype=float)
    return Support(cells.patterns(cells_out[live]), signs_out[live])


_FINAL = {Action.DONE: "optimal", Action.STOPPED: "stopped by the caller",
          Action.STALLED: "stalled: pricing max/β = {ratio:.3e} but every violated block is in the working set"}


def _advance(state: LoopState, book: Bookkeeping, action: Action, rnd: int, last: Restricted, priced: Pricing,
             new: list[Block], beta: float, tol: float) -> None:
    """The working set and the next solve's settings after a round that does not end the loop."""
    if action is Action.SOLVE_FULL:
        state.converge = True
    elif action is Action.SOLVE_FIT:
        state.form, book.accurate_from_round = Form.FIT, rnd + 1
    elif action is Action.RESCALE:
        # the restricted dual is only as accurate as the interior-point solve, ~1e-6 at small β
        # for hinge and logistic loss, and its accuracy moves with the objective's scale
        state.obj_scale *= 10.0
        state.converge = True
        book.rescaled = state.obj_scale
    elif action is Action.ADD:
        if state.form is Form.GRAM and priced.ratio <= FIT_FORM_RATIO:
            state.form, book.accurate_from_round = Form.FIT, rnd + 1    # near the end: price at tol
        # zero slack blocks leave S only after a round that lowered the value (the classical
        # anti-cycling rule of column generation): when the restricted dual is degenerate —
        # hinge loss, whose dual objective Σ pᵢ is linear — the interior-point dual is the centre of
        # a whole optimal face, and a block added because it cut that centre off is zero and slack
        # at the next centre; dropped, it is violated again a round later, for ever.  Without
        # progress S only grows, so the loop ends within 2P rounds.
        kept = _keep(state.blocks, last.Q, priced, beta) if state.improved(last.value, tol) else state.blocks
        state.blocks = kept + new
        book.added.append(len(new))
    else:
        raise AssertionError(f"{action} ends the loop")


# -- the solver ------------------------------------------------------------------------------------
def solve_working_set(X: np.ndarray, y: np.ndarray, beta: float, loss: Loss, cells: CellSet, *,
                      warm: object = None, tol: float = DEFAULT_TOL, max_rounds: int = 100,
                      add_per_round: int | None = None, diverse: bool = True, gram: bool = True,
                      verbose: bool = False, callback: Callable[[dict[str, Any]], bool] | None = None,
                      first_phase: bool = True) -> SolverOutput:
    """(8) over ``cells`` by column generation with exact pricing (module docstring).

    ``warm``: a :class:`~cvxcore.convex.protocol.WarmStart`, a previous ConvexResult or a pair
    (U, alpha).  ``callback(info) -> bool``, when given, is called after each round that does
    not finish the solve with ``round``, ``upper_bound`` (the restricted value),
    ``lower_bound`` (the best certified dual value so far), ``working_set`` and ``seconds``;
    returning True stops it (status "stopped by the caller").  ``info`` of the output: rounds,
    working-set sizes, pricing/solve seconds, warm-start blocks, the lower bounds, the final max
    pricing/β, and the restricted optimum's support (``support_patterns``, ``support_signs``;
    also typed, as the output's ``support``) for a warm start.
    """
    t0 = time.perf_counter()
    tol = float(tol)
    n, d = X.shape
    K = int(add_per_round or max(20, n))
    nonzero = cells.nonzero()
    book = Bookkeeping()
    state = LoopState(warm_blocks(X, cells, warm),
                      Form.GRAM if loss.quadratic and n > GRAM_N and gram else Form.FIT)
    book.warm_blocks = len(state.blocks)
    if state.blocks:
        state.ratio = 1.0           # a warm start is near its optimum: its first solve is not capped
    book.setup_seconds = time.perf_counter() - t0
    cones: dict[int, np.ndarray] = {}
    last = Restricted([], np.zeros((0, d)), loss.zero_dual(y), np.inf)
    phase1_info: dict[str, Any] = {}
    best_dual: np.ndarray | None = None     # the dual point of the best lower bound, scaled feasible
    if first_phase and not state.blocks and loss.name == "squared" and n >= PHASE1_MIN_N:
        ph = run_first_phase(X, y, beta, loss, cells, tol=tol,
                             price=lambda v: _price(cells, v, beta, tol, nonzero),
                             new_blocks=lambda pr: _new_blocks(cells, pr, set(), beta * (1 + tol), K, diverse),
                             callback=callback, t0=t0)
        phase1_info = dict(ph.info, stopped=ph.stopped)
        book.pricing_seconds += ph.info["phase1_pricing_seconds"]
        state.blocks, state.ratio, state.best_lower = ph.blocks, ph.ratio, ph.lower
        best_dual = ph.best_dual
        if ph.stopped:              # the lasso's network is the current one
            last = Restricted(ph.atoms, ph.Q if ph.Q is not None else np.zeros((0, d)), ph.v, ph.upper)

    def solve() -> str | None:
        """The restricted solve of this round into ``last``; the failure's status, or None."""
        nonlocal last
        if not state.blocks:
            last = Restricted([], np.zeros((0, d)), loss.zero_dual(y), float(loss.value(np.zeros(n), y)),
                              last.capped)
            return None
        ts = time.perf_counter()
        cap = state.iteration_cap()
        Q, _, v, value, st = _restricted(X, y, beta, loss, cells, state.blocks, cones,
                                         gram=state.form is Form.GRAM and n > 3 * d * len(state.blocks),
                                         max_iter=cap, obj_scale=state.obj_scale)
        book.solve_seconds += time.perf_counter() - ts
        if Q is None:
            return f"restricted solve failed ({st})"
        previous = last.value
        last = Restricted(list(state.blocks), Q, v, value, cap < FULL_ITER and st != "Solved")
        if last.capped and value > previous + 1e-9 * abs(previous):
            state.converge = True           # the cap left it far from its optimum (module docstring)
        book.capped = (book.capped or 0) + last.capped
        return None

    def price() -> Pricing:
        tp = time.perf_counter()
        priced = _price(cells, last.v, beta, tol, nonzero)
        book.pricing_seconds += time.perf_counter() - tp
        state.ratio = priced.ratio
        return priced

    def search(rnd: int, priced: Pricing) -> tuple[list[Block], bool]:
        """After a pricing that is not clean: the certified lower bound, the caller's stop, and
        (unless stopped) the new blocks to add."""
        nonlocal best_dual
        scaled = loss.best_dual_scale(last.v, y, 1.0 / priced.ratio) * last.v
        lower = loss.dual_value(scaled, y)
        if lower > state.best_lower:
            state.best_lower, best_dual = lower, scaled
        book.lower_bounds.append(float(state.best_lower))
        if callback is not None and callback(
                {"round": phase1_rounds + rnd + 1, "phase": 2, "upper_bound": float(last.value),
                 "lower_bound": float(state.best_lower),
                 "gap": float((last.value - state.best_lower) / max(abs(last.value), 1e-300)),
                 "blocks": int(np.count_nonzero(np.linalg.norm(last.Q, axis=1))) if last.Q.size else 0,
                 "working_set": len(state.blocks), "seconds": time.perf_counter() - t0,
                 "network": blocks_network(last.Q, np.array([sg for _, sg in last.blocks], dtype=float))}):
            return [], True
        return _new_blocks(cells, priced, set(state.blocks), beta * (1 + tol), K, diverse), False

    def _loop() -> str:
        """The exact rounds; their final status."""
        for rnd in range(max_rounds):
            book.rounds = rnd + 1
            failure = solve()
            if failure is not None:
                return failure
            book.working_set.append(len(state.blocks))
            priced = price()
            if verbose:
                print(f"round {rnd}: |S| = {len(state.blocks)}, value {last.value:.10g}, "
                      f"max pricing/β = {priced.ratio:.3e}")
            new, stopped = ([], False) if priced.clean(tol) else search(rnd, priced)
            action = next_action(state, last, priced, tol, new, stopped)
            if action in _FINAL:
                return _FINAL[action].format(ratio=priced.ratio)
            _advance(state, book, action, rnd, last, priced, new, beta, tol)
        return f"iteration budget reached ({max_rounds} rounds; pricing max/β = {state.ratio:.3e})"

    phase1_rounds = int(phase1_info.get("phase1_rounds", 0))
    if phase1_info.get("stopped"):
        status = _FINAL[Action.STOPPED]
    else:
        status = _loop()
    support = _support(cells, last, n)
    info = book.as_info()
    info.update(phase1_info)
    info["best_lower_bound"] = float(state.best_lower)
    if best_dual is not None:
        info["best_dual"] = best_dual
    info["support_patterns"] = support.patterns
    info["support_signs"] = support.signs
    info["max_pricing_over_beta"] = float(state.ratio)
    info["seconds"] = time.perf_counter() - t0
    return SolverOutput(np.array([c for c, _ in last.blocks], dtype=int),
                        np.array([s for _, s in last.blocks], dtype=float), last.Q, float(last.value), status,
                        last.v, info, support)


def resolve_support(X: np.ndarray, y: np.ndarray, beta: float, loss: Loss, cells: CellSet,
                    block_cells: np.ndarray, block_signs: np.ndarray) -> SolverOutput:
    """(8) restricted to the given blocks, solved to convergence: the working set's
    re-optimisation on a support (the minimal network)."""
    blocks = list(dict.fromkeys(zip(map(int, block_cells), map(int, block_signs))))
    if not blocks:
        n = X.shape[0]
        return SolverOutput(np.zeros(0, int), np.zeros(0), np.zeros((0, X.shape[1])),
                            float(loss.value(np.zeros(n), y)), "optimal", loss.zero_dual(y), {})
    Q, _, v, value, st = _restricted(X, y, beta, loss, cells, blocks, {})
    if Q is None:
        return SolverOutput(np.zeros(0, int), np.zeros(0), np.zeros((0, X.shape[1])), np.inf, st, v, {})
    return SolverOutput(np.array([c for c, _ in blocks]), np.array([s for _, s in blocks], float), Q, value, st, v, {})
