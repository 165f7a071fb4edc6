"""The big directory for a backend: what a benchmark asks for to run on SQLite or PostgreSQL.

    import bigdb                        # bench/ is on sys.path when a bench runs
    sizes = bigdb.sizes(small=False)    # the issue's sizes (small: bench/big_directory.py --small)
    with bigdb.directory("postgres", sizes) as url:   # or "sqlite": a file path
        ...                              # `access-desk --db url ...`, open_database(url), psycopg
    with bigdb.writable("postgres", sizes) as url:    # a throw-away copy to change
        ...

SQLite: the cached file ``bench/big_directory.py`` makes (built when missing). PostgreSQL:
the same rows in a database of a bench cluster kept between runs (its data directory
outside the checkout: ``~/.cache/access-desk-bench/pg``, or ``/var/tmp/access-desk-bench-pg``
when run as root, whose home the ``postgres`` user cannot enter; ``ACCESS_DESK_BENCH_PG_DIR``
chooses another), one database per generator version, schema and sizes, made once by
``fill_postgres`` and found ready afterwards. ``directory()`` starts the cluster when it is
not running and stops it at the end if it started it; ``postgres()`` leaves it running
(``python bench/bigdb.py stop`` stops it). ``ACCESS_DESK_BENCH_PG`` (a URL) uses a server of
your own instead: its database is filled the same way (an empty database, or one this module
filled before).

How the PostgreSQL database is made (``fill_postgres``): ``open_database(url, init=True)``
creates the project's own schema (tables, indexes, the search's generated columns and GIN
indexes), then every table is copied from the cached SQLite big directory with ``COPY``
(psycopg's ``cursor.copy``), the largest tables' secondary indexes dropped first and
re-created from their own definitions after the rows, foreign-key triggers off during the
copy when the role may (``session_replication_role = replica``: the rows come from a
database ``access-desk check`` accepts), the id sequences resynced (``schema.resync_sequences``)
and every table analysed. A marker table, ``bench_big_directory``, names the generator
version, schema and sizes: a second run finds it and reuses the database.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (str(ROOT), str(ROOT / "bench")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import big_directory  # noqa: E402

BACKENDS = ("sqlite", "postgres")
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_URL_ENV = "ACCESS_DESK_BENCH_PG"
PG_DIR_ENV = "ACCESS_DESK_BENCH_PG_DIR"
ROOT_PG_DIR = Path("/var/tmp/access-desk-bench-pg")
MARKER = "bench_big_directory"
# The bench cluster's settings: loopback only, no fsync (a cache, rebuilt if lost), room for
# the copy's WAL and index builds. Reads, which the benches measure, do not depend on them.
PG_SETTINGS = ("listen_addresses=127.0.0.1", "fsync=off", "full_page_writes=off",
               "synchronous_commit=off", "wal_level=minimal", "max_wal_senders=0",
               "max_wal_size=8GB", "maintenance_work_mem=1GB", "shared_buffers=1GB")
# Tables whose secondary indexes are dropped during the copy and re-created after it.
PG_DROPPED_INDEXES = ("audit_event", "access_request", "group_member", "audit_checkpoint",
                      "user", "application")
COPY_BATCH = 50_000


def sizes(small: bool = False) -> dict[str, int]:
    """The issue's sizes, or the --small ones (as bench/big_directory.py --small)."""
    if not small:
        return dict(big_directory.DEFAULT_SIZES)
    chosen = big_directory.small_sizes()
    chosen["audit"] = max(chosen["audit"], big_directory.minimum_events(chosen))
    return chosen


def sqlite(sizes: dict[str, int], seed: int = 1,
           cache: Path = big_directory.DEFAULT_CACHE) -> Path:
    """The SQLite big directory's file (built into the cache when missing)."""
    return big_directory.cached(cache, sizes, seed)


def postgres(sizes: dict[str, int], seed: int = 1, cache: Path = big_directory.DEFAULT_CACHE,
             url: str | None = None) -> str:
    """The URL of a PostgreSQL database holding the big directory: `url`, else
    ACCESS_DESK_BENCH_PG, else the bench cluster's (started and left running)."""
    url = url or os.environ.get(PG_URL_ENV)
    if not url:
        server = cluster_start(cache)[0]
        url = f"{server}/{database_name(sizes, seed)}"
        _create_database(server, database_name(sizes, seed))
    fill_postgres(url, sizes, seed, cache)
    return url


