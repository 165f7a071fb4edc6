"""The audit log proves what it claims (issue 17, items 1-2): a table of ways to tamper with
every audit table, each found by verify; since-head; the upgrade from the old formula; the
evidence bundle's own verify.py; the signing key carried by key export/import."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import peewee as pw
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop import audithash, keystore
from desktop.errors import UsageError
from desktop.models import (
    AuditCheckpoint,
    AuditEvent,
    AuditSigningKey,
    SchemaInfo,
    Setting,
    SignInSession,
)
from desktop.models.schema import AUDIT_FORMULA_2_FROM, close_database, open_database
from desktop.services import auditchain, auditlog, exports, keys, requests
from desktop.services.core import event_hash

ALL_TIME = (pw.datetime.datetime(2000, 1, 1), pw.datetime.datetime(2100, 1, 1))


@pytest.fixture
def log(make, admin):
    """Events, an export (a forced checkpoint), then more events: checkpoints 1 (event 1),
    2 (the export) and a few unsigned events after it."""
    boss = make.user("boss")
    make.selfservice_app("Ledger", approvers=(boss,))
    alice, bob = make.user("alice"), make.user("bob")
    requests.approve(boss, make.request(alice, "Ledger", "month end").id)
    exports.write(admin, "settings", "json", io.StringIO())
    requests.deny(boss, make.request(bob, "Ledger").id, "not needed")
    verdict = auditlog.verify(admin)
    assert verdict.ok, verdict.message
    assert verdict.checkpoints == AuditCheckpoint.select().count() >= 2
    assert verdict.unsigned > 0
    return verdict


def last_seq() -> int:
    return AuditEvent.select(pw.fn.MAX(AuditEvent.seq)).scalar()


def checkpoint(number: int) -> AuditCheckpoint:
    return AuditCheckpoint.get_by_id(number)


def signed_event() -> AuditEvent:
    """An event of the Ledger (with an application id), covered by checkpoint 2."""
    return (AuditEvent.select().where(AuditEvent.application_id.is_null(False)
                                      & (AuditEvent.seq < checkpoint(2).seq))
            .order_by(AuditEvent.seq.desc()).first())


def edit_column(column: str, value: Callable[[AuditEvent], object]) -> Callable[[], None]:
    def tamper() -> None:
        e = signed_event()
        AuditEvent.update({column: value(e)}).where(AuditEvent.id == e.id).execute()
    return tamper


def truncate(rewrite_head: bool) -> Callable[[], None]:
    """Cut the log back to just before the newest checkpoint, with or without the head."""
    def tamper() -> None:
        keep = checkpoint(2).seq - 1
        AuditEvent.delete().where(AuditEvent.seq > keep).execute()
        if rewrite_head:
            last = AuditEvent.get(AuditEvent.seq == keep)
            Setting.update(value=f"{keep}:{last.hash}").where(
                Setting.key == "audit_head").execute()
    return tamper


def truncate_everything() -> None:
    AuditEvent.delete().execute()
    Setting.delete().where(Setting.key == "audit_head").execute()


def recompute_chain() -> None:
    """Edit an event, then recompute every later hash and the head: no key is needed for
    that, so only the signed checkpoints tell."""
    e = signed_event()
    details = json.dumps(dict(json.loads(e.details), reason="approved after all"),
                         sort_keys=True, separators=(",", ":"))
    AuditEvent.update(details=details).where(AuditEvent.id == e.id).execute()
    prev = e.prev_hash
    for row in AuditEvent.select().where(AuditEvent.seq >= e.seq).order_by(AuditEvent.seq):
        digest = audithash.formula2(row.id, row.seq, row.at, row.actor, row.action, row.target,
                                    row.application_id, row.details, prev)
        AuditEvent.update(prev_hash=prev, hash=digest).where(AuditEvent.id == row.id).execute()
        prev = digest
    Setting.update(value=f"{last_seq()}:{prev}").where(Setting.key == "audit_head").execute()


def reorder() -> None:
    a, b = 3, 7
    AuditEvent.update(seq=-1).where(AuditEvent.seq == a).execute()
    AuditEvent.update(seq=a).where(AuditEvent.seq == b).execute()
    AuditEvent.update(seq=b).where(AuditEvent.seq == -1).execute()


def delete_checkpoint(number: Callable[[], int]) -> Callable[[], None]:
    return lambda: AuditCheckpoint.delete_by_id(number())


def edit_checkpoint(column: str, value: Callable[[AuditCheckpoint], object]) -> Callable[[], None]:
    def tamper() -> None:
        cp = checkpoint(2)
        AuditCheckpoint.update({column: value(cp)}).where(AuditCheckpoint.id == 2).execute()
    return tamper


def edit_key(column: str, value: Callable[[AuditSigningKey], object]) -> Callable[[], None]:
    def tamper() -> None:
        key = AuditSigningKey.get_by_id(1)
        AuditSigningKey.update({column: value(key)}).where(AuditSigningKey.id == 1).execute()
    return tamper


def other_public_key(_key: AuditSigningKey) -> str:
    return keystore.public_text(keystore.demo_signing_key())


def flip(text: str) -> str:
    return ("1" if text[0] == "0" else "0") + text[1:]


SECOND = pw.datetime.timedelta(seconds=1)
TAMPERING: dict[str, Callable[[], None]] = {
    # Item 1: every column of an event is covered by its hash.
    "event.id": edit_column("id", lambda e: e.id + 1000),
    "event.seq": edit_column("seq", lambda e: e.seq + 1000),
    "event.at": edit_column("at", lambda e: e.at + SECOND),
    "event.actor": edit_column("actor", lambda e: "alice@example.test"),
    "event.action": edit_column("action", lambda e: e.action + "x"),
    "event.target": edit_column("target", lambda e: "something else"),
    "event.application_id": edit_column("application_id", lambda e: None),
    "event.details": edit_column("details", lambda e: e.details.replace("}", ',"x":1}', 1)),
    "event.prev_hash": edit_column("prev_hash", lambda e: flip(e.prev_hash)),
    "event.hash": edit_column("hash", lambda e: flip(e.hash)),
    # Item 2: removed, rewritten and reordered events.
    "truncated": truncate(rewrite_head=False),
    "truncated, head rewritten": truncate(rewrite_head=True),
    "everything deleted with the head": truncate_everything,
    "chain recomputed without the key": recompute_chain,
    "reordered": reorder,
    # ...and every other audit table.
    "first checkpoint deleted": delete_checkpoint(lambda: 1),
    "newest checkpoint deleted": delete_checkpoint(
        lambda: AuditCheckpoint.select(pw.fn.MAX(AuditCheckpoint.id)).scalar()),
    "every checkpoint deleted": lambda: AuditCheckpoint.delete().execute(),
    "checkpoint.seq": edit_checkpoint("seq", lambda cp: cp.seq - 1),
    "checkpoint.hash": edit_checkpoint("hash", lambda cp: flip(cp.hash)),
    "checkpoint.at": edit_checkpoint("at", lambda cp: cp.at + SECOND),
    "checkpoint.key_id": edit_checkpoint("key_id", lambda cp: "another-key"),
    "checkpoint.signature": edit_checkpoint(
        "signature", lambda cp: base64.b64encode(bytes(64)).decode()),
    "checkpoint.id": edit_checkpoint("id", lambda cp: 99),
    "public key replaced": edit_key("public_key", other_public_key),
    "key.created_at": edit_key("created_at", lambda k: k.created_at + SECOND),
    "key.key_id": edit_key("key_id", lambda k: "another-key"),
    "key.endorsement": edit_key("endorsement", lambda k: base64.b64encode(bytes(64)).decode()),
    "formula setting moved": lambda: Setting.create(key=AUDIT_FORMULA_2_FROM, value="5"),
}


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_every_kind_of_tampering_is_found(log, admin, tamper):
    tamper()
    verdict = auditlog.verify(admin)
    assert not verdict.ok, verdict.message
    assert "intact" not in verdict.message


def test_application_id_is_covered_as_the_issue_shows(log, admin):
    """The issue's case: NULLing an event's application hid it from the app's evidence."""
    app_events = AuditEvent.select().where(AuditEvent.application_id.is_null(False))
    assert app_events.count() > 1
    AuditEvent.update(application_id=None).where(
        AuditEvent.application_id.is_null(False)).execute()
    verdict = auditlog.verify(admin)
    assert not verdict.ok
    assert "changed" in verdict.message


