"""Approver and requester e-mail through a real SMTP server (aiosmtpd on 127.0.0.1): what the
approvers receive, retries after an outage delivering each message exactly once, two senders at
once never sending a message twice, and the SMTP password never written anywhere."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import peewee as pw
import pytest

from desktop import logs
from desktop.models import EmailOutbox, User, database_proxy
from desktop.services import mail, requests, selfservice
from desktop.services.core import now, transaction

# The server asks for a login without TLS: on 127.0.0.1, for a test, that is the point.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning")

DOMAIN = "contoso.example"
SENDER = "access-desk@contoso.example"
PAST = dt.datetime(2000, 1, 1)


def person(local: str) -> User:
    return User.get(User.upn == f"{local}@{DOMAIN}")


SmtpServer = Any  # tests/integration/conftest.py: start(), stop(), received, port, user, password


def configure(actor: User, server: SmtpServer, password: str | None = None) -> None:
    mail.configure(actor, host="127.0.0.1", port=server.port, security="none", user=server.user,
                   password=password or server.password, sender=SENDER)


def last_outbox_id() -> int:
    return EmailOutbox.select(pw.fn.MAX(EmailOutbox.id)).scalar() or 0


def outbox_after(start: int) -> list[EmailOutbox]:
    return list(EmailOutbox.select().where(EmailOutbox.id > start).order_by(EmailOutbox.id))


def fresh(rows: list[EmailOutbox]) -> list[EmailOutbox]:
    return [EmailOutbox.get_by_id(r.id) for r in rows]


def make_due() -> None:
    """As if the back-off had passed."""
    EmailOutbox.update(next_attempt_at=PAST).where(EmailOutbox.status == "queued").execute()


def approver_mails(app: str, requester: User) -> list[str]:
    shown = selfservice.show(User.get(User.upn == f"megan.bowen@{DOMAIN}"), app)
    assert shown["email_approvers"], f"{app} mails its approvers in the demo"
    found = [person(upn.split("@")[0]) for upn in shown["approvers"]]
    return sorted(u.mail for u in found if u.mail and u.id != requester.id)


# --- what approvers and requesters receive -------------------------------------------------------


def test_approvers_get_the_request_and_the_requester_the_decision(
        db: pw.Database, demo: User, smtp_server: SmtpServer) -> None:
    configure(demo, smtp_server)
    chloe = person("chloe.dubois")
    justification = "Quarterly campaign leads, shared with Sales"
    start = last_outbox_id()

    req = requests.create_request(chloe, "Fabrikam CRM", justification)

    rows = outbox_after(start)
    assert sorted(r.to for r in rows) == approver_mails("Fabrikam CRM", chloe)
    assert len(rows) == 3
    assert all(r.status == "queued" and r.attempts == 0 for r in rows)
    assert smtp_server.received == []  # the request only queues; sending is separate

    assert mail.send_pending() == {"sent": 3, "failed": 0, "not_configured": 0}

    received = {r.rcpt_tos[0]: r for r in smtp_server.received}
    assert len(smtp_server.received) == len(received) == 3
    for row in fresh(rows):
        got = received[row.to]
        message = got.message
        assert got.rcpt_tos == [row.to]
        assert got.login == smtp_server.user
        assert message["To"] == row.to
        assert message["From"] == SENDER
        assert "Chloé Dubois" in message["Subject"]
        assert "Fabrikam CRM" in message["Subject"]
        body = message.get_content()
        assert justification in body
        approver = User.get(User.mail == row.to)
        assert f"--as {approver.upn} approve {req['id']}" in body
        assert f"--as {approver.upn} deny {req['id']}" in body
        assert message["Message-ID"] == row.message_id
        assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
        assert row.sent_at is not None

    start = last_outbox_id()
    requests.approve(person("alice.wu"), req["id"], "Welcome aboard")
    (decision,) = outbox_after(start)
    assert decision.to == chloe.mail
    assert mail.send_pending()["sent"] == 1
    got = smtp_server.received[-1]
    assert got.rcpt_tos == [chloe.mail]
    assert "Fabrikam CRM" in got.message["Subject"]
    assert "approved" in got.message["Subject"]
    assert "Alice Wu approved your request for Fabrikam CRM" in got.message.get_content()
    assert got.message_id == decision.message_id
    assert len(smtp_server.received) == 4


def test_not_mailed_his_own_request_nor_where_the_application_does_not_mail(
        db: pw.Database, demo: User, smtp_server: SmtpServer) -> None:
    configure(demo, smtp_server)
    diego = person("diego.ramirez")  # one of Fabrikam CRM's approvers
    start = last_outbox_id()

    requests.create_request(diego, "Fabrikam CRM", "Own pipeline")

    rows = outbox_after(start)
    assert sorted(r.to for r in rows) == approver_mails("Fabrikam CRM", diego)
    assert diego.mail not in {r.to for r in rows}
    assert mail.send_pending()["sent"] == 2
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == sorted(r.to for r in rows)

    assert not selfservice.show(demo, "Wingtip Tickets")["email_approvers"]
    start = last_outbox_id()

    requests.create_request(person("oliver.schmidt"), "Wingtip Tickets", "Event desk")

    assert outbox_after(start) == []
    selfservice.update(demo, "Wingtip Tickets", email_approvers=True)
    requests.create_request(person("kofi.mensah"), "Wingtip Tickets", "Launch event")
    assert len(outbox_after(start)) == 2  # lena.novak and carlos.mendes
    assert mail.send_pending()["sent"] == 2


def test_long_names_still_make_a_request_and_a_mail(
        db: pw.Database, admin: User, make: Any, smtp_server: SmtpServer) -> None:
    configure(admin, smtp_server)
    approver = make.user("approver")
    requester = make.user("requester", name="Requester " + "L" * 190)
    app = make.selfservice_app("Application " + "N" * 150, approvers=(approver,), email=True)

    requests.create_request(requester, app.name, "Long names")  # PostgreSQL: varchar(255)

    (row,) = outbox_after(0)
    assert len(row.subject) <= 255
    assert row.subject.startswith(f"Access request: {requester.display_name}")
    assert mail.send_pending()["sent"] == 1
    (got,) = smtp_server.received
    assert got.message["Subject"] == row.subject
    assert app.name in got.message.get_content()


# --- an outage ----------------------------------------------------------------------------------


def test_messages_queued_during_an_outage_arrive_once_after_it(
        db: pw.Database, demo: User, smtp_server: SmtpServer) -> None:
    configure(demo, smtp_server)
    smtp_server.stop()
    start = last_outbox_id()
    requests.create_request(person("oliver.schmidt"), "Fabrikam CRM", "Forecasts")
    requests.create_request(person("diego.ramirez"), "Fabrikam CRM", "Pipeline")
    requests.create_request(person("noah.fischer"), "Adatum Payroll", "Team budget")
    rows = outbox_after(start)
    assert len(rows) == 3 + 2 + 1

    result = mail.send_pending()  # no exception: each message is marked and kept

    assert result == {"sent": 0, "failed": len(rows), "not_configured": 0}
    for row in fresh(rows):
        assert (row.status, row.attempts) == ("queued", 1)
        assert row.last_error
        assert "refused" in row.last_error.lower() or "connect" in row.last_error.lower()
        assert row.next_attempt_at > now()
    assert mail.send_pending() == {"sent": 0, "failed": 0, "not_configured": 0}  # backing off
    assert all(r.attempts == 1 for r in fresh(rows))

    smtp_server.start()
    make_due()
    assert mail.send_pending()["sent"] == len(rows)
    assert mail.send_pending()["sent"] == 0

    counts = smtp_server.by_message_id()
    assert counts == {r.message_id: 1 for r in rows}
    for row in fresh(rows):
        assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


# --- two senders at once ------------------------------------------------------------------------


def test_two_senders_at_once_send_each_message_exactly_once(
        db: pw.Database, demo: User, smtp_server: SmtpServer) -> None:
    configure(demo, smtp_server)
    tag = uuid.uuid4().hex[:8]
    with transaction():
        for n in range(30):
            mail.queue(f"person{n}@{DOMAIN}", f"Load {n}", f"Message {n}\n",
                       f"<load-{tag}-{n}@access-desk.test>")
    queued = list(EmailOutbox.select().where(EmailOutbox.status == "queued"))
    assert len(queued) == 30
    database = database_proxy.obj
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def sender(name: str) -> None:
        database.connect(reuse_if_open=True)  # its own connection: peewee is thread-local
        try:
            barrier.wait(timeout=10)
            results[name] = mail.send_pending()
        except Exception as exc:  # noqa: BLE001 - reported below
            results[name] = exc
        finally:
            database.close()

    threads = [threading.Thread(target=sender, args=(f"s{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not any(t.is_alive() for t in threads)
    assert all(isinstance(r, dict) for r in results.values()), results
    assert sum(r["sent"] for r in results.values()) == 30
    assert sum(r["failed"] for r in results.values()) == 0
    assert smtp_server.by_message_id() == {r.message_id: 1 for r in queued}
    assert all((r.status, r.attempts) == ("sent", 1) for r in fresh(queued))


# --- the SMTP password stays secret -------------------------------------------------------------


@pytest.fixture
def log_path() -> Iterator[Path]:
    """The application's log file, set up as the program does, for this test's home only."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, "_access_desk", False)]
    for handler in ours:  # another test's home: set up again under this one
        root.removeHandler(handler)
    level = root.level
    path = logs.setup()
    assert path == logs.log_file()
    try:
        yield path
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_access_desk", False)]:
            root.removeHandler(handler)
            handler.close()
        for handler in ours:
            root.addHandler(handler)
        root.setLevel(level)


