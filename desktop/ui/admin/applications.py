"""Enterprise applications: the searchable list, and the selected one's settings below it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import for_people
from desktop.ui.admin.new_application import NewApplicationDialog
from desktop.ui.admin.transfer import EvidenceDialog
from desktop.ui.admin.widgets import ApplicationList
from desktop.ui.common import (
    ORIGIN_LABELS,
    SSO_LABELS,
    ConfirmDialog,
    app_icon,
    button,
    label,
    shortcut,
)
from desktop.ui.editor import EditorPage, dirty

if TYPE_CHECKING:
    from desktop.ui.admin.properties import PropertiesPage
    from desktop.ui.admin.selfservice import SelfServicePage

SELF_SERVICE_TAB, PROPERTIES_TAB = 0, 1
NEW_APPLICATION_TIP = ("Add an application to the directory: its name, publisher, origin, "
                       "single sign-on mode and roles (Ctrl+N)")


class NoApplications(QFrame):
    """What Enterprise applications shows while the directory has no application at all:
    what to do, with the two ways to do it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noApps")
        self.setAccessibleName("No applications yet")
        self.new_button = button("New application…", kind="primary",
                                 tip=NEW_APPLICATION_TIP)
        self.import_button = button("Import from Microsoft Graph…", "import")
        self.import_button.setEnabled(False)
        self._import_action: QAction | None = None
        text = label("Add the applications people sign in to, one at a time, or all of them "
                     "at once from a Microsoft Graph export (File › Import from Microsoft "
                     "Graph…). Then set up self-service for each.", "hint", wrap=True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setFixedWidth(540)  # a fixed width lets the wrapped text take its full height
        heading = label("This directory has no applications yet", "heading")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        buttons = QHBoxLayout()
        buttons.setSpacing(10)
        buttons.addStretch(1)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addStretch(1)
        layout.addWidget(heading)
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addWidget(text)
        centred.addStretch(1)
        layout.addLayout(centred)
        layout.addSpacing(6)
        layout.addLayout(buttons)
        layout.addStretch(2)
        self.import_button.clicked.connect(self.on_import_button_clicked)

    def set_import_action(self, action: QAction) -> None:
        self._import_action = action
        action.changed.connect(self.on_import_action_changed)
        self.on_import_action_changed()

    def on_import_action_changed(self) -> None:
        action = self._import_action
        if action is not None:  # its tool tip says why a disabled import is disabled
            self.import_button.setEnabled(action.isEnabled())
            self.import_button.setToolTip(action.toolTip())

    def on_import_button_clicked(self) -> None:
        if self._import_action is not None:
            self._import_action.trigger()


class ApplicationsPage(QWidget):
    """Signals:
      application_changed(object): the selected application's row (dict) or None.
      data_saved(): settings or properties were saved here (other pages may refresh).
      dirty_changed(bool): one of the settings pages' dirty_changed (desktop.ui.editor).

    The settings pages (Self-service, Properties) are built when an application is first
    selected: the list alone reads and builds nothing of them.
    """

    application_changed = Signal(object)
    data_saved = Signal()
    dirty_changed = Signal(bool)

    def __init__(self, actor: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.current: dict[str, Any] | None = None
        self.list = ApplicationList(actor, name="Enterprise applications")
        # The application's settings pages (desktop.ui.editor), loaded together; built by
        # `editors` when first needed.
        self._editors: list[EditorPage] = []
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Application settings")
        self.tabs.setDocumentMode(False)

        self.back_button = button("← All applications", name="All applications",
                                  tip="Back to the list of enterprise applications (Alt+Left)")
        self.back_button.setFlat(True)
        self.app_icon = QLabel()
        self.app_icon.setFixedSize(40, 40)
        self.app_icon.setAccessibleName("Application icon")
        self.app_title = label("", "heading")
        self.app_title.setAccessibleName("Selected application")
        self.app_subtitle = label("", "hint")
        self.app_subtitle.setAccessibleName("Application details")
        self.evidence_button = button("Evidence bundle…", "export", name="Evidence bundle",
                                      tip="Write a zip for an auditor: this application's "
                                          "settings, requests, access and audit events of a "
                                          "period, with a script that checks the hashes")
        self.evidence_dialog: EvidenceDialog | None = None
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.app_title)
        titles.addWidget(self.app_subtitle)
        header = QHBoxLayout()
        header.setContentsMargins(2, 0, 0, 0)
        header.setSpacing(12)
        header.addWidget(self.app_icon)
        header.addLayout(titles, 1)
        header.addWidget(self.evidence_button, 0, Qt.AlignmentFlag.AlignVCenter)
        crumbs = QHBoxLayout()
        crumbs.setContentsMargins(0, 0, 0, 0)
        crumbs.addWidget(self.back_button)
        crumbs.addStretch(1)

        self.detail = QWidget()
        detail_layout = QVBoxLayout(self.detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.setSpacing(8)
        detail_layout.addLayout(crumbs)
        detail_layout.addLayout(header)
        detail_layout.addWidget(self.tabs, 1)

        self.new_button = button("New application…", kind="primary",
                                 tip=NEW_APPLICATION_TIP)
        self.no_apps = NoApplications()
        self.no_apps.hide()
        title_row = QHBoxLayout()
        title_row.setContentsMargins(0, 0, 0, 0)
        title_row.addWidget(label("Enterprise applications", "heading"), 1)
        title_row.addWidget(self.new_button, 0, Qt.AlignmentFlag.AlignBottom)
        list_page = QWidget()
        list_layout = QVBoxLayout(list_page)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.setSpacing(8)
        list_layout.addLayout(title_row)
        list_layout.addWidget(label("Select an application to set up self-service: users find "
                                    "it in My Apps, request it, and approvers decide.", "hint",
                                    wrap=True))
        list_layout.addWidget(self.list, 1)
        list_layout.addWidget(self.no_apps, 1)

        self.stack = QStackedWidget()
        self.stack.addWidget(list_page)
        self.stack.addWidget(self.detail)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        shortcut(self, "Alt+Left", self.show_list)
        self._connect_signals()
        self._show_current()
        self.on_list_model_loaded()

    def _connect_signals(self) -> None:
        self.list.application_selected.connect(self.on_list_application_selected)
        self.list.view.clicked.connect(self.on_list_view_activated)
        self.list.view.activated.connect(self.on_list_view_activated)
        self.list.application_opened.connect(self.on_list_view_activated)
        self.list.model.loaded.connect(self.on_list_model_loaded)
        self.new_button.clicked.connect(self.new_application)
        self.no_apps.new_button.clicked.connect(self.new_application)
        self.back_button.clicked.connect(self.show_list)
        self.evidence_button.clicked.connect(self.on_evidence_button_clicked)

    # --- the settings pages, built when first needed ----------------------------------------

    @property
    def editors(self) -> list[EditorPage]:
        """Self-service and Properties, built (and connected) now if they were not."""
        if not self._editors:
            from desktop.ui.admin.properties import PropertiesPage
            from desktop.ui.admin.selfservice import SelfServicePage

            selfservice, properties = SelfServicePage(self.actor), PropertiesPage(self.actor)
            self._editors = [selfservice, properties]
            self.tabs.addTab(selfservice, "Self-service")
            self.tabs.addTab(properties, "Properties")
            selfservice.saved.connect(self.on_selfservice_saved)
            selfservice.properties_requested.connect(self.on_selfservice_properties_requested)
            properties.saved.connect(self.on_properties_saved)
            for page in self._editors:
                page.dirty_changed.connect(self.dirty_changed)
        return self._editors

    def built_editors(self) -> list[EditorPage]:
        """The settings pages if they were built, else none (nothing is built)."""
        return list(self._editors)

    @property
    def selfservice(self) -> SelfServicePage:
        return self.editors[SELF_SERVICE_TAB]  # type: ignore[return-value]

    @property
    def properties(self) -> PropertiesPage:
        return self.editors[PROPERTIES_TAB]  # type: ignore[return-value]

    # --- the page protocol the window uses ---------------------------------------------------

    def focus_search(self) -> None:
        self.show_list()
        self.list.focus_search()

    def showing_detail(self) -> bool:
        return self.stack.currentWidget() is self.detail

    def show_list(self) -> None:
        self.stack.setCurrentIndex(0)
        self.list.view.setFocus()

    def show_detail(self) -> None:
        if self.current is not None:
            self.stack.setCurrentWidget(self.detail)

    def refresh(self) -> None:
        self.list.refresh()
        for page in self.built_editors():
            page.reload_if_clean()  # type: ignore[attr-defined]

    def save(self) -> bool:
        page = self.tabs.currentWidget()  # each tab is one of self.editors
        return bool(isinstance(page, EditorPage) and page.save())

    def discard(self) -> None:
        page = self.tabs.currentWidget()
        if isinstance(page, EditorPage):
            page.discard()

    def is_dirty(self) -> bool:
        return bool(dirty(self.built_editors()))

    def set_import_action(self, action: QAction) -> None:
        """The window's File › Import from Microsoft Graph…, offered by the empty directory."""
        self.no_apps.set_import_action(action)

    def new_application(self) -> None:
        """Add an application (the dialog applies `apps add`'s rules), then open it."""
        view = NewApplicationDialog.ask(self, self.actor)
        if view is None:
            return
        self.list.refresh()
        self.data_saved.emit()
        if self.select(view["name"]):
            self.tabs.setCurrentIndex(SELF_SERVICE_TAB)
            warnings = [for_people(w) for w in view.get("warnings", [])]
            self.selfservice.show_message(" ".join([
                f"{view['name']} was added to the directory. Set up self-service here, or "
                "change its properties.", *warnings]), "warning" if warnings else "info")

    def select(self, name: str) -> bool:
        """Open an application's settings by name (searching for it when not loaded)."""
        found = self.list.select_name(name)
        if found and self.current is not None and self.current["name"] == name:
            self.show_detail()
        return found

    def on_settings_changed(self, app_id: int) -> None:
        """Another window or desktop changed an application (0: several)."""
        self.list.refresh()
        if self.current and (app_id in (0, self.current["id"])):
            for page in self.built_editors():
                page.reload_if_clean()  # type: ignore[attr-defined]

    # --- slots ------------------------------------------------------------------------------

    def on_list_application_selected(self, row: dict[str, Any] | None) -> None:
        if (row is not None and self.current is not None and row["id"] == self.current["id"]
                and self.built_editors()
                and self.selfservice.app_name == row["name"]):  # the pages show it already
            self.current = row
            self._show_header()
            return
        if self.is_dirty() and self.current is not None and not ConfirmDialog.ask(
                self, "Discard changes?",
                f"The changes to {self.current['name']} are not saved. Discard them?",
                "Discard changes", danger=True):
            previous = self.current["id"]
            self.list.view.selectionModel().blockSignals(True)
            self.list.select_id(previous)
            self.list.view.selectionModel().blockSignals(False)
            return
        self.current = row
        self._show_current()
        self.application_changed.emit(row)

    def on_list_view_activated(self, _index: object) -> None:
        self.show_detail()

    def on_list_model_loaded(self) -> None:
        model = self.list.model
        nothing = (model.rowCount() == 0 and not model.search_text
                   and model.last_error is None)
        self.list.setVisible(not nothing)
        self.new_button.setVisible(not nothing)  # the empty state offers it
        self.no_apps.setVisible(nothing)

    def on_evidence_button_clicked(self) -> None:
        if self.current is None:
            return
        if self.evidence_dialog is not None:
            if self.evidence_dialog.running:  # still writing: show it rather than a new one
                self.evidence_dialog.show()
                return
            self.evidence_dialog.deleteLater()
        self.evidence_dialog = EvidenceDialog(self, self.actor, self.current["name"])
        self.evidence_dialog.open()

    def on_selfservice_saved(self, _name: str) -> None:
        self.list.refresh()
        self.properties.reload_if_clean()
        self.data_saved.emit()

    def on_properties_saved(self, name: str) -> None:
        self.list.refresh()
        if self.current is not None:
            self.current = dict(self.current, name=name)
        self.selfservice.load(name)
        self._show_header()
        self.data_saved.emit()

    def on_selfservice_properties_requested(self) -> None:
        self.tabs.setCurrentIndex(PROPERTIES_TAB)
        self.properties.public_client.setFocus()

    def _show_current(self) -> None:
        if self.current is None and self.showing_detail():
            # Not show_list(): that moves the focus to the list, and a list that gains the
            # focus makes its first row current at once, re-entering here while the person
            # may still be typing a search.
            self.stack.setCurrentIndex(0)
        name = self.current["name"] if self.current else None
        # Nothing selected: the settings pages, if built, are emptied; none are built for it.
        for page in self.editors if name is not None else self.built_editors():
            page.load(name)
        self._show_header()

    def _show_header(self) -> None:
        row = self.current
        if row is None:
            return
        self.app_icon.setPixmap(app_icon(row["name"], row.get("icon")).pixmap(QSize(40, 40)))
        self.app_title.setText(row["name"])
        bits = [row.get("publisher") or "Unknown publisher",
                ORIGIN_LABELS.get(row["origin"], row["origin"]),
                f"SSO: {SSO_LABELS.get(row['sso'], row['sso'])}"]
        if row.get("pending"):
            bits.append(f"{row['pending']} pending request{'s' if row['pending'] != 1 else ''}")
        self.app_subtitle.setText("  ·  ".join(bits))
