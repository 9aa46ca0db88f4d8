"""The core layer: standard library only, so it runs inside every interpreter gilref
measures (CPython 3.9+ GIL or free-threaded, PyPy).

Workloads, the measurement harness (:func:`~gilref.core.harness.run_threads`,
:func:`~gilref.core.harness.interleave`, :func:`~gilref.core.harness.thread_counts`),
results as versioned JSON, statistics, host facts, argument checks and paths. It imports
nothing else of gilref.
"""
