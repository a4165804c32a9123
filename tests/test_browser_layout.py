"""Every page and every lesson step at 1280×720 (a projector), in real Chromium, in one browser page:

* **on the first screen**: the main figure (the first chart of the page) ends at most 720 px from
  the top of the window, axes and legend included, on every page that has one (Data, Arrangement,
  Convex, SGD, Path, Geometry with 2 and 3 points, each of the three networks of Convolutions,
  Higher dimensions after a run, and every lesson step).  The pages without a figure say so
  here (:data:`NO_FIGURE`): the test checks that they draw no chart and that their one action
  (Start the lesson; Run) is on the first screen;
* **nothing cut**: no button (or tab, or select box) whose text is wider than its box
  (``scrollWidth > clientWidth`` of the button or of an element inside it that clips);
* **nothing overlapping** inside a chart: no two of (legend, slider, chart title, axis title,
  annotation, menu button) whose boxes intersect by more than 2 px each way, and none outside
  the chart's box;
* **accessible**: axe-core (``axe-playwright-python``, rules of WCAG 2.0/2.1 A and AA) finds no
  serious or critical violation.

The lesson's steps are read from :data:`lab.lesson_steps.STEPS`, so a new step is covered.  The
pages run with the default 1-D data and with 2-D data (two moons, from the link) when they use the
drawn data set (Geometry when X is picked from it; Convolutions and Higher dimensions make their
own signals and images); a lesson step that keeps the current data set runs with both; the
figure-first pages and the steps also run in classroom mode.  One server, one browser page for
all: the whole module takes about four minutes on two cores.
"""
from __future__ import annotations

import os
from urllib.parse import urlencode

import pytest

from scripts.appserver import CHROMIUM, wait_idle
from tests.layout_probe import MEASURE_JS

pw = pytest.importorskip("playwright.sync_api")
axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from cvxcore.datasets import make  # noqa: E402
from lab import codec  # noqa: E402
from lab.lesson_steps import STEPS  # noqa: E402

WIDTH, HEIGHT = 1280, 720
FIGURE_FIRST = {"data", "arrangement", "convex", "sgd", "path", "lesson", "geometry", "convolution"}
# the pages without a figure on opening, and the button that must be on their first screen
# (None: prose only); Higher dimensions draws its figures after Run (the view "higher_dims-run")
NO_FIGURE = {"": "Start the lesson", "about": None, "higher_dims": "Run"}
PAGES = [p for p in codec.PAGES if p != "lesson"]
TWO_D = ("data", "arrangement", "convex", "sgd", "path")
# views that press a button (by key) after opening, and the text that says the work is done
CLICK = {"higher_dims-run": ("hd_run", "1 of 1 trials")}
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}


def _moons_query(page: str, **settings) -> str:
    X, y = make("moons")
    return urlencode(codec.encode_query(codec.Dataset(X, y, True), {"page": page, **settings}))


def _views() -> list[tuple[str, str]]:
    """(id, address) of every view the test opens."""
    out = [("start", "/")] + [(p, f"/{p}") for p in PAGES]
    out += [(f"{p}-2d", f"/{p}?" + _moons_query(p)) for p in TWO_D]
    out += [("geometry-3", "/geometry?page=geometry&geo_n=3"),
            ("geometry-mixed-y", "/geometry?page=geometry&geo_y=-0.4,1"),
            ("geometry-2d", "/geometry?" + _moons_query("geometry", geo_src="data")),
            ("geometry-3-2d", "/geometry?" + _moons_query("geometry", geo_src="data", geo_n=3)),
            ("convolution-circular", "/convolution?page=convolution&cnn_view=circular"),
            ("convolution-separable", "/convolution?page=convolution&cnn_view=separable"),
            ("higher_dims-run", "/higher_dims?page=higher_dims&hd_trials=1&hd_steps=1000")]
    for k, step in enumerate(STEPS, start=1):
        out.append((f"lesson-{k}", f"/lesson?page=lesson&step={k}"))
        if step.data is None:                       # the step keeps the current data: 2-D too
            out.append((f"lesson-{k}-2d", "/lesson?" + _moons_query("lesson", step=k)))
    # classroom mode (larger text, the classroom bar at the top right)
    out += [(f"{p}-classroom", f"/{p}?page={p}&classroom=1") for p in (*TWO_D, "geometry", "convolution")]
    out += [(f"lesson-{k}-classroom", f"/lesson?page=lesson&step={k}&classroom=1") for k in range(1, len(STEPS) + 1)]
    return out


