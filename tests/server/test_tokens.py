"""Tokens: forged ones are refused (test_api_public.py); these end by idleness, by age, by
signing out, by a password change or reset, and by disabling; sign-in is throttled; devices
are listed and revoked by their person or a Global Administrator, and revoking is audited."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.models import AuditEvent, SignInSession, User
from desktop.services import auth, sessions

from .conftest import bearer

PASSWORD = "correct horse battery staple"


@pytest.fixture
def carol(make, admin):
    user = make.user("carol")
    auth.set_password(admin, user.upn, PASSWORD)
    return User.get_by_id(user.id)


def sign_in(api, upn, password=PASSWORD):
    return api.post("/sessions", json={"upn": upn, "password": password, "client": "test"})


def test_password_sign_in_gives_a_token_kept_only_as_a_hash(carol, api):
    response = sign_in(api, carol.upn)
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    assert api.get("/me", headers=bearer(token)).json()["upn"] == carol.upn
    stored = [row.token_hash for row in SignInSession.select()]
    assert token not in stored
    assert sessions.token_hash(token) in stored
    assert sign_in(api, carol.upn, "wrong password").status_code == 401


@pytest.mark.parametrize("column", ["idle_expires_at", "expires_at"])
def test_an_expired_token_is_refused(carol, api, column):
    token = sign_in(api, carol.upn).json()["token"]
    SignInSession.update({column: dt.datetime(2000, 1, 1)}).execute()
    response = api.get("/me", headers=bearer(token))
    assert response.status_code == 401
    assert "expired" in response.json()["message"]


def test_sign_out_ends_the_token(carol, api):
    token = sign_in(api, carol.upn).json()["token"]
    assert api.delete("/sessions/current", headers=bearer(token)).json() == {"signed_out": True}
    assert api.get("/me", headers=bearer(token)).status_code == 401


def test_a_password_change_ends_the_other_sessions_not_this_one(carol, api):
    this, other = (sign_in(api, carol.upn).json()["token"] for _ in range(2))
    response = api.post("/me/password", headers=bearer(this),
                        json={"old": PASSWORD, "new": "another long passphrase"})
    assert response.status_code == 200, response.text
    assert api.get("/me", headers=bearer(this)).status_code == 200
    assert api.get("/me", headers=bearer(other)).status_code == 401


def test_a_password_reset_and_disabling_end_every_session(carol, admin, api, token_for):
    token = sign_in(api, carol.upn).json()["token"]
    admin_token = token_for(admin)
    assert api.put(f"/users/{carol.upn}/password", headers=bearer(admin_token),
                   json={"password": "a new long passphrase"}).status_code == 200
    assert api.get("/me", headers=bearer(token)).status_code == 401
    token = sign_in(api, carol.upn, "a new long passphrase").json()["token"]
    assert api.patch(f"/users/{carol.upn}", headers=bearer(admin_token),
                     json={"enabled": False}).status_code == 200
    response = api.get("/me", headers=bearer(token))
    assert response.status_code == 401


def test_sign_in_is_throttled_with_retry_after(carol, api):
    for _ in range(auth.FREE_FAILURES):
        assert sign_in(api, carol.upn, "wrong").status_code == 401
    response = sign_in(api, carol.upn, "wrong")
    assert response.status_code in (401, 429)
    response = sign_in(api, carol.upn)  # even the right password waits its turn
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert "try again in" in response.json()["message"]


def test_devices_are_listed_and_revoked_with_an_audit_event(carol, admin, api, token_for):
    mine = sign_in(api, carol.upn).json()
    admin_token = token_for(admin)
    listed = api.get("/sessions", headers=bearer(mine["token"])).json()
    assert [s["upn"] for s in listed] == [carol.upn]
    assert {"client", "address", "since", "last_seen"} <= set(listed[0])
    everyone = api.get("/sessions", headers=bearer(admin_token)).json()
    assert {s["upn"] for s in everyone} == {carol.upn, admin.upn}
    # Carol cannot sign the administrator's device out; he can sign hers out.
    admin_session = next(s["id"] for s in everyone if s["upn"] == admin.upn)
    assert api.delete(f"/sessions/{admin_session}",
                      headers=bearer(mine["token"])).status_code == 403
    response = api.delete(f"/sessions/{mine['session_id']}", headers=bearer(admin_token))
    assert response.status_code == 200
    assert api.get("/me", headers=bearer(mine["token"])).status_code == 401
    event = AuditEvent.select().order_by(AuditEvent.seq.desc()).get()
    assert (event.action, event.target) == ("session.revoke", carol.upn)
    assert mine["token"] not in (event.details or "")


def test_last_seen_is_written_at_most_once_a_minute_and_never_audited(carol, api):
    token = sign_in(api, carol.upn).json()["token"]
    events = AuditEvent.select().count()
    seen = SignInSession.get().last_seen
    for _ in range(5):
        api.get("/me", headers=bearer(token))
    assert SignInSession.get().last_seen == seen
    assert AuditEvent.select().count() == events
