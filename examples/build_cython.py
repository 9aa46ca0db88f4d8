# gilref-example: args = --steps 3000000 --python-steps 30000 --threads 2 --repeats 1
# gilref-example: pythons = cpython>=3.9
# gilref-example: needs = Cython, setuptools
# gilref-example: chapter = native-code
# gilref-example: companions = cython_nogil.pyx
# gilref-example: timeout = 300
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""Build cython_nogil.pyx, then time one loop four ways on 1 and on T threads.

Run:  python build_cython.py [--steps N] [--python-steps N] [--threads T] [--repeats R] [--build-dir DIR]

Needs Cython, setuptools and a C compiler (pip install cython setuptools; on
Debian or Ubuntu also apt install gcc python3-dev). Keep cython_nogil.pyx next
to this file. The module is compiled into --build-dir and reused until the
.pyx file or the Python version changes.

The four ways: the loop in pure Python; compiled by Cython with the GIL held;
compiled with the GIL released (`with nogil:`); and one call that splits the
loop over OpenMP threads with `prange`. The same steps are split evenly
between the threads, and each line reports the median of R runs. A last
line times the same on no work (a prange call, starting and joining
Python threads); where prange was slower than the nogil threads, a note
says why from these figures.
"""

import argparse
import hashlib
import importlib.util
import os
import shutil
import statistics
import sys
import sysconfig
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 88172645463325252
MASK = 0xFFFFFFFFFFFFFFFF


def xorshift_python(n, seed=SEED):
    """The loop of cython_nogil.pyx in pure Python (the mask keeps it 64-bit)."""
    x = seed
    for _ in range(n):
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
    return x


def build(pyx, build_dir):
    """Compile pyx into build_dir (once per source and Python version) and import it."""
    build_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(pyx.read_bytes() + sys.version.encode()).hexdigest()
    stamp = build_dir / "source.sha256"
    target = build_dir / (pyx.stem + sysconfig.get_config_var("EXT_SUFFIX"))
    if not (target.exists() and stamp.exists() and stamp.read_text() == digest):
        from Cython.Build import cythonize
        from setuptools import Extension
        from setuptools.dist import Distribution

        shutil.copyfile(pyx, build_dir / pyx.name)  # build a copy: the source folder stays clean
        last_error = None
        for flags in (["-fopenmp"], []):  # OpenMP for prange if the compiler has it
            ext = Extension(pyx.stem, [str(build_dir / pyx.name)],
                            extra_compile_args=["-O2", *flags], extra_link_args=flags)
            dist = Distribution({
                "ext_modules": cythonize([ext], quiet=True, force=True, language_level=3),
                "script_name": "build_cython.py",
                "script_args": ["--quiet", "build_ext", "--build-lib", str(build_dir),
                                "--build-temp", str(build_dir / "tmp")],
            })
            try:
                dist.parse_command_line()
                dist.run_commands()
                break
            except Exception as exc:  # a compiler error: try again without OpenMP, then give up
                last_error = exc
        else:
            raise RuntimeError(f"could not compile {pyx.name}: {last_error}")
        stamp.write_text(digest)
    spec = importlib.util.spec_from_file_location(pyx.stem, target)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def split(total, parts):
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def on_threads(func, steps, threads):
    """Run func on `threads` threads sharing `steps`; return the wall time in seconds."""
    pool = [threading.Thread(target=func, args=(s,)) for s in split(steps, threads)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - start


def one_call(func, *args):
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start


def positive_int(text):
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build cython_nogil.pyx and time the loop four ways.")
    parser.add_argument("--steps", type=positive_int, default=100_000_000,
                        help="loop steps for the compiled versions (default: 100000000)")
    parser.add_argument("--python-steps", type=positive_int, default=1_000_000,
                        help="loop steps for the pure-Python version (default: 1000000)")
    parser.add_argument("--threads", type=positive_int, default=2,
                        help="threads to compare with one thread (default: 2)")
    parser.add_argument("--repeats", type=positive_int, default=5,
                        help="runs of each measurement; the median is reported (default: 5)")
    parser.add_argument("--build-dir", type=Path, default=HERE / "build",
                        help="where to compile the module (default: ./build next to this file)")
    args = parser.parse_args(argv)

    pyx = HERE / "cython_nogil.pyx"
    if not pyx.exists():
        parser.error(f"{pyx.name} must be in the same folder as this script ({HERE})")
    try:
        mod = build(pyx, args.build_dir)
    except ImportError as exc:
        print(f"error: {exc.name} is not installed: pip install cython setuptools", file=sys.stderr)
        return 1
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if mod.xorshift_nogil(1000) != xorshift_python(1000):
        print("error: the compiled loop and the Python loop disagree", file=sys.stderr)
        return 1

    T = args.threads
    rows = [
        ("Python loop", args.python_steps,
         lambda: on_threads(xorshift_python, args.python_steps, 1),
         lambda: on_threads(xorshift_python, args.python_steps, T)),
        ("Cython, GIL held", args.steps,
         lambda: on_threads(mod.xorshift_gil, args.steps, 1),
         lambda: on_threads(mod.xorshift_gil, args.steps, T)),
        ("Cython, nogil", args.steps,
         lambda: on_threads(mod.xorshift_nogil, args.steps, 1),
         lambda: on_threads(mod.xorshift_nogil, args.steps, T)),
        ("Cython, prange", args.steps,
         lambda: one_call(mod.xorshift_prange, args.steps, 1),
         lambda: one_call(mod.xorshift_prange, args.steps, T)),
    ]
    times = {name: ([], [], []) for name, *_ in rows}  # one-thread s, T-thread s, T-thread CPU s
    idle = ([], [], [])  # no work on T threads: a prange call (s, CPU s), starting and joining Python threads (s)
    for _ in range(args.repeats):
        for name, _steps, one, many in rows:
            times[name][0].append(one())
            cpu = time.process_time()
            times[name][1].append(many())
            times[name][2].append(time.process_time() - cpu)
        cpu = time.process_time()
        idle[0].append(one_call(mod.xorshift_prange, T, T))  # one step per chain
        idle[1].append(time.process_time() - cpu)
        idle[2].append(on_threads(mod.xorshift_nogil, T, T))

    openmp = "with OpenMP" if mod.built_with_openmp() else "without OpenMP: prange runs serially"
    runs = f"{args.repeats} run{'s' if args.repeats != 1 else ''}"
    print(f"Python {sys.version.split()[0]}, module built {openmp}; median of {runs}")
    print(f"  {'':<18}{'ns/step':>9}{'1 thread':>13}{f'{T} threads':>14}{'speedup':>9}")
    short = []
    for name, steps, *_ in rows:
        one, many = (statistics.median(v) for v in times[name][:2])
        print(f"  {name:<18}{one / steps * 1e9:9.2f}{one:12.6f}s{many:13.6f}s{one / many:8.2f}x")
        if name != "Python loop" and one < SHORT_JOB_S:
            short.append(name)
    team, team_cpu, started = (statistics.median(v) for v in idle)
    print(f"  no work, {T} threads: a prange call {team * 1000:.3f} ms ({team_cpu * 1000:.3f} ms of CPU), "
          f"Python threads {started * 1000:.3f} ms" + load_text())
    for line in short_job_notes(short, T):
        print(line)
    nogil, prange = times["Cython, nogil"], times["Cython, prange"]
    for line in prange_notes(T, *(statistics.median(v) for v in (nogil[1], nogil[2], prange[1], prange[2])),
                             team, team_cpu):
        print(line)
    return 0


def load_text():
    """The host's 1-minute load average as a suffix of the no-work line ("" where the OS has none)."""
    try:
        return f"; 1-minute load average {os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):
        return ""


