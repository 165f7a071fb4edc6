"""Rule 18 on the command line: `request APP --extend`, `access extend|end`, `access list`'s
until and a request's kind; refusals leave the database as it was."""

from __future__ import annotations

from .conftest import Cli, dump, sql, upn

WIKI = "Litware Wiki"  # no approval needed
TICKETS = "Wingtip Tickets"  # approved by lena.novak or carlos.mendes


def test_extend_and_end_from_the_command_line(demo: Cli) -> None:
    sql(demo.db_path, "UPDATE self_service_settings SET access_days = 30 WHERE application_id "
        "IN (SELECT id FROM application WHERE name IN (?, ?))", WIKI, TICKETS)
    megan = upn("megan.bowen")
    before = dump(demo.db_path)
    demo.fails(3, "request", WIKI, "--extend", as_upn=megan, match="rule 18")
    demo.fails(4, "access", "extend", WIKI, megan, "--days", "5", match="does not end")
    demo.fails(2, "access", "extend", WIKI, megan, match="--days")
    assert dump(demo.db_path) == before

    made = demo.ok("request", WIKI, as_upn=megan)
    assert (made["kind"], made["status"]) == ("access", "approved")
    (row,) = [r for r in demo.ok("access", "list", WIKI) if r["user"] == megan]
    first_end = row["until"]
    assert first_end is not None
    extended = demo.ok("request", WIKI, "--extend", as_upn=megan)
    assert (extended["kind"], extended["status"]) == ("extension", "approved")
    (row,) = [r for r in demo.ok("access", "list", WIKI) if r["user"] == megan]
    assert row["until"] > first_end

    before = dump(demo.db_path)
    demo.fails(3, "access", "extend", WIKI, megan, "--until", "2001-01-01", match="later date")
    demo.fails(2, "access", "extend", WIKI, megan, "--until", "soon", match="not a date")
    assert dump(demo.db_path) == before
    assert demo.ok("access", "extend", WIKI, megan, "--until", "2099-12-31")["until"] == \
        "2100-01-01T00:00:00Z"
    ended = demo.ok("access", "end", WIKI, megan)
    assert ended["removed_membership"] is True
    assert megan not in [r["user"] for r in demo.ok("access", "list", WIKI)]
    demo.fails(4, "access", "end", WIKI, megan, match="does not end")

    # With approval: the extension waits for an approver, listed with its kind.
    pending = demo.ok("request", TICKETS, as_upn=megan)
    demo.ok("approve", str(pending["id"]), as_upn=upn("lena.novak"))
    asked = demo.ok("request", TICKETS, "--extend", as_upn=megan)
    assert (asked["kind"], asked["status"]) == ("extension", "pending")
    listed = demo.run("requests", as_upn=megan)
    assert "KIND" in listed.stdout
    assert "extension" in listed.stdout
    demo.ok("approve", str(asked["id"]), as_upn=upn("carlos.mendes"))
    check = demo.run("check", "--json")
    assert check.rc == 0, check


def test_the_directorys_time_zone_from_the_command_line(demo: Cli) -> None:
    assert demo.ok("time-zone", "show") == {"time_zone": "UTC"}
    before = dump(demo.db_path)
    demo.fails(2, "time-zone", "set", "europe/paris", match="did you mean Europe/Paris")
    demo.fails(3, "time-zone", "set", "Europe/Paris", as_upn=upn("alice.wu"),
               match="Global Administrator")
    assert dump(demo.db_path) == before
    assert demo.ok("time-zone", "set", "Europe/Paris")["changed"] is True
    assert demo.run("time-zone", "show").stdout.strip() == "Europe/Paris"
    # An "until" date now ends at midnight in Paris: 23:00 UTC in winter.
    sql(demo.db_path, "UPDATE self_service_settings SET access_days = 30 WHERE application_id "
        "IN (SELECT id FROM application WHERE name = ?)", WIKI)
    megan = upn("megan.bowen")
    demo.ok("request", WIKI, as_upn=megan)
    assert demo.ok("access", "extend", WIKI, megan, "--until", "2099-12-31")["until"] == \
        "2099-12-31T23:00:00Z"
