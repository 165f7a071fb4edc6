"""Reading files: shapes, kinds, members files, merging, and the errors and warnings."""

from __future__ import annotations

import codecs
import json
from typing import Any

import pytest

from desktop.graph import GraphFormatError, GraphServicePrincipal, read_graph
from desktop.graph.reader import parse_context

CONTEXT = "https://graph.microsoft.com/v1.0/$metadata#"
TENANT = "c0ffee00-7e57-4a11-9d00-000000000001"
USER = "0a000000-7e57-4a11-9d00-0000000000a1"
USER_2 = "0a000000-7e57-4a11-9d00-0000000000a2"
GROUP = "0b000000-7e57-4a11-9d00-0000000000b1"
ROLE = "0f000000-7e57-4a11-9d00-0000000000f1"
SP = "0c000000-7e57-4a11-9d00-0000000000c1"
APP = "0d000000-7e57-4a11-9d00-0000000000d1"


def _user(user_id: str = USER, **properties: Any) -> dict[str, Any]:
    return {"id": user_id, "userPrincipalName": f"{user_id[-2:]}@contoso.test", **properties}


def _group(**properties: Any) -> dict[str, Any]:
    return {"id": GROUP, "displayName": "Sales", "securityEnabled": True, **properties}


def _sp(**properties: Any) -> dict[str, Any]:
    base = {"id": SP, "appId": APP, "displayName": "Payroll", "servicePrincipalType": "Application"}
    return {**base, **properties}


def _member(member_id: str, kind: str = "user") -> dict[str, Any]:
    return {"@odata.type": f"#microsoft.graph.{kind}", "id": member_id}


# ------------------------------------------------------------------ kinds and shapes


@pytest.mark.parametrize(
    ("context", "kind", "navigation", "owner"),
    [
        ("users", "user", None, None),
        ("users(id,displayName)/$entity", "user", None, None),
        ("groups(id,members(id,displayName))", "group", None, None),
        (f"users('{USER}')/licenseDetails", "licenseDetails", "licenseDetails", USER),
        (f"servicePrincipals('{SP}')/appRoleAssignedTo/$entity", "appRoleAssignment", None, SP),
        (f"groups('{GROUP}')/members", "directoryObject", "members", GROUP),
        (f"groups('{GROUP}')/members/microsoft.graph.user", "user", "members", GROUP),
        ("Collection(microsoft.graph.servicePrincipal)", "servicePrincipal", None, None),
        ("directoryObjects", "directoryObject", None, None),
        ("devices", "device", None, None),
        ("roleManagement/directory/roleAssignments", "unifiedRoleAssignment", None, None),
        ("oauth2PermissionGrants", "oauth2PermissionGrant", None, None),
        ("subscribedSkus", "subscribedSku", None, None),
    ],
)
def test_parse_context(context: str, kind: str, navigation: str | None, owner: str | None) -> None:
    found = parse_context(CONTEXT + context)

    assert found.kind == kind
    assert found.owner_id == owner
    if navigation:
        assert found.navigation == navigation


def test_kind_from_odata_type_context_or_properties(write_json) -> None:
    typed = write_json(
        "objects.json",
        {
            "@odata.context": CONTEXT + "directoryObjects",
            "value": [{**_user(), "@odata.type": "#microsoft.graph.user"}],
        },
    )
    by_context = write_json(
        "groups.json",
        {"@odata.context": CONTEXT + "groups", "value": [{"id": GROUP, "displayName": "G"}]},
    )
    by_properties = write_json("sp.json", {**_sp(), "servicePrincipalNames": [APP]})

    export = read_graph([typed, by_context, by_properties])

    assert set(export.users) == {USER}
    assert set(export.groups) == {GROUP}
    assert set(export.service_principals) == {SP}


def test_unknown_kinds_are_reported_and_skipped(write_json) -> None:
    devices = write_json(
        "devices.json", {"@odata.context": CONTEXT + "devices", "value": [{"id": USER}] * 2}
    )
    odd = write_json("odd.json", [{"id": USER, "favouriteColour": "green"}])
    scalar = write_json("scalar.json", "hello")

    export = read_graph([devices, odd, scalar])

    assert not export.users
    assert export.skipped == []
    counted = {(n.file, n.type): n.count for n in export.not_imported}
    assert counted == {(str(devices), "device"): 2, (str(odd), "unrecognised"): 1}
    assert any(str(devices) in n.line() and "devices: 2 not imported" in n.line()
               for n in export.not_imported)
    assert any(
        str(scalar) in warning and "not a Graph response" in warning for warning in export.warnings
    )


