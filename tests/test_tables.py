"""The one table renderer: Markdown for chapters, aligned text for the commands."""

from __future__ import annotations

import pytest

from gilref.book.tables import Table, markdown_table, render_table, timing_rows
from gilref.core.results import Suite, Timing

ROWS = [{"name": "a|b", "n": 1, "note": None}, {"name": "long name", "n": 22, "note": "two\nlines"}]


def test_markdown_escapes_pipes_and_blanks_missing_cells():
    assert render_table(ROWS) == markdown_table(ROWS) == (
        "| name | n | note |\n"
        "| --- | --- | --- |\n"
        "| a\\|b | 1 |  |\n"
        "| long name | 22 | two lines |\n"
    )


def test_text_pads_every_column_to_its_widest_cell():
    out = render_table(ROWS, ["name", "n"], style="text", indent="  ")
    assert out.splitlines() == [
        "  name       n",
        "  ---------  --",
        "  a|b        1",
        "  long name  22",
    ]


def test_no_rows_need_columns_and_styles_are_checked():
    assert render_table([], ["x"], style="text") == "x\n-\n"
    with pytest.raises(ValueError, match="no rows without columns"):
        render_table([])
    with pytest.raises(ValueError, match="style must be one of markdown, text"):
        render_table(ROWS, style="html")


def test_timing_rows_give_a_rate_its_speedup_and_leave_incomparable_ones_blank():
    suite = Suite(timings=[
        Timing("echo", "sequential", 1, (100.0,), unit="req/s", better="higher"),
        Timing("echo", "threads", 2, (300.0,), unit="req/s", better="higher"),
        Timing("echo", "processes", 2, (1.0,)),
        Timing("lonely", "threads", 2, (1.0,)),
    ])
    assert [r["speedup"] for r in timing_rows(suite)] == ["1.00×", "3.00×", "", ""]
    assert "median (req/s)" in timing_rows(suite)[0]


def test_a_table_a_cell_ends_with_shows_as_html_with_its_cells_escaped():
    t = Table([{"object": "a <list>", "count": 2}, {"object": "None", "count": None}])
    out = t._repr_html_()
    assert out.startswith('<table class="table"><thead><tr><th>object</th><th>count</th></tr></thead>')
    assert "<td>a &lt;list&gt;</td><td>2</td>" in out
    assert "<td>None</td><td></td>" in out  # a missing value is an empty cell


def test_a_table_repr_is_aligned_text_not_a_list_of_dicts():
    t = Table([{"a": 1, "bb": "x"}, {"a": 22, "bb": "yyy"}])
    assert repr(t) == "a   bb\n--  ---\n1   x\n22  yyy\n"
    assert repr(Table([{"a": 1, "b": 2}], columns=["b"])) == "b\n-\n2\n"
    with pytest.raises(ValueError, match="no rows without columns"):
        Table([])
