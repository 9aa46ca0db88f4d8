"""An *edition*: every measurement of one build of the book, in one versioned JSON file.

While the book is built, each chapter records what it glued, claimed and
measured (:mod:`gilref.book.chapter`) and publishes its records as an output of
its executed notebook, together with its *execution*: the fingerprint of what
it used and when it ran. The build takes those from the notebooks it renders
(:func:`records_from_publications`) and merges them into one document that the
site offers for download (``_static/edition.json``); each chapter's record
carries its ``execution`` (whose :func:`execution_id` the page's footer shows)::

    {"format": "gilref-edition", "version": 1,
     "edition": {"gilref_version": "0.1.0", "built": "2026-01-31T12:00:00+00:00",
                 "commit": "0123abc...", "commit_short": "0123abc", "commit_dirty": false,
                 "host": {...host facts of the build...}, "host_summary": "CPython 3.12 ...",
                 "python_builds": ["CPython 3.12.8 (default build, GIL on)", ...],
                 "measured_from": "...", "measured_to": "...", "chapters": ["intro", ...]},
     "chapters": {"intro": {...the chapter's record...}, ...}}

Standard library only.
"""

from __future__ import annotations

import datetime
import os
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..core.hostinfo import collect_metadata, host_summary
from ..core.jsonio import write_json

__all__ = [
    "EDITION_FORMAT",
    "EDITION_VERSION",
    "build_edition",
    "commit_info",
    "compared_builds",
    "execution_id",
    "footer_text",
    "python_builds",
    "records_from_publications",
    "write_edition",
]

EDITION_FORMAT = "gilref-edition"
EDITION_VERSION = 1
CHAPTER_FORMAT = "gilref-chapter"  # the format of gilref.book.chapter's per-chapter records


