"""Fill an empty database with the demo directory, through the services, on a frozen clock."""

from __future__ import annotations

import datetime as dt
import errno
import os
import uuid
from pathlib import Path
from typing import Any

from desktop.errors import DiskFull
from desktop.models import DirectoryRoleAssignment, User
from desktop.services import applications, auth, directory, requests, selfservice
from desktop.services.core import audit, frozen_clock, put_setting, transaction

from . import data

DEMO_PASSWORD_NOTE = "demo database: anyone signs in as any enabled demo person, no password"


def _upn(local: str) -> str:
    return f"{local}@{data.DOMAIN}"


def reference_date() -> dt.datetime:
    return dt.datetime.fromisoformat(data.REFERENCE_DATE.replace("Z", "+00:00")).replace(
        tzinfo=None
    )


def build_demo() -> User:
    """Returns the demo's first Global Administrator. The database must be empty of people."""
    ref = reference_date()
    start = ref - dt.timedelta(days=120)
    with frozen_clock(start) as jump:
        admin = _bootstrap_admin(data.PEOPLE[0])
        _people(admin)
        _groups(admin)
        _apps(admin)
        _settings(admin)
        _history(jump, ref)
        _leavers(admin)
        _history_mail_delivered()
    return admin


def _bootstrap_admin(person: Any) -> User:
    with transaction():
        put_setting("demo", "1")
        put_setting("tenant_name", data.COMPANY)
        user = User.create(
            upn=_upn(person["upn"]), display_name=person["name"],
            mail=_upn(person["upn"]) if person["mail"] else None,
            department=person["department"], job_title=person["job_title"],
            license=person["license"], enabled=True,
        )
        for role in person["roles"]:
            DirectoryRoleAssignment.create(user=user, role=role)
        audit(None, "demo.init", data.COMPANY, {"note": DEMO_PASSWORD_NOTE})
        audit(None, "user.add", user.upn, {"name": user.display_name, "roles": person["roles"]})
    return user


def _people(admin: User) -> None:
    for person in data.PEOPLE[1:]:
        directory.add_user(
            admin, _upn(person["upn"]), person["name"],
            mail=_upn(person["upn"]) if person["mail"] else None,
            department=person["department"], job_title=person["job_title"],
            license=person["license"], roles=person["roles"], enabled=True,
        )


KIND_FLAGS: dict[str, dict[str, bool]] = {
    "security": {},
    "synced": {"on_prem_synced": True},
    "dynamic": {"dynamic": True},
    "distribution": {"distribution": True},
    "mail_security": {"mail_enabled": True},
    "m365": {"mail_enabled": True},
}


def _groups(admin: User) -> None:
    for group in data.GROUPS:
        flags = KIND_FLAGS[group["kind"]]
        directory.add_group(admin, group["name"], description=group["description"],
                            on_prem_synced=flags.get("on_prem_synced", False),
                            dynamic=flags.get("dynamic", False),
                            distribution=flags.get("distribution", False),
                            mail_enabled=flags.get("mail_enabled", False))
        # Synced and dynamic groups refuse hand-made members; their members arrive as a sync would.
        if group["kind"] in ("synced", "dynamic"):
            _sync_members(group["name"], group["members"])
        else:
            for member in group["members"]:
                directory.add_member(admin, group["name"], _upn(member))


def _sync_members(group_name: str, members: list[str]) -> None:
    from desktop.models import Group, GroupMember

    with transaction():
        group = Group.get(Group.name == group_name)
        for local in members:
            GroupMember.create(group=group, user=User.get(User.upn == _upn(local)),
                               source="import")
        audit(None, "group.sync_members", group_name, {"members": len(members)})


def _apps(admin: User) -> None:
    for app in data.APPS:
        roles = [
            applications.RoleSpec(r.value, r.display_name, r.user_assignable,
                                  not r.user_assignable, r.enabled)
            for r in app["roles"]
        ]
        applications.add_application(
            admin, app["name"], publisher=app["publisher"], description=app["description"],
            origin=app["origin"], sso=app["sso"], public_client=app["public_client"],
            hidden=app["hidden"], homepage=app["homepage"], roles=roles,
        )


