"""train_sgd against independent routes.

* p* from the convex program (8) (cvxpy reference): no run ever goes below it;
* the objective (2) of the returned weights, evaluated by ``nonconvex_objective``;
* the gradient, by central finite differences of ``nonconvex_objective``;
* minibatches of size n are full-batch gradient descent;
* seeds, chunked runs (resume) and trial independence reproduce exactly;
* the paper's Figure 2 claim with the defaults: m = 50 reaches p*, m = 8 gets stuck.
"""
import numpy as np
import pytest

from cvxcore import nonconvex_objective, solve_convex, with_bias
from cvxcore.training import SGDResult, sgd, train_sgd

X1 = with_bias(np.array([-2, -1, 0, 1, 2.0]))
Y1 = np.array([1, -1, 1, 1, -1.0])
P_STAR_01 = 0.8914472026038919      # solve_convex(X1, Y1, 0.1); re-checked in test_pstar_constant


def small_2d(n=8, seed=3):
    rng = np.random.default_rng(seed)
    X = with_bias(rng.standard_normal((n, 2)))
    y = np.where(np.linalg.norm(X[:, :2], axis=1) > 1.0, 1.0, -1.0)
    return X, y


def test_pstar_constant():
    assert solve_convex(X1, Y1, 0.1, method="cvxpy").value == pytest.approx(P_STAR_01, rel=1e-7)


@pytest.mark.parametrize("loss", ["squared", "hinge"])
def test_no_run_goes_below_pstar(loss):
    cases = [(X1, Y1 if loss == "squared" else np.sign(Y1), 0.1), (*small_2d(), 0.05)]
    for X, y, beta in cases:
        p = solve_convex(X, y, beta, loss=loss, method="cvxpy")
        assert p.status == "optimal"
        for m, b in [(2, None), (20, None), (20, 4)]:
            r = train_sgd(X, y, m=m, beta=beta, loss=loss, lr=0.01, steps=2000, batch_size=b, trials=5,
                          record_every=1)
            assert not r.diverged.any()
            assert r.objectives.min() >= p.value * (1 - 1e-9), (m, b, r.objectives.min(), p.value)


@pytest.mark.parametrize("loss", ["squared", "hinge", "logistic"])
@pytest.mark.parametrize("batch_size", [None, 3])
def test_records_are_objective_2(loss, batch_size):
    X, y = small_2d()
    r = train_sgd(X, y, m=6, beta=0.1, loss=loss, lr=0.02, steps=157, batch_size=batch_size, trials=3,
                  record_every=50, seed=4)
    np.testing.assert_array_equal(r.steps, [0, 50, 100, 150, 157])
    assert r.objectives.shape == (3, 5) and r.U.shape == (3, 6, 3) and r.alpha.shape == (3, 6)
    for t in range(3):
        assert r.objectives[t, -1] == pytest.approx(
            nonconvex_objective(X, y, r.U[t], r.alpha[t], 0.1, loss=loss), rel=1e-12)
    # the first record is the initial weights: a 1-step run from them reproduces it
    again = train_sgd(X, y, beta=0.1, loss=loss, lr=0.02, steps=1, U0=r.U, alpha0=r.alpha)
    for t in range(3):
        assert again.objectives[t, 0] == pytest.approx(
            nonconvex_objective(X, y, r.U[t], r.alpha[t], 0.1, loss=loss), rel=1e-12)


def numerical_gradient(X, y, U, a, beta, loss, h=1e-6):
    gU, ga = np.zeros_like(U), np.zeros_like(a)

    def f(U, a):
        return nonconvex_objective(X, y, U, a, beta, loss=loss)

    for idx in np.ndindex(U.shape):
        E = np.zeros_like(U)
        E[idx] = h
        gU[idx] = (f(U + E, a) - f(U - E, a)) / (2 * h)
    for j in range(a.size):
        e = np.zeros_like(a)
        e[j] = h
        ga[j] = (f(U, a + e) - f(U, a - e)) / (2 * h)
    return gU, ga


