"""The pages' logic that is not about widgets, called without Streamlit running (no AppTest).

Each check compares with an independent route: the network on the canvas against a loop over the
neurons; the Convex page's neuron table against the neurons' own patterns and block norms; the SGD
page's certificates against the objective (2) of each run's weights; the Data page's remarks
against counts made here.
"""
import numpy as np
import pytest

from app_pages import convex, data, sgd
from cvxcore import nonconvex_objective, solve_convex, with_bias
from lab import canvas, codec, training
from lab.codec import Dataset


def _by_loop(P: np.ndarray, U: np.ndarray, alpha: np.ndarray, bias: bool) -> np.ndarray:
    rows = [np.append(p, 1.0) if bias else np.asarray(p, float) for p in P]
    return np.array([sum(a * max(0.0, float(u @ x)) for u, a in zip(U, alpha)) for x in rows])


@pytest.mark.parametrize("bias", [True, False])
def test_the_network_on_the_canvas_is_the_network(bias):
    rng = np.random.default_rng(4)
    U1, a = rng.standard_normal((5, 1 + bias)), rng.standard_normal(5)
    xs, f = canvas.network_on_canvas(U1, a, bias, 1)
    assert xs[0] == canvas.CANVAS_1D[0][0] and xs[-1] == canvas.CANVAS_1D[0][1] and xs.size == canvas.FIT_POINTS
    np.testing.assert_allclose(f, _by_loop(xs[:, None], U1, a, bias), rtol=1e-12, atol=1e-12)
    U2 = rng.standard_normal((5, 2 + bias))
    g, F = canvas.network_on_canvas(U2, a, bias, 2, points=7)
    assert F.shape == (7, 7)
    for i, j in [(0, 0), (2, 5), (6, 1)]:                       # F[i, j] = f(g[j], g[i])
        assert F[i, j] == pytest.approx(_by_loop([(g[j], g[i])], U2, a, bias)[0], abs=1e-12)


def test_a_diverged_network_on_the_canvas_gives_no_warning():
    with np.errstate(all="raise"):
        _, f = canvas.network_on_canvas(np.array([[1e308, 1e308]]), np.array([1e308]), True, 1)
    assert not np.isfinite(f).all()


def test_the_neuron_tables_follow_the_neurons():
    rng = np.random.default_rng(8)
    pts = codec.at_link_precision(rng.uniform(-2, 2, (14, 2)), np.ones(14))[0]
    y = np.where(pts[:, 0] * pts[:, 1] > 0, 1.0, -1.0)
    ds = Dataset(pts, y, True)
    res = solve_convex(with_bias(pts), y, 0.05, loss="hinge")
    rows = convex.active_pattern_rows(res)
    assert len(rows) == res.m_star > 0
    for r, u, a in zip(rows, res.U, res.alpha):
        D = "".join("1" if v >= 0 else "0" for v in with_bias(pts) @ u)
        assert r["Dᵢ (1 = point active)"] == D
        assert r["block"].startswith("vᵢ" if a > 0 else "wᵢ")
        assert r["block norm"] == pytest.approx(abs(a) * np.linalg.norm(u), rel=1e-3)
    neurons = convex.neuron_rows(ds, res)
    assert [list(n) for n in neurons] == [["u1", "u2", "u (bias)", "α"]] * res.m_star
    assert neurons[0]["α"] == pytest.approx(res.alpha[0], rel=1e-3)


def test_the_sgd_certificates_are_the_runs_objective_and_a_bound_below_p_star():
    X = with_bias(np.array([-2, -1, 0, 1, 2.0]))
    y = np.array([1, -1, 1, 1, -1.0])
    res = solve_convex(X, y, 0.1)
    cfg = training.Config(beta=0.1, loss="squared", m=3, trials=2, lr=0.01, steps=300, batch=None, seed=1,
                          optimizer="sgd")
    run = training.LiveRun(X, y, cfg, res.patterns)
    run.advance(300)
    rows = sgd.certificate_rows(run, run.certificates(), res.value)
    assert [r["run"] for r in rows] == [1, 2] and all(r["status"] == "done" for r in rows)
    for t, r in enumerate(rows):
        U, a = run.network(t)
        assert float(r["objective (2)"]) == pytest.approx(nonconvex_objective(X, y, U, a, 0.1), rel=1e-4)
        assert float(r["certified lower bound on p*"]) <= res.value * (1 + 1e-4) <= float(r["objective (2)"]) + 2e-4
        assert r["certified: at most above p*"].endswith("(refined)")
    assert sgd.counter_text(run) == "**step 300** of 300 · done"
    assert sgd.lr_to_try(0.01) == 0.001 and sgd.percent(0.004) == "< 0.01 %" and sgd.percent(1.5) == "1.50 %"


def test_the_data_summary_counts_what_it_says():
    pts = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]])
    line, notes = data.summary(Dataset(pts, np.ones(5), False))
    assert line.startswith("**n = 5** points, d = 2 columns of X (no bias)")
    assert ("warning", "3 point(s) repeat an earlier position; they count twice in the loss but add no "
                       "hyperplane.") in notes
    assert any(k == "warning" and "one class" in t for k, t in notes)
    assert notes[-1] == ("caption", "Without a bias every neuron's hyperplane passes through the origin.")
    assert data.summary(Dataset(np.zeros((0, 1)), np.zeros(0), True))[1] == [
        ("info", "The data set is empty: click the canvas or load a preset.")]
