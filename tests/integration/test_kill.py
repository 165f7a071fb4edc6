"""A process deciding 300 requests is killed (SIGKILL) mid-way: each request is either wholly
approved or wholly untouched, and the database carries on (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from desktop.models import (
    AccessRequest,
    Assignment,
    AuditEvent,
    GroupMember,
    Notification,
    SelfServiceSettings,
    User,
)
from desktop.models.schema import pending_counts_consistent
from desktop.services import auditlog, bulk, requests

REQUESTERS = 100
APPS = 3  # 300 pending requests
KILL_AFTER = 40  # approvals reported before the kill

DECIDE = textwrap.dedent("""
    import sys
    from desktop.models import AccessRequest, User
    from desktop.models.schema import open_database
    from desktop.services import bulk
    open_database(sys.argv[1])
    approver = User.get(User.upn == sys.argv[2])
    ids = [r.id for r in AccessRequest.select(AccessRequest.id)
           .where(AccessRequest.status == "pending").order_by(AccessRequest.id)]
    print("start", len(ids), flush=True)
    bulk.decide_many(approver, ids, True, "bulk approval", batch=50,  # several batches
                     progress=lambda done, total: print(done, flush=True))
    print("finished", flush=True)
""")


def _pending_directory(make, seed_apps: int = APPS) -> tuple[User, list[int]]:
    approver = make.user("approver", license="p2")
    apps = [make.selfservice_app(f"Kill App {i}", approvers=(approver,),
                                 roles=("member:Member",) if i == 0 else (),
                                 role="member" if i == 0 else None)
            for i in range(seed_apps)]
    for n in range(REQUESTERS):
        user = make.user(f"user{n:03d}")
        for app in apps:
            requests.create_request(user, app.name)
    ids = [r.id for r in AccessRequest.select().where(AccessRequest.status == "pending")]
    assert len(ids) == REQUESTERS * APPS
    return approver, ids


def _kill_mid_way(db_url: str, approver: User) -> int:
    """Run the bulk decision in a subprocess; SIGKILL it once KILL_AFTER were reported."""
    proc = subprocess.Popen([sys.executable, "-c", DECIDE, db_url, approver.upn],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ))
    reported = 0
    deadline = time.monotonic() + 60
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            word = line.strip()
            if word.isdigit():
                reported = int(word)
                if reported >= KILL_AFTER:
                    proc.send_signal(signal.SIGKILL)
                    break
            if word == "finished" or time.monotonic() > deadline:
                break
    finally:
        if proc.poll() is None:
            proc.kill()
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, f"not killed mid-way ({reported}): {err}"
    return reported


def _whole_or_untouched(ids: list[int]) -> tuple[int, int]:
    """Every request either fully approved or not at all; returns (approved, pending)."""
    approve_events = {e.target for e in AuditEvent.select().where(
        AuditEvent.action == "request.approve")}
    notified = {n.request_id for n in Notification.select().where(
        Notification.kind == "decided")}
    settings = {s.application_id: s for s in SelfServiceSettings.select()}
    members = {(m.group_id, m.user_id) for m in GroupMember.select()}
    roles = {(a.application_id, a.user_id, a.role_id) for a in Assignment.select()}
    approved = pending = 0
    for req in AccessRequest.select().where(AccessRequest.id.in_(ids)):
        ss = settings[req.application_id]
        member = (ss.group_id, req.requester_id) in members
        assigned = (req.application_id, req.requester_id, ss.role_id) in roles
        evented = f"request {req.id}" in approve_events
        noticed = req.id in notified
        if req.status == "approved":
            approved += 1
            assert req.decided_by_id is not None, req.id
            assert req.decided_at is not None, req.id
            assert member, f"request {req.id} approved without the group membership"
            assert assigned or ss.role_id is None, f"request {req.id}: no role"
            assert evented, f"request {req.id} approved without an audit event"
            assert noticed, f"request {req.id} approved without a notification"
        else:
            pending += 1
            assert req.status == "pending", (req.id, req.status)
            assert req.decided_by_id is None, req.id
            assert req.decided_at is None, req.id
            assert not member, f"request {req.id} is pending but its requester is a member"
            assert not assigned, f"request {req.id} is pending but the role is assigned"
            assert not evented, f"request {req.id} is pending but has an approval event"
            assert not noticed, f"request {req.id} is pending but was notified"
    return approved, pending


@pytest.mark.slow
def test_a_bulk_decision_killed_mid_way_leaves_each_request_whole(db, db_url, make):
    approver, ids = _pending_directory(make)
    reported = _kill_mid_way(db_url, approver)

    approved, pending = _whole_or_untouched(ids)
    assert reported <= approved < len(ids)  # the kill may land after one more commit
    assert approved + pending == len(ids)
    assert pending_counts_consistent()
    verdict = auditlog.verify(make.admin)
    assert verdict.ok, verdict.message

    # Nothing is left locked or half-written: the rest can be decided right away.
    rest = [r.id for r in AccessRequest.select().where(AccessRequest.status == "pending")]
    summary = bulk.decide_many(User.get_by_id(approver.id), rest, True, "the rest")
    assert len(summary.decided) == len(rest)
    assert not summary.failed
    assert _whole_or_untouched(ids) == (len(ids), 0)
    assert pending_counts_consistent()
    assert auditlog.verify(make.admin).ok
