"""Checks on the built book's pages: what a careful reader should never see.

Run after the build (``.ci/run`` does, through ``nox -s site``)::

    python -m gilref.book.sitecheck _build/html

It reads every HTML page and reports, page by page:

- **plumbing in a cell's output**: the repr of a Python object
  (``Claim(key='...', holds=True, ...)``, ``FetchResult(url=...)``,
  ``<gilref.x.Y object at 0x...>``), a bare container (a printed list, dict,
  tuple or set such as ``['a', 'b']`` or ``{'x': 1}``) or a bare string repr.
  A cell must show a table, a sentence, or nothing;
- **a command-line flag with a typographic dash** (``–count``, ``—flush``),
  which does not work when copied: anywhere in the page's text but inline
  code (``<code>``, which shows text as written and is where this very list
  quotes its examples; a cell's output, in ``<pre>``, is checked);
- **an admonition whose title runs into its body**: no title element, an
  empty one, or the directive's generic title (``Warning``, ``Note``) with the
  real title as the first line of the body's first paragraph (what
  ``:::{warning} Some title`` followed by text renders as);
- **a degenerate interval**: a spread whose two ends print alike, such as
  ``+12% (+12 to +12%)`` or ``1.00× (1.00–1.00×)``. It says nothing the
  median alone does not, and reads as a spread that was never measured: print
  the bare value, or more digits;
- **a spaced per cent sign**: a digit, a space and ``%`` (``12 %``). The book
  writes per cent as ``12%``, ``+12%``, ``(10–15%)``: the usual English style
  and what a ``{x:.0%}`` format spec gives. Source listings (a cell's code, a
  literalinclude) are not checked: there ``10 % 3`` is Python's modulo.

Standard library only; no browser needed.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

__all__ = [
    "Problem",
    "admonition_problems",
    "dash_flag_problems",
    "degenerate_interval_problems",
    "main",
    "output_problems",
    "page_problems",
    "site_problems",
    "spaced_percent_problems",
]

#: A dataclass- or namedtuple-style repr: ``Name(field=``.
_REPR_START = re.compile(r"\b([A-Z]\w*)\(([a-z_]\w*)=")
#: What follows ``field=`` in a repr: a literal.
_LITERAL_NEXT = re.compile(r"\s*(?:['\"\d\[{(<-]|True\b|False\b|None\b)")
#: The default repr of an object: ``<module.Class object at 0x7f...>``.
_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")
#: A line that starts a printed container: an opening bracket, then a quote, a
#: digit, a sign or another bracket.
_CONTAINER_START = re.compile(r"^[ \t]*[\[{(][ \t]*(?:['\"\[{(\d-]|$)", re.M)
#: A flag after a typographic dash: en dash or em dash, then a lower-case word.
_DASH_FLAG = re.compile(r"(?:^|[\s(\[\"'`])([\u2013\u2014][a-z][a-z0-9-]*)")
#: A number as the book prints it: a sign (ASCII or the minus sign), digits, thousands
#: separators and a decimal part.
_NUMBER = r"[+\-\u2212]?\d+(?:[,.]\d+)*"
#: A unit after a number of an interval: per cent, times, seconds, bytes, rates.
_UNIT = r"(?:\s?(?:%|\u00d7|x|[\u00b5mun]?s|[kMG]i?B(?:/s)?|M|k|steps/s|/s))?"
#: ``(low SEP high)``, SEP an en or em dash, a hyphen or the word "to".
_INTERVAL = re.compile(rf"\(\s*({_NUMBER}){_UNIT}\s*(?:\u2013|\u2014|-|to)\s*({_NUMBER}){_UNIT}\s*\)")
#: A number, then white space (a plain, no-break or narrow no-break space) and a per cent sign.
_SPACED_PERCENT = re.compile(r"[+\-\u2212]?\d+(?:[,.]\d+)*[ \t\u00a0\u202f]+%")
#: The highlight classes of text that is not a source listing: a cell's output and plain text.
_NOT_SOURCE = frozenset({"highlight-myst-ansi", "highlight-text", "highlight-none"})
#: The titles Sphinx gives the named admonitions (``{warning}`` -> "Warning").
GENERIC_TITLES = frozenset({
    "attention", "caution", "danger", "error", "hint", "important", "note", "seealso",
    "see also", "tip", "todo", "warning",
})
_BLOCK_TAGS = frozenset({"p", "div", "pre", "br", "li", "tr", "td", "th", "table", "section",
                         "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "blockquote"})
_VOID_TAGS = frozenset({"br", "img", "hr", "input", "meta", "link", "area", "base", "col", "wbr",
                        "source", "embed", "param", "track"})


@dataclass(frozen=True)
class Problem:
    """One thing a reader should not see: which page, which kind, and an excerpt."""

    page: str
    kind: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.page}: {self.kind}: {self.excerpt!r}"


@dataclass
class _Admonition:
    classes: list[str]
    title: str | None = None
    paragraphs: list[str] = field(default_factory=list)


class _PageParser(HTMLParser):
    """Collects the page's visible text, each cell output's text and each admonition."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.prose: list[str] = []  # the text outside inline code (<code>): what smartquotes may mangle
        self.reading: list[str] = []  # the prose outside source listings (a cell's code, a literalinclude)
        self._code = 0
        self._source = 0
        self.outputs: list[str] = []
        self.admonitions: list[_Admonition] = []
        self._stack: list[tuple[str, set[str]]] = []
        self._skip = 0  # inside <script> or <style>
        self._output_depth: int | None = None
        self._output: list[str] = []
        self._adm: list[tuple[int, _Admonition]] = []
        self._capture: tuple[int, str, _Admonition] | None = None  # (depth, "title"|"p", admonition)
        self._captured: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        if tag in ("script", "style"):
            self._skip += 1
        if tag in _BLOCK_TAGS:
            self._data("\n")
        if tag in _VOID_TAGS:
            return
        if tag == "code":
            self._code += 1
        if _is_source(classes):
            self._source += 1
        self._stack.append((tag, classes))
        depth = len(self._stack)
        if self._output_depth is None and tag == "div" and "cell_output" in classes:
            self._output_depth = depth
            self._output = []
        if tag in ("div", "aside") and "admonition" in classes:
            adm = _Admonition(sorted(classes - {"admonition"}))
            self.admonitions.append(adm)
            self._adm.append((depth, adm))
        elif self._adm and self._capture is None and tag == "p":
            adm = self._adm[-1][1]
            if "admonition-title" in classes:
                self._capture = (depth, "title", adm)
                self._captured = []
            elif depth == self._adm[-1][0] + 1:
                self._capture = (depth, "p", adm)
                self._captured = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if tag in _VOID_TAGS:
            return
        # Close up to the matching open tag (HTML pages are not always well nested).
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                break
        else:
            return
        while len(self._stack) > i:
            depth = len(self._stack)
            closed, classes = self._stack.pop()
            if closed == "code" and self._code:
                self._code -= 1
            if _is_source(classes) and self._source:
                self._source -= 1
            if self._capture is not None and self._capture[0] == depth:
                _, what, adm = self._capture
                text = "".join(self._captured)
                if what == "title":
                    adm.title = text.strip()
                else:
                    adm.paragraphs.append(text.strip("\n "))
                self._capture = None
            if self._adm and self._adm[-1][0] == depth:
                self._adm.pop()
            if self._output_depth == depth:
                self.outputs.append("".join(self._output))
                self._output_depth = None
        if tag in _BLOCK_TAGS:
            self._data("\n")

    def handle_data(self, data: str) -> None:
        self._data(data)

    def _data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        self.prose.append(" " if self._code else data)
        self.reading.append(" " if self._code or self._source else data)
        if self._output_depth is not None:
            self._output.append(data)
        if self._capture is not None:
            self._captured.append(data)


