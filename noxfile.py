"""Sessions: ``nox`` runs lint and tests; ``nox -s docs`` builds the book; ``nox -s browser``
opens every page of the built book in headless Chromium; ``nox -s site`` reads
every built page for what a reader should not see; ``nox -s bench`` checks the
speed goals (ratios) and compares absolute timings with this machine's baseline in
``tests/bench/baseline/``; ``nox -s tests-provisioned`` runs the tests again with the
CPython 3.13 default build ``python -m gilref provision`` made.

Dependencies come from the dependency groups in ``pyproject.toml``. Sessions
use the interpreter that runs nox, so ``python3 -m nox`` works on any machine
with Python 3.9+; each interpreter gets its own virtualenvs (``.nox/<python>/``),
so running nox with another Python never reuses one made by the first.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
PROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
BUILD = ROOT / "_build"
BENCH_BASELINE = ROOT / "tests" / "bench" / "baseline"
#: A benchmark fails when its median is this much slower than the baseline's.
BENCH_FAIL = os.environ.get("GILREF_BENCH_FAIL", "median:25%")

nox.needs_version = ">=2025.2.9"
nox.options.sessions = ["lint", "tests"]
nox.options.reuse_venv = "yes"
# nox reuses a virtualenv whatever interpreter made it: one directory per interpreter running nox.
nox.options.envdir = str(ROOT / ".nox" / "{}{}.{}{}".format(
    platform.python_implementation().lower(), *sys.version_info[:2],
    "t" if "t" in getattr(sys, "abiflags", "") else ""))


def _install(session: nox.Session, *groups: str) -> None:
    session.install("-e", ".", *nox.project.dependency_groups(PROJECT, *groups))


def _provisioned(flavour: str) -> str | None:
    """The executable of the build ``python -m gilref provision`` made for *flavour*
    (``"3.13"``, ``"3.13t"``), read from its marker in the store; ``None`` if there is none."""
    sys.path.insert(0, str(ROOT))
    try:
        from gilref.interp import store
    finally:
        sys.path.remove(str(ROOT))
    base = store.pythons_dir()
    for prefix in sorted(base.glob("cpython-*"), key=lambda p: store.version_key(p.name), reverse=True):
        marker = store.read_marker(prefix)
        exe = prefix / str((marker or {}).get("executable", ""))
        if marker and marker.get("flavour") == flavour and exe.is_file():
            return str(exe)
    return None


#: The provisioned CPython 3.13 default build (None until ``nox -s docs`` or ``python -m gilref provision``).
PROVISIONED_DEFAULT = _provisioned("3.13")


def _tests(session: nox.Session) -> None:
    _install(session, "test")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (pytest, strict: warnings are errors) with the interpreter running nox."""
    _tests(session)


# Without the build, no virtualenv at all: one made by another Python would be reused later.
@nox.session(name="tests-provisioned", python=PROVISIONED_DEFAULT, default=False,
             venv_backend=None if PROVISIONED_DEFAULT else "none")
def tests_provisioned(session: nox.Session) -> None:
    """Run the test suite with the CPython 3.13 default build gilref provisioned.

    CI runs it after the book (which provisions that build), so the suite passes
    on 3.13 as well as on the host's Python. Fails when there is no such build:
    run ``python3 -m gilref provision`` (or ``nox -s docs``) first.
    """
    if PROVISIONED_DEFAULT is None:
        session.error("no provisioned CPython 3.13 default build in the store: "
                      "run 'python3 -m gilref provision' (or 'python3 -m nox -s docs') first")
    _tests(session)


