"""Fetching: every URL gets a result, errors included, on every client; measurement and validation."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
import time

import pytest

from gilref.topics import fetch
from gilref.topics.fetch import FetchResult
from gilref.topics.httpserver import LatencyServer, unused_port


@pytest.fixture
def server(no_leaked_threads):
    with LatencyServer(latency=0.05, size=100, max_latency=5) as s:
        yield s


def bad_and_good(server: LatencyServer) -> list[str]:
    return [
        server.url("/item/0"),
        server.url("/item/500", status=500),
        server.url("/item/slow", latency=2),
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
    assert results[2].status is None and results[2].seconds < 1.5
    assert all(r.error for r in results if not r.ok)


def test_sequential_reports_every_url(server):
    urls = bad_and_good(server)
    check(fetch.fetch_sequential(urls, timeout=0.4), urls)


@pytest.mark.parametrize("workers", [1, 3, 8])
def test_thread_pool_reports_every_url(server, workers):
    urls = bad_and_good(server)
    check(fetch.fetch_threads(urls, workers, timeout=0.4), urls)


@pytest.mark.parametrize("limit", [None, 1, 2])
def test_asyncio_reports_every_url(server, limit):
    urls = bad_and_good(server)
    check(fetch.fetch_asyncio(urls, timeout=0.4, limit=limit), urls)


def test_asyncio_works_inside_a_running_event_loop(server):
    urls = bad_and_good(server)

    async def inside() -> list[FetchResult]:
        return fetch.fetch_asyncio(urls, timeout=0.4)  # as in a notebook cell

    check(asyncio.run(inside()), urls)


def test_a_bug_inside_a_worker_becomes_an_error_result(server, monkeypatch):
    def broken(url: str, timeout: float) -> FetchResult:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(fetch, "fetch_url", broken)
    results = fetch.fetch_threads([server.url("/a"), server.url("/b")], 2)
    assert [r.kind for r in results] == ["error", "error"]
    assert all("ZeroDivisionError: oops" in (r.error or "") for r in results)


def test_threads_overlap_the_waits(server):
    urls = server.urls(8, latency=0.3)
    start = time.perf_counter()
    results = fetch.fetch_threads(urls, 8)
    assert all(r.ok for r in results)
    assert time.perf_counter() - start < 8 * 0.3 / 2  # not one after another (generous; not a speed goal)


def test_result_rows_show_path_and_error(server):
    rows = fetch.result_rows(fetch.fetch_sequential([server.url("/item/9", status=503)], timeout=2))
    assert rows[0]["URL"] == "/item/9?status=503"
    assert rows[0]["outcome"] == "http-error" and rows[0]["status"] == 503
    assert "503" in rows[0]["error"]
    assert FetchResult("u", "ok", 200, 1, 0.1).to_dict()["kind"] == "ok"


def test_error_demo_covers_four_failures(no_leaked_threads):
    demo = fetch.error_demo(workers=4, timeout=0.3)
    for client in ("threads", "asyncio"):
        kinds = [r.kind for r in demo[client]]
        assert kinds == ["ok", "ok", "ok", "http-error", "timeout", "connection-error", "connection-error"]
        assert demo[f"{client}_s"] < 0.3 + 1.0
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
