"""What the command-line tour of the demo directory names: its size, and a few people and an
application to try the commands with (desktop/cli/tour.py words it)."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.models import (
    AccessRequest,
    Application,
    SelfServiceApprover,
    SelfServiceSettings,
    User,
)

from .policy import licensed_sql


@dataclass(frozen=True)
class TourFacts:
    people: int
    applications: int
    pending: int
    approver: User | None  # approves the application with the most pending requests
    user: User | None  # an enabled, licensed person
    unlicensed: User | None  # an enabled person without a P1/P2 license
    open_app: str | None  # an application requested without approval


def tour_facts() -> TourFacts:
    approver_row = (SelfServiceApprover.select(SelfServiceApprover, SelfServiceSettings)
                    .join(SelfServiceSettings)
                    .join(Application)
                    .where(Application.pending_count > 0)
                    .order_by(Application.pending_count.desc()).first())
    open_app = (Application.select().join(SelfServiceSettings)
                .where(SelfServiceSettings.enabled & ~SelfServiceSettings.require_approval)
                .first())
    return TourFacts(
        people=User.select().count(),
        applications=Application.select().count(),
        pending=AccessRequest.select().where(AccessRequest.status == "pending").count(),
        approver=approver_row.user if approver_row else None,
        user=(User.select().where(licensed_sql() & User.enabled)
              .order_by(User.id.desc()).first()),
        unlicensed=User.select().where(~licensed_sql() & User.enabled).first(),
        open_app=open_app.name if open_app is not None else None,
    )


__all__ = ["TourFacts", "tour_facts"]