def test_without_any_public_key_verify_cannot_check(log, admin):
    """Exit 4, not "intact" and not a tampering verdict: there is nothing to check against."""
    AuditSigningKey.delete().execute()
    with pytest.raises(auditchain.AuditUnverifiable, match="no public key") as caught:
        auditlog.verify(admin)
    assert caught.value.exit_code == 4


def test_verify_reports_checkpoints_and_the_unsigned_tail(log, admin):
    verdict = auditlog.verify(admin)
    assert verdict.formula_1 is None
    assert verdict.formula_2 == (1, last_seq())
    assert verdict.signed_to == checkpoint(verdict.checkpoints).seq
    assert verdict.unsigned == last_seq() - verdict.signed_to
    assert verdict.holds_key is True
    assert verdict.key_fingerprint == auditchain.current_fingerprint()
    assert f"the newest {verdict.unsigned} events are not signed yet" in verdict.message


def test_a_checkpoint_at_least_every_100_events(make, admin):
    for i in range(205):
        make.user(f"user{i}")
    seqs = [cp.seq for cp in AuditCheckpoint.select().order_by(AuditCheckpoint.id)]
    assert seqs[0] == 1
    assert all(b - a <= auditchain.CHECKPOINT_EVERY for a, b in zip(seqs, seqs[1:], strict=False))
    assert last_seq() - seqs[-1] < auditchain.CHECKPOINT_EVERY
    assert auditlog.verify(admin).ok


