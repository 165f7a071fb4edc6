"""Settings, access, requests and the audit log as JSON, CSV or Graph shapes; evidence bundles.

Nothing secret is ever exported: credentials and password hashes are not read here at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import peewee as pw

from desktop.errors import UsageError
from desktop.models import (
    AccessRequest,
    Application,
    AppRole,
    Assignment,
    AuditEvent,
    Group,
    SelfServiceSettings,
    User,
)

from . import lookup
from .access import list_access
from .auditlog import event_view
from .core import audit, get_setting, iso, transaction
from .rights import require_admin
from .selfservice import settings_view
from .views import View, request_views

KINDS = ("settings", "access", "requests", "audit")
FORMATS = ("json", "csv", "graph")
DEFAULT_ACCESS_ID = "00000000-0000-0000-0000-000000000000"
BATCH = 500


def _settings_rows() -> Iterator[View]:
    query = (Application.select().join(SelfServiceSettings)
             .order_by(pw.fn.LOWER(Application.name)))
    for app in query.iterator():
        view = settings_view(app)
        view.pop("updated_by", None)
        view.pop("updated_at", None)
        yield view


def _access_rows(actor: User) -> Iterator[View]:
    apps = (Application.select().join(SelfServiceSettings)
            .where(SelfServiceSettings.group.is_null(False))
            .order_by(pw.fn.LOWER(Application.name)))
    for app in apps.iterator():
        offset = 0
        while True:
            page = list_access(actor, str(app.id), limit=BATCH, offset=offset)
            for row in page:
                yield {"app": app.name, **row}
            if len(page) < BATCH:
                break
            offset += BATCH


def _request_rows(since: dt.datetime | None = None, until: dt.datetime | None = None,
                  app: Application | None = None) -> Iterator[View]:
    last = 0
    while True:
        # Application and requester joined, deciders read once a page: no lookups per row.
        query = (AccessRequest.select(AccessRequest, Application, User)
                 .join(Application, on=(AccessRequest.application == Application.id))
                 .switch(AccessRequest)
                 .join(User, on=(AccessRequest.requester == User.id))
                 .where(AccessRequest.id > last))
        if since:
            query = query.where(AccessRequest.created_at >= since)
        if until:
            query = query.where(AccessRequest.created_at < until)
        if app is not None:
            query = query.where(AccessRequest.application == app)
        page = list(query.order_by(AccessRequest.id).limit(BATCH))
        yield from request_views(page)
        if len(page) < BATCH:
            return
        last = page[-1].id


def _audit_rows(since: dt.datetime | None = None, until: dt.datetime | None = None,
                app: Application | None = None) -> Iterator[View]:
    query = AuditEvent.select().order_by(AuditEvent.seq)
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    if app is not None:
        query = query.where(AuditEvent.application_id == app.id)
    for event in query.iterator():
        view = event_view(event)
        view["prev_hash"] = event.prev_hash
        yield view


def _graph_access_rows() -> Iterator[View]:
    """Direct and group assignments in Graph's appRoleAssignment shape, to hold against a tenant."""
    query = (Assignment.select(Assignment, Application, User, Group, AppRole)
             .join(Application)
             .switch(Assignment).join(User, pw.JOIN.LEFT_OUTER)
             .switch(Assignment).join(Group, pw.JOIN.LEFT_OUTER)
             .switch(Assignment).join(AppRole, pw.JOIN.LEFT_OUTER)
             .order_by(Assignment.id))
    for a in query.iterator():  # one query, streamed: no lookups per row
        if a.user_id is not None:
            principal = a.user
            pid, ptype, pname = (principal.graph_id or f"user-{principal.id}", "User",
                                 principal.display_name)
        else:
            group = a.group
            pid, ptype, pname = group.graph_id or f"group-{group.id}", "Group", group.name
        role = a.role if a.role_id else None
        yield {
            "id": a.graph_id or f"assignment-{a.id}",
            "createdDateTime": iso(a.created_at),
            "principalId": pid,
            "principalType": ptype,
            "principalDisplayName": pname,
            "resourceId": a.application.graph_id or f"app-{a.application.id}",
            "resourceDisplayName": a.application.name,
            "appRoleId": (role.graph_id or f"role-{role.id}") if role else DEFAULT_ACCESS_ID,
        }


def rows(actor: User, kind: str, fmt: str = "json") -> Iterator[View]:
    actor = require_admin(actor, "export")
    if kind not in KINDS:
        raise UsageError(f"unknown export {kind!r}; one of {', '.join(KINDS)}")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    if fmt == "graph" and kind != "access":
        raise UsageError("the graph format exists for access only (appRoleAssignment)")
    if fmt == "graph":
        return _graph_access_rows()
    return {
        "settings": _settings_rows,
        "access": lambda: _access_rows(actor),
        "requests": _request_rows,
        "audit": _audit_rows,
    }[kind]()


