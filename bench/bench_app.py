"""Interaction speed of the app: how long a β step or a new point takes to redraw.

Three parts, each printed as tables (``--part server``, ``--part browser``, ``--part watch``;
``--part both`` is the first two, ``--part all`` (the default) all three):

**server** (in this process, no Streamlit): for each data set, the pieces of one run of the
Convex, Data, Arrangement and SGD pages — solving (8) (``solve_convex``, cold), building each
figure with :mod:`lab.figures`, plotly's serialisation (``plotly.io.to_json``, what
``st.plotly_chart`` sends) and its size.  Best of ``--repeat`` runs.

**browser** (the real thing): ``streamlit run app.py`` on a free loopback port, one headless
Chromium (``/usr/bin/chromium``), one session per data set opened from a shared link that holds
the data (``lab.codec.share_url``).  In each session, in this order:

    open data       the Data page from the link (first run of the session)
    add point       click the canvas at a free spot (twice)
    open convex     the Convex page for the new data: (8) solved for data the server never saw
    β step cold     β one step right (a β the server never solved for this data)
    β step warm     β one step left, then right again (both solved before: cached)
    click adds a point   click the Convex page's fit at a free spot (twice): a new point, a
                    solve warm-started from the previous optimum, the page redrawn
    open sgd        the SGD page (its p* is cached)
    β step cold     β one step right on the SGD page (new), then left (warm)
    open arrangement, step   a "switch point …" button (the neighbouring cell), twice

Times, per interaction (seconds, this process's clock):

    figure          from the action (key press, click; a click's hover before it, ~0.3 s, not
                    counted) to the last change of a plotly chart's
                    DOM (a MutationObserver in the page; hover labels excluded): what the user
                    waits until the figure is redrawn
    server          from the browser's first ``rerun_script`` request to the last
                    ``script_finished`` (the script run(s) on the server, with transport)
    server CPU      CPU seconds the server process used during the interaction (``/proc``),
                    minus its idle use: its own work, whatever the browser takes from the cores
    after run       figure − (time of the last ``script_finished`` − action): browser work
                    after the server finished (parsing the plotly JSON, drawing), ≥ 0
    busy ms         the page's long tasks (main thread busy > 50 ms, PerformanceObserver)
                    during the interaction: JavaScript + layout + paint
    kB              bytes the server sent on the websocket for this interaction

**watch** (the SGD page's animation, real Chromium, one session each, window 1400×900):

    lr = 1 Play → idle   the paper's data at learning rate 1: every run diverges in the first
                    frame; from the click on Play to the page idle (figure, server, browser)
    Step            one press of Step (one step, the page redrawn with refined certificates)
    Pause           a press of Pause while playing: to the page idle (this session and the
                    frames' run without the figure-redraw observer, which slows an animation)
    one animation frame   Play at 5 steps/s (a frame every 0.2 s) for 5 s: frames per second
                    achieved, the server's time per frame (a fragment rerun, from its request to
                    its script_finished), the browser's long tasks and bytes per frame

    python bench/bench_app.py                         # every part, n = 20, 40, 60
    python bench/bench_app.py --part browser --ns 60  # one size
    python bench/bench_app.py --part watch            # the SGD animation only
    python bench/bench_app.py --part pages            # Higher dimensions, Convolutions open cold / warm
    python bench/bench_app.py --part first-load       # 30 students at a freshly started server
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import json
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import numpy as np  # noqa: E402
from harness import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    Fail,
    Wire,
    _cpu_seconds,
    _machine,
    _settled,
    _tree,
    free_port,
    slider_step,
    start_server,
    stop_server,
    wait_healthy,
)

BETA0 = 0.1


@dataclass
class DataSet:
    label: str
    X: np.ndarray       # points (n, 1) or (n, 2)
    y: np.ndarray
    loss: str

    @property
    def n(self) -> int:
        return len(self.y)


def datasets(ns) -> list[DataSet]:
    """2-D: two moons with bias (hinge loss); 1-D: the paper's preset (n = 5) and noisy sine
    samples with bias (squared loss), at each n."""
    from cvxcore.datasets import make
    out = []
    for n in ns:
        X, y = make("moons", n=n)
        out.append(DataSet(f"2-D moons n={n}", X, y, "hinge"))
    X, y = make("paper")
    out.append(DataSet(f"1-D paper n={len(y)}", X, y, "squared"))
    for n in ns:
        X, y = make("sine", n=n)
        out.append(DataSet(f"1-D sine n={n}", X, y, "squared"))
    return out


# ============================================================================ server part

def _best(fn, repeat: int):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def server_part(sets: list[DataSet], repeat: int) -> list[dict]:
    """Solve, build, serialise: the pieces of one page run, in this process."""
    import plotly.io as pio

    from cvxcore import solve_convex, with_bias
    from lab import arrangement as A
    from lab import figures as F
    from lab.canvas import network_on_canvas

    memo = {"on": False}

    def U(builder):          # without lab.figures' memo (a real build) unless memo["on"]
        return builder if memo["on"] else getattr(builder, "uncached", builder)

    def figures(ds: DataSet, X: np.ndarray, res) -> dict:
        """The page's figures for one data set, each a call that builds it (as the pages do)."""
        figs = {"data: canvas": lambda: U(F.data_canvas)(ds.X, ds.y, ds.X.shape[1])}
        if ds.X.shape[1] == 1:
            xs, fx = network_on_canvas(res.U, res.alpha, True, 1)
            figs["convex: fit"] = lambda: U(F.fit_1d)(ds.X[:, 0], ds.y, xs, {"optimal network f(x)": fx},
                                                   U=res.U, alpha=res.alpha, bias=True)
            cs = A.cells(X)
            u = cs.arr.interior_point(0)
            figs["arrangement: weight plane"] = lambda: U(F.weight_plane)(X, u, sector=A.sector(cs, 0))
        else:
            g, Fv = network_on_canvas(res.U, res.alpha, True, 2)
            figs["convex: regions"] = lambda: U(F.decision_2d)(ds.X, ds.y, g, g, Fv, U=res.U, alpha=res.alpha,
                                                            bias=True, height=640)
            cs = A.cells(X)
            u = A.DEFAULT_U[3] / np.linalg.norm(A.DEFAULT_U[3])
            c = cs.cell_of(u)
            corners, bounding = A.polygon(cs, c), A.facet_points(cs, c)
            figs["arrangement: sphere"] = lambda: U(F.sphere_arrangement)(X, u, corners=corners, bounding=bounding)
            figs["arrangement: input plane"] = lambda: U(F.input_plane)(ds.X, ds.y, u, bounding=bounding)
        vn, wn = np.linalg.norm(res.V, axis=1), np.linalg.norm(res.W, axis=1)
        figs["convex: group norms"] = lambda: U(F.group_norms)(vn, wn)
        return figs

    rows = []
    for ds in sets:
        X = with_bias(ds.X)
        t_solve, res = _best(functools.partial(solve_convex, X, ds.y, BETA0, loss=ds.loss), 1)
        figs = figures(ds, X, res)
        for name, build in figs.items():
            t_build, fig = _best(build, repeat)
            t_json, spec = _best(functools.partial(pio.to_json, fig.to_dict(), validate=False), repeat)
            rows.append(dict(data=ds.label, P=res.n_patterns, solve_s=t_solve, figure=name,
                             build_ms=1e3 * t_build, json_ms=1e3 * t_json, kB=len(spec) / 1e3))
        memo["on"] = True                 # the memoised call once the figure is cached (a rerun, a 2nd student)
        for r, build in zip(rows[-len(figs):], figs.values()):
            build()
            r["memo_ms"] = 1e3 * _best(build, repeat)[0]
        memo["on"] = False
    return rows


