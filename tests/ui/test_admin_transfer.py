"""File > Import from Microsoft Graph (preview, then import), File > Export, and the evidence
bundle of an application, each written in a worker thread."""

from __future__ import annotations

import csv
import datetime as dt
import os
import stat
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QLineEdit,
    QPushButton,
    QWidget,
)

from desktop.models import AccessRequest, User
from desktop.ui.admin import AdminWindow
from desktop.ui.admin.transfer import (
    EvidenceDialog,
    GraphSourceDialog,
    ImportSummaryDialog,
    SaveFileDialog,
)

DATA = Path(__file__).resolve().parent.parent / "graph" / "data"
TENANT = DATA / "tenant"
EVIDENCE_FILES = {"README.txt", "settings.json", "requests.json", "access.json", "audit.json",
                  "chain_head.txt", "checkpoint.json", "verify.py", "reviews.csv"}


@pytest.fixture
def choose_source(monkeypatch):
    """GraphSourceDialog.ask answers with these paths."""
    chosen: list[str] = []

    def ask(_cls, _parent):
        return list(chosen)

    monkeypatch.setattr(GraphSourceDialog, "ask", classmethod(ask))
    return chosen


@pytest.fixture
def previews(monkeypatch):
    """ImportSummaryDialog.ask records each preview and answers `answer[0]`."""
    seen: list[dict] = []
    answer = [True]

    def ask(_cls, _parent, report):
        seen.append(dict(report, tenant_user_there=User.get_or_none(
            User.upn == "alice@contoso.test") is not None))
        return answer[0]

    monkeypatch.setattr(ImportSummaryDialog, "ask", classmethod(ask))
    return seen, answer


@pytest.fixture
def save_to(monkeypatch, tmp_path):
    """SaveFileDialog.ask answers with a file in tmp_path; the list records the suggestions."""
    asked: list[tuple[str, str]] = []

    def ask(_cls, _parent, _title, suggested, fmt):
        asked.append((suggested, fmt))
        return str(tmp_path / f"out.{fmt}")

    monkeypatch.setattr(SaveFileDialog, "ask", classmethod(ask))
    return asked


def user_upns(window) -> list[str]:
    from desktop.ui.admin.window import USERS

    window.show_page(USERS)  # a hidden page is read when it is shown
    model = window.users.model
    while model.canFetchMore():
        model.fetchMore()
    return [row["upn"] for row in model.rows()]


def test_import_previews_then_imports_and_the_users_list_shows_the_new_people(
        qtbot, admin_window, choose_source, previews):
    seen, _answer = previews
    choose_source.append(str(TENANT))
    assert admin_window.transfers.import_action.shortcut() == QKeySequence("Ctrl+I")
    assert "alice@contoso.test" not in user_upns(admin_window)

    admin_window.transfers.import_action.trigger()
    assert admin_window.transfers.progress is not None  # shown while the worker reads
    qtbot.waitUntil(lambda: admin_window.transfers.result_dialog is not None, timeout=20_000)

    preview = seen[0]
    assert preview["dry_run"] is True
    assert preview["tenant_user_there"] is False  # the preview wrote nothing
    assert preview["added"]["users"] == 8
    assert "megan.bowen@contoso.example" in preview["not_in_export"]["users"]
    result = admin_window.transfers.result_dialog
    assert result.report["dry_run"] is False
    assert result.report["added"]["users"] == 8
    assert result.windowTitle() == "Import finished"
    assert admin_window.transfers.progress is None
    assert "Imported from Microsoft Graph: " in admin_window.statusBar().currentMessage()
    assert {"alice@contoso.test", "grace@contoso.test"} <= set(user_upns(admin_window))
    result.close()


def test_cancel_after_the_preview_imports_nothing(qtbot, admin_window, choose_source, previews):
    seen, answer = previews
    answer[0] = False
    choose_source.append(str(TENANT))
    admin_window.transfers.import_action.trigger()
    qtbot.waitUntil(lambda: bool(seen) and not admin_window.transfers.busy, timeout=20_000)
    assert admin_window.transfers.result_dialog is None
    assert User.get_or_none(User.upn == "alice@contoso.test") is None


def test_a_malformed_export_shows_the_services_message_and_imports_nothing(
        qtbot, admin_window, choose_source, previews):
    seen, _answer = previews
    choose_source.append(str(DATA / "pwsh-truncated"))
    users = User.select().count()
    admin_window.transfers.import_action.trigger()
    qtbot.waitUntil(lambda: admin_window.transfers.message_box is not None, timeout=20_000)
    text = admin_window.transfers.message_box.text()
    assert text.startswith("Nothing was imported: ")
    assert "ConvertTo-Json -Depth 10" in text
    assert seen == []  # no preview to confirm
    assert User.select().count() == users
    assert admin_window.transfers.progress is None
    assert admin_window.transfers.import_action.isEnabled()
    admin_window.transfers.message_box.close()


