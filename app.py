"""Convex ReLU Lab — entry point: ``streamlit run app.py``.

Training a two-layer ReLU network is a convex program (Pilanci & Ergen, ICML 2020).
This file only declares the pages (``st.navigation``); each page lives in ``app_pages/``.
The shared state (the drawn data set, β, m, loss, …) is owned by :mod:`lab.state`.

Share and save: the whole state is in the URL in :mod:`lab.codec`'s format
(``/convex?page=convex&beta=0.1&…&data=v1.…``).  A session's first run applies its link
(:func:`lab.ui.read_link_once`); every run writes the state back into the address bar
(:func:`lab.ui.sync_url`) before the page runs and again after it, with the "copy link" box
(:func:`lab.ui.finish_run`; a page may clamp a value; a page that ends early calls
:func:`lab.ui.stop`, which does this first).  Every page has its own address (``/data``,
``/convex``, …).  The bare address opens the Start page (``app_pages/start.py``: what the lab
teaches, "Start the lesson", every page one click away), and writes no state into the address;
the bare address *with* a link's query (an older link, or one without ``page=``) opens the link's
page, or the Data page, as every link does.

The file has two roles.  Streamlit runs it as the script of every session (``__name__`` is
``"__main__"``: :func:`main`).  ``streamlit run app.py`` also imports it once, at server start,
and finds ``app``, an ``st.App`` serving this same script whose start-up (``lifespan``) warms
the heavy imports, the figure code and the solve worker (:func:`lab.warmup.lifespan`), so the
first class to arrive does not wait for them.
"""
from pathlib import Path

import streamlit as st

_HERE = Path(__file__).parent
_PAGES = [  # (file, title, icon, url path); a page whose file is absent is left out
    ("app_pages/lesson.py", "Lesson", ":material/school:", "lesson"),
    ("app_pages/data.py", "Data", ":material/draw:", "data"),
    ("app_pages/arrangement.py", "Hyperplane arrangement", ":material/grid_on:", "arrangement"),
    ("app_pages/convex.py", "Convex program", ":material/target:", "convex"),
    ("app_pages/sgd.py", "SGD vs optimum", ":material/trending_down:", "sgd"),
    ("app_pages/path.py", "Regularization path & dual", ":material/timeline:", "path"),
    ("app_pages/geometry.py", "Geometry (gauge)", ":material/change_history:", "geometry"),
    ("app_pages/convolution.py", "Convolutions", ":material/filter_alt:", "convolution"),
    ("app_pages/higher_dims.py", "Higher dimensions", ":material/view_in_ar:", "higher_dims"),
    ("app_pages/about.py", "About", ":material/menu_book:", "about"),
]


def main() -> None:
    """One run of a session: navigation, the link, the sidebar, the page, the address."""
    # Import pandas fully before any session starts: plotly looks pandas up in sys.modules
    # without waiting for another thread's import to finish, so concurrent first runs
    # failed with "partially initialized module 'pandas'" (found by bench/load_test.py).
    import pandas  # noqa: F401

    st.set_page_config(page_title="Convex ReLU Lab", page_icon=":material/hub:", layout="wide")

    pages = {u: st.Page(f, title=t, icon=i, url_path=u) for f, t, i, u in _PAGES if (_HERE / f).exists()}

    def to_data_page() -> None:
        """A link to the app's address without a path: the Data page, at its own address /data."""
        st.switch_page(pages["data"], query_params=st.query_params.to_dict())

    root = st.Page("app_pages/start.py", title="Start", icon=":material/home:", url_path="",
                   default=True)
    nav = st.navigation([root, *pages.values()])
    page = next((u for u, p in pages.items() if p is nav), "data")

    from lab import cached, state, ui  # (after set_page_config)

    cached.start_worker()      # the solve worker process, started once in the background

    state.set_page(page)
    ui.read_link_once(pages, page)
    start = nav is root and not st.query_params.to_dict()
    if nav is root and not start:
        to_data_page()         # before anything is drawn: the link's messages are shown on /data
    ui.classroom_chrome()
    ui.show_link_messages()

    ds = state.get_dataset()
    kind = "1-D regression" if ds.d == 1 else "2-D classification"
    st.sidebar.caption(f"**Data:** {ds.n} points, {kind}, bias {'on' if ds.bias else 'off'}. "
                       "Edit it on the Data page; the Arrangement, Convex program and SGD pages use it.")
    ui.classroom_sidebar()
    if start:                  # the first screen: no state to share, and the bare address stays bare
        nav.run()
        return
    ui.share_sidebar(page)
    ui.sync_url(page)          # lab.codec.encode_query of the state, before the page
    nav.run()
    ui.finish_run()            # after it: the address and the share box (a page may clamp a value)


if __name__ == "__main__":
    main()
elif __name__ == "app":        # imported by `streamlit run app.py` at server start (not by a worker process)
    from lab.warmup import lifespan
    app = st.App(__file__, lifespan=lifespan)
