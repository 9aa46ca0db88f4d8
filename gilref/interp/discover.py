"""Find the Python interpreters a host has, and describe each by running it.

Sources, in this order:

``host``
    the interpreter running gilref;
``env``
    paths listed in ``$GILREF_PYTHONS`` (separated by ``os.pathsep``);
``provisioned``
    the CPython builds :mod:`gilref.provision.cpython` installed in gilref's cache
    (left out when ``$GILREF_SKIP_PROVISION`` is set);
``path``
    well-known names on ``PATH`` (:data:`WELL_KNOWN`: ``python3.13t``,
    ``python3.1x``, ``pypy3``, ``jython``...);
``uv``
    what ``uv python find`` answers for :data:`UV_REQUESTS`, where ``uv`` exists.

Each candidate is *run* (:func:`describe`) to learn its version,
implementation, build and whether its GIL is enabled; a candidate that fails
or hangs is skipped, never waited on forever. The probe is written so that
Python 2.7 can run it too, which is how Jython (a Python 2.7 on the JVM) is
described. Descriptions are cached in gilref's cache directory, keyed on the
executable's path, size and modification time, so listing the interpreters a
second time costs no process starts.

Standard library only.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..core import _proc
from ..core.hostinfo import GIL_BY_IMPLEMENTATION
from ..core.jsonio import write_json
from . import store

__all__ = [
    "ENV_PYTHONS",
    "UV_REQUESTS",
    "WELL_KNOWN",
    "Interpreter",
    "InterpreterError",
    "describe",
    "discover",
    "find",
    "fingerprint_text",
    "forced_gil",
    "host",
]

ENV_PYTHONS = "GILREF_PYTHONS"
#: Names looked up on PATH.
WELL_KNOWN = (
    "python3.13t", "python3.14t", "python3.15t",
    "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14", "python3.15",
    "pypy3", "jython",
)
#: What ``uv python find`` is asked for, where uv is installed.
UV_REQUESTS = ("3.13t", "3.14t", "3.13", "3.14")
#: Bump when the probe or the cached fields change.
PROBE_VERSION = 3

#: :func:`gilref.core.hostinfo.gil_rule` as Python 2.7-safe text, built from
#: :data:`gilref.core.hostinfo.GIL_BY_IMPLEMENTATION` (tests check it gives the
#: same answers as the function): the probe runs inside the candidate, which
#: may not be able to import gilref at all.
PROBE_GIL_RULE = (
    "def gil_rule(is_gil_enabled, implementation):\n"
    "    if is_gil_enabled is not None:\n"
    "        return bool(is_gil_enabled())\n"
    f"    return {dict(sorted(GIL_BY_IMPLEMENTATION.items()))!r}.get(implementation)\n"
)

# Runs in the candidate itself. Python 2.7 syntax too (Jython): no f-strings,
# no keyword-only arguments, nothing newer than the standard library of 2.7.
PROBE = PROBE_GIL_RULE + r"""
import json, platform, sys
try:
    import sysconfig
    ft = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
except Exception:
    ft = False
impl = platform.python_implementation()
sys.stdout.write(json.dumps({
    "executable": sys.executable,
    "implementation": impl,
    "version": platform.python_version(),
    "free_threaded": ft,
    "gil_enabled": gil_rule(getattr(sys, "_is_gil_enabled", None), impl),
}) + "\n")
"""


class InterpreterError(RuntimeError):
    """A candidate interpreter could not be run or described."""


@dataclass(frozen=True)
class Interpreter:
    """One interpreter, as it described itself when run.

    :param executable: absolute path of the executable (as given, symlinks kept).
    :param implementation: ``"CPython"``, ``"PyPy"``, ``"Jython"``...
    :param version: the Python language version, e.g. ``"3.13.5"``.
    :param free_threaded: built with ``--disable-gil`` (``Py_GIL_DISABLED``).
    :param gil_enabled: whether the GIL is on when gilref runs it: what the
        probe, run with default options (``-E``), answered by
        :func:`gilref.core.hostinfo.gil_rule`, except that ``PYTHON_GIL=1`` in
        this process's environment, which gilref's child processes inherit,
        forces a free-threaded build's GIL on (:func:`forced_gil`); ``None`` for
        an implementation that cannot say and gilref does not know (never read
        as GIL-free).
    :param source: where it was found: ``"host"``, ``"env"``, ``"provisioned"``,
        ``"path"`` or ``"uv"``.
    """

    executable: str
    implementation: str
    version: str
    free_threaded: bool
    gil_enabled: bool | None
    source: str = "path"

    @property
    def version_tuple(self) -> tuple[int, ...]:
        """The version as integers, e.g. ``(3, 13, 5)``."""
        out = []
        for part in self.version.split(".")[:3]:
            digits = re.match(r"\d+", part)
            if not digits:
                break
            out.append(int(digits.group()))
        return tuple(out)

    @property
    def series(self) -> str:
        """Major and minor version, e.g. ``"3.13"``."""
        return ".".join(str(p) for p in self.version_tuple[:2])

    @property
    def runs_gilref(self) -> bool:
        """Whether gilref's core can run inside it (Python 3.9 or newer)."""
        return self.version_tuple >= (3, 9)

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


