"""A short command-line tour of the demo directory, for machines without a display."""

from __future__ import annotations

from desktop.demo.build import first_admin
from desktop.models import (
    AccessRequest,
    Application,
    SelfServiceApprover,
    SelfServiceSettings,
    User,
)
from desktop.services.core import is_demo


def tour_text() -> str:
    if not is_demo():
        return "This is not a demo database; the tour walks through the demo directory."
    admin = first_admin()  # who runs the commands given without --as
    approver_row = (SelfServiceApprover.select(SelfServiceApprover, SelfServiceSettings)
                    .join(SelfServiceSettings)
                    .join(Application)
                    .where(Application.pending_count > 0)
                    .order_by(Application.pending_count.desc()).first())
    approver = approver_row.user if approver_row else admin
    user = (User.select().where((User.license != "none") & User.enabled)
            .order_by(User.id.desc()).first())
    unlicensed = User.select().where((User.license == "none") & User.enabled).first()
    open_app = (Application.select().join(SelfServiceSettings)
                .where(SelfServiceSettings.enabled & ~SelfServiceSettings.require_approval)
                .first())
    pending_total = AccessRequest.select().where(AccessRequest.status == "pending").count()
    lines = [
        "Access Desk demo directory (no passwords: sign in as anyone with --as).",
        f"  {User.select().count()} people, {Application.select().count()} applications, "
        f"{pending_total} pending requests.",
        "",
        "Try, as an administrator, a user, and an approver (first: export ACCESS_DESK_DB=demo):",
        "  access-desk apps list",
        "  access-desk selfservice show 'Fabrikam CRM'",
        f"  access-desk --as {user.upn} catalog",
    ]
    if open_app is not None:
        lines.append(f"  access-desk --as {user.upn} request '{open_app.name}'   (no approval)")
    if pending_total and approver is not None:
        lines += [
            f"  access-desk --as {approver.upn} requests --to-approve --status pending",
            f"  access-desk --as {approver.upn} approve <ID>",
        ]
    if unlicensed is not None:
        lines.append(f"  access-desk --as {unlicensed.upn} catalog   (no P1/P2 license)")
    lines += ["  access-desk audit verify", ""]
    first = f"The first Global Administrator is {admin.upn}. " if admin is not None else ""
    lines.append(f"{first}Open the windows with `access-desk gui` on a desktop, or "
                 "`xvfb-run make run`.")
    return "\n".join(lines)
