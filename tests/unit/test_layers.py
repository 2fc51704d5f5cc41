"""The package's folders are its layers, and imports point down (docs/ARCHITECTURE.md).

domain (the rules, pure) < adapters (files, mail, journal) < documents (PDF, Factur-X) <
jobs (the service layer) < demo < the entry points (cli, buttons, udfs, lite). Every import
is counted, at module level or inside a function, except those under ``TYPE_CHECKING``.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "pyfuncs"
LAYERS = {"domain": 0, "adapters": 1, "documents": 2, "jobs": 3, "demo": 4}
ENTRY_POINTS = {"cli", "buttons", "udfs", "lite"}
ENTRY = 5
LONG = 500  # lines; a longer module states why at its top ("Why this module is long")
# Long today and to be split along their concepts (the list may only shrink):
TO_SPLIT: set[str] = set()


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return -1  # the package itself
    if parts[1] in LAYERS:
        return LAYERS[parts[1]]
    assert parts[1] in ENTRY_POINTS, f"{module}: a module outside the layers"
    return ENTRY


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for b in node.body for n in ast.walk(b))
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("pyfuncs"))
        elif isinstance(node, ast.ImportFrom) and node.module and \
                node.module.startswith("pyfuncs"):
            for alias in node.names:  # "from pyfuncs.jobs import check": a module
                sub = f"{node.module}.{alias.name}"
                found.add(sub if _exists(sub) else node.module)
    return found


def _exists(module: str) -> bool:
    base = PACKAGE.parent / module.replace(".", "/")
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


MODULES = {_module(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {m: _imports(p) - {m} for m, p in MODULES.items()}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    upward = [i for i in GRAPH[module] if _layer(i) > _layer(module)]
    assert not upward, f"{module} imports a layer above it: {upward}"


def test_no_import_cycle():
    state: dict[str, int] = defaultdict(int)  # 0 unseen, 1 on the path, 2 done
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for n in sorted(GRAPH.get(m, ())):
            if n.count(".") and n.rsplit(".", 1)[0] == m:
                continue  # a package importing its own submodule
            if state[n] == 1:
                cycle = path[path.index(n):] + [n]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if state[n] == 0:
                visit(n)
        path.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if state[m] == 0:
            visit(m)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_long_module_says_why(module):
    text = MODULES[module].read_text(encoding="utf-8")
    lines = text.count("\n")
    doc = ast.get_docstring(ast.parse(text)) or ""
    if module in TO_SPLIT:
        assert lines > LONG, f"{module} is short now: take it off TO_SPLIT"
        return
    assert lines <= LONG or "Why this module is long" in doc, \
        f"{module}: {lines} lines and no reason at its top"


def test_the_layers_exist():
    assert {m.split(".")[1] for m in MODULES if m.count(".")} >= set(LAYERS) | ENTRY_POINTS
    assert all(_layer(m) >= 0 for m in MODULES if m != "pyfuncs")


def test_every_package_of_the_code_goes_into_the_wheel():
    """pyproject.toml lists the packages a non-editable install carries: a package split
    into a folder and not listed would be missing from every user's install."""
    import tomllib
    listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())
                 ["tool"]["setuptools"]["packages"])
    packages = {".".join(p.parent.relative_to(PACKAGE.parent).parts)
                for p in PACKAGE.rglob("__init__.py")}
    assert packages <= listed, sorted(packages - listed)
