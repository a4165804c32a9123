"""Presets (cvxcore.datasets): shapes, labels, ranges, reproducibility."""
import numpy as np
import pytest

from cvxcore.datasets import LIM, PRESETS, make


def test_paper_example_is_exact():
    X, y = make("paper")
    np.testing.assert_array_equal(X[:, 0], [-2, -1, 0, 1, 2])
    np.testing.assert_array_equal(y, [1, -1, 1, 1, -1])


@pytest.mark.parametrize("name", list(PRESETS))
def test_shapes_labels_and_range(name):
    p = PRESETS[name]
    X, y = make(name)
    assert X.shape == ((5 if name == "paper" else p.n), p.dim)
    assert y.shape == (X.shape[0],)
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(y))
    if p.dim == 2:
        assert set(np.unique(y)) == {-1.0, 1.0}           # both classes present
        assert np.abs(X).max() <= LIM + 0.5                # inside the drawing canvas (±2.5)


@pytest.mark.parametrize("name", [n for n in PRESETS if n != "paper"])
def test_seeded_and_reproducible(name):
    a, b, c = make(name, seed=3), make(name, seed=3), make(name, seed=4)
    np.testing.assert_array_equal(a[0], b[0])
    assert not (np.array_equal(a[0], c[0]) and np.array_equal(a[1], c[1]))   # another seed, another set


def test_xor_labels_follow_quadrants():
    X, y = make("xor", noise=0.0)
    np.testing.assert_array_equal(y, np.where(X[:, 0] * X[:, 1] >= 0, 1.0, -1.0))


def test_unknown_preset_and_bad_n():
    with pytest.raises(ValueError, match="not known"):
        make("nope")
    with pytest.raises(ValueError, match="n >= 1"):
        make("moons", n=0)
