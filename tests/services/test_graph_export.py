"""Graph-format output is valid Microsoft Graph v1.0 (ids, property names, types), and a
directory exported with `export directory` and imported into an empty database is the same
directory; guests keep their user type on the way."""

from __future__ import annotations

import io
import json
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

import peewee as pw
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.errors import Refused, UsageError
from desktop.graph.licenses import SKU_PLANS
from desktop.models import (
    Application,
    AppRole,
    Assignment,
    DirectoryRoleAssignment,
    Group,
    GroupMember,
    User,
)
from desktop.models.schema import close_database, open_database
from desktop.services import applications, auth, directory, exports, graph_export, graph_import
from desktop.services import requests as access_requests

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

# --- Microsoft Graph v1.0 $metadata, the properties written ---------------------------------
# Types as the metadata declares them: Edm.Guid, Edm.String, Edm.Boolean, Edm.DateTimeOffset;
# ("list", T) a collection; a dict a complex type; "objects" a navigation to directoryObjects.
# `id` is Edm.String on every entity (entity.id); ours are GUIDs, as Entra's are.

ASSIGNED_LICENSE = {"disabledPlans": ("list", "Guid"), "skuId": "Guid"}
ASSIGNED_PLAN = {"assignedDateTime": "DateTimeOffset", "capabilityStatus": "String",
                 "service": "String", "servicePlanId": "Guid"}
APP_ROLE = {"allowedMemberTypes": ("list", "String"), "description": "String",
            "displayName": "String", "id": "Guid", "isEnabled": "Boolean", "origin": "String",
            "value": "String"}
MEMBER = {"@odata.type": "String", "id": "Guid", "displayName": "String",
          "userPrincipalName": "String"}
ENTITIES: dict[str, dict[str, Any]] = {
    "user": {"id": "Guid", "userPrincipalName": "String", "displayName": "String",
             "mail": "String", "department": "String", "jobTitle": "String",
             "accountEnabled": "Boolean", "userType": "String", "externalUserState": "String",
             "createdDateTime": "DateTimeOffset", "assignedLicenses": ("list", ASSIGNED_LICENSE),
             "assignedPlans": ("list", ASSIGNED_PLAN)},
    "group": {"id": "Guid", "displayName": "String", "description": "String",
              "groupTypes": ("list", "String"), "mailEnabled": "Boolean",
              "securityEnabled": "Boolean", "onPremisesSyncEnabled": "Boolean",
              "createdDateTime": "DateTimeOffset", "members": ("list", MEMBER)},
    "directoryRole": {"id": "Guid", "displayName": "String", "roleTemplateId": "String",
                      "members": ("list", MEMBER)},
    "application": {"id": "Guid", "appId": "Guid", "displayName": "String",
                    "isFallbackPublicClient": "Boolean"},
    "servicePrincipal": {"id": "Guid", "appId": "Guid", "displayName": "String",
                         "description": "String", "homepage": "String",
                         "publisherName": "String", "accountEnabled": "Boolean",
                         "servicePrincipalType": "String", "appOwnerOrganizationId": "Guid",
                         "applicationTemplateId": "String",
                         "preferredSingleSignOnMode": "String", "tags": ("list", "String"),
                         "appRoles": ("list", APP_ROLE)},
    "appRoleAssignment": {"id": "String", "appRoleId": "Guid",
                          "createdDateTime": "DateTimeOffset", "principalDisplayName": "String",
                          "principalId": "Guid", "principalType": "String",
                          "resourceDisplayName": "String", "resourceId": "Guid"},
    "organization": {"id": "Guid", "displayName": "String"},
}
FILES = {"organization.json": "organization", "users.json": "user", "groups.json": "group",
         "directoryRoles.json": "directoryRole", "applications.json": "application",
         "servicePrincipals.json": "servicePrincipal",
         "appRoleAssignments.json": "appRoleAssignment"}
ENUMS = {"principalType": {"User", "Group", "ServicePrincipal"}, "userType": {"Member", "Guest"},
         "externalUserState": {"PendingAcceptance", "Accepted"}}


