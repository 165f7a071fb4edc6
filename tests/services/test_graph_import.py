"""Importing a Microsoft Graph export into the database, as an administrator sees it: the right
rows, nothing changed by a repeat or a dry run, origins corrected by hand kept, refusals and bad
files leaving the database untouched, and a user disabled by a re-import losing his requests."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import peewee as pw
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.errors import Refused, UsageError
from desktop.models import (
    AccessRequest,
    Application,
    AppRole,
    Assignment,
    AuditEvent,
    DirectoryRoleAssignment,
    Group,
    GroupMember,
    SelfServiceApprover,
    User,
)
from desktop.services import applications, graph_import, selfservice

DATA = Path(__file__).resolve().parents[1] / "graph" / "data"
TENANT = DATA / "tenant"
TENANT_PWSH = DATA / "tenant-pwsh"
TRUNCATED = DATA / "pwsh-truncated"
SHARED_GRAPH = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "graph"

Dump = Callable[[], dict[str, list[tuple[Any, ...]]]]

EXPECTED_LICENSES = {
    "alice@contoso.test": "p1",  # EMS E3: the AAD_PREMIUM service plan decides
    "bob@contoso.test": "p2",
    "carol@contoso.test": "none",  # AAD_PREMIUM disabled in her plan
    "dave@contoso.test": "none",
    "heidi_fabrikam.test#ext#@contoso.test": "none",
    "erin@contoso.test": "p1",
    "frank@contoso.test": "p2",
    "grace@contoso.test": "none",
}
# name: (on_prem_synced, dynamic, security_enabled, mail_enabled)
EXPECTED_GROUPS = {
    "Sales": (False, False, True, False),
    "Finance (AD)": (True, False, True, False),
    "All Engineers": (False, True, True, False),
    "Marketing Team": (False, False, False, True),
    "Helpdesk": (False, False, True, True),
    "Old Project": (False, False, True, False),
}
# name: (origin, sso, public_client_flows, hidden)
EXPECTED_APPS = {
    "Salesforce": ("gallery", "saml", False, False),
    "Intranet": ("app_proxy", "password", False, False),
    "Fabrikam Expenses": ("consent", "oidc", False, False),
    "Payroll Portal": ("custom", "none", True, False),  # isFallbackPublicClient in applications
    "Legacy HR": ("custom", "none", False, False),
    "Office 365 Management APIs": ("consent", "none", False, True),
}
EXPECTED_ROLES = {
    ("Salesforce", "standard", True, True),
    ("Salesforce", "admin", True, True),
    ("Salesforce", "readonly", True, False),
    ("Fabrikam Expenses", "Approver", True, True),
    ("Fabrikam Expenses", "Expenses.Read.All", False, True),
    ("Payroll Portal", "Payroll.Viewer", True, True),
    ("Office 365 Management APIs", "ActivityFeed.Read", False, True),
}
# (application, user, group, role)
EXPECTED_ASSIGNMENTS = {
    ("Salesforce", "alice@contoso.test", None, "standard"),
    ("Salesforce", "bob@contoso.test", None, "admin"),
    ("Salesforce", None, "Sales", None),  # the all-zero appRoleId: default access
    ("Payroll Portal", "alice@contoso.test", None, "Payroll.Viewer"),
    ("Intranet", "dave@contoso.test", None, None),
    ("Fabrikam Expenses", None, "Marketing Team", None),
}
EXPECTED_DIRECTORY_ROLES = {
    ("admin@example.test", "global_admin"),  # the fixture's administrator, untouched
    ("alice@contoso.test", "global_admin"),
    ("bob@contoso.test", "app_admin"),
    ("erin@contoso.test", "cloud_app_admin"),
}
EXPECTED_MEMBERS = {
    ("Sales", "alice@contoso.test"),
    ("Sales", "bob@contoso.test"),
    ("Sales", "heidi_fabrikam.test#ext#@contoso.test"),  # nested group Finance (AD) not modelled
    ("Finance (AD)", "carol@contoso.test"),
    ("Finance (AD)", "dave@contoso.test"),
    ("All Engineers", "bob@contoso.test"),
    ("All Engineers", "frank@contoso.test"),
    ("Marketing Team", "erin@contoso.test"),
    ("Marketing Team", "grace@contoso.test"),
}
EXPECTED_ADDED = {
    "users": 8, "groups": 6, "group members": 9, "directory roles": 3, "applications": 6,
    "app roles": 7, "assignments": 6,
}


def _changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


def _graph_rows() -> dict[str, Any]:
    """What an administrator sees of the imported directory, by names (no ids, no times)."""
    return {
        "licenses": {u.upn: u.license for u in User.select().where(User.graph_id.is_null(False))},
        "disabled": {u.upn for u in User.select().where(~User.enabled)},
        "groups": {g.name: (g.on_prem_synced, g.dynamic, g.security_enabled, g.mail_enabled)
                   for g in Group.select()},
        "apps": {a.name: (a.origin, a.sso_mode, a.public_client_flows, a.hidden)
                 for a in Application.select()},
        "roles": {(r.application.name, r.value, r.user_assignable, r.enabled)
                  for r in AppRole.select()},
        "assignments": {(a.application.name, a.user.upn if a.user_id else None,
                         a.group.name if a.group_id else None,
                         a.role.value if a.role_id else None) for a in Assignment.select()},
        "directory_roles": {(d.user.upn, d.role) for d in DirectoryRoleAssignment.select()},
        "members": {(m.group.name, m.user.upn) for m in GroupMember.select()},
    }


# --- a whole tenant -------------------------------------------------------------------------


@pytest.mark.parametrize("folder", [TENANT, TENANT_PWSH], ids=lambda p: p.name)
def test_import_gives_the_tenant_rows(db: pw.Database, admin: User, folder: Path) -> None:
    stages: list[tuple[str, int, int]] = []

    report = graph_import.import_graph(admin, [folder], progress=lambda *a: stages.append(a))

    assert report.added == EXPECTED_ADDED
    assert report.changed == {}
    assert report.kept_by_admin == []
    # a service principal holding a directory role is reported, not imported
    assert all("0c000000-7e57-4a11-9d00-000000000004" in w for w in report.warnings)
    rows = _graph_rows()
    assert rows["licenses"] == EXPECTED_LICENSES
    assert rows["disabled"] == {"dave@contoso.test"}
    assert rows["groups"] == EXPECTED_GROUPS
    assert rows["apps"] == EXPECTED_APPS
    assert rows["roles"] == EXPECTED_ROLES
    assert not AppRole.select().where(AppRole.value == "msiam_access").exists()
    assert rows["assignments"] == EXPECTED_ASSIGNMENTS
    assert rows["directory_roles"] == EXPECTED_DIRECTORY_ROLES
    assert rows["members"] == EXPECTED_MEMBERS
    assert {s[0] for s in stages} >= {"users", "groups", "applications", "assignments"}
    assert all(done == total for _, done, total in stages if done % 200)
    imports = list(AuditEvent.select().where(AuditEvent.action == "import.graph"))
    assert len(imports) == 1
    assert imports[0].actor == admin.upn


def test_second_import_changes_nothing_not_even_the_audit_log(db: pw.Database, admin: User,
                                                              dump: Dump) -> None:
    graph_import.import_graph(admin, [TENANT])
    before = dump()

    again = graph_import.import_graph(admin, [TENANT])
    pwsh = graph_import.import_graph(admin, [TENANT_PWSH])  # the same tenant, other tool

    assert _changed_tables(before, dump()) == []
    for report in (again, pwsh):
        assert report.added == {}
        assert report.changed == {}
        assert report.changes == []
        assert report.unchanged["users"] == 8
        assert report.unchanged["assignments"] == 6


def test_dry_run_reports_and_changes_nothing(db: pw.Database, admin: User, make: Any,
                                             dump: Dump) -> None:
    make.app("Hand Made App", origin="custom")
    before = dump()

    report = graph_import.import_graph(admin, [TENANT], dry_run=True)

    assert _changed_tables(before, dump()) == []
    assert report.dry_run
    assert report.as_dict()["dry_run"] is True
    assert report.added == EXPECTED_ADDED
    assert report.not_in_export == {"users": ["admin@example.test"], "groups": [],
                                    "applications": ["Hand Made App"]}

    graph_import.import_graph(admin, [TENANT])
    before = dump()
    again = graph_import.import_graph(admin, [TENANT], dry_run=True)
    assert _changed_tables(before, dump()) == []
    assert again.added == {}
    assert again.changed == {}
    assert again.not_in_export["applications"] == ["Hand Made App"]


def test_origin_corrected_by_an_administrator_is_kept(db: pw.Database, admin: User,
                                                      dump: Dump) -> None:
    graph_import.import_graph(admin, [TENANT])
    applications.update_application(admin, "Legacy HR", origin="gallery")
    before = dump()

    report = graph_import.import_graph(admin, [TENANT])

    assert Application.get(Application.name == "Legacy HR").origin == "gallery"
    assert len(report.kept_by_admin) == 1
    assert "Legacy HR" in report.kept_by_admin[0]
    assert "custom" in report.kept_by_admin[0]
    assert _changed_tables(before, dump()) == []


def test_an_origin_not_corrected_by_hand_follows_the_export(db: pw.Database, admin: User) -> None:
    graph_import.import_graph(admin, [TENANT])
    Application.update(origin="gallery").where(Application.name == "Legacy HR").execute()

    report = graph_import.import_graph(admin, [TENANT])

    assert Application.get(Application.name == "Legacy HR").origin == "custom"
    assert report.kept_by_admin == []
    assert report.changed == {"applications": 1}


# --- refusals and bad files -------------------------------------------------------------------


def test_only_a_global_administrator_imports(db: pw.Database, make: Any,
                                             refused: Callable[..., Exception]) -> None:
    cloud_admin = make.user("cloud", roles=("cloud_app_admin",))
    app_admin = make.user("appadmin", roles=("app_admin",))

    for actor in (cloud_admin, app_admin):
        error = refused(Refused, None, graph_import.import_graph, actor, [TENANT])
        assert "global administrator" in str(error).lower()
        refused(Refused, None, graph_import.import_graph, actor, [TENANT], dry_run=True)


def test_truncated_powershell_output_names_the_fix(db: pw.Database, admin: User,
                                                  refused: Callable[..., Exception]) -> None:
    for target in (TRUNCATED, TRUNCATED / "users.json", TRUNCATED / "groups.json"):
        error = refused(UsageError, "-Depth 10", graph_import.import_graph, admin, [target])
        assert "nothing was imported" in str(error)


def test_truncated_file_beside_good_ones_imports_nothing(db: pw.Database, admin: User,
                                                         refused: Callable[..., Exception]) -> None:
    refused(UsageError, "-Depth 10", graph_import.import_graph, admin,
            [TENANT, TRUNCATED / "users.json"])


def test_missing_file_is_a_usage_error(db: pw.Database, admin: User, tmp_path: Path,
                                       refused: Callable[..., Exception]) -> None:
    refused(UsageError, "nothing was imported", graph_import.import_graph, admin,
            [tmp_path / "no-such-file.json"])


def _shared_samples() -> list[Path]:
    return sorted(SHARED_GRAPH.glob("*.json")) if SHARED_GRAPH.is_dir() else []


def _ids_in(document: Any) -> set[str]:
    """Every "id" value in a JSON document, at any depth."""
    if isinstance(document, list):
        return set().union(*(_ids_in(item) for item in document)) if document else set()
    if not isinstance(document, dict):
        return set()
    found = {v for k, v in document.items() if k == "id" and isinstance(v, str) and v}
    for value in document.values():
        found |= _ids_in(value)
    return found


@pytest.mark.skipif(not SHARED_GRAPH.is_dir(), reason=f"no samples at {SHARED_GRAPH}")
def test_each_documentation_sample_is_imported_or_reported(db: pw.Database, admin: User) -> None:
    samples = _shared_samples()
    assert samples
    for path in samples:
        report = graph_import.import_graph(admin, [path])  # never an exception
        touched = report.added or report.changed or report.unchanged
        ids = _ids_in(json.loads(path.read_text(encoding="utf-8")))
        about_it = [w for w in report.warnings
                    if path.name in w or any(found in w for found in ids)]
        assert touched or about_it, f"{path.name}: neither imported nor reported"
    whole = graph_import.import_graph(admin, [SHARED_GRAPH])
    assert whole.added == {}  # everything was imported one by one already
    assert all("\n" not in w and "Traceback" not in w for w in whole.warnings)


# --- rule 15 through a re-import ----------------------------------------------------------------


def _tenant_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "tenant-copy"
    shutil.copytree(TENANT, copy)
    return copy


def _set_user_field(users_file: Path, upn: str, field: str, value: Any) -> None:
    document = json.loads(users_file.read_text(encoding="utf-8"))
    (found,) = [u for u in document["value"] if u["userPrincipalName"] == upn]
    found[field] = value
    users_file.write_text(json.dumps(document, indent=2), encoding="utf-8")


def _intranet_self_service(admin: User, make: Any) -> None:
    make.group("SS - Intranet")
    selfservice.update(admin, "Intranet", enabled=True, group="SS - Intranet",
                       require_approval=True,
                       add_approvers=["bob@contoso.test", "erin@contoso.test"])


def test_user_disabled_by_reimport_gets_rule_15(db: pw.Database, admin: User, make: Any,
                                                tmp_path: Path) -> None:
    from desktop.services import requests

    graph_import.import_graph(admin, [TENANT])
    _intranet_self_service(admin, make)
    erin = User.get(User.upn == "erin@contoso.test")
    alice = User.get(User.upn == "alice@contoso.test")
    erins = requests.create_request(erin, "Intranet", "Campaign pages")["id"]
    alices = requests.create_request(alice, "Intranet", "Publishing news")["id"]
    copy = _tenant_copy(tmp_path)
    _set_user_field(copy / "users.page2.json", "erin@contoso.test", "accountEnabled", False)

    report = graph_import.import_graph(admin, [copy])

    assert report.changed == {"users": 1}
    assert report.changes == ["users erin@contoso.test: enabled"]
    erin = User.get_by_id(erin.id)
    assert not erin.enabled
    closed = AccessRequest.get_by_id(erins)
    assert closed.status == "closed"
    assert closed.decided_by_id == admin.id
    assert "disabled" in (closed.reason or "")
    assert AccessRequest.get_by_id(alices).status == "pending"  # bob can still decide it
    assert not SelfServiceApprover.select().where(SelfServiceApprover.user == erin).exists()
    assert SelfServiceApprover.select().where(
        SelfServiceApprover.user == User.get(User.upn == "bob@contoso.test")).exists()
    # history kept: the user, his request and his directory role are still there
    assert DirectoryRoleAssignment.select().where(DirectoryRoleAssignment.user == erin).exists()
    assert AuditEvent.select().where(AuditEvent.action == "import.graph").count() == 2


def test_license_lost_by_reimport_closes_his_requests(db: pw.Database, admin: User,
                                                      make: Any, tmp_path: Path) -> None:
    from desktop.services import requests

    graph_import.import_graph(admin, [TENANT])
    _intranet_self_service(admin, make)
    erin = User.get(User.upn == "erin@contoso.test")
    erins = requests.create_request(erin, "Intranet")["id"]
    copy = _tenant_copy(tmp_path)
    (copy / "licenses" / "0a000000-7e57-4a11-9d00-000000000005.licenseDetails.json").unlink()

    graph_import.import_graph(admin, [copy])

    assert User.get_by_id(erin.id).license == "none"
    assert AccessRequest.get_by_id(erins).status == "closed"


def test_upn_taken_by_another_user_is_reported_not_a_crash(db: pw.Database, admin: User,
                                                           tmp_path: Path, dump: Dump) -> None:
    graph_import.import_graph(admin, [TENANT])
    before = dump()
    copy = _tenant_copy(tmp_path)
    _set_user_field(copy / "users.page1.json", "bob@contoso.test", "userPrincipalName",
                    "Carol@contoso.test")  # carol's UPN, still held by carol's Graph object

    report = graph_import.import_graph(admin, [copy])

    assert any("carol@contoso.test" in w.lower() and "upn" in w.lower() for w in report.warnings)
    assert _changed_tables(before, dump()) == []
    bob = User.get(User.graph_id == "0a000000-7e57-4a11-9d00-000000000002")
    assert bob.upn == "bob@contoso.test"


def test_text_longer_than_its_column_is_reported_on_every_backend(db: pw.Database, admin: User,
                                                                   tmp_path: Path) -> None:
    copy = _tenant_copy(tmp_path)
    _set_user_field(copy / "users.page1.json", "carol@contoso.test", "displayName", "C" * 256)

    report = graph_import.import_graph(admin, [copy])  # Entra allows 256 characters

    assert any("displayName".lower() in w.lower().replace("_", "") and "carol" in w
               for w in report.warnings), report.warnings
    assert not User.select().where(User.upn == "carol@contoso.test").exists()
    assert report.added["users"] == 7


# --- malformed users files ----------------------------------------------------------------------

USERS_FILE = TENANT / "users.page1.json"
USERS_TEXT = USERS_FILE.read_text(encoding="utf-8")
USERS_DOC = json.loads(USERS_TEXT)
ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.just(""), st.just([]), st.just({}),
    st.just("x" * 600), st.just("Zoë 🙂"), st.just("not-a-guid"),
    st.just("0a000000-7e57-4a11-9d00-000000000002"), st.just("bob@contoso.test"),
    st.just({"value": []}), st.just([{"skuId": None}]),
)
USER_KEYS = sorted({k for u in USERS_DOC["value"] for k in u})


@st.composite
def malformed_users(draw: st.DrawFn) -> str:
    how = draw(st.sampled_from(["truncate", "field", "drop", "top", "garbage"]))
    if how == "truncate":
        return USERS_TEXT[: draw(st.integers(0, len(USERS_TEXT) - 1))]
    if how == "garbage":
        at = draw(st.integers(0, len(USERS_TEXT) - 1))
        return USERS_TEXT[:at] + draw(st.sampled_from(["}", "]", ",", '"', "\\", "\x00", "{"])) \
            + USERS_TEXT[at + 1:]
    doc = json.loads(USERS_TEXT)
    if how == "top":
        doc[draw(st.sampled_from(["value", "@odata.context", "@odata.nextLink"]))] = \
            draw(ODD_VALUES)
        return json.dumps(doc)
    index = draw(st.integers(0, len(doc["value"]) - 1))
    key = draw(st.sampled_from(USER_KEYS))
    if how == "drop":
        doc["value"][index].pop(key, None)
    else:
        doc["value"][index][key] = draw(ODD_VALUES)
    return json.dumps(doc)


def test_malformed_users_files_import_or_refuse_cleanly(db: pw.Database, admin: User,
                                                        dump: Dump) -> None:
    folder = Path(tempfile.mkdtemp(prefix="graph-fuzz-"))

    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(text=malformed_users())
    def check(text: str) -> None:
        path = folder / "users.json"
        path.write_text(text, encoding="utf-8")
        before = dump()
        try:
            graph_import.import_graph(admin, [path])
        except UsageError:
            assert _changed_tables(before, dump()) == [], "a refused import changed rows"

    try:
        check()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
