"""`import graph` on the command line: the same policy and list as the window, exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "graph" / "data" / "docs"


def _folder(tmp_path: Path) -> Path:
    """Documentation examples with incomplete objects and types not imported."""
    folder = tmp_path / "export"
    shutil.copytree(DOCS / "rest", folder)
    return folder


def test_incomplete_objects_are_skipped_and_listed_exit_0(plain, tmp_path) -> None:
    folder = _folder(tmp_path)

    report = plain.ok("import", "graph", str(folder))
    text = plain.run("import", "graph", "--dry-run", str(folder))

    assert report["skipped_count"] == 6
    assert {s["field"] for s in report["skipped"]} == {
        "displayName", "userPrincipalName", "id", "appId", None}
    assert {n["type"] for n in report["not_imported"]} >= {
        "oauth2PermissionGrant", "subscribedSku"}
    assert text.rc == 0
    assert "Skipped (6 objects):" in text.stdout
    assert "users-select-displayname-id.v1.json: user \"MOD Administrator\": field " \
        "'userPrincipalName': missing" in text.stdout
    assert "delegated permission grants" in text.stdout
    assert "Dry run: nothing was written" in text.stdout


def test_strict_refuses_with_exit_2_and_one_line(plain, tmp_path) -> None:
    folder = _folder(tmp_path)
    before = plain.ok("users", "list")

    for extra in ((), ("--dry-run",)):
        result = plain.fails(2, "import", "graph", "--strict", *extra, str(folder),
                             match="nothing was imported (--strict): 6 objects")
        assert "MOD Administrator" in result.stderr
    assert plain.ok("users", "list") == before


def test_a_file_that_is_not_json_refuses_all_exit_2(plain, tmp_path) -> None:
    folder = _folder(tmp_path)
    (folder / "broken.json").write_text('{"value": [')

    before = plain.ok("users", "list")

    plain.fails(2, "import", "graph", str(folder), match="broken.json: not JSON")
    assert plain.ok("users", "list") == before
