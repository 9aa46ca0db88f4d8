"""Sphinx extension for the gilref book: keep executed results honest.

myst-nb's execution cache (jupyter-cache) keys a notebook on its own cells
only. The chapters measure with code in ``gilref/`` and include files from
``examples/``; a change there, or a build on a different machine, must re-run
them or the book would show stale numbers. This extension therefore

* computes a *build fingerprint*: a hash of every file under the configured
  paths (``gilbook_fingerprint_paths``, default ``gilref`` and ``examples``)
  and of the machine (CPU model and count, OS, Python version and build);
* appends to every executed chapter a hidden cell holding that fingerprint
  (``source-read``), so the notebook's cache key changes with it;
* marks every executed chapter outdated when the fingerprint changed since the
  last build (``env-get-outdated``), so Sphinx reads it again;
* points the chapters at a results directory (``GILREF_RESULTS_DIR``) where
  :mod:`gilref.book.chapter` records every glued value, claim and suite;
* lets a chapter that computes from other chapters' results declare them in its
  front matter (``gilref_needs: [cpu-vs-io, processes]``, by docname, which is
  also each chapter's results key): it is read after them, its fingerprint
  includes their results, and it is re-read whenever one of them is;
* treats ``gilref_uses: [...]`` the same way, for chapters an edition may or may
  not have (the chapter itself decides what to show when one is absent).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

logger = logging.getLogger(__name__)

FINGERPRINT_CELL = """

```{{code-cell}} ipython3
:tags: [remove-cell]

# Build fingerprint, added by docs/_ext/gilbook.py: it changes when gilref/,
# examples/ or the machine change, so this chapter is measured again.
_gilref_build_fingerprint = "{fingerprint}"
```
"""

_NEEDS_RE = re.compile(r"^gilref_needs:\s*\[([^\]]*)\]", re.M)
_USES_RE = re.compile(r"^gilref_uses:\s*\[([^\]]*)\]", re.M)
_NOTEBOOK_RE = re.compile(r"\A---\s*\n.*?^\s*(file_format:\s*mystnb|kernelspec:)", re.S | re.M)
_SKIP = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


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


def fingerprint(root: Path, paths: list[str], extra: str = "") -> str:
    """A SHA-256 over the files under *paths* (relative to *root*) and *extra*."""
    h = hashlib.sha256()
    for rel in sorted(paths):
        base = root / rel
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for f in files:
            if _SKIP.intersection(f.relative_to(root).parts) or f.suffix in (".pyc", ".pyo"):
                continue
            h.update(str(f.relative_to(root)).encode())
            h.update(b"\0")
            h.update(f.read_bytes())
            h.update(b"\0")
    h.update(extra.encode())
    return h.hexdigest()[:16]


def _root(app: Sphinx) -> Path:
    return Path(app.confdir).resolve()


def _on_config_inited(app: Sphinx, config: Any) -> None:
    results = Path(config.gilbook_results_dir or Path(app.outdir).parent / "gilref-results")
    results.mkdir(parents=True, exist_ok=True)
    os.environ["GILREF_RESULTS_DIR"] = str(results.resolve())
    # Kernels are child processes: let them import gilref from this checkout.
    root = str(_root(app))
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in parts:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *parts])


def _on_builder_inited(app: Sphinx) -> None:
    extra = machine_identity() + "|" + str(app.config.gilbook_fingerprint_extra)
    app.gilbook_fingerprint = fingerprint(  # type: ignore[attr-defined]
        _root(app), list(app.config.gilbook_fingerprint_paths), extra
    )
    logger.info("gilbook: build fingerprint %s", app.gilbook_fingerprint)  # type: ignore[attr-defined]


def _read_head(env: BuildEnvironment, docname: str) -> str:
    try:
        return Path(env.doc2path(docname)).read_text(encoding="utf-8")[:4000]
    except OSError:
        return ""


def _needs_map(env: BuildEnvironment, docnames: Any) -> dict[str, list[str]]:
    return {d: needs_of_text(_read_head(env, d), optional=True) for d in docnames}


def _on_env_before_read_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    docnames[:] = order_by_needs(list(docnames), _needs_map(env, docnames))


def _notebook_docs(app: Sphinx, env: BuildEnvironment) -> list[str]:
    out = []
    for docname in sorted(env.found_docs):
        path = Path(env.doc2path(docname))
        if path.suffix == ".ipynb":
            out.append(docname)
        elif path.suffix == ".md":
            try:
                head = path.read_text(encoding="utf-8")[:4000]
            except OSError:
                continue
            if is_notebook_text(head):
                out.append(docname)
    return out


def _on_env_get_outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    current = app.gilbook_fingerprint  # type: ignore[attr-defined]
    previous = getattr(env, "gilbook_fingerprint", None)
    env.gilbook_fingerprint = current  # type: ignore[attr-defined]
    stale: list[str] = []
    if previous != current:
        stale = [d for d in _notebook_docs(app, env) if d not in added and d not in changed]
        if previous is not None and stale:
            logger.info("gilbook: gilref, examples or machine changed; re-reading %d chapter(s)", len(stale))
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


def _on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    if not is_notebook_text(source[0]):
        return
    value = app.gilbook_fingerprint  # type: ignore[attr-defined]
    needs = needs_of_text(source[0], optional=True)
    if needs:
        # Fold in the results this chapter computes from (read earlier in this build).
        h = hashlib.sha256(value.encode())
        results = Path(os.environ["GILREF_RESULTS_DIR"])
        for need in needs:
            f = results / f"{need}.json"
            h.update(f.read_bytes() if f.exists() else b"missing")
        value = h.hexdigest()[:16]
    source[0] = source[0].rstrip("\n") + "\n" + FINGERPRINT_CELL.format(fingerprint=value)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("gilbook_fingerprint_paths", ["gilref", "examples"], "env")
    app.add_config_value("gilbook_fingerprint_extra", "", "env")
    app.add_config_value("gilbook_results_dir", "", "env")
    app.connect("config-inited", _on_config_inited)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("env-get-outdated", _on_env_get_outdated)
    app.connect("env-before-read-docs", _on_env_before_read_docs)
    app.connect("source-read", _on_source_read)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}
