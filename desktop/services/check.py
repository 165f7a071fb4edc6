"""`access-desk check`: the database file, the audit chain, the search index, the kept counters,
and whether the audit log explains every request, membership, assignment and setting.

Reconciliation replays the audit log's events (each use case records what it changed, see the
actions below) into what the tables should hold, and reports rows the log does not explain: a
change made behind Access Desk's back (SQL on the database) leaves `audit verify` intact but
shows here, with the rows concerned. A Graph import records counts, not rows: what an import
brought (memberships it added, assignments) is explained by an import event at or after the
row's time. Names come from the events (groups, people and roles by name): after an import
renamed one, the comparison of that name is left out rather than reported.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

import peewee as pw

from desktop.errors import AccessDeskError, DatabaseDamaged
from desktop.models import (
    AccessRequest,
    Application,
    AppRole,
    Assignment,
    AuditEvent,
    Group,
    GroupMember,
    SelfServiceSettings,
    User,
    database_proxy,
    search,
)
from desktop.models.database import is_postgres, storage_error

from . import auditchain
from .rights import require_global_admin
from .views import View

# The audit action that records each decision (rule 11's closing, rule 16's expiry).
DECISION_ACTIONS = {"approved": "request.approve", "denied": "request.deny",
                    "cancelled": "request.cancel", "closed": "request.close",
                    "expired": "request.expire"}
# The actions the replay reads; every other event is left alone.
REPLAYED = ("request.", "group.add_member", "group.remove_member", "group.sync_members",
            "import.graph", "access.remove", "access.end", "access.change_role",
            "selfservice.update",
            "selfservice.remove_approver", "app.update")
SETTING_FIELDS = ("enabled", "group", "require_approval", "approvers", "role",
                  "email_approvers", "approver_sets_passwords")
NAMED_FIELDS = ("group", "approvers", "role")  # names an import may change
DEFAULTS: dict[str, Any] = {"enabled": False, "group": None, "require_approval": False,
                            "approvers": [], "role": None, "email_approvers": False,
                            "approver_sets_passwords": False}
MAX_ROWS = 100  # rows listed per finding; the count says how many there are


@dataclass
class Finding:
    message: str
    rows: list[View] = field(default_factory=list)


@dataclass
class Part:
    name: str
    title: str
    status: str = "ok"  # ok | problems | skipped | damaged
    summary: str = ""
    findings: list[Finding] = field(default_factory=list)

    def problem(self, message: str, rows: Iterable[View] = ()) -> None:
        self.status = "problems"
        self.findings.append(Finding(message, list(rows)[:MAX_ROWS]))

    def view(self) -> View:
        return {"name": self.name, "title": self.title, "status": self.status,
                "summary": self.summary,
                "findings": [{"message": f.message, "rows": f.rows} for f in self.findings]}


def run(actor: User) -> View:
    """Every check, each in its own part: a part that finds the file damaged says so and the
    others still run. Global Administrators only (the whole database is read)."""
    require_global_admin(actor, "check the database")
    started = time.perf_counter()
    parts = [_part("file", "Database file", _file),
             _part("audit", "Audit chain", _audit),
             _part("search", "Search index", _search),
             _part("counters", "Stored counters", _counters)]
    log = _Log.read()
    parts += [_part("requests", "Requests", lambda p: _requests(p, log)),
              _part("memberships", "Group memberships", lambda p: _memberships(p, log)),
              _part("assignments", "App role assignments", lambda p: _assignments(p, log)),
              _part("settings", "Self-service settings", lambda p: _settings(p, log))]
    problems = sum(len(p.findings) for p in parts)
    return {"database": _database_name(), "ok": problems == 0, "problems": problems,
            "damaged": any(p.status == "damaged" for p in parts),
            "seconds": round(time.perf_counter() - started, 3),
            "checks": [p.view() for p in parts]}


def _database_name() -> str:
    from desktop.models.database import _open_database_name

    return _open_database_name()


def _part(name: str, title: str, fn: Callable[[Part], None]) -> Part:
    part = Part(name, title)
    try:
        fn(part)
    except AccessDeskError:
        raise
    except Exception as exc:
        problem = storage_error(exc)
        if not isinstance(problem, DatabaseDamaged):
            raise
        part.status = "damaged"
        part.findings.append(Finding(problem.message))
        part.summary = "could not be read: the database is damaged"
    return part


# --- the file, the chain, the index, the counters ------------------------------------------------


def _file(part: Part) -> None:
    db = database_proxy.obj
    if not is_postgres(db):
        part.title = "Database file (SQLite integrity_check)"
        rows = [r[0] for r in db.execute_sql("PRAGMA integrity_check(100)").fetchall()]
        if rows == ["ok"]:
            part.summary = "every page, table and index is sound"
        else:
            part.status = "damaged"
            part.summary = f"{len(rows)} problem{'s' if len(rows) > 1 else ''} in the file"
            part.findings.append(Finding(
                "the database file is damaged; restore your latest backup (made with "
                "access-desk backup FILE) in its place", [{"problem": r} for r in rows]))
        return
    part.title = "Database indexes (PostgreSQL amcheck)"
    if not db.execute_sql("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'").fetchone():
        part.status = "skipped"
        part.summary = ("skipped: the amcheck extension is not installed in this database "
                        "(a superuser adds it with CREATE EXTENSION amcheck)")
        return
    indexes = db.execute_sql(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_am am ON am.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE am.amname = 'btree' AND n.nspname = current_schema() ORDER BY c.relname"
    ).fetchall()
    bad = []
    for (name,) in indexes:
        try:
            with db.atomic():
                db.execute_sql("SELECT bt_index_check(%s::regclass)", (f'"{name}"',))
        except pw.DatabaseError as exc:
            bad.append({"index": name, "problem": str(exc).strip().splitlines()[0]})
    part.summary = f"{len(indexes)} B-tree indexes checked"
    if bad:
        part.status = "damaged"
        part.findings.append(Finding("indexes are damaged; REINDEX them or restore a backup",
                                     bad))


def _audit(part: Part) -> None:
    try:
        report = auditchain.check()
    except auditchain.AuditUnverifiable as exc:
        part.problem(f"the audit chain cannot be checked: {exc}")
        return
    part.summary = report.message
    if not report.ok:
        where = f" at event {report.first_bad}" if report.first_bad else ""
        part.problem(f"the audit chain is broken{where}: {report.message}",
                     [{"seq": report.first_bad}] if report.first_bad else [])
        part.summary = "broken"


def _search(part: Part) -> None:
    db = database_proxy.obj
    names = [index.name for index in search.INDEXES]
    if is_postgres(db):
        found = {r[0] for r in db.execute_sql(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()").fetchall()}
        missing = [n for n in names if n not in found]
        part.summary = ("PostgreSQL computes each row's words itself (a generated column); "
                        "its GIN indexes are there")
        if missing:
            part.problem("search indexes are missing: run access-desk init to make them",
                         [{"index": n} for n in missing])
        return
    triggers = {r[0] for r in db.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()}
    for index in search.INDEXES:
        gone = [f"{index.name}_{kind}" for kind in ("insert", "delete", "update")
                if f"{index.name}_{kind}" not in triggers]
        if gone:
            part.problem(f"the search index {index.name} no longer follows its table "
                         f"{index.table}: triggers were removed",
                         [{"trigger": name} for name in gone])
        try:
            # Rank 1: the index against its content (the rows, their order keys) too.
            db.execute_sql(f"INSERT INTO {index.name}({index.name}, rank) "
                           "VALUES ('integrity-check', 1)")
        except (sqlite3.DatabaseError, pw.DatabaseError) as exc:
            part.problem(f"the search index {index.name} does not match the {index.table} "
                         f"table ({str(exc).strip()}); searches may miss or show rows",
                         [{"index": index.name, "table": index.table}])
    part.summary = f"{len(names)} full-text indexes compared with their tables"


def _counters(part: Part) -> None:
    pending = (AccessRequest.select(AccessRequest.application, pw.fn.COUNT(AccessRequest.id))
               .where(AccessRequest.status == "pending")
               .group_by(AccessRequest.application).tuples())
    counted = dict(cast(Iterable[tuple[int, int]], pending))
    apps = list(cast(Iterable[tuple[int, str, int]], Application.select(
        Application.id, Application.name, Application.pending_count).tuples()))
    wrong = [{"application_id": i, "app": name, "stored": stored, "pending": counted.get(i, 0)}
             for i, name, stored in apps if stored != counted.get(i, 0)]
    part.summary = f"the pending-request counts of {len(apps)} applications"
    if wrong:
        apps_ = "1 application" if len(wrong) == 1 else f"{len(wrong)} applications"
        part.problem(f"the kept pending-request count of {apps_} differs from their pending "
                     "requests", wrong)


# --- the audit log replayed -------------------------------------------------------------------


@dataclass
class _Log:
    """What the events say the tables hold, by name (events name groups, people and roles)."""

    requests: dict[int, list[tuple[int, str]]]  # request id -> (seq, action)
    requesters: dict[int, str]  # request id -> requester UPN (request.create's actor)
    # (group, upn) lower-cased -> the last event: seq, member or not, time, names as written
    members: dict[tuple[str, str], tuple[int, bool, dt.datetime, str, str]]
    synced: set[str]  # groups whose members arrive as a sync would (demo)
    imports: list[dt.datetime]  # when each Graph import was written
    direct: dict[tuple[int, str], tuple[int, str | None, dt.datetime]]  # (app, upn) -> role
    removed: dict[tuple[int, str], tuple[int, dt.datetime]]  # direct assignments removed
    group_assigned: set[tuple[int, str]]  # (app, group) given default access
    settings: dict[int, dict[str, Any]]  # application id -> field -> value
    settings_last: dict[int, tuple[int, dt.datetime]]

    @classmethod
    def read(cls) -> _Log:
        log = cls({}, {}, {}, set(), [], {}, {}, set(), {}, {})
        condition = functools.reduce(operator.or_, [
            AuditEvent.action.startswith(a) if a.endswith(".") else AuditEvent.action == a
            for a in REPLAYED])
        query = (AuditEvent.select(AuditEvent.seq, AuditEvent.at, AuditEvent.actor,
                                   AuditEvent.action, AuditEvent.target,
                                   AuditEvent.application_id, AuditEvent.details)
                 .where(condition).order_by(AuditEvent.seq).tuples())
        for seq, at, actor, action, target, app_id, details in query.iterator():
            log._apply(seq, at, actor, action, target or "", app_id, _details(details))
        return log

    def _apply(self, seq: int, at: dt.datetime, actor: str | None, action: str, target: str,
               app_id: int | None, d: dict[str, Any]) -> None:
        if action.startswith("request."):
            request_id = _request_id(target)
            if request_id is None:
                return
            self.requests.setdefault(request_id, []).append((seq, action))
            if action == "request.create" and actor:
                self.requesters[request_id] = actor
            who = d.get("requester") or self.requesters.get(request_id)
            if action == "request.approve" and who and app_id is not None:
                if d.get("group"):
                    self._member(d["group"], who, seq, True, at)
                if d.get("role"):
                    self.direct[(app_id, _key(who))] = (seq, d["role"], at)
        elif action in ("group.add_member", "group.remove_member") and d.get("user"):
            self._member(target, d["user"], seq, action == "group.add_member", at)
        elif action == "group.sync_members":
            self.synced.add(_key(target))
        elif action == "import.graph":
            self.imports.append(at)
        elif action == "access.remove" and app_id is not None:
            if d.get("group"):
                self._member(d["group"], target, seq, False, at)
            self.direct.pop((app_id, _key(target)), None)
            self.removed[(app_id, _key(target))] = (seq, at)
        elif action == "access.end" and app_id is not None:
            # Rule 18: a grant's end (the sweep, or an administrator) removes only what the
            # grant added: the membership named in "group", the direct assignment when
            # "direct_assignments" says so. Extensions and reminders change no row replayed.
            if d.get("group"):
                self._member(d["group"], target, seq, False, at)
            if d.get("direct_assignments"):
                self.direct.pop((app_id, _key(target)), None)
                self.removed[(app_id, _key(target))] = (seq, at)
        elif action == "access.change_role" and app_id is not None and d.get("to"):
            self.direct[(app_id, _key(target))] = (seq, d["to"], at)
        elif action == "selfservice.update" and app_id is not None:
            state = self.settings.setdefault(app_id, dict(DEFAULTS))
            for name, change in d.items():
                if name in SETTING_FIELDS and isinstance(change, list) and len(change) == 2:
                    state[name] = change[1]
            if state["enabled"] and state["group"]:
                self.group_assigned.add((app_id, _key(state["group"])))
            self.settings_last[app_id] = (seq, at)
        elif action == "selfservice.remove_approver":
            for listed in d.get("application_ids") or []:
                state = self.settings.setdefault(int(listed), dict(DEFAULTS))
                state["approvers"] = [u for u in state["approvers"]
                                      if _key(u) != _key(target)]
                self.settings_last[int(listed)] = (seq, at)
        elif action == "app.update" and app_id is not None:
            sso = d.get("sso_mode")
            if isinstance(sso, list) and len(sso) == 2 and sso[1] != "password" \
                    and app_id in self.settings:
                self.settings[app_id]["approver_sets_passwords"] = False

    def _member(self, group: str, upn: str, seq: int, member: bool, at: dt.datetime) -> None:
        self.members[(_key(group), _key(upn))] = (seq, member, at, str(group), str(upn))

    def imported_since(self, when: dt.datetime | None) -> bool:
        """A Graph import was written at or after `when` (None: ever)."""
        return any(when is None or at >= when for at in self.imports)

    def imported_after(self, when: dt.datetime) -> bool:
        return any(at > when for at in self.imports)


def _details(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _request_id(target: str) -> int | None:
    word, _, number = target.partition(" ")
    return int(number) if word == "request" and number.isdigit() else None


def _key(name: str) -> str:
    return str(name).strip().lower()


# --- reconciliation ---------------------------------------------------------------------------


def _requests(part: Part, log: _Log) -> None:
    rows = (AccessRequest.select(AccessRequest.id, AccessRequest.status, Application.name,
                                 User.upn)
            .join(Application, on=(AccessRequest.application == Application.id))
            .switch(AccessRequest).join(User, on=(AccessRequest.requester == User.id))
            .order_by(AccessRequest.id).tuples())
    unrecorded, unexplained, total = [], [], 0
    for request_id, status, app, requester in rows.iterator():
        total += 1
        events = log.requests.get(request_id, [])
        row = {"request": request_id, "app": app, "requester": requester, "status": status}
        if not any(action == "request.create" for _seq, action in events):
            unrecorded.append(row)
        decisions = [(seq, a) for seq, a in events if a in DECISION_ACTIONS.values()]
        said = decisions[-1][1] if decisions else None
        if said != DECISION_ACTIONS.get(status):
            unexplained.append({**row, "audit_log_says": said or "pending",
                                "event": decisions[-1][0] if decisions else None})
    part.summary = f"{total} requests"
    if unexplained:
        part.problem(f"{_are(unexplained, 'request')} in a state the audit log does not "
                     "record (changed behind Access Desk's back)", unexplained)
    if unrecorded:
        part.problem(f"{_are(unrecorded, 'request')} not recorded as made by any audit event "
                     "(added behind Access Desk's back)", unrecorded)


def _memberships(part: Part, log: _Log) -> None:
    rows = (GroupMember.select(GroupMember.id, Group.name, User.upn, GroupMember.source,
                               GroupMember.added_at)
            .join(Group, on=(GroupMember.group == Group.id))
            .switch(GroupMember).join(User, on=(GroupMember.user == User.id))
            .order_by(Group.name, User.upn).tuples())
    present: set[tuple[str, str]] = set()
    unexplained = []
    for member_id, group, upn, source, added_at in rows.iterator():
        key = (_key(group), _key(upn))
        present.add(key)
        last = log.members.get(key)
        if last is not None and last[1]:
            continue
        if source == "import" and (key[0] in log.synced or log.imported_since(added_at)):
            continue
        if last is None and log.imported_after(added_at):
            continue  # made before an import that may have renamed its group or person
        unexplained.append({"membership": member_id, "group": group, "user": upn,
                            "source": source,
                            "audit_log_says": f"removed (event {last[0]})" if last
                            else "never added"})
    missing = [{"group": group, "user": upn, "event": seq}
               for key, (seq, member, at, group, upn) in sorted(log.members.items())
               if member and key not in present and not log.imported_after(at)]
    part.summary = f"{len(present)} memberships"
    if unexplained:
        part.problem(f"{_are(unexplained, 'membership')} explained by no audit event "
                     "(added behind Access Desk's back)", unexplained)
    if missing:
        part.problem(f"{_are(missing, 'membership')} in the audit log but missing from the "
                     "directory (removed behind Access Desk's back)", missing)


def _assignments(part: Part, log: _Log) -> None:
    rows = (Assignment.select(Assignment.id, Assignment.application, Application.name,
                              User.upn, Group.name, AppRole.value, Assignment.created_at)
            .join(Application, on=(Assignment.application == Application.id))
            .switch(Assignment).join(User, pw.JOIN.LEFT_OUTER, on=(Assignment.user == User.id))
            .switch(Assignment).join(Group, pw.JOIN.LEFT_OUTER,
                                     on=(Assignment.group == Group.id))
            .switch(Assignment).join(AppRole, pw.JOIN.LEFT_OUTER,
                                     on=(Assignment.role == AppRole.id))
            .order_by(Assignment.id).tuples())
    present: set[tuple[int, str]] = set()
    unexplained = []
    total = 0
    for assignment_id, app_id, app, upn, group, role, created_at in rows.iterator():
        total += 1
        row = {"assignment": assignment_id, "app": app, "user": upn, "group": group,
               "role": role}
        if log.imported_since(created_at):
            present.add((app_id, _key(upn or "")))
            continue  # an import brought it, or it predates one (names may have changed)
        if group is not None:
            if (app_id, _key(group)) not in log.group_assigned:
                unexplained.append({**row, "audit_log_says": "never assigned"})
            continue
        if upn is None:
            continue
        key = (app_id, _key(upn))
        present.add(key)
        said = log.direct.get(key)
        if said is None:
            gone = log.removed.get(key)
            unexplained.append({**row, "audit_log_says": f"removed (event {gone[0]})" if gone
                                else "never assigned"})
        elif role != said[1]:
            unexplained.append({**row, "audit_log_says": f"role {said[1]} (event {said[0]})"})
    missing = [{"application_id": app_id, "user": upn, "role": role, "event": seq}
               for (app_id, upn), (seq, role, at) in sorted(log.direct.items())
               if (app_id, upn) not in present and not log.imported_after(at)]
    part.summary = f"{total} assignments"
    if unexplained:
        part.problem(f"{_are(unexplained, 'assignment')} explained by no audit event "
                     "(made or changed behind Access Desk's back)", unexplained)
    if missing:
        part.problem(f"{_are(missing, 'assignment')} in the audit log but missing from the "
                     "directory (removed behind Access Desk's back)", missing)


def _settings(part: Part, log: _Log) -> None:
    from .selfservice import settings_view

    rows = list(SelfServiceSettings.select(SelfServiceSettings, Application)
                .join(Application).order_by(Application.name))
    differing = []
    for settings in rows:
        app = settings.application
        stored = settings_view(app, settings)
        said = log.settings.get(app.id, DEFAULTS)
        last = log.settings_last.get(app.id)
        renamed = log.imported_after(last[1]) if last else log.imported_since(None)
        for name in SETTING_FIELDS:
            if name in NAMED_FIELDS and renamed:
                continue
            want, have = said.get(name, DEFAULTS[name]), stored[name]
            if name == "approvers":
                want, have = [_key(u) for u in want], [_key(u) for u in have]
            elif name in ("group", "role") and want is not None and have is not None:
                want, have = _key(want), _key(have)
            if want != have:
                differing.append({"app": app.name, "setting": name, "stored": stored[name],
                                  "audit_log_says": said.get(name, DEFAULTS[name]),
                                  "event": last[0] if last else None})
    part.summary = f"the settings of {len(rows)} applications"
    if differing:
        part.problem(f"{_are(differing, 'setting')} not what the audit log records "
                     "(changed behind Access Desk's back)", differing)


def _are(rows: list[Any], noun: str) -> str:
    return f"1 {noun} is" if len(rows) == 1 else f"{len(rows)} {noun}s are"


# --- for people -------------------------------------------------------------------------------


def as_text(view: View) -> str:
    """The report for a terminal: each check on one line, then its findings and their rows."""
    marks = {"ok": "ok", "problems": "PROBLEMS", "skipped": "skipped", "damaged": "DAMAGED"}
    problems = view["problems"]
    verdict = ("everything checks out" if view["ok"] else
               f"{problems} problem{'s' if problems != 1 else ''} found")
    lines = [f"Checked {view['database']} in {view['seconds']:.2f} s: {verdict}.", ""]
    width = max(len(c["title"]) for c in view["checks"])
    for check in view["checks"]:
        lines.append(f"  {check['title'].ljust(width)}  {marks[check['status']]:<8}  "
                     f"{check['summary']}")
        for finding in check["findings"]:
            lines.append(f"      - {finding['message']}")
            for row in finding["rows"]:
                lines.append("          " + ", ".join(
                    f"{k} {v}" for k, v in row.items() if v is not None))
    return "\n".join(lines)


__all__ = ["DECISION_ACTIONS", "as_text", "run"]
