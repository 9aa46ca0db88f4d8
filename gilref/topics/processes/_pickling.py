"""What sending data to a worker process costs: seconds per payload, as the payload grows."""

from __future__ import annotations

import os
import pickle
import statistics
import threading
import time
from collections.abc import Sequence
from typing import Any

from ...core._checks import check_int, check_seconds
from ...core.harness import MIN_REPEATS
from ...core.hostinfo import collect_metadata
from ...core.results import Suite, Timing
from ._pools import context, managed_pool, method_of, warm
from ._workers import echo, held_payload, payload_size

try:
    import resource
except ImportError:  # Windows: no getrusage
    resource = None  # type: ignore[assignment]

#: Payload sizes of :func:`pickling_suite` by default, in bytes (1 KiB ... 64 MiB).
DEFAULT_SIZES = (1 << 10, 1 << 14, 1 << 18, 1 << 22, 1 << 26)
#: Bytes a sample moves at least, counting calls: a small payload's call takes a
#: fraction of a millisecond, so one call per sample is one scheduler hiccup away
#: from doubling; a sample of several calls (their mean) is what the chapter
#: compares between one way and a round trip.
SAMPLE_BYTES = 1 << 20
#: At most this many calls per sample and way (a 1 KiB sample then lasts about 20 ms per way).
MAX_CALLS = 100


def minor_faults() -> int | None:
    """Minor page faults this process has taken so far (``getrusage``), or None where there is no such count."""
    return None if resource is None else int(resource.getrusage(resource.RUSAGE_SELF).ru_minflt)


def calls_per_sample(size: int) -> int:
    """How many calls one sample of a *size*-byte payload times (1 for big payloads, up to ``MAX_CALLS``)."""
    return max(1, min(MAX_CALLS, SAMPLE_BYTES // max(size, 1)))


def pickling_suite(
    sizes: Sequence[int] = DEFAULT_SIZES,
    *,
    repeats: int = MIN_REPEATS,
    start_method: str | None = None,
    timeout: float = 120.0,
) -> Suite:
    """Seconds to hand a ``bytes`` payload of each size to a running worker process.

    Three ways per size:

    ``"pickle"``
        ``pickle.loads(pickle.dumps(data))`` in this process: serialising alone;
    ``"argument"``
        ``pool.submit(payload_size, data).result()``: the payload goes to the
        worker, an int comes back;
    ``"round-trip"``
        ``pool.submit(echo, data).result()``: the payload goes there and back;
    ``"result"``
        ``pool.submit(held_payload, size).result()``: an int goes to the worker, a
        payload of that size it already holds comes back (the way back alone).

    The three worker ways are measured together, call by call in turns
    (their order rotated each call), so that whatever slows the host falls on
    both alike: one way is a part of a round trip, and measured apart, a burst
    of other work on one of them made one way look slower. Each sample of a
    worker way is the median of :func:`calls_per_sample` calls (seconds per
    call), so that the sub-millisecond calls of a small payload are not decided
    by one hiccup of the scheduler; before each pair of samples one untimed
    empty call wakes the worker. Pickling here takes turns with the pair,
    repeat by repeat, after one unmeasured round of each.

    Timings: workload ``f"payload-{size}"``, workers 1, params ``{"bytes": size,
    "calls_per_sample": k}``, and for ``"pickle"`` where ``getrusage`` exists
    ``"minor_faults_per_call"``: the median over samples of the minor page faults this process
    took per pickling call (fresh pages the kernel had to map in). The pool (one worker) is started and warmed up
    before any clock runs. The metadata's ``threads`` is how many threads this
    process ran (the pool's manager thread, which reads each result, shares the
    GIL with them).

    :param sizes: payload sizes in bytes (each >= 0).
    :param timeout: seconds one call to the worker may take.
    """
    if not sizes:
        raise ValueError("sizes must list at least one payload size")
    for s in sizes:
        check_int("sizes", s, minimum=0)
    check_int("repeats", repeats, minimum=MIN_REPEATS)
    check_seconds("timeout", timeout, allow_zero=False)
    ctx = context(start_method)
    modes = ("pickle", "argument", "round-trip", "result")
    values: dict[tuple[int, str], list[float]] = {}
    faults_per_call: dict[int, float] = {}
    with managed_pool(1, start_method) as pool:
        warm(pool, 1, timeout)
        for size in sizes:
            data = os.urandom(min(size, 1 << 16)) * (size // (1 << 16)) + os.urandom(size % (1 << 16))

            calls = calls_per_sample(size)

            def pickled(data: bytes = data, calls: int = calls) -> tuple[float, float | None]:
                faults, start = minor_faults(), time.perf_counter()
                for _ in range(calls):
                    pickle.loads(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
                took, after = (time.perf_counter() - start) / calls, minor_faults()
                return took, None if faults is None or after is None else (after - faults) / calls

            def paired(turn: int, data: bytes = data, calls: int = calls,
                       size: int = size) -> tuple[float, float, float]:
                pool.submit(payload_size, b"").result(timeout)  # wake the worker off the clock
                ways: list[tuple[Any, Any]] = [(payload_size, data), (echo, data), (held_payload, size)]
                got_ways: dict[Any, list[float]] = {fn: [] for fn, _a in ways}
                for i in range(calls):
                    k = (turn + i) % len(ways)
                    for fn, arg in ways[k:] + ways[:k]:
                        start = time.perf_counter()
                        pool.submit(fn, arg).result(timeout)
                        got_ways[fn].append(time.perf_counter() - start)
                return tuple(statistics.median(got_ways[fn]) for fn, _a in ways)  # type: ignore[return-value]

            pool.submit(held_payload, size).result(timeout)  # the worker makes its payload off the clock
            got: dict[str, list[float]] = {m: [] for m in modes}
            page_faults: list[float] = []
            for turn in range(repeats + 1):  # the first round is a warm-up, not kept
                here, fl = pickled()
                one_way, both, back = paired(turn)
                if turn:
                    got["pickle"].append(here)
                    if fl is not None:
                        page_faults.append(fl)
                    got["argument"].append(one_way)
                    got["round-trip"].append(both)
                    got["result"].append(back)
            for mode in modes:
                values[(size, mode)] = got[mode]
            if page_faults:
                faults_per_call[size] = statistics.median(page_faults)
            del data, pickled, paired
        threads = threading.active_count()
    suite = Suite(metadata=collect_metadata())
    suite.metadata["threads"] = threads
    method = method_of(ctx)
    for size in sizes:
        for mode in modes:
            params: dict[str, Any] = {"bytes": size, "start_method": method, "calls_per_sample": calls_per_sample(size)}
            if mode == "pickle" and size in faults_per_call:
                params["minor_faults_per_call"] = faults_per_call[size]
            suite.add(Timing(f"payload-{size}", mode, 1, tuple(values[(size, mode)]), (), params))
    return suite
