"""One handler per command; each returns what to print (a view, a list and its kind, or text)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop.errors import Refused, UsageError
from desktop.models.database import parse_url
from desktop.models.schema import open_database
from desktop.paths import demo_db_path

from . import Context, _has_display, command, parse_date
from .session import read_stdin_line, resolve_url

# Windows, the tray and the tour open the demo directory unless told otherwise.
DEMO_DEFAULT = {"gui", "tray", "screenshot", "tour", "demo"}


def open_for(ctx: Context) -> None:
    import os

    if ctx.args.command == "gui" and not (ctx.args.db or os.environ.get("ACCESS_DESK_DB")):
        from desktop.ui.settings import last_database

        # The windows reopen the database used last time, else the welcome window asks.
        remembered = last_database()
        if remembered and _vanished(remembered):
            remembered = None  # moved or deleted: ask, rather than create an empty one there
        if remembered:
            open_database(remembered)
            return
        _require_display()
        from PySide6.QtCore import QTimer

        from desktop.ui.splash import close_splash
        from desktop.ui.welcome import WelcomeWindow

        QTimer.singleShot(0, close_splash)

        if WelcomeWindow.ask() is None:  # it opened the chosen database, or was closed
            ctx.args.welcome_closed = True
        return
    url = resolve_url(ctx.args.db, demo=ctx.args.command in DEMO_DEFAULT)
    if url == str(demo_db_path()):
        from desktop.demo.build import open_demo

        open_demo(url)  # made on first use, by whichever command comes first
        return
    open_database(url)


def _vanished(url: str) -> bool:
    parsed = parse_url(url)
    return parsed.kind == "sqlite" and not (parsed.path and parsed.path.exists())


def _page(ctx: Context) -> dict[str, Any]:
    return {"limit": ctx.args.limit, "offset": ctx.args.offset or 0}


def _given(**options: Any) -> dict[str, Any]:
    """The options named on the command line (argparse leaves the others None)."""
    changes = {k: v for k, v in options.items() if v is not None}
    if not changes:
        raise UsageError("nothing to change: name at least one option")
    return changes


# --- set-up --------------------------------------------------------------------------------


@command("init")
def init(ctx: Context) -> Any:
    import os

    from desktop.services import setup
    from desktop.services.policy import require_demo

    args = ctx.args
    if args.reset and not args.demo:
        raise UsageError("--reset goes with --demo")
    url = resolve_url(args.db, demo=args.demo)
    parsed = parse_url(url)
    if args.demo:
        if args.if_missing and parsed.kind == "sqlite" and parsed.path and parsed.path.exists() \
                and parsed.path.stat().st_size > 0:
            return None  # quiet, and not a byte changed: `make run` calls this every time
        setup.open_directory(parsed, init=True)
        has_people = setup.has_people()
        if has_people:
            require_demo("--demo and --reset", parsed.display())
        if has_people and not args.reset:
            return _init_view(parsed, created=False)
        if args.reset:
            from desktop.demo.scenarios import reset_demo

            # Rebuilt in place, as the Trainer menu's reset does; --as must be an administrator.
            reset_demo(actor=ctx.actor if args.as_upn else None)
        else:
            from desktop.demo.build import build_demo

            build_demo()
        return _init_view(parsed, created=True)
    setup.open_directory(parsed, init=True)
    if args.admin:
        # The same service as the welcome window's "Create a new directory".
        password = os.environ.get("ACCESS_DESK_PASSWORD")
        if not password:
            raise UsageError("set ACCESS_DESK_PASSWORD to the first administrator's password")
        return setup.first_admin(args.admin, password)
    return _init_view(parsed, created=None)


def _init_view(parsed: Any, *, created: bool | None) -> dict[str, Any]:
    """What init did, for people (key: value) and scripts (--json), on the open database."""
    from desktop.demo.build import first_admin
    from desktop.models.schema import SCHEMA_VERSION
    from desktop.services.core import is_demo

    demo = is_demo()
    admin = first_admin() if demo else None
    view: dict[str, Any] = {"database": parsed.display(), "schema": SCHEMA_VERSION,
                            "demo": demo}
    if demo:
        view["demo_built_now"] = bool(created)
        if created is False:
            view["note"] = "the demo directory was already there; init --demo --reset rebuilds it"
        view["first_admin"] = admin.upn if admin else None
        view["sign_in"] = "any enabled demo person, no password"
    return view


@command("backup")
def backup(ctx: Context) -> Any:
    from desktop.models.schema import backup_sqlite

    parsed = parse_url(resolve_url(ctx.args.db))
    if parsed.kind != "sqlite":
        raise UsageError("backup copies SQLite databases; use pg_dump for PostgreSQL")
    ctx.actor  # noqa: B018  (only signed-in people copy the database)
    target = Path(ctx.args.file)
    if target.exists():
        raise UsageError(f"{target} exists already; name a new file")
    assert parsed.path is not None
    backup_sqlite(parsed.path, target)
    return {"backup": str(target), "bytes": target.stat().st_size}


@command("whoami")
def whoami(ctx: Context) -> Any:
    from desktop.services import directory

    return directory.whoami(ctx.actor)


@command("tour")
def tour(ctx: Context) -> Any:
    from desktop.cli.tour import tour_text

    return tour_text()


# --- users and groups ----------------------------------------------------------------------


@command("users list")
def users_list(ctx: Context) -> Any:
    from desktop.services import directory

    return directory.list_users(ctx.actor, ctx.args.search, **_page(ctx)), "user"


@command("users show")
def users_show(ctx: Context) -> Any:
    from desktop.services import directory

    return directory.get_user(ctx.actor, ctx.args.upn)


@command("users add")
def users_add(ctx: Context) -> Any:
    from desktop.services import directory

    a = ctx.args
    actor = ctx.actor
    password = read_stdin_line("a password") if a.password_stdin else None
    return directory.add_user(
        actor, a.upn, a.name, mail=a.mail, department=a.department, job_title=a.job_title,
        license=a.license, roles=a.role, enabled=not a.disabled, password=password,
        user_type="guest" if a.guest else "member",
    )


@command("users set")
def users_set(ctx: Context) -> Any:
    from desktop.services import directory

    a = ctx.args
    if a.role and a.no_roles:
        raise UsageError("--role and --no-roles exclude each other")
    changes = _given(name=a.name, mail=a.mail, department=a.department, license=a.license,
                     enabled=a.enabled, roles=(a.role or []) if a.role or a.no_roles else None)
    return directory.update_user(ctx.actor, a.upn, **changes)


@command("users set-password")
def users_set_password(ctx: Context) -> Any:
    from desktop.services import auth

    actor = ctx.actor
    auth.set_password(actor, ctx.args.upn, read_stdin_line("the new password"))
    return {"upn": ctx.args.upn.lower(), "password_set": True}


@command("users passwd")
def users_passwd(ctx: Context) -> Any:
    from desktop.services import auth

    actor = ctx.actor
    old = read_stdin_line("the current password")
    new = read_stdin_line("the new password")
    auth.change_own_password(actor, old, new)
    return {"upn": actor.upn, "password_changed": True}


@command("groups list")
def groups_list(ctx: Context) -> Any:
    from desktop.services import directory

    return directory.list_groups(ctx.actor, ctx.args.search, **_page(ctx)), "group"


@command("groups add")
def groups_add(ctx: Context) -> Any:
    from desktop.services import directory

    a = ctx.args
    return directory.add_group(
        ctx.actor, a.name, description=a.description, on_prem_synced=a.on_prem_synced,
        dynamic=a.dynamic, distribution=a.distribution, mail_enabled=a.mail_enabled,
    )


@command("groups members")
def groups_members(ctx: Context) -> Any:
    from desktop.services import directory

    return directory.list_members(ctx.actor, ctx.args.name, **_page(ctx)), "user"


@command("groups add-member")
def groups_add_member(ctx: Context) -> Any:
    from desktop.services import directory

    return directory.add_member(ctx.actor, ctx.args.name, ctx.args.upn)


@command("groups remove-member")
def groups_remove_member(ctx: Context) -> Any:
    from desktop.services import directory

    return directory.remove_member(ctx.actor, ctx.args.name, ctx.args.upn)


# --- applications and self-service ---------------------------------------------------------


@command("apps list")
def apps_list(ctx: Context) -> Any:
    from desktop.services import applications

    return applications.list_applications(ctx.actor, ctx.args.search, **_page(ctx)), "app"


@command("apps show")
def apps_show(ctx: Context) -> Any:
    from desktop.services import applications

    return applications.get_application(ctx.actor, ctx.args.app)


@command("apps add")
def apps_add(ctx: Context) -> Any:
    from desktop.services import applications

    a = ctx.args
    roles = [applications.parse_role(r) for r in a.role]
    roles += [applications.parse_role(r, user_assignable=False) for r in a.app_role]
    return applications.add_application(
        ctx.actor, a.name, publisher=a.publisher, description=a.description,
        homepage=a.homepage, origin=a.origin, sso=a.sso, public_client=a.public_client,
        hidden=a.hidden, roles=roles,
    )


@command("apps set")
def apps_set(ctx: Context) -> Any:
    from desktop.services import applications

    a = ctx.args
    changes = _given(name=a.name, publisher=a.publisher, description=a.description,
                     origin=a.origin, public_client_flows=a.public_client, hidden=a.hidden)
    return applications.update_application(ctx.actor, a.app, **changes)


@command("selfservice show")
def selfservice_show(ctx: Context) -> Any:
    from desktop.services import selfservice

    return _public_settings(selfservice.show(ctx.actor, ctx.args.app))


def _public_settings(view: dict[str, Any]) -> dict[str, Any]:
    keys = ("app", "available", "unavailable_reason", "enabled", "group", "require_approval",
            "approvers", "role", "email_approvers", "approver_sets_passwords", "version")
    return {k: view[k] for k in keys}


@command("selfservice set")
def selfservice_set(ctx: Context) -> Any:
    from desktop.services import selfservice

    a = ctx.args
    role: Any = selfservice.UNSET
    if a.no_role:
        role = None
    elif a.role is not None:
        role = a.role
    view = selfservice.update(
        ctx.actor, a.app, enabled=a.enabled, group=a.group, require_approval=a.approval,
        add_approvers=a.approver, remove_approvers=a.remove_approver,
        clear_approvers=a.clear_approvers, role=role, email_approvers=a.email,
        approver_sets_passwords=a.approver_passwords, if_version=a.if_version,
    )
    return _public_settings(view)


# --- requests ------------------------------------------------------------------------------


@command("catalog")
def catalog(ctx: Context) -> Any:
    import sys

    from desktop.services import catalog as service

    rows, message = service.catalog(ctx.actor, ctx.args.search, **_page(ctx))
    if message:
        print(f"access-desk: {message}", file=sys.stderr)
    return rows, "catalog"


@command("request")
def request(ctx: Context) -> Any:
    from desktop.services import requests

    a = ctx.args
    if a.app == "show" and a.id is not None:
        return requests.show(ctx.actor, a.id)
    if a.id is not None:
        raise UsageError("request takes one application name (quote names with spaces)")
    return requests.create_request(ctx.actor, a.app, a.justification)


@command("requests")
def requests_list(ctx: Context) -> Any:
    from desktop.services import requests

    a = ctx.args
    return requests.list_requests(
        ctx.actor, a.scope or "mine", status=a.status, app=a.app, since=parse_date(a.since),
        **_page(ctx),
    ), "request"


@command("approve")
def approve(ctx: Context) -> Any:
    from desktop.services import requests

    return requests.approve(ctx.actor, ctx.args.id, ctx.args.reason)


@command("deny")
def deny(ctx: Context) -> Any:
    from desktop.services import requests

    return requests.deny(ctx.actor, ctx.args.id, ctx.args.reason)


@command("cancel")
def cancel(ctx: Context) -> Any:
    from desktop.services import requests

    return requests.cancel(ctx.actor, ctx.args.id)


@command("close")
def close(ctx: Context) -> Any:
    from desktop.services import requests

    return requests.close(ctx.actor, ctx.args.id, ctx.args.reason)


# --- access and audit ----------------------------------------------------------------------


@command("access list")
def access_list(ctx: Context) -> Any:
    from desktop.services import access

    return access.list_access(ctx.actor, ctx.args.app, **_page(ctx)), "access"


@command("access remove")
def access_remove(ctx: Context) -> Any:
    from desktop.services import access

    return access.remove_access(ctx.actor, ctx.args.app, ctx.args.upn)


@command("access role")
def access_role(ctx: Context) -> Any:
    from desktop.services import access

    return access.change_role(ctx.actor, ctx.args.app, ctx.args.upn, ctx.args.role)


@command("audit list")
def audit_list(ctx: Context) -> Any:
    from desktop.services import auditlog

    a = ctx.args
    return auditlog.list_events(
        ctx.actor, app=a.app, actor_upn=a.actor, action=a.event_action,
        since=parse_date(a.since), **_page(ctx),
    ), "audit"


@command("audit verify")
def audit_verify(ctx: Context) -> Any:
    from desktop.services import auditlog

    verdict = auditlog.verify(ctx.actor, ctx.args.since_head)  # exit 4: cannot be checked
    if not verdict.ok:
        where = f" at event {verdict.first_bad}" if verdict.first_bad else ""
        raise Refused("audit", f"the audit chain is broken{where}: {verdict.message}")
    return {"ok": True, "events": verdict.events, "message": verdict.message,
            "old_formula": list(verdict.formula_1) if verdict.formula_1 else None,
            "signed_formula": list(verdict.formula_2) if verdict.formula_2 else None,
            "checkpoints": verdict.checkpoints, "signed_to": verdict.signed_to,
            "unsigned": verdict.unsigned, "key_fingerprint": verdict.key_fingerprint,
            "holds_key": verdict.holds_key, "head": verdict.head, "notes": verdict.notes}


@command("audit head")
def audit_head(ctx: Context) -> Any:
    from desktop.services import auditlog

    return auditlog.head(ctx.actor)


@command("audit rotate-key")
def audit_rotate_key(ctx: Context) -> Any:
    from desktop.services import auditlog

    return auditlog.rotate_key(ctx.actor)


# --- export --------------------------------------------------------------------------------


def _export(ctx: Context) -> Any:
    import sys

    from desktop.services import exports

    a = ctx.args
    actor = ctx.actor
    if a.out:  # the same file as the window's File > Export writes
        return exports.write_file(actor, a.action, a.format, Path(a.out))
    exports.write(actor, a.action, a.format, sys.stdout)
    return None


for _what in ("settings", "access", "requests", "audit"):
    command(f"export {_what}")(_export)


@command("export directory")
def export_directory(ctx: Context) -> Any:
    from desktop.services import exports

    return exports.write_directory(ctx.actor, Path(ctx.args.folder), ctx.args.format)


@command("export evidence")
def export_evidence(ctx: Context) -> Any:
    from desktop.services import exports

    a = ctx.args
    start, end = parse_date(a.start), parse_date(a.end)
    assert start is not None
    assert end is not None
    return exports.evidence(ctx.actor, a.app, start, end, Path(a.out))


@command("import graph")
def import_graph(ctx: Context) -> Any:
    import sys

    from desktop.services import graph_import

    def progress(stage: str, done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{stage}: {done}/{total}   ", end="", file=sys.stderr, flush=True)

    try:
        report = graph_import.import_graph(ctx.actor, ctx.args.paths, dry_run=ctx.args.dry_run,
                                           strict=ctx.args.strict, progress=progress)
    finally:
        if sys.stderr.isatty():
            print(file=sys.stderr)
    if ctx.args.json:
        return report.as_dict()
    from .output import print_import

    print_import(report.as_dict())
    return None


# --- mail ----------------------------------------------------------------------------------


@command("mail settings")
def mail_settings(ctx: Context) -> Any:
    from desktop.services import mail

    a = ctx.args
    actor = ctx.actor
    password = read_stdin_line("the SMTP password") if a.password_stdin else None
    if all(v is None for v in (a.host, a.port, a.security, a.user, a.sender, password)):
        return mail.show_settings(actor)
    return mail.configure(actor, host=a.host, port=a.port, security=a.security, user=a.user,
                          password=password, sender=a.sender)


@command("mail test")
def mail_test(ctx: Context) -> Any:
    from desktop.services import mail

    return mail.send_test(ctx.actor, ctx.args.to)


@command("mail send")
def mail_send(ctx: Context) -> Any:
    from desktop.services import mail

    return mail.send_now(ctx.actor)


@command("mail outbox")
def mail_outbox(ctx: Context) -> Any:
    from desktop.services import mail

    return mail.outbox(ctx.actor, status=ctx.args.status, **_page(ctx)), "outbox"


# --- windows -------------------------------------------------------------------------------


def _require_display() -> None:
    if _has_display():
        return
    raise Refused("", "no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is "
                  "set): run it on a desktop, under xvfb-run, or render PNGs with "
                  "`access-desk screenshot`")


def _db_display(ctx: Context) -> str:
    from desktop.models import database_proxy

    db = database_proxy.obj
    if db is None:
        return ""
    from desktop.models.database import is_postgres

    if is_postgres(db):  # a URL the next start can reopen (never with the password)
        from desktop.demo.scenarios import url_of

        return parse_url(url_of(db)).display()
    return str(getattr(db, "database", ""))


@command("gui")
def gui(ctx: Context) -> Any:
    from desktop.errors import AccessDeskError

    _require_display()
    if getattr(ctx.args, "welcome_closed", False):
        return None  # the first-run welcome window was closed without a choice
    actor = ctx.actor if ctx.args.as_upn else None
    from desktop.ui.app import run_gui

    # The windows raise (a refusal, an unknown window) or return; the exit code is decided here.
    if run_gui(_db_display(ctx), ctx.args.window, actor) != 0:
        raise AccessDeskError("the windows closed with an error")
    return None


@command("tray")
def tray(ctx: Context) -> Any:
    _require_display()
    from desktop.ui.tray import run_tray

    code = run_tray(ctx.actor)
    if code:
        raise SystemExit(code)
    return None


@command("screenshot")
def screenshot(ctx: Context) -> Any:
    import os

    a = ctx.args
    if a.all == bool(a.window):
        raise UsageError("name one window, or --all with --out DIR")
    try:
        width, height = (int(v) for v in a.size.lower().split("x"))
    except ValueError as exc:
        raise UsageError(f"--size takes WIDTHxHEIGHT like 1280x800, not {a.size!r}") from exc
    if not (200 <= width <= 8000 and 200 <= height <= 8000):
        raise UsageError("--size must be between 200x200 and 8000x8000")
    # Screenshots never need a screen.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _quiet_offscreen_warnings()
    if a.all:
        from desktop.ui.handout import render_handout

        return render_handout(Path(a.out), (width, height))
    actor = ctx.actor
    from desktop.ui.screenshot import screenshot as render
    from desktop.ui.windows import allowed_kinds

    if a.window != "signin":
        why = allowed_kinds(actor).get(a.window)
        if why:
            raise Refused("rights table", why)
    out = render(a.window, actor, Path(a.out), (width, height))
    return {"window": a.window, "out": str(out), "size": f"{width}x{height}", "as": actor.upn}


def _quiet_offscreen_warnings() -> None:
    """The offscreen plugin warns about window-manager features it lacks; nothing is wrong."""
    import sys

    from PySide6.QtCore import qInstallMessageHandler

    harmless = ("This plugin does not support",)

    def handler(_mode: Any, _context: Any, message: str) -> None:
        if not message.startswith(harmless):
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


# --- trainer tools -------------------------------------------------------------------------


@command("demo scenarios")
def demo_scenarios(ctx: Context) -> Any:
    from desktop.demo.scenarios import list_scenarios

    return list_scenarios(), "scenario"


@command("demo scenario")
def demo_scenario(ctx: Context) -> Any:
    from desktop.demo.scenarios import as_text, require_demo, run_scenario

    require_demo()  # before any sign-in: a real directory is refused at once
    view = run_scenario(ctx.args.name, ctx.actor)
    return view if ctx.args.json else as_text(view)


# --- credentials and the data key ----------------------------------------------------------


@command("password set")
def password_set(ctx: Context) -> Any:
    from desktop.services import credentials

    actor = ctx.actor
    username = read_stdin_line("the user name")
    password = read_stdin_line("the password")
    return credentials.set_credentials(actor, ctx.args.app, ctx.args.upn, username, password)


@command("password copy")
def password_copy(ctx: Context) -> Any:
    from desktop.ui.clipboard import copy_from_terminal

    copy_from_terminal(ctx.actor, ctx.args.app, "username" if ctx.args.username else "password")
    return None


@command("key export")
def key_export(ctx: Context) -> Any:
    from desktop.services import auditchain, credentials

    fingerprint = credentials.export_data_key(ctx.actor, ctx.args.file)
    return {"file": ctx.args.file, "fingerprint": fingerprint,
            "signing_key": auditchain.current_fingerprint()}


@command("key import")
def key_import(ctx: Context) -> Any:
    from desktop.services import credentials

    fingerprint = credentials.import_data_key(ctx.actor, ctx.args.file)
    return {"file": ctx.args.file, "fingerprint": fingerprint}
