"""Sessions: ``nox`` runs lint and tests; ``nox -s docs`` builds the book; ``nox -s bench``.

Dependencies come from the dependency groups in ``pyproject.toml``. Sessions
use the interpreter that runs nox, so ``python3 -m nox`` works on any machine
with Python 3.9+.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
PROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
BUILD = ROOT / "_build"

nox.needs_version = ">=2025.2.9"
nox.options.sessions = ["lint", "tests"]
nox.options.reuse_venv = "yes"


def _install(session: nox.Session, *groups: str) -> None:
    session.install("-e", ".", *nox.project.dependency_groups(PROJECT, *groups))


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (pytest, strict: warnings are errors)."""
    _install(session, "test")
    session.run("python", "-m", "pytest", *session.posargs)


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
    """Speed goals as pytest-benchmark benchmarks (not part of the default run)."""
    _install(session, "bench")
    session.run(
        "python", "-m", "pytest", "tests/bench",
        "-o", "python_files=bench_*.py",
        "-p", "no:cacheprovider",
        *session.posargs,
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff on everything; mypy (strict) on gilref."""
    _install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("mypy")
