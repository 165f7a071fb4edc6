"""Rule 12: sign-in details set by approvers, encrypted under the database's data key."""

from __future__ import annotations

import io
import logging
import os
import stat
from pathlib import Path

import peewee as pw
import pytest

from desktop import keystore
from desktop.errors import NotFound, Refused, UsageError
from desktop.models import AuditEvent, PasswordCredential, Setting
from desktop.services import credentials, keys, selfservice

PASSWORD = "Tr0ub4dor&3-horse-battery"
USERNAME = "alice.travel.7731"


@pytest.fixture
def travel(make):
    """Tailspin Travel (password SSO), approver Johan who may set passwords; Alice has it."""
    johan = make.user("johan", license="p1", name="Johan Berg")
    alice = make.user("alice", name="Alice Wu")
    app = make.selfservice_app("Tailspin Travel", approvers=(johan,), sso="password")
    selfservice.update(make.admin, app.name, approver_sets_passwords=True)
    make.member("SS - Tailspin Travel", alice)
    return {"johan": johan, "alice": alice, "app": app}


def test_an_approver_sets_and_the_user_reads_his_own(travel):
    view = credentials.set_credentials(travel["johan"], "Tailspin Travel", travel["alice"].upn,
                                       USERNAME, PASSWORD)
    assert view["replaced"] is False
    assert view["set_by"] == travel["johan"].upn
    assert credentials.has_credentials(travel["alice"], travel["app"])
    creds = credentials.read_own_credentials(travel["alice"], "Tailspin Travel", "password")
    assert (creds.username, creds.password) == (USERNAME, PASSWORD)
    assert PASSWORD not in repr(creds)
    assert PASSWORD not in str(creds)
    view = credentials.set_credentials(travel["johan"], "Tailspin Travel", travel["alice"].upn,
                                       USERNAME, "another-one-entirely")
    assert view["replaced"] is True
    assert PasswordCredential.select().count() == 1


def test_the_secret_is_nowhere_in_clear(travel, db, make, dump):
    log_stream = io.StringIO()
    handler = logging.StreamHandler(log_stream)
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    logging.getLogger("peewee").setLevel(logging.DEBUG)
    try:
        credentials.set_credentials(travel["johan"], "Tailspin Travel", travel["alice"].upn,
                                    USERNAME, PASSWORD)
        credentials.read_own_credentials(travel["alice"], "Tailspin Travel", "password")
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        logging.getLogger("peewee").setLevel(logging.NOTSET)
    if isinstance(db, pw.PostgresqlDatabase):
        raw = repr(dump()).encode()
    else:
        db.execute_sql("PRAGMA wal_checkpoint(FULL)")
        raw = b"".join(Path(p).read_bytes() for p in (db.database, db.database + "-wal")
                       if os.path.exists(p))
    for secret in (PASSWORD, USERNAME):
        assert secret.encode() not in raw, "a secret is in the database in clear"
        assert secret not in log_stream.getvalue()
    events = list(AuditEvent.select().where(AuditEvent.action.startswith("credentials.")))
    assert [e.action for e in events] == ["credentials.set", "credentials.copy"]
    for e in events:
        assert PASSWORD not in e.details
        assert USERNAME not in e.details
    assert '"what":"password"' in events[1].details
    # Exports of every kind carry no secret either.
    from desktop.services import exports

    for kind in ("settings", "access", "requests", "audit"):
        out = io.StringIO()
        exports.write(make.admin, kind, "json", out)
        assert PASSWORD not in out.getvalue()
        assert USERNAME not in out.getvalue()
    # The data key is not in the database either: only its id and fingerprint.
    stored = {s.key for s in Setting.select()}
    assert {keys.KEY_ID_SETTING, keys.FINGERPRINT_SETTING} <= stored


def test_the_key_file_is_readable_by_its_owner_only(travel):
    credentials.set_credentials(travel["johan"], "Tailspin Travel", travel["alice"].upn,
                                USERNAME, PASSWORD)
    files = list(keystore.key_dir().glob("*.key"))
    # The data key and, beside it, the audit signing key.
    assert sorted(f.name.endswith(".signing.key") for f in files) == [False, True]
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert stat.S_IMODE(keystore.key_dir().stat().st_mode) == 0o700


@pytest.mark.parametrize(("who", "match"), [
    ("alice", "only an approver"),
    ("outsider", "only an approver"),
])
def test_only_an_approver_may_set(travel, make, refused, who, match):
    actor = travel.get(who) or make.user(who, license="p2")
    refused(Refused, match, credentials.set_credentials, actor, "Tailspin Travel",
            travel["alice"].upn, USERNAME, PASSWORD)


def test_refused_where_the_administrator_did_not_allow_it(travel, make, refused):
    selfservice.update(make.admin, "Tailspin Travel", approver_sets_passwords=False)
    refused(Refused, "has not allowed", credentials.set_credentials, travel["johan"],
            "Tailspin Travel", travel["alice"].upn, USERNAME, PASSWORD)


def test_refused_for_an_application_without_password_sso(make, refused):
    johan = make.user("johan", license="p1")
    alice = make.user("alice")
    make.selfservice_app("Fabrikam CRM", approvers=(johan,))
    make.member("SS - Fabrikam CRM", alice)
    refused(Refused, "password-based single sign-on", credentials.set_credentials, johan,
            "Fabrikam CRM", alice.upn, USERNAME, PASSWORD)


def test_refused_for_someone_without_access(travel, make, refused):
    bob = make.user("bob")
    refused(Refused, "has no access", credentials.set_credentials, travel["johan"],
            "Tailspin Travel", bob.upn, USERNAME, PASSWORD)


