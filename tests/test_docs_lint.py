"""The chapters' sources follow the site's rules: readable charts, nothing loaded from outside.

Checked on ``docs/**/*.md`` without building: every figure (``{glue:figure}``,
``{figure}``, ``{image}``, Markdown images) has alt text, every glued figure a
caption, and no page pulls a script, style, font or image from another host.
The built pages are checked the same way in a browser by ``nox -s browser``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import ROOT

DOCS = ROOT / "docs"
SOURCES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)
_FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[a-z:-]+)\}\s*(?P<arg>.*)$")
_OUTSIDE = re.compile(r"""<(script|img|link|iframe|source|video|audio)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?//""",
                      re.I)
_MD_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)")


def directives(text: str) -> list[dict[str, object]]:
    """Every MyST directive in *text*: name, argument, options, body, line."""
    lines = text.splitlines()
    out = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i].strip())
        if not m:
            i += 1
            continue
        fence, start = m.group("fence"), i
        options: dict[str, str] = {}
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].strip() != fence:
            opt = re.match(r"^:([\w-]+):\s*(.*)$", lines[i].strip())
            if opt and not body:
                options[opt.group(1)] = opt.group(2).strip()
            elif lines[i].strip() or body:
                body.append(lines[i])
            i += 1
        out.append({"name": m.group("name"), "arg": m.group("arg").strip(), "options": options,
                    "body": "\n".join(body).strip(), "line": start + 1})
        i += 1
    return out


def test_there_are_sources():
    assert SOURCES, "no docs/*.md found"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_figure_has_alt_text_and_every_chart_a_caption(path: Path):
    problems = []
    for d in directives(path.read_text(encoding="utf-8")):
        if d["name"] in ("glue:figure", "figure", "image"):
            alt = d["options"].get("alt", "")  # type: ignore[union-attr]
            if len(alt) < 15:
                problems.append(f"line {d['line']}: {{{d['name']}}} {d['arg']} needs an :alt: text saying what "
                                f"the chart shows (got {alt!r})")
        if d["name"] in ("glue:figure", "figure") and not d["body"]:
            problems.append(f"line {d['line']}: {{{d['name']}}} {d['arg']} has no caption")
    for m in _MD_IMAGE.finditer(path.read_text(encoding="utf-8")):
        if not m.group("alt").strip():
            problems.append(f"Markdown image {m.group('src')} has no alt text")
    assert not problems, f"{path.relative_to(ROOT)}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(DOCS)))
def test_nothing_is_loaded_from_another_host(path: Path):
    text = path.read_text(encoding="utf-8")
    found = [m.group(0) for m in _OUTSIDE.finditer(text)]
    found += [m.group("src") for m in _MD_IMAGE.finditer(text) if re.match(r"(https?:)?//", m.group("src"))]
    assert not found, f"{path.relative_to(ROOT)} loads from outside: {found}"


def test_the_lint_finds_what_it_should():
    text = """
```{glue:figure} good_chart
:alt: Bar chart of the countdown on one thread and on two threads.

The caption.
```

```{glue:figure} no_alt
A caption but no alt.
```

:::{figure} pic.svg
:alt: short
:::
"""
    found = {d["arg"]: d for d in directives(text)}
    assert found["good_chart"]["options"] == {"alt": "Bar chart of the countdown on one thread and on two threads."}
    assert found["good_chart"]["body"] == "The caption."
    assert found["no_alt"]["options"] == {} and found["no_alt"]["body"] == "A caption but no alt."
    assert found["pic.svg"]["options"] == {"alt": "short"} and found["pic.svg"]["body"] == ""
    assert _OUTSIDE.search('<script src="https://cdn.example/x.js"></script>')
    assert _OUTSIDE.search("<img src=//cdn.example/x.png>")
    assert not _OUTSIDE.search('<a href="https://docs.python.org/3/">docs</a>')
    assert not _OUTSIDE.search('<a href="_static/edition.json" download>edition.json</a>')


def test_chart_helpers_make_readable_charts():
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from gilref.book import charts as plotting
    from gilref.core.hostinfo import collect_metadata
    from gilref.core.results import Suite, Timing

    md = collect_metadata()
    suite = Suite(metadata=md)
    suite.add(Timing("countdown", "sequential", 1, (2.0,) * 5, params={"n": 10}))
    suite.add(Timing("countdown", "threads", 2, (2.1,) * 5, params={"n": 10}))
    charts = {
        "mode_chart": plotting.mode_chart(suite, "countdown"),
        "speedup_chart": plotting.speedup_chart(suite, "countdown"),
        "bar_chart": plotting.bar_chart(["a", "b"], [1.0, 2.0], title="t", ylabel="time (s)", metadata=md),
        "line_chart": plotting.line_chart([("a", [1, 2], [3, 4])], title="t", xlabel="n (count)",
                                          ylabel="time (s)", metadata=md, logx=True),
    }
    for name, fig in charts.items():
        assert plotting.readability_problems(fig) == [], name

    bare = Figure()
    bare.subplots().plot([1, 2], [3, 4])
    problems = plotting.readability_problems(bare)
    assert len(problems) == 4, problems
    no_units = plotting.line_chart([("a", [1, 2], [3, 4])], title="t", xlabel="threads", ylabel="time",
                                   metadata=md)
    assert plotting.readability_problems(no_units) == [
        "axes 1: the y label 'time' names no unit in parentheses",
        "axes 1: the x label 'threads' names no unit in parentheses",
    ]


def test_a_chapter_cannot_glue_an_unreadable_chart(monkeypatch):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from gilref.book import chapter as book
    monkeypatch.delenv("GILREF_RESULTS_DIR", raising=False)
    ch = book.Chapter("lint-test")
    fig = Figure()
    fig.subplots().plot([1, 2], [3, 4])
    with pytest.raises(ValueError, match=r"chart 'bad' of chapter 'lint-test' is not readable: .*no caption"):
        ch.figure("bad", fig)


def test_categories_and_stacked_panels_need_no_unit_label():
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from gilref.book import charts as plotting
    fig = Figure()
    top, bottom = fig.subplots(2, 1, sharex=True)
    for ax in (top, bottom):
        ax.barh(["thread A", "thread B"], [3, 4])  # thread names on y: categories
    bottom.set_xlabel("time (ms)")
    fig.suptitle("Who ran when")
    plotting.caption(fig, {"os": "Test OS"})
    assert plotting.readability_problems(fig) == []
    bottom.set_xlabel("")
    assert plotting.readability_problems(fig) == ["axes 1 has no x axis label", "axes 2 has no x axis label"]
