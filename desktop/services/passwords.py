"""Password hashing with scrypt; parameters are stored with each hash so they can be raised."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

from desktop.errors import Refused

MIN_LENGTH = 12
# Today's parameters. Raising them upgrades each stored hash at its user's next sign-in.
_N, _R, _P = 2**14, 8, 1
_SALT_BYTES, _DIGEST_BYTES = 16, 32
# scrypt needs 128 * n * r bytes; OpenSSL refuses more than 32 MiB unless told, which would
# make n=2**15 (r=8) unusable. This cap still bounds what a stored hash can make us spend.
_MAX_MEMORY = 256 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_DIGEST_BYTES,
                            maxmem=_MAX_MEMORY)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str | None) -> bool:
    """Constant-time compare; an unknown user is checked against a dummy hash (same cost)."""
    dummy = not stored
    if dummy:
        stored = _dummy_hash()
    assert stored is not None
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
            dklen=len(expected), maxmem=_MAX_MEMORY,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected) and not dummy


def needs_rehash(stored: str | None) -> bool:
    """True when a stored scrypt hash was made with any parameter (cost, block size,
    parallelism, salt or digest length) below today's: sign-in then stores a new hash."""
    try:
        scheme, n, r, p, salt, digest = (stored or "").split("$")
        weaker = (int(n) < _N or int(r) < _R or int(p) < _P
                  or len(base64.b64decode(salt)) < _SALT_BYTES
                  or len(base64.b64decode(digest)) < _DIGEST_BYTES)
    except (ValueError, TypeError):  # not a hash this module made: nothing to upgrade
        return False
    return scheme == "scrypt" and weaker


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise Refused(
            "password policy", f"a password needs at least {MIN_LENGTH} characters"
        )


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(16))
