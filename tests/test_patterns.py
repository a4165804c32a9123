"""Activation patterns: exact enumeration against independent routes.

* Cover's formula (rows in general position),
* realisability: every enumerated pattern is an open cell, proved by an LP
  that finds u with (2D − I) X u ≥ 1 (written here, not in cvxcore),
* coverage: dense random sampling finds no pattern the enumeration missed.
"""
import numpy as np
import pytest
from scipy.optimize import linprog

from cvxcore import activation_patterns, cover_count, exact_pattern_bound, paper_bound, with_bias


def as_set(P):
    return {tuple(row) for row in np.asarray(P, dtype=bool)}


def realisable(X, pattern):
    """Is {u : x_iᵀu > 0 for on rows, < 0 for off rows} non-empty?  (scaled: ≥ 1 / ≤ −1)"""
    S = np.where(pattern, 1.0, -1.0)
    A = -(S[:, None] * X)
    zero = np.all(np.abs(X) < 1e-12, axis=1)      # zero rows are on for every u: no constraint
    res = linprog(np.zeros(X.shape[1]), A_ub=A[~zero], b_ub=-np.ones((~zero).sum()),
                  bounds=[(None, None)] * X.shape[1], method="highs")
    return res.status == 0


def sampled(X, k=200_000, seed=0):
    U = np.random.default_rng(seed).standard_normal((X.shape[1], k))
    return as_set(np.unique((X @ U).T >= 0, axis=0))


def check_against_independent_routes(X, samples=200_000):
    P = activation_patterns(X)
    assert len(as_set(P)) == P.shape[0], "patterns are not distinct"
    for row in P:
        assert realisable(X, row), f"enumerated pattern {row.astype(int)} is not an open cell"
    missing = sampled(X, samples) - as_set(P)
    assert not missing, f"sampling found {len(missing)} patterns the enumeration missed"
    return P


def test_paper_1d_example_has_2n_patterns():
    X = with_bias(np.array([-2, -1, 0, 1, 2.0]))
    P = check_against_independent_routes(X)
    assert P.shape == (10, 5)
    # thresholds on a line: every pattern is a prefix or a suffix of the sorted points
    for row in P.astype(int):
        s = "".join(map(str, row))
        assert s == "".join(sorted(s)) or s == "".join(sorted(s, reverse=True))


@pytest.mark.parametrize("n", [3, 7, 12, 30])
def test_2d_with_bias_matches_cover(n):
    X = with_bias(np.random.default_rng(n).standard_normal((n, 2)))
    P = check_against_independent_routes(X) if n <= 12 else activation_patterns(X)
    assert P.shape[0] == cover_count(n, 3) == 2 * (1 + (n - 1) + (n - 1) * (n - 2) // 2)
    assert P.shape[0] <= paper_bound(n, 3)
    assert exact_pattern_bound(X) == cover_count(n, 3)


def test_2d_without_bias_and_3d_with_bias_match_cover():
    rng = np.random.default_rng(1)
    X2 = rng.standard_normal((9, 2))
    assert check_against_independent_routes(X2).shape[0] == cover_count(9, 2) == 18
    X4 = with_bias(rng.standard_normal((7, 3)))            # rank 4: the general recursion
    assert check_against_independent_routes(X4).shape[0] == cover_count(7, 4)


def test_sampled_patterns_are_all_enumerated():
    X = with_bias(np.random.default_rng(5).standard_normal((40, 2)))
    exact = as_set(activation_patterns(X))
    S = activation_patterns(X, method="sample", samples=5000, seed=3)
    assert as_set(S) <= exact and 0 < S.shape[0] < len(exact)
    assert np.array_equal(S, activation_patterns(X, method="sample", samples=5000, seed=3))


def test_collinear_grid_points():
    # Mouse-drawn data snaps to a grid: many exactly collinear triples.
    g = np.array([[0, 0], [1, 1], [2, 2], [0, 1], [1, 0], [3, 3], [2, 0], [0, 2], [1, 2]], float)
    X = with_bias(g)
    P = check_against_independent_routes(X, samples=400_000)
    assert P.shape[0] < cover_count(len(g), 3)


def test_repeated_points_share_their_bit():
    base = np.array([[0.0, 0.3], [1.0, -0.2], [0.4, 1.1], [-0.7, 0.5]])
    X = with_bias(np.vstack([base, base[[1, 1, 2]]]))
    P = check_against_independent_routes(X)
    assert P.shape[0] == activation_patterns(with_bias(base)).shape[0]
    assert np.array_equal(P[:, 4], P[:, 1]) and np.array_equal(P[:, 5], P[:, 1]) and np.array_equal(P[:, 6], P[:, 2])


def test_opposite_rows_zero_rows_and_rank_one():
    X = np.array([[1.0, 2.0], [-2.0, -4.0], [0.0, 0.0], [3.0, 1.0]])
    P = check_against_independent_routes(X)
    assert np.all(P[:, 2]), "a zero row is on for every u (0 ≥ 0)"
    assert np.all(P[:, 0] != P[:, 1]), "negatively proportional rows have opposite bits"
    X1 = np.array([[1.0], [2.0], [-1.0]])
    assert as_set(activation_patterns(X1)) == {(True, True, False), (False, False, True)}


def test_all_zero_pattern_is_included_with_bias():
    X = with_bias(np.random.default_rng(2).standard_normal((6, 2)))
    P = activation_patterns(X)
    assert (~P).all(axis=1).any()


def test_too_large_enumeration_is_refused_at_once():
    X = with_bias(np.random.default_rng(0).standard_normal((1500, 2)))
    with pytest.raises(ValueError, match="method='sample'"):      # at once: bench/bench_refusals.py
        activation_patterns(X)


def test_bad_method_and_samples():
    X = with_bias(np.arange(4.0))
    with pytest.raises(ValueError, match="method="):
        activation_patterns(X, method="grid")
    with pytest.raises(ValueError, match="samples"):
        activation_patterns(X, method="sample", samples=0)


@pytest.mark.parametrize("collide", [False, True])
def test_cell_keys_sort_as_complex_numbers(collide):
    """The enumeration groups arcs by cell with one sort of their hash keys: sorting by the real
    part as integers gives numpy's stable complex order, also when two keys share a real part."""
    from cvxcore.arrangement.walk import _sort_keys
    rng = np.random.default_rng(3)
    base = rng.integers(0, 2 ** 50, (500, 2)).astype(float)
    keys = (base[:, 0] + 1j * base[:, 1])[rng.integers(0, 500, 4000)]
    if collide:
        keys[10] = keys[20].real + 1j * (keys[20].imag + 1.0)
    np.testing.assert_array_equal(_sort_keys(keys), np.argsort(keys, kind="stable"))
