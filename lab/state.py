"""The app's session state: the one place that owns it.

What every page shares lives here: the drawn data set (points, targets or ±1
labels, 1-D or 2-D), the bias toggle, and the knobs β, m, loss and the SGD
settings.  Widgets that appear on more than one page are built by the functions
below, with the same key (equal to the setting's name in :data:`lab.codec.SETTINGS`)
and :func:`widget` keeps the value in ``_v_<name>``, so a value set on one page is the value on the
next.  Ranges, steps and defaults come from :data:`lab.codec.SETTINGS`, the table the URL is read
with, so a value from a link is one the widget can show (:func:`slider`,
:func:`choice`, :func:`number_input`).  A page's own controls (the Geometry, Convolutions and
Higher-dimensions settings) are built the same way and carried by links to that page.

The data set is stored as plain lists under ``_data`` (so a page switch or a
rerun never loses it), with an undo stack of earlier versions under ``_undo``.  It is stored at
the link's precision (:func:`lab.codec.at_link_precision`: clicks, presets, uploads and links
alike), so the data set of a session is exactly the one its link decodes to.

Classroom mode is two more shared settings, ``classroom`` and ``hide``: a widget whose
name is one of :data:`lab.classroom.CONTROLS` is simply not drawn while that control is hidden, and
:func:`widget` then returns the kept value (from the link or the default).  Pages ask
:func:`show` before drawing prose and the other hideable parts.

Example (inside a page)::

    from lab import state
    ds = state.get_dataset()          # Dataset(X (n, d) points, y (n,), bias) — d = 1 or 2
    X = state.design_matrix(ds)       # with_bias(points) when the bias is on
    beta = state.beta_slider()        # shared β (log scale)
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, cast

import numpy as np
import streamlit as st
from numpy.typing import ArrayLike

from cvxcore import PARAMS, ConvexResult, with_bias
from cvxcore.datasets import PRESETS, make
from cvxcore.losses import LossName
from lab import cached, classroom, codec

if TYPE_CHECKING:
    from lab.training import LiveSession


class SessionMapping(Protocol):
    """What this module needs of a session's state: ``st.session_state`` in the app, an
    ``AppTest``'s ``session_state`` in a test (which reads the state through these functions)."""
    def get(self, key: str, default: Any = None) -> Any: ...
    def __getitem__(self, key: str) -> Any: ...
    def __setitem__(self, key: str, value: Any) -> None: ...
    def __delitem__(self, key: str) -> None: ...
    def __contains__(self, key: object) -> bool: ...


# Every key this module keeps in a session (nothing else writes st.session_state; a widget's own
# key is written by Streamlit, and set before it is drawn through set_widget_value).
_DATA = "_data"            # {"dim": 1 | 2, "X": [[...], ...], "y": [...], "preset": str | None}
_UNDO = "_undo"            # list of earlier _data dicts (most recent last)
_SETTING = "_v_"           # + a setting's name: its value (lab.codec.SETTINGS conventions)
_COUNT = "_count_"         # + a name: a counter (renews a clickable chart's key)
_FLASH = "_flash_"         # + a name: a message shown once
_ONCE = "_once_"           # + a name: set when something was done once in this session
_LAST_SOLVE = "_last_convex"         # lab.cached.LastSolve: seeds the next solve of (8)
_SGD = "_sgd"                        # lab.training.LiveSession: the SGD page's run
_LINK_READ = "_link_read"            # the session has applied its link
_LINK_MSGS = "_link_msgs"            # messages about the link, shown once
_PAGE = "_page"                      # the page of this run (a lab.codec.PAGES name)
_SHARE_SLOT = "_share_slot"          # (page, sidebar container) of this run's share box
_LESSON_STEP = "_lesson_applied"     # the lesson step whose state the session has taken (or kept)
_PREDICTION = "_lesson_commit_"      # + a question's key: (prediction, signature of its state)
_HIGHDIM_RUNS = "_highdim_runs"      # (β, m, steps, seed) -> list of one-trial results
_HIGHDIM_GO = "_highdim_go"          # the Higher-dimensions parameters being run, True, or None
_UPLOAD_SEEN = "_upload_seen"        # (file_id, message) of the last CSV file read
_RECONNECTED = "_reconnected_widgets"  # widgets whose browser value wins on this run (lab.ui)
_SESSION_ID = "_session_id"          # this session's name for its solve job (lab.cached.JOBS)
UNDO_DEPTH = 50
MAX_POINTS = codec.MAX_POINTS   # beyond this a click is refused
DEFAULT_PRESET = "paper"

