"""Sphinx extension for the gilref book: each page and its record are one execution.

myst-nb's execution cache (jupyter-cache) keys a notebook on its own cells
only. The chapters measure with code in ``gilref/`` and ``examples/``, on this
machine and its interpreters; this extension makes every chapter's cache key
follow exactly what the chapter uses, and keeps its record inside its outputs:

* **Per-chapter fingerprint** (:mod:`gilinputs`): the ``gilref`` modules its cells
  import (transitively, from the static import graph), the examples it includes
  or runs, each compared as code (comments and docstrings do not count), the
  host, the versions of the packages those import, the identity of every
  interpreter when the chapter measures other interpreters (path, version,
  build flags, the binary's size, mtime and inode, the packages installed in
  it), the records of the chapters it needs, and ``gilbook_fingerprint_extra``
  (``-D gilbook_fingerprint_extra=...``, appended as one more input).
* **One carrier**: ``source-read`` appends to every chapter a hidden cell that
  publishes the chapter's records as an output of MIME type
  :data:`gilref.book.chapter.RECORD_MIME`, with the fingerprint and the inputs
  in the cell (so they are the cache key) and the time it ran in the output;
  then a ``gilbook-record`` directive, which takes that output from the notebook
  myst-nb is rendering, the same one whose outputs become the page. The records
  are kept in the Sphinx environment per page (``env.gilbook_publications``);
  :mod:`gilsite` assembles ``edition.json`` from them, never from files.
* **Chapters that compute from others** list them in their front matter
  (``gilref_needs: [cpu-vs-io, processes]`` by docname, which is also each
  chapter's record key; ``gilref_uses: [...]`` for chapters an edition may lack).
  They are read after those, handed their records (as their pages show them) in
  a hidden first cell, and re-read whenever one of them is.
* **Staleness**: ``env-get-outdated`` re-reads a chapter whose inputs changed
  since it was last read; the cache then executes it or serves an execution
  with the same inputs (after an edit and its revert).
* The ``gilbook-exec-table`` directive (the execution page) shows per chapter
  whether this build executed it, served it from the cache or left it as it
  was, and which inputs changed when it was executed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gilinputs

logger = logging.getLogger(__name__)

RECORD_CELL = """

```{{code-cell}} ipython3
:tags: [remove-cell]

# Added by docs/_ext/gilbook.py: this chapter's records travel in this cell's output, cached with
# the page. The fingerprint and inputs below are what the chapter used; they are its cache key.
from gilref.book.chapter import publish as _gilbook_publish
_gilbook_publish(__import__("json").loads({execution}))
```

