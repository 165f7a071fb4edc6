"""The directory in Microsoft Graph v1.0's shapes (user, group, servicePrincipal, appRole,
appRoleAssignment, directoryRole, organization), as `import graph` reads them back.

Every id is the object's Graph id: the one Graph gave, or the GUID minted when the object was
made here. Nothing secret is read: no password hash, no credential.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import peewee as pw

from desktop.graph.licenses import P1_PLAN, P2_PLAN
from desktop.graph.mappers import DEFAULT_ACCESS_ROLE_ID, HIDE_APP_TAG, ROLE_TEMPLATES
from desktop.graph.records import APP_PROXY_TAG
from desktop.models import (
    Application,
    AppRole,
    Assignment,
    DirectoryRoleAssignment,
    Group,
    GroupMember,
    User,
)

from .core import iso

View = dict[str, Any]
BATCH = 500
GRAPH = "https://graph.microsoft.com/v1.0/$metadata#"

# The SKUs that carry Entra ID P1 and P2, as licenses.SKU_PLANS knows them.
P1_SKU = "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"  # AAD_PREMIUM
P2_SKU = "84a661c4-e949-4bd2-a560-ed7766fcaf2b"  # AAD_PREMIUM_P2 (P1's plan too)
LICENSE_SKUS = {"p1": (P1_SKU, (P1_PLAN,)), "p2": (P2_SKU, (P1_PLAN, P2_PLAN))}
ROLE_NAMES = {"global_admin": "Global Administrator",
              "cloud_app_admin": "Cloud Application Administrator",
              "app_admin": "Application Administrator"}
TEMPLATE_OF: dict[str, str] = {ours: template for template, ours in ROLE_TEMPLATES.items()}
SSO = {"password": "password", "saml": "saml", "oidc": "oidc", "none": None}
# Ids Graph has and Access Desk does not keep (application objects, role instances, where a
# gallery app came from) are derived from ids it keeps: the same on every export.
_DERIVED = uuid.UUID("5b0c5f0e-3c1f-4d36-9a55-0d8b1f3c2a71")


def derived_guid(*parts: str | None) -> str:
    return str(uuid.uuid5(_DERIVED, "/".join(str(part) for part in parts)))


def _paged(query: pw.ModelSelect[Any], model: Any) -> Iterator[list[Any]]:
    """Pages of BATCH rows by id: a large directory is never held whole."""
    last = 0
    while True:
        page = list(query.where(model.id > last).order_by(model.id).limit(BATCH))
        if page:
            yield page
        if len(page) < BATCH:
            return
        last = page[-1].id


# --- users ---------------------------------------------------------------------------------


def user_entity(user: User) -> View:
    sku, plans = LICENSE_SKUS.get(user.license, (None, ()))
    return {
        "id": user.graph_id,
        "userPrincipalName": user.upn,
        "displayName": user.display_name,
        "mail": user.mail,
        "department": user.department,
        "jobTitle": user.job_title,
        "accountEnabled": bool(user.enabled),
        "userType": "Guest" if user.user_type == "guest" else "Member",
        "externalUserState": user.external_user_state,
        "createdDateTime": iso(user.created_at),
        "assignedLicenses": [{"disabledPlans": [], "skuId": sku}] if sku else [],
        "assignedPlans": [
            {"assignedDateTime": iso(user.created_at), "capabilityStatus": "Enabled",
             "service": "AADPremiumService", "servicePlanId": plan}
            for plan in plans
        ],
    }


def users() -> Iterator[View]:
    for page in _paged(User.select(), User):
        yield from (user_entity(user) for user in page)


def _member(user: User) -> View:
    return {"@odata.type": "#microsoft.graph.user", "id": user.graph_id,
            "displayName": user.display_name, "userPrincipalName": user.upn}


# --- groups and directory roles ------------------------------------------------------------


def groups() -> Iterator[View]:
    """Groups with their members ($expand=members), each page's members read in one query."""
    for page in _paged(Group.select(), Group):
        members: dict[int, list[View]] = {group.id: [] for group in page}
        query = (GroupMember.select(GroupMember, User).join(User)
                 .where(GroupMember.group.in_(list(members)))
                 .order_by(GroupMember.group, User.upn))
        for row in query:
            members[row.group_id].append(_member(row.user))
        for group in page:
            yield {
                "id": group.graph_id,
                "displayName": group.name,
                "description": group.description,
                "groupTypes": ["DynamicMembership"] if group.dynamic else [],
                "mailEnabled": bool(group.mail_enabled),
                "securityEnabled": bool(group.security_enabled),
                # null: a cloud group (Graph's false means "synchronized no longer").
                "onPremisesSyncEnabled": True if group.on_prem_synced else None,
                "createdDateTime": iso(group.created_at),
                "members": members[group.id],
            }