@pytest.mark.parametrize("loss", ["squared", "logistic"])
def test_one_step_is_gradient_descent(loss):
    """One full-batch step equals w − lr ∇(2), the gradient by finite differences."""
    X, y = small_2d()
    rng = np.random.default_rng(0)
    U0, a0 = rng.standard_normal((1, 5, 3)), rng.standard_normal((1, 5))
    lr = 1e-3
    r = train_sgd(X, y, beta=0.3, loss=loss, lr=lr, steps=1, U0=U0, alpha0=a0)
    gU, ga = numerical_gradient(X, y, U0[0], a0[0], 0.3, loss)
    np.testing.assert_allclose(r.U[0], U0[0] - lr * gU, atol=1e-9)
    np.testing.assert_allclose(r.alpha[0], a0[0] - lr * ga, atol=1e-9)


def test_batch_of_n_is_full_batch():
    X, y = small_2d()
    full = train_sgd(X, y, m=7, beta=0.1, lr=0.01, steps=300, trials=2)
    mini = train_sgd(X, y, m=7, beta=0.1, lr=0.01, steps=300, trials=2, batch_size=X.shape[0])
    np.testing.assert_allclose(mini.U, full.U, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(mini.objectives, full.objectives, rtol=1e-9)


def test_minibatch_differs_from_full_batch():
    X, y = small_2d()
    full = train_sgd(X, y, m=7, beta=0.1, lr=0.01, steps=50, trials=2)
    mini = train_sgd(X, y, m=7, beta=0.1, lr=0.01, steps=50, trials=2, batch_size=2)
    assert not np.allclose(mini.U, full.U)


@pytest.mark.parametrize("kw", [{}, {"batch_size": 3}, {"optimizer": "momentum"},
                                {"optimizer": "adam", "batch_size": 5}])
def test_seeds_reproduce(kw):
    X, y = small_2d()
    a = train_sgd(X, y, m=6, beta=0.1, lr=0.01, steps=200, trials=3, seed=7, **kw)
    b = train_sgd(X, y, m=6, beta=0.1, lr=0.01, steps=200, trials=3, seed=7, **kw)
    c = train_sgd(X, y, m=6, beta=0.1, lr=0.01, steps=200, trials=3, seed=8, **kw)
    np.testing.assert_array_equal(a.U, b.U)
    np.testing.assert_array_equal(a.objectives, b.objectives)
    assert not np.allclose(a.U, c.U)
    # a trial does not depend on how many others run beside it
    d = train_sgd(X, y, m=6, beta=0.1, lr=0.01, steps=200, trials=5, seed=7, **kw)
    np.testing.assert_allclose(d.U[:3], a.U, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("kw", [{}, {"batch_size": 3}, {"optimizer": "momentum", "batch_size": 4},
                                {"optimizer": "adam"}])
def test_chunks_equal_one_run(kw, monkeypatch):
    """resume= continues exactly: 3 chunks of 70 steps are the 210-step run, bit for bit."""
    monkeypatch.setattr(sgd, "_EPOCHS_PER_BLOCK", 4)     # chunks then cross minibatch blocks
    X, y = small_2d()
    one = train_sgd(X, y, m=6, beta=0.1, lr=0.01, steps=210, trials=3, seed=2, record_every=10, **kw)
    r = train_sgd(X, y, m=6, beta=0.1, lr=0.01, steps=70, trials=3, seed=2, record_every=10, **kw)
    objs, steps = [r.objectives], [r.steps]
    for _ in range(2):
        r = train_sgd(X, y, beta=0.1, lr=0.01, steps=70, record_every=10, resume=r)
        objs.append(r.objectives[:, 1:])
        steps.append(r.steps[1:])
    assert r.start_step == 140 and r.end_step == 210
    np.testing.assert_array_equal(r.U, one.U)
    np.testing.assert_array_equal(r.alpha, one.alpha)
    np.testing.assert_array_equal(np.concatenate(steps), one.steps)
    np.testing.assert_array_equal(np.hstack(objs), one.objectives)
    # U0/alpha0 + start_step is the same thing for plain SGD
    if not kw.get("optimizer"):
        half = train_sgd(X, y, m=6, beta=0.1, lr=0.01, steps=105, trials=3, seed=2, **kw)
        rest = train_sgd(X, y, beta=0.1, lr=0.01, steps=105, seed=2, U0=half.U, alpha0=half.alpha,
                         start_step=105, **kw)
        np.testing.assert_array_equal(rest.U, one.U)


def test_divergence_is_per_trial():
    X, y = X1, Y1
    rng = np.random.default_rng(1)
    U0, a0 = rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 4))
    U0[1] *= 30.0
    a0[1] *= 30.0                       # this trial blows up at lr = 0.02
    with np.errstate(all="raise"):                     # no warning escapes either
        r = train_sgd(X, y, beta=0.1, lr=0.02, steps=500, U0=U0, alpha0=a0, record_every=10)
    assert r.diverged.tolist() == [False, True, False]
    assert r.diverged_at[1] > 0 and r.diverged_at[0] == r.diverged_at[2] == -1
    assert np.all(np.isfinite(r.U)) and np.all(np.isfinite(r.alpha)) and np.all(np.isfinite(r.objectives))
    assert r.objectives[1, -1] == pytest.approx(nonconvex_objective(X, y, r.U[1], r.alpha[1], 0.1), rel=1e-12)
    h = r.history()
    assert np.isnan(h[1, -1]) and np.all(np.isfinite(h[[0, 2]]))
    alone = train_sgd(X, y, beta=0.1, lr=0.02, steps=500, U0=U0[[0, 2]], alpha0=a0[[0, 2]], record_every=10)
    np.testing.assert_allclose(r.U[[0, 2]], alone.U, rtol=1e-10, atol=1e-13)
    # resuming keeps the diverged trial frozen
    more = train_sgd(X, y, beta=0.1, lr=0.02, steps=50, resume=r)
    np.testing.assert_array_equal(more.U[1], r.U[1])
    assert more.diverged_at[1] == r.diverged_at[1]


