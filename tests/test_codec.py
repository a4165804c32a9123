"""lab.codec and lab.classroom: URL round-trips, query garbage, every malformed CSV, exports.

Pure tests (no Streamlit server).  Each test can fail: round-trips compare exact arrays and
exact tokens; malformed inputs must produce a message naming the problem and no data.
"""
from __future__ import annotations

import base64
import csv
import io
import json
import zlib
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as hs

from cvxcore import PARAMS
from cvxcore.params import check_scalar
from lab import classroom, codec
from lab.codec import Dataset
from lab.lesson_steps import N_STEPS

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def q3(a):
    return np.round(np.asarray(a, dtype=float) * 1000) / 1000


# ============================================================================ data token

@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("kind", ["1d", "2d"])
@pytest.mark.parametrize("bias", [True, False])
def test_data_token_round_trip_exact_at_app_precision(seed, kind, bias):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 80))
    if kind == "1d":
        X, y = rng.uniform(-4, 4, (n, 1)), rng.normal(size=n) * 3
    else:
        X, y = rng.uniform(-4, 4, (n, 2)), np.where(rng.random(n) < 0.5, -1.0, 1.0)
    tok, err = codec.encode_data(X, y, bias)
    assert err is None and tok.startswith("v1.")
    assert set(tok[3:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    ds, err = codec.decode_data(tok)
    assert err is None
    assert ds.X.shape == (n, X.shape[1]) and ds.y.shape == (n,) and ds.bias is bias
    np.testing.assert_array_equal(ds.X, q3(X))
    np.testing.assert_array_equal(ds.y, q3(y))
    assert codec.encode_data(ds.X, ds.y, ds.bias)[0] == tok          # idempotent


def test_data_token_1d_accepts_flat_x_and_real_targets_that_happen_to_be_pm1():
    tok, _ = codec.encode_data([-2, -1, 0, 1, 2], [1, -1, 1, 1, -1], True)     # the paper's Figure 2 set
    ds, err = codec.decode_data(tok)
    assert err is None and ds.d == 1 and ds.n == 5
    np.testing.assert_array_equal(ds.y, [1, -1, 1, 1, -1])


def test_data_token_values_at_the_edges_round_trip():
    X = np.array([[codec.VALUE_LIMIT, -codec.VALUE_LIMIT], [0.0005, -0.0005], [-0.0, 1e-9]])
    tok, err = codec.encode_data(X, [1, -1, 1], False)
    assert err is None
    ds, _ = codec.decode_data(tok)
    np.testing.assert_array_equal(ds.X, q3(X))


def test_data_token_is_compact():
    rng = np.random.default_rng(1)
    tok, _ = codec.encode_data(rng.uniform(-3, 3, (60, 2)), np.ones(60), True)
    assert len(tok) < 60 * 9
    tok, _ = codec.encode_data(rng.uniform(-3, 3, (codec.MAX_POINTS, 2)), np.ones(codec.MAX_POINTS), True)
    assert tok is not None and len(tok) <= codec.MAX_TOKEN_CHARS


@pytest.mark.parametrize("X,y,needle", [
    (np.zeros((codec.MAX_POINTS + 1, 1)), np.zeros(codec.MAX_POINTS + 1), "at most"),
    ([[0.0, np.nan]], [1], "NaN"),
    ([[1e5]], [0], "rescale"),
    ([[0.0, 1.0]], [0.5], "±1"),
    (np.zeros((3, 3)), np.zeros(3), "shape"),
    ([[0.0]], [1, 2], "one target per point"),
])
def test_encode_refuses_unshareable_data_with_a_message(X, y, needle):
    tok, err = codec.encode_data(X, y, False)
    assert tok is None and needle in err and "CSV" in err


def test_encode_past_the_length_bound_says_download_csv(monkeypatch):
    monkeypatch.setattr(codec.token, "MAX_TOKEN_CHARS", 50)
    tok, err = codec.encode_data(np.linspace(-3, 3, 40)[:, None], np.sin(np.arange(40)), True)
    assert tok is None and "characters" in err and "CSV" in err


def _token(payload: bytes) -> str:
    return "v1." + base64.urlsafe_b64encode(zlib.compress(payload)).rstrip(b"=").decode()


@pytest.mark.parametrize("token,needle", [
    ("", "empty"),
    (None, "empty"),
    (12, "empty"),
    ("hello", "not a data token"),
    ("v2.AAAA", "format 'v2'"),
    ("v1.", "damaged"),
    ("v1.!!!!", "damaged"),
    ("v1.eNoB", "damaged"),                                  # truncated zlib stream
    ("v1." + "A" * (codec.MAX_TOKEN_CHARS + 1), "characters"),
    (_token(b""), "damaged"),                                # no flags byte
    (_token(bytes([0xF0, 0])), "damaged"),                   # unknown flag bits
    (_token(bytes([0, 3, 2])), "damaged"),                   # n = 3 but one coordinate
    (_token(bytes([0, 0, 7])), "damaged"),                   # trailing bytes
    (_token(bytes([0, 0xE9, 0x07])), "more than"),           # n = 1001 > MAX_POINTS
    (_token(bytes([1, 1, 0, 0, 4])), "±1"),                  # 2-D point with real target 0.002
    (_token(bytes([0]) + b"\xff" * 12), "damaged"),          # endless varint
])
def test_decode_garbage_tokens_gives_a_message_never_an_exception(token, needle):
    ds, err = codec.decode_data(token)
    assert ds is None and needle in err


def test_decode_refuses_a_zip_bomb_cheaply():
    bomb = "v1." + base64.urlsafe_b64encode(zlib.compress(b"\x00" * (10 * codec.MAX_PAYLOAD_BYTES))).decode()
    assert len(bomb) < codec.MAX_TOKEN_CHARS
    ds, err = codec.decode_data(bomb.rstrip("="))
    assert ds is None and "more than" in err


_GOOD_TOKEN = codec.encode_data(np.random.default_rng(7).uniform(-3, 3, (20, 2)), np.ones(20), True)[0]


def _decoded_or_message(token: str) -> None:
    ds, err = codec.decode_data(token)        # never raises: a data set or a message
    assert (ds is None) != (err is None)
    assert err is None or (isinstance(err, str) and err)
    assert ds is None or (ds.X.ndim == 2 and ds.X.shape[0] == ds.y.shape[0])


@FUZZ
@given(edits=hs.lists(hs.tuples(hs.integers(3, len(_GOOD_TOKEN) - 1), hs.sampled_from("Aa0-_=.~/+")),
                      min_size=1, max_size=3),
       cut=hs.integers(0, len(_GOOD_TOKEN)))
def test_a_damaged_or_cut_token_gives_a_data_set_or_a_message(edits, cut):
    t = list(_GOOD_TOKEN)
    for i, ch in edits:
        t[i] = ch
    _decoded_or_message("".join(t))
    _decoded_or_message(_GOOD_TOKEN[:cut])


@FUZZ
@given(hs.text(max_size=200) | hs.builds(lambda b: "v1." + base64.urlsafe_b64encode(b).decode().rstrip("="),
                                          hs.binary(max_size=120)))
def test_any_text_as_a_token_gives_a_data_set_or_a_message(token):
    _decoded_or_message(token)


@FUZZ
@given(hs.builds(lambda p: "v1." + base64.urlsafe_b64encode(zlib.compress(p)).decode().rstrip("="),
                 hs.binary(max_size=200)))
def test_any_payload_gives_a_data_set_or_a_message(token):
    """Well-formed compression around any payload: the decoder's own checks decide."""
    _decoded_or_message(token)


# ============================================================================ settings

def test_settings_table_holds_the_widgets_ranges_inside_the_cores():
    """The table is the widgets' (the SGD page's m slider stops at 200, β's grid at 10); every value
    a widget can show is one the core accepts (cvxcore.PARAMS)."""
    S = codec.SETTINGS
    assert (S["m"].lo, S["m"].hi, S["m"].default) == (1, 200, 8)
    assert S["beta"].grid[0] == 0.001 and S["beta"].grid[-1] == 1000.0 and S["beta"].default == 0.1
    assert S["batch"].grid == (0, 1, 2, 5, 10, 25, 50, 100, 200)
    for k in ("beta", "m", "lr", "steps", "trials", "seed"):
        p = PARAMS[k]
        assert p.lo <= S[k].lo and S[k].hi <= p.hi and S[k].lo <= S[k].default <= S[k].hi, k
    d = codec.defaults()
    assert d["loss"] == "squared" and d["classroom"] is False and d["hide"] is None
    assert {s.page for s in S.values()} <= set(codec.PAGES) | {None}


def _shown_values(spec: codec.Number) -> list[float]:
    """Every value a control can show (a grid's values; a slider's ends, default and steps)."""
    if spec.grid is not None:
        return list(spec.grid)
    vals = {spec.lo, spec.hi, spec.default}
    if spec.step:
        vals |= {spec.nearest(spec.lo + k * spec.step) for k in range(int((spec.hi - spec.lo) / spec.step) + 1)}
    return sorted(vals)


def test_every_control_of_a_core_parameter_shows_only_values_the_core_accepts():
    """A number of SETTINGS that names a cvxcore.PARAMS entry takes its kind (whole, log scale,
    > 0) from it, and the core's own check accepts every value the widget can show."""
    cores = [s for s in codec.SETTINGS.values() if isinstance(s, codec.Number) and s.core]
    assert {"beta", "m", "lr", "steps", "trials", "seed"} <= {s.name for s in cores}
    for spec in cores:
        p = PARAMS[spec.core]
        assert (spec.integer, spec.log, spec.lo_open) == (p.integer, p.log, p.lo_open), spec.name
        for v in _shown_values(spec):
            assert check_scalar(spec.core, v) == v, (spec.name, v)


def test_the_lesson_step_ranges_over_the_lessons_own_steps():
    spec = codec.SETTINGS["step"]
    assert (spec.lo, spec.hi) == (1, N_STEPS)
    s, msgs = codec.decode_settings({"step": "99"})
    assert s["step"] == N_STEPS and f"steps 1 to {N_STEPS}" in msgs[0] and f"step={N_STEPS}." in msgs[0]


def _can_show(spec, value) -> bool:
    """True when a control built from ``spec`` can show ``value``."""
    if isinstance(spec, codec.Number):
        if spec.grid is not None:
            return value in spec.grid
        return spec.lo <= value <= spec.hi and spec.nearest(value) == value
    if isinstance(spec, codec.Numbers):
        return value is spec.default or (1 <= len(value) <= spec.max_len
                                         and all(_can_show(spec.item, v) for v in value))
    if isinstance(spec, codec.Choice):
        return value in spec.options
    if isinstance(spec, codec.Flag):
        return isinstance(value, bool)
    if isinstance(spec, codec.Names):
        return value is None or set(value) <= set(spec.options)
    return value is None or (isinstance(value, str) and len(value) <= spec.max_chars * 2)


_RAW = (hs.text(max_size=30) | hs.floats(allow_nan=True).map(repr) | hs.integers(-10**12, 10**12).map(str)
        | hs.lists(hs.floats(-5, 5).map(repr), max_size=5).map(",".join))


@FUZZ
@given(hs.dictionaries(hs.sampled_from(sorted(codec.SETTINGS)), _RAW, max_size=8))
@example({"geo_X": "0\x1e0"})                 # a line break only str.splitlines knows
@example({"geo_X": " 1, 2 ;3, 4 \r\n"})
def test_any_query_decodes_to_values_every_control_can_show(query):
    """decode_settings never raises; every value it returns is one its control can show, a
    message names each value it replaced, and writing the result back gives the same settings."""
    values, msgs = codec.decode_settings(query)
    for name, spec in codec.SETTINGS.items():
        assert _can_show(spec, values[name]), (name, values[name])
    assert all(any(m.startswith(f"{k}=") for k in query) for m in msgs)
    again, msgs2 = codec.decode_settings(codec.encode_settings(values))
    assert msgs2 == [] and {k: v for k, v in again.items() if k in codec.encode_settings(values)} == \
        {k: v for k, v in values.items() if k in codec.encode_settings(values)}


def test_settings_round_trip_and_explicit_values():
    assert codec.encode_settings({}) == {}
    q0 = codec.encode_settings(codec.defaults())          # defaults are written too (the app's may differ)
    assert q0["m"] == str(codec.SETTINGS["m"].default) and "classroom" not in q0 and "hide" not in q0
    assert codec.decode_settings(q0) == (codec.defaults(), [])
    s = dict(codec.defaults(), page="sgd", beta=0.0316, m=7, loss="hinge", lr=1e-3,
             steps=20000, trials=3, batch=10, seed=42, opt="adam", classroom=True, hide=("prose", "m"),
             geo_n=3, geo_X="1, 0, 0.2\n-0.5, 1, 0", geo_y=(0.6, -0.4, 1.0), cnn_view="circular", hd_m=10)
    q = codec.encode_settings(s)
    assert {"page", "beta", "m", "loss", "lr", "steps", "trials", "batch", "seed", "opt",
            "classroom", "hide", "geo_n", "geo_X", "geo_y", "cnn_view", "hd_m"} <= set(q)
    assert q["geo_X"] == "1, 0, 0.2;-0.5, 1, 0" and q["geo_y"] == "0.6,-0.4,1.0"
    assert all(isinstance(v, str) for v in q.values())
    back, msgs = codec.decode_settings(q)
    assert msgs == [] and back == dict(s, geo_X="1, 0, 0.2\n-0.5, 1, 0")


def test_settings_accept_lists_as_from_get_all():
    s, msgs = codec.decode_settings({"m": ["3", "9"], "loss": ["logistic"]})
    assert msgs == [] and s["m"] == 9 and s["loss"] == "logistic"


@pytest.mark.parametrize("key,raw,expect,needle", [
    ("beta", "abc", PARAMS["beta"].default, "not a finite number"),
    ("beta", "nan", PARAMS["beta"].default, "not a finite number"),
    ("beta", "inf", PARAMS["beta"].default, "not a finite number"),
    ("beta", "0", PARAMS["beta"].default, "must be > 0"),
    ("beta", "-1", PARAMS["beta"].default, "must be > 0"),
    ("beta", "1e9", 1000.0, "using the nearest, beta=1000."),
    ("beta", "0.25", 0.251, "using the nearest, beta=0.251."),
    ("m", "5000", 200, "clamped to m=200."),
    ("m", "0", 1, "clamped to m=1."),
    ("m", "2.5", 8, "whole number; using the default m=8"),
    ("m", "", 8, "not a finite number"),
    ("trials", "abc", 5, "using the default trials=5"),
    ("steps", "1e400", 2000, "not a finite number"),
    ("steps", "3040", 3000, "using the nearest, steps=3000."),
    ("seed", "-3", 0, "clamped"),
    ("batch", "99999", 200, "using the nearest, batch=200."),
    ("batch", "7", 5, "using the nearest, batch=5."),
    ("speed", "0", 100, "must be > 0; using the default speed=100."),      # found by hypothesis
    ("lin_beta", "-1", 1.0, "must be > 0"),
    ("hd_m", "100", 24, "clamped to hd_m=24."),
    ("lin_steps", "3000", 2000, "using the nearest, lin_steps=2000."),
    ("cnn_view", "fourier", "linear", "not one of"),
    ("geo_y", "0.6,9", (0.6, 2.0), "clamped to geo_y=2."),
    ("loss", "mse", "squared", "not one of"),
    ("page", "../../etc", "data", "not one of"),
    ("opt", "ADAM", "sgd", "not one of"),
    ("classroom", "maybe", False, "not 1 or 0"),
    ("hide", "prose,<script>", ("prose",), "unknown control"),
])
def test_query_garbage_falls_back_with_a_message(key, raw, expect, needle):
    s, msgs = codec.decode_settings({key: raw})
    assert s[key] == expect
    assert len(msgs) == 1 and needle in msgs[0] and key in msgs[0]
    others = {k: v for k, v in s.items() if k != key}
    assert others == {k: v for k, v in codec.defaults().items() if k != key}


def test_query_values_that_are_fine():
    s, msgs = codec.decode_settings({"beta": " 1e-2 ", "m": "1e2", "classroom": "TRUE", "hide": "",
                                     "unrelated_widget": "x", "data": "whatever"})
    assert msgs == [] and s["beta"] == 0.01 and s["m"] == 100 and s["classroom"] is True and s["hide"] == ()


def test_decode_settings_survives_a_hostile_mapping():
    class Bad(dict):
        def get(self, k, default=None):
            raise RuntimeError("boom")
    s, msgs = codec.decode_settings(Bad())
    assert s == codec.defaults()


def test_query_round_trip_with_data_and_share_url():
    ds = Dataset(np.array([[-1.0, 0.5], [2.0, -0.25]]), np.array([1.0, -1.0]), True)
    q = codec.encode_query(ds, dict(codec.defaults(), beta=0.501, loss="hinge"))
    assert q["beta"] == "0.501" and q["data"].startswith("v1.")
    back, s, msgs = codec.decode_query(q)
    assert msgs == [] and s["beta"] == 0.501 and s["loss"] == "hinge" and back.bias is True
    np.testing.assert_array_equal(back.X, ds.X)
    url = codec.share_url("http://127.0.0.1:8501/convex?old=1", ds, {"beta": 0.5})
    assert url.startswith("http://127.0.0.1:8501/convex?beta=0.5&data=v1.") and "old" not in url


def test_query_with_bad_data_keeps_settings_and_reports():
    ds, s, msgs = codec.decode_query({"data": "v1.zzz", "m": "3"})
    assert ds is None and s["m"] == 3 and len(msgs) == 1 and "data=" in msgs[0]
    ds, s, msgs = codec.decode_query({})
    assert ds is None and msgs == []


def test_too_large_data_is_left_out_of_the_query():
    big = Dataset(np.zeros((codec.MAX_POINTS + 1, 1)), np.zeros(codec.MAX_POINTS + 1), False)
    assert "data" not in codec.encode_query(big, {})


# ============================================================================ classroom

def test_classroom_hidden_sets():
    off = codec.defaults()
    assert classroom.hidden(off) == frozenset() and classroom.show("prose", off)
    assert "display: none" not in classroom.css(off) and "stMainBlockContainer" in classroom.css(off)   # layout only
    on = dict(off, classroom=True)
    assert classroom.hidden(on) == classroom.DEFAULT_HIDDEN
    assert not classroom.show("prose", on) and classroom.show("beta", on)
    assert "stSidebar" in classroom.css(on) and "stToolbar" in classroom.css(on)
    chosen = dict(on, hide=("m", "lr"))
    assert classroom.hidden(chosen) == {"m", "lr"} and classroom.show("prose", chosen)
    assert "stSidebar" not in classroom.css(chosen)
    assert classroom.hidden(dict(off, hide=("m",))) == frozenset()      # hide needs classroom=1
    with pytest.raises(KeyError):
        classroom.show("nonsense", on)


def test_classroom_round_trips_through_the_url():
    s = dict(codec.defaults(), classroom=True, hide=("prose", "beta"))
    back, msgs = codec.decode_settings(codec.encode_settings(s))
    assert msgs == [] and classroom.hidden(back) == {"prose", "beta"}
    assert "hide" not in codec.encode_settings(dict(codec.defaults(), hide=("prose",)))
    assert "classroom" not in codec.encode_settings({"classroom": False, "m": 3})


def test_every_scalar_control_name_is_a_setting():
    for name in classroom.CONTROLS:
        assert name in codec.SETTINGS or name in {"prose", "sidebar", "toolbar", "presets", "draw", "bias", "io"}


# ============================================================================ CSV import

def test_csv_1d_and_2d_read():
    ds, err = codec.read_csv(b"x,y\n-2,1\n-1,-1\n0,1\n1,1\n2,-1\n")
    assert err is None and ds.d == 1 and ds.bias is None
    np.testing.assert_array_equal(ds.X[:, 0], [-2, -1, 0, 1, 2])
    np.testing.assert_array_equal(ds.y, [1, -1, 1, 1, -1])
    ds, err = codec.read_csv(b"x1,x2,label\n0.5,0.5,1\n-0.5,0.5,-1\n")
    assert err is None and ds.d == 2 and ds.X.shape == (2, 2)
    np.testing.assert_array_equal(ds.y, [1, -1])


@pytest.mark.parametrize("text", [
    "\ufeffx,y\n1,2\n",                       # UTF-8 BOM (Excel's 'CSV UTF-8')
    "X , Y\r\n1 , 2\r\n",                     # case, spaces, CRLF
    "y,x\n2,1\n",                             # column order
    "# exported by me\n\nx,y\n\n1,2\n",       # comments and blank lines
    "x;y\n1;2\n",                             # semicolon (European Excel)
    "x\ty\n1\t2\n",                           # tab
    '"x","y"\n"1","2"\n',                     # quoted
])
def test_csv_tolerated_variants(text):
    ds, err = codec.read_csv(text.encode("utf-8"))
    assert err is None, err
    np.testing.assert_array_equal(ds.X, [[1.0]])
    np.testing.assert_array_equal(ds.y, [2.0])


def test_csv_2d_accepts_y_for_label_and_plus_sign():
    ds, err = codec.read_csv(b"x1,x2,y\n0,0,+1\n1,1,-1.0\n")
    assert err is None
    np.testing.assert_array_equal(ds.y, [1, -1])


def test_csv_values_are_rounded_to_app_precision():
    ds, _ = codec.read_csv(b"x,y\n0.12345,-9.87654\n")
    assert ds.X[0, 0] == 0.123 and ds.y[0] == -9.877


MALFORMED = {
    "empty file": (b"", "empty"),
    "only blank lines": (b"\n\n  \n", "no data"),
    "only comments": (b"# nothing\n", "no data"),
    "header only": (b"x,y\n", "no data rows"),
    "no header": (b"1,2\n3,4\n", "not a header"),
    "wrong columns": (b"a,b\n1,2\n", "missing x, y"),
    "missing column": (b"x1,x2\n1,2\n", "missing label"),
    "extra index column": (b",x,y\n0,1,2\n", "delete the extra columns"),
    "1-D with label": (b"x,label\n1,1\n", "missing y"),
    "duplicate column": (b"x,x,y\n1,2,3\n", "twice"),
    "y and label both": (b"x1,x2,y,label\n1,2,1,1\n", "twice"),
    "text in numbers": (b"x,y\n1,2\n3,abc\n", "'abc' is not a number"),
    "decimal comma": (b"x;y\n1,5;2\n", "decimal point"),
    "empty cell": (b"x,y\n1,\n", "empty"),
    "NaN": (b"x,y\n1,nan\n", "not a finite number"),
    "inf": (b"x1,x2,label\ninf,0,1\n", "not a finite number"),
    "huge value": (b"x,y\n1e9,0\n", "rescale"),
    "too few values": (b"x,y\n1,2\n3\n", "has 1 value"),
    "too many values": (b"x,y\n1,2,3\n", "has 3 values"),
    "labels not pm1": (b"x1,x2,label\n0,0,1\n1,1,2\n", "not -1 or +1"),
    "labels 0/1": (b"x1,x2,label\n0,0,1\n1,1,0\n", "write -1 for class 0"),
    "latin-1": ("x,y\n1,2\n# café\n".encode("latin-1"), "not UTF-8"),
    "utf-16": ("x,y\n1,2\n".encode("utf-16"), "UTF-16"),
    "xlsx": (b"PK\x03\x04" + b"\x00" * 100, "Excel"),
    "binary": (b"x,y\n\x00\x01\x02", "binary"),
    "too many rows": (("x,y\n" + "1,2\n" * (codec.MAX_POINTS + 1)).encode(), "at most"),
    "too many bytes": (b"x,y\n" + b"1,2\n" * (codec.MAX_CSV_BYTES // 4 + 1), "KB"),
    "None": (None, "No file"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_every_malformed_csv_gives_a_message_and_no_data(case):
    raw, needle = MALFORMED[case]
    ds, err = codec.read_csv(raw)
    assert ds is None
    assert needle.lower() in err.lower(), err
    assert err.endswith("The current data set was kept.")


def test_csv_message_names_line_and_column():
    _, err = codec.read_csv(b"x,y\n1,2\n\n# c\n3,oops\n")
    assert err.startswith("Line 5, column y: 'oops'")


def test_csv_caps_are_parameters():
    assert codec.read_csv(b"x,y\n1,2\n2,3\n", max_rows=1)[0] is None
    assert codec.read_csv(b"x,y\n1,2\n", max_bytes=5)[0] is None


_CSV_ALPHABET = [bytes([b]) for b in b"xy12,;\t\n\r -+.eE#\"label"] + [b"\x00", b"\xff", b"\xc3"]


@FUZZ
@given(hs.lists(hs.sampled_from(_CSV_ALPHABET), max_size=40).map(b"".join), hs.booleans())
def test_any_bytes_as_a_csv_file_give_a_data_set_or_a_message(raw, with_header):
    ds, err = codec.read_csv(b"x,y\n" + raw if with_header else raw)
    assert (ds is None) != (err is None)
    assert ds is None or (ds.X.shape[0] == ds.y.shape[0] <= codec.MAX_POINTS)


@FUZZ
@given(hs.binary(max_size=300))
def test_any_binary_file_gives_a_data_set_or_a_message(raw):
    ds, err = codec.read_csv(raw)
    assert (ds is None) != (err is None)


# ============================================================================ CSV export

@pytest.mark.parametrize("d", [1, 2])
def test_csv_export_round_trips(d):
    rng = np.random.default_rng(d)
    X = rng.uniform(-3, 3, (25, d))
    y = rng.normal(size=25) if d == 1 else np.where(rng.random(25) < 0.5, -1.0, 1.0)
    text = codec.to_csv(Dataset(X, y, True))
    assert text.splitlines()[0] == ("x,y" if d == 1 else "x1,x2,label")
    ds, err = codec.read_csv(text.encode())
    assert err is None
    np.testing.assert_array_equal(ds.X, q3(X))
    np.testing.assert_array_equal(ds.y, q3(y))
    assert codec.to_csv(ds) == text
    rows = list(csv.reader(io.StringIO(text)))          # plain CSV for other tools
    assert len(rows) == 26 and all(len(r) == d + 1 for r in rows)


def test_csv_export_empty_and_negative_zero():
    assert codec.to_csv(Dataset(np.zeros((0, 2)), np.zeros(0), False)) == "x1,x2,label\n"
    assert codec.to_csv(Dataset(np.array([[-0.0001]]), np.array([0.0]), False)) == "x,y\n0,0\n"


# ============================================================================ solution / traces

def test_solution_json_from_a_real_solve():
    from cvxcore import solve_convex, with_bias
    x, y = np.array([-2, -1, 0, 1, 2.0]), np.array([1, -1, 1, 1, -1.0])
    r = solve_convex(with_bias(x), y, beta=0.1)
    ds = Dataset(x[:, None], y, True)
    text = codec.solution_json(r, settings=dict(codec.defaults(), hide=("m",)), dataset=ds)
    obj = json.loads(text)                                  # strict JSON
    assert obj["value"] == pytest.approx(r.value) and obj["m_star"] == r.m_star
    assert np.array(obj["U"]).shape == (r.m_star, 2) and len(obj["alpha"]) == r.m_star
    assert obj["status"] == r.status and obj["settings"]["beta"] == PARAMS["beta"].default
    assert obj["settings"]["hide"] == ["m"]
    back, err = codec.decode_data(obj["data"]["token"])
    assert err is None and np.array_equal(back.X, ds.X)


def test_solution_json_writes_non_finite_as_null():
    r = SimpleNamespace(value=float("inf"), U=np.zeros((0, 2)), alpha=np.zeros(0), m_star=0,
                        gap=float("nan"), status="failed", lower_bound=-np.inf)
    obj = json.loads(codec.solution_json(r))
    assert obj["value"] is None and obj["gap"] is None and obj["U"] == [] and obj["status"] == "failed"


def test_sgd_csv_from_a_real_run_with_divergence():
    from cvxcore import with_bias
    from cvxcore.training import train_sgd
    x, y = np.array([-2, -1, 0, 1, 2.0]), np.array([1, -1, 1, 1, -1.0])
    res = train_sgd(with_bias(x), y, m=4, beta=0.1, lr=0.01, steps=50, trials=2, seed=0, record_every=10)
    text = codec.sgd_csv(res, p_star=0.5)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["step", "trial_1", "trial_2", "p_star"]
    assert [int(r[0]) for r in rows[1:]] == res.steps.tolist()
    np.testing.assert_array_equal(np.array([[float(v) for v in r[1:3]] for r in rows[1:]]).T, res.objectives)
    fake = SimpleNamespace(objectives=np.array([[3.0, np.inf, np.nan]]), steps=np.array([0, 1, 2]))
    assert codec.sgd_csv(fake).splitlines() == ["step,trial_1", "0,3.0", "1,", "2,"]
