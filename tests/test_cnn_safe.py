"""The CNN pages' computations at every β the sliders allow: descents that stay finite, counts
that do not count round-off, and the zero network at β ≥ β_max.

Independent routes written here, not in cvxcore:

* (12) as the semidefinite program min ½‖Σ X_k z_k − y‖² + (β/2)(tr W₁ + tr W₂),
  [[W₁, Z], [Zᵀ, W₂]] ⪰ 0, solved by SCS: its rank (singular values above 1e-5 ‖y‖/‖𝒜‖) is the
  filter count; and the dual (11): the singular values of 𝒜*(r*) equal to β (to 1e-4) are as
  many as the filters;
* (14) with real variables (a, b) = (Re z, Im z) and the penalty Σ_l ‖(a_l, b_l)‖, by SCS: its
  support (|z_l| above 1e-5 ‖y‖/‖XF‖) is the frequency count; and |((XF)ᴴr*)_l| = β on it;
* β_max from the programs themselves, written in cvxpy without the core's shortcut: just above
  it the optimum is zero, just below it is not;
* monotone objectives, weights that stay finite, and GD never below the convex value (hypothesis
  over small problems, β from 1e-3 to 100 β_max, data scales 1e-3 to 1e3).
"""
import cvxpy as cp
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cvxcore import cnn
from cvxcore.params import check_scalar


@pytest.fixture(scope="module")
def default_data():
    """The Convolutions page's default signals and patches (h = 4, stride 2)."""
    S, y = cnn.two_shape_signals(40, 16, noise=0.3, seed=0)
    return S, y, cnn.patches(S, 4, 2)


def sdp_rank(Xk, y, beta):
    """Rank of the solution of (12) written as an SDP, by SCS (independent of solve_nuclear)."""
    K, n, h = Xk.shape
    Z = cp.Variable((h, K))
    W1, W2 = cp.Variable((h, h), symmetric=True), cp.Variable((K, K), symmetric=True)
    fit = sum(Xk[k] @ Z[:, k] for k in range(K))
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(fit - y) + beta / 2 * (cp.trace(W1) + cp.trace(W2))),
                      [cp.bmat([[W1, Z], [Z.T, W2]]) >> 0])
    prob.solve(solver=cp.SCS, eps_abs=1e-9, eps_rel=1e-9, max_iters=200_000)
    scale = np.linalg.norm(y) / np.linalg.norm(np.concatenate(list(Xk), axis=1), 2)
    return int(np.sum(np.linalg.svd(Z.value, compute_uv=False) > 1e-5 * scale)), prob.value


def real_fourier_support(S, y, beta):
    """Support size of (14) with real variables (Re z, Im z), by SCS (independent of solve_fourier_l1)."""
    d = S.shape[1]
    F = cnn.dft_matrix(d)
    XR, XI = S @ F.real, S @ F.imag
    a, b = cp.Variable(d), cp.Variable(d)
    obj = (0.5 * cp.sum_squares(XR @ a - XI @ b - y) + 0.5 * cp.sum_squares(XI @ a + XR @ b)
           + beta * cp.sum(cp.norm(cp.vstack([a, b]), 2, axis=0)))
    prob = cp.Problem(cp.Minimize(obj))
    prob.solve(solver=cp.SCS, eps_abs=1e-10, eps_rel=1e-10, max_iters=200_000)
    scale = np.linalg.norm(y) / np.linalg.norm(S @ F, 2)
    return int(np.sum(np.abs(a.value + 1j * b.value) > 1e-5 * scale)), prob.value


# ------------------------------------------------------------------------------ the page's failures

@pytest.mark.parametrize("beta", [20.0, 21.0, 22.0, 30.0])
def test_linear_descent_stays_finite_at_and_beyond_beta_max(default_data, beta):
    """β_max = 21.8 on the default data: the old fixed step overflowed to NaN at all four."""
    S, y, Xk = default_data
    nuc = cnn.solve_nuclear(Xk, y, beta)
    g = cnn.train_linear_cnn(Xk, y, beta, m=4, steps=2000, trials=5, seed=0, Z_star=nuc.Z)
    assert g.status == "done" and g.message is None and not g.diverged.any()
    assert np.all(np.isfinite(g.objectives)) and np.all(np.isfinite(g.distances))
    assert np.all(np.isfinite(g.U)) and np.all(np.isfinite(g.A))
    assert np.all(np.diff(g.objectives, axis=1) <= 1e-12 * g.objectives[:, 1:])     # never increases
    assert np.all(g.objectives >= nuc.value * (1 - 1e-9))                           # never below (12)
    np.testing.assert_allclose(g.final, nuc.value, rtol=1e-6)
    assert cnn.principal_filters(g.U[0], max(nuc.rank, 1)).shape == (max(nuc.rank, 1), 4)


