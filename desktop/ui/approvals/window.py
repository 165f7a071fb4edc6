"""Approvals: pending requests for an approver's applications, passwords he may set, history."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError, for_people
from desktop.live.signals import ALL_APPLICATIONS
from desktop.resources import icon
from desktop.services.bulk_summary import BulkConflict, BulkSummary
from desktop.ui.away_text import away_day, away_sentence
from desktop.ui.common import (
    LICENSE_LABELS,
    STATUS_LABELS,
    Banner,
    EmptyState,
    ErrorLabel,
    SearchBox,
    app_icon,
    button,
    label,
    setup_table,
    status_column,
)
from desktop.ui.keys import SearchListKeys
from desktop.ui.myapps.parts import age, ago, day, service_now, when
from desktop.ui.staleness import Staleness, after_own_write
from desktop.ui.tabbed import TabbedWindow
from desktop.ui.tablemodel import Column, PagedTableModel

from .away import AwayDialog
from .decision import BulkDecision, decision_bar, decision_keys
from .passwords import PasswordsPage
from .reviews import ReviewsPage, review_tasks

if TYPE_CHECKING:
    from desktop.live.signals import FeedSignals

# From this many requests they are decided off the GUI thread, with a progress bar and Cancel
# (decision.BulkDecision: decision.BATCH per call).
PROGRESS_FROM = 2
# A decision that went as asked is reported for this long; a conflict stays until the
# approver selects another request.
OUTCOME_SECONDS = 10


def decider_label(row: dict[str, Any]) -> str:
    """Who decided a request, as the History says it: "Nestor Wilke for Priya Nair" when a
    delegate decided for an away approver (rule 19); "Access Desk" when nobody did."""
    who = row.get("decided_by_name") or "Access Desk"
    if row.get("decided_by_name") and row.get("decided_for_name"):
        who += f" for {row['decided_for_name']}"
    return who


def conflict_sentence(c: BulkConflict, name: str | None = None) -> str:
    """"Nadia Petrova's request for Fabrikam CRM was already approved by Yuki Tanaka (...)"."""
    who = c.decided_by_name or c.decided_by or "Access Desk"
    upn = f" ({c.decided_by})" if c.decided_by and c.decided_by_name else ""
    subject = name[:1].upper() + name[1:] if name else f"Request {c.request_id}"
    return f"{subject} was already {c.status} by {who}{upn} on {when(c.decided_at)}."


def summary_text(summary: BulkSummary, names: dict[int, str]) -> str:
    """What happened to a (bulk) decision, naming who decided first where someone did."""
    verb = "Approved" if summary.approve else "Denied"
    lines = []
    if summary.total == 1 and summary.decided:
        lines.append(f"{verb} {names.get(summary.decided[0], 'the request')}.")
    elif summary.decided or not (summary.conflicts or summary.failed):
        done = f"{verb} {len(summary.decided):,} of {summary.total:,} requests"
        lines.append(f"{done}; stopped: the other {summary.not_done:,} are still pending."
                     if summary.cancelled else f"{done}.")
    if summary.conflicts:
        if summary.total > 1:
            lines.append(f"{len(summary.conflicts)} had already been decided by someone else:")
        shown = summary.conflicts[:8]
        lines += [conflict_sentence(c, names.get(c.request_id)) for c in shown]
        if len(summary.conflicts) > len(shown):
            lines.append(f"… and {len(summary.conflicts) - len(shown)} more.")
    for rid, message in summary.failed[:8]:
        lines.append(f"Request {rid}: {for_people(message)}")
    if summary.cancelled and not summary.decided and (summary.conflicts or summary.failed):
        lines.append(f"Stopped: the other {summary.not_done:,} are still pending.")
    return "\n".join(lines)


def requester_line(row: dict[str, Any]) -> str:
    license_text = LICENSE_LABELS.get(row["license"], row["license"])
    return (f"{row['requester_name']} ({row['requester']}), {row['department'] or 'no department'}"
            f", license {license_text}")


# --- Pending -----------------------------------------------------------------------------------



def overdue_tip(row: dict[str, Any]) -> str | None:
    """Rules 16-17: why a pending request is marked (it waited past a deadline)."""
    if row.get("escalated"):
        return ("Escalated: nobody decided in time, so the escalation approvers were asked "
                "too. It expires if nobody decides.")
    if row.get("reminded"):
        return "Waiting past its reminder: the approvers were reminded. It expires if nobody " \
               "decides."
    return None


def overdue_icon(row: dict[str, Any]) -> QIcon | None:
    return icon("warning") if row.get("reminded") or row.get("escalated") else None

class PendingPage(QWidget):
    """Pending requests for the approver's applications; Approve and Deny one or many.

    `actor` is the person's row or a backend (desktop/api/backend.py): local or a server."""

    def __init__(self, actor: Any, feed: FeedSignals, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.backend = as_backend(actor)
        self.feed = feed
        self.busy = False
        self.last_summary: BulkSummary | None = None
        # The decision under way: approve, the reason, names of the requests for the outcome.
        self._deciding: tuple[bool, str, dict[int, str]] = (True, "", {})

        self.search = SearchBox("Search by requester or application", "Search pending requests")
        self.refresh_button = button("", "refresh", name="Refresh", tip="Refresh (F5)")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.refresh_button)
        self.outcome = Banner("info", name="Decision outcome")
        self.outcome.hide()
        self.outcome_timer = QTimer(self)
        self.outcome_timer.setSingleShot(True)
        self.outcome_timer.setInterval(OUTCOME_SECONDS * 1000)
        self._outcome_ids: set[int] = set()

        columns = [
            Column("requester_name", "Requester"),
            Column("department", "Department", sortable=False),
            Column("license", "License", sortable=False,
                   formatter=lambda v: LICENSE_LABELS.get(v, v or ""),
                   samples=tuple(LICENSE_LABELS.values())),
            Column("app", "Application", icon=lambda row: app_icon(row["app"]), primary=True),
            Column("justification", "Justification", sortable=False, stretch=True),
            Column("created_at", "Age", formatter=lambda v: age(v, self.now()),
                   samples=("just now", "13 days", "8 weeks", "11 months"),
                   tooltip="How long the request has been waiting; a warning sign when it "
                           "has waited past its reminder or escalation",
                   icon=overdue_icon, cell_tooltip=overdue_tip),
        ]
        self.model = PagedTableModel(columns, self._fetch, self, row_tooltip=self._tooltip)
        self.table = QTableView()
        self.table.setModel(self.model)
        setup_table(self.table, "Pending requests")
        self.table.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
        self.empty = EmptyState("No request is waiting for you.",
                                no_match="No pending request matches your search.")
        self.empty.hide()

        self.detail = label("", wrap=True)
        self.detail.setAccessibleName("Selected requests")
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason")
        self.reason.setAccessibleDescription("Required to deny, optional to approve; the "
                                             "requester reads it")
        self.reason.setPlaceholderText("Reason: required to deny, optional to approve. "
                                       "The requester reads it.")
        self.reason.setMaxLength(1000)
        self.approve_button = button("Approve", kind="primary",
                                     name="Approve the selected requests",
                                     tip="Approve the selected requests (Ctrl+Enter)")
        self.deny_button = button("Deny", kind="danger",
                                  name="Deny the selected requests",
                                  tip="Deny the selected requests with the reason given (Del)")
        self.error = ErrorLabel(name="Decision error")
        decision = decision_bar("Decision", self.detail, self.reason, self.approve_button,
                                self.deny_button, self.error)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.outcome)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(decision)

        self._shortcuts = decision_keys(self, self.on_approve_button_clicked,
                                        self.on_deny_button_clicked)
        self._connect_signals()
        self.on_model_loaded()

    def _connect_signals(self) -> None:
        self.model.follow_search(self.search)
        self.refresh_button.clicked.connect(self.refresh)
        self.model.loaded.connect(self.on_model_loaded)
        self.model.error_raised.connect(self.error.show_message)
        self.table.selectionModel().selectionChanged.connect(self.on_table_selection_changed)
        self.approve_button.clicked.connect(self.on_approve_button_clicked)
        self.deny_button.clicked.connect(self.on_deny_button_clicked)
        self.outcome_timer.timeout.connect(self.clear_outcome)
        # Down from the search goes into the list; Enter takes the row (or the only match)
        # and moves to the reason, from where Ctrl+Enter approves.
        SearchListKeys(self.search, self.table, self.on_row_picked)

    def on_row_picked(self, row: int) -> None:
        if row < 0:
            return
        self.table.selectRow(row)
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fetch(self, offset: int, limit: int, search: str | None, sort: str | None
               ) -> list[dict[str, Any]]:
        return self.backend.call(  # type: ignore[no-any-return]
            "approvals.pending", search=search, limit=limit, offset=offset, sort=sort)

    @staticmethod
    def _tooltip(row: dict[str, Any]) -> str:
        return (f"{requester_line(row)}\nrequests {row['app']} ({when(row['created_at'])})\n"
                f"Justification: {row['justification'] or '(none)'}")

    # --- selection ------------------------------------------------------------------------

    def selected_rows(self) -> list[dict[str, Any]]:
        # Read from the selection's ranges: selectedRows() asks the model's flags() for every
        # cell of every selected row (thousands of Python calls with 1,000 rows selected).
        ranges = self.table.selectionModel().selection().toList()
        rows = sorted({r for part in ranges for r in range(part.top(), part.bottom() + 1)})
        loaded = self.model.rowCount()
        return [self.model.row_data(r) for r in rows if r < loaded]

    def select_ids(self, ids: list[int]) -> int:
        """Select these requests among the loaded rows (loading more as needed)."""
        wanted = set(ids)
        while self.model.canFetchMore() and not wanted <= {r["id"] for r in self.model.rows()}:
            self.model.fetchMore()
        # One range per run of adjacent rows, as Ctrl+A or Shift+click make: Qt goes through
        # every range for each cell it paints and for each selectedRows().
        selection = QItemSelection()
        rows, last = self.model.rows(), self.model.columnCount() - 1
        found, first = 0, None
        for i, row in enumerate([*rows, None]):
            if row is not None and row["id"] in wanted:
                found += 1
                first = i if first is None else first
            elif first is not None:
                selection.select(self.model.index(first, 0), self.model.index(i - 1, last))
                first = None
        sm = self.table.selectionModel()
        sm.select(selection, sm.SelectionFlag.ClearAndSelect | sm.SelectionFlag.Rows)
        return found

    def now(self) -> dt.datetime:
        """The services' "now" (a demo's clock may have been jumped ahead): ages agree."""
        return service_now(self.backend.desk())

    def refresh(self, reread_clock: bool = False) -> None:
        """`reread_clock`: a change to no single application came (a demo's clock jumped, the
        demo reset): read how far the demo's clock is ahead again first."""
        if reread_clock:
            try:
                self.backend.desk(fresh=True)
            except AccessDeskError:
                pass  # the list's own read says what is wrong
        if not self.busy:
            self.model.refresh()

    def on_model_loaded(self) -> None:
        self.empty.stand_in_for(self.table, self.model)
        self.on_table_selection_changed()

    def show_outcome(self, text: str, tone: str = "info") -> None:
        """Say what a decision did: gone after OUTCOME_SECONDS when all went as asked, or
        once the approver selects a request that was not selected when it was said."""
        self.outcome.show_text(text, tone)
        self._outcome_ids = {r["id"] for r in self.selected_rows()}
        if tone == "info":
            self.outcome_timer.start()
        else:
            self.outcome_timer.stop()

    def clear_outcome(self) -> None:
        self.outcome_timer.stop()
        self.outcome.show_text(None)

    def on_table_selection_changed(self, *_args: object) -> None:
        if self.busy:  # deciding what is selected: only the buttons change, until it is done
            for b in (self.approve_button, self.deny_button):
                b.setEnabled(False)
            return
        rows = self.selected_rows()
        if self.outcome.isVisibleTo(self) and any(
                r["id"] not in self._outcome_ids for r in rows):
            self.clear_outcome()
        for b in (self.approve_button, self.deny_button):
            b.setEnabled(bool(rows))
        if not rows:
            self.detail.setText("Select one or more requests to approve or deny them "
                                "(Ctrl+A selects all).")
        elif len(rows) == 1:
            row = rows[0]
            self.detail.setText(
                f"{requester_line(row)}, requests {row['app']}, "
                f"{ago(row['created_at'], self.now())} "
                f"({when(row['created_at'])}).\n"
                f"Justification: {row['justification'] or '(none given)'}")
        else:
            apps = sorted({r["app"] for r in rows})
            self.detail.setText(f"{len(rows)} requests selected ({', '.join(apps[:4])}"
                                f"{'…' if len(apps) > 4 else ''}). Approve or Deny decides "
                                "each of them.")

    # --- deciding ---------------------------------------------------------------------------

    def on_approve_button_clicked(self) -> None:
        self.decide(True)

    def on_deny_button_clicked(self) -> None:
        self.decide(False)

    def decide(self, approve: bool) -> BulkSummary | None:
        """One request is decided at once and its summary returned. Several are decided off
        the GUI thread (decision.BulkDecision: progress, Cancel between batches, the lists
        re-read once at the end); None is returned and `last_summary` follows."""
        rows = self.selected_rows()
        if not rows or self.busy:
            return None
        reason = self.reason.text()
        ids = [r["id"] for r in rows]
        self.busy = True
        run = None
        if len(ids) >= PROGRESS_FROM:
            # Started first: its worker opens its connection while this thread shows the
            # window busy (its outcome comes back queued, after this method).
            run = BulkDecision(self, self.backend, ids, approve, reason)
            run.done.connect(self.on_bulk_done)
            run.failed.connect(self.on_bulk_failed)
            run.start()
        self.error.clear_message()
        self.clear_outcome()
        self._deciding = (approve, reason,
                          {r["id"]: f"{r['requester_name']}'s request for {r['app']}"
                           for r in rows})
        self.on_table_selection_changed()
        if run is not None:
            return None
        try:
            view = self.backend.call("approvals.decide", ids=ids, approve=approve,
                                     reason=reason)
        except AccessDeskError as exc:
            self.on_decision_failed(exc)
            return None
        return self.on_decided(BulkSummary.from_view(view))

    def on_bulk_done(self, summary: BulkSummary, error: str) -> None:
        self.on_decided(summary)
        if error:  # a later batch failed: what was decided stays, the rest is pending
            self.error.show_message(error)  # already for people (BulkDecision)

    def on_bulk_failed(self, message: str) -> None:
        self.on_decision_failed(message)
        after_own_write(self, self.refresh)  # what the feed said meanwhile, read now

    def on_decision_failed(self, message: str | AccessDeskError) -> None:
        approve, reason, _names = self._deciding
        self.busy = False
        self.error.show_message(for_people(message))
        if not approve and not reason.strip():
            self.reason.setFocus()
        self.on_table_selection_changed()

    def on_decided(self, summary: BulkSummary) -> BulkSummary:
        _approve, _reason, names = self._deciding
        self.busy = False
        self.last_summary = summary
        tone = "info" if not (summary.conflicts or summary.failed or summary.cancelled) \
            else "warning"
        self.show_outcome(summary_text(summary, names), tone)
        if summary.decided:
            self.reason.clear()
        after_own_write(self, self.refresh)
        self.on_table_selection_changed()
        return summary