def database(backend: str, sizes: dict[str, int], seed: int = 1,
             cache: Path = big_directory.DEFAULT_CACHE) -> str:
    """The big directory for `backend` ("sqlite": a path, "postgres": a URL)."""
    if backend == "sqlite":
        return str(sqlite(sizes, seed, cache))
    if backend == "postgres":
        return postgres(sizes, seed, cache)
    raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}")


@contextlib.contextmanager
def directory(backend: str, sizes: dict[str, int], seed: int = 1,
              cache: Path = big_directory.DEFAULT_CACHE) -> Iterator[str]:
    """As database(), and the bench cluster stopped at the end if this call started it."""
    started = False
    if backend == "postgres" and not os.environ.get(PG_URL_ENV):
        started = cluster_start(cache)[1]
    try:
        yield database(backend, sizes, seed, cache)
    finally:
        if started:
            cluster_stop(cache)


@contextlib.contextmanager
def writable(backend: str, sizes: dict[str, int], seed: int = 1,
             cache: Path = big_directory.DEFAULT_CACHE) -> Iterator[str]:
    """A throw-away copy of the big directory to change (a benchmark that decides requests):
    SQLite, a copy of the file beside the cache's; PostgreSQL, a database made from the
    cached one as its template (``CREATE DATABASE ... TEMPLATE``, a file copy). Removed at
    the end; the bench cluster stopped then if this call started it."""
    import shutil

    if backend == "sqlite":
        source = sqlite(sizes, seed, cache)
        copy = source.with_name(f".scratch-{os.getpid()}-{source.name}")
        try:
            wal = Path(f"{source}-wal")
            if wal.exists() and wal.stat().st_size:
                from desktop.models.schema import backup_sqlite

                backup_sqlite(source, copy)
            else:
                shutil.copyfile(source, copy)
            yield str(copy)
        finally:
            for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
                leftover.unlink(missing_ok=True)
        return
    import psycopg

    with directory("postgres", sizes, seed, cache) as url:
        base, _slash, name = url.rpartition("/")
        scratch = f"scratch_{os.getpid()}_{name}"[:63]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{scratch}" TEMPLATE "{name}" STRATEGY FILE_COPY')
        try:
            yield f"{base}/{scratch}"
        finally:
            with psycopg.connect(f"{base}/postgres", autocommit=True) as con:
                con.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def postgres_available() -> bool:
    """A server to use: ACCESS_DESK_BENCH_PG, or PostgreSQL installed for the bench cluster."""
    return bool(os.environ.get(PG_URL_ENV)) or (PG_BIN / "pg_ctl").exists()


def server_version(url: str) -> str:
    """"15.18" (for a benchmark's machine line)."""
    import psycopg

    with psycopg.connect(url) as con:
        row = con.execute("SHOW server_version").fetchone()
    return str(row[0]).split(" ")[0] if row else "?"


# --- the bench cluster ----------------------------------------------------------------------


def _as_postgres(argv: list[str]) -> list[str]:
    """PostgreSQL's server tools refuse to run as root: as root, run them as "postgres"."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def cluster_dir(cache: Path = big_directory.DEFAULT_CACHE) -> Path:
    """Where the bench cluster keeps its data (outside the checkout)."""
    chosen = os.environ.get(PG_DIR_ENV)
    if chosen:
        return Path(chosen).expanduser().resolve()
    folder = cache.expanduser().resolve() / "pg"
    if os.geteuid() == 0 and subprocess.run(
            ["runuser", "-u", "postgres", "--", "test", "-x", str(folder.parent.parent)],
            capture_output=True).returncode != 0:
        return ROOT_PG_DIR
    return folder


def _running_port(folder: Path) -> int | None:
    """The port of the server running in `folder`, or None."""
    pid_file = folder / "postmaster.pid"
    if not pid_file.exists():
        return None
    status = subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(folder), "status"]),
                            capture_output=True, text=True)
    if status.returncode != 0:
        return None
    lines = pid_file.read_text().splitlines()
    return int(lines[3]) if len(lines) > 3 else None


def cluster_start(cache: Path = big_directory.DEFAULT_CACHE) -> tuple[str, bool]:
    """The bench cluster's server URL (no database name) and whether this call started it:
    made with initdb when missing, started when not running."""
    folder = cluster_dir(cache)
    if folder == ROOT or ROOT in folder.parents:
        raise SystemExit(f"bigdb: {folder} is inside the checkout; choose another "
                         f"{PG_DIR_ENV}")
    port = _running_port(folder)
    if port is not None:
        return f"postgresql://postgres@127.0.0.1:{port}", False
    if not (PG_BIN / "pg_ctl").exists():
        raise SystemExit(f"bigdb: PostgreSQL 15 not found in {PG_BIN} (apt-get install "
                         "postgresql)")
    if not (folder / "PG_VERSION").exists():
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            subprocess.run(["chown", "postgres:", str(folder)], check=True)
        folder.chmod(0o700)
        print(f"bigdb: a new PostgreSQL cluster in {folder}", file=sys.stderr, flush=True)
        _run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(folder), "-U", "postgres",
                           "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]))
    for _attempt in range(3):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        options = " ".join([f"-p {port}", f"-k {folder}", *(f"-c {s}" for s in PG_SETTINGS)])
        done = subprocess.run(_as_postgres([
            str(PG_BIN / "pg_ctl"), "-D", str(folder), "-l", str(folder / "server.log"), "-w",
            "start", "-o", options]), capture_output=True, text=True)
        if done.returncode == 0:
            return f"postgresql://postgres@127.0.0.1:{port}", True
    raise SystemExit(f"bigdb: the bench cluster did not start; see {folder / 'server.log'}")


def cluster_stop(cache: Path = big_directory.DEFAULT_CACHE) -> None:
    """Stop the bench cluster (its data stays, for the next run)."""
    folder = cluster_dir(cache)
    if _running_port(folder) is not None:
        _run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(folder), "-m", "fast", "-w",
                           "stop"]))


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bigdb: {' '.join(argv)} failed: {done.stderr.strip()[-500:]}")


def database_name(sizes: dict[str, int], seed: int = 1) -> str:
    """The bench cluster's database for these sizes (its marker names the rest)."""
    return (f"big_u{sizes['users']}_a{sizes['apps']}_ss{sizes['self_service']}"
            f"_r{sizes['requests']}_e{sizes['audit']}_s{seed}")


