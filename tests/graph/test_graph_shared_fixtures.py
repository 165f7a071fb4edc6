"""Microsoft's own documentation samples (shared/fixtures/graph): each is parsed, or reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.graph import GraphExport, read_graph

# Copies of shared/fixtures/graph: the tests read nothing outside the repository.
FIXTURES = Path(__file__).parent / "data" / "docs" / "shared"


def _samples() -> list[Path]:
    return sorted(FIXTURES.glob("*.json"))


def _records(export: GraphExport) -> list[object]:
    return [
        *export.users.values(),
        *export.groups.values(),
        *export.service_principals.values(),
        *export.assignments.values(),
        *export.directory_roles.values(),
    ]


def _warnings_about(export: GraphExport, path: Path) -> list[str]:
    """Warnings, skipped objects and types not imported, of this file."""
    lines = [*export.warnings, *(found.line() for found in export.skipped),
             *(found.line() for found in export.not_imported)]
    return [line for line in lines if str(path) in line]


@pytest.mark.parametrize("path", _samples(), ids=lambda path: path.name)
def test_each_sample_is_parsed_or_reported(path: Path) -> None:
    export = read_graph([path])

    assert _records(export) or _warnings_about(export, path)


def test_the_whole_folder_reads_without_error() -> None:
    export = read_graph([FIXTURES])

    assert "02bd9fd6-8f93-4758-87c3-1fb73740a315" in export.groups
    assert all("\n" not in warning for warning in export.warnings)


def test_unified_cloud_group_is_mail_enabled_and_not_synced() -> None:
    export = read_graph([FIXTURES / "group-get.v1.json"])

    group = export.groups["02bd9fd6-8f93-4758-87c3-1fb73740a315"]
    assert group.display_name == "HR Taskforce"
    assert group.mail_enabled
    assert not group.security_enabled
    assert not group.on_prem_synced
    assert not group.dynamic
    assert group.member_ids is None


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("group-list-onprem-synced.v1.json", "'id'", '"id-value"'),
        ("serviceprincipal-get.v1.json", "'appId'", '"appId-value"'),
    ],
)
def test_placeholder_ids_are_reported_and_skipped(name: str, field: str, value: str) -> None:
    path = FIXTURES / name

    export = read_graph([path])

    assert not export.groups
    assert not export.service_principals
    (skipped,) = export.skipped
    warning = skipped.line()
    assert skipped.file == str(path)
    assert field in warning
    assert value in warning


def test_request_response_wrapper_is_not_a_graph_response() -> None:
    path = FIXTURES / "serviceprincipal-post-approleassignedto.v1.json"

    export = read_graph([path])

    assert not _records(export)
    (warning,) = _warnings_about(export, path)
    assert "not a Graph response" in warning


def test_application_only_role_is_kept_as_not_user_assignable() -> None:
    export = read_graph([FIXTURES / "serviceprincipal-get-select-approles.v1.json"])

    sp = export.service_principals["7408235b-7540-4850-82fe-a5f15ed019e2"]
    assert sp.app_id == "00000003-0000-0000-c000-000000000000"
    (role,) = sp.roles
    assert role.value == "EduAssignments.ReadBasic.All"
    assert role.application_assignable
    assert not role.user_assignable
    assert sp.sso_mode == "none"
    assert sp.origin(None) == "custom"


def test_all_zero_app_role_id_is_default_access() -> None:
    export = read_graph([FIXTURES / "user-list-approleassignments.v1.json"])

    (assignment,) = export.assignments.values()
    assert assignment.app_role_id is None
    assert assignment.principal_type == "User"
    assert assignment.principal_id == "cdb555e3-b33e-4fd5-a427-17fadacbdfa7"


def test_license_details_of_a_user_not_exported_are_reported(write_json) -> None:
    path = FIXTURES / "user-list-licensedetails.v1.json"

    alone = read_graph([path])
    user = write_json(
        "user.json",
        {"id": "48d31887-5fad-4d73-a9f5-3c356e68a038", "userPrincipalName": "megan@contoso.test"},
    )
    with_user = read_graph([user, path])

    assert _warnings_about(alone, path)
    # Office 365 E5's sample lists no Entra ID service plan, so it grants no tier.
    assert with_user.users["48d31887-5fad-4d73-a9f5-3c356e68a038"].license == "none"
    assert not _warnings_about(with_user, path)
