"""Password-SSO sign-in details (rule 12): set by an approver, copied by their owner, encrypted."""

from __future__ import annotations

from dataclasses import dataclass, field

import peewee as pw

from desktop import logs
from desktop.errors import NotFound, Refused, UsageError
from desktop.models import (
    Application,
    PasswordCredential,
    SelfServiceSettings,
    User,
)

# `keys` (the cryptography library, ~30 ms to import) is imported where a secret is touched,
# so a window that only lists password-SSO applications opens without it (issue 15).
from . import lookup, validators
from .core import audit, iso, notify, now, publish, transaction
from .policy import (
    access_holders_subquery,
    approver_problem,
    has_access,
    is_listed_approver,
    is_password_sso,
    may_copy_credentials,
    password_manager_apps_sql,
)
from .rights import fresh, require_admin, require_global_admin
from .views import View, settings_of

WHAT = ("username", "password", "both")


@dataclass(frozen=True)
class Credentials:
    """Decrypted sign-in details; the repr never shows them (tracebacks, logs)."""

    username: str = field(repr=False)
    password: str = field(repr=False)

    def __repr__(self) -> str:
        return "Credentials(<hidden>)"


def _require_password_manager(actor: User, app: Application) -> SelfServiceSettings:
    """Rule 12 and the rights table: an enabled, licensed approver of an application whose
    administrator allowed approvers to set passwords, which uses password SSO."""
    if not is_password_sso(app):
        raise Refused("rule 12", f"{app.name} does not use password-based single sign-on")
    settings = settings_of(app)
    if settings is None or not is_listed_approver(actor, app):
        raise Refused("rights table",
                      f"only an approver of {app.name} may set its users' sign-in details")
    assert settings is not None
    problem = approver_problem(actor)
    if problem:
        raise Refused("rule 4", f"{problem} and cannot act as an approver")
    if not settings.approver_sets_passwords:
        raise Refused("rule 12",
                      f"the administrator of {app.name} has not allowed approvers to set "
                      "sign-in details")
    return settings


def _check_set(actor: User, app: str, upn: str) -> tuple[User, Application, User]:
    actor = fresh(actor)
    application = lookup.application(app)
    _require_password_manager(actor, application)
    target = lookup.user(upn)
    if not has_access(target, application):
        raise Refused("rule 12",
                      f"{target.upn} has no access to {application.name}; sign-in details "
                      "are set only for people who have it")
    return actor, application, target


def set_credentials(actor: User, app: str, upn: str, username: str, password: str) -> View:
    """Set or replace the user name and password `upn` signs in to `app` with.

    Stored as Fernet ciphertext under the database's data key; audited without the secret.
    """
    from . import keys

    username = (username or "").strip()
    if not username or not password:
        raise UsageError("both a user name and a password are needed")
    if len(username) > validators.MAX_SECRET or len(password) > validators.MAX_SECRET:
        raise UsageError(f"a user name or password has at most {validators.MAX_SECRET} "
                         "characters")
    # Checked, the data key made outside the write transaction (a first use creates it, its
    # own write), then checked again and encrypted inside it: under the key the database names
    # while this holds the write lock, so a `key rotate` that committed meanwhile is never
    # undone by a token under the retired key.
    _check_set(actor, app, upn)
    logs.register_secret(password)  # masked in any log line, tracebacks included
    keys.data_key(create=True)
    with transaction():
        actor, application, target = _check_set(actor, app, upn)
        username_enc = keys.encrypt(username)
        password_enc = keys.encrypt(password)
        existing = PasswordCredential.get_or_none(
            (PasswordCredential.application == application) & (PasswordCredential.user == target)
        )
        at = now()
        if existing is None:
            PasswordCredential.create(application=application, user=target,
                                      username_enc=username_enc, password_enc=password_enc,
                                      set_by=actor, set_at=at)
        else:
            PasswordCredential.update(username_enc=username_enc, password_enc=password_enc,
                                      set_by=actor, set_at=at).where(
                PasswordCredential.id == existing.id).execute()
        audit(actor, "credentials.set", target.upn,
              {"app": application.name, "replaced": existing is not None},
              application_id=application.id)
        notify(target, "credentials",
               f"{actor.display_name} set your sign-in details for {application.name}",
               application_id=application.id)
        publish("access", application.id)
        return {"app": application.name, "user": target.upn, "set_by": actor.upn,
                "set_at": iso(at), "replaced": existing is not None}


