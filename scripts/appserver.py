"""The app in a real browser, for the browser tests and the screenshot scripts.

:func:`running_app` starts ``streamlit run app.py`` on a free loopback port and yields its base
URL once ``/_stcore/health`` answers; :func:`chromium` launches Debian's headless Chromium
through Playwright; :func:`wait_idle` waits until a page's script run has finished.

    with running_app() as base, sync_playwright() as p:
        browser = chromium(p)
        page = browser.new_page(); page.goto(base + "/?page=convex"); wait_idle(page)
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(port: int | None = None, timeout: float = 120.0, log=subprocess.DEVNULL):
    """``streamlit run app.py`` on 127.0.0.1:``port`` (a free one by default), no file watching and
    no telemetry; yields ``http://127.0.0.1:port`` once healthy, terminates the server after.
    Raises ``RuntimeError`` when it does not answer within ``timeout`` seconds."""
    port = port or free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT if log is not subprocess.DEVNULL else log,
        start_new_session=True)          # its own process group: the solve workers go with it
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if urllib.request.urlopen(base + "/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError as e:
                if proc.poll() is not None or time.monotonic() > deadline:
                    why = "it exited" if proc.poll() is not None else f"within {timeout:g} s"
                    raise RuntimeError(f"streamlit did not answer {base}/_stcore/health ({why})") from e
                time.sleep(0.5)
        yield base
    finally:
        stop_group(proc)


def stop_group(proc) -> None:
    """SIGTERM to the process group ``proc`` leads (started with ``start_new_session``: a
    server, its forkserver and solve workers), SIGKILL to what is left after 10 s."""
    if proc is None or proc.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(10)
            if sig == signal.SIGTERM:
                os.killpg(proc.pid, signal.SIGKILL)      # the workers, if the server left any
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


def chromium(playwright):
    """Debian's Chromium, headless, through a Playwright driver."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])


def wait_idle(page, timeout: float = 120_000, settle: float = 500) -> None:
    """Until the app's script run has finished, and again after ``settle`` ms (a run may start
    another: a fragment, an ``st.rerun()``, plotly drawing after the run); times in ms."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(settle)
    page.wait_for_selector(IDLE, timeout=timeout)


def wait_until(cond, page, tries: int = 60, every: float = 500) -> bool:
    """Poll ``cond()`` every ``every`` ms, at most ``tries`` times, until it is true (an exception
    counts as false: the element may be redrawn meanwhile); its last value."""
    for _ in range(tries):
        try:
            if cond():
                return True
        except Exception:
            pass
        page.wait_for_timeout(every)
    return cond()
