"""Merge every file's entities into one GraphExport: last wins; members and licenses add up."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from desktop.graph.fields import Placeholder, Props
from desktop.graph.licenses import LicenseEvidence, details_evidence, tier
from desktop.graph.mappers import (
    Application,
    DirectoryRole,
    default_access_role_ids,
    map_application,
    map_assignment,
    map_directory_role,
    map_group,
    map_organization,
    map_service_principal,
    map_user,
    member_id,
)
from desktop.graph.reader import Entity, Page, json_files, read_page
from desktop.graph.records import (
    DirectoryRoleName,
    GraphAssignment,
    GraphDirectoryRole,
    GraphExport,
    GraphFormatError,
    GraphGroup,
    GraphServicePrincipal,
    GraphUser,
)

# Navigation properties that embed appRoleAssignments ($expand) in users, groups, apps.
_EMBEDDED_ASSIGNMENTS = ("appRoleAssignments", "appRoleAssignedTo")


def read_graph(paths: Sequence[str | Path]) -> GraphExport:
    """Read Graph export files and folders (*.json, recursively); raises GraphFormatError."""
    collector = Collector()
    for path in json_files(paths):
        collector.add(read_page(path))
    return collector.finish()


@dataclass(frozen=True)
class _Tenant:
    graph_id: str
    name: str
    file: str


class Collector:
    """Gathers records file by file; finish() settles what needs every file read first."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.users: dict[str, GraphUser] = {}
        self.user_licenses: dict[str, LicenseEvidence] = {}
        self.users_without_enabled: set[str] = set()
        # licenseDetails by user id, kept apart so a later user object doesn't drop them.
        self.license_details: dict[str, list[LicenseEvidence]] = {}
        self.license_details_files: dict[str, str] = {}
        self.groups: dict[str, GraphGroup] = {}
        # Member ids by group or role id, from $expand=members and from members files alike.
        self.members: dict[str, dict[str, None]] = {}
        # The file each group, role or member list came from, for warnings at the end.
        self.files: dict[str, str] = {}
        self.service_principals: dict[str, GraphServicePrincipal] = {}
        self.default_access_roles: dict[str, frozenset[str]] = {}
        self.applications: dict[str, Application] = {}
        self.assignments: dict[str, GraphAssignment] = {}
        self.roles: dict[str, DirectoryRole] = {}
        self.tenant: _Tenant | None = None
        self._adders: dict[str, Callable[[Entity, Props], None]] = {
            "user": self._add_user,
            "group": self._add_group,
            "servicePrincipal": self._add_service_principal,
            "application": self._add_application,
            "appRoleAssignment": self._add_assignment,
            "directoryRole": self._add_directory_role,
            "organization": self._add_organization,
            "licenseDetails": self._add_license_details,
        }

    def add(self, page: Page) -> None:
        self.warnings.extend(page.warnings)
        if page.members_of:
            self._add_member_list(page.members_of, page)
        for entity in page.entities:
            try:
                self._adders[entity.kind](entity, Props(entity.data, entity.where))
            except Placeholder as placeholder:
                # Microsoft's documentation examples ("id-value"): nothing to import there.
                self.warnings.append(
                    f"{entity.where.file}: {entity.where.entity}: skipped: {placeholder}"
                )

    def _add_user(self, entity: Entity, props: Props) -> None:
        user, evidence = map_user(props)
        assignments = _embedded_assignments(props)
        self.users[user.graph_id] = user
        self.user_licenses[user.graph_id] = evidence
        if props.get("accountEnabled") is not None:
            self.users_without_enabled.discard(user.graph_id)
        else:
            self.users_without_enabled.add(user.graph_id)
        self._store_assignments(assignments)

    def _add_group(self, entity: Entity, props: Props) -> None:
        group = map_group(props)
        members = self._embedded_members(entity, props)
        assignments = _embedded_assignments(props)
        self.groups[group.graph_id] = group
        self._store_members(group.graph_id, members)
        self._store_assignments(assignments)

    def _add_service_principal(self, entity: Entity, props: Props) -> None:
        sp = map_service_principal(props)
        default_roles = default_access_role_ids(props)
        assignments = _embedded_assignments(props)
        self.service_principals[sp.graph_id] = sp
        self.default_access_roles[sp.graph_id] = default_roles
        self._store_assignments(assignments)

    def _add_application(self, entity: Entity, props: Props) -> None:
        app = map_application(props)
        self.applications[app.app_id] = app

    def _add_assignment(self, entity: Entity, props: Props) -> None:
        self._store_assignments([map_assignment(props)])

    def _add_directory_role(self, entity: Entity, props: Props) -> None:
        role = map_directory_role(props)
        members = self._embedded_members(entity, props)
        self.roles[role.graph_id] = role
        self.files[role.graph_id] = entity.where.file
        self._store_members(role.graph_id, members)

    def _add_organization(self, entity: Entity, props: Props) -> None:
        graph_id, name = map_organization(props)
        if self.tenant and self.tenant.graph_id != graph_id:
            problem = f"a second tenant: {self.tenant.file} is tenant {self.tenant.graph_id}"
            raise GraphFormatError(entity.where.file, entity.where.entity, "id", problem)
        self.tenant = _Tenant(graph_id, name, entity.where.file)

    def _add_license_details(self, entity: Entity, props: Props) -> None:
        evidence = details_evidence([props])
        if entity.owner_id is None:
            self.warnings.append(
                f"{entity.where.file}: {entity.where.entity}: skipped: licenseDetails without "
                "their user (save /users/{id}/licenseDetails in a file named with the user's id)"
            )
            return
        self.license_details.setdefault(entity.owner_id, []).append(evidence)
        self.license_details_files[entity.owner_id] = entity.where.file

    def _add_member_list(self, owner_id: str, page: Page) -> None:
        try:
            ids = [member_id(Props(member.data, member.where)) for member in page.members]
        except Placeholder as placeholder:
            self.warnings.append(f"{page.file}: skipped: a member's {placeholder}")
            return
        self.files.setdefault(owner_id, page.file)
        self._store_members(owner_id, ids)

    def _embedded_members(self, entity: Entity, props: Props) -> list[str] | None:
        members = props.objects("members")
        if members is None:
            return None
        if props.get("members@odata.nextLink") is not None:
            # $expand returns one page (20 objects); the rest needs /groups/{id}/members.
            self.warnings.append(
                f"{entity.where.file}: {entity.where.entity}: expanded members are incomplete "
                "(members@odata.nextLink); add a /members file for the rest"
            )
        return [member_id(member) for member in members]

    def _store_members(self, owner_id: str, ids: Sequence[str] | None) -> None:
        if ids is not None:
            self.members.setdefault(owner_id, {}).update(dict.fromkeys(ids))

    def _store_assignments(self, assignments: Sequence[GraphAssignment]) -> None:
        for assignment in assignments:
            self.assignments[assignment.graph_id] = assignment

    def finish(self) -> GraphExport:
        export = GraphExport(
            tenant_id=self.tenant.graph_id if self.tenant else None,
            tenant_name=self.tenant.name if self.tenant else None,
            users=self._finished_users(),
            groups={
                group_id: replace(group, member_ids=self._member_ids(group_id))
                for group_id, group in self.groups.items()
            },
            service_principals=self._finished_service_principals(),
            assignments=self._finished_assignments(),
            directory_roles=self._finished_roles(),
        )
        self._warn_orphan_members()
        if self.tenant is None:
            self.warnings.append(
                "no organization in the export: the tenant is unknown, so apps owned by other "
                "tenants cannot be told from our own (add GET /organization)"
            )
        export.warnings = self.warnings
        return export

    def _finished_users(self) -> dict[str, GraphUser]:
        users = {}
        unknown_license = 0
        for user_id, user in self.users.items():
            sources = [self.user_licenses[user_id], *self.license_details.get(user_id, [])]
            unknown_license += not any(source.known for source in sources)
            users[user_id] = replace(user, license=tier(sources))
        for user_id in sorted(self.license_details.keys() - self.users.keys()):
            self.warnings.append(
                f"{self.license_details_files[user_id]}: licenseDetails of user {user_id} "
                "skipped: no such user in the export"
            )
        if unknown_license:
            self.warnings.append(
                f"{unknown_license} user(s) without license data (assignedLicenses, assignedPlans "
                "or licenseDetails): taken as unlicensed"
            )
        if self.users_without_enabled:
            self.warnings.append(
                f"{len(self.users_without_enabled)} user(s) exported without accountEnabled: "
                "taken as enabled (add accountEnabled to $select)"
            )
        return users

    def _finished_service_principals(self) -> dict[str, GraphServicePrincipal]:
        public_apps = {app.app_id for app in self.applications.values() if app.public_client}
        sps = {
            sp_id: replace(sp, public_client=sp.app_id in public_apps)
            for sp_id, sp in self.service_principals.items()
        }
        for app_id in sorted(public_apps - {sp.app_id for sp in sps.values()}):
            self.warnings.append(
                f"application {app_id} allows public client flows but has no service principal "
                "in the export: skipped"
            )
        return sps

    def _finished_assignments(self) -> dict[str, GraphAssignment]:
        return {key: self._with_default_access(found) for key, found in self.assignments.items()}

    def _with_default_access(self, assignment: GraphAssignment) -> GraphAssignment:
        """An assignment to a role without a value (msiam_access) is default access too."""
        default_roles = self.default_access_roles.get(assignment.resource_id, frozenset())
        if assignment.app_role_id in default_roles:
            return replace(assignment, app_role_id=None)
        return assignment

    def _finished_roles(self) -> dict[str, GraphDirectoryRole]:
        found: dict[DirectoryRoleName, dict[str, None]] = {}
        for role_id, role in self.roles.items():
            if role.role is None:
                continue
            if role_id not in self.members:
                self.warnings.append(
                    f"{self.files[role_id]}: directory role {role.display_name!r} skipped: its "
                    "members are not in the export ($expand=members or a members file)"
                )
                continue
            found.setdefault(role.role, {}).update(self.members[role_id])
        return {name: GraphDirectoryRole(name, tuple(ids)) for name, ids in found.items()}

    def _member_ids(self, owner_id: str) -> tuple[str, ...] | None:
        members = self.members.get(owner_id)
        return None if members is None else tuple(members)

    def _warn_orphan_members(self) -> None:
        for owner_id in sorted(self.members.keys() - self.groups.keys() - self.roles.keys()):
            self.warnings.append(
                f"{self.files[owner_id]}: members of {owner_id} skipped: no group or directory "
                "role of that id in the export"
            )


def _embedded_assignments(props: Props) -> list[GraphAssignment]:
    return [
        map_assignment(assignment)
        for name in _EMBEDDED_ASSIGNMENTS
        for assignment in props.objects(name) or []
    ]