@pytest.mark.parametrize("beta", [22.0, 30.0])
def test_beyond_beta_max_zero_filters_and_the_zero_network(default_data, beta):
    S, y, Xk = default_data
    nuc = cnn.solve_nuclear(Xk, y, beta)
    assert nuc.beta_max == pytest.approx(21.8004, abs=1e-4) and beta > nuc.beta_max
    assert nuc.zero_network and nuc.rank == 0 and nuc.U.shape == (0, 4) and nuc.A.shape == (0, 7)
    assert np.all(nuc.Z == 0) and nuc.value == pytest.approx(0.5 * y @ y, rel=1e-15)
    assert sdp_rank(Xk, y, beta)[0] == 0                          # an SDP solver agrees: Z* = 0


def test_lab_linear_cnn_call_at_every_beta_of_the_issue():
    """The page's own call (lab.experiments.linear_cnn) raised LinAlgError in principal_filters."""
    from lab import experiments as E
    for beta in (20.0, 21.0, 22.0, 30.0):
        r, err = E.linear_cnn(40, 16, 0.3, 0, beta, 4, 2, 4, 200)
        assert err is None
        assert np.all(np.isfinite(r.gd.objectives)) and np.all(np.isfinite(r.filters_gd))
        assert r.nuclear.rank == (1 if beta < 21.8 else 0)


def test_circular_zero_network_beyond_its_beta_max(default_data):
    S, y, _ = default_data
    bmax = cnn.fourier_beta_max(S, y)
    for beta in (1.01 * bmax, 100.0):
        fr = cnn.solve_fourier_l1(S, y, beta)
        assert fr.zero_network and fr.used == 0 and np.all(fr.z == 0) and np.all(fr.u == 0)
        assert fr.value == pytest.approx(0.5 * y @ y, rel=1e-15)
        g = cnn.train_circular_cnn(S, y, beta, m=2, steps=500, trials=3, e_star=fr.e)
        assert g.status == "done" and np.all(np.isfinite(g.objectives)) and np.all(np.isfinite(g.distances))
        np.testing.assert_allclose(g.final, fr.value, rtol=1e-6)
    assert real_fourier_support(S, y, 1.01 * bmax)[0] == 0


# ------------------------------------------------------------------------------ β_max is the threshold

def test_beta_max_is_where_the_programs_reach_zero(default_data):
    """(12) and (14) written in cvxpy here, without the core's β ≥ β_max shortcut."""
    S, y, Xk = default_data
    bl = cnn.nuclear_beta_max(Xk, y)
    assert sdp_rank(Xk, y, 1.01 * bl)[0] == 0 and sdp_rank(Xk, y, 0.99 * bl)[0] == 1
    bc = cnn.fourier_beta_max(S, y)
    assert real_fourier_support(S, y, 1.01 * bc)[0] == 0 and real_fourier_support(S, y, 0.99 * bc)[0] >= 1


# ------------------------------------------------------------------------------ counts against independent routes

@pytest.mark.parametrize("beta", [0.1, 1.0, 5.0, 10.0, 20.0])
def test_filter_count_is_the_rank_of_an_sdp_solution_and_of_the_dual(default_data, beta):
    S, y, Xk = default_data
    nuc = cnn.solve_nuclear(Xk, y, beta)
    rank, value = sdp_rank(Xk, y, beta)
    assert nuc.rank == rank and nuc.U.shape == (rank, 4) and not nuc.zero_network
    assert nuc.value == pytest.approx(value, rel=1e-6)
    assert np.linalg.matrix_rank(nuc.Z) == rank
    # dual (11): the singular values of 𝒜*(r*) equal β on the filters' subspace, ≤ β elsewhere
    r = np.einsum("knh,hk->n", Xk, nuc.Z) - y
    g = np.linalg.svd(np.einsum("knh,n->hk", Xk, r), compute_uv=False) / beta
    assert np.all(g <= 1 + 1e-4) and int(np.sum(g >= 1 - 1e-4)) == rank


