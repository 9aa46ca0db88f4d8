"""Host metadata: where a measurement ran.

In the spirit of pyperf, each fact is collected by one small function that
returns ``None`` when the fact cannot be known on this host, and
:func:`collect_metadata` gathers them all into one JSON-ready ``dict``.
Standard library only; runs on CPython 3.9+ and PyPy 3.9+.
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
import sysconfig
from typing import Any, Callable

__all__ = [
    "GIL_BY_IMPLEMENTATION",
    "collect_metadata",
    "cpu_affinity",
    "cpu_model",
    "free_threaded_build",
    "gil_enabled",
    "gil_rule",
    "host_summary",
    "os_name",
    "rss_bytes",
    "usable_cpus",
]


def free_threaded_build() -> bool:
    """True if this interpreter was built with ``--disable-gil`` (PEP 703).

    Read from ``sysconfig``'s ``Py_GIL_DISABLED``, which is 1 on free-threaded
    builds and 0 or absent elsewhere.
    """
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


#: Whether an implementation has a GIL, for interpreters that cannot say at run
#: time (no ``sys._is_gil_enabled``: CPython before 3.13, PyPy, Jython,
#: IronPython). An implementation not listed here is *unknown* (``None``), never
#: GIL-free by default.
GIL_BY_IMPLEMENTATION: dict[str, bool] = {"CPython": True, "PyPy": True, "Jython": False, "IronPython": False}


def gil_rule(is_gil_enabled: Callable[[], bool] | None, implementation: str) -> bool | None:
    """The one rule deciding whether a GIL is enabled; every GIL answer in gilref comes from it.

    1. Where the interpreter has ``sys._is_gil_enabled`` (CPython 3.13+, both
       builds), its answer, which is the truth right now (``-X gil``,
       ``PYTHON_GIL`` and extensions that turned the GIL back on included).
    2. Otherwise the implementation decides (:data:`GIL_BY_IMPLEMENTATION`):
       CPython before 3.13 and PyPy always have a GIL (``True``); Jython and
       IronPython have none (``False``).
    3. Any other implementation is unknown: ``None``, which callers must not
       read as "GIL-free".

    :param is_gil_enabled: the interpreter's ``sys._is_gil_enabled``, or ``None`` where it lacks one.
    :param implementation: ``platform.python_implementation()``, e.g. ``"CPython"``.

    The probe that describes *other* interpreters (``gilref.interp.discover``)
    carries this rule as Python 2.7-safe text built from
    :data:`GIL_BY_IMPLEMENTATION`; a test checks the two agree.

    >>> gil_rule(None, "CPython"), gil_rule(None, "Jython"), gil_rule(None, "Brython")
    (True, False, None)
    >>> gil_rule(lambda: False, "CPython")
    False
    """
    if is_gil_enabled is not None:
        return bool(is_gil_enabled())
    return GIL_BY_IMPLEMENTATION.get(implementation)


def gil_enabled() -> bool | None:
    """Whether the GIL is enabled right now in this process (:func:`gil_rule` applied here).

    ``True``/``False``, or ``None`` for an implementation gilref does not know.
    """
    probe: Callable[[], bool] | None = getattr(sys, "_is_gil_enabled", None)
    return gil_rule(probe, platform.python_implementation())


def gil_source() -> str:
    """Where :func:`gil_enabled` got its answer: the runtime probe or the implementation."""
    return "sys._is_gil_enabled" if hasattr(sys, "_is_gil_enabled") else "implementation"


def cpu_affinity() -> list[int] | None:
    """The CPUs this process may run on (``os.sched_getaffinity``), if known."""
    getter = getattr(os, "sched_getaffinity", None)
    if getter is None:
        return None
    try:
        return sorted(getter(0))
    except OSError:
        return None


def cpu_model() -> str | None:
    """The CPU's model name from ``/proc/cpuinfo`` (Linux) or :mod:`platform`."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Processor", "cpu model"):
                    return value.strip() or None
    except OSError:
        pass
    return platform.processor() or None


def memory_total_bytes() -> int | None:
    """Total physical memory in bytes, from ``/proc/meminfo`` (Linux)."""
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def rss_bytes() -> int | None:
    """This process's resident memory in bytes (Linux: ``/proc/self/statm``), or None where it
    cannot be read: what a ``fork`` child's page tables are copied from."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def os_name() -> str:
    """A readable operating-system name, e.g. ``Debian GNU/Linux 12 (bookworm)``."""
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}".strip()


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (runnable processes), if known."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def python_build() -> str:
    """``"free-threaded"`` or ``"default"`` for CPython; the implementation name otherwise."""
    impl = platform.python_implementation()
    if impl != "CPython":
        return impl
    return "free-threaded" if free_threaded_build() else "default"


def _gilref_version() -> str:
    from ._version import __version__

    return __version__


def collect_metadata() -> dict[str, Any]:
    """Everything known about the host and interpreter, as a JSON-ready dict.

    Keys (units in brackets): ``python_version``, ``python_implementation``,
    ``python_build``, ``python_executable``, ``free_threaded_build``,
    ``gil_enabled``, ``gil_enabled_source``, ``switch_interval_s`` [s],
    ``cpu_count``, ``cpu_affinity``, ``cpu_model``, ``memory_total_bytes`` [bytes],
    ``platform``, ``os``, ``machine``, ``date`` [ISO 8601, UTC],
    ``load_average`` [runnable processes over 1/5/15 min], ``gilref_version``.
    """
    affinity = cpu_affinity()
    return {
        "python_version": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "python_build": python_build(),
        "python_executable": sys.executable,
        "free_threaded_build": free_threaded_build(),
        "gil_enabled": gil_enabled(),
        "gil_enabled_source": gil_source(),
        "switch_interval_s": sys.getswitchinterval(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": affinity,
        "usable_cpus": len(affinity) if affinity is not None else os.cpu_count(),
        "cpu_model": cpu_model(),
        "memory_total_bytes": memory_total_bytes(),
        "platform": platform.platform(),
        "os": os_name(),
        "machine": platform.machine(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "load_average": load_average(),
        "gilref_version": _gilref_version(),
    }


def usable_cpus() -> int:
    """How many CPUs this process may use (affinity if known, else ``os.cpu_count()``)."""
    affinity = cpu_affinity()
    if affinity:
        return len(affinity)
    return os.cpu_count() or 1


def host_summary(metadata: dict[str, Any] | None = None) -> str:
    """One line describing a host, for chart captions and page headers.

    >>> host_summary({"cpu_model": "Xeon", "usable_cpus": 2, "os": "Debian 12",
    ...               "python_implementation": "CPython", "python_version": "3.11.7",
    ...               "python_build": "default", "gil_enabled": True})
    'CPython 3.11.7 (default build, GIL on) · 2 CPUs (Xeon) · Debian 12'
    """
    md = collect_metadata() if metadata is None else metadata
    gil_state = md.get("gil_enabled")
    gil = "GIL on" if gil_state is True else "GIL off" if gil_state is False else "GIL unknown"
    build = md.get("python_build", "?")
    python = f"{md.get('python_implementation', '?')} {md.get('python_version', '?')}"
    if build in ("default", "free-threaded"):
        python += f" ({build} build, {gil})"
    else:
        python += f" ({gil})"
    cpus = md.get("usable_cpus") or md.get("cpu_count") or "?"
    model = md.get("cpu_model")
    cpu = f"{cpus} CPUs" + (f" ({model})" if model else "")
    return f"{python} · {cpu} · {md.get('os', '?')}"
