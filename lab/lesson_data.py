"""The lesson's numbers: cached calls into the core (``st.cache_data``, keyed on data and parameters).

Each function returns plain arrays and numbers for :mod:`lab.figures_lesson` and for the answers of
the lesson's questions (:mod:`lab.lesson`); nothing here draws.  Bad input comes back as the core's
``ValueError`` text, never as a traceback: functions that can fail return ``(value, None)`` or
``(None, message)``.
"""
from __future__ import annotations

import functools
from typing import Any, cast

import numpy as np
import streamlit as st

from cvxcore import (
    Arrangement,
    arrangement,
    certify_runs,
    cover_count,
    geometry,
    neural_gauge,
    objective,
    solve_convex,
    train_sgd,
)
from cvxcore.datasets import make
from cvxcore.geometry import GaugeResult, Geometry
from cvxcore.losses import LossName

FIG2_MS = (8, 15, 50)               # the paper's widths
FIG2_TRIALS = 10                    # the paper's starts
FIG2_STEPS = 20_000                 # as scripts/fig2.py and docs/reproduction.md
FIG2_BETA = 0.1


@functools.cache
def preset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """A preset data set as loaded by the Data page (seed 0): points (n, d) and targets (n,)."""
    X, y = make(name, seed=0)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def paper_design() -> tuple[np.ndarray, np.ndarray]:
    """The paper's Figure 2 data with its bias column: X = [x, 1] with x = −2 … 2, y = (1, −1, 1, 1, −1)."""
    P, y = preset("paper")
    return np.c_[P, np.ones(len(P))], np.array(y)


# ----------------------------------------------------------------------------- step 1: one neuron
LANDSCAPE_LIM = 2.5
LANDSCAPE_POINTS = 161
GD_STARTS = np.array([(-2.2, 0.4), (-0.6, -2.2), (1.6, -1.8), (0.35, 2.2), (2.2, 0.2), (-1.6, 2.0)])
GD_ASKED = 5                        # the lesson asks where the run from (−1.6, 2) ends


@st.cache_data(max_entries=64, show_spinner="Computing the landscape …")
def one_neuron(X: np.ndarray, y: np.ndarray, beta: float) -> dict:
    """The one-neuron network f(x) = α(xu)₊ on 1-D data without bias (X (n, 1)).

    Returns the grid ``ug``, ``ag`` and objective (2) on it ``Z`` (len(ag), len(ug)); one local
    minimum per cell of the arrangement (u < 0 and u > 0), each the optimum of program (8) over that
    cell's single activation pattern (``minima``: u, alpha, value, pattern, m); and gradient-descent
    trajectories of (u, α) from :data:`GD_STARTS` (``paths``)."""
    ug = np.linspace(-LANDSCAPE_LIM, LANDSCAPE_LIM, LANDSCAPE_POINTS)
    ag = ug.copy()
    UU, AA = np.meshgrid(ug, ag)
    Z = objective(X, y, UU[..., None, None], AA[..., None], float(beta), "squared")   # batched over the grid
    minima = []
    arr = arrangement(X)
    if not isinstance(arr, Arrangement):
        raise TypeError("one_neuron draws 1-D data without a bias (rank 1); X has more columns")
    for c, D in enumerate(arr.patterns()):
        r = solve_convex(X, y, beta, patterns=D[None])
        u, a = (float(r.U[0, 0]), float(r.alpha[0])) if r.m_star else (0.0, 0.0)
        minima.append({"u": u, "alpha": a, "value": float(r.value), "pattern": D.copy(), "m": r.m_star,
                       "side": float(np.sign(arr.interior_point(c)[0]))})
    U0 = GD_STARTS[:, :1, None].copy()
    a0 = GD_STARTS[:, 1:].copy()
    run = train_sgd(X, y, beta=beta, U0=U0, alpha0=a0, lr=0.02, steps=25, record_every=25)
    traj = [GD_STARTS.copy(), np.c_[run.U[:, 0, 0], run.alpha[:, 0]]]
    for _ in range(59):                                          # 60 chunks of 25 steps
        run = train_sgd(X, y, beta=beta, lr=0.02, steps=25, record_every=25, resume=run)
        traj.append(np.c_[run.U[:, 0, 0], run.alpha[:, 0]])
    T = np.stack(traj, axis=1)                                   # (starts, time, 2)
    T = np.clip(T, -LANDSCAPE_LIM, LANDSCAPE_LIM)
    paths = [T[k] for k in range(T.shape[0])]
    ends = np.c_[run.U[:, 0, 0], run.alpha[:, 0]]
    return {"ug": ug, "ag": ag, "Z": Z, "minima": minima, "paths": paths, "ends": ends}


