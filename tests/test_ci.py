"""CI runs the README's test command, with the pinned versions inside the declared bounds."""
import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement

tomllib = pytest.importorskip("tomllib")          # the standard library from Python 3.11

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    return [line.strip() for line in (ROOT / "README.md").read_text().splitlines()
            if line.startswith("    ") and "pip install -r requirements" in line]


def test_ci_runs_exactly_the_readme_test_command():
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    test_command = next(c for c in _readme_commands() if "requirements-dev.txt" in c)
    assert ci[-1] == test_command
    assert "-c constraints.txt" in test_command
    assert re.search(r"ruff check \. && mypy && python -m pytest", test_command)


def test_every_install_command_uses_the_constraints():
    assert all("-c constraints.txt" in c for c in _readme_commands())


def test_the_pins_satisfy_the_declared_bounds():
    pins = dict(line.split("==", 1) for line in (ROOT / "constraints.txt").read_text().splitlines()
                if line and not line.startswith("#"))
    pins = {k.lower().replace("_", "-"): v for k, v in pins.items()}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    reqs += [Requirement(r) for extra in project["optional-dependencies"].values() for r in extra]
    for r in reqs:
        name = r.name.lower().replace("_", "-")
        assert name in pins, f"{r.name} is not pinned in constraints.txt"
        assert r.specifier.contains(pins[name]), f"{r.name}=={pins[name]} is outside {r.specifier}"
    assert Requirement(next(r for r in project["optional-dependencies"]["app"]
                            if r.startswith("streamlit"))).specifier.contains("1.68") is False
