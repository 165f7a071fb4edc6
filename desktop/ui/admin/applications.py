"""Enterprise applications: the searchable list, and the selected one's settings below it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.models import User
from desktop.ui.admin.properties import PropertiesPage
from desktop.ui.admin.selfservice import SelfServicePage
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

SELF_SERVICE_TAB, PROPERTIES_TAB = 0, 1


class ApplicationsPage(QWidget):
    """Signals:
      application_changed(object): the selected application's row (dict) or None.
      data_saved(): settings or properties were saved here (other pages may refresh).
    """

    application_changed = Signal(object)
    data_saved = Signal()

    def __init__(self, actor: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.current: dict[str, Any] | None = None
        self.list = ApplicationList(actor, name="Enterprise applications")
        self.selfservice = SelfServicePage(actor)
        self.properties = PropertiesPage(actor)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Application settings")
        self.tabs.addTab(self.selfservice, "Self-service")
        self.tabs.addTab(self.properties, "Properties")
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

        list_page = QWidget()
        list_layout = QVBoxLayout(list_page)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.setSpacing(8)
        list_layout.addWidget(label("Enterprise applications", "heading"))
        list_layout.addWidget(label("Select an application to set up self-service: users find "
                                    "it in My Apps, request it, and approvers decide.", "hint",
                                    wrap=True))
        list_layout.addWidget(self.list, 1)

        self.stack = QStackedWidget()
        self.stack.addWidget(list_page)
        self.stack.addWidget(self.detail)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        shortcut(self, "Alt+Left", self.show_list)
        self._connect_signals()
        self._show_current()

    def _connect_signals(self) -> None:
        self.list.application_selected.connect(self.on_list_application_selected)
        self.list.view.clicked.connect(self.on_list_view_activated)
        self.list.view.activated.connect(self.on_list_view_activated)
        self.back_button.clicked.connect(self.show_list)
        self.evidence_button.clicked.connect(self.on_evidence_button_clicked)
        self.selfservice.saved.connect(self.on_selfservice_saved)
        self.selfservice.properties_requested.connect(self.on_selfservice_properties_requested)
        self.properties.saved.connect(self.on_properties_saved)

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
        self.selfservice.reload_if_clean()
        self.properties.reload_if_clean()

    def save(self) -> bool:
        page = self.tabs.currentWidget()
        return bool(page is not None and page.save())

    def discard(self) -> None:
        page = self.tabs.currentWidget()
        if page is not None:
            page.discard()

    def is_dirty(self) -> bool:
        return self.selfservice.is_dirty() or self.properties.is_dirty()

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
            self.selfservice.reload_if_clean()
            self.properties.reload_if_clean()

    # --- slots ------------------------------------------------------------------------------

    def on_list_application_selected(self, row: dict[str, Any] | None) -> None:
        if row is not None and self.current is not None and row["id"] == self.current["id"]:
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
        row = self.current
        if row is None:
            self.show_list()
        name = row["name"] if row else None
        self.selfservice.load(name)
        self.properties.load(name)
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
