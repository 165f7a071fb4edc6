"""Exports of the demo directory as an administrator uses them: JSON that reads back as the rows,
CSV a spreadsheet opens (through the command line, with a byte-order mark), Graph-shaped access,
evidence bundles an auditor checks on his own, no secret anywhere, administrators only."""

from __future__ import annotations

import csv
import datetime as dt
import errno
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import peewee as pw
import pytest

from desktop.errors import CannotWrite, Refused, UsageError
from desktop.models import AccessRequest, Application, Assignment, AuditEvent, User
from desktop.services import auth, credentials, exports, mail, requests
from desktop.services.access import list_access
from desktop.services.core import get_setting

DOMAIN = "contoso.example"
KINDS = ("settings", "access", "requests", "audit")
ZERO_ID = "00000000-0000-0000-0000-000000000000"
EVIDENCE_FILES = {"README.txt", "settings.json", "requests.json", "access.json", "audit.json",
                  "checkpoint.json", "chain_head.txt", "verify.py", "reviews.csv"}
ALL_TIME = (dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1))
REPO = Path(__file__).resolve().parents[2]


def person(local: str) -> User:
    return User.get(User.upn == f"{local}@{DOMAIN}")


def written(actor: User, kind: str, fmt: str) -> str:
    buffer = io.StringIO()
    exports.write(actor, kind, fmt, buffer)
    return buffer.getvalue()


# --- JSON -------------------------------------------------------------------------------------


def test_json_export_reads_back_as_the_rows(db: pw.Database, demo: User) -> None:
    for kind in KINDS:
        expected = list(exports.rows(demo, kind))

        text = written(demo, kind, "json")

        assert json.loads(text) == expected, kind
        assert expected, f"the demo has {kind} to export"
        last = AuditEvent.select().order_by(AuditEvent.seq.desc()).first()
        assert (last.action, last.target, last.actor) == ("export", kind, demo.upn)
        details = json.loads(last.details)
        assert details.pop("audit_head").startswith(f"{last.seq - 1}:")  # the log it read
        assert details == {"format": "json", "rows": len(expected)}
    _requests_export_matches_the_database(demo)
    _audit_export_carries_the_chain(demo)


def _requests_export_matches_the_database(demo: User) -> None:
    exported = json.loads(written(demo, "requests", "json"))

    in_db = {r.id: r.status for r in AccessRequest.select()}
    assert len(exported) == len(in_db) == AccessRequest.select().count()
    assert {r["id"]: r["status"] for r in exported} == in_db
    assert {r["status"] for r in exported} >= {"pending", "approved", "denied"}
    assert [r["id"] for r in exported] == sorted(in_db)
    first = exported[0]
    assert set(first) >= {"id", "app", "requester", "status", "justification", "created_at",
                          "decided_by", "decided_at", "reason"}
    assert first["created_at"].endswith("Z")


def _audit_export_carries_the_chain(demo: User) -> None:
    exported = json.loads(written(demo, "audit", "json"))

    assert [e["seq"] for e in exported] == list(range(1, len(exported) + 1))
    for before, after in zip(exported, exported[1:], strict=False):
        assert after["prev_hash"] == before["hash"]


def test_an_empty_export_is_an_empty_list(db: pw.Database, admin: User) -> None:
    assert json.loads(written(admin, "requests", "json")) == []
    assert written(admin, "requests", "csv") == ""


# --- CSV --------------------------------------------------------------------------------------


def _same_cell(cell: Any, value: Any) -> bool:
    if isinstance(value, bool):
        return cell == ("true" if value else "false")
    if isinstance(value, int | float):
        return cell == float(value)  # unquoted, so QUOTE_NONNUMERIC reads a number
    if value is None:
        return cell == ""
    if isinstance(value, list | dict):
        return json.loads(cell) == value
    return cell == value


def test_csv_export_parses_with_header_and_quoted_text(db: pw.Database, demo: User) -> None:
    for kind in KINDS:
        expected = list(exports.rows(demo, kind))

        text = written(demo, kind, "csv")

        # QUOTE_NONNUMERIC reading fails on any unquoted text: every text field is quoted
        table = list(csv.reader(io.StringIO(text, newline=""), quoting=csv.QUOTE_NONNUMERIC))
        header, body = table[0], table[1:]
        assert header == list(expected[0]), kind
        assert text.startswith('"')
        assert len(body) == len(expected), kind
        for cells, row in zip(body, expected, strict=True):
            assert all(_same_cell(c, v) for c, v in zip(cells, row.values(), strict=True)), \
                (kind, cells, row)
    _csv_keeps_non_ascii_text(demo)


def _csv_keeps_non_ascii_text(demo: User) -> None:
    text = written(demo, "audit", "csv")

    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    added = [r for r in rows if r["action"] == "user.add"
             and r["target"] == f"diego.ramirez@{DOMAIN}"]
    assert len(added) == 1
    assert json.loads(added[0]["details"])["name"] == "Diego Ramírez"
    assert "Ramírez" in added[0]["details"]  # not \u00ed


