"""``gilref_uses``: chapters a guide reads when the edition has them, ordered like ``gilref_needs``."""

from __future__ import annotations

import sys

import pytest

from .conftest import ROOT
from .test_book_build import book, build, counting_chapter, write_index  # noqa: F401 - book is a fixture


def gilbook():
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    try:
        import gilbook as module
    finally:
        sys.path.remove(str(ROOT / "docs" / "_ext"))
    return module


def test_uses_count_as_needs_only_when_asked():
    gb = gilbook()
    text = "---\nfile_format: mystnb\ngilref_needs: [a]\ngilref_uses: [b, 'c']\n---\n# Guide\n"
    assert gb.needs_of_text(text) == ["a"]
    assert gb.needs_of_text(text, optional=True) == ["a", "b", "c"]
    assert gb.needs_of_text("---\ngilref_uses: [x]\n---\n", optional=True) == ["x"]


@pytest.mark.slow
def test_a_guide_is_read_after_the_chapters_it_uses_and_tolerates_absent_ones(book, tmp_path):  # noqa: F811
    log = tmp_path / "executions.log"
    write_index(book, "aa-guide", "zz-source")
    guide = counting_chapter("guide", log).replace(
        "file_format: mystnb", "file_format: mystnb\ngilref_uses: [zz-source, not-in-this-book]")
    guide += ("\n```{code-cell} ipython3\nfrom gilref import book\n"
              "print(book.results_of('zz-source')['values']['x'])\n```\n")
    (book / "docs" / "aa-guide.md").write_text(guide)
    source = counting_chapter("source", log) + (
        "\n```{code-cell} ipython3\nfrom gilref import book\n"
        "book.Chapter('zz-source').glue('x', 41)\n```\n")
    (book / "docs" / "zz-source.md").write_text(source)
    first = build(book)
    assert first.returncode == 0, first.stdout + first.stderr
    assert log.read_text().split() == ["source", "guide"]
    log.write_text("")
    (book / "docs" / "zz-source.md").write_text(source.replace("41", "42"))
    second = build(book)
    assert second.returncode == 0, second.stdout + second.stderr
    assert log.read_text().split() == ["source", "guide"]
