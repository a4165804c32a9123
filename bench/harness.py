"""What the app's benchmarks share: a ``streamlit run`` server on loopback, the sampler of its
memory and CPU, the websocket wire of a Playwright page, the time-limited gathering of sessions,
and the report (samples, nearest-rank quantiles, the table).

Used by ``bench/load_test.py`` (N concurrent sessions, browser driver), ``bench/load_ws.py``
(the same scenario over Streamlit's websocket protocol) and ``bench/bench_app.py`` (one session,
interaction latency broken down).  Nothing here imports the app.
"""
from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from appserver import stop_group as stop_server  # noqa: E402,F401  (the benches stop servers as the tests do)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
                 "--disable-backgrounding-occluded-windows"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


@dataclass
class Sample:
    session: int
    kind: str
    seconds: float | None                # to the last script_finished; None when the interaction failed
    error: str | None = None
    ui_seconds: float | None = None      # to the app showing notRunning (includes browser work)
    runs: int | None = None              # script runs finished during the interaction


@dataclass
class Report:
    options: dict
    samples: list = field(default_factory=list)
    sessions_completed: int = 0
    rss_mb: dict = field(default_factory=dict)
    cpu_seconds: dict = field(default_factory=dict)    # CPU time used during the run: server, browsers
    wall_seconds: float = 0.0
    machine: dict = field(default_factory=dict)
    aborted: str | None = None
    big_solve: dict = field(default_factory=dict)      # the one long exact solve beside the class (--big-solve)

    # ---------------------------------------------------------------- summaries
    def errors(self) -> list[Sample]:
        return [s for s in self.samples if s.error]

    def summary(self) -> dict:
        out = {}
        kinds = sorted({s.kind for s in self.samples}, key=lambda k: ORDER.index(k) if k in ORDER else 99)
        for k in kinds + ["all"]:
            xs = sorted(s.seconds for s in self.samples if s.seconds is not None and (k == "all" or s.kind == k))
            ui = sorted(s.ui_seconds for s in self.samples
                        if s.ui_seconds is not None and (k == "all" or s.kind == k))
            n_err = sum(1 for s in self.samples if s.error and (k == "all" or s.kind == k))
            out[k] = dict(n=len(xs), errors=n_err, median=_q(xs, 0.5), p95=_q(xs, 0.95),
                          max=xs[-1] if xs else None, median_ui=_q(ui, 0.5), p95_ui=_q(ui, 0.95))
        return out

    def table(self) -> str:
        lines = [f"{'interaction':<12}{'n':>6}{'errors':>8}{'median s':>10}{'p95 s':>9}{'max s':>9}"
                 f"{'median_ui s':>13}{'p95_ui s':>10}"]
        for k, v in self.summary().items():
            f = lambda x: "—" if x is None else f"{x:.2f}"        # noqa: E731
            lines.append(f"{k:<12}{v['n']:>6}{v['errors']:>8}{f(v['median']):>10}{f(v['p95']):>9}{f(v['max']):>9}"
                         f"{f(v['median_ui']):>13}{f(v['p95_ui']):>10}")
        o = self.options
        lines.append(f"sessions {self.sessions_completed}/{o['sessions']} completed, "
                     f"wall {self.wall_seconds:.1f} s, server RSS start {self.rss_mb.get('start', 0):.0f} MB, "
                     f"peak {self.rss_mb.get('peak', 0):.0f} MB, end {self.rss_mb.get('end', 0):.0f} MB")
        lines.append(f"CPU time during the run: server {self.cpu_seconds.get('server', 0):.0f} s, "
                     f"browsers {self.cpu_seconds.get('browser', 0):.0f} s (of {self.machine.get('cpus')} cores "
                     f"x {self.wall_seconds:.0f} s wall)")
        lines.append(f"machine: {self.machine}")
        if self.big_solve:
            b = self.big_solve
            lines.append(f"beside the class, one exact solve of (8) at n = {b.get('n')} ({b.get('loss')}, β = "
                         f"{b.get('beta')}): {b.get('outcome')} after {b.get('seconds', 0):.1f} s, "
                         f"{b.get('rounds', 0)} rounds seen, {b.get('polls', 0)} progress polls "
                         f"(p95 {b.get('poll_p95') or 0:.2f} s); class sessions ran from "
                         f"{b.get('class_start', 0):.1f} s to {b.get('class_end', 0):.1f} s of it")
        if self.aborted:
            lines.append(f"ABORTED: {self.aborted}")
        errs = self.errors()
        if errs:
            lines.append(f"{len(errs)} error(s), first ones:")
            lines += [f"  session {e.session} {e.kind}: {e.error[:300]}" for e in errs[:10]]
        return "\n".join(lines)

    def to_json(self) -> dict:
        return dict(options=self.options, summary=self.summary(), sessions_completed=self.sessions_completed,
                    rss_mb=self.rss_mb, cpu_seconds=self.cpu_seconds, wall_seconds=self.wall_seconds,
                    machine=self.machine, big_solve=self.big_solve,
                    aborted=self.aborted, errors=[asdict(e) for e in self.errors()],
                    samples=[asdict(s) for s in self.samples])