def test_everything_diverges():
    r = train_sgd(X1, Y1, m=50, beta=0.1, lr=5.0, steps=200, trials=3, init_scale=3.0)
    assert r.diverged.all() and np.all(np.isfinite(r.U))


def test_an_exploding_objective_is_divergence_before_it_overflows():
    """lr = 1 on the paper's data: (2) jumps by ~10¹⁶⁰ in one step.  Every trial is stopped at
    the first recorded step above 10⁶ × its start, so no recorded value is astronomically large."""
    r = train_sgd(X1, Y1, m=8, beta=0.1, lr=1.0, steps=2000, trials=5, seed=0, record_every=5)
    assert r.diverged.all()
    start = r.objectives[:, 0]
    assert np.all(r.diverged_at <= 5)                           # the first record after the start
    assert np.all(np.isfinite(r.objectives))
    h = r.history()
    assert np.all(np.isnan(h[:, 1:]))                            # nothing drawn after the start
    for t in range(5):                                           # frozen where it was stopped
        assert r.objectives[t, -1] == pytest.approx(nonconvex_objective(X1, Y1, r.U[t], r.alpha[t], 0.1), rel=1e-9)
        assert r.objectives[t, -1] > sgd.EXPLODE_FACTOR * start[t] or not np.isfinite(
            nonconvex_objective(X1, Y1, r.U[t], r.alpha[t], 0.1))


def test_explosion_is_measured_from_the_start_of_training_across_chunks(monkeypatch):
    """A run in chunks is judged against the objective of its first step, not each chunk's.

    With the factor at 100: trial 0 goes 25.3, 12.8, 109, 9.6e3, … at lr = 0.2, so it is stopped
    at step 3 (above 2,530); judged from a chunk starting at step 2 (109) it would pass step 3."""
    monkeypatch.setattr(sgd, "EXPLODE_FACTOR", 100.0)
    rng = np.random.default_rng(1)
    U0, a0 = rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 4))
    one = train_sgd(X1, Y1, beta=0.1, lr=0.2, steps=12, U0=U0, alpha0=a0, record_every=1)
    assert one.diverged.tolist() == [True, False, False] and one.diverged_at[0] == 3
    assert one.objectives[0, 2] < 100 * one.objectives[0, 0] < one.objectives[0, 3]
    r = train_sgd(X1, Y1, beta=0.1, lr=0.2, steps=2, U0=U0, alpha0=a0, record_every=1)
    assert not r.diverged.any()
    r = train_sgd(X1, Y1, beta=0.1, lr=0.2, steps=10, record_every=1, resume=r)
    np.testing.assert_array_equal(r.diverged_at, one.diverged_at)
    np.testing.assert_array_equal(r.U, one.U)
    np.testing.assert_array_equal(r.objectives[:, -1], one.objectives[:, -1])


