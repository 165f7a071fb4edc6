"""Opening the database named on the command line and signing the caller in."""

from __future__ import annotations

import getpass
import os
import sys
from typing import TYPE_CHECKING

from desktop import logs
from desktop.errors import NotSignedIn
from desktop.paths import default_db_url, demo_db_path

if TYPE_CHECKING:
    from desktop.models import User


def resolve_url(db: str | None, *, demo: bool = False) -> str:
    """--db first, then ACCESS_DESK_DB, then demo.db (for --demo and the windows) or the default.

    The word `demo` names the demo directory's database wherever a URL is taken.
    """
    url = db or os.environ.get("ACCESS_DESK_DB")
    if url == "demo" or (not url and demo):
        return str(demo_db_path())
    return url or default_db_url()


def read_password(upn: str) -> str | None:
    """ACCESS_DESK_PASSWORD, or a prompt only when stdin is a terminal (never a piped stdin)."""
    env = os.environ.get("ACCESS_DESK_PASSWORD")
    if env is not None:
        logs.register_secret(env)
        return env
    if sys.stdin is not None and sys.stdin.isatty():
        value = getpass.getpass(f"Password for {upn}: ")
        logs.register_secret(value)
        return value
    return None


def sign_in(as_upn: str | None) -> User:
    from desktop.demo.build import first_admin
    from desktop.services import auth
    from desktop.services.core import is_demo

    if as_upn:
        password = None if is_demo() else read_password(as_upn)
        return auth.sign_in(as_upn, password)
    if is_demo():
        admin = first_admin()
        if admin is not None:
            return admin
    raise NotSignedIn("sign in with --as UPN (the password comes from ACCESS_DESK_PASSWORD "
                      "or a prompt)")


def read_stdin_line(what: str) -> str:
    line = sys.stdin.readline()
    if not line:
        from desktop.errors import UsageError

        raise UsageError(f"expected {what} on standard input")
    value = line.rstrip("\r\n")
    logs.register_secret(value)
    return value
