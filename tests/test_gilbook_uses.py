"""``gilref_uses``: chapters a guide reads when the edition has them, ordered like ``gilref_needs``."""

from __future__ import annotations

import pytest

from .test_book_build import book, build, load_gilbook, write_guide_and_source  # noqa: F401 - book is a fixture


def test_uses_count_as_needs_only_when_asked():
    gb = load_gilbook()
    text = "---\nfile_format: mystnb\ngilref_needs: [a]\ngilref_uses: [b, 'c']\n---\n# Guide\n"
    assert gb.needs_of_text(text) == ["a"]
    assert gb.needs_of_text(text, optional=True) == ["a", "b", "c"]
    assert gb.needs_of_text("---\ngilref_uses: [x]\n---\n", optional=True) == ["x"]


@pytest.mark.slow
def test_a_guide_is_read_after_the_chapters_it_uses_and_tolerates_absent_ones(book, tmp_path):  # noqa: F811
    log = tmp_path / "executions.log"
    source = write_guide_and_source(book, log, "gilref_uses: [zz-source, not-in-this-book]")
    first = build(book)
    assert first.returncode == 0, first.stdout + first.stderr
    assert log.read_text().split() == ["source", "guide"]
    log.write_text("")
    (book / "docs" / "zz-source.md").write_text(source.replace("41", "42"))
    second = build(book)
    assert second.returncode == 0, second.stdout + second.stderr
    assert log.read_text().split() == ["source", "guide"]
