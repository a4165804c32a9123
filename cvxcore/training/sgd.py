"""``train_sgd``: ordinary training of the non-convex network (2), many trials at once.

The network and its objective (docs/theory.md §1, equation (2)):

    f(X) = Σ_{j=1..m} (X u_j)₊ α_j
    objective (2) = ℓ(f(X), y) + (β/2) Σ_j (‖u_j‖² + α_j²)

Gradients (a subgradient where ℓ or the ReLU has a kink; the ReLU's derivative
is taken as 1[x_iᵀu_j > 0], ℓ's from :mod:`cvxcore.losses`): with
r = ∂ℓ/∂ŷ ∈ Rⁿ and D_j = diag(1[X u_j > 0]) the activation pattern of neuron j,

    ∂/∂α_j = r ᵀ (X u_j)₊ + β α_j  =  u_jᵀ q_j + β α_j
    ∂/∂u_j = α_j q_j + β u_j,           q_j = Xᵀ D_j r.

Full-batch gradient descent when ``batch_size`` is None.  Minibatch SGD
otherwise: each epoch draws a fresh permutation of the n samples for each
trial and cuts it into ⌊n/b⌋ batches of b (a remainder of n mod b samples sits
out that epoch); on a batch B the loss part of the gradient is scaled by n/b,
so that its expectation is the gradient of (2) (the loss is summed over
samples, as in the paper).  Optimizers: ``"sgd"`` (plain steps), ``"momentum"``
(heavy ball, v ← μv + g, w ← w − lr·v) and ``"adam"`` (Kingma & Ba, with bias
correction at the absolute step count).

Trials run side by side, vectorised: the m·trials neurons are one matrix
product per step.  A trial is *diverged* when

* its weights or output stop being finite (or overflow when squared, so that
  (2) could not be evaluated): it is frozen at its last weights whose output
  was finite; or
* its objective (2) at a recorded step exceeds ``EXPLODE_FACTOR`` = 10⁶ times
  its objective at the first step of its training (carried over ``resume=``):
  no step of gradient descent that is converging raises (2) a millionfold, and
  stopping there keeps the numbers readable (left alone, such a run reaches
  10³⁰⁰ before it overflows).  It is frozen at the weights of that step.

The step is reported in ``diverged_at`` and the other trials carry on
unaffected.  Since every network's objective is ≥ p*, the start is ≥ p* too,
so the rule is the same as "above 10⁶ · max(start, p*)".

A trial is *inactive* when, at its returned weights, no neuron is on at any data point
(xᵢᵀu_j ≤ 0 for every i and j): the network is identically zero on the data, f(X) = 0.  The loss
then sends no gradient through any ReLU, and a plain step only multiplies the weights by
1 − lr·β; with lr·β < 1 that keeps every sign, so the trial stays inactive for good (``halted``).
Large learning rates cause it: one overshooting step can turn every neuron off.  The run is not
stopped (its weights are exactly those of the same run in one piece); ``status`` and ``message``
say what happened and what to try.

Randomness is explicit and reproducible: trial t's initial weights come from
``default_rng([seed, 0, t])`` and its minibatches from
``default_rng([seed, 1, t, block])`` (blocks of epochs), so a trial does not
depend on how many other trials run, and a run split into chunks (pass
``resume=`` the previous result) gives exactly the weights of one long run.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ..losses import get_loss
from ..network import objective
from ..params import PARAMS, check_int, check_loss, check_scalar, check_X, check_y

OPTIMIZERS = ("sgd", "momentum", "adam")
RunStatus = Literal["ok", "diverged", "inactive"]
MOMENTUM = 0.9                      # heavy-ball μ
ADAM_B1, ADAM_B2, ADAM_EPS = 0.9, 0.999, 1e-8
DEFAULT_LR = 0.01                   # full-batch; the objective sums the loss over samples
DEFAULT_STEPS = 20_000
DEFAULT_INIT_SCALE = 1.0
_EPOCHS_PER_BLOCK = 256             # minibatch permutations are drawn this many epochs at a time
EXPLODE_FACTOR = 1e6                # a trial whose objective (2) exceeds this × its start has diverged


@dataclass
class SGDResult:
    """A batch of training runs; every array has the trials first."""
    objectives: np.ndarray          # (trials, T) objective (2) at ``steps``; [:, 0] initial, [:, -1] returned weights
    steps: np.ndarray               # (T,) absolute step index of each record (start_step … end_step)
    U: np.ndarray                   # (trials, m, d) returned neurons, one per row
    alpha: np.ndarray               # (trials, m) returned output weights
    diverged: np.ndarray            # (trials,) bool
    diverged_at: np.ndarray         # (trials,) int: step at which the trial diverged (module docstring), −1 if none
    m: int
    beta: float
    loss: str
    lr: float
    steps_run: int                  # steps taken by this call
    batch_size: int | None
    seed: int
    init_scale: float
    optimizer: str
    record_every: int
    start_step: int                 # absolute index of the first step of this call
    seconds: float
    state: dict = field(default_factory=dict)   # optimizer state (momentum / Adam moments) and each
                                                # trial's start objective, for resume
    inactive: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))   # (trials,) no neuron on at
                                                # any data point at the returned weights (module docstring)

    @property
    def trials(self) -> int:
        return self.U.shape[0]

    @property
    def end_step(self) -> int:
        """Absolute step count after this call (the ``start_step`` of a resumed run)."""
        return self.start_step + self.steps_run

    @property
    def final(self) -> np.ndarray:
        """(trials,) objective (2) of the returned weights."""
        return self.objectives[:, -1]

    def history(self) -> np.ndarray:
        """``objectives`` with NaN from each diverged trial's divergence on (for plotting)."""
        out = self.objectives.copy()
        for t in np.flatnonzero(self.diverged):
            out[t, self.steps >= self.diverged_at[t]] = np.nan
        return out

    def status(self, t: int) -> RunStatus:
        """Trial ``t``: "diverged" (stopped, module docstring), "inactive" (the network is zero on
        the data) or "ok"."""
        if self.diverged[t]:
            return "diverged"
        return "inactive" if self.inactive[t] else "ok"

    @property
    def statuses(self) -> list[RunStatus]:
        """:meth:`status` of every trial."""
        return [self.status(t) for t in range(self.trials)]

    @property
    def halted(self) -> np.ndarray:
        """(trials,) bool: the trial's network can no longer change — it diverged (and was stopped),
        or it is inactive under plain steps with lr·β < 1 (no gradient reaches a dead ReLU and
        weight decay keeps its sign).  A watcher may stop animating when every trial is halted."""
        return self.diverged | (self.inactive & (self.optimizer == "sgd") & (self.lr * self.beta < 1))

    def message(self, t: int) -> str | None:
        """What happened to trial ``t`` and what to try, for the app; None when its status is "ok"."""
        lr_try = f"{self.lr / 10:.3g}"
        if self.diverged[t]:
            return (f"run {t + 1} diverged at step {int(self.diverged_at[t]):,}: objective (2) grew more than a "
                    f"millionfold above its start (or overflowed), so it was stopped there. The learning rate "
                    f"{self.lr:g} is too large for these data; try a smaller one, e.g. {lr_try}.")
        if self.inactive[t]:
            return (f"run {t + 1}: all neurons inactive — the network is zero. No neuron is on at any data point, so "
                    f"the loss sends no gradient through them and the run cannot recover"
                    + ("" if self.halted[t] else " unless its optimizer's momentum revives a neuron")
                    + f". Try a smaller learning rate (e.g. {lr_try}) or another seed.")
        return None