# ----------------------------------------------------------------------------- Figure 2
@st.cache_data(max_entries=16, show_spinner=False)
def figure2_optimum(beta: float = FIG2_BETA) -> float:
    """p* of program (8) on the paper's data (the dashed line of Figure 2)."""
    X, y = paper_design()
    return float(solve_convex(X, y, beta).value)


@st.cache_data(max_entries=16, show_spinner=False)
def figure2_runs(m: int, trials: int = FIG2_TRIALS, steps: int = FIG2_STEPS, beta: float = FIG2_BETA,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full-batch gradient descent of width ``m`` on the paper's data (squared loss, the same seed
    for every m): ``(recorded steps (T,), objectives (trials, T), final objectives (trials,))``."""
    X, y = paper_design()
    r = train_sgd(X, y, m=m, beta=beta, steps=steps, trials=trials, seed=seed, record_every=max(1, steps // 400))
    return r.steps, r.history(), r.final


# ----------------------------------------------------------------------------- arrangement
@st.cache_data(max_entries=64, show_spinner=False)
def cells(X: np.ndarray) -> tuple[dict[str, Any] | None, str | None]:
    """``(dict, None)`` or ``(None, message)``: the arrangement of X's rows — ``P`` (cells),
    ``interior`` (P, d) a unit direction inside each, ``patterns`` (P, n), ``cover`` Cover's count
    2 Σ_{k<r} C(n−1, k) and ``rank`` r."""
    try:
        arr = arrangement(X)
    except ValueError as e:
        return None, str(e)
    n = X.shape[0]
    r = int(np.linalg.matrix_rank(X))
    P = arr.n_cells
    interior = patterns = None
    if isinstance(arr, Arrangement) and P <= 20_000:
        interior, patterns = np.array([arr.interior_point(c) for c in range(P)]), arr.patterns()
    return {"P": P, "interior": interior, "patterns": patterns,
            "cover": int(cover_count(n, r)), "rank": r, "n": n, "d": X.shape[1]}, None


# ----------------------------------------------------------------------------- SGD with certificates
@st.cache_data(max_entries=64, show_spinner="Training and certifying each run …")
def sgd_certified(X: np.ndarray, y: np.ndarray, beta: float, loss: str, m: int, trials: int = 6,
                  steps: int = 10_000, seed: int = 0) -> tuple[dict[str, Any] | None, str | None]:
    """``(dict, None)`` or ``(None, message)``: gradient descent of width m from ``trials`` starts
    and each run's certified lower bound on p* (:func:`cvxcore.certify_runs`, from the run's own
    weights).  Keys ``steps``, ``history`` (trials, T), ``final``, ``lower`` (trials,), ``diverged``."""
    try:
        r = train_sgd(X, y, m=m, beta=beta, loss=loss, steps=steps, trials=trials, seed=seed,
                      record_every=max(1, steps // 300))
        c = certify_runs(X, y, r, refine=3)
    except ValueError as e:
        return None, str(e)
    return {"steps": r.steps, "history": r.history(), "final": r.final, "lower": np.asarray(c.lower_bound),
            "diverged": r.diverged}, None


# ----------------------------------------------------------------------------- the gauge (β → 0)
@st.cache_data(max_entries=32, show_spinner="Computing the gauge …")
def gauge(X: np.ndarray, y: np.ndarray) -> tuple[tuple[GaugeResult, Geometry] | None, str | None]:
    """``((GaugeResult, Geometry), None)`` or ``(None, message)`` for n = 2 or 3 points."""
    try:
        return (neural_gauge(X, y), geometry(X, num=721 if X.shape[0] == 2 else 2000)), None
    except ValueError as e:
        return None, str(e)


@st.cache_data(max_entries=64, show_spinner=False)
def value_at(X: np.ndarray, y: np.ndarray, beta: float, loss: str = "squared"
             ) -> tuple[dict[str, Any] | None, str | None]:
    """``(dict, None)`` or ``(None, message)``: program (8) at one β over the exact patterns —
    ``value`` p*, ``m`` m*, ``pos``/``neg`` its neurons with α > 0 / α < 0, ``status``."""
    try:
        r = solve_convex(X, y, beta, loss=loss)
    except ValueError as e:
        return None, str(e)
    return {"value": float(r.value), "m": int(r.m_star), "pos": int(np.sum(r.alpha > 0)),
            "neg": int(np.sum(r.alpha < 0)), "status": r.status}, None


# ----------------------------------------------------------------------------- why it is convex: rescaling
RESCALE_Z0 = 1.0                    # the hyperbola u·α = z₀ the slider moves along
RESCALE_STOPS = 17                  # positions on it; the middle one is balanced (|u| = |α|)


@st.cache_data(max_entries=32, show_spinner=False)
def rescaling(X: np.ndarray, y: np.ndarray, beta: float, side: int = 1,
              z0: float = RESCALE_Z0) -> tuple[dict[str, Any] | None, str | None]:
    """One cell (``side`` = sign of u) of the one-neuron network f(x) = α(xu)₊ on 1-D data without
    bias, as :mod:`cvxcore.mechanism` computes it: objective (2) over (u, α) in the cell (``ug``,
    ``ag``, ``Z``); the profile (3) G_s(z) = ½Σ(s(xᵢz)₊ − yᵢ)² + β|z| in z = u·|α| for both signs
    s of α (``z``, ``G``: {s: values}); each profile's minimum on the cell (``minima``: {s: (z*, G*)});
    the Hessian of (2) at (u, α) → (0, 0) from inside the cell (``hessian``); the hyperbola
    u·α = z₀ with the penalty along it (``path``: u, α, penalty, objective F, the balanced stop in
    the middle); and the best value of (2) in the cell from program (8) over the cell's pattern
    (``cell_value``) — the number the profile's minimum must equal."""
    from cvxcore.mechanism import (
        one_neuron_hessian,
        one_neuron_objective,
        rescaled_minimiser,
        rescaled_objective,
        rescaling_path,
    )
    try:
        x = np.asarray(X, float)[:, 0]
        yy = np.asarray(y, float)
        lim = LANDSCAPE_LIM
        ug = side * np.linspace(0.02, lim, 121) if side > 0 else np.linspace(-lim, -0.02, 121)
        ag = np.linspace(-lim, lim, 161)
        UU, AA = np.meshgrid(ug, ag)
        Z = one_neuron_objective(x, yy, beta, UU, AA)
        z = side * np.linspace(0.0, lim, 201)
        G = {s: rescaled_objective(x, yy, beta, z, s) for s in (1, -1)}
        minima = {s: rescaled_minimiser(x, yy, beta, s, side) for s in (1, -1)}
        h = one_neuron_hessian(x, yy, beta, 0.0, 0.0, side=side)
        c_star = np.sqrt(z0)
        scales = c_star * np.geomspace(0.4, 2.5, RESCALE_STOPS)        # u = z₀/… from √z₀/2.5 to 2.5√z₀
        rp = rescaling_path(side * c_star, side * c_star, beta, scales=scales[::-1] / c_star)
        F = one_neuron_objective(x, yy, beta, rp.u, rp.alpha)
        active = side * x > 0
        D = active[None].astype(float)
        r = solve_convex(np.asarray(X, float), yy, beta, patterns=D)
    except ValueError as e:
        return None, str(e)
    return {"ug": ug, "ag": ag, "Z": Z, "z": z, "G": G, "minima": minima, "hessian": h.matrix,
            "eig": h.eigenvalues, "path": {"u": rp.u, "alpha": rp.alpha, "penalty": rp.penalty, "F": F,
                                          "balanced": RESCALE_STOPS // 2, "z0": float(rp.product),
                                          "balanced_penalty": rp.balanced_penalty},
            "cell_value": float(r.value), "side": side, "active": active}, None


