"""Compile a Cython ``.pyx`` file into an extension module, cached between builds.

:func:`build` turns ``examples/cython_nogil.pyx`` (or any single-file Cython
module) into an importable extension for the running interpreter. The compile
runs in a child process with a deadline, in a private directory under
:func:`gilref.core.paths.cache_dir` (never in the source tree), keyed by a hash of
the source, the interpreter and the Cython version: the second build of the
same source on the same interpreter loads the cached module in milliseconds.

OpenMP (for ``prange``) is tried first; if the compiler cannot build with
``-fopenmp`` the module is built without it and ``BuiltModule.openmp`` says
so (``prange`` then runs its iterations one after another).

Any failure (Cython or setuptools missing, a Cython error in the source, no C
compiler, a compile that overshoots its deadline) raises
:class:`CythonBuildError` whose message says what went wrong in a few lines,
never a wall of traceback. Needs Cython and setuptools at build time only; the
rest is standard library.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.machinery
import importlib.util
import json
import os
import platform
import re
import shutil
import sys
import sysconfig
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from ..core import _proc
from ..core._checks import check_seconds
from ..core.paths import cache_dir

__all__ = ["BuiltModule", "CythonBuildError", "build", "build_key", "cython_version", "load"]

#: Bumped when the way modules are built changes, so old cache entries are not reused.
RECIPE_VERSION = "1"
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MISSING_MARK = "@@gilref-missing@@"
_ERROR_MARK = "@@gilref-error@@"

# Runs in a child interpreter (the one the module is built for). Arguments come
# in as JSON on argv[1]; the child works in its own temporary directory.
_BUILD_SCRIPT = r"""
import json, os, sys
args = json.loads(sys.argv[1])
try:
    from Cython.Build import cythonize
    from setuptools import Extension
    from setuptools.dist import Distribution
except ImportError as exc:
    print("@@gilref-missing@@", exc.name, file=sys.stderr)
    sys.exit(3)
flags = ["-fopenmp"] if args["openmp"] else []
ext = Extension(args["name"], [args["pyx"]], extra_compile_args=["-O2", *flags], extra_link_args=flags)
try:
    modules = cythonize([ext], quiet=True, force=True, language_level=3)
except Exception as exc:  # Cython has printed the errors in the source already
    print("@@gilref-error@@", type(exc).__name__ + ":", exc, file=sys.stderr)
    sys.exit(4)
dist = Distribution({
    "name": args["name"],
    "ext_modules": modules,
    "script_name": "build",
    "script_args": ["build_ext", "--build-lib", args["out"], "--build-temp", args["tmp"]],
})
try:
    dist.parse_command_line()
    dist.run_commands()
except Exception as exc:  # one line for the parent instead of a traceback
    print("@@gilref-error@@", type(exc).__name__ + ":", exc, file=sys.stderr)
    sys.exit(4)
"""


class CythonBuildError(RuntimeError):
    """A Cython module could not be built; the message says why in a few lines."""


@dataclass(frozen=True)
class BuiltModule:
    """An extension module compiled by :func:`build`.

    :param name: the module's import name (the ``.pyx`` file's stem).
    :param path: the compiled extension file.
    :param key: the cache key (hash of source, interpreter, Cython version, options).
    :param openmp: whether it was compiled with OpenMP (``prange`` runs in parallel).
    :param openmp_error: why OpenMP was not used (empty when it was, or not asked for).
    :param cython_version: the Cython version that generated the C code.
    :param build_seconds: wall-clock seconds the compile took when it was built.
    :param cached: ``True`` if this call found it in the cache instead of compiling.
    """

    name: str
    path: Path
    key: str
    openmp: bool
    openmp_error: str
    cython_version: str
    build_seconds: float
    cached: bool

    def load(self) -> ModuleType:
        """Import the compiled module (once per process) and return it."""
        return load(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        data = asdict(self)
        data["path"] = str(self.path)
        return data


def cython_version() -> str | None:
    """The installed Cython's version, or ``None`` if Cython is not installed."""
    if importlib.util.find_spec("Cython") is None:
        return None
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cython")
    except PackageNotFoundError:  # pragma: no cover - importable but not installed as a distribution
        return str(getattr(importlib.import_module("Cython"), "__version__", "unknown"))