```{{gilbook-record}}
```
"""

NEEDS_CELL = """```{{code-cell}} ipython3
:tags: [remove-cell]
from gilref.book.chapter import receive as _gilbook_receive; _gilbook_receive({records})
```
"""
_NEEDS_RE = re.compile(r"^gilref_needs:\s*\[([^\]]*)\]", re.M)
_USES_RE = re.compile(r"^gilref_uses:\s*\[([^\]]*)\]", re.M)
_NOTEBOOK_RE = re.compile(r"\A---\s*\n.*?^\s*(file_format:\s*mystnb|kernelspec:)", re.S | re.M)
_FRONT_RE = re.compile(r"\A---[ \t]*\n.*?^---[ \t]*\n", re.S | re.M)


def is_notebook_text(text: str) -> bool:
    """True if *text* is a MyST notebook (front matter with a kernelspec or mystnb format)."""
    return bool(_NOTEBOOK_RE.search(text))


def needs_of_text(text: str, *, optional: bool = False) -> list[str]:
    """The docnames listed in ``gilref_needs: [...]`` in *text*'s front matter
    (with *optional*: also those in ``gilref_uses: [...]``)."""
    m = re.match(r"\A---\s*\n(.*?)\n---", text, re.S)
    if not m:
        return []
    names: list[str] = []
    for pattern in (_NEEDS_RE, _USES_RE) if optional else (_NEEDS_RE,):
        found = pattern.search(m.group(1))
        if found:
            names += [n.strip().strip("'\"") for n in found.group(1).split(",") if n.strip()]
    return names


def order_by_needs(docnames: list[str], needs: dict[str, list[str]]) -> list[str]:
    """*docnames* reordered so each comes after the ones it needs (stable otherwise).

    :raises ValueError: on a cycle.
    """
    pending = list(docnames)
    placed: list[str] = []
    present = set(docnames)
    while pending:
        for doc in pending:
            if all(n in placed or n not in present for n in needs.get(doc, [])):
                placed.append(doc)
                pending.remove(doc)
                break
        else:
            raise ValueError(f"gilref_needs form a cycle among {pending}")
    return placed


def machine_identity() -> str:
    """What makes measurements from this machine comparable with earlier ones."""
    from gilref.core import hostinfo
    md = hostinfo.collect_metadata()
    keys = ("cpu_model", "usable_cpus", "os", "machine", "python_implementation",
            "python_version", "python_build")
    return "|".join(f"{k}={md.get(k)}" for k in keys)


def _root(app: Sphinx) -> Path:
    return Path(app.confdir).resolve()


def _on_config_inited(app: Sphinx, config: Any) -> None:
    # Kernels are child processes: let them import gilref from this checkout.
    root = str(_root(app))
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in parts:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *parts])


class _Inputs:
    """This build's view of the chapters' inputs (computed once per build, on demand)."""

    def __init__(self, app: Sphinx) -> None:
        self.app = app
        self.root = _root(app)
        self.graph = gilinputs.ImportGraph(self.root / "gilref", cache=self.root / "_build" / ".gilbook-graph.json")
        self.host = machine_identity()
        self.extra = str(app.config.gilbook_fingerprint_extra or "")
        self.uses: dict[str, tuple[str, gilinputs.ChapterUses]] = {}
        self._packages: dict[str, str] | None = None
        self._interpreters: list[dict[str, Any]] | None = None
        self.all_external: set[str] = set()

    def uses_of(self, docname: str, text: str) -> gilinputs.ChapterUses:
        key = hashlib.sha256(text.encode()).hexdigest()
        cached = self.uses.get(docname)
        if cached is None or cached[0] != key:
            doc_dir = Path(self.app.env.doc2path(docname)).parent
            uses = gilinputs.chapter_uses(text, doc_dir=doc_dir, root=self.root, graph=self.graph)
            self.uses[docname] = (key, uses)
            self.all_external |= uses.external
        return self.uses[docname][1]

    def packages(self, names: set[str]) -> dict[str, str]:
        """Host versions of *names* (looked up once per build)."""
        if self._packages is None:
            self._packages = {}
        missing = names - set(self._packages)
        if missing:
            self._packages.update(gilinputs.host_packages(missing))
        return self._packages

    def interpreters(self, names: set[str]) -> dict[str, str]:
        """One input per interpreter found, with the versions of *names* in it."""
        if self._interpreters is None:
            from gilref.interp.discover import discover

            probes = gilinputs.InterpreterProbes(self.root / "_build" / ".gilbook-interpreters.json")
            found = [i.to_dict() for i in discover()]
            self._interpreters = gilinputs.probe_interpreters(found, self.all_external, probes)
            probes.save()
        return gilinputs.interpreter_inputs(self._interpreters, names)

    def own(self, docname: str, text: str) -> dict[str, str]:
        """The chapter's inputs without the records it needs."""
        uses = self.uses_of(docname, text)
        return gilinputs.inputs_for(uses, self.graph, host=self.host, packages=self.packages(uses.external),
                                    interpreters=self.interpreters(uses.external) if uses.measures_interpreters else {},
                                    extra=self.extra)


def _inputs(app: Sphinx) -> _Inputs:
    found = getattr(app, "gilbook_inputs", None)
    if found is None:
        found = _Inputs(app)
        app.gilbook_inputs = found  # type: ignore[attr-defined]
    return found


def _on_builder_inited(app: Sphinx) -> None:
    from gilref.book.chapter import BUILD_ENV

    build = f"{time.time():.0f}-{uuid.uuid4().hex[:8]}"
    os.environ[BUILD_ENV] = build  # the kernels inherit it: a publication names the build that ran it
    # What this build did, reset every build: its id, per docname its status, and the
    # publication the page had before this build read it again.
    app.env.gilbook_this_build = {"id": build, "status": {}, "previous": {}}  # type: ignore[attr-defined]


def _this_build(env: BuildEnvironment) -> dict[str, Any]:
    found = getattr(env, "gilbook_this_build", None)
    if found is None:
        found = {"id": None, "status": {}, "previous": {}}
        env.gilbook_this_build = found  # type: ignore[attr-defined]
    return found


