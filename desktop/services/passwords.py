"""Password hashing with scrypt; parameters are stored with each hash so they can be raised."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

from desktop.errors import Refused

MIN_LENGTH = 12
_N, _R, _P = 2**14, 8, 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
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
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected) and not dummy


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise Refused(
            "password policy", f"a password needs at least {MIN_LENGTH} characters"
        )


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(16))
