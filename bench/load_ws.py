"""Protocol-level load: N concurrent Streamlit sessions over the websocket, without browsers.

``python bench/load_test.py --driver ws --sessions 30`` runs this instead of Chromium.  Each
session speaks Streamlit's own protocol on ``ws://127.0.0.1:PORT/_stcore/stream`` (subprotocol
``streamlit``; ``BackMsg``/``ForwardMsg`` protobufs from the installed streamlit package): it
sends ``rerun_script`` with the widget states a browser would send and reads the ``delta``,
``navigation`` and ``script_finished`` messages back.  Same scenario as the browser driver:

    load        first run of the start page (--start-page, default the Data page)
    preset      trigger a preset button whose label matches --preset
    add_point   a click on the canvas: the data canvas's selection state with one point of the
                invisible grid (curve 0) at a random free spot on the 0.1 grid (not on a drawn
                point: the app ignores those clicks by design)
    navigate    rerun on the page whose URL path matches --beta-page
    beta        the β select_slider one option up or down

Latency = from sending the request to the last ``script_finished`` of the runs it caused (a
quiet period of ``--quiet`` s ends an interaction, so a rerun + ``st.rerun()`` count once).
Errors: an ``exception`` element in the run, no ``script_finished`` within ``--timeout`` s, a
control not found, a closed socket.  Without browsers this measures the server alone: what a
class of 30 laptops costs the machine that serves them.
"""
from __future__ import annotations

import asyncio
import json
import random
import re
import sys
import time
import urllib.parse
from pathlib import Path

import numpy as np
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Fail, gather_sessions, no_point_added, point_count, record_step, session_done  # noqa: E402


class WsSession:
    """One Streamlit session driven over the websocket."""

    def __init__(self, base: str, opt):
        self.base, self.opt = base, opt
        self.ws = None
        self.finished = 0
        self.last_event = 0.0
        self.last_finish = 0.0
        self.closed = False
        self.last_status = None                    # ScriptFinishedStatus of the latest run
        self.pages: dict[str, str] = {}            # url path -> page_script_hash
        self.page_hash = ""
        self.buttons: dict[str, str] = {}          # label -> widget id (latest run)
        self.sliders: dict[str, tuple] = {}        # label -> (id, options, index)
        self.charts: list[str] = []                # plotly chart ids in page order (latest run)
        self.specs: list[str] = []                 # their figure JSON
        self.exceptions: list[str] = []            # exception elements of the latest run
        self.ref_hashes = 0
        self.text = ""                             # markdown of the latest run (for "n = …")
        self.auto_rerun: tuple[float, str] | None = None   # (interval, fragment id) of a run_every fragment
        self.metrics: list[str] = []               # metric labels of the latest run

    async def connect(self):
        import websockets
        u = urllib.parse.urlsplit(self.base)
        self.ws = await websockets.connect(f"ws://{u.netloc}/_stcore/stream", subprotocols=["streamlit"],
                                           origin=self.base, max_size=None, ping_interval=None)
        self.reader = asyncio.create_task(self._read())

    async def close(self):
        if self.ws is not None:
            await self.ws.close()
        if getattr(self, "reader", None):
            self.reader.cancel()

    async def _read(self):
        try:
            async for data in self.ws:
                if isinstance(data, str):
                    continue
                self._handle(ForwardMsg.FromString(data))
        except Exception:
            pass
        finally:
            self.closed = True

    def _handle(self, m: ForwardMsg) -> None:
        kind = m.WhichOneof("type")
        self.last_event = time.monotonic()
        if kind == "new_session":
            self.buttons, self.sliders, self.charts, self.exceptions = {}, {}, [], []
            self.specs = []
            self.text = ""
            self.metrics = []
        elif kind == "auto_rerun":
            self.auto_rerun = (m.auto_rerun.interval, m.auto_rerun.fragment_id)
        elif kind == "stop_auto_rerun":
            self.auto_rerun = None
        elif kind == "navigation":
            for p in m.navigation.app_pages:
                self.pages[p.url_pathname] = p.page_script_hash
            if m.navigation.page_script_hash:
                self.page_hash = m.navigation.page_script_hash
        elif kind == "delta" and m.delta.WhichOneof("type") == "new_element":
            el = m.delta.new_element
            t = el.WhichOneof("type")
            if t == "button":
                self.buttons[el.button.label] = el.button.id
            elif t == "slider":
                s = el.slider
                idx = (list(s.options).index(s.raw_value[0]) if s.set_value and s.raw_value
                       and s.raw_value[0] in s.options else int(s.default[0]) if s.default else 0)
                self.sliders[s.label] = (s.id, list(s.options), idx)
            elif t == "plotly_chart":
                self.charts.append(el.plotly_chart.id)
                self.specs.append(el.plotly_chart.spec)
            elif t == "exception":
                self.exceptions.append(f"{el.exception.type}: {el.exception.message}"[:300])
            elif t == "markdown":
                self.text += el.markdown.body + "\n"
            elif t == "metric":
                self.metrics.append(el.metric.label)
            elif t == "alert":
                self.text += el.alert.body + "\n"
        elif kind == "ref_hash":
            self.ref_hashes += 1
        elif kind == "script_finished":
            self.finished += 1
            self.last_finish = time.monotonic()
            self.last_status = m.script_finished

    async def request(self, widgets=(), page_hash: str | None = None, page_name: str = "", query: str = "",
                      fragment: str | None = None) -> tuple[float, int]:
        """Send one rerun and wait for every run it causes; ``(seconds, runs)``.  ``page_name``
        (a URL path such as "data") opens that page as its address would, with ``query`` as its
        query string; ``fragment``: a rerun of that fragment only, as a browser's ``run_every``
        timer sends it."""
        if self.closed:
            raise Fail("the websocket to the server closed")
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = query
        cs.page_script_hash = page_hash if page_hash is not None else self.page_hash
        cs.page_name = page_name
        if fragment is not None:
            cs.fragment_id = fragment
            cs.is_auto_rerun = True
        for w in widgets:
            cs.widget_states.widgets.append(w)
        f0 = self.finished
        t0 = time.monotonic()
        await self.ws.send(msg.SerializeToString())
        deadline = t0 + self.opt.timeout
        while True:
            if time.monotonic() > deadline:
                raise Fail(f"no end of the run within {self.opt.timeout:.0f} s "
                           f"({self.finished - f0} runs finished)")
            if self.closed:
                raise Fail("the websocket to the server closed")
            if (self.finished > f0 and self.last_status != ForwardMsg.FINISHED_EARLY_FOR_RERUN
                    and time.monotonic() - self.last_event >= self.opt.quiet):
                break
            await asyncio.sleep(0.02)
        if self.exceptions:
            raise Fail(f"exception in the app: {self.exceptions[0]}")
        return self.last_finish - t0, self.finished - f0


