"""The lesson's mechanics: entering a step (the state it sets), and predict-then-reveal.

A step is a :class:`lab.lesson_steps.Step`, a declarative record: a title, the app state it needs
(data set, bias, β, m, loss, set through :mod:`lab.state` when the step is entered), the full page
that explores the same idea, 2–4 sentences of prose and the teacher's notes.  The page
``app_pages/lesson.py`` has one render function per step, which draws its figure and asks its
question; the answers are computed from the data on screen by the ``answer_*`` functions below
(pure functions of the core's results: a test can call them).

The step is the shared setting ``step`` (in the URL: ``/lesson?page=lesson&step=K``).  Entering a
step with Next/Back/the step list applies its state.  A session that arrives at the lesson with a
data set of its own (a shared link, or data drawn earlier) keeps it: the step's data is then one
button away ("Load this step's data set"); settings the link did not set take the step's values.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import streamlit as st

from lab import codec, state
from lab.lesson_data import preset
from lab.lesson_steps import N_STEPS, STEPS, Step  # noqa: F401  (the page and the tests read them here)


# ----------------------------------------------------------------------------- entering a step
def _data_arrays(spec) -> tuple[np.ndarray, np.ndarray, str | None]:
    if spec[0] == "preset":
        X, y = preset(spec[1])
        return np.array(X), np.array(y), spec[1]
    return np.asarray(spec[1], float), np.asarray(spec[2], float), None


def step_data(k: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Step k's own data set (points (n, d), targets), or None when it keeps the current one."""
    s = STEPS[k - 1]
    return None if s.data is None else _data_arrays(s.data)[:2]


def load_step_data(k: int) -> None:
    """Replace the data set by step k's (undoable; nothing happens when it is already that set)."""
    s = STEPS[k - 1]
    if s.data is None:
        return
    X, y, name = _data_arrays(s.data)
    cur = state.get_dataset()
    if not (cur.X.shape == X.shape and np.array_equal(cur.X, X) and np.array_equal(cur.y, y)):
        state.set_data(X, y, preset=name)
    if s.bias is not None:
        state.set_setting("bias", s.bias)
    if s.loss is not None:
        state.set_setting("loss", s.loss)


def apply_step(k: int, *, only_unset: bool = False) -> None:
    """Set step k's state: its data set (unless ``only_unset``), bias, β, m and loss.  With
    ``only_unset`` a setting keeps any value it already has (from a link, or an earlier page)."""
    s = STEPS[k - 1]
    if not only_unset:
        load_step_data(k)
    for name in ("beta", "m", "loss"):
        value = getattr(s, name)
        if value is not None and (not only_unset or state.setting(name) is None):
            state.set_setting(name, value)
    state.set_setting("step", k)
    state.set_lesson_step_taken(k)


def go(k: int) -> None:
    """Next/Back/the step list (an ``on_click``): enter step k with its whole state."""
    apply_step(int(min(max(k, 1), N_STEPS)))


def current_step() -> tuple[int, bool]:
    """The step to show this run, and whether the step's state was applied just now (then the
    caller reruns, so that everything drawn before the page — the sidebar, the address — shows it).

    The step is the shared setting ``step``, in 1 … :data:`N_STEPS` (a link's step outside is
    clamped, with a message, by :mod:`lab.codec`).  On a session's first lesson run the step's
    state is applied if the data set is still the app's untouched default (no link data, nothing
    drawn); otherwise the session's data is kept and only settings without a value take the
    step's.  A step changed by the address (Back/Forward, a link) keeps the state the address
    carried."""
    k = int(codec.SETTINGS["step"].nearest(float(state.setting("step", 1))))
    applied = state.lesson_step_taken()
    now = False
    if applied is None:
        untouched = not state.can_undo() and state.preset_name() == state.DEFAULT_PRESET
        apply_step(k, only_unset=not untouched)
        now = untouched
    elif applied != k:
        state.set_lesson_step_taken(k)
    state.set_setting("step", k)
    return k, now