def _read_text(env: BuildEnvironment, docname: str) -> str:
    try:
        return Path(env.doc2path(docname)).read_text(encoding="utf-8")
    except OSError:
        return ""


def _needs_map(env: BuildEnvironment, docnames: Any) -> dict[str, list[str]]:
    return {d: needs_of_text(_read_text(env, d)[:4000], optional=True) for d in docnames}


def _on_env_before_read_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    docnames[:] = order_by_needs(list(docnames), _needs_map(env, docnames))


def _notebook_docs(env: BuildEnvironment) -> dict[str, str]:
    """Every MyST notebook chapter of the book, with its text."""
    out = {}
    for docname in sorted(env.found_docs):
        path = Path(env.doc2path(docname))
        if path.suffix == ".md":
            text = _read_text(env, docname)
            if is_notebook_text(text[:4000]):
                out[docname] = text
    return out


def _publications(env: BuildEnvironment) -> dict[str, dict[str, Any]]:
    found = getattr(env, "gilbook_publications", None)
    if found is None:
        found = {}
        env.gilbook_publications = found  # type: ignore[attr-defined]
    return found


def _on_env_get_outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    inputs = _inputs(app)
    chapters = _notebook_docs(env)
    for docname, text in chapters.items():
        inputs.uses_of(docname, text)  # every package any chapter measures, before probing
    previous: dict[str, str] = getattr(env, "gilbook_own", {})
    stale: list[str] = []
    for docname, text in chapters.items():
        if docname in added or docname in changed:
            continue
        if previous.get(docname) != gilinputs.digest(inputs.own(docname, text)):
            stale.append(docname)
    if stale:
        logger.info("gilbook: inputs changed for %d chapter(s): %s", len(stale), ", ".join(stale))
    # A chapter that needs another chapter's results is re-read whenever that one is.
    needs = _needs_map(env, env.found_docs)
    reread = set(added) | set(changed) | set(stale)
    grew = True
    while grew:
        grew = False
        for doc, wanted in needs.items():
            if doc not in reread and reread.intersection(wanted):
                reread.add(doc)
                stale.append(doc)
                grew = True
    return stale


def _on_env_purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    old = _publications(env).pop(docname, None)
    if old is not None:
        _this_build(env)["previous"].setdefault(docname, old)
    getattr(env, "gilbook_own", {}).pop(docname, None)


def _needed_records(env: BuildEnvironment, needs: list[str]) -> dict[str, Any]:
    """The records of the chapters *needs* names (by docname), as their pages show them."""
    out: dict[str, Any] = {}
    pubs = _publications(env)
    for need in needs:
        for record in (pubs.get(need) or {}).get("records", []):
            out.setdefault(str(record.get("chapter")), record)
    return out


