"""Trainer tools on a demo database: reset, scenarios, "view as" side by side, the handout."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import AccessDeskError
from desktop.models import User
from desktop.resources import icon
from desktop.ui.common import (
    ROLE_LABELS,
    ConfirmDialog,
    DemoBanner,
    EmptyState,
    accessible,
    busy,
    button,
    label,
)

KIND_TITLES = {"myapps": "My Apps", "approvals": "Approvals", "admin": "Admin console"}
# The request journey a class watches: a requester's My Apps beside his approvers' Approvals.
JOURNEY = (("oliver.schmidt", "myapps"), ("alice.wu", "approvals"), ("yuki.tanaka", "approvals"))


def demo_people() -> list[dict[str, Any]]:
    from desktop.services import auth

    return auth.demo_people()


def person(upn: str) -> User:
    return User.get(User.upn == upn)


def _who(user: User) -> str:
    from desktop.services.rights import roles_of

    roles = ", ".join(ROLE_LABELS[r] for r in roles_of(user))
    return roles or user.job_title or user.department or ""


# --- view as -------------------------------------------------------------------------------


class Pane(QFrame):
    """One person's window inside the View-as window, under a header naming him.

    Signals: none; `close_button` removes the pane.
    """

    def __init__(self, user: User, kind: str, window: QWidget,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.user, self.kind, self.window = user, kind, window
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
        who = QLabel(html.escape(_who(user)))
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
        layout.addWidget(window, 1)
        self.setAccessibleName(f"{user.display_name}: {KIND_TITLES[kind]}")


class ViewAsWindow(QMainWindow):
    """Several demo people's windows side by side in one process, for a class to watch.

    Every pane shares the one live feed, so a request made in one pane shows in the
    approvers' panes within a second, and their decision comes back the same way.
    """

    def __init__(self, feed: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.feed = feed
        self.setWindowTitle("Access Desk: View as (trainer)")
        self.setWindowIcon(icon("access-desk"))
        self.setAccessibleName("View as")
        self.resize(1500, 860)

        self.person_box = accessible(QComboBox(), "Person", "Any enabled demo person")
        self.person_box.setEditable(True)
        self.person_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.person_box.setMinimumWidth(300)
        self.person_box.setMaxVisibleItems(14)
        self.kind_box = accessible(QComboBox(), "Window")
        for kind, title in KIND_TITLES.items():
            self.kind_box.addItem(title, kind)
        self.add_button = button("Open beside", "add", kind="primary",
                                 tip="Open this person's window as another pane")
        self.journey_button = button("Request journey", "request",
                                     tip="A requester's My Apps beside two approvers' Approvals")
        self.clear_button = button("Close all", "remove")
        self.error = label("", "error", wrap=True)
        self.error.hide()
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
        outer.addWidget(self.empty, 1)
        outer.addWidget(self.splitter, 1)
        self.splitter.hide()
        self.setCentralWidget(central)
        self._fill_people()
        self._connect_signals()

    def _fill_people(self) -> None:
        self.person_box.clear()
        for p in demo_people():
            what = ", ".join(ROLE_LABELS[r] for r in p["roles"]) or p["department"] or ""
            self.person_box.addItem(icon("users"), f"{p['name']}  ·  {what}", p["upn"])

    def _connect_signals(self) -> None:
        self.add_button.clicked.connect(self.on_add_button_clicked)
        self.journey_button.clicked.connect(self.on_journey_button_clicked)
        self.clear_button.clicked.connect(self.on_clear_button_clicked)

    def panes(self) -> list[Pane]:
        return [self.splitter.widget(i) for i in range(self.splitter.count())  # type: ignore[misc]
                if isinstance(self.splitter.widget(i), Pane)]

    def add_pane(self, upn: str, kind: str) -> Pane | None:
        """Open `kind` for this person beside the others; None (and why) when not allowed."""
        from desktop.ui.app import allowed_kinds
        from desktop.ui.screenshot import build_window

        self.error.hide()
        try:
            user = person(upn)
            why = allowed_kinds(user)[kind]
            if why is not None:
                raise AccessDeskError(why)
            window = build_window(kind, user, self.feed)
        except (AccessDeskError, User.DoesNotExist) as exc:
            self.error.setText(str(exc) if not isinstance(exc, User.DoesNotExist)
                               else f"no demo person {upn}")
            self.error.show()
            return None
        pane = Pane(user, kind, window)
        pane.close_button.clicked.connect(lambda _=False, p=pane: self.remove_pane(p))
        self.splitter.addWidget(pane)
        sizes = [1] * self.splitter.count()
        self.splitter.setSizes([s * 1000 for s in sizes])
        self.empty.hide()
        self.splitter.show()
        return pane

    def remove_pane(self, pane: Pane) -> None:
        pane.hide()
        pane.setParent(None)
        pane.window.close()
        pane.deleteLater()
        if not self.panes():
            self.splitter.hide()
            self.empty.show()

    def journey(self, people: tuple[tuple[str, str], ...] = JOURNEY) -> None:
        from desktop.demo.scenarios import demo_upn

        self.on_clear_button_clicked()
        for local, kind in people:
            self.add_pane(demo_upn(local), kind)

    def reload(self) -> None:
        """After a reset: the same people and windows, on the rebuilt directory."""
        wanted = [(p.user.upn, p.kind) for p in self.panes()]
        self.on_clear_button_clicked()
        self._fill_people()
        for upn, kind in wanted:
            self.add_pane(upn, kind)

    def on_add_button_clicked(self) -> None:
        index = self.person_box.findText(self.person_box.currentText())
        upn = self.person_box.itemData(index) if index >= 0 else self.person_box.currentText()
        self.add_pane(str(upn).strip(), str(self.kind_box.currentData()))

    def on_journey_button_clicked(self) -> None:
        self.journey()

    def on_clear_button_clicked(self) -> None:
        for pane in self.panes():
            self.remove_pane(pane)

    def closeEvent(self, event):  # noqa: N802 - Qt override
        self.on_clear_button_clicked()
        super().closeEvent(event)


# --- the Trainer menu ----------------------------------------------------------------------


class ResultDialog(QDialog):
    """What a scenario did and where to look, selectable to paste into notes."""

    def __init__(self, parent: QWidget | None, title: str, text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.resize(720, 420)
        body = QPlainTextEdit(text)
        body.setReadOnly(True)
        body.setAccessibleName("Scenario result")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(label(title, "question"))
        layout.addWidget(body, 1)
        layout.addWidget(buttons)

    @classmethod
    def show_result(cls, parent: QWidget | None, title: str, text: str) -> None:
        cls(parent, title, text).exec()


class Trainer:
    """The Trainer menu's actions for the windows of one run_gui (one switcher)."""

    def __init__(self, switcher: Any) -> None:
        self.switcher = switcher
        self.view_as: ViewAsWindow | None = None

    def add_menu(self, window: QMainWindow) -> QMenu:
        bar = window.menuBar()
        menu = QMenu("&Trainer", bar)
        menu.setObjectName("trainerMenu")
        help_menu = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
        if help_menu is not None:  # Help stays last, where people look for it
            bar.insertMenu(help_menu, menu)
        else:
            bar.addMenu(menu)
        menu.setToolTipsVisible(True)
        from desktop.demo.scenarios import SCENARIOS

        view_as = QAction(icon("users"), "&View as…", menu)
        view_as.setStatusTip("Open several demo people's windows side by side")
        view_as.triggered.connect(self.open_view_as)
        menu.addAction(view_as)
        scenarios = menu.addMenu(icon("demo"), "&Scenarios")
        for scenario in SCENARIOS.values():
            action = QAction(scenario.title, scenarios)
            action.setToolTip(scenario.teaches)
            action.setStatusTip(scenario.teaches)
            action.triggered.connect(lambda _=False, n=scenario.name: self.run_scenario(n))
            scenarios.addAction(action)
        scenarios.setToolTipsVisible(True)
        handout = QAction(icon("export"), "&Handout…", menu)
        handout.setStatusTip("Render every window for each kind of person, with an index page")
        handout.triggered.connect(self.write_handout)
        menu.addAction(handout)
        menu.addSeparator()
        reset = QAction(icon("refresh"), "&Reset demo…", menu)
        reset.setStatusTip("Back to the demo directory as first built; undoes every scenario")
        reset.triggered.connect(self.reset)
        menu.addAction(reset)
        return menu

    def _parent(self) -> QWidget | None:
        window = self.switcher.window
        return window if isinstance(window, QWidget) else None

    def open_view_as(self) -> ViewAsWindow:
        if self.view_as is None:
            self.view_as = ViewAsWindow(self.switcher.feed)
            self.view_as.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.view_as.show()
        self.view_as.raise_()
        return self.view_as

    def run_scenario(self, name: str) -> dict[str, Any] | None:
        from desktop.demo.scenarios import SCENARIOS, as_text, run_scenario

        title = SCENARIOS[name].title
        if not ConfirmDialog.ask(self._parent(), f"Set up “{title}”?",
                                 f"{SCENARIOS[name].teaches}\n\nThis changes the demo "
                                 "directory; Reset demo undoes it.", "Set it up"):
            return None
        try:
            view = busy(lambda: run_scenario(name))
        except AccessDeskError as exc:
            ResultDialog.show_result(self._parent(), title, str(exc))
            return None
        self._refresh()
        ResultDialog.show_result(self._parent(), title, as_text(view))
        return view

    def reset(self) -> bool:
        from desktop.demo.scenarios import reset_demo

        if not ConfirmDialog.ask(self._parent(), "Reset the demo directory?",
                                 "Every change made here (requests, decisions, scenarios) is "
                                 "undone: the demo directory goes back to how it was first "
                                 "built. Other desktops on this file see it too.",
                                 "Reset demo", danger=True):
            return False
        feed = self.switcher.feed
        if feed is not None:
            feed.stop()
        try:
            busy(reset_demo)
        finally:
            if feed is not None:
                feed.start()
        self._refresh(reopen=True)
        return True

    def _refresh(self, reopen: bool = False) -> None:
        """Windows reload on the feed's signals; after a reset they are rebuilt outright."""
        if reopen:
            switcher = self.switcher
            fresh = User.get_or_none(User.upn == switcher.actor.upn)
            if fresh is not None and switcher.kind is not None:
                switcher.actor = fresh
                switcher.open(switcher.kind)
            if self.view_as is not None:
                self.view_as.reload()
        elif self.switcher.feed is not None:
            self.switcher.feed.poll_now()

    def write_handout(self) -> Path | None:
        from PySide6.QtWidgets import QFileDialog

        folder = QFileDialog.getExistingDirectory(self._parent(), "Folder for the handout")
        if not folder:
            return None
        result = busy(lambda: render_handout(Path(folder)))
        ResultDialog.show_result(self._parent(), "Handout written",
                                 f"{result['images']} pictures and {result['index']}: open it "
                                 "in a browser and print it.")
        return Path(result["index"])


