"""The strategy guide's table is computed from the measurements: change them and it changes."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from gilref.book import strategy
from gilref.book.strategy import Option, decide, decide_all, gather, summary_rows
from gilref.core.results import Suite, Timing


def countdown_suite(threads: float, processes: float) -> Suite:
    """A cpu-vs-io style suite whose speedups are *threads* and *processes* (sequential 1 s)."""
    s = Suite()
    s.add(Timing("countdown", "sequential", 1, (1.0,) * 5, (), {"n": 1000}))
    s.add(Timing("countdown", "threads", 2, (1.0 / threads,) * 5, (), {"n": 1000}))
    s.add(Timing("countdown", "processes", 2, (1.0 / processes,) * 5, (), {"n": 1000}))
    return s


def fetch_suite(threads: float, aio: float) -> Suite:
    s = Suite()
    params = {"urls": 32, "latency_s": 0.05}
    s.add(Timing("fetch", "sequential", 1, (1.6,) * 5, (), params))
    s.add(Timing("fetch", "threads", 16, (1.6 / threads,) * 5, (), params))
    s.add(Timing("fetch", "asyncio", 16, (1.6 / aio,) * 5, (), params))
    return s


def lag_suite(inline: float, thread: float, proc: float) -> Suite:
    s = Suite()
    for mode, v in (("idle", 0.001), ("inline", inline), ("to-thread", thread), ("process", proc)):
        s.add(Timing("ticker-lag", mode, 1, (v,) * 5))
    return s


def sleeps_suite(aio: float, threads: float) -> Suite:
    s = Suite()
    params = {"count": 1000, "wait_s": 0.1, "sum_of_waits_s": 100.0}
    s.add(Timing("waits", "asyncio", 1000, (aio,) * 5, (), params))
    s.add(Timing("waits", "threads", 1000, (threads,) * 5, (), params))
    return s


def proc_suite(kept: float, fresh: float) -> Suite:
    s = Suite()
    s.add(Timing("countdown", "sequential", 1, (1.0,) * 5, (), {"n": 1000}))
    s.add(Timing("countdown", "processes", 2, (1.0 / kept,) * 5, (), {"n": 1000}))
    s.add(Timing("countdown", "processes-new-pool", 2, (1.0 / fresh,) * 5, (), {"n": 1000}))
    return s


def records(*, cpu_threads=0.95, cpu_procs=1.9, io_threads=15.0, io_aio=12.0, kept=1.95, fresh=1.7,
            lags=(0.15, 0.012, 0.004), sleeps=(0.11, 0.24), extra=None):
    book = {
        "cpu-vs-io": {"chapter": "cpu-vs-io",
                      "suites": {"countdown": countdown_suite(cpu_threads, cpu_procs).to_dict()}},
        "fetching": {"chapter": "fetching", "data": {"strategy_inputs": [
            o.to_dict() for o in strategy.options_from_fetch(fetch_suite(io_threads, io_aio))]}},
        "processes": {"chapter": "processes", "data": {"strategy_inputs": [
            o.to_dict() for o in strategy.options_from_processes(proc_suite(kept, fresh))]}},
        "asyncio": {"chapter": "asyncio", "data": {"strategy_inputs": [
            o.to_dict() for o in strategy.options_from_asyncio(lag_suite(*lags), sleeps_suite(*sleeps))]}},
    }
    book.update(extra or {})

    def read(key):
        if key not in book:
            raise LookupError(key)
        return book[key]

    return read, lambda key: key in book


def table(**kwargs):
    read, present = records(**kwargs)
    options, status = gather(read, present=present)
    return summary_rows(decide_all(options)), status


def best(rows, work):
    return next(r for r in rows if r["work"] == strategy.work_link(work))["best on this host"]


def test_this_hosts_usual_numbers_give_the_usual_advice():
    rows, status = table()
    assert best(rows, "cpu-bound").startswith("processes (ProcessPoolExecutor, 2, pool kept)")
    assert best(rows, "io-bound").startswith("threads")
    assert best(rows, "many-waits").startswith("asyncio")
    assert best(rows, "mixed") == "asyncio + a process pool (loop.run_in_executor, ProcessPoolExecutor)"
    assert best(rows, "native") == "not measured in this edition"
    assert status["native-code"] == "not in this edition" and status["fetching"] == "measured"
    read, present = records()
    assert strategy.classic_advice_holds(decide_all(gather(read, present=present)[0]))


def test_the_table_follows_the_measurements():
    before, _ = table()
    # asyncio now clearly faster for fetching; threads faster for many waits; to_thread lags least.
    after, _ = table(io_aio=18.0, sleeps=(0.3, 0.12), lags=(0.15, 0.002, 0.02))
    assert before != after
    assert best(after, "io-bound").startswith("asyncio")
    assert best(after, "many-waits").startswith("threads")
    assert best(after, "mixed") == "asyncio + asyncio.to_thread"
    io = [r["measured (chapter)"] for r in after if r["work"] == strategy.work_link("io-bound")]
    assert io == ["18.00× ({doc}`fetching`)"]


def test_no_useful_speedup_means_stay_sequential():
    rows, _ = table(cpu_procs=1.05, kept=1.1, fresh=1.0)
    assert best(rows, "cpu-bound").startswith("stay sequential")
    read, present = records(cpu_procs=1.05, kept=1.1, fresh=1.0)
    assert not strategy.classic_advice_holds(decide_all(gather(read, present=present)[0]))


def test_ties_go_to_the_simpler_option():
    read, present = records(io_threads=15.0, io_aio=15.5)  # asyncio 3% ahead: a tie, threads are simpler
    io = decide("io-bound", gather(read, present=present)[0])
    assert io.best is not None and io.best.name.startswith("threads") and io.reason.startswith("Within 5%")
    rows, _ = table(io_threads=15.0, io_aio=17.0)  # 13% ahead: asyncio wins
    assert best(rows, "io-bound").startswith("asyncio")


def test_optional_chapters_join_the_table_when_present():
    ft = Suite()
    ft.add(Timing("countdown", "sequential", 1, (1.0,) * 5))
    ft.add(Timing("countdown", "threads", 2, (0.5,) * 5))  # free-threaded: 2.0x, beats processes' 1.95x
    native = {"chapter": "native-code", "data": {"strategy_inputs": [
        Option("native", "threads (NumPy, 2)", "speedup", 1.8, "native-code").to_dict()]}}
    rows, status = table(extra={"free-threading": {"chapter": "free-threading", "suites": {"s": ft.to_dict()}},
                                "native-code": native})
    assert status["free-threading"] == "measured, suites only" and status["native-code"] == "measured"
    assert best(rows, "native") == "threads (NumPy, 2)"
    cpu = next(r for r in rows if r["work"] == strategy.work_link("cpu-bound"))
    # 2.00x vs 1.95x is a tie; "threads" is the simpler family, so it wins.
    assert cpu["best on this host"] == "threads (threading.Thread, 2, countdown loop)"
    assert cpu["measured (chapter)"].endswith("({doc}`free-threading`)")


def test_a_missing_required_chapter_is_an_error():
    read, present = records()

    def without_fetching(key):
        if key == "fetching":
            raise LookupError("chapter 'fetching' has recorded no results")
        return read(key)

    with pytest.raises(LookupError, match="fetching"):
        gather(without_fetching, present=present)


def test_decide_rules_directly():
    a = Option("cpu-bound", "processes (2)", "speedup", 1.9, "x")
    b = Option("cpu-bound", "threads (2)", "speedup", 0.95, "x")
    d = decide("cpu-bound", [b, a])
    assert d.best is a and d.runner_up is b and d.helps and "2.00 times the runner-up" in d.reason
    assert decide("native", [a]).best is None
    lag1 = Option("mixed", "asyncio + x", "seconds", 0.0004, "x")
    lag2 = Option("mixed", "threads + y", "seconds", 0.0009, "x")
    tie = decide("mixed", [lag1, lag2])  # both under 1 ms: a tie, and threads are simpler
    assert tie.best is lag2 and tie.runner_up is lag1 and tie.reason.startswith("Under a millisecond")
    lag3 = Option("mixed", "threads + z", "seconds", 0.02, "x")
    assert decide("mixed", [lag1, lag3]).best is lag1
    with pytest.raises(ValueError, match="mix the metrics"):
        decide("mixed", [lag1, Option("mixed", "z", "speedup", 2.0, "x")])
    with pytest.raises(ValueError, match="workload must be one of"):
        decide("gpu", [])


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"workload": "gpu"}, "workload must be one of"),
    ({"metric": "ms"}, "metric must be"),
    ({"value": float("nan")}, "finite number"),
    ({"value": -1.0}, "must be >= 0"),
    ({"value": True}, "finite number"),
    ({"name": ""}, "non-empty"),
])
def test_bad_options_are_refused(kwargs, words):
    args = {"workload": "cpu-bound", "name": "threads", "metric": "speedup", "value": 1.0, "source": "x"}
    args.update(kwargs)
    with pytest.raises(ValueError, match=words):
        Option(**args)


def test_options_round_trip_and_bad_records():
    o = Option("io-bound", "threads (4)", "speedup", 3.9, "fetching", "detail")
    assert Option.from_dict(o.to_dict()) == o
    assert o.shown == "3.90×" and Option("mixed", "a", "seconds", 0.0123, "s").shown == "12.3 ms"
    with pytest.raises(ValueError, match="needs the field 'value'"):
        Option.from_dict({"workload": "io-bound", "name": "t", "metric": "speedup", "source": "s"})
    with pytest.raises(ValueError, match="must be a list"):
        strategy.options_from_record({"chapter": "c", "data": {"strategy_inputs": {"a": 1}}})
    assert strategy.options_from_record({"chapter": "c"}) == []


def test_present_in_checks_the_source_folder(tmp_path):
    (tmp_path / "native-code.md").write_text("# x\n")
    present = strategy.present_in(tmp_path)
    assert present("native-code") and not present("subinterpreters")
    with pytest.raises(FileNotFoundError):
        strategy.present_in(tmp_path / "nope")


def test_free_threaded_suites_are_labelled_and_kept_out_of_the_classic_advice():
    def suite(ft: bool, gil: bool, threads_time: float) -> dict:
        md = {"python_implementation": "CPython", "python_version": "3.13.5",
              "free_threaded_build": ft, "gil_enabled": gil}
        return Suite([Timing("countdown", "sequential", 1, (1.0,) * 5),
                      Timing("countdown", "threads", 2, (threads_time,) * 5)], md).to_dict()

    record = {"chapter": "free-threading",
              "suites": {"scaling: ft": suite(True, False, 0.52), "scaling: gil": suite(False, True, 1.0)}}
    options = strategy.options_from_suites(record, "cpu-bound")
    names = sorted(o.name for o in options)
    assert names == ["free-threaded threads (threading.Thread, 2, countdown loop; CPython 3.13.5 free-threaded)",
                     "threads (threading.Thread, 2, countdown loop; CPython 3.13.5)"]
    processes = Option("cpu-bound", "processes (2)", "speedup", 1.8, "processes")
    io = Option("io-bound", "threads (16)", "speedup", 15.0, "fetching")
    decisions = strategy.decide_all([*options, processes, io])
    cpu = next(d for d in decisions if d.workload == "cpu-bound")
    assert cpu.best is not None and cpu.best.name.startswith("free-threaded")  # best overall
    assert strategy.classic_advice_holds(decisions)  # but the advice is judged with a GIL


def si_suite(interp: float, procs: float) -> Suite:
    s = Suite(metadata={"python_implementation": "CPython", "python_version": "3.13.5"})
    s.add(Timing("countdown", "sequential", 1, (1.0,) * 5, (), {"n": 1000}))
    s.add(Timing("countdown", "threads", 2, (1.0,) * 5, (), {"n": 1000}))
    s.add(Timing("countdown", "interpreters", 2, (1.0 / interp,) * 5, (), {"n": 1000}))
    s.add(Timing("countdown", "processes", 2, (1.0 / procs,) * 5, (), {"n": 1000}))
    return s


def si_record(interp: float, procs: float, state: str) -> dict:
    return {"chapter": "subinterpreters",
            "claims": {"si_verdict": {"key": "si_verdict", "state": state, "holds": state == "holds"}},
            "data": {"strategy_inputs": [o.to_dict() for o in strategy.options_from_subinterpreters(
                si_suite(interp, procs))]}}


def test_subinterpreters_options_are_named_by_family_and_interpreter():
    names = [o.name for o in strategy.options_from_subinterpreters(si_suite(1.9, 1.8))]
    # its processes are only a comparison
    assert names == ["subinterpreters (PEP 734 interpreters, 2, countdown loop; CPython 3.13.5)"]
    dask = Suite()
    dask.add(Timing("countdown", "sequential", 1, (1.0,) * 5, (), {"n": 8, "tasks": 2}))
    dask.add(Timing("countdown", "processes", 2, (0.5,) * 5, (), {"n": 8, "tasks": 2}))
    dask.add(Timing("countdown", "dask", 2, (0.6,) * 5, (), {"n": 8, "tasks": 2}))
    assert [o.name for o in strategy.options_from_dask(dask)] == ["dask (LocalCluster, 2 workers)"]


def test_an_option_its_chapter_confirmed_can_win():
    read, present = records(extra={"subinterpreters": si_record(2.5, 1.8, "holds")})
    cpu = decide("cpu-bound", gather(read, present=present)[0])
    assert cpu.best is not None and cpu.best.name.startswith("subinterpreters") and cpu.best.state == "holds"


@pytest.mark.parametrize("state", ["undecided", "contradicted"])
def test_an_option_its_chapter_did_not_confirm_is_passed_over_and_the_reason_says_so(state):
    read, present = records(extra={"subinterpreters": si_record(2.5, 1.8, state)})
    options = gather(read, present=present)[0]
    cpu = decide("cpu-bound", options)
    assert cpu.best is not None and cpu.best.family == "processes"
    assert "Passed over: subinterpreters" in cpu.reason
    # said in words about the option, never with the claim's state (a negative claim that holds
    # makes an option that "does not help": "contradicted" there would read as the claim failing)
    assert state not in cpu.reason
    assert ("could not tell whether it helps" if state == "undecided" else "found that it does not help") in cpu.reason
    assert "{doc}`subinterpreters`" in cpu.reason
    rows = strategy.option_rows(options)
    row = next(r for r in rows if r["option"].startswith("CPU-bound — subinterpreters"))
    assert row["helps? (its chapter)"] == {"undecided": "cannot tell", "contradicted": "does not help"}[state]


def test_states_come_from_the_measuring_chapters_claims():
    rec = {"chapter": "cpu-vs-io", "claims": {"processes_verdict": {"state": "undecided"}},
           "suites": {"countdown": countdown_suite(1.0, 1.9).to_dict()}}
    opts = strategy.with_states(strategy.options_from_cpu_vs_io(rec), rec)
    assert {o.family: o.state for o in opts} == {"threads": "", "processes": "undecided"}
    with pytest.raises(ValueError, match="state must be"):
        Option("cpu-bound", "processes", "speedup", 1.0, "x", state="maybe")


def test_the_usual_advice_is_undecided_when_the_cpu_choice_was_not_confirmed():
    def state_of(cpu_state):
        read, present = records(kept=1.1, fresh=1.0)  # cpu-vs-io's processes (1.9x): the only option that helps
        base = read

        def reading(key):
            rec = dict(base(key))
            if key == "cpu-vs-io":
                rec["claims"] = {"processes_verdict": {"state": cpu_state}}
            return rec
        return strategy.advice_claim(decide_all(gather(reading, present=present)[0]))

    assert state_of("holds").state == "holds"
    undecided = state_of("undecided")
    assert undecided.state == "undecided" and "cannot confirm the advice" in undecided.text
    assert "the chapter that measured the CPU-bound choice could not confirm" in undecided.text
    assert state_of("contradicted").state == "contradicted"


def strict_records(claim_state: str):
    """records() where fetching and processes state their stricter claims (90% of the ideal, 1.8x)."""
    read, present = records()

    def reading(key):
        rec = dict(read(key))
        if key == "fetching":
            rec["claims"] = {"threads_scale": {"state": claim_state, "statement": "threads reach 90% of the ideal"},
                             "asyncio_matches": {"state": claim_state, "statement": "asyncio keeps up with threads"}}
        if key == "processes":
            rec["claims"] = {"processes_scale": {"state": claim_state, "statement": "2 processes reach 1.8x"}}
        return rec
    return reading, present


@pytest.mark.parametrize("claim_state", ["undecided", "contradicted"])
def test_a_stricter_claim_left_unconfirmed_does_not_make_a_15x_speedup_cannot_tell(claim_state):
    # fetching could not confirm "90% of the ideal" for 15x threads: that says nothing on whether they help
    read, present = strict_records(claim_state)
    options = gather(read, present=present)[0]
    decisions = decide_all(options)
    io = next(d for d in decisions if d.workload == "io-bound")
    assert io.best is not None and io.best.state == "" and "treat it as unconfirmed" not in io.reason
    assert "could not tell whether it helps" not in io.reason and "Passed over" not in io.reason
    rows = {r["option"]: r["helps? (its chapter)"] for r in strategy.option_rows(options)}
    said = rows["I/O-bound — threads (ThreadPoolExecutor, 16)"]
    assert said.startswith("not judged; its chapter ") and "threads reach 90% of the ideal" in said
    assert ("could not decide whether" if claim_state == "undecided" else "short of the target of this claim") in said
    assert "cannot tell" not in rows.values()
    # the usual advice rests on the figures (15x threads, 1.95x processes), not on the stricter targets
    assert strategy.advice_claim(decisions).state == "holds"
    # met, the stricter claim confirms the option helps
    read, present = strict_records("holds")
    rows = {r["option"]: r["helps? (its chapter)"] for r in strategy.option_rows(gather(read, present=present)[0])}
    assert rows["I/O-bound — threads (ThreadPoolExecutor, 16)"] == "helps"


def test_nothing_is_passed_over_as_unconfirmed_when_the_choice_is_unconfirmed_too():
    options = [Option("io-bound", "threads (ThreadPoolExecutor, 16)", "speedup", 14.4, "fetching", state="undecided"),
               Option("io-bound", "asyncio (16 in flight)", "speedup", 14.63, "fetching", state="undecided")]
    d = decide("io-bound", options)
    assert d.best is not None and d.best.name.startswith("threads") and d.reason.startswith("Within 5%")
    assert "Passed over" not in d.reason and "treat it as unconfirmed" in d.reason
    # with a confirmed choice, the better unconfirmed one is still named as passed over
    d = decide("io-bound", [options[1], replace(options[0], value=13.0, state="holds")])
    assert "Passed over: asyncio (16 in flight)" in d.reason


def test_no_key_of_a_kind_of_work_or_of_a_workload_reaches_either_table():
    native = Suite()
    for workload, params in (("xorshift", {"variant": "cython_nogil", "steps": 10}),
                             ("matmul", {"products": 4, "size": 8}), ("numpy-small", {"chunks": 4, "size": 8})):
        native.add(Timing(workload, "sequential", 1, (1.0,) * 5, (), params))
        native.add(Timing(workload, "threads", 2, (0.5,) * 5, (), params))
    ft = Suite([Timing("countdown", "sequential", 1, (1.0,) * 5), Timing("countdown", "threads", 2, (0.5,) * 5)],
               {"python_implementation": "CPython", "python_version": "3.13.5", "free_threaded_build": True,
                "gil_enabled": False})
    read, present = records(extra={
        "native-code": {"chapter": "native-code", "suites": {"n": native.to_dict()}},
        "free-threading": {"chapter": "free-threading", "suites": {"s": ft.to_dict()}},
        "subinterpreters": si_record(2.5, 1.8, "holds")})
    options = gather(read, present=present)[0]
    decisions = decide_all(options)
    cells = [str(v) for rows in (summary_rows(decisions), strategy.option_rows(options)) for r in rows
             for v in r.values()]
    cells += [strategy.section_text(d) for d in decisions]
    keys = set(strategy.WORKLOADS) | set(strategy.WORKLOAD_NAMES)
    names = sorted({*strategy.WORK_NAMES.values(), *strategy.WORKLOAD_NAMES.values()}, key=len, reverse=True)
    for cell in cells:
        text = re.sub(r"\{(doc|ref)\}`[^`]*`", "", cell)  # link targets are not shown
        for name in names:
            text = text.replace(name, "")
        left = [k for k in keys if re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", text)]
        assert not left, (left, cell)
    # the kinds of work are shown by their sections' names, linked
    assert summary_rows(decisions)[0]["work"] == "{ref}`CPU-bound <choosing-cpu-bound>`"
    assert {strategy.workload_name(k) for k in ("countdown", "xorshift")} == {"countdown loop", "xorshift loop"}


def test_every_kind_of_work_has_its_section_with_the_label_its_link_names():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "choosing.md").read_text(encoding="utf-8")
    for kind in strategy.WORKLOADS:
        name = strategy.WORK_NAMES[kind]
        assert f"(choosing-{kind})=\n### {name}\n" in text, kind


def test_section_and_coverage_texts():
    read, present = records()
    d = decide("cpu-bound", gather(read, present=present)[0])
    assert strategy.section_text(d).startswith("Best here: **processes") and "measured in {doc}`processes`" in \
        strategy.section_text(d)
    assert strategy.section_text(decide("native", [])) == "Not measured in this edition."
    assert strategy.coverage_text({"a": "measured"}) == ""
    text = strategy.coverage_text({"native-code": "not in this edition", "subinterpreters": "no options recorded"})
    assert "{doc}`native-code`" in text and "{doc}`subinterpreters`" in text


def test_the_usual_advice_is_judged_on_its_own_families_and_newer_options_are_named_beside_it():
    read, present = records(extra={"subinterpreters": si_record(2.5, 1.8, "holds")})
    claim = strategy.advice_claim(decide_all(gather(read, present=present)[0]))
    assert claim.state == "holds" and "Beyond the usual advice" in claim.text
    assert "subinterpreters (PEP 734 interpreters, 2" in claim.text


def test_the_usual_advice_says_plainly_when_nothing_helped():
    read, present = records(cpu_procs=1.05, kept=1.1, fresh=1.0)
    claim = strategy.advice_claim(decide_all(gather(read, present=present)[0]))
    assert claim.state == "contradicted" and "for CPU-bound work, no option helped: nothing reached 1.2×" in claim.text


def test_every_option_is_mapped_to_its_chapters_claim_and_negative_claims_turn_over():
    def opt(workload: str, name: str, source: str) -> Option:
        return Option(workload, name, "speedup", 1.5, source)

    fetch = {"chapter": "fetching", "claims": {"threads_scale": {"state": "holds"},
                                               "asyncio_matches": {"state": "undecided"}}}
    got = strategy.with_states([opt("io-bound", "threads (ThreadPoolExecutor, 16)", "fetching"),
                                opt("io-bound", "asyncio (16 in flight)", "fetching")], fetch)
    assert [o.state for o in got] == ["holds", ""]  # asyncio_matches is stricter than "it helps"
    assert got[1].strict.startswith("could not decide whether")
    # cpu-vs-io's threads_verdict says threads do NOT help: when it holds, the option is contradicted
    cpu = {"chapter": "cpu-vs-io", "claims": {"threads_verdict": {"state": "holds"}}}
    assert strategy.with_states([opt("cpu-bound", "threads (2, countdown loop)", "cpu-vs-io")], cpu)[0].state == \
        "contradicted"
    native = {"chapter": "native-code", "claims": {"nogil_verdict": {"state": "holds"},
                                                   "numpy_verdict": {"state": "contradicted"}}}
    got = strategy.with_states([opt("native", "threads (2, xorshift loop, Cython nogil)", "native-code"),
                                opt("native", "threads (2, NumPy matrix products)", "native-code")], native)
    assert [o.state for o in got] == ["holds", "contradicted"]
    rows = strategy.option_rows(got)
    assert {r["helps? (its chapter)"] for r in rows} == {"helps", "does not help"}
    assert strategy.option_rows([opt("native", "threads (9)", "x")])[0]["helps? (its chapter)"] == "not judged"


def test_suites_drop_one_worker_runs_describe_the_workload_and_file_numpy_under_native():
    md = {"python_implementation": "CPython", "python_version": "3.13.5", "free_threaded_build": True,
          "gil_enabled": False}
    s = Suite([Timing("countdown", "sequential", 1, (1.0,) * 5, (), {"n": 1000}),
               Timing("countdown", "threads", 1, (1.0,) * 5, (), {"n": 1000}),
               Timing("countdown", "threads", 2, (0.5,) * 5, (), {"n": 1000}),
               Timing("numpy-small", "sequential", 1, (1.0,) * 5, (), {"chunks": 40, "size": 64}),
               Timing("numpy-small", "threads", 2, (0.8,) * 5, (), {"chunks": 40, "size": 64})], md)
    options = strategy.options_from_suites({"chapter": "free-threading", "suites": {"scaling: x": s.to_dict()}},
                                           "cpu-bound")
    assert sorted((o.workload, o.detail) for o in options) == [
        ("cpu-bound", "countdown loop of 1,000 steps"), ("native", "NumPy on small arrays (40 of 64 elements)")]
    assert all("suite" not in o.detail for o in options)


def test_a_tie_names_why_the_simpler_option_is_simpler():
    ft = Option("cpu-bound", "free-threaded threads (2, countdown loop)", "speedup", 1.98, "free-threading")
    pr = Option("cpu-bound", "processes (2)", "speedup", 1.94, "processes")
    d = decide("cpu-bound", [ft, pr])
    assert d.best is pr and "needs no special build" in d.reason


def test_release_text_follows_the_release_points_record():
    def rec(state: str) -> dict:
        return {"claims": {"released_verdict": {"state": state}}}

    assert "contradicted" in strategy.release_text(rec("contradicted"))
    assert "confirmed" in strategy.release_text(rec("holds"))
    assert "could not decide" in strategy.release_text(rec("undecided"))
    assert strategy.release_text(None) == ""
    both = {"claims": {"released_verdict": {"state": "holds"}, "socket_verdict": {"state": "contradicted"}}}
    assert "confirmed" in strategy.release_text(both) and "not for socket sends" in strategy.release_text(both)
    assert "socket" not in strategy.release_text(rec("holds"))


def test_the_task_floor_is_the_books_one_rule():
    from gilref.topics import distributed
    assert strategy.task_floor_ms(0.22) == pytest.approx(0.22 / distributed.OVERHEAD_SHARE)


def test_more_workers_that_gain_nothing_are_not_the_options_figure():
    # 2 OpenMP threads 1.96x, 4 of them 1.97x on a 2-CPU host: a tie, so the figure is the 2-thread one
    native = Suite()
    native.add(Timing("xorshift", "sequential", 1, (1.0,) * 5, (), {"variant": "prange", "steps": 10}))
    native.add(Timing("xorshift", "openmp", 2, (1 / 1.96,) * 5, (), {"variant": "prange", "steps": 10}))
    native.add(Timing("xorshift", "openmp", 4, (1 / 1.97,) * 5, (), {"variant": "prange", "steps": 10}))
    got = strategy.options_from_suites({"chapter": "native-code", "suites": {"s": native.to_dict()}}, "native")
    assert [(o.name, round(o.value, 2)) for o in got] == [("openmp (2, xorshift loop, Cython prange)", 1.96)]
    # ...but a real gain from more workers is kept
    native.add(Timing("xorshift", "openmp", 8, (1 / 3.5,) * 5, (), {"variant": "prange", "steps": 10}))
    got = strategy.options_from_suites({"chapter": "native-code", "suites": {"s": native.to_dict()}}, "native")
    assert [o.name for o in got] == ["openmp (8, xorshift loop, Cython prange)"]
    with pytest.raises(ValueError, match="no options"):
        strategy.fewest_on_tie([])
    # on a 2-CPU host, 4 workers are not the option's figure even when noise made them faster
    two, four = (Option("native", f"openmp ({k}, x)", "speedup", v, "native-code") for k, v in ((2, 1.5), (4, 1.9)))
    assert strategy.fewest_on_tie([(2, two), (4, four)], cpus=2) is two
    assert strategy.fewest_on_tie([(2, two), (4, four)]) is four
    assert strategy.fewest_on_tie([(4, four)], cpus=2) is four  # nothing within the CPUs: what there is


def test_a_negative_claim_that_holds_reads_does_not_help_in_the_table():
    cpu = {"chapter": "cpu-vs-io", "claims": {"threads_verdict": {"state": "holds"},
                                              "processes_verdict": {"state": "holds"}},
           "suites": {"countdown": countdown_suite(0.99, 1.9).to_dict()}}
    options = strategy.with_states(strategy.options_from_cpu_vs_io(cpu), cpu)
    helps = {r["option"]: r["helps? (its chapter)"] for r in strategy.option_rows(options)}
    assert helps == {"CPU-bound — processes (multiprocessing.Pool, 2, countdown loop)": "helps",
                     "CPU-bound — threads (threading.Thread, 2, countdown loop)": "does not help"}
    assert not any(v in ("holds", "contradicted", "undecided") for v in helps.values())


@pytest.mark.parametrize(("value", "other", "words"), [
    (0.1082, 0.2147, "About half the time of"), (0.1, 0.31, "About a third of the time of"),
    (0.1, 0.112, "11% less time than"), (0.1, 0.63, "6.3 times less time than"),
    (0.01, 1.14, "114 times less time than")])
def test_a_time_against_the_runner_up_reads_in_words(value, other, words):
    assert strategy.less_than(value, other) == words


def test_the_release_points_caveat_keeps_its_link_out_of_bold():
    text = strategy.release_text({"claims": {"released_verdict": {"state": "contradicted"}}})
    bold = text.split("**")[1::2]
    assert "{doc}`release-points`" in text and bold and not any("{doc}" in b for b in bold)


def test_an_option_alone_once_the_unconfirmed_are_passed_over_is_not_the_only_one_measured():
    options = [Option("io-bound", "threads (ThreadPoolExecutor, 16)", "speedup", 15.3, "fetching", state="undecided"),
               Option("io-bound", "asyncio (16 in flight)", "speedup", 14.4, "fetching", state="holds")]
    d = decide("io-bound", options)
    assert d.best is not None and d.best.name.startswith("asyncio")
    assert "The only option measured" not in d.reason and d.reason.startswith("The only option its chapter confirmed.")
    assert decide("io-bound", options[1:]).reason == "The only option measured."


def test_each_variant_of_a_native_loop_is_an_option_of_its_own():
    suites = {}
    for variant, speed in (("python", 0.97), ("cython_gil", 1.0), ("cython_nogil", 1.98)):
        native = Suite()  # one suite per variant, as native-code records them
        native.add(Timing("xorshift", "sequential", 1, (1.0,) * 5, (), {"variant": variant, "steps": 10}))
        native.add(Timing("xorshift", "threads", 2, (1 / speed,) * 5, (), {"variant": variant, "steps": 10}))
        suites[variant] = native.to_dict()
    got = strategy.options_from_suites({"chapter": "native-code", "suites": suites}, "native")
    assert sorted(o.name for o in got) == ["threads (threading.Thread, 2, xorshift loop, Cython nogil)",
                                           "threads (threading.Thread, 2, xorshift loop, Cython, GIL kept)",
                                           "threads (threading.Thread, 2, xorshift loop, pure Python)"]


def test_no_cell_of_either_table_has_a_word_too_long_to_wrap():
    read, present = records()
    options, _ = gather(read, present=present)
    rows = summary_rows(decide_all(options)) + strategy.option_rows(options)

    words = [w for r in rows for v in r.values() for w in re.split(r"[\s/-]+", re.sub(r"\{doc\}`[^`]*`", "",
                                                                                    str(v)))]
    assert max(words, key=len) and max(len(w) for w in words) <= 24, max(words, key=len)


def test_one_option_carries_one_verdict_the_one_of_the_chapter_that_claims_it():
    cpu = Option("cpu-bound", "threads (2, countdown loop)", "speedup", 0.98, "cpu-vs-io", state="contradicted")
    ft = Option("cpu-bound", "threads (2, countdown loop; CPython 3.11.7)", "speedup", 0.98, "free-threading")
    ftt = Option("cpu-bound", "threads (2, countdown loop; CPython 3.13.5 free-threaded)", "speedup", 1.9,
                 "free-threading")
    waits = Option("many-waits", "threads (threading.Thread, one per wait)", "seconds", 0.3, "asyncio")
    got = strategy.share_verdicts([cpu, ft, ftt, waits])
    assert got[1].state == "contradicted" and got[1].judged_in == "cpu-vs-io"
    assert got[2].state == "" and got[3].state == ""  # another build, and an option no chapter judges
    rows = strategy.option_rows(got)
    verdicts = {r["option"]: r["helps? (its chapter)"] for r in rows}
    assert verdicts["CPU-bound — threads (2, countdown loop; CPython 3.11.7)"] == "does not help ({doc}`cpu-vs-io`)"
    assert verdicts["Thousands of waits — threads (threading.Thread, one per wait)"] == "not judged"


def test_a_tie_break_says_what_is_simpler_for_every_family_the_guide_ranks():
    for family in strategy.SIMPLICITY[1:]:
        assert family in strategy.SIMPLER_BECAUSE, family
    threads = Option("native", "threads (2, xorshift loop, Cython nogil)", "speedup", 1.97, "native-code",
                     state="holds")
    omp = Option("native", "openmp (2, xorshift loop, Cython prange)", "speedup", 1.98, "native-code", state="holds")
    d = decide("native", [threads, omp])
    assert d.best is threads and "needs no OpenMP" in d.reason and "order of simplicity" not in d.reason


def test_a_baseline_slowed_by_the_cluster_is_flagged_with_the_speedup_over_the_lone_baseline():
    def dask_record(alone: float) -> dict:
        s = Suite()
        s.add(Timing("countdown", "sequential", 1, (0.138,) * 5, (), {"n": 8_000_000, "tasks": 2}))
        s.add(Timing("countdown", "dask", 2, (0.0887,) * 5, (), {"n": 8_000_000, "tasks": 2}))
        lone = Suite()
        lone.add(Timing("countdown-alone", "sequential", 1, (alone,) * 5, (), {"n": 8_000_000}))
        from gilref.topics import distributed

        sound = distributed.sound_suite(s, lone)  # what the chapter hands the guide: the faster baseline
        return {"chapter": "beyond-one-machine", "suites": {"countdown": s.to_dict(), "alone": lone.to_dict()},
                "data": {"strategy_inputs": [o.to_dict() for o in strategy.options_from_dask(sound)]}}

    read, present = records(extra={"beyond-one-machine": dask_record(0.125)})
    dask = next(o for o in gather(read, present=present)[0] if o.name.startswith("dask"))
    assert dask.value == pytest.approx(0.125 / 0.0887)  # the chapter's figure, over the baseline run alone
    assert ("baseline ran 10% slower with the cluster alive; this speedup is over the baseline run alone "
            "(over the slowed one: 1.56×)") in dask.detail
    d = decide("cpu-bound", [dask, Option("cpu-bound", "processes (2)", "speedup", 1.2, "processes")])
    assert d.best is dask and "Mind its figure: its one-process baseline ran 10% slower" in d.reason
    read, present = records(extra={"beyond-one-machine": dask_record(0.137)})
    dask = next(o for o in gather(read, present=present)[0] if o.name.startswith("dask"))
    assert "baseline" not in dask.detail  # within the tie: nothing to flag


def test_counts_in_the_how_column_carry_thousands_separators():
    opts = strategy.options_from_asyncio(None, sleeps_suite(0.11, 0.24))
    assert {o.detail for o in opts} == {"1,000 waits of 100 ms at once"}


def test_the_baseline_note_never_corrects_a_speedup_twice():
    opt = strategy.Option(workload="cpu-bound", name="dask (LocalCluster, 2 workers)", metric="speedup",
                          value=1.50, source="beyond-one-machine")
    slowed = strategy.with_baseline_note(opt, 0.06)
    assert slowed.value == 1.50 and "over the baseline run alone" in slowed.detail and "1.59×" in slowed.detail
    faster = strategy.with_baseline_note(opt, -0.06)
    assert faster.value == 1.50 and "6% faster" in faster.detail and "1.41" not in faster.detail


def test_the_same_family_measured_apart_by_another_chapter_is_named_beside_the_choice():
    read, present = records(cpu_procs=0.91, kept=1.86, fresh=1.36)
    rec = dict(read("cpu-vs-io"))
    rec["claims"] = {"processes_verdict": {"state": "undecided"}}
    cpu = decide("cpu-bound", gather(lambda k: rec if k == "cpu-vs-io" else read(k), present=present)[0])
    assert cpu.best is not None and cpu.best.source == "processes"
    assert ("The same family, measured by another chapter: processes (multiprocessing.Pool, 2, countdown loop), "
            "0.91× in {doc}`cpu-vs-io` (its chapter could not tell whether it helps)") in cpu.reason
    # within the tie, or from the same chapter, nothing more is said
    read, present = records(cpu_procs=1.9, kept=1.95, fresh=1.36)
    assert "The same family" not in decide("cpu-bound", gather(read, present=present)[0]).reason
    # the usual advice, resting on that choice, names the other figure too
    read, present = records(cpu_procs=0.91, kept=1.86, fresh=1.36)
    claim = strategy.advice_claim(decide_all(gather(lambda k: rec if k == "cpu-vs-io" else read(k),
                                                    present=present)[0]))
    assert claim.state == "holds" and "the same family, measured by another chapter: processes " \
        "(multiprocessing.Pool, 2, countdown loop), 0.91× in {doc}`cpu-vs-io`" in claim.text


def tiny_suite(pool_s: float, dask_s: float, tasks: int = 300) -> Suite:
    """Beyond one machine's do-nothing tasks: *pool_s* and *dask_s* seconds per task, sent in a burst."""
    s = Suite()
    for mode, per in (("sequential", 1e-6), ("processes", pool_s), ("dask", dask_s)):
        s.add(Timing("tiny", mode, 1 if mode == "sequential" else 2, (per * tasks,) * 5, (), {"tasks": tasks}))
    return s


