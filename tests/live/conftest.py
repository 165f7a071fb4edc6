"""Fixtures for the live-update tests: a SQLite file database (several connections see it)."""

from __future__ import annotations

import peewee as pw
import pytest


@pytest.fixture
def db(sqlite_db: pw.Database) -> pw.Database:
    """Live updates are about one file shared by connections and processes: SQLite only here."""
    return sqlite_db
