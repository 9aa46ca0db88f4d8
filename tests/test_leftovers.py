"""The leftover check used by the example tests catches what it should."""

from __future__ import annotations

import pytest

from .leftovers import run_checked


def test_a_clean_script_is_clean(tmp_path):
    script = tmp_path / "clean.py"
    script.write_text("import threading\nt = threading.Thread(target=print, args=('hi',))\nt.start(); t.join()\n")
    run = run_checked(script)
    assert run.returncode == 0 and run.stdout.strip() == "hi" and run.clean


def test_a_thread_left_running_is_reported(tmp_path):
    script = tmp_path / "thread.py"
    script.write_text("import threading, time\n"
                      "threading.Thread(target=time.sleep, args=(1,), name='forgotten', daemon=True).start()\n")
    run = run_checked(script)
    assert run.threads == ["forgotten"] and not run.clean


@pytest.mark.skipif(not __import__("os").path.isdir("/proc"), reason="needs /proc")
def test_a_process_left_running_is_reported(tmp_path):
    script = tmp_path / "process.py"
    script.write_text("import subprocess, sys\n"
                      "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])\n")
    run = run_checked(script, grace=0.5)
    assert len(run.processes) == 1 and "time.sleep(30)" in run.processes[0]
    assert run.session_survivors and not run.clean
