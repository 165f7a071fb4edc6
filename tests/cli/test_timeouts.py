"""Rules 16-17 and 21 from the command line: `selfservice set`'s new options, `sweep` and
`demo jump`, with their refusals and exit codes."""

from __future__ import annotations

from .conftest import Cli, dump, upn

APP = "Adatum Payroll"  # approval by priya.nair


def test_settings_sweep_and_jump(demo: Cli) -> None:
    view = demo.ok("selfservice", "set", APP, "--expire-after", "14", "--remind-after", "3",
                   "--escalate-after", "5", "--escalation-approver", upn("david.levi"),
                   "--reason-to-approve", "--access-lasts", "until:2999-01-31",
                   "--end-reminder", "5")
    assert (view["expire_days"], view["remind_days"], view["escalate_days"]) == (14, 3, 5)
    assert view["escalation_approvers"] == [upn("david.levi")]
    assert (view["reason_to_approve"], view["access_until"], view["end_reminder_days"]) == (
        True, "2999-01-31", 5)
    before = dump(demo.db_path)
    demo.fails(3, "selfservice", "set", APP, "--remind-after", "20", match="fewer than 14")
    demo.fails(3, "selfservice", "set", APP, "--access-lasts", "4000", match="1 to 3650")
    demo.fails(2, "selfservice", "set", APP, "--expire-after", "soon", match="'off'")
    demo.fails(2, "selfservice", "set", APP, "--access-lasts", "forever", match="never")
    demo.fails(3, "sweep", as_upn=upn("alice.wu"), match="administrator")
    assert dump(demo.db_path) == before
    view = demo.ok("selfservice", "set", APP, "--remind-after", "off", "--access-lasts",
                   "never", "--no-reason-to-approve", "--clear-escalation-approvers",
                   "--escalate-after", "off")
    assert (view["remind_days"], view["access_until"], view["escalation_approvers"]) == (
        None, None, [])

    asked = demo.ok("request", APP, as_upn=upn("alice.wu"))
    assert demo.run("sweep").stdout.startswith("Nothing was due")
    jumped = demo.run("demo", "jump", "15d")
    assert jumped.rc == 0, jumped
    assert "15 days ahead" in jumped.stdout
    assert "1 request expired" in jumped.stdout
    shown = demo.ok("requests", as_upn=upn("alice.wu"))
    mine = next(r for r in shown if r["id"] == asked["id"])
    assert (mine["status"], mine["decided_by"]) == ("expired", None)
    assert demo.ok("sweep")["requests_expired"] == 0  # nothing twice
    demo.fails(2, "demo", "jump", "soon", match="7d")
