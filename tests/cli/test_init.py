"""`init`: a new database, the first Global Administrator, the demo directory and --reset."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from .conftest import LISTINGS, USER_KEYS, Cli, dump, run_cli, sql


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_database_and_first_admin(home: Path) -> None:
    path = home / "new.db"
    cli = Cli(home, path)
    created = cli.run("init")
    assert created.rc == 0, created
    assert path.exists()
    assert path.stat().st_mode & 0o077 == 0, "the database is readable by its owner only"
    assert sql(path, "SELECT count(*) FROM user") == [(0,)]
    assert sql(path, "SELECT value FROM setting WHERE key='demo'") in ([], [("0",)])
    # not a demo: nobody is signed in without --as
    cli.fails(3, "whoami", match="sign in with --as")

    # the password policy applies to the first administrator too, and nothing is created
    cli.fails(3, "init", "--admin", "Admin@Example.test", password="too-short",
              match="at least 12 characters")
    assert sql(path, "SELECT count(*) FROM user") == [(0,)]

    first = cli.run("init", "--admin", "Admin@Example.test", "--json",
                    password="a-long-password-1")
    assert first.rc == 0, first
    view = first.json
    assert set(view) == USER_KEYS
    assert view["upn"] == "admin@example.test"
    assert view["roles"] == ["global_admin"]
    assert view["enabled"] is True

    before = dump(path)
    cli.fails(3, "init", "--admin", "second@example.test", password="another-password-2",
              match="Global Administrator exists already")
    assert dump(path) == before

    # the first administrator signs in with his password (UPN in any case)
    me = cli.ok("whoami", as_upn="ADMIN@example.TEST", password="a-long-password-1")
    assert me == view


def test_demo_refused_on_a_plain_database(plain: Cli) -> None:
    before = dump(plain.db_path)
    plain.fails(3, "init", "--demo", "--reset", match="not a demo database", password=None)
    assert dump(plain.db_path) == before
    # --reset alone is a usage error
    plain.fails(2, "init", "--reset", match="--reset goes with --demo", password=None)
    # --if-missing: the file is there, so nothing happens at all
    digest = _digest(plain.db_path)
    quiet = plain.run("init", "--demo", "--if-missing", password=None)
    assert quiet.rc == 0, quiet
    assert _digest(plain.db_path) == digest


def test_demo_reset_rebuilds_the_same_directory(
        readme: Cli, demo_listings: dict[str, list[dict[str, object]]]) -> None:
    """ACCESS_DESK_DB=demo names <home>/demo.db; --reset gives what a fresh demo gives."""
    path = readme.db_path
    assert path.stat().st_mode & 0o077 == 0, "the database is readable by its owner only"
    assert readme.ok("users", "set", "alice.wu@contoso.example", "--license", "none")[
        "license"] == "none"
    # a plain `init --demo` keeps the changed demo and says how to rebuild it
    again = readme.run("init", "--demo")
    assert again.rc == 0, again
    assert "--reset" in again.stdout
    assert sql(path, "SELECT license FROM user WHERE upn='alice.wu@contoso.example'") \
        == [("none",)]

    rebuilt = readme.run("init", "--demo", "--reset")
    assert rebuilt.rc == 0, rebuilt
    assert "megan.bowen@contoso.example" in rebuilt.stdout
    for name, args in LISTINGS.items():
        assert readme.ok(*args) == demo_listings[name], name

    # --if-missing is a no-op the second time: not a byte changes
    digest = _digest(path)
    quiet = readme.run("init", "--demo", "--if-missing")
    assert quiet.rc == 0, quiet
    assert quiet.stdout.strip() == ""
    assert _digest(path) == digest


def test_foreign_and_newer_files_are_refused_untouched(home: Path, demo_template: Path) -> None:
    foreign = home / "foreign.db"
    sql(foreign, "CREATE TABLE notes (text TEXT)")
    text = home / "notes.db"
    text.write_text("not a database at all\n")
    newer = home / "newer.db"
    shutil.copy(demo_template, newer)
    sql(newer, "UPDATE schema_info SET version = 999")
    for path, message in ((foreign, "not an Access Desk database"),
                          (text, "not an Access Desk database"),
                          (newer, "written by a newer Access Desk")):
        digest = _digest(path)
        r = run_cli(home, "init" if path is foreign else "whoami", db=str(path))
        assert r.rc == 4, r
        assert message in r.stderr
        assert _digest(path) == digest, path


def test_a_directory_or_a_device_is_refused_as_a_database(home: Path) -> None:
    for path in (home, Path("/dev/null"), Path("/dev/zero")):
        r = run_cli(home, "whoami", db=str(path))
        assert r.rc == 4, r
        assert "is not a database file" in r.stderr


def test_the_demo_directory_is_made_on_first_use_by_any_command(
        home: Path, demo_listings: dict[str, list[dict[str, object]]]) -> None:
    """`--db demo` on a fresh machine finds the demo, whichever command comes first; it
    never leaves an empty demo.db that `init --demo --if-missing` (make run) would keep."""
    assert not (home / "demo.db").exists()
    listed = run_cli(home, *LISTINGS["users"], "--json", db="demo")
    assert listed.rc == 0, listed
    assert listed.json == demo_listings["users"]
    quiet = run_cli(home, "init", "--demo", "--if-missing", db="demo")
    assert (quiet.rc, quiet.stdout.strip()) == (0, "")
    apps = run_cli(home, *LISTINGS["apps"], "--json", db="demo")
    assert apps.json == demo_listings["apps"]
