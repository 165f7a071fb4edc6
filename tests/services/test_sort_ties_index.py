"""Schema version 12: on PostgreSQL the long lists' sort indexes end with the id, the lists'
tie-break (SQLite's end with the rowid, the id, by themselves): people sorted by license or
requests by status read a page from the index instead of sorting a third of the table
(issue 15 item 3)."""

from __future__ import annotations

import peewee as pw

from desktop.models import SchemaInfo
from desktop.models.schema import _SORTED_COLUMNS, SCHEMA_VERSION, close_database, open_database
from tests.conftest import is_postgres_db
from tests.services.test_migrations import fill, snapshot


def definitions(db: pw.Database) -> dict[str, str]:
    if is_postgres_db():
        rows = db.execute_sql("SELECT indexname, indexdef FROM pg_indexes "
                              "WHERE indexname LIKE '%%\\_sort'").fetchall()
    else:
        rows = db.execute_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                              "AND name LIKE '%\\_sort' ESCAPE '\\'").fetchall()
    return dict(rows)


def test_a_new_database_sorts_ties_by_id(db: pw.Database) -> None:
    found = definitions(db)
    for table, column, _expression in _SORTED_COLUMNS:
        definition = found[f"{table}_{column}_sort"]
        # PostgreSQL is told; SQLite's index holds the rowid (the id) after the column.
        assert definition.rstrip(")").endswith(", id") == is_postgres_db(), definition
    if is_postgres_db():
        assert found["access_request_status_sort"].endswith("(status, id)")


def test_a_version_11_database_gets_them_in_its_upgrade(db_url: str) -> None:
    db = open_database(db_url, init=True)
    fill()
    before = snapshot()
    if is_postgres_db():  # as version 11 left them: the column alone
        db.execute_sql("DROP INDEX access_request_status_sort")
        for table, column, expression in _SORTED_COLUMNS:
            db.execute_sql(f"DROP INDEX {table}_{column}_sort")
            db.execute_sql(f'CREATE INDEX {table}_{column}_sort ON "{table}" ({expression})')
    db.execute_sql("UPDATE schema_info SET version = 11")
    close_database()

    db = open_database(db_url, init=True)

    assert SchemaInfo.get().version == SCHEMA_VERSION == 12
    found = definitions(db)
    assert all(found[f"{t}_{c}_sort"].rstrip(")").endswith(", id") == is_postgres_db()
               for t, c, _e in _SORTED_COLUMNS)
    assert ("access_request_status_sort" in found) == is_postgres_db()
    assert snapshot() == before
