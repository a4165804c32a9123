"""Convolutional networks (section 4): non-convex training against the convex programs.

Independent routes:
* (9) trained by gradient descent vs the nuclear-norm program (12) in cvxpy:
  values agree, the end-to-end map Z = UᵀA and the filter Gram matrix agree
  (rotation-invariant), GD never goes below (12);
* the closed form of (9)'s penalty: for any factorisation, (β/2)Σ(‖u‖²+‖α‖²) ≥ β‖UᵀA‖_*;
* circular CNN (13) by GD vs (14) in Fourier space; the network built from z*
  has objective (13) equal to (14)'s value; (13) is evaluated with explicit
  circulant matrices (not FFTs); h < d makes (14) a lower bound;
* separable ReLU CNN: the convex solution on stacked patches, evaluated as a
  CNN patch by patch, and SGD on the shared filters stays above it;
* bad input: ValueError naming the parameter, the value and the fix.
"""
import numpy as np
import pytest

from cvxcore import cnn


@pytest.fixture(scope="module")
def signals():
    return cnn.two_shape_signals(40, 16, seed=0)


@pytest.mark.parametrize("beta", [1.0, 5.0])
def test_linear_cnn_gd_converges_to_nuclear_norm_program(signals, beta):
    S, y = signals
    Xk = cnn.patches(S, 4, 2)
    nr = cnn.solve_nuclear(Xk, y, beta)
    assert nr.status == "optimal"
    # the filters of (12), plugged into (9), give (12)'s value
    assert cnn.linear_cnn_objective(Xk, y, nr.U, nr.A, beta) == pytest.approx(nr.value, rel=1e-9)
    g = cnn.train_linear_cnn(Xk, y, beta, m=4, steps=20000, trials=3, seed=1, Z_star=nr.Z)
    assert np.all(g.objectives >= nr.value - 1e-6 * nr.value)       # never below the convex value
    np.testing.assert_allclose(g.objectives[:, -1], nr.value, rtol=1e-6)
    assert np.all(g.distances[:, -1] < 1e-2)
    for t in range(3):   # filter Gram matrix Σ u_j u_jᵀ = (Z* Z*ᵀ)^{1/2}: invariant to rotations
        gram = g.U[t].T @ g.U[t]
        np.testing.assert_allclose(gram, cnn.gram_sqrt(nr.Z), atol=2e-3 * np.abs(gram).max())


def test_nuclear_penalty_is_the_least_factorisation_cost():
    rng = np.random.default_rng(0)
    for _ in range(20):
        U, A = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
        nuc = np.linalg.svd(U.T @ A, compute_uv=False).sum()
        assert 0.5 * (np.sum(U ** 2) + np.sum(A ** 2)) >= nuc - 1e-12
    Z = rng.standard_normal((3, 4))
    P, s, Qt = np.linalg.svd(Z, full_matrices=False)
    U, A = (P * np.sqrt(s)).T, (Qt.T * np.sqrt(s)).T
    assert 0.5 * (np.sum(U ** 2) + np.sum(A ** 2)) == pytest.approx(s.sum())


def test_circular_gd_converges_to_fourier_l1(signals):
    S, y = signals
    beta = 1.0
    fr = cnn.solve_fourier_l1(S, y, beta)
    assert fr.status == "optimal"
    d = S.shape[1]
    # (13) by explicit circulant matrices at the network built from z*: equals (14)
    fit = S @ cnn.circulant(fr.u, d) @ fr.alpha
    direct = 0.5 * np.sum((fit - y) ** 2) + 0.5 * beta * (fr.u @ fr.u + fr.alpha @ fr.alpha)
    assert direct == pytest.approx(fr.value, rel=1e-8)
    assert cnn.circular_objective(S, y, fr.u[None], fr.alpha[None], beta) == pytest.approx(direct, rel=1e-10)
    g = cnn.train_circular_cnn(S, y, beta, m=2, steps=4000, trials=3, e_star=fr.e)
    assert np.all(g.objectives >= fr.value * (1 - 1e-7))
    np.testing.assert_allclose(g.objectives[:, -1], fr.value, rtol=1e-6)
    assert np.all(g.distances[:, -1] < 1e-3)
    # filter power spectrum Σ_j |fft u_j|² = d |z*| (invariant to the per-frequency phase symmetry)
    power = np.sum(np.abs(np.fft.fft(g.U[0], axis=1)) ** 2, axis=0)
    np.testing.assert_allclose(np.sort(power), np.sort(d * np.abs(fr.z)), atol=1e-3 * power.max())


