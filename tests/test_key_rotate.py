"""`key rotate`: every secret re-encrypted under a new data key in one transaction, after
which the old key (every desktop of a direct-PostgreSQL team has it) decrypts nothing in the
database; Global Administrators only; audited; crash safe."""

from __future__ import annotations

import base64
import binascii
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import keyring
import pytest
from cryptography.fernet import Fernet, InvalidToken
from keyring.backend import KeyringBackend

from desktop import keystore
from desktop.errors import Refused
from desktop.keystore import DataKeyMismatch, DataKeyMissing
from desktop.models import AuditEvent, PasswordCredential
from desktop.paths import data_dir
from desktop.services import auth, credentials, keys, mail, selfservice
from desktop.services.core import get_setting

SECRETS = {"alice": ("alice.travel.7731", "Tr0ub4dor&3-horse-battery"),
           "bob": ("bob.travel.0042", "correct-horse-staple-9")}
SMTP_PASSWORD = "smtp-relay-password-5150"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def travel(make):
    """Tailspin Travel (password SSO): approver Johan set Alice's and Bob's sign-in details;
    the SMTP password is set too. Three secrets, five ciphertexts."""
    johan = make.user("johan", license="p1")
    people = {name: make.user(name) for name in SECRETS}
    make.selfservice_app("Tailspin Travel", approvers=(johan,), sso="password")
    selfservice.update(make.admin, "Tailspin Travel", approver_sets_passwords=True)
    for name, (username, password) in SECRETS.items():
        make.member("SS - Tailspin Travel", people[name])
        credentials.set_credentials(johan, "Tailspin Travel", people[name].upn, username,
                                    password)
    mail.configure(make.admin, host="smtp.example.test", sender="desk@example.test",
                   user="desk", password=SMTP_PASSWORD)
    return {"johan": johan, **people}


def current_key() -> bytes:
    key = keystore.load(get_setting(keys.KEY_ID_SETTING) or "")
    assert key is not None
    return key


def ciphertexts(dump) -> list[bytes]:
    """Every value in every table that is a Fernet token, or base64 of one (the SMTP
    password): found by shape, so a secret stored somewhere new is not missed."""
    found = []
    for rows in dump().values():
        for row in rows:
            for value in row:
                if isinstance(value, (bytes, memoryview)):
                    value = bytes(value)
                elif isinstance(value, str):
                    value = value.encode()
                else:
                    continue
                for candidate in (value, _unbase64(value)):
                    if candidate and candidate.startswith(b"gAAAAA"):
                        found.append(candidate)
    return found


def _unbase64(value: bytes) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def decrypts(key: bytes, token: bytes) -> bool:
    try:
        Fernet(key).decrypt(token)
    except InvalidToken:
        return False
    return True


def read_back(person) -> tuple[str, str]:
    creds = credentials.read_own_credentials(person, "Tailspin Travel", "both")
    return creds.username, creds.password


def key_files() -> list[str]:
    return sorted(p.name for p in (data_dir() / "keys").glob("*.key")
                  if not p.name.endswith(".signing.key"))


def test_after_rotate_the_old_key_decrypts_nothing_and_the_new_one_everything(
        travel, make, dump):
    old = current_key()
    assert len(ciphertexts(dump)) == 5
    assert all(decrypts(old, token) for token in ciphertexts(dump))

    view = credentials.rotate_data_key(make.admin)

    new = current_key()
    assert new != old
    tokens = ciphertexts(dump)
    assert len(tokens) == 5
    assert not any(decrypts(old, token) for token in tokens)
    assert all(decrypts(new, token) for token in tokens)
    assert view["rotated"] is True
    assert view["fingerprint"] == keystore.fingerprint(new) == get_setting(
        keys.FINGERPRINT_SETTING)
    assert (view["credentials"], view["smtp_password"]) == (2, True)
    # A new process on this desktop: the keys come from the key store, not from memory.
    keystore.forget_cached_keys()
    for name, secret in SECRETS.items():
        assert read_back(travel[name]) == secret
    loaded = mail.load_settings()
    assert loaded is not None
    assert loaded.password == SMTP_PASSWORD
    (event,) = AuditEvent.select().where(AuditEvent.action == "key.rotate")
    assert (event.actor, event.target) == (make.admin.upn, get_setting(keys.KEY_ID_SETTING))
    details = json.loads(event.details)
    assert details["fingerprint"] == keystore.fingerprint(new)
    assert details["previous"] == keystore.fingerprint(old)
    for key in (old, new):
        assert key.decode() not in event.details
    # Set after the rotation: under the new key too.
    credentials.set_credentials(travel["johan"], "Tailspin Travel", travel["alice"].upn,
                                "alice.again", "another-password-77")
    assert not any(decrypts(old, token) for token in ciphertexts(dump))


