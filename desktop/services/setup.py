"""Setting up a directory, for `access-desk init` and the welcome window alike: a database
opened (and created or upgraded), a new SQLite directory with its first Global Administrator,
a shared PostgreSQL database probed before anything is changed."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from desktop.errors import AccessDeskError, UsageError
from desktop.models import User
from desktop.models.database import DatabaseUrl, connect, parse_url
from desktop.models.schema import SCHEMA_VERSION, close_database, open_database, stored_version

from .views import View


def open_directory(url: str | DatabaseUrl, *, init: bool) -> str:
    """Open the database (init: create or upgrade its schema); returns how it is shown."""
    parsed = parse_url(url) if isinstance(url, str) else url
    open_database(parsed, init=init)
    return parsed.display()


def open_url(url: str) -> None:
    """Open a database named as the command line names it: the demo directory's file is built
    on first use, any other must exist (or be made by init)."""
    from desktop.paths import demo_db_path

    if url in ("demo", str(demo_db_path())):
        from desktop.demo.build import open_demo

        open_demo(str(demo_db_path()))
        return
    open_database(url)


def has_people() -> bool:
    """Whether the open database already holds a directory (anyone at all)."""
    return bool(User.select().exists())


def check_first_admin(upn: str, password: str, confirm: str | None = None) -> str:
    """The first administrator's name and password, checked before anything is created;
    returns the user name without its surrounding spaces. `confirm`: the password typed
    again, where a form asks for it."""
    from . import validators
    from .passwords import check_strength

    if not upn.strip():
        raise UsageError("enter the first Global Administrator's user name, like "
                         "you@example.com")
    validators.upn(upn)
    if confirm is not None and password != confirm:
        raise UsageError("the two passwords differ")
    check_strength(password)
    return upn.strip()


def first_admin(upn: str, password: str) -> View:
    """The first Global Administrator of the open, empty directory."""
    from .auth import create_first_admin

    return create_first_admin(upn, password)


def create_directory(path: str, upn: str, password: str, confirm: str | None = None) -> View:
    """A new SQLite directory with its first Global Administrator; refused when the file
    already holds a directory. Returns the administrator; the new database stays open."""
    path = path.strip()
    if not path:
        raise UsageError("choose where the directory's database file goes")
    upn = check_first_admin(upn, password, confirm)  # before a file is made
    target = Path(path).expanduser()
    if target.exists() and target.stat().st_size > 0:
        open_database(str(target))
        taken = has_people()
        close_database()
        if taken:
            raise UsageError(f"{target} already holds a directory: choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    open_database(str(target), init=True)
    return first_admin(upn, password)


# --- a shared PostgreSQL database -----------------------------------------------------------


def postgres_url(url: str, password: str = "") -> str:
    """The URL with the password put in (it is typed apart, and never remembered)."""
    url = url.strip()
    if not url.startswith(("postgresql://", "postgres://")):
        raise UsageError("a PostgreSQL URL starts with postgresql://, like "
                         "postgresql://you@db.example.com:5432/accessdesk")
    parsed = parse_url(url)
    if not password or parsed.password:
        return url
    if not parsed.user:
        raise UsageError("name the database user in the URL: postgresql://USER@host/db")
    rest = url.split("://", 1)[1].split("@", 1)[1]
    return f"postgresql://{quote(parsed.user, safe='')}:{quote(password, safe='')}@{rest}"


@dataclass
class Probe:
    """What a test connection found: `version` None means no Access Desk schema yet."""

    display: str
    version: int | None
    people: int
    current: int

    @property
    def needs_init(self) -> bool:
        return self.version is None or self.version < self.current

    def explain(self) -> str:
        if self.version is None:
            return (f"Connected to {self.display}. It has no Access Desk tables yet: "
                    "Create and connect makes them (what `access-desk init` does). The other "
                    "desktops of your team then connect to the same URL and share it.")
        if self.version < self.current:
            return (f"Connected to {self.display}. Its Access Desk schema is version "
                    f"{self.version}; this program uses {self.current}. Upgrade and connect "
                    "upgrades it for everyone: every desktop of the team then needs this "
                    "version of Access Desk.")
        who = f"{self.people} people" if self.people != 1 else "1 person"
        return f"Connected to {self.display}: an Access Desk directory with {who}."


def probe(url: str) -> Probe:
    """Connect, read the schema version and count the people; changes nothing."""
    # A wrong host should not freeze a window for minutes (libpq's own variable).
    os.environ.setdefault("PGCONNECT_TIMEOUT", "5")
    parsed = parse_url(url)
    db = connect(parsed)
    try:
        db.connect(reuse_if_open=True)
    except Exception as exc:  # noqa: BLE001 - any driver error is shown as it is
        raise AccessDeskError(f"cannot connect to {parsed.display()}: {exc}".strip()) from exc
    try:
        version = stored_version(db)
        people = User.select().count() if version is not None else 0
    finally:
        db.close()
    return Probe(parsed.display(), version, people, SCHEMA_VERSION)


__all__ = ["Probe", "check_first_admin", "create_directory", "first_admin", "has_people",
           "open_directory", "postgres_url", "probe"]