# ----------------------------------------------------------------------------- why it is convex: merging
MERGE_SPREADS = (0.0, 0.25, 0.5, 0.75, 0.95)     # how far apart the two neurons are, as a share of the cell


def _cell_arc(X: np.ndarray, D: np.ndarray, k: int = 3600) -> np.ndarray:
    """Angles (radians) of the unit directions u ∈ R² whose pattern 1[Xu ≥ 0] is D (one arc)."""
    th = np.linspace(-np.pi, np.pi, k, endpoint=False)
    on = np.all(((np.c_[np.cos(th), np.sin(th)] @ X.T) >= 0) == D, axis=1)
    if on.all() or not on.any():
        return th[on]
    start = int(np.flatnonzero(on & ~np.roll(on, 1))[0])          # where the arc begins (it may wrap)
    idx = (start + np.arange(k)) % k
    return np.unwrap(th[idx[: int(np.argmin(on[idx]))]])


@st.cache_data(max_entries=32, show_spinner=False)
def merging(X: np.ndarray, y: np.ndarray, beta: float, loss: str = "squared",
            spread: float = 0.75) -> tuple[dict[str, Any] | None, str | None]:
    """Two neurons in one cell with the same sign, merged by :func:`cvxcore.mechanism.merge_neurons`.

    The largest block q of the optimum of (8) (d = 2: the plane of u) is split into
    q₁ = q/2 + t·e and q₂ = q/2 − t·e (e ⊥ q, t = ``spread`` of the largest t keeping both in q's
    closed cell), each a balanced neuron (u = qₖ/√‖qₖ‖, α = s√‖qₖ‖), beside the optimum's other
    neurons: the network's fit is the optimum's, its penalty β(‖q₁‖ + ‖q₂‖) ≥ β‖q‖.  Returns the
    blocks ``q1``, ``q2``, ``q``, the sign ``s``, the cell's arc of unit directions ``arc``, the
    :class:`cvxcore.mechanism.Merge` as numbers, ``p_star``, and ``room``: the largest t over ‖q‖ (0 when q
    lies on an edge of its cell, its kink at a data point: then every split in the cell is parallel);
    (None, message) when the optimum has no neuron or d ≠ 2."""
    from cvxcore.mechanism import merge_neurons, same_cell
    try:
        X = np.asarray(X, float)
        if X.shape[1] != 2:
            return None, "This step draws the plane of u: it needs d = 2 (1-D points with a bias, or 2-D points)."
        r = solve_convex(X, y, beta, loss=loss)
        if not r.m_star:
            return None, f"At β = {beta:g} the optimum is the zero network: there is no neuron to split. Lower β."
        size = np.abs(r.alpha) * np.linalg.norm(r.U, axis=1)
        j = int(np.argmax(size))
        s = float(np.sign(r.alpha[j]))
        q = np.abs(r.alpha[j]) * r.U[j]
        D = X @ q >= 0
        e = np.array([-q[1], q[0]]) / np.linalg.norm(q)

        def inside(t: float) -> bool:
            # the test merge_neurons applies (no sample strictly on opposite sides); (xᵀq/2)² ≥ t²(xᵀe)²
            # for every sample, so it holds for every t up to the largest one found
            return same_cell(X, q / 2 + t * e, q / 2 - t * e)
        lo, hi = 0.0, 10 * float(np.linalg.norm(q))
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if inside(mid) else (lo, mid)
        t = float(spread) * lo
        q1, q2 = q / 2 + t * e, q / 2 - t * e
        others = [i for i in range(len(r.alpha)) if i != j]

        def neuron(b: np.ndarray) -> tuple[np.ndarray, float]:
            nb = float(np.linalg.norm(b))
            return b / np.sqrt(nb), s * np.sqrt(nb)
        (u1, a1), (u2, a2) = neuron(q1), neuron(q2)
        U = np.vstack([r.U[others], u1, u2])
        alpha = np.r_[r.alpha[others], a1, a2]
        mg = merge_neurons(X, y, U, alpha, beta, len(others), len(others) + 1, loss=cast(LossName, loss))
    except ValueError as e_:
        return None, str(e_)
    return {"q1": q1, "q2": q2, "q": mg.block, "s": s, "arc": _cell_arc(X, D), "pattern": D,
            "loss_before": mg.loss_before, "loss_after": mg.loss_after, "penalty_pair": mg.penalty_pair,
            "penalty_merged": mg.penalty_merged, "objective_before": mg.objective_before,
            "objective_after": mg.objective_after, "p_star": float(r.value), "P": int(r.n_patterns),
            "room": lo / float(np.linalg.norm(q))}, None


