"""Is the GIL your bottleneck? Sample a program's threads with py-spy and say what they spend time on.

:func:`diagnose` runs a command (or attaches to a PID), samples every Python
thread with `py-spy <https://github.com/benfred/py-spy>`_ and classifies each
sample of each thread into one of four states:

``python``
    running with the GIL: executing bytecode or interpreter C code (a
    thread cannot run Python code without holding the GIL);
``waiting``
    waiting for the GIL: blocked inside the interpreter's ``take_gil``;
``native``
    running native code of an extension or a library (``hashlib``'s OpenSSL,
    zlib, NumPy) that was called from Python; for the big calls that matter
    these release the GIL, so this is "running without the GIL";
``idle``
    blocked in the operating system: sleeping, ``recv``, ``select``/``poll``,
    waiting on a ``threading`` lock, condition or queue, joining a thread.

From the counts come, for each thread and for the whole run, the share of
thread time in each state with the hottest functions in each, the share of
wall time the GIL was held, and a :func:`verdict` computed by named rules.

The method, and why
-------------------
py-spy reads the target's memory from outside (no code runs inside the
program) and knows each thread's Python stack, but its recording formats
(``--format raw`` collapsed stacks, ``speedscope``, ``chrometrace``) keep only
the stacks: the per-sample ``active`` and ``owns_gil`` flags it computes are
used as *filters* (``--idle`` includes inactive threads, ``--gil`` keeps only
the GIL holder) and never written out; only ``py-spy dump --json`` prints them,
one snapshot per process start (25-50 ms each here), far too slow to sample
with. And ``active`` comes from the OS thread state, which calls a thread
waiting for the GIL "idle", exactly like one blocked in ``recv``: it is the
distinction this command exists to make.

So gilref makes ONE recording, ``py-spy record --format raw --threads --idle
--native --rate R``: every thread, every sample, with its native frames merged
in. In that output the interpreter's own C frames are dropped (except a few
such as ``time_sleep`` and ``PyThread_acquire_lock_timed``) but the C library
frames at the top of a blocked thread are kept, so the leaf of each stack
tells the state (:func:`classify`):

* a condition-variable or mutex wait directly above Python code or an
  interpreter frame is ``take_gil`` (the GIL is a mutex and a condition
  variable): *waiting*. Under a lock function (``PyThread_acquire_lock*``,
  ``lock_*``) the same wait is a ``threading`` lock: *idle*;
* a blocking system call (``clock_nanosleep``, ``recv``, ``poll``, ``select``,
  ``epoll_wait``, ``accept``, ``read``, ``futex``, ``sem_*wait``...): *idle*;
* a leaf that is Python code or an interpreter frame, or a C library helper
  such as ``memcpy`` under them: *python*;
* a leaf in any other library (OpenSSL, zlib, NumPy, a Cython module): *native*.

The GIL is held when some thread runs Python, and at most one thread does at
a time, so the share of wall time the GIL was held is the sum of the threads'
*python* samples over the number of sampling intervals (the samples of the
longest-lived thread), capped at 1. Uncapped (:attr:`Diagnosis.held_sum`) it
must not exceed 1 in a sound run (:func:`diagnosis_invariants`). Every other
share is of a thread's own samples (or of all threads' samples together), so
shares of different threads do not add up; :meth:`Diagnosis.wall_share` gives
a thread's share of the wall time, which does.

Limits
------
* Linux and CPython with the GIL only (what py-spy's ``--native`` supports).
  py-spy 0.4 cannot read free-threaded builds, PyPy or GraalPy: :func:`diagnose`
  says so in one line.
* py-spy attaches with ``ptrace``: it needs root, or
  ``kernel.yama.ptrace_scope`` = 0, or ``CAP_SYS_PTRACE``.
* Sampling pauses the program for each sample (``--native`` needs the threads
  stopped to unwind them): the overhead is measured in the book's chapter.
* C code that keeps the GIL while it computes (a small ``hashlib`` call, most
  of ``json``, a NumPy call on a tiny array) is counted as *native*, not as
  holding the GIL; and a wait whose native frames cannot be symbolised
  (addresses only) above Python code is counted as *waiting* (the GIL's
  mutex), above an extension as *idle*.
* The program's first milliseconds, before py-spy attaches, are not sampled; a
  program that ends before the first sample cannot be diagnosed.
* Statistical: at R samples per second a run of T seconds gives about R x T
  samples per thread; shares have a binomial error of about
  sqrt(p(1-p)/(R x T)).

Standard library only; py-spy is an optional dependency (``pip install
gilref[diagnose]``), looked for on ``PATH`` and beside the running interpreter.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core import hostinfo
from ..core.verdicts import Invariant, invariant, shares_within

__all__ = [
    "CHAPTERS",
    "CONVOY_CPU_MIN",
    "CONVOY_WAIT_MIN",
    "DEFAULT_RATE",
    "DIAGNOSIS_FORMAT",
    "DIAGNOSIS_FORMAT_VERSION",
    "EXIT_CANNOT",
    "GIL_HELD_MIN",
    "HELD_SLACK",
    "IDLE_MIN",
    "MIN_INTERVALS",
    "NATIVE_MIN",
    "PTRACE_SCOPE_FILE",
    "STATES",
    "STATE_LABELS",
    "VICTIM_IDLE_MIN",
    "VICTIM_PYTHON_MAX",
    "DiagnoseError",
    "Diagnosis",
    "ThreadReport",
    "ThreadSamples",
    "Verdict",
    "apportion",
    "classify",
    "diagnose",
    "diagnosis_invariants",
    "explain_py_spy_error",
    "find_py_spy",
    "held_percents",
    "io_return_waiting",
    "own_percents",
    "parse_raw",
    "part_percent",
    "part_words",
    "render_text",
    "returns_from_native",
    "state_percents",
    "summarise",
    "thread_rows",
    "verdict",
    "with_names",
]

DIAGNOSIS_FORMAT = "gilref-diagnosis"
DIAGNOSIS_FORMAT_VERSION = 1

#: The four states of a sampled thread, in the order reports show them.
STATES = ("python", "waiting", "native", "idle")

#: What each state means, for reports and charts.
STATE_LABELS = {
    "python": "running with the GIL",
    "waiting": "waiting for the GIL",
    "native": "native code, GIL released",
    "idle": "idle (I/O, sleep, locks)",
}

DEFAULT_RATE = 50
"""Samples per second (py-spy ``--rate``)."""

#: Exit status when the diagnosis itself could not be made (bad PID, no py-spy...).
EXIT_CANNOT = 3

# -- the verdict's thresholds (shares are fractions of 1) ---------------------

GIL_HELD_MIN = 0.6
"""GIL-bound: the GIL was held at least this share of the wall time."""
CONVOY_WAIT_MIN = 0.1
"""Mixed (convoy): a thread waits for the GIL at least this share of its time *at a line where it also
blocks in I/O* (:func:`io_return_waiting`: taking the GIL back after ``recv`` returned), while the GIL is
held GIL_HELD_MIN... (Not its idle share: in a bad convoy the I/O thread queues for the GIL far longer
than it waits on I/O; 15% idle and 85% waiting were measured here.)"""
CONVOY_CPU_MIN = 0.6
"""...and another thread runs with the GIL at least this share of its time (the CPU-bound one)."""
VICTIM_IDLE_MIN = 0.05
"""...and blocks at least this share of its time (the convoy's server was idle 8-14% here): a CPU-bound thread
starved by another, with a stray idle sample or two, is not an I/O thread."""
VICTIM_PYTHON_MAX = 0.2
"""A thread that blocks at all and runs Python at most this share of its time has nothing of its own to be
switched out of: its waits for the GIL are waits to come back from I/O, wherever the sampler caught them
(py-spy charges the wait to the line after ``recv`` as often as to ``recv``'s own line, and the blocking line
itself may be idle in only one sample of a second's run)."""
MIN_INTERVALS = 20
"""Fewer sampling intervals than this (0.4 s at 50 Hz) are too few to diagnose."""
NATIVE_MIN = 0.5
"""Native: native code without the GIL is at least this share of the busy (non-idle) thread time."""
IDLE_MIN = 0.5
"""I/O-bound: threads are idle at least this share of all thread time (and the GIL is not held GIL_HELD_MIN)."""
HELD_SLACK = 0.05
"""Invariant slack: the threads' *python* samples may add up to this share of the sampling intervals more
than one thread at a time could hold the GIL (a thread caught between releasing the GIL and blocking, or
just after taking it, is charged to Python code) before the run counts as unsound."""

#: The chapter of the book that shows why, for each verdict: (file name without .md, title).
CHAPTERS = {
    "gil-bound": ("cpu-vs-io", "CPU-bound versus I/O-bound"),
    "io-bound": ("fetching", "Fetching with ThreadPoolExecutor"),
    "native": ("native-code", "Native code that releases the GIL"),
    "mixed": ("convoy", "The convoy effect"),
}


class DiagnoseError(Exception):
    """The diagnosis could not be made; ``str()`` is one line with the reason and what to do.

    :param exit_code: the status the command should exit with.
    """

    def __init__(self, message: str, exit_code: int = EXIT_CANNOT) -> None:
        super().__init__(message)
        self.exit_code = exit_code


# -- classifying one collapsed stack -------------------------------------------

_FRAME_RE = re.compile(r"^(?P<name>.*?) \((?P<where>[^()]*)\)$")
_SYSTEM_LIB_RE = re.compile(r"^(libc|libpthread|ld-linux|linux-vdso|libm|librt|libdl)[.-]")
_INTERP_LIB_RE = re.compile(r"^(libpython\d|python\d)")
_COND_RE = re.compile(r"pthread_cond_(timed|clock)?wait|pthread_mutex_(timed|clock)?lock|__lll_lock_wait")
_BLOCKING_RE = re.compile(
    r"sleep|poll|select|epoll|recv|read|accept|connect|send|write|futex|sem_\w*wait|sigwait|sigtimedwait|"
    r"pause|wait4|waitpid|__lll_lock_wait"
)
# Python-level calls that block in a lock or an event: on a build without the interpreter's
# symbols (a static CPython 3.13, for one) their wait shows as bare libc addresses above the
# Python frame, as a GIL wait does, so the Python frame tells them apart.
_BLOCKING_PY_RE = re.compile(r"^(Thread\.join|Thread\._wait_for_tstate_lock|Condition\.wait|Event\.wait|"
                             r"Semaphore\.acquire|Barrier\.wait|Queue\.get|Queue\.put|Future\.result|"
                             r"_wait_for_tstate_lock|wait)$")
_LOCK_FUNC_RE = re.compile(r"^(PyThread_acquire_lock|lock_PyThread|PyThread_|lock_|rlock_|_PyMutex|PyMutex|"
                           r"PySemaphore|_PySemaphore|PyEvent|_PyEvent)")


@dataclass(frozen=True)
class _Frame:
    name: str
    where: str  # "file.py:12", "libc.so.6", "_hashopenssl.c:442"

    @property
    def module(self) -> str:
        return self.where.rpartition(":")[0] if re.search(r":\d+$", self.where) else self.where

    @property
    def is_python(self) -> bool:
        mod = self.module
        return mod.endswith((".py", ".pyw")) or mod.startswith("<")

    @property
    def is_system(self) -> bool:
        return bool(_SYSTEM_LIB_RE.match(os.path.basename(self.module)))

    @property
    def is_interpreter(self) -> bool:
        return bool(_INTERP_LIB_RE.match(os.path.basename(self.module)))

    def __str__(self) -> str:
        return f"{self.name} ({self.where})"


def _parse_frame(text: str) -> _Frame:
    m = _FRAME_RE.match(text)
    if m is None:
        return _Frame(text, "")
    return _Frame(m.group("name"), m.group("where"))


def classify(frames: Sequence[str]) -> str:
    """The state of one sample: ``"python"``, ``"waiting"``, ``"native"`` or ``"idle"``.

    :param frames: py-spy collapsed-stack frames, root first, leaf last, each
        ``"name (file.py:line)"`` or ``"name (library)"`` (the thread's own
        ``"thread (...)"`` label excluded). The rules are in the module docstring.
    """
    parsed = [_parse_frame(f) for f in frames]
    system: list[_Frame] = []
    i = len(parsed) - 1
    while i >= 0 and parsed[i].is_system:
        system.append(parsed[i])
        i -= 1
    anchor = parsed[i] if i >= 0 else None
    if not system:
        if anchor is None or anchor.is_python or anchor.is_interpreter:
            return "python"
        return "native"
    if anchor is None:
        return "idle"
    named = [f.name for f in system if not f.name.startswith("0x")]
    in_lock = anchor.is_interpreter and bool(_LOCK_FUNC_RE.match(anchor.name))
    if anchor.is_python or anchor.is_interpreter:
        if in_lock:
            return "idle"
        if any(_COND_RE.search(n) for n in named):
            return "waiting"
        if any(_BLOCKING_RE.search(n) for n in named):
            return "idle"
        if not named:  # unsymbolised libc addresses above Python code: the GIL's mutex,
            # unless that Python code is a call that waits on a lock or an event (join, wait...)
            return "idle" if anchor.is_python and _BLOCKING_PY_RE.match(anchor.name) else "waiting"
        return "python"  # memcpy, memset, strlen... for the interpreter
    # an extension or library above the C library
    if any(_COND_RE.search(n) for n in named):
        return "waiting"  # Py_END_ALLOW_THREADS taking the GIL back (or the extension's own lock)
    if any(_BLOCKING_RE.search(n) for n in named) or not named:
        return "idle"
    return "native"


def returns_from_native(frames: Sequence[str]) -> bool:
    """Whether a *waiting* sample waits to take the GIL back after a native call that released it.

    The frame below the C library's wait is then an extension's C function
    (``sock_recv (socketmodule.c:3536)``, ``sock_sendall``, OpenSSL), which
    calls ``take_gil`` from ``Py_END_ALLOW_THREADS`` on its way back to Python;
    a thread switched out of running bytecode waits under a Python frame or an
    interpreter frame instead. Needs the native symbols that py-spy reads on
    a shared-library CPython (Debian's, here); on a build without them the
    frame is a bare address and this is ``False``.
    """
    parsed = [_parse_frame(f) for f in frames]
    i = len(parsed) - 1
    while i >= 0 and parsed[i].is_system:
        i -= 1
    if i < 0 or i == len(parsed) - 1:
        return False
    anchor = parsed[i]
    named = [f.name for f in parsed[i + 1:] if not f.name.startswith("0x")]
    return (not (anchor.is_python or anchor.is_interpreter or anchor.name.startswith("0x"))
            and any(_COND_RE.search(n) for n in named))


def _hot_label(frames: Sequence[str], state: str) -> str:
    """The function a sample is charged to: the innermost Python frame (and, for native, the library call)."""
    parsed = [_parse_frame(f) for f in frames]
    python = next((f for f in reversed(parsed) if f.is_python), None)
    where = str(python) if python else "(no Python frame)"
    if state == "native":
        lib = next((f for f in reversed(parsed) if not (f.is_system or f.is_python or f.is_interpreter)
                    and not f.name.startswith("0x")), None)
        if lib is not None:
            return f"{lib.name} in {where}"
    return where


# -- parsing py-spy's raw output -----------------------------------------------

_THREAD_RE = re.compile(r"^thread \((?P<id>[^)]*)\)(?::\s*(?P<name>.*))?$")


@dataclass
class ThreadSamples:
    """The classified samples of one thread: ``counts[state][function] = samples``."""

    ident: str
    name: str
    counts: dict[str, Counter[str]] = field(default_factory=lambda: {s: Counter() for s in STATES})
    #: of the *waiting* samples, those taking the GIL back after a native call (:func:`returns_from_native`)
    returning: int = 0

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())


def parse_raw(text: str) -> list[ThreadSamples]:
    """Parse ``py-spy record --format raw --threads --idle --native`` output into per-thread samples.

    Each line is ``frame;frame;...;frame COUNT`` with the thread's label
    (``thread (ID): NAME``) as the first frame. Lines that do not parse are skipped.
    """
    threads: dict[str, ThreadSamples] = {}
    for line in text.splitlines():
        stack, _, count_text = line.rstrip().rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = stack.split(";")
        m = _THREAD_RE.match(frames[0])
        if m is None:
            continue
        ident = m.group("id")
        name = (m.group("name") or "").strip() or f"thread {ident}"
        thread = threads.setdefault(ident, ThreadSamples(ident, name))
        if name and thread.name.startswith("thread "):
            thread.name = name
        rest = frames[1:]
        state = classify(rest)
        thread.counts[state][_hot_label(rest, state)] += int(count_text)
        if state == "waiting" and returns_from_native(rest):
            thread.returning += int(count_text)
    found = [t for t in threads.values() if t.total > 0]
    return sorted(found, key=lambda t: (t.name != "MainThread", t.name))


# -- the result ----------------------------------------------------------------


@dataclass(frozen=True)
class ThreadReport:
    """One thread's shares of its sampled time (fractions summing to 1) and its hottest functions.

    :param samples: how many samples the thread has (at ``rate`` per second).
    :param hot: for each state, up to five ``(function, share of the thread's samples)``.
    :param returning: share of the thread's samples (0-1, part of its *waiting* share) spent taking
        the GIL back after a native call that had released it (:func:`returns_from_native`).
    """

    ident: str
    name: str
    samples: int
    shares: dict[str, float]
    hot: dict[str, list[tuple[str, float]]]
    returning: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"ident": self.ident, "name": self.name, "samples": self.samples, "shares": dict(self.shares),
                "hot": {s: [[f, v] for f, v in rows] for s, rows in self.hot.items()},
                "returning": self.returning}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ThreadReport:
        return cls(str(data["ident"]), str(data["name"]), int(data["samples"]),
                   {s: float(data["shares"].get(s, 0.0)) for s in STATES},
                   {s: [(str(f), float(v)) for f, v in data.get("hot", {}).get(s, [])] for s in STATES},
                   float(data.get("returning", 0.0)))