def server_table(rows: list[dict]) -> str:
    out = ["| data | P | solve (8) s | figure | build ms | memo hit ms | to_json ms | JSON kB |",
           "|---|---:|---:|---|---:|---:|---:|---:|"]
    last = None
    for r in rows:
        first = r["data"] != last
        last = r["data"]
        out.append(f"| {r['data'] if first else ''} | {r['P'] if first else ''} | "
                   f"{format(r['solve_s'], '.3f') if first else ''} | {r['figure']} | {r['build_ms']:.0f} | "
                   f"{r['memo_ms']:.1f} | "
                   f"{r['json_ms']:.0f} | {r['kB']:.0f} |")
    return "\n".join(out)


# ============================================================================ browser part

OBSERVER_JS = r"""
(() => {
  window.__plotT = 0;
  window.__long = [];
  try {
    new PerformanceObserver(l => {
      for (const e of l.getEntries()) window.__long.push([performance.timeOrigin + e.startTime, e.duration]);
    }).observe({type: 'longtask', buffered: true});
  } catch (e) {}
  const inPlot = (n) => {
    const el = n && (n.nodeType === 1 ? n : n.parentElement);
    if (!el || !el.closest) return false;
    if (el.closest('.hoverlayer')) return false;
    return !!(el.closest('.js-plotly-plot') || (el.querySelector && el.querySelector('.js-plotly-plot')));
  };
  const watch = () => new MutationObserver(ms => {
    for (const m of ms) {
      if (inPlot(m.target) || Array.from(m.addedNodes || []).some(inPlot)) {
        window.__plotT = performance.timeOrigin + performance.now();
        return;
      }
    }
  }).observe(document.documentElement, {subtree: true, childList: true, attributes: true, characterData: true});
  if (document.documentElement) watch(); else document.addEventListener('DOMContentLoaded', watch);
})();
"""