def _on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    text = source[0]
    if not is_notebook_text(text[:4000]):
        return
    env = app.env
    inputs = _inputs(app)
    own = inputs.own(docname, text)
    if not hasattr(env, "gilbook_own"):
        env.gilbook_own = {}  # type: ignore[attr-defined]
    env.gilbook_own[docname] = gilinputs.digest(own)  # type: ignore[attr-defined]
    full = dict(own)
    needs = needs_of_text(text[:4000], optional=True)
    if needs:
        records = _needed_records(env, needs)
        handed = json.dumps(records, sort_keys=True, default=str)
        for key, record in sorted(records.items()):
            full[f"record of {key}"] = hashlib.sha256(
                json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()[:16]
        front = _FRONT_RE.match(text)
        cut = front.end() if front else 0
        text = text[:cut] + "\n" + NEEDS_CELL.format(records=repr(handed)) + text[cut:]
    execution = {"docname": docname, "fingerprint": gilinputs.digest(full), "inputs": full}
    source[0] = text.rstrip("\n") + "\n" + RECORD_CELL.format(execution=repr(json.dumps(execution, sort_keys=True)))


class RecordDirective(SphinxDirective):
    """Take this chapter's published records from the notebook being rendered (added by
    ``source-read``; the page's glued values come from the same notebook)."""

    def run(self) -> list[nodes.Node]:
        from gilref.book.chapter import PUBLICATION_FORMAT, RECORD_MIME

        renderer = self.state.document.attributes.get("nb_renderer")
        client = getattr(getattr(renderer, "renderer", None), "nb_client", None)
        found = None
        for cell in getattr(client, "notebook", {}).get("cells", []):
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if RECORD_MIME in data:
                    found = data[RECORD_MIME]
        docname = self.env.docname
        if not isinstance(found, dict) or found.get("format") != PUBLICATION_FORMAT:
            logger.warning("gilbook: %s published no chapter record (its last cell has no %s output)",
                           docname, RECORD_MIME, location=(docname, self.lineno))
            return []
        publication = json.loads(json.dumps(found))  # plain dicts, not notebook nodes
        _publications(self.env)[docname] = publication
        this = _this_build(self.env)
        this["status"][docname] = _status(this, docname, publication)
        return []


def _status(this: dict[str, Any], docname: str, publication: dict[str, Any]) -> dict[str, str]:
    execution = publication.get("execution", {})
    before = (this["previous"].get(docname) or {}).get("execution")
    if execution.get("build") == this["id"]:
        if before is None:
            why = "first build in this folder"
        else:
            changed = gilinputs.changed_inputs(before.get("inputs", {}), execution.get("inputs", {}))
            why = ("changed: " + gilinputs.describe_changes(changed)) if changed else \
                "no cached execution had these inputs"
        return {"state": "executed", "why": why}
    if before is not None and before.get("executed_at") != execution.get("executed_at"):
        changed = gilinputs.changed_inputs(before.get("inputs", {}), execution.get("inputs", {}))
        why = "an earlier execution with the same inputs" + (
            f" (changed back: {gilinputs.describe_changes(changed)})" if changed else "")
        return {"state": "served from the cache", "why": why}
    return {"state": "served from the cache", "why": "re-read; same execution as before"}


class ExecTableNode(nodes.General, nodes.Element):
    """Placeholder for the execution table, filled in when the page is written."""


class ExecTableDirective(SphinxDirective):
    """Per chapter: what this build did with it (executed, from the cache, unchanged) and why."""

    def run(self) -> list[nodes.Node]:
        if not hasattr(self.env, "gilbook_table_docs"):
            self.env.gilbook_table_docs = set()  # type: ignore[attr-defined]
        self.env.gilbook_table_docs.add(self.env.docname)  # type: ignore[attr-defined]
        return [ExecTableNode()]


#: The execution page's columns (the browser test reads "run time (s)" and "execution id").
EXEC_COLUMNS = ["chapter", "this build", "ran (UTC)", "run time (s)", "execution id"]
#: Seconds two executions of one build may seem to overlap before the table says their
#: times disagree (``executed_at`` is taken in the last cell; the run time also counts the
#: kernel stopping after it, so a start reckoned back from it comes out a little early).
OVERLAP_TOLERANCE_S = 5.0
#: A reason longer than this (characters) is cut short in the cell; the whole is its tooltip.
WHY_SHORT = 48


def _when(text: Any) -> Any:
    """An ISO 8601 time (``executed_at``) as an aware datetime, or None."""
    import datetime

    try:
        found = datetime.datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=datetime.timezone.utc)


def short_why(why: str, limit: int = WHY_SHORT) -> str:
    """*why* cut to about *limit* characters at a list item: ``changed: cells and 5 more``."""
    if len(why) <= limit:
        return why
    head, sep, rest = why.partition(": ")
    if not sep:
        return why[: limit - 1].rstrip() + "…"
    more = re.match(r"(.*) and (\d+) more$", rest)
    items = (more.group(1) if more else rest).split(", ")
    extra = int(more.group(2)) if more else 0
    shown: list[str] = []
    for item in items:
        if shown and len(f"{head}: {', '.join([*shown, item])}") > limit:
            break
        shown.append(item)
    left = len(items) - len(shown) + extra
    return f"{head}: {', '.join(shown)}" + (f" and {left} more" if left else "")


