"""Convex ReLU Lab — entry point: ``streamlit run app.py``.

Training a two-layer ReLU network is a convex program (Pilanci & Ergen, ICML 2020).
This file only declares the pages (``st.navigation``); each page lives in ``app_pages/``.
The shared state (the drawn data set, β, m, loss, …) is owned by :mod:`lab.state`.

Share and save (issue 8): the whole state is in the URL in :mod:`lab.codec`'s format
(``/convex?page=convex&beta=0.1&…&data=v1.…``).  A session's first run applies its link
(:func:`lab.ui.read_link_once`); every run writes the state back into the address bar
(:func:`lab.ui.sync_url`) before the page runs and again after it, with the "copy link" box
(:func:`lab.ui.finish_run`; a page may clamp a value; a page that ends early calls
:func:`lab.ui.stop`, which does this first).
"""
from pathlib import Path

# Import pandas fully before any session starts: plotly looks pandas up in sys.modules
# without waiting for another thread's import to finish, so concurrent first runs
# failed with "partially initialized module 'pandas'" (found by bench/load_test.py).
import pandas  # noqa: F401

import streamlit as st

st.set_page_config(page_title="Convex ReLU Lab", page_icon=":material/hub:", layout="wide")

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

pages = {u: st.Page(f, title=t, icon=i, url_path=u, default=(u == "data"))
         for f, t, i, u in _PAGES if (_HERE / f).exists()}
nav = st.navigation(list(pages.values()))
page = next((u for u, p in pages.items() if p.url_path == nav.url_path), "data")

from lab import cached, state, ui  # noqa: E402  (after set_page_config)

cached.start_worker()      # the solve worker process, started once in the background

ui.set_page(page)
ui.read_link_once(pages, page)
ui.classroom_chrome()
ui.show_link_messages()

ds = state.get_dataset()
kind = "1-D regression" if ds.d == 1 else "2-D classification"
st.sidebar.caption(f"**Data:** {ds.n} points, {kind}, bias {'on' if ds.bias else 'off'}. "
                   "Edit it on the Data page; the Arrangement, Convex program and SGD pages use it.")
ui.classroom_sidebar()
ui.share_sidebar(page)
ui.sync_url(page)          # lab.codec.encode_query of the state, before the page
nav.run()
ui.finish_run()            # after it: the address and the share box (a page may clamp a value)
