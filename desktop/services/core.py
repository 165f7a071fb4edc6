"""What every use case shares: the clock, the write transaction, audit, change feed, notices."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import peewee as pw

from desktop import audithash
from desktop.models import AuditEvent, Change, Notification, Setting, User, base, database_proxy
from desktop.models.database import PG_CHANNEL, is_postgres, write_transaction

# "audit": an event was appended (every write use case); "mail": the outbox moved (a message
# sent or failed); "reset": the demo directory was rebuilt in place, every process re-reads.
TOPICS = ("requests", "notifications", "settings", "access", "directory", "audit", "mail",
          "reset")
GENESIS_HASH = audithash.GENESIS_HASH
_TIME_FIELD = AuditEvent.at  # any DateTimeField: its python_value reads every stored form


def now() -> dt.datetime:
    """Naive UTC. The demo builder swaps the clock so its history is the same every time.
    On a demo database a trainer may have jumped time ahead (``clock_offset``): the real
    clock then runs that much later, in every process that opens the database."""
    if base.clock is base.system_utcnow:
        return base.clock() + clock_offset()
    return base.clock()


CLOCK_OFFSET = "clock_offset"  # seconds a trainer jumped the demo's clock ahead (demo only)
_offsets: dict[str, tuple[float, dt.timedelta]] = {}  # database -> (read at, offset)


def clock_offset(fresh: bool = False) -> dt.timedelta:
    """How far the demo's clock was jumped ahead (zero on a real database, or none jumped);
    read from the database at most once a second per process (``fresh``: now)."""
    name = _database_name()
    seen = _offsets.get(name)
    if seen is not None and not fresh and time.monotonic() - seen[0] < 1.0:
        return seen[1]
    try:
        row = Setting.get_or_none(Setting.key == CLOCK_OFFSET)
        offset = dt.timedelta(seconds=int(row.value)) if row and row.value else dt.timedelta()
    except Exception:  # no database open yet, or not made yet: the real clock
        offset = dt.timedelta()
    _offsets[name] = (time.monotonic(), offset)
    return offset


@contextmanager
def frozen_clock(start: dt.datetime, step: dt.timedelta = dt.timedelta(seconds=1)) -> Iterator[
    Callable[[dt.datetime], None]
]:
    """Deterministic time: each call advances by `step`; the yielded function jumps to a time.
    The GUIDs minted meanwhile are deterministic too (random-looking version 4 GUIDs)."""
    state = {"t": start}
    minted = iter(range(1, 1 << 62))

    def tick() -> dt.datetime:
        state["t"] = state["t"] + step
        return state["t"]

    def jump(to: dt.datetime) -> None:
        state["t"] = to

    def guid() -> str:
        seed = f"{start.isoformat()}/{next(minted)}".encode()
        return str(uuid.UUID(bytes=hashlib.sha256(seed).digest()[:16], version=4))

    previous, base.clock = base.clock, tick
    previous_guid, base.guid = base.guid, guid
    try:
        yield jump
    finally:
        base.clock = previous
        base.guid = previous_guid


def stored_time(value: Any) -> Any:
    """A time column's value as the driver gives it, read as the model reads it (naive UTC;
    None stays None): SQLite's usual text parsed at C speed (peewee tries strptime with each
    of its formats in turn), any other form by peewee's own reading. For rows read as
    tuples, where a model object per row would cost more than the query."""
    if isinstance(value, str) and len(value) in (19, 26) and value[10] == " ":
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    return _TIME_FIELD.python_value(value)


def iso(value: dt.datetime | str | None) -> str | None:
    """ISO 8601 UTC with Z, as every JSON output writes times. Also from SQLite's stored
    text (``YYYY-MM-DD HH:MM:SS[.ffffff]``, naive UTC) as a long listing reads it: cutting
    the text is a tenth of parsing it into a datetime and formatting it again."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) >= 19 and value[10] in " T" and value[19:20] in ("", "."):
            return f"{value[:10]}T{value[11:19]}Z"
        value = stored_time(value)  # another stored form
        if not isinstance(value, dt.datetime):
            raise ValueError(f"not a stored time: {value!r}")
    if value.tzinfo is None:  # as stored (naive UTC): half the time of the general form
        return value.isoformat(timespec="seconds") + "Z"
    return value.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


