"""A short command-line tour of the demo directory, for machines without a display."""

from __future__ import annotations

from desktop.demo.build import first_admin
from desktop.services.core import is_demo
from desktop.services.tour import tour_facts


def tour_text() -> str:
    if not is_demo():
        return "This is not a demo database; the tour walks through the demo directory."
    admin = first_admin()  # who runs the commands given without --as
    facts = tour_facts()
    approver = facts.approver or admin
    unlicensed, open_app = facts.unlicensed, facts.open_app
    user = facts.user.upn if facts.user is not None else "UPN"
    pending_total = facts.pending
    lines = [
        "Access Desk demo directory (no passwords: sign in as anyone with --as).",
        f"  {facts.people} people, {facts.applications} applications, "
        f"{pending_total} pending requests.",
        "",
        "Try, as an administrator, a user, and an approver (first: export ACCESS_DESK_DB=demo):",
        "  access-desk apps list",
        "  access-desk selfservice show 'Fabrikam CRM'",
        f"  access-desk --as {user} catalog",
    ]
    if open_app is not None:
        lines.append(f"  access-desk --as {user} request '{open_app}'   (no approval)")
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
