"""Signed checkpoints over the audit hash chain, its keys, and the check of both.

The chain (desktop/audithash.py) is unkeyed SHA-256 anyone can recompute. A checkpoint is an
Ed25519 signature over (number, seq, hash, time, key id), written in the same transaction as
the event it covers, at least every CHECKPOINT_EVERY events and at every export. The public
keys, each endorsed by the one before, are in audit_signing_key; the private key lives beside
the data key (desktop/keystore.py). What the check proves, and what it cannot: docs/audit.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import peewee as pw
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from desktop import audithash, keystore
from desktop.errors import AccessDeskError, UsageError
from desktop.models import AuditCheckpoint, AuditEvent, AuditSigningKey
from desktop.models.database import is_postgres
from desktop.models.schema import AUDIT_FORMULA_2_FROM

from .core import get_setting, is_demo, iso, now, put_setting, stored_time

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 100
# "number:seq" of the newest checkpoint; a removed newest checkpoint shows against it.
CHECKPOINT_HEAD = "audit_checkpoint_head"


class AuditUnverifiable(AccessDeskError):
    """The check could not be made (exit 4): no public key recorded, or no Ed25519 here."""

    exit_code = 4


# --- keys ---------------------------------------------------------------------------------


def _current_key() -> AuditSigningKey | None:
    return AuditSigningKey.select().order_by(AuditSigningKey.id.desc()).first()


def current_key_id(create: bool = False) -> str | None:
    """The key new checkpoints are signed with; create=True makes the first one (audited,
    with a checkpoint) when the database has none yet."""
    key = _current_key()
    if key is None and create:
        from .core import audit, transaction

        with transaction():
            key = _current_key()
            if key is None:
                key = _record_key(*_first_key(), previous=None)
                audit(None, "audit.key.create", key.key_id,
                      {"fingerprint": audithash.fingerprint(key.public_key)}, checkpoint=True)
    return key.key_id if key is not None else None


def recorded_public_key(key_id: str) -> str | None:
    key = AuditSigningKey.get_or_none(AuditSigningKey.key_id == key_id)
    return key.public_key if key is not None else None


def current_fingerprint() -> str | None:
    key = _current_key()
    return audithash.fingerprint(key.public_key) if key is not None else None


def _sign(private: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(private.sign(message)).decode("ascii")


def _record_key(key_id: str, private: Ed25519PrivateKey,
                previous: Ed25519PrivateKey | None) -> AuditSigningKey:
    """A new public key, endorsed by the previous private key (the first by itself)."""
    last = _current_key()
    number = last.id + 1 if last is not None else 1
    public, created = keystore.public_text(private), now()
    endorsement = _sign(previous or private,
                        audithash.key_message(number, key_id, public, created))
    return AuditSigningKey.create(id=number, key_id=key_id, public_key=public,
                                  created_at=created, endorsement=endorsement)


def adopt_key(key_id: str, private: Ed25519PrivateKey) -> None:
    """A database without a signing key takes the one imported (`key import`)."""
    from .core import audit, transaction

    with transaction():
        if _current_key() is not None:
            return
        key = _record_key(key_id, private, previous=None)
        audit(None, "audit.key.import", key_id,
              {"fingerprint": audithash.fingerprint(key.public_key)}, checkpoint=True)


def rotate_key() -> dict[str, Any]:
    """A new signing key, endorsed by the current one (which this desktop must hold); the
    old public key stays in the database for the checkpoints it signed. Audited."""
    from .core import audit, transaction

    with transaction():
        current = _current_key()
        previous = keystore.signing_key(current.key_id) if current is not None else None
        if current is not None and previous is None:
            raise keystore.SigningKeyMissing(
                "this desktop does not have the current audit signing key, which must endorse "
                "the new one; rotate on the desktop that has it, or import it first")
        key = _record_key(*keystore.new_signing_key(), previous=previous)
        audit(None, "audit.key.rotate", key.key_id,
              {"fingerprint": audithash.fingerprint(key.public_key),
               "previous": current.key_id if current is not None else None},
              checkpoint=True)
    return {"key_id": key.key_id, "fingerprint": audithash.fingerprint(key.public_key),
            "keys": key.id}


# --- writing checkpoints --------------------------------------------------------------------

_warned: set[str] = set()


def after_events(events: list[AuditEvent], force: bool) -> None:
    """Called by core.audit_many for the events it appended, inside its transaction: sign a
    checkpoint after each event where one is due (the first, CHECKPOINT_EVERY events after
    the last, or forced by an export). A desktop without the signing key writes on unsigned;
    `audit verify` reports the tail."""
    last = AuditCheckpoint.select(AuditCheckpoint.id, AuditCheckpoint.seq).order_by(
        AuditCheckpoint.id.desc()).first()
    for event in events:
        if force or last is None or event.seq - last.seq >= CHECKPOINT_EVERY:
            last = _checkpoint_after(event, last)
            if last is None:
                return  # no key to sign with here: said once, the rest stays unsigned too


def _checkpoint_after(event: AuditEvent, last: AuditCheckpoint | None
                      ) -> AuditCheckpoint | None:
    """The checkpoint signing the chain up to `event`, following `last`; None when this
    desktop cannot sign."""
    try:
        key = _current_key() or _record_key(*_first_key(), previous=None)
        private = keystore.signing_key(key.key_id)
    except keystore.SigningUnsupported as exc:
        _warn("unsupported", "no audit checkpoint signed: %s", exc.message)
        return None
    if private is None:
        _warn(key.key_id, "no audit checkpoint signed: %s", keystore.SIGNING_MISSING_MESSAGE)
        return None
    return _write_checkpoint((last.id if last is not None else 0) + 1, event.seq, event.hash,
                             key.key_id, private)


def _first_key() -> tuple[str, Ed25519PrivateKey]:
    if is_demo():
        return keystore.DEMO_SIGNING_KEY_ID, keystore.demo_signing_key()
    return keystore.new_signing_key()


def _warn(key: str, message: str, *args: object) -> None:
    if key not in _warned:
        _warned.add(key)
        log.warning(message, *args)


def _write_checkpoint(number: int, seq: int, hash_: str, key_id: str,
                      private: Ed25519PrivateKey) -> AuditCheckpoint:
    at = now()
    signature = _sign(private, audithash.checkpoint_message(number, seq, hash_, at, key_id))
    checkpoint = AuditCheckpoint.create(id=number, seq=seq, hash=hash_, at=at, key_id=key_id,
                                        signature=signature)
    put_setting(CHECKPOINT_HEAD, f"{number}:{seq}")
    return checkpoint


# --- head and evidence ----------------------------------------------------------------------


def head() -> dict[str, Any]:
    """The newest event's number and hash, the newest checkpoint and the signing key."""
    event = AuditEvent.select(AuditEvent.seq, AuditEvent.hash).order_by(
        AuditEvent.seq.desc()).first()
    checkpoint = AuditCheckpoint.select().order_by(AuditCheckpoint.id.desc()).first()
    seq, hash_ = (event.seq, event.hash) if event is not None else (0, audithash.GENESIS_HASH)
    return {"seq": seq, "hash": hash_, "head": f"{seq}:{hash_}",
            "checkpoint": checkpoint.id if checkpoint is not None else None,
            "checkpoint_seq": checkpoint.seq if checkpoint is not None else None,
            "key_fingerprint": current_fingerprint()}


