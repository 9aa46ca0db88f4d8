"""The GIL build and the free-threaded build, side by side.

Chapters that compare CPython with and without its GIL pick one interpreter of
each kind with :func:`pick` (from ``gilref.interp.discover.discover()``) and run
the same gilref function in each with :func:`run_on`, in a child process with a
deadline (``gilref.interp.child.call``): the measurement never shares a process
with the notebook kernel's own threads, a changed setting such as the switch
interval dies with the child, and a run that hangs is killed.

Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core._checks import check_seconds
from . import child as childrun
from .discover import Interpreter, discover

__all__ = ["ENABLE_FREE_THREADED", "pick", "run_on"]

#: How a reader gets a free-threaded interpreter onto this host (for notes on the page).
ENABLE_FREE_THREADED = (
    "Install a free-threaded CPython (3.13 or later, e.g. `python3.13t` from a distribution package, "
    "the python.org installer's free-threaded option, or `uv python install 3.13t`) and either put it "
    "on `PATH` or list its path in `$GILREF_PYTHONS`, then build the book again."
)


def _is_gil_build(interp: Interpreter) -> bool:
    return interp.implementation == "CPython" and not interp.free_threaded and interp.gil_enabled


def _is_free_threaded(interp: Interpreter) -> bool:
    return interp.implementation == "CPython" and interp.free_threaded and not interp.gil_enabled


def pick(
    interpreters: Sequence[Interpreter] | None = None,
) -> tuple[Interpreter | None, Interpreter | None]:
    """Choose ``(gil_build, free_threaded_build)`` from *interpreters*.

    The free-threaded build is the first CPython built with ``--disable-gil``
    whose GIL is off. The GIL build is a default CPython build of the same
    ``major.minor`` version when one exists (so the two differ only in the
    GIL), else the first default CPython build listed (the host comes first).
    Either is ``None`` when the host has none.

    :param interpreters: candidates; default ``gilref.interp.discover.discover()``.
    """
    found = list(discover() if interpreters is None else interpreters)
    for interp in found:
        if not isinstance(interp, Interpreter):
            raise TypeError(f"interpreters must hold Interpreter objects, got {type(interp).__name__}")
    free = next((i for i in found if _is_free_threaded(i)), None)
    gil_builds = [i for i in found if _is_gil_build(i)]
    gil = None
    if free is not None:
        gil = next((i for i in gil_builds if i.version_tuple[:2] == free.version_tuple[:2]), None)
    if gil is None and gil_builds:
        gil = gil_builds[0]
    return gil, free


def run_on(
    interp: Interpreter,
    target: str,
    kwargs: Mapping[str, Any] | None = None,
    *,
    timeout: float = 120.0,
) -> Any:
    """Call the gilref function *target* inside *interp* and return its JSON result.

    :param interp: the interpreter to run in (a fresh child process of it).
    :param target: ``"gilref.module:function"``.
    :param kwargs: JSON-ready keyword arguments.
    :param timeout: seconds before the child and everything it started are killed
        (``gilref.interp.child.ChildTimeout``).
    """
    if not isinstance(interp, Interpreter):
        raise TypeError(f"interp must be an Interpreter, got {type(interp).__name__}")
    check_seconds("timeout", timeout, allow_zero=False)
    return childrun.call(interp.executable, target, kwargs, timeout=timeout)