def forced_gil(free_threaded: bool, gil_enabled: bool | None, environ: Mapping[str, str] | None = None) -> bool | None:
    """*gil_enabled* as a free-threaded build will run under *environ* (default ``os.environ``).

    ``PYTHON_GIL=1`` turns the GIL of a free-threaded CPython on, and every
    child process gilref starts inherits the environment; the probe itself runs
    with ``-E`` (so its answer can be cached), which is why this is applied to
    every description afterwards, never cached.
    """
    env = os.environ if environ is None else environ
    if free_threaded and env.get("PYTHON_GIL", "").strip() == "1":
        return True
    return gil_enabled


def _from_probe(exe: str, data: dict[str, Any], source: str) -> Interpreter:
    free_threaded = bool(data["free_threaded"])
    gil = None if data["gil_enabled"] is None else bool(data["gil_enabled"])
    return Interpreter(
        executable=exe,
        implementation=str(data["implementation"]),
        version=str(data["version"]),
        free_threaded=free_threaded,
        gil_enabled=forced_gil(free_threaded, gil),
        source=source,
    )


def _probe(exe: str, timeout: float) -> dict[str, Any]:
    if not os.path.isfile(exe) or not os.access(exe, os.X_OK):
        raise InterpreterError(f"no executable interpreter at {exe!r}")
    # -E -s: ignore PYTHON* variables and the user's site directory (both exist
    # in Python 2.7 as well); run from a neutral directory so nothing there
    # shadows the standard library.
    try:
        proc = _proc.run([exe, "-E", "-s", "-c", PROBE], timeout=timeout, cwd=tempfile.gettempdir())
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
        data = None
    if not isinstance(data, dict) or not all(
        k in data for k in ("implementation", "version", "free_threaded", "gil_enabled")
    ):
        raise InterpreterError(f"{exe} printed something unexpected: {proc.stdout[:200]!r}")
    return dict(data)


def describe(executable: str | os.PathLike[str], *, source: str = "path", timeout: float = 20.0) -> Interpreter:
    """Run *executable* and return what it says about itself.

    :param timeout: seconds to wait for the answer (Jython's JVM needs one or two).
    :raises InterpreterError: if it is missing, fails, hangs past *timeout*
        seconds (it is killed), or prints something unexpected.
    """
    exe = os.fspath(executable)
    return _from_probe(exe, _probe(exe, timeout), source)


def host() -> Interpreter:
    """The interpreter running this code, described without a subprocess."""
    import platform
    import sys

    from ..core.hostinfo import free_threaded_build, gil_enabled

    return Interpreter(
        executable=sys.executable,
        implementation=platform.python_implementation(),
        version=platform.python_version(),
        free_threaded=free_threaded_build(),
        gil_enabled=gil_enabled(),
        source="host",
    )


# -- candidates ----------------------------------------------------------------


def _env_candidates() -> Iterable[tuple[str, str]]:
    for entry in os.environ.get(ENV_PYTHONS, "").split(os.pathsep):
        if entry.strip():
            yield str(Path(entry.strip()).expanduser()), "env"


def _provisioned_candidates() -> Iterable[tuple[str, str]]:
    if store.skip_requested():
        return
    for exe in store.provisioned_executables():
        yield str(exe), "provisioned"


def _path_candidates(names: Sequence[str] = WELL_KNOWN) -> Iterable[tuple[str, str]]:
    for name in names:
        found = shutil.which(name)
        if found:
            yield found, "path"


def uv_find(request: str, *, uv: str | None = None, timeout: float = 20.0) -> str | None:
    """The interpreter ``uv python find <request>`` names, or ``None``.

    Never downloads anything (``UV_PYTHON_DOWNLOADS=never``).
    """
    uv = uv or shutil.which("uv")
    if not uv:
        return None
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "NO_COLOR": "1"}
    try:
        proc = _proc.run([uv, "python", "find", request], timeout=timeout, env=env)
    except (_proc.Overshoot, OSError):
        return None
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return None
    return lines[-1].strip() or None


