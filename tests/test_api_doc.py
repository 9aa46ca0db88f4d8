"""The API page (docs/api.md): every public module is on it, and no constant prints noise as its value."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import typing

import pytest

import gilref

from .conftest import ROOT

API = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
#: A value's repr longer than this (characters) is a table, not a value to read in one line.
MAX_SHOWN = 100


def documented_modules() -> list[str]:
    return re.findall(r"^\.\. automodule:: (\S+)", API, re.M)


def hidden_values() -> set[str]:
    """The constants api.md documents with ``:no-value:``."""
    return set(re.findall(r"^\.\. autodata:: (\S+)\n   :no-value:", API, re.M))


def excluded(module: str) -> set[str]:
    m = re.search(rf"^\.\. automodule:: {re.escape(module)}\n   :exclude-members: ([^\n]+)", API, re.M)
    return {n.strip() for n in m.group(1).split(",")} if m else set()


def is_noise(value: object) -> bool:
    """A value autodoc would print as noise: too long to read in one line, or not a literal
    (a function, a path object: its repr is plumbing)."""
    if isinstance(value, type) or typing.get_origin(value) is not None:
        return False  # a class or a type alias: autodoc prints no value
    text = repr(value)
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return True
    return len(text) > MAX_SHOWN


def documented_constants(module: str) -> dict[str, object]:
    from sphinx.pycode import ModuleAnalyzer

    mod = importlib.import_module(module)
    public = getattr(mod, "__all__", None)
    return {name: getattr(mod, name) for (cls, name) in ModuleAnalyzer.for_module(module).find_attr_docs()
            if not cls and (public is None or name in public) and hasattr(mod, name)}


def test_every_public_module_is_on_the_api_page() -> None:
    modules = {m.name for m in pkgutil.walk_packages(gilref.__path__, "gilref.")
               if not any(part.startswith("_") for part in m.name.split("."))}
    assert sorted(modules - set(documented_modules())) == []


@pytest.mark.parametrize("module", documented_modules())
def test_no_constant_prints_noise_as_its_value(module: str) -> None:
    noisy = {f"{module}.{name}" for name, value in documented_constants(module).items() if is_noise(value)}
    assert sorted(noisy - hidden_values()) == [], "document these with '.. autodata:: NAME' and ':no-value:'"
    hidden_here = {h for h in hidden_values() if h.rsplit(".", 1)[0] == module}
    assert {h.rsplit(".", 1)[1] for h in hidden_here} <= excluded(module), \
        "a constant shown with :no-value: must be excluded from its automodule (else it is shown twice)"


def test_the_noise_rule_tells_values_from_plumbing() -> None:
    from pathlib import Path

    assert not is_noise(1.2) and not is_noise(("python", "idle")) and not is_noise("interpreters-pep-734")
    assert is_noise(Path("/proc/x")) and is_noise({"a": len}) and is_noise("x" * 200)
    assert not is_noise(typing.Callable[[int], int]) and not is_noise(Path)


@pytest.mark.slow
def test_every_reference_in_a_docstring_resolves(tmp_path):
    """The API page alone, built nitpicky: a docstring naming a target the page lacks fails here, not at
    the end of a full book build."""
    import subprocess
    import sys

    others = [p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")
              if p.name not in ("api.md", "index.md") and "_build" not in p.parts]
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(ROOT), "-n", "-q", "-T",
         "-D", "exclude_patterns=" + ",".join(["_build", "_ext", *others]),
         "-D", f"nb_execution_cache_path={tmp_path / 'cache'}",
         str(ROOT / "docs"), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    problems = [line for line in proc.stderr.splitlines() if "docstring of" in line and "WARNING" in line]
    assert problems == [], "\n".join(problems)
