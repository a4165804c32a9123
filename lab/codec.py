"""Share, save and load: the URL codec, CSV import/export, solution and trace export.

Pure functions (numpy and the standard library; no Streamlit).  Nothing here raises on user
input: every reader returns ``(value, None)`` or ``(None, message)`` (or a list of messages),
and each message names the field, the value received and the fix.

Example::

    from lab import codec
    tok, err = codec.encode_data([[-2.0], [0.5]], [1.0, -1.0], bias=True)   # 'v1.eJ…' (URL-safe)
    ds, err = codec.decode_data(tok)              # Dataset(X=(2, 1) array, y=(2,) array, bias=True)
    q = codec.encode_query(ds, {"beta": 0.3, "loss": "hinge"})   # {'beta': '0.3', 'loss': 'hinge', 'data': 'v1.…'}
    ds, settings, messages = codec.decode_query(q)              # settings has every key of SETTINGS
    ds, err = codec.read_csv(uploaded_bytes)      # None + a message for any malformed file
    text = codec.to_csv(ds)                        # 'x,y\\n-2,1\\n0.5,-1\\n'

1. Data set in the URL (``?data=v1.…``).  A data set is a :class:`Dataset`: points ``X (n, d)``
   with d = 1 (regression, real targets y) or d = 2 (classification, labels y = ±1), and the
   bias flag.  Coordinates and real targets are quantised to ``DECIMALS`` = 3 decimals (the
   app's precision): ``decode_data(encode_data(X, y, b))`` returns ``round(X, 3)``,
   ``round(y, 3)`` exactly (:func:`at_link_precision`), and re-encoding a decoded token gives
   the same token.  The app stores every data set it is given (clicks, presets, uploads, links)
   at that precision, so the session that shares a link and the one that opens it hold the same
   numbers: full precision would cost ~11 URL characters per coordinate, and 500 points would
   not fit in ``MAX_TOKEN_CHARS``.
   Format v1: ``"v1." + base64url(zlib(payload))`` without padding, where payload is

       flags (1 byte: bit0 = d − 1, bit1 = bias, bit2 = labels are ±1 bits)
       n (unsigned LEB128 varint)
       n·d coordinates, row by row, as zigzag varints of round(1000·value)
       labels: ⌈n/8⌉ bytes of bits (1 = +1), or n zigzag varints of round(1000·y)

   About 6–9 URL characters per point.  A set of more than ``MAX_POINTS`` points, a value beyond
   ``±VALUE_LIMIT`` or a token longer than ``MAX_TOKEN_CHARS`` is refused with a message
   ("download it as CSV instead"); the link then carries the settings only.  Decoding checks
   the length first and decompresses at most ``MAX_PAYLOAD_BYTES``, so a hostile link costs
   nothing.  A token of an unknown version is refused with a message.

2. Settings in the URL (``?beta=0.3&m=8&loss=hinge&hd_m=10``).  ``SETTINGS`` is the one table
   of every control a link carries, with the range the widget really has (the slider's ends and
   step, the select_slider's values) and its default on the page; :mod:`lab.state` builds the
   widgets from it.  :func:`decode_settings` returns every key: a value out of range is clamped
   to the widget's range, one between a grid's values goes to the nearest, a malformed or unknown
   one falls back to the default, each with a message that quotes the value applied.
   :func:`encode_settings` writes every setting it is given, except classroom mode when off.
   A page's own controls (``page`` in the table) are carried by links to that page only
   (:func:`names_for`).

3. CSV import/export of the data set (:func:`read_csv`, :func:`to_csv`); see ``CSV_FORMAT``.

4. Export of a convex solution as JSON (:func:`solution_json`) and of SGD objective traces as
   CSV (:func:`sgd_csv`).
"""
from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import math
import zlib
from dataclasses import dataclass
from typing import Any, Mapping, NamedTuple, Sequence

import numpy as np

from cvxcore import LOSSES, PARAMS
from lab.classroom import CONTROLS

