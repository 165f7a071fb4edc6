"""The server runs the governance sweep itself (rule 21): at start and every minute, as the
system. Reminders, escalations, expiries and ends of access happen on time in team mode
whether or not anyone has a window open; a sweep racing a desktop's does nothing twice."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)

INTERVAL_S = 60.0


class Sweeper:
    def __init__(self, interval_s: float = INTERVAL_S) -> None:
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="access-desk sweep",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def sweep_once(self) -> None:
        from desktop.services import governance

        try:
            done = governance.sweep()
            did = {k: v for k, v in done.items() if k != "at" and v}
            if did:
                log.info("sweep: %s", ", ".join(f"{k} {v}" for k, v in did.items()))
        except Exception:  # noqa: BLE001 - a bad round must not end the sweeper
            log.exception("the sweep failed; trying again later")

    def _run(self) -> None:
        self.sweep_once()
        while not self._stop.wait(self.interval_s):
            self.sweep_once()
