"""Cross-checks: how a single figure on a page (a reader's script's median, with no
spread) relates to a verdict decided on an interval of repeated runs.

Standard library only.
"""

from __future__ import annotations

__all__ = ["agreement"]


def agreement(holds: bool | None, passes: bool) -> str | None:
    """How one median figure (no spread) relates to a verdict decided on an interval.

    :param holds: the verdict (True, False, or None when undecided).
    :param passes: the figure is on the claim's side of the verdict's threshold.
    :returns: ``"it agrees"`` when the figure is on the verdict's side, ``None``
        when it is not (the caller says why they differ), and for an undecided
        verdict a clause saying one median cannot settle it.
    """
    if holds is None:
        return ("the interval above straddles the threshold, and one median without a spread cannot "
                "settle it either way")
    return "it agrees" if holds == passes else None
