"""Sampled activation patterns (Remark 3.3, Figures 3–4), with a certified gap at every size.

(8) needs every pattern D_1 … D_P of the data, and P grows with n: for r = rank(X),

    P ≤ 2 Σ_{k=0}^{r−1} C(n−1, k)          (Cover, 1965; equality for rows in general position)
      ≤ 2r (e(n−1)/r)^r                    (the paper's bound, section 2),

so P = O(n^(r−1)) — the first bound's last term, 2·C(n−1, r−1) ≈ 2n^(r−1)/(r−1)! — while the
paper's simpler bound is O(n^r).  1-D data with a bias (r = 2): P = 2n; 2-D data with a bias
(r = 3): P ≈ n²; d-dimensional data: polynomial in n for fixed d, exponential in d.

Remark 3.3 replaces them by P̃ patterns Dᵢ = Diag(1[X uᵢ ≥ 0]) of directions uᵢ ~ N(0, I_d) and
solves (8) over those alone ("remaining variables are set to zero").  That restricts the feasible
set, so its optimum p̃ ≥ p*; with nested pattern sets (the first k directions of one stream) p̃
decreases weakly in k and equals p* once the set holds the patterns of an optimal network.

The gap is certified without knowing p*: the sampled optimum (U, α) is a network, and its dual
vector v = −∇ℓ(ŷ) (and the restricted solve's own dual point), scaled to satisfy the dual
constraint of (4) priced exactly over **every** cell, gives a lower bound D(s·v) ≤ p*
(docs/theory.md §2).  So p̃ − D(s·v) ≥ p̃ − p* at every P̃.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..arrangement import CellSubset, arrangement, cover_count, distinct_first, paper_bound, pattern_stream
from ..convex import certify, solve_convex
from ..mechanism.types import LossName
from ..network import predict
from ..params import check_int, check_loss, check_scalar, check_X, check_y


@dataclass
class SampledSweep:
    sample_counts: np.ndarray   # (K,) directions drawn, increasing
    n_patterns: np.ndarray      # (K,) distinct patterns P̃ among them
    values: np.ndarray          # (K,) p̃: the optimum of (8) over those patterns, ≥ p*
    lower_bounds: np.ndarray    # (K,) certified lower bounds on p* from each sampled optimum
    gaps: np.ndarray            # (K,) values − lower_bounds ≥ values − p*
    p_star: float               # (8) over every cell
    n_cells: int                # P, every cell of the arrangement
    cover_count: int            # 2 Σ_{k<r} C(n−1, k) for X's n and r
    paper_bound: float          # 2r (e(n−1)/r)^r
    rank: int
    rtol: float
    samples_within: int | None  # fewest directions whose patterns give p̃ ≤ (1 + rtol) p* (None: not within max_samples)
    patterns_within: int | None  # P̃ at that count
    seconds: float

    @property
    def rel_excess(self) -> np.ndarray:
        """(p̃ − p*)/p* at each count."""
        return self.values / self.p_star - 1


def _certified(X, y, beta, loss, r, cells):
    """The certified lower bound on p* of a sampled optimum ``r``, priced over every cell."""
    cert = certify(X, y, predict(X, r.U, r.alpha), r.value, beta, loss, cells,
                   candidates=() if r.dual is None else (r.dual,))
    return cert.lower_bound


def _first_within(values_of, target, hi):
    """Smallest k in [1, hi] with values_of(k) ≤ target for a non-increasing values_of (doubling,
    then bisection); None when even k = hi is above it."""
    k, last_above = 1, 0
    while values_of(k) > target:
        if k >= hi:
            return None
        last_above, k = k, min(2 * k, hi)
    lo_k, hi_k = last_above, k          # values_of(lo_k) > target (or lo_k = 0), values_of(hi_k) ≤ target
    while hi_k - lo_k > 1:
        mid = (lo_k + hi_k) // 2
        if values_of(mid) <= target:
            hi_k = mid
        else:
            lo_k = mid
    return hi_k


def sampled_sweep(X, y, beta, sample_counts=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024), *,
                  loss: LossName = "squared", seed: int = 0, rtol: float = 0.01,
                  max_samples: int = 100_000) -> SampledSweep:
    """(8) over the patterns of the first k directions u ~ N(0, I_d) of one stream
    (``default_rng(seed)``), for each k of ``sample_counts``: p̃, its certified gap, against p*
    (module docstring); and the fewest directions k whose p̃ is within ``rtol`` of p*, found by
    doubling and bisection on the same stream (p̃ is non-increasing in k), up to ``max_samples``.
    """
    t0 = time.perf_counter()
    X = check_X(X)
    loss_name = check_loss(loss)
    y = check_y(y, X.shape[0], loss_name)
    beta = check_scalar("beta", beta)
    seed = check_scalar("seed", seed)
    max_samples = check_int("max_samples", max_samples, 1, 10**7)
    if not 0 < rtol < 1:
        raise ValueError(f"rtol={rtol!r} must be in (0, 1); e.g. 0.01 for within 1 % of p*.")
    counts = np.array(sorted({check_scalar("samples", k) for k in np.atleast_1d(sample_counts)}), dtype=int)
    if counts.size == 0:
        raise ValueError("sample_counts is empty; pass the numbers of sampled directions, e.g. [10, 100, 1000].")
    cells = arrangement(X)
    p_star = solve_convex(X, y, beta, loss=loss_name, patterns=cells).value
    stream = pattern_stream(X, int(max(counts[-1], max_samples)), seed)
    solved: dict = {}

    def result_of(k: int):
        """(8) over the patterns of the first k directions, as a subset of the arrangement's cells
        (closed-form pricing), warm-started from the nearest smaller k solved so far."""
        if k not in solved:
            P = distinct_first(stream, k)
            idx = cells.lookup(P)
            sub = CellSubset(cells, idx) if np.all(idx >= 0) else P
            below = [j for j in solved if j < k]
            opts = {"warm": solved[max(below)][0]} if below else {}
            solved[k] = (solve_convex(X, y, beta, loss=loss_name, patterns=sub, **opts), P.shape[0])
        return solved[k]

    vals, lows, n_pat = [], [], []
    for k in counts:
        res, npat = result_of(int(k))
        vals.append(res.value)
        lows.append(_certified(X, y, beta, loss_name, res, cells))
        n_pat.append(npat)
    within = _first_within(lambda k: result_of(k)[0].value, (1 + rtol) * p_star, max_samples)
    n, r = X.shape[0], int(np.linalg.matrix_rank(X))
    return SampledSweep(sample_counts=counts, n_patterns=np.array(n_pat), values=np.array(vals),
                        lower_bounds=np.array(lows), gaps=np.array(vals) - np.array(lows), p_star=float(p_star),
                        n_cells=int(cells.n_cells), cover_count=int(cover_count(n, r)),
                        paper_bound=float(paper_bound(n, r)), rank=int(r), rtol=float(rtol),
                        samples_within=within,
                        patterns_within=None if within is None else result_of(within)[1],
                        seconds=time.perf_counter() - t0)