def head_text() -> str:
    """"SEQ:HASH" of the newest event, as exports record it and --since-head takes it."""
    return str(head()["head"])


def formula_2_from() -> int:
    text = get_setting(AUDIT_FORMULA_2_FROM)
    try:
        return int(text) if text is not None else 1
    except ValueError:
        return 0  # an edited setting: every event then fails its formula


def evidence_proof(events: list[AuditEvent]) -> dict[str, Any]:
    """What an evidence bundle needs to tie its events to a signature, offline: the first
    checkpoint at or after its last event (signed now at the head when there is none), its
    public key, and the content digests of the other events between the bundle's first
    formula-2 event and that checkpoint (their content stays out of the bundle)."""
    from .core import transaction

    last_seq = events[-1].seq if events else None
    query = AuditCheckpoint.select().order_by(AuditCheckpoint.id)
    checkpoint = None
    if last_seq is not None:
        checkpoint = query.where(AuditCheckpoint.seq >= last_seq).first()
    if checkpoint is None:
        with transaction():
            newest = AuditEvent.select().order_by(AuditEvent.seq.desc()).first()
            latest = query.order_by(AuditCheckpoint.id.desc()).first()
            if newest is None:
                raise UsageError("the audit log is empty: there is nothing to give evidence of")
            if latest is not None and latest.seq == newest.seq:
                checkpoint = latest
            else:
                current_key_id(create=True)
                key = _current_key()
                assert key is not None
                private = keystore.signing_key(key.key_id)
                if private is None:
                    raise keystore.SigningKeyMissing()
                checkpoint = _write_checkpoint((latest.id if latest else 0) + 1, newest.seq,
                                               newest.hash, key.key_id, private)
    key = AuditSigningKey.get_or_none(AuditSigningKey.key_id == checkpoint.key_id)
    if key is None:
        raise AuditUnverifiable(f"checkpoint {checkpoint.id} names a signing key this database "
                                "does not record; run access-desk audit verify")
    first_2 = formula_2_from()
    linked = [e.seq for e in events if e.seq >= first_2]
    links: list[list[Any]] = []
    if linked:
        inside = set(linked)
        rows = (AuditEvent.select().where((AuditEvent.seq > linked[0])
                                          & (AuditEvent.seq <= checkpoint.seq))
                .order_by(AuditEvent.seq))
        links = [[e.seq, _digest(e)] for e in rows.iterator() if e.seq not in inside]
    return {
        "checkpoint": {"number": checkpoint.id, "seq": checkpoint.seq, "hash": checkpoint.hash,
                       "at_exact": audithash.exact(checkpoint.at), "key_id": checkpoint.key_id,
                       "signature": checkpoint.signature},
        "public_key": key.public_key, "key_fingerprint": audithash.fingerprint(key.public_key),
        "formula_2_from": first_2, "links": links,
    }


