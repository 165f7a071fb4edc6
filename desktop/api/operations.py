"""Every use case the command line, the windows and the server share, declared once.

An operation names its HTTP method and path, its parameters with their types, and the function
that carries it out (`module:function`, imported only where it runs: in the server, or in a
process that holds the database). That function takes the signed-in person first and returns
JSON-ready data. The server's routes and the OpenAPI document (desktop/server/app.py), the
remote client (desktop/remote/client.py) and the local backend (desktop/api/backend.py) are
generated from this list, so a use case is never written twice.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

API_VERSION = 1
PREFIX = f"/api/v{API_VERSION}"
# A page of a listing over HTTP holds at most this many rows; a client pages on for more.
MAX_PAGE = 500
REQUIRED: Any = ...


@dataclass(frozen=True)
class Param:
    name: str
    type: Any
    default: Any = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    path: str
    target: str
    summary: str
    params: tuple[Param, ...] = ()
    listing: bool = False
    # Only these parameters are passed on when the caller left them out ("change only what is
    # given"): PATCH operations send what was named, nothing else.
    partial: bool = False
    # The answer is a file (its bytes streamed), not JSON: the function returns the path of
    # a temporary file it wrote and a view of it (sent as the X-Access-Desk-Result header).
    download: bool = False
    # A listing paged by key: the row field whose value, as `after`, starts the next page.
    keyset: str | None = None
    tags: tuple[str, ...] = field(default=())

    @property
    def path_params(self) -> list[str]:
        return [p.name for p in self.params if "{" + p.name + "}" in self.path]

    def url_path(self, arguments: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The path with its parameters put in (quoted: names may hold "/" or spaces), and
        the arguments left for the query string or the body."""
        from urllib.parse import quote

        rest = dict(arguments)
        path = self.path
        for key in self.path_params:
            path = path.replace("{" + key + "}", quote(str(rest.pop(key)), safe=""))
        return path, rest

    def function(self) -> Callable[..., Any]:
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]

    def arguments(self, given: dict[str, Any]) -> dict[str, Any]:
        """The keyword arguments for the function: declared parameters only, defaults filled
        in unless the operation is partial (then only what was given)."""
        known = {p.name: p for p in self.params}
        unknown = set(given) - set(known)
        if unknown:
            raise TypeError(f"{self.name} takes no {', '.join(sorted(unknown))}")
        out: dict[str, Any] = {}
        for p in self.params:
            if p.name in given and (given[p.name] is not None or not self.partial):
                out[p.name] = given[p.name]
            elif p.required:
                raise TypeError(f"{self.name} needs {p.name}")
            elif not self.partial and p.default is not None:
                out[p.name] = p.default
        return out


def _page(*extra: Param) -> tuple[Param, ...]:
    return (*extra, Param("limit", int | None), Param("offset", int, 0))


S = "desktop.services"
A = "desktop.api.adapters"
Str = str | None
Flag = bool | None