# β and the learning rate on log grids (select_sliders: Streamlit's slider has no log scale).
BETA_GRID = codec.BETA_GRID     # 0.001 … 1000
LR_GRID = codec.LR_GRID         # 0.0001 … 1
LOSS_LABELS = {"squared": "squared ½‖ŷ − y‖²", "hinge": "hinge Σ(1 − yᵢŷᵢ)₊",
               "logistic": "logistic Σ log(1 + e^(−yᵢŷᵢ))"}


Dataset = codec.Dataset     # the session's data set is the type links and files carry


# ----------------------------------------------------------------------------- the session's store
def _ss(ss: SessionMapping | None = None) -> SessionMapping:
    return cast(SessionMapping, st.session_state) if ss is None else ss


def _pop(key: str, default: Any = None, ss: SessionMapping | None = None) -> Any:
    ss = _ss(ss)
    if key not in ss:
        return default
    value = ss[key]
    del ss[key]
    return value


def widget_value(key: str) -> Any:
    """The value of the widget with key ``key`` (in its ``on_change``, or None before it is drawn)."""
    return st.session_state.get(key)


def set_widget_value(key: str, value: Any) -> None:
    """Give the widget with key ``key`` its value before it is drawn this run."""
    st.session_state[key] = value


def counter(name: str) -> int:
    """Counter ``name`` of this session (0 until :func:`bump`)."""
    return int(st.session_state.get(_COUNT + name, 0))


def bump(name: str) -> None:
    """Add one to counter ``name`` (a clickable chart renews its key with it: a fresh selection)."""
    st.session_state[_COUNT + name] = counter(name) + 1


def flash(name: str, message: str | None) -> None:
    """Keep ``message`` to be shown once, by the next :func:`take_flash` of ``name``."""
    st.session_state[_FLASH + name] = message


def take_flash(name: str) -> str | None:
    """The message kept under ``name``, once (then None)."""
    return _pop(_FLASH + name)


def first_time(name: str) -> bool:
    """True the first time this session asks about ``name`` (a warning shown once)."""
    if _ONCE + name in st.session_state:
        return False
    st.session_state[_ONCE + name] = True
    return True


# ----------------------------------------------------------------------------- shared settings
def setting(name: str, default: Any = None, ss: SessionMapping | None = None) -> Any:
    """The current value of shared setting ``name`` (β, m, loss, bias, …), or ``default``."""
    return _ss(ss).get(_SETTING + name, default)


def set_setting(name: str, value: Any) -> None:
    """Set shared setting ``name``; its widget shows the value on the next run."""
    st.session_state[_SETTING + name] = value


def widget(name: str, default: Any, build: Callable[..., Any], *args: Any, control: str | None = None,
           **kw: Any) -> Any:
    """Build the widget of shared setting ``name`` so its value survives page switches.

    The value lives in ``_v_<name>`` (plain session state, never removed); the widget has key
    ``name`` (the setting's name in :data:`lab.codec.SETTINGS`), is given that value before it is
    drawn, and copies a user's change back through ``on_change``.  ``build`` is the Streamlit
    widget function (``st.slider``, ``col.toggle``, …); ``args``/``kw`` are passed on.

    ``control`` is the classroom-mode name that hides it (default: ``name`` when that is one of
    :data:`lab.classroom.CONTROLS`); a hidden widget is not drawn and its kept value is returned.
    """
    ss = st.session_state
    canon = _SETTING + name
    if canon not in ss:
        ss[canon] = default
    control = control or (name if name in classroom.CONTROLS else None)
    if control is not None and not show(control):
        return ss[canon]
    if name not in reconnected():               # else: the browser's own value, see lab.ui
        ss[name] = ss[canon]
    then = kw.pop("on_change", None)          # the page's own callback, after the copy

    def _copy():
        ss[canon] = ss[name]
        if then is not None:
            then()

    value = build(*args, key=name, on_change=_copy, **kw)
    ss[canon] = value
    return value


