"""What sending data to a worker process costs: seconds per payload, as the payload grows."""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Sequence
from functools import partial

from ...core._checks import check_int, check_seconds
from ...core.harness import MIN_REPEATS, interleave
from ...core.hostinfo import collect_metadata
from ...core.results import Suite, Timing
from ._pools import context, managed_pool, method_of, warm
from ._workers import echo, payload_size

#: Payload sizes of :func:`pickling_suite` by default, in bytes (1 KiB ... 64 MiB).
DEFAULT_SIZES = (1 << 10, 1 << 14, 1 << 18, 1 << 22, 1 << 26)
#: Bytes a sample moves at least, counting calls: a small payload's call takes a
#: fraction of a millisecond, so one call per sample is one scheduler hiccup away
#: from doubling; a sample of several calls (their mean) is what the chapter
#: compares between one way and a round trip.
SAMPLE_BYTES = 1 << 20
#: At most this many calls per sample (a 1 KiB sample then lasts about 10 ms).
MAX_CALLS = 50


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

    Three ways per size, taking turns repeat by repeat after one unmeasured run each
    (:func:`gilref.core.harness.interleave`):

    ``"pickle"``
        ``pickle.loads(pickle.dumps(data))`` in this process: serialising alone;
    ``"argument"``
        ``pool.submit(payload_size, data).result()``: the payload goes to the
        worker, an int comes back;
    ``"round-trip"``
        ``pool.submit(echo, data).result()``: the payload goes there and back.

    Each sample is the mean of :func:`calls_per_sample` calls in a row (seconds per
    call), so that the sub-millisecond calls of a small payload are not decided
    by one hiccup of the scheduler; before each worker sample one untimed empty
    call wakes the worker, so that neither way pays for waking a worker left idle
    by the mode before it (on a loaded host that wake-up, always paid by the mode
    after ``"pickle"``, made one way slower than a round trip).

    Timings: workload ``f"payload-{size}"``, workers 1, params ``{"bytes": size,
    "calls_per_sample": k}``. The pool (one worker) is started and warmed up
    before any clock runs.

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
    modes = ("pickle", "argument", "round-trip")
    values: dict[tuple[int, str], list[float]] = {}
    with managed_pool(1, start_method) as pool:
        warm(pool, 1, timeout)
        for size in sizes:
            data = os.urandom(min(size, 1 << 16)) * (size // (1 << 16)) + os.urandom(size % (1 << 16))

            calls = calls_per_sample(size)

            def run(mode: str, data: bytes = data, calls: int = calls) -> float:
                if mode != "pickle":  # wake the worker off the clock: the mode before may have left it idle
                    pool.submit(payload_size, b"").result(timeout)
                start = time.perf_counter()
                for _ in range(calls):
                    if mode == "pickle":
                        pickle.loads(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
                    elif mode == "argument":
                        pool.submit(payload_size, data).result(timeout)
                    else:
                        pool.submit(echo, data).result(timeout)
                return (time.perf_counter() - start) / calls

            measured, _ = interleave([partial(run, m) for m in modes], repeats=repeats, warmups=1)
            for mode, vals in zip(modes, measured):
                values[(size, mode)] = vals
            del data, run
    suite = Suite(metadata=collect_metadata())
    method = method_of(ctx)
    for size in sizes:
        for mode in modes:
            suite.add(Timing(f"payload-{size}", mode, 1, tuple(values[(size, mode)]), (),
                             {"bytes": size, "start_method": method,
                              "calls_per_sample": calls_per_sample(size)}))
    return suite