def _uv_candidates(requests: Sequence[str] = UV_REQUESTS) -> Iterable[tuple[str, str]]:
    uv = shutil.which("uv")
    if not uv:
        return
    for request in requests:
        found = uv_find(request, uv=uv)
        if found:
            yield found, "uv"


def _candidates() -> Iterable[tuple[str, str]]:
    yield from _env_candidates()
    yield from _provisioned_candidates()
    yield from _path_candidates()
    yield from _uv_candidates()


# -- description cache -----------------------------------------------------------


def _cache_file() -> Path:
    from ..core.paths import cache_dir

    return cache_dir() / "interpreters.json"


def _stat_key(exe: str) -> list[Any] | None:
    real = os.path.realpath(exe)
    try:
        st = os.stat(real)
    except OSError:
        return None
    return [real, st.st_size, st.st_mtime_ns]


class _DescribeCache:
    """Probe results keyed on the executable's path, size and mtime (JSON file)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, Any] = {}
        self.dirty = False
        if path is not None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("probe_version") == PROBE_VERSION and isinstance(data.get("entries"), dict):
                    self.entries = data["entries"]
            except (OSError, ValueError, AttributeError):
                self.entries = {}

    def get(self, exe: str) -> dict[str, Any] | None:
        entry = self.entries.get(exe)
        if not isinstance(entry, dict):
            return None
        key = _stat_key(exe)
        # The executable the probe reported (a venv's or a shim's target) must be unchanged too.
        reported = entry.get("data", {}).get("executable")
        if key is None or entry.get("key") != key:
            return None
        if reported and entry.get("reported_key") != _stat_key(str(reported)):
            return None
        data = entry.get("data")
        return dict(data) if isinstance(data, dict) else None

    def put(self, exe: str, data: dict[str, Any]) -> None:
        reported = data.get("executable")
        self.entries[exe] = {
            "key": _stat_key(exe),
            "reported_key": _stat_key(str(reported)) if reported else None,
            "data": data,
        }
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            write_json(self.path, {"probe_version": PROBE_VERSION, "entries": self.entries})


def discover(*, timeout: float = 20.0, cache: bool = True) -> list[Interpreter]:
    """Every interpreter found, host first, each described by running it.

    Duplicates (the same real executable, or one that reports the same
    executable, as a venv or a pyenv shim does) are listed once; candidates that
    cannot be described are skipped.

    :param timeout: seconds each candidate may take to describe itself.
    :param cache: reuse descriptions of unchanged executables from gilref's
        cache directory (``False``: run every candidate again).
    """
    found = [host()]
    seen = {os.path.realpath(found[0].executable)}
    store = _DescribeCache(_cache_file() if cache else None)
    for exe, source in _candidates():
        real = os.path.realpath(exe)
        if real in seen:
            continue
        seen.add(real)
        data = store.get(exe) if cache else None
        if data is None:
            try:
                data = _probe(exe, timeout)
            except InterpreterError:
                continue
            store.put(exe, data)
        reported = data.get("executable")
        if reported:
            real_reported = os.path.realpath(str(reported))
            if real_reported in seen and real_reported != real:
                continue
            seen.add(real_reported)
        found.append(_from_probe(exe, data, source))
    store.save()
    return found


# -- choosing ------------------------------------------------------------------


def find(
    interpreters: Sequence[Interpreter],
    *,
    implementation: str | None = None,
    series: str | None = None,
    free_threaded: bool | None = None,
    gil_enabled: bool | None = None,
) -> list[Interpreter]:
    """The interpreters matching every given field (``None`` matches anything).

    Order is kept, so the host and the sources listed first win ties.
    """
    return [
        i for i in interpreters
        if (implementation is None or i.implementation == implementation)
        and (series is None or i.series == series)
        and (free_threaded is None or i.free_threaded == free_threaded)
        and (gil_enabled is None or i.gil_enabled == gil_enabled)
    ]


def fingerprint_text(interpreters: Sequence[Interpreter] | None = None) -> str:
    """A stable one-line text naming the interpreters found (label and path each).

    The book folds it into its build fingerprint, so chapters are measured
    again when an interpreter appears or disappears.
    """
    found = discover() if interpreters is None else interpreters
    return ";".join(sorted(f"{i.label}@{i.executable}" for i in found))
