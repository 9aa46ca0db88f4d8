"""Reference counts as ``sys.getrefcount`` reports them (standard library only).

The numbers differ between interpreters and versions: ``getrefcount``'s own
argument adds a temporary reference on most CPython versions, immortal objects
(PEP 683, CPython 3.12+) report a fixed huge count, and PyPy has no reference
counts at all (``sys.getrefcount`` is missing there).
"""

from __future__ import annotations

import platform
import sys
from typing import Any

from ..interp import portable

__all__ = ["refcount_demo", "refcount_series"]


def refcount_series(max_names: int = 5) -> list[tuple[int, int]]:
    """``(visible references, reported count)`` for a fresh list with 1..*max_names* references.

    The first reference is a local name, each further one an element of another list.

    :raises ValueError: if *max_names* < 1.
    :raises NotImplementedError: on an interpreter without ``sys.getrefcount``.
    """
    if isinstance(max_names, bool) or not isinstance(max_names, int):
        raise TypeError(f"max_names must be an int, not {type(max_names).__name__}")
    if max_names < 1:
        raise ValueError(f"max_names must be >= 1, got {max_names}")
    getrefcount = getattr(sys, "getrefcount", None)
    if getrefcount is None:
        raise NotImplementedError(f"{platform.python_implementation()} has no sys.getrefcount")
    obj: list[Any] = []
    others: list[Any] = []  # each element is one more reference to obj
    series = []
    for visible in range(1, max_names + 1):
        series.append((visible, getrefcount(obj)))
        others.append(obj)
    return series


def refcount_demo() -> dict[str, Any]:
    """The chapter's demo as data: ``a = []; b = a`` and what getrefcount says.

    Keys: ``python`` (implementation and version), ``alone`` (count with one
    name), ``shared`` (after ``b = a``), ``visible_alone`` (1),
    ``visible_shared`` (2), ``extra`` (reported minus visible, after ``b = a``),
    ``none`` (the count of ``None``), ``immortal_none`` (True when ``None``
    reports an immortal count, >= 2**30). Counts are ``None`` where the
    interpreter has no ``sys.getrefcount``. This is
    :func:`gilref.interp.portable.refcount_demo`, run in this process.
    """
    # The same code runs on every interpreter the book measures, Jython included,
    # so the host's row and the others' rows come from one function.
    return portable.refcount_demo()
