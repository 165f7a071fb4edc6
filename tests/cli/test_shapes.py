"""Every JSON shape of ARCHITECTURE.md, on the demo directory; listings and their paging."""

from __future__ import annotations

from typing import Any

from .conftest import (
    ACCESS_KEYS,
    APP_KEYS,
    CATALOG_KEYS,
    GOVERNANCE_OFF,
    GROUP_KEYS,
    ISO_Z,
    REQUEST_KEYS,
    ROLE_KEYS,
    SETTINGS_KEYS,
    USER_KEYS,
    Cli,
    upn,
)

STATUSES = {"pending", "approved", "denied", "cancelled", "closed"}


def check_user(row: dict[str, Any]) -> None:
    assert set(row) == USER_KEYS, row
    assert row["upn"] == row["upn"].lower()
    assert "@" in row["upn"]
    assert row["license"] in ("none", "p1", "p2")
    assert set(row["roles"]) <= {"global_admin", "cloud_app_admin", "app_admin"}
    assert isinstance(row["enabled"], bool)
    assert row["user_type"] in ("member", "guest")
    assert row["external_user_state"] is None or isinstance(row["external_user_state"], str)


def check_app(row: dict[str, Any], keys: set[str] = APP_KEYS) -> None:
    assert set(row) >= keys, row
    assert isinstance(row["id"], int)
    assert row["origin"] in ("gallery", "app_proxy", "consent", "custom")
    assert row["sso"] in ("password", "saml", "oidc", "none")
    for flag in ("public_client", "hidden", "self_service"):
        assert isinstance(row[flag], bool)
    for role in row["roles"]:
        assert set(role) == ROLE_KEYS, role
        assert isinstance(role["user_assignable"], bool)
        assert isinstance(role["enabled"], bool)


def check_request(row: dict[str, Any]) -> None:
    assert set(row) == REQUEST_KEYS, row
    assert isinstance(row["id"], int)
    assert row["status"] in STATUSES
    assert ISO_Z.match(row["created_at"])
    if row["status"] == "pending":
        assert row["decided_at"] is None
        assert row["decided_by"] is None
    else:
        assert ISO_Z.match(row["decided_at"])
    assert row["decided_for"] is None or row["decided_by"], row  # rule 19: only with a delegate


def check_paging(cli: Cli, *args: str, full: list[Any] | None = None) -> list[Any]:
    """The full listing, and --limit 2 --offset 1 is its slice [1:3]."""
    if full is None:
        full = cli.ok(*args)
    assert isinstance(full, list)
    assert cli.ok(*args, "--limit", "2", "--offset", "1") == full[1:3]
    return full


Listings = dict[str, list[dict[str, Any]]]


def test_people_and_groups(demo: Cli, demo_listings: Listings) -> None:
    users = check_paging(demo, "users", "list", full=demo_listings["users"])
    assert len(users) == 40  # complete without --limit
    for row in users:
        check_user(row)
    by_upn = {u["upn"]: u for u in users}
    assert by_upn[upn("sean.murphy")]["enabled"] is False
    assert by_upn[upn("megan.bowen")]["roles"] == ["global_admin"]
    assert demo.ok("users", "show", "LIAM.OCONNOR@contoso.example") \
        == by_upn[upn("liam.oconnor")]

    groups = demo.ok("groups", "list")
    assert len(groups) == 16
    for row in groups:
        assert set(row) == GROUP_KEYS, row
        assert isinstance(row["members"], int)
    by_name = {g["name"]: g for g in groups}
    assert by_name["All Staff (on-premises)"]["on_prem_synced"] is True
    assert by_name["Engineering (dynamic)"]["dynamic"] is True
    assert by_name["Company Announcements"]["security_enabled"] is False
    assert by_name["Finance Controllers"]["mail_enabled"] is True

    members = demo.ok("groups", "members", "it operations")
    assert [m["upn"] for m in members] == sorted(
        upn(x) for x in ("megan.bowen", "rahul.mehta", "ingrid.solberg", "kwame.asante",
                         "tomas.herrera"))
    assert len(members) == by_name["IT Operations"]["members"]
    for row in members:
        check_user(row)


def test_applications_and_settings(demo: Cli, demo_listings: Listings) -> None:
    apps = check_paging(demo, "apps", "list", full=demo_listings["apps"])
    assert len(apps) == 25
    for row in apps:
        check_app(row)
        assert set(row) == APP_KEYS
    crm = demo.ok("apps", "show", "Fabrikam CRM")
    assert crm in apps
    assert crm["self_service"] is True
    assert crm["sso"] == "saml"
    roles = {r["value"]: r for r in crm["roles"]}
    assert roles["Sales.Legacy"]["enabled"] is False
    assert roles["Integration.Sync"]["user_assignable"] is False

    settings = demo.ok("selfservice", "show", "Fabrikam CRM")
    assert settings == {
        "app": "Fabrikam CRM", "available": True, "unavailable_reason": None,
        "enabled": True, "group": "SS - Fabrikam CRM users", "require_approval": True,
        "approvers": [upn("alice.wu"), upn("yuki.tanaka"), upn("diego.ramirez")],
        "role": "Sales.Rep", "email_approvers": True, "approver_sets_passwords": False,
        "version": settings["version"], **GOVERNANCE_OFF,
    }
    assert isinstance(settings["version"], int)
    assert settings["version"] >= 1

    # an application never configured: everything off, version 0
    blank = demo.ok("selfservice", "show", "Alpine Ski House Bookings")
    assert set(blank) == SETTINGS_KEYS
    assert blank == {
        "app": "Alpine Ski House Bookings", "available": True, "unavailable_reason": None,
        "enabled": False, "group": None, "require_approval": False, "approvers": [],
        "role": None, "email_approvers": False, "approver_sets_passwords": False,
        "version": 0, **GOVERNANCE_OFF,
    }

    access = check_paging(demo, "access", "list", "Fabrikam CRM")
    assert access
    for row in access:
        assert set(row) == ACCESS_KEYS, row
        assert row["group"] == "SS - Fabrikam CRM users"
        assert ISO_Z.match(row["since"])
        assert row["via_request"] is None or isinstance(row["via_request"], int)
    fatima = next(r for r in access if r["user"] == upn("fatima.benali"))
    assert fatima["role"] == "Sales.Rep"
    assert isinstance(fatima["via_request"], int)


