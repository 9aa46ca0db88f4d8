"""Where the GIL is released: kinds of work measured on 1, 2, ... N threads.

This package's face: the chapter, the tests and child interpreters
(``"gilref.topics.release:scaling_suite"``) import every name from here; the
private modules behind it hold one job each.

``_work``
    a *kind of work* is a :class:`Work`: a context manager that prepares its
    resources (buffers, a file, loopback connections) before the clock starts
    and frees them afterwards, and whose :meth:`Work.run` does a number of
    identical *units* of work;
``_loopback``
    :class:`LoopbackPairs`, the TCP connections over 127.0.0.1 the socket kind uses;
``_kinds``
    the seven kinds (:data:`KINDS`, :func:`make_work`, :func:`available_kinds`).
    A kind that releases the GIL while it works (a sleep, a read, a send, a
    hash over a large buffer, a compression, a BLAS matrix product) can run on
    several cores at once; a pure-Python loop cannot, on a GIL build;
``_scaling``
    :func:`scaling_suite` splits a fixed number of units (:func:`calibrate`)
    between 1, 2, ... N threads with :func:`gilref.core.harness.compare`, so
    every thread count does the same total work and the speedup is a fair ratio;
``_speedups``
    reading a scaling suite: :func:`kinds_in`, :func:`speedups`, :func:`speedup_rows`,
    and :func:`side_by_side` (one kind from several suites, for one chart);
``_interleaved_prints``
    counting how often two threads' printed lines alternate
    (:func:`interleave_runs`, :func:`interleave_labels`, :func:`count_switches`), and
    :func:`output_note` for the example's page;
``_asyncio_waits``
    timing waits gathered by :mod:`asyncio` on one thread (:func:`asyncio_waits`);
``_verdicts``
    what the measurements say and whether they were sound: the chapter's verdicts
    (:func:`released_verdict`, :func:`socket_verdict`, :func:`loop_verdict`, :func:`sleep_verdict`,
    :func:`ft_verdict`, :func:`interleave_verdict`, :func:`flush_verdict`,
    :func:`asyncio_verdict`), decided on intervals against the named thresholds
    (:data:`RELEASED_SCALING` and the others), how long one release of the GIL
    lasts (:func:`release_stretch`), the invariants of each
    measurement (:func:`scaling_invariants`, :func:`interleave_invariants`,
    :func:`asyncio_invariants`), and readers of the examples' output
    (:func:`example_speedups`, :func:`example_total`).

Standard library only; the NumPy kind imports NumPy and threadpoolctl when it
is used and is reported as unavailable (:func:`available_kinds`) without them.
"""

from __future__ import annotations

from .._public import publish
from . import _verdicts as _v
from ._asyncio_waits import asyncio_waits
from ._interleaved_prints import (
    blank_line_note,
    broken_lines,
    count_switches,
    first_switch_excerpt,
    interleave_labels,
    interleave_runs,
    output_mode,
    output_mode_text,
    output_note,
)
from ._kinds import KINDS as _KINDS
from ._kinds import (
    FileReadWork,
    HashWork,
    MatmulWork,
    PythonLoopWork,
    SleepWork,
    SocketWork,
    ZlibWork,
    available_kinds,
    make_work,
)
from ._loopback import LoopbackPairs
from ._scaling import calibrate, scaling_suite
from ._speedups import kinds_in, side_by_side, speedup_rows, speedups
from ._verdicts import (
    asyncio_invariants,
    asyncio_verdict,
    beyond_cpus_text,
    example_speedups,
    example_total,
    flush_verdict,
    ft_verdict,
    interleave_invariants,
    interleave_rows,
    interleave_verdict,
    loop_verdict,
    release_stretch,
    released_verdict,
    runs_words,
    scaling_invariants,
    sleep_verdict,
    socket_verdict,
    speedup_intervals,
    target_text,
)
from ._work import Work, WorkUnavailable

# Data is described where it is re-exported: Sphinx reads ``#:`` comments from the
# documented module's own source.
#: Every kind of work, in the order the chapter shows them.
KINDS: tuple[str, ...] = _KINDS
#: Fraction of one wait that gathered asyncio waits may take beyond it and still be about one wait.
ASYNCIO_SLACK: float = _v.ASYNCIO_SLACK
#: Share of the printed numbers at which the task must change, flushing each line, for writes to hand over.
FLUSH_SWITCH_SHARE: float = _v.FLUSH_SWITCH_SHARE
#: Speedup (×) the loop must reach on a free-threaded build: the bar of RELEASED_SCALING.
FT_LOOP_SCALING: float = _v.FT_LOOP_SCALING
#: Switches between the two printing tasks from which they took turns while counting (five turns each).
INTERLEAVE_MIN_SWITCHES: int = _v.INTERLEAVE_MIN_SWITCHES
#: Seconds one GIL release must last to count as long beside a hand-off of the GIL between threads (50 µs).
LONG_RELEASE_S: float = _v.LONG_RELEASE_S
#: Speedup (×) below which a pure-Python loop does not scale under the GIL (one thread, 20% noise).
LOOP_CEILING: float = _v.LOOP_CEILING
#: Speedup (×) work that releases the GIL must reach where threads = CPUs (70% of two CPUs' 2×).
RELEASED_SCALING: float = _v.RELEASED_SCALING
#: Share of the ideal speedup sleeping threads must reach beyond the CPUs (80%).
SLEEP_SHARE: float = _v.SLEEP_SHARE
#: Fraction by which a time may beat its bound (timer resolution, noise) before a run is unsound.
TIME_SLACK: float = _v.TIME_SLACK
#: Fraction of the target job length a kind's one-thread job may miss by before the page says so (20%).
TARGET_TOLERANCE: float = _v.TARGET_TOLERANCE
#: Kinds that need no core while they work (a sleep), so their speedup may rise past the CPU count.
NEEDS_NO_CORE: tuple[str, ...] = _v.NEEDS_NO_CORE

__all__ = [
    "ASYNCIO_SLACK",
    "FLUSH_SWITCH_SHARE",
    "FT_LOOP_SCALING",
    "INTERLEAVE_MIN_SWITCHES",
    "KINDS",
    "LONG_RELEASE_S",
    "LOOP_CEILING",
    "NEEDS_NO_CORE",
    "RELEASED_SCALING",
    "SLEEP_SHARE",
    "TARGET_TOLERANCE",
    "TIME_SLACK",
    "FileReadWork",
    "HashWork",
    "LoopbackPairs",
    "MatmulWork",
    "PythonLoopWork",
    "SleepWork",
    "SocketWork",
    "Work",
    "WorkUnavailable",
    "ZlibWork",
    "asyncio_invariants",
    "asyncio_verdict",
    "asyncio_waits",
    "available_kinds",
    "beyond_cpus_text",
    "blank_line_note",
    "broken_lines",
    "calibrate",
    "count_switches",
    "example_speedups",
    "example_total",
    "first_switch_excerpt",
    "flush_verdict",
    "ft_verdict",
    "interleave_invariants",
    "interleave_labels",
    "interleave_rows",
    "interleave_runs",
    "interleave_verdict",
    "kinds_in",
    "loop_verdict",
    "make_work",
    "output_mode",
    "output_mode_text",
    "output_note",
    "release_stretch",
    "released_verdict",
    "runs_words",
    "scaling_invariants",
    "scaling_suite",
    "side_by_side",
    "sleep_verdict",
    "socket_verdict",
    "speedup_intervals",
    "speedup_rows",
    "speedups",
    "target_text",
]

publish(__name__, __all__, globals())
