"""The argparse tree of the command line contract (ARCHITECTURE.md)."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from desktop import __version__
from desktop.services.validators import MAX_INT64, MAX_JUSTIFICATION

EPILOG = """\
exit codes: 0 done, 1 internal error, 2 usage (or a name matching several objects),
3 refused (a rule, a right, or a failed sign-in), 4 not found, or the database cannot be
used ("run init", a full disk, a damaged file: restore a backup),
5 conflict (already decided, duplicate, name taken, stale version).
Signing in: --as UPN; the password comes from ACCESS_DESK_PASSWORD or a prompt on a terminal.
On a demo database no password is asked, and commands without --as run as its first
Global Administrator. Databases: --db demo (the demo directory) | sqlite:///file.db |
/path/file.db | postgresql://user@host:port/name, or ACCESS_DESK_DB. Without either, `gui`
reopens the database used last time or, the very first time, shows a welcome window (the
demo directory, a new directory, or a shared PostgreSQL database); the tray, the tour,
screenshots and `demo` open the demo directory; other commands your own database in the
user data folder.
"""


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """One line on stderr, as every other error (the usage is one --help away)."""
        from .output import one_line

        self.exit(2, f"access-desk: {one_line(message)} (see {self.prog} --help)\n")


def _json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON instead of columns")


def _count(text: str) -> int:
    """A row count for --limit/--offset: 0 or more (a negative one is a usage error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    if value > MAX_INT64:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_INT64}")
    return value


def _number(text: str) -> int:
    """An integer option (a version, a port): a usage error when it is not one or too large."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if abs(value) > MAX_INT64:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_INT64}")
    return value


def _listing(p: argparse.ArgumentParser) -> None:
    """The options every listing ends with: a page of rows, and --json."""
    p.add_argument("--limit", type=_count, help="at most N rows")
    p.add_argument("--offset", type=_count, default=0, help="skip the first N rows")
    _json(p)


def _streamed_listing(p: argparse.ArgumentParser) -> None:
    """The options of a listing that may be long (requests, audit events): its rows are
    written as they are read, in constant memory; columns show the first 100 by default."""
    p.add_argument("--limit", type=_count,
                   help="at most N rows (columns show 100 unless told; --json and --jsonl "
                   "list every row unless told)")
    p.add_argument("--offset", type=_count, default=0, help="skip the first N rows")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--json", action="store_true",
                   help="print one JSON array, written as the rows are read; should the "
                   "database or server fail midway (exit 4), the array is left incomplete")
    g.add_argument("--jsonl", action="store_true",
                   help="print one JSON object a line (JSON Lines), written as the rows are "
                   "read")


SubParsers = argparse._SubParsersAction  # type: ignore[type-arg]


def _cmd(sub: SubParsers, name: str, help: str, **kw: Any) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=help, description=help, **kw)  # type: ignore[no-any-return]


def _actions(sub: SubParsers, name: str, help: str, metavar: str = "ACTION") -> SubParsers:
    """A command whose first word after it is a required action (`users list`)."""
    return _cmd(sub, name, help).add_subparsers(dest="action", metavar=metavar, required=True,
                                                parser_class=_Parser)


def _team_mode(sub: SubParsers) -> None:
    """serve, login, logout and sessions: the server and its clients (docs/server.md)."""
    p = _cmd(sub, "serve", "run the Access Desk server (team mode) over the database in --db; "
             "the only process that holds its credentials and keys. Needs the [server] extra")
    p.add_argument("--bind", default="127.0.0.1:8080", metavar="HOST:PORT",
                   help="where to listen (default 127.0.0.1:8080); any address but loopback "
                   "needs --tls-cert/--tls-key or --self-signed")
    p.add_argument("--tls-cert", metavar="FILE", help="the certificate (PEM), with --tls-key")
    p.add_argument("--tls-key", metavar="FILE", help="its private key (PEM)")
    p.add_argument("--self-signed", action="store_true",
                   help="make a certificate on first start and keep it; prints its SHA-256 "
                   "fingerprint for clients to pin")
    p.add_argument("--workers", type=_number, default=1, metavar="N",
                   help="server processes (default 1)")
    p.add_argument("--trusted-proxy", action="append", default=[], metavar="ADDRESS",
                   help="a load balancer whose X-Forwarded-For is believed (repeatable)")
    p.add_argument("--max-upload", default="512M", metavar="SIZE",
                   help="the largest import a client may upload, and what its archive may "
                   "unpack to (default 512M; K, M and G suffixes)")
    p.add_argument("--check", action="store_true",
                   help="check the configuration, the database and the keys, then exit")
    _json(p)
    p = _cmd(sub, "login", "sign in to the server in --server and keep the token (owner-only "
             "file); pins the server's certificate on first use")
    p.add_argument("--fingerprint", metavar="SHA256",
                   help="the certificate fingerprint `serve` printed: trust the server only if "
                   "it matches (without it, a terminal asks; a script is refused)")
    _json(p)
    p = _cmd(sub, "logout", "sign out of the server in --server and forget the token")
    _json(p)
    ss = _actions(sub, "sessions", "signed-in devices of team mode")
    p = ss.add_parser("list", help="open sessions: your own, or everyone's for a Global "
                      "Administrator")
    p.add_argument("--upn", help="only this person's")
    _listing(p)
    p = ss.add_parser("revoke", help="sign a device out (its id from `sessions list`)")
    p.add_argument("id", type=_count)
    _json(p)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="access-desk",
        description="Access Desk: self-service application access on the desktop.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"access-desk {__version__}")
    parser.add_argument("--db", metavar="URL",
                        help="database URL or path, or `demo` (also ACCESS_DESK_DB)")
    parser.add_argument("--as", dest="as_upn", metavar="UPN", help="sign in as this user")
    parser.add_argument("--server", metavar="URL",
                        help="an Access Desk server, https://host:port (also "
                        "ACCESS_DESK_SERVER); not with --db")
    parser.add_argument("--debug", action="store_true", help="more logging, tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = _cmd(sub, "whoami", "show the signed-in user")
    _json(p)
    p = _cmd(sub, "backup", "write a consistent copy of a SQLite database, also while in use")
    p.add_argument("file")
    _json(p)
    p = sub.add_parser(
        "check", help="check the database file, the audit chain and the search index, and "
        "that the audit log explains what the tables hold (Global Administrator)",
        description="""\
