"""Creating, checking and upgrading the schema (playhouse.migrate), with a stored version."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import peewee as pw
from playhouse.migrate import PostgresqlMigrator, SchemaMigrator, SqliteMigrator, migrate

from desktop.errors import DatabaseUnusable

from . import ALL_MODELS, AccessRequest, Application, SchemaInfo, search
from .base import database_proxy
from .database import (
    DatabaseUrl,
    connect,
    create_private_file,
    is_postgres,
    parse_url,
    sqlite_tables_readonly,
)

log = logging.getLogger(__name__)

PRODUCT = "access-desk"
SCHEMA_VERSION = 4


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


# version -> step that upgrades from version-1. A new database is created at the head directly.
MIGRATIONS: dict[int, Callable[[pw.Database, SchemaMigrator], None]] = {
    2: _v2_pending_count,
    3: _v3_search,
    4: _v4_search_order,
}


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
    for table, column, expression in (
            ("application", "publisher", f"{lower}(publisher)"),
            ("application", "origin", "origin"),
            ("application", "sso_mode", "sso_mode"),
            ("application", "public_client_flows", "public_client_flows"),
            ("application", "hidden", "hidden"),
            ("application", "pending_count", "pending_count"),
            ("user", "department", f"{lower}(department)"),
            ("user", "mail", "mail"),
            ("user", "license", "license"),
            ("user", "enabled", "enabled")):
        db.execute_sql(
            f'CREATE INDEX IF NOT EXISTS {table}_{column}_sort ON "{table}" ({expression})')


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
        raise DatabaseUnusable(
            f"{path} cannot be read as a database ({exc}); it was not changed"
        ) from exc
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


def pending_counts_consistent() -> bool:
    """True when every application's kept count equals a fresh count (used by tests and verify)."""
    fresh = (
        AccessRequest.select(AccessRequest.application, pw.fn.COUNT(AccessRequest.id).alias("n"))
        .where(AccessRequest.status == "pending")
        .group_by(AccessRequest.application)
    )
    counts = {row.application_id: row.n for row in fresh}
    return all(app.pending_count == counts.get(app.id, 0) for app in Application.select())
