"""What a chapter of the book really depends on: the inputs of its per-chapter fingerprint.

A chapter is measured again only when something it uses changed. This module
finds, for one MyST notebook chapter:

* the ``gilref`` modules its cells import, transitively, from the static import
  graph of the package (imports anywhere in a module, relative ones resolved,
  plus ``"gilref.x.y:function"`` strings, which :mod:`gilref.interp.child` runs in
  another interpreter); importing ``gilref.a.b`` also runs ``gilref/__init__``
  and ``gilref/a/__init__``;
* the examples it includes (``{literalinclude}``) or runs (``run_example("x.py")``);
* every file above compared *as code*: a Python file counts by the dump of its
  syntax tree with docstrings left out, so a comment, a blank line or a
  docstring changes nothing (other files count by their bytes);
* the third-party packages those modules and examples import (by name, or by a
  string handed to ``importlib.import_module``/``find_spec``), whose versions count;
* whether it measures other interpreters (it uses :mod:`gilref.interp`'s
  ``discover``, ``select`` or ``child``): then the identity of each one counts.

Each input is one entry of a dict ``{label: digest}``; the fingerprint hashes
the sorted dict, and two dicts' difference says *why* a chapter ran again.
Standard library only (no Sphinx), so the tests can call it directly.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Modules whose use means the chapter runs code in other interpreters.
INTERPRETER_MODULES = ("gilref.interp.discover", "gilref.interp.select", "gilref.interp.child")
#: Third-party names that are the notebook machinery, not something a chapter measures.
NOT_MEASURED = frozenset({"IPython", "ipykernel", "myst_nb", "sphinx", "docutils", "nbformat"})

_CELL_RE = re.compile(r"^(`{3,}|~{3,})\{code-cell\}[^\n]*\n(.*?)^\1[ \t]*$", re.S | re.M)
_INCLUDE_RE = re.compile(r"^(?:`{3,}|~{3,}|:{3,})\{literalinclude\}\s+(\S+)", re.M)
_RUN_EXAMPLE_RE = re.compile(r"run_example\(\s*[\"']([^\"']+)[\"']")
# A chapter that runs the whole example matrix (gilref.book.examples.run_matrix) uses every example.
_RUN_MATRIX_RE = re.compile(r"\brun_matrix\(")
# An example's "# gilref-example:" header is data the build reads (its arguments, the Pythons
# it claims), so those comment lines count as code.
_EXAMPLE_HEADER_RE = re.compile(rb"^# gilref-example:.*$", re.M)
_TARGET_RE = re.compile(r"^(gilref(?:\.[A-Za-z_]\w*)+)(?::\w+)?$")
_DYNAMIC_IMPORTERS = ("import_module", "find_spec", "_need")
_SKIP_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | {"__future__"}


# -- code, compared as code ---------------------------------------------------


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def code_digest(path: Path) -> str:
    """A digest of *path* as code: a Python file by its syntax tree without docstrings
    (comments and layout do not count, except an example's ``# gilref-example:`` header,
    which the build reads), anything else (or unparsable Python) by its bytes."""
    data = path.read_bytes()
    if path.suffix == ".py":
        try:
            tree = ast.parse(data, filename=str(path))
        except (SyntaxError, ValueError):
            pass
        else:
            header = b"\n".join(_EXAMPLE_HEADER_RE.findall(data))
            code = tree_digest(tree)
            return code if not header else hashlib.sha256(code.encode() + b"\0" + header).hexdigest()[:16]
    return hashlib.sha256(data).hexdigest()[:16]


def tree_digest(tree: ast.AST) -> str:
    """The digest of parsed Python code, docstrings left out (changes *tree*)."""
    return hashlib.sha256(ast.dump(_strip_docstrings(tree), include_attributes=False).encode()).hexdigest()[:16]


# -- the import graph ---------------------------------------------------------


def module_name(path: Path, package_dir: Path) -> str:
    """The dotted name of the module in *path*, a file under the package folder *package_dir*."""
    rel = path.relative_to(package_dir.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@dataclass
class Imports:
    """What one piece of code imports: package modules (maybe unresolved) and other top-level names."""

    modules: set[str] = field(default_factory=set)
    external: set[str] = field(default_factory=set)


def imports_in(tree: ast.AST, *, root: str, current: str = "", is_package: bool = False) -> Imports:
    """The imports anywhere in *tree*: modules of the package *root* (relative imports
    resolved against *current*), plus "root.x:func" strings, and third-party top-level names."""
    base_package = current if is_package else current.rpartition(".")[0]
    out = Imports()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                _note(out, alias.name, root)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = base_package.split(".") if base_package else []
                parts = parts[: len(parts) - node.level + 1]
                target = ".".join([*parts, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.split(".")[0] == root:
                out.modules.add(target)
                out.modules.update(f"{target}.{a.name}" for a in node.names)  # "from . import x"
            else:
                _note(out, target, root)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            m = _TARGET_RE.match(node.value)
            if m and m.group(1).split(".")[0] == root:
                out.modules.add(m.group(1))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in _DYNAMIC_IMPORTERS:
                _note(out, node.args[0].value, root)
    return out


def _note(out: Imports, name: str, root: str) -> None:
    top = name.split(".")[0]
    if not top:
        return
    if top == root:
        out.modules.add(name)
    elif top not in _STDLIB:
        out.external.add(top)


class ImportGraph:
    """The static import graph of the package in *package_dir* (e.g. ``gilref/``).

    :param cache: a JSON file keeping each module's digest and imports, reused while
        the file's size, modification time and inode are unchanged (a warm build
        then parses nothing).
    """

    def __init__(self, package_dir: Path, cache: Path | None = None) -> None:
        self.package_dir = package_dir
        self.root = package_dir.name
        self.files: dict[str, Path] = {}
        for path in sorted(package_dir.rglob("*.py")):
            if not _SKIP_DIRS.intersection(path.relative_to(package_dir).parts):
                self.files[module_name(path, package_dir)] = path
        self.edges: dict[str, set[str]] = {}
        self.external: dict[str, set[str]] = {}
        self.digests: dict[str, str] = {}
        stored = _read_json(cache)
        fresh: dict[str, Any] = {}
        for name, path in self.files.items():
            key = _file_key(path)
            entry = stored.get(name)
            if not (isinstance(entry, dict) and entry.get("key") == key):
                entry = {"key": key, **self._read(name, path)}
            fresh[name] = entry
            self.digests[name] = entry["digest"]
            self.external[name] = set(entry["external"])
            self.edges[name] = set(entry["modules"])
        for name in self.files:  # now that every module is known
            self.edges[name] = self.resolve(self.edges[name]) - {name}
        if cache is not None and fresh != stored:
            _write_json(cache, fresh)

    def _read(self, name: str, path: Path) -> dict[str, Any]:
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
        except (SyntaxError, ValueError):
            return {"digest": code_digest(path), "modules": [], "external": []}
        found = imports_in(tree, root=self.root, current=name, is_package=path.name == "__init__.py")
        return {"modules": sorted(found.modules), "external": sorted(found.external),
                "digest": tree_digest(tree)}  # last: it strips the docstrings

    def resolve(self, names: Iterable[str]) -> set[str]:
        """Known modules for imported *names*, each with the packages above it
        (``a.b.c`` where only ``a.b`` is a module, e.g. a function, gives ``a.b``)."""
        out: set[str] = set()
        for name in names:
            parts = name.split(".")
            while parts and ".".join(parts) not in self.files:
                parts.pop()
            for i in range(1, len(parts) + 1):
                prefix = ".".join(parts[:i])
                if prefix in self.files:
                    out.add(prefix)
        return out

    def closure(self, names: Iterable[str]) -> set[str]:
        """Every module *names* import, directly or not (they included)."""
        todo = sorted(self.resolve(names))
        seen: set[str] = set()
        while todo:
            m = todo.pop()
            if m in seen:
                continue
            seen.add(m)
            todo.extend(self.edges.get(m, ()))
        return seen


# -- a chapter's text ------------------------------------------------------------


def code_cells(text: str) -> list[str]:
    """The code of each ``{code-cell}`` of the MyST notebook *text* (options left out)."""
    cells = []
    for m in _CELL_RE.finditer(text):
        body = m.group(2)
        lines = body.splitlines()
        if lines and lines[0].strip() == "---":  # a YAML options block
            end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), 0)
            lines = lines[end + 1:]
        while lines and lines[0].startswith(":") and re.match(r"^:\w[\w-]*:", lines[0]):
            lines.pop(0)
        cells.append("\n".join(lines))
    return cells


def _parse_cell(code: str) -> ast.AST | None:
    # IPython magics and shell escapes are not Python: leave those lines out.
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError):
        return None


@dataclass
class ChapterUses:
    """What one chapter uses, found in its text."""

    modules: set[str]  # every package module, transitively
    files: dict[str, Path]  # label -> file (examples, included files)
    external: set[str]  # third-party top-level names
    measures_interpreters: bool
    cells_digest: str


def chapter_uses(text: str, *, doc_dir: Path, root: Path, graph: ImportGraph,
                 examples_dir: Path | None = None) -> ChapterUses:
    """What the chapter with MyST notebook *text* (in *doc_dir*, book root *root*) uses."""
    cells = code_cells(text)
    imported: set[str] = set()
    external: set[str] = set()
    for code in cells:
        tree = _parse_cell(code)
        if tree is None:
            continue
        found = imports_in(tree, root=graph.root)
        imported |= found.modules
        external |= found.external
    files: dict[str, Path] = {}
    for rel in _INCLUDE_RE.findall(text):
        path = (doc_dir / rel).resolve()
        if path.is_file():
            files[_label(path, root)] = path
    examples = examples_dir or root / "examples"
    names = _RUN_EXAMPLE_RE.findall("\n".join(cells))
    if _RUN_MATRIX_RE.search("\n".join(cells)) and examples.is_dir():
        names += sorted(p.name for p in examples.iterdir() if p.is_file())
    for name in names:
        path = (examples / name).resolve()
        if path.is_file():
            files[_label(path, root)] = path
    # Examples and included package files may import the package and other packages too.
    for path in files.values():
        if path.suffix != ".py":
            continue
        if path.is_relative_to(graph.package_dir.resolve()):
            # A module of the package, shown in the chapter: it counts with what it imports.
            imported.add(module_name(path, graph.package_dir.resolve()))
            continue
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue
        found = imports_in(tree, root=graph.root)
        imported |= found.modules
        external |= found.external
    modules = graph.closure(imported)
    for m in modules:
        external |= graph.external.get(m, set())
    cells_digest = hashlib.sha256("\0".join(cells).encode()).hexdigest()[:16]
    return ChapterUses(
        modules=modules, files=files, external=external - NOT_MEASURED - {graph.root},
        measures_interpreters=bool(modules.intersection(INTERPRETER_MODULES)), cells_digest=cells_digest)


def _label(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _file_key(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _read_json(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: Any) -> None:
    """Write a cache file atomically; a cache that cannot be written only costs time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