def _is_source(classes: set[str]) -> bool:
    """True for the element around a source listing (``highlight-python``, ``highlight-ipython3``...)."""
    return any(c.startswith("highlight-") and c not in _NOT_SOURCE for c in classes)


def _balanced(text: str, start: int) -> str | None:
    """The bracketed span of *text* opening at *start* (quotes respected), or None if unclosed."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack: list[str] = []
    quote: str | None = None
    i = start
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c in pairs:
            stack.append(pairs[c])
        elif c in ")]}":
            if not stack or stack.pop() != c:
                return None
            if not stack:
                return text[start:i + 1]
        i += 1
    return None


def _is_value(node: ast.AST) -> bool:
    """True if *node* could appear inside a repr: a literal, a container of them, or a repr call."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _is_value(node.operand)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(_is_value(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _is_value(k) for k in node.keys) and all(_is_value(v) for v in node.values)
    if isinstance(node, ast.Call):
        return _is_repr_call(node)
    return False


def _is_repr_call(node: ast.AST) -> bool:
    """``Name(a=literal, b=literal, ...)``: what a dataclass's or namedtuple's repr looks like.

    Source code such as ``ProcessPoolExecutor(max_workers=1, mp_context=ctx)``
    passes a variable, so it is not a repr.
    """
    if not isinstance(node, ast.Call) or not isinstance(node.func, (ast.Name, ast.Attribute)):
        return False
    if node.args or not node.keywords:
        return False
    return all(k.arg is not None and _is_value(k.value) for k in node.keywords)


