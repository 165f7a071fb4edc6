"""Import from Microsoft Graph, exports and evidence bundles: the dialogs and File menu actions."""

from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QDate, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressDialog,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.api.backend import as_backend
from desktop.errors import UsageError, for_people
from desktop.resources import icon
from desktop.ui.admin.widgets import RIGHT, busy_bar
from desktop.ui.common import Banner, accessible, button, label, transparent
from desktop.ui.keys import dialog_keys
from desktop.ui.workers import run_task

# (kind, format, menu text, file suffix, what the rows are called in messages)
EXPORTS = [
    ("settings", "json", "Self-service settings as JSON…", "json", "applications"),
    ("settings", "csv", "Self-service settings as CSV…", "csv", "applications"),
    ("access", "json", "Access as JSON…", "json", "people with access"),
    ("access", "csv", "Access as CSV…", "csv", "people with access"),
    ("access", "graph", "Access as Graph appRoleAssignment JSON…", "json", "assignments"),
    ("requests", "json", "Requests as JSON…", "json", "requests"),
    ("requests", "csv", "Requests as CSV…", "csv", "requests"),
    ("audit", "json", "Audit log as JSON…", "json", "audit events"),
    ("audit", "csv", "Audit log as CSV…", "csv", "audit events"),
]
FILTERS = {"json": "JSON files (*.json)", "csv": "CSV files (*.csv)",
           "zip": "Zip archives (*.zip)"}
STAGES = {"users": "users", "groups": "groups", "group members": "group members",
          "directory roles": "directory roles", "applications": "applications",
          "assignments": "assignments", "files": "files"}
KIND_ORDER = ("users", "groups", "group members", "directory roles", "applications",
              "app roles", "assignments")
# An export's progress dialog appears once it has run this long (a short one never shows it).
EXPORT_PROGRESS_AFTER_MS = 500
EXPORT_CANCELLED = "the export was cancelled; no file was written"
EVIDENCE_CANCELLED = "the bundle was cancelled; no file was written"
# What an evidence bundle is doing, by the service's stage (exports.EVIDENCE_STAGES).
EVIDENCE_STEPS = {"events": "reading the audit events", "requests": "reading the requests",
                  "access": "reading who has access",
                  "proof": "tying the events to a signed checkpoint",
                  "writing": "writing the zip"}
IMPORT_DENIED = ("Only a Global Administrator can import a directory from Microsoft Graph; "
                 "ask one to do it.")
# Connected to a server, this desktop holds no database: these run where the database is.


class UploadCancelled(Exception):
    """Cancel pressed while an import's files were still going up to the server."""


def default_folder() -> Path:
    documents = Path.home() / "Documents"
    return documents if documents.is_dir() else Path.home()


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "export"


# --- seams tests replace -------------------------------------------------------------------


class SaveFileDialog:
    """Where to write a file. Tests replace `ask`."""

    @classmethod
    def ask(cls, parent: QWidget | None, title: str, suggested: str, fmt: str) -> str | None:
        path, _filter = QFileDialog.getSaveFileName(parent, title, suggested,
                                                    FILTERS.get(fmt, "All files (*)"))
        return path or None