def conforms(value: Any, kind: Any, where: str) -> None:
    """Raise AssertionError where `value` is not of the metadata's `kind` (null allowed)."""
    if value is None:
        return
    if isinstance(kind, dict):
        assert isinstance(value, dict), where
        assert set(value) <= set(kind), f"{where}: not in the metadata: {set(value) - set(kind)}"
        for name, item in value.items():
            conforms(item, kind[name], f"{where}.{name}")
            if name in ENUMS and item is not None:
                assert item in ENUMS[name], f"{where}.{name}: {item!r}"
    elif isinstance(kind, tuple):
        assert isinstance(value, list), where
        for index, item in enumerate(value):
            conforms(item, kind[1], f"{where}[{index}]")
    elif kind == "Guid":
        assert isinstance(value, str), where
        assert GUID.match(value), f"{where}: {value!r} is no GUID"
    elif kind == "DateTimeOffset":
        assert isinstance(value, str), where
        assert TIME.match(value), f"{where}: {value!r}"
    elif kind == "Boolean":
        assert isinstance(value, bool), where
    else:
        assert isinstance(value, str), where


# --- the access export ---------------------------------------------------------------------


def test_graph_access_export_is_valid_graph(db: pw.Database, demo: User) -> None:
    buffer = io.StringIO()
    exports.write(demo, "access", "graph", buffer)
    exported = json.loads(buffer.getvalue())

    assert len(exported) == Assignment.select().count() > 0
    for index, row in enumerate(exported):
        conforms(row, ENTITIES["appRoleAssignment"], f"row {index}")
        assert set(row) == set(ENTITIES["appRoleAssignment"])
    by_id = {row["id"]: row for row in exported}
    for a in Assignment.select():
        row = by_id[a.graph_id]
        principal = a.user if a.user_id else a.group
        assert row["principalId"] == principal.graph_id
        assert row["principalType"] == ("User" if a.user_id else "Group")
        assert row["resourceId"] == a.application.graph_id
        assert row["appRoleId"] == (a.role.graph_id if a.role_id else
                                    "00000000-0000-0000-0000-000000000000")
        # when it was made (the demo's history), not when anything was imported or exported
        assert row["createdDateTime"] == a.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_every_object_made_here_has_its_own_guid(db: pw.Database, make: Any) -> None:
    user = make.user("ann")
    group = make.group("Readers")
    app = make.app("Ledger", roles=("reader:Reader", "writer:Writer"))
    ids = [user.graph_id, group.graph_id, app.graph_id, app.app_id,
           *(r.graph_id for r in AppRole.select())]
    assert all(GUID.match(value) for value in ids)
    assert len(set(ids)) == len(ids)
    assert not any((user.graph_imported, group.graph_imported, app.graph_imported))


# --- the directory export ------------------------------------------------------------------


def test_directory_export_is_valid_graph_in_private_files(db: pw.Database, demo: User,
                                                          tmp_path: Path) -> None:
    secret = "Walrus-Secret-9023-pass"
    auth.set_password(demo, "alice.wu@contoso.example", secret)
    folder = tmp_path / "tenant"

    result = exports.write_directory(demo, folder)

    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert result["users"] == User.select().count()
    assert result["servicePrincipals"] == Application.select().count()
    for name, entity in FILES.items():
        path = folder / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
        text = path.read_text(encoding="utf-8")
        assert secret not in text
        assert User.get(User.upn == "alice.wu@contoso.example").password_hash not in text
        document = json.loads(text)
        assert document["@odata.context"].startswith(graph_export.GRAPH)
        for index, item in enumerate(document["value"]):
            conforms(item, ENTITIES[entity], f"{name}[{index}]")
    users = json.loads((folder / "users.json").read_text())["value"]
    plans = {u["userPrincipalName"]: {p["servicePlanId"] for p in u["assignedPlans"]}
             for u in users}
    for user in User.select():
        skus = [lic["skuId"] for u in users if u["id"] == user.graph_id
                for lic in u["assignedLicenses"]]
        assert {p for sku in skus for p in SKU_PLANS[sku]} == plans[user.upn]
    last = exports.AuditEvent.select().order_by(exports.AuditEvent.seq.desc()).first()
    assert (last.action, last.target) == ("export", "directory")


def test_directory_export_refuses_a_folder_holding_other_json(
        db: pw.Database, demo: User, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "notes.json").write_text("[]")
    with pytest.raises(UsageError, match="other JSON files"):
        exports.write_directory(demo, folder)
    assert [p.name for p in folder.iterdir()] == ["notes.json"]


