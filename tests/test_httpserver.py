"""The local latency server: latency and error injection, bounds, and a clean stop."""

from __future__ import annotations

import os
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

from gilref.topics.httpserver import LatencyServer, ServerProcess, check_loopback, unused_port

from .waiting import wait_until

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with NO_PROXY.open(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


def refused(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", port))
        except ConnectionRefusedError:
            return True
    return False


def test_answers_after_the_latency_with_the_size(no_leaked_threads):
    with LatencyServer(latency=0.2, size=3000) as server:
        start = time.perf_counter()
        status, body = get(server.url("/item/1"))
        elapsed = time.perf_counter() - start
    assert status == 200 and len(body) == 3000
    assert elapsed >= 0.2
    assert server.stats.to_dict()["statuses"] == {"200": 1}


def test_query_overrides_latency_size_and_status(no_leaked_threads):
    # The default latency is far beyond the client's timeout: an answer at all means latency=0 applied.
    with LatencyServer(latency=60.0, size=10, max_latency=60) as server:
        status, body = get(server.url("/x", latency=0, size=5, status=500), timeout=20)
        assert status == 500 and len(body) == 5
        assert get(server.url("/x", latency=0), timeout=20)[1] == b"gilref lat"
    assert server.stats.to_dict()["statuses"] == {"200": 1, "500": 1}


def test_drop_closes_without_an_answer(no_leaked_threads):
    with LatencyServer(latency=0) as server, pytest.raises((urllib.error.URLError, ConnectionError)):
        get(server.url("/x", drop=1))
    assert server.stats.dropped == 1


@pytest.mark.parametrize(("query", "words"), [
    ("latency=99", b"latency must be between 0 and 5 s"),
    ("latency=abc", b"could not convert"),
    ("size=-1", b"size must be between"),
    ("status=99", b"status must be an HTTP status code"),
])
def test_bad_queries_get_400(query, words, no_leaked_threads):
    with LatencyServer(latency=0, max_latency=5) as server:
        status, body = get(f"{server.base_url}/x?{query}")
    assert status == 400 and words in body


def test_request_budget_answers_503(no_leaked_threads):
    with LatencyServer(latency=0, max_requests=2) as server:
        codes = [get(server.url("/x"))[0] for _ in range(3)]
    assert codes == [200, 200, 503]


def test_many_concurrent_requests_are_all_answered(no_leaked_threads):
    results: list[int] = []
    with LatencyServer(latency=0.3, size=10) as server:
        threads = [threading.Thread(target=lambda: results.append(get(server.url("/x"), 30)[0])) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert results == [200] * 20
    assert server.stats.to_dict()["statuses"] == {"200": 20}


def test_many_requests_wait_at_once(no_leaked_threads):
    # Requests that would wait a minute each: all twenty are held at the same moment, one thread each.
    errors: list[BaseException] = []

    def wait_for_answer() -> None:
        try:
            get(server.url("/x"), 120)
        except (urllib.error.URLError, ConnectionError) as exc:
            errors.append(exc)

    with LatencyServer(latency=60.0, max_latency=60) as server:
        threads = [threading.Thread(target=wait_for_answer) for _ in range(20)]
        for t in threads:
            t.start()
        wait_until(lambda: server.stats.peak_concurrency == 20, "20 requests waiting at once on the server")
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert len(errors) == 20 and server.stats.aborted == 20  # none was answered: stop cut them all


def test_stop_wakes_waiting_requests_and_frees_the_port(no_leaked_threads):
    latency = 120.0
    server = LatencyServer(latency=latency, max_latency=latency).start()
    port = server.port
    errors: list[BaseException] = []

    def wait_for_answer() -> None:
        try:
            get(server.url("/x"), 2 * latency)
        except (urllib.error.URLError, ConnectionError) as exc:
            errors.append(exc)

    client = threading.Thread(target=wait_for_answer)
    client.start()
    wait_until(lambda: server.stats.requests == 1, "the request to reach the server")
    start = time.monotonic()
    server.stop()
    assert time.monotonic() - start < latency / 2  # woken, not waited out (a deadline, not a speed goal)
    client.join(60)
    assert not client.is_alive()
    assert len(errors) == 1  # the request was cut off, not answered
    assert server.stats.aborted == 1
    assert refused(port)
    server.stop()  # twice is fine
    with pytest.raises(RuntimeError, match="cannot be started again"):
        server.start()


def test_lifetime_ends_accepting(no_leaked_threads):
    # A lifetime long enough for the first request to arrive on a loaded machine.
    server = LatencyServer(latency=0, lifetime=3.0).start()
    port = server.port
    assert get(server.url("/x"))[0] == 200
    wait_until(lambda: server.expired, "the 3 s lifetime to end")
    wait_until(lambda: refused(port), "the expired server to refuse connections")
    server.stop()


@pytest.mark.parametrize(("kwargs", "exc", "words"), [
    ({"host": "0.0.0.0"}, ValueError, "loopback"),
    ({"host": "10.1.2.3"}, ValueError, "loopback"),
    ({"host": "example"}, ValueError, "loopback IP address"),
    ({"host": 127}, TypeError, "host must be a string"),
    ({"latency": -1}, ValueError, "latency must be >= 0"),
    ({"latency": "1"}, TypeError, "latency must be a number"),
    ({"size": 1.5}, TypeError, "size must be an int"),
    ({"port": 70000}, ValueError, "port must be <= 65535"),
    ({"max_requests": 0}, ValueError, "max_requests must be >= 1"),
    ({"lifetime": 0}, ValueError, "lifetime must be > 0"),
    ({"latency": 5, "max_latency": 1}, ValueError, "must not exceed max_latency"),
])
def test_bad_arguments_are_named(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        LatencyServer(**kwargs)


def test_loopback_check_accepts_loopback_only():
    assert check_loopback("127.0.0.1") == "127.0.0.1"
    assert check_loopback("127.5.6.7") == "127.5.6.7"
    assert check_loopback("::1") == "::1"
    assert check_loopback("localhost") == "localhost"
    with pytest.raises(ValueError, match="must be a loopback address"):
        check_loopback("192.168.1.1")


def test_url_rejects_unknown_parameters(no_leaked_threads):
    with LatencyServer(latency=0) as server:
        url = server.url
        with pytest.raises(TypeError, match="unknown query parameter"):
            url("/x", delay=1)
        with pytest.raises(ValueError, match="start with '/'"):
            url("x")
        assert server.urls(2) == [f"{server.base_url}/item/0", f"{server.base_url}/item/1"]


def test_unused_port_is_refused():
    assert refused(unused_port())


def test_server_process_serves_and_stops_cleanly():
    with ServerProcess(latency=0.05, size=100) as server:
        pid = server._proc.pid if server._proc else None
        assert get(server.url("/item/0"))[0] == 200
        port = server.port
    assert server.stats["statuses"] == {"200": 1}
    assert refused(port)
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_server_process_is_killed_when_the_block_raises():
    server = ServerProcess(latency=0)
    pids: list[int] = []

    def fail_inside() -> None:
        with server:
            pids.append(server._proc.pid if server._proc else -1)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_inside()
    assert server._proc is None and pids[0] > 0
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)


def test_latency_server_stops_when_the_block_raises():
    server = LatencyServer(latency=0)
    ports: list[int] = []

    def fail_inside() -> None:
        with server:
            ports.append(server.port)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_inside()
    assert server.stopping.is_set() and refused(ports[0])
