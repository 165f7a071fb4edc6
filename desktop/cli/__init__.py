"""The command line: argparse over the services, JSON with --json, exit codes from the errors."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from desktop import logs
from desktop.errors import AccessDeskError, NotSignedIn, Refused, UsageError
from desktop.services.validators import MAX_ARGUMENT

from . import output
from .parser import build_parser

log = logging.getLogger("desktop.cli")

# `init` opens the database itself (it may create or upgrade a shared schema).
SELF_OPENING = {"init", "serve"}


def parse_date(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"{text!r} is not a date like 2026-11-02 or 2026-11-02T09:00:00Z") from exc
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


class Context:
    """What a command handler gets: the parsed arguments and, lazily, the signed-in user and
    the backend its use cases run on (the services in process, or an Access Desk server)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._actor: Any = None
        self._backend: Any = None
        self.server: str | None = None  # the server's URL in team mode

    @property
    def actor(self) -> Any:
        if self.server:
            raise UsageError(f"`{self.args.command}` runs where the database is, not through "
                             "a server: run it on the server's host with --db")
        if self._actor is None:
            from .session import sign_in

            self._actor = sign_in(self.args.as_upn)
        return self._actor

    @property
    def backend(self) -> Any:
        if self._backend is None:
            if self.server:
                from .remote import connect

                self._backend = connect(self.server, self.args.as_upn)
            else:
                from desktop.api.backend import LocalBackend

                self._backend = LocalBackend(lambda: self.actor)
        return self._backend

    def sign_in(self) -> None:
        """Sign in now (before reading secrets from stdin, as the contract orders it)."""
        if self.server:
            self.backend  # noqa: B018 - connecting signs in
        else:
            self.actor  # noqa: B018

    def call(self, operation: str, /, **params: Any) -> Any:
        return self.backend.call(operation, **params)

    def close(self) -> None:
        if self._backend is not None and getattr(self._backend, "remote", False):
            from .remote import disconnect

            disconnect(self._backend)


Handler = Callable[[Context], Any]
HANDLERS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn
    return register


# Column output of a long listing shows this many rows unless --limit says otherwise.
DEFAULT_LIMIT = 100
# The "… N more" line counts at most this many rows beyond those (a bounded cost).
COUNT_AT_MOST = 100_000


class Listing:
    """A listing that may be long (requests, audit events): its rows are read from the
    backend a page at a time (keyset paging) and written as they come, so memory stays flat
    at any size. `--json` is one bare array, `--jsonl` one object a line; columns stop at
    DEFAULT_LIMIT rows unless --limit is given, with a line on stderr saying how many more."""

    def __init__(self, ctx: Context, operation: str, count: str, kind: str,
                 **filters: Any) -> None:
        self.ctx, self.operation, self.count, self.kind = ctx, operation, count, kind
        self.filters = filters

    def rows(self, limit: int | None) -> Any:
        a = self.ctx.args
        return _guarded(self.ctx.backend.iterate(self.operation, **self.filters, limit=limit,
                                                 offset=a.offset or 0))

    def emit(self) -> None:
        a = self.ctx.args
        if a.json or a.jsonl:
            writer = output.write_json_lines if a.jsonl else output.write_json_rows
            writer(self.rows(a.limit))
            return
        if a.limit is not None:
            output.print_table(self.rows(a.limit), self.kind)
            return
        import itertools

        rows = self.rows(DEFAULT_LIMIT + 1)
        shown = output.print_table(itertools.islice(rows, DEFAULT_LIMIT), self.kind)
        if next(rows, None) is None:
            return
        offset = a.offset or 0
        total = self.ctx.call(self.count, **self.filters,
                              at_most=offset + shown + COUNT_AT_MOST)
        more = total - offset - shown
        many = f"over {COUNT_AT_MOST:,}" if more >= COUNT_AT_MOST else f"{more:,}"
        sys.stdout.flush()
        print(f"… {many} more; use --limit or --json", file=sys.stderr)