class GraphSourceDialog(QDialog):
    """Which files or folder of a Microsoft Graph export to read. Tests replace `ask`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import from Microsoft Graph")
        self.setAccessibleName("Import from Microsoft Graph")
        self.setMinimumSize(560, 360)
        self.paths = QListWidget()
        self.paths.setAccessibleName("Files and folders to read")
        self.paths.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.paths.setToolTip("Every *.json file in a folder is read, sub-folders included")
        self.add_files = button("Add files…", "add", name="Add files",
                                tip="Choose JSON files of the export")
        self.add_folder = button("Add folder…", "add", name="Add folder",
                                 tip="Choose the folder holding the export")
        self.remove = button("Remove", "remove", name="Remove the selected paths",
                             tip="Take the selected files or folders off the list")
        self.preview = button("Preview import", "import", kind="primary",
                              tip="Read the export and show what would change; nothing is "
                                  "written yet")
        cancel = button("Cancel")
        buttons = QDialogButtonBox()
        buttons.addButton(self.preview, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        side = QVBoxLayout()
        side.addWidget(self.add_files)
        side.addWidget(self.add_folder)
        side.addWidget(self.remove)
        side.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.paths, 1)
        row.addLayout(side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(label("Import from Microsoft Graph", "question"))
        layout.addWidget(label("Choose the JSON files of a Graph export (users, groups, "
                               "servicePrincipals, appRoleAssignments…) or the folder that "
                               "holds them. You see what would change before anything is "
                               "written; the import adds and updates, it never removes.",
                               "hint", wrap=True))
        layout.addLayout(row, 1)
        layout.addWidget(buttons)
        self.add_files.clicked.connect(self.on_add_files_clicked)
        self.add_folder.clicked.connect(self.on_add_folder_clicked)
        self.remove.clicked.connect(self.on_remove_clicked)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.paths.model().rowsInserted.connect(self.on_paths_changed)
        self.paths.model().rowsRemoved.connect(self.on_paths_changed)
        self.paths.itemSelectionChanged.connect(self.on_paths_changed)
        self.on_paths_changed()
        dialog_keys(self, self.add_files, self.preview)

    def chosen(self) -> list[str]:
        return [self.paths.item(i).text() for i in range(self.paths.count())]

    def add_paths(self, paths: list[str]) -> None:
        known = set(self.chosen())
        for path in paths:
            if path and path not in known:
                self.paths.addItem(path)
                known.add(path)

    def on_add_files_clicked(self) -> None:
        files, _filter = QFileDialog.getOpenFileNames(
            self, "Choose Graph export files", str(default_folder()),
            "JSON files (*.json);;All files (*)")
        self.add_paths(files)

    def on_add_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the folder of a Graph export",
                                                  str(default_folder()))
        self.add_paths([folder] if folder else [])

    def on_remove_clicked(self) -> None:
        for item in self.paths.selectedItems():
            self.paths.takeItem(self.paths.row(item))

    def on_paths_changed(self, *_args: object) -> None:
        self.preview.setEnabled(self.paths.count() > 0)
        self.remove.setEnabled(bool(self.paths.selectedItems()))

    @classmethod
    def ask(cls, parent: QWidget | None) -> list[str] | None:
        dialog = cls(parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.chosen() or None


class ImportSummaryDialog(QDialog):
    """What an import would do (a dry run: Import / Cancel) or did (Close). Tests replace `ask`."""

    def __init__(self, parent: QWidget | None, report: dict[str, Any]) -> None:
        from desktop.services import graph_import  # imports run where the database is

        super().__init__(parent)
        self.report = report
        dry_run = bool(report.get("dry_run"))
        title = "Import preview" if dry_run else "Import finished"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumSize(960, 520)  # every tab title visible

        added, changed = report.get("added", {}), report.get("changed", {})
        unchanged = report.get("unchanged", {})
        kinds = [k for k in KIND_ORDER if k in added or k in changed or k in unchanged]
        kinds += sorted((set(added) | set(changed) | set(unchanged)) - set(kinds))
        total_added, total_changed = sum(added.values()), sum(changed.values())
        records = "record" if total_changed == 1 else "records"
        if dry_run:
            headline = (f"Importing would add {total_added} and change {total_changed} "
                        f"{records}. Nothing has been written yet.")
        else:
            headline = f"Added {total_added} and changed {total_changed} {records}."
        if not total_added and not total_changed:
            headline = ("The database already matches this export: nothing to add or change."
                        if dry_run else "Nothing was added or changed.")
        skipped_count = int(report.get("skipped_count", 0))
        if skipped_count:
            objects = "object" if skipped_count == 1 else "objects"
            verb = "would be" if dry_run else "were"
            headline += (f" {skipped_count:,} {objects} {verb} skipped: see Skipped for what "
                         "and why.")
        left_out = len(report.get("left_out", []))
        if left_out:
            entries = "entry of the folder was" if left_out == 1 else "entries of the folder were"
            headline += f" {left_out} {entries} not read: see Left out."
        self.headline = label(headline, wrap=True)
        self.headline.setAccessibleName("Import summary")

        self.table = QTableWidget(len(kinds), 4)
        self.table.setAccessibleName("Records by kind")
        self.table.setHorizontalHeaderLabels(["Kind", "Added", "Changed", "Unchanged"])
        self.table.horizontalHeader().setAccessibleName("Records by kind: column headers")
        self.table.verticalHeader().setAccessibleName("Records by kind: row numbers")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        for row, kind in enumerate(kinds):
            self.table.setItem(row, 0, QTableWidgetItem(kind.capitalize()))
            for column, counts in enumerate((added, changed, unchanged), start=1):
                value = counts.get(kind, 0)
                item = QTableWidgetItem(str(value) if value else "–")
                item.setTextAlignment(RIGHT)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setDefaultSectionSize(28)
        # Tall enough for every row: a handful of kinds never needs a scroll bar.
        self.table.ensurePolished()
        self.table.horizontalHeader().ensurePolished()
        self.table.setFixedHeight(self.table.horizontalHeader().sizeHint().height()
                                  + 28 * max(1, len(kinds)) + 2 * self.table.frameWidth() + 4)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        not_in = report.get("not_in_export", {})
        missing = [f"{kind.capitalize()[:-1]}: {name}" for kind in ("users", "groups",
                                                                   "applications")
                   for name in not_in.get(kind, [])]
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Import details")
        self.lists: dict[str, QListWidget] = {}
        tabs = [
            ("skipped", "Skipped", graph_import.skipped_lines(report), "Nothing skipped.",
             "Objects left out, and why: a required field missing, an invalid value, the same "
             "id twice with different content, or an object they depend on skipped"),
            ("not_imported", "Not imported", graph_import.not_imported_lines(report),
             "Every object in the export is of a type Access Desk imports.",
             "Types Access Desk does not import, counted by file (permission grants, role "
             "definitions, the tenant's licence subscriptions, ...)"),
            ("left_out", "Left out", graph_import.left_out_lines(report),
             "Every entry of the folder was read.",
             "Entries not read, and why: only regular files are read, never a pipe, a device "
             "or a link that leads out of the folder"),
            ("changes", "Changes", report.get("changes", []), "No record changes.",
             "Which fields of existing records the export changes"),
            ("warnings", "Warnings", report.get("warnings", []), "No warnings.",
             "Records the import skipped or read with care, and why"),
            ("kept", "Kept by administrators", report.get("kept_by_admin", []),
             "Nothing an administrator set is overridden.",
             "Values an administrator set by hand; the import leaves them alone"),
            ("missing", "Not in the export", missing,
             "Everything in the database is in the export.",
             "In the database but not in the export: the import never removes "
             "anything, these stay as they are")]
        if not dry_run:
            tabs.pop()  # only a preview compares the database with the export
        for key, title_, lines, empty, hint in tabs:
            view = QListWidget()
            view.setAccessibleName(title_)
            view.setToolTip(hint)
            view.setAlternatingRowColors(True)
            view.setWordWrap(True)
            view.addItems(lines or [empty])
            if not lines:
                view.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
            self.lists[key] = view
            index = self.tabs.addTab(view, f"{title_} ({len(lines)})")
            self.tabs.setTabToolTip(index, hint)
        # The first tab with something to read: what was skipped, else the warnings.
        for key in ("skipped", "left_out", "warnings"):
            if self.lists[key].item(0).flags() != Qt.ItemFlag.NoItemFlags:
                self.tabs.setCurrentWidget(self.lists[key])
                break

        buttons = QDialogButtonBox()
        if dry_run:
            self.import_button = button("Import", "import", kind="primary",
                                        tip="Write these changes in one transaction")
            cancel = button("Cancel", tip="Import nothing")
            buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
            buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        else:
            close = button("Close", kind="primary")
            buttons.addButton(close, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(label(title + (": nothing has changed yet" if dry_run else ""),
                               "question"))
        layout.addWidget(self.headline)
        layout.addWidget(self.table)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        # A preview's Enter cancels: importing writes many records, so it is clicked on purpose.
        default = cancel if dry_run else close
        dialog_keys(self, default, default)

    @classmethod
    def ask(cls, parent: QWidget | None, report: dict[str, Any]) -> bool:
        """A dry run's summary: True when the person chose Import."""
        return cls(parent, report).exec() == QDialog.DialogCode.Accepted


