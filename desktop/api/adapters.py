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


def update_application(actor: User, app_name: str, changes: dict[str, Any]) -> View:
    """The Properties page's save: the properties named, a null clearing one."""
    from desktop.services import applications

    return applications.update_application(actor, app_name, **changes)


SETTINGS_KEYS = ("app", "available", "unavailable_reason", "enabled", "group",
                 "require_approval", "approvers", "role", "email_approvers",
                 "approver_sets_passwords",
                 # rules 16-18
                 "expire_days", "remind_days", "escalate_days", "escalation_approvers",
                 "reason_to_approve", "access_days", "access_until", "end_reminder_days",
                 "version")


def _public_settings(view: View) -> View:
    return {k: view[k] for k in SETTINGS_KEYS}


def selfservice_show(actor: User, app_name: str) -> View:
    from desktop.services import selfservice

    return _public_settings(selfservice.show(actor, app_name))


def selfservice_set(actor: User, app_name: str, *, role: str | None = None,
                    no_role: bool | None = None, add_approvers: Sequence[str] | None = None,
                    remove_approvers: Sequence[str] | None = None,
                    clear_approvers: bool | None = None, expire_after: str | None = None,
                    remind_after: str | None = None, escalate_after: str | None = None,
                    add_escalation_approvers: Sequence[str] | None = None,
                    remove_escalation_approvers: Sequence[str] | None = None,
                    clear_escalation_approvers: bool | None = None,
                    access_lasts: str | None = None, **changes: Any) -> View:
    from desktop.errors import UsageError
    from desktop.services import selfservice

    if role is not None and no_role:
        raise UsageError("--role and --no-role exclude each other")
    chosen: Any = None if no_role else (role if role is not None else selfservice.UNSET)
    for key, text in (("expire_days", expire_after), ("remind_days", remind_after),
                      ("escalate_days", escalate_after)):
        if text is not None:
            changes[key] = _days_or_off(text)
    if access_lasts is not None:
        changes["access_days"], changes["access_until"] = _access_lasts(access_lasts)
    return _public_settings(selfservice.update(
        actor, app_name, role=chosen, add_approvers=add_approvers or (),
        remove_approvers=remove_approvers or (), clear_approvers=bool(clear_approvers),
        add_escalation_approvers=add_escalation_approvers or (),
        remove_escalation_approvers=remove_escalation_approvers or (),
        clear_escalation_approvers=bool(clear_escalation_approvers), **changes))


def _days_or_off(text: str) -> int | None:
    """Rules 16-17's "after N days": a whole number of days, or "off"."""
    from desktop.errors import UsageError

    word = str(text).strip().lower()
    if word == "off":
        return None
    if not word.isdigit() or len(word) > 6:
        raise UsageError(f"{text!r} is not a number of days or 'off'")
    return int(word)


def _access_lasts(text: str) -> tuple[int | None, str | None]:
    """Rule 18's "Access lasts": never, N days ("30"), or until a date ("until:2027-03-12")."""
    from desktop.errors import UsageError

    word = str(text).strip().lower()
    if word == "never":
        return None, None
    if word.startswith("until:"):
        return None, word.removeprefix("until:").strip()
    if word.isdigit() and len(word) <= 6:
        return int(word), None
    raise UsageError(f"{text!r}: access lasts 'never', a number of days, or "
                     "'until:YYYY-MM-DD'")


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
    return _verdict_view(verdict)


def audit_check(actor: User) -> View:
    """The Admin console's Verify chain: the verdict as data, a broken chain too."""
    from desktop.services import auditlog

    verdict = auditlog.verify(actor)
    return {**_verdict_view(verdict), "first_bad": verdict.first_bad}


def _verdict_view(verdict: Any) -> View:
    return {"ok": bool(verdict.ok), "events": verdict.events, "message": verdict.message,
            "old_formula": list(verdict.formula_1) if verdict.formula_1 else None,
            "signed_formula": list(verdict.formula_2) if verdict.formula_2 else None,
            "checkpoints": verdict.checkpoints, "signed_to": verdict.signed_to,
            "unsigned": verdict.unsigned, "key_fingerprint": verdict.key_fingerprint,
            "holds_key": verdict.holds_key, "head": verdict.head, "notes": verdict.notes}


def admin_groups(actor: User, search: str | None = None, *, limit: int | None = None,
                 offset: int = 0, sort: str | None = None) -> list[View]:
    """The Admin console's Groups: the listing, each row saying what sort of group it is
    and whether its members are added and removed by hand here (rule 3)."""
    from desktop.services import directory
    from desktop.services.policy import members_editable
    from desktop.services.views import group_kind

    rows = directory.list_groups(actor, search, limit=limit, offset=offset, sort=sort)
    return [{**row, "members_editable": members_editable(row), "kind": group_kind(row)}
            for row in rows]


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


