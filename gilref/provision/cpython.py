"""Make sure CPython 3.13 exists twice: free-threaded and default (GIL) build.

The free-threading chapter compares the two builds of the same CPython
version, so :func:`provision` makes sure both exist, trying for each, in order:

1. one gilref provisioned earlier (in :func:`pythons_dir`; this makes a second
   call instant);
2. one already on this host: ``$GILREF_PYTHONS``, ``python3.13t`` /
   ``python3.13`` on ``PATH``, ``uv python find``;
3. ``uv python install 3.13t`` (or ``3.13``) where uv is installed and can
   download (without a network it fails within seconds and the next step runs);
4. a build from source: ``./configure --disable-gil`` (or without it, for the
   default build), ``make``, ``make install`` into a staging directory, then
   one ``rename`` into :func:`pythons_dir`. The source is the tarball or
   directory named by ``$GILREF_CPYTHON_SOURCE``, a source tarball fetched
   earlier, or Debian's ``python3.13`` source package fetched with
   ``apt-get source --download-only`` through :class:`gilref.provision.debian.PrivateApt`
   (a private sources list: nothing on the system changes).

Builds show their phase and elapsed time, keep their log in
``pythons_dir()/logs``, and install atomically: an interrupted build leaves
only a ``.work-*`` directory (removed by the next call), never something that
looks installed. The build step itself is a parameter (:data:`Builder`), so
tests replace it. After a build, NumPy is installed from the package index
into the provisioned interpreters where that works (binary wheels only).

``GILREF_SKIP_PROVISION=1`` skips all of this on purpose: nothing is built or
installed, and :func:`gilref.interp.discover.discover` leaves out what gilref
provisioned earlier, so the book builds without those interpreters and says so.

Standard library only (Unix: uses ``fcntl`` for the lock, ``make`` and a C compiler).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..core.jsonio import write_json
from ..interp.discover import Interpreter, InterpreterError, describe, uv_find
from ..interp.store import (
    ENV_SKIP,
    ENV_SOURCE,
    MARKER,
    STATUS,
    last_status,
    provisioned_executables,
    pythons_dir,
    read_marker,
    skip_requested,
    version_key,
)

__all__ = [
    "DEFAULT",
    "ENV_SKIP",
    "ENV_SOURCE",
    "FLAVOURS",
    "FREE_THREADED",
    "PACKAGES",
    "BuildJob",
    "Builder",
    "Flavour",
    "Outcome",
    "ProvisionError",
    "Source",
    "build_cpython",
    "ensure_numpy",
    "ensure_package",
    "ensure_packages",
    "find_source",
    "last_status",
    "numpy_status",
    "package_status",
    "provision",
    "provisioned",
    "provisioned_executables",
    "pythons_dir",
    "skip_requested",
]

SERIES = "3.13"
NUMPY_MARKER = "gilref-numpy.json"
#: What provisioning installs into the interpreters it built (binary wheels only):
#: NumPy for the free-threading chapter, pytest and pytest-run-parallel for the
#: chapter on what still serializes (finding races).
PACKAGES = ("numpy", "pytest", "pytest-run-parallel")
DEBIAN_PACKAGE = "python3.13"
DEBIAN_SUITE = "trixie"

Progress = Callable[[str], None]


class ProvisionError(RuntimeError):
    """A step of provisioning failed; the message says which and where its log is."""


@dataclass(frozen=True)
class Flavour:
    """One build of CPython *series*: free-threaded or the default (GIL) build."""

    free_threaded: bool
    series: str = SERIES

    @property
    def name(self) -> str:
        """``"3.13t"`` or ``"3.13"`` (uv's request syntax)."""
        return self.series + ("t" if self.free_threaded else "")

    @property
    def executable_name(self) -> str:
        """``"python3.13t"`` or ``"python3.13"``."""
        return "python" + self.name

    @property
    def kind(self) -> str:
        """``"free-threaded"`` or ``"default (GIL)"``."""
        return "free-threaded" if self.free_threaded else "default (GIL)"

    @property
    def configure_args(self) -> tuple[str, ...]:
        """The configure options that select this build."""
        return ("--disable-gil",) if self.free_threaded else ()

    def matches(self, interp: Interpreter) -> bool:
        """Whether *interp* is this build of this series."""
        return (interp.implementation == "CPython" and interp.series == self.series
                and interp.free_threaded == self.free_threaded)


FREE_THREADED = Flavour(True)
DEFAULT = Flavour(False)
FLAVOURS = (FREE_THREADED, DEFAULT)


@dataclass
class Outcome:
    """What provisioning did for one flavour.

    :param status: ``"provisioned"`` (built by gilref earlier), ``"found"`` (on
        this host), ``"uv"`` (installed by uv now), ``"built"`` (from source
        now), ``"skipped"`` (``$GILREF_SKIP_PROVISION``) or ``"unavailable"``.
    :param seconds: wall time this flavour took, in seconds.
    :param tried: one line per way that was tried and did not deliver.
    """

    flavour: Flavour
    status: str
    interpreter: Interpreter | None = None
    detail: str = ""
    seconds: float = 0.0
    tried: list[str] = field(default_factory=list)
    log: str | None = None

    @property
    def ok(self) -> bool:
        """An interpreter of this flavour is available."""
        return self.interpreter is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record."""
        return {
            "flavour": self.flavour.name,
            "kind": self.flavour.kind,
            "status": self.status,
            "executable": self.interpreter.executable if self.interpreter else None,
            "version": self.interpreter.version if self.interpreter else None,
            "detail": self.detail,
            "seconds": round(self.seconds, 1),
            "tried": list(self.tried),
            "log": self.log,
        }


@dataclass(frozen=True)
class BuildJob:
    """Everything a :data:`Builder` needs to build one flavour.

    :param source_dir: a pristine CPython source tree (configure is run out of tree).
    :param build_dir: an empty directory for the build.
    :param prefix: the final installation prefix (configure's ``--prefix``).
    :param destdir: the staging root: install with ``DESTDIR=destdir``, so the
        tree lands in :attr:`staged_prefix` and is renamed into place afterwards.
    :param log: the build log to append to.
    :param jobs: parallel make jobs.
    :param progress: callback for one-line progress messages.
    """

    flavour: Flavour
    source_dir: Path
    build_dir: Path
    prefix: Path
    destdir: Path
    log: Path
    jobs: int
    progress: Progress

    @property
    def staged_prefix(self) -> Path:
        """Where ``make install DESTDIR=destdir`` puts the prefix."""
        return self.destdir / self.prefix.relative_to(self.prefix.anchor)


#: A function that builds ``job.flavour`` from ``job.source_dir`` and installs
#: it under ``job.staged_prefix`` (``bin/python3.13[t]`` must exist afterwards).
Builder = Callable[[BuildJob], None]


# -- running build steps ---------------------------------------------------------


def _clean_env() -> dict[str, str]:
    """The environment for build steps: no PYTHON* variables that would steer the build's Python."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith("PYTHON") and k not in ("VIRTUAL_ENV", "__PYVENV_LAUNCHER__")}


def _fmt_seconds(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m}m{s:02d}s" if m else f"{s}s"


def run_step(
    cmd: Sequence[str],
    *,
    cwd: Path,
    log: Path,
    phase: str,
    progress: Progress,
    timeout: float,
    env: Mapping[str, str] | None = None,
    heartbeat: float = 20.0,
) -> float:
    """Run one build step with its output appended to *log*; return its seconds.

    Prints the phase when it starts and a line with the elapsed time every
    *heartbeat* seconds. A step that overshoots *timeout* seconds is killed with
    its process group; an interrupt (Ctrl-C) kills it too before propagating.

    :raises ProvisionError: on a non-zero exit or a timeout (message: last log lines).
    """
    import signal

    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    progress(f"{phase} ...")
    with open(log, "a", encoding="utf-8", errors="replace") as fh:
        fh.write(f"\n$ (cd {cwd} && {' '.join(cmd)})\n")
        fh.flush()
        proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=dict(env or _clean_env()),
                                start_new_session=True)
        next_beat = start + heartbeat
        try:
            while True:
                try:
                    proc.wait(timeout=1.0)
                    break
                except subprocess.TimeoutExpired:
                    now = time.monotonic()
                    if now - start > timeout:
                        raise ProvisionError(
                            f"{phase} took longer than {timeout:g} s and was stopped; log: {log}") from None
                    if now >= next_beat:
                        progress(f"{phase} ... {_fmt_seconds(now - start)}")
                        next_beat = now + heartbeat
        except BaseException:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()
            proc.wait()
            raise
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        raise ProvisionError(
            f"{phase} failed (exit {proc.returncode}) after {elapsed:.0f} s; last lines of {log}:\n"
            + _tail(log, 8))
    progress(f"{phase} done in {_fmt_seconds(elapsed)}")
    return elapsed


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join("    " + line for line in text.strip().splitlines()[-lines:])


def build_cpython(job: BuildJob) -> None:
    """The real :data:`Builder`: ``configure``, ``make -jN``, ``make install DESTDIR=...``.

    Configured with ``--with-ensurepip=install`` (pip, for NumPy) and
    ``--disable-test-modules`` (the test suite is not needed and costs
    minutes), plus ``--disable-gil`` for the free-threaded build; compiled with
    CPython's default optimisation (``-O3``) but without debug information
    (``$OPT`` overrides this).
    """
    for tool in ("make",):
        if not shutil.which(tool):
            raise ProvisionError(f"'{tool}' is not installed; it is needed to build CPython")
    if not (shutil.which("cc") or shutil.which("gcc") or os.environ.get("CC")):
        raise ProvisionError("no C compiler (cc or gcc) found; on Debian: apt-get install build-essential")
    job.build_dir.mkdir(parents=True, exist_ok=True)
    name = job.flavour.name
    configure = [
        str(job.source_dir / "configure"),
        f"--prefix={job.prefix}",
        "--with-ensurepip=install",
        "--disable-test-modules",
        *job.flavour.configure_args,
    ]

    def say(msg: str) -> None:
        job.progress(f"{name}: {msg}")

    # The default optimisation flags without -g: the same machine code, no debug
    # information, a noticeably shorter build.
    env = {**_clean_env(), "OPT": os.environ.get("OPT", "-DNDEBUG -O3 -Wall")}
    run_step(configure, cwd=job.build_dir, log=job.log, phase="configure", progress=say, timeout=900, env=env)
    run_step(["make", f"-j{job.jobs}"], cwd=job.build_dir, log=job.log,
             phase=f"make -j{job.jobs}", progress=say, timeout=3600)
    run_step(["make", "install", f"DESTDIR={job.destdir}"], cwd=job.build_dir, log=job.log,
             phase="make install", progress=say, timeout=1800)


# -- what is installed -------------------------------------------------------------


def provisioned(flavour: Flavour, root: Path | None = None) -> Interpreter | None:
    """The newest interpreter of *flavour* gilref provisioned, if any (described by running it)."""
    base = root or pythons_dir()
    for exe in provisioned_executables(base):
        data = read_marker(exe.parent.parent) or {}
        if data.get("flavour") != flavour.name:
            continue
        try:
            interp = describe(exe, source="provisioned")
        except InterpreterError:
            continue
        if flavour.matches(interp):
            return interp
    return None


def _found_elsewhere(flavour: Flavour, tried: list[str]) -> Interpreter | None:
    from ..interp.discover import ENV_PYTHONS, host

    me = host()
    if flavour.matches(me):
        return me
    candidates: list[tuple[str, str]] = []
    for entry in os.environ.get(ENV_PYTHONS, "").split(os.pathsep):
        if entry.strip():
            candidates.append((str(Path(entry.strip()).expanduser()), "env"))
    on_path = shutil.which(flavour.executable_name)
    if on_path:
        candidates.append((on_path, "path"))
    by_uv = uv_find(flavour.name)
    if by_uv:
        candidates.append((by_uv, "uv"))
    for exe, source in candidates:
        try:
            interp = describe(exe, source=source)
        except InterpreterError:
            continue
        if flavour.matches(interp):
            return interp
    tried.append(f"already installed: no CPython {flavour.name} in ${ENV_PYTHONS}, on PATH "
                 f"({flavour.executable_name}) or known to uv")
    return None


def _try_uv(flavour: Flavour, tried: list[str], progress: Progress, timeout: float = 180.0) -> Interpreter | None:
    from ..core import _proc

    uv = shutil.which("uv")
    if not uv:
        tried.append("uv python install: uv is not installed")
        return None
    progress(f"{flavour.name}: uv python install {flavour.name} ...")
    env = {**os.environ, "NO_COLOR": "1", "UV_HTTP_TIMEOUT": os.environ.get("UV_HTTP_TIMEOUT", "15")}
    start = time.monotonic()
    try:
        proc = _proc.run([uv, "python", "install", flavour.name], timeout=timeout, env=env)
    except _proc.Overshoot:
        tried.append(f"uv python install {flavour.name}: no answer within {timeout:g} s (killed)")
        return None
    if proc.returncode != 0:
        tail = " ".join((proc.stderr or proc.stdout).strip().splitlines()[-2:])
        tried.append(f"uv python install {flavour.name}: failed after {time.monotonic() - start:.0f} s: {tail}")
        return None
    exe = uv_find(flavour.name, uv=uv)
    if exe:
        try:
            interp = describe(exe, source="uv")
            if flavour.matches(interp):
                return interp
        except InterpreterError as exc:
            tried.append(f"uv python install {flavour.name}: installed, but {exc}")
            return None
    tried.append(f"uv python install {flavour.name}: succeeded but uv python find does not name a matching interpreter")
    return None


# -- source ----------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """CPython source: a tarball or a directory, and how it was obtained."""

    path: Path
    origin: str


_TARBALL_RE = re.compile(r"\.(tar\.xz|tar\.gz|tgz|tar\.bz2|tar)$")


def _source_version(text: str) -> str | None:
    m = re.search(r'#define\s+PY_VERSION\s+"([^"]+)"', text)
    return m.group(1) if m else None


def _cached_tarballs(directory: Path, series: str) -> list[Path]:
    if not directory.is_dir():
        return []
    found = [p for p in directory.iterdir()
             if _TARBALL_RE.search(p.name)
             and ((p.name.startswith(f"python{series}_") and ".orig." in p.name)
                  or p.name.startswith(f"Python-{series}."))]
    return sorted(found, key=lambda p: version_key(p.name.split("_", 1)[-1].replace("Python-", "")), reverse=True)


def _default_apt(root: Path) -> Any:
    from ..core.paths import cache_dir
    from .debian import PrivateApt

    return PrivateApt(cache_dir() / f"apt-{DEBIAN_SUITE}", DEBIAN_SUITE)


def find_source(
    tried: list[str],
    *,
    root: Path | None = None,
    series: str = SERIES,
    env: Mapping[str, str] | None = None,
    apt: Callable[[], Any] | None = None,
    progress: Progress = lambda msg: None,
) -> Source | None:
    """Find CPython *series* source: ``$GILREF_CPYTHON_SOURCE``, a cached tarball, or Debian.

    Appends a line to *tried* for every way that did not deliver.

    :param apt: returns a :class:`gilref.provision.debian.PrivateApt` (default: one for trixie
        under gilref's cache directory); tests pass a fake.
    :raises ProvisionError: if ``$GILREF_CPYTHON_SOURCE`` names something unusable
        (an explicit choice is never silently replaced by another source).
    """
    from .debian import AptError

    base = root or pythons_dir()
    environ = os.environ if env is None else env
    named = environ.get(ENV_SOURCE, "").strip()
    if named:
        path = Path(named).expanduser()
        if path.is_dir() and (path / "configure").is_file():
            return Source(path, f"${ENV_SOURCE} (directory {path})")
        if path.is_file() and _TARBALL_RE.search(path.name):
            return Source(path, f"${ENV_SOURCE} (tarball {path})")
        raise ProvisionError(
            f"${ENV_SOURCE}={named} is neither a CPython source directory (with a 'configure' script) "
            "nor a .tar.xz/.tar.gz/.tgz tarball")
    tried.append(f"${ENV_SOURCE}: not set")
    sources = base / "sources"
    cached = _cached_tarballs(sources, series)
    if cached:
        return Source(cached[0], f"cached tarball {cached[0].name}")
    package = f"python{series}"
    progress(f"fetching Debian's {package} source package ({DEBIAN_SUITE}) through a private apt configuration ...")
    try:
        fetcher = (apt or (lambda: _default_apt(base)))()
        try:
            fetcher.source(package, sources)
        except AptError:
            fetcher.update()  # the private package lists may be stale: refresh once
            fetcher.source(package, sources)
    except (AptError, OSError) as exc:
        tried.append(f"Debian source package {package} ({DEBIAN_SUITE}, apt-get source --download-only): {exc}")
        return None
    cached = _cached_tarballs(sources, series)
    if cached:
        return Source(cached[0], f"Debian source package {package} ({DEBIAN_SUITE}): {cached[0].name}")
    tried.append(f"Debian source package {package}: apt-get delivered no {package}_*.orig.tar.* tarball")
    return None


def _unpack(source: Source, dest: Path) -> Path:
    """Put a pristine copy of *source* under *dest*; return the tree holding ``configure``."""
    dest.mkdir(parents=True, exist_ok=True)
    if source.path.is_dir():
        tree = dest / "src"
        shutil.copytree(source.path, tree, symlinks=True,
                        ignore=shutil.ignore_patterns(".git", "*.o", "__pycache__"))
        if (tree / "Makefile").exists() or (tree / "pyconfig.h").exists():
            raise ProvisionError(f"{source.path} has been configured in place; give a clean source tree")
        return tree
    with tarfile.open(source.path) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, filter="data")
        else:  # pragma: no cover - Pythons without extraction filters
            tar.extractall(dest)
    trees = [p.parent for p in dest.glob("*/configure")]
    if len(trees) != 1:
        raise ProvisionError(f"{source.path.name} does not hold exactly one CPython source tree")
    return trees[0]