def commit_info(root: str | Path) -> dict[str, Any]:
    """The commit the book is built from: ``commit``, ``commit_short``, ``commit_dirty``.

    Asks ``git`` in *root* (with a 10 s deadline); falls back to ``$GITHUB_SHA``
    (CI checkouts), and gives ``None`` values when neither knows (a source
    archive, no git installed). ``commit_dirty`` is True when tracked files have
    uncommitted changes.
    """
    def git(*args: str) -> str | None:
        try:
            proc = subprocess.run(["git", *args], cwd=str(root), capture_output=True, text=True,
                                  timeout=10, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            return None
        return proc.stdout.strip() if proc.returncode == 0 else None

    commit = git("rev-parse", "--verify", "HEAD")
    dirty: bool | None = None
    if commit:
        status = git("status", "--porcelain", "--untracked-files=no")
        dirty = bool(status) if status is not None else None
    else:
        commit = os.environ.get("GITHUB_SHA") or None
    return {
        "commit": commit,
        "commit_short": commit[:12] if commit else None,
        "commit_dirty": dirty,
    }


def execution_id(execution: Mapping[str, Any] | None) -> str:
    """The id of one execution of a chapter: ``<fingerprint>@<when it ran>`` (UTC), or
    ``"none"`` for a page that ran nothing."""
    if not execution:
        return "none"
    return f"{execution.get('fingerprint', '?')}@{execution.get('executed_at', '?')}"


def records_from_publications(
    publications: Mapping[str, Any], order: Iterable[str] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The chapter records published by executed notebooks, each with its ``execution``.

    :param publications: docname -> the document a notebook published
        (see :func:`gilref.book.chapter.publish`: ``execution`` and ``records``).
    :param order: docnames in reading order (default: sorted); others follow, sorted.
    :returns: ``(records by chapter key, problems)``; a chapter key published by
        two pages keeps the first and is named in *problems*.
    """
    names = list(order) if order is not None else []
    names += sorted(set(publications) - set(names))
    records: dict[str, Any] = {}
    problems: list[str] = []
    for docname in names:
        pub = publications.get(docname)
        if not isinstance(pub, Mapping):
            continue
        execution = {k: v for k, v in dict(pub.get("execution") or {}).items() if k != "build"}
        execution["id"] = execution_id(execution)
        for record in pub.get("records") or []:
            if not isinstance(record, Mapping) or record.get("format") != CHAPTER_FORMAT:
                problems.append(f"{docname}: published something that is not a gilref chapter record")
                continue
            key = str(record.get("chapter"))
            if key in records:
                problems.append(f"{docname}: chapter key {key!r} was already published by "
                                f"{records[key]['execution'].get('docname')}")
                continue
            records[key] = {**record, "execution": execution}
    return records, problems


def _python_label(md: Mapping[str, Any]) -> str:
    impl = md.get("python_implementation", "?")
    version = md.get("python_version", "?")
    build = md.get("python_build")
    gil = md.get("gil_enabled")
    state = "GIL on" if gil is True else "GIL off" if gil is False else "GIL unknown"
    if build in ("default", "free-threaded"):
        return f"{impl} {version} ({build} build, {state})"
    return f"{impl} {version} ({state})"


def python_builds(records: Mapping[str, Any]) -> list[str]:
    """Every Python build that measured something in *records*, host's first.

    Found in any metadata (a dict with ``python_implementation`` and
    ``python_version``) inside the records: the chapters' own and their suites'.
    """
    seen: dict[str, None] = {}

    def walk(node: Any, depth: int) -> None:
        if depth > 8:
            return
        if isinstance(node, Mapping):
            if "python_implementation" in node and "python_version" in node:
                seen.setdefault(_python_label(node))
            for value in node.values():
                walk(value, depth + 1)
        elif isinstance(node, list):
            for value in node:
                walk(value, depth + 1)

    for record in records.values():
        if isinstance(record, Mapping):
            walk(record.get("metadata"), 0)
    for record in records.values():
        walk(record, 0)
    # "CPython 3.13.5 (GIL on)" (no build recorded) adds nothing to "CPython 3.13.5 (default build, GIL on)".
    labels = list(seen)
    return [label for label in labels
            if "build," in label or not any(other.startswith(label.split(" (")[0] + " (") and "build," in other
                                            for other in labels)]


def compared_builds(records: Mapping[str, Any]) -> dict[str, list[str]]:
    """Which builds the chapters compared: the pair's text -> the chapters that compared it.

    Read from each record's ``builds`` (:meth:`gilref.book.chapter.Chapter.compared`);
    with the book's one interpreter policy there is a single entry.
    """
    out: dict[str, list[str]] = {}
    for key, record in records.items():
        pair = record.get("builds") if isinstance(record, Mapping) else None
        if isinstance(pair, Mapping) and isinstance(pair.get("text"), str):
            out.setdefault(pair["text"], []).append(key)
    return out


def _dates(records: Mapping[str, Any]) -> list[str]:
    out = []
    for record in records.values():
        md = record.get("metadata") if isinstance(record, Mapping) else None
        if isinstance(md, Mapping) and isinstance(md.get("date"), str):
            out.append(md["date"])
    return sorted(out)


def build_edition(
    records: Mapping[str, Any],
    *,
    commit: Mapping[str, Any] | None = None,
    host: dict[str, Any] | None = None,
    built: str | None = None,
    title: str = "",
) -> dict[str, Any]:
    """The edition document for *records* (chapter key -> record), as a JSON-ready dict.

    :param commit: :func:`commit_info` output (``None`` values when unknown).
    :param host: host facts of the build (default: :func:`~gilref.core.hostinfo.collect_metadata`).
    :param built: ISO 8601 build time (default: now, UTC).
    """
    from ..core._version import __version__

    md = collect_metadata() if host is None else host
    dates = _dates(records)
    info = dict(commit or {"commit": None, "commit_short": None, "commit_dirty": None})
    return {
        "format": EDITION_FORMAT,
        "version": EDITION_VERSION,
        "edition": {
            "title": title,
            "gilref_version": __version__,
            "built": built or datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "commit": info.get("commit"),
            "commit_short": info.get("commit_short"),
            "commit_dirty": info.get("commit_dirty"),
            "host": md,
            "host_summary": host_summary(md),
            "python_builds": python_builds(records),
            "compared_builds": compared_builds(records),
            "measured_from": dates[0] if dates else None,
            "measured_to": dates[-1] if dates else None,
            "chapters": list(records),
        },
        "chapters": dict(records),
    }


def write_edition(path: str | Path, edition: Mapping[str, Any]) -> Path:
    """Write *edition* to *path* as JSON (atomically); return the path."""
    return write_json(path, edition, default=str)


def footer_text(edition: Mapping[str, Any]) -> dict[str, str]:
    """The parts of the line every page shows about its edition (plain text).

    Keys: ``host`` (CPU, OS, interpreter of the build), ``pythons`` (every
    Python build that measured), ``measured`` (date or date range, UTC),
    ``commit`` (short hash, or a phrase when unknown), ``version``.
    """
    ed = edition["edition"]
    start, end = (ed.get("measured_from") or ed["built"])[:10], (ed.get("measured_to") or ed["built"])[:10]
    commit = ed.get("commit_short")
    if commit:
        commit_text = f"commit {commit}" + (" with uncommitted changes" if ed.get("commit_dirty") else "")
    else:
        commit_text = "an unknown commit (not built from a git checkout)"
    return {
        "host": str(ed.get("host_summary", "")),
        "pythons": ", ".join(ed.get("python_builds") or []) or "none recorded",
        "measured": start if start == end else f"{start} to {end}",
        "built": str(ed["built"])[:10],
        "commit": commit_text,
        "version": str(ed.get("gilref_version", "")),
    }
