"""lab.cached without the app: the solve in a worker process, its fallback, the preset prefix."""
import logging

import numpy as np
import pytest

from cvxcore import solve_convex, with_bias
from cvxcore.datasets import make
from lab import cached, solve_job


def _data():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((25, 2))
    return with_bias(x), np.sign(x[:, 0] * x[:, 1])


def test_worker_solve_equals_the_in_process_solve_and_passes_value_errors():
    workers = cached.SolveWorkers(max_workers=1)                 # one spare core: the pool
    X, y = _data()
    res = workers.run(solve_convex, X, y, 0.05, loss="squared", patterns=None)
    ref = solve_convex(X, y, 0.05)
    assert workers.running and res.status == "optimal"
    assert res.value == pytest.approx(ref.value, rel=1e-9) and res.m_star == ref.m_star
    with pytest.raises(ValueError, match="beta"):
        workers.run(solve_convex, X, y, -1.0, loss="squared", patterns=None)
    assert workers.take_failure() is None                       # bad input is not a worker failure


def test_a_page_solve_travels_without_its_cell_set_and_is_the_in_process_solve():
    """lab.solve_job: the worker gets the warm start without the previous cell set, and the
    result comes back without its own (arrangement None: kilobytes through the pipe and in the
    cache, not the arrangement's megabytes); the page that needs the patterns rebuilds them."""
    import pickle
    workers = cached.SolveWorkers(max_workers=1)
    X, y = _data()
    ref = solve_convex(X, y, 0.05)
    cold = workers.run(solve_job.solve, X, y, 0.05, "squared")
    assert workers.running and cold.arrangement is None and cold.status == "optimal"
    assert cold.value == pytest.approx(ref.value, rel=1e-9) and cold.m_star == ref.m_star
    assert len(pickle.dumps(cold)) < len(pickle.dumps(ref)) // 5
    warm = solve_job.travelling(cold, X.shape[1])
    assert warm is not None and warm.cells is None and warm.support is not None and len(warm.support)
    step = workers.run(solve_job.solve, X, y, 0.06, "squared", None, warm)
    assert step.info["warm_blocks"] == len(warm.support) and step.status == "optimal"
    assert step.value == pytest.approx(solve_convex(X, y, 0.06).value, rel=1e-8)
    np.testing.assert_array_equal(solve_job.exact_patterns(X), ref.patterns)
    assert solve_job.travelling(None, 3) is None


def test_a_broken_pool_falls_back_to_solving_here_and_says_so_once(caplog):
    X, y = _data()

    class Broken:
        def submit(self, *a, **k):
            raise OSError("no worker")
    workers = cached.SolveWorkers(max_workers=1)
    workers._new_pool = Broken                                    # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="convex_relu_lab.solve"):
        res = workers.run(solve_convex, X, y, 0.05, loss="squared", patterns=None)
    assert res.status == "optimal" and not workers.running        # the next call builds a fresh pool
    assert "a solve worker failed" in caplog.text and "no worker" in caplog.text
    assert "no worker" in workers.take_failure() and workers.take_failure() is None
    here = cached.SolveWorkers(max_workers=0)                     # no spare core: here, no failure
    assert here.run(solve_convex, X, y, 0.05, loss="squared", patterns=None).value == pytest.approx(res.value)
    assert not here.running and here.take_failure() is None


def test_a_platform_without_forkserver_solves_here():
    """get_context("forkserver") raises ValueError where it does not exist (Windows): that is
    not the user's bad input, so the solve goes on in this process (and the pool is not tried
    again on every solve)."""
    X, y = _data()
    workers = cached.SolveWorkers(max_workers=3, context="no-such-context")
    assert workers.run(solve_convex, X, y, 0.05, loss="squared", patterns=None).status == "optimal"
    assert "cannot start" in workers.take_failure()
    assert workers.run(solve_convex, X, y, 0.05, loss="squared", patterns=None).status == "optimal"
    assert workers.take_failure() is None and not workers.running


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