def _guarded(rows: Any) -> Any:
    """The rows; a database that stops answering midway is exit 4 (the output so far is
    incomplete), not an internal error. Through a server nothing here imports peewee: a
    remote client never loads the models."""
    count = 0
    try:
        for row in rows:
            yield row
            count += 1
    except Exception as exc:
        peewee = sys.modules.get("peewee")  # loaded only where a database was opened
        if peewee is None or not isinstance(exc, (peewee.DatabaseError, peewee.InterfaceError)):
            raise  # OperationalError is a DatabaseError too
        from desktop.errors import DatabaseUnusable
        from desktop.models.database import storage_error

        known = storage_error(exc)
        if known is not None:
            raise known from exc
        if not count:
            raise DatabaseUnusable(f"the database cannot be read ({exc})") from exc
        raise DatabaseUnusable(f"the database stopped answering after {count:,} rows "
                               f"({exc}); the output is incomplete") from exc


def emit(ctx: Context, result: Any, kind: str | None = None) -> None:
    """Print a result: JSON with --json, else columns (lists) or key: value (objects)."""
    if result is None:
        return
    if isinstance(result, Listing):
        result.emit()
        return
    if getattr(ctx.args, "json", False):
        output.print_json(result)
    elif isinstance(result, list):
        output.print_table(result, kind or "")
    elif isinstance(result, dict):
        output.print_object(result)
    else:
        print(result)


def _defer_postgres_driver(args: argparse.Namespace) -> None:
    """Start faster on SQLite: peewee imports an installed PostgreSQL driver at once (~80 ms
    of a ~250 ms start), so keep it out when the database is known to be SQLite. Not when the
    windows start with nothing named: the first-run window may still connect to PostgreSQL."""
    import os

    url = args.db or os.environ.get("ACCESS_DESK_DB")
    if not url and args.command == "gui":
        from PySide6.QtCore import QSettings

        url = str(QSettings("access-desk", "access-desk").value("database/last") or "")
        if not url:
            return
    # Anything but a PostgreSQL URL is SQLite, the default database included.
    if not (url or "").startswith(("postgresql://", "postgres://")) \
            and "peewee" not in sys.modules:
        for driver in ("psycopg", "psycopg2"):
            sys.modules.setdefault(driver, None)  # type: ignore[arg-type]


def _has_display() -> bool:
    import os

    return bool(os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY")
                or os.environ.get("WAYLAND_DISPLAY"))




