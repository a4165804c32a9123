"""The Convex page's sentence on the active patterns counts patterns and blocks separately, so it
is true when one pattern carries both a vᵢ and a wᵢ block (two neurons in one pattern).

Independent route: the table of neurons (one row per neuron: its pattern i and its block, from
the neurons' cells and the signs of α), grouped by pattern here."""
import itertools
import re
from collections import Counter

import numpy as np
import pytest

from app_pages.convex import active_pattern_rows, active_sentence
from cvxcore import solve_convex, with_bias

GRID = np.array(list(itertools.product([-1.0, 0.0, 1.0], repeat=2)))      # the 3×3 grid


@pytest.mark.parametrize("y,both", [
    ([1, -1, -1, -1, 1, -1, -1, -1, 1], 1),       # the diagonal: one pattern carries a vᵢ and a wᵢ
    ([1, 1, 1, -1, -1, -1, 1, 1, 1], None),
])
def test_the_active_pattern_sentence_counts_patterns_and_blocks(y, both):
    res = solve_convex(with_bias(GRID), np.array(y, float), 0.1)
    assert res.n_patterns == 58
    rows = active_pattern_rows(res)
    per_pattern = Counter(r["pattern i"] for r in rows)
    n_v = sum(r["block"].startswith("vᵢ") for r in rows)
    n_both = sum(k == 2 for k in per_pattern.values())
    assert max(per_pattern.values()) <= 2                 # one vᵢ and one wᵢ per pattern at most
    if both is not None:
        assert n_both == both
    text = active_sentence(res)
    m = re.search(r"m\* = (\d+) neurons are the (\d+) nonzero blocks of \(8\) \((\d+) vᵢ, (\d+) wᵢ\), "
                  r"in (\d+) of the (\d+) patterns", text)
    assert m, text
    m_star, blocks, nv, nw, used, P = map(int, m.groups())
    assert m_star == blocks == len(rows) == res.m_star and (nv, nw) == (n_v, len(rows) - n_v)
    assert used == len(per_pattern) and P == 58
    if n_both:
        assert f"{n_both} pattern{'s carry' if n_both > 1 else ' carries'} both a vᵢ and a wᵢ block" in text
    else:
        assert text.endswith("one block per pattern.")