def _create_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as con:
        if con.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        con.execute(f'CREATE DATABASE "{name}"')


# --- filling a PostgreSQL database ----------------------------------------------------------


def marker_key(sizes: dict[str, int], seed: int = 1) -> str:
    """What the marker names: generator version, schema version and digest, sizes, seed."""
    return big_directory.cache_name(sizes, seed).removesuffix(".db")


def fill_postgres(url: str, sizes: dict[str, int], seed: int = 1,
                  cache: Path = big_directory.DEFAULT_CACHE) -> bool:
    """Make `url`'s database hold the big directory; False when it already did (its marker).
    The database must be empty, or one filled here before (then it is emptied first)."""
    import psycopg

    key = marker_key(sizes, seed)
    with psycopg.connect(url, autocommit=True) as con:
        tables = {r[0] for r in con.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        if MARKER in tables:
            row = con.execute(f"SELECT key FROM {MARKER}").fetchone()
            if row and row[0] == key:
                return False
        if tables and MARKER not in tables:
            raise SystemExit(f"bigdb: {_display(url)} holds other tables; give an empty "
                             "database")
        if tables:  # an older big directory: start afresh
            con.execute("DROP SCHEMA public CASCADE")
            con.execute("CREATE SCHEMA public")
    source = sqlite(sizes, seed, cache)
    started = time.perf_counter()
    copy_into_postgres(url, source, lambda text: big_directory._progress(started, text))
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f"CREATE TABLE {MARKER} (key text NOT NULL, made_at timestamptz NOT NULL "
                    "DEFAULT now(), seconds real)")
        con.execute(f"INSERT INTO {MARKER} (key, seconds) VALUES (%s, %s)",
                    (key, time.perf_counter() - started))
    big_directory._progress(started, f"done: {_display(url)} holds {key}")
    return True


def _display(url: str) -> str:
    return re.sub(r"//([^:@/]+):[^@/]*@", r"//\1@", url)  # never print a password


def copy_into_postgres(url: str, source: Path, report: Any) -> None:
    """The project's schema created at `url` (empty), then every row of the SQLite database
    `source` copied in: COPY table by table, the sequences resynced, ANALYZE."""
    import psycopg

    from desktop.models import database_proxy
    from desktop.models.schema import close_database, open_database, resync_sequences

    open_database(url, init=True)  # the real schema: tables, indexes, search columns
    close_database()
    report("schema created by open_database(init=True)")
    lite = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        with psycopg.connect(url) as con:
            replica = _triggers_off(con)
            dropped = _drop_secondary_indexes(con, PG_DROPPED_INDEXES)
            copied = {t: c for t in _tables_in_order(con)
                      if (c := _copied_columns(con, lite, t)) is not None}
            # Emptied in the copy's transaction: with wal_level=minimal the rows skip the WAL.
            con.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in copied))
            for table, columns in copied.items():
                rows = _copy_table(con, lite, table, columns, report)
                if rows:
                    report(f"{table}: {rows:,} rows")
            con.commit()
            con.autocommit = True
            if replica:
                con.execute("SET session_replication_role = DEFAULT")
            for table in PG_DROPPED_INDEXES:
                made = [sql for owner, _name, sql in dropped if owner == table]
                for sql in made:
                    con.execute(sql)
                report(f"{table}: {len(made)} indexes re-created")
    finally:
        lite.close()
    open_database(url)
    try:
        resync_sequences(database_proxy.obj)
    finally:
        close_database()
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("ANALYZE")
    report("sequences resynced, ANALYZE done")


