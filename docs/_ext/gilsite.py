"""Sphinx extension for the gilref site: self-contained pages that state their edition.

* **Nothing from outside at read time.** Math is rendered by a MathJax copy
  shipped with the site (from the ``sphinx-mathjax-offline`` package, copied
  into ``_static/mathjax`` only when some page has math), never from a CDN;
  a page with math and no local MathJax is a build error. ``conf.py`` turns
  off myst-nb's ipywidgets scripts (a CDN) and sets a local favicon.
* **Every edition states its host.** When the chapters have been read, the
  records their executed notebooks published (kept per page by :mod:`gilbook`,
  see :mod:`gilref.book.chapter`) are merged into one edition
  (:mod:`gilref.book.edition`): the host, every Python build that measured,
  the dates, the commit, and per chapter its execution. Every page's footer says
  so, names the page's own execution (fingerprint and when it ran, the same id
  ``edition.json`` holds for that chapter) and links the edition's JSON, written
  to ``_static/edition.json`` when the build finishes. When the edition's part of
  the footer differs from what the written pages carry (a marker in the output
  folder, updated only when a build finishes), every page is rewritten.
"""

from __future__ import annotations

import html
import shutil
from importlib import metadata
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

logger = logging.getLogger(__name__)

EDITION_FILE = "_static/edition.json"
FOOTER_MARKER = ".gilsite-footer"
MATHJAX_PACKAGE = "sphinx-mathjax-offline"
MATHJAX_ENTRY = "tex-chtml.js"


def local_mathjax() -> Path | None:
    """The MathJax 3 directory shipped by the ``sphinx-mathjax-offline`` package, if installed."""
    try:
        dist = metadata.distribution(MATHJAX_PACKAGE)
    except metadata.PackageNotFoundError:
        return None
    path = Path(str(dist.locate_file("sphinx-mathjax-offline/static/mathjax")))
    return path if (path / MATHJAX_ENTRY).is_file() else None


def _on_config_inited(app: Sphinx, config: Any) -> None:
    # A relative mathjax_path is served from the site's own _static directory.
    if "://" in str(config.mathjax_path) or str(config.mathjax_path).startswith("//"):
        config.mathjax_path = f"mathjax/{MATHJAX_ENTRY}"


def _on_builder_inited(app: Sphinx) -> None:
    from gilref.book.edition import commit_info

    app.gilsite_commit = commit_info(app.confdir)  # type: ignore[attr-defined]
    app.gilsite_edition = None  # type: ignore[attr-defined]


def _reading_order(env: BuildEnvironment, root: str) -> list[str]:
    """Documents in the order a reader meets them in the toctrees (then the rest, sorted)."""
    order: list[str] = []
    stack = [root]
    while stack:
        doc = stack.pop(0)
        if doc in order:
            continue
        order.append(doc)
        stack[0:0] = [d for d in env.toctree_includes.get(doc, []) if d not in order]
    return order + sorted(set(env.found_docs) - set(order))


def _make_edition(app: Sphinx, env: BuildEnvironment) -> dict[str, Any]:
    from gilref.book.edition import build_edition, records_from_publications

    publications = getattr(env, "gilbook_publications", {})
    records, problems = records_from_publications(publications, _reading_order(env, app.config.root_doc))
    for problem in problems:
        logger.warning("gilsite: %s", problem)
    return build_edition(records, commit=app.gilsite_commit, title=app.config.project)  # type: ignore[attr-defined]


def page_execution(env: BuildEnvironment, pagename: str) -> dict[str, Any] | None:
    """The execution whose outputs page *pagename* shows (``None``: the page ran nothing)."""
    pub = getattr(env, "gilbook_publications", {}).get(pagename)
    return dict(pub["execution"]) if isinstance(pub, dict) and pub.get("execution") else None


