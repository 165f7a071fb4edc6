"""The change signals every window listens to, and how a burst of change rows becomes them.
The local feed (desktop/live/feed.py, the database) and the remote one (desktop/remote/feed.py,
a server's live connection) both emit them, so no window can tell the two apart. No database
here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

# settings_changed carries this when a write touched settings of no single application.
ALL_APPLICATIONS = 0
# Topics a "reset" (the demo rebuilt in place) stands for: every window re-reads everything.
RESET_TOPICS = ("directory", "access", "requests", "notifications", "audit", "mail")


@dataclass(frozen=True)
class Changes:
    """One burst of changes as the feed read it: what changed and who started it (Anki's
    operations carry the same). `own` is True when every change row was written by this
    process (``services.core.published_here``), so a window may tell its own writes from
    other desktops'."""

    topics: frozenset[str]
    app_ids: tuple[int, ...]
    own: bool
    last_id: int


class FeedSignals(QObject):
    """What changed, as Qt signals (a subclass learns of it and calls `_emit`).

    Signals:
        requests_changed(): a request was made, decided, cancelled or closed.
        notifications_changed(): someone received a notification (or read some).
        settings_changed(int): an application's settings or properties; 0 for "several".
        access_changed(): an assignment or a self-service group membership changed.
        directory_changed(): users or groups changed.
        audit_changed(): events were appended to the audit log (every write use case does).
        mail_changed(): a message of the outbox was sent, or failed.
        directory_rebuilt(): the demo directory was reset in place; people and ids may be new,
            so every window re-reads everything (the other signals follow, all of them).
        changed(Changes): the whole burst, before the typed signals above (what changed
            and whether this process wrote it).
        connection_changed(bool, str): the database was lost (False, a message for the status
            bar) or is reachable again (True, "").
    """

    requests_changed = Signal()
    notifications_changed = Signal()
    settings_changed = Signal(int)
    access_changed = Signal()
    directory_changed = Signal()
    audit_changed = Signal()
    mail_changed = Signal()
    directory_rebuilt = Signal()
    changed = Signal(object)
    connection_changed = Signal(bool, str)

    # What every feed does (LiveFeed, RemoteFeed): start, stop, read now after an own write.

    @property
    def connected(self) -> bool:
        return True

    def is_running(self) -> bool:
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def poll_now(self) -> None:
        raise NotImplementedError

    # --- signals ---------------------------------------------------------------------------

    def _emit(self, rows: Iterable[tuple[int, str, int | None]],
              is_own: Callable[[int], bool]) -> None:
        """One burst of change rows (id, topic, entity id) as the signals; `is_own(id)` says
        whether this process wrote a change."""
        topics: set[str] = set()
        apps: list[int] = []
        own = True
        last_id = 0
        for change_id, topic, entity in rows:
            topics.add(topic)
            own = own and is_own(change_id)
            last_id = max(last_id, change_id)
            if topic == "settings":
                app_id = int(entity) if entity is not None else ALL_APPLICATIONS
                if app_id not in apps:
                    apps.append(app_id)
        if "reset" in topics:
            # Everything changed: say so first (windows rebuild), then tell every listener.
            self.directory_rebuilt.emit()
            topics.update(RESET_TOPICS)
            apps = [ALL_APPLICATIONS]
        if topics:
            self.changed.emit(Changes(frozenset(topics), tuple(apps), own, last_id))
        # Directory and access first: a request list often depends on both.
        if "directory" in topics:
            self.directory_changed.emit()
        for app_id in apps:
            self.settings_changed.emit(app_id)
        if "access" in topics:
            self.access_changed.emit()
        if "requests" in topics:
            self.requests_changed.emit()
        if "notifications" in topics:
            self.notifications_changed.emit()
        if "mail" in topics:
            self.mail_changed.emit()
        if "audit" in topics:
            self.audit_changed.emit()
