"""Provisioning's decisions, with the build step replaced by a fake (no compiler runs here)."""

from __future__ import annotations

import json
import os
import tarfile
from pathlib import Path

import pytest

from gilref.interp import discover as interpreters
from gilref.provision import cpython as provision
from gilref.provision.cpython import DEFAULT, FLAVOURS, FREE_THREADED, BuildJob, ProvisionError
from gilref.provision.debian import AptError

from .conftest import ROOT


def fake_python(path: Path, *, version: str = "3.13.5", free_threaded: bool, implementation: str = "CPython",
                extra: str = "") -> Path:
    """An executable that answers gilref's probe like a CPython of that build would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    answer = json.dumps({"executable": str(path), "implementation": implementation, "version": version,
                         "free_threaded": free_threaded, "gil_enabled": not free_threaded})
    path.write_text(f"#!/bin/sh\n{extra}echo '{answer}'\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def fake_source(directory: Path, version: str = "3.13.5") -> Path:
    """A directory that looks like a CPython source tree (configure + patchlevel.h)."""
    (directory / "Include").mkdir(parents=True)
    (directory / "configure").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    (directory / "configure").chmod(0o755)
    (directory / "Include" / "patchlevel.h").write_text(f'#define PY_VERSION "{version}"\n', encoding="utf-8")
    return directory


class FakeBuilder:
    """Records each job and 'installs' a fake interpreter where make install would."""

    def __init__(self, fail: BaseException | None = None) -> None:
        self.jobs: list[BuildJob] = []
        self.fail = fail

    def __call__(self, job: BuildJob) -> None:
        self.jobs.append(job)
        assert (job.source_dir / "configure").is_file()
        exe = job.staged_prefix / "bin" / job.flavour.executable_name
        version = job.prefix.name.split("-")[1].rstrip("t")  # cpython-3.13.5t -> 3.13.5
        fake_python(exe, version=version, free_threaded=job.flavour.free_threaded)
        job.log.write_text(job.log.read_text() + "fake build\n")
        if self.fail is not None:
            raise self.fail


class NoApt:
    """A PrivateApt stand-in that cannot deliver."""

    calls = 0

    def source(self, package, dest):
        NoApt.calls += 1
        raise AptError("apt-get source --download-only python3.13 failed (exit 100): no network")

    def update(self):
        raise AptError("apt-get update failed: no network")


#: What the interpreter running the tests is made to look like: a build provisioning never wants,
#: so the tests decide the same whether CPython 3.11, 3.13 or 3.13t runs them.
OTHER_HOST = interpreters.Interpreter(executable="/nonexistent/python3.11", implementation="CPython",
                                      version="3.11.7", free_threaded=False, gil_enabled=True, source="host")


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A private cache, an empty PATH (no uv, no python3.13t), no overrides, and a host that is not 3.13."""
    monkeypatch.setattr(interpreters, "host", lambda: OTHER_HOST)
    monkeypatch.setenv("GILREF_CACHE_DIR", str(tmp_path / "cache"))
    bindir = tmp_path / "bin"
    bindir.mkdir()
    monkeypatch.setenv("PATH", str(bindir))
    for var in (provision.ENV_SKIP, provision.ENV_SOURCE, interpreters.ENV_PYTHONS):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def quiet(msg: str) -> None:
    pass


def run(flavours=FLAVOURS, **kwargs):
    kwargs.setdefault("progress", quiet)
    kwargs.setdefault("numpy", False)
    kwargs.setdefault("apt", NoApt)
    return provision.provision(flavours, **kwargs)


@pytest.mark.parametrize("value", ["1", "yes", "true"])
def test_skip_variable_does_nothing(env, monkeypatch, value):
    monkeypatch.setenv(provision.ENV_SKIP, value)
    builder = FakeBuilder()
    outcomes = run(builder=builder)
    assert [o.status for o in outcomes] == ["skipped", "skipped"]
    assert not builder.jobs
    assert not (env / "cache").exists()


@pytest.mark.parametrize("value", ["", "0", "no", "false"])
def test_skip_variable_off_values(monkeypatch, value):
    monkeypatch.setenv(provision.ENV_SKIP, value)
    assert not provision.skip_requested()


