"""Approving 1,000 pending requests at once: `bulk.decide_many`, the Approvals window's Approve
with all of them selected, and the floor: raw sqlite3 doing the same writes in one
transaction.

    python bench/bulk_decide.py            # N=3 runs of each; about a minute
    python bench/bulk_decide.py --no-write # print only

One approver of three applications (self-service groups, one of them assigning a role, one
mailing the requesters) and 1,000 pending requests from 1,000 people are made through the
services once; each run starts from a copy of that database. The floor reads the pending
requests first (not timed), then times plain `sqlite3` writing the rows the services write
for each decision (the request's update, the membership, the assignment, the audit event with
its hash, the notification, the e-mail, the pending counts, and the change notices as a
batch writes them) in one transaction. "One at a time" is `requests.approve` per
request, each in its own transaction (what `decide_many` did before batches). The window
runs offscreen with its live feed; the time is from the click on Approve (all 1,000
selected) to the outcome shown and the list re-read. Results go to bench/README.md between
``<!-- bulk:begin -->`` and ``<!-- bulk:end -->``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from live_latency import load_average, machine, write_section  # noqa: E402

from desktop.services.bulk_summary import BATCH  # noqa: E402

N = int(os.environ.get("BENCH_N", "3"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000"))
APPS = ("Bench CRM", "Bench Wiki", "Bench Travel")
APPROVER = "bench.approver@contoso.example"
SERVICE_TARGET, WINDOW_TARGET = 3.0, 1.2  # × the floor; × the service call


def build(path: Path) -> None:
    """The approver, three applications and REQUESTS pending requests, through the
    services."""
    from desktop.models import DirectoryRoleAssignment, User
    from desktop.models.schema import close_database, open_database
    from desktop.services import applications, directory, requests, selfservice

    open_database(str(path), init=True)
    admin = User.create(upn="bench.admin@contoso.example", display_name="Bench Admin",
                        mail="bench.admin@contoso.example", license="p2", enabled=True)
    DirectoryRoleAssignment.create(user=admin, role="global_admin")
    directory.add_user(admin, APPROVER, "Bench Approver", license="p2", mail=APPROVER)
    for i, name in enumerate(APPS):
        roles = [applications.parse_role("member:Member")] if i == 0 else []
        applications.add_application(admin, name, roles=roles)
        directory.add_group(admin, f"SS - {name}")
        selfservice.update(admin, name, enabled=True, group=f"SS - {name}",
                           require_approval=True, add_approvers=[APPROVER],
                           role="member" if i == 0 else selfservice.UNSET,
                           email_approvers=True if i == 2 else None)
    for n in range(REQUESTS):
        upn = f"user{n:04d}@contoso.example"
        directory.add_user(admin, upn, f"User {n:04d}", license="p1", mail=upn)
        requests.create_request(User.get(User.upn == upn), APPS[n % len(APPS)],
                                "needed for the quarter")
    close_database()


def pending_ids() -> list[int]:
    from desktop.models import AccessRequest

    return [r.id for r in AccessRequest.select(AccessRequest.id)
            .where(AccessRequest.status == "pending").order_by(AccessRequest.id)]


def run_service(path: Path) -> float:
    from desktop.models import User
    from desktop.models.schema import close_database, open_database
    from desktop.services import bulk

    open_database(str(path))
    approver, ids = User.get(User.upn == APPROVER), pending_ids()
    started = time.perf_counter()
    summary = bulk.decide_many(approver, ids, True)
    took = time.perf_counter() - started
    assert len(summary.decided) == len(ids) == REQUESTS, summary.text()
    close_database()
    return took


def run_one_at_a_time(path: Path) -> float:
    from desktop.models import User
    from desktop.models.schema import close_database, open_database
    from desktop.services import requests

    open_database(str(path))
    approver, ids = User.get(User.upn == APPROVER), pending_ids()
    started = time.perf_counter()
    for rid in ids:
        requests.approve(approver, rid)
    took = time.perf_counter() - started
    close_database()
    return took


def run_window(path: Path, app: Any) -> float:
    from PySide6.QtCore import QEventLoop, QTimer

    from desktop.live import LiveFeed
    from desktop.models import User
    from desktop.models.schema import close_database, open_database
    from desktop.ui.approvals import ApprovalsWindow

    open_database(str(path))
    approver, ids = User.get(User.upn == APPROVER), pending_ids()
    feed = LiveFeed()
    feed.start()
    window = ApprovalsWindow(approver, feed)
    window.resize(1040, 680)
    window.show()
    app.processEvents()
    page = window.pending_page
    assert page.select_ids(ids) == REQUESTS
    app.processEvents()  # the selection painted, as the approver sees it before he clicks
    # The event loop runs as in the application (idle between events) until the list was
    # re-read empty after the decisions (the model's `loaded`). No fast polling timer: its
    # every tick would take the interpreter from the worker deciding (a 10 ms one cost the
    # window a fifth of its time); a slow check as a fallback.
    loop, check = QEventLoop(), QTimer()
    ended: list[float] = []

    def end_if_done() -> None:
        if not (page.busy or page.model.rowCount()) and not ended:
            ended.append(time.perf_counter())
            loop.quit()

    check.setInterval(1000)
    check.timeout.connect(end_if_done)
    page.model.loaded.connect(end_if_done)
    started = time.perf_counter()
    page.approve_button.click()
    check.start()
    loop.exec()
    took = ended[0] - started
    check.stop()
    page.model.loaded.disconnect(end_if_done)
    assert page.last_summary is not None
    assert len(page.last_summary.decided) == REQUESTS
    reads = window.pending_stale.refreshes
    window.close()
    feed.stop()
    app.processEvents()
    close_database()
    run_window.refreshes = reads  # type: ignore[attr-defined]
    return took


def run_floor(path: Path) -> float:
    """Plain sqlite3: the rows the services write for each approval, one transaction."""
    from desktop import audithash
    from desktop.models import (
        AccessRequest,
        Application,
        AppRole,
        Assignment,
        AuditEvent,
        Change,
        EmailOutbox,
        Group,
        GroupMember,
        Notification,
        SelfServiceSettings,
        Setting,
        User,
    )
    from desktop.models.schema import close_database, open_database

    def t(model: Any) -> str:
        return model._meta.table_name  # type: ignore[no-any-return]

    open_database(str(path))
    approver = User.get(User.upn == APPROVER)
    rows = []
    for r in (AccessRequest.select(AccessRequest, User, Application)
              .join(User, on=(AccessRequest.requester == User.id)).switch(AccessRequest)
              .join(Application).where(AccessRequest.status == "pending")
              .order_by(AccessRequest.id)):
        s = SelfServiceSettings.get(SelfServiceSettings.application == r.application_id)
        rows.append((r.id, r.application_id, r.application.name, r.requester_id,
                     r.requester.upn, r.requester.mail, s.group_id,
                     Group.get_by_id(s.group_id).name, s.role_id,
                     AppRole.get_by_id(s.role_id).value if s.role_id else None,
                     bool(s.email_approvers), r.created_at))
    head = AuditEvent.select().order_by(AuditEvent.seq.desc()).first()
    close_database()

    db = sqlite3.connect(str(path), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    at = dt.datetime.utcnow()
    stamp = at.isoformat(sep=" ")
    seq, event_id, prev = head.seq, head.id, head.hash
    members, events, notices, mails, counts = [], [], [], [], {}
    db.execute("BEGIN IMMEDIATE")
    for (rid, app_id, app_name, user_id, upn, mail, group_id, group, role_id, role, email,
         created) in rows:
        db.execute(f"UPDATE {t(AccessRequest)} SET status='approved', decided_by_id=?, "
                   "decided_at=?, reason=NULL WHERE id=? AND status='pending'",
                   (approver.id, stamp, rid))
        counts[app_id] = counts.get(app_id, 0) + 1
        members.append((group_id, user_id, "self_service", approver.id, stamp))
        if role_id:
            db.execute(f"INSERT INTO {t(Assignment)} (application_id, user_id, role_id, "
                       "via_request, graph_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       (app_id, user_id, role_id, rid, str(uuid.uuid4()), stamp))
        details = json.dumps({"reason": None, "requester": upn, "group": group, "role": role},
                             sort_keys=True, separators=(",", ":"))
        seq, event_id = seq + 1, event_id + 1
        digest = audithash.formula2(event_id, seq, at, APPROVER, "request.approve",
                                    f"request {rid}", app_id, details, prev)
        events.append((event_id, seq, stamp, APPROVER, "request.approve", f"request {rid}",
                       app_id, details, prev, digest))
        prev = digest
        message = f"Bench Approver approved your request for {app_name}"
        notices.append((user_id, rid, app_id, "decided", message, stamp))
        if email:
            mails.append((mail, f"Your request for {app_name}: approved",
                          f"{message}.\n\nYou asked on {created}. Open My Apps.\n",
                          f"<decision-{rid}-{uuid.uuid4().hex[:12]}@access-desk>", stamp,
                          stamp))
    db.executemany(f"INSERT INTO {t(GroupMember)} (group_id, user_id, source, added_by_id, "
                   "added_at) VALUES (?, ?, ?, ?, ?)", members)
    for app_id, count in counts.items():
        db.execute(f"UPDATE {t(Application)} SET pending_count = pending_count - ? "
                   "WHERE id = ?", (count, app_id))
    db.executemany(f"INSERT INTO {t(AuditEvent)} (id, seq, at, actor, action, target, "
                   "application_id, details, prev_hash, hash) VALUES "
                   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", events)
    db.execute(f"UPDATE {t(Setting)} SET value=? WHERE key='audit_head'", (f"{seq}:{prev}",))
    db.executemany(f"INSERT INTO {t(Notification)} (recipient_id, request_id, "
                   "application_id, kind, message, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                   notices)
    db.executemany(f'INSERT INTO "{t(EmailOutbox)}" ("to", subject, body, message_id, '
                   "status, attempts, next_attempt_at, created_at) VALUES "
                   "(?, ?, ?, ?, 'queued', 0, ?, ?)", mails)
    batches = range(0, len(rows), BATCH)  # a batch's change notices, as decide_many's
    db.executemany(f'INSERT INTO "{t(Change)}" (topic, entity_id, at) VALUES (?, ?, ?)',
                   [(topic, None, stamp) for _batch in batches
                    for topic in ("access", "audit", "notifications", "requests")])
    db.execute("COMMIT")
    took = time.perf_counter() - started
    db.close()
    return took


def main() -> int:
    from PySide6.QtWidgets import QApplication

    started = time.perf_counter()
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="access-desk-bulk-") as tmp:
        os.environ["ACCESS_DESK_HOME"] = str(Path(tmp) / "home")
        os.environ["ACCESS_DESK_KEYRING"] = "0"
        template = Path(tmp) / "template.db"
        print(f"building {REQUESTS:,} pending requests in {template} ...", flush=True)
        build(template)
        built = time.perf_counter() - started

        app = QApplication.instance() or QApplication([])
        from desktop.ui.style import apply_style

        apply_style(app)
        times: dict[str, list[float]] = {"floor": [], "service": [], "window": [], "one": []}
        runs = [("floor", run_floor), ("service", run_service),
                ("window", lambda p: run_window(p, app)), ("one", run_one_at_a_time)]
        for i in range(N):
            for name, fn in runs:
                copy = Path(tmp) / f"run-{name}-{i}.db"
                shutil.copyfile(template, copy)
                took = fn(copy)
                times[name].append(took)
                print(f"  {name} run {i + 1}: {took:.2f} s", flush=True)
                copy.unlink()
                for suffix in ("-wal", "-shm"):
                    Path(f"{copy}{suffix}").unlink(missing_ok=True)

    med = {name: statistics.median(values) for name, values in times.items()}
    service_ratio, window_ratio = med["service"] / med["floor"], med["window"] / med["service"]
    verdict = (f"`decide_many` takes {service_ratio:.1f}x the floor (target ≤ "
               f"{SERVICE_TARGET:.0f}x: {'meets' if service_ratio <= SERVICE_TARGET else 'misses'}"
               f"); the window {window_ratio:.2f}x the service call (target ≤ "
               f"{WINDOW_TARGET}x: {'meets' if window_ratio <= WINDOW_TARGET else 'misses'}), "
               f"{med['window'] / med['floor']:.1f}x the floor.")
    lines = [
        f"## Approving {REQUESTS:,} requests at once (`python bench/bulk_decide.py`)",
        "",
        f"Measured on {time.strftime('%Y-%m-%d')}; {machine(None)}; QT_QPA_PLATFORM=offscreen. "
        f"SQLite, N={N} runs each, each on a fresh copy of the same database. Load average "
        f"{load_before} before, {load_average()} after.",
        "",
        f"One approver of three applications, {REQUESTS:,} pending requests from "
        f"{REQUESTS:,} people (a third assign a role, a third mail the requester). The floor "
        "is plain `sqlite3` writing the same rows in one transaction (the pending requests "
        f"read beforehand, not timed). `decide_many` decides {BATCH} per transaction, reading "
        "what the rules need for a batch in a few queries and writing its events, "
        "notifications, e-mails and memberships together, under one savepoint (one per "
        "request only when a request is refused after it wrote). The "
        "window is the Approvals window offscreen with its live feed, from the click on "
        "Approve (all selected) to the outcome shown and the list re-read.",
        "",
        "| measured | median s | min s | max s | × floor |",
        "|---|---:|---:|---:|---:|",
    ]
    labels = {"floor": "floor: raw sqlite3, the same writes, one transaction",
              "service": f"**`bulk.decide_many`, {REQUESTS:,} requests**",
              "window": "**the Approvals window's Approve, all selected**",
              "one": "`requests.approve` one at a time (decide_many before batches)"}
    for name in ("floor", "service", "window", "one"):
        values = times[name]
        lines.append(f"| {labels[name]} | {med[name]:.2f} | {min(values):.2f} | "
                     f"{max(values):.2f} | {med[name] / med['floor']:.1f}x |")
    lines += ["", verdict + f" The window re-read its Pending list "
              f"{getattr(run_window, 'refreshes', '?')} time(s) per bulk approval. "
              f"Building the directory took {built:.0f} s; whole run "
              f"{time.perf_counter() - started:.0f} s."]
    section = "\n".join(lines)
    print(section)
    if "--no-write" not in sys.argv:
        write_section("bulk", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
