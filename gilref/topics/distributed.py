"""Beyond one machine: the countdown on Dask distributed, next to ProcessPoolExecutor.

A Dask cluster is a scheduler and workers (processes, possibly on other
machines) that talk over TCP. :func:`local_cluster` starts one on this host,
bound to 127.0.0.1 with no dashboard, and always closes it (a context manager
with deadlines). :func:`connect` attaches to an existing scheduler by its
address instead: the same code then runs on a real cluster.

:func:`countdown_suite` times the same job on one thread, on a
:class:`~concurrent.futures.ProcessPoolExecutor` and on the cluster;
:func:`overhead_suite` times many tiny tasks to show what scheduling costs
per task. Both interleave the configurations run by run and record seconds.

The task functions here (:func:`tiny`) and in :mod:`gilref.core.workloads` are
plain module-level functions, so workers can import them under every start
method. Dask is imported inside the functions that need it, with a clear
error if it is missing; the rest is standard library.
"""

from __future__ import annotations

import concurrent.futures
import logging
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from typing import Any, Callable

from ..core._checks import check_int, check_seconds
from ..core.harness import COUNTDOWN_PRIME_TASK, MIN_REPEATS, MeasurementTimeout, interleave, prime
from ..core.hostinfo import collect_metadata
from ..core.results import Suite, Timing
from ..core.verdicts import Claim, Interval, Invariant, at_most, check, invariant, ratio_interval
from ..core.workloads import countdown, split_count
from ._crosscheck import fixed_cost, job_size_text, load, overlap, quartile_note
from .processes import managed_pool

__all__ = [
    "DaskUnavailable",
    "alive_factor",
    "config_label",
    "connect",
    "countdown_invariants",
    "countdown_suite",
    "dask_verdict",
    "example_differences",
    "example_page_comparison",
    "example_verdict",
    "local_cluster",
    "min_task_seconds",
    "overhead_invariants",
    "overhead_suite",
    "overhead_verdict",
    "parse_example",
    "per_round",
    "per_task",
    "pool_reference_text",
    "reference_cost",
    "reference_speedup",
    "round_invariants",
    "round_suite",
    "scheduling_extra",
    "shown_us",
    "sound_suite",
    "task_floor_seconds",
    "tiny",
    "trust_text",
]

LOOPBACK = "127.0.0.1"

# -- thresholds of the verdicts and invariants (one place) -----------------------

#: The cluster "runs the countdown in parallel" when the low end of its speedup
#: interval over one process reaches this (×): above what one process could give
#: (1.0×) by a margin for noise, below the 2× two CPUs allow.
PARALLEL_SPEEDUP = 1.3
#: How far above the ideal (N× for N workers, and the CPU count) a speedup's low end
#: may lie before the run is called unsound: 10% (a slowed one-process run).
IDEAL_SLACK = 0.10
#: The overhead a task may cost, as a share of the work it does, for the guide's
#: "big enough" task size (0.10: a tenth of the task goes to scheduling).
OVERHEAD_SHARE = 0.10
#: The example's speedups and per-task costs agree with the chapter's when within
#: the chapter's interval widened by this fraction each way (0.25 = 25%): it runs
#: once per repeat, in a fresh cluster of its own, without warm-up.
EXAMPLE_TOLERANCE = 0.25
#: However wide that band, its upper end stays within this fraction above what the
#: workers can reach on the host's CPUs (a band beyond the cores would accept anything).
EXAMPLE_CAP_SLACK = 0.05
#: The same for the per-task costs, as a factor: a few hundred tiny tasks take
#: milliseconds, which a busy host stretches easily.
EXAMPLE_COST_FACTOR = 2.0
#: How much faster than the pool the cluster may seem before the run is called unsound
#: (0.10 = 10%, on quartiles): a Dask task does the pool's work plus a scheduler's
#: round trip, so the cluster can be at most as fast as the pool, beyond noise.
DASK_OVER_POOL_SLACK = 0.10
#: How far below the processes chapter's speedup for the same pool size this page's
#: pool may fall before the run is called unsound (0.25 = 25% under the low end of
#: that chapter's interval): a smaller count here, but the same pool on the same host.
POOL_REFERENCE_SLACK = 0.25
#: A cluster's countdown time agrees with one task's work plus the chapter's measured round (the
#: cost of sending a run's tasks at once and waiting for them) when within this fraction of that sum
#: either way (0.35 = 35%): the example page's run is a single one, on a cluster of its own.
ROUND_MODEL_SLACK = 0.35
#: Two runs' 1-minute load averages differ enough to name load as a reason for a gap
#: between them when they differ by at least this much (runnable processes).
LOAD_MARGIN = 0.5


class DaskUnavailable(ImportError):
    """``dask.distributed`` is not installed."""


def _dask() -> Any:
    try:
        import dask.distributed
    except ImportError as exc:
        raise DaskUnavailable(
            f"this needs Dask distributed ({exc}): pip install 'dask[distributed]' "
            "(or install gilref's 'docs' dependency group)"
        ) from None
    return dask.distributed


def tiny(i: int) -> int:
    """A task that does next to nothing (returns *i* + 1): its run time is all overhead."""
    return i + 1


@contextmanager
def local_cluster(workers: int, *, timeout: float = 60.0, start_method: str | None = None,
                  profile: bool = True) -> Iterator[Any]:
    """A Dask ``Client`` on a fresh cluster of *workers* single-threaded worker processes.

    The scheduler and workers listen on 127.0.0.1 only, on free ports; the
    dashboards are disabled. On leaving the block the client and the cluster
    are closed, each within *timeout* seconds, even if the block raised.

    :param workers: worker processes (>= 1).
    :param timeout: seconds allowed for starting, and for closing (> 0).
    :param start_method: how worker processes are started (default: Dask's, spawn).
    :param profile: keep each worker's statistical profiler (Dask's default,
        ``distributed.worker.profile.enabled``): a thread that samples the task
        thread's stack every ``distributed.worker.profile.interval`` (10 ms), taking
        the worker's GIL each time. False turns it off.
    :raises DaskUnavailable: if Dask distributed is not installed.
    """
    check_int("workers", workers, minimum=1)
    check_seconds("timeout", timeout, allow_zero=False)
    dd = _dask()
    import dask

    settings: dict[str, Any] = {"distributed.comm.timeouts.connect": f"{timeout}s"}
    if not profile:
        settings["distributed.worker.profile.enabled"] = False
    if start_method is not None:
        settings["distributed.worker.multiprocessing-method"] = start_method
    with dask.config.set(settings):
        cluster = dd.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host=LOOPBACK,
            scheduler_port=0,
            dashboard_address=None,
            worker_dashboard_address=None,
            # Without a dashboard the scheduler still serves HTTP (health, metrics), by default on
            # port 8787: another cluster there made it warn and move. A free loopback port instead.
            scheduler_kwargs={"dashboard": False, "dashboard_address": f"{LOOPBACK}:0"},
            silence_logs=logging.ERROR,
            protocol="tcp://",
        )
        try:
            client = dd.Client(cluster, timeout=timeout)
            try:
                client.wait_for_workers(workers, timeout=timeout)
                yield client
            finally:
                client.close(timeout=timeout)
        finally:
            cluster.close(timeout=timeout)


@contextmanager
def connect(address: str, *, timeout: float = 30.0) -> Iterator[Any]:
    """A Dask ``Client`` connected to the scheduler at *address* (e.g. ``"tcp://10.0.0.5:8786"``).

    The cluster is not ours: leaving the block closes the client only.
    """
    if not isinstance(address, str) or "://" not in address:
        raise ValueError(f"address must look like 'tcp://host:port', got {address!r}")
    check_seconds("timeout", timeout, allow_zero=False)
    dd = _dask()
    client = dd.Client(address, timeout=timeout)
    try:
        yield client
    finally:
        client.close(timeout=timeout)


