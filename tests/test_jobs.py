"""Long exact solves as per-session jobs (lab.jobs): progress, Stop within a second, a worker
that serves the next job, one job per session, and bounds that really bound p*."""
from __future__ import annotations

import time

import numpy as np
import pytest

from cvxcore import nonconvex_objective, solve_convex, with_bias
from lab import jobs, solve_job


def _xor(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (n, 2))
    return with_bias(x), np.sign(x[:, 0] * x[:, 1] + 0.3 * rng.standard_normal(n))


LONG = _xor(300)              # squared loss, β = 1e-2: 14 rounds, tens of seconds on this machine
SMALL = _xor(12, seed=3)


@pytest.fixture
def board():
    b = jobs.JobBoard(slots=1)
    yield b
    b.shutdown()


def _wait(board: jobs.JobBoard, session: str, until, timeout: float = 120.0) -> jobs.Snapshot:
    t = time.monotonic()
    while True:
        snap = board.get(session)
        assert snap is not None
        if until(snap):
            return snap
        assert time.monotonic() - t < timeout, f"job still {snap.status} after {timeout} s"
        time.sleep(0.05)


def _submit(board: jobs.JobBoard, session: str, data, beta: float = 1e-2, loss: str = "squared", **kw):
    X, y = data
    return board.submit(session, jobs.problem_key(X, y, beta, loss), X, y, beta, loss, **kw)


def test_stop_ends_a_running_solve_within_a_second_and_keeps_its_bounds(board):
    _submit(board, "s", LONG)
    snap = _wait(board, "s", lambda s: s.round >= 2)
    assert snap.status is jobs.Status.RUNNING and board.running() == 1
    job = board._jobs["s"]
    proc = job._proc
    t = time.monotonic()
    stopped = board.stop("s")
    took = time.monotonic() - t
    assert took < 1.0, f"Stop took {took:.2f} s"
    assert not proc.is_alive() and board.running() == 0
    assert stopped is not None and stopped.status is jobs.Status.STOPPED
    assert stopped.bounded and stopped.lower <= stopped.upper and stopped.round >= 2
    # the network of the last round reported stays with the job: its objective (2), computed
    # here, is the upper bound shown
    assert stopped.network is not None, "the last round's network is missing"
    net = stopped.network
    X, y = LONG
    assert stopped.upper == net.value
    assert nonconvex_objective(X, y, net.U, net.alpha, 1e-2) == pytest.approx(net.value, rel=1e-9)
    # the stopped job stays stopped: asking again for the same problem does not restart it …
    assert _submit(board, "s", LONG).status is jobs.Status.STOPPED
    # … and the board serves the next job: a small problem solved to its certified optimum
    _submit(board, "s", SMALL)
    done = _wait(board, "s", lambda s: s.status is not jobs.Status.RUNNING and s.status is not jobs.Status.QUEUED)
    assert done.status is jobs.Status.DONE, done.message
    direct = solve_convex(*SMALL, 1e-2, loss="squared")
    assert done.result is not None and done.result.status == "optimal"
    assert done.result.value == pytest.approx(direct.value, rel=1e-6)
    assert board.finished(jobs.problem_key(*SMALL, 1e-2, "squared")) is done.result


def test_a_new_solve_from_the_same_session_replaces_its_job(board):
    _submit(board, "s", LONG)
    _wait(board, "s", lambda s: s.status is jobs.Status.RUNNING)
    first = board._jobs["s"]
    proc = first._proc
    _submit(board, "s", LONG, beta=2e-2)                  # β moved: a new problem
    assert first.status is jobs.Status.STOPPED and not proc.is_alive()
    assert board._jobs["s"] is not first and board.running() == 1
    again = _submit(board, "s", LONG, beta=2e-2, again=True)   # Solve again: a fresh job for the same problem
    assert again.status is jobs.Status.RUNNING and board.running() == 1


def test_jobs_beyond_the_slots_wait_in_order_and_start_when_one_stops(board):
    _submit(board, "a", LONG)
    _submit(board, "b", LONG, beta=3e-2)
    snap_b = board.get("b")
    assert snap_b is not None and snap_b.status is jobs.Status.QUEUED and snap_b.ahead == 1
    board.stop("a")
    snap_b = board.get("b")
    assert snap_b is not None and snap_b.status is jobs.Status.RUNNING
    queued_stop = _submit(board, "c", LONG, beta=4e-2)
    assert queued_stop.status is jobs.Status.QUEUED
    assert board.stop("c").status is jobs.Status.STOPPED and not board.get("c").bounded


def test_the_core_refusing_the_input_is_an_error_with_its_message(board):
    X, y = SMALL
    board.submit("s", "bad", X, y, -1.0, "squared")
    snap = _wait(board, "s", lambda s: s.status not in jobs.ACTIVE)
    assert snap.status is jobs.Status.ERROR and "beta" in (snap.message or "")


class _Pipe:
    """A connection that keeps what is sent (run_job in this process)."""
    def __init__(self):
        self.sent = []

    def send(self, msg):
        self.sent.append(msg)

    def close(self):
        pass


@pytest.mark.parametrize("n,loss,seed", [(16, "squared", 1), (20, "hinge", 2), (14, "logistic", 3)])
def test_every_reported_bound_brackets_p_star_of_an_independent_solve(n, loss, seed):
    """What the page shows while a job runs and after a stop: after every round the reported
    lower bound is ≤ p* ≤ the reported upper bound, p* from cvxpy + Clarabel over every cell; the
    round's network (what a Stop then shows) has its objective (2), computed here, as its value,
    ≥ p*."""
    X, y = _xor(n, seed)
    pipe = _Pipe()
    solve_job.run_job(pipe, X, y, 1e-2, loss, None)
    kinds = [k for k, _ in pipe.sent]
    assert kinds[-1] == "done" and kinds.count("progress") >= 2
    p_star = solve_convex(X, y, 1e-2, loss=loss, method="cvxpy").value
    tol = 1e-6 * abs(p_star)
    networks = 0
    for _kind, body in pipe.sent[:-1]:
        assert body["lower"] <= p_star + tol, (body, p_star)
        assert body["upper"] >= p_star - tol, (body, p_star)
        net = body.get("network")
        if net is not None:
            networks += 1
            assert isinstance(net, solve_job.StoppedNetwork) and net.lower_bound == body["lower"]
            assert nonconvex_objective(X, y, net.U, net.alpha, 1e-2, loss=loss) == pytest.approx(net.value, rel=1e-9)
            assert net.value >= p_star - tol
    assert networks >= kinds.count("progress") - 1        # every round after the first has one
    assert pipe.sent[-1][1].value == pytest.approx(p_star, rel=1e-5)


def test_a_finished_job_is_collected_without_anyone_polling(board, monkeypatch):
    """The board's own thread takes a finished job's result and ends its process when no page of
    its session asks (a student who closed the tab): nothing waits on a full pipe."""
    monkeypatch.setattr(jobs, "REAP_EVERY", 0.1)
    _submit(board, "s", SMALL)
    job = board._jobs["s"]
    t = time.monotonic()
    while job.status in jobs.ACTIVE and time.monotonic() - t < 60:
        time.sleep(0.1)                      # no board call here: only its thread looks
    assert job.status is jobs.Status.DONE and job._proc is None
    assert jobs.problem_key(*SMALL, 1e-2, "squared") in board._results
