"""Showing a chapter's findings on another page (standard library only).

A claim's text is written for its own page: it may speak of "the example
below" or "the row here". :func:`quotable` is that text fit to be quoted
elsewhere (the diagnosis chapter, the execution page's findings), and
:func:`invariant_caveat` the caveat a quoted or stated verdict carries when a
measurement of its chapter broke an invariant.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["EXAMPLE_ASIDE", "MORE_ASIDE", "aside", "broken_invariants", "invariant_caveat", "is_page_local", "quotable",
           "quote"]


#: A sentence that points at something on its own page: an example, a script, a run, a
#: table, a row or a chart "below", "above" or "here", or "this page".
_NOUNS = r"(?:examples?|scripts?|run|runs|rows?|tables?|charts?|measurements?|figures?|cells?|intervals?)"
#: "above" or "below" used as a preposition ("lies above it", "above 1.4×", "below the bar")
#: points at no place on the page.
_NOT_PREPOSITION = r"(?!\s+(?:(?:it|them|that|this|these|those|the|a|an|its|their|one|what)\b|\d))"
#: A sentence that leans on the one before it ("Its figure is...", "That is..."): dropped with it.
_LEANS = re.compile(r"^\W*(?:Its|It|That|This|These|Those|They|Both|There)\b")
_LOCAL = re.compile(
    rf"\b{_NOUNS}\b[^.;:]{{0,60}}?\b(?:below|above|here)\b{_NOT_PREPOSITION}"
    r"|\b(?:below|above)\s*[(,:]"
    r"|\bon the page\b|\bat the end of (?:this|the) page\b",
    re.IGNORECASE)
#: "this page" in a claim means its chapter: quoted elsewhere it is said so.
_THIS_PAGE = re.compile(r"\bthis page\b", re.IGNORECASE)
#: In a sentence that must be kept: "the example below" becomes "the example on its page".
_WHERE = re.compile(rf"\b({_NOUNS}(?:\s+[a-z]+)?)\s+(?:below|above|here)\b{_NOT_PREPOSITION}", re.IGNORECASE)

#: Where a sentence ends: after ``.``, ``!`` or ``?`` (a closing ``**`` or quote may follow),
#: before the capital letter (or ``**``) of the next one. Figures such as ``1.93×`` never match.
_SENTENCE_END = re.compile(r"(?<=[.!?])(\*\*|\u201d|\))?\s+(?=[A-Z*\u201c(])")


def _sentences(text: str) -> list[str]:
    out, at = [], 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start() + len(m.group(1) or "")
        out.append(text[at:end])
        at = m.end()
    out.append(text[at:])
    return [s for s in out if s.strip()]


def is_page_local(sentence: str) -> bool:
    """True if *sentence* refers to something on its own page ("the example below", "the row here")."""
    return bool(_LOCAL.search(sentence))


def quote(text: str) -> tuple[str, list[str]]:
    """*text* (a claim's sentence) without its sentences that point at things on its own page,
    and the sentences dropped (see :func:`quotable`, which this does the work of)."""
    parts = _sentences(_THIS_PAGE.sub("its chapter", text.strip()))
    kept: list[str] = []
    dropped: list[str] = []
    dropped_last = False
    for sentence in parts:
        dropped_last = is_page_local(sentence) or (dropped_last and bool(_LEANS.match(sentence)))
        (dropped if dropped_last else kept).append(sentence.strip())
    if not dropped:
        return " ".join(s.strip() for s in parts), []
    if not kept or is_page_local(parts[0]):  # the claim is about something on its page
        return _WHERE.sub(r"\1 on its page", parts[0]).strip(), [p.strip() for p in parts[1:]]
    return " ".join(kept), dropped


def quotable(text: str) -> tuple[str, bool]:
    """*text* (a claim's sentence) without its sentences that point at things on its own page.

    A sentence that leans on a dropped one ("Its figure is ...") goes with it.

    :returns: the text to quote, and whether anything was dropped (the quoting page
        should then say that the chapter checked more, and link to it: :func:`gilref.core.quoting.aside`). When every
        sentence is page-local, or the first is (a cross-check of an example, say), the first one is
        kept with "the example below" (and the like) made "the example on its page".
        "this page" becomes "its chapter" throughout.
    """
    quoted, dropped = quote(text)
    return quoted, bool(dropped)


#: What a quotation adds when a sentence it dropped was about the chapter's example.
EXAMPLE_ASIDE = "(Its chapter also holds this against its example, on its own page.)"
#: What it adds when the sentences dropped were about other things on that page (a table, a chart).
MORE_ASIDE = "(Its chapter says more of this beside its tables and charts, on its own page.)"
_EXAMPLE = re.compile(r"\b(?:examples?|scripts?)\b", re.IGNORECASE)


def aside(dropped: list[str]) -> str:
    """What a quotation should add for the sentences :func:`quote` *dropped*: :data:`EXAMPLE_ASIDE`
    when one of them speaks of an example (or a script), :data:`MORE_ASIDE` when they speak of
    other things, ``""`` when nothing was dropped."""
    if not dropped:
        return ""
    return EXAMPLE_ASIDE if any(_EXAMPLE.search(s) for s in dropped) else MORE_ASIDE


def broken_invariants(invariants: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The statements of the broken invariants in a chapter record's ``invariants``, in key order."""
    return [str(inv.get("statement", key)) for key, inv in sorted(invariants.items()) if not inv.get("holds")]


def invariant_caveat(invariants: Mapping[str, Mapping[str, Any]], *, where: str = "this page") -> str:
    """The caveat for a verdict of a chapter whose measurement broke an invariant ("" when none broke).

    It names each broken invariant and, when recorded (``measurement``), the measurement it
    belongs to, so a reader can tell whether the verdict rests on that measurement's figures.

    :param invariants: a chapter record's ``invariants`` (key -> ``Invariant.to_dict()``, plus
        ``measurement``, the name the chapter measured it under).
    :param where: where the measurement was made, as the sentence should name it
        (``"this page"``, or a ``{doc}`` link to the chapter quoted).
    """
    broken = [inv for _, inv in sorted(invariants.items()) if not inv.get("holds")]
    if not broken:
        return ""
    said = "; ".join(f"\u201c{inv.get('statement', '')}\u201d" for inv in broken)
    names = sorted({str(inv["measurement"]) for inv in broken if inv.get("measurement")})
    which = (f"the measurement{'s' if len(names) > 1 else ''} " + " and ".join(f"\u201c{n}\u201d" for n in names)
             if names else "a measurement")
    count = "an invariant" if len(broken) == 1 else f"{len(broken)} invariants"
    return (f"*Caveat: on {where}, {which} broke {count} ({said}): where this verdict uses "
            f"{'its' if len(names) <= 1 else 'their'} figures, they stand as measured, not trusted.*")