def test_builds_both_from_a_named_source_then_reuses_them(env, monkeypatch):
    monkeypatch.setenv(provision.ENV_SOURCE, str(fake_source(env / "src")))
    builder = FakeBuilder()
    outcomes = run(builder=builder, use_found=False)
    assert [o.status for o in outcomes] == ["built", "built"]
    assert [j.flavour for j in builder.jobs] == [FREE_THREADED, DEFAULT]
    assert builder.jobs[0].flavour.configure_args == ("--disable-gil",)
    assert builder.jobs[1].flavour.configure_args == ()
    base = provision.pythons_dir()
    for o, suffix in zip(outcomes, ("t", "")):
        prefix = base / f"cpython-3.13.5{suffix}"
        assert o.interpreter.executable == str(prefix / "bin" / f"python3.13{suffix}")
        assert o.interpreter.free_threaded == (suffix == "t")
        marker = json.loads((prefix / provision.MARKER).read_text())
        assert marker["flavour"] == f"3.13{suffix}" and marker["version"] == "3.13.5"
        assert Path(o.log).is_file() and "fake build" in Path(o.log).read_text()
    assert not list(base.glob(".work-*"))  # build directories are removed
    # A second call reuses them: no build, found through the markers.
    again = FakeBuilder()
    outcomes = run(builder=again, use_found=False)
    assert [o.status for o in outcomes] == ["provisioned", "provisioned"]
    assert not again.jobs
    # ...and discovery lists them, unless provisioning is skipped on purpose.
    sources = {i.executable: i.source for i in interpreters.discover(cache=False)}
    assert sources[str(base / "cpython-3.13.5t" / "bin" / "python3.13t")] == "provisioned"
    monkeypatch.setenv(provision.ENV_SKIP, "1")
    assert "provisioned" not in {i.source for i in interpreters.discover(cache=False)}


def test_a_tarball_source_is_unpacked(env, monkeypatch):
    tree = fake_source(env / "Python-3.13.9", version="3.13.9")
    tarball = env / "Python-3.13.9.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(tree, arcname="Python-3.13.9")
    monkeypatch.setenv(provision.ENV_SOURCE, str(tarball))
    builder = FakeBuilder()
    outcomes = run([FREE_THREADED], builder=builder, use_found=False)
    assert outcomes[0].status == "built"
    assert outcomes[0].interpreter.executable.endswith("cpython-3.13.9t/bin/python3.13t")


def test_source_of_another_series_is_refused(env, monkeypatch):
    monkeypatch.setenv(provision.ENV_SOURCE, str(fake_source(env / "src", version="3.12.4")))
    builder = FakeBuilder()
    outcomes = run(builder=builder, use_found=False)
    assert [o.status for o in outcomes] == ["unavailable", "unavailable"]
    assert not builder.jobs
    assert any("3.12.4" in t for t in outcomes[0].tried)


def test_an_interrupted_build_leaves_nothing_installed(env, monkeypatch):
    monkeypatch.setenv(provision.ENV_SOURCE, str(fake_source(env / "src")))
    with pytest.raises(KeyboardInterrupt):
        run(builder=FakeBuilder(fail=KeyboardInterrupt()), use_found=False)
    base = provision.pythons_dir()
    assert provision.provisioned_executables() == []
    assert not list(base.glob("cpython-*"))
    # A remnant of a killed run (a .work directory) is cleared by the next call.
    (base / ".work-99999" / "stage-3.13t").mkdir(parents=True)
    outcomes = run(builder=FakeBuilder(), use_found=False)
    assert [o.status for o in outcomes] == ["built", "built"]
    assert not list(base.glob(".work-*"))


def test_a_failed_build_is_reported_with_its_log(env, monkeypatch):
    monkeypatch.setenv(provision.ENV_SOURCE, str(fake_source(env / "src")))
    outcomes = run([FREE_THREADED], builder=FakeBuilder(fail=ProvisionError("make -j2 failed (exit 2)")),
                   use_found=False)
    assert outcomes[0].status == "unavailable"
    assert any("make -j2 failed" in t for t in outcomes[0].tried)
    assert provision.provisioned_executables() == []


def test_without_any_source_it_says_what_was_tried_and_how_to_supply_one(env):
    NoApt.calls = 0
    builder = FakeBuilder()
    outcomes = run(builder=builder, use_found=False)
    assert [o.status for o in outcomes] == ["unavailable", "unavailable"]
    assert not builder.jobs
    assert NoApt.calls == 1  # the source is looked for once per call, not once per build
    tried = "\n".join(outcomes[0].tried)
    assert "uv is not installed" in tried
    assert f"${provision.ENV_SOURCE}: not set" in tried
    assert "Debian source package python3.13" in tried and "no network" in tried
    text = provision.explain(outcomes)
    assert interpreters.ENV_PYTHONS in text and provision.ENV_SOURCE in text and provision.ENV_SKIP in text
    status = provision.last_status()
    assert [o["status"] for o in status["outcomes"]] == ["unavailable", "unavailable"]


def test_a_bad_named_source_is_an_error_not_a_silent_fallback(env, monkeypatch):
    monkeypatch.setenv(provision.ENV_SOURCE, str(env / "nowhere.tar.xz"))
    NoApt.calls = 0
    outcomes = run([FREE_THREADED], builder=FakeBuilder(), use_found=False)
    assert outcomes[0].status == "unavailable"
    assert any(provision.ENV_SOURCE in t and "neither" in t for t in outcomes[0].tried)
    assert NoApt.calls == 0


