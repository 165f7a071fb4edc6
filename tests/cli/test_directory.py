"""users, groups and apps: adding and changing them, rights, the requests they close, and
passwords that reach nothing but the database's hashes."""

from __future__ import annotations

from .conftest import (
    ADMIN_PASSWORD,
    CAROL_PASSWORD,
    GROUP_KEYS,
    USER_KEYS,
    Cli,
    dump,
    sql,
    upn,
)

CAROL = "carol@example.test"


def test_passwords_and_secrets_on_a_plain_database(plain: Cli) -> None:
    new, newer, wrong = "carols-new-password-1", "newer-password-0022", "a-wrong-password-33"
    done = plain.ok("users", "set-password", "Carol@example.test", "--password-stdin",
                    stdin=f"{new}\n")
    assert done == {"upn": CAROL, "password_set": True}

    before = dump(plain.db_path)
    plain.fails(3, "users", "set-password", CAROL, "--password-stdin", stdin="short\n",
                match="at least 12 characters")
    plain.fails(3, "users", "set-password", "bob@example.test", "--password-stdin",
                as_upn=CAROL, password=new, stdin="bobs-password-0001\n",
                match="only a Global Administrator")
    plain.fails(3, "users", "passwd", as_upn=CAROL, password=new,
                stdin=f"{wrong}\n{newer}\n", match="current password")
    assert dump(plain.db_path) == before

    changed = plain.ok("users", "passwd", as_upn=CAROL, password=new,
                       stdin=f"{new}\n{newer}\n")
    assert changed == {"upn": CAROL, "password_changed": True}
    failed = plain.fails(3, "whoami", as_upn=CAROL, password=wrong)
    assert plain.ok("whoami", as_upn=CAROL, password=newer)["upn"] == CAROL

    # no password anywhere: not in the log file, not in the messages
    log = plain.log_text()
    assert "users set-password" in log
    assert "users passwd" in log
    for secret in (new, newer, wrong, CAROL_PASSWORD, ADMIN_PASSWORD):
        assert secret not in log, secret
        assert secret not in failed.stderr
    assert "*" not in failed.stderr


def test_users_add_set_roles_license_and_rights(demo: Cli) -> None:
    added = demo.ok("users", "add", "Zoe.Field@Contoso.example", "--name", "Zoe Field",
                    "--mail", "zoe@contoso.example", "--department", "Sales",
                    "--license", "p1", "--role", "app_admin", "--role", "cloud_app_admin")
    assert added == {"upn": "zoe.field@contoso.example", "name": "Zoe Field",
                     "mail": "zoe@contoso.example", "department": "Sales", "license": "p1",
                     "roles": ["cloud_app_admin", "app_admin"], "enabled": True,
                     "user_type": "member", "external_user_state": None}
    changed = demo.ok("users", "set", "zoe.field@contoso.example", "--license", "p2",
                      "--role", "global_admin", "--name", "Zoe F.")
    assert changed == dict(added, license="p2", roles=["global_admin"], name="Zoe F.")
    cleared = demo.ok("users", "set", "ZOE.FIELD@contoso.example", "--no-roles",
                      "--license", "none")
    assert cleared == dict(changed, roles=[], license="none")
    assert set(cleared) == USER_KEYS
    guest = demo.ok("users", "add", "ann_fabrikam.example#EXT#@contoso.example", "--name", "Ann",
                    "--license", "p1", "--guest")
    assert (guest["user_type"], guest["external_user_state"]) == ("guest", None)
    assert demo.ok("users", "show", guest["upn"]) == guest
    listed = {u["upn"]: u["user_type"] for u in demo.ok("users", "list", "--search", "ann")}
    assert listed[guest["upn"]] == "guest"

    before = dump(demo.db_path)
    demo.fails(3, "users", "add", "x@contoso.example", "--name", "X",
               as_upn=upn("rahul.mehta"), match="only a Global Administrator")
    demo.fails(3, "users", "set", upn("alice.wu"), "--license", "none",
               as_upn=upn("ingrid.solberg"), match="only a Global Administrator")
    demo.fails(3, "users", "set", upn("megan.bowen"), "--disable",
               match="cannot disable your own account")
    demo.fails(2, "users", "set", upn("alice.wu"), match="nothing to change")
    assert dump(demo.db_path) == before


