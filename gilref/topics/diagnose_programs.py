"""Four of the book's own workloads as small programs to run under ``gilref diagnose``.

Run: ``python -m gilref.topics.diagnose_programs NAME [--seconds S] [--workers N]``:

``countdown``
    the countdown (:func:`gilref.core.workloads.countdown`) on N threads, a
    fixed job of ``--count`` steps (split between the threads), as in "CPU-bound
    versus I/O-bound";
``fetch``
    N threads fetching URLs from the book's latency server
    (:class:`gilref.topics.httpserver.ServerProcess`, on 127.0.0.1 in its own
    process) for S seconds, as in "Fetching with ThreadPoolExecutor";
``numpy``
    N threads multiplying NumPy matrices with BLAS pinned to one thread, as in
    "Native code that releases the GIL" (``hashlib`` on a large buffer if NumPy
    is missing: it releases the GIL too);
``hashlib``
    N threads hashing a 16 MiB buffer with SHA-256 for S seconds;
``convoy``
    the echo server of "The convoy effect" (:class:`gilref.topics.convoy.EchoServer`),
    served by one thread, with a CPU-bound thread beside it and a client in a
    separate process sending small messages for S seconds.

Each prints one JSON line at the end: ``{"program": NAME, "seconds": wall
time of the work [s], ...}``. Every wait has a timeout and everything started
is stopped. :data:`EXPECTED` says which verdict each should get and which
earlier chapter's claim measured the same workload.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..core.paths import env_importing_gilref
from ..core.quoting import aside, invariant_caveat, quote
from ..core.results import Suite
from ..core.verdicts import Claim, Interval, check, ratio_interval
from ..core.workloads import countdown, split_count
from ._crosscheck import load
from .diagnose import (
    STATES,
    Diagnosis,
    ThreadReport,
    apportion,
    held_percents,
    io_return_waiting,
    own_percents,
    part_percent,
    part_words,
    state_percents,
    with_names,
)

__all__ = ["EXPECTED", "FETCH_IDEAL_SHARE", "OVERHEAD_MAX", "PACE_SLACK", "PROGRAMS", "agreement_verdict", "apportion",
           "command", "each_thread", "faster_sampled_reason", "findings", "main", "main_thread_share",
           "overhead_verdict", "size_text", "thread_table"]

#: For each program: (the verdict it should get, the chapter that measured it, that chapter's claim).
EXPECTED = {
    "countdown": ("gil-bound", "cpu-vs-io", "threads_verdict"),
    "fetch": ("io-bound", "fetching", "threads_scale"),
    "numpy": ("native", "native-code", "numpy_verdict"),
    "convoy": ("mixed", "convoy", "convoy_slows"),
}

PROGRAMS = ("countdown", "fetch", "numpy", "hashlib", "convoy")


def command(name: str, *args: str, python: str | None = None) -> list[str]:
    """The command line that runs program *name* (for :func:`gilref.topics.diagnose.diagnose`)."""
    if name not in PROGRAMS:
        raise ValueError(f"unknown program {name!r}: one of {', '.join(PROGRAMS)}")
    return [python or sys.executable, "-m", "gilref.topics.diagnose_programs", name, *args]


def env() -> dict[str, str]:
    """An environment in which :func:`command` imports this gilref."""
    return env_importing_gilref()


#: The program's threads seen so far: OS thread id (``threading.Thread.native_id``) -> name; printed
#: with the result so that a thread py-spy could not name is still named (:func:`gilref.topics.diagnose.with_names`).
_NAMES: dict[str, str] = {}


def _remember(threads: Sequence[threading.Thread] | None = None) -> None:
    """Note the OS id and name of *threads* (default: every live thread) in :data:`_NAMES`."""
    for t in threads if threads is not None else threading.enumerate():
        if t.native_id is not None:
            _NAMES[str(t.native_id)] = t.name


def _on_threads(target: Any, args_per_thread: Sequence[tuple[Any, ...]], prefix: str) -> float:
    threads = [threading.Thread(target=target, args=a, name=f"{prefix}-{i}") for i, a in enumerate(args_per_thread)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    _remember(threads)
    for t in threads:
        t.join()
    return time.perf_counter() - start


def run_countdown(count: int, workers: int) -> dict[str, Any]:
    seconds = _on_threads(countdown, [(n,) for n in split_count(count, workers)], "countdown")
    return {"count": count, "workers": workers, "seconds": seconds}


def run_fetch(seconds: float, workers: int) -> dict[str, Any]:
    from .fetch import fetch_threads
    from .httpserver import ServerProcess

    fetched = 0
    with ServerProcess(latency=0.05, size=1024, max_requests=100_000) as server, \
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool:
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            results = fetch_threads(server.urls(workers * 2), workers, timeout=5.0, executor=pool)
            fetched += sum(r.ok for r in results)
        _remember()
        took = time.perf_counter() - start
    return {"workers": workers, "seconds": took, "fetched": fetched}


def _hash_until(deadline: float, buf: bytes, out: list[int]) -> None:
    n = 0
    while time.perf_counter() < deadline:
        hashlib.sha256(buf).digest()
        n += 1
    out.append(n)


def run_hashlib(seconds: float, workers: int) -> dict[str, Any]:
    buf = b"\x5a" * (16 << 20)
    done: list[int] = []
    deadline = time.perf_counter() + seconds
    took = _on_threads(_hash_until, [(deadline, buf, done)] * workers, "hashlib")
    return {"workers": workers, "seconds": took, "hashes": sum(done), "buffer_bytes": len(buf)}


def _matmul_until(deadline: float, a: Any, b: Any, out: list[int]) -> None:
    n = 0
    while time.perf_counter() < deadline:
        a @ b
        n += 1
    out.append(n)


def run_numpy(seconds: float, workers: int) -> dict[str, Any]:
    try:
        import numpy as np
    except ImportError:
        result = run_hashlib(seconds, workers)
        result["fallback"] = "hashlib (NumPy is not installed)"
        return result
    try:
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]
    except ImportError:  # BLAS may then use its own threads too; the Python threads still release the GIL
        threadpool_limits = None
    rng = np.random.default_rng(0)
    a, b = rng.random((400, 400)), rng.random((400, 400))
    done: list[int] = []
    deadline = time.perf_counter() + seconds
    if threadpool_limits is not None:
        with threadpool_limits(limits=1, user_api="blas"):
            took = _on_threads(_matmul_until, [(deadline, a, b, done)] * workers, "numpy")
    else:
        took = _on_threads(_matmul_until, [(deadline, a, b, done)] * workers, "numpy")
    return {"workers": workers, "seconds": took, "products": sum(done), "size": 400}


def _spin(stop: threading.Event) -> None:
    while not stop.is_set():
        for _ in range(20_000):
            pass


_CLIENT = """
import socket, sys, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
n, end = 0, time.perf_counter() + seconds
while time.perf_counter() < end:
    s.sendall(b"x" * 16)
    got = 0
    while got < 16:
        data = s.recv(65536)
        if not data:
            raise SystemExit("server closed")
        got += len(data)
    n += 1