# --- the evidence bundle --------------------------------------------------------------------


class EvidenceDialog(QDialog):
    """An evidence bundle of one application for a period, written in the background.

    Signals:
      written(object): the counts services.exports.evidence returned.
    """

    written = Signal(object)

    def __init__(self, parent: QWidget | None, actor: Any, app_name: str) -> None:
        super().__init__(parent)
        self.actor = actor
        self.backend = as_backend(actor)
        self.app_name = app_name
        self.running = False
        self.writing = ""  # the file's name while it is written
        self.cancel_requested = threading.Event()
        self.setWindowTitle(f"Evidence bundle: {app_name}")
        self.setAccessibleName("Evidence bundle")
        self.setMinimumWidth(600)
        today = QDate.currentDate()
        self.start = self._date_edit("From", today.addDays(-90),
                                     "The first day of the period (UTC)")
        self.end = self._date_edit("To", today, "The last day of the period, included (UTC)")
        self.path = accessible(QLineEdit(), "File name")
        self.path.setToolTip("The zip file to write")
        self.path.setText(str(default_folder() / self._file_name()))
        self.browse = button("Browse…", name="Choose the file name",
                             tip="Choose where to write the zip file")
        self.busy = busy_bar("Writing the evidence bundle")
        self.message = Banner("info", name="Evidence bundle result")
        self.message.hide()
        self.write_button = button("Write bundle", "export", kind="primary",
                                   tip="Write the zip: settings, requests, access and the "
                                       "audit events of the period, with a verify script")
        self.close_button = button("Close")

        dates = transparent(QWidget())
        dates_layout = QHBoxLayout(dates)
        dates_layout.setContentsMargins(0, 0, 0, 0)
        dates_layout.setSpacing(8)
        dates_layout.addWidget(self.start)
        dates_layout.addWidget(label("to", "hint"))
        dates_layout.addWidget(self.end)
        dates_layout.addStretch(1)
        file_row = transparent(QWidget())
        file_layout = QHBoxLayout(file_row)
        file_layout.setContentsMargins(0, 0, 0, 0)
        file_layout.setSpacing(8)
        file_layout.addWidget(self.path, 1)
        file_layout.addWidget(self.browse)
        form = QGridLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(10)
        form.setColumnStretch(1, 1)
        for row, (text, buddy, field) in enumerate((("Period", self.start, dates),
                                                     ("File", self.path, file_row))):
            caption = label(text)
            caption.setBuddy(buddy)
            form.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignVCenter)
            form.addWidget(field, row, 1)
        buttons = QDialogButtonBox()
        buttons.addButton(self.write_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        bottom = QHBoxLayout()
        bottom.addWidget(self.busy)
        bottom.addStretch(1)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(label(f"Evidence bundle for {app_name}", "question"))
        layout.addWidget(label("A zip an auditor can keep and check on their own: the settings, "
                               "every request of the period with its decision, who has access "
                               "now, and the period's audit events with their hashes. Days "
                               "are UTC; the To day is included.", "hint", wrap=True))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(bottom)
        self.browse.clicked.connect(self.on_browse_clicked)
        self.write_button.clicked.connect(self.write)
        self.close_button.clicked.connect(self.reject)
        self.start.dateChanged.connect(self.on_dates_changed)
        self.end.dateChanged.connect(self.on_dates_changed)
        self.path.textEdited.connect(self.on_path_edited)
        self.path.setCursorPosition(0)
        dialog_keys(self, self.start, self.write_button)

    @staticmethod
    def _date_edit(name: str, value: QDate, tip: str) -> QDateEdit:
        edit = accessible(QDateEdit(value), name, tip)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setToolTip(tip)
        edit.setMinimumWidth(130)
        return edit

    def _file_name(self) -> str:
        start = self.start.date().toString("yyyy-MM-dd")
        end = self.end.date().toString("yyyy-MM-dd")
        return f"{slug(self.app_name)}-evidence-{start}-to-{end}.zip"

    def period(self) -> tuple[dt.datetime, dt.datetime]:
        """Naive UTC, as the database keeps times; the end is the day after To (excluded)."""
        # the stubs give QDate.toPython() as object; it is a datetime.date
        start = cast(dt.date, self.start.date().toPython())
        end = cast(dt.date, self.end.date().toPython()) + dt.timedelta(days=1)
        return (dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time()))

    def write(self) -> None:
        if self.running:
            return
        text = self.path.text().strip()
        if not text:
            self._say("Choose the file to write.", "error")
            self.path.setFocus()
            return
        out = Path(text).expanduser()
        if out.suffix.lower() != ".zip":
            out = out.with_name(out.name + ".zip")
            self.path.setText(str(out))
        start, end = self.period()
        backend, app_name = self.backend, self.app_name
        self.cancel_requested = cancel = threading.Event()

        def work(progressed: Any) -> dict[str, Any]:
            # The command line's `export evidence` writes the same bundle: here, or on the
            # server and streamed into the file. Cancel stops it between two steps (or two
            # pieces of the download); the file is written beside the target, so none is left.
            if backend.remote:
                from desktop.remote import transfer

                def received(done: int) -> None:
                    if cancel.is_set():
                        raise UsageError(EVIDENCE_CANCELLED)
                    progressed("bytes", done, 0)

                return transfer.export_evidence(backend, app_name, start, end, out, received)
            from desktop.services import exports  # this process holds the database

            def step(stage: str) -> None:
                if cancel.is_set():
                    raise UsageError(EVIDENCE_CANCELLED)
                progressed(stage, 0, 0)

            return exports.evidence(backend.person, app_name, start, end, out, step)

        self._set_running(True)
        self.writing = out.name
        self._say(f"Writing {out.name}…", "info")
        run_task(work, progressed=self.on_write_progressed, succeeded=self.on_write_succeeded,
                 failed=self.on_write_failed, finished=self.on_write_finished)

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.busy.setVisible(running)
        for widget in (self.write_button, self.browse, self.start, self.end, self.path):
            widget.setEnabled(not running)
        # While it runs, the dialog's Close is its Cancel.
        self.close_button.setText("Cancel" if running else "Close")
        self.close_button.setAccessibleName(self.close_button.text())
        self.close_button.setEnabled(True)
        self.close_button.setToolTip("Stop writing the bundle; no file is left" if running
                                     else "")

    def on_write_progressed(self, stage: str, done: int, _total: int) -> None:
        if self.cancel_requested.is_set():
            return
        if stage == "bytes":
            from desktop.archive import size_text

            doing = f"written on the server, {size_text(done)} received"
        else:
            doing = EVIDENCE_STEPS.get(stage, stage)
        self._say(f"Writing {self.writing}: {doing}…", "info")

    def _say(self, text: str, tone: str) -> None:
        """The message under the form; the dialog grows to hold it (never squeezing the
        form's fields)."""
        self.message.show_text(text, tone)
        layout = self.layout()
        if layout is not None:
            layout.activate()
        wanted = self.sizeHint().height()
        if self.height() < wanted:
            self.resize(self.width(), wanted)

    def on_browse_clicked(self) -> None:
        path = SaveFileDialog.ask(self, "Write the evidence bundle to", self.path.text(), "zip")
        if path:
            self.path.setText(path)

    def on_path_edited(self, _text: str) -> None:
        if self.message.property("tone") == "error":  # it spoke of the name before
            self.message.hide()

    def on_dates_changed(self, _date: QDate) -> None:
        # Keep a suggested name in step with the period; a name typed by hand stays.
        current = Path(self.path.text())
        if "-evidence-" in current.name:
            self.path.setText(str(current.with_name(self._file_name())))

    def on_write_succeeded(self, result: dict[str, Any]) -> None:
        def n(count: int, one: str, many: str) -> str:
            return f"{count} {one if count == 1 else many}"

        self._say(
            f"Wrote {result['out']}: {n(result['requests'], 'request', 'requests')}, "
            f"{n(result['events'], 'audit event', 'audit events')} and "
            f"{n(result['members'], 'person', 'people')} with access.", "success")
        self.written.emit(result)

    def on_write_failed(self, message: str) -> None:
        if self.cancel_requested.is_set():
            self._say("The bundle was cancelled; no file was written.", "info")
            return
        self._say(for_people(message), "error")

    def on_write_finished(self) -> None:
        self._set_running(False)

    def reject(self) -> None:
        if self.running:  # Cancel (or Esc): stop it; the dialog stays to say how it ended
            self.cancel_requested.set()
            self.close_button.setEnabled(False)
            self._say(f"Cancelling: {self.writing} will not be written…", "info")
            return
        super().reject()


