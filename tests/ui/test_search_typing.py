"""Typing in the Admin console's search boxes, key by key, on the demo directory: the list
follows after the debounce, words are matched by their beginnings, and clearing brings every
row back."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.ui.tablemodel import SEARCH_DEBOUNCE_MS


def names(model, key="name"):
    return [model.row_data(r)[key] for r in range(model.rowCount())]


def type_into(qtbot, box, text):
    box.setFocus()
    qtbot.keyClicks(box, text)


def test_typing_filters_the_applications_after_the_debounce(qtbot, admin_window):
    app_list = admin_window.applications.list
    model = app_list.model
    everything = names(model)
    assert len(everything) == 25
    type_into(qtbot, app_list.search, "fab crm")
    assert app_list.search.text() == "fab crm"
    assert model.search_text is None  # nothing queried per keystroke: the debounce waits
    qtbot.waitUntil(lambda: model.search_text == "fab crm",
                    timeout=SEARCH_DEBOUNCE_MS + 5000)
    assert names(model) == ["Fabrikam CRM"]
    assert not app_list.empty.isVisible()


def test_clearing_the_search_shows_every_application_again(qtbot, admin_window):
    app_list = admin_window.applications.list
    model = app_list.model
    everything = names(model)
    type_into(qtbot, app_list.search, "north")
    qtbot.waitUntil(lambda: names(model) == ["Northwind Catalog", "Northwind Expenses"])
    for _ in range(len("north")):
        qtbot.keyClick(app_list.search, Qt.Key.Key_Backspace)
    assert app_list.search.text() == ""
    qtbot.waitUntil(lambda: model.search_text is None)
    assert names(model) == everything
    type_into(qtbot, app_list.search, "wood bank")  # a word of the publisher, Woodgrove Bank
    qtbot.waitUntil(lambda: names(model) == ["Woodgrove Benefits"])
    qtbot.keyClick(app_list.search, Qt.Key.Key_Escape)  # Esc clears the box
    qtbot.waitUntil(lambda: model.search_text is None)
    assert names(model) == everything


def test_only_word_beginnings_match_and_no_match_says_so(qtbot, admin_window):
    app_list = admin_window.applications.list
    model = app_list.model
    type_into(qtbot, app_list.search, "rikam")
    qtbot.waitUntil(lambda: model.search_text == "rikam")
    assert names(model) == []
    assert app_list.empty.isVisible()
    assert app_list.empty.text() == "No application matches this search."


def test_query_syntax_typed_in_the_box_just_searches(qtbot, admin_window):
    app_list = admin_window.applications.list
    model = app_list.model
    type_into(qtbot, app_list.search, '"fab* (crm')
    qtbot.waitUntil(lambda: model.search_text == '"fab* (crm')
    assert model.last_error is None
    assert names(model) == ["Fabrikam CRM"]
    app_list.search.clear()
    type_into(qtbot, app_list.search, '")(:-')
    qtbot.waitUntil(lambda: model.search_text == '")(:-')
    assert model.last_error is None
    assert len(names(model)) == 25  # no letter or digit: nothing to filter by


def test_typing_filters_the_users_by_name_user_name_and_department(qtbot, admin_window):
    page = admin_window.users
    model = page.model
    everything = names(model, "upn")
    type_into(qtbot, page.search, "alice.w")
    qtbot.waitUntil(lambda: model.search_text == "alice.w")
    assert names(model, "upn") == ["alice.wu@contoso.example"]
    page.search.selectAll()
    type_into(qtbot, page.search, "sales")  # replaces the selected text
    qtbot.waitUntil(lambda: model.search_text == "sales")
    assert len(names(model, "upn")) == 6
    assert {model.row_data(r)["department"] for r in range(model.rowCount())} == {"Sales"}
    page.search.clear()
    qtbot.waitUntil(lambda: model.search_text is None)
    assert names(model, "upn") == everything
