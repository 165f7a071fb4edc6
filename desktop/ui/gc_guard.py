"""Python's cycle collector runs only on the GUI thread, from a timer.

Left automatic, it runs in whichever thread happens to allocate: from a worker or a test's
SMTP server thread it would destroy unreachable QObjects of the GUI thread there, and Qt
warns "Timers cannot be stopped from another thread" or crashes. Anki does the same.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 5000


class GarbageCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        gc.disable()
        self._threshold = gc.get_threshold()[0]
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.on_timer_timeout)
        self._timer.start(INTERVAL_MS)

    def on_timer_timeout(self) -> None:
        # Cheap when nothing piled up: collect the young generation only when it is due.
        if gc.get_count()[0] >= self._threshold:
            gc.collect()


def install(app: QObject) -> None:
    """Idempotent: one collector per application object."""
    if app.findChild(GarbageCollector) is None:
        GarbageCollector(app)