@pytest.mark.parametrize("role", ["cloud_app_admin", "app_admin", None])
def test_only_a_global_administrator_rotates(travel, make, dump, role):
    someone = make.user("someone", roles=(role,) if role else ())
    before, files = dump(), key_files()
    with pytest.raises(Refused, match=r"only a Global Administrator may rotate the data key"):
        credentials.rotate_data_key(someone)
    assert dump() == before
    assert key_files() == files


def test_a_rotation_that_fails_changes_nothing_and_forgets_its_new_key(travel, make, dump):
    # One credential under a key that is not the database's: rotating it is impossible.
    stray = Fernet(Fernet.generate_key()).encrypt(b"x")
    PasswordCredential.update(password_enc=stray).where(
        PasswordCredential.user == travel["bob"]).execute()
    before, files = dump(), key_files()
    with pytest.raises(DataKeyMismatch, match=r"bob@example.test for Tailspin Travel"):
        credentials.rotate_data_key(make.admin)
    assert dump() == before
    assert key_files() == files
    assert read_back(travel["alice"]) == SECRETS["alice"]


class MemoryKeyring(KeyringBackend):
    """This desktop's keyring, for the test: {(service, key id): key}."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.entries[(service, username)]


def test_with_a_keyring_the_new_key_goes_there_and_a_failed_rotation_leaves_none(
        make, monkeypatch):
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    monkeypatch.setenv(keystore.KEYRING_ENV, "1")
    try:
        keys.data_key(create=True)
        kept = dict(backend.entries)
        monkeypatch.setattr(keys, "publish", lambda *_args: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            credentials.rotate_data_key(make.admin)
        assert backend.entries == kept
        monkeypatch.setattr(keys, "publish", lambda *_args: None)
        view = credentials.rotate_data_key(make.admin)
    finally:
        keyring.set_keyring(previous)
    assert view["kept_in"] == "keyring"
    assert len(backend.entries) == len(kept) + 1  # the old key stays, for older backups
    assert key_files() == []


def test_a_crash_before_the_commit_leaves_the_old_key_in_use(travel, make, dump, monkeypatch):
    old, before, files = current_key(), dump(), key_files()

    def crash(*_args: Any) -> None:
        raise KeyboardInterrupt  # the process stopped in the middle of the transaction

    monkeypatch.setattr(keys, "publish", crash)
    with pytest.raises(KeyboardInterrupt):
        credentials.rotate_data_key(make.admin)
    assert (dump(), key_files(), current_key()) == (before, files, old)
    keystore.forget_cached_keys()
    assert read_back(travel["alice"]) == SECRETS["alice"]


def test_a_crash_right_after_the_commit_leaves_the_new_key_kept(travel, make, monkeypatch):
    old = current_key()

    def crash(*_args: Any) -> None:
        raise KeyboardInterrupt  # the process stopped once the database had committed

    forget = keystore.forget_cached_keys
    monkeypatch.setattr(keystore, "forget_cached_keys", crash)
    with pytest.raises(KeyboardInterrupt):
        credentials.rotate_data_key(make.admin)
    monkeypatch.setattr(keystore, "forget_cached_keys", forget)
    keystore.forget_cached_keys()  # the next process
    assert current_key() != old  # the database names the new key, and it is kept here
    assert read_back(travel["bob"]) == SECRETS["bob"]


def test_a_key_that_cannot_be_kept_refuses_before_anything_changes(travel, make, dump,
                                                                   monkeypatch):
    before = dump()

    def full(*_args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keystore, "write_private", full)
    with pytest.raises(keystore.AccessDeskError, match="No space left on device") as caught:
        credentials.rotate_data_key(make.admin)
    assert caught.value.exit_code == 4
    assert dump() == before


def test_a_desktop_holding_the_old_key_reads_nothing_until_it_imports_the_new_one(
        travel, make, tmp_path, monkeypatch):
    old_file, new_file = tmp_path / "old.key", tmp_path / "new.key"
    credentials.export_data_key(make.admin, str(old_file))
    credentials.rotate_data_key(make.admin)
    credentials.export_data_key(make.admin, str(new_file))

    monkeypatch.setenv("ACCESS_DESK_HOME", str(tmp_path / "other-desktop"))
    keystore.forget_cached_keys()
    with pytest.raises(DataKeyMismatch):  # the old key is not this database's any more
        credentials.import_data_key(travel["alice"], str(old_file))
    with pytest.raises(DataKeyMissing, match="import it"):
        read_back(travel["alice"])
    credentials.import_data_key(travel["alice"], str(new_file))
    assert read_back(travel["alice"]) == SECRETS["alice"]


def test_setting_details_while_a_rotation_commits_encrypts_under_the_new_key(
        travel, make, dump, monkeypatch):
    """set_credentials and the SMTP settings encrypt inside their write transaction: a token
    made before it, under a key a rotation retired meanwhile, would undo the rotation."""
    old = current_key()
    check = credentials._check_set
    calls: list[bool] = []

    # Another desktop's rotation commits just before the write transaction takes the lock:
    # here, nested in it, at the check each use case makes first inside it.
    def rotate_then_check(*args: Any) -> Any:
        calls.append(True)
        if len(calls) == 2:  # the first check runs before the transaction
            credentials.rotate_data_key(make.admin)
        return check(*args)

    monkeypatch.setattr(credentials, "_check_set", rotate_then_check)
    credentials.set_credentials(travel["johan"], "Tailspin Travel", travel["bob"].upn,
                                "bob.new", "a-new-password-123")
    assert len(calls) == 2
    middle = current_key()
    require_admin = mail.require_admin

    def rotate_then_require(actor: Any, doing: str) -> Any:
        credentials.rotate_data_key(make.admin)
        return require_admin(actor, doing)

    monkeypatch.setattr(mail, "require_admin", rotate_then_require)
    mail.configure(make.admin, password="a-new-smtp-password")
    monkeypatch.setattr(mail, "require_admin", require_admin)
    for retired in (old, middle):
        assert not any(decrypts(retired, token) for token in ciphertexts(dump))
    assert all(decrypts(current_key(), token) for token in ciphertexts(dump))
    assert read_back(travel["bob"]) == ("bob.new", "a-new-password-123")


def test_a_database_without_a_data_key_has_nothing_to_rotate(make, dump):
    before = dump()
    view = credentials.rotate_data_key(make.admin)
    assert view["rotated"] is False
    assert dump() == before


def test_the_command_line_rotates_as_a_global_administrator_only(travel, make, db, tmp_path):
    if not isinstance(db.database, str) or not Path(db.database).is_file():
        pytest.skip("the command line runs once, on the SQLite database")
    auth.set_password(make.admin, make.admin.upn, "admin-password-0001")
    auth.set_password(make.admin, travel["johan"].upn, "johan-password-0002")
    env = {**os.environ, "ACCESS_DESK_HOME": str(data_dir()), "ACCESS_DESK_KEYRING": "0"}
    env.pop("ACCESS_DESK_DB", None)

    def run(upn: str, password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "desktop", "--db", db.database, "--as", upn, "key",
             "rotate", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=60,
            env={**env, "ACCESS_DESK_PASSWORD": password}, check=False)

    refused = run(travel["johan"].upn, "johan-password-0002")
    assert refused.returncode == 3, refused
    assert refused.stderr.count("\n") == 1
    assert "only a Global Administrator may rotate the data key" in refused.stderr
    done = run(make.admin.upn, "admin-password-0001")
    assert done.returncode == 0, done
    view = json.loads(done.stdout)
    assert view["rotated"] is True
    keystore.forget_cached_keys()
    assert view["fingerprint"] == keystore.fingerprint(current_key())
    assert read_back(travel["alice"]) == SECRETS["alice"]
