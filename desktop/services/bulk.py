"""Deciding many requests at once: one transaction per batch, conflicts reported, nothing lost."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from desktop import collector
from desktop.errors import Conflict, Refused
from desktop.models import AccessRequest, User

from . import requests
from .bulk_summary import BATCH, BulkConflict, BulkSummary
from .core import iso

Progress = Callable[[int, int], None]


def _conflict(request_id: int, exc: Conflict) -> BulkConflict:
    req = AccessRequest.get_or_none(AccessRequest.id == request_id)
    decider = User.get_or_none(User.id == req.decided_by_id) if req and req.decided_by_id else None
    return BulkConflict(
        request_id=request_id,
        status=req.status if req else "gone",
        decided_by=decider.upn if decider else None,
        decided_by_name=decider.display_name if decider else None,
        decided_at=iso(req.decided_at) if req else None,
        message=exc.message,
    )


def decide_many(
    actor: User,
    ids: Iterable[int],
    approve: bool,
    reason: str | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    batch: int = BATCH,
) -> BulkSummary:
    """Approve or deny each request, `batch` of them per transaction (a kill leaves each
    batch whole; ``requests.decide_batch``: the same rules and rows as one at a time).

    `progress(done, total)` is called after each batch; `should_stop()` is asked before
    each one (a Cancel button). A request someone else decided first is reported with who
    and when; any other refusal is reported with its message; nothing is skipped silently.
    """
    todo = list(dict.fromkeys(int(i) for i in ids))
    reason = requests.check_reason(reason)
    if not approve and not reason:
        raise Refused("rule 10", "a reason is required to deny a request")
    summary = BulkSummary(approve=approve, total=len(todo))
    for start in range(0, len(todo), max(1, batch)):
        if should_stop is not None and should_stop():
            summary.cancelled = True
            break
        chunk = todo[start:start + max(1, batch)]
        with collector.HOLD.held():  # no full collection of the process mid-batch
            outcomes = requests.decide_batch(actor, chunk, approve, reason)
        for request_id, refusal in outcomes:
            if refusal is None:
                summary.decided.append(request_id)
            elif isinstance(refusal, Conflict):
                summary.conflicts.append(_conflict(request_id, refusal))
            else:
                summary.failed.append((request_id, refusal.message))
        if progress is not None:
            progress(start + len(chunk), len(todo))
    return summary
