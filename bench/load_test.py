"""Load test: N concurrent real browser sessions against one ``streamlit run`` server, or against
``--replicas`` servers behind HAProxy (the stack of ``scripts/serve_class.py``, started by its code).

Starts ``streamlit run app.py`` on a free loopback port (127.0.0.1 only), waits for
``/_stcore/health``, then drives ``--sessions`` headless Chromium pages at once (one browser,
one isolated context per session = one Streamlit session each).  Every session does what a
student does in the first minute:

    load        open the app at --start-page (the Data page)
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
    python bench/load_test.py --sessions 30 --fresh-first-load   # first loads only, fresh server
    python bench/load_test.py --sessions 40 --replicas 2    # through the proxy to 2 replicas
    python bench/load_test.py --driver ws --sessions 40 --replicas 2 --big-solve 1000
                                      # ... while one more student solves (8) for 1,000 points

Limits of the measurement: the browsers run on the same machine as the server.  On a small
machine they use several times the server's CPU (the report prints both), so latencies measure
the contention as much as the app; ``--nice-browsers 19`` lets the server go first.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sys
import time
import urllib.parse
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (  # noqa: E402,F401
    APP_IDLE,
    CHROMIUM,
    CHROMIUM_ARGS,
    LOOPBACK,
    ORDER,
    ROOT,
    Fail,
    Report,
    Sample,
    Sampler,
    Wire,
    _check_exception,
    _cpu_seconds,
    _machine,
    _q,
    _settled,
    _timed,
    find_server_pid,
    free_port,
    gather_sessions,
    no_point_added,
    point_count,
    record_step,
    session_done,
    slider_step,
    start_server,
    stop_server,
    wait_healthy,
)

MAX_SESSIONS = 200



@dataclass
class Options:
    sessions: int = 30
    replicas: int = 0                    # > 0: that many replicas behind HAProxy (scripts/serve_class.py)
    app: str = "app.py"
    url: str | None = None               # use an already running loopback server instead
    start_page: str = "data"             # the URL path a session opens (the root is the Start page)
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
    fresh_first_load: bool = False       # only the first page load of each session, on a fresh server
    big_solve: int = 0                   # > 0 (ws driver): one more student solves (8) exactly for this many points
    big_lead: float = 15.0               # seconds that solve starts before the class



# ============================================================================ one session

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


async def _point_count(page) -> int | None:
    """The data page's "n = …" count, or None when the page shows none."""
    try:
        return point_count(await page.locator("[data-testid='stMain']").inner_text(timeout=5000))
    except Exception:
        return None


async def _navigate(page, pattern: re.Pattern) -> None:
    loc = page.get_by_role("link", name=pattern).first
    try:
        await loc.wait_for(state="visible")
    except Exception:
        raise Fail(f"no page link matching /{pattern.pattern}/") from None
    await loc.click()


async def run_session(i: int, browser, base: str, opt: Options, report: Report) -> None:
    rng = random.Random(opt.seed * 1000 + i)
    await asyncio.sleep(opt.ramp * i / max(1, opt.sessions - 1) if opt.sessions > 1 else 0)
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await ctx.new_page()
    page.set_default_timeout(opt.timeout * 1000)
    wire = Wire(page)

    def step(kind, action):
        return record_step(report, i, kind,
                           lambda: _timed(page, wire, opt, action, from_request=(kind != "load")))

    try:
        async def load():
            await page.goto(f"{base}/{opt.start_page}", wait_until="domcontentloaded")
        if not await step("load", load):
            return
        if opt.fresh_first_load:
            session_done(report, i)
            return
        preset = re.compile(opt.preset, re.I)
        await step("preset", lambda: _click_preset(page, preset, rng))
        for _ in range(opt.points):
            before = await _point_count(page)
            if await step("add_point", lambda: _click_canvas(page, opt.canvas, rng)):
                no_point_added(report, before, await _point_count(page))
        if not await step("navigate", lambda: _navigate(page, re.compile(opt.beta_page, re.I))):
            return
        beta = re.compile(opt.beta_label, re.I)
        for k in range(opt.beta_moves):
            key = "ArrowRight" if k % 2 == 0 else "ArrowLeft"
            await step("beta", lambda key=key: slider_step(page, beta, key))
        session_done(report, i)
    finally:
        await ctx.close()