def _array(v) -> list:
    """A plotly JSON array: a list, or (plotly >= 6) a typed array {"dtype": …, "bdata": base64}."""
    if isinstance(v, list):
        return v
    if isinstance(v, dict) and "bdata" in v:
        import base64

        import numpy as np
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v.get("dtype", "f8")))
        return a.reshape(-1).tolist()
    return []


def free_spot(spec: str, rng: random.Random, tries: int = 50) -> tuple[float, float]:
    """A random spot on the canvas's 0.1 grid at least 0.1 away from every drawn point (traces
    after the click grid), since the app ignores a click on an existing point by design."""
    pts = []
    try:
        for tr in json.loads(spec).get("data", [])[1:]:
            xs, ys = _array(tr.get("x")), _array(tr.get("y"))
            pts += [(float(a), float(b)) for a, b in zip(xs, ys) if a is not None and b is not None]
    except (ValueError, TypeError, AttributeError):
        pass
    for _ in range(tries):
        x, y = round(rng.uniform(-2.0, 2.0), 1), round(rng.uniform(-2.0, 2.0), 1)
        if all(max(abs(x - a), abs(y - b)) >= 0.1 for a, b in pts):
            return x, y
    return x, y


async def run_session(i: int, base: str, opt, report) -> None:
    rng = random.Random(opt.seed * 1000 + i)
    await asyncio.sleep(opt.ramp * i / max(1, opt.sessions - 1) if opt.sessions > 1 else 0)
    s = WsSession(base, opt)

    async def step(kind, fn) -> bool:
        async def timed():
            secs, runs = await fn()
            return secs, None, runs
        return await record_step(report, i, kind, timed)

    try:
        async def load():
            await s.connect()
            return await s.request(page_hash="", page_name=opt.start_page)
        if not await step("load", load):
            return
        if getattr(opt, "fresh_first_load", False):      # load_test.py --fresh-first-load: loads only
            session_done(report, i)
            return
        pat = re.compile(opt.preset, re.I)

        async def preset():
            names = [k for k in s.buttons if pat.search(k)]
            if not names:
                raise Fail(f"no preset button matching /{opt.preset}/ (buttons: {list(s.buttons)[:8]})")
            w = WidgetState(id=s.buttons[rng.choice(names)], trigger_value=True)
            return await s.request([w])
        await step("preset", preset)

        for _ in range(opt.points):
            async def click():
                if len(s.charts) <= opt.canvas:
                    raise Fail(f"no plotly chart #{opt.canvas} (the data canvas)")
                x, y = free_spot(s.specs[opt.canvas], rng)
                sel = {"selection": {"points": [{"curve_number": 0, "point_number": 0, "point_index": 0,
                                                 "x": x, "y": y}],
                                     "point_indices": [0], "box": [], "lasso": []}}
                return await s.request([WidgetState(id=s.charts[opt.canvas], string_value=json.dumps(sel))])
            before = point_count(s.text)
            if await step("add_point", click):
                no_point_added(report, before, point_count(s.text))

        page_pat = re.compile(opt.beta_page, re.I)

        async def navigate():
            hits = [h for path, h in s.pages.items() if page_pat.search(path)]
            if not hits:
                raise Fail(f"no page whose URL path matches /{opt.beta_page}/ (pages: {list(s.pages)})")
            s.page_hash = hits[0]
            return await s.request(page_hash=hits[0])
        if not await step("navigate", navigate):
            return
        beta_pat = re.compile(opt.beta_label, re.I)
        for k in range(opt.beta_moves):
            async def move(right: bool = k % 2 == 0):
                hits = [lab for lab in s.sliders if beta_pat.search(lab)]
                if not hits:
                    raise Fail(f"no slider labelled /{opt.beta_label}/ (sliders: {list(s.sliders)})")
                wid, options, idx = s.sliders[hits[0]]
                j = min(len(options) - 1, idx + 1) if right else max(0, idx - 1)
                return await s.request([WidgetState(id=wid, string_array_value={"data": [options[j]]})])
            await step("beta", move)
        session_done(report, i)
    finally:
        await s.close()


