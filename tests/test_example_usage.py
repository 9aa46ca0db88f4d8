"""The "Run:" line at the top of an example names every option its parser accepts.

A reader copies the script and reads that line first; an option the chapter runs it with
(``--python-steps``, ``--repeats``) must be on it. Checked against ``--help``, so a new
option without a word on the usage line fails here.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from gilref.core.examples import examples_dir

#: The examples whose pages this test keeps honest (the others: see the integrator's list).
EXAMPLES = ("build_cython.py", "fetch_threads.py", "fetch_asyncio.py", "asyncio_three.py")


def run_line(text: str) -> str:
    """The usage paragraph that starts with ``Run:`` in an example's docstring (continuation lines included)."""
    m = re.search(r"^Run:.*?(?=\n\s*\n)", text, re.M | re.S)
    assert m, "the example's docstring has no 'Run:' line"
    return m.group(0)


def help_options(name: str) -> set[str]:
    out = subprocess.run([sys.executable, str(examples_dir() / name), "--help"], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    return set(re.findall(r"^\s+(--[a-z][a-z-]*)", out, re.M)) - {"--help"}


def test_run_line_reads_continuation_lines():
    assert run_line("Run:  python x.py [--a N]\n       [--b M]\n\nmore") == "Run:  python x.py [--a N]\n       [--b M]"


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_usage_line_names_every_option(name):
    usage = run_line((examples_dir() / name).read_text(encoding="utf-8"))
    named = set(re.findall(r"--[a-z][a-z-]*", usage))
    assert help_options(name) - named == set(), f"{name}: options missing from its 'Run:' line"
