"""The dual certificate (docs/theory.md §2) against independent routes.

* p* from the convex program (8) (cvxpy reference): a certificate is never above it,
  and at the recovered optimal network it is tight (relative gap ≤ 1e-6), for
  squared and hinge loss;
* the exact pricing max_{‖u‖≤1} |vᵀ(Xu)₊| against dense random sampling of u (a lower
  bound on the maximum) and Cauchy–Schwarz ‖v‖‖X‖₂ (an upper bound);
* gap ≥ objective − p* for every trial of an SGD run (certify_runs).
"""
import numpy as np
import pytest

from cvxcore import (
    activation_patterns,
    arrangement,
    dual_certificate,
    dual_norm,
    nonconvex_objective,
    solve_convex,
    with_bias,
)
from cvxcore.convex import refine_dual
from cvxcore.training import certify_runs, train_sgd

X1 = with_bias(np.array([-2, -1, 0, 1, 2.0]))
Y1 = np.array([1, -1, 1, 1, -1.0])


def small_2d(n=10, seed=3):
    rng = np.random.default_rng(seed)
    X = with_bias(rng.standard_normal((n, 2)))
    return X, np.where(np.linalg.norm(X[:, :2], axis=1) > 1.0, 1.0, -1.0)


CASES = [("1d", X1, Y1), ("2d", *small_2d())]


def labels(y, loss):
    return y if loss == "squared" else np.sign(y)


@pytest.fixture(scope="module")
def optima():
    """p* and the optimal network, by the cvxpy reference, for each case × loss × β."""
    out = {}
    for name, X, y in CASES:
        for loss in ("squared", "hinge"):
            for beta in (0.01, 0.1, 1.0):
                out[name, loss, beta] = solve_convex(X, labels(y, loss), beta, loss=loss, method="cvxpy")
    return out


@pytest.mark.parametrize("name,X,y", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("loss", ["squared", "hinge"])
@pytest.mark.parametrize("beta", [0.01, 0.1, 1.0])
def test_tight_at_the_optimum(optima, name, X, y, loss, beta):
    r = optima[name, loss, beta]
    assert r.status == "optimal"
    c = dual_certificate(X, labels(y, loss), r.U, r.alpha, beta, loss=loss)
    assert c.objective == pytest.approx(r.value, rel=1e-12)
    assert c.lower_bound <= r.value * (1 + 1e-9)
    assert c.rel_gap <= 1e-6, c.rel_gap


@pytest.mark.parametrize("name,X,y", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("loss", ["squared", "hinge"])
def test_never_above_pstar_for_random_networks(optima, name, X, y, loss):
    y = labels(y, loss)
    rng = np.random.default_rng(11)
    for beta in (0.01, 0.1, 1.0):
        p = optima[name, loss, beta].value
        for trial in range(5):
            m = int(rng.integers(1, 12))
            scale = 10.0 ** rng.uniform(-2, 1)
            U, a = scale * rng.standard_normal((m, X.shape[1])), scale * rng.standard_normal(m)
            for refine in (0, 30):
                c = dual_certificate(X, y, U, a, beta, loss=loss, refine=refine)
                assert c.lower_bound <= p * (1 + 1e-9), (beta, trial, refine, c.lower_bound, p)
                assert c.objective == pytest.approx(nonconvex_objective(X, y, U, a, beta, loss=loss), rel=1e-12)
                assert c.gap >= c.objective - p - 1e-9 * p


def test_certificate_of_the_empty_and_zero_network(optima):
    p = optima["1d", "squared", 0.1].value
    c = dual_certificate(X1, Y1, np.zeros((0, 2)), np.zeros(0), 0.1)
    assert c.objective == pytest.approx(0.5 * Y1 @ Y1) and c.lower_bound <= p * (1 + 1e-9)
    assert c.rel_gap <= 1e-6 or c.lower_bound > 0     # cuts found from nothing still give a bound


def test_refinement_helps_hinge_at_the_optimum(optima):
    """The subgradient alone is a poor dual point at margin points; the cutting planes fix it."""
    X, y = small_2d()
    r = optima["2d", "hinge", 0.1]
    plain = dual_certificate(X, y, r.U, r.alpha, 0.1, loss="hinge", refine=0)
    refined = dual_certificate(X, y, r.U, r.alpha, 0.1, loss="hinge")
    assert refined.rel_gap <= 1e-6 < plain.rel_gap
    assert refine_dual(X, y, r.U, 0.1, "logistic", arrangement(X)) == []


@pytest.mark.parametrize("name,X,y", CASES, ids=[c[0] for c in CASES])
def test_exact_pricing_against_sampling(name, X, y):
    rng = np.random.default_rng(5)
    P = activation_patterns(X)
    Usamp = rng.standard_normal((200_000, X.shape[1]))
    Usamp /= np.linalg.norm(Usamp, axis=1, keepdims=True)
    F = np.maximum(X @ Usamp.T, 0.0)            # (n, samples): (X u)₊ on the unit sphere
    for _ in range(5):
        v = rng.standard_normal(X.shape[0])
        exact = dual_norm(X, v, P)
        sampled = np.abs(v @ F).max()
        assert sampled <= exact * (1 + 1e-12)
        assert exact <= sampled * (1 + 1e-3)       # dense sampling comes close to the maximum
        assert exact <= np.linalg.norm(v) * np.linalg.norm(X, 2) * (1 + 1e-12)   # Cauchy–Schwarz


@pytest.mark.parametrize("loss", ["squared", "hinge"])
def test_certify_runs(optima, loss):
    X, y = small_2d()
    y = labels(y, loss)
    p = optima["2d", loss, 0.1].value
    r = train_sgd(X, y, m=10, beta=0.1, loss=loss, lr=0.01, steps=3000, trials=4, seed=1)
    rc = certify_runs(X, y, r, refine=30)
    assert rc.objective.shape == rc.lower_bound.shape == (4,)
    np.testing.assert_allclose(rc.objective, r.final, rtol=1e-12)
    assert np.all(rc.lower_bound <= p * (1 + 1e-9))
    assert np.all(rc.gap >= r.final - p - 1e-9 * p)
    assert rc.best_lower_bound == pytest.approx(p, rel=1e-4)     # the cutting planes reach p*
    one = dual_certificate(X, y, r.U[2], r.alpha[2], 0.1, loss=loss)
    assert rc.lower_bound[2] == pytest.approx(one.lower_bound, rel=1e-12)
    with pytest.raises(ValueError, match="is not an SGDResult"):
        certify_runs(X, y, r.U)