def test_unknown_properties_are_ignored(write_json) -> None:
    path = write_json(
        "users.json", {"value": [_user(favouriteColour={"nested": [1, 2]}, accountEnabled=True)]}
    )

    assert read_graph([path]).users[USER].enabled


def test_powershell_pascal_case_and_additional_properties(write_json) -> None:
    member = {
        "Id": USER,
        "DeletedDateTime": None,
        "AdditionalProperties": {"@odata.type": "#microsoft.graph.user"},
    }
    group = {
        "Id": GROUP,
        "DisplayName": "Sales",
        "GroupTypes": [],
        "MailEnabled": False,
        "SecurityEnabled": True,
        "Members": [member],
        "AdditionalProperties": {"@odata.context": CONTEXT + "groups/$entity"},
    }

    export = read_graph([write_json("group.json", group)])

    assert export.groups[GROUP].member_ids == (USER,)


def test_utf16_and_utf8_bom_files(tmp_path) -> None:
    text = json.dumps({"value": [_user()]})
    utf16 = tmp_path / "utf16.json"
    utf16.write_bytes(text.encode("utf-16"))
    bom = tmp_path / "bom.json"
    bom.write_bytes(codecs.BOM_UTF8 + text.encode())

    assert set(read_graph([utf16]).users) == {USER}
    assert set(read_graph([bom]).users) == {USER}


def test_folders_are_read_recursively_and_only_json(tmp_path, write_json) -> None:
    write_json("a/b/users.json", {"value": [_user()]})
    (tmp_path / "a" / "notes.txt").write_text("not json")

    assert set(read_graph([tmp_path]).users) == {USER}


def test_guid_ids_are_lowercased(write_json) -> None:
    path = write_json("users.json", [_user(USER.upper())])

    assert set(read_graph([path]).users) == {USER}


# ------------------------------------------------------------------ merging


def test_two_copies_that_differ_are_neither_imported(tmp_path, write_json) -> None:
    first = write_json("1/users.json", {"value": [_user(displayName="Old"), _user(USER_2)]})
    second = write_json("2/users.json", [_user(USER_2), _user(displayName="New")])

    export = read_graph([tmp_path])

    assert set(export.users) == {USER_2}  # the identical copies are one user
    assert [(s.file, s.position) for s in export.skipped] == [(str(first), 0), (str(second), 1)]
    for skipped in export.skipped:
        assert USER in skipped.line()
        assert f"{first} position 0" in skipped.line()
        assert f"{second} position 1" in skipped.line()
        assert "displayName differs" in skipped.line()


def test_copies_that_complete_each_other_merge(write_json) -> None:
    selected = write_json("select.json", [{"id": USER, "displayName": "Ann"}])  # $select=id,...
    full = write_json("users.json", {"value": [_user(displayName="Ann", accountEnabled=False)]})

    export = read_graph([selected, full])

    assert export.skipped == []
    assert (export.users[USER].display_name, export.users[USER].enabled) == ("Ann", False)


def test_a_second_copy_that_takes_another_users_roles_is_refused(write_json) -> None:
    admins = {"id": ROLE, "displayName": "Global Administrator", "members": [_member(USER)]}
    users = write_json("users.json", [_user(displayName="Ann"), _user(USER_2)])
    impostor = write_json("more/users.json", [{**_user(), "userPrincipalName": "eve@x.test"}])
    roles = write_json("roles.json", {"@odata.context": CONTEXT + "directoryRoles",
                                      "value": [admins]})

    export = read_graph([users, impostor, roles])

    assert USER not in export.users
    assert "global_admin" not in export.directory_roles or USER not in (
        export.directory_roles["global_admin"].member_ids)
    assert {s.kind for s in export.skipped} == {"user", "member"}


