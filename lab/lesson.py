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
    if need == "1d-bias" and not (ds.d == 1 and ds.bias):
        return "This step draws 1-D data with a bias (a block's line xᵀq over x)."
    if need == "2d-u" and ds.d + int(bool(ds.bias)) != 2:
        return "This step draws the plane of u: it needs 1-D points with a bias, or 2-D points without one."
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


@dataclass(frozen=True)
class Prepared:
    """A step's numbers (``data``), the signature of what they depend on and whether its answer is shown."""
    data: Any
    sig: str
    shown: bool


def prepare(key: str, build: Callable[..., tuple[Any, str | None]], *args: Any, container: Any,
            sig: tuple | None = None) -> Prepared | None:
    """The common start of a step: its numbers ``build(*args)`` (a :mod:`lab.lesson_data` function
    returning ``(value, None)`` or ``(None, message)``); on failure the message in ``container``
    and None.  The question ``key``'s signature is that of ``args`` (or of ``sig`` when the answer
    depends on other things), and whether the student has revealed it on that state."""
    out, err = build(*args)
    if out is None:
        container.error(err)
        return None
    s = signature(*(args if sig is None else sig))
    return Prepared(out, s, revealed(key, s))


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


def full_page_settings(page: str, ds: codec.Dataset, settings: dict, link: tuple = ()) -> dict:
    """The settings a full page needs to show the lesson's numbers: the current ones, the step's
    own ``link`` settings (e.g. the SGD page's starts and steps), and for the Geometry page (which
    otherwise draws a typed example of its own) X and y picked from the lesson's data set — all
    its points, with their targets."""
    out = {"page": page, **settings, **dict(link)}
    if page == "geometry" and ds.n in (2, 3):
        out.update(geo_n=ds.n, geo_src="data", geo_pick=tuple(range(ds.n)), geo_ydata=True)
    return out


def full_page_url(page: str, link: tuple = ()) -> str:
    """The address of app page ``page`` with the whole current state (lab.codec.share_url) and
    the step's ``link`` settings."""
    here = st.context.url or "http://localhost:8501/lesson"
    base = here.split("?", 1)[0].rstrip("/").rsplit("/", 1)[0] + "/" + page
    ds = state.get_dataset()
    return codec.share_url(base, ds, full_page_settings(page, ds, state.settings(), link))


# ----------------------------------------------------------------------------- the answers
def count_within(final: np.ndarray, p_star: float, rtol: float = 0.01) -> int:
    """Runs whose final objective is within ``rtol`` (relative) of p*."""
    final = np.asarray(final, float)
    return int(np.sum(np.isfinite(final) & (final <= p_star * (1 + rtol))))


def new_point(points: np.ndarray) -> np.ndarray:
    """The point the arrangement step adds: half a unit beyond the data in every coordinate (so
    its hyperplane is none of the others')."""
    return np.asarray(points, float).max(axis=0) + 0.5


def answer_cells(P: int, cover: int, n: int, r: int, P_before: int | None = None) -> Answer:
    """The arrangement step: the cells of n points (after one is added, with ``P_before`` before)."""
    note = ("equal to Cover's count: the points are in general position" if P == cover else
            f"below Cover's count {cover}: some hyperplanes coincide (repeated x) or meet in common lines")
    grew = ("" if P_before is None else
            f" (was {P_before}: the new hyperplane xᵀu = 0 splits {P - P_before} cells in two)")
    why = (f"The arrangement of the {n} hyperplanes xᵢᵀu = 0 (rank r = {r}) has **{P} cells**{grew}, {note}. "
           + ("For 1-D data with a bias each line cuts the circle of u twice: 2n cells." if r == 2 else
              "Cover's count grows like n^(r−1)."))
    return Answer(P, why, lambda p: p is not None and int(p) == P)