def desk(actor: User) -> View:
    """What a window or the tray needs to know of the person signed in: who he is, which
    windows he may open (the rights table) and whether requests reach him."""
    from desktop.services import approvals, directory
    from desktop.services.core import clock_offset, is_demo
    from desktop.services.policy import window_kinds

    view = directory.whoami(actor)
    view["id"] = actor.id
    view["windows"] = window_kinds(actor)
    view["approver"] = approvals.is_approver(actor)
    view["demo"] = is_demo()
    # Seconds a trainer jumped the demo's clock ahead (0 otherwise): a window's "now" is its
    # own clock plus this, so ages agree with the services' (desktop/ui/myapps/parts.py).
    view["clock_offset"] = int(clock_offset(fresh=True).total_seconds())
    # Where the change feed stands as he starts reading: a desktop's live connection asks for
    # every notice after it, so a write made before the connection opened is not missed.
    view["change_id"] = latest_change_id()
    return view


def latest_change_id() -> int:
    import peewee as pw

    from desktop.models import Change

    return int(Change.select(pw.fn.MAX(Change.id)).scalar() or 0)


def unread(actor: User, kinds: Sequence[str] | None = None) -> View:
    from desktop.services import notifications

    chosen = tuple(kinds) if kinds else notifications.DECISION_KINDS
    return {"count": notifications.unread_count(actor, chosen),
            "request_ids": sorted(notifications.unread_request_ids(actor))}


def mark_read(actor: User, ids: Sequence[int] | None = None,
              kinds: Sequence[str] | None = None) -> View:
    """`ids` None marks every one (of `kinds`) read."""
    from desktop.services import notifications

    return {"changed": notifications.mark_read(actor, "all" if ids is None else ids,
                                               kinds or None)}


def decide_many(actor: User, ids: Sequence[int], approve: bool,
                reason: str | None = None) -> View:
    """Several decisions; the summary as data (`bulk.BulkSummary.from_view` reads it back)."""
    from desktop.services import bulk

    return bulk.decide_many(actor, ids, approve, reason).view()


# --- transfers (imports, directory exports, evidence) ---------------------------------------


def import_upload(actor: User, upload: str, max_upload: int, *, dry_run: bool = False,
                  strict: bool = False) -> View:
    """`import graph` on an uploaded export: a zip of its files (unpacked into a temporary
    folder and imported as `import graph FOLDER` would, entry names as its file names) or one
    JSON file ("upload.json" in the report). Nothing is unpacked for someone who may not
    import; an archive with a name outside its folder, a link, or more than `max_upload`
    bytes unpacked refuses the import before anything is read."""
    import tempfile
    import zipfile
    from pathlib import Path

    from desktop import archive
    from desktop.errors import AccessDeskError
    from desktop.services import graph_import
    from desktop.services.rights import require_global_admin

    require_global_admin(actor, "import a directory")
    with tempfile.TemporaryDirectory(prefix="access-desk-import-") as folder:
        root = Path(folder) / "upload"
        root.mkdir(mode=0o700)
        if zipfile.is_zipfile(upload):
            names = {str(root) + "/": ""}
            try:
                archive.unpack(Path(upload), root, max_upload, lambda: archive.over_limit(
                    "what the archive unpacks to", max_upload))
            except AccessDeskError as exc:
                exc.message = f"nothing was imported: {exc.message}"
                exc.args = (exc.message,)
                raise
            paths = [root]
        else:
            names = {upload: "upload.json"}
            paths = [Path(upload)]
        try:
            report = graph_import.import_graph(actor, paths, dry_run=dry_run, strict=strict)
        except AccessDeskError as exc:
            raise archive.relabel_error(exc, names) from None
        return archive.relabel(report.as_dict(), names)  # type: ignore[no-any-return]


def _temporary_file(suffix: str) -> str:
    import os
    import tempfile

    fd, name = tempfile.mkstemp(prefix="access-desk-export-", suffix=suffix)
    os.close(fd)
    return name


def export_directory(actor: User, format: str = "graph") -> tuple[str, View]:  # noqa: A002
    """`export directory`'s files as a zip (each under its file name): the desktop unpacks
    it into the folder named, the very bytes a run beside the database writes."""
    import os
    import tempfile
    from pathlib import Path

    from desktop import archive
    from desktop.services import exports

    name = _temporary_file(".zip")
    try:
        with tempfile.TemporaryDirectory(prefix="access-desk-export-") as folder:
            view = exports.write_directory(actor, Path(folder), format)
            with open(name, "wb") as out:
                archive.pack(((p.name, p) for p in sorted(Path(folder).iterdir())), out)
    except BaseException:
        os.unlink(name)
        raise
    return name, {**view, "out": ""}  # the desktop says where it wrote them


def _utc(value: Any) -> Any:
    import datetime as dt

    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def export_evidence(actor: User, app_name: str, start: Any, end: Any) -> tuple[str, View]:
    """`export evidence`'s zip, written into a temporary file the server streams."""
    import os
    from pathlib import Path

    from desktop.services import exports

    name = _temporary_file(".zip")
    try:
        view = exports.evidence(actor, app_name, _utc(start), _utc(end), Path(name))
    except BaseException:
        os.unlink(name)
        raise
    return name, {**view, "out": ""}
