"""Sphinx configuration of the gilref book.

Build with ``nox -s docs`` (or ``sphinx-build -W --keep-going -n -c . docs
_build/html``). The chapters in ``docs/`` are MyST notebooks executed during
the build; see ``docs/_ext/gilbook.py`` for how cached results are kept honest.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

from inventories import cached_inventories  # noqa: E402

import gilref  # noqa: E402

project = "gilref: the GIL, measured"
author = "the gilref authors"
copyright = "2026, the gilref authors"
release = version = gilref.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx_copybutton",
    "gilbook",
    "gilsite",  # self-contained pages (local MathJax), the edition footer and edition.json
    "gilrepo",  # links into the repository the site is built from (none for a local build)
]

root_doc = "index"
exclude_patterns = ["_build", "_ext", "**/.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

# -- Execution: every chapter runs on the build host -------------------------
nb_execution_mode = "cache"  # jupyter-cache: only changed chapters re-execute
nb_execution_cache_path = str(ROOT / "_build" / ".jupyter_cache")
nb_execution_timeout = 600  # seconds per cell; measurements have their own deadlines
nb_execution_raise_on_error = True  # a failing cell fails the build
nb_execution_show_tb = True  # and the log shows the traceback and the chapter
nb_merge_streams = True
nb_ipywidgets_js: dict[str, dict[str, str]] = {}  # no widget scripts from a CDN: pages load nothing from outside
nb_mime_priority_overrides = [
    ("html", "image/svg+xml", 5),
    ("html", "text/markdown", 10),
]
nb_render_markdown_format = "myst"  # a cell's Markdown output (a broken invariant's warning) may hold admonitions
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath", "substitution"]
myst_heading_anchors = 3
# Curly quotes and ellipses, but no dashes: docutils' smartquotes would print a
# command-line flag such as --count, outside a code span, as an en dash, which
# fails when a reader copies it (gilref.book.sitecheck checks the built pages).
smartquotes_action = "qe"

# -- Fingerprints: docs/_ext/gilbook.py gives every chapter its own, from what it uses
# (gilref modules, examples, host, packages, and the interpreters it measures).
# `-D gilbook_fingerprint_extra=...` adds one more input to every chapter's.

# -- Warnings are errors (-W on the command line); references must resolve ----
nitpicky = True
nitpick_ignore = [
    ("py:class", "Figure"),
    ("py:class", "matplotlib.figure.Figure"),
    ("py:class", "Path"),
    ("py:class", "Task"),
    ("py:class", "Tasks"),
    ("py:class", "gilref.core.harness._Result"),  # the TypeVar of interleave's results
    ("py:class", "gilref.book.chapter.T"),  # the TypeVar of Chapter.measure's result
    ("py:class", "gilref.topics.httpserver._StartStop"),  # the servers' private start/stop base
    ("py:class", "Sphinx"),
    # Annotations name these by the module that defines them; the Python docs
    # list them only under concurrent.futures, where readers import them from.
    ("py:class", "concurrent.futures.thread.ThreadPoolExecutor"),
    ("py:class", "concurrent.futures.process.ProcessPoolExecutor"),
]

# -- Intersphinx: offline, from inventories cached by docs/_ext/inventories.py --
intersphinx_mapping = {
    name: (url, str(path)) for name, (url, path) in cached_inventories().items()
}
if "python" not in intersphinx_mapping:
    # No inventory could be had: leave standard-library names as plain text.
    nitpick_ignore_regex = [(r"py:.*", r"(?!gilref).*")]
intersphinx_timeout = 10

# -- API pages ---------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_default_options = {"members": True, "show-inheritance": True}

# -- HTML --------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "gilref: the GIL, measured"
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
}
# -- The repository: set by the Pages workflow (-D gilref_repository=https://github.com/OWNER/NAME
# -D gilref_repository_ref=COMMIT); empty for a local build, which then links no repository at all.
# docs/_ext/gilrepo.py turns on the theme's repository and source buttons when it is set.
gilref_repository = ""
gilref_repository_ref = ""

html_context = {"default_mode": "auto"}  # else the theme logs a console error on a first visit
html_static_path: list[str] = []
html_favicon = "docs/_static/favicon.svg"  # else browsers ask the server for /favicon.ico
html_last_updated_fmt = "%Y-%m-%d"
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
