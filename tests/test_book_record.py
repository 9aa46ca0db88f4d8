"""A page and its record are one execution: edition.json always equals the pages.

Throwaway books with their own copy of gilref (so a test may edit a module),
built with the real conf.py and docs/_ext. Every chapter glues a token made at
random when it executes, so a page shown from the cache and a record from
another execution would not match.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import ROOT
from .proctools import pids_where
from .test_book_build import FRONT, book, build, build_command, build_env, write_index  # noqa: F401 - fixture

pytestmark = pytest.mark.slow

TOKEN_RE = re.compile(r"tok-[0-9a-f]{12}")
ALPHA = '"""Alpha: what chapter a measures."""\n\nVALUE = 1\n'
BETA = '"""Beta: what chapter b measures."""\n\nVALUE = 10\n'


@pytest.fixture
def own_book(book):  # noqa: F811
    """The throwaway book with a copy of gilref and two small topic modules of its own."""
    (book / "gilref").unlink()
    shutil.copytree(ROOT / "gilref", book / "gilref", ignore=shutil.ignore_patterns("__pycache__"))
    (book / "gilref" / "topics" / "alpha.py").write_text(ALPHA)
    (book / "gilref" / "topics" / "beta.py").write_text(BETA)
    return book


def token_chapter(key: str, module: str, log: Path, needs: str = "", extra: str = "") -> str:
    """A chapter *key* importing ``gilref.topics.<module>`` and gluing a fresh token;
    with *needs*, it also glues that chapter's token as ``seen``."""
    front = FRONT.replace("file_format: mystnb", f"file_format: mystnb\ngilref_needs: [{needs}]") if needs else FRONT
    seen = f"\nch.glue('seen', book.results_of({needs!r})['values']['token'])" if needs else ""
    prose = "Token {glue:text}`token`." + (" Seen {glue:text}`seen`." if needs else "")
    return (f"{front}# Chapter {key}\n\n{prose}\n\n```{{code-cell}} ipython3\nimport uuid\n"
            f"from gilref.book import chapter as book\nfrom gilref.topics import {module}\n{extra}"
            f"with open({str(log)!r}, 'a') as f:\n    f.write({key!r} + '\\n')\n"
            f"ch = book.chapter({key!r})\nch.glue('token', 'tok-' + uuid.uuid4().hex[:12]){seen}\n```\n")


def write_book(root: Path, log: Path, slow_flag: Path | None = None) -> None:
    write_index(root, "a", "b", "guide", "execution")
    (root / "docs" / "a.md").write_text(token_chapter("a", "alpha", log))
    wait = ""
    if slow_flag is not None:  # b blocks while the flag exists, so a test can interrupt the build there
        wait = (f"import os, time\nopen({str(slow_flag) + '.started'!r}, 'w').close()\n"
                f"while os.path.exists({str(slow_flag)!r}):\n    time.sleep(0.1)\n")
    (root / "docs" / "b.md").write_text(token_chapter("b", "beta", log, extra=wait))
    (root / "docs" / "guide.md").write_text(token_chapter("guide", "beta", log, needs="a"))
    shutil.copy(ROOT / "docs" / "execution.md", root / "docs" / "execution.md")


def executed(log: Path) -> list[str]:
    text = log.read_text() if log.exists() else ""
    log.write_text("")
    return sorted(text.split())


def built(root: Path, log: Path) -> list[str]:
    proc = build(root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return executed(log)


def check_site(root: Path) -> dict[str, str]:
    """Assert every chapter's page shows exactly its record in edition.json; return the ids."""
    site = root / "_build" / "html"
    ed = json.loads((site / "_static" / "edition.json").read_text())
    ids = {}
    for key, record in ed["chapters"].items():
        execution = record["execution"]
        page = (site / f"{execution['docname']}.html").read_text()
        assert re.findall(r'class="gilref-execution-id">([^<]*)<', page) == [html.escape(execution["id"])], key
        glued = {v for v in record["values"].values() if isinstance(v, str) and TOKEN_RE.fullmatch(v)}
        assert glued and set(TOKEN_RE.findall(page)) == glued, key
        ids[key] = execution["id"]
    assert ed["chapters"]["guide"]["values"]["seen"] == ed["chapters"]["a"]["values"]["token"]
    assert set(ids) == {"a", "b", "guide"}
    return ids


def exec_table(root: Path) -> str:
    page = (root / "_build" / "html" / "execution.html").read_text()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_edit_and_revert_keep_the_edition_equal_to_the_pages(own_book, tmp_path):
    log = tmp_path / "executions.log"
    write_book(own_book, log)
    alpha, hostinfo = own_book / "gilref" / "topics" / "alpha.py", own_book / "gilref" / "core" / "hostinfo.py"
    original_hostinfo = hostinfo.read_text()

    assert built(own_book, log) == ["a", "b", "guide"]
    first = check_site(own_book)

    # Comments and docstrings change no code: nothing is executed, every page stays.
    alpha.write_text(ALPHA.replace("what chapter a measures", "what chapter a measures, reworded") + "# note\n")
    hostinfo.write_text(original_hostinfo + "\n# a comment at the end\n")
    assert built(own_book, log) == []
    assert check_site(own_book) == first

    # A real change to one module executes the chapter that imports it, and the one that needs it.
    alpha.write_text(ALPHA.replace("VALUE = 1", "VALUE = 2"))
    hostinfo.write_text(original_hostinfo)
    assert built(own_book, log) == ["a", "guide"]
    edited = check_site(own_book)
    assert edited["b"] == first["b"] and edited["a"] != first["a"] and edited["guide"] != first["guide"]
    table = exec_table(own_book)
    assert re.search(r" a executed changed: [^|]*module gilref\.topics\.alpha", table), table
    assert re.search(r" guide executed changed: record of a", table), table

    # Reverted: the cache serves the first execution, and edition.json follows the pages.
    alpha.write_text(ALPHA)
    assert built(own_book, log) == []
    assert check_site(own_book) == first
    assert " a served from the cache " in exec_table(own_book)

    # Nothing changed: nothing is read again, the pages and edition stay as they are.
    assert built(own_book, log) == []
    assert check_site(own_book) == first
    assert " b not read no input changed " in exec_table(own_book)


def kill_tree(pid: int) -> None:
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(pids_where(1, p))
    for p in reversed(tree):
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, signal.SIGKILL)


def test_an_interrupted_build_then_a_build_gives_a_consistent_site(own_book, tmp_path):
    log = tmp_path / "executions.log"
    flag = tmp_path / "hold-b"
    write_book(own_book, log, slow_flag=flag)
    assert built(own_book, log) == ["a", "b", "guide"]
    check_site(own_book)

    # Change what a and b measure; stop the build while b executes (after a was executed and cached).
    (own_book / "gilref" / "topics" / "alpha.py").write_text(ALPHA.replace("VALUE = 1", "VALUE = 3"))
    (own_book / "gilref" / "topics" / "beta.py").write_text(BETA.replace("VALUE = 10", "VALUE = 30"))
    flag.touch()
    started = Path(str(flag) + ".started")
    started.unlink()
    proc = subprocess.Popen(build_command(), cwd=own_book, env=build_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not started.exists():
            assert proc.poll() is None, "the build ended before b started"
            assert time.monotonic() < deadline, "b never started"
            time.sleep(0.1)
        kill_tree(proc.pid)  # the build and its kernel, as a power cut would
    finally:
        proc.wait(timeout=60)
    assert executed(log) == ["a"]  # b was stopped before it logged
    flag.unlink()

    assert built(own_book, log) == ["b", "guide"]  # a: its new execution, cached before the stop
    check_site(own_book)
