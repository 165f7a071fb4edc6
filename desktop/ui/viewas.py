"""The trainer's View-as window: several demo people's windows side by side, live."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import AccessDeskError, NotFound, for_people
from desktop.models import User
from desktop.resources import icon
from desktop.ui.common import ROLE_LABELS, DemoBanner, EmptyState, accessible, button, label

KIND_TITLES = {"myapps": "My Apps", "approvals": "Approvals", "admin": "Admin console"}
# The request journey a class watches: a requester's My Apps beside his approvers' Approvals;
# View as starts on this requester (Fabrikam CRM, approved by Alice Wu and Yuki Tanaka).
JOURNEY_REQUESTER = "oliver.schmidt"
JOURNEY_APPROVERS = 2  # beside the requester; more would make every pane too small to use


def journey_for(upn: str) -> tuple[list[tuple[str, str]], str]:
    """The panes of this person's request journey and a line saying what it shows: his My
    Apps, then the Approvals of (at most two) people who approve one application he may
    request; his pending request's application first, else one with two approvers or more."""
    from desktop.services import catalog
    from desktop.ui.windows import allowed_kinds

    requester = person(upn)
    rows, _license = catalog.catalog(requester)
    order = {"requested": 0, "requestable": 1}

    def approvers(row: dict[str, Any]) -> list[User]:
        people = [_known(a) for a in row["approvers"] if a != upn]
        return [p for p in people if p is not None and allowed_kinds(p)["approvals"] is None]

    choices = [(order.get(r["state"], 2), len(approvers(r)) < JOURNEY_APPROVERS, i, r)
               for i, r in enumerate(rows) if r["requires_approval"] and approvers(r)]
    panes = [(upn, "myapps")]
    if not choices:
        return panes, (f"No application {requester.display_name} may request needs approval: "
                       "his My Apps only.")
    row = min(choices, key=lambda c: c[:3])[3]
    chosen = approvers(row)[:JOURNEY_APPROVERS]
    panes += [(a.upn, "approvals") for a in chosen]
    names = " and ".join(a.display_name for a in chosen)
    asked = "has asked for" if row["state"] == "requested" else "may request"
    return panes, (f"{requester.display_name} {asked} {row['name']}; {names} "
                   f"{'approves' if len(chosen) == 1 else 'approve'} it.")


def demo_people() -> list[dict[str, Any]]:
    from desktop.services import auth

    return auth.demo_people()


def person(upn: str) -> User:
    """The person of that user name (services.lookup); NotFound when there is none."""
    from desktop.services import lookup

    return lookup.user(upn)


def _known(upn: str) -> User | None:
    try:
        return person(upn)
    except NotFound:
        return None


def role_line(user: User) -> str:
    from desktop.services.rights import roles_of

    roles = ", ".join(ROLE_LABELS[r] for r in roles_of(user))
    return roles or user.job_title or user.department or ""


