"""Signing in, throttling failed attempts, and passwords (the rights table's first row)."""

from __future__ import annotations

import datetime as dt

from desktop.errors import NotSignedIn, Refused, Throttled
from desktop.models import SignInFailure, User

from . import lookup, sessions
from .core import audit, is_demo, now, publish, transaction
from .passwords import check_strength, hash_password, needs_rehash, verify_password
from .rights import fresh, require_global_admin

FREE_FAILURES = 5
MAX_DELAY_S = 15 * 60
GENERIC = "unknown user or wrong password"


def throttle_delay(failures: int) -> int:
    """Seconds to wait after `failures` failed sign-ins in a row: none for five, then 2, 4, 8..."""
    if failures < FREE_FAILURES:
        return 0
    return int(min(2 ** (failures - FREE_FAILURES + 1), MAX_DELAY_S))


def wait_words(seconds: int) -> str:
    """A wait as people say it: "1 second", "40 seconds", "1 minute", "15 minutes" (rounded up)."""
    if seconds < 60:
        return f"{seconds} second" if seconds == 1 else f"{seconds} seconds"
    minutes = -(-seconds // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def record_failure(upn: str) -> None:
    # Its own small transaction that touches only the sign_in_ table.
    with transaction():
        row = SignInFailure.get_or_none(SignInFailure.upn == upn)
        if row is None:
            SignInFailure.create(upn=upn, failures=1, last_failed_at=now())
        else:
            SignInFailure.update(
                failures=SignInFailure.failures + 1, last_failed_at=now()
            ).where(SignInFailure.id == row.id).execute()


def sign_in(upn: str, password: str | None) -> User:
    """The signed-in user, or NotSignedIn. On a demo database no password is asked or checked."""
    key = upn.strip().lower()
    user = User.get_or_none(User.upn == key)
    if is_demo():
        if user is None or not user.enabled:
            raise NotSignedIn(f"no enabled demo user {upn.strip()!r}")
        return user
    row = SignInFailure.get_or_none(SignInFailure.upn == key)
    if row is not None:
        wait = throttle_delay(row.failures)
        ready_at = row.last_failed_at + dt.timedelta(seconds=wait)
        if wait and now() < ready_at:
            seconds = int((ready_at - now()).total_seconds()) + 1
            raise Throttled(
                f"too many failed sign-ins for {key}; try again in {wait_words(seconds)}",
                seconds)
    if user is not None and user.enabled and user.password_hash is None:
        raise NotSignedIn(
            f"{key} has no password yet: ask an administrator to set a password"
        )
    ok = verify_password(password or "", user.password_hash if user else None)
    if not ok or user is None or not user.enabled:
        record_failure(key)
        raise NotSignedIn(GENERIC)
    if row is not None:
        with transaction():
            SignInFailure.delete().where(SignInFailure.upn == key).execute()
    if needs_rehash(user.password_hash):
        _upgrade_hash(user, password or "")
    return user


def _upgrade_hash(user: User, password: str) -> None:
    """Store a hash made with today's parameters, now that the password is known. One write of
    this user's hash, only if nobody changed it meanwhile; not audited, as a sign-in is not."""
    old, new = user.password_hash, hash_password(password)  # hashed before the write lock
    with transaction():
        updated = User.update(password_hash=new).where(
            User.id == user.id, User.password_hash == old).execute()
    if updated:
        user.password_hash = new


def create_first_admin(upn: str, password: str) -> dict[str, object]:
    """The first Global Administrator of a new directory (`init --admin`, the welcome window).

    Refused once one exists: from then on he adds the others.
    """
    from desktop import logs
    from desktop.models import DirectoryRoleAssignment

    from . import validators
    from .views import user_view

    logs.register_secret(password)
    check_strength(password)
    upn = validators.upn(upn)
    with transaction():
        if DirectoryRoleAssignment.select().where(
                DirectoryRoleAssignment.role == "global_admin").exists():
            raise Refused("rights table", "a Global Administrator exists already; "
                          "he adds the others")
        user = User.get_or_none(User.upn == upn) or User.create(
            upn=upn, display_name=upn.split("@")[0], license="p2")
        User.update(password_hash=hash_password(password)).where(User.id == user.id).execute()
        DirectoryRoleAssignment.create(user=user, role="global_admin")
        audit(None, "user.first_admin", upn, {})
        publish("directory", user.id)
    return user_view(User.get_by_id(user.id))


def set_password(actor: User, upn: str, password: str) -> None:
    """A Global Administrator sets another user's password (or his own)."""
    with transaction():
        actor = require_global_admin(actor, "set another user's password")
        target = lookup.user(upn)
        check_strength(password)
        User.update(password_hash=hash_password(password)).where(User.id == target.id).execute()
        SignInFailure.delete().where(SignInFailure.upn == target.upn).execute()
        # A reset password ends every device's session (the person signs in again).
        sessions.revoke_all(target.id, "password reset")
        audit(actor, "user.set_password", target.upn)  # never the password itself
        publish("directory", target.id)


def change_own_password(actor: User, old: str, new: str) -> None:
    session = getattr(actor, "session_id", None)  # team mode: the device that changed it
    with transaction():
        actor = fresh(actor)
        if not is_demo() and not verify_password(old, actor.password_hash):
            raise Refused("sign-in", "the current password is wrong")
        check_strength(new)
        User.update(password_hash=hash_password(new)).where(User.id == actor.id).execute()
        # Every other device signs in again; the one that changed it stays signed in.
        sessions.revoke_all(actor.id, "password changed", except_session=session)
        audit(actor, "user.change_password", actor.upn)
        publish("directory", actor.id)


def demo_people() -> list[dict[str, object]]:
    """The enabled people a demo sign-in offers (no password on a demo database); else refused."""
    from .rights import roles_of

    if not is_demo():
        raise Refused("sign-in", "only a demo database lists its people before sign-in")
    return [
        {"upn": u.upn, "name": u.display_name, "department": u.department,
         "license": u.license, "roles": roles_of(u)}
        for u in User.select().where(User.enabled).order_by(User.display_name)
    ]
