"""Cached calls into the core for the Geometry, Convolutions and Higher-dimensions pages.

Each function takes plain numbers (the widgets' values) and returns what its page draws,
computed once per server process for each set of arguments (``st.cache_data``: every session
with the same settings shares it, a class on the default settings computes once).  Nothing here
raises on the user's input: a result is ``(value, None)`` or ``(None, message)``, the message
being the core's ``ValueError`` text, for ``st.error``.

* Geometry (the paper's Figure 1, section 2.1): :func:`gauge`, :func:`gauge_geometry`,
  :func:`gauge_curve` (:func:`cvxcore.neural_gauge`, :func:`cvxcore.geometry`,
  :func:`cvxcore.beta_curve`), and :func:`parse_matrix` for the typed X.
* Convolutions (section 4): :func:`cnn_signals`, :func:`linear_cnn` (9) against (12),
  :func:`circular_cnn` (13) against (14), :func:`separable_cnn` (8) on stacked patches.
* Higher dimensions (Figure 4 analogue): :func:`highdim_data`, :func:`highdim_trial` (one trial
  of :func:`cvxcore.experiments.run_highdim`, so that a page can show each as it finishes),
  :func:`highdim_merge`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import streamlit as st

from cvxcore import ConvexResult, SGDResult, beta_curve, cnn, geometry, neural_gauge, train_sgd
from cvxcore import experiments as highdim
from cvxcore.cnn.circular import FourierResult
from cvxcore.cnn.descent import GDResult
from cvxcore.cnn.linear import NuclearResult
from cvxcore.experiments import HighDimResult
from cvxcore.geometry import GaugeResult

T = TypeVar("T")

HD_SCHEMES = highdim.SCHEMES
HD_LR, HD_BATCH, HD_TRAIN, HD_TEST = 2e-3, 25, 100, 400       # the page's fixed settings
CNN_TRIALS = 5


def _err(fn: Callable[..., T], *args: Any, **kw: Any) -> tuple[T | None, str | None]:
    try:
        return fn(*args, **kw), None
    except ValueError as e:                 # the core names the parameter, the value and the fix
        return None, str(e)


# ----------------------------------------------------------------------------- geometry
def parse_matrix(text: str) -> np.ndarray:
    """Rows on separate lines, numbers separated by commas or spaces; ValueError with the fix."""
    rows = [r for r in str(text).strip().splitlines() if r.strip()]
    if not rows:
        raise ValueError("X is empty: type one data point per line, e.g. `1, 0`.")
    out = []
    for k, r in enumerate(rows, 1):
        try:
            out.append([float(t) for t in r.replace(",", " ").split()])
        except ValueError:
            raise ValueError(f"row {k} of X, `{r.strip()}`, is not a list of numbers; "
                             "write numbers separated by commas, e.g. `1, 0.5`.") from None
    if len({len(r) for r in out}) != 1:
        raise ValueError(f"the rows of X have different lengths {[len(r) for r in out]}; "
                         "every data point needs the same number d of features.")
    X = np.array(out)
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or inf; type finite numbers.")
    return X


@st.cache_data(show_spinner=False, max_entries=64)
def gauge(X: np.ndarray, y: np.ndarray) -> tuple[GaugeResult | None, str | None]:
    """:func:`cvxcore.neural_gauge`: ``(GaugeResult, None)`` or ``(None, message)``."""
    return _err(neural_gauge, X, y)


@st.cache_data(show_spinner=False, max_entries=32)
def gauge_geometry(X: np.ndarray) -> tuple[Any, str | None]:
    """:func:`cvxcore.geometry` (721 boundary points for n = 2, 2,000 for n = 3)."""
    return _err(geometry, X, num=721 if X.shape[0] == 2 else 2000)


@st.cache_data(show_spinner="Solving (8) for each β …", max_entries=32)
def gauge_curve(X: np.ndarray, y: np.ndarray, num: int) -> tuple[Any, str | None]:
    """:func:`cvxcore.beta_curve`: p*(β)/β at ``num`` values of β."""
    return _err(beta_curve, X, y, num=num)


# ----------------------------------------------------------------------------- convolutions
@st.cache_data(show_spinner=False, max_entries=64)
def cnn_signals(n: int, L: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two classes of 1-D signals (n, L) and targets ±1 (:func:`cvxcore.cnn.two_shape_signals`)."""
    return cnn.two_shape_signals(n, L, noise=noise, seed=seed)


def cnn_lr(lr: float) -> float | None:
    """The CNN pages' learning-rate setting as the core takes it: 0 ("auto") is None, the
    checked backtracking step of :mod:`cvxcore.cnn.descent`; any other value a fixed step."""
    return None if not lr or lr <= 0 else float(lr)


def best_final(gd: GDResult | SGDResult) -> float | None:
    """The lowest final objective among the trials that did not diverge (None: all diverged)."""
    live = gd.final[~gd.diverged] if gd.diverged.size else gd.final
    live = live[np.isfinite(live)]
    return float(live.min()) if live.size else None


@dataclass
class LinearCNN:
    nuclear: NuclearResult    # (12); its ``rank`` (0 at β ≥ β_max, ``zero_network``) counts the filters
    gd: GDResult              # (9) by gradient descent (``status``, ``message``: a fixed step that diverged)
    patches: int              # K
    filters_gd: np.ndarray    # (rank, h) trial 1's filters with the rotation removed, signs matched to (12)
    Z_gd: np.ndarray          # trial 1's end-to-end map Σ_j u_j α_jᵀ (h, K)