class CountingWire(Wire):
    """:class:`harness.Wire` that also counts the bytes the server sends."""

    def __init__(self, page):
        self.bytes_in = 0
        self.finish_times = []
        super().__init__(page)

    def _received(self, payload) -> None:
        if not isinstance(payload, str):
            self.bytes_in += len(payload)
        before = self.finished
        super()._received(payload)
        if self.finished > before:
            self.finish_times.append(self.last_finish)


@dataclass
class Timing:
    data: str
    page: str
    action: str
    figure_s: float | None
    server_s: float | None
    after_run_s: float | None
    busy_ms: float
    kB: float
    runs: int
    cpu_s: float | None = None
    error: str | None = None
    idle_s: float | None = None     # from the action to the page idle (notRunning), browser included


SERVER_PID: list[int] = []          # the streamlit process (set by browser_part)
IDLE_CPU_PER_S = 0.0                # the idle server's CPU per wall second (subtracted over the quiet wait)


def server_cpu() -> float:
    """CPU seconds (user + system) used so far by the server process and its children."""
    return sum(_cpu_seconds(p) for p in _tree(SERVER_PID[0])) if SERVER_PID else 0.0


class Opt:
    timeout = 40.0
    quiet = 0.4


async def _clock(page) -> tuple[float, float]:
    """(python monotonic seconds, the page's epoch ms, timeOrigin + now) at about the same instant;
    epoch ms, not performance.now(), which restarts with every document."""
    a = time.monotonic()
    js = await page.evaluate("performance.timeOrigin + performance.now()")
    b = time.monotonic()
    return (a + b) / 2, js


async def timed(page, wire: CountingWire, data: str, pname: str, action_name: str, action,
                from_request: bool = True) -> Timing:
    finished0, bytes0 = wire.finished, wire.bytes_in
    py0, js0 = await _clock(page)
    cpu0 = server_cpu()
    t0 = time.monotonic()
    try:
        began = await action()          # an action may return when the user acted (a click after its hover)
        _, idle_s = await _settled(page, wire, t0, finished0, Opt, from_request=from_request)
    except Fail as e:
        return Timing(data, pname, action_name, None, None, None, 0, 0, 0, None, str(e))
    cpu = server_cpu() - cpu0 - Opt.quiet * IDLE_CPU_PER_S
    plot_t, longs = await page.evaluate("[window.__plotT, window.__long]")
    offset = py0 - js0 / 1000                       # page ms -> python s
    t_user = began if isinstance(began, float) else t0
    fig_s = (offset + plot_t / 1000) - t_user if plot_t > js0 else None
    start = (wire.first_request_since(t0) if from_request else None) or t0
    server_s = wire.last_finish - start
    after = max(0.0, fig_s - (wire.last_finish - t_user)) if fig_s is not None else None
    busy = sum(d for s, d in longs if s >= js0)
    if await page.locator("[data-testid='stException']").count():
        txt = (await page.locator("[data-testid='stException']").first.inner_text())[:300]
        return Timing(data, pname, action_name, fig_s, server_s, after, busy, 0, 0, None, f"stException: {txt}")
    return Timing(data, pname, action_name, fig_s, server_s, after, busy,
                  (wire.bytes_in - bytes0) / 1e3, wire.finished - finished0, max(cpu, 0.0), idle_s=idle_s)


FREE_JS = r"""
([fx, fy]) => {
  const gd = document.querySelectorAll("[data-testid='stPlotlyChart'] .js-plotly-plot")[0];
  if (!gd || !gd._fullLayout) return true;
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const x = xa.p2l(fx * xa._length), y = ya.p2l(fy * ya._length);
  for (const tr of (gd._fullData || []).slice(1)) {
    const xs = tr.x || [], ys = tr.y || [];
    for (let k = 0; k < xs.length; k++) if (Math.max(Math.abs(xs[k] - x), Math.abs(ys[k] - y)) < 0.3) return false;
  }
  return true;
}
"""


