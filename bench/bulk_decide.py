"""Approving 1,000 pending requests at once: `bulk.decide_many`, the Approvals window's Approve
with all of them selected, and the floor: the raw driver doing the same writes in one
transaction. On SQLite and on PostgreSQL.

    python bench/bulk_decide.py            # N=7 runs of each, both backends; a few minutes
    python bench/bulk_decide.py --backend sqlite|postgres|both
    python bench/bulk_decide.py --no-write # print only

One approver of three applications (self-service groups, one of them assigning a role, one
mailing the requesters) and 1,000 pending requests from 1,000 people are made through the
services once; each run starts from a copy of that database. The floor reads the pending
requests first (not timed), then times plain `sqlite3` (or `psycopg`) writing the rows the
services write for each decision (the request's update, the membership, the assignment, the
audit event with its hash, the notification, the e-mail, the pending counts, and the change
notices as a batch writes them) in one transaction. "One at a time" is `requests.approve` per
request, each in its own transaction (what `decide_many` did before batches). The window
runs offscreen with its live feed; the time is from the click on Approve (all 1,000
selected, the window left idle a moment before: ``settle``) to the outcome shown and the list
re-read. Results go to bench/README.md between
``<!-- bulk:begin -->`` and ``<!-- bulk:end -->``.

PostgreSQL (``--backend postgres``, or ``both``: the default; left out when not installed):
the template is a new database ``bench_bulk_template_<pid>`` on bench/bigdb.py's bench
cluster (or on the server of ``ACCESS_DESK_BENCH_PG``), each run's copy a database made with
it as TEMPLATE, dropped after. The floor, `decide_many` and one at a time run in this process
on the copy; the window as a team's desktop runs it, through an Access Desk server on
loopback (``access-desk --db URL serve``, the approver signed in with POST /sessions), its
calls and its live feed over HTTP. Results between ``<!-- bulk_pg:begin -->`` and
``<!-- bulk_pg:end -->``.
"""

from __future__ import annotations

import argparse
import contextlib
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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import bigdb  # noqa: E402
from live_latency import (  # noqa: E402
    access_desk_server,
    load_average,
    machine,
    write_section,
)

from desktop.services.bulk_summary import BATCH  # noqa: E402

