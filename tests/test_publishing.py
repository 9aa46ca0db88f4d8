"""CI and publishing stay wired up: the README's quick start, .ci/run's checks, the Pages workflow."""

from __future__ import annotations

import ast
import re
from typing import Any

import yaml

from .conftest import ROOT


def _quick_start() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text.split("## Quick start", 1)[1], re.S)
    assert block, "README has no quick start block"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.split("#", 1)[0].strip()]


def test_readme_quick_start_is_two_commands():
    commands = _quick_start()
    assert len(commands) == 2, commands
    assert any("nox -s docs" in c for c in commands)


def test_ci_runs_lint_the_offline_build_under_the_leak_check_and_the_browser():
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "nox -s lint" in text
    assert "python3 .ci/offline.py --check" in text
    assert re.search(r"tests/leakcheck\.py -- python3 \.ci/offline\.py -- python3 -m nox -R -s docs", text)
    assert "nox -s browser" in text
    assert text.index("offline.py --check") < text.index("nox -s browser")


WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"
#: The interpreters the published edition measures, beside the one running the build.
MEASURED = ("3.14", "3.14t", "3.13", "3.13t")


def _workflow() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "pages.yml is not a YAML mapping"
    return data


def _steps(job: str) -> list[dict[str, Any]]:
    return list(_workflow()["jobs"][job]["steps"])


def _step(job: str, name: str) -> dict[str, Any]:
    found = [s for s in _steps(job) if s.get("name") == name]
    assert len(found) == 1, f"{job} has {len(found)} steps named {name!r}"
    return found[0]


def _uses(step: dict[str, Any], action: str) -> bool:
    return str(step.get("uses", "")).split("@", 1)[0] == action


def test_pages_workflow_builds_with_nox_restores_the_caches_and_deploys():
    build = _steps("build")
    assert any("nox -s docs" in str(s.get("run", "")) for s in build)
    cache = [s for s in build if _uses(s, "actions/cache")]
    assert len(cache) == 1
    paths = cache[0]["with"]["path"].split()
    for path in ("_build/.jupyter_cache", "_build/gilref-results", "~/.cache/gilref"):
        assert path in paths, path
    # restored before anything runs that writes into those directories
    assert build.index(cache[0]) < min(i for i, s in enumerate(build) if "run" in s)
    upload = [s for s in build if _uses(s, "actions/upload-pages-artifact")]
    assert len(upload) == 1 and upload[0]["with"]["path"] == "_build/html"
    deploy = _workflow()["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert any(_uses(s, "actions/deploy-pages") for s in deploy["steps"])
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


def test_pages_workflow_measures_314_and_313_in_both_builds():
    """setup-python supplies CPython 3.14, 3.14t, 3.13 and 3.13t, one step (and id) each,
    and the build gets exactly their paths in GILREF_PYTHONS, newest series first."""
    build = _steps("build")
    ids = {}
    for step in build:
        if _uses(step, "actions/setup-python") and "id" in step:
            ids[str(step["with"]["python-version"])] = step["id"]
    assert set(ids) == set(MEASURED), ids
    expected = ":".join("${{ steps." + ids[v] + ".outputs.python-path }}" for v in MEASURED)
    docs = next(s for s in build if "nox -s docs" in str(s.get("run", "")))
    assert docs["env"]["GILREF_PYTHONS"] == expected
    numpy = _step("build", "Install NumPy into the measured interpreters")
    assert numpy["env"]["GILREF_PYTHONS"] == expected
    assert "pip install --only-binary=:all:" in numpy["run"] and "numpy" in numpy["run"]
    assert build.index(numpy) < build.index(docs)
    # The interpreter running nox is set up after the measured ones, so it is `python`.
    setups = [s for s in build if _uses(s, "actions/setup-python")]
    assert "id" not in setups[-1] and str(setups[-1]["with"]["python-version"]) not in MEASURED
    # setup-python supplies them: nothing is built from source on the runner.
    assert _workflow()["jobs"]["build"]["env"]["GILREF_SKIP_PROVISION"] == "1"


def test_pages_workflow_pins_actions_and_grants_each_job_only_what_it_needs():
    text = WORKFLOW.read_text(encoding="utf-8")
    uses = re.findall(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", text, re.M)
    assert len(uses) >= 6, uses
    for ref, rest in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), f"{ref} is not pinned to a commit"
        assert re.fullmatch(r"\s*#\s*v\d+(\.\d+)*", rest), f"{ref} lacks a '# vX.Y.Z' comment"
    workflow = _workflow()
    assert workflow["permissions"] == {}
    assert workflow["jobs"]["build"]["permissions"] == {"contents": "read"}
    checkout = [s for s in _steps("build") if _uses(s, "actions/checkout")]
    assert checkout and all(s["with"]["persist-credentials"] is False for s in checkout)


def test_lint_session_audits_the_workflows_with_zizmor():
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    lint = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "lint")
    runs = [[a.value for a in call.args if isinstance(a, ast.Constant)]
            for call in ast.walk(lint)
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "run"]
    assert ["zizmor", "--offline", ".github/workflows"] in runs, runs
    # tomllib is 3.11+: read the lint group's list as text
    group = re.search(r"^lint = \[(.*?)^\]", (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M | re.S)
    assert group and re.search(r'^\s*"zizmor\b', group.group(1), re.M), "zizmor is not in the lint group"


def test_pages_workflow_links_the_repository_and_commit_it_builds_from():
    """The build gets the repository and commit through environment variables (no ``${{ }}``
    pasted into the shell: template injection) and hands them to Sphinx as the two
    configuration values docs/_ext/gilrepo.py reads."""
    docs = _step("build", "Build the book")
    env = docs["env"]
    assert env["GILREF_REPOSITORY"] == "${{ github.server_url }}/${{ github.repository }}"
    assert env["GILREF_REPOSITORY_REF"] == "${{ github.sha }}"
    run = str(docs["run"])
    assert "${{" not in run, "a ${{ }} value pasted into the shell"
    assert re.search(r'nox -s docs -- .*-D "gilref_repository=\$GILREF_REPOSITORY"', run)
    assert '-D "gilref_repository_ref=$GILREF_REPOSITORY_REF"' in run
    for step in _steps("build"):
        assert "${{" not in str(step.get("run", "")), f"step {step.get('name')!r} pastes ${{{{ }}}} into its shell"
    # a local build links no repository: the values are empty in conf.py
    conf = (ROOT / "conf.py").read_text(encoding="utf-8")
    assert re.search(r'^gilref_repository = ""$', conf, re.M) and re.search(r'^gilref_repository_ref = ""$', conf, re.M)
    assert '"gilrepo"' in conf
