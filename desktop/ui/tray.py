"""The approver's tray: a live count of pending requests and a notification for each new one."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRect, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError
from desktop.live.signals import Changes, FeedSignals
from desktop.resources import icon
from desktop.services.notice_kinds import (
    APPROVER_KINDS,
    ESCALATED,
    NOBODY_AVAILABLE,
    REMINDER,
    REVIEW_TASK,
)
from desktop.ui.common import MessageLabel, button, label, repolish
from desktop.ui.workers import PeriodicTask

log = logging.getLogger(__name__)

# Rules 16-17: a reminder and an escalation reach the approver as a new request does.
APPROVER_TITLES = {REMINDER: "A request is still waiting", ESCALATED: "A request was escalated",
                   REVIEW_TASK: "An access review needs you",
                   NOBODY_AVAILABLE: "Nobody can decide requests"}


def away_note(view: dict[str, Any]) -> str:
    """Rule 19, for the tooltip: "; you are away until 20 December 2026" (and who decides
    for him), or ""."""
    from desktop.ui.away_text import away_day

    if not view.get("away"):
        return ""
    note = f"; you are away until {away_day(view['to'], end=True)}"
    return note + (f" ({view['delegate_name']} decides for you)" if view.get("delegate")
                   else "")

# More new requests than this at once become one summary notification.
BURST = 3
# Qt's own notification balloon (used where no notification service runs) has a tiny close
# button that the application's button padding would squeeze into a box.
BALLOON_STYLE = ("QBalloonTip QPushButton { border: none; background: transparent; "
                 "padding: 0px; min-height: 0px; min-width: 0px; }")
# The tray process sends the e-mail outbox: first soon after start, then this often.
MAIL_FIRST_MS = 5_000
MAIL_INTERVAL_MS = 30_000
NO_TRAY_MESSAGE = ("There is no system tray on this desktop: Access Desk keeps this small "
                   "window open instead.")


def badge_icon(count: int, base: QIcon | None = None, overdue: bool = False) -> QIcon:
    """The tray mark with a red count in its corner (none at zero); `overdue` (rules 16-17:
    a request waited past its reminder) rings the count in amber."""
    base = base if base is not None else icon("tray")
    result = QIcon()
    for size in (16, 22, 24, 32, 48, 64):
        pixmap = base.pixmap(size, size)
        if pixmap.isNull():
            pixmap = QPixmap(size, size)
            pixmap.fill(Qt.GlobalColor.transparent)
        if count > 0:
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            text = "99+" if count > 99 else str(count)
            diameter = int(size * (0.62 if len(text) == 1 else 0.7))
            rect = QRect(size - diameter, 0, diameter, diameter)
            painter.setPen(Qt.PenStyle.NoPen)
            if overdue:
                painter.setBrush(QColor("#ffb300"))
                painter.drawEllipse(rect)
                ring = max(2, size // 10)
                rect = rect.adjusted(ring, ring, -ring, -ring)
            painter.setBrush(QColor("#d32f2f"))
            painter.drawEllipse(rect)
            font = QFont()
            font.setBold(True)
            font.setPixelSize(max(6, int(diameter * (0.7 if len(text) == 1 else 0.5))))
            painter.setFont(font)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
            painter.end()
        result.addPixmap(pixmap)
    return result


def send_pending_mail() -> dict[str, int] | None:
    """In a worker thread: send what is due, when SMTP is set up at all (None when not)."""
    from desktop.services import mail

    if mail.load_settings() is None:
        return None
    return mail.send_pending()


def count_text(count: int) -> str:
    if count == 0:
        return "No request is waiting for you"
    return f"{count} request{'s' if count != 1 else ''} waiting for you"


def reviews_text(tasks: int) -> str:
    """Rule 20: the tray's entry for the people waiting for his review decision."""
    return f"Access reviews ({tasks})\u2026"


def reviews_tip(tasks: int) -> str:
    return (f"{tasks} {'person waits' if tasks == 1 else 'people wait'} for your decision "
            "in an access review: open the Reviews tab of Approvals")