#: Seconds of work below which a split over threads says little: starting threads (or an OpenMP
#: team) and handing out the shares cost about a millisecond, a large part of a job this short.
SHORT_JOB_S = 0.05


def short_job_notes(names, threads):
    """Note lines for the rows whose one-thread time was under SHORT_JOB_S (none when every row was longer)."""
    if not names:
        return []
    return [f"note: {', '.join(names)}: under {SHORT_JOB_S * 1000:.0f} ms of work on 1 thread, so starting "
            f"{threads} threads (for prange, an OpenMP team) and handing out the shares weigh heavily in the "
            f"{threads}-thread time; give more --steps for a fair speedup"]


#: How much longer than the nogil threads (a fraction) the prange call on the same steps may take
#: before the script says why: a tenth, beyond the noise of a median of a few runs.
PRANGE_SLOWER = 0.10


def prange_notes(threads, nogil_s, nogil_cpu_s, prange_s, prange_cpu_s, team_s, team_cpu_s):
    """Note lines when prange on `threads` OpenMP threads took longer than `threads` Python threads
    running the nogil loop on the same steps (medians, seconds), with the reason the figures give:
    what a prange call with no work costs (team_s, team_cpu_s of it on a CPU) and the CPU time
    of both. None when prange was within PRANGE_SLOWER of the threads."""
    if prange_s <= nogil_s * (1 + PRANGE_SLOWER):
        return []
    extra = prange_s - nogil_s
    head = (f"note: Cython, prange took {prange_s:.6f} s on {threads} threads against {nogil_s:.6f} s for "
            f"Cython, nogil on the same steps, {extra * 1000:.3f} ms more per call")
    if team_s >= extra / 2:
        how = ("its waiting threads spin on a CPU rather than sleep (libgomp's default, with OMP_WAIT_POLICY "
               "unset), so while other programs hold a CPU the team waits for a time slice"
               if team_cpu_s >= team_s / 2 else "starting and joining the team is that slow here")
        return [head + f". A prange call with no work took {team_s * 1000:.3f} ms ({team_cpu_s * 1000:.3f} ms "
                f"of it on a CPU): {how}; that is most of the difference (OMP_WAIT_POLICY=passive makes "
                "waiting threads sleep)."]
    off_p, off_n = threads * prange_s - prange_cpu_s, threads * nogil_s - nogil_cpu_s  # thread time off a CPU
    if prange_cpu_s > nogil_cpu_s + extra / 2:
        why = (f"; its calls used {prange_cpu_s * 1000:.1f} ms of CPU against {nogil_cpu_s * 1000:.1f} ms for the "
               "threads: OpenMP threads that wait for the others spin on a CPU (libgomp's default) where a "
               "finished Python thread frees its CPU")
    else:
        why = (f"; both used about the same CPU time ({prange_cpu_s * 1000:.1f} and {nogil_cpu_s * 1000:.1f} ms), "
               f"but its {threads} threads spent {off_p * 1000:.1f} ms off a CPU per call against "
               f"{off_n * 1000:.1f} ms for the nogil threads ({threads} x wall time - CPU time): they waited "
               "for a CPU, held by other programs or by each other when placed on one; this script does not "
               "record which")
    return [head + f". A prange call with no work took only {team_s * 1000:.3f} ms, so starting the team is "
            "not the difference" + why + "."]


if __name__ == "__main__":
    sys.exit(main())
