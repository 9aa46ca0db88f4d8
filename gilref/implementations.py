"""The same small measurements on every interpreter found: CPython, PyPy, Jython.

Each measurement runs :mod:`gilref.portable` in the interpreter as a child
process (:func:`gilref.childrun.call_portable`), so interpreters gilref's core
cannot run in (Jython is a Python 2.7) are measured by the same code as the
others.

Standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .childrun import ChildError, call_portable
from .interpreters import Interpreter
from .results import Suite

__all__ = ["countdown_on", "refcounts"]


def countdown_on(
    interp: Interpreter,
    threads: Sequence[int] = (2,),
    *,
    target: float = 0.5,
    n: int = 0,
    repeats: int = 5,
    timeout: float = 300.0,
) -> Suite:
    """The countdown on one thread and on each count of *threads*, inside *interp*.

    With ``n=0`` the countdown's length is calibrated inside the interpreter
    (after a warmup, so a JIT compiler such as PyPy's has done its work) so that
    one thread takes about *target* seconds: an equal amount of time, not of
    steps, on every interpreter. The chosen length is in each timing's
    ``params["n"]``.
    """
    data = call_portable(interp.executable, "countdown_threads",
                         {"n": n, "threads": list(threads), "repeats": repeats, "target": target},
                         timeout=timeout)
    suite = Suite.from_dict(data)
    suite.metadata["interpreter_label"] = interp.label
    return suite


def refcounts(interpreters: Sequence[Interpreter], *, timeout: float = 60.0) -> list[dict[str, Any]]:
    """:func:`gilref.refcount.refcount_demo` on each interpreter, one row each.

    Row keys: ``interpreter`` (label) plus the demo's keys; ``error`` when the
    interpreter could not run it (``None`` otherwise).
    """
    rows = []
    for interp in interpreters:
        try:
            demo = call_portable(interp.executable, "refcount_demo", timeout=timeout)
            rows.append({"interpreter": interp.label, **demo, "error": None})
        except ChildError as exc:
            rows.append({"interpreter": interp.label, "error": str(exc).splitlines()[0]})
    return rows
