"""Naming re-exported functions and classes by the package a reader imports them from.

A topic split into private modules re-exports its public names from the package's
``__init__`` (as trio does). :func:`publish` sets each one's ``__module__`` to the
package, so that the API pages, type hints and base classes name
``gilref.topics.release.Work`` rather than ``gilref.topics.release._work.Work``,
and pickle finds functions sent to worker processes by that public path (which a
worker can import under every start method).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping


def publish(package: str, names: Iterable[str], namespace: Mapping[str, object]) -> None:
    """Set ``__module__`` to *package* on each function and class of *names* in *namespace*
    that one of the package's own private modules (``package._*``) defines.

    Data (tuples, numbers) has no ``__module__`` and is left alone; so is anything
    defined elsewhere.

    :param package: the package's ``__name__``.
    :param names: the names it exports (its ``__all__``).
    :param namespace: its ``globals()``.
    """
    prefix = package + "._"
    for name in names:
        obj = namespace[name]
        if not (isinstance(obj, type) or inspect.isfunction(obj)):
            continue
        if getattr(obj, "__module__", "").startswith(prefix):
            obj.__module__ = package
