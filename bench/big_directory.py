"""The big directory: a company-sized Access Desk database for the benchmarks, deterministic.

``python bench/big_directory.py OUT.db [--users N] [--apps N] [--self-service N]
[--requests N] [--audit N] [--seed S]`` writes a new SQLite database (issue 15's sizes by
default: 100,000 users, 20,000 applications of which 4,000 offer self-service, 1,000,000
requests, 5,000,000 audit events). ``--small`` divides every size by 100 (the people by
50). ``--cached [DIR]``
prints the path of a ready database for this generator's version, the schema version, the
sizes and the seed under DIR (default ~/.cache/access-desk-bench), building it when missing;
so does no OUT.db at all (``make bench`` runs it first: the listings then find it ready).
``--postgres [URL]`` puts the same directory in PostgreSQL (URL's empty database, else the
bench cluster's; see bench/bigdb.py) and prints its URL.

The schema is the project's own (``open_database(init=True)``: tables, indexes, triggers,
search index); the rows go in with raw SQL, ``executemany`` in one transaction, the secondary
indexes of the largest tables dropped and re-created from their own SQL after the rows, the
search index filled once in key order (``search.rows_added_in_bulk``). Every audit event's
hash is the project's (``audithash.formula2``), chained from the genesis hash, with a signed
checkpoint every 100 events as ``auditchain.after_event`` writes them (the published demo
signing key, so any desktop can check them: a benchmark's signatures prove nothing). The
result passes ``access-desk check``: the chain, the search index, the kept pending counts,
and the reconciliation (every request, membership, assignment and setting is explained by
its events).

What it holds, for the same seed always the same rows (but the three passwords' salts):

- users: ``admin@contoso.example`` (Global Administrator), ``approver@contoso.example`` (the
  only approver of 30 self-service applications, about 15 % of all requests, ~10 % pending),
  ``requester@contoso.example`` (0.3 % of all requests: 3,000 at full size, one per
  application), all three with the password ``PASSWORD`` below; the others have none.
  About 75 % of people are licensed, 2 % disabled, 2 % guests.
- applications: the self-service ones from the gallery, an application proxy or consent, each
  with its own security group (assigned to the application), approval required, one or two
  approvers; the others of every origin, some hidden.
- requests: pending 10 %, approved 60 % (the requester is then a member of the group),
  denied 20 %, cancelled 8 %, closed by an administrator 2 %; one per person and application.
- audit events: user.add, group.add, app.add, selfservice.update, then request.create and
  its decision in time order, and as filler up to --audit, changes of job title
  (user.update, which the user rows follow).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import functools
import heapq
import json
import multiprocessing
import os
import random
import resource
import sqlite3
import sys
import time
import uuid
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Bump when the rows generated change: the cache keeps one database per version and sizes.
GENERATOR_VERSION = 2
DEFAULT_SIZES = {"users": 100_000, "apps": 20_000, "self_service": 4_000,
                 "requests": 1_000_000, "audit": 5_000_000}
SMALL_DIVISOR = 100
DEFAULT_CACHE = Path("~/.cache/access-desk-bench")
DOMAIN = "contoso.example"
ADMIN = f"admin@{DOMAIN}"
APPROVER = f"approver@{DOMAIN}"
REQUESTER = f"requester@{DOMAIN}"
PASSWORD = "big-directory-2026"
KEY_APPS = 30  # the approver's applications
KEY_APPROVER_SHARE = 0.15  # of all requests, on his applications (150,000 of 1,000,000)
KEY_REQUESTER_SHARE = 0.003  # 3,000 of 1,000,000
STATUSES = (("pending", 0.10), ("approved", 0.60), ("denied", 0.20), ("cancelled", 0.08),
            ("closed", 0.02))
CHECKPOINT_EVERY = 100  # as services/auditchain.py
BATCH = 20_000
# Tables whose indexes are dropped during the inserts and re-created after them.
DROPPED_INDEXES = tuple(t for t in os.environ.get(
    "BIG_DIRECTORY_DROP", "audit_event,access_request,group_member,audit_checkpoint").split(",")
    if t)
START = dt.datetime(2023, 1, 2, 8, 0, 0, 250_000)
END = dt.datetime(2026, 11, 27, 17, 0, 0)  # the last decision; requests end 3 days before

FIRST = ("Adele Alex Alice Allan Amir Ana Anders Anna Ben Bianca Carlos Chen Chloe Dan Diego "
         "Elena Emily Eric Fatima Felix Grace Hana Henrik Ines Isaac Ivan Jana Jon Julia Kai "
         "Kelly Lars Laura Lee Lena Liam Lidia Lynne Maria Megan Mehdi Mia Miguel Nestor Nina "
         "Noah Olga Omar Patti Pedro Priya Raj Rosa Sam Sara Sofia Tom Yuki Zoe").split()
LAST = ("Adams Ahmed Bauer Bowen Brown Chen Costa Diaz Dubois Eriksen Fernandez Fischer Garcia "
        "Gupta Hansen Ito Jensen Johnson Kim Kowalski Larsen Lee Lopez Martin Mehta Meyer "
        "Moreau Muller Nakamura Nguyen Novak Okafor Olsen Patel Petrov Quinn Rossi Sato "
        "Schmidt Silva Singh Smith Sousa Suzuki Tanaka Taylor Vance Wagner Wang Weber Wilson "
        "Wong Young Zhang").split()
DEPARTMENTS = ("Sales", "Engineering", "Finance", "IT", "Marketing", "Support", "Legal",
               "Human Resources", "Operations", "Research", "Procurement", "Facilities")
TITLES = ("Analyst", "Senior Analyst", "Engineer", "Senior Engineer", "Manager",
          "Senior Manager", "Director", "Specialist", "Consultant", "Coordinator",
          "Administrator", "Associate", "Lead", "Architect", "Assistant")
VENDORS = ("Contoso", "Fabrikam", "Northwind", "Adventure Works", "Litware", "Wingtip",
           "Tailspin", "Woodgrove", "Proseware", "Lucerne", "Trey", "Coho", "Alpine",
           "Wide World", "Margie's", "Fourth Coffee", "Humongous", "Blue Yonder", "Relecloud",
           "VanArsdel", "Datum", "Graphic Design", "Southridge", "Bellows", "Lamna")
PRODUCTS = ("CRM", "Payroll", "Wiki", "Tickets", "Expenses", "HR Portal", "Analytics",
            "Project", "Sales Hub", "Docs", "Travel", "Learning", "Recruiting", "Inventory",
            "Forecast", "Helpdesk", "Contracts", "Timesheets", "Design", "Build", "Vault",
            "Chat", "Surveys", "Assets", "Billing", "Procure", "Reports", "Planner",
            "Field Service", "Quality")
JUSTIFICATIONS = (None, "Needed for my project", "My manager asked me to use it",
                  "For the quarterly report", "New in the team", "Customer work",
                  "To replace the old tool", "Audit preparation")
DENY_REASONS = ("Not needed for your role", "Ask your manager first", "Use the team account",
                "Licence pool is full")
CLOSE_REASON = "closed by an administrator: the team moved to another tool"
SELF_SERVICE_ORIGINS = ("gallery", "app_proxy", "consent")


# --- sizes, cache -------------------------------------------------------------------------


def small_sizes() -> dict[str, int]:
    """Every size divided by SMALL_DIVISOR, the people by half as much: 40 self-service
    applications leave room for 10,000 requests, one per person and application."""
    sizes = {k: max(1, v // SMALL_DIVISOR) for k, v in DEFAULT_SIZES.items()}
    sizes["users"] *= 2
    return sizes


@functools.lru_cache(maxsize=1)
def schema_digest() -> str:
    """The schema an empty database gets now (its tables, indexes, triggers), hashed: a model
    changed without a new schema version still makes a new cached database."""
    import hashlib
    import tempfile

    from desktop.models.schema import close_database, open_database

    with tempfile.TemporaryDirectory(prefix="big-directory-schema-") as tmp:
        open_database(str(Path(tmp) / "empty.db"), init=True)
        close_database()
        conn = sqlite3.connect(Path(tmp) / "empty.db")
        try:
            rows = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE "
                                "'sqlite_%' ORDER BY type, name").fetchall()
        finally:
            conn.close()
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:8]


def cache_name(sizes: dict[str, int], seed: int) -> str:
    from desktop.models.schema import SCHEMA_VERSION

    return (f"big-g{GENERATOR_VERSION}-s{SCHEMA_VERSION}-{schema_digest()}-u{sizes['users']}"
            f"-a{sizes['apps']}-ss{sizes['self_service']}-r{sizes['requests']}"
            f"-e{sizes['audit']}-seed{seed}.db")


def cached(folder: Path, sizes: dict[str, int], seed: int = 1) -> Path:
    """A ready database for this generator, schema and sizes under `folder`, built if missing."""
    folder = folder.expanduser().resolve()
    if folder == ROOT or ROOT in folder.parents:
        raise SystemExit(f"big_directory: {folder} is inside the checkout; choose a cache "
                         "folder outside it")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / cache_name(sizes, seed)
    if not path.exists():
        build(path, sizes, seed)
    return path


# --- the generator ------------------------------------------------------------------------


def _progress(started: float, text: str) -> None:
    """One line on stderr: wall time, this process's CPU time (the hashing workers' apart)."""
    print(f"[{time.perf_counter() - started:6.1f} s, cpu {time.process_time():6.1f} s] {text}",
          file=sys.stderr, flush=True)


def _text(value: dt.datetime) -> str:
    """A time as SQLite stores a peewee DateTimeField (sqlite3's adapter: ISO, space)."""
    return value.isoformat(" ")


def _details(value: dict[str, Any]) -> str:
    """An event's details as core.audit writes them."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


@functools.lru_cache(maxsize=4096)
def _j(value: Any) -> str:
    """One JSON value as _details writes it; the frequent events' details are put together
    from these (the same text as _details gives, a tenth of its time: tests check both)."""
    return json.dumps(value)


def _create_details(app: str, justification: str) -> str:
    return f'{{"app":{app},"justification":{justification}}}'


def _decision_details(group: str, reason: str, requester: str) -> str:
    return f'{{"group":{group},"reason":{reason},"requester":{requester},"role":null}}'


def _title_details(before: str, after: str) -> str:
    return f'{{"job_title":[{before},{after}]}}'


class Hasher:
    """The audit chain's hashes, batch by batch in order: the project's formula 2
    (``audithash.formula2``), and a signed checkpoint at the first event and every
    CHECKPOINT_EVERY after, as ``auditchain.after_event`` writes them (the published demo
    key: any desktop can check them, and a benchmark's signatures need prove nothing)."""

    def __init__(self) -> None:
        from desktop import audithash, keystore

        self.audithash = audithash
        self.private = keystore.demo_signing_key()
        self.key_id = keystore.DEMO_SIGNING_KEY_ID
        self.prev = audithash.GENESIS_HASH
        self.checkpoint = 0
        self.last_checkpoint_seq: int | None = None

    def run(self, batch: list[tuple[Any, ...]]) -> tuple[list[str], list[tuple[Any, ...]],
                                                          str, int, int | None]:
        formula2, prev = self.audithash.formula2, self.prev
        hashes, checkpoints = [], []
        for seq, at, actor, action, target, application_id, details in batch:
            prev = formula2(seq, seq, at, actor, action, target, application_id, details, prev)
            hashes.append(prev)
            if self.last_checkpoint_seq is None or seq - self.last_checkpoint_seq >= \
                    CHECKPOINT_EVERY:
                self.checkpoint += 1
                message = self.audithash.checkpoint_message(self.checkpoint, seq, prev, at,
                                                            self.key_id)
                signature = base64.b64encode(self.private.sign(message)).decode("ascii")
                checkpoints.append((self.checkpoint, seq, prev, _text(at), self.key_id,
                                    signature))
                self.last_checkpoint_seq = seq
        self.prev = prev
        return hashes, checkpoints, prev, self.checkpoint, self.last_checkpoint_seq


_HASHER: Hasher | None = None


def _start_hasher() -> None:
    global _HASHER
    _HASHER = Hasher()


def _hash_batch(batch: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    """In the one hashing process: batches arrive in order, the chain's state stays here."""
    assert _HASHER is not None
    return _HASHER.run(batch)


class Chain:
    """The audit log written in bulk: events numbered here, hashed in order by a Hasher in
    another process (or here, for small builds) while the next batch is made, then written."""

    def __init__(self, conn: sqlite3.Connection, started: float, total: int,
                 pool: Any) -> None:
        from desktop import audithash

        self.audithash = audithash
        self.conn, self.started, self.total, self.pool = conn, started, total, pool
        self.local = Hasher() if pool is None else None
        self.prev = audithash.GENESIS_HASH
        self.seq = 0  # events added
        self.checkpoint = 0
        self.last_checkpoint_seq: int | None = None
        self.batch: list[tuple[Any, ...]] = []
        self.waiting: deque[tuple[list[tuple[Any, ...]], Any]] = deque()
        self.next_report = 500_000

    def record_key(self, at: dt.datetime) -> None:
        from desktop import keystore

        private = keystore.demo_signing_key()
        public = keystore.public_text(private)
        endorsement = base64.b64encode(private.sign(self.audithash.key_message(
            1, keystore.DEMO_SIGNING_KEY_ID, public, at))).decode("ascii")
        self.conn.execute("INSERT INTO audit_signing_key (id, key_id, public_key, created_at, "
                          "endorsement) VALUES (1, ?, ?, ?, ?)",
                          (keystore.DEMO_SIGNING_KEY_ID, public, _text(at), endorsement))

    def add(self, at: dt.datetime, actor: str | None, action: str, target: str | None,
            details: str, application_id: int | None = None) -> None:
        """Event ids are their numbers (as core.audit gives them on a new database)."""
        self.seq += 1
        self.batch.append((self.seq, at, actor, action, target, application_id, details))
        if len(self.batch) >= BATCH:
            self._submit()

    def _submit(self) -> None:
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        if self.local is not None:
            self.waiting.append((batch, self.local.run(batch)))
        else:
            self.waiting.append((batch, self.pool.apply_async(_hash_batch, (batch,))))
        while len(self.waiting) > 3:
            self._write(*self.waiting.popleft())

    def _write(self, batch: list[tuple[Any, ...]], pending: Any) -> None:
        result = pending if isinstance(pending, tuple) else pending.get()
        hashes, checkpoints, last, self.checkpoint, self.last_checkpoint_seq = result
        prev = self.prev
        events = []
        for (seq, at, actor, action, target, application_id, details), hashed in zip(
                batch, hashes, strict=True):
            events.append((seq, seq, _text(at), actor, action, target, application_id,
                           details, prev, hashed))
            prev = hashed
        assert prev == last
        self.prev = prev
        self.conn.executemany(
            "INSERT INTO audit_event (id, seq, at, actor, action, target, application_id, "
            "details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", events)
        self.conn.executemany(
            "INSERT INTO audit_checkpoint (id, seq, hash, at, key_id, signature) "
            "VALUES (?, ?, ?, ?, ?, ?)", checkpoints)
        if batch[-1][0] >= self.next_report:
            _progress(self.started, f"audit events {batch[-1][0]:,} of {self.total:,}")
            self.next_report += 500_000

    def finish(self) -> None:
        self._submit()
        while self.waiting:
            self._write(*self.waiting.popleft())
        for key, value in (("audit_head", f"{self.seq}:{self.prev}"),
                           ("audit_checkpoint_head",
                            f"{self.checkpoint}:{self.last_checkpoint_seq}")):
            self.conn.execute("INSERT INTO setting (key, value) VALUES (?, ?)", (key, value))


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _assignment_key(rng: random.Random) -> str:
    raw = rng.getrandbits(256).to_bytes(32, "big")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _executemany(conn: sqlite3.Connection, table: str, columns: str,
                 rows: Iterator[tuple[Any, ...]] | list[tuple[Any, ...]]) -> None:
    marks = ", ".join("?" * len(columns.split(",")))
    conn.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', rows)


def _secondary_indexes(conn: sqlite3.Connection, tables: tuple[str, ...]) -> list[str]:
    """The SQL of the tables' own indexes (not SQLite's automatic ones), dropped here: they
    are re-created from the same SQL after the rows, which is faster than keeping them."""
    marks = ", ".join("?" * len(tables))
    rows = conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                        f"sql IS NOT NULL AND tbl_name IN ({marks})", tables).fetchall()
    for name, _sql in rows:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]


def minimum_events(sizes: dict[str, int]) -> int:
    """Audit events the directory itself needs (the rest is filler)."""
    decided = sizes["requests"] - int(sizes["requests"] * STATUSES[0][1])
    return (sizes["users"] + 2 * sizes["self_service"] + sizes["apps"] + sizes["requests"]
            + decided + 10)


def key_app_count(self_service: int) -> int:
    """The approver's applications: 30, fewer when a quarter of the self-service ones is less."""
    return max(1, min(KEY_APPS, self_service // 4))


def check_sizes(sizes: dict[str, int]) -> str | None:
    """Why these sizes cannot be generated, or None."""
    if sizes["users"] < 20:
        return "--users must be at least 20"
    if not 2 <= sizes["self_service"] <= sizes["apps"]:
        return "--self-service must be between 2 and --apps"
    eligible = sizes["users"] * 0.65  # licensed, enabled members
    keys = key_app_count(sizes["self_service"])
    if sizes["requests"] * KEY_APPROVER_SHARE / keys > eligible * 0.8:
        return "too few --users for the requests of the approver's applications"
    if sizes["requests"] > (sizes["self_service"] - keys) * eligible * 0.5:
        return "too many --requests for the people and applications (one per person and app)"
    if sizes["audit"] < minimum_events(sizes):
        return f"--audit must be at least {minimum_events(sizes):,} for these sizes"
    return None


def build(path: Path, sizes: dict[str, int], seed: int = 1, quiet: bool = False) -> Path:
    """Write the big directory to `path` (replaced atomically when done)."""
    problem = check_sizes(sizes)
    if problem:
        raise SystemExit(f"big_directory: {problem}")
    path = Path(path).expanduser().resolve()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    report = (lambda text: None) if quiet else (lambda text: _progress(started, text))
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    # One hashing process, forked before the database is opened (it only hashes).
    separate = sizes["audit"] >= 4 * BATCH and (os.cpu_count() or 1) > 1
    separate = bool(int(os.environ.get("BIG_DIRECTORY_HASHER", int(separate))))
    pool = (multiprocessing.get_context("fork").Pool(1, initializer=_start_hasher)
            if separate else None)
    try:
        _build(tmp, sizes, seed, started, report, pool)
        os.replace(tmp, path)
        if pool is not None:
            pool.close()
            pool.join()
            pool = None
    finally:
        if pool is not None:
            pool.terminate()
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
    hasher = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (hasher.ru_utime + hasher.ru_stime) - (children.ru_utime + children.ru_stime)
    report(f"done: {path} ({path.stat().st_size / 1e6:,.0f} MB); the hashing process's CPU "
           f"{cpu:.1f} s")
    return path


def _build(tmp: Path, sizes: dict[str, int], seed: int, started: float, report: Any,
           pool: Any) -> None:
    from desktop.models import database_proxy
    from desktop.models.schema import close_database, open_database

    open_database(str(tmp), init=True)  # the real schema: tables, indexes, triggers, FTS5
    try:
        _fill(database_proxy.obj, sizes, seed, started, report, pool)
    finally:
        close_database()


def _fill(db: Any, sizes: dict[str, int], seed: int, started: float, report: Any,
          pool: Any) -> None:
    from desktop.models import search
    from desktop.services.passwords import hash_password

    conn: sqlite3.Connection = db.connection()
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("PRAGMA journal_mode = OFF")  # a failed build is deleted, never rolled back
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1048576")  # 1 GB: index builds sort in memory
    conn.execute("PRAGMA temp_store = MEMORY")
    report("schema created by open_database(init=True)")
    rng = random.Random(seed)
    n_users, n_apps, n_ss = sizes["users"], sizes["apps"], sizes["self_service"]
    n_requests = sizes["requests"]
    chain = Chain(conn, started, sizes["audit"], pool)
    with db.atomic():
        indexes = _secondary_indexes(conn, DROPPED_INDEXES)
        clock = START
        chain.record_key(clock)

        # People. 1-3 are the key accounts; the rest get names from the lists.
        password_hash = hash_password(PASSWORD)
        users: list[tuple[Any, ...]] = []
        upns = [""] * (n_users + 1)
        licensed = bytearray(n_users + 1)
        titles = [""] * (n_users + 1)
        seen: dict[str, int] = {}
        for uid in range(1, n_users + 1):
            if uid <= 3:
                local, name = (("admin", "Bench Administrator"), ("approver", "Bench Approver"),
                               ("requester", "Bench Requester"))[uid - 1]
                license, enabled, user_type, department = "p2", 1, "member", "IT"
                hashed: str | None = password_hash
            else:
                first, last = rng.choice(FIRST), rng.choice(LAST)
                name = f"{first} {last}"
                base_local = f"{first}.{last}".lower()
                count = seen.get(base_local, 0) + 1
                seen[base_local] = count
                local = base_local if count == 1 else f"{base_local}{count}"
                roll = rng.random()
                license = "p1" if roll < 0.55 else "p2" if roll < 0.75 else "none"
                enabled = 0 if rng.random() < 0.02 else 1
                user_type = "guest" if rng.random() < 0.02 else "member"
                department = rng.choice(DEPARTMENTS)
                hashed = None
            upn = f"{local}@{DOMAIN}"
            upns[uid] = upn
            titles[uid] = rng.choice(TITLES)
            licensed[uid] = 1 if (license != "none" and enabled and user_type == "member") else 0
            users.append((uid, upn, name, upn if rng.random() < 0.9 or uid <= 3 else None,
                          department, titles[uid], license, enabled, hashed, user_type,
                          "Accepted" if user_type == "guest" else None, _guid(rng), 0,
                          _text(clock + dt.timedelta(seconds=uid))))
        with search.rows_added_in_bulk(db, search.USER_SEARCH):
            _executemany(conn, "user", "id, upn, display_name, mail, department, job_title, "
                         "license, enabled, password_hash, user_type, external_user_state, "
                         "graph_id, graph_imported, created_at", users)
        conn.execute("INSERT INTO directory_role_assignment (user_id, role) "
                     "VALUES (1, 'global_admin')")
        for uid, upn, name, _mail, _dep, _title, license, enabled, _h, user_type, *_rest \
                in users:
            details: dict[str, Any] = {"name": name, "license": license,
                                       "roles": ["global_admin"] if uid == 1 else [],
                                       "enabled": bool(enabled)}
            if user_type != "member":
                details["user_type"] = user_type
            clock += dt.timedelta(seconds=1, microseconds=rng.randrange(1_000_000))
            chain.add(clock, None if uid == 1 else ADMIN, "user.add", upn, _details(details))
        del users
        report(f"users {n_users:,} (search index filled in key order)")

        # Applications: the self-service ones chosen at random, the approver's first.
        ss_ids = sorted(rng.sample(range(1, n_apps + 1), n_ss))
        rng.shuffle(ss_ids)
        is_ss = bytearray(n_apps + 1)
        for app_id in ss_ids:
            is_ss[app_id] = 1
        app_names = [""] * (n_apps + 1)
        apps: list[tuple[Any, ...]] = []
        taken: dict[str, int] = {}
        for app_id in range(1, n_apps + 1):
            vendor, product = rng.choice(VENDORS), rng.choice(PRODUCTS)
            name = f"{vendor} {product}"
            count = taken.get(name.lower(), 0) + 1
            taken[name.lower()] = count
            if count > 1:
                name = f"{name} {count}"
            app_names[app_id] = name
            if is_ss[app_id]:
                origin, hidden, public = rng.choice(SELF_SERVICE_ORIGINS), 0, 0
            else:
                origin = rng.choice(("gallery", "gallery", "app_proxy", "consent", "custom",
                                     "custom"))
                hidden = 1 if rng.random() < 0.05 else 0
                public = 1 if rng.random() < 0.05 else 0
            apps.append((app_id, name, vendor, f"{product} by {vendor}", origin,
                         rng.choice(("password", "saml", "oidc", "none")), public, hidden,
                         f"https://{vendor.lower().replace(' ', '').replace(chr(39), '')}"
                         f".example/{app_id}", _guid(rng), _guid(rng)))
        with search.rows_added_in_bulk(db, search.APPLICATION_SEARCH):
            _executemany(conn, "application",
                         "id, name, publisher, description, origin, sso_mode, "
                         "public_client_flows, hidden, homepage, graph_id, app_id, "
                         "origin_set_by_admin, graph_imported, pending_count, created_at",
                         ((*a[:9], a[9], a[10], 0, 0, 0, _text(clock)) for a in apps))
        for app in apps:
            app_id, name, vendor, _d, origin, sso, public, hidden = app[:8]
            clock += dt.timedelta(seconds=1, microseconds=rng.randrange(1_000_000))
            view = {"id": app_id, "name": name, "publisher": vendor, "origin": origin,
                    "sso": sso, "public_client": bool(public), "hidden": bool(hidden),
                    "self_service": False, "roles": []}
            chain.add(clock, ADMIN, "app.add", name, _details(view), app_id)
        del apps
        report(f"applications {n_apps:,}")

        # Approvers: the approver alone on his applications; one or two from a pool on others.
        pool = [u for u in range(4, n_users + 1) if licensed[u]]
        approver_pool = rng.sample(pool, max(4, min(len(pool) // 4, n_ss // 2)))
        key_apps = ss_ids[:key_app_count(n_ss)]
        approvers: dict[int, list[int]] = {}
        for app_id in ss_ids:
            if app_id in key_apps:
                approvers[app_id] = [2]
            else:
                approvers[app_id] = rng.sample(approver_pool, 1 if rng.random() < 0.6 else 2)
        group_of: dict[int, int] = {}
        groups, settings, listed, assignments = [], [], [], []
        for gid, app_id in enumerate(sorted(ss_ids), 1):
            group_of[app_id] = gid
            clock += dt.timedelta(seconds=1, microseconds=rng.randrange(1_000_000))
            name = f"{app_names[app_id]} users"
            groups.append((gid, name, f"People given {app_names[app_id]} by self-service",
                           0, 0, 1, 0, _guid(rng), 0, _text(clock)))
            chain.add(clock, ADMIN, "group.add", name, _details(
                {"id": gid, "name": name, "description": groups[-1][2], "on_prem_synced": False,
                 "dynamic": False, "security_enabled": True, "mail_enabled": False}))
        for sid, app_id in enumerate(sorted(ss_ids), 1):
            clock += dt.timedelta(seconds=1, microseconds=rng.randrange(1_000_000))
            gid = group_of[app_id]
            settings.append((sid, app_id, 1, gid, 1, None, 0, 0, 1, 1, _text(clock)))
            for position, uid in enumerate(approvers[app_id]):
                listed.append((sid, uid, position))
            assignments.append((app_id, gid, _assignment_key(rng), _text(clock)))
            changed = {"enabled": [False, True], "group": [None, groups[gid - 1][1]],
                       "require_approval": [False, True],
                       "approvers": [[], [upns[u] for u in approvers[app_id]]]}
            chain.add(clock, ADMIN, "selfservice.update", app_names[app_id], _details(changed),
                      app_id)
        _executemany(conn, "group", "id, name, description, on_prem_synced, dynamic, "
                     "security_enabled, mail_enabled, graph_id, graph_imported, created_at",
                     groups)
        _executemany(conn, "self_service_settings", "id, application_id, enabled, group_id, "
                     "require_approval, role_id, email_approvers, approver_sets_passwords, "
                     "version, updated_by_id, updated_at", settings)
        _executemany(conn, "self_service_approver", "settings_id, user_id, position", listed)
        _executemany(conn, "assignment", "application_id, group_id, graph_id, created_at",
                     assignments)
        group_names = {gid: g[1] for gid, g in enumerate(groups, 1)}
        del groups, settings, listed, assignments
        report(f"self-service on {n_ss:,} applications, their groups and approvers")

        # Who requests what: every (application, person) pair at most once.
        requesters = [u for u in pool if u not in (2, 3)]
        width = n_users + 1
        pairs: set[int] = set()
        order: list[int] = []

        def take(app_id: int, uid: int) -> bool:
            key = app_id * width + uid
            if key in pairs or uid in approvers[app_id]:
                return False
            pairs.add(key)
            order.append(key)
            return True

        per_key_app = int(n_requests * KEY_APPROVER_SHARE) // len(key_apps)
        for app_id in key_apps:
            for uid in rng.sample(requesters, per_key_app):
                take(app_id, uid)
        own = min(max(1, int(n_requests * KEY_REQUESTER_SHARE)), n_ss)
        for app_id in rng.sample(ss_ids, own):
            take(app_id, 3)
        others = ss_ids[len(key_apps):]
        while len(order) < n_requests:
            take(others[rng.randrange(len(others))], requesters[rng.randrange(len(requesters))])
        pairs.clear()
        rng.shuffle(order)
        report(f"requests chosen: {n_requests:,} "
               f"({len(key_apps)} applications of {APPROVER}, {own:,} by {REQUESTER})")

        # Time order: each request made, later decided; job title changes fill the log.
        span = (END - clock).total_seconds() - 3 * 86_400
        step = span / n_requests
        statuses = rng.choices([s for s, _w in STATUSES], [w for _s, w in STATUSES],
                               k=n_requests)
        decided_total = sum(1 for s in statuses if s != "pending")
        fillers = sizes["audit"] - chain.seq - n_requests - decided_total
        filler_per_request = fillers / n_requests
        owed = 0.0
        member_id = 0
        base_time = clock + dt.timedelta(days=1)
        pending_count = [0] * (n_apps + 1)
        decisions: list[tuple[Any, ...]] = []
        requests: list[tuple[Any, ...]] = []
        members: list[tuple[Any, ...]] = []

        upn_json = [_j(u) for u in upns]
        app_json = [_j(a) for a in app_names]
        group_json = {gid: _j(name) for gid, name in group_names.items()}

        def decide(at: dt.datetime, rid: int, status: str, app_id: int, uid: int,
                   decider: int, reason: str | None) -> None:
            nonlocal member_id
            target = f"request {rid}"
            if status in ("approved", "denied"):
                approve = status == "approved"
                chain.add(at, upns[decider], "request.approve" if approve else "request.deny",
                          target, _decision_details(
                              group_json[group_of[app_id]] if approve else "null", _j(reason),
                              upn_json[uid]), app_id)
                if approve:
                    member_id += 1
                    members.append((member_id, group_of[app_id], uid, "self_service", decider,
                                    _text(at)))
            elif status == "cancelled":
                chain.add(at, upns[uid], "request.cancel", target, "{}", app_id)
            else:
                chain.add(at, upns[decider], "request.close", target,
                          _details({"reason": reason}), app_id)

        def flush_rows() -> None:
            _executemany(conn, "access_request", "id, application_id, requester_id, "
                         "justification, status, created_at, decided_by_id, decided_at, reason",
                         requests)
            _executemany(conn, "group_member", "id, group_id, user_id, source, added_by_id, "
                         "added_at", members)
            requests.clear()
            members.clear()

        for index, key in enumerate(order):
            rid = index + 1
            app_id, uid = divmod(key, width)
            at = base_time + dt.timedelta(seconds=index * step + rng.random() * step)
            while decisions and decisions[0][0] <= at:
                decide(*heapq.heappop(decisions))
            status = statuses[index]
            justification = rng.choice(JUSTIFICATIONS)
            chain.add(at, upns[uid], "request.create", f"request {rid}",
                      _create_details(app_json[app_id], _j(justification)),
                      app_id)
            if status == "pending":
                pending_count[app_id] += 1
                requests.append((rid, app_id, uid, justification, status, _text(at), None,
                                 None, None))
            else:
                when = min(END, at + dt.timedelta(
                    seconds=60 + min(rng.expovariate(1 / 86_400), 20 * 86_400)))
                if status == "approved":
                    decider, reason = rng.choice(approvers[app_id]), None
                elif status == "denied":
                    decider, reason = rng.choice(approvers[app_id]), rng.choice(DENY_REASONS)
                elif status == "cancelled":
                    decider, reason = uid, None
                else:
                    decider, reason = 1, CLOSE_REASON
                requests.append((rid, app_id, uid, justification, status, _text(at),
                                 decider, _text(when), reason))
                heapq.heappush(decisions, (when, rid, status, app_id, uid, decider, reason))
            owed += filler_per_request
            while owed >= 1:
                owed -= 1
                who = rng.randrange(4, n_users + 1)
                new = rng.choice(TITLES)
                chain.add(at, ADMIN, "user.update", upns[who],
                          _title_details(_j(titles[who]), _j(new)))
                titles[who] = new
            if len(requests) >= BATCH:
                flush_rows()
        while decisions:
            decide(*heapq.heappop(decisions))
        while chain.seq < sizes["audit"]:  # rounding
            who = rng.randrange(4, n_users + 1)
            new = rng.choice(TITLES)
            chain.add(END + dt.timedelta(seconds=1), ADMIN, "user.update", upns[who],
                      _title_details(_j(titles[who]), _j(new)))
            titles[who] = new
        flush_rows()
        chain.finish()
        report(f"requests {n_requests:,}, memberships {member_id:,}, audit events "
               f"{chain.seq:,}, checkpoints {chain.checkpoint:,}")

        # The job titles as the last user.update of each person left them.
        conn.executemany("UPDATE user SET job_title = ? WHERE id = ?",
                         ((titles[u], u) for u in range(4, n_users + 1)))
        conn.executemany("UPDATE application SET pending_count = ? WHERE id = ?",
                         ((n, a) for a, n in enumerate(pending_count) if n))
        for sql in indexes:
            conn.execute(sql)
        report("indexes re-created")
    conn.execute("PRAGMA journal_mode = WAL")  # as every connection of the project sets it


# --- command line -------------------------------------------------------------------------


def parse_sizes(argv: list[str] | None = None) -> tuple[argparse.Namespace, dict[str, int]]:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
        epilog=f"Key accounts: {ADMIN}, {APPROVER}, {REQUESTER}; password {PASSWORD}.")
    parser.add_argument("out", nargs="?", type=Path, help="the database file to write")
    for name, default in DEFAULT_SIZES.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=None,
                            help=f"default {default:,}")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--small", "--quick", action="store_true",
                        help=f"every size divided by {SMALL_DIVISOR} (a quick run)")
    parser.add_argument("--cached", nargs="?", const=str(DEFAULT_CACHE), metavar="DIR",
                        help="print the path of a ready database under DIR, building it "
                        f"if missing (default {DEFAULT_CACHE})")
    parser.add_argument("--postgres", nargs="?", const="", metavar="URL",
                        help="the same directory in PostgreSQL: fill URL's empty database "
                        "(or find it filled), else the bench cluster's (bench/bigdb.py); "
                        "prints the URL")
    args = parser.parse_args(argv)
    sizes = small_sizes() if args.small else dict(DEFAULT_SIZES)
    for name in DEFAULT_SIZES:
        given = getattr(args, name)
        if given is not None:
            sizes[name] = given
    if args.small and args.audit is None:
        sizes["audit"] = max(sizes["audit"], minimum_events(sizes))
    if args.out is not None and args.cached is not None:
        parser.error("give OUT.db or --cached [DIR], not both")
    if args.out is not None and args.postgres is not None:
        parser.error("give OUT.db or --postgres [URL], not both")
    if args.out is None and args.cached is None:  # `make bench`: the cache's database
        args.cached = str(DEFAULT_CACHE)
    problem = check_sizes(sizes)
    if problem:
        parser.error(problem)
    return args, sizes


def main(argv: list[str] | None = None) -> int:
    args, sizes = parse_sizes(argv)
    if args.postgres is not None:  # the SQLite one (cached) copied in: bench/bigdb.py
        import bigdb

        print(bigdb.postgres(sizes, args.seed, Path(args.cached).expanduser(),
                             url=args.postgres or None))
    elif args.cached is not None:
        print(cached(Path(args.cached), sizes, args.seed))
    else:
        build(args.out, sizes, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
