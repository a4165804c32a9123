"""A short load test (issue 8): a few concurrent real browser sessions against ``streamlit run``.

The full runs are ``python bench/load_test.py --sessions 30 [--driver ws]``
(docs/benchmarks-load.md).  Here 3 browser sessions (and 5 protocol sessions) each load the app,
pick a preset, add 2 points on the canvas, open the Convex page and move β twice; every
interaction must finish, none may raise, and the server we started must be gone afterwards.
Latency is reported, not asserted: this machine is shared.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("load_test", ROOT / "bench" / "load_test.py")
load_test = importlib.util.module_from_spec(spec)
sys.modules["load_test"] = load_test
spec.loader.exec_module(load_test)

SESSIONS, POINTS, MOVES = 3, 2, 2

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


def test_refuses_non_loopback_and_too_many_sessions():
    with pytest.raises(SystemExit, match="loopback"):
        load_test.run(load_test.Options(sessions=1, url="http://example.com:8501"))
    with pytest.raises(SystemExit, match="1 to"):
        load_test.run(load_test.Options(sessions=load_test.MAX_SESSIONS + 1))


@pytest.mark.skipif(not (ROOT / "app.py").exists(), reason="app.py does not exist yet")
@BROWSER[0]
@BROWSER[1]
def test_short_load_run_has_no_errors(tmp_path):
    opt = load_test.Options(sessions=SESSIONS, points=POINTS, beta_moves=MOVES, ramp=1.0, timeout=60.0,
                            quiet=0.3, time_limit=170.0, server_log=str(tmp_path / "server.log"))
    rep = load_test.run(opt)
    print("\n" + rep.table())
    assert rep.aborted is None, rep.table()
    assert rep.errors() == [], rep.table()
    per_session = 1 + 1 + POINTS + 1 + MOVES
    assert len(rep.samples) == SESSIONS * per_session, rep.table()
    assert rep.sessions_completed == SESSIONS
    assert all(s.seconds is not None and s.seconds >= 0 for s in rep.samples)
    assert rep.rss_mb["peak"] > 0
    # the server we started is gone
    port_line = [ln for ln in Path(opt.server_log).read_text().splitlines() if "127.0.0.1:" in ln]
    assert port_line, "streamlit printed no URL"
    port = int(port_line[-1].rsplit(":", 1)[1].strip().split("/")[0])
    assert load_test.find_server_pid(port) is None
    assert os.path.exists(opt.server_log)


@pytest.mark.skipif(not (ROOT / "app.py").exists(), reason="app.py does not exist yet")
def test_short_protocol_run_has_no_errors():
    """The browser-free driver (Streamlit's websocket protocol): 5 sessions, same scenario."""
    opt = load_test.Options(sessions=5, points=POINTS, beta_moves=MOVES, ramp=1.0, timeout=60.0,
                            quiet=0.3, time_limit=120.0, driver="ws")
    rep = load_test.run(opt)
    print("\n" + rep.table())
    assert rep.aborted is None and rep.errors() == [], rep.table()
    assert len(rep.samples) == 5 * (1 + 1 + POINTS + 1 + MOVES)
    assert rep.sessions_completed == 5
    assert all(s.runs >= 1 for s in rep.samples)
