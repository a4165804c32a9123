"""Every control, every value: no page shows an exception, a NaN/inf or a count the data do not allow.

The controls a page has are derived from the one settings table (:data:`lab.codec.SETTINGS`,
tied to :data:`cvxcore.PARAMS`): for each page, every setting its link carries
(:func:`lab.codec.names_for`) with the range, step, grid or options the widget shows.  Hypothesis
draws a combination of values — every range end among them — and a data set (1-D regression or
2-D classification, with or without the bias), and AppTest opens the page through its link, as a
student's browser does.  Then:

* no exception (and no traceback: :func:`lab.page.guarded` turns a numerical failure into a
  warning, which this test also counts as a failure: the controls' values must not cause one);
* no "nan" or "inf" in any number shown: metrics, markdown, captions, alerts, dataframes;
* no count above what the data allow: m* ≤ n + 1 (Theorem 1), patterns P at most the regions of n
  central hyperplanes in R^r, rank Z* ≤ min(h, K), frequencies used ≤ d, neurons of the gauge ≤ n.

Two profiles.  The quick one (default suite, deterministic: ``derandomize=True``) opens each page
with every control at its lower end, every control at its upper end, and a few drawn
combinations.  The long one (``-m slow``) draws many more, and presses Play / Run on the pages
that train.  Every failure either profile found is kept below as an explicit test
(``test_found_*``).
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as hs
from streamlit.testing.v1 import AppTest

from cvxcore.datasets import PRESETS, make
from lab import codec, state

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 600
PAGES = ("data", "arrangement", "convex", "sgd", "path", "geometry", "convolution", "higher_dims", "lesson",
         "about")
SKIP = {"page", "hide"}             # the page is the test's own; ``hide`` only names controls to hide
DATA_1D = tuple(k for k, p in PRESETS.items() if p.dim == 1)
DATA_2D = tuple(k for k, p in PRESETS.items() if p.dim == 2)
# matrices typed on the Geometry page: ordinary, repeated rows, a zero row, rank one, badly scaled
GEO_TEXTS = ("1, 0\n0, 1", "1, 1\n1, 1", "0, 0\n1, 2", "1, 2\n2, 4", "1e3, 0\n0, 1e-3", "1, 0, 0\n0, 1, 0\n0, 0, 1",
             "1, 2, 3\n2, 4, 6\n0, 0, 1")
NAN_INF = re.compile(r"(?<![A-Za-z])(nan|inf|infinity)(?![A-Za-z])", re.IGNORECASE)


# ----------------------------------------------------------------------------- the table's controls
def page_controls(page: str) -> dict[str, Any]:
    """The settings a link to ``page`` carries, by name: the table's specs."""
    return {k: codec.SETTINGS[k] for k in codec.names_for(page) if k not in SKIP}


def ends(spec: Any) -> tuple[Any, Any]:
    """The lower and upper end of a control (a grid's first and last value, a choice's first and
    last option, a flag's False and True)."""
    if isinstance(spec, codec.Number):
        return (spec.grid[0], spec.grid[-1]) if spec.grid is not None else (spec.lo, spec.hi)
    if isinstance(spec, codec.Choice):
        return spec.options[0], spec.options[-1]
    if isinstance(spec, codec.Flag):
        return False, True
    if isinstance(spec, codec.Numbers):
        lo, hi = ends(spec.item)
        return (lo,) * spec.max_len, (hi,) * spec.max_len
    if isinstance(spec, codec.Names):
        return (), tuple(spec.options)
    return GEO_TEXTS[0], GEO_TEXTS[-1]                  # Text: the Geometry page's matrix


def number_values(spec: codec.Number) -> hs.SearchStrategy:
    """Every value the widget can show, its two ends drawn as often as all the rest."""
    if spec.grid is not None:
        inner = hs.sampled_from(spec.grid)
    elif spec.step:
        k = int(round((spec.hi - spec.lo) / spec.step))
        inner = hs.integers(0, k).map(spec.nearest if spec.integer else lambda i: spec.nearest(spec.lo + i * spec.step))
        if spec.integer:
            inner = hs.integers(0, k).map(lambda i: int(spec.lo + i * spec.step))
    elif spec.integer:
        inner = hs.integers(int(spec.lo), int(spec.hi))
    else:
        inner = hs.floats(spec.lo, spec.hi).map(lambda v: round(v, 3))
    return hs.one_of(hs.sampled_from(ends(spec)), inner)


