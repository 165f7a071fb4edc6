"""My Apps and Approvals share one tabbed window (desktop.ui.tabbed): its shape and its keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.ui.tabbed import TabbedWindow
from desktop.ui.windows import build_window

WINDOWS = [  # kind, who, title, tabs
    ("myapps", "nadia.petrova", "My Apps", ["Apps", "Request new apps", "My requests"]),
    ("approvals", "alice.wu", "Approvals", ["Pending", "Manage passwords", "History",
                                            "Reviews"]),  # Reviews: hidden until a review
]


@pytest.fixture(params=WINDOWS, ids=[w[0] for w in WINDOWS])
def shown(request, qtbot, person):
    kind, who, title, tabs = request.param
    user = person(who)
    window = build_window(kind, user)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window, user, title, tabs


def test_both_are_the_tabbed_window(shown):
    window, user, title, tabs = shown
    assert isinstance(window, TabbedWindow)
    assert window.windowTitle() == f"{title}: {user.display_name}"
    assert window.accessibleName() == title
    assert window.tabs.accessibleName() == f"{title} sections"
    texts = [window.tabs.tabText(i).split(" (")[0] for i in range(window.tabs.count())]
    assert texts == tabs
    assert window.feed.parent() is window  # no feed shared: the window keeps its own


def test_ctrl_f_searches_the_tab_shown(qtbot, shown):
    window, *_ = shown
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        search = window.tabs.currentWidget().search
        search.setText("fabrikam")
        window.setFocus()
        qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(search.hasFocus)
        assert search.selectedText() == "fabrikam"


def test_f5_polls_the_feed_then_rereads_everything(qtbot, shown, monkeypatch):
    window, *_ = shown
    calls: list[str] = []
    monkeypatch.setattr(window.feed, "poll_now", lambda: calls.append("poll"))
    monkeypatch.setattr(window, "refresh_all", lambda: calls.append("refresh"))
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert calls == ["poll", "refresh"]
