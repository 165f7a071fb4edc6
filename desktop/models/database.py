"""Opening a database from a URL, binding the models to it, and the one write transaction."""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import peewee as pw

from desktop.errors import AccessDeskError, DatabaseDamaged, DiskFull, UsageError

from .base import database_proxy

# Any constant will do; it only has to be the same for every desktop on the database.
PG_WRITE_LOCK = 0x41434445534B  # "ACDESK"
PG_CHANNEL = "access_desk_changes"

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "synchronous": "normal",
}


@dataclass(frozen=True)
class DatabaseUrl:
    kind: str  # "sqlite" | "postgresql"
    path: Path | None = None
    name: str = ""
    user: str | None = None
    password: str | None = None
    host: str | None = None
    port: int | None = None

    def display(self) -> str:
        """The URL without any password, for messages and logs."""
        if self.kind == "sqlite":
            return str(self.path)
        auth = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        return f"postgresql://{auth}{self.host or ''}{port}/{self.name}"


def parse_url(url: str) -> DatabaseUrl:
    """`sqlite:///rel.db`, `sqlite:////abs.db`, a bare path, or `postgresql://user@host:port/db`."""
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlparse(url)
        name = parts.path.lstrip("/")
        if not name:
            raise UsageError(f"the PostgreSQL URL names no database: {url.split('@')[-1]}")
        return DatabaseUrl(
            kind="postgresql",
            name=unquote(name),
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            host=parts.hostname,
            port=parts.port,
        )
    if url.startswith("sqlite:///"):
        return DatabaseUrl(kind="sqlite", path=Path(url[len("sqlite:///") :]))
    if "://" in url:
        scheme = url.split("://")[0]
        raise UsageError(f"unsupported database URL {scheme}://; use sqlite or postgresql")
    return DatabaseUrl(kind="sqlite", path=Path(url).expanduser())


def is_postgres(db: pw.Database | None = None) -> bool:
    db = db if db is not None else database_proxy.obj
    return isinstance(db, pw.PostgresqlDatabase)


