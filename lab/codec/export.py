"""Export of a convex solution as JSON and of SGD objective traces as CSV (part 4)."""
from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .base import FORMAT_VERSION, Dataset
from .token import encode_data


def _jsonable(a: Any) -> Any:
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


def solution_json(result: Any, *, settings: Mapping | None = None, dataset: Dataset | None = None) -> str:
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


def sgd_csv(result: Any, *, p_star: float | None = None) -> str:
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
