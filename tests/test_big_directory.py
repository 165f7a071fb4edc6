"""Issue 15 item 1: bench/big_directory.py writes a directory that `access-desk check` accepts
(the audit chain and its checkpoints, the search index, the kept counters, every request,
membership, assignment and setting explained by the log), the same rows for the same seed."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.models.schema import close_database

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import big_directory  # noqa: E402

TINY = {"users": 50, "apps": 20, "self_service": 10, "requests": 100, "audit": 0}
TINY["audit"] = big_directory.minimum_events(TINY) + 40


def _build(path: Path, seed: int = 1) -> Path:
    try:
        return big_directory.build(path, TINY, seed, quiet=True)
    finally:
        close_database()


def test_a_tiny_big_directory_checks_clean_and_is_the_same_for_a_seed(
        tmp_path, capsys, monkeypatch):
    first = _build(tmp_path / "a.db")
    monkeypatch.setenv("ACCESS_DESK_PASSWORD", big_directory.PASSWORD)
    try:
        code = main(["--db", str(first), "--as", big_directory.ADMIN, "check", "--json"])
    finally:
        close_database()
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert (code, err, report["problems"]) == (0, "", 0), report
    assert {c["name"]: c["status"] for c in report["checks"]} == dict.fromkeys(
        ("file", "audit", "search", "counters", "requests", "memberships", "assignments",
         "settings"), "ok")

    con = sqlite3.connect(first)
    try:
        assert con.execute("SELECT COUNT(*) FROM audit_event").fetchone()[0] == TINY["audit"]
        assert con.execute("SELECT COUNT(*) FROM access_request").fetchone()[0] == 100
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # The frequent events' details are put together by hand: the same text as core.audit.
        for (details,) in con.execute("SELECT details FROM audit_event"):
            assert big_directory._details(json.loads(details)) == details
        head = con.execute("SELECT value FROM setting WHERE key = 'audit_head'").fetchone()
    finally:
        con.close()

    again = _build(tmp_path / "b.db")
    con = sqlite3.connect(again)
    try:
        assert con.execute("SELECT value FROM setting WHERE key = 'audit_head'").fetchone() \
            == head
    finally:
        con.close()


def test_the_cache_is_never_inside_the_checkout():
    with pytest.raises(SystemExit, match="inside the checkout"):
        big_directory.cached(big_directory.ROOT / "bench" / "cache", TINY)


@pytest.mark.postgres
def test_the_same_directory_copied_into_postgresql_checks_clean_and_is_reused(
        pg_url, tmp_path, capsys, monkeypatch):
    """Issue 15 item 7: bench/bigdb.py puts the SQLite big directory into PostgreSQL through
    the project's own schema; `check` accepts it, and a second call finds it by its marker."""
    from bench import bigdb

    assert bigdb.fill_postgres(pg_url, TINY, cache=tmp_path) is True
    monkeypatch.setenv("ACCESS_DESK_PASSWORD", big_directory.PASSWORD)
    try:
        code = main(["--db", pg_url, "--as", big_directory.ADMIN, "check", "--json"])
    finally:
        close_database()
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert (code, report["problems"]) == (0, 0), report
    assert {c["name"]: c["status"] for c in report["checks"]
            if c["status"] != "skipped"} == dict.fromkeys(
        ("audit", "search", "counters", "requests", "memberships", "assignments",
         "settings"), "ok")
    assert bigdb.fill_postgres(pg_url, TINY, cache=tmp_path) is False


def test_the_listings_floor_speaks_postgresql():
    from bench import listings

    sql = listings._for_postgres(
        listings.REQUEST_SQL + "WHERE u.upn = ? AND r.id IN (SELECT 1 FROM user v)")
    assert "strftime" not in sql
    assert "?" not in sql
    assert """to_char(r.created_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')""" in sql
    assert 'JOIN "user" u ON' in sql
    assert 'FROM "user" v' in sql
    assert "WHERE u.upn = %s" in sql
