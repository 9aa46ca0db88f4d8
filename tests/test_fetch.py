"""Fetching: every URL gets a result, errors included, on every client; measurement and validation."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gilref.topics import fetch
from gilref.topics.fetch import FetchResult
from gilref.topics.httpserver import LatencyServer, unused_port

#: The client's timeout in these tests: far above the server's 50 ms answers, even on a loaded
#: machine, and far below the slow URL's latency, so "ok" and "timeout" never swap.
TIMEOUT = 2.0
SLOW = 30.0


@pytest.fixture
def server(no_leaked_threads):
    with LatencyServer(latency=0.05, size=100, max_latency=SLOW) as s:
        yield s


def bad_and_good(server: LatencyServer) -> list[str]:
    return [
        server.url("/item/0"),
        server.url("/item/500", status=500),
        server.url("/item/slow", latency=SLOW),
        server.url("/item/drop", drop=1),
        f"http://127.0.0.1:{unused_port()}/down",
        server.url("/item/1", size=7),
    ]


EXPECTED = ["ok", "http-error", "timeout", "connection-error", "connection-error", "ok"]


def check(results: list[FetchResult], urls: list[str]) -> None:
    assert [r.url for r in results] == urls  # one result per URL, in order
    assert [r.kind for r in results] == EXPECTED
    ok = [r for r in results if r.ok]
    assert [r.nbytes for r in ok] == [100, 7] and all(r.status == 200 and r.error is None for r in ok)
    assert results[1].status == 500 and "500" in (results[1].error or "")
    # It gave up at its timeout, long before the slow answer (a deadline, not a speed goal).
    assert results[2].status is None and results[2].seconds < SLOW / 2
    assert all(r.error for r in results if not r.ok)


def test_sequential_reports_every_url(server):
    urls = bad_and_good(server)
    check(fetch.fetch_sequential(urls, timeout=TIMEOUT), urls)


@pytest.mark.parametrize("workers", [1, 3, 8])
def test_thread_pool_reports_every_url(server, workers):
    urls = bad_and_good(server)
    check(fetch.fetch_threads(urls, workers, timeout=TIMEOUT), urls)


@pytest.mark.parametrize("limit", [None, 1, 2])
def test_asyncio_reports_every_url(server, limit):
    urls = bad_and_good(server)
    check(fetch.fetch_asyncio(urls, timeout=TIMEOUT, limit=limit), urls)


def test_asyncio_works_inside_a_running_event_loop(server):
    urls = bad_and_good(server)

    async def inside() -> list[FetchResult]:
        return fetch.fetch_asyncio(urls, timeout=TIMEOUT)  # as in a notebook cell

    check(asyncio.run(inside()), urls)


def test_a_bug_inside_a_worker_becomes_an_error_result(server, monkeypatch):
    def broken(url: str, timeout: float) -> FetchResult:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(fetch, "fetch_url", broken)
    results = fetch.fetch_threads([server.url("/a"), server.url("/b")], 2)
    assert [r.kind for r in results] == ["error", "error"]
    assert all("ZeroDivisionError: oops" in (r.error or "") for r in results)


class _Rendezvous(BaseHTTPRequestHandler):
    """Answers 200 only once *parties* requests are waiting at the same time, else 503."""

    barrier: threading.Barrier

    def do_GET(self) -> None:
        try:
            self.barrier.wait()
            status = 200
        except threading.BrokenBarrierError:
            status = 503
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("workers", [8, 4])
def test_threads_overlap_the_waits(no_leaked_threads, workers):
    # Eight requests meet at a barrier on the server: only eight waiting at once get an answer.
    handler = type("Handler", (_Rendezvous,), {"barrier": threading.Barrier(8, timeout=2 if workers < 8 else 60)})
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        serving = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
        serving.start()
        try:
            base = f"http://127.0.0.1:{httpd.server_address[1]}"
            results = fetch.fetch_threads([f"{base}/item/{i}" for i in range(8)], workers, timeout=120)
        finally:
            httpd.shutdown()
            serving.join(60)
    if workers == 8:
        assert [r.kind for r in results] == ["ok"] * 8
    else:  # four at a time never make eight: the barrier breaks, as it would for one after another
        assert not any(r.ok for r in results) and {r.status for r in results} == {503}


def test_result_rows_show_path_and_error(server):
    rows = fetch.result_rows(fetch.fetch_sequential([server.url("/item/9", status=503)], timeout=2))
    assert rows[0]["URL"] == "/item/9?status=503"
    assert rows[0]["outcome"] == "http-error" and rows[0]["status"] == 503
    assert "503" in rows[0]["error"]
    assert FetchResult("u", "ok", 200, 1, 0.1).to_dict()["kind"] == "ok"


def test_error_demo_covers_four_failures(no_leaked_threads):
    demo = fetch.error_demo(workers=4, timeout=TIMEOUT)
    for client in ("threads", "asyncio"):
        kinds = [r.kind for r in demo[client]]
        assert kinds == ["ok", "ok", "ok", "http-error", "timeout", "connection-error", "connection-error"]
        # The run ended on the client's timeout, not on the slow answer (4 x timeout): a deadline.
        assert demo[f"{client}_s"] < 4 * TIMEOUT
    assert demo["server"]["statuses"]["500"] == 2


def test_fetch_suite_measures_every_configuration_and_stops_its_server():
    suite = fetch.fetch_suite(4, latency=0.01, workers=(1, 2), asyncio_limits=(2,), repeats=5)
    assert [(t.mode, t.workers) for t in suite.timings] == [
        ("sequential", 1), ("threads", 1), ("threads", 2), ("asyncio", 2)]
    for t in suite.timings:
        assert len(t.values) == 5 and t.params["urls"] == 4 and t.params["latency_s"] == 0.01
    server = suite.metadata["server"]
    assert server["statuses"] == {"200": server["requests"]}
    assert server["requests"] == 4 * 4 * 5 + 1 + 1 + 2 + 2  # measured runs + one warm-up round each
    assert multiprocessing.active_children() == []
    assert [t for t in threading.enumerate() if t.name.startswith("gilref")] == []


def test_fetch_suite_refuses_to_time_failures(server):
    with pytest.raises(RuntimeError, match="fetches failed during a measurement"):
        fetch.fetch_suite(urls=[server.url("/x", status=500)], workers=(1,), asyncio_limits=(), repeats=5)


@pytest.mark.parametrize(("call", "exc", "words"), [
    (lambda: fetch.fetch_url("ftp://x/y"), ValueError, r"urls\[0\] must be an http"),
    (lambda: fetch.fetch_url("http:///nohost"), ValueError, "with a host"),
    (lambda: fetch.fetch_sequential("http://127.0.0.1/"), TypeError, "list of URL strings"),
    (lambda: fetch.fetch_sequential([b"http://x/"]), TypeError, r"urls\[0\] must be a string"),
    (lambda: fetch.fetch_threads(["http://127.0.0.1/"], 0), ValueError, "workers must be >= 1"),
    (lambda: fetch.fetch_url("http://127.0.0.1/", timeout=0), ValueError, "timeout must be > 0"),
    (lambda: fetch.fetch_asyncio(["http://127.0.0.1/"], limit=0), ValueError, "limit must be >= 1"),
    (lambda: fetch.fetch_suite(repeats=4), ValueError, "repeats must be >= 5"),
    (lambda: fetch.fetch_suite(workers=()), ValueError, "at least one pool size"),
    (lambda: fetch.fetch_suite(workers=(2, 2)), ValueError, "must not repeat"),
])
def test_bad_arguments_are_named(call, exc, words):
    with pytest.raises(exc, match=words):
        call()
