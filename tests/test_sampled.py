"""Sampled patterns (Remark 3.3): cvxcore.experiments.sampled_sweep against independent routes.

* every sampled value p̃ is the objective (2) of a real network, so p̃ ≥ p* ≥ the certified lower
  bound of the exact solve: checked with no tolerance;
* nested pattern sets: p̃ is non-increasing in the number of directions, to the solver's certified
  accuracy (relative 1e-6, ``cvxcore.convex.CERT_RTOL``), and reaches p* once every pattern is in;
* each certified gap bounds p̃ − p*;
* the reported number of directions to come within 1 % is checked by solving (8) directly on the
  stream's first k and k − 1 directions;
* the counts: P equals Cover's count for the paper's data (general position) and is below the
  paper's bound.
"""
from __future__ import annotations

import numpy as np
import pytest

from cvxcore import solve_convex, with_bias
from cvxcore.arrangement import distinct_first, pattern_stream
from cvxcore.convex import CERT_RTOL
from cvxcore.datasets import make
from cvxcore.experiments import sampled_sweep


def check_sweep(X, y, beta, sweep):
    exact = solve_convex(X, y, beta)
    assert sweep.p_star == pytest.approx(exact.value, rel=1e-9)
    assert np.all(sweep.values >= exact.lower_bound)                                   # p̃ ≥ p*
    assert np.all(np.diff(sweep.values) <= CERT_RTOL * sweep.values[:-1])               # non-increasing
    assert np.all(sweep.lower_bounds <= exact.value * (1 + 1e-12))                     # bounds on p*
    assert np.all(sweep.gaps >= sweep.values - exact.value - CERT_RTOL * exact.value)   # gap ≥ p̃ − p*
    assert np.all(sweep.n_patterns <= sweep.sample_counts) and np.all(np.diff(sweep.n_patterns) >= 0)
    k = sweep.samples_within
    assert k is not None
    stream = pattern_stream(X, k, seed=0)
    target = (1 + sweep.rtol) * sweep.p_star
    assert solve_convex(X, y, beta, patterns=distinct_first(stream, k)).value <= target
    if k > 1:
        assert solve_convex(X, y, beta, patterns=distinct_first(stream, k - 1)).value > target
    assert sweep.patterns_within == distinct_first(stream, k).shape[0]
    return exact


def test_sampled_patterns_on_the_papers_data(paper_data):
    X, y = paper_data
    sweep = sampled_sweep(X, y, 0.1, seed=0)
    check_sweep(X, y, 0.1, sweep)
    assert sweep.n_cells == sweep.cover_count == 10 and sweep.rank == 2
    assert sweep.paper_bound >= sweep.cover_count
    assert sweep.n_patterns[-1] == 10                       # every pattern drawn: p̃ = p*
    assert sweep.values[-1] == pytest.approx(sweep.p_star, rel=CERT_RTOL)
    assert sweep.values[0] > 2 * sweep.p_star               # one pattern is far off


def test_sampled_patterns_on_two_moons():
    pts, y = make("moons")
    X = with_bias(pts)
    sweep = sampled_sweep(X, y, 1.0, sample_counts=(4, 16, 64, 256), seed=0)
    check_sweep(X, y, 1.0, sweep)
    assert sweep.rank == 3 and sweep.n_cells <= sweep.cover_count <= sweep.paper_bound
    assert sweep.values[0] > 1.05 * sweep.p_star and sweep.values[-1] < 1.01 * sweep.p_star
    assert sweep.patterns_within < sweep.n_cells / 10      # a few percent of the P patterns suffice here


def test_sampled_sweep_validates():
    X = with_bias(np.array([-1.0, 0.0, 1.0]))
    y = np.array([1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match="rtol"):
        sampled_sweep(X, y, 0.1, rtol=0)
    with pytest.raises(ValueError, match="samples"):
        sampled_sweep(X, y, 0.1, sample_counts=[0, 10])