VIEWS = _views()


@pytest.fixture(scope="module")
def pg(server, browser):
    ctx = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = ctx.new_page()
    page.goto(server + "/about")                   # the first load (scripts, fonts) out of the way
    wait_idle(page, timeout=240_000)
    yield page
    ctx.close()


@pytest.fixture(scope="module")
def axe():
    return axe_sync.Axe()


def _open(pg, server: str, address: str, click: tuple[str, str] | None = None) -> dict:
    """Open ``address``, wait for the run (and, on a figure-first page, for plotly to draw its first
    chart); with ``click`` (a button's key, the text that says its work is done), press it first
    and wait for that text; the measurements."""
    pg.goto(server + address)
    pg.locator("[data-testid='stMain'] h1, [data-testid='stMain'] h4").first.wait_for(timeout=120_000)
    wait_idle(pg, timeout=240_000, settle=800)
    if click is not None:
        pg.locator(f".st-key-{click[0]} button:visible").first.click()
        pg.get_by_text(click[1]).first.wait_for(timeout=240_000)
        wait_idle(pg, timeout=240_000, settle=800)
    charts = "[data-testid='stMain'] [data-testid='stPlotlyChart']"
    if address.lstrip("/").split("?")[0] in FIGURE_FIRST or click or pg.locator(charts).count():
        pg.locator(charts + " .main-svg").first.wait_for(timeout=120_000)
        wait_idle(pg, timeout=240_000, settle=400)  # plotly lays out legends and titles after the svg
    assert pg.locator("[data-testid='stException']").count() == 0, address
    return pg.evaluate(MEASURE_JS)


@pytest.mark.parametrize("view,vid", [(a, i) for i, a in VIEWS], ids=[i for i, _ in VIEWS])
def test_projector_layout_and_accessibility(view, vid, server, pg, axe):
    m = _open(pg, server, view, CLICK.get(vid))
    page = view.lstrip("/").split("?")[0]
    problems = []
    if page in NO_FIGURE and vid not in CLICK:
        # no figure to fit: none drawn (a new one must join FIGURE_FIRST), and the way on is in view
        if m["figure"] is not None:
            problems.append(f"{page or 'start'} draws a chart: measure it (FIGURE_FIRST)")
        if NO_FIGURE[page]:
            button = pg.get_by_role("button", name=NO_FIGURE[page]).first.bounding_box()
            if button is None or button["y"] + button["height"] > HEIGHT:
                problems.append(f"{NO_FIGURE[page]!r} is not on the first screen: {button}")
    elif page in FIGURE_FIRST or vid in CLICK:
        fig = m["figure"]
        if fig is None:
            problems.append("no chart on the page")
        elif fig["bottom"] > HEIGHT + 0.5:
            problems.append(f"the main figure ends at {fig['bottom']:.0f} px, below the {HEIGHT} px screen")
    problems += [f"cut button text: {c['text']!r} ({c['sw']} px in {c['cw']} px)" for c in m["cut"]]
    problems += [f"overlap in chart {o['chart']}: {o['a']!r} / {o['b']!r}" for o in m["overlaps"]]
    problems += [f"outside its chart {o['chart']}: {o['item']!r}" for o in m["outside"]]
    found = axe.run(pg, options=AXE_OPTIONS).response["violations"]
    problems += [f"axe {v['id']} ({v['impact']}): {v['help']} at {v['nodes'][0]['target']}"
                 for v in found if v.get("impact") in ("serious", "critical")]
    assert not problems, "\n".join(problems)


