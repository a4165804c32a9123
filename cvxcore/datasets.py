"""Preset data sets for the app: pure numpy generators with explicit seeds.

A generator is ``f(n, noise, seed) -> (points, y)``: 1-D regression sets return
points of shape (n, 1) and real targets y; 2-D classification sets return points
(n, 2) in the box [-LIM, LIM]² and labels y ∈ {−1, +1}.  ``PRESETS`` is the
registry (as TensorFlow Playground's ``dataset.ts``): name → :class:`Preset`.
Nothing here imports streamlit or plotly; randomness is ``default_rng(seed)`` only.

The paper's Figure 2 set is fixed (``n``, ``noise`` and ``seed`` are ignored):
x = [−2, −1, 0, 1, 2], y = [1, −1, 1, 1, −1].
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LIM = 2.0          # 2-D presets lie in [-LIM, LIM]²; the drawing canvas is a little larger
PAPER_X = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])      # the paper's Figure 2 data
PAPER_Y = np.array([1.0, -1.0, 1.0, 1.0, -1.0])


@dataclass(frozen=True)
class Preset:
    name: str
    label: str                       # what a button shows
    dim: int                         # 1: regression (x, y);  2: classification (x1, x2; ±1)
    generate: Callable[[int, float, int], tuple[np.ndarray, np.ndarray]]
    n: int                           # default number of points
    noise: float                     # default noise level
    help: str = ""


def figure2_points(n: int = 5, noise: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The paper's Figure 2 data: x = [−2, −1, 0, 1, 2], y = [1, −1, 1, 1, −1]."""
    return PAPER_X[:, None].copy(), PAPER_Y.copy()


def sine_1d(n: int = 12, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n points x evenly in [−2, 2], y = sin(1.5 x) + noise·N(0, 1)."""
    rng = np.random.default_rng(seed)
    x = np.linspace(-2.0, 2.0, n)
    return x[:, None], np.sin(1.5 * x) + noise * rng.standard_normal(n)


def _labels(n: int) -> np.ndarray:
    """n labels, half +1 then half −1 (the first ⌈n/2⌉ are +1)."""
    return np.where(np.arange(n) < (n + 1) // 2, 1.0, -1.0)


def xor(n: int = 40, noise: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points in the box; label = sign(x1 · x2) (quadrants), points too close to an axis pushed out."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(-LIM, LIM, size=(n, 2))
    p += np.sign(p) * 0.2                                # a margin around the axes
    p = np.clip(p, -LIM, LIM)
    y = np.where(p[:, 0] * p[:, 1] >= 0, 1.0, -1.0)
    p = p + noise * rng.standard_normal(p.shape)
    return p, y


def two_moons(n: int = 40, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles (radius 1), +1 on the upper one, scaled into the box."""
    rng = np.random.default_rng(seed)
    y = _labels(n)
    t = rng.uniform(0.0, np.pi, n)
    up = y > 0
    p = np.asarray(np.where(up[:, None], np.c_[np.cos(t), np.sin(t)], np.c_[1.0 - np.cos(t), 0.5 - np.sin(t)]))
    p = (p - np.array([0.5, 0.25])) * 1.3 + noise * rng.standard_normal((n, 2))
    return p, y


def circles(n: int = 40, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """+1 inside a disc of radius 0.8, −1 on a ring of radii 1.3–1.8."""
    rng = np.random.default_rng(seed)
    y = _labels(n)
    r = np.where(y > 0, rng.uniform(0.0, 0.8, n), rng.uniform(1.3, 1.8, n))
    t = rng.uniform(0.0, 2 * np.pi, n)
    p = np.c_[r * np.cos(t), r * np.sin(t)] + noise * rng.standard_normal((n, 2))
    return p, y


def spiral(n: int = 40, noise: float = 0.05, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spiral arms (one turn and a half), +1 on the first."""
    rng = np.random.default_rng(seed)
    y = _labels(n)
    k = np.where(y > 0, np.arange(n), np.arange(n) - (n + 1) // 2)
    m = np.maximum((n + 1) // 2, 1)
    s = (k + 0.5) / m                                   # 0 … 1 along an arm
    r = 0.2 + 1.6 * s
    t = 3.0 * np.pi * s + np.where(y > 0, 0.0, np.pi)
    p = np.c_[r * np.cos(t), r * np.sin(t)] + noise * rng.standard_normal((n, 2))
    return p, y


def random_2d(n: int = 30, noise: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points in the box with random labels ±1 (no structure: the hardest fit)."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(-LIM * 0.9, LIM * 0.9, size=(n, 2))
    y = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    return p, y


PRESETS: dict[str, Preset] = {p.name: p for p in [
    Preset("paper", "Paper (Fig. 2)", 1, figure2_points, 5, 0.0,
           "The paper's 1-D example: x = −2, −1, 0, 1, 2 and y = 1, −1, 1, 1, −1."),
    Preset("sine", "Sine (1-D)", 1, sine_1d, 12, 0.1, "12 noisy samples of sin(1.5x)."),
    Preset("xor", "XOR", 2, xor, 40, 0.0, "Label = sign(x₁x₂): opposite quadrants share a class."),
    Preset("moons", "Two moons", 2, two_moons, 40, 0.1, "Two interleaved half circles."),
    Preset("circles", "Circles", 2, circles, 40, 0.1, "A disc of +1 inside a ring of −1."),
    Preset("spiral", "Spiral", 2, spiral, 40, 0.05, "Two interleaved spiral arms."),
    Preset("random", "Random 2-D", 2, random_2d, 30, 0.0, "Random points with random labels."),
]}


def make(name: str, n: int | None = None, noise: float | None = None, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(points, y)`` of preset ``name``; ``ValueError`` naming the choices for an unknown name."""
    if name not in PRESETS:
        raise ValueError(f"preset {name!r} is not known; use one of {', '.join(map(repr, PRESETS))}.")
    p = PRESETS[name]
    n = p.n if n is None else int(n)
    if n < 1:
        raise ValueError(f"n={n} points requested; a preset needs n >= 1.")
    X, y = p.generate(n, p.noise if noise is None else float(noise), int(seed))
    return np.asarray(X, float), np.asarray(y, float)
