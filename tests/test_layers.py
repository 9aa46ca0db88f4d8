"""The package's folders are its layers, and imports point down only.

core < interp < provision < topics < book < the commands (``gilref/*.py``). A module
may import its own layer or a lower one, never a higher one, and no chain of imports
(at module level or inside a function) leads back to where it started.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gilref

PACKAGE = Path(gilref.__file__).resolve().parent
LAYERS = ("core", "interp", "provision", "topics", "book")
TOP = len(LAYERS)  # gilref/__init__.py, cli.py, report.py, ...


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def rank(module: str) -> int:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else TOP


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The gilref modules *path* imports (resolving relative imports), wherever in the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "gilref")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.split(".")[0] != "gilref":
                continue
            found.add(target)
            for alias in node.names:  # "from . import x" imports the module x
                if f"{target}.{alias.name}" in known:
                    found.add(f"{target}.{alias.name}")
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    known = {module_name(p) for p in files}
    return {module_name(p): imports_of(p, known) for p in files}


def test_the_tree_shows_the_layers():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("__")}
    assert folders == set(LAYERS)
    loose = {p.stem for p in PACKAGE.glob("*.py")}
    assert loose <= {"__init__", "__main__", "cli", "report", "comparison"}, loose


@pytest.mark.parametrize("module", sorted(graph()))
def test_imports_point_down_only(module):
    # A package's __init__ may re-export its own modules; it still may not reach up.
    up = sorted(m for m in graph()[module] if rank(m) > rank(module))
    assert not up, f"{module} (layer {rank(module)}) imports higher layers: {up}"


def test_no_import_cycle():
    g = graph()
    # A package's __init__ is imported by each of its modules implicitly; edges into
    # an __init__ from its own submodules are not a cycle of the code's making.
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(g[m]):
            if state.get(n) == 1:
                cycle = [*stack[stack.index(n):], n]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(g):
        if m not in state:
            visit(m)


def test_the_core_imports_nothing_but_the_core_and_the_standard_library():
    import sys

    stdlib = set(getattr(sys, "stdlib_module_names", ()))
    if not stdlib:
        pytest.skip("sys.stdlib_module_names needs Python 3.10+")
    for path in sorted((PACKAGE / "core").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            for n in names:
                top = n.split(".")[0]
                assert top in stdlib or (top == "gilref" and rank(n) == 0) or top == "__future__", (path.name, n)
