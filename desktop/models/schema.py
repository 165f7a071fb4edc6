"""Creating, checking and upgrading the schema (playhouse.migrate), with a stored version."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import peewee as pw
from playhouse.migrate import PostgresqlMigrator, SchemaMigrator, SqliteMigrator, migrate

from desktop import audithash
from desktop.errors import DatabaseUnusable

from . import (
    ALL_MODELS,
    AccessGrant,
    AccessRequest,
    AccessReview,
    Application,
    AuditCheckpoint,
    AuditEvent,
    AuditSigningKey,
    AwayPeriod,
    EscalationApprover,
    ReviewItem,
    ReviewReviewer,
    SchemaInfo,
    SelfServiceSettings,
    Setting,
    SignInSession,
    base,
    search,
)
from .base import database_proxy, new_assignment_key, new_guid
from .database import (
    DatabaseUrl,
    connect,
    create_private_file,
    damaged,
    is_postgres,
    parse_url,
    sqlite_tables_readonly,
)

log = logging.getLogger(__name__)

PRODUCT = "access-desk"
SCHEMA_VERSION = 12
# The setting naming the first audit event hashed with formula 2 (every column, see
# services/auditchain.py); without it every event is. Written by the version 6 upgrade.
AUDIT_FORMULA_2_FROM = "audit_formula_2_from"


def _v2_pending_count(db: pw.Database, migrator: SchemaMigrator) -> None:
    """Version 2: applications carry their pending-request count, kept by the writes."""
    migrate(migrator.add_column("application", "pending_count", Application.pending_count))
    db.execute_sql(
        "UPDATE application SET pending_count = (SELECT COUNT(*) FROM access_request r "
        "WHERE r.application_id = application.id AND r.status = 'pending')"
    )


def _v3_search(db: pw.Database, _migrator: SchemaMigrator) -> None:
    """Version 3: word-prefix search indexes (FTS5 / GIN), filled from the existing rows."""
    search.install(db)


def _v4_search_order(db: pw.Database, _migrator: SchemaMigrator) -> None:
    """Version 4: SQLite's search indexes keyed in list order (fast first pages); on
    PostgreSQL the GIN indexes are already there. The sort indexes come with every upgrade
    (_extra_indexes)."""
    search.install(db)


def _v5_guests_and_guids(db: pw.Database, migrator: SchemaMigrator) -> None:
    """Version 5: users keep Graph's userType and externalUserState; every user, group,
    application, app role and assignment has a Graph id (minted here where none came from
    Graph), and graph_imported tells the ones Graph gave."""
    # NOT NULL with a DEFAULT in the ALTER itself: SQLite then adds the column in place
    # instead of rebuilding the table (which would drop the search triggers on it).
    def not_null(field: pw.Field, default: str) -> pw.Field:
        copy = field.clone()
        copy.constraints = [pw.SQL(f"DEFAULT {default}")]
        return copy

    imported = pw.BooleanField(default=False)
    migrate(
        migrator.add_column("user", "user_type",
                            not_null(pw.CharField(default="member"), "'member'"),
                            allow_not_null=True),
        migrator.add_column("user", "external_user_state", pw.CharField(null=True)),
        *(migrator.add_column(table, "graph_imported", not_null(imported, "FALSE"),
                              allow_not_null=True)
          for table in ("user", "group", "application")),
    )
    for table in ("user", "group", "application"):
        db.execute_sql(f'UPDATE "{table}" SET graph_imported = (graph_id IS NOT NULL)')
    # Guests imported before userType was kept: Entra gives every guest a #EXT# UPN.
    db.execute_sql(f'UPDATE "user" SET user_type = {db.param} '
                   f"WHERE graph_imported AND upn LIKE {db.param}", ("guest", "%#ext#%"))
    for table, column, mint in (("user", "graph_id", new_guid), ("group", "graph_id", new_guid),
                                ("application", "graph_id", new_guid),
                                ("application", "app_id", new_guid),
                                ("app_role", "graph_id", new_guid),
                                ("assignment", "graph_id", new_assignment_key)):
        rows = db.execute_sql(f'SELECT id FROM "{table}" WHERE {column} IS NULL').fetchall()
        for (row_id,) in rows:
            db.execute_sql(f'UPDATE "{table}" SET {column} = %s WHERE id = %s'
                           .replace("%s", db.param), (mint(), row_id))


def _v6_signed_audit(db: pw.Database, _migrator: SchemaMigrator) -> None:
    """Version 6: the audit hash covers every column (formula 2) and signed checkpoints with
    their keys. The events already written keep formula 1: the first new event's number is
    kept, and the first signed checkpoint is written with it (services/auditchain.py)."""
    db.create_tables([AuditSigningKey, AuditCheckpoint])
    head = AuditEvent.select().order_by(AuditEvent.seq.desc()).first()
    if head is None:
        return
    # Formula 1 leaves out id and application_id: the upgrade's own event (formula 2) records
    # a digest of them, so they are covered from now on too.
    old = (AuditEvent.select(AuditEvent.seq, AuditEvent.id, AuditEvent.application_id)
           .order_by(AuditEvent.seq).tuples().iterator())
    details = json.dumps({"formula_1_events": head.seq,
                          "formula_1_uncovered_columns": audithash.legacy_columns_digest(old)},
                         sort_keys=True, separators=(",", ":"))
    event_id = (AuditEvent.select(pw.fn.MAX(AuditEvent.id)).scalar() or 0) + 1
    seq, at = head.seq + 1, base.clock()
    digest = audithash.formula2(event_id, seq, at, None, "audit.upgrade", "formula 2", None,
                                details, head.hash)
    AuditEvent.create(id=event_id, seq=seq, at=at, actor=None, action="audit.upgrade",
                      target="formula 2", application_id=None, details=details,
                      prev_hash=head.hash, hash=digest)
    Setting.update(value=f"{seq}:{digest}").where(Setting.key == "audit_head").execute()
    Setting.create(key=AUDIT_FORMULA_2_FROM, value=str(seq))


def _v7_sign_in_sessions(db: pw.Database, _migrator: SchemaMigrator) -> None:
    """Version 7: team mode's signed-in devices (the server's sessions)."""
    db.create_tables([SignInSession])


def _v8_governance(db: pw.Database, migrator: SchemaMigrator) -> None:
    """Version 8: governance (rules 16-20): per-application time-out, reminder, escalation
    and access-duration settings (all off), escalation approvers, the deadlines a request
    gets when it is made, time-bound grants, approvers' absences and access reviews."""
    # The models' fields as they are (NOT NULL ones carry a SQL DEFAULT, so the ALTER adds
    # them in place, without a table rebuild).
    table, settings, request = "self_service_settings", SelfServiceSettings, AccessRequest
    migrate(
        *(migrator.add_column(table, name, getattr(settings, name), allow_not_null=True)
          for name in ("expire_days", "remind_days", "escalate_days", "reason_to_approve",
                       "access_days", "access_until", "end_reminder_days",
                       "nobody_available_told_at")),
        migrator.add_column("access_request", "kind", request.kind, allow_not_null=True),
        *(migrator.add_column("access_request", column, field) for column, field in (
            ("extends_grant", pw.IntegerField(null=True)),
            ("expires_at", pw.DateTimeField(null=True)),
            ("remind_at", pw.DateTimeField(null=True)),
            ("reminded_at", pw.DateTimeField(null=True)),
            ("escalate_at", pw.DateTimeField(null=True)),
            ("escalated_at", pw.DateTimeField(null=True)),
            ("decided_for", pw.IntegerField(null=True)))),
        *(migrator.add_index("access_request", (column,), False)
          for column in ("expires_at", "remind_at", "escalate_at")),
    )
    db.create_tables([EscalationApprover, AccessGrant, AwayPeriod, AccessReview,
                      ReviewReviewer, ReviewItem])


