"""Suggestions asked from the database as the user types (desktop/ui/completer.py), on their
own and in the Audit log's Application and Actor filters, with real key presses."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from desktop.errors import Refused
from desktop.models import Application, AuditEvent
from desktop.services import applications
from desktop.ui.completer import MAX_SUGGESTIONS, SUGGEST_DELAY_MS, SearchCompleter

# --- helpers ---------------------------------------------------------------------------------


def focus(qtbot, edit):
    """Make the window active and put the cursor in `edit`, as a person clicking in it would:
    the popup only opens for the field being typed in."""
    window = edit.window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)


def type_and_wait(qtbot, edit, text):
    """Type key by key, then let the debounce run out; returns the edit's completer."""
    focus(qtbot, edit)
    qtbot.keyClicks(edit, text)
    completer = edit.completer()
    qtbot.waitUntil(lambda: not completer.is_pending(), timeout=SUGGEST_DELAY_MS + 5000)
    return completer


def choose_with_keyboard(qtbot, completer, text):
    """Down until `text` is highlighted, then Enter, as a person would in the popup."""
    popup = completer.popup()
    assert popup.isVisible()
    rows = completer.suggestions()
    assert text in rows
    for _ in range(rows.index(text) + 1):
        qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)


def shown_rows(page):
    model = page.model
    while model.canFetchMore():
        model.fetchMore()
    return [model.row_data(r) for r in range(model.rowCount())]


@pytest.fixture
def page(admin_window):
    admin_window.show_page(3)
    return admin_window.audit


@pytest.fixture
def field(qtbot):
    """A bare line edit in a shown window, for a completer with a fake suggest function."""
    window = QWidget()
    edit = QLineEdit(window)
    QVBoxLayout(window).addWidget(edit)
    qtbot.addWidget(window)
    window.show()
    yield edit
    window.close()


class FakeSuggest:
    def __init__(self, answers=("Northwind Catalog", "Northwind Expenses"), error=None):
        self.answers = list(answers)
        self.error = error
        self.asked: list[str] = []

    def __call__(self, text):
        self.asked.append(text)
        if self.error is not None:
            raise self.error
        return self.answers


# --- the Audit log's Application filter ------------------------------------------------------


def test_an_application_far_down_the_list_is_suggested(qtbot, page, demo_db):
    first_few = [a["name"] for a in applications.list_applications(demo_db, limit=5)]
    assert "Woodgrove Benefits" not in first_few
    completer = type_and_wait(qtbot, page.app_filter, "woodg")
    assert completer.suggestions() == ["Woodgrove Benefits"]
    assert completer.popup().isVisible()


def test_a_word_in_the_middle_of_the_name_finds_it(qtbot, page):
    completer = type_and_wait(qtbot, page.app_filter, "Expenses")
    assert "Northwind Expenses" in completer.suggestions()
    assert completer.popup().isVisible()


def test_choosing_a_suggestion_filters_the_log_to_that_application(qtbot, page):
    completer = type_and_wait(qtbot, page.app_filter, "Expen")
    choose_with_keyboard(qtbot, completer, "Northwind Expenses")
    assert page.app_filter.text() == "Northwind Expenses"
    assert not completer.popup().isVisible()
    assert page.filters == {"app": "Northwind Expenses"}
    app = Application.get(Application.name == "Northwind Expenses")
    expected = [e.seq for e in AuditEvent.select().where(AuditEvent.application_id == app.id)
                .order_by(AuditEvent.seq.desc())]
    assert expected
    assert [r["seq"] for r in shown_rows(page)] == expected
    assert page.view.isVisible()
    assert not page.message.isVisible()


def test_clicking_a_suggestion_filters_the_log_too(qtbot, page):
    completer = type_and_wait(qtbot, page.app_filter, "fab")
    popup = completer.popup()
    row = completer.suggestions().index("Fabrikam CRM")
    index = popup.model().index(row, 0)
    qtbot.mouseClick(popup.viewport(), Qt.MouseButton.LeftButton,
                     pos=popup.visualRect(index).center())
    assert page.app_filter.text() == "Fabrikam CRM"
    assert page.filters == {"app": "Fabrikam CRM"}
    assert shown_rows(page)