def test_short_filters_make_fourier_program_a_lower_bound(signals):
    S, y = signals
    fr = cnn.solve_fourier_l1(S, y, 1.0)
    g = cnn.train_circular_cnn(S, y, 1.0, m=2, h=5, steps=3000, trials=2)
    assert np.all(g.objectives[:, -1] > fr.value + 1e-3)
    assert g.U.shape == (2, 2, 5)


def test_network_from_fourier_round_trip():
    rng = np.random.default_rng(3)
    for d in (7, 8):
        u, a = rng.standard_normal(d), rng.standard_normal(d)
        z = np.fft.fft(u) * np.fft.fft(a) / d            # the z of one real filter
        u2, a2 = cnn.network_from_fourier(z)
        np.testing.assert_allclose(cnn.circulant(u2, d) @ a2, cnn.circulant(u, d) @ a, atol=1e-10)
        assert u2 @ u2 == pytest.approx(np.abs(z).sum()) and a2 @ a2 == pytest.approx(np.abs(z).sum())


def test_separable_relu_cnn_is_the_stacked_program():
    from cvxcore.training import train_sgd
    S, Y = cnn.edge_signals(4, 8, seed=0)
    beta = 0.1
    r = cnn.solve_separable(S, Y, 2, beta, method="cvxpy")
    assert r.status == "optimal"
    F = cnn.separable_predict(S, 2, 1, r.U, r.alpha)          # patch by patch, as a CNN
    direct = 0.5 * np.sum((F - Y) ** 2) + 0.5 * beta * (np.sum(r.U ** 2) + np.sum(r.alpha ** 2))
    assert direct == pytest.approx(r.value, rel=1e-9)
    X, y = cnn.separable_stack(S, Y, 2)
    g = train_sgd(X, y, m=10, beta=beta, lr=0.01, steps=5000, trials=3, seed=0)
    assert np.all(g.objectives >= r.value - 1e-9)


@pytest.mark.parametrize("call, words", [
    (lambda: cnn.patches(np.zeros((3, 8)), 9), ["h=9", "L=8", "h <= 8"]),
    (lambda: cnn.patches(np.zeros((3, 8)), 4, 3), ["stride=3", "(L − h) = 4", "stride in"]),
    (lambda: cnn.patches(np.zeros((3, 8)), 0), ["h=0"]),
    (lambda: cnn.patches(np.zeros((3, 8)) + 1j, 2), ["complex", "real"]),
    (lambda: cnn.solve_fourier_l1(np.ones((3, 4)), np.array([1, 2, 3 + 1j]), 1.0), ["y is complex"]),
    (lambda: cnn.network_from_fourier(np.array([1, 1j, 2, 3])), ["conjugate-symmetric", "symmetrize"]),
    (lambda: cnn.train_circular_cnn(np.ones((3, 4)), np.ones(3), 1.0, h=6, steps=1), ["h=6", "L=4"]),
    (lambda: cnn.solve_nuclear(np.ones((3, 4)), np.ones(3), 1.0), ["Xk has shape", "(K, n, h)"]),
    (lambda: cnn.separable_stack(np.ones((2, 5)), np.ones((2, 3)), 2), ["Y has shape", "(2, 4)"]),
    (lambda: cnn.solve_nuclear(np.ones((2, 3, 4)), np.ones(3), -1.0), ["beta=-1.0"]),
])
def test_bad_input(call, words):
    with pytest.raises(ValueError) as e:
        call()
    for w in words:
        assert w in str(e.value), (w, str(e.value))


def test_stop_callback():
    S, y = cnn.two_shape_signals(10, 8, seed=0)
    g = cnn.train_linear_cnn(cnn.patches(S, 3, 1), y, 1.0, steps=1000, record_every=10,
                             callback=lambda done, total: done >= 100)
    assert g.stopped and g.steps[-1] == 100