def _stored(X: ArrayLike, y: ArrayLike, preset: str | None) -> dict:
    """The session's record of a data set, at the link's precision."""
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    X, y = codec.at_link_precision(X, y)
    return {"dim": int(X.shape[1]), "X": X.tolist(), "y": y.tolist(), "preset": preset}


# ----------------------------------------------------------------------------- data set
def _ensure(ss: SessionMapping | None = None) -> dict:
    ss = _ss(ss)
    if _DATA not in ss:
        X, y = make(DEFAULT_PRESET)
        ss[_DATA] = _stored(X, y, DEFAULT_PRESET)
        ss[_UNDO] = []
    if _SETTING + "bias" not in ss:
        ss[_SETTING + "bias"] = True
    return ss[_DATA]


def get_dataset(ss: SessionMapping | None = None) -> Dataset:
    """The shared data set (a fresh copy; never None — an empty set has n = 0)."""
    data = _ensure(ss)
    d = data["dim"]
    X = np.asarray(data["X"], dtype=float).reshape(-1, d)
    y = np.asarray(data["y"], dtype=float).reshape(-1)
    return Dataset(X, y, bool(setting("bias", True, ss)))


def bias() -> bool:
    """The bias toggle: a column of ones appended to X."""
    _ensure()
    return bool(setting("bias", True))


def design_matrix(ds: Dataset) -> np.ndarray:
    """X of (2): the points, with a column of ones appended when the bias is on."""
    return with_bias(ds.X) if ds.bias and ds.n else ds.X.copy()


def _push_undo(ss: SessionMapping | None = None) -> None:
    ss = _ss(ss)
    data = _ensure(ss)
    stack = ss.get(_UNDO) or []
    stack.append({k: (list(v) if isinstance(v, list) else v) for k, v in data.items()})
    ss[_UNDO] = stack[-UNDO_DEPTH:]


def set_data(X: ArrayLike, y: ArrayLike, *, preset: str | None = None, ss: SessionMapping | None = None) -> None:
    """Replace the data set (undoable).  X (n, d) with d = 1 or 2; stored at the link's precision."""
    _push_undo(ss)
    _ss(ss)[_DATA] = _stored(X, y, preset)


def load_preset(name: str, seed: int = 0) -> None:
    """Replace the data set with preset ``name`` and set the loss that suits it."""
    X, y = make(name, seed=seed)
    set_data(X, y, preset=name)
    set_setting("loss", loss_for(PRESETS[name].dim, y))


def add_point(point: ArrayLike, label: float) -> str | None:
    """Append one point (undoable).  Returns a message when the point is refused, else None."""
    data = _ensure()
    if len(data["y"]) >= MAX_POINTS:
        return f"The data set already has {MAX_POINTS} points, the most the app takes; undo or clear first."
    _push_undo()
    data = st.session_state[_DATA]
    x, t = codec.at_link_precision(np.atleast_1d(np.asarray(point, dtype=float))[None, :data["dim"]], [label])
    data["X"] = data["X"] + x.tolist()
    data["y"] = data["y"] + t.tolist()
    data["preset"] = None
    return None


def set_dim(dim: int) -> None:
    """Switch between 1-D regression and 2-D classification: an empty set of the new kind (undoable)."""
    data = _ensure()
    if data["dim"] == dim:
        return
    _push_undo()
    st.session_state[_DATA] = {"dim": int(dim), "X": [], "y": [], "preset": None}
    set_setting("loss", loss_for(dim))


def clear() -> None:
    """Empty the data set, keeping its kind (undoable)."""
    data = _ensure()
    set_data(np.zeros((0, data["dim"])), [])