def test_cli_csv_export_is_utf8_with_bom(db: pw.Database, db_url: str, demo: User,
                                         tmp_path: Path) -> None:
    diego = person("diego.ramirez")
    mine = requests.create_request(diego, "Proseware Design",
                                   "Diego Ramírez: client visits in Zürich, São Paulo")["id"]
    out = tmp_path / "requests.csv"

    done = subprocess.run(
        [sys.executable, "-m", "desktop", "--db", db_url, "export", "requests",
         "--format", "csv", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )

    assert done.returncode == 0, done.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "Ramírez".encode() in raw
    assert "Zürich".encode() in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == ["id", "app", "requester", "status", "justification", "created_at",
                             "decided_by", "decided_for", "decided_at", "reason", "kind"]
    assert len(rows) == AccessRequest.select().count()
    (row,) = [r for r in rows if r["id"] == str(mine)]
    assert row["justification"] == "Diego Ramírez: client visits in Zürich, São Paulo"
    assert (row["requester"], row["status"]) == (diego.upn, "pending")
    assert b'"Diego Ram' in raw  # the text field is quoted


# --- Graph shape --------------------------------------------------------------------------------


def test_graph_access_export_is_app_role_assignment_shaped(db: pw.Database, demo: User) -> None:
    exported = json.loads(written(demo, "access", "graph"))

    assert len(exported) == Assignment.select().count() > 0
    for row in exported:
        assert set(row) >= {"id", "principalId", "principalType", "principalDisplayName",
                            "resourceId", "resourceDisplayName", "appRoleId", "createdDateTime"}
        assert row["principalType"] in {"User", "Group"}
        assert row["appRoleId"]
    crm = [r for r in exported if r["resourceDisplayName"] == "Fabrikam CRM"]
    group_rows = [r for r in crm if r["principalType"] == "Group"]
    assert [r["principalDisplayName"] for r in group_rows] == ["SS - Fabrikam CRM users"]
    assert group_rows[0]["appRoleId"] == ZERO_ID  # default access
    user_rows = [r for r in crm if r["principalType"] == "User"]
    assert user_rows
    assert all(r["appRoleId"] != ZERO_ID for r in user_rows)
    app = Application.get(Application.name == "Fabrikam CRM")
    assert {r["resourceId"] for r in crm} == {app.graph_id or f"app-{app.id}"}


def test_wrong_kind_or_format_is_a_usage_error(db: pw.Database, admin: User,
                                               refused: Callable[..., Exception]) -> None:
    for kind in ("settings", "requests", "audit"):
        refused(UsageError, "access only", exports.write, admin, kind, "graph", io.StringIO())
    refused(UsageError, "unknown export", exports.write, admin, "passwords", "json",
            io.StringIO())
    refused(UsageError, "unknown format", exports.write, admin, "audit", "xml", io.StringIO())


# --- who may export -------------------------------------------------------------------------------


def test_only_administrators_export(db: pw.Database, demo: User, tmp_path: Path,
                                    refused: Callable[..., Exception]) -> None:
    for plain in (person("alice.wu"), person("tomas.herrera")):  # an approver, a user
        for kind in KINDS:
            refused(Refused, "export", exports.write, plain, kind, "json", io.StringIO())
            refused(Refused, "export", exports.rows, plain, kind)
        refused(Refused, "export", exports.evidence, plain, "Fabrikam CRM", *ALL_TIME,
                tmp_path / "evidence.zip")
    assert not (tmp_path / "evidence.zip").exists()
    for admin in ("rahul.mehta", "ingrid.solberg"):  # cloud app admin, app admin
        assert json.loads(written(person(admin), "requests", "json"))


# --- no secret in any export ----------------------------------------------------------------------

SMTP_PASSWORD = "Smtp-Secret-Zebra-4417"
USER_PASSWORD = "User-Secret-Walrus-9023"
SSO_PASSWORD = "Sso-Secret-Heron-5581"


def test_no_secret_in_any_export(db: pw.Database, demo: User, tmp_path: Path) -> None:
    mail.configure(demo, host="127.0.0.1", port=2525, security="none", user="desk-mailer",
                   password=SMTP_PASSWORD, sender="access-desk@contoso.example")
    auth.set_password(demo, f"alice.wu@{DOMAIN}", USER_PASSWORD)
    traveller = list_access(demo, "Tailspin Travel")[0]["user"]
    credentials.set_credentials(person("johan.berg"), "Tailspin Travel", traveller,
                                "tt-traveller", SSO_PASSWORD)
    secrets = [SMTP_PASSWORD, USER_PASSWORD, SSO_PASSWORD, "tt-traveller",
               get_setting("mail.password_enc"),
               person("alice.wu").password_hash]
    assert all(secrets)

    texts = [written(demo, kind, fmt) for kind in KINDS for fmt in ("json", "csv")]
    texts.append(written(demo, "access", "graph"))
    raw_zip = b""
    for app in ("Fabrikam CRM", "Tailspin Travel"):
        result = exports.evidence(demo, app, *ALL_TIME, tmp_path / f"{app}.zip")
        with zipfile.ZipFile(result["out"]) as zf:
            texts += [zf.read(name).decode("utf-8") for name in zf.namelist()]
        raw_zip += Path(result["out"]).read_bytes()

    for secret in secrets:
        assert secret is not None
        assert not [t for t in texts if secret in t]
        assert secret.encode() not in raw_zip
    assert any("mail.settings" in t for t in texts)  # the change is exported, not its value
    assert any("credentials.set" in t for t in texts)


# --- evidence bundle ------------------------------------------------------------------------------


def _run_verify(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "verify.py"], cwd=folder, capture_output=True,
                          text=True, timeout=60, check=False)


