"""asyncio's verdicts and invariants, decided on made-up results (no measuring)."""

from __future__ import annotations

from gilref.core.results import Suite, Timing
from gilref.topics import aio


def il(kind: str, switches: int, every: int = 0, steps: int = 2_000_000, appends: int | None = None) -> dict:
    return {"kind": kind, "steps": steps, "yield_every": every, "switches": switches,
            "first_switch_at": 1, "seconds": 0.1, "appends": 2 * steps if appends is None else appends}


def test_cooperative_holds_and_breaks():
    good = [il("threads", 40), il("coroutines", 1), il("coroutines", 7, every=500_000)]
    assert aio.cooperative_verdict(good).state == "holds"
    assert "7 times" in aio.cooperative_verdict(good).text
    early = [il("threads", 40), il("coroutines", 3), il("coroutines", 7, every=500_000)]
    assert aio.cooperative_verdict(early).state == "contradicted"
    never = [il("threads", 0), il("coroutines", 1)]
    assert aio.cooperative_verdict(never).state == "contradicted"


def test_interleaving_invariants_both_ways():
    assert all(i.holds for i in aio.interleaving_invariants([il("threads", 40), il("coroutines", 1)]))
    broken = {i.key: i.holds for i in aio.interleaving_invariants([il("threads", 40, appends=3_999_000)])
              if i.key != "interleaving_await_cost"}
    assert broken == {"interleaving_appends": False, "interleaving_switches": True}
    too_many = {i.key: i.holds for i in aio.interleaving_invariants([il("threads", 4_000_000)])}
    assert too_many["interleaving_switches"] is False


def waits(a: tuple[float, ...], t: tuple[float, ...] = (0.16, 0.17, 0.18, 0.19, 0.2), wait: float = 0.1) -> Suite:
    params = {"count": 1000, "wait_s": wait, "sum_of_waits_s": 1000 * wait}
    s = Suite()
    s.add(Timing("waits", "asyncio", 1000, a, (), params))
    s.add(Timing("waits", "threads", 1000, t, (), params))
    return s


def test_many_waits_three_ways():
    assert aio.many_waits_verdict(waits((0.11, 0.112, 0.115, 0.118, 0.12))).state == "holds"
    assert aio.many_waits_verdict(waits((0.2, 0.21, 0.22, 0.23, 0.24))).state == "contradicted"
    assert aio.many_waits_verdict(waits((0.11, 0.13, 0.15, 0.17, 0.19))).state == "undecided"


def test_sleeps_invariants_both_ways():
    assert all(i.holds for i in aio.sleeps_invariants(waits((0.11,) * 5)))
    early = {i.key: i.holds for i in aio.sleeps_invariants(waits((0.05, 0.06, 0.06, 0.07, 0.08)))}
    assert early == {"waits_asyncio_at_least_one_wait": False, "waits_threads_at_least_one_wait": True}


def lag(inline=(0.30, 0.31, 0.32, 0.33, 0.34), thread=(0.005, 0.006, 0.006, 0.007, 0.008),
        proc=(0.001, 0.0012, 0.0013, 0.0014, 0.0015), idle=(0.0005, 0.0006, 0.0006, 0.0007, 0.0008),
        step=0.33, run=0.4, thread_step=0.34) -> Suite:
    s = Suite()
    for mode, vals in (("idle", idle), ("inline", inline), ("to-thread", thread), ("process", proc)):
        st = thread_step if mode == "to-thread" else step
        s.add(Timing("ticker-lag", mode, 1, vals, (), {
            "cpu_steps": 4_000_000, "tick_s": 0.005, "median_lag_s": [v / 2 for v in vals],
            "p95_lag_s": list(vals), "cpu_step_s": [st] * 5, "ticks": [60] * 5, "run_s": [run] * 5}))
    return s


def test_inline_three_ways():
    c = aio.inline_verdict(lag())
    assert c.state == "holds" and "330 ms" in c.text and "×" not in c.text.split("late")[0]
    assert aio.inline_verdict(lag(inline=(0.05, 0.06, 0.07, 0.08, 0.09))).state == "contradicted"
    assert aio.inline_verdict(lag(inline=(0.15, 0.22, 0.27, 0.30, 0.34))).state == "undecided"


def test_offload_three_ways():
    c = aio.offload_verdict(lag(), 0.005)
    assert c.state == "holds" and "5 ms" in c.text
    assert aio.offload_verdict(lag(thread=(0.2, 0.21, 0.22, 0.23, 0.24)), 0.005).state == "contradicted"
    assert aio.offload_verdict(lag(thread=(0.03, 0.05, 0.064, 0.08, 0.1)), 0.005).state == "undecided"


