"""The checks on the built site (gilref.book.sitecheck), on small made-up pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from gilref.book import sitecheck
from gilref.book.claims import check


def page(body: str) -> str:
    return f"<html><head><title>t</title><script>var x = ['a', 'b'];</script></head><body>{body}</body></html>"


def output(text: str) -> str:
    """A cell output as myst-nb writes it."""
    return ('<div class="cell docutils container"><div class="cell_output docutils container">'
            f'<div class="output stream highlight-myst-ansi notranslate"><div class="highlight"><pre>'
            f"<span></span>{text}</pre></div></div></div></div>")


def kinds(html: str) -> list[str]:
    return [p.kind for p in sitecheck.page_problems(page(html), "p.html")]


# -- cell outputs -----------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Claim(key=&#39;cooperative&#39;, statement=&#39;s&#39;, holds=True, evidence={&#39;n&#39;: 1})",
    "FetchResult(url='http://127.0.0.1:1/item/0', kind='ok', status=200, nbytes=1024, seconds=0.06, error=None)",
    "Suite(timings=[Timing(workload='w', mode='threads', workers=2, values=(1.0, 2.0))], metadata={})",
    "Outcome(index=0, ok=True, value=1, error=None)\nOutcome(index=1, ok=False, value=None, error='x')",
    "Claim(key='cut', statement='an output cut short, never closed",
    "&lt;gilref.core.results.Suite object at 0x7f3a2c1d90&gt;",
])
def test_a_repr_in_an_output_is_found(text):
    assert any("repr" in k for k in kinds(output(text)))


def test_a_nested_repr_is_reported_once():
    found = sitecheck.output_problems("Suite(timings=[Timing(workload='w', values=(1.0,))], metadata={})")
    assert [k for k, _ in found] == ["the repr of a Python object"]


@pytest.mark.parametrize("text", [
    "['CPython 3.13.5 (GIL)', 'CPython 3.13.5 free-threaded']",
    "{'python': 'CPython 3.11.7',\n 'visible_alone': 1,\n 'immortal_none': False}",
    "[('free', 'cpu'), ('free', 'mix')]",
    "[1, 2, 3]",
    "things:\n  ('a', 1)",
    "['cut short', 'never",
])
def test_a_bare_container_in_an_output_is_found(text):
    assert any("bare container" in k for k in kinds(output(text)))


def test_a_bare_string_repr_is_found():
    assert any("bare string" in k for k in kinds(output("':::{admonition} A note\\n:class: warning'")))


@pytest.mark.parametrize("text", [
    "2 threads: 0.41 s (1.24× one thread)",
    "with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:\n    print(pool.submit(work, 7).result())",
    "Timing(workload, mode, workers)",  # a call without keywords is not a dataclass repr
    "[1/4] building CPython (configure)",
    "=== main: python -c ... -> exit code 1",
    "(defaults) 3 runs",
    "call            outcome\nsquare(1)       1",
])
def test_readable_output_passes(text):
    assert kinds(output(text)) == []


def test_containers_outside_cell_outputs_are_not_reported():
    # Source code in an input cell, prose and scripts may show lists.
    html = ('<div class="cell_input"><pre>list(runs) == [\'a\', \'b\']</pre></div>'
            "<p>['a', 'b'] is a list.</p>")
    assert kinds(html) == []


# -- flags with a typographic dash ---------------------------------------------------

@pytest.mark.parametrize("text", [
    "(defaults: \u2013count 100)", "<td><p>\u2013flush</p></td>", "run it with \u2014repeats 5"])
def test_a_flag_with_a_typographic_dash_is_found(text):
    problems = sitecheck.page_problems(page(text))
    assert [p.kind for p in problems] == [
        "a command-line flag printed with a typographic dash (copy it and it fails)"]


@pytest.mark.parametrize("text", [
    "<code>--count 100</code>", "switches (min \u2013 max)", "0.2\u20130.4 s", "pages 3\u20135",
    "a pause \u2013 then more", "--flush",
])
def test_real_flags_and_ranges_pass(text):
    assert sitecheck.page_problems(page(text)) == []


# -- admonition titles -----------------------------------------------------------------

RUN_IN = ('<div class="admonition warning"><p class="admonition-title">Warning</p>'
          "<p>The usual claim does not hold on this host\nOn this host 2 threads ran at 1.24×.</p>"
          "<p>The claim usually made: <em>threads do not help</em></p></div>")
TITLED = ('<div class="admonition warning"><p class="admonition-title">The usual claim does not hold on this host</p>'
          "<p>On this host 2 threads ran at 1.24×.</p></div>")


def test_a_title_run_into_the_body_is_found():
    assert [k for k in kinds(RUN_IN) if "title" in k] == [
        "the title runs into the body: titled 'Warning', the body opens with "
        "'The usual claim does not hold on this host'"]


def test_a_titled_admonition_passes():
    assert kinds(TITLED) == []


@pytest.mark.parametrize("html", [
    '<div class="admonition note"><p>No title at all.</p></div>',
    '<aside class="admonition note"><p class="admonition-title"> </p><p>Empty title.</p></aside>',
])
def test_a_missing_or_empty_title_is_found(html):
    assert any("title" in k for k in kinds(html))


@pytest.mark.parametrize("first", [
    "Output to a pipe or a file is buffered, so a plain print makes no system\ncall at all.",
    "One sentence.\nAnother one.",
    "A short generic note.",
])
def test_a_generic_title_over_ordinary_prose_passes(first):
    html = f'<div class="admonition note"><p class="admonition-title">Note</p><p>{first}</p></div>'
    assert kinds(html) == []


def _myst_html(markdown: str) -> str:
    """*markdown* rendered the way the book renders glued Markdown (MyST, colon fences)."""
    docutils_core = pytest.importorskip("docutils.core")
    parsers = pytest.importorskip("myst_parser.parsers.docutils_")
    return str(docutils_core.publish_string(
        markdown, parser=parsers.Parser(), writer="html5",
        settings_overrides={"myst_enable_extensions": ["colon_fence"], "output_encoding": "unicode",
                            "report_level": 4}))


def test_a_contradicted_claim_renders_with_its_title_apart():
    claim = check("k", "threads do not help", False, s=1.9, supported="ran at {s:.2f}x",
                  contradicted="On this host two threads ran at {s:.2f}x\nOne thread was slower.")
    assert sitecheck.page_problems(_myst_html(claim.markdown())) == []


def test_the_old_warning_markup_is_caught_once_rendered():
    old = ":::{warning} The usual claim does not hold on this host\nOn this host it ran faster.\n:::\n"
    assert [p.kind for p in sitecheck.page_problems(_myst_html(old))] == [
        "the title runs into the body: titled 'Warning', the body opens with "
        "'The usual claim does not hold on this host'"]


# -- the whole site ----------------------------------------------------------------------

def test_main_checks_every_page_and_fails_on_a_problem(tmp_path: Path, capsys):
    (tmp_path / "index.html").write_text(page(TITLED), encoding="utf-8")
    (tmp_path / "search.html").write_text(page('<div class="admonition error"><p>JS</p></div>'), encoding="utf-8")
    assert sitecheck.main([str(tmp_path)]) == 0
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "chapter.html").write_text(page(output("['a', 'b']") + RUN_IN), encoding="utf-8")
    assert sitecheck.main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "sub/chapter.html: a bare container" in out and "sub/chapter.html: the title runs into" in out


def test_main_without_a_built_site_says_so(tmp_path: Path, capsys):
    assert sitecheck.main([str(tmp_path)]) == 2
    assert "no built book" in capsys.readouterr().err


def test_sphinx_class_order_and_collapsible_cells():
    # Sphinx writes "warning admonition"; myst-nb's hidden-input toggles are <details> "admonitions".
    run_in = RUN_IN.replace('class="admonition warning"', 'class="warning admonition"')
    assert any("runs into the body" in k for k in kinds(run_in))
    toggle = ('<details class="admonition hide above-input"><summary>'
              '<p class="collapsed admonition-title">Show code cell source</p>'
              '<p class="expanded admonition-title">Hide code cell source</p></summary>'
              '<div class="cell_input"><pre>x = 1</pre></div></details>')
    assert kinds(toggle) == []


# -- degenerate intervals ------------------------------------------------------------------

DEGENERATE = "a degenerate interval (both ends print alike: show the value alone)"


@pytest.mark.parametrize("text", [
    "threads cost +12% (+12 to +12%) on one thread",
    "<p>2 threads ran at 1.00× (1.00–1.00×) the speed of one.</p>",
    "<td>0.50 s (0.50 – 0.50 s)</td>",
    "a change of −3% (−3 to -3%)",
    output("speedup 1.93x (1.93-1.93x)"),
])
def test_an_interval_whose_ends_print_alike_is_found(text):
    assert kinds(text) == [DEGENERATE]


@pytest.mark.parametrize("text", [
    "threads cost +12% (+11 to +14%)", "1.93× (1.90–1.97×)", "1.00×", "measured 2026-12-01 (2026-12-01)",
    "(3 to 3 threads)", "on (2026-12-01T10:00)", "a range (0–0.5 s)",
])
def test_real_intervals_and_lone_values_pass(text):
    assert kinds(text) == []


def test_the_degenerate_interval_is_quoted_in_the_problem():
    problems = sitecheck.page_problems(page("<p>at 1.00× (1.00–1.00×) and 1.90× (1.80–2.00×)</p>"))
    assert [p.excerpt for p in problems] == ["(1.00–1.00×)"]


def test_inline_code_quotes_what_not_to_print_but_an_output_block_is_checked():
    quoted = ('<p>never print <code class="docutils literal"><span class="pre">\u2013count</span></code> '
              'nor <code>1.00× (1.00–1.00×)</code></p>')
    assert kinds(quoted) == []
    assert kinds(output("1.00× (1.00–1.00×)")) == [DEGENERATE]
    assert kinds("<p>run with \u2013count</p><code>x</code>") == [
        "a command-line flag printed with a typographic dash (copy it and it fails)"]


# -- spaced per cent signs ------------------------------------------------------------------

SPACED = "a per cent written with a space before the sign (the book writes 12%)"


@pytest.mark.parametrize("text", [
    "<p>threads cost 12 % more</p>",
    "<p>a change of +12 % (+11 to +14%)</p>",
    "<td>(10\u201315 %)</td>",
    "<p>at \u22123.5\u00a0% of its speed</p>",
    output("share of ideal   97 %"),
])
def test_a_spaced_percent_is_found(text):
    assert kinds(text) == [SPACED]


@pytest.mark.parametrize("text", [
    "<p>threads cost 12% more (+11% to +14%)</p>", "<td>(10\u201315%)</td>", "<p>the % sign</p>",
    "<p>a rate of 5 per cent</p>", "<p>never write <code>12 %</code></p>",
    # A source listing: Python's modulo, not a per cent.
    '<div class="highlight-ipython3 notranslate"><div class="highlight"><pre>x = 10 % 3</pre></div></div>',
    '<div class="highlight-python notranslate"><div class="highlight"><pre>i = n % 2</pre></div></div>',
])
def test_unspaced_percents_inline_code_and_source_listings_pass(text):
    assert kinds(text) == []


def test_the_spaced_percent_is_quoted_and_text_after_a_listing_is_checked_again():
    html = ('<div class="highlight-python notranslate"><div class="highlight"><pre>x = 10 % 3</pre></div></div>'
            "<p>it ran 40 % of the time and 60% of it</p>")
    assert [p.excerpt for p in sitecheck.page_problems(page(html))] == ["40 %"]
