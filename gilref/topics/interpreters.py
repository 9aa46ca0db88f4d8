"""PyPy and Jython: the verdicts and invariants of the other-interpreters chapter.

The measurement is :func:`gilref.interp.implementations.countdown_on` (the
countdown on one thread and on threads, calibrated to an equal time per
interpreter, run by :mod:`gilref.interp.portable` inside each); this module
decides what its results say, on intervals, with the thresholds below.

Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..core.results import Suite
from ..core.verdicts import Claim, Interval, Invariant, check, invariant

__all__ = [
    "GIL_SPEEDUP",
    "IDEAL_SLACK",
    "PARALLEL_SPEEDUP",
    "agreement_invariants",
    "agreement_text",
    "countdown_invariants",
    "jython_verdict",
    "pypy_verdict",
]

# -- thresholds (one place) --------------------------------------------------------

#: Two threads "take turns" (a GIL) when the high end of their speedup interval over
#: one thread stays below this (×): one lock allows ~1.0×; 1.2 leaves room for noise.
GIL_SPEEDUP = 1.2
#: Two threads "run in parallel" when the low end of their speedup interval reaches
#: this (×): well above anything turn-taking gives, short of the 2× two CPUs allow,
#: since the JVM's own threads (JIT, garbage collector) need the same CPUs.
PARALLEL_SPEEDUP = 1.4
#: How far above the ideal (N× for N threads, and the CPU count) a speedup's low end
#: may lie before the run is called unsound: 10% (a slowed one-thread run).
IDEAL_SLACK = 0.10


def _two(suite: Suite) -> tuple[str, Interval]:
    label = str(suite.metadata.get("interpreter_label") or suite.metadata.get("python_implementation", "?"))
    return label, suite.speedup_interval(suite.get("countdown", "threads", 2))


def pypy_verdict(suite: Suite, *, why: str = "") -> Claim:
    """Whether PyPy's threads took turns: the speedup interval of the countdown on two
    threads over one below :data:`GIL_SPEEDUP`. *why* (competing load) is said when the
    run cannot decide."""
    label, s = _two(suite)
    return check(
        "pypy_verdict", "PyPy has a GIL: threads do not speed up CPU-bound code",
        s.below(GIL_SPEEDUP), s=s, label=label, t=GIL_SPEEDUP, why=why or "no cause is known",
        supported="**PyPy: no speedup.** {label} ran the countdown on two threads at {s} one "
                  "thread. Its JIT makes each step fast, but its GIL still lets one thread at a time run.",
        contradicted="{label} ran the countdown on two threads at {s} one thread, all of it at or above "
                     "{t:g}×: faster than a GIL should allow.",
        unclear="{label} ran the countdown on two threads at {s} one thread: the repeats straddle {t:g}×, "
                "so this run cannot say that its threads took turns; {why}.")


def jython_verdict(suite: Suite, *, why: str = "") -> Claim:
    """Whether Jython's threads ran in parallel: the speedup interval on two threads at
    or above :data:`PARALLEL_SPEEDUP` (contradicted outright with one usable CPU).
    *why* (competing load) is said when it falls short."""
    label, s = _two(suite)
    cpus = int(suite.metadata.get("usable_cpus") or 0)
    holds = False if 0 < cpus < 2 else s.at_least(PARALLEL_SPEEDUP)
    return check(
        "jython_verdict", "Jython has no GIL: threads speed up CPU-bound code",
        holds, s=s, label=label, t=PARALLEL_SPEEDUP, cpus=cpus or "?", why=why or "no cause is known",
        supported="**Jython: threads run in parallel.** {label} ran the countdown on two threads at "
                  "{s} one thread, with no GIL in the way.",
        contradicted="{label} ran the countdown on two threads at only {s} one thread ({cpus} usable CPUs). "
                     "Jython has no GIL, so what held the threads back lies elsewhere; possible causes are "
                     "the JVM's shared heap (every step of this loop allocates a new integer object, and the "
                     "garbage collector's own threads need the same CPUs) or other load on the host: {why}.",
        unclear="{label} ran the countdown on two threads at {s} one thread: the repeats straddle {t:g}×, "
                "so this run cannot say that its threads ran in parallel; {why}.")


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or "interpreter"


def countdown_invariants(suite: Suite) -> list[Invariant]:
    """What must hold of one interpreter's :func:`~gilref.interp.implementations.countdown_on`
    result: every run counted all its steps (``params["counted"] == [n]``), and no thread
    count ran faster than N× one thread or than the CPU count allows (:data:`IDEAL_SLACK`).

    Keys carry the interpreter's label, so several interpreters' invariants sit in one chapter.
    """
    label = str(suite.metadata.get("interpreter_label") or suite.metadata.get("python_implementation", "?"))
    key = _slug(label)
    cpus = int(suite.metadata.get("usable_cpus") or 0)
    short = [f"{t.mode} {t.workers}: counted {t.params.get('counted')} of {t.params.get('n')}"
             for t in suite.timings if "counted" in t.params and t.params["counted"] != [t.params.get("n")]]
    over = []
    for t in suite.select("countdown", "threads"):
        s = suite.speedup_interval(t)
        limit = min(t.workers, cpus) if cpus else t.workers
        if s.low > limit * (1 + IDEAL_SLACK):
            over.append(f"{t.workers} threads: {s.text()} (at most {limit}×)")
    return [
        invariant(f"{key}_counted_all", "in {label}, every run counted all its steps", not short,
                  cause="a thread stopped early or its result was lost: {found}", label=label,
                  found="; ".join(short) or "none"),
        invariant(f"{key}_at_most_ideal", "in {label}, no thread count ran faster than N× one thread or the "
                  "CPUs allow", not over, cause="the one-thread runs were slowed by other load, or the JIT was "
                  "still compiling during them: {found}", label=label, found="; ".join(over) or "none"),
    ]


def agreement_invariants(suites: Mapping[str, Suite]) -> list[Invariant]:
    """What must hold across implementations: each computed the same result of
    :func:`gilref.interp.portable.reference` (the same program gives the same answer
    on CPython, PyPy and Jython alike)."""
    results = {label: s.metadata.get("reference") for label, s in suites.items()}
    found = {v for v in results.values() if v is not None}
    return [invariant(
        "implementations_agree", "every implementation computed the same reference result",
        len(found) <= 1 and None not in results.values(),
        cause="an implementation computes differently, or did not report its result: {results}",
        results=", ".join(f"{k}: {v}" for k, v in results.items()))]


def _result_text(value: object) -> str:
    """A reference result for prose: an integer with thousands separators, anything else as text."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def agreement_text(suites: Mapping[str, Suite]) -> str:
    """The page's sentence on :func:`agreement_invariants`: the common result, or each one."""
    results = {label: s.metadata.get("reference") for label, s in suites.items()}
    found = {v for v in results.values() if v is not None}
    counted = all(t.params.get("counted", [t.params.get("n")]) == [t.params.get("n")]
                  for s in suites.values() for t in s.timings)
    runs = "every run counted all its steps" if counted else "**not every run counted all its steps** (see above)"
    if len(found) == 1 and None not in results.values():
        return f"All {len(results)} returned {_result_text(found.pop())} for it, and {runs}."
    return ("**They did not all agree:** " + "; ".join(f"{k} returned {_result_text(v)}" for k, v in results.items())
            + f" (see the warning above); {runs}.")