async def _click_canvas(page, rng) -> None:
    area = page.locator("[data-testid='stPlotlyChart']").first.locator(".nsewdrag").first
    await area.wait_for(state="visible")
    await area.scroll_into_view_if_needed()   # the Convex page's fit reaches below the viewport:
    box = await area.bounding_box()           # a click there would go nowhere
    for _ in range(40):
        fx, fy = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9)
        if await page.evaluate(FREE_JS, [fx, fy]):
            break
    x, y = box["x"] + box["width"] * fx, box["y"] + box["height"] * fy
    await page.mouse.move(x - 15, y - 15)
    await page.mouse.move(x, y, steps=4)
    await asyncio.sleep(0.25)                 # plotly registers the hover on the grid point
    clicked = time.monotonic()                # the user's wait starts here, not at the hover
    await page.mouse.click(x, y)
    await page.mouse.move(2, 2)               # away from the canvas: no hover label afterwards
    return clicked


async def _slider_step(page, label: str, key: str) -> None:
    await slider_step(page, re.compile(label), key)


async def _arrangement_step(page) -> None:
    """Click the first "switch point …" button: the neighbouring cell across that facet."""
    await page.get_by_role("button", name=re.compile(r"^switch point")).first.click()


async def _nav(page, name: str) -> None:
    await page.get_by_role("link", name=re.compile(name)).first.click()


async def one_session(browser, base: str, ds: DataSet, rng) -> list[Timing]:
    from lab import codec
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
    await ctx.add_init_script(OBSERVER_JS)
    page = await ctx.new_page()
    page.set_default_timeout(120_000)
    wire = CountingWire(page)
    out: list[Timing] = []

    async def t(pname, action_name, action, from_request=True):
        r = await timed(page, wire, ds.label, pname, action_name, action, from_request)
        out.append(r)
        return r.error is None

    url = codec.share_url(base + "/data", codec.Dataset(ds.X, ds.y, True),
                          {"page": "data", "beta": BETA0, "loss": ds.loss})
    try:
        if not await t("data", "open (link)", lambda: page.goto(url, wait_until="domcontentloaded"),
                       from_request=False):
            return out
        await page.mouse.click(700, 30)          # focus the page: its first click on the canvas is lost
        await asyncio.sleep(0.3)
        for _ in range(2):
            if not await t("data", "add point", lambda: _click_canvas(page, rng)):
                out.pop()                       # a click plotly did not register (rare): once more
                await t("data", "add point", lambda: _click_canvas(page, rng))
        await t("convex", "open after new point (cold solve)", lambda: _nav(page, "Convex"))
        await t("convex", "β step (cold)", lambda: _slider_step(page, "β", "ArrowRight"))
        await t("convex", "β step (warm)", lambda: _slider_step(page, "β", "ArrowLeft"))
        await t("convex", "β step (warm)", lambda: _slider_step(page, "β", "ArrowRight"))
        for _ in range(2):          # a click on the fit: one more point, (8) solved again, redrawn
            await t("convex", "click adds a point (solve + redraw)", lambda: _click_canvas(page, rng))
        await t("sgd", "open (p* cached)", lambda: _nav(page, "SGD"))
        await t("sgd", "β step (cold)", lambda: _slider_step(page, "β", "ArrowRight"))
        await t("sgd", "β step (warm)", lambda: _slider_step(page, "β", "ArrowLeft"))
        await t("arrangement", "open", lambda: _nav(page, "arrangement"))
        await t("arrangement", "step to a neighbour cell", lambda: _arrangement_step(page))
        await t("arrangement", "step back (figures cached)", lambda: _arrangement_step(page))
    finally:
        await ctx.close()
    return out


async def browser_part_async(base: str, sets: list[DataSet], seed: int) -> list[Timing]:
    import random

    from playwright.async_api import async_playwright
    rng = random.Random(seed)
    out = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            warm = DataSet("warm-up", np.array([[0.5], [1.5]]), np.array([1.0, -1.0]), "squared")
            await one_session(browser, base, warm, rng)       # first imports, bytecode, JS bundle
            for ds in sets:
                out += await one_session(browser, base, ds, rng)
        finally:
            await browser.close()
    return out


