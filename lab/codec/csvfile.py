"""CSV import and export of the data set (part 3; ``CSV_FORMAT``)."""
from __future__ import annotations

import csv
import math

import numpy as np

from .base import DECIMALS, MAX_CSV_BYTES, MAX_POINTS, SCALE, VALUE_LIMIT, Dataset
from .token import _quantise

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


def read_csv(raw: bytes | str, *, max_bytes: int = MAX_CSV_BYTES, max_rows: int = MAX_POINTS
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
    if err or text is None:
        return _fail(f"Cannot read the file: {err}")
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
