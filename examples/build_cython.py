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
between the threads, and each line reports the median of R runs.
"""

import argparse
import hashlib
import importlib.util
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
    times = {name: ([], []) for name, *_ in rows}
    for _ in range(args.repeats):
        for name, _steps, one, many in rows:
            times[name][0].append(one())
            times[name][1].append(many())

    openmp = "with OpenMP" if mod.built_with_openmp() else "without OpenMP: prange runs serially"
    runs = f"{args.repeats} run{'s' if args.repeats != 1 else ''}"
    print(f"Python {sys.version.split()[0]}, module built {openmp}; median of {runs}")
    print(f"  {'':<18}{'ns/step':>9}{'1 thread':>11}{f'{T} threads':>12}{'speedup':>9}")
    short = []
    for name, steps, *_ in rows:
        one, many = (statistics.median(v) for v in times[name])
        print(f"  {name:<18}{one / steps * 1e9:9.2f}{one:10.3f}s{many:11.3f}s{one / many:8.2f}x")
        if name != "Python loop" and one < SHORT_JOB_S:
            short.append(name)
    for line in short_job_notes(short, T):
        print(line)
    return 0


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


if __name__ == "__main__":
    sys.exit(main())