def undo() -> bool:
    """Restore the previous data set; False when there is nothing to undo."""
    _ensure()
    stack = st.session_state.get(_UNDO, [])
    if not stack:
        return False
    st.session_state[_DATA] = stack.pop()
    return True


def can_undo() -> bool:
    return undo_depth() > 0


def undo_depth(ss: SessionMapping | None = None) -> int:
    """How many earlier data sets Undo can bring back."""
    return len(_ss(ss).get(_UNDO) or [])


def preset_name(ss: SessionMapping | None = None) -> str | None:
    """The preset the data set is, unchanged (None once a point is added, or for other data)."""
    return _ensure(ss).get("preset")


# ----------------------------------------------------------------------------- shared knobs
def loss_for(dim: int, y: ArrayLike | None = None) -> LossName:
    """The loss that suits a data set: squared for 1-D regression or targets other than ±1, hinge
    for 2-D ±1 labels (the one rule behind every loss the app picks for the user)."""
    t = np.zeros(0) if y is None else np.asarray(y, float)
    if dim == 1 or (t.size and not np.all(np.abs(t) == 1)):
        return "squared"
    return "hinge"


def default_loss() -> LossName:
    """The loss that suits the current data set (:func:`loss_for`)."""
    data = _ensure()
    return loss_for(data["dim"], data["y"])


def current_loss() -> LossName:
    """The loss setting, or :func:`default_loss` when none is set (what :func:`loss_select` shows)."""
    _ensure()
    if setting("loss") not in LOSS_LABELS:
        set_setting("loss", default_loss())
    return setting("loss")


def loss_select(container: Any = st) -> LossName:
    """The loss of (2) and (8): squared, hinge or logistic (hinge/logistic need 2-D ±1 labels)."""
    current_loss()
    return widget("loss", default_loss(), container.selectbox, "loss ℓ", tuple(LOSS_LABELS),
                  format_func=LOSS_LABELS.get,
                  help="Squared loss for regression; hinge or logistic for ±1 labels.")


def number_spec(name: str) -> codec.Number:
    """The :class:`lab.codec.Number` of setting ``name``, or of the items of a list setting."""
    spec = codec.SETTINGS[name]
    return spec.item if isinstance(spec, codec.Numbers) else _spec(name)


def _spec(name: str) -> codec.Number:
    spec = codec.SETTINGS[name]
    if not isinstance(spec, codec.Number):
        raise TypeError(f"setting {name!r} is a {type(spec).__name__}, not a number")
    return spec


def _kept(name: str, spec: codec.Number, lo: float | None = None, hi: float | None = None,
          default: float | None = None) -> tuple[Any, Any, Any]:
    """The value of number setting ``name`` as its widget can show it: the kept value (from a link,
    another page or an earlier run) moved to the nearest value inside ``[lo, hi]`` (the table's
    range, narrowed by a limit that depends on the data)."""
    lo = spec.lo if lo is None else max(lo, spec.lo)
    hi = spec.hi if hi is None else min(hi, spec.hi)
    dflt = spec.default if default is None else default
    v = setting(name, dflt)
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not np.isfinite(v):
        v = dflt
    v = spec.nearest(float(v)) if not spec.log or v > 0 else spec.default
    if spec.grid is not None:
        options = tuple(g for g in spec.grid if lo <= g <= hi)
        v = v if v in options else min(options, key=lambda g: abs(g - v))
        return v, options, dflt
    v = min(max(v, lo), hi)
    return (int(v) if spec.integer else float(v)), (lo, hi), min(max(dflt, lo), hi)


def number(name: str, *, lo: float | None = None, hi: float | None = None, default: float | None = None) -> Any:
    """The value of number setting ``name`` as its widget would show it, without drawing it (a
    control inside a closed expander)."""
    v, _, _ = _kept(name, _spec(name), lo, hi, default)
    set_setting(name, v)
    return v