def test_disabling_and_unlicensing_close_pending_requests(demo: Cli) -> None:
    kwame = {r[0] for r in sql(demo.db_path, "SELECT r.id FROM access_request r JOIN user u "
                                             "ON u.id = r.requester_id WHERE u.upn = ? AND "
                                             "r.status = 'pending'", upn("kwame.asante"))}
    assert len(kwame) == 2
    disabled = demo.ok("users", "set", "Kwame.Asante@contoso.example", "--disable")
    assert disabled["enabled"] is False
    every = {r["id"]: r for r in demo.ok("requests", "--all")}
    for rid in kwame:
        assert every[rid]["status"] == "closed"
        assert every[rid]["reason"] == f"the account {upn('kwame.asante')} was disabled"
        assert every[rid]["decided_by"] == upn("megan.bowen")
    demo.fails(3, "whoami", as_upn=upn("kwame.asante"))

    # a disabled approver leaves the lists; a request nobody can decide is closed (rule 15)
    demo.ok("users", "set", upn("johan.berg"), "--disable")
    tailspin = demo.ok("requests", "--all", "--app", "Tailspin Travel", "--status", "closed")
    assert [(r["requester"], r["decided_by"]) for r in tailspin] \
        == [(upn("kofi.mensah"), upn("megan.bowen"))]
    assert "no eligible approver" in tailspin[0]["reason"]

    # losing the license closes Fatima's pending Adatum Payroll request (rule 11)
    demo.ok("users", "set", upn("fatima.benali"), "--license", "none")
    fatima = demo.ok("requests", "--status", "closed", as_upn=upn("fatima.benali"))
    assert [r["app"] for r in fatima] == ["Adatum Payroll"]
    assert "license" in fatima[0]["reason"]


def test_groups(demo: Cli) -> None:
    made = {}
    for name, flags in (("Plain", []), ("Dist", ["--distribution", "--on-prem-synced"]),
                        ("MailSec", ["--mail-enabled", "--description", "Month end"]),
                        ("Dyn", ["--dynamic"])):
        made[name] = demo.ok("groups", "add", name, *flags)
        assert set(made[name]) == GROUP_KEYS
        assert made[name]["members"] == 0
    kinds = {n: (g["security_enabled"], g["mail_enabled"], g["on_prem_synced"], g["dynamic"])
             for n, g in made.items()}
    assert kinds == {"Plain": (True, False, False, False), "Dist": (False, True, True, False),
                     "MailSec": (True, True, False, False), "Dyn": (True, False, False, True)}

    one = demo.ok("groups", "add-member", "plain", "ALICE.WU@contoso.example")
    assert (one["name"], one["members"]) == ("Plain", 1)
    members = demo.ok("groups", "members", "Plain")
    assert [m["upn"] for m in members] == [upn("alice.wu")]
    assert set(members[0]) == USER_KEYS

    before = dump(demo.db_path)
    demo.fails(5, "groups", "add-member", "Plain", upn("alice.wu"), match="already a member")
    demo.fails(3, "groups", "add-member", "All Staff (on-premises)", upn("hana.kim"),
               "--json", match="rule 3")
    demo.fails(3, "groups", "add-member", "dyn", upn("hana.kim"), match="dynamic membership")
    demo.fails(3, "groups", "add-member", "Plain", upn("hana.kim"), as_upn=upn("alice.wu"),
               match="rights table")
    demo.fails(4, "groups", "remove-member", "Plain", upn("liam.oconnor"),
               match="not a member")
    assert dump(demo.db_path) == before

    left = demo.ok("groups", "remove-member", "Plain", upn("alice.wu"))
    assert (left["name"], left["members"]) == ("Plain", 0)


