"""Long exact solves of (8) as jobs: one per session, with progress and a Stop.

An exact solve of (8) at n = 1,000 points in the plane (P = 999,002 cells) runs for tens of
seconds; a page cannot wait for it inside its run.  So such a solve is a :class:`Job`: its own
process (forked from the solve workers' ``forkserver``, running :func:`lab.solve_job.run_job`,
the core only), which sends after each working-set round its certified bounds on p* through a
pipe.  A page polls the job (a fragment every half second) and shows the round, the bounds and
the elapsed time; **Stop** ends the process at once (``terminate``, then ``kill``), so a stop
takes effect within a second whatever the solver is doing, and the job keeps its last reported
bounds and the network of its last round (:class:`lab.solve_job.StoppedNetwork`, sent with each
round's progress).  Every bound reported is certified: the lower bound is the dual value of (4)
at a point made feasible by exact pricing over every cell, and the upper bound the value of (8)
at a feasible point (the working set's restricted optimum, the other blocks zero); a stopped
job's upper bound is its network's objective (2).

:class:`JobBoard` (one per server, :data:`lab.cached.JOBS`) holds at most one job per session: a
new solve from a session replaces (stops) its previous job.  At most ``slots`` jobs run at once
(one per spare core); the others wait in order.  Finished results are kept by problem, so a
session coming back to a solved problem, or a second session asking for it, gets it at once.
Nothing here imports streamlit.
"""
from __future__ import annotations

import enum
import hashlib
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from cvxcore import ConvexResult
from cvxcore.convex import WarmStart
from lab import solve_job
from lab.solve_job import StoppedNetwork

STOP_GRACE = 0.5          # seconds a stopped process gets to end after SIGTERM before SIGKILL
KEEP_RESULTS = 16         # finished results kept by problem
NICENESS = 19             # a job's process yields the cores to the server's page runs (a class first)
REAP_EVERY = 1.0          # seconds between two looks at the running jobs by the board's own thread


class Status(str, enum.Enum):
    QUEUED = "queued"         # waiting for a free slot
    RUNNING = "running"
    DONE = "done"             # ``result`` holds the solve's ConvexResult
    STOPPED = "stopped"       # stopped by the session: its last bounds and its last round's network
    ERROR = "error"           # the core refused the input: ``message``
    FAILED = "failed"         # the process failed or ended without a result: ``message``


ACTIVE = (Status.QUEUED, Status.RUNNING)


def problem_key(X: np.ndarray, y: np.ndarray, beta: float, loss: str) -> str:
    """The identity of a solve of (8): the data, β and the loss (a warm start only changes how
    fast the same optimum is found)."""
    h = hashlib.blake2b(digest_size=16)
    for a in (np.ascontiguousarray(X, dtype=float), np.ascontiguousarray(y, dtype=float)):
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    h.update(f"{float(beta)!r}|{loss}".encode())
    return h.hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """What a page shows of a job at one moment (a copy: the job moves on)."""
    status: Status
    key: str
    round: int                 # working-set rounds reported (0: none yet)
    lower: float               # best certified lower bound on p* so far (−inf: none yet)
    upper: float               # best certified upper bound on p* so far (inf: none yet)
    blocks: int                # blocks (vᵢ or wᵢ) in the working set of the last round
    elapsed: float             # seconds since the job started running (0 while queued)
    ahead: int                 # jobs before it in the queue (0 unless queued)
    message: str | None
    result: ConvexResult | None
    network: StoppedNetwork | None = None   # a stopped job's last network (its objective is ``upper``)

    @property
    def bounded(self) -> bool:
        """True when a round has reported both bounds."""
        return bool(np.isfinite(self.lower) and np.isfinite(self.upper))

    @property
    def rel_gap(self) -> float:
        """(upper − lower) / |upper|: how far from certified the solve is (inf before a round)."""
        if not self.bounded:
            return float("inf")
        return max(self.upper - self.lower, 0.0) / max(abs(self.upper), 1e-300)


