"""Waiting on state in tests: poll a condition with a generous deadline, never sleep and hope."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")

#: Seconds a test waits for something that takes milliseconds on an idle machine.
#: Generous on purpose: a loaded machine is slow, and only a failure waits this long.
DEADLINE = 60.0


def wait_until(condition: Callable[[], T], what: str, timeout: float = DEADLINE, poll: float = 0.02) -> T:
    """Call *condition* until it returns something true; return that value.

    :param condition: checked at once, then every *poll* seconds.
    :param what: the awaited state in words, for the failure message.
    :param timeout: seconds before the wait fails.
    :raises AssertionError: naming *what*, if it did not happen within *timeout* seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"still waiting after {timeout:g} s for {what}")
        time.sleep(poll)
