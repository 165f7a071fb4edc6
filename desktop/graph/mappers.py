"""Map one Graph entity (camelCase JSON) onto its record, checking the types Graph documents
and every value with the validators `users add` and the windows use (services.validators):
an invalid value fails the object, which the import then skips, naming the problem."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from desktop.graph.fields import GUID_RE, Props, shown
from desktop.graph.licenses import LicenseEvidence, user_evidence
from desktop.graph.records import (
    DirectoryRoleName,
    GraphAppRole,
    GraphAssignment,
    GraphGroup,
    GraphServicePrincipal,
    GraphUser,
    SsoMode,
    UserType,
)
from desktop.services import validators

# appRoleAssignment.appRoleId for "default access": assigned to the app, no specific role.
DEFAULT_ACCESS_ROLE_ID = "00000000-0000-0000-0000-000000000000"

# Our roles by the built-in role's template id, which is the same in every tenant ...
ROLE_TEMPLATES: dict[str, DirectoryRoleName] = {
    "62e90394-69f5-4237-9190-012177145e10": "global_admin",
    "158c047a-c907-4556-b7ef-446551a6b5f7": "cloud_app_admin",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "app_admin",
}
# ... and by display name, for exports whose $select left roleTemplateId out. Global
# Administrator was called Company Administrator before, and older tenants still say so.
ROLE_NAMES: dict[str, DirectoryRoleName] = {
    "global administrator": "global_admin",
    "company administrator": "global_admin",
    "cloud application administrator": "cloud_app_admin",
    "application administrator": "app_admin",
}

SSO_MODES: dict[str, SsoMode] = {"password": "password", "saml": "saml", "oidc": "oidc"}
HIDE_APP_TAG = "HideApp"


@dataclass(frozen=True)
class Application:
    """What we take from an application object: its appId and whether it allows public clients."""

    app_id: str
    public_client: bool


@dataclass(frozen=True)
class DirectoryRole:
    graph_id: str
    display_name: str
    role: DirectoryRoleName | None  # None: a role Access Desk has no use for


def _text(props: Props, name: str, *, lines: bool = False, required: bool = False) -> str | None:
    """A text property checked as people's input is (validators.text), or None when empty;
    `required`: missing fails the object."""
    value = props.required_text(name) if required else props.text(name)
    try:
        return validators.text(value, name, cap=validators.MAX_DESCRIPTION if lines
                               else validators.MAX_TEXT, lines=lines)
    except validators.InvalidValue as exc:
        props.fail(name, exc.problem)


def _name(props: Props, name: str, *, required: bool = False) -> str | None:
    """A display name: `_text`, and a warning when a word mixes scripts."""
    value = _text(props, name, required=required)
    warning = validators.mixed_scripts(value, "the name")
    if warning:
        props.warn(name, warning)
    return value


def map_user(user: Props) -> tuple[GraphUser, LicenseEvidence]:
    """The user, with license 'none' until every source of license data has been read."""
    upn = user.required_text("userPrincipalName").strip()
    try:
        validators.upn(upn)
    except validators.InvalidValue as exc:
        user.fail("userPrincipalName", exc.problem)
    record = GraphUser(
        graph_id=user.required_guid("id"),
        upn=upn,
        display_name=_name(user, "displayName") or upn,
        mail=_text(user, "mail"),
        department=_text(user, "department"),
        job_title=_text(user, "jobTitle"),
        # Graph's default $select leaves accountEnabled out; the reader warns about that.
        enabled=user.flag("accountEnabled") is not False,
        license="none",
        user_type=_user_type(user, upn),
        external_user_state=_text(user, "externalUserState"),
    )
    return record, user_evidence(user)


def _user_type(user: Props, upn: str) -> UserType:
    kind = user.text("userType")
    if kind is None:
        # Left out of $select: Entra gives every invited guest a #EXT# user principal name.
        return "guest" if "#ext#" in upn.lower() else "member"
    if kind.lower() not in ("member", "guest"):
        user.fail("userType", f"expected Member or Guest, got {shown(kind)}")
    return "guest" if kind.lower() == "guest" else "member"


def _time(props: Props, name: str) -> dt.datetime | None:
    """An Edm.DateTimeOffset as naive UTC (how the database keeps times), or None."""
    text = props.text(name)
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        props.fail(name, f"expected a time like 2024-05-01T09:30:00Z, got {shown(text)}")
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _required_name(props: Props) -> str:
    """A group's or an application's displayName: given, valid, warned about as `_name`."""
    name = _name(props, "displayName", required=True)
    assert name is not None
    return name


def map_group(group: Props) -> GraphGroup:
    """The group; its members are gathered apart, from every file that lists them."""
    group_types = {kind.lower() for kind in group.texts("groupTypes") or ()}
    return GraphGroup(
        graph_id=group.required_guid("id"),
        display_name=_required_name(group),
        description=_text(group, "description", lines=True),
        security_enabled=group.flag("securityEnabled") is True,
        # A Microsoft 365 ("Unified") group always has a mailbox, whatever a $select returned.
        mail_enabled=group.flag("mailEnabled") is True or "unified" in group_types,
        # true: synced from on-premises AD now; false (no longer) and null (never): cloud.
        on_prem_synced=group.flag("onPremisesSyncEnabled") is True,
        dynamic="dynamicmembership" in group_types,
        member_ids=None,
    )


def member_id(member: Props) -> str:
    """A member's id, from the object or from a $ref response's @odata.id URL."""
    found = member.guid("id")
    if found:
        return found
    url = member.text("@odata.id")
    guids = GUID_RE.findall(url or "")
    if not guids:
        member.fail("id", "missing")
    return guids[-1].lower()


def map_service_principal(sp: Props) -> GraphServicePrincipal:
    tags = sp.texts("tags") or ()
    sso = (sp.text("preferredSingleSignOnMode") or "").lower()
    roles = (map_app_role(role) for role in sp.objects("appRoles") or [])
    return GraphServicePrincipal(
        graph_id=sp.required_guid("id"),
        app_id=sp.required_guid("appId"),
        display_name=_required_name(sp),
        publisher=_text(sp, "publisherName") or _verified_publisher(sp),
        homepage=_text(sp, "homepage"),
        description=_text(sp, "description", lines=True),
        # notSupported and null both mean no single sign-on is configured.
        sso_mode=SSO_MODES.get(sso, "none"),
        hidden=HIDE_APP_TAG in tags,
        tags=tags,
        app_owner_org_id=sp.guid("appOwnerOrganizationId"),
        application_template_id=sp.guid("applicationTemplateId"),
        roles=tuple(role for role in roles if role is not None),
    )


def default_access_role_ids(sp: Props) -> frozenset[str]:
    """Ids of the roles without a value: an assignment to one of them is default access."""
    roles = sp.objects("appRoles") or []
    return frozenset(role.required_guid("id") for role in roles if not role.text("value"))


def _verified_publisher(sp: Props) -> str | None:
    verified = sp.nested("verifiedPublisher")
    return _text(verified, "displayName") if verified else None


def map_app_role(role: Props) -> GraphAppRole | None:
    """A choosable app role, or None for one without a value (msiam_access: default access)."""
    member_types = role.texts("allowedMemberTypes") or ()
    graph_id = role.required_guid("id")
    value = _text(role, "value")
    display_name = _text(role, "displayName")
    enabled = role.flag("isEnabled") is not False
    if not value:
        return None
    return GraphAppRole(
        graph_id=graph_id,
        value=value,
        display_name=display_name or value,
        user_assignable="User" in member_types,
        application_assignable="Application" in member_types,
        enabled=enabled,
    )


def map_application(app: Props) -> Application:
    app.required_guid("id")
    return Application(
        app_id=app.required_guid("appId"),
        public_client=app.flag("isFallbackPublicClient") is True,
    )


def map_assignment(assignment: Props) -> GraphAssignment:
    app_role_id = assignment.required_guid("appRoleId")
    graph_id = assignment.text("id") or None
    if graph_id is not None:
        try:
            validators.object_id(graph_id, "id")
        except validators.InvalidValue as exc:
            assignment.fail("id", exc.problem)
    return GraphAssignment(
        # Not required: an assignment without its id is matched by what it assigns.
        graph_id=graph_id,
        principal_id=assignment.required_guid("principalId"),
        principal_type=assignment.text("principalType"),
        resource_id=assignment.required_guid("resourceId"),
        app_role_id=None if app_role_id == DEFAULT_ACCESS_ROLE_ID else app_role_id,
        created=_time(assignment, "createdDateTime"),
    )


def map_directory_role(role: Props) -> DirectoryRole:
    """The role; it needs its id, and its roleTemplateId or its displayName to be told."""
    graph_id = role.required_guid("id")
    template = role.guid("roleTemplateId")
    display_name = role.text("displayName")
    if not template and not (display_name and display_name.strip()):
        role.fail("roleTemplateId", "missing, and so is displayName: the role cannot be told")
    name = (display_name or "").strip()
    ours = ROLE_TEMPLATES.get(template or "") or ROLE_NAMES.get(name.lower())
    return DirectoryRole(graph_id, name or str(template), ours)


@dataclass(frozen=True)
class RoleAssignment:
    """A unifiedRoleAssignment (roleManagement/directory/roleAssignments)."""

    principal_id: str
    role_definition_id: str
    role: DirectoryRoleName | None  # None: a role Access Desk has no use for
    scope: str  # directoryScopeId: "/" is the whole tenant


def map_role_assignment(assignment: Props) -> RoleAssignment:
    # For built-in roles the role definition's id is the role's template id.
    definition = assignment.required_guid("roleDefinitionId")
    return RoleAssignment(
        principal_id=assignment.required_guid("principalId"),
        role_definition_id=definition,
        role=ROLE_TEMPLATES.get(definition),
        scope=assignment.text("directoryScopeId") or "/",
    )


def map_organization(org: Props) -> tuple[str, str]:
    """The tenant's id and name."""
    name = _text(org, "displayName", required=True)
    assert name is not None
    return org.required_guid("id"), name
