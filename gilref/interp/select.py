"""Which interpreters the book compares: the one policy, used by every chapter, test and command.

A chapter that compares CPython with and without its GIL asks :func:`choose`
for a :class:`BuildPair` and runs the same gilref function in each build with
:func:`run_on`, in a child process with a deadline
(``gilref.interp.child.call``): the measurement never shares a process with the
notebook kernel's own threads, a changed setting such as the switch interval
dies with the child, and a run that hangs is killed.

The policy (:func:`choose`), applied to the interpreters
``gilref.interp.discover.discover()`` found:

1. Only CPython counts (PyPy, Jython... are never chosen as CPython), and only
   a version gilref runs in (3.9+). A *free-threaded build* is one built with
   ``--disable-gil`` whose GIL was off when it described itself (a build whose
   GIL was forced on, e.g. by ``PYTHON_GIL=1``, is no free-threaded choice); a
   *default build* is one without ``--disable-gil`` whose GIL is on.
2. The **newest CPython series that has both builds** wins (3.14 and 3.14t
   over 3.13 and 3.13t): the two then differ only in the GIL. Within that
   series a pair of exactly the same version is preferred, then a pair found
   in the same place (both provisioned, both from uv...), then the newest
   version, then the pair with a member listed earliest by ``discover()``
   (host, then ``$GILREF_PYTHONS``, provisioned builds, ``PATH``, uv).
3. Otherwise the **best available**: the newest free-threaded build with the
   default build closest to it in version (the newer one on a tie); or, with no
   free-threaded build at all, the newest default build alone; or nothing.
   ``BuildPair.reason`` says which of these happened, in one line.

A chapter with an extra requirement (subinterpreters need CPython 3.12+)
passes it as ``where=``: the same policy over the interpreters that meet it,
so every chapter still lands on the same builds wherever they qualify.

When a build is missing, a chapter shows :func:`missing_note` as a visible
admonition: what is missing and how to get it.

Standard library only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core._checks import check_seconds
from . import child as childrun
from . import store
from .discover import ENV_PYTHONS, Interpreter, discover

__all__ = [
    "ENABLE_FREE_THREADED",
    "BuildPair",
    "choose",
    "is_default_build",
    "is_free_threaded_build",
    "missing_note",
    "run_on",
]

#: How a reader gets a free-threaded interpreter onto this host (Markdown, for notes on the page).
ENABLE_FREE_THREADED = (
    "To include it, install a free-threaded CPython 3.13 or later (3.14t preferred: e.g. "
    "`uv python install 3.14t`, the python.org installer's free-threaded option, or a distribution's "
    "`python3.13t` package) together with the default build of the same version, and put both on "
    f"`PATH` or list their paths in `${ENV_PYTHONS}` (separated by `{os.pathsep}`); or let "
    "`python -m gilref provision` build CPython 3.13 and 3.13t from source (a few minutes per build; "
    f"`${store.ENV_SOURCE}` may name a source tarball). Then build the book again."
)


def is_free_threaded_build(interp: Interpreter) -> bool:
    """A CPython built with ``--disable-gil`` whose GIL was off when it described itself."""
    return interp.implementation == "CPython" and interp.free_threaded and interp.gil_enabled is False


def is_default_build(interp: Interpreter) -> bool:
    """A CPython built without ``--disable-gil``, with its GIL on."""
    return interp.implementation == "CPython" and not interp.free_threaded and interp.gil_enabled is True


@dataclass(frozen=True)
class BuildPair:
    """The builds a chapter compares, and why these.

    :param gil: the default (GIL) CPython build, or ``None`` if there is none.
    :param free_threaded: the free-threaded CPython build, or ``None``.
    :param reason: one line saying why these were chosen (or what is missing).
    """

    gil: Interpreter | None
    free_threaded: Interpreter | None
    reason: str

    @property
    def complete(self) -> bool:
        """Both builds were found."""
        return self.gil is not None and self.free_threaded is not None

    @property
    def matched(self) -> bool:
        """Both builds were found and belong to the same CPython series (e.g. 3.14)."""
        return (self.gil is not None and self.free_threaded is not None
                and self.gil.series == self.free_threaded.series)

    @property
    def members(self) -> list[Interpreter]:
        """The builds found, the GIL build first."""
        return [i for i in (self.gil, self.free_threaded) if i is not None]

    @property
    def text(self) -> str:
        """The pair for prose, e.g. ``"CPython 3.13.5 and 3.13.5t"``."""
        if self.gil is not None and self.free_threaded is not None:
            return f"CPython {self.gil.version} and {self.free_threaded.version}t"
        if self.gil is not None:
            return f"CPython {self.gil.version} (no free-threaded build)"
        if self.free_threaded is not None:
            return f"CPython {self.free_threaded.version}t (no default build)"
        return "no CPython build"

    def describe(self) -> str:
        """Two or three lines: the builds with their paths, and the reason."""
        lines = [f"GIL build:           {self.gil.label} ({self.gil.executable})" if self.gil
                 else "GIL build:           none",
                 f"free-threaded build: {self.free_threaded.label} ({self.free_threaded.executable})"
                 if self.free_threaded else "free-threaded build: none",
                 f"why: {self.reason}"]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``text``, ``reason``, ``matched``, and each build's fields (or ``None``)."""
        return {
            "text": self.text,
            "reason": self.reason,
            "matched": self.matched,
            "gil": self.gil.to_dict() if self.gil else None,
            "free_threaded": self.free_threaded.to_dict() if self.free_threaded else None,
        }


