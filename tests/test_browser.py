"""Real-browser test of the app (issue 5): Playwright with Debian's chromium.

Starts ``streamlit run app.py`` on a free loopback port, waits for ``/_stcore/health``,
visits every page (no ``stException``), then clicks the empty data canvas and checks that
a point was added.  Skipped when playwright or /usr/bin/chromium is missing.
"""
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
pw = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

PAGES = ["data", "arrangement", "convex", "sgd", "geometry", "about"]


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if urllib.request.urlopen(base + "/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("streamlit did not answer /_stcore/health within 2 minutes")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def page(server):
    with pw.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield pg
        browser.close()


def _idle(pg, timeout=120_000):
    pg.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    pg.wait_for_timeout(400)
    pg.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)


def _n_points(pg) -> int:
    txt = pg.locator("[data-testid='stSidebar']").inner_text()
    return int(re.search(r"Data:\s*(\d+) points", txt).group(1))


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_without_exception(server, page, name):
    page.goto(f"{server}/{'' if name == 'data' else name}")
    _idle(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("h1").count() >= 1


def test_click_on_empty_canvas_adds_a_point(server, page):
    page.goto(server + "/")
    _idle(page)
    before = _n_points(page)
    plot = page.locator("[data-testid='stPlotlyChart'] .nsewdrag").first
    plot.wait_for(timeout=60_000)
    box = plot.bounding_box()
    # The paper's preset has no point near (−1.5, 2): an empty spot of the canvas.
    x = box["x"] + box["width"] * 0.25
    y = box["y"] + box["height"] * 0.10
    page.mouse.move(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    for _ in range(60):
        page.wait_for_timeout(500)
        try:
            if _n_points(page) == before + 1:
                break
        except Exception:
            pass
    _idle(page)
    assert _n_points(page) == before + 1
    assert page.locator("[data-testid='stException']").count() == 0
    # a second click on the same (now occupied) spot does not add a point: clicks on data do nothing
    page.mouse.move(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    page.wait_for_timeout(2000)
    _idle(page)
    assert _n_points(page) == before + 1


def test_click_adds_a_point_of_the_chosen_class(server, page):
    page.goto(server + "/")
    _idle(page)
    page.get_by_role("button", name="Two moons").click()
    _idle(page)
    assert _n_points(page) == 40
    page.get_by_text("−1 (orange)").click()                        # segmented control: class −1
    _idle(page)
    plot = page.locator("[data-testid='stPlotlyChart'] .nsewdrag").first
    box = plot.bounding_box()
    x, y = box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.1   # near (2.3, 2.3): empty
    page.mouse.move(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    for _ in range(60):
        page.wait_for_timeout(500)
        try:
            if _n_points(page) == 41:
                break
        except Exception:
            pass
    _idle(page)
    assert _n_points(page) == 41
    # the new point is drawn as class −1: the orange trace has one more point than the preset's 20
    n_neg = page.evaluate("""() => {
        const g = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
        return g.calcdata.filter(c => c[0] && c[0].trace.name === 'class −1')
                         .reduce((s, c) => s + c.filter(p => Number.isFinite(p.x)).length, 0);
    }""")
    assert n_neg == 21
    page.get_by_role("button", name="Undo").click()
    _idle(page)
    assert _n_points(page) == 40