def slider(name: str, label: str, container: Any = st, *, lo: float | None = None, hi: float | None = None,
           default: float | None = None, **kw: Any) -> Any:
    """The slider (select_slider for a grid) of number setting ``name``, from
    :data:`lab.codec.SETTINGS`.  ``lo``/``hi`` may only narrow the table's range (a limit that
    depends on the data, e.g. a filter no longer than the signal); ``default`` replaces the
    table's default for a value never set (e.g. a filter as long as the signal)."""
    spec = _spec(name)
    v, rng, dflt = _kept(name, spec, lo, hi, default)
    set_setting(name, v)
    kw.setdefault("help", spec.help or None)
    if spec.grid is not None:
        return widget(name, dflt, container.select_slider, label, options=rng, **kw)
    step = spec.step if spec.step is not None else (1 if spec.integer else None)
    if spec.integer:
        rng, step = (int(rng[0]), int(rng[1])), int(step or 1)
    out = widget(name, dflt, container.slider, label, rng[0], rng[1], step=step, **kw)
    return int(out) if spec.integer else float(out)


def number_input(name: str, label: str, container: Any = st, **kw: Any) -> Any:
    """The number input of number setting ``name`` (a seed), range from :data:`lab.codec.SETTINGS`."""
    spec = _spec(name)
    v, (lo, hi), dflt = _kept(name, spec)
    set_setting(name, v)
    kw.setdefault("help", spec.help or None)
    out = widget(name, dflt, container.number_input, label, int(lo) if spec.integer else lo,
                 int(hi) if spec.integer else hi, step=1 if spec.integer else spec.step, **kw)
    return int(out) if spec.integer else float(out)


def choice(name: str, label: str, container: Any = st, build: Callable[..., Any] | None = None, *,
           options: Iterable[Any] | None = None, **kw: Any) -> Any:
    """The selectbox (or ``build``: radio, segmented control …) of choice setting ``name``:
    options from :data:`lab.codec.SETTINGS` (``options`` may narrow them)."""
    spec = codec.SETTINGS[name]
    opts = tuple(spec.options if options is None else [o for o in spec.options if o in options])
    if setting(name) not in opts:
        set_setting(name, spec.default if spec.default in opts else opts[0])
    build = build or container.selectbox
    return widget(name, spec.default, build, label, opts, **kw)


def beta_end(beta_max: float | None) -> float | None:
    """The β slider's last value: the first grid value ≥ ``beta_max`` (None: the whole grid)."""
    return next((g for g in _spec("beta").grid or () if beta_max is not None and g >= beta_max), None)


def beta_slider(container: Any = st, beta_max: float | None = None, caption: bool = True) -> float:
    """Weight decay β > 0 on the log grid :data:`BETA_GRID`.  With the data's ``beta_max`` (the
    smallest β at which the zero network is optimal, theory.md §2) the slider ends at the first
    grid value ≥ β_max, labelled so, and its help (and a caption, unless ``caption`` is False: a
    compact row of controls) gives β_max: larger β show nothing new."""
    end = beta_end(beta_max)
    marked: dict[str, Any] = {} if end is None else {
        "format_func": lambda b: f"{b:g} ≥ β_max" if b == end else f"{b:g}"}
    note = "" if beta_max is None else (f"β_max = {beta_max:.4g} for these data: from there on the optimum "
                                        "is the zero network.")
    beta = slider("beta", "weight decay β", container, hi=end, **marked,
                  help=PARAMS["beta"].help + ". Larger β: fewer, smaller neurons. " + note)
    if note and caption:
        container.caption(note)
    return beta


def data_beta_max(ds: Dataset, loss: str) -> float | None:
    """β_max of the data set with ``loss`` (:func:`lab.cached.beta_max_of`); None when empty or
    too large to enumerate."""
    if ds.n == 0:
        return None
    return cached.beta_max_of(design_matrix(ds), ds.y, loss)


def batch_sizes(n: int) -> tuple[int, ...]:
    """The batch sizes the SGD page offers for n points: the full batch and the table's sizes below n."""
    return tuple(b for b in codec.BATCH_SIZES if b == codec.FULL_BATCH or b < n)


def lr_slider(container: Any = st) -> float:
    """The learning rate of gradient descent on (2), on a log grid."""
    return slider("lr", "learning rate", container,
                  help=PARAMS["lr"].help + " (the loss is summed over the n points).")