# --- the File menu's actions ----------------------------------------------------------------


class TransferActions(QObject):
    """File > Import from Microsoft Graph… and File > Export, for the Admin console.

    Signals:
      data_imported(): an import wrote to the database (pages may refresh).
      exported(str, int): a file was written; its path and number of rows.
    """

    data_imported = Signal()
    exported = Signal(str, int)

    def __init__(self, actor: Any, window: QMainWindow) -> None:
        super().__init__(window)
        self.actor = actor
        self.backend = as_backend(actor)
        self.global_admin = "global_admin" in self.backend.desk()["roles"]
        self.window = window
        self.paths: list[str] = []
        self.busy = False
        self.progress: QProgressDialog | None = None
        # Set by the progress dialog's Cancel: the import stops at its next step and its
        # transaction rolls back, so nothing is written.
        self.cancel_requested = threading.Event()
        self.result_dialog: ImportSummaryDialog | None = None
        # The running export's progress dialog, and its Cancel (the partial file is removed).
        self.export_progress: QProgressDialog | None = None
        self.export_rows_word = ""
        self.export_cancel = threading.Event()
        self.message_box: QMessageBox | None = None

        self.import_action = QAction(icon("import"), "&Import from Microsoft Graph…", window)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if self.global_admin:
            tip = ("Add and update users, groups, applications and assignments from a "
                   "Microsoft Graph export; you see a preview first")
        else:
            tip = IMPORT_DENIED
            self.import_action.setEnabled(False)
        self.import_action.setToolTip(tip)
        self.import_action.setStatusTip(tip)
        self.import_action.triggered.connect(self.start_import)
        window.addAction(self.import_action)

        self.export_menu = QMenu("&Export", window)
        self.export_menu.setIcon(icon("export"))
        self.export_menu.setAccessibleName("Export")
        self.export_menu.setToolTipsVisible(True)
        self.export_actions: dict[tuple[str, str], QAction] = {}
        previous_kind = None
        for kind, fmt, text, _suffix, _rows in EXPORTS:
            if previous_kind is not None and kind != previous_kind:
                self.export_menu.addSeparator()
            previous_kind = kind
            action = QAction(text, self.export_menu)
            tip = f"Write {text.rstrip('…').lower()} to a file you choose"
            if fmt == "graph":
                tip = ("Write the assignments in Microsoft Graph's appRoleAssignment shape, to "
                       "compare with a tenant")
            action.setToolTip(tip)
            action.setStatusTip(tip)
            action.triggered.connect(
                lambda _checked=False, k=kind, f=fmt: self.start_export(k, f))
            self.export_menu.addAction(action)
            self.export_actions[(kind, fmt)] = action

    # --- import -----------------------------------------------------------------------------

    def start_import(self) -> None:
        if self.busy or not self.import_action.isEnabled():
            return
        paths = GraphSourceDialog.ask(self.window)
        if not paths:
            return
        self.paths = list(paths)
        self._run_import(dry_run=True)

    def _run_import(self, *, dry_run: bool) -> None:
        self._set_busy(True)
        self.progress = QProgressDialog(self.window)
        self.progress.setWindowTitle("Import preview" if dry_run else "Importing")
        self.progress.setAccessibleName("Import progress")
        self.progress.setLabelText("Reading the export…")
        # One transaction: Cancel rolls all of it back, never half an import.
        self.progress.setCancelButtonText("Cancel")
        self.cancel_requested = cancel = threading.Event()
        self.progress.canceled.connect(self.on_import_cancel_requested)
        self.progress.setRange(0, 0)
        self.progress.setMinimumDuration(0)
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        self.progress.setMinimumWidth(380)
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.show()
        backend, paths = self.backend, list(self.paths)

        def work(progress: Any) -> dict[str, Any]:
            if backend.remote:  # the files go up as a zip; the server imports them
                from desktop.remote import transfer

                def sent(done: int, total: int) -> None:
                    if cancel.is_set():  # until the last byte is sent, nothing is imported
                        raise UploadCancelled("the import was cancelled")
                    progress("upload", done, total)

                return transfer.import_graph(backend, transfer.graph_files(paths),
                                             dry_run=dry_run, sent=sent)
            from desktop.services import graph_import

            def step(stage: str, done: int, total: int) -> None:
                if cancel.is_set():
                    raise graph_import.ImportCancelled
                progress(stage, done, total)

            return graph_import.import_graph(backend.person, paths, dry_run=dry_run,
                                             progress=step).as_dict()

        # No `finished` slot: a preview's Import starts the next run from its `succeeded`.
        run_task(work, progressed=self.on_import_progressed,
                 succeeded=self.on_preview_succeeded if dry_run else self.on_import_succeeded,
                 failed=self.on_import_failed)

    def on_import_progressed(self, stage: str, done: int, total: int) -> None:
        if self.progress is None or self.cancel_requested.is_set():
            return
        verb = "Checking" if self.progress.windowTitle() == "Import preview" else "Importing"
        if stage == "upload":  # through a server: bytes sent, then the server's work
            from desktop.archive import size_text

            if done >= total:
                self.progress.setLabelText(f"{verb} on the server…")
                self.progress.setRange(0, 0)
                self.progress.setCancelButton(None)  # type: ignore[arg-type] # now one
                return  # transaction on the server: nothing to stop halfway
            self.progress.setLabelText(f"Sending the files to the server: {size_text(done)} "
                                       f"of {size_text(total)}")
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(done)
            return
        if stage == "files":
            verb = "Reading"
        self.progress.setLabelText(f"{verb} {STAGES.get(stage, stage)}: {done:,} of {total:,}")
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def on_preview_succeeded(self, report: dict[str, Any]) -> None:
        self._close_progress()
        self._set_busy(False)
        if ImportSummaryDialog.ask(self.window, report):
            self._run_import(dry_run=False)

    def on_import_succeeded(self, report: dict[str, Any]) -> None:
        self._close_progress()
        self._set_busy(False)
        added, changed = sum(report["added"].values()), sum(report["changed"].values())
        self._status(f"Imported from Microsoft Graph: {added} added, {changed} changed.")
        self.data_imported.emit()
        self.result_dialog = ImportSummaryDialog(self.window, report)
        self.result_dialog.open()

    def on_import_cancel_requested(self) -> None:
        self.cancel_requested.set()
        self._status("Cancelling the import: nothing will be written…")

    def on_import_failed(self, message: str) -> None:
        cancelled = self.cancel_requested.is_set()  # before closing: closing emits canceled
        self._close_progress()
        self._set_busy(False)
        if cancelled:
            self._status("The import was cancelled; nothing was imported.")
            return
        self._status("The import failed; nothing was imported.")
        self._show_error("Import from Microsoft Graph", for_people(message))

    # --- export -----------------------------------------------------------------------------

    def start_export(self, kind: str, fmt: str) -> None:
        entry = next(e for e in EXPORTS if e[0] == kind and e[1] == fmt)
        _kind, _fmt, text, suffix, rows_word = entry
        stamp = dt.date.today().isoformat()
        name = f"access-desk-{kind}{'-graph' if fmt == 'graph' else ''}-{stamp}.{suffix}"
        path = SaveFileDialog.ask(self.window, f"Export {text.rstrip('…').lower()}",
                                  str(default_folder() / name), suffix)
        if not path:
            return
        backend = self.backend
        self._status(f"Exporting {rows_word} to {path}…")
        self.export_menu.setEnabled(False)  # one export at a time
        self.export_cancel = cancel = threading.Event()
        self._open_export_progress(rows_word, remote=backend.remote)

        def work(progressed: Any) -> tuple[str, str, int]:
            # The command line's `export --out` writes the very same file (one service): here,
            # or on the server and streamed into the file. Either writes beside the target
            # and renames it once complete: Cancel leaves no file.
            if backend.remote:
                from desktop.remote import transfer

                def received(done: int) -> None:
                    if cancel.is_set():
                        raise UsageError(EXPORT_CANCELLED)
                    progressed("bytes", done, -1)

                view = transfer.export_file(backend, kind, fmt, Path(path), received)
                return path, rows_word, int(view["rows"])
            from desktop.services import exports

            def step(done: int, total: int | None) -> None:
                if cancel.is_set():
                    raise exports.ExportCancelled
                progressed("rows", done, -1 if total is None else total)

            return path, rows_word, exports.write_file(backend.person, kind, fmt,
                                                       Path(path), step)["rows"]

        run_task(work, progressed=self.on_export_progressed,
                 succeeded=self.on_export_succeeded, failed=self.on_export_failed,
                 finished=self.on_export_finished)

    def _open_export_progress(self, rows_word: str, *, remote: bool) -> None:
        """The export's progress, shown only when it lasts (EXPORT_PROGRESS_AFTER_MS): rows
        written so far, or the bytes come from the server; Cancel removes the partial file."""
        dialog = QProgressDialog(self.window)
        dialog.setWindowTitle("Export")
        dialog.setAccessibleName("Export progress")
        dialog.setLabelText(f"Exporting {rows_word} on the server…" if remote
                            else f"Exporting {rows_word}…")
        dialog.setCancelButtonText("Cancel")
        dialog.setRange(0, 0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumWidth(420)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(EXPORT_PROGRESS_AFTER_MS)  # it shows itself after that
        dialog.canceled.connect(self.on_export_cancel_requested)
        self.export_progress = dialog
        self.export_rows_word = rows_word

    def on_export_progressed(self, stage: str, done: int, total: int) -> None:
        dialog = self.export_progress
        if dialog is None or self.export_cancel.is_set():
            return
        if stage == "bytes":
            from desktop.archive import size_text

            dialog.setLabelText(f"Exporting {self.export_rows_word} on the server: "
                                f"{size_text(done)} received")
            return
        if total < 0:  # not counted beforehand
            dialog.setLabelText(f"Exporting {self.export_rows_word}: {done:,} written")
            return
        dialog.setLabelText(f"Exporting {self.export_rows_word}: {done:,} of {total:,} written")
        dialog.setRange(0, max(total, 1))
        dialog.setValue(min(done, max(total, 1)))

    def on_export_cancel_requested(self) -> None:
        if self.export_progress is None:
            return
        self.export_cancel.set()
        self.export_progress.setLabelText("Cancelling the export…")
        self._status("Cancelling the export: the partial file will be removed…")

    def on_export_succeeded(self, result: tuple[str, str, int]) -> None:
        path, rows_word, count = result
        self._status(f"Exported {count} {rows_word} to {path}.")
        self.exported.emit(path, count)

    def on_export_failed(self, message: str) -> None:
        if self.export_cancel.is_set():
            self._status("The export was cancelled; no file was written.")
            return
        self._status("The export failed.")
        self._show_error("Export", for_people(message))

    def on_export_finished(self) -> None:
        dialog, self.export_progress = self.export_progress, None
        if dialog is not None:
            dialog.canceled.disconnect(self.on_export_cancel_requested)
            dialog.close()
            dialog.deleteLater()
        self.export_menu.setEnabled(True)

    # --- internals --------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        if self.global_admin:
            self.import_action.setEnabled(not busy)

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 15_000)

    def _show_error(self, title: str, text: str) -> None:
        # Open, not exec: the message waits for the person without stopping the window.
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          self.window)
        box.setAccessibleName(title)
        box.setAccessibleDescription(text)
        self.message_box = box
        box.open()