transaction = write_transaction


# Values peewee's own fields of these exact classes store unchanged (their db_value is the
# identity for them): insert_rows skips the call. Subclasses (an encrypted text) still convert.
_STORED_AS_IS: dict[type, type] = {
    pw.AutoField: int, pw.BigAutoField: int, pw.IntegerField: int, pw.BigIntegerField: int,
    pw.CharField: str, pw.TextField: str}


def insert_rows(model: Any, rows: list[dict[str, Any]]) -> None:
    """``model.insert_many(rows).execute()`` (rows of field names to values, all naming the
    same fields) with the SQL built once and the rows sent through one prepared statement:
    peewee renders each value of an insert_many in Python (a batch of decisions writes a
    thousand rows to a table). The fields a row leaves out get their defaults, as there.
    Each value is converted as peewee would (``db_value``; None stays None), in one pass."""
    if not rows:
        return
    meta = model._meta
    names = list(rows[0])
    extra = [f for f in meta.sorted_fields
             if f.name not in rows[0] and f.default is not None and f is not meta.primary_key]
    fields = [meta.fields[name] for name in names] + extra
    convert = [f.db_value for f in fields]
    if not is_postgres():
        # A batch's rows share their instant: its text (as sqlite3's adapter writes it) is
        # made once, not once per row and column.
        texts: dict[dt.datetime, str] = {}
        stored = pw.DateTimeField().db_value

        def as_text(value: Any) -> Any:
            if type(value) is not dt.datetime:
                return stored(value)
            text = texts.get(value)
            if text is None:
                text = texts[value] = value.isoformat(" ")
            return text

        convert = [as_text if type(f) is pw.DateTimeField else c
                   for f, c in zip(fields, convert, strict=True)]
    plain = [_STORED_AS_IS.get(type(f.rel_field if type(f) is pw.ForeignKeyField else f))
             for f in fields]
    defaults = [f.default for f in extra]
    params = []
    for row in rows:
        values = [row[name] for name in names]
        if defaults:
            values += [d() if callable(d) else d for d in defaults]
        params.append(tuple([v if v is None or type(v) is t else c(v)
                             for c, t, v in zip(convert, plain, values, strict=True)]))
    sql, _params = model.insert_many([params[0]], fields=fields).sql()
    db = meta.database
    if is_postgres() and db.in_transaction():
        # The connections plan every statement afresh (force_custom_plan: a search's best
        # plan depends on its words, ``database.connect``), so each row of this insert was
        # planned again: 3-4x the insert's time. It has one plan; the transaction reuses it.
        db.execute_sql("SET LOCAL plan_cache_mode = auto")
    db.cursor().executemany(sql, params)


def ids_in(field: pw.Field, values: Iterable[int]) -> pw.ColumnBase:
    """``field.in_(values)`` for many ids, written into the SQL as numbers (SQLite) or sent
    as one array (PostgreSQL): peewee renders each parameter of a list in Python (a few
    milliseconds for a batch's 500 requests, or a listing page's 5,000 people). Only ids:
    ``int()`` refuses anything else, so nothing but digits reaches the SQL."""
    ids = [int(v) for v in values]
    if not ids:
        return field.in_([])
    if is_postgres():  # one array parameter: PostgreSQL plans a long list of numbers slowly
        return pw.NodeList((field, pw.SQL("= ANY(%s)", [ids])))
    return pw.Expression(field, pw.OP.IN, pw.SQL(f"({','.join(map(str, ids))})"))


def _written(model: Any, row: dict[str, Any]) -> Any:
    """``model(**row)`` for a row of plain field names just inserted, without a setattr per
    field (a tenth of the cost: a bulk approval makes a thousand audit events)."""
    made = model(__no_default__=True)
    made.__data__ = {**model._meta.get_default_dict(), **row}
    made._dirty = set(made.__data__)
    return made


# --- settings -----------------------------------------------------------------------------


