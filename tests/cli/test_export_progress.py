"""`access-desk export ...` tells a terminal how far it got, on standard error; nothing in a
pipe or a log, and the file written is the same either way."""

from __future__ import annotations

import json
import sys
from typing import Any

from .conftest import Cli


def _export(demo: Cli, out: str) -> int:
    from desktop.cli import main
    from desktop.models.schema import close_database

    try:
        return main(["--db", str(demo.db), "export", "audit", "--out", out])
    finally:
        close_database()


def test_export_shows_progress_on_a_terminal_only(demo: Cli, monkeypatch: Any, capsys: Any,
                                                  tmp_path: Any) -> None:
    from desktop.cli import transfer
    from desktop.models import AuditEvent
    from desktop.models.schema import close_database, open_database
    from desktop.services import exports

    monkeypatch.setattr(exports, "PROGRESS_ROWS", 50)
    monkeypatch.setattr(transfer, "REDRAW", 0)
    monkeypatch.setenv("ACCESS_DESK_HOME", str(demo.home))
    assert _export(demo, str(tmp_path / "piped.json")) == 0
    piped = capsys.readouterr()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert _export(demo, str(tmp_path / "shown.json")) == 0
    shown = capsys.readouterr()
    assert piped.err == ""  # not a terminal: nothing
    open_database(str(demo.db))
    try:
        events = AuditEvent.select().count() - 1  # the second export's own event came after
    finally:
        close_database()
    assert f"\r\033[KExporting audit events: 50 of {events:,} written" in shown.err
    assert f"Exporting audit events: {events:,} of {events:,} written" in shown.err
    assert shown.err.endswith("\r\033[K")  # the line is gone when the export ends
    assert len(json.loads((tmp_path / "shown.json").read_text())) == events