class Job:
    """One exact solve of (8) in its own process (module docstring); used under the board's lock."""

    def __init__(self, key: str, args: tuple, context: Any) -> None:
        self.key = key
        self._args = args
        self._ctx = context
        self.status = Status.QUEUED
        self.queued_at = time.monotonic()
        self.started_at: float | None = None
        self.ended_at: float | None = None
        self.round = 0
        self.lower = -np.inf
        self.upper = np.inf
        self.blocks = 0
        self.message: str | None = None
        self.result: ConvexResult | None = None
        self.network: StoppedNetwork | None = None   # the last round's network (shown once stopped)
        self._proc: Any = None
        self._conn: Any = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def start(self) -> None:
        """Start the process (a queued job only)."""
        recv, send = self._ctx.Pipe(duplex=False)
        proc = self._ctx.Process(target=solve_job.run_job, args=(send, *self._args, NICENESS), daemon=True,
                                 name="convex-relu-lab solve job")
        try:
            proc.start()
        except (OSError, ValueError) as e:
            recv.close()
            self._end(Status.FAILED, f"the solve job could not start ({type(e).__name__}: {e})")
            return
        finally:
            send.close()                     # the child holds its own end
        self._proc, self._conn = proc, recv
        self.status = Status.RUNNING
        self.started_at = time.monotonic()

    def poll(self) -> None:
        """Read what the process sent; notice its end."""
        if self.status is not Status.RUNNING:
            return
        try:
            while self._conn.poll():
                kind, body = self._conn.recv()
                if kind == "progress":
                    self.round = body["round"]
                    self.lower = max(self.lower, body["lower"])
                    self.upper = min(self.upper, body["upper"])
                    self.blocks = body["blocks"]
                    if body.get("network") is not None:
                        self.network = body["network"]
                elif kind == "done":
                    self.result = body
                    self._end(Status.DONE)
                    return
                else:
                    self._end(Status.ERROR if kind == "error" else Status.FAILED, str(body))
                    return
        except (EOFError, OSError):
            pass
        if not self._proc.is_alive():
            code = self._proc.exitcode
            self._end(Status.FAILED, f"the solve job's process ended without a result (exit code {code}"
                                     + (", probably out of memory)" if code == -9 else ")"))

    def stop(self) -> None:
        """Stop the job now: a queued job never starts; a running one's process is ended (SIGTERM,
        SIGKILL after :data:`STOP_GRACE` s).  Its last reported bounds and network stay."""
        if self.status is Status.RUNNING:
            self.poll()                          # a result that arrived just now wins
        if not self.active:
            return
        self._stop_with_network()

    def _stop_with_network(self) -> None:
        """Stopped: the upper bound shown is the objective (2) of the network shown (its own
        round's bound, certified as any network's objective is), the lower bound the best."""
        net = self.network
        if net is not None and np.isfinite(net.value):
            self.upper = net.value
            self.lower = max(self.lower, net.lower_bound)
        else:
            self.network = None
        self._end(Status.STOPPED)

    def _end(self, status: Status, message: str | None = None) -> None:
        self.status = status
        self.message = message
        self.ended_at = time.monotonic()
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.is_alive():
                proc.terminate()
                proc.join(STOP_GRACE)
                if proc.is_alive():
                    proc.kill()
            proc.join(STOP_GRACE)
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def snapshot(self, ahead: int = 0) -> Snapshot:
        now = self.ended_at if self.ended_at is not None else time.monotonic()
        elapsed = 0.0 if self.started_at is None else now - self.started_at
        return Snapshot(self.status, self.key, self.round, float(self.lower), float(self.upper), self.blocks,
                        elapsed, ahead, self.message, self.result,
                        self.network if self.status is Status.STOPPED else None)