def exec_rows(env: BuildEnvironment) -> list[dict[str, Any]]:
    """The execution table's rows, one per chapter with a record (sorted by docname).

    Each row: ``chapter``, ``this build`` (executed, served from the cache, not
    read), ``why`` (in full) and ``why short``, ``run time (s)`` (text), ``execution
    id``, and for the layout ``fingerprint``, ``finished`` and ``started`` (aware
    datetimes or None) and ``build`` (the build that ran it). The run time and the
    id are of the same execution: both come from the notebook this build rendered
    (a page served from the cache shows the earlier execution's run time and id);
    ``finished`` is when its last cell ran, ``started`` when its first did (records
    from before ``started_at`` was kept: ``finished`` less the run time).
    """
    import datetime

    from gilref.book.edition import execution_id

    rows = []
    status = _this_build(env)["status"]
    exec_data = getattr(env, "nb_metadata", {})
    for docname, pub in sorted(_publications(env).items()):
        execution = pub.get("execution", {})
        st = status.get(docname, {"state": "not read", "why": "no input changed"})
        runtime = (exec_data.get(docname, {}).get("exec_data") or {}).get("runtime")
        finished = _when(execution.get("executed_at"))
        started = _when(execution.get("started_at"))  # its first cell (an older record: less its run time)
        if started is None and finished and runtime is not None:
            started = finished - datetime.timedelta(seconds=runtime)
        rows.append({"chapter": docname, "this build": st["state"], "why": st["why"],
                     "why short": short_why(st["why"]),
                     "run time (s)": "-" if runtime is None else f"{runtime:.1f}",
                     "execution id": execution_id(execution),
                     "fingerprint": str(execution.get("fingerprint", "?")),
                     "finished": finished, "started": started, "build": execution.get("build")})
    return rows


def overlapping(rows: list[dict[str, Any]], tolerance: float = OVERLAP_TOLERANCE_S) -> list[tuple[str, str]]:
    """Pairs of chapters run by one build whose executions overlap in time.

    A build executes one chapter at a time, so an overlap means a run time and an
    id that are not of the same execution (what this table must never show).
    """
    by_build: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("build") and r.get("started") is not None:
            by_build.setdefault(str(r["build"]), []).append(r)
    pairs = []
    for runs in by_build.values():
        runs.sort(key=lambda r: r["started"])
        for before, after in zip(runs, runs[1:]):
            if (before["finished"] - after["started"]).total_seconds() > tolerance:
                pairs.append((before["chapter"], after["chapter"]))
    return pairs


def _ran_text(row: dict[str, Any]) -> tuple[str, str]:
    """(date, ``HH:MM:SS–HH:MM:SS``) of when a row's execution ran, UTC."""
    finished, started = row.get("finished"), row.get("started")
    if finished is None:
        return "", "?"
    import datetime

    end = finished.astimezone(datetime.timezone.utc)
    if started is None:
        return end.strftime("%Y-%m-%d"), "until " + end.strftime("%H:%M:%S")
    start = started.astimezone(datetime.timezone.utc)
    return start.strftime("%Y-%m-%d"), f"{start:%H:%M:%S}\u2013{end:%H:%M:%S}"


class FindingsNode(nodes.General, nodes.Element):
    """Placeholder for the list of the edition's failed claims and broken invariants."""


class FindingsDirective(SphinxDirective):
    """Every claim of the edition that does not hold, and every broken invariant, with its chapter."""

    def run(self) -> list[nodes.Node]:
        if not hasattr(self.env, "gilbook_table_docs"):
            self.env.gilbook_table_docs = set()  # type: ignore[attr-defined]
        self.env.gilbook_table_docs.add(self.env.docname)  # type: ignore[attr-defined]
        return [FindingsNode()]


