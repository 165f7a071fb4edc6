"""A refusal reaches a window as a sentence naming the rule in words, never by its number."""

from __future__ import annotations

import re
from pathlib import Path

from desktop.models import User
from desktop.services import directory
from desktop.ui.myapps import MyAppsWindow
from desktop.ui.myapps.window import CATALOG_TAB


def no_rule_number(text: str) -> bool:
    return not re.search(r"\brules?\b|rights table", text)


def test_a_refused_request_says_why_in_a_sentence(qtbot, make, admin, feed):
    alice = make.user("alice", name="Alice Wu")
    make.selfservice_app("Fabrikam CRM", approvers=(make.user("bob"),))
    window = MyAppsWindow(User.get_by_id(alice.id), feed)
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentIndex(CATALOG_TAB)
    assert window.catalog_page.select_app("Fabrikam CRM")
    window.catalog_page.request_button.click()
    dialog = window.catalog_page.request_dialog
    assert dialog is not None
    assert dialog.isVisible()
    # Her license goes while the dialog is open: the service refuses (rule 7).
    directory.update_user(admin, alice.upn, license="none")
    dialog.submit_button.click()
    shown = dialog.error.text()
    assert dialog.error.isVisibleTo(dialog)
    assert shown.startswith("A Microsoft Entra ID P1 or P2 license is required"), shown
    assert shown.endswith("has none."), shown
    assert no_rule_number(shown), shown
    dialog.reject()
    # The catalog then explains the missing license, also without the number.
    window.catalog_page.refresh()
    qtbot.waitUntil(lambda: window.catalog_page.license_banner.isVisibleTo(window))
    banner = window.catalog_page.license_banner.text.text()
    assert banner.startswith("You need a Microsoft Entra ID P1 or P2 license"), banner
    assert no_rule_number(banner), banner


def test_every_window_shows_service_errors_through_for_people():
    """`str(exc)` or `exc.message` in a window would show "(rule N)" to people again."""
    root = Path(__file__).resolve().parents[2] / "desktop" / "ui"
    raw = re.compile(r"str\(exc\)|exc\.message|exc\.plain|\{exc\}")
    offenders = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in sorted(root.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if raw.search(line) and "Something went wrong" not in line
        and "cannot connect to" not in line
        and path.name != "workers.py"  # hands the raw message on, for the log and for_people
    ]
    assert offenders == []