def listing_rows(sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> list[Any]:
    """The rows of a long listing's page as the driver gives them, times as text: SQLite's as
    stored, PostgreSQL's in its ISO output (``YYYY-MM-DD HH:MM:SS[.ffffff]``, the same
    shape), which ``core.iso`` cuts into the JSON's form. Parsing 300,000 times into
    datetimes and formatting them again was a tenth of a long listing's time."""
    from desktop.models import database_proxy

    db = database_proxy.obj
    if not is_postgres(db):
        return db.execute_sql(sql, params).fetchall()  # type: ignore[no-any-return]
    from psycopg.types.string import TextLoader

    with pw.__exception_wrapper__:  # type: ignore[attr-defined]  # as execute_sql wraps them
        cursor = db.cursor()
        try:
            cursor.adapters.register_loader("timestamp", TextLoader)
            cursor.execute(sql, params)
            return cursor.fetchall()  # type: ignore[no-any-return]
        finally:
            cursor.close()


def create_private_file(path: Path) -> None:
    """Create an empty file readable by its owner only, before SQLite opens it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


def sqlite_tables_readonly(path: Path) -> tuple[list[str], tuple[str, int] | None]:
    """Table names and (product, version) read without changing a byte of the file."""
    uri = f"file:{path}?mode=ro"
    con = sqlite3.connect(uri, uri=True)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        info = None
        if "schema_info" in names:
            row = con.execute("SELECT product, version FROM schema_info LIMIT 1").fetchone()
            info = (row[0], int(row[1])) if row else None
        return names, info
    finally:
        con.close()


def connect(url: DatabaseUrl) -> pw.Database:
    """A peewee database for the URL, bound to the models' proxy (not yet checked)."""
    db: pw.Database
    if url.kind == "sqlite":
        assert url.path is not None
        db = pw.SqliteDatabase(str(url.path), pragmas=SQLITE_PRAGMAS)
    else:
        kwargs: dict[str, Any] = {}
        for key in ("user", "password", "host", "port"):
            value = getattr(url, key)
            if value is not None:
                kwargs[key] = value
        # psycopg prepares a statement it sees five times; PostgreSQL may then plan it once
        # for any parameter. A search's best plan depends on the words typed (walk the name
        # order for a common prefix, fetch the few matches of a rare one): plan every run.
        kwargs["options"] = "-c plan_cache_mode=force_custom_plan"
        db = pw.PostgresqlDatabase(url.name, **kwargs)
    database_proxy.initialize(db)
    return db


# --- a PostgreSQL server that went away (restart, network) -------------------------------------

# What peewee raises when the server dropped this thread's connection.
CONNECTION_ERRORS = (pw.InterfaceError, pw.OperationalError)


class ConnectionLost(AccessDeskError):
    """The database server could not be reached, or dropped the connection mid-way."""


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _connection_broken(db: pw.Database) -> bool:
    """True when this thread's PostgreSQL connection is known dead (psycopg marks it closed)."""
    if not is_postgres(db) or db.is_closed():
        return False
    return bool(getattr(db.connection(), "closed", False))


def _reopen(db: pw.Database) -> None:
    """Forget this thread's dead connection and open a new one; ConnectionLost if it fails."""
    try:
        db.close()
    except pw.PeeweeException:
        pass  # closing a dead connection may complain; peewee has forgotten it all the same
    try:
        db.connect()
    except CONNECTION_ERRORS as exc:
        raise ConnectionLost(
            f"cannot reach the database ({_first_line(exc)}); try again when it is back"
        ) from exc


def reconnect_if_lost() -> bool:
    """PostgreSQL: make sure this thread's connection is alive (one round trip), reopening it
    once when the server dropped it (a restart). True when it reconnected. SQLite and a
    connection inside a transaction are left alone. Raises ConnectionLost when the server
    still cannot be reached. The live feed calls this after it reconnected itself."""
    db = database_proxy.obj
    if db is None or not is_postgres(db) or db.is_closed() or db.in_transaction():
        return False
    if not _connection_broken(db):
        try:
            db.execute_sql("SELECT 1")
            return False
        except CONNECTION_ERRORS:
            if not _connection_broken(db):
                raise
    _reopen(db)
    return True


# --- the storage failing under us: a full disk, a damaged file ---------------------------------

# OSError numbers that mean "no room": no space, over quota, a file too large.
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_NOTADB = 11, 13, 26
# PostgreSQL's SQLSTATEs: disk_full; data_corrupted, index_corrupted.
_PG_FULL = "53100"
_PG_DAMAGED = ("XX001", "XX002")
_SQLITE_TEXTS = {"database or disk is full": _SQLITE_FULL,
                 "database disk image is malformed": _SQLITE_CORRUPT,
                 "file is not a database": _SQLITE_NOTADB}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The error, what it wraps (peewee keeps the driver's error as `orig`) and
    what it was raised from or while handling (a failed rollback hides its cause)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        wrapped = getattr(e, "orig", None)
        if not isinstance(wrapped, BaseException):
            wrapped = e.args[0] if e.args and isinstance(e.args[0], BaseException) else None
        todo += [x for x in (wrapped, e.__cause__, e.__context__) if x is not None]


def _open_database_name() -> str:
    """How the open database is named in a message: a SQLite file's path, a server's URL."""
    db = database_proxy.obj
    if db is None:
        return "the database"
    if is_postgres(db):
        params = db.connect_params
        return DatabaseUrl("postgresql", name=db.database, user=params.get("user"),
                           host=params.get("host"), port=params.get("port")).display()
    return str(db.database)


def _sqlite_code(e: BaseException) -> int | None:
    if not isinstance(e, (sqlite3.Error, pw.DatabaseError)):
        return None
    code = getattr(e, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    return _SQLITE_TEXTS.get(str(e).strip().lower())


def _sqlstate(e: BaseException) -> str | None:
    state = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
    return state if isinstance(state, str) else None


def storage_error(exc: BaseException) -> AccessDeskError | None:
    """The one place where the storage failing becomes our error (exit 4, one sentence that
    windows show as is): a full disk (SQLite's SQLITE_FULL "database or disk is full",
    PostgreSQL's 53100, an OSError ENOSPC/EDQUOT/EFBIG) or a damaged database (SQLite's
    "database disk image is malformed" and "file is not a database", PostgreSQL's XX001 and
    XX002), found anywhere in the error's chain. None for any other error."""
    for e in _chain(exc):
        if isinstance(e, (DiskFull, DatabaseDamaged)):
            return e
        if isinstance(e, OSError) and e.errno in FULL_ERRNOS:
            what = e.filename if e.filename is not None else "the output"
            return DiskFull(f"the disk is full: {what} could not be written; free some space "
                            "and try again")
        code, state = _sqlite_code(e), _sqlstate(e)
        if code == _SQLITE_FULL:
            return DiskFull(f"the disk is full: the change was not saved to "
                            f"{_open_database_name()}, which is as it was; free some space and "
                            "try again")
        if state == _PG_FULL:
            return DiskFull(f"the disk is full on the database server of "
                            f"{_open_database_name()}: the change was not saved; ask the "
                            "server's administrator to free some space")
        if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or state in _PG_DAMAGED:
            return damaged(_open_database_name(), e, sqlite=code is not None)
    return None


def damaged(where: str, exc: BaseException, *, sqlite: bool = True) -> DatabaseDamaged:
    """A damaged database, named, with the way back: its latest backup."""
    backup = ("restore your latest backup (made with access-desk backup FILE) in its place"
              if sqlite else "restore it from your latest backup")
    return DatabaseDamaged(f"the database {where} is damaged ({_first_line(exc)}); {backup}")


@contextmanager
def write_transaction() -> Iterator[None]:
    """One writer at a time per database, as ``_one_writer``; a full disk or a damaged file
    raises ``storage_error``'s error, never the driver's (nor a failed rollback's: SQLite
    ends a transaction by itself when the disk is full, and peewee's ROLLBACK then fails
    with "cannot rollback - no transaction is active"). Nothing was saved."""
    try:
        with _one_writer():
            yield
    except AccessDeskError:
        raise
    except Exception as exc:
        problem = storage_error(exc)
        if problem is None:
            raise
        raise problem from exc


@contextmanager
def _one_writer() -> Iterator[None]:
    """One writer at a time per database: keeps the audit chain linear and the change feed ordered.

    SQLite: BEGIN IMMEDIATE (a deferred transaction that reads then writes fails at once with
    SQLITE_BUSY when another connection committed meanwhile). PostgreSQL: an advisory lock
    held until commit; when the server dropped this thread's connection (a restart) before
    the transaction began, it reconnects once and begins again; a connection lost mid-way
    raises ConnectionLost. Nested calls become savepoints of the outer transaction.
    """
    db = database_proxy.obj
    if db.transaction_depth() > 0:
        with db.atomic():
            yield
        return
    if not is_postgres(db):
        with db.atomic("IMMEDIATE"):
            yield
        return
    for attempt in (1, 2):
        began = False
        try:
            with db.atomic():
                db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (PG_WRITE_LOCK,))
                began = True
                yield
            return
        except CONNECTION_ERRORS as exc:
            if not _connection_broken(db):
                raise
            if began:
                _reopen_quietly(db)
                raise ConnectionLost(
                    "the connection to the database was lost before the change was confirmed "
                    f"({_first_line(exc)}); check whether it was saved, then try again"
                ) from exc
            if attempt == 2:
                raise ConnectionLost(
                    f"cannot reach the database ({_first_line(exc)}); try again when it is back"
                ) from exc
            _reopen(db)  # the server dropped the connection while idle: once more, afresh


def _reopen_quietly(db: pw.Database) -> None:
    """After a loss mid-transaction: open a new connection if the server is back, else leave
    it closed (the next call connects)."""
    try:
        _reopen(db)
    except ConnectionLost:
        pass