def build_key(source: bytes, name: str, *, openmp: bool, cython: str) -> str:
    """The cache key: 16 hex digits of a SHA-256 over everything the result depends on.

    That is the source text, the module name, the interpreter (version, ABI
    tag, machine, installation), the Cython version, the OpenMP request and
    ``RECIPE_VERSION``.
    """
    h = hashlib.sha256()
    parts = [
        RECIPE_VERSION, name, sys.version, str(sysconfig.get_config_var("EXT_SUFFIX")),
        sys.implementation.cache_tag or "", platform.machine(), os.path.realpath(sys.base_prefix),
        cython, "openmp" if openmp else "serial",
    ]
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    h.update(source)
    return h.hexdigest()[:16]


def _summarize_failure(stderr: str, stdout: str) -> str:
    """The few lines of compiler output that say what went wrong."""
    text = stderr + "\n" + stdout
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    cython_errors = [ln for ln in lines if re.search(r"\.pyx:\d+:\d+: ", ln)]
    c_errors = [ln for ln in lines if re.search(r"(^|: )(fatal )?error: ", ln) and ln not in cython_errors]
    raised = [ln.split(_ERROR_MARK, 1)[1].strip() for ln in lines if _ERROR_MARK in ln]
    picked = (cython_errors or c_errors or raised)[:6]
    if not picked:  # something else went wrong: its last lines, without traceback frames
        picked = [ln for ln in lines if not ln.startswith((" ", "Traceback"))][-3:] or ["(no output)"]
    return "\n".join("    " + ln for ln in picked)


def _compile(pyx: Path, name: str, out: Path, *, openmp: bool, timeout: float) -> tuple[bool, str]:
    """Compile in a fresh temporary directory; return (ok, failure summary)."""
    work = Path(tempfile.mkdtemp(prefix="build-", dir=out.parent))
    try:
        src = work / f"{name}.pyx"
        shutil.copyfile(pyx, src)
        args = json.dumps({"name": name, "pyx": src.name, "out": str(out), "tmp": str(work / "tmp"),
                           "openmp": openmp})
        env = dict(os.environ)
        env.pop("PYTHONHOME", None)
        try:
            proc = _proc.run([sys.executable, "-c", _BUILD_SCRIPT, args], timeout=timeout, cwd=str(work), env=env)
        except _proc.Overshoot:
            raise CythonBuildError(
                f"building {pyx.name} did not finish within {timeout:g} s; the compiler was stopped"
            ) from None
        if proc.returncode == 3 and _MISSING_MARK in proc.stderr:
            missing = proc.stderr.split(_MISSING_MARK, 1)[1].split()[0:1] or ["Cython"]
            raise CythonBuildError(
                f"cannot build {pyx.name}: the package {missing[0]!r} is not installed for {sys.executable} "
                "(pip install cython setuptools, or install gilref's 'docs' dependency group)"
            )
        if proc.returncode != 0:
            return False, _summarize_failure(proc.stderr, proc.stdout)
        return True, ""
    finally:
        shutil.rmtree(work, ignore_errors=True)