# ----------------------------------------------------------------------------- why it is convex: the cones
@st.cache_data(max_entries=32, show_spinner="Solving (8) with and without its cone constraints …")
def cone_free(X: np.ndarray, y: np.ndarray, beta: float, loss: str = "squared"
              ) -> tuple[dict[str, Any] | None, str | None]:
    """Program (8) with and without its cone constraints (:func:`cvxcore.mechanism.solve_without_cones`)
    on 1-D data with a bias (X = [x, 1]): ``p_star``, ``value`` (≤ p*), ``relu_objective`` (the
    blocks read as ReLU neurons, ≥ p*), the fits of both on a grid ``xs`` (``fit8``, ``fit_free``),
    and every violating block (``violations``: pattern, block q, gate, its line xᵀq and its gated
    output on ``xs``, the samples where its sign is wrong)."""
    from cvxcore.mechanism import solve_without_cones
    try:
        X = np.asarray(X, float)
        r8 = solve_convex(X, y, beta, loss=loss)
        free = solve_without_cones(X, y, beta, loss=cast(LossName, loss), p_star=float(r8.value))
    except ValueError as e:
        return None, str(e)
    xs = np.linspace(-3, 3, 301)
    G = np.c_[xs, np.ones_like(xs)]
    gated, relu = free.unit_outputs(G)
    viol = []
    order = {int(c): k for k, c in enumerate(free.cells)}
    for v in sorted(free.violations, key=lambda v: v.margin):
        k = order[int(v.cell)]
        viol.append({"pattern": np.asarray(v.pattern, bool), "block": np.asarray(v.block, float),
                     "gate": np.asarray(free.gates[k], float), "line": G @ v.block, "gated": gated[k],
                     "relu": relu[k], "at_data": np.asarray(v.gated, float), "linear": np.asarray(v.linear, float),
                     "wrong_on": np.asarray(v.wrong_on), "wrong_off": np.asarray(v.wrong_off),
                     "margin": float(v.margin)})
    from cvxcore import predict
    return {"p_star": float(r8.value), "value": float(free.value), "gap": float(free.gap),
            "status": free.status, "relu_objective": float(free.relu_objective), "xs": xs,
            "fit8": predict(G, r8.U, r8.alpha), "fit_free": free.predict(G), "violations": viol,
            "n_blocks": int(len(free.blocks)), "P": int(free.n_patterns)}, None


