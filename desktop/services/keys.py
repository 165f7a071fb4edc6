"""The database's data key as use cases: made on first use, encrypting and decrypting sign-in
details, carried to other desktops with the audit signing key (`key export` / `key import`),
replaced by a new one that re-encrypts every secret (`key rotate`).

Where keys are kept on this desktop (keyring or key files) is desktop/keystore.py; the
audit signing key's own use cases (checkpoints, rotation) are in auditchain.py."""

from __future__ import annotations

import base64
import binascii
import uuid
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop import keystore
from desktop.errors import CannotWrite, Conflict, UsageError
from desktop.keystore import (
    MISSING_MESSAGE,
    DataKeyMismatch,
    DataKeyMissing,
    SigningKeyMissing,
    fingerprint,
)
from desktop.models import PasswordCredential, User

from .core import audit, get_setting, publish, put_setting, transaction

# Stored in the `setting` table: which key this database's ciphertext needs. Never the key.
KEY_ID_SETTING = "data_key_id"
FINGERPRINT_SETTING = "data_key_fingerprint"


def _database_key_ids() -> tuple[str | None, str | None]:
    return get_setting(KEY_ID_SETTING), get_setting(FINGERPRINT_SETTING)


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
    return keystore.fernet(key_id, expected)


def _create_database_key() -> Fernet:
    key = Fernet.generate_key()
    key_id = str(uuid.uuid4())
    with transaction():
        current, expected = _database_key_ids()
        if current is not None:  # another desktop made one meanwhile: use (or lack) it
            return keystore.fernet(current, expected)
        where = keystore.store(key_id, key)
        put_setting(KEY_ID_SETTING, key_id)
        put_setting(FINGERPRINT_SETTING, fingerprint(key))
        audit(None, "key.create", key_id, {"fingerprint": fingerprint(key),
                                           "kept_in": "keyring" if where == "keyring" else "file"})
        publish("settings")
    return keystore.fernet(key_id, fingerprint(key))


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


# --- a new key for every secret ------------------------------------------------------------


def rotate(actor: User) -> dict[str, Any]:
    """Re-encrypt every secret the database holds (password-SSO sign-in details, the SMTP
    password) under a new data key, in one transaction that also makes the database name the
    new key; afterwards the old key decrypts nothing in it. Audited with the new key's
    fingerprint. The caller checked the right (credentials.rotate_data_key); it is checked
    again inside the transaction.

    Crash safe: the new key is kept on this desktop under its own id before the transaction,
    and the database names it only when the transaction commits; so at every moment the key
    the database names is kept here. A rotation that did not commit forgets the new key. The
    old key stays kept under its old id: nothing in the database needs it any more, but a
    backup made before the rotation does.
    """
    from .mail import PASSWORD_SETTING
    from .rights import require_global_admin

    old_id, old_fp = _database_key_ids()
    if old_id is None:
        return {"rotated": False, "fingerprint": None, "previous": None, "credentials": 0,
                "smtp_password": False,
                "note": "this database has no data key yet: nothing is encrypted"}
    old = keystore.fernet(old_id, old_fp)  # this desktop must hold it, to decrypt
    new_key, new_id = Fernet.generate_key(), str(uuid.uuid4())
    new_fp = fingerprint(new_key)
    where, problem = "", None
    try:
        where = keystore.store(new_id, new_key)
        if keystore.load(new_id) != new_key:
            problem = "it did not read back"
    except OSError as exc:
        problem = exc.strerror or str(exc)
    if problem:
        keystore.discard(new_id)
        raise CannotWrite(f"cannot keep a new data key on this desktop ({problem}); nothing "
                          "was changed")
    new = Fernet(new_key)
    try:
        with transaction():
            actor = require_global_admin(actor, "rotate the data key")
            if _database_key_ids() != (old_id, old_fp):
                raise Conflict("the data key was replaced meanwhile, by another `key rotate` "
                               "or `key import`; nothing was changed")
            count = 0
            for row in PasswordCredential.select():
                try:
                    username, password = old.decrypt(row.username_enc), old.decrypt(
                        row.password_enc)
                except InvalidToken:
                    raise DataKeyMismatch(_undecryptable(row)) from None
                PasswordCredential.update(
                    username_enc=new.encrypt(username), password_enc=new.encrypt(password)
                ).where(PasswordCredential.id == row.id).execute()
                count += 1
            smtp = get_setting(PASSWORD_SETTING)
            if smtp:
                try:
                    plain = old.decrypt(base64.b64decode(smtp))
                except (InvalidToken, binascii.Error):
                    raise DataKeyMismatch("the SMTP password cannot be decrypted with this "
                                          "database's data key; set it again (mail settings "
                                          "--password-stdin), then rotate; nothing was "
                                          "changed") from None
                put_setting(PASSWORD_SETTING, base64.b64encode(new.encrypt(plain)).decode())
            put_setting(KEY_ID_SETTING, new_id)
            put_setting(FINGERPRINT_SETTING, new_fp)
            audit(actor, "key.rotate", new_id,
                  {"fingerprint": new_fp, "previous": old_fp, "credentials": count,
                   "smtp_password": bool(smtp),
                   "kept_in": "keyring" if where == "keyring" else "file"})
            publish("settings")
    except BaseException:
        _forget_unless_named(new_id)
        raise
    keystore.forget_cached_keys(old_id)
    return {"rotated": True, "fingerprint": new_fp, "previous": old_fp, "credentials": count,
            "smtp_password": bool(smtp), "kept_in": where,
            "note": "the old key stays on this desktop for backups made before now; a desktop "
                    "that reads sign-in details without a server needs the new key: key "
                    "export FILE here, key import FILE there"}


