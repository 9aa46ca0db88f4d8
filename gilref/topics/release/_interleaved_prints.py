"""Two tasks' prints, interleaved: which task printed each number, and how often they switched.

The measurements around ``examples/interleave.py``, whose first task prints
``-1, -2, ...`` and whose second prints ``+1, +2, ...``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable, Mapping, Sequence
from functools import partial
from typing import Any

from ...core._checks import check_int
from ...core.harness import MIN_REPEATS, interleave

_SIGNED = re.compile(r"[+-][0-9]+")


def interleave_labels(text: str) -> list[str]:
    """Which task printed each number in ``examples/interleave.py``'s output.

    That example's first task prints ``-1, -2, ...``, the second ``+1, +2,
    ...``; every number carries its sign, so the numbers are found even when
    a hand-over between the threads split a line (``"+7-93"``).

    :returns: ``"minus"`` or ``"plus"`` per number, in output order.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    return ["minus" if m.startswith("-") else "plus" for m in _SIGNED.findall(text)]


def broken_lines(text: str) -> int:
    """How many lines of *text* are not exactly one signed number (split by a hand-over)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    return sum(1 for line in text.splitlines() if not _SIGNED.fullmatch(line.strip()))


_TALLY = re.compile(r"^tally: (\d+) hand-overs? in (\d+) numbers", re.M)


def output_note(text: str) -> str:
    """A note for the output of ``examples/interleave.py`` (with ``--tally``) as shown on its page:
    why some lines hold two numbers, and whether the tally counted the hand-overs the output shows.

    ``print`` writes the number and then the line end, in two writes to the stream; a hand-over
    between them puts the other task's number on the same line, and the first task's line end,
    written when it runs again, ends a later line early or stands alone as an empty line. The note
    counts such lines, the lines and the empty lines, and the changes of sign in the order shown
    (:func:`count_switches`), and sets them beside the tally line's count.

    :returns: MyST, or ``""`` when no line holds two numbers and the tally (if any) agrees.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    lines = text.rstrip("\n").splitlines()
    body = [line for line in lines if not line.startswith("tally:")]
    found = [_SIGNED.findall(line) for line in body]
    merged = [line.strip() for line, nums in zip(body, found) if len(nums) > 1]
    numbers = sum(len(nums) for nums in found)
    filled = sum(1 for nums in found if nums)
    empty = sum(1 for line in body if not line.strip())
    shown = count_switches(interleave_labels("\n".join(body)))
    tally = _TALLY.search(text)
    tallied = int(tally.group(1)) if tally else None
    if not merged and (tallied is None or tallied == shown):
        return ""
    out = ""
    if merged:
        one = len(merged) == 1
        out = ("**Why " + ("a line holds" if one else "some lines hold") + " two numbers.** `print` writes the "
               "number and then the line end, in two writes; a hand-over between them puts the other task's next "
               "number on the same line, and the first task's line end, written when it runs again, ends a later "
               f"line early or stands alone as an empty line. Here {len(merged)} line{'' if one else 's'} "
               f"hold{'s' if one else ''} more than one number (" + ", ".join(f"`{m}`" for m in merged[:3])
               + (", …" if len(merged) > 3 else "") + f"), so the {numbers} numbers fill {filled} lines"
               + (f", and {empty} line{'' if empty == 1 else 's'} {'is' if empty == 1 else 'are'} empty" if empty
                  else "") + ".")
    if tallied is not None:
        counted = f"Counted in the order shown, the printing task changed {shown} time{'' if shown == 1 else 's'}"
        if tallied == shown:
            out += f" {counted}, as the tally says (it notes each number just before its print)."
        else:
            out += (f" {counted}, the tally {tallied}: the tally notes each number just before its print, and "
                    "a hand-over can fall between the two (one the switch interval forced or, without a GIL, two "
                    "threads printing at once).")
    return out.strip() + "\n"


def output_mode(environ: Mapping[str, str] | None = None) -> str:
    """How the chapter's runs of ``examples/interleave.py`` write to their pipe: ``"unbuffered"``
    when *environ* (default: this process's, which the runs inherit) sets ``PYTHONUNBUFFERED`` to a
    non-empty string (CPython ignores an empty one), else ``"buffered"``."""
    env = os.environ if environ is None else environ
    return "unbuffered" if env.get("PYTHONUNBUFFERED") else "buffered"


def output_mode_text(mode: str) -> str:
    """One sentence on what *mode* (:func:`output_mode`) means for the runs on the page."""
    if mode == "unbuffered":
        return ("The runs here inherit `PYTHONUNBUFFERED` from the build's environment, so their output is "
                "not buffered: every `print` makes two writes, the text and then the line end, and each "
                "releases the GIL.")
    if mode == "buffered":
        return ("The runs here write to a pipe with Python's default buffering, so a `print` makes a write "
                "only when the buffer fills.")
    raise ValueError(f"unknown output mode {mode!r}: 'buffered' or 'unbuffered'")


def count_switches(labels: Sequence[Hashable]) -> int:
    """How many times consecutive items differ: the hand-overs between tasks' lines.

    >>> count_switches(["a", "a", "b", "a"])
    2
    """
    return sum(1 for a, b in zip(labels, labels[1:]) if a != b)