@pytest.mark.parametrize("beta", [1.0, 10.0, 30.0, 51.0])
def test_frequency_count_is_the_support_of_a_real_program_and_of_the_dual(default_data, beta):
    S, y, _ = default_data
    fr = cnn.solve_fourier_l1(S, y, beta)
    used, value = real_fourier_support(S, y, beta)
    assert fr.used == used == np.count_nonzero(fr.z) and not fr.zero_network
    assert fr.value == pytest.approx(value, rel=1e-6)
    g = np.abs((S @ cnn.dft_matrix(S.shape[1])).conj().T @ (S @ (cnn.dft_matrix(S.shape[1]) @ fr.z) - y)) / beta
    assert np.all(g <= 1 + 1e-4) and int(np.sum(g >= 1 - 1e-4)) == used


# ------------------------------------------------------------------------------ a user's learning rate

@pytest.mark.parametrize("beta", [1.0, 22.0])
def test_learning_rate_10_is_reported_as_diverged(default_data, beta):
    S, y, Xk = default_data
    g = cnn.train_linear_cnn(Xk, y, beta, m=4, lr=10.0, steps=200, trials=5, seed=0)
    assert g.status == "diverged" and g.diverged.all() and np.all(g.diverged_at == 1)
    assert g.step_rule == "fixed" and g.lr == 10.0
    assert "lr=10" in g.message and "diverged" in g.message and "Try lr <=" in g.message
    assert np.all(np.isfinite(g.objectives)) and np.all(np.isfinite(g.U)) and np.all(np.isfinite(g.A))
    assert np.all(np.isnan(g.history()[:, 1:])) and np.all(np.isfinite(g.history()[:, 0]))
    cnn.principal_filters(g.U[0])                                  # the filters of a finite start
    c = cnn.train_circular_cnn(S, y, beta, lr=10.0, steps=50, trials=2)
    assert c.status == "diverged" and "(13)" in c.message and np.all(np.isfinite(c.U))


def test_a_fixed_step_below_the_curvature_bound_does_not_diverge(default_data):
    S, y, Xk = default_data
    auto = cnn.train_linear_cnn(Xk, y, 1.0, steps=1, trials=3)
    lr = 0.9 / auto.curvature.max()
    g = cnn.train_linear_cnn(Xk, y, 1.0, lr=lr, steps=300, trials=3)
    assert g.status == "done" and g.message is None and g.step_rule == "fixed"
    assert np.all(g.final < g.objectives[:, 0])


def test_only_the_trials_that_blow_up_are_stopped(default_data):
    """Larger starts and a step between the trials' stability limits: some blow up in their first
    steps, the others carry on to the end."""
    S, y, Xk = default_data
    nuc = cnn.solve_nuclear(Xk, y, 1.0)
    g = cnn.train_linear_cnn(Xk, y, 1.0, lr=0.02, steps=3000, trials=8, seed=3, init_scale=1.2, Z_star=nuc.Z)
    assert g.diverged.any() and not g.diverged.all(), g.diverged_at
    ok = ~g.diverged
    assert np.all(np.isfinite(g.objectives)) and np.all(g.objectives[ok] >= nuc.value * (1 - 1e-9))
    assert np.all(g.final[ok] < 1.001 * nuc.value)                 # the others still converge
    assert "trial" in g.message and str(int(np.flatnonzero(g.diverged)[0]) + 1) in g.message


def test_principal_filters_refuse_non_finite_input():
    with pytest.raises(ValueError, match="NaN/inf"):
        cnn.principal_filters(np.array([[1.0, np.nan], [0.0, 1.0]]))


# ------------------------------------------------------------------------------ shape checks

