"""Scale: p*(sX, y, β) = p*(X, y, β/s) by the ReLU's positive homogeneity (docs/theory.md §1,
cvxcore.convex.solve), checked over drawable data and scales 10⁻⁶ … 10⁶.

Independent routes: the same data solved at unit scale with β/s (its value must be the value at
scale s), the network objective (2) of the returned (U, α) recomputed on the data as given, and
the certificate's dual point priced again on a fresh arrangement of the data as given."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cvxcore import dual_norm, get_loss, nonconvex_objective, solve_convex, with_bias
from cvxcore.convex.solve import CERT_RTOL, data_scale
from tests.drawn import GRID, HEXAGON, KINDS, drawable


def check_certified(r, X, y, beta, loss):
    assert r.status == "optimal", r.status
    assert r.rel_gap <= CERT_RTOL
    # the network's objective (2) on the data as given is the reported value
    value = nonconvex_objective(X, y, r.U, r.alpha, beta, loss=loss)
    assert abs(value - r.value) <= 1e-9 * max(abs(r.value), 1e-300)
    # the dual point is feasible for this X and β by a fresh pricing, and gives the lower bound
    assert dual_norm(X, r.dual) <= beta * (1 + 1e-8)
    lower = get_loss(loss).dual_value(r.dual, y)
    assert abs(lower - r.lower_bound) <= 1e-9 * max(abs(r.value), 1e-300)


kinds = st.sampled_from(KINDS)
losses = st.sampled_from(["squared", "hinge"])
exponents = st.floats(-6, 6)
seeds = st.integers(0, 10_000)
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(kind=kinds, loss=losses, e=exponents, seed=seeds, bias=st.booleans())
def test_whole_matrix_scale_gives_the_unit_scale_optimum(kind, loss, e, seed, bias):
    """X scaled as a whole matrix (a bias column included): certified, with the value of the
    unit-scale problem at β/s, and the network on the scaled data."""
    Z, y = drawable(kind, seed)
    X1 = with_bias(Z) if bias else Z
    s, beta = 10.0 ** e, 0.05
    r1 = solve_convex(X1, y, beta, loss=loss)
    rs = solve_convex(s * X1, y, beta * s, loss=loss)
    check_certified(r1, X1, y, beta, loss)
    check_certified(rs, s * X1, y, beta * s, loss)
    assert abs(rs.value - r1.value) <= 2 * CERT_RTOL * r1.value
    if loss == "squared":
        # the optimal fit ŷ is unique for the squared loss (strictly convex in ŷ): the same
        # function up to the balanced rescaling u → u/√s, α → α/√s; a hinge optimum need not be unique
        np.testing.assert_allclose(rs.predict(s * X1), r1.predict(X1), atol=1e-4 * np.abs(y).max())


def test_hinge_on_a_grid_with_bias_certifies_at_every_scale():
    """Hinge loss on the 3×3 grid with a bias column at a scale just below 1: its restricted dual
    is degenerate (a linear program's whole optimal face), and dropping the blocks that cut off
    its centre made the working set cycle at the optimal value until the round budget."""
    Z, y = drawable("grid", 3)
    c = 1000 / 1024
    r = solve_convex(c * with_bias(Z), y, 0.05 * c, loss="hinge")
    check_certified(r, c * with_bias(Z), y, 0.05 * c, "hinge")


@SLOW
@given(kind=kinds, loss=losses, e=st.floats(0, 6), seed=seeds)
def test_coordinates_up_to_a_million_beside_a_bias_certify(kind, loss, e, seed):
    """Coordinates × s next to a bias column of ones (only the data columns scale, a different
    problem for each s): certified for s from 1 to 10⁶."""
    Z, y = drawable(kind, seed)
    s = 10.0 ** e
    X = with_bias(s * Z)
    beta = 0.05 * s
    check_certified(solve_convex(X, y, beta, loss=loss), X, y, beta, loss)


@SLOW
@given(kind=kinds, e=st.floats(-4, 0), seed=seeds)
def test_small_coordinates_beside_a_bias_certify_with_squared_loss(kind, e, seed):
    """Down to 10⁻⁴.  Below, the bias weight's penalty is s² of the others' and dual
    feasibility asks the residual's sums over half-planes of the data to be ≤ β ∝ s: the
    restricted solve's ~1e-12 accuracy on the residual no longer certifies 1e-6 (next test)."""
    Z, y = drawable(kind, seed)
    s = 10.0 ** e
    X = with_bias(s * Z)
    beta = 0.05 * s
    check_certified(solve_convex(X, y, beta, loss="squared"), X, y, beta, "squared")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(kind=kinds, e=st.floats(-4, 0), seed=seeds)
def test_small_coordinates_beside_a_bias_certify_with_hinge_loss(kind, e, seed):
    """Hinge loss down to 10⁻⁴: the working set stalls near a relative gap 10⁻⁵ below about
    10⁻³ (its interior-point solves stop near 10⁻⁸), and the exact fits over neuron directions
    (cvxcore.convex.polish) certify it (measured: 420 of 420 solves over 20 seeds)."""
    Z, y = drawable(kind, seed)
    s = 10.0 ** e
    X = with_bias(s * Z)
    beta = 0.05 * s
    check_certified(solve_convex(X, y, beta, loss="hinge"), X, y, beta, "hinge")


def test_data_scale_is_a_power_of_two_near_the_largest_column():
    X = with_bias(1e5 * GRID)
    s = data_scale(X)
    assert s == 2.0 ** np.round(np.log2(np.sqrt(np.mean(X[:, 0] ** 2))))
    assert data_scale(np.zeros((3, 2))) == 1.0


def test_small_coordinates_beside_a_bias_with_hinge_loss():
    """Coordinates of 10⁻⁴ beside a bias column: the working set stalls at a relative gap ~3e-5
    (its interior-point solves stop near 10⁻⁸); the optimum polished on its active set and by
    exact fits over neuron directions (cvxcore.convex.polish) certifies."""
    X = with_bias(1e-4 * HEXAGON)
    y = np.array([1, -1, 1, -1, 1, -1, 1.0])
    r = solve_convex(X, y, 1e-6, loss="hinge")
    check_certified(r, X, y, 1e-6, "hinge")


@pytest.mark.xfail(strict=True, reason="squared loss with coordinates of 1e-6 beside a bias column: dual "
                   "feasibility needs the residual to ~1e-13; the working set stalls at a relative gap ~1e-4 "
                   "and the fits over directions stop at ~3e-5, their new columns 1e-6 apart (not certified)")
def test_coordinates_of_a_millionth_beside_a_bias_with_squared_loss():
    Z, y = drawable("grid", 1)
    X = with_bias(1e-6 * Z)
    r = solve_convex(X, y, 5e-8, loss="squared")
    assert r.status == "optimal"
