"""Run the reader examples in ``examples/`` as a reader would: as scripts.

Standard library only. Each run is a child process with a deadline; a run that
overshoots it is killed and reported.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import _proc
from .paths import package_root

__all__ = ["ExampleError", "examples_dir", "run_example", "run_example_json"]


class ExampleError(RuntimeError):
    """An example exited with an error or overshot its deadline."""


def examples_dir() -> Path:
    """The ``examples/`` directory of this checkout."""
    return package_root() / "examples"


def run_example(
    name: str,
    args: Sequence[str] = (),
    *,
    timeout: float = 300.0,
    python: str | None = None,
    env: Mapping[str, str] | None = None,
    directory: str | os.PathLike[str] | None = None,
) -> str:
    """Run ``examples/<name>`` with *args* and return what it printed.

    :param name: the file name, e.g. ``"countdown.py"``.
    :param timeout: seconds before the child is killed (:class:`ExampleError`).
    :param python: the interpreter to use (default: this one).
    :param env: extra environment variables for the run (added to this process's).
    :param directory: run ``<directory>/<name>`` from *directory* instead (a copy of
        the example on its own, as a reader who downloaded it has it).
    :raises FileNotFoundError: if there is no such example.
    :raises ExampleError: on a non-zero exit or a timeout.
    """
    folder = Path(directory) if directory is not None else examples_dir()
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(f"no example named {name!r} in {folder}")
    cmd = [python or sys.executable, str(path), *args]
    try:
        proc = _proc.run(cmd, timeout=timeout, cwd=str(folder),
                         env={**os.environ, **env} if env else None)
    except _proc.Overshoot:
        raise ExampleError(f"{name} did not finish within {timeout:g} s and was killed") from None
    if proc.returncode != 0:
        raise ExampleError(f"{name} exited with {proc.returncode}:\n{proc.stderr.strip()}")
    return proc.stdout


def run_example_json(
    name: str,
    args: Sequence[str] = (),
    *,
    timeout: float = 300.0,
    python: str | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[str, Any]:
    """Run ``examples/<name>`` with *args* and ``--json FILE``; return (what it printed, the JSON it wrote).

    For an example that takes ``--json FILE`` (it writes its results there as
    well as printing them), so a chapter can show the output and check its
    verdicts against the same run's numbers. Arguments as :func:`run_example`.

    :raises ExampleError: on a non-zero exit, a timeout, or when the example
        wrote no JSON file or one that does not parse.
    """
    with tempfile.TemporaryDirectory(prefix="gilref-example-") as folder:
        path = Path(folder) / "result.json"
        out = run_example(name, [*args, "--json", str(path)], timeout=timeout, python=python, env=env)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ExampleError(f"{name} wrote no readable JSON to --json: {exc}") from None
    return out, data