def test_only_administrators_export_the_directory(db: pw.Database, demo: User,
                                                  tmp_path: Path) -> None:
    tomas = User.get(User.upn == "tomas.herrera@contoso.example")
    with pytest.raises(Refused):
        exports.write_directory(tomas, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --- guests ----------------------------------------------------------------------------------


def test_a_guest_is_listed_as_one_and_his_license_decides(db: pw.Database, make: Any) -> None:
    make.selfservice_app("Ledger")
    view = directory.add_user(make.admin, "heidi_fabrikam.test#ext#@example.test", "Heidi",
                              license="p1", user_type="guest")
    assert (view["user_type"], view["external_user_state"]) == ("guest", None)
    listed = {u["upn"]: u for u in directory.list_users(make.admin)}
    assert listed["heidi_fabrikam.test#ext#@example.test"]["user_type"] == "guest"
    assert listed["admin@example.test"]["user_type"] == "member"
    heidi = User.get(User.upn == view["upn"])
    assert access_requests.create_request(heidi, "Ledger")["status"] in ("pending", "approved")
    unlicensed = directory.add_user(make.admin, "ivan_x.test#ext#@example.test", "Ivan",
                                    user_type="guest")
    with pytest.raises(Refused, match="license"):
        access_requests.create_request(User.get(User.upn == unlicensed["upn"]), "Ledger")
    with pytest.raises(UsageError, match="user type"):
        directory.add_user(make.admin, "x@example.test", "X", user_type="visitor")


def test_graph_guests_keep_their_type_and_invitation_state(db: pw.Database, admin: User,
                                                           tmp_path: Path) -> None:
    users = [
        {"id": "0a000000-7e57-4a11-9d00-0000000000a1", "userPrincipalName": "m@contoso.test",
         "userType": "Member", "externalUserState": None},
        {"id": "0a000000-7e57-4a11-9d00-0000000000a2",
         "userPrincipalName": "g_fabrikam.test#EXT#@contoso.test", "userType": "Guest",
         "externalUserState": "PendingAcceptance"},
        # $select without userType: the #EXT# name says guest
        {"id": "0a000000-7e57-4a11-9d00-0000000000a3",
         "userPrincipalName": "h_fabrikam.test#EXT#@contoso.test"},
    ]
    (tmp_path / "users.json").write_text(json.dumps(
        {"@odata.context": graph_export.GRAPH + "users", "value": users}))

    graph_import.import_graph(admin, [tmp_path])

    got = {u["upn"]: (u["user_type"], u["external_user_state"])
           for u in directory.list_users(admin)}
    assert got == {"admin@example.test": ("member", None), "m@contoso.test": ("member", None),
                   "g_fabrikam.test#ext#@contoso.test": ("guest", "PendingAcceptance"),
                   "h_fabrikam.test#ext#@contoso.test": ("guest", None)}


# --- the round trip ---------------------------------------------------------------------------

LOCAL = {"id", "graph_imported", "password_hash", "source", "added_by", "via_request",
         "origin_set_by_admin", "pending_count", "icon"}
DIRECTORY = (User, DirectoryRoleAssignment, Group, GroupMember, Application, AppRole, Assignment)
WITH_GUID = (User, Group, Application, AppRole)


def directory_dump() -> dict[str, list[tuple[Any, ...]]]:
    """The directory's rows, local ids replaced by Graph ids, without times or local fields."""
    guids = {model: dict(model.select(model.id, model.graph_id).tuples()) for model in WITH_GUID}
    result = {}
    for model in DIRECTORY:
        fields = [f for f in model._meta.sorted_fields
                  if f.name not in LOCAL and not isinstance(f, pw.DateTimeField)]
        rows = []
        for row in model.select(*fields).tuples():
            rows.append(tuple(
                guids[f.rel_model].get(v) if isinstance(f, pw.ForeignKeyField) else v
                for f, v in zip(fields, row, strict=True)))
        result[model._meta.table_name] = sorted(rows, key=repr)
    return result


KINDS = {"security": {}, "synced": {"on_prem_synced": True}, "dynamic": {"dynamic": True},
         "distribution": {"distribution": True}, "mail": {"mail_enabled": True}}
# Texts people may type (services.validators): no control characters (U+007F-U+009F).
text = st.text(st.characters(min_codepoint=32, max_codepoint=0x24F,
                             exclude_categories=("Cc", "Cf", "Cs")), min_size=1, max_size=12)
people = st.lists(st.tuples(st.sampled_from(["none", "p1", "p2"]), st.booleans(),
                            st.sampled_from(["member", "guest"]),
                            st.sampled_from([None, "PendingAcceptance", "Accepted"]),
                            st.none() | text, st.lists(st.sampled_from(
                                ["global_admin", "cloud_app_admin", "app_admin"]), max_size=2)),
                  min_size=1, max_size=4)
groups = st.lists(st.tuples(st.sampled_from(sorted(KINDS)), st.none() | text,
                            st.lists(st.integers(0, 4), max_size=4)), max_size=3)
apps = st.lists(st.tuples(
    st.sampled_from(["gallery", "app_proxy", "consent", "custom"]),
    st.sampled_from(["password", "saml", "oidc", "none"]), st.booleans(), st.booleans(),
    st.none() | text,
    st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans()), max_size=2)), max_size=3)
