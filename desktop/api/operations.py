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
    # The request's body is a file (streamed to a temporary file on the server, up to `serve
    # --max-upload`), the parameters in the query string: the function takes the signed-in
    # person, that file's path and the cap, then the parameters.
    upload: bool = False
    # It may take minutes (a whole audit log, a large import or export): a client waits for
    # the answer without its usual 30 s limit.
    slow: bool = False
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
              _page(Param("search", Str), Param("after", Str), Param("sort", Str)), listing=True,
              keyset="upn"),
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
              _page(Param("search", Str), Param("sort", Str), Param("after", int | None)),
              listing=True, keyset="id"),
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
              "List applications", _page(Param("search", Str), Param("after", int | None)),
              listing=True, keyset="id"),
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
               Param("approver_sets_passwords", Flag),
               # rules 16-18: "N" days or "off"; access lasts "never", "N" or "until:DATE"
               Param("expire_after", Str), Param("remind_after", Str),
               Param("escalate_after", Str), Param("add_escalation_approvers", list[str] | None),
               Param("remove_escalation_approvers", list[str] | None),
               Param("clear_escalation_approvers", Flag), Param("reason_to_approve", Flag),
               Param("access_lasts", Str), Param("end_reminder_days", int | None),
               Param("if_version", int | None)),
              partial=True),
    # --- requests ---------------------------------------------------------------------------
    Operation("catalog", "GET", "/catalog", f"{A}:catalog",
              "What the signed-in person may request, with its state",
              _page(Param("search", Str))),
    Operation("request.create", "POST", "/requests", f"{S}.requests:create_request",
              "Request an application (`extend`: ask to extend one's time-bound access)",
              (Param("app_name", str, REQUIRED), Param("justification", Str),
               Param("extend", bool, False))),
    Operation("request.show", "GET", "/requests/{request_id}", f"{S}.requests:show",
              "One request", (Param("request_id", int, REQUIRED),)),
    Operation("requests.list", "GET", "/requests", f"{S}.requests:list_requests",
              "Requests: mine, to approve, or all",
              _page(Param("scope", str, "mine"), Param("status", Str), Param("app", Str),
                    Param("since", dt.datetime | None), Param("after", int | None),
                    Param("search", Str), Param("sort", Str)),
              listing=True, keyset="id"),
    Operation("requests.count", "GET", "/requests/count", f"{S}.requests:count_requests",
              "How many requests `requests.list` lists with these filters (at most `at_most`)",
              (Param("scope", str, "mine"), Param("status", Str), Param("app", Str),
               Param("since", dt.datetime | None), Param("search", Str),
               Param("at_most", int | None))),
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
              "Who has access to an application",
              _page(Param("app_name", str, REQUIRED), Param("search", Str), Param("sort", Str)),
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
                    Param("since", dt.datetime | None), Param("after", int | None),
                    Param("sort", Str)),
              listing=True, keyset="seq"),
    Operation("audit.count", "GET", "/audit/count", f"{S}.auditlog:count_events",
              "How many events `audit.list` lists with these filters (at most `at_most`)",
              (Param("app", Str), Param("actor_upn", Str), Param("action", Str),
               Param("since", dt.datetime | None), Param("at_most", int | None))),
    Operation("audit.verify", "POST", "/audit/verify", f"{A}:audit_verify",
              "Check the audit chain and its signed checkpoints",
              (Param("since_head", Str),), slow=True),
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
    # --- the windows and the tray of the signed-in person ---------------------------------
    Operation("me.desk", "GET", "/me/desk", f"{A}:desk",
              "Who is signed in, which windows he may open, whether he approves, and how "
              "far a demo's clock was jumped ahead (`clock_offset`, seconds)"),
    Operation("me.apps", "GET", "/me/apps", f"{S}.myapps:my_apps",
              "My Apps: the applications one has, by name",
              _page(Param("search", Str)), listing=True),
    Operation("me.requests", "GET", "/me/requests", f"{S}.myapps:list_my_requests",
              "My requests, with who decided or who may decide",
              _page(Param("search", Str), Param("sort", Str)), listing=True),
    Operation("me.request_preview", "GET", "/me/request-preview/{app}",
              f"{S}.myapps:request_preview",
              "What requesting an application would do (approvers, role)",
              (Param("app", str, REQUIRED),)),
    Operation("me.notifications", "GET", "/me/notifications",
              f"{S}.notifications:list_notifications", "One's notifications, newest first",
              (Param("limit", int | None, 50), Param("offset", int, 0),
               Param("kinds", list[str] | None), Param("unread_only", bool, False),
               Param("after_id", int, 0))),
    Operation("me.notifications.latest", "GET", "/me/notifications/latest",
              f"{S}.notifications:latest_id", "The newest notification's id (0 when none)"),
    Operation("me.notifications.unread", "GET", "/me/notifications/unread",
              f"{A}:unread", "Unread notifications: how many, and of which requests",
              (Param("kinds", list[str] | None),)),
    Operation("me.notifications.read", "POST", "/me/notifications/read", f"{A}:mark_read",
              "Mark one's notifications read (ids, or all)",
              (Param("ids", list[int] | None), Param("kinds", list[str] | None))),
    Operation("approvals.pending", "GET", "/approvals/pending",
              f"{S}.approvals:list_pending", "Pending requests one may decide",
              _page(Param("search", Str), Param("sort", Str)), listing=True),
    Operation("approvals.decided", "GET", "/approvals/decided",
              f"{S}.approvals:list_decided", "Decided requests for one's applications",
              _page(Param("search", Str), Param("sort", Str)), listing=True),
    Operation("approvals.count", "GET", "/approvals/pending/count",
              f"{S}.notifications:pending_to_approve_count",
              "How many pending requests one may decide (the tray's badge)"),
    Operation("approvals.counts", "GET", "/approvals/pending/counts",
              f"{S}.notifications:pending_to_approve_counts",
              "The badge with its emphasis: `pending` requests one may decide and how many of "
              "them are `overdue` (reminded or escalated: rules 16-17)"),
    Operation("approvals.apps", "GET", "/approvals/apps", f"{S}.approvals:approved_apps",
              "The applications whose requests reach one now"),
    Operation("approvals.detail", "GET", "/approvals/{request_id}",
              f"{S}.approvals:request_detail", "One request with the names of who decided",
              (Param("request_id", int, REQUIRED),)),
    Operation("approvals.decide", "POST", "/approvals/decisions", f"{A}:decide_many",
              "Approve or deny several requests, 500 per transaction",
              (Param("ids", list[int], REQUIRED), Param("approve", bool, REQUIRED),
               Param("reason", Str))),
    Operation("password.apps", "GET", "/credentials/apps", f"{S}.credentials:password_apps",
              "Applications whose users' sign-in details one may set"),
    Operation("password.users", "GET", "/apps/{app}/credentials",
              f"{S}.credentials:credential_users",
              "People with access and whether their sign-in details are set",
              _page(Param("app", str, REQUIRED), Param("search", Str)), listing=True),
    # --- the Approvals window (Manage passwords) ---------------------------------------------
    Operation("password.key_status", "GET", "/credentials/key-status",
              f"{S}.credentials:key_problem",
              "Whether sign-in details can be stored and read (the data key is at hand)"),
    # --- Admin console: applications ---------------------------------------------------------
    Operation("admin.apps", "GET", "/admin/apps", f"{S}.applications:applications_page",
              "The Admin console's applications: self-service state and pending requests",
              _page(Param("search", Str), Param("sort", Str),
                    Param("self_service_only", bool, False)), listing=True),
    Operation("admin.app_properties", "GET", "/admin/apps/{app_name}/properties",
              f"{S}.applications:properties",
              "What the Properties page edits: the application with its free text",
              (Param("app_name", str, REQUIRED),)),
    Operation("admin.app_update", "PUT", "/admin/apps/{app_name}/properties",
              f"{A}:update_application",
              "Change an application's properties (`changes`: only those named; null clears)",
              (Param("app_name", str, REQUIRED), Param("changes", dict[str, Any], REQUIRED))),
    Operation("admin.selfservice_form", "GET", "/admin/apps/{app_name}/selfservice-form",
              f"{S}.selfservice:editor_view",
              "The Self-service page: settings, approvers' names, roles to choose from",
              (Param("app_name", str, REQUIRED),)),
    Operation("admin.group_choices", "GET", "/admin/selfservice/groups",
              f"{S}.selfservice:group_choices",
              "Groups for Select group, each saying why it cannot be used (rule 3)",
              _page(Param("search", Str), Param("sort", Str)), listing=True),
    Operation("admin.approver_choices", "GET", "/admin/selfservice/approvers",
              f"{S}.selfservice:approver_choices",
              "People for Select approvers, each saying why he cannot approve (rule 4)",
              _page(Param("search", Str), Param("sort", Str)), listing=True),
    Operation("admin.check_approvers", "POST", "/admin/selfservice/approvers/check",
              f"{S}.selfservice:check_approvers",
              "Check a proposed approver list before saving it (rule 4)",
              (Param("upns", list[str], REQUIRED),)),
    # --- sessions ---------------------------------------------------------------------------
    Operation("sessions.list", "GET", "/sessions", f"{S}.sessions:list_sessions",
              "Signed-in devices: one's own, or everyone's for a Global Administrator",
              _page(Param("upn", Str), Param("search", Str), Param("sort", Str)), listing=True),
    Operation("sessions.revoke", "DELETE", "/sessions/{session_id}",
              f"{S}.sessions:revoke_session", "Sign a device out",
              (Param("session_id", int, REQUIRED),)),
    # --- Admin console: people, access, audit, mail -------------------------------------------
    Operation("users.names", "GET", "/user-names", f"{S}.directory:display_names",
              "Display names of the given people, by user name",
              (Param("upns", list[str], REQUIRED),)),
    Operation("admin.groups", "GET", "/admin/groups", f"{A}:admin_groups",
              "Groups as the Admin console lists them: whether members are added by hand",
              _page(Param("search", Str), Param("sort", Str)), listing=True),
    Operation("access.roles", "GET", "/apps/{app_name}/roles", f"{S}.selfservice:role_choices",
              "The roles a person may be given in an application, with why not",
              (Param("app_name", str, REQUIRED),)),
    Operation("audit.check", "GET", "/audit/check", f"{A}:audit_check",
              "Check the audit chain: the verdict, a broken chain included"),
    Operation("mail.counts", "GET", "/mail/outbox/counts", f"{S}.mail:outbox_counts",
              "How many e-mails are queued, sent and failed"),
    Operation("sessions.lifetimes", "GET", "/sessions/lifetimes", f"{S}.sessions:lifetimes_of",
              "How long a session lasts: idle and at most, in hours"),
    # --- transfers (imports, directory exports, evidence) --------------------------------------
    Operation("import.graph", "POST", "/imports/graph", f"{A}:import_upload",
              "Import a Microsoft Graph export (the request body: a zip of its files, or one "
              "JSON file); the report `import graph --json` prints",
              (Param("dry_run", bool, False), Param("strict", bool, False)),
              upload=True, slow=True),
    Operation("export.directory", "GET", "/exports/directory", f"{A}:export_directory",
              "The whole directory as the Microsoft Graph files `export directory` writes, "
              "streamed as a zip", (Param("format", str, "graph"),), download=True, slow=True),
    Operation("export.evidence", "POST", "/exports/evidence/{app_name}", f"{A}:export_evidence",
              "An application's evidence bundle for a period (`start` included, `end` not), "
              "the zip `export evidence` writes, streamed",
              (Param("app_name", str, REQUIRED), Param("start", dt.datetime, REQUIRED),
               Param("end", dt.datetime, REQUIRED)), download=True, slow=True),
)

