"""Operations whose service returns something the wire cannot carry as is (nothing, a tuple, a
dataclass) or takes what the wire cannot (a role parsed from text, a sentinel): each shapes the
call and the result, and nothing more. They run where the services run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from desktop.models import User

View = dict[str, Any]


def set_password(actor: User, upn: str, password: str) -> View:
    from desktop.services import auth

    auth.set_password(actor, upn, password)
    return {"upn": upn.strip().lower(), "password_set": True}


def change_own_password(actor: User, old: str, new: str) -> View:
    from desktop.services import auth

    auth.change_own_password(actor, old, new)
    return {"upn": actor.upn, "password_changed": True}


def add_application(actor: User, name: str, *, roles: Sequence[str] = (),
                    app_roles: Sequence[str] = (), **options: Any) -> View:
    from desktop.services import applications

    specs = [applications.parse_role(r) for r in roles]
    specs += [applications.parse_role(r, user_assignable=False) for r in app_roles]
    return applications.add_application(actor, name, roles=specs, **options)


SETTINGS_KEYS = ("app", "available", "unavailable_reason", "enabled", "group",
                 "require_approval", "approvers", "role", "email_approvers",
                 "approver_sets_passwords", "version")


def _public_settings(view: View) -> View:
    return {k: view[k] for k in SETTINGS_KEYS}


def selfservice_show(actor: User, app_name: str) -> View:
    from desktop.services import selfservice

    return _public_settings(selfservice.show(actor, app_name))


def selfservice_set(actor: User, app_name: str, *, role: str | None = None,
                    no_role: bool | None = None, add_approvers: Sequence[str] | None = None,
                    remove_approvers: Sequence[str] | None = None,
                    clear_approvers: bool | None = None, **changes: Any) -> View:
    from desktop.errors import UsageError
    from desktop.services import selfservice

    if role is not None and no_role:
        raise UsageError("--role and --no-role exclude each other")
    chosen: Any = None if no_role else (role if role is not None else selfservice.UNSET)
    return _public_settings(selfservice.update(
        actor, app_name, role=chosen, add_approvers=add_approvers or (),
        remove_approvers=remove_approvers or (), clear_approvers=bool(clear_approvers),
        **changes))


def catalog(actor: User, search: str | None = None, *, limit: int | None = None,
            offset: int = 0) -> View:
    """The rows, and the message to show when the person cannot request at all."""
    from desktop.services import catalog as service

    rows, message = service.catalog(actor, search, limit=limit, offset=offset)
    return {"rows": rows, "message": message}


def audit_verify(actor: User, since_head: str | None = None) -> View:
    from desktop.errors import Refused
    from desktop.services import auditlog

    verdict = auditlog.verify(actor, since_head)  # exit 4: cannot be checked
    if not verdict.ok:
        where = f" at event {verdict.first_bad}" if verdict.first_bad else ""
        raise Refused("audit", f"the audit chain is broken{where}: {verdict.message}")
    return {"ok": True, "events": verdict.events, "message": verdict.message,
            "old_formula": list(verdict.formula_1) if verdict.formula_1 else None,
            "signed_formula": list(verdict.formula_2) if verdict.formula_2 else None,
            "checkpoints": verdict.checkpoints, "signed_to": verdict.signed_to,
            "unsigned": verdict.unsigned, "key_fingerprint": verdict.key_fingerprint,
            "holds_key": verdict.holds_key, "head": verdict.head, "notes": verdict.notes}


def read_credentials(actor: User, app: str, what: str = "both") -> View:
    """One's own sign-in details to copy; the copy is audited, the values never logged."""
    from desktop.services import credentials

    creds = credentials.read_own_credentials(actor, app, what)
    view: View = {"app": app}
    if what in ("both", "username"):
        view["username"] = creds.username
    if what in ("both", "password"):
        view["password"] = creds.password
    return view


def export_download(actor: User, kind: str, format: str = "json",  # noqa: A002 - the option
                    for_file: bool = True) -> tuple[str, View]:
    """An export into a temporary file, the bytes `export --out FILE` writes (for_file: CSV
    with its byte-order mark) or prints; the server streams it and removes it."""
    import os
    import tempfile

    from desktop.services import exports

    fd, name = tempfile.mkstemp(prefix="access-desk-export-")
    os.close(fd)
    try:
        if for_file:
            view = exports.write_file(actor, kind, format, name)
        else:
            with open(name, "w", encoding="utf-8", newline="") as out:
                rows = exports.write(actor, kind, format, out)
            view = {"export": kind, "format": format, "rows": rows}
    except BaseException:
        os.unlink(name)
        raise
    return name, view
