"""Why gradient descent gets stuck (cvxcore.training.stuck), against independent routes.

The runs are real gradient-descent runs of ``train_sgd`` (then ``settle_run``: the same descent
with a shrinking step), on the paper's data and on two moons, with settings found to stop above
p* (docs/api.md).  Checked:

* stationarity: the run's own dual curve touches ±β at its neurons (with the sign of α) to 1e-4,
  evaluated with ``cvxcore.dual_constraint_values``;
* the missing neuron: the exact maximum of |vᵀ(Xu)₊| against a dense grid of directions;
* inserting it lowers the objective at once (best size) and after training (tiny size);
* the run's objective equals (8) restricted to its own blocks (Remark 3.3), to within the
  certified duality gap of that restricted program (the tolerance: weak duality, not a guess);
  the program is cvxpy's, the run's value is objective (2) of its weights;
* the global optimum of (8) passes the same test with no missing neuron.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cvxcore import arrangement, dual_constraint_values, nonconvex_objective, solve_convex, train_sgd, with_bias
from cvxcore.datasets import make
from cvxcore.training import (
    add_missing_neuron,
    analyse_run,
    best_size,
    direction_angles,
    dual_curve,
    dual_vector,
    escape,
    missing_neuron,
    restricted_to_run,
    settle_run,
)
from tests.test_degenerate import layout_1d, layout_2d

PAPER_BETA = 0.1          # the paper's data: m = 3, seed 0, lr 0.01 for 20,000 steps, then settled
MOONS_BETA = 1.0          # two moons (the preset, n = 40): m = 4, seed 7, lr 0.01 for 20,000 steps, then settled


def stuck_run(X, y, beta, m, seed, lr):
    """The run as trained, and settled."""
    run = train_sgd(X, y, m=m, beta=beta, lr=lr, steps=20_000, trials=1, seed=seed, record_every=100)
    return run, settle_run(X, y, run)


@pytest.fixture(scope="module")
def paper():
    X = with_bias(np.array([-2, -1, 0, 1, 2.0]))
    y = np.array([1, -1, 1, 1, -1.0])
    arr = arrangement(X)
    opt = solve_convex(X, y, PAPER_BETA, patterns=arr)
    raw, settled = stuck_run(X, y, PAPER_BETA, m=3, seed=0, lr=0.01)
    run = settled.result
    return X, y, arr, opt, run.U[0], run.alpha[0], raw, settled


@pytest.fixture(scope="module")
def moons():
    pts, y = make("moons")
    X = with_bias(pts)
    arr = arrangement(X)
    opt = solve_convex(X, y, MOONS_BETA, patterns=arr)
    raw, settled = stuck_run(X, y, MOONS_BETA, m=4, seed=7, lr=0.01)
    run = settled.result
    return X, y, arr, opt, run.U[0], run.alpha[0], raw, settled


CASES = [("paper", PAPER_BETA), ("moons", MOONS_BETA)]


@pytest.mark.parametrize("case, beta", CASES)
def test_a_stuck_runs_dual_curve_touches_plus_minus_beta_at_its_neurons(case, beta, request):
    X, y, arr, opt, U, a, _, _ = request.getfixturevalue(case)
    an = analyse_run(X, y, U, a, beta, patterns=arr)
    assert an.objective > opt.value * 1.1                      # stuck: 10 % or more above p*
    assert an.alive.sum() >= 2
    v = y - (np.maximum(X @ U.T, 0) @ a)                         # the residual, by hand
    np.testing.assert_allclose(an.v, v, atol=1e-12)
    Ua = U[an.alive]
    vals = dual_constraint_values(X, v, Ua / np.linalg.norm(Ua, axis=1, keepdims=True))
    np.testing.assert_allclose(vals, beta * np.sign(a[an.alive]), atol=1e-4)
    assert an.stationarity <= 1e-4
    assert an.stuck and an.dual_norm > 2 * beta                  # … and leaves the band elsewhere
    assert an.lower_bound <= opt.value * (1 + 1e-9)              # its certificate is a valid bound


@pytest.mark.parametrize("case, beta", CASES)
def test_the_missing_neuron_is_the_exact_maximum_of_the_dual_curve(case, beta, request):
    X, y, arr, _, U, a, _, _ = request.getfixturevalue(case)
    v = dual_vector(X, y, U, a)
    miss = missing_neuron(X, v, beta, patterns=arr)
    assert np.linalg.norm(miss.direction) == pytest.approx(1.0)
    at = dual_constraint_values(X, v, miss.direction[None])[0]
    assert at == pytest.approx(miss.sign * miss.value, rel=1e-9)
    # a dense grid of directions never beats the exact maximum, and comes close to it
    curve = dual_curve(X, v, resolution=20_001 if X.shape[1] == 2 else 1601)
    grid = np.abs(curve.values).max()
    assert grid <= miss.value * (1 + 1e-12)
    assert grid >= miss.value * (1 - 2e-3)
    assert miss.ratio > 2


@pytest.mark.parametrize("case, beta", CASES)
def test_adding_the_missing_neuron_lowers_the_objective(case, beta, request):
    X, y, arr, opt, U, a, _, _ = request.getfixturevalue(case)
    stuck = nonconvex_objective(X, y, U, a, beta)
    # at the best size the objective falls at once, by (|vᵀh| − β)²/(2‖h‖²) for squared loss
    U1, a1, miss = add_missing_neuron(X, y, U, a, beta, patterns=arr)
    h = np.maximum(X @ miss.direction, 0)
    drop = (miss.value - beta) ** 2 / (2 * h @ h)
    assert nonconvex_objective(X, y, U1, a1, beta) == pytest.approx(stuck - drop, rel=1e-9)
    assert a1[-1] ** 2 == pytest.approx(best_size(X, y, U, a, beta, miss), rel=1e-12)
    # a tiny neuron grows under gradient descent: a few thousand steps bring the objective down
    esc = escape(X, y, U, a, beta, size=1e-3, steps=3000, lr=0.01, patterns=arr)
    assert esc.objective_inserted == pytest.approx(stuck, rel=1e-5)
    assert esc.final < stuck - 0.2 * (stuck - opt.value)       # a fifth of the way to p* or more
    assert esc.final >= opt.lower_bound                         # never below p*


@pytest.mark.parametrize("case, beta", CASES)
def test_a_stuck_point_is_the_optimum_of_8_restricted_to_its_own_blocks(case, beta, request):
    X, y, arr, opt, U, a, _, _ = request.getfixturevalue(case)
    rc = restricted_to_run(X, y, U, a, beta, patterns=arr, p_star=opt.value)
    # weak duality: restricted optimum ∈ [run − gap, run]; the gap is the tolerance
    assert rc.restricted_gap <= 1e-4 * rc.run_objective
    assert rc.restricted_value <= rc.run_objective * (1 + 1e-7)
    assert rc.restricted_value >= rc.run_objective - rc.restricted_gap - 1e-7 * rc.run_objective
    # the restricted optimum is a network of those blocks, worth that value in (2)
    assert nonconvex_objective(X, y, rc.U, rc.alpha, beta) == pytest.approx(rc.restricted_value, rel=1e-6)
    assert rc.both_signs_value <= rc.restricted_value * (1 + 1e-6)
    assert rc.p_star <= rc.both_signs_value * (1 + 1e-6)
    assert rc.run_objective > 1.1 * rc.p_star


def test_the_global_optimum_has_no_missing_neuron(paper):
    X, y, arr, opt, _, _, _, _ = paper
    an = analyse_run(X, y, opt.U, opt.alpha, PAPER_BETA, patterns=arr)
    assert an.stationarity <= 1e-6 * PAPER_BETA
    assert not an.stuck or an.dual_norm <= PAPER_BETA * (1 + 1e-5)
    assert an.gap <= 1e-5 * an.objective
    rc = restricted_to_run(X, y, opt.U, opt.alpha, PAPER_BETA, patterns=arr, p_star=opt.value)
    assert rc.restricted_value == pytest.approx(opt.value, rel=1e-6)


@pytest.mark.parametrize("case, beta", CASES)
def test_settling_brings_a_run_to_stationarity(case, beta, request):
    X, y, arr, _, _, _, run, settled = request.getfixturevalue(case)
    before = analyse_run(X, y, run.U[0], run.alpha[0], beta, patterns=arr).stationarity
    after = analyse_run(X, y, settled.result.U[0], settled.result.alpha[0], beta, patterns=arr).stationarity
    assert after < before / 20
    assert settled.steps[0] == 0 and settled.steps[-1] == 20_000 + 6 * 3000
    assert np.all(np.diff(settled.steps) > 0) and settled.objectives.shape == (1, settled.steps.size)
    np.testing.assert_allclose(settled.lrs, 0.01 * 10 ** (-0.5 * np.arange(1, 7)))


def test_dual_curve_geometry():
    X = with_bias(np.array([-2, -1, 0, 1, 2.0]))
    v = np.array([1, -1, 1, 1, -1.0])
    c = dual_curve(X, v, resolution=9)
    np.testing.assert_allclose(c.theta, np.linspace(-np.pi, np.pi, 9))
    np.testing.assert_allclose(c.directions, np.c_[np.cos(c.theta), np.sin(c.theta)], atol=1e-15)
    np.testing.assert_allclose(c.values, dual_constraint_values(X, v, c.directions))
    # every cell edge is a direction with some xᵢᵀu = 0
    assert np.all(np.min(np.abs(np.c_[np.cos(c.boundaries), np.sin(c.boundaries)] @ X.T), axis=1) < 1e-12)
    assert c.boundaries.size == 10                                # 5 lines, 2 rays each
    X3 = with_bias(np.array([[0.0, 1.0], [1.0, -1.0], [-1.0, 0.5]]))
    s = dual_curve(X3, np.array([1.0, -2.0, 0.5]), resolution=40)
    assert s.values.shape == (10, 20) and s.directions.shape == (10, 20, 3)
    np.testing.assert_allclose(np.linalg.norm(s.directions, axis=-1), 1.0)
    ang = direction_angles(s.directions.reshape(-1, 3))
    np.testing.assert_allclose(ang[:, 0], np.repeat(s.theta, 20), atol=1e-12)
    with pytest.raises(ValueError, match="d ≤ 3"):
        dual_curve(np.ones((3, 4)), np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        dual_curve(X, np.ones(4))


def test_hinge_dual_vector_is_minus_a_subgradient():
    pts, y = make("moons", n=12)
    X = with_bias(pts)
    U, a = np.ones((2, 3)), np.array([0.5, -0.25])
    yhat = np.maximum(X @ U.T, 0) @ a
    np.testing.assert_array_equal(dual_vector(X, y, U, a, loss="hinge"), np.where(y * yhat < 1, y, 0.0))
    miss = missing_neuron(X, dual_vector(X, y, U, a, loss="hinge"), 0.5)
    t = best_size(X, y, U, a, 0.5, miss, loss="hinge")
    assert t > 0
    U1, a1, _ = add_missing_neuron(X, y, U, a, 0.5, loss="hinge")
    assert nonconvex_objective(X, y, U1, a1, 0.5, loss="hinge") < nonconvex_objective(X, y, U, a, 0.5, loss="hinge")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_missing_neuron_beats_every_grid_direction_on_drawable_data(data):
    X = data.draw(st.one_of(layout_2d().map(lambda t: t[0]), layout_1d()))
    v = np.array(data.draw(st.lists(st.integers(-3, 3), min_size=X.shape[0], max_size=X.shape[0])), float)
    v *= 10.0 ** data.draw(st.integers(-3, 3))                     # residuals of drawable sizes
    miss = missing_neuron(X, v, 0.1)
    curve = dual_curve(X, v, resolution=2001 if X.shape[1] == 2 else 401)
    grid = float(np.abs(curve.values).max())
    scale = float(np.abs(v).sum() * np.linalg.norm(X, axis=1).max()) + 1e-300
    assert grid <= miss.value + 1e-9 * scale                     # the exact maximum is the maximum
    assert miss.value <= grid + 2e-2 * scale                     # and the grid comes near it
    if miss.value > 0:
        at = dual_constraint_values(X, v, miss.direction[None])[0]
        assert at == pytest.approx(miss.sign * miss.value, rel=1e-9, abs=1e-12 * scale)