def browser_part(sets: list[DataSet], seed: int, log: str | None) -> list[Timing]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server("app.py", port, log)
    SERVER_PID[:] = [proc.pid]
    global IDLE_CPU_PER_S
    try:
        wait_healthy(base, proc)
        c0 = server_cpu()
        time.sleep(2.0)
        IDLE_CPU_PER_S = (server_cpu() - c0) / 2.0
        return asyncio.run(browser_part_async(base, sets, seed))
    finally:
        stop_server(proc)


def browser_table(rows: list[Timing]) -> str:
    f = lambda v, k=2: "—" if v is None else f"{v:.{k}f}"     # noqa: E731
    out = ["| data | page | interaction | figure s | server s | server CPU s | after run s | busy ms | kB | runs |",
           "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r.error:
            out.append(f"| {r.data} | {r.page} | {r.action} | ERROR: {r.error[:120]} | | | | | |")
            continue
        out.append(f"| {r.data} | {r.page} | {r.action} | {f(r.figure_s)} | {f(r.server_s)} | {f(r.cpu_s)} | "
                   f"{f(r.after_run_s)} | {r.busy_ms:.0f} | {r.kB:.0f} | {r.runs} |")
    return "\n".join(out)


def browser_summary(rows: list[Timing]) -> str:
    """Median and max of "figure s" per (page, interaction) over the data sets of each kind."""
    groups: dict[tuple, list] = {}
    for r in rows:
        if r.error is None and r.figure_s is not None:
            kind = "2-D" if r.data.startswith("2-D") else "1-D"
            groups.setdefault((kind, r.page, r.action), []).append(r)
    out = ["| data | page | interaction | figure s median | figure s max | server s median | server CPU s median "
           "| kB median |",
           "|---|---|---|---:|---:|---:|---:|---:|"]
    for (kind, pg, act), rs in groups.items():
        fs = [r.figure_s for r in rs]
        out.append(f"| {kind} | {pg} | {act} | {statistics.median(fs):.2f} | {max(fs):.2f} | "
                   f"{statistics.median(r.server_s for r in rs):.2f} | {statistics.median(r.cpu_s for r in rs):.2f} | "
                   f"{statistics.median(r.kB for r in rs):.0f} |")
    return "\n".join(out)


# ============================================================================ watch part

@dataclass
class FrameStats:
    data: str
    speed: int
    seconds: float
    frames: int
    server_ms: float | None        # median, request -> script_finished of a frame
    busy_ms: float                 # long tasks per frame
    kB: float                      # per frame
    error: str | None = None


async def _button(page, name: str):
    loc = page.get_by_role("button", name=name, exact=True)
    await loc.wait_for(state="visible")
    clicked = time.monotonic()
    await loc.click()
    return clicked


# Long tasks only: OBSERVER_JS's MutationObserver runs on every DOM change of a plotly redraw,
# and while the page animates it alone kept the main thread busy ~0.5 s a frame (frames
# then came at ~1 a second instead of 4–5).
LONGTASK_JS = r"""
(() => {
  window.__plotT = 0;
  window.__long = [];
  try {
    new PerformanceObserver(l => {
      for (const e of l.getEntries()) window.__long.push([performance.timeOrigin + e.startTime, e.duration]);
    }).observe({type: 'longtask', buffered: true});
  } catch (e) {}
})();
"""


async def _sgd_session(browser, base: str, ds: DataSet, settings: dict, actions,
                       observe: bool = True) -> tuple[list, list]:
    """One SGD page session; ``observe``: time the figures' redraws (OBSERVER_JS), else long
    tasks only (the animation's own pace)."""
    from lab import codec
    ctx = await browser.new_context(viewport={"width": 1400, "height": 900})
    await ctx.add_init_script(OBSERVER_JS if observe else LONGTASK_JS)
    page = await ctx.new_page()
    page.set_default_timeout(120_000)
    wire = CountingWire(page)
    rows, frames = [], []
    url = codec.share_url(base + "/sgd", codec.Dataset(ds.X, ds.y, True),
                          {"page": "sgd", "beta": BETA0, "loss": ds.loss, **settings})
    try:
        rows.append(await timed(page, wire, ds.label, "sgd", "open (link)",
                                lambda: page.goto(url, wait_until="domcontentloaded"), from_request=False))
        await page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg")
        for act in actions:
            if act == "frames":
                frames.append(await _frame_stats(page, wire, ds, settings.get("speed", 5)))
            else:
                rows.append(await timed(page, wire, ds.label, "sgd", act[0], act[1](page)))
    finally:
        await ctx.close()
    return rows, frames


async def _frame_stats(page, wire: CountingWire, ds: DataSet, speed: int, seconds: float = 5.0) -> FrameStats:
    """Play for ``seconds``: frames finished, each frame's server time, the browser's busy time."""
    await _button(page, "Play")
    await asyncio.sleep(1.0)                       # past the Play click's own full run
    n_req, n_fin, b0 = len(wire.request_times), len(wire.finish_times), wire.bytes_in
    js0 = await page.evaluate("performance.timeOrigin + performance.now()")
    t0 = time.monotonic()
    await asyncio.sleep(seconds)
    t1 = time.monotonic()
    reqs = [r for r in wire.request_times[n_req:] if r <= t1]
    fins = wire.finish_times[n_fin:]
    lat = []
    for r in reqs:
        f = next((f for f in fins if f >= r), None)
        if f is not None:
            lat.append(f - r)
    longs = await page.evaluate("window.__long")
    busy = sum(d for s0, d in longs if s0 >= js0)
    k = sum(1 for f in fins if f <= t1)
    return FrameStats(ds.label, speed, t1 - t0, k, 1e3 * statistics.median(lat) if lat else None,
                      busy / max(k, 1), (wire.bytes_in - b0) / 1e3 / max(k, 1))


async def watch_part_async(base: str) -> tuple[list, list]:
    from playwright.async_api import async_playwright

    from cvxcore.datasets import make
    paper = DataSet("1-D paper n=5", *make("paper"), "squared")
    moons = DataSet("2-D moons n=40", *make("moons"), "hinge")
    rows, frames = [], []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            await _sgd_session(browser, base, paper, {}, [])                 # warm-up: imports, JS bundle
            r, _ = await _sgd_session(browser, base, paper, {"lr": 1.0},
                                      [("lr = 1 Play → idle", lambda pg: (lambda: _button(pg, "Play")))])
            rows += r
            for ds in (paper, moons):
                r, _ = await _sgd_session(
                    browser, base, ds, {"speed": 5, "m": 8},
                    [("Step", lambda pg: (lambda: _button(pg, "Step"))),
                     ("Step", lambda pg: (lambda: _button(pg, "Step")))])
                rows += r
                r, f = await _sgd_session(
                    browser, base, ds, {"speed": 5, "m": 8},
                    ["frames", ("Pause (while playing)", lambda pg: (lambda: _button(pg, "Pause")))], observe=False)
                rows += r[1:]
                frames += f
        finally:
            await browser.close()
    return rows, frames


def watch_part(log: str | None) -> tuple[list, list]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server("app.py", port, log)
    SERVER_PID[:] = [proc.pid]
    try:
        wait_healthy(base, proc)
        return asyncio.run(watch_part_async(base))
    finally:
        stop_server(proc)


# ============================================================================ pages part
#
# The heaviest pages, timed in a real browser on a server started for the part:
# Higher dimensions at its defaults (first trial drawn, all drawn), Convolutions opened cold
# (a server that never computed it) and warm (a second student), a tab switched cold and warm,
# with the columns of the browser part (figure s: until the last chart is drawn; server s: the
# script runs), and the first page load of 30 students arriving at a freshly started server
# (bench/load_test.py --fresh-first-load, through the browser and through Streamlit's protocol).

async def _until(page, text: str | re.Pattern, timeout: float = 300.0, idle: bool = True) -> float | None:
    """Wait until the main area shows ``text`` and (``idle``) the app is idle.  Returns the
    seconds the app's script ran meanwhile (from the first "running" state seen to the last
    "notRunning"), or None when no run was seen: the server's share of the wait."""
    t_end = time.monotonic() + timeout
    ran_from = ran_to = None
    while time.monotonic() < t_end:
        state = await page.locator("[data-testid='stApp']").get_attribute("data-test-script-state")
        now = time.monotonic()
        if state == "running" and ran_from is None:
            ran_from = now
        if state == "notRunning" and ran_from is not None:
            ran_to = now
        body = await page.locator("[data-testid='stMain']").inner_text()
        if (text.search(body) if isinstance(text, re.Pattern) else text in body):
            if state == "notRunning" or not idle:
                return None if ran_from is None or ran_to is None else ran_to - ran_from
        await asyncio.sleep(0.05)
    raise Fail(f"{text!r} did not appear within {timeout:.0f} s")


async def _session(browser, viewport=(1400, 900)):
    ctx = await browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    await ctx.add_init_script(OBSERVER_JS)
    page = await ctx.new_page()
    page.set_default_timeout(300_000)
    return ctx, page, CountingWire(page)


async def _with_charts(page, t0: float, r: Timing, charts: int) -> Timing:
    """``r`` with ``figure_s`` = until ``charts`` plotly charts are drawn, when the observer
    missed them (a fresh page loads plotly.js itself, after the script has finished)."""
    if r.error is None and r.figure_s is None and charts:
        await page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}",
                                     timeout=300_000)
        r.figure_s = time.monotonic() - t0
    return r


