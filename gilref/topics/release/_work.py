"""A kind of work cut into identical units, with resources made before the clock and freed after."""

from __future__ import annotations

import queue
from collections.abc import Sequence
from contextlib import ExitStack
from typing import Any

from ...core._checks import check_int

#: Seconds a running unit waits for a free per-thread slot, and that any one
#: loopback socket operation may block, before it is an error.
SOCKET_TIMEOUT = 10.0


class WorkUnavailable(RuntimeError):
    """A kind of work cannot run here (a library it needs is missing)."""


class Slots:
    """A pool of per-thread resources: a running unit takes one and gives it back.

    A take waits at most :data:`SOCKET_TIMEOUT` seconds for a free slot.
    """

    def __init__(self, items: Sequence[Any]) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for item in items:
            self._queue.put(item)

    def take(self) -> Any:
        """A free slot's resources.

        :raises RuntimeError: if none is given back within :data:`SOCKET_TIMEOUT` seconds
            (more threads ran the work at once than it has slots for).
        """
        try:
            return self._queue.get(timeout=SOCKET_TIMEOUT)
        except queue.Empty:
            raise RuntimeError("more threads ran this work at once than it has slots for") from None

    def give(self, item: Any) -> None:
        """Give a slot's resources back."""
        self._queue.put(item)


class Work:
    """A kind of work that can be split into identical units.

    Use as a context manager: resources are made on entry and freed on exit.
    :meth:`run` may be called from up to *slots* threads at once.

    Each kind sets four class attributes: ``name`` (short identifier, used as
    the workload name in results), ``label`` (a human label for charts and
    tables), ``unit`` (what one unit is, for tables) and ``releases_gil``
    (whether CPython releases the GIL while doing this work, from its source
    code).

    :param slots: the most threads that will run units at the same time (>= 1).
    """

    name = "work"
    label = "work"
    unit = "one unit"
    releases_gil = True

    def __init__(self, slots: int = 1) -> None:
        self.slots = check_int("slots", slots, minimum=1)
        self._stack = ExitStack()

    def __enter__(self) -> Work:
        try:
            self.setup()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def setup(self) -> None:
        """Make the resources; register their clean-up on ``self._stack``."""

    def params(self) -> dict[str, Any]:
        """The sizes that define one unit (JSON-ready), recorded with the results."""
        return {}

    def run(self, units: int) -> None:
        """Do *units* units of work in the calling thread."""
        raise NotImplementedError
