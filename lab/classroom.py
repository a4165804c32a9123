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

Outside classroom mode too, :func:`css` lays every page out for a projector (:data:`_LAYOUT`),
and :data:`A11Y_SCRIPT` makes what scrolls sideways reachable by keyboard.
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


HIDING_RULES = {
    "sidebar": ('[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], '
                '[data-testid="stExpandSidebarButton"] { display: none !important; }'),
    "toolbar": ('[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stMainMenu"], '
                '[data-testid="stAppDeployButton"] { display: none !important; }'),
}


BAR_KEY = "classroom_bar"    # the container of the classroom controls at the top of the page


# The page laid out for a projector, in and out of classroom mode: at 1280×720 a page's main
# figure (under its title and one row of controls) is entirely on the first screen.  Streamlit's
# header is a transparent strip whose own buttons (menu, sidebar) stay clickable over the page's
# top margin, which shrinks from 6rem to 3rem; the title is smaller.  Captions and other faded
# text are darkened to a contrast of at least 4.5:1 on white (WCAG 2 AA; Streamlit's #828180 has 3.9:1).
CAPTION = "#5f5e5b"          # 6.5:1 on white, 6.0:1 on the sidebar's grey
LINK, LINK_TINT = "#1a4fa0", "#f3f7ff"     # a page link: 7.3:1 (6.4:1 on #dde8ff under the mouse)
_LAYOUT = (
    '[data-testid="stHeader"] { background: transparent; pointer-events: none; } '
    '[data-testid="stHeader"] button, [data-testid="stHeader"] a, [data-testid="stHeader"] [role="button"] '
    '{ pointer-events: auto; } '
    '[data-testid="stMainBlockContainer"] { padding-top: 3rem; padding-bottom: 3rem; } '
    '[data-testid="stMainBlockContainer"] h1 { font-size: 2.1rem; padding: 0 0 0.3rem 0; } '
    '[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p '
    f'{{ color: {CAPTION} !important; opacity: 1; }} '
    # a button's label wraps onto a second line rather than being cut ("switch poi…")
    'button .stMarkdownEllipsis, button .stMarkdownEllipsis p { white-space: normal; text-align: center; } '
    'button:has(.stMarkdownEllipsis) { height: auto; min-height: 2.5rem; } '
    # the label of a disabled widget (a slider waiting for Reveal): Streamlit fades it to 2.3:1;
    # CAPTION still reads as inactive beside the active labels, at a readable 6.5:1
    f'[data-testid="stWidgetLabel"][disabled], [data-testid="stWidgetLabel"][disabled] p {{ color: {CAPTION}; }} '
    # the chosen option of a segmented control: Streamlit's red on pink has 4.47:1
    'button[data-selected="true"] [data-testid="stMarkdownContainer"] p { color: #a3283a; } '
    # a link to a page in the page's own text (Start, the lesson) looks and acts like one: a framed,
    # underlined label in LINK (7.3:1 on its tint), a darker tint under the mouse, and a thick
    # outline when the keyboard reaches it (Streamlit draws these as plain text)
    f'[data-testid="stMain"] a[data-testid="stPageLink-NavLink"] {{ border: 1px solid {LINK}; '
    f'border-radius: 0.5rem; background: {LINK_TINT}; padding: 0.3rem 0.8rem; }} '
    f'[data-testid="stMain"] a[data-testid="stPageLink-NavLink"] p, '
    f'[data-testid="stMain"] a[data-testid="stPageLink-NavLink"] span {{ color: {LINK}; }} '
    '[data-testid="stMain"] a[data-testid="stPageLink-NavLink"] p '
    '{ text-decoration: underline; text-underline-offset: 0.2em; font-weight: 600; } '
    '[data-testid="stMain"] a[data-testid="stPageLink-NavLink"]:hover { background: #dde8ff; } '
    f'[data-testid="stMain"] a[data-testid="stPageLink-NavLink"]:focus-visible {{ outline: 3px solid {LINK}; '
    'outline-offset: 2px; } '
)


def css(settings: Mapping) -> str:
    """A ``<style>`` block: the projector layout (:data:`_LAYOUT`, always) and hiding Streamlit's
    own chrome chosen in ``settings``.

    Pass it to ``st.html`` (or ``st.markdown(..., unsafe_allow_html=True)``) once per run.
    In classroom mode the page is also laid out for a projector: a larger base font, less
    empty space above the title (the header goes with the toolbar), and the classroom controls
    (container ``BAR_KEY``) pinned at the top right, where they take no height from the page's
    main figure.
    """
    h = hidden(settings)
    rules = [_LAYOUT] + [r for name, r in HIDING_RULES.items() if name in h]
    if settings.get("classroom", False):
        rules.append('[data-testid="stMarkdownContainer"] p, [data-testid="stWidgetLabel"] p '
                     '{ font-size: 1.15rem; }')
        # a button's label keeps the normal size (labels in narrow columns stay on one line)
        rules.append('button [data-testid="stMarkdownContainer"] p { font-size: 1rem; }')
        # a metric's value is Markdown too: keep its own (larger) size
        rules.append('[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p '
                     '{ font-size: inherit; }')
        toolbar = "toolbar" not in h
        if not toolbar:           # nothing left in the header: it would only cover the page's top
            rules.append('[data-testid="stHeader"] { display: none !important; }')
        rules.append('[data-testid="stMainBlockContainer"] { padding-top: %s !important; '
                     'padding-bottom: 2rem !important; }' % ("3rem" if toolbar else "0.75rem"))
        right = "4.5rem" if toolbar else "1rem"
        rules.append(f'.st-key-{BAR_KEY} {{ position: fixed; top: 0.45rem; right: {right}; z-index: 999991; '
                     'width: auto !important; background: rgba(255,255,255,0.85); border-radius: 0.5rem; }')
        # the bar's buttons are sized for their labels at the normal size
        rules.append(f'.st-key-{BAR_KEY} [data-testid="stMarkdownContainer"] p {{ font-size: 1rem; }} '
                     f'.st-key-{BAR_KEY} button {{ min-width: max-content; padding-right: 0.4rem; }}')
    return f"<style>{' '.join(rules)}</style>"


# Keyboard access to what scrolls (WCAG 2.1.1): a code box (the share box's link, a CSV format)
# or a wide formula scrolls sideways, so it is made focusable, with a name for a screen reader.  Streamlit draws
# the boxes anew on every run, hence an observer rather than a one-off change.
A11Y_SCRIPT = """<script>
(() => {
  if (window.__labA11y) return;
  const fix = () => {
    for (const pre of document.querySelectorAll("[data-testid='stCode'] pre:not([tabindex])")) {
      pre.setAttribute("tabindex", "0");
      pre.setAttribute("role", "region");
      const share = pre.closest("[data-testid='stSidebar']");
      pre.setAttribute("aria-label", share ? "The link to this view (scroll sideways to read it)" : "Code");
    }
    for (const eq of document.querySelectorAll(".katex-display:not([tabindex])")) {
      if (eq.scrollWidth <= eq.clientWidth) continue;
      eq.setAttribute("tabindex", "0");
      eq.setAttribute("role", "region");
      eq.setAttribute("aria-label", "Formula (scroll sideways to read it)");
    }
  };
  window.__labA11y = new MutationObserver(fix);
  window.__labA11y.observe(document.body, {childList: true, subtree: true});
  fix();
})();
</script>"""
