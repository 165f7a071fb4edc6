"""Signing in (the rights table's first row), throttling, password storage and changes."""

from __future__ import annotations

import datetime as dt
import hmac

import pytest

from desktop.errors import NotSignedIn, Refused
from desktop.models import SignInFailure, User
from desktop.services import auth, directory, passwords

PASSWORD = "tangerine-kettle-42"


@pytest.fixture
def carol(make, admin):
    person = make.user("carol")
    auth.set_password(admin, person.upn, PASSWORD)
    return User.get_by_id(person.id)


def test_enabled_user_signs_in_with_his_password(carol):
    assert auth.sign_in(carol.upn.upper(), PASSWORD).id == carol.id  # UPNs ignore case


def test_wrong_password_and_unknown_upn_give_the_same_message(carol, dump):
    before = dump()
    with pytest.raises(NotSignedIn) as wrong:
        auth.sign_in(carol.upn, PASSWORD + "x")
    with pytest.raises(NotSignedIn) as unknown:
        auth.sign_in("nobody@example.test", PASSWORD)
    assert str(wrong.value) == str(unknown.value)
    assert carol.upn not in str(wrong.value)
    assert dump() == before


def test_user_without_password_is_told_to_ask_an_administrator(make, refused):
    person = make.user("nopass")
    refused(NotSignedIn, "ask an administrator to set a password", auth.sign_in,
            person.upn, "whatever-it-is")


def test_non_demo_database_needs_the_password(carol, refused):
    refused(NotSignedIn, auth.GENERIC, auth.sign_in, carol.upn, None)
    refused(NotSignedIn, auth.GENERIC, auth.sign_in, carol.upn, "")


def test_disabled_user_never_signs_in(carol, admin, refused):
    directory.update_user(admin, carol.upn, enabled=False)
    refused(NotSignedIn, auth.GENERIC, auth.sign_in, carol.upn, PASSWORD)


def test_demo_database_signs_in_without_password(demo, refused):
    person = auth.sign_in("alice.wu@contoso.example", None)
    assert person.upn == "alice.wu@contoso.example"
    assert auth.sign_in("ALICE.WU@contoso.example", "anything").id == person.id
    refused(NotSignedIn, "no enabled demo user", auth.sign_in, "nobody@contoso.example", None)


def test_demo_database_disabled_user_never_signs_in(demo, refused):
    directory.update_user(demo, "alice.wu@contoso.example", enabled=False)
    refused(NotSignedIn, "no enabled demo user", auth.sign_in, "alice.wu@contoso.example", None)


def test_sixth_attempt_after_five_failures_waits_even_with_the_right_password(
        carol, dump, monkeypatch):
    before = dump()
    for _ in range(auth.FREE_FAILURES):
        with pytest.raises(NotSignedIn, match=auth.GENERIC):
            auth.sign_in(carol.upn, "wrong-password-here")
    with pytest.raises(NotSignedIn, match=r"try again in \d+ seconds?") as info:
        auth.sign_in(carol.upn, PASSWORD)
    assert "too many failed sign-ins" in str(info.value)
    assert dump() == before  # only sign_in_failure changed
    row = SignInFailure.get(SignInFailure.upn == carol.upn)
    assert row.failures == auth.FREE_FAILURES
    # Once the wait is over, the right password works and the count is forgotten.
    later = row.last_failed_at + dt.timedelta(seconds=auth.throttle_delay(row.failures) + 1)
    monkeypatch.setattr(auth, "now", lambda: later)
    assert auth.sign_in(carol.upn, PASSWORD).id == carol.id
    assert not SignInFailure.select().exists()


def test_throttle_counts_unknown_upns_too(db, dump):
    before = dump()
    for _ in range(auth.FREE_FAILURES):
        with pytest.raises(NotSignedIn):
            auth.sign_in("ghost@example.test", "x")
    with pytest.raises(NotSignedIn, match="try again"):
        auth.sign_in("ghost@example.test", "x")
    assert dump() == before


def test_throttle_delay_grows():
    assert [auth.throttle_delay(n) for n in range(8)] == [0, 0, 0, 0, 0, 2, 4, 8]
    assert auth.throttle_delay(100) == auth.MAX_DELAY_S


# --- how passwords are kept -----------------------------------------------------------------------


def test_hashes_never_equal_or_contain_the_password(carol):
    stored = carol.password_hash
    assert stored != PASSWORD
    assert PASSWORD not in stored
    again = passwords.hash_password(PASSWORD)
    assert again != stored  # salted
    assert PASSWORD not in again
    assert passwords.verify_password(PASSWORD, stored)
    assert not passwords.verify_password(PASSWORD + "!", stored)


def test_verify_password_compares_in_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    stored = passwords.hash_password(PASSWORD)
    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert passwords.verify_password(PASSWORD, stored)
    assert not passwords.verify_password("nope-nope-nope", stored)
    assert len(calls) == 2


def test_unknown_user_costs_a_hash_but_never_verifies():
    assert passwords.verify_password("", None) is False
    assert passwords.verify_password("anything-at-all", "") is False
    assert passwords.verify_password("anything-at-all", "md5$abc") is False


@pytest.mark.parametrize("length", [0, 1, 11])
def test_passwords_shorter_than_12_refused(carol, admin, refused, length):
    short = "k" * length
    error = refused(Refused, "12 characters", auth.set_password, admin, carol.upn, short)
    assert error.rule == "password policy"
    refused(Refused, "12 characters", auth.change_own_password, carol, PASSWORD, short)


def test_adding_a_user_with_a_short_password_refused(admin, refused):
    refused(Refused, "12 characters", directory.add_user, admin, "new@example.test", "New",
            password="short")


def test_twelve_characters_are_enough(carol):
    auth.change_own_password(carol, PASSWORD, "abcdefghijkl")
    assert auth.sign_in(carol.upn, "abcdefghijkl").id == carol.id


# --- changing one's own password: any signed-in user ---------------------------------------------


def test_any_user_changes_his_own_password(carol, refused):
    auth.change_own_password(carol, PASSWORD, "a-new-long-password")
    refused(NotSignedIn, auth.GENERIC, auth.sign_in, carol.upn, PASSWORD)
    assert auth.sign_in(carol.upn, "a-new-long-password").id == carol.id


def test_changing_own_password_needs_the_current_one(carol, refused):
    refused(Refused, "current password is wrong", auth.change_own_password, carol,
            "not-my-password", "a-new-long-password")


def test_a_disabled_user_cannot_change_his_password(carol, admin, refused):
    directory.update_user(admin, carol.upn, enabled=False)
    refused(NotSignedIn, "disabled", auth.change_own_password, carol, PASSWORD,
            "a-new-long-password")


def test_the_wait_is_said_as_people_say_it():
    assert [auth.wait_words(s) for s in (1, 2, 59, 60, 61, 900)] == [
        "1 second", "2 seconds", "59 seconds", "1 minute", "2 minutes", "15 minutes"]


def test_one_second_left_reads_one_second(carol, monkeypatch):
    for _ in range(auth.FREE_FAILURES):
        with pytest.raises(NotSignedIn):
            auth.sign_in(carol.upn, "wrong-password-here")
    row = SignInFailure.get(SignInFailure.upn == carol.upn)
    almost = row.last_failed_at + dt.timedelta(seconds=auth.throttle_delay(row.failures) - 0.5)
    monkeypatch.setattr(auth, "now", lambda: almost)
    with pytest.raises(NotSignedIn) as info:
        auth.sign_in(carol.upn, PASSWORD)
    assert str(info.value).endswith("try again in 1 second")
