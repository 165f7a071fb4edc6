"""Importing a Microsoft Graph export: add and update by Graph id, never remove, one transaction.

One policy for the command line and the window: a file that cannot be an export refuses the
whole import; an object missing a required field or holding an invalid value is skipped with
what depends on it, and the rest imported (`strict` refuses instead); types Access Desk does
not import are counted by file. Every problem is told in one run, capped per file and kind."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, cast

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
from desktop.graph.collect import assignment_key
from desktop.graph.fields import shown
from desktop.graph.reader import type_words
from desktop.graph.records import GraphAssignment, NotImported, Skipped
from desktop.graph.report import (  # noqa: F401 - the window reads them here too
    left_out_lines,
    not_imported_lines,
    skipped_lines,
)
from desktop.models import (
    Application,
    AppRole,
    Assignment,
    DirectoryRoleAssignment,
    Group,
    GroupMember,
    User,
    database_proxy,
    search,
)
from desktop.models.base import new_assignment_key

from .core import audit, get_setting, now, publish, put_setting, transaction
from .policy import is_licensed, unavailable_reason
from .requests import close_requests, pending_for_app
from .rights import require_global_admin

Progress = Callable[[str, int, int], None]

# Problems told one by one per file, kind of object and field; the rest are counted.
SHOWN_PER_KIND = 5


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
    # Every object left out, and why (as_dict tells the first few of each kind per file).
    skipped: list[Skipped] = field(default_factory=list)
    not_imported: list[NotImported] = field(default_factory=list)
    strict: bool = False
    # Entries of the folders named that were not read (not regular files, links out of the
    # folder), and why: (path, reason).
    left_out: list[tuple[str, str]] = field(default_factory=list)

    def count(self, bucket: str, kind: str) -> None:
        target = getattr(self, bucket)
        target[kind] = target.get(kind, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        shown_, more = _capped(self.skipped)
        return {
            "dry_run": self.dry_run, "strict": self.strict, "added": self.added,
            "changed": self.changed, "unchanged": self.unchanged,
            "skipped_count": len(self.skipped),
            "skipped": [found.as_dict() for found in shown_], "skipped_more": more,
            "not_imported": [found.as_dict() for found in self.not_imported],
            "changes": self.changes, "kept_by_admin": self.kept_by_admin,
            "warnings": self.warnings, "not_in_export": self.not_in_export,
            "left_out": [{"path": path, "reason": reason} for path, reason in self.left_out],
        }


def _capped(skipped: Sequence[Skipped]) -> tuple[list[Skipped], list[dict[str, Any]]]:
    """The first few of each file, kind and field; the rest as counts."""
    seen: Counter[tuple[str, str, str | None]] = Counter()
    shown_: list[Skipped] = []
    for found in skipped:
        key = (found.file, found.kind, found.field)
        seen[key] += 1
        if seen[key] <= SHOWN_PER_KIND:
            shown_.append(found)
    more = [{"file": file, "kind": kind, "field": field_, "count": count - SHOWN_PER_KIND}
            for (file, kind, field_), count in seen.items() if count > SHOWN_PER_KIND]
    return shown_, more


STAGE_WORDS = {"files": "Reading files", "users": "Users", "groups": "Groups",
               "group members": "Group members", "directory roles": "Directory roles",
               "applications": "Applications", "assignments": "Assignments"}


def progress_line(stage: str, done: int, total: int, width: int = 30) -> str:
    """One line of a terminal's progress bar, e.g. 'Users [#######-------] 40,000 of 100,000'."""
    filled = width * done // max(total, 1)
    return (f"{STAGE_WORDS.get(stage, stage):<16} [{'#' * filled}{'-' * (width - filled)}] "
            f"{done:,} of {total:,}")


class ImportCancelled(UsageError):
    """Raised from a progress callback to stop an import: its transaction rolls back."""

    def __init__(self) -> None:
        super().__init__("the import was cancelled; nothing was imported")


class _DryRun(Exception):
    """Raised at the end of a dry run so the transaction rolls every change back."""


def import_graph(actor: User, paths: Sequence[str | Path], *, dry_run: bool = False,
                 strict: bool = False, progress: Progress | None = None) -> ImportReport:
    """Import the export; `strict` refuses it (UsageError, nothing changed) when any object
    would be skipped. A dry run does everything but commit, so it tells exactly the same."""
    require_global_admin(actor, "import a directory")
    try:
        export = read_graph(paths, progress)
    except GraphFormatError as exc:
        raise UsageError(f"nothing was imported: {exc}") from exc
    except OSError as exc:
        raise UsageError(f"nothing was imported: cannot read {exc.filename}: {exc.strerror}") \
            from exc
    report = ImportReport(dry_run=dry_run, warnings=list(export.warnings),
                          skipped=list(export.skipped), not_imported=list(export.not_imported),
                          strict=strict, left_out=list(export.left_out))
    try:
        with transaction():
            actor = require_global_admin(actor, "import a directory")
            _Importer(actor, export, report, progress).run()
            if strict and report.skipped:
                raise UsageError(_strict_refusal(report))  # rolls the transaction back
            if dry_run:
                report.not_in_export = _not_in_export(export)
                raise _DryRun
    except _DryRun:
        pass
    except pw.DataError as exc:  # e.g. a text PostgreSQL refuses; the transaction rolled back
        raise UsageError(f"nothing was imported: the database refused a value: {exc}") from exc
    return report


def _strict_refusal(report: ImportReport) -> str:
    count = len(report.skipped)
    objects = "object has a problem" if count == 1 else "objects have problems"
    lines = skipped_lines(report.as_dict())
    # One line, as every error of the command line is: the problems separated by "; ".
    return (f"nothing was imported (--strict): {count:,} {objects}; without --strict they "
            "would be skipped and the rest imported: " + "; ".join(lines))


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
        # Users by Graph id: their row's id and UPN (a new one's id once inserted).
        self.users: dict[str, _UserRef] = {}
        self.groups: dict[str, Group] = {}
        self.apps: dict[str, Application | None] = {}
        self.roles: dict[str, AppRole | None] = {}
        # Objects skipped here, by Graph id, with the reason their dependants are told.
        self.skipped_ids: dict[str, str] = {}
        # What the database holds, read once (not one query per object), and the new rows,
        # inserted many at a time at the end of their stage.
        self.time = now()
        self.by_graph: dict[str, User] = {}
        self.by_upn: dict[str, User | None] = {}  # None: a user this import adds
        self.new_users: list[dict[str, Any]] = []
        self.groups_by_graph: dict[str, Group] = {}
        self.groups_by_name: dict[str, Group] = {}
        self.memberships: set[tuple[int, int]] = set()
        self.new_members: list[dict[str, Any]] = []
        self.assignments_by_graph: dict[str, tuple[Any, ...]] = {}
        self.assignments_by_what: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self.new_assignments: list[dict[str, Any]] = []
        self.role_cache: dict[tuple[str, int], AppRole | None] = {}

    def run(self) -> None:
        e = self.export
        if e.tenant_id and get_setting("tenant_id") != e.tenant_id:
            put_setting("tenant_id", e.tenant_id)
        if e.tenant_name and get_setting("tenant_name") != e.tenant_name:
            put_setting("tenant_name", e.tenant_name)
        self._load_users()
        self._each("users", list(e.users.values()), self._user)
        self._insert_users()
        self._load_groups()
        self._each("groups", list(e.groups.values()), self._group)
        self._each("group members", list(e.groups.values()), self._members)
        _insert(GroupMember, self.new_members)
        self._each("directory roles", list(e.directory_roles.values()), self._directory_role)
        self._each("applications", list(e.service_principals.values()), self._app)
        self._load_assignments()
        self._each("assignments", list(e.assignments.values()), self._assignment)
        _insert(Assignment, self.new_assignments)
        r = self.report
        if r.added or r.changed:
            audit(self.actor, "import.graph", e.tenant_name or e.tenant_id,
                  {"added": r.added, "changed": r.changed, "warnings": len(r.warnings),
                   "skipped": len(r.skipped)})
            publish("directory")
            publish("settings")
            publish("access")

    def _each(self, stage: str, items: list[Any], fn: Callable[[Any], None]) -> None:
        total = len(items)
        for index, item in enumerate(items, 1):
            fn(item)
            if index % 200 == 0 or index == total:
                self.progress(stage, index, total)

    def _skip(self, kind: str, key: str | None, label: str, problem: str,
              field_: str | None = None) -> None:
        """Leave an object out, saying where it came from and why."""
        file, where, position = self.export.places.get(key or "", ("", label, None))
        self.report.skipped.append(Skipped(file or "(export)", kind, where, problem, field_,
                                           key if key and "|" not in key else None, position))
        if key and key not in self.skipped_ids:
            self.skipped_ids[key] = f"{label} was skipped ({problem})"

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

    def _load_users(self) -> None:
        for user in User.select():
            if user.graph_id:
                self.by_graph[user.graph_id] = user
            self.by_upn[user.upn] = user

    def _user(self, g: GraphUser) -> None:
        upn = g.upn.lower()
        # A row made here (its GUID minted, not Graph's) is the same person when the UPN is.
        user = self.by_graph.get(g.graph_id)
        if user is None:
            found = self.by_upn.get(upn)
            user = found if found is not None and not found.graph_imported else None
        values = {"upn": upn, "display_name": g.display_name, "mail": g.mail,
                  "department": g.department, "job_title": g.job_title, "enabled": g.enabled,
                  "license": g.license, "user_type": g.user_type,
                  "external_user_state": g.external_user_state, "graph_id": g.graph_id,
                  "graph_imported": True}
        if user is None:
            if upn in self.by_upn:
                self._skip("user", g.graph_id, f"user {shown(g.upn)}",
                           "another object in the database already has this UPN")
                return
            self.by_upn[upn] = None
            self.new_users.append({"created_at": self.time, **values})
            self.report.count("added", "users")
            return
        if user.upn != upn and self.by_upn.get(upn, user) is not user:
            # a UPN moved to another Graph object: updating would break UPN uniqueness
            self._skip("user", g.graph_id, f"user {shown(g.upn)}",
                       "another user in the database already has this UPN; not updated")
            self.users[g.graph_id] = _UserRef(user.id, user.upn)
            return
        was_enabled, was_licensed, was_upn = user.enabled, is_licensed(user), user.upn
        if self._apply("users", user, values, upn):
            from . import directory

            self.by_upn.pop(was_upn, None)
            self.by_upn[user.upn] = user
            self.by_graph[g.graph_id] = user
            if was_enabled and not user.enabled:
                directory._on_disabled(self.actor, user)
            elif was_licensed and not is_licensed(user):
                directory._on_license_lost(self.actor, user)
        self.users[g.graph_id] = _UserRef(user.id, user.upn)

    def _insert_users(self) -> None:
        self.new_users.sort(key=lambda row: row["upn"])  # the search index's order
        with search.rows_added_in_bulk(database_proxy.obj, search.USER_SEARCH):
            _insert(User, self.new_users)
        new = {row["graph_id"] for row in self.new_users}
        if new:
            query = User.select(User.id, User.graph_id, User.upn).where(User.graph_imported)
            for user_id, graph_id, upn in cast(Iterable[tuple[int, str, str]], query.tuples()):
                if graph_id in new:
                    self.users[graph_id] = _UserRef(user_id, upn)

    def _load_groups(self) -> None:
        for group in Group.select():
            if group.graph_id:
                self.groups_by_graph[group.graph_id] = group
            if not group.graph_imported:
                self.groups_by_name.setdefault(group.name.lower(), group)
        self.memberships = set(cast(Iterable[tuple[int, int]], GroupMember.select(
            GroupMember.group, GroupMember.user).tuples()))

    def _group(self, g: GraphGroup) -> None:
        group = self.groups_by_graph.get(g.graph_id) or self.groups_by_name.pop(
            g.display_name.lower(), None)
        values = {"name": g.display_name, "description": g.description,
                  "security_enabled": g.security_enabled, "mail_enabled": g.mail_enabled,
                  "on_prem_synced": g.on_prem_synced, "dynamic": g.dynamic,
                  "graph_id": g.graph_id, "graph_imported": True}
        if group is None:
            group = Group.create(created_at=self.time, **values)
            self.report.count("added", "groups")
            self.groups_by_graph[g.graph_id] = group
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
                if member_id in self.export.groups:  # nested groups are not modelled
                    self._not_imported(g.graph_id, "member")
                else:
                    self._skip("member", g.graph_id, f"group {shown(g.display_name)}",
                               self._unknown(member_id, "member"))
                continue
            if (group.id, user.id) not in self.memberships:
                self.memberships.add((group.id, user.id))
                self.new_members.append({"group": group.id, "user": user.id,
                                         "source": "import", "added_at": self.time})
                self.report.count("added", "group members")

    def _directory_role(self, role: Any) -> None:
        for member_id in role.member_ids:
            user = self._find_user(member_id)
            if user is None:
                self._skip("member", None, f"directory role {role.role}",
                           self._unknown(member_id, "member"))
                continue
            exists = DirectoryRoleAssignment.select().where(
                (DirectoryRoleAssignment.user == user.id)
                & (DirectoryRoleAssignment.role == role.role)).exists()
            if not exists:
                DirectoryRoleAssignment.create(user=user.id, role=role.role)
                self.report.count("added", "directory roles")

    def _unknown(self, graph_id: str, what: str) -> str:
        """Why a reference to `graph_id` leads nowhere."""
        if graph_id in self.skipped_ids:
            return f"{what} {graph_id}: {self.skipped_ids[graph_id]}"
        return f"{what} {graph_id} is neither in the export nor in the database"

    def _not_imported(self, key: str, kind: str) -> None:
        file = self.export.places.get(key, ("(export)", "", None))[0]
        for index, found in enumerate(self.report.not_imported):
            if (found.file, found.type) == (file, kind):
                self.report.not_imported[index] = NotImported(file, kind, found.what,
                                                              found.count + 1)
                return
        self.report.not_imported.append(NotImported(file, kind, type_words(kind), 1))

    def _find_user(self, graph_id: str) -> _UserRef | None:
        found = self.users.get(graph_id)
        if found is None and graph_id in self.by_graph:
            user = self.by_graph[graph_id]
            found = _UserRef(user.id, user.upn)
        return found

    # --- applications -----------------------------------------------------------------

    def _app(self, sp: GraphServicePrincipal) -> None:
        app = Application.get_or_none(Application.graph_id == sp.graph_id) or \
            Application.get_or_none((pw.fn.LOWER(Application.name) == sp.display_name.lower())
                                    & ~Application.graph_imported)
        origin = sp.origin(self.export.tenant_id)
        values: dict[str, Any] = {
            "name": sp.display_name, "publisher": sp.publisher, "description": sp.description,
            "homepage": sp.homepage, "sso_mode": sp.sso_mode, "hidden": sp.hidden,
            "public_client_flows": sp.public_client, "app_id": sp.app_id,
            "graph_id": sp.graph_id, "graph_imported": True, "origin": origin,
        }
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
            if role is None:
                role = AppRole.create(application=app, **role_values)
                self.report.count("added", "app roles")
            else:
                self._apply("app roles", role, role_values, f"{app.name}/{r.value}")
            self.roles[r.graph_id] = role

    def _assignment(self, a: GraphAssignment) -> None:
        key = assignment_key(a)
        label = f"assignment {a.graph_id}" if a.graph_id else "assignment"
        if a.resource_id not in self.apps:
            self.apps[a.resource_id] = Application.get_or_none(
                Application.graph_id == a.resource_id)
        app = self.apps[a.resource_id]
        if app is None:
            self._skip("appRoleAssignment", key, label,
                       self._unknown(a.resource_id, "application (resourceId)"))
            return
        user = group = None
        if (a.principal_type or "").lower() == "group" or a.principal_id in self.export.groups:
            group = self.groups.get(a.principal_id) or self.groups_by_graph.get(a.principal_id)
        else:
            user = self._find_user(a.principal_id)
        if user is None and group is None:
            self._skip("appRoleAssignment", key, label,
                       self._unknown(a.principal_id, "principal"))
            return
        role = None
        if a.app_role_id:
            role = self.roles.get(a.app_role_id)
            if role is None:
                if (a.app_role_id, app.id) not in self.role_cache:
                    self.role_cache[(a.app_role_id, app.id)] = AppRole.get_or_none(
                        (AppRole.graph_id == a.app_role_id) & (AppRole.application == app))
                role = self.role_cache[(a.app_role_id, app.id)]
            if role is None or role.application_id != app.id:
                # Never default access in its place: that would change what he may do.
                who = user.upn if user else group.name if group else a.principal_id
                self._skip("appRoleAssignment", key, label,
                           f"app role {a.app_role_id} of {shown(app.name)} (assigned to "
                           f"{shown(who)}, {a.principal_id}) is in neither the export nor the "
                           "database (appRoles left out of $select, or the role deleted)",
                           "appRoleId")
                return
        values = {"application": app.id, "user": user.id if user else None,
                  "group": group.id if group else None, "role": role.id if role else None}
        what = (values["application"], values["user"], values["group"], values["role"])
        if a.graph_id:
            existing = self.assignments_by_graph.get(a.graph_id)
        else:  # exported without its id: the same application, principal and role
            existing = self.assignments_by_what.get(what)
        if existing is None:
            # createdDateTime: when it was made in the tenant, not when it came in.
            self.new_assignments.append({"graph_id": a.graph_id or new_assignment_key(),
                                         "created_at": a.created or self.time, **values})
            self.assignments_by_what.setdefault(what, (0, *what))
            self.report.count("added", "assignments")
        elif existing[1:] != what:
            Assignment.update(**values).where(Assignment.id == existing[0]).execute()
            self.report.count("changed", "assignments")
        else:
            self.report.count("unchanged", "assignments")

    def _load_assignments(self) -> None:
        query = Assignment.select(Assignment.id, Assignment.graph_id, Assignment.application,
                                  Assignment.user, Assignment.group, Assignment.role)
        rows = cast(Iterable[tuple[Any, ...]], query.order_by(Assignment.id).tuples())
        for row_id, graph_id, *what in rows:
            row = (row_id, *what)
            if graph_id:
                self.assignments_by_graph[graph_id] = row
            self.assignments_by_what.setdefault(tuple(what), row)


class _UserRef(NamedTuple):
    """A user row as the import needs it: its id and UPN."""

    id: int
    upn: str


def _insert(model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert the rows with one prepared statement (executemany) inside the transaction:
    peewee's insert_many builds its SQL value by value, which costs more than the insert.
    Values go through each field's db_value as peewee would; SQLite's search index
    triggers follow every row."""
    if not rows:
        return
    db = model._meta.database
    names = list(rows[0])
    fields = [model._meta.fields[name] for name in names]
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    marks = ", ".join([db.param] * len(fields))
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})'
    cursor = db.cursor()
    for batch in pw.chunked(rows, 2000):
        cursor.executemany(sql, [tuple(field.db_value(row[name]) for name, field
                                       in zip(names, fields, strict=True)) for row in batch])
