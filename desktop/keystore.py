"""Where this desktop keeps the database's keys: the data key (Fernet) and the audit signing key
(Ed25519), side by side in the OS keyring where one works, else in owner-only key files.

Storage only: which key a database needs, making keys, carrying them to other desktops and
auditing all that are use cases, in desktop/services/keys.py and services/auditchain.py."""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import uuid
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from desktop.errors import AccessDeskError, UsageError
from desktop.paths import data_dir

log = logging.getLogger(__name__)

KEYRING_SERVICE = "access-desk data key"
SIGNING_KEYRING_SERVICE = "access-desk audit signing key"
# Set to 0 to ignore a working keyring (tests, or a desktop that prefers the key file).
KEYRING_ENV = "ACCESS_DESK_KEYRING"
FILE_HEADER = "# Access Desk data key. Keep it secret: it decrypts the sign-in details stored"
SIGNING_FILE_HEADER = ("# Access Desk audit signing key (Ed25519). Keep it secret: it signs the "
                       "audit log's checkpoints")
SIGNING_MISSING_MESSAGE = (
    "this desktop does not have the audit signing key of this database; "
    "import it with access-desk key import FILE"
)
MISSING_MESSAGE = (
    "this desktop does not have the data key of this database; "
    "import it with access-desk key import FILE"
)


class DataKeyMissing(AccessDeskError):
    """This desktop cannot decrypt: the database has a data key this desktop lacks."""

    exit_code = 3

    def __init__(self, message: str = MISSING_MESSAGE) -> None:
        super().__init__(message)


class DataKeyMismatch(AccessDeskError):
    """A key file or stored key that belongs to another database."""

    exit_code = 3


class SigningKeyMissing(AccessDeskError):
    """This desktop cannot sign checkpoints: it lacks the database's audit signing key."""

    exit_code = 4

    def __init__(self, message: str = SIGNING_MISSING_MESSAGE) -> None:
        super().__init__(message)


class SigningUnsupported(AccessDeskError):
    """This Python's cryptography cannot make or check Ed25519 signatures (some FIPS builds)."""

    exit_code = 4


def fingerprint(key: bytes) -> str:
    """A one-way name for a key, safe to store in the database and to print."""
    return "sha256:" + hashlib.sha256(key).hexdigest()[:32]


# --- where keys live on this desktop --------------------------------------------------------


def _keyring():  # type: ignore[no-untyped-def]
    """The keyring module when a real backend works here, else None (headless: none)."""
    if os.environ.get(KEYRING_ENV, "1") == "0":
        return None
    try:
        import keyring
        from keyring.backends import fail
    except Exception:  # not installed or broken: the key file is the fallback
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    module = type(backend).__module__
    if isinstance(backend, fail.Keyring) or module.endswith((".null", ".fail")):
        return None
    if getattr(backend, "priority", 1) <= 0:
        return None
    return keyring


def key_dir() -> Path:
    path = data_dir() / "keys"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def key_file(key_id: str, signing: bool = False) -> Path:
    """Where the key of that id is kept when no keyring works; refuses an invalid id."""
    if not key_id or not all(c.isalnum() or c == "-" for c in key_id):
        raise DataKeyMismatch(f"the database names an invalid key id {key_id!r}")
    return key_dir() / (f"{key_id}.signing.key" if signing else f"{key_id}.key")


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, replacing any older one atomically."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)


def store(key_id: str, key: bytes, signing: bool = False) -> str:
    """Keep the key on this desktop; returns where ('keyring' or the file path)."""
    kr = _keyring()
    if kr is not None:
        try:
            kr.set_password(SIGNING_KEYRING_SERVICE if signing else KEYRING_SERVICE, key_id,
                            key.decode("ascii"))
            return "keyring"
        except Exception as exc:  # a locked or broken keyring: fall back to the file
            log.warning("keyring refused the key (%s); using a key file", type(exc).__name__)
    path = key_file(key_id, signing)
    write_private(path, f"{SIGNING_FILE_HEADER if signing else FILE_HEADER}\n"
                  f"{key.decode('ascii')}\n")
    return str(path)


