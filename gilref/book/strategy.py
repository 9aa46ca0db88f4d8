"""Choosing a strategy from measurements: the decision rules of the book's guide.

The guide does not type its advice: it collects *options* measured by the
other chapters of this build and applies the rules below, so the table changes
when the measurements do.

An :class:`Option` is one way to run one kind of work, with one measured
figure: a **speedup** over running the same work sequentially (higher is
better) or a time in **seconds** (a wall time or a lag; lower is better). Chapters publish their options as
``ch.record("strategy_inputs", [option.to_dict(), ...])``; :func:`options_from_record`
reads them back, and :func:`options_from_cpu_vs_io` reads the foundation
chapter's suites directly. A chapter that records no ``strategy_inputs`` still
contributes: :func:`options_from_suites` takes the best speedup of each mode
found in its suites.

Kinds of work (:data:`WORKLOADS`):

``cpu-bound``
    pure-Python computation (the countdown);
``io-bound``
    tens of requests that mostly wait (fetching over HTTP);
``many-waits``
    thousands of concurrent waits;
``mixed``
    an event loop that must stay responsive while CPU-bound steps run;
``native``
    computation in compiled code that may release the GIL (NumPy, Cython).

The rules (:func:`decide`): the best option of a kind of work is the one with
the highest speedup (or fewest seconds); when the runner-up is within
:data:`TIE` of it, the *simpler* option wins (the order of :data:`SIMPLICITY`),
because a few per cent are not worth a harder program. A best speedup below
:data:`USEFUL_SPEEDUP` means nothing measured here beats running sequentially.

Standard library only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from ..core.results import BASELINE_MODE, Suite, Timing
from ..core.verdicts import Claim, Interval, check, ratio_interval
from ..topics.convoy import CONVOY_SHARE, ECHO
from ..topics.distributed import min_task_seconds, task_floor_seconds

__all__ = [
    "CLASSIC_FAMILIES",
    "HELPS_TEXT",
    "MODE_APIS",
    "NATIVE_WORKLOADS",
    "OPTIONAL_CHAPTERS",
    "REQUIRED_CHAPTERS",
    "SIMPLER_BECAUSE",
    "SIMPLICITY",
    "STRICT_CLAIMS",
    "TIE",
    "USEFUL_SPEEDUP",
    "VERDICT_CLAIMS",
    "WORKLOADS",
    "WORKLOAD_NAMES",
    "WORK_NAMES",
    "Decision",
    "Option",
    "advice_claim",
    "advice_state",
    "baseline_drift",
    "burst_floors_text",
    "chapter_link",
    "chapter_present",
    "classic_advice_holds",
    "comparable",
    "convoy_text",
    "coverage_text",
    "decide",
    "decide_all",
    "describe",
    "fewest_on_tie",
    "gather",
    "gil_build_options",
    "less_than",
    "measured_apart",
    "option_rows",
    "options_from_asyncio",
    "options_from_cpu_vs_io",
    "options_from_dask",
    "options_from_fetch",
    "options_from_processes",
    "options_from_record",
    "options_from_subinterpreters",
    "options_from_suites",
    "present_in",
    "release_text",
    "same_option",
    "section_text",
    "share_verdicts",
    "summary_rows",
    "task_floor_ms",
    "verdict_claim",
    "with_baseline_note",
    "with_states",
    "work_link",
    "work_name",
    "work_of",
    "workload_name",
]

#: The chapters the guide always reads (its ``gilref_needs``).
REQUIRED_CHAPTERS = ("cpu-vs-io", "fetching", "processes", "asyncio")

#: Chapters the guide reads when this edition has them, and the kind of work
#: their suites measure when they record no ``strategy_inputs`` of their own.
OPTIONAL_CHAPTERS: dict[str, str] = {
    "native-code": "native",
    "free-threading": "cpu-bound",
    "subinterpreters": "cpu-bound",
    "beyond-one-machine": "cpu-bound",
}

#: The kinds of work the guide covers, in the order of its table.
WORKLOADS = ("cpu-bound", "io-bound", "many-waits", "mixed", "native")

#: How the guide names each kind of work: the title of its section in the chapter (``docs/choosing.md``
#: has a label ``choosing-<kind>`` before each), the one place a table or a sentence takes it from.
WORK_NAMES: dict[str, str] = {
    "cpu-bound": "CPU-bound",
    "io-bound": "I/O-bound",
    "many-waits": "Thousands of waits",
    "mixed": "Mixed: responsive while computing",
    "native": "Native code",
}

#: How the guide names a chapter's workload (a timing's ``workload``) inside an option's name, in
#: words rather than the key the chapter's code uses; a key not here is shown with spaces for hyphens.
WORKLOAD_NAMES: dict[str, str] = {
    "countdown": "countdown loop",
    "objects": "object-heavy loop",
    "matmul": "NumPy matrix products",
    "numpy-small": "NumPy on small arrays",
    "numpy": "NumPy",
    "xorshift": "xorshift loop",
    "array-sum": "array sum",
}

#: A runner-up within this fraction of the best counts as a tie (0.05 = 5%).
TIE = 0.05

#: A best speedup below this (×) means: nothing here beats the sequential run.
USEFUL_SPEEDUP = 1.2

#: Ties go to the option whose name starts with the earliest entry here.
SIMPLICITY = (
    "sequential",
    "threads",
    "asyncio",
    "processes",
    "subinterpreters",
    "free-threaded",
    "dask",
)

#: Why an option earlier in :data:`SIMPLICITY` is simpler than one of these families (the
#: phrase follows "it"): what the later family needs that the earlier one does not. A family
#: not in :data:`SIMPLICITY` (``openmp``) ranks after all of them.
SIMPLER_BECAUSE: dict[str, str] = {
    "threads": "needs no threads",
    "asyncio": "needs no async libraries",
    "processes": "needs no worker processes and no pickled arguments",
    "subinterpreters": "needs no Python 3.13+ interpreters module",
    "free-threaded": "needs no special build (free-threaded CPython is a separate interpreter)",
    "dask": "needs no cluster scheduler and no Dask",
    "openmp": "needs no OpenMP (no compiler flag for it, no OpenMP runtime shipped beside the extension)",
}

#: Workloads of a chapter's suites that run in native code (NumPy, compiled loops): their
#: options are ``native`` whatever kind of work the chapter is filed under.
NATIVE_WORKLOADS = ("numpy", "matmul", "xorshift")

#: The API behind each mode of the harness's suites (:mod:`gilref.core.harness`), named in an option's
#: name so that the advice can be acted on: ``threads`` start a ``threading.Thread`` per share of the
#: job, ``processes`` hand the shares to a ``multiprocessing.Pool`` started before the clock.
MODE_APIS = {"threads": "threading.Thread", "processes": "multiprocessing.Pool"}

#: How the guide names a native loop's variant (the ``variant`` parameter of its timing).
_VARIANTS = {"python": "pure Python", "cython_gil": "Cython, GIL kept", "cython_nogil": "Cython nogil",
             "prange": "Cython prange"}

#: The families the usual advice speaks of (it predates free-threading and subinterpreters).
CLASSIC_FAMILIES = ("sequential", "threads", "asyncio", "processes")

_KINDS = ("speedup", "seconds")

#: The claim, in the record of the chapter that measured an option, that says whether
#: that option helps, by (chapter, kind of work, a regular expression its name
#: matches): the claim's key and whether the claim says it does *not* help (then
#: ``holds`` means the option was found not to help). The first matching entry wins.
#: The guide reads the claim's state (``holds``, ``contradicted``, ``undecided``) into
#: ``Option.state`` (as "does it help") and never recommends an option its own chapter
#: could not confirm while another option was confirmed (:func:`decide`). The keys are
#: those the chapters' ``ch.claim(...)`` calls record.
VERDICT_CLAIMS: dict[tuple[str, str, str], tuple[str, bool]] = {
    ("cpu-vs-io", "cpu-bound", r"^processes"): ("processes_verdict", False),
    ("cpu-vs-io", "cpu-bound", r"^threads"): ("threads_verdict", True),
    ("processes", "cpu-bound", r"^processes"): ("processes_scale", False),
    ("subinterpreters", "cpu-bound", r"^subinterpreters"): ("si_verdict", False),
    ("beyond-one-machine", "cpu-bound", r"^dask"): ("dask_verdict", False),
    ("fetching", "io-bound", r"^threads"): ("threads_scale", False),
    ("fetching", "io-bound", r"^asyncio"): ("asyncio_matches", False),
    ("asyncio", "many-waits", r"^asyncio"): ("many_waits", False),
    ("asyncio", "mixed", r"^asyncio \+"): ("offload_fixes", False),
    ("asyncio", "mixed", r"^asyncio, CPU step inline"): ("inline_blocks", True),
    ("native-code", "native", r"^threads .*Cython nogil"): ("nogil_verdict", False),
    ("native-code", "native", r"^threads .*GIL kept"): ("gil_verdict", True),
    ("native-code", "native", r"^threads .*pure Python"): ("python_verdict", True),
    ("native-code", "native", r"^threads .*NumPy"): ("numpy_verdict", False),
    ("native-code", "native", r"^openmp"): ("prange_verdict", False),
    ("free-threading", "cpu-bound", r"^free-threaded threads .*countdown"): ("scaling_verdict", False),
    ("free-threading", "native", r"^free-threaded threads .*NumPy"): ("numpy_verdict", False),
    ("free-threading", "cpu-bound", r"^threads .*GIL forced on"): ("gil_on_verdict", True),
}

#: Claims of :data:`VERDICT_CLAIMS` that state more than "it helps": a target its figure must reach
#: (90% of the ideal speedup, 1.8× on two cores, as fast as another option). One that holds says the
#: option helps; one its chapter could not decide, or found short of its target, says nothing on
#: whether the option helps at all (14× short of a 16× ideal still helps): the option is then not
#: judged on helping, and the table says what its chapter did find.
STRICT_CLAIMS = frozenset({"threads_scale", "asyncio_matches", "processes_scale", "many_waits"})

#: The states of a claim that do not confirm an option.
_UNCONFIRMED = ("undecided", "contradicted")

#: ``Option.state`` (its chapter's verdict read as "does it help") in words that cannot be
#: taken for a claim's state: for a negative claim ("threads do not help") that *holds*,
#: the option's state is ``contradicted``, and the guide says "does not help".
HELPS_TEXT = {"holds": "helps", "contradicted": "does not help", "undecided": "cannot tell", "": "not judged"}

#: What an option's chapter found, after "its chapter, ..., ".
_FOUND = {"contradicted": "found that it does not help", "undecided": "could not tell whether it helps"}


def work_name(kind: str) -> str:
    """The name of the kind of work *kind* (one of :data:`WORKLOADS`): its section's title."""
    return WORK_NAMES.get(kind, kind.replace("-", " "))


