"""Tables a cell shows (gilref.book.tables.Table) and plain-text tables."""

from __future__ import annotations

import pytest

from gilref.book.tables import Table, markdown_table, text_table


def test_a_table_shows_as_html_with_its_cells_escaped():
    t = Table([{"object": "a <list>", "count": 2}, {"object": "None", "count": None}])
    html = t._repr_html_()
    assert html.startswith('<table class="table"><thead><tr><th>object</th><th>count</th></tr></thead>')
    assert "<td>a &lt;list&gt;</td><td>2</td>" in html
    assert "<td>None</td><td></td>" in html  # a missing value is an empty cell


def test_a_table_repr_is_aligned_text_not_a_list_of_dicts():
    t = Table([{"a": 1, "bb": "x"}, {"a": 22, "bb": "yyy"}])
    assert repr(t) == "a   bb\n1   x\n22  yyy\n"
    assert "{" not in repr(t) and "[" not in repr(t)


def test_columns_choose_and_order_what_is_shown():
    t = Table([{"a": 1, "b": 2}], columns=["b"])
    assert repr(t) == "b\n2\n"
    assert text_table([], ["x"]) == "x\n"


def test_no_rows_and_no_columns_is_an_error():
    with pytest.raises(ValueError, match="no rows"):
        Table([])
    with pytest.raises(ValueError, match="no rows"):
        text_table([])
    assert markdown_table([{"a": "1|2"}]) == "| a |\n| --- |\n| 1\\|2 |\n"