def _parse(expr: str) -> ast.AST | None:
    try:
        return ast.parse(expr.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None


def output_problems(text: str) -> list[tuple[str, str]]:
    """``(kind, excerpt)`` for each repr, bare container or bare string in one cell output's text."""
    found: list[tuple[str, str]] = []
    covered = -1  # the end of the last repr reported: a repr nested in it is not reported again
    for m in _REPR_START.finditer(text):
        if m.start() < covered:
            continue
        span = _balanced(text, m.end(1))
        if span is not None:
            node = _parse(m.group(1) + span)
            if node is None or not _is_repr_call(node):
                continue
        elif not _LITERAL_NEXT.match(text, m.end()):
            continue  # cut short, and not plainly a repr either
        covered = m.end(1) + len(span) if span is not None else len(text)
        found.append(("the repr of a Python object", text[m.start():m.start() + 80]))
    for m in _OBJECT_REPR.finditer(text):
        found.append(("the default repr of a Python object", m.group(0)))
    for m in _CONTAINER_START.finditer(text):
        at = m.start() + len(m.group(0)) - len(m.group(0).lstrip(" \t"))
        span = _balanced(text, at)
        if span is None:
            if re.match(r"[\[{(]\s*['\"]", text[at:]):  # cut short, but plainly a container of strings
                found.append(("a bare container (a printed list, dict, tuple or set)", text[at:at + 80]))
            continue
        try:
            value = ast.literal_eval(span)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        if isinstance(value, (list, dict, tuple, set)):
            found.append(("a bare container (a printed list, dict, tuple or set)", span[:80]))
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] in "'\"" and stripped[-1] == stripped[0]:
        try:
            if isinstance(ast.literal_eval(stripped), str):
                found.append(("a bare string repr", stripped[:80]))
        except (SyntaxError, ValueError):
            pass
    return found


def dash_flag_problems(text: str) -> list[str]:
    """Each command-line flag in *text* written with an en or em dash (``–count``)."""
    return [m.group(1) for m in _DASH_FLAG.finditer(text)]


def _number(text: str) -> str:
    """A printed number with its sign spelled one way (``\u2212`` as ``-``, ``+`` dropped)."""
    return text.replace("\u2212", "-").lstrip("+")


def degenerate_interval_problems(text: str) -> list[str]:
    """Each interval in *text* whose two ends print alike: ``(1.00\u20131.00\u00d7)``,
    ``(+12 to +12%)``. A real interval (``(0.98\u20131.02\u00d7)``) passes."""
    return [m.group(0) for m in _INTERVAL.finditer(text) if _number(m.group(1)) == _number(m.group(2))]


