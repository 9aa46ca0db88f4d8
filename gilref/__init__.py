"""gilref: measured reference implementations for the book about Python's GIL.

The core (workloads, measurement, host metadata, results) uses only the
standard library, so it runs inside any CPython 3.9+ or PyPy 3.9+, GIL or
free-threaded. Plotting (:mod:`gilref.book.charts`, matplotlib) and the notebook
helpers (:mod:`gilref.book.chapter`, myst-nb) are optional layers on top.
"""

from __future__ import annotations

from .core._version import __version__
from .core.harness import (
    MeasurementTimeout,
    compare,
    countdown_suite,
    io_suite,
    measure,
)
from .core.hostinfo import collect_metadata, host_summary, usable_cpus
from .core.results import ResultsFormatError, Suite, Timing
from .core.stats import Summary, summarize
from .core.workloads import countdown, io_wait, split_count

__all__ = [
    "MeasurementTimeout",
    "ResultsFormatError",
    "Suite",
    "Summary",
    "Timing",
    "__version__",
    "collect_metadata",
    "compare",
    "countdown",
    "countdown_suite",
    "host_summary",
    "io_suite",
    "io_wait",
    "measure",
    "split_count",
    "summarize",
    "usable_cpus",
]