# ---------------------------------------------------------------- validation

def _check_weights(U0, alpha0, d, m, trials):
    U0 = np.asarray(U0, dtype=float)
    alpha0 = np.asarray(alpha0, dtype=float)
    if U0.ndim == 2:
        U0 = U0[None]
    if alpha0.ndim == 1:
        alpha0 = alpha0[None]
    if U0.ndim != 3 or U0.shape[2] != d:
        raise ValueError(f"U0 has shape {U0.shape}; it must be (trials, m, {d}): one (m, d) network per "
                         f"trial, d = {d} the columns of X (bias included).")
    if alpha0.ndim != 2 or alpha0.shape != U0.shape[:2]:
        raise ValueError(f"alpha0 has shape {alpha0.shape} but U0 has shape {U0.shape}; pass one output "
                         f"weight per neuron, shape {U0.shape[:2]}.")
    if m is not None and U0.shape[1] != m:
        raise ValueError(f"m={m} but U0 has {U0.shape[1]} neurons per trial; omit m or pass m={U0.shape[1]}.")
    if trials is not None and U0.shape[0] != trials:
        raise ValueError(f"trials={trials} but U0 holds {U0.shape[0]} trials; omit trials or pass "
                         f"trials={U0.shape[0]}.")
    if not (np.all(np.isfinite(U0)) and np.all(np.isfinite(alpha0))):
        raise ValueError("U0 or alpha0 contains NaN/inf; pass finite starting weights (resume= keeps diverged "
                         "trials frozen for you).")
    return U0, alpha0


