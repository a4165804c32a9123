"""SGD that tells the truth: inactive runs are named, and each run has one certificate.

Independent routes written here, not in cvxcore:

* "inactive" against the network itself: every pre-activation xᵢᵀu_j ≤ 0 and the output 0 at
  every data point, objective (2) = ℓ(0) + penalty by ``nonconvex_objective``; and against its
  consequence, that further plain steps only multiply the weights by (1 − lr·β)^k;
* every lower bound (live and refined, of SGD runs) against p* from the convex program (8)
  (``solve_convex``, certified; for the plus sign also its cvxpy route): bound ≤ p* (1 + 1e-9); the refined
  bound ≥ the live one at the same weights; each run's gap ≥ its objective − p*;
* the fitted hinge subgradient at the exact optimum of (8): the live bound is then (nearly) tight.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cvxcore import datasets, dual_certificate, nonconvex_objective, predict, solve_convex, with_bias
from cvxcore.experiments.paper import circle_2d
from cvxcore.training import REFINE, RunBounds, RunCertificate, certify_runs, train_sgd

# a plus sign as a person draws it: the centre (+1) and four arms (−1)
PLUS_X = with_bias(np.array([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]))
PLUS_Y = np.array([1.0, -1.0, -1.0, -1.0, -1.0])


def _moons():
    pts, y = datasets.two_moons(40, 0.1, 0)
    return with_bias(pts), y


def _paper():
    X, y, _ = circle_2d(50, 0)
    return X, y


# ------------------------------------------------------------------------------ inactive runs

def test_hinge_lr_1_on_a_plus_sign_every_run_is_inactive():
    """The SGD page's defaults (m = 8, 5 runs, 2,000 steps, β = 0.1) with hinge loss and lr = 1."""
    r = train_sgd(PLUS_X, PLUS_Y, m=8, beta=0.1, loss="hinge", lr=1.0, steps=2000, trials=5, seed=0)
    assert r.statuses == ["inactive"] * 5 and r.inactive.all() and not r.diverged.any() and r.halted.all()
    for t in range(5):
        assert np.all(PLUS_X @ r.U[t].T <= 0)                                  # no neuron on anywhere
        assert np.all(predict(PLUS_X, r.U[t], r.alpha[t]) == 0)                # the network is zero
        pen = 0.05 * (np.sum(r.U[t] ** 2) + np.sum(r.alpha[t] ** 2))
        assert r.final[t] == pytest.approx(5.0 + pen, rel=1e-12)               # hinge at 0 is n = 5
        assert r.final[t] == pytest.approx(nonconvex_objective(PLUS_X, PLUS_Y, r.U[t], r.alpha[t], 0.1,
                                                               loss="hinge"), rel=1e-12)
        msg = r.message(t)
        assert "all neurons inactive — the network is zero" in msg
        assert "smaller learning rate" in msg and "another seed" in msg and "0.1" in msg


def test_a_smaller_learning_rate_keeps_the_neurons_alive():
    r = train_sgd(PLUS_X, PLUS_Y, m=8, beta=0.1, loss="hinge", lr=0.01, steps=2000, trials=5, seed=0)
    assert r.statuses == ["ok"] * 5 and all(r.message(t) is None for t in range(5))
    assert all(np.any(PLUS_X @ r.U[t].T > 0) for t in range(5))


def test_inactive_is_for_good_under_plain_steps():
    """Dead neurons get no gradient: each further step multiplies the weights by 1 − lr·β, in chunks too."""
    r = train_sgd(PLUS_X, PLUS_Y, m=8, beta=0.1, loss="hinge", lr=1.0, steps=200, trials=5, seed=0)
    assert r.inactive.all()
    more = train_sgd(PLUS_X, PLUS_Y, beta=0.1, loss="hinge", lr=1.0, steps=7, resume=r)
    np.testing.assert_allclose(more.U, r.U * 0.9 ** 7, rtol=1e-12)
    np.testing.assert_allclose(more.alpha, r.alpha * 0.9 ** 7, rtol=1e-12)
    assert more.inactive.all() and more.halted.all()
    whole = train_sgd(PLUS_X, PLUS_Y, m=8, beta=0.1, loss="hinge", lr=1.0, steps=207, trials=5, seed=0)
    np.testing.assert_array_equal(whole.inactive, more.inactive)


def test_momentum_inactive_is_not_halted_and_divergence_wins_over_inactive():
    r = train_sgd(PLUS_X, PLUS_Y, m=8, beta=0.1, loss="hinge", lr=1.0, steps=200, trials=3, seed=0,
                  optimizer="momentum")
    assert not (r.inactive & r.halted).any()                 # a velocity may still revive a neuron
    d = train_sgd(with_bias(np.linspace(-2, 2, 5)), np.array([1, -1, 1, 1, -1.0]), m=8, beta=0.1, lr=5.0,
                  steps=50, trials=3)
    assert d.diverged.all() and d.statuses == ["diverged"] * 3
    assert "diverged at step" in d.message(0) and "smaller one" in d.message(0)


