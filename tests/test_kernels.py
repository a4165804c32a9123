"""The speed paths against the routes they replace: the compiled kernels (numba) against numpy —
the rank-3 pricing pass, its local maxima over the cell adjacency graph and the spanning-tree
walk of the correlations g_c = Xᵀ D_c v, over
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
    # the local maxima of the pricing over the adjacency graph (ties on lattices included)
    for vals in (plus, np.round(minus, 1)):
        np.testing.assert_array_equal(A.local_maxima(vals), numpy_route(A, lambda vals=vals: A.local_maxima(vals)))


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


@NEEDS_NUMBA
@settings(max_examples=30, deadline=None)
@given(m=st.integers(2, 40), p=st.integers(0, 39), seed=st.integers(0, 999))
def test_compiled_cholesky_deletion_equals_numpy(m, p, seed):
    """The first phase's row deletion from a Cholesky factor: the Givens kernel against the numpy
    loop, bit for bit, and both the factor of the matrix without row and column p."""
    from cvxcore.convex.directions import _delete
    p = p % m
    M = np.random.default_rng(seed).standard_normal((m, m))
    A = M @ M.T + 1e-3 * np.eye(m)
    L = np.linalg.cholesky(A)
    got = _delete(L, p)
    ref = numpy_route(None, lambda: _delete(L, p))
    np.testing.assert_array_equal(got, ref)
    keep = [i for i in range(m) if i != p]
    np.testing.assert_allclose(got @ got.T, A[np.ix_(keep, keep)], atol=1e-9 * np.abs(A).max())


@settings(max_examples=20, deadline=None)
@given(kind=st.sampled_from(["random", "grid", "duplicates"]), n=st.integers(4, 25), seed=st.integers(0, 999))
def test_cell_maximisers_against_sampled_directions(kind, n, seed):
    """max over unit u ∈ K_c of ±vᵀD_cXu for every cell and sign, all cells at once: the direction
    returned lies in its cell and is no worse than any of 20,000 sampled directions there."""
    X = data(kind, n, seed)
    A = arrangement(X)
    rng = np.random.default_rng(seed + 7)
    v = rng.standard_normal(X.shape[0])
    cells = np.arange(A.n_cells)
    signs = np.where(rng.random(cells.size) < 0.5, 1.0, -1.0)
    U = A.argmaxes(v, cells, signs)
    D = A.patterns().astype(float)
    value = signs * np.einsum("cn,nd,cd->c", D * v, X, U)
    S = rng.standard_normal((20_000, X.shape[1]))
    S /= np.linalg.norm(S, axis=1, keepdims=True)
    owner = A.cell_of(S)
    sampled = np.zeros(A.n_cells)            # u = 0 gives 0: the maximum is never below it
    np.maximum.at(sampled, owner, signs[owner] * (np.maximum(S @ X.T, 0.0) @ v))
    scale = np.abs(v).sum() * np.abs(X).max()
    assert np.all(value >= sampled - 1e-9 * scale)
    norms = np.linalg.norm(U, axis=1)
    assert np.all((norms == 0) | (np.abs(norms - 1) < 1e-9))
    # a direction of positive value lies in its cell: D_c X u ≥ 0, (I − D_c) X u ≤ 0
    live = value > 1e-9 * scale
    XU = U[live] @ X.T
    tol = 1e-9 * np.abs(X).max()
    assert np.all(np.where(D[live] > 0, XU, -XU) >= -tol)
