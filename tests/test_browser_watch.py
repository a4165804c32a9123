"""Training you can watch, on a projector, in real Chromium (Playwright, Debian's chromium).

* lr = 1 on the paper's data: Play, every run diverges, and the page goes idle (a run that used
  to leave a log axis over ~300 decades and freeze the tab for minutes); the axis spans a few
  decades, no astronomically large number is shown, the runs are marked "diverged".
* Play animates (the counter and the fit beside the traces move while the page stays usable),
  Pause stops it (no step comes after it; that no step is taken after the click reaches the
  server is tests/test_sgd_watch.py's), Step takes one step, Reset goes back to step 0.
* At 1280×720 and 1400×900 in classroom mode the main figure of the Data, Convex and SGD pages
  is entirely inside the window; the "Classroom" popover reaches the choice of what to hide;
  there is no "Deploy" button.

No timing is asserted (the machine is shared): the waits are hang guards; bench/bench_app.py
measures the times.
"""
from __future__ import annotations

import re

import pytest
from test_browser import _idle  # (skips without playwright or chromium)

from cvxcore.datasets import make
from lab import codec
from scripts.appserver import wait_until


def _open(browser, base, page, preset="paper", size=(1400, 900), **settings):
    X, y = make(preset)
    loss = "squared" if X.shape[1] == 1 else "hinge"
    url = codec.share_url(f"{base}/{'' if page == 'data' else page}", codec.Dataset(X, y, True),
                          {"page": page, "loss": loss, **settings})
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
    pg = ctx.new_page()
    pg.goto(url)
    pg.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg", timeout=120_000)   # the page has run
    _idle(pg)
    return ctx, pg


def _step(pg) -> int:
    txt = pg.get_by_text(re.compile(r"step [\d,]+ of [\d,]+")).first.inner_text()
    return int(re.search(r"step ([\d,]+) of", txt).group(1).replace(",", ""))


def _enabled(pg, name) -> bool:
    return pg.get_by_role("button", name=name, exact=True).is_enabled()


def _wait(pg, cond, tries=120, every=250):
    return wait_until(cond, pg, tries, every)


def _traces(pg, k=0) -> dict:
    """The k-th plotly chart's trace names and y-axis range, from the browser's own figure."""
    return pg.evaluate("""(k) => {
        const gd = document.querySelectorAll("[data-testid='stPlotlyChart'] .js-plotly-plot")[k];
        return {names: gd.data.map(t => t.name || ''), range: gd._fullLayout.yaxis.range};
    }""", k)


def _fit_step(pg):
    """The step in the name of the fit beside the traces ("run 1, step N"), or None while the
    chart is being replaced."""
    try:
        names = _traces(pg, 1)["names"]
    except Exception:
        return None
    hit = [int(n.split("step ")[1].replace(",", "")) for n in names if n.startswith("run 1, step")]
    return hit[0] if hit else None


def test_lr_1_play_diverges_and_the_page_goes_idle(server, browser):
    ctx, pg = _open(browser, server, "sgd", lr=1.0)
    try:
        pg.get_by_role("button", name="Play", exact=True).click()
        assert _wait(pg, lambda: not _enabled(pg, "Play") and not _enabled(pg, "Pause")
                     and "every run diverged" in pg.locator("[data-testid='stMain']").inner_text())
        _idle(pg, timeout=60_000)
        assert pg.locator("[data-testid='stException']").count() == 0
        t = _traces(pg, 0)
        assert sum("(diverged)" in n for n in t["names"]) == 5
        lo, hi = t["range"]
        assert hi - lo < 3                                   # decades
        text = pg.locator("[data-testid='stMain']").inner_text()
        assert "smaller learning rate" in text and "inf" not in text and not re.search(r"\d{12,}", text)
        assert _enabled(pg, "Reset") and not _enabled(pg, "Step")
    finally:
        ctx.close()


def test_play_pause_step_reset_and_the_fit_moves(server, browser):
    ctx, pg = _open(browser, server, "sgd", steps=1000, trials=3, speed=5)      # one step a frame
    try:
        assert _step(pg) == 0 and not _enabled(pg, "Pause") and not _enabled(pg, "Reset")
        pg.get_by_role("button", name="Play", exact=True).click()
        assert _wait(pg, lambda: (_fit_step(pg) or 0) >= 2)
        seen: list = []                 # the fit's step as read (None while it is being redrawn)
        assert _wait(pg, lambda: seen.append(_fit_step(pg)) or seen[-1] is not None)
        fit_a = seen[-1]
        assert _wait(pg, lambda: (_fit_step(pg) or 0) >= fit_a + 3)   # the fit beside the traces is redrawn
        assert not _enabled(pg, "Play") and not _enabled(pg, "Step") and _enabled(pg, "Pause")
        at_click = _step(pg)
        pg.get_by_role("button", name="Pause", exact=True).click()
        _idle(pg)
        stopped = _step(pg)
        assert stopped >= at_click
        pg.wait_for_timeout(1500)                                # 7 frames at this speed: none comes
        assert _step(pg) == stopped
        assert _enabled(pg, "Play") and _enabled(pg, "Step") and not _enabled(pg, "Pause")
        pg.get_by_role("button", name="Step", exact=True).click()
        assert _wait(pg, lambda: _step(pg) == stopped + 1)
        _idle(pg)
        assert _wait(pg, lambda: _fit_step(pg) == stopped + 1)
        pg.get_by_role("button", name="Reset", exact=True).click()
        assert _wait(pg, lambda: _step(pg) == 0)
        _idle(pg)
        assert not _enabled(pg, "Reset") and pg.locator("[data-testid='stException']").count() == 0
    finally:
        ctx.close()


CASES = [("data", "moons"), ("convex", "moons"), ("convex", "paper"), ("sgd", "paper"), ("sgd", "moons")]


@pytest.mark.parametrize("size", [(1280, 720), (1400, 900)])
def test_main_figure_fits_the_projector_in_classroom_mode(server, browser, size):
    for page, preset in CASES:
        ctx, pg = _open(browser, server, page, preset, size=size, classroom=True)
        try:
            charts = pg.locator("[data-testid='stPlotlyChart']")
            n = 2 if page == "sgd" else 1                        # SGD: the traces and the fit beside them
            assert charts.count() >= n
            for k in range(n):
                box = charts.nth(k).bounding_box()
                assert box["y"] >= 0 and box["y"] + box["height"] <= size[1] + 1, (page, preset, size, k, box)
            assert pg.locator("[data-testid='stAppDeployButton']").count() == 0
            assert pg.get_by_role("button", name=re.compile("Classroom")).is_visible()
        finally:
            ctx.close()


def test_classroom_popover_reaches_the_hide_chooser(server, browser):
    ctx, pg = _open(browser, server, "convex", "paper", size=(1280, 720), classroom=True)
    try:
        assert not pg.locator("[data-testid='stSidebar']").is_visible()
        pg.get_by_role("button", name=re.compile("Classroom")).click()
        chooser = pg.locator("[data-testid='stMultiSelect']").filter(has_text="hide on the projector")
        assert _wait(pg, lambda: chooser.is_visible())
        assert "explanations" in chooser.inner_text()
    finally:
        ctx.close()


def test_no_deploy_button_outside_classroom_mode(server, browser):
    ctx, pg = _open(browser, server, "data")
    try:
        assert pg.locator("[data-testid='stToolbar']").count() >= 1        # the toolbar is there …
        assert pg.locator("[data-testid='stAppDeployButton']").count() == 0   # … without Deploy
    finally:
        ctx.close()
