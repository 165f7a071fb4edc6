"""Rule 21 on a single desk: the window processes of a SQLite database run the governance
sweep themselves, soon after start and then every minute, off the GUI thread (on a server
database the server sweeps: a desktop connected to it never does)."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from desktop.ui.workers import run_task

log = logging.getLogger(__name__)

FIRST_MS = 1_500  # soon after the first window shows
INTERVAL_MS = 60_000


def sweep_now() -> dict[str, Any]:
    """In a worker thread: what was due, done (as the system)."""
    from desktop.services import governance

    return governance.sweep()


class SweepTimer(QObject):
    """Sweeps soon after `start` and every minute; one round at a time.

    Signals:
      swept(dict): a round finished; what it did, by kind.
    """

    swept = Signal(dict)

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.running = False
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.on_timer_timeout)
        self.first = QTimer(self)
        self.first.setSingleShot(True)
        self.first.setInterval(FIRST_MS)
        self.first.timeout.connect(self.on_timer_timeout)

    def start(self) -> None:
        self.first.start()
        self.timer.start()

    def stop(self, wait_ms: int = 30_000) -> None:
        self.first.stop()
        self.timer.stop()
        self.pool.waitForDone(wait_ms)

    def on_timer_timeout(self) -> None:
        if self.running:
            return  # the last round is still at work
        self.running = True
        run_task(sweep_now, succeeded=self.on_swept, failed=self.on_failed,
                 finished=self.on_finished, pool=self.pool)

    def on_swept(self, done: dict[str, Any]) -> None:
        did = {k: v for k, v in done.items() if k != "at" and v}
        if did:
            log.info("sweep: %s", ", ".join(f"{k} {v}" for k, v in did.items()))
        self.swept.emit(done)

    def on_failed(self, message: str) -> None:
        log.warning("the sweep failed (trying again in a minute): %s", message)

    def on_finished(self) -> None:
        self.running = False


def start_sweeping(owner: QObject, backend: Any) -> SweepTimer | None:
    """A SweepTimer owned by `owner`, started, unless `backend` talks to a server (None)."""
    if getattr(backend, "remote", False):
        return None
    sweeper = SweepTimer(owner)
    sweeper.start()
    return sweeper