def work_link(kind: str) -> str:
    """A MyST link to the guide's section on *kind*, shown with that section's title (:data:`WORK_NAMES`)."""
    return f"{{ref}}`{work_name(kind)} <choosing-{kind}>`"


def workload_name(key: str) -> str:
    """A chapter's workload *key* (``"countdown"``, ``"numpy-small"``) in words (:data:`WORKLOAD_NAMES`)."""
    return WORKLOAD_NAMES.get(key, key.replace("-", " "))


def chapter_link(key: str) -> str:
    """A MyST link to the chapter *key*, shown with its title (``{doc}`key```)."""
    return f"{{doc}}`{key}`"


@dataclass(frozen=True)
class Option:
    """One measured way to run one kind of work.

    :param workload: one of :data:`WORKLOADS`.
    :param name: how it ran, starting with its family (``"threads"``,
        ``"processes"``, ``"asyncio"``...), e.g. ``"threads (ThreadPoolExecutor, 16)"``.
    :param metric: ``"speedup"`` (× over sequential; higher is better) or
        ``"seconds"`` (a wall time or a lag; lower is better).
    :param value: the measured figure (median of the repeats).
    :param source: the chapter that measured it (its docname).
    :param detail: a short note on how it was measured.
    :param state: the state of the claim in *source*'s record that says this option
        helps (:data:`VERDICT_CLAIMS`): ``"holds"``, ``"contradicted"``,
        ``"undecided"``, or ``""`` when that chapter states no such claim.
    :param judged_in: the chapter whose claim gave *state*, when it is not *source*
        (:func:`share_verdicts`); ``""`` otherwise.
    :param strict: what *source* found of a claim in :data:`STRICT_CLAIMS` about this option that
        it could not confirm (then *state* is ``""``), e.g. ``"could not decide whether threads
        reach 90% ..."``; ``""`` otherwise. Not part of :meth:`to_dict` (it is read from the record).
    """

    workload: str
    name: str
    metric: str
    value: float
    source: str
    detail: str = ""
    state: str = ""
    judged_in: str = ""
    strict: str = ""

    def __post_init__(self) -> None:
        if self.workload not in WORKLOADS:
            raise ValueError(f"workload must be one of {', '.join(WORKLOADS)}; got {self.workload!r}")
        if self.metric not in _KINDS:
            raise ValueError(f"metric must be 'speedup' or 'seconds', got {self.metric!r}")
        if not isinstance(self.name, str) or not self.name:
            raise ValueError("name must be a non-empty string")
        if isinstance(self.value, bool) or not isinstance(self.value, (int, float)) or not math.isfinite(self.value):
            raise ValueError(f"value must be a finite number, got {self.value!r}")
        if self.value < 0:
            raise ValueError(f"value must be >= 0, got {self.value!r}")
        if self.state not in ("", "holds", *_UNCONFIRMED):
            raise ValueError(f"state must be '', 'holds', 'contradicted' or 'undecided', got {self.state!r}")

    @property
    def family(self) -> str:
        """The first word of the name (``"processes"``, ``"subinterpreters"``...)."""
        return self.name.split()[0].lower()

    @property
    def confirmed(self) -> bool:
        """False when its chapter's claim that it helps was contradicted or undecided."""
        return self.state not in _UNCONFIRMED

    @property
    def shown(self) -> str:
        """The figure as text: ``"1.93×"`` or ``"12.3 ms"``."""
        if self.metric == "speedup":
            return f"{self.value:.2f}×"
        return f"{self.value * 1000:.1f} ms"

    def better_than(self, other: Option) -> bool:
        """True if this option's figure beats *other*'s (same metric)."""
        if self.metric == "speedup":
            return self.value > other.value
        return self.value < other.value

    def to_dict(self) -> dict[str, Any]:
        """This option as a JSON-ready dict (the ``strategy_inputs`` format)."""
        return {"workload": self.workload, "name": self.name, "metric": self.metric, "value": self.value,
                "source": self.source, "detail": self.detail, "state": self.state}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str | None = None) -> Option:
        """Read an option written by :meth:`to_dict`.

        :raises ValueError: if a field is missing or wrong.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"an option must be a mapping, got {type(data).__name__}")
        try:
            return cls(str(data["workload"]), str(data["name"]), str(data["metric"]), data["value"],
                       str(source or data["source"]), str(data.get("detail", "")), str(data.get("state", "")))
        except KeyError as exc:
            raise ValueError(f"an option needs the field {exc.args[0]!r}") from None


@dataclass(frozen=True)
class Decision:
    """The guide's verdict for one kind of work.

    :param workload: one of :data:`WORKLOADS`.
    :param best: the option recommended (``None`` when nothing was measured).
    :param runner_up: the next option, if any.
    :param reason: one sentence saying why, with the figures.
    :param options: every option considered, best first.
    """

    workload: str
    best: Option | None
    runner_up: Option | None
    reason: str
    options: tuple[Option, ...]

    @property
    def helps(self) -> bool:
        """False when nothing measured beats running sequentially (best speedup under
        :data:`USEFUL_SPEEDUP`), or nothing was measured."""
        if self.best is None:
            return False
        return self.best.metric != "speedup" or self.best.value >= USEFUL_SPEEDUP

    @property
    def recommendation(self) -> str:
        """What to do, in a few words: the best option's name, or to stay sequential."""
        if self.best is None:
            return "not measured in this edition"
        if not self.helps:
            return "stay sequential: nothing measured here helps"
        return self.best.name


