"""--version, --help and argparse's usage errors: no database, no sign-in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from desktop import __version__

from .conftest import base_env, run_cli


def test_version_and_help_need_no_database(home: Path) -> None:
    version = run_cli(home, "--version")
    assert version.rc == 0, version
    assert version.stdout.strip() == f"access-desk {__version__}"

    helped = run_cli(home, "--help")
    assert helped.rc == 0, helped
    text = helped.stdout
    assert "exit codes" in text
    for code, word in ((0, "done"), (2, "usage"), (3, "refused"), (4, "not found"),
                       (5, "conflict")):
        assert f"{code} {word}" in text, (code, word)
    assert "--as UPN" in text
    assert "ACCESS_DESK_PASSWORD" in text
    # nothing was created: --version and --help open no database
    assert not list(home.glob("*.db"))


def test_console_script_is_the_same_program(home: Path) -> None:
    script = Path(sys.executable).parent / "access-desk"
    proc = subprocess.run([str(script), "--version"], env=base_env(home), capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"access-desk {__version__}"


def test_usage_errors_exit_2(home: Path) -> None:
    bare = run_cli(home)
    assert bare.rc == 2, bare
    assert bare.stdout == "", "a usage error prints nothing on stdout"
    assert "name a command" in bare.stderr

    unknown_option = run_cli(home, "--bogus", "whoami")
    assert unknown_option.rc == 2, unknown_option
    assert "unrecognized arguments: --bogus" in unknown_option.stderr

    unknown_command = run_cli(home, "frobnicate")
    assert unknown_command.rc == 2, unknown_command
    assert "invalid choice" in unknown_command.stderr

    negative = run_cli(home, "--db", "demo", "users", "list", "--limit", "-1")
    assert negative.rc == 2, negative
    assert "--limit: must be 0 or more" in negative.stderr
    assert not list(home.glob("*.db")), "a usage error opened a database"