def test_typing_the_whole_name_and_enter_still_filters_with_the_popup_open(qtbot, page):
    completer = type_and_wait(qtbot, page.app_filter, "Fabrikam CRM")
    assert completer.popup().isVisible()  # the name itself is suggested
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)  # nothing highlighted: the typed text
    assert not completer.popup().isVisible()
    assert page.filters == {"app": "Fabrikam CRM"}


def test_an_application_added_after_the_page_opened_is_suggested(qtbot, page, demo_db):
    applications.add_application(demo_db, "Zephyr Ledger", publisher="Zephyr Labs")
    completer = type_and_wait(qtbot, page.app_filter, "zeph")
    assert completer.suggestions() == ["Zephyr Ledger"]


def test_more_than_500_applications_a_name_after_the_first_500_is_suggested(qtbot, page,
                                                                            demo_db):
    # The old completer loaded the first 500 names once; 600 more applications push most of
    # the demo's (and most of these) past that point.
    Application.insert_many(
        [{"name": f"Bulk App {i:04d}", "publisher": "Bulk Publisher"} for i in range(600)]
    ).execute()
    first_500 = {a["name"] for a in applications.list_applications(demo_db, limit=500)}
    assert Application.select().count() > 600
    assert "Bulk App 0599" not in first_500
    assert "Woodgrove Benefits" not in first_500
    completer = type_and_wait(qtbot, page.app_filter, "bulk app 0599")
    assert completer.suggestions() == ["Bulk App 0599"]
    page.app_filter.clear()
    qtbot.keyClicks(page.app_filter, "wood")
    completer.suggest_now()
    assert completer.suggestions() == ["Woodgrove Benefits"]
    page.app_filter.clear()
    qtbot.keyClicks(page.app_filter, "bulk")
    completer.suggest_now()
    assert len(completer.suggestions()) == MAX_SUGGESTIONS  # never more than that
    assert completer.popup().isVisible()


def test_setting_the_filter_from_code_asks_for_nothing(qtbot, page):
    page.set_filters(app="Fabrikam CRM")
    completer = page.app_filter.completer()
    assert not completer.is_pending()
    assert completer.suggestions() == []
    assert not completer.popup().isVisible()


def test_the_filters_say_suggestions_come_as_you_type(page):
    assert "as you type" in page.app_filter.toolTip()
    assert "as you type" in page.actor_filter.toolTip()
    assert page.app_filter.completer().popup().accessibleName() == "Application suggestions"
    assert page.actor_filter.completer().popup().accessibleName() == "Actor suggestions"


# --- the Audit log's Actor filter ------------------------------------------------------------


def test_the_actor_field_suggests_user_names(qtbot, page):
    completer = type_and_wait(qtbot, page.actor_filter, "Alice")  # a word of her name
    assert completer.suggestions() == ["alice.wu@contoso.example"]
    choose_with_keyboard(qtbot, completer, "alice.wu@contoso.example")
    assert page.filters == {"actor_upn": "alice.wu@contoso.example"}
    rows = shown_rows(page)
    assert rows
    assert {r["actor"] for r in rows} == {"alice.wu@contoso.example"}


def test_the_actor_field_finds_a_user_name_by_its_parts(qtbot, page):
    completer = type_and_wait(qtbot, page.actor_filter, "priya.n")
    assert completer.suggestions() == ["priya.nair@contoso.example"]


# --- the completer on its own ----------------------------------------------------------------


def test_fast_typing_asks_once(qtbot, field):
    suggest = FakeSuggest()
    completer = SearchCompleter(field, suggest)
    focus(qtbot, field)
    qtbot.keyClicks(field, "northwind")
    assert suggest.asked == []  # nothing per keystroke
    assert completer.is_pending()
    qtbot.waitUntil(lambda: suggest.asked != [], timeout=SUGGEST_DELAY_MS + 5000)
    qtbot.wait(SUGGEST_DELAY_MS * 2)
    assert suggest.asked == ["northwind"]
    assert completer.popup().isVisible()
    assert completer.suggestions() == suggest.answers


