"""The command line as a subprocess: a demo and a plain database built once, copied per test.

`cli.run(...)` runs `python -m desktop` with ACCESS_DESK_HOME set to the test's own folder,
ACCESS_DESK_DB and ACCESS_DESK_PASSWORD unset unless given, and standard input closed unless
fed. Every run checks the contract's error channel: no traceback, and an error is one line on
standard error (usage errors too).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DEMO_ADMIN = "megan.bowen@contoso.example"
PLAIN_ADMIN = "admin@example.test"
ADMIN_PASSWORD = "admin-password-0001"
CAROL_PASSWORD = "carol-password-0002"
DAVE_PASSWORD = "dave-password-00003"
LISTINGS = {"users": ("users", "list"), "apps": ("apps", "list"),
            "requests": ("requests", "--all")}
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
TIMEOUT = 60
KEEP: Any = object()

USER_KEYS = {"upn", "name", "mail", "department", "license", "roles", "enabled",
             "user_type", "external_user_state"}
REQUEST_KEYS = {"id", "app", "requester", "status", "justification", "created_at",
                "decided_by", "decided_for", "decided_at", "reason", "kind"}
SETTINGS_KEYS = {"app", "available", "unavailable_reason", "enabled", "group",
                 "require_approval", "approvers", "role", "email_approvers",
                 "approver_sets_passwords", "version",
                 # rules 16-18
                 "expire_days", "remind_days", "escalate_days", "escalation_approvers",
                 "reason_to_approve", "access_days", "access_until", "end_reminder_days"}
# Rules 16-18 as `selfservice show` says they are when none is used.
GOVERNANCE_OFF = {"expire_days": None, "remind_days": None, "escalate_days": None,
                  "escalation_approvers": [], "reason_to_approve": False, "access_days": None,
                  "access_until": None, "end_reminder_days": 7}
ACCESS_KEYS = {"user", "group", "role", "since", "via_request", "until"}
APP_KEYS = {"id", "name", "publisher", "origin", "sso", "public_client", "hidden",
            "self_service", "roles"}
ROLE_KEYS = {"value", "name", "user_assignable", "enabled"}
CATALOG_KEYS = APP_KEYS | {"state", "requires_approval", "approvers", "reason", "access_lasts"}
GROUP_KEYS = {"id", "name", "on_prem_synced", "dynamic", "security_enabled", "mail_enabled",
              "members"}


def upn(local: str) -> str:
    return f"{local}@contoso.example"


@dataclass
class Result:
    args: tuple[str, ...]
    rc: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def error(self) -> str:
        """The one error line, without the program's prefix."""
        return self.stderr.strip().removeprefix("access-desk: ")

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return (f"Result(args={self.args!r}, rc={self.rc}, stdout={self.stdout[:2000]!r}, "
                f"stderr={self.stderr!r})")


def base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCESS_DESK_")}
    env["ACCESS_DESK_HOME"] = str(home)
    return env