def add_trainer_menu(window: QMainWindow, switcher: Any) -> Trainer | None:
    """The Trainer menu, on demo databases only; the switcher keeps its Trainer."""
    from desktop.services.core import is_demo

    if not is_demo():
        return None
    trainer = getattr(switcher, "trainer", None)
    if trainer is None:
        trainer = Trainer(switcher)
        switcher.trainer = trainer
    trainer.add_menu(window)
    return trainer


# --- the handout ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    key: str
    title: str
    upn_local: str | None
    text: str


PERSONAS = (
    Persona("administrator", "Administrator", "megan.bowen",
            "Configures self-service per application, sees who has access, reads the audit "
            "log."),
    Persona("approver", "Approver", "alice.wu",
            "Approves or denies requests for the applications he is listed on."),
    Persona("user", "User", "nadia.petrova",
            "Finds applications in My Apps, requests them and follows the request."),
    Persona("unlicensed", "User without a license", "liam.oconnor",
            "Sees why he cannot request anything yet (rule 7)."),
    Persona("everyone", "Starting Access Desk", None,
            "The first-run welcome window and the sign-in window."),
    Persona("trainer", "Trainer", None,
            "View as: a requester and his approvers side by side, live."),
)


def _pages(kind: str, window: Any) -> list[tuple[str, Callable[[], None]]]:
    """Each page or tab of a window, with how to show it."""
    if kind == "admin":
        from desktop.ui.admin.window import PAGES

        return [(title, lambda i=i: window.show_page(i)) for i, (title, _icon) in
                enumerate(PAGES)]
    tabs = getattr(window, "tabs", None)
    if tabs is not None:
        return [(tabs.tabText(i), lambda i=i: tabs.setCurrentIndex(i))
                for i in range(tabs.count())]
    return [("", lambda: None)]