# ----------------------------------------------------------------------------- URL / file hand-off
SETTING_NAMES = tuple(k for k in codec.SETTINGS if k != "page")


def classroom_settings() -> dict:
    """``{"classroom": bool, "hide": tuple | None}``: what :mod:`lab.classroom` needs."""
    hide = setting("hide")
    return {"classroom": bool(setting("classroom", False)),
            "hide": None if hide is None else tuple(hide)}


def show(name: str) -> bool:
    """True when the hideable part ``name`` (one of :data:`lab.classroom.CONTROLS`) is to be drawn."""
    return classroom.show(name, classroom_settings())


def settings(page: str | None = None) -> dict:
    """The settings a link to ``page`` carries that have a value, in :data:`lab.codec.SETTINGS`
    conventions (``hide`` None for :data:`lab.classroom.DEFAULT_HIDDEN`; ``classroom`` always
    present).  ``page`` None: the page this run shows (:func:`set_page`).  A page's own controls go
    only into links to it."""
    page = page or current_page()
    carried = set(codec.names_for(page))
    out = {k: setting(k) for k in SETTING_NAMES if k in carried and setting(k) is not None}
    out["classroom"] = bool(out.get("classroom", False))
    if "hide" in out:
        # the widget's order is CONTROLS order; the default set is left out of the link
        hide = tuple(c for c in classroom.CONTROLS if c in set(out["hide"]))
        out["hide"] = None if frozenset(hide) == classroom.DEFAULT_HIDDEN else hide
        if out["hide"] is None:
            del out["hide"]
    return out


def apply_settings(values: Mapping[str, Any]) -> None:
    """Set shared settings from a mapping in :data:`lab.codec.SETTINGS` conventions (e.g. decoded
    from the URL); unknown keys are ignored.  Call before widgets."""
    for k in SETTING_NAMES:
        if k in values and values[k] is not None:
            v = values[k]
            if k == "hide":
                v = [c for c in classroom.CONTROLS if c in set(v)]     # the multiselect's value
            set_setting(k, v)


def replace_dataset(X: ArrayLike, y: ArrayLike, bias: bool | None = None) -> None:
    """Replace the data set (undoable), e.g. from a CSV upload or a link; ``bias`` None keeps the toggle."""
    set_data(X, y)
    if bias is not None:
        set_setting("bias", bool(bias))
    if len(np.asarray(y)) and setting("loss") in ("hinge", "logistic") and loss_for(2, y) == "squared":
        set_setting("loss", "squared")       # a classification loss on these targets would only be an error


# pages whose m slider ends below the settings table's (lab.codec.SETTINGS["m"]): the range a
# link's message quotes (and the pages' sliders use these)
M_LIMITS = {"path": 100, "lesson": 50}


def _narrowed(name: str, query: Mapping[str, Any], present: dict, messages: list[str], hi: float,
              hi_text: str, why: str) -> list[str]:
    """A link's value of number setting ``name`` on a slider that ends at ``hi`` (below the
    table's end: a limit of the data or the page), as the slider applies it: ``present[name]`` is
    set to it, and the codec's message about it (which quotes the table's range) is replaced by
    one that quotes the slider's own, "lo to ``hi_text``"; ``why`` says why it ends there."""
    spec = _spec(name)
    raw = codec.query_value(query, name)
    if raw is None:
        return messages
    shown = str(raw).strip()
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    had = [m for m in messages if m.startswith(f"{name}=")]
    v = _on_slider(spec, present[name], hi)
    if not had and v == present[name]:
        return messages
    rng = (f"{_g(spec.lo)} to {hi_text}" + (" on its grid" if spec.grid is not None else "")
           + (f" in steps of {_g(spec.step)}" if spec.step else ""))
    try:
        x = float(shown)
    except ValueError:
        x = float("nan")
    if not np.isfinite(x) or ((spec.lo_open or spec.log) and x <= 0) or (spec.integer and not x.is_integer()):
        what = "is not a number the slider has"
    elif x > hi:
        what = f"is beyond the end of the slider ({why})"
    elif x < spec.lo:
        what = "is below the start of the slider"
    else:
        what = "is not one of the slider's values"
    present[name] = v
    return [m for m in messages if m not in had] + [
        f"{name}={shown!r} in the link {what}; using {name}={_g(v)} (the slider: {rng})."]


