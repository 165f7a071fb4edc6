"""E-mail to approvers and requesters: SMTP settings, the outbox, and a sender that claims each
message with a conditional update so several senders never send the same one."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import peewee as pw

from desktop.errors import UsageError
from desktop.models import EmailOutbox, User

from .core import audit, get_setting, insert_rows, iso, now, publish, put_setting, transaction
from .rights import require_admin
from .views import View

log = logging.getLogger(__name__)

SECURITY = ("starttls", "tls", "none")
MAX_ATTEMPTS = 8
CLAIM_TIMEOUT = dt.timedelta(minutes=10)  # a sender that died while sending
TIMEOUT_S = 20
# The SMTP password: base64 of its Fernet token under the data key (`key rotate` re-encrypts it).
PASSWORD_SETTING = "mail.password_enc"


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min ... capped at one hour between tries."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    user: str | None
    sender: str
    password: str | None  # decrypted only in memory, only to log in


def _password_state() -> str:
    return "set" if get_setting(PASSWORD_SETTING) else "not set"


def settings_view() -> View:
    port = get_setting("mail.port")
    return {
        "host": get_setting("mail.host"),
        "port": int(port) if port else None,
        "security": get_setting("mail.security", "starttls"),
        "user": get_setting("mail.user"),
        "password": _password_state(),
        "sender": get_setting("mail.sender"),
    }


def show_settings(actor: User) -> View:
    require_admin(actor, "see the SMTP settings")
    return settings_view()


def configure(actor: User, *, host: str | None = None, port: int | None = None,
              security: str | None = None, user: str | None = None,
              password: str | None = None, sender: str | None = None) -> View:
    if security is not None and security not in SECURITY:
        raise UsageError(f"unknown security {security!r}; one of {', '.join(SECURITY)}")
    if port is not None and not 0 < port < 65536:
        raise UsageError(f"{port} is not a port number")
    if sender is not None and "@" not in sender:
        raise UsageError(f"{sender!r} is not an e-mail address")
    from . import keys

    if password is not None:
        keys.data_key(create=True)  # a first use makes the key: its own write, before this one
    with transaction():
        actor = require_admin(actor, "change the SMTP settings")
        # Encrypted under the key the database names now, holding the write lock: a `key
        # rotate` that committed meanwhile is never undone by a token under the retired key.
        encrypted = (base64.b64encode(keys.encrypt(password)).decode()
                     if password is not None else None)
        changed = []
        for key, value in (("host", host), ("port", port), ("security", security),
                           ("user", user), ("sender", sender)):
            if value is not None and get_setting(f"mail.{key}") != str(value):
                put_setting(f"mail.{key}", str(value))
                changed.append(key)
        if encrypted is not None:
            put_setting(PASSWORD_SETTING, encrypted)
            changed.append("password")
        if changed:
            audit(actor, "mail.settings", None, {"changed": changed})  # never the values' secret
        return settings_view()


def load_settings() -> SmtpSettings | None:
    host, sender = get_setting("mail.host"), get_setting("mail.sender")
    if not host or not sender:
        return None
    password = None
    encrypted = get_setting(PASSWORD_SETTING)
    if encrypted:
        from desktop import logs

        from . import keys

        password = keys.decrypt(base64.b64decode(encrypted))
        logs.register_secret(password)
    return SmtpSettings(
        host=host, port=int(get_setting("mail.port") or 587),
        security=get_setting("mail.security") or "starttls", user=get_setting("mail.user"),
        sender=sender, password=password,
    )


def _connect(s: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if s.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT_S,
                                                context=context)
    else:
        client = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_S)
        if s.security == "starttls":
            client.starttls(context=context)
    if s.user:
        client.login(s.user, s.password or "")
    return client


def _message(s: SmtpSettings, to: str, subject: str, body: str, message_id: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = s.sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id  # stable: a resend is recognisable as the same message
    msg.set_content(body)
    return msg


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    from desktop import logs

    return logs.mask(text)[:500]


def send_test(actor: User, to: str) -> View:
    require_admin(actor, "send a test e-mail")
    settings = load_settings()
    if settings is None:
        raise UsageError("set the SMTP host and sender first: access-desk mail settings ...")
    msg = _message(settings, to, "Access Desk test e-mail",
                   "This is a test e-mail from Access Desk. The SMTP settings work.\n",
                   f"<test-{os.getpid()}-{int(now().timestamp())}@access-desk>")
    try:
        with _connect(settings) as client:
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise UsageError(f"the test e-mail to {to} failed: {_describe(exc)}") from exc
    with transaction():
        audit(actor, "mail.test", to, {})
    return {"to": to, "sent": True}


# --- the outbox ----------------------------------------------------------------------------


def queue(to: str, subject: str, body: str, message_id: str) -> None:
    """Called inside a use case's transaction, so a message exists only if the change does."""
    queue_many([(to, subject, body, message_id)])