def _digest(e: AuditEvent) -> str:
    return audithash.content_digest(e.id, e.seq, e.at, e.actor, e.action, e.target,
                                    e.application_id, e.details)


def recompute(event_id: int, seq: int, at: Any, actor: str | None, action: str,
              target: str | None, application_id: int | None, details: str, prev_hash: str,
              first_2: int) -> str:
    """An event's hash as it was written: formula 2 from event `first_2` on, 1 before. Over
    the columns' values (the walk reads rows as tuples, not model objects)."""
    if seq >= first_2:
        return audithash.formula2(event_id, seq, at, actor, action, target, application_id,
                                  details, prev_hash)
    return audithash.formula1(seq, at, actor, action, target, details, prev_hash)


# --- checking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    ok: bool
    events: int
    first_bad: int | None
    message: str
    cannot_check: bool = False
    formula_1: tuple[int, int] | None = None  # first and last event of the old formula
    formula_2: tuple[int, int] | None = None
    checkpoints: int = 0
    signed_to: int | None = None  # the newest checkpoint's event
    unsigned: int = 0  # events after it
    keys: int = 0
    key_fingerprint: str | None = None
    holds_key: bool | None = None  # whether this desktop holds the newest signing key
    since: int | None = None
    head: str | None = None
    notes: list[str] = field(default_factory=list)


class _Broken(Exception):
    def __init__(self, seq: int | None, message: str) -> None:
        super().__init__(message)
        self.seq, self.message = seq, message