def test_the_burst_floors_are_compared_with_the_guides_one_by_one():
    record = {"chapter": "beyond-one-machine", "suites": {"tiny": tiny_suite(0.00013, 0.00168).to_dict()}}
    text = strategy.burst_floors_text(record, 2.2)
    assert "the pool's 1.3 ms, lower (in a burst the round trips overlap)" in text
    assert "Dask's 16.8 ms, 7.64× higher (each Dask task also passes through the scheduler" in text
    assert "floors are lower" not in text
    # a pool floor above the guide's is called higher, not lower
    record = {"chapter": "beyond-one-machine", "suites": {"tiny": tiny_suite(0.0003, 0.00168).to_dict()}}
    assert "the pool's 3.0 ms, 1.36× higher" in strategy.burst_floors_text(record, 2.2)
    record = {"chapter": "beyond-one-machine", "suites": {"tiny": tiny_suite(0.00022, 0.00168).to_dict()}}
    assert "the pool's 2.2 ms, about the same" in strategy.burst_floors_text(record, 2.2)
    assert strategy.burst_floors_text(None, 2.2) == ""
    assert strategy.burst_floors_text({"suites": {}}, 2.2) == ""


def test_a_lead_inside_the_tie_says_the_tie_rule_decided():
    th = Option("io-bound", "threads (ThreadPoolExecutor, 16)", "speedup", 15.05, "fetching", state="holds")
    aio = Option("io-bound", "asyncio (open_connection, 16 in flight)", "speedup", 14.35, "fetching", state="holds")
    d = decide("io-bound", [th, aio])
    assert d.best is th and "times the runner-up" not in d.reason
    assert "came within 5% of it (4.7% lower): a tie, which goes to the simpler option, this one: it needs " \
           "no async libraries." in d.reason and "which here ran" not in d.reason
    # two options of one family: the figure decides, and the reason says so
    a = Option("cpu-bound", "processes (multiprocessing.Pool, 2, countdown loop)", "speedup", 1.9563, "cpu-vs-io")
    b = Option("cpu-bound", "processes (ProcessPoolExecutor, 2, pool kept)", "speedup", 1.9553, "processes")
    d = decide("cpu-bound", [a, b])
    assert d.best is a and "(less than 0.1% lower)" in d.reason and "equally simple" in d.reason
    assert "1.00 times" not in d.reason
    # outside the tie, the lead is stated as a ratio
    d = decide("io-bound", [th, replace(aio, value=12.0)])
    assert d.reason.startswith("1.25 times the runner-up")


