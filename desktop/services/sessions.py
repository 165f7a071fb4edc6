"""Team mode's signed-in devices: a password sign-in gives an opaque token; only its hash is
kept, in `sign_in_session` (ARCHITECTURE.md: session tables' names start with sign_in). A token
ends when idle too long, when too old, on sign-out, on a password change or reset, and when
its person is disabled. "Last seen" is written at most once a minute, never through the audit
log or the change feed: a busy desktop must not fill either."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

import peewee as pw

from desktop.errors import NotFound, NotSignedIn, Refused, Throttled
from desktop.models import SignInFailure, SignInSession, User
from desktop.models.search import user_match

from . import auth
from .core import audit, get_setting, iso, now, sort_order, transaction
from .rights import fresh_with_roles, is_global_admin_role

View = dict[str, Any]

IDLE = dt.timedelta(hours=12)
ABSOLUTE = dt.timedelta(days=7)
LAST_SEEN_EVERY = dt.timedelta(minutes=1)
# Settings an administrator may change (hours); the defaults above otherwise.
IDLE_SETTING = "session_idle_hours"
ABSOLUTE_SETTING = "session_absolute_hours"
# Failed sign-ins from one client address share a throttle row with the UPN's (same table).
ADDRESS_KEY = "address:"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _hours(key: str, default: dt.timedelta) -> dt.timedelta:
    value = get_setting(key)
    try:
        return dt.timedelta(hours=float(value)) if value else default
    except ValueError:
        return default


def lifetimes() -> View:
    """How long a session lasts, in hours: unused (`idle_hours`) and at most (`absolute_hours`)."""
    return {"idle_hours": _hours(IDLE_SETTING, IDLE).total_seconds() / 3600,
            "absolute_hours": _hours(ABSOLUTE_SETTING, ABSOLUTE).total_seconds() / 3600}


def lifetimes_of(actor: User) -> View:
    """How long a session lasts, idle and at most (the Admin console's Signed-in devices)."""
    return lifetimes()


def sign_in(upn: str, password: str | None, *, client: str = "", address: str = "") -> View:
    """Check the password (throttled per UPN as every sign-in, and per client address), and
    return a new session's token: 256 random bits, shown once, kept only as a hash."""
    address_key = ADDRESS_KEY + address if address else None
    if address_key:
        _check_address(address_key)
    try:
        user = auth.sign_in(upn, password)
    except NotSignedIn:
        if address_key:
            auth.record_failure(address_key)
        raise
    return open_session(user, client=client, address=address)


def open_session(user: User, *, client: str = "", address: str = "") -> View:
    """A new session for a person already signed in (his password checked)."""
    token = secrets.token_urlsafe(32)
    at = now()
    with transaction():
        row = SignInSession.create(
            token_hash=token_hash(token), user=user.id, client=client[:200],
            address=address[:100], created_at=at, last_seen=at,
            idle_expires_at=at + _hours(IDLE_SETTING, IDLE),
            expires_at=at + _hours(ABSOLUTE_SETTING, ABSOLUTE))
    return {"token": token, "session_id": row.id, "upn": user.upn, "name": user.display_name,
            "expires_at": iso(row.expires_at),
            "idle_hours": _hours(IDLE_SETTING, IDLE).total_seconds() / 3600}


def _check_address(key: str) -> None:
    row = SignInFailure.get_or_none(SignInFailure.upn == key)
    if row is None:
        return
    # Many people share an address (an office's NAT): a looser throttle than one UPN's.
    wait = auth.throttle_delay(row.failures // 4)
    ready_at = row.last_failed_at + dt.timedelta(seconds=wait)
    if wait and now() < ready_at:
        seconds = int((ready_at - now()).total_seconds()) + 1
        raise Throttled(f"too many failed sign-ins from this address; try again in "
                        f"{auth.wait_words(seconds)}", seconds)


def resolve(token: str) -> User:
    """The person a token signs in, or NotSignedIn (unknown, expired, revoked, disabled)."""
    row = SignInSession.get_or_none(SignInSession.token_hash == token_hash(token))
    at = now()
    if row is None or row.revoked_at is not None:
        raise NotSignedIn("your session has ended; sign in again")
    if at >= row.expires_at or at >= row.idle_expires_at:
        raise NotSignedIn("your session has expired; sign in again")
    user = User.get_or_none(User.id == row.user)
    if user is None or not user.enabled:
        raise NotSignedIn("your account is disabled or no longer exists; sign in again")
    if at - row.last_seen >= LAST_SEEN_EVERY:
        with transaction():
            SignInSession.update(last_seen=at, idle_expires_at=at + _hours(IDLE_SETTING, IDLE)
                                 ).where(SignInSession.id == row.id).execute()
    user.session_id = row.id  # type: ignore[attr-defined]  # which session acts
    return user


def sign_out(token: str) -> View:
    with transaction():
        n = (SignInSession.update(revoked_at=now(), revoked_why="signed out")
             .where(SignInSession.token_hash == token_hash(token),
                    SignInSession.revoked_at.is_null()).execute())
    return {"signed_out": bool(n)}


def revoke_all(user_id: int, why: str, *, except_session: int | None = None) -> int:
    """End every open session of a person (inside the caller's transaction): a password change
    or reset, or disabling him."""
    query = SignInSession.update(revoked_at=now(), revoked_why=why).where(
        SignInSession.user == user_id, SignInSession.revoked_at.is_null())
    if except_session is not None:
        query = query.where(SignInSession.id != except_session)
    return int(query.execute())


def _view(row: Any, current: int | None = None) -> View:
    """`current`: the id of the session the person asking acts in (his row says so)."""
    return {"id": row.id, "upn": row.upn, "name": row.display_name, "client": row.client,
            "address": row.address, "since": iso(row.created_at),
            "last_seen": iso(row.last_seen),
            "expires_at": iso(min(row.expires_at, row.idle_expires_at)),
            "current": current is not None and row.id == current}


# What a list of sessions sorts by (the Admin console's column headers); oldest first otherwise.
SESSION_SORTS: dict[str, Any] = {
    "upn": User.upn,
    "name": pw.fn.LOWER(User.display_name),
    "client": pw.fn.LOWER(SignInSession.client),
    "address": SignInSession.address,
    "since": SignInSession.created_at,
    "last_seen": SignInSession.last_seen,
    "expires_at": SignInSession.expires_at,
}


def list_sessions(actor: User, upn: str | None = None, *, search: str | None = None,
                  limit: int | None = None, offset: int = 0,
                  sort: str | None = None) -> list[View]:
    """Open sessions: a Global Administrator's view is everyone's (or one person's, or the
    people a `search` finds: words of the name or UPN, as the Users list), anyone else's his
    own."""
    current = getattr(actor, "session_id", None)
    actor, roles = fresh_with_roles(actor)
    at = now()
    query = (SignInSession.select(SignInSession, User.upn, User.display_name)
             .join(User, on=(SignInSession.user == User.id))
             .where(SignInSession.revoked_at.is_null(), SignInSession.expires_at > at,
                    SignInSession.idle_expires_at > at))
    if not is_global_admin_role(roles):
        if upn and upn.strip().lower() != actor.upn:
            raise Refused("rights table",
                          "only a Global Administrator may see other people's sessions")
        query = query.where(SignInSession.user == actor.id)
    elif upn:
        query = query.where(User.upn == upn.strip().lower())
    if search and search.strip():
        query = query.where(user_match(search))
    order = sort_order(sort, SESSION_SORTS, [], SignInSession.id)
    query = query.order_by(*order).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_view(row, current) for row in query.objects()]


def revoke_session(actor: User, session_id: int) -> View:
    """Sign a device out: one's own, or anyone's for a Global Administrator. Audited."""
    with transaction():
        actor, roles = fresh_with_roles(actor)
        row = (SignInSession.select(SignInSession, User.upn)
               .join(User, on=(SignInSession.user == User.id))
               .where(SignInSession.id == session_id).objects().first())
        if row is None or row.revoked_at is not None:
            raise NotFound(f"no open session {session_id}")
        if row.user != actor.id and not is_global_admin_role(roles):
            raise Refused("rights table",
                          "only a Global Administrator may sign out other people's devices")
        SignInSession.update(revoked_at=now(), revoked_why=f"revoked by {actor.upn}").where(
            SignInSession.id == row.id).execute()
        audit(actor, "session.revoke", row.upn, {"session": row.id, "client": row.client})
    return {"id": row.id, "upn": row.upn, "revoked": True}

