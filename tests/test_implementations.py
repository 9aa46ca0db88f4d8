from __future__ import annotations

import sys

from gilref.interp import discover as interpreters
from gilref.interp import implementations, portable
from gilref.interp.discover import Interpreter


def test_countdown_on_the_host_gives_a_suite_with_its_label():
    me = interpreters.host()
    suite = implementations.countdown_on(me, [2], n=20_000, repeats=2)
    assert suite.metadata["interpreter_label"] == me.label
    assert suite.metadata["jit_warmup_s"] == 0.0
    assert [(t.mode, t.workers) for t in suite.timings] == [("sequential", 1), ("threads", 2)]
    assert suite.get("countdown", "threads", 2).params["n"] == 20_000
    assert suite.get("countdown", "threads", 2).params["counted"] == [20_000]  # every run counted every step
    assert suite.metadata["reference"] == portable.reference()


def test_jit_implementations_warm_up_first():
    assert implementations.JIT_WARMUP_S["PyPy"] > 0 and implementations.JIT_WARMUP_S["Jython"] > 0
    assert "CPython" not in implementations.JIT_WARMUP_S


def test_refcounts_row_per_interpreter_and_failures_are_rows_too(tmp_path):
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'cannot start' >&2\nexit 3\n")
    broken.chmod(0o755)
    found = [interpreters.host(), Interpreter(str(broken), "CPython", "3.13.5", False, True)]
    rows = implementations.refcounts(found, timeout=60)
    assert rows[0]["error"] is None and rows[0]["shared"] == rows[0]["alone"] + 1
    assert rows[0]["immortal_none"] == (sys.version_info >= (3, 12))
    assert rows[1]["interpreter"] == "CPython 3.13.5 (GIL)" and "exit code 3" in rows[1]["error"]