def _public(text: str, what: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error) as exc:
        raise _Broken(None, f"{what} is not a valid public key: it was changed") from exc
    except UnsupportedAlgorithm as exc:
        raise AuditUnverifiable("this Python's cryptography package cannot check Ed25519 "
                                "signatures: the chain was not checked against them") from exc


def _signed(public: Ed25519PublicKey, signature: str, message: bytes) -> bool:
    try:
        public.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def _check_keys() -> list[AuditSigningKey]:
    keys = list(AuditSigningKey.select().order_by(AuditSigningKey.id))
    previous: Ed25519PublicKey | None = None
    for number, key in enumerate(keys, 1):
        if key.id != number:
            raise _Broken(None, f"signing key {number} of the rotation history was removed")
        public = _public(key.public_key, f"signing key {number}")
        message = audithash.key_message(key.id, key.key_id, key.public_key, key.created_at)
        if not _signed(previous or public, key.endorsement, message):
            raise _Broken(None, f"signing key {number} was changed after it was recorded "
                          "(its endorsement does not match)")
        if number > 1 and key.created_at < keys[number - 2].created_at:
            raise _Broken(None, f"signing key {number} was changed (its time goes back)")
        previous = public
    return keys


class _Signed(NamedTuple):
    """What the walk needs of the checked checkpoints: how many, the newest one's event."""

    checkpoints: int
    signed_to: int | None


# Checkpoints read per query, when their signatures are checked and during the walk.
CHECKPOINT_PAGE = 2000


def _checkpoint_pages() -> Iterator[list[AuditCheckpoint]]:
    """The checkpoints by number, CHECKPOINT_PAGE at a time by key (the first page from the
    lowest number, whatever it is): never all of them in memory (5,000,000 events have
    50,000)."""
    after: int | None = None
    while True:
        query = AuditCheckpoint.select().order_by(AuditCheckpoint.id).limit(CHECKPOINT_PAGE)
        if after is not None:
            query = query.where(AuditCheckpoint.id > after)
        page = list(query)
        if page:
            yield page
        if len(page) < CHECKPOINT_PAGE:
            return
        after = page[-1].id


def _check_checkpoints(keys: list[AuditSigningKey]) -> int:
    """Every checkpoint's number, key and signature, read a page at a time; returns how many."""
    by_id = {k.key_id: (i, k) for i, k in enumerate(keys)}
    publics = {k.key_id: _public(k.public_key, f"signing key {k.id}") for k in keys}
    number = 0
    for page in _checkpoint_pages():
        if not keys:
            raise AuditUnverifiable(
                "no public key is recorded for the audit checkpoints, so their signatures "
                "cannot be checked (the audit_signing_key table is empty: restore it from a "
                "backup)")
        for cp in page:
            number += 1
            if cp.id != number:
                raise _Broken(cp.seq, f"checkpoint {number} was removed")
            if cp.key_id not in by_id:
                raise _Broken(cp.seq, f"checkpoint {number} names a signing key the database "
                              "does not record: it was changed")
            index, key = by_id[cp.key_id]
            following = keys[index + 1] if index + 1 < len(keys) else None
            message = audithash.checkpoint_message(cp.id, cp.seq, cp.hash, cp.at, cp.key_id)
            if not _signed(publics[cp.key_id], cp.signature, message):
                raise _Broken(cp.seq, f"checkpoint {number} was changed after it was signed")
            if cp.at < key.created_at or (following is not None
                                          and cp.at > following.created_at):
                raise _Broken(cp.seq, f"checkpoint {number} is signed with a key that was not "
                              "current at its time")
    recorded = get_setting(CHECKPOINT_HEAD)
    if recorded:
        number_text = recorded.split(":")[0]
        if not number_text.isdigit() or int(number_text) > number:
            raise _Broken(None, f"the newest checkpoints were removed (checkpoint {number_text} "
                          f"was written, the last one left is {number})")
    return number