def _on_dask(client: Any, func: Callable[..., Any], args: Sequence[Any], timeout: float) -> list[Any]:
    """Run ``func(a)`` for each *a* on the cluster and wait for every result.

    ``pure=False`` gives every task a unique key, so Dask never reuses an
    earlier result for equal arguments.
    """
    dd = _dask()
    futures = client.map(func, list(args), pure=False)
    try:
        _done, pending = dd.wait(futures, timeout=timeout, return_when="ALL_COMPLETED")
        if pending:
            raise MeasurementTimeout(f"{len(pending)} Dask task(s) did not finish within {timeout:g} s")
        return list(client.gather(futures))
    finally:
        client.cancel(futures)


def _on_pool(pool: concurrent.futures.ProcessPoolExecutor, func: Callable[..., Any], args: Sequence[Any],
             timeout: float) -> list[Any]:
    futures = [pool.submit(func, a) for a in args]
    _done, pending = concurrent.futures.wait(futures, timeout=timeout)
    if pending:
        for f in pending:
            f.cancel()
        raise MeasurementTimeout(f"{len(pending)} process-pool task(s) did not finish within {timeout:g} s")
    return [f.result() for f in futures]


def set_profiling(on: bool, dask_worker: Any = None) -> bool:
    """Start or stop a Dask worker's statistical profiler; run it on every worker with
    ``client.run(set_profiling, on)`` (Dask passes *dask_worker*, and runs it on the
    worker's event loop). :returns: whether the worker had a profiler to switch."""
    pc = getattr(dask_worker, "periodic_callbacks", {}).get("profile")
    if pc is None:
        return False
    if on:
        pc.start()
    else:
        pc.stop()
    return True


def _unprofiled(client: Any, run: Callable[[], Any]) -> float:
    """Seconds one ``run()`` takes with every worker's profiler stopped (it is stopped and
    started again off the clock)."""
    client.run(set_profiling, False)
    try:
        return _seconds(run)
    finally:
        client.run(set_profiling, True)


def profile_interval_s() -> float | None:
    """The installed Dask's ``distributed.worker.profile.interval`` in seconds, or None when
    profiling is off (``distributed.worker.profile.enabled``)."""
    import dask
    from dask.utils import parse_timedelta

    if not dask.config.get("distributed.worker.profile.enabled", True):
        return None
    return float(parse_timedelta(dask.config.get("distributed.worker.profile.interval"), default="ms"))


def _seconds(call: Callable[[], Any]) -> float:
    """Wall-clock seconds one ``call()`` takes."""
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _interleave(
    runs: Sequence[tuple[str, int, Callable[[], Any]]],
    workload: str,
    *,
    repeats: int,
    warmups: int,
    params: dict[str, Any],
    metadata: dict[str, Any],
    self_timed: Sequence[str] = (),
) -> Suite:
    """The *runs* taking turns; a run whose mode is in *self_timed* returns its own seconds."""
    suite = Suite(metadata=metadata)
    calls = [run if m in self_timed else partial(_seconds, run) for m, _w, run in runs]
    values, warm = interleave(calls, repeats=repeats, warmups=warmups)
    for i, (mode, w, _run) in enumerate(runs):
        suite.add(Timing(workload, mode, w, tuple(values[i]), tuple(warm[i]), dict(params)))
    return suite


def _check_common(repeats: int, warmups: int, timeout: float) -> None:
    check_int("repeats", repeats, minimum=MIN_REPEATS)
    check_int("warmups", warmups, minimum=0)
    check_seconds("timeout", timeout, allow_zero=False)


_PRIMED = (countdown, COUNTDOWN_PRIME_TASK)


def _pool(workers: int, start_method: str | None) -> AbstractContextManager[concurrent.futures.ProcessPoolExecutor]:
    """A pool whose workers prime the countdown as they start (see gilref.core.harness.PRIME_CALLS),
    killed rather than waited for if the block raises (:func:`gilref.topics.processes.managed_pool`)."""
    return managed_pool(workers, start_method, primed=_PRIMED)


def _warm_pool(pool: concurrent.futures.ProcessPoolExecutor, workers: int, timeout: float) -> None:
    """Make the pool start all its workers now, before any timing."""
    _on_pool(pool, time.sleep, [0.05] * (2 * workers), timeout)


def _three_ways(
    client: Any,
    func: Callable[[Any], Any],
    args: Sequence[Any],
    workers: int,
    workload: str,
    params: dict[str, Any],
    *,
    repeats: int,
    warmups: int,
    timeout: float,
    start_method: str | None,
    unprofiled: bool = False,
    rounds: int = 1,
) -> Suite:
    """``func(a)`` for each of *args*, timed three ways, interleaved: one after another
    here (mode ``"sequential"``), on a started pool of *workers* processes
    (``"processes"``) and on the cluster behind *client* (``"dask"``); with
    *unprofiled*, a fourth: the cluster with its workers' profilers stopped
    (``"dask-unprofiled"``, timed off the profiler's switching). One run sends all of
    *args* at once and waits for every result, *rounds* times over. *timeout* seconds
    allowed for one round."""
    def repeated(send: Callable[[], Any]) -> Callable[[], Any]:
        return send if rounds == 1 else (lambda: [send() for _ in range(rounds)])

    with _pool(workers, start_method) as pool:
        _warm_pool(pool, workers, timeout)
        runs: list[tuple[str, int, Callable[[], Any]]] = [
            ("sequential", 1, repeated(lambda: [func(a) for a in args])),
            ("processes", workers, repeated(lambda: _on_pool(pool, func, args, timeout))),
            ("dask", workers, repeated(lambda: _on_dask(client, func, args, timeout))),
        ]
        if unprofiled:
            runs.append(("dask-unprofiled", workers,
                         lambda: _unprofiled(client, lambda: _on_dask(client, func, args, timeout))))
        return _interleave(runs, workload, repeats=repeats, warmups=warmups, params=params,
                           metadata=collect_metadata(), self_timed=("dask-unprofiled",))


def countdown_suite(
    client: Any,
    n: int = 20_000_000,
    workers: int = 2,
    *,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = 300.0,
    start_method: str | None = None,
    unprofiled: bool = True,
) -> Suite:
    """The countdown of *n* steps on one thread, on a process pool and on the cluster.

    The steps are split into *workers* equal tasks for the pool (*workers*
    processes, started before timing) and for the cluster behind *client*.
    Workload ``"countdown"``; modes ``"sequential"``, ``"processes"``, ``"dask"``,
    and with *unprofiled* ``"dask-unprofiled"``: the same on the same cluster with
    each worker's statistical profiler stopped (``set_profiling``), to measure
    what it costs. The metadata's ``dask_profile_interval_s`` is the profiler's
    sampling interval in the cluster's configuration (None when it is off).

    :param client: a Dask client (see :func:`local_cluster`, :func:`connect`).
    :param timeout: seconds allowed for one run (> 0).
    """
    check_int("n", n, minimum=1)
    check_int("workers", workers, minimum=1)
    _check_common(repeats, warmups, timeout)
    shares = split_count(n, workers)
    prime(*_PRIMED)  # here, before the pool forks; the cluster's workers below
    client.run(prime, *_PRIMED)
    suite = _three_ways(client, countdown, shares, workers, "countdown", {"n": n, "tasks": len(shares)},
                        repeats=repeats, warmups=warmups, timeout=timeout, start_method=start_method,
                        unprofiled=unprofiled)
    intervals = list(client.run(profile_interval_s).values())
    suite.metadata["dask_profile_interval_s"] = intervals[0] if intervals else None
    suite.metadata["dask_scheduler"] = str(client.scheduler.address)
    suite.metadata["dask_workers"] = len(client.scheduler_info().get("workers", {}))
    return suite