def test_apps_add_and_public_client_closes_requests(demo: Cli) -> None:
    app = demo.ok("apps", "add", "Graphic Tool", "--publisher", "Acme", "--sso", "password",
                  "--origin", "consent", "--role", "Editor:Image editor", "--role", "Viewer",
                  "--app-role", "Sync.Job:Nightly sync")
    assert (app["name"], app["publisher"]) == ("Graphic Tool", "Acme")
    assert (app["origin"], app["sso"]) == ("consent", "password")
    assert (app["public_client"], app["hidden"], app["self_service"]) == (False, False, False)
    assert app["roles"] == [
        {"value": "Editor", "name": "Image editor", "user_assignable": True, "enabled": True},
        {"value": "Sync.Job", "name": "Nightly sync", "user_assignable": False,
         "enabled": True},
        {"value": "Viewer", "name": "Viewer", "user_assignable": True, "enabled": True},
    ]
    hidden = demo.ok("apps", "add", "Hidden Thing", "--public-client", "--hidden",
                     "--origin", "custom")
    assert (hidden["public_client"], hidden["hidden"], hidden["origin"]) \
        == (True, True, "custom")
    # the application-only role cannot be self-service's role, even while off
    demo.fails(3, "selfservice", "set", "graphic tool", "--role", "Sync.Job",
               match="applications only")

    # Proseware Design has sofia.rossi's pending request; public client flows close it
    pending = sql(demo.db_path, "SELECT r.id FROM access_request r JOIN application a "
                  "ON a.id = r.application_id WHERE a.name = 'Proseware Design' "
                  "AND r.status = 'pending'")
    assert len(pending) == 1
    rid = str(pending[0][0])
    changed = demo.ok("apps", "set", "proseware design", "--public-client")
    assert (changed["name"], changed["public_client"]) == ("Proseware Design", True)
    closed = demo.ok("request", "show", rid, as_upn=upn("sofia.rossi"))
    assert (closed["status"], closed["decided_by"]) == ("closed", upn("megan.bowen"))
    assert "public client flows" in closed["reason"]
    demo.fails(3, "request", "Proseware Design", as_upn=upn("sofia.rossi"),
               match="public client flows")


def test_names_and_upns_are_checked_as_entra_does_and_mixed_scripts_warned(demo: Cli) -> None:
    """Issue 17 item 12: control characters and look-alike letters are refused with exit 2 and
    one line naming the code point; a name mixing scripts is added with a warning line."""
    before = dump(demo.db_path)
    homoglyph = demo.fails(2, "users", "add", "b\u043eb@contoso.example", "--name", "Bob",
                           match="U+043E CYRILLIC SMALL LETTER O")
    assert "not a user principal name" in homoglyph.stderr
    demo.fails(2, "users", "add", "not an upn", "--name", "Bob", match="a space is not allowed")
    escape = demo.fails(2, "users", "add", upn("bob"), "--name", "Bob\x1b[2J",
                        match="the display name contains a control character (U+001B)")
    assert "\x1b" not in escape.stderr
    demo.fails(2, "users", "set", upn("alice.wu"), "--department", "Sa\u202eles",
               match="the department contains an invisible formatting character (U+202E")
    demo.fails(2, "groups", "add", "Ops\u200b", match="U+200B ZERO WIDTH SPACE")
    demo.fails(2, "apps", "add", "CRM\r", "--publisher", "x\ty",
               match="the publisher contains a control character (U+0009)")
    assert dump(demo.db_path) == before

    added = demo.run("users", "add", upn("paul.smith"), "--name", "P\u0430ul Smith", "--json")
    assert added.rc == 0, added
    assert added.json["name"] == "P\u0430ul Smith"
    assert "warnings" not in added.json
    assert added.stderr.strip() == ("access-desk: warning: the display name mixes Latin and "
                                    "Cyrillic letters in one word ('Pаul'): it may look like "
                                    "another name")
