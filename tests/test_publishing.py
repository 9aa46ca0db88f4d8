"""CI and publishing stay wired up: the README's quick start, .ci/run's checks, the Pages workflow."""

from __future__ import annotations

import re

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


def test_pages_workflow_builds_with_nox_restores_the_caches_and_deploys():
    text = (ROOT / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8")
    assert "nox -s docs" in text
    for path in ("_build/.jupyter_cache", "_build/gilref-results", "~/.cache/gilref"):
        assert path in text, path
    assert "actions/cache@" in text
    assert re.search(r"upload-pages-artifact@v\d+\s*\n\s*with:\s*\n\s*path: _build/html", text)
    assert "actions/deploy-pages@" in text
    assert "pages: write" in text and "id-token: write" in text