class Pane(QFrame):
    """One person's window inside the View-as window, under a header naming him.

    Signals: none; `close_button` removes the pane.
    """

    def __init__(self, user: User, kind: str, window: QWidget,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # not `window`: that would hide QWidget.window()
        self.user, self.kind, self.person_window = user, kind, window
        self.setObjectName("pane")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("QFrame#pane { border: 1px solid #b8c4cb; border-radius: 6px; }")
        header = QWidget()
        header.setObjectName("paneHeader")
        header.setStyleSheet("QWidget#paneHeader { background-color: #263238; "
                             "border-top-left-radius: 6px; border-top-right-radius: 6px; }"
                             "QWidget#paneHeader QLabel { color: #ffffff; "
                             "background-color: transparent; }")
        name = QLabel(f"<b>{html.escape(user.display_name)}</b>  ·  {KIND_TITLES[kind]}")
        name.setAccessibleName(f"{user.display_name}, {KIND_TITLES[kind]}")
        who = QLabel(html.escape(role_line(user)))
        who.setStyleSheet("color: #b0bec5;")
        self.close_button = QToolButton()
        self.close_button.setIcon(icon("cancel", dark=True))
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Close this pane")
        self.close_button.setAccessibleName(f"Close {user.display_name}'s {KIND_TITLES[kind]}")
        row = QHBoxLayout(header)
        row.setContentsMargins(12, 6, 6, 6)
        row.addWidget(name)
        row.addWidget(who, 1)
        row.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(1, 1, 1, 1)
        layout.setSpacing(0)
        layout.addWidget(header)
        window.setWindowFlags(Qt.WindowType.Widget)
        for banner in window.findChildren(DemoBanner):
            banner.hide()  # the View-as window shows it once, above every pane
        # A pane smaller than the window's own minimum scrolls rather than squeezing it.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(window)
        scroll.setAccessibleName(f"{user.display_name}'s {KIND_TITLES[kind]}")
        layout.addWidget(scroll, 1)
        self.setAccessibleName(f"{user.display_name}: {KIND_TITLES[kind]}")


class ViewAsWindow(QMainWindow):
    """Several demo people's windows side by side in one process, for a class to watch.

    Every pane shares the one live feed, so a request made in one pane shows in the
    approvers' panes within a second, and their decision comes back the same way.
    """

    def __init__(self, feed: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.feed = feed
        self.setWindowTitle("View as (trainer)")
        self.setWindowIcon(icon("access-desk"))
        self.setAccessibleName("View as")
        # As large as the screen allows: three people's windows share it.
        screen = self.screen().availableGeometry()
        self.resize(min(1920, screen.width()), min(1200, screen.height()))

        self.person_box = accessible(QComboBox(), "Person", "Any enabled demo person")
        self.person_box.setEditable(True)
        self.person_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.person_box.setMinimumWidth(300)
        self.person_box.setMaxVisibleItems(14)
        self.kind_box = accessible(QComboBox(), "Window")
        for kind, title in KIND_TITLES.items():
            self.kind_box.addItem(title, kind)
        # No icon: the blue "add" cross vanishes on the blue button and pushes the text aside.
        self.add_button = button("Open beside", kind="primary",
                                 tip="Open this person's window as another pane")
        self.journey_button = button("Request journey", "request",
                                     tip="This person's My Apps beside the Approvals of the "
                                         "people who approve what he may request")
        self.clear_button = button("Close all", "remove")
        self.error = label("", "error", wrap=True)
        self.error.hide()
        self.note = label("", "hint", wrap=True)
        self.note.setAccessibleName("Request journey")
        self.note.hide()
        bar = QHBoxLayout()
        bar.setSpacing(8)
        bar.addWidget(label("View as", "question"))
        bar.addWidget(self.person_box)
        bar.addWidget(self.kind_box)
        bar.addWidget(self.add_button)
        bar.addStretch(1)
        bar.addWidget(self.journey_button)
        bar.addWidget(self.clear_button)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(8)
        self.empty = EmptyState("Pick a person and a window, then Open beside; or Request "
                                "journey for a requester and his approvers side by side. Each "
                                "pane is that person's own window, live: act in one and watch "
                                "the others change.")
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(12, 8, 12, 10)
        outer.setSpacing(8)
        outer.addWidget(DemoBanner())
        outer.addLayout(bar)
        outer.addWidget(self.error)
        outer.addWidget(self.note)
        outer.addWidget(self.empty, 1)
        outer.addWidget(self.splitter, 1)
        self.splitter.hide()
        self.setCentralWidget(central)
        self._fill_people()
        self._connect_signals()

    def _fill_people(self, chosen: str | None = None) -> None:
        from desktop.demo.scenarios import demo_upn

        self.person_box.clear()
        for p in demo_people():
            what = ", ".join(ROLE_LABELS[r] for r in p["roles"]) or p["department"] or ""
            self.person_box.addItem(icon("user"), f"{p['name']}  ·  {what}", p["upn"])
        index = self.person_box.findData(chosen or demo_upn(JOURNEY_REQUESTER))
        self.person_box.setCurrentIndex(max(index, 0))

    def _connect_signals(self) -> None:
        self.add_button.clicked.connect(self.on_add_button_clicked)
        self.journey_button.clicked.connect(self.on_journey_button_clicked)
        self.clear_button.clicked.connect(self.on_clear_button_clicked)

    def panes(self) -> list[Pane]:
        """Left to right; a column of stacked panes top to bottom."""
        found: list[Pane] = []
        for i in range(self.splitter.count()):
            widget = self.splitter.widget(i)
            if isinstance(widget, Pane):
                found.append(widget)
            elif isinstance(widget, QSplitter):
                found += [widget.widget(j) for j in range(widget.count())  # type: ignore[misc]
                          if isinstance(widget.widget(j), Pane)]
        return found

    def chosen_upn(self) -> str:
        """The person chosen in the box (his address, or what was typed)."""
        index = self.person_box.findText(self.person_box.currentText())
        upn = self.person_box.itemData(index) if index >= 0 else self.person_box.currentText()
        return str(upn or "").strip()

    def add_pane(self, upn: str, kind: str, *, below: bool = False) -> Pane | None:
        """Open `kind` for this person beside the others (`below`: under the last pane, so
        each keeps half the width); None (and why) when not allowed."""
        from desktop.ui.windows import allowed_kinds, build_window

        self.error.hide()
        try:
            user = person(upn)
            why = allowed_kinds(user)[kind]
            if why is not None:
                raise AccessDeskError(why)
            window = build_window(kind, user, self.feed)
        except AccessDeskError as exc:
            self.error.setText(for_people(exc) if not isinstance(exc, NotFound)
                               else f"There is no demo person {upn}.")
            self.error.show()
            return None
        pane = Pane(user, kind, window)
        pane.close_button.clicked.connect(lambda _=False, p=pane: self.remove_pane(p))
        last = self.splitter.widget(self.splitter.count() - 1) if self.splitter.count() else None
        if below and last is not None:
            column = last if isinstance(last, QSplitter) else None
            if column is None:
                column = QSplitter(Qt.Orientation.Vertical)
                column.setChildrenCollapsible(False)
                column.setHandleWidth(8)
                self.splitter.insertWidget(self.splitter.indexOf(last), column)
                column.addWidget(last)
            column.addWidget(pane)
            column.setSizes([1000] * column.count())
        else:
            self.splitter.addWidget(pane)
        self.splitter.setSizes([1000] * self.splitter.count())
        self.empty.hide()
        self.splitter.show()
        return pane

    def remove_pane(self, pane: Pane) -> None:
        column = pane.parentWidget()
        pane.hide()
        pane.setParent(None)
        pane.person_window.close()
        pane.deleteLater()
        if isinstance(column, QSplitter) and column is not self.splitter \
                and column.count() == 0:
            column.hide()
            column.setParent(None)
            column.deleteLater()
        self.note.hide()
        if not self.panes():
            self.splitter.hide()
            self.empty.show()

    def journey(self, upn: str | None = None) -> None:
        """The request journey of this person (the one chosen in the box when None): his My
        Apps on the left, his approvers' Approvals stacked on the right."""
        upn = upn or self.chosen_upn()
        self.on_clear_button_clicked()
        try:
            panes, note = journey_for(upn)
        except NotFound:
            self.error.setText(f"There is no demo person {upn}.")
            self.error.show()
            return
        for i, (who, kind) in enumerate(panes):
            self.add_pane(who, kind, below=i > 1)
        self.note.setText(note)
        self.note.show()

    def reload(self) -> None:
        """After a reset: the same people and windows, on the rebuilt directory."""
        wanted = [(p.user.upn, p.kind, self._stacked(p)) for p in self.panes()]
        chosen = self.chosen_upn()
        self.on_clear_button_clicked()
        self._fill_people(chosen)
        for upn, kind, below in wanted:
            self.add_pane(upn, kind, below=below)

    def _stacked(self, pane: Pane) -> bool:
        column = pane.parentWidget()
        return isinstance(column, QSplitter) and column is not self.splitter \
            and column.indexOf(pane) > 0

    def on_add_button_clicked(self) -> None:
        self.add_pane(self.chosen_upn(), str(self.kind_box.currentData()))

    def on_journey_button_clicked(self) -> None:
        self.journey()

    def on_clear_button_clicked(self) -> None:
        for pane in self.panes():
            self.remove_pane(pane)

    def closeEvent(self, event):  # noqa: N802 - Qt override
        self.on_clear_button_clicked()
        super().closeEvent(event)
