"""Finding objects by what a person types: an exact id first, then a case-insensitive name."""

from __future__ import annotations

from typing import TypeVar

import peewee as pw

from desktop.errors import NotFound, UsageError
from desktop.models import AccessRequest, Application, Group, User

from .validators import MAX_INT64 as MAX_ID

M = TypeVar("M", bound=pw.Model)


def _by_id_or_name(model: type[M], field: pw.Field, text: str, kind: str) -> M:
    text = text.strip()
    if text.isdigit() and int(text) <= MAX_ID:
        found = model.get_or_none(model.id == int(text))  # type: ignore[attr-defined]
        if found is not None:
            return found
    matches = list(model.select().where(pw.fn.LOWER(field) == text.lower()).limit(20))
    if not matches:
        raise NotFound(f"no {kind} named {text!r}")
    if len(matches) > 1:
        ids = ", ".join(str(m.id) for m in matches)  # type: ignore[attr-defined]
        raise UsageError(f"several {kind}s are named {text!r}: give one of the ids {ids}")
    return matches[0]


def application(text: str) -> Application:
    return _by_id_or_name(Application, Application.name, text, "application")


def group(text: str) -> Group:
    return _by_id_or_name(Group, Group.name, text, "group")


def user(upn: str) -> User:
    found = user_or_none(upn)
    if found is None:
        raise NotFound(f"no user {upn.strip()!r}")
    return found


def user_or_none(upn: str) -> User | None:
    """The person with this UPN now (after a demo reset he is a new row), or None."""
    return User.get_or_none(User.upn == upn.strip().lower())


def request(request_id: int | str) -> AccessRequest:
    try:
        rid = int(request_id)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"a request id is a number, not {request_id!r}") from exc
    if not 0 < rid <= MAX_ID:
        raise NotFound(f"no request {rid}")
    found = AccessRequest.get_or_none(AccessRequest.id == rid)
    if found is None:
        raise NotFound(f"no request {rid}")
    return found
