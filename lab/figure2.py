"""The paper's Figure 2, laid out as in the paper and computed progressively.

X = [−2, −1, 0, 1, 2]ᵀ with a bias column, y = (1, −1, 1, 1, −1), squared loss, β = 0.1; full-batch
gradient descent on objective (2) from 10 starts for each width m = 8, 15, 50, against p* of
program (8) (dashed).  Each panel is computed (and cached for every session of the server) before
the next one starts, and the figure is redrawn after each, so the first panel appears after one
panel's work (about two seconds) instead of all three.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from lab import lesson_data as LD
from lab import ui
from lab.figures_lesson import figure2_panels


def figure2_view(container: Any = None, *, key: str = "_fig2", height: int = 430) -> dict[Any, Any]:
    """Draw Figure 2 into ``container``, one panel at a time; returns {m: final objectives (trials,)}
    and ``"p_star"``."""
    box = (container or st).empty()
    p_star = LD.figure2_optimum()
    panels: dict[int, tuple[np.ndarray, np.ndarray] | None] = {m: None for m in LD.FIG2_MS}
    finals: dict[Any, Any] = {}

    def draw(tag: object) -> None:
        ui.chart(figure2_panels(panels, p_star, beta=LD.FIG2_BETA, total_steps=LD.FIG2_STEPS, height=height),
                 box, key=f"{key}_{tag}")

    draw("start")
    for m in LD.FIG2_MS:
        steps, hist, final = LD.figure2_runs(m)
        panels[m] = (steps, hist)
        finals[m] = final
        draw(m)
    finals["p_star"] = p_star
    return finals
