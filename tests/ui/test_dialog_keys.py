"""Every dialog opens with the focus in its first field, and Enter presses its default button."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPlainTextEdit, QWidget

from desktop.models import Group, User
from desktop.ui.admin.access import RoleDialog
from desktop.ui.admin.directory import GroupDialog, PasswordDialog, PersonPickerDialog, UserDialog
from desktop.ui.admin.pickers import ApproverPickerDialog, GroupPickerDialog
from desktop.ui.admin.transfer import EvidenceDialog, GraphSourceDialog, ImportSummaryDialog
from desktop.ui.common import ConfirmDialog, ReasonDialog
from desktop.ui.myapps import RequestDialog
from desktop.ui.signin import SignInDialog
from desktop.ui.trainer import ResultDialog

ACCEPTED = QDialog.DialogCode.Accepted
REJECTED = QDialog.DialogCode.Rejected


def typing(qtbot: Any, dialog: QDialog, text: str) -> None:
    """Type into whatever has the focus, as a person would."""
    qtbot.keyClicks(dialog.focusWidget(), text)


def enter(qtbot: Any, dialog: QDialog, ctrl: bool = False) -> None:
    modifier = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return, modifier)


def shown(qtbot: Any, dialog: QDialog) -> QDialog:
    qtbot.addWidget(dialog)
    with qtbot.waitExposed(dialog):
        dialog.show()
    return dialog


@dataclass
class Case:
    dialog: QDialog
    first: QWidget
    done: Callable[[], bool]
    fill: Callable[[], None] = field(default=lambda: None)
    ctrl: bool = False  # the first field is multi-line: Enter is a new line, Ctrl+Enter submits


def _confirm(qtbot, admin, person, tmp_path):
    dialog = ConfirmDialog(None, "Enable Alice?", "She can sign in again.", "Enable")
    return Case(dialog, dialog.confirm_button, lambda: dialog.result() == ACCEPTED)


def _confirm_danger(qtbot, admin, person, tmp_path):
    # What cannot be undone is confirmed by a click: Enter cancels.
    dialog = ConfirmDialog(None, "Remove access?", "She loses it.", "Remove", danger=True)
    cancel = next(b for b in dialog.findChildren(QWidget) if b.accessibleName() == "Cancel")
    return Case(dialog, cancel, lambda: dialog.result() == REJECTED and not dialog.isVisible())


def _reason(qtbot, admin, person, tmp_path):
    dialog = ReasonDialog(None, "Close request", "Why?", "Close request")
    return Case(dialog, dialog.reason, lambda: dialog.result() == ACCEPTED,
                fill=lambda: typing(qtbot, dialog, "The application is retired"), ctrl=True)


def _role(qtbot, admin, person, tmp_path):
    roles = [{"name": "Reader", "value": "Reader", "unavailable_reason": None},
             {"name": "Writer", "value": "Writer", "unavailable_reason": None}]
    dialog = RoleDialog(None, "alice", "Fabrikam CRM", roles, "Reader")
    return Case(dialog, dialog.combo, lambda: dialog.result() == ACCEPTED)


def _add_user(qtbot, admin, person, tmp_path):
    dialog = UserDialog(None, admin)

    def fill() -> None:
        typing(qtbot, dialog, "kim.lee@contoso.example")
        dialog.name.setFocus()
        typing(qtbot, dialog, "Kim Lee")

    return Case(dialog, dialog.upn, fill=fill, done=lambda: User.get_or_none(
        User.upn == "kim.lee@contoso.example") is not None)


def _change_user(qtbot, admin, person, tmp_path):
    alice = person("alice.wu")
    from desktop.services import directory

    view = next(u for u in directory.list_users(admin, "alice.wu") if u["upn"] == alice.upn)
    dialog = UserDialog(None, admin, view)
    return Case(dialog, dialog.name, lambda: dialog.result() == ACCEPTED)  # user name: read-only


def _password(qtbot, admin, person, tmp_path):
    dialog = PasswordDialog(None, admin, person("alice.wu").upn)

    def fill() -> None:
        typing(qtbot, dialog, "correct horse battery")
        dialog.second.setFocus()
        typing(qtbot, dialog, "correct horse battery")

    return Case(dialog, dialog.first, lambda: dialog.result() == ACCEPTED, fill=fill)


def _group(qtbot, admin, person, tmp_path):
    dialog = GroupDialog(None, admin)
    return Case(dialog, dialog.name, fill=lambda: typing(qtbot, dialog, "Field engineers"),
                done=lambda: Group.get_or_none(Group.name == "Field engineers") is not None)


def _person_picker(qtbot, admin, person, tmp_path):
    dialog = PersonPickerDialog(None, admin, "Add a member")
    return Case(dialog, dialog.search, fill=lambda: typing(qtbot, dialog, "zara.ahmed"),
                done=lambda: dialog.result() == ACCEPTED
                and dialog.chosen() == "zara.ahmed@contoso.example")


def _group_picker(qtbot, admin, person, tmp_path):
    dialog = GroupPickerDialog(admin, None)
    return Case(dialog, dialog.search, fill=lambda: typing(qtbot, dialog, "IT Operations"),
                done=lambda: dialog.result() == ACCEPTED and dialog.chosen == "IT Operations")


def _approver_picker(qtbot, admin, person, tmp_path):
    dialog = ApproverPickerDialog(admin, [])

    def fill() -> None:
        typing(qtbot, dialog, "alice.wu")
        enter(qtbot, dialog)  # Enter adds the only match; Ctrl+Enter then uses the approvers
        assert dialog.upns() == ["alice.wu@contoso.example"], dialog.error.text()

    return Case(dialog, dialog.search, fill=fill, ctrl=True,
                done=lambda: dialog.result() == ACCEPTED)


def _graph_source(qtbot, admin, person, tmp_path):
    dialog = GraphSourceDialog(None)

    def fill() -> None:  # the files are chosen with Add files…; then Enter reads them
        dialog.add_paths([str(tmp_path)])
        dialog.paths.setFocus()

    return Case(dialog, dialog.add_files, lambda: dialog.result() == ACCEPTED, fill=fill)


def _import_finished(qtbot, admin, person, tmp_path):
    dialog = ImportSummaryDialog(None, {"dry_run": False, "added": {"users": 2}})
    close = dialog.findChild(QDialogButtonBox).buttons()[0]
    return Case(dialog, close, lambda: dialog.result() == ACCEPTED)


def _import_preview(qtbot, admin, person, tmp_path):
    # Importing writes many records: Enter cancels, Import is clicked on purpose.
    dialog = ImportSummaryDialog(None, {"dry_run": True, "added": {"users": 2}})
    cancel = next(b for b in dialog.findChild(QDialogButtonBox).buttons()
                  if b is not dialog.import_button)
    return Case(dialog, cancel, lambda: dialog.result() == REJECTED and not dialog.isVisible())


def _evidence(qtbot, admin, person, tmp_path):
    dialog = EvidenceDialog(None, admin, "Fabrikam CRM")
    target = tmp_path / "bundle.zip"
    dialog.path.setText(str(target))

    def done() -> bool:
        qtbot.waitUntil(lambda: not dialog.running, timeout=10_000)
        return target.exists()

    return Case(dialog, dialog.start, done)


def _result(qtbot, admin, person, tmp_path):
    dialog = ResultDialog(None, "Scenario ready", "Alice has two requests waiting.")
    return Case(dialog, dialog.findChild(QPlainTextEdit), lambda: not dialog.isVisible())


def _request(qtbot, admin, person, tmp_path):
    dialog = RequestDialog(person("oliver.schmidt"), "Fabrikam CRM")
    submitted: list[dict[str, Any]] = []
    dialog.submitted.connect(submitted.append)
    return Case(dialog, dialog.justification, lambda: bool(submitted)
                and submitted[0]["status"] == "pending",
                fill=lambda: typing(qtbot, dialog, "I sell to Fabrikam"), ctrl=True)


def _sign_in_demo(qtbot, admin, person, tmp_path):
    dialog = SignInDialog(None, "demo.db")
    return Case(dialog, dialog.person, lambda: dialog.user is not None)


CASES = {"confirm": _confirm, "confirm-danger": _confirm_danger, "reason": _reason,
         "role": _role, "add-user": _add_user, "change-user": _change_user,
         "password": _password, "add-group": _group, "person-picker": _person_picker,
         "group-picker": _group_picker, "approver-picker": _approver_picker,
         "graph-source": _graph_source, "import-finished": _import_finished,
         "import-preview": _import_preview, "evidence": _evidence, "result": _result,
         "request": _request, "sign-in-demo": _sign_in_demo}


@pytest.mark.parametrize("name", list(CASES))
def test_a_dialog_opens_in_its_first_field_and_enter_submits(qtbot, demo_db, person, tmp_path,
                                                            name):
    case = CASES[name](qtbot, demo_db, person, tmp_path)
    dialog = shown(qtbot, case.dialog)
    assert dialog.focusWidget() is case.first, dialog.focusWidget()
    case.fill()
    enter(qtbot, dialog, ctrl=case.ctrl)
    assert case.done()


def test_add_a_group_takes_what_is_typed_in_name_and_its_error_goes_once_fixed(
        qtbot, demo_db):
    dialog = shown(qtbot, GroupDialog(None, demo_db))
    enter(qtbot, dialog)  # no name yet: refused, and said so
    assert dialog.error.isVisible()
    assert dialog.isVisible()
    typing(qtbot, dialog, "Field engineers")  # a space in it: the button is not pressed
    assert dialog.name.text() == "Field engineers"
    assert not dialog.error.isVisible()  # it spoke of the empty name
    enter(qtbot, dialog)
    assert dialog.result() == ACCEPTED
    assert Group.get_or_none(Group.name == "Field engineers") is not None


def test_select_group_enter_in_the_search_picks_the_only_match(qtbot, demo_db):
    dialog = shown(qtbot, GroupPickerDialog(demo_db, None))
    typing(qtbot, dialog, "IT Operations")
    enter(qtbot, dialog)
    assert dialog.result() == ACCEPTED
    assert dialog.chosen == "IT Operations"


def test_select_group_down_moves_into_the_list_and_enter_picks_that_row(qtbot, demo_db):
    dialog = shown(qtbot, GroupPickerDialog(demo_db, None))
    typing(qtbot, dialog, "a")  # several groups
    qtbot.keyClick(dialog.search, Qt.Key.Key_Down)
    assert dialog.focusWidget() is dialog.view
    row = dialog.view.currentIndex().row()
    assert row >= 0
    assert dialog.model.is_row_enabled(row)  # the first group that can be used
    name = dialog.model.row_data(row)["name"]
    enter(qtbot, dialog)
    assert dialog.result() == ACCEPTED
    assert dialog.chosen == name


def test_select_group_enter_with_several_matches_says_what_to_do(qtbot, demo_db):
    dialog = shown(qtbot, GroupPickerDialog(demo_db, None))
    typing(qtbot, dialog, "a")
    enter(qtbot, dialog)
    assert dialog.isVisible()
    assert "arrow keys" in dialog.error.text()


def test_enter_in_a_reason_starts_a_new_line(qtbot):
    dialog = shown(qtbot, ReasonDialog(None, "Close request", "Why?", "Close request"))
    typing(qtbot, dialog, "Retired")
    enter(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.reason.toPlainText() == "Retired\n"
