"""A chapter's note keeps its title apart from its body (a titled, styled admonition)."""

from __future__ import annotations

import pytest

pytest.importorskip("myst_nb")

from gilref.book import chapter as book


def test_note_is_an_admonition_with_a_title_and_a_class(monkeypatch, tmp_path):
    monkeypatch.setenv("GILREF_RESULTS_DIR", str(tmp_path))
    ch = book.Chapter("note-test")
    text = ch.note("n", "Cython could not be built", "Install it.", kind="warning")
    assert text.splitlines() == [":::{admonition} Cython could not be built", ":class: warning", "",
                                 "Install it.", ":::"]
    assert ch.values["n"] == text


def test_a_note_title_must_be_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("GILREF_RESULTS_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="one line"):
        book.Chapter("note-test").note("n", "Two\nlines", "Body.")