def test_defaults_reproduce_figure_2_claim():
    """The paper's 1-D example at β = 0.1: m = 50 reaches p*, m = 8 gets stuck in some trials."""
    wide = train_sgd(X1, Y1, m=50, beta=0.1)
    narrow = train_sgd(X1, Y1, m=8, beta=0.1)
    assert np.sum(wide.final <= 1.01 * P_STAR_01) >= 8
    assert np.sum(narrow.final > 1.05 * P_STAR_01) >= 1
    assert wide.objectives.shape == (10, 1001)
    assert isinstance(wide, SGDResult) and wide.trials == 10 and wide.m == 50


@pytest.mark.parametrize("kwargs,match", [
    ({"m": 0}, r"m=0 is out of range; m must be >= 1"),
    ({"m": 2.5}, r"m=2.5 must be a whole number"),
    ({"trials": 0}, r"trials=0 is out of range; trials must be >= 1"),
    ({"steps": 0}, r"steps=0 is out of range; steps must be >= 1"),
    ({"lr": 0.0}, r"lr=0.0 is out of range; lr must be > 0"),
    ({"lr": -0.1}, r"lr=-0.1 is out of range"),
    ({"lr": float("nan")}, r"lr=nan is not finite"),
    ({"lr": "fast"}, r"lr='fast' is not a number"),
    ({"batch_size": 0}, r"batch_size=0 is out of range.*between 1 and n = 5.*batch_size=None"),
    ({"batch_size": 6}, r"batch_size=6 is out of range.*between 1 and n = 5"),
    ({"batch_size": 2.5}, r"batch_size=2.5 is out of range"),
    ({"init_scale": 0.0}, r"init_scale=0.0 is out of range; init_scale must be > 0"),
    ({"record_every": 0}, r"record_every=0 is out of range"),
    ({"optimizer": "lbfgs"}, r"optimizer='lbfgs' is not known; use one of 'sgd', 'momentum', 'adam'"),
    ({"beta": 0.0}, r"beta=0.0 is out of range; beta must be > 0"),
    ({"loss": "l1"}, r"loss='l1' is not a known loss"),
    ({"seed": -1}, r"seed=-1 is out of range"),
    ({"U0": np.ones((2, 3, 2))}, r"pass both U0 and alpha0"),
    ({"U0": np.ones((2, 3, 2)), "alpha0": np.ones((2, 4))}, r"alpha0 has shape \(2, 4\) but U0 has shape \(2, 3, 2\)"),
    ({"U0": np.ones((2, 3, 5)), "alpha0": np.ones((2, 3))}, r"U0 has shape \(2, 3, 5\); it must be \(trials, m, 2\)"),
    ({"U0": np.ones((2, 3, 2)), "alpha0": np.ones((2, 3)), "m": 4}, r"m=4 but U0 has 3 neurons.*m=3"),
    ({"U0": np.ones((2, 3, 2)), "alpha0": np.ones((2, 3)), "trials": 5}, r"trials=5 but U0 holds 2 trials"),
    ({"U0": np.full((1, 3, 2), np.nan), "alpha0": np.ones((1, 3))}, r"U0 or alpha0 contains NaN/inf"),
    ({"resume": "last"}, r"resume=str is not an SGDResult"),
])
def test_bad_input(kwargs, match):
    args = {"m": 4, "beta": 0.1, "steps": 10}
    args.update(kwargs)
    if "U0" in kwargs and "m" not in kwargs:
        args.pop("m")
    with pytest.raises(ValueError, match=match):                 # at once: bench/bench_refusals.py
        train_sgd(X1, Y1, **args)


def test_bad_data():
    with pytest.raises(ValueError, match="needs labels in"):
        train_sgd(X1, Y1 * 2, m=3, beta=0.1, loss="hinge", steps=5)
    with pytest.raises(ValueError, match=r"y has shape \(4,\) but X has 5 rows"):
        train_sgd(X1, Y1[:4], m=3, beta=0.1, steps=5)
    r = train_sgd(X1, Y1, m=3, beta=0.1, steps=5, trials=2)
    with pytest.raises(ValueError, match="resume has networks with d = 2 inputs but X has d = 3"):
        train_sgd(np.hstack([X1, X1[:, :1]]), Y1, beta=0.1, steps=5, resume=r)
