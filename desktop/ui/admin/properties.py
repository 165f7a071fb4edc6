"""An application's properties: where public client flows, origin and visibility change."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError, for_people
from desktop.ui.admin.widgets import form_frame
from desktop.ui.common import (
    ORIGIN_LABELS,
    SSO_LABELS,
    Banner,
    YesNo,
    accessible,
    app_icon,
    button,
    label,
    scrolling_column,
    transparent,
)

TEXT_FIELDS = ("name", "publisher", "homepage", "icon")


class PropertiesPage(QWidget):
    """Edits Application properties through services.applications.update_application; an
    EditorPage (desktop.ui.editor) whose `load` takes the application's name.

    Signals:
      saved(str): the application (by its possibly new name) was saved.
      dirty_changed(bool): the form differs from what was loaded, or no longer does.
    """

    saved = Signal(str)
    dirty_changed = Signal(bool)

    def __init__(self, actor: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.backend = as_backend(actor)
        self.app_name: str | None = None
        self.loaded: dict[str, Any] | None = None
        self._loading = False
        self._was_dirty = False
        self._build()
        self._connect_signals()
        self.load(None)

    def _build(self) -> None:
        self.save_button = button("Save", "save", kind="primary",
                                  tip="Save the application's properties (Ctrl+S)")
        self.discard_button = button("Discard", "discard", tip="Forget the changes (Esc)")
        bar = QHBoxLayout()
        bar.addWidget(self.save_button)
        bar.addWidget(self.discard_button)
        bar.addStretch(1)
        self.message = Banner("info", name="Properties message")
        self.message.hide()

        self.name = accessible(QLineEdit(), "Name")
        self.publisher = accessible(QLineEdit(), "Publisher")
        self.description = accessible(QPlainTextEdit(), "Description")
        self.description.setFixedHeight(70)
        self.homepage = accessible(QLineEdit(), "Home page URL")
        self.origin = accessible(QComboBox(), "Origin",
                                 "How the application was added: self-service needs the "
                                 "gallery, an application proxy or user/admin consent")
        for value, text in ORIGIN_LABELS.items():
            self.origin.addItem(text, value)
        self.sso = accessible(QComboBox(), "Single sign-on mode")
        for value, text in SSO_LABELS.items():
            self.sso.addItem(text, value)
        self.public_client = YesNo("Allow public client flows")
        self.hidden = YesNo("Hidden from users")
        self.icon_path = accessible(QLineEdit(), "Icon file")
        self.icon_path.setPlaceholderText("An image file; empty shows the initials")
        self.browse_icon = button("Browse…", name="Choose an icon file")
        self.icon_preview = QLabel()
        self.icon_preview.setFixedSize(40, 40)
        self.icon_preview.setAccessibleName("Icon preview")

        icon_row = transparent(QWidget())
        icon_layout = QHBoxLayout(icon_row)
        icon_layout.setContentsMargins(0, 0, 0, 0)
        icon_layout.addWidget(self.icon_preview)
        icon_layout.addWidget(self.icon_path, 1)
        icon_layout.addWidget(self.browse_icon)

        self.form_frame = form_frame()
        form = QFormLayout(self.form_frame)
        form.setContentsMargins(18, 14, 18, 14)
        form.setHorizontalSpacing(24)
        form.setVerticalSpacing(10)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        def row(text: str, widget: QWidget, hint: str | None = None) -> None:
            caption = label(text, "question")
            caption.setBuddy(widget)
            if hint:
                box = transparent(QWidget())
                v = QVBoxLayout(box)
                v.setContentsMargins(0, 0, 0, 0)
                v.setSpacing(3)
                v.addWidget(widget)
                v.addWidget(label(hint, "hint", wrap=True))
                form.addRow(caption, box)
            else:
                form.addRow(caption, widget)

        row("Name", self.name)
        row("Publisher", self.publisher)
        row("Description", self.description)
        row("Home page URL", self.homepage)
        row("Icon", icon_row)
        row("Origin", self.origin, "Self-service is available for applications added from "
            "the gallery, an application proxy, or user or admin consent.")
        row("Single sign-on", self.sso, "Approvers may set passwords only for password-based "
            "single sign-on.")
        row("Allow public client flows", self.public_client, "Authentication > Allow public "
            "client flows. An application that allows them has no self-service settings.")
        row("Hidden from users", self.hidden, "A hidden application is not offered in My Apps "
            "and cannot use self-service.")

        scroll = scrolling_column([self.message, self.form_frame], "Application properties")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.setSpacing(10)
        layout.addLayout(bar)
        layout.addWidget(scroll, 1)

    def _connect_signals(self) -> None:
        self.save_button.clicked.connect(self.save)
        self.discard_button.clicked.connect(self.discard)
        self.browse_icon.clicked.connect(self.on_browse_icon_clicked)
        for edit in (self.name, self.publisher, self.homepage, self.icon_path):
            edit.textChanged.connect(self.on_field_changed)
        self.description.textChanged.connect(self.on_field_changed)
        self.origin.currentIndexChanged.connect(self.on_field_changed)
        self.sso.currentIndexChanged.connect(self.on_field_changed)
        self.public_client.toggled.connect(self.on_field_changed)
        self.hidden.toggled.connect(self.on_field_changed)

    def load(self, app_name: str | None, *, keep_message: bool = False) -> None:
        self.app_name = app_name
        if not keep_message:
            self.message.hide()
        self.loaded = None
        if app_name is not None:
            try:
                self.loaded = self.backend.call("admin.app_properties", app_name=app_name)
            except AccessDeskError as exc:
                self.message.show_text(for_people(exc), "error")
        self.setEnabled(self.loaded is not None)
        self._loading = True
        try:
            v = self.loaded or {}
            self.name.setText(v.get("name") or "")
            self.publisher.setText(v.get("publisher") or "")
            self.description.setPlainText(v.get("description") or "")
            self.homepage.setText(v.get("homepage") or "")
            self.icon_path.setText(v.get("icon") or "")
            self.origin.setCurrentIndex(max(0, self.origin.findData(v.get("origin", "gallery"))))
            self.sso.setCurrentIndex(max(0, self.sso.findData(v.get("sso", "none"))))
            self.public_client.set_value(bool(v.get("public_client")))
            self.hidden.set_value(bool(v.get("hidden")))
        finally:
            self._loading = False
        self._update()

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.text().strip(),
            "publisher": self.publisher.text().strip() or None,
            "description": self.description.toPlainText().strip() or None,
            "homepage": self.homepage.text().strip() or None,
            "icon": self.icon_path.text().strip() or None,
            "origin": self.origin.currentData(),
            "sso_mode": self.sso.currentData(),
            "public_client_flows": self.public_client.value(),
            "hidden": self.hidden.value(),
        }

    def changes(self) -> dict[str, Any]:
        if self.loaded is None:
            return {}
        stored = {
            "name": self.loaded["name"], "publisher": self.loaded["publisher"],
            "description": self.loaded["description"], "homepage": self.loaded["homepage"],
            "icon": self.loaded["icon"], "origin": self.loaded["origin"],
            "sso_mode": self.loaded["sso"], "public_client_flows": self.loaded["public_client"],
            "hidden": self.loaded["hidden"],
        }
        return {k: v for k, v in self.values().items() if v != stored[k]}

    def is_dirty(self) -> bool:
        return bool(self.changes())

    def save(self) -> bool:
        changes = self.changes()
        if not changes or self.app_name is None:
            return False
        try:
            view = self.backend.call("admin.app_update", app_name=self.app_name,
                                     changes=changes)
        except AccessDeskError as exc:
            self.message.show_text(for_people(exc), "error")
            return False
        self.load(view["name"])
        warnings = [for_people(w) for w in view.get("warnings", [])]
        self.message.show_text(" ".join([f"Saved the properties of {view['name']}.", *warnings]),
                               "warning" if warnings else "info")
        self.saved.emit(view["name"])
        return True

    def discard(self) -> None:
        self.load(self.app_name)

    def reload_if_clean(self) -> None:
        if self.app_name is not None and not self.is_dirty():
            self.load(self.app_name, keep_message=True)

    def on_field_changed(self, *_args: object) -> None:
        if not self._loading:
            self.message.hide()
            self._update()

    def on_browse_icon_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose an icon", "",
                                              "Images (*.svg *.png *.jpg *.ico)")
        if path:
            self.icon_path.setText(path)

    def _update(self) -> None:
        name = self.name.text().strip() or "?"
        self.icon_preview.setPixmap(
            app_icon(name, self.icon_path.text().strip() or None).pixmap(QSize(40, 40)))
        self.icon_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty)
        self.discard_button.setEnabled(dirty)
        if dirty != self._was_dirty:
            self._was_dirty = dirty
            self.dirty_changed.emit(dirty)
