"""Find the Python interpreters a host has, and describe each by running it.

Sources, in order: the interpreter running gilref; paths listed in
``$GILREF_PYTHONS`` (separated by ``os.pathsep``); well-known names on
``PATH``. Each candidate is *run* (:func:`describe`) to learn its version,
implementation, build and whether its GIL is enabled; a candidate that fails
or hangs is skipped, never waited on forever.

Standard library only.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import _proc

__all__ = [
    "ENV_PYTHONS",
    "Interpreter",
    "InterpreterError",
    "describe",
    "discover",
    "host",
]

ENV_PYTHONS = "GILREF_PYTHONS"
#: Names looked up on PATH (Jython is described separately: it is Python 2).
WELL_KNOWN = (
    "python3.13t", "python3.14t", "python3.15t",
    "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14", "python3.15",
    "pypy3",
)

# Runs in the candidate itself: standard library only, Python 3 syntax kept simple.
_PROBE = r"""
import json, platform, sys, sysconfig
probe = getattr(sys, "_is_gil_enabled", None)
impl = platform.python_implementation()
print(json.dumps({
    "executable": sys.executable,
    "implementation": impl,
    "version": platform.python_version(),
    "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    "gil_enabled": bool(probe()) if probe else (impl in ("CPython", "PyPy")),
    "has_gil_probe": probe is not None,
}))
"""


class InterpreterError(RuntimeError):
    """A candidate interpreter could not be run or described."""


@dataclass(frozen=True)
class Interpreter:
    """One interpreter, as it described itself when run.

    :param executable: absolute path of the executable (as given, symlinks kept).
    :param implementation: ``"CPython"``, ``"PyPy"``, ...
    :param version: e.g. ``"3.13.5"``.
    :param free_threaded: built with ``--disable-gil`` (``Py_GIL_DISABLED``).
    :param gil_enabled: whether the GIL was on when it ran (default options).
    :param source: where it was found: ``"host"``, ``"env"``, ``"path"``, ...
    """

    executable: str
    implementation: str
    version: str
    free_threaded: bool
    gil_enabled: bool
    source: str = "path"

    @property
    def version_tuple(self) -> tuple[int, ...]:
        """The version as integers, e.g. ``(3, 13, 5)``."""
        return tuple(int(p) for p in self.version.split(".")[:3] if p.isdigit())

    @property
    def label(self) -> str:
        """A short human name, e.g. ``"CPython 3.13.5 free-threaded"``."""
        build = ""
        if self.implementation == "CPython":
            build = " free-threaded" if self.free_threaded else " (GIL)"
        return f"{self.implementation} {self.version}{build}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields plus the label."""
        return {**asdict(self), "label": self.label}


def describe(executable: str | os.PathLike[str], *, source: str = "path", timeout: float = 20.0) -> Interpreter:
    """Run *executable* and return what it says about itself.

    :raises InterpreterError: if it is missing, fails, hangs past *timeout*
        seconds (it is killed), or prints something unexpected.
    """
    exe = os.fspath(executable)
    if not os.path.isfile(exe) or not os.access(exe, os.X_OK):
        raise InterpreterError(f"no executable interpreter at {exe!r}")
    try:
        proc = _proc.run([exe, "-I", "-c", _PROBE], timeout=timeout)
    except _proc.Overshoot:
        raise InterpreterError(f"{exe} did not answer within {timeout:g} s and was killed") from None
    except OSError as exc:
        raise InterpreterError(f"{exe} could not be started: {exc}") from None
    if proc.returncode != 0:
        tail = " ".join(proc.stderr.strip().splitlines()[-2:])
        raise InterpreterError(f"{exe} failed to describe itself (exit {proc.returncode}): {tail}")
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        raise InterpreterError(f"{exe} printed something unexpected: {proc.stdout[:200]!r}") from None
    return Interpreter(
        executable=exe,
        implementation=data["implementation"],
        version=data["version"],
        free_threaded=bool(data["free_threaded"]),
        gil_enabled=bool(data["gil_enabled"]),
        source=source,
    )


def host() -> Interpreter:
    """The interpreter running this code, described without a subprocess."""
    import platform

    from .hostinfo import free_threaded_build, gil_enabled

    return Interpreter(
        executable=sys.executable,
        implementation=platform.python_implementation(),
        version=platform.python_version(),
        free_threaded=free_threaded_build(),
        gil_enabled=bool(gil_enabled()),
        source="host",
    )


def _candidates() -> Iterable[tuple[str, str]]:
    for entry in os.environ.get(ENV_PYTHONS, "").split(os.pathsep):
        if entry.strip():
            yield str(Path(entry.strip()).expanduser()), "env"
    for name in WELL_KNOWN:
        found = shutil.which(name)
        if found:
            yield found, "path"


def discover(*, timeout: float = 20.0) -> list[Interpreter]:
    """Every interpreter found, host first, each described by running it.

    Duplicates (the same real executable) are listed once; candidates that
    cannot be described are skipped.
    """
    found = [host()]
    seen = {os.path.realpath(found[0].executable)}
    for exe, source in _candidates():
        real = os.path.realpath(exe)
        if real in seen:
            continue
        seen.add(real)
        try:
            found.append(describe(exe, source=source, timeout=timeout))
        except InterpreterError:
            continue
    return found
