"""lab.cached without the app: the solve in a worker process, its fallback, the preset prefix."""
import numpy as np
import pytest

from cvxcore import solve_convex, with_bias
from cvxcore.datasets import make
from lab import cached


def _data():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((25, 2))
    return with_bias(x), np.sign(x[:, 0] * x[:, 1])


def test_worker_solve_equals_the_in_process_solve_and_passes_value_errors(monkeypatch):
    monkeypatch.setattr(cached.os, "cpu_count", lambda: 2)        # one spare core: the pool
    X, y = _data()
    res = cached._solve_elsewhere(X, y, 0.05, loss="squared", patterns=None)
    ref = solve_convex(X, y, 0.05)
    assert cached._POOL is not None and res.status == "optimal"
    assert res.value == pytest.approx(ref.value, rel=1e-9) and res.m_star == ref.m_star
    with pytest.raises(ValueError, match="beta"):
        cached._solve_elsewhere(X, y, -1.0, loss="squared", patterns=None)


def test_a_broken_pool_falls_back_to_solving_here(monkeypatch):
    X, y = _data()

    class Broken:
        def submit(self, *a, **k):
            raise OSError("no worker")
    monkeypatch.setattr(cached.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(cached, "_POOL", Broken())
    res = cached._solve_elsewhere(X, y, 0.05, loss="squared", patterns=None)
    assert res.status == "optimal" and cached._POOL is None
    monkeypatch.setattr(cached.os, "cpu_count", lambda: 1)        # no spare core: here
    assert cached._solve_elsewhere(X, y, 0.05, loss="squared", patterns=None).value == pytest.approx(res.value)


def test_a_platform_without_forkserver_solves_here(monkeypatch):
    """get_context("forkserver") raises ValueError where it does not exist (Windows): that is
    not the user's bad input, so the solve goes on in this process."""
    def no_forkserver(method):
        raise ValueError(f"cannot find context for {method!r}")
    X, y = _data()
    monkeypatch.setattr(cached.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(cached.multiprocessing, "get_context", no_forkserver)
    monkeypatch.setattr(cached, "_POOL", None)
    assert cached._solve_elsewhere(X, y, 0.05, loss="squared", patterns=None).status == "optimal"


def test_preset_prefix():
    """A preset as a session holds it (at the link's precision, as lab.state stores every data
    set), with points appended; the preset at full precision is not a session's data."""
    from lab import codec
    x, y = codec.at_link_precision(*make("moons"))
    assert cached.preset_prefix(with_bias(np.vstack([make("moons")[0], [[0.1, 0.2]]])), np.append(y, 1.0)) is None
    X2 = with_bias(np.vstack([x, [[0.1, 0.2]]]))
    assert cached.preset_prefix(X2, np.append(y, 1.0)) == len(y)
    assert cached.preset_prefix(with_bias(x), y) is None                 # the preset itself
    assert cached.preset_prefix(X2, np.append(-y, 1.0)) is None          # other labels
    xp, yp = make("paper")
    assert cached.preset_prefix(with_bias(np.append(xp.ravel(), 0.5)), np.append(yp, 1.0)) == len(yp)
