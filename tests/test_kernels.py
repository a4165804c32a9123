"""The speed paths against the routes they replace: the compiled kernels (numba) against numpy —
the rank-3 pricing pass and the spanning-tree walk of the correlations g_c = Xᵀ D_c v, over
random, lattice and duplicated 2-D data with a bias, every cell and a threshold, bit for bit —
and Clarabel's faer factorisation against QDLDL."""
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cvxcore import arrangement, with_bias

cells_mod = sys.modules["cvxcore.arrangement.cells"]
kernels = sys.modules["cvxcore.arrangement.kernels"]
NEEDS_NUMBA = pytest.mark.skipif(not kernels.AVAILABLE, reason="numba is not installed (the extra 'fast')")


def data(kind, n, seed):
    rng = np.random.default_rng(seed)
    if kind == "grid":
        k = int(np.ceil(np.sqrt(n)))
        Z = np.array([[i, j] for i in range(k) for j in range(k)], dtype=float)[:n] - k / 2
    elif kind == "duplicates":
        Z = rng.standard_normal((n // 2 + 1, 2))
        Z = np.vstack([Z, Z])[:n]
    else:
        Z = rng.standard_normal((n, 2))
    return with_bias(Z)


def numpy_route(A, fn):
    """Run ``fn`` with the kernels switched off (the same arrangement, its caches kept)."""
    kernels.AVAILABLE = False
    try:
        return fn()
    finally:
        kernels.AVAILABLE = True


@NEEDS_NUMBA
@settings(max_examples=30, deadline=None)
@given(kind=st.sampled_from(["random", "grid", "duplicates"]), n=st.integers(5, 120), seed=st.integers(0, 999),
       thr=st.sampled_from([0.0, 0.3, 1.0]))
def test_compiled_pricing_equals_numpy(kind, n, seed, thr):
    X = data(kind, n, seed)
    A = arrangement(X)
    A.dense_max = 0                      # always the tree walk, as at large n
    v = np.random.default_rng(seed + 1).standard_normal(X.shape[0])
    G = A.correlations(v)
    G0 = numpy_route(A, lambda: A.correlations(v))
    np.testing.assert_array_equal(G, G0)
    Gr = G @ A.Vr
    cells = np.arange(A.n_cells)
    scale = np.linalg.norm(Gr, axis=1).max()
    plus, minus = A.price_rows(Gr, cells, thr * scale)
    plus0, minus0 = numpy_route(A, lambda: A.price_rows(Gr, cells, thr * scale))
    np.testing.assert_array_equal(plus, plus0)
    np.testing.assert_array_equal(minus, minus0)
    # a subset of cells in any order, as the certificate's cutting planes ask
    sub = np.random.default_rng(seed).permutation(A.n_cells)[: max(1, A.n_cells // 3)]
    p1, m1 = A.price_rows(Gr[sub], sub)
    p0, m0 = numpy_route(A, lambda: A.price_rows(Gr[sub], sub))
    np.testing.assert_array_equal(p1, p0)
    np.testing.assert_array_equal(m1, m0)


@pytest.mark.parametrize("loss", ["squared", "hinge"])
def test_faer_and_qdldl_give_the_same_certified_optimum(monkeypatch, loss):
    """The KKT factorisation is a speed choice (cvxcore.conic.kkt_method): both certify the
    same optimum of (8) to the certificate's tolerance."""
    from cvxcore import conic, solve_convex
    from cvxcore.convex.solve import CERT_RTOL
    if not conic._has_faer():
        pytest.skip("this Clarabel has no faer")
    X = data("random", 40, 3)
    y = np.sign(X[:, 0] * X[:, 1])
    out = {}
    for method in ("qdldl", "faer"):
        monkeypatch.setattr(conic, "KKT_SOLVER", method)
        assert conic.kkt_method(100) == method
        r = solve_convex(X, y, 1e-2, loss=loss)
        assert r.status == "optimal"
        out[method] = r
    assert abs(out["faer"].value - out["qdldl"].value) <= 2 * CERT_RTOL * out["qdldl"].value
