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
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

from ..core import _proc
from ..core.verdicts import Claim, Invariant, check, invariant
from ..interp import portable

__all__ = [
    "BORROWED_FROM",
    "EXTRA_REFERENCES",
    "IMMORTAL_FROM",
    "IMMORTAL_THRESHOLD",
    "NONE_RUNS",
    "expected_extra",
    "immortal_everywhere_verdict",
    "none_counts",
    "none_counts_invariants",
    "none_verdict",
    "one_more_verdict",
    "parse_example_output",
    "refcount_demo",
    "refcount_series",
    "series_invariants",
    "series_verdict",
]

#: References ``sys.getrefcount`` reports beyond those the code holds on CPython up
#: to 3.13: its own argument, a temporary reference while it runs (the documented
#: behaviour).
EXTRA_REFERENCES = 1
#: The first CPython version whose interpreter often passes a *borrowed* stack
#: reference to a call, so that ``getrefcount``'s own argument may add nothing
#: (What's New In Python 3.14, "reference count"): from it on, 0 or 1 extra.
BORROWED_FROM = (3, 14)
#: Fresh processes the chapter starts to see how much the count of ``None`` moves
#: between runs of one Python (before 3.12): five, enough to show a spread, each
#: a fraction of a second.
NONE_RUNS = 5
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


def expected_extra(version: Sequence[int]) -> set[int]:
    """The references ``sys.getrefcount`` may report beyond the visible ones on CPython *version*:
    exactly :data:`EXTRA_REFERENCES` before :data:`BORROWED_FROM`, 0 or 1 from it on."""
    return {EXTRA_REFERENCES} if tuple(version[:2]) < BORROWED_FROM else {0, EXTRA_REFERENCES}


_REFCOUNT_314 = "https://docs.python.org/3/whatsnew/3.14.html#whatsnew314-refcount"


def one_more_verdict(demo: Mapping[str, Any], example: Mapping[str, Any] | None = None, *,
                     version: Sequence[int] = (3, 11)) -> Claim:
    """Does ``sys.getrefcount`` report :data:`EXTRA_REFERENCES` more than the code holds, on
    a CPython before :data:`BORROWED_FROM` (from it on, 0 or 1: :func:`expected_extra`)?

    Decided on *demo* (:func:`refcount_demo`, run on CPython *version*); *example*
    (:func:`parse_example_output`) must agree, or the claim is contradicted
    with both counts stated.
    """
    extra = demo["extra"]
    allowed = expected_extra(version)
    holds = extra in allowed
    also = ""
    if example is not None and example.get("shared") is not None:
        ex_extra = int(example["shared"]) - int(demo["visible_shared"])
        holds = holds and ex_extra in allowed
        also = (f" The example above, in a fresh process of the same Python, printed {example['alone']} and "
                f"{example['shared']}: " + ("the same." if (example["alone"], example["shared"]) ==
                                            (demo["alone"], demo["shared"]) else "other counts."))
    scope = (f" That +1 belongs to CPython up to 3.13: from 3.14 the interpreter often passes a borrowed "
             f"reference on its stack, which removes it ([What's New In Python 3.14]({_REFCOUNT_314})).")
    if tuple(version[:2]) < BORROWED_FROM:
        supported = ("After `a = []; b = a` two names refer to the list, and {python} reports {shared}: exactly one "
                     "more, the temporary reference held by `getrefcount`'s own parameter while it runs.")
    elif extra == 0:
        supported = ("After `a = []; b = a` two names refer to the list, and {python} reports {shared}: no more, "
                     "because it passed `getrefcount` a borrowed reference.")
    else:
        supported = ("After `a = []; b = a` two names refer to the list, and {python} reports {shared}: one more, "
                     "`getrefcount`'s own argument, which this call did not borrow.")
    return check(
        "one_more", "sys.getrefcount reports one more reference than the code holds (CPython up to 3.13), "
        "because its own argument is a temporary reference", holds,
        alone=demo["alone"], shared=demo["shared"], extra=extra, python=demo["python"],
        supported=supported + _esc(scope + also),
        contradicted="After `a = []; b = a` two names refer to the list, but {python} reports {shared} (an excess "
                     "of {extra}), not what its version leads one to expect." + _esc(scope + also),
    )