def test_smtp_password_is_never_written_anywhere(
        db: pw.Database, db_url: str, demo: User, smtp_server: SmtpServer, log_path: Path,
        dump: Any) -> None:
    wrong = "Wrong-Pa55-Albatross-2290"
    configure(demo, smtp_server, password=wrong)
    start = last_outbox_id()
    requests.create_request(person("oliver.schmidt"), "Fabrikam CRM", "Forecasts")

    refused = mail.send_pending()  # the server refuses the login: kept for a retry
    assert refused["failed"] == 3
    assert all("Authentication" in (r.last_error or "") for r in outbox_after(start))

    configure(demo, smtp_server)  # the right password
    assert mail.show_settings(demo)["password"] == "set"
    make_due()
    assert mail.send_pending()["sent"] == 3

    smtp_server.stop()
    requests.create_request(person("noah.fischer"), "Adatum Payroll", "Team budget")
    assert mail.send_pending()["failed"] == 1
    smtp_server.start()
    make_due()
    assert mail.send_pending()["sent"] == 1
    assert all(r.login == smtp_server.user for r in smtp_server.received)
    assert len(smtp_server.received) == 4
    logging.getLogger("desktop.test").info("checked the SMTP settings for %s", smtp_server.user)
    for handler in logging.getLogger().handlers:
        handler.flush()

    log_text = log_path.read_text(encoding="utf-8")
    assert "not sent" in log_text  # the failures were logged, so the log was really looked at
    places: dict[str, bytes] = {
        "log file": log_text.encode(),
        "database rows": repr(dump()).encode(),
        "outbox": repr(mail.outbox(demo)).encode(),
        "received messages": b"".join(r.raw for r in smtp_server.received),
    }
    if not db_url.startswith("postgres"):
        database_proxy.obj.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        for suffix in ("", "-wal", "-shm"):
            file = Path(db_url + suffix)
            if file.exists():
                places[f"database file{suffix}"] = file.read_bytes()
    for secret in (smtp_server.password, wrong):
        for where, content in places.items():
            assert secret.encode() not in content, f"the SMTP password is in the {where}"
            assert secret.encode("utf-16-le") not in content, where