def directory_roles(tenant_id: str) -> Iterator[View]:
    """The three roles Access Desk knows, activated, with their members."""
    holders: dict[str, list[View]] = {role: [] for role in ROLE_NAMES}
    query = (DirectoryRoleAssignment.select(DirectoryRoleAssignment, User).join(User)
             .order_by(User.upn))
    for row in query:
        if row.role in holders:
            holders[row.role].append(_member(row.user))
    for role, name in ROLE_NAMES.items():
        template = TEMPLATE_OF[role]
        yield {"id": derived_guid(tenant_id, "directoryRole", template), "displayName": name,
               "roleTemplateId": template, "members": holders[role]}


# --- applications --------------------------------------------------------------------------


def app_role_entity(role: AppRole) -> View:
    return {
        "allowedMemberTypes": [kind for kind, allowed in (
            ("User", role.user_assignable), ("Application", role.application_assignable))
            if allowed],
        "description": None,
        "displayName": role.display_name,
        "id": role.graph_id,
        "isEnabled": bool(role.enabled),
        "origin": "Application",
        "value": role.value,
    }


def service_principal_entity(app: Application, roles: list[AppRole], tenant_id: str) -> View:
    """What the importer reads the origin from: tags (application proxy), a template id
    (gallery), the owning tenant (consent: another one)."""
    tags = ["WindowsAzureActiveDirectoryIntegratedApp"]
    if app.origin == "app_proxy":
        tags.append(APP_PROXY_TAG)
    if app.hidden:
        tags.append(HIDE_APP_TAG)
    owner = derived_guid(app.app_id, "publisher") if app.origin == "consent" else tenant_id
    template = derived_guid(app.app_id, "template") if app.origin == "gallery" else None
    return {
        "id": app.graph_id,
        "appId": app.app_id,
        "displayName": app.name,
        "description": app.description,
        "homepage": app.homepage,
        "publisherName": app.publisher,
        "accountEnabled": True,
        "servicePrincipalType": "Application",
        "appOwnerOrganizationId": owner,
        "applicationTemplateId": template,
        "preferredSingleSignOnMode": SSO.get(app.sso_mode),
        "tags": tags,
        "appRoles": [app_role_entity(role) for role in roles],
    }


def service_principals(tenant_id: str) -> Iterator[View]:
    for page in _paged(Application.select(), Application):
        roles: dict[int, list[AppRole]] = {app.id: [] for app in page}
        for role in (AppRole.select().where(AppRole.application.in_(list(roles)))
                     .order_by(AppRole.application, AppRole.value)):
            roles[role.application_id].append(role)
        for app in page:
            yield service_principal_entity(app, roles[app.id], tenant_id)


def applications() -> Iterator[View]:
    """The application objects: they alone say whether public client flows are allowed."""
    for page in _paged(Application.select(), Application):
        for app in page:
            yield {"id": derived_guid(app.app_id, "application"), "appId": app.app_id,
                   "displayName": app.name, "isFallbackPublicClient": bool(app.public_client_flows)}


# --- assignments ---------------------------------------------------------------------------


def app_role_assignments() -> Iterator[View]:
    """Direct and group assignments, as /servicePrincipals/{id}/appRoleAssignedTo lists them."""
    query = (Assignment.select(Assignment, Application, User, Group, AppRole)
             .join(Application)
             .switch(Assignment).join(User, pw.JOIN.LEFT_OUTER)
             .switch(Assignment).join(Group, pw.JOIN.LEFT_OUTER)
             .switch(Assignment).join(AppRole, pw.JOIN.LEFT_OUTER))
    for page in _paged(query, Assignment):  # joined: no lookups per row
        for a in page:
            if a.user_id is not None:
                principal, kind, name = a.user.graph_id, "User", a.user.display_name
            else:
                principal, kind, name = a.group.graph_id, "Group", a.group.name
            yield {
                "id": a.graph_id,
                "appRoleId": a.role.graph_id if a.role_id else DEFAULT_ACCESS_ROLE_ID,
                "createdDateTime": iso(a.created_at),
                "principalDisplayName": name,
                "principalId": principal,
                "principalType": kind,
                "resourceDisplayName": a.application.name,
                "resourceId": a.application.graph_id,
            }


def organization(tenant_id: str, name: str | None) -> Iterator[View]:
    yield {"id": tenant_id, "displayName": name or "Access Desk directory"}


# file name and its @odata.context (an entity set, or the type), in the order written
DIRECTORY_FILES = (
    ("organization.json", "organization"),
    ("users.json", "users"),
    ("groups.json", "groups(members())"),
    ("directoryRoles.json", "directoryRoles(members())"),
    ("applications.json", "applications"),
    ("servicePrincipals.json", "servicePrincipals"),
    # No entity set lists every assignment: a collection of the type says what they are.
    ("appRoleAssignments.json", "Collection(microsoft.graph.appRoleAssignment)"),
)


def directory_entities(tenant_id: str, tenant_name: str | None) -> dict[str, Iterator[View]]:
    """Each file's entities, streamed."""
    return {
        "organization.json": organization(tenant_id, tenant_name),
        "users.json": users(),
        "groups.json": groups(),
        "directoryRoles.json": directory_roles(tenant_id),
        "applications.json": applications(),
        "servicePrincipals.json": service_principals(tenant_id),
        "appRoleAssignments.json": app_role_assignments(),
    }
