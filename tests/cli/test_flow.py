"""README.md's command-line tour, step by step, with the refusals around deciding; then
cancelling, closing and looking at requests; the audit log, its chain, and a backup."""

from __future__ import annotations

from .conftest import ISO_Z, REQUEST_KEYS, USER_KEYS, Cli, dump, sql, upn

APP = "Alpine Ski House Bookings"
GROUP = "IT Operations"
APPROVER = upn("grace.adeyemi")
REQUESTER = upn("carlos.mendes")
IT_STAFF = [upn(x) for x in ("megan.bowen", "rahul.mehta", "ingrid.solberg", "kwame.asante",
                             "tomas.herrera")]


def test_readme_tour(readme: Cli) -> None:
    settings = readme.ok("selfservice", "set", APP, "--enable", "--group", GROUP,
                         "--approval", "--approver", APPROVER)
    assert (settings["enabled"], settings["group"], settings["require_approval"]) \
        == (True, GROUP, True)
    assert settings["approvers"] == [APPROVER]
    assert settings["version"] == 1

    catalog = {r["name"]: r for r in readme.ok("catalog", as_upn=REQUESTER)}
    assert catalog[APP]["state"] == "requestable"
    assert catalog[APP]["requires_approval"] is True
    assert catalog[APP]["approvers"] == [APPROVER]

    created = readme.ok("request", APP, "--justification", "Team offsite",
                        as_upn=REQUESTER)
    assert set(created) == REQUEST_KEYS
    assert created["id"] == 30, "README.md's tour approves request 30"
    assert (created["app"], created["requester"], created["status"]) \
        == (APP, REQUESTER, "pending")
    assert created["justification"] == "Team offsite"
    assert ISO_Z.match(created["created_at"])
    assert (created["decided_by"], created["decided_at"], created["reason"]) \
        == (None, None, None)
    readme.fails(5, "request", APP, as_upn=REQUESTER, match="already have an open request")

    to_approve = readme.ok("requests", "--to-approve", "--status", "pending",
                           as_upn=APPROVER)
    assert 30 in [r["id"] for r in to_approve]
    assert {r["status"] for r in to_approve} == {"pending"}

    # strangers neither look nor decide; deny needs --reason; nothing changes
    before = dump(readme.db_path)
    readme.fails(3, "request", "show", "30", as_upn=upn("alice.wu"), match="rights table")
    readme.fails(3, "deny", "30", "--reason", "no", as_upn=upn("alice.wu"),
                 match=f"only an approver of {APP}")
    readme.fails(3, "cancel", "30", as_upn=APPROVER, match="only the requester")
    no_reason = readme.run("deny", "30", as_upn=APPROVER)
    assert no_reason.rc == 2, no_reason
    assert "the following arguments are required: --reason" in no_reason.stderr
    assert dump(readme.db_path) == before

    approved = readme.ok("approve", "30", as_upn=APPROVER)
    assert (approved["status"], approved["decided_by"]) == ("approved", APPROVER)
    assert ISO_Z.match(approved["decided_at"])
    again = readme.fails(5, "approve", "30", as_upn=APPROVER, match="already approved")
    assert APPROVER in again.stderr
    assert approved["decided_at"] in again.stderr

    access = readme.ok("access", "list", APP)
    assert [r["user"] for r in access] == sorted(IT_STAFF + [REQUESTER])
    carlos = next(r for r in access if r["user"] == REQUESTER)
    assert carlos == {"user": REQUESTER, "group": GROUP, "role": None,
                      "since": carlos["since"], "via_request": 30, "until": None}
    assert {r["via_request"] for r in access if r["user"] != REQUESTER} == {None}

    # the proof: newest first, the approval on top
    latest = readme.ok("audit", "list", "--limit", "5")
    assert len(latest) == 5
    seqs = [e["seq"] for e in latest]
    assert seqs == list(range(seqs[0], seqs[0] - 5, -1))
    assert (latest[0]["action"], latest[0]["actor"], latest[0]["target"]) \
        == ("request.approve", APPROVER, "request 30")
    for event in latest:
        assert ISO_Z.match(event["at"])
    story = readme.ok("audit", "list", "--app", APP)
    assert [e["action"] for e in story] == ["request.approve", "request.create",
                                            "selfservice.update", "app.add"]
    by_actor = readme.ok("audit", "list", "--actor", APPROVER.upper())
    assert {e["actor"] for e in by_actor} == {APPROVER}
    assert by_actor[0]["seq"] == seqs[0]
    denials = readme.ok("audit", "list", "--action", "request.deny")
    assert denials
    assert {e["action"] for e in denials} == {"request.deny"}

    verdict = readme.ok("audit", "verify")
    assert verdict["ok"] is True
    assert verdict["events"] == seqs[0]

    # tampering with the file is found and named
    sql(readme.db_path, "UPDATE audit_event SET details='{}' WHERE seq=3")
    broken = readme.fails(3, "audit", "verify", match="event 3")
    assert "broken at event 3" in broken.stderr


def test_cancel_close_and_unknown_requests(demo: Cli) -> None:
    def pending_of(local: str) -> int:
        rows = sql(demo.db_path, "SELECT r.id FROM access_request r JOIN user u "
                   "ON u.id = r.requester_id WHERE u.upn = ? AND r.status = 'pending'",
                   upn(local))
        assert len(rows) == 1, rows
        return int(rows[0][0])

    kofi, sofia = pending_of("kofi.mensah"), pending_of("sofia.rossi")
    cancelled = demo.ok("cancel", str(kofi), as_upn=upn("kofi.mensah"))
    assert (cancelled["id"], cancelled["status"]) == (kofi, "cancelled")
    assert cancelled["decided_by"] == upn("kofi.mensah")

    demo.fails(3, "close", str(sofia), "--reason", "tidy up", as_upn=upn("chloe.dubois"),
               match="rights table")
    closed = demo.ok("close", str(sofia), "--reason", "Project cancelled")
    assert (closed["status"], closed["reason"]) == ("closed", "Project cancelled")
    assert closed["decided_by"] == upn("megan.bowen")
    demo.fails(5, "close", str(sofia), "--reason", "again", match=upn("megan.bowen"))

    # everyone's requests and the audit log are for administrators
    demo.fails(3, "requests", "--all", "--json", as_upn=upn("alice.wu"), match="rights table")
    demo.fails(3, "audit", "list", as_upn=upn("alice.wu"), match="audit log")

    demo.fails(4, "request", "show", "9999", match="no request 9999")
    demo.fails(2, "request", "show", "twelve", match="a request id is a number")
    demo.fails(2, "request", "Litware Wiki", "--justification", "x" * 501,
               as_upn=upn("alice.wu"), match="at most 500 characters")
    demo.fails(3, "request", "Litware Wiki", as_upn=upn("tomas.herrera"), match="rule 7")


def test_backup_is_the_same_directory(demo: Cli, demo_listings: dict[str, list]) -> None:
    target = demo.home / "copy.db"
    made = demo.ok("backup", str(target))
    assert made["backup"] == str(target)
    assert made["bytes"] == target.stat().st_size
    users = demo.ok("users", "list", db=f"sqlite:///{target}")
    assert users == demo_listings["users"]
    for row in users:
        assert set(row) == USER_KEYS
    assert dump(target) == dump(demo.db_path)
    demo.fails(2, "backup", str(target), match="exists already")