def test_since_head_proves_the_log_still_extends_a_point(log, admin, make):
    head = auditlog.head(admin)
    assert head["head"] == f"{head['seq']}:{head['hash']}"
    make.user("later")
    verdict = auditlog.verify(admin, since_head=head["head"])
    assert verdict.ok, verdict.message
    assert verdict.since == head["seq"]
    assert verdict.events == last_seq() - head["seq"] + 1

    later = AuditEvent.get(AuditEvent.seq == last_seq())
    AuditEvent.update(target="someone else").where(AuditEvent.id == later.id).execute()
    assert not auditlog.verify(admin, since_head=head["head"]).ok
    AuditEvent.update(target=later.target).where(AuditEvent.id == later.id).execute()

    other = f"{head['seq']}:{flip(head['hash'])}"
    assert not auditlog.verify(admin, since_head=other).ok  # a rewritten past
    AuditEvent.delete().where(AuditEvent.seq >= head["seq"]).execute()
    assert not auditlog.verify(admin, since_head=head["head"]).ok  # cut back before it
    with pytest.raises(UsageError, match="SEQ:HASH"):
        auditlog.verify(admin, since_head="12:nothex")


def test_rotation_keeps_the_history_and_is_endorsed(log, admin, make):
    first = auditchain.current_fingerprint()
    rotated = auditlog.rotate_key(admin)
    make.user("after-rotation")
    verdict = auditlog.verify(admin)
    assert verdict.ok, verdict.message
    assert verdict.keys == 2
    assert verdict.key_fingerprint == rotated["fingerprint"] != first
    # A key added without the old key's endorsement is found.
    key = AuditSigningKey.get_by_id(2)
    forged = keystore.demo_signing_key()
    message = audithash.key_message(2, key.key_id, keystore.public_text(forged), key.created_at)
    AuditSigningKey.update(public_key=keystore.public_text(forged),
                           endorsement=base64.b64encode(forged.sign(message)).decode()).where(
        AuditSigningKey.id == 2).execute()
    assert not auditlog.verify(admin).ok