def _signed_from(start: int | None, total: int) -> _Signed:
    """How many of the `total` checkpoints sign events from `start` on (all of them without
    a start), and the newest event they sign."""
    query = AuditCheckpoint.select(pw.fn.COUNT(AuditCheckpoint.id),
                                   pw.fn.MAX(AuditCheckpoint.seq))
    if start is not None:
        query = query.where(AuditCheckpoint.seq >= start)
    elif not total:
        return _Signed(0, None)
    row: Any = query.tuples().get()
    return _Signed(int(row[0] or 0), row[1])


def _walk(since: tuple[int, str] | None, first_2: int) -> tuple[int, int]:
    """Recompute every hash from the start (or from `since`), and compare each event with the
    checkpoints that signed it (read beside each page of events); returns (events, last seq)."""
    start = since[0] if since else 1
    prev, expected, count = audithash.GENESIS_HASH, start, 0
    legacy = hashlib.sha256() if first_2 > 1 and start == 1 else None
    for page in _event_pages(start):
        at_seq: dict[int, list[AuditCheckpoint]] = {}
        for cp in (AuditCheckpoint.select(AuditCheckpoint.id, AuditCheckpoint.seq,
                                          AuditCheckpoint.hash)
                   .where(AuditCheckpoint.seq.between(page[0][1], page[-1][1]))
                   .order_by(AuditCheckpoint.seq, AuditCheckpoint.id)):
            at_seq.setdefault(cp.seq, []).append(cp)
        # The rows as tuples, unpacked here (`_EVENT_COLUMNS`' order): a named tuple or a
        # model object per event cost as much as reading the rows.
        for row in page:
            event_id, seq, at, actor, action, target, app_id, details, prev_hash, hash_ = row
            if since and count == 0:
                if seq != since[0] or hash_ != since[1]:
                    raise _Broken(since[0], f"the log no longer holds event {since[0]} with "
                                  "that hash: it does not extend the head given")
                prev = prev_hash
            if seq != expected:
                raise _Broken(seq, f"event {expected} is missing (the next one is {seq})")
            if prev_hash != prev:
                raise _Broken(seq, f"event {seq} does not follow event {seq - 1}")
            if recompute(event_id, seq, at, actor, action, target, app_id, details, prev_hash,
                         first_2) != hash_:
                raise _Broken(seq, f"event {seq} was changed after it was written")
            if legacy is not None and seq < first_2:
                legacy.update(json.dumps([seq, event_id, app_id],
                                         separators=(",", ":")).encode("ascii") + b"\n")
            if seq == first_2 and first_2 > 1:
                _check_upgrade_event(_Event(*row), first_2, legacy)
            if seq in at_seq:
                for cp in at_seq[seq]:
                    if cp.hash != hash_:
                        raise _Broken(seq, f"event {seq} differs from what checkpoint "
                                      f"{cp.id} signed: the log was rewritten")
            prev, expected, count = hash_, expected + 1, count + 1
    if since and count == 0:
        raise _Broken(since[0], f"the log no longer holds event {since[0]}: events were removed")
    return count, expected - 1


# Events read per query by `_walk`, and how often it reports its progress (seconds).
WALK_PAGE = 2000
PROGRESS_EVERY = 0.5


class VerifyCancelled(UsageError):
    """Raised between two pages of the walk when the check was cancelled: nothing is known."""

    def __init__(self, done: int) -> None:
        super().__init__(f"verification cancelled after {done:,} events; nothing was "
                         "concluded")
        self.done = done


@dataclass(frozen=True)
class _Watch:
    report: Callable[[int, int], None]
    every: float | None
    page: int | None
    cancelled: Callable[[], bool] | None


_progress: ContextVar[_Watch | None] = ContextVar("audit_progress", default=None)


@contextmanager
def progress(report: Callable[[int, int], None], *, every: float | None = None,
             page: int | None = None,
             cancelled: Callable[[], bool] | None = None) -> Iterator[None]:
    """While the block runs, a check of the chain calls `report(events checked, events to
    check)` about every `every` seconds (PROGRESS_EVERY: a terminal's progress line), reads
    `page` events a query (WALK_PAGE), and stops with VerifyCancelled between two pages once
    `cancelled()` says so (a window's Cancel)."""
    token = _progress.set(_Watch(report, every, page, cancelled))
    try:
        yield
    finally:
        _progress.reset(token)


