"""The exact solver's first phase over neuron directions (cvxcore.convex.directions) and the
caller's Stop (``callback``).

Independent routes: the non-negative lasso against scipy's bound-constrained L-BFGS-B on the
same quadratic; the solve with the first phase against the solve without it (the exact loop
alone) on the same data; a stopped solve's bounds against the optimum of a full solve and the
network objective (2) recomputed from its (U, α)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from cvxcore import get_loss, nonconvex_objective, solve_convex, with_bias
from cvxcore.convex.directions import PHASE1_MIN_N, _delete, nonneg_lasso


def recipe(name: str, n: int, seed: int):
    """The benchmark's XOR data (bench/bench_solver.py): x ~ N(0, I₂), y = sign(x₁x₂), a bias."""
    assert name == "xor"
    x = np.random.default_rng(seed).standard_normal((n, 2))
    y = np.sign(x[:, 0] * x[:, 1])
    y[y == 0] = 1.0
    return with_bias(x), y


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 30), k=st.integers(1, 40), beta=st.floats(1e-3, 3.0))
def test_nonneg_lasso_reaches_the_minimum(seed, n, k, beta):
    """½‖Ha − y‖² + βΣa over a ≥ 0: the active set's minimum is L-BFGS-B's (or lower), its
    gradient vanishes on the free set and is ≥ 0 off it; duplicated columns included."""
    rng = np.random.default_rng(seed)
    H = rng.standard_normal((n, k))
    if k > 2:
        H[:, 1] = H[:, 0]                 # an exactly dependent column
    y = rng.standard_normal(n)
    G, c = H.T @ H, beta - H.T @ y
    a, F, L = nonneg_lasso(G, c, np.zeros(k), tol=1e-12)
    f = lambda z: 0.5 * z @ G @ z + c @ z  # noqa: E731
    ref = minimize(f, np.zeros(k), jac=lambda z: G @ z + c, bounds=[(0, None)] * k, method="L-BFGS-B",
                   options=dict(ftol=1e-15, gtol=1e-12, maxiter=20_000))
    assert np.all(a >= 0)
    assert f(a) <= ref.fun + 1e-9 * max(1.0, abs(ref.fun))
    g = G @ a + c
    scale = 1e-7 * max(1.0, np.abs(G).max() * max(a.max(initial=0.0), 1.0))
    assert np.all(np.abs(g[a > 0]) <= scale) and np.all(g[a == 0] >= -scale)
    # the factor handed back is the free set's: L Lᵀ = G_FF (+ the tiny ridge)
    np.testing.assert_allclose(L @ L.T, G[np.ix_(F, F)], atol=1e-8 * max(1.0, np.abs(G).max()))


def test_cholesky_row_deletion_is_the_factor_of_the_smaller_matrix():
    rng = np.random.default_rng(3)
    M = rng.standard_normal((9, 9))
    A = M @ M.T + np.eye(9)
    L = np.linalg.cholesky(A)
    for p in (0, 4, 8):
        keep = [i for i in range(9) if i != p]
        np.testing.assert_allclose(_delete(L, p), np.linalg.cholesky(A[np.ix_(keep, keep)]), atol=1e-12)


def test_first_phase_hands_over_the_same_certified_optimum():
    """Squared loss, n above the first phase's threshold: with and without the first phase the
    same certified value; the first phase ran and the exact loop needed fewer rounds."""
    X, y = recipe("xor", PHASE1_MIN_N + 10, seed=2)
    with_phase = solve_convex(X, y, 1e-2)
    without = solve_convex(X, y, 1e-2, first_phase=False)
    assert with_phase.status == without.status == "optimal"
    assert with_phase.value == pytest.approx(without.value, rel=2e-6)
    assert with_phase.info["phase1_rounds"] >= 1 and "phase1_rounds" not in without.info
    assert with_phase.info["rounds"] < without.info["rounds"]


@pytest.mark.parametrize("loss,n,first_phase,stop_at", [("squared", PHASE1_MIN_N + 10, True, 3),
                                                         ("squared", PHASE1_MIN_N + 10, False, 3),
                                                         ("hinge", 40, True, 2)])