def data_fits(k: int, ds: codec.Dataset) -> str | None:
    """None when the current data set suits step k's figure, else what the step needs."""
    need = STEPS[k - 1].needs
    if ds.n == 0:
        return "The data set is empty."
    if need == "1d-nobias" and not (ds.d == 1 and not ds.bias):
        return "This step draws one neuron on 1-D data without a bias (two weights u, α)."
    if need == "2d" and ds.d != 2:
        return "This step needs 2-D points of two classes."
    if need == "n23" and ds.n not in (2, 3):
        return f"This step draws the outputs of n = 2 or 3 points in the plane or in space; the data set has {ds.n}."
    return None


# ----------------------------------------------------------------------------- predict, then reveal
@dataclass
class Answer:
    """A question's computed answer: ``value`` (as shown), ``check(prediction) -> bool``, ``why``."""
    value: Any
    why: str
    check: Callable[[Any], bool] = field(default=lambda p: False)


def signature(*parts: object) -> str:
    """A short digest of what a question's answer depends on (data, β, m, …): a prediction made
    for other data is stale."""
    h = hashlib.blake2b(digest_size=8)
    for p in parts:
        h.update(np.ascontiguousarray(p).tobytes() if isinstance(p, np.ndarray) else repr(p).encode())
    return h.hexdigest()


def revealed(key: str, sig: str) -> bool:
    """True when the student has committed a prediction for question ``key`` on the state ``sig``.
    A prediction made on another state (the data, β or m changed since) is dropped: predict again."""
    c = state.prediction(key)
    if c is not None and c[1] != sig:
        state.set_prediction(key, None)
        state.flash(f"lesson_stale_{key}", "The data or a setting changed since your last prediction: predict again.")
        return False
    return c is not None


def _md(value) -> str:
    """A value as Markdown text (an asterisk, as in p*, is not emphasis)."""
    return str(value).replace("*", "\\*")


def ask(key: str, prompt: str, answer: Answer, sig: str, *, options: list | None = None,
        number: dict | None = None, container: Any = None) -> bool:
    """A predict-then-reveal box: the student commits to a prediction (one of ``options``, or a whole
    ``number`` in [``number['lo']``, ``number['hi']``]), presses Reveal and sees the answer computed
    from the data on screen, whether the prediction was right and why.  The committed prediction is
    kept (plain session state, with the state ``sig`` it was made on) until "Predict again" or until
    the data or settings change.  Returns whether the answer is shown."""
    box = (container or st).container(border=True)
    pred_key = f"_lesson_pred_{key}"
    shown = revealed(key, sig)
    box.markdown(f"**Predict, then reveal.** {prompt}")
    stale = state.take_flash(f"lesson_stale_{key}")
    if stale:
        box.caption(stale)
    if not shown:
        if options is not None:
            pred = box.radio("your prediction", options, index=None, key=pred_key,
                             horizontal=len(options) <= 3, label_visibility="collapsed")
        else:
            lohi = number or {"lo": 0, "hi": 10**9}
            pred = box.number_input("your prediction", min_value=int(lohi["lo"]), max_value=int(lohi["hi"]),
                                    value=None, step=1, key=pred_key, placeholder="type your prediction",
                                    label_visibility="collapsed")

        def _commit():
            if state.widget_value(pred_key) is not None:
                state.set_prediction(key, (state.widget_value(pred_key), sig))
        box.button("Reveal", icon=":material/visibility:", key=f"_lesson_reveal_{key}", on_click=_commit,
                   disabled=pred is None, type="primary",
                   help="Commit to your prediction first; the answer is computed from the data on screen.")
        return False
    committed = state.prediction(key)
    mine = committed[0] if committed is not None else None
    right = bool(answer.check(mine))
    (box.success if right else box.warning)(
        f"**Computed: {_md(answer.value)}.** You predicted {_md(mine)}: {'right' if right else 'not this time'}.")
    box.markdown(answer.why)

    def _again():
        state.set_prediction(key, None)
    box.button("Predict again", icon=":material/replay:", key=f"_lesson_again_{key}", on_click=_again)
    return True


def compact_top() -> None:
    """Less empty space above the step's heading, so that its figure fits a 1280×720 projector; as
    much in classroom mode, where Back and Next (at the top right) would otherwise sit under the
    classroom bar."""
    st.html('<style>[data-testid="stMainBlockContainer"] { padding-top: 3.2rem !important; }</style>')


