"""Higher-dimensional data (Figure 4 analogue): SGD against (8) over sampled patterns.

Independent facts checked:
* (8) over a set of patterns that contains the SGD network's own patterns is
  at most SGD's objective (2): the SGD network, rescaled, is feasible for (8)
  (each neuron u_j lies in the closed cone of its pattern 1[X u_j ≥ 0]);
* the patterns of each scheme are what the paper describes, computed here
  from the weights directly;
* the data generator is seeded, balanced, and d is in the tens;
* bad input names the parameter and the fix; the callback stops the run.
"""
import numpy as np
import pytest

from cvxcore.experiments import highdim


@pytest.fixture(scope="module")
def data():
    return highdim.shapes_dataset(40, 60, seed=3)


def test_dataset(data):
    X, y, Xt, yt = data
    assert X.shape == (40, 65) and Xt.shape == (60, 65)
    assert np.all(X[:, -1] == 1) and abs(y.sum()) <= 1 and set(np.unique(yt)) == {-1.0, 1.0}
    X2, y2, _, _ = highdim.shapes_dataset(40, 60, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, highdim.shapes_dataset(40, 60, seed=4)[0])


def test_scheme_patterns(data):
    X = data[0]
    rng = np.random.default_rng(0)
    U0, U1 = rng.standard_normal((5, 65)), rng.standard_normal((5, 65))
    own = {tuple(r) for r in (X @ U0.T).T >= 0}
    P = highdim.scheme_patterns(X, "initial", U_init=U0)
    assert {tuple(r) for r in P} == own
    F = highdim.scheme_patterns(X, "flipped", U_init=U0, flip_fraction=0.1)
    assert own <= {tuple(r) for r in F} and len(F) == 10
    for j in range(5):   # the flipped copy differs exactly at the 4 samples nearest neuron j's hyperplane
        D = (X @ U0[j]) >= 0
        near = np.argsort(np.abs(X @ U0[j]))[:4]
        flipped = D.copy()
        flipped[near] = ~flipped[near]
        assert tuple(flipped) in {tuple(r) for r in F}
    A = highdim.scheme_patterns(X, "sgd+random", U_init=U0, U_trained=U1, extra_random=5, seed=1)
    assert {tuple(r) for r in (X @ U1.T).T >= 0} <= {tuple(r) for r in A} and len(A) == 10


def test_convex_over_sgd_patterns_is_below_sgd(data):
    X, y, Xt, yt = data
    r = highdim.run_highdim(X, y, Xt, yt, m=6, beta=0.1, lr=2e-3, steps=600, batch_size=10, trials=2,
                            records=4, seed=0, method="cvxpy")
    assert r.trials_done == 2 and not r.stopped
    assert r.sgd_objective.shape == (2, 5) and np.all(np.isfinite(r.sgd_objective))
    for s in highdim.SCHEMES:
        assert all(st == "optimal" for st in r.status[s]), r.status[s]
        assert np.all((0 <= r.test_accuracy[s]) & (r.test_accuracy[s] <= 1))
    assert np.all(r.objective["sgd+random"] <= r.sgd_objective[:, -1] + 1e-7)
    assert set(r.summary()) == {"SGD", *highdim.SCHEME_LABELS.values()}


def test_stop(data):
    X, y, Xt, yt = data
    r = highdim.run_highdim(X, y, Xt, yt, m=4, steps=100, records=2, trials=3, schemes=("initial",),
                            callback=lambda done, total: done >= 2)
    assert r.stopped and r.trials_done == 1


@pytest.mark.parametrize("kw, words", [
    (dict(schemes=("random",)), ["scheme='random'", "'sgd+random'"]),
    (dict(X_test=np.ones((5, 3))), ["X_test has 3 columns", "65"]),
    (dict(beta=0.0), ["beta=0.0"]),
])
def test_bad_input(data, kw, words):
    X, y, Xt, yt = data
    args = dict(X_test=Xt)
    args.update(kw)
    Xt = args.pop("X_test")
    with pytest.raises(ValueError) as e:
        highdim.run_highdim(X, y, Xt, yt[:len(Xt)], steps=10, trials=1, **args)
    for w in words:
        assert w in str(e.value), (w, str(e.value))
