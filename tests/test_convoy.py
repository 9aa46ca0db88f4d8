from __future__ import annotations

import multiprocessing
import re
import socket
from pathlib import Path

import pytest

from gilref.core.results import Suite
from gilref.core.verdicts import Interval
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
    assert better >= {("echo", "req/s", "higher"), ("cpu_hog", "steps/s", "higher"),
                      ("round_trip", "s", "lower"), ("round_trip_mean", "s", "lower"),
                      ("slow_share", "fraction", "lower")}
    if convoy.listening_ports() is not None:  # Linux: /proc/stat is there too
        assert ("host_idle", "fraction", "lower") in better
        assert all(0 <= v <= 1 for t in suite.select("host_idle") for v in t.values)
    assert convoy.measure_invariants(suite)  # the suite carries what the invariants read
    assert "trips_fit_the_second" in {i.key for i in convoy.measure_invariants(suite)}
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


# -- verdicts and invariants, on made-up results (no measuring) -------------------------

def near(x, spread=0.02):
    return tuple(x * (1 + spread * k) for k in (-2, -1, 0, 1, 2))


def made_up(alone=30_000, thread=300, process=20_000, *, trip=None, served=None, gil=True, window=0.4,
            slow=0.9, mean=None, idle=None, cpus=2):
    """A measure()-shaped suite with these median requests per second.

    *mean*: each run's mean round trip (default: what fills the run, 1 / rate);
    *idle*: the share of CPU time idle per mode (default: not recorded)."""
    from gilref.core.results import Timing

    rps = {"alone": alone, "cpu-thread": thread, "cpu-process": process}
    counted = sum(v * window for r in rps.values() for v in near(r))
    suite = Suite(metadata={"python_implementation": "CPython", "python_version": "3.13.5", "gil_enabled": gil,
                            "requests_served": served if served is not None else int(counted) + 100,
                            "port": 40000, "load_average": [1.8, 1.0, 1.0], "usable_cpus": cpus,
                            "switch_interval_s": 0.005})
    params = {"window_s": window, "message_size": 16, "host": convoy.HOST}
    for mode, r in rps.items():
        suite.add(Timing(convoy.ECHO, mode, 1, near(r), unit="req/s", better="higher", params=params))
        t = trip if trip is not None else 0.8 / r
        suite.add(Timing(convoy.TRIP, mode, 1, near(t), unit="s", better="lower", params=params))
        suite.add(Timing(convoy.SLOW, mode, 1, near(slow if mode == "cpu-thread" else 0.01), unit="fraction",
                         better="lower", params=params))
        means = tuple(mean / v if mean is not None else 1 / v for v in near(r))  # mean: a share of 1 / rate
        suite.add(Timing(convoy.TRIP_MEAN, mode, 1, means, unit="s", better="lower", params=params))
        if idle is not None:
            suite.add(Timing(convoy.IDLE, mode, 1, near(idle[mode], 0.01), unit="fraction", better="lower",
                             params=params))
    return suite


def example_json(alone, thread, process, python="3.13.5"):
    return {"format": convoy.EXAMPLE_FORMAT, "version": 1, "python": python, "implementation": "CPython",
            "gil": True, "window_s": 0.1, "repeats": 5, "size": 16,
            "requests_per_s": {"alone": list(near(alone)), "cpu-thread": list(near(thread)),
                               "cpu-process": list(near(process))}}


def test_convoy_verdict_three_ways():
    assert convoy.convoy_verdict(made_up(thread=300), build="b").state == "holds"
    assert convoy.convoy_verdict(made_up(thread=25_000), build="b").state == "contradicted"
    assert convoy.convoy_verdict(made_up(thread=15_000), build="b").state == "undecided"


def test_convoy_verdict_takes_the_example_and_names_the_interpreters_when_they_disagree():
    agree = convoy.convoy_verdict(made_up(thread=300), build="b", example=example_json(30_000, 400, 25_000))
    assert agree.state == "holds" and "The example below" in agree.text and "1.3%" in agree.text
    clash = convoy.convoy_verdict(made_up(thread=300), build="CPython 3.13.5",
                                  example=example_json(30_000, 25_000, 25_000, python="3.11.7"))
    assert clash.state == "undecided" and "3.11.7" in clash.text and "interpreter" in clash.text


def test_magnitude_and_process_and_free_threaded_verdicts():
    assert convoy.magnitude_verdict(made_up(thread=100), build="b").state == "holds"
    small_drop = convoy.magnitude_verdict(made_up(thread=9_000), build="b")
    assert small_drop.state == "contradicted" and "load average was 1.8 on 2 CPUs" in small_drop.text
    assert convoy.magnitude_verdict(made_up(thread=300), build="b").state == "undecided"  # straddles 3× of 1/300
    assert convoy.process_verdict(made_up(), build="b").state == "holds"
    assert convoy.process_verdict(made_up(process=400), build="b").state == "contradicted"
    assert convoy.process_verdict(made_up(process=9_000), build="b").state == "undecided"
    above = convoy.process_verdict(made_up(process=30_300), build="b")
    assert above.state == "holds" and "within the runs' spread" in above.text
    gil = made_up()
    assert convoy.free_threaded_verdict(made_up(thread=20_000, gil=False), gil, build="t").state == "holds"
    assert convoy.free_threaded_verdict(made_up(thread=300, gil=False), gil, build="t").state == "contradicted"
    assert convoy.free_threaded_verdict(made_up(thread=7_500, gil=False), gil, build="t").state == "undecided"