def spaced_percent_problems(text: str) -> list[str]:
    """Each per cent in *text* written with a space before the sign: ``12 %``, ``+12 %``,
    ``(10–15 %)``. The book's style is ``12%``; ``12%`` and ``a %`` pass."""
    return [m.group(0) for m in _SPACED_PERCENT.finditer(text)]


def _first_line_is_a_title(paragraph: str) -> bool:
    """True if the paragraph's first source line reads as a heading run into the text below it.

    A title line ends without punctuation and the next line starts a new
    sentence (a capital or a digit); a sentence wrapped mid-way continues in
    lower case.
    """
    lines = [ln.strip() for ln in paragraph.split("\n") if ln.strip()]
    if len(lines) < 2:
        return False
    first, second = lines[0], lines[1]
    return (len(first) <= 100 and first[:1].isupper() and first[-1] not in ".:;,!?)\u2026"
            and (second[:1].isupper() or second[:1].isdigit() or second[:1] in "*_`"))


def admonition_problems(title: str | None, paragraphs: Sequence[str]) -> list[str]:
    """What is wrong with one admonition's title (empty if nothing)."""
    if title is None:
        return ["an admonition with no title element"]
    if not title.strip():
        return ["an admonition with an empty title"]
    if paragraphs and title.strip().lower() in GENERIC_TITLES and _first_line_is_a_title(paragraphs[0]):
        first = paragraphs[0].split("\n", 1)[0].strip()
        return [f"the title runs into the body: titled {title.strip()!r}, the body opens with {first!r}"]
    return []


def page_problems(html_text: str, page: str = "<page>") -> list[Problem]:
    """Everything a reader should not see on one page."""
    parser = _PageParser()
    parser.feed(html_text)
    parser.close()
    problems = []
    for out in parser.outputs:
        for kind, excerpt in output_problems(out):
            problems.append(Problem(page, kind + " in a cell's output", excerpt.strip()))
    prose = "".join(parser.prose)  # inline code shows text as written: an example of what not to print
    for flag in dash_flag_problems(prose):
        problems.append(Problem(page, "a command-line flag printed with a typographic dash (copy it and it fails)",
                                flag))
    for interval in degenerate_interval_problems(prose):
        problems.append(Problem(page, "a degenerate interval (both ends print alike: show the value alone)",
                                interval))
    for percent in spaced_percent_problems("".join(parser.reading)):
        problems.append(Problem(page, "a per cent written with a space before the sign (the book writes 12%)",
                                percent))
    for adm in parser.admonitions:
        for what in admonition_problems(adm.title, adm.paragraphs):
            problems.append(Problem(page, what, (adm.title or "") + " / " + (adm.paragraphs[:1] or [""])[0][:80]))
    return problems


def site_problems(site: Path) -> list[Problem]:
    """:func:`page_problems` of every HTML page under *site* (a built book), except Sphinx's own."""
    skip = {"_static", "_sources", "_images", "_downloads", ".doctrees", "jupyter_execute"}
    problems = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site)
        if skip.intersection(rel.parts) or rel.name in ("search.html", "genindex.html"):
            continue
        problems += page_problems(path.read_text(encoding="utf-8", errors="replace"), str(rel))
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Check a built book; print each problem; exit status 1 if there is any."""
    parser = argparse.ArgumentParser(prog="python -m gilref.book.sitecheck", description=__doc__.split("\n")[0])
    parser.add_argument("site", nargs="?", default="_build/html", type=Path,
                        help="the built book (default: %(default)s)")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"no built book in {args.site}: build it first (python3 -m nox -s docs)", file=sys.stderr)
        return 2
    problems = site_problems(args.site)
    pages = len({p.page for p in problems})
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s) on {pages} page(s) of {args.site}", file=sys.stderr)
        return 1
    print(f"site text: no reprs, bare containers, dash-mangled flags, run-in admonition titles, "
          f"degenerate intervals or spaced per cent signs in {args.site}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
