"""The command line: argparse over the services, JSON with --json, exit codes from the errors."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from desktop import logs
from desktop.errors import AccessDeskError, Refused, UsageError

from . import output
from .parser import build_parser

log = logging.getLogger("desktop.cli")

# `init` opens the database itself (it may create or upgrade a shared schema).
SELF_OPENING = {"init"}


def parse_date(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"{text!r} is not a date like 2026-11-02 or 2026-11-02T09:00:00Z") from exc
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


class Context:
    """What a command handler gets: the parsed arguments and, lazily, the signed-in user."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._actor: Any = None

    @property
    def actor(self) -> Any:
        if self._actor is None:
            from .session import sign_in

            self._actor = sign_in(self.args.as_upn)
        return self._actor


Handler = Callable[[Context], Any]
HANDLERS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn
    return register


def emit(ctx: Context, result: Any, kind: str | None = None) -> None:
    """Print a result: JSON with --json, else columns (lists) or key: value (objects)."""
    if result is None:
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


# Characters in one argument: more than any name, UPN, reason, path or search needs, and far
# below what SQLite refuses to match (a LIKE pattern of 50,000 bytes).
MAX_ARGUMENT = 4096


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
    key = args.command + (f" {args.action}" if getattr(args, "action", None) else "")
    ctx = Context(args)
    from . import commands  # noqa: F401  (registers the handlers)

    handler = HANDLERS.get(key) or HANDLERS.get(args.command)
    if handler is None:
        parser.error(f"unknown command {key!r}")
    try:
        if args.command not in SELF_OPENING:
            commands.open_for(ctx)
        result = handler(ctx)
        if isinstance(result, tuple):
            emit(ctx, result[0], result[1])
        else:
            emit(ctx, result)
        log.info("%s by %s: done", key, getattr(ctx._actor, "upn", "-"))
        return 0
    except AccessDeskError as exc:
        log.info("%s by %s: exit %d: %s", key, getattr(ctx._actor, "upn", "-"), exc.exit_code,
                 exc)
        print(f"access-desk: {output.one_line(logs.mask(str(exc)))}", file=sys.stderr)
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
        log.exception("%s: internal error", key)
        if args.debug:
            import traceback

            print(logs.mask(traceback.format_exc()), file=sys.stderr)
        message = output.one_line(logs.mask(f"{type(exc).__name__}: {exc}"))
        print(f"access-desk: internal error ({message}); details in {logs.log_file()}",
              file=sys.stderr)
        return 1


__all__ = ["Refused", "main"]