FORMAT_VERSION = 1
PREFIX = f"v{FORMAT_VERSION}."
DECIMALS = 3                        # the app's precision for coordinates and real targets
SCALE = 10 ** DECIMALS
VALUE_LIMIT = 10_000.0              # |coordinate|, |target| <= this (canvas is a few units wide)
MAX_POINTS = 500                    # points per data set: URL, CSV and upload alike
MAX_TOKEN_CHARS = 8_000             # data token length in the URL (browsers/servers take far more)
MAX_PAYLOAD_BYTES = 64 * 1024       # decompressed payload bound (anti zip-bomb)
MAX_CSV_BYTES = 200_000             # upload size cap

PAGES = ("data", "arrangement", "convex", "sgd", "geometry", "convolution", "higher_dims", "about")
PAGES += ("lesson", "path")          # the guided lesson and the regularization path / dual page
OPTIMIZERS = ("sgd", "momentum", "adam")      # cvxcore.training.OPTIMIZERS
DATA_KEY = "data"                   # the query-parameter name of the data token

CSV_FORMAT = """\
CSV files, UTF-8, with a header line, comma-separated (';' or tab also accepted):
  1-D regression:      x,y            one point (x, y) per line, y any real number
  2-D classification:  x1,x2,label    label -1 or +1  ('y' is accepted instead of 'label')
Column order and case do not matter; blank lines and lines starting with '#' are skipped.
At most {rows} data rows and {kb} KB; values must be finite numbers within ±{lim:g}
and are rounded to {dec} decimals.  The bias toggle is not part of the file.""".format(
    rows=MAX_POINTS, kb=MAX_CSV_BYTES // 1000, lim=VALUE_LIMIT, dec=DECIMALS)


class Dataset(NamedTuple):
    """A data set: points ``X (n, d)`` (d = 1 or 2), targets/labels ``y (n,)``, bias flag.

    ``bias`` is None for a data set read from CSV (the file does not carry it: keep the toggle).
    """
    X: np.ndarray
    y: np.ndarray
    bias: bool | None

    @property
    def d(self) -> int:
        return int(self.X.shape[1])

    @property
    def n(self) -> int:
        return int(self.X.shape[0])


# ============================================================================ 1. data in the URL

def _quantise(a) -> np.ndarray:
    return np.round(np.asarray(a, dtype=float) * SCALE).astype(np.int64)


def at_link_precision(X, y) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``y`` exactly as a link carries them (``DECIMALS`` decimals; ±1 labels as they are).

    ``decode_data(encode_data(X, y, b))`` returns these very arrays, so a session that stores its
    data set through this function and the session that opens its link solve the same problem
    (the same p*, to the last bit).  Shapes as given; no range checks (see :func:`encode_data`).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    Xq = _quantise(X) / SCALE
    yq = y.copy() if y.size and np.all(np.abs(y) == 1) else _quantise(y) / SCALE
    return Xq, yq


def _check_dataset(X, y) -> tuple[np.ndarray | None, np.ndarray | None, str | None]:
    """Shape, finiteness, range and label checks shared by the encoder and the CSV reader."""
    try:
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return None, None, "the data set could not be read as numbers; pass X (n, d) and y (n,) arrays."
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[1] not in (1, 2):
        return None, None, (f"X has shape {X.shape}; a data set is 1-D (n, 1) for regression or "
                            "2-D (n, 2) for classification.")
    if y.shape[0] != X.shape[0]:
        return None, None, f"y has {y.shape[0]} values but X has {X.shape[0]} points; pass one target per point."
    if X.shape[0] > MAX_POINTS:
        return None, None, (f"the data set has {X.shape[0]} points; at most {MAX_POINTS} are allowed — "
                            "remove points or sample a subset.")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        return None, None, "the data set contains NaN or inf; remove those points."
    big = max(np.abs(X).max(initial=0.0), np.abs(y).max(initial=0.0))
    if big > VALUE_LIMIT:
        return None, None, (f"the data set contains the value {big:g}; values must lie within "
                            f"±{VALUE_LIMIT:g} — rescale the data.")
    if X.shape[1] == 2 and not np.all(np.abs(y) == 1):
        bad = y[np.abs(y) != 1][0]
        return None, None, (f"2-D data needs labels -1 or +1, but a label is {bad:g}; "
                            "map the classes to ±1.")
    return X, y, None


def _put_varint(out: bytearray, v: int) -> None:
    v = (v << 1) ^ (v >> 63)          # zigzag: small magnitudes -> small codes
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise ValueError("truncated")
        self.pos += 1
        return self.data[self.pos - 1]

    def uvarint(self) -> int:
        v = shift = 0
        while True:
            b = self.byte()
            v |= (b & 0x7F) << shift
            if not b & 0x80:
                return v
            shift += 7
            if shift > 63:
                raise ValueError("varint too long")

    def varint(self) -> int:
        u = self.uvarint()
        return (u >> 1) ^ -(u & 1)

    def take(self, k: int) -> bytes:
        if self.pos + k > len(self.data):
            raise ValueError("truncated")
        self.pos += k
        return self.data[self.pos - k:self.pos]


def encode_data(X, y, bias: bool) -> tuple[str | None, str | None]:
    """The URL token of a data set: ``(token, None)``, or ``(None, message)`` if it cannot be shared.

    ``X`` is (n,) or (n, 1) for 1-D regression, (n, 2) for 2-D classification (y = ±1); n may be 0.
    Values are rounded to ``DECIMALS`` decimals.  Past ``MAX_POINTS`` points or
    ``MAX_TOKEN_CHARS`` characters the message says to download the data as CSV instead.
    """
    X, y, err = _check_dataset(X, y)
    if err:
        return None, err + " It cannot be put in the link; download it as CSV instead."
    n, d = X.shape
    bits = n > 0 and bool(np.all(np.abs(y) == 1))
    out = bytearray([(d - 1) | (2 if bias else 0) | (4 if bits else 0)])
    v = n
    while True:                               # unsigned varint for n
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            break
    for q in _quantise(X).reshape(-1).tolist():
        _put_varint(out, q)
    if bits:
        out += np.packbits(y > 0).tobytes()
    else:
        for q in _quantise(y).tolist():
            _put_varint(out, q)
    token = PREFIX + base64.urlsafe_b64encode(zlib.compress(bytes(out), 9)).rstrip(b"=").decode("ascii")
    if len(token) > MAX_TOKEN_CHARS:
        return None, (f"the data set ({n} points) needs a link of {len(token)} characters, more than the "
                      f"{MAX_TOKEN_CHARS} allowed; download it as CSV instead.")
    return token, None


def decode_data(token) -> tuple[Dataset | None, str | None]:
    """The data set of a URL token: ``(Dataset, None)`` or ``(None, message)``; never raises."""
    where = f"the link's {DATA_KEY}= value"
    if not isinstance(token, str) or not token:
        return None, f"{where} is empty; the drawn data set was kept."
    if len(token) > MAX_TOKEN_CHARS:
        return None, (f"{where} has {len(token)} characters, more than {MAX_TOKEN_CHARS}; "
                      "it was ignored (share large data sets as CSV).")
    if not token.startswith(PREFIX):
        head = token.split(".", 1)[0][:10]
        if head.startswith("v") and head[1:].isdigit():
            return None, (f"{where} uses format {head!r}, but this app reads only {PREFIX[:-1]!r}; "
                          "open the link in the app version that made it.")
        return None, f"{where} ({token[:16]!r}…) is not a data token; it should start with {PREFIX!r}."
    body = token[len(PREFIX):]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        z = zlib.decompressobj()
        payload = z.decompress(raw, MAX_PAYLOAD_BYTES)
        if z.unconsumed_tail:
            return None, f"{where} decompresses to more than {MAX_PAYLOAD_BYTES} bytes; it was ignored."
        if not z.eof:
            raise ValueError("truncated")
    except (binascii.Error, ValueError, zlib.error):
        return None, f"{where} is damaged (cut short or mistyped?); copy the whole link again."
    try:
        r = _Reader(payload)
        flags = r.byte()
        if flags & ~0b111:
            raise ValueError("flags")
        d = (flags & 1) + 1
        bias, bits = bool(flags & 2), bool(flags & 4)
        n = r.uvarint()
        if n > MAX_POINTS:
            return None, f"{where} holds {n} points, more than {MAX_POINTS}; it was ignored."
        X = np.array([r.varint() for _ in range(n * d)], dtype=np.int64).reshape(n, d) / SCALE
        if bits:
            y = np.unpackbits(np.frombuffer(r.take((n + 7) // 8), dtype=np.uint8))[:n] * 2.0 - 1.0
        else:
            y = np.array([r.varint() for _ in range(n)], dtype=np.int64) / SCALE
        if r.pos != len(payload):
            raise ValueError("trailing bytes")
    except ValueError:
        return None, f"{where} is damaged (its contents do not parse); copy the whole link again."
    X, y, err = _check_dataset(X, y)
    if err:
        return None, f"{where}: {err}"
    return Dataset(X, y, bias), None


# ============================================================================ 2. settings in the URL
#
# One table, SETTINGS, holds every control a link carries: its range as the widget shows it (a
# slider's ends and step, a select_slider's values, a selectbox's options), its default on the
# page, and the page it belongs to.  lab.state builds the widgets from it and parse_setting clamps
# a link's value to it, so a message about a link always quotes the value the widget then shows.
# The core's own limits (cvxcore.PARAMS) are wider; the widgets' ranges lie inside them.

def _grid(lo_exp: float, hi_exp: float, num: int) -> tuple[float, ...]:
    """A log-spaced grid, 3 significant digits (what a select_slider shows)."""
    return tuple(float(f"{v:.3g}") for v in np.logspace(lo_exp, hi_exp, num))


BETA_GRID = _grid(-3, 3, 61)            # β: 0.001 … 1000; a slider stops at the data's β_max
LR_GRID = _grid(-4, 0, 25)              # learning rate: 0.0001 … 1
BATCH_SIZES = (0, 1, 2, 5, 10, 25, 50, 100, 200)   # 0: full batch (gradient descent)
CNN_BETAS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)


def _fmt(v) -> str:
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

    def range_text(self) -> str:
        if self.grid is not None:
            shown = [self.labels.get(g, _fmt(g)) if self.labels else _fmt(g) for g in self.grid]
            if len(shown) <= 10:
                return "one of " + ", ".join(shown)
            return f"{shown[0]} to {shown[-1]} on the slider's grid"
        return f"{_fmt(self.lo)} to {_fmt(self.hi)}" + (f" in steps of {_fmt(self.step)}" if self.step else "")

    def nearest(self, v: float):
        """The value the widget shows for v (v finite; > 0 when ``log``)."""
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


def _n(name, lo, hi, default, page=None, **kw):
    return Number(name, lo, hi, default, integer=True, page=page, **kw)


def _g(name, grid, default, page=None, log=True, **kw):
    return Number(name, min(grid), max(grid), default, grid=tuple(grid), log=log, page=page,
                  integer=all(isinstance(g, int) for g in grid), **kw)


_SEED_MAX = 10_000                       # the page-level seeds (the SGD seed takes any 31-bit value)
_GEO_Y = Number("geo_y", -2.0, 2.0, 0.0, step=0.05, page="geometry")

SETTINGS: dict[str, Any] = {s.name: s for s in [
    Choice("page", PAGES, "data", help="the page shown"),
    # shared by the Convex and SGD pages (lab.state builds these widgets)
    _g("beta", BETA_GRID, 0.1, lo_open=True, help=PARAMS["beta"].help),
    _n("m", 1, 200, 8, help=PARAMS["m"].help),
    Choice("loss", LOSSES, LOSSES[0], help="loss of (2)"),
    _g("lr", LR_GRID, 0.01, lo_open=True, help=PARAMS["lr"].help),
    _n("steps", 100, 20_000, 2000, step=100, help=PARAMS["steps"].help),
    _n("trials", 1, 20, 5, help=PARAMS["trials"].help),
    _g("batch", BATCH_SIZES, 0, log=False, labels={0: "0 (full batch)"},
       help="SGD batch size; 0 = full-batch gradient descent (cvxcore batch_size=None)"),
    _n("seed", 0, PARAMS["seed"].hi, 0, help=PARAMS["seed"].help),
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
    _n("cnn_n", 10, 120, 40, step=2, page="convolution", help="signals n"),
    _n("cnn_L", 8, 32, 16, page="convolution", help="signal length L"),
    Number("cnn_noise", 0.0, 1.0, 0.3, step=0.05, page="convolution", help="signal noise"),
    _n("cnn_seed", 0, _SEED_MAX, 0, page="convolution", help="seed of the signals"),
    _g("lin_beta", CNN_BETAS, 1.0, page="convolution", help="weight decay β of (9)"),
    _n("lin_h", 1, 32, 4, page="convolution", hi_from="cnn_L", help="filter size h (at most L)"),
    _n("lin_stride", 1, 32, 2, page="convolution", hi_from="cnn_L", help="stride (at most L)"),
    _n("lin_m", 1, 8, 4, page="convolution", help="filters m of GD"),
    _g("lin_steps", (2000, 5000, 10000, 20000, 40000), 20000, log=False, page="convolution", help="GD steps"),
    _g("circ_beta", CNN_BETAS, 10.0, page="convolution", help="weight decay β of (13)"),
    _n("circ_h", 1, 32, 16, page="convolution", hi_from="cnn_L", help="filter taps h (at most L; default L)"),
    _n("circ_m", 1, 4, 2, page="convolution", help="filters m of GD"),
    _g("circ_steps", (1000, 2000, 4000, 8000, 16000), 8000, log=False, page="convolution", help="GD steps"),
    _g("sep_beta", (0.03, 0.1, 0.3, 1.0), 0.1, page="convolution", help="weight decay β of the separable CNN"),
    _n("sep_n", 2, 5, 4, page="convolution", help="signals of the separable CNN"),
    _n("sep_seed", 0, _SEED_MAX, 0, page="convolution", help="seed of the separable CNN's signals"),
    # Higher-dimensions page
    _g("hd_beta", (0.01, 0.03, 0.1, 0.3, 1.0), 0.1, page="higher_dims", help="weight decay β"),
    _n("hd_m", 4, 24, 4, page="higher_dims", help="width m of SGD (and patterns per scheme)"),
    _n("hd_trials", 1, 10, 3, page="higher_dims", help="trials (random initialisations)"),
    _g("hd_steps", (1000, 2000, 4000, 8000), 2000, log=False, page="higher_dims", help="SGD steps"),
    _n("hd_seed", 0, _SEED_MAX, 0, page="higher_dims", help="seed of the images and the starts"),
    # the lesson (app_pages/lesson.py clamps it to the lesson's length)
    _n("step", 1, 50, 1, page="lesson", help="the step of the lesson page"),
]}


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def defaults() -> dict:
    """Every setting at its default."""
    return {k: s.default for k, s in SETTINGS.items()}


def names_for(page: str | None) -> tuple[str, ...]:
    """The settings a link to ``page`` carries: the shared ones and that page's own."""
    return tuple(k for k, s in SETTINGS.items() if s.page is None or s.page == page)


def _raw(query: Mapping, key: str):
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
    if spec.lo_open and v <= 0:
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
        return applied, (f"{what}={shown!r} in the link is outside the slider's range "
                         f"({spec.range_text()}); clamped to {name}={_fmt(applied)}.")
    return applied, (f"{what}={shown!r} in the link is not on the slider ({spec.range_text()}); "
                     f"using the nearest, {name}={_fmt(applied)}.")


def parse_setting(name: str, raw) -> tuple[Any, str | None]:
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
        return text.replace(";", "\n"), None
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
            raw = _raw(query, name)
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
            raw = _raw(query, name)
        except Exception:
            raw = None
        out[name] = limit
        if raw is not None:                    # (absent: the page's default, narrowed silently)
            msgs = [m for m in msgs if not m.startswith(f"{name}=")]
            msgs.append(f"{name}={str(raw).strip()[:40]!r} in the link is more than {spec.hi_from} = {limit}; "
                        f"using {name}={limit}.")
    return out, msgs


def format_setting(name: str, value) -> str:
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


def format_setting_item(spec: Number, value) -> str:
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
        raw = _raw(query, DATA_KEY)
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


# ============================================================================ 3. CSV import / export

_HEADERS = {1: ("x", "y"), 2: ("x1", "x2", "label")}
_ALIASES = {"y": "label"}                     # 2-D files may call the label column y


def _fail(msg: str) -> tuple[None, str]:
    return None, msg + " The current data set was kept."


def _decode_text(raw: bytes) -> tuple[str | None, str | None]:
    if raw.startswith(b"PK\x03\x04"):
        return None, ("the file is a zip archive (an Excel .xlsx workbook?), not CSV text; "
                      "in the spreadsheet use Save As ▸ 'CSV UTF-8 (comma delimited)'.")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, ("the file is UTF-16 text; save it as 'CSV UTF-8' (in Excel: Save As ▸ "
                      "'CSV UTF-8 (comma delimited)').")
    if b"\x00" in raw[:4096]:
        return None, "the file contains binary data (NUL bytes), not CSV text; upload a .csv text file."
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        return None, (f"the file is not UTF-8 text (byte 0x{raw[e.start]:02x} on line {line}); "
                      "save it with UTF-8 encoding (in Excel: Save As ▸ 'CSV UTF-8').")


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def read_csv(raw, *, max_bytes: int = MAX_CSV_BYTES, max_rows: int = MAX_POINTS
             ) -> tuple[Dataset | None, str | None]:
    """A data set from CSV bytes (or str): ``(Dataset, None)`` or ``(None, message)``; never raises.

    The format is ``CSV_FORMAT``.  Every malformed file gets one message naming the line, the
    column, the value and the fix: empty file, too large, not UTF-8 (or a spreadsheet/binary
    file), missing or wrong header, wrong number of values on a line, text or an empty cell
    where a number belongs, NaN/inf, a value out of range, too many rows, no data rows, labels
    other than ±1 for 2-D.  The returned Dataset has ``bias=None`` (keep the current toggle);
    values are rounded to ``DECIMALS`` decimals.  The caller keeps its data on a message.
    """
    if raw is None:
        return _fail("No file was given.")
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    try:
        raw = bytes(raw)
    except TypeError:
        return _fail("The upload could not be read as bytes; upload a .csv file.")
    if len(raw) == 0:
        return _fail("The file is empty (0 bytes); " + "upload a CSV with a header line x,y or x1,x2,label.")
    if len(raw) > max_bytes:
        return _fail(f"The file is {len(raw) / 1000:.0f} KB, more than the {max_bytes / 1000:.0f} KB limit; "
                     f"upload at most {max_rows} rows.")
    text, err = _decode_text(raw)
    if err:
        return _fail("Cannot read the file: " + err)
    lines = [(k, ln) for k, ln in enumerate(text.splitlines(), 1)
             if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        return _fail("The file has no data (only blank or '#' lines); "
                     "upload a CSV with a header line x,y or x1,x2,label.")
    k0, head = lines[0]
    delim = ","
    if "," not in head:
        delim = ";" if ";" in head else "\t" if "\t" in head else ","
    try:
        rows = list(csv.reader((ln for _, ln in lines), delimiter=delim, skipinitialspace=True))
    except csv.Error as e:
        return _fail(f"The file is not valid CSV ({e}); save it again as CSV.")
    names = [c.strip().lower() for c in rows[0]]
    expected = "x,y (1-D regression) or x1,x2,label (2-D classification, labels ±1)"
    if all(_is_number(c) for c in names if c) and any(names):
        return _fail(f"Line {k0} ({head.strip()[:40]!r}) holds numbers, not a header; add the header "
                     f"line {expected} as the first line.")
    d = 2 if {"x1", "x2"} & set(names) else 1
    canon = [_ALIASES.get(c, c) if d == 2 else c for c in names]
    dup = sorted({c for c in canon if c and canon.count(c) > 1})
    if dup:
        return _fail(f"The header names column {dup[0]!r} twice (or both y and label); name each column "
                     f"once: {expected}.")
    want = _HEADERS[d]
    missing = [c for c in want if c not in canon]
    extra = [c for c, cc in zip(names, canon) if cc not in want]
    if missing or extra:
        got = ",".join(c if c else "<blank>" for c in names)
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected {', '.join(repr(c) if c else '<blank>' for c in extra)}")
        return _fail(f"The header is {got!r} ({'; '.join(parts)}); the columns must be {expected}"
                     + (" — delete the extra columns (an index column from a spreadsheet or pandas?)"
                        if extra and not missing else "") + ".")
    col = {c: canon.index(c) for c in want}
    data = rows[1:]
    if not data:
        return _fail(f"The file has the header but no data rows; add one point per line under "
                     f"{','.join(want)}.")
    if len(data) > max_rows:
        return _fail(f"The file has {len(data)} data rows; at most {max_rows} are allowed — "
                     "remove rows or sample a subset.")
    vals = np.empty((len(data), len(want)))
    for i, row in enumerate(data):
        k = lines[i + 1][0]
        if len(row) != len(names):
            return _fail(f"Line {k} has {len(row)} value{'s' if len(row) != 1 else ''} but the header has "
                         f"{len(names)} columns ({','.join(names)}); give every line exactly "
                         f"{len(names)} values separated by {'a comma' if delim == ',' else repr(delim)}.")
        for j, c in enumerate(want):
            cell = row[col[c]].strip()
            if not cell:
                return _fail(f"Line {k}, column {c}: the cell is empty; fill in a number or delete the line.")
            try:
                v = float(cell)
            except ValueError:
                hint = (" (use a decimal point, not a comma)" if "," in cell and _is_number(cell.replace(",", "."))
                        else "")
                return _fail(f"Line {k}, column {c}: {cell[:30]!r} is not a number{hint}; "
                             "write a plain number such as 0.25.")
            if not math.isfinite(v):
                return _fail(f"Line {k}, column {c}: {cell!r} is not a finite number; "
                             "replace it with a number or delete the line.")
            if abs(v) > VALUE_LIMIT:
                return _fail(f"Line {k}, column {c}: {cell!r} is outside ±{VALUE_LIMIT:g}; rescale the data.")
            vals[i, j] = v
    X, y = vals[:, :d], vals[:, d]
    if d == 2:
        bad = np.flatnonzero(np.abs(y) != 1)
        if bad.size:
            k = lines[bad[0] + 1][0]
            hint = (" — looks like 0/1 classes: write -1 for class 0" if set(np.unique(y)) <= {0.0, 1.0}
                    else "")
            return _fail(f"Line {k}, column label: {y[bad[0]]:g} is not -1 or +1{hint}; "
                         "2-D data needs labels -1 or +1.")
    X = _quantise(X) / SCALE
    y = y if d == 2 else _quantise(y) / SCALE
    return Dataset(X, y, None), None


def _num(v: float) -> str:
    s = f"{v:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def to_csv(dataset: Dataset) -> str:
    """The data set as CSV text in ``CSV_FORMAT`` (``read_csv(to_csv(ds))`` gives ``ds`` back,
    up to the bias flag, which is not part of the file)."""
    X = np.asarray(dataset.X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    y = np.asarray(dataset.y, dtype=float).reshape(-1)
    d = X.shape[1]
    lines = [",".join(_HEADERS[d])]
    for row, t in zip(X, y):
        last = str(int(t)) if d == 2 else _num(t)
        lines.append(",".join([_num(v) for v in row] + [last]))
    return "\n".join(lines) + "\n"


# ============================================================================ 4. solution / trace export

def _jsonable(a):
    """Nested lists of floats; NaN/inf become None (strict JSON has no NaN)."""
    if isinstance(a, np.ndarray):
        return _jsonable(a.tolist())
    if isinstance(a, (list, tuple)):
        return [_jsonable(v) for v in a]
    if isinstance(a, (bool, np.bool_)):
        return bool(a)
    if isinstance(a, (int, np.integer)):
        return int(a)
    if isinstance(a, (float, np.floating)):
        return float(a) if math.isfinite(a) else None
    if isinstance(a, Mapping):
        return {str(k): _jsonable(v) for k, v in a.items()}
    return a if a is None or isinstance(a, str) else str(a)


def solution_json(result, *, settings: Mapping | None = None, dataset: Dataset | None = None) -> str:
    """A convex solution (a :class:`cvxcore.ConvexResult`) as strict JSON text.

    Keys: ``format``, ``value`` (p*), ``U`` (m* rows of d weights, bias weight last when the bias
    is on), ``alpha``, ``m_star``, ``gap``, ``rel_gap``, ``lower_bound``, ``status``,
    ``exact_patterns``, ``n_patterns``, ``loss``, ``beta``, ``method``, ``seconds``, and when given
    ``settings`` and ``data`` ({X, y, bias, token}).  Non-finite numbers are written as null.
    """
    g = lambda name, default=None: getattr(result, name, default)   # noqa: E731
    value, gap = g("value"), g("gap")
    out = {
        "format": f"convex-relu-lab solution v{FORMAT_VERSION}",
        "value": value, "U": np.asarray(g("U", [])), "alpha": np.asarray(g("alpha", [])),
        "m_star": g("m_star"), "gap": gap,
        "rel_gap": (gap / max(abs(value), 1e-300)) if value is not None and gap is not None else None,
        "lower_bound": g("lower_bound"), "status": g("status"), "exact_patterns": g("exact_patterns"),
        "n_patterns": g("n_patterns"), "loss": g("loss"), "beta": g("beta"), "method": g("method"),
        "seconds": g("seconds"),
    }
    if settings is not None:
        out["settings"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in settings.items()}
    if dataset is not None:
        tok, _ = encode_data(dataset.X, dataset.y, bool(dataset.bias))
        out["data"] = {"X": np.asarray(dataset.X), "y": np.asarray(dataset.y), "bias": dataset.bias,
                       "token": tok}
    return json.dumps(_jsonable(out), indent=1, allow_nan=False)


def sgd_csv(result, *, p_star: float | None = None) -> str:
    """SGD objective traces as CSV: ``step,trial_1,…,trial_T[,p_star]``, one line per record.

    ``result`` is a :class:`cvxcore.SGDResult` (or anything with ``objectives (trials, T)``
    and ``steps (T,)``).  A diverged trial's cells are empty from its divergence on.
    """
    hist = result.history() if hasattr(result, "history") else np.asarray(result.objectives, dtype=float)
    hist = np.atleast_2d(np.asarray(hist, dtype=float))
    steps = np.asarray(result.steps).reshape(-1)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    head = ["step"] + [f"trial_{t + 1}" for t in range(hist.shape[0])]
    if p_star is not None:
        head.append("p_star")
    w.writerow(head)
    for j, s in enumerate(steps):
        row = [int(s)] + [repr(float(v)) if math.isfinite(v) else "" for v in hist[:, j]]
        if p_star is not None:
            row.append(repr(float(p_star)))
        w.writerow(row)
    return buf.getvalue()
