"""The lesson and the path page in real Chromium (Playwright with Debian's chromium) at 1280×720.

* Walking every step with Next: each shows "Step K of N", its figure drawn (plotly's SVG) and
  starting on the screen, the step in the address, no exception; its question has no answer on
  screen until a prediction is committed, and Reveal then shows the computed answer.
* A question's answer follows the data: on step 3 a committed prediction is revealed as the
  computed count of patterns with one more point; a point clicked onto the step's canvas changes
  the data, the old prediction is dropped, and the new reveal shows the new count.
* Every way into a step gives the same step: its link, Next from the step before, Back from the
  step after (which has other data), and a refresh show the same data and numbers; the
  "open in the full page" link of the gauge step shows the lesson's γ on the Geometry page.
* Classroom mode: the sidebar is hidden and Next still walks the lesson.
* The path page: a click on a point of the path sets the β slider (and the address) to that β,
  snapped to the slider's grid.
"""
import functools
import os
import re
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from scripts.appserver import CHROMIUM, wait_idle
from scripts.appserver import wait_until as _wait_for

_idle = functools.partial(wait_idle, timeout=240_000)   # a lesson step solves several programs
pw = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from lab.lesson import N_STEPS, STEPS  # noqa: E402


@pytest.fixture()
def page(server, browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    yield ctx.new_page()
    ctx.close()



def _query(pg) -> dict:
    return {k: v[-1] for k, v in parse_qs(urlsplit(pg.url).query).items()}


def _heading(pg) -> str:
    return pg.locator("h4").filter(has_text=re.compile(r"^Step \d+ of")).first.inner_text()


def _n_points(pg) -> int:
    return int(re.search(r"Data:\s*(\d+) points", pg.locator("[data-testid='stSidebar']").inner_text()).group(1))


def _answer_and_reveal(pg) -> str:
    """Commit some prediction (the first option, or 1) to the step's question and reveal it."""
    assert pg.locator("[data-testid='stAlert']").filter(has_text="Computed").count() == 0   # no answer yet
    radios = pg.locator("[data-testid='stRadio'] [role='radiogroup'] label")
    if radios.count():
        radios.first.click()
    else:
        box = pg.locator("[data-testid='stNumberInput'] input").first
        box.fill("1")
        box.press("Enter")
    _idle(pg)
    pg.get_by_role("button", name="Reveal").click()
    _idle(pg)
    return pg.locator("[data-testid='stAlert']").filter(has_text="Computed").first.inner_text()


def test_walk_every_step_with_next(server, page):
    page.goto(server + "/lesson?page=lesson&step=1")
    _idle(page)
    for k in range(1, N_STEPS + 1):
        assert _heading(page).startswith(f"Step {k} of {N_STEPS} · {STEPS[k - 1].title}")
        assert _wait_for(lambda k=k: _query(page).get("step") == str(k), page), page.url
        assert page.locator("[data-testid='stException']").count() == 0, k
        plot = page.locator("[data-testid='stPlotlyChart'] .main-svg").first
        plot.wait_for(timeout=60_000)                       # plotly has drawn the figure
        box = plot.bounding_box()
        assert box["width"] > 300 and box["height"] > 300, (k, box)
        assert box["y"] < 720 - 300, (k, box)               # most of the figure is on the projector's screen
        text = _answer_and_reveal(page)
        assert "You predicted" in text, (k, text)
        assert page.locator("[data-testid='stException']").count() == 0, k
        if k < N_STEPS:
            page.get_by_role("button", name="Next").click()
            _idle(page)
    assert page.get_by_role("button", name="Next").is_disabled()


def _predict_and_reveal(pg, value: int) -> str:
    box = pg.locator("[data-testid='stNumberInput'] input").first
    box.fill(str(value))
    box.press("Enter")
    _idle(pg)
    pg.get_by_role("button", name="Reveal").click()
    _idle(pg)
    return pg.locator("[data-testid='stAlert']").filter(has_text="Computed").first.inner_text()


def test_adding_a_point_changes_the_answer(server, page):
    page.goto(server + "/lesson?page=lesson&step=3")
    _idle(page)
    assert _n_points(page) == 5
    text = _predict_and_reveal(page, 12)                    # 5 points and the question's sixth: 12 cells
    assert "Computed: 12." in text and "right" in text
    canvas = page.locator("[data-testid='stPlotlyChart']").nth(1).locator(".nsewdrag").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    # the canvas spans x ∈ [−3, 3], y ∈ [−2.5, 2.5]; (2.6, 2.2) is empty and not on x = ±2, ±1, 0
    x, y = box["x"] + box["width"] * (2.6 + 3) / 6, box["y"] + box["height"] * (2.5 - 2.2) / 5
    for _ in range(2):
        page.mouse.move(x - 8, y - 8)
        page.mouse.move(x, y, steps=4)
        page.wait_for_timeout(600)
        page.mouse.click(x, y)
        if _wait_for(lambda: _n_points(page) == 6, page, tries=30):
            break
    assert _n_points(page) == 6
    _idle(page)
    assert page.get_by_text("predict again").count() >= 1    # the prediction was for the old data
    text = _predict_and_reveal(page, 12)                    # 6 points and the question's seventh: 14
    assert "Computed: 14." in text and "not this time" in text
    assert page.locator("[data-testid='stException']").count() == 0


def test_classroom_mode_walks_the_lesson(server, page):
    page.goto(server + "/lesson?page=lesson&step=3&classroom=1")
    _idle(page)
    assert page.locator("[data-testid='stSidebar']").count() == 0 or \
        not page.locator("[data-testid='stSidebar']").is_visible()
    assert _heading(page).startswith(f"Step 3 of {N_STEPS}")
    page.get_by_role("button", name="Next").click()
    _idle(page)
    assert _heading(page).startswith(f"Step 4 of {N_STEPS}")
    assert _query(page).get("classroom") == "1" and _query(page).get("step") == "4"
    assert page.locator("[data-testid='stException']").count() == 0


def test_clicking_the_path_sets_beta(server, page):
    page.goto(server + "/path")
    _idle(page)
    assert _wait_for(lambda: "beta" in _query(page), page)
    before = float(_query(page)["beta"])
    plot = page.locator("[data-testid='stPlotlyChart'] .js-plotly-plot").first
    plot.wait_for(timeout=60_000)
    plot.scroll_into_view_if_needed()
    # the screen position of the path's 8th point (p*(β) against β on a log axis), from plotly's axes
    px, py, beta = page.evaluate("""() => {
        const gd = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, pt = gd.calcdata[0][7];
        const r = gd.getBoundingClientRect();
        return [r.left + xa._offset + xa.c2p(pt.x), r.top + ya._offset + ya.c2p(pt.y), pt.x];
    }""")
    for _ in range(2):
        page.mouse.move(px - 6, py - 6)
        page.mouse.move(px, py, steps=3)
        page.wait_for_timeout(600)
        page.mouse.click(px, py)
        if _wait_for(lambda: float(_query(page)["beta"]) != before, page, tries=30):
            break
    _idle(page)
    after = float(_query(page)["beta"])
    assert after != before
    assert abs(__import__("math").log10(after / beta)) <= 0.06      # the clicked β, snapped to the slider's grid
    assert page.locator("[data-testid='stException']").count() == 0


def test_sgd_page_shows_figure2_when_opened(server, page):
    page.goto(server + "/sgd")
    _idle(page)
    page.get_by_role("button", name="Play").click()
    _idle(page)
    head = page.get_by_text("The paper's Figure 2: m = 8, 15 and 50")
    head.scroll_into_view_if_needed()
    head.click()
    _idle(page)
    fig = page.locator("[data-testid='stExpander'] [data-testid='stPlotlyChart'] .js-plotly-plot")
    fig.first.wait_for(timeout=120_000)
    titles = fig.first.evaluate("gd => gd._fullLayout.annotations.map(a => a.text)")
    assert {"m = 8", "m = 15", "m = 50"} <= set(titles)
    assert "computing …" not in titles
    assert page.locator("[data-testid='stException']").count() == 0


def _numbers(pg) -> tuple[str, str]:
    """What a step shows in words and numbers: the sidebar's data line and the main column's text
    (prose, captions, the question with its numbers), without the widgets' transient state."""
    data = re.search(r"Data:[^\n]*", pg.locator("[data-testid='stSidebar']").inner_text()).group(0)
    main = pg.locator("[data-testid='stMain'] [data-testid='stMarkdownContainer'], "
                      "[data-testid='stMain'] [data-testid='stCaptionContainer']").all_inner_texts()
    return data, "\n".join(t for t in main if t.strip())


def test_every_way_into_a_step_shows_the_same_step(server, page):
    k = next(i for i, s in enumerate(STEPS, 1) if s.key == "path")     # the step before the gauge's 2 points
    assert STEPS[k].key == "gauge" and STEPS[k].data != STEPS[k - 1].data
    page.goto(server + f"/lesson?page=lesson&step={k}")                # its link
    _idle(page)
    by_link = _numbers(page)
    assert "5 points" in by_link[0]
    page.goto(server + f"/lesson?page=lesson&step={k + 1}")            # Back from the next step (other data)
    _idle(page)
    assert "2 points" in _numbers(page)[0]
    gamma_link = page.get_by_role("link", name=re.compile("Open this in the full page"))
    geometry = gamma_link.get_attribute("href")
    page.get_by_role("button", name="Back").click()
    _idle(page)
    assert _heading(page).startswith(f"Step {k} of")
    assert _numbers(page) == by_link
    page.reload()                                                      # a refresh
    _idle(page)
    assert _numbers(page) == by_link
    page.goto(server + f"/lesson?page=lesson&step={k - 1}")            # Next from the step before
    _idle(page)
    page.get_by_role("button", name="Next").click()
    _idle(page)
    assert _numbers(page) == by_link
    # the gauge step's full-page link: the Geometry page on the lesson's two points, the lesson's γ
    page.goto(geometry)
    _idle(page)
    assert _wait_for(lambda: "0.70711" in page.locator("[data-testid='stMain']").inner_text(), page, tries=20)
    assert page.locator("[data-testid='stException']").count() == 0


def _answer_block(pg) -> str:
    """The revealed answer: the "Computed" line and the sentences that say why."""
    text = pg.locator("[data-testid='stMain']").inner_text()
    return text[text.index("Predict, then reveal"):text.index("Predict again")]


def _other_data(step) -> tuple:
    """Data of the same form as the step's own (what its figure needs) but other numbers."""
    if step.needs == "1d-nobias":
        return [[-1.0], [2.0]], [-1.0, 1.0]
    if step.needs == "n23":
        return [[-1.0], [2.0]], [0.6, 0.3]
    if step.needs == "2d":
        return [[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [0.0, 1.5], [1.5, 0.2]], [1, 1, -1, -1, -1, 1]
    return [[-2.0], [-1.0], [0.0], [1.0], [2.0], [2.5]], [1.0, -1.0, 1.0, 1.0, -1.0, 1.0]


def test_every_revealed_answer_changes_with_the_data(server, page):
    """Every step (but Figure 2, drawn on the paper's own data): the answer revealed for the step's
    data differs from the one revealed, by the same prediction, for other data of the same form."""
    from lab import codec
    for k, s in enumerate(STEPS, 1):
        if s.key == "figure2":
            continue
        texts = []
        for data in (None, _other_data(s)):
            if data is None:
                url = server + f"/lesson?page=lesson&step={k}"
            else:
                ds = codec.Dataset(X=np.array(data[0], float), y=np.array(data[1], float), bias=bool(s.bias))
                url = codec.share_url(server + "/lesson", ds, {"page": "lesson", "step": k, "bias": s.bias})
            page.goto(url)
            _idle(page)
            assert _heading(page).startswith(f"Step {k} of"), (k, url)
            assert page.locator("[data-testid='stException']").count() == 0, k
            _answer_and_reveal(page)
            texts.append(_answer_block(page))
        assert "Computed" in texts[1] and texts[0] != texts[1], (k, texts)


def test_every_way_into_every_step_shows_the_same_step(server, page):
    """Next from the step before, Back from the step after, the step's link and a refresh: the same
    data (sidebar), prose, captions and numbers, for every step."""
    page.goto(server + "/lesson?page=lesson&step=1")
    _idle(page)
    by_next = {1: _numbers(page)}
    for k in range(2, N_STEPS + 1):
        page.get_by_role("button", name="Next").click()
        _idle(page)
        assert _heading(page).startswith(f"Step {k} of"), k
        by_next[k] = _numbers(page)
    for k in range(N_STEPS - 1, 0, -1):
        page.get_by_role("button", name="Back").click()
        _idle(page)
        assert _heading(page).startswith(f"Step {k} of"), k
        assert _numbers(page) == by_next[k], ("Back", k)
    for k in range(1, N_STEPS + 1):
        page.goto(server + f"/lesson?page=lesson&step={k}")
        _idle(page)
        assert _numbers(page) == by_next[k], ("link", k)
        page.reload()
        _idle(page)
        assert _numbers(page) == by_next[k], ("refresh", k)
        assert page.locator("[data-testid='stException']").count() == 0, k


def _expected_on_full_page(s) -> str:
    """A pattern of the number the step's full page must show, computed here from the step's data and settings
    with the core (not the app): p* (Convex program, SGD with m ≥ m*), m* (SGD with m < m*), the
    count of cells (arrangement), β_max (path) or the gauge γ (Geometry)."""
    from cvxcore import arrangement, beta_max, neural_gauge, solve_convex, with_bias
    from lab.codec.token import at_link_precision
    from lab.lesson import _data_arrays
    X, y = at_link_precision(*_data_arrays(s.data)[:2])           # as the app holds every data set
    X = with_bias(X) if s.bias else np.asarray(X, float)
    if s.page == "arrangement":
        return rf"cell \d+ of {arrangement(X).n_cells:,} \(numbered"
    if s.page == "path":
        return re.escape(f"β_max = {beta_max(X, y, loss=s.loss):.4g}")
    if s.page == "geometry":
        return re.escape(f"{neural_gauge(X, y).value:.5g}")
    r = solve_convex(X, y, s.beta, loss=s.loss)
    if s.page == "sgd" and s.m < r.m_star:
        return re.escape(f"m = {s.m} < m* = {r.m_star}")
    return re.escape(f"{r.value:.5g}")


def test_every_full_page_link_shows_the_lessons_numbers(server, page):
    for k, s in enumerate(STEPS, 1):
        if s.page is None:
            continue
        page.goto(server + f"/lesson?page=lesson&step={k}")
        _idle(page)
        href = page.get_by_role("link", name=re.compile("Open this in the full page")).get_attribute("href")
        assert urlsplit(href).path.endswith("/" + s.page), (k, href)
        want = _expected_on_full_page(s)
        page.goto(href)
        _idle(page)
        main = page.locator("[data-testid='stMain']")
        shown = _wait_for(lambda want=want, main=main: re.search(want, main.inner_text()), page, tries=20)
        assert shown, (k, s.page, want)
        assert page.locator("[data-testid='stException']").count() == 0, k
