from __future__ import annotations

import pytest

from gilref.book.claims import check


def test_a_holding_claim_prints_the_finding_with_numbers():
    c = check("k", "threads do not help", True, s=0.98, supported="ran at {s:.2f}x",
              contradicted="faster: {s:.2f}x")
    assert c.markdown() == "ran at 0.98x"
    assert c.to_dict() == {"key": "k", "statement": "threads do not help", "holds": True,
                           "state": "holds", "text": "ran at 0.98x", "evidence": {"s": 0.98}}


def test_a_failing_claim_becomes_a_visible_warning():
    c = check("k", "threads do not help", False, s=1.9, supported="ran at {s:.2f}x",
              contradicted="faster: {s:.2f}x")
    md = c.markdown()
    assert md.startswith(":::{admonition} The usual claim does not hold on this host\n:class: warning\n\n")
    assert "faster: 1.90x" in md
    assert "*threads do not help*" in md
    assert "ran at" not in md


def test_holds_must_be_a_real_bool():
    with pytest.raises(TypeError):
        check("k", "s", 1, supported="", contradicted="")  # type: ignore[arg-type]


def test_placeholders_must_have_evidence():
    with pytest.raises(KeyError):
        check("k", "s", True, supported="{missing}", contradicted="")
