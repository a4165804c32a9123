"""The import graph of the app's own code: no cycle, and the layers import downwards only.

Every module of ``cvxcore``, ``lab`` and ``app_pages`` is parsed (``ast``, nothing is
imported): an ``import`` anywhere in a module — at module level or inside a function — is an
edge, relative imports resolved against the module's package; imports under
``if TYPE_CHECKING:`` are not (they never run).  ``from pkg import name`` is an edge to the
module ``pkg.name`` when that is a module of the project, else to ``pkg``.  A package's
``__init__`` importing its submodules is an edge like any other; the implicit import of a
module's parent packages is not.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cvxcore", "lab", "app_pages")


def module_files(root: Path = ROOT, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` file under the given top-level packages."""
    out = {}
    for pkg in packages:
        for path in sorted((root / pkg).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> Iterable[ast.Import | ast.ImportFrom]:
    """Every import statement of the tree, except the body of ``if TYPE_CHECKING:`` blocks."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))


def _targets(name: str, source: str, is_package: bool) -> Iterable[tuple[str, str | None]]:
    """``(module, name)`` per imported name: ``import a.b`` gives ``("a.b", None)``,
    ``from a import b`` gives ``("a", "b")``; relative imports resolved against the module's
    own package."""
    here = name.split(".") if is_package else name.split(".")[:-1]
    for node in _imports(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((a.name, None) for a in node.names)
            continue
        if node.level:
            base = here[:len(here) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        yield from ((target, a.name) for a in node.names)


def imported_modules(name: str, source: str, is_package: bool) -> set[str]:
    """The dotted names of the modules a module imports (``from a import b``: ``a``)."""
    return {module for module, _ in _targets(name, source, is_package)}


def import_graph(files: Mapping[str, Path] | None = None) -> dict[str, set[str]]:
    """Module → the project modules it imports.  ``from pkg import name`` is an edge to the
    module ``pkg.name`` when that is one here, else to ``pkg``."""
    files = module_files() if files is None else files
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        edges = set()
        for module, member in _targets(name, path.read_text(encoding="utf-8"), path.name == "__init__.py"):
            if member is not None and f"{module}.{member}" in files:
                edges.add(f"{module}.{member}")
            elif module in files:
                edges.add(module)
        edges.discard(name)
        graph[name] = edges
    return graph


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (or with a self-loop), each
    sorted: every import cycle lies within one of them (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            child = next(it, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1 or node in graph.get(node, ()):
                    out.append(sorted(comp))
    return sorted(out)


# ----------------------------------------------------------------------------- the tests
def test_the_cycle_finder_finds_cycles_and_only_cycles():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"a"}}) == [["a"]]
    two = {"a": {"b"}, "b": {"a", "c"}, "c": {"d"}, "d": {"c", "e"}, "e": set()}
    assert find_cycles(two) == [["a", "b"], ["c", "d"]]
    # a long chain closing on itself (deep enough that a recursive search would be tested too)
    chain = {f"m{i}": {f"m{i + 1}"} for i in range(3000)}
    assert find_cycles(chain) == []
    chain["m3000"] = {"m0"}
    assert len(find_cycles(chain)[0]) == 3001


def test_the_graph_reads_relative_function_level_and_skips_type_checking_imports(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .a import f\n")
    (pkg / "a.py").write_text("def f():\n    from .sub import b\n    return b\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                      "    from ..a import f\nimport pkg.sub.c\n")
    (pkg / "sub" / "c.py").write_text("from .. import a\n")
    files = module_files(tmp_path, ["pkg"])
    graph = import_graph(files)
    assert graph == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.sub.b"}, "pkg.sub": set(),
                     "pkg.sub.b": {"pkg.sub.c"}, "pkg.sub.c": {"pkg.a"}}
    assert find_cycles(graph) == [["pkg.a", "pkg.sub.b", "pkg.sub.c"]]
    # without the function-level import there is no cycle; with the TYPE_CHECKING one counted there would be
    (pkg / "a.py").write_text("def f():\n    return 1\n")
    assert find_cycles(import_graph(files)) == []


def test_no_import_cycle():
    cycles = find_cycles(import_graph())
    assert cycles == [], f"import cycles: {cycles}"


# What the pages take from the core directly rather than through lab: the result's type (for
# annotations), the count the Data page shows before any solve, and the presets' names.
PAGES_FROM_CORE = {("cvxcore", "ConvexResult"), ("cvxcore", "exact_pattern_bound"), ("cvxcore.datasets", "PRESETS"),
                   ("cvxcore", "SGDResult"), ("cvxcore.cnn.descent", "GDResult")}


def test_the_layers_import_downwards():
    """cvxcore imports no UI library and nothing of the app; lab nothing of the pages; the pages
    reach the core through lab, but for the few names of ``PAGES_FROM_CORE``."""
    for name, path in module_files().items():
        targets = set(_targets(name, path.read_text(encoding="utf-8"), path.name == "__init__.py"))
        tops = {module.split(".")[0] for module, _ in targets}
        if name.startswith("cvxcore"):
            assert not tops & {"streamlit", "plotly", "lab", "app_pages"}, (name, sorted(tops))
        if name.startswith("lab"):
            assert "app_pages" not in tops, name
        if name.startswith("app_pages"):
            core = {t for t in targets if t[0].split(".")[0] == "cvxcore"}
            assert core <= PAGES_FROM_CORE, (name, sorted(core - PAGES_FROM_CORE))