def test_a_chart_has_a_text_alternative_and_the_share_box_takes_the_focus(server, pg):
    """Every chart is a figure with a name for a screen reader; the share box's link (which scrolls
    sideways) is reachable with Tab."""
    _open(pg, server, "/convex")
    charts = pg.locator("[data-testid='stPlotlyChart']")
    assert charts.count() >= 2
    for i in range(charts.count()):
        c = charts.nth(i)
        assert c.get_attribute("role") == "figure"
        assert len(c.get_attribute("aria-label") or "") > 20, c.get_attribute("aria-label")
    main = charts.first.get_attribute("aria-label")
    assert "p* = " in main and "neurons" in main, main          # the key numbers, not only the axes
    pre = pg.locator("[data-testid='stSidebar'] [data-testid='stCode'] pre")
    assert pre.get_attribute("tabindex") == "0" and pre.get_attribute("aria-label")
    pre.focus()
    assert pg.evaluate("document.activeElement.tagName") == "PRE"


def _tab_to(pg, selector: str, presses: int = 120) -> bool:
    """Press Tab from the top of the document until the focus is inside ``selector`` (at most
    ``presses`` times)."""
    pg.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(presses):
        pg.keyboard.press("Tab")
        if pg.evaluate("(s) => !!document.activeElement && !!document.activeElement.closest(s)", selector):
            return True
    return False


def test_the_keyboard_reaches_next_and_play(server, pg):
    """Tab reaches the lesson's Next and the SGD page's Play, and Enter presses them."""
    _open(pg, server, "/lesson?page=lesson&step=3")
    assert _tab_to(pg, ".st-key-_lesson_next")
    pg.keyboard.press("Enter")
    wait_idle(pg, timeout=240_000)
    assert pg.locator("h4").filter(has_text="Step 4 of").count() == 1
    _open(pg, server, "/sgd")
    assert _tab_to(pg, ".st-key-_sgd_play")
    pg.keyboard.press("Enter")
    pg.wait_for_timeout(1500)
    assert pg.get_by_role("button", name="Pause").is_enabled()          # it is training
    pg.get_by_role("button", name="Pause").click()
    wait_idle(pg, timeout=240_000)


def _contrast(fg: str, bg: str) -> float:
    """WCAG contrast of two CSS ``rgb(…)``/``rgba(…)`` colours."""
    def lum(c: str) -> float:
        vals = [float(v) / 255 for v in c[c.index("(") + 1:c.index(")")].split(",")[:3]]
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in vals]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_start_pages_links_look_like_links_and_show_the_keyboard_focus(server, pg):
    """Start's page links: framed and underlined in a colour of ≥ 4.5:1 on their background, a
    visible outline when Tab reaches one, and Enter opens the page."""
    _open(pg, server, "/")
    link = "[data-testid='stMain'] a[data-testid='stPageLink-NavLink']"
    assert pg.locator(link).count() == 9
    style = pg.locator(link).first.evaluate(
        """a => { const s = getComputedStyle(a), p = getComputedStyle(a.querySelector('p'));
                  return {border: s.borderTopWidth + ' ' + s.borderTopStyle, bg: s.backgroundColor,
                          colour: p.color, line: p.textDecorationLine}; }""")
    assert style["border"].startswith("1px solid") and style["line"] == "underline", style
    assert _contrast(style["colour"], style["bg"]) >= 4.5, style
    assert _tab_to(pg, link)
    focus = pg.evaluate("""() => { const a = document.activeElement.closest('a'), s = getComputedStyle(a);
                                   return {width: parseFloat(s.outlineWidth), style: s.outlineStyle,
                                           text: a.innerText}; }""")
    assert focus["style"] != "none" and focus["width"] >= 2, focus
    pg.keyboard.press("Enter")
    wait_idle(pg, timeout=240_000)
    assert focus["text"].strip() == "Data" and "/data" in pg.url, (pg.url, focus)     # the first link
