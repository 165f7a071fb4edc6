"""One handler per command; each returns what to print (a view, a list and its kind, or text)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop.errors import DatabaseUnusable, Refused, UsageError
from desktop.paths import demo_db_path

from . import Context, Listing, _has_display, command, parse_date
from .session import read_stdin_line, resolve_url

# Windows, the tray and the tour open the demo directory unless told otherwise.
DEMO_DEFAULT = {"gui", "tray", "screenshot", "tour", "demo"}


def parse_url(url: str) -> Any:
    from desktop.models.database import parse_url as parse

    return parse(url)


def open_database(url: str) -> None:
    from desktop.models.schema import open_database as open_it

    open_it(url)


def open_for(ctx: Context) -> None:
    import os

    if ctx.args.command == "gui" and not (ctx.args.db or os.environ.get("ACCESS_DESK_DB")):
        from desktop.ui.settings import last_database, last_server

        # The windows go back to the server or database used last time, else the welcome
        # window asks.
        server = last_server()
        problem = None
        if server is not None:
            url, upn = server[0], ctx.args.as_upn or server[1]
            server = (url, upn)
            problem = _start_on_server(ctx, url, upn)
            if problem is None:
                return  # no database here: the windows talk to the server
        else:
            remembered = last_database()
            if remembered and _vanished(remembered):
                remembered = None  # moved or deleted: ask, rather than create an empty one there
            if remembered:
                try:
                    open_database(remembered)
                    return
                except DatabaseUnusable as exc:
                    # Its password changed, its team moved to a server, its host is gone: the
                    # welcome window says so and offers the other ways in.
                    problem = str(exc)
        _require_display()
        from PySide6.QtCore import QTimer

        from desktop.ui.splash import close_splash
        from desktop.ui.welcome import WelcomeWindow

        QTimer.singleShot(0, close_splash)

        # It opened the chosen database, or signed in to a server, or was closed.
        chosen = WelcomeWindow.ask(problem=problem) if server is None else \
            WelcomeWindow.ask(problem=problem, server=server)
        if chosen is None:
            ctx.args.welcome_closed = True
        elif not isinstance(chosen, str):
            _use_server(ctx, chosen)
        return
    url = resolve_url(ctx.args.db, demo=ctx.args.command in DEMO_DEFAULT)
    if url == str(demo_db_path()):
        from desktop.demo.build import open_demo

        open_demo(url)  # made on first use, by whichever command comes first
        return
    open_database(url)


def _start_on_server(ctx: Context, url: str, upn: str | None) -> str | None:
    """Go back to the server used last time with the token kept for him: then `gui` runs the
    windows on it (no database opened, the database layer not even loaded). Else why not,
    for the welcome window to say above his server's page: his session ended (the token is
    forgotten), he signed out, the server cannot be reached or is not the one trusted."""
    from desktop.errors import AccessDeskError, NotSignedIn
    from desktop.remote import trust
    from desktop.remote.client import RemoteBackend

    try:
        backend = RemoteBackend(url)
    except AccessDeskError as exc:  # not a server address (any more)
        return str(exc)
    kept = trust.token(backend.url, upn)
    if kept is None:
        backend.close()
        return f"you are signed out of {backend.url}; sign in again"
    backend.token = kept[1]
    try:
        backend.desk()  # the first call: an ended session is found here, not in a window
    except NotSignedIn as exc:
        trust.forget_token(backend.url, kept[0])
        backend.close()
        return str(exc)
    except AccessDeskError as exc:
        backend.close()
        return str(exc)
    _use_server(ctx, backend, kept[0])
    return None


def _use_server(ctx: Context, backend: Any, upn: str | None = None) -> None:
    """`gui` runs the windows on this signed-in backend, as with --server URL (a token that
    ends meanwhile is forgotten on the way out, as the command line forgets it)."""
    backend.kept_upn = upn or str(backend.desk()["upn"])
    ctx.server, ctx._backend = backend.url, backend


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


def _warned(view: dict[str, Any]) -> dict[str, Any]:
    """The view without its "warnings" (a name mixing scripts), each printed on stderr as one
    line: the change was made, the person should look at it."""
    import sys

    from .output import one_line

    for warning in view.pop("warnings", []):
        print(f"access-desk: warning: {one_line(warning)}", file=sys.stderr)
    return view


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
        if parsed.kind == "sqlite" and parsed.path and (
                not parsed.path.exists() or parsed.path.stat().st_size == 0):
            from desktop.demo.build import create_demo_file

            # Built beside it and renamed when complete: a full disk leaves no half demo.
            create_demo_file(parsed.path)
            return _init_view(parsed, created=True)
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


@command("check")
def check(ctx: Context) -> Any:
    """The report on stdout; exit 3 when it found problems, 4 when the file is damaged."""
    from desktop.errors import DatabaseDamaged
    from desktop.services import check as service

    from . import emit

    report = service.run(ctx.actor)
    emit(ctx, report if ctx.args.json else service.as_text(report))
    if report["damaged"]:
        raise DatabaseDamaged(f"the database {report['database']} is damaged: restore your "
                              "latest backup (made with access-desk backup FILE) in its place")
    if not report["ok"]:
        count = report["problems"]
        raise Refused("", f"check found {count} problem{'s' if count != 1 else ''} "
                      "(listed above)")
    return None


@command("whoami")
def whoami(ctx: Context) -> Any:
    return ctx.call("whoami")


@command("tour")
def tour(ctx: Context) -> Any:
    from desktop.cli.tour import tour_text

    return tour_text()


# --- users and groups ----------------------------------------------------------------------


@command("users list")
def users_list(ctx: Context) -> Any:
    return ctx.call("users.list", search=ctx.args.search, **_page(ctx)), "user"


@command("users show")
def users_show(ctx: Context) -> Any:
    return ctx.call("users.show", upn=ctx.args.upn)


@command("users add")
def users_add(ctx: Context) -> Any:
    a = ctx.args
    ctx.sign_in()
    password = read_stdin_line("a password") if a.password_stdin else None
    return _warned(ctx.call(
        "users.add", upn=a.upn, name=a.name, mail=a.mail, department=a.department,
        job_title=a.job_title, license=a.license, roles=a.role, enabled=not a.disabled,
        password=password, user_type="guest" if a.guest else "member",
    ))


@command("users set")
def users_set(ctx: Context) -> Any:
    a = ctx.args
    if a.role and a.no_roles:
        raise UsageError("--role and --no-roles exclude each other")
    changes = _given(name=a.name, mail=a.mail, department=a.department, license=a.license,
                     enabled=a.enabled, roles=(a.role or []) if a.role or a.no_roles else None)
    return _warned(ctx.call("users.set", upn=a.upn, **changes))


@command("users set-password")
def users_set_password(ctx: Context) -> Any:
    ctx.sign_in()
    return ctx.call("users.set_password", upn=ctx.args.upn,
                    password=read_stdin_line("the new password"))


@command("users passwd")
def users_passwd(ctx: Context) -> Any:
    ctx.sign_in()
    old = read_stdin_line("the current password")
    new = read_stdin_line("the new password")
    return ctx.call("users.passwd", old=old, new=new)


@command("groups list")
def groups_list(ctx: Context) -> Any:
    return ctx.call("groups.list", search=ctx.args.search, **_page(ctx)), "group"


@command("groups add")
def groups_add(ctx: Context) -> Any:
    a = ctx.args
    return _warned(ctx.call(
        "groups.add", name=a.name, description=a.description, on_prem_synced=a.on_prem_synced,
        dynamic=a.dynamic, distribution=a.distribution, mail_enabled=a.mail_enabled,
    ))


@command("groups members")
def groups_members(ctx: Context) -> Any:
    return ctx.call("groups.members", group_name=ctx.args.name, **_page(ctx)), "user"


@command("groups add-member")
def groups_add_member(ctx: Context) -> Any:
    return ctx.call("groups.add_member", group_name=ctx.args.name, upn=ctx.args.upn)


@command("groups remove-member")
def groups_remove_member(ctx: Context) -> Any:
    return ctx.call("groups.remove_member", group_name=ctx.args.name, upn=ctx.args.upn)


# --- applications and self-service ---------------------------------------------------------


@command("apps list")
def apps_list(ctx: Context) -> Any:
    return ctx.call("apps.list", search=ctx.args.search, **_page(ctx)), "app"


@command("apps show")
def apps_show(ctx: Context) -> Any:
    return ctx.call("apps.show", app_name=ctx.args.app)


@command("apps add")
def apps_add(ctx: Context) -> Any:
    a = ctx.args
    return _warned(ctx.call(
        "apps.add", name=a.name, publisher=a.publisher, description=a.description,
        homepage=a.homepage, origin=a.origin, sso=a.sso, public_client=a.public_client,
        hidden=a.hidden, roles=a.role, app_roles=a.app_role,
    ))


@command("apps set")
def apps_set(ctx: Context) -> Any:
    a = ctx.args
    changes = _given(name=a.name, publisher=a.publisher, description=a.description,
                     origin=a.origin, public_client_flows=a.public_client, hidden=a.hidden)
    return _warned(ctx.call("apps.set", app_name=a.app, **changes))


@command("selfservice show")
def selfservice_show(ctx: Context) -> Any:
    return ctx.call("selfservice.show", app_name=ctx.args.app)


@command("selfservice set")
def selfservice_set(ctx: Context) -> Any:
    a = ctx.args
    return ctx.call(
        "selfservice.set", app_name=a.app, enabled=a.enabled, group=a.group,
        require_approval=a.approval, add_approvers=a.approver or None,
        remove_approvers=a.remove_approver or None, clear_approvers=a.clear_approvers or None,
        role=a.role, no_role=a.no_role or None, email_approvers=a.email,
        approver_sets_passwords=a.approver_passwords, expire_after=a.expire_after,
        remind_after=a.remind_after, escalate_after=a.escalate_after,
        add_escalation_approvers=a.escalation_approver or None,
        remove_escalation_approvers=a.remove_escalation_approver or None,
        clear_escalation_approvers=a.clear_escalation_approvers or None,
        reason_to_approve=a.reason_to_approve, access_lasts=a.access_lasts,
        end_reminder_days=a.end_reminder, if_version=a.if_version,
    )


# --- requests ------------------------------------------------------------------------------


@command("catalog")
def catalog(ctx: Context) -> Any:
    import sys

    view = ctx.call("catalog", search=ctx.args.search, **_page(ctx))
    if view["message"]:
        print(f"access-desk: {view['message']}", file=sys.stderr)
    return view["rows"], "catalog"


@command("request")
def request(ctx: Context) -> Any:
    a = ctx.args
    if a.app == "show" and a.id is not None:
        return ctx.call("request.show", request_id=a.id)
    if a.id is not None:
        raise UsageError("request takes one application name (quote names with spaces)")
    return ctx.call("request.create", app_name=a.app, justification=a.justification,
                    extend=a.extend)


@command("requests")
def requests_list(ctx: Context) -> Any:
    a = ctx.args
    return Listing(ctx, "requests.list", "requests.count", "request", scope=a.scope or "mine",
                   status=a.status, app=a.app, since=parse_date(a.since))


@command("approve")
def approve(ctx: Context) -> Any:
    return ctx.call("request.approve", request_id=ctx.args.id, reason=ctx.args.reason)


@command("deny")
def deny(ctx: Context) -> Any:
    return ctx.call("request.deny", request_id=ctx.args.id, reason=ctx.args.reason)


@command("cancel")
def cancel(ctx: Context) -> Any:
    return ctx.call("request.cancel", request_id=ctx.args.id)


@command("close")
def close(ctx: Context) -> Any:
    return ctx.call("request.close", request_id=ctx.args.id, reason=ctx.args.reason)


# --- access and audit ----------------------------------------------------------------------


@command("access list")
def access_list(ctx: Context) -> Any:
    return ctx.call("access.list", app_name=ctx.args.app, **_page(ctx)), "access"


@command("access remove")
def access_remove(ctx: Context) -> Any:
    return ctx.call("access.remove", app_name=ctx.args.app, upn=ctx.args.upn)


@command("access role")
def access_role(ctx: Context) -> Any:
    return ctx.call("access.role", app_name=ctx.args.app, upn=ctx.args.upn,
                    role_value=ctx.args.role)


@command("access extend")
def access_extend(ctx: Context) -> Any:
    a = ctx.args
    return ctx.call("access.extend", app_name=a.app, upn=a.upn, days=a.days, until=a.until)


@command("access end")
def access_end(ctx: Context) -> Any:
    return ctx.call("access.end", app_name=ctx.args.app, upn=ctx.args.upn)


# --- approvers who are away (rule 19) ----------------------------------------------------------


def _away(ctx: Context, view: Any) -> Any:
    from desktop.services.away import describe

    return view if ctx.args.json else describe(view)


@command("away set")
def away_set(ctx: Context) -> Any:
    a = ctx.args
    return _away(ctx, ctx.call("away.set", upn=a.for_upn, starts=a.starts, ends=a.ends,
                               delegate=a.delegate))


@command("away clear")
def away_clear(ctx: Context) -> Any:
    return _away(ctx, ctx.call("away.clear", upn=ctx.args.for_upn))


@command("away show")
def away_show(ctx: Context) -> Any:
    return _away(ctx, ctx.call("away.show", upn=ctx.args.for_upn))


# --- access reviews (rule 20) -----------------------------------------------------------------


@command("review start")
def review_start(ctx: Context) -> Any:
    a = ctx.args
    return ctx.call("reviews.start", app_name=a.app, days=a.days, until=a.until,
                    reviewers=a.reviewers, unreviewed=a.unreviewed, recurrence=a.recurrence)


@command("review list")
def review_list(ctx: Context) -> Any:
    a = ctx.args
    return ctx.call("reviews.list", app=a.app, status=a.status, mine=a.mine,
                    **_page(ctx)), "review"


@command("review show")
def review_show(ctx: Context) -> Any:
    view = ctx.call("reviews.show", review_id=ctx.args.id)
    if ctx.args.json:
        return view
    from .output import print_object, print_table

    print_object({k: v for k, v in view.items() if k != "items"})
    print()
    print_table(view["items"], "review_item")
    return None


@command("review decide")
def review_decide(ctx: Context) -> Any:
    a = ctx.args
    return ctx.call("reviews.decide", review_id=a.id, upns=a.upns, decision=a.decision,
                    reason=a.reason)


@command("review export")
def review_export(ctx: Context) -> Any:
    import sys

    from desktop.files import replacing
    from desktop.services.exports import _write_rows

    rows = ctx.call("reviews.export", review_id=ctx.args.id)
    if not ctx.args.out:
        _write_rows(iter(rows), "csv", sys.stdout)
        return None
    with replacing(Path(ctx.args.out), encoding="utf-8-sig") as out:
        _write_rows(iter(rows), "csv", out)
    return {"review": ctx.args.id, "out": ctx.args.out, "rows": len(rows)}


@command("review cancel")
def review_cancel(ctx: Context) -> Any:
    return ctx.call("reviews.cancel", review_id=ctx.args.id)


@command("audit list")
def audit_list(ctx: Context) -> Any:
    a = ctx.args
    return Listing(ctx, "audit.list", "audit.count", "audit", app=a.app, actor_upn=a.actor,
                   action=a.event_action, since=parse_date(a.since))


@command("audit verify")
def audit_verify(ctx: Context) -> Any:
    if ctx.server:
        from .transfer import verify_audit

        return verify_audit(ctx)
    import sys

    if not sys.stderr.isatty():
        return ctx.call("audit.verify", since_head=ctx.args.since_head)
    from desktop.services import auditchain

    from .transfer import status

    ctx.sign_in()  # before the progress line: a password prompt stays readable
    with status() as show, auditchain.progress(
            lambda done, total: show(f"Verifying the audit log: {done:,} of {total:,} "
                                     f"events checked")):
        return ctx.call("audit.verify", since_head=ctx.args.since_head)


@command("audit head")
def audit_head(ctx: Context) -> Any:
    return ctx.call("audit.head")


@command("audit rotate-key")
def audit_rotate_key(ctx: Context) -> Any:
    return ctx.call("audit.rotate_key")


# --- export --------------------------------------------------------------------------------


def _export(ctx: Context) -> Any:
    import sys

    from desktop.services import exports

    from .transfer import export_progress

    a = ctx.args
    if ctx.server:  # the server writes it; the bytes come here as they are
        return _export_from_server(ctx)
    actor = ctx.actor
    # A terminal is told how far it got (on stderr; not when the export itself is printed
    # there, nor in a pipe or a log).
    with export_progress(a.action, shown=bool(a.out) or not sys.stdout.isatty()) as progress:
        if a.out:  # the same file as the window's File > Export writes
            return exports.write_file(actor, a.action, a.format, Path(a.out), progress)
        exports.write(actor, a.action, a.format, sys.stdout, progress)
    return None


def _export_from_server(ctx: Context) -> Any:
    import sys

    from desktop.remote import transfer

    from .transfer import download_progress

    a = ctx.args
    ctx.sign_in()
    if not a.out:
        ctx.backend.download("export.download", sys.stdout.buffer, kind=a.action,
                             format=a.format, for_file=False)
        return None
    with download_progress("Exporting on the server") as received:
        view = transfer.export_file(ctx.backend, a.action, a.format, Path(a.out), received)
    return {**view, "out": a.out}


for _what in ("settings", "access", "requests", "audit"):
    command(f"export {_what}")(_export)


@command("export directory")
def export_directory(ctx: Context) -> Any:
    if ctx.server:  # the server writes the files; they come here as a zip, unpacked as is
        from . import transfer

        return transfer.export_directory(ctx)
    from desktop.services import exports

    return exports.write_directory(ctx.actor, Path(ctx.args.folder), ctx.args.format)


@command("export evidence")
def export_evidence(ctx: Context) -> Any:
    a = ctx.args
    start, end = parse_date(a.start), parse_date(a.end)
    assert start is not None
    assert end is not None
    if ctx.server:  # the server writes and signs the bundle; its bytes come here
        from . import transfer

        return transfer.export_evidence(ctx, start, end)
    from desktop.services import exports

    return exports.evidence(ctx.actor, a.app, start, end, Path(a.out))


@command("import graph")
def import_graph(ctx: Context) -> Any:
    if ctx.server:  # the files go up as a zip; the server imports them
        from . import transfer

        view = transfer.import_graph(ctx)
    else:
        view = _import_here(ctx)
    if ctx.args.json:
        return view
    from .output import print_import

    print_import(view)
    return None


def _import_here(ctx: Context) -> dict[str, Any]:
    import sys

    from desktop.services import graph_import

    shown = sys.stderr.isatty()  # a bar for a person watching; nothing in a pipe or a log

    def progress(stage: str, done: int, total: int) -> None:
        if shown:
            print("\r" + graph_import.progress_line(stage, done, total), end="",
                  file=sys.stderr, flush=True)

    try:
        report = graph_import.import_graph(ctx.actor, ctx.args.paths, dry_run=ctx.args.dry_run,
                                           strict=ctx.args.strict, progress=progress)
    finally:
        if shown:
            print("\r\033[K", end="", file=sys.stderr, flush=True)  # the bar goes
    return report.as_dict()


# --- mail ----------------------------------------------------------------------------------


@command("mail settings")
def mail_settings(ctx: Context) -> Any:
    a = ctx.args
    ctx.sign_in()
    password = read_stdin_line("the SMTP password") if a.password_stdin else None
    if all(v is None for v in (a.host, a.port, a.security, a.user, a.sender, password)):
        return ctx.call("mail.settings")
    return ctx.call("mail.configure", host=a.host, port=a.port, security=a.security,
                    user=a.user, password=password, sender=a.sender)


@command("mail test")
def mail_test(ctx: Context) -> Any:
    return ctx.call("mail.test", to=ctx.args.to)


@command("mail send")
def mail_send(ctx: Context) -> Any:
    return ctx.call("mail.send")


@command("mail outbox")
def mail_outbox(ctx: Context) -> Any:
    return ctx.call("mail.outbox", status=ctx.args.status, **_page(ctx)), "outbox"


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
    from desktop.ui.settings import forget_server, remember_server  # not the welcome window

    if ctx.server:  # signed in with the kept token or --as: the windows talk to the server
        actor, where = ctx.backend, ctx.server
        kept = getattr(actor, "kept_upn", None)
        if kept and not getattr(actor, "ephemeral", False):
            remember_server(actor.url, kept)  # the next plain `gui` starts here again
    else:
        actor, where = (ctx.actor if ctx.args.as_upn else None), _db_display(ctx)
        forget_server()  # a database was used last: the next plain `gui` reopens it
    from desktop.ui.app import run_gui

    # The windows raise (a refusal, an unknown window) or return; the exit code is decided here.
    if run_gui(where, ctx.args.window, actor) != 0:
        raise AccessDeskError("the windows closed with an error")
    return None


@command("tray")
def tray(ctx: Context) -> Any:
    _require_display()
    from desktop.ui.tray import run_tray

    code = run_tray(ctx.backend if ctx.server else ctx.actor)
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
        if ctx.server:
            raise UsageError("--all photographs the demo directory on this machine; through "
                             "a server, name one window")
        from desktop.ui.handout import render_handout

        return render_handout(Path(a.out), (width, height))
    # Through a server the window is built on the signed-in backend, as `gui` builds it.
    actor = ctx.backend if ctx.server else ctx.actor
    from desktop.api.backend import as_backend
    from desktop.ui.screenshot import screenshot as render
    from desktop.ui.windows import allowed_kinds

    if a.window != "signin":
        why = allowed_kinds(actor).get(a.window)
        if why:
            raise Refused("rights table", why)
    elif ctx.server:
        raise UsageError("the sign-in window belongs to a database; through a server, "
                         "photograph admin, myapps or approvals")
    out = render(a.window, actor, Path(a.out), (width, height))
    return {"window": a.window, "out": str(out), "size": f"{width}x{height}",
            "as": as_backend(actor).desk()["upn"]}


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


@command("demo jump")
def demo_jump(ctx: Context) -> Any:
    from desktop.services.governance import describe_sweep, jump
    from desktop.services.policy import require_demo

    require_demo("jumping the clock")  # before any sign-in: a real directory is refused
    view = jump(ctx.actor, ctx.args.by)
    if ctx.args.json:
        return view
    return (f"The demo's clock is now {view['offset_days']:g} days ahead ({view['now']}).\n"
            + describe_sweep(view["sweep"]))


@command("time-zone show")
def time_zone_show(ctx: Context) -> Any:
    view = ctx.call("time_zone.show")
    return view if ctx.args.json else view["time_zone"]


@command("time-zone set")
def time_zone_set(ctx: Context) -> Any:
    view = ctx.call("time_zone.set", time_zone=ctx.args.zone)
    if ctx.args.json:
        return view
    return (f"The directory's time zone is now {view['time_zone']}." if view["changed"]
            else f"The directory's time zone was already {view['time_zone']}.")


@command("sweep")
def sweep(ctx: Context) -> Any:
    from desktop.services.governance import describe_sweep

    view = ctx.call("sweep")
    return view if ctx.args.json else describe_sweep(view)




# --- credentials and the data key ----------------------------------------------------------


@command("password set")
def password_set(ctx: Context) -> Any:
    ctx.sign_in()
    username = read_stdin_line("the user name")
    password = read_stdin_line("the password")
    return ctx.call("password.set", app=ctx.args.app, upn=ctx.args.upn, username=username,
                    password=password)


@command("password copy")
def password_copy(ctx: Context) -> Any:
    from desktop import logs
    from desktop.ui.clipboard import copy_from_terminal

    what = "username" if ctx.args.username else "password"
    ctx.sign_in()

    def read() -> str:
        secret = str(ctx.call("password.read", app=ctx.args.app, what=what)[what])
        logs.register_secret(secret)
        return secret

    copy_from_terminal(read, ctx.args.app, what)
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


@command("key rotate")
def key_rotate(ctx: Context) -> Any:
    from desktop.services import credentials

    return credentials.rotate_data_key(ctx.actor)


# --- team mode -----------------------------------------------------------------------------


@command("serve")
def serve(ctx: Context) -> Any:
    from desktop.server.serve import ServeOptions, require_server_packages, run

    require_server_packages()
    a = ctx.args
    return run(ServeOptions(
        url=resolve_url(a.db), bind=a.bind, tls_cert=a.tls_cert, tls_key=a.tls_key,
        self_signed=a.self_signed, workers=a.workers, check=a.check,
        trusted_proxies=",".join(a.trusted_proxy), max_upload=a.max_upload))


@command("login")
def login(ctx: Context) -> Any:
    from .remote import login as sign_in

    assert ctx.server
    return sign_in(ctx.server, ctx.args.as_upn, ctx.args.fingerprint)


@command("logout")
def logout(ctx: Context) -> Any:
    from .remote import logout as sign_out

    assert ctx.server
    return sign_out(ctx.server, ctx.args.as_upn)


@command("sessions list")
def sessions_list(ctx: Context) -> Any:
    return ctx.call("sessions.list", upn=ctx.args.upn, **_page(ctx)), "session"


@command("sessions revoke")
def sessions_revoke(ctx: Context) -> Any:
    return ctx.call("sessions.revoke", session_id=ctx.args.id)