def test_ports_verdict():
    assert convoy.ports_verdict([4000, 4001], {22, 80}).state == "holds"
    still = convoy.ports_verdict([4000, 4001], {4001})
    assert still.state == "contradicted" and "4001" in still.text
    assert convoy.ports_verdict([4000], None).state == "undecided"


def broken(invariants):
    return {i.key for i in invariants if not i.holds}


def test_measure_invariants_hold_for_a_sound_run_and_break_for_unsound_ones():
    assert broken(convoy.measure_invariants(made_up())) == set()
    # With a GIL a CPU-bound thread contends for the lock the server needs: faster than alone is unsound.
    assert "cpu_thread_not_faster" in broken(convoy.measure_invariants(made_up(thread=40_000)))
    assert "served_covers_counted" in broken(convoy.measure_invariants(made_up(served=10)))
    assert all(i.key.startswith("gil_") for i in convoy.measure_invariants(made_up(), prefix="gil_"))


def test_a_server_faster_beside_a_process_or_a_free_threaded_thread_breaks_no_invariant():
    # Neither shares a lock with the server, and on two CPUs not even a CPU: faster is physics, not a fault.
    assert broken(convoy.measure_invariants(made_up(process=40_000))) == set()
    free = convoy.measure_invariants(made_up(thread=40_000, process=40_000, gil=False, served=10**7))
    assert broken(free) == set() and "cpu_thread_not_faster" not in {i.key for i in free}
    gil = {i.key for i in convoy.measure_invariants(made_up())}
    assert "cpu_thread_not_faster" in gil and "cpu_process_not_faster" not in gil


def test_the_trips_invariant_uses_the_mean_round_trip_not_the_median():
    # Most trips wait ~5 ms and a few are fast: the median (5 ms) times 300 req/s is 1.5, yet the run is sound.
    skewed = made_up(thread=300, trip=0.005)
    assert "trips_fit_the_second" not in broken(convoy.measure_invariants(skewed))
    # A mean round trip longer than the run allows (rate x mean > 1): the client mistimed or miscounted.
    assert "trips_fit_the_second" in broken(convoy.measure_invariants(made_up(mean=1.2)))
    assert "trips_fit_the_second" not in broken(convoy.measure_invariants(made_up(mean=0.97)))


def test_tables_and_example_rates():
    rows = convoy.table([("CPython 3.13.5", made_up())])
    assert len(rows) == 3 + len(convoy.PUBLISHED) and rows[1]["of alone"] == "1.0%"
    assert [r["setup"] for r in convoy.published_table()] == [p["mode"] for p in convoy.PUBLISHED]
    assert convoy.example_rates(example_json(1, 2, 3))["cpu-process"][2] == 3
    with pytest.raises(ValueError, match="convoy.py"):
        convoy.example_rates({"format": "x"})
    bad = example_json(1, 2, 3)
    bad["requests_per_s"]["alone"] = []
    with pytest.raises(ValueError, match="no runs of alone"):
        convoy.example_rates(bad)


@pytest.mark.example("convoy.py")
def test_convoy_example_writes_json_the_chapter_reads(tmp_path):
    import json

    out = tmp_path / "r.json"
    run = run_checked("convoy.py", "--window", "0.05", "--repeats", "2", "--json", str(out))
    assert run.returncode == 0, run.stderr
    data = json.loads(out.read_text())
    rates = convoy.example_rates(data)
    assert all(len(v) == 2 and all(x > 0 for x in v) for v in rates.values())
    # The host's idle CPU time, where /proc/stat tells, per run; printed per setup; parsed back.
    idle = convoy.example_idle(data)
    parsed = convoy.parse_example_output(run.stdout)
    if Path("/proc/stat").exists():
        assert idle is not None and len(idle) == 2 and all(0 <= x <= 1 for x in idle)
        assert parsed["rows"]["alone"][1] is not None and "host CPU idle" in run.stdout
    assert parsed["repeats"] == 2 and set(parsed["rows"]) == set(convoy.MODES)
    # Each run's share of round trips of 1 ms or more: the magnitude verdict sets the example's beside the chapter's.
    assert set(data["slow_share"]) == set(convoy.MODES)
    assert all(len(v) == 2 and all(0 <= x <= 1 for x in v) for v in data["slow_share"].values())
    if hasattr(__import__("os"), "getloadavg"):
        assert len(data["load_average"]) == 3  # the host's load after the runs, set beside the measurement's


def test_convoy_verdict_says_why_the_examples_speed_alone_differs():
    far = convoy.convoy_verdict(made_up(alone=30_000, thread=300), build="b",
                                example=example_json(90_000, 900, 80_000))
    assert far.state == "holds" and "90,000" in far.text and "the host's" in far.text
    close = convoy.convoy_verdict(made_up(alone=30_000, thread=300), build="b",
                                  example=example_json(31_000, 300, 25_000))
    assert "the host's" not in close.text and "31,000" in close.text


def test_undecided_sentences_give_the_figures_not_the_evidence_keys():
    for claim in (convoy.convoy_verdict(made_up(thread=15_000), build="b"),
                  convoy.magnitude_verdict(made_up(thread=300), build="b"),
                  convoy.process_verdict(made_up(process=9_000), build="b"),
                  convoy.free_threaded_verdict(made_up(thread=7_500, gil=False), made_up(), build="t")):
        assert claim.state == "undecided" and "cannot tell" in claim.text and " = " not in claim.text


