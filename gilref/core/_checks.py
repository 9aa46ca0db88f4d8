"""Argument checks shared by gilref's public functions.

Every check raises :class:`TypeError` for a value of the wrong type and
:class:`ValueError` for a value of the right type but out of range, with a
message that names the argument and says what was wrong.
"""

from __future__ import annotations

import math
from typing import Any


def check_int(name: str, value: Any, *, minimum: int | None = None) -> int:
    """Return *value* if it is an ``int`` (not a ``bool``) and at least *minimum*."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(
            f"{name} must be an int, not {type(value).__name__} ({value!r})"
        )
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_seconds(name: str, value: Any, *, allow_zero: bool = True) -> float:
    """Return *value* as a float number of seconds (finite, not negative)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"{name} must be a number of seconds, not {type(value).__name__} ({value!r})"
        )
    seconds = float(value)
    if math.isnan(seconds) or math.isinf(seconds):
        raise ValueError(f"{name} must be a finite number of seconds, got {value!r}")
    if seconds < 0 or (seconds == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound} seconds, got {value!r}")
    return seconds


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Return *value* if it is one of *choices*."""
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return str(value)
