"""`access-desk check` (issue 17 item 15): the demo checks clean; changes made behind Access
Desk's back are reported with the rows concerned; a damaged file exits 4 for every command."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from desktop.cli import main
from desktop.models.schema import close_database

DEMO_ADMIN = "megan.bowen@contoso.example"


@pytest.fixture
def demo_file(_demo_sqlite_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo.db"
    target.write_bytes(_demo_sqlite_template.read_bytes())
    return target


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The command line in this process: (exit code, stdout, stderr)."""
    try:
        code = main(list(args))
    finally:
        close_database()
    out, err = capsys.readouterr()
    return code, out, err


def check(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, dict[str, Any], str]:
    code, out, err = run(capsys, "--db", str(path), "check", "--json")
    return code, json.loads(out), err.strip()


def sql(path: Path, *statements: str) -> None:
    con = sqlite3.connect(path)
    try:
        for statement in statements:
            con.execute(statement)
        con.commit()
    finally:
        con.close()


def findings(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return next(c for c in report["checks"] if c["name"] == name)["findings"]


def test_the_demo_checks_clean_and_fast(demo_file, capsys):
    code, report, err = check(capsys, demo_file)
    assert (code, err) == (0, "")
    assert report["ok"] is True
    assert report["problems"] == 0
    assert [c["name"] for c in report["checks"]] == [
        "file", "audit", "search", "counters", "requests", "memberships", "assignments",
        "settings"]
    assert all(c["status"] == "ok" for c in report["checks"]), report
    assert report["seconds"] < 1
    code, out, _err = run(capsys, "--db", str(demo_file), "check")
    assert code == 0
    assert out.startswith(f"Checked {demo_file} in ")
    assert "everything checks out" in out.splitlines()[0]


USER = "(SELECT id FROM user WHERE upn = '{}')"
APP = "(SELECT id FROM application WHERE name = '{}')"
GROUP = "(SELECT id FROM \"group\" WHERE name = '{}')"

# (what was done in SQL, the statements, the check that reports it, what its rows say)
TAMPERING = [
    ("a pending request approved",
     ["UPDATE access_request SET status = 'approved' WHERE id = 22"],
     "requests", {"request": 22, "app": "Fabrikam CRM", "status": "approved",
                  "requester": "nadia.petrova@contoso.example", "audit_log_says": "pending"}),
    ("a denied request turned approved",
     ["UPDATE access_request SET status = 'approved' WHERE id = "
      "(SELECT min(id) FROM access_request WHERE status = 'denied')"],
     "requests", {"status": "approved", "audit_log_says": "request.deny"}),
    ("a request inserted",
     [f"INSERT INTO access_request (application_id, requester_id, status, created_at) "
      f"VALUES ({APP.format('Litware Wiki')}, {USER.format('aisha.khan@contoso.example')}, "
      "'cancelled', '2026-01-01 00:00:00')"],
     "requests", {"app": "Litware Wiki", "requester": "aisha.khan@contoso.example"}),
    ("a group membership inserted",
     [f"INSERT INTO group_member (group_id, user_id, source, added_at) VALUES "
      f"({GROUP.format('SS - Fabrikam CRM users')}, "
      f"{USER.format('aisha.khan@contoso.example')}, 'manual', '2026-01-01 00:00:00')"],
     "memberships", {"group": "SS - Fabrikam CRM users", "user": "aisha.khan@contoso.example",
                     "audit_log_says": "never added"}),
    ("a group membership deleted",
     [f"DELETE FROM group_member WHERE group_id = {GROUP.format('SS - Tailspin Travel users')} "
      f"AND source = 'self_service'"],
     "memberships", {"group": "SS - Tailspin Travel users"}),
    ("an app role assignment inserted",
     [f"INSERT INTO assignment (application_id, user_id, role_id, graph_id, created_at) VALUES "
      f"({APP.format('Fabrikam CRM')}, {USER.format('aisha.khan@contoso.example')}, "
      "(SELECT id FROM app_role WHERE value = 'Sales.Manager'), 'x', '2026-01-01 00:00:00')"],
     "assignments", {"app": "Fabrikam CRM", "user": "aisha.khan@contoso.example",
                     "role": "Sales.Manager", "audit_log_says": "never assigned"}),
    ("a self-service setting changed",
     [f"UPDATE self_service_settings SET require_approval = 0 "
      f"WHERE application_id = {APP.format('Fabrikam CRM')}"],
     "settings", {"app": "Fabrikam CRM", "setting": "require_approval", "stored": False,
                  "audit_log_says": True}),
    ("an approver added",
     [f"INSERT INTO self_service_approver (settings_id, user_id, position) VALUES "
      f"((SELECT id FROM self_service_settings WHERE application_id = "
      f"{APP.format('Tailspin Travel')}), {USER.format('aisha.khan@contoso.example')}, 5)"],
     "settings", {"app": "Tailspin Travel", "setting": "approvers"}),
    ("a kept count changed",
     [f"UPDATE application SET pending_count = 7 WHERE id = {APP.format('Litware Wiki')}"],
     "counters", {"app": "Litware Wiki", "stored": 7, "pending": 0}),
    ("the search index left behind",
     ["DROP TRIGGER user_search_update",
      "UPDATE user SET display_name = 'Zed' WHERE upn = 'aisha.khan@contoso.example'"],
     "search", {"index": "user_search"}),
]


@pytest.mark.parametrize(("case", "statements", "part", "row"), TAMPERING,
                         ids=[t[0] for t in TAMPERING])
def test_a_change_behind_access_desks_back_is_reported_with_its_rows(
        demo_file, capsys, case, statements, part, row):
    sql(demo_file, *statements)
    code, report, err = check(capsys, demo_file)
    assert code == 3, err
    assert err.startswith("access-desk: check found ")
    assert "\n" not in err
    assert report["ok"] is False
    rows = [r for f in findings(report, part) for r in f["rows"]]
    assert any(all(r.get(k) == v for k, v in row.items()) for r in rows), (case, rows)
    # The audit chain itself is intact: only check sees these.
    assert next(c for c in report["checks"] if c["name"] == "audit")["status"] == "ok"


def test_check_is_for_global_administrators(demo_file, capsys):
    code, out, err = run(capsys, "--db", str(demo_file), "--as",
                         "rahul.mehta@contoso.example", "check")
    assert code == 3
    assert out == ""
    assert "only a Global Administrator may check the database" in err


def root_page(path: Path, name: str) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                               (name,)).fetchone()[0])
    finally:
        con.close()