s.close()
print(n)
"""


def run_convoy(seconds: float) -> dict[str, Any]:
    from .convoy import EchoServer

    stop = threading.Event()
    spinner = threading.Thread(target=_spin, args=(stop,), name="cpu-spinner")
    with EchoServer() as server:
        spinner.start()
        _remember()
        try:
            start = time.perf_counter()
            client = subprocess.run([sys.executable, "-c", _CLIENT, str(server.address[1]), repr(seconds)],
                                    capture_output=True, text=True, timeout=seconds + 60, check=True)
            took = time.perf_counter() - start
        finally:
            stop.set()
            spinner.join(timeout=30)
    requests = int(client.stdout.strip() or 0)
    return {"seconds": took, "requests": requests, "requests_per_s": requests / took if took else 0.0}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gilref.topics.diagnose_programs",
                                     description="The book's workloads as programs to diagnose.")
    parser.add_argument("program", choices=PROGRAMS)
    parser.add_argument("--seconds", type=float, default=2.0, help="how long the timed programs run (default: 2)")
    parser.add_argument("--workers", type=int, default=2, help="threads (default: 2)")
    parser.add_argument("--count", type=int, default=20_000_000, help="countdown steps in all (default: 20000000)")
    args = parser.parse_args(argv)
    if args.program == "countdown":
        result = run_countdown(args.count, args.workers)
    elif args.program == "fetch":
        result = run_fetch(args.seconds, args.workers)
    elif args.program == "numpy":
        result = run_numpy(args.seconds, args.workers)
    elif args.program == "hashlib":
        result = run_hashlib(args.seconds, args.workers)
    else:
        result = run_convoy(args.seconds)
    _remember()
    print(json.dumps({"program": args.program, **result, "thread_names": _NAMES}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())



# -- what the chapter runs ------------------------------------------------------------

#: The chapter's runs: program name -> its extra arguments.
CHAPTER_RUNS = {
    "countdown": ("--count", "40000000", "--workers", "2"),
    "fetch": ("--seconds", "2", "--workers", "8"),
    "numpy": ("--seconds", "2", "--workers", "2"),
    "convoy": ("--seconds", "2"),
}


def diagnose_program(name: str, *args: str, rate: int = 50) -> tuple[Any, dict[str, Any]]:
    """Diagnose program *name*; return the :class:`~gilref.topics.diagnose.Diagnosis` and the program's JSON line.

    :raises gilref.topics.diagnose.DiagnoseError: when it cannot be diagnosed here.
    """
    import tempfile

    from .diagnose import diagnose

    with tempfile.TemporaryFile("w+") as out:
        d = diagnose(command(name, *args), env=env(), rate=rate, program_stdout=out, timeout=600)
        out.seek(0)
        lines = [ln for ln in out.read().splitlines() if ln.startswith("{")]
    result: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    return with_names(d, result.get("thread_names") or {}), result


def agrees(name: str, verdict_key: str, earlier_holds: bool) -> bool:
    """Whether a diagnosis of *name* agrees with the earlier chapter's measurement of the same workload.

    The earlier claim (:data:`EXPECTED`) is the measured consequence of the
    expected verdict (threads did not help the countdown, threads scaled the
    fetches, threads sped up NumPy, the CPU thread slowed the server down): they
    agree when both hold or neither does.
    """
    return (verdict_key == EXPECTED[name][0]) == earlier_holds


def overhead(count: int = 40_000_000, workers: int = 2, repeats: int = 3, rate: int = 50) -> dict[str, Any]:
    """The countdown's own wall time [s] alone and under ``gilref diagnose``, interleaved *repeats* times.

    Returns ``{"alone": [s...], "diagnosed": [s...], "ratio": median diagnosed / median alone, "count": steps,
    "workers": threads, "load_average": the host's (1, 5, 15)-minute load as the runs started, or None}``.

    :raises gilref.topics.diagnose.DiagnoseError: if a run cannot be diagnosed (too short: raise *count*).
    """
    import os
    import statistics

    alone: list[float] = []
    diagnosed: list[float] = []
    args = ("--count", str(count), "--workers", str(workers))
    try:
        host_load: list[float] | None = list(os.getloadavg())
    except (AttributeError, OSError):  # not on every platform
        host_load = None
    for _ in range(repeats):
        proc = subprocess.run(command("countdown", *args), capture_output=True, text=True, env=env(),
                              timeout=600, check=True)
        alone.append(float(json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]))
        _, result = diagnose_program("countdown", *args, rate=rate)
        diagnosed.append(float(result["seconds"]))
    return {"alone": alone, "diagnosed": diagnosed, "rate_hz": rate,
            "ratio": statistics.median(diagnosed) / statistics.median(alone),
            "count": count, "workers": workers, "load_average": host_load}


# -- what the chapter says of the runs ---------------------------------------------------

#: Sampling counts as cheap when the whole interval of (sampled ÷ alone) wall time is below
#: ``1 + OVERHEAD_MAX``; it costs something measurable only when the whole interval is above 1.
OVERHEAD_MAX = 0.10
#: The fetching chapter's own bar (equal to ``gilref.topics.fetch.SCALE_SHARE``, which a test holds it to;
#: not imported, so that the programs this module runs under the sampler import no more than they use): threads
#: scale when they reach at least this share of the ideal speedup (N threads, N times as fast). The
#: cross-check reads it at the diagnosed thread count, and says why the CPU-bound versus I/O-bound
#: chapter's bar (``gilref.topics.countdown.IO_IDEAL_SHARE``) is lower.
FETCH_IDEAL_SHARE = 0.9


def _python_of(metadata: Mapping[str, Any]) -> str:
    build = metadata.get("python_build")
    tail = f" ({build} build)" if build in ("default", "free-threaded") else ""
    return f"{metadata.get('python_implementation', 'Python')} {metadata.get('python_version', '?')}{tail}"


def thread_table(diagnoses: Mapping[str, Diagnosis]) -> list[dict[str, Any]]:
    """One row per program and thread, plus one (``whole run``) for all of a program's threads.

    ``GIL held (of wall time)``: the thread's samples running with the GIL over
    the run's sampling intervals (:meth:`gilref.topics.diagnose.Diagnosis.wall_share`), so a program's
    thread rows add up to its ``whole run`` row. The four states are shares
    of the row's OWN samples (the thread's; for ``whole run``, all of them):
    each row adds up to 100%. (``whole run``, as in the chart.) The per cents
    are rounded by :func:`~gilref.topics.diagnose.state_percents` and
    :func:`~gilref.topics.diagnose.held_percents` (largest remainder), so that they add up as the page
    says; the findings (:func:`findings`) print the same figures.
    """
    rows: list[dict[str, Any]] = []
    short = dict(zip(STATES, ("with GIL", "waiting for it", "native", "idle")))

    def states(pct: Mapping[str, int]) -> dict[str, str]:
        return {short[s]: f"{pct[s]}%" for s in STATES}

    for name, d in diagnoses.items():
        whole, held = held_percents(d)
        rows.append({"program: verdict": f"{name}: {d.verdict.key}", "thread": "whole run",
                     "samples": f"{sum(t.samples for t in d.threads):,}",
                     "GIL held (of wall time)": f"{whole}%", **states(state_percents(d.shares))})
        for t, h in zip(d.threads, held):
            rows.append({"program: verdict": "", "thread": t.name, "samples": f"{t.samples:,}",
                         "GIL held (of wall time)": f"{h}%", **states(own_percents(d, t))})
    return rows


def _range(values: Sequence[int]) -> str:
    """``93%`` or ``93% to 95%``: the range of whole per cents (as the table prints them)."""
    lo, hi = min(values), max(values)
    return f"{lo}%" if lo == hi else f"{lo}% to {hi}%"


def each_thread(d: Diagnosis, threads: Sequence[ThreadReport], first: str, second: str) -> str:
    """E.g. ``countdown-0 59% and 41%, countdown-1 37% and 63%``: each of *threads*' (of *d*) shares of states
    *first* and *second* (of its own samples, the table's per cents: :func:`~gilref.topics.diagnose.own_percents`),
    so that a sentence about several threads states each one's."""
    return ", ".join(f"{t.name} {own_percents(d, t)[first]}% and {own_percents(d, t)[second]}%" for t in threads)


def main_thread_share(main: ThreadReport, workers: Sequence[ThreadReport], before: str, during: str = "") -> str:
    """Where the main thread's samples with the GIL fall, from the counts: all of them in the intervals
    outside the worker threads' lives (the main thread lives longer by ``main.samples`` minus the
    longest-lived worker's samples), i.e. *before* (what the program does then, e.g. ``importing NumPy``),
    starting the threads and exiting; or how many fell while the workers ran (doing *during*, when given)."""
    outside = main.samples - max((t.samples for t in workers), default=0)
    with_gil = round(main.shares["python"] * main.samples)
    if with_gil <= outside:
        return (f"all of it in the {outside} sampling intervals before its threads started or after they ended "
                f"({before}, starting them, exiting)")
    return f"{with_gil - max(0, outside)} of those samples while its threads ran" + (f", {during}" if during else "")


def findings(v: Mapping[str, Diagnosis]) -> str:
    """The paragraph on the four chapter runs (keys of ``CHAPTER_RUNS``).

    Denominators, as the table: "of the wall time" is over the run's sampling
    intervals; a thread's shares are of its own samples. Each counting thread is
    stated by name, and each main thread's samples with the GIL are placed
    (:func:`main_thread_share`).
    """
    cd, fe, npy, cv = v["countdown"], v["fetch"], v["numpy"], v["convoy"]
    counting = [t for t in cd.threads if t.name != "MainThread"]
    fetchers = [t for t in fe.threads if t.name != "MainThread"]
    workers = [t for t in npy.threads if t.name != "MainThread"]
    server, spinner = cv.thread("gilref-echo-server"), cv.thread("cpu-spinner")
    srv = own_percents(cv, server)
    back = part_percent(io_return_waiting(server), server.shares["waiting"], srv["waiting"])

    def own(d: Diagnosis, t: ThreadReport, state: str) -> int:
        return own_percents(d, t)[state]

    def main_of(d: Diagnosis, threads: Sequence[ThreadReport], before: str, during: str = "") -> str:
        main = d.thread("MainThread")
        if round(main.shares["python"] * main.samples) == 0:
            return "Its main thread never held the GIL when sampled."
        wall = held_percents(d)[1][next(i for i, t in enumerate(d.threads) if t is main)]
        of_wall = ("of its own samples and of the wall time: it was sampled in every interval"
                   if main.samples == d.intervals else f"{wall}% of the wall time")
        return (f"The main thread's {own(d, main, 'python')}% with the GIL ({of_wall}) is "
                f"{main_thread_share(main, threads, before, during)}.")

    return (
        f"Each program was sampled at {cd.rate} samples per second by {cd.sampler}. "
        f"In the countdown the GIL was held {held_percents(cd)[0]}% of the wall time. The counting threads ran "
        f"with it and waited for it in these shares of their own samples: "
        f"{each_thread(cd, counting, 'python', 'waiting')}: *{cd.verdict.key}*. {main_of(cd, counting, 'importing')} "
        f"The {len(fetchers)} fetching threads were idle in {_range([own(fe, t, 'idle') for t in fetchers])} of "
        f"their own samples, and the GIL was held {held_percents(fe)[0]}% of the wall time: *{fe.verdict.key}*. "
        f"{main_of(fe, fetchers, 'importing, starting the local server', 'handing the URLs to the pool')} "
        f"The {len(workers)} NumPy threads ran native code in "
        f"{_range([own(npy, t, 'native') for t in workers])} of their own samples, and the GIL was held "
        f"{held_percents(npy)[0]}% of the wall time: *{npy.verdict.key}*. "
        f"{main_of(npy, workers, 'importing NumPy, making the matrices')} In the convoy program the GIL was held "
        f"{held_percents(cv)[0]}% of the wall time: the CPU-bound thread ran with it in {own(cv, spinner, 'python')}% "
        f"of its own samples. Of the server thread's own samples, {srv['idle']}% were idle in "
        f"`recv` and {srv['waiting']}% waited for the GIL, {part_words(back, srv['waiting'])} on its "
        f"way back from `recv` with a message to answer: *{cv.verdict.key}*.")


def _earlier(name: str, program: Mapping[str, Any], record: Mapping[str, Any]) -> tuple[bool | None, str, str, Any]:
    """(the earlier measurement holds, what it measured, on which interpreter, with how many threads)."""
    _, _, claim_key = EXPECTED[name]
    if name == "fetch":
        from .countdown import IO_IDEAL_SHARE  # here, not at the top: see FETCH_IDEAL_SHARE

        data = record.get("suites", {}).get("fetch")
        k = int(program.get("workers", 0))
        if data is not None:
            suite = Suite.from_dict(data)
            t = next((t for t in suite.select("fetch", "threads") if t.workers == k), None)
            if t is not None:
                iv = suite.speedup_interval(t)
                need = FETCH_IDEAL_SHARE * k
                return (iv.at_least(need),
                        f"{k} threads fetched the URLs {iv.text()} faster than one after another; the ideal is "
                        f"{k}×, and {FETCH_IDEAL_SHARE:.0%} of it, {need:.1f}×, is that chapter's bar for scaling "
                        f"(for a pool started before the clock; {{doc}}`cpu-vs-io`, whose runs start new threads "
                        f"inside their timing, asks {IO_IDEAL_SHARE:.0%}).",
                        _python_of(suite.metadata), k)
    claim = record["claims"][claim_key]
    holds = None if claim.get("state") == "undecided" else bool(claim["holds"])
    ev = claim.get("evidence", {})
    on = ev.get("build") or ev.get("label") or _python_of(record.get("metadata", {}))
    return holds, quote_claim(claim, record), str(on), ev.get("n")


def quote_claim(claim: Mapping[str, Any], record: Mapping[str, Any]) -> str:
    """An earlier chapter's *claim* (its record's dict) as a quotation fit for this page: without its
    sentences about things on its own page (:func:`gilref.core.quoting.quotable`; the quote then says that
    chapter checked more), and with a caveat when a measurement of *record* broke an invariant."""
    text, dropped = quote(str(claim["text"]).replace("**", ""))
    out = "\u201c" + text + "\u201d"
    chapter = str(record.get("chapter", ""))
    if dropped:
        out += " " + aside(dropped).replace("Its chapter", "That chapter")
    caveat = invariant_caveat(record.get("invariants") or {}, where=f"{{doc}}`{chapter}`" if chapter else "that page")
    return out + (f" {caveat}" if caveat else "")


def agreement_verdict(name: str, d: Diagnosis, program: Mapping[str, Any], record: Mapping[str, Any]) -> Claim:
    """Does the diagnosis of program *name* agree with the earlier chapter's measurement of the same workload?

    The earlier measurement (:data:`EXPECTED`) is the consequence of the
    expected verdict (threads did not help the countdown, threads scaled the
    fetches, threads sped up NumPy, the CPU-bound thread slowed the server
    down). For ``fetch`` it is read at the diagnosed thread count from the
    fetching chapter's suite (like with like), decided on its interval against
    :data:`FETCH_IDEAL_SHARE`. They agree when both hold or neither does; the
    check is undecided when the earlier measurement is. The sentence names
    both interpreters and says so when they differ.
    """
    expected, chapter, _ = EXPECTED[name]
    earlier_holds, earlier, theirs, their_threads = _earlier(name, program, record)
    ours = _python_of(d.metadata)
    k = program.get("workers")
    mine = f" with {k} threads" if k else ""
    their = f" with {their_threads} threads" if their_threads else ""
    where = f"(Diagnosed on {ours}{mine}; that chapter measured on {theirs}{their}.)"
    if theirs.split(" (")[0].split()[-1] != ours.split(" (")[0].split()[-1]:
        where += (" The interpreters differ, so the two can agree in kind (what limits the program), not in "
                  "size.")
    match = d.verdict.key == expected
    reason = d.verdict.reason[:1].upper() + d.verdict.reason[1:]
    return check(
        f"agrees_{name}",
        f"gilref diagnose's verdict on the {name} program agrees with {chapter}'s measurement",
        None if earlier_holds is None else match == earlier_holds,
        name=name, verdict=d.verdict.key, expected=expected, chapter=chapter, earlier=earlier, reason=reason,
        where=where, ours=ours, theirs=theirs,
        supported="**{name}: {verdict}, and {{doc}}`{chapter}` agrees.** {reason}. That chapter measured: "
                  "{earlier} {where}",
        contradicted="For the {name} program the diagnosis says *{verdict}* ({reason}), but {{doc}}`{chapter}` "
                     "measured: {earlier} {where} Either one of the two measurements was disturbed (see that "
                     "chapter) or the verdict's rule does not fit this host.",
        unclear="For the {name} program the diagnosis says *{verdict}* ({reason}), but {{doc}}`{chapter}` could "
                "not decide its own measurement in this build ({earlier}), so the two cannot be compared. {where}",
    )


def _ratio_text(iv: Interval) -> str:
    """The interval as text with its range shown: at three decimals when two would show a point."""
    text = iv.text()
    return text if "(" in text else iv.text(".3f")


def faster_sampled_reason(one: Mapping[str, Any], two: Mapping[str, Any]) -> str:
    """Why the two-thread countdown ran faster sampled than alone, from the runs (``overhead`` on one
    and on two threads, the same count).

    Two threads contending for the GIL on two CPUs take longer than one thread for the same count: the
    hand-offs cost. When the two-thread runs alone took longer than the one-thread runs alone beyond
    their spread (``ratio_interval`` wholly above 1), pausing the threads for each sample had that cost
    to remove, and the clause says so with both figures; otherwise there was no hand-off cost to
    remove, and the clause says the host's load must have varied between the runs.
    """
    contention = ratio_interval(two["alone"], one["alone"])
    sampled = ratio_interval(two["diagnosed"], one["alone"])
    if contention.low > 1:
        return (f"alone, two threads took {_ratio_text(contention)} the time of one thread for the same count, "
                f"the cost of handing the GIL between them, and {_ratio_text(sampled)} when sampled: pausing the "
                "threads for each sample changed how they hand the GIL to each other and cut that cost")
    beyond = (f", and {_ratio_text(sampled)} when sampled, faster than one thread alone, which one GIL does not "
              "allow" if sampled.high < 1 else "")
    return (f"alone, two threads took {_ratio_text(contention)} the time of one thread for the same count, no "
            f"hand-off cost beyond the runs' spread for pausing to remove{beyond}; so this host's load varied "
            "between the runs")


def _cost(iv: Interval, threads: int, faster_why: str = "") -> str:
    if iv.high < 1:
        why = faster_why or ("this host's load varied between the runs, since sampling cannot speed one thread up"
                             if threads == 1 else "this host's load varied between the runs, or pausing the threads "
                             "changed how they hand the GIL to each other")
        return f"{_ratio_text(iv)}, faster under sampling ({why}): no measurable cost"
    if iv.low <= 1 and iv.high >= 1 + OVERHEAD_MAX:
        return (f"{_ratio_text(iv)}, an interval that includes 1 and reaches past {1 + OVERHEAD_MAX:.2f}: no "
                f"cost is established, and neither is one under {OVERHEAD_MAX:.0%}")
    if iv.low <= 1:
        return f"{_ratio_text(iv)}, an interval that includes 1: no measurable cost"
    return f"{_ratio_text(iv)}: a cost of about {iv.median - 1:.0%}"


#: Two countdowns' times per step count as the same pace when they differ by at most this fraction.
PACE_SLACK = 0.10


def size_text(one: Mapping[str, Any], reference: Mapping[str, Any] | None = None) -> str:
    """The sampling cost's countdown beside the CPU-bound versus I/O-bound chapter's (*reference*, its
    record): the step count of each, a sentence saying they differ in size, and their times per step on
    one thread, with the hosts' loads when each started when the paces differ by more than
    :data:`PACE_SLACK`. ``""`` when *one* records no count."""
    count = one.get("count")
    if not isinstance(count, int) or count <= 0:
        return ""
    here = statistics.median(one["alone"]) / count
    suite = ((reference or {}).get("suites") or {}).get("countdown")
    if suite is None:
        return f" This countdown has {count:,} steps in all."
    seq = Suite.from_dict(suite).baseline("countdown")
    ref_n = int(seq.params.get("n", 0))
    if ref_n <= 0:
        return f" This countdown has {count:,} steps in all."
    there = seq.median / ref_n
    size = ("the same size as" if ref_n == count else "a different size from")
    text = (f" This countdown has {count:,} steps in all, {size} the {ref_n:,} of {{doc}}`cpu-vs-io` (one "
            f"thread: {seq.median:.3f} s there), and runs as a program of its own, in a new process each run. Per "
            f"step, one thread took {here * 1e9:.1f} ns here and {there * 1e9:.1f} ns there")
    if abs(here / there - 1) <= PACE_SLACK:
        return text + ": the same pace."
    ours = load(one.get("load_average"))
    theirs = load(Suite.from_dict(suite).metadata.get("load_average"))
    if ours is None or theirs is None:
        return text + (", and the host's load as each started was not recorded for both. This page does not record "
                       "what else ran during either; running the two countdowns in turns would tell the host's part "
                       "from the programs'.")
    slower_here = here > there
    busier_here = ours > theirs
    if slower_here == busier_here:
        return (text + f": the slower ran on the busier host (1-minute load average {ours:.1f} as these runs "
                f"started, {theirs:.1f} as that chapter's did).")
    return (text + f", which the host's load as each started does not explain (1-minute load average {ours:.1f} "
            f"here, {theirs:.1f} there). This page does not record what else ran during the runs; running the two "
            "countdowns in turns would tell the host's part from the programs'.")


def overhead_verdict(one: Mapping[str, Any], two: Mapping[str, Any],
                     reference: Mapping[str, Any] | None = None) -> Claim:
    """Does sampling slow the countdown down? (``overhead`` results on one and on two threads.)

    Per run, sampled ÷ alone wall time over the repeats' quartiles
    (:func:`gilref.core.verdicts.ratio_interval`). Holds when both whole
    intervals are below ``1 + OVERHEAD_MAX``, is contradicted when one whole
    interval is at or above it, and is undecided otherwise; an interval that
    includes 1 is stated as no measurable cost (and, when it reaches past the bar, as no cost under
    it established either). Two threads clearly faster sampled than alone get the reason the runs
    give (:func:`faster_sampled_reason`). Both runs must use the same count. *reference* (the record of
    the CPU-bound versus I/O-bound chapter) sets this countdown's size beside that chapter's
    (:func:`size_text`).
    """
    a = ratio_interval(one["diagnosed"], one["alone"])
    b = ratio_interval(two["diagnosed"], two["alone"])
    states = [a.below(1 + OVERHEAD_MAX), b.below(1 + OVERHEAD_MAX)]
    holds = False if False in states else None if None in states else True
    return check(
        "sampling_cost", f"sampling with py-spy at {one['rate_hz']} Hz costs the program less than "
        f"{OVERHEAD_MAX:.0%} of its time",
        holds, one=a, two=b, rate=one["rate_hz"], n=len(one["alone"]), max=OVERHEAD_MAX * 100,
        alone=statistics.median(one["alone"]), sampled=statistics.median(one["diagnosed"]),
        c1=_cost(a, 1), c2=_cost(b, 2, faster_sampled_reason(one, two)), size=size_text(one, reference),
        supported="**Sampling cost little.** On one thread the countdown took a median of {alone:.2f} s alone "
                  "and {sampled:.2f} s sampled at {rate} Hz ({n} runs each, interleaved); sampled ÷ alone: {c1}. "
                  "On two threads contending for the GIL: {c2}.{size}",
        contradicted="Sampling at {rate} Hz slowed the countdown measurably: on one thread {c1}; on two threads "
                     "{c2} ({n} runs each, interleaved; the bar is {max:.0f}%).{size}",
        unclear="The runs are too spread out to tell whether sampling at {rate} Hz costs under {max:.0f}%: on "
                "one thread {c1}; on two threads {c2} ({n} runs each, interleaved).{size}",
    )
