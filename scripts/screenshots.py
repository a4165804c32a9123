"""The screenshots in docs/screenshots/: the main pages at projector sizes, and the SGD page
while it trains.

Starts ``streamlit run app.py`` on a free loopback port, opens each view from a shared link
(:func:`lab.codec.share_url`: the data set and the settings are in the address), waits for the
page to finish, optionally presses buttons (Play, then a pause after a while, to catch the
animation mid-run), and saves the first screen (or, for the whole-page views and with
``--full``, the page down to its end) as ``<out>/<name>.png``.  Needs playwright and Debian's chromium,
as tests/test_browser.py.

    python scripts/screenshots.py                       # every view into docs/screenshots/
    python scripts/screenshots.py --out /tmp/shots --only sgd-1d-playing,data-classroom-1280
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.appserver import chromium, running_app, wait_idle  # noqa: E402


@dataclass
class View:
    name: str
    page: str                       # url path and page= setting
    preset: str = "paper"
    settings: dict = field(default_factory=dict)
    size: tuple[int, int] = (1280, 720)
    play_for: float | None = None   # press Play, wait this many seconds, press Pause
    play_to_end: bool = False       # press Play and wait until the run has ended
    full: bool = False              # the whole page (a window 3,400 px tall), not the first screen


CLASSROOM = {"classroom": True}
VIEWS = [
    # a projector: the first screen of each main page in classroom mode
    View("data-classroom-1280", "data", "paper", CLASSROOM),
    View("data-moons-classroom-1280", "data", "moons", CLASSROOM),
    View("data-moons-classroom-1400x900", "data", "moons", CLASSROOM, size=(1400, 900)),
    View("convex-classroom-1280", "convex", "paper", CLASSROOM),
    View("convex-moons-classroom-1280", "convex", "moons", CLASSROOM),
    View("convex-moons-classroom-1400x900", "convex", "moons", CLASSROOM, size=(1400, 900)),
    View("sgd-classroom-1280", "sgd", "paper", CLASSROOM),
    View("sgd-moons-classroom-1400x900", "sgd", "moons", CLASSROOM, size=(1400, 900)),
    # the SGD page while it trains, and after a divergence
    View("sgd-1d-playing", "sgd", "paper", {**CLASSROOM, "speed": 50}, play_for=4.0),
    View("sgd-2d-playing", "sgd", "moons", {**CLASSROOM, "speed": 50, "m": 8}, play_for=6.0),
    View("sgd-diverged", "sgd", "paper", {**CLASSROOM, "lr": 1.0}, play_to_end=True),
    # whole pages, as a student at a laptop sees them (README)
    View("data-paper", "data", "paper", size=(1400, 900), full=True),
    View("data-moons", "data", "moons", size=(1400, 900), full=True),
    View("convex-paper", "convex", "paper", size=(1400, 900), full=True),
    View("convex-moons", "convex", "moons", size=(1400, 900), full=True),
    View("sgd-paper", "sgd", "paper", {"speed": 5000}, size=(1400, 900), play_to_end=True, full=True),
    View("sgd-moons", "sgd", "moons", {"speed": 5000, "m": 8}, size=(1400, 900), play_to_end=True, full=True),
]


def _url(base: str, v: View) -> str:
    from cvxcore import datasets
    from lab import codec
    X, y = datasets.make(v.preset)
    loss = "squared" if X.shape[1] == 1 else "hinge"
    path = "" if v.page == "data" else v.page          # the default page lives at the root
    return codec.share_url(f"{base}/{path}", codec.Dataset(X, y, True),
                           {"page": v.page, "loss": loss, **v.settings})


def _idle(page):
    wait_idle(page, timeout=180_000, settle=600)


def _shoot(browser, base: str, v: View, out: Path, full: bool) -> str:
    # Streamlit scrolls inside its own main element, so a "full page" screenshot is a tall window
    ctx = browser.new_context(viewport={"width": v.size[0], "height": 3400 if full or v.full else v.size[1]})
    page = ctx.new_page()
    try:
        page.goto(_url(base, v))
        page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg", timeout=180_000)   # the page has run
        _idle(page)
        if v.play_for is not None or v.play_to_end:
            page.get_by_role("button", name="Play").click()
            if v.play_to_end:
                page.wait_for_function(
                    "() => [...document.querySelectorAll('button')].some(b => b.innerText.includes('Play')"
                    " && b.disabled)", timeout=180_000)
            else:
                page.wait_for_timeout(v.play_for * 1000)
                page.get_by_role("button", name="Pause").click()
            _idle(page)
        page.mouse.move(2, 2)
        page.wait_for_timeout(1500)           # plotly draws after the script run ends
        path = out / f"{v.name}.png"
        if full or v.full:                    # down to the end of the page's content
            bottom = page.evaluate("document.querySelector(\"[data-testid='stMainBlockContainer']\")"
                                   ".getBoundingClientRect().bottom")
            page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": v.size[0],
                                                  "height": min(3400, int(bottom) + 10)})
        else:
            page.screenshot(path=str(path))
        exc = page.locator("[data-testid='stException']").count()
        return f"{path}  {'EXCEPTION' if exc else 'ok'}"
    finally:
        ctx.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--only", default="", help="comma-separated view names")
    ap.add_argument("--full", action="store_true", help="a window 3,400 px tall: the whole page")
    a = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    views = [v for v in VIEWS if not a.only or v.name in a.only.split(",")]
    bad = 0
    with running_app(timeout=180) as base, sync_playwright() as pw:
        browser = chromium(pw)
        try:
            for v in views:
                line = _shoot(browser, base, v, out, a.full)
                bad += "EXCEPTION" in line
                print(line, flush=True)
        finally:
            browser.close()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
