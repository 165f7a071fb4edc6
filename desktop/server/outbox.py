"""The server's own duties, each in a thread of its own on a timer: sending the e-mail outbox
(every 30 seconds, as a desktop's tray does: in team mode only the server can decrypt the SMTP
password; each message is claimed before it is sent, so several servers and trays may send at
once) and the governance sweep (rule 21: at start and every minute, so reminders, expiries and
ends of access happen on time whether or not anyone has a window open; a sweep racing a
desktop's does nothing twice)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

OUTBOX_INTERVAL_S = 30.0
SWEEP_INTERVAL_S = 60.0


class Periodic:
    """Runs `job()` every `interval_s` (first at once when `at_start`) until stopped; a round
    that fails is logged and the next one runs as planned."""

    def __init__(self, name: str, job: Callable[[], None], interval_s: float,
                 at_start: bool = False) -> None:
        self.name, self.job, self.interval_s, self.at_start = name, job, interval_s, at_start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"access-desk {name}",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def run_once(self) -> None:
        try:
            self.job()
        except Exception:  # noqa: BLE001 - a bad round must not end the duty
            log.exception("%s failed; trying again later", self.name)

    def _run(self) -> None:
        if self.at_start:
            self.run_once()
        while not self._stop.wait(self.interval_s):
            self.run_once()


def send_outbox() -> None:
    from desktop.services import mail

    counts = mail.send_pending()
    if counts.get("sent") or counts.get("failed"):
        log.info("outbox: %s sent, %s not sent", counts.get("sent"), counts.get("failed"))


def sweep() -> None:
    from desktop.services import governance

    done = governance.sweep()
    did = {k: v for k, v in done.items() if k != "at" and v}
    if did:
        log.info("sweep: %s", ", ".join(f"{k} {v}" for k, v in did.items()))


def duties(outbox_interval_s: float = OUTBOX_INTERVAL_S) -> list[Periodic]:
    return [Periodic("outbox", send_outbox, outbox_interval_s),
            Periodic("sweep", sweep, SWEEP_INTERVAL_S, at_start=True)]
