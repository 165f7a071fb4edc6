"""Run a service call on a QThreadPool with its own database connection; the outcome comes back as
signals on the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, QTimer, Signal

from desktop.api.backend import database_context
from desktop.collector import HOLD
from desktop.errors import AccessDeskError

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


# Automatic cycle collection stays off while any worker runs (desktop.collector): taken on
# the GUI thread before a task starts, given back as the task's very last step; then the GUI
# thread's own allocations trigger the collections that were put off.
_collector = HOLD


class Relay(QObject):
    """Carries one task's outcome from the worker thread to the GUI thread.

    It lives in the GUI thread, parented to the application so that it outlives both the
    worker and the window that asked (a relay collected mid-task crashes the process), and
    deletes itself once everything was delivered. Connect bound methods of QObjects only: Qt
    then queues each call onto the receiver's (the GUI) thread, and forgets it when the
    receiver is destroyed first.

    Signals:
      progressed(str, int, int): stage, done, total, as the service reports them.
      succeeded(object): the service's return value.
      failed(str): the service's own message (an AccessDeskError), or what else went wrong.
      finished(): after succeeded or failed, always.
    """

    progressed = Signal(str, int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    finished = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent if parent is not None else QCoreApplication.instance())


def _storage_error(exc: Exception) -> AccessDeskError | None:
    import sys

    if "desktop.models" not in sys.modules:
        return None  # no database in this process (a remote desktop)
    from desktop.models.database import storage_error

    return storage_error(exc)


class _Task(QRunnable):
    def __init__(self, fn: Callable[..., Any], relay: Relay, with_progress: bool) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay
        self._with_progress = with_progress

    def run(self) -> None:
        relay = self._relay
        try:
            # Each worker thread has its own connection (peewee keeps one per thread); it is
            # closed when the task ends, so a pool thread never keeps a stale one.
            with database_context():
                if self._with_progress:
                    result = self._fn(relay.progressed.emit)
                else:
                    result = self._fn()
        except AccessDeskError as exc:
            # The service's own words, rule and all, as the log keeps them: a window shows
            # them through for_people.
            relay.failed.emit(exc.message)
        except Exception as exc:  # a worker must report, never die silently
            known = _storage_error(exc)  # a full disk, a damaged database: said plainly
            if known is not None:
                log.warning("background task: %s", known)
                relay.failed.emit(known.message)
            else:
                log.exception("background task failed")
                relay.failed.emit(f"Something went wrong: {type(exc).__name__}: {exc}")
        else:
            relay.succeeded.emit(result)
        finally:
            relay.finished.emit()
            _collector.give_back()


def run_task(fn: Callable[..., Any], *, succeeded: Callable[[Any], None] | None = None,
             failed: Callable[[str], None] | None = None,
             progressed: Callable[[str, int, int], None] | None = None,
             finished: Callable[[], None] | None = None,
             pool: QThreadPool | None = None) -> Relay:
    """Start `fn()` on the pool (`fn(progress)` when `progressed` is given).

    The callbacks (bound methods of GUI-thread QObjects) are connected before the task starts:
    a worker may finish before this function returns.
    """
    relay = Relay()
    for signal, slot in ((relay.progressed, progressed), (relay.succeeded, succeeded),
                         (relay.failed, failed), (relay.finished, finished)):
        if slot is not None:
            signal.connect(slot)
    relay.finished.connect(relay.deleteLater)  # last, so every slot ran before it goes
    _collector.take()
    (pool or QThreadPool.globalInstance()).start(_Task(fn, relay, progressed is not None))
    return relay


class PeriodicTask(QObject):
    """`job()` on a pool of its own (one thread): soon after `start` (`first_ms`), then every
    `interval_ms`, one round at a time (a round still at work when the next is due skips it).
    A failed round is logged; the next one runs as planned. The tray's outbox and a single
    desk's governance sweep run this way.

    Signals:
      done(object): a round finished; the job's return value.
    """

    done = Signal(object)

    def __init__(self, name: str, job: Callable[[], Any], first_ms: int, interval_ms: int,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name, self.job = name, job
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.running = False
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.on_timer_timeout)
        self.first = QTimer(self)
        self.first.setSingleShot(True)
        self.first.setInterval(first_ms)
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
        run_task(self.job, succeeded=self.on_task_succeeded, failed=self.on_task_failed,
                 finished=self.on_task_finished, pool=self.pool)

    def on_task_succeeded(self, result: object) -> None:
        self.done.emit(result)

    def on_task_failed(self, message: str) -> None:
        log.warning("%s failed: %s", self.name, message)  # the next round tries again

    def on_task_finished(self) -> None:
        self.running = False