async def pages_part_async(base: str) -> list[Timing]:
    """One :class:`Timing` per row, measured as the browser part's (figure, server, server CPU)."""
    from playwright.async_api import async_playwright
    out: list[Timing] = []
    Opt.timeout = 300.0
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            ctx, page, wire = await _session(browser)
            out.append(await timed(page, wire, "-", "about (no computation, for comparison)", "open",
                                   lambda: page.goto(base + "/about", wait_until="domcontentloaded"), False))
            await ctx.close()
            # Convolutions: cold (this server never computed it), warm (another student), tab switches
            for label in ("open cold", "open warm (a second session)"):
                ctx, page, wire = await _session(browser)
                t0 = time.monotonic()
                r = await timed(page, wire, "-", "convolution", label,
                                lambda page=page: page.goto(base + "/convolution", wait_until="domcontentloaded"),
                                False)
                out.append(await _with_charts(page, t0, r, 4))
                if label == "open cold":
                    await ctx.close()
            for label, tab in (("circular tab, cold", "Circular"), ("linear tab, warm", "Linear"),
                               ("circular tab, warm", "Circular")):
                out.append(await timed(page, wire, "-", "convolution", label,
                                       lambda tab=tab: page.get_by_role("tab", name=re.compile(tab)).click()))
            await ctx.close()
            # Higher dimensions at the page's defaults: Run; the first trial drawn, then every trial
            ctx, page, wire = await _session(browser)
            await timed(page, wire, "-", "higher_dims", "open",
                        lambda: page.goto(base + "/higher_dims", wait_until="domcontentloaded"), False)
            t0 = time.monotonic()
            await page.get_by_role("button", name="Run").click()
            await _until(page, re.compile(r"[1-9] of \d+ trials\."), idle=False)
            first = time.monotonic() - t0
            total = int(re.search(r"of (\d+) trials\.",
                                  await page.locator("[data-testid='stMain']").inner_text()).group(1))
            await _until(page, f"{total} of {total} trials.")
            out.append(Timing("-", "higher_dims", f"default run: first of {total} trials drawn", first,
                              None, None, 0, 0, 0))
            out.append(Timing("-", "higher_dims", f"default run: all {total} trials drawn", time.monotonic() - t0,
                              None, None, 0, 0, 0))
            await ctx.close()
        finally:
            await browser.close()
    return out


