"""Bad input of any kind gets exit 2, 3 or 4 and one clear line, never exit 1 (issue 17,
items 5-8): bytes that are not UTF-8, integers past 64 bits, absurdly long strings, usage
errors."""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.cli import main
from desktop.cli.parser import build_parser

from .conftest import base_env, dump, upn

NOT_UTF8 = os.fsdecode(b"\xff\xfe caf\xe9")  # what Python makes of such bytes in argv
HUGE = "99999999999999999999"


@pytest.mark.parametrize("args", [
    ("apps", "add", NOT_UTF8),
    ("catalog", "--search", NOT_UTF8),
    ("deny", "1", "--reason", NOT_UTF8),
    ("users", "show", NOT_UTF8),
])
def test_arguments_that_are_not_utf8_are_a_usage_error(demo, args):
    before = dump(demo.db_path)
    result = demo.fails(2, *args, match="not valid UTF-8")
    assert result.error.startswith("argument ")
    assert dump(demo.db_path) == before


def test_a_sign_in_name_that_is_not_utf8_is_a_usage_error(demo):
    demo.fails(2, "catalog", as_upn=NOT_UTF8, match="not valid UTF-8")


def test_a_password_on_stdin_that_is_not_utf8_is_a_usage_error(demo):
    before = dump(demo.db_path)
    proc = subprocess.run(
        [sys.executable, "-m", "desktop", "--db", demo.db, "users", "set-password",
         upn("carlos.mendes"), "--password-stdin"],
        input=b"\xff\xfe" * 8 + b"\n", capture_output=True, timeout=60,
        env=base_env(demo.home))
    assert proc.returncode == 2, proc
    assert proc.stderr.decode().strip() == "access-desk: the input is not valid UTF-8 text"
    assert dump(demo.db_path) == before


@pytest.mark.parametrize(("args", "rc"), [
    (("approve", HUGE), 4),
    (("request", "show", HUGE), 4),
    (("apps", "show", HUGE), 4),
    (("requests", "--all", "--limit", "9223372036854775808"), 2),
    (("requests", "--all", "--offset", HUGE), 2),
    (("selfservice", "set", "Fabrikam CRM", "--enable", "--if-version", HUGE), 2),
])
def test_integers_past_64_bits_are_refused_cleanly(demo, args, rc):
    demo.fails(rc, *args)


@pytest.mark.parametrize("args", [
    ("catalog", "--search", "a" * 60_000),
    ("audit", "list", "--action", "%" * 60_000),
])
def test_huge_strings_are_refused_with_the_limit(demo, args):
    demo.fails(2, *args, match="at most 4,096")


def test_a_usage_error_is_one_line_naming_the_help(demo):
    result = demo.fails(2, "frobnicate")
    assert "invalid choice" in result.error
    assert result.error.endswith("(see access-desk --help)")
    result = demo.fails(2, "requests", "--limit", "-3")
    assert "must be 0 or more" in result.error


# --- fuzzing the entry function in process --------------------------------------------------

# Windows, the tray and screenshots need a display and an event loop of their own.
NOT_FUZZED = {"gui", "tray", "screenshot"}


def _commands() -> list[list[str]]:
    parser = build_parser()
    found: list[list[str]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if name in NOT_FUZZED:
                    continue
                actions = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
                if actions:
                    found += [[name, verb] for verb in actions[0].choices]
                else:
                    found.append([name])
    return found


COMMANDS = _commands()
OPTIONS = ["--json", "--limit", "--offset", "--search", "--reason", "--all", "--app",
           "--status", "--name", "--format", "--out", "--enable", "--group"]
WORDS = st.one_of(
    st.sampled_from(OPTIONS),
    st.sampled_from([HUGE, "-1", "0", "1", "Fabrikam CRM", upn("carlos.mendes"), NOT_UTF8,
                     "x" * 5000, "\x1b[31mred", "", "%_%", "../../etc/passwd", "9" * 40]),
    st.text(max_size=30),
)


@pytest.fixture
def fuzz_home(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    home = tmp_path_factory.mktemp("fuzz")
    shutil.copy(demo_template, home / "demo.db")
    return home


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(COMMANDS), words=st.lists(WORDS, max_size=4))
def test_no_arguments_reach_an_internal_error(command, words, fuzz_home, monkeypatch, capsys):
    monkeypatch.chdir(fuzz_home)  # any file a command writes lands here
    monkeypatch.setenv("ACCESS_DESK_HOME", str(fuzz_home))
    monkeypatch.delenv("ACCESS_DESK_PASSWORD", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    argv = ["--db", str(fuzz_home / "demo.db"), *command, *words]
    if command == ["serve"]:
        argv.append("--check")  # checks everything a start would, and does not listen
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's --help and usage errors
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code != 1, (argv, err)
    if code != 0:
        assert len(err.strip().splitlines()) == 1, (argv, err)
