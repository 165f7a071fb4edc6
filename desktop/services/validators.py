"""The one set of checks on what people type and imports bring: user principal names as
Microsoft Entra ID checks them, texts without control characters, and every length cap.

The command line, the windows (through the services) and the Graph import all call these, so a
value one of them refuses, the others refuse too. Plain Python: no Qt, no database."""

from __future__ import annotations

import re
import unicodedata

from desktop.errors import UsageError

# --- caps: the single source of every length limit -----------------------------------------

# A user principal name, as Entra ID counts it: 64 characters before the @, 48 after, 113 in
# all (a guest's name_domain#EXT#@tenant.onmicrosoft.com fits).
MAX_UPN = 113
MAX_UPN_LOCAL = 64
MAX_UPN_DOMAIN = 48
# A one-line text column (peewee's CharField): names, mail, department, publisher, URLs.
# PostgreSQL refuses a longer value, so nothing longer may reach the database.
MAX_TEXT = 255
# A group's or an application's description, as Entra ID caps it.
MAX_DESCRIPTION = 1024
# What a requester writes to the approvers, and a reason a requester reads.
MAX_JUSTIFICATION = 500
MAX_REASON = 1000
# A user name or password an approver stores for password-based single sign-on.
MAX_SECRET = 256
# One command-line argument: more than any name, UPN, reason, path or search needs, and far
# below what SQLite refuses to match (a LIKE pattern of 50,000 bytes).
MAX_ARGUMENT = 4096
# Approvers of one application's self-service (rule 4).
MAX_APPROVERS = 10
# Ids are 64-bit integers in both databases: a longer number names nothing.
MAX_INT64 = 2**63 - 1

# What Entra ID allows in a user principal name, besides the one @.
UPN_CHARACTERS = "A-Z a-z 0-9 ' . - _ ! # ^ ~"
_UPN_CHARACTER = re.compile(r"[A-Za-z0-9'._!#^~-]")
_DOMAIN = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
# A Graph object's id that is not a GUID (an appRoleAssignment's): base64url.
_OBJECT_ID = re.compile(r"[A-Za-z0-9_-]+={0,2}")


class InvalidValue(UsageError):
    """A value refused (exit 2). `problem` says what is wrong without naming the field, for
    callers that name it their own way (the Graph import names the JSON property)."""

    def __init__(self, message: str, problem: str) -> None:
        super().__init__(message)
        self.problem = problem


def shown(value: str, limit: int = 60) -> str:
    """A value quoted for a message, control characters escaped, cut to `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 2] + "…'"


def code_point(char: str) -> str:
    """'U+043E CYRILLIC SMALL LETTER O', or 'U+001B' for a character without a name."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def _refused_character(char: str, lines: bool) -> str | None:
    """What a character is when a text may not hold it, else None."""
    if lines and char in "\n\t":
        return None
    category = unicodedata.category(char)
    if category == "Cc":
        return f"a control character (U+{ord(char):04X})"
    if category == "Cf":
        return f"an invisible formatting character ({code_point(char)})"
    if category == "Cs":
        return f"a character that is not valid text (U+{ord(char):04X})"
    if category in ("Zl", "Zp"):
        return f"a line break ({code_point(char)})"
    return None


# --- texts ------------------------------------------------------------------------------------


def text(value: str | None, what: str, *, cap: int | None = MAX_TEXT, lines: bool = False,
         required: str | None = None) -> str | None:
    """`value` without surrounding spaces, or None when empty (refused with the message
    `required` when one is given). Refused: control characters (escape sequences, carriage
    returns, new lines, tabs), invisible formatting characters (bidirectional overrides,
    zero-width spaces), text that is not valid Unicode, and more than `cap` characters.
    `lines`: a text of several lines (a description, a reason) may hold new lines and tabs;
    Windows' CR LF becomes LF. `what` names the field in messages: "the display name"."""
    if value is None:
        value = ""
    if lines:
        value = value.replace("\r\n", "\n")
    value = value.strip()
    if not value:
        if required:
            raise UsageError(required)
        return None
    for char in value:
        found = _refused_character(char, lines)
        if found:
            problem = f"contains {found}"
            raise InvalidValue(f"{what} {problem}", problem)
    if cap is not None and len(value) > cap:
        problem = f"may have at most {cap:,} characters (this one has {len(value):,})"
        raise InvalidValue(f"{what} {problem}", problem)
    return value


