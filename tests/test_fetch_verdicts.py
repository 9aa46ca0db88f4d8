"""Fetching's verdicts and invariants, decided on made-up results (no measuring)."""

from __future__ import annotations

import pytest

from gilref.core.results import Suite, Timing
from gilref.topics import fetch
from gilref.topics.fetch import FetchResult

URLS, LATENCY = 32, 0.05
SEQ = (1.70, 1.71, 1.72, 1.73, 1.74)


def made(threads: dict[int, tuple[float, ...]], aio: dict[int, tuple[float, ...]] | None = None,
         seq: tuple[float, ...] = SEQ, peak: int = 16) -> Suite:
    params = {"urls": URLS, "latency_s": LATENCY}
    suite = Suite(metadata={"server": {"peak_concurrency": peak}})
    suite.add(Timing("fetch", "sequential", 1, seq, (), params))
    for w, vals in threads.items():
        suite.add(Timing("fetch", "threads", w, vals, (), params))
    for w, vals in (aio or {}).items():
        suite.add(Timing("fetch", "asyncio", w, vals, (), params))
    return suite


def ideal(w: int, spread: float = 0.005, share: float = 0.97) -> tuple[float, ...]:
    t = 1.72 / (w * share)
    return tuple(t * (1 + spread * k) for k in (-2, -1, 0, 1, 2))


SCALED = {w: ideal(w) for w in (1, 2, 4, 8, 16)}


def test_threads_scale_holds_and_names_its_thread_counts():
    claim = fetch.threads_verdict(made(SCALED))
    assert claim.state == "holds"
    assert "1, 2, 4, 8 and 16 threads" in claim.text and "32 URLs" in claim.text


def test_threads_scale_is_contradicted_when_a_pool_falls_short():
    claim = fetch.threads_verdict(made({**SCALED, 16: ideal(16, share=0.55)}))
    assert claim.state == "contradicted"
    assert "16 threads" in claim.text and "55%" in claim.text


def test_threads_scale_is_undecided_when_the_interval_straddles_the_threshold():
    # 4 threads has the lowest median share (93%) but holds; 16 threads straddles: name 16.
    claim = fetch.threads_verdict(made({**SCALED, 4: ideal(4, share=0.93),
                                        16: (0.10, 0.11, 0.125, 0.14, 0.15)}))
    assert claim.state == "undecided"
    assert "the 16-thread pool's interval straddles the threshold" in claim.text


def test_threads_scale_is_undecided_without_a_large_enough_pool():
    claim = fetch.threads_verdict(made({w: ideal(w) for w in (1, 2, 4)}))
    assert claim.state == "undecided" and "no pool of 16 threads was measured" in claim.text


def test_the_example_agrees_with_a_contradicted_verdict_when_it_falls_short_too():
    claim = fetch.threads_verdict(made({**SCALED, 16: ideal(16, share=0.55)}), fetch.parse_example(THREADS_OUT))
    assert claim.state == "contradicted" and "61%" in claim.text and "it agrees" in claim.text



THREADS_OUT = """Local server http://127.0.0.1:40000: 50 ms per answer, 1024 bytes
8 URLs, median of 3 runs:
  sequential      0.440 s    1.00x sequential
  2 threads       0.222 s    1.98x sequential
  8 threads       0.090 s    4.89x sequential
Again on 8 threads with two URLs that fail on purpose:
  /item/0                         55 ms  200   1024 bytes
"""
ASYNCIO_OUT = """Local server http://127.0.0.1:40001: 50 ms per answer, 1024 bytes
8 URLs on one thread, median of 3 runs:
    1 in flight    0.430 s    1.00x one at a time
    2 in flight    0.216 s    1.99x one at a time
    8 in flight    0.057 s    7.54x one at a time
"""


