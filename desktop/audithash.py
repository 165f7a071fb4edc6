"""The audit log's hash formulas and signed statements, as docs/audit.md documents them.

Pure functions (no database): the services, the version 6 upgrade and the evidence bundle's
verify.py (which repeats them, standard library only) compute the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable

GENESIS_HASH = "0" * 64
EVENT_TAG = "access-desk audit event 2"
CHECKPOINT_TAG = "access-desk audit checkpoint 1"
KEY_TAG = "access-desk audit key 1"


# One encoder, made once: json.dumps with options builds one per call (a fifth of the hash).
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True).encode


def _canonical(values: list[object]) -> bytes:
    """JSON array, no spaces, non-ASCII as \\u escapes: the same bytes on every machine."""
    return _encode(values).encode("ascii")


def exact(at: dt.datetime) -> str:
    """An event's time as hashed: ISO 8601 with microseconds, as stored (naive UTC)."""
    return at.isoformat(timespec="microseconds")


def formula1(seq: int, at: dt.datetime, actor: str | None, action: str, target: str | None,
             details: str, prev_hash: str) -> str:
    """Events written before schema version 6: every column but id and application_id."""
    material = _canonical([seq, exact(at), actor, action, target, details, prev_hash])
    return hashlib.sha256(material).hexdigest()


def content_digest(event_id: int, seq: int, at: dt.datetime, actor: str | None, action: str,
                   target: str | None, application_id: int | None, details: str) -> str:
    """Formula 2, first step: SHA-256 of every column of the event but the two hashes."""
    return hashlib.sha256(_canonical([EVENT_TAG, event_id, seq, exact(at), actor, action,
                                      target, application_id, details])).hexdigest()


def link(prev_hash: str, digest: str) -> str:
    """Formula 2, second step: the event's hash chains its content digest to the hash
    before it. An evidence bundle proves an event is in the signed chain with the digests of
    the events between it and a checkpoint, never their content."""
    return hashlib.sha256(_canonical([prev_hash, digest])).hexdigest()


def formula2(event_id: int, seq: int, at: dt.datetime, actor: str | None, action: str,
             target: str | None, application_id: int | None, details: str,
             prev_hash: str) -> str:
    return link(prev_hash, content_digest(event_id, seq, at, actor, action, target,
                                          application_id, details))


def legacy_columns_digest(rows: Iterable[tuple[int, int, int | None]]) -> str:
    """What formula 1 leaves out, (seq, id, application_id) of every old event in order; the
    upgrade's own event (formula 2) records it, so those columns are covered from then on."""
    h = hashlib.sha256()
    for row in rows:
        h.update(_canonical(list(row)) + b"\n")
    return h.hexdigest()


def checkpoint_message(number: int, seq: int, hash_: str, at: dt.datetime, key_id: str) -> bytes:
    """The bytes a checkpoint's Ed25519 signature covers."""
    return _canonical([CHECKPOINT_TAG, number, seq, hash_, exact(at), key_id])


def key_message(number: int, key_id: str, public_key: str, created_at: dt.datetime) -> bytes:
    """The bytes a signing key's endorsement covers (signed by the key before it)."""
    return _canonical([KEY_TAG, number, key_id, public_key, exact(created_at)])


def fingerprint(public_key: str) -> str:
    """A short name for a public key (base64 of the raw 32 bytes), to compare by eye."""
    return "sha256:" + hashlib.sha256(public_key.encode("ascii")).hexdigest()[:32]