def build(
    pyx: str | os.PathLike[str],
    *,
    openmp: bool = True,
    timeout: float = 300.0,
    cache: str | os.PathLike[str] | None = None,
    force: bool = False,
) -> BuiltModule:
    """Compile *pyx* for this interpreter, or reuse the cached build.

    :param pyx: path of a single-file Cython module; its stem is the module name.
    :param openmp: try ``-fopenmp`` first (falls back to a serial build).
    :param timeout: seconds allowed for each compile attempt (> 0).
    :param cache: the cache root (default: ``cache_dir() / "cython"``).
    :param force: compile even if a cached build exists.
    :returns: the :class:`BuiltModule` (call :meth:`BuiltModule.load` to import it).
    :raises CythonBuildError: Cython or setuptools missing, an error in the
        source, no working C compiler, or a compile past *timeout*.
    """
    check_seconds("timeout", timeout, allow_zero=False)
    path = Path(os.fspath(pyx))
    if path.suffix != ".pyx":
        raise ValueError(f"pyx must name a .pyx file, got {str(path)!r}")
    if not path.is_file():
        raise CythonBuildError(f"cannot build {path}: no such file")
    name = path.stem
    if not _NAME_RE.match(name):
        raise ValueError(f"the .pyx file's name must be a Python identifier to be importable, got {name!r}")
    cython = cython_version()
    if cython is None or importlib.util.find_spec("setuptools") is None:
        missing = "Cython" if cython is None else "setuptools"
        raise CythonBuildError(
            f"cannot build {path.name}: {missing} is not installed for {sys.executable} "
            "(pip install cython setuptools, or install gilref's 'docs' dependency group)"
        )
    key = build_key(path.read_bytes(), name, openmp=openmp, cython=cython)
    root = Path(os.fspath(cache)) if cache is not None else cache_dir() / "cython"
    final = root / key
    found = None if force else _cached(final, name)
    if found is not None:
        return found

    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    try:
        start = time.perf_counter()
        openmp_error = ""
        ok, failure = (False, "")
        if openmp:
            ok, failure = _compile(path, name, staging, openmp=True, timeout=timeout)
            if not ok:
                openmp_error = failure
        used_openmp = ok
        if not ok:
            ok, failure = _compile(path, name, staging, openmp=False, timeout=timeout)
        if not ok:
            raise CythonBuildError(f"building {path.name} failed:\n{failure}")
        record = {
            "name": name,
            "openmp": used_openmp,
            "openmp_error": openmp_error,
            "cython_version": cython,
            "build_seconds": time.perf_counter() - start,
            "python": sys.version,
        }
        (staging / "build.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        if force and final.exists():
            shutil.rmtree(final, ignore_errors=True)
        with contextlib.suppress(OSError):  # another build of the same key finished first: use it
            staging.rename(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    built = _cached(final, name)
    if built is None:
        raise CythonBuildError(f"building {path.name} produced no extension module in {final}")
    return BuiltModule(**{**asdict(built), "cached": False})


def _cached(directory: Path, name: str) -> BuiltModule | None:
    """The build recorded in *directory*, if complete."""
    meta = directory / "build.json"
    suffix = str(sysconfig.get_config_var("EXT_SUFFIX") or ".so")
    ext = directory / f"{name}{suffix}"
    if not meta.is_file() or not ext.is_file():
        return None
    try:
        record = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return BuiltModule(
        name=name,
        path=ext,
        key=directory.name,
        openmp=bool(record.get("openmp")),
        openmp_error=str(record.get("openmp_error", "")),
        cython_version=str(record.get("cython_version", "")),
        build_seconds=float(record.get("build_seconds", 0.0)),
        cached=True,
    )


_LOADED: dict[str, ModuleType] = {}


def load(built: BuiltModule) -> ModuleType:
    """Import the extension module of *built* (each file once per process).

    :raises CythonBuildError: if the file cannot be imported.
    """
    key = str(built.path)
    if key in _LOADED:
        return _LOADED[key]
    loader = importlib.machinery.ExtensionFileLoader(built.name, key)
    spec = importlib.util.spec_from_file_location(built.name, key, loader=loader)
    if spec is None:  # pragma: no cover - only for a path importlib cannot handle
        raise CythonBuildError(f"cannot import {key}")
    module = importlib.util.module_from_spec(spec)
    try:
        loader.exec_module(module)
    except ImportError as exc:
        raise CythonBuildError(f"the compiled module {key} cannot be imported: {exc}") from None
    _LOADED[key] = module
    return module


def main(argv: list[str] | None = None) -> int:
    """``python -m gilref.topics.cythonbuild FILE.pyx``: build (or find) it and print where it is."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m gilref.topics.cythonbuild",
        description="Compile a Cython .pyx file for this interpreter into gilref's cache.",
    )
    parser.add_argument("pyx", help="the .pyx file to build")
    parser.add_argument("--no-openmp", action="store_true", help="do not try -fopenmp")
    parser.add_argument("--force", action="store_true", help="rebuild even if cached")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per compile (default: 300)")
    args = parser.parse_args(argv)
    try:
        built = build(args.pyx, openmp=not args.no_openmp, timeout=args.timeout, force=args.force)
    except (CythonBuildError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    how = "found in the cache" if built.cached else f"built in {built.build_seconds:.1f} s"
    print(f"{built.path} ({how}; OpenMP: {'yes' if built.openmp else 'no'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