def one_process_suite(n: int = 20_000_000, workers: int = 2, *, repeats: int = MIN_REPEATS,
                      warmups: int = 1) -> Suite:
    """The countdown of *n* steps (as *workers* shares, one after another) in this process, with no
    cluster running: the baseline :func:`countdown_suite` measures with one alive.

    Workload ``"countdown-alone"``, mode ``"sequential"``, seconds per run.
    """
    check_int("n", n, minimum=1)
    check_int("workers", workers, minimum=1)
    _check_common(repeats, warmups, 60.0)
    shares = split_count(n, workers)
    prime(*_PRIMED)
    return _interleave([("sequential", 1, lambda: [countdown(s) for s in shares])], "countdown-alone",
                       repeats=repeats, warmups=warmups, params={"n": n, "tasks": len(shares)},
                       metadata=collect_metadata())


def overhead_suite(
    client: Any,
    tasks: int = 1000,
    workers: int = 2,
    *,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = 300.0,
    start_method: str | None = None,
) -> Suite:
    """*tasks* calls of :func:`tiny` one by one, on a process pool and on the cluster.

    Each call does almost nothing, so a run's time divided by *tasks* is the
    cost of scheduling one task: submitting it, sending it to a worker,
    running it there and sending the result back. Workload ``"tiny"``; modes
    ``"sequential"`` (plain calls), ``"processes"``, ``"dask"``; values are
    seconds per run of all *tasks*.
    """
    check_int("tasks", tasks, minimum=1)
    check_int("workers", workers, minimum=1)
    _check_common(repeats, warmups, timeout)
    return _three_ways(client, tiny, list(range(tasks)), workers, "tiny", {"tasks": tasks},
                       repeats=repeats, warmups=warmups, timeout=timeout, start_method=start_method)


def round_suite(
    client: Any,
    workers: int = 2,
    rounds: int = 20,
    *,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = 60.0,
    start_method: str | None = None,
) -> Suite:
    """What scheduling costs one run of :func:`countdown_suite`, measured: *workers* calls of
    :func:`tiny` sent at once and waited for, as the countdown sends its *workers* shares,
    *rounds* times per run (one round takes milliseconds, too short to time alone).

    Workload ``"round"``; modes ``"sequential"`` (plain calls), ``"processes"``, ``"dask"``;
    params ``{"tasks": workers, "rounds": rounds}``; values are seconds per run of all
    *rounds* (:func:`per_round` gives seconds per round).

    :param timeout: seconds allowed for one round (> 0).
    """
    check_int("workers", workers, minimum=1)
    check_int("rounds", rounds, minimum=1)
    _check_common(repeats, warmups, timeout)
    return _three_ways(client, tiny, list(range(workers)), workers, "round", {"tasks": workers, "rounds": rounds},
                       repeats=repeats, warmups=warmups, timeout=timeout, start_method=start_method,
                       rounds=rounds)


# -- verdicts and invariants (the chapter calls these) ---------------------------


def config_label(mode: str, workers: int) -> str:
    """The one name the chapter's table and chart both give a configuration of
    :func:`countdown_suite`: ``1 process, no pool``, ``2 pool processes``, ``2 Dask workers``,
    ``2 Dask workers, profiler off``."""
    if mode == "sequential":
        return "1 process, no pool"
    if mode == "dask-unprofiled":
        return f"{workers} Dask workers, profiler off"
    return f"{workers} {'Dask workers' if mode == 'dask' else 'pool processes'}"


def task_floor_seconds(overhead: float, share: float = OVERHEAD_SHARE) -> float:
    """How long a task must compute (s) for an *overhead* (s per task) to be at most *share*
    of it: the book's one rule for a task's minimum size (the choosing guide uses it too)."""
    if overhead < 0 or not 0 < share <= 1:
        raise ValueError(f"need overhead >= 0 and 0 < share <= 1, got {overhead!r}, {share!r}")
    return overhead / share


def shown_us(us: float) -> float:
    """*us* (µs) rounded as this chapter's prose prints a cost per task: whole µs from 10 µs up
    (``1,676``), two decimals below (``0.09``), so that a chart label drawn from it (``{:,g}``)
    reads as the text does."""
    return float(round(us)) if us >= 10 else round(us, 2)


def per_task(tiny_suite: Suite, mode: str) -> Interval:
    """Seconds per task of *mode* in :func:`overhead_suite`'s result, as quartiles over the repeats."""
    t = tiny_suite.get("tiny", mode)
    return Interval.of([v / t.params["tasks"] for v in t.values])


def per_round(round_suite_: Suite, mode: str) -> Interval:
    """Seconds per round of *mode* in :func:`round_suite`'s result (all of a round's tasks sent
    at once and waited for), as quartiles over the repeats."""
    t = round_suite_.get("round", mode)
    return Interval.of([v / t.params["rounds"] for v in t.values])


def scheduling_extra(round_suite_: Suite) -> Interval:
    """What one round of tasks (:func:`round_suite`) cost on the cluster beyond the pool, in seconds:
    the median is the difference of the medians, the ends the widest differences of the quartiles
    (the cluster's first quartile less the pool's third, its third less the pool's first)."""
    d, p = per_round(round_suite_, "dask"), per_round(round_suite_, "processes")
    return Interval(d.low - p.high, d.median - p.median, d.high - p.low)


def min_task_seconds(tiny_suite: Suite, mode: str, share: float = OVERHEAD_SHARE) -> float:
    """How long a task must compute (s) for *mode*'s median overhead per task to be at most
    *share* of it."""
    return task_floor_seconds(per_task(tiny_suite, mode).median, share)


def trust_text(cpu: Suite, reference: Interval | None = None) -> str:
    """Which run to trust when the cluster seemed faster than the pool beyond their spreads
    (``""`` when it did not): a Dask task does a pool task's work plus a scheduler's round
    trip, so one of the two runs was disturbed; the processes chapter's speedup for the same
    pool (*reference*) says which."""
    pool, dsk = cpu.get("countdown", "processes"), cpu.get("countdown", "dask")
    if at_most(list(pool.values), list(dsk.values), slack=DASK_OVER_POOL_SLACK):
        return ""
    sp, sd = cpu.speedup_interval(pool), cpu.speedup_interval(dsk)
    head = (f"But the cluster cannot beat the pool by that much: each Dask task does the same work plus a "
            f"scheduler's round trip, so the pool's {sp.text()} and the cluster's {sd.text()} cannot both be "
            "right.")
    if reference is None:
        return head + (" Without the processes chapter's record this page cannot say which run was "
                       "disturbed: trust neither until a rebuild on a quieter host.")
    if sp.high < reference.low * (1 - POOL_REFERENCE_SLACK):
        return head + (f" The processes chapter's pool of {pool.workers} reached {reference.text()}, so it is "
                       "this page's pool runs that were slowed (other load during their turns): trust the "
                       "cluster's figure and the processes chapter's, not this page's pool.")
    return head + (f" This page's pool agrees with the processes chapter's ({reference.text()}), so it is the "
                   "cluster's figure that is out of line (its one-process baseline, or the pool's turns, "
                   "were disturbed differently): trust the pool's.")


def _distributed_source(path: str) -> str:
    """A link to *path* in dask/distributed at the tag of the installed version (its main
    branch when the version cannot be read)."""
    import importlib.metadata

    try:
        tag = importlib.metadata.version("distributed")
    except importlib.metadata.PackageNotFoundError:
        tag = "main"
    return f"https://github.com/dask/distributed/blob/{tag}/distributed/{path}"