def test_an_empty_text_shows_no_popup_and_asks_nothing(qtbot, field):
    suggest = FakeSuggest()
    completer = SearchCompleter(field, suggest)
    focus(qtbot, field)
    qtbot.keyClicks(field, "no")
    completer.suggest_now()
    assert completer.popup().isVisible()
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Backspace)
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Backspace)
    assert field.text() == ""
    assert not completer.is_pending()
    assert not completer.popup().isVisible()
    qtbot.keyClicks(field, "   ")
    completer.suggest_now()
    assert suggest.asked == ["no"]
    assert not completer.popup().isVisible()


def test_a_refused_suggestion_shows_no_popup_and_typing_still_works(qtbot, field):
    suggest = FakeSuggest(error=Refused("right", "only an administrator may list applications"))
    completer = SearchCompleter(field, suggest)
    finished: list[str] = []
    field.editingFinished.connect(lambda: finished.append(field.text()))
    focus(qtbot, field)
    qtbot.keyClicks(field, "Fabrikam CRM")
    qtbot.waitUntil(lambda: suggest.asked != [], timeout=SUGGEST_DELAY_MS + 5000)
    assert completer.suggestions() == []
    assert not completer.popup().isVisible()
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert finished == ["Fabrikam CRM"]


def test_duplicates_are_shown_once_and_choosing_emits_chosen(qtbot, field):
    suggest = FakeSuggest(answers=["Payroll", "Payroll", "Payroll Archive"])
    completer = SearchCompleter(field, suggest)
    chosen: list[str] = []
    pressed: list[str] = []
    finished: list[str] = []
    completer.chosen.connect(chosen.append)
    field.returnPressed.connect(lambda: pressed.append(field.text()))
    field.editingFinished.connect(lambda: finished.append(field.text()))
    focus(qtbot, field)
    qtbot.keyClicks(field, "pay")
    completer.suggest_now()
    assert completer.suggestions() == ["Payroll", "Payroll Archive"]
    choose_with_keyboard(qtbot, completer, "Payroll Archive")
    assert field.text() == "Payroll Archive"
    assert chosen == ["Payroll Archive"]
    assert pressed == ["Payroll Archive"]  # as Enter in the field would, once
    assert finished == ["Payroll Archive"]


def test_enter_without_a_highlighted_suggestion_keeps_the_typed_text(qtbot, field):
    # Qt makes "Payroll" (it starts with the typed text) the popup's current row without
    # highlighting it; Enter must not put it in the field behind the user's back.
    completer = SearchCompleter(field, FakeSuggest(answers=["Payroll", "Payroll Archive"]))
    finished: list[str] = []
    field.editingFinished.connect(lambda: finished.append(field.text()))
    focus(qtbot, field)
    qtbot.keyClicks(field, "Pay")
    completer.suggest_now()
    assert completer.popup().isVisible()
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)
    assert field.text() == "Pay"
    assert finished == ["Pay"]  # once
    assert not completer.popup().isVisible()


def test_a_click_on_a_suggestion_finishes_the_edit_once(qtbot, field):
    completer = SearchCompleter(field, FakeSuggest(answers=["Payroll", "Payroll Archive"]))
    finished: list[str] = []
    field.editingFinished.connect(lambda: finished.append(field.text()))
    focus(qtbot, field)
    qtbot.keyClicks(field, "pay")
    completer.suggest_now()
    popup = completer.popup()
    qtbot.mouseClick(popup.viewport(), Qt.MouseButton.LeftButton,
                     pos=popup.visualRect(popup.model().index(1, 0)).center())
    assert field.text() == "Payroll Archive"
    assert finished == ["Payroll Archive"]
    assert not popup.isVisible()