def run_cli(home: Path, *args: str, db: str | None = None, as_upn: str | None = None,
            password: str | None = None, stdin: str | None = None,
            env: dict[str, str] | None = None) -> Result:
    """`python -m desktop [--db DB] [--as UPN] ARGS...`; checks stderr is one clean line."""
    full = [sys.executable, "-m", "desktop"]
    if db is not None:
        full += ["--db", db]
    if as_upn is not None:
        full += ["--as", as_upn]
    full += list(args)
    environment = base_env(home)
    if password is not None:
        environment["ACCESS_DESK_PASSWORD"] = password
    environment.update(env or {})
    proc = subprocess.run(
        full, env=environment, capture_output=True, text=True, encoding="utf-8",
        timeout=TIMEOUT,
        input=stdin, stdin=subprocess.DEVNULL if stdin is None else None,
    )
    result = Result(tuple(args), proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout, result
    lines = proc.stderr.strip().splitlines()
    if proc.returncode != 0:
        assert len(lines) == 1, result
        assert lines[0].startswith("access-desk: "), result
    if proc.returncode == 0:
        assert len(lines) <= 1, result
    return result


class Cli:
    """One test's home folder and database; `run` defaults to that database."""

    def __init__(self, home: Path, db_path: Path, *, as_upn: str | None = None,
                 password: str | None = None, env: dict[str, str] | None = None) -> None:
        self.home = home
        self.db_path = db_path
        self.as_upn = as_upn
        self.password = password
        self.env = env or {}

    @property
    def db(self) -> str:
        return str(self.db_path)

    def run(self, *args: str, as_upn: Any = KEEP, password: Any = KEEP,
            db: str | None = None, **kw: Any) -> Result:
        """`as_upn`/`password` default to the Cli's own; None leaves them out. With
        ACCESS_DESK_DB in the Cli's environment no --db is given."""
        env = {**self.env, **kw.pop("env", {})}
        if db is None and "ACCESS_DESK_DB" not in env:
            db = self.db
        return run_cli(self.home, *args, db=db, env=env,
                       as_upn=self.as_upn if as_upn is KEEP else as_upn,
                       password=self.password if password is KEEP else password, **kw)

    def ok(self, *args: str, **kw: Any) -> Any:
        """Run with --json, expect exit 0, return the parsed output."""
        result = self.run(*args, "--json", **kw)
        assert result.rc == 0, result
        return result.json

    def fails(self, rc: int, *args: str, match: str | None = None, **kw: Any) -> Result:
        """Run, expect exit `rc` and, when given, `match` (case-insensitive) on stderr."""
        result = self.run(*args, **kw)
        assert result.rc == rc, result
        assert result.stdout.strip() == "", result
        if match is not None:
            assert match.lower() in result.stderr.lower(), result
        return result

    def log_text(self) -> str:
        logs = self.home / "logs"
        return "".join(p.read_text(encoding="utf-8", errors="replace")
                       for p in sorted(logs.glob("*")) if p.is_file())


# --- comparing databases ------------------------------------------------------------------


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table except sign_in_failure, sorted."""
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
                for t in sorted(tables) if t != "sign_in_failure"}
    finally:
        con.close()


def sql(path: Path, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(path)
    try:
        with con:
            return con.execute(statement, params).fetchall()
    finally:
        con.close()


# --- templates ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`init --demo` once; the demo.db file is copied for each test."""
    home = tmp_path_factory.mktemp("demo-template")
    result = run_cli(home, "init", "--demo")
    assert result.rc == 0, result
    path = home / "demo.db"
    assert path.exists()
    return path


@pytest.fixture(scope="session")
def plain_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A non-demo database: a first Global Administrator (init --admin), Carol (p1, with a
    password), Bob (p1, no password yet) and Dave (disabled, with a password)."""
    home = tmp_path_factory.mktemp("plain-template")
    path = home / "plain.db"
    db = str(path)
    r = run_cli(home, "init", "--admin", PLAIN_ADMIN, db=db, password=ADMIN_PASSWORD)
    assert r.rc == 0, r
    for local, extra, secret in (("carol", ["--license", "p1"], CAROL_PASSWORD),
                                 ("bob", ["--license", "p1"], None),
                                 ("dave", ["--disabled"], DAVE_PASSWORD)):
        args = ["users", "add", f"{local}@example.test", "--name", local.title(), *extra]
        if secret:
            args.append("--password-stdin")
        r = run_cli(home, *args, db=db, as_upn=PLAIN_ADMIN, password=ADMIN_PASSWORD,
                    stdin=f"{secret}\n" if secret else None)
        assert r.rc == 0, r
    return path


@pytest.fixture
def demo(tmp_path: Path, demo_template: Path) -> Cli:
    """A copy of the demo directory as the test's demo.db; commands run as its first admin."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(demo_template, home / "demo.db")
    return Cli(home, home / "demo.db")


@pytest.fixture(scope="session")
def demo_listings(tmp_path_factory: pytest.TempPathFactory,
                  demo_template: Path) -> dict[str, list[dict[str, Any]]]:
    """`users list`, `apps list` and `requests --all` of a fresh demo, read once."""
    home = tmp_path_factory.mktemp("demo-listings")
    shutil.copy(demo_template, home / "demo.db")
    cli = Cli(home, home / "demo.db")
    return {name: cli.ok(*args) for name, args in LISTINGS.items()}


@pytest.fixture
def readme(tmp_path: Path, demo_template: Path) -> Cli:
    """The demo as README.md's tour uses it: ACCESS_DESK_DB=demo, no --db."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(demo_template, home / "demo.db")
    return Cli(home, home / "demo.db", env={"ACCESS_DESK_DB": "demo"})


@pytest.fixture
def plain(tmp_path: Path, plain_template: Path) -> Cli:
    """A copy of the plain database; commands sign in as its administrator by default."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(plain_template, home / "plain.db")
    return Cli(home, home / "plain.db", as_upn=PLAIN_ADMIN, password=ADMIN_PASSWORD)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path

