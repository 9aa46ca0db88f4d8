"""Run asyncio code from anywhere, including a notebook whose thread already runs an event loop.

:func:`asyncio.run` refuses to start inside a thread that is running an event
loop, which is the situation of every cell of a Jupyter notebook. The helpers
here run the work on a short-lived helper thread in that case (a new thread
has no event loop), and directly otherwise. Standard library only.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, Callable, TypeVar

T = TypeVar("T")


def loop_running() -> bool:
    """True if the calling thread is running an asyncio event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def outside_loop(func: Callable[[], T], timeout: float) -> T:
    """Call *func* here, or on a helper thread if this thread runs an event loop.

    :param timeout: seconds to wait for the helper thread (the work should bound
        itself; this is the last resort).
    :raises TimeoutError: if the helper thread is still running after *timeout*.
    """
    if not loop_running():
        return func()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = func()
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    thread = threading.Thread(target=target, name="gilref-asyncio-runner", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"asyncio work did not finish within {timeout:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def run(main: Callable[[], Coroutine[Any, Any, T]], timeout: float) -> T:
    """``asyncio.run(asyncio.wait_for(main(), timeout))``, from any thread (see :func:`outside_loop`)."""
    return outside_loop(lambda: asyncio.run(asyncio.wait_for(main(), timeout)), timeout + 10.0)