def test_members_file_named_with_the_group_id(write_json) -> None:
    groups = write_json(
        "groups.json", {"value": [_group(), {**_group(), "id": USER_2, "displayName": "X"}]}
    )
    page_1 = write_json(
        f"{GROUP}.members.json",
        {"@odata.context": CONTEXT + "directoryObjects", "value": [_member(USER)]},
    )
    page_2 = write_json(f"more/{GROUP}-members-2.json", [_member(USER_2), _member(USER)])

    export = read_graph([groups, page_1, page_2])

    assert export.groups[GROUP].member_ids == (USER, USER_2)
    assert export.groups[USER_2].member_ids is None


def test_members_from_context_and_ref_responses(write_json) -> None:
    groups = write_json("groups.json", [_group()])
    refs = write_json(
        "refs.json",
        {
            "@odata.context": CONTEXT + f"groups('{GROUP}')/members/$ref",
            "value": [
                {
                    "@odata.id": f"https://graph.microsoft.com/v2/t/directoryObjects/{USER}/Microsoft.DirectoryServices.User"
                }
            ],
        },
    )

    assert read_graph([groups, refs]).groups[GROUP].member_ids == (USER,)


def test_expanded_and_file_members_add_up(write_json) -> None:
    groups = write_json("groups.json", [_group(members=[_member(USER)])])
    more = write_json(f"{GROUP}.members.json", [_member(USER_2)])

    assert read_graph([groups, more]).groups[GROUP].member_ids == (USER, USER_2)


def test_a_group_saved_under_a_members_name_is_the_group(write_json) -> None:
    path = write_json(f"{GROUP}.members.json", _group(members=[_member(USER)]))

    assert read_graph([path]).groups[GROUP].member_ids == (USER,)


def test_incomplete_expanded_members_are_reported(write_json) -> None:
    path = write_json(
        "groups.json", [_group(members=[_member(USER)], **{"members@odata.nextLink": "https://x"})]
    )

    export = read_graph([path])

    assert any("incomplete" in warning for warning in export.warnings)


def test_members_of_an_unknown_group_are_reported(write_json) -> None:
    path = write_json(f"{GROUP}.members.json", [_member(USER)])

    export = read_graph([path])

    assert not export.groups
    (skipped,) = export.skipped
    assert skipped.file == str(path)
    assert GROUP in skipped.line()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ({"displayName": "Global Administrator"}, "global_admin"),
        ({"displayName": "Company Administrator"}, "global_admin"),
        ({"displayName": "Cloud Application Administrator"}, "cloud_app_admin"),
        ({"displayName": "Application Administrator"}, "app_admin"),
        (
            {"displayName": "Renamed", "roleTemplateId": "158c047a-c907-4556-b7ef-446551a6b5f7"},
            "cloud_app_admin",
        ),
        (
            {"displayName": "Renamed", "roleTemplateId": "9B895D92-2CD3-44C7-9D02-A6AC2D5EA5C3"},
            "app_admin",
        ),
    ],
)
def test_directory_roles_by_name_or_template(write_json, role, expected) -> None:
    path = write_json(
        "roles.json",
        {
            "@odata.context": CONTEXT + "directoryRoles",
            "value": [{"id": ROLE, **role, "members": [_member(USER)]}],
        },
    )

    roles = read_graph([path]).directory_roles

    assert list(roles) == [expected]
    assert roles[expected].member_ids == (USER,)


def test_other_directory_roles_are_ignored_and_roles_without_members_reported(write_json) -> None:
    readers = {"id": ROLE, "displayName": "Directory Readers", "members": [_member(USER)]}
    admins = {"id": USER_2, "displayName": "Global Administrator"}
    path = write_json(
        "roles.json", {"@odata.context": CONTEXT + "directoryRoles", "value": [readers, admins]}
    )

    export = read_graph([path])

    assert export.directory_roles == {}
    assert any("'Global Administrator'" in warning for warning in export.warnings)


def test_public_client_comes_from_the_application(write_json) -> None:
    sps = write_json(
        "sps.json", {"@odata.context": CONTEXT + "servicePrincipals", "value": [_sp()]}
    )
    apps = write_json(
        "apps.json",
        {
            "@odata.context": CONTEXT + "applications",
            "value": [
                {"id": USER, "appId": APP, "isFallbackPublicClient": True},
                {"id": USER_2, "appId": GROUP, "isFallbackPublicClient": True},
            ],
        },
    )

    export = read_graph([apps, sps])

    assert export.service_principals[SP].public_client
    assert any(
        GROUP in warning and "no service principal" in warning for warning in export.warnings
    )


