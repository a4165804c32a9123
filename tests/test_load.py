"""A short load test: concurrent sessions against one ``streamlit run`` server.

The full runs are ``python bench/load_test.py --sessions 30 [--driver ws]``
(docs/benchmarks-load.md).  Here one server (started once for the module) takes 5 sessions over
Streamlit's websocket protocol, then 1 real browser session; each session loads the app, picks
a preset, adds 2 points on the canvas, opens the Convex page and moves β twice.  Every
interaction must finish and none may raise; the server must be gone afterwards.  Latency is
reported, not asserted (speed is measured by the bench scripts, not by tests).
"""
from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("load_test", ROOT / "bench" / "load_test.py")
load_test = importlib.util.module_from_spec(spec)
sys.modules["load_test"] = load_test
spec.loader.exec_module(load_test)

POINTS, MOVES = 2, 2
PER_SESSION = 1 + 1 + POINTS + 1 + MOVES          # load, preset, clicks, navigate, β moves

BROWSER = [
    pytest.mark.skipif(not Path(load_test.CHROMIUM).exists() and not shutil.which("chromium"),
                       reason="Debian's chromium is not installed (apt-get install -y chromium)"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="playwright is not installed"),
]


def test_report_quantiles_and_table():
    r = load_test.Report(options={"sessions": 2})
    r.samples = [load_test.Sample(0, "beta", float(k), None, float(k) + 0.1) for k in range(1, 21)]
    r.samples.append(load_test.Sample(1, "beta", None, "boom"))
    s = r.summary()
    assert s["beta"]["n"] == 20 and s["beta"]["errors"] == 1
    assert s["beta"]["median"] == 10.0 and s["beta"]["p95"] == 19.0 and s["beta"]["max"] == 20.0
    assert s["all"]["p95_ui"] == pytest.approx(19.1)
    assert "boom" in r.table()


def test_point_count_reads_plain_and_bold():
    assert load_test.point_count("**n = 42** points; at most 3 patterns") == 42
    assert load_test.point_count("n = 7 points") == 7
    assert load_test.point_count("no count here") is None


def test_refuses_non_loopback_and_too_many_sessions():
    with pytest.raises(SystemExit, match="loopback"):
        load_test.run(load_test.Options(sessions=1, url="http://example.com:8501"))
    with pytest.raises(SystemExit, match="1 to"):
        load_test.run(load_test.Options(sessions=load_test.MAX_SESSIONS + 1))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One ``streamlit run app.py`` on a free loopback port for the runs below; stopped (and checked
    gone) at the end."""
    port = load_test.free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("load") / "server.log"
    proc = load_test.start_server("app.py", port, str(log))
    try:
        load_test.wait_healthy(base, proc)
        yield base
    finally:
        load_test.stop_server(proc)
    assert proc.poll() is not None and load_test.find_server_pid(port) is None


def _check(rep, sessions: int) -> None:
    print("\n" + rep.table())
    assert rep.aborted is None, rep.table()
    assert rep.errors() == [], rep.table()
    assert len(rep.samples) == sessions * PER_SESSION, rep.table()
    assert rep.sessions_completed == sessions
    assert all(s.seconds is not None and s.seconds >= 0 and s.runs >= 1 for s in rep.samples)
    assert rep.rss_mb["peak"] > 0


def test_short_protocol_run_has_no_errors(server):
    """The browser-free driver (Streamlit's websocket protocol): 5 sessions at once."""
    opt = load_test.Options(sessions=5, points=POINTS, beta_moves=MOVES, ramp=0.5, timeout=60.0,
                            quiet=0.25, time_limit=120.0, driver="ws", url=server)
    _check(load_test.run(opt), 5)


@BROWSER[0]
@BROWSER[1]
def test_short_browser_run_has_no_errors(server):
    """A real page (headless Chromium), the same scenario end to end (clicks, link, slider)."""
    opt = load_test.Options(sessions=1, points=POINTS, beta_moves=MOVES, ramp=0.0, timeout=60.0,
                            quiet=0.25, time_limit=120.0, url=server)
    rep = load_test.run(opt)
    _check(rep, 1)
    assert all(s.ui_seconds is not None for s in rep.samples)
