"""The data set in the URL: ``?data=v1.…`` tokens (the package docstring, part 1)."""
from __future__ import annotations

import base64
import binascii
import zlib

import numpy as np
from numpy.typing import ArrayLike

from .base import DATA_KEY, MAX_PAYLOAD_BYTES, MAX_POINTS, MAX_TOKEN_CHARS, PREFIX, SCALE, VALUE_LIMIT, Dataset


def _quantise(a) -> np.ndarray:
    return np.round(np.asarray(a, dtype=float) * SCALE).astype(np.int64)


def at_link_precision(X: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
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


def _check_dataset(X: ArrayLike, y: ArrayLike) -> tuple[np.ndarray | None, np.ndarray | None, str | None]:
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


def encode_data(X: ArrayLike, y: ArrayLike, bias: bool) -> tuple[str | None, str | None]:
    """The URL token of a data set: ``(token, None)``, or ``(None, message)`` if it cannot be shared.

    ``X`` is (n,) or (n, 1) for 1-D regression, (n, 2) for 2-D classification (y = ±1); n may be 0.
    Values are rounded to ``DECIMALS`` decimals.  Past ``MAX_POINTS`` points or
    ``MAX_TOKEN_CHARS`` characters the message says to download the data as CSV instead.
    """
    Xc, yc, err = _check_dataset(X, y)
    if err or Xc is None or yc is None:
        return None, f"{err} It cannot be put in the link; download it as CSV instead."
    n, d = Xc.shape
    bits = n > 0 and bool(np.all(np.abs(yc) == 1))
    out = bytearray([(d - 1) | (2 if bias else 0) | (4 if bits else 0)])
    v = n
    while True:                               # unsigned varint for n
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            break
    for q in _quantise(Xc).reshape(-1).tolist():
        _put_varint(out, q)
    if bits:
        out += np.packbits(yc > 0).tobytes()
    else:
        for q in _quantise(yc).tolist():
            _put_varint(out, q)
    token = PREFIX + base64.urlsafe_b64encode(zlib.compress(bytes(out), 9)).rstrip(b"=").decode("ascii")
    if len(token) > MAX_TOKEN_CHARS:
        return None, (f"the data set ({n} points) needs a link of {len(token)} characters, more than the "
                      f"{MAX_TOKEN_CHARS} allowed; download it as CSV instead.")
    return token, None


def decode_data(token: object) -> tuple[Dataset | None, str | None]:
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
    Xc, yc, err = _check_dataset(X, y)
    if err or Xc is None or yc is None:
        return None, f"{where}: {err}"
    return Dataset(Xc, yc, bias), None
