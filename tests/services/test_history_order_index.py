"""Schema version 11: the decided requests' own (application_id, decided_at, id) index, a
partial one (status != 'pending'); an approver's History oldest decision first reads each
application's decided requests from it instead of stepping over his pending ones, whose
decision time is empty (issue 15 item 3)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import peewee as pw
import pytest

from desktop.models import AccessRequest, SchemaInfo
from desktop.models.schema import SCHEMA_VERSION, close_database, open_database
from desktop.services import approvals, policy, requests
from tests.conftest import is_postgres_db
from tests.services.test_migrations import fill, snapshot
from tests.services.test_to_approve_query import build

INDEX = "access_request_decided_history"


def index_definition(db: pw.Database) -> str | None:
    if is_postgres_db():
        row = db.execute_sql("SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                             (INDEX,)).fetchone()
    else:
        row = db.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                             (INDEX,)).fetchone()
    return row[0] if row else None


def test_a_new_database_has_it(db: pw.Database) -> None:
    definition = index_definition(db)
    assert definition is not None
    assert "application_id, decided_at, id" in definition
    assert "pending" in definition.split("WHERE", 1)[1]


def test_a_version_10_database_gets_it_in_its_upgrade(db_url: str, tmp_path: Path) -> None:
    db = open_database(db_url, init=True)
    fill()
    before = snapshot()
    db.execute_sql(f"DROP INDEX {INDEX}")  # as version 10 left it
    db.execute_sql("UPDATE schema_info SET version = 10")
    assert index_definition(db) is None
    close_database()

    db = open_database(db_url, init=True)

    assert SchemaInfo.get().version == SCHEMA_VERSION
    assert index_definition(db) is not None
    assert snapshot() == before


def test_history_oldest_first_reads_the_decided_index(db: pw.Database) -> None:
    """SQLite: each application's arm of History's oldest-first page is read from the
    decided requests' index (PostgreSQL's planner sorts his few thousand itself)."""
    if is_postgres_db():
        pytest.skip("the plan's words are SQLite's (EXPLAIN QUERY PLAN)")
    with db.atomic():
        users = build(random.Random(7))
        for req in AccessRequest.select().where(AccessRequest.status != "pending"):
            req.decided_at = dt.datetime(2030, 1, 1) + dt.timedelta(hours=req.id % 5)
            req.save()
    approver = max(users, key=lambda u: len(policy.deciding(u, None).applications()))
    seen: list[str] = []
    real = db.execute_sql

    def spy(sql, params=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "UNION ALL" in sql:
            seen.append("\n".join(str(r[-1]) for r in real(f"EXPLAIN QUERY PLAN {sql}",
                                                            params).fetchall()))
        return real(sql, params, *args, **kwargs)

    db.execute_sql = spy  # type: ignore[method-assign]
    try:
        rows = approvals.list_decided(approver, sort="decided_at", limit=5)
    finally:
        del db.execute_sql
    assert rows
    assert [r["decided_at"] for r in rows] == sorted(r["decided_at"] for r in rows)
    assert seen
    assert f"USING INDEX {INDEX}" in seen[0], seen
    assert requests.MOST_ARMS >= len(policy.deciding(approver, None).applications())
