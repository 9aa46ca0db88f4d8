"""Errors as the text a page shows: an exception's last line, a tail, a folded traceback."""

from __future__ import annotations

import sysconfig
import traceback


def exception_text(exc: BaseException) -> str:
    """``"ExceptionType: message"``, as the last line(s) of a traceback show it."""
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def tail(text: str, lines: int) -> str:
    """The last *lines* lines of *text*, after a ``...`` line if some were cut."""
    kept = text.strip().splitlines()
    if len(kept) > lines:
        kept = ["...", *kept[-lines:]]
    return "\n".join(kept)


def condense_traceback(text: str) -> str:
    """*text* with each run of traceback frames inside the standard library folded into one line.

    What is left is what a reader needs: the frames in their own code and every
    exception line.
    """
    stdlib = sysconfig.get_paths()["stdlib"]
    out: list[str] = []
    folded = 0
    skipping = False
    for line in text.splitlines():
        if line.startswith('  File "'):
            path = line.split('"')[1]
            skipping = path.startswith((stdlib, "<frozen"))
            if skipping:
                folded += 1
                continue
        elif skipping and line.startswith("    "):
            continue
        else:
            skipping = False
        if folded:
            out.append(f"  ... ({folded} frame{'s' * (folded > 1)} in the standard library)")
            folded = 0
        out.append(line)
    if folded:
        out.append(f"  ... ({folded} frame{'s' * (folded > 1)} in the standard library)")
    return "\n".join(out)