def name(value: str | None, what: str, required: str) -> str:
    """A name that must be given: `text` on one line, at most MAX_TEXT characters."""
    checked = text(value, what, required=required)
    assert checked is not None
    return checked


# --- user principal names ---------------------------------------------------------------------


def upn(value: str) -> str:
    """The user principal name, lower-case (they compare case-insensitively), checked as
    Entra ID checks it: only A-Z a-z 0-9 ' . - _ ! # ^ ~ around exactly one @, no . first
    or right before the @, at most 64 characters before the @, 48 after and 113 in all; the
    part after the @ is a domain. A look-alike letter (a Cyrillic "о") is refused."""
    value = (value or "").strip()
    why = _upn_problem(value)
    if why:
        problem = f"not a user principal name like name@example.com: {why}"
        raise InvalidValue(f"{shown(value)} is {problem}", problem)
    return value.lower()


def _upn_problem(value: str) -> str | None:
    if not value:
        return "it is empty"
    for char in value:
        if char != "@" and not _UPN_CHARACTER.fullmatch(char):
            found = _refused_character(char, False) or (
                "a space" if char == " " else f"{char!r} ({code_point(char)})")
            return f"{found} is not allowed; only {UPN_CHARACTERS} and one @ are"
    if value.count("@") != 1:
        return f"it needs exactly one @, not {value.count('@')}"
    local, _, domain = value.partition("@")
    if not local:
        return "nothing before the @"
    if local.startswith("."):
        return "it may not start with a ."
    if local.endswith("."):
        return "a . right before the @ is not allowed"
    if len(local) > MAX_UPN_LOCAL:
        return f"{len(local)} characters before the @; at most {MAX_UPN_LOCAL} are allowed"
    if len(domain) > MAX_UPN_DOMAIN:
        return f"{len(domain)} characters after the @; at most {MAX_UPN_DOMAIN} are allowed"
    if len(value) > MAX_UPN:
        return f"{len(value)} characters; at most {MAX_UPN} are allowed"
    if not _DOMAIN.fullmatch(domain):
        return f"{shown(domain)} after the @ is not a domain like example.com"
    return None


def object_id(value: str, what: str) -> str:
    """A Graph object's id that is not a GUID (an appRoleAssignment's: base64url), so that an
    id like ../../etc/passwd never reaches the database or a file name."""
    if not _OBJECT_ID.fullmatch(value) or len(value) > MAX_TEXT:
        problem = f"holds {shown(value)}, not a Graph object id"
        raise InvalidValue(f"{what} {problem}", problem)
    return value


# --- warnings ---------------------------------------------------------------------------------

# Scripts that are written together in one word (Japanese, Korean, Chinese with Bopomofo).
_EAST_ASIAN = {"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "KATAKANA-HIRAGANA"}
# Words a character's name starts with that say nothing of its script.
_PREFIXES = {"FULLWIDTH", "HALFWIDTH", "SMALL", "CAPITAL", "PARENTHESIZED", "CIRCLED",
             "NEGATIVE", "SQUARED"}


def _script(char: str) -> str | None:
    """The script a letter belongs to, from its Unicode name ('LATIN', 'CYRILLIC', ...)."""
    if not char.isalpha():
        return None
    words = unicodedata.name(char, "").split()
    while words and words[0] in _PREFIXES:
        words = words[1:]
    if not words or words[0] == "MODIFIER":
        return None
    return "East Asian" if words[0] in _EAST_ASIAN else words[0].title()


def mixed_scripts(value: str | None, what: str) -> str | None:
    """A warning when one word of a name mixes letters of several scripts (a Cyrillic "а" in
    a Latin name looks the same and makes it another name), else None. Not a refusal: a
    name may be written so on purpose."""
    for word in (value or "").split():
        scripts = list(dict.fromkeys(s for s in map(_script, word) if s))
        if len(scripts) > 1:
            return (f"{what} mixes {' and '.join(scripts)} letters in one word ({shown(word)}): "
                    "it may look like another name")
    return None