def finding_rows(env: BuildEnvironment) -> list[dict[str, str]]:
    """One row per claim that does not hold (contradicted or undecided) and per broken invariant,
    by chapter (docname order), claims before invariants, each by key.

    Each row: ``chapter``, ``what`` (``claim contradicted``, ``claim undecided``
    or ``invariant broken``), ``key``, ``statement`` (the claim usually made,
    or what should have held: shown first, in the "what" column, the key small
    after it), ``text`` (the whole finding in one sentence or two), and for the
    layout ``finding`` (what the data said: the claim's text as quoted
    elsewhere, :func:`gilref.core.quoting.quote`, with the aside for what it
    dropped and, when undecided, what would decide it), ``detail`` (the likely
    cause of a broken invariant) and ``again`` (``"yes"`` when a broken
    invariant broke again when re-measured, else ``""``).
    """
    rows = []
    for docname, pub in sorted(_publications(env).items()):
        for record in pub.get("records", []):
            for key, claim in sorted((record.get("claims") or {}).items()):
                if not claim.get("holds"):
                    state = claim.get("state") or "contradicted"
                    # shown on another page: without its sentences about things on its own page
                    from gilref.core.quoting import aside, quote
                    from gilref.core.verdicts import UNDECIDED_HINT

                    text, dropped = quote(str(claim.get("text", "")))
                    if dropped:
                        text += " " + aside(dropped)
                    if state == "undecided":  # as its own page says it: what would decide it
                        text += " " + UNDECIDED_HINT
                    # written for its own page: here, "this page" is the chapter's page
                    statement = re.sub(r"\bthis page\b", "its page", str(claim.get("statement", "")))
                    rows.append({"chapter": docname, "what": f"claim {state}", "key": key,
                                 "statement": statement, "text": text, "finding": text,
                                 "detail": "", "again": ""})
            for key, inv in sorted((record.get("invariants") or {}).items()):
                if not inv.get("holds"):
                    again = " (broke again when re-measured)" if inv.get("remeasured") else ""
                    statement, cause = str(inv.get("statement", "")), str(inv.get("cause", ""))
                    rows.append({"chapter": docname, "what": "invariant broken", "key": key,
                                 "statement": statement,
                                 "text": f"{statement}: it did not{again}. Likely cause: {cause}",
                                 "finding": "It did not." if statement else "It did not hold.",
                                 "detail": f"Likely cause: {cause}" if cause else "",
                                 "again": "yes" if inv.get("remeasured") else ""})
    return rows


_INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|\*([^*\s][^*]*?)\*")


_ROLE = re.compile(r"\{[a-z][\w:.-]*\}`(?:([^`<]*?)\s*<([^>`]*)>|([^`]*))`")
_LINK = re.compile(r"\[([^\]]+)\]\([^)\s]+\)")


def _inline(text: str, titles: dict[str, str] | None = None) -> list[nodes.Node]:
    """*text* with its Markdown code spans, bold and italics as docutils nodes (a claim's
    sentence is written for a MyST page). A ``{doc}`` role reads as the chapter's title when
    *titles* (docname -> title) has it, never as its docname."""
    # roles ({doc}`cpu-vs-io`, {glue:text}`x`) and links read as their text: the table is not a MyST page
    def role(m: re.Match[str]) -> str:
        shown = m.group(1) or m.group(2) or m.group(3)
        if m.group(0).startswith("{doc}") and not m.group(1) and titles:
            return titles.get(str(m.group(3) or m.group(2)).lstrip("/"), shown)
        return shown

    text = _ROLE.sub(role, text)
    text = _LINK.sub(r"\1", text)
    out: list[nodes.Node] = []
    at = 0
    for m in _INLINE.finditer(text):
        if m.start() > at:
            out.append(nodes.Text(text[at:m.start()]))
        if m.group(1) is not None:
            out.append(nodes.literal(m.group(1), m.group(1)))
        elif m.group(2) is not None:
            out.append(nodes.strong(m.group(2), m.group(2)))
        else:
            out.append(nodes.emphasis(m.group(3), m.group(3)))
        at = m.end()
    if at < len(text):
        out.append(nodes.Text(text[at:]))
    return out


def _css() -> str:
    """The execution page's style (``docs/_static/gilbook.css``), or ``""`` if absent."""
    path = Path(__file__).resolve().parent.parent / "_static" / "gilbook.css"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def _html(text: str) -> nodes.raw:
    return nodes.raw("", text, format="html")


class ExecTableTransform(SphinxPostTransform):
    default_priority = 8  # before references are resolved

    def run(self, **kwargs: Any) -> None:
        findings = list(self.document.findall(FindingsNode))
        placeholders = list(self.document.findall(ExecTableNode))
        if not findings and not placeholders:
            return
        builder = self.app.builder
        html = builder.format == "html"
        here = self.env.docname
        first = (findings + placeholders)[0]
        if html and _css():
            # The book's conf.py loads no style sheet of its own: the page carries the table's.
            first.parent.insert(first.parent.index(first), _html(f"<style>\n{_css()}</style>"))
        for found in findings:
            rows = finding_rows(self.env)
            if rows:
                found.replace_self(_findings_table(rows, builder=builder, here=here, html=html))
            else:
                found.replace_self(nodes.paragraph(text="Every claim of this edition holds, and every "
                                                        "invariant its measurements were checked on held."))
        if not placeholders:
            return
        rows = exec_rows(self.env)
        clashes = overlapping(rows)
        for placeholder in placeholders:
            out: list[nodes.Node] = [_table(rows, EXEC_COLUMNS, builder=builder, here=here, html=html)]
            if clashes:
                names = "; ".join(f"{a} and {b}" for a, b in clashes)
                note = nodes.admonition(classes=["warning"])
                note += nodes.title(text="Run times that do not fit their executions")
                note += nodes.paragraph(text=(
                    f"One build executes one chapter at a time, yet these executions overlap: {names}. "
                    "The run time shown for one of each pair is not that of the execution its id names."))
                out.append(note)
            placeholder.replace_self(out)


