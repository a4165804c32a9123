"""Small Streamlit helpers shared by the pages (one look for every chart)."""
import streamlit as st

CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def chart(fig, container=None, **kw):
    """``plotly_chart`` with the figure's own projector-sized template (not Streamlit's theme)."""
    kw.setdefault("config", CONFIG)
    return (container or st).plotly_chart(fig, theme=None, **kw)
