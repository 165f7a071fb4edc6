"""A long listing writes each request's times from the stored text, cut to shape rather than
parsed (issue 15): the same ISO text as a request read whole, whether the time fell on a
whole second or not, and on either backend."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.models import AccessRequest, base
from desktop.services import requests
from desktop.services.core import iso
from desktop.services.views import request_view


@pytest.mark.parametrize("at", [dt.datetime(2027, 3, 14, 9, 26, 53),
                                dt.datetime(2027, 3, 14, 9, 26, 53, 589793),
                                dt.datetime(2027, 12, 31, 23, 59, 59, 999999)])
def test_listed_times_are_those_of_the_request_read_whole(db, admin, make, monkeypatch, at):
    ann = make.user("ann", license="p2")
    app = make.selfservice_app("Fabrikam Sales", approvers=(ann,))
    alice = make.user("alice")
    monkeypatch.setattr(base, "clock", lambda: at)
    req = make.request(alice, app, "for the quarter")
    monkeypatch.setattr(base, "clock", lambda: at + dt.timedelta(hours=2))
    requests.cancel(alice, req.id)

    listed = requests.list_requests(admin, "all", app=app.name)
    whole = request_view(AccessRequest.get_by_id(req.id))
    assert [row["created_at"] for row in listed] == [whole["created_at"]]
    assert listed[0]["created_at"] == at.replace(microsecond=0).isoformat() + "Z"
    assert listed[0]["decided_at"] == whole["decided_at"] == iso(at + dt.timedelta(hours=2))


def test_a_stored_time_in_another_form_is_still_read():
    assert iso("2027-03-14 09:26:53") == "2027-03-14T09:26:53Z"
    assert iso("2027-03-14 09:26:53.5") == "2027-03-14T09:26:53Z"
    assert iso("2027-03-14T09:26:53") == "2027-03-14T09:26:53Z"
    assert iso("2027-03-14") == "2027-03-14T00:00:00Z"  # peewee reads a bare date as midnight
    with pytest.raises(ValueError, match="not a stored time"):
        iso("yesterday")