# -- provisioning ------------------------------------------------------------------


class _Lock:
    """An exclusive lock on *path* (``fcntl.flock``), waited for with progress messages."""

    def __init__(self, path: Path, progress: Progress, timeout: float = 3600.0) -> None:
        self.path = path
        self.progress = progress
        self.timeout = timeout
        self.fh: Any = None

    def __enter__(self) -> _Lock:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(self.path, "a+")  # held until __exit__
        start = time.monotonic()
        said = 0.0
        while True:
            try:
                fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                waited = time.monotonic() - start
                if waited > self.timeout:
                    self.fh.close()
                    raise ProvisionError(f"another gilref provision holds {self.path} for over "
                                         f"{self.timeout:g} s") from None
                if waited - said >= 30 or said == 0:
                    self.progress(f"waiting for another gilref provision to finish ({self.path}) ...")
                    said = waited or 0.001
                time.sleep(1.0)

    def __exit__(self, *exc: object) -> None:
        if self.fh is not None:
            self.fh.close()


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _build(
    flavour: Flavour,
    tree: Path,
    version: str,
    base: Path,
    work: Path,
    builder: Builder,
    jobs: int,
    progress: Progress,
    origin: str,
) -> tuple[Interpreter, Path]:
    suffix = "t" if flavour.free_threaded else ""
    prefix = base / f"cpython-{version}{suffix}"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    log = base / "logs" / f"cpython-{version}{suffix}-{stamp}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(f"gilref provision: CPython {version} {flavour.kind} from {origin}\n", encoding="utf-8")
    job = BuildJob(flavour=flavour, source_dir=tree, build_dir=work / f"build-{flavour.name}", prefix=prefix,
                   destdir=work / f"stage-{flavour.name}", log=log, jobs=jobs, progress=progress)
    start = time.monotonic()
    builder(job)
    seconds = time.monotonic() - start
    staged = job.staged_prefix
    exe_rel = Path("bin") / flavour.executable_name
    if not (staged / exe_rel).is_file():
        raise ProvisionError(f"the build installed no {exe_rel} under {staged}; log: {log}")
    marker = {
        "flavour": flavour.name,
        "kind": flavour.kind,
        "version": version,
        "executable": str(exe_rel),
        "configure_args": list(flavour.configure_args),
        "source": origin,
        "build_seconds": round(seconds, 1),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "log": str(log),
    }
    (staged / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
    if prefix.exists():  # a leftover without a valid marker: move it out of the way first
        _remove(prefix)
    os.rename(staged, prefix)  # the one step that makes it "installed"
    try:
        interp = describe(prefix / exe_rel, source="provisioned", timeout=60)
    except InterpreterError as exc:
        _remove(prefix)
        raise ProvisionError(f"the freshly built interpreter does not run: {exc}; log: {log}") from None
    if not flavour.matches(interp):
        _remove(prefix)
        raise ProvisionError(f"the build produced {interp.label}, not CPython {flavour.name}; log: {log}")
    return interp, log


def _write_status(base: Path, outcomes: Sequence[Outcome]) -> None:
    with contextlib.suppress(OSError):
        write_json(base / STATUS, {
            "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "outcomes": [o.to_dict() for o in outcomes],
        })


def _default_progress(message: str) -> None:
    sys.stderr.write(f"[gilref provision] {message}\n")
    sys.stderr.flush()


def _default_jobs() -> int:
    from ..core.hostinfo import usable_cpus

    return max(1, usable_cpus())


def provision(
    flavours: Sequence[Flavour] = FLAVOURS,
    *,
    root: Path | None = None,
    builder: Builder = build_cpython,
    use_found: bool = True,
    use_uv: bool = True,
    apt: Callable[[], Any] | None = None,
    jobs: int | None = None,
    numpy: bool = True,
    retry_numpy: bool = False,
    packages: Sequence[str] = PACKAGES,
    progress: Progress | None = None,
    env: Mapping[str, str] | None = None,
) -> list[Outcome]:
    """Make sure an interpreter of every flavour exists; return what was done for each.

    Never raises for a flavour that cannot be had: its outcome has status
    ``"unavailable"`` and says what was tried. Source is fetched at most once
    per call and shared by the builds.

    :param root: where provisioned interpreters live (default :func:`pythons_dir`).
    :param builder: builds one flavour (default :func:`build_cpython`; tests pass a fake).
    :param use_found: accept an interpreter already on this host.
    :param use_uv: try ``uv python install`` where uv exists.
    :param apt: factory of the :class:`~gilref.provision.debian.PrivateApt` used to fetch source.
    :param jobs: parallel make jobs (default: usable CPUs).
    :param numpy: install *packages* (NumPy among them) into the interpreters gilref provisioned.
    :param retry_numpy: try the packages again even if they failed before.
    :param packages: what to install (default :data:`PACKAGES`).
    :param progress: one-line progress messages (default: printed to stderr).
    :param env: the environment to read ``$GILREF_SKIP_PROVISION`` and
        ``$GILREF_CPYTHON_SOURCE`` from (default ``os.environ``).
    """
    say = progress or _default_progress
    environ = os.environ if env is None else env
    if skip_requested(environ):
        say(f"skipped: ${ENV_SKIP}={environ.get(ENV_SKIP)}")
        return [Outcome(f, "skipped", detail=f"${ENV_SKIP} is set") for f in flavours]
    base = root or pythons_dir()
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return [Outcome(f, "unavailable", detail=f"cannot create {base}",
                        tried=[f"creating gilref's directory for interpreters, {base}: {exc}"]) for f in flavours]
    n_jobs = jobs or _default_jobs()
    outcomes: list[Outcome] = []
    with _Lock(base / ".lock", say):
        for stale in list(base.glob(".work-*")) + list(base.glob(f".{STATUS}.*.tmp")):
            say(f"removing the remains of an interrupted build: {stale.name}")
            _remove(stale) if stale.is_dir() else stale.unlink()
        work = base / f".work-{os.getpid()}"
        source_state: dict[str, Any] = {}
        try:
            for flavour in flavours:
                outcomes.append(_provide(flavour, base, work, builder, use_found, use_uv, apt,
                                         n_jobs, say, environ, source_state))
        finally:
            _remove(work)
        if numpy:
            for outcome in outcomes:
                if outcome.interpreter is not None and outcome.interpreter.source == "provisioned":
                    notes = ensure_packages(Path(outcome.interpreter.executable), packages, retry=retry_numpy,
                                            progress=say)
                    outcome.detail += "".join(f"; {'NumPy' if p == 'numpy' else p}: {n}" for p, n in notes.items())
        _write_status(base, outcomes)
    return outcomes


def _provide(
    flavour: Flavour,
    base: Path,
    work: Path,
    builder: Builder,
    use_found: bool,
    use_uv: bool,
    apt: Callable[[], Any] | None,
    jobs: int,
    say: Progress,
    environ: Mapping[str, str],
    source_state: dict[str, Any],
) -> Outcome:
    start = time.monotonic()
    tried: list[str] = []

    def done(status: str, interp: Interpreter | None, detail: str, log: Path | None = None) -> Outcome:
        return Outcome(flavour, status, interp, detail, time.monotonic() - start, tried,
                       str(log) if log else None)

    mine = provisioned(flavour, base)
    if mine is not None:
        return done("provisioned", mine, f"provisioned earlier in {Path(mine.executable).parent.parent}")
    tried.append(f"provisioned earlier: nothing in {base}")
    if use_found:
        found = _found_elsewhere(flavour, tried)
        if found is not None:
            return done("found", found, f"already on this host ({found.source})")
    if use_uv:
        by_uv = _try_uv(flavour, tried, say)
        if by_uv is not None:
            return done("uv", by_uv, "installed by uv python install")
    # Build from source (fetched once per call, shared by both flavours).
    if "tree" not in source_state:
        if "failed" in source_state:
            tried.extend(source_state["failed"])
            return done("unavailable", None, "no CPython source could be had")
        src_tried: list[str] = []
        try:
            source = find_source(src_tried, root=base, env=environ, apt=apt, progress=say)
        except ProvisionError as exc:
            src_tried.append(str(exc))
            source = None
        if source is None:
            source_state["failed"] = src_tried
            tried.extend(src_tried)
            return done("unavailable", None, "no CPython source could be had")
        say(f"unpacking {source.origin} ...")
        try:
            tree = _unpack(source, work)
        except (ProvisionError, OSError, tarfile.TarError) as exc:
            source_state["failed"] = [*src_tried, f"unpacking {source.path}: {exc}"]
            tried.extend(source_state["failed"])
            return done("unavailable", None, "the CPython source could not be unpacked")
        version = _source_version((tree / "Include" / "patchlevel.h").read_text(encoding="utf-8", errors="replace")
                                  if (tree / "Include" / "patchlevel.h").exists() else "")
        if not version or not version.startswith(flavour.series + "."):
            source_state["failed"] = [*src_tried, f"{source.origin}: CPython {version or '?'}, "
                                                  f"not {flavour.series}"]
            tried.extend(source_state["failed"])
            return done("unavailable", None, f"the source is not CPython {flavour.series}")
        source_state.update(tree=tree, version=version, origin=source.origin)
    try:
        say(f"{flavour.name}: building CPython {source_state['version']} {flavour.kind} "
            f"with {jobs} job(s); this takes a few minutes")
        interp, log = _build(flavour, source_state["tree"], source_state["version"], base, work, builder, jobs,
                             say, source_state["origin"])
    except (ProvisionError, OSError) as exc:
        tried.append(f"build from source: {exc}")
        return done("unavailable", None, "the build from source failed")
    finally:
        _remove(work / f"build-{flavour.name}")
        _remove(work / f"stage-{flavour.name}")
    say(f"{flavour.name}: installed {interp.label} at {interp.executable}")
    return done("built", interp, f"built from {source_state['origin']}", log)


# -- packages in the provisioned interpreters -------------------------------------------

#: Distribution name -> the module to import to check it.
_IMPORT_NAMES = {"numpy": "numpy", "pytest": "pytest", "pytest-run-parallel": "pytest_run_parallel"}


def _marker(prefix: Path, package: str) -> Path:
    return prefix / (NUMPY_MARKER if package == "numpy" else f"gilref-{package}.json")


def ensure_package(
    python: Path,
    package: str,
    *,
    retry: bool = False,
    timeout: float = 600.0,
    progress: Progress = _default_progress,
) -> str:
    """Install *package* (binary wheels only) into the provisioned interpreter *python*.

    Records the outcome next to the interpreter (``gilref-<package>.json``;
    ``gilref-numpy.json`` for NumPy); a failure is not retried on later calls
    unless *retry*. Returns a short description (``"2.4.1"``, ``"not
    installed: ..."``).

    :param package: one of :data:`PACKAGES` (a distribution name).
    """
    from ..core import _proc

    if package not in _IMPORT_NAMES:
        raise ValueError(f"package must be one of {sorted(_IMPORT_NAMES)}, got {package!r}")
    prefix = python.parent.parent
    marker = _marker(prefix, package)

    def record(ok: bool, detail: str) -> str:
        marker.write_text(json.dumps({"ok": ok, "detail": detail, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
                          + "\n", encoding="utf-8")
        return detail if ok else f"not installed: {detail}"

    probe = f"import importlib.metadata as m, {_IMPORT_NAMES[package]}; print(m.version({package!r}))"
    try:
        have = _proc.run([str(python), "-c", probe], timeout=60, env=_clean_env())
    except _proc.Overshoot:
        return f"not checked: importing {package} hung"
    if have.returncode == 0:
        return record(True, have.stdout.strip())
    if marker.exists() and not retry:
        try:
            previous = json.loads(marker.read_text(encoding="utf-8"))
        except ValueError:
            previous = {}
        if not previous.get("ok"):
            return (f"not installed: {previous.get('detail', 'failed before')} "
                    "(python -m gilref provision --retry-numpy tries again)")
    log = prefix.parent / "logs" / f"{package}-{prefix.name}.log"
    progress(f"installing {package} into {python} (binary wheels only) ...")
    try:
        run_step([str(python), "-m", "pip", "install", "--only-binary=:all:", "--timeout", "30",
                  "--retries", "1", "--no-warn-script-location", package],
                 cwd=prefix, log=log, phase=f"pip install {package}", progress=progress, timeout=timeout)
    except ProvisionError as exc:
        first = str(exc).splitlines()[0]
        return record(False, f"{first} (log: {log})")
    have = _proc.run([str(python), "-c", probe], timeout=60, env=_clean_env())
    if have.returncode != 0:
        return record(False, f"pip succeeded but {package} does not import (log: {log})")
    return record(True, have.stdout.strip())


def ensure_packages(
    python: Path,
    packages: Sequence[str] = PACKAGES,
    *,
    retry: bool = False,
    timeout: float = 600.0,
    progress: Progress = _default_progress,
) -> dict[str, str]:
    """:func:`ensure_package` for each of *packages*, in order; package -> description.

    Each package is installed on its own, so one that fails leaves the others.
    """
    return {p: ensure_package(python, p, retry=retry, timeout=timeout, progress=progress) for p in packages}


def ensure_numpy(
    python: Path,
    *,
    retry: bool = False,
    timeout: float = 600.0,
    progress: Progress = _default_progress,
) -> str:
    """:func:`ensure_package` for NumPy (kept for callers of the NumPy-only version)."""
    return ensure_package(python, "numpy", retry=retry, timeout=timeout, progress=progress)


def package_status(python: str | os.PathLike[str], package: str) -> dict[str, Any] | None:
    """The outcome recorded for *package* in a provisioned interpreter, if any."""
    try:
        data = json.loads(_marker(Path(python).parent.parent, package).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def numpy_status(python: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The NumPy outcome recorded for a provisioned interpreter, if any."""
    return package_status(python, "numpy")


def explain(outcomes: Sequence[Outcome]) -> str:
    """What provisioning did, as plain text; for failures, what was tried and how to supply one."""
    lines = []
    for o in outcomes:
        where = o.interpreter.executable if o.interpreter else "-"
        lines.append(f"CPython {o.flavour.name:<6} {o.status:<12} {where}  ({_fmt_seconds(o.seconds)}) {o.detail}")
        if not o.ok and o.status != "skipped":
            lines.extend(f"    tried: {t}" for t in o.tried)
    if any(not o.ok and o.status != "skipped" for o in outcomes):
        lines.append(
            "To supply an interpreter yourself: put its path in $GILREF_PYTHONS (several separated by "
            f"'{os.pathsep}'), or put python3.13t / python3.13 on PATH, or point ${ENV_SOURCE} at a "
            "CPython 3.13 source tarball or directory and run `python -m gilref provision` again. "
            f"${ENV_SKIP}=1 builds the book without them on purpose.")
    return "\n".join(lines)
