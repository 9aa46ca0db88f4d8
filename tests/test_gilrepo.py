"""docs/_ext/gilrepo.py: links into the repository when one is configured, and none otherwise."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "docs" / "_ext"))
import gilrepo

REPO = "https://github.com/example-owner/gilref"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def test_a_file_is_linked_at_the_ref_and_at_head_without_one():
    assert gilrepo.file_url(REPO, COMMIT, "examples/countdown.py") == f"{REPO}/blob/{COMMIT}/examples/countdown.py"
    assert gilrepo.file_url(REPO, "", "/examples/x.py") == f"{REPO}/blob/HEAD/examples/x.py"


def _book(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "docs" / "examples").mkdir(parents=True)
    (src / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'docs' / '_ext')!r})\n"
        "extensions = ['myst_parser', 'gilrepo']\n"
        "html_theme = 'sphinx_book_theme'\n"
        "html_theme_options = {'use_download_button': True}\n"
        "gilref_repository = ''\n"
        "gilref_repository_ref = ''\n"
    )
    (src / "docs" / "index.md").write_text(
        "# A page\n\nThe script: {repo-file}`countdown.py in the repository <examples/countdown.py>`.\n"
    )
    return src


def _build(src: Path, out: Path, *overrides: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "-c", str(src), "-D", "language=en",
         *overrides, str(src / "docs"), str(out)],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    return (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_pages_link_their_source_and_files_only_when_a_repository_is_set(tmp_path):
    src = _book(tmp_path)
    local = _build(src, tmp_path / "local")
    assert "example-owner" not in local and "/blob/" not in local
    assert re.search(r"<code[^>]*>.*examples/countdown\.py.*</code>", local), "the path is shown as text"
    assert "gilref-repo-file" not in local

    linked = _build(src, tmp_path / "linked", "-D", f"gilref_repository={REPO}/",
                    "-D", f"gilref_repository_ref={COMMIT}")
    assert f'href="{REPO}/blob/{COMMIT}/examples/countdown.py"' in linked
    assert f'href="{REPO}"' in linked, "the theme's repository button"
    assert f"{REPO}/blob/{COMMIT}/docs/index.md" in linked, "the theme's source button links the page's file"


@pytest.mark.slow
def test_an_address_that_is_not_a_repository_is_refused_with_a_warning(tmp_path):
    src = _book(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-c", str(src),
         "-D", "gilref_repository=javascript:alert(1)", str(src / "docs"), str(tmp_path / "bad")],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    assert "gilref_repository must be an https:// address" in proc.stderr
    html = (tmp_path / "bad" / "index.html").read_text(encoding="utf-8")
    assert "javascript:" not in html and "gilref-repo-file" not in html