def _csv_value(value: Any) -> Any:
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        # A spreadsheet would run a justification like "=HYPERLINK(...)" as a formula.
        return "'" + value
    return "" if value is None else value


def write(actor: User, kind: str, fmt: str, out: io.TextIOBase | Any) -> int:
    """Write the export to a text stream; returns the number of rows. Audited."""
    count = 0
    iterator = rows(actor, kind, fmt)
    if fmt == "csv":
        writer: csv.DictWriter[str] | None = None
        for row in iterator:
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(row), quoting=csv.QUOTE_NONNUMERIC,
                                        extrasaction="ignore")
                writer.writeheader()
            writer.writerow({k: _csv_value(v) for k, v in row.items()})
            count += 1
    else:
        out.write("[")
        for row in iterator:
            out.write(",\n  " if count else "\n  ")
            out.write(json.dumps(row, ensure_ascii=False, sort_keys=False))
            count += 1
        out.write("\n]\n" if count else "]\n")
    with transaction():
        audit(actor, "export", kind, {"format": fmt, "rows": count})
    return count


EVIDENCE_README = """\
Access Desk evidence bundle
===========================

Application: {app}
Period:      {start} to {end} (UTC, end excluded)
Written:     {written} by {actor}

Files
- settings.json   the application's self-service settings when the bundle was written
- requests.json   every request made in the period, with its decision, decider and reason
- access.json     who has access through self-service now (group, role, since, request)
- audit.json      the audit events of this application in the period, each with its hash
                  and the hash of the event before it in the whole log
- chain_head.txt  the number and hash of the newest event of the whole audit log
- verify.py       checks audit.json on its own: python3 verify.py

How to verify
Each event's hash is SHA-256 over the JSON array
[seq, at (ISO 8601, microseconds), actor, action, target, details (JSON text), prev_hash]
with separators "," and ":". verify.py recomputes every hash in audit.json and checks
that consecutive events of the whole log chain (prev_hash equals the previous hash).
To check the bundle against the live database, an administrator runs
`access-desk audit verify` and compares chain_head.txt with `access-desk audit list --limit 1`.
"""

VERIFY_PY = '''\
"""Recompute the hashes of audit.json (an Access Desk evidence bundle). Exit 1 if any differs."""
import hashlib, json, sys
from pathlib import Path

events = json.loads((Path(__file__).parent / "audit.json").read_text(encoding="utf-8"))
bad = 0
previous = None
for e in events:
    details = json.dumps(e["details"], sort_keys=True, separators=(",", ":"))
    material = json.dumps([e["seq"], e["at_exact"], e["actor"], e["action"], e["target"],
                           details, e["prev_hash"]], separators=(",", ":"))
    if hashlib.sha256(material.encode()).hexdigest() != e["hash"]:
        print(f"event {e['seq']}: hash does not match its content"); bad += 1
    if previous and previous["seq"] + 1 == e["seq"] and previous["hash"] != e["prev_hash"]:
        print(f"event {e['seq']}: does not follow event {previous['seq']}"); bad += 1
    previous = e
print(f"{len(events)} events checked, {bad} problems")
sys.exit(1 if bad else 0)
'''


def evidence(actor: User, app_name: str, start: dt.datetime, end: dt.datetime,
             out: Path) -> dict[str, Any]:
    """A zip an auditor can keep and check on his own."""
    actor = require_admin(actor, "export evidence")
    if end <= start:
        raise UsageError("--to must be after --from")
    app = lookup.application(app_name)
    events = []
    for event in (AuditEvent.select().where(
            (AuditEvent.application_id == app.id) & (AuditEvent.at >= start)
            & (AuditEvent.at < end)).order_by(AuditEvent.seq).iterator()):
        view = event_view(event)
        view["prev_hash"] = event.prev_hash
        view["at_exact"] = event.at.isoformat(timespec="microseconds")
        events.append(view)
    requests = list(_request_rows(start, end, app))
    access = list_access(actor, str(app.id))
    head = get_setting("audit_head") or "0:"
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.txt", EVIDENCE_README.format(
            app=app.name, start=iso(start), end=iso(end), written=iso(dt.datetime.now(dt.UTC)),
            actor=actor.upn))
        zf.writestr("settings.json", json.dumps(settings_view(app), indent=2))
        zf.writestr("requests.json", json.dumps(requests, indent=2, ensure_ascii=False))
        zf.writestr("access.json", json.dumps(access, indent=2, ensure_ascii=False))
        zf.writestr("audit.json", json.dumps(events, indent=2, ensure_ascii=False))
        zf.writestr("chain_head.txt", head.replace(":", " ") + "\n")
        zf.writestr("verify.py", VERIFY_PY)
    with transaction():
        audit(actor, "export.evidence", app.name,
              {"from": iso(start), "to": iso(end), "requests": len(requests),
               "events": len(events)}, application_id=app.id)
    return {"app": app.name, "out": str(out), "requests": len(requests), "events": len(events),
            "members": len(access)}


__all__ = ["evidence", "rows", "write"]
