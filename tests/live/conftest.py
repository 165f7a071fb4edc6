"""Fixtures for the live-update tests: a SQLite file database (several connections see it)."""

from __future__ import annotations

from collections.abc import Iterator

import peewee as pw
import pytest

from desktop.live import LiveFeed


@pytest.fixture
def db(sqlite_db: pw.Database) -> pw.Database:
    """Live updates are about one file shared by connections and processes: SQLite only here."""
    return sqlite_db


@pytest.fixture
def feed(qtbot: object, db: pw.Database) -> Iterator[LiveFeed]:
    live = LiveFeed(interval_ms=50)
    live.start()
    yield live
    live.stop()