def _pair_rank(gil: Interpreter, ft: Interpreter, order: Mapping[int, int]) -> tuple[Any, ...]:
    # Smaller is better: same version, same source, newest, earliest listed.
    return (
        gil.version_tuple != ft.version_tuple,
        gil.source != ft.source,
        tuple(-p for p in ft.version_tuple),
        tuple(-p for p in gil.version_tuple),
        min(order[id(ft)], order[id(gil)]),
        max(order[id(ft)], order[id(gil)]),
    )


def choose(
    interpreters: Sequence[Interpreter] | None = None,
    *,
    where: Callable[[Interpreter], bool] | None = None,
) -> BuildPair:
    """The builds the book compares, by the policy in this module's docstring.

    :param interpreters: candidates; default ``gilref.interp.discover.discover()``.
    :param where: an extra requirement each chosen build must meet (e.g. a
        minimum version); the policy then runs over the interpreters that meet it.
    :returns: a :class:`BuildPair`; either build is ``None`` when the host has none.
    """
    found = list(discover() if interpreters is None else interpreters)
    for interp in found:
        if not isinstance(interp, Interpreter):
            raise TypeError(f"interpreters must hold Interpreter objects, got {type(interp).__name__}")
    usable = [i for i in found if i.runs_gilref and (where is None or where(i))]
    order = {id(i): n for n, i in enumerate(usable)}
    free = [i for i in usable if is_free_threaded_build(i)]
    default = [i for i in usable if is_default_build(i)]
    series = sorted({f.version_tuple[:2] for f in free} & {g.version_tuple[:2] for g in default}, reverse=True)
    if series:
        newest = series[0]
        pairs = [(g, f) for f in free for g in default
                 if f.version_tuple[:2] == newest and g.version_tuple[:2] == newest]
        gil, ft = min(pairs, key=lambda p: _pair_rank(p[0], p[1], order))
        older = [".".join(map(str, s)) for s in series[1:]]
        also = f" (newer than {', '.join(older)}, also found in both builds)" if older else ""
        return BuildPair(gil, ft, f"{gil.series} is the newest CPython series found in both builds{also}")
    if free:
        ft = min(free, key=lambda i: (tuple(-p for p in i.version_tuple), order[id(i)]))
        if not default:
            return BuildPair(None, ft, f"no default CPython build was found to compare {ft.label} with")

        def distance(g: Interpreter) -> tuple[Any, ...]:
            major, minor = ft.version_tuple[:2]
            gap = abs((g.version_tuple[0] - major) * 100 + g.version_tuple[1] - minor)
            return (gap, tuple(-p for p in g.version_tuple), order[id(g)])

        gil = min(default, key=distance)
        return BuildPair(gil, ft, f"no CPython series was found in both builds: {ft.label} is the newest "
                                  f"free-threaded build and {gil.label} the default build closest to it")
    if default:
        gil = min(default, key=lambda i: (tuple(-p for p in i.version_tuple), order[id(i)]))
        return BuildPair(gil, None, f"no free-threaded CPython was found; {gil.label} is the newest default build")
    return BuildPair(None, None, "no CPython build that runs gilref was found")


def missing_note(what: str = "a free-threaded CPython", pair: BuildPair | None = None) -> str:
    """Why this host lacks *what* and how to get it (Markdown), for a chapter's admonition.

    :param what: the missing thing, as a noun phrase (``"a free-threaded CPython"``).
    :param pair: the chosen builds, whose reason is quoted when given.

    Says when provisioning was skipped on purpose (``$GILREF_SKIP_PROVISION``),
    lists what the last ``python -m gilref provision`` tried, and ends with
    :data:`ENABLE_FREE_THREADED`.
    """
    if store.skip_requested():
        why = (f"Provisioning was skipped on purpose (`${store.ENV_SKIP}` is set), so this build lacks "
               f"{what} and leaves out the measurements that need it.")
    else:
        why = f"This build lacks {what}, so it leaves out the measurements that need it."
    if pair is not None:
        why += f" This edition compares {pair.text}: {pair.reason}."
    tried: list[str] = []
    if not store.skip_requested():
        for o in (store.last_status() or {}).get("outcomes", []):
            if isinstance(o, dict) and not o.get("executable"):
                tried.extend(str(t) for t in o.get("tried", []))
    if tried:
        why += " `python -m gilref provision` tried:\n\n" + "\n".join(f"- {t}" for t in dict.fromkeys(tried))
    return why + "\n\n" + ENABLE_FREE_THREADED


def run_on(
    interp: Interpreter,
    target: str,
    kwargs: Mapping[str, Any] | None = None,
    *,
    timeout: float = 120.0,
) -> Any:
    """Call the gilref function *target* inside *interp* and return its JSON result.

    :param interp: the interpreter to run in (a fresh child process of it).
    :param target: ``"gilref.module:function"``.
    :param kwargs: JSON-ready keyword arguments.
    :param timeout: seconds before the child and everything it started are killed
        (``gilref.interp.child.ChildTimeout``).
    """
    if not isinstance(interp, Interpreter):
        raise TypeError(f"interp must be an Interpreter, got {type(interp).__name__}")
    check_seconds("timeout", timeout, allow_zero=False)
    return childrun.call(interp.executable, target, kwargs, timeout=timeout)