@dataclass(frozen=True)
class Verdict:
    """What the numbers say: ``key`` (gil-bound, io-bound, native, mixed), a title, advice and why."""

    key: str
    title: str
    advice: str
    reason: str

    @property
    def chapter(self) -> str:
        """The book chapter that shows why (a document name, e.g. ``"convoy"``)."""
        return CHAPTERS[self.key][0]

    @property
    def chapter_title(self) -> str:
        return CHAPTERS[self.key][1]

    def to_dict(self) -> dict[str, str]:
        return {"key": self.key, "title": self.title, "advice": self.advice, "reason": self.reason,
                "chapter": self.chapter, "chapter_title": self.chapter_title}


@dataclass(frozen=True)
class Diagnosis:
    """A program's diagnosis.

    :param gil_held: share of wall time the GIL was held (0-1): the threads' *python*
        samples over the sampling intervals, capped at 1 (uncapped: :attr:`held_sum`).
    :param shares: share of all the threads' samples in each state (0-1, summing to 1).
    :param intervals: sampling intervals (samples of the longest-lived thread).
    :param rate: samples per second; ``seconds`` is the sampled wall time [s].
    :param exit_code: the program's exit status (``None`` when attached with ``--pid``).
    """

    threads: list[ThreadReport]
    gil_held: float
    shares: dict[str, float]
    intervals: int
    rate: int
    seconds: float
    target: str
    exit_code: int | None
    metadata: dict[str, Any]
    sampler: str

    @property
    def verdict(self) -> Verdict:
        return verdict(self)

    @property
    def held_sum(self) -> float:
        """The threads' *running with the GIL* samples over the sampling intervals, NOT capped at 1.

        With a GIL at most one thread holds it at a time, so this is at most 1
        (plus :data:`HELD_SLACK`) in a sound run (:func:`diagnosis_invariants`);
        ``gil_held`` is this, capped at 1.
        """
        return sum(t.shares["python"] * t.samples for t in self.threads) / self.intervals if self.intervals else 0.0

    def wall_share(self, t: ThreadReport, state: str = "python") -> float:
        """*t*'s samples in *state* over the run's sampling intervals: a share of the run's wall time.

        Unlike ``t.shares`` (a share of the thread's OWN samples), these add up
        across threads: the *python* ones to :attr:`held_sum`.
        """
        return t.shares[state] * t.samples / self.intervals if self.intervals else 0.0

    def thread(self, name: str) -> ThreadReport:
        """The first thread whose name starts with *name*."""
        for t in self.threads:
            if t.name.startswith(name):
                return t
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """Versioned JSON-ready record (``format``/``version`` like :mod:`gilref.core.results`)."""
        return {
            "format": DIAGNOSIS_FORMAT,
            "version": DIAGNOSIS_FORMAT_VERSION,
            "metadata": self.metadata,
            "target": self.target,
            "exit_code": self.exit_code,
            "sampler": self.sampler,
            "rate_hz": self.rate,
            "seconds": self.seconds,
            "intervals": self.intervals,
            "gil_held": self.gil_held,
            "shares": dict(self.shares),
            "threads": [t.to_dict() for t in self.threads],
            "verdict": self.verdict.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Diagnosis:
        if data.get("format") != DIAGNOSIS_FORMAT or data.get("version") != DIAGNOSIS_FORMAT_VERSION:
            raise ValueError(f"not a {DIAGNOSIS_FORMAT} v{DIAGNOSIS_FORMAT_VERSION} record")
        return cls([ThreadReport.from_dict(t) for t in data["threads"]], float(data["gil_held"]),
                   {s: float(data["shares"][s]) for s in STATES}, int(data["intervals"]), int(data["rate_hz"]),
                   float(data["seconds"]), str(data["target"]), data.get("exit_code"),
                   dict(data.get("metadata", {})), str(data.get("sampler", "")))


def with_names(d: Diagnosis, names: Mapping[str, str]) -> Diagnosis:
    """*d* with the threads py-spy left unnamed named from *names* (OS thread id -> ``threading`` name).

    py-spy labels a thread ``thread (OS-ID): NAME``, reading NAME from the
    ``threading._active`` dict in the program's memory; when that read never
    finds the thread, the label has only the id and :func:`parse_raw` calls the
    thread ``thread OS-ID``. A program that knows its threads (the book's own,
    which report ``threading.Thread.native_id``) can name them; a name py-spy
    did read is kept.
    """
    threads = [replace(t, name=names[t.ident]) if t.name == f"thread {t.ident}" and t.ident in names else t
               for t in d.threads]
    threads.sort(key=lambda t: (t.name != "MainThread", t.name))
    return replace(d, threads=threads)


def summarise(threads: Sequence[ThreadSamples], *, rate: int = DEFAULT_RATE, seconds: float = 0.0,
              target: str = "", exit_code: int | None = None, metadata: dict[str, Any] | None = None,
              sampler: str = "") -> Diagnosis:
    """Turn per-thread sample counts into shares, the GIL-held share and hot functions.

    :raises DiagnoseError: if there are no samples at all.
    """
    if not threads or sum(t.total for t in threads) == 0:
        raise DiagnoseError("py-spy collected no samples: the program ended before the first one")
    reports = []
    totals: Counter[str] = Counter()
    for t in threads:
        n = t.total
        per_state = {s: sum(t.counts[s].values()) for s in STATES}
        totals.update(per_state)
        hot = {s: [(f, c / n) for f, c in t.counts[s].most_common(5)] for s in STATES}
        reports.append(ThreadReport(t.ident, t.name, n, {s: per_state[s] / n for s in STATES}, hot,
                                    t.returning / n))
    intervals = max(t.total for t in threads)
    all_samples = sum(totals.values())
    gil_held = min(1.0, totals["python"] / intervals)
    return Diagnosis(reports, gil_held, {s: totals[s] / all_samples for s in STATES}, intervals, rate,
                     seconds, target, exit_code, metadata if metadata is not None else {}, sampler)


# -- invariants -----------------------------------------------------------------


def diagnosis_invariants(d: Diagnosis, *, tag: str = "") -> list[Invariant]:
    """What must hold if a diagnosis was sound.

    * at most one thread ran with the GIL at a time: the threads' shares of
      the wall time running with it (:meth:`Diagnosis.wall_share`) add up to at
      most 1 plus :data:`HELD_SLACK` (:attr:`Diagnosis.held_sum`);
    * each thread's four shares of its own samples add up to 1, and no thread
      has more samples than the run has sampling intervals.

    *tag* prefixes the keys (e.g. the program's name).
    """
    held = [d.wall_share(t) for t in d.threads]
    own = [abs(sum(t.shares.values()) - 1) <= 0.01 and t.samples <= d.intervals for t in d.threads]
    bad = [t.name for t, ok in zip(d.threads, own) if not ok]
    return [
        invariant(f"{tag}held-within-wall", "{tag}at most one thread ran with the GIL at a time (the threads' "
                  "shares of the wall time with it add up to {sum:.0%}, at most 100%)",
                  shares_within(held, 1.0, slack=HELD_SLACK), tag=tag, sum=d.held_sum,
                  cause="the sampler charged threads that were taking or releasing the GIL to running Python, "
                        "or read their stacks at different moments"),
        invariant(f"{tag}thread-shares-whole", "{tag}each thread's four shares of its own samples add up to "
                  "100%, from no more samples than the run has intervals", not bad, tag=tag,
                  bad=", ".join(bad) or "none", cause="the raw samples were parsed wrongly ({bad})"),
    ]


# -- the per cents the book prints -----------------------------------------------
#
# One quantity prints one number: the table, the chart, the findings and the verdict's reason all
# take their per cents from these functions, so that rounding cannot make them differ.


def apportion(values: Sequence[float], total: int) -> list[int]:
    """Whole numbers, each *values[i]* rounded up or down, that add up to *total* (largest remainder).

    Per cents rounded one by one can add up to 101% of a whole; these do not:
    each value is first rounded down, and the units still missing go to the
    values with the largest remainders (ties to the earlier value).
    """
    floors = [int(v // 1) for v in values]
    short = total - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    for i in order[:max(0, short)]:
        floors[i] += 1
    return floors


def state_percents(shares: Mapping[str, float]) -> dict[str, int]:
    """A row's share (0-1) of each of :data:`STATES` as whole per cents that add up to 100
    (:func:`apportion`): what the table prints, and so what every sentence about the row must say."""
    return dict(zip(STATES, apportion([shares[s] * 100 for s in STATES], 100)))


def held_percents(d: Diagnosis) -> tuple[int, list[int]]:
    """The share of the wall time the GIL was held, as whole per cents: the run's (:attr:`Diagnosis.held_sum`
    rounded) and each thread's (:meth:`Diagnosis.wall_share`, in ``d.threads`` order, apportioned so
    that they add up to the run's)."""
    whole = round(d.held_sum * 100)
    return whole, apportion([d.wall_share(t) * 100 for t in d.threads], whole)


def own_percents(d: Diagnosis, t: ThreadReport) -> dict[str, int]:
    """Thread *t*'s shares of its own samples as whole per cents adding up to 100 (:func:`state_percents`).

    A thread sampled in every interval (the main thread, as a rule) has one figure for two columns:
    its share of the wall time with the GIL IS its share of its own samples with it. Its *python*
    per cent is then the one :func:`held_percents` gives it, and its other states share the rest
    (largest remainder; always possible, since both round the same value up or down).
    """
    if t.samples != d.intervals:
        return state_percents(t.shares)
    fixed = held_percents(d)[1][next(i for i, o in enumerate(d.threads) if o is t)]
    others = [s for s in STATES if s != "python"]
    rest = dict(zip(others, apportion([t.shares[s] * 100 for s in others], 100 - fixed)))
    return {s: fixed if s == "python" else rest[s] for s in STATES}


def part_percent(part: float, whole: float, whole_pct: int) -> int:
    """A *part* (0-1) of a share *whole* (0-1) that prints as *whole_pct* per cent, as a whole per cent:
    *whole_pct* itself when the part is all of it, never more than *whole_pct*, else its own rounding
    (so "waited 14%, 15% on its way back" cannot happen)."""
    if part >= whole:
        return whole_pct
    return min(round(part * 100), whole_pct)


# -- the verdict ---------------------------------------------------------------


def io_return_waiting(t: ThreadReport) -> float:
    """Share of *t*'s time spent waiting for the GIL at a Python line where it was also idle.

    A blocking call (``recv``, ``select``, ``sleep``) releases the GIL and takes
    it back on return at the same line, so waiting charged to a line that also
    blocks is waiting to come back from I/O; a CPU-bound thread waits inside
    its computation instead. Uses the hottest functions (up to five per state).
    A thread that blocks at least :data:`VICTIM_IDLE_MIN` and runs Python at most :data:`VICTIM_PYTHON_MAX`
    of its time has no computation to wait inside: all its waiting counts.

    Where py-spy could name the native frames, the waits it saw inside a native
    call's return (``ThreadReport.returning``: ``sock_recv`` taking the GIL
    back) count whatever the line or the idle share: those are the direct
    evidence, and the line rule above is the fallback for a build without symbols.
    The larger of the two is returned (the native-return waits are a subset of
    all the waits, as are the line-matched ones).
    """
    if t.shares["idle"] >= VICTIM_IDLE_MIN and t.shares["python"] <= VICTIM_PYTHON_MAX:
        return t.shares["waiting"]
    blocking = {f for f, _ in t.hot.get("idle", [])}
    by_line = sum(share for f, share in t.hot.get("waiting", []) if f in blocking)
    return max(by_line, t.returning)


def part_words(part: int, whole: int) -> str:
    """A part of a share (whole per cents) as a sentence names it: ``"all of it"`` when it is the
    whole (so that the same percentage is not printed twice), else ``"12%"``."""
    return "all of it" if part == whole and whole > 0 else f"{part}%"


def verdict(d: Diagnosis) -> Verdict:
    """The rules, in order (thresholds are the module's named constants):

    1. **mixed** (convoy risk): the GIL is held at least :data:`GIL_HELD_MIN` of the
       time, some thread waits for the GIL on its way back from I/O
       (:func:`io_return_waiting`) at least :data:`CONVOY_WAIT_MIN` of its time, and
       another thread runs with the GIL at least :data:`CONVOY_CPU_MIN` of its time;
    2. **gil-bound**: the GIL is held at least :data:`GIL_HELD_MIN` of the time;
    3. **native**: native code without the GIL is at least :data:`NATIVE_MIN` of the
       busy (non-idle) thread time;
    4. **io-bound**: threads are idle at least :data:`IDLE_MIN` of all thread time;
    5. otherwise **mixed**: no single state dominates.
    """
    s = d.shares
    busy = s["python"] + s["waiting"] + s["native"]
    held = d.gil_held
    # The reasons print the table's per cents (state_percents, own_percents, held_percents): one quantity,
    # one number.
    held_pct, pct = held_percents(d)[0], state_percents(s)
    convoyed = [t for t in d.threads
                if io_return_waiting(t) >= CONVOY_WAIT_MIN
                and any(o is not t and o.shares["python"] >= CONVOY_CPU_MIN for o in d.threads)]
    if held >= GIL_HELD_MIN and convoyed:
        t = max(convoyed, key=lambda t: t.shares["waiting"])
        cpu = max((o for o in d.threads if o is not t), key=lambda o: o.shares["python"])
        tp, cp = own_percents(d, t), own_percents(d, cpu)
        back = part_percent(io_return_waiting(t), t.shares["waiting"], tp["waiting"])
        return Verdict("mixed", "Mixed: an I/O thread queues behind CPU-bound Python (convoy risk)",
                       "Move the CPU-bound work to a process (or native code that releases the GIL), or run "
                       "on a free-threaded build; a shorter sys.setswitchinterval only softens it.",
                       f"the GIL was held {held_pct}% of the wall time; thread {t.name!r} was idle in I/O in "
                       f"{tp['idle']}% of its own samples and waited for the GIL in "
                       f"{tp['waiting']}% ({part_words(back, tp['waiting'])} "
                       "on its way back from I/O), while "
                       f"thread {cpu.name!r} ran with the GIL in {cp['python']}% of its own")
    if held >= GIL_HELD_MIN:
        waiting = s["waiting"] / busy if busy else 0.0
        return Verdict("gil-bound", "GIL-bound: Python code holds the GIL nearly all the time",
                       "More threads will not help. Use processes (multiprocessing, "
                       "ProcessPoolExecutor), a free-threaded build, or move the hot loop into native code "
                       "that releases the GIL.",
                       f"the GIL was held {held_pct}% of the wall time; {waiting:.0%} of the threads' busy "
                       "samples (not idle) were waiting for it")
    if busy and s["native"] / busy >= NATIVE_MIN:
        return Verdict("native", "Native: the work runs in native code with the GIL released",
                       "Threads already run in parallel here; neither processes nor free-threading would add "
                       "much. Use as many threads as cores.",
                       f"{s['native'] / busy:.0%} of the threads' busy samples (not idle) ran native code "
                       f"without the GIL; the GIL was held only {held_pct}% of the wall time")
    if s["idle"] >= IDLE_MIN:
        return Verdict("io-bound", "I/O-bound: the threads mostly wait on the outside world",
                       "Threads (or asyncio) are fine here: the GIL is free while they wait. More concurrency "
                       "helps until the other side or the network is the limit.",
                       f"{pct['idle']}% of all the threads' samples were idle and the GIL was held only "
                       f"{held_pct}% of the wall time")
    return Verdict("mixed", "Mixed: no single bottleneck",
                   "Some of the time is Python holding the GIL, some native or waiting: profile the hottest "
                   "functions below, and keep CPU-bound Python away from latency-sensitive threads.",
                   f"GIL held {held_pct}% of the wall time; of all the threads' samples {pct['python']}% ran "
                   f"Python, {pct['waiting']}% waited for the GIL, {pct['native']}% ran native code, "
                   f"{pct['idle']}% were idle")


# -- running the sampler -------------------------------------------------------


def find_py_spy() -> str | None:
    """The py-spy executable: on ``PATH``, or beside the running interpreter (a venv's ``bin``)."""
    found = shutil.which("py-spy")
    if found:
        return found
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def _py_spy_version(exe: str) -> str:
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return "py-spy"
    return out.strip() or "py-spy"


_PROBE = ("import sys, sysconfig; print(sys.implementation.name, '%d.%d' % sys.version_info[:2], "
          "int(bool(sysconfig.get_config_var('Py_GIL_DISABLED'))))")


def _check_interpreter_command(command: Sequence[str]) -> None:
    """Refuse, in one line, a command whose interpreter py-spy cannot read (free-threaded, PyPy...)."""
    exe = shutil.which(command[0])
    if exe is None:
        raise DiagnoseError(f"command not found: {command[0]!r}", 127)
    base = os.path.basename(os.path.realpath(exe))
    if not re.match(r"^(python|pypy|graalpy)", base) and not re.match(r"^(python|pypy)", os.path.basename(exe)):
        return  # not an interpreter we can probe (a script, a launcher): py-spy will tell
    try:
        out = subprocess.run([exe, "-c", _PROBE], capture_output=True, text=True, timeout=30, check=False).stdout
        impl, version, ft = out.split()
    except (OSError, subprocess.SubprocessError, ValueError):
        return
    if ft == "1":
        raise DiagnoseError(
            f"{exe} is a free-threaded build of Python {version}: its GIL is off unless something turned it "
            "on (PYTHON_GIL=1, or an extension that does not declare free-threading support), and py-spy "
            "cannot read free-threaded builds either way; diagnose the program on the default build of the same "
            "version to see whether the GIL limits it", 2)
    if impl != "cpython":
        raise DiagnoseError(f"{exe} is {impl} {version}: py-spy reads only CPython; run the program on CPython "
                            "to diagnose it", 2)


def _check_pid(pid: int) -> None:
    if pid <= 0 or not Path(f"/proc/{pid}").exists():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            raise DiagnoseError(f"no process with PID {pid}: check the number (ps aux | grep python)", 2) from None
        except (PermissionError, OverflowError, ValueError):
            if pid <= 0:
                raise DiagnoseError(f"no process with PID {pid}", 2) from None
    maps = Path(f"/proc/{pid}/maps")
    with contextlib.suppress(OSError):
        text = maps.read_text(errors="replace")
        if re.search(r"python3\.\d+t\b|libpython3\.\d+t\.so", text):
            raise DiagnoseError(f"PID {pid} runs a free-threaded Python build: its GIL is off unless something "
                                "turned it on, and py-spy cannot read free-threaded builds either way; run it on a "
                                "default build to diagnose", 2)


PTRACE_SCOPE_FILE = Path("/proc/sys/kernel/yama/ptrace_scope")
"""Linux Yama's ptrace policy: 0 lets any process of the same user trace another."""


def _check_ptrace() -> None:
    """Refuse early when py-spy surely may not attach (not root, Yama ptrace_scope >= 1)."""
    if os.geteuid() == 0:
        return
    try:
        scope = int(PTRACE_SCOPE_FILE.read_text().strip())
    except (OSError, ValueError):
        return
    if scope >= 1:
        raise DiagnoseError(
            f"py-spy may not attach (kernel.yama.ptrace_scope is {scope} and you are not root): run gilref "
            "diagnose with sudo, or allow it with 'sudo sysctl kernel.yama.ptrace_scope=0' (in a container: "
            "--cap-add SYS_PTRACE)", 2)


def explain_py_spy_error(text: str) -> str:
    """One line for py-spy's error output (its first ``Error:`` line, translated when known)."""
    first = next((ln.strip() for ln in text.splitlines() if ln.strip().startswith("Error")), "")
    low = text.lower()
    if "permission denied" in low or "operation not permitted" in low:
        return ("py-spy was not allowed to attach (ptrace): run as root, or set "
                "'sudo sysctl kernel.yama.ptrace_scope=0' (in a container: --cap-add SYS_PTRACE)")
    if "no such process" in low or "failed to open process" in low or "check that the process is running" in low:
        return "the process ended before py-spy could attach: nothing was sampled"
    if "python interpreter" in low or "python version" in low or "unsupported" in low:
        return (f"py-spy cannot read this interpreter ({first or 'unknown error'}): it supports CPython "
                "2.7 and 3.3-3.13 with the GIL, not free-threaded builds, PyPy or GraalPy")
    return f"py-spy failed: {first or text.strip().splitlines()[-1] if text.strip() else 'no output'}"


def diagnose(
    command: Sequence[str] | None = None,
    *,
    pid: int | None = None,
    duration: float | None = None,
    rate: int = DEFAULT_RATE,
    timeout: float = 3600.0,
    program_stdout: Any = None,
    env: Mapping[str, str] | None = None,
) -> Diagnosis:
    """Run *command* (or attach to *pid*), sample it with py-spy and return its :class:`Diagnosis`.

    The command inherits this process's standard streams (or *program_stdout*
    for its stdout) and keeps its exit status (``Diagnosis.exit_code``).

    :param duration: with *pid*, seconds to sample (default: until it exits).
    :param rate: samples per second.
    :param timeout: seconds after which the command is stopped (it is a bound, not a goal).
    :param env: the command's environment (default: this process's).
    :raises DiagnoseError: with a one-line reason when it cannot be done.
    """
    if (command is None) == (pid is None):
        raise ValueError("give either a command or a pid")
    exe = find_py_spy()
    if exe is None:
        raise DiagnoseError("py-spy is not installed: pip install 'gilref[diagnose]' (or pip install py-spy)")
    _check_ptrace()
    metadata = hostinfo.collect_metadata()
    proc: subprocess.Popen[bytes] | None = None
    if command is not None:
        if not command:
            raise DiagnoseError("no command given: gilref diagnose -- python your_script.py", 2)
        _check_interpreter_command(command)
        try:
            proc = subprocess.Popen(list(command), stdout=program_stdout, env=None if env is None else dict(env))
        except OSError as exc:
            raise DiagnoseError(f"cannot run {command[0]!r}: {exc.strerror or exc}", 127) from None
        target_pid = proc.pid
        target = " ".join(command)
    else:
        assert pid is not None
        _check_pid(pid)
        target_pid = pid
        target = f"PID {pid}"
    version = _py_spy_version(exe)
    start = time.monotonic()
    try:
        raw, seconds, errors = _record(exe, target_pid, proc, rate=rate, duration=duration, timeout=timeout)
    finally:
        if proc is not None and proc.poll() is None:
            _stop(proc)
    code = proc.returncode if proc is not None else None
    elapsed = time.monotonic() - start
    threads = parse_raw(raw)
    if not threads:
        why = explain_py_spy_error(errors) if errors.strip() and "Error" in errors else ""
        if errors.startswith("ended first\n") and "ptrace" not in why:
            why = (
                f"the program exited after {elapsed:.2f} s, before the first sample: nothing to measure; "
                "diagnose a program that runs for at least a second")
        raise DiagnoseError(why or "py-spy collected no samples",
                            code if code not in (None, 0) else EXIT_CANNOT)
    intervals = max(t.total for t in threads)
    if intervals < MIN_INTERVALS:
        raise DiagnoseError(
            f"only {intervals} samples per thread ({intervals / rate:.2f} s sampled): too few to diagnose; "
            f"diagnose a program that runs for at least {MIN_INTERVALS / rate:.1f} s after it starts, "
            "or sample faster with --rate", code if code not in (None, 0) else EXIT_CANNOT)
    return summarise(threads, rate=rate, seconds=seconds, target=target, exit_code=code,
                     metadata=metadata, sampler=version)


def _record(exe: str, pid: int, proc: subprocess.Popen[bytes] | None, *, rate: int,
            duration: float | None, timeout: float) -> tuple[str, float, str]:
    """Run ``py-spy record`` on *pid*; retry while a just-started program is not yet readable.

    Returns (raw output, sampled seconds, py-spy's messages); with no output, the messages
    start with ``"ended first"`` when the program had already exited when py-spy gave up.
    """
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory(prefix="gilref-diagnose-") as tmp:
        out = Path(tmp) / "samples.txt"
        args = [exe, "record", "--pid", str(pid), "--format", "raw", "--threads", "--idle", "--native",
                "--rate", str(rate), "--output", str(out)]
        if duration is not None:
            args += ["--duration", str(max(1, round(duration)))]
        messages = ""
        ended_first = False
        for _attempt in range(50):
            began = time.monotonic()
            spy = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            try:
                stdout, _ = spy.communicate(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                if proc is not None:
                    _stop(proc)
                stdout, _ = spy.communicate(timeout=30)
            seconds = time.monotonic() - began
            messages = stdout.decode(errors="replace")
            if out.exists() and out.stat().st_size > 0:
                return out.read_text(errors="replace"), seconds, messages
            alive = proc is not None and proc.poll() is None
            ended_first = proc is not None and not alive
            early = "python version" in messages.lower() or "python interpreter" in messages.lower()
            if alive and early and time.monotonic() - began < 5:
                time.sleep(0.05)  # the interpreter is still starting: attach again
                continue
            break
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        return "", 0.0, messages if not ended_first else "ended first\n" + messages


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# -- the text report -----------------------------------------------------------


def _pct(x: float) -> str:
    return f"{x * 100:5.1f}%"


def render_text(d: Diagnosis, *, hot: int = 3) -> str:
    """A plain-text report: the whole run, each thread with its hottest functions, the verdict."""
    v = d.verdict
    lines = [
        f"gilref diagnose: {d.target}",
        f"  {d.intervals} samples per thread at {d.rate} Hz over {d.seconds:.1f} s ({d.sampler}); "
        + hostinfo.host_summary(d.metadata),
        "",
        f"GIL held {_pct(d.gil_held).strip()} of the wall time (the threads' samples running with it, "
        f"over {d.intervals} sampling intervals).",
        "All threads' samples: " + ", ".join(f"{STATE_LABELS[s]} {_pct(d.shares[s]).strip()}" for s in STATES),
        "",
        "Each thread: shares of its own samples (a row adds up to 100%).",
        f"{'thread':<28} {'samples':>7}  " + "  ".join(f"{s:>7}" for s in STATES),
    ]
    for t in d.threads:
        lines.append(f"{t.name[:28]:<28} {t.samples:>7}  " + "  ".join(f"{_pct(t.shares[s]):>7}" for s in STATES))
    for t in d.threads:
        rows = [(s, f, share) for s in STATES for f, share in t.hot[s][:hot] if share >= 0.01]
        if not rows:
            continue
        lines += ["", f"{t.name}: hottest functions"]
        lines += [f"  {share * 100:5.1f}%  {s:<7}  {f}" for s, f, share in rows]
    lines += [
        "",
        f"Verdict: {v.title}.",
        f"  Why: {v.reason}.",
        f"  What to do: {v.advice}",
        f"  The book shows why in '{v.chapter_title}' ({v.chapter}.html).",
    ]
    if d.exit_code is not None:
        lines.append(f"The program exited with status {d.exit_code}.")
    return "\n".join(lines) + "\n"


def thread_rows(d: Diagnosis) -> list[dict[str, Any]]:
    """One row per thread (name, samples, each state's share in percent) for a table."""
    return [{"thread": t.name, "samples": t.samples, **{STATE_LABELS[s]: round(t.shares[s] * 100, 1) for s in STATES}}
            for t in d.threads]
