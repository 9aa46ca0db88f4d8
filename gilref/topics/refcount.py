"""Reference counts as ``sys.getrefcount`` reports them (standard library only), and the
verdicts of the chapter "What the GIL is" on them.

The numbers differ between interpreters and versions: ``getrefcount``'s own
argument adds a temporary reference on most CPython versions, immortal objects
(PEP 683, CPython 3.12+) report a fixed huge count, and PyPy has no reference
counts at all (``sys.getrefcount`` is missing there). Before 3.12 the count of
``None`` is every reference to it in the process, so two processes of one
Python report different counts (:func:`none_verdict` states and explains them).

Counts are exact, so the verdicts decide on equalities, not intervals.
"""

from __future__ import annotations

import platform
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from ..core.verdicts import Claim, Invariant, check, invariant
from ..interp import portable

__all__ = [
    "EXTRA_REFERENCES",
    "IMMORTAL_FROM",
    "IMMORTAL_THRESHOLD",
    "immortal_everywhere_verdict",
    "none_verdict",
    "one_more_verdict",
    "parse_example_output",
    "refcount_demo",
    "refcount_series",
    "series_invariants",
    "series_verdict",
]

#: References ``sys.getrefcount`` reports beyond those the code holds: its own
#: argument, a temporary reference while it runs (the documented behaviour).
EXTRA_REFERENCES = 1
#: The first CPython version whose ``None`` is immortal (PEP 683).
IMMORTAL_FROM = (3, 12)
#: A count at or above this (2**30) is an immortal object's sentinel, not a real
#: count: no program holds a billion references to one object.
IMMORTAL_THRESHOLD = 2**30


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
    ``none`` (the count of ``None``), ``modules`` (``len(sys.modules)`` as it was
    counted), ``immortal_none`` (True when ``None``
    reports an immortal count, >= 2**30). Counts are ``None`` where the
    interpreter has no ``sys.getrefcount``. This is
    :func:`gilref.interp.portable.refcount_demo`, run in this process.
    """
    # The same code runs on every interpreter the book measures, Jython included,
    # so the host's row and the others' rows come from one function.
    return portable.refcount_demo()


def parse_example_output(text: str) -> dict[str, int | None]:
    """The counts ``examples/refcount.py`` printed: ``alone``, ``shared``, ``after_del``, ``none``, ``modules``.

    Every value is ``None`` when the interpreter had no ``sys.getrefcount``.

    :raises ValueError: if the text is neither the example's output nor its no-refcount line.
    """
    if "no sys.getrefcount" in text:
        return dict.fromkeys(("alone", "shared", "after_del", "none", "modules"))
    counts = [int(m) for m in re.findall(r"getrefcount\(a\) = (\d+)", text)]
    none = re.search(r"getrefcount\(None\) = (\d+)\s+\(with (\d+) modules loaded\)", text)
    if len(counts) != 3 or none is None:
        raise ValueError("not the output of examples/refcount.py")
    return {"alone": counts[0], "shared": counts[1], "after_del": counts[2],
            "none": int(none.group(1)), "modules": int(none.group(2))}


def one_more_verdict(demo: Mapping[str, Any], example: Mapping[str, Any] | None = None) -> Claim:
    """Does ``sys.getrefcount`` report :data:`EXTRA_REFERENCES` more than the code holds?

    Decided on *demo* (:func:`refcount_demo`); *example*
    (:func:`parse_example_output`) must agree, or the claim is contradicted
    with both counts stated.
    """
    extra = demo["extra"]
    holds = extra == EXTRA_REFERENCES
    also = ""
    if example is not None and example.get("shared") is not None:
        ex_extra = int(example["shared"]) - int(demo["visible_shared"])
        holds = holds and ex_extra == EXTRA_REFERENCES
        also = (f" The example above, in a fresh process of the same Python, printed {example['alone']} and "
                f"{example['shared']}: " + ("the same." if (example["alone"], example["shared"]) ==
                                            (demo["alone"], demo["shared"]) else "other counts."))
    return check(
        "one_more", "sys.getrefcount reports one more reference than the code holds, because its own argument "
        "is a temporary reference", holds,
        alone=demo["alone"], shared=demo["shared"], extra=extra, python=demo["python"],
        supported="After `a = []; b = a` two names refer to the list, and {python} reports {shared}: exactly one "
                  "more, the temporary reference held by `getrefcount`'s own parameter while it runs." + also,
        contradicted="After `a = []; b = a` two names refer to the list, but {python} reports {shared} (an excess "
                     "of {extra}), not one more than the visible references." + also,
    )


def none_verdict(demo: Mapping[str, Any], version: tuple[int, int],
                 example: Mapping[str, Any] | None = None, *, modules: int | None = None) -> Claim:
    """Is ``None`` immortal exactly from :data:`IMMORTAL_FROM` on? And why do two counts of it differ?

    :param demo: :func:`refcount_demo` in this process (the notebook's kernel).
    :param version: this Python's ``sys.version_info[:2]``.
    :param example: :func:`parse_example_output` of the example, run in a fresh
        process of the same Python; its count is stated and, before 3.12,
        explained (each process counts its own references to ``None``).
    :param modules: ``len(sys.modules)`` here, to set beside the example's.
    """
    immortal_expected = tuple(version) >= IMMORTAL_FROM
    here = int(demo["none"])
    holds = bool(demo["immortal_none"]) == immortal_expected
    ex = None if example is None else example.get("none")
    why = ""
    if example is not None and ex is not None:
        holds = holds and (int(ex) >= IMMORTAL_THRESHOLD) == immortal_expected
        mods = (f": {modules} modules loaded here against {example.get('modules')} there"
                if modules is not None and example.get("modules") is not None else "")
        if immortal_expected:
            why = (f" The example's fresh process printed {int(ex):,}: the same kind of sentinel, whatever the "
                   "process has loaded.")
        else:
            why = (f" The example's fresh process printed {int(ex):,}, this notebook's kernel {here:,}: both are "
                   "real counts, each of the references to `None` in its own process, and the kernel has loaded "
                   f"far more code (IPython, the notebook machinery, gilref{mods}), every piece of it holding "
                   "`None` in defaults, constants and fields.")
    if immortal_expected:
        supported = ("`None` reports {none:,}: a fixed sentinel value, because since CPython 3.12 "
                     "([PEP 683](https://peps.python.org/pep-0683/)) `None` is *immortal* and its count is never "
                     "changed.")
    else:
        supported = ("`None` reports {none:,} on {python}: an ordinary count, shared by every `None` in the "
                     "process. Immortal objects, whose counts never change, arrive with CPython 3.12 "
                     "([PEP 683](https://peps.python.org/pep-0683/)).")
    return check(
        "none_immortal", "None is immortal on CPython 3.12+ and reports a fixed huge count", holds,
        none=here, python=demo["python"],
        supported=supported + _esc(why),
        contradicted="`None` reports {none:,} on {python}, which does not match what "
                     "[PEP 683](https://peps.python.org/pep-0683/) leads one to expect for this version." + _esc(why),
    )


def immortal_everywhere_verdict(rows: Sequence[tuple[str, tuple[int, ...], Mapping[str, Any]]],
                                uncounted: Sequence[str] = (), example: Mapping[str, Any] | None = None,
                                example_python: str = "") -> Claim:
    """Is ``None`` immortal on every CPython found exactly from 3.12 on?

    :param rows: ``(label, version tuple, demo row)`` of each CPython that ran the demo.
    :param uncounted: labels of interpreters without ``sys.getrefcount`` (stated).
    :param example: :func:`parse_example_output` of the example (a fresh process of
        *example_python*, e.g. ``"CPython 3.11.7"``); a row of that Python before 3.12
        counts ``None`` in another fresh process, and the difference is explained by
        the modules each had loaded.
    """
    holds = all(bool(r["immortal_none"]) == (tuple(v[:2]) >= IMMORTAL_FROM) for _, v, r in rows)
    seen = ", ".join(f"{label}: {int(r['none']):,}" for label, _, r in rows)
    older = [label for label, v, _ in rows if tuple(v[:2]) < IMMORTAL_FROM]
    note = (" Before 3.12 a count is that process's own (" + ", ".join(older) + " here: each ran the demo in a "
            "fresh child process, so its count differs from the kernel's above).") if older else ""
    note += _child_against_example(rows, example, example_python)
    others = (" " + " and ".join(uncounted) + " have no `sys.getrefcount` at all: they manage memory with a "
              "tracing garbage collector, not reference counts.") if uncounted else ""
    return check(
        "immortal_everywhere", "None is immortal on CPython 3.12 and later, and only there", holds,
        seen=seen,
        supported="On every CPython found, `None` is immortal exactly from 3.12 on ({seen})." + _esc(note + others),
        contradicted="The count of `None` does not follow [PEP 683](https://peps.python.org/pep-0683/) on every "
                     "CPython found: {seen}." + _esc(note + others),
    )


def _child_against_example(rows: Sequence[tuple[str, tuple[int, ...], Mapping[str, Any]]],
                           example: Mapping[str, Any] | None, example_python: str) -> str:
    """Why a pre-3.12 row of the example's own Python shows another count of ``None`` than the example."""
    if not example or example.get("none") is None or not example_python:
        return ""
    for _, version, r in rows:
        if (tuple(version[:2]) >= IMMORTAL_FROM or r.get("python") != example_python
                or r.get("none") is None or int(r["none"]) == int(example["none"])):
            continue
        ex_n, ex_m, n, m = int(example["none"]), example.get("modules"), int(r["none"]), r.get("modules")
        if ex_m is None or m is None:
            return (f" Its row shows {n:,} where the example above printed {ex_n:,}, both in fresh processes of "
                    f"{example_python}: each counts the references to `None` of the code it had loaded.")
        more = "more" if int(m) > int(ex_m) else "fewer"
        return (f" Its row shows {n:,} where the example above printed {ex_n:,}, both in fresh processes of "
                f"{example_python}: the table's child ran gilref's Python-2.7-safe probe (with the modules it "
                f"imports to report back) and had loaded {int(m)} modules, {more} than the example's {int(ex_m)}; "
                f"each module's code holds its own references to `None`, {n - ex_n:+,} here.")
    return ""


def series_verdict(series: Sequence[tuple[int, int]]) -> Claim:
    """Does the reported count run :data:`EXTRA_REFERENCES` above the visible references at every step?"""
    offsets = sorted({c - v for v, c in series})
    return check(
        "series_offset", "the reported count is the visible references plus getrefcount's own argument, at "
        "every step", offsets == [EXTRA_REFERENCES],
        steps=len(series), offsets=", ".join(map(str, offsets)),
        supported="At each of the {steps} steps the reported count was the visible references plus one: it runs "
                  "parallel to them, one above.",
        contradicted="The reported count was not one above the visible references at every step (offsets seen: "
                     "{offsets}).",
    )


def series_invariants(series: Sequence[tuple[int, int]]) -> list[Invariant]:
    """A sound series: each added reference raises the reported count by exactly one."""
    steps = [b[1] - a[1] for a, b in zip(series, series[1:])]
    return [invariant("series_one_per_reference", "each added reference raised the count by exactly one",
                      all(s == 1 for s in steps), steps=", ".join(map(str, steps)),
                      cause="something else took or dropped references to the list while it was counted "
                            "(steps: {steps})")]


def _esc(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")