# ------------------------------------------------------------------------------ one certificate per run

@pytest.fixture(scope="module")
def optima():
    """p* for the cases below: the fast solver, certified optimal (and for the plus sign checked
    against the cvxpy route; on 40–50 points that route takes minutes)."""
    out = {}
    for name, (X, y) in {"paper": _paper(), "moons": _moons(), "plus": (PLUS_X, PLUS_Y)}.items():
        r = solve_convex(X, y, 0.1, loss="hinge")
        assert r.status == "optimal" and r.rel_gap <= 1e-6
        out[name] = (X, y, r)
    ref = solve_convex(PLUS_X, PLUS_Y, 0.1, loss="hinge", method="cvxpy")
    assert out["plus"][2].value == pytest.approx(ref.value, rel=1e-6)
    X, y = with_bias(np.array([-2, -1, 0, 1, 2.0])), np.array([1, -1, 1, 1, -1.0])
    out["1d squared"] = (X, y, solve_convex(X, y, 0.1))
    return out


@pytest.mark.parametrize("name", ["paper", "moons", "plus", "1d squared"])
def test_every_bound_is_below_pstar_and_refined_is_above_live(optima, name):
    X, y, opt = optima[name]
    p = opt.value
    loss = "squared" if name == "1d squared" else "hinge"
    lr = 1.0 if name == "plus" else 0.01
    bounds = RunBounds(X, y, beta=0.1, loss=loss, patterns=opt.arrangement, trials=4)
    r = None
    for _ in range(4):                                   # a run in chunks, as the SGD page plays it
        r = (train_sgd(X, y, m=8, beta=0.1, loss=loss, lr=lr, steps=100, trials=4, seed=2, record_every=20)
             if r is None else train_sgd(X, y, beta=0.1, loss=loss, lr=lr, steps=100, record_every=20, resume=r))
        best = bounds.update(r)
        assert np.all(best <= p * (1 + 1e-9))
        live = bounds.certificates(r)
        assert all(c.kind == "live" and c.step == r.end_step for c in live)
        assert all(c.lower_bound <= p * (1 + 1e-9) and c.gap >= c.objective - p - 1e-9 * p for c in live)
    refined = bounds.certificates(r, refine=REFINE)
    assert bounds.certificates(r, refine=REFINE) is refined                 # computed once per step
    for t, (lv, rf) in enumerate(zip(live, refined)):
        assert rf.kind == "refined" and rf.run == lv.run == t and rf.objective == lv.objective
        assert lv.lower_bound <= rf.lower_bound <= p * (1 + 1e-9)
        assert rf.gap >= rf.objective - p - 1e-9 * p
        if rf.certified:
            assert rf.rel_gap >= (rf.objective - p) / p - 1e-9
        # at the same weights, without the running maximum: cutting planes only add candidates
        one_live = dual_certificate(X, y, r.U[t], r.alpha[t], 0.1, loss=loss, patterns=opt.arrangement,
                                    refine=0, stationary=True)
        one_refined = dual_certificate(X, y, r.U[t], r.alpha[t], 0.1, loss=loss, patterns=opt.arrangement,
                                       refine=REFINE)
        assert one_live.lower_bound <= one_refined.lower_bound + 1e-12 * abs(p) <= p * (1 + 1e-9)
    assert np.all(bounds.best >= [c.lower_bound for c in live])


def test_the_certificate_an_app_shows_is_one_object(optima):
    """Header and table read the same RunCertificate; the text carries its numbers and its kind."""
    X, y, opt = optima["moons"]
    r = train_sgd(X, y, m=8, beta=0.1, loss="hinge", lr=0.01, steps=500, trials=3, seed=0)
    rc = certify_runs(X, y, r, patterns=opt.arrangement, refine=REFINE)
    for t, c in enumerate(rc.runs):
        assert isinstance(c, RunCertificate) and c.status == "ok" and c.message is None
        assert c.objective == r.final[t] and c.lower_bound == rc.lower_bound[t]
        assert c.gap == pytest.approx(rc.gap[t]) and c.rel_gap == pytest.approx(c.gap / c.lower_bound)
        text = c.summary()
        assert f"{c.objective:.4g}" in text and f"{c.gap:.3g}" in text and f"{100 * c.rel_gap:.3g} %" in text
        assert "refined certificate" in text
    plus = certify_runs(PLUS_X, PLUS_Y, train_sgd(PLUS_X, PLUS_Y, m=8, beta=0.1, loss="hinge", lr=1.0, steps=300,
                                                  trials=2, seed=0), refine=0)
    assert [c.status for c in plus.runs] == ["inactive"] * 2 and plus.kind == "live"
    assert all("network is zero" in c.message for c in plus.runs)
    none = RunCertificate(run=0, step=5, status="ok", objective=1.0, lower_bound=-0.5, kind="live")
    assert not none.certified and none.rel_gap == np.inf and "no positive lower bound" in none.summary()
    with pytest.raises(ValueError, match="previous has 2 bounds"):
        certify_runs(X, y, r, patterns=opt.arrangement, refine=0, previous=np.zeros(2))


