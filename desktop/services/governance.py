"""Rule 21: every time-driven transition of rules 16-20 in one idempotent operation.

`sweep(now)` reads what is due first and writes only when something is; each step marks what
it did in the same transaction (reminded_at, escalated_at, a request's status, a grant's
ended_at), so running it twice, or in two processes at once, never does a thing twice. It
runs at start-up and on a timer in a single-desk database's window processes, in the server
in team mode, and as `access-desk sweep` (for cron); never as a side effect of another
command.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from desktop.errors import Refused, UsageError
from desktop.models import User

from . import away, grants, reviews, timeouts
from .core import CLOCK_OFFSET, audit, clock_offset, publish, put_setting, transaction
from .core import now as clock_now
from .policy import require_demo
from .rights import require_admin


def sweep(now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything due at `now` (the clock's now by default): what was done, by kind."""
    at = now or clock_now()
    done: dict[str, Any] = {"at": at.isoformat(timespec="seconds") + "Z"}
    done.update(timeouts.sweep(at))  # rules 16-17: reminders, escalations, expiry
    done.update(grants.sweep(at))  # rule 18: grants ending soon, grants ended
    done.update(away.sweep(at))  # rule 19: administrators told nobody can decide
    done.update(reviews.sweep(at))  # rule 20: reviews that ended
    return done


def run_sweep(actor: User) -> dict[str, Any]:
    """`access-desk sweep`: an administrator runs what is due now (rights table; the server
    and the desktops run ``sweep`` themselves, as the system)."""
    require_admin(actor, "run a sweep")
    return sweep()


# --- the demo's clock (trainers) ------------------------------------------------------------

MAX_JUMP = dt.timedelta(days=3650)


def parse_jump(text: str) -> dt.timedelta:
    """"7d", "12h", "30m" or "90s" (a whole number and its unit): how far to jump ahead."""
    word = str(text).strip().lower()
    units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    if len(word) < 2 or word[-1] not in units or not word[:-1].isdigit() or len(word) > 9:
        raise UsageError(f"{text!r} is not a time to jump like 7d, 12h, 30m or 90s")
    step = dt.timedelta(**{units[word[-1]]: int(word[:-1])})
    if not dt.timedelta(seconds=1) <= step <= MAX_JUMP:
        raise UsageError(f"{text!r}: jump ahead by 1 second to 3650 days")
    return step


def jump(actor: User, by: str) -> dict[str, Any]:
    """Demo only: move the demo's clock ahead for every process that opens this database (an
    offset stored in it; cleared by a reset), audited; then sweep what became due."""
    step = parse_jump(by)
    with transaction():
        require_demo("jumping the clock")
        actor = require_admin(actor, "jump the demo's clock")
        before = clock_offset(fresh=True)
        after = before + step
        if after > MAX_JUMP:
            raise Refused("demo only", "the demo's clock is already 10 years ahead; reset the "
                          "demo directory to start again")
        put_setting(CLOCK_OFFSET, str(int(after.total_seconds())))
        _carry_sessions(step)
        audit(actor, "demo.jump", by.strip().lower(),
              {"offset_seconds": int(after.total_seconds())})
        publish("settings")
    clock_offset(fresh=True)
    done = sweep()
    return {"jumped": by.strip().lower(), "offset_days": round(after / dt.timedelta(days=1), 2),
            "now": clock_now().isoformat(timespec="seconds") + "Z", "sweep": done}


def _carry_sessions(step: dt.timedelta) -> None:
    """Signed-in devices (a classroom server's trainees) stay signed in across the jump: their
    session's times move with the clock."""
    from desktop.models import SignInSession

    for row in SignInSession.select().where(SignInSession.revoked_at.is_null()):
        SignInSession.update(
            last_seen=row.last_seen + step, idle_expires_at=row.idle_expires_at + step,
            expires_at=row.expires_at + step).where(SignInSession.id == row.id).execute()


SWEEP_WORDS = (("requests_expired", "request expired", "requests expired"),
               ("requests_escalated", "request escalated", "requests escalated"),
               ("requests_reminded", "request reminded to its approvers",
                "requests reminded to their approvers"),
               ("grants_reminded", "person reminded that access ends",
                "people reminded that access ends"),
               ("grants_ended", "time-bound access ended", "time-bound accesses ended"),
               ("review_removals", "access removed by a review", "accesses removed by reviews"),
               ("reviews_completed", "access review completed", "access reviews completed"),
               ("reviews_started", "recurring review started", "recurring reviews started"),
               ("admins_told_nobody_available", "application with nobody to decide "
                "(administrators told)", "applications with nobody to decide "
                "(administrators told)"))


def describe_sweep(view: dict[str, Any]) -> str:
    """What a sweep did, one line a kind; "Nothing was due." when nothing was."""
    lines = [f"{view[key]} {one if view[key] == 1 else many}"
             for key, one, many in SWEEP_WORDS if view.get(key)]
    lines += [f"{key}: {value}" for key, value in view.items()
              if key != "at" and value and key not in {k for k, _, _ in SWEEP_WORDS}]
    return "\n".join(lines) if lines else f"Nothing was due at {view.get('at')}."
