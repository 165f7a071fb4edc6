"""Signing in: --as, ACCESS_DESK_PASSWORD, never a piped stdin; the demo asks for nothing."""

from __future__ import annotations

from .conftest import (
    ADMIN_PASSWORD,
    CAROL_PASSWORD,
    DAVE_PASSWORD,
    DEMO_ADMIN,
    USER_KEYS,
    Cli,
    upn,
)

GENERIC = "unknown user or wrong password"


def test_plain_database_sign_in_rules(plain: Cli) -> None:
    plain.fails(3, "whoami", as_upn=None, password=None, match="sign in with --as UPN")

    wrong = plain.fails(3, "whoami", as_upn="carol@example.test",
                        password="not-carols-password")
    unknown = plain.fails(3, "whoami", as_upn="nobody@example.test", password=CAROL_PASSWORD)
    assert wrong.stderr == unknown.stderr == f"access-desk: {GENERIC}\n"
    # disabled, even with his right password: the same message
    disabled = plain.fails(3, "whoami", as_upn="dave@example.test", password=DAVE_PASSWORD)
    assert disabled.stderr == unknown.stderr

    plain.fails(3, "whoami", as_upn="bob@example.test", password="anything-at-all",
                match="ask an administrator to set a password")

    me = plain.ok("whoami", as_upn="Carol@Example.Test", password=CAROL_PASSWORD)
    assert set(me) == USER_KEYS
    assert me == {"upn": "carol@example.test", "name": "Carol", "mail": None,
                  "department": None, "license": "p1", "roles": [], "enabled": True,
                  "user_type": "member", "external_user_state": None}


def test_piped_stdin_is_never_the_sign_in_password(plain: Cli) -> None:
    piped = plain.fails(3, "whoami", as_upn="carol@example.test", password=None,
                        stdin=f"{CAROL_PASSWORD}\n")
    assert piped.error == GENERIC
    # `users passwd` owns its stdin, but only after a sign-in that did not read it
    plain.fails(3, "users", "passwd", as_upn="carol@example.test", password=None,
                stdin=f"{CAROL_PASSWORD}\nbrand-new-password-9\n", match=GENERIC)
    # so the password did not change
    assert plain.ok("whoami", as_upn="carol@example.test",
                    password=CAROL_PASSWORD)["upn"] == "carol@example.test"
    log = plain.log_text()
    assert "whoami" in log
    for secret in (ADMIN_PASSWORD, CAROL_PASSWORD, "brand-new-password-9"):
        assert secret not in log


def test_demo_sign_in_asks_for_no_password(demo: Cli) -> None:
    assert demo.ok("whoami")["upn"] == DEMO_ADMIN
    alice = demo.ok("whoami", as_upn="Alice.Wu@CONTOSO.example")
    assert alice == {"upn": upn("alice.wu"), "name": "Alice Wu", "mail": upn("alice.wu"),
                     "department": "Sales", "license": "p2", "roles": [], "enabled": True,
                     "user_type": "member", "external_user_state": None}
    # a password in the environment is not checked on a demo database
    assert demo.ok("whoami", as_upn=upn("rahul.mehta"),
                   password="whatever-it-is")["roles"] == ["cloud_app_admin"]
    demo.fails(3, "whoami", as_upn=upn("sean.murphy"), match=upn("sean.murphy"))
    demo.fails(3, "whoami", as_upn=upn("nobody"))