def test_refused_for_an_approver_who_lost_his_license(travel, make, refused):
    from desktop.models import User

    User.update(license="none").where(User.id == travel["johan"].id).execute()
    refused(Refused, "license", credentials.set_credentials, travel["johan"],
            "Tailspin Travel", travel["alice"].upn, USERNAME, PASSWORD)


def test_empty_fields_are_a_usage_error(travel):
    with pytest.raises(UsageError):
        credentials.set_credentials(travel["johan"], "Tailspin Travel", travel["alice"].upn,
                                    "", PASSWORD)


def test_reading_without_details_set_is_not_found(travel):
    with pytest.raises(NotFound, match="no sign-in details"):
        credentials.read_own_credentials(travel["alice"], "Tailspin Travel")


def test_a_desktop_without_the_key_says_so_and_everything_else_works(
        travel, make, monkeypatch, tmp_path):
    credentials.set_credentials(travel["johan"], "Tailspin Travel", travel["alice"].upn,
                                USERNAME, PASSWORD)
    monkeypatch.setenv("ACCESS_DESK_HOME", str(tmp_path / "second-desktop"))
    keystore.forget_cached_keys()
    assert keys.key_status() == keys.MISSING_MESSAGE
    with pytest.raises(keys.DataKeyMissing, match="access-desk key import FILE"):
        credentials.read_own_credentials(travel["alice"], "Tailspin Travel")
    with pytest.raises(keys.DataKeyMissing):
        credentials.set_credentials(travel["johan"], "Tailspin Travel", travel["alice"].upn,
                                    USERNAME, "new-password-here")
    # Everything else works: reads, a request, the flag that details exist.
    assert credentials.has_credentials(travel["alice"], travel["app"])
    assert credentials.credential_users(travel["johan"], "Tailspin Travel")[0]["has_credentials"]
    bob = make.user("bob")
    make.request(bob, "Tailspin Travel")


def test_export_and_import_let_a_second_desktop_read(travel, monkeypatch, tmp_path):
    credentials.set_credentials(travel["johan"], "Tailspin Travel", travel["alice"].upn,
                                USERNAME, PASSWORD)
    exported = tmp_path / "data.key"
    fp = keys.export_keys(exported)
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    assert fp == Setting.get(Setting.key == keys.FINGERPRINT_SETTING).value

    monkeypatch.setenv("ACCESS_DESK_HOME", str(tmp_path / "second-desktop"))
    keystore.forget_cached_keys()
    with pytest.raises(keys.DataKeyMissing):
        credentials.read_own_credentials(travel["alice"], "Tailspin Travel")
    assert keys.import_keys(exported) == fp
    keystore.forget_cached_keys()
    creds = credentials.read_own_credentials(travel["alice"], "Tailspin Travel")
    assert creds.password == PASSWORD


def test_a_key_of_another_database_is_refused(travel, monkeypatch, tmp_path):
    credentials.set_credentials(travel["johan"], "Tailspin Travel", travel["alice"].upn,
                                USERNAME, PASSWORD)
    from cryptography.fernet import Fernet

    foreign = tmp_path / "foreign.key"
    key = Fernet.generate_key()
    foreign.write_text(f"key-id: 00000000-0000-0000-0000-000000000000\n"
                       f"fingerprint: {keystore.fingerprint(key)}\nkey: {key.decode()}\n")
    with pytest.raises(keys.DataKeyMismatch, match="another database"):
        keys.import_keys(foreign)
    broken = tmp_path / "broken.key"
    broken.write_text("hello\n")
    with pytest.raises(UsageError, match="not an Access Desk key file"):
        keys.import_keys(broken)


def test_a_fresh_database_adopts_an_imported_key(make, db, tmp_path, monkeypatch):
    # Desktop one makes the key on its own database and exports it...
    keys.data_key(create=True)
    exported = tmp_path / "k.key"
    fp = keys.export_keys(exported)
    key_id = Setting.get(Setting.key == keys.KEY_ID_SETTING).value
    # ...a second desktop whose shared database has no key yet adopts it on import.
    Setting.delete().where(Setting.key.in_([keys.KEY_ID_SETTING,
                                            keys.FINGERPRINT_SETTING])).execute()
    monkeypatch.setenv("ACCESS_DESK_HOME", str(tmp_path / "other"))
    keystore.forget_cached_keys()
    assert keys.import_keys(exported) == fp
    assert Setting.get(Setting.key == keys.KEY_ID_SETTING).value == key_id
    assert keys.key_status() is None


def test_credential_users_lists_people_with_access(travel):
    rows = credentials.credential_users(travel["johan"], "Tailspin Travel")
    assert [r["upn"] for r in rows] == [travel["alice"].upn]
    assert rows[0]["has_credentials"] is False
    assert credentials.password_apps(travel["johan"]) == [
        {"id": travel["app"].id, "name": "Tailspin Travel", "publisher": None}]


def test_only_an_administrator_exports_the_data_key(travel, make, tmp_path):
    """The rights table in the service, not only in the command that calls it."""
    credentials.set_credentials(travel["johan"], "Tailspin Travel", travel["alice"].upn,
                                USERNAME, PASSWORD)
    refused = tmp_path / "refused.key"
    with pytest.raises(Refused, match="export the data key"):
        credentials.export_data_key(travel["johan"], str(refused))
    assert not refused.exists()
    exported = tmp_path / "admin.key"
    fp = credentials.export_data_key(make.admin, str(exported))
    assert fp == Setting.get(Setting.key == keys.FINGERPRINT_SETTING).value
    assert credentials.import_data_key(travel["alice"], str(exported)) == fp
