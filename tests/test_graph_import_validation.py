"""The Graph import checks values with the validators `users add` and the windows use: an
invalid UPN, a name with a control character, a group name over 255 characters, an id like
../../etc/passwd are each skipped with the problem named and the rest imported (with --strict
nothing is imported); a name mixing scripts is imported with a warning; the real guest
fixtures stay valid."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import peewee as pw
import pytest

from desktop.errors import UsageError
from desktop.models import Application, Assignment, Group, GroupMember, User
from desktop.services import applications, directory, graph_import, validators
from desktop.services.validators import InvalidValue

DATA = Path(__file__).resolve().parent / "graph" / "data"
Dump = Callable[[], dict[str, list[tuple[Any, ...]]]]


def gid(n: int) -> str:
    return f"0a000000-7e57-4a11-9d00-{n:012d}"


GOOD_USER = {"id": gid(1), "userPrincipalName": "alice@contoso.test", "displayName": "Alice"}
DEFAULT = "00000000-0000-0000-0000-000000000000"  # default access: no specific app role
SP = {"id": gid(50), "appId": gid(51), "displayName": "Salesforce",
      "servicePrincipalType": "Application"}

# (what, users.json items beside the good user, field named, problem named)
BAD_USERS = [
    ("an invalid UPN", {"userPrincipalName": "not an upn"}, "userPrincipalName",
     "not a user principal name like name@example.com: a space is not allowed"),
    ("a homoglyph UPN", {"userPrincipalName": "b\u043eb@contoso.test"}, "userPrincipalName",
     "U+043E CYRILLIC SMALL LETTER O"),
    ("a dot before the @", {"userPrincipalName": "bob.@contoso.test"}, "userPrincipalName",
     "a . right before the @"),
    ("an escape sequence", {"displayName": "Evil\x1b[2J"}, "displayName",
     "contains a control character (U+001B)"),
    ("a new line", {"displayName": "Two\nlines"}, "displayName",
     "contains a control character (U+000A)"),
    ("a bidi override", {"displayName": "Eve\u202eevil"}, "displayName",
     "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("a zero-width space", {"department": "Sa\u200bles"}, "department",
     "U+200B ZERO WIDTH SPACE"),
    ("a name over 255", {"displayName": "n" * 256}, "displayName",
     "at most 255 characters (this one has 256)"),
    ("an id like a path", {"id": "../../etc/passwd"}, "id", "not a Graph id"),
]


def _write(folder: Path, name: str, items: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps({"value": items}), encoding="utf-8")


def _bad_user(changes: dict[str, Any]) -> dict[str, Any]:
    return {"id": gid(2), "userPrincipalName": "bob@contoso.test", "displayName": "Bob",
            **changes}


@pytest.mark.parametrize(("what", "changes", "field", "problem"), BAD_USERS,
                         ids=[case[0] for case in BAD_USERS])
def test_an_invalid_user_is_skipped_naming_the_problem_and_strict_refuses_all(
        db: pw.Database, admin: User, dump: Dump, tmp_path: Path,
        what: str, changes: dict[str, Any], field: str, problem: str) -> None:
    folder = tmp_path / "export"
    _write(folder, "users.json", [_bad_user(changes), GOOD_USER])
    # a membership of the skipped user is skipped with it; the good one is imported
    _write(folder, "groups.json", [{"id": gid(20), "displayName": "Sales",
                                    "securityEnabled": True,
                                    "members": [{"id": gid(1)}, {"id": gid(2)}]}])
    before = dump()

    with pytest.raises(UsageError, match=r"nothing was imported \(--strict\)") as refused:
        graph_import.import_graph(admin, [folder], strict=True)
    assert problem in str(refused.value)
    assert dump() == before

    report = graph_import.import_graph(admin, [folder])

    users = [s for s in report.skipped if s.kind == "user"]
    assert len(users) == 1, report.skipped
    assert users[0].field == field
    assert problem in users[0].problem
    assert Path(users[0].file).name == "users.json"
    assert users[0].line().isprintable()  # a control character is named, never printed
    assert User.get_or_none(User.upn == "alice@contoso.test") is not None
    assert {m.user.upn for m in GroupMember.select()} == {"alice@contoso.test"}
    assert User.select().where(User.graph_id == gid(2)).count() == 0
    assert report.added["users"] == 1


@pytest.mark.parametrize(("file", "items", "kind", "field", "problem"), [
    ("groups.json", [{"id": gid(21), "displayName": "g" * 256, "securityEnabled": True}],
     "group", "displayName", "at most 255 characters"),
    ("groups.json", [{"id": gid(21), "displayName": "Ops\x07", "securityEnabled": True}],
     "group", "displayName", "control character (U+0007)"),
    ("servicePrincipals.json", [{**SP, "id": gid(52), "appId": gid(53),
                                 "displayName": "CRM\u2066"}],
     "servicePrincipal", "displayName", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("servicePrincipals.json", [{**SP, "id": gid(52), "appId": gid(53), "displayName": "CRM",
                                 "appRoles": [{"id": gid(54), "value": "a\x1bb",
                                               "allowedMemberTypes": ["User"]}]}],
     "servicePrincipal", "appRoles[0].value", "control character (U+001B)"),
    ("appRoleAssignments.json", [{"id": "../../etc/passwd", "principalId": gid(1),
                                  "resourceId": gid(50), "appRoleId": DEFAULT}],
     "appRoleAssignment", "id", "not a Graph object id"),
    ("appRoleAssignments.json", [{"id": "a" * 300, "principalId": gid(1),
                                  "resourceId": gid(50), "appRoleId": DEFAULT}],
     "appRoleAssignment", "id", "not a Graph object id"),
], ids=["group name over 255", "group name with a bell", "app name with an isolate",
        "role value with an escape", "assignment id like a path", "assignment id too long"])
def test_every_kind_of_object_is_skipped_the_same_way(
        db: pw.Database, admin: User, dump: Dump, tmp_path: Path, file: str,
        items: list[dict[str, Any]], kind: str, field: str, problem: str) -> None:
    folder = tmp_path / "export"
    _write(folder, "users.json", [GOOD_USER])
    _write(folder, "servicePrincipals.json", [SP])
    good_assignment = {"id": "41W1zT6z1U-kJxf62svfp1HFE8pMZhxDun-ThPczmJE",
                       "principalId": gid(1), "resourceId": gid(50), "appRoleId": DEFAULT}
    existing = json.loads((folder / file).read_text()) if (folder / file).exists() else None
    _write(folder, "assignments-good.json", [good_assignment])
    _write(folder, file, [*(existing or {"value": []})["value"], *items])
    before = dump()

    with pytest.raises(UsageError, match=r"nothing was imported \(--strict\): 1 object "):
        graph_import.import_graph(admin, [folder], strict=True)
    assert dump() == before
    report = graph_import.import_graph(admin, [folder])

    assert [(s.kind, s.field) for s in report.skipped] == [(kind, field)]
    assert problem in report.skipped[0].problem
    assert User.select().count() == 2  # the administrator and Alice
    assert Application.select().count() == 1
    assert Assignment.select().count() == 1
    assert Group.select().where(pw.fn.LENGTH(Group.name) > validators.MAX_TEXT).count() == 0


def test_a_name_mixing_scripts_is_imported_with_a_warning(db: pw.Database, admin: User,
                                                         tmp_path: Path) -> None:
    folder = tmp_path / "export"
    mixed = [{"id": gid(10 + n), "displayName": f"P\u0430ul Smith {n}",
              "userPrincipalName": f"paul{n}@contoso.test"} for n in range(7)]
    _write(folder, "users.json", [GOOD_USER, *mixed])

    report = graph_import.import_graph(admin, [folder])

    assert report.skipped == []
    assert User.get(User.upn == "paul0@contoso.test").display_name == "P\u0430ul Smith 0"
    warned = [w for w in report.warnings if "mixes" in w]
    assert len(warned) == 5  # the first few told, the rest counted
    assert "users.json: user \"paul0@contoso.test\": field 'displayName': the name mixes " \
        "Latin and Cyrillic letters in one word ('Pаul')" in warned[0]
    assert any(w.startswith("and 2 more warnings like these in ") for w in report.warnings)


def test_the_import_and_users_add_refuse_the_same_values(db: pw.Database, admin: User,
                                                          dump: Dump, tmp_path: Path) -> None:
    """One set of validators: what the import skips, `users add` (and the windows) refuse
    with the same problem, exit code 2."""
    for what, changes, _field, problem in BAD_USERS:
        if "id" in changes:
            continue  # a Graph id is the import's alone
        values = _bad_user(changes)
        before = dump()
        with pytest.raises(InvalidValue) as refused:
            directory.add_user(admin, values["userPrincipalName"], values["displayName"],
                               department=values.get("department"))
        assert problem in str(refused.value), what
        assert refused.value.exit_code == 2
        assert dump() == before
    with pytest.raises(InvalidValue, match="at most 255 characters"):
        directory.add_group(admin, "g" * 256)
    with pytest.raises(InvalidValue, match=r"U\+2066"):
        applications.add_application(admin, "CRM\u2066")
    with pytest.raises(InvalidValue, match=r"U\+001B"):
        applications.add_application(admin, "CRM", roles=[applications.parse_role("a\x1bb")])


def _upns(document: Any) -> list[str]:
    if isinstance(document, dict):
        found = [v for k, v in document.items()
                 if k.lower() == "userprincipalname" and isinstance(v, str)]
        return found + [u for v in document.values() for u in _upns(v)]
    if isinstance(document, list):
        return [u for v in document for u in _upns(v)]
    return []


def test_every_upn_of_the_real_fixtures_is_valid_guests_included() -> None:
    found = []
    # tests/graph/data holds copies of the shared fixtures (tests never read outside the repo).
    for root in (DATA,):
        for path in sorted(root.rglob("*.json")):
            raw = path.read_bytes()
            text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else \
                raw.decode("utf-8-sig")
            found += _upns(json.loads(text))
    guests = [u for u in found if "#EXT#" in u.upper()]
    assert len(found) > 20
    assert guests
    for upn in found:
        assert validators.upn(upn) == upn.lower()
        assert len(upn.partition("@")[2]) <= validators.MAX_UPN_DOMAIN


def test_the_command_line_skips_and_names_or_refuses_with_strict(db: pw.Database, admin: User,
                                                                 db_url: str,
                                                                 tmp_path: Path) -> None:
    if db_url.startswith("postgres"):
        pytest.skip("one database is enough for the command line")
    from desktop.services import auth

    auth.set_password(admin, admin.upn, "admin-password-0001")
    folder = tmp_path / "export"
    _write(folder, "users.json", [GOOD_USER, _bad_user({"userPrincipalName": "not an upn"}),
                                  _bad_user({"id": gid(4), "displayName": "Evil\x1b[2J",
                                             "userPrincipalName": "eve@contoso.test"})])
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCESS_DESK_")}
    env.update(ACCESS_DESK_HOME=str(tmp_path / "home"), ACCESS_DESK_PASSWORD="admin-password-0001")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "desktop", "--db", db_url, "--as", admin.upn,
                               "import", "graph", *args, str(folder)], env=env, text=True,
                              capture_output=True, timeout=60, stdin=subprocess.DEVNULL)

    strict = run("--strict")
    assert strict.returncode == 2, strict
    assert strict.stdout == ""
    assert len(strict.stderr.strip().splitlines()) == 1
    assert "not a user principal name" in strict.stderr
    assert "\x1b" not in strict.stderr
    assert User.select().count() == 1

    plain = run()
    assert plain.returncode == 0, plain
    assert "Skipped (2 objects):" in plain.stdout
    assert "field 'userPrincipalName': not a user principal name" in plain.stdout
    assert "field 'displayName': contains a control character (U+001B)" in plain.stdout
    assert "\x1b" not in plain.stdout
    assert {u.upn for u in User.select()} == {admin.upn, "alice@contoso.test"}
