"""Share, save and load: the URL codec, CSV import/export, solution and trace export.

One module per format — :mod:`.token` (1), :mod:`.settings` (2), :mod:`.csvfile` (3),
:mod:`.export` (4) — over :mod:`.base` (the limits and :class:`Dataset`); everything public
is importable from ``lab.codec``.

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
   numbers: full precision would cost ~11 URL characters per coordinate, and 1,000 points would
   not fit in ``MAX_TOKEN_CHARS`` (at 3 decimals they take ~5,100 characters).
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
from .base import (  # noqa: F401
    CSV_FORMAT,
    DATA_KEY,
    DECIMALS,
    FORMAT_VERSION,
    MAX_CSV_BYTES,
    MAX_PAYLOAD_BYTES,
    MAX_POINTS,
    MAX_TOKEN_CHARS,
    OPTIMIZERS,
    PAGES,
    PREFIX,
    SCALE,
    VALUE_LIMIT,
    Dataset,
)
from .csvfile import read_csv, to_csv  # noqa: F401
from .export import sgd_csv, solution_json  # noqa: F401
from .settings import (  # noqa: F401
    AUTO_LR,
    BATCH_SIZES,
    BETA_GRID,
    CNN_BETAS,
    CNN_LRS,
    FULL_BATCH,
    LR_GRID,
    SETTINGS,
    Choice,
    Flag,
    Names,
    Number,
    Numbers,
    Text,
    decode_query,
    decode_settings,
    defaults,
    encode_query,
    encode_settings,
    format_setting,
    format_setting_item,
    names_for,
    parse_setting,
    query_value,
    share_url,
)
from .token import at_link_precision, decode_data, encode_data  # noqa: F401