def test_requests(demo: Cli, demo_listings: Listings) -> None:
    every = demo_listings["requests"]
    assert len(every) == 29
    for row in every:
        check_request(row)
    ids = [r["id"] for r in every]
    assert ids == sorted(ids, reverse=True)
    pending = demo.ok("requests", "--all", "--status", "pending")
    assert {r["id"] for r in pending} == {r["id"] for r in every if r["status"] == "pending"}
    assert len(pending) == 8

    denied = next(r for r in every if r["status"] == "denied")
    shown = demo.ok("request", "show", str(denied["id"]), as_upn=denied["requester"])
    assert shown == denied
    assert shown["decided_by"]
    assert shown["decided_for"] is None  # decided by an approver himself
    assert shown["reason"]

    page = demo.ok("requests", "--all", "--status", "pending", "--limit", "2", "--offset",
                   "1")
    assert page == pending[1:3]
    since = demo.ok("requests", "--all", "--since", "2026-10-30")
    assert [r["id"] for r in since] == [r["id"] for r in every
                                        if r["created_at"] >= "2026-10-30T00:00:00Z"]
    assert 0 < len(since) < len(every)


def test_a_delegates_decision_names_the_away_approver(demo: Cli) -> None:
    # Rule 19: Lena (approver of Wingtip Tickets) is away; Noah decides Ingrid's request for her.
    lena, noah = upn("lena.novak"), upn("noah.fischer")
    demo.ok("away", "set", "--to", "2030-01-01", "--delegate", noah, as_upn=lena)
    (pending,) = demo.ok("requests", "--all", "--status", "pending", "--app", "Wingtip Tickets")
    decided = demo.ok("approve", str(pending["id"]), as_upn=noah)
    assert (decided["decided_by"], decided["decided_for"]) == (noah, lena)
    shown = demo.ok("request", "show", str(pending["id"]))
    check_request(shown)
    assert shown == decided
    (listed,) = [r for r in demo.ok("requests", "--all") if r["id"] == pending["id"]]
    assert listed == shown


def test_catalog_states_and_license_message(demo: Cli) -> None:
    rows = demo.ok("catalog", as_upn=upn("olga.ivanova"))
    names = [r["name"] for r in rows]
    assert names == sorted(names, key=str.lower)
    assert len(rows) == 9  # ten configured, Woodgrove Benefits switched off
    for row in rows:
        check_app(row, CATALOG_KEYS)
        assert isinstance(row["requires_approval"], bool)
    state = {r["name"]: r["state"] for r in rows}
    assert state["Fabrikam CRM"] == "owned"  # approved on her second try
    assert state["Northwind Expenses"] == "requestable"
    crm = next(r for r in rows if r["name"] == "Fabrikam CRM")
    assert crm["approvers"] == [upn("alice.wu"), upn("yuki.tanaka"), upn("diego.ramirez")]
    expenses = next(r for r in rows if r["name"] == "Northwind Expenses")
    assert expenses["requires_approval"] is False
    assert expenses["approvers"] == []
    requested = demo.ok("catalog", as_upn=upn("kwame.asante"))
    assert {r["name"]: r["state"] for r in requested}["Lamna Learning"] == "requested"

    # unlicensed: the list with state license_required, and why on stderr, exit 0
    result = demo.run("catalog", "--json", as_upn=upn("liam.oconnor"))
    assert result.rc == 0, result
    assert {r["state"] for r in result.json} == {"license_required"}
    assert len(result.json) == 9
    assert "license" in result.stderr.lower()
    assert "rule 7" in result.stderr
    assert result.stderr.count("\n") == 1


def test_catalog_row_has_the_contract_keys_and_the_description(demo: Cli) -> None:
    # The description is shown in My Apps' catalog (issue 4); every contract key is there too.
    rows = demo.ok("catalog", "--limit", "1", as_upn=upn("alice.wu"))
    assert set(rows[0]) == CATALOG_KEYS | {"description"}


def test_columns_without_json(demo: Cli) -> None:
    result = demo.run("users", "list", "--limit", "3")
    assert result.rc == 0, result
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["UPN", "NAME"]
    assert len(lines) == 4
    assert lines[1].startswith(upn("aisha.khan"))