def test_parse_example_reads_both_scripts():
    t = fetch.parse_example(THREADS_OUT)
    assert (t["script"], t["urls"], t["repeats"]) == ("threads", 8, 3)
    assert [(r["mode"], r["workers"], r["speedup"]) for r in t["runs"]] == [
        ("sequential", 1, 1.0), ("threads", 2, 1.98), ("threads", 8, 4.89)]
    a = fetch.parse_example(ASYNCIO_OUT)
    assert a["script"] == "asyncio" and [r["workers"] for r in a["runs"]] == [1, 2, 8]
    assert a["runs"][0]["mode"] == "sequential" and a["runs"][2]["seconds"] == 0.057
    with pytest.raises(ValueError, match="median of"):
        fetch.parse_example("nothing here")


def test_the_verdict_states_the_example_and_says_why_it_differs():
    claim = fetch.threads_verdict(made(SCALED), fetch.parse_example(THREADS_OUT))
    assert claim.state == "holds"
    assert "4.89×" in claim.text and "61%" in claim.text  # 4.89 of an ideal 8
    assert "own process" in claim.text
    agreeing = THREADS_OUT.replace("4.89x", "7.60x")
    assert "it agrees" in fetch.threads_verdict(made(SCALED), fetch.parse_example(agreeing)).text


def test_asyncio_verdict_three_ways():
    same = {4: ideal(4), 16: ideal(16)}
    assert fetch.asyncio_verdict(made(SCALED, same)).state == "holds"
    slow = {16: ideal(16, share=0.5)}
    c = fetch.asyncio_verdict(made(SCALED, slow))
    assert c.state == "contradicted" and "16 fetches in flight" in c.text
    wide = {16: (0.09, 0.10, 0.125, 0.16, 0.20)}
    assert fetch.asyncio_verdict(made(SCALED, wide)).state == "undecided"
    with_ex = fetch.asyncio_verdict(made(SCALED, same), fetch.parse_example(ASYNCIO_OUT))
    assert "7.54×" in with_ex.text and "8 in flight" in with_ex.text
    both = fetch.asyncio_verdict(made(SCALED, same), fetch.parse_example(ASYNCIO_OUT),
                                 fetch.parse_example(THREADS_OUT))
    assert "4.89× on 8 threads" in both.text and "154%" in both.text and "it agrees" in both.text
    slower = fetch.asyncio_verdict(made(SCALED, same), fetch.parse_example(ASYNCIO_OUT.replace("7.54x", "3.00x")),
                                   fetch.parse_example(THREADS_OUT))
    assert "61%" in slower.text and "one slow answer" in slower.text


def by_name(invs):
    return {i.key: i.holds for i in invs}


def test_invariants_hold_for_a_sound_run():
    got = by_name(fetch.fetch_invariants(made(SCALED, {4: ideal(4), 16: ideal(16)})))
    assert got == {"fetch_one_thread_as_sequential": True, "fetch_n_times_one": True, "fetch_share_of_ideal": True,
                   "fetch_server_capacity": True, "fetch_time_falls": True}


def test_one_thread_much_slower_than_one_after_another_breaks_an_invariant():
    got = by_name(fetch.fetch_invariants(made({**SCALED, 1: tuple(v * 1.5 for v in SEQ)})))
    assert got["fetch_one_thread_as_sequential"] is False


def test_faster_than_n_times_one_thread_breaks_two_invariants():
    got = by_name(fetch.fetch_invariants(made({**SCALED, 2: ideal(2, share=1.6)})))
    assert not got["fetch_n_times_one"] and not got["fetch_share_of_ideal"]
    assert got["fetch_time_falls"]


def test_faster_than_the_server_can_answer_breaks_capacity():
    # 32 URLs one after another at 50 ms each cannot take less than 1.6 s; 16 threads not under 0.1 s.
    suite = made({1: (0.5,) * 5, 16: (0.031,) * 5}, seq=(0.5,) * 5)
    inv = {i.key: i for i in fetch.fetch_invariants(suite)}
    assert not inv["fetch_server_capacity"].holds
    assert "sequential" in inv["fetch_server_capacity"].cause


