from __future__ import annotations

import multiprocessing
import re
import socket

import pytest

from gilref.core.results import Suite
from gilref.topics import convoy

from .leftovers import run_checked


def echo(addr, payload: bytes) -> bytes:
    with socket.create_connection(addr, timeout=10) as s:
        s.sendall(payload)
        return s.recv(65536)


def assert_closed(port: int) -> None:
    listening = convoy.listening_ports()
    if listening is not None:
        assert port not in listening
    with pytest.raises(ConnectionRefusedError), socket.create_connection((convoy.HOST, port), timeout=2):
        pass


def test_the_server_binds_only_loopback_echoes_and_closes(no_leaked_threads):
    with convoy.EchoServer() as server:
        host, port = server.address
        assert host == "127.0.0.1" and port > 0
        listening = convoy.listening_ports()
        if listening is not None:
            assert port in listening
        assert echo(server.address, b"hello") == b"hello"
        assert echo(server.address, b"again") == b"again"
    assert server.served == 2
    assert_closed(port)


def test_the_server_stops_after_max_requests(no_leaked_threads):
    with convoy.EchoServer(max_requests=2) as server, \
            socket.create_connection(server.address, timeout=10) as s:
        for _ in range(2):
            s.sendall(b"x")
            assert s.recv(10) == b"x"
        s.sendall(b"x")
        try:
            answer = s.recv(10)
        except ConnectionResetError:  # closed with our message unread
            answer = b""
        assert answer == b""  # the server hung up instead of echoing
    assert server.served == 2


def test_close_wakes_a_server_waiting_on_a_silent_client(no_leaked_threads):
    server = convoy.EchoServer().start()
    with socket.create_connection(server.address, timeout=10) as s:
        s.sendall(b"x")
        assert s.recv(10) == b"x"
        port = server.address[1]
        server.close(timeout=5)  # raises if the thread did not stop
    assert_closed(port)


def test_the_server_refuses_misuse():
    server = convoy.EchoServer()
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.address
    with server, pytest.raises(RuntimeError, match="already running"):
        server.start()
    with pytest.raises(ValueError, match="max_requests"):
        convoy.EchoServer(max_requests=0)


def test_listening_ports_sees_a_listener():
    ports = convoy.listening_ports()
    if ports is None:
        pytest.skip("no /proc/net/tcp on this platform")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert s.getsockname()[1] in convoy.listening_ports()


def test_measure_covers_three_setups_and_leaves_nothing_behind(no_leaked_threads):
    suite = convoy.measure(window=0.05, repeats=5, warmups=0)
    assert {t.mode for t in suite.select("echo")} == set(convoy.MODES)
    assert {t.mode for t in suite.select("cpu_hog")} == {"cpu-thread", "cpu-process"}
    assert all(len(t.values) == 5 and min(t.values) > 0 for t in suite.select("echo"))
    better = {(t.workload, t.unit, t.better) for t in Suite.from_dict(suite.to_dict()).timings}
    assert better == {("echo", "req/s", "higher"), ("cpu_hog", "steps/s", "higher"),
                      ("round_trip", "s", "lower"), ("slow_share", "fraction", "lower")}
    rows = convoy.summary(Suite.from_dict(suite.to_dict()))
    assert [r["mode"] for r in rows] == list(convoy.MODES) and rows[0]["vs_alone"] == 1.0
    assert all(0 <= r["slow"] <= 1 for r in rows)
    assert suite.metadata["requests_served"] > 0
    assert not multiprocessing.active_children()
    assert_closed(suite.metadata["port"])


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"repeats": 3}, ValueError, "repeats"),
    ({"window": 0}, ValueError, "window"),
    ({"message_size": 0}, ValueError, "message_size"),
    ({"message_size": 70_000}, ValueError, "65536"),
    ({"max_requests": 0}, ValueError, "max_requests"),
    ({"timeout": "soon"}, TypeError, "timeout"),
])
def test_measure_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        convoy.measure(**kwargs)


def test_published_figures_name_their_source():
    assert {p["mode"] for p in convoy.PUBLISHED} == set(convoy.MODES)
    assert all(p["source"] in convoy.SOURCES for p in convoy.PUBLISHED)


@pytest.mark.example("convoy.py")
def test_convoy_example_measures_three_setups_on_loopback_and_cleans_up():
    run = run_checked("convoy.py", "--window", "0.05", "--repeats", "2")
    assert run.returncode == 0, run.stderr
    host, port = re.search(r"echo server listening on ([\d.]+):(\d+)", run.stdout).groups()
    assert host == "127.0.0.1"
    for mode in ("alone", "cpu-thread", "cpu-process"):
        assert re.search(rf"^\s+{mode}\s+[\d,]+ requests/s", run.stdout, re.M), run.stdout
    assert "server closed" in run.stdout
    assert run.clean, run
    assert_closed(int(port))


@pytest.mark.example("convoy.py")
@pytest.mark.parametrize("args", [["--size", "0"], ["--size", "70000"], ["--repeats", "many"],
                                  ["--window", "0"]])
def test_convoy_example_rejects_bad_arguments(args, run_example):
    proc = run_example("convoy.py", *args, check=False, timeout=60)
    assert proc.returncode == 2
    assert "usage:" in proc.stderr and "Traceback" not in proc.stderr
