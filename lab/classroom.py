"""Classroom mode: what to hide when the app is projected (TensorFlow Playground's "hide controls").

Pure helpers, no Streamlit.  Classroom mode is two URL settings (see :mod:`lab.codec`):

    ?classroom=1                    hide DEFAULT_HIDDEN (prose, sidebar, Streamlit's toolbar)
    ?classroom=1&hide=prose,m,lr    hide exactly these (names from CONTROLS)

A page asks before drawing each hideable part::

    from lab import classroom
    s = settings                                   # from lab.codec.decode_settings(st.query_params)
    st.html(classroom.css(s))                      # hides the sidebar / toolbar when chosen
    if classroom.show("prose", s):
        st.markdown(EXPLANATION)
    if classroom.show("m", s):
        m = st.slider("width m", ...)
    else:
        m = s["m"]                                  # hidden: the value still comes from the URL

Hiding never changes a value: a hidden slider keeps the value in the URL (or its default).
"""
from __future__ import annotations

from collections.abc import Mapping

# name -> what it hides.  Names of scalar controls equal their keys in lab.codec.SETTINGS.
CONTROLS: dict[str, str] = {
    "prose": "explanatory paragraphs and captions",
    "sidebar": "the sidebar (page list)",
    "toolbar": "Streamlit's top toolbar and menu",
    "presets": "the data-set preset buttons",
    "draw": "the drawing controls (class picker, undo, clear) and adding points on the Convex plot",
    "bias": "the bias toggle",
    "beta": "the β slider",
    "m": "the width m slider",
    "loss": "the loss selector",
    "lr": "the learning-rate slider",
    "steps": "the steps slider",
    "trials": "the trials slider",
    "batch": "the batch-size control",
    "seed": "the seed control",
    "opt": "the optimizer selector",
    "speed": "the training speed control",
    "io": "upload / download / copy-link controls",
}

# Hidden by ?classroom=1 when no explicit ?hide= is given: the projector shows figures and sliders.
DEFAULT_HIDDEN: frozenset[str] = frozenset({"prose", "sidebar", "toolbar", "io"})


def hidden(settings: Mapping) -> frozenset[str]:
    """The set of control names hidden under ``settings`` (empty outside classroom mode)."""
    if not settings.get("classroom", False):
        return frozenset()
    chosen = settings.get("hide")
    if chosen is None:
        return DEFAULT_HIDDEN
    return frozenset(c for c in chosen if c in CONTROLS)


def show(name: str, settings: Mapping) -> bool:
    """True when control ``name`` is to be drawn.  An unknown name is a programming error."""
    if name not in CONTROLS:
        raise KeyError(f"classroom control {name!r} is not known; use one of {', '.join(CONTROLS)}.")
    return name not in hidden(settings)


_CSS_RULES = {
    "sidebar": ('[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], '
                '[data-testid="stExpandSidebarButton"] { display: none !important; }'),
    "toolbar": ('[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stMainMenu"], '
                '[data-testid="stAppDeployButton"] { display: none !important; }'),
}


BAR_KEY = "classroom_bar"    # the container of the classroom controls at the top of the page


def css(settings: Mapping) -> str:
    """A ``<style>`` block hiding Streamlit's own chrome chosen in ``settings`` ('' when none).

    Pass it to ``st.html`` (or ``st.markdown(..., unsafe_allow_html=True)``) once per run.
    In classroom mode the page is also laid out for a projector: a larger base font, less
    empty space above the title (the header goes with the toolbar), a smaller title, and the
    classroom controls (container ``BAR_KEY``) pinned at the top right, where they take no
    height from the page's main figure.
    """
    h = hidden(settings)
    rules = [r for name, r in _CSS_RULES.items() if name in h]
    if settings.get("classroom", False):
        rules.append('[data-testid="stMarkdownContainer"] p, [data-testid="stWidgetLabel"] p '
                     '{ font-size: 1.15rem; }')
        # a metric's value is Markdown too: keep its own (larger) size
        rules.append('[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p '
                     '{ font-size: inherit; }')
        toolbar = "toolbar" not in h
        if not toolbar:           # nothing left in the header: it would only cover the page's top
            rules.append('[data-testid="stHeader"] { display: none !important; }')
        rules.append('[data-testid="stMainBlockContainer"] { padding-top: %s !important; '
                     'padding-bottom: 2rem !important; }' % ("3.75rem" if toolbar else "0.75rem"))
        rules.append('[data-testid="stMainBlockContainer"] h1 { font-size: 2.1rem; padding: 0.1rem 0 0.2rem 0; }')
        right = "4.5rem" if toolbar else "1rem"
        rules.append(f'.st-key-{BAR_KEY} {{ position: fixed; top: 0.45rem; right: {right}; z-index: 999991; '
                     'width: auto !important; background: rgba(255,255,255,0.85); border-radius: 0.5rem; }')
    return f"<style>{' '.join(rules)}</style>" if rules else ""