def test_the_tie_break_describes_the_winner_not_another_option():
    numpy = Option("native", "threads (threading.Thread, 2, NumPy matrix products)", "speedup", 1.97, "native-code",
                   "NumPy matrix products (48 of 384×384)", state="holds")
    omp = Option("native", "openmp (2, xorshift loop, Cython prange)", "speedup", 1.98, "native-code", state="holds")
    d = decide("native", [numpy, omp])
    assert d.best is numpy and "needs no OpenMP" in d.reason
    assert "which here ran NumPy matrix products (48 of 384×384)" in d.reason
    assert "a loop that releases the GIL" not in d.reason
    nogil = replace(numpy, name="threads (threading.Thread, 2, xorshift loop, Cython nogil)",
                    detail="a Cython loop that releases the GIL, 60,000,000 steps")
    assert "which here ran a Cython loop that releases the GIL" in decide("native", [nogil, omp]).reason


def test_the_same_family_note_picks_the_comparable_row_of_the_other_chapter():
    best_ = Option("cpu-bound", "processes (multiprocessing.Pool, 2, countdown loop)", "speedup", 1.96, "cpu-vs-io",
                   "countdown loop of 20,000,000 steps", state="holds")
    kept = Option("cpu-bound", "processes (ProcessPoolExecutor, 2, pool kept)", "speedup", 1.70, "processes",
                  "countdown loop of 24,000,000 steps", state="holds")
    fresh = Option("cpu-bound", "processes (ProcessPoolExecutor, 2, new pool per job)", "speedup", 1.50, "processes",
                   "countdown loop of 24,000,000 steps", state="holds")
    assert strategy.comparable(best_, [best_, kept, fresh]) == [kept]  # the other chapter's best such run
    text = strategy.measured_apart(best_, [best_, kept, fresh])
    assert "pool kept), 1.70×" in text and "new pool per job" not in text
    # the comparable row within the tie: nothing to say, even though a new pool per job was slower
    assert strategy.measured_apart(best_, [best_, replace(kept, value=1.95), fresh]) == ""
    sub = Option("cpu-bound", "subinterpreters (PEP 734 interpreters, 2, countdown loop)", "speedup", 1.9,
                 "subinterpreters", state="holds")
    d = decide("cpu-bound", [best_, kept, fresh, sub])
    assert d.runner_up is sub and "The same family, measured by another chapter: processes (ProcessPoolExecutor, " \
        "2, pool kept), 1.70×" in d.reason and "new pool" not in d.reason
    # another workload of the family (NumPy on small arrays beside matrix products) is no comparison
    mm = Option("native", "threads (threading.Thread, 2, NumPy matrix products; CPython 3.11.7)", "speedup", 1.97,
                "native-code", "NumPy matrix products (48 of 384×384)", state="holds")
    small = Option("native", "threads (threading.Thread, 2, NumPy on small arrays; CPython 3.13.5)", "speedup",
                   0.68, "free-threading", "NumPy on small arrays (40,000 of 64 elements)")
    assert strategy.work_of(mm) == "NumPy matrix products" and strategy.work_of(small) == "NumPy on small arrays"
    assert "The same family" not in decide("native", [mm, small]).reason
    same = replace(small, name="threads (threading.Thread, 2, NumPy matrix products; CPython 3.13.5)",
                   detail="NumPy matrix products (8 of 64×64)", value=1.2)
    assert "1.20× in {doc}`free-threading`" in strategy.measured_apart(mm, [mm, same])