def _family_rank(option: Option) -> int:
    name = option.name.lower()
    for i, family in enumerate(SIMPLICITY):
        if name.startswith(family):
            return i
    return len(SIMPLICITY)


def _close(a: Option, b: Option) -> bool:
    """True if *b*'s figure is within :data:`TIE` of *a*'s."""
    if a.value == b.value:
        return True
    if a.metric == "speedup":
        return b.value >= a.value * (1 - TIE)
    # Seconds: a tie if within TIE relatively, or both under a millisecond.
    return b.value <= a.value * (1 + TIE) or max(a.value, b.value) < 0.001


def _simpler(harder: Option, winner: Option | None = None) -> str:
    """Why *winner* beats *harder* on a tie (:data:`SIMPLER_BECAUSE`): what *harder* needs that the
    winner does not, and, for native code on plain threads, what those threads ran (its ``detail``), so
    that the sentence describes the winner and no other option."""
    because = next((v for k, v in SIMPLER_BECAUSE.items() if harder.name.lower().startswith(k)), None)
    if not because:
        return f"{harder.family} is not among the families this guide ranks ({', '.join(SIMPLICITY)}), which go first"
    tail = ""
    if winner is not None and winner.workload == "native" and winner.family == "threads" and winner.detail:
        tail = f", only Python threads, which here ran {winner.detail}"
    return f"it {because}{tail}"


def _share_below(best: Option, runner: Option) -> str:
    """How far *runner*'s figure falls short of *best*'s, as the tie rule (:data:`TIE`) measures it:
    the runner-up's speedup below the best's, or its time above the best's, as a share of the best's
    (``"4.7%"``, ``"less than 0.1%"``)."""
    gap = 1 - runner.value / best.value if best.metric == "speedup" else runner.value / best.value - 1
    if gap < 0.001:
        return "less than 0.1%"
    return f"{gap:.1%}" if gap < 0.1 else f"{gap:.0%}"


def _tie_text(best: Option, runner: Option) -> str:
    """The reason for a *best* that leads but whose *runner* is within the tie (:data:`TIE`): the
    tie rule, not the lead, decided, so the sentence says what did (the simpler family, or, between two
    options the guide ranks alike, the better figure)."""
    head = (f"The runner-up, {runner.name} ({runner.shown}), came within {TIE:.0%} of it "
            f"({_share_below(best, runner)} {'lower' if best.metric == 'speedup' else 'more time'}): a tie, ")
    if _family_rank(runner) > _family_rank(best):
        return head + f"which goes to the simpler option, this one: {_simpler(runner, best)}."
    return (head + f"between two {best.family} options the guide ranks as equally simple, so the better "
            "figure decides.")


def decide(workload: str, options: Iterable[Option]) -> Decision:
    """Pick the best of *options* for *workload* by the rules in the module docstring.

    Options whose chapter did not confirm them (:attr:`Option.confirmed`) are
    ranked but not recommended while a confirmed one helps (reaches
    :data:`USEFUL_SPEEDUP`, or is a time); the reason names each one passed over
    and why, and says so when the recommendation itself is unconfirmed, so the
    guide never contradicts that chapter.
    """
    if workload not in WORKLOADS:
        raise ValueError(f"workload must be one of {', '.join(WORKLOADS)}; got {workload!r}")
    mine = [o for o in options if o.workload == workload]
    metrics = {o.metric for o in mine}
    if len(metrics) > 1:
        raise ValueError(f"options for {workload!r} mix the metrics {sorted(metrics)}")
    if not mine:
        return Decision(workload, None, None, "Not measured in this edition.", ())
    reverse = mine[0].metric == "speedup"
    ranked = sorted(mine, key=lambda o: (o.value if reverse else -o.value), reverse=True)
    # An option its own chapter did not confirm is not recommended while a confirmed one helps.
    eligible = [o for o in ranked if o.confirmed and (o.metric != "speedup" or o.value >= USEFUL_SPEEDUP)]
    eligible = eligible or ranked
    top = eligible[0]
    tied = [o for o in eligible if _close(top, o)]
    best = min(tied, key=lambda o: (_family_rank(o), ranked.index(o)))
    # Passed over for being unconfirmed only while a confirmed option is the choice: when none is, the
    # ranking is by figure alone, and the recommendation itself says its chapter did not confirm it.
    passed = [o for o in ranked if not o.confirmed and o.better_than(best)] if best.confirmed else []
    others = [o for o in ranked if o is not best and o not in passed]
    runner = others[0] if others else None
    if best.metric == "speedup" and best.value < USEFUL_SPEEDUP:
        reason = (f"No option reached {USEFUL_SPEEDUP:g}× over running sequentially; the best, "
                  f"{best.name}, reached {best.shown}.")
    elif best is not top and best.metric == "seconds" and best.value < 0.001:
        reason = f"Under a millisecond, like {top.name} ({top.shown}), and simpler."
    elif best is not top:
        reason = f"Within {TIE:.0%} of {top.name} ({top.shown}), and simpler: {_simpler(top, best)}."
    elif runner is None:
        reason = "The only option measured." if not passed else "The only option its chapter confirmed."
    elif runner in tied:
        reason = _tie_text(best, runner)
    elif best.metric == "speedup":
        reason = f"{best.value / runner.value:.2f} times the runner-up, {runner.name} ({runner.shown})."
    else:
        reason = f"{less_than(best.value, runner.value)} the runner-up, {runner.name} ({runner.shown})."
    if passed:
        reason += " Passed over: " + "; ".join(
            f"{o.name} ({o.shown}), whose chapter, {chapter_link(o.source)}, {_FOUND[o.state]}" for o in passed) + "."
    also = measured_apart(best, [o for o in ranked if o not in passed], skip=runner)
    if also:  # one way of running the work, two chapters, two figures: the page names both
        reason += f" The same family, measured by another chapter: {also}."
    _, mark, note = best.detail.partition(_BASELINE_MARK)
    if mark:  # the recommendation's figure rests on a baseline its chapter found slowed
        reason += f" Mind its figure: {mark}{note}."
    if best.state in _UNCONFIRMED:
        reason += f" Its own chapter, {chapter_link(best.source)}, {_FOUND[best.state]}: treat it as unconfirmed."
    return Decision(workload, best, runner, reason, tuple(ranked))


