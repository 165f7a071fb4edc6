"""Deciding many requests at once: one transaction each, conflicts reported, nothing lost."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from desktop.errors import AccessDeskError, Conflict, Refused
from desktop.models import AccessRequest, User

from . import requests
from .core import iso

Progress = Callable[[int, int], None]


@dataclass
class BulkConflict:
    """A request someone else decided first: who, when and how."""

    request_id: int
    status: str
    decided_by: str | None  # UPN; None when Access Desk itself closed it
    decided_by_name: str | None
    decided_at: str | None
    message: str


@dataclass
class BulkSummary:
    approve: bool
    decided: list[int] = field(default_factory=list)
    conflicts: list[BulkConflict] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)  # (id, the service's message)
    cancelled: bool = False
    total: int = 0

    @property
    def not_done(self) -> int:
        return self.total - len(self.decided) - len(self.conflicts) - len(self.failed)

    def text(self, limit: int = 5) -> str:
        """One paragraph for a window or a terminal."""
        verb = "approved" if self.approve else "denied"
        parts = [f"{len(self.decided)} of {self.total} requests {verb}."]
        if self.conflicts:
            parts.append(f"{len(self.conflicts)} had already been decided by someone else:")
            for c in self.conflicts[:limit]:
                who = c.decided_by_name or c.decided_by or "Access Desk"
                parts.append(f"  request {c.request_id}: {c.status} by {who} at {c.decided_at}")
            if len(self.conflicts) > limit:
                parts.append(f"  and {len(self.conflicts) - limit} more")
        if self.failed:
            parts.append(f"{len(self.failed)} could not be decided:")
            for rid, message in self.failed[:limit]:
                parts.append(f"  request {rid}: {message}")
            if len(self.failed) > limit:
                parts.append(f"  and {len(self.failed) - limit} more")
        if self.cancelled:
            parts.append(f"Stopped before the last {self.not_done}; they are still pending.")
        return "\n".join(parts)


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
