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


def exec_rows(env: BuildEnvironment) -> list[dict[str, str]]:
    """The execution table's rows, one per chapter with a record (sorted by docname)."""
    from gilref.book.edition import execution_id

    rows = []
    status = _this_build(env)["status"]
    exec_data = getattr(env, "nb_metadata", {})
    for docname, pub in sorted(_publications(env).items()):
        execution = pub.get("execution", {})
        st = status.get(docname, {"state": "not read", "why": "no input changed"})
        runtime = (exec_data.get(docname, {}).get("exec_data") or {}).get("runtime")
        rows.append({"chapter": docname, "this build": st["state"], "why": st["why"],
                     "run time (s)": "-" if runtime is None else f"{runtime:.1f}",
                     "execution id": execution_id(execution)})
    return rows


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
    """One row per claim that does not hold (contradicted or undecided) and per broken invariant."""
    rows = []
    for docname, pub in sorted(_publications(env).items()):
        for record in pub.get("records", []):
            for key, claim in sorted((record.get("claims") or {}).items()):
                if not claim.get("holds"):
                    state = claim.get("state") or "contradicted"
                    rows.append({"chapter": docname, "what": f"claim {state}", "key": key,
                                 "text": claim.get("text", "")})
            for key, inv in sorted((record.get("invariants") or {}).items()):
                if not inv.get("holds"):
                    again = " (broke again when re-measured)" if inv.get("remeasured") else ""
                    rows.append({"chapter": docname, "what": "invariant broken", "key": key,
                                 "text": f"{inv.get('statement', '')}: it did not{again}. Likely cause: "
                                         f"{inv.get('cause', '')}"})
    return rows


class ExecTableTransform(SphinxPostTransform):
    default_priority = 8  # before references are resolved

    def run(self, **kwargs: Any) -> None:
        for found in list(self.document.findall(FindingsNode)):
            rows = finding_rows(self.env)
            if rows:
                found.replace_self(_table(rows, ["chapter", "what", "key", "text"], builder=self.app.builder,
                                          here=self.env.docname))
            else:
                found.replace_self(nodes.paragraph(text="Every claim of this edition holds, and every "
                                                        "invariant its measurements were checked on held."))
        placeholders = list(self.document.findall(ExecTableNode))
        if not placeholders:
            return
        rows = exec_rows(self.env)
        # The execution id already holds when the chapter ran (fingerprint@UTC time).
        columns = ["chapter", "this build", "why", "run time (s)", "execution id"]
        for placeholder in placeholders:
            placeholder.replace_self(_table(rows, columns))


def _table(rows: list[dict[str, str]], columns: list[str], *, builder: Any = None, here: str = "") -> nodes.table:
    table = nodes.table(classes=["colwidths-auto", "gilbook-exec-table"])
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
    for r in rows:
        row = nodes.row()
        body += row
        for c in columns:
            if c == "execution id":
                cell: nodes.Node = nodes.literal(text=r[c])
            elif c == "chapter" and builder is not None:
                cell = nodes.reference(r[c], r[c], refuri=builder.get_relative_uri(here, r[c]))
            else:
                cell = nodes.Text(r[c])
            row += nodes.entry("", nodes.paragraph("", "", cell))
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
    app.connect("env-updated", _on_env_updated)
    app.connect("build-finished", _on_build_finished)
    return {"version": "2", "parallel_read_safe": False, "parallel_write_safe": True}