def work_of(option: Option) -> str:
    """The work *option* ran, as named in :data:`WORKLOAD_NAMES` (``"countdown loop"``, ``"NumPy matrix
    products"``), found in its name or detail (the longest name that fits); ``""`` when neither says."""
    text = f"{option.name} {option.detail}"
    found = [w for w in WORKLOAD_NAMES.values() if w in text]
    return max(found, key=len) if found else ""


def comparable(best: Option, options: Sequence[Option]) -> list[Option]:
    """For each other chapter, the one option of *options* that compares with *best*: of *best*'s family,
    on the same work (:func:`work_of`: the same loop or library, not a smaller sibling such as NumPy on
    small arrays beside matrix products), and that chapter's best such figure (its pool kept rather than
    a new pool per job: the same kind of run as a recommendation, which is a best figure too)."""
    work = work_of(best)
    by: dict[str, Option] = {}
    for o in options:
        if o is best or o.family != best.family or o.source == best.source or work_of(o) != work:
            continue
        if o.source not in by or o.better_than(by[o.source]):
            by[o.source] = o
    return list(by.values())


def measured_apart(best: Option, options: Sequence[Option], *, skip: Option | None = None) -> str:
    """The options comparable with *best* that other chapters measured (:func:`comparable`), where their
    figure lies outside the tie (:data:`TIE`) of *best*'s, in words (``"processes (2, countdown loop),
    0.91× in {doc}`cpu-vs-io` (...): figures of separate runs, ..."``); ``""`` when there is none.
    *skip* (the runner-up, which the reason names already) is chosen as the comparable row but not named."""
    apart = [o for o in comparable(best, options) if not _close(best, o) and o is not skip]
    if not apart:
        return ""
    return ("; ".join(f"{o.name}, {o.shown} in {chapter_link(o.source)}"
                      + (f" (its chapter {_FOUND[o.state]})" if o.state in _UNCONFIRMED else "") for o in apart)
            + ": figures of separate runs, each chapter's page giving its spread and the host's load")


def less_than(value: float, other: float) -> str:
    """How a time *value* compares with the longer *other*, in words to put before "the
    runner-up": "About half the time of", "About a third of the time of", "12% less time
    than", "6.3 times less time than"."""
    times = other / max(value, 1e-9)
    words = {2: "about half the time of", 3: "about a third of the time of", 4: "about a quarter of the time of"}
    near = round(times)
    if near in words and abs(times - near) <= 0.15 * near:
        return words[near].capitalize()
    if times < 1.5:
        return f"{(1 - value / other):.0%} less time than"
    return f"{times:.1f} times less time than" if times < 10 else f"{times:.0f} times less time than"


def decide_all(options: Iterable[Option]) -> list[Decision]:
    """:func:`decide` for every kind of work in :data:`WORKLOADS`, in order."""
    pool = list(options)
    return [decide(w, pool) for w in WORKLOADS]


def summary_rows(decisions: Sequence[Decision]) -> list[dict[str, Any]]:
    """The guide's table: one row per kind of work (recommendation, its figure and the chapter
    that measured it, the runner-up), in four columns so that it fits a page."""
    rows = []
    for d in decisions:
        rows.append({
            "work": work_link(d.workload),
            "best on this host": d.recommendation,
            "measured (chapter)": f"{d.best.shown} ({chapter_link(d.best.source)})" if d.best else "",
            "runner-up": f"{d.runner_up.name} ({d.runner_up.shown})" if d.runner_up else "",
        })
    return rows


# -- reading the chapters' records ---------------------------------------------------


def _suite(record: Mapping[str, Any], name: str) -> Suite | None:
    raw = (record.get("suites") or {}).get(name)
    return Suite.from_dict(raw) if raw else None


def options_from_cpu_vs_io(record: Mapping[str, Any]) -> list[Option]:
    """Options from the ``cpu-vs-io`` chapter: the countdown on threads and
    processes (cpu-bound) and I/O waits on the most threads measured (io-bound)."""
    source = str(record.get("chapter", "cpu-vs-io"))
    out: list[Option] = []
    cpu = _suite(record, "countdown")
    if cpu is not None:
        for mode in ("threads", "processes"):
            for t in cpu.select("countdown", mode):
                out.append(Option("cpu-bound", f"{mode} ({MODE_APIS[mode]}, {t.workers}, {workload_name('countdown')})",
                                  "speedup", cpu.speedup(t), source, describe(t)))
    return out


def options_from_record(record: Mapping[str, Any]) -> list[Option]:
    """The options a chapter recorded as ``strategy_inputs`` (empty if none).

    :raises ValueError: if the record holds malformed options.
    """
    source = str(record.get("chapter", "?"))
    raw = (record.get("data") or {}).get("strategy_inputs")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError(f"{source}: strategy_inputs must be a list of options")
    return [Option.from_dict(item, source) for item in raw]


def _gil_free(metadata: Mapping[str, Any]) -> bool:
    """True if a suite ran on a free-threaded build with the GIL off."""
    return bool(metadata.get("free_threaded_build")) and metadata.get("gil_enabled") is False


def _build_note(metadata: Mapping[str, Any]) -> str:
    """``"; CPython 3.13.5 free-threaded"`` and the like, naming the interpreter of a suite
    (empty when the suite does not say)."""
    impl, version = metadata.get("python_implementation"), metadata.get("python_version")
    if not impl or not version:
        return ""
    build = ""
    if metadata.get("free_threaded_build"):
        build = " free-threaded" + ("" if metadata.get("gil_enabled") is False else ", GIL forced on")
    return f"; {impl} {version}{build}"


def gil_build_options(options: Sequence[Option]) -> list[Option]:
    """The options measured with a GIL (everything but the ``free-threaded`` family)."""
    return [o for o in options if not o.name.startswith("free-threaded")]