def _cell(row: dict[str, Any], column: str, *, builder: Any, here: str, html: bool) -> list[nodes.Node]:
    """The content of one cell of the execution table."""
    import html as markup

    if column == "chapter" and builder is not None:
        return [nodes.reference(row[column], row[column], refuri=builder.get_relative_uri(here, row[column]))]
    if not html:
        if column == "this build":
            return [nodes.Text(f"{row['this build']} ({row['why']})")]
        if column == "ran (UTC)":
            return [nodes.Text(" ".join(t for t in _ran_text(row) if t))]
        if column == "execution id":
            return [nodes.literal(text=row[column])]
        return [nodes.Text(str(row[column]))]
    if column == "this build":
        full, short = row["why"], row["why short"]
        title = f' title="{markup.escape(full)}"' if short != full else ""
        return [_html(f'<span class="gilbook-state">{markup.escape(row["this build"])}</span>'
                      f'<span class="gilbook-why"{title}>{markup.escape(short)}</span>')]
    if column == "ran (UTC)":
        date, span = _ran_text(row)
        return [_html(f'<span class="gilbook-date">{markup.escape(date)}</span>'
                      f'<span class="gilbook-span">{markup.escape(span)}</span>')]
    if column == "execution id":
        full = row[column]
        fingerprint, at, when = full.partition("@")
        date, t, clock = when.partition("T")
        # The whole id stays the cell's text (it is what the footer and edition.json hold);
        # it may break after the "@" and before the time of day.
        body = (f'<span class="gilbook-fp">{markup.escape(fingerprint)}</span>{at}<wbr>'
                f'<span class="gilbook-when">{markup.escape(date)}{t}<wbr>{markup.escape(clock)}</span>')
        return [_html(f'<code class="gilbook-id" title="{markup.escape(full)}">{body}</code>')]
    return [nodes.Text(str(row[column]))]


def _table_frame(columns: list[str], css_class: str) -> tuple[nodes.table, nodes.tbody]:
    """An empty table with a header row of *columns*, and its body to append rows to."""
    table = nodes.table(classes=[css_class])
    group = nodes.tgroup(cols=len(columns))
    table += group
    for _ in columns:
        group += nodes.colspec(colwidth=1)
    head = nodes.thead()
    group += head
    row = nodes.row()
    head += row
    for c in columns:
        row += nodes.entry("", nodes.paragraph(text=c))
    body = nodes.tbody()
    group += body
    return table, body


def _table(rows: list[dict[str, Any]], columns: list[str], *, builder: Any = None, here: str = "",
           html: bool = False) -> nodes.table:
    """The execution table (:func:`exec_rows`), one row per chapter."""
    table, body = _table_frame(columns, "gilbook-exec-table")
    for r in rows:
        row = nodes.row(classes=[f"gilbook-{r['this build'].replace(' ', '-')}"])
        body += row
        for c in columns:
            row += nodes.entry("", nodes.paragraph("", "", *_cell(r, c, builder=builder, here=here, html=html)),
                               classes=[f"gilbook-col-{re.sub(r'[^a-z]+', '-', c).strip('-')}"])
    return table