def footer_html(edition: dict[str, Any], href: str, execution: dict[str, Any] | None = None) -> str:
    """The footer paragraph for *edition*, linking its JSON at *href*; with *execution*,
    it names the execution the page shows first (its id as in ``edition.json``)."""
    from gilref.book.edition import execution_id, footer_text

    f = {k: html.escape(v) for k, v in footer_text(edition).items()}
    own = ""
    if execution is not None:
        own = ('This page shows execution <code class="gilref-execution-id">'
               f"{html.escape(execution_id(execution))}</code>. ")
    return (
        '<p class="gilref-edition">'
        f"{own}This edition was measured on <strong>{f['host']}</strong>; "
        f"Python builds used: {f['pythons']}. "
        f"Measured {f['measured']}, built {f['built']} from {f['commit']} (gilref {f['version']}). "
        f'<a class="reference download" href="{html.escape(href)}" download="edition.json">'
        "Download every measurement of this edition (edition.json)</a>."
        "</p>"
    )


def _footer_key(edition: dict[str, Any]) -> str:
    from gilref.book.edition import footer_text

    return repr(sorted(footer_text(edition).items()))


def _marker(app: Sphinx) -> Path:
    return Path(app.outdir) / FOOTER_MARKER


def _on_env_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    edition = _make_edition(app, env)
    app.gilsite_edition = edition  # type: ignore[attr-defined]
    app.gilsite_footer = _footer_key(edition)  # type: ignore[attr-defined]
    try:
        written = _marker(app).read_text(encoding="utf-8")
    except OSError:
        written = None
    if written != app.gilsite_footer:  # type: ignore[attr-defined]
        return sorted(env.found_docs)  # rewrite every page with the new footer
    return []


def _on_html_page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                          doctree: Any) -> None:
    edition = getattr(app, "gilsite_edition", None)
    if edition is None:
        return
    href = context["pathto"](EDITION_FILE, 1)
    context["theme_extra_footer"] = footer_html(edition, href, page_execution(app.env, pagename))
    if context.get("has_maths_elements") and local_mathjax() is None:
        logger.warning("gilsite: %s shows math but no local MathJax is installed, so the page would load it "
                       "from outside: install %s (it is in the docs dependency group)", pagename, MATHJAX_PACKAGE)


def _on_build_finished(app: Sphinx, exc: BaseException | None) -> None:
    if exc is not None or app.builder.format != "html":
        return
    from gilref.book.edition import write_edition

    edition = getattr(app, "gilsite_edition", None)
    if edition is None:
        edition = _make_edition(app, app.env)
    target = write_edition(Path(app.outdir) / EDITION_FILE, edition)
    logger.info("gilsite: %d chapter record(s) in %s", len(edition["chapters"]), target)
    # Only now do all written pages carry this footer (an interrupted build leaves the old marker).
    _marker(app).write_text(_footer_key(edition), encoding="utf-8")
    _copy_mathjax(app)


def _copy_mathjax(app: Sphinx) -> None:
    """Ship MathJax with the site if a page loads it; remove it if none does."""
    outdir = Path(app.outdir)
    needle = f"_static/mathjax/{MATHJAX_ENTRY}"
    pages = [p for p in outdir.rglob("*.html") if needle in p.read_text(encoding="utf-8", errors="replace")]
    target = outdir / "_static" / "mathjax"
    if not pages:
        shutil.rmtree(target, ignore_errors=True)
        return
    source = local_mathjax()
    if source is not None and not (target / MATHJAX_ENTRY).is_file():
        # The entry point and what it loads lazily (fonts, TeX extensions, menu, speech);
        # not the other combined builds nor the SVG output: 9 MB instead of 24.
        def unused(directory: str, names: list[str]) -> set[str]:
            if Path(directory) == source:
                return {n for n in names if n.endswith(".js") and n != MATHJAX_ENTRY}
            if Path(directory) == source / "output":
                return {n for n in names if n.startswith("svg")}
            return set()

        shutil.copytree(source, target, ignore=unused, dirs_exist_ok=True)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _on_config_inited)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("env-updated", _on_env_updated)
    app.connect("html-page-context", _on_html_page_context)
    app.connect("build-finished", _on_build_finished)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