def describe(timing: Timing) -> str:
    """What a timing's workload did, in words, from its parameters (e.g. ``countdown loop of
    10,000,000 steps``, ``NumPy matrix products (48 of 384×384)``)."""
    p = timing.params

    def num(key: str) -> str:
        v = p.get(key)
        return f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else "?"

    if timing.workload == "countdown":
        return f"{workload_name('countdown')} of {num('n')} steps"
    if timing.workload == "matmul":
        return f"NumPy matrix products ({num('products')} of {num('size')}×{num('size')})"
    if timing.workload == "numpy-small":
        return f"NumPy on small arrays ({num('chunks')} of {num('size')} elements)"
    if timing.workload == "xorshift":
        how = {"python": "a pure-Python loop", "cython_gil": "a Cython loop that keeps the GIL",
               "cython_nogil": "a Cython loop that releases the GIL", "prange": "a Cython prange loop"}
        return f"{how.get(str(p.get('variant')), 'a xorshift loop')}, {num('steps')} steps"
    return timing.workload


def options_from_suites(record: Mapping[str, Any], workload: str) -> list[Option]:
    """Fallback for a chapter without ``strategy_inputs``: the best speedup of each
    mode in each of its suites that has a sequential baseline, as options for *workload*."""
    if workload not in WORKLOADS:
        raise ValueError(f"workload must be one of {', '.join(WORKLOADS)}; got {workload!r}")
    source = str(record.get("chapter", "?"))
    found: dict[str, list[tuple[int, Option]]] = {}
    host_cpus: dict[str, int] = {}
    for raw in (record.get("suites") or {}).values():
        try:
            suite = Suite.from_dict(raw)
        except ValueError:
            continue
        for t in suite.timings:
            if t.mode == BASELINE_MODE or t.workers < 2:  # one worker is the sequential run again
                continue
            try:
                speed = suite.speedup(t)
            except (KeyError, ValueError):  # no baseline, or one in another unit
                continue
            variant = _VARIANTS.get(str(t.params.get("variant", "")), "")
            api = MODE_APIS.get(t.mode, "")
            label = f"{t.mode} ({api + ', ' if api else ''}{t.workers}, {workload_name(t.workload)}" \
                    f"{', ' + variant if variant else ''}{_build_note(suite.metadata)})"
            if _gil_free(suite.metadata):
                label = f"free-threaded {label}"
            kind = "native" if t.workload.startswith(NATIVE_WORKLOADS) else workload
            option = Option(kind, label, "speedup", speed, source, describe(t))
            key = f"{label.split(' (')[0]}/{t.workload}/{variant}/{_build_note(suite.metadata)}"
            found.setdefault(key, []).append((t.workers, option))
            cpus = suite.metadata.get("usable_cpus")
            if isinstance(cpus, int) and not isinstance(cpus, bool) and cpus > 0:
                host_cpus[key] = cpus
    return [fewest_on_tie(group, cpus=host_cpus.get(key)) for key, group in found.items()]


def fewest_on_tie(group: Sequence[tuple[int, Option]], *, cpus: int | None = None) -> Option:
    """Of one option measured at several worker counts (*group*: (workers, option)), the
    one with the fewest workers among those within :data:`TIE` of the best: more workers
    that gain nothing are not the option's figure, and the chapter's own verdict is stated
    for the fewer. With *cpus* (the host's usable CPUs), counts above it are left out while
    any count within it was measured: 4 threads on a 2-CPU host can only gain from noise.

    :raises ValueError: if *group* is empty.
    """
    if not group:
        raise ValueError("no options to choose from")
    if cpus is not None and any(w <= cpus for w, _ in group):
        group = [wo for wo in group if wo[0] <= cpus]
    top = max(group, key=lambda wo: wo[1].value if wo[1].metric == "speedup" else -wo[1].value)[1]
    return min((wo for wo in group if _close(top, wo[1])), key=lambda wo: wo[0])[1]


# -- building the options of this book's chapters --------------------------------------


def _largest_common(suite: Suite, workload: str, modes: Sequence[str]) -> int | None:
    sets = [{t.workers for t in suite.select(workload, m)} for m in modes]
    common = set.intersection(*sets) if sets else set()
    return max(common) if common else None


def options_from_fetch(suite: Suite, source: str = "fetching") -> list[Option]:
    """io-bound options from :func:`gilref.topics.fetch.fetch_suite`: threads and asyncio at the
    largest concurrency both were measured at (or each one's largest, if none is shared)."""
    out: list[Option] = []
    common = _largest_common(suite, "fetch", ("threads", "asyncio"))
    for mode, label in (("threads", "threads (ThreadPoolExecutor, {w})"),
                        ("asyncio", "asyncio (open_connection, {w} in flight)")):
        timings = suite.select("fetch", mode)
        if not timings:
            continue
        pick = next((t for t in timings if t.workers == common), timings[-1])
        n = pick.params.get("urls", "?")
        out.append(Option("io-bound", label.format(w=pick.workers), "speedup", suite.speedup(pick), source,
                          f"{n} URLs, {pick.params.get('latency_s', 0) * 1000:g} ms each"))
    return out


def options_from_processes(suite: Suite, source: str = "processes") -> list[Option]:
    """cpu-bound options from :func:`gilref.topics.processes.countdown_executor_suite`."""
    out: list[Option] = []
    names = {"processes": "processes (ProcessPoolExecutor, {w}, pool kept)",
             "processes-new-pool": "processes (ProcessPoolExecutor, {w}, new pool per job)"}
    for mode, label in names.items():
        for t in suite.select("countdown", mode):
            out.append(Option("cpu-bound", label.format(w=t.workers), "speedup", suite.speedup(t), source,
                              f"{workload_name('countdown')} of {t.params.get('n', 0):,} steps"))
    return out


def options_from_subinterpreters(suite: Suite, source: str = "subinterpreters") -> list[Option]:
    """The cpu-bound option of :func:`gilref.topics.subinterp.scaling_suite`: subinterpreters at the
    most workers measured, named with the interpreter they ran in. The threads and processes that
    chapter times beside them are its comparison, not new options: the chapters about threads and
    processes give the guide those (one figure per option)."""
    timings = suite.select("countdown", "interpreters")
    if not timings:
        return []
    t, loop = timings[-1], workload_name("countdown")
    api = str(suite.metadata.get("interpreters_api") or "")
    module = "interpreters_backport" if "backport" in api else api  # the name a reader imports
    return [Option("cpu-bound", f"subinterpreters (PEP 734 interpreters, {t.workers}, {loop}"
                   f"{_build_note(suite.metadata)})", "speedup", suite.speedup(t), source,
                   f"{loop} of {t.params.get('n', 0):,} steps" + (f"; module {module}" if module else ""))]


def options_from_dask(suite: Suite, source: str = "beyond-one-machine") -> list[Option]:
    """The cpu-bound option of :func:`gilref.topics.distributed.countdown_suite`: the Dask cluster
    (the pool timed beside it is that chapter's comparison, as in :func:`options_from_subinterpreters`)."""
    return [Option("cpu-bound", f"dask (LocalCluster, {t.workers} workers)", "speedup", suite.speedup(t), source,
                   f"{workload_name('countdown')} of {t.params.get('n', 0):,} steps in "
                   f"{t.params.get('tasks', '?')} tasks")
            for t in suite.select("countdown", "dask")]


