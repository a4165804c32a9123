"""Load test: N concurrent real browser sessions against one ``streamlit run`` server (issue 8).

Starts ``streamlit run app.py`` on a free loopback port (127.0.0.1 only), waits for
``/_stcore/health``, then drives ``--sessions`` headless Chromium pages at once (one browser,
one isolated context per session = one Streamlit session each).  Every session does what a
student does in the first minute:

    load        open the app (Data page)
    preset      pick a preset data set (button/pill/radio/selectbox whose name matches --preset)
    add_point   click the data canvas at a random free spot (--points times; not on a drawn
                point, which the app ignores by design); when the page shows "n = …" the count
                must grow, else the click is an error
    navigate    click the page link matching --beta-page (the page that has the β slider)
    beta        move the β slider one step with the keyboard (--beta-moves times)

Each interaction is timed to the end of the last script run it caused.  The harness reads each
page's Streamlit websocket (``rerun_script`` requests out, ``script_finished`` in, decoded with
Streamlit's own protobuf classes) and also waits for the app to show
``[data-testid='stApp'][data-test-script-state='notRunning']``; an interaction is over when at
least one run has finished, the app is idle and nothing new happens for ``--quiet`` s (so a
click's rerun plus an ``st.rerun()`` count as one interaction).  Two latencies are kept:

    seconds     from the first rerun request the browser sent after the action (for ``load``:
                from the navigation) to the last ``script_finished`` it received — the
                server's work, queueing and transport;
    ui_seconds  from just before the action to ``notRunning`` seen in the page — what the user
                waits, including Playwright's actionability checks, the browser's event handling
                and rendering, and up to ~50 ms of polling.

Errors counted: an ``stException`` element, an action that caused no run or did not finish
within ``--timeout`` s, a control that was not found, a canvas click that added no point, a
closed websocket, a page or browser crash.  Every 0.25 s the server's RSS (``/proc/<pid>/status``,
server and children) is sampled, and the CPU time used by the server and by the browsers.

Bounded: at most ``MAX_SESSIONS`` sessions, the whole run stops after ``--time-limit`` s (every
session is cancelled, the browser closed and the server we started terminated), loopback only.

    python bench/load_test.py --sessions 30                 # full run, prints a table
    python bench/load_test.py --sessions 3 --json out.json  # about what tests/test_load.py does
    python bench/load_test.py --sessions 30 --nice-browsers 19 --timeout 120

Limits of the measurement: the browsers run on the same machine as the server.  On a small
machine they use several times the server's CPU (the report prints both), so latencies measure
the contention as much as the app; ``--nice-browsers 19`` lets the server go first.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_SESSIONS = 60
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
                 "--disable-backgrounding-occluded-windows"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"



@dataclass
class Options:
    sessions: int = 30
    app: str = "app.py"
    url: str | None = None               # use an already running loopback server instead
    preset: str = r"moons|XOR|circles|spiral|Figure 2|paper"
    points: int = 3
    beta_page: str = r"Convex"
    beta_label: str = r"β|beta"
    beta_moves: int = 3
    canvas: int = 0                      # index of the data canvas among the page's plotly charts
    ramp: float = 3.0                    # sessions start spread over this many seconds
    timeout: float = 30.0                # per interaction
    quiet: float = 0.5                   # no new run for this long = interaction finished
    time_limit: float = 600.0            # whole run
    seed: int = 0
    nice_browsers: int = 0               # renice chromium processes to this (0: leave them)
    driver: str = "browser"              # "browser" (headless Chromium) or "ws" (Streamlit protocol)
    json: str | None = None
    server_log: str | None = None


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
        if self.aborted:
            lines.append(f"ABORTED: {self.aborted}")
        errs = self.errors()
        if errs:
            lines.append(f"{len(errs)} error(s), first ones:")
            lines += [f"  session {e.session} {e.kind}: {e.error[:300]}" for e in errs[:10]]
        return "\n".join(lines)

    def to_json(self) -> dict:
        return dict(options=self.options, summary=self.summary(), sessions_completed=self.sessions_completed,
                    rss_mb=self.rss_mb, cpu_seconds=self.cpu_seconds, wall_seconds=self.wall_seconds, machine=self.machine,
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


def stop_server(proc) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)          # the group we created (start_new_session)
        proc.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


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

    def __init__(self, server_pid: int | None, every: float = 0.25, nice_browsers: int = 0):
        super().__init__(daemon=True)
        self.pid, self.every, self.stop_flag = server_pid, every, threading.Event()
        self.nice = nice_browsers
        self.start_mb = self.peak_mb = self.end_mb = self.rss()
        self.cpu: dict[int, tuple[str, float]] = {}
        self.cpu0 = {p: _cpu_seconds(p) for p in self._server_tree()}
        self.reniced: set[int] = set()

    def _server_tree(self) -> list[int]:
        return _tree(self.pid) if self.pid else []

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


async def _settled(page, wire: Wire, t0: float, finished0: int, opt: Options, *,
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


async def _timed(page, wire: Wire, opt: Options, action, *, from_request: bool = True
                 ) -> tuple[float, float, int]:
    finished0 = wire.finished
    t0 = time.monotonic()
    await action()
    secs, ui = await _settled(page, wire, t0, finished0, opt, from_request=from_request)
    await _check_exception(page)
    return max(0.0, secs), max(0.0, ui), wire.finished - finished0


async def _click_preset(page, pattern: re.Pattern, rng: random.Random) -> None:
    """Click a preset: a button (st.button, st.pills, st.segmented_control), radio or tab whose
    name matches, else an option of a selectbox labelled preset/example/data set."""
    direct = (page.get_by_role("button", name=pattern).or_(page.get_by_role("radio", name=pattern))
              .or_(page.get_by_role("tab", name=pattern)))
    select = page.locator("[data-testid='stSelectbox']").filter(
        has_text=re.compile("preset|example|data ?set", re.I))
    try:
        await direct.or_(select).first.wait_for(state="visible")
    except Exception:
        raise Fail(f"no preset control matching /{pattern.pattern}/ (button, pill, radio, tab or "
                   "selectbox option)") from None
    n = await direct.count()
    if n:
        await direct.nth(rng.randrange(n)).click()
        return
    await select.first.click()
    opts = page.get_by_role("option", name=pattern)
    try:
        await opts.first.wait_for(state="visible")
    except Exception:
        raise Fail(f"the preset selectbox has no option matching /{pattern.pattern}/") from None
    await opts.nth(rng.randrange(await opts.count())).click()


FREE_SPOT_JS = r"""
([gdIndex, fx, fy]) => {
  // Is the pixel (fx, fy) of the plot area at least 0.3 (data units, ~40 px) from every drawn
  // point?  Closer, plotly's hover (20 px) may pick the drawn point, and the app ignores that.
  const gd = document.querySelectorAll("[data-testid='stPlotlyChart'] .js-plotly-plot")[gdIndex];
  if (!gd || !gd._fullLayout) return true;
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const x = xa.p2l(fx * xa._length), y = ya.p2l(fy * ya._length);      // pixels from the top-left
  for (const tr of (gd._fullData || []).slice(1)) {     // decoded arrays (gd.data may hold base64)
    const xs = tr.x || [], ys = tr.y || [];
    for (let k = 0; k < xs.length; k++) {
      if (Math.max(Math.abs(xs[k] - x), Math.abs(ys[k] - y)) < 0.3) return false;
    }
  }
  return true;
}
"""


async def _click_canvas(page, index: int, rng: random.Random) -> None:
    area = page.locator("[data-testid='stPlotlyChart']").nth(index).locator(".nsewdrag").first
    try:
        await area.wait_for(state="visible")
    except Exception:
        raise Fail(f"no plotly chart #{index} (the data canvas) with a plot area on the page") from None
    box = await area.bounding_box()
    if not box:
        raise Fail("the data canvas has no plot area (.nsewdrag)")
    for _ in range(30):              # a free spot: the app ignores clicks on drawn points by design
        fx, fy = rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.85)
        try:
            if await page.evaluate(FREE_SPOT_JS, [index, fx, fy]):
                break
        except Exception:
            break
    x, y = box["x"] + box["width"] * fx, box["y"] + box["height"] * fy
    await page.mouse.move(x, y)
    await asyncio.sleep(0.05)                     # let plotly register the hover on the grid point
    await page.mouse.click(x, y)


POINT_COUNT = re.compile(r"\bn\s*=\s*(\d+)")


async def _point_count(page) -> int | None:
    """The data page's "n = …" count, or None when the page shows none."""
    try:
        m = POINT_COUNT.search(await page.locator("[data-testid='stMain']").inner_text(timeout=5000))
    except Exception:
        return None
    return int(m.group(1)) if m else None