def values(spec: Any) -> hs.SearchStrategy:
    if isinstance(spec, codec.Number):
        return number_values(spec)
    if isinstance(spec, codec.Choice):
        return hs.sampled_from(spec.options)
    if isinstance(spec, codec.Flag):
        return hs.booleans()
    if isinstance(spec, codec.Numbers):
        return hs.lists(number_values(spec.item), min_size=1, max_size=spec.max_len).map(tuple)
    if isinstance(spec, codec.Names):
        return hs.lists(hs.sampled_from(spec.options), unique=True).map(tuple)
    return hs.sampled_from(GEO_TEXTS)


def combos(page: str) -> hs.SearchStrategy:
    return hs.fixed_dictionaries({k: values(s) for k, s in page_controls(page).items()})


# data sets a student can draw that no preset is: a repeated x with two targets, one point, a line
SMALL = {"repeated-1d": (np.array([[0.0], [0.0], [1.0]]), np.array([1.0, -1.0, 0.5])),
         "one-point-1d": (np.array([[0.5]]), np.array([1.0])),
         "one-point-2d": (np.array([[0.5, -0.5]]), np.array([1.0])),
         "line-2d": (np.array([[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]), np.array([1.0, -1.0, 1.0, -1.0]))}
DATASETS = hs.one_of(hs.tuples(hs.sampled_from(DATA_1D), hs.booleans()),
                     hs.tuples(hs.sampled_from(DATA_2D), hs.booleans()),
                     hs.tuples(hs.sampled_from(tuple(SMALL)), hs.booleans()))


def at_end(page: str, which: int) -> dict[str, Any]:
    return {k: ends(s)[which] for k, s in page_controls(page).items()}


# ----------------------------------------------------------------------------- one run and its checks
def open_page(page: str, controls: dict[str, Any], data: tuple[str, bool]) -> AppTest:
    """``page`` opened by the link holding ``controls`` and the data set ``data`` = (preset, bias)."""
    X, y = SMALL[data[0]] if data[0] in SMALL else make(data[0])
    tok, err = codec.encode_data(np.asarray(X).reshape(len(y), -1), y, data[1])
    assert tok is not None, err
    query = codec.encode_settings({"page": page, **{k: v for k, v in controls.items() if v is not None}})
    query[codec.DATA_KEY] = tok
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def shown_texts(at: AppTest) -> list[str]:
    """Every text the page shows a number in: metrics, markdown, captions, alerts, dataframes."""
    out = [f"{m.label}: {m.value}" for m in at.metric]
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "latex", "text"):
        out += [str(e.value) for e in getattr(at, kind)]
    for df in list(at.dataframe) + list(at.table):
        v = df.value
        if isinstance(v, pd.DataFrame):
            out.append(v.to_string())
    return out


def _int(v: Any) -> int | None:
    try:
        return int(str(v).replace(",", ""))
    except ValueError:
        return None


def regions(n: int, r: int) -> int:
    """The most cells n central hyperplanes cut R^r into (Cover): 2 Σ_{k<r} C(n−1, k)."""
    return 2 * sum(math.comb(n - 1, k) for k in range(r)) if n else 1


def count_bounds(page: str, controls: dict[str, Any], at: AppTest) -> dict[str, int]:
    """The largest value each count metric of ``page`` may show on the session's data."""
    ds = state.get_dataset(at.session_state)
    n, r = ds.n, ds.d + int(bool(ds.bias))
    s = {k: state.setting(k, sp.default, ss=at.session_state) for k, sp in codec.SETTINGS.items()}
    out = {"neurons m*": n + 1, "neurons": n + 1, "patterns P": regions(n, r), "sampled patterns": regions(n, r)}
    if page == "convolution":
        L, h, stride = s["cnn_L"], s["lin_h"], s["lin_stride"]
        K = (L - h) // stride + 1
        out |= {"filters needed, rank Z*": min(h, K), "patches K": K, "frequencies used, nnz(z*)": L}
        sep_rows = s["sep_n"] * 7                        # 8 samples, patches of 2: 7 per signal
        out |= {"stacked rows nK": sep_rows, "filters needed m*": sep_rows + 1}
    if page == "geometry":
        out["neurons used"] = int(s["geo_n"])
    return out


def check_page(page: str, controls: dict[str, Any], at: AppTest) -> None:
    assert not at.exception, [str(e.value)[:400] for e in at.exception]
    failed = [str(w.value) for w in at.warning if "This computation failed" in str(w.value)]
    assert not failed, failed                           # the safety net must not be what saves the page
    for text in shown_texts(at):
        assert not NAN_INF.search(text), text[:400]
    bounds = count_bounds(page, controls, at)
    for m in at.metric:
        if m.label in bounds and _int(m.value) is not None:
            assert _int(m.value) <= bounds[m.label], (m.label, m.value, bounds[m.label])
    for text in shown_texts(at):                        # counts written in prose: "P = 10", "one of 10 cells"
        for pattern, label in TEXT_COUNTS:
            for found in re.findall(pattern, text):
                assert _int(found) <= bounds[label], (text[:200], bounds[label])