class Notifier(QObject):
    """The one place desktop notifications go through (tests replace it with a recorder).

    With a tray icon it uses the tray's balloon; without one it hands the message to the
    fallback window. Clicking the notification emits activated with its request id.

    Signals:
        activated(int): the notification was clicked; the request id (0 when none).
    """

    activated = Signal(int)

    def __init__(self, tray: QSystemTrayIcon | None = None,
                 fallback: FallbackWindow | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tray = tray
        self.fallback = fallback
        self._last_request = 0
        if tray is not None:
            tray.messageClicked.connect(self.on_tray_message_clicked)
        if fallback is not None:
            fallback.open_clicked.connect(self.on_fallback_open_clicked)

    def notify(self, title: str, message: str, request_id: int | None = None) -> None:
        self._last_request = request_id or 0
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage(title, message, icon("tray"), 10_000)
        if self.fallback is not None:
            self.fallback.show_notification(title, message)

    def on_tray_message_clicked(self) -> None:
        self.activated.emit(self._last_request)

    def on_fallback_open_clicked(self) -> None:
        self.activated.emit(self._last_request)


class FallbackWindow(QWidget):
    """A small, always available window standing in for a missing system tray.

    Signals:
        open_clicked(): the latest notification's Open button.
        approvals_clicked(): Open Approvals.
        myapps_clicked(): Open My Apps.
        reviews_clicked(): Access reviews (N)… (rule 20; shown while he has review tasks).
    """

    open_clicked = Signal()
    approvals_clicked = Signal()
    myapps_clicked = Signal()
    reviews_clicked = Signal()

    def __init__(self, actor: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tray")  # Qt adds " — Access Desk"
        self.setWindowIcon(icon("access-desk"))
        self.setAccessibleName("Access Desk tray window")
        self.setMinimumWidth(380)
        mark = QLabel()
        mark.setPixmap(icon("tray").pixmap(32, 32))
        mark.setAccessibleName("Access Desk")
        title = label("Access Desk", "question")
        who = label(as_backend(actor).desk()["name"], "hint")
        head = QHBoxLayout()
        head.addWidget(mark)
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(title)
        names.addWidget(who)
        head.addLayout(names, 1)
        self.badge = label("0", "badge")
        self.badge.setAccessibleName("Requests waiting")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        head.addWidget(self.badge)

        self.no_tray = label(NO_TRAY_MESSAGE, "hint", wrap=True)
        self.no_tray.setAccessibleName("No system tray")
        self.count = label("", wrap=True)
        self.count.setAccessibleName("Waiting requests")
        self.latest = MessageLabel("", "Latest notification")
        self.open_button = button("Open request", "approve", name="Open the latest request")
        self.open_button.hide()
        self.approvals_button = button("Open Approvals", kind="primary",
                                       name="Open Approvals")
        self.myapps_button = button("Open My Apps", "application", name="Open My Apps")
        self.reviews_button = button(reviews_text(0), "users", name="Access reviews")
        self.reviews_button.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.myapps_button)
        buttons.addStretch(1)
        buttons.addWidget(self.reviews_button)
        buttons.addWidget(self.approvals_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(8)
        layout.addLayout(head)
        layout.addWidget(self.no_tray)
        layout.addWidget(self.count)
        layout.addWidget(self.latest)
        layout.addWidget(self.open_button)
        layout.addLayout(buttons)
        self.open_button.clicked.connect(self.open_clicked)
        self.approvals_button.clicked.connect(self.approvals_clicked)
        self.myapps_button.clicked.connect(self.myapps_clicked)
        self.reviews_button.clicked.connect(self.reviews_clicked)

    def set_reviews(self, tasks: int) -> None:
        """Rule 20: the Access reviews button, shown while people wait for his decision."""
        self.reviews_button.setText(reviews_text(tasks))
        self.reviews_button.setToolTip(reviews_tip(tasks))
        self.reviews_button.setVisible(tasks > 0)

    def set_count(self, count: int, overdue: int = 0) -> None:
        self.badge.setText(str(count))
        self.badge.setVisible(count > 0)
        # Rules 16-17: the badge is emphasised while some waited past their reminder.
        self.badge.setProperty("tone", "overdue" if overdue else None)
        repolish(self.badge)
        self.count.setText(count_text(count) + (f", {overdue} of them past the reminder"
                                                if overdue else "") + ".")
        self.setWindowTitle(f"Tray ({count})" if count else "Tray")

    def show_notification(self, title: str, message: str) -> None:
        self.latest.show_message(f"{title}: {message}.")
        self.open_button.show()

    def show_state(self, text: str) -> None:
        """Why the count cannot be trusted now (offline, signed out); "" when it can."""
        if text:
            self.count.setText(text)
            self.badge.hide()


class ApproverTray(QObject):
    """The tray icon (or its stand-in) with the live count, notifications and its menu.

    Signals:
        count_changed(int): the number of pending requests the approver may decide.
    """

    count_changed = Signal(int)

    def __init__(self, actor: Any, feed: FeedSignals, *, notifier: Notifier | None = None,
                 tray_available: bool | None = None,
                 open_window: Callable[[str, int | None], Any] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.actor = actor  # the person's row, or a backend signed in as him
        self.backend = as_backend(actor)
        self.feed = feed
        self.count = -1
        self.review_tasks = 0  # rule 20: people waiting for his review decision
        self.overdue = 0  # rules 16-17: pending requests past their reminder or escalation
        self.away = ""  # rule 19: the tooltip's note while he is away
        self.state = ""  # why the count is not live ("" when it is)
        self._balloon_kind: str | None = None  # the kind of the last notice shown
        self.windows: dict[str, Any] = {}
        self._open_window = open_window or self._default_open_window
        if tray_available is None:
            tray_available = QSystemTrayIcon.isSystemTrayAvailable()
        self.tray: QSystemTrayIcon | None = None
        self.fallback: FallbackWindow | None = None
        if tray_available:
            self.tray = QSystemTrayIcon(badge_icon(0), self)
            self.tray.setToolTip("Access Desk")
            self.menu = QMenu()
            self.approvals_action = QAction(icon("approve"), "Open Approvals", self.menu)
            # Rule 20: shown while people wait for his decision in an access review.
            self.reviews_action = QAction(icon("users"), reviews_text(0), self.menu)
            self.reviews_action.setVisible(False)
            self.myapps_action = QAction(icon("application"), "Open My Apps", self.menu)
            self.quit_action = QAction("Quit Access Desk tray", self.menu)
            self.menu.addAction(self.approvals_action)
            self.menu.addAction(self.reviews_action)
            self.menu.addAction(self.myapps_action)
            self.menu.setToolTipsVisible(True)
            self.menu.addSeparator()
            self.menu.addAction(self.quit_action)
            self.tray.setContextMenu(self.menu)
            self.approvals_action.triggered.connect(self.on_approvals_action_triggered)
            self.reviews_action.triggered.connect(self.on_reviews_action_triggered)
            self.myapps_action.triggered.connect(self.on_myapps_action_triggered)
            self.quit_action.triggered.connect(self.on_quit_action_triggered)
            self.tray.activated.connect(self.on_tray_activated)
        else:
            self.fallback = FallbackWindow(self.backend)
            self.fallback.approvals_clicked.connect(self.on_approvals_action_triggered)
            self.fallback.myapps_clicked.connect(self.on_myapps_action_triggered)
            self.fallback.reviews_clicked.connect(self.on_reviews_action_triggered)
        self.notifier = notifier or Notifier(self.tray, self.fallback, self)
        self.notifier.activated.connect(self.on_notifier_activated)
        self._last_seen = self.backend.call("me.notifications.latest")
        feed.changed.connect(self.on_feed_changed)
        feed.directory_rebuilt.connect(self.on_feed_directory_rebuilt)
        feed.connection_changed.connect(self.on_feed_connection_changed)
        session_ended = getattr(feed, "session_ended", None)
        if session_ended is not None:  # a server's feed
            session_ended.connect(self.on_feed_session_ended)
        feed.start()
        self.update_count()
        # E-mail goes out from here, off the GUI thread; start_tray starts the timers.
        # (`send_pending_mail` is looked up at each round: tests replace it.)
        self.mail = PeriodicTask("sending e-mail", lambda: send_pending_mail(),
                                 MAIL_FIRST_MS, MAIL_INTERVAL_MS, self)
        self.mail.done.connect(self.on_mail_sent)
        self.mail_timer, self.mail_first = self.mail.timer, self.mail.first

    def show(self) -> None:
        if self.tray is not None:
            self.tray.show()
        if self.fallback is not None:
            self.fallback.show()

    def hide(self) -> None:
        if self.tray is not None:
            self.tray.hide()
        if self.fallback is not None:
            self.fallback.hide()

    # --- live -------------------------------------------------------------------------------

    def update_count(self) -> None:
        try:
            counts = self.backend.call("approvals.counts")
            tasks = int(self.backend.call("reviews.count"))  # rule 20: review tasks
            away = away_note(self.backend.call("away.show"))  # rule 19
        except AccessDeskError:
            return
        count, overdue = int(counts["pending"]), int(counts["overdue"])  # rules 16-17
        if (count, overdue, tasks, away) == (self.count, self.overdue, self.review_tasks,
                                             self.away):
            return
        self.count, self.overdue, self.review_tasks, self.away = count, overdue, tasks, away
        if self.tray is not None:
            self.tray.setIcon(badge_icon(count, overdue=overdue > 0))
            self.tray.setToolTip(f"Access Desk: {count_text(count).lower()}"
                                 + (f", {overdue} past its reminder" if overdue else "")
                                 + (f"; {tasks} {'person' if tasks == 1 else 'people'} to "
                                    "review" if tasks else "") + away)
            self.reviews_action.setText(reviews_text(tasks))
            self.reviews_action.setToolTip(reviews_tip(tasks))
            self.reviews_action.setVisible(tasks > 0)
        if self.fallback is not None:
            self.fallback.set_count(count, overdue)
            self.fallback.set_reviews(tasks)
        self.count_changed.emit(count)

    def show_state(self, text: str) -> None:
        """Say why the count is not live (offline, signed out) where the person looks: the
        icon's tooltip and the stand-in window; "" when it is live again."""
        self.state = text
        if not text:
            self.count = -1
            self.update_count()
            return
        if self.tray is not None:
            self.tray.setIcon(badge_icon(0))
            self.tray.setToolTip(f"Access Desk: {text}")
        if self.fallback is not None:
            self.fallback.show_state(text)

    def on_feed_connection_changed(self, ok: bool, message: str) -> None:
        if self.state and getattr(self.feed, "ended", False):
            return  # signed out: that stays what the tray says
        self.show_state("" if ok else message or "Connection lost \u2014 retrying\u2026")

    def on_feed_session_ended(self, message: str) -> None:
        """The server no longer accepts this desktop's token (signed out elsewhere, revoked,
        a password change, disabled): say so once, instead of a count that silently stops."""
        self.show_state(message)
        self.notifier.notify("Signed out of Access Desk", message, None)

    def check_new_requests(self) -> None:
        """Notify about new-request notifications that arrived since the last look."""
        try:
            rows = self.backend.call("me.notifications", limit=50, kinds=list(APPROVER_KINDS),
                                     after_id=self._last_seen)
        except AccessDeskError:
            return
        if not rows:
            return
        self._last_seen = max(r["id"] for r in rows)
        rows.reverse()  # oldest first
        if len(rows) > BURST:
            self._balloon_kind = None
            self.notifier.notify("New access requests",
                                 f"{len(rows)} new requests are waiting for you", None)
            return
        for row in rows:
            self._balloon_kind = row.get("kind")
            self.notifier.notify(APPROVER_TITLES.get(row.get("kind"), "New access request"),
                                 row["message"], row["request_id"])

    def on_feed_changed(self, changes: Changes) -> None:
        # One count per burst, whichever of its topics move it.
        if "notifications" in changes.topics:
            self.check_new_requests()
        # "access": a review decision (rule 20) lowers the reviewer's tasks.
        if changes.topics & {"requests", "notifications", "settings", "access"}:
            self.update_count()

    def on_feed_directory_rebuilt(self) -> None:
        """The demo was reset: the same person on the rebuilt directory. Its notifications
        start again from id 1, so the last one seen is taken afresh (the rebuilt history is
        not news); open windows are built again on the new directory."""
        if not self.backend.remote:
            from desktop.services import lookup

            fresh = lookup.user_or_none(self.actor.upn)
            if fresh is not None:
                self.actor = fresh
                self.backend = as_backend(fresh)
        self._last_seen = self.backend.call("me.notifications.latest")
        self.count = -1
        self.update_count()
        shown = [kind for kind, window in self.windows.items() if window.isVisible()]
        for window in self.windows.values():
            window.close()
            window.deleteLater()
        self.windows.clear()
        for kind in shown:
            self._open_window(kind, None)

    # --- e-mail -----------------------------------------------------------------------------

    def start_mail_sender(self) -> None:
        if self.backend.remote:
            return  # the server sends the outbox (and holds the SMTP password)
        self.mail.start()

    def stop_mail_sender(self, wait_ms: int = 30_000) -> None:
        self.mail.stop(wait_ms)

    @property
    def mail_sending(self) -> bool:
        """A round of sending is at work (the last one is still talking to the server)."""
        return self.mail.running

    def on_mail_timer_timeout(self) -> None:
        self.mail.on_timer_timeout()

    def on_mail_sent(self, result: dict[str, int] | None) -> None:
        if result and (result.get("sent") or result.get("failed")):
            log.info("e-mail: %s sent, %s not sent", result.get("sent"), result.get("failed"))

    # --- opening windows --------------------------------------------------------------------

    def _default_open_window(self, kind: str, request_id: int | None) -> Any:
        # any of the shell windows (show_request: the Approvals one)
        window: Any = self.windows.get(kind)
        if window is None:
            # The very window `gui` opens: its title, menu bar, remembered size.
            from desktop.ui.app import shell_window

            window = shell_window(kind, self.actor, self.feed,
                                  lambda other: self._open_window(other, None))
            self.windows[kind] = window
        window.show()
        window.raise_()
        window.activateWindow()
        if request_id and kind == "approvals":
            window.show_request(request_id)
        return window

    def open_reviews(self) -> Any:
        """Rule 20: Approvals at its Reviews tab, brought up to date."""
        window = self._open_window("approvals", None)
        page = getattr(window, "reviews_page", None)
        if page is not None:
            window.update_reviews()
            window.tabs.setCurrentWidget(page)
        return window

    def on_notifier_activated(self, request_id: int) -> None:
        if not request_id and self._balloon_kind == REVIEW_TASK:
            self.open_reviews()  # a review task's balloon
            return
        self._open_window("approvals", request_id or None)

    def on_approvals_action_triggered(self) -> None:
        self._open_window("approvals", None)

    def on_reviews_action_triggered(self) -> None:
        self.open_reviews()

    def on_myapps_action_triggered(self) -> None:
        self._open_window("myapps", None)

    def on_tray_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger,
                      QSystemTrayIcon.ActivationReason.DoubleClick):
            self._open_window("approvals", None)

    def on_quit_action_triggered(self) -> None:
        QApplication.quit()


def start_tray(actor: Any, *, tray_available: bool | None = None,
               feed: FeedSignals | None = None) -> ApproverTray:
    """Everything `run_tray` does before it enters the event loop (tests stop here)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1] or ["access-desk"])
    assert isinstance(app, QApplication)
    from desktop.ui.style import name_application

    name_application(app)  # the windows it opens are titled as `gui`'s are
    from desktop.ui import gc_guard

    gc_guard.install(app)
    app.setWindowIcon(icon("access-desk"))
    if not app.styleSheet():
        # The look of every other window (Fusion, the stylesheet, icons following it): the
        # Approvals window the tray opens must not look different from the one `gui` opens.
        from desktop.ui.style import apply_style

        apply_style(app)
    if BALLOON_STYLE not in app.styleSheet():
        app.setStyleSheet(app.styleSheet() + "\n" + BALLOON_STYLE)
    available = (QSystemTrayIcon.isSystemTrayAvailable() if tray_available is None
                 else tray_available)
    if feed is None:
        from desktop.ui.tabbed import make_feed

        feed = make_feed(as_backend(actor), app)
    tray = ApproverTray(actor, feed, tray_available=available, parent=app)
    tray.start_mail_sender()
    desk = tray.backend.desk()
    if not desk["approver"]:
        print(f"{desk['upn']} is not an approver of any application; the tray shows no requests.",
              file=sys.stderr)
    if available:
        app.setQuitOnLastWindowClosed(False)
    else:
        print("There is no system tray on this desktop; Access Desk keeps a small window open "
              "instead.", file=sys.stderr)
        # Closing the stand-in (and any window it opened) ends the tray, as Quit would.
        app.setQuitOnLastWindowClosed(True)
    tray.show()
    return tray


def run_tray(actor: Any, *, tray_available: bool | None = None) -> int:
    """`access-desk tray`: the approver's tray alone, until Quit, on the database this
    process opened or (`actor` a remote backend) on a server.

    Where the platform has no system tray it says so on stderr and keeps a small window
    instead. Returns the exit code of the event loop.
    """
    tray = start_tray(actor, tray_available=tray_available)
    app = QApplication.instance()
    assert app is not None
    from desktop.ui.sweeper import start_sweeping

    sweeper = start_sweeping(app, tray.backend)  # rule 21: a single desk sweeps
    try:
        return int(app.exec())
    finally:
        if sweeper is not None:
            sweeper.stop()
        tray.stop_mail_sender()
        tray.feed.stop()
        tray.hide()