def test_a_plain_administrator_sees_the_import_disabled_and_why(qtbot, person):
    w = AdminWindow(person("rahul.mehta"))  # Cloud Application Administrator
    qtbot.addWidget(w)
    action = w.transfers.import_action
    assert not action.isEnabled()
    assert "Only a Global Administrator" in action.toolTip()
    assert action.statusTip() == action.toolTip()
    file_menu = w.menuBar().actions()[0].menu()
    assert action in file_menu.actions()
    assert file_menu.toolTipsVisible()


def test_export_requests_as_csv(qtbot, admin_window, save_to, tmp_path):
    action = admin_window.transfers.export_actions[("requests", "csv")]
    assert action in admin_window.transfers.export_menu.actions()
    action.trigger()
    target = tmp_path / "out.csv"
    qtbot.waitUntil(lambda: "Exported" in admin_window.statusBar().currentMessage(), timeout=10_000)
    assert save_to[0][1] == "csv"
    assert save_to[0][0].endswith(".csv")
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # what spreadsheets look for
    with target.open(newline="", encoding="utf-8-sig") as stream:
        rows = list(csv.reader(stream))
    count = AccessRequest.select().count()
    assert len(rows) == count + 1
    assert "id" in rows[0]  # the header row
    assert admin_window.statusBar().currentMessage() == f"Exported {count} requests to {target}."
    assert not list(tmp_path.glob(".*.part"))  # written next to it, then renamed


def test_the_window_and_the_command_line_write_the_same_bytes(qtbot, admin_window, monkeypatch,
                                                             tmp_path):
    from desktop import paths
    from desktop.cli import main

    chosen: list[Path] = []
    monkeypatch.setattr(SaveFileDialog, "ask", classmethod(lambda *_args: str(chosen[-1])))
    os.umask(0o022)
    for kind, fmt in (("settings", "json"), ("requests", "csv"), ("access", "graph")):
        chosen.append(tmp_path / f"window-{kind}-{fmt}")
        admin_window.statusBar().clearMessage()
        admin_window.transfers.export_actions[(kind, fmt)].trigger()
        qtbot.waitUntil(lambda: "Exported" in admin_window.statusBar().currentMessage(),
                        timeout=10_000)
        by_cli = tmp_path / f"cli-{kind}-{fmt}"
        assert main(["--db", str(paths.demo_db_path()), "export", kind, "--format", fmt,
                     "--out", str(by_cli)]) == 0
        assert chosen[-1].read_bytes() == by_cli.read_bytes(), (kind, fmt)
        assert stat.S_IMODE(chosen[-1].stat().st_mode) == 0o600  # readable by its owner only
    assert chosen[-2].read_bytes().startswith(b"\xef\xbb\xbf")  # CSV: UTF-8 with a BOM


def test_every_export_is_offered(admin_window):
    assert set(admin_window.transfers.export_actions) == {
        ("settings", "json"), ("settings", "csv"), ("access", "json"), ("access", "csv"),
        ("access", "graph"), ("requests", "json"), ("requests", "csv"), ("audit", "json"),
        ("audit", "csv")}


def test_access_as_graph_json(qtbot, admin_window, save_to, tmp_path):
    import json

    admin_window.transfers.export_actions[("access", "graph")].trigger()
    qtbot.waitUntil(lambda: "Exported" in admin_window.statusBar().currentMessage(), timeout=10_000)
    rows = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert rows
    assert {"principalId", "resourceId", "appRoleId"} <= set(rows[0])


def test_the_evidence_dialog_writes_a_zip(qtbot, admin_window, tmp_path):
    admin_window.applications.select("Fabrikam CRM")
    admin_window.applications.evidence_button.click()
    dialog = admin_window.applications.evidence_dialog
    assert isinstance(dialog, EvidenceDialog)
    assert dialog.isVisible()
    today = dt.date.today()
    assert dialog.end.date().toPython() == today
    assert dialog.start.date().toPython() == today - dt.timedelta(days=90)
    target = tmp_path / "bundle.zip"
    dialog.start.setDate(dialog.start.date().addYears(-5))  # the demo's history is older
    dialog.path.setText(str(target))
    dialog.write_button.click()
    assert dialog.busy.isVisibleTo(dialog)
    qtbot.waitUntil(lambda: not dialog.running, timeout=10_000)
    assert dialog.message.property("tone") == "success", dialog.message.text.text()
    with zipfile.ZipFile(target) as zf:
        assert set(zf.namelist()) == EVIDENCE_FILES
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    text = dialog.message.text.text()
    assert text.startswith(f"Wrote {target}: ")
    assert "audit event" in text
    dialog.close()


