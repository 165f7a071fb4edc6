"""Settings, access, requests and the audit log as JSON, CSV or Graph shapes; evidence bundles.

Nothing secret is ever exported: credentials and password hashes are not read here at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import peewee as pw

from desktop.errors import UsageError
from desktop.files import (
    cannot_write,
    check_export_folder,
    check_target,
    make_export_folder,
    replacing,
)
from desktop.models import (
    AccessRequest,
    Application,
    AuditEvent,
    SelfServiceSettings,
    User,
)
from desktop.models.base import new_guid

from . import auditchain, graph_export, lookup
from .access import list_access
from .auditlog import event_view
from .core import audit, get_setting, iso, put_setting, transaction
from .rights import require_admin
from .selfservice import settings_view
from .views import View, request_views

KINDS = ("settings", "access", "requests", "audit")
FORMATS = ("json", "csv", "graph")
BATCH = 500
# An export's progress is reported every PROGRESS_ROWS rows written, and when it ends:
# `progress(rows written, rows in all or None where counting them first would cost a read)`.
PROGRESS_ROWS = 1000
Progress = Callable[[int, int | None], None]


class ExportCancelled(UsageError):
    """Raised from an export's progress callback to stop it: the partial file is removed and
    nothing is audited."""

    def __init__(self) -> None:
        super().__init__("the export was cancelled; no file was written")


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


def rows(actor: User, kind: str, fmt: str = "json") -> Iterator[View]:
    actor = require_admin(actor, "export")
    if kind not in KINDS:
        raise UsageError(f"unknown export {kind!r}; one of {', '.join(KINDS)}")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    if fmt == "graph" and kind != "access":
        raise UsageError("the graph format exists for access only (appRoleAssignment)")
    if fmt == "graph":
        return graph_export.app_role_assignments()
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


def write(actor: User, kind: str, fmt: str, out: io.TextIOBase | Any,
          progress: Progress | None = None) -> int:
    """Write the export to a text stream (standard output); returns the number of rows.
    Audited. Files are written by `write_file`. `progress`: see PROGRESS_ROWS."""
    iterator = rows(actor, kind, fmt)
    count = _write_rows(_reported(iterator, kind, fmt, progress), fmt, out)
    _audit_export(actor, kind, fmt, count)
    return count


def write_file(actor: User, kind: str, fmt: str, path: Path | str,
               progress: Progress | None = None) -> dict[str, Any]:
    """Write the export to a file, for the command line's --out and the windows alike, so
    both write the same bytes: CSV in UTF-8 with a byte-order mark (spreadsheets such as
    Excel read a CSV without one in the system's code page), JSON in UTF-8 without one. The
    file is made readable by its owner only and replaces the target only once complete
    (`replacing`): an error or ExportCancelled raised by `progress` (see PROGRESS_ROWS)
    leaves no file. Audited. Returns what was written."""
    iterator = rows(actor, kind, fmt)  # refused (rights, kind, format) before any file
    with replacing(path, encoding=encoding_of(fmt)) as out:
        count = _write_rows(_reported(iterator, kind, fmt, progress), fmt, out)
    _audit_export(actor, kind, fmt, count)
    return {"export": kind, "format": fmt, "out": str(path), "rows": count}


def total_rows(kind: str, fmt: str) -> int | None:
    """How many rows an export will write, where one indexed count says it (requests, the
    audit log, settings); None for access, whose rows come application by application."""
    if fmt == "graph" or kind == "access":
        return None
    if kind == "settings":
        return int(Application.select().join(SelfServiceSettings).count())
    return int((AccessRequest if kind == "requests" else AuditEvent).select().count())


def _reported(iterator: Iterator[View], kind: str, fmt: str,
              progress: Progress | None) -> Iterator[View]:
    """The rows as they are, calling `progress` every PROGRESS_ROWS rows written (a row is
    written before the next one is asked for) and once at the end."""
    if progress is None:
        yield from iterator
        return
    total, done = total_rows(kind, fmt), 0
    progress(0, total)
    for row in iterator:
        yield row
        done += 1
        if done % PROGRESS_ROWS == 0:
            progress(done, total)
    progress(done, total)


def encoding_of(fmt: str) -> str:
    """How an export file of this format is encoded (see `write_file`)."""
    return "utf-8-sig" if fmt == "csv" else "utf-8"


def _write_rows(iterator: Iterator[View], fmt: str, out: io.TextIOBase | Any) -> int:
    if fmt != "csv":
        return _write_json(iterator, out)
    count = 0
    writer: csv.DictWriter[str] | None = None
    for row in iterator:
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(row), quoting=csv.QUOTE_NONNUMERIC,
                                    extrasaction="ignore")
            writer.writeheader()
        writer.writerow({k: _csv_value(v) for k, v in row.items()})
        count += 1
    return count


def _audit_export(actor: User, kind: str, fmt: str, count: int) -> None:
    with transaction():
        # The log's head when the export was read, and a signed checkpoint over this event.
        audit(actor, "export", kind, {"format": fmt, "rows": count,
                                      "audit_head": auditchain.head_text()}, checkpoint=True)


def _write_json(rows: Iterator[View], out: io.TextIOBase | Any, context: str | None = None) -> int:
    """A JSON array, one row a line, streamed; with `context`, inside a Graph response
    ({"@odata.context": ..., "value": [...]}). Returns the number of rows."""
    count = 0
    if context is not None:
        out.write("{" + json.dumps("@odata.context") + ": " + json.dumps(context) + ',\n "value": ')
    out.write("[")
    for row in rows:
        out.write(",\n  " if count else "\n  ")
        out.write(json.dumps(row, ensure_ascii=False, sort_keys=False))
        count += 1
    out.write("\n]" if count else "]")
    out.write("}\n" if context is not None else "\n")
    return count


# --- writing files: desktop/files.py ----------------------------------------------------------

def _check_folder(folder: Path) -> None:
    check_export_folder(folder, {name for name, _ in graph_export.DIRECTORY_FILES})


def write_directory(actor: User, folder: Path, fmt: str = "graph") -> dict[str, Any]:
    """The whole directory as Microsoft Graph export files, in the layout `import graph`
    reads: users (with licenses), groups (with members), directory roles, applications,
    service principals (with app roles) and app role assignments. Each file is written
    beside its name and renamed, so a failed export leaves no half file. Audited."""
    actor = require_admin(actor, "export")
    if fmt != "graph":
        raise UsageError(f"the directory is exported in the graph format only, not {fmt!r}")
    try:
        _check_folder(folder)
    except OSError as exc:
        raise UsageError(f"cannot write to {folder}: {exc.strerror}") from exc
    make_export_folder(folder)
    with transaction():
        tenant_id = get_setting("tenant_id")
        if tenant_id is None:
            # Graph objects belong to a tenant: one id, kept, so every export says the same.
            tenant_id = new_guid()
            put_setting("tenant_id", tenant_id)
    entities = graph_export.directory_entities(tenant_id, get_setting("tenant_name"))
    counts: dict[str, int] = {}
    for name, context in graph_export.DIRECTORY_FILES:
        with replacing(folder / name) as out:
            counts[name] = _write_json(entities[name], out, graph_export.GRAPH + context)
    with transaction():
        audit(actor, "export", "directory", {"format": fmt, "rows": sum(counts.values()),
                                             "audit_head": auditchain.head_text()},
              checkpoint=True)
    return {"export": "directory", "format": fmt, "out": str(folder),
            **{name.removesuffix(".json"): count for name, count in counts.items()},
            "rows": sum(counts.values())}


EVIDENCE_README = """\
Access Desk evidence bundle
===========================

Application: {app}
Period:      {start} to {end} (UTC, end excluded)
Written:     {written} by {actor}
Audit log:   event {head_seq} was the newest (chain_head.txt)
Signed by:   key {fingerprint}

Files
- settings.json    the application's self-service settings when the bundle was written
- requests.json    every request made in the period, with its decision, decider and reason
- access.json      who has access through self-service now (group, role, since, request)
- reviews.csv      the access reviews completed in the period: each person's decision,
                   reason, reviewer and the outcome applied (rule 20)
- audit.json       the audit events of this application in the period, every column, each
                   with its hash and the hash of the event before it in the whole log
- checkpoint.json  a signed checkpoint of the whole log at or after the last event above,
                   the public key that signed it, and the content digests of the other
                   events in between (their content stays out of this bundle)
- chain_head.txt   the number and hash of the newest event of the whole audit log
- verify.py        checks all of it offline: python3 verify.py

How to verify
python3 verify.py recomputes every event's hash from its content, follows the chain from
the first event of the signed scheme to the checkpoint, and checks the checkpoint's Ed25519
signature (this needs the Python package `cryptography`; without it verify.py checks the
chain, says the signature was not checked, and exits 2). Exit 0: everything checked; 1: a
problem, printed. Compare the key's fingerprint above with the one your administrator keeps
(`access-desk audit head`): a bundle signed by another key proves nothing.

Formulas (docs/audit.md). Canonical form: a JSON array, separators "," and ":", non-ASCII
as \\u escapes. Events from number formula_2_from on: digest = SHA-256 of
["access-desk audit event 2", id, seq, at (ISO 8601, microseconds), actor, action, target,
application_id, details (the stored JSON text)], hash = SHA-256 of [prev_hash, digest].
Older events: hash = SHA-256 of [seq, at, actor, action, target, details, prev_hash]; they
are checked one by one, not against the signature. The signature covers
["access-desk audit checkpoint 1", number, seq, hash, at, key_id].
To check the bundle against the live database, an administrator runs
`access-desk audit verify --since-head SEQ:HASH` with the numbers of chain_head.txt.
"""

VERIFY_PY = '''\
"""Check an Access Desk evidence bundle offline: python3 verify.py (README.txt says how).
Exit 0: everything checked; 1: a problem (printed); 2: the chain is intact but the signature
could not be checked (the Python package `cryptography` is not installed)."""
import base64, hashlib, json, sys
from pathlib import Path

here = Path(__file__).parent
events = json.loads((here / "audit.json").read_text(encoding="utf-8"))
proof = json.loads((here / "checkpoint.json").read_text(encoding="utf-8"))
checkpoint, first_2 = proof["checkpoint"], proof["formula_2_from"]
problems = []


def canonical(values):
    return json.dumps(values, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def sha(values):
    return hashlib.sha256(canonical(values)).hexdigest()


digests, previous = {}, None
for e in events:
    seq = e["seq"]
    if json.loads(e["details_text"]) != e["details"]:
        problems.append(f"event {seq}: its details do not match the text that was hashed")
    if seq >= first_2:
        digest = sha(["access-desk audit event 2", e["id"], seq, e["at_exact"], e["actor"],
                      e["action"], e["target"], e["application_id"], e["details_text"]])
        digests[seq] = digest
        computed = sha([e["prev_hash"], digest])
    else:
        computed = sha([seq, e["at_exact"], e["actor"], e["action"], e["target"],
                        e["details_text"], e["prev_hash"]])
    if computed != e["hash"]:
        problems.append(f"event {seq}: hash does not match its content")
    if previous and previous["seq"] + 1 == seq and previous["hash"] != e["prev_hash"]:
        problems.append(f"event {seq}: does not follow event {previous['seq']}")
    previous = e

# The chain from the first event of the signed scheme to the checkpoint.
links = {seq: digest for seq, digest in proof["links"]}
hashes = {e["seq"]: e for e in events}
if digests:
    start = min(digests)
    chained = hashes[start]["prev_hash"]
    for seq in range(start, checkpoint["seq"] + 1):
        digest = digests.get(seq, links.get(seq))
        if digest is None:
            problems.append(f"event {seq} is missing from the proof")
            break
        chained = sha([chained, digest])
        if seq in digests and chained != hashes[seq]["hash"]:
            problems.append(f"event {seq}: not in the chain the checkpoint signed")
            break
    else:
        if chained != checkpoint["hash"]:
            problems.append("the events do not lead to the hash the checkpoint signed")
if events and checkpoint["seq"] < max(e["seq"] for e in events):
    problems.append("the checkpoint does not cover the last event")

message = canonical(["access-desk audit checkpoint 1", checkpoint["number"], checkpoint["seq"],
                     checkpoint["hash"], checkpoint["at_exact"], checkpoint["key_id"]])
fingerprint = "sha256:" + hashlib.sha256(proof["public_key"].encode("ascii")).hexdigest()[:32]
try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:
    signature = None
else:
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(proof["public_key"])).verify(
            base64.b64decode(checkpoint["signature"]), message)
        signature = True
    except (InvalidSignature, ValueError):
        signature = False
        problems.append("the checkpoint's signature does not match its public key")

for text in problems:
    print(text)
old = sum(1 for e in events if e["seq"] < first_2)
print(f"{len(events)} events checked, {len(problems)} problems")
if old:
    print(f"{old} events were written before signing began: checked one by one, "
          "not against the signature")
if signature is None:
    print("The package cryptography is not installed: the chain was checked, the signature "
          f"of checkpoint {checkpoint['number']} was NOT. Install it (pip install cryptography) "
          "and run verify.py again.")
elif signature:
    print(f"Checkpoint {checkpoint['number']} (event {checkpoint['seq']}) is signed by key "
          f"{fingerprint}: compare it with the one your administrator keeps.")
sys.exit(1 if problems else 2 if signature is None else 0)
'''


def _evidence_view(event: AuditEvent) -> View:
    """An event as the bundle carries it: every column, and the exact text that was hashed."""
    view = event_view(event)
    view.update(id=event.id, prev_hash=event.prev_hash, details_text=event.details,
                at_exact=event.at.isoformat(timespec="microseconds"))
    return view


def _reviews_csv(app: Application, start: dt.datetime, end: dt.datetime) -> str:
    """Rule 20: the application's access reviews completed in the period, one row a person
    (its decision, who made it, the outcome applied), as `review export` writes them."""
    from .reviews import EXPORT_FIELDS, completed_rows

    out = io.StringIO()
    out.write("\ufeff")
    if not _write_rows(iter(completed_rows(app, start, end)), "csv", out):
        csv.writer(out, quoting=csv.QUOTE_NONNUMERIC).writerow(EXPORT_FIELDS)
    return out.getvalue()


# What an evidence bundle's `progress(stage)` names, in order (a window says it in words).
EVIDENCE_STAGES = ("events", "requests", "access", "proof", "writing")


def evidence(actor: User, app_name: str, start: dt.datetime, end: dt.datetime,
             out: Path, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """A zip an auditor can keep and check on his own, signature included. `progress(stage)`
    is called as each of EVIDENCE_STAGES begins, and once more while the zip is written; an
    error it raises (ExportCancelled) stops the bundle and leaves no file."""
    step = progress or (lambda _stage: None)
    actor = require_admin(actor, "export evidence")
    if end <= start:
        raise UsageError("--to must be after --from")
    check_target(out)  # a folder is refused before a checkpoint is signed
    app = lookup.application(app_name)
    step("events")
    rows = list(AuditEvent.select().where(
        (AuditEvent.application_id == app.id) & (AuditEvent.at >= start)
        & (AuditEvent.at < end)).order_by(AuditEvent.seq))
    events = [_evidence_view(event) for event in rows]
    step("requests")
    requests = list(_request_rows(start, end, app))
    step("access")
    access = list_access(actor, str(app.id))
    head = auditchain.head_text()
    step("proof")
    # Signs a checkpoint now if none covers the last event: refused (exit 4) on a desktop
    # without the signing key, before anything is written.
    proof = auditchain.evidence_proof(rows)
    step("writing")
    # Owner-only, and beside the target until complete, as every export (`replacing`).
    with replacing(out, encoding=None) as stream, \
            zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.txt", EVIDENCE_README.format(
            app=app.name, start=iso(start), end=iso(end), written=iso(dt.datetime.now(dt.UTC)),
            actor=actor.upn, head_seq=head.split(":")[0], fingerprint=proof["key_fingerprint"]))
        zf.writestr("settings.json", json.dumps(settings_view(app), indent=2))
        zf.writestr("requests.json", json.dumps(requests, indent=2, ensure_ascii=False))
        zf.writestr("access.json", json.dumps(access, indent=2, ensure_ascii=False))
        zf.writestr("audit.json", json.dumps(events, indent=2, ensure_ascii=False))
        step("writing")  # the largest parts are in: a cancel here still leaves no file
        zf.writestr("reviews.csv", _reviews_csv(app, start, end))  # rule 20
        zf.writestr("checkpoint.json", json.dumps(proof, indent=1))
        zf.writestr("chain_head.txt", head.replace(":", " ") + "\n")
        zf.writestr("verify.py", VERIFY_PY)
    with transaction():
        audit(actor, "export.evidence", app.name,
              {"from": iso(start), "to": iso(end), "requests": len(requests),
               "events": len(events), "audit_head": head,
               "checkpoint": proof["checkpoint"]["number"]},
              application_id=app.id, checkpoint=True)
    return {"app": app.name, "out": str(out), "requests": len(requests), "events": len(events),
            "members": len(access), "audit_head": head, "checkpoint": proof["checkpoint"]["number"],
            "key_fingerprint": proof["key_fingerprint"]}


__all__ = ["ExportCancelled", "cannot_write", "check_target", "encoding_of", "evidence",
           "replacing", "rows", "total_rows", "write", "write_directory", "write_file"]
