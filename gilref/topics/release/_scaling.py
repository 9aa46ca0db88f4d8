"""Each kind of work on 1, 2, ... N threads, the same total work on every thread count."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

from ...core._checks import check_int, check_seconds
from ...core.harness import DEFAULT_TIMEOUT, MIN_REPEATS, compare, thread_counts
from ...core.hostinfo import collect_metadata
from ...core.results import Suite
from ...core.workloads import split_count
from ._kinds import KINDS, available_kinds, make_work
from ._work import Work


def _lcm(values: Sequence[int]) -> int:
    out = 1
    for v in values:
        out = out * v // math.gcd(out, v)
    return out


def calibrate(work: Work, target: float, *, multiple: int = 1, tries: int = 3,
              seconds_per_unit: list[float] | None = None) -> int:
    """How many units of *work* take about *target* seconds on one thread.

    After a warmup unit, times batches of 1, 2, 4, ... units until a batch
    lasts at least a tenth of *target*, then times that batch *tries* times
    and keeps the fastest. The answer is rounded up to a multiple of
    *multiple* (so the units split evenly between thread counts) and is at
    least *multiple*.

    :param target: seconds the whole job should take on one thread (> 0).
    :param seconds_per_unit: if given, a list this appends the calibrated seconds per unit to
        (the fastest batch's time over its units), so that the job it predicts can be set beside
        the job as measured.
    :returns: a number of units.
    """
    check_seconds("target", target, allow_zero=False)
    check_int("multiple", multiple, minimum=1)
    check_int("tries", tries, minimum=1)

    def timed(units: int) -> float:
        start = time.perf_counter()
        work.run(units)
        return time.perf_counter() - start

    work.run(1)
    batch = 1
    while timed(batch) < target / 10 and batch < 1 << 20:
        batch *= 2
    best = min(timed(batch) for _ in range(tries))
    if seconds_per_unit is not None:
        seconds_per_unit.append(best / batch)
    units = math.ceil(target * batch / max(best, 1e-9))
    return max(multiple, math.ceil(units / multiple) * multiple)


def scaling_suite(
    kinds: Sequence[str] | None = None,
    threads: Sequence[int] | None = None,
    *,
    target: float = 0.2,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
    options: dict[str, dict[str, Any]] | None = None,
) -> Suite:
    """Measure each kind of work on one thread and on more, same total work each time.

    For each kind, :func:`calibrate` picks a number of units that takes about
    *target* seconds on one thread; the units are split evenly between the
    threads of each configuration (``"sequential"`` for one thread, then
    ``"threads"`` for each further count) and the configurations are timed
    interleaved by :func:`gilref.core.harness.compare`.

    :param kinds: kinds from :data:`KINDS` (default: every kind available here).
    :param threads: thread counts (default: :func:`gilref.core.harness.thread_counts`); 1 is always measured.
    :param target: seconds of work per job on one thread (> 0).
    :param timeout: seconds one run of one configuration may take.
    :param options: per-kind keyword arguments for the :class:`Work` classes.
    :returns: a suite with one workload per kind, seconds per job; each timing's
        params hold ``units``, the unit's sizes and ``label``.
    :raises WorkUnavailable: if a kind named in *kinds* cannot run here.
    """
    if kinds is None:
        kinds = [k for k, why in available_kinds().items() if why is None]
    if isinstance(kinds, str) or not kinds:
        raise ValueError("kinds must be a non-empty list of kind names")
    for k in kinds:
        if k not in KINDS:
            raise ValueError(f"kinds: unknown kind {k!r}; choose from {', '.join(KINDS)}")
    counts = thread_counts() if threads is None else [check_int("threads", t, minimum=1) for t in threads]
    counts = sorted(set(counts) | {1})
    check_seconds("target", target, allow_zero=False)
    options = dict(options or {})
    multiple = _lcm(counts)
    if multiple > 60:
        multiple = max(counts)
    configs = [("sequential", 1)] + [("threads", c) for c in counts if c > 1]
    suite = Suite(metadata=collect_metadata())
    for kind in kinds:
        with make_work(kind, max(counts), **options.get(kind, {})) as work:
            per_unit: list[float] = []
            units = calibrate(work, target, multiple=multiple, seconds_per_unit=per_unit)
            params = {"units": units, "unit": work.unit, "label": work.label,
                      "target_s": target, "calibrated_s": per_unit[0] * units,
                      "releases_gil": work.releases_gil, **work.params()}

            def tasks(workers: int, units: int = units) -> list[tuple[Any, ...]]:
                return [(c,) for c in split_count(units, workers)]

            compare(
                work.run,
                tasks,
                configs=configs,
                repeats=repeats,
                warmups=warmups,
                workload=kind,
                params=params,
                timeout=timeout,
                suite=suite,
            )
    return suite