def test_an_evidence_period_that_ends_before_it_starts_is_refused_inline(
        qtbot, admin_window, tmp_path):
    admin_window.applications.select("Fabrikam CRM")
    dialog = EvidenceDialog(admin_window, admin_window.actor, "Fabrikam CRM")
    qtbot.addWidget(dialog)
    dialog.start.setDate(dialog.end.date().addDays(3))
    dialog.path.setText(str(tmp_path / "x.zip"))
    dialog.write()
    qtbot.waitUntil(lambda: not dialog.running)
    assert dialog.message.property("tone") == "error"
    assert "--to must be after --from" in dialog.message.text.text()
    assert not (tmp_path / "x.zip").exists()


def test_every_control_of_the_dialogs_has_an_accessible_name(qtbot, admin_window, demo_db):
    from desktop.services import graph_import

    report = graph_import.import_graph(demo_db, [str(TENANT)], dry_run=True).as_dict()
    dialogs = [GraphSourceDialog(admin_window), ImportSummaryDialog(admin_window, report),
               ImportSummaryDialog(admin_window, dict(report, dry_run=False)),
               EvidenceDialog(admin_window, demo_db, "Fabrikam CRM")]
    kinds = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QDateEdit)
    nameless = []
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        for widget in dialog.findChildren(QWidget):
            if not isinstance(widget, kinds) or widget.objectName().startswith("qt_"):
                continue
            if isinstance(widget.parent(), QDateEdit | QComboBox):
                continue  # Qt's own parts of a date field or combo box
            if not widget.accessibleName():
                nameless.append(f"{type(dialog).__name__}: {type(widget).__name__}")
    assert nameless == []


def test_the_preview_lists_what_would_be_skipped_and_why(qtbot, admin_window, demo_db, tmp_path):
    """The window shows the same list as the command line: skipped objects, types not
    imported, and the headline says how many."""
    from desktop.services import graph_import

    report = graph_import.import_graph(demo_db, [str(DATA / "docs" / "rest")],
                                       dry_run=True).as_dict()
    dialog = ImportSummaryDialog(admin_window, report)
    qtbot.addWidget(dialog)
    dialog.show()

    skipped = dialog.lists["skipped"]
    assert dialog.tabs.currentWidget() is skipped
    assert [skipped.item(i).text() for i in range(skipped.count())] == \
        graph_import.skipped_lines(report)
    assert "6 objects would be skipped" in dialog.headline.text()
    not_imported = dialog.lists["not_imported"]
    assert any("delegated permission grants" in not_imported.item(i).text()
               for i in range(not_imported.count()))
    dialog.grab().save(str(tmp_path / "preview.png"))


def test_the_summary_names_the_entries_left_out(qtbot, admin_window, demo_db, tmp_path):
    """Issue 17 item 4: a FIFO and a link out of the folder are left out, and the window's
    summary says so in its own tab, as the command line does."""
    import shutil

    from desktop.services import graph_import

    folder = tmp_path / "export"
    shutil.copytree(TENANT, folder)
    os.mkfifo(folder / "fifo.json")
    os.symlink("/dev/zero", folder / "zero.json")
    report = graph_import.import_graph(demo_db, [str(folder)], dry_run=True).as_dict()
    dialog = ImportSummaryDialog(admin_window, report)
    qtbot.addWidget(dialog)
    dialog.show()

    left_out = dialog.lists["left_out"]
    lines = [left_out.item(i).text() for i in range(left_out.count())]
    assert lines == graph_import.left_out_lines(report)
    assert lines == [f"{folder / 'fifo.json'}: a named pipe (FIFO): only regular files are read",
                     f"{folder / 'zero.json'}: a link to /dev/zero, outside the folder: not "
                     "followed"]
    assert dialog.tabs.tabText(dialog.tabs.indexOf(left_out)) == "Left out (2)"
    dialog.grab().save(str(tmp_path / "left-out.png"))


