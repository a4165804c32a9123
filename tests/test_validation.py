"""Bad input: a ValueError that names the parameter, the value and the fix (raised before any large
work: bench/bench_refusals.py times it)."""
import numpy as np
import pytest

from cvxcore import activation_patterns, dual_certificate, nonconvex_objective, solve_convex, with_bias

X = with_bias(np.array([-2, -1, 0, 1, 2.0]))
Y = np.array([1, -1, 1, 1, -1.0])


@pytest.mark.parametrize("args,kwargs,match", [
    ((np.array([[np.nan, 1.0]]), [1.0], 0.1), {}, r"X contains nan at row 0.*NaN/inf"),
    ((np.array([[np.inf, 1.0]]), [1.0], 0.1), {}, r"X contains inf"),
    ((X, Y[:4], 0.1), {}, r"y has shape \(4,\) but X has 5 rows"),
    ((np.zeros((0, 2)), [], 0.1), {}, r"X has shape \(0, 2\).*at least one row"),
    ((np.zeros((2, 2, 2)), [1, 1], 0.1), {}, r"X has shape \(2, 2, 2\) \(3-D\)"),
    ((np.array([1.0, 2.0]), [1, 1], 0.1), {}, r"with_bias"),
    ((X, Y, 0.0), {}, r"beta=0.0 is out of range; beta must be > 0"),
    ((X, Y, -1), {}, r"beta=-1.0 is out of range"),
    ((X, Y, float("nan")), {}, r"beta=nan is not finite"),
    ((X, Y, "big"), {}, r"beta='big' is not a number"),
    ((X, Y, 0.1), {"loss": "l1"}, r"loss='l1' is not a known loss; use one of 'squared', 'hinge', 'logistic'"),
    ((X, Y * 2, 0.1), {"loss": "hinge"}, r"loss='hinge' needs labels in \{-1, \+1\}.*map your classes"),
    ((X, np.array([1, -1, np.nan, 1, 1.0]), 0.1), {}, r"y\[2\] = nan"),
    ((X, Y, 0.1), {"method": "newton"}, r"method='newton' is not known"),
    ((X, Y, 0.1), {"patterns": np.ones((3, 4), bool)}, r"patterns has shape \(3, 4\); it must be \(P, 5\)"),
    ((with_bias(np.random.default_rng(0).standard_normal((20_000, 2))), np.ones(20_000), 0.1), {},
     r"exact-enumeration limit.*method='sample'"),
])
def test_solve_convex_rejects_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):                 # at once: bench/bench_refusals.py
        solve_convex(*args, **kwargs)


def test_network_shape_mismatch():
    with pytest.raises(ValueError, match=r"U has shape \(3, 4\); it must be \(m, 2\)"):
        nonconvex_objective(X, Y, np.ones((3, 4)), np.ones(3), 0.1)
    with pytest.raises(ValueError, match=r"alpha has shape \(2,\) but U has 3 rows"):
        dual_certificate(X, Y, np.ones((3, 2)), np.ones(2), 0.1)
    with pytest.raises(ValueError, match="NaN/inf"):
        nonconvex_objective(X, Y, np.full((1, 2), np.nan), np.ones(1), 0.1)


def test_with_bias_and_patterns_reject_garbage():
    with pytest.raises(ValueError, match="x contains nan"):
        with_bias([1.0, np.nan])
    with pytest.raises(ValueError, match="could not be read as a numeric array"):
        activation_patterns([["a", "b"]])


@pytest.mark.parametrize("n", [20_000, 40_000])
def test_the_size_guard_refuses_before_any_quadratic_work(n):
    """2-D data with a bias at n = 20,000 and 40,000 (P ≈ n² cells): refused with the count and
    the fix, allocating a few arrays of size n — never an n × n matrix or a MemoryError."""
    import tracemalloc
    X = with_bias(np.random.default_rng(0).standard_normal((n, 2)))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"activation patterns.*exact-enumeration limit.*method='sample'"):
            solve_convex(X, np.ones(n), 0.1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200 * n * 8, f"peak {peak / 2**20:.0f} MB: more than O(n) memory before refusing"


def test_complex_data_is_refused_not_truncated():
    with pytest.raises(ValueError, match="X is complex"):
        solve_convex(X + 1j, Y, 0.1)
    with pytest.raises(ValueError, match="y is complex"):
        solve_convex(X, Y + 0j, 0.1)


@pytest.mark.parametrize("bad,match", [(np.nan, r"patterns\[0, 0\] = nan"), (2, r"patterns\[0, 0\] = 2"),
                                        ("x", "dtype")])
def test_patterns_must_be_zero_or_one(bad, match):
    P = activation_patterns(X).astype(object if bad == "x" else float)
    P[0, 0] = bad
    with pytest.raises(ValueError, match=match):
        solve_convex(X, Y, 0.1, patterns=P)
    ok = solve_convex(X, Y, 0.1, patterns=activation_patterns(X).astype(int))
    assert ok.status == "optimal"


def test_every_method_rejects_unknown_options():
    for method in ("fast", "cvxpy", "auto"):
        with pytest.raises(ValueError, match=r"unknown option.*'colour'"):
            solve_convex(X, Y, 0.1, method=method, colour="red")


def test_a_zero_dimensional_array_is_a_number():
    r = solve_convex(X, Y, np.array(0.1))
    assert r.status == "optimal" and r.beta == 0.1
    assert nonconvex_objective(X, Y, r.U, r.alpha, np.array(0.1)) == pytest.approx(r.value, rel=1e-12)


def test_beta_has_no_artificial_cap():
    """β beyond the old cap of 10³ is a valid weight decay (the zero network is optimal there)."""
    r = solve_convex(X, Y, 5e3)
    assert r.status == "optimal" and r.m_star == 0
