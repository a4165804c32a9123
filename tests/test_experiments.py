"""The paper's experiments as data (cvxcore.experiments), on small problems.

* Remark 3.3: (8) over sampled patterns is ≥ p* and weakly decreasing as nested
  samples grow, reaching p*; checked against the exact arrangement's optimum.
* Sampled patterns are distinct, non-zero, and realisable (an LP written here finds
  a u in each open cell).
* Figure 2/3 builders: shapes, the series they plot, and their claims' bookkeeping.
"""
import numpy as np
import pytest
from scipy.optimize import linprog

from cvxcore import activation_patterns, nonconvex_objective, solve_convex
from cvxcore.experiments import (
    FIG3_RADIUS,
    approximation_curve,
    circle_2d,
    distinct_first,
    figure2,
    figure3,
    paper_1d,
    sample_patterns,
    sampled_pattern_stream,
)


def realisable(X, pattern):
    """Is there a u with x_iᵀu ≥ 0 exactly on the pattern's rows (closed cells, ≥ 0 / ≤ −1 scaled)?"""
    S = np.where(pattern, 1.0, -1.0)
    b = np.where(pattern, 0.0, -1.0)
    res = linprog(np.zeros(X.shape[1]), A_ub=-(S[:, None] * X), b_ub=b, bounds=[(None, None)] * X.shape[1],
                  method="highs")
    return res.status == 0


def test_paper_data_and_circle():
    X, y = paper_1d()
    np.testing.assert_array_equal(X, [[-2, 1], [-1, 1], [0, 1], [1, 1], [2, 1]])
    np.testing.assert_array_equal(y, [1, -1, 1, 1, -1])
    X, y, x = circle_2d(400, seed=2)
    assert X.shape == (400, 3) and np.all(X[:, 2] == 1)
    np.testing.assert_array_equal(y, np.where(np.hypot(x[:, 0], x[:, 1]) > FIG3_RADIUS, 1, -1))
    assert 150 < np.sum(y > 0) < 250                       # balanced in expectation
    np.testing.assert_array_equal(circle_2d(400, seed=2)[0], X)


def test_sampled_patterns_are_distinct_realisable_and_nested():
    X, _, _ = circle_2d(15, seed=1)
    P = sample_patterns(X, 30, seed=4)
    assert P.shape == (30, 15)
    assert np.unique(P, axis=0).shape[0] == 30 and P.any(axis=1).all()
    assert all(realisable(X, p) for p in P[:5])
    assert {tuple(r) for r in P} <= {tuple(r) for r in activation_patterns(X)}   # cells of the arrangement
    short, long = sampled_pattern_stream(X, 50, seed=3), sampled_pattern_stream(X, 500, seed=3)
    np.testing.assert_array_equal(long[:50], short)
    np.testing.assert_array_equal(distinct_first(long, 50), distinct_first(short))
    # asking for more patterns than exist returns all of them
    Xs, _ = paper_1d()
    assert sample_patterns(Xs, 50, seed=0).shape[0] == 9     # 2n = 10 cells, minus the all-off one


@pytest.mark.parametrize("loss", ["squared", "hinge"])
def test_approximation_curve_decreases_to_pstar(loss):
    X, y, _ = circle_2d(10, seed=5)
    if loss == "squared":
        y = y + 0.3 * np.random.default_rng(0).standard_normal(10)
    p = solve_convex(X, y, 0.1, loss=loss, method="cvxpy").value
    c = approximation_curve(X, y, 0.1, [1, 2, 4, 8, 16, 64, 256, 4096], loss=loss, seed=3, method="cvxpy")
    assert c.p_star == pytest.approx(p, rel=1e-7)
    assert all(s == "optimal" for s in c.statuses)
    assert np.all(c.values >= p * (1 - 1e-7))
    assert np.all(np.diff(c.values) <= 1e-7 * p)               # nested samples: weakly decreasing
    assert np.all(np.diff(c.n_patterns) >= 0)
    assert c.values[0] > p * 1.01                              # one direction is far from enough
    assert c.values[-1] == pytest.approx(p, rel=1e-6)          # 4096 directions reach p* here
    with pytest.raises(ValueError, match="samples=0 is out of range"):
        approximation_curve(X, y, 0.1, [0, 5], loss=loss)


def test_figure2_small():
    f = figure2(ms=(2, 20), trials=3, steps=400, record_every=100, method="cvxpy")
    assert f.p_star == pytest.approx(0.8914472026038919, rel=1e-7)
    assert set(f.runs) == {2, 20}
    r = f.runs[20]
    assert r.objectives.shape == (3, 5) and np.all(r.objectives >= f.p_star * (1 - 1e-9))
    rows = f.rows()
    assert len(rows) == 2 * 3 * 5 + 2 and rows[-1] == ("Optimal", 0, -1, 400, f.p_star)
    s = f.summary()
    assert s[20]["trials"] == 3 and 0 <= s[20]["within_1pct"] <= 3 and s[2]["best"] > 0
    for m, c in f.certificates.items():
        assert np.all(c.lower_bound <= f.p_star * (1 + 1e-9))
        np.testing.assert_allclose(c.objective, f.runs[m].final, rtol=1e-12)


def test_figure3_small():
    f = figure3(n=12, m=6, trials=2, batch_size=6, steps=300, grid=11, seed=1, method="cvxpy")
    assert f.optimal.status == "optimal" and f.optimal.exact_patterns
    assert f.approximate.n_patterns == 6 and not f.approximate.exact_patterns
    assert f.approximate.value >= f.p_star * (1 - 1e-7)
    assert f.fields["Optimal"].shape == (11, 11) and len(f.fields) == 3 + 2
    assert np.all(f.sgd.final >= f.p_star * (1 - 1e-9))
    assert np.all(f.certificates.lower_bound <= f.p_star * (1 + 1e-9))
    # the fields are the networks' outputs on the grid
    gx, gy = np.meshgrid(f.grid_x, f.grid_y)
    G = np.stack([gx.ravel(), gy.ravel(), np.ones(gx.size)], axis=1)
    np.testing.assert_allclose(f.fields["Optimal"].ravel(), f.optimal.predict(G), rtol=1e-12)
    s = f.summary()
    assert s["approximate_patterns"] == 6 and 0 <= s["sgd_worse_than_approximate"] <= 2
    assert set(s["train_accuracy"]) == {"Optimal", "Approximate", "SGD (best trial)"}
    rows = f.curve_rows()
    assert rows[-1][0] == "Approximate" and rows[-1][3] == f.approximate.value
    assert nonconvex_objective(f.X, f.y, f.optimal.U, f.optimal.alpha, f.beta, loss="hinge") == \
        pytest.approx(f.p_star, rel=1e-9)
