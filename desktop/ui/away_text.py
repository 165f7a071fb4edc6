"""Rule 19 in words for the windows and the tray: when a person is away, who decides for him.

Kept outside the window packages, so the tray says it without importing a window."""

from __future__ import annotations

import datetime as dt
from typing import Any


def away_day(text: str | None, end: bool = False) -> str:
    """"12 March 2027" from an instant the services give (an end: the day before it)."""
    if not text:
        return ""
    at = dt.datetime.fromisoformat(text.rstrip("Z"))
    if end:
        at -= dt.timedelta(seconds=1)
    return f"{at.day} {at:%B %Y}"


def away_sentence(view: dict[str, Any], you: bool = True) -> str:
    """"You are away until 20 March 2027; Priya Nair decides for you." or "" when not."""
    if not view.get("to"):
        return ""
    who = "You are" if you else f"{view['name']} is"
    when = (f"until {away_day(view['to'], end=True)}" if view["away"]
            else f"from {away_day(view['from'])} to {away_day(view['to'], end=True)}")
    them = "you" if you else "that person"
    deputy = (f"{view['delegate_name']} decides for {them}" if view.get("delegate")
              else f"nobody decides for {them}")
    return f"{who} away {when}; {deputy}."