def none_counts(runs: int = NONE_RUNS, *, timeout: float = 30.0) -> dict[str, Any]:
    """How much the count of ``None`` moves between fresh processes of this Python.

    Runs ``examples/refcount.py`` *runs* times as it is, then, where util-linux's
    ``setarch`` can turn address-space layout randomisation off for a child
    (``setarch -R``, Linux), *runs* times more that way from ``examples/`` and
    *runs* times from a copy in a temporary directory.

    :returns: ``python`` (``"CPython 3.11.7"``), ``counts`` and ``modules`` (the
        count of ``None`` and the modules loaded, per run), ``fixed_counts`` and
        ``fixed_modules`` (the same with randomisation off; ``None`` when it could
        not be turned off), ``fixed_note`` (why not, or ``""``) and, with
        randomisation off, ``moved_counts`` and ``moved_modules``: a copy of the
        example run from a temporary directory (as the book's example pages run it).
    :raises ValueError: if *runs* < 2 (one run shows no spread).
    """
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 2:
        raise ValueError(f"runs must be an int >= 2, got {runs!r}")
    from ..core.examples import examples_dir, run_example

    def parsed(texts: Sequence[str]) -> tuple[list[int | None], list[int | None]]:
        got = [parse_example_output(t) for t in texts]
        return [g["none"] for g in got], [g["modules"] for g in got]

    counts, modules = parsed([run_example("refcount.py", timeout=timeout) for _ in range(runs)])
    out: dict[str, Any] = {"python": f"{platform.python_implementation()} {platform.python_version()}",
                           "counts": counts, "modules": modules,
                           "fixed_counts": None, "fixed_modules": None, "fixed_note": ""}
    setarch = shutil.which("setarch")
    if not sys.platform.startswith("linux") or setarch is None:
        out["fixed_note"] = "`setarch` (util-linux) is not available here"
        return out
    def fixed_runs(folder: str) -> list[str] | None:
        texts = []
        for _ in range(runs):
            proc = _proc.run([setarch, platform.machine(), "-R", sys.executable, "refcount.py"],
                             timeout=timeout, cwd=folder)
            if proc.returncode != 0:  # e.g. a container that forbids personality(2)
                last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
                out["fixed_note"] = f"`setarch -R` failed here ({last[:120]})"
                return None
            texts.append(proc.stdout)
        return texts

    texts = fixed_runs(str(examples_dir()))
    if texts is None:
        return out
    out["fixed_counts"], out["fixed_modules"] = parsed(texts)
    with tempfile.TemporaryDirectory() as folder:  # a reader's copy: the same file in another directory
        shutil.copy(examples_dir() / "refcount.py", folder)
        moved = fixed_runs(folder)
    if moved is not None:
        out["moved_counts"], out["moved_modules"] = parsed(moved)
    return out


def none_counts_invariants(result: Mapping[str, Any]) -> list[Invariant]:
    """What sound runs of :func:`none_counts` satisfy: every run, with randomisation on or off,
    loaded the same modules (else the spread would mix code loaded with the addresses)."""
    mods = [m for m in [*result["modules"], *(result.get("fixed_modules") or []),
                        *(result.get("moved_modules") or [])] if m is not None]
    return [invariant("none_runs_same_modules", "every fresh run of the example loaded the same modules",
                      len(set(mods)) <= 1, seen=", ".join(map(str, sorted(set(mods)))) or "none",
                      cause="the runs imported different code (another environment, a site hook): {seen} modules")]