def test_a_larger_pool_much_slower_breaks_time_falls():
    inv = {i.key: i for i in fetch.fetch_invariants(made({**SCALED, 16: ideal(8)[::-1] and
                                                            tuple(v * 1.5 for v in ideal(8))}))}
    assert not inv["fetch_time_falls"].holds and "16 threads slower than 8 threads" in inv["fetch_time_falls"].cause


def result(kind: str, seconds: float = 0.06) -> FetchResult:
    return FetchResult("http://127.0.0.1:1/item/0", kind, 200 if kind == "ok" else None, 0, seconds)


def demo(threads_s: float = 0.6, kinds=("ok", "ok", "ok", "http-error", "timeout", "connection-error",
                                        "connection-error")) -> dict:
    rs = [result(k, 0.5 if k == "timeout" else 0.06) for k in kinds]
    return {"threads": rs, "asyncio": list(rs), "threads_s": threads_s, "asyncio_s": 0.55,
            "timeout_s": 0.5, "urls": ["u"] * 7}


def test_errors_verdict_both_ways():
    assert fetch.errors_verdict(demo()).state == "holds"
    assert fetch.errors_verdict(demo(kinds=("ok", "ok", "error", "http-error", "timeout", "ok", "ok"))).state \
        == "contradicted"
    assert fetch.errors_verdict(demo(threads_s=2.0)).state == "contradicted"


def test_error_invariants_both_ways():
    assert all(i.holds for i in fetch.error_invariants(demo()))
    lost = demo()
    lost["asyncio"] = lost["asyncio"][:-1]
    late = demo()
    late["threads"] = [*late["threads"][:-1], result("timeout", 3.0)]
    assert by_name(fetch.error_invariants(lost)) == {"errors_one_per_url": False, "errors_within_deadline": True}
    assert by_name(fetch.error_invariants(late)) == {"errors_one_per_url": True, "errors_within_deadline": False}


def test_first_fetch_invariant_both_ways():
    assert fetch.first_fetch_invariants(result("ok", 0.052), 0.05)[0].holds
    assert not fetch.first_fetch_invariants(result("ok", 0.01), 0.05)[0].holds
    assert not fetch.first_fetch_invariants(result("timeout", 0.2), 0.05)[0].holds


def test_errors_show_as_code_so_their_quotes_stay_straight():
    t = FetchResult("http://127.0.0.1:1/item/down", "connection-error", None, 0, 0.001,
                    "Connect call failed ('127.0.0.1', 55487)")
    a = FetchResult("http://127.0.0.1:1/item/down", "connection-error", None, 0, 0.001, None)
    row = fetch.error_rows({"threads": [t], "asyncio": [a]})[0]
    assert row["threads' error"] == "`Connect call failed ('127.0.0.1', 55487)`"
    assert row["asyncio's error"] == "" and row["URL"] == "`/item/down`"


def test_code_span_fences_backticks_inside():
    assert fetch.code_span("a`b") == "``a`b``"
    assert fetch.code_span("`x`") == "`` `x` ``"
    assert fetch.code_span("") == ""


def test_the_first_fetch_is_set_beside_the_later_ones():
    suite = made({})  # one-after-another: 1.72 s / 32 = 53.75 ms a fetch (53.4–54.1 ms)
    slow = fetch.first_fetch_text(0.0652, suite)
    assert "took 53.8 ms" in slow and "53.4–54.1 ms" in slow and "cost 11.4 ms more" in slow
    same = fetch.first_fetch_text(0.0538, suite)
    assert "took as long as those" in same and "more" not in same
    assert "was faster than those" in fetch.first_fetch_text(0.051, suite)
    with pytest.raises(ValueError, match="positive first fetch"):
        fetch.first_fetch_text(0.0, suite)
