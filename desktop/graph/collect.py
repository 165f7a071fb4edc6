"""Merge every file's entities into one GraphExport.

Copies of one object (the same id in two pages or two files) merge when they agree; when they
differ, neither is imported. An object missing a required field or holding an invalid value is
skipped, and so is whatever depends on it (its members, its assignments). Members and licenses
add up over every file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from desktop.graph.fields import Placeholder, Props, Where, is_guid
from desktop.graph.licenses import LicenseEvidence, details_evidence, tier, user_evidence
from desktop.graph.mappers import (
    Application,
    DirectoryRole,
    default_access_role_ids,
    map_application,
    map_assignment,
    map_directory_role,
    map_group,
    map_organization,
    map_role_assignment,
    map_service_principal,
    map_user,
    member_id,
)
from desktop.graph.reader import (
    Entity,
    LeftOut,
    Page,
    json_files,
    read_page,
    type_kind,
    type_words,
)
from desktop.graph.records import (
    DirectoryRoleName,
    GraphAssignment,
    GraphDirectoryRole,
    GraphExport,
    GraphFormatError,
    GraphGroup,
    GraphServicePrincipal,
    GraphUser,
    NotImported,
    Skipped,
)

# Navigation properties that embed appRoleAssignments ($expand) in users, groups, apps.
_EMBEDDED_ASSIGNMENTS = ("appRoleAssignments", "appRoleAssignedTo")
# Membership: $expand=members, and a delta response's members@delta.
_EMBEDDED_MEMBERS = ("members", "members@delta")

# The properties two copies of one object must agree on (the ones the import reads); a
# property one copy lacks or holds null decides nothing ($select, PowerShell's nulls).
_COMPARED: dict[str, tuple[str, ...]] = {
    "user": ("userPrincipalName", "displayName", "mail", "department", "jobTitle",
             "accountEnabled"),
    "group": ("displayName", "description", "securityEnabled", "mailEnabled",
              "onPremisesSyncEnabled", "groupTypes"),
    "servicePrincipal": ("appId", "displayName", "publisherName", "homepage", "description",
                         "preferredSingleSignOnMode", "tags", "appOwnerOrganizationId",
                         "applicationTemplateId", "appRoles"),
    "application": ("appId", "isFallbackPublicClient"),
    "appRoleAssignment": ("principalId", "principalType", "resourceId", "appRoleId"),
    "directoryRole": ("displayName", "roleTemplateId"),
    "unifiedRoleAssignment": ("principalId", "roleDefinitionId", "directoryScopeId"),
    "organization": ("displayName",),
}
# Warnings about the objects of one file told one by one; the rest are counted.
WARNINGS_PER_FILE = 5
# The order objects are settled in: what others depend on first.
_ORDER = ("organization", "user", "group", "directoryRole", "servicePrincipal", "application",
          "unifiedRoleAssignment", "licenseDetails", "appRoleAssignment")
_KIND_WORDS = {
    "user": "user", "group": "group", "servicePrincipal": "service principal",
    "application": "application", "appRoleAssignment": "assignment",
    "directoryRole": "directory role", "unifiedRoleAssignment": "role assignment",
    "organization": "organization", "licenseDetails": "licenseDetails",
}


def read_graph(paths: Sequence[str | Path],
               progress: Callable[[str, int, int], None] | None = None) -> GraphExport:
    """Read Graph export files and folders (*.json, recursively), one object at a time.

    Raises GraphFormatError only for a file that cannot be an export (not JSON, cut short,
    the wrong shape, too large a value); incomplete objects are in GraphExport.skipped, and
    entries that are not regular files (or links out of their folder) in left_out."""
    collector = Collector()
    left_out: list[LeftOut] = []
    files = json_files(paths, left_out)
    if not files and left_out:
        # Nothing left to read at all: that is not an import, say why.
        raise GraphFormatError(left_out[0].path, None, None,
                               f"{left_out[0].reason}; there is no other file to read")
    for index, path in enumerate(files, 1):
        collector.add(read_page(path))
        if progress is not None:
            progress("files", index, len(files))
    try:
        export = collector.finish()
    except _Refused as refused:
        raise refused.error from None
    export.left_out = [(found.path, found.reason) for found in left_out]
    return export


@dataclass(frozen=True)
class _Tenant:
    graph_id: str
    name: str
    file: str


@dataclass(frozen=True)
class _Member:
    """One entry of a member list: the group's or role's id, and the member's entity."""

    owner_id: str
    entity: Entity


