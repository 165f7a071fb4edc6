"""Every row of SPEC.md's rights table through HTTP with tokens: each person the row does not
allow is refused (403, the rule or right named in the body, not a row of the database
changed), then one person it allows succeeds. The actor is always the token's person."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.models import SignInSession
from desktop.services import selfservice

from .conftest import bearer

PEOPLE = ("global_admin", "cloud_app_admin", "app_admin", "user", "approver", "unlicensed",
          "carol", "keeper")
ADMINS = ("global_admin", "cloud_app_admin", "app_admin")


def _build_world() -> dict[str, Any]:
    from desktop.models import DirectoryRoleAssignment, User
    from tests.conftest import Factory, upn

    admin = User.create(upn=upn("admin"), display_name="Ada Admin", mail=upn("admin"),
                        license="p2", enabled=True)
    DirectoryRoleAssignment.create(user=admin, role="global_admin")
    make = Factory(admin)
    people = {
        "global_admin": admin,
        "cloud_app_admin": make.user("cloud", roles=("cloud_app_admin",)),
        "app_admin": make.user("appadm", roles=("app_admin",)),
        "user": make.user("plain"),
        "approver": make.user("appr"),
        "unlicensed": make.user("nolic", license="none"),
        "carol": make.user("carol"),
        "keeper": make.user("keeper"),
    }
    make.selfservice_app("Ledger", approvers=(people["approver"],),
                         roles=("reader", "writer"), role="reader")
    make.selfservice_app("Vault", approvers=(people["keeper"],), sso="password")
    selfservice.update(admin, "Vault", approver_sets_passwords=True)
    make.group("Spare group")
    dave, member = make.user("dave"), make.user("member")
    make.member("Spare group", dave)
    make.member("SS - Ledger", member)
    make.member("SS - Vault", people["carol"])
    req = make.request(people["carol"], "Ledger")
    return {"people": {k: v.id for k, v in people.items()}, "dave": dave.id,
            "member": member.id, "req": req.id}


@pytest.fixture(scope="module")
def _template(tmp_path_factory):
    """The world built once (SQLite), copied for each row: a row's allowed action changes it."""
    from desktop.models.schema import close_database, open_database

    path = tmp_path_factory.mktemp("rights-world") / "world.db"
    open_database(str(path), init=True)
    try:
        ids = _build_world()
    finally:
        close_database()
    return path, ids


@pytest.fixture
def db_url(_template, tmp_path):
    """HTTP is the same over either database (the services' rights are tested on both):
    SQLite copies of one world keep this table fast."""
    import shutil

    target = tmp_path / "t.db"
    shutil.copyfile(_template[0], target)
    return str(target)


@pytest.fixture
def world(db, _template):
    from desktop.models import AccessRequest, User

    ids = _template[1]
    return {"people": {k: User.get_by_id(v) for k, v in ids["people"].items()},
            "dave": User.get_by_id(ids["dave"]), "member": User.get_by_id(ids["member"]),
            "req": AccessRequest.get_by_id(ids["req"])}


