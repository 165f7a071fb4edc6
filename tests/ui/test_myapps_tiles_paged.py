"""My Apps' tiles a page at a time: a member of a large group may have thousands of
applications, so the window reads the first page by name and more as the tiles scroll;
once scrolled through, it shows the whole list the service gives, in its order."""

from __future__ import annotations

import pytest

from desktop.models import Application, Assignment
from desktop.services import myapps
from desktop.ui.myapps import MyAppsWindow, tiles
from tests.services.test_my_apps_pages import PAGE, names, thirteen_applications


@pytest.fixture
def member(make, monkeypatch):
    monkeypatch.setattr(tiles, "TILES_PAGE", PAGE)
    return thirteen_applications(make)


def test_the_tiles_read_on_as_they_scroll(qtbot, qtmodeltester, member, feed):
    window = MyAppsWindow(member, feed)
    qtbot.addWidget(window)
    window.resize(700, 400)
    window.show()
    page = window.apps_page
    model = page.model
    assert model.rowCount() == PAGE
    assert model.canFetchMore()
    qtmodeltester.check(model)

    bar = page.tiles.verticalScrollBar()
    for _ in range(3):  # to the bottom, as a person drags the scroll bar
        qtbot.waitUntil(lambda: bar.maximum() > 0 or not model.canFetchMore())
        bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: not model.canFetchMore())
    assert names(model.rows()) == names(myapps.my_apps(member))
    qtmodeltester.check(model)


def test_choosing_an_application_on_a_later_page_and_refreshing_keeps_it(qtbot, member,
                                                                          feed):
    window = MyAppsWindow(member, feed)
    qtbot.addWidget(window)
    window.show()
    page = window.apps_page
    last = names(myapps.my_apps(member))[-1]
    assert last not in page.app_names()  # not read yet
    assert page.select_app(last)  # reads on until it is found
    assert page.detail_name.text() == last
    assert not page.select_app("Not an application of hers")

    Assignment.create(application=Application.get(Application.name == "Gpp 06"),
                      user=member)  # hidden: still no tile
    page.refresh_button.click()
    assert page.detail_name.text() == last
    assert page.tiles.currentIndex().data() == last
    assert len(page.app_names()) == 12


def test_a_search_reads_its_own_first_page(qtbot, member, feed):
    window = MyAppsWindow(member, feed)
    qtbot.addWidget(window)
    window.show()
    page = window.apps_page
    page.search.setText("PP 1")  # case-blind, by name or publisher
    qtbot.waitUntil(lambda: page.app_names() == ["Kpp 10", "lpp 11", "Mpp 12"])
    assert not page.model.canFetchMore()
    page.search.setText("no such thing")
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.empty)