# --- the upgrade from the old formula ---------------------------------------------------------


def _old_database(path: Path) -> None:
    """A database as schema 5 left it: events hashed with the old formula, no checkpoints."""
    open_database(str(path))
    db = AuditEvent._meta.database
    prev = audithash.GENESIS_HASH
    for seq in range(1, 8):
        at = pw.datetime.datetime(2025, 1, 1, 0, 0, seq, 123456)
        details = json.dumps({"n": seq}, separators=(",", ":"))
        digest = event_hash(seq, at, "old@example.test", "app.add", f"App {seq}", details, prev)
        AuditEvent.create(seq=seq, at=at, actor="old@example.test", action="app.add",
                          target=f"App {seq}", application_id=seq % 3 or None,
                          details=details, prev_hash=prev, hash=digest)
        prev = digest
    Setting.create(key="audit_head", value=f"7:{prev}")
    db.drop_tables([AuditCheckpoint, AuditSigningKey, SignInSession])
    from tests.services.test_migrations import UNDO_V8

    for statement in UNDO_V8:  # what version 8 added (governance)
        db.execute_sql(statement)
    SchemaInfo.update(version=5).execute()
    close_database()


def test_an_old_log_is_verified_with_its_formula_then_signed(tmp_path, make_admin_of):
    path = tmp_path / "old.db"
    _old_database(path)
    open_database(str(path))
    try:
        assert Setting.get(Setting.key == AUDIT_FORMULA_2_FROM).value == "8"
        upgrade = AuditEvent.get(AuditEvent.seq == 8)
        assert upgrade.action == "audit.upgrade"
        admin = make_admin_of()
        verdict = auditlog.verify(admin)  # the admin's own creation wrote event 9, signed
        assert verdict.ok, verdict.message
        assert verdict.formula_1 == (1, 7)
        assert verdict.formula_2 == (8, last_seq())
        assert checkpoint(1).seq >= 8
        assert "events 1–7 were written before signing began" in verdict.message
        # An old event's application, which the old formula left out, is covered now.
        AuditEvent.update(application_id=None).where(AuditEvent.seq == 2).execute()
        verdict = auditlog.verify(admin)
        assert not verdict.ok
        assert verdict.first_bad == 8
        AuditEvent.update(application_id=2).where(AuditEvent.seq == 2).execute()
        # ...and so is everything the old formula did cover.
        AuditEvent.update(target="App X").where(AuditEvent.seq == 3).execute()
        assert auditlog.verify(admin).first_bad == 3
    finally:
        close_database()


@pytest.fixture
def make_admin_of():
    def make_admin():
        from desktop.models import DirectoryRoleAssignment, User
        from desktop.services import directory

        boot = User.create(upn="boot@example.test", display_name="Boot", enabled=True,
                           license="p2")
        DirectoryRoleAssignment.create(user=boot, role="global_admin")
        directory.add_user(boot, "ada@example.test", "Ada")
        return boot
    return make_admin


# --- the evidence bundle's own verify.py ----------------------------------------------------


def _bundle(demo, tmp_path: Path) -> Path:
    out = tmp_path / "evidence.zip"
    exports.evidence(demo, "Fabrikam CRM", *ALL_TIME, out)
    folder = tmp_path / "bundle"
    with zipfile.ZipFile(out) as zf:
        zf.extractall(folder)
    return folder


def _verify_py(folder: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *flags, "verify.py"], cwd=folder,
                          capture_output=True, text=True, timeout=60, check=False)


def _edit(folder: Path, name: str, change: Callable[[object], None]) -> None:
    data = json.loads((folder / name).read_text(encoding="utf-8"))
    change(data)
    (folder / name).write_text(json.dumps(data), encoding="utf-8")


