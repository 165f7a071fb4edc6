"""Rule 21 on a single desk: the window processes of a SQLite database run the governance
sweep themselves, soon after start and then every minute, off the GUI thread (on a server
database the server sweeps: a desktop connected to it never does)."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject

from desktop.ui.workers import PeriodicTask

log = logging.getLogger(__name__)

FIRST_MS = 1_500  # soon after the first window shows
INTERVAL_MS = 60_000


def sweep_now() -> dict[str, Any]:
    """In a worker thread: what was due, done (as the system)."""
    from desktop.services import governance

    return governance.sweep()


class SweepTimer(PeriodicTask):
    """Sweeps soon after `start` and every minute; one round at a time. `swept` (the `done`
    signal) carries what a round did, by kind."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__("the sweep", sweep_now, FIRST_MS, interval_ms, parent)
        self.swept = self.done
        self.done.connect(self.on_swept)

    def on_swept(self, done: dict[str, Any]) -> None:
        did = {k: v for k, v in done.items() if k != "at" and v}
        if did:
            log.info("sweep: %s", ", ".join(f"{k} {v}" for k, v in did.items()))


def start_sweeping(owner: QObject, backend: Any) -> SweepTimer | None:
    """A SweepTimer owned by `owner`, started, unless `backend` talks to a server (None)."""
    if getattr(backend, "remote", False):
        return None
    sweeper = SweepTimer(owner)
    sweeper.start()
    return sweeper
