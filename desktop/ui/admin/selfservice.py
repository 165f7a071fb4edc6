"""The Self-service page of one application: the source document's questions, in its order."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QDate, QSize, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError, Conflict, for_people
from desktop.services.validators import MAX_APPROVERS
from desktop.ui.admin.pickers import ApproverPickerDialog, GroupPickerDialog
from desktop.ui.admin.widgets import form_frame
from desktop.ui.common import Banner, YesNo, button, label, scrolling_column, transparent, when
from desktop.ui.periods import date_edit, show_zone

FIELDS = ("enabled", "group", "require_approval", "approvers", "role", "email_approvers",
          "approver_sets_passwords",
          # rules 16-18 (docs/governance.md)
          "expire_days", "remind_days", "escalate_days", "escalation_approvers",
          "reason_to_approve", "access_days", "access_until", "end_reminder_days")
NO_ROLE = "No role (default access)"
# The rows that matter only when approval is required (rules 16-17).
APPROVAL_ROWS = ("approvers", "email_approvers", "expire_days", "remind_days", "escalate_days",
                 "escalation_approvers", "reason_to_approve")
LASTS = (("never", "Until it is removed"), ("days", "For a number of days"),
         ("until", "Until a date"))


def days_box(name: str, most: int, never: str | None) -> QSpinBox:
    """A number of days; with `never`, 0 shows that word and means "off"."""
    box = QSpinBox()
    box.setAccessibleName(name)
    box.setRange(0 if never else 1, most)
    box.setSuffix(" days")
    if never:
        box.setSpecialValueText(never)
    box.setMinimumWidth(140)
    box.setMaximumWidth(180)
    return box


class SelfServicePage(QWidget):
    """Loads one application's settings, edits a copy, saves only what changed; an
    EditorPage (desktop.ui.editor) whose `load` takes the application's name.

    Signals:
      saved(str): the settings of this application (by name) were saved.
      dirty_changed(bool): the form now differs (or no longer differs) from what was loaded.
      properties_requested(): the person asked to open the application's properties.
    """

    saved = Signal(str)
    dirty_changed = Signal(bool)
    properties_requested = Signal()

    def __init__(self, actor: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.backend = as_backend(actor)
        self.app_name: str | None = None
        self.loaded: dict[str, Any] | None = None
        self.form: dict[str, Any] = {}
        self._roles: list[dict[str, Any]] = []
        self._loading = False
        self._was_dirty = False
        self._build()
        self._connect_signals()
        self.load(None)

    # --- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.save_button = button("Save", "save", kind="primary",
                                  tip="Save the self-service settings (Ctrl+S)")
        self.discard_button = button("Discard", "discard",
                                     tip="Forget the changes and show what is stored (Esc)")
        self.version = label("", "hint")
        self.version.setAccessibleName("Last saved")
        bar = QHBoxLayout()
        bar.setSpacing(8)
        bar.addWidget(self.save_button)
        bar.addWidget(self.discard_button)
        bar.addStretch(1)
        bar.addWidget(self.version)

        self.message = Banner("info", name="Self-service message")
        self.message.hide()
        self.unavailable = Banner("warning", name="Self-service unavailable")
        self.open_properties = button("Open properties", "settings",
                                      tip="Where public client flows, origin and visibility "
                                          "are changed")
        banner_row = self.unavailable.layout()
        assert isinstance(banner_row, QHBoxLayout)  # Banner's row: icon, text
        banner_row.addWidget(self.open_properties, 0, Qt.AlignmentFlag.AlignTop)
        self.unavailable.hide()

        self.enabled = YesNo("Allow users to request access to this application?")
        self.group_name = label("None selected", wrap=True)
        self.group_name.setAccessibleName("Self-service group")
        self.select_group = button("Select group…", "group", name="Select group")
        self.require_approval = YesNo("Require approval before granting access to this "
                                      "application?")
        self.approver_names = label("None selected", wrap=True)
        self.approver_names.setAccessibleName("Approvers")
        self.approver_count = label("", "hint")
        self.approver_count.setAccessibleName("Approver count")
        self.select_approvers = button("Select approvers…", "users", name="Select approvers")
        self.role = QComboBox()
        self.role.setAccessibleName("Select role")
        self.role.setMinimumWidth(280)
        self.email_approvers = YesNo("E-mail approvers about new requests")
        self.approver_passwords = YesNo("Allow approvers to set users' passwords")
        # rules 16-18
        self.expire_days = days_box("Expire pending requests after", 90, "Never")
        self.remind_days = days_box("Remind approvers after", 89, "Never")
        self.escalate_days = days_box("Escalate after", 89, "Never")
        self.escalation_names = label("None selected", wrap=True)
        self.escalation_names.setAccessibleName("Escalation approvers")
        self.select_escalation = button("Select escalation approvers…", "users",
                                        name="Select escalation approvers")
        self.reason_to_approve = YesNo("Require a reason to approve")
        self.lasts = QComboBox()
        self.lasts.setAccessibleName("Access lasts")
        for key, text in LASTS:
            self.lasts.addItem(text, key)
        self.access_days = days_box("Access lasts this many days", 3650, None)
        self.access_until = date_edit("Access lasts until", "", minimum=QDate.currentDate()
                                      .addDays(1))
        self.end_reminder_days = days_box("Remind users before their access ends", 90, None)

        self.form_frame = form_frame()
        grid = QGridLayout(self.form_frame)
        grid.setContentsMargins(18, 14, 18, 14)
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(0, 5)
        grid.setColumnStretch(1, 4)
        self._rows: dict[str, list[QWidget]] = {}
        self._grid = grid
        self._next_row = 0

        group_box = self._inline(self.group_name, self.select_group)
        approvers_box = transparent(QWidget())
        approvers_layout = QVBoxLayout(approvers_box)
        approvers_layout.setContentsMargins(0, 0, 0, 0)
        approvers_layout.setSpacing(4)
        approvers_layout.addWidget(self._inline(self.approver_names, self.select_approvers))
        approvers_layout.addWidget(self.approver_count)

        self._add_row("enabled", "Allow users to request access to this application?",
                      self.enabled, "Users find the application in My Apps under Request new "
                      "apps.")
        self._add_row("group", "To which group should assigned users be added?", group_box,
                      "When a request is approved, the user is added to this group. Groups "
                      "synchronized from on-premises aren't supported.")
        self._add_row("require_approval", "Require approval before granting access to this "
                      "application?", self.require_approval,
                      "Without approval, a request is granted at once.")
        self._add_row("approvers", "Who is allowed to approve access to this application?",
                      approvers_box, "Up to 10 individual business approvers; groups are not "
                      "supported. Any single approver can approve a request.")
        self._add_row("role", "To which role should users be assigned in this application?",
                      self.role, "This option is for applications that expose roles.")
        self._add_row("email_approvers", "E-mail approvers about new requests",
                      self.email_approvers, "Approvers also get an e-mail when a user asks.")
        self._add_row("approver_sets_passwords", "Allow approvers to set users' passwords",
                      self.approver_passwords, "For password-based single sign-on: approvers "
                      "set the user name and password from their Approvals window.")
        self._add_row("expire_days", "Should pending requests expire?", self.expire_days,
                      "A request nobody decides in this many days expires; the requester is "
                      "told and may ask again. Changes apply to new requests.")
        self._add_row("remind_days", "When should approvers be reminded?", self.remind_days,
                      "Each approver is reminded once of a request still waiting after this "
                      "many days (fewer than the expiry).")
        self._add_row("escalate_days", "When should a waiting request be escalated?",
                      self.escalate_days, "After this many days without a decision the "
                      "escalation approvers are asked, and from then on they may decide too "
                      "(fewer than the expiry).")
        self._add_row("escalation_approvers", "Who should be asked when a request is "
                      "escalated?", self._inline(self.escalation_names, self.select_escalation),
                      "Up to 10 individual people, checked as approvers are; nobody decides "
                      "his own request.")
        self._add_row("reason_to_approve", "Must approvers give a reason to approve?",
                      self.reason_to_approve, "The approval's reason is then required, as a "
                      "denial's always is.")
        lasts_box = transparent(QWidget())
        lasts_row = QHBoxLayout(lasts_box)
        lasts_row.setContentsMargins(0, 0, 0, 0)
        lasts_row.setSpacing(8)
        lasts_row.addWidget(self.lasts)
        lasts_row.addWidget(self.access_days)
        lasts_row.addWidget(self.access_until)
        lasts_row.addStretch(1)
        self._add_row("access_days", "How long does access last?", lasts_box,
                      "At the end, the group membership and the role the approval added are "
                      "removed. Changes apply to access given from then on.")
        self._add_row("end_reminder_days", "When should users be reminded that their access "
                      "ends?", self.end_reminder_days, "This many days before the end, the "
                      "user is told and may request an extension from My Apps.")
        self.lasts.setToolTip(lasts_box.toolTip())  # the row's hint, which _add_row set
        self.access_days.setToolTip(self.lasts.toolTip())
        self.access_until.setToolTip("The access ends when this date ends, in the directory's "
                                     "time zone")
        grid.setRowStretch(self._next_row, 1)

        scroll = scrolling_column([self.unavailable, self.message, self.form_frame],
                                  "Self-service settings")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.setSpacing(10)
        layout.addLayout(bar)
        layout.addWidget(scroll, 1)

    @staticmethod
    def _inline(text: QLabel, action: QWidget) -> QWidget:
        box = transparent(QWidget())
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        row.addWidget(text, 1)
        row.addWidget(action, 0, Qt.AlignmentFlag.AlignTop)
        return box

    def _add_row(self, key: str, question: str, control: QWidget, hint: str) -> None:
        row = self._next_row
        q = label(question, "question", wrap=True)
        h = label(hint, "hint", wrap=True)
        q.setBuddy(control)
        control.setToolTip(hint)
        if not control.accessibleName():
            control.setAccessibleName(question)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet("color: palette(midlight);")
        if row:
            self._grid.addWidget(line, row, 0, 1, 2)
            row += 1
        self._grid.addWidget(q, row, 0)
        self._grid.addWidget(control, row, 1, 2, 1, Qt.AlignmentFlag.AlignTop)
        self._grid.addWidget(h, row + 1, 0)
        self._next_row = row + 2
        self._rows[key] = [q, h, control] + ([line] if row > 1 else [])

    def _connect_signals(self) -> None:
        self.save_button.clicked.connect(self.save)
        self.discard_button.clicked.connect(self.discard)
        self.open_properties.clicked.connect(self.properties_requested)
        self.enabled.toggled.connect(self.on_enabled_toggled)
        self.require_approval.toggled.connect(self.on_require_approval_toggled)
        self.email_approvers.toggled.connect(self.on_email_approvers_toggled)
        self.approver_passwords.toggled.connect(self.on_approver_passwords_toggled)
        self.select_group.clicked.connect(self.on_select_group_clicked)
        self.select_approvers.clicked.connect(self.on_select_approvers_clicked)
        self.role.currentIndexChanged.connect(self.on_role_current_index_changed)
        for key in ("expire_days", "remind_days", "escalate_days", "end_reminder_days"):
            box: QSpinBox = getattr(self, key)
            box.valueChanged.connect(lambda value, k=key: self.on_days_changed(k, value))
        self.access_days.valueChanged.connect(self.on_access_changed)
        self.access_until.dateChanged.connect(self.on_access_changed)
        self.lasts.currentIndexChanged.connect(self.on_access_changed)
        self.reason_to_approve.toggled.connect(self.on_reason_to_approve_toggled)
        self.select_escalation.clicked.connect(self.on_select_escalation_clicked)

    # --- loading ----------------------------------------------------------------------------

    def load(self, app_name: str | None, *, keep_message: bool = False) -> None:
        """Show the stored settings of this application (None: nothing selected)."""
        self.app_name = app_name
        if not keep_message:
            self.message.hide()
        if app_name is None:
            self.loaded, self.form = None, {}
            self.setEnabled(False)
            self.unavailable.hide()
            self._show_form()
            return
        self.setEnabled(True)
        try:
            view = self.backend.call("admin.selfservice_form", app_name=app_name)
        except AccessDeskError as exc:
            self.loaded, self.form = None, {}
            self._show_form()
            self.show_message(for_people(exc), "error")
            return
        self._roles = view.pop("roles")
        approvers = view.pop("approver_people")
        escalation = view.pop("escalation_people")
        self.loaded = dict(view, approvers=approvers, escalation_approvers=escalation)
        self.form = {k: self.loaded[k] for k in FIELDS}
        self.form["approvers"] = list(approvers)
        self.form["escalation_approvers"] = list(escalation)
        self._show_form()

    def _show_form(self) -> None:
        """Put self.form on screen; nothing here changes the form."""
        self._loading = True
        try:
            loaded = self.loaded
            available = bool(loaded and loaded["available"])
            self.unavailable.show_text(
                "<b>Self-service isn't available for this application.</b><br>"
                + html.escape(for_people(loaded["unavailable_reason"])) if loaded and not available
                else None, "warning")
            self.form_frame.setEnabled(available)
            form = self.form
            self.enabled.set_value(bool(form.get("enabled")))
            self.group_name.setText(form.get("group") or "None selected")
            self.require_approval.set_value(bool(form.get("require_approval")))
            people = form.get("approvers") or []
            self.approver_names.setText(
                ", ".join(p["name"] for p in people) if people else "None selected")
            self.approver_names.setToolTip("\n".join(p["upn"] for p in people))
            self.approver_count.setText(f"{len(people)} of {MAX_APPROVERS}")
            self.email_approvers.set_value(bool(form.get("email_approvers")))
            self.approver_passwords.set_value(bool(form.get("approver_sets_passwords")))
            self._fill_roles(form.get("role"))
            self._show_governance(form)
            self._set_row_visible("role", bool(self._roles) or bool(form.get("role")))
            self._set_row_visible("approver_sets_passwords",
                                  bool(loaded and (loaded["password_sso"]  # rule 12
                                                   or loaded["approver_sets_passwords"])))
            if loaded and loaded.get("updated_at"):
                self.version.setText(f"Version {loaded['version']} · saved by "
                                     f"{loaded['updated_by'] or 'Access Desk'} at "
                                     f"{when(loaded['updated_at'])}")
            else:
                self.version.setText("Never saved" if loaded else "")
            self._update_enabling()
        finally:
            self._loading = False
        self._update_buttons()

    def _fill_roles(self, current: str | None) -> None:
        model = QStandardItemModel(self.role)
        none = QStandardItem(NO_ROLE)
        none.setData(None, Qt.ItemDataRole.UserRole)
        model.appendRow(none)
        selected = 0
        for i, role in enumerate(self._roles, start=1):
            item = QStandardItem(f"{role['name']}  ({role['value']})")
            item.setData(role["value"], Qt.ItemDataRole.UserRole)
            if role["unavailable_reason"]:
                item.setEnabled(False)
                item.setToolTip(for_people(role["unavailable_reason"]))
            model.appendRow(item)
            if current and role["value"] == current:
                selected = i
        self.role.setModel(model)
        self.role.setCurrentIndex(selected)

    def _set_row_visible(self, key: str, visible: bool) -> None:
        for widget in self._rows[key]:
            widget.setVisible(visible)

    def _update_enabling(self) -> None:
        on = bool(self.form.get("enabled"))
        for key in self._rows:
            if key == "enabled":
                continue
            for widget in self._rows[key][:3]:
                widget.setEnabled(on)
        approval = on and bool(self.form.get("require_approval"))
        for key in APPROVAL_ROWS:
            for widget in self._rows[key][:3]:
                widget.setEnabled(approval)

    # --- editing ----------------------------------------------------------------------------

    def is_dirty(self) -> bool:
        if self.loaded is None:
            return False
        return bool(self.changes())

    def changes(self) -> dict[str, Any]:
        """The keyword arguments of selfservice.update for what differs from the stored settings."""
        assert self.loaded is not None
        loaded, form = self.loaded, self.form
        kw: dict[str, Any] = {}
        for key in ("enabled", "require_approval", "email_approvers", "approver_sets_passwords"):
            if bool(form[key]) != bool(loaded[key]):
                kw[key] = bool(form[key])
        if form["group"] != loaded["group"] and form["group"]:
            kw["group"] = form["group"]
        if form["role"] != loaded["role"]:
            kw["role"] = form["role"]
        old = [p["upn"] for p in loaded["approvers"]]
        new = [p["upn"] for p in form["approvers"]]
        if old != new:
            removed = [u for u in old if u not in new]
            added = [u for u in new if u not in old]
            if removed:
                kw["remove_approvers"] = removed
            if added:
                kw["add_approvers"] = added
        kw.update(self._governance_changes())
        return kw

    def _governance_changes(self) -> dict[str, Any]:
        """Rules 16-18, as `selfservice.set` takes them ("N" days or "off"; access lasts
        "never", "N" or "until:DATE")."""
        assert self.loaded is not None
        loaded, form = self.loaded, self.form
        kw: dict[str, Any] = {}
        for key, wire in (("expire_days", "expire_after"), ("remind_days", "remind_after"),
                          ("escalate_days", "escalate_after")):
            if form[key] != loaded[key]:
                kw[wire] = str(form[key]) if form[key] else "off"
        if bool(form["reason_to_approve"]) != bool(loaded["reason_to_approve"]):
            kw["reason_to_approve"] = bool(form["reason_to_approve"])
        if form["end_reminder_days"] != loaded["end_reminder_days"]:
            kw["end_reminder_days"] = form["end_reminder_days"]
        if (form["access_days"], form["access_until"]) != (loaded["access_days"],
                                                           loaded["access_until"]):
            kw["access_lasts"] = (str(form["access_days"]) if form["access_days"]
                                  else f"until:{form['access_until']}" if form["access_until"]
                                  else "never")
        old = [p["upn"] for p in loaded["escalation_approvers"]]
        new = [p["upn"] for p in form["escalation_approvers"]]
        if old != new:
            if [u for u in old if u not in new]:
                kw["remove_escalation_approvers"] = [u for u in old if u not in new]
            if [u for u in new if u not in old]:
                kw["add_escalation_approvers"] = [u for u in new if u not in old]
        return kw

    def _show_governance(self, form: dict[str, Any]) -> None:
        for key in ("expire_days", "remind_days", "escalate_days"):
            getattr(self, key).setValue(form.get(key) or 0)
        self.end_reminder_days.setValue(form.get("end_reminder_days") or 7)
        self.reason_to_approve.set_value(bool(form.get("reason_to_approve")))
        people = form.get("escalation_approvers") or []
        self.escalation_names.setText(
            ", ".join(p["name"] for p in people) if people else "None selected")
        self.escalation_names.setToolTip("\n".join(p["upn"] for p in people))
        mode = ("days" if form.get("access_days") else "until" if form.get("access_until")
                else "never")
        self.lasts.setCurrentIndex([k for k, _ in LASTS].index(mode))
        if form.get("access_days"):
            self.access_days.setValue(form["access_days"])
        show_zone(self.access_until, form.get("time_zone") or "")
        if form.get("access_until"):
            day = QDate.fromString(form["access_until"], Qt.DateFormat.ISODate)
            self.access_until.setMinimumDate(min(day, QDate.currentDate().addDays(1)))
            self.access_until.setDate(day)
        self.access_days.setVisible(mode == "days")
        self.access_until.setVisible(mode == "until")
        self._set_row_visible("end_reminder_days", mode != "never")

    @staticmethod
    def _wire(changes: dict[str, Any]) -> dict[str, Any]:
        """changes() as `selfservice.set` takes them: no role is said with no_role."""
        if "role" in changes and changes["role"] is None:
            changes = dict(changes, no_role=True)
            del changes["role"]
        return changes

    def set_field(self, key: str, value: Any) -> None:
        if self.loaded is None:
            return
        self.form[key] = value
        self.message.hide()
        self._show_form()

    def set_group(self, name: str) -> None:
        self.set_field("group", name)

    def set_approvers(self, people: list[dict[str, str]]) -> None:
        self.set_field("approvers", list(people))

    def set_role(self, value: str | None) -> None:
        self.set_field("role", value)

    def save(self) -> bool:
        """Save what changed, based on the version loaded; a newer stored version is refused."""
        if self.loaded is None or not self.is_dirty():
            return False
        app, version = self.app_name, self.loaded["version"]
        assert app is not None
        try:
            view = self.backend.call("selfservice.set", app_name=app, if_version=version,
                                     **self._wire(self.changes()))
        except Conflict as exc:
            self.load(app)
            self.show_message(f"{for_people(exc)} The page now shows the newer settings; "
                              "make your change again.", "error")
            return False
        except AccessDeskError as exc:
            self.show_message(for_people(exc), "error")
            return False
        self.load(app)
        self.show_message(f"Saved: version {view['version']} of the self-service settings of "
                          f"{app}.", "info")
        self.saved.emit(app)
        return True

    def discard(self) -> None:
        if self.app_name is not None:
            self.load(self.app_name)

    def reload_if_clean(self) -> None:
        """Another desktop saved: show it, unless the person is in the middle of a change."""
        if self.app_name is None:
            return
        if self.is_dirty():
            self.show_message("Someone else changed these settings meanwhile. Saving will be "
                              "refused; Discard (Esc) shows the newer settings.", "warning")
        else:
            self.load(self.app_name, keep_message=True)

    def show_message(self, text: str, tone: str) -> None:
        self.message.show_text(text, tone)

    # --- slots ------------------------------------------------------------------------------

    def on_enabled_toggled(self, value: bool) -> None:
        if not self._loading:
            self.set_field("enabled", value)

    def on_require_approval_toggled(self, value: bool) -> None:
        if not self._loading:
            self.set_field("require_approval", value)

    def on_email_approvers_toggled(self, value: bool) -> None:
        if not self._loading:
            self.set_field("email_approvers", value)

    def on_approver_passwords_toggled(self, value: bool) -> None:
        if not self._loading:
            self.set_field("approver_sets_passwords", value)

    def on_days_changed(self, key: str, value: int) -> None:
        if not self._loading:
            self.set_field(key, value or None)

    def on_reason_to_approve_toggled(self, value: bool) -> None:
        if not self._loading:
            self.set_field("reason_to_approve", value)

    def on_access_changed(self, *_: Any) -> None:
        """"Access lasts": never, N days, or until a date (one clears the other)."""
        if self._loading or self.loaded is None:
            return
        mode = self.lasts.currentData()
        self.form["access_days"] = self.access_days.value() if mode == "days" else None
        self.form["access_until"] = (self.access_until.date().toString(Qt.DateFormat.ISODate)
                                     if mode == "until" else None)
        self.message.hide()
        self._show_form()

    def on_select_escalation_clicked(self) -> None:
        chosen = ApproverPickerDialog.pick(
            self, self.actor, self.form.get("escalation_approvers") or [],
            title="Select escalation approvers",
            question="Select up to 10 individual people who are asked when nobody decides a "
                     "request in time. They are checked as approvers are.")
        if chosen is not None:
            self.set_field("escalation_approvers", chosen)

    def on_role_current_index_changed(self, index: int) -> None:
        if not self._loading and index >= 0:
            self.set_role(self.role.itemData(index, Qt.ItemDataRole.UserRole))

    def on_select_group_clicked(self) -> None:
        chosen = GroupPickerDialog.pick(self, self.actor, self.form.get("group"))
        if chosen:
            self.set_group(chosen)

    def on_select_approvers_clicked(self) -> None:
        chosen = ApproverPickerDialog.pick(self, self.actor, self.form.get("approvers") or [])
        if chosen is not None:
            self.set_approvers(chosen)

    def _update_buttons(self) -> None:
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty)
        self.discard_button.setEnabled(dirty)
        if dirty != self._was_dirty:
            self._was_dirty = dirty
            self.dirty_changed.emit(dirty)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(640, 520)