def _undecryptable(row: PasswordCredential) -> str:
    return (f"the sign-in details of {row.user.upn} for {row.application.name} cannot be "
            "decrypted with this database's data key; set them again, then rotate; nothing "
            "was changed")


def _forget_unless_named(key_id: str) -> None:
    """After a rotation that failed: forget its new key, unless the database names it (a
    connection lost while committing leaves that open: then the key must stay)."""
    try:
        named = _database_key_ids()[0]
    except Exception:  # the database cannot say: keep the key, it may be the one it names
        return
    if named != key_id:
        try:
            keystore.discard(key_id)
        except OSError:  # an unused key left behind does no harm; the first error matters
            pass


# --- carrying the keys to other desktops ----------------------------------------------------


def export_keys(path: Path | str) -> str:
    """Write the database's data key, and its audit signing key, to an owner-only file;
    returns the data key's fingerprint."""
    from . import auditchain

    key_id, expected = _database_key_ids()
    if key_id is None:
        data_key(create=True)
        key_id, expected = _database_key_ids()
        assert key_id is not None
    key = keystore.load(key_id)
    if key is None:
        raise DataKeyMissing()
    fp = fingerprint(key)
    if expected and fp != expected:
        raise DataKeyMismatch("the data key kept on this desktop does not match this database's")
    text = (
        f"{keystore.FILE_HEADER}\n# Import it on another desktop: access-desk key import FILE\n"
        f"key-id: {key_id}\nfingerprint: {fp}\nkey: {key.decode('ascii')}\n"
    )
    # The audit signing key travels with the data key: a desktop that writes needs both.
    signing_id = auditchain.current_key_id(create=True)
    private = keystore.signing_key(signing_id) if signing_id else None
    if signing_id and private is None:
        raise SigningKeyMissing("this desktop does not have the audit signing key of this "
                                "database, so it cannot pass it on; export the keys on the "
                                "desktop that has it")
    if signing_id and private is not None:
        text += (f"signing-key-id: {signing_id}\n"
                 f"signing-public-key: {keystore.public_text(private)}\n"
                 f"signing-key: {keystore.private_text(private)}\n")
    keystore.write_private(Path(path), text)
    return fp


def import_keys(path: Path | str) -> str:
    """Keep the data key (and the audit signing key) of an exported file on this desktop;
    returns the data key's fingerprint.

    Refused when the file's key belongs to another database. A database that has no key yet
    adopts the imported one.
    """
    from . import auditchain

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
    signing = _signing_fields(path, fields)
    keystore.store(key_id, key)
    if signing is not None:
        signing_id, private = signing
        keystore.store_signing_key(signing_id, private)
        auditchain.adopt_key(signing_id, private)
    keystore.forget_cached_keys(key_id)
    if current is None:
        with transaction():
            if _database_key_ids()[0] is None:
                put_setting(KEY_ID_SETTING, key_id)
                put_setting(FINGERPRINT_SETTING, fp)
                audit(None, "key.import", key_id, {"fingerprint": fp})
                publish("settings")
    return fp


def _signing_fields(path: Path | str,
                    fields: dict[str, str]) -> tuple[str, Ed25519PrivateKey] | None:
    """The audit signing key of a key file (None for a file written before it existed),
    refused when it is damaged or belongs to another database."""
    from . import auditchain

    signing_id, text = fields.get("signing-key-id"), fields.get("signing-key")
    if not signing_id and not text:
        return None
    if not signing_id or not text:
        raise UsageError(f"{path} is damaged: its audit signing key is incomplete")
    keystore.key_file(signing_id, signing=True)  # a valid id
    private = keystore.private_from(text.encode("ascii"))
    public = keystore.public_text(private)
    if fields.get("signing-public-key") and fields["signing-public-key"] != public:
        raise UsageError(f"{path} is damaged: its signing key does not match its public key")
    recorded = auditchain.recorded_public_key(signing_id)
    if recorded is None and auditchain.current_key_id() is not None:
        raise DataKeyMismatch(f"{path} holds the audit signing key of another database")
    if recorded is not None and recorded != public:
        raise DataKeyMismatch(f"{path} holds an audit signing key that does not match the "
                              "public key this database records for it")
    return signing_id, private


__all__ = ["FINGERPRINT_SETTING", "KEY_ID_SETTING", "MISSING_MESSAGE", "DataKeyMismatch",
           "DataKeyMissing", "data_key", "decrypt", "encrypt", "export_keys", "import_keys",
           "key_status", "rotate"]