# ---------------------------------------------------------------- minibatches

class _Batches:
    """Minibatch indices (A, b) for the active trials at an absolute step."""

    def __init__(self, seed, n, b, trials):
        self.seed, self.n, self.b, self.trials = seed, n, b, trials
        self.per_epoch = n // b
        self.block = None
        self.perms = None                 # (trials, E, n)

    def __call__(self, step, active):
        epoch, j = divmod(step, self.per_epoch)
        block, e = divmod(epoch, _EPOCHS_PER_BLOCK)
        if block != self.block:
            base = np.broadcast_to(np.arange(self.n), (_EPOCHS_PER_BLOCK, self.n))
            self.perms = np.stack([np.random.default_rng([self.seed, 1, t, block]).permuted(base, axis=1)
                                   for t in range(self.trials)])
            self.block = block
        return self.perms[active, e, j * self.b:(j + 1) * self.b]


def _init(seed, trials, m, d, scale):
    """u_j ~ N(0, scale²/d · I), α_j ~ N(0, scale²/m), trial t from default_rng([seed, 0, t])."""
    U = np.empty((trials, m, d))
    a = np.empty((trials, m))
    for t in range(trials):
        rng = np.random.default_rng([seed, 0, t])
        U[t] = rng.standard_normal((m, d)) * (scale / np.sqrt(d))
        a[t] = rng.standard_normal(m) * (scale / np.sqrt(m))
    return U, a


# ---------------------------------------------------------------- the loop

