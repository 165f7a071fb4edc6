"""The batch path (``bulk.decide_many``: a transaction per batch, rows written together) gives
exactly what deciding the same requests one at a time gives: the same outcome for each
request, and the same requests, memberships, assignments, grants, pending counts, audit
events, notifications and e-mails (ids and times aside), over mixed batches with refusals in
them."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.errors import AccessDeskError, Conflict
from desktop.models import (
    AccessGrant,
    AccessRequest,
    Application,
    Assignment,
    AuditEvent,
    EmailOutbox,
    GroupMember,
    Notification,
    User,
    database_proxy,
)
from desktop.services import away, bulk, core, requests, selfservice


def _directory(make: Any) -> dict[str, Any]:
    """Ann decides requests of several kinds of application; some are not hers to decide,
    some were decided already, one needs a reason to approve, one she decides for Carl while
    he is away (rule 19), one gives time-bound access with an extension asked (rule 18), one
    assigns a role, two share a group."""
    ann = make.user("ann", license="p2", name="Ann Approver")
    ben = make.user("ben", license="p2", name="Ben Approver")
    carl = make.user("carl", license="p2", name="Carl Away")
    make.selfservice_app("Plain", approvers=(ann, ben), email=True)
    make.selfservice_app("Roles", approvers=(ann,), roles=("member:Member",), role="member")
    make.selfservice_app("Shared A", approvers=(ann,), group="SS - Shared")
    make.selfservice_app("Shared B", approvers=(ann,), group="SS - Shared", email=True)
    make.selfservice_app("Reasoned", approvers=(ann,))
    selfservice.update(make.admin, "Reasoned", reason_to_approve=True)
    make.selfservice_app("Timed", approvers=(ann,), email=True)
    selfservice.update(make.admin, "Timed", access_days=30)
    make.selfservice_app("Bens", approvers=(ben,))
    make.selfservice_app("Carls", approvers=(carl,))
    away.set_away(carl, None, None, "2099-01-01", ann.upn)

    people = [make.user(f"user{i}", name=f"User {i}") for i in range(5)]
    ids: list[int] = []
    for person in people:
        for app in ("Plain", "Roles", "Shared A", "Shared B", "Reasoned", "Timed", "Bens",
                    "Carls"):
            ids.append(make.request(person, app, f"{person.upn} needs {app}").id)
    ids.append(make.request(ann, "Bens").id)  # not hers (and her own)
    make.request(make.user("other"), "Plain")  # pending, left out of every batch
    # Decided already: by Ben, one approved, one denied.
    requests.approve(ben, ids[0], "fine")
    requests.deny(ben, ids[8], "no")
    # A time-bound grant and its extension asked.
    timed = make.user("timed", name="Timed User")
    requests.approve(ann, make.request(timed, "Timed").id)
    ids.append(requests.create_request(timed, "Timed", "more time", extend=True)["id"])
    ids.append(999_999)  # no such request
    return {"ann": ann, "ids": ids}


def _rows() -> dict[str, list[Any]]:
    """Everything a decision writes, ids of the rows themselves and times left out."""
    def plain(model: Any, order: Any, *fields: Any) -> list[tuple[Any, ...]]:
        return list(model.select(*fields).order_by(order).tuples())

    events = [(e.actor, e.action, e.target, e.application_id, json.loads(e.details))
              for e in AuditEvent.select().order_by(AuditEvent.seq)]
    mails = [(m.to, m.subject, m.body, re.sub(r"-[0-9a-f]{12}@", "-@", m.message_id), m.status)
             for m in EmailOutbox.select().order_by(EmailOutbox.id)]
    r = AccessRequest
    return {
        "requests": plain(r, r.id, r.id, r.status, r.decided_by, r.decided_for, r.reason),
        "members": sorted(plain(GroupMember, GroupMember.id, GroupMember.group,
                                GroupMember.user, GroupMember.source, GroupMember.added_by)),
        "assignments": plain(Assignment, Assignment.id, Assignment.application,
                             Assignment.user, Assignment.role, Assignment.via_request),
        "grants": plain(AccessGrant, AccessGrant.id, AccessGrant.application,
                        AccessGrant.user, AccessGrant.request, AccessGrant.ends_at,
                        AccessGrant.ended_why, AccessGrant.added_membership),
        "pending": plain(Application, Application.id, Application.id,
                         Application.pending_count),
        "events": events,
        "notifications": plain(Notification, Notification.id, Notification.recipient,
                               Notification.kind, Notification.message, Notification.request,
                               Notification.application),
        "mails": mails,
    }


def _one_at_a_time(actor: User, ids: list[int], approve: bool, reason: str | None
                   ) -> dict[int, tuple[str, str | None]]:
    outcomes: dict[int, tuple[str, str | None]] = {}
    for rid in dict.fromkeys(ids):
        try:
            (requests.approve if approve else requests.deny)(actor, rid, reason)
            outcomes[rid] = ("decided", None)
        except Conflict as exc:
            outcomes[rid] = ("conflict", exc.message)
        except AccessDeskError as exc:
            outcomes[rid] = ("failed", exc.message)
    return outcomes


def _in_batches(actor: User, ids: list[int], approve: bool, reason: str | None, batch: int
                ) -> dict[int, tuple[str, str | None]]:
    summary = bulk.decide_many(actor, ids, approve, reason, batch=batch)
    outcomes: dict[int, tuple[str, str | None]] = {rid: ("decided", None)
                                                   for rid in summary.decided}
    outcomes.update({c.request_id: ("conflict", c.message) for c in summary.conflicts})
    outcomes.update({rid: ("failed", message) for rid, message in summary.failed})
    return {rid: outcomes[rid] for rid in dict.fromkeys(ids)}


def _run(path: Any) -> tuple[Any, dict[str, list[Any]]]:
    """Run `path` and read what it wrote, then undo it all (the next run starts alike)."""
    db = database_proxy.obj
    with db.atomic() as txn:
        outcome = path()
        rows = _rows()
        txn.rollback()
    return outcome, rows


@pytest.mark.usefixtures("db")
def test_the_batch_path_writes_what_one_at_a_time_writes(make):
    directory = _directory(make)
    ann, all_ids = directory["ann"], directory["ids"]

    @settings(max_examples=30, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(ids=st.lists(st.sampled_from(all_ids), min_size=1, max_size=30),
           approve=st.booleans(), reason=st.sampled_from([None, "Checked with the team"]),
           batch=st.integers(1, 12))
    def agree(ids: list[int], approve: bool, reason: str | None, batch: int) -> None:
        if not approve and reason is None:
            reason = "No seats left"
        actor = User.get_by_id(ann.id)
        # One instant for both runs: the grants' ends and the events' times agree.
        with core.frozen_clock(dt.datetime(2030, 5, 1, 9, 0), dt.timedelta(0)):
            alone = _run(lambda: _one_at_a_time(actor, ids, approve, reason))
            together = _run(lambda: _in_batches(actor, ids, approve, reason, batch))
        assert together[0] == alone[0]
        for table, rows in alone[1].items():
            assert together[1][table] == rows, table

    agree()