def pages_part(log: str | None) -> list[Timing]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server("app.py", port, log)
    SERVER_PID[:] = [proc.pid]
    try:
        wait_healthy(base, proc, timeout=120)
        return asyncio.run(pages_part_async(base))
    finally:
        stop_server(proc)


def watch_table(rows: list[Timing]) -> str:
    f = lambda v, k=2: "—" if v is None else f"{v:.{k}f}"     # noqa: E731
    out = ["| data | interaction | figure s | page idle s | server s | server CPU s | busy ms | kB | runs |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r.error:
            out.append(f"| {r.data} | {r.action} | ERROR: {r.error[:120]} | | | | | | |")
            continue
        out.append(f"| {r.data} | {r.action} | {f(r.figure_s)} | {f(r.idle_s)} | {f(r.server_s)} | {f(r.cpu_s)} | "
                   f"{r.busy_ms:.0f} | {r.kB:.0f} | {r.runs} |")
    return "\n".join(out)


def frames_table(rows: list[FrameStats]) -> str:
    out = ["| data | speed (steps/s) | frames/s asked | frames/s achieved | server ms / frame (median) | "
           "browser busy ms / frame | kB / frame |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        from lab.training import frame_plan
        asked = 1 / frame_plan(r.speed)[0]
        out.append(f"| {r.data} | {r.speed} | {asked:.1f} | {r.frames / r.seconds:.1f} | "
                   f"{'—' if r.server_ms is None else format(r.server_ms, '.0f')} | {r.busy_ms:.0f} | {r.kB:.0f} |")
    return "\n".join(out)


def first_load_part(sessions: int = 30, driver: str = "browser") -> list[dict]:
    """The first page load of ``sessions`` students arriving within 3 s at a freshly started server.

    ``driver`` "browser": headless Chromium pages (on this machine they take most of the CPU, so
    the latency is the machine's contention as much as the server's); "ws": Streamlit's protocol
    without browsers, the server alone (bench/load_ws.py)."""
    import load_test
    rep = load_test.run(load_test.Options(sessions=sessions, fresh_first_load=True, timeout=60.0, driver=driver,
                                          nice_browsers=19 if driver == "browser" else 0))
    loads = sorted(s.seconds for s in rep.samples if s.kind == "load" and s.error is None)
    uis = sorted(s.ui_seconds for s in rep.samples if s.kind == "load" and s.error is None and s.ui_seconds)
    errors = [s.error for s in rep.samples if s.error]

    def q(v, f):
        return v[min(len(v) - 1, int(round(f * (len(v) - 1))))] if v else None
    label = f"first load, fresh server, {sessions} sessions ({driver})"
    return [dict(page="Data (first load)", action=f"{label}: median", seconds=q(loads, 0.5)),
            dict(page="Data (first load)", action=f"{label}: p95", seconds=q(loads, 0.95)),
            dict(page="Data (first load)", action=f"{label}: max", seconds=loads[-1] if loads else None),
            dict(page="Data (first load)", action=f"{label}: p95 in the page (browser included)",
                 seconds=q(uis, 0.95)),
            dict(page="Data (first load)", action=f"{label}: errors", seconds=None, note=len(errors))]


def pages_table(rows: list[dict]) -> str:
    """``seconds``: until the page shows the result, idle (what the student waits, browser
    included); ``script run s``: the app's script meanwhile (the server's share)."""
    f = lambda v: "—" if v is None else format(v, ".2f")     # noqa: E731
    out = ["| page | interaction | seconds | script run s |", "|---|---|---:|---:|"]
    for r in rows:
        first = str(r["note"]) if "note" in r else f(r.get("seconds"))
        out.append(f"| {r['page']} | {r['action']} | {first} | {f(r.get('run'))} |")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", choices=("server", "browser", "both", "watch", "pages", "first-load", "all"),
                    default="all",
                    help="both: server and browser; watch: the SGD animation; pages: Higher dimensions and "
                         "Convolutions in a browser; first-load: 30 students "
                         "at a fresh server (bench/load_test.py --fresh-first-load)")
    ap.add_argument("--sessions", type=int, default=30, help="sessions of the first-load part")
    ap.add_argument("--ns", type=int, nargs="+", default=[20, 40, 60])
    ap.add_argument("--repeat", type=int, default=3, help="best of this many builds (server part)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None, help="write every row here")
    ap.add_argument("--server-log", default=None)
    a = ap.parse_args(argv)
    sets = datasets(a.ns)
    print(f"machine: {_machine()}")
    result = {}
    if a.part in ("server", "both", "all"):
        rows = server_part(sets, a.repeat)
        result["server"] = rows
        print("\n## Server pieces (in process)\n")
        print(server_table(rows))
    if a.part in ("browser", "both", "all"):
        rows = browser_part(sets, a.seed, a.server_log)
        result["browser"] = [asdict(r) for r in rows]
        print("\n## Browser: one session per data set\n")
        print(browser_table(rows))
        print("\n## Browser summary\n")
        print(browser_summary(rows))
    if a.part in ("watch", "all"):
        rows, frames = watch_part(a.server_log)
        result["watch"] = {"rows": [asdict(r) for r in rows], "frames": [asdict(f) for f in frames]}
        print("\n## SGD animation: interactions\n")
        print(watch_table(rows))
        print("\n## SGD animation: frames\n")
        print(frames_table(frames))
    if a.part in ("pages", "all"):
        rows = pages_part(a.server_log)
        result["pages"] = [asdict(r) for r in rows]
        print("\n## Pages: Higher dimensions and Convolutions (browser)\n")
        print(browser_table(rows))
    if a.part == "first-load":
        rows = first_load_part(a.sessions, "ws") + first_load_part(a.sessions, "browser")
        result["first_load"] = rows
        print("\n## First load on a fresh server\n")
        print(pages_table(rows))
    print(f"\nmachine at the end: {_machine()}")
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
