"""Times as My Apps, Approvals and the tray show them (common.py has the widgets)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtGui import QFont


def parse_iso(value: str | None) -> dt.datetime | None:
    """'2026-11-02T09:00:00Z' (the services' times) to an aware UTC datetime."""
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def day(value: str | None) -> str:
    """A service time as a local date, e.g. '2 Nov 2026'."""
    moment = parse_iso(value)
    if moment is None:
        return ""
    local = moment.astimezone()
    return f"{local.day} {local:%b %Y}"


def until(value: str | None) -> str:
    """A grant's end (rule 18) as the last local day of access, e.g. '12 Mar 2027': access
    "until 12 March" ends at midnight after it, which is not a day of access."""
    moment = parse_iso(value)
    if moment is None:
        return ""
    local = (moment - dt.timedelta(seconds=1)).astimezone()
    return f"{local.day} {local:%b %Y}"


def when(value: str | None) -> str:
    """A service time in the desktop's local time zone, e.g. '2 Nov 2026, 10:00'."""
    moment = parse_iso(value)
    if moment is None:
        return ""
    local = moment.astimezone()
    return f"{local.day} {local:%b %Y, %H:%M}"


def service_now(desk: dict[str, Any]) -> dt.datetime:
    """The services' "now" as a window reckons it: the desktop's clock plus how far a trainer
    jumped the demo's clock ahead (``clock_offset`` seconds in the backend's ``me.desk``), so
    a request made before a 7-day jump is "7 days" old in the window as in the services."""
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=int(desk.get("clock_offset") or 0))


def age(value: str | None, now: dt.datetime | None = None) -> str:
    """How long ago, coarse: 'just now', '5 min', '3 h', '2 days', '6 weeks'."""
    moment = parse_iso(value)
    if moment is None:
        return ""
    seconds = ((now or dt.datetime.now(dt.UTC)) - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    days = int(seconds // 86400)
    if days < 14:
        return "1 day" if days == 1 else f"{days} days"
    if days < 60:
        return f"{days // 7} weeks"
    return f"{days // 30} months"


def ago(value: str | None, now: dt.datetime | None = None) -> str:
    """'just now' or '5 min ago' (age as part of a sentence)."""
    text = age(value, now)
    return text if text in ("", "just now") else f"{text} ago"


def bold(font: QFont) -> QFont:
    copy = QFont(font)
    copy.setBold(True)
    return copy
