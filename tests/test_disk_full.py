"""A full disk (issue 17 item 14): one line saying "the disk is full", exit 4, nothing half made.

No tiny file system here: SQLite's `PRAGMA max_page_count` gives the real SQLITE_FULL, a
patched commit gives what SQLite does when the disk fills at COMMIT (it ends the transaction
itself, and peewee's ROLLBACK then fails), a patched write raises OSError(ENOSPC), and
/dev/full takes the command line's output.
"""

from __future__ import annotations

import errno
import sqlite3
import subprocess
import sys
from pathlib import Path

import peewee as pw
import pytest

from desktop.cli import main
from desktop.errors import DiskFull, for_people
from desktop.models import Setting, database_proxy
from desktop.models import database as database_module
from desktop.models.database import storage_error, write_transaction
from desktop.models.schema import close_database, open_database

DEMO_ADMIN = "megan.bowen@contoso.example"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The command line in this process; returns (exit code, stdout, the stderr line)."""
    try:
        code = main(list(args))
    finally:
        close_database()
    out, err = capsys.readouterr()
    return code, out, err.strip()


def page_count() -> int:
    return int(database_proxy.obj.execute_sql("PRAGMA page_count").fetchone()[0])


@pytest.fixture
def demo_file(_demo_sqlite_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo.db"
    target.write_bytes(_demo_sqlite_template.read_bytes())
    return target


def fill_up(path: Path) -> int:
    """Fill the file's free space (a table of blobs) up to its pages; returns the pages."""
    con = sqlite3.connect(path)
    try:
        con.execute("CREATE TABLE filler (x BLOB)")
        con.commit()
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        con.execute(f"PRAGMA max_page_count = {pages}")
        for size in (1000, 100, 10):
            try:
                while True:
                    con.execute("INSERT INTO filler VALUES (randomblob(?))", (size,))
                    con.commit()
            except sqlite3.OperationalError:
                con.rollback()
        return int(pages)
    finally:
        con.close()


def test_sqlite_full_during_a_write_exits_4_with_one_line(demo_file, capsys, monkeypatch):
    # The file may not grow by a page: the next write that needs one fails with SQLITE_FULL.
    monkeypatch.setitem(database_module.SQLITE_PRAGMAS, "max_page_count", fill_up(demo_file))
    for i in range(40):  # the pages' last free bytes take a few
        code, out, err = run(capsys, "--db", str(demo_file), "users", "add",
                             f"new.person{i}@contoso.example", "--name", "N" * 200,
                             "--department", "D" * 200, "--job-title", "J" * 200)
        if code:
            break
    assert code == 4, err
    assert err.startswith("access-desk: the disk is full")
    assert str(demo_file) in err
    assert "\n" not in err
    assert out == ""
    monkeypatch.undo()
    open_database(str(demo_file))
    try:  # nothing of it was kept
        from desktop.models import User

        assert not User.select().where(User.upn == f"new.person{i}@contoso.example").exists()
    finally:
        close_database()


def test_a_commit_the_disk_refuses_is_not_reported_as_a_failed_rollback(sqlite_db,
                                                                        monkeypatch):
    def full_commit() -> None:
        sqlite_db.execute_sql("ROLLBACK")  # what SQLite does by itself on SQLITE_FULL
        raise pw.OperationalError("database or disk is full")

    monkeypatch.setattr(sqlite_db, "commit", full_commit)
    with pytest.raises(DiskFull, match="^the disk is full") as caught, write_transaction():
        Setting.create(key="full", value="disk")
    assert "cannot rollback" not in str(caught.value)
    assert for_people(caught.value).startswith("The disk is full")
    monkeypatch.undo()
    assert Setting.get_or_none(Setting.key == "full") is None
    with write_transaction():  # the connection is fine afterwards
        Setting.create(key="after", value="ok")
    assert Setting.get(Setting.key == "after").value == "ok"


def test_a_nested_write_on_a_full_disk_raises_disk_full_once(sqlite_db, monkeypatch):
    monkeypatch.setitem(database_module.SQLITE_PRAGMAS, "max_page_count", 1)
    sqlite_db.execute_sql(f"PRAGMA max_page_count = {page_count()}")
    with pytest.raises(DiskFull), write_transaction(), write_transaction():
        Setting.insert_many([{"key": f"k{i}", "value": "v" * 2000}
                             for i in range(50)]).execute()
    sqlite_db.execute_sql("PRAGMA max_page_count = 1073741823")
    assert not Setting.select().where(Setting.key.startswith("k")).exists()


def test_init_demo_on_a_full_disk_leaves_nothing_behind(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "fresh"
    # Room for the tables, not for the demo directory.
    monkeypatch.setitem(database_module.SQLITE_PRAGMAS, "max_page_count", 90)
    code, out, err = run(capsys, "--db", str(folder / "demo.db"), "init", "--demo")
    assert code == 4, err
    assert err == (f"access-desk: the disk is full: the demo directory could not be built in "
                   f"{folder / 'demo.db'}, and nothing was left there; free some space and "
                   "try again")
    assert list(folder.iterdir()) == []  # no demo.db, no -wal, no -shm, no temporary file
    monkeypatch.undo()
    code, out, err = run(capsys, "--db", str(folder / "demo.db"), "init", "--demo", "--json")
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == ["demo.db"]


def test_an_os_write_refused_for_no_space_exits_4(demo_file, capsys, monkeypatch):
    from desktop.cli import output

    def no_space(*_args, **_kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output, "print_table", no_space)
    code, out, err = run(capsys, "--db", str(demo_file), "users", "list")
    assert (code, err) == (4, "access-desk: the disk is full: the output could not be "
                           "written; free some space and try again")


def test_storage_errors_are_recognised_in_one_place():
    class PgDiskFull(Exception):
        sqlstate = "53100"

    assert isinstance(storage_error(OSError(errno.ENOSPC, "full", "/x/out.csv")), DiskFull)
    assert "/x/out.csv" in str(storage_error(OSError(errno.EDQUOT, "quota", "/x/out.csv")))
    assert "database server" in str(storage_error(pw.OperationalError(PgDiskFull("full"))))
    assert storage_error(OSError(errno.EACCES, "denied")) is None
    assert storage_error(pw.OperationalError("no such table: x")) is None
    hidden = pw.OperationalError("cannot rollback - no transaction is active")
    hidden.__context__ = pw.OperationalError("database or disk is full")
    assert isinstance(storage_error(hidden), DiskFull)
    # Windows say it in the same words.
    assert for_people(pw.OperationalError("database or disk is full")).startswith(
        "The disk is full")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_output_to_a_full_device_exits_4_in_one_line(demo_file, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "ACCESS_DESK_HOME": str(tmp_path / "home")}
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "desktop", "--db", str(demo_file),
                               "users", "list"], stdout=full, stderr=subprocess.PIPE,
                              text=True, env=env, timeout=60)
    assert proc.returncode == 4, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "access-desk: the disk is full: the output could not be written; free some space "
        "and try again"]