def queue_many(messages: list[tuple[str, str, str, str]]) -> None:
    """Several messages (to, subject, body, message id) as ``queue`` queues each, in one
    insert per hundred (a batch of decisions)."""
    limit = EmailOutbox.subject.max_length  # long names must not fail the request (PostgreSQL)
    rows = []
    at = now()
    for to, subject, body, message_id in messages:
        if len(subject) > limit:
            subject = subject[: limit - 1] + "…"
        rows.append({"to": to, "subject": subject, "body": body, "message_id": message_id,
                     "created_at": at, "next_attempt_at": at})
    insert_rows(EmailOutbox, rows)


def _claim(sender_id: str) -> EmailOutbox | None:
    """Take one due message; the conditional update makes the claim exclusive."""
    stale = now() - CLAIM_TIMEOUT
    # Read the candidates in full first: a SELECT still open on this connection while the claim
    # below begins its write would hold an old SQLite snapshot, and the write then fails at once
    # with "database is locked" when another sender has committed meanwhile.
    due = list(EmailOutbox.select(EmailOutbox.id)
               .where(((EmailOutbox.status == "queued") & (EmailOutbox.next_attempt_at <= now()))
                      | ((EmailOutbox.status == "sending") & (EmailOutbox.claimed_at < stale)))
               .order_by(EmailOutbox.id).limit(5))
    for row in due:
        with transaction():
            won = (EmailOutbox.update(status="sending", claimed_by=sender_id, claimed_at=now())
                   .where((EmailOutbox.id == row.id)
                          & (((EmailOutbox.status == "queued")
                              & (EmailOutbox.next_attempt_at <= now()))
                             | ((EmailOutbox.status == "sending")
                                & (EmailOutbox.claimed_at < stale))))
                   .execute())
        if won:
            return EmailOutbox.get_by_id(row.id)
    return None


def _mark(row: EmailOutbox, *, sent: bool, error: str | None = None) -> None:
    with transaction():
        publish("mail", row.id)  # the outbox on screen follows
        if sent:
            EmailOutbox.update(status="sent", sent_at=now(), last_error=None,
                               attempts=EmailOutbox.attempts + 1).where(
                EmailOutbox.id == row.id).execute()
            return
        attempts = row.attempts + 1
        status = "failed" if attempts >= MAX_ATTEMPTS else "queued"
        EmailOutbox.update(status=status, attempts=attempts, last_error=error,
                           next_attempt_at=now() + backoff(attempts), claimed_by=None).where(
            EmailOutbox.id == row.id).execute()


def send_pending(max_messages: int = 100) -> dict[str, int]:
    """Send what is due; several senders may run at once. Returns counts."""
    settings = load_settings()
    if settings is None:
        return {"sent": 0, "failed": 0, "not_configured": 1}
    sender_id = f"{socket.gethostname()}:{os.getpid()}"
    sent = failed = 0
    client: smtplib.SMTP | None = None
    try:
        for _ in range(max_messages):
            row = _claim(sender_id)
            if row is None:
                break
            try:
                if client is None:
                    client = _connect(settings)
                client.send_message(_message(settings, row.to, row.subject, row.body,
                                             row.message_id))
            except (OSError, smtplib.SMTPException) as exc:
                _mark(row, sent=False, error=_describe(exc))
                failed += 1
                log.warning("e-mail %s to %s not sent: %s", row.id, row.to, _describe(exc))
                if client is not None:
                    try:
                        client.close()
                    finally:
                        client = None
                continue
            _mark(row, sent=True)
            sent += 1
    finally:
        if client is not None:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
    return {"sent": sent, "failed": failed, "not_configured": 0}


def send_now(actor: User) -> dict[str, int]:
    require_admin(actor, "send the outbox")
    return send_pending()


def outbox(actor: User, *, status: str | None = None, limit: int | None = None,
           offset: int = 0) -> list[View]:
    require_admin(actor, "see the outbox")
    query = EmailOutbox.select().order_by(EmailOutbox.id.desc()).offset(offset)
    if status:
        query = query.where(EmailOutbox.status == status)
    if limit is not None:
        query = query.limit(limit)
    return [outbox_view(r) for r in query]


def outbox_view(r: EmailOutbox) -> View:
    return {"id": r.id, "to": r.to, "subject": r.subject, "status": r.status,
            "attempts": r.attempts, "last_error": r.last_error, "message_id": r.message_id,
            "created_at": iso(r.created_at), "sent_at": iso(r.sent_at)}


def outbox_counts(actor: User) -> dict[str, Any]:
    """How many e-mails of the outbox are queued, sent and failed (the Admin console)."""
    require_admin(actor, "see the outbox")
    return counts()


def counts() -> dict[str, Any]:
    rows = (EmailOutbox.select(EmailOutbox.status, pw.fn.COUNT(EmailOutbox.id).alias("n"))
            .group_by(EmailOutbox.status))
    return {r.status: r.n for r in rows}
