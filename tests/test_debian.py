from __future__ import annotations

import pytest

from gilref.provision.debian import AptError, PrivateApt, extract_member, parse_sources

DEB822 = """\
Types: deb
URIs: http://mirror.invalid/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/example.gpg

Types: deb
URIs: http://mirror.invalid/debian-security
Suites: bookworm-security
Components: main
"""


def test_parse_deb822_and_one_line_sources():
    one_line = "deb [arch=amd64 signed-by=/k.gpg] http://other.invalid/debian bookworm main contrib\n# x\n"
    sources = parse_sources([DEB822], [one_line])
    assert [s.uris[0] for s in sources] == [
        "http://mirror.invalid/debian", "http://mirror.invalid/debian-security",
        "http://other.invalid/debian"]
    assert sources[0].suites == ("bookworm", "bookworm-updates")
    assert sources[0].signed_by == "/usr/share/keyrings/example.gpg"
    assert sources[2].signed_by == "/k.gpg" and sources[2].components == ("main", "contrib")


def test_disabled_entries_are_skipped():
    assert parse_sources(["Types: deb\nURIs: http://x.invalid\nSuites: a\nEnabled: no\n"]) == []


def test_private_apt_never_points_at_the_system_state(tmp_path):
    apt = PrivateApt(tmp_path, "trixie", mirror="http://mirror.invalid/debian", keyring="/k.gpg",
                     apt_get="/usr/bin/apt-get")
    opts = " ".join(apt.options())
    assert f"Dir::State::Lists={tmp_path / 'lists'}" in opts
    assert f"Dir::Etc::SourceList={tmp_path / 'sources.list'}" in opts
    assert "Dir::Etc::SourceParts=/dev/null" in opts
    assert "Dir::State::status=/dev/null" in opts
    assert apt.sources_list() == (
        "deb [signed-by=/k.gpg] http://mirror.invalid/debian trixie main\n"
        "deb-src [signed-by=/k.gpg] http://mirror.invalid/debian trixie main\n")


def test_missing_apt_is_a_clear_error(tmp_path):
    apt = PrivateApt(tmp_path, mirror="http://mirror.invalid/debian", keyring="/k.gpg", apt_get="")
    apt.apt_get = None
    with pytest.raises(AptError, match="apt-get is not installed"):
        apt.update()


def test_package_names_are_checked(tmp_path):
    apt = PrivateApt(tmp_path, mirror="http://m.invalid/d", keyring="/k", apt_get="/bin/false")
    with pytest.raises(ValueError, match="not a Debian package name"):
        apt.download("python3; rm -rf /", tmp_path)


def test_extract_member_of_a_non_deb_fails_clearly(tmp_path):
    bogus = tmp_path / "x.deb"
    bogus.write_bytes(b"not a deb")
    with pytest.raises(AptError):
        extract_member(bogus, "objects.inv", tmp_path / "out")
