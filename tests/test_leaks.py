"""A book build leaves nothing running, and an interrupted build does not spoil the next one.

Small throwaway books built with the real conf.py and docs/_ext (see
test_book_build.py), under :mod:`tests.leakcheck`, which finds every process
the build started that is still alive afterwards and the ports they listen on.
``.ci/run`` runs the same check around a build of the whole book.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from .conftest import ROOT
from .leakcheck import run_checked
from .proctools import wait_until_gone
from .test_book_build import book, chapter, write_index  # noqa: F401 - book is a fixture

pytestmark = pytest.mark.slow

SPHINX = [sys.executable, "-m", "sphinx", "-b", "html", "-c", ".", "-W", "--keep-going", "-n", "-T",
          "docs", "_build/html"]

BUSY_CHAPTER = """\
import http.server, multiprocessing, subprocess, sys, threading, urllib.request
from gilref.core import harness
# A server on 127.0.0.1, asked once, shut down.
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
t = threading.Thread(target=server.serve_forever, daemon=True)
t.start()
urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/", timeout=10).read()
server.shutdown(); server.server_close(); t.join(10)

# Worker processes, a subprocess, and the harness's threads and processes.
with multiprocessing.Pool(2) as pool:
    print(sum(pool.map(abs, range(-5, 5))))
subprocess.run([sys.executable, "-c", "print('child')"], check=True, timeout=30)
suite = harness.countdown_suite(n=20_000, workers=2, repeats=5)
print("served and measured", len(suite.timings))
"""

LEAKY_CHAPTER = """\
import socket, subprocess, sys
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen()
# A detached child that keeps the listening socket: exactly what a build must not leave behind.
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], pass_fds=[listener.fileno()],
                 start_new_session=True)
print("leaked on port", listener.getsockname()[1])
"""


def test_a_build_that_serves_and_measures_leaves_nothing_running(book):  # noqa: F811
    write_index(book, "busy")
    (book / "docs" / "busy.md").write_text(chapter("Busy", BUSY_CHAPTER))
    report, proc = run_checked(SPHINX, cwd=book, capture=True, timeout=600,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "served and measured 3" in (book / "_build" / "html" / "busy.html").read_text()
    assert report.clean, report.describe()


def test_the_check_finds_a_process_and_port_left_behind(book):  # noqa: F811
    write_index(book, "leaky")
    (book / "docs" / "leaky.md").write_text(chapter("Leaky", LEAKY_CHAPTER))
    report, proc = run_checked(SPHINX, cwd=book, capture=True, timeout=600, grace=1.0,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not report.clean
    sleepers = [p for p in report.leftovers if "time.sleep(120)" in p.cmdline]
    assert len(sleepers) == 1, report.describe()
    assert sleepers[0].ports and sleepers[0].ports[0].startswith("127.0.0.1:"), report.describe()
    assert not wait_until_gone(lambda: [sleepers[0].pid] if tagged_pids_alive(sleepers[0].pid) else [],
                               timeout=30), "the check did not kill what it found"


def tagged_pids_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except OSError:
        return False


SLOW_CHAPTER = """\
import os, pathlib, time
marker = pathlib.Path(os.environ["GILREF_TEST_MARKER"])
marker.write_text("started")
release = marker.with_name("release")
deadline = time.monotonic() + 120
while not release.exists() and time.monotonic() < deadline:
    time.sleep(0.1)
print("chapter finished")
"""


def test_an_interrupted_build_then_a_new_build_gives_a_correct_site(book, tmp_path):  # noqa: F811
    marker = tmp_path / "started"
    write_index(book, "slow", "quick")
    (book / "docs" / "slow.md").write_text(chapter("Slow", SLOW_CHAPTER))
    (book / "docs" / "quick.md").write_text(chapter("Quick", "print('quick chapter')"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GILREF_TEST_MARKER": str(marker)}

    # Build, and press Ctrl-C (SIGINT to the build's process group) while a chapter executes.
    proc = subprocess.Popen(SPHINX, cwd=book, env={**env, "GILREF_LEAKCHECK_TAG": "interrupted-" + tmp_path.name},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.exists(), "the chapter never started executing"
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode != 0, out
    assert "chapter finished" not in out

    from .leakcheck import tagged_pids

    deadline = time.monotonic() + 60
    while tagged_pids("interrupted-" + tmp_path.name) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = tagged_pids("interrupted-" + tmp_path.name)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"the interrupted build left processes running: {left}"

    # Build again: the chapter runs to the end and the site is complete.
    (tmp_path / "release").write_text("go")
    report, again = run_checked(SPHINX, cwd=book, env=env, capture=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert report.clean, report.describe()
    html = book / "_build" / "html"
    assert "chapter finished" in (html / "slow.html").read_text()
    assert "quick chapter" in (html / "quick.html").read_text()

    # And the execution cache is sound: a third build executes nothing.
    marker.unlink()
    third = subprocess.run(SPHINX, cwd=book, env=env, capture_output=True, text=True, timeout=600)
    assert third.returncode == 0, third.stdout + third.stderr
    assert not marker.exists(), "the cache did not hold the re-executed chapter"
    assert "Executing notebook" not in third.stdout + third.stderr
