"""What deciding many requests at once came to: data only (no database), so a window
connected to a server reads the same summary the services write."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Requests decided per transaction (``bulk.decide_many``) and per call of
# ``approvals.decide`` from the Approvals window (one round trip to a server): progress and
# Cancel come between batches. 500: a batch's fixed reads and writes (the rules' lookups,
# the audit head, the change notices) spread thin; about a tenth of a second of the write
# lock each.
BATCH = 500


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

    def view(self) -> dict[str, Any]:
        return {**asdict(self), "failed": [list(f) for f in self.failed]}

    @classmethod
    def from_view(cls, view: dict[str, Any]) -> BulkSummary:
        return cls(approve=bool(view["approve"]), decided=list(view["decided"]),
                   conflicts=[BulkConflict(**c) for c in view["conflicts"]],
                   failed=[(int(i), str(m)) for i, m in view["failed"]],
                   cancelled=bool(view["cancelled"]), total=int(view["total"]))

    def merge(self, other: BulkSummary) -> None:
        """Add a later batch's outcome (a window decides in batches to show progress)."""
        self.decided += other.decided
        self.conflicts += other.conflicts
        self.failed += other.failed