def options_from_asyncio(lag: Suite | None, sleeps: Suite | None, source: str = "asyncio") -> list[Option]:
    """mixed options (the ticker's worst lag with a CPU-bound step: inline, to_thread,
    process pool) and many-waits options (wall time of many concurrent waits)."""
    out: list[Option] = []
    if lag is not None:
        names = {"inline": "asyncio, CPU step inline in a coroutine",
                 "to-thread": "asyncio + asyncio.to_thread",
                 "process": "asyncio + a process pool (loop.run_in_executor, ProcessPoolExecutor)"}
        for mode, label in names.items():
            for t in lag.select("ticker-lag", mode):
                out.append(Option("mixed", label, "seconds", t.median, source,
                                  "worst lag of a 5 ms ticker beside a CPU-bound step"))
    if sleeps is not None:
        for mode, label in (("asyncio", "asyncio (asyncio.gather, one thread)"),
                            ("threads", "threads (threading.Thread, one per wait)")):
            for t in sleeps.select("waits", mode):
                count, wait = t.params.get("count", t.workers), t.params.get("wait_s", 0)
                out.append(Option("many-waits", label, "seconds", t.median, source,
                                  f"{int(count):,} waits of {wait * 1000:g} ms at once"))
    return out


def gather(
    read: Callable[[str], Mapping[str, Any]],
    *,
    present: Callable[[str], bool],
    required: Sequence[str] = REQUIRED_CHAPTERS,
    optional: Mapping[str, str] | None = None,
) -> tuple[list[Option], dict[str, str]]:
    """Collect every option the chapters of this edition measured.

    :param read: returns a chapter's record by key (e.g. :func:`gilref.book.chapter.results_of`);
        raises :class:`LookupError` if it has none.
    :param present: tells whether a chapter is part of this edition (its source exists).
    :param required: chapters that must have results (a missing one raises).
    :param optional: chapter key -> kind of work, read only if present (default:
        :data:`OPTIONAL_CHAPTERS`).
    :returns: the options, and a status per chapter: ``"measured"``,
        ``"measured, suites only"`` (options taken from its suites),
        ``"no options recorded"`` or ``"not in this edition"``.
    :raises LookupError: if a required chapter has no results.
    """
    options: list[Option] = []
    status: dict[str, str] = {}
    for key in required:
        record = read(key)
        found = options_from_cpu_vs_io(record) if key == "cpu-vs-io" else options_from_record(record)
        found = with_states(found, record)
        options.extend(found)
        status[key] = "measured" if found else "no options recorded"
    for key, workload in (OPTIONAL_CHAPTERS if optional is None else optional).items():
        if not present(key):
            status[key] = "not in this edition"
            continue
        try:
            record = read(key)
        except LookupError:
            status[key] = "no options recorded"
            continue
        found = options_from_record(record)
        how = "measured"
        if not found:
            found = options_from_suites(record, workload)
            how = "measured, suites only"
        found = with_states(found, record)
        drift = baseline_drift(record)
        if drift is not None:
            found = [with_baseline_note(o, drift) if o.metric == "speedup" else o for o in found]
        options.extend(found)
        status[key] = how if found else "no options recorded"
    return share_verdicts(options), status


def verdict_claim(chapter: str, option: Option) -> tuple[str, bool] | None:
    """The claim of *chapter* that says whether *option* helps (:data:`VERDICT_CLAIMS`):
    its key and whether it is negative, or None when that chapter states none about it."""
    for (ch, workload, pattern), found in VERDICT_CLAIMS.items():
        if ch == chapter and workload == option.workload and re.search(pattern, option.name):
            return found
    return None


_NEGATED = {"holds": "contradicted", "contradicted": "holds", "undecided": "undecided"}


def with_states(options: Sequence[Option], record: Mapping[str, Any]) -> list[Option]:
    """*options* with ``Option.state`` read from *record*'s claims (:func:`verdict_claim`), as
    "does it help": a negative claim that holds makes the option ``contradicted``. An option
    that already has a state keeps it; one whose claim the record lacks gets ``""``."""
    chapter = str(record.get("chapter", ""))
    claims = record.get("claims") or {}
    out = []
    for o in options:
        state, strict = o.state, o.strict
        found = verdict_claim(chapter, o)
        if not state and found:
            claim = claims.get(found[0]) or {}
            raw = str(claim.get("state", ""))
            state = _NEGATED.get(raw, "") if found[1] else raw
            if found[0] in STRICT_CLAIMS and state in _UNCONFIRMED:
                statement = str(claim.get("statement", "")) or "its stricter claim holds"
                strict = (f"could not decide whether {statement}" if raw == "undecided"
                          else f"found it short of the target of this claim: {statement}")
                state = ""
        out.append(replace(o, state=state, strict=strict))
    return out


def same_option(name: str) -> str:
    """*name* without a note of a build with the GIL (``"threads (2, countdown; CPython 3.11.7)"`` ->
    ``"threads (2, countdown)"``): the same way of running the same work. A note naming a
    free-threaded build is kept, since that is another option."""
    head, sep, note = name.partition("; ")
    if not sep or "free-threaded" in note:
        return name
    return head + (")" if note.endswith(")") else "")


def share_verdicts(options: Sequence[Option]) -> list[Option]:
    """*options*, where one that its own chapter states no claim on takes the verdict of the
    chapter that does claim the same option (:func:`same_option`, same kind of work), so that
    one option carries one verdict across the table; ``judged_in`` names that chapter."""
    judged = {(o.workload, same_option(o.name)): o for o in options if o.state}
    out = []
    for o in options:
        other = judged.get((o.workload, same_option(o.name)))
        out.append(replace(o, state=other.state, judged_in=other.source) if not o.state and other else o)
    return out


#: How :func:`with_baseline_note` begins its note in an option's detail (and :func:`decide` finds it).
_BASELINE_MARK = "its one-process baseline ran"


def baseline_drift(record: Mapping[str, Any]) -> float | None:
    """How much slower (a fraction; negative: faster) a chapter's one-process baseline ran beside
    what it compares (suite ``countdown``, mode ``sequential``) than alone (suite ``alone``), when
    it timed both and they differ by more than :data:`TIE`; ``None`` otherwise. The speedups over
    that baseline are then lifted (or lowered) by as much."""
    alone, beside = _suite(record, "alone"), _suite(record, "countdown")
    if alone is None or beside is None:
        return None
    lone = next(iter(alone.timings), None)
    seq = next(iter(beside.select("countdown", "sequential")), None)
    if lone is None or seq is None or lone.median <= 0:
        return None
    drift = seq.median / lone.median - 1
    return drift if abs(drift) > TIE else None