# --- rule 18: time-bound access (administrators extend or end a grant) ----------------------
OPERATIONS += (
    Operation("access.extend", "POST", "/apps/{app_name}/access/{upn}/extend",
              f"{S}.grants:extend",
              "Extend a person's time-bound access: by `days` from its end (or from now, if "
              "later), or until the end of the date `until` in the directory's time zone",
              (Param("app_name", str, REQUIRED), Param("upn", str, REQUIRED),
               Param("days", int | None), Param("until", Str))),
    Operation("access.end", "POST", "/apps/{app_name}/access/{upn}/end", f"{S}.grants:end",
              "End a person's time-bound access now: what the grant added is removed",
              (Param("app_name", str, REQUIRED), Param("upn", str, REQUIRED))),
)

# --- rules 16-17 and 21: requests that wait; the sweep ----------------------------------------
OPERATIONS += (
    Operation("sweep", "POST", "/sweep", f"{S}.governance:run_sweep",
              "Do now every time-driven step that is due (reminders, escalations, expiries, "
              "grants that end): what was done, by kind. Running it twice does nothing twice"),
    Operation("time_zone.show", "GET", "/time-zone", f"{S}.time_zone:show_time_zone",
              "The directory's time zone: where a date chosen for access, an absence or a "
              "review ends"),
    Operation("time_zone.set", "PUT", "/time-zone", f"{S}.time_zone:set_time_zone",
              "Change the directory's time zone (an IANA name; Global Administrator); dates "
              "chosen from now on end there",
              (Param("time_zone", str, REQUIRED),)),
)