def mechanism_text(cpu: Suite, rounds: Suite | None = None, alone: Suite | None = None) -> str:
    """Why the cluster is slower than the pool, with each part the page measured: a Dask worker runs
    its task in a thread that shares the process's GIL with the worker's event loop, whose profiler
    samples the task (``dask-unprofiled`` timing, when measured), and what scheduling costs one run
    of the countdown's tasks on the cluster beyond the pool (*rounds*, :func:`round_suite`: the same
    number of tasks sent the same way, measured, :func:`scheduling_extra`), then each way's time over
    a perfect split of the one-process work (*alone* when sound) against its own round
    (:func:`split_text`)."""
    dsk, prc = cpu.get("countdown", "dask"), cpu.get("countdown", "processes")
    interval = cpu.metadata.get("dask_profile_interval_s")
    yaml, worker = _distributed_source("distributed.yaml"), _distributed_source("worker.py")
    every = (f"every {interval * 1e3:g} ms (`distributed.worker.profile.interval` in the cluster's configuration, "
             f"[distributed.yaml]({yaml}))" if isinstance(interval, (int, float)) else
             "at the interval `distributed.worker.profile.interval` sets")
    out = (f" Each Dask worker is a process with its own GIL, like a pool process, but it runs each task in a "
           f"thread of its own (the [`Worker`]({worker}) executes tasks in a `ThreadPoolExecutor`), which "
           "shares that GIL with the worker's event loop: the loop answers the scheduler and, "
           f"{every}, walks the running task's stack for Dask's statistical profiler.")
    gap = dsk.median - prc.median
    if gap <= 0:
        return out
    out += f" The cluster's runs took {gap * 1e3:.1f} ms longer than the pool's (medians)."
    unprof = [t for t in cpu.timings if t.mode == "dask-unprofiled"]
    explained = 0.0
    parts: list[str] = []
    if unprof:
        u = unprof[0]
        saved = dsk.median - u.median
        ud, uu = Interval.of(dsk.values), Interval.of(u.values)
        if overlap(ud, uu):
            out += (f" With every worker's profiler stopped, the same cluster took {u.median:.4f} s against "
                    f"{dsk.median:.4f} s: the same within the spread, so the profiler's share is lost in this "
                    "run's noise.")
        elif saved > 0:
            explained += saved
            parts.append("the profiler's share")
            out += (f" With every worker's profiler stopped, the same cluster took {u.median:.4f} s against "
                    f"{dsk.median:.4f} s, {saved * 1e3:.1f} ms less, beyond the spread: the profiler's share "
                    "of the gap.")
        else:
            out += (f" With every worker's profiler stopped, the same cluster took {u.median:.4f} s against "
                    f"{dsk.median:.4f} s: the unprofiled runs were {-saved * 1e3:.1f} ms slower, which stopping "
                    "the profiler cannot cause (it only removes work), so the difference is the host's variation "
                    f"between the two turns (quartiles: profiled {ud.low:.4f}–{ud.high:.4f} s, unprofiled "
                    f"{uu.low:.4f}–{uu.high:.4f} s), "
                    "and this run cannot size the profiler's share.")
    tasks = int(dsk.params.get("tasks", dsk.workers))
    if rounds is None:
        return out + (f" What scheduling costs a run of {tasks} tasks on the cluster was not measured with this "
                      "run, so this page does not break the rest of the gap down.")
    d, p, extra = per_round(rounds, "dask"), per_round(rounds, "processes"), scheduling_extra(rounds)
    r = rounds.get("round", "dask")
    out += (f" Scheduling, measured: {tasks} tasks that do nothing, sent at once as the countdown sends its "
            f"{tasks} shares, took {d.scaled(1e3).text('.2f', ' ms')} per round on the cluster and "
            f"{p.scaled(1e3).text('.2f', ' ms')} on the pool ({r.params['rounds']} rounds per run, quartiles over "
            f"{len(r.values)} runs), so the cluster's scheduling cost {extra.median * 1e3:.2f} ms more per run "
            f"({extra.low * 1e3:.2f} to {extra.high * 1e3:.2f} ms, from those quartiles).")
    if extra.median > 0:
        explained += extra.median
        parts.append("the cluster's extra scheduling")
    rest = gap - explained
    if rest > 0:
        out += (f" That leaves {rest * 1e3:.1f} ms of the gap that this page's measurements do not break down "
                "further.")
    elif parts:
        what = parts[0] if len(parts) == 1 else " and ".join(parts)
        out += (f" {what[0].upper() + what[1:]} {'is' if len(parts) == 1 else 'come to'} {explained * 1e3:.1f} ms, "
                f"more than the whole gap of {gap * 1e3:.1f} ms: the gap is not the cluster's cost alone, so "
                "each way's run is set against its own round.")
    return out + split_text(cpu, rounds, alone)


def split_excess(cpu: Suite, rounds: Suite, alone: Suite | None = None) -> dict[str, tuple[Interval, Interval]]:
    """For the pool (``processes``) and the cluster (``dask``): how much longer a countdown run took
    than a perfect split of the one-process work over its workers (the one-process median, from
    *alone* when :func:`sound_suite` takes it, divided by the workers), as quartiles over the runs,
    and that way's own measured round (:func:`per_round`), both in seconds. A run's excess over the
    perfect split is what sending the shares and collecting the results cost it; its round measures
    that cost with no work in the tasks, so the excess less the round is time the round does not
    explain."""
    sound = sound_suite(cpu, alone)
    base = sound.baseline("countdown")
    out: dict[str, tuple[Interval, Interval]] = {}
    for mode in ("processes", "dask"):
        t = cpu.get("countdown", mode)
        share = base.median / t.workers
        out[mode] = (Interval.of([v - share for v in t.values]), per_round(rounds, mode))
    return out


def split_text(cpu: Suite, rounds: Suite, alone: Suite | None = None) -> str:
    """Each way's excess over a perfect split of the one-process work (:func:`split_excess`) against
    its own round, and which way carries time its round does not explain (decided on the quartiles:
    the excess's first quartile above the round's third)."""
    parts = split_excess(cpu, rounds, alone)
    base = sound_suite(cpu, alone).baseline("countdown")
    workers = cpu.get("countdown", "dask").workers
    out = (f" A perfect split of the one-process work ({base.median:.4f} s) gives each of the {workers} workers "
           f"{base.median / workers * 1e3:.1f} ms.")
    for mode, name in (("dask", "cluster"), ("processes", "pool")):
        over, rnd = parts[mode]
        t = cpu.get("countdown", mode)
        out += (f" The {name}'s runs took {t.median * 1e3:.1f} ms, {over.scaled(1e3).text('.1f', ' ms')} over "
                f"that, against its own round of {rnd.median * 1e3:.2f} ms")
        if over.low > rnd.high:
            out += (f": it carries {(over.median - rnd.median) * 1e3:.1f} ms that its round does not explain "
                    "(other load during its turns, or the cost of shipping and starting real work, which a "
                    "round of empty tasks does not have).")
        else:
            out += ": its round accounts for that."
    return out