# ----------------------------------------------------------------------------- why gradient descent gets stuck
STUCK_M, STUCK_SEED, STUCK_LR, STUCK_STEPS = 3, 0, 0.01, 20_000   # docs/api.md: a run of the paper's data that sticks
ESCAPE_STEPS = 2000                 # gradient descent after an insertion, then settled (3 × 2,000 shrinking steps)
ESCAPE_SIZE = 0.01                  # the inserted neuron is tiny: gradient descent itself grows it
MAX_INSERTS = 3


@st.cache_data(max_entries=16, show_spinner="Training a width-3 network and settling it …")
def stuck_chain(X: np.ndarray, y: np.ndarray, beta: float, inserts: int = 0
                ) -> tuple[dict[str, Any] | None, str | None]:
    """A gradient-descent run that gets stuck (width :data:`STUCK_M`, seed :data:`STUCK_SEED`,
    :data:`STUCK_STEPS` full-batch steps, then :func:`cvxcore.settle_run`), continued ``inserts``
    times by inserting its missing neuron, tiny (:func:`cvxcore.escape`, size :data:`ESCAPE_SIZE`,
    :data:`ESCAPE_STEPS` steps, then settled).  Returns the objective trace over absolute steps
    (``steps``, ``objective``), the steps where a neuron was inserted (``inserted_at``), the
    current network (``U``, ``alpha``) and its analysis (:func:`cvxcore.analyse_run`): ``v``, the
    dual curve u ↦ vᵀ(Xu)₊ over θ (``theta``, ``curve``, ``boundaries``), its neurons' angles and
    values, the missing neuron; and
    for the first stuck point (8) restricted to its own blocks (:func:`cvxcore.restricted_to_run`)
    and what the first insertion reached (``first_escape``)."""
    from cvxcore import analyse_run, dual_curve, escape, restricted_to_run, settle_run
    from cvxcore.training import direction_angles
    try:
        X = np.asarray(X, float)
        if inserts == 0:
            run = train_sgd(X, y, m=STUCK_M, beta=beta, lr=STUCK_LR, steps=STUCK_STEPS, trials=1, seed=STUCK_SEED,
                            record_every=100)
            s = settle_run(X, y, run)
            U, a = s.result.U[0], s.result.alpha[0]
            p_star = float(solve_convex(X, y, beta).value)
            rc = restricted_to_run(X, y, U, a, beta, p_star=p_star)
            out: dict[str, Any] = {"steps": s.steps, "objective": s.objectives[0], "inserted_at": [],
                                   "p_star": p_star, "restricted": float(rc.restricted_value),
                                   "restricted_gap": float(rc.restricted_gap), "stuck": float(rc.run_objective),
                                   "blocks": int(len(rc.cells)), "first_escape": None}
        else:
            prev, err = stuck_chain(X, y, beta, inserts - 1)
            if prev is None:
                return None, err
            out = {k: v for k, v in prev.items()}
            start = int(prev["steps"][-1])
            e = escape(X, y, prev["U"], prev["alpha"], beta, size=ESCAPE_SIZE, steps=ESCAPE_STEPS, start_step=start,
                       record_every=20)
            s = settle_run(X, y, e.run, stages=3, stage_steps=2000)
            U, a = s.result.U[0], s.result.alpha[0]
            out["steps"] = np.r_[prev["steps"], start, s.steps]
            out["objective"] = np.r_[prev["objective"], e.objective_inserted, s.objectives[0]]
            out["inserted_at"] = [*prev["inserted_at"], start]
            if inserts == 1:
                out["first_escape"] = float(s.objectives[0][-1])
        an = analyse_run(X, y, U, a, beta)
        curve = dual_curve(X, an.v)
    except ValueError as e_:
        return None, str(e_)
    alive = np.asarray(an.alive, bool)
    out.update(U=U, alpha=a, m=int(len(a)), objective_now=float(an.objective), v=an.v, theta=curve.theta,
               curve=curve.values, boundaries=curve.boundaries, neuron_theta=direction_angles(U[alive]),
               neuron_values=an.neuron_values[alive], neuron_alpha=a[alive], stationarity=float(an.stationarity),
               dual_norm=float(an.dual_norm), missing_theta=float(direction_angles(an.missing.direction[None])[0]),
               missing_value=float(an.missing.value * an.missing.sign), lower_bound=float(an.lower_bound),
               inserts=inserts)
    return out, None


