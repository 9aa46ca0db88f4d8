"""The processes chapter's verdicts and invariants, as functions of its results.

Every verdict is decided on an interval (the quartiles of the repeats) against
a threshold named below; the reader's examples run on the page
(``examples/processes.py``, ``examples/shared_memory.py``, with ``--json``)
are stated in the verdict's sentence, and an example that decides the other
way makes the verdict undecided. Invariants are what a sound run satisfies
whatever the claim.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...core.examples import examples_dir
from ...core.results import Suite
from ...core.verdicts import Claim, Interval, Invariant, at_most, check, invariant, ratio_interval
from .._crosscheck import (
    busy_text,
    fixed_cost,
    job_size_text,
    load,
    load_text,
    overlap,
    quartile_note,
    why_undecided,
    with_example,
)
from .._examplejson import run_with_json

# -- thresholds ---------------------------------------------------------------------

#: Processes count as *scaling* when the low end of their speedup over one thread
#: reaches this share of the worker count (1.8× for 2 workers): near the ideal, with
#: room for dispatching the shares and for a host whose other work takes a little CPU.
SCALE_SHARE = 0.9
#: ``spawn`` counts as *much slower to start* than ``fork`` when the low end of the
#: ratio of their start times reaches this factor: a new interpreter against a copy
#: of the parent; twice is far above the noise of a few milliseconds.
SPAWN_RATIO = 2.0
#: Sending data counts as *growing with its size* when the largest payload's time,
#: at its low end, is at least this many times the smallest's (the smallest costs
#: about what any call to a worker costs; a 64 MiB payload must cost well beyond it).
GROWTH_RATIO = 10.0
#: Shared memory counts as *far faster* than pickling a big array when the low end
#: of pickled time over shared time reaches this factor.
SHARED_RATIO = 2.0
#: Invariant slack: a kept pool is not slower than a new pool per run, nor pickling
#: here slower than a round trip, by more than this fraction (quartiles compared).
COST_SLACK = 0.10
#: Invariant slack: sending a payload one way (an int back) is a part of sending it
#: there and back, so it is not slower at all beyond the noise: its first quartile
#: stays at or below the round trip's third (no extra fraction).
ONE_WAY_SLACK = 0.0
#: Invariant slack: N processes started before the clock are not slower than one
#: thread by more than this fraction (the same work, at worst on one core).
PROCESS_SLACK = 0.25
#: Invariant slack: a bigger payload does not cost less than a smaller one by more
#: than this fraction, quartiles compared (payloads up to tens of KiB cost about what
#: any call costs, so noise of a quarter moves them; beyond, the bytes dominate).
SIZE_SLACK = 0.25
#: Invariant slack: N workers are not more than N times faster than one thread
#: by more than this fraction.
SPEEDUP_SLACK = 0.10
#: Two runs' 1-minute load averages differ enough to name load as a reason for a gap
#: between them when they differ by at least this much (runnable processes): below
#: that, the load average's own minute-long smoothing hides which run was busier.
LOAD_MARGIN = 0.5
#: Pickling here "jumps" between two sizes when its time grows more than this many times faster
#: than the payload (2: the cost per byte more than doubled), which a copy growing with size does not do.
PICKLE_JUMP = 2.0
#: The page size the page-fault note counts in (bytes): 4 KiB, x86-64's and most hosts' base page.
PAGE_BYTES = 4096
#: Fresh pages "account for" a pickling jump when the bigger size took at least this many minor
#: faults per page of its payload (0.5) and the smaller size fewer than that.
FRESH_PAGE_SHARE = 0.5


def _esc(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _x(r: Interval) -> str:
    """A ratio as the book prints one: two decimals below 10× (``8.20×``), none from 10× up (``18×``),
    the median deciding for all three figures so that one interval has one precision, e.g.
    ``11× (8–18×)`` and ``9.34× (6.24–10.13×)``."""
    fmt = ".0f" if r.median >= 10 else ".2f"
    return r.text(fmt)


def _ms(values: Sequence[float]) -> Interval:
    return Interval.of(values).scaled(1000)


def _ms_text(values: Sequence[float], fmt: str = ".1f") -> str:
    """Seconds as milliseconds with their quartiles, e.g. ``2.0 ms (1.8–2.3 ms)``."""
    return _ms(values).text(fmt, " ms")


# -- the reader's examples ------------------------------------------------------------


@dataclass(frozen=True)
class ProcessesExample:
    """What ``examples/processes.py --json`` measured (seconds).

    :param one_process: per run, the countdown in the script's own process.
    :param processes: per run, on *workers* processes of a pool started before the clock.
    :param start: per start method, seconds per start of a process that does nothing.
    :param load_average: the host's 1, 5 and 15 minute load average when the script ended (or None).
    :param modules_loaded: how many modules the script's process held when it started processes (or None).
    """

    count: int
    workers: int
    start_method: str
    one_process: tuple[float, ...]
    processes: tuple[float, ...]
    start: Mapping[str, tuple[float, ...]]
    load_average: tuple[float, ...] | None = None
    modules_loaded: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProcessesExample:
        """From the object the script writes. :raises ValueError: if it is not that."""
        try:
            sec = data["seconds"]
            out = cls(int(data["count"]), int(data["workers"]), str(data["start_method"]),
                      tuple(float(v) for v in sec["one_process"]), tuple(float(v) for v in sec["processes"]),
                      {str(k): tuple(float(v) for v in vs) for k, vs in data["start_seconds"].items()},
                      tuple(float(x) for x in data["load_average"]) if data.get("load_average") else None,
                      int(data["modules_loaded"]) if data.get("modules_loaded") is not None else None)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not the JSON of examples/processes.py: {exc}") from None
        if not out.one_process or not out.processes or not all(out.start.values()):
            raise ValueError("examples/processes.py wrote an empty time list")
        return out

    def speedup(self) -> Interval:
        """One process's countdown time over the pool's (a factor, > 1 is faster)."""
        return ratio_interval(self.one_process, self.processes)


@dataclass(frozen=True)
class SharedMemoryExample:
    """What ``examples/shared_memory.py --json`` measured: seconds per run, slices pickled or shared."""

    megabytes: int
    workers: int
    start_method: str
    pickled: tuple[float, ...]
    shared: tuple[float, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SharedMemoryExample:
        """From the object the script writes. :raises ValueError: if it is not that."""
        try:
            sec = data["seconds"]
            out = cls(int(data["megabytes"]), int(data["workers"]), str(data["start_method"]),
                      tuple(float(v) for v in sec["pickled"]), tuple(float(v) for v in sec["shared"]))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not the JSON of examples/shared_memory.py: {exc}") from None
        if not out.pickled or not out.shared:
            raise ValueError("examples/shared_memory.py wrote an empty time list")
        return out

    def ratio(self) -> Interval:
        """Pickled time over shared time (a factor, > 1: shared memory was faster)."""
        return ratio_interval(self.pickled, self.shared)


def run_processes_example(count: int, workers: int, repeats: int, *,
                          timeout: float = 300.0) -> tuple[str, ProcessesExample]:
    """Run ``examples/processes.py`` as a reader would: (what it printed, its measurements)."""
    run = run_with_json("processes.py", ["--count", str(count), "--workers", str(workers),
                                         "--repeats", str(repeats)], timeout=timeout)
    return run.text, ProcessesExample.from_json(run.data)


def option_default(source: str, option: str) -> Any:
    """The ``default=`` of ``parser.add_argument(option, ...)`` in a script's *source*, read without running it.

    :raises LookupError: if the script adds no such option, or its default is not a literal.
    """
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument"
                and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == option):
            for kw in node.keywords:
                if kw.arg == "default":
                    try:
                        return ast.literal_eval(kw.value)
                    except ValueError:
                        break
    raise LookupError(f"no literal default for {option}")


def example_default_count() -> int:
    """The ``--count`` a reader gets from ``examples/processes.py`` without options (steps)."""
    return int(option_default((examples_dir() / "processes.py").read_text(encoding="utf-8"), "--count"))


def run_shared_memory_example(megabytes: int, workers: int, repeats: int, *,
                              timeout: float = 180.0) -> tuple[str, SharedMemoryExample]:
    """Run ``examples/shared_memory.py`` as a reader would: (what it printed, its measurements)."""
    run = run_with_json("shared_memory.py", ["--megabytes", str(megabytes), "--workers", str(workers),
                                             "--repeats", str(repeats)], timeout=timeout)
    return run.text, SharedMemoryExample.from_json(run.data)


# -- verdicts -------------------------------------------------------------------------


def countdown_from_record(record: Mapping[str, Any] | None) -> Suite | None:
    """The countdown suite of a chapter's record, or None when there is no record or it lacks one.

    Both chapters that measure the countdown on a pool started before the clock
    keep it under ``suites.countdown``: "CPU-bound versus I/O-bound"
    (``book.results_of("cpu-vs-io")``, mode ``processes`` of a
    ``multiprocessing.Pool``) and this one (``book.results_of("processes")``,
    modes ``processes`` and ``processes-new-pool`` of a ``ProcessPoolExecutor``),
    so another chapter that states the same speedup reads it from here and
    passes it to :func:`scale_verdict`'s *other*-style comparison.
    """
    if not record:
        return None
    data = record.get("suites", {}).get("countdown")
    return Suite.from_dict(data) if data else None


def load_reason(slower: str, slower_load: Any, faster: str, faster_load: Any, cpus: Any) -> str:
    """Whether the host's load explains why *slower* (a run's name) got a lower figure than *faster*:
    one or two short sentences, each ending with a full stop.

    Names load only when it points that way: the slower run's 1-minute load
    average above the faster's by at least :data:`LOAD_MARGIN`; otherwise says
    that load does not explain the gap, and that nothing else recorded does.
    Loads are ``load_average`` triples (or None).
    """
    a, b = load(slower_load), load(faster_load)
    on = f" on {cpus} CPUs" if cpus else ""
    if a is None or b is None:
        return ("The host's load was not recorded for both runs, so this page cannot say whether load made the "
                "difference.")
    if a - b >= LOAD_MARGIN:
        return (f"The host was busier for {slower}: a 1-minute load average of {a:.1f}{on}, against {b:.1f} for "
                f"{faster}, so its workers waited longer for a CPU.")
    loads = (f"{a:.1f} for both{on}" if f"{a:.1f}" == f"{b:.1f}"
             else f"{a:.1f} for {slower} and {b:.1f} for {faster}{on}")
    return (f"Load does not explain it: the 1-minute load average was {loads}. Nothing else this page records "
            "accounts for it.")


def _compare_speedups(here: Interval, cd: Suite, there: Interval, there_name: str, there_load: Any,
                      there_one: float | None, differences: Sequence[str],
                      there_pooled: float | None = None, alike: Sequence[str] = ()) -> str:
    """Sentences on how another run's speedup of the same countdown (*there*) relates to this one's (*here*).

    The same within the spreads; else the fixed cost per run measured here, scaled to the other
    run's job size (:func:`~gilref.topics._crosscheck.job_size_text`). When that does not explain
    all of it and the other run's pooled median *there_pooled* is known, its own fixed cost is
    set beside this one's, and the *differences* between the two runs are named as what could make
    it differ (and what both share, *alike*, as ruled out); the host's load (:func:`load_reason`) comes last.
    """
    if overlap(here, there):
        return f" That is the same as this measurement's {here.text()} within both spreads."
    side = "below" if there.median < here.median else "above"
    out = f" That lies {side} this measurement's {here.text()}."
    seq, kept = cd.baseline("countdown"), cd.get("countdown", "processes")
    explained = False
    there_cost = None
    if there_one is not None and kept.workers >= 1:
        if there_pooled is not None:
            there_cost = fixed_cost(there_one, there_pooled, kept.workers)
        text, explained = job_size_text(fixed_cost(seq.median, kept.median, kept.workers), kept.workers,
                                        seq.median, there_one, there, there_name, there_cost=there_cost)
        out += text
    if not explained:
        cpus, here_load = cd.metadata.get("usable_cpus"), cd.metadata.get("load_average")
        lr = (load_reason(there_name, there_load, "this measurement", here_load, cpus) if side == "below"
              else load_reason("this measurement", here_load, there_name, there_load, cpus))
        # the differences first, then load, then whether what is recorded can account for the gap
        lr = lr.replace(" Nothing else this page records accounts for it.", "")
        out += (" What differs between the two runs: " + "; ".join(differences) + "." if differences else "")
        out += (" Both " + " and ".join(alike) + "." if alike else "") + " " + lr
        if there_cost is not None:
            out += (" This page does not measure which difference makes the fixed cost larger."
                    if differences else " Nothing this page records says why the fixed costs differ.")
        else:
            out += (" This page does not measure whether those differences account for the rest of the gap."
                    if differences else " Nothing else this page records accounts for it.")
    return out


def scale_verdict(cd: Suite, example: ProcessesExample | None = None, other: Suite | None = None) -> Claim:
    """Do N worker processes (pool kept) run the countdown about N times as fast as one thread?

    Holds when the low end of the speedup reaches :data:`SCALE_SHARE` × N.
    *example* (``examples/processes.py``) and *other* (the countdown of the chapter
    "CPU-bound versus I/O-bound", :func:`countdown_from_record`), which measure the
    same quantity, are stated beside it, with the reason when they differ
    beyond their spreads (the load of each run, its count, its pool).
    """
    kept = cd.get("countdown", "processes")
    w = kept.workers
    n = int(kept.params.get("n", 0))
    s = cd.speedup_interval(kept)
    target = SCALE_SHARE * w
    own: bool | None = False if w < 2 else s.at_least(target)
    holds = own
    extra = ""
    if other is not None:
        try:
            o_t = other.get("countdown", "processes")
        except KeyError:
            o_t = None
        if o_t is not None and o_t.workers == w:
            o = other.speedup_interval(o_t)
            on = int(o_t.params.get("n", 0))
            diffs = ["its pool, a `multiprocessing.Pool` handed its two shares by `map_async`, measured in "
                     "turns with threads (this one is a `ProcessPoolExecutor` handed them by `submit`, measured in "
                     "turns with a new pool per run)"]
            sm_there, sm_here = o_t.params.get("start_method"), kept.params.get("start_method")
            alike = []
            if sm_there and sm_here:
                if sm_there != sm_here:
                    diffs.append(f"the start method ({sm_there} there, {sm_here} here)")
                else:
                    alike.append(f"started their workers by {sm_here}")
            pr_there, pr_here = o_t.params.get("primed_calls"), kept.params.get("primed_calls")
            if pr_there is not None and pr_there == pr_here:
                alike.append(f"warmed each worker with {pr_here} calls before the clock")
            steps = f", {on:,} steps against {n:,} here" if on != n else ""
            extra += (f" The chapter {{doc}}`cpu-vs-io` measured the same countdown on {w} processes{steps}, its "
                      f"pool also started before the clock, at {o.text()}, under a load average of "
                      f"{load_text(other.metadata.get('load_average'))} ({load_text(cd.metadata.get('load_average'))} "
                      "here)."
                      + _compare_speedups(s, cd, o, "that chapter", other.metadata.get("load_average"),
                                          other.baseline("countdown").median, diffs, o_t.median, alike))
    if example is not None:
        e = example.speedup()
        holds = with_example(own, e.at_least(target) if example.workers == w else None)
        diffs = [f"its start method ({example.start_method}, its Python's default)"]
        if len(example.processes) < len(kept.values):
            diffs.append(f"its {len(example.processes)} runs against {len(kept.values)}, so one slow moment weighs "
                         "more in it")
        sm_here = kept.params.get("start_method")
        how = (f"its workers started by {example.start_method}, its Python's default, against {sm_here} here"
               if sm_here and sm_here != example.start_method else f"its workers started by {example.start_method}")
        extra += (f" The example at the end of this page ({example.count:,} steps; {how}), its pool also started "
                  f"before the clock, got {e.text()} with {example.workers} processes (load average "
                  f"{load_text(example.load_average)} when it ended)."
                  + _compare_speedups(s, cd, e, "the example", example.load_average,
                                      Interval.of(example.one_process).median, diffs))
    extra = quartile_note(s, cd.metadata.get("usable_cpus"), "this interval") + extra
    return check(
        "processes_scale",
        f"{w} processes run the CPU-bound countdown about {w} times as fast as one thread "
        f"(at least {target:.1f}×) on a host with {w} free cores", holds,
        s=s, w=w, t=target, cpus=cd.metadata.get("usable_cpus"), busy=busy_text(cd.metadata),
        load=load_text(cd.metadata.get("load_average")),
        why=why_undecided(own, f"{target:.1f}×", final=holds),
        supported="**Processes scaled.** {w} worker processes ran the countdown {s} faster than one thread "
                  "(load average {load} when measured): each has its own GIL, so the cores computed at once."
                  + _esc(extra),
        contradicted="{w} worker processes reached only {s} one thread on this host ({cpus} usable CPUs), "
                     "below {t:.1f}×: {busy}." + _esc(extra),
        unclear="This run cannot decide: {w} worker processes ran at {s} one thread (load average {load} when "
                "measured), {why}." + _esc(extra),
    )


def pool_cost_verdict(cd: Suite, starts: Suite | None = None) -> Claim:
    """Does a pool made for one job pay its start-up inside the job? (A new pool per run is slower.)

    Holds when the low end of new-pool time over kept-pool time is above 1;
    *starts* (:func:`start_cost_in_child`), when given, puts one start of the
    pool's method beside the cost.
    """
    kept = cd.get("countdown", "processes")
    fresh = cd.get("countdown", "processes-new-pool")
    r = ratio_interval(fresh.values, kept.values)
    cost_ms = (fresh.median - kept.median) * 1000
    method = str(kept.params.get("start_method", ""))
    beside = ""
    if starts is not None and method in {t.mode for t in starts.timings}:
        one = _ms_text(starts.get("process-start", method).values)
        beside = (f" For comparison, starting one {method} process that does nothing, and seeing it end, took "
                  f"{one} in the start-up measurement below; the pool starts {kept.workers}, each of which "
                  "imports the modules of the functions it runs (gilref's countdown and primer), primes them, "
                  "and is shut down.")
    return check(
        "pool_cost", "a pool made for one job pays its start-up inside that job", r.at_least(1.0),
        r=r, cost=cost_ms, w=kept.workers,
        supported="A new pool in every run made it {r} as long, so starting and stopping {w} workers cost about "
                  "{cost:.0f} ms per run." + _esc(beside),
        contradicted="The runs with a new pool were faster than those with the kept pool ({r} their time), "
                     "although they include starting it: on this host the workers' speed varied between runs "
                     "by more than a pool costs to start." + _esc(beside),
        unclear="The two differed by less than the runs varied (new pool: {r} the kept pool's time): at this size "
                "of job, starting the pool was lost in the noise." + _esc(beside),
    )


def spawn_verdict(sc: Suite, example: ProcessesExample | None = None) -> Claim:
    """Is ``spawn`` much slower to start a process than ``fork``? Holds when the low end of
    spawn over fork reaches :data:`SPAWN_RATIO`.

    :raises KeyError: if *sc* lacks either method (see :func:`start_methods`).
    """
    fork = sc.get("process-start", "fork")
    spawn = sc.get("process-start", "spawn")
    r = ratio_interval(spawn.values, fork.values)
    own = holds = r.at_least(SPAWN_RATIO)
    extra = ""
    if example is not None and "fork" in example.start and "spawn" in example.start:
        er = ratio_interval(example.start["spawn"], example.start["fork"])
        holds = with_example(own, er.at_least(SPAWN_RATIO))
        extra = (f" The example at the end of this page measured `spawn` {_ms_text(example.start['spawn'])} and "
                 f"`fork` {_ms_text(example.start['fork'])}, {_x(er)} as long"
                 + (", the same ratio within the spread." if overlap(r, er) else ".") + start_gaps(sc, example))
    return check(
        "spawn_costs", "spawn is much slower to start a process than fork, because it starts a new interpreter",
        holds, r=r, rx=_x(r), fork=_ms_text(fork.values), spawn=_ms_text(spawn.values), t=SPAWN_RATIO,
        why=why_undecided(own, f"{SPAWN_RATIO:g}×", final=holds),
        supported="**spawn costs more.** A `spawn` start took {spawn} against {fork} for `fork`, {rx} "
                  "as long: the price of a fresh interpreter." + _esc(extra),
        contradicted="A `spawn` start took {spawn} and a `fork` start {fork} ({rx}): not the large gap "
                     "usually described." + _esc(extra),
        unclear="This run cannot decide: `spawn` took {spawn} and `fork` {fork}, a ratio of {rx}, {why}."
                + _esc(extra),
    )


#: The start methods whose child imports the parent's main module again when that is a file
#: (``spawn.prepare`` runs ``_fixup_main_from_path``; a forkserver child runs it too).
REIMPORT_MAIN = ("spawn", "forkserver")

_PREPARE = "https://github.com/python/cpython/blob/v3.13.5/Lib/multiprocessing/spawn.py"


def start_gaps(sc: Suite, example: ProcessesExample) -> str:
    """Sentences for each start method whose start took longer, or shorter, in the example than in *sc*
    beyond both spreads, with the reason computed: for a longer ``REIMPORT_MAIN`` start the example's
    parent is a script whose main module each child imports again (the measurement's parent,
    ``python -c``, has none); for a shorter ``fork`` start, the parents' module counts when the
    example's was smaller (a fork copies its parent); otherwise the load, when it points that way.
    ``""`` when every method agrees."""
    reimport: list[str] = []
    longer: list[str] = []
    shorter: list[str] = []
    for t in sc.timings:
        ex = example.start.get(t.mode)
        if not ex:
            continue
        mine, theirs = _ms(t.values), _ms(ex)
        if overlap(mine, theirs):
            continue
        # medians only: the verdict states each method's spread once, before these sentences
        gap = f"`{t.mode}` {theirs.median:.1f} ms in the example against {mine.median:.1f} ms here"
        if theirs.median < mine.median:
            shorter.append(gap)
        else:
            (reimport if t.mode in REIMPORT_MAIN else longer).append(gap)
    out = []
    if reimport:
        out.append("Starts took longer in the example: " + " and ".join(reimport) + ("; their" if len(reimport) > 1
                   else "; its") + " children import the example's script again before they run "
                   f"([`prepare` in multiprocessing/spawn.py]({_PREPARE})), while the measurement's parent is a "
                   "`python -c` with no main module to import.")
    if longer:
        out.append(("Also " if reimport else "Starts took longer in the example: ") + " and ".join(longer) + ". "
                   + load_reason("the example", example.load_average, "this measurement",
                                 sc.metadata.get("load_average"), sc.metadata.get("usable_cpus")))
    if shorter:
        text = "Starts took less time in the example: " + " and ".join(shorter) + "."
        mine_mods, theirs_mods = sc.metadata.get("modules_loaded"), example.modules_loaded
        if (any(g.startswith("`fork`") for g in shorter) and isinstance(mine_mods, int) and theirs_mods is not None
                and theirs_mods < mine_mods):
            text += (f" A `fork` child starts as a copy of its parent, and the example's parent held "
                     f"{theirs_mods:,} modules against {mine_mods:,} in this measurement's (which imported gilref "
                     "to measure), so there was less to copy.")
        else:
            text += " " + load_reason("this measurement", sc.metadata.get("load_average"), "the example",
                                      example.load_average, sc.metadata.get("usable_cpus"))
        out.append(text)
    return "".join(f" {o}" for o in out)


def _payload_sizes(pk: Suite) -> list[int]:
    return sorted({int(t.params["bytes"]) for t in pk.timings})


def pickling_verdict(pk: Suite) -> Claim:
    """Does sending data to a process cost more as it grows? Holds when the largest
    argument's time, at its low end, is :data:`GROWTH_RATIO` times the smallest's."""
    sizes = _payload_sizes(pk)
    small, big = sizes[0], sizes[-1]
    ts, tb = pk.get(f"payload-{small}", "argument"), pk.get(f"payload-{big}", "argument")
    rt_small = pk.get(f"payload-{small}", "round-trip")
    r = ratio_interval(tb.values, ts.values)
    per = (tb.median - ts.median) * 1000 / (big / 2**20) if big > small else 0.0
    note = _one_way_note(pk)
    legs_note = return_leg_text(pk)
    if not note and ts.median > rt_small.median:
        note = (f" At {small / 1024:g} KiB one way and there and back are the same within their spread (one way's "
                "median is the higher by chance): so small a payload is a small part of what a call costs, and the "
                "two were timed call by call in turns.")
    return check(
        "pickling_grows", "the cost of sending data to a process grows with its size, so big arguments are "
        "expensive", r.at_least(GROWTH_RATIO),
        small=_ms_text(ts.values, ".3f"), rt=_ms_text(rt_small.values, ".3f"), big=_ms_text(tb.values), r=r, rx=_x(r),
        kib=small / 1024, mib=big / 2**20, per=per, t=GROWTH_RATIO,
        supported="**Size costs.** A {kib:g} KiB argument took {small} per call (there and back: {rt}), which is "
                  "what any call to a worker costs, the payload aside; a {mib:g} MiB one took {big}, {rx} as "
                  "long, about {per:.1f} ms per MiB." + _esc(note + legs_note),
        contradicted="A {mib:g} MiB argument took {big} against {small} for {kib:g} KiB ({rx}): less "
                     "growth than expected." + _esc(note + legs_note),
        unclear="This run cannot decide: the {mib:g} MiB argument took {rx} the {kib:g} KiB one's time, a range "
                "that holds the threshold of {t:.0f}×." + _esc(note + legs_note),
    )


_PROCESS_PY = "https://github.com/python/cpython/blob/v3.13.5/Lib/concurrent/futures/process.py"
_CONNECTION_PY = "https://github.com/python/cpython/blob/v3.13.5/Lib/multiprocessing/connection.py"


def legs(pk: Suite, size: int) -> tuple[Interval, Interval | None, Interval]:
    """The two legs of sending *size* bytes, in ms: the way out (``argument``: the payload goes, an int
    comes back), the way back measured alone (``result``: an int goes, a payload the worker held comes
    back; None when not measured), and the way back within a round trip (``round-trip`` less
    ``argument``: the median is the difference of the medians, the ends the widest differences of
    their quartiles)."""
    out, rt = _ms(pk.get(f"payload-{size}", "argument").values), _ms(pk.get(f"payload-{size}", "round-trip").values)
    alone = [t for t in pk.timings if t.workload == f"payload-{size}" and t.mode == "result"]
    back = _ms(alone[0].values) if alone else None
    return out, back, Interval(rt.low - out.high, rt.median - out.median, rt.high - out.low)


def return_leg_text(pk: Suite) -> str:
    """How the way back of the largest payload compares with the way out (:func:`legs`), with the reason
    the measured pattern points to: when the way back within a round trip costs more than the way out
    beyond their spreads, either the way back alone costs what the way out costs (the extra belongs to
    doing both in one call) or it costs more even alone (the reader differs: this process's pool manager
    thread, not its main one, against the worker's main thread, and it allocates per chunk); when only
    the way back alone costs more, the two measures of one leg disagree (the load, when the host was
    busy, as the likely cause). ``""`` without the ``result`` mode."""
    big = _payload_sizes(pk)[-1]
    out, back, within = legs(pk, big)
    if back is None:
        return ""
    mib = big / 2**20
    head = (f" At {mib:g} MiB, the way out (the payload as argument, an int back) took {out.text('.1f', ' ms')}; "
            f"the way back alone (an int out, a payload the worker already held back) {back.text('.1f', ' ms')}; "
            f"and the way back within a round trip (the round trip less the way out) came to "
            f"{within.median:.1f} ms ({within.low:.1f} to {within.high:.1f} ms from the quartiles).")
    dearer_within, dearer_alone = within.low > out.high, back.low > out.high
    if not dearer_within and not dearer_alone:
        return head + " Within their spreads, the way back cost no more than the way out, alone or within a round trip."
    if dearer_alone and not dearer_within:
        cpus, la = pk.metadata.get("usable_cpus"), load(pk.metadata.get("load_average"))
        busy = isinstance(cpus, int) and la is not None and la >= cpus
        return head + (" The two measures of the way back disagree: alone it cost more than the way out, within a "
                       "round trip it did not, though there it does the same work and the worker more besides. So "
                       "the calls that brought a payload back alone were slowed by something the round trips "
                       "escaped" + (f": likely the host, whose 1-minute load average was {la:.1f} on {cpus} CPUs "
                                    "(the ways take turns, but a busy moment falls on one call at a time)."
                                    if busy else ", which this page does not break down further."))
    if not dearer_alone and not within.low > back.high:
        return head + (" The way back alone lies within the spreads of both, so this run cannot say that bringing "
                       "the payload back costs more than sending it.")
    if not dearer_alone:
        return head + (" The way back costs more within a round trip than the way out, but not alone: alone, "
                       "it cost what the way out cost, both legs pickling the payload on one side, pushing it "
                       "through a pipe and unpickling it into a new object on the other. So the extra "
                       f"{within.median - back.median:.1f} ms is not a cost of the way back but of doing both in "
                       "one call: the worker holds its argument and its result (the same object, pickled again) "
                       "and frees the argument only after the result is sent ([`_process_worker`]"
                       f"({_PROCESS_PY})); this page does not break it down further.")
    return head + (" The way back costs more even alone. Both legs copy the same bytes; what differs is who reads "
                   "the pipe and allocates what it reads: on the way out the worker's main thread, on the way back "
                   "this process's pool manager thread, a thread other than the main one, which then wakes the "
                   f"caller waiting on the future ([`wait_result_broken_or_wakeup`]({_PROCESS_PY})). The reader "
                   "allocates a buffer the size of what remains for every chunk it takes from the pipe, and one "
                   f"more for the result ([`Connection._recv`]({_CONNECTION_PY})); on glibc a thread other than the "
                   "main one usually allocates from another malloc arena than the main thread's ([`mallopt`, "
                   "`M_ARENA_MAX`](https://man7.org/linux/man-pages/man3/mallopt.3.html)). The likely cause is "
                   "that memory, allocated in this process by its reading thread; this page does not measure it "
                   "(running with `MALLOC_ARENA_MAX=1` puts every thread on the main arena, to compare).")


def one_way_above_round_trip(pk: Suite) -> list[int]:
    """The payload sizes at which sending one way took longer than there and back beyond the noise
    (the one way's first quartile above the round trip's third, :data:`ONE_WAY_SLACK`)."""
    return [size for size in _payload_sizes(pk)
            if not at_most(pk.get(f"payload-{size}", "argument").values,
                           pk.get(f"payload-{size}", "round-trip").values, slack=ONE_WAY_SLACK)]


def _one_way_note(pk: Suite) -> str:
    """A sentence when one way took longer than a round trip at some size (it cannot, but for noise), or ``""``."""
    above = one_way_above_round_trip(pk)
    if not above:
        return ""
    sizes = ", ".join(f"{s / 1024:g} KiB" for s in above)
    k = ", ".join(str(pk.get(f"payload-{s}", "argument").params.get("calls_per_sample", 1)) for s in above)
    return (f" At {sizes}, though, one way took longer than there and back beyond the spread of the repeats "
            f"(samples of {k} calls each): the one way is a part of the round trip, so that gap is the host "
            "slowing those calls (the modes take turns, so a burst of other work falls on one of them), not a "
            "cost of sending; the warning in the measurement's output says so too.")


def shared_verdict(sh: Suite, example: SharedMemoryExample | None = None) -> Claim:
    """Is shared memory far faster than pickling a big array to a worker? Holds when the low end
    of pickled over shared reaches :data:`SHARED_RATIO`."""
    pickled, shared = sh.get("array-sum", "pickled"), sh.get("array-sum", "shared-memory")
    r = ratio_interval(pickled.values, shared.values)
    own = holds = r.at_least(SHARED_RATIO)
    extra = ""
    if example is not None:
        er = example.ratio()
        holds = with_example(own, er.at_least(SHARED_RATIO))
        mib = float(pickled.params["bytes"]) / 2**20
        if overlap(r, er):
            same = "the same within the spread"
        elif er.at_least(SHARED_RATIO) == own and own is not None:
            same = (f"beyond this measurement's spread but on the same side of the {SHARED_RATIO:g}× threshold, so "
                    "it agrees with the verdict; the ratio itself moves with the job (slices of the array, pickled "
                    "to several workers at once)")
        else:
            same = ("a different verdict at the {SHARED_RATIO:g}× threshold, as its job differs (slices of the "
                    "array, pickled to several workers at once)").replace("{SHARED_RATIO:g}", f"{SHARED_RATIO:g}")
        extra = (f" The example below, {example.megabytes} MiB split between {example.workers} workers "
                 f"({example.start_method} start method) where this measurement sends {mib:g} MiB to one worker, "
                 f"got {_x(er)} pickled over shared, {same}.")
    return check(
        "shared_wins", "shared memory hands big arrays to worker processes far faster than pickling them", holds,
        r=r, rx=_x(r), p=_ms_text(pickled.values), s=_ms_text(shared.values), t=SHARED_RATIO,
        why=why_undecided(own, f"{SHARED_RATIO:g}×", final=holds),
        supported="**Shared memory won.** The worker summed the shared array in {s} against {p} when the "
                  "array was pickled to it: {rx} faster." + _esc(extra),
        contradicted="Shared memory took {s} against {p} pickled: only {rx} faster on this host."
                     + _esc(extra),
        unclear="This run cannot decide: pickled over shared came to {rx}, {why}." + _esc(extra),
    )


def main_module_verdict(cases: Sequence[Mapping[str, Any]]) -> Claim:
    """Did the three scripts of :func:`main_module_errors` fail (and work) as described?

    *cases*: the interactive ``__main__``, the unguarded script, the guarded script,
    each with ``ok`` and ``stderr``. Exact outcomes, no interval.
    """
    c_main, c_unguarded, c_guarded = cases
    holds = ((not c_main["ok"]) and "Can't get attribute" in str(c_main["stderr"])
             and (not c_unguarded["ok"]) and "bootstrapping phase" in str(c_unguarded["stderr"])
             and bool(c_guarded["ok"]))
    return check(
        "main_module",
        "under spawn, a worker function defined in an interactive __main__ cannot be found, "
        "and a script without the main guard fails; the guarded script works", holds,
        supported="**All three as expected.** The worker could not find `work` in the interactive "
                  "`__main__` (it dies, and the parent sees `BrokenProcessPool`); the unguarded script "
                  "made every worker try to start a pool of its own while starting up; the same code "
                  "in a file with `if __name__ == \"__main__\":` printed 49.",
        contradicted="The three scripts did not fail as described; their output is above.",
    )


# -- invariants -----------------------------------------------------------------------


def countdown_invariants(cd: Suite) -> list[Invariant]:
    """A sound run of :func:`countdown_executor_suite`: the kept pool is not slower than one thread
    (beyond :data:`PROCESS_SLACK`) nor than a new pool per run (beyond :data:`COST_SLACK`), and no
    configuration is more than N times faster than one thread."""
    seq = cd.baseline("countdown")
    kept = cd.get("countdown", "processes")
    fresh = cd.get("countdown", "processes-new-pool")
    out = [
        invariant("kept_pool_not_slower_than_one_thread",
                  "{w} processes of a kept pool were not slower than one thread by more than {slack:.0%}",
                  at_most(kept.values, seq.values, slack=PROCESS_SLACK), w=kept.workers, slack=PROCESS_SLACK,
                  cause="the workers were descheduled while they counted: another program held the cores"),
        invariant("kept_pool_not_slower_than_new_pool",
                  "the kept pool was not slower than a new pool per run, which does the same and starts a pool",
                  at_most(kept.values, fresh.values, slack=COST_SLACK),
                  cause="the host's load changed between the runs by more than a pool costs to start"),
    ]
    for t in (kept, fresh):
        s = cd.speedup_interval(t)
        out.append(invariant(f"{t.mode}_at_most_n_times", "{label} ran at most {w} times as fast as one thread",
                             s.low <= t.workers * (1 + SPEEDUP_SLACK), label=t.mode, w=t.workers, s=s.text(),
                             cause="the one-thread runs were slowed by a burst of load (measured {s})"))
    return out


def start_invariants(sc: Suite) -> list[Invariant]:
    """A sound start-up measurement: every start of every method took a positive time."""
    return [invariant(f"start_{t.mode}_positive", "every {m} start took a positive time",
                      min(t.values) > 0, m=t.mode, cause="the clock went backwards or the timing is broken")
            for t in sc.timings]


def _kib(size: int) -> str:
    return f"{size // 2**20:g} MiB" if size >= 2**20 else f"{size / 1024:g} KiB"


def pickling_notes(pk: Suite) -> str:
    """Notes on what the chart of :func:`pickling_suite` shows that a cost growing with size does not
    explain, each computed from the figures (``""`` when there is none):

    - a bigger payload cheaper than a smaller one on every way to the worker: set beside the payload's
      own work at that size (pickling it here), which is far smaller than the fall when the call's
      fixed cost dominates; the sizes are measured one after another;
    - pickling here growing more than ``PICKLE_JUMP`` times faster than the payload between two
      sizes: with the minor page faults per call recorded at both sizes (``minor_faults_per_call``),
      whether fresh pages account for it.
    """
    sizes = _payload_sizes(pk)
    ways = ("argument", "round-trip", "result")
    notes: list[str] = []
    for a, b in zip(sizes, sizes[1:]):
        got = {m: (pk.get(f"payload-{a}", m).median, pk.get(f"payload-{b}", m).median) for m in ways
               if any(t.workload == f"payload-{b}" and t.mode == m for t in pk.timings)}
        if got and all(y < x for x, y in got.values()):
            fall = min(x - y for x, y in got.values())
            own = pk.get(f"payload-{b}", "pickle").median
            each = ", ".join(f"{m} {x * 1e3:.3f} ms against {y * 1e3:.3f} ms" for m, (x, y) in got.items())
            if own < fall:
                notes.append(
                    f"At {_kib(a)} every way to the worker took longer than at {_kib(b)} ({each}). The payload's own "
                    f"work is not what varies: pickling {_kib(b)} here takes {own * 1e3:.4f} ms, less than the "
                    f"{fall * 1e3:.3f} ms the calls fell by, so at these sizes a call costs what any call to a worker "
                    "costs. The sizes are measured one after another, so how busy the host was during each "
                    "size's turn makes such a difference; it is not a cost of the smaller size.")
        here = (pk.get(f"payload-{a}", "pickle"), pk.get(f"payload-{b}", "pickle"))
        grew, more = here[1].median / here[0].median, b / a
        if grew > PICKLE_JUMP * more:
            fa, fb = (t.params.get("minor_faults_per_call") for t in here)
            head = (f"Pickling here (pickle and unpickle) grew {grew:.0f}× from {_kib(a)} to {_kib(b)} "
                    f"({here[0].median * 1e3:.3f} ms to {here[1].median * 1e3:.3f} ms) for {more:g}× the data.")
            pages = b / PAGE_BYTES
            if fa is None or fb is None:
                notes.append(head + " This run recorded no page faults, so this page cannot say why.")
            elif fb >= FRESH_PAGE_SHARE * pages and fa < FRESH_PAGE_SHARE * a / PAGE_BYTES:
                notes.append(head + f" Each call at {_kib(b)} took {fb:.0f} minor page faults in this process, "
                             f"against {fa:.0f} at {_kib(a)}: from that size on the buffers were fresh pages the "
                             "kernel mapped in on every call, about one fault per 4 KiB page (glibc's malloc serves "
                             "a request above its mmap threshold from a mapping of its own and unmaps it when it is "
                             "freed: [mallopt(3)](https://man7.org/linux/man-pages/man3/mallopt.3.html), "
                             "M_MMAP_THRESHOLD); the jump comes with those faults (this page does not time the "
                             "same calls without them).")
            elif fa >= FRESH_PAGE_SHARE * a / PAGE_BYTES:
                notes.append(head + f" Both sizes took about a page fault per 4 KiB page ({fa:.0f} per call at "
                             f"{_kib(a)}, {fb:.0f} at {_kib(b)}), so fresh pages do not explain a rise beyond the "
                             "data's; this page does not measure why.")
            else:
                notes.append(head + f" Page faults do not account for it ({fa:.0f} per call at {_kib(a)}, {fb:.0f} "
                             f"at {_kib(b)}); this page does not measure why.")
    return " ".join(notes)


def pickling_invariants(pk: Suite) -> list[Invariant]:
    """A sound run of :func:`pickling_suite`, per size: one way (argument) costs at most a round trip, and
    pickling here at most a round trip (which pickles the payload twice); across sizes, a bigger payload
    costs no less than a smaller one (quartiles, :data:`SIZE_SLACK`)."""
    out = []
    sizes = _payload_sizes(pk)
    for size in sizes:
        arg, rt, here = (pk.get(f"payload-{size}", m) for m in ("argument", "round-trip", "pickle"))
        kib = size / 1024
        out.append(invariant(f"one_way_at_most_round_trip_{size}",
                             "sending {kib:g} KiB one way took at most what there and back took",
                             at_most(arg.values, rt.values, slack=ONE_WAY_SLACK), kib=kib,
                             a=_ms_text(arg.values, ".3f"), r=_ms_text(rt.values, ".3f"),
                             cause="the one-way calls ({a}) were slowed by something the round trips ({r}) "
                                   "escaped: the worker or this process was descheduled while they ran"))
        back = [t for t in pk.timings if t.workload == f"payload-{size}" and t.mode == "result"]
        if back:
            out.append(invariant(f"way_back_at_most_round_trip_{size}",
                                 "sending {kib:g} KiB back alone took at most what there and back took",
                                 at_most(back[0].values, rt.values, slack=ONE_WAY_SLACK), kib=kib,
                                 b=_ms_text(back[0].values, ".3f"), r=_ms_text(rt.values, ".3f"),
                                 cause="the calls bringing the payload back ({b}) were slowed by something the round "
                                       "trips ({r}) escaped: the worker or this process was descheduled while they "
                                       "ran"))
        out.append(invariant(f"pickle_at_most_round_trip_{size}",
                             "pickling {kib:g} KiB here took at most sending it there and back",
                             at_most(here.values, rt.values, slack=COST_SLACK), kib=kib,
                             cause="this process was descheduled while it pickled"))
    for a, b in zip(sizes, sizes[1:]):
        for mode in ("argument", "round-trip"):
            out.append(invariant(
                f"{mode}_grows_{a}_{b}", "a {kb:g} KiB payload ({mode}) cost no less than a {ka:g} KiB one",
                at_most(pk.get(f"payload-{a}", mode).values, pk.get(f"payload-{b}", mode).values, slack=SIZE_SLACK),
                mode=mode, ka=a / 1024, kb=b / 1024,
                cause="the host's load fell between the two sizes (they are measured one after the other)"))
    return out


def shared_invariants(sh: Suite) -> list[Invariant]:
    """A sound run of :func:`shared_memory_suite`: summing in a worker (either way) costs at least the
    sum here, which the worker does too."""
    local = sh.get("array-sum", "in-process")
    return [invariant(f"{m}_not_below_in_process", "the worker's sum, {m}, took at least the sum in this process",
                      at_most(local.values, sh.get("array-sum", m).values, slack=COST_SLACK), m=m,
                      cause="this process was slowed while it summed (its first quartile above the worker's third)")
            for m in ("pickled", "shared-memory")]


def example_invariants(ex: ProcessesExample) -> list[Invariant]:
    """The example's own run: its pool was not more than *workers* times faster than one process."""
    s = ex.speedup()
    return [invariant("example_at_most_n_times", "the example's {w} processes were at most {w} times as fast as "
                      "its one process", s.low <= ex.workers * (1 + SPEEDUP_SLACK), w=ex.workers, s=s.text(),
                      cause="the example's one-process runs were slowed by a burst of load (measured {s})")]
