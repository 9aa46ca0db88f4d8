"""Processes: what they cost to start, what sending data to them costs, and how they fail.

This package's face: the chapter and the tests import every name from here; the
private modules behind it hold one job each.

``_workers``
    every function that runs *inside* a worker process (:func:`noop`,
    :func:`payload_size`, :func:`echo`, :func:`crash`, :func:`square`,
    :func:`slow_square`, :func:`apply`, :func:`array_sum`,
    :func:`shared_array_sum`), at the top level of an importable module, so a
    worker can import it under every start method: ``fork`` copies the parent,
    but ``spawn`` and ``forkserver`` start a fresh interpreter that finds a
    function by its module and name. A function typed into a notebook cell or
    an interactive session lives in ``__main__`` and cannot be found that way;
    see :func:`main_module_errors`.
``_pools``
    pools that are always shut down, and killed if their block raised
    (:func:`managed_pool`), and the start methods (:func:`start_methods`).
``_start_cost``
    :func:`start_cost_suite`: seconds to start a process and see it finish, per
    start method (:func:`start_cost_in_child`: the same from a small parent);
``_pool_reuse``
    :func:`countdown_executor_suite`: the countdown on a
    :class:`~concurrent.futures.ProcessPoolExecutor`, with the pool started
    before the clock and with a new pool per run;
``_pickling``
    :func:`pickling_suite`: seconds to send a payload to a running worker (and
    back) as it grows;
``_shared_memory``
    :func:`shared_memory_suite`: summing a NumPy array in a worker, sent by
    pickling versus placed in :mod:`multiprocessing.shared_memory` (needs NumPy);
``_unpicklable``
    what cannot be sent, captured as text: :func:`unpicklable_error` (a lambda)
    and :func:`main_module_errors` (a function in ``__main__`` under spawn);
``_dead_workers``
    a worker that dies: :func:`broken_pool_demo`, and :func:`map_outcomes`, which
    runs a function over items and reports each item's result or error;
``_text``
    errors as the text a page shows (:func:`condense_traceback`);
``_verdicts``
    the chapter's verdicts (:func:`scale_verdict`, :func:`pool_cost_verdict`,
    :func:`spawn_verdict`, :func:`pickling_verdict`, :func:`shared_verdict`,
    :func:`main_module_verdict`) on intervals against named thresholds
    (:data:`SCALE_SHARE`, ...), the invariants of each measurement
    (:func:`countdown_invariants`, :func:`start_invariants`,
    :func:`pickling_invariants`, :func:`shared_invariants`), and the reader's
    examples run with ``--json`` (:func:`run_processes_example`,
    :func:`run_shared_memory_example`).

Every measurement returns a :class:`~gilref.core.results.Suite` with the host's
metadata; every wait has a deadline, and pools are shut down, or their
processes killed, before returning. Standard library only, except the NumPy parts.
"""

from __future__ import annotations

from .._public import publish
from ._dead_workers import Outcome, broken_pool_demo, map_outcomes
from ._pickling import DEFAULT_SIZES as _DEFAULT_SIZES
from ._pickling import calls_per_sample, pickling_suite
from ._pool_reuse import countdown_executor_suite
from ._pools import managed_pool, start_methods
from ._shared_memory import shared_memory_suite
from ._start_cost import start_cost_in_child, start_cost_suite
from ._text import condense_traceback
from ._unpicklable import main_module_errors, script_template, unpicklable_error
from ._verdicts import COST_SLACK as _COST_SLACK
from ._verdicts import GROWTH_RATIO as _GROWTH_RATIO
from ._verdicts import LOAD_MARGIN as _LOAD_MARGIN
from ._verdicts import ONE_WAY_SLACK as _ONE_WAY_SLACK
from ._verdicts import PROCESS_SLACK as _PROCESS_SLACK
from ._verdicts import SCALE_SHARE as _SCALE_SHARE
from ._verdicts import SHARED_RATIO as _SHARED_RATIO
from ._verdicts import SIZE_SLACK as _SIZE_SLACK
from ._verdicts import SPAWN_RATIO as _SPAWN_RATIO
from ._verdicts import SPEEDUP_SLACK as _SPEEDUP_SLACK
from ._verdicts import (
    ProcessesExample,
    SharedMemoryExample,
    countdown_from_record,
    countdown_invariants,
    example_default_count,
    example_invariants,
    legs,
    load_reason,
    main_module_verdict,
    one_way_above_round_trip,
    option_default,
    pickling_invariants,
    pickling_notes,
    pickling_verdict,
    pool_cost_verdict,
    return_leg_text,
    run_processes_example,
    run_shared_memory_example,
    scale_verdict,
    shared_invariants,
    shared_verdict,
    spawn_verdict,
    start_gaps,
    start_invariants,
)
from ._workers import (
    add_one,
    apply,
    array_sum,
    crash,
    echo,
    noop,
    payload_size,
    shared_array_sum,
    slow_square,
    square,
)