def with_baseline_note(option: Option, drift: float) -> Option:
    """*option* with its detail saying that its baseline drifted by *drift* (:func:`baseline_drift`)
    and which baseline its speedup stands on. The chapter's speedups already stand on the faster
    of the two one-process runs (``gilref.topics.distributed.sound_suite``): over the baseline run
    alone when the cluster slowed it (the figure over the slowed one is given too), over the one
    run beside the cluster when that was the faster."""
    if drift > 0:
        note = (f"{_BASELINE_MARK} {drift:.0%} slower with the cluster alive; this speedup is over the "
                f"baseline run alone (over the slowed one: {option.value * (1 + drift):.2f}×)")
    else:
        note = (f"{_BASELINE_MARK} {-drift:.0%} faster with the cluster alive; this speedup is over that "
                "faster run")
    return replace(option, detail=f"{option.detail}; {note}" if option.detail else note)


def chapter_present(key: str, docs_dir: str | Path) -> bool:
    """True if the book's source folder *docs_dir* has a chapter named *key* (``.md`` or ``.ipynb``)."""
    base = Path(docs_dir)
    return (base / f"{key}.md").is_file() or (base / f"{key}.ipynb").is_file()


def present_in(docs_dir: str | Path) -> Callable[[str], bool]:
    """A ``present`` test for :func:`gather`: is the chapter in the source folder *docs_dir*?

    :raises FileNotFoundError: if *docs_dir* is not a folder.
    """
    base = Path(docs_dir)
    if not base.is_dir():
        raise FileNotFoundError(f"no book source folder at {base}")
    return lambda key: chapter_present(key, base)


def _classic_options(decisions: Sequence[Decision]) -> list[Option]:
    return [o for o in gil_build_options([o for d in decisions for o in d.options]) if o.family in CLASSIC_FAMILIES]


def advice_state(decisions: Sequence[Decision]) -> bool | None:
    """Whether this build's decisions agree with the usual advice: threads or asyncio
    for I/O-bound work, processes for CPU-bound work. ``None`` (undecided) when they
    would agree but the chapter that measured the CPU-bound choice could not confirm
    that it helps (its claim undecided), ``False`` when they disagree or it was contradicted.

    The advice is about threads, asyncio and processes on interpreters with a
    GIL, so it is judged on those families only (:data:`CLASSIC_FAMILIES`): a
    free-threaded build, subinterpreters or a cluster that beat them do not
    contradict it, and :func:`advice_claim` says so separately.
    """
    by = {d.workload: d for d in decide_all(_classic_options(decisions))}
    io, cpu = by.get("io-bound"), by.get("cpu-bound")
    if io is None or cpu is None or io.best is None or cpu.best is None:
        return False
    io_ok = io.best.family in ("threads", "asyncio")
    cpu_ok = cpu.best.family == "processes" and cpu.helps
    if not (io_ok and cpu_ok) or cpu.best.state == "contradicted":
        return False
    return None if cpu.best.state == "undecided" else True


def classic_advice_holds(decisions: Sequence[Decision]) -> bool:
    """:func:`advice_state` is True (undecided counts as not holding)."""
    return advice_state(decisions) is True


def advice_claim(decisions: Sequence[Decision]) -> Claim:
    """The guide's verdict on the usual advice (:func:`advice_state`), with the figures
    and the chapters they come from; undecided when the CPU-bound choice's own chapter
    could not confirm it."""
    by = {d.workload: d for d in decide_all(_classic_options(decisions))}
    io, cpu = by["io-bound"], by["cpu-bound"]
    overall = {d.workload: d for d in decisions}["cpu-bound"].best
    free = ""
    if overall is not None and overall.family not in CLASSIC_FAMILIES:
        free = (f" Beyond the usual advice, the best CPU-bound option of this edition was "
                f"{overall.name} ({overall.shown}, measured in {chapter_link(overall.source)}).")

    def said(d: Decision) -> str:
        if d.best is None:
            return "not measured"
        verdict = f"; that chapter {_FOUND[d.best.state]}" if d.best.state in _UNCONFIRMED else ""
        also = measured_apart(d.best, d.options)
        return (f"{d.best.shown}, measured in {chapter_link(d.best.source)}{verdict}"
                + (f"; the same family, measured by another chapter: {also}" if also else ""))

    def choice(d: Decision) -> str:
        if d.best is not None and not d.helps:
            return f"no option helped: nothing reached {USEFUL_SPEEDUP:g}×, the best being {d.best.name}"
        return d.recommendation

    return check(
        "classic_advice", "with a GIL, use threads (or asyncio) for I/O-bound work and processes for CPU-bound work",
        advice_state(decisions), io=choice(io), io_v=said(io), cpu=choice(cpu), cpu_v=said(cpu),
        free=free, cpu_state=HELPS_TEXT[cpu.best.state] if cpu.best else "none",
        supported="**The usual advice holds here.** Of threads, asyncio and processes on builds with a GIL, "
                  "the best option for I/O-bound work was {io} ({io_v}); for CPU-bound work, {cpu} ({cpu_v}).{free}",
        contradicted="On this host the measurements point elsewhere: of threads, asyncio and processes on "
                     "builds with a GIL, the best option for I/O-bound work was {io} ({io_v}); for CPU-bound "
                     "work, {cpu} ({cpu_v}).{free}",
        unclear="Of threads, asyncio and processes on builds with a GIL, the best I/O-bound option was {io} "
                "({io_v}) and the best CPU-bound option {cpu} ({cpu_v}), as the usual advice says; but the "
                "chapter that measured the CPU-bound choice could "
                "not confirm that it helps (its verdict on it: {cpu_state}), so this edition cannot confirm the "
                "advice either.{free}")


def section_text(decision: Decision) -> str:
    """The guide's line for one kind of work (MyST): the recommendation, its figure and why."""
    d = decision
    if d.best is None:
        return "Not measured in this edition."
    if not d.helps:
        return f"Best here: **{d.recommendation}**. {d.reason}"
    return f"Best here: **{d.best.name}** ({d.best.shown}, measured in {chapter_link(d.best.source)}). {d.reason}"


def release_text(record: Mapping[str, Any] | None) -> str:
    """What the release-points chapter's record says of "C code that releases the GIL runs on
    several cores at once" (its ``released_verdict``, and its ``socket_verdict`` on calls that
    release it only briefly), as a MyST sentence for the guide's native
    section; ``""`` when the edition lacks that record or that claim."""
    claims = (record or {}).get("claims") or {}
    claim = claims.get("released_verdict") or {}
    state = claim.get("state")
    if state == "holds":
        short = ((claims.get("socket_verdict") or {}).get("state") == "contradicted")
        return ("The {doc}`release-points` chapter confirmed this on this host for calls that release the GIL "
                "for long (file reads, hashing, compression, BLAS)"
                + (", but not for socket sends and receives, each of which releases it only for microseconds: "
                   "time your own calls on threads before relying on it." if short else "."))
    if state == "contradicted":
        return ("But on this build the {doc}`release-points` chapter found that claim contradicted: **the C "
                "calls it timed did not all run on several cores at once**, so releasing the GIL is necessary, "
                "not sufficient. Time your own call on threads before relying on it.")
    if state == "undecided":
        return ("The {doc}`release-points` chapter could not decide this on this host (its repeats were too "
                "spread out): time your own call on threads before relying on it.")
    return ""