def test_a_process_lag_above_the_idle_ticker_is_explained():
    busy = lag(proc=(0.011, 0.0115, 0.0118, 0.012, 0.0125))
    busy.metadata["usable_cpus"] = 2
    c = aio.offload_verdict(busy, 0.005)
    assert "more than the ticker alone" in c.text and "2 of them" in c.text
    calm = lag(proc=(0.0005, 0.0006, 0.0006, 0.0007, 0.0008))
    assert "more than the ticker alone" not in aio.offload_verdict(calm, 0.005).text


def test_lag_invariants_both_ways():
    assert all(i.holds for i in aio.lag_invariants(lag()))
    stalled = {i.key: i.holds for i in aio.lag_invariants(lag(idle=(0.5,) * 5, run=0.6))}
    assert stalled == {"lag_idle_at_most_inline": False, "lag_thread_step_not_faster": True,
                       "lag_process_step_as_inline": True, "lag_within_run": True}
    clocks = {i.key: i.holds for i in aio.lag_invariants(lag(run=0.1))}
    assert clocks == {"lag_idle_at_most_inline": True, "lag_thread_step_not_faster": True,
                      "lag_process_step_as_inline": True, "lag_within_run": False}
    # The same countdown, sharing the GIL with the loop, ran far faster on a thread: the host changed.
    faster = {i.key: i.holds for i in aio.lag_invariants(lag(thread_step=0.2))}
    assert faster["lag_thread_step_not_faster"] is False


def test_lag_rows_show_quartiles_without_a_bare_list():
    rows = aio.lag_rows(lag(), {"idle": "ticker alone", "inline": "step inline"})
    assert [r["how the step ran"] for r in rows] == ["ticker alone", "step inline"]
    assert rows[1]["worst lag (ms): median (quartiles)"] == "320 (310–330)"
    assert rows[0]["CPU step took (ms)"] == ""


def test_interleaving_rows_name_each_run():
    rows = aio.interleaving_rows([il("threads", 40), il("coroutines", 1), il("coroutines", 7, every=500_000)])
    assert [r["what ran"] for r in rows] == ["2 threads", "2 coroutines, no await",
                                             "2 coroutines, await every 500,000 appends"]


def test_awaiting_coroutines_may_not_take_twice_the_plain_ones():
    def timed(every: int, seconds: float) -> dict:
        return {**il("coroutines", 7 if every else 1, every=every), "seconds": seconds}

    fine = {i.key: i.holds for i in aio.interleaving_invariants([timed(0, 0.110), timed(500_000, 0.115)])}
    assert fine["interleaving_await_cost"] is True
    slow = {i.key: i.holds for i in aio.interleaving_invariants([timed(0, 0.110), timed(500_000, 0.247)])}
    assert slow["interleaving_await_cost"] is False


def test_chunks_cover_every_append_and_await_where_the_old_loop_did():
    assert aio.chunk_sizes(10, 0) == [10]
    assert aio.chunk_sizes(10, 5) == [5, 5]
    assert aio.chunk_sizes(11, 5) == [5, 5, 1]


def test_ratios_print_two_decimals_and_waits_state_their_overhead_in_ms():
    from gilref.core.verdicts import Interval

    assert aio.ratio_text(Interval(1.0817, 1.0823, 1.0825)) == "1.08×"
    assert aio.ratio_text(Interval(2.19, 2.20, 3.19)) == "2.20× (2.19–3.19×)"
    text = aio.many_waits_verdict(waits((0.1078, 0.1079, 0.1080, 0.1081, 0.1082))).text
    assert "1.08× the time of one wait on one event loop (8.0 ms (7.9–8.1 ms) over it" in text
    assert "1.080" not in text


def test_one_figure_prints_alike_in_the_table_and_the_verdicts():
    s = lag(inline=(0.0585, 0.0600, 0.0637, 0.0800, 0.0878))
    row = aio.lag_rows(s, {"inline": "step inline"})[0]
    assert row["worst lag (ms): median (quartiles)"] == "64 (60–80)"
    assert "64 ms (60–80 ms)" in aio.offload_verdict(s, 0.005).text
    small = aio.lag_rows(lag(), {"to-thread": "to_thread"})[0]
    assert small["worst lag (ms): median (quartiles)"] == "6.0 (6.0–7.0)"


def test_an_idle_ticker_worse_than_beside_the_process_is_explained_from_the_runs():
    worse = lag(idle=(0.0012, 0.0015, 0.0019, 0.0021, 0.0023), proc=(0.0014, 0.0014, 0.0014, 0.0015, 0.0016))
    text = aio.offload_verdict(worse, 0.005).text
    assert "alone was at worst 1.9 ms (1.5–2.1 ms) late, no less than beside the process" in text
    assert "60 and 60 ticks" in text and "varied by 0.6 ms" in text
    assert "no less than beside the process" not in aio.offload_verdict(lag(), 0.005).text


