"""The directory's time zone: where "until a date" ends (SPEC "Time", rules 18-20).

Instants are stored in UTC and shown in each desktop's own zone; only a *date* chosen by an
administrator or an approver (access until, away until, a review's end) needs a zone to say
when it ends, and that is the directory's, so every desktop and the server agree on it.
"""

from __future__ import annotations

from desktop.errors import UsageError
from desktop.models import User

from .core import TIME_ZONE, audit, publish, put_setting, time_zone_name, transaction
from .rights import require_global_admin
from .views import View

MAX_NAME = 64  # the longest IANA name is about 30 characters


def known_zone(name: str) -> str:
    """An IANA zone name this computer knows (``Europe/Paris``, ``UTC``), as written; a
    usage error naming the mistake otherwise."""
    from zoneinfo import ZoneInfo, available_timezones

    text = str(name).strip()
    if not text or len(text) > MAX_NAME or "\x00" in text or text.startswith(("/", ".")):
        raise UsageError(f"{name!r} is not a time zone; use an IANA name such as Europe/Paris")
    try:
        ZoneInfo(text)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        close = sorted(z for z in available_timezones() if z.lower() == text.lower())
        hint = f"; did you mean {close[0]}?" if close else "; use an IANA name such as Europe/Paris"
        raise UsageError(f"{text!r} is not a time zone this computer knows{hint}") from None
    return text


def show_time_zone(actor: User) -> View:
    """Any signed-in person may read it: windows show it beside dates."""
    return {"time_zone": time_zone_name()}


def set_time_zone(actor: User, time_zone: str) -> View:
    """Global Administrator (a directory-wide setting); new deadlines only: dates already
    turned into instants keep them (SPEC "Time")."""
    name = known_zone(time_zone)
    with transaction():
        actor = require_global_admin(actor, "change the directory's time zone")
        before = time_zone_name()
        if name != before:
            put_setting(TIME_ZONE, name)
            audit(actor, "directory.time_zone", name, {"from": before, "to": name})
            publish("settings")
    return {"time_zone": name, "changed": name != before}