# Runs of each (BENCH_N): the window's ratio to the service call is two medians of ~0.1 s
# (SQLite), on a machine whose speed drifts; three runs let one slow phase decide it.
N = int(os.environ.get("BENCH_N", "7"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000"))
APPS = ("Bench CRM", "Bench Wiki", "Bench Travel")
# PostgreSQL: a fourth application's requests, decided through each run's new server before
# the window opens, as a team's server has decided some before (its first decisions on a
# new connection cost ~60 ms more: PostgreSQL's caches of a new session, prepared plans).
WARM_UP_APP, WARM_UP = "Bench Warm-up", 100
APPROVER = "bench.approver@contoso.example"
PASSWORD = "bench-approver-2026"  # the window signs in to a server with it (PostgreSQL)
SERVICE_TARGET, WINDOW_TARGET = 3.0, 1.2  # × the floor; × the service call
SETTLE_MS = 300  # the window idle between the rows selected and the click
SERVER_WORKERS = 1  # `access-desk serve --workers` (its default): one desktop's calls
SECTIONS = {"sqlite": "bulk", "postgres": "bulk_pg"}


def is_postgres(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def build(db: str) -> None:
    """The approver, three applications and REQUESTS pending requests, through the
    services."""
    from desktop.models import DirectoryRoleAssignment, User
    from desktop.models.schema import close_database, open_database
    from desktop.services import applications, directory, requests, selfservice

    open_database(db, init=True)
    admin = User.create(upn="bench.admin@contoso.example", display_name="Bench Admin",
                        mail="bench.admin@contoso.example", license="p2", enabled=True)
    DirectoryRoleAssignment.create(user=admin, role="global_admin")
    directory.add_user(admin, APPROVER, "Bench Approver", license="p2", mail=APPROVER,
                       password=PASSWORD)
    for i, name in enumerate(APPS):
        roles = [applications.parse_role("member:Member")] if i == 0 else []
        applications.add_application(admin, name, roles=roles)
        directory.add_group(admin, f"SS - {name}")
        selfservice.update(admin, name, enabled=True, group=f"SS - {name}",
                           require_approval=True, add_approvers=[APPROVER],
                           role="member" if i == 0 else selfservice.UNSET,
                           email_approvers=True if i == 2 else None)
    warm_up = WARM_UP if is_postgres(db) else 0
    if warm_up:
        applications.add_application(admin, WARM_UP_APP)
        directory.add_group(admin, f"SS - {WARM_UP_APP}")
        selfservice.update(admin, WARM_UP_APP, enabled=True, group=f"SS - {WARM_UP_APP}",
                           require_approval=True, add_approvers=[APPROVER])
    for n in range(REQUESTS):
        upn = f"user{n:04d}@contoso.example"
        directory.add_user(admin, upn, f"User {n:04d}", license="p1", mail=upn)
        requests.create_request(User.get(User.upn == upn), APPS[n % len(APPS)],
                                "needed for the quarter")
        if n < warm_up:
            requests.create_request(User.get(User.upn == upn), WARM_UP_APP, "warm-up")
    close_database()


def pending_ids(apps: tuple[str, ...] = APPS) -> list[int]:
    """The pending requests for `apps` (the measured ones; not the warm-up's)."""
    from desktop.models import AccessRequest, Application

    return [r.id for r in AccessRequest.select(AccessRequest.id).join(Application)
            .where((AccessRequest.status == "pending") & Application.name.in_(apps))
            .order_by(AccessRequest.id)]


def run_service(db: str) -> float:
    from desktop.models import User
    from desktop.models.schema import close_database, open_database
    from desktop.services import bulk

    open_database(db)
    approver, ids = User.get(User.upn == APPROVER), pending_ids()
    started = time.perf_counter()
    summary = bulk.decide_many(approver, ids, True)
    took = time.perf_counter() - started
    assert len(summary.decided) == len(ids) == REQUESTS, summary.text()
    close_database()
    return took


def run_one_at_a_time(db: str) -> float:
    from desktop.models import User
    from desktop.models.schema import close_database, open_database
    from desktop.services import requests

    open_database(db)
    approver, ids = User.get(User.upn == APPROVER), pending_ids()
    started = time.perf_counter()
    for rid in ids:
        requests.approve(approver, rid)
    took = time.perf_counter() - started
    close_database()
    return took


@contextlib.contextmanager
def approver_desk(db: str) -> Iterator[tuple[Any, list[int]]]:
    """What the window acts as, and the pending requests' ids. SQLite: the approver's row,
    the database open in this process. PostgreSQL: as a team's desktop, a remote backend
    signed in as him to an Access Desk server on loopback over `db` (`server`), no database
    open here."""
    from desktop.models import User, database_proxy
    from desktop.models.schema import close_database, open_database

    open_database(db)
    approver, ids = User.get(User.upn == APPROVER), pending_ids()
    if not is_postgres(db):
        yield approver, ids
        close_database()
        return
    warm_up = pending_ids((WARM_UP_APP,))
    close_database()
    database_proxy.initialize(None)  # a remote desktop has no database: nothing reads one
    with server(db, warm_up) as backend:
        yield backend, ids


@contextlib.contextmanager
def server(db: str, warm_up: list[int]) -> Iterator[Any]:
    """`access-desk --db db serve --workers SERVER_WORKERS` on a free loopback port, and a
    remote backend (desktop/remote/client.py) signed in to it as the approver (POST
    /sessions), the server warmed by deciding the `warm_up` requests; stopped at the end
    (SIGTERM: it finishes what is in flight)."""
    from desktop.remote.client import RemoteBackend

    log = Path(os.environ["ACCESS_DESK_HOME"]).with_name("server.log")
    command = [str(Path(sys.executable).with_name("access-desk")), "--db", db, "serve",
               "--workers", str(SERVER_WORKERS)]
    with access_desk_server(command, log) as base:
        backend = RemoteBackend(base)
        try:
            backend.sign_in(APPROVER, PASSWORD, client="bench/bulk_decide")
            # Warm, as a server up for a while is (WARM_UP_APP): a few batches as the
            # window's.
            for start in range(0, len(warm_up), 25):
                backend.call("approvals.decide", ids=warm_up[start:start + 25], approve=True,
                             reason=None)
            yield backend
        finally:
            backend.close()


def run_window(db: str, app: Any) -> float:
    from PySide6.QtCore import QEventLoop, QTimer

    from desktop.api.backend import as_backend
    from desktop.ui.approvals import ApprovalsWindow
    from desktop.ui.tabbed import make_feed

    with approver_desk(db) as (actor, ids):
        feed = make_feed(as_backend(actor))  # LiveFeed here, RemoteFeed through a server
        feed.start()
        window = ApprovalsWindow(actor, feed)
        window.resize(1040, 680)
        window.show()
        app.processEvents()
        page = window.pending_page
        assert page.select_ids(ids) == REQUESTS
        app.processEvents()  # the selection painted, as the approver sees it before he clicks
        settle(app, actor)
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
    run_window.refreshes = reads  # type: ignore[attr-defined]
    return took


def settle(app: Any, actor: Any, timeout: float = 10.0) -> None:
    """The window as a person finds it when he clicks: through a server, its live connection
    open (/events); on both, the event loop left to run idle for a moment (a person takes
    longer than that to click), so the layouts and paints that showing the window and
    selecting 1,000 rows posted are done, not timed with the decisions (they were: two
    repaints of the whole window in the first batch)."""
    from PySide6.QtCore import QEventLoop, QTimer

    streams = getattr(actor, "_streams", None)
    deadline = time.perf_counter() + timeout
    while streams is not None and not streams and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.01)
    idle = QEventLoop()
    QTimer.singleShot(SETTLE_MS, idle.quit)
    idle.exec()


class _Psycopg:
    """psycopg as the floor's sqlite3 connection (autocommit: the floor says BEGIN and
    COMMIT itself): execute, executemany, SQLite's ? placeholders as %s. From BEGIN to
    COMMIT in pipeline mode: the statements go out without waiting for each answer, the
    fastest raw psycopg writes them (one round trip a statement would cost the floor about
    a third more than the services' batched writes)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.con = psycopg.connect(url, autocommit=True)
        self.pipeline: Any = None

    def execute(self, sql: str, params: Any = None) -> Any:
        if sql == "COMMIT":
            self.con.execute(sql)
            self.pipeline.__exit__(None, None, None)  # sends what is queued and waits
            self.pipeline = None
            return None
        done = self.con.execute(sql.replace("?", "%s"), params)
        if sql == "BEGIN":
            self.pipeline = self.con.pipeline()
            self.pipeline.__enter__()
        return done

    def executemany(self, sql: str, rows: list[Any]) -> None:
        with self.con.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), rows)

    def close(self) -> None:
        self.con.close()


def run_floor(url: str) -> float:
    """Plain sqlite3 (psycopg): the rows the services write for each approval, one
    transaction."""
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

    open_database(url)
    approver = User.get(User.upn == APPROVER)
    rows = []
    for r in (AccessRequest.select(AccessRequest, User, Application)
              .join(User, on=(AccessRequest.requester == User.id)).switch(AccessRequest)
              .join(Application).where((AccessRequest.status == "pending")
                                       & Application.name.in_(APPS))
              .order_by(AccessRequest.id)):
        s = SelfServiceSettings.get(SelfServiceSettings.application == r.application_id)
        rows.append((r.id, r.application_id, r.application.name, r.requester_id,
                     r.requester.upn, r.requester.mail, s.group_id,
                     Group.get_by_id(s.group_id).name, s.role_id,
                     AppRole.get_by_id(s.role_id).value if s.role_id else None,
                     bool(s.email_approvers), r.created_at))
    head = AuditEvent.select().order_by(AuditEvent.seq.desc()).first()
    close_database()

    pg = is_postgres(url)
    if pg:
        db: Any = _Psycopg(url)
    else:
        db = sqlite3.connect(url, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    at = dt.datetime.utcnow()
    stamp = at if pg else at.isoformat(sep=" ")  # PostgreSQL: a timestamp column
    seq, event_id, prev = head.seq, head.id, head.hash
    members, events, notices, mails, counts = [], [], [], [], {}
    db.execute("BEGIN" if pg else "BEGIN IMMEDIATE")
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


# --- the databases: a template built once, a fresh copy for each run -------------------------


def _admin(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as con:
        con.execute(sql)


@contextlib.contextmanager
def template(backend: str, tmp: Path) -> Iterator[str]:
    """Where the template is built: a file in `tmp` (SQLite); a new database on the bench
    cluster (bench/bigdb.py, started if it was not running and then stopped at the end), or
    on the server of ACCESS_DESK_BENCH_PG, dropped at the end (PostgreSQL)."""
    if backend == "sqlite":
        yield str(tmp / "template.db")
        return
    own = os.environ.get(bigdb.PG_URL_ENV)
    server, started = (own.rpartition("/")[0], False) if own else bigdb.cluster_start()
    try:
        with _database(server, f"bench_bulk_template_{os.getpid()}") as url:
            yield url
    finally:
        if started:
            bigdb.cluster_stop()


@contextlib.contextmanager
def _database(server: str, name: str, template: str | None = None) -> Iterator[str]:
    """A new database on `server` (a copy of `template`), dropped at the end."""
    _admin(server, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield f"{server}/{name}"
    finally:
        _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def fresh_copy(source: str, name: str) -> Iterator[str]:
    """A copy of the template for one run, removed after: a file beside it (SQLite), or a
    database made with it as TEMPLATE (PostgreSQL, as bigdb.writable but with the default
    strategy: for a small database, no checkpoint of a cluster other benches use)."""
    if is_postgres(source):
        server, _slash, template_name = source.rpartition("/")
        with _database(server, f"bench_bulk_{name}_{os.getpid()}", template_name) as url:
            os.sync()  # as for SQLite below
            yield url
        return
    path = Path(source).with_name(f"run-{name}.db")
    shutil.copyfile(source, path)
    os.sync()  # the copy's pages written now, not by the kernel's writeback while timed
    try:
        yield str(path)
    finally:
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)


# --- measuring and reporting ---------------------------------------------------------------


def measure(backend: str, tmp: Path, app: Any) -> str:
    """Build the template, run each measurement N times on fresh copies: the section."""
    started, load_before = time.perf_counter(), load_average()
    with template(backend, tmp) as source:
        print(f"{backend}: building {REQUESTS:,} pending requests in "
              f"{source.rpartition('/')[2]} ...", flush=True)
        build(source)
        built = time.perf_counter() - started
        times: dict[str, list[float]] = {"floor": [], "service": [], "window": [], "one": []}
        runs = [("floor", run_floor), ("service", run_service),
                ("window", lambda db: run_window(db, app)), ("one", run_one_at_a_time)]
        for i in range(N):
            for name, fn in runs:
                with fresh_copy(source, f"{name}_{i}") as db:
                    took = fn(db)
                times[name].append(took)
                print(f"  {name} run {i + 1}: {took:.2f} s", flush=True)
        where = machine_text(source)
    return report(backend, times, where, load_before, built, time.perf_counter() - started)


def machine_text(db: str) -> str:
    """The machine line; on PostgreSQL its version and where it runs, worded as
    bench/listings.py words it."""
    if not is_postgres(db):
        return machine(None)
    import psycopg

    server = ("at the server of ACCESS_DESK_BENCH_PG" if os.environ.get(bigdb.PG_URL_ENV)
              else "on loopback (bench/bigdb.py's cluster settings)")
    return (f"{machine(None)}, PostgreSQL {bigdb.server_version(db)} {server}, "
            f"psycopg {psycopg.__version__}")


def report(backend: str, times: dict[str, list[float]], where: str, load_before: str,
           built: float, whole: float) -> str:
    """The README's section for `backend`."""
    pg = backend == "postgres"
    med = {name: statistics.median(values) for name, values in times.items()}
    service_ratio, window_ratio = med["service"] / med["floor"], med["window"] / med["service"]
    verdict = (f"`decide_many` takes {service_ratio:.1f}x the floor (target ≤ "
               f"{SERVICE_TARGET:.0f}x: {'meets' if service_ratio <= SERVICE_TARGET else 'misses'}"
               f"); the window {window_ratio:.2f}x the service call (target ≤ "
               f"{WINDOW_TARGET}x: {'meets' if window_ratio <= WINDOW_TARGET else 'misses'}), "
               f"{med['window'] / med['floor']:.1f}x the floor.")
    driver = "psycopg" if pg else "sqlite3"
    window = ("The window is the Approvals window offscreen with its live feed, from the click "
              "on Approve (all selected; the window left idle "
              f"{SETTLE_MS} ms before, as a person takes to click) to the outcome shown and "
              "the list re-read.")
    if pg:
        window = (
            "The window is the Approvals window offscreen as a team's desktop runs it: "
            "**through an Access Desk server on loopback** (`access-desk --db URL serve "
            f"--workers {SERVER_WORKERS}` on the run's copy, a new server for each run, the "
            "approver signed in with POST /sessions, the server warmed by deciding "
            f"{WARM_UP} requests of a fourth application first, 25 a call, as a server up "
            "for a while has decided some), its calls (`approvals.decide`, POST "
            f"/approvals/decisions, one per {BATCH}) and its live feed (/events) over HTTP, "
            f"from the click on Approve (all selected; the window left idle {SETTLE_MS} ms "
            "before, as a person takes to click) to the outcome shown and the list "
            "re-read. The floor, `decide_many` and one at a time ran directly on PostgreSQL, "
            "in this process.")
    lines = [
        f"## Approving {REQUESTS:,} requests at once"
        + (", PostgreSQL (`python bench/bulk_decide.py --backend postgres`)" if pg
           else " (`python bench/bulk_decide.py`)"),
        "",
        f"Measured on {time.strftime('%Y-%m-%d')}; {where}; QT_QPA_PLATFORM=offscreen. "
        f"{'PostgreSQL' if pg else 'SQLite'}, N={N} runs each, each on a fresh copy of the "
        f"same database{' (CREATE DATABASE ... TEMPLATE)' if pg else ''}. Load average "
        f"{load_before} before, {load_average()} after.",
        "",
        f"One approver of three applications, {REQUESTS:,} pending requests from "
        f"{REQUESTS:,} people (a third assign a role, a third mail the requester). The floor "
        f"is plain `{driver}` writing the same rows in one transaction (the pending requests "
        f"read beforehand, not timed). `decide_many` decides {BATCH} per transaction, reading "
        "what the rules need for a batch in a few queries and writing its events, "
        "notifications, e-mails and memberships together, under one savepoint (one per "
        "request only when a request is refused after it wrote). " + window,
        "",
        "| measured | median ms | min ms | max ms | × floor |",
        "|---|---:|---:|---:|---:|",
    ]
    labels = {"floor": f"floor: raw {driver}, the same writes, one transaction",
              "service": f"**`bulk.decide_many`, {REQUESTS:,} requests**",
              "window": "**the Approvals window's Approve, all selected**"
              + (" (through the server)" if pg else ""),
              "one": "`requests.approve` one at a time (decide_many before batches)"}
    for name in ("floor", "service", "window", "one"):
        values = times[name]
        low, high = min(values) * 1000, max(values) * 1000
        lines.append(f"| {labels[name]} | {med[name] * 1000:,.0f} | {low:,.0f} | {high:,.0f} "
                     f"| {med[name] / med['floor']:.1f}x |")
    lines += ["", verdict + f" The window re-read its Pending list "
              f"{getattr(run_window, 'refreshes', '?')} time(s) per bulk approval. "
              f"Building the directory took {built:.0f} s; whole run {whole:.0f} s."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="Approving 1,000 pending requests at once: "
                                     "the service, the Approvals window and the floor.")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both",
                        help="measure on SQLite, on PostgreSQL (bench/bigdb.py's cluster or "
                        "ACCESS_DESK_BENCH_PG), or both (the default; PostgreSQL is left out "
                        "when it is not installed)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if args.backend == "both" and not bigdb.postgres_available():
        print("PostgreSQL is not installed (and no ACCESS_DESK_BENCH_PG): SQLite only")
        backends = ["sqlite"]

    from PySide6.QtWidgets import QApplication

    from desktop.ui.style import apply_style

    app = QApplication.instance() or QApplication([])
    apply_style(app)
    with tempfile.TemporaryDirectory(prefix="access-desk-bulk-") as tmp:
        os.environ["ACCESS_DESK_HOME"] = str(Path(tmp) / "home")
        os.environ["ACCESS_DESK_KEYRING"] = "0"
        missed = False
        for backend in backends:
            section = measure(backend, Path(tmp), app)
            print(section)
            missed = missed or "misses)" in section  # report's verdict on either target
            if not args.no_write:
                write_section(SECTIONS[backend], section)
    return 1 if missed else 0  # make bench names the scripts that missed


if __name__ == "__main__":
    sys.exit(main())
