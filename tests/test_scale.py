"""Large 2-D data with a bias: the exact solve over the implicit arrangement, checked against an
independent evaluation of its own certificate (docs/theory.md §2, §4).

The certificate's dual point v must satisfy max_{‖u‖≤1} |vᵀ(Xu)₊| ≤ β.  Here that maximum is
recomputed without the arrangement's walk or its closed-form edge pricing: g_c = Xᵀ D_c v from
the cells' explicit patterns (a dense product, chunk by chunk), and ‖Π_{K_c}(±g_c)‖ by
non-negative least squares over all n rows of each cone (:class:`PatternSet`) for every cell
where ‖g_c‖ could reach β.
"""
import numpy as np
import pytest

from cvxcore import PatternSet, arrangement, get_loss, solve_convex, with_bias


def _xor(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2))
    return with_bias(x), np.sign(x[:, 0] * x[:, 1])


def _independent_dual_norm(X, v, cells, floor):
    """max over cells of ‖Π_K(±Xᵀ D_c v)‖ by explicit patterns and NNLS, over the cells with
    ‖g_c‖ > floor (elsewhere ‖Π_K(g)‖ ≤ ‖g‖ ≤ floor); and how many cells that priced."""
    Xv = v[:, None] * X
    best, priced = 0.0, 0
    for s in range(0, cells.n_cells, 20_000):
        Dc = cells.patterns(np.arange(s, min(s + 20_000, cells.n_cells)))
        G = Dc.astype(float) @ Xv
        big = np.flatnonzero(np.linalg.norm(G, axis=1) > floor)
        if big.size:
            plus, minus = PatternSet(X, Dc[big]).price(v)
            best = max(best, plus.max(), minus.max())
            priced += big.size
    return best, priced


def test_walk_correlations_equal_explicit_patterns_beyond_the_dense_size():
    """At n = 300 (P·n = 2.7·10⁷, over the dense limit) g_c comes from the spanning-tree walk;
    it equals Xᵀ D_c v from the explicit patterns."""
    X, y = _xor(300, seed=3)
    arr = arrangement(X)
    assert arr.dense is None
    v = np.random.default_rng(1).standard_normal(300)
    cells = np.random.default_rng(2).choice(arr.n_cells, 2000, replace=False)
    G = arr.correlations(v, cells)
    np.testing.assert_allclose(G, arr.patterns(cells).astype(float) @ (v[:, None] * X), rtol=1e-9, atol=1e-9)


@pytest.mark.slow
def test_large_solve_is_certified_by_an_independent_dual_evaluation():
    """n = 300, P = 44,852 cells: the result is optimal; its dual point is feasible by the
    independent pricing, its lower bound is D(v) recomputed, and the gap is ≤ 1e-6."""
    X, y = _xor(300)
    beta = 1e-2
    r = solve_convex(X, y, beta)
    assert r.status == "optimal" and r.exact_patterns
    assert r.active_patterns.shape == (r.m_star, 300)
    top, priced = _independent_dual_norm(X, r.dual, r.arrangement, beta * 0.999)
    assert priced > 0
    assert top <= beta * (1 + 1e-9)
    assert top >= beta * (1 - 1e-6)            # tight at the optimal neurons
    lower = get_loss("squared").dual_value(r.dual, y)
    assert abs(lower - r.lower_bound) <= 1e-12 * abs(r.value)
    assert r.value - lower <= 1e-6 * r.value
