"""Screenshots of every lesson step and of the regularization-path page, at a projector's 1280×720.

    python scripts/shoot_lesson.py [--out docs/screenshots] [--width 1280] [--height 720] [--reveal]

Starts ``streamlit run app.py`` on a free loopback port, opens ``/lesson?page=lesson&step=1``, walks
the steps with Next (as a student would), and saves ``lesson-K.png`` (the viewport, what a projector
shows) for each; then ``path.png`` for the path page.  ``--reveal`` also commits a prediction and
presses Reveal on each step before the shot.  Needs playwright and Debian's chromium.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.appserver import chromium, running_app, wait_idle  # noqa: E402


def _idle(page):
    wait_idle(page, timeout=180_000, settle=1500)   # plotly draws after the script run ends


def _reveal(page) -> None:
    """Commit a prediction (the first radio option, or 1 in a number box) and press Reveal."""
    radio = page.locator("[data-testid='stRadio'] [data-testid='stRadioOption']").first
    if radio.count():
        radio.click()
    else:
        box = page.locator("[data-testid='stNumberInput'] input").first
        if not box.count():
            return
        box.fill("1")
        box.press("Enter")
    _idle(page)
    btn = page.get_by_role("button", name="Reveal")
    if btn.count():
        btn.first.click()
        _idle(page)


def main(argv=None):
    from playwright.sync_api import sync_playwright
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=720)
    ap.add_argument("--reveal", action="store_true")
    ap.add_argument("--classroom", action="store_true", help="open the lesson in classroom mode")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    with running_app(timeout=180) as base, sync_playwright() as pw:
        browser = chromium(pw)
        page = browser.new_page(viewport={"width": a.width, "height": a.height})
        page.goto(base + "/lesson?page=lesson&step=1" + ("&classroom=1" if a.classroom else ""))
        _idle(page)
        k = 1
        while True:
            if a.reveal:
                _reveal(page)
            page.mouse.move(5, 5)
            path = a.out / f"lesson-{k}{'-classroom' if a.classroom else ''}.png"
            page.screenshot(path=str(path))
            bad = page.locator("[data-testid='stException']").count()
            print(path, "EXCEPTION" if bad else "ok")
            nxt = page.get_by_role("button", name="Next")
            if nxt.count() == 0 or nxt.first.is_disabled():
                break
            nxt.first.click()
            _idle(page)
            k += 1
        if not a.classroom:
            page.goto(base + "/path")
            _idle(page)
            page.screenshot(path=str(a.out / "path.png"))
            print(a.out / "path.png")
        browser.close()


if __name__ == "__main__":
    main()
