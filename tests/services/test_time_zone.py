"""The directory's time zone (SPEC "Time"): a Global Administrator sets it, anyone reads it,
bad names and other people are refused with nothing changed, and dates chosen afterwards end
there while deadlines already set keep theirs."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from desktop.errors import Refused, UsageError
from desktop.models import AccessGrant, AuditEvent, SelfServiceSettings
from desktop.services import requests
from desktop.services.time_zone import set_time_zone, show_time_zone

pytestmark = pytest.mark.usefixtures("consistent")


def test_a_global_administrator_sets_it_and_it_is_audited(admin, make):
    alice = make.user("alice")
    assert show_time_zone(alice) == {"time_zone": "UTC"}
    assert set_time_zone(admin, " Europe/Paris ") == {"time_zone": "Europe/Paris",
                                                     "changed": True}
    assert show_time_zone(alice)["time_zone"] == "Europe/Paris"
    event = AuditEvent.select().order_by(AuditEvent.seq.desc()).get()
    assert (event.action, event.target) == ("directory.time_zone", "Europe/Paris")
    assert json.loads(event.details) == {"from": "UTC", "to": "Europe/Paris"}
    # Saying the same again changes nothing and writes no event.
    assert set_time_zone(admin, "Europe/Paris")["changed"] is False
    assert AuditEvent.select().order_by(AuditEvent.seq.desc()).get().seq == event.seq


@pytest.mark.parametrize(("name", "says"), [
    ("europe/paris", "did you mean Europe/Paris"),
    ("Mars/Olympus", "not a time zone"),
    ("", "not a time zone"),
    ("../../etc/passwd", "not a time zone"),
    ("x" * 5000, "not a time zone"),
    ("UTC\x00", "not a time zone"),
])
def test_an_unknown_name_is_refused_and_changes_nothing(admin, refused, name, says):
    refused(UsageError, says, set_time_zone, admin, name)


def test_only_a_global_administrator_may_change_it(make, refused):
    app_admin = make.user("apps", roles=("app_admin",))
    refused(Refused, "Global Administrator", set_time_zone, app_admin, "Europe/Paris")
    refused(Refused, "Global Administrator", set_time_zone, make.user("bob"), "Europe/Paris")


def test_dates_chosen_afterwards_end_there_and_grants_made_before_keep_their_end(admin, make):
    boss = make.user("boss", license="p2")
    app = make.selfservice_app("Ledger", approvers=(boss,))
    SelfServiceSettings.update(access_until=dt.date(2099, 3, 12)).where(
        SelfServiceSettings.application == app).execute()
    first = requests.create_request(make.user("alice"), "Ledger")
    requests.approve(boss, first["id"])
    set_time_zone(admin, "America/New_York")
    second = requests.create_request(make.user("carol"), "Ledger")
    requests.approve(boss, second["id"])
    ends = [g.ends_at for g in AccessGrant.select().order_by(AccessGrant.id)]
    assert ends == [dt.datetime(2099, 3, 13, 0, 0),   # the end of 12 March in UTC
                    dt.datetime(2099, 3, 13, 4, 0)]   # ... in New York (EDT, UTC-4)
