"""The settings in the URL: the one table of controls a link carries, and the query (part 2)."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from cvxcore import LOSSES, PARAMS
from lab.classroom import CONTROLS
from lab.lesson_steps import N_STEPS

from .base import DATA_KEY, MAX_POINTS, OPTIMIZERS, PAGES, Dataset
from .token import decode_data, encode_data

#
# One table, SETTINGS, holds every control a link carries: its range as the widget shows it (a
# slider's ends and step, a select_slider's values, a selectbox's options), its default on the
# page, and the page it belongs to.  lab.state builds the widgets from it, parse_setting clamps a
# link's value to it (so a message about a link always quotes the value the widget then shows),
# and the CSV/JSON exports write its names and values.  A number that is a parameter of the core
# names its entry of cvxcore.PARAMS (``core``): its help, whether it is whole, on a log scale or
# must be > 0 come from there, and its range lies inside the core's (tests/test_codec.py checks
# that the core accepts every value the widget can show).

def _grid(lo_exp: float, hi_exp: float, num: int) -> tuple[float, ...]:
    """A log-spaced grid, 3 significant digits (what a select_slider shows)."""
    return tuple(float(f"{v:.3g}") for v in np.logspace(lo_exp, hi_exp, num))


BETA_GRID = _grid(-3, 3, 61)            # β: 0.001 … 1000; a slider stops at the data's β_max
LR_GRID = _grid(-4, 0, 25)              # learning rate: 0.0001 … 1
FULL_BATCH = 0                          # the batch setting of full-batch gradient descent, everywhere
BATCH_SIZES = (FULL_BATCH, 1, 2, 5, 10, 25, 50, 100, 200)
# the default signals' β_max is 21.8 for (12) and 52.0 for (14): 20, 22 and 60 show either side of it
CNN_BETAS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 20.0, 22.0, 30.0)
CIRC_BETAS = CNN_BETAS + (60.0,)
AUTO_LR = 0                             # the CNN descents' learning-rate setting of the automatic step
CNN_LRS = (AUTO_LR, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 10.0)   # 10: the step that diverges, to see it


def _fmt(v: object) -> str:
    return str(int(v)) if isinstance(v, (int, np.integer)) else f"{v:g}"


@dataclass(frozen=True)
class Number:
    """A number a slider, select_slider or number input shows.

    ``grid``: the only values there are (a select_slider); a link's value goes to the nearest
    (log scale when ``log``).  Otherwise the range is ``[lo, hi]`` and, with ``step``, the
    multiples of ``step`` from ``lo``.  ``lo_open``: values ≤ 0 are meaningless (β, the learning
    rate), not merely out of range.  ``page``: the page whose link carries it (None: every link).
    """
    name: str
    lo: float
    hi: float
    default: float
    integer: bool = False
    step: float | None = None
    grid: tuple | None = None
    log: bool = False
    lo_open: bool = False
    page: str | None = None
    help: str = ""
    labels: Mapping | None = None       # how a grid value is named in messages (batch 0: full batch)
    hi_from: str | None = None          # at most this other setting's value (a filter ≤ the signal length)
    core: str | None = None             # the cvxcore.PARAMS entry whose check every value passes
    outside: str = "is outside the slider's range ({range}); clamped to"   # a value beyond lo or hi

    def range_text(self) -> str:
        if self.grid is not None:
            shown = [self.labels.get(g, _fmt(g)) if self.labels else _fmt(g) for g in self.grid]
            if len(shown) <= 10:
                return "one of " + ", ".join(shown)
            return f"{shown[0]} to {shown[-1]} on the slider's grid"
        return f"{_fmt(self.lo)} to {_fmt(self.hi)}" + (f" in steps of {_fmt(self.step)}" if self.step else "")

    def nearest(self, v: float) -> Any:
        """The value the widget shows for v (v finite; a log scale's smallest value for v ≤ 0)."""
        if self.grid is not None and self.log and v <= 0:
            return min(self.grid)
        if self.grid is not None:
            key = (lambda g: abs(math.log(g) - math.log(v))) if self.log else (lambda g: abs(g - v))
            return min((g for g in self.grid if not self.log or g > 0), key=key)
        v = min(max(v, self.lo), self.hi)
        if self.step:
            v = self.lo + round((v - self.lo) / self.step) * self.step
            v = round(min(v, self.hi), 10)          # 0.6, not 0.6000000000000001
        return int(round(v)) if self.integer else float(v)


@dataclass(frozen=True)
class Choice:
    """One of ``options`` (a selectbox, radio, segmented control or tabs)."""
    name: str
    options: tuple
    default: Any
    page: str | None = None
    help: str = ""


@dataclass(frozen=True)
class Flag:
    name: str
    default: bool
    page: str | None = None
    help: str = ""


@dataclass(frozen=True)
class Names:
    """A set of names from ``options`` (written comma-separated)."""
    name: str
    options: tuple
    default: Any
    page: str | None = None
    help: str = ""


@dataclass(frozen=True)
class Numbers:
    """A short list of numbers, each as ``item`` shows it (written comma-separated)."""
    name: str
    item: Number
    max_len: int
    default: Any = None
    page: str | None = None
    help: str = ""


@dataclass(frozen=True)
class Text:
    """A short text (a matrix typed on the Geometry page): lines are written separated by ``;``."""
    name: str
    max_chars: int
    default: Any = None
    page: str | None = None
    help: str = ""


def _n(name: str, lo: int, hi: int, default: int, page: str | None = None, **kw: Any) -> Number:
    return Number(name, lo, hi, default, integer=True, page=page, **kw)


def _g(name: str, grid: tuple, default: float, page: str | None = None, log: bool = True, **kw: Any) -> Number:
    return Number(name, min(grid), max(grid), default, grid=tuple(grid), log=log, page=page,
                  integer=all(isinstance(g, int) for g in grid), **kw)


def _core(name: str, core: str, lo: float, hi: float, default: float, *, grid: tuple | None = None,
          page: str | None = None, **kw: Any) -> Number:
    """A control of the core's parameter ``core`` (a :data:`cvxcore.PARAMS` entry): whole or real,
    log scale, > 0 and its help as the core says; the widget's own range, default, step or grid."""
    p = PARAMS[core]
    kw.setdefault("help", p.help)
    lo, hi = (min(grid), max(grid)) if grid is not None else (lo, hi)
    return Number(name, lo, hi, default, integer=p.integer, grid=None if grid is None else tuple(grid),
                  log=p.log, lo_open=p.lo_open, page=page, core=core, **kw)


_SEED_MAX = 10_000                       # the page-level seeds (the SGD seed takes any 31-bit value)
_GEO_Y = Number("geo_y", -2.0, 2.0, 0.0, step=0.05, page="geometry")

_TABLE: list[Any] = [
    Choice("page", PAGES, "data", help="the page shown"),
    # shared by the Convex and SGD pages (lab.state builds these widgets)
    _core("beta", "beta", 0, 0, 0.1, grid=BETA_GRID),
    _core("m", "m", 1, 200, 8),
    Choice("loss", LOSSES, LOSSES[0], help="loss of (2)"),
    _core("lr", "lr", 0, 0, 0.01, grid=LR_GRID),
    _core("steps", "steps", 100, 20_000, 2000, step=100),
    _core("trials", "trials", 1, 20, 5),
    _g("batch", BATCH_SIZES, FULL_BATCH, log=False, labels={FULL_BATCH: "0 (full batch)"},
       help="SGD batch size; 0 = full-batch gradient descent (cvxcore batch_size=None)"),
    _core("seed", "seed", 0, PARAMS["seed"].hi, 0),
    Choice("opt", OPTIMIZERS, "sgd", help="SGD optimizer"),
    _g("speed", (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000), 100, page="sgd",
       help="the SGD animation's speed, steps per second"),
    Flag("classroom", False, help="classroom mode (hide controls)"),
    Names("hide", tuple(CONTROLS), None, help="controls hidden in classroom mode (None: lab.classroom.DEFAULT_HIDDEN)"),
    # Arrangement page: the chosen neuron u (its cell is the one shown)
    Numbers("arr_u", Number("arr_u", -1.0, 1.0, 0.0), 3, page="arrangement",
            help="the chosen direction u (None: the page's default)"),
    # Geometry page
    Choice("geo_n", (2, 3), 2, page="geometry", help="number of data points n (rows of X)"),
    Choice("geo_src", ("type", "data"), "type", page="geometry", help="X typed, or points of the drawn data set"),
    _n("geo_ex", 0, 4, 0, page="geometry", help="the example X (its index in the list for this n)"),
    Text("geo_X", 200, page="geometry", help="X as typed (None: the example's)"),
    Numbers("geo_y", _GEO_Y, 3, page="geometry", help="the targets y (None: the example's)"),
    Numbers("geo_pick", _n("geo_pick", 0, MAX_POINTS - 1, 0), 3, page="geometry",
            help="the data points picked as rows of X (None: the first n)"),
    Flag("geo_ydata", True, page="geometry", help="y = the targets of the picked points"),
    _n("geo_num", 4, 16, 8, page="geometry", help="points on the β curve"),
    # Convolutions page
    Choice("cnn_view", ("linear", "circular", "separable"), "linear", page="convolution",
           help="the network shown"),
    _core("cnn_n", "n", 10, 120, 40, step=2, page="convolution", help="signals n"),
    _n("cnn_L", 8, 32, 16, page="convolution", help="signal length L"),
    Number("cnn_noise", 0.0, 1.0, 0.3, step=0.05, page="convolution", help="signal noise"),
    _core("cnn_seed", "seed", 0, _SEED_MAX, 0, page="convolution", help="seed of the signals"),
    _core("lin_beta", "beta", 0, 0, 1.0, grid=CNN_BETAS, page="convolution", help="weight decay β of (9)"),
    _n("lin_h", 1, 32, 4, page="convolution", hi_from="cnn_L", help="filter size h (at most L)"),
    _n("lin_stride", 1, 32, 2, page="convolution", hi_from="cnn_L", help="stride (at most L)"),
    _core("lin_m", "m", 1, 8, 4, page="convolution", help="filters m of GD"),
    _core("lin_steps", "steps", 0, 0, 20000, grid=(2000, 5000, 10000, 20000, 40000), page="convolution",
          help="GD steps"),
    _g("lin_lr", CNN_LRS, AUTO_LR, log=False, page="convolution", labels={AUTO_LR: "auto"},
       help="learning rate of GD on (9); auto = a step checked by backtracking (cannot diverge)"),
    _core("circ_beta", "beta", 0, 0, 10.0, grid=CIRC_BETAS, page="convolution", help="weight decay β of (13)"),
    _n("circ_h", 1, 32, 16, page="convolution", hi_from="cnn_L", help="filter taps h (at most L; default L)"),
    _core("circ_m", "m", 1, 4, 2, page="convolution", help="filters m of GD"),
    _core("circ_steps", "steps", 0, 0, 8000, grid=(1000, 2000, 4000, 8000, 16000), page="convolution",
          help="GD steps"),
    _g("circ_lr", CNN_LRS, AUTO_LR, log=False, page="convolution", labels={AUTO_LR: "auto"},
       help="learning rate of GD on (13); auto = a step checked by backtracking (cannot diverge)"),
    _core("sep_beta", "beta", 0, 0, 0.1, grid=(0.03, 0.1, 0.3, 1.0), page="convolution",
          help="weight decay β of the separable CNN"),
    _n("sep_n", 2, 5, 4, page="convolution", help="signals of the separable CNN"),
    _core("sep_seed", "seed", 0, _SEED_MAX, 0, page="convolution", help="seed of the separable CNN's signals"),
    # Higher-dimensions page
    _core("hd_beta", "beta", 0, 0, 0.1, grid=(0.01, 0.03, 0.1, 0.3, 1.0), page="higher_dims", help="weight decay β"),
    _core("hd_m", "m", 4, 24, 4, page="higher_dims", help="width m of SGD (and patterns per scheme)"),
    _core("hd_trials", "trials", 1, 10, 2, page="higher_dims", help="trials (random initialisations)"),
    _core("hd_steps", "steps", 0, 0, 2000, grid=(1000, 2000, 4000, 8000), page="higher_dims", help="SGD steps"),
    _core("hd_seed", "seed", 0, _SEED_MAX, 0, page="higher_dims", help="seed of the images and the starts"),
    # the lesson: its own steps (lab.lesson_steps)
    _n("step", 1, N_STEPS, 1, page="lesson", help="the step of the lesson page",
       outside="is not a step of the lesson (it has steps {range}); showing"),
]
SETTINGS: dict[str, Any] = {s.name: s for s in _TABLE}


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def defaults() -> dict:
    """Every setting at its default."""
    return {k: s.default for k, s in SETTINGS.items()}


def names_for(page: str | None) -> tuple[str, ...]:
    """The settings a link to ``page`` carries: the shared ones and that page's own."""
    return tuple(k for k, s in SETTINGS.items() if s.page is None or s.page == page)


def query_value(query: Mapping, key: str) -> Any:
    """The value of ``key`` in a query mapping (the last one when repeated), or None."""
    v = query.get(key)
    if isinstance(v, (list, tuple)):          # st.query_params.to_dict() gives str; get_all gives lists
        v = v[-1] if v else ""
    return v


def _parse_number(spec: Number, text: str, shown: str, what: str) -> tuple[Any, str | None]:
    name, dflt = spec.name, spec.default
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not math.isfinite(v):
        return dflt, (f"{what}={shown!r} in the link is not a finite number; using the default "
                      f"{name}={_fmt(dflt)} (valid: {spec.range_text()}).")
    if (spec.lo_open or spec.log) and v <= 0:          # no log of it: not merely out of range
        return dflt, (f"{what}={shown!r} in the link must be > 0; using the default {name}={_fmt(dflt)}.")
    if spec.integer and spec.grid is None and not v.is_integer():
        return dflt, (f"{what}={shown!r} in the link is not a whole number; using the default "
                      f"{name}={_fmt(dflt)} (valid: {spec.range_text()}).")
    applied = spec.nearest(v)
    if spec.grid is not None:
        if abs(applied - v) <= 1e-9 * max(abs(v), 1e-12):
            return applied, None
        label = spec.labels.get(applied, _fmt(applied)) if spec.labels else _fmt(applied)
        where = "outside" if not spec.lo <= v <= spec.hi else "not one of"
        return applied, (f"{what}={shown!r} in the link is {where} the values the control has "
                         f"({spec.range_text()}); using the nearest, {name}={label}.")
    if applied == v:
        return (int(v) if spec.integer else float(v)), None
    if not spec.lo <= v <= spec.hi:
        return applied, (f"{what}={shown!r} in the link {spec.outside.format(range=spec.range_text())} "
                         f"{name}={_fmt(applied)}.")
    return applied, (f"{what}={shown!r} in the link is not on the slider ({spec.range_text()}); "
                     f"using the nearest, {name}={_fmt(applied)}.")


def parse_setting(name: str, raw: object) -> tuple[Any, str | None]:
    """One setting from its query string: ``(value, None)``, or ``(value applied, message)``.

    Out of range: clamped to the control's range; between a grid's values or a slider's steps:
    the nearest.  Malformed / unknown: the default.  The message names the setting, quotes the
    link's text and the value applied.
    """
    spec = SETTINGS[name]
    dflt = spec.default
    text = str(raw).strip()
    shown = text if len(text) <= 40 else text[:37] + "..."
    if isinstance(spec, Number):
        return _parse_number(spec, text, shown, name)
    if isinstance(spec, Choice):
        for o in spec.options:
            if text == str(o):
                return o, None
        return dflt, (f"{name}={shown!r} in the link is not one of {', '.join(map(str, spec.options))}; "
                      f"using {name}={dflt}.")
    if isinstance(spec, Flag):
        if text.lower() in _TRUE:
            return True, None
        if text.lower() in _FALSE:
            return False, None
        return dflt, f"{name}={shown!r} in the link is not 1 or 0; using {name}={int(dflt)}."
    if isinstance(spec, Text):
        if len(text) > spec.max_chars:
            return dflt, (f"{name}= in the link has {len(text)} characters, more than {spec.max_chars}; "
                          "it was ignored.")
        # one canonical form (the one a link writes back): rows stripped, any line break
        # str.splitlines knows (\r, \x1e, \u2028, …) read as a new row
        return "\n".join(line.strip() for line in text.replace(";", "\n").strip().splitlines()), None
    if isinstance(spec, Numbers):
        parts = [t.strip() for t in text.split(",") if t.strip()]
        if not parts or len(parts) > spec.max_len:
            return dflt, (f"{name}={shown!r} in the link should hold 1 to {spec.max_len} numbers "
                          "separated by commas; it was ignored.")
        out, msgs = [], []
        for t in parts:
            v, msg = _parse_number(spec.item, t, t, name)
            out.append(v)
            if msg:
                msgs.append(msg)
        return tuple(out), (" ".join(msgs) or None)
    # Names: comma-separated names
    names = [t.strip() for t in text.split(",") if t.strip()]
    good = tuple(dict.fromkeys(t for t in names if t in spec.options))
    bad = [t for t in names if t not in spec.options]
    if bad:
        return good, (f"{name}= in the link names unknown control(s) {', '.join(map(repr, bad[:5]))}; "
                      f"they were ignored (known: {', '.join(spec.options)}).")
    return good, None


def decode_settings(query: Mapping) -> tuple[dict, list[str]]:
    """Every setting from a query mapping (``st.query_params`` or a dict of str / list of str).

    Returns ``(settings, messages)``: missing keys take their defaults silently; out-of-range,
    malformed and unknown values are replaced (see :func:`parse_setting`) and explained in
    ``messages``.  Keys that are not settings (e.g. ``data``, other widgets' keys) are ignored.
    """
    out, msgs = defaults(), []
    for name in SETTINGS:
        try:
            raw = query_value(query, name)
        except Exception:                      # a mapping that misbehaves: treat as absent
            raw = None
        if raw is None:
            continue
        value, msg = parse_setting(name, raw)
        out[name] = value
        if msg:
            msgs.append(msg)
    for name, spec in SETTINGS.items():        # limits set by another setting of the same link
        limit = out.get(spec.hi_from) if getattr(spec, "hi_from", None) else None
        if limit is None or out[name] <= limit:
            continue
        try:
            raw = query_value(query, name)
        except Exception:
            raw = None
        out[name] = limit
        if raw is not None:                    # (absent: the page's default, narrowed silently)
            msgs = [m for m in msgs if not m.startswith(f"{name}=")]
            msgs.append(f"{name}={str(raw).strip()[:40]!r} in the link is more than {spec.hi_from} = {limit}; "
                        f"using {name}={limit}.")
    return out, msgs


def format_setting(name: str, value: Any) -> str:
    """The query string of one setting value (round-trips through :func:`parse_setting`)."""
    spec = SETTINGS[name]
    if isinstance(spec, Number):
        return str(int(value)) if spec.integer else repr(float(value))
    if isinstance(spec, Flag):
        return "1" if value else "0"
    if isinstance(spec, Names):
        return ",".join(value)
    if isinstance(spec, Numbers):
        return ",".join(format_setting_item(spec.item, v) for v in value)
    if isinstance(spec, Text):
        return ";".join(line.strip() for line in str(value).strip().splitlines())
    return str(value)


def format_setting_item(spec: Number, value: float) -> str:
    return str(int(value)) if spec.integer else repr(float(value))


def encode_settings(settings: Mapping) -> dict[str, str]:
    """``{key: str}`` for every setting given (unknown keys and None values are left out).

    Every value is written, even one equal to the table's default, so that a link reproduces the
    view even if a later version changes a default.  Only ``classroom`` off and ``hide`` outside
    classroom mode are left out.  Values are written as given; validate them first (e.g. with
    :func:`decode_settings`) if they did not come from widgets built on the same table.
    """
    out = {}
    for name, value in settings.items():
        if name not in SETTINGS or value is None:
            continue
        if name == "classroom" and not value:
            continue
        if name == "hide" and not settings.get("classroom", False):
            continue                            # hide only means something in classroom mode
        out[name] = format_setting(name, value)
    return out


def encode_query(dataset: Dataset | None, settings: Mapping) -> dict[str, str]:
    """The whole shareable state as query parameters: settings plus ``data`` when it fits.

    A data set that cannot be encoded (too large) is left out; call :func:`encode_data` to get
    the message to show next to the link.
    """
    q = encode_settings(settings)
    if dataset is not None:
        tok, _ = encode_data(dataset.X, dataset.y, bool(dataset.bias))
        if tok is not None:
            q[DATA_KEY] = tok
    return q


def decode_query(query: Mapping) -> tuple[Dataset | None, dict, list[str]]:
    """``(dataset or None, settings, messages)`` from a query mapping; never raises.

    ``dataset`` is None when the link has no ``data`` (keep the current/default data set) or
    when it is malformed (then ``messages`` says why).
    """
    settings, msgs = decode_settings(query)
    ds = None
    try:
        raw = query_value(query, DATA_KEY)
    except Exception:
        raw = None
    if raw is not None:
        ds, err = decode_data(raw)
        if err:
            msgs.append(err)
    return ds, settings, msgs


def share_url(base: str, dataset: Dataset | None, settings: Mapping) -> str:
    """``base`` (e.g. ``http://host:8501/convex``) with the query string of :func:`encode_query`."""
    from urllib.parse import urlencode
    q = encode_query(dataset, settings)
    return base.split("?", 1)[0] + ("?" + urlencode(q) if q else "")
