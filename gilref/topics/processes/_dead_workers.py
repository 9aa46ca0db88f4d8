"""A worker that dies: what the caller sees, and a map that reports every item anyway."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Callable

from ...core._checks import check_int, check_seconds
from ._pools import context, kill_pool, managed_pool, method_of, quiet_fork_warning
from ._text import exception_text
from ._workers import crash, slow_square, square


@dataclass(frozen=True)
class Outcome:
    """What happened to one item of :func:`map_outcomes`.

    :param index: the item's position in the input.
    :param ok: True if the function returned.
    :param value: what it returned (``None`` on failure).
    :param error: ``"ExceptionType: message"`` on failure, else ``None``.
    """

    index: int
    ok: bool
    value: Any = None
    error: str | None = None


def map_outcomes(
    func: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    workers: int = 2,
    start_method: str | None = None,
    timeout: float = 60.0,
) -> list[Outcome]:
    """Run ``func(item)`` for every item on a process pool; report each item's result or error.

    An exception inside *func* fails only its own item. A worker that dies
    (killed, crashed, :func:`os._exit`) breaks the whole pool: every item not
    finished by then is reported with the
    :class:`~concurrent.futures.process.BrokenProcessPool` error rather than
    lost; nothing is retried (a task that kills its worker would kill the next
    one too). An item still running after *timeout* seconds in total is
    reported as timed out and the pool's processes are killed. No process is
    left behind in any case.

    :param func: a module-level function of an importable module (picklable by name).
    :param workers: worker processes (>= 1).
    :param timeout: seconds allowed for all the items together.
    """
    check_int("workers", workers, minimum=1)
    check_seconds("timeout", timeout, allow_zero=False)
    if not callable(func):
        raise TypeError(f"func must be callable, not {type(func).__name__}")
    deadline = time.monotonic() + timeout
    late = f"TimeoutError: not finished within {timeout:g} s"
    with quiet_fork_warning():
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context(start_method))
    timed_out = False
    outcomes: list[Outcome] = []
    try:
        futures: list[Future[Any] | str] = []
        for item in items:
            try:
                futures.append(pool.submit(func, item))
            except BrokenProcessPool as exc:  # broken before this item could even be sent
                futures.append(exception_text(exc))
        for i, future in enumerate(futures):
            if isinstance(future, str):
                outcomes.append(Outcome(i, False, None, future))
                continue
            if timed_out and not future.done():
                outcomes.append(Outcome(i, False, None, late))
                continue
            try:
                outcomes.append(Outcome(i, True, future.result(max(0.0, deadline - time.monotonic()))))
            except FuturesTimeout as exc:
                if future.done():  # func itself raised TimeoutError
                    outcomes.append(Outcome(i, False, None, exception_text(exc)))
                else:
                    timed_out = True
                    outcomes.append(Outcome(i, False, None, late))
            except Exception as exc:  # func's own exception, an unpicklable item, or BrokenProcessPool
                outcomes.append(Outcome(i, False, None, exception_text(exc)))
    finally:
        if timed_out:
            kill_pool(pool)
        else:
            pool.shutdown(wait=True, cancel_futures=True)
    return outcomes


def broken_pool_demo(start_method: str | None = None, timeout: float = 60.0) -> dict[str, Any]:
    """A worker dies mid-job: what the caller sees, and that a new pool is needed.

    On a pool of 2 workers: ``square(1)`` runs and returns first; then
    ``crash()`` is submitted together with three ``slow_square`` tasks that are
    still running or waiting when the crashing worker dies (0.1 s after it
    starts). Every future's outcome is recorded (a ``submit`` the broken pool
    already refused is recorded as such); then one more ``submit`` is tried on the broken pool;
    then ``square(6)`` runs on a fresh pool.

    :param timeout: seconds each call to a worker may take.
    :returns: ``{"outcomes": [{"call", "outcome"}...], "submit_after": <error text>,
        "fresh_pool": <result>, "start_method": ...}``.
    """
    check_seconds("timeout", timeout, allow_zero=False)
    ctx = context(start_method)
    rows: list[dict[str, Any]] = []
    with managed_pool(2, start_method) as pool:
        rows.append({"call": "square(1)", "outcome": f"returned {pool.submit(square, 1).result(timeout)!r}"})
        # crash() waits 0.1 s so the other submits normally land first; if the
        # worker dies sooner, submit() itself raises, and that is recorded too.
        calls: list[tuple[str, Callable[..., Any], tuple[Any, ...]]] = [
            ("crash()", crash, (1, 0.1)), ("slow_square(3)", slow_square, (3,)),
            ("slow_square(4)", slow_square, (4,)), ("slow_square(5)", slow_square, (5,)),
        ]
        for label, func, args in calls:
            try:
                rows.append({"call": label, "future": pool.submit(func, *args)})
            except BrokenProcessPool as exc:
                rows.append({"call": label, "outcome": "submit refused: " + exception_text(exc)})
        for row in rows:
            future = row.pop("future", None)
            if future is None:
                continue
            try:
                row["outcome"] = f"returned {future.result(timeout)!r}"
            except BrokenProcessPool as exc:
                row["outcome"] = exception_text(exc)
        try:
            pool.submit(square, 6)
            after = "(accepted)"
        except BrokenProcessPool as exc:
            after = exception_text(exc)
    with managed_pool(1, start_method) as fresh:
        again = fresh.submit(square, 6).result(timeout)
    return {"outcomes": rows, "submit_after": after, "fresh_pool": again, "start_method": method_of(ctx)}