def _slug(text: str) -> str:
    """A file name part that stays the same as counts change ("Pending (3)" -> "pending")."""
    words = "".join(c if c.isalpha() else " " for c in text.lower()).split()
    return "-".join(words)


def render_handout(out: Path, size: tuple[int, int] = (1280, 800)) -> dict[str, Any]:
    """Every window for each kind of person on the demo directory, and index.html to print."""
    from desktop.demo.scenarios import demo_upn, require_demo
    from desktop.services.core import get_setting
    from desktop.ui.app import add_window_menu, allowed_kinds
    from desktop.ui.screenshot import build_window, ensure_app, grab

    require_demo("handouts")
    ensure_app()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sections: list[tuple[Persona, str, list[tuple[str, str]]]] = []
    for persona in PERSONAS:
        shots: list[tuple[str, str]] = []
        who = ""
        if persona.upn_local:
            user = person(demo_upn(persona.upn_local))
            who = f"{user.display_name} ({_who(user)})"
            for kind in ("admin", "approvals", "myapps"):
                if allowed_kinds(user)[kind] is not None:
                    continue
                if persona.key == "administrator" and kind == "myapps":
                    continue  # the users' section shows My Apps
                window = build_window(kind, user)
                add_window_menu(window, user, kind, lambda _k: None)
                try:
                    pages = _pages(kind, window)
                    if persona.key == "unlicensed":
                        catalog = [p for p in pages if p[0].lower().startswith("request new")]
                        pages = catalog or pages
                    for title, show in pages:
                        show()
                        name = f"{persona.key}-{kind}" + (f"-{_slug(title)}" if title else "")
                        grab(window, out / f"{name}.png", size)
                        caption = f"{KIND_TITLES[kind]}" + (f": {title}" if title else "")
                        shots.append((f"{name}.png", f"{caption}, as {user.display_name}"))
                finally:
                    window.close()
                    window.deleteLater()
        elif persona.key == "everyone":
            shots += _render_start(out, size)
        else:
            view = ViewAsWindow()
            try:
                view.journey()
                grab(view, out / "trainer-view-as.png", (max(size[0], 1500), size[1]))
                shots.append(("trainer-view-as.png",
                              "View as: Oliver Schmidt's My Apps beside the Approvals of "
                              "Alice Wu and Yuki Tanaka"))
            finally:
                view.close()
                view.deleteLater()
        sections.append((persona, who, shots))
    index = out / "index.html"
    index.write_text(_index_html(sections, get_setting("tenant_name") or "the demo directory"),
                     encoding="utf-8")
    images = sum(len(s[2]) for s in sections)
    return {"out": str(out), "index": str(index), "images": images,
            "sections": [s[0].key for s in sections]}


