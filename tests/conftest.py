"""Shared test data, and the markers (pytest.ini):

* ``browser`` — tests that drive a real Streamlit server in headless Chromium: every test of a
  module named ``test_browser*`` and every test that uses a server or browser fixture;
* ``slow`` — tests marked so by hand (longer than ~10 s: solver sweeps, property searches).

The quick set: ``python -m pytest -q -m "not slow and not browser"``.
"""
from __future__ import annotations

import numpy as np
import pytest

from cvxcore import with_bias
from cvxcore.datasets import PAPER_X, PAPER_Y, make
from scripts.appserver import CHROMIUM, running_app

BROWSER_FIXTURES = {"server", "fresh_server", "browser", "page", "stack", "chromium", "app_server"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        name = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if name.startswith("test_browser") or BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def paper_data():
    """The paper's Figure 2 data: X (5, 2) with a bias column, y (5,)."""
    return with_bias(PAPER_X), PAPER_Y.copy()


@pytest.fixture
def moons():
    """The app's two-moons preset (40 points) with a bias column, labels ±1."""
    pts, y = make("moons")
    return with_bias(pts), y


@pytest.fixture
def xor_data():
    """30 XOR points x ~ N(0, I₂) with a bias column, y = sign(x₁x₂) (seed 21)."""
    x = np.random.default_rng(21).standard_normal((30, 2))
    return with_bias(x), np.sign(x[:, 0] * x[:, 1])


@pytest.fixture(scope="module")
def server():
    """The app (``streamlit run app.py``) on a free loopback port, one per test module: its URL."""
    with running_app() as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through one Playwright driver per module (a second
    ``sync_playwright()`` inside the first fails); skipped when either is missing."""
    pw = pytest.importorskip("playwright.sync_api")
    import os
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    from scripts.appserver import chromium
    with pw.sync_playwright() as p:
        b = chromium(p)
        yield b
        b.close()

