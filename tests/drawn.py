"""Layouts a person draws with the mouse, shared by the property tests of the solver: a regular
hexagon with its centre (symmetric, one interior point), the 3×3 lattice (collinear triples,
many lines through one point) and a few random points in the unit square; ±1 labels with both
classes present."""
import numpy as np

ANGLES = np.arange(6) * np.pi / 3
HEXAGON = np.vstack([np.c_[np.cos(ANGLES), np.sin(ANGLES)], [[0.0, 0.0]]])
GRID = np.array([[i, j] for i in (-1, 0, 1) for j in (-1, 0, 1)], dtype=float)
KINDS = ("hexagon", "grid", "random")


def drawable(kind: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(Z (n, 2), y (n,)): the layout ``kind`` (random: 5 to 10 points) and labels drawn from
    ``seed``."""
    rng = np.random.default_rng(seed)
    Z = {"hexagon": HEXAGON, "grid": GRID}.get(kind)
    if Z is None:
        Z = rng.uniform(-1, 1, (int(rng.integers(5, 11)), 2))
    y = np.where(rng.random(Z.shape[0]) < 0.5, 1.0, -1.0)
    y[0], y[-1] = 1.0, -1.0
    return Z, y
