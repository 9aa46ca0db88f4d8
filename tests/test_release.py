from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import threading

import pytest

from gilref.core.harness import thread_counts
from gilref.topics import release
from gilref.topics.release import (
    FileReadWork,
    LoopbackPairs,
    SleepWork,
    SocketWork,
    WorkUnavailable,
    broken_lines,
    calibrate,
    count_switches,
    first_switch_excerpt,
    interleave_labels,
    make_work,
    scaling_suite,
)


@pytest.mark.parametrize(("cpus", "counts"), [
    (1, [1, 2]),
    (2, [1, 2, 4]),
    (3, [1, 2, 3, 6]),
    (4, [1, 2, 3, 4, 8]),
    (16, [1, 2, 4, 8, 16, 32]),
    (12, [1, 2, 4, 8, 12, 24]),
])
def test_thread_counts_cover_the_cpus_and_beyond(cpus, counts):
    assert thread_counts(cpus) == counts


def test_calibrate_rounds_up_to_a_multiple_of_the_thread_counts():
    with SleepWork(1, seconds=0.005) as work:
        units = calibrate(work, 0.03, multiple=12)
    assert units % 12 == 0 and units >= 12
    per: list[float] = []
    with SleepWork(1, seconds=0.005) as work:
        calibrate(work, 0.03, seconds_per_unit=per)
    assert len(per) == 1 and per[0] >= 0.005  # a sleep lasts at least what it asks for


def test_scaling_suite_does_the_same_work_on_every_thread_count(no_leaked_threads):
    suite = scaling_suite(["sleep", "python_loop"], [1, 2], target=0.02, repeats=5, warmups=0,
                          options={"python_loop": {"steps": 2000}})
    assert release.kinds_in(suite) == ["sleep", "python_loop"]
    for kind in ("sleep", "python_loop"):
        timings = suite.select(kind)
        assert [(t.mode, t.workers) for t in timings] == [("sequential", 1), ("threads", 2)]
        assert len({t.params["units"] for t in timings}) == 1
        assert timings[0].params["units"] % 2 == 0
        assert all(len(t.values) == 5 for t in timings)
    assert suite.get("python_loop", "sequential").params["releases_gil"] is False
    base = suite.baseline("sleep").params  # what the job was aimed at and what calibration predicted, for target_text
    assert base["target_s"] == 0.02 and base["calibrated_s"] >= 0.005 * base["units"] * 0.99
    # One thread's median over two threads' (how much two gain is a speed goal: tests/bench).
    one, two = suite.baseline("sleep").median, suite.get("sleep", "threads", 2).median
    assert release.speedups(suite, "sleep") == {1: 1.0, 2: pytest.approx(one / two)}
    rows = release.speedup_rows(suite)
    assert [r["kind of work"] for r in rows] == ["time.sleep", "pure-Python loop"]
    assert rows[0]["2 threads"].endswith("×")


def test_every_available_kind_runs_and_cleans_up(no_leaked_threads):
    for kind, why in release.available_kinds().items():
        if why:
            continue
        options = {"python_loop": {"steps": 100}, "sleep": {"seconds": 0.001}}.get(kind, {})
        with make_work(kind, 2, **options) as work:
            assert work.name == kind and work.unit != release.Work.unit  # says what one unit is
            params = work.params()
            assert params and json.loads(json.dumps(params)) == params  # recorded with the results
            errors = run_on_every_slot(work)
            assert not errors, (kind, errors)


def run_on_every_slot(work) -> list[BaseException]:
    """Run one unit of *work* on each of its slots at once; return what was raised."""
    errors: list[BaseException] = []

    def run_one() -> None:
        try:
            work.run(1)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run_one) for _ in range(work.slots)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), f"{work.name}: a unit did not finish within 120 s"
    return errors


def test_file_work_deletes_its_file():
    with FileReadWork(2, size=1 << 16) as work:
        path = work.path
        assert os.path.getsize(path) == 1 << 16
        work.run(2)
    assert not os.path.exists(path)


def test_loopback_pairs_bind_only_loopback_and_stop_listening():
    with LoopbackPairs(3) as pairs:
        host, port = pairs.address
        assert host == "127.0.0.1"
        assert not pairs.listening  # closed once the pairs are connected
        assert len(pairs.pairs) == 3
        for client, server in pairs.pairs:
            assert client.getpeername()[0] == "127.0.0.1" and server.getsockname()[0] == "127.0.0.1"
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((host, port), timeout=5).close()
        sockets = [s for pair in pairs.pairs for s in pair]
    assert all(s.fileno() == -1 for s in sockets)


def test_socket_work_moves_the_bytes_and_closes(no_leaked_threads):
    with SocketWork(2, chunk=4096, chunks=3) as work:
        work.run(2)
        pairs = work.pairs
        assert pairs is not None
    assert all(s.fileno() == -1 for pair in pairs.pairs for s in pair)


