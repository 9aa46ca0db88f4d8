"""The cooperative counterpart: waits gathered on one asyncio event loop overlap on one thread."""

from __future__ import annotations

import asyncio
import time

from ...core._checks import check_int, check_seconds
from ...core.harness import MIN_REPEATS, MeasurementTimeout, run_threads
from ...core.results import Timing


async def _gather_sleeps(tasks: int, seconds: float) -> float:
    start = time.perf_counter()
    await asyncio.gather(*(asyncio.sleep(seconds) for _ in range(tasks)))
    return time.perf_counter() - start


def asyncio_waits(tasks: int = 3, seconds: float = 1.0, *, repeats: int = MIN_REPEATS) -> Timing:
    """Time *tasks* waits of *seconds* each gathered on one :mod:`asyncio` event loop.

    Each repeat runs :func:`asyncio.run` on a fresh helper thread (so it also
    works where the calling thread already runs an event loop, as in a
    notebook), started and joined with a deadline by
    :func:`gilref.core.harness.run_threads`.

    :param tasks: how many coroutines wait at once (>= 1).
    :param seconds: each wait, in seconds (> 0).
    :param repeats: how many times to time the whole gather (>= 1).
    :returns: a timing (workload ``"asyncio_waits"``, mode ``"asyncio"``) whose
        values are the wall time of each gather, in seconds.
    :raises TimeoutError: if a gather overshoots ``tasks * seconds + 30`` seconds.
    """
    check_int("tasks", tasks, minimum=1)
    check_seconds("seconds", seconds, allow_zero=False)
    check_int("repeats", repeats, minimum=1)
    values: list[float] = []

    def one() -> None:
        values.append(asyncio.run(_gather_sleeps(tasks, seconds)))

    limit = tasks * seconds + 30.0
    for _ in range(repeats):
        try:
            run_threads([(one, ())], limit, name="gilref-asyncio")
        except MeasurementTimeout:
            raise TimeoutError(f"{tasks} asyncio waits of {seconds:g} s did not finish within {limit:g} s") from None
    return Timing("asyncio_waits", "asyncio", 1, tuple(values),
                  params={"tasks": tasks, "seconds": seconds, "sequential_s": tasks * seconds})
