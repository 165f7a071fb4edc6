"""The database's data key (Fernet): OS keyring where one works, else an owner-only key file."""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import uuid
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from desktop.errors import AccessDeskError, UsageError
from desktop.paths import data_dir

log = logging.getLogger(__name__)

# Stored in the `setting` table: which key this database's ciphertext needs. Never the key.
KEY_ID_SETTING = "data_key_id"
FINGERPRINT_SETTING = "data_key_fingerprint"
KEYRING_SERVICE = "access-desk data key"
# Set to 0 to ignore a working keyring (tests, or a desktop that prefers the key file).
KEYRING_ENV = "ACCESS_DESK_KEYRING"
FILE_HEADER = "# Access Desk data key. Keep it secret: it decrypts the sign-in details stored"
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


def _key_file(key_id: str) -> Path:
    if not all(c.isalnum() or c == "-" for c in key_id):
        raise DataKeyMismatch(f"the database names an invalid data key id {key_id!r}")
    return key_dir() / f"{key_id}.key"


def _write_private(path: Path, text: str) -> None:
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


def _store_local(key_id: str, key: bytes) -> str:
    """Keep the key on this desktop; returns where ('keyring' or the file path)."""
    kr = _keyring()
    if kr is not None:
        try:
            kr.set_password(KEYRING_SERVICE, key_id, key.decode("ascii"))
            return "keyring"
        except Exception as exc:  # a locked or broken keyring: fall back to the file
            log.warning("keyring refused the data key (%s); using a key file", type(exc).__name__)
    path = _key_file(key_id)
    _write_private(path, f"{FILE_HEADER}\n{key.decode('ascii')}\n")
    return str(path)


def _load_local(key_id: str) -> bytes | None:
    kr = _keyring()
    if kr is not None:
        try:
            value = kr.get_password(KEYRING_SERVICE, key_id)
        except Exception:
            value = None
        if value:
            return value.encode("ascii")
    path = _key_file(key_id)
    if not path.is_file():
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return line.encode("ascii")
    return None


# --- the database's key ---------------------------------------------------------------------

_cache: dict[tuple[str, str], Fernet] = {}


def _database_key_ids() -> tuple[str | None, str | None]:
    from desktop.services.core import get_setting

    return get_setting(KEY_ID_SETTING), get_setting(FINGERPRINT_SETTING)


def _fernet_for(key_id: str, expected: str | None) -> Fernet:
    cache_key = (str(data_dir()), key_id)
    cached = _cache.get(cache_key)
    if cached is not None:
        return cached
    key = _load_local(key_id)
    if key is None:
        raise DataKeyMissing()
    if expected and fingerprint(key) != expected:
        raise DataKeyMismatch(
            "the data key kept on this desktop does not match this database's; "
            "import the right one with access-desk key import FILE"
        )
    fernet = Fernet(key)
    _cache[cache_key] = fernet
    return fernet


def forget_cached_keys() -> None:
    """Drop keys held in memory (tests switch desktops by changing ACCESS_DESK_HOME)."""
    _cache.clear()


def data_key(*, create: bool = False) -> Fernet:
    """The database's data key; with create=True a database without one gets one now.

    Raises DataKeyMissing when the database has a key this desktop does not hold.
    """
    key_id, expected = _database_key_ids()
    if key_id is None:
        if not create:
            raise DataKeyMissing(
                "this database has no data key yet; it is made when sign-in details are "
                "first stored"
            )
        return _create_database_key()
    return _fernet_for(key_id, expected)


def _create_database_key() -> Fernet:
    from desktop.services.core import audit, publish, put_setting, transaction

    key = Fernet.generate_key()
    key_id = str(uuid.uuid4())
    with transaction():
        current, expected = _database_key_ids()
        if current is not None:  # another desktop made one meanwhile: use (or lack) it
            return _fernet_for(current, expected)
        where = _store_local(key_id, key)
        put_setting(KEY_ID_SETTING, key_id)
        put_setting(FINGERPRINT_SETTING, fingerprint(key))
        audit(None, "key.create", key_id, {"fingerprint": fingerprint(key),
                                           "kept_in": "keyring" if where == "keyring" else "file"})
        publish("settings")
    return _fernet_for(key_id, fingerprint(key))


def key_status() -> str | None:
    """None when this desktop can decrypt (or no key exists yet), else the reason it cannot."""
    try:
        data_key()
    except DataKeyMissing as exc:
        key_id, _ = _database_key_ids()
        return None if key_id is None else exc.message
    except DataKeyMismatch as exc:
        return exc.message
    return None


def encrypt(text: str) -> bytes:
    return data_key(create=True).encrypt(text.encode("utf-8"))


def decrypt(token: bytes) -> str:
    try:
        return data_key().decrypt(bytes(token)).decode("utf-8")
    except InvalidToken as exc:
        raise DataKeyMismatch(
            "stored sign-in details cannot be decrypted with this desktop's data key"
        ) from exc


# --- carrying the key to other desktops -----------------------------------------------------


def export_key(path: Path | str) -> str:
    """Write the database's data key to an owner-only file; returns its fingerprint."""
    key_id, expected = _database_key_ids()
    if key_id is None:
        data_key(create=True)
        key_id, expected = _database_key_ids()
        assert key_id is not None
    key = _load_local(key_id)
    if key is None:
        raise DataKeyMissing()
    fp = fingerprint(key)
    if expected and fp != expected:
        raise DataKeyMismatch("the data key kept on this desktop does not match this database's")
    text = (
        f"{FILE_HEADER}\n# Import it on another desktop: access-desk key import FILE\n"
        f"key-id: {key_id}\nfingerprint: {fp}\nkey: {key.decode('ascii')}\n"
    )
    _write_private(Path(path), text)
    return fp


def import_key(path: Path | str) -> str:
    """Keep the data key from an exported file on this desktop; returns its fingerprint.

    Refused when the file's key belongs to another database. A database that has no key yet
    adopts the imported one.
    """
    fields: dict[str, str] = {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and not line.startswith("#"):
            fields[name.strip()] = value.strip()
    key_text, key_id = fields.get("key"), fields.get("key-id")
    if not key_text or not key_id:
        raise UsageError(f"{path} is not an Access Desk key file")
    key = key_text.encode("ascii")
    try:
        if len(base64.urlsafe_b64decode(key)) != 32:
            raise ValueError
    except (ValueError, binascii.Error) as exc:
        raise UsageError(f"{path} does not hold a valid data key") from exc
    fp = fingerprint(key)
    if fields.get("fingerprint") and fields["fingerprint"] != fp:
        raise UsageError(f"{path} is damaged: its key does not match its fingerprint")
    current, expected = _database_key_ids()
    if current is not None and (current != key_id or (expected and expected != fp)):
        raise DataKeyMismatch(
            f"{path} holds the data key of another database (fingerprint {fp}; this "
            f"database's is {expected})"
        )
    _store_local(key_id, key)
    _cache.pop((str(data_dir()), key_id), None)
    if current is None:
        from desktop.services.core import audit, publish, put_setting, transaction

        with transaction():
            if _database_key_ids()[0] is None:
                put_setting(KEY_ID_SETTING, key_id)
                put_setting(FINGERPRINT_SETTING, fp)
                audit(None, "key.import", key_id, {"fingerprint": fp})
                publish("settings")
    return fp