def _v9_sort_indexes(_db: pw.Database, _migrator: SchemaMigrator) -> None:
    """Version 9: indexes that sort the long lists by decision time (everyone's, and an
    approver's History per application), by action and by target at a page's cost (issue
    15). `_extra_indexes`, which every upgrade runs, makes them."""


def _v10_application_order(_db: pw.Database, migrator: SchemaMigrator) -> None:
    """Version 10: access_request's application index holds the id order, (application_id,
    id) instead of (application_id), under the same name: an approver's requests are read
    one application at a time in id order and merged, on PostgreSQL too (issue 15)."""
    migrate(migrator.drop_index("access_request", "access_request_application_id"),
            migrator.add_index("access_request", ("application_id", "id"), False,
                               name="access_request_application_id"))


def _v11_history_order(_db: pw.Database, _migrator: SchemaMigrator) -> None:
    """Version 11: the decided requests' (application_id, decided_at, id), apart from the
    pending ones (a partial index): an approver's History, oldest decision first, reads each
    application's from its start instead of stepping over its pending requests, whose
    decision time is empty (issue 15). `_extra_indexes`, which every upgrade runs, makes
    it."""


def _v12_sort_ties(db: pw.Database, _migrator: SchemaMigrator) -> None:
    """Version 12: on PostgreSQL the sort indexes hold the tie-break too, (column, id), as
    SQLite's hold it already by their rowid: a list sorted by a column of few values (a
    license, a status) reads a page from the index instead of sorting every row of one value
    (issue 15). The old ones are dropped here; `_extra_indexes`, which every upgrade runs,
    makes the new ones."""
    if is_postgres(db):
        for table, column, _expression in _SORTED_COLUMNS:
            db.execute_sql(f"DROP INDEX IF EXISTS {table}_{column}_sort")


