"""Importing a Microsoft Graph export: add and update by Graph id, never remove, one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee as pw

from desktop.errors import UsageError
from desktop.graph import (
    GraphExport,
    GraphFormatError,
    GraphGroup,
    GraphServicePrincipal,
    GraphUser,
    read_graph,
)
from desktop.graph.fields import shown
from desktop.models import (
    Application,
    AppRole,
    Assignment,
    DirectoryRoleAssignment,
    Group,
    GroupMember,
    User,
)

from .core import audit, get_setting, now, publish, put_setting, transaction
from .eligibility import unavailable_reason
from .requests import close_requests, pending_for_app
from .rights import require_global_admin

Progress = Callable[[str, int, int], None]


@dataclass
class ImportReport:
    dry_run: bool
    added: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    kept_by_admin: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    not_in_export: dict[str, list[str]] = field(default_factory=dict)

    def count(self, bucket: str, kind: str) -> None:
        target = getattr(self, bucket)
        target[kind] = target.get(kind, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run, "added": self.added, "changed": self.changed,
            "unchanged": self.unchanged, "changes": self.changes,
            "kept_by_admin": self.kept_by_admin, "warnings": self.warnings,
            "not_in_export": self.not_in_export,
        }


class _DryRun(Exception):
    """Raised at the end of a dry run so the transaction rolls every change back."""


def import_graph(actor: User, paths: Sequence[str | Path], *, dry_run: bool = False,
                 progress: Progress | None = None) -> ImportReport:
    require_global_admin(actor, "import a directory")
    try:
        export = read_graph(paths)
    except GraphFormatError as exc:
        raise UsageError(f"nothing was imported: {exc}") from exc
    except OSError as exc:
        raise UsageError(f"nothing was imported: cannot read {exc.filename}: {exc.strerror}") \
            from exc
    report = ImportReport(dry_run=dry_run, warnings=list(export.warnings))
    try:
        with transaction():
            actor = require_global_admin(actor, "import a directory")
            _Importer(actor, export, report, progress).run()
            if dry_run:
                report.not_in_export = _not_in_export(export)
                raise _DryRun
    except _DryRun:
        pass
    except pw.DataError as exc:  # e.g. a text PostgreSQL refuses; the transaction rolled back
        raise UsageError(f"nothing was imported: the database refused a value: {exc}") from exc
    return report


def _not_in_export(export: GraphExport) -> dict[str, list[str]]:
    def missing(model: Any, ids: set[str], label: Any) -> list[str]:
        query = model.select().where(model.graph_id.is_null() | model.graph_id.not_in(ids)
                                     if ids else True)
        return [label(row) for row in query.limit(1000)]

    return {
        "users": missing(User, set(export.users), lambda u: u.upn),
        "groups": missing(Group, set(export.groups), lambda g: g.name),
        "applications": missing(Application, set(export.service_principals), lambda a: a.name),
    }


class _Importer:
    def __init__(self, actor: User, export: GraphExport, report: ImportReport,
                 progress: Progress | None) -> None:
        self.actor, self.export, self.report = actor, export, report
        self.progress = progress or (lambda stage, done, total: None)
        self.users: dict[str, User] = {}
        self.groups: dict[str, Group] = {}
        self.apps: dict[str, Application] = {}
        self.roles: dict[str, AppRole] = {}

    def run(self) -> None:
        e = self.export
        if e.tenant_id and get_setting("tenant_id") != e.tenant_id:
            put_setting("tenant_id", e.tenant_id)
        if e.tenant_name and get_setting("tenant_name") != e.tenant_name:
            put_setting("tenant_name", e.tenant_name)
        self._each("users", list(e.users.values()), self._user)
        self._each("groups", list(e.groups.values()), self._group)
        self._each("group members", list(e.groups.values()), self._members)
        self._each("directory roles", list(e.directory_roles.values()), self._directory_role)
        self._each("applications", list(e.service_principals.values()), self._app)
        self._each("assignments", list(e.assignments.values()), self._assignment)
        r = self.report
        if r.added or r.changed:
            audit(self.actor, "import.graph", e.tenant_name or e.tenant_id,
                  {"added": r.added, "changed": r.changed, "warnings": len(r.warnings)})
            publish("directory")
            publish("settings")
            publish("access")

    def _each(self, stage: str, items: list[Any], fn: Callable[[Any], None]) -> None:
        total = len(items)
        for index, item in enumerate(items, 1):
            fn(item)
            if index % 200 == 0 or index == total:
                self.progress(stage, index, total)

    def _too_long(self, kind: str, label: str, model: Any, values: dict[str, Any]) -> bool:
        """Warn and return True when a text exceeds its column (PostgreSQL would refuse it)."""
        for key, value in values.items():
            field = model._meta.fields[key]
            limit = getattr(field, "max_length", None)
            if isinstance(field, pw.CharField) and isinstance(value, str) and limit \
                    and len(value) > limit:
                self.report.warnings.append(
                    f"{kind} {shown(label)}: {key} is longer than {limit} characters; skipped")
                return True
        return False

    def _apply(self, kind: str, row: Any, values: dict[str, Any], label: str) -> bool:
        """Update only the fields that differ; returns True when something changed."""
        diff = {k: v for k, v in values.items() if getattr(row, k) != v}
        if not diff:
            self.report.count("unchanged", kind)
            return False
        type(row).update(**diff).where(type(row).id == row.id).execute()
        for key, value in diff.items():
            setattr(row, key, value)
        self.report.count("changed", kind)
        self.report.changes.append(f"{kind} {label}: " + ", ".join(sorted(diff)))
        return True

    # --- users, groups, roles ---------------------------------------------------------

    def _user(self, g: GraphUser) -> None:
        user = User.get_or_none(User.graph_id == g.graph_id) or User.get_or_none(
            (User.upn == g.upn.lower()) & User.graph_id.is_null())
        values = {"upn": g.upn.lower(), "display_name": g.display_name, "mail": g.mail,
                  "department": g.department, "job_title": g.job_title, "enabled": g.enabled,
                  "license": g.license, "graph_id": g.graph_id}
        if self._too_long("user", g.upn, User, values):
            return
        if user is None:
            clash = User.get_or_none(User.upn == g.upn.lower())
            if clash is not None:
                self.report.warnings.append(
                    f"user {g.upn}: another Graph object already has this UPN; skipped")
                return
            user = User.create(created_at=now(), **values)
            self.report.count("added", "users")
        else:
            if user.upn != values["upn"] and User.select().where(
                    (User.upn == values["upn"]) & (User.id != user.id)).exists():
                # a UPN moved to another Graph object: updating would break UPN uniqueness
                self.report.warnings.append(
                    f"user {g.upn}: another user already has this UPN; not updated")
                self.users[g.graph_id] = user
                return
            was_enabled, was_licensed = user.enabled, user.licensed
            if self._apply("users", user, values, g.upn.lower()):
                from . import directory

                if was_enabled and not user.enabled:
                    directory._on_disabled(self.actor, user)
                elif was_licensed and not user.licensed:
                    directory._on_license_lost(self.actor, user)
        self.users[g.graph_id] = user

    def _group(self, g: GraphGroup) -> None:
        group = Group.get_or_none(Group.graph_id == g.graph_id) or Group.get_or_none(
            (pw.fn.LOWER(Group.name) == g.display_name.lower()) & Group.graph_id.is_null())
        values = {"name": g.display_name, "description": g.description,
                  "security_enabled": g.security_enabled, "mail_enabled": g.mail_enabled,
                  "on_prem_synced": g.on_prem_synced, "dynamic": g.dynamic,
                  "graph_id": g.graph_id}
        if self._too_long("group", g.display_name, Group, values):
            return
        if group is None:
            group = Group.create(created_at=now(), **values)
            self.report.count("added", "groups")
        else:
            self._apply("groups", group, values, g.display_name)
        self.groups[g.graph_id] = group

    def _members(self, g: GraphGroup) -> None:
        if g.member_ids is None:
            return
        group = self.groups.get(g.graph_id)
        if group is None:  # skipped, and said so
            return
        for member_id in g.member_ids:
            user = self._find_user(member_id)
            if user is None:
                if member_id not in self.export.groups:  # nested groups are not modelled
                    self.report.warnings.append(
                        f"group {g.display_name}: member {member_id} is neither in the export "
                        "nor in the database; skipped")
                continue
            exists = GroupMember.select().where(
                (GroupMember.group == group) & (GroupMember.user == user)).exists()
            if not exists:
                GroupMember.create(group=group, user=user, source="import", added_at=now())
                self.report.count("added", "group members")

    def _directory_role(self, role: Any) -> None:
        for member_id in role.member_ids:
            user = self._find_user(member_id)
            if user is None:
                self.report.warnings.append(
                    f"directory role {role.role}: member {member_id} is not a known user; "
                    "skipped")
                continue
            exists = DirectoryRoleAssignment.select().where(
                (DirectoryRoleAssignment.user == user)
                & (DirectoryRoleAssignment.role == role.role)).exists()
            if not exists:
                DirectoryRoleAssignment.create(user=user, role=role.role)
                self.report.count("added", "directory roles")

    def _find_user(self, graph_id: str) -> User | None:
        return self.users.get(graph_id) or User.get_or_none(User.graph_id == graph_id)

    # --- applications -----------------------------------------------------------------

    def _app(self, sp: GraphServicePrincipal) -> None:
        app = Application.get_or_none(Application.graph_id == sp.graph_id) or \
            Application.get_or_none((pw.fn.LOWER(Application.name) == sp.display_name.lower())
                                    & Application.graph_id.is_null())
        origin = sp.origin(self.export.tenant_id)
        values: dict[str, Any] = {
            "name": sp.display_name, "publisher": sp.publisher, "description": sp.description,
            "homepage": sp.homepage, "sso_mode": sp.sso_mode, "hidden": sp.hidden,
            "public_client_flows": sp.public_client, "app_id": sp.app_id,
            "graph_id": sp.graph_id, "origin": origin,
        }
        if self._too_long("application", sp.display_name, Application, values):
            return
        if app is None:
            app = Application.create(created_at=now(), **values)
            self.report.count("added", "applications")
        else:
            if app.origin_set_by_admin and app.origin != origin:
                self.report.kept_by_admin.append(
                    f"{app.name}: origin kept as {app.origin} (set by an administrator; "
                    f"the export says {origin})")
                values.pop("origin")
            was_available = unavailable_reason(app) is None
            if self._apply("applications", app, values, sp.display_name):
                why = unavailable_reason(app)
                if was_available and why:
                    close_requests(pending_for_app(app.id),
                                   f"{app.name} is no longer offered for self-service: {why[1]}",
                                   self.actor)
        self.apps[sp.graph_id] = app
        for r in sp.roles:
            role = AppRole.get_or_none((AppRole.application == app) & (
                (AppRole.graph_id == r.graph_id) | (AppRole.value == r.value)))
            role_values = {"value": r.value, "display_name": r.display_name,
                           "user_assignable": r.user_assignable,
                           "application_assignable": r.application_assignable,
                           "enabled": r.enabled, "graph_id": r.graph_id}
            if self._too_long("app role", f"{app.name}/{r.value}", AppRole, role_values):
                continue
            if role is None:
                role = AppRole.create(application=app, **role_values)
                self.report.count("added", "app roles")
            else:
                self._apply("app roles", role, role_values, f"{app.name}/{r.value}")
            self.roles[r.graph_id] = role

    def _assignment(self, a: Any) -> None:
        app = self.apps.get(a.resource_id) or Application.get_or_none(
            Application.graph_id == a.resource_id)
        if app is None:
            self.report.warnings.append(
                f"assignment {a.graph_id}: application {a.resource_id} is not known; skipped")
            return
        user = group = None
        if (a.principal_type or "").lower() == "group" or a.principal_id in self.export.groups:
            group = self.groups.get(a.principal_id) or Group.get_or_none(
                Group.graph_id == a.principal_id)
        else:
            user = self._find_user(a.principal_id)
        if user is None and group is None:
            self.report.warnings.append(
                f"assignment {a.graph_id}: principal {a.principal_id} is not known; skipped")
            return
        role = None
        if a.app_role_id:
            role = self.roles.get(a.app_role_id) or AppRole.get_or_none(
                AppRole.graph_id == a.app_role_id)
        values = {"application": app.id, "user": user.id if user else None,
                  "group": group.id if group else None, "role": role.id if role else None}
        existing = Assignment.get_or_none(Assignment.graph_id == a.graph_id)
        if existing is None:
            Assignment.create(graph_id=a.graph_id, created_at=now(), **values)
            self.report.count("added", "assignments")
        else:
            current = {"application": existing.application_id, "user": existing.user_id,
                       "group": existing.group_id, "role": existing.role_id}
            if current != values:
                Assignment.update(**values).where(Assignment.id == existing.id).execute()
                self.report.count("changed", "assignments")
            else:
                self.report.count("unchanged", "assignments")
