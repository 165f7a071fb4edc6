"""`selfservice set`: each option checked whenever given, the whole only while enabled,
--disable always, --if-version; every refusal leaves the database as it was."""

from __future__ import annotations

from .conftest import GOVERNANCE_OFF, SETTINGS_KEYS, Cli, dump, upn

NEW = "Alpine Ski House Bookings"  # eligible, sso none, never configured


def test_refusals_change_nothing(demo: Cli) -> None:
    before = dump(demo.db_path)
    usage = demo.fails(2, "selfservice", "set", "Fabrikam CRM",
                       match="nothing to change")
    assert usage.stderr.count("\n") == 1
    demo.fails(3, "selfservice", "set", NEW, "--group", "All Staff (on-premises)", "--json",
               match="rule 3")
    # enabling without a group looks like a missing option but is a rule
    demo.fails(3, "selfservice", "set", NEW, "--enable", match="needs a group")
    # Lamna Learning has ten approvers already
    demo.fails(3, "selfservice", "set", "Lamna Learning", "--approver", upn("sofia.rossi"),
               match="would be number 11")
    # ineligible approvers: unlicensed, a group
    demo.fails(3, "selfservice", "set", NEW, "--approver", upn("tomas.herrera"),
               match="license")
    demo.fails(3, "selfservice", "set", NEW, "--approver", "IT Operations",
               match="approvers are individual users")
    demo.fails(3, "selfservice", "set", "Tailspin Mobile Field App", "--enable",
               match="public client flows")
    demo.fails(3, "selfservice", "set", "Fourth Coffee Rewards", "--enable", "--json",
               match="hidden")
    # approver passwords need password SSO, even while disabled
    demo.fails(3, "selfservice", "set", NEW, "--approver-passwords", match="rule 12")
    # a role only applications may hold
    demo.fails(3, "selfservice", "set", "Fabrikam CRM", "--role", "Integration.Sync",
               match="applications only")
    assert dump(demo.db_path) == before


def test_if_version_and_changes_only_what_is_named(demo: Cli) -> None:
    changed = demo.ok("selfservice", "set", "Wingtip Tickets", "--email", "--if-version", "1")
    assert set(changed) == SETTINGS_KEYS
    assert changed == {
        "app": "Wingtip Tickets", "available": True, "unavailable_reason": None,
        "enabled": True, "group": "SS - Wingtip Tickets users", "require_approval": True,
        "approvers": [upn("lena.novak"), upn("carlos.mendes")], "role": "Tickets.Agent",
        "email_approvers": True, "approver_sets_passwords": False, "version": 2,
        **GOVERNANCE_OFF,
    }
    current, version = changed, 1

    before = dump(demo.db_path)
    stale = demo.fails(5, "selfservice", "set", "Wingtip Tickets", "--no-email",
                       "--if-version", str(version), match=f"yours {version}")
    assert upn("megan.bowen") in stale.stderr
    assert dump(demo.db_path) == before

    # --no-approval keeps the approvers, dormant; --no-role clears the role
    dormant = demo.ok("selfservice", "set", "Wingtip Tickets", "--no-approval", "--no-role",
                      "--if-version", "2")
    assert dormant == dict(current, require_approval=False, role=None, version=3)

    # --clear-approvers empties the list first, so ten plus one is no eleventh
    lamna = demo.ok("selfservice", "set", "Lamna Learning", "--approver", upn("sofia.rossi"),
                    "--clear-approvers", "--approver", "Alice.Wu@contoso.example")
    assert lamna["approvers"] == [upn("sofia.rossi"), upn("alice.wu")]


def test_disable_always_succeeds(demo: Cli) -> None:
    for app, reason in (("Tailspin Mobile Field App", "public client flows"),
                        ("Fourth Coffee Rewards", "hidden")):
        view = demo.ok("selfservice", "set", app, "--disable")
        assert view["enabled"] is False
        assert view["available"] is False
        assert reason in view["unavailable_reason"]
    # turning it off closes the pending requests of the application
    crm = demo.ok("selfservice", "set", "Fabrikam CRM", "--disable")
    assert crm["enabled"] is False
    closed = demo.ok("requests", "--all", "--app", "Fabrikam CRM", "--status", "closed")
    assert [r["requester"] for r in closed] == [upn("nadia.petrova")]
    assert "turned off" in closed[0]["reason"]
    # existing access stays (rule 13)
    assert upn("fatima.benali") in [r["user"] for r in demo.ok("access", "list", "Fabrikam CRM")]
    # already off: still fine, settings kept
    again = demo.ok("selfservice", "set", "Fabrikam CRM", "--disable")
    assert again == crm