def _render_start(out: Path, size: tuple[int, int]) -> list[tuple[str, str]]:
    from desktop.ui.screenshot import grab
    from desktop.ui.signin import SignInDialog
    from desktop.ui.welcome import WelcomeWindow

    shots = []
    welcome = WelcomeWindow()
    try:
        small = (min(size[0], 660), min(size[1], 620))
        grab(welcome, out / "start-welcome.png", small)
        shots.append(("start-welcome.png", "First run: the welcome window's three choices"))
        welcome.show_page("new")
        grab(welcome, out / "start-welcome-new.png", small)
        shots.append(("start-welcome-new.png",
                      "First run: a new directory asks for its first Global Administrator"))
        welcome.show_page("postgresql")
        grab(welcome, out / "start-welcome-postgresql.png", small)
        shots.append(("start-welcome-postgresql.png",
                      "First run: a shared PostgreSQL database, tested before it is used"))
    finally:
        welcome.close()
        welcome.deleteLater()
    signin = SignInDialog(None, "demo.db")
    try:
        grab(signin, out / "start-signin.png", (min(size[0], 560), min(size[1], 340)))
        shots.append(("start-signin.png", "Signing in on the demo directory: pick anyone"))
    finally:
        signin.close()
        signin.deleteLater()
    return shots


def _index_html(sections: list[tuple[Persona, str, list[tuple[str, str]]]], tenant: str) -> str:
    parts = [
        "<!doctype html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>Access Desk handout: {html.escape(tenant)}</title>",
        "<style>",
        "body { font-family: 'DejaVu Sans', sans-serif; color: #263238; margin: 2em; }",
        "h1 { font-size: 1.6em; } h2 { border-bottom: 2px solid #1565c0; padding-bottom: .2em; }",
        "figure { margin: 1.2em 0 2em; } img { max-width: 100%; border: 1px solid #b8c4cb; }",
        "figcaption { font-size: .95em; color: #455a64; margin-top: .4em; }",
        "nav li { margin: .2em 0; }",
        "@media print { section { page-break-before: always; } figure "
        "{ page-break-inside: avoid; } nav { display: none; } }",
        "</style></head><body>",
        "<h1>Access Desk: every window, for each kind of person</h1>",
        f"<p>Rendered from {html.escape(tenant)} with <code>access-desk screenshot --all</code>."
        "</p>",
        "<nav><ul>",
    ]
    parts += [f"<li><a href=\"#{p.key}\">{html.escape(p.title)}</a></li>" for p, _w, s in
              sections if s]
    parts.append("</ul></nav>")
    number = 0
    for persona, who, shots in sections:
        if not shots:
            continue
        parts.append(f"<section id=\"{persona.key}\"><h2>{html.escape(persona.title)}</h2>")
        intro = f"{html.escape(persona.text)}"
        if who:
            intro += f" Shown as {html.escape(who)}."
        parts.append(f"<p>{intro}</p>")
        for filename, caption in shots:
            number += 1
            parts.append(f"<figure><img src=\"{html.escape(filename)}\" alt=\""
                         f"{html.escape(caption)}\"><figcaption>Figure {number}. "
                         f"{html.escape(caption)}</figcaption></figure>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
