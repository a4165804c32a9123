"""Real-browser tests (Playwright, Debian's chromium) of the pages' addresses, shared links and clicks.

* The bare address opens the Start page (its button opens the lesson), and /data the Data page.
* A teacher's link reproduces the teacher's numbers: a preset, the Convex page, the share box's
  link opened in a fresh browser context shows the same p* and m*, to every digit shown.
* The Arrangement page: a click on a data point of the dual view switches that point; a click on
  empty space moves the neuron's line there; the share box says when the server answers this
  computer only.
* The Higher-dimensions page draws its first trial before the run is over.

Skipped when playwright or /usr/bin/chromium is missing.
"""
from __future__ import annotations

import os
import re
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from scripts.appserver import CHROMIUM
from scripts.appserver import wait_idle as _idle

pw = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    yield ctx.new_page()
    ctx.close()



def _no_exception(pg):
    assert pg.locator("[data-testid='stException']").count() == 0


def _metrics(pg) -> dict:
    out = {}
    for m in pg.locator("[data-testid='stMetric']").all():
        label = m.locator("[data-testid='stMetricLabel']").inner_text().strip()
        out[label] = m.locator("[data-testid='stMetricValue']").inner_text().strip()
    return out


def _share_link(pg) -> str:
    return pg.locator("[data-testid='stSidebar'] [data-testid='stCode'] code").first.inner_text().strip()


def _query(url: str) -> dict:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def test_the_bare_address_opens_the_start_and_data_the_data_page(server, page):
    page.goto(server + "/")
    _idle(page)
    assert urlsplit(page.url).path in ("", "/") and not urlsplit(page.url).query      # stays bare
    assert page.locator("h1").first.inner_text().strip() == "Convex ReLU Lab"
    page.get_by_role("button", name="Start the lesson").click()
    _idle(page)
    assert urlsplit(page.url).path == "/lesson"
    page.goto(server + "/data")
    _idle(page)
    assert page.locator("h1").first.inner_text().strip() == "Data"
    _no_exception(page)


def test_a_teachers_link_gives_the_students_the_same_numbers(server, browser, page):
    page.goto(server + "/data")
    _idle(page)
    page.get_by_role("button", name="Two moons").click()
    _idle(page)
    page.get_by_role("link", name=re.compile("Convex program")).first.click()
    page.wait_for_selector("[data-testid='stMetric']", timeout=120_000)
    _idle(page)
    _no_exception(page)
    teacher = _metrics(page)
    assert "optimal value p*" in teacher and "neurons m*" in teacher, teacher
    link = _share_link(page)
    assert "data=v1." in link and "page=convex" in link
    student = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        sp = student.new_page()
        sp.goto(server + urlsplit(link).path + "?" + urlsplit(link).query)
        sp.wait_for_selector("[data-testid='stMetric']", timeout=120_000)
        _idle(sp)
        _no_exception(sp)
        got = _metrics(sp)
        for k in ("optimal value p*", "neurons m*", "patterns P"):
            assert got[k] == teacher[k], (k, got[k], teacher[k])
    finally:
        student.close()


def _open_arrangement(page, server, preset="Circles"):
    page.goto(server + "/data")
    _idle(page)
    page.get_by_role("button", name=preset).click()
    _idle(page)
    page.get_by_role("link", name=re.compile("Hyperplane arrangement")).first.click()
    _idle(page)
    _no_exception(page)


def _pattern(page) -> np.ndarray:
    txt = page.locator("[data-testid='stMain']").inner_text()
    bits = re.search(r"D\(u\) = diag\(([01]+)\)", txt.replace(", ", "").replace(",", ""))
    if bits is None:                       # n ≤ 24: the pattern is LaTeX
        bits = re.search(r"diag\(([01]+)\)", re.sub(r"[^01diag()]", "", txt))
    return np.array([b == "1" for b in bits.group(1)])


def _u(page) -> np.ndarray:
    return np.array([float(v) for v in _query(page.url)["arr_u"].split(",")])