def rows(w: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any], tuple[str, ...]]]:
    """row of the rights table -> (operation, its parameters, who may)."""
    carol, dave, member = w["people"]["carol"].upn, w["dave"].upn, w["member"].upn
    req = w["req"].id
    return {
        "add a user": ("users.add", {"upn": "new.person@example.test", "name": "New"},
                       ("global_admin",)),
        "change a license": ("users.set", {"upn": carol, "license": "p2"}, ("global_admin",)),
        "give a directory role": ("users.set", {"upn": carol, "roles": ["app_admin"]},
                                  ("global_admin",)),
        "disable a user": ("users.set", {"upn": dave, "enabled": False}, ("global_admin",)),
        "set another user's password": ("users.set_password", {
            "upn": carol, "password": "correct horse battery"}, ("global_admin",)),
        "add an application": ("apps.add", {"name": "New app"}, ADMINS),
        "change an application": ("apps.set", {"app_name": "Ledger",
                                               "description": "General ledger"}, ADMINS),
        "add a group": ("groups.add", {"name": "New group"}, ADMINS),
        "add a group member": ("groups.add_member", {"group_name": "Spare group",
                                                     "upn": carol}, ADMINS),
        "remove a group member": ("groups.remove_member", {"group_name": "Spare group",
                                                           "upn": dave}, ADMINS),
        "self-service settings": ("selfservice.set", {"app_name": "Ledger",
                                                      "email_approvers": True}, ADMINS),
        "remove access": ("access.remove", {"app_name": "Ledger", "upn": member}, ADMINS),
        "change role": ("access.role", {"app_name": "Ledger", "upn": member,
                                        "role_value": "writer"}, ADMINS),
        "close a pending request": ("request.close", {"request_id": req, "reason": "tidy"},
                                    ADMINS),
        "SMTP settings": ("mail.configure", {"host": "smtp.example.test"}, ADMINS),
        "read the directory": ("users.list", {}, ADMINS),
        "read the audit log": ("audit.list", {"limit": 5}, ADMINS),
        "verify the audit log": ("audit.verify", {}, ADMINS),
        "approve": ("request.approve", {"request_id": req}, ("approver",)),
        "deny": ("request.deny", {"request_id": req, "reason": "no"}, ("approver",)),
        "cancel his own request": ("request.cancel", {"request_id": req}, ("carol",)),
        # Any licensed person (carol's own open request would be a conflict, not a right).
        "request an application": ("request.create", {"app_name": "Ledger"},
                                   tuple(p for p in PEOPLE if p != "unlicensed")),
        "set sign-in details": ("password.set", {"app": "Vault", "upn": carol,
                                                 "username": "c", "password": "pw-Vault-1"},
                                ("keeper",)),
        "sessions of others": ("sessions.list", {"upn": carol}, ("global_admin", "carol")),
    }


def _http(api, op_name: str, params: dict[str, Any], token: str):
    from desktop.api.operations import operation

    op = operation(op_name)
    path, rest = op.url_path(params)
    if op.method in ("GET", "DELETE"):
        return api.request(op.method, path, params=rest, headers=bearer(token))
    return api.request(op.method, path, json=rest, headers=bearer(token))


def _dump(dump):
    tables = dump()
    tables.pop(SignInSession._meta.table_name, None)  # "last seen" is not data
    return tables


@pytest.mark.parametrize("row", list(rows({"people": {p: type("U", (), {"upn": p})()
                                                        for p in PEOPLE},
                                             "dave": type("U", (), {"upn": "d"})(),
                                             "member": type("U", (), {"upn": "m"})(),
                                             "req": type("R", (), {"id": 1})()})))
def test_rights_table_row_through_http(world, api, token_for, dump, row):
    op_name, params, allowed = rows(world)[row]
    tokens = {who: token_for(world["people"][who]) for who in PEOPLE}
    for who in PEOPLE:
        if who in allowed:
            continue
        before = _dump(dump)
        response = _http(api, op_name, params, tokens[who])
        assert response.status_code == 403, (row, who, response.status_code, response.text)
        body = response.json()
        assert body["error"] == "refused"
        assert body["rule"].startswith(("rights table", "rule")), body
        assert _dump(dump) == before, f"{row}: a refusal for {who} changed the database"
    response = _http(api, op_name, params, tokens[allowed[0]])
    assert response.status_code == 200, (row, allowed[0], response.text)


def test_the_actor_is_the_tokens_person_whatever_the_body_says(world, api, token_for, dump):
    """A client never says who acts: a body naming someone else changes nothing."""
    carol = world["people"]["carol"]
    token = token_for(carol)
    response = api.post(f"/requests/{world['req'].id}/approve", headers=bearer(token),
                        json={"actor": world["people"]["approver"].upn})
    assert response.status_code == 422  # unknown field: nothing to smuggle an actor through
    response = api.post(f"/requests/{world['req'].id}/approve", headers=bearer(token),
                        json={})
    assert response.status_code == 403
