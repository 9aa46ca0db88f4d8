"""Times for prose: an ISO 8601 timestamp as a reader says it (standard library only)."""

from __future__ import annotations

import datetime

__all__ = ["readable_utc"]


def readable_utc(stamp: str | None, *, unknown: str = "an unrecorded time") -> str:
    """*stamp* (ISO 8601, e.g. ``2026-12-01T15:14:25+00:00``) as ``1 December 2026 at 15:14 UTC``.

    A stamp with an offset is converted to UTC; one without is taken as UTC. *unknown* is
    returned for a missing or unreadable stamp (never the raw text).
    """
    if not stamp:
        return unknown
    try:
        when = datetime.datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return unknown
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    when = when.astimezone(datetime.timezone.utc)
    return f"{when.day} {when:%B %Y} at {when:%H:%M} UTC"