Check the open database and print a report, one line per check:
  - the file: SQLite's integrity_check (PostgreSQL: amcheck's bt_index_check on every
    index when the extension is installed, else skipped);
  - the audit chain, as audit verify;
  - the search index against its tables, and each application's pending-request count;
  - a reconciliation: every request's state, group membership, app role assignment and
    self-service setting must be what the audit log's events made it. A change made
    behind Access Desk's back (SQL on the database) is reported with the rows concerned.
Exit 0 when all is well, 3 when problems were found, 4 when the file is damaged (restore
a backup made with access-desk backup FILE).""")
    _json(p)
    p = _cmd(sub, "init", "create or upgrade the database; --demo fills the demo directory")
    p.add_argument("--demo", action="store_true",
                   help="fill the demo directory (in --db when given, else in demo.db)")
    p.add_argument("--reset", action="store_true",
                   help="with --demo: rebuild it as first built, in place (open windows "
                   "follow; --as must be an administrator)")
    p.add_argument("--if-missing", action="store_true",
                   help="with --demo: do nothing when the demo directory already exists")
    p.add_argument("--admin", metavar="UPN",
                   help="make the first Global Administrator (password: ACCESS_DESK_PASSWORD)")
    _json(p)
    p = _cmd(sub, "tour", "a short tour of the demo directory from the command line")
    _team_mode(sub)
    ds = _actions(sub, "demo", "trainer tools on a demo database: teaching scenarios")
    p = ds.add_parser("scenarios", help="list the scenarios")
    _json(p)
    p = ds.add_parser("scenario", help="set up one scenario on the demo directory "
                      "(refused on a real database; init --demo --reset undoes it)")
    p.add_argument("name", metavar="NAME", help="a name from `demo scenarios`")
    _json(p)
    p = ds.add_parser(
        "jump", help="move the demo's clock ahead (7d, 12h, 30m) for every window and the "
        "server, then sweep what became due; audited; init --demo --reset undoes it")
    p.add_argument("by", metavar="TIME", help="how far ahead: 7d, 12h, 30m or 90s")
    _json(p)
    p = _cmd(sub, "sweep", "do now every time-driven step that is due (reminders, "
             "escalations, expired requests, access that ends); administrators; for cron. "
             "Running it twice, or in two places at once, does nothing twice")
    _json(p)
    tz = _actions(sub, "time-zone", "the directory's time zone: a date chosen for access, an "
                  "absence or a review ends with that date there (UTC unless set)")
    p = tz.add_parser("show", help="show it")
    _json(p)
    p = tz.add_parser("set", help="change it (Global Administrator); dates chosen from now on "
                      "end there, deadlines already set keep theirs")
    p.add_argument("zone", metavar="ZONE", help="an IANA name such as Europe/Paris or UTC")
    _json(p)

    # users
    us = _actions(sub, "users", "people, licenses and directory roles")
    p = us.add_parser("list", help="list users")
    p.add_argument("--search", help="name, UPN or department prefix")
    _listing(p)
    p = us.add_parser("show", help="one user")
    p.add_argument("upn")
    _json(p)
    p = us.add_parser("add", help="add a user (Global Administrator)")
    p.add_argument("upn")
    p.add_argument("--name", required=True)
    p.add_argument("--mail")
    p.add_argument("--department")
    p.add_argument("--job-title")
    p.add_argument("--license", choices=["none", "p1", "p2"], default="none")
    p.add_argument("--role", action="append", default=[],
                   choices=["global_admin", "cloud_app_admin", "app_admin"])
    p.add_argument("--disabled", action="store_true")
    p.add_argument("--guest", action="store_true",
                   help="an external person (Graph's userType Guest); his license decides "
                   "what he may request, as for anyone")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the new user's password from one line of standard input")
    _json(p)
    p = us.add_parser("set", help="change a user (Global Administrator)")
    p.add_argument("upn")
    p.add_argument("--name")
    p.add_argument("--mail")
    p.add_argument("--department")
    p.add_argument("--license", choices=["none", "p1", "p2"])
    g = p.add_mutually_exclusive_group()
    g.add_argument("--enable", dest="enabled", action="store_const", const=True)
    g.add_argument("--disable", dest="enabled", action="store_const", const=False)
    p.add_argument("--role", action="append", choices=["global_admin", "cloud_app_admin",
                                                        "app_admin"])
    p.add_argument("--no-roles", action="store_true", help="take every directory role away")
    _json(p)
    p = us.add_parser("set-password", help="set a user's password (one line on stdin)")
    p.add_argument("upn")
    p.add_argument("--password-stdin", action="store_true", required=True)
    _json(p)
    p = us.add_parser("passwd", help="change your own password (stdin: old, then new)")
    _json(p)

    # groups
    gs = _actions(sub, "groups", "groups and their members")
    p = gs.add_parser("list", help="list groups")
    p.add_argument("--search")
    _listing(p)
    p = gs.add_parser("add", help="add a group")
    p.add_argument("name")
    p.add_argument("--description")
    p.add_argument("--on-prem-synced", action="store_true")
    p.add_argument("--dynamic", action="store_true")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--distribution", action="store_true", help="a distribution list")
    g.add_argument("--mail-enabled", action="store_true", help="a mail-enabled security group")
    _json(p)
    p = gs.add_parser("members", help="list a group's members")
    p.add_argument("name")
    _listing(p)
    for name, help_ in (("add-member", "add a member"), ("remove-member", "remove a member")):
        p = gs.add_parser(name, help=help_)
        p.add_argument("name")
        p.add_argument("upn")
        _json(p)

    # apps
    as_ = _actions(sub, "apps", "enterprise applications")
    p = as_.add_parser("list", help="list applications")
    p.add_argument("--search")
    _listing(p)
    p = as_.add_parser("show", help="one application")
    p.add_argument("app")
    _json(p)
    p = as_.add_parser("add", help="add an application")
    p.add_argument("name")
    p.add_argument("--publisher")
    p.add_argument("--description")
    p.add_argument("--homepage")
    p.add_argument("--origin", choices=["gallery", "app_proxy", "consent", "custom"],
                   default="gallery")
    p.add_argument("--sso", choices=["password", "saml", "oidc", "none"], default="none")
    p.add_argument("--public-client", action="store_true",
                   help="the registration allows public client flows (no self-service)")
    p.add_argument("--hidden", action="store_true", help="hidden from users")
    p.add_argument("--role", action="append", default=[], metavar="VALUE[:NAME]",
                   help="a role assignable to users")
    p.add_argument("--app-role", action="append", default=[], metavar="VALUE[:NAME]",
                   help="a role assignable to applications only")
    _json(p)
    p = as_.add_parser("set", help="change an application's properties")
    p.add_argument("app")
    p.add_argument("--name")
    p.add_argument("--publisher")
    p.add_argument("--description")
    p.add_argument("--origin", choices=["gallery", "app_proxy", "consent", "custom"])
    g = p.add_mutually_exclusive_group()
    g.add_argument("--public-client", dest="public_client", action="store_const", const=True)
    g.add_argument("--no-public-client", dest="public_client", action="store_const",
                   const=False)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--hidden", dest="hidden", action="store_const", const=True)
    g.add_argument("--no-hidden", dest="hidden", action="store_const", const=False)
    _json(p)

    # self-service
    sss = _actions(sub, "selfservice", "self-service settings of an application")
    p = sss.add_parser("show", help="show the settings")
    p.add_argument("app")
    _json(p)
    p = sss.add_parser(
        "set", help="change only what is named",
        description="Change only what is named. Each option is checked against its rules "
        "whenever given; the whole (a group, 1 to 10 approvers with approval) only while "
        "enabled. --disable always succeeds.",
    )
    p.add_argument("app")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--enable", dest="enabled", action="store_const", const=True)
    g.add_argument("--disable", dest="enabled", action="store_const", const=False)
    p.add_argument("--group", help="the cloud security group approved users are added to")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--approval", dest="approval", action="store_const", const=True)
    g.add_argument("--no-approval", dest="approval", action="store_const", const=False)
    p.add_argument("--approver", action="append", default=[], metavar="UPN")
    p.add_argument("--remove-approver", action="append", default=[], metavar="UPN")
    p.add_argument("--clear-approvers", action="store_true")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--role", metavar="VALUE")
    g.add_argument("--no-role", action="store_true")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--email", dest="email", action="store_const", const=True)
    g.add_argument("--no-email", dest="email", action="store_const", const=False)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--approver-passwords", dest="approver_passwords", action="store_const",
                   const=True)
    g.add_argument("--no-approver-passwords", dest="approver_passwords",
                   action="store_const", const=False)
    # rules 16-18 (docs/governance.md)
    p.add_argument("--expire-after", metavar="DAYS|off",
                   help="pending requests expire after DAYS days (1-90), or never (off)")
    p.add_argument("--remind-after", metavar="DAYS|off",
                   help="remind the approvers once after DAYS days (fewer than --expire-after)")
    p.add_argument("--escalate-after", metavar="DAYS|off",
                   help="ask the escalation approvers after DAYS days without a decision "
                   "(fewer than --expire-after); from then on they may decide too")
    p.add_argument("--escalation-approver", action="append", default=[], metavar="UPN",
                   help="add an escalation approver (checked as approvers are; at most 10)")
    p.add_argument("--remove-escalation-approver", action="append", default=[],
                   metavar="UPN")
    p.add_argument("--clear-escalation-approvers", action="store_true")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--reason-to-approve", dest="reason_to_approve", action="store_const",
                   const=True, help="approvers must give a reason to approve")
    g.add_argument("--no-reason-to-approve", dest="reason_to_approve", action="store_const",
                   const=False)
    p.add_argument("--access-lasts", metavar="never|DAYS|until:YYYY-MM-DD",
                   help="how long access given from now on lasts: never ends, DAYS days "
                   "(1-3650), or until the end of a date in the directory's time zone")
    p.add_argument("--end-reminder", type=_number, metavar="DAYS",
                   help="remind people DAYS days (1-90) before their access ends (7 by default)")
    p.add_argument("--if-version", type=_number, metavar="N",
                   help="refuse (exit 5) when the stored version is not N")
    _json(p)

    # requests
    p = _cmd(sub, "catalog", "self-service applications you may request")
    p.add_argument("--search")
    _listing(p)
    p = _cmd(sub, "request", "request an application, or `request show ID`")
    p.add_argument("app", help="the application, or `show`")
    p.add_argument("id", nargs="?", help=argparse.SUPPRESS)
    p.add_argument("--justification", help=f"at most {MAX_JUSTIFICATION} characters")
    p.add_argument("--extend", action="store_true",
                   help="ask to extend your access that ends (rule 18): decided as a request "
                   "is; approved, it lasts the application's duration longer")
    _json(p)
    p = _cmd(sub, "requests", "list requests")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--mine", dest="scope", action="store_const", const="mine")
    g.add_argument("--to-approve", dest="scope", action="store_const", const="to_approve")
    g.add_argument("--all", dest="scope", action="store_const", const="all")
    p.add_argument("--status", choices=["pending", "approved", "denied", "cancelled", "closed"])
    p.add_argument("--app")
    p.add_argument("--since", metavar="DATE")
    _streamed_listing(p)
    p = _cmd(sub, "approve", "approve a request")
    p.add_argument("id")
    p.add_argument("--reason")
    _json(p)
    p = _cmd(sub, "deny", "deny a request (a reason is required)")
    p.add_argument("id")
    p.add_argument("--reason", required=True)
    _json(p)
    p = _cmd(sub, "cancel", "cancel your pending request")
    p.add_argument("id")
    _json(p)
    p = _cmd(sub, "close", "an administrator closes a pending request")
    p.add_argument("id")
    p.add_argument("--reason", required=True)
    _json(p)

    # access
    accs = _actions(sub, "access", "who has access through self-service")
    p = accs.add_parser("list", help="members of the application's self-service group")
    p.add_argument("app")
    _listing(p)
    p = accs.add_parser("remove", help="remove a user's access (group and role together)")
    p.add_argument("app")
    p.add_argument("upn")
    _json(p)
    p = accs.add_parser("role", help="change a user's role")
    p.add_argument("app")
    p.add_argument("upn")
    p.add_argument("role")
    _json(p)
    p = _cmd(accs, "extend", "extend a user's time-bound access (rule 18): by N days from "
             "its end (or from now, if later), or until the end of a date in the directory's "
             "time zone")
    p.add_argument("app")
    p.add_argument("upn")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--days", type=_count, metavar="N", help="1 to 3650 days longer")
    g.add_argument("--until", metavar="DATE", help="until the end of this date (2027-03-12)")
    _json(p)
    p = _cmd(accs, "end", "end a user's time-bound access now (rule 18): the group membership "
             "and the direct role the grant added are removed; access held otherwise stays")
    p.add_argument("app")
    p.add_argument("upn")
    _json(p)

    # away (rule 19)
    aws = _actions(sub, "away", "approvers who are away, and who decides for them (rule 19)")
    p = _cmd(aws, "set", "say that you (or, for an administrator, --for UPN) are away: no "
             "reminders or e-mail meanwhile; the delegate decides your applications' requests; "
             "replaces your periods to come")
    p.add_argument("--for", dest="for_upn", metavar="UPN",
                   help="an approver other than you (administrators)")
    p.add_argument("--from", dest="starts", metavar="DATE",
                   help="from the start of this date (2027-03-12; default: now)")
    p.add_argument("--to", dest="ends", metavar="DATE", required=True,
                   help="until the end of this date (2027-03-20)")
    p.add_argument("--delegate", metavar="UPN",
                   help="who decides meanwhile: an enabled, licensed person who is not away")
    _json(p)
    p = _cmd(aws, "clear", "back: the period away ends now, periods to come are dropped")
    p.add_argument("--for", dest="for_upn", metavar="UPN",
                   help="an approver other than you (administrators)")
    _json(p)
    p = _cmd(aws, "show", "when you (or --for UPN) are away, who decides for you, and whom "
             "you stand in for")
    p.add_argument("--for", dest="for_upn", metavar="UPN",
                   help="somebody other than you (administrators)")
    _json(p)

    # reviews (rule 20)
    rvs = _actions(sub, "review", "access reviews of an application's self-service access "
                   "(rule 20)")
    p = _cmd(rvs, "start", "start a review (administrators): one item per person who holds "
             "the application's self-service access; the reviewers are told")
    p.add_argument("app")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--days", type=_count, metavar="N", help="it ends in N days (1-365)")
    g.add_argument("--until", metavar="DATE",
                   help="it ends with this date in the directory's time zone (2027-03-12)")
    p.add_argument("--reviewer", action="append", metavar="UPN", dest="reviewers",
                   help="a named reviewer (repeat for more, at most 10); without it the "
                   "application's approvers review")
    p.add_argument("--unreviewed", choices=("keep", "remove"), default="keep",
                   help="what happens at the end to people nobody reviewed (default: keep)")
    p.add_argument("--recurrence", choices=("monthly", "quarterly", "yearly"),
                   help="start the next review when this one ends")
    _json(p)
    p = _cmd(rvs, "list", "reviews, newest first: all for an administrator, else those you "
             "review")
    p.add_argument("--app", help="only this application's reviews")
    p.add_argument("--status", choices=("active", "completed", "cancelled"))
    p.add_argument("--mine", action="store_true", help="only the reviews you review")
    _listing(p)
    p = _cmd(rvs, "show", "one review: its counts and every person with his decision")
    p.add_argument("id", type=_count)
    _json(p)
    p = _cmd(rvs, "decide", "keep or remove one or several people (reviewers, never about "
             "yourself; a reason is required to remove; changeable until the end)")
    p.add_argument("id", type=_count)
    p.add_argument("upns", nargs="+", metavar="UPN")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--keep", action="store_const", const="keep", dest="decision")
    g.add_argument("--remove", action="store_const", const="remove", dest="decision")
    p.add_argument("--reason", help="why (required with --remove; the person reads it)")
    _json(p)
    p = _cmd(rvs, "export", "a review's results, one row a person, as CSV (administrators)")
    p.add_argument("id", type=_count)
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    _json(p)
    p = _cmd(rvs, "cancel", "cancel an active review (administrators): nothing is applied and "
             "it does not recur")
    p.add_argument("id", type=_count)
    _json(p)

    # audit
    auds = _actions(sub, "audit", "the tamper-evident audit log")
    p = auds.add_parser("list", help="events, newest first")
    p.add_argument("--app")
    p.add_argument("--actor", metavar="UPN")
    p.add_argument("--action", dest="event_action", metavar="A")
    p.add_argument("--since", metavar="DATE")
    _streamed_listing(p)
    p = auds.add_parser(
        "verify", help="check the hash chain and its signed checkpoints (exit 3 naming the "
        "first bad event, 4 when it cannot be checked)",
        description="Recompute every event's hash in order and check every signed checkpoint "
        "and signing key: an edited, removed or reordered event or checkpoint exits 3. What "
        "this proves and what it cannot: docs/audit.md.")
    p.add_argument("--since-head", metavar="SEQ:HASH",
                   help="only prove that the log still extends this head (from `audit head`, "
                   "an export or an evidence bundle): quick")
    _json(p)
    p = auds.add_parser("head", help="the newest event's number and hash, the newest signed "
                        "checkpoint and the signing key's fingerprint: keep them elsewhere")
    _json(p)
    p = auds.add_parser("rotate-key", help="a new audit signing key, endorsed by the current "
                        "one (then export the keys again: key export FILE)")
    _json(p)

    # windows
    p = _cmd(sub, "gui", "open a window (the sign-in window unless --as is given)")
    p.add_argument("window", nargs="?", choices=["admin", "myapps", "approvals"],
                   help="which window; default: the one your rights suggest")
    p = _cmd(sub, "tray", "the approver's tray icon alone (a small window where there is no tray)")
    p = _cmd(sub, "screenshot", "render a window to a PNG, offscreen, for training material; "
             "--all renders every window for each kind of person, with an index page")
    p.add_argument("window", nargs="?", choices=["admin", "myapps", "approvals", "signin"])
    p.add_argument("--all", action="store_true",
                   help="every window for each kind of person (demo database), into --out DIR")
    p.add_argument("--out", required=True, metavar="FILE.png|DIR")
    p.add_argument("--size", default="1280x800", metavar="WxH")
    _json(p)

    # credentials and the data key
    pws = _actions(sub, "password", "sign-in details of password-SSO applications")
    p = pws.add_parser("set", help="an approver sets a user's user name and password "
                       "(standard input: user name, then password, one a line)")
    p.add_argument("app")
    p.add_argument("upn")
    _json(p)
    p = pws.add_parser("copy", help="your own password (or --username) to the clipboard for "
                       "30 seconds, then cleared; needs a desktop session")
    p.add_argument("app")
    p.add_argument("--username", action="store_true", help="copy the user name instead")
    ks = _actions(sub, "key",
                  "the database's data key, for the other desktops of a shared database")
    p = ks.add_parser("export", help="write the data key to an owner-only file")
    p.add_argument("file")
    _json(p)
    p = ks.add_parser("import", help="keep a data key exported on another desktop")
    p.add_argument("file")
    _json(p)
    p = ks.add_parser(
        "rotate", help="re-encrypt every stored secret under a new data key (Global "
        "Administrator); the old key then decrypts nothing in the database",
        description="Make a new data key and re-encrypt every password-SSO credential and the "
        "SMTP password under it, in one transaction; the old key, which every desktop of a "
        "shared database may hold, then decrypts nothing in the database. Run it where the "
        "database's key is kept (in team mode: on the server's host, as the server's user). "
        "The new key is kept on this desktop before the database names it, so a crash at any "
        "point leaves a key that opens the database. The old key stays kept here for backups "
        "made before now. Desktops that should still read credentials directly need the new "
        "key: key export FILE here, key import FILE there. Audited with the new key's "
        "fingerprint.")
    _json(p)

    # mail
    ms = _actions(sub, "mail", "e-mail to approvers: SMTP settings and the outbox")
    p = ms.add_parser("settings", help="show or change the SMTP settings")
    p.add_argument("--host")
    p.add_argument("--port", type=_number)
    p.add_argument("--security", choices=["starttls", "tls", "none"])
    p.add_argument("--user")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the SMTP password from one line of standard input (kept encrypted)")
    p.add_argument("--sender", metavar="ADDR")
    _json(p)
    p = ms.add_parser("test", help="send a test e-mail now")
    p.add_argument("to")
    _json(p)
    p = ms.add_parser("send", help="send what waits in the outbox (retries with back-off)")
    _json(p)
    p = ms.add_parser("outbox", help="messages, newest first, with their state and last error")
    p.add_argument("--status", choices=["queued", "sending", "sent", "failed"])
    _listing(p)

    # import
    imps = _actions(sub, "import", "bring a directory in", metavar="SOURCE")
    p = imps.add_parser(
        "graph", help="Microsoft Graph JSON files or folders (Global Administrator)",
        description="Import users, groups, directory roles, service principals, applications "
        "and app role assignments exported from Microsoft Graph (REST pages, delta responses, "
        "or Graph PowerShell's ConvertTo-Json -Depth 10). Adds and updates by Graph id; never "
        "removes. The whole import is one transaction. A file that is not JSON, is cut short, "
        "has the wrong shape or is not a regular file refuses it all (exit 2, nothing "
        "changed). An object missing a required field or holding an invalid value is skipped, "
        "with what depends on it, and the rest imported (exit 0); so is an id found twice with "
        "different content. Types Access Desk does not import (permission grants, role "
        "definitions, subscribedSkus, ...) are counted by file. Every problem is listed in "
        "one run.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--dry-run", action="store_true",
                   help="print what would be added, changed and skipped, and what the export "
                   "lacks; nothing is written (same exit code as the real run)")
    p.add_argument("--strict", action="store_true",
                   help="refuse the whole import (exit 2, nothing changed) if any object would "
                   "be skipped")
    _json(p)

    # export
    exps = _actions(sub, "export",
                    "settings, access, requests, the audit log or the directory as files",
                    metavar="WHAT")
    for what in ("settings", "access", "requests", "audit"):
        p = exps.add_parser(what, help=f"export {what}")
        p.add_argument("--format", choices=["json", "csv", "graph"], default="json",
                       help="graph: access as Graph appRoleAssignment objects")
        p.add_argument("--out", metavar="FILE", help="write here instead of standard output")
        _json(p)
    p = exps.add_parser(
        "directory", help="the whole directory as Microsoft Graph files `import graph` reads",
        description="Write users (with licenses), groups (with members), directory roles, "
        "applications, service principals (with app roles) and app role assignments as "
        "Microsoft Graph v1.0 JSON files into FOLDER (new or empty; files readable by you "
        "only). Importing the folder into an empty database gives the same directory.")
    p.add_argument("--format", choices=["graph"], default="graph",
                   help="Microsoft Graph v1.0 entities (the only format)")
    p.add_argument("folder", metavar="FOLDER", help="a new or empty folder")
    _json(p)
    p = exps.add_parser("evidence", help="a zip an auditor can check on his own")
    p.add_argument("app")
    p.add_argument("--from", dest="start", required=True, metavar="DATE")
    p.add_argument("--to", dest="end", required=True, metavar="DATE")
    p.add_argument("--out", required=True, metavar="FILE.zip")
    _json(p)
    return parser
