"""The neural gauge (docs/theory.md §5): two routes agree, with each other and with independent checks.

Independent checks used here, none of which shares code with the routes:
* a sampled dictionary LP: min Σ|c_k| s.t. Σ c_k w_k = y over w_k = (X u_k)₊ on a dense
  circle of u (n = 2), an upper bound that converges to γ from above;
* the NNLS cone-projection pricing of an explicit pattern list (:class:`cvxcore.PatternSet`);
* brute-force sampling of u in the ball, and closed forms for X = I and rank-1 X.
"""
import numpy as np
import pytest
from scipy.optimize import linprog

from cvxcore import PatternSet, activation_patterns
from cvxcore.geometry import (
    AGREE_RTOL,
    beta_curve,
    check_geometry_X,
    geometry,
    hull_support,
    neural_gauge,
    polar_cutting_plane,
    relu_support,
    span_basis,
)

RANDOM_CASES = [(n, d, seed) for n in (2, 3) for d in (2, 3, 5) for seed in range(3)] + [(2, 1, 0), (2, 1, 1)]


def _random(n, d, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if d == 1 and n == 2:      # opposite signs: C is 2-D (same signs would make it a segment)
        X[1] = -np.sign(X[0]) * np.abs(X[1])
    return X, rng.standard_normal(n)


def _ball_samples(X, k=20000, seed=0):
    """Points (X u)₊ for u uniform on the unit sphere: the extreme part of Q_X."""
    U = np.random.default_rng(seed).standard_normal((k, X.shape[1]))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    return np.maximum(U @ X.T, 0.0)


@pytest.mark.parametrize("n,d,seed", RANDOM_CASES)
def test_two_routes_agree_and_certify(n, d, seed):
    X, y = _random(n, d, seed)
    r = neural_gauge(X, y)
    assert r.status == "optimal", r.message
    assert abs(r.primal - r.polar) <= AGREE_RTOL * r.primal
    # the polar point, checked by the exact oracle, gives a certified lower bound
    assert r.lower_bound <= r.primal * (1 + 1e-9)
    assert abs(r.lower_bound - r.primal) <= AGREE_RTOL * r.primal
    # the neurons: unit norm, interpolate y, cost Σ|α| = γ
    assert np.allclose(np.linalg.norm(r.U, axis=1), 1.0)
    assert r.residual <= 1e-7 * np.linalg.norm(y)
    assert abs(np.abs(r.alpha).sum() - r.primal) <= 1e-7 * r.primal
    # Carathéodory on a face of C: y/γ is a convex combination of at most n points of ±Q_X
    assert 1 <= r.alpha.size <= n


@pytest.mark.parametrize("seed", range(4))
def test_gauge_matches_sampled_dictionary_lp(seed):
    """γ ≤ LP over 4000 sampled atoms ±(Xu_k)₊ ≤ γ (1 + 1e-3): a route with no patterns or cones."""
    X, y = _random(2, 3, seed)
    r = neural_gauge(X, y)
    # atoms from the boundary of E: u on the unit circle of X's row space, exact angles every 2π/4000
    Vr = np.linalg.svd(X, full_matrices=False)[2][:2].T
    t = np.linspace(0, 2 * np.pi, 4000, endpoint=False)
    W = np.maximum(np.stack([np.cos(t), np.sin(t)], 1) @ Vr.T @ X.T, 0.0)
    k = W.shape[0]
    res = linprog(np.ones(2 * k), A_eq=np.hstack([W.T, -W.T]), b_eq=y, bounds=(0, None), method="highs")
    assert res.status == 0
    assert r.value <= res.fun * (1 + 1e-9)
    # the optimal atoms often sit at kinks of ∂Q (where a coordinate crosses 0): first-order error in 1/N
    assert res.fun <= r.value * (1 + 1e-3)


@pytest.mark.parametrize("n,d,seed", [(2, 3, 0), (3, 3, 1), (3, 4, 2), (2, 1, 3)])
def test_relu_support_is_exact(n, d, seed):
    X, _ = _random(n, d, seed)
    Z = np.random.default_rng(seed + 10).standard_normal((40, n))
    h, U = relu_support(X, Z)
    # attained: each value is zᵀ(Xu)₊ of its returned u, with ‖u‖ ≤ 1
    assert np.all(np.linalg.norm(U, axis=1) <= 1 + 1e-12)
    assert np.allclose(np.einsum("kn,kn->k", np.maximum(U @ X.T, 0), Z), h, atol=1e-12)
    # equal to the NNLS cone-projection pricing of the certificate module
    P = activation_patterns(X)
    h2 = np.array([PatternSet(X, P).price(z)[0].max(initial=0.0) for z in Z])
    assert np.allclose(h, h2, rtol=1e-9, atol=1e-12)
    # never beaten by brute-force sampling
    W = _ball_samples(X, 20000, seed)
    assert np.all((W @ Z.T).max(axis=0) <= h + 1e-12)


@pytest.mark.parametrize("n,d,seed", [(2, 2, 5), (3, 3, 6), (3, 2, 7)])
def test_homogeneous_and_symmetric(n, d, seed):
    X, y = _random(n, d, seed)
    g = neural_gauge(X, y).value
    for c in (1e-4, 0.1, 3.0, 1e4):
        assert neural_gauge(X, c * y).value == pytest.approx(c * g, rel=1e-8)
        assert neural_gauge(c * X, y).value == pytest.approx(g / c, rel=1e-8)     # C(cX) = c·C(X)
    assert neural_gauge(X, -y).value == pytest.approx(g, rel=1e-6)
    # y/γ lies on ∂C
    assert neural_gauge(X, y / g).value == pytest.approx(1.0, rel=1e-6)


def test_closed_forms():
    # X = I: Q is the quarter disc; inside the positive quadrant γ = ‖y‖₂, across quadrants ‖y‖₁
    I = np.eye(2)
    assert neural_gauge(I, [0.3, 0.4]).value == pytest.approx(0.5, rel=1e-7)
    assert neural_gauge(I, [-0.3, -0.4]).value == pytest.approx(0.5, rel=1e-7)
    assert neural_gauge(I, [1.0, -2.0]).value == pytest.approx(3.0, rel=1e-7)
    # opposite rows x₂ = −x₁: Q = two axis segments of length ‖x₁‖, C a diamond: γ = ‖y‖₁/‖x₁‖
    X = np.array([[1.0, 2.0], [-1.0, -2.0]])
    assert neural_gauge(X, [0.7, -0.2]).value == pytest.approx(0.9 / 5 ** 0.5, rel=1e-7)
    # n = 3, X = I: in the positive orthant γ = ‖y‖₂; with mixed signs ‖y₊‖₂ + ‖y₋‖₂
    I3 = np.eye(3)
    assert neural_gauge(I3, [1.0, 2.0, 2.0]).value == pytest.approx(3.0, rel=1e-7)
    assert neural_gauge(I3, [3.0, -4.0, 0.0]).value == pytest.approx(7.0, rel=1e-7)
    assert neural_gauge(I3, [3.0, 4.0, -1.0]).value == pytest.approx(6.0, rel=1e-7)


def test_degenerate_data_is_infeasible_not_an_error():
    # parallel rows: Q is a segment along (1, 2); y off that line cannot be interpolated
    X = np.array([[1.0, 2.0], [2.0, 4.0]])
    r = neural_gauge(X, [1.0, 0.0])
    assert r.status == "infeasible" and r.value == np.inf and r.polar == np.inf
    assert "span" in r.message
    # on the line: y = s·(1, 2) needs |α| ≥ s/‖(1, 2)‖, for either sign of s
    for s in (1.5, -1.5):
        r = neural_gauge(X, [s, 2 * s])
        assert r.status == "optimal"
        assert r.value == pytest.approx(abs(s) / 5 ** 0.5, rel=1e-7)
    # a zero row: that output is always 0
    Z = np.array([[1.0, 0.5], [0.0, 0.0]])
    assert neural_gauge(Z, [0.0, 1.0]).status == "infeasible"
    assert neural_gauge(Z, [2.0, 0.0]).value == pytest.approx(2.0 / np.linalg.norm([1, 0.5]), rel=1e-7)
    # n = 3 with rank-1 X: span(Q_X) has dimension ≤ 2
    r = neural_gauge(np.array([[1.0], [2.0], [-1.0]]), [1.0, 1.0, 1.0])
    assert r.status == "infeasible"
    # y = 0: gauge 0
    assert neural_gauge(np.eye(2), [0.0, 0.0]).value == 0.0


@pytest.mark.parametrize("X,match", [
    (np.ones(3), "2-D"),                                 # a vector
    (np.ones((4, 2)), "n = 4 rows"),                     # too many points to draw
    (np.ones((1, 2)), "n = 1 rows"),
    (np.array([[1.0, np.nan], [0.0, 1.0]]), "nan"),
    ([["a", "b"], ["c", "d"]], "numeric"),
])
def test_bad_X_is_a_clear_error(X, match):
    for f in (lambda: neural_gauge(X, np.ones(2)), lambda: geometry(X), lambda: check_geometry_X(X)):
        with pytest.raises(ValueError, match="(?i)" + match) as e:
            f()
        assert "X" in str(e.value)


def test_bad_y_is_a_clear_error():
    with pytest.raises(ValueError, match="y has shape"):
        neural_gauge(np.eye(2), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="non-finite"):
        neural_gauge(np.eye(2), [1.0, np.inf])


# ----------------------------------------------------------------------------- the drawn sets

@pytest.mark.parametrize("n,d,seed", [(2, 2, 0), (2, 4, 1), (2, 1, 2), (3, 3, 3), (3, 2, 4)])
def test_geometry_points_lie_in_their_sets(n, d, seed):
    X, _ = _random(n, d, seed)
    G = geometry(X, num=400 if n == 2 else 800)
    # ellipsoid points are X u with ‖u‖ ≤ 1 (and = 1 when X has full row rank)
    assert np.all(np.linalg.norm(G.preimages, axis=1) <= 1 + 1e-9)
    assert np.allclose(G.preimages @ X.T, G.ellipsoid, atol=1e-10)
    assert np.allclose(G.rectified, np.maximum(G.ellipsoid, 0.0))
    # polar boundary: |zᵀw| ≤ 1 on sampled Q points, and tight (= 1 for the exact maximiser)
    W = _ball_samples(X, 20000, seed)
    M = np.abs(G.polar @ W.T).max(axis=1)
    assert np.all(M <= 1 + 1e-9)
    if G.polar_bounded:
        assert np.allclose(hull_support(X, G.polar), 1.0, atol=1e-9)
        assert M.min() >= 0.99
    # hull vertices: points of ±Q_X (gauge ≤ 1) on the boundary of C (gauge ≈ 1)
    V = G.hull if n == 3 else G.hull[:-1]
    idx = np.random.default_rng(seed).choice(V.shape[0], min(5, V.shape[0]), replace=False)
    for v in V[idx]:
        g = neural_gauge(X, v).value
        assert 0.995 <= g <= 1 + 1e-6


def test_geometry_of_rank_deficient_X_is_a_handled_picture():
    G = geometry(np.array([[1.0, 2.0], [2.0, 4.0]]), num=200)
    assert G.hull_dim == 1 and not G.polar_bounded
    assert np.all(np.isfinite(G.polar)) and np.abs(G.polar).max() <= G.clip * (1 + 1e-12)
    assert G.hull.shape == (2, 2)                        # a segment through 0
    assert np.allclose(G.hull[0], -G.hull[1])
    G3 = geometry(np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 0.0]]), num=300)
    assert G3.hull_dim == 1 and not G3.polar_bounded and np.all(np.isfinite(G3.polar))
    assert span_basis(np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 0.0]])).shape == (3, 1)