def _object_id(data: dict[str, Any]) -> str | None:
    found = data.get("id")
    if not isinstance(found, str) or not found.strip():
        return None
    # GUIDs compare case-insensitively; assignment ids are case-sensitive base64.
    return found.lower() if is_guid(found) else found


def _normal(value: Any) -> Any:
    """A value in a form that compares equal however the copy spelled it."""
    if isinstance(value, str):
        return value.lower() if is_guid(value) else value
    if isinstance(value, list):
        return sorted((_normal(item) for item in value), key=repr)
    if isinstance(value, dict):
        return sorted(
            ((key, _normal(item)) for key, item in value.items() if item is not None), key=repr
        )
    return value


class Collector:
    """Gathers entities file by file; finish() settles them once every file is read."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.skipped: list[Skipped] = []
        self.not_imported: Counter[tuple[str, str]] = Counter()
        # Every copy of every object, by kind and id, in the order first met.
        self.copies: dict[tuple[str, str], list[Entity]] = {}
        # Member entries from $expand and members@delta, then from members files.
        self.member_entries: list[_Member] = []
        self.file_members: list[_Member] = []
        # Where each object imported came from, for what the import says of it later.
        self.places: dict[str, tuple[str, str, int | None]] = {}
        # Objects skipped, by id, with the reason their dependants are told.
        self.skipped_ids: dict[str, str] = {}
        self.users: dict[str, GraphUser] = {}
        self.user_licenses: dict[str, LicenseEvidence] = {}
        self.users_without_enabled: set[str] = set()
        # licenseDetails by user id, kept apart from the user objects.
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
        # Members of our directory roles from roleManagement role assignments.
        self.role_assignments: dict[DirectoryRoleName, dict[str, None]] = {}
        self.tenant: _Tenant | None = None
        self._unnamed = 0
        # Warnings about objects imported, by file: the first few are told, the rest counted.
        self._warned: Counter[str] = Counter()

    # --- reading ------------------------------------------------------------------------

    def add(self, page: Page) -> None:
        self.warnings.extend(page.warnings)
        self.skipped.extend(page.skipped)
        for other in page.not_imported:
            self.not_imported[(other.file, other.type)] += other.count
        if page.members_of:
            self.file_members.extend(_Member(page.members_of, entry) for entry in page.members)
        for entity in page.entities:
            self._add_copy(entity)

    def _add_copy(self, entity: Entity) -> None:
        graph_id = _object_id(entity.data)
        if graph_id is None or entity.kind == "licenseDetails":
            # Nothing to tell two copies apart by: each stands alone.
            self._unnamed += 1
            graph_id = f"#{self._unnamed}"
        self.copies.setdefault((entity.kind, graph_id), []).append(entity)

    # --- settling -----------------------------------------------------------------------

    def finish(self) -> GraphExport:
        settle = {
            "organization": self._add_organization,
            "user": self._add_user,
            "group": self._add_group,
            "directoryRole": self._add_directory_role,
            "servicePrincipal": self._add_service_principal,
            "application": self._add_application,
            "unifiedRoleAssignment": self._add_role_assignment,
            "licenseDetails": self._add_license_details,
            "appRoleAssignment": self._add_assignment,
        }
        for kind in _ORDER:
            # Assignments embedded in users, groups and apps join the list as they are met.
            for key in [key for key in self.copies if key[0] == kind]:
                # Popped: once settled, an object's JSON is not kept for the rest of the run.
                entity = self._merged(self.copies.pop(key))
                if entity is not None:
                    self._settle(entity, settle[kind])
        self._add_members()
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
        for file, count in self._warned.items():
            if count > WARNINGS_PER_FILE:
                self.warnings.append(f"and {count - WARNINGS_PER_FILE:,} more warnings like "
                                     f"these in {file}")
        if self.tenant is None:
            self.warnings.append(
                "no organization in the export: the tenant is unknown, so apps owned by other "
                "tenants cannot be told from our own (add GET /organization)"
            )
        export.warnings = self.warnings
        export.skipped = self.skipped
        export.places = self.places
        export.not_imported = [
            NotImported(file, kind, type_words(kind), count)
            for (file, kind), count in self.not_imported.items()
        ]
        return export

    def _merged(self, copies: list[Entity]) -> Entity | None:
        """One entity from every copy of it; None (and both skipped) when two differ."""
        first = copies[0]
        if len(copies) == 1:
            return first
        merged = dict(first.data)
        compared = _COMPARED.get(first.kind, ())
        for copy in copies[1:]:
            differs = next(
                (
                    name
                    for name in compared
                    if merged.get(name) is not None
                    and copy.data.get(name) is not None
                    and _normal(merged[name]) != _normal(copy.data[name])
                ),
                None,
            )
            if differs is None and first.kind == "user":
                differs = _license_differs(first, copy)
            if differs is not None:
                self._conflict(copies, first, copy, differs)
                return None
            for name, value in copy.data.items():
                if merged.get(name) is None and value is not None:
                    merged[name] = value
        # Navigation lists (members, assignments) add up from every copy, not from one.
        for name in (*_EMBEDDED_MEMBERS, *_EMBEDDED_ASSIGNMENTS):
            lists = [copy.data.get(name) for copy in copies]
            if any(isinstance(found, list) for found in lists):
                merged[name] = [
                    item for found in lists if isinstance(found, list) for item in found
                ]
        return replace(first, data=merged)

    def _conflict(self, copies: list[Entity], one: Entity, other: Entity, field: str) -> None:
        graph_id = _object_id(one.data) or ""
        problem = (
            f"the same id {graph_id} twice with different content ({field} differs), at "
            f"{one.place} and at {other.place}; neither copy imported"
        )
        for copy in copies:
            self._skip(copy, problem)

    def _settle(self, entity: Entity, add: Any) -> None:
        props = Props(entity.data, entity.where)
        try:
            key = add(entity, props)
            if key:
                self.places[key] = (entity.where.file, entity.where.entity, entity.position)
            for warning in props.warnings:  # e.g. a name mixing scripts: imported, but told
                self._warned[entity.where.file] += 1
                if self._warned[entity.where.file] <= WARNINGS_PER_FILE:
                    self.warnings.append(warning)
        except Placeholder as placeholder:
            # Microsoft's documentation examples ("id-value"): nothing to import there.
            self._skip(entity, placeholder.problem, placeholder.field)
        except GraphFormatError as exc:
            self._skip(entity, exc.problem, exc.field)

    def _skip(self, entity: Entity, problem: str, field: str | None = None) -> None:
        graph_id = _object_id(entity.data)
        self.skipped.append(
            Skipped(entity.where.file, entity.kind, entity.where.entity, problem, field,
                    graph_id, entity.position)
        )
        if graph_id and graph_id not in self.skipped_ids:
            what = _KIND_WORDS.get(entity.kind, entity.kind)
            self.skipped_ids[graph_id] = f"its {what} {graph_id} was skipped ({entity.where.file})"

    def _depends(self, entity: Entity, *ids: str | None) -> bool:
        """Skip the entity when an object it depends on was skipped; True when it was."""
        for graph_id in ids:
            if graph_id and graph_id in self.skipped_ids:
                self._skip(entity, self.skipped_ids[graph_id])
                return True
        return False

    # --- one object of each kind ----------------------------------------------------------

    def _add_user(self, entity: Entity, props: Props) -> str | None:
        user, evidence = map_user(props)
        _check_nested(props)
        self.users[user.graph_id] = user
        self.user_licenses[user.graph_id] = evidence
        if props.get("accountEnabled") is None:
            self.users_without_enabled.add(user.graph_id)
        self._embedded_assignments(entity, props)
        return user.graph_id

    def _add_group(self, entity: Entity, props: Props) -> str | None:
        group = map_group(props)
        _check_nested(props)
        self.groups[group.graph_id] = group
        self.files.setdefault(group.graph_id, entity.where.file)
        self._embedded_members(entity, props, group.graph_id)
        self._embedded_assignments(entity, props)
        return group.graph_id

    def _add_service_principal(self, entity: Entity, props: Props) -> str | None:
        sp = map_service_principal(props)
        default_roles = default_access_role_ids(props)
        _check_nested(props)
        self.service_principals[sp.graph_id] = sp
        self.default_access_roles[sp.graph_id] = default_roles
        self._embedded_assignments(entity, props)
        return sp.graph_id

    def _add_application(self, entity: Entity, props: Props) -> None:
        app = map_application(props)
        self.applications[app.app_id] = app

    def _add_assignment(self, entity: Entity, props: Props) -> str | None:
        assignment = map_assignment(props)
        if self._depends(entity, assignment.principal_id, assignment.resource_id):
            return None
        key = assignment_key(assignment)
        self.assignments[key] = assignment
        return key

    def _add_directory_role(self, entity: Entity, props: Props) -> None:
        role = map_directory_role(props)
        _check_nested(props)
        self.files[role.graph_id] = entity.where.file
        if role.role is None:
            self.not_imported[(entity.where.file, "directoryRole")] += 1
            # Its members are not wanted either: not an orphan list.
            self.members.setdefault(role.graph_id, {})
            self.roles[role.graph_id] = role
            return
        self.roles[role.graph_id] = role
        self._embedded_members(entity, props, role.graph_id)

    def _add_role_assignment(self, entity: Entity, props: Props) -> None:
        found = map_role_assignment(props)
        file = entity.where.file
        if found.role is None:
            self.not_imported[(file, "unifiedRoleAssignment")] += 1
        elif found.scope != "/":
            self.not_imported[(file, "unifiedRoleAssignment (scoped)")] += 1
        elif not self._depends(entity, found.principal_id):
            self.role_assignments.setdefault(found.role, {})[found.principal_id] = None

    def _add_organization(self, entity: Entity, props: Props) -> None:
        graph_id, name = map_organization(props)
        if self.tenant and self.tenant.graph_id != graph_id:
            problem = f"a second tenant: {self.tenant.file} is tenant {self.tenant.graph_id}"
            raise _Refused(GraphFormatError(entity.where.file, entity.where.entity, "id", problem))
        self.tenant = _Tenant(graph_id, name, entity.where.file)

    def _add_license_details(self, entity: Entity, props: Props) -> None:
        evidence = details_evidence([props])
        if entity.owner_id is None:
            self._skip(
                entity,
                "licenseDetails without their user (save /users/{id}/licenseDetails in a file "
                "named with the user's id)",
            )
            return
        if self._depends(entity, entity.owner_id):
            return
        self.license_details.setdefault(entity.owner_id, []).append(evidence)
        self.license_details_files[entity.owner_id] = entity.where.file

    # --- what objects embed -------------------------------------------------------------

    def _embedded_assignments(self, entity: Entity, props: Props) -> None:
        for name in _EMBEDDED_ASSIGNMENTS:
            for index, nested in enumerate(props.objects(name) or []):
                where = Where(entity.where.file, f"{entity.where.entity}: {name}[{index}]")
                self._add_copy(Entity("appRoleAssignment", dict(nested.data), where, None))

    def _embedded_members(self, entity: Entity, props: Props, owner_id: str) -> None:
        found = False
        for name in _EMBEDDED_MEMBERS:
            for index, nested in enumerate(props.objects(name) or []):
                found = True
                where = Where(entity.where.file, f"{entity.where.entity}: {name}[{index}]")
                member = Entity("member", dict(nested.data), where, None)
                self.member_entries.append(_Member(owner_id, member))
            if props.get(name) is not None:
                found = True
        if found:
            self.members.setdefault(owner_id, {})
        if props.get("members@odata.nextLink") is not None:
            # $expand returns one page (20 objects); the rest needs /groups/{id}/members.
            self.warnings.append(
                f"{entity.where.file}: {entity.where.entity}: expanded members are incomplete "
                "(members@odata.nextLink); add a /members file for the rest"
            )

    def _add_members(self) -> None:
        removed: Counter[str] = Counter()
        for entry in (*self.member_entries, *self.file_members):
            entity, owner_id = entry.entity, entry.owner_id
            file = entity.where.file
            if "@removed" in entity.data:
                # members@delta: removed from the group; the import never removes.
                removed[file] += 1
                continue
            odata_type = entity.data.get("@odata.type")
            if isinstance(odata_type, str) and type_kind(odata_type) != "user":
                self.not_imported[(file, "member")] += 1
                continue
            try:
                member = member_id(Props(entity.data, entity.where))
            except Placeholder as placeholder:
                self._skip(entity, placeholder.problem, placeholder.field)
                continue
            except GraphFormatError as exc:
                self._skip(entity, exc.problem, exc.field)
                continue
            if self._depends(entity, owner_id, member):
                continue
            if owner_id not in self.groups and owner_id not in self.roles:
                self._skip(entity, f"no group or directory role {owner_id} in the export")
                continue
            role = self.roles.get(owner_id)
            if role is not None and role.role is None:
                continue  # a role Access Desk does not use, counted once as that role
            self.files.setdefault(owner_id, file)
            self.members.setdefault(owner_id, {})[member] = None
        for file, count in removed.items():
            self.warnings.append(
                f"{file}: {count:,} member(s) marked removed (@removed in members@delta) kept: "
                "the import never removes anything"
            )

    # --- the records ----------------------------------------------------------------------

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
        for name, principals in self.role_assignments.items():
            found.setdefault(name, {}).update(principals)
        return {name: GraphDirectoryRole(name, tuple(ids)) for name, ids in found.items()}

    def _member_ids(self, owner_id: str) -> tuple[str, ...] | None:
        members = self.members.get(owner_id)
        return None if members is None else tuple(members)


def assignment_key(assignment: GraphAssignment) -> str:
    """Its id, or for one exported without: what it assigns to whom."""
    return assignment.graph_id or "|".join(
        (assignment.principal_id, assignment.resource_id, assignment.app_role_id or "")
    )


def _check_nested(props: Props) -> None:
    """Raise before anything is stored if a nested list is not a list of objects."""
    for name in (*_EMBEDDED_MEMBERS, *_EMBEDDED_ASSIGNMENTS):
        props.objects(name)


class _Refused(Exception):  # noqa: N818 - carries the GraphFormatError out of _settle
    def __init__(self, error: GraphFormatError) -> None:
        super().__init__(str(error))
        self.error = error


def _license_differs(one: Entity, other: Entity) -> str | None:
    """'licenses' when both copies hold license data that gives another tier."""
    tiers = []
    for copy in (one, other):
        if copy.data.get("assignedLicenses") is None and copy.data.get("assignedPlans") is None:
            return None
        try:
            tiers.append(tier([user_evidence(Props(copy.data, copy.where))]))
        except (GraphFormatError, Placeholder):
            return None
    return "assignedLicenses" if tiers[0] != tiers[1] else None

