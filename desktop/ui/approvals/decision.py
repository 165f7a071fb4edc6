"""The decision bar under a list an approver or reviewer decides from (Pending requests,
a review's people): what is selected, a reason, the two answers, the error; with the same
keys everywhere: Ctrl+Enter for the first answer, Del for the second. And deciding many
requests at once off the GUI thread, with a progress bar and Cancel (``BulkDecision``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import AccessDeskError, for_people
from desktop.services.bulk_summary import BATCH, BulkSummary
from desktop.ui.common import ErrorLabel, shortcut
from desktop.ui.staleness import hold
from desktop.ui.workers import run_task

# The progress bar shows once a run has lasted this long (ms), never for a shorter one.
SHOW_AFTER = 400


def decision_bar(name: str, detail: QLabel, reason: QLineEdit, yes: QPushButton,
                 no: QPushButton, error: ErrorLabel) -> QFrame:
    actions = QHBoxLayout()
    actions.addWidget(reason, 1)
    actions.addWidget(yes)
    actions.addWidget(no)
    bar = QFrame()
    bar.setAccessibleName(name)
    box = QVBoxLayout(bar)
    box.setContentsMargins(0, 4, 0, 0)
    box.setSpacing(8)
    box.addWidget(detail)
    box.addLayout(actions)
    box.addWidget(error)
    return bar


def decision_keys(page: QWidget, yes: Callable[[], Any], no: Callable[[], Any]) -> list[Any]:
    """The shortcuts (keep them: a collected QShortcut stops working)."""
    return [shortcut(page, "Ctrl+Return", yes), shortcut(page, "Ctrl+Enter", yes),
            shortcut(page, QKeySequence.StandardKey.Delete, no)]


class BulkDecision(QObject):
    """Approve or deny many requests on the worker pool, BATCH per call of `approvals.decide`
    (here or on a server), with a progress bar (shown once the run has lasted SHOW_AFTER ms)
    whose Cancel stops between batches (what was decided stays; the rest is untouched).
    Meanwhile the window's pages hold their refreshes (``staleness.hold``): the live feed's
    notices of these decisions are read once, after.

    Signals:
      done(object, str): the BulkSummary (``cancelled`` when stopped) and, when a later batch
        failed (which ends the run as Cancel would), its message, else "".
      failed(str): the first batch failed; nothing was decided.
    """

    done = Signal(object, str)
    failed = Signal(str)

    def __init__(self, page: QWidget, backend: Any, ids: list[int], approve: bool,
                 reason: str) -> None:
        super().__init__(page)
        self.page, self.backend = page, backend
        self.ids, self.approve, self.reason = list(ids), approve, reason
        self.stop = threading.Event()
        self.decided = 0  # requests decided so far (the progress bar)
        self.total = len(ids)
        self.dialog: QProgressDialog | None = None  # made when the run has lasted SHOW_AFTER
        self.show_timer = QTimer(self)
        self.show_timer.setSingleShot(True)
        self.show_timer.setInterval(SHOW_AFTER)
        self.show_timer.timeout.connect(self.on_show_timer_timeout)

    def _make_dialog(self) -> QProgressDialog:
        # Made only for a run that lasts (most end before it would show): building it at the
        # click cost the GUI thread a few ms while the first batch was being decided.
        verb = "Approving" if self.approve else "Denying"
        dialog = QProgressDialog(f"{verb} {self.total:,} requests…", "Cancel", 0, self.total,
                                 self.page)
        dialog.setWindowTitle("Approvals")
        dialog.setAccessibleName(f"{verb} requests")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        # Shown by the show timer, never by the dialog's own guess from the first batch
        # (which showed it within 0.1 s of a 0.3 s run): a window-modal dialog blocks the
        # window, which repaints its lists, and once it has shown itself each setValue runs
        # the event loop; both on the GUI thread, competing with the decisions for the
        # interpreter. setValue(0) starts its clock, so its guess never shows it.
        dialog.setMinimumDuration(2**31 - 1)
        dialog.setMinimumWidth(360)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setValue(0)
        dialog.canceled.connect(self.on_dialog_canceled)
        return dialog

    def start(self) -> None:
        hold(self.page.window(), True)
        self.show_timer.start()
        backend, ids, approve, reason, stop = (self.backend, self.ids, self.approve,
                                               self.reason, self.stop)

        def work(progress: Callable[[str, int, int], None]) -> tuple[BulkSummary, str]:
            summary = BulkSummary(approve=approve, total=len(ids))
            for start in range(0, len(ids), BATCH):
                if stop.is_set():
                    summary.cancelled = True
                    break
                try:
                    view = backend.call("approvals.decide", ids=ids[start:start + BATCH],
                                        approve=approve, reason=reason)
                except AccessDeskError as exc:
                    if start == 0:
                        raise
                    summary.cancelled = True
                    return summary, for_people(exc)
                summary.merge(BulkSummary.from_view(view))
                progress("decide", min(start + BATCH, len(ids)), len(ids))
            return summary, ""

        run_task(work, progressed=self.on_task_progressed, succeeded=self.on_task_succeeded,
                 failed=self.on_task_failed)

    def on_show_timer_timeout(self) -> None:
        self.dialog = self._make_dialog()
        self._show_progress()
        self.dialog.show()

    def _show_progress(self) -> None:
        if self.dialog is None:
            return
        self.dialog.setValue(self.decided)
        if not self.stop.is_set():
            self.dialog.setLabelText(f"{self.decided:,} of {self.total:,} requests decided…")

    def on_dialog_canceled(self) -> None:
        if not self.stop.is_set() and self.dialog is not None:
            self.stop.set()
            # Cancel hid and reset the dialog: it stays until the batch under way is written.
            self.dialog.show()
            self.dialog.setValue(self.decided)
            self.dialog.setLabelText("Stopping after the requests being decided now…")

    def on_task_progressed(self, _stage: str, done: int, _total: int) -> None:
        self.decided = done
        self._show_progress()

    def _end(self) -> None:
        self.show_timer.stop()
        if self.dialog is not None:
            self.dialog.canceled.disconnect(self.on_dialog_canceled)
            self.dialog.close()
            self.dialog.deleteLater()
        hold(self.page.window(), False)
        self.deleteLater()

    def on_task_succeeded(self, outcome: tuple[BulkSummary, str]) -> None:
        self._end()
        self.done.emit(*outcome)

    def on_task_failed(self, message: str) -> None:
        self._end()
        self.failed.emit(message)