_EVENT_COLUMNS = (AuditEvent.id, AuditEvent.seq, AuditEvent.at, AuditEvent.actor,
                  AuditEvent.action, AuditEvent.target, AuditEvent.application_id,
                  AuditEvent.details, AuditEvent.prev_hash, AuditEvent.hash)


class _Event(NamedTuple):
    """An event's columns in `_EVENT_COLUMNS`' order, without a model object per row."""

    id: int
    seq: int
    at: Any
    actor: str | None
    action: str
    target: str | None
    application_id: int | None
    details: str
    prev_hash: str
    hash: str


def _event_pages(start: int) -> Iterator[list[Any]]:
    """The events from `start` on, in order, as tuples of `_EVENT_COLUMNS` (an `_Event`'s
    fields), a page at a time (WALK_PAGE) read by key: no cursor held open across the whole
    log. The rows come from the driver as they are; only a time stored as text (SQLite) is
    converted, as the model does. Reports progress and stops when cancelled, between two
    pages (`progress`)."""
    watch = _progress.get()
    size = (watch.page if watch is not None and watch.page else None) or WALK_PAGE
    every = watch.every if watch is not None and watch.every is not None else PROGRESS_EVERY
    total = AuditEvent.select().where(AuditEvent.seq >= start).count() if watch else 0
    shown, done, after = time.monotonic(), 0, start - 1
    database = AuditEvent._meta.database
    stored_as_text = not is_postgres()
    while True:
        if watch is not None and watch.cancelled is not None and watch.cancelled():
            raise VerifyCancelled(done)
        query = (AuditEvent.select(*_EVENT_COLUMNS).where(AuditEvent.seq > after)
                 .order_by(AuditEvent.seq).limit(size))
        page = database.execute(query).fetchall()
        if stored_as_text:  # psycopg gives datetimes, as the model would make them
            page = [(i, seq, stored_time(when), *rest) for i, seq, when, *rest in page]
        if page:
            yield page
        done += len(page)
        if watch is not None and time.monotonic() - shown >= every:
            watch.report(done, total)
            shown = time.monotonic()
        if len(page) < size:
            return
        after = page[-1][1]


def _check_upgrade_event(e: _Event, first_2: int, legacy: Any) -> None:
    try:
        details = json.loads(e.details)
    except ValueError:
        details = {}
    if e.action != "audit.upgrade" or details.get("formula_1_events") != first_2 - 1:
        raise _Broken(e.seq, f"event {e.seq} should be the upgrade to formula 2: the setting "
                      f"{AUDIT_FORMULA_2_FROM} or the event was changed")
    if legacy is not None and details.get("formula_1_uncovered_columns") != legacy.hexdigest():
        raise _Broken(e.seq, f"an event before {first_2} had its id or application changed "
                      "(the upgrade recorded them)")


def check(since: str | None = None) -> Report:
    """Recompute the chain and check every checkpoint and key. Tampering gives a Report with
    ok=False; a check that cannot be made raises AuditUnverifiable. `since` ("SEQ:HASH", as
    `audit head` prints it) checks only that the log still extends that point."""
    point = parse_head(since) if since else None
    first_2 = formula_2_from()
    try:
        keys = _check_keys()
        total = _check_checkpoints(keys)
        count, last = _walk(point, first_2)
        signed = _signed_from(point[0] if point is not None else None, total)
        if signed.checkpoints:
            beyond = (AuditCheckpoint.select(AuditCheckpoint.id, AuditCheckpoint.seq)
                      .where(AuditCheckpoint.seq > last,
                             *([AuditCheckpoint.seq >= point[0]] if point else []))
                      .order_by(AuditCheckpoint.id).first())
            if beyond is not None:
                raise _Broken(last + 1, f"events after {last} were removed: checkpoint "
                              f"{beyond.id} signed event {beyond.seq}")
        _check_head(point, count, last)
        if point is None and last >= max(first_2, 1) and not signed.checkpoints:
            raise _Broken(None, "the signed checkpoints were removed (events of the signed "
                          "scheme are there, no checkpoint is)")
    except _Broken as broken:
        return Report(False, 0, broken.seq, broken.message)
    return _intact(point, count, last, first_2, keys, signed)


