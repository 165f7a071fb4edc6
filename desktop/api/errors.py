"""The one map between the services' errors and HTTP (ARCHITECTURE.md, "Team mode"): the
server answers with it, the remote client turns an answer back into the same exception, so the
command line's exit codes and the windows' messages are the same local or remote."""

from __future__ import annotations

from typing import Any

from desktop import errors as e

# (exception class, HTTP status, kind); the first class an error is an instance of wins.
ERRORS: tuple[tuple[type[e.AccessDeskError], int, str], ...] = (
    (e.Throttled, 429, "throttled"),
    (e.NotSignedIn, 401, "not_signed_in"),
    (e.Refused, 403, "refused"),
    (e.NotFound, 404, "not_found"),
    (e.TooLarge, 413, "too_large"),
    (e.UsageError, 422, "bad_input"),
    (e.Conflict, 409, "conflict"),
    (e.DatabaseUnusable, 503, "unusable"),
    (e.CannotWrite, 503, "cannot_write"),
)
BY_KIND = {kind: (cls, status) for cls, status, kind in ERRORS}


def to_http(exc: BaseException) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Status, JSON body and extra headers for an error raised by a use case."""
    for cls, status, kind in ERRORS:
        if isinstance(exc, cls):
            body: dict[str, Any] = {"error": kind, "message": str(exc)}
            headers: dict[str, str] = {}
            if isinstance(exc, e.Refused):
                body["rule"] = exc.rule
                body["plain"] = exc.plain
            if isinstance(exc, e.Throttled):
                body["retry_after"] = exc.retry_after
                headers["Retry-After"] = str(exc.retry_after)
            return status, body, headers
    return 500, {"error": "internal", "message": "internal error; details in the server's log"}, {}


def from_http(status: int, body: Any) -> e.AccessDeskError:
    """The exception a client raises for an error answer."""
    if not isinstance(body, dict) or "error" not in body:
        if status == 404:
            return e.NotFound("the server has no such resource (is it an older version?)")
        return e.ServerUnreachable(f"the server answered HTTP {status}, not Access Desk's API")
    kind, message = body.get("error"), str(body.get("message", ""))
    if kind == "throttled":
        return e.Throttled(message, int(body.get("retry_after") or 0))
    if kind == "refused":
        error = e.Refused(str(body.get("rule") or ""), str(body.get("plain") or message))
        return error
    if kind == "not_signed_in":
        return e.NotSignedIn(message)
    if kind in BY_KIND:
        cls, _ = BY_KIND[kind]
        return cls(message)
    return e.AccessDeskError(f"the server had an internal error: {message}")