def test_free_threaded_verdict_explains_a_much_slower_free_threaded_server():
    claim = convoy.free_threaded_verdict(made_up(alone=30_000, thread=20_000, gil=False),
                                         made_up(alone=120_000), build="t")
    assert claim.state == "holds" and "HOWTO" in claim.text
    same = convoy.free_threaded_verdict(made_up(thread=20_000, gil=False), made_up(), build="t")
    assert "HOWTO" not in same.text


def test_a_small_convoy_names_both_reasons_computed_from_the_run():
    # 30,000 req/s alone (33 µs each), 20,000 next to the thread (50 µs): 17 µs lost per request. 0.35% of the
    # trips waiting one 5 ms interval add 17.5 µs: they account for the slowdown.
    claim = convoy.magnitude_verdict(made_up(thread=20_000, slow=0.0035), build="b")
    assert claim.state == "contradicted"
    assert "a chance, not a turn" in claim.text and "99.7%" in claim.text
    assert "account for most of the slowdown" in claim.text
    assert "the load average was 1.8 on 2 CPUs" in claim.text  # the host's load, the second reason, computed
    assert "within 3× of the published one either way (0.11–1.0%)" in claim.text
    far = convoy.small_convoy_reasons(made_up(thread=20_000, slow=0.5))
    assert "account for" not in far and "a chance, not a turn" in far


def test_an_undecided_process_verdict_names_the_test_that_straddles():
    # 9,000 req/s with the process: 30% of alone (straddles 30%), 30× the 300 next to the thread (passes 2×).
    claim = convoy.process_verdict(made_up(process=9_000), build="b")
    assert claim.state == "undecided"
    # Each test is named by what it asks, where it is used (a reader never met "the 30% test" before).
    assert "the test of at least 30% of the speed alone is undecided" in claim.text and "straddles 30%" in claim.text
    assert "the test of at least 2× the speed next to the thread passes" in claim.text
    assert "lies wholly above 2×" in claim.text and "the 30% test" not in claim.text and "the 2× test" not in claim.text
    gain_only = convoy.process_verdict(made_up(thread=4_500, process=9_000, alone=20_000), build="b")
    assert "the test of at least 2× the speed next to the thread is undecided" in gain_only.text
    assert "the test of at least 30% of the speed alone passes" in gain_only.text


def test_the_free_threaded_verdict_sets_the_thread_beside_the_process_from_the_data():
    gil = made_up()
    worse = convoy.free_threaded_verdict(made_up(thread=15_000, process=25_000, gil=False), gil, build="t")
    assert worse.state == "holds" and "wholly above the 25%" in worse.text
    assert "more than next to the thread beyond the repeats' spread" in worse.text
    assert "nobody waits" not in worse.text
    alike = convoy.free_threaded_verdict(made_up(thread=20_000, process=20_000, gil=False), gil, build="t")
    assert "no more than a process did" in alike.text


def test_a_busy_host_is_named_as_the_second_reason_only_when_its_load_fills_the_cores():
    quiet = convoy.small_convoy_reasons(made_up(thread=20_000))
    assert "does not apply here: the load average was 1.8 on 2 CPUs" in quiet and "Second," not in quiet
    busy_suite = made_up(thread=20_000)
    busy_suite.metadata["load_average"] = [4.3, 3.0, 2.0]
    busy = convoy.small_convoy_reasons(busy_suite)
    assert "Second, a busy host: the load average was 4.3 on 2 CPUs" in busy
    assert "itself waiting for a core cannot take the GIL from the server" in busy


QUIET = {"alone": 0.45, "cpu-thread": 0.02, "cpu-process": 0.01}  # one CPU of two idle between turns
BUSY = {"alone": 0.01, "cpu-thread": 0.0, "cpu-process": 0.0}  # other work kept the CPUs busy


def test_a_server_clearly_faster_beside_a_process_says_so_with_the_measured_reason():
    quiet = convoy.process_verdict(made_up(alone=17_000, process=130_000, mean=1.0, idle=QUIET), build="b")
    assert quiet.state == "holds" and "It was faster than alone, wholly above 100%" in quiet.text
    assert "**" not in quiet.text.split("**", 2)[2]  # no bold after the verdict's own title
    assert quiet.text.count("765%") == 1  # the share, stated once
    assert "within the runs' spread" not in quiet.text
    assert "2 CPUs" in quiet.text and "45.0%" in quiet.text and "1.0%" in quiet.text
    assert "likely reason is measured here" in quiet.text and "halt" in quiet.text
    assert "7.7 µs beside the process, 58.8 µs alone" in quiet.text  # 1e6 / 130,000 and 1e6 / 17,000
    # Faster, but the CPUs were not idle alone: the page must not blame waking CPUs.
    busy = convoy.process_verdict(make_faster(idle=BUSY), build="b")
    assert "do not explain it here" in busy.text and "likely reason" not in busy.text
    # No idle time recorded: the page says it cannot tell.
    blind = convoy.process_verdict(make_faster(idle=None), build="b")
    assert "cannot tell" in blind.text and "/proc/stat" in blind.text
    # One CPU: the loop does compete for it.
    assert "one CPU" in convoy.process_verdict(make_faster(idle=QUIET, cpus=1), build="b").text


def make_faster(**kwargs):
    return made_up(alone=17_000, process=130_000, **kwargs)


def test_faster_beside_is_silent_unless_wholly_above_alone():
    assert convoy.faster_beside(made_up(process=30_300), "cpu-process") == ""  # straddles 100%
    assert convoy.faster_beside(made_up(process=20_000), "cpu-process") == ""  # slower
    assert convoy.faster_beside(make_faster(idle=QUIET), "cpu-process").startswith(" It was faster than alone")


