"""The regularization path and the dual made visible, each checked against an independent route.

* ``solve_path`` against independent ``solve_convex`` calls at the same βs (values, m*, certified).
* ``beta_max``: the zero network is certified optimal just above it and is not optimal just below
  it; and it equals the maximum of |yᵀ(Xu)₊| over a dense grid of unit directions within the grid's
  resolution bound.
* The dual point: at every optimal neuron |vᵀ(Xûⱼ)₊| = β (to 1e-6 relative), with the sign of αⱼ;
  the drawn maximum over the grid never exceeds β and lies within L·h of it
  (L = Σᵢ|vᵢ|‖xᵢ‖ the Lipschitz constant of u ↦ vᵀ(Xu)₊, h the grid's resolution), and h itself
  bounds the distance of random unit vectors to the grid.
* The batched objective (2) (``cvxcore.objective``) against ``nonconvex_objective`` network by network.
"""
import numpy as np
import pytest

from cvxcore import (
    beta_max,
    dual_constraint_values,
    dual_norm,
    nonconvex_objective,
    objective,
    solve_convex,
    solve_path,
    with_bias,
)
from cvxcore.datasets import make
from lab import path_dual as PD


def _paper():
    P, y = make("paper")
    return with_bias(P), y


def _two_d(name, n=None):
    P, y = make(name, n=n)
    return with_bias(P), y


CASES = [("paper", "squared"), ("moons", "hinge"), ("xor", "squared")]


def _data(name):
    return _paper() if name == "paper" else _two_d(name, 24)


# ----------------------------------------------------------------------------- the path
@pytest.mark.parametrize("name,loss", CASES)
def test_path_equals_independent_solves(name, loss):
    X, y = _data(name)
    bmax = beta_max(X, y, loss=loss)
    betas = PD.path_betas(bmax)[::3]                      # every third point: 8 βs over 3.3 decades
    path = solve_path(X, y, betas, loss=loss)
    for b, r in zip(betas, path):
        ref = solve_convex(X, y, b, loss=loss)
        assert r.status == "optimal" and ref.status == "optimal"
        assert r.beta == b
        assert r.value == pytest.approx(ref.value, rel=2e-6, abs=1e-10)
        # both certified within 1e-6: each value lies within the other's gap of the optimum
        assert r.lower_bound <= ref.value + 1e-9 and ref.lower_bound <= r.value + 1e-9


def test_path_order_does_not_matter():
    X, y = _paper()
    betas = np.array([0.01, 1.0, 0.1, 0.3])
    path = solve_path(X, y, betas)
    assert [r.beta for r in path] == list(betas)          # results in the order given
    for r in path:
        assert r.value == pytest.approx(solve_convex(X, y, r.beta).value, rel=1e-7)


def test_path_betas_span_beta_max_downwards():
    b = PD.path_betas(2.0)
    assert np.all(np.diff(b) < 0)
    assert np.any(np.isclose(b, 2.0, rtol=1e-12))
    assert b[0] > 2.0 and b[-1] == pytest.approx(2.0 * 10 ** -PD.PATH_DECADES)
    assert len(b) == PD.PATH_ABOVE + PD.PATH_BELOW + 1


@pytest.mark.parametrize("name,loss", CASES + [("circles", "logistic")])
def test_beta_max_zero_network_optimal_above_not_below(name, loss):
    X, y = _data(name)
    bmax = beta_max(X, y, loss=loss)
    above = solve_convex(X, y, bmax * 1.001, loss=loss)
    below = solve_convex(X, y, bmax * 0.999, loss=loss)
    zero = nonconvex_objective(X, y, np.zeros((0, X.shape[1])), np.zeros(0), bmax, loss=loss)
    assert above.status == "optimal" and above.m_star == 0 and above.value == pytest.approx(zero)
    assert below.status == "optimal" and below.m_star >= 1
    assert below.value < zero - 1e-12 * max(1.0, zero)    # a neuron strictly improves on zero


def test_beta_max_equals_the_dense_grid_maximum_within_resolution():
    X, y = _paper()
    bmax = beta_max(X, y)
    th, U = PD.circle_directions(20000)
    g = np.abs(np.maximum(U @ X.T, 0.0) @ y)              # |yᵀ(Xu)₊| written out here, not the core's
    L = float(np.sum(np.abs(y) * np.linalg.norm(X, axis=1)))
    h = np.pi / 20000
    assert g.max() <= bmax * (1 + 1e-12)
    assert g.max() >= bmax - L * h


def test_lab_path_summary_counts_the_neurons():
    X, y = _paper()
    p, err = PD.path(X, y, "squared")
    assert err is None and p.certified
    per_beta = np.sum(np.where(p.active == 2, 2, np.abs(p.active)), axis=1)
    assert np.array_equal(per_beta, p.m_stars)            # every neuron is one active block
    assert np.all(p.m_stars[p.betas > p.beta_max * (1 + 1e-9)] == 0)
    assert p.m_stars[-1] >= 1
    assert np.all(np.diff(p.values) <= 1e-9)              # p*(β) falls as β falls