def test_assignments_embedded_in_a_service_principal(write_json) -> None:
    role_id = "1a000000-7e57-4a11-9d00-0000000000e1"
    msiam = "1a000000-7e57-4a11-9d00-0000000000e2"
    roles = [
        {
            "id": role_id,
            "value": "reader",
            "displayName": "Reader",
            "allowedMemberTypes": ["User"],
            "isEnabled": True,
        },
        {
            "id": msiam,
            "value": None,
            "displayName": "msiam_access",
            "allowedMemberTypes": ["User"],
            "isEnabled": True,
        },
    ]
    assigned = [
        {
            "id": "a1",
            "principalId": USER,
            "principalType": "User",
            "resourceId": SP,
            "appRoleId": role_id,
        },
        {
            "id": "a2",
            "principalId": GROUP,
            "principalType": "Group",
            "resourceId": SP,
            "appRoleId": msiam,
        },
    ]
    path = write_json("sp.json", _sp(appRoles=roles, appRoleAssignedTo=assigned))

    export = read_graph([path])

    assert [role.value for role in export.service_principals[SP].roles] == ["reader"]
    assert export.assignments["a1"].app_role_id == role_id
    assert export.assignments["a2"].app_role_id is None  # msiam_access: default access


# ------------------------------------------------------------------ origin and SSO


def _principal(**properties: Any) -> GraphServicePrincipal:
    fields: dict[str, Any] = {
        "graph_id": SP,
        "app_id": APP,
        "display_name": "X",
        "publisher": None,
        "homepage": None,
        "description": None,
        "sso_mode": "none",
        "hidden": False,
        "tags": (),
        "app_owner_org_id": None,
        "application_template_id": None,
        "roles": (),
    }
    return GraphServicePrincipal(**{**fields, **properties})


@pytest.mark.parametrize(
    ("properties", "tenant", "expected"),
    [
        (
            {"tags": ("WindowsAzureActiveDirectoryOnPremApp",), "application_template_id": APP},
            TENANT,
            "app_proxy",
        ),
        ({"application_template_id": APP, "app_owner_org_id": USER}, TENANT, "gallery"),
        ({"application_template_id": "8adf8e6e-67b2-4cf2-a259-e3dc5476c621"}, TENANT, "custom"),
        ({"app_owner_org_id": USER}, TENANT, "consent"),
        ({"app_owner_org_id": TENANT}, TENANT.upper(), "custom"),
        ({"app_owner_org_id": USER}, None, "custom"),
        ({}, TENANT, "custom"),
    ],
)
def test_origin(properties, tenant, expected) -> None:
    assert _principal(**properties).origin(tenant) == expected


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("password", "password"),
        ("saml", "saml"),
        ("oidc", "oidc"),
        ("notSupported", "none"),
        (None, "none"),
        ("header", "none"),
    ],
)
def test_sso_mode(write_json, mode, expected) -> None:
    path = write_json(
        "sp.json", _sp(preferredSingleSignOnMode=mode, servicePrincipalType="Application")
    )

    assert read_graph([path]).service_principals[SP].sso_mode == expected


def test_hide_app_tag_hides(write_json) -> None:
    path = write_json(
        "sp.json",
        _sp(tags=["HideApp", "WindowsAzureActiveDirectoryIntegratedApp"], servicePrincipalNames=[]),
    )

    assert read_graph([path]).service_principals[SP].hidden


# ------------------------------------------------------------------ errors and warnings


def _error(paths) -> GraphFormatError:
    with pytest.raises(GraphFormatError) as raised:
        read_graph(paths)
    assert "\n" not in str(raised.value)
    return raised.value


def test_a_file_that_is_not_json(tmp_path) -> None:
    path = tmp_path / "users.json"
    path.write_text('{"value": [')

    error = _error([path])

    assert error.file == str(path)
    assert str(error).startswith(f"{path}: not JSON")


def test_a_missing_path(tmp_path) -> None:
    assert "no such file" in str(_error([tmp_path / "absent.json"]))