# -- the machine, its interpreters and packages ------------------------------------


def binary_identity(executable: str) -> str:
    """The identity of an interpreter's binary: real path, size, mtime (ns) and inode.

    A build replaced in place at the same path gets a new one.
    """
    real = os.path.realpath(executable)
    try:
        st = os.stat(real)
    except OSError:
        return f"{real}:missing"
    return f"{real}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def _dir_identity(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return f"{path}:missing"
    return f"{path}:{st.st_mtime_ns}:{st.st_ino}"


# Runs inside each interpreter (Python 3.9+): where its packages live, and their versions.
PACKAGES_PROBE = r"""
import json, site, sys, sysconfig
from importlib import metadata, util
names = json.loads(sys.argv[1])
dirs = set()
for key in ("purelib", "platlib"):
    try:
        dirs.add(sysconfig.get_paths()[key])
    except Exception:
        pass
try:
    dirs.update(site.getsitepackages())
except Exception:
    pass
try:
    dirs.add(site.getusersitepackages())
except Exception:
    pass
versions = {}
for name in names:
    try:
        versions[name] = metadata.version(name)
    except Exception:
        try:
            versions[name] = "present" if util.find_spec(name) is not None else "absent"
        except Exception:
            versions[name] = "absent"
flags = ("Py_GIL_DISABLED", "Py_DEBUG", "CONFIG_ARGS")
print(json.dumps({"dirs": sorted(dirs), "versions": versions,
                  "config": {k: str(sysconfig.get_config_var(k)) for k in flags}}))
"""