def _spread_text(spread: Mapping[str, Any], shown: int | None, page: Mapping[str, Any] | None = None) -> str:
    """How far the count of ``None`` moved between fresh processes (the example's run
    *shown* and those of :func:`none_counts`), and why. *page* (``none`` and ``python``, a
    label) is the run the example's own page shows: a copy of the file in a temporary
    directory, with address randomisation on; its count is set beside the others."""
    more = [int(c) for c in spread["counts"] if c is not None]
    if not more:
        return ""
    counts = more + ([] if shown is None else [shown])
    mods = sorted({int(m) for m in spread["modules"] if m is not None})
    lo, hi = min(counts), max(counts)
    runs = (f"the run above and {len(more)} more" if shown is not None else f"{len(more)} more runs")
    with_mods = f", each with the same {mods[0]} modules loaded," if len(mods) == 1 else ""
    if lo == hi:
        text = f" Fresh processes agreed here: {runs} of the example on {spread['python']}{with_mods} printed {lo:,}."
    else:
        text = (f" Fresh processes need not agree to the last reference: {runs} of the example on "
                f"{spread['python']}{with_mods} printed {lo:,} to {hi:,}, so another run of it (such as the one "
                "on {doc}`examples/refcount`) can print another count.")
    fixed = [int(c) for c in (spread.get("fixed_counts") or []) if c is not None]
    if fixed and lo != hi:
        f_lo, f_hi = min(fixed), max(fixed)
        moved = sorted({int(c) for c in (spread.get("moved_counts") or []) if c is not None})
        if f_lo == f_hi:
            text += (f" With address-space layout randomisation turned off for the child (`setarch -R`), "
                     f"{len(fixed)} runs printed one count, {f_lo:,}: the difference between fresh processes "
                     "follows where their objects land in memory, not the code they loaded.")
            if len(moved) == 1 and moved[0] != f_lo:
                text += (f" A copy of the script in another directory, randomisation still off, printed another "
                         f"fixed count, {moved[0]:,}: a longer or shorter path moves what is allocated where "
                         "too.")
        else:
            text += (f" With address-space layout randomisation turned off for the child (`setarch -R`), "
                     f"{len(fixed)} runs still printed {f_lo:,} to {f_hi:,}: something besides the addresses "
                     "varies between runs too.")
    elif spread.get("fixed_note") and lo != hi:
        text += f" (Whether the addresses objects get explain it could not be checked: {spread['fixed_note']}.)"
    return text + _page_run_text(spread, counts, page)


def _page_run_text(spread: Mapping[str, Any], counts: Sequence[int], page: Mapping[str, Any] | None) -> str:
    """Where the count the example's own page shows (*page*) stands beside the fresh runs' *counts*."""
    if not page or page.get("none") is None:
        return ""
    n, label = int(page["none"]), str(page.get("python", ""))
    lo, hi = min(counts), max(counts)
    where = ("the count every fresh run here printed" if lo == hi == n else
             f"within the {lo:,} to {hi:,} of the fresh runs here" if lo <= n <= hi else
             f"outside the {lo:,} to {hi:,} of the fresh runs here (fresh processes differ by more than "
             "these few runs show)")
    same = label.startswith(str(spread.get("python", "?")))
    return (" The run shown on {doc}`its page <examples/refcount>` is a copy of the script alone in a temporary "
            "directory, "
            f"run with randomisation on like the run above{'' if same else ', but on ' + label}: it printed "
            f"{n:,}, " + (where if same else "another interpreter's count") + ".")