def answer_m_star(m_star: int, n: int, beta: float, n_pos: int, n_neg: int, m_now: int | None = None) -> Answer:
    """The blocks step: m* at the smaller β; ``m_now`` is m* at the β on screen, so the explanation follows
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
    """The dual step: the value of vᵀ(Xû)₊ at the optimal neurons with α > 0."""
    if not len(g_pos):
        return Answer("no neuron with α > 0", "At this β the optimum has no neuron with α > 0; move β down.",
                      lambda p: False)
    c = classify_dual(g_pos, beta)
    vals = ", ".join(f"{v / beta:.6f} β" for v in np.asarray(g_pos)[:6])
    why = (f"At the {len(g_pos)} neuron(s) with α > 0, vᵀ(Xû)₊ = {vals}: the constraint |vᵀ(Xu)₊| ≤ β is "
           "tight exactly there, with the sign of α (complementary slackness between (8) and its dual (4)).")
    return Answer(c, why, lambda p: p == c)


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


RESCALE_OPTIONS = ["the minimum of (3) is lower", "they are equal", "the minimum of (2) is lower"]


def compare(a: float, b: float, rtol: float = 1e-6) -> int:
    """−1, 0 or +1 as a is below, equal to (relative ``rtol``) or above b."""
    if abs(a - b) <= rtol * max(abs(a), abs(b), 1e-12):
        return 0
    return -1 if a < b else 1


def answer_rescaled(profile_minima: dict, cell_value: float, z0: float, beta: float) -> Answer:
    """The rescaling step: the smallest value of the profile (3) over the cell (both signs of α)
    against the best value of (2) in the cell (program (8) over the cell's pattern)."""
    s, (z, g) = min(profile_minima.items(), key=lambda kv: kv[1][1])
    c = compare(g, cell_value)
    ans = RESCALE_OPTIONS[c + 1]
    why = (f"Min of (3) = {g:.6g} at z\\* = {z:.4g} (α {'>' if s > 0 else '<'} 0); min of (2) in this cell = "
           f"{cell_value:.6g}. Every (u, α) costs at least (3) at z = u·|α|, because "
           "β/2·(u² + α²) ≥ β·|u·α| (AM–GM), and the balanced point |u| = |α| = √|z| costs exactly that: "
           f"on u·α = {z0:g} the penalty is smallest there, β·|z| = {beta * abs(z0):.4g}. So the two minima are "
           "the same number, and (3) is convex in z on each cell.")
    return Answer(ans, why, lambda p: p == ans)


MERGE_OPTIONS = ["it goes up", "it stays the same", "it goes down"]


def answer_merge(D: dict, beta: float) -> Answer:
    """The merging step: objective (2) after merging two same-cell, same-sign neurons."""
    c = compare(D["objective_after"], D["objective_before"], rtol=1e-9)
    ans = {-1: MERGE_OPTIONS[2], 0: MERGE_OPTIONS[1], 1: MERGE_OPTIONS[0]}[c]
    why = (f"Objective (2): {D['objective_before']:.6g} before, {D['objective_after']:.6g} after. Same pattern, so "
           "on the data (Xq₁)₊ + (Xq₂)₊ = (X(q₁ + q₂))₊: the fit does not change "
           f"(loss {D['loss_before']:.6g}). The penalty β(‖q₁‖ + ‖q₂‖) = {D['penalty_pair']:.6g} ≥ β‖q₁ + q₂‖ = "
           f"{D['penalty_merged']:.6g} (triangle inequality; equal only when q₁ ∥ q₂). So one block per pattern "
           f"and sign is enough: 2P = {2 * D['P']} blocks vᵢ, wᵢ in (8). The merged network here is the optimum: "
           f"p\\* = {D['p_star']:.6g}.")
    return Answer(ans, why, lambda p: p == ans)


CONES_OPTIONS = ["below p*", "equal to p*", "above p*"]


def answer_cones(D: dict) -> Answer:
    """The cone step: the blocks of (8) without cones read as ReLU neurons (Xqᵢ)₊, against p*."""
    c = compare(D["relu_objective"], D["p_star"])
    ans = CONES_OPTIONS[c + 1]
    nv = len(D["violations"])
    why = (f"As ReLU neurons the blocks give objective {D['relu_objective']:.5g}, against p\\* = {D['p_star']:.5g} "
           f"(and {D['value']:.5g} without cones). No ReLU network beats p\\*; the value below it came from "
           f"{nv} block(s) whose signs contradict their patterns — switched on where xᵀq < 0, or off where "
           "xᵀq > 0: no ReLU does that. The cone constraints (2Dᵢ − I)Xvᵢ ≥ 0 keep every block a ReLU neuron.")
    return Answer(ans, why, lambda p: p == ans)


STUCK_OPTIONS = ["it stays where it is", "it drops, but stays above p*", "it drops to within 1 % of p*"]


def answer_stuck(stuck: float, after: float, p_star: float) -> Answer:
    """The stuck step: the objective after one insertion of the missing neuron and training on."""
    if after >= stuck * (1 - 1e-3):
        ans = STUCK_OPTIONS[0]
    elif after > p_star * 1.01:
        ans = STUCK_OPTIONS[1]
    else:
        ans = STUCK_OPTIONS[2]
    why = (f"From {stuck:.5g} (p\\* + {100 * (stuck / p_star - 1):.0f} %) to {after:.5g} "
           f"(p\\* + {100 * (after / p_star - 1):.3g} %). The inserted neuron points where the run's dual curve leaves "
           "the band, so adding a little of it lowers (2) at once; training then moves everything, "
           "and the new network may have a missing neuron of its own — press the button again.")
    return Answer(ans, why, lambda p: p == ans)


def answer_sampled(within: int | None, patterns: int | None, P: int, p_star: float) -> Answer:
    """The sampled-patterns step: the fewest sampled directions whose patterns give (8) within 1 %
    of p*; a prediction within a factor 2 counts."""
    if within is None:
        return Answer("more than 100,000", "Even 100,000 directions do not come within 1 % of p\\* here.",
                      lambda p: p is not None and int(p) > 100_000)
    why = (f"{within} directions (their {patterns} distinct patterns, of P = {P:,}) give (8) within 1 % of "
           f"p\\* = {p_star:.5g}. Most cells carry no neuron of the optimum: a few samples hit the ones that "
           "matter, and each sampled value comes with a certified gap, so you know when to stop. "
           "(Within a factor 2 counts as right.)")
    return Answer(within, why, lambda p: p is not None and within / 2 <= int(p) <= 2 * within)


def answer_figure2_width(final: np.ndarray, p_star: float, m: int, k_drawn: int, m_drawn: int) -> Answer:
    """The Figure 2 step: runs of a width not drawn (``m``) within 1 % of p*, beside the drawn
    width's count ``k_drawn``."""
    k = count_within(final, p_star)
    trend = ("Here fewer starts make it" if k < k_drawn else "Here as many starts make it" if k == k_drawn
             else "Here more starts make it")
    why = (f"With m = {m}, {k} of the {len(final)} starts end within 1 % of p\\* = {p_star:.4f} (m = {m_drawn}: "
           f"{k_drawn}). {trend}; the others stop above p\\*, at or near stationary points of (2) (the step "
           "\"Why gradient descent gets stuck\" shows what they miss). None goes below p\\*.")
    return Answer(k, why, lambda p: p is not None and int(p) == k)


LEVEL_OPTIONS = ["lower than p*", "equal to p*", "higher than p*"]


def answer_fewer_patterns(value: float, p_star: float, kept: int, P: int) -> Answer:
    """Program (8) over a subset of the patterns, against p* over all of them."""
    c = compare(value, p_star)
    ans = LEVEL_OPTIONS[c + 1]
    why = (f"Over {kept} of the {P} patterns (8) gives {value:.6g}; over all of them p\\* = {p_star:.6g}. Fewer "
           "patterns means fewer blocks to choose from, so the value can only stay or rise — it stays only if some "
           "optimum uses none of the dropped patterns. Theorem 1 needs every pattern an optimum might use.")
    return Answer(ans, why, lambda p: p == ans)


SCALE_OPTIONS = ["half as large", "the same", "twice as large", "four times as large"]


def answer_beta_max_scaled(bmax: float, bmax2: float) -> Answer:
    """The path step: β_max of the targets 2y against β_max of y."""
    ratio = bmax2 / bmax
    ans = min(zip((0.5, 1.0, 2.0, 4.0), SCALE_OPTIONS), key=lambda t: abs(np.log(ratio / t[0])))[1]
    why = (f"β_max = {bmax:.5g} for y and {bmax2:.5g} for 2y: ratio {ratio:.4g}. β_max = max over ‖u‖ ≤ 1 of "
           "|yᵀ(Xu)₊| (the dual (4) at v = y) is linear in y: doubling the targets doubles the weight decay "
           "needed to keep every neuron off.")
    return Answer(ans, why, lambda p: p == ans)


MORE_OPTIONS = ["more", "the same number", "fewer"]


def answer_accuracy_scaled(now: int, later: int, n: int, beta: float, factor: float) -> Answer:
    """The classification step: training points classified correctly at factor·β against β."""
    ans = MORE_OPTIONS[0] if later > now else MORE_OPTIONS[1] if later == now else MORE_OPTIONS[2]
    why = (f"At β = {beta:g}: {now} of {n} correct; at β = {factor * beta:g}: {later}. Weight decay trades fit "
           "for fewer, smaller neurons: as β grows the optimum's loss term never decreases, but the count of "
           "correct signs can stay, fall or even rise.")
    return Answer(ans, why, lambda p: p == ans)


def gd_end_options(side: float) -> list[str]:
    """The options of the one-neuron question for a start in the cell of sign ``side``."""
    own, other = ("<", ">") if side < 0 else (">", "<")
    return [f"the minimum of its own cell (u {own} 0)", f"the minimum of the other cell (u {other} 0)",
            "neither (somewhere else)"]


def answer_gd_end(start: np.ndarray, end: np.ndarray, minima: list[dict], tol: float = 0.05) -> Answer:
    """The one-neuron step: where gradient descent from ``start`` ends, against the two minima."""
    opts = gd_end_options(float(np.sign(start[0])))
    near = min(minima, key=lambda m: float(np.hypot(end[0] - m["u"], end[1] - m["alpha"])))
    far = max(minima, key=lambda m: float(np.hypot(end[0] - m["u"], end[1] - m["alpha"])))
    if np.hypot(end[0] - near["u"], end[1] - near["alpha"]) > tol:
        ans = opts[2]
    else:
        ans = opts[0] if np.sign(near["side"]) == np.sign(start[0]) else opts[1]
    why = (f"From ({start[0]:g}, {start[1]:g}) it ends at ({end[0]:.3f}, {end[1]:.3f}): objective "
           f"{near['value']:.5g}; the other local minimum has {far['value']:.5g}. "
           + ("The run crosses u = 0: a cell is not a basin of attraction, and where gradient descent ends "
              "depends on its whole path. " if ans == opts[1] else "")
           + "Each star is the optimum of (8) restricted to one activation pattern.")
    return Answer(ans, why, lambda p: p == ans)
