"""Export files as the command line writes them (issue 17, items 9 and 10): readable by their
owner only, written beside the target and renamed, so a refused or failed export leaves the
target as it was, and a target that cannot be written is one clear line, never exit 1."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from .conftest import Cli, upn

OLD = b"an older file the export must not touch\n"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_exports_and_evidence_bundles_are_created_readable_by_their_owner_only(
        demo: Cli, tmp_path: Path) -> None:
    os.umask(0o022)  # the usual umask: files would be 0644 without care
    out = tmp_path / "out"
    for what, fmt, name in (("requests", "csv", "r.csv"), ("audit", "json", "a.json"),
                            ("access", "graph", "g.json")):
        demo.ok("export", what, "--format", fmt, "--out", str(out / name))
        assert mode(out / name) == 0o600, name
    view = demo.ok("export", "evidence", "Fabrikam CRM", "--from", "2000-01-01", "--to",
                   "2100-01-01", "--out", str(out / "e.zip"))
    assert view["out"] == str(out / "e.zip")
    assert mode(out / "e.zip") == 0o600
    assert sorted(p.name for p in out.iterdir()) == ["a.json", "e.zip", "g.json", "r.csv"]


def test_a_refused_export_leaves_the_target_untouched(demo: Cli, tmp_path: Path) -> None:
    target = tmp_path / "access.csv"
    target.write_bytes(OLD)
    demo.fails(3, "export", "access", "--format", "csv", "--out", str(target),
               as_upn=upn("diego.ramirez"))
    zipped = tmp_path / "e.zip"
    zipped.write_bytes(OLD)
    demo.fails(4, "export", "evidence", "No Such App", "--from", "2000-01-01", "--to",
               "2100-01-01", "--out", str(zipped))
    assert target.read_bytes() == OLD
    assert zipped.read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["access.csv", "e.zip", "home"]


def test_a_folder_as_out_is_a_usage_error(demo: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    demo.fails(2, "export", "settings", "--out", str(folder), match="is a folder")
    demo.fails(2, "export", "evidence", "Fabrikam CRM", "--from", "2000-01-01", "--to",
               "2100-01-01", "--out", str(folder), match="is a folder")
    assert list(folder.iterdir()) == []


def test_an_unwritable_target_is_one_line_and_stays_as_it_was(demo: Cli,
                                                              tmp_path: Path) -> None:
    plain_file = tmp_path / "a-file"
    plain_file.write_bytes(OLD)
    demo.fails(2, "export", "settings", "--out", str(plain_file / "settings.json"),
               match="cannot write")
    assert plain_file.read_bytes() == OLD
    if os.geteuid() == 0:
        return  # root writes into read-only folders
    locked = tmp_path / "locked"
    locked.mkdir()
    target = locked / "settings.json"
    target.write_bytes(OLD)
    locked.chmod(0o500)
    try:
        demo.fails(2, "export", "settings", "--out", str(target), match="cannot write")
        assert target.read_bytes() == OLD
        assert sorted(p.name for p in locked.iterdir()) == ["settings.json"]
    finally:
        locked.chmod(0o700)


def test_a_full_disk_exits_4_and_leaves_nothing_behind(demo: Cli, tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    # /dev/full refuses every write with ENOSPC; a device is written into, never replaced.
    demo.fails(4, "export", "audit", "--out", "/dev/full", match="disk is full")