ORDER = ["load", "preset", "add_point", "navigate", "beta"]


def _q(xs: list[float], q: float) -> float | None:
    """Nearest-rank quantile (p95 of 20 values is the 19th)."""
    if not xs:
        return None
    k = max(0, min(len(xs) - 1, int(-(-q * len(xs) // 1)) - 1))
    return xs[k]


# ============================================================================ server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(app: str, port: int, log_path: str | None):
    """``streamlit run`` on 127.0.0.1:port, in its own process group; returns the Popen."""
    log = open(log_path, "w") if log_path else subprocess.DEVNULL
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "streamlit", "run", app, "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port),
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
           "--server.runOnSave", "false"]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)


def wait_healthy(base: str, proc, timeout: float = 60.0) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode} before becoming healthy")
        try:
            with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{base}/_stcore/health did not answer within {timeout:.0f} s")


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def _cpu_seconds(pid: int) -> float:
    """utime + stime of one process (all its threads), in seconds; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


class Sampler(threading.Thread):
    """Every ``every`` s: the server's RSS (server and children), and the CPU time of the server
    and of the browsers (every chromium process under this one), last value seen per pid.

    With ``nice_browsers`` > 0 each new chromium process is reniced to that value, so the
    browsers (which in a classroom run on the students' laptops) yield the CPU to the server.
    """

    def __init__(self, server_pid: int | list[int] | None, every: float = 0.25, nice_browsers: int = 0):
        super().__init__(daemon=True)
        self.pid, self.every, self.stop_flag = server_pid, every, threading.Event()
        self.nice = nice_browsers
        self.start_mb = self.peak_mb = self.end_mb = self.rss()
        self.cpu: dict[int, tuple[str, float]] = {}
        self.cpu0 = {p: _cpu_seconds(p) for p in self._server_tree()}
        self.reniced: set[int] = set()

    def _server_tree(self) -> list[int]:
        """The server's processes; with several replicas (a list of pids) all of theirs."""
        if not self.pid:
            return []
        roots = self.pid if isinstance(self.pid, list) else [self.pid]
        return [p for r in roots for p in _tree(r)]

    def rss(self) -> float:
        return sum(_rss_kb(p) for p in self._server_tree()) / 1024

    def sample(self) -> None:
        server = set(self._server_tree())
        for p in server:
            self.cpu[p] = ("server", _cpu_seconds(p) - self.cpu0.get(p, 0.0))
        for p in _tree(os.getpid()):
            if p in server or p == os.getpid():
                continue
            name = _comm(p)
            if "chrom" in name:
                self.cpu[p] = ("browser", _cpu_seconds(p))
                if self.nice and p not in self.reniced:
                    try:
                        os.setpriority(os.PRIO_PROCESS, p, self.nice)
                    except OSError:
                        pass
                    self.reniced.add(p)
        v = self.rss()
        if v:
            self.end_mb = v
            self.peak_mb = max(self.peak_mb, v)

    def cpu_seconds(self) -> dict:
        out = {"server": 0.0, "browser": 0.0}
        for kind, sec in self.cpu.values():
            out[kind] += sec
        return {k: round(v, 1) for k, v in out.items()}

    def run(self):
        while not self.stop_flag.wait(self.every):
            self.sample()


def find_server_pid(port: int) -> int | None:
    """The pid listening on 127.0.0.1:port (for --url runs), from /proc/net/tcp; None if unknown."""
    target = f"0100007F:{port:04X}"
    inodes = set()
    try:
        with open("/proc/net/tcp") as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                if parts[1] == target and parts[3] == "0A":
                    inodes.add(parts[9])
    except OSError:
        return None
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(pid)
        except OSError:
            continue
    return None

# ============================================================================ one session

class Fail(Exception):
    pass


async def slider_step(page, pattern: re.Pattern, key: str) -> None:
    """Move the first slider whose accessible name matches ``pattern`` one step with ``key``
    (ArrowLeft / ArrowRight), as a keyboard user would; Fail when it is absent or did not move."""
    loc = page.get_by_role("slider", name=pattern).first
    try:
        await loc.wait_for(state="visible")
    except Exception:
        raise Fail(f"no slider whose label matches /{pattern.pattern}/ on this page") from None
    before = await loc.get_attribute("aria-valuetext") or await loc.get_attribute("aria-valuenow")
    await loc.focus()
    await page.keyboard.press(key)
    after = await loc.get_attribute("aria-valuetext") or await loc.get_attribute("aria-valuenow")
    if after == before:
        raise Fail(f"the slider /{pattern.pattern}/ did not move with {key} (value {before!r})")


class Wire:
    """What one page's Streamlit websocket carries: script runs requested and finished.

    ``rerun_script`` BackMsgs (browser -> server) are the runs an action asked for;
    ``script_finished`` ForwardMsgs (server -> browser) end them.  Times are this process's
    ``time.monotonic()`` when Playwright delivers the frame event.
    """

    def __init__(self, page):
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        self._fwd, self._back = ForwardMsg, BackMsg
        self.requested = self.finished = self.closed = 0
        self.last_finish = 0.0
        self.last_status = None             # ScriptFinishedStatus of the latest run
        self.request_times: list[float] = []
        page.on("websocket", self._socket)

    def _socket(self, ws) -> None:
        if "_stcore/stream" not in ws.url:
            return
        ws.on("framereceived", self._received)
        ws.on("framesent", self._sent)
        ws.on("close", self._close)

    def _close(self, *_):
        self.closed += 1

    def _received(self, payload) -> None:
        if isinstance(payload, str):
            return
        try:
            msg = self._fwd.FromString(payload)
        except Exception:
            return
        if msg.WhichOneof("type") == "script_finished":
            self.finished += 1
            self.last_finish = time.monotonic()
            self.last_status = msg.script_finished

    def _sent(self, payload) -> None:
        if isinstance(payload, str):
            return
        try:
            kind = self._back.FromString(payload).WhichOneof("type")
        except Exception:
            return
        if kind == "rerun_script":
            self.requested += 1
            self.request_times.append(time.monotonic())

    def first_request_since(self, t0: float) -> float | None:
        return next((t for t in self.request_times if t >= t0), None)


async def _settled(page, wire: Wire, t0: float, finished0: int, opt, *,
                   from_request: bool = True) -> tuple[float, float]:
    """Wait for the end of every run the action caused; returns ``(seconds, ui_seconds)``.

    Done = at least one ``script_finished`` since the action, the app marked ``notRunning``, and
    neither a new run request nor a new finish for ``opt.quiet`` s (so a click's rerun and an
    ``st.rerun()`` after it count as one interaction).  ``seconds`` runs from the first
    ``rerun_script`` the browser sent after the action (``from_request``; else from ``t0``) to the
    last ``script_finished`` it received: the app's work plus transport, without Playwright's
    actionability checks.  ``ui_seconds`` runs from ``t0`` (before the action) to
    ``notRunning`` seen in the page: what the user waits, browser included.
    """
    deadline = t0 + opt.timeout
    while wire.finished <= finished0:
        if time.monotonic() > deadline:
            raise Fail(f"no script run finished within {opt.timeout:.0f} s of the action"
                       + ("" if wire.requested else " (no rerun was requested: the action had no effect)"))
        if wire.closed:
            raise Fail("the websocket to the server closed")
        await asyncio.sleep(0.02)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Fail(f"the app was still running {opt.timeout:.0f} s after the action "
                       f"({wire.finished - finished0} runs finished, {wire.requested} requested in all)")
        try:
            await page.wait_for_selector(APP_IDLE, timeout=left * 1000)
        except Exception:
            raise Fail(f"the app was still running {opt.timeout:.0f} s after the action "
                       f"({wire.finished - finished0} runs finished since)") from None
        ui = time.monotonic()
        seen = (wire.requested, wire.finished)
        await asyncio.sleep(opt.quiet)
        if ((wire.requested, wire.finished) == seen and wire.last_status != wire._fwd.FINISHED_EARLY_FOR_RERUN
                and await page.locator(APP_IDLE).count()):
            start = (wire.first_request_since(t0) if from_request else None) or t0
            return wire.last_finish - start, ui - t0
        if wire.finished - finished0 > 50:
            raise Fail(f"the app keeps rerunning ({wire.finished - finished0} runs after one action)")


async def _check_exception(page) -> None:
    n = await page.locator("[data-testid='stException']").count()
    if n:
        txt = (await page.locator("[data-testid='stException']").first.inner_text())[:1500]
        raise Fail(f"stException on the page: {txt!r}")


async def _timed(page, wire: Wire, opt, action, *, from_request: bool = True
                 ) -> tuple[float, float, int]:
    finished0 = wire.finished
    t0 = time.monotonic()
    await action()
    secs, ui = await _settled(page, wire, t0, finished0, opt, from_request=from_request)
    await _check_exception(page)
    return max(0.0, secs), max(0.0, ui), wire.finished - finished0



def _machine() -> dict:
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    return dict(cpus=os.cpu_count(), loadavg_1m=round(load[0], 2), python=sys.version.split()[0])



POINT_COUNT = re.compile(r"\bn\s*=\s*\**\s*(\d+)")     # the Data page's "n = …" (markdown may bold it)


def point_count(text: str) -> int | None:
    """The number in the first "n = …" of ``text``, or None."""
    m = POINT_COUNT.search(text or "")
    return int(m.group(1)) if m else None


async def record_step(report: Report, session: int, kind: str, fn) -> bool:
    """Run one timed interaction ``fn`` (returning ``(seconds, ui_seconds or None, runs)``) and
    append its :class:`Sample` to ``report``; a :class:`Fail` or any other exception becomes an
    error sample.  True when it succeeded."""
    try:
        secs, ui, runs = await fn()
        report.samples.append(Sample(session, kind, secs, None, ui, runs))
        return True
    except Fail as e:
        report.samples.append(Sample(session, kind, None, str(e)))
    except Exception as e:                                   # a crash, a closed page or socket, …
        first = (str(e).splitlines() or [""])[0]
        report.samples.append(Sample(session, kind, None, f"{type(e).__name__}: {first[:200]}"))
    return False


def no_point_added(report: Report, before: int | None, after: int | None) -> None:
    """Turn the last sample into an error when a canvas click did not grow the count "n = …"."""
    if before is not None and after is not None and after <= before:
        last = report.samples[-1]
        last.error, last.seconds, last.ui_seconds = f"the click did not add a point (n stayed {before})", None, None


def session_done(report: Report, session: int) -> None:
    """Count the session as completed when none of its interactions failed."""
    if not any(s.error for s in report.samples if s.session == session):
        report.sessions_completed += 1


async def gather_sessions(coros, time_limit: float, report: Report) -> None:
    """Run the session coroutines concurrently; after ``time_limit`` s cancel the rest and say so."""
    tasks = [asyncio.create_task(c) for c in coros]
    done, pending = await asyncio.wait(tasks, timeout=time_limit)
    if pending:
        report.aborted = f"time limit {time_limit:.0f} s reached; {len(pending)} session(s) cancelled"
        for t in pending:
            t.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    for t in done:
        if t.exception() is not None:
            report.samples.append(Sample(-1, "session", None,
                                         f"{type(t.exception()).__name__}: {t.exception()}"[:200]))
