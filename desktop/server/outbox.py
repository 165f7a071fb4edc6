"""The server sends the e-mail outbox itself (every 30 seconds, as a desktop's tray does): in
team mode only the server can decrypt the SMTP password. Several servers and trays may send at
once; each message is claimed before it is sent (services/mail.py)."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)

INTERVAL_S = 30.0


class OutboxSender:
    def __init__(self, interval_s: float = INTERVAL_S) -> None:
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="access-desk outbox",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        from desktop.services import mail

        while not self._stop.wait(self.interval_s):
            try:
                counts = mail.send_pending()
                if counts.get("sent") or counts.get("failed"):
                    log.info("outbox: %s sent, %s not sent", counts.get("sent"),
                             counts.get("failed"))
            except Exception:  # noqa: BLE001 - a bad round must not end the sender
                log.exception("sending the outbox failed; trying again later")