# version -> step that upgrades from version-1. A new database is created at the head directly.
MIGRATIONS: dict[int, Callable[[pw.Database, SchemaMigrator], None]] = {
    2: _v2_pending_count,
    3: _v3_search,
    4: _v4_search_order,
    5: _v5_guests_and_guids,
    6: _v6_signed_audit,
    7: _v7_sign_in_sessions,
    8: _v8_governance,
    9: _v9_sort_indexes,
    10: _v10_application_order,
    11: _v11_history_order,
    12: _v12_sort_ties,
}


# What each step adds that a later version still has: (table, column), or (table, None) for a
# table. Its presence tells which steps a database has really been through.
STEP_MARKS: dict[int, tuple[tuple[str, str | None], ...]] = {
    2: (("application", "pending_count"),),
    5: (("user", "user_type"), ("user", "graph_imported")),
    6: (("audit_checkpoint", None), ("audit_signing_key", None)),
    7: (("sign_in_session", None),),
    8: (("access_grant", None), ("access_request", "expires_at")),
}


def _check_steps(db: pw.Database, version: int, display: str) -> None:
    """Refuse, before any backup or change, a database whose version row contradicts its
    tables (a step's columns there although the row says it never ran, or missing although
    it says it did): upgrading it would fail half-way at every start."""
    tables = set(db.get_tables())
    columns: dict[str, set[str]] = {}
    for step, marks in sorted(STEP_MARKS.items()):
        found = []
        for table, column in marks:
            if column is None:
                found.append(table in tables)
                continue
            if table not in columns:
                columns[table] = ({c.name for c in db.get_columns(table)}
                                  if table in tables else set())
            found.append(column in columns[table])
        ran = step <= version
        if ran and not all(found):
            why = f"missing what version {step} added"
        elif not ran and any(found):
            why = f"those of a later version {step}"
        else:
            continue
        raise DatabaseUnusable(
            f"{display} says it is at schema {version}, but its tables are {why}; it was not "
            "changed. Restore a backup, or ask for help to set its schema_info row right")


# (table, column, the sort's expression) of the long lists' sorted columns: each has an
# index {table}_{column}_sort.
_SORTED_COLUMNS = (
    ("application", "publisher", "lower(publisher)"),
    ("application", "origin", "origin"),
    ("application", "sso_mode", "sso_mode"),
    ("application", "public_client_flows", "public_client_flows"),
    ("application", "hidden", "hidden"),
    ("application", "pending_count", "pending_count"),
    ("user", "department", "lower(department)"),
    ("user", "mail", "mail"),
    ("user", "license", "license"),
    ("user", "enabled", "enabled"),
    ("user", "user_type", "user_type"))


