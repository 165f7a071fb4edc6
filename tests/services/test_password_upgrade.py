"""A password hash made with weaker parameters than today's is re-hashed at the next
successful sign-in, the only moment the password is known; nothing else changes."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest

from desktop.errors import NotSignedIn
from desktop.models import User
from desktop.services import auth, passwords

PASSWORD = "tangerine-kettle-42"


def _hash(password: str, n: int, r: int, p: int, *, salt: int = 16, length: int = 32) -> str:
    """A scrypt hash in the stored format with the given parameters."""
    salt_bytes = os.urandom(salt)
    digest = hashlib.scrypt(password.encode(), salt=salt_bytes, n=n, r=r, p=p, dklen=length,
                            maxmem=2**28)
    return (f"scrypt${n}${r}${p}${base64.b64encode(salt_bytes).decode()}$"
            f"{base64.b64encode(digest).decode()}")


def _parameters(stored: str) -> tuple[int, int, int]:
    _, n, r, p, _, _ = stored.split("$")
    return int(n), int(r), int(p)


@pytest.fixture
def carol(make):
    return make.user("carol")


def _store(user: User, stored: str) -> None:
    User.update(password_hash=stored).where(User.id == user.id).execute()


@pytest.mark.parametrize(("n", "r", "p", "length"), [
    (2**10, 8, 1, 32),   # a lower cost
    (2**14, 4, 1, 32),   # a smaller block
    (2**14, 8, 1, 16),   # a shorter digest
], ids=["n", "r", "digest"])
def test_weaker_hash_is_upgraded_after_a_successful_sign_in(carol, dump, n, r, p, length):
    weak = _hash(PASSWORD, n, r, p, length=length)
    _store(carol, weak)
    assert passwords.verify_password(PASSWORD, weak)
    before = dump()

    signed_in = auth.sign_in(carol.upn, PASSWORD)

    stored = User.get_by_id(carol.id).password_hash
    assert stored != weak
    assert signed_in.password_hash == stored
    assert not passwords.needs_rehash(stored)
    assert _parameters(stored) == _parameters(passwords.hash_password("x" * 12))
    assert passwords.verify_password(PASSWORD, stored)
    assert not passwords.verify_password(PASSWORD + "!", stored)
    assert auth.sign_in(carol.upn, PASSWORD).id == carol.id
    # One write: the user's hash. No audit event, no change-feed row, nothing else.
    after = dump()
    assert [t for t in before if before[t] != after[t]] == ["user"]
    assert [row for row in after["user"] if row not in before["user"]] == [
        tuple(stored if v == weak else v for v in row)
        for row in before["user"] if weak in row]


def test_a_current_or_stronger_hash_is_left_as_it_is(carol, dump):
    # 2**15 needs 32 MiB, past OpenSSL's default limit: raising the cost must keep working.
    for stored in (passwords.hash_password(PASSWORD), _hash(PASSWORD, 2**14, 8, 2),
                   _hash(PASSWORD, 2**15, 8, 1)):
        _store(carol, stored)
        before = dump()
        auth.sign_in(carol.upn, PASSWORD)
        assert User.get_by_id(carol.id).password_hash == stored
        assert dump() == before


def test_a_failed_sign_in_never_upgrades(carol, dump):
    weak = _hash(PASSWORD, 2**10, 8, 1)
    _store(carol, weak)
    before = dump()
    with pytest.raises(NotSignedIn):
        auth.sign_in(carol.upn, PASSWORD + "!")
    assert User.get_by_id(carol.id).password_hash == weak
    assert dump() == before  # only sign_in_failure, which dump() leaves out


def test_needs_rehash_reads_the_stored_parameters():
    assert not passwords.needs_rehash(passwords.hash_password(PASSWORD))
    assert passwords.needs_rehash(_hash(PASSWORD, 2**10, 8, 1))
    assert passwords.needs_rehash(_hash(PASSWORD, 2**14, 8, 1, salt=8))
    assert not passwords.needs_rehash(_hash(PASSWORD, 2**14, 8, 2))
    for unusable in (None, "", "md5$abc", "scrypt$x$8$1$a$b"):
        assert not passwords.needs_rehash(unusable)