@st.cache_data(show_spinner="Gradient descent on (9) and the nuclear-norm program (12) …", max_entries=32)
def linear_cnn(n: int, L: int, noise: float, seed: int, beta: float, h: int, stride: int, m: int,
               steps: int, lr: float = 0.0) -> tuple[LinearCNN | None, str | None]:
    """(9) by GD (5 starts) against (12): ``(LinearCNN, None)`` or ``(None, message)``.
    ``lr`` 0: the automatic (backtracking) step; otherwise that fixed step (:func:`cnn_lr`)."""
    S, y = cnn_signals(n, L, noise, seed)
    try:
        Xk = cnn.patches(S, h, stride)
        nuc = cnn.solve_nuclear(Xk, y, beta)
        gd = cnn.train_linear_cnn(Xk, y, beta, m=m, lr=cnn_lr(lr), steps=steps, trials=CNN_TRIALS, seed=0,
                                  Z_star=nuc.Z)
    except ValueError as e:
        return None, str(e)
    # as many of GD's filters as (12) needs: none at the zero network (rank Z* = 0)
    mine = (cnn.align_signs(cnn.principal_filters(gd.U[0], nuc.rank), nuc.U) if nuc.rank
            else np.zeros((0, Xk.shape[2])))
    return LinearCNN(nuc, gd, Xk.shape[0], mine, gd.U[0].T @ gd.A[0]), None


@dataclass
class CircularCNN:
    fourier: FourierResult    # (14); its ``used`` (0 at β ≥ β_max, ``zero_network``) counts the frequencies
    gd: GDResult              # (13) by gradient descent (``status``, ``message``: a fixed step that diverged)
    e_gd: np.ndarray          # trial 1's end-to-end filter Σ_j u_j ⊛ α_j (d,)
    power_gd: np.ndarray      # trial 1's filter power per frequency Σ_j |û_j|² / d (d,)


@st.cache_data(show_spinner="Gradient descent on (13) and the ℓ1 program (14) …", max_entries=32)
def circular_cnn(n: int, L: int, noise: float, seed: int, beta: float, h: int, m: int,
                 steps: int, lr: float = 0.0) -> tuple[CircularCNN | None, str | None]:
    """(13) by GD (5 starts) against (14): ``(CircularCNN, None)`` or ``(None, message)``.
    ``lr`` 0: the automatic (backtracking) step; otherwise that fixed step (:func:`cnn_lr`)."""
    S, y = cnn_signals(n, L, noise, seed)
    try:
        fr = cnn.solve_fourier_l1(S, y, beta)
        gd = cnn.train_circular_cnn(S, y, beta, m=m, h=h, lr=cnn_lr(lr), steps=steps, trials=CNN_TRIALS, seed=0,
                                    e_star=fr.e)
    except ValueError as e:
        return None, str(e)
    Up = np.zeros((m, L))
    Up[:, :h] = gd.U[0]
    Uf = np.fft.fft(Up, axis=1)
    e_gd = np.real(np.fft.ifft(Uf * np.fft.fft(gd.A[0], axis=1), axis=1)).sum(0)   # Σ_j u_j ⊛ α_j
    power = np.sum(np.abs(Uf) ** 2, axis=0) / L
    return CircularCNN(fr, gd, e_gd, power), None


@dataclass
class SeparableCNN:
    signals: np.ndarray       # (ns, 8) piecewise-constant signals
    labels: np.ndarray        # per-patch labels
    exact: ConvexResult       # (8) on the stacked patches
    gd: SGDResult             # full-batch GD on the shared filters
    rows: int                 # stacked rows nK
    predicted: np.ndarray     # the exact CNN's output per patch


@st.cache_data(show_spinner="Program (8) on the stacked patches and gradient descent …", max_entries=32)
def separable_cnn(beta: float, ns: int, seed: int) -> tuple[SeparableCNN | None, str | None]:
    """Separable ReLU CNN (section 4.1): (8) exactly, and GD with 10 filters (5 starts)."""
    Ss, Ys = cnn.edge_signals(ns, 8, seed=seed)
    try:
        r = cnn.solve_separable(Ss, Ys, 2, beta)
        Xs, ys = cnn.separable_stack(Ss, Ys, 2)
        g = train_sgd(Xs, ys, m=10, beta=beta, lr=0.01, steps=20000, trials=CNN_TRIALS, seed=0)
    except ValueError as e:
        return None, str(e)
    return SeparableCNN(Ss, Ys, r, g, Xs.shape[0], cnn.separable_predict(Ss, 2, 1, r.U, r.alpha)), None


# ----------------------------------------------------------------------------- higher dimensions
@st.cache_data(show_spinner=False, max_entries=16)
def highdim_data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X, y, X_test, y_test): 8×8 shape images with a bias column (d = 65), and examples to show."""
    X, y, Xt, yt = highdim.shapes_dataset(HD_TRAIN, HD_TEST, seed=seed)
    return X, y, Xt, yt


@st.cache_data(show_spinner=False, max_entries=16)
def highdim_examples(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Example images (n, 8, 8) and their labels, for the page's data expander."""
    return highdim.shapes_images(8, seed=seed)


@st.cache_data(show_spinner=False, max_entries=512)
def highdim_trial(beta: float, m: int, steps: int, seed: int, trial: int) -> tuple[HighDimResult | None, str | None]:
    """Trial ``trial`` (0-based) of SGD against (8) over each scheme's patterns:
    ``(HighDimResult with one trial, None)`` or ``(None, message)``."""
    X, y, Xt, yt = highdim_data(seed)
    return _err(highdim.run_highdim, X, y, Xt, yt, m=m, beta=beta, lr=HD_LR, steps=steps,
                batch_size=HD_BATCH, trials=1, first_trial=trial, seed=seed)


def highdim_merge(results: list[HighDimResult]) -> HighDimResult:
    """The finished trials as one :class:`cvxcore.experiments.HighDimResult`."""
    return highdim.merge(results)