# ============================================================================ driver

async def _drive(base: str, opt: Options, report: Report) -> None:
    from playwright.async_api import async_playwright
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            await gather_sessions([run_session(i, browser, base, opt, report) for i in range(opt.sessions)],
                                  opt.time_limit, report)
        finally:
            await browser.close()


def run(opt: Options) -> Report:
    """Run the load test; always stops the server it started and the browser."""
    if opt.driver not in ("browser", "ws"):
        raise SystemExit(f"--driver {opt.driver!r}: use 'browser' or 'ws'.")
    if not 1 <= opt.sessions <= MAX_SESSIONS:
        raise SystemExit(f"--sessions {opt.sessions}: pass 1 to {MAX_SESSIONS}.")
    report = Report(options=asdict(opt))
    proc, pid, stack = None, None, None
    if opt.replicas and (opt.url or opt.fresh_first_load):
        raise SystemExit("--replicas starts its own stack; leave out --url and --fresh-first-load.")
    if opt.big_solve and opt.driver != "ws":
        raise SystemExit("--big-solve needs --driver ws.")
    if opt.url and opt.fresh_first_load:
        raise SystemExit("--fresh-first-load starts its own server; leave out --url.")
    if opt.url:
        u = urllib.parse.urlsplit(opt.url)
        if u.hostname not in LOOPBACK:
            raise SystemExit(f"--url {opt.url}: only loopback servers (127.0.0.1, localhost) may be load-tested.")
        base = f"{u.scheme}://{u.netloc}"
        pid = find_server_pid(u.port or 80)
    elif opt.replicas:
        sys.path.insert(0, str(ROOT / "scripts"))
        import serve_class
        so = serve_class.validate(serve_class.ServeOptions(replicas=opt.replicas, port=free_port(), app=opt.app,
                                                           log_dir=opt.server_log))
        stack = serve_class.ClassStack(so).start()
        base = stack.url
        pid = stack.pids()
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
            import load_ws
            asyncio.run(load_ws.drive(base, opt, report))
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
        if stack is not None:
            stack.stop()
    return report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    d = Options()
    ap.add_argument("--sessions", type=int, default=d.sessions, help=f"concurrent sessions, 1..{MAX_SESSIONS}")
    ap.add_argument("--replicas", type=int, default=d.replicas,
                    help="start that many app replicas behind HAProxy (scripts/serve_class.py) and drive the "
                         "sessions through the proxy; 0 (default): one plain streamlit server")
    ap.add_argument("--app", default=d.app, help="entry file relative to the repository root")
    ap.add_argument("--url", default=None, help="test an already running loopback server instead")
    ap.add_argument("--start-page", default=d.start_page, help="the URL path each session opens")
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
    ap.add_argument("--fresh-first-load", action="store_true",
                    help="time only each session's first page load, on a server started for this run "
                         "(the first class to arrive at a freshly started server)")
    ap.add_argument("--big-solve", type=int, default=d.big_solve,
                    help="with --driver ws: one more student opens the Convex page with this many two-moons "
                         "points (e.g. 1000: an exact solve of tens of seconds, with progress) and watches its "
                         "progress while the class runs; the table says how it went")
    ap.add_argument("--big-lead", type=float, default=d.big_lead,
                    help="seconds the big solve starts before the class (default 15)")
    ap.add_argument("--json", default=None, help="write the full report here")
    ap.add_argument("--server-log", default=None,
                    help="write streamlit's output here "
                         "(with --replicas: a folder for each replica's and the proxy's log)")
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