def baseline_text(cpu: Suite, alone: Suite | None) -> str:
    """How the one-process baseline measured with the cluster alive compares with the same countdown
    measured before the cluster started (*alone*, ``one_process_suite``), per step, and which
    baseline the speedups stand on (:func:`sound_suite`); ``""`` without *alone*."""
    if alone is None:
        return ""
    with_c, without = cpu.baseline("countdown"), alone.baseline("countdown-alone")
    n = int(with_c.params.get("n", 0)) or 1
    a, b = Interval.of(with_c.values).scaled(1e9 / n), Interval.of(without.values).scaled(1e9 / n)
    before_is_base = sound_suite(cpu, alone) is not cpu
    head = (f" One process took {a.text('.1f', ' ns')} per step with the cluster alive"
            + ("" if before_is_base else " (the baseline of the speedups above)")
            + f" and {b.text('.1f', ' ns')} before it started"
            + (" (the baseline of the speedups above)." if before_is_base else "."))
    if overlap(a, b) or a.median < b.median:
        return head + (" The idle cluster did not slow it beyond the spread." if before_is_base or overlap(a, b) else
                       " The run before the cluster was the slower one, disturbed by other work, so the speedups "
                       "stand on the run with the cluster alive.")
    cpus = cpu.metadata.get("usable_cpus")
    la, lb = load(cpu.metadata.get("load_average")), load(alone.metadata.get("load_average"))
    ra, rb = round(a.median, 1), round(b.median, 1)  # the ratio of the figures as printed
    slower = f" It was {ra / rb - 1:.0%} slower with the cluster alive."
    if la is not None and lb is not None and la - lb >= LOAD_MARGIN:
        why = (f" The host was busier too (a 1-minute load average of {la:.1f} against {lb:.1f} before), so this "
               "page cannot tell the cluster's share from other work's.")
    else:
        why = (" The host's load was no higher, so the cluster is the difference: its scheduler's event loop runs "
               "in this same process and takes the GIL from the countdown when it wakes, and its workers' event "
               f"loops take CPU time{f' on the {cpus} CPUs' if cpus else ''}.")
    p_c, d_c = (cpu.speedup_interval(cpu.get("countdown", m)) for m in ("processes", "dask"))
    beyond = [name for name, x in (("pool", p_c), ("cluster", d_c)) if cpus and x.high > float(cpus)]
    over = (f" The upper end of the {' and the '.join(beyond)}'s would lie above {cpus}×, more than {cpus} CPUs "
            "can give: what lifts it is the slowed baseline, not faster workers, which is why no speedup on this "
            "page (nor the example's check below) stands on it." if beyond else
            " No speedup on this page stands on it.")
    return (head + slower + why + " The pool's and the cluster's work ran in other processes, so that baseline "
            f"would lift their speedups: over it they would read {p_c.text()} (pool) and {d_c.text()} (cluster)."
            + over)


def dask_verdict(cpu: Suite, *, why: str = "", reference: Interval | None = None,
                 rounds: Suite | None = None, alone: Suite | None = None,
                 ref_cost: tuple[float, float] | None = None) -> Claim:
    """Whether the cluster ran the countdown in parallel: the low end of its speedup
    interval over one process at or above ``PARALLEL_SPEEDUP``. The speedups stand on the
    one process timed before the cluster started (*alone*, :func:`sound_suite`) when given.
    With the pool's speedup beside it, what makes the cluster slower (``mechanism_text``,
    given the measured cost of scheduling a run's tasks, *rounds*: :func:`round_suite`), how
    the baseline compares with the one timed with the cluster alive (``baseline_text``), how
    the pool relates to the processes chapter's (*reference*, *ref_cost*: :func:`pool_reference_text`),
    *why* (competing load) when it
    falls short, and which run to trust when the cluster seemed faster than the pool
    (:func:`trust_text`)."""
    sound = sound_suite(cpu, alone)
    dsk, prc = sound.get("countdown", "dask"), sound.get("countdown", "processes")
    s, p = sound.speedup_interval(dsk), sound.speedup_interval(prc)
    trust = trust_text(sound, reference)
    cpus = cpu.metadata.get("usable_cpus")
    more = (quartile_note(s, cpus, "the cluster's interval") + quartile_note(p, cpus, "the pool's interval")
            + mechanism_text(cpu, rounds, alone)
            + baseline_text(cpu, alone)
            + pool_reference_text(sound, reference, ref_cost)).replace("{", "{{").replace("}", "}}")
    return check(
        "dask_verdict", "a Dask cluster runs CPU-bound Python in parallel, like a process pool",
        s.at_least(PARALLEL_SPEEDUP), s=s, p=p, n=dsk.workers, why=why or "no cause is known",
        t=PARALLEL_SPEEDUP, trust=(" " + trust) if trust else "",
        supported="**The cluster did help.** {n} Dask workers ran the countdown at {s} one "
                  "process; {n} pool processes reached {p}." + more + "{trust}",
        contradicted="{n} Dask workers reached only {s} one process here, all of it under {t:g}× "
                     "({n} pool processes: {p}); {why}." + more + "{trust}",
        unclear="{n} Dask workers ran the countdown at {s} one process ({n} pool processes: {p}): the "
                "repeats straddle {t:g}×, so this run cannot say that the cluster ran in parallel; {why}."
                + more + "{trust}")


def overhead_verdict(tiny_suite: Suite) -> Claim:
    """Whether a Dask task costs more than a pool task, decided on the ratio of the
    quartiles of their per-task times (:func:`~gilref.core.verdicts.ratio_interval`)."""
    d, p = tiny_suite.get("tiny", "dask"), tiny_suite.get("tiny", "processes")
    r = ratio_interval([v / d.params["tasks"] for v in d.values], [v / p.params["tasks"] for v in p.values])
    dk, pk = per_task(tiny_suite, "dask").scaled(1e6), per_task(tiny_suite, "processes").scaled(1e6)
    return check(
        "overhead_verdict", "a cluster scheduler costs more per task than a local process pool",
        r.at_least(1.0), d=dk.text(",.0f", " µs"), p=pk.text(",.0f", " µs"), r=r,
        supported="Each Dask task cost {d} of overhead, {r} the process pool's {p}.",
        contradicted="Each Dask task cost {d} and each pool task {p} here ({r}): the "
                     "cluster was not the dearer of the two.",
        unclear="Each Dask task cost {d} and each pool task {p} here: the repeats overlap "
                "({r}), so this run cannot say which is dearer.")


def reference_speedup(processes_record: Mapping[str, Any] | None, workers: int) -> Interval | None:
    """The processes chapter's speedup of a kept pool of *workers* processes on its countdown
    (its record's ``countdown`` suite, mode ``processes``), or None if the record or that
    timing is missing."""
    raw = ((processes_record or {}).get("suites") or {}).get("countdown")
    if not raw:
        return None
    try:
        suite = Suite.from_dict(raw)
        timing = next(t for t in suite.select("countdown", "processes") if t.workers == workers)
        return suite.speedup_interval(timing)
    except (StopIteration, KeyError, ValueError):
        return None


def sound_suite(cpu: Suite, alone: Suite | None) -> Suite:
    """*cpu* (:func:`countdown_suite`) with its one-process baseline replaced by the same countdown
    timed before the cluster started (*alone*, ``one_process_suite``), when given and of the same
    size and faster (a disturbance only slows a run, so the faster baseline is the sound one): the
    baseline the speedups stand on. The cluster's scheduler lives in this process and takes
    the GIL from a countdown run beside it, while the pool's and the cluster's work runs in other
    processes, so a baseline timed with the cluster alive is slowed and lifts every speedup."""
    if alone is None:
        return cpu
    seq, before = cpu.baseline("countdown"), alone.baseline("countdown-alone")
    if before.params.get("n") != seq.params.get("n") or before.median >= seq.median:
        return cpu  # a baseline only ever gets slowed: the faster one is the sound one
    out = Suite(metadata=dict(cpu.metadata))
    for t in cpu.timings:
        out.add(Timing(t.workload, t.mode, t.workers, tuple(before.values), (), dict(t.params))
                if t is seq else t)
    return out


def reference_cost(processes_record: Mapping[str, Any] | None, workers: int) -> tuple[float, float] | None:
    """The processes chapter's one-worker median (s) and its kept pool's fixed cost per run (s,
    ``fixed_cost``) for *workers*, or None without that record."""
    raw = ((processes_record or {}).get("suites") or {}).get("countdown")
    if not raw:
        return None
    try:
        suite = Suite.from_dict(raw)
        timing = next(t for t in suite.select("countdown", "processes") if t.workers == workers)
        one = suite.baseline("countdown").median
        return one, fixed_cost(one, timing.median, workers)
    except (StopIteration, KeyError, ValueError):
        return None