TEXT_COUNTS = ((r"\bP = ([\d,]+)", "patterns P"), (r"one of ([\d,]+) cells", "patterns P"),
               (r"\bm\* = ([\d,]+)", "neurons m*"))


HD_QUICK_WORK = 2000            # Higher dimensions: Run in the quick profile when trials × steps is at most this
HD_LONG_WORK = 16000            # … and in the long profile


def act(page: str, controls: dict[str, Any], at: AppTest, *, long: bool) -> bool:
    """Press what trains on the pages that train only when asked: SGD's Step (the long profile:
    Play, to the end), Higher dimensions' Run (in the quick profile only when it is short).
    True when something was pressed."""
    buttons = {b.key: b for b in at.button}            # (classroom mode may hide them)
    if page == "sgd" and "_sgd_step" in buttons and not buttons["_sgd_step"].disabled:
        if long and "_sgd_play" in buttons:
            buttons["_sgd_play"].click().run()
            for _ in range(60):
                pause = next((b for b in at.button if b.key == "_sgd_pause"), None)
                if at.exception or pause is None or pause.disabled:
                    break
                at.run()
        else:
            buttons["_sgd_step"].click().run()
        return True
    ss = at.session_state
    work = (state.setting("hd_trials", ss=ss) or 0) * (state.setting("hd_steps", ss=ss) or 0)
    if page == "higher_dims" and "hd_run" in buttons and work <= (HD_LONG_WORK if long else HD_QUICK_WORK):
        at.button(key="hd_run").click().run()          # AppTest follows the fragment's reruns to the end
        return True
    return False


def run_and_check(page: str, controls: dict[str, Any], data: tuple[str, bool], *, long: bool = False) -> AppTest:
    at = open_page(page, controls, data)
    check_page(page, controls, at)
    if act(page, controls, at, long=long):
        check_page(page, controls, at)
    return at


# ----------------------------------------------------------------------------- the profiles
# (the parameter is ``view_of``, not ``page``: conftest marks a test with a ``page`` argument as a
# browser test, which the default suite leaves out)
VIEWS = {"convolution": ("cnn_view", codec.SETTINGS["cnn_view"].options)}   # a page that shows one of several
END_CASES = [(page, which, view) for page in PAGES for which in (0, 1)
             for view in (VIEWS[page][1] if page in VIEWS else (None,))]
# no shrinking: one AppTest run takes seconds, and a derandomized draw is reproduced as it is
QUICK = settings(max_examples=2, derandomize=True, deadline=None, database=None, print_blob=True,
                 suppress_health_check=list(HealthCheck), phases=(Phase.explicit, Phase.generate))
LONG = settings(max_examples=60, derandomize=True, deadline=None, database=None, print_blob=True,
                suppress_health_check=list(HealthCheck), phases=(Phase.explicit, Phase.generate))


@pytest.mark.parametrize("view_of,which,view", END_CASES,
                         ids=[f"{p}-{'lo' if w == 0 else 'hi'}{'-' + v if v else ''}" for p, w, v in END_CASES])
def test_every_control_at_its_ends(view_of, which, view):
    page = view_of
    """All of a page's controls at their lower ends with 1-D data and bias, or all at their upper
    ends with 2-D data without bias (each view of a page with several)."""
    controls = at_end(page, which)
    if view is not None:
        controls[VIEWS[page][0]] = view
    run_and_check(page, controls, (DATA_1D[0], True) if which == 0 else (DATA_2D[-1], False))


LOSS_PAGES = tuple(p for p in PAGES if p in ("convex", "sgd", "path", "arrangement"))


@pytest.mark.parametrize("view_of", LOSS_PAGES)
@pytest.mark.parametrize("loss", codec.SETTINGS["loss"].options)
@pytest.mark.parametrize("data", [(DATA_1D[-1], True), (DATA_2D[0], True)], ids=["1-D", "2-D"])
def test_each_loss_with_1d_and_2d_data(view_of, loss, data):
    """The pages that solve (8) or train, with each loss on 1-D and on 2-D data (a loss that
    does not suit the targets is the app's to replace, with a message, never an exception)."""
    run_and_check(view_of, {"loss": loss}, data)