def test_interpreters_already_on_the_host_are_used(env, monkeypatch):
    ft = fake_python(env / "elsewhere" / "ft" / "python3.13t", free_threaded=True)
    gil = fake_python(env / "bin" / "python3.13", free_threaded=False)
    monkeypatch.setenv(interpreters.ENV_PYTHONS, str(ft))
    builder = FakeBuilder()
    outcomes = run(builder=builder)
    assert [(o.status, o.interpreter.executable) for o in outcomes] == [("found", str(ft)), ("found", str(gil))]
    assert not builder.jobs


@pytest.mark.parametrize("flavour", FLAVOURS, ids=lambda f: f.name)
def test_the_interpreter_running_gilref_is_used_when_it_is_the_build_wanted(env, monkeypatch, flavour):
    # e.g. `python3.13 -m gilref provision` on Debian 13, whose python3 is CPython 3.13.
    me = interpreters.Interpreter(executable=str(env / "host" / flavour.executable_name), implementation="CPython",
                                  version="3.13.5", free_threaded=flavour.free_threaded,
                                  gil_enabled=not flavour.free_threaded, source="host")
    monkeypatch.setattr(interpreters, "host", lambda: me)
    builder = FakeBuilder()
    outcomes = run([flavour], builder=builder)
    assert [(o.status, o.interpreter.executable) for o in outcomes] == [("found", me.executable)]
    assert not builder.jobs


def test_a_found_interpreter_of_the_wrong_build_is_not_taken(env, monkeypatch):
    # python3.13t on PATH that is really a default build: not accepted as free-threaded.
    fake_python(env / "bin" / "python3.13t", free_threaded=False)
    monkeypatch.setenv(provision.ENV_SOURCE, str(fake_source(env / "src")))
    outcomes = run([FREE_THREADED], builder=FakeBuilder())
    assert outcomes[0].status == "built"


def test_uv_that_cannot_download_falls_through_to_a_build(env, monkeypatch):
    uv = env / "bin" / "uv"
    uv.write_text("#!/bin/sh\necho 'error: Failed to download: dns error' >&2\nexit 2\n")
    uv.chmod(0o755)
    monkeypatch.setenv(provision.ENV_SOURCE, str(fake_source(env / "src")))
    outcomes = run([FREE_THREADED], builder=FakeBuilder(), use_found=False)
    assert outcomes[0].status == "built"
    assert any("uv python install 3.13t: failed" in t and "dns error" in t for t in outcomes[0].tried)


def test_uv_that_installs_is_used(env):
    managed = fake_python(env / "uvpythons" / "cpython-3.13.7t" / "bin" / "python3.13t",
                          version="3.13.7", free_threaded=True)
    uv = env / "bin" / "uv"
    uv.write_text(f"""#!/bin/sh
if [ "$2" = install ]; then : > {env}/installed; exit 0; fi
if [ "$2" = find ] && [ -e {env}/installed ]; then echo {managed}; exit 0; fi
exit 2
""")
    uv.chmod(0o755)
    builder = FakeBuilder()
    outcomes = run([FREE_THREADED], builder=builder, use_found=False)
    assert outcomes[0].status == "uv"
    assert outcomes[0].interpreter.version == "3.13.7"
    assert not builder.jobs


def test_numpy_failure_is_recorded_and_not_retried_unless_asked(env):
    prefix = env / "pythons" / "cpython-3.13.5t"
    count = env / "pip-calls"
    python = fake_python(prefix / "bin" / "python3.13t", free_threaded=True,
                         extra=f'case "$*" in *pip*) echo x >> {count}; echo "no network" >&2; exit 1;; '
                               '*numpy*) exit 1;; esac\n')
    first = provision.ensure_numpy(python, progress=quiet)
    assert first.startswith("not installed")
    assert count.read_text().count("x") == 1
    second = provision.ensure_numpy(python, progress=quiet)
    assert "--retry-numpy" in second
    assert count.read_text().count("x") == 1
    provision.ensure_numpy(python, retry=True, progress=quiet)
    assert count.read_text().count("x") == 2
    assert provision.numpy_status(python)["ok"] is False


def test_flavours():
    assert [f.name for f in FLAVOURS] == ["3.13t", "3.13"]
    assert FREE_THREADED.executable_name == "python3.13t"
    assert DEFAULT.kind == "default (GIL)"