def pool_reference_text(sound: Suite, reference: Interval | None,
                        ref_cost: tuple[float, float] | None) -> str:
    """How this page's pool speedup (over the sound baseline, :func:`sound_suite`) relates to the
    processes chapter's for the same pool size (*reference*), with each run's fixed cost per run
    (*ref_cost*, :func:`reference_cost`) and their job sizes; ``""`` without the reference."""
    if reference is None:
        return ""
    pool, seq = sound.get("countdown", "processes"), sound.baseline("countdown")
    sp = sound.speedup_interval(pool)
    out = f" The processes chapter's pool of {pool.workers} reached {reference.text()} on its own countdown"
    if overlap(sp, reference):
        return out + f", the same as this page's {sp.text()} within both spreads."
    out += f"; this page's, {sp.text()}, is {'lower' if sp.median < reference.median else 'higher'}."
    if ref_cost is None:
        return out
    text, _explained = job_size_text(ref_cost[1], pool.workers, ref_cost[0], seq.median, sp, "this page's pool",
                                     where="in that chapter",
                                     there_cost=fixed_cost(seq.median, pool.median, pool.workers))
    return out + text + (" Here the pool's workers shared the CPUs with the idle cluster's scheduler and "
                         "workers, whose event loops wake on their own; this page does not measure their share.")


def countdown_invariants(cpu: Suite, reference: Interval | None = None) -> list[Invariant]:
    """What must hold of :func:`countdown_suite`'s result if the run was sound: the pool's
    and the cluster's speedups (low ends) at most N× for N workers and at most the CPU
    count, each with ``IDEAL_SLACK``; the cluster not faster than the pool (their times
    compared on quartiles, ``DASK_OVER_POOL_SLACK``: a Dask task costs the pool's work plus
    a scheduler's round trip); and, given the processes chapter's speedup for the same pool
    (*reference*, :func:`reference_speedup`), this pool's high end at least that interval's
    low end less ``POOL_REFERENCE_SLACK``."""
    cpus = int(cpu.metadata.get("usable_cpus") or 0)
    out = []
    for mode in ("processes", "dask"):
        t = cpu.get("countdown", mode)
        s = cpu.speedup_interval(t)
        limit = min(t.workers, cpus) if cpus else t.workers
        out.append(invariant(
            f"{mode}_at_most_ideal", "{mode} ran at most {limit}× one process (the ideal for {w} workers on "
            "{cpus} CPUs)", s.low <= limit * (1 + IDEAL_SLACK),
            cause="the one-process runs were slowed by other load, which lifts every ratio ({s})",
            mode="the Dask cluster" if mode == "dask" else "the process pool", limit=limit, w=t.workers,
            cpus=cpus or "?", s=s.text()))
    pool, dsk = cpu.get("countdown", "processes"), cpu.get("countdown", "dask")
    sp, sd = cpu.speedup_interval(pool), cpu.speedup_interval(dsk)
    out.append(invariant(
        "dask_not_faster_than_pool", "the Dask cluster was not faster than the process pool (Dask {sd}, "
        "pool {sp}): each of its tasks does the same work plus a scheduler's round trip",
        at_most(list(pool.values), list(dsk.values), slack=DASK_OVER_POOL_SLACK),
        cause="the pool's runs were slowed (other load during its turns, or its workers were not all "
              "running), or the cluster's workers ran more than one task each at a time",
        sd=sd.text(), sp=sp.text()))
    if reference is not None:
        out.append(invariant(
            "pool_near_processes_chapter", "the pool ran the countdown at least near the processes "
            "chapter's speedup for {w} processes (here {sp}, there {ref})",
            sp.high >= reference.low * (1 - POOL_REFERENCE_SLACK),
            cause="this page's pool runs were slowed by other load, or its workers were not all started",
            w=pool.workers, sp=sp.text(), ref=reference.text()))
    return out


def one_process_invariants(alone: Suite) -> list[Invariant]:
    """What must hold of :func:`one_process_suite`'s result: every run took a positive time."""
    t = alone.baseline("countdown-alone")
    return [invariant("alone_positive", "every one-process run before the cluster took a positive time",
                      bool(t.values) and min(t.values) > 0, cause="the clock or the harness is broken")]


def overhead_invariants(tiny_suite: Suite) -> list[Invariant]:
    """What must hold of :func:`overhead_suite`'s result: a task sent to a pool or a
    cluster costs at least a plain call (overhead ≥ 0), compared on quartiles."""
    out = []
    plain = tiny_suite.get("tiny", "sequential")
    call = [v / plain.params["tasks"] for v in plain.values]
    for mode in ("processes", "dask"):
        t = tiny_suite.get("tiny", mode)
        sent = [v / t.params["tasks"] for v in t.values]
        out.append(invariant(
            f"{mode}_overhead_positive", "a task on the {name} cost at least a plain call",
            at_most(call, sent), cause="the clock is broken, or the tasks were not all run",
            name="Dask cluster" if mode == "dask" else "process pool"))
    return out


def round_invariants(rounds: Suite) -> list[Invariant]:
    """What must hold of :func:`round_suite`'s result: a round sent to the pool or the cluster costs
    at least the same calls made here (overhead >= 0), compared on quartiles."""
    here = [v / rounds.get("round", "sequential").params["rounds"] for v in rounds.get("round", "sequential").values]
    out = []
    for mode in ("processes", "dask"):
        t = rounds.get("round", mode)
        sent = [v / t.params["rounds"] for v in t.values]
        out.append(invariant(
            f"{mode}_round_positive", "a round of {k} tasks on the {name} cost at least the same calls made here",
            at_most(here, sent), cause="the clock is broken, or the tasks were not all run", k=t.params["tasks"],
            name="Dask cluster" if mode == "dask" else "process pool"))
    return out


_ROW = re.compile(r"^\s+(?P<name>1 process|\d+ pool processes|Dask cluster)\s+(?P<s>[\d.]+) s\s+"
                  r"(?P<x>[\d.]+)x one process", re.M)
_COST = re.compile(r"^\s+tiny tasks, (?P<kind>pool|Dask)\s+(?P<us>[\d.]+) µs per task", re.M)
_HEAD = re.compile(r"; (?P<count>[\d,]+) steps in (?P<tasks>\d+) tasks, median of (?P<repeats>\d+) runs?")


def parse_example(text: str) -> dict[str, Any]:
    """The figures ``examples/dask_countdown.py`` printed: ``count``, ``workers``, ``repeats``,
    ``pool_x`` and ``dask_x`` (speedups over one process, ×), ``pool_us`` and ``dask_us``
    (µs per tiny task), ``one_s``, ``pool_s`` and ``dask_s`` (median seconds of the countdown:
    one process, the pool, the cluster).

    :raises ValueError: if *text* is not that script's report.
    """
    head = _HEAD.search(text)
    rows = {m["name"]: float(m["x"]) for m in _ROW.finditer(text)}
    secs = {m["name"]: float(m["s"]) for m in _ROW.finditer(text)}
    costs = {m["kind"]: float(m["us"]) for m in _COST.finditer(text)}
    pool = [k for k in rows if k.endswith("pool processes")]
    if head is None or not pool or "Dask cluster" not in rows or set(costs) != {"pool", "Dask"}:
        raise ValueError("this is not the output of examples/dask_countdown.py")
    return {"count": int(head["count"].replace(",", "")), "workers": int(head["tasks"]),
            "repeats": int(head["repeats"]), "pool_x": rows[pool[0]], "dask_x": rows["Dask cluster"],
            "pool_us": costs["pool"], "dask_us": costs["Dask"],
            "one_s": secs.get("1 process"), "pool_s": secs[pool[0]], "dask_s": secs["Dask cluster"]}


def alive_factor(cpu: Suite, alone: Suite | None) -> float:
    """How much longer one process took with the cluster alive than before it started (median over
    median, at least 1.0): what an example's one process, timed beside its own cluster, may lose
    against the table's baseline (:func:`sound_suite`); 1.0 without *alone*."""
    sound = sound_suite(cpu, alone)
    return max(1.0, cpu.baseline("countdown").median / sound.baseline("countdown").median)


