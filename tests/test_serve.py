"""The class-serving stack (scripts/serve_class.py): HAProxy's configuration, the command line's
checks, and the stack itself — 2 replicas behind the proxy, a few browser sessions with their
own data and settings, one replica killed: every page comes back on a live replica with its own
data, page and settings (the state is in the URL), and the dead replica is started again.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import serve_class  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


# ----------------------------------------------------------------------------- configuration
def test_config_has_one_sticky_checked_server_per_replica():
    cfg = serve_class.haproxy_config("127.0.0.1", 8501, [40001, 40002, 40003])
    assert "bind 127.0.0.1:8501" in cfg
    servers = [ln.split() for ln in cfg.splitlines() if ln.strip().startswith("server ")]
    assert [s[2] for s in servers] == ["127.0.0.1:40001", "127.0.0.1:40002", "127.0.0.1:40003"]
    assert [s[s.index("cookie") + 1] for s in servers] == ["app0", "app1", "app2"]   # distinct cookie values
    assert "cookie SRV insert" in cfg and "option redispatch" in cfg
    assert "option httpchk GET /_stcore/health" in cfg
    assert "timeout tunnel" in cfg                     # websockets outlive the HTTP timeouts
    body = [ln for ln in cfg.splitlines() if not ln.lstrip().startswith("#")]
    assert not any("{" in ln for ln in body)           # every placeholder filled


def test_config_binds_the_network_only_when_asked():
    assert "bind 0.0.0.0:9000" in serve_class.haproxy_config("0.0.0.0", 9000, [1])
    assert "bind [::1]:9000" in serve_class.haproxy_config("::1", 9000, [1])
    assert serve_class.parse_args([]).host == "127.0.0.1"


@pytest.mark.skipif(not shutil.which("haproxy") and not os.path.exists("/usr/sbin/haproxy"),
                    reason="haproxy not installed (apt-get install haproxy)")
def test_haproxy_accepts_the_generated_config(tmp_path):
    cfg = tmp_path / "h.cfg"
    cfg.write_text(serve_class.haproxy_config("127.0.0.1", 8501, [40001, 40002]))
    r = subprocess.run([serve_class.find_haproxy(), "-c", "-f", str(cfg)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


# ----------------------------------------------------------------------------- the command line
@pytest.mark.parametrize("argv, names", [
    (["--replicas", "0"], "--replicas 0"),
    (["--replicas", "99"], "--replicas 99"),
    (["--port", "70000"], "--port 70000"),
    (["--host", "no such host.invalid"], "--host"),
    (["--cpus", "a,b"], "--cpus"),
    (["--cpus", "999"], "--cpus 999"),
    (["--app", "missing.py"], "--app missing.py"),
])
def test_bad_arguments_exit_naming_the_argument(argv, names, capsys):
    with pytest.raises(SystemExit) as e:
        serve_class.parse_args(argv)
    assert e.value.code == 2
    assert names in capsys.readouterr().err


def test_good_arguments():
    o = serve_class.parse_args(["--replicas", "3", "--port", "8600", "--host", "0.0.0.0", "--cpus", "0"])
    assert (o.replicas, o.port, o.host, o.cpus) == (3, 8600, "0.0.0.0", [0])


def test_missing_haproxy_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(serve_class.shutil, "which", lambda name: None)
    monkeypatch.setattr(serve_class.os.path, "exists", lambda p: False)
    with pytest.raises(SystemExit) as e:
        serve_class.find_haproxy()
    assert "apt-get install haproxy" in str(e.value)


def test_student_address_is_loopback_by_default():
    assert serve_class.student_address("127.0.0.1", 8501) == "http://127.0.0.1:8501"
    assert not serve_class.student_address("0.0.0.0", 8501).startswith("http://0.0.0.0")


# ----------------------------------------------------------------------------- the stack, killed
@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium not installed")
    o = serve_class.validate(serve_class.ServeOptions(replicas=2, port=serve_class.free_port(),
                                                      log_dir=str(tmp_path_factory.mktemp("serve_logs"))))
    s = serve_class.ClassStack(o).start(timeout=120)
    try:
        yield s
    finally:
        s.stop()


def _idle(pg, timeout=90_000):
    pg.wait_for_selector(APP_IDLE, timeout=timeout)
    pg.wait_for_timeout(400)
    pg.wait_for_selector(APP_IDLE, timeout=timeout)


def _beta_shown(pg) -> str:
    return pg.locator("[data-testid='stSlider'] [data-testid='stSliderThumbValue']").first.inner_text().strip()


def _replica_of(ctx) -> str | None:
    return next((c["value"] for c in ctx.cookies() if c["name"] == "SRV"), None)


# a handful of students, each with their own data (n points) and β
STUDENTS = [(5, "0.316"), (6, "0.1"), (7, "0.0316"), (8, "0.251"), (9, "0.01")]


def test_a_killed_replica_loses_nobody_s_work(stack):
    from playwright.sync_api import sync_playwright

    from lab import codec
    rng = np.random.default_rng(3)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            pages = []
            for n, beta in STUDENTS:
                X = np.round(rng.uniform(-2, 2, (n, 2)), 2)
                y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
                url = codec.share_url(stack.url + "/convex", codec.Dataset(X, y, False),
                                      {"page": "convex", "beta": float(beta), "loss": "squared"})
                ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                pg = ctx.new_page()
                sockets = []
                pg.on("websocket", lambda ws, s=sockets: s.append(ws))
                pg.goto(url)
                pages.append((ctx, pg, sockets, n, beta))
            for _, pg, _, n, beta in pages:
                _idle(pg)
                assert f"Data: {n} points" in pg.locator("[data-testid='stSidebar']").inner_text()
                assert _beta_shown(pg) == beta
            on = [_replica_of(ctx) for ctx, *_ in pages]
            assert set(on) <= {"app0", "app1"} and None not in on
            assert len(set(on)) == 2, f"the proxy put every session on one replica: {on}"

            victim = max(("app0", "app1"), key=on.count)
            r = stack.replicas[int(victim[3:])]
            old_pid = r.proc.pid
            before_kill = [len(sockets) for _, _, sockets, _, _ in pages]
            os.killpg(old_pid, signal.SIGKILL)          # the replica and its solve worker, no goodbye

            for (_, pg, sockets, n, beta), was, opened in zip(pages, on, before_kill):
                if was != victim:
                    continue
                # Streamlit's frontend reconnects by itself; the proxy sends it to a live process (the
                # other replica, or the dead one once the supervisor has started it again): either
                # way a new session, which has only the URL to go by
                for _ in range(240):
                    if len(sockets) > opened:
                        break
                    pg.wait_for_timeout(250)
                assert len(sockets) > opened, "the page did not open a new websocket after its replica died"
                _idle(pg)
                assert pg.locator("[data-testid='stException']").count() == 0
                assert f"Data: {n} points" in pg.locator("[data-testid='stSidebar']").inner_text()
                assert _beta_shown(pg) == beta
                assert pg.locator("h1").first.inner_text().startswith("Convex program")

            # every page is live (a stale page would not answer): one β step, the URL and thumb follow
            stale = []
            for (_, pg, _, n, beta), was in zip(pages, on):
                before = pg.url
                thumb = pg.locator("[data-testid='stSlider'] input[type='range']").first
                thumb.focus()
                thumb.press("ArrowRight")
                for _ in range(360):
                    if pg.url != before and _beta_shown(pg) != beta:
                        break
                    pg.wait_for_timeout(250)
                _idle(pg)
                if not (pg.url != before and _beta_shown(pg) != beta):
                    stale.append((n, beta, was, victim, pg.url[-30:], _beta_shown(pg)))
                    continue
                assert codec.decode_query(dict(
                    kv.split("=", 1) for kv in pg.url.split("?", 1)[1].split("&")))[0].n == n
            assert not stale, f"pages that did not answer a β step (n, β, replica, killed, url, shown): {stale}"
        finally:
            browser.close()

    # the supervisor started the dead replica again on its port
    for _ in range(240):
        if r.proc.pid != old_pid and serve_class.healthy(f"http://127.0.0.1:{r.port}"):
            break
        import time
        time.sleep(0.5)
    assert r.proc.pid != old_pid and r.restarts == 1
    assert serve_class.healthy(f"http://127.0.0.1:{r.port}")
    with urllib.request.urlopen(stack.url + "/_stcore/health", timeout=5) as resp:
        assert resp.status == 200
