"""Rule 21 for rules 18-20: three processes sweeping one SQLite file at the same instant end a
grant, remind of another, tell the administrators that nobody can decide, and complete a
recurring review each exactly once (rules 16-17: tests/services/test_timeouts.py)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.models import (
    AccessGrant,
    AccessReview,
    AuditEvent,
    EmailOutbox,
    GroupMember,
    Notification,
    SelfServiceSettings,
)
from desktop.services import away, check, requests, reviews
from desktop.services.core import frozen_clock

pytestmark = pytest.mark.usefixtures("consistent")
START = dt.datetime(2027, 3, 1, 9, 0, 0)
DAY = dt.timedelta(days=1)
AT = START + 30 * DAY  # the instant every process sweeps at
STILL = dt.timedelta(0)
PROCESSES = 3

# Each process opens the file, says it is ready and waits until every one is (a barrier of
# files), then sweeps AT three times: the sweeps start within milliseconds of each other.
SWEEPER = """
import datetime as dt, sys, time
from pathlib import Path
from desktop.models.schema import open_database
from desktop.services import governance
open_database(sys.argv[1], init=False)
at = dt.datetime.fromisoformat(sys.argv[2])
ready, me, count = Path(sys.argv[3]), sys.argv[4], int(sys.argv[5])
(ready / me).touch()
deadline = time.monotonic() + 30
while len(list(ready.iterdir())) < count and time.monotonic() < deadline:
    time.sleep(0.002)
for _ in range(3):
    governance.sweep(at)
"""


def events(action: str) -> int:
    return AuditEvent.select().where(AuditEvent.action == action).count()


def notices(user, kind: str) -> int:
    return Notification.select().where(
        (Notification.recipient == user) & (Notification.kind == kind)).count()


def mails(subject: str) -> int:
    return EmailOutbox.select().where(EmailOutbox.subject == subject).count()


def member(app, user) -> bool:
    group = SelfServiceSettings.get(SelfServiceSettings.application == app).group_id
    return GroupMember.select().where((GroupMember.group == group)
                                      & (GroupMember.user == user)).exists()


def granted(person, app_name: str, approver) -> None:
    requests.approve(approver, requests.create_request(person, app_name)["id"])


def test_three_processes_sweeping_at_once_do_rules_18_to_20_once(make, admin, db_url):
    if db_url.startswith("postgres"):
        pytest.skip("the SQLite file is what several desktops share")
    # Rule 18: Ledger's access lasts 30 days (reminder 7 days before), e-mail on. Alice's
    # grant is over at AT; Bob's ends 5 days later, so he is due his reminder.
    boss = make.user("boss", license="p2")
    ledger = make.selfservice_app("Ledger", approvers=(boss,), roles=("reader:Reader",),
                                  role="reader", email=True)
    SelfServiceSettings.update(access_days=30, end_reminder_days=7).where(
        SelfServiceSettings.application == ledger).execute()
    alice, bob = make.user("alice"), make.user("bob")
    # Rule 19: Payroll's only approver is away without a delegate while Carol waits.
    chief = make.user("chief", license="p2")
    make.selfservice_app("Payroll", approvers=(chief,))
    carol = make.user("carol")
    # Rule 20: Wiki's monthly review ends at AT: Dan removed by its approver, Erin unreviewed
    # (kept).
    owner = make.user("owner", license="p2")
    wiki = make.selfservice_app("Wiki", approvers=(owner,), email=True)
    dan, erin = make.user("dan"), make.user("erin")
    with frozen_clock(START - 2 * DAY, STILL):
        granted(dan, "Wiki", owner)
        granted(erin, "Wiki", owner)
    with frozen_clock(START, STILL):
        granted(alice, "Ledger", boss)
        review = reviews.start_review(admin, "Wiki", days=30, recurrence="monthly")["id"]
        reviews.decide(owner, review, [dan.upn], "remove", "left the team")
        requests.create_request(carol, "Payroll")
        away.set_away(chief, None, None, "2027-06-30")
    with frozen_clock(START + 5 * DAY, STILL):
        granted(bob, "Ledger", boss)

    script = Path(db_url).with_suffix(".sweeper.py")
    script.write_text(SWEEPER)
    ready = Path(db_url).with_suffix(".ready")
    ready.mkdir()
    procs = [subprocess.Popen([sys.executable, str(script), db_url, AT.isoformat(), str(ready),
                               str(i), str(PROCESSES)]) for i in range(PROCESSES)]
    assert [p.wait(timeout=60) for p in procs] == [0] * PROCESSES

    # Rule 18: Alice's access ended once, Bob reminded once (one e-mail each).
    assert events("access.end") == 1
    assert not member(ledger, alice)
    assert member(ledger, bob)
    assert AccessGrant.get(AccessGrant.user == alice).ended_at == AT
    assert (notices(alice, "access_ended"), mails("Your access to Ledger ended")) == (1, 1)
    assert events("access.remind") == 1
    assert (notices(bob, "access_ending"), mails("Your access to Ledger ends soon")) == (1, 1)
    # Rule 19: the administrators were told once; Carol's request still waits.
    assert events("away.nobody_available") == 1
    assert notices(admin, "approvers_away") == 1
    # Rule 20: Dan removed once, Erin kept; the review completed once, one next review.
    assert events("review.complete") == 1
    assert events("access.remove") == 1
    assert not member(wiki, dan)
    assert member(wiki, erin)
    assert mails("Your access to Wiki was removed") == 1
    assert events("review.start") == 2
    (nxt,) = AccessReview.select().where(AccessReview.status == "active")
    assert AccessReview.get_by_id(review).next_review == nxt.id
    assert nxt.started_at == AT
    assert check.run(admin)["ok"], check.as_text(check.run(admin))