PIXEL_JS = r"""
([k, x, y]) => {
  const gd = document.querySelectorAll("[data-testid='stPlotlyChart'] .js-plotly-plot")[k];
  const r = gd.getBoundingClientRect(), L = gd._fullLayout;
  return [r.left + L.xaxis._offset + L.xaxis.l2p(x), r.top + L.yaxis._offset + L.yaxis.l2p(y)];
}
"""


def _click_at(page, chart: int, x: float, y: float):
    page.locator("[data-testid='stPlotlyChart']").nth(chart).scroll_into_view_if_needed()
    px, py = page.evaluate(PIXEL_JS, [chart, x, y])
    page.mouse.move(px - 12, py - 12)
    page.mouse.move(px, py, steps=4)
    page.wait_for_timeout(300)
    page.mouse.click(px, py)
    page.mouse.move(2, 2)


def _wait_change(page, before):
    for _ in range(60):
        page.wait_for_timeout(500)
        try:
            if _query(page.url).get("arr_u") != before:
                break
        except Exception:
            pass
    _idle(page)


def test_clicking_a_point_in_the_dual_view_switches_it(server, page):
    from cvxcore import with_bias
    from cvxcore.datasets import make
    from lab import codec
    _open_arrangement(page, server)
    P, _ = codec.at_link_precision(*make("circles"))
    X = with_bias(P)
    D0, u0 = _pattern(page), _u(page)
    np.testing.assert_array_equal(X @ u0 >= 0, D0)
    i = 3
    before = _query(page.url)["arr_u"]
    _click_at(page, 1, P[i, 0], P[i, 1])          # chart 1: the dual view (0 is the sphere)
    _wait_change(page, before)
    _no_exception(page)
    D1, u1 = _pattern(page), _u(page)
    assert D1[i] != D0[i], "the clicked point did not switch"
    np.testing.assert_array_equal(X @ u1 >= 0, D1)


def test_clicking_empty_space_moves_the_line_there(server, page):
    _open_arrangement(page, server)
    u0 = _u(page)
    before = _query(page.url)["arr_u"]
    a, b = -2.2, 2.2                                 # a corner of the canvas, away from the points
    _click_at(page, 1, a, b)
    _wait_change(page, before)
    _no_exception(page)
    u1 = _u(page)
    assert abs(u1 @ np.r_[a, b, 1.0]) / np.linalg.norm(u1[:2]) < 0.08      # the line passes the spot
    n0, n1 = u0[:2] / np.linalg.norm(u0[:2]), u1[:2] / np.linalg.norm(u1[:2])
    np.testing.assert_allclose(n1, n0, atol=1e-6)                          # parallel, same side


def test_the_share_box_says_a_loopback_server_answers_this_computer_only(server, page):
    page.goto(server + "/convex")
    _idle(page)
    side = page.locator("[data-testid='stSidebar']").inner_text()
    assert "works on this computer only" in side and "--server.address 0.0.0.0" in side


def test_higher_dims_shows_the_first_trial_before_the_run_ends(server, page):
    page.goto(server + "/higher_dims?page=higher_dims&hd_trials=3&hd_steps=1000")
    _idle(page)
    page.get_by_role("button", name="Run").click()
    seen = None
    for _ in range(240):
        page.wait_for_timeout(250)
        txt = page.locator("[data-testid='stMain']").inner_text()
        hit = re.search(r"(\d) of 3 trials\.", txt)
        if hit and int(hit.group(1)) < 3:
            seen = int(hit.group(1))
            break
    assert seen is not None and seen >= 1, "no partial result was drawn while the run went on"
    for _ in range(240):
        page.wait_for_timeout(500)
        if "3 of 3 trials." in page.locator("[data-testid='stMain']").inner_text():
            break
    _idle(page)
    _no_exception(page)
    assert "3 of 3 trials." in page.locator("[data-testid='stMain']").inner_text()
    assert page.get_by_role("button", name="Next seed").is_enabled()     # not only dead buttons
