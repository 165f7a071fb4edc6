"""The tamper-evident audit log: verify, tampering found and named, no secrets inside."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from desktop import audithash
from desktop.models import AuditEvent
from desktop.services import auditlog, auth, directory, requests
from desktop.services.core import event_hash


@pytest.fixture
def history(make, admin):
    """A dozen events: people, an application, requests decided every way."""
    boss = make.user("boss")
    make.selfservice_app("Ledger", approvers=(boss,))
    alice, bob, carl = make.user("alice"), make.user("bob"), make.user("carl")
    requests.approve(boss, make.request(alice, "Ledger", "month end").id)
    requests.deny(boss, make.request(bob, "Ledger").id, "not needed")
    requests.cancel(carl, make.request(carl, "Ledger").id)
    count = AuditEvent.select().count()
    assert count >= 12
    assert auditlog.verify(admin).ok
    return count


def seq_of(action):
    return AuditEvent.get(AuditEvent.action == action).seq


def test_verify_passes_on_the_demo(demo):
    verdict = auditlog.verify(demo)
    assert verdict.ok, verdict.message
    assert verdict.first_bad is None
    assert verdict.events == AuditEvent.select().count() > 100
    assert "intact" in verdict.message


def test_every_transition_is_one_event_with_actor_time_and_reason(history, admin):
    rows = {e["action"]: e for e in auditlog.list_events(admin, action="request.")}
    assert set(rows) == {"request.create", "request.approve", "request.deny",
                         "request.cancel"}
    assert rows["request.deny"]["actor"] == "boss@example.test"
    assert rows["request.deny"]["details"]["reason"] == "not needed"
    assert rows["request.approve"]["at"].endswith("Z")


def test_editing_an_events_details_is_found(history, admin):
    seq = seq_of("request.deny")
    event = AuditEvent.get(AuditEvent.seq == seq)
    details = json.loads(event.details)
    details["reason"] = "approved after all"
    AuditEvent.update(details=json.dumps(details)).where(AuditEvent.seq == seq).execute()
    verdict = auditlog.verify(admin)
    assert not verdict.ok
    assert verdict.first_bad == seq
    assert f"event {seq}" in verdict.message
    assert "changed" in verdict.message


def test_editing_the_actor_is_found(history, admin):
    seq = seq_of("request.approve")
    AuditEvent.update(actor="alice@example.test").where(AuditEvent.seq == seq).execute()
    verdict = auditlog.verify(admin)
    assert not verdict.ok
    assert verdict.first_bad == seq


def test_deleting_a_middle_event_is_found(history, admin):
    seq = history // 2
    AuditEvent.delete().where(AuditEvent.seq == seq).execute()
    verdict = auditlog.verify(admin)
    assert not verdict.ok
    assert f"event {seq}" in verdict.message
    assert "missing" in verdict.message


def test_deleting_the_last_event_is_found(history, admin):
    AuditEvent.delete().where(AuditEvent.seq == history).execute()
    verdict = auditlog.verify(admin)
    assert not verdict.ok
    assert verdict.first_bad == history
    assert f"event {history}" in verdict.message
    assert "removed" in verdict.message


def test_deleting_every_event_is_found(history, admin):
    AuditEvent.delete().execute()
    verdict = auditlog.verify(admin)
    assert not verdict.ok
    assert "removed" in verdict.message


def test_swapping_two_events_seq_is_found(history, admin):
    a, b = 3, 7
    AuditEvent.update(seq=-1).where(AuditEvent.seq == a).execute()
    AuditEvent.update(seq=a).where(AuditEvent.seq == b).execute()
    AuditEvent.update(seq=b).where(AuditEvent.seq == -1).execute()
    verdict = auditlog.verify(admin)
    assert not verdict.ok
    assert verdict.first_bad == a
    assert f"event {a}" in verdict.message


def test_each_hash_covers_the_previous_events_hash():
    at = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    one = event_hash(2, at, "a@example.test", "request.deny", "request 1", "{}", "0" * 64)
    other = event_hash(2, at, "a@example.test", "request.deny", "request 1", "{}", "1" * 64)
    assert one != other


def test_rewriting_an_event_and_relinking_the_next_one_is_found(history, admin):
    """A forger who recomputes an edited event's hash and points the next event at it is
    caught by the next event's own hash, which covers the hash it follows."""
    seq = seq_of("request.deny")
    event = AuditEvent.get(AuditEvent.seq == seq)
    details = json.dumps(dict(json.loads(event.details), reason="approved after all"),
                         sort_keys=True, separators=(",", ":"))
    forged = audithash.formula2(event.id, event.seq, event.at, event.actor, event.action,
                                event.target, event.application_id, details, event.prev_hash)
    AuditEvent.update(details=details, hash=forged).where(AuditEvent.seq == seq).execute()
    AuditEvent.update(prev_hash=forged).where(AuditEvent.seq == seq + 1).execute()
    verdict = auditlog.verify(admin)
    assert not verdict.ok
    assert verdict.first_bad == seq + 1
    assert "changed" in verdict.message


def test_no_password_in_the_audit_log(make, admin, dump):
    secret, newer, third = "plum-ladder-orbit-77", "quince-ferry-signal-88", "rowan-hollow-99"
    carol = make.user("carol")
    auth.set_password(admin, carol.upn, secret)
    auth.change_own_password(carol, secret, newer)
    directory.add_user(admin, "dan@example.test", "Dan", password=third)
    events = list(AuditEvent.select())
    assert {"user.set_password", "user.change_password", "user.add"} <= {
        e.action for e in events}
    everything = repr(dump())
    for word in (secret, newer, third):
        assert all(word not in (e.details + (e.target or "")) for e in events)
        assert word not in everything  # nowhere at all, hashes included
    assert auditlog.verify(admin).ok