def none_verdict(demo: Mapping[str, Any], version: tuple[int, int],
                 example: Mapping[str, Any] | None = None, *, modules: int | None = None,
                 spread: Mapping[str, Any] | None = None, page: Mapping[str, Any] | None = None) -> Claim:
    """Is ``None`` immortal exactly from :data:`IMMORTAL_FROM` on? And why do two counts of it differ?

    :param demo: :func:`refcount_demo` in this process (the notebook's kernel).
    :param version: this Python's ``sys.version_info[:2]``.
    :param example: :func:`parse_example_output` of the example, run in a fresh
        process of the same Python; its count is stated and, before 3.12,
        explained (each process counts its own references to ``None``).
    :param modules: ``len(sys.modules)`` here, to set beside the example's.
    :param spread: :func:`none_counts` (more fresh processes of the same Python):
        before 3.12 the range of their counts is stated, whether the example's
        count lies in it, and what turning address randomisation off showed.
    :param page: the run the example's own page shows (``none``, and ``python``: its
        interpreter's label), from the examples chapter's record: a copy of the file in a
        temporary directory, randomisation on; its count is set beside the fresh runs'.
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
            if spread is not None:
                why += _spread_text(spread, int(ex), page)
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
                                example_python: str = "", spread: Mapping[str, Any] | None = None) -> Claim:
    """Is ``None`` immortal on every CPython found exactly from 3.12 on?

    :param rows: ``(label, version tuple, demo row)`` of each CPython that ran the demo.
    :param uncounted: labels of interpreters without ``sys.getrefcount`` (stated).
    :param example: :func:`parse_example_output` of the example (a fresh process of
        *example_python*, e.g. ``"CPython 3.11.7"``); a row of that Python before 3.12
        counts ``None`` in another fresh process, and the difference is explained by
        the modules each had loaded.
    :param spread: :func:`none_counts`: how far fresh runs with the same modules
        differ by themselves, stated beside that difference.
    """
    holds = all(bool(r["immortal_none"]) == (tuple(v[:2]) >= IMMORTAL_FROM) for _, v, r in rows)
    seen = ", ".join(f"{label}: {int(r['none']):,}" for label, _, r in rows)
    older = [label for label, v, _ in rows if tuple(v[:2]) < IMMORTAL_FROM]
    note = (" Before 3.12 a count is that process's own (" + ", ".join(older) + " here: each ran the demo in a "
            "fresh child process, so its count differs from the kernel's above).") if older else ""
    note += _child_against_example(rows, example, example_python, spread)
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
                           example: Mapping[str, Any] | None, example_python: str,
                           spread: Mapping[str, Any] | None = None) -> str:
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
                f"each module's code holds its own references to `None`, {n - ex_n:+,} here"
                + _noise(spread, ex_n) + ".")
    return ""


def _noise(spread: Mapping[str, Any] | None, shown: int | None = None) -> str:
    """``", beside which fresh runs ... differ by up to N among themselves"`` from :func:`none_counts`
    and the example's own count *shown* (the same runs :func:`none_verdict` states), or ``""``."""
    counts = [int(c) for c in (spread or {}).get("counts", []) if c is not None]
    counts += [] if shown is None or not counts else [shown]
    if len(counts) < 2:
        return ""
    if max(counts) == min(counts):
        return ", while fresh runs of the example with the same modules agreed among themselves"
    return (f", beside which fresh runs of the example with the same modules differ by up to "
            f"{max(counts) - min(counts):,} among themselves")


def series_verdict(series: Sequence[tuple[int, int]], *, version: Sequence[int] = (3, 11)) -> Claim:
    """Does the reported count run a fixed offset above the visible references at every step,
    that offset one of :func:`expected_extra` for CPython *version* (:data:`EXTRA_REFERENCES`
    before 3.14)?"""
    offsets = sorted({c - v for v, c in series})
    holds = len(offsets) == 1 and offsets[0] in expected_extra(version)
    above = "one above" if offsets == [1] else f"{offsets[0]} above" if len(offsets) == 1 else ""
    return check(
        "series_offset", "the reported count is the visible references plus getrefcount's own argument "
        "(CPython up to 3.13), at every step", holds,
        steps=len(series), offsets=", ".join(map(str, offsets)), above=above,
        supported="At each of the {steps} steps the reported count was the visible references plus {offsets}: "
                  "it runs parallel to them, {above}.",
        contradicted="The reported count was not a fixed step above the visible references, as its version "
                     "leads one to expect, at every step (offsets seen: {offsets}).",
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