def load(key_id: str, signing: bool = False) -> bytes | None:
    """The key of that id as kept on this desktop, or None."""
    kr = _keyring()
    if kr is not None:
        try:
            value = kr.get_password(SIGNING_KEYRING_SERVICE if signing else KEYRING_SERVICE,
                                    key_id)
        except Exception:
            value = None
        if value:
            return value.encode("ascii")
    path = key_file(key_id, signing)
    if not path.is_file():
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return line.encode("ascii")
    return None


def discard(key_id: str) -> None:
    """Forget a data key this desktop kept and no database uses (a `key rotate` that did not
    commit): its keyring entry and its key file, whichever exist. Best effort."""
    kr = _keyring()
    if kr is not None:
        try:
            kr.delete_password(KEYRING_SERVICE, key_id)
        except Exception:  # not there, or a locked keyring: an unused key does no harm
            pass
    key_file(key_id).unlink(missing_ok=True)
    forget_cached_keys(key_id)


# --- keys held in memory --------------------------------------------------------------------

_cache: dict[tuple[str, str], Fernet] = {}
_signing_cache: dict[tuple[str, str], Ed25519PrivateKey] = {}


def forget_cached_keys(key_id: str | None = None) -> None:
    """Drop keys held in memory: the data key of that id, or every key (tests switch
    desktops by changing ACCESS_DESK_HOME)."""
    if key_id is not None:
        _cache.pop((str(data_dir()), key_id), None)
        return
    _cache.clear()
    _signing_cache.clear()


def fernet(key_id: str, expected: str | None) -> Fernet:
    """The data key of that id as kept on this desktop, checked against the fingerprint the
    database expects; DataKeyMissing when this desktop does not hold it."""
    cache_key = (str(data_dir()), key_id)
    cached = _cache.get(cache_key)
    if cached is not None:
        return cached
    key = load(key_id)
    if key is None:
        raise DataKeyMissing()
    if expected and fingerprint(key) != expected:
        raise DataKeyMismatch(
            "the data key kept on this desktop does not match this database's; "
            "import the right one with access-desk key import FILE"
        )
    made = Fernet(key)
    _cache[cache_key] = made
    return made


# --- the audit signing key ------------------------------------------------------------------


def public_text(private: Ed25519PrivateKey) -> str:
    """The public key as stored in the database: base64 of the raw 32 bytes."""
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def private_from(text: bytes) -> Ed25519PrivateKey:
    """A private signing key from its base64 text (a key file's `signing-key`)."""
    try:
        raw = base64.b64decode(text, validate=True)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (ValueError, binascii.Error) as exc:
        raise UsageError("not a valid audit signing key") from exc
    except UnsupportedAlgorithm as exc:
        raise SigningUnsupported("this Python's cryptography package cannot use Ed25519 "
                                 "signatures") from exc


def private_text(private: Ed25519PrivateKey) -> str:
    """The private signing key as kept and carried: base64 of the raw 32 bytes."""
    return base64.b64encode(private.private_bytes_raw()).decode("ascii")


def store_signing_key(key_id: str, private: Ed25519PrivateKey) -> None:
    """Keep a signing key on this desktop, beside the data key."""
    store(key_id, private_text(private).encode("ascii"), signing=True)
    _signing_cache[(str(data_dir()), key_id)] = private


def new_signing_key() -> tuple[str, Ed25519PrivateKey]:
    """A new Ed25519 key pair, the private key kept on this desktop beside the data key."""
    try:
        private = Ed25519PrivateKey.generate()
    except UnsupportedAlgorithm as exc:
        raise SigningUnsupported("this Python's cryptography package cannot make Ed25519 "
                                 "signatures") from exc
    key_id = str(uuid.uuid4())
    store_signing_key(key_id, private)
    return key_id, private


# A demo database signs with this published key, so that a copy of it works on any desktop
# (tests, classrooms): a demo's checkpoints prove nothing, as docs/audit.md says.
DEMO_SIGNING_KEY_ID = "access-desk-demo"


def demo_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"Access Desk demo audit signing key (public)").digest())


def signing_key(key_id: str) -> Ed25519PrivateKey | None:
    """This desktop's private key of that id, or None when it does not hold it."""
    if key_id == DEMO_SIGNING_KEY_ID:
        return demo_signing_key()
    cache_key = (str(data_dir()), key_id)
    cached = _signing_cache.get(cache_key)
    if cached is not None:
        return cached
    text = load(key_id, signing=True)
    if text is None:
        return None
    private = private_from(text)
    _signing_cache[cache_key] = private
    return private