def speedup_band(s: Interval, workers: int, cpus: Any, lift: float = 1.0) -> tuple[float, float]:
    """The range an example's speedup may take and agree with *s*: *s* widened by
    :data:`EXAMPLE_TOLERANCE`, its upper end also by *lift* (the example's one process ran beside
    its cluster, which lifts its speedups by as much: :func:`alive_factor`), and capped at what
    *workers* reach on *cpus* CPUs (:data:`EXAMPLE_CAP_SLACK` above it; never below *s*'s own upper end)."""
    most = min(workers, int(cpus)) if cpus else workers
    hi = min(s.high * (1 + EXAMPLE_TOLERANCE) * lift, max(most * (1 + EXAMPLE_CAP_SLACK), s.high))
    return s.low * (1 - EXAMPLE_TOLERANCE), hi


def _close(x: float, c: Interval) -> bool:
    return c.low / EXAMPLE_COST_FACTOR <= x <= c.high * EXAMPLE_COST_FACTOR


def example_differences(cpu: Suite, tiny_suite: Suite, example: Mapping[str, Any],
                        alone: Suite | None = None) -> list[str]:
    """The example's figures that fall outside the chapter's, each as a phrase: its speedups against
    the table's (over one process timed before the cluster, :func:`sound_suite`; band:
    ``speedup_band``), its per-task costs against the chapter's quartiles
    (``EXAMPLE_COST_FACTOR``). ``[]`` when none does. No cause is read into which figures
    differ: neither run records what else ran on the host."""
    sound = sound_suite(cpu, alone)
    lift = alive_factor(cpu, alone)
    s_d = sound.speedup_interval(sound.get("countdown", "dask"))
    s_p = sound.speedup_interval(sound.get("countdown", "processes"))
    c_d, c_p = per_task(tiny_suite, "dask").scaled(1e6), per_task(tiny_suite, "processes").scaled(1e6)
    w, cpus = cpu.get("countdown", "dask").workers, cpu.metadata.get("usable_cpus")

    def near(x: float, s: Interval) -> bool:
        lo, hi = speedup_band(s, w, cpus, lift)
        return lo <= x <= hi

    checks = [(f"the cluster's speedup ({example['dask_x']:.2f}× against {s_d.text()})", near(example["dask_x"], s_d)),
              (f"the pool's speedup ({example['pool_x']:.2f}× against {s_p.text()})", near(example["pool_x"], s_p)),
              (f"the cost of a Dask task ({example['dask_us']:,.0f} µs against {c_d.text(',.0f', ' µs')})",
               _close(example["dask_us"], c_d)),
              (f"the cost of a pool task ({example['pool_us']:.0f} µs against {c_p.text('.0f', ' µs')})",
               _close(example["pool_us"], c_p))]
    return [text for text, ok in checks if not ok]


def _where(x: float, s: Interval, lo: float, hi: float, fmt: str, unit: str) -> str:
    """Where an example's figure lies: inside the chapter's interval, or on which side and whether within *lo*–*hi*."""
    if s.low <= x <= s.high:
        return "inside that interval"
    side = "above" if x > s.high else "below"
    return (f"{side} it, {'within' if lo <= x <= hi else 'outside'} the tolerated "
            f"{format(lo, fmt)}–{format(hi, fmt)}{unit}")


def _change(a: float, b: float) -> str:
    """*a* against *b* in words: ``25% longer``, ``8% shorter``, ``the same``."""
    d = a / b - 1
    return "the same" if f"{abs(d):.0%}" == "0%" else f"{abs(d):.0%} {'longer' if d > 0 else 'shorter'}"


def slowdown_text(cpu: Suite, example: Mapping[str, Any], tiny_suite: Suite | None = None) -> str:
    """The example's countdown times set beside this chapter's, like with like (its one process beside
    the one timed here with the cluster alive, as the example's own ran), each with its change; the
    one-process time also per step; whether its pool was any faster than its one process; and, when
    all three moved one way, what the per-task costs say about a host slower (or faster) across the
    board. ``""`` when the example printed no seconds."""
    pairs = [(k, cpu.get("countdown", m)) for k, m in (("one_s", "sequential"), ("pool_s", "processes"),
                                                         ("dask_s", "dask"))]
    if any(example.get(k) is None for k, _t in pairs):
        return ""
    n = int(cpu.baseline("countdown").params.get("n", 0)) or 1
    ns_ex, ns_here = example["one_s"] * 1e9 / example["count"], cpu.baseline("countdown").median * 1e9 / n
    same = example["count"] == n
    if same:
        (_, one), (_, pool), (_, dsk) = pairs
        out = (f" Its countdown took {example['one_s']:.3f} s on one process, {example['pool_s']:.3f} s on the pool "
               f"and {example['dask_s']:.3f} s on the cluster, against {one.median:.3f} s (one process, with the "
               f"cluster alive, as the example's own ran), {pool.median:.3f} s and {dsk.median:.3f} s here: "
               f"{_change(example['one_s'], one.median)}, {_change(example['pool_s'], pool.median)} and "
               f"{_change(example['dask_s'], dsk.median)}.")
    else:
        out = ""
    out += f" Its one process took {ns_ex:.1f} ns per step, against {ns_here:.1f} ns here."
    if example["pool_s"] >= 0.9 * example["one_s"]:
        out += (f" Its pool was barely faster than its one process ({example['pool_s']:.3f} s against "
                f"{example['one_s']:.3f} s): its workers did not count side by side for most of their turns.")
    longer = all(example[k] > t.summary.q3 for k, t in pairs)
    shorter = all(example[k] < t.summary.q1 for k, t in pairs)
    if not same or not (longer or shorter):
        return out
    if tiny_suite is not None:
        for kind, mode, key in (("pool", "processes", "pool_us"), ("Dask", "dask", "dask_us")):
            us, c = example.get(key), per_task(tiny_suite, mode).scaled(1e6)
            if us is not None and ((longer and us < c.low) or (shorter and us > c.high)):
                return (out + f" Its {kind} tasks that do nothing cost {'less' if longer else 'more'} than here "
                        f"({us:,.0f} µs against {c.text(',.0f', ' µs')}), so it was not a "
                        f"{'slower' if longer else 'faster'} host across the board.")
    return out


def above_cpus_text(cpu: Suite, example: Mapping[str, Any], alone: Suite | None = None) -> str:
    """When the example printed a speedup above the CPU count (more than its CPUs can give), the cause
    its own numbers show: its one-process baseline was slow; the speedup over this page's sound
    one-process time (:func:`sound_suite`, the one timed before the cluster when given) instead,
    computed from the example's own pool and cluster times. ``""`` when no speedup passes the CPUs
    or the example's seconds or size do not match this page's."""
    cpus = cpu.metadata.get("usable_cpus")
    if not isinstance(cpus, (int, float)) or example.get("one_s") is None:
        return ""
    over = [(name, key) for name, key in (("pool", "pool"), ("cluster", "dask"))
            if example.get(f"{key}_x") is not None and example[f"{key}_x"] > cpus
            and example.get(f"{key}_s") is not None]
    base = sound_suite(cpu, alone).baseline("countdown")
    if not over or example.get("count") != base.params.get("n"):
        return ""
    which = "before the cluster started" if alone is not None and sound_suite(cpu, alone) is not cpu else \
        "with the cluster alive"
    parts = [f"over this page's one process, its {name}'s {example[f'{key}_s']:.3f} s is "
             f"{base.median / example[f'{key}_s']:.2f}×" for name, key in over]
    return (f" A speedup above {cpus:g}× is more than {cpus:g} CPUs can give, and the example's own numbers say "
            f"why: its one-process baseline was slow ({example['one_s']:.3f} s against the {base.median:.4f} s "
            f"this page timed {which}), which lifts every speedup it stands on: "
            + " and ".join(parts) + ".")