def host_packages(names: Iterable[str]) -> dict[str, str]:
    """The versions of *names* installed for the interpreter running this (``absent`` if not)."""
    from importlib import metadata, util

    out = {}
    for name in sorted(set(names)):
        try:
            out[name] = metadata.version(name)
        except Exception:
            try:
                out[name] = "present" if util.find_spec(name) is not None else "absent"
            except (ImportError, ValueError):
                out[name] = "absent"
    return out


class InterpreterProbes:
    """Package versions and build flags of other interpreters, cached in a JSON file.

    An entry is reused while the binary's identity, the package folders it
    reported and the names asked for are unchanged: installing NumPy into a
    provisioned interpreter changes its site-packages folder, so it is probed again.
    """

    def __init__(self, path: Path | None, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout = timeout
        self.entries: dict[str, Any] = _read_json(path)
        self.dirty = False

    def probe(self, executable: str, names: Iterable[str]) -> dict[str, Any]:
        """``{"versions": {...}, "config": {...}}`` for *executable* (``{}`` if it cannot run)."""
        wanted = sorted(set(names))
        entry = self.entries.get(executable)
        if isinstance(entry, dict) and entry.get("binary") == binary_identity(executable) \
                and entry.get("names") == wanted \
                and entry.get("dirs") == [_dir_identity(d) for d in entry.get("data", {}).get("dirs", [])]:
            return dict(entry["data"])
        try:
            proc = subprocess.run([executable, "-I", "-c", PACKAGES_PROBE, json.dumps(wanted)],
                                  capture_output=True, text=True, timeout=self.timeout, stdin=subprocess.DEVNULL)
            data = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0 else {}
        except (OSError, subprocess.SubprocessError, ValueError, IndexError):
            data = {}
        if data:
            self.entries[executable] = {"binary": binary_identity(executable), "names": wanted,
                                        "dirs": [_dir_identity(d) for d in data.get("dirs", [])], "data": data}
            self.dirty = True
        return data

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        _write_json(self.path, self.entries)
        self.dirty = False


def probe_interpreters(interpreters: Iterable[Mapping[str, Any]], names: Iterable[str],
                       probes: InterpreterProbes) -> list[dict[str, Any]]:
    """Each interpreter (``{"executable", "label", "implementation"}``) with its binary's
    identity, and for CPython and PyPy its build flags and the versions of *names* in it."""
    out = []
    wanted = sorted(set(names))
    for interp in interpreters:
        exe = str(interp["executable"])
        entry: dict[str, Any] = {"executable": exe, "label": str(interp.get("label", "")),
                                 "binary": binary_identity(exe), "config": {}, "versions": None}
        if interp.get("implementation") in ("CPython", "PyPy"):
            data = probes.probe(exe, wanted)
            entry["config"] = data.get("config", {})
            entry["versions"] = data.get("versions", {})
        out.append(entry)
    return out


def interpreter_inputs(probed: Iterable[Mapping[str, Any]], names: Iterable[str]) -> dict[str, str]:
    """One input per probed interpreter: label (version, build), binary identity, build
    flags and the versions of the packages *names* in it."""
    wanted = sorted(set(names))
    out = {}
    for entry in probed:
        versions = entry.get("versions")
        shown = "not probed" if versions is None else json.dumps({n: versions.get(n, "?") for n in wanted})
        out[f"interpreter {entry['executable']}"] = "|".join(
            [entry["label"], entry["binary"], json.dumps(entry.get("config", {}), sort_keys=True), shown])
    return out


# -- putting it together ------------------------------------------------------------


def inputs_for(uses: ChapterUses, graph: ImportGraph, *, host: str, packages: Mapping[str, str],
               interpreters: Mapping[str, str], extra: str = "") -> dict[str, str]:
    """The chapter's inputs, ``{label: digest or value}``.

    :param host: the machine's identity (CPU, OS, the host Python and its build).
    :param packages: versions on the host of every package any chapter measures.
    :param interpreters: :func:`interpreter_inputs` (used only if the chapter measures them).
    :param extra: ``gilbook_fingerprint_extra`` from the command line or ``conf.py``.
    """
    out: dict[str, str] = {"host": host, "cells": uses.cells_digest, "host python": binary_identity(sys.executable)}
    for m in sorted(uses.modules):
        out[f"module {m}"] = graph.digests[m]
    for label, path in sorted(uses.files.items()):
        out[f"file {label}"] = code_digest(path)
    for name in sorted(uses.external):
        out[f"package {name}"] = packages.get(name, "absent")
    if uses.measures_interpreters:
        out.update(interpreters)
    if extra:
        out["extra"] = extra
    return out


def digest(inputs: Mapping[str, str]) -> str:
    """The fingerprint of *inputs* (16 hex digits)."""
    return hashlib.sha256(json.dumps(dict(sorted(inputs.items()))).encode()).hexdigest()[:16]


def changed_inputs(before: Mapping[str, str] | None, after: Mapping[str, str]) -> list[str]:
    """Labels of the inputs that differ between *before* and *after* (added, removed or changed)."""
    if before is None:
        return []
    keys = set(before) | set(after)
    return sorted(k for k in keys if before.get(k) != after.get(k))


def describe_changes(labels: list[str], limit: int = 4) -> str:
    """A short phrase for changed input *labels*: ``module gilref.topics.convoy, host``."""
    if not labels:
        return ""
    shown = ", ".join(labels[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")