def test_n2_curves_contain_exact_vertices():
    """The rectified curve reaches the exact extreme points: max (Xu)_k = ‖x_k‖ on the axes."""
    X = np.array([[1.0, 0.0], [-0.6, 0.8]])
    G = geometry(X, num=64)
    assert G.rectified[:, 0].max() == pytest.approx(1.0, abs=1e-14)
    assert G.rectified[:, 1].max() == pytest.approx(1.0, abs=1e-14)


# ----------------------------------------------------------------------------- β → 0

def test_beta_curve_rises_to_the_gauge():
    X = np.array([[1.0, 0.0], [0.5, 1.0]])
    y = np.array([0.6, 0.9])
    c = beta_curve(X, y, num=6, decades=4)
    assert all(s == "optimal" for s in c.statuses)
    assert c.gauge == pytest.approx(neural_gauge(X, y).value)
    assert np.all(np.diff(c.betas) < 0)
    assert np.all(np.diff(c.ratios) >= -1e-7 * c.gauge)          # non-decreasing as β ↓ 0
    assert np.all(c.ratios <= c.gauge * (1 + 1e-6))
    assert c.gauge - c.ratios[-1] <= 1e-3 * c.gauge
    # at β_max the zero network is optimal: p* = ½‖y‖²
    assert c.values[0] == pytest.approx(0.5 * y @ y, rel=1e-6)
    # the gap closes linearly in β: γ − p*/β ≈ β‖z*‖²/2 for small β
    gap = c.gauge - c.ratios
    assert gap[-1] / gap[-2] == pytest.approx(c.betas[-1] / c.betas[-2], rel=0.1)
    z = neural_gauge(X, y).z                                        # the residual is ≈ β z*
    assert gap[-1] / c.betas[-1] == pytest.approx(z @ z / 2, rel=0.02)
    # here y/γ is on the ellipse arc in the positive quadrant: γ = √(yᵀ(XXᵀ)⁻¹y)
    assert c.gauge == pytest.approx(np.sqrt(y @ np.linalg.solve(X @ X.T, y)), rel=1e-7)