def _triggers_off(con: Any) -> bool:
    """Foreign-key checks off for this session when the role may (a superuser): each copied
    row would otherwise be looked up in its parents. The rows come from a checked database."""
    import psycopg

    try:
        con.execute("SET session_replication_role = replica")
        return True
    except psycopg.errors.InsufficientPrivilege:
        con.rollback()
        return False


def _drop_secondary_indexes(con: Any,
                            tables: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """Drop the tables' indexes that back no constraint: (table, index, its definition)."""
    rows = con.execute(
        "SELECT t.relname, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
        "FROM pg_index i "
        "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE n.nspname = 'public' AND t.relname = ANY(%s) AND NOT EXISTS (SELECT 1 FROM "
        "pg_constraint c WHERE c.conindid = i.indexrelid)", (list(tables),)).fetchall()
    for _table, name, _sql in rows:
        con.execute(f"DROP INDEX {name}")
    return rows


def _tables_in_order(con: Any) -> list[str]:
    """The schema's tables, parents before children (foreign keys may be checked)."""
    import peewee as pw

    from desktop.models import ALL_MODELS

    ordered = [m._meta.table_name for m in pw.sort_models(ALL_MODELS)]  # type: ignore[attr-defined]
    present = {r[0] for r in con.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    return [t for t in ordered if t in present] + sorted(present - set(ordered))


def _copied_columns(con: Any, lite: sqlite3.Connection, table: str) -> list[str] | None:
    """The columns to copy (PostgreSQL's own, but the generated ones), or None to skip a
    table the schema filled itself or SQLite has not."""
    if not lite.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        (table,)).fetchone():
        return None
    if con.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchone()[0]:
        return None  # schema_info: written by open_database
    columns = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position", (table,))]
    have = {r[1] for r in lite.execute(f'PRAGMA table_info("{table}")')}
    missing = [c for c in columns if c not in have]
    if missing:
        raise SystemExit(f"bigdb: the SQLite big directory's {table} lacks {missing}: "
                         "rebuild it (bench/big_directory.py)")
    return columns


def _copy_table(con: Any, lite: sqlite3.Connection, table: str, columns: list[str],
                report: Any) -> int:
    """COPY one table's rows, read from SQLite in id order; the row count."""
    names = ", ".join(f'"{c}"' for c in columns)
    total = lite.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    if not total:
        return 0
    order = " ORDER BY rowid" if "id" in columns else ""
    cursor = lite.execute(f'SELECT {names} FROM "{table}"{order}')
    done, next_report = 0, 1_000_000
    with con.cursor() as cur, cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        while batch := cursor.fetchmany(COPY_BATCH):
            for row in batch:
                copy.write_row(row)
            done += len(batch)
            if done >= next_report:
                report(f"{table}: {done:,} of {total:,} rows")
                next_report += 1_000_000
    return done


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        description="The big directory on PostgreSQL for the benchmarks (see the module's "
        "documentation). With no action, as `make bench` runs it: make it when missing, the "
        "cluster stopped afterwards; skipped without PostgreSQL.")
    parser.add_argument("action", nargs="?", choices=("url", "stop"),
                        help="url: print its URL, the cluster left running; stop: stop the "
                        "bench cluster")
    parser.add_argument("--small", "--quick", action="store_true",
                        help="the --small directory (a hundredth of the sizes)")
    parser.add_argument("--cache", type=Path, default=big_directory.DEFAULT_CACHE)
    args = parser.parse_args(argv)
    if args.action == "stop":
        cluster_stop(args.cache)
    elif args.action == "url":
        print(postgres(sizes(args.small), cache=args.cache))
    elif not postgres_available():
        print(f"bigdb: no PostgreSQL in {PG_BIN} and no {PG_URL_ENV}: skipped")
    else:
        with directory("postgres", sizes(args.small), cache=args.cache) as url:
            print(_display(url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