def full_page_url(page: str) -> str:
    """The address of app page ``page`` with the whole current state (lab.codec.share_url)."""
    here = st.context.url or "http://localhost:8501/lesson"
    base = here.split("?", 1)[0].rstrip("/").rsplit("/", 1)[0] + "/" + page
    return codec.share_url(base, state.get_dataset(), {"page": page, **state.settings()})


# ----------------------------------------------------------------------------- the answers
def answer_lower_minimum(minima: list[dict], labels: dict) -> Answer:
    """Step 1: which cell's minimum is lower; ``labels`` maps the cell's side (−1, +1) to its option."""
    best = min(minima, key=lambda m: m["value"])
    other = max(minima, key=lambda m: m["value"])
    why = (f"Each star is the optimum of program (8) restricted to one activation pattern: "
           f"{labels[best['side']]} has objective {best['value']:.4f}, {labels[other['side']]} "
           f"{other['value']:.4f}. The lower one is the best a single neuron can do. A run of gradient descent "
           "that ends in the other cell stops at the higher one — and a cell is not a basin: runs can cross "
           "u = 0 on the way, so where a run ends is not decided by the cell it starts in.")
    return Answer(labels[best["side"]], why, lambda p: p == labels[best["side"]])


def count_within(final: np.ndarray, p_star: float, rtol: float = 0.01) -> int:
    """Runs whose final objective is within ``rtol`` (relative) of p*."""
    final = np.asarray(final, float)
    return int(np.sum(np.isfinite(final) & (final <= p_star * (1 + rtol))))


def answer_figure2(final: np.ndarray, p_star: float, m: int) -> Answer:
    k = count_within(final, p_star)
    worst = float(np.nanmax(final) / p_star - 1)
    why = (f"{k} of the {len(final)} starts with m = {m} end within 1 % of p\\* = {p_star:.4f}; the worst ends "
           f"{100 * worst:.0f} % above it and stays there. Every run stays at or above p\\*: no network of any "
           "width can beat the convex program.")
    return Answer(k, why, lambda p: p is not None and int(p) == k)


def answer_cells(P: int, cover: int, n: int, r: int) -> Answer:
    note = ("equal to Cover's count: the points are in general position" if P == cover else
            f"below Cover's count {cover}: some lines coincide (repeated x) or pass through common points")
    why = (f"The arrangement of the {n} lines xᵢᵀu = 0 (rank r = {r}) has **{P} cells**, {note}. "
           + ("For 1-D data with a bias each line cuts the circle of u twice: 2n cells." if r == 2 else ""))
    return Answer(P, why, lambda p: p is not None and int(p) == P)


def answer_variables(d: int, P: int, n: int) -> Answer:
    k = 2 * d * P
    why = (f"Two blocks vᵢ, wᵢ ∈ R^{d} for each of the P = {P} patterns: 2·d·P = 2·{d}·{P} = **{k}** variables, "
           f"and 2·n·P = {2 * n * P} linear inequalities (the cone constraints). A convex program this size is "
           "solved to its global optimum in well under a second.")
    return Answer(k, why, lambda p: p is not None and int(p) == k)


def answer_m_star(m_star: int, n: int, beta: float, n_pos: int, n_neg: int, m_now: int | None = None) -> Answer:
    """Step 5: m* at the smaller β; ``m_now`` is m* at the β on screen, so the explanation follows
    what actually happened (more, fewer or the same neurons)."""
    if m_now is None or m_star > m_now:
        trend = ("A smaller β penalises neurons less, so more patterns are worth a neuron."
                 if m_now is not None else "")
    elif m_star == m_now:
        trend = (f"Here it stays at {m_now}: the penalty is smaller, but at this β no further pattern is worth "
                 "a neuron.")
    else:
        trend = f"Here it falls from {m_now}: m\\*(β) is not monotone in β."
    why = (f"At β = {beta:g} the optimum of (8) has {n_pos} nonzero blocks vᵢ and {n_neg} nonzero blocks wᵢ: "
           f"m\\* = {m_star} neurons ({n_pos} with α > 0, {n_neg} with α < 0); some optimum always has at most "
           f"n + 1 = {n + 1}. " + trend)
    return Answer(m_star, why, lambda p: p is not None and int(p) == m_star)


