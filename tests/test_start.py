"""The first screen (AppTest of the real app.py): the bare address says what the lab teaches and
offers "Start the lesson" and every page one click away; a link with state still opens its page."""
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from app_pages import start

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _open(query=None):
    at = AppTest.from_file(APP, default_timeout=240)
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_bare_address_orients_and_starts_the_lesson():
    at = _open()
    assert at.title[0].value == "Convex ReLU Lab"
    assert "Training a two-layer ReLU network with weight decay is a convex program" in at.markdown[0].value
    assert not dict(at.query_params)                         # the bare address stays bare
    at.button(key="_start_lesson").click().run()
    assert not at.exception and at.query_params["page"] == "lesson"


def test_every_page_is_one_click_away_from_the_start():
    """The Start page links every page of app.py's navigation but the lesson (its button) and itself."""
    pages = re.findall(r'\("(app_pages/\w+\.py)", "[^"]+", "[^"]+", "\w+"\)', Path(APP).read_text())
    assert pages and sorted(f for f, _ in start.PAGES) == sorted(p for p in pages if p != start.LESSON)
    at = _open()
    links = at.get("page_link")
    assert len(links) == len(start.PAGES)


def test_a_link_with_state_still_opens_its_page():
    at = _open({"page": "convex", "beta": "0.251"})
    assert at.title[0].value.startswith("Convex") or "convex" in at.title[0].value.lower()
    assert at.query_params["page"] == "convex" and at.query_params["beta"] == "0.251"
    at = _open({"beta": "0.251"})                            # no page=: the Data page, as before
    assert at.title[0].value == "Data" and at.query_params["page"] == "data"