OPERATIONS: tuple[Operation, ...] = (
    # --- the signed-in person ---------------------------------------------------------------
    Operation("whoami", "GET", "/me", f"{S}.directory:whoami", "Who is signed in, with rights"),
    Operation("users.passwd", "POST", "/me/password", f"{A}:change_own_password",
              "Change one's own password (signs out every other session)",
              (Param("old", str, REQUIRED), Param("new", str, REQUIRED))),
    # --- users and groups -------------------------------------------------------------------
    Operation("users.list", "GET", "/users", f"{S}.directory:list_users", "List users",
              _page(Param("search", Str)), listing=True),
    Operation("users.show", "GET", "/users/{upn}", f"{S}.directory:get_user", "One user",
              (Param("upn", str, REQUIRED),)),
    Operation("users.add", "POST", "/users", f"{S}.directory:add_user", "Add a user",
              (Param("upn", str, REQUIRED), Param("name", str, REQUIRED), Param("mail", Str),
               Param("department", Str), Param("job_title", Str), Param("license", str, "none"),
               Param("roles", list[str], ()), Param("enabled", bool, True),
               Param("password", Str), Param("user_type", str, "member"))),
    Operation("users.set", "PATCH", "/users/{upn}", f"{S}.directory:update_user",
              "Change a user (only what is given; disabling ends his sessions)",
              (Param("upn", str, REQUIRED), Param("name", Str), Param("mail", Str),
               Param("department", Str), Param("license", Str), Param("enabled", Flag),
               Param("roles", list[str] | None)), partial=True),
    Operation("users.set_password", "PUT", "/users/{upn}/password", f"{A}:set_password",
              "Set a user's password (ends his sessions)",
              (Param("upn", str, REQUIRED), Param("password", str, REQUIRED))),
    Operation("groups.list", "GET", "/groups", f"{S}.directory:list_groups", "List groups",
              _page(Param("search", Str)), listing=True),
    Operation("groups.add", "POST", "/groups", f"{S}.directory:add_group", "Add a group",
              (Param("name", str, REQUIRED), Param("description", Str),
               Param("on_prem_synced", bool, False), Param("dynamic", bool, False),
               Param("distribution", bool, False), Param("mail_enabled", bool, False))),
    Operation("groups.members", "GET", "/groups/{group_name}/members",
              f"{S}.directory:list_members", "A group's members",
              _page(Param("group_name", str, REQUIRED)), listing=True),
    Operation("groups.add_member", "POST", "/groups/{group_name}/members",
              f"{S}.directory:add_member", "Add a member to a group",
              (Param("group_name", str, REQUIRED), Param("upn", str, REQUIRED))),
    Operation("groups.remove_member", "DELETE", "/groups/{group_name}/members/{upn}",
              f"{S}.directory:remove_member", "Remove a member from a group",
              (Param("group_name", str, REQUIRED), Param("upn", str, REQUIRED))),
    # --- applications and self-service ------------------------------------------------------
    Operation("apps.list", "GET", "/apps", f"{S}.applications:list_applications",
              "List applications", _page(Param("search", Str)), listing=True),
    Operation("apps.show", "GET", "/apps/{app_name}", f"{S}.applications:get_application",
              "One application", (Param("app_name", str, REQUIRED),)),
    Operation("apps.add", "POST", "/apps", f"{A}:add_application", "Add an application",
              (Param("name", str, REQUIRED), Param("publisher", Str), Param("description", Str),
               Param("homepage", Str), Param("origin", str, "gallery"), Param("sso", str, "none"),
               Param("public_client", bool, False), Param("hidden", bool, False),
               Param("roles", list[str], ()), Param("app_roles", list[str], ()))),
    Operation("apps.set", "PATCH", "/apps/{app_name}", f"{S}.applications:update_application",
              "Change an application (only what is given)",
              (Param("app_name", str, REQUIRED), Param("name", Str), Param("publisher", Str),
               Param("description", Str), Param("origin", Str),
               Param("public_client_flows", Flag), Param("hidden", Flag)), partial=True),
    Operation("selfservice.show", "GET", "/apps/{app_name}/selfservice", f"{A}:selfservice_show",
              "An application's self-service settings", (Param("app_name", str, REQUIRED),)),
    Operation("selfservice.set", "PATCH", "/apps/{app_name}/selfservice", f"{A}:selfservice_set",
              "Change self-service settings (only what is given)",
              (Param("app_name", str, REQUIRED), Param("enabled", Flag), Param("group", Str),
               Param("require_approval", Flag), Param("add_approvers", list[str] | None),
               Param("remove_approvers", list[str] | None), Param("clear_approvers", Flag),
               Param("role", Str), Param("no_role", Flag), Param("email_approvers", Flag),
               Param("approver_sets_passwords", Flag), Param("if_version", int | None)),
              partial=True),
    # --- requests ---------------------------------------------------------------------------
    Operation("catalog", "GET", "/catalog", f"{A}:catalog",
              "What the signed-in person may request, with its state",
              _page(Param("search", Str))),
    Operation("request.create", "POST", "/requests", f"{S}.requests:create_request",
              "Request an application",
              (Param("app_name", str, REQUIRED), Param("justification", Str))),
    Operation("request.show", "GET", "/requests/{request_id}", f"{S}.requests:show",
              "One request", (Param("request_id", int, REQUIRED),)),
    Operation("requests.list", "GET", "/requests", f"{S}.requests:list_requests",
              "Requests: mine, to approve, or all",
              _page(Param("scope", str, "mine"), Param("status", Str), Param("app", Str),
                    Param("since", dt.datetime | None), Param("after", int | None)),
              listing=True, keyset="id"),
    Operation("request.approve", "POST", "/requests/{request_id}/approve",
              f"{S}.requests:approve", "Approve a pending request",
              (Param("request_id", int, REQUIRED), Param("reason", Str))),
    Operation("request.deny", "POST", "/requests/{request_id}/deny", f"{S}.requests:deny",
              "Deny a pending request", (Param("request_id", int, REQUIRED), Param("reason", Str))),
    Operation("request.cancel", "POST", "/requests/{request_id}/cancel", f"{S}.requests:cancel",
              "Cancel one's own pending request", (Param("request_id", int, REQUIRED),)),
    Operation("request.close", "POST", "/requests/{request_id}/close", f"{S}.requests:close",
              "Close a pending request (administrators)",
              (Param("request_id", int, REQUIRED), Param("reason", str, REQUIRED))),
    # --- access and audit -------------------------------------------------------------------
    Operation("access.list", "GET", "/apps/{app_name}/access", f"{S}.access:list_access",
              "Who has access to an application", _page(Param("app_name", str, REQUIRED)),
              listing=True),
    Operation("access.remove", "DELETE", "/apps/{app_name}/access/{upn}",
              f"{S}.access:remove_access", "Remove a person's access",
              (Param("app_name", str, REQUIRED), Param("upn", str, REQUIRED))),
    Operation("access.role", "PUT", "/apps/{app_name}/access/{upn}/role",
              f"{S}.access:change_role", "Change a person's application role",
              (Param("app_name", str, REQUIRED), Param("upn", str, REQUIRED),
               Param("role_value", str, REQUIRED))),
    Operation("audit.list", "GET", "/audit", f"{S}.auditlog:list_events", "Audit events",
              _page(Param("app", Str), Param("actor_upn", Str), Param("action", Str),
                    Param("since", dt.datetime | None), Param("after", int | None)),
              listing=True, keyset="seq"),
    Operation("audit.verify", "POST", "/audit/verify", f"{A}:audit_verify",
              "Check the audit chain and its signed checkpoints",
              (Param("since_head", Str),)),
    Operation("audit.head", "GET", "/audit/head", f"{S}.auditlog:head",
              "The audit log's current sequence and hash"),
    Operation("audit.rotate_key", "POST", "/audit/signing-key", f"{S}.auditlog:rotate_key",
              "Rotate the audit-signing key"),
    Operation("export.download", "GET", "/exports/{kind}", f"{A}:export_download",
              "An export (settings, access, requests, audit) as the command line and the "
              "windows write it, streamed",
              (Param("kind", str, REQUIRED), Param("format", str, "json"),
               Param("for_file", bool, True)), download=True),
    # --- mail -------------------------------------------------------------------------------
    Operation("mail.settings", "GET", "/mail/settings", f"{S}.mail:show_settings",
              "SMTP settings (never the password)"),
    Operation("mail.configure", "PATCH", "/mail/settings", f"{S}.mail:configure",
              "Change SMTP settings (the password can be set, never read back)",
              (Param("host", Str), Param("port", int | None), Param("security", Str),
               Param("user", Str), Param("password", Str), Param("sender", Str)), partial=True),
    Operation("mail.test", "POST", "/mail/test", f"{S}.mail:send_test", "Send a test message",
              (Param("to", str, REQUIRED),)),
    Operation("mail.send", "POST", "/mail/send", f"{S}.mail:send_now", "Send the outbox now"),
    Operation("mail.outbox", "GET", "/mail/outbox", f"{S}.mail:outbox", "The e-mail outbox",
              _page(Param("status", Str)), listing=True),
    # --- password-SSO credentials -----------------------------------------------------------
    Operation("password.set", "PUT", "/apps/{app}/credentials/{upn}",
              f"{S}.credentials:set_credentials", "Set a person's password-SSO credentials",
              (Param("app", str, REQUIRED), Param("upn", str, REQUIRED),
               Param("username", str, REQUIRED), Param("password", str, REQUIRED))),
    Operation("password.read", "POST", "/apps/{app}/credentials/mine", f"{A}:read_credentials",
              "One's own password-SSO credentials, to copy (never listed, never logged)",
              (Param("app", str, REQUIRED), Param("what", str, "both"))),
    # --- sessions ---------------------------------------------------------------------------
    Operation("sessions.list", "GET", "/sessions", f"{S}.sessions:list_sessions",
              "Signed-in devices: one's own, or everyone's for a Global Administrator",
              _page(Param("upn", Str), Param("search", Str)), listing=True),
    Operation("sessions.revoke", "DELETE", "/sessions/{session_id}",
              f"{S}.sessions:revoke_session", "Sign a device out",
              (Param("session_id", int, REQUIRED),)),
)

BY_NAME: dict[str, Operation] = {op.name: op for op in OPERATIONS}


def operation(name: str) -> Operation:
    return BY_NAME[name]