def test_the_free_threaded_verdict_says_when_the_thread_and_the_process_made_the_server_faster():
    gil = made_up(alone=17_000, thread=200, process=130_000)
    both = convoy.free_threaded_verdict(made_up(alone=28_000, thread=125_000, process=129_000, gil=False,
                                                idle=QUIET), gil, build="t")
    # The GIL build's process verdict explained it already: here "for the same reason", said once.
    assert both.state == "holds" and "for the same reason" in both.text
    assert "(without a GIL, the server's thread and the loop's share no lock)" in both.text
    assert "takes no lock from" not in both.text and "neither cost it anything" in both.text
    assert "halt" not in both.text and "The client and the server take turns" not in both.text
    assert "**" not in "".join(both.text.split("**")[2:])
    first = convoy.free_threaded_verdict(made_up(alone=28_000, thread=125_000, process=129_000, gil=False,
                                                 idle=QUIET), made_up(), build="t")
    assert "The client and the server take turns" in first.text and "for the same reason" not in first.text
    proc_only = convoy.free_threaded_verdict(made_up(alone=28_000, thread=20_000, process=129_000, gil=False,
                                                     idle=QUIET), gil, build="t")
    assert "faster beside the process than alone" in proc_only.text
    plain = convoy.free_threaded_verdict(made_up(thread=20_000, gil=False), gil, build="t")
    assert "faster than alone" not in plain.text


def test_idle_share_reads_two_cpu_time_readings():
    assert convoy.idle_share((10.0, 100.0), (60.0, 200.0)) == 0.5
    assert convoy.idle_share(None, (60.0, 200.0)) is None
    assert convoy.idle_share((10.0, 100.0), (10.0, 100.0)) is None  # no tick passed


def test_the_table_shows_mean_round_trips_and_idle_time_when_recorded():
    rows = convoy.table([("b", made_up(idle=QUIET))])
    assert rows[0]["CPU time idle"] == "45%" and rows[0]["round trip, mean (µs)"] == "33.3"
    # No median round trip: a run's median lands on one kind of trip or the other (see split_runs_text).
    assert not any("median (µs)" in k for k in rows[0])
    slow = convoy.table([("b", made_up(thread=367))])
    assert slow[1]["round trip, mean (µs)"] == "2,725"  # thousands separated, like the other figures
    old = convoy.table([("b", made_up())])
    assert old[0]["CPU time idle"] == ""


