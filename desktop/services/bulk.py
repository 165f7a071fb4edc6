"""Deciding many requests at once: one transaction each, conflicts reported, nothing lost."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from desktop.errors import AccessDeskError, Conflict, Refused
from desktop.models import AccessRequest, User

from . import requests
from .bulk_summary import BulkConflict, BulkSummary
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
) -> BulkSummary:
    """Approve or deny each request in its own transaction (a kill leaves each one whole).

    `progress(done, total)` is called after each request; `should_stop()` is asked before
    each one (a Cancel button). A request someone else decided first is reported with who
    and when; any other refusal is reported with its message; nothing is skipped silently.
    """
    todo = list(dict.fromkeys(int(i) for i in ids))
    reason = requests.check_reason(reason)
    if not approve and not reason:
        raise Refused("rule 10", "a reason is required to deny a request")
    summary = BulkSummary(approve=approve, total=len(todo))
    decide = requests.approve if approve else requests.deny
    for done, request_id in enumerate(todo):
        if should_stop is not None and should_stop():
            summary.cancelled = True
            break
        try:
            decide(actor, request_id, reason)
            summary.decided.append(request_id)
        except Conflict as exc:
            summary.conflicts.append(_conflict(request_id, exc))
        except AccessDeskError as exc:
            summary.failed.append((request_id, exc.message))
        if progress is not None:
            progress(done + 1, len(todo))
    return summary