def _findings_table(rows: list[dict[str, str]], *, builder: Any = None, here: str = "",
                    html: bool = False) -> nodes.table:
    """The edition's findings (:func:`finding_rows`): where, what kind, and the finding itself."""
    columns = ["chapter", "what", "finding"]
    table, body = _table_frame(columns, "gilbook-findings")
    titles: dict[str, str] = {}
    if builder is not None:
        titles = {name: title.astext() for name, title in builder.env.titles.items()}
    for r in rows:
        row = nodes.row(classes=[f"gilbook-{r['what'].replace(' ', '-')}"])
        body += row
        if builder is not None:
            title = titles.get(r["chapter"], r["chapter"])
            where: nodes.Node = nodes.reference(title, title, refuri=builder.get_relative_uri(here, r["chapter"]))
        else:
            where = nodes.Text(r["chapter"])
        row += nodes.entry("", nodes.paragraph("", "", where))
        # what was claimed (or should have held) first, in words; its key in edition.json small, after it
        kind = nodes.entry("", nodes.paragraph("", "", nodes.strong(r["what"], r["what"])))
        if r.get("statement"):
            kind += nodes.paragraph("", "", *_inline(r["statement"], titles))
        kind += nodes.paragraph("", "", nodes.literal(r["key"], r["key"], classes=["gilbook-key"]))
        row += kind
        finding = nodes.entry("", nodes.paragraph("", "", *_inline(r["finding"], titles)))
        if r["again"]:
            finding += nodes.paragraph(text="It was measured again and broke again.")
        if r["detail"]:
            finding += nodes.paragraph("", "", *_inline(r["detail"], titles))
        row += finding
    return table


def _on_env_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    _this_build(env)["previous"] = {}  # needed only while reading; not worth pickling
    # The execution table says what *this* build did: its pages are written every build.
    return sorted(getattr(env, "gilbook_table_docs", set()) & set(env.found_docs))


def _on_build_finished(app: Sphinx, exc: BaseException | None) -> None:
    status = _this_build(app.env)["status"]
    executed = sorted(d for d, s in status.items() if s["state"] == "executed")
    logger.info("gilbook: %d chapter(s) executed in this build%s", len(executed),
                (": " + ", ".join(executed)) if executed else "")

#: An example's header line (``# gilref-example: args = ...``): the build's own directives, which
#: a chapter's listing of an example leaves out (the example's own page and the download keep them).
_EXAMPLE_HEADER = re.compile(r"^[ \t]*# gilref-example:.*(?:\n|$)", re.M)


def strip_example_header(text: str) -> tuple[str, int]:
    """*text* (a listing) without its ``# gilref-example:`` lines, and how many were removed."""
    out, n = _EXAMPLE_HEADER.subn("", text)
    return out, n


def _shows_header(docname: str) -> bool:
    """The pages that show an example's header on purpose: the examples overview and each example's page."""
    return docname == "examples" or docname.startswith("examples/")


def _speaks_of_header(doctree: nodes.Node) -> bool:
    """Whether a page's prose names the header lines (inline code ``gilref-example: args``): then its
    listings keep them, since the text points at them."""
    return any("gilref-example" in n.astext() for n in doctree.findall(nodes.literal)
               if not isinstance(n, nodes.literal_block))


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    """In a chapter, drop the ``# gilref-example:`` lines from every listing of a file of ``examples/``."""
    if _shows_header(app.env.docname) or _speaks_of_header(doctree):
        return
    for block in list(doctree.findall(nodes.literal_block)):
        source = str(block.get("source", ""))
        if f"{os.sep}examples{os.sep}" not in source or block.get("linenos"):
            continue  # not an example, or numbered lines that must keep their numbers
        text, removed = strip_example_header(block.astext())
        if removed:
            block.children = [nodes.Text(text)]
            block.rawsource = text


def setup(app: Sphinx) -> dict[str, Any]:
    # Appended to every chapter's inputs (never replacing them); chapters go stale through
    # their inputs, so a new value needs no rebuild of the whole environment.
    app.add_config_value("gilbook_fingerprint_extra", "", "")
    app.add_node(ExecTableNode)
    app.add_directive("gilbook-record", RecordDirective)
    app.add_directive("gilbook-exec-table", ExecTableDirective)
    app.add_node(FindingsNode)
    app.add_directive("gilbook-findings", FindingsDirective)
    app.add_post_transform(ExecTableTransform)
    app.connect("config-inited", _on_config_inited)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("env-get-outdated", _on_env_get_outdated)
    app.connect("env-before-read-docs", _on_env_before_read_docs)
    app.connect("env-purge-doc", _on_env_purge_doc)
    app.connect("source-read", _on_source_read)
    app.connect("doctree-read", _on_doctree_read)
    app.connect("env-updated", _on_env_updated)
    app.connect("build-finished", _on_build_finished)
    return {"version": "2", "parallel_read_safe": False, "parallel_write_safe": True}
