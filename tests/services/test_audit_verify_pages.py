"""`audit verify` reads its checkpoints a page at a time (issue 15 item 6: flat memory at
50,000 checkpoints): with pages of one checkpoint and two events, every verdict, tampered or
not, is the one read in a single page."""

from __future__ import annotations

import pytest
from test_audit_tamper import TAMPERING, log  # noqa: F401 (the fixture)

from desktop.services import auditchain, auditlog

CASES = ("event.hash", "truncated", "chain recomputed without the key", "first checkpoint deleted",
         "newest checkpoint deleted", "checkpoint.seq", "checkpoint.hash", "checkpoint.id",
         "checkpoint.signature", "key.endorsement")


@pytest.mark.parametrize("tamper", [None, *CASES])
def test_small_pages_give_the_same_verdict(log, admin, monkeypatch, tamper):  # noqa: F811
    if tamper is not None:
        TAMPERING[tamper]()
    whole = auditlog.verify(admin)
    head = auditchain.head_text()
    since = auditlog.verify(admin, since_head=head)
    monkeypatch.setattr(auditchain, "CHECKPOINT_PAGE", 1)
    monkeypatch.setattr(auditchain, "WALK_PAGE", 2)
    assert auditlog.verify(admin) == whole
    assert auditlog.verify(admin, since_head=head) == since
    assert whole.ok is (tamper is None)