def test_more_concurrent_runs_than_slots_is_an_error(monkeypatch):
    monkeypatch.setattr("gilref.topics.release._work.SOCKET_TIMEOUT", 0.05)  # where Slots reads it
    with SocketWork(1, chunk=1024, chunks=1) as work:
        work._slots.take()
        with pytest.raises(RuntimeError, match="more threads"):
            work.run(1)


def test_numpy_kind_pins_blas_to_one_thread():
    pytest.importorskip("numpy")
    pytest.importorskip("threadpoolctl")
    with make_work("numpy_matmul", 2, n=32) as work:
        work.run(2)
        blas = work.params()["blas"]
    assert blas and all(b["num_threads"] == 1 for b in blas)


def test_numpy_kind_reports_missing_libraries(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)
    assert "threadpoolctl" in (release.available_kinds()["numpy_matmul"] or "")
    with pytest.raises(WorkUnavailable, match="pip install threadpoolctl"), make_work("numpy_matmul"):
        pass
    assert "numpy_matmul" not in release.kinds_in(
        scaling_suite(["sleep"], [1], target=0.01, repeats=5, warmups=0))


@pytest.mark.parametrize(("call", "exc", "words"), [
    (lambda: make_work("teleport"), ValueError, "kind must be one of"),
    (lambda: scaling_suite(["teleport"]), ValueError, "unknown kind"),
    (lambda: scaling_suite([]), ValueError, "non-empty list"),
    (lambda: scaling_suite("sleep"), ValueError, "non-empty list"),
    (lambda: scaling_suite(["sleep"], [0]), ValueError, "threads must be >= 1"),
    (lambda: scaling_suite(["sleep"], target=0), ValueError, "target must be > 0"),
    (lambda: SleepWork(0), ValueError, "slots must be >= 1"),
    (lambda: SleepWork(1, seconds="1"), TypeError, "seconds must be a number"),
    (lambda: LoopbackPairs(0), ValueError, "count must be >= 1"),
    (lambda: thread_counts(0), ValueError, "cpus must be >= 1"),
    (lambda: release.asyncio_waits(0), ValueError, "tasks must be >= 1"),
    (lambda: release.asyncio_waits(1, -1.0), ValueError, "seconds must be > 0"),
    (lambda: interleave_labels(b"+1"), TypeError, "text must be a str"),
    (lambda: release.interleave_runs([]), ValueError, "at least one argument list"),
])
def test_bad_arguments_are_named(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


def test_interleave_output_is_parsed_even_across_split_lines():
    text = "-1\n-2\n-3+1\n\n+2\n-4\n"
    labels = interleave_labels(text)
    assert labels == ["minus", "minus", "minus", "plus", "plus", "minus"]
    assert count_switches(labels) == 2
    assert broken_lines(text) == 2  # "-3+1" and the empty line after it
    assert first_switch_excerpt(text) == ""  # the second task's start mixing in is not a hand-over
    assert first_switch_excerpt("-1\n-2\n") == ""


def test_the_example_pages_note_explains_merged_lines_and_checks_the_tally():
    shown = "-1\n-2\n+1\n+10-3\n-4\n-20\n\n+11\ntally: 3 hand-overs in 8 numbers, in 1.0 ms\n"
    note = release.output_note(shown)
    assert note.startswith("**Why a line holds two numbers.** `print` writes the number and then the line end")
    assert "Here 1 line holds more than one number (`+10-3`), so the 8 numbers fill 7 lines, and 1 line is empty" \
        in note
    assert "changed 3 times, as the tally says" in note
    off = release.output_note(shown.replace("tally: 3", "tally: 2"))
    assert "changed 3 times, the tally 2: the tally notes each number just before its print" in off
    # Whole lines and a tally that agrees need no note; a disagreeing tally alone gets one.
    assert release.output_note("-1\n-2\n+1\ntally: 1 hand-over in 3 numbers\n") == ""
    alone = release.output_note("-1\n-2\n+1\ntally: 0 hand-overs in 3 numbers\n")
    assert not alone.startswith("**Why") and "changed 1 time, the tally 0" in alone
    two = release.output_note("-1+1\n\n-2+2\n\n")
    assert "Here 2 lines hold more than one number (`-1+1`, `-2+2`)" in two and "and 1 line is empty" in two
    assert "tally" not in two


def test_the_excerpt_shows_a_real_hand_over_not_the_start():
    start = "-1+1\n+2\n-2\n"  # both threads starting: they alternate line by line
    text = start + "-3\n-4\n-5\n+3\n+4\n+5\n+6\n-6\n"
    assert first_switch_excerpt(text) == "+4\n+5\n+6\n-6"  # before +3 its task had printed 2 numbers only
    # The second task's first turn is its start, not a hand-over: the excerpt is the switch back.
    late = "-1\n-2\n-3\n-4\n+1\n+2\n+3\n+4\n-5\n-6\n"
    assert first_switch_excerpt(late) == "+2\n+3\n+4\n-5\n-6"
    # Nor is it when the second task's first number was mixed into a line at the start.
    mixed = "-1+1\n-2\n-3\n-4\n+2\n+3\n+4\n-5\n"
    assert first_switch_excerpt(mixed) == "+2\n+3\n+4\n-5"


def test_socket_work_counts_its_gil_releases():
    with SocketWork(1, chunk=4096, chunks=3) as work:
        assert "gil_releases_per_unit" not in work.params()  # nothing ran yet
        work.run(2)
        # per chunk at least one send and one recv, each a poll and the call: >= 4 releases per chunk
        assert work.params()["gil_releases_per_unit"] >= 4 * 3


def test_count_switches_counts_changes_of_label():
    assert count_switches([]) == 0
    assert count_switches(["a"]) == 0
    assert count_switches(["a", "a", "b", "a", "a"]) == 2


def test_interleave_runs_counts_every_number():
    rows = release.interleave_runs([["--count", "20"]], repeats=2)
    assert rows[0]["args"] == ["--count", "20"]
    assert rows[0]["numbers"] == [40, 40]
    assert all(s >= 1 for s in rows[0]["switches"])  # two tasks: at least one hand-over


def test_the_output_mode_follows_pythonunbuffered_and_the_verdict_gives_its_reason():
    # the runs inherit the build's environment (this host sets PYTHONUNBUFFERED): the page says which
    assert release.output_mode({"PYTHONUNBUFFERED": "1"}) == "unbuffered"
    assert release.output_mode({"PYTHONUNBUFFERED": ""}) == "buffered" == release.output_mode({})
    assert "two writes" in release.output_mode_text("unbuffered")
    assert "only when the buffer fills" in release.output_mode_text("buffered")
    with pytest.raises(ValueError, match="unknown output mode"):
        release.output_mode_text("line")
    runs = [{"args": [], "switches": [2, 3, 3, 2, 3], "broken": [0] * 5, "numbers": [200] * 5},
            {"args": ["--flush"], "switches": [3] * 5, "broken": [0] * 5, "numbers": [200] * 5}]
    buffered = release.interleave_verdict(runs, mode="buffered")
    unbuffered = release.interleave_verdict(runs, mode="unbuffered")
    assert buffered.state == unbuffered.state == "contradicted"
    assert "a buffered `print` makes no system call" in buffered.text
    assert "two writes that release the GIL" in unbuffered.text and "makes no system call" not in unbuffered.text


def test_asyncio_waits_overlap(no_leaked_threads):
    t = release.asyncio_waits(3, 0.05, repeats=3)
    assert t.mode == "asyncio" and len(t.values) == 3
    assert min(t.values) >= 0.05  # each gather waited; how much the waits overlap is a speed goal (tests/bench)
    assert t.params == {"tasks": 3, "seconds": 0.05, "sequential_s": pytest.approx(0.15)}


def test_asyncio_waits_work_inside_a_running_event_loop():
    async def inside():
        return release.asyncio_waits(2, 0.01, repeats=1)

    assert asyncio.run(inside()).values[0] >= 0.01


def test_the_package_names_what_it_exports_by_its_public_path():
    # the API page, type hints and pickled references say gilref.topics.release.X
    assert release.SleepWork.__module__ == "gilref.topics.release"
    assert release.SleepWork.__bases__ == (release.Work,)
    assert release.scaling_suite.__module__ == "gilref.topics.release"
    assert release.KINDS == ("sleep", "file_read", "socket", "hashlib", "zlib", "numpy_matmul", "python_loop")


def test_an_empty_line_in_the_excerpt_is_explained_from_the_output():
    minus = "\n".join(f"-{i}" for i in range(1, 6))
    plus = "\n".join(f"+{i}" for i in range(2, 122))
    text = f"{minus}\n-6+1\n{plus}\n\n" + "\n".join(f"-{i}" for i in range(7, 20)) + "\n"
    excerpt = first_switch_excerpt(text)
    assert excerpt.startswith("+120\n+121\n\n-7")
    note = release.blank_line_note(text, excerpt)
    assert "The empty line above -7 is the line end of -6" in note
    assert "the line that reads `-6+1` (121 lines above the empty one)" in note
    assert "1 holds two numbers and 1 is empty" in note
    assert release.blank_line_note("-1\n-2\n-3\n-4\n+1\n+2\n+3\n+4\n-5\n", "+2\n+3\n+4\n-5") == ""  # no empty line