def task_floor_ms(round_trip_ms: float) -> float:
    """The least work a pool task should carry (ms) for its round trip to be at most
    ``gilref.topics.distributed.OVERHEAD_SHARE`` of it: the book's one rule for a task's size."""
    return task_floor_seconds(round_trip_ms / 1e3) * 1e3


#: The modes of Beyond one machine's do-nothing tasks (its suite ``tiny``) the guide compares with
#: its own floor, as the sentence names them, and why a floor can come out below the guide's
#: (tasks sent in a burst, whose round trips overlap) or above it (a Dask task's extra trip
#: through the scheduler, which that chapter describes).
_BURST = {"processes": ("the pool's", "in a burst the round trips overlap",
                        "although in a burst the round trips overlap; the two chapters timed it apart"),
          "dask": ("Dask's", "in a burst the round trips overlap",
                   "each Dask task also passes through the scheduler, which decides where it runs")}


def burst_floors_text(record: Mapping[str, Any] | None, floor_ms: float) -> str:
    """How Beyond one machine's floors (its do-nothing tasks sent in a burst, suite ``tiny``, by
    ``gilref.topics.distributed.min_task_seconds``) compare with the guide's *floor_ms* (for a task
    sent alone), one by one: each lower, higher or within :data:`TIE` of it, and why, as a MyST sentence.
    ``""`` when the edition lacks that record or its suite."""
    tiny = _suite(record or {}, "tiny")
    if tiny is None or floor_ms <= 0:
        return ""
    parts = []
    for mode, (name, lower_why, higher_why) in _BURST.items():
        if not tiny.select("tiny", mode):
            continue
        theirs = min_task_seconds(tiny, mode) * 1e3
        # compared as printed (one decimal), so that the ratio is the one a reader gets from the two figures
        ratio = round(theirs, 1) / max(round(floor_ms, 1), 0.1)
        if abs(ratio - 1) <= TIE:
            parts.append(f"{name} {theirs:.1f} ms, about the same")
        elif ratio < 1:
            parts.append(f"{name} {theirs:.1f} ms, lower ({lower_why})")
        else:
            parts.append(f"{name} {theirs:.1f} ms, {ratio:.2f}× higher ({higher_why})"
                         if ratio < 10 else f"{name} {theirs:.1f} ms, {ratio:.0f}× higher ({higher_why})")
    if not parts:
        return ""
    return (f"That is the rule {chapter_link('beyond-one-machine')} applies to Dask and the pool, "
            f"with tasks sent in a burst rather than alone; against this floor, that page's floors were "
            + ", and ".join(parts) + ".")


def convoy_text(record: Mapping[str, Any] | None, mixed: Decision | None = None) -> str:
    """What the convoy chapter's record (suite ``gil``: an echo server answered by a thread, alone,
    beside a CPU-bound thread, beside a CPU-bound process) adds to the guide's mixed advice: the
    ticker of the asyncio chapter only waits, while a thread that serves I/O beside a CPU-bound thread
    keeps only a share of its speed. Decided as that chapter decides it (the share over the repeats'
    quartiles below ``gilref.topics.convoy.CONVOY_SHARE``); *mixed*, the guide's mixed decision, says
    whether ``to_thread`` had the least lag. ``""`` when the edition lacks that record."""
    suite = _suite(record or {}, "gil")
    if suite is None or not suite.select(ECHO, "alone") or not suite.select(ECHO, "cpu-thread"):
        return ""
    alone, thread = suite.get(ECHO, "alone"), suite.get(ECHO, "cpu-thread")
    share = ratio_interval(thread.values, alone.values)
    md = suite.metadata
    build = f"{md.get('python_implementation', 'Python')} {md.get('python_version', '?')}"
    pct = _pct(share)
    proc = ""
    if suite.select(ECHO, "cpu-process"):
        proc = (f", and {_pct(ratio_interval(suite.get(ECHO, 'cpu-process').values, alone.values))} with the same "
                "loop in another process")
    seen = (f"In {chapter_link('convoy')}, on {build} with its GIL, an echo server answered by a thread served "
            f"{thread.median:,.0f} requests per second beside a CPU-bound thread against {alone.median:,.0f} "
            f"alone: {pct} of its speed{proc}.")
    lowest = (mixed is not None and mixed.best is not None and "to_thread" in mixed.best.name)
    convoy = share.below(CONVOY_SHARE)
    if convoy is True:
        return ("The ticker above only waits: its lag says how soon a waiting coroutine gets the GIL back, "
                "not what a thread serving I/O keeps of its speed. " + seen + " So `asyncio.to_thread` is for "
                "steps that are short or release the GIL; a long pure-Python step beside code that serves "
                "requests on threads belongs in another process (`loop.run_in_executor` with a "
                "`ProcessPoolExecutor`)" + (", even though `to_thread` had the least lag here." if lowest else "."))
    if convoy is False:
        return (seen + f" That is no convoy (below {CONVOY_SHARE:.0%} would be one), so on this host a CPU-bound "
                "step beside a thread serving I/O did not starve it; time your own server beside the step "
                "before relying on that.")
    return (seen + f" Its repeats are too spread out to tell whether that is a convoy (below {CONVOY_SHARE:.0%}), "
            "so time your own server beside the step before handing a long pure-Python step to `asyncio.to_thread`.")


def _pct(share: Interval) -> str:
    """A share as per cent: one decimal below 100%, none from 100% up (``2.0% (1.7–3.2%)``)."""
    return share.scaled(100).text(".1f" if share.median < 1 else ".0f", "%")


def coverage_text(status: Mapping[str, str]) -> str:
    """What the guide could not read (from :func:`gather`'s status), or ``""`` when it read everything."""
    missing = [k for k, v in status.items() if v == "not in this edition"]
    unread = [k for k, v in status.items() if v == "no options recorded"]
    body = ""
    if missing:
        body += ("These chapters are not part of this edition, so their options were **not measured in "
                 "this edition** and cannot appear in the table: " + ", ".join(chapter_link(k) for k in missing) + ". ")
    if unread:
        body += ("These chapters recorded no results this guide could read (each page says why, and what to "
                 "install when a build was missing): " + ", ".join(chapter_link(k) for k in unread) + ".")
    return body.strip()


def option_rows(options: Sequence[Option]) -> list[dict[str, Any]]:
    """Every option, grouped by kind of work (in :data:`WORKLOADS` order, named as in
    :data:`WORK_NAMES`: ``"I/O-bound — threads (ThreadPoolExecutor, 16)"``), best first: four
    columns (the option, its figure, how and where it was measured, its chapter's verdict on
    whether it helps), so that the table fits a page."""
    rows = []
    for d in decide_all(options):
        for o in d.options:
            rows.append({"option": f"{work_name(o.workload)} — {o.name}", "measured": o.shown,
                         "how (chapter)": f"{o.detail} ({chapter_link(o.source)})" if o.detail
                         else chapter_link(o.source),
                         "helps? (its chapter)": HELPS_TEXT[o.state] + (
                             f" ({chapter_link(o.judged_in)})" if o.judged_in else "")
                         + (f"; its chapter {o.strict}" if o.strict else "")})
    return rows