BUNDLE_TAMPERING: dict[str, tuple[str, Callable[[object], None]]] = {
    "event application": ("audit.json", lambda d: d[0].update(application_id=None)),
    "event details and text": ("audit.json", lambda d: d[-1].update(
        details={"x": 1}, details_text='{"x":1}')),
    "event dropped": ("audit.json", lambda d: d.pop(len(d) // 2)),
    "link digest": ("checkpoint.json", lambda d: d["links"][0].__setitem__(1, "0" * 64)),
    "checkpoint hash": ("checkpoint.json", lambda d: d["checkpoint"].update(hash="0" * 64)),
    "public key": ("checkpoint.json", lambda d: d.update(
        public_key=keystore.public_text(Ed25519PrivateKey.generate()))),
}


def test_evidence_bundle_verify_py_checks_the_signature(demo, tmp_path):
    folder = _bundle(demo, tmp_path)
    proof = json.loads((folder / "checkpoint.json").read_text(encoding="utf-8"))
    events = json.loads((folder / "audit.json").read_text(encoding="utf-8"))
    assert proof["checkpoint"]["seq"] >= events[-1]["seq"]
    assert proof["links"]
    assert proof["key_fingerprint"] == auditchain.current_fingerprint()
    ok = _verify_py(folder)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"is signed by key {proof['key_fingerprint']}" in ok.stdout
    # Without the cryptography package (-S: no site-packages) the chain is still checked.
    bare = _verify_py(folder, "-S")
    assert bare.returncode == 2, bare.stdout + bare.stderr
    assert "the signature of checkpoint" in bare.stdout
    assert "NOT" in bare.stdout
    last = AuditEvent.select().order_by(AuditEvent.seq.desc()).first()
    assert json.loads(last.details)["audit_head"] == (folder / "chain_head.txt").read_text(
        ).strip().replace(" ", ":")

    pristine = {name: (folder / name).read_text(encoding="utf-8")
                for name in ("audit.json", "checkpoint.json")}
    for case, (name, change) in BUNDLE_TAMPERING.items():
        _edit(folder, name, change)
        bad = _verify_py(folder)
        assert bad.returncode == 1, (case, bad.stdout + bad.stderr)
        (folder / name).write_text(pristine[name], encoding="utf-8")


def test_evidence_needs_the_signing_key(db, make, admin, tmp_path, monkeypatch):
    make.selfservice_app("Ledger", approvers=(make.user("boss"),))
    make.user("x")
    monkeypatch.setenv("ACCESS_DESK_HOME", str(tmp_path / "other-desktop"))
    keystore.forget_cached_keys()
    before = AuditCheckpoint.select().count()
    make.user("y")  # a desktop without the key still writes (unsigned)
    with pytest.raises(keystore.SigningKeyMissing) as caught:
        exports.evidence(admin, "Ledger", *ALL_TIME, tmp_path / "e.zip")
    assert caught.value.exit_code == 4
    assert not (tmp_path / "e.zip").exists()
    assert AuditCheckpoint.select().count() == before


def test_key_export_and_import_carry_the_signing_key(make, admin, tmp_path, monkeypatch):
    make.user("x")
    exported = tmp_path / "keys.txt"
    keys.export_keys(exported)
    assert "signing-key:" in exported.read_text()
    monkeypatch.setenv("ACCESS_DESK_HOME", str(tmp_path / "second-desktop"))
    keystore.forget_cached_keys()
    assert auditlog.verify(admin).holds_key is False
    keys.import_keys(exported)
    keystore.forget_cached_keys()
    count = AuditCheckpoint.select().count()
    exports.write(admin, "settings", "json", io.StringIO())  # forces a checkpoint
    assert AuditCheckpoint.select().count() == count + 1
    verdict = auditlog.verify(admin)
    assert verdict.ok
    assert verdict.holds_key is True