def test_an_unwarmed_worker_breaks_the_process_step_invariant():
    s = lag()
    assert {i.key: i.holds for i in aio.lag_invariants(s)}["lag_process_step_as_inline"] is True
    slow = lag()
    proc = slow.get("ticker-lag", "process")
    proc.params["cpu_step_s"] = [0.33 * 1.5] * 5  # the worker ran the countdown half as slow again
    broken = next(i for i in aio.lag_invariants(slow) if i.key == "lag_process_step_as_inline")
    assert broken.holds is False and "unspecialized" in broken.cause


def test_warm_countdown_calls_it_and_checks_its_argument():
    import pytest

    assert aio.warm_countdown(3) == 3
    with pytest.raises(ValueError, match="calls must be >= 0"):
        aio.warm_countdown(-1)


def lagged(inline_s: float, thread_s: float, bare: list[float] | None, thread_lag: float = 0.0096) -> Suite:
    s = Suite(metadata={"usable_cpus": 2, "load_average": [3.0, 2.0, 1.0],
                        **({"bare_step_s": bare} if bare is not None else {})})
    for mode, lag, step in (("inline", 0.095, inline_s), ("to-thread", thread_lag, thread_s)):
        s.add(Timing("ticker-lag", mode, 1, (lag,) * 5, (),
                     {"cpu_steps": 4_000_000, "tick_s": 0.005, "cpu_step_s": [step] * 5}))
    return s


def test_step_speed_says_whether_the_loop_or_the_host_made_the_difference():
    same = aio.step_speed_text(lagged(0.100, 0.090, [0.098] * 5))
    assert "25.0 ns inline" in same and "adds nothing measurable" in same and "load average 3.0" in same
    apart = aio.step_speed_text(lagged(0.100, 0.090, [0.060] * 5))
    assert "more than 15% apart" in apart
    assert "called bare" not in aio.step_speed_text(lagged(0.100, 0.090, None))


def test_to_thread_lag_is_worded_from_the_data():
    two = aio.to_thread_lag_text(lagged(0.1, 0.09, None, thread_lag=0.0096), 0.005)
    assert "9.6 ms" in two and "1.9 switch intervals" in two and "more than once" in two
    one = aio.to_thread_lag_text(lagged(0.1, 0.09, None, thread_lag=0.0052), 0.005)
    assert "about one wait" in one


def test_cuts_print_two_decimals_below_ten_and_none_above():
    text = aio.offload_verdict(lag(thread=(0.040, 0.041, 0.043, 0.045, 0.046)), 0.005).text
    assert "(a cut of 7.44× (6.89–8.05×))" in text
    assert "(a cut of 246× (" in aio.offload_verdict(lag(), 0.005).text


def test_a_median_whose_quartiles_round_alike_gets_one_decimal_more_as_the_chart_prints_it():
    s = lag(inline=(0.0586, 0.0587, 0.0588, 0.0589, 0.0590))
    row = aio.lag_rows(s, {"inline": "step inline"})[0]
    assert row["worst lag (ms): median (quartiles)"] == "58.8 (58.7–58.9)"
    assert "58.8 ms (58.7–58.9 ms)" in aio.offload_verdict(s, 0.005).text  # the verdicts print it alike


def test_interleaving_time_note_says_what_single_runs_can_and_cannot_tell():
    def runs(bare: float, awaited: float) -> list[dict]:
        return [il("threads", 40), {**il("coroutines", 1), "seconds": bare},
                {**il("coroutines", 7, every=500_000), "seconds": awaited}]
    faster = aio.interleaving_time_note(runs(0.088, 0.078))
    assert faster.startswith("Each row is a single run: the coroutines took 0.088 s without an await and 0.078 s")
    assert "(the awaits) was the faster one" in faster and "do not measure them" in faster
    assert "cannot tell the awaits' cost" in aio.interleaving_time_note(runs(0.080, 0.100))  # 25% more
    close = aio.interleaving_time_note(runs(0.080, 0.084))
    assert close.endswith("5% more.") and "cannot" not in close
    assert aio.interleaving_time_note([il("threads", 40)]) == ""


def test_inline_verdict_gives_a_lag_above_the_step_a_word():
    over = aio.inline_verdict(lag(inline=(0.30, 0.31, 0.32, 0.33, 0.34), step=0.32))  # up to 106% of the step
    assert "A lag above 100% of the step (the upper end here) is no error" in over.text
    assert "above 100%" not in aio.inline_verdict(lag()).text  # its upper quartile is the step itself: 100%
    printed = aio.inline_verdict(lag(inline=(0.30, 0.31, 0.32, 0.3301, 0.34), step=0.33))  # 100.03%: prints 100%
    assert "above 100%" not in printed.text and "(97% (94–100%)" in printed.text


def test_many_waits_names_what_the_threads_took():
    text = aio.many_waits_verdict(waits((0.11, 0.112, 0.115, 0.118, 0.12))).text
    assert "on 1,000 threads they took 1.80× (1.70–1.90×) the time of one wait." in text and "of it." not in text
