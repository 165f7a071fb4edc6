"""Schema version 10: access_request's application index holds the id order, (application_id,
id), on both backends; an approver's pages merge his applications' requests from it (issue 15
item 7: PostgreSQL's planner walked the primary key and skipped everyone else's)."""

from __future__ import annotations

import random
from pathlib import Path

import peewee as pw

from desktop.models import AccessRequest, SchemaInfo, User
from desktop.models.schema import SCHEMA_VERSION, close_database, open_database
from desktop.services import policy, requests
from tests.conftest import is_postgres_db
from tests.services.test_migrations import fill, snapshot
from tests.services.test_to_approve_query import build

INDEX = "access_request_application_id"


def index_columns(db: pw.Database) -> list[str]:
    if is_postgres_db():
        rows = db.execute_sql(
            "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE c.relname = %s ORDER BY array_position(i.indkey::int2[], a.attnum)",
            (INDEX,)).fetchall()
    else:
        rows = [(r[2],) for r in db.execute_sql(f"PRAGMA index_info({INDEX})").fetchall()]
    return [r[0] for r in rows]


def test_a_new_database_has_it(db: pw.Database) -> None:
    assert index_columns(db) == ["application_id", "id"]


def test_a_version_9_database_gets_it_in_its_upgrade(db_url: str, tmp_path: Path) -> None:
    db = open_database(db_url, init=True)
    fill()
    before = snapshot()
    # As version 9 left it: the foreign key's own index, on the application alone.
    db.execute_sql(f"DROP INDEX {INDEX}")
    db.execute_sql(f"CREATE INDEX {INDEX} ON access_request (application_id)")
    db.execute_sql("UPDATE schema_info SET version = 9")
    assert index_columns(db) == ["application_id"]
    close_database()

    db = open_database(db_url, init=True)

    assert SchemaInfo.get().version == SCHEMA_VERSION
    assert index_columns(db) == ["application_id", "id"]
    assert snapshot() == before
    if not is_postgres_db():
        assert list(tmp_path.glob("*.bak"))  # upgraded with a backup, as every version


def test_a_page_to_approve_merges_the_applications_in_id_order(db: pw.Database) -> None:
    """Both backends: one arm per application read from the (application_id, id) index in id
    order and merged (SQLite's MERGE (UNION ALL), PostgreSQL's Merge Append), no sort of all
    his requests; the rows are those of the rule, in id order, both ways."""
    with db.atomic():
        users = build(random.Random(5))
    approver = max(users, key=lambda u: len(policy.deciding(u, None).applications()))
    assert len(policy.deciding(approver, None).applications()) > 1
    query = requests.request_page(approver, "to_approve", after=10**6, limit=3)
    sql, params = query.sql()
    if is_postgres_db():
        # The tables are tiny: a sequential scan is cheaper, so the plan is asked for the
        # index's way, as a large table gets it (bench/README.md, listings_pg).
        with db.atomic():
            db.execute_sql("SET LOCAL enable_seqscan = off")
            db.execute_sql("SET LOCAL enable_bitmapscan = off")
            plan = "\n".join(r[0] for r in db.execute_sql(f"EXPLAIN {sql}", params))
        assert "Merge Append" in plan, plan
        assert f"Index Scan Backward using {INDEX} " in plan, plan
    else:
        plan = "\n".join(str(r[-1]) for r in db.execute_sql(f"EXPLAIN QUERY PLAN {sql}",
                                                            params))
        assert "MERGE (UNION ALL)" in plan, plan
        assert f"USING INDEX {INDEX} (" in plan, plan
    decides = policy.deciding(approver, None)
    mine = sorted(r.id for r in AccessRequest.select(AccessRequest.id).where(
        decides.sql(approver)))
    for newest_first, expected in ((True, mine[::-1]), (False, mine)):
        seen: list[int] = []
        while True:
            page = [r.id for r in requests.request_page(
                approver, "to_approve", newest_first=newest_first,
                after=seen[-1] if seen else None, limit=4)]
            if not page:
                break
            seen += page
        assert seen == expected
    # Without a limit (every row at once) and with an offset.
    assert [r.id for r in requests.request_page(approver, "to_approve")] == mine[::-1]
    assert [r.id for r in requests.request_page(approver, "to_approve", offset=2,
                                                limit=3)] == mine[::-1][2:5]
    assert User.get_by_id(approver.id)