class JobBoard:
    """Every session's solve job on this server (module docstring); thread-safe."""

    def __init__(self, slots: int | None = None, context: str = "forkserver") -> None:
        self.slots = max(1, slots if slots is not None else (os.cpu_count() or 1) - 1)
        self._ctx = multiprocessing.get_context(context)
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._results: OrderedDict[str, ConvexResult] = OrderedDict()
        self._reaper: threading.Thread | None = None

    def _watch(self) -> None:
        """While any job is active, a thread of the board reads the jobs every :data:`REAP_EVERY` s
        (under the lock), so that a finished job's result is taken from its pipe, its process ends
        and the queue moves on even when no page of its session is open to poll it."""
        if self._reaper is None:
            self._reaper = threading.Thread(target=self._reap, daemon=True, name="convex-relu-lab job reaper")
            self._reaper.start()

    def _reap(self) -> None:
        while True:
            time.sleep(REAP_EVERY)
            with self._lock:
                self._pump()
                if not any(j.active for j in self._jobs.values()):
                    self._reaper = None
                    return

    def _pump(self) -> None:
        """Read every running job, keep finished results, start queued jobs into free slots."""
        for job in self._jobs.values():
            job.poll()
            if job.status is Status.DONE and job.result is not None and job.key not in self._results:
                self._results[job.key] = job.result
                while len(self._results) > KEEP_RESULTS:
                    self._results.popitem(last=False)
        running = sum(j.status is Status.RUNNING for j in self._jobs.values())
        for job in sorted((j for j in self._jobs.values() if j.status is Status.QUEUED), key=lambda j: j.queued_at):
            if running >= self.slots:
                break
            job.start()
            running += job.status is Status.RUNNING

    def _ahead(self, job: Job) -> int:
        if job.status is not Status.QUEUED:
            return 0
        return sum(j.active and j.queued_at < job.queued_at for j in self._jobs.values())

    def finished(self, key: str) -> ConvexResult | None:
        """A finished result of this problem, solved by any session's job (or None)."""
        with self._lock:
            self._pump()
            return self._results.get(key)

    def submit(self, session: str, key: str, X: np.ndarray, y: np.ndarray, beta: float, loss: str,
               warm: WarmStart | None = None, *, again: bool = False) -> Snapshot:
        """The session's job for problem ``key``: its current one if it is for this problem
        (unless ``again``: then a fresh one), else a new job that replaces (stops) the previous."""
        with self._lock:
            self._pump()
            old = self._jobs.get(session)
            if old is not None and old.key == key and not again and old.status is not Status.FAILED:
                return old.snapshot(self._ahead(old))
            if old is not None:
                old.stop()
            job = Job(key, (np.asarray(X, float), np.asarray(y, float), float(beta), loss, warm), self._ctx)
            self._jobs[session] = job
            self._pump()
            self._watch()
            return job.snapshot(self._ahead(job))

    def get(self, session: str) -> Snapshot | None:
        """The session's job as it is now (None: it has none)."""
        with self._lock:
            self._pump()
            job = self._jobs.get(session)
            return None if job is None else job.snapshot(self._ahead(job))

    def stop(self, session: str) -> Snapshot | None:
        """Stop the session's job (within :data:`STOP_GRACE` · 2 s); its last bounds stay."""
        with self._lock:
            job = self._jobs.get(session)
            if job is None:
                return None
            job.stop()
            self._pump()                         # its slot goes to the next queued job
            return job.snapshot()

    def forget(self, session: str) -> None:
        """Stop the session's job and drop it (a session that ended)."""
        with self._lock:
            job = self._jobs.pop(session, None)
            if job is not None:
                job.stop()
            self._pump()

    def running(self) -> int:
        """Jobs running now (their processes alive)."""
        with self._lock:
            self._pump()
            return sum(j.status is Status.RUNNING for j in self._jobs.values())

    def shutdown(self) -> None:
        """Stop every job (tests; the server's exit ends the daemonic processes itself)."""
        with self._lock:
            for job in self._jobs.values():
                job.stop()
            self._jobs.clear()