def test_previous_bounds_are_kept(optima):
    X, y, opt = optima["paper"]
    r = train_sgd(X, y, m=8, beta=0.1, loss="hinge", lr=0.01, steps=50, trials=3, seed=0)
    first = certify_runs(X, y, r, patterns=opt.arrangement, refine=REFINE)
    r2 = train_sgd(X, y, beta=0.1, loss="hinge", lr=0.01, steps=50, resume=r)
    again = certify_runs(X, y, r2, patterns=opt.arrangement, refine=0, previous=first)
    assert np.all(again.lower_bound >= first.lower_bound) and np.all(again.lower_bound <= opt.value * (1 + 1e-9))


# ------------------------------------------------------------------------------ hinge: the fitted subgradient

@pytest.mark.parametrize("name", ["paper", "moons"])
@pytest.mark.parametrize("beta", [0.01, 0.1, 1.0])
def test_at_the_optimum_the_fitted_hinge_subgradient_is_nearly_tight(name, beta):
    X, y = _paper() if name == "paper" else _moons()
    r = solve_convex(X, y, beta, loss="hinge")
    plain = dual_certificate(X, y, r.U, r.alpha, beta, loss="hinge", refine=0)
    live = dual_certificate(X, y, r.U, r.alpha, beta, loss="hinge", refine=0, stationary=True)
    assert live.lower_bound <= r.value * (1 + 1e-9)
    assert live.rel_gap <= 1e-3 and live.rel_gap <= plain.rel_gap


@pytest.mark.parametrize("name", ["paper", "moons"])
def test_live_hinge_bounds_of_sgd_runs_are_tighter(name):
    """Before: the subgradient alone read thousands of percent; the fitted one reads tens."""
    X, y = _paper() if name == "paper" else _moons()
    opt = solve_convex(X, y, 0.1, loss="hinge")
    r = train_sgd(X, y, m=8, beta=0.1, loss="hinge", lr=0.01, steps=2000, trials=5, seed=0)
    pct_plain, pct_live = [], []
    for t in range(5):
        a = dual_certificate(X, y, r.U[t], r.alpha[t], 0.1, loss="hinge", patterns=opt.arrangement, refine=0)
        b = dual_certificate(X, y, r.U[t], r.alpha[t], 0.1, loss="hinge", patterns=opt.arrangement, refine=0,
                             stationary=True)
        assert a.lower_bound <= b.lower_bound <= opt.value * (1 + 1e-9)
        pct_plain.append(a.gap / a.lower_bound)
        pct_live.append(b.gap / b.lower_bound)
    assert np.median(pct_plain) > 5 and np.median(pct_live) < 2.5        # > 500 % before, < 250 % now


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), m=st.integers(0, 10), log_scale=st.floats(-3, 2),
       name=st.sampled_from(["plus", "1d"]), beta=st.sampled_from([0.01, 0.1, 1.0, 10.0]))
def test_live_hinge_bound_of_any_network_is_below_pstar(seed, m, log_scale, name, beta):
    """Random networks, including empty ones, tiny and huge weights, and neurons on data hyperplanes."""
    X, y = (PLUS_X, PLUS_Y) if name == "plus" else (with_bias(np.array([-2, -1, 0, 1, 2.0])),
                                                   np.array([1, -1, 1, 1, -1.0]))
    p = _pstar(name, beta)
    rng = np.random.default_rng(seed)
    U = 10.0 ** log_scale * rng.standard_normal((m, 3 if name == "plus" else 2))
    if m and seed % 3 == 0:
        U[0] = np.r_[0.0, 1.0, 0.0][:U.shape[1]] * 10.0 ** log_scale        # a neuron through data points
    a = 10.0 ** log_scale * rng.standard_normal(m)
    c = dual_certificate(X, y, U, a, beta, loss="hinge", refine=0, stationary=True)
    assert c.lower_bound <= p * (1 + 1e-9) and c.gap >= c.objective - p - 1e-9 * p


_PSTAR: dict = {}


def _pstar(name, beta):
    if (name, beta) not in _PSTAR:
        X, y = (PLUS_X, PLUS_Y) if name == "plus" else (with_bias(np.array([-2, -1, 0, 1, 2.0])),
                                                       np.array([1, -1, 1, 1, -1.0]))
        _PSTAR[name, beta] = solve_convex(X, y, beta, loss="hinge", method="cvxpy").value
    return _PSTAR[name, beta]