def _g(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) >= 1 else f"{v:g}"


def _on_slider(spec: codec.Number, v: Any, hi: float) -> Any:
    """The value ``v`` (already on the table's range) as a slider of ``spec`` ending at ``hi`` shows it."""
    if spec.grid is not None:
        options = [g for g in spec.grid if g <= hi]
        return min(options, key=lambda g: abs(np.log(g / v)) if spec.log else abs(g - v))
    w = min(v, hi)
    return int(w) if spec.integer else float(w)


def load_link(query: Mapping[str, Any]) -> tuple[str | None, list[str]]:
    """Apply a shared link's query parameters (first run of a session): ``(page or None, messages)``.

    The data set (``data=``) replaces the current one (undoable); only the settings present in
    the link are applied, so an absent one keeps the page's own default.  A bad value is
    replaced as :func:`lab.codec.decode_query` says and explained in ``messages``; never raises.
    """
    try:
        keys = set(query.keys())
    except Exception:                           # a mapping that misbehaves: nothing to apply
        return None, []
    ds, values, messages = codec.decode_query(query)
    if ds is not None:
        cur = get_dataset()
        if cur.X.shape == ds.X.shape and np.array_equal(cur.X, ds.X) and np.array_equal(cur.y, ds.y):
            set_setting("bias", bool(ds.bias))      # the same points (e.g. Back after a β step): no undo step
        else:
            replace_dataset(ds.X, ds.y, ds.bias)
    present = {k: v for k, v in values.items() if k in keys}
    n = get_dataset().n
    if present.get("batch", codec.FULL_BATCH) and present["batch"] >= n:
        # the SGD page offers batch sizes below n only (a batch of n is full-batch descent)
        offered = ", ".join(str(b) for b in batch_sizes(n) if b != codec.FULL_BATCH) or "none"
        raw = codec.query_value(query, "batch")
        messages = [m for m in messages if not m.startswith("batch=")]
        messages.append(f"batch={str(raw).strip()[:40]!r} in the link: the SGD page offers batch sizes below "
                        f"the data set's n = {n} points ({offered}) or the full batch; using batch=0 (full batch).")
        present["batch"] = codec.FULL_BATCH
    if "beta" in present:
        # the slider ends at the data's β_max (every larger β has the same optimum, the zero network)
        bmax = data_beta_max(get_dataset(), present.get("loss") or current_loss())
        end = beta_end(bmax)
        if bmax is not None and end is not None:
            messages = _narrowed("beta", query, present, messages, end,
                                 f"{end:g} ≥ β_max = {bmax:.4g} of these data",
                                 "from β_max on the optimum is the zero network")
    page = values["page"] if "page" in keys else current_page()
    if "m" in present and page in M_LIMITS:
        messages = _narrowed("m", query, present, messages, M_LIMITS[page], f"{M_LIMITS[page]}",
                             f"the {page} page's slider ends there")
    if "classroom" in present and "hide" not in present:
        set_setting("hide", None)
    apply_settings(present)
    page = values["page"] if "page" in keys else None
    return page, messages


def import_csv(raw: bytes | str) -> tuple[int | None, str | None]:
    """Replace the data set by a CSV file's (undoable): ``(n, None)``, or ``(None, message)`` with the
    data set untouched (see :func:`lab.codec.read_csv`).  The bias toggle is kept."""
    ds, err = codec.read_csv(raw)
    if ds is None:
        return None, err
    replace_dataset(ds.X, ds.y, None)
    if len(ds.y) and not (setting("loss") == "logistic" and loss_for(ds.d, ds.y) == "hinge"):
        set_setting("loss", loss_for(ds.d, ds.y))
    return ds.n, None