def overwrite_page(path: Path, page: int) -> None:
    with path.open("r+b") as fh:
        fh.seek((page - 1) * 4096)
        fh.write(b"\x0d" + b"\xff" * 4095)


@pytest.mark.parametrize("command", [
    ["users", "list"], ["whoami"], ["catalog"], ["requests", "--all"], ["audit", "verify"],
    ["apps", "list"], ["users", "add", "x@contoso.example", "--name", "X"], ["check"],
    ["export", "requests"],
])
def test_a_damaged_database_exits_4_naming_the_file_and_the_backup(demo_file, capsys,
                                                                   command):
    overwrite_page(demo_file, root_page(demo_file, "user"))
    code, _out, err = run(capsys, "--db", str(demo_file), *command)
    assert code == 4, err
    assert err.strip().splitlines() == [
        f"access-desk: the database {demo_file} is damaged (database disk image is "
        "malformed); restore your latest backup (made with access-desk backup FILE) in its "
        "place"]


def test_a_damaged_index_is_found_by_check_alone(demo_file, capsys):
    overwrite_page(demo_file, root_page(demo_file, "user_display_name_lower"))
    assert run(capsys, "--db", str(demo_file), "users", "list")[0] == 0  # unnoticed
    assert run(capsys, "--db", str(demo_file), "audit", "verify")[0] == 0
    code, report, err = check(capsys, demo_file)
    assert code == 4
    assert err == (f"access-desk: the database {demo_file} is damaged: restore your latest "
                   "backup (made with access-desk backup FILE) in its place")
    assert report["damaged"] is True
    assert next(c for c in report["checks"] if c["name"] == "file")["status"] == "damaged"


@pytest.mark.postgres
def test_the_demo_checks_clean_on_postgresql(pg_url):
    from desktop.demo.build import build_demo
    from desktop.models.schema import open_database
    from desktop.services import check as service

    open_database(pg_url, init=True)
    try:
        admin = build_demo()
        report = service.run(admin)
    finally:
        close_database()
    assert report["ok"] is True, report
    assert next(c for c in report["checks"] if c["name"] == "file")["status"] in ("ok",
                                                                                 "skipped")