async def _navigate(page, pattern: re.Pattern) -> None:
    loc = page.get_by_role("link", name=pattern).first
    try:
        await loc.wait_for(state="visible")
    except Exception:
        raise Fail(f"no page link matching /{pattern.pattern}/") from None
    await loc.click()


async def _beta_step(page, pattern: re.Pattern, direction: str) -> None:
    loc = page.get_by_role("slider", name=pattern).first
    try:
        await loc.wait_for(state="visible")
    except Exception:
        raise Fail(f"no slider whose label matches /{pattern.pattern}/ on this page") from None
    before = await loc.get_attribute("aria-valuetext") or await loc.get_attribute("aria-valuenow")
    await loc.focus()
    await page.keyboard.press(direction)
    after = await loc.get_attribute("aria-valuetext") or await loc.get_attribute("aria-valuenow")
    if after == before:
        raise Fail(f"the slider did not move with {direction} (value {before!r})")


async def run_session(i: int, browser, base: str, opt: Options, report: Report) -> None:
    rng = random.Random(opt.seed * 1000 + i)
    await asyncio.sleep(opt.ramp * i / max(1, opt.sessions - 1) if opt.sessions > 1 else 0)
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await ctx.new_page()
    page.set_default_timeout(opt.timeout * 1000)
    wire = Wire(page)

    async def step(kind, action) -> bool:
        try:
            secs, ui, runs = await _timed(page, wire, opt, action, from_request=(kind != "load"))
            report.samples.append(Sample(i, kind, secs, None, ui, runs))
            return True
        except Fail as e:
            report.samples.append(Sample(i, kind, None, str(e)))
        except Exception as e:                                   # a crash, closed page, …
            report.samples.append(Sample(i, kind, None, f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"))
        return False

    try:
        async def load():
            await page.goto(base + "/", wait_until="domcontentloaded")
        if not await step("load", load):
            return
        preset = re.compile(opt.preset, re.I)
        await step("preset", lambda: _click_preset(page, preset, rng))
        for _ in range(opt.points):
            before = await _point_count(page)
            if await step("add_point", lambda: _click_canvas(page, opt.canvas, rng)):
                after = await _point_count(page)
                if before is not None and after is not None and after <= before:
                    last = report.samples[-1]
                    last.error, last.seconds, last.ui_seconds = \
                        f"the click did not add a point (n stayed {before})", None, None
        if not await step("navigate", lambda: _navigate(page, re.compile(opt.beta_page, re.I))):
            return
        beta = re.compile(opt.beta_label, re.I)
        for k in range(opt.beta_moves):
            await step("beta", lambda: _beta_step(page, beta, "ArrowRight" if k % 2 == 0 else "ArrowLeft"))
        if not any(s.error for s in report.samples if s.session == i):
            report.sessions_completed += 1
    finally:
        await ctx.close()


# ============================================================================ driver

async def _drive(base: str, opt: Options, report: Report) -> None:
    from playwright.async_api import async_playwright
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            tasks = [asyncio.create_task(run_session(i, browser, base, opt, report)) for i in range(opt.sessions)]
            done, pending = await asyncio.wait(tasks, timeout=opt.time_limit)
            if pending:
                report.aborted = f"time limit {opt.time_limit:.0f} s reached; {len(pending)} session(s) cancelled"
                for t in pending:
                    t.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
            for t in done:
                if t.exception() is not None:
                    report.samples.append(Sample(-1, "session", None, f"{type(t.exception()).__name__}: "
                                                 f"{t.exception()}"[:200]))
        finally:
            await browser.close()


def _machine() -> dict:
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    return dict(cpus=os.cpu_count(), loadavg_1m=round(load[0], 2), python=sys.version.split()[0])


def run(opt: Options) -> Report:
    """Run the load test; always stops the server it started and the browser."""
    if opt.driver not in ("browser", "ws"):
        raise SystemExit(f"--driver {opt.driver!r}: use 'browser' or 'ws'.")
    if not 1 <= opt.sessions <= MAX_SESSIONS:
        raise SystemExit(f"--sessions {opt.sessions}: pass 1 to {MAX_SESSIONS}.")
    report = Report(options=asdict(opt))
    proc, pid = None, None
    if opt.url:
        u = urllib.parse.urlsplit(opt.url)
        if u.hostname not in LOOPBACK:
            raise SystemExit(f"--url {opt.url}: only loopback servers (127.0.0.1, localhost) may be load-tested.")
        base = f"{u.scheme}://{u.netloc}"
        pid = find_server_pid(u.port or 80)
    else:
        if not (ROOT / opt.app).exists():
            raise SystemExit(f"{opt.app} not found in {ROOT}; the app must exist to be load-tested.")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(opt.app, port, opt.server_log)
        pid = proc.pid
    sampler = Sampler(pid, nice_browsers=opt.nice_browsers)
    t0 = time.monotonic()
    report.machine = _machine() | {"loadavg_1m_start": _machine()["loadavg_1m"]}
    try:
        wait_healthy(base, proc)
        sampler.start_mb = sampler.peak_mb = sampler.rss()
        sampler.cpu0 = {p: _cpu_seconds(p) for p in sampler._server_tree()}
        sampler.start()
        if opt.driver == "ws":
            import importlib.util
            spec = importlib.util.spec_from_file_location("load_ws", Path(__file__).with_name("load_ws.py"))
            ws = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(ws)
            asyncio.run(ws.drive(base, opt, report, Sample))
        else:
            asyncio.run(_drive(base, opt, report))
    finally:
        report.wall_seconds = time.monotonic() - t0
        sampler.stop_flag.set()
        sampler.join(2)
        report.rss_mb = dict(start=sampler.start_mb, peak=sampler.peak_mb, end=sampler.rss() or sampler.end_mb)
        report.cpu_seconds = sampler.cpu_seconds()
        report.machine["loadavg_1m_end"] = _machine()["loadavg_1m"]
        stop_server(proc)
    return report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    d = Options()
    ap.add_argument("--sessions", type=int, default=d.sessions, help=f"concurrent sessions, 1..{MAX_SESSIONS}")
    ap.add_argument("--app", default=d.app, help="entry file relative to the repository root")
    ap.add_argument("--url", default=None, help="test an already running loopback server instead")
    ap.add_argument("--preset", default=d.preset, help="regex naming the preset control(s)")
    ap.add_argument("--points", type=int, default=d.points, help="canvas clicks per session")
    ap.add_argument("--beta-page", default=d.beta_page, help="regex of the link to the β page")
    ap.add_argument("--beta-label", default=d.beta_label, help="regex of the β slider's label")
    ap.add_argument("--beta-moves", type=int, default=d.beta_moves)
    ap.add_argument("--canvas", type=int, default=d.canvas, help="index of the data canvas chart")
    ap.add_argument("--ramp", type=float, default=d.ramp, help="seconds over which sessions start")
    ap.add_argument("--timeout", type=float, default=d.timeout, help="seconds per interaction")
    ap.add_argument("--quiet", type=float, default=d.quiet, help="idle seconds that end an interaction")
    ap.add_argument("--time-limit", type=float, default=d.time_limit, help="seconds for the whole run")
    ap.add_argument("--seed", type=int, default=d.seed)
    ap.add_argument("--driver", choices=("browser", "ws"), default=d.driver,
                    help="browser: headless Chromium pages (default); ws: Streamlit's websocket protocol "
                         "without browsers (bench/load_ws.py), which measures the server alone")
    ap.add_argument("--nice-browsers", type=int, default=d.nice_browsers,
                    help="renice the chromium processes to this value (e.g. 19) so that they yield the "
                         "CPU to the server, as on a real class where browsers run on the students' laptops")
    ap.add_argument("--json", default=None, help="write the full report here")
    ap.add_argument("--server-log", default=None, help="write streamlit's output here")
    a = ap.parse_args(argv)
    opt = Options(**{k: v for k, v in vars(a).items()})
    opt.time_limit = min(opt.time_limit, 1800.0)
    rep = run(opt)
    print(rep.table())
    if opt.json:
        Path(opt.json).write_text(json.dumps(rep.to_json(), indent=1))
    return 0 if not rep.errors() and not rep.aborted else 1


if __name__ == "__main__":
    sys.exit(main())