def get_setting(key: str, default: str | None = None) -> str | None:
    row = Setting.get_or_none(Setting.key == key)
    return row.value if row else default


def put_setting(key: str, value: str) -> None:
    updated = Setting.update(value=value).where(Setting.key == key).execute()
    if not updated:
        Setting.create(key=key, value=value)


def is_demo() -> bool:
    return get_setting("demo") == "1"


TIME_ZONE = "time_zone"  # the directory's time zone (an IANA name); UTC when unset


def time_zone_name() -> str:
    """The directory's time zone, as stored (rule 18's "until a date" ends with that date
    there); "UTC" when unset or not a zone this computer knows."""
    from zoneinfo import ZoneInfo

    name = get_setting(TIME_ZONE) or "UTC"
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return "UTC"
    return name


def time_zone() -> dt.tzinfo:
    """The directory's time zone (``time_zone_name``) as a tzinfo."""
    from zoneinfo import ZoneInfo

    return ZoneInfo(time_zone_name())


# --- audit --------------------------------------------------------------------------------


def event_hash(
    seq: int, at: dt.datetime, actor: str | None, action: str, target: str | None,
    details: str, prev_hash: str,
) -> str:
    """Formula 1, for events written before schema version 6 (desktop/audithash.py)."""
    return audithash.formula1(seq, at, actor, action, target, details, prev_hash)


AuditEntry = tuple[User | None, str, str | None, dict[str, Any] | None, int | None]


def audit(
    actor: User | None,
    action: str,
    target: str | None,
    details: dict[str, Any] | None = None,
    application_id: int | None = None,
    *,
    checkpoint: bool = False,
) -> AuditEvent:
    """Append one event to the chain. Callers are inside the write transaction (one writer).
    Its hash covers every column (formula 2); a signed checkpoint follows when one is due,
    or always with checkpoint=True (exports)."""
    return audit_many([(actor, action, target, details, application_id)],
                      checkpoint=checkpoint)[0]


# json.dumps with options builds an encoder per call: a tenth of a bulk approval's hashing.
_details_text = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


def audit_many(entries: list[AuditEntry], *, checkpoint: bool = False) -> list[AuditEvent]:
    """Append these events (actor, action, target, details, application id) in order, as
    ``audit`` does each, with one insert per hundred (a batch of decisions): the same rows,
    hashes and checkpoints; the head is written once, and one "audit" change notice."""
    from . import auditchain

    if not entries:
        return []
    head = (AuditEvent.select(AuditEvent.id, AuditEvent.seq, AuditEvent.hash)
            .order_by(AuditEvent.seq.desc()).first())
    seq, event_id = (head.seq + 1, head.id + 1) if head else (1, 1)
    prev = head.hash if head else GENESIS_HASH
    rows: list[dict[str, Any]] = []
    at = now()  # events appended together: one instant (their order is their seq)
    for actor, action, target, details, application_id in entries:
        text = _details_text(details or {})
        actor_upn = actor.upn if actor is not None else None
        digest = audithash.formula2(event_id, seq, at, actor_upn, action, target,
                                    application_id, text, prev)
        rows.append({"id": event_id, "seq": seq, "at": at, "actor": actor_upn,
                     "action": action, "target": target, "application_id": application_id,
                     "details": text, "prev_hash": prev, "hash": digest})
        seq, event_id, prev = seq + 1, event_id + 1, digest
    insert_rows(AuditEvent, rows)
    # The head is kept apart so that cutting events off the end is detected too.
    put_setting("audit_head", f"{rows[-1]['seq']}:{prev}")
    events = [_written(AuditEvent, row) for row in rows]
    auditchain.after_events(events, checkpoint)
    # Every audit log on screen follows, also for writes that change nothing else a window
    # shows (an export, the SMTP settings, a test message).
    apps = {row["application_id"] for row in rows}
    publish("audit", apps.pop() if len(apps) == 1 else None)
    return events


# --- change feed and notifications ---------------------------------------------------------


# The change rows this process wrote (database, id), newest last: the live feed tells its
# listeners whether a change was made here or elsewhere (who started it) without a column
# for it. Keyed by database too: another database's ids start at 1 again.
_published: deque[tuple[str, int]] = deque(maxlen=2000)
_published_set: set[tuple[str, int]] = set()  # the same, to look up at once