def _extra_indexes(db: pw.Database) -> None:
    # Rule 9 holds even if two writers raced past the service check: one open request per person.
    db.execute_sql(
        "CREATE UNIQUE INDEX IF NOT EXISTS access_request_one_pending "
        "ON access_request (application_id, requester_id) WHERE status = 'pending'"
    )
    # Case-insensitive name lookups and prefix searches use these.
    lower = "LOWER" if is_postgres(db) else "lower"
    for table, column in (("application", "name"), ("group", "name"), ("user", "display_name")):
        quoted = f'"{table}"'
        db.execute_sql(
            f"CREATE INDEX IF NOT EXISTS {table}_{column}_lower ON {quoted} ({lower}({column}))"
        )
    # Every other column the long lists sort by: a search sorted by one of them reads the
    # index in order and stops at the page's end instead of sorting every match (100k rows).
    # The lists break ties by id: SQLite's indexes end with the rowid (the id) anyway,
    # PostgreSQL's are told (a column of three values would otherwise sort a third of the
    # table for a page).
    tie = ", id" if is_postgres(db) else ""
    for table, column, expression in _SORTED_COLUMNS:
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS {table}_{column}_sort ON "{table}" '
                       f"({expression}{tie})")
    if tie:  # everyone's requests by status; the field's own index is (status) alone
        db.execute_sql("CREATE INDEX IF NOT EXISTS access_request_status_sort "
                       'ON "access_request" (status, id)')
    # Everyone's requests by decision time (an approver's History is in that order too) and
    # the audit log by action or target, the tie broken as the lists break it: a page reads
    # the index in order instead of sorting a million requests or five million events.
    for name, table, columns in (
            ("access_request_decided_at_sort", "access_request", "decided_at, id"),
            ("access_request_application_decided_sort", "access_request",
             "application_id, decided_at, id"),
            ("audit_event_action_sort", "audit_event", "action, seq"),
            ("audit_event_target_sort", "audit_event", "target, seq")):
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS {name} ON "{table}" ({columns})')
    # The decided ones alone: History (status != 'pending'), oldest decision first, reads
    # them in order without stepping over the pending ones, whose decision time is empty.
    db.execute_sql('CREATE INDEX IF NOT EXISTS access_request_decided_history ON '
                   '"access_request" (application_id, decided_at, id) '
                   "WHERE status != 'pending'")


def create_schema(db: pw.Database) -> None:
    with db.atomic():
        db.create_tables(ALL_MODELS)
        _extra_indexes(db)
        search.install(db)
        SchemaInfo.create(product=PRODUCT, version=SCHEMA_VERSION)


def stored_version(db: pw.Database) -> int | None:
    """None for an empty database; raises DatabaseUnusable for a foreign one."""
    tables = set(db.get_tables())
    if not tables:
        return None
    if "schema_info" not in tables:
        raise DatabaseUnusable("this database is not an Access Desk database; it was not changed")
    row = SchemaInfo.select().first()
    if row is None or row.product != PRODUCT:
        raise DatabaseUnusable("this database is not an Access Desk database; it was not changed")
    return int(row.version)


def upgrade(db: pw.Database, from_version: int) -> None:
    migrator: SchemaMigrator = (
        PostgresqlMigrator(db) if is_postgres(db) else SqliteMigrator(db)
    )
    # SQLite rebuilds a table to add a NOT NULL column; with foreign keys on, dropping the old
    # table would cascade-delete every row referring to it. The pragma only works outside a
    # transaction, so it is switched off here, not by playhouse inside our atomic().
    sqlite = not is_postgres(db)
    if sqlite:
        db.execute_sql("PRAGMA foreign_keys = 0")
    try:
        with db.atomic():
            for version in range(from_version + 1, SCHEMA_VERSION + 1):
                log.info("upgrading schema to version %d", version)
                MIGRATIONS[version](db, migrator)
            _extra_indexes(db)
            if sqlite and db.execute_sql("PRAGMA foreign_key_check").fetchall():
                raise DatabaseUnusable("the upgrade broke references between tables; "
                                       "it was rolled back")
            SchemaInfo.update(
                version=SCHEMA_VERSION, upgraded_at=dt.datetime.now(dt.UTC)
            ).execute()
    finally:
        if sqlite:
            db.execute_sql("PRAGMA foreign_keys = 1")


def backup_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database, also while other connections write to it."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    create_private_file(target)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _check_sqlite_file(path: Path) -> None:
    """Refuse, without writing a byte, a file that is not ours or is newer than us."""
    if path.exists() and not path.is_file():  # /dev/null reads as an empty file
        raise DatabaseUnusable(f"{path} is not a database file (a directory or a device); "
                               "it was not changed")
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        header = fh.read(16)
    if header != b"SQLite format 3\x00":
        raise DatabaseUnusable(
            f"{path} is not an Access Desk database (not even SQLite); it was not changed"
        )
    try:
        tables, info = sqlite_tables_readonly(path)
    except sqlite3.DatabaseError as exc:
        raise damaged(str(path), exc) from exc
    if tables and (info is None or info[0] != PRODUCT):
        raise DatabaseUnusable(f"{path} is not an Access Desk database; it was not changed")
    if info and info[1] > SCHEMA_VERSION:
        raise DatabaseUnusable(
            f"{path} was written by a newer Access Desk (schema {info[1]}, this program knows "
            f"{SCHEMA_VERSION}); upgrade Access Desk. The database was not changed."
        )