def test_a_stopped_solve_reports_its_certified_bounds(loss, n, first_phase, stop_at):
    """``callback(info)`` after every round with the round, the certified gap and the blocks;
    True stops the solve: the status says so, ``value`` is the objective (2) of the returned
    network (≥ p*), ``lower_bound`` ≤ p* (p* from a full solve), and ``gap`` their difference."""
    X, y = recipe("xor", n, seed=1)
    beta = 1e-2
    full = solve_convex(X, y, beta, loss=loss)
    assert full.status == "optimal"
    seen = []

    def stop(info):
        seen.append(dict(info))
        return info["round"] >= stop_at

    r = solve_convex(X, y, beta, loss=loss, callback=stop, first_phase=first_phase)
    assert r.status.startswith("stopped by the caller")
    assert [i["round"] for i in seen] == list(range(1, stop_at + 1))
    for i in seen:
        assert {"round", "gap", "blocks", "lower_bound", "upper_bound", "working_set", "seconds", "network"} <= set(i)
        assert i["lower_bound"] <= i["upper_bound"] and i["gap"] >= 0
        # the round's network: its objective (2), computed here, is the upper bound, ≥ p*
        U, alpha = i["network"]
        value = nonconvex_objective(X, y, U, alpha, beta, loss=loss)
        assert value == pytest.approx(i["upper_bound"], rel=1e-9)
        assert value >= full.value * (1 - 1e-6)
    tol = 1e-6 * full.value
    assert r.lower_bound <= full.value + tol
    assert r.value >= full.value - tol
    assert r.value == pytest.approx(nonconvex_objective(X, y, r.U, r.alpha, beta, loss=loss), rel=1e-9)
    assert r.gap == pytest.approx(r.value - r.lower_bound, abs=1e-12 * r.value)
    # the certificate's lower bound is at least the last one the callback was shown
    assert r.lower_bound >= seen[-1]["lower_bound"] - 1e-9 * abs(seen[-1]["lower_bound"])
    assert get_loss(loss).dual_value(r.dual, y) == pytest.approx(r.lower_bound, rel=1e-9, abs=1e-12)


def test_a_capped_solve_whose_value_rises_makes_every_later_solve_converge(monkeypatch):
    """The restricted optimum cannot rise as blocks are added: a capped solve that reports a
    higher value than the round before was left far from its optimum by the cap, and every
    later restricted solve runs to convergence (cvxcore.convex.workingset).  Here the second
    solve's value is reported too high; the solve still ends certified."""
    import cvxcore.convex.workingset as ws
    calls = []
    real = ws._restricted

    def spy(*args, **kw):
        out = real(*args, **kw)
        if "max_iter" not in kw:                 # a re-solve of the minimal-network step
            return out
        calls.append(kw["max_iter"])
        if len(calls) == 2:
            out = (*out[:3], out[3] * 10 + 1, "MaxIterations")   # a capped solve far from its optimum
        return out

    monkeypatch.setattr(ws, "_restricted", spy)
    X, y = recipe("xor", 60, seed=4)
    r = solve_convex(X, y, 1e-2, loss="hinge")
    assert r.status == "optimal"
    assert calls[0] == calls[1] == ws.EARLY_ITER       # far from clean: capped
    assert all(c == ws.FULL_ITER for c in calls[2:]) and len(calls) > 2


@pytest.mark.parametrize("s", [1 / 64, 8.0])
def test_each_rounds_network_is_on_the_data_as_given(s):
    """The solve runs on X/s (positive homogeneity); the network each round reports is mapped
    back: its objective (2) on the data as given is the round's upper bound."""
    X, y = recipe("xor", 40, seed=3)
    X, beta = s * X, 1e-2 * s
    rows = []

    def note(info):
        U, alpha = info["network"]
        rows.append((nonconvex_objective(X, y, U, alpha, beta, loss="hinge"), info["upper_bound"]))
        return False

    assert solve_convex(X, y, beta, loss="hinge", callback=note).status == "optimal"
    assert len(rows) >= 2
    for value, upper in rows:
        assert value == pytest.approx(upper, rel=1e-9)