def _one_run(args: list[str], timeout: float) -> tuple[int, int, int]:
    """Run ``examples/interleave.py`` once: its switches, broken lines and numbers printed."""
    from ...core.examples import run_example

    # The runs inherit the build's environment, PYTHONUNBUFFERED included (output_mode says which).
    # Forcing a buffered stdout here is not safe: two threads printing 20,000 lines each through
    # one buffered text stream corrupted its bytes on this host (a UnicodeDecodeError in a build).
    text = run_example("interleave.py", args, timeout=timeout)
    labels = interleave_labels(text)
    return count_switches(labels), broken_lines(text), len(labels)


def interleave_runs(
    variants: Sequence[Sequence[str]],
    *,
    repeats: int = MIN_REPEATS,
    timeout: float = 60.0,
) -> list[dict[str, Any]]:
    """Run ``examples/interleave.py`` with each argument list *repeats* times
    (interleaved by :func:`gilref.core.harness.interleave`, no warm-up) and count,
    per run, the hand-overs between its two tasks.

    :param variants: argument lists, e.g. ``[[], ["--flush"], ["--count", "20000"]]``.
    :param timeout: seconds before one run is killed.
    :returns: one dict per variant: ``args``, and per run ``switches`` (see
        :func:`count_switches`), ``broken`` (see :func:`broken_lines`) and
        ``numbers`` (how many numbers were printed).
    """
    check_int("repeats", repeats, minimum=1)
    if not variants:
        raise ValueError("variants must hold at least one argument list")
    argses = [[str(a) for a in v] for v in variants]
    counted, _ = interleave([partial(_one_run, args, timeout) for args in argses], repeats=repeats, warmups=0)
    return [
        {"args": args,
         "switches": [c[0] for c in runs],
         "broken": [c[1] for c in runs],
         "numbers": [c[2] for c in runs]}
        for args, runs in zip(argses, counted)
    ]


def first_switch_excerpt(text: str, *, before: int = 3, after: int = 4) -> str:
    """The lines of *text* around its first real hand-over between the two tasks.

    A real hand-over is a line on which the printing task changed after each
    task had printed at least *before* numbers and the one printing had
    printed at least *before* whole lines in a row: the two threads' start,
    where the second task's first lines mix with the first task's, and the
    second task's first turn are not one.

    :param before: lines to show before that line (and the run of one task's
        lines that must precede it, >= 1).
    :param after: lines to show from it on.
    :returns: the excerpt, or ``""`` when there is no such hand-over.
    """
    check_int("before", before, minimum=1)
    check_int("after", after, minimum=1)
    lines = text.splitlines()
    seen: dict[str, int] = {}  # numbers printed so far by each task
    task, run = None, 0  # the task printing the current run of whole lines, and its length
    for i, line in enumerate(lines):
        labels = interleave_labels(line)
        if not labels:
            continue
        mixed = len(set(labels)) > 1
        changed = task is not None and (mixed or labels[0] != task)
        if changed and run >= before and len(seen) == 2 and min(seen.values()) >= before:
            return "\n".join(lines[i - before: i + after])
        for label in labels:
            seen[label] = seen.get(label, 0) + 1
        if not mixed and labels[0] == task:
            run += 1
        else:
            task, run = labels[-1], 0 if mixed else 1
    return ""


def _number_of(line: str) -> list[str]:
    return _SIGNED.findall(line)


def blank_line_note(text: str, excerpt: str) -> str:
    """Why *excerpt* (:func:`first_switch_excerpt` of *text*) shows an empty line, or ``""`` if it shows none.

    ``print`` writes a number's text and its line end as two writes; when the other task took over
    between them, the number went out at the start of the other task's line (``"-6+1"``) and its
    line end only when its task came back: an empty line, just before that task's next number.
    Found in *text*: the excerpt's first empty line, the task that prints the next number after
    it, that task's number before it and the line it went out on; and, over the whole output,
    how many lines hold two numbers and how many are empty.
    """
    lines, shown = text.splitlines(), excerpt.splitlines()
    if "" not in [ln.strip() for ln in shown]:
        return ""
    start = next((i for i in range(len(lines) - len(shown) + 1) if lines[i:i + len(shown)] == shown), None)
    if start is None:
        return ""
    blank = start + [ln.strip() for ln in shown].index("")
    after = next((n for ln in lines[blank + 1:] for n in _number_of(ln)), None)
    if after is None:
        return ""
    sign = after[0]
    where = next(((i, n) for i in range(blank - 1, -1, -1) for n in reversed(_number_of(lines[i]))
                  if n[0] == sign), None)
    if where is None:
        return ""
    i, number = where
    glued = sum(1 for ln in lines if len(_number_of(ln)) > 1)
    empty = sum(1 for ln in lines if not ln.strip())
    above = blank - i
    return (f"The empty line above {after} is the line end of {number}: `print` writes a number and its "
            f"line end separately, and the other task took over between the two, so {number} went out on "
            f"the line that reads `{lines[i].strip()}` ({above} lines above the empty one) and its line end "
            f"only when its task came back. Of the excerpted run's {len(lines):,} lines, {glued:,} "
            f"{'holds' if glued == 1 else 'hold'} two numbers and {empty:,} {'is' if empty == 1 else 'are'} "
            "empty: the two halves of split prints (the table's split lines count both).")