BIG_BETA = 0.01
BIG_LOSS = "hinge"              # the app's loss for 2-D classification


def big_query(n: int, seed: int = 0) -> str:
    """The link of a student's n-point two-moons set on the Convex page (hinge, β = 0.01)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from lab import codec
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    top = np.arange(n) % 2 == 0
    x = np.c_[np.where(top, np.cos(t), 1 - np.cos(t)), np.where(top, np.sin(t), 0.5 - np.sin(t))]
    x = np.round(x + 0.1 * rng.standard_normal((n, 2)), 3)
    tok, err = codec.encode_data(x, np.where(top, 1.0, -1.0), True)
    if tok is None:
        raise SystemExit(f"--big-solve {n}: {err}")
    return urllib.parse.urlencode({"page": "convex", "loss": BIG_LOSS, "beta": BIG_BETA, "data": tok})


async def big_solve(base: str, opt, report, t_start: float) -> None:
    """One student who opens the Convex page with ``opt.big_solve`` points and watches the exact
    solve's progress (the fragment's reruns every half second, as the browser sends them) until
    the optimum is drawn (or ``opt.time_limit`` s); what happened goes to ``report.big_solve``."""
    s = WsSession(base, opt)
    info = report.big_solve
    info.update(n=opt.big_solve, loss=BIG_LOSS, beta=BIG_BETA, outcome="not started", rounds=0, polls=0)
    polls: list[float] = []
    try:
        await s.connect()
        t0 = time.monotonic()
        info["started"] = t0 - t_start
        await s.request(page_hash="", page_name="convex", query=big_query(opt.big_solve))
        conv = s.page_hash
        info["outcome"] = f"still running after {opt.time_limit:.0f} s"
        while time.monotonic() - t0 < opt.time_limit:
            m = re.findall(r"Round (\d+)", s.text)
            if m:
                info["rounds"] = max(info["rounds"], int(m[-1]))
            if "optimal value p*" in s.metrics:
                info["outcome"] = "certified optimum drawn"
                break
            if s.auto_rerun is None:
                info["outcome"] = "no progress fragment: " + s.text[:120]
                break
            interval, fid = s.auto_rerun
            await asyncio.sleep(interval)
            secs, _ = await s.request(page_hash=conv, fragment=fid)
            polls.append(secs)
        info["seconds"] = time.monotonic() - t0
    except Exception as e:                  # reported, never hides the class's numbers
        info["outcome"] = f"failed: {type(e).__name__}: {e}"[:200]
    finally:
        info["polls"] = len(polls)
        polls.sort()
        info["poll_p95"] = polls[int(0.95 * (len(polls) - 1))] if polls else None
        await s.close()


async def drive(base: str, opt, report) -> None:
    """All ``opt.sessions`` sessions at once, within ``opt.time_limit`` s (see :mod:`harness`);
    with ``opt.big_solve``, one more student's exact solve of that many points runs beside them,
    started ``opt.big_lead`` s before the class."""
    n_big = getattr(opt, "big_solve", 0)
    if not n_big:
        await gather_sessions([run_session(i, base, opt, report) for i in range(opt.sessions)],
                              opt.time_limit, report)
        return
    t_start = time.monotonic()
    big = asyncio.create_task(big_solve(base, opt, report, t_start))
    await asyncio.sleep(opt.big_lead)
    report.big_solve["class_start"] = time.monotonic() - t_start - report.big_solve.get("started", 0.0)
    await gather_sessions([run_session(i, base, opt, report) for i in range(opt.sessions)],
                          opt.time_limit, report)
    report.big_solve["class_end"] = time.monotonic() - t_start - report.big_solve.get("started", 0.0)
    report.big_solve["class_done"] = True
    await big
