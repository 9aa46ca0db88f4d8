"""Run a gilref function inside another interpreter, with a deadline.

:func:`call` starts ``python -m gilref.interp._child`` in a child process of any
interpreter (free-threaded CPython, PyPy, an older CPython...), with this
checkout on its ``PYTHONPATH`` so it imports the same gilref. The target
function's keyword arguments go in as JSON on stdin; its JSON-ready return
value (a :meth:`Suite.to_dict() <gilref.core.results.Suite.to_dict>`, a dict of
numbers...) comes back on stdout. A child that overshoots its deadline is
killed, with everything it started, and reported as :class:`ChildTimeout`.

Standard library only.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..core import _proc
from ..core._checks import check_seconds
from ..core.paths import env_importing_gilref, package_root

__all__ = ["ChildError", "ChildTimeout", "call", "call_portable", "project_root"]

_TARGET_RE = re.compile(r"^gilref(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$")
RESULT_MARK = "\n@@gilref-result@@\n"


class ChildError(RuntimeError):
    """The child interpreter could not run the call (bad path, crash, exception)."""


class ChildTimeout(ChildError):
    """The child overshot its deadline and was killed."""


def project_root() -> Path:
    """The directory that holds the ``gilref`` package of this process."""
    return package_root()


def call(
    python: str | os.PathLike[str],
    target: str,
    kwargs: Mapping[str, Any] | None = None,
    *,
    timeout: float = 300.0,
    flags: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> Any:
    """Call ``target(**kwargs)`` in interpreter *python* and return its result.

    :param python: path of the interpreter's executable.
    :param target: ``"gilref.module:function"``; only gilref functions may be called.
    :param kwargs: JSON-ready keyword arguments.
    :param timeout: seconds before the child (and its process group) is killed.
    :param flags: interpreter options placed before ``-m``, e.g. ``["-X", "gil=1"]``.
    :param env: extra environment variables for the child, e.g. ``{"PYTHON_GIL": "0"}``.
    :returns: the function's return value, decoded from JSON.
    :raises FileNotFoundError: if *python* does not exist or is not executable.
    :raises ValueError: if *target* is not a gilref function name.
    :raises ChildTimeout: if the child overshot *timeout* (it was killed).
    :raises ChildError: if the child failed; the message holds its last stderr lines.
    """
    exe = os.fspath(python)
    if not os.path.isfile(exe) or not os.access(exe, os.X_OK):
        raise FileNotFoundError(f"no executable interpreter at {exe!r}")
    if not isinstance(target, str) or not _TARGET_RE.match(target):
        raise ValueError(f"target must look like 'gilref.module:function', got {target!r}")
    check_seconds("timeout", timeout, allow_zero=False)
    child_env = env_importing_gilref()
    return _run_child(exe, [exe, *flags, "-m", "gilref.interp._child", target], target, kwargs, timeout, child_env, env)


def call_portable(
    python: str | os.PathLike[str],
    function: str,
    kwargs: Mapping[str, Any] | None = None,
    *,
    timeout: float = 300.0,
    flags: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> Any:
    """Call ``function(**kwargs)`` of :mod:`gilref.interp.portable` in interpreter *python*.

    For interpreters gilref's core cannot run in (Jython, a Python 2.7): the
    file ``gilref/portable.py`` is run as a script, importing nothing from
    gilref. Same deadline and errors as :func:`call`.

    :param function: one of ``gilref.interp.portable.FUNCTIONS``.
    :raises ValueError: if *function* is not one of them.
    """
    from . import portable

    exe = os.fspath(python)
    if not os.path.isfile(exe) or not os.access(exe, os.X_OK):
        raise FileNotFoundError(f"no executable interpreter at {exe!r}")
    if function not in portable.FUNCTIONS:
        raise ValueError(f"function must be one of {portable.FUNCTIONS}, got {function!r}")
    check_seconds("timeout", timeout, allow_zero=False)
    script = str(Path(portable.__file__).resolve())
    return _run_child(exe, [exe, *flags, script, function], f"portable {function}", kwargs, timeout,
                      dict(os.environ), env)


def _run_child(
    exe: str,
    cmd: list[str],
    target: str,
    kwargs: Mapping[str, Any] | None,
    timeout: float,
    child_env: dict[str, str],
    env: Mapping[str, str] | None,
) -> Any:
    payload = json.dumps(dict(kwargs or {}))
    child_env.pop("PYTHONHOME", None)
    child_env.update(env or {})
    start = time.monotonic()
    try:
        proc = _proc.run(cmd, timeout=timeout, input=payload, env=child_env)
    except _proc.Overshoot:
        raise ChildTimeout(
            f"{target} in {exe} did not finish within {timeout:g} s and was killed"
        ) from None
    except OSError as exc:
        raise ChildError(f"{exe} could not be started: {exc}") from None
    out, err = proc.stdout, proc.stderr
    elapsed = time.monotonic() - start
    if proc.returncode != 0 or RESULT_MARK not in out:
        tail = "\n".join(err.strip().splitlines()[-6:]) or "(no output)"
        raise ChildError(
            f"{target} in {exe} failed (exit code {proc.returncode}, after {elapsed:.1f} s):\n{tail}"
        )
    text = out.rsplit(RESULT_MARK, 1)[1]
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ChildError(f"{target} in {exe} returned something that is not JSON: {exc}") from None