def test_real_build_step_reports_missing_tools(env, tmp_path):
    # PATH is empty in this fixture: no make, no compiler. The real builder says so plainly.
    job = BuildJob(FREE_THREADED, tmp_path, tmp_path / "b", tmp_path / "p", tmp_path / "d",
                   tmp_path / "log", 1, quiet)
    with pytest.raises(ProvisionError, match="'make' is not installed"):
        provision.build_cpython(job)


def test_run_step_kills_an_overdue_step_and_keeps_the_log(tmp_path):
    log = tmp_path / "build.log"
    with pytest.raises(ProvisionError, match="took longer than 1 s"):
        provision.run_step(["sh", "-c", "echo started; sleep 30"], cwd=tmp_path, log=log, phase="make",
                           progress=quiet, timeout=1)
    assert "started" in log.read_text()
    with pytest.raises(ProvisionError, match=r"failed \(exit 3\)"):
        provision.run_step(["sh", "-c", "echo oops; exit 3"], cwd=tmp_path, log=log, phase="configure",
                           progress=quiet, timeout=30)


def test_progress_names_phase_and_elapsed_time(tmp_path):
    said: list[str] = []
    provision.run_step(["sh", "-c", "sleep 1.5"], cwd=tmp_path, log=tmp_path / "l", phase="make -j2",
                       progress=said.append, timeout=30, heartbeat=0.5)
    assert said[0] == "make -j2 ..."
    assert any(s.startswith("make -j2 ... ") and s.endswith("s") for s in said[1:-1])
    assert said[-1].startswith("make -j2 done in ")


def test_cli_provision_skipped(env, monkeypatch):
    import subprocess
    import sys

    monkeypatch.setenv(provision.ENV_SKIP, "1")
    proc = subprocess.run([sys.executable, "-m", "gilref", "provision", "--json"], capture_output=True,
                          text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "PATH": os.defpath})
    assert proc.returncode == 0, proc.stderr
    assert [o["status"] for o in json.loads(proc.stdout)["outcomes"]] == ["skipped", "skipped"]


def test_an_unwritable_cache_is_reported_not_raised(env, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    outcomes = run(root=blocker / "pythons", builder=FakeBuilder(), use_found=False)
    assert [o.status for o in outcomes] == ["unavailable", "unavailable"]
    assert "creating gilref's directory" in outcomes[0].tried[0]


def test_an_os_error_in_the_build_is_reported(env, monkeypatch):
    monkeypatch.setenv(provision.ENV_SOURCE, str(fake_source(env / "src")))
    outcomes = run([FREE_THREADED], builder=FakeBuilder(fail=OSError(28, "No space left on device")),
                   use_found=False)
    assert outcomes[0].status == "unavailable"
    assert any("No space left on device" in t for t in outcomes[0].tried)


def test_packages_are_installed_one_by_one_and_recorded(env):
    prefix = env / "pythons" / "cpython-3.13.5t"
    calls = env / "pip-calls"
    # pip "installs" pytest and pytest-run-parallel (a flag file each); NumPy's wheel is missing
    python = fake_python(prefix / "bin" / "python3.13t", free_threaded=True, extra=(
        f'case "$*" in *"pip install"*numpy*) echo numpy >> {calls}; echo "no wheel" >&2; exit 1;; '
        f'*"pip install"*pytest-run-parallel*) echo prp >> {calls}; : > {env}/prp; exit 0;; '
        f'*"pip install"*pytest*) echo pytest >> {calls}; : > {env}/pytest; exit 0;; '
        f'*pytest_run_parallel*) [ -e {env}/prp ] && {{ echo 0.10.0; exit 0; }}; exit 1;; '
        f'*"import importlib.metadata as m, pytest;"*) [ -e {env}/pytest ] && {{ echo 9.0; exit 0; }}; exit 1;; '
        '*numpy*) exit 1;; esac\n'))
    notes = provision.ensure_packages(python, progress=quiet)
    assert list(notes) == list(provision.PACKAGES) == ["numpy", "pytest", "pytest-run-parallel"]
    assert notes["numpy"].startswith("not installed")
    assert notes["pytest"] == "9.0" and notes["pytest-run-parallel"] == "0.10.0"
    assert calls.read_text().split() == ["numpy", "pytest", "prp"]
    assert provision.numpy_status(python)["ok"] is False
    assert provision.package_status(python, "pytest-run-parallel") == {
        **provision.package_status(python, "pytest-run-parallel"), "ok": True, "detail": "0.10.0"}
    # a second call installs nothing: two are importable, NumPy's failure is remembered
    again = provision.ensure_packages(python, progress=quiet)
    assert "--retry-numpy" in again["numpy"]
    assert calls.read_text().split() == ["numpy", "pytest", "prp"]


def test_unknown_package_is_refused(env, tmp_path):
    with pytest.raises(ValueError, match="package must be one of"):
        provision.ensure_package(tmp_path / "bin" / "python3", "requests", progress=quiet)