@pytest.mark.parametrize(
    ("entity", "field", "problem"),
    [
        (
            {"id": USER, "userPrincipalName": "a@b.c", "accountEnabled": "yes"},
            "accountEnabled",
            "true or false",
        ),
        ({"id": USER, "userPrincipalName": 7}, "userPrincipalName", "expected a string"),
        (
            {"id": USER, "displayName": "No UPN", "userPrincipalName": None},
            "userPrincipalName",
            "missing",
        ),
        ({"userPrincipalName": "a@b.c"}, "id", "missing"),
        (
            {"id": USER, "userPrincipalName": "a@b.c", "assignedLicenses": [{"skuId": 3}]},
            "assignedLicenses[0].skuId",
            "expected a string",
        ),
        (
            {"id": USER, "userPrincipalName": "a@b.c", "assignedPlans": "x"},
            "assignedPlans",
            "expected a list",
        ),
    ],
)
def test_bad_user_is_skipped_naming_file_entity_and_field(
    write_json, entity, field, problem
) -> None:
    path = write_json(
        "users.json", {"@odata.context": CONTEXT + "users", "value": [_user(USER_2), entity]}
    )

    export = read_graph([path])

    assert set(export.users) == {USER_2}
    (skipped,) = export.skipped
    assert (skipped.file, skipped.kind, skipped.field, skipped.position) == (
        str(path), "user", field, 1)
    assert problem in skipped.problem
    assert skipped.line().startswith(f"{path}: user")
    assert "\n" not in skipped.line()


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"@odata.context": CONTEXT + "groups", "value": [{"id": GROUP}]}, "displayName"),
        (
            {"@odata.context": CONTEXT + "groups", "value": [_group(securityEnabled="true")]},
            "securityEnabled",
        ),
        (
            {"@odata.context": CONTEXT + "groups", "value": [_group(groupTypes="Unified")]},
            "groupTypes",
        ),
        (_sp(appRoles=[{"id": APP, "value": 1}]), "appRoles[0].value"),
        (_sp(tags=[1]), "tags"),
        ({"@odata.context": CONTEXT + "organization", "value": [{"id": TENANT}]}, "displayName"),
        ({"id": "a", "principalId": USER, "resourceId": SP}, "appRoleId"),
        ({"@odata.context": CONTEXT + "directoryRoles", "value": [{"id": ROLE}]},
         "roleTemplateId"),
        ([{"@odata.type": 5, "id": USER}], "@odata.type"),
    ],
)
def test_bad_entities_are_skipped(write_json, document, field) -> None:
    export = read_graph([write_json("x.json", document)])

    (skipped,) = export.skipped
    assert skipped.field == field


@pytest.mark.parametrize(
    ("document", "field"),
    [({"@odata.context": 5, "value": []}, "@odata.context"), ({"value": 5}, "value")],
)
def test_a_file_of_the_wrong_shape_is_refused(write_json, document, field) -> None:
    assert _error([write_json("x.json", document)]).field == field


def test_a_file_that_is_not_regular_is_left_out_and_named(tmp_path) -> None:
    # Issue 17 item 4: no longer a refusal of the whole import, but named as left out.
    import os

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    (tmp_path / "users.json").write_text(json.dumps({"value": [_user()]}))

    for named in ([tmp_path], [fifo, tmp_path / "users.json"]):
        export = read_graph(named)
        assert export.left_out == [(str(fifo), "a named pipe (FIFO): only regular files are "
                                    "read")]
        assert list(export.users) == [USER]
    # Nothing else to read: refused, the entry named.
    assert "pipe.json: a named pipe (FIFO)" in str(_error([fifo]))


def test_a_collection_item_that_is_not_an_object(write_json) -> None:
    error = _error([write_json("x.json", {"value": [_user(), 3]})])

    assert error.entity == "item 1"


def test_two_tenants_are_refused(write_json) -> None:
    first = write_json("a.json", {"id": TENANT, "displayName": "A", "verifiedDomains": []})
    second = write_json("b.json", {"id": USER, "displayName": "B", "verifiedDomains": []})

    error = _error([first, second])

    assert error.file == str(second)
    assert str(first) in str(error)


def test_missing_organization_and_account_enabled_are_reported(write_json) -> None:
    export = read_graph([write_json("users.json", [_user(assignedLicenses=[])])])

    assert export.tenant_id is None
    assert export.users[USER].enabled
    assert any("no organization" in warning for warning in export.warnings)
    assert any("accountEnabled" in warning for warning in export.warnings)