def _drawn(page: str, draw: Any) -> None:
    controls = draw.draw(combos(page), label="controls")
    run_and_check(page, controls, draw.draw(DATASETS, label="data"))


@pytest.mark.parametrize("view_of", PAGES)
@QUICK
@given(draw=hs.data())
def test_every_control_drawn(view_of, draw):
    _drawn(view_of, draw)


@pytest.mark.slow
@pytest.mark.parametrize("view_of", PAGES)
@LONG
@given(draw=hs.data())
def test_every_control_drawn_long(view_of, draw):
    _drawn(view_of, draw)


# ----------------------------------------------------------------------------- what the search found
def test_found_geometry_page_with_a_point_picked_twice_shows_no_inf():
    """Found by the long profile: the Geometry page on the data set with the same point picked
    twice (X of rank 1, y outside span Q_X) showed the gauge and the polar value as "inf".  Now:
    "no network" and "unbounded", beside the core's message."""
    controls = {"geo_src": "data", "geo_pick": (0, 0), "geo_n": 2, "geo_ydata": False, "geo_y": (-2.0,)}
    at = run_and_check("geometry", controls, ("sine", True))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["min Σ|αⱼ| (interpolation)"] == "no network"
    assert metrics["max yᵀz over C° (polar)"] == "unbounded" and metrics["neurons used"] == "0"
    assert "no ReLU network of any width interpolates it" in " ".join(str(w.value) for w in at.warning)


# ----------------------------------------------------------------------------- the Convolutions page's own
def _conv(controls: dict[str, Any]) -> tuple[AppTest, dict[str, str], str]:
    at = run_and_check("convolution", controls, (DATA_1D[0], True))
    return at, {m.label: m.value for m in at.metric}, " ".join(str(e.value) for e in list(at.info) + list(at.warning))


@pytest.mark.parametrize("beta", [22.0, 30.0])
def test_linear_cnn_beyond_beta_max_shows_the_zero_network(beta):
    """On its own default signals (β_max = 21.8) at β = 22 and 30 the page drew a filters figure
    with 0 panels (plotly refused: "cols must be an int greater than 0") after a descent that
    overflowed.  Now: 0 filters, the zero network said, and a finite descent that ends on ½‖y‖²."""
    at, metrics, notes = _conv({"cnn_view": "linear", "lin_beta": beta, "lin_steps": 2000})
    assert metrics["filters needed, rank Z*"] == "0"
    assert f"β = {beta:g} ≥ β_max = 21.8" in notes and "zero network" in notes
    assert float(metrics["best GD objective (9)"]) == pytest.approx(float(metrics["value of (12)"]), rel=1e-6)
    assert not any(p.key == "lin_filters" for p in at.get("plotly_chart"))


def test_circular_cnn_beyond_beta_max_shows_the_zero_network():
    at, metrics, notes = _conv({"cnn_view": "circular", "circ_beta": 60.0, "circ_steps": 1000})
    assert metrics["frequencies used, nnz(z*)"] == "0" and "zero network" in notes and "β_max = 51.99" in notes
    assert float(metrics["best GD objective (13)"]) == pytest.approx(float(metrics["value of (14)"]), rel=1e-6)


@pytest.mark.parametrize("view,metric", [("linear", "best GD objective (9)"), ("circular", "best GD objective (13)")])
def test_a_learning_rate_of_10_is_reported_as_diverged(view, metric):
    """lr = 10 gave NaN objectives silently; now the run is "diverged" with what to try (the core's
    GDResult.message), and no number shown is NaN (run_and_check)."""
    prefix = "lin" if view == "linear" else "circ"
    at, metrics, notes = _conv({"cnn_view": view, f"{prefix}_lr": 10.0, f"{prefix}_steps": 2000 if view == "linear"
                                else 1000})
    assert metrics[metric] == "diverged"
    assert "Diverged" in notes and "lr=10 diverged" in notes and "Try lr <=" in notes and "learning rate auto" in notes
    assert at.select_slider(key=f"{prefix}_lr").value == 10.0
    assert f"{prefix}_lr=10.0" in at.sidebar.code[0].value              # the link carries it


def test_the_learning_rates_auto_step_is_the_default_and_does_not_diverge():
    at, metrics, notes = _conv({"cnn_view": "linear", "lin_steps": 2000})
    assert at.select_slider(key="lin_lr").value == codec.AUTO_LR and "Diverged" not in notes
    assert float(metrics["best GD objective (9)"]) < float(metrics["value of (12)"]) * 1.01