def has_credentials(user: User, app: Application | int) -> bool:
    return PasswordCredential.select().where(
        (PasswordCredential.application == app) & (PasswordCredential.user == user)
    ).exists()


def read_own_credentials(actor: User, app: str, what: str = "both") -> Credentials:
    """The acting user's own sign-in details, decrypted to be copied; audited as a copy."""
    from . import keys

    if what not in WHAT:
        raise UsageError(f"what to copy is one of {', '.join(WHAT)}")
    actor = fresh(actor)
    application = lookup.application(app)
    row = PasswordCredential.get_or_none(
        (PasswordCredential.application == application) & (PasswordCredential.user == actor)
    )
    if row is None or not may_copy_credentials(actor, application):
        raise NotFound(f"no sign-in details were set for you for {application.name}")
    creds = Credentials(keys.decrypt(row.username_enc), keys.decrypt(row.password_enc))
    logs.register_secret(creds.password)
    with transaction():
        audit(fresh(actor), "credentials.copy", actor.upn,
              {"app": application.name, "what": what}, application_id=application.id)
        publish("access", application.id)
    return creds


# --- reads for the Approvals window --------------------------------------------------------


def password_apps(actor: User) -> list[View]:
    """Applications whose users' sign-in details this approver may set."""
    actor = fresh(actor)
    rows = (
        Application.select(Application)
        .join(SelfServiceSettings)
        .where(password_manager_apps_sql(actor))
        .order_by(pw.fn.LOWER(Application.name))
    )
    if approver_problem(actor):
        return []
    return [{"id": a.id, "name": a.name, "publisher": a.publisher} for a in rows]


def key_problem(actor: User) -> View:
    """Whether sign-in details can be stored and read where the services run (this desktop,
    or the server a desktop is connected to): {"problem": None}, or the reason they cannot."""
    from . import keys

    del actor  # anyone signed in may ask; the answer names no data
    return {"problem": keys.key_status()}


def credential_users(actor: User, app: str, search: str | None = None, *,
                     limit: int | None = None, offset: int = 0) -> list[View]:
    """People with access to the application and whether their sign-in details are set."""
    actor = fresh(actor)
    application = lookup.application(app)
    _require_password_manager(actor, application)
    query = User.select().where(access_holders_subquery(application))
    if search and search.strip():
        text = search.strip().lower()
        query = query.where(User.upn.contains(text) | pw.fn.LOWER(User.display_name).contains(text))
    query = query.order_by(pw.fn.LOWER(User.display_name)).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    users = list(query)
    creds: dict[int, PasswordCredential] = {
        c.user_id: c for c in PasswordCredential.select().where(
            (PasswordCredential.application == application)
            & PasswordCredential.user.in_([u.id for u in users]))
    }
    # getattr: peewee's type stubs see the `set_by_id` accessor as a method.
    setter_ids: list[int] = [getattr(c, "set_by_id") for c in creds.values()]  # noqa: B009
    setters: dict[int | None, str] = {
        u.id: u.display_name
        for u in User.select(User.id, User.display_name).where(User.id.in_(setter_ids))
    } if setter_ids else {}
    return [
        {
            "id": u.id, "upn": u.upn, "name": u.display_name, "department": u.department,
            "has_credentials": u.id in creds,
            "set_by": setters.get(getattr(creds[u.id], "set_by_id")) if u.id in creds  # noqa: B009
            else None,
            "set_at": iso(creds[u.id].set_at) if u.id in creds else None,
        }
        for u in users
    ]


# --- the data key, carried to other desktops ------------------------------------------------


def export_data_key(actor: User, path: str) -> str:
    """Write the database's data key to an owner-only file; returns its fingerprint.
    Administrators only: with the key, a copy of the database gives up every credential."""
    from . import keys

    require_admin(actor, "export the data key")
    return keys.export_keys(path)


def rotate_data_key(actor: User) -> View:
    """Re-encrypt every stored secret under a new data key, in one transaction; the old key,
    which every desktop of a shared database may hold, then decrypts nothing in it. Global
    Administrators only: the key decides who can read every credential."""
    from . import keys

    require_global_admin(actor, "rotate the data key")
    return keys.rotate(actor)


def import_data_key(actor: User, path: str) -> str:
    """Keep an exported data key on this desktop; returns its fingerprint. Anyone signed in:
    the key only opens what his own rights already let him read."""
    from . import keys

    fresh(actor)
    return keys.import_keys(path)
