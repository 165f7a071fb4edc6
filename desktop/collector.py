"""Python's automatic cycle collector held off while some work runs: one count for the whole
process, however many threads hold it, so no holder turns it back on under another.

Two holders: a window's worker (desktop.ui.workers: run from a worker thread, a collection
would destroy the GUI thread's unreachable QObjects there, and Qt warns or crashes) and a
batch of decisions (desktop.services.bulk: a batch allocates tens of thousands of objects,
enough to set off a full collection of the process, 30-50 ms, while what it allocates is
freed by reference counting anyway). When the last hold is given back, the collector is as
it was before the first (a desktop process keeps it off and collects from a GUI timer:
desktop.ui.gc_guard)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class CollectorHold:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holds = 0
        self._was_enabled = False

    def take(self) -> None:
        with self._lock:
            if self._holds == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._holds += 1

    def give_back(self) -> None:
        with self._lock:
            self._holds -= 1
            if self._holds == 0 and self._was_enabled:
                gc.enable()

    @contextmanager
    def held(self) -> Iterator[None]:
        self.take()
        try:
            yield
        finally:
            self.give_back()


HOLD = CollectorHold()
