"""The one set of validators (services.validators): UPNs as Entra ID checks them, names without
control or invisible characters, warnings for names mixing scripts, and the length caps; for
any text, the only exception is the validation error."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.errors import UsageError
from desktop.services import validators
from desktop.services.validators import InvalidValue

GOOD_UPNS = [
    "bob@contoso.test",
    "Adele.Vance@Contoso.com",
    "o'brien@contoso.test",
    "a-b_c!d#e^f~g@contoso.test",
    # a guest: name_domain#EXT#@tenant.onmicrosoft.com
    "heidi_fabrikam.test#EXT#@contoso.onmicrosoft.com",
    "x" * 64 + "@" + "d" * 44 + ".com",  # 64 + 1 + 48 = 113
]
BAD_UPNS = [
    ("not an upn", "a space is not allowed"),
    ("b\u043eb@contoso.test", "U+043E CYRILLIC SMALL LETTER O"),  # a homoglyph "о"
    ("b\u0430b@contoso.test", "U+0430 CYRILLIC SMALL LETTER A"),
    ("bob\x1b[31m@contoso.test", "a control character (U+001B)"),
    ("bob\u202e@contoso.test", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("bob+tag@contoso.test", "'+'"),
    ("bob", "exactly one @, not 0"),
    ("a@b@contoso.test", "exactly one @, not 2"),
    ("@contoso.test", "nothing before the @"),
    (".bob@contoso.test", "may not start with a ."),
    ("bob.@contoso.test", "a . right before the @"),
    ("x" * 65 + "@contoso.test", "65 characters before the @; at most 64"),
    ("bob@" + "d" * 45 + ".com", "49 characters after the @; at most 48"),
    ("bob@localhost", "not a domain"),
    ("bob@contoso..test", "not a domain"),
    ("bob@", "not a domain"),
    ("", "it is empty"),
]


@pytest.mark.parametrize("value", GOOD_UPNS)
def test_valid_upns_are_kept_lower_case(value: str) -> None:
    assert validators.upn(f"  {value} ") == value.lower()


@pytest.mark.parametrize(("value", "why"), BAD_UPNS)
def test_invalid_upns_are_refused_saying_why(value: str, why: str) -> None:
    with pytest.raises(InvalidValue) as info:
        validators.upn(value)
    message = str(info.value)
    assert why in message
    assert "not a user principal name like name@example.com" in message
    assert message.isprintable()  # a control character is named, never printed
    assert info.value.exit_code == 2


REFUSED_TEXTS = [
    ("Evil\x1b[31mred", "the name contains a control character (U+001B)"),
    ("two\rlines", "the name contains a control character (U+000D)"),
    ("two\nlines", "the name contains a control character (U+000A)"),
    ("a\ttab", "the name contains a control character (U+0009)"),
    ("evil\u202eeulav", "invisible formatting character (U+202E RIGHT-TO-LEFT OVERRIDE)"),
    ("zero\u200bwidth", "(U+200B ZERO WIDTH SPACE)"),
    ("bom\ufeff", "(U+FEFF ZERO WIDTH NO-BREAK SPACE)"),
    ("lone\ud800", "a character that is not valid text (U+D800)"),
    ("line\u2028sep", "a line break (U+2028 LINE SEPARATOR)"),
    ("x" * 256, "the name may have at most 255 characters (this one has 256)"),
]


@pytest.mark.parametrize(("value", "message"), REFUSED_TEXTS)
def test_names_refuse_control_and_invisible_characters(value: str, message: str) -> None:
    with pytest.raises(InvalidValue) as info:
        validators.text(value, "the name")
    assert message in str(info.value)
    assert str(info.value).startswith("the name ")
    assert info.value.problem in str(info.value)


@pytest.mark.parametrize(("value", "expected"), [
    ("  Renée Ōtsuka  ", "Renée Ōtsuka"),
    ("山田 太郎", "山田 太郎"),
    ("x" * 255, "x" * 255),
    ("", None),
    ("   ", None),
    (None, None),
])
def test_names_that_pass(value: str | None, expected: str | None) -> None:
    assert validators.text(value, "the name") == expected


def test_texts_of_several_lines_keep_new_lines_and_tabs_only() -> None:
    assert validators.text("first\r\nsecond\tcol\n", "the reason", lines=True) == \
        "first\nsecond\tcol"
    with pytest.raises(InvalidValue, match=r"U\+001B"):
        validators.text("a\nb\x1b", "the reason", lines=True)
    with pytest.raises(InvalidValue, match=r"U\+202E"):
        validators.text("a\n\u202eb", "the reason", lines=True)


def test_a_required_name_says_it_is_missing() -> None:
    with pytest.raises(UsageError, match="a group needs a name"):
        validators.name("  ", "the group name", "a group needs a name")
    assert validators.name(" Sales ", "the group name", "a group needs a name") == "Sales"


@pytest.mark.parametrize(("value", "warned"), [
    ("P\u0430ul Smith", "mixes Latin and Cyrillic letters in one word ('Pаul')"),  # Cyrillic а
    ("\u0391lice", "mixes Greek and Latin"),  # Greek capital alpha
    ("Иван Smith", None),  # two words, each in one script
    ("Paul Smith", None),
    ("やまだ山田", None),  # Japanese writes kana and kanji in one word
    ("김山田", None),
    ("", None),
])
def test_names_mixing_scripts_in_a_word_are_warned_about(value: str, warned: str | None) -> None:
    found = validators.mixed_scripts(value, "the display name")
    if warned is None:
        assert found is None
    else:
        assert found is not None
        assert found.startswith("the display name mixes")
        assert warned in found


@pytest.mark.parametrize(("value", "ok"), [
    ("41W1zT6z1U-kJxf62svfp1HFE8pMZhxDun-ThPczmJE", True),
    ("AAAACgAAfes7-Alice-SF-Std-000000000000000001", True),
    ("../../etc/passwd", False),
    ("a b", False),
    ("x" * 256, False),
])
def test_graph_object_ids(value: str, ok: bool) -> None:
    if ok:
        assert validators.object_id(value, "id") == value
    else:
        with pytest.raises(InvalidValue, match="not a Graph object id"):
            validators.object_id(value, "id")


def test_caps_are_declared_once() -> None:
    from desktop.cli import MAX_ARGUMENT
    from desktop.services import lookup

    assert MAX_ARGUMENT is validators.MAX_ARGUMENT
    assert lookup.MAX_ID is validators.MAX_INT64
    assert validators.MAX_INT64 == 2**63 - 1
    assert (validators.MAX_UPN_LOCAL, validators.MAX_UPN_DOMAIN, validators.MAX_UPN) == \
        (64, 48, 113)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.booleans())
def test_any_text_is_either_accepted_or_refused_with_the_validation_error(
        value: str, lines: bool) -> None:
    refusals = []
    for check in (lambda: validators.text(value, "the name", lines=lines),
                  lambda: validators.upn(value),
                  lambda: validators.object_id(value, "id")):
        try:
            result = check()
        except InvalidValue as exc:  # anything else fails the test
            refusals.append(str(exc))
        else:
            assert result is None or isinstance(result, str)
    assert all(message.isprintable() for message in refusals)  # one line, nothing raw
    warning = validators.mixed_scripts(value, "the name")
    assert warning is None or warning.isprintable()


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=120))
def test_accepted_upns_hold_only_what_entra_allows(value: str) -> None:
    try:
        result = validators.upn(value)
    except InvalidValue:
        return
    local, at, domain = result.partition("@")
    assert at
    assert 0 < len(local) <= 64
    assert 0 < len(domain) <= 48
    assert all(c.isascii() and (c.isalnum() or c in "'.-_!#^~@") for c in result)
