"""Start: the app's bare address — what the lab teaches, in one line, and the way in (the lesson,
or any page, one click away)."""
from __future__ import annotations

import streamlit as st

TAGLINE = ("**Training a two-layer ReLU network with weight decay is a convex program** (Pilanci & Ergen, "
           "ICML 2020): this lab shows why, on data you draw, and checks ordinary training (SGD) against the "
           "global optimum.")
LESSON = "app_pages/lesson.py"
# (file, what it shows): every page of the navigation but this one and the lesson, in its order
PAGES = [
    ("app_pages/data.py", "draw or load the data set the next pages use"),
    ("app_pages/arrangement.py", "the hyperplanes xᵢᵀu = 0 in weight space and their activation patterns"),
    ("app_pages/convex.py", "the optimum p* of the convex program (8) and the neurons it gives"),
    ("app_pages/sgd.py", "gradient descent from random starts against p*, with a certificate per run"),
    ("app_pages/path.py", "p* and the neurons as β varies, and the dual constraint"),
    ("app_pages/geometry.py", "the β → 0 limit for 2 or 3 points: the neural gauge (Figure 1)"),
    ("app_pages/convolution.py", "convolutional networks as convex programs (section 4)"),
    ("app_pages/higher_dims.py", "SGD against (8) over sampled patterns on 8×8 images"),
    ("app_pages/about.py", "the theorem in a few paragraphs, and how to read each page"),
]


def render() -> None:
    st.title("Convex ReLU Lab")
    st.markdown(TAGLINE)
    if st.button("Start the lesson", key="_start_lesson", type="primary", icon=":material/school:",
                 help="Guided steps from one neuron to the convex program, each with a live figure."):
        st.switch_page(LESSON)
    st.markdown("Or go straight to a page (they are also in the sidebar):")
    cols = st.columns(3)
    for k, (file, what) in enumerate(PAGES):
        with cols[k % 3]:
            # a framed, underlined link (lab.classroom's layout), the page's icon and title, and
            # what the page shows under it; Tab reaches it and Enter opens it, as any link
            st.page_link(file)
            st.caption(what)


if __name__ == "__main__":          # Streamlit runs this file as the page (app.py: st.Page)
    render()