DUAL_OPTIONS = ["+β", "−β", "0", "strictly between −β and +β"]


def classify_dual(values: np.ndarray, beta: float, rtol: float = 1e-3) -> str:
    """Where values of vᵀ(Xû)₊ sit relative to the band: one of :data:`DUAL_OPTIONS`."""
    values = np.asarray(values, float)
    if values.size and np.all(np.abs(values - beta) <= rtol * beta):
        return DUAL_OPTIONS[0]
    if values.size and np.all(np.abs(values + beta) <= rtol * beta):
        return DUAL_OPTIONS[1]
    if values.size and np.all(np.abs(values) <= rtol * beta):
        return DUAL_OPTIONS[2]
    return DUAL_OPTIONS[3]


def answer_dual(g_pos: np.ndarray, beta: float) -> Answer:
    """Step 6: the value of vᵀ(Xû)₊ at the optimal neurons with α > 0."""
    if not len(g_pos):
        return Answer("no neuron with α > 0", "At this β the optimum has no neuron with α > 0; move β down.",
                      lambda p: False)
    c = classify_dual(g_pos, beta)
    vals = ", ".join(f"{v / beta:.6f} β" for v in np.asarray(g_pos)[:6])
    why = (f"At the {len(g_pos)} neuron(s) with α > 0, vᵀ(Xû)₊ = {vals}: the constraint |vᵀ(Xu)₊| ≤ β is "
           "tight exactly there, with the sign of α (complementary slackness between (8) and its dual (4)).")
    return Answer(c, why, lambda p: p == c)


def answer_first_neurons(m_below: int, beta_max: float) -> Answer:
    why = (f"Just below β_max = {beta_max:.4g} (at 0.9·β_max) the optimum has m\\* = {m_below}: as β falls "
           "neurons enter (and some leave again), the first in the direction(s) u where |yᵀ(Xu)₊| is largest "
           "(squared loss).")
    return Answer(m_below, why, lambda p: p is not None and int(p) == m_below)


def answer_gauge(k: int, gamma: float, ratio: float | None, small_beta: float) -> Answer:
    where = ("an extreme point of γ·C (one point ±γ(Xu)₊ with ‖u‖ = 1)" if k == 1
             else f"a flat face between {k} extreme points of γ·C")
    why = (f"The minimum-norm interpolating network uses **{k}** neuron(s): γ·C reaches y at {where}. "
           f"γ = {gamma:.5g}" + (f", and p\\*(β)/β = {ratio:.5g} at β = {small_beta:.2g} (it rises to γ as β → 0)."
                                 if ratio is not None else "."))
    return Answer(k, why, lambda p: p is not None and int(p) == k)


REACH_OPTIONS = ["yes, at least one run reaches p*", "no, every run stays above p*"]


def answer_reach(final: np.ndarray, lower: np.ndarray, p_star: float, m: int, m_star: int,
                 rtol: float = 0.01) -> Answer:
    k = count_within(final, p_star, rtol)
    ans = REACH_OPTIONS[0] if k else REACH_OPTIONS[1]
    best = float(np.nanmin(final))
    cert = np.asarray(final) - np.asarray(lower)
    ok = np.isfinite(cert) & (np.asarray(lower) > 0)
    worst_cert = (float(np.max(cert[ok] / np.asarray(lower)[ok])) if ok.any() else np.nan)
    why = (f"With m = {m} (the optimum uses m\\* = {m_star}), {k} of {len(final)} runs end within 1 % of p\\* = "
           f"{p_star:.5g}; the best ends at {best:.5g}. Each run's own certificate proves it is at most "
           + (f"{100 * worst_cert:.3g} % above p\\* (the worst run)." if np.isfinite(worst_cert) else "… above p\\*."))
    return Answer(ans, why, lambda p: p == ans)


def answer_accuracy(correct: int, n: int) -> Answer:
    why = (f"The optimal network classifies {correct} of the {n} training points correctly (sign of f(xᵢ) = yᵢ). "
           "Weight decay trades a perfect fit for fewer, smaller neurons: a larger β can give up points.")
    return Answer(correct, why, lambda p: p is not None and int(p) == correct)