def convoy_record(alone: list[float], thread: list[float], process: list[float]) -> dict:
    s = Suite(metadata={"python_implementation": "CPython", "python_version": "3.13.5"})
    for mode, values in (("alone", alone), ("cpu-thread", thread), ("cpu-process", process)):
        s.add(Timing("echo", mode, 1, tuple(values), (), {}, unit="req/s", better="higher"))
    return {"chapter": "convoy", "suites": {"gil": s.to_dict()}}


def test_the_mixed_advice_states_what_the_convoy_chapter_measured():
    rec = convoy_record([1000.0] * 5, [20.0] * 5, [900.0] * 5)
    to_thread = Option("mixed", "asyncio + asyncio.to_thread", "seconds", 0.002, "asyncio", state="holds")
    pool = Option("mixed", "asyncio + a process pool (loop.run_in_executor, ProcessPoolExecutor)", "seconds", 0.004,
                  "asyncio", state="holds")
    text = strategy.convoy_text(rec, decide("mixed", [pool, replace(to_thread, value=0.02)]))
    assert "{doc}`convoy`" in text and "on CPython 3.13.5 with its GIL" in text
    assert "served 20 requests per second beside a CPU-bound thread against 1,000 alone: 2.0% of its speed" in text
    assert "90.0% with the same loop in another process" in text and "belongs in another process" in text
    assert "even though" not in text
    assert "even though `to_thread` had the least lag here" in strategy.convoy_text(
        rec, decide("mixed", [pool, to_thread]))
    calm = strategy.convoy_text(convoy_record([1000.0] * 5, [900.0] * 5, [950.0] * 5))
    assert "90.0% of its speed" in calm and "That is no convoy" in calm and "belongs in" not in calm
    spread = strategy.convoy_text(convoy_record([1000.0] * 5, [100.0, 200.0, 500.0, 800.0, 900.0], [950.0] * 5))
    assert "too spread out to tell" in spread
    assert strategy.convoy_text(None) == "" and strategy.convoy_text({"suites": {}}) == ""


def test_every_option_the_guide_builds_names_the_api_behind_it():
    read, present = records()
    options, _ = gather(read, present=present)
    apis = ("threading.Thread", "multiprocessing.Pool", "ProcessPoolExecutor", "ThreadPoolExecutor",
            "open_connection", "asyncio.gather", "asyncio.to_thread", "run_in_executor", "inline in a coroutine")
    for o in options:
        assert any(a in o.name for a in apis), o.name


def test_the_burst_floors_link_to_their_chapter_and_the_guide_pastes_them_as_myst():
    """The sentence holds a MyST {doc} role, and the guide pastes it inline with the ``myst``
    format: the default (CommonMark) would print the role as raw text."""
    from pathlib import Path
    record = {"chapter": "beyond-one-machine", "suites": {"tiny": tiny_suite(0.00013, 0.00168).to_dict()}}
    assert "That is the rule {doc}`beyond-one-machine` applies" in strategy.burst_floors_text(record, 2.2)
    chapter = (Path(__file__).resolve().parents[1] / "docs" / "choosing.md").read_text(encoding="utf-8")
    assert "{glue:md}`burst_floors:myst`" in chapter
    assert re.search(r"\{glue:md\}`burst_floors`", chapter) is None