def train_sgd(X, y, *, m=None, beta, loss: str = "squared", lr=DEFAULT_LR, steps=DEFAULT_STEPS,
              batch_size=None, trials=None, seed=0, init_scale=DEFAULT_INIT_SCALE, record_every=None,
              optimizer: str = "sgd", U0=None, alpha0=None, start_step=0, resume: SGDResult | None = None
              ) -> SGDResult:
    """Train ``trials`` two-layer ReLU networks of width ``m`` on objective (2) by (S)GD.

    Parameters
    ----------
    X, y : data (n, d) (bias column included if wanted) and targets (n,); ±1 for hinge/logistic.
    m : width (default 50, or U0's).  beta : weight decay β > 0 of (2).
    lr : learning rate (default 0.01).  steps : number of steps (default 20,000).
    batch_size : None for full-batch gradient descent, else b in [1, n].
    trials : independent initialisations (default 10, or U0's).  seed : see the module docstring.
    init_scale : u_j ~ N(0, s²/d), α_j ~ N(0, s²/m) (default s = 1).
    record_every : record objective (2) every this many steps (absolute multiples, plus the first
        and last step).  Default: every max(1, steps // 1000) steps — pass it explicitly when
        running in chunks so that the records of the chunks line up.
    optimizer : "sgd" | "momentum" | "adam".
    U0, alpha0 : starting weights (trials, m, d) and (trials, m) instead of random ones, with
        ``start_step`` the absolute index of the first step (drives the minibatch schedule and Adam's
        bias correction).
    resume : a previous :class:`SGDResult`: continue it (weights, optimizer state, step count,
        frozen diverged trials; seed, batch size, optimizer and init_scale are taken from it).
        ``lr``, ``beta``, ``loss`` may change between chunks.

    Returns
    -------
    SGDResult, whose ``objectives[:, -1]`` is objective (2) of the returned weights.
    """
    t0 = time.perf_counter()
    X = check_X(X)
    loss = check_loss(loss)
    y = check_y(y, X.shape[0], loss)
    n, d = X.shape
    beta = check_scalar("beta", beta)
    lr = check_scalar("lr", lr)
    steps = check_scalar("steps", steps)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer={optimizer!r} is not known; use one of {', '.join(map(repr, OPTIMIZERS))}.")
    if m is not None:
        m = check_scalar("m", m)
    if trials is not None:
        trials = check_scalar("trials", trials)
    record_every = (max(1, steps // 1000) if record_every is None else
                    check_int("record_every", record_every, 1, 10**9))
    diverged_at = None
    state = {}
    if resume is not None:
        if not isinstance(resume, SGDResult):
            raise ValueError(f"resume={type(resume).__name__} is not an SGDResult; pass the result of a "
                             "previous train_sgd call.")
        if U0 is not None or alpha0 is not None:
            raise ValueError("pass either resume= or U0/alpha0, not both; resume carries the weights.")
        if resume.U.shape[2] != d:
            raise ValueError(f"resume has networks with d = {resume.U.shape[2]} inputs but X has d = {d} "
                             "columns; resume on the same data.")
        U0, alpha0, start_step = resume.U, resume.alpha, resume.end_step
        seed, batch_size, init_scale = resume.seed, resume.batch_size, resume.init_scale
        if optimizer != resume.optimizer and optimizer != "sgd":
            raise ValueError(f"optimizer={optimizer!r} but resume used {resume.optimizer!r}; keep the optimizer "
                             "when resuming (or omit it).")
        optimizer = resume.optimizer
        diverged_at = resume.diverged_at.copy()
        state = {k: v.copy() for k, v in resume.state.items()}
    seed = check_scalar("seed", seed)
    init_scale = check_scalar("init_scale", init_scale, lo=0.0, hi=1e6, lo_open=True, integer=False)
    start_step = check_int("start_step", start_step, 0, 10**12, "Pass the number of steps already taken.")
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, 1, n,
                               f"Pass a batch size between 1 and n = {n}, or batch_size=None for full-batch "
                               "gradient descent.")
    if (U0 is None) != (alpha0 is None):
        raise ValueError("pass both U0 and alpha0 (starting neurons and output weights), or neither.")
    if U0 is None:
        m = PARAMS["m"].default if m is None else m
        trials = PARAMS["trials"].default if trials is None else trials
        U, a = _init(seed, trials, m, d, init_scale)
    else:
        U, a = _check_weights(U0, alpha0, d, m, trials if resume is None else None)
        U, a = U.copy(), a.copy()
    trials, m = a.shape
    if diverged_at is None:
        diverged_at = np.full(trials, -1)
    if state and any(v.shape[0] != trials for v in state.values()):
        state = {}

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        obj, rec_steps, diverged_at, U, a, state = _run(
            X, y, U, a, beta, loss, lr, steps, batch_size, seed, optimizer, record_every,
            start_step, diverged_at, state)
    with np.errstate(over="ignore", invalid="ignore"):
        inactive = ~np.any(np.matmul(U, X.T) > 0, axis=(1, 2))      # the kernel's rule: on iff xᵢᵀu_j > 0
    return SGDResult(objectives=obj, steps=rec_steps, U=U, alpha=a, diverged=diverged_at >= 0,
                     diverged_at=diverged_at, m=m, beta=beta, loss=loss, lr=lr, steps_run=steps,
                     batch_size=batch_size, seed=seed, init_scale=init_scale, optimizer=optimizer,
                     record_every=record_every, start_step=start_step,
                     seconds=time.perf_counter() - t0, state=state, inactive=inactive)