# --- rule 20: access reviews --------------------------------------------------------------------
OPERATIONS += (
    Operation("reviews.start", "POST", "/reviews", f"{S}.reviews:start_review",
              "Start an access review of an application's self-service access (administrators):"
              " for `days` or until the end of the date `until`; reviewers: the application's "
              "approvers (none named) or the named UPNs; the unreviewed are kept or removed; "
              "optionally recurring monthly, quarterly or yearly",
              (Param("app_name", str, REQUIRED), Param("days", int | None), Param("until", Str),
               Param("reviewers", list[str] | None), Param("unreviewed", str, "keep"),
               Param("recurrence", Str))),
    Operation("admin.reviewer_choices", "GET", "/admin/reviews/reviewers",
              f"{S}.reviews:reviewer_choices",
              "People for Start review's Select reviewers, each saying why he cannot review",
              _page(Param("search", Str), Param("sort", Str)), listing=True),
    Operation("admin.check_reviewers", "POST", "/admin/reviews/reviewers/check",
              f"{S}.reviews:check_reviewers",
              "Check a proposed list of named reviewers before starting a review (rule 20)",
              (Param("upns", list[str], REQUIRED),)),
    Operation("reviews.list", "GET", "/reviews", f"{S}.reviews:list_reviews",
              "Access reviews, newest first: all for an administrator, else those one reviews",
              _page(Param("app", Str), Param("status", Str), Param("mine", bool, False)),
              listing=True),
    Operation("reviews.mine", "GET", "/me/reviews", f"{S}.reviews:my_reviews",
              "The active reviews one reviews (the Approvals window's Reviews tab)"),
    Operation("reviews.count", "GET", "/me/reviews/count", f"{S}.reviews:task_count",
              "How many people wait for one's review decision (the tray)"),
    Operation("reviews.show", "GET", "/reviews/{review_id}", f"{S}.reviews:show_review",
              "One review with its counts and every person under review",
              (Param("review_id", int, REQUIRED),)),
    Operation("reviews.items", "GET", "/reviews/{review_id}/items", f"{S}.reviews:items",
              "The people under review (search: UPN or name prefix; decision: keep, remove or "
              "undecided)",
              _page(Param("review_id", int, REQUIRED), Param("search", Str),
                    Param("decision", Str), Param("sort", Str)), listing=True),
    Operation("reviews.decide", "POST", "/reviews/{review_id}/decisions",
              f"{S}.reviews:decide",
              "Keep or Remove one or several people (one transaction); a reason is required "
              "to remove; reviewers only, never about themselves; changeable until the end",
              (Param("review_id", int, REQUIRED), Param("upns", list[str], REQUIRED),
               Param("decision", str, REQUIRED), Param("reason", Str))),
    Operation("reviews.export", "GET", "/reviews/{review_id}/export", f"{S}.reviews:export_rows",
              "A review's results, one row a person (`review export` writes them as CSV)",
              (Param("review_id", int, REQUIRED),)),
    Operation("reviews.cancel", "POST", "/reviews/{review_id}/cancel",
              f"{S}.reviews:cancel_review",
              "Cancel an active review: nothing is applied and it does not recur",
              (Param("review_id", int, REQUIRED),)),
)

