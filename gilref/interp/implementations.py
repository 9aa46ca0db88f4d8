"""The same small measurements on every interpreter found: CPython, PyPy, Jython.

Each measurement runs :mod:`gilref.interp.portable` in the interpreter as a child
process (:func:`gilref.interp.child.call_portable`), so interpreters gilref's core
cannot run in (Jython is a Python 2.7) are measured by the same code as the
others.

Standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core.hostinfo import usable_cpus
from ..core.results import Suite
from .child import ChildError, call_portable
from .discover import Interpreter

__all__ = ["JIT_WARMUP_S", "countdown_on", "refcounts"]


#: Seconds of short warm-up runs before calibrating, per implementation with a JIT compiler.
JIT_WARMUP_S = {"PyPy": 1.5, "Jython": 3.0}


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

    With ``n=0`` the countdown's length is calibrated inside the interpreter so
    that one thread takes about *target* seconds: an equal amount of time, not
    of steps, on every interpreter. Interpreters with a JIT compiler first run
    short countdowns for :data:`JIT_WARMUP_S` seconds, so the JIT has done its
    work before anything is timed. The chosen length is in each timing's
    ``params["n"]``; the warm-up in ``metadata["jit_warmup_s"]``.
    """
    warm = JIT_WARMUP_S.get(interp.implementation, 0.0)
    data = call_portable(interp.executable, "countdown_threads",
                         {"n": n, "threads": list(threads), "repeats": repeats, "target": target,
                          "warm_seconds": warm}, timeout=timeout)
    suite = Suite.from_dict(data)
    suite.metadata["interpreter_label"] = interp.label
    if suite.metadata.get("usable_cpus") is None:  # Jython cannot tell: the same machine as this process
        suite.metadata["usable_cpus"] = usable_cpus()
    suite.metadata["jit_warmup_s"] = warm
    return suite


def refcounts(interpreters: Sequence[Interpreter], *, timeout: float = 60.0) -> list[dict[str, Any]]:
    """:func:`gilref.topics.refcount.refcount_demo` on each interpreter, one row each.

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
