"""The keyring path of key storage (the `keyring` extra): with a working keyring the data key
and the audit signing key are kept there, not in key files, and read back from there.

The backend is a small file-backed keyring.backend.KeyringBackend, so the test needs no
desktop keyring daemon and no package beyond `keyring` itself."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from desktop import keystore
from desktop.errors import AccessDeskError
from desktop.paths import data_dir
from desktop.services import credentials, selfservice

# The names under which a desktop's keyring holds the keys: changing them loses every key
# already kept, so they are spelled out here rather than imported.
DATA_SERVICE = "access-desk data key"
SIGNING_SERVICE = "access-desk audit signing key"
PASSWORD = "Tr0ub4dor&3-horse-battery"


class FileKeyring(KeyringBackend):
    """A keyring in one JSON file: {service: {username: secret}}."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def entries(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def _save(self, entries: dict[str, dict[str, str]]) -> None:
        self.path.write_text(json.dumps(entries), encoding="utf-8")

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self.entries()
        entries.setdefault(service, {})[username] = password
        self._save(entries)

    def delete_password(self, service: str, username: str) -> None:
        entries = self.entries()
        if username not in entries.get(service, {}):
            raise PasswordDeleteError(username)
        del entries[service][username]
        self._save(entries)


@pytest.fixture
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FileKeyring]:
    """This desktop's keyring, for the test: requested before the database, so that even the
    first audit event's signing key goes there."""
    previous = keyring.get_keyring()
    backend = FileKeyring(tmp_path / "keyring.json")
    keyring.set_keyring(backend)
    monkeypatch.setenv("ACCESS_DESK_KEYRING", "1")  # conftest turns the keyring off
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def _key_files() -> list[str]:
    """Every file under this desktop's data folder that is not the database."""
    return sorted(str(p.relative_to(data_dir())) for p in data_dir().rglob("*")
                  if p.is_file() and ".db" not in p.name)


@pytest.fixture
def travel(file_keyring, make):
    """A password-SSO application whose approver Johan sets Alice's sign-in details."""
    johan = make.user("johan", license="p1")
    alice = make.user("alice")
    app = make.selfservice_app("Tailspin Travel", approvers=(johan,), sso="password")
    selfservice.update(make.admin, app.name, approver_sets_passwords=True)
    make.member("SS - Tailspin Travel", alice)
    return {"johan": johan, "alice": alice, "keyring": file_keyring}


def test_data_key_is_kept_in_and_read_back_from_the_keyring(travel):
    backend = travel["keyring"]
    credentials.set_credentials(travel["johan"], "Tailspin Travel", travel["alice"].upn,
                                "alice.travel", PASSWORD)

    (key_id,) = backend.entries()[DATA_SERVICE]
    assert _key_files() == []  # no key file was written
    keystore.forget_cached_keys()  # a new process on this desktop
    read = credentials.read_own_credentials(travel["alice"], "Tailspin Travel", "password")
    assert read.password == PASSWORD
    # Read from the keyring, not from anywhere else: without the entry it cannot decrypt.
    backend.delete_password(DATA_SERVICE, key_id)
    keystore.forget_cached_keys()
    with pytest.raises(AccessDeskError, match="does not have the data key"):
        credentials.read_own_credentials(travel["alice"], "Tailspin Travel", "password")


def test_audit_signing_key_is_kept_in_and_exported_from_the_keyring(travel, make, tmp_path):
    backend = travel["keyring"]
    out = tmp_path / "exported.key"
    credentials.export_data_key(make.admin, str(out))

    entries = backend.entries()
    (key_id, key), = entries[DATA_SERVICE].items()
    (signing_id, signing), = entries[SIGNING_SERVICE].items()
    assert _key_files() == []
    fields = dict(line.split(": ", 1) for line in out.read_text(encoding="utf-8").splitlines()
                  if ": " in line and not line.startswith("#"))
    assert (fields["key-id"], fields["key"]) == (key_id, key)
    assert (fields["signing-key-id"], fields["signing-key"]) == (signing_id, signing)
    # A fresh process reads the keys from the keyring: what is there is what it exports.
    other = "A" * 43 + "="
    backend.set_password(SIGNING_SERVICE, signing_id, other)
    keystore.forget_cached_keys()
    again = tmp_path / "again.key"
    credentials.export_data_key(make.admin, str(again))
    assert f"signing-key: {other}" in again.read_text(encoding="utf-8").splitlines()
