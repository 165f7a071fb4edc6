"""A batch's rows are inserted with one plan on PostgreSQL (every row planned afresh made a
bulk decision's inserts 3-4x slower), and only inside that transaction: searches keep a plan
made for their own words (``database.connect``'s force_custom_plan)."""

from __future__ import annotations

import datetime as dt

import peewee as pw
import pytest

from desktop.models import Change
from desktop.services.core import insert_rows, transaction
from tests.conftest import is_postgres_db


def plan_mode(db: pw.Database) -> str:
    return str(db.execute_sql("SHOW plan_cache_mode").fetchone()[0])


def test_inserted_rows_are_all_there_and_searches_plan_afresh_after(db: pw.Database) -> None:
    if not is_postgres_db():
        pytest.skip("SQLite plans each statement once anyway")
    at = dt.datetime(2026, 12, 4, 12, 0)
    assert plan_mode(db) == "force_custom_plan"
    with transaction():
        insert_rows(Change, [{"topic": "requests", "entity_id": i, "at": at} for i in range(50)])
        assert plan_mode(db) == "auto"  # this transaction's statements: one plan each
    assert plan_mode(db) == "force_custom_plan"  # after it, as every connection's
    rows = Change.select().where(Change.at == at).order_by(Change.entity_id)
    assert [r.entity_id for r in rows] == list(range(50))