def test_the_example_names_setups_faster_than_alone_in_every_run():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / "convoy.py"
    spec = importlib.util.spec_from_file_location("example_convoy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    quiet = {"alone": [17_000, 19_000], "cpu-thread": [200, 210], "cpu-process": [130_000, 137_000]}
    assert module.faster_than_alone(quiet) == ["cpu-process"]
    assert "(cpu-process) in its one run:" in module.faster_line(["cpu-process"], 1)
    assert "in every run:" in module.faster_line(["cpu-process"], 5)
    overlapping = {"alone": [17_000, 40_000], "cpu-thread": [200, 210], "cpu-process": [30_000, 137_000]}
    assert module.faster_than_alone(overlapping) == []


def test_the_magnitude_verdict_decides_on_the_whole_interval_and_gives_both_drops_as_fractions():
    # 540 of 30,000: 1.8%, about 1/56, against 1/300 published: 5.4×, wholly outside 3×.
    far = convoy.magnitude_verdict(made_up(thread=540), build="b")
    assert far.state == "contradicted" and "about 1/56" in far.text and "about 1/300" in far.text
    assert "large but not of the published size" in far.text
    same = convoy.magnitude_verdict(made_up(thread=150), build="b")  # 0.5%: within 3× of 0.33%
    assert same.state == "holds" and "1/200" in same.text
    assert convoy.magnitude_verdict(made_up(thread=300), build="b").state == "undecided"  # 1%: straddles 3×


def test_ratios_above_ten_print_without_decimals_and_large_percentages_without_decimals():
    claim = convoy.process_verdict(made_up(alone=17_000, thread=300, process=130_000), build="b")
    assert "433× (" in claim.text and "433.33" not in claim.text
    assert "765% (" in claim.text and "765.0%" not in claim.text


def example_output(alone="41,389", idle="host CPU idle 40%", repeats=1):
    tail = f", {idle}" if idle else ""
    return (f"echo server listening on 127.0.0.1:5000\n"
            f"Python 3.11.7 (GIL on), 16-byte requests, median of {repeats} run{'s' if repeats > 1 else ''} of 0.1 s\n"
            f"  alone            {alone} requests/s  (100.0% of alone{tail})\n"
            f"  cpu-thread          433 requests/s  (1.0% of alone{tail})\n"
            f"  cpu-process     113,827 requests/s  (275.0% of alone{', host CPU idle 0%' if idle else ''})\n")


def test_parse_example_output_reads_rates_and_idle_shares():
    run = convoy.parse_example_output(example_output())
    assert run["repeats"] == 1 and run["window_s"] == 0.1 and run["python"] == "3.11.7"
    assert run["rows"]["alone"] == (41389.0, 0.4) and run["rows"]["cpu-process"][1] == 0.0
    assert convoy.parse_example_output(example_output(idle=""))["rows"]["alone"] == (41389.0, None)
    import pytest
    with pytest.raises(ValueError, match="not the output"):
        convoy.parse_example_output("something else")


def test_the_example_page_names_the_idle_cpu_time_as_the_reason_when_it_lies_apart():
    record = {"suites": {"gil": made_up(alone=18_000, process=139_000, idle=QUIET).to_dict()}}
    text = convoy.example_page_comparison(example_output(idle="host CPU idle 20%"), record)
    assert text.startswith("**Why these numbers differ") and "41,389" in text and "18,000" in text
    assert "20.0%" in text and "45.0%" in text and "its one run" in text
    # One run against five whose own idle shares rise with their speed: the idle share is not named as the reason.
    assert "idle share and speed rank together only at +0.14" in text and "does not explain the difference" in text
    assert "below" not in text and "The faster run" not in text  # nothing that points at another place on a page
    # 113,827 beside the process against the chapter's 133,440-144,560: not alike, so no "faster alone" reading.
    assert "beside the process the two differ too (113,827 requests per second here, 139,000 there)" in text
    alike = convoy.example_page_comparison(example_output(idle="host CPU idle 20%").replace("113,827", "139,500"),
                                           record)
    assert "lie within the range of that chapter's runs (133,440–144,560), so the run faster alone shows" in alike
    assert "3.11.7" in text and "3.13.5" in text
    same_idle = convoy.example_page_comparison(example_output(idle="host CPU idle 45%"), record)
    assert "does not explain the difference" in same_idle
    blind = convoy.example_page_comparison(example_output(idle=""), record)
    assert "cannot tell why" in blind
    assert "cannot be set beside" in convoy.example_page_comparison(example_output(), None)
    assert convoy.example_page_comparison("not it", record) == ""


def test_the_convoy_verdict_gives_the_measured_reason_the_examples_speed_alone_differs():
    ex = example_json(40_000, 400, 110_000)
    ex["host_idle"] = {"alone": [0.2, 0.21, 0.2, 0.19, 0.2]}
    claim = convoy.convoy_verdict(made_up(alone=18_000, thread=300, idle=QUIET), build="b", example=ex)
    assert "the less idle a run's CPUs, the faster it was (rank correlation −" in claim.text
    assert "20.0%" in claim.text and "45.0%" in claim.text


def trips_suite(rates, medians, slow=None, idle=None, mode="alone"):
    from gilref.core.results import Timing

    s = Suite(metadata=made_up().metadata)
    s.add(Timing(convoy.ECHO, mode, 1, tuple(rates), unit="req/s"))
    s.add(Timing(convoy.TRIP, mode, 1, tuple(medians), unit="s"))
    if slow is not None:
        s.add(Timing(convoy.SLOW, mode, 1, tuple(slow), unit="fraction"))
    if idle is not None:
        s.add(Timing(convoy.IDLE, mode, 1, tuple(idle), unit="fraction"))
    return s


def test_runs_whose_medians_split_but_whose_rates_do_not_are_called_runs_of_mixed_trips():
    assert convoy.split_runs([7.1e-6, 81e-6, 82e-6, 6.8e-6, 80e-6]) == ([0, 3], [1, 2, 4])
    assert convoy.split_runs([55e-6, 60e-6, 58e-6, 62e-6, 57e-6]) is None  # one kind of run
    assert convoy.split_runs_text([("CPython 3.13.5 (GIL)", made_up())]) == ""
    # The build's finding: 321-440 req/s in every run (2.3-3.1 ms a trip), 41-55% of each run's trips slow, the
    # medians 11 µs or 5 ms as that share is under or over half. One kind of run, two kinds of trip.
    thread = trips_suite([321, 440, 323, 417, 367], [5.143e-3, 11e-6, 5.136e-3, 10.9e-6, 65.5e-6],
                         slow=[0.538, 0.416, 0.554, 0.413, 0.490], mode="cpu-thread")
    text = convoy.split_runs_text([("CPython 3.13.5 (GIL)", thread)])
    assert text.startswith("**Round trips of two kinds in every run.** CPython 3.13.5 (GIL), cpu-thread: its 5 runs "
                           "served 321–440 requests per second, a mean round trip of 2.3–3.1 ms")
    assert "median round trips lay at 11 µs–5.1 ms" in text and "in every run 41–55% of the round trips" in text
    assert "among the slow trips in the 2 runs where that share was at least half (5.1 ms)" in text
    assert "among the fast ones in the 3 where it was less (11–66 µs)" in text
    assert "whole runs went one way" not in text and "Runs in two groups" not in text
    # Whole runs that did go two ways (their rates 10× apart): grouped on their rates, with the idle time.
    whole = trips_suite([140_000, 12_000, 12_500, 139_000, 12_200], [7.1e-6, 81e-6, 82e-6, 6.8e-6, 80e-6],
                        idle=[0.10, 0.70, 0.70, 0.12, 0.71])
    text = convoy.split_runs_text([("b", whole)])
    assert text.startswith("**Runs in two groups.** b, alone: 2 of its 5 runs served about 140,000 requests per "
                           "second and 3 about 12,200")
    assert "11% in the faster runs, 70% in the slower" in text and "whole runs went one way or the other" in text


def test_the_convoy_verdict_explains_only_a_gap_its_interval_establishes():
    # The finding: 0.86-4.96x was called a gap and blamed on "the host's other load". An interval that
    # holds 1 shows no gap: the verdict says the two agree within their spread, and why it is that wide.
    two_kinds = example_json(30_000, 300, 25_000)
    two_kinds["requests_per_s"]["alone"] = [20_000, 21_000, 90_000, 95_000, 92_000]
    two_kinds["host_idle"] = {"alone": [0.5, 0.5, 0.1, 0.1, 0.1]}
    wide = convoy.convoy_verdict(made_up(), build="b", example=two_kinds)
    ratio = convoy.ratio_interval(two_kinds["requests_per_s"]["alone"], made_up().get(convoy.ECHO, "alone").values)
    assert ratio.low < 1 < ratio.high and ratio.high > convoy.AGREE_FACTOR
    assert "the interval holds 1, so within their spread the two agree" in wide.text
    assert "2 at about 21,000 requests per second and 3 at about 92,000" in wide.text
    assert "50% in the slower runs, 10% in the faster" in wide.text
    assert "other load" not in wide.text and "does not explain" not in wide.text and "cannot tell" not in wide.text
    spread = example_json(30_000, 300, 25_000)
    spread["requests_per_s"]["alone"] = [12_000, 20_000, 30_000, 60_000, 90_000]  # one kind of run, widely spread
    plain = convoy.convoy_verdict(made_up(), build="b", example=spread)
    assert "within their spread the two agree" in plain.text and "compounds both spreads" in plain.text
    assert "20,000–60,000 requests per second (quartiles)" in plain.text
    # A gap the interval establishes (wholly above 1) gets the measured reason, as before.
    gap = example_json(50_000, 500, 25_000)
    gap["requests_per_s"]["alone"] = [20_000 * 1.6, 31_000 * 1.6, 50_000 * 1.6, 75_000 * 1.6, 110_000 * 1.6]
    gap["host_idle"] = {"alone": [0.2] * 5}
    established = convoy.convoy_verdict(made_up(idle=QUIET), build="b", example=gap)
    assert "within their spread" not in established.text and "the less idle a run's CPUs" in established.text
    assert convoy.alone_agreement(made_up(), list(near(31_000)), None) == "1.03× (0.99–1.08×) the measurement's."


def test_the_example_page_agrees_when_its_run_lies_within_the_chapters_runs():
    record = {"suites": {"gil": made_up(alone=40_000, process=139_000, idle=QUIET).to_dict()}}
    text = convoy.example_page_comparison(example_output(alone="41,389", idle="host CPU idle 20%"), record)
    assert "within the range of that chapter's runs alone (38,400–41,600 requests per second)" in text
    assert "Why these numbers differ" not in text and "does not explain" not in text


def test_the_process_verdict_takes_the_example_and_explains_only_a_gap_both_spreads_show():
    close = convoy.process_verdict(made_up(alone=30_000, process=30_300), build="b",
                                   example=example_json(30_000, 300, 29_000))
    assert close.state == "holds" and "both figures overlap the measurement's, so the two agree within" in close.text
    assert "cost the server nothing measurable." in close.text
    # The build's finding: the measurement kept about 100% beside the process, the example 57%: the
    # page must not call the loop free of cost without a word on the example, and must say why they differ.
    slow_ex = example_json(114_800, 30_100, 65_800)
    slow_ex["load_average"] = [3.4, 2.0, 1.0]
    busier = convoy.process_verdict(made_up(alone=30_000, process=30_300), build="b", example=slow_ex)
    assert busier.state == "holds" and "57.3% (55.1–59.7%) of its speed alone beside the process" in busier.text
    assert "nothing measurable in the measurement's runs" in busier.text
    assert ("its share of alone and its speed over the one next to the thread lie below the measurement's, beyond "
            "both runs' spread") in busier.text
    assert "3.4 after the example's runs and 1.8 after the measurement's, on 2 CPUs" in busier.text
    assert "busier by at least one CPU's worth" in busier.text
    slow_ex["load_average"] = [2.0, 2.0, 1.0]
    same_load = convoy.process_verdict(made_up(alone=30_000, process=30_300), build="b", example=slow_ex)
    assert "the load does not explain the difference" in same_load.text and "busier" not in same_load.text
    del slow_ex["load_average"]
    assert "not recorded after the example's runs" in convoy.process_verdict(
        made_up(alone=30_000, process=30_300), build="b", example=slow_ex).text
    # An example that decides the other way (no recovery) leaves the claim undecided, and says so.
    clash = convoy.process_verdict(made_up(), build="b", example=example_json(30_000, 300, 400))
    assert clash.state == "undecided" and "The two runs on this page disagree" in clash.text
    # As in the build: the shares overlap, but the example's gain lies wholly below 2x and the measurement's above.
    ex = example_json(30_000, 12_000, 21_000)  # 70% of alone, 1.75x the thread's
    gain_only = convoy.process_verdict(made_up(thread=7_000), build="b", example=ex)
    assert gain_only.state == "undecided" and ("the test of at least 2× the speed next to the thread fails: "
                                               "1.75× (1.68–1.82×) lies wholly below 2×") in gain_only.text
    assert "its speed over the one next to the thread lies below the measurement's" in gain_only.text
    assert "share of alone lies" not in gain_only.text


def test_shares_print_one_way_in_the_table_the_prose_and_the_verdicts():
    assert convoy.share_text(0.193) == "19.3%" and convoy.share_text(1.129) == "113%"
    rows = convoy.table([("b", made_up(alone=118_000, thread=22_800, process=133_200))])
    claim = convoy.process_verdict(made_up(alone=118_000, thread=22_800, process=133_200), build="b")
    assert rows[2]["of alone"] == "113%" and "113% (" in claim.text
    assert rows[0]["of alone"] == "100%" and rows[1]["of alone"] == "19.3%"


def test_the_process_load_reason_names_only_the_differences_the_runs_have():
    ex = example_json(114_800, 30_100, 65_800)  # 0.1 s runs, 5 of them; the measurement: 0.4 s, 5
    ex["load_average"] = [2.0, 2.0, 1.0]
    text = convoy.example_load_reason(made_up(), ex, example_slower=True)
    assert "the example's runs are shorter (0.1 s against 0.4 s)" in text and "fewer" not in text
    ex["window_s"] = 0.4
    assert "this page cannot tell why" in convoy.example_load_reason(made_up(), ex, example_slower=True)


# -- round 4: the magnitude decided against the server's speed with its CPUs awake ------------------

def test_the_magnitude_is_decided_against_the_speed_beside_a_process_when_that_beat_alone():
    # The build's finding: 18,551 alone (CPUs idle, woken for each message), 139,764 beside a busy process,
    # 367 next to the thread: 2.0% of alone (outside 3x of 1/300) but 0.26% of the CPU-awake speed (inside).
    suite = made_up(alone=18_551, thread=367, process=139_764, idle=QUIET)
    claim = convoy.magnitude_verdict(suite, build="b")
    assert convoy.awake_baseline(suite.get(convoy.ECHO, "alone").values,
                                 suite.get(convoy.ECHO, "cpu-process").values) == "cpu-process"
    assert claim.state == "holds" and "**The drop is of the published size.**" in claim.text
    assert "about 1/381 of its speed beside a separate CPU-bound process (0.26% (" in claim.text
    assert "0.33% of their speed alone, there the faster of the two setups without a thread" in claim.text
    # The other figure is stated, with why it is not the one decided on (the idle CPUs, measured).
    assert "Against its speed alone it kept 2.0% (" in claim.text and "about 1/51" in claim.text
    assert "45.0% (" in claim.text and "Two reasons" not in claim.text
    # Where the process was not faster than alone (as in the published figures), alone stays the baseline.
    plain = convoy.magnitude_verdict(made_up(thread=540), build="b")
    assert plain.state == "contradicted" and "of its speed alone (1.8% (" in plain.text
    assert "Against its speed alone" not in plain.text
    # Decided on the CPU-awake speed, a drop still too small is contradicted, with the reasons computed on it.
    small = convoy.magnitude_verdict(made_up(alone=18_551, thread=6_000, process=139_764, idle=QUIET), build="b")
    assert small.state == "contradicted" and "Two reasons can make it small" in small.text
    assert small.text.count("took a millisecond or more") == 1  # the share of slow trips, said once
    assert "Next to the thread its mean round trip was 2.72 ms (" in claim.text  # said where no reasons follow


def test_the_magnitude_verdict_takes_the_example_and_explains_its_slower_thread_rate_when_it_can():
    suite = made_up(alone=18_551, thread=367, process=139_764, slow=0.49, idle=QUIET)
    ex = example_json(34_877, 202, 138_453)
    ex["slow_share"] = {"cpu-thread": [0.95, 0.96, 0.97, 0.96, 0.95]}
    claim = convoy.magnitude_verdict(suite, build="b", example=ex)
    assert claim.state == "holds"
    assert "The example below, on CPython 3.13.5, GIL on, fell next to the thread to 0.15% (" in claim.text
    assert "of its speed beside a separate CPU-bound process, within that band" in claim.text
    assert "its rate next to the thread, 202 requests per second, lies below the measurement's 367" in claim.text
    assert "96.0% (" in claim.text and "more of its requests waited about a switch interval for the GIL" in claim.text
    assert "the run length (0.4 s against 0.1 s)" in claim.text  # what else differs, said
    # Slow shares alike: they do not explain the slower rate, and the text says so.
    ex["slow_share"] = {"cpu-thread": [0.48, 0.49, 0.5, 0.49, 0.48]}
    alike = convoy.magnitude_verdict(suite, build="b", example=ex)
    assert "does not explain it" in alike.text and "more of its requests waited" not in alike.text
    del ex["slow_share"]
    assert "did not record how many of its round trips waited" in convoy.magnitude_verdict(
        suite, build="b", example=ex).text
    # An example whose drop lies outside the band leaves the claim undecided, and says the two disagree.
    clash = convoy.magnitude_verdict(suite, build="b", example=example_json(34_877, 20_000, 138_453))
    assert clash.state == "undecided" and "disagree" in clash.text and "outside that band" in clash.text


def test_rank_correlation():
    assert convoy.rank_correlation([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert convoy.rank_correlation([1, 2, 3, 4], [40, 30, 20, 10]) == pytest.approx(-1.0)
    assert convoy.rank_correlation([1, 1, 2, 3], [5, 6, 7, 8]) == pytest.approx(0.9486832980505138)  # ties
    assert convoy.rank_correlation([1, 2], [1, 2]) is None and convoy.rank_correlation([1, 1, 1], [1, 2, 3]) is None


def test_the_idle_share_is_named_as_the_reason_only_when_the_runs_rank_by_it():
    # The build's figures: the measurement's own runs alone do not rank by idle time (66% idle gave 13,208/s,
    # 72% gave 18,551/s); the example's runs do, strongly, and the pooled ten rank at -0.70.
    m = made_up(alone=18_551)
    from gilref.core.results import Timing
    s = Suite(metadata=m.metadata)
    for t in m.timings:
        if t.workload != convoy.ECHO or t.mode != "alone":
            s.add(t)
    s.add(Timing(convoy.ECHO, "alone", 1, (19_044, 18_551, 13_046, 13_208, 22_608), unit="req/s"))
    s.add(Timing(convoy.IDLE, "alone", 1, (0.697, 0.723, 0.697, 0.662, 0.676), unit="fraction"))
    ex_rates, ex_idle = [89_549, 34_913, 24_098, 31_381, 34_877], [0.370, 0.611, 0.75, 0.647, 0.647]
    strong = convoy.alone_speed_reason(s, ex_idle, ex_rates)
    assert "the less idle a run's CPUs, the faster it was (rank correlation −0.70)" in strong
    # Faster and idle less, but within the example the more idle runs were the faster: the pooled ten hardly rank.
    weak = convoy.alone_speed_reason(s, [0.60, 0.61, 0.62, 0.63, 0.64], [12_000, 16_000, 21_000, 24_000, 26_000])
    assert "does not explain the difference" in weak and "rank together only at +0.07" in weak
    apart = convoy.alone_speed_reason(s, [0.75] * 5, [30_000] * 5)  # faster, yet idle more
    assert "the faster run's CPUs were not idle less" in apart
    for text in (strong, weak, apart):  # one clause, quoted elsewhere: nothing "below", no "the faster run is"
        assert text.endswith(".") and ". " not in text and "below" not in text and "The faster run" not in text


def test_a_quoted_convoy_verdict_drops_the_whole_example_part_and_nothing_dangles():
    from gilref.core.quoting import quote

    suite = made_up(alone=18_000, thread=300, idle=QUIET)
    ex = example_json(40_000, 400, 110_000)
    ex["host_idle"] = {"alone": [0.2, 0.21, 0.2, 0.19, 0.2]}
    quoted, dropped = quote(convoy.convoy_verdict(suite, build="b", example=ex).text)
    assert quoted.startswith("**The convoy is real here.**") and quoted.endswith("of its speed.")
    assert len(dropped) == 1 and dropped[0].startswith("The example below")
    assert "below" not in quoted and "faster run" not in quoted


def test_opposite_moves_beside_the_process_get_the_simple_reading_computed():
    # The build: the example faster alone (34,877 against 18,551) and slower next to the thread (202 against 367),
    # alike beside the process: a smaller share of alone and a larger multiple of the thread's speed.
    suite = made_up(alone=18_551, thread=367, process=139_764, idle=QUIET)
    claim = convoy.process_verdict(suite, build="b", example=example_json(34_877, 202, 138_453))
    assert "in opposite directions; the simple reading: the example was faster alone (34,877 against 18,551 " \
           "requests per second), slower next to the thread (202 against 367) and alike beside the process " \
           "(138,453 against 139,764)" in claim.text
    assert "cannot tell why" not in claim.text


def test_a_small_drop_gives_its_reasons_before_the_example():
    claim = convoy.magnitude_verdict(made_up(thread=9_000), build="b", example=example_json(30_000, 9_000, 20_000))
    assert claim.state == "contradicted"
    assert claim.text.index("Two reasons can make it small") < claim.text.index("The example below")


def test_the_band_and_the_interval_print_with_enough_decimals_to_show_how_they_meet():
    band = (0.00111, 0.0100)
    # 0.107% against the band's 0.111%: two decimals print both as 0.11%, three set them apart
    straddling = Interval(0.00107, 0.00149, 0.00180)
    assert convoy.band_decimals(*band, straddling) == 3
    assert convoy.band_pct(straddling, 3) == "0.149% (0.107–0.180%)"
    # well apart: the usual two decimals
    inside = Interval(0.0020, 0.0030, 0.0040)
    assert convoy.band_decimals(*band, inside) == 2
    assert convoy.band_pct(inside, 2) == "0.30% (0.20–0.40%)"
    # the verdict's sentence shows an interval that straddles the band's low end (1/900) as straddling it
    claim = convoy.magnitude_verdict(made_up(alone=30_000, thread=33.4, process=20_000), build="b")
    assert claim.state == "undecided"
    m = re.search(r"\((\d\.\d+)% \((\d\.\d+)–(\d\.\d+)%\)\), against", claim.text)
    b = re.search(r"either way \((\d\.\d+)–(\d\.\d+)%\)", claim.text)
    assert m and b, claim.text
    assert float(m.group(2)) < float(b.group(1)) < float(m.group(3))


def test_mixed_trips_say_how_much_closer_the_rates_lie_than_the_medians_computed():
    # 2.43× between the rates, 13× between the medians: "close together" would hide the first
    suite = trips_suite([15_092, 36_721, 20_000, 30_000, 25_000], [7e-6, 88e-6, 80e-6, 7.5e-6, 85e-6])
    text = convoy.split_runs_text([("b", suite)])
    assert "lie close together" not in text
    assert "The runs' rates lie closer together than their medians (at most 2.43× apart, against at least 13×)" in text
    # over two entries: the widest rates against the narrowest medians
    b = trips_suite([20_000, 22_000, 21_000, 20_500, 21_500], [7e-6, 28e-6, 27e-6, 7.5e-6, 29e-6])
    text = convoy.split_runs_text([("a", suite), ("b", b)])
    assert "(at most 2.43× apart, against at least 4.14×)" in text
    assert convoy._spans_text([(4.0, 13.0), (1.1, 3.1)]) == (
        "In each, the runs' rates lie closer together than their medians (their spans: 4.00× against 13×, "
        "1.10× against 3.10×)")