# --- History -----------------------------------------------------------------------------------


class HistoryPage(QWidget):
    """Requests for the approver's applications that were decided, cancelled or closed."""

    def __init__(self, actor: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.backend = as_backend(actor)
        self.search = SearchBox("Search by requester or application", "Search decided requests")
        self.error = ErrorLabel(name="History error")
        columns = [
            Column("app", "Application", icon=lambda row: app_icon(row["app"]), primary=True),
            Column("requester_name", "Requester"),
            status_column(),
            Column("decided_by_label", "Decided by", sortable=False),
            Column("decided_at", "Decided", formatter=day,
                   samples=(day("2026-09-28T12:00:00Z"),)),
            Column("reason", "Reason", sortable=False, stretch=True),
        ]
        self.model = PagedTableModel(columns, self._fetch, self, row_tooltip=self._tooltip)
        self.table = QTableView()
        self.table.setModel(self.model)
        setup_table(self.table, "Decided requests")
        self.empty = EmptyState("Nothing has been decided yet.",
                                no_match="No decided request matches your search.")
        self.empty.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        layout.addWidget(self.search)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        self.model.follow_search(self.search)
        self.model.loaded.connect(self.on_model_loaded)
        self.model.error_raised.connect(self.error.show_message)
        self.on_model_loaded()

    def _fetch(self, offset: int, limit: int, search: str | None, sort: str | None
               ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.backend.call(
            "approvals.decided", search=search, limit=limit, offset=offset, sort=sort)
        return [{**row, "decided_by_label": decider_label(row)} for row in rows]

    @staticmethod
    def _tooltip(row: dict[str, Any]) -> str:
        who = decider_label(row)
        return (f"{row['requester_name']} requested {row['app']} on {when(row['created_at'])}\n"
                f"{STATUS_LABELS.get(row['status'], row['status'])} by {who} on "
                f"{when(row['decided_at'])}\nReason: {row['reason'] or '(none)'}")

    def refresh(self) -> None:
        self.model.refresh()

    def select_request(self, request_id: int) -> bool:
        while self.model.row_of(request_id) < 0 and self.model.canFetchMore():
            self.model.fetchMore()
        row = self.model.row_of(request_id)
        if row >= 0:
            self.table.selectRow(row)
        return row >= 0

    def on_model_loaded(self) -> None:
        self.empty.stand_in_for(self.table, self.model)


# --- the window -------------------------------------------------------------------------------


class ApprovalsWindow(TabbedWindow):
    """An approver's window. The Pending tab's title carries the count, updated live."""

    def __init__(self, actor: Any, feed: FeedSignals | None, parent: QWidget | None = None
                 ) -> None:
        super().__init__(actor, feed, "Approvals", (1040, 680), parent)
        feed = self.feed
        self.pending_count = 0

        heading = label("Approvals", "heading")
        self.scope = label("", "hint", wrap=True)
        self.scope.setAccessibleName("Applications you approve")
        # Rule 19: when he is away, and who decides for him; whom he decides for.
        self.away_button = button("Away…", name="Away",
                                  tip="Say when you are away and who decides for you "
                                      "meanwhile (no reminders or e-mail while away)")
        self.away_banner = Banner("info", name="Away")
        self.away_banner.hide()
        title_row = QHBoxLayout()
        title_row.addWidget(heading)
        title_row.addStretch(1)
        title_row.addWidget(self.away_button)
        header = QVBoxLayout()
        header.setSpacing(2)
        header.addLayout(title_row)
        header.addWidget(self.scope)
        header.addWidget(self.away_banner)

        # The pages share the window's backend (the person's row made one, or it was given).
        self.pending_page = PendingPage(self.backend, feed)
        self.passwords_page = PasswordsPage(self.backend, feed)
        self.add_page(self.pending_page, "approve", "Pending")
        self.add_page(self.passwords_page, "key", "Manage passwords")
        # History and Reviews are built, and read, when first shown (desktop.ui.staleness).
        self.history_tab = self.add_lazy_page(lambda: HistoryPage(self.backend), "audit",
                                              "History")
        # Rule 20: the Reviews tab is shown while he reviews.
        self.reviews_tab = self.add_lazy_page(lambda: ReviewsPage(self.backend), "users",
                                              "Reviews")
        self.finish(header)
        self.update_away()  # first: the scope line names whom he stands in for
        self.update_scope(fresh=False)  # his rights were read as the window was asked for
        self.update_badge()
        self.update_reviews()

    @property
    def history_page(self) -> HistoryPage:
        """The History tab's page, built now if it was not."""
        return self.history_tab.page()  # type: ignore[return-value]

    @property
    def reviews_page(self) -> ReviewsPage:
        """The Reviews tab's page, built now if it was not."""
        return self.reviews_tab.page()  # type: ignore[return-value]

    def _connect_signals(self) -> None:
        self.header_stale = Staleness(self, self._refresh_header)
        # A request made or decided changes the header's badge alone: whom he decides for
        # and his scope follow settings and the directory, his reviews access.
        self.badge_stale = Staleness(self, lambda _n: self.update_badge())
        self.pending_stale = Staleness(
            self.pending_page,
            lambda notes: self.pending_page.refresh(reread_clock=ALL_APPLICATIONS in notes))
        self.history_stale = Staleness(self.history_tab, lambda _n: self.history_page.refresh())
        self.passwords_stale = Staleness(self.passwords_page,
                                         lambda _n: self.passwords_page.refresh())
        self.reviews_stale = Staleness(self.reviews_tab, lambda _n: self.update_reviews())
        self.feed.requests_changed.connect(self.on_feed_requests_changed)
        self.feed.settings_changed.connect(self.on_feed_settings_changed)
        self.feed.access_changed.connect(self.on_feed_access_changed)
        self.feed.directory_changed.connect(self.on_feed_directory_changed)
        self.away_button.clicked.connect(self.on_away_button_clicked)

    def on_away_button_clicked(self) -> None:
        try:
            saved = AwayDialog.ask(self, self.backend)
        except AccessDeskError as exc:
            self.away_banner.show_text(for_people(exc), "error")
            return
        if saved is not None:
            after_own_write(self, self.refresh_all)

    def update_away(self) -> None:
        """The banner: "You are away until …; X decides for you" and whom he decides for."""
        try:
            view = self.backend.call("away.show")
        except AccessDeskError:
            return
        self.stands_in_for = [other["name"] for other in view.get("stands_in_for", [])]
        lines = [away_sentence(view)] if view.get("to") else []
        lines += [f"You decide for {other['name']} while away, until "
                  f"{away_day(other['to'], end=True)}: the requests of "
                  f"{other['name']}'s applications are listed here."
                  for other in view.get("stands_in_for", [])]
        self.away_banner.show_text("\n".join(line for line in lines if line))
        self.away_button.setText("Away (set)…" if view.get("to") else "Away…")

    def update_scope(self, fresh: bool = True) -> None:
        try:
            apps: list[str] = self.backend.call("approvals.apps")
            password_apps = self.passwords_page.reload_apps()
            # Whether he approves anything may have changed since the window opened.
            approver = bool(apps) or bool(self.backend.desk(fresh=fresh)["approver"])
        except AccessDeskError as exc:
            self.scope.setText(for_people(exc))
            return
        stands_in = getattr(self, "stands_in_for", [])  # rule 19, from update_away
        if apps:
            text = "You approve requests for " + ", ".join(apps) + "."
        elif stands_in:
            text = ("You approve no application yourself; meanwhile you decide for "
                    + " and ".join(stands_in) + ".")
        elif approver:
            text = ("No application you approve takes requests at the moment: its "
                    "self-service is off or needs no approval.")
        else:
            text = "You are not an approver of any application."
        if self.backend.remote:
            text += f" Working on the server {self.backend.place}."
        self.scope.setText(text)
        self.tabs.setTabVisible(self.tabs.indexOf(self.passwords_page), bool(password_apps))

    def update_badge(self) -> None:
        try:
            counts = self.backend.call("approvals.counts")
        except AccessDeskError:
            return
        self.pending_count, overdue = int(counts["pending"]), int(counts["overdue"])
        index = self.tabs.indexOf(self.pending_page)
        text = f"Pending ({self.pending_count})" if self.pending_count else "Pending"
        if overdue:  # rules 16-17: the badge says some have waited past their reminder
            text = f"Pending ({self.pending_count} · {overdue} overdue)"
        self.tabs.setTabText(index, text)
        self.tabs.setTabIcon(index, icon("warning" if overdue else "approve"))
        self.tabs.setTabToolTip(index, f"{self.pending_count} request(s) waiting for you"
                                + (f"; {overdue} waited past their reminder or escalation"
                                   if overdue else ""))

    def show_request(self, request_id: int) -> None:
        """Open one request (a tray notification was clicked): pending, or who decided it."""
        self.pending_page.search.clear()
        self.pending_page.model.apply_search_now()
        self.pending_page.refresh()
        if self.pending_page.select_ids([request_id]):
            self.tabs.setCurrentWidget(self.pending_page)
            self.pending_page.table.scrollTo(self.pending_page.table.currentIndex())
            return
        try:
            row = self.backend.call("approvals.detail", request_id=request_id)
        except AccessDeskError as exc:
            self.tabs.setCurrentWidget(self.pending_page)
            self.pending_page.show_outcome(for_people(exc), "warning")
            return
        self.tabs.setCurrentWidget(self.history_page)
        self.history_page.select_request(request_id)
        who = decider_label(row)
        self.pending_page.show_outcome(
            f"{row['requester_name']}'s request for {row['app']} was already "
            f"{row['status']} by {who} on {when(row['decided_at'])}.", "warning")

    # The feed marks what depends on a change stale (desktop.ui.staleness): the tab shown
    # refreshes once per burst, the others when they are shown; the header while seen.

    def on_feed_requests_changed(self) -> None:
        self.pending_stale.mark_stale()
        self.history_stale.mark_stale()
        self.badge_stale.mark_stale()

    def on_feed_settings_changed(self, app_id: int) -> None:
        # An application renamed, its self-service turned off or its approvers changed; for
        # no single application: perhaps a demo's clock jumped (ages change) or a reset.
        self._mark_lists_stale()
        if app_id == ALL_APPLICATIONS:
            self.pending_stale.mark_stale(ALL_APPLICATIONS)

    def _mark_lists_stale(self) -> None:
        self.header_stale.mark_stale()
        self.pending_stale.mark_stale()
        self.history_stale.mark_stale()
        self.passwords_stale.mark_stale()

    def on_feed_access_changed(self) -> None:
        self.passwords_stale.mark_stale()
        self.reviews_stale.mark_stale()

    def on_feed_directory_changed(self) -> None:
        # Names, departments and licenses are in every list; an approver may lose his license.
        self._mark_lists_stale()

    def _refresh_header(self, _notes: object) -> None:
        self.update_away()  # first: the scope line names whom he stands in for
        self.update_scope(fresh=False)  # his rights were read as the window was asked for
        self.update_badge()
        self.update_reviews()

    def update_reviews(self) -> None:
        """Rule 20: the Reviews tab, shown while he reviews an active review, with the number
        of people waiting for his decision."""
        page: ReviewsPage | None = self.reviews_tab.built_page()  # type: ignore[assignment]
        if page is not None:
            reviews = page.reload_reviews()
        else:  # the tab's title needs the reviews, not their people (read when shown)
            try:
                reviews = self.backend.call("reviews.mine")
            except AccessDeskError:
                return
        index = self.tabs.indexOf(self.reviews_tab)
        tasks = review_tasks(reviews)
        self.tabs.setTabVisible(index, bool(reviews))
        self.tabs.setTabText(index, f"Reviews ({tasks})" if tasks else "Reviews")
        self.tabs.setTabToolTip(index, f"{tasks} people wait for your review decision")

    def refresh_all(self) -> None:
        self.update_away()  # first: the scope line names whom he stands in for
        self.update_scope(fresh=False)  # his rights were read as the window was asked for
        self.pending_page.refresh()
        if self.history_tab.is_built():
            self.history_page.refresh()
        self.passwords_page.refresh()
        self.update_badge()
        self.update_reviews()