grants = st.lists(st.tuples(st.integers(0, 2), st.booleans(), st.integers(0, 4),
                            st.integers(-1, 1)), max_size=5)


def build(admin: User, spec: tuple[Any, ...]) -> None:
    """A directory from the generated spec, made through the services as an administrator."""
    people_, groups_, apps_, grants_ = spec
    users = [admin]
    for index, (lic, enabled, kind, state, department, roles) in enumerate(people_):
        view = directory.add_user(admin, f"p{index}@example.test", f"Person {index}",
                                  license=lic, enabled=enabled, user_type=kind,
                                  external_user_state=state if kind == "guest" else None,
                                  department=department, roles=roles)
        users.append(User.get(User.upn == view["upn"]))
    made_groups = []
    for index, (kind, description, members) in enumerate(groups_):
        directory.add_group(admin, f"Group {index}", description=description, **KINDS[kind])
        group = Group.get(Group.name == f"Group {index}")
        made_groups.append(group)
        for member in sorted({users[m % len(users)].id for m in members}):
            GroupMember.create(group=group, user=member)
    made_apps = []
    for index, (origin, sso, hidden, public, publisher, roles) in enumerate(apps_):
        specs = [applications.RoleSpec(f"role{r}", f"Role {r}", u, a, e)
                 for r, (u, a, e) in enumerate(roles)]
        applications.add_application(admin, f"App {index}", origin=origin, sso=sso,
                                     hidden=hidden, public_client=public, publisher=publisher,
                                     roles=specs)
        made_apps.append(Application.get(Application.name == f"App {index}"))
    for app_index, to_group, who, role in grants_:
        if not made_apps:
            break
        app = made_apps[app_index % len(made_apps)]
        roles = list(AppRole.select().where(AppRole.application == app).order_by(AppRole.value))
        chosen = roles[role % len(roles)] if roles and role >= 0 else None
        if to_group and made_groups:
            Assignment.create(application=app, group=made_groups[who % len(made_groups)],
                              role=chosen)
        else:
            Assignment.create(application=app, user=users[who % len(users)], role=chosen)


def _fresh(path: Path, upn: str = "admin@example.test") -> User:
    """An empty database with one Global Administrator, made as `init --admin` makes him."""
    open_database(str(path))
    admin = User.create(upn=upn, display_name="Ada Admin", license="p2")
    DirectoryRoleAssignment.create(user=admin, role="global_admin")
    return admin


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(spec=st.tuples(people, groups, apps, grants))
def test_export_then_import_into_an_empty_database_gives_the_same_directory(
        spec: tuple[Any, ...]) -> None:
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        try:
            build(_fresh(root / "source.db"), spec)
            source = User.get(User.upn == "admin@example.test")
            exports.write_directory(source, root / "export")
            expected = directory_dump()
            close_database()

            target = _fresh(root / "target.db")
            report = graph_import.import_graph(target, [root / "export"])

            assert report.warnings == []
            assert directory_dump() == expected
            again = graph_import.import_graph(target, [root / "export"])
            assert (again.added, again.changed) == ({}, {})
        finally:
            close_database()


def test_the_demo_survives_the_round_trip(db: pw.Database, demo: User, tmp_path: Path) -> None:
    exports.write_directory(demo, tmp_path / "export")
    expected = directory_dump()
    close_database()

    target = _fresh(tmp_path / "copy.db", demo.upn)  # init --admin megan.bowen@...
    report = graph_import.import_graph(target, [tmp_path / "export"])

    assert report.warnings == []
    assert directory_dump() == expected
