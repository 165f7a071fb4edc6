"""What windows say for a refusal: the rule in words, as a sentence, without its number.

The command line keeps the number ("… (rule 4)"); `errors.for_people` is the one place that
turns a service's error or reason into what a window shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from desktop.errors import AccessDeskError, Conflict, Refused, for_people
from desktop.services import catalog, credentials, directory, requests, selfservice
from desktop.services.applications import RoleSpec


def _rule1(make, admin):
    make.app("Backstage", hidden=True)
    make.group("Sales apps")
    selfservice.update(admin, "Backstage", enabled=True, group="Sales apps")


def _rule2(make, admin):
    make.app("Field App", public_client=True)
    make.group("Sales apps")
    selfservice.update(admin, "Field App", enabled=True, group="Sales apps")


def _rule3(make, admin):
    make.app("Ledger")
    directory.add_group(admin, "All Staff", on_prem_synced=True)
    selfservice.update(admin, "Ledger", enabled=True, group="All Staff")


def _rule3_needs_a_group(make, admin):
    make.app("Ledger")
    selfservice.update(admin, "Ledger", enabled=True)


def _rule4_own_request(make, admin):
    bob, carol = make.user("bob"), make.user("carol")
    make.selfservice_app("Ledger", approvers=(bob, carol))
    req = make.request(bob, "Ledger")
    requests.approve(bob, req.id)


def _rule4_only_approver(make, admin):
    bob = make.user("bob")
    make.selfservice_app("Ledger", approvers=(bob,))
    make.request(bob, "Ledger")


def _rule4_group_as_approver(make, admin):
    make.app("Ledger")
    make.group("Sales apps")
    make.group("Approvers")
    selfservice.update(admin, "Ledger", enabled=True, group="Sales apps",
                       require_approval=True, add_approvers=["Approvers"])


def _rule5(make, admin):
    make.app("Ledger", roles=(RoleSpec("Old", "Old role", enabled=False),))
    make.group("Sales apps")
    selfservice.update(admin, "Ledger", enabled=True, group="Sales apps", role="Old")


def _rule7(make, admin):
    make.selfservice_app("Ledger")
    make.request(make.user("una", license="none"), "Ledger")


def _rule9_has_access(make, admin):
    alice = make.user("alice")
    make.selfservice_app("Ledger")
    make.request(alice, "Ledger")
    make.request(alice, "Ledger")


def _rule9_open_request(make, admin):
    alice = make.user("alice")
    make.selfservice_app("Ledger", approvers=(make.user("bob"),))
    make.request(alice, "Ledger")
    make.request(alice, "Ledger")


def _rule10_deny_reason(make, admin):
    bob = make.user("bob")
    make.selfservice_app("Ledger", approvers=(bob,))
    requests.deny(bob, make.request(make.user("alice"), "Ledger").id, "")


def _rule10_cancel(make, admin):
    make.selfservice_app("Ledger", approvers=(make.user("bob"),))
    req = make.request(make.user("alice"), "Ledger")
    requests.cancel(make.user("carol"), req.id)


def _rule11(make, admin):
    make.selfservice_app("Ledger", approvers=(make.user("bob"),))
    requests.close(admin, make.request(make.user("alice"), "Ledger").id, " ")


def _rule12(make, admin):
    bob = make.user("bob")
    make.selfservice_app("Ledger", approvers=(bob,))
    credentials.set_credentials(bob, "Ledger", bob.upn, "bob", "secret")


def _rights(make, admin):
    make.app("Ledger")
    selfservice.update(make.user("alice"), "Ledger", enabled=False)


CASES: dict[str, tuple[Callable[[Any, Any], None], str, type[AccessDeskError]]] = {
    "rule 1": (_rule1, "hidden from users", Refused),
    "rule 2": (_rule2, "public client flows", Refused),
    "rule 3": (_rule3, "synchronized from on-premises", Refused),
    "rule 3 needs a group": (_rule3_needs_a_group, "needs a group", Refused),
    "rule 4 own request": (_rule4_own_request, "Nobody decides his own request.", Refused),
    "rule 4 only approver": (_rule4_only_approver, "you are its only approver", Refused),
    "rule 4 group": (_rule4_group_as_approver, "approvers are individual users", Refused),
    "rule 5": (_rule5, "is disabled", Refused),
    "rule 7": (_rule7, "A Microsoft Entra ID P1 or P2 license is required", Refused),
    "rule 9 access": (_rule9_has_access, "You already have access to Ledger.", Refused),
    "rule 9 open": (_rule9_open_request, "You already have an open request", Conflict),
    "rule 10 deny": (_rule10_deny_reason, "A reason is required to deny a request.", Refused),
    "rule 10 cancel": (_rule10_cancel, "Only the requester may cancel", Refused),
    "rule 11": (_rule11, "Closing a request needs a reason", Refused),
    "rule 12": (_rule12, "password-based single sign-on", Refused),
    "rights table": (_rights, "Only a Global", Refused),
}


@pytest.mark.parametrize("case", list(CASES))
def test_windows_say_the_rule_as_a_sentence_and_the_command_line_keeps_its_number(
        make, admin, case):
    act, words, kind = CASES[case]
    with pytest.raises(kind) as info:
        act(make, admin)
    rule = "rights table" if case == "rights table" else " ".join(case.split(" ")[:2])
    assert f"({rule})" in str(info.value)  # what the command line prints
    shown = for_people(info.value)
    assert words in shown
    assert not re.search(r"\brules?\b|rights table", shown), shown
    assert shown[0].isupper(), shown
    assert shown.endswith("."), shown


def test_reasons_given_as_text_lose_their_number_too(make, admin):
    make.selfservice_app("Ledger")
    _rows, message = catalog.catalog(make.user("una", license="none"))
    assert "(rule 7)" in message
    assert for_people(message) == ("You need a Microsoft Entra ID P1 or P2 license to request "
                                   "applications; ask your administrator for one.")
    assert for_people("sg-sales is dynamic (rules 1-2)") == "sg-sales is dynamic."
    assert for_people(None) == ""