def parse_head(text: str) -> tuple[int, str]:
    seq_text, sep, hash_ = text.strip().partition(":")
    if (not sep or not seq_text.isdigit() or len(hash_) != 64
            or any(c not in "0123456789abcdef" for c in hash_)):
        raise UsageError("a head is SEQ:HASH, as access-desk audit head prints it")
    return int(seq_text), hash_


def _check_head(point: tuple[int, str] | None, count: int, last: int) -> None:
    recorded = get_setting("audit_head")
    if recorded and last and recorded != f"{last}:{_hash_of(last)}":
        written = recorded.split(":")[0]
        raise _Broken(last + 1, f"the log ends at event {last} but event {written} was "
                      "written: events were removed from the end")
    if point is None and not count and recorded:
        raise _Broken(1, "every event was removed")


def _hash_of(seq: int) -> str | None:
    event = AuditEvent.select(AuditEvent.hash).where(AuditEvent.seq == seq).first()
    return event.hash if event is not None else None


def _intact(point: tuple[int, str] | None, count: int, last: int, first_2: int,
            keys: list[AuditSigningKey], signed: _Signed) -> Report:
    start = point[0] if point else 1
    old = (start, min(last, first_2 - 1)) if last and start < first_2 else None
    new = (max(start, first_2), last) if last >= max(start, first_2) else None
    signed_to = signed.signed_to
    unsigned = last - signed_to if signed_to is not None else (new[1] - new[0] + 1 if new else 0)
    current = keys[-1] if keys else None
    holds = None
    notes = []
    if current is not None:
        try:
            private = keystore.signing_key(current.key_id)
        except AccessDeskError:
            private = None
        holds = private is not None and keystore.public_text(private) == current.public_key
        if private is not None and not holds:
            return Report(False, count, None, "the newest signing key in the database is not "
                          "the one this desktop holds under its id: it was replaced")
    if point is not None:
        parts = [f"the log still extends event {point[0]}: events {point[0]}–{last} are intact"]
    else:
        parts = [f"the audit chain of {count} events is intact"]
    if old is not None:
        parts.append(f"events {old[0]}–{old[1]} were written before signing began (old formula, "
                     "proven by the first checkpoint after them)")
    if signed.checkpoints:
        many = "s" if signed.checkpoints > 1 else ""
        parts.append(f"{signed.checkpoints} signed checkpoint{many} checked, the newest at "
                     f"event {signed_to}")
    if unsigned:
        parts.append(f"the newest {unsigned} event{'s are' if unsigned > 1 else ' is'} not "
                     "signed yet")
    if unsigned > CHECKPOINT_EVERY:
        notes.append(f"{unsigned} events are not signed: a desktop without the signing key "
                     "wrote them; import the key there with access-desk key import FILE")
    return Report(True, count, None, "; ".join(parts), formula_1=old, formula_2=new,
                  checkpoints=signed.checkpoints, signed_to=signed_to, unsigned=unsigned,
                  keys=len(keys),
                  key_fingerprint=audithash.fingerprint(current.public_key) if current else None,
                  holds_key=holds, since=point[0] if point else None,
                  head=f"{last}:{_hash_of(last)}" if last else None, notes=notes)


def iter_checkpoints() -> Iterator[dict[str, Any]]:
    for cp in AuditCheckpoint.select().order_by(AuditCheckpoint.id).iterator():
        yield {"number": cp.id, "seq": cp.seq, "hash": cp.hash, "at": iso(cp.at),
               "key_id": cp.key_id}
