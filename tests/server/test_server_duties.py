"""What the server does on its own or for its clients: it sends the e-mail outbox (in team
mode only it can decrypt the SMTP password, which is written through the API and never read
back), and it refuses a client too old for its API with the version to install."""

from __future__ import annotations

import time

from desktop import __version__

from .conftest import bearer


def test_the_server_sends_the_outbox_with_a_password_set_through_the_api(
        make, admin, api, token_for, smtp_server):
    approver, carol = make.user("appr"), make.user("carol")
    make.selfservice_app("Ledger", approvers=(approver,))
    admin_token = token_for(admin)
    response = api.patch("/mail/settings", headers=bearer(admin_token), json={
        "host": "127.0.0.1", "port": smtp_server.port, "security": "none",
        "user": smtp_server.user, "password": smtp_server.password,
        "sender": "access-desk@example.test"})
    assert response.status_code == 200, response.text
    shown = api.get("/mail/settings", headers=bearer(admin_token)).json()
    assert smtp_server.password not in str(shown)
    assert api.patch("/apps/Ledger/selfservice", headers=bearer(admin_token),
                     json={"email_approvers": True}).status_code == 200
    asked = api.post("/requests", headers=bearer(token_for(carol)),
                     json={"app_name": "Ledger", "justification": "quarter end"})
    assert asked.status_code == 200, asked.text
    deadline = time.monotonic() + 10
    while not smtp_server.received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [m.rcpt_tos for m in smtp_server.received] == [[approver.mail]]


def test_a_client_too_old_for_the_api_is_told_which_version_to_install(admin, api, token_for):
    response = api.get("/me", headers={**bearer(token_for(admin)), "Access-Desk-Api": "0"})
    assert response.status_code == 426
    assert f"Access Desk {__version__} or later" in response.json()["message"]


def test_sign_in_details_are_set_and_copied_through_the_server(make, admin, api, token_for):
    """Rule 12 over HTTP: the approver sets them, their owner reads them to copy (audited),
    nobody else reads them; the client holds no key."""
    from desktop.models import AuditEvent
    from desktop.services import selfservice

    keeper, carol, dave = make.user("keeper"), make.user("carol"), make.user("dave")
    make.selfservice_app("Vault", approvers=(keeper,), sso="password")
    selfservice.update(admin, "Vault", approver_sets_passwords=True)
    make.member("SS - Vault", carol)
    response = api.put(f"/apps/Vault/credentials/{carol.upn}", headers=bearer(token_for(keeper)),
                       json={"username": "carol.v", "password": "Vault-pass-123"})
    assert response.status_code == 200, response.text
    assert "Vault-pass-123" not in response.text
    mine = api.post("/apps/Vault/credentials/mine", headers=bearer(token_for(carol)),
                    json={"what": "password"})
    assert mine.json() == {"app": "Vault", "password": "Vault-pass-123"}
    assert AuditEvent.select().where(AuditEvent.action == "credentials.copy").count() == 1
    assert "Vault-pass-123" not in str([e.details for e in AuditEvent.select()])
    theirs = api.post("/apps/Vault/credentials/mine", headers=bearer(token_for(dave)),
                      json={})
    assert theirs.status_code == 404