@nox.session(default=False)
def docs(session: nox.Session) -> None:
    """Build the book into _build/html, executing every changed chapter.

    Pass ``-- --fresh`` to drop the execution cache and re-measure everything.
    """
    _install(session, "docs")
    args = list(session.posargs)
    if "--fresh" in args:
        args.remove("--fresh")
        shutil.rmtree(BUILD, ignore_errors=True)
    # Fetch what the build reads while the network is there; the build itself
    # needs only loopback.
    session.run("python", "docs/_ext/inventories.py")
    # CPython 3.13, free-threaded and default builds, for the free-threading
    # chapter: found, installed or built from source (minutes, once; then
    # reused). GILREF_SKIP_PROVISION=1 skips it; the chapter then shows a note.
    session.run("python", "-m", "gilref", "provision", "--optional")
    session.run(
        "python", "-m", "sphinx",
        "-b", "html",
        "-c", ".",
        "-W", "--keep-going",  # any warning, or a failing cell, fails the build
        "-n",  # nitpicky: every reference must resolve
        "-T",  # full tracebacks
        "docs", str(BUILD / "html"),
        *args,
    )
    session.log(f"The book is in {BUILD / 'html' / 'index.html'}")


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Speed goals as pytest-benchmark benchmarks: gates that hold anywhere, timings per machine.

    Gates are ratios measured side by side in this run (speedups against their
    goals: I/O waits on N threads >= 0.9 x N, N processes >= 0.9 x N, fetching on
    1..16 threads >= 0.9 x threads, the free-threaded build's 2 threads >= 1.8x),
    so they mean the same on every machine; the run ends with a table of them.
    Absolute timings are compared only with a baseline saved on the same machine
    (CPU model and count, OS, architecture, Python: ``tests/bench/machine.py``),
    in ``tests/bench/baseline/<machine key>/``: a benchmark whose median is more
    than 25% slower fails (``GILREF_BENCH_FAIL=median:40%`` changes it). The first
    run on a machine saves its baseline instead; ``nox -s bench -- --refresh``
    replaces it (run it on an idle machine, then commit ``tests/bench/baseline``).
    """
    _install(session, "bench")
    args = list(session.posargs)
    refresh = "--refresh" in args
    if refresh:
        args.remove("--refresh")
    found = json.loads(session.run("python", "tests/bench/machine.py", silent=True) or "{}")
    store = BENCH_BASELINE / found["key"]
    stored = sorted(p for p in store.rglob("*.json") if p.name != "machine.json") if store.is_dir() else []
    common = [
        "python", "-m", "pytest", "tests/bench",
        "-o", "python_files=bench_*.py",
        "-p", "no:cacheprovider",
        f"--benchmark-storage=file://{store}",
    ]
    if refresh or not stored:
        for old in stored:
            old.unlink()
        why = "--refresh" if refresh else "no baseline for this machine yet"
        session.log(f"{why}: absolute timings are not compared; this run is saved as the baseline in "
                    f"{store.relative_to(ROOT)}")
        store.mkdir(parents=True, exist_ok=True)
        (store / "machine.json").write_text(json.dumps(found["info"], indent=1) + "\n", encoding="utf-8")
        session.run(*common, "--benchmark-save=baseline", *args)
        session.log(f"baseline saved: commit {store.relative_to(ROOT)} to keep it")
    else:
        session.log(f"comparing absolute timings with this machine's baseline {stored[-1].relative_to(ROOT)} "
                    f"(fail above {BENCH_FAIL})")
        session.run(*common, "--benchmark-compare", f"--benchmark-compare-fail={BENCH_FAIL}", *args)


def _chromium(session: nox.Session) -> tuple[str, str]:
    """Paths of Chromium and chromedriver; installed with apt-get when missing and root."""

    def find() -> tuple[str | None, str | None]:
        names = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
        browser = os.environ.get("GILREF_CHROMIUM") or next(filter(None, map(shutil.which, names)), None)
        driver = os.environ.get("GILREF_CHROMEDRIVER") or shutil.which("chromedriver")
        if not driver and os.environ.get("CHROMEWEBDRIVER"):  # GitHub's runner images
            driver = shutil.which("chromedriver", path=os.environ["CHROMEWEBDRIVER"])
        return browser, driver

    browser, driver = find()
    if browser and driver:
        return browser, driver
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        session.run("apt-get", "update", "-qq", external=True, env=env)
        session.run("apt-get", "install", "-y", "-qq", "chromium", "chromium-driver", external=True, env=env)
        browser, driver = find()
    if not browser or not driver:
        session.error(
            "headless Chromium and its driver are needed: on Debian/Ubuntu run "
            "'sudo apt-get install chromium chromium-driver', or set GILREF_CHROMIUM and "
            "GILREF_CHROMEDRIVER to a Chromium and the matching chromedriver"
        )
    return browser, driver


@nox.session(default=False)
def browser(session: nox.Session) -> None:
    """Open every page of the built book (``nox -s docs`` first) in headless Chromium.

    Fails on any console error, failed request or request leaving 127.0.0.1, an
    image that does not load, a chart that is not SVG or has no alt text, a code
    block without its copy button, a link to a missing file, a footer that does
    not state the edition. Screenshots and a report land in ``_build/screenshots/``.
    """
    chromium, driver = _chromium(session)
    _install(session, "browser")
    if not (BUILD / "html" / "index.html").is_file():
        session.error("no built book in _build/html: run 'python3 -m nox -s docs' first")
    session.run(
        "python", "-m", "pytest", "tests/browser",
        "-o", "python_files=check_*.py",
        "-p", "no:cacheprovider",
        *session.posargs,
        env={"GILREF_CHROMIUM": chromium, "GILREF_CHROMEDRIVER": driver},
    )


@nox.session(default=False, venv_backend="none")
def site(session: nox.Session) -> None:
    """Read every page of the built book (``nox -s docs`` first) for what a reader should not see.

    Fails on a Python repr or a bare list/dict/tuple as a cell's output, a
    command-line flag printed with an en or em dash, an admonition whose title
    runs into its body (:mod:`gilref.book.sitecheck`; standard library only, so
    it runs with the interpreter that runs nox and installs nothing). The
    charts are checked when they are drawn (:func:`gilref.book.charts.readability_problems`).
    """
    if not (BUILD / "html" / "index.html").is_file():
        session.error("no built book in _build/html: run 'python3 -m nox -s docs' first")
    session.run(sys.executable, "-m", "gilref.book.sitecheck", str(BUILD / "html"), *session.posargs,
                external=True)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff on everything; mypy (strict) on gilref; zizmor on the GitHub workflows.

    zizmor runs offline (its audits that ask GitHub are skipped) and exits
    non-zero on any finding, which fails the session.
    """
    _install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("mypy")
    session.run("zizmor", "--offline", ".github/workflows")
