"""docs/api.md: its example runs as written and prints what it says; every name the page lists
is public (exported by cvxcore or its subpackage); the core imports no app library and has no
import cycle."""
import ast
import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
API = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")


def test_the_example_runs_and_prints_what_its_comments_say():
    code = re.search(r"```python\n(.*?)```", API, re.S).group(1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/api.md", "exec"), {})        # noqa: S102 (our own document)
    lines = out.getvalue().splitlines()
    assert lines[0] == "10 10"
    assert lines[1] == "optimal 4 0.891447"
    signs = [float(t) for t in lines[2].strip("[]").split()]
    assert sorted(abs(s) for s in signs) == [1.0] * 4
    path = ast.literal_eval(lines[3])
    assert path[0] == 0 and path[-1] >= 1


def test_the_listed_names_are_public():
    import cvxcore
    names = set(re.findall(r"^\| `([a-z_A-Z]+)\(", API, re.M)) | {"Arrangement", "PatternSet", "ConvexResult"}
    for name in names:
        assert name in cvxcore.__all__, name
        assert hasattr(cvxcore, name), name


def test_the_core_imports_no_app_library_and_no_cycle():
    """Importing every cvxcore module in a fresh interpreter loads neither streamlit nor plotly,
    and no module imports a module that imports it back (the package graph is acyclic)."""
    code = ("import pkgutil, importlib, sys, cvxcore\n"
            "for m in pkgutil.walk_packages(cvxcore.__path__, 'cvxcore.'): importlib.import_module(m.name)\n"
            "print(sorted(k for k in sys.modules if k.split('.')[0] in ('streamlit', 'plotly')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    graph = {}
    for path in (ROOT / "cvxcore").rglob("*.py"):
        mod = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        pkg = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                deps.add(target.split(".")[1] if target.count(".") else target)
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cvxcore."):
                deps.add(node.module.split(".")[1])
        room = mod.split(".")[1] if mod.count(".") else "cvxcore"
        graph.setdefault(room, set()).update(d for d in deps if d != room and d != "cvxcore")
    # rooms (subpackages and top-level modules) must form a DAG
    state = {}

    def visit(node, stack):
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                pytest.fail(f"import cycle: {' → '.join(stack + [node, nxt])}")
            if state.get(nxt) is None:
                visit(nxt, stack + [node])
        state[node] = 2

    for room in list(graph):
        if room not in state:
            visit(room, [])