@pytest.mark.parametrize("call, words", [
    (lambda Xk, S, y: cnn.linear_cnn_objective(Xk, y, np.ones((2, 3)), np.ones((2, 7)), 1.0),
     ["U has shape (2, 3)", "(m, 4)", "h = 4 taps"]),
    (lambda Xk, S, y: cnn.linear_cnn_objective(Xk, y, np.ones((2, 4)), np.ones((3, 7)), 1.0),
     ["A has shape (3, 7)", "(2, 7)", "K = 7"]),
    (lambda Xk, S, y: cnn.linear_cnn_objective(Xk, y[:5], np.ones((2, 4)), np.ones((2, 7)), 1.0),
     ["y has 5 entries", "40 signals"]),
    (lambda Xk, S, y: cnn.linear_cnn_objective(Xk, y, np.ones((2, 4)), np.ones((2, 7)), 0.0),
     ["beta=0.0", "> 0"]),
    (lambda Xk, S, y: cnn.nuclear_objective(Xk, y, np.ones((7, 4)), 1.0), ["Z has shape (7, 4)", "(4, 7)"]),
    (lambda Xk, S, y: cnn.circular_objective(S, y, np.ones((2, 17)), np.ones((2, 16)), 1.0),
     ["U has shape (2, 17)", "1 <= h <= d = 16"]),
    (lambda Xk, S, y: cnn.circular_objective(S, y, np.ones((2, 5)), np.ones((2, 15)), 1.0),
     ["A has shape (2, 15)", "(2, 16)", "d = 16"]),
    (lambda Xk, S, y: cnn.circular_objective(S, y, np.ones(5), np.ones((1, 16)), 1.0), ["U has shape (5,)"]),
    (lambda Xk, S, y: cnn.train_linear_cnn(Xk, y, 1.0, steps=1, Z_star=np.ones((4, 6))),
     ["Z_star has shape (4, 6)", "(4, 7)"]),
    (lambda Xk, S, y: cnn.train_circular_cnn(S, y, 1.0, steps=1, e_star=np.ones(15)), ["e_star has shape"]),
    (lambda Xk, S, y: cnn.train_linear_cnn(Xk, y, 1.0, steps=1, lr=0.0), ["lr=0.0", "> 0"]),
])
def test_objectives_check_shapes(default_data, call, words):
    S, y, Xk = default_data
    with pytest.raises(ValueError) as e:
        call(Xk, S, y)
    for w in words:
        assert w in str(e.value), (w, str(e.value))


def test_beta_message_says_open_interval():
    with pytest.raises(ValueError, match=r"beta='1' is not a number; pass a real number in \(0, inf\)\."):
        check_scalar("beta", "1")
    with pytest.raises(ValueError, match=r"beta=nan is not finite; pass a finite number in \(0, inf\)\."):
        check_scalar("beta", float("nan"))
    with pytest.raises(ValueError, match=r"in \[1, 1000\]"):
        check_scalar("m", "x")


# ------------------------------------------------------------------------------ property: any β, any scale

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), log_scale=st.sampled_from([-3.0, 0.0, 3.0]),
       beta_rel=st.sampled_from([1e-3, 0.1, 0.5, 0.99, 1.0, 1.01, 3.0, 100.0]),
       h=st.integers(1, 6), stride=st.sampled_from([1, 2]))
@example(seed=0, log_scale=-3.0, beta_rel=0.001, h=1, stride=2)
def test_descents_never_blow_up_and_never_go_below_the_convex_value(seed, log_scale, beta_rel, h, stride):
    rng = np.random.default_rng(seed)
    L = 6 + stride * rng.integers(0, 3)
    h = min(h, L)
    if (L - h) % stride:                 # L is 6 + a multiple of the stride: one tap more tiles it
        h += 1
    S = 10.0 ** log_scale * rng.standard_normal((8, L))
    y = np.where(rng.random(8) < 0.5, -1.0, 1.0)
    Xk = cnn.patches(S, h, stride)
    beta = beta_rel * cnn.nuclear_beta_max(Xk, y)
    nuc = cnn.solve_nuclear(Xk, y, beta)
    assert nuc.zero_network == (beta_rel >= 1.0) and (nuc.rank == 0) == nuc.zero_network
    _assert_sound(cnn.train_linear_cnn(Xk, y, beta, m=3, steps=300, trials=2, seed=seed, Z_star=nuc.Z), nuc.value)
    bc = beta_rel * cnn.fourier_beta_max(S, y)
    fr = cnn.solve_fourier_l1(S, y, bc)
    assert fr.zero_network == (beta_rel >= 1.0) and (fr.used == 0) == fr.zero_network
    _assert_sound(cnn.train_circular_cnn(S, y, bc, m=2, steps=200, trials=2, seed=seed, e_star=fr.e), fr.value)


def _assert_sound(g, value):
    """Finite, never increasing, never below the convex value."""
    assert g.status == "done" and np.all(np.isfinite(g.objectives)) and np.all(np.isfinite(g.distances))
    assert np.all(np.diff(g.objectives, axis=1) <= 1e-12 * np.abs(g.objectives[:, 1:]))
    assert np.all(g.objectives >= value - 1e-7 * max(value, 1.0))
