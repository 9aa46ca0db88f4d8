"""The functions that run *inside* worker processes.

Each lives at the top level of this importable module, so a worker can find it
under every start method: ``fork`` copies the parent, but ``spawn`` and
``forkserver`` start a fresh interpreter that imports a function by its module
and name. Nothing here may move into a function body, a class or ``__main__``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from typing import Any, Callable


def noop() -> None:
    """Do nothing (the work of a process whose start-up is being timed)."""


def payload_size(data: bytes) -> int:
    """Return ``len(data)`` in bytes: the payload travels to the worker, only an int comes back."""
    return len(data)


def echo(data: Any) -> Any:
    """Return *data* unchanged: the payload travels to the worker and back."""
    return data


_HELD: dict[int, bytes] = {}


def held_payload(size: int) -> bytes:
    """Return a *size*-byte payload this worker already holds (made on the first call for that size,
    the previous size's dropped): only the result travels, an int goes out."""
    if size not in _HELD:
        _HELD.clear()
        _HELD[size] = os.urandom(min(size, 1 << 16)) * (size // (1 << 16)) + os.urandom(size % (1 << 16))
    return _HELD[size]


def square(x: int) -> int:
    """Return ``x * x``."""
    return x * x


def slow_square(x: int, seconds: float = 0.5) -> int:
    """Wait *seconds*, then return ``x * x`` (a task still running when something breaks)."""
    time.sleep(seconds)
    return x * x


add_one = lambda x: x + 1  # noqa: E731 - being a lambda is the point
add_one.__doc__ = """Return ``x + 1``. A lambda: it has no name a worker process could import it
by, so it cannot be pickled."""


def crash(exit_code: int = 1, after: float = 0.0) -> None:
    """End the current process at once with *exit_code*, as a segfault or an
    out-of-memory kill would: no exception, no clean-up (:func:`os._exit`).

    :param after: seconds to wait first (lets a caller finish submitting work).
    """
    if after:
        time.sleep(after)
    os._exit(exit_code)


def apply(func: Callable[..., Any], *args: Any) -> Any:
    """Return ``func(*args)``; used to send a function as an *argument* to a worker."""
    return func(*args)


def array_sum(array: Any) -> float:
    """Sum a NumPy array that arrived by pickling (the array was copied to this process)."""
    return float(array.sum())


def shared_array_sum(name: str, shape: Sequence[int], dtype: str) -> float:
    """Sum a NumPy array that lives in the shared-memory block *name* (nothing is copied).

    The worker attaches to the block, wraps it in an array without copying,
    sums it and detaches; the creator of the block unlinks it.

    :param shape: the array's shape, in elements.
    :param dtype: the array's NumPy dtype string, e.g. ``"<f8"``.
    """
    from multiprocessing import shared_memory

    import numpy as np

    kwargs: dict[str, Any] = {"track": False} if sys.version_info >= (3, 13) else {}
    block = shared_memory.SharedMemory(name=name, **kwargs)
    try:
        array = np.ndarray(tuple(shape), dtype=np.dtype(dtype), buffer=block.buf)
        total = float(array.sum())
        del array  # release the buffer before closing the block
    finally:
        block.close()
    return total
