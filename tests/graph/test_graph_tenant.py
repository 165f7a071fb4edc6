"""A whole tenant exported twice, as Graph returns it and as Graph PowerShell writes it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from desktop.graph import GraphExport, GraphFormatError, read_graph

DATA = Path(__file__).parent / "data"
TENANT = "c0ffee00-7e57-4a11-9d00-000000000001"


def user(n: int) -> str:
    return f"0a000000-7e57-4a11-9d00-00000000000{n}"


def group(n: int) -> str:
    return f"0b000000-7e57-4a11-9d00-00000000000{n}"


def sp(n: int) -> str:
    return f"0c000000-7e57-4a11-9d00-00000000000{n}"


def app_role(n: int) -> str:
    return f"1a000000-7e57-4a11-9d00-00000000000{n}"


@pytest.fixture(scope="module", params=["tenant", "tenant-pwsh"])
def export(request: pytest.FixtureRequest) -> GraphExport:
    return read_graph([DATA / request.param])


def test_reads_the_tenant_without_warnings(export: GraphExport) -> None:
    assert (export.tenant_id, export.tenant_name) == (TENANT, "Contoso Test")
    assert export.warnings == []


def test_license_tiers(export: GraphExport) -> None:
    tiers = {found.upn.split("@")[0]: found.license for found in export.users.values()}

    assert tiers == {
        "alice": "p1",  # EMS E3 suite: the AAD_PREMIUM service plan decides
        "bob": "p2",  # AAD_PREMIUM_P2 SKU
        "carol": "none",  # Microsoft 365 E3 with AAD_PREMIUM disabled
        "dave": "none",  # unlicensed
        "heidi_fabrikam.test#EXT#": "none",  # guest
        "erin": "p1",  # licenseDetails file: EMS with AAD_PREMIUM provisioned
        "frank": "p2",  # licenseDetails file without @odata.context: named by the user id
        "grace": "none",  # licenseDetails: AAD_PREMIUM Disabled
    }


def test_user_properties(export: GraphExport) -> None:
    dave = export.users[user(4)]

    assert (dave.upn, dave.display_name, dave.mail) == (
        "dave@contoso.test",
        "Dave Dunn",
        "dave@contoso.test",
    )
    assert (dave.department, dave.job_title, dave.enabled) == ("Finance", "Clerk", False)
    assert export.users[user(8)].mail is None
    assert all(found.enabled for key, found in export.users.items() if key != user(4))


def test_group_kinds(export: GraphExport) -> None:
    flags = {
        found.display_name: (
            found.security_enabled,
            found.mail_enabled,
            found.on_prem_synced,
            found.dynamic,
        )
        for found in export.groups.values()
    }

    assert flags == {
        "Sales": (True, False, False, False),
        "Finance (AD)": (True, False, True, False),
        "All Engineers": (True, False, False, True),
        "Marketing Team": (False, True, False, False),
        "Helpdesk": (True, True, False, False),
        "Old Project": (True, False, False, False),  # onPremisesSyncEnabled false: cloud now
    }


def test_group_members_from_expand_and_from_members_files(export: GraphExport) -> None:
    members = {key: found.member_ids for key, found in export.groups.items()}

    assert members == {
        group(1): (user(1), user(2), user(8)),  # members file; the nested group is counted
        group(2): (user(3), user(4)),  # $expand=members
        group(3): (user(2), user(6)),  # $expand=members
        group(4): (user(5), user(7)),  # members files in pages, repeated member once
        group(5): None,  # membership not exported
        group(6): (),  # expanded: no members
    }


def test_service_principals(export: GraphExport) -> None:
    summary = {
        found.display_name: (
            found.origin(export.tenant_id),
            found.sso_mode,
            found.hidden,
            found.public_client,
        )
        for found in export.service_principals.values()
    }

    assert summary == {
        "Salesforce": ("gallery", "saml", False, False),
        "Intranet": ("app_proxy", "password", False, False),
        "Fabrikam Expenses": ("consent", "oidc", False, False),
        "Payroll Portal": ("custom", "none", False, True),
        "Legacy HR": ("custom", "none", False, False),  # the custom app template, notSupported
        "Office 365 Management APIs": ("consent", "none", True, False),
    }


def test_app_roles_leave_default_access_out(export: GraphExport) -> None:
    salesforce = export.service_principals[sp(1)]

    roles = {
        role.value: (role.display_name, role.user_assignable, role.enabled)
        for role in salesforce.roles
    }

    assert roles == {
        "standard": ("Standard User", True, True),
        "admin": ("System Administrator", True, True),
        "readonly": ("Read Only", True, False),
    }
    assert export.service_principals[sp(2)].roles == ()
    (payroll_role,) = export.service_principals[sp(4)].roles
    assert payroll_role.user_assignable
    assert payroll_role.application_assignable


def test_service_principal_details(export: GraphExport) -> None:
    salesforce = export.service_principals[sp(1)]

    assert salesforce.app_id == "0d000000-7e57-4a11-9d00-000000000001"
    assert salesforce.publisher == "Contoso Test"
    assert salesforce.homepage == "https://contoso.my.salesforce.com"
    assert salesforce.description == "CRM for the sales team"
    assert salesforce.app_owner_org_id == TENANT
    assert salesforce.application_template_id == "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    assert "HideApp" in export.service_principals[sp(6)].tags


def test_assignments_deduplicated_across_files(export: GraphExport) -> None:
    found = {
        (found.principal_type, found.principal_id, found.resource_id, found.app_role_id)
        for found in export.assignments.values()
    }

    assert len(export.assignments) == 6
    assert found == {
        ("User", user(1), sp(1), app_role(1)),
        ("User", user(2), sp(1), app_role(2)),
        ("Group", group(1), sp(1), None),  # all-zero appRoleId
        ("User", user(1), sp(4), app_role(6)),
        ("Group", group(4), sp(3), None),
        ("User", user(4), sp(2), None),  # the app's "User" role has no value: default access
    }


def test_directory_roles(export: GraphExport) -> None:
    roles = {name: found.member_ids for name, found in export.directory_roles.items()}

    assert roles == {
        "global_admin": (user(1),),
        "app_admin": (user(2),),  # the service principal holding it is counted, not kept
        "cloud_app_admin": (user(5),),  # matched by name; members from a members file
    }


def test_powershell_copy_reads_the_same() -> None:
    graph = read_graph([DATA / "tenant"])
    pwsh = read_graph([DATA / "tenant-pwsh"])

    # The same records; only the file names differ in what is not imported.
    assert replace(pwsh, not_imported=[]) == replace(graph, not_imported=[])
    assert [(n.type, n.count) for n in pwsh.not_imported] == [
        (n.type, n.count) for n in graph.not_imported
    ]


def test_members_that_are_not_users_are_counted_by_file(export: GraphExport) -> None:
    counted = {(Path(n.file).name, n.type): n.count for n in export.not_imported}

    assert counted == {
        ("0b000000-7e57-4a11-9d00-000000000001.members.json", "member"): 1,  # a nested group
        ("directoryRoles.json", "member"): 1,  # a service principal holding a role
        ("directoryRoles.json", "directoryRole"): 1,  # a role Access Desk does not use
    }
    assert export.skipped == []


def test_reading_both_copies_merges_by_id() -> None:
    graph = read_graph([DATA / "tenant"])

    both = read_graph([DATA / "tenant", DATA / "tenant-pwsh", DATA / "tenant"])

    assert both.users == graph.users
    assert both.groups == graph.groups
    assert both.service_principals == graph.service_principals
    assert both.assignments == graph.assignments


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("users.json", "AssignedLicenses[0]"),
        ("groups.json", "Members[0].AdditionalProperties"),
    ],
)
def test_truncated_powershell_output_names_the_fix(name: str, field: str) -> None:
    path = DATA / "pwsh-truncated" / name

    with pytest.raises(GraphFormatError) as raised:
        read_graph([path])

    message = str(raised.value)
    assert "ConvertTo-Json -Depth 10" in message
    assert str(path) in message
    assert field in message
    assert raised.value.file == str(path)
    assert raised.value.field == field
