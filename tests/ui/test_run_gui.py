"""The windows raise or return; the command line decides the exit code (issue 12: run_gui
printed and returned exit codes itself)."""

from __future__ import annotations

import pytest

from desktop.errors import Refused, UsageError
from desktop.ui import app as shell


def test_run_gui_raises_a_refusal_and_opens_no_window(qtbot, person, capsys):
    from PySide6.QtWidgets import QApplication

    def shown() -> set[int]:
        return {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}

    before = shown()  # windows other tests left behind are not this test's
    with pytest.raises(Refused) as caught:
        shell.run_gui("demo.db", "admin", person("diego.ramirez"))
    assert caught.value.exit_code == 3
    assert "admin" in str(caught.value).lower()
    with pytest.raises(UsageError, match="unknown window"):
        shell.run_gui("demo.db", "cockpit", person("diego.ramirez"))
    assert capsys.readouterr().err == ""  # the UI prints nothing: the command line does
    assert shown() <= before


def test_gui_prints_the_refusal_once_and_exits_3(demo_db, person, monkeypatch, capsys):
    from desktop import paths
    from desktop.cli import commands, main

    monkeypatch.setattr(commands, "_has_display", lambda: True)
    code = main(["--db", str(paths.demo_db_path()), "--as", person("diego.ramirez").upn,
                 "gui", "admin"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3
    assert len(err) == 1
    assert err[0].startswith("access-desk: ")
    assert "rights table" in err[0]
