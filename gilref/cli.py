"""Command line: ``python -m gilref <command>``.

Each command is a small function taking parsed arguments and returning an exit
status. Bad arguments make :mod:`argparse` print the usage and exit with 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Callable

__all__ = ["main"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import profile, render_text

    suite = profile(quick=args.quick, workers=args.workers, n=args.count)
    if args.json:
        sys.stdout.write(suite.dumps() + "\n")
    else:
        sys.stdout.write(render_text(suite))
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from .comparison import CompareError, compare, plot, plot_format, render

    try:
        if args.plot:
            plot_format(args.plot)  # a bad file name fails before any work
        mine, theirs, rows = compare(args.mine, args.other, timeout=args.timeout)
        sys.stdout.write(render(mine, theirs, rows))
        if args.plot:
            written = plot(rows, mine, theirs, args.plot)
            sys.stdout.write(f"\nChart written to {written}\n")
    except CompareError as exc:
        print(f"gilref compare: error: {exc}", file=sys.stderr)
        return 1
    return 0


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = argparse.ArgumentParser(
        prog="python -m gilref",
        description="Measure how Python's GIL behaves on this machine.",
    )
    commands = parser.add_subparsers(dest="command", metavar="command", required=True)

    report = commands.add_parser(
        "report",
        help="print this host's GIL profile",
        description="Print this host's GIL profile: host facts, the countdown on one thread, "
        "N threads and N processes, and I/O-style waits on threads.",
    )
    report.add_argument("--json", action="store_true", help="print the results as gilref JSON")
    report.add_argument("--quick", action="store_true", help="a short run (seconds, less precise)")
    report.add_argument("--workers", type=_positive_int, metavar="N",
                        help="threads/processes for the countdown (default: usable CPUs)")
    report.add_argument("--count", type=_positive_int, metavar="STEPS",
                        help="countdown steps (default: 20000000, or 2000000 with --quick)")
    report.set_defaults(func=_cmd_report)

    compare = commands.add_parser(
        "compare",
        help="compare your profile with another machine's or the book's edition",
        description="Print the key ratios of two profiles side by side (countdown on one thread, "
        "threads and processes; I/O waits on threads) with a reading of each difference. "
        "MINE is `python -m gilref report --json` output; OTHER is another such file or the "
        "book's edition.json (a file, the built site's directory, or an http URL).",
    )
    compare.add_argument("mine", metavar="MINE", help="your report (python -m gilref report --json > mine.json)")
    compare.add_argument("other", metavar="OTHER",
                         help="another report, or an edition.json (file, site directory or URL)")
    compare.add_argument("--plot", metavar="FILE",
                         help="also draw a chart to FILE (.svg, .png or .pdf; needs matplotlib)")
    compare.add_argument("--timeout", type=_positive_float, default=15.0, metavar="SECONDS",
                         help="deadline for fetching a URL (default: 15)")
    compare.set_defaults(func=_cmd_compare)

    for register in _EXTRA_COMMANDS:
        register(commands)
    return parser


#: Functions that add further commands to the subparsers (filled by later modules).
_EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []  # type: ignore[type-arg]


# -- interpreters and provisioning (issue 4) -------------------------------------


def _cmd_interpreters(args: argparse.Namespace) -> int:
    import json

    from .interp.discover import discover
    from .interp.select import choose

    found = discover(cache=not args.refresh)
    pair = choose(found)
    if args.json:
        sys.stdout.write(json.dumps({"interpreters": [i.to_dict() for i in found], "compared": pair.to_dict()},
                                    indent=2) + "\n")
        return 0
    from .book.tables import render_table

    rows = [{"interpreter": i.label, "GIL": "?" if i.gil_enabled is None else "on" if i.gil_enabled else "off",
             "found": i.source, "executable": i.executable} for i in found]
    sys.stdout.write(render_table(rows, ["interpreter", "GIL", "found", "executable"], style="text"))
    sys.stdout.write(f"\nThe book compares {pair.text}:\n{pair.describe()}\n")
    return 0


def _cmd_provision(args: argparse.Namespace) -> int:
    import json
    import time

    from .provision import cpython as provision

    start = time.monotonic()
    outcomes = provision.provision(use_uv=not args.no_uv, jobs=args.jobs, numpy=not args.no_numpy,
                                   retry_numpy=args.retry_numpy)
    elapsed = time.monotonic() - start
    if args.json:
        sys.stdout.write(json.dumps({"seconds": round(elapsed, 1),
                                     "outcomes": [o.to_dict() for o in outcomes]}, indent=2) + "\n")
    else:
        sys.stdout.write(provision.explain(outcomes) + f"\nprovisioning took {elapsed:.0f} s\n")
    missing = [o for o in outcomes if not o.ok and o.status != "skipped"]
    if missing and args.optional:
        sys.stderr.write("gilref provision: continuing without "
                         + ", ".join(f"CPython {o.flavour.name}" for o in missing)
                         + " (--optional); the book shows a note in their place\n")
        return 0
    return 1 if missing else 0


def _add_interpreter_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    found = commands.add_parser(
        "interpreters",
        help="list the Python interpreters found on this host and the builds the book compares",
        description="List the interpreters gilref finds (this one, $GILREF_PYTHONS, provisioned builds, "
        "well-known names on PATH, uv), each described by running it: implementation, version, "
        "free-threaded build or not, GIL on or off at run time; then the default and free-threaded "
        "CPython builds the book's chapters compare (gilref.interp.select.choose: the newest series "
        "found in both builds) and why. --json prints {\"interpreters\": [...], \"compared\": {...}}.",
    )
    found.add_argument("--json", action="store_true",
                       help="print JSON: the interpreters found and the compared pair")
    found.add_argument("--refresh", action="store_true", help="describe every interpreter again (ignore the cache)")
    found.set_defaults(func=_cmd_interpreters)

    prov = commands.add_parser(
        "provision",
        help="make sure CPython 3.13 free-threaded and default builds exist",
        description="Make sure a free-threaded CPython 3.13 and the default build of the same version exist: "
        "use ones already here, else uv python install, else build from source (about 2-5 minutes each) "
        "into gilref's cache directory. GILREF_SKIP_PROVISION=1 skips this; GILREF_CPYTHON_SOURCE names "
        "a source tarball or directory.",
    )
    prov.add_argument("--jobs", type=_positive_int, metavar="N", help="parallel make jobs (default: usable CPUs)")
    prov.add_argument("--no-uv", action="store_true", help="do not try uv python install")
    prov.add_argument("--no-numpy", action="store_true",
                      help="do not install NumPy, pytest and pytest-run-parallel into the built interpreters")
    prov.add_argument("--retry-numpy", action="store_true",
                      help="try installing those packages again if they failed before")
    prov.add_argument("--optional", action="store_true",
                      help="exit 0 even if an interpreter could not be had (the book then shows a note)")
    prov.add_argument("--json", action="store_true", help="print the outcome as JSON")
    prov.set_defaults(func=_cmd_provision)


_EXTRA_COMMANDS.append(_add_interpreter_commands)


# -- diagnose (issue 13) ---------------------------------------------------------


def _cmd_diagnose(args: argparse.Namespace) -> int:
    import json

    from .topics import diagnose as dg

    command = list(args.program)
    if command and command[0] == "--":
        command = command[1:]
    if bool(command) == (args.pid is not None):
        print("gilref diagnose: error: give a command after -- or --pid PID (not both)", file=sys.stderr)
        return 2
    if args.duration is not None and args.pid is None:
        print("gilref diagnose: error: --duration is for --pid (a command is sampled until it exits)",
              file=sys.stderr)
        return 2
    if args.plot:
        from .comparison import CompareError, plot_format

        try:
            plot_format(args.plot)  # a bad file name fails before any work
        except CompareError as exc:
            print(f"gilref diagnose: error: {exc}", file=sys.stderr)
            return 2
    # With --json on stdout, the program's own stdout goes to stderr so the JSON stays parseable.
    to_stdout = args.json == "-"
    try:
        d = dg.diagnose(command or None, pid=args.pid, duration=args.duration, rate=args.rate,
                        program_stdout=sys.stderr if to_stdout else None)
    except dg.DiagnoseError as exc:
        print(f"gilref diagnose: {exc}", file=sys.stderr)
        return exc.exit_code
    if args.json:
        text = json.dumps(d.to_dict(), indent=2) + "\n"
        if to_stdout:
            sys.stdout.write(text)
        else:
            from .core.jsonio import write_json

            write_json(args.json, d.to_dict())
    if not to_stdout:
        sys.stdout.write("\n" + dg.render_text(d))
    if args.plot:
        try:
            from .book.diagnosis_chart import diagnosis_chart
        except ImportError:
            print("gilref diagnose: --plot needs matplotlib: pip install 'gilref[plot]'", file=sys.stderr)
            return d.exit_code or dg.EXIT_CANNOT
        diagnosis_chart(d).savefig(args.plot)
        print(f"Chart written to {args.plot}", file=sys.stderr)
    return d.exit_code or 0


def _add_diagnose_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    diag = commands.add_parser(
        "diagnose",
        help="is the GIL your program's bottleneck? sample its threads and say",
        description="Run a program (python -m gilref diagnose -- python your_script.py [args]) or attach "
        "to a running one (--pid PID), sample every thread with py-spy, and report the share of time "
        "the GIL was held and, per thread, the time running with the GIL, waiting for it, in native "
        "code without it and idle, with the hottest functions, and a verdict. Needs py-spy "
        "(pip install 'gilref[diagnose]') and ptrace permission (root, or kernel.yama.ptrace_scope=0). "
        "Exits with the program's status; when the diagnosis cannot be made, with 2 or 3 "
        "(or the program's own non-zero status).",
    )
    diag.add_argument("--pid", type=_positive_int, help="attach to this running Python process")
    diag.add_argument("--duration", type=_positive_float, metavar="SECONDS",
                      help="with --pid: seconds to sample (default: until it exits)")
    diag.add_argument("--rate", type=_positive_int, default=50, metavar="HZ",
                      help="samples per second (default: 50)")
    diag.add_argument("--json", nargs="?", const="-", metavar="FILE",
                      help="write the diagnosis as gilref JSON to FILE, or to stdout without FILE "
                      "(the program's stdout then goes to stderr)")
    diag.add_argument("--plot", metavar="FILE", help="draw the per-thread breakdown to FILE (.svg, .png, .pdf; "
                      "needs matplotlib)")
    diag.add_argument("program", nargs=argparse.REMAINDER, help="-- then the command to run")
    diag.set_defaults(func=_cmd_diagnose)


_EXTRA_COMMANDS.append(_add_diagnose_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