@pytest.mark.parametrize("n,d,seed", [(2, 3, 0), (2, 3, 1), (2, 2, 4), (3, 3, 0), (3, 3, 1), (3, 4, 2), (3, 5, 3)])
def test_cutting_plane_route_brackets_the_gauge(n, d, seed):
    """Kelley's cutting planes (HiGHS LPs + the exact oracle, no cvxpy) bracket γ to 1e-6."""
    X, y = _random(n, d, seed)
    g = neural_gauge(X, y).value
    lower, upper, it, z = polar_cutting_plane(X, y, rtol=1e-6)
    assert upper - lower <= 1e-6 * upper, (lower, upper, it)
    assert lower * (1 - 1e-9) <= g <= upper * (1 + 1e-9)
    assert hull_support(X, z[None])[0] == pytest.approx(1.0, abs=1e-12)   # z ∈ ∂C°


@pytest.mark.parametrize("n,d,seed,num,tol", [(2, 2, 0, 721, 2e-5), (2, 4, 1, 721, 2e-5), (2, 1, 2, 64, 1e-12),
                                              (3, 3, 3, 2000, 1e-2), (3, 2, 4, 2000, 1e-2)])
def test_drawn_hull_has_the_exact_support_function(n, d, seed, num, tol):
    """max over the drawn ∂C of θᵀv equals h_C(θ) from the oracle, to the sampling error."""
    X, _ = _random(n, d, seed)
    G = geometry(X, num=num)
    T = np.random.default_rng(seed).standard_normal((300, n))
    T /= np.linalg.norm(T, axis=1, keepdims=True)
    drawn = (G.hull @ T.T).max(axis=0)
    exact = hull_support(X, T)
    assert np.all(drawn <= exact + 1e-12)                  # the drawn points are in C
    assert np.all(exact - drawn <= tol * exact.max())       # and C is no bigger than drawn