# Data is described where it is re-exported: Sphinx reads ``#:`` comments from the
# documented module's own source.
#: Payload sizes of :func:`pickling_suite` by default, in bytes (1 KiB ... 64 MiB).
DEFAULT_SIZES: tuple[int, ...] = _DEFAULT_SIZES
#: Processes scale when the low end of their speedup reaches this share of the worker count.
SCALE_SHARE: float = _SCALE_SHARE
#: spawn is much slower to start than fork when the low end of spawn/fork reaches this factor.
SPAWN_RATIO: float = _SPAWN_RATIO
#: Sending data grows with its size when the largest argument costs this many times the smallest (low end).
GROWTH_RATIO: float = _GROWTH_RATIO
#: Shared memory is far faster when pickled/shared time reaches this factor (low end).
SHARED_RATIO: float = _SHARED_RATIO
#: Invariant slack (a fraction): kept pool vs new pool, one way vs round trip.
COST_SLACK: float = _COST_SLACK
#: Invariant slack (a fraction): one way vs round trip (none: quartiles only).
ONE_WAY_SLACK: float = _ONE_WAY_SLACK
#: Load averages this far apart (runnable processes) name load as a reason for a gap between two runs.
LOAD_MARGIN: float = _LOAD_MARGIN
#: Invariant slack (a fraction): processes of a kept pool vs one thread.
PROCESS_SLACK: float = _PROCESS_SLACK
#: Invariant slack (a fraction): a bigger payload vs a smaller one.
SIZE_SLACK: float = _SIZE_SLACK
#: Invariant slack (a fraction): at most N times faster on N workers.
SPEEDUP_SLACK: float = _SPEEDUP_SLACK

__all__ = [
    "COST_SLACK",
    "DEFAULT_SIZES",
    "GROWTH_RATIO",
    "LOAD_MARGIN",
    "ONE_WAY_SLACK",
    "PROCESS_SLACK",
    "SCALE_SHARE",
    "SHARED_RATIO",
    "SIZE_SLACK",
    "SPAWN_RATIO",
    "SPEEDUP_SLACK",
    "Outcome",
    "ProcessesExample",
    "SharedMemoryExample",
    "add_one",
    "apply",
    "array_sum",
    "broken_pool_demo",
    "calls_per_sample",
    "condense_traceback",
    "countdown_executor_suite",
    "countdown_from_record",
    "countdown_invariants",
    "crash",
    "echo",
    "example_default_count",
    "example_invariants",
    "legs",
    "load_reason",
    "main_module_errors",
    "main_module_verdict",
    "managed_pool",
    "map_outcomes",
    "noop",
    "one_way_above_round_trip",
    "option_default",
    "payload_size",
    "pickling_invariants",
    "pickling_notes",
    "pickling_suite",
    "pickling_verdict",
    "pool_cost_verdict",
    "return_leg_text",
    "run_processes_example",
    "run_shared_memory_example",
    "scale_verdict",
    "script_template",
    "shared_array_sum",
    "shared_invariants",
    "shared_memory_suite",
    "shared_verdict",
    "slow_square",
    "spawn_verdict",
    "square",
    "start_cost_in_child",
    "start_cost_suite",
    "start_gaps",
    "start_invariants",
    "start_methods",
    "unpicklable_error",
]

publish(__name__, __all__, globals())