# ----------------------------------------------------------------------------- sampled patterns (Remark 3.3)
SAMPLED_COUNTS = tuple(int(k) for k in np.unique(np.round(np.geomspace(1, 1024, 31))))   # 28 k's, ~√2 apart
@st.cache_data(max_entries=16, show_spinner="Solving (8) on sampled patterns …")
def sampled(X: np.ndarray, y: np.ndarray, beta: float, loss: str = "squared", seed: int = 0
            ) -> tuple[dict[str, Any] | None, str | None]:
    """:func:`cvxcore.experiments.sampled_sweep`: (8) on the patterns of the first k directions
    u ~ N(0, I) of one stream, for k in :data:`SAMPLED_COUNTS` (1 … 1024) — ``counts``, distinct patterns
    ``n_patterns`` (P̃), relative excess (p̃ − p*)/p* ``excess`` and certified relative gap ``gap``;
    ``p_star``, ``P`` (every cell), Cover's count, the rank r, n, and the fewest directions within
    1 % of p* (``within``, with its P̃ ``within_patterns``)."""
    from cvxcore.experiments import sampled_sweep
    try:
        sw = sampled_sweep(np.asarray(X, float), y, beta, SAMPLED_COUNTS, loss=cast(LossName, loss), seed=seed)
    except ValueError as e:
        return None, str(e)
    return {"counts": sw.sample_counts, "n_patterns": sw.n_patterns, "excess": sw.rel_excess,
            "gap": sw.gaps / sw.p_star, "values": sw.values, "p_star": float(sw.p_star), "P": int(sw.n_cells),
            "cover": int(sw.cover_count), "rank": int(sw.rank), "n": int(np.asarray(X).shape[0]),
            "within": sw.samples_within, "within_patterns": sw.patterns_within}, None


# ----------------------------------------------------------------------------- consequence questions
@st.cache_data(max_entries=64, show_spinner=False)
def value_on_patterns(X: np.ndarray, y: np.ndarray, beta: float, loss: str, every: int = 2, first: int = 0
                      ) -> tuple[float | None, str | None]:
    """Program (8) over only the cells ``first``, ``first + every``, … of the arrangement (in the
    order :func:`cells` numbers them): its optimal value, ≥ p*."""
    C, err = cells(X)
    if C is None or C["patterns"] is None:
        return None, err or "Too many cells to list."
    try:
        return float(solve_convex(X, y, beta, loss=loss, patterns=C["patterns"][first::every]).value), None
    except ValueError as e:
        return None, str(e)


@st.cache_data(max_entries=64, show_spinner=False)
def accuracy_at(X: np.ndarray, y: np.ndarray, beta: float, loss: str) -> tuple[int | None, str | None]:
    """Training points the optimal network of (8) at β classifies correctly (sign f(xᵢ) = yᵢ)."""
    try:
        r = solve_convex(X, y, beta, loss=loss)
    except ValueError as e:
        return None, str(e)
    return int(np.sum(np.sign(r.predict(X)) == y)), None