def _remember(change: tuple[str, int]) -> None:
    if len(_published) == _published.maxlen:
        _published_set.discard(_published[0])
    _published.append(change)
    _published_set.add(change)


def publish(topic: str, entity_id: int | None = None) -> None:
    """Tell every desktop that something changed; on PostgreSQL NOTIFY is delivered at commit."""
    assert topic in TOPICS, topic
    change = Change.create(topic=topic, entity_id=entity_id, at=now())
    _remember((_database_name(), int(change.id)))
    if is_postgres():
        from desktop.models import database_proxy

        database_proxy.obj.execute_sql(f"NOTIFY {PG_CHANNEL}")


def published_here(change_id: int) -> bool:
    """True if this process wrote the change row `change_id` of the open database (one of
    its last 2000 writes)."""
    return (_database_name(), change_id) in _published_set


def _database_name() -> str:
    return str(getattr(database_proxy.obj, "database", ""))


def notify(
    recipient: User,
    kind: str,
    message: str,
    *,
    request_id: int | None = None,
    application_id: int | None = None,
) -> None:
    notify_many([(recipient, kind, message, request_id, application_id)])


def notify_many(notices: list[tuple[User, str, str, int | None, int | None]]) -> None:
    """Several notifications (recipient, kind, message, request id, application id) in one
    statement, as ``notify`` makes each, and one change notice."""
    at = now()
    rows = [{"recipient": recipient.id, "kind": kind, "message": message,
             "request": request_id, "application": application_id, "created_at": at}
            for recipient, kind, message, request_id, application_id in notices]
    insert_rows(Notification, rows)
    recipients = {recipient.id for recipient, *_rest in notices}
    if recipients:
        # One notice for a batch: naming the recipient when there is one (a server tells only
        # him); for several, none (every desktop re-reads its own).
        publish("notifications", recipients.pop() if len(recipients) == 1 else None)


# --- sorting lists -------------------------------------------------------------------------


def after_by_name(query: Any, model: Any, after: int | None, sort: str | None) -> Any:
    """Keyset paging of a list in its default order (case-insensitive name, then id): only
    rows after the one whose id is `after`, so a deep page costs what the first does."""
    import peewee as pw

    from desktop.errors import UsageError

    if after is None:
        return query
    if sort not in (None, "name"):
        raise UsageError("after pages the default order (by name); leave out sort")
    last = model.select(pw.fn.LOWER(model.name).alias("key")).where(model.id == after).first()
    if last is None:
        raise UsageError(f"no row {after} to continue after (it was deleted): list again")
    key = pw.fn.LOWER(model.name)
    return query.where((key > last.key) | ((key == last.key) & (model.id > after)))


def sort_order(sort: str | None, fields: dict[str, Any], default: list[Any],
               tiebreak: Any = None) -> list[Any]:
    """ORDER BY terms for a list's `sort` key ('-' prefix: descending); None keeps `default`.

    `fields` maps the keys a list accepts to peewee expressions; the tiebreak (usually the
    id) keeps pages stable when many rows share a value.
    """
    if not sort:
        return list(default) + ([tiebreak] if tiebreak is not None else [])
    key = sort[1:] if sort.startswith("-") else sort
    if key not in fields:
        from desktop.errors import UsageError

        raise UsageError(f"cannot sort by {key!r}; one of {', '.join(sorted(fields))}")
    field = fields[key]
    terms = [field.desc() if sort.startswith("-") else field.asc()]
    if tiebreak is not None:
        terms.append(tiebreak.desc() if sort.startswith("-") else tiebreak.asc())
    return terms


def rows_read(sort: str | None, default_key: str, limit: int | None, offset: int) -> int | None:
    """How many rows of a list in its default order a page reads (offset + limit), for the
    search index to narrow the query to (see models.search); None when the page is sorted
    otherwise or unlimited. Only for queries with no condition besides the search."""
    if limit is None or sort not in (None, default_key):
        return None
    return offset + limit