def _argument_problem(argv: Sequence[str]) -> str | None:
    """Why the raw arguments cannot be read (bytes that are not UTF-8, absurd lengths)."""
    for position, arg in enumerate(argv, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return f"argument {position} is not valid UTF-8 text"
        if len(arg) > MAX_ARGUMENT:
            return (f"argument {position} is {len(arg):,} characters long; at most "
                    f"{MAX_ARGUMENT:,} are accepted")
    return None


# Commands that open no database of their own (login and logout talk to a server).
NO_DATABASE = {"login", "logout"}
# Where commands run in team mode: these only beside the database (the server's host), the
# rest anywhere (the windows, the tray and screenshots too).
HOST_ONLY = {"init", "backup", "key", "serve", "demo", "tour"}


def _server(args: argparse.Namespace) -> str | None:
    """The server named by --server or ACCESS_DESK_SERVER; an option wins over either
    variable, and naming both a database and a server is a usage error."""
    import os

    if args.db and args.server:
        raise UsageError("give --db (a database) or --server (an Access Desk server), not both")
    if args.command in ("login", "logout") and args.db:
        raise UsageError(f"{args.command} signs in to a server: give --server URL, not --db")
    if args.db:
        return None
    if args.server:
        return str(args.server)
    env_server, env_db = os.environ.get("ACCESS_DESK_SERVER"), os.environ.get("ACCESS_DESK_DB")
    if env_server and env_db:
        raise UsageError("ACCESS_DESK_SERVER and ACCESS_DESK_DB are both set: unset one, or "
                         "name one with --server or --db")
    if args.command in ("login", "logout") and not env_server:
        raise UsageError(f"{args.command} needs --server URL (or ACCESS_DESK_SERVER)")
    return env_server or None


def _require_remote(key: str) -> None:
    command_word = key.split()[0]
    if command_word in HOST_ONLY or key in HOST_ONLY:
        raise UsageError(f"`{key}` runs on the server's host (with --db), not through "
                         "--server")


def _drop_unwritable_stdout() -> None:
    """When standard output cannot take what is left in its buffer (a full disk), send the
    rest to /dev/null: Python would else fail again at exit, with a report of its own."""
    import os

    try:
        sys.stdout.flush()
    except OSError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass  # not a real file (a test's capture): nothing is flushed at exit


def main(argv: Sequence[str] | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    problem = _argument_problem(raw)
    if problem:
        print(f"access-desk: {problem}", file=sys.stderr)
        return 2
    parser = build_parser()
    args = parser.parse_args(raw)
    if not args.command:  # a usage error: one line on stderr, stdout stays empty
        print("access-desk: name a command (access-desk --help lists them)", file=sys.stderr)
        return 2
    logs.setup(args.debug)
    _defer_postgres_driver(args)
    if args.command == "gui" and _has_display():
        # Paint something before the database and the rules load (~100 ms of imports).
        from desktop.ui.splash import show_splash

        show_splash()
    elif args.command in ("gui", "tray"):
        # Qt first: PySide6's import hook reads every module loaded before it; desktop.ui
        # makes its check of the modules loaded after it cheap.
        import desktop.ui  # noqa: F401
    key = args.command + (f" {args.action}" if getattr(args, "action", None) else "")
    ctx = Context(args)
    from . import commands  # noqa: F401  (registers the handlers)

    handler = HANDLERS.get(key) or HANDLERS.get(args.command)
    if handler is None:
        parser.error(f"unknown command {key!r}")
    try:
        ctx.server = _server(args)
        if ctx.server:
            _require_remote(key)
        elif args.command not in SELF_OPENING and args.command not in NO_DATABASE:
            commands.open_for(ctx)
        result = handler(ctx)
        if isinstance(result, tuple):
            emit(ctx, result[0], result[1])
        else:
            emit(ctx, result)
        sys.stdout.flush()  # here, not at exit: a full disk under stdout is an error of ours
        log.info("%s by %s: done", key, getattr(ctx._actor, "upn", "-"))
        return 0
    except AccessDeskError as exc:
        log.info("%s by %s: exit %d: %s", key, getattr(ctx._actor, "upn", "-"), exc.exit_code,
                 exc)
        message = str(exc)
        if ctx.server and isinstance(exc, NotSignedIn) and ctx._backend is not None:
            from .remote import forget_ended

            if forget_ended(ctx._backend):
                message += " (the kept token was forgotten; run login again)"
        print(f"access-desk: {output.one_line(logs.mask(message))}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # `| head` closed the pipe: not an error of ours
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("access-desk: interrupted", file=sys.stderr)
        return 130
    except UnicodeError as exc:  # text read from stdin or a file that is not UTF-8
        log.info("%s: unreadable input: %s", key, exc)
        print("access-desk: the input is not valid UTF-8 text",
              file=sys.stderr)
        return 2
    except Exception as exc:  # an internal error: one line, the traceback in the log
        from desktop.models.database import storage_error

        known = storage_error(exc)  # a full disk, a damaged database: exit 4, not a bug
        if known is not None:
            log.warning("%s: %s", key, known)
            _drop_unwritable_stdout()
            print(f"access-desk: {output.one_line(logs.mask(str(known)))}", file=sys.stderr)
            return known.exit_code
        log.exception("%s: internal error", key)
        if args.debug:
            import traceback

            print(logs.mask(traceback.format_exc()), file=sys.stderr)
        message = output.one_line(logs.mask(f"{type(exc).__name__}: {exc}"))
        print(f"access-desk: internal error ({message}); details in {logs.log_file()}",
              file=sys.stderr)
        return 1
    finally:
        ctx.close()


__all__ = ["Refused", "main"]