def test_cancel_during_the_import_writes_nothing(qtbot, admin_window, choose_source, monkeypatch):
    """The progress dialog's Cancel stops the import at its next step; its transaction rolls
    back and the status bar says nothing was imported."""
    import threading

    from desktop.services import graph_import

    real = graph_import.import_graph
    clicked = threading.Event()

    def held(actor, paths, **kwargs):
        progress = kwargs["progress"]

        def step(stage, done, total):
            clicked.wait(10)  # the worker waits for the click on Cancel
            progress(stage, done, total)

        return real(actor, paths, **{**kwargs, "progress": step})

    monkeypatch.setattr(graph_import, "import_graph", held)
    choose_source.append(str(TENANT))
    users = User.select().count()
    admin_window.transfers.import_action.trigger()
    dialog = admin_window.transfers.progress
    assert dialog is not None
    assert dialog.findChild(QPushButton).text() == "Cancel"
    qtbot.mouseClick(dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)
    clicked.set()
    qtbot.waitUntil(lambda: not admin_window.transfers.busy, timeout=20_000)

    assert admin_window.statusBar().currentMessage() == \
        "The import was cancelled; nothing was imported."
    assert admin_window.transfers.message_box is None
    assert User.select().count() == users


@pytest.fixture
def slow_audit_export(monkeypatch):
    """An export of the audit log that writes its rows 10 at a time, 5 ms a row, and whose
    progress dialog shows at once: long enough to watch and to cancel on the demo."""
    import time

    from desktop.services import exports
    from desktop.ui.admin import transfer

    rows = exports._audit_rows

    def slow(*args, **kwargs):
        for row in rows(*args, **kwargs):
            time.sleep(0.005)
            yield row

    monkeypatch.setattr(exports, "_audit_rows", slow)
    monkeypatch.setattr(exports, "PROGRESS_ROWS", 10)
    monkeypatch.setattr(transfer, "EXPORT_PROGRESS_AFTER_MS", 0)


def test_a_long_export_shows_its_progress_and_cancel_leaves_no_file(
        qtbot, admin_window, save_to, tmp_path, slow_audit_export):
    from desktop.models import AuditEvent

    events = AuditEvent.select().count()
    actions = admin_window.transfers
    actions.export_actions[("audit", "json")].trigger()
    qtbot.waitUntil(lambda: actions.export_progress is not None
                    and actions.export_progress.isVisible()
                    and "of" in actions.export_progress.labelText(), timeout=5000)
    dialog = actions.export_progress
    assert dialog.labelText().startswith("Exporting audit events: ")
    assert dialog.labelText().endswith(f" of {events:,} written")
    assert dialog.maximum() == events
    assert not actions.export_menu.isEnabled()  # one export at a time
    cancel = dialog.findChild(QPushButton)
    assert cancel.text() == "Cancel"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: actions.export_menu.isEnabled(), timeout=10_000)
    assert admin_window.statusBar().currentMessage() == (
        "The export was cancelled; no file was written.")
    assert actions.export_progress is None
    assert not (tmp_path / "out.json").exists()
    assert not list(tmp_path.glob(".*.part"))  # the partial file is gone too
    assert AuditEvent.select().count() == events  # nothing exported: nothing audited
    assert actions.message_box is None  # a cancel is not an error


def test_a_finished_export_closes_its_progress(qtbot, admin_window, save_to, tmp_path,
                                               slow_audit_export):
    actions = admin_window.transfers
    actions.export_actions[("settings", "json")].trigger()
    qtbot.waitUntil(lambda: "Exported" in admin_window.statusBar().currentMessage(),
                    timeout=10_000)
    assert actions.export_progress is None
    assert (tmp_path / "out.json").exists()


def test_the_evidence_dialog_shows_its_steps_and_cancel_leaves_no_file(
        qtbot, admin_window, tmp_path, monkeypatch):
    import threading

    from desktop.services import exports

    requests_read = exports._request_rows
    may_go_on = threading.Event()

    def held(*args, **kwargs):  # the bundle waits at its requests until Cancel is pressed
        may_go_on.wait(5)
        return requests_read(*args, **kwargs)

    monkeypatch.setattr(exports, "_request_rows", held)
    dialog = EvidenceDialog(admin_window, admin_window.actor, "Fabrikam CRM")
    qtbot.addWidget(dialog)
    dialog.show()
    target = tmp_path / "bundle.zip"
    dialog.path.setText(str(target))
    dialog.write_button.click()
    qtbot.waitUntil(lambda: "reading the requests" in dialog.message.text.text())
    assert dialog.message.text.text() == "Writing bundle.zip: reading the requests…"
    assert dialog.close_button.text() == "Cancel"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc is the dialog's Cancel while it runs
    assert dialog.isVisible()
    assert "Cancelling" in dialog.message.text.text()
    may_go_on.set()
    qtbot.waitUntil(lambda: not dialog.running, timeout=10_000)
    assert dialog.message.text.text() == "The bundle was cancelled; no file was written."
    assert dialog.close_button.text() == "Close"
    assert not target.exists()
    assert not list(tmp_path.glob(".*.part"))