def test_evidence_bundle_verifies_and_detects_an_edit(
        db: pw.Database, demo: User, tmp_path: Path, refused: Callable[..., Exception]) -> None:
    app = Application.get(Application.name == "Fabrikam CRM")
    head = AuditEvent.select().order_by(AuditEvent.seq.desc()).first()
    out = tmp_path / "bundle" / "crm-evidence.zip"

    result = exports.evidence(demo, "Fabrikam CRM", *ALL_TIME, out)

    folder = tmp_path / "extracted"
    with zipfile.ZipFile(out) as zf:
        assert set(zf.namelist()) == EVIDENCE_FILES
        zf.extractall(folder)
    app_requests = AccessRequest.select().where(AccessRequest.application == app)
    bundled = json.loads((folder / "requests.json").read_text(encoding="utf-8"))
    assert {r["id"]: r["status"] for r in bundled} == {r.id: r.status for r in app_requests}
    assert result["requests"] == len(bundled) > 0
    events = json.loads((folder / "audit.json").read_text(encoding="utf-8"))
    assert result["events"] == len(events) > 0
    assert {e["seq"] for e in events} == {
        e.seq for e in AuditEvent.select().where(AuditEvent.application_id == app.id)
        if e.seq <= head.seq}
    settings = json.loads((folder / "settings.json").read_text(encoding="utf-8"))
    assert settings["app"] == "Fabrikam CRM"
    assert settings["role"] == "Sales.Rep"
    access = json.loads((folder / "access.json").read_text(encoding="utf-8"))
    assert len(access) == result["members"]
    assert (folder / "chain_head.txt").read_text().split() == [str(head.seq), head.hash]
    assert "Fabrikam CRM" in (folder / "README.txt").read_text(encoding="utf-8")

    ok = _run_verify(folder)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"{len(events)} events checked, 0 problems" in ok.stdout

    events[len(events) // 2]["details"]["tampered"] = True
    (folder / "audit.json").write_text(json.dumps(events, indent=2), encoding="utf-8")
    bad = _run_verify(folder)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "not match" in bad.stdout

    last = AuditEvent.select().order_by(AuditEvent.seq.desc()).first()
    assert (last.action, last.target) == ("export.evidence", "Fabrikam CRM")

    start, end = ALL_TIME  # a period backwards: refused, nothing written
    refused(UsageError, "after", exports.evidence, demo, "Fabrikam CRM", end, start,
            tmp_path / "e.zip")
    assert not (tmp_path / "e.zip").exists()


# --- writing files (issue 12: one service for both front ends; issue 17, items 9 and 10) ------


def test_a_write_that_fails_half_way_leaves_the_target_as_it_was(
        db: pw.Database, demo: User, tmp_path: Path, monkeypatch: Any) -> None:
    target = tmp_path / "audit.csv"
    target.write_bytes(b"yesterday's export\n")
    events = AuditEvent.select().count()

    def full_disk(iterator: Any, fmt: str, out: Any) -> int:
        out.write("half a file")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(exports, "_write_rows", full_disk)
    with pytest.raises(CannotWrite, match="the disk is full") as caught:
        exports.write_file(demo, "audit", "csv", target)

    assert caught.value.exit_code == 4
    assert target.read_bytes() == b"yesterday's export\n"
    assert not list(tmp_path.glob("*.part"))  # no temporary file left
    assert AuditEvent.select().count() == events  # nothing was exported: nothing audited


def test_write_file_is_audited_and_csv_carries_a_byte_order_mark(
        db: pw.Database, demo: User, tmp_path: Path) -> None:
    view = exports.write_file(demo, "settings", "csv", tmp_path / "s.csv")

    raw = (tmp_path / "s.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf\"app\"")
    assert view == {"export": "settings", "format": "csv", "out": str(tmp_path / "s.csv"),
                    "rows": raw.count(b"\r\n") - 1}
    last = AuditEvent.select().order_by(AuditEvent.seq.desc()).first()
    assert (last.action, last.target, json.loads(last.details)["rows"]) == (
        "export", "settings", view["rows"])
    assert not (tmp_path / "j.json").exists()
    exports.write_file(demo, "settings", "json", tmp_path / "j.json")
    assert (tmp_path / "j.json").read_bytes().startswith(b"[")  # JSON: no byte-order mark