def _record_grid(start, steps, every):
    end = start + steps
    first = -(-start // every) * every
    grid = np.arange(first, end + 1, every)
    return np.unique(np.concatenate([[start], grid, [end]]))


class _Kernel:
    """Forward and backward passes for A trials of m neurons, with reused buffers.

    Full batch: Z = (U_stacked Xᵀ) of shape (A, m, n), one matrix product.  Minibatch: the
    batched product U_t X_{B_t}ᵀ, (A, m, b).  ``act`` holds 1[Z > 0] as floats, so that
    q_j = Xᵀ D_j r is one batched product act @ (r ∘ X).
    """

    def __init__(self, X):
        self.X, self.XT = X, np.ascontiguousarray(X.T)
        self.full = self.batch = (None, None, None)      # (Z, H, act) buffers

    @staticmethod
    def _bufs(cur, shape):
        return cur if cur[0] is not None and cur[0].shape == shape else tuple(np.empty(shape) for _ in range(3))

    def forward(self, U, a, Xb=None, *, keep_act=True):
        """ŷ (A, n or b) and, if ``keep_act``, the activations for :meth:`backward`."""
        A, m, d = U.shape
        if Xb is None:
            n = self.XT.shape[1]
            self.full = Z, H, act = self._bufs(self.full, (A, m, n))
            np.matmul(U.reshape(A * m, d), self.XT, out=Z.reshape(A * m, n))
        else:
            self.batch = Z, H, act = self._bufs(self.batch, (A, m, Xb.shape[1]))
            np.matmul(U, Xb.transpose(0, 2, 1), out=Z)
        np.maximum(Z, 0.0, out=H)
        if keep_act:
            np.greater(Z, 0.0, out=act, casting="unsafe")
            self.act = act
        return np.matmul(a[:, None, :], H)[:, 0, :]

    def backward(self, r, Xb):
        """q_j = Xᵀ D_j r for every neuron, (A, m, d); ``Xb`` (n, d) or (A, b, d)."""
        return np.matmul(self.act, r[:, :, None] * Xb)

    def keep(self, rows):
        self.act = self.act[rows]


def _sq(a):
    a = a.reshape(-1)
    return float(np.dot(a, a))


def _run(X, y, U, a, beta, loss, lr, steps, b, seed, optimizer, every, start, diverged_at, state):
    """The vectorised loop (trusted inputs): the active trials' weights are (A, m, d), (A, m)."""
    loss = get_loss(loss)
    n, d = X.shape
    trials, m = a.shape
    rec = _record_grid(start, steps, every)
    obj = np.empty((trials, rec.size))
    r_of = {s: i for i, s in enumerate(rec)}
    kern = _Kernel(X)
    batches = _Batches(seed, n, b, trials) if b is not None else None
    scale = 1.0 if b is None else n / b
    if optimizer == "momentum":
        state.setdefault("vel_U", np.zeros_like(U))
        state.setdefault("vel_a", np.zeros_like(a))
    elif optimizer == "adam":
        for k, like in (("m_U", U), ("v_U", U), ("m_a", a), ("v_a", a)):
            state.setdefault(k, np.zeros_like(like))

    out_U, out_a = U.copy(), a.copy()
    frozen = diverged_at >= 0          # resumed trials that had diverged: records repeat their value
    if frozen.any():
        obj[frozen] = objective(X, y, U[frozen], a[frozen], beta, loss)[:, None]
    active = np.flatnonzero(~frozen)
    Ua, aa = U[active], a[active]       # W_k of the active trials
    st = {k: v[active] for k, v in state.items()}
    prev_U, prev_a = Ua, aa             # W_{k−1}: the last weights whose output was finite
    decay = 1.0 - lr * beta

    # Explosion is measured against each trial's objective at the first step of its training,
    # kept in ``state`` so that a resumed run is judged against the same start.
    start_obj = state.get("start_objective")

    def freeze(loc, U_keep, a_keep, value, step):
        """Stop active trials ``loc`` at ``step`` with weights U_keep, a_keep of objective ``value``;
        returns the positions of the trials that stay active."""
        nonlocal active, Ua, aa, st
        glob = active[loc]
        diverged_at[glob] = step
        out_U[glob], out_a[glob] = U_keep, a_keep
        obj[glob, np.searchsorted(rec, step):] = value[:, None]
        for k in st:
            state[k][glob] = st[k][loc]
        keep = np.setdiff1d(np.arange(active.size), loc)
        active, Ua, aa = active[keep], Ua[keep], aa[keep]
        st = {k: v[keep] for k, v in st.items()}
        return keep

    for i in range(steps + 1):
        if active.size == 0:
            break
        step = start + i
        k_rec = r_of.get(step)
        last = i == steps
        full = b is None or last or k_rec is not None
        # ---- forward
        yfull = kern.forward(Ua, aa, keep_act=b is None) if full else None
        if b is not None and not last:
            idx = batches(step, active)
            Xb, yb = X[idx], y[idx]                          # (A, b, d), (A, b)
            yhat = kern.forward(Ua, aa, Xb)
        else:
            Xb, yb, yhat = X, y, yfull
        # ---- divergence (a): the output (squared) and the weights must be finite
        chk = yfull if full else yhat
        keep = None                      # positions (in this step's active set) that carry on
        if not np.isfinite(_sq(chk) + _sq(Ua) + _sq(aa)):
            bad = np.flatnonzero(~np.isfinite(np.einsum("an,an->a", chk, chk) + np.einsum("amd,amd->a", Ua, Ua)
                                              + np.einsum("am,am->a", aa, aa)))
            keep = freeze(bad, prev_U[bad], prev_a[bad],
                          objective(X, y, prev_U[bad], prev_a[bad], beta, loss), step)
            if yfull is not None:
                yfull = yfull[keep]
        # ---- divergence (b): objective (2) above EXPLODE_FACTOR times the trial's start
        if k_rec is not None and active.size:
            value = (loss.value(yfull, y) + 0.5 * beta
                     * (np.einsum("amd,amd->a", Ua, Ua) + np.einsum("am,am->a", aa, aa)))
            obj[active, k_rec] = value
            if start_obj is None:                            # the first step of a fresh run
                start_obj = np.full(trials, np.nan)
                start_obj[active] = value
                state["start_objective"] = start_obj
                st["start_objective"] = start_obj[active]
            blown = np.flatnonzero(value > EXPLODE_FACTOR * st["start_objective"])
            if blown.size:
                left = freeze(blown, Ua[blown], aa[blown], value[blown], step)
                keep = left if keep is None else keep[left]
        if active.size == 0:
            break
        if last:
            break
        if keep is not None:             # the stopped trials' rows leave this step's arrays
            kern.keep(keep)
            yhat = yhat[keep]
            if b is not None:
                Xb, yb = Xb[keep], yb[keep]
        # ---- backward: r = ∂ℓ/∂ŷ (× n/b on a batch), q_j = Xᵀ D_j r
        r = loss.grad(yhat, yb)
        if b is not None:
            r *= scale
        Q = kern.backward(r, Xb)
        g_a = np.einsum("amd,amd->am", Ua, Q)
        prev_U, prev_a = Ua, aa
        if optimizer == "sgd":
            # w − lr (g + β w), with g_U = α q, g_α = uᵀq
            Q *= (lr * aa)[:, :, None]
            Ua = Ua * decay
            Ua -= Q
            aa = aa * decay
            aa -= lr * g_a
        else:
            Ua, aa = _update(optimizer, Ua, aa, Q * aa[:, :, None] + beta * Ua, g_a + beta * aa, lr, st, step + 1)
    out_U[active], out_a[active] = Ua, aa
    for k in st:
        state[k][active] = st[k]
    return obj, rec, diverged_at, out_U, out_a, state


def _update(optimizer, U, a, gU, ga, lr, st, t):
    """One momentum or Adam step (returns new arrays; ``st`` updated in place; plain steps are
    taken in the loop itself, in place)."""
    if optimizer == "momentum":
        st["vel_U"] = MOMENTUM * st["vel_U"] + gU
        st["vel_a"] = MOMENTUM * st["vel_a"] + ga
        return U - lr * st["vel_U"], a - lr * st["vel_a"]
    # adam
    c1, c2 = 1 - ADAM_B1 ** t, 1 - ADAM_B2 ** t
    out = []
    for w, g, mk, vk in ((U, gU, "m_U", "v_U"), (a, ga, "m_a", "v_a")):
        st[mk] = ADAM_B1 * st[mk] + (1 - ADAM_B1) * g
        st[vk] = ADAM_B2 * st[vk] + (1 - ADAM_B2) * g * g
        out.append(w - lr * (st[mk] / c1) / (np.sqrt(st[vk] / c2) + ADAM_EPS))
    return out[0], out[1]