def _settings(admin: User) -> None:
    for s in data.SELF_SERVICE:
        selfservice.update(
            admin, s["app"], enabled=True, group=s["group"],
            require_approval=s["require_approval"],
            add_approvers=[_upn(a) for a in s["approvers"]],
            role=s["role"] if s["role"] else selfservice.UNSET,
            email_approvers=s["email_approvers"],
            approver_sets_passwords=s["approver_sets_passwords"] or None,
        )
        if not s["enabled"]:
            selfservice.update(admin, s["app"], enabled=False)


def _history(jump: Any, ref: dt.datetime) -> None:
    """Replay requests and decisions in time order, so ids and the audit log read naturally."""
    steps: list[tuple[dt.datetime, int, str, dict[str, Any]]] = []
    for index, item in enumerate(data.HISTORY):
        h: dict[str, Any] = dict(item)
        created = ref - dt.timedelta(days=h["days_ago"], hours=index % 7)
        steps.append((created, index * 2, "create", h))
        if h["outcome"] in ("approved", "denied", "cancelled") and h["decider"] is not None \
                or h["outcome"] == "cancelled":
            decided = ref - dt.timedelta(days=h["decided_days_ago"] or 0, hours=index % 5)
            decided = max(decided, created + dt.timedelta(hours=1))
            steps.append((decided, index * 2 + 1, "decide", h))
    steps.sort(key=lambda s: (s[0], s[1]))
    ids: dict[int, int] = {}
    for when, order, kind, step in steps:
        jump(when)
        index = order // 2
        requester = User.get(User.upn == _upn(step["requester"]))
        if kind == "create":
            ids[index] = requests.create_request(requester, step["app"],
                                                 step["justification"])["id"]
        elif step["outcome"] == "cancelled":
            requests.cancel(requester, ids[index])
        else:
            decider = User.get(User.upn == _upn(step["decider"]))
            if step["outcome"] == "approved":
                requests.approve(decider, ids[index], step["reason"])
            else:
                requests.deny(decider, ids[index], step["reason"])


def _history_mail_delivered() -> None:
    """The history's e-mails went out long ago; a fresh demo has an empty outbox."""
    from desktop.models import EmailOutbox

    with transaction():
        EmailOutbox.update(status="sent", sent_at=EmailOutbox.created_at, attempts=1).where(
            EmailOutbox.status == "queued").execute()


def _leavers(admin: User) -> None:
    """People who left: disabled last, so their history stays (rule 15)."""
    for person in data.PEOPLE:
        if not person["enabled"]:
            directory.update_user(admin, _upn(person["upn"]), enabled=False)


def first_admin() -> User | None:
    """The demo's first Global Administrator, who runs commands given without --as."""
    row = (User.select().join(DirectoryRoleAssignment)
           .where((DirectoryRoleAssignment.role == "global_admin") & User.enabled)
           .order_by(User.id).first())
    return row


def open_demo(path: str) -> None:
    """Open the demo directory's database, building the demo on first use: when there is no
    file yet (``create_demo_file``), or a file nobody was put in (never leave an empty
    demo.db behind)."""
    from desktop.models.schema import open_database

    target = Path(path).expanduser()
    if not target.exists() or target.stat().st_size == 0:
        create_demo_file(target)
        return
    open_database(path, init=True)
    if not User.select().exists():
        build_demo()


def create_demo_file(path: Path) -> None:
    """A new SQLite file at `path` holding the demo directory, left open. Built in a
    temporary file beside it and renamed into place once complete, so a failure (a full
    disk) leaves nothing behind: neither a half-made database nor its -wal and -shm."""
    from desktop.models.database import storage_error
    from desktop.models.schema import close_database, open_database

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.building")
    try:
        db = open_database(str(partial), init=True)
        build_demo()
        # Everything into the file itself: the WAL is not renamed with it.
        busy = db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        close_database()
        if busy or _size(partial.with_name(partial.name + "-wal")):
            raise OSError(errno.EBUSY, "the demo database could not be completed", str(partial))
        os.replace(partial, path)
    except BaseException as exc:
        close_database()
        for suffix in ("", "-wal", "-shm", "-journal"):
            partial.with_name(partial.name + suffix).unlink(missing_ok=True)
        if isinstance(exc, Exception) and isinstance(storage_error(exc), DiskFull):
            # Named after the file asked for, not the temporary one.
            raise DiskFull(f"the disk is full: the demo directory could not be built in {path}, "
                           "and nothing was left there; free some space and try again") from exc
        raise
    open_database(str(path))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


__all__ = ["auth", "build_demo", "first_admin", "open_demo"]