def open_database(url: str | DatabaseUrl, *, init: bool = False) -> pw.Database:
    """Open, check and (SQLite always, PostgreSQL only with init=True) create or upgrade.

    A SQLite file is upgraded on open after a timestamped backup beside it. A shared
    PostgreSQL schema changes only by an explicit `init`, so one newer desktop never
    changes it by surprise.
    """
    parsed = url if isinstance(url, DatabaseUrl) else parse_url(url)
    if parsed.kind == "sqlite":
        assert parsed.path is not None
        # Closing any file handle on a database file drops every POSIX lock this process
        # holds on it, SQLite's included (then another process may checkpoint the WAL away
        # under us): the header check below opens and closes one, so this process's own
        # connection to the file goes first.
        close_database()
        _check_sqlite_file(parsed.path)
        if not parsed.path.exists():
            create_private_file(parsed.path)
    db = connect(parsed)
    try:
        db.connect(reuse_if_open=True)
    except pw.OperationalError as exc:
        raise DatabaseUnusable(f"cannot connect to {parsed.display()}: {exc}".strip()) from exc
    try:
        version = stored_version(db)
        if version is None:
            if parsed.kind == "postgresql" and not init:
                raise DatabaseUnusable(
                    f"{parsed.display()} has no Access Desk schema yet: run init"
                )
            create_schema(db)
        elif version > SCHEMA_VERSION:
            raise DatabaseUnusable(
                f"{parsed.display()} was written by a newer Access Desk (schema {version}, this "
                f"program knows {SCHEMA_VERSION}); upgrade Access Desk. It was not changed."
            )
        elif version < SCHEMA_VERSION:
            _check_steps(db, version, parsed.display())
            if parsed.kind == "postgresql" and not init:
                raise DatabaseUnusable(
                    f"{parsed.display()} has an older schema ({version}): run init to upgrade it"
                )
            if parsed.kind == "sqlite":
                assert parsed.path is not None
                stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
                backup = parsed.path.with_name(f"{parsed.path.name}.v{version}-{stamp}.bak")
                db.close()
                backup_sqlite(parsed.path, backup)
                db.connect()
                log.info("backed up %s to %s before upgrading", parsed.display(), backup)
            upgrade(db, version)
    except Exception:
        db.close()
        raise
    return db


def close_database() -> None:
    db = database_proxy.obj
    if db is not None and not db.is_closed():
        db.close()


# Kept by clear_rows: the schema version, and the change feed, whose ids other processes
# remember (a feed that went backwards would hide every later change from them).
KEPT_BY_CLEAR = ("schema_info", "change")


def clear_rows(db: pw.Database) -> None:
    """Delete every row but the schema version and the change feed, children first, and start
    the ids from 1 again, so a rebuilt directory gets the same ids. Runs inside the caller's
    write transaction; the tables, the file and its WAL stay (other processes keep them open).

    On PostgreSQL, restarting a sequence is never rolled back: a caller whose transaction fails
    calls resync_sequences afterwards."""
    models = [m for m in reversed(pw.sort_models(ALL_MODELS))  # type: ignore[attr-defined]
              if m._meta.table_name not in KEPT_BY_CLEAR]
    for model in models:
        model.delete().execute()
    search.clear(db)
    if is_postgres(db):
        for model in models:
            # sign_in_failure is written outside the write lock (failed sign-ins): never restart
            # a sequence another connection may be drawing from.
            if model._meta.table_name.startswith("sign_in"):
                continue
            db.execute_sql("SELECT setval(pg_get_serial_sequence(%s, 'id'), 1, false)",
                           (f'"{model._meta.table_name}"',))


def resync_sequences(db: pw.Database) -> None:
    """PostgreSQL: every id sequence past its table's largest id (after a failed clear_rows)."""
    if not is_postgres(db):
        return
    for model in ALL_MODELS:
        table = model._meta.table_name
        if table in KEPT_BY_CLEAR or table.startswith("sign_in"):
            continue
        db.execute_sql(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)', (f'"{table}"',))


def pending_counts_consistent() -> bool:
    """True when every application's kept count equals a fresh count (used by tests and verify)."""
    fresh = (
        AccessRequest.select(AccessRequest.application, pw.fn.COUNT(AccessRequest.id).alias("n"))
        .where(AccessRequest.status == "pending")
        .group_by(AccessRequest.application)
    )
    counts = {row.application_id: row.n for row in fresh}
    return all(app.pending_count == counts.get(app.id, 0) for app in Application.select())
