"""The book's build configuration, exercised on a small throwaway book.

Uses the real conf.py and docs/_ext, with a temporary docs/ and examples/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow

FRONT = "---\nfile_format: mystnb\nkernelspec:\n  name: python3\n  display_name: Python 3\n---\n\n"


def chapter(title: str, code: str) -> str:
    return f"{FRONT}# {title}\n\nSome prose.\n\n```{{code-cell}} ipython3\n{code}\n```\n"


def counting_chapter(title: str, log: Path) -> str:
    """A chapter whose one cell appends its title to *log* each time it executes."""
    return chapter(title, f"with open({str(log)!r}, 'a') as f:\n    f.write({title!r} + '\\n')")


@pytest.fixture
def book(tmp_path):
    root = tmp_path / "book"
    (root / "docs" / "_ext").mkdir(parents=True)
    shutil.copy(ROOT / "conf.py", root / "conf.py")
    for f in (ROOT / "docs" / "_ext").glob("*.py"):
        shutil.copy(f, root / "docs" / "_ext" / f.name)
    shutil.copytree(ROOT / "docs" / "_static", root / "docs" / "_static")
    (root / "gilref").symlink_to(ROOT / "gilref")
    (root / "examples").mkdir()
    (root / "examples" / "hello.py").write_text("print('hello')\n")
    return root


def write_index(root: Path, *docs: str) -> None:
    entries = "\n".join(docs)
    (root / "docs" / "index.md").write_text(f"# Test book\n\n```{{toctree}}\n{entries}\n```\n")


def load_gilbook():
    """The book's Sphinx extension ``docs/_ext/gilbook.py`` as a module."""
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    try:
        import gilbook
    finally:
        sys.path.remove(str(ROOT / "docs" / "_ext"))
    return gilbook


def write_guide_and_source(root: Path, log: Path, front_matter: str) -> str:
    """Chapters ``aa-guide`` (with *front_matter*, printing ``zz-source``'s glued ``x``) and
    ``zz-source`` (gluing ``x = 41``); both log each execution to *log*. Returns the source's text."""
    write_index(root, "aa-guide", "zz-source")
    guide = counting_chapter("guide", log).replace("file_format: mystnb", f"file_format: mystnb\n{front_matter}")
    guide += ("\n```{code-cell} ipython3\nfrom gilref.book import chapter as book\n"
              "print(book.results_of('zz-source')['values']['x'])\n```\n")
    (root / "docs" / "aa-guide.md").write_text(guide)
    source = counting_chapter("source", log) + (
        "\n```{code-cell} ipython3\nfrom gilref.book import chapter as book\n"
        "book.Chapter('zz-source').glue('x', 41)\n```\n")
    (root / "docs" / "zz-source.md").write_text(source)
    return source


def build_command(*extra: str) -> list[str]:
    """The same sphinx-build invocation as ``nox -s docs`` (plus *extra* arguments)."""
    return [sys.executable, "-m", "sphinx", "-b", "html", "-c", ".", "-W", "--keep-going", "-n", "-T",
            *extra, "docs", "_build/html"]


def build_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def build(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Build the book in *root* as ``nox -s docs`` does."""
    return subprocess.run(build_command(*extra), cwd=root, capture_output=True, text=True, timeout=600,
                          env=build_env())


def test_a_raising_cell_fails_the_build_and_names_the_chapter(book):
    write_index(book, "good", "broken-chapter")
    (book / "docs" / "good.md").write_text(chapter("Good", "print(1 + 1)"))
    (book / "docs" / "broken-chapter.md").write_text(
        chapter("Broken", "raise RuntimeError('measurement went wrong')"))
    proc = build(book)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "broken-chapter.md" in output
    assert "measurement went wrong" in output


def test_cache_reexecutes_only_what_changed(book, tmp_path):
    log = tmp_path / "executions.log"
    write_index(book, "one", "two")
    (book / "docs" / "one.md").write_text(counting_chapter("one", log))
    (book / "docs" / "two.md").write_text(counting_chapter("two", log))

    def executed() -> list[str]:
        text = log.read_text() if log.exists() else ""
        log.write_text("")
        return sorted(text.split())

    first = build(book)
    assert first.returncode == 0, first.stdout + first.stderr
    assert executed() == ["one", "two"]

    again = build(book)  # nothing changed
    assert again.returncode == 0, again.stdout + again.stderr
    assert executed() == []

    (book / "docs" / "two.md").write_text(counting_chapter("two", log) + "\nMore prose.\n\n"
                                          "```{code-cell} ipython3\nprint('new cell')\n```\n")
    edited = build(book)
    assert edited.returncode == 0, edited.stdout + edited.stderr
    assert executed() == ["two"]

    # An example re-runs the chapters that include or run it, and only when its code changes.
    include = "\n```{literalinclude} ../examples/hello.py\n```\n"
    (book / "docs" / "one.md").write_text(counting_chapter("one", log) + include)
    included = build(book)
    assert included.returncode == 0, included.stdout + included.stderr
    assert executed() == ["one"]
    (book / "examples" / "hello.py").write_text("# a comment changes no code\nprint('hello')\n")
    commented = build(book)
    assert commented.returncode == 0, commented.stdout + commented.stderr
    assert executed() == []
    (book / "examples" / "hello.py").write_text("print('hello, world')\n")
    changed = build(book)
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert executed() == ["one"]

    # An extra input on the command line is appended to every chapter's fingerprint.
    extra = build(book, "-D", "gilbook_fingerprint_extra=ci-run")
    assert extra.returncode == 0, extra.stdout + extra.stderr
    assert executed() == ["one", "two"]


def test_notebook_text_is_told_from_markdown():
    gilbook = load_gilbook()
    assert gilbook.is_notebook_text(FRONT + "# x")
    assert not gilbook.is_notebook_text("# just markdown\n")


def test_needs_order_and_reading():
    gilbook = load_gilbook()
    text = "---\nfile_format: mystnb\ngilref_needs: [cpu-vs-io, 'processes']\n---\n# Guide\n"
    assert gilbook.needs_of_text(text) == ["cpu-vs-io", "processes"]
    assert gilbook.needs_of_text("# no front matter\ngilref_needs: [x]\n") == []
    order = gilbook.order_by_needs(["choosing", "cpu-vs-io", "intro", "processes"],
                                   {"choosing": ["cpu-vs-io", "processes"]})
    assert order.index("choosing") > order.index("cpu-vs-io")
    assert order.index("choosing") > order.index("processes")
    assert order[:2] == ["cpu-vs-io", "intro"]
    with pytest.raises(ValueError, match="cycle"):
        gilbook.order_by_needs(["a", "b"], {"a": ["b"], "b": ["a"]})


def test_a_chapter_that_needs_another_reruns_with_it(book, tmp_path):
    log = tmp_path / "executions.log"
    source = write_guide_and_source(book, log, "gilref_needs: [zz-source]")
    first = build(book)
    assert first.returncode == 0, first.stdout + first.stderr
    assert log.read_text().split() == ["source", "guide"]  # read in dependency order
    log.write_text("")
    (book / "docs" / "zz-source.md").write_text(source.replace("41", "42"))
    second = build(book)
    assert second.returncode == 0, second.stdout + second.stderr
    assert log.read_text().split() == ["source", "guide"]