# ----------------------------------------------------------------------------- the dual made visible
DUAL_CASES = [("paper", "squared", 1.0), ("paper", "squared", 0.1), ("paper", "squared", 0.01),
              ("sine", "squared", 0.1), ("sine", "squared", 0.01), ("moons", "hinge", 1.0),
              ("moons", "hinge", 0.1), ("moons", "hinge", 0.01), ("xor", "squared", 1.0),
              ("circles", "hinge", 1.0), ("circles", "logistic", 0.1), ("spiral", "logistic", 0.01),
              ("random", "squared", 0.1)]


def _dual_data(name):
    if name == "paper":
        return _paper()
    P, y = make(name)
    return with_bias(P), y


@pytest.mark.parametrize("name,loss,beta", DUAL_CASES)
def test_dual_constraint_is_tight_at_every_returned_neuron(name, loss, beta):
    X, y = _dual_data(name)
    r = solve_convex(X, y, beta, loss=loss)
    assert r.status == "optimal" and r.m_star >= 1
    U = r.U / np.linalg.norm(r.U, axis=1, keepdims=True)
    g = dual_constraint_values(X, r.dual, U)
    g_direct = np.maximum(U @ X.T, 0.0) @ r.dual          # vᵀ(Xû)₊ written out
    np.testing.assert_allclose(g, g_direct, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g, beta * np.sign(r.alpha), rtol=1e-6)


def test_grid_resolution_bounds_the_distance_to_the_grid():
    rng = np.random.default_rng(0)
    for d, U in ((2, PD.circle_directions()[1]), (3, PD.sphere_directions()[2])):
        Z = rng.standard_normal((4000, d))
        Z /= np.linalg.norm(Z, axis=1, keepdims=True)
        nearest = np.sqrt(np.maximum(2 - 2 * (Z @ U.T).max(axis=1), 0.0))     # ‖z − u‖ for unit z, u
        h = PD.grid_resolution(d)
        assert nearest.max() <= h
        assert nearest.max() >= 0.25 * h                  # the bound is not loose by orders of magnitude


@pytest.mark.parametrize("name,loss,beta", DUAL_CASES)
def test_drawn_maximum_never_exceeds_beta_and_reaches_it_within_resolution(name, loss, beta):
    X, y = _dual_data(name)
    r = solve_convex(X, y, beta, loss=loss)
    coords, g = PD.dual_on_grid(X, r.dual)
    drawn = float(np.max(np.abs(g)))
    L = float(np.sum(np.abs(r.dual) * np.linalg.norm(X, axis=1)))
    h = PD.grid_resolution(X.shape[1])
    exact = dual_norm(X, r.dual)
    assert exact <= beta * (1 + 1e-9)                     # v is dual feasible
    assert exact >= beta * (1 - 1e-6)                     # and tight: an optimal neuron exists
    assert drawn <= exact * (1 + 1e-12)
    assert drawn >= exact - L * h


def test_dual_figure_for_each_dimension():
    for X, y in (_paper(), (_paper()[0][:, :1], _paper()[1]), _two_d("xor", 20)):
        r = solve_convex(X, y, 0.1)
        fig = PD.dual_figure(X, r, 0.1)
        assert fig is not None and len(fig.data) >= 1
        hidden = PD.dual_figure(X, r, 0.1, show_neurons=False)
        assert not any("optimal neuron" in (t.name or "") for t in hidden.data)


def test_sgd_marks_place_stuck_runs_inside_the_band():
    X, y = _paper()
    r = solve_convex(X, y, 0.1)
    runs, err = PD.sgd_neurons(X, y, 0.1, "squared", 8, trials=6, steps=6000)
    assert err is None and runs
    marks = PD.sgd_marks(X, r.dual, runs, r.value)
    for mk in marks:
        assert np.all(np.abs(mk["g"]) <= 0.1 * (1 + 1e-9))  # every direction obeys the dual constraint
    stuck = [mk for mk in marks if mk["rel"] > 0.05]
    assert stuck                                           # m = 8 on the paper's data: several starts stick
    for mk in stuck:                                       # a stuck run has a neuron off the touching set
        assert np.min(np.abs(mk["g"])) < 0.1 * (1 - 1e-3)


# ----------------------------------------------------------------------------- batched objective (2)
def test_batched_objective_equals_the_single_network_objective():
    """The lesson's landscape evaluates objective (2) on a grid of networks at once."""
    X, y = _paper()
    rng = np.random.default_rng(1)
    U = rng.standard_normal((3, 4, 5, 2))
    a = rng.standard_normal((3, 4, 5))
    out = objective(X, y, U, a, 0.3, "squared")
    assert out.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert out[i, j] == pytest.approx(nonconvex_objective(X, y, U[i, j], a[i, j], 0.3), rel=1e-13)