# --- rule 19: approvers who are away, and their delegates ----------------------------------
OPERATIONS += (
    Operation("away.set", "PUT", "/away", f"{S}.away:set_away",
              "Say that an approver (you, or anyone for an administrator) is away from `starts` "
              "(a date or instant; now if left out) until `ends` (the end of that date), with an "
              "optional delegate who decides for him meanwhile; replaces his periods to come",
              (Param("upn", Str), Param("starts", Str), Param("ends", str, REQUIRED),
               Param("delegate", Str))),
    Operation("away.clear", "DELETE", "/away", f"{S}.away:clear_away",
              "An approver is back: his period away ends now, those to come are dropped",
              (Param("upn", Str),)),
    Operation("away.show", "GET", "/away", f"{S}.away:show_away",
              "When an approver is away, who decides for him, and whom he stands in for",
              (Param("upn", Str),)),
    Operation("away.delegate_choices", "GET", "/away/delegates", f"{S}.away:delegate_choices",
              "People who could stand in for an approver while he is away, each saying why "
              "he cannot decide (disabled, no license), or null",
              _page(Param("search", Str), Param("upn", Str)), listing=True),
)

BY_NAME: dict[str, Operation] = {op.name: op for op in OPERATIONS}


def operation(name: str) -> Operation:
    return BY_NAME[name]
