"""Sphinx extension for the gilref site: links into the repository the site is built from.

Two configuration values, both empty for a local build::

    sphinx-build ... -D gilref_repository=https://github.com/OWNER/NAME -D gilref_repository_ref=COMMIT

``gilref_repository``
    the repository's web address (the Pages workflow passes the one it runs in);
``gilref_repository_ref``
    the commit or branch the files are linked at (default ``HEAD``, the default branch).

With a repository set, every page gets the theme's repository button and a
"source" button linking the page's own file in ``docs/``, and the role
``{repo-file}`examples/countdown.py``` links that file in the repository. With
none set, the theme shows neither button and the role renders the path as
plain text: a local or offline build has no link that leads nowhere.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.nodes import split_explicit_title

logger = logging.getLogger(__name__)

_URL_RE = re.compile(r"^https://[A-Za-z0-9.-]+(:\d+)?(/[A-Za-z0-9._~-]+)+$")
_REF_RE = re.compile(r"^[A-Za-z0-9._/-]+$")
DOCS_DIR = "docs"


def repository(config: Any) -> str:
    """The configured repository address without a trailing slash (``""``: none)."""
    return str(config.gilref_repository or "").strip().rstrip("/")


def file_url(repo: str, ref: str, path: str) -> str:
    """The address of *path* (relative to the repository's top) at *ref* in *repo*."""
    return f"{repo}/blob/{ref or 'HEAD'}/{path.lstrip('/')}"


def _on_config_inited(app: Sphinx, config: Any) -> None:
    repo = repository(config)
    ref = str(config.gilref_repository_ref or "").strip() or "HEAD"
    if not repo:
        return
    if not _URL_RE.match(repo):
        logger.warning("gilrepo: gilref_repository must be an https:// address of a repository, got %r: "
                       "no repository links", repo)
        config.gilref_repository = ""
        return
    if not _REF_RE.match(ref):
        logger.warning("gilrepo: gilref_repository_ref %r is not a commit or branch name: using HEAD", ref)
        ref = "HEAD"
    config.gilref_repository = repo
    config.gilref_repository_ref = ref
    options = dict(config.html_theme_options or {})
    options.update({
        "repository_url": repo,
        "repository_branch": ref,
        "path_to_docs": DOCS_DIR,
        "use_repository_button": True,
        "use_source_button": True,
    })
    config.html_theme_options = options


def repo_file_role(name: str, rawtext: str, text: str, lineno: int, inliner: Any,
                   options: dict[str, Any] | None = None, content: list[str] | None = None
                   ) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """``{repo-file}`path``` or ``{repo-file}`title <path>```: a link to the file in the
    repository, or the path as literal text when no repository is configured."""
    has_title, title, path = split_explicit_title(text)
    config = inliner.document.settings.env.config
    repo = repository(config)
    label = title if has_title else path
    if not repo:
        return [nodes.literal(rawtext, path)], []
    ref = nodes.reference(rawtext, label, refuri=file_url(repo, config.gilref_repository_ref, path),
                          classes=["gilref-repo-file"])
    return [ref], []


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("gilref_repository", "", "env", [str])
    app.add_config_value("gilref_repository_ref", "", "env", [str])
    app.connect("config-inited", _on_config_inited)
    app.add_role("repo-file", repo_file_role)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