# ----------------------------------------------------------------------------- the session's records
def last_solve(ss: SessionMapping | None = None) -> cached.LastSolve | None:
    """The session's previous optimum of (8) (it seeds the next solve: :func:`lab.cached.solve_warm`)."""
    return _ss(ss).get(_LAST_SOLVE)


def remember_solve(X: np.ndarray, loss: str, result: ConvexResult) -> None:
    st.session_state[_LAST_SOLVE] = cached.LastSolve(X, loss, result)


def session_id(ss: SessionMapping | None = None) -> str:
    """This session's name for its solve job (:data:`lab.cached.JOBS`: one job per session),
    made on first use."""
    ss = _ss(ss)
    if _SESSION_ID not in ss:
        ss[_SESSION_ID] = uuid.uuid4().hex
    return str(ss[_SESSION_ID])


def sgd_session() -> LiveSession | None:
    """The SGD page's run (:class:`lab.training.LiveSession`), or None before the first."""
    return st.session_state.get(_SGD)


def set_sgd_session(live: LiveSession) -> None:
    st.session_state[_SGD] = live


def reconnected() -> set[str]:
    """The widgets whose browser value wins on this run over the kept one (:func:`lab.ui.read_link_once`)."""
    return st.session_state.get(_RECONNECTED) or set()


def set_reconnected(keys: set[str]) -> None:
    st.session_state[_RECONNECTED] = keys


def link_read() -> bool:
    """True once the session has applied the link it was opened with."""
    return bool(st.session_state.get(_LINK_READ))


def mark_link_read() -> None:
    st.session_state[_LINK_READ] = True


def set_link_messages(messages: list[str]) -> None:
    """Keep the messages about the session's link, to be shown once."""
    st.session_state[_LINK_MSGS] = list(messages)


def link_messages() -> list[str]:
    """The messages about the link, shown on every run until one completes (a page may rerun
    before the student has seen them): :func:`lab.ui.finish_run` clears them."""
    return list(st.session_state.get(_LINK_MSGS) or [])


def set_page(page: str) -> None:
    """The page this run shows (app.py, before the page runs)."""
    st.session_state[_PAGE] = page


def current_page() -> str | None:
    return st.session_state.get(_PAGE)


def set_share_slot(slot: tuple[str, Any] | None) -> None:
    """``(page, sidebar container)`` of this run's share box, filled after the page (lab.ui)."""
    st.session_state[_SHARE_SLOT] = slot


def take_share_slot() -> tuple[str, Any] | None:
    return _pop(_SHARE_SLOT)


def lesson_step_taken() -> int | None:
    """The lesson step whose state this session has taken (or kept), or None before the lesson."""
    return st.session_state.get(_LESSON_STEP)


def set_lesson_step_taken(k: int) -> None:
    st.session_state[_LESSON_STEP] = k


def prediction(key: str) -> tuple[Any, str] | None:
    """The prediction committed for lesson question ``key`` and the signature of the state it was
    made on, or None."""
    return st.session_state.get(_PREDICTION + key)


def set_prediction(key: str, committed: tuple[Any, str] | None) -> None:
    if committed is None:
        _pop(_PREDICTION + key)
    else:
        st.session_state[_PREDICTION + key] = committed


def highdim_runs() -> dict[tuple, list]:
    """The Higher-dimensions page's finished trials, by (β, m, steps, seed)."""
    if _HIGHDIM_RUNS not in st.session_state:
        st.session_state[_HIGHDIM_RUNS] = {}
    return st.session_state[_HIGHDIM_RUNS]


def highdim_go() -> Any:
    """The Higher-dimensions parameters being run, True (Run was pressed), or None."""
    return st.session_state.get(_HIGHDIM_GO)


def set_highdim_go(value: Any) -> None:
    st.session_state[_HIGHDIM_GO] = value


def upload_seen() -> tuple[str, str] | None:
    """(file id, message) of the last uploaded CSV file that was refused: each file is read once."""
    return st.session_state.get(_UPLOAD_SEEN)


def set_upload_seen(seen: tuple[str, str] | None) -> None:
    st.session_state[_UPLOAD_SEEN] = seen