def example_verdict(cpu: Suite, tiny_suite: Suite, example: Mapping[str, Any],
                    alone: Suite | None = None) -> Claim:
    """Whether the example run on the page (:func:`parse_example`) agrees with the chapter:
    its speedups within the table's intervals (over one process timed before the cluster,
    *alone*: :func:`sound_suite`) widened by ``EXAMPLE_TOLERANCE`` and, upward, by how much the
    cluster slowed one process here (:func:`alive_factor`: the example's own one process runs
    beside its cluster); its per-task costs within ``EXAMPLE_COST_FACTOR`` of the chapter's
    quartiles. The sentence says which figures differ, then the countdown times side by side
    (``slowdown_text``); it names no cause its data do not show."""
    sound = sound_suite(cpu, alone)
    lift = alive_factor(cpu, alone)
    s_d = sound.speedup_interval(sound.get("countdown", "dask"))
    s_p = sound.speedup_interval(sound.get("countdown", "processes"))
    c_d, c_p = per_task(tiny_suite, "dask").scaled(1e6), per_task(tiny_suite, "processes").scaled(1e6)

    off = example_differences(cpu, tiny_suite, example, alone)
    n = cpu.baseline("countdown").params.get("n")
    diffs = [f"{example['count']:,} steps against {n:,}" if example["count"] != n else "",
             f"{example['workers']} workers against {cpu.get('countdown', 'dask').workers}"
             if example["workers"] != cpu.get("countdown", "dask").workers else "",
             "a cluster and a pool of its own, started by the script, each measurement warmed by one run"]
    how = "; ".join(d for d in diffs if d)
    t, f = EXAMPLE_TOLERANCE, EXAMPLE_COST_FACTOR
    w, cpus = cpu.get("countdown", "dask").workers, cpu.metadata.get("usable_cpus")
    where = {
        "wd": _where(example["dask_x"], s_d, *speedup_band(s_d, w, cpus, lift), ".2f", "×"),
        "wp": _where(example["pool_x"], s_p, *speedup_band(s_p, w, cpus, lift), ".2f", "×"),
        "wdu": _where(example["dask_us"], c_d, c_d.low / f, c_d.high * f, ",.0f", " µs"),
        "wpu": _where(example["pool_us"], c_p, c_p.low / f, c_p.high * f, ".0f", " µs"),
    }
    if sound is cpu:  # the table's speedups stand on the run with the cluster alive, as the example's do
        base = (" Its speedups stand on its own one process, timed beside its cluster, as the table's do on the one "
                "timed here with the cluster alive.")
    else:
        base = (" Its speedups stand on its own one process, timed beside its cluster; the table's stand on one "
                "process timed before the cluster started" + (
                    f", and this page's one process took {lift - 1:.0%} longer with the cluster alive, so the band "
                    "allows the example that much more upward." if lift > 1 else "."))
    slow = slowdown_text(cpu, example, tiny_suite)
    lifted = above_cpus_text(cpu, example, alone)
    rest = (base + slow + lifted).replace("{", "{{").replace("}", "}}")
    tail = (" Neither the example nor this page records what else ran on the host during the example, so this "
            "page cannot say what slowed the example's one process." if lifted else
            " Neither the example nor this page records what else ran on the host during the example, "
            "so this page names no cause.")
    off_text = ", ".join(off[:-1]) + " and " + off[-1] if len(off) > 1 else "".join(off)
    return check(
        "dask_example_check", "the example on this page measures what the chapter measured", not off,
        dx=example["dask_x"], px=example["pool_x"], du=example["dask_us"],
        pu=example["pool_us"], s_d=s_d, s_p=s_p, c_d=c_d.text(",.0f", " µs"), c_p=c_p.text(",.0f", " µs"), how=how,
        tol=t, f=f, capslack=EXAMPLE_CAP_SLACK, off=off_text, w=w,
        verb="differs" if len(off) == 1 else "differ", **where,
        title="The example on this page disagrees with the measurements above",
        supported="The example agrees with the measurements above within the tolerances this check allows "
                  "({tol:.0%} beyond the table's interval on speedups, at most {capslack:.0%} above what {w} "
                  "workers can reach on these CPUs, and {f:g}× beyond its quartiles on costs per task): the "
                  "cluster at {dx:.2f}× one process (the table: {s_d}; {wd}), the pool at {px:.2f}× "
                  "(the table: {s_p}; {wp}), {du:,.0f} µs per Dask task (above: {c_d}; {wdu}) and {pu:.0f} µs per "
                  "pool task (above: {c_p}; {wpu})." + rest + " The runs also differ in: {how}.",
        contradicted="In the example's output, {off} {verb} from the measurements above by more than its "
                     "different run explains ({how}; allowed: {tol:.0%} on speedups, {f:g}× on costs)." + rest
                     + tail)


def example_page_comparison(output: str, record: Mapping[str, Any] | None,
                            chapter: str = "beyond-one-machine") -> str:
    """Why ``dask_countdown.py`` with its small arguments (its example page's run, *output*) shows the
    cluster as it does: its tasks run side by side, so the cluster's time is one task's work plus what
    sending the tasks at once and waiting for them costs, which the chapter measured as a round
    (*record*'s ``round`` suite, :func:`round_suite`); that sum is set beside the cluster's time
    (``ROUND_MODEL_SLACK``). The per-task cost of the *tiny tasks* lines is a steady stream's, not a
    round's, and is not used for it. ``""`` when *output* is not the script's; without *record*, the
    sentence says which measurement would explain it."""
    try:
        ex = parse_example(output)
    except ValueError:
        return ""
    one = ex["one_s"]
    if one is None:
        return ""
    tasks, cluster_s = ex["workers"], ex["dask_s"]
    work = one / tasks
    lost = ex["dask_x"] < 1
    head = ("**Dask lost here: these tasks are tiny.** " if lost else "")
    size = (f"With these small arguments the whole countdown takes {one * 1e3:.0f} ms on one process, "
            f"{work * 1e3:.1f} ms of work in each of its {tasks} tasks, which the cluster's workers count side by "
            f"side; the cluster took {cluster_s * 1e3:.0f} ms, {ex['dask_x']:.2f}× one process.")
    stream = (f" (The *tiny tasks, Dask* line, {ex['dask_us'] / 1e3:.1f} ms per task, is what a task costs in a "
              "steady stream, with the workers taking tasks side by side; a run's tasks sent at once wait for the "
              "whole round trip.)")
    raw = ((record or {}).get("suites") or {}).get("round")
    if not raw:
        return (head + size + f" What makes up the cluster's time is the cost of sending {tasks} tasks at once and "
                f"waiting for them, which {{doc}}`../{chapter}` measures (its record is not in this edition)."
                + stream + "\n")
    rounds = Suite.from_dict(raw)
    r = per_round(rounds, "dask").scaled(1e3)
    sent = int(rounds.baseline("round").params.get("tasks", tasks))
    total = work * 1e3 + r.median
    fits = abs(cluster_s * 1e3 / total - 1) <= ROUND_MODEL_SLACK
    near = "a little more than" if total > cluster_s * 1e3 else "a little less than"
    verdict = (f"{near} the {cluster_s * 1e3:.0f} ms the cluster took" if fits else
               f"{'more' if total > cluster_s * 1e3 else 'less'} than the {cluster_s * 1e3:.0f} ms the cluster "
               "took: the round does not account for it here")
    tail = ("" if lost else f" {{doc}}`../{chapter}` gives each task more work, which is where a cluster pays.")
    return (head + size + f" {{doc}}`../{chapter}` measured what sending {sent} tasks at once and waiting for "
            f"them costs on its cluster: {r.text('.2f', ' ms')} a round. One task's {work * 1e3:.1f} ms of work plus "
            f"that round comes to {total:.1f} ms, {verdict}." + stream + tail + "\n")
