"""packaging/access-desk-server.service: systemd accepts it (`systemd-analyze verify`, never
skipped: systemd's tools are installed when missing), its sandbox scores as `security` rates
it, and the options the server relies on are there."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "packaging" / "access-desk-server.service"
NAME = UNIT.name
BINARY = "/opt/access-desk/bin/access-desk"
# `systemd-analyze security` rates exposure from 0 (none) to 10 (none of it sandboxed); its
# --threshold counts tenths. The unit scores 1.4; anything above 2.0 is a regression.
MAX_EXPOSURE = 20


def systemd_analyze() -> str:
    """The path of systemd-analyze, installing Debian's `systemd` first when it is missing and
    we may (root, apt-get); else the test fails saying what to install: it is never skipped."""
    found = shutil.which("systemd-analyze")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update", "-q"],
                        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "systemd"]):
            subprocess.run(command, env=env, capture_output=True, check=False, timeout=600)
        found = shutil.which("systemd-analyze")
    assert found, "systemd-analyze is missing: apt-get install systemd (as root)"
    return found


def unit_copy(folder: Path, text: str | None = None) -> Path:
    """The unit (or `text`) under its own name in `folder`, its ExecStart pointed at an
    executable that exists: verify refuses a unit whose program is not installed here."""
    program = folder / "bin" / "access-desk"
    program.parent.mkdir(parents=True, exist_ok=True)
    program.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    program.chmod(0o755)
    text = UNIT.read_text(encoding="utf-8") if text is None else text
    assert text.count(f"ExecStart={BINARY} ") <= 1
    path = folder / NAME
    path.write_text(text.replace(f"ExecStart={BINARY} ", f"ExecStart={program} "),
                    encoding="utf-8")
    return path


def verify(path: Path) -> tuple[int, str]:
    """systemd-analyze verify's exit status and everything it printed. Dependencies that are
    not installed here (postgresql.service) and man pages are not its business."""
    done = subprocess.run(
        [systemd_analyze(), "verify", "--man=no", "--recursive-errors=no", path.name],
        cwd=path.parent, capture_output=True, text=True, check=False, timeout=60)
    return done.returncode, (done.stdout + done.stderr).strip()


def exposure_ok(path: Path) -> tuple[bool, str]:
    done = subprocess.run(
        [systemd_analyze(), "security", "--offline=true", f"--threshold={MAX_EXPOSURE}",
         path.name],
        cwd=path.parent, capture_output=True, text=True, check=False, timeout=60)
    return done.returncode == 0, (done.stdout + done.stderr).strip()


def settings(text: str) -> dict[str, list[str]]:
    """Every KEY=value of the [Service] section, repeated keys kept in order."""
    found: dict[str, list[str]] = {}
    section = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and line and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def test_systemd_analyze_verify_accepts_the_unit(tmp_path):
    code, output = verify(unit_copy(tmp_path))
    # Warnings (an unknown key, a value systemd ignores) count as failures too.
    assert (code, output) == (0, "")


def test_only_the_missing_program_stops_verify_on_the_unit_as_shipped(tmp_path):
    shipped = tmp_path / NAME
    shutil.copyfile(UNIT, shipped)
    code, output = verify(shipped)
    assert code != 0
    assert output.splitlines() == [f"{NAME}: Command {BINARY} is not executable: "
                                   "No such file or directory"]


@pytest.mark.parametrize(("change", "found"), [
    (("NoNewPrivileges=yes", "NoNewPrivilege=yes"), "Unknown key"),
    (("ProtectSystem=strict", "ProtectSystem=stict"), "protect system"),
    (("RestrictAddressFamilies=AF_UNIX", "RestrictAddressFamilies=AF_UNIXX"), "AF_UNIXX"),
    (("ExecStart=", "#ExecStart="), "no ExecStart"),
])
def test_verify_fails_on_a_broken_copy(tmp_path, change, found):
    text = UNIT.read_text(encoding="utf-8")
    assert change[0] in text
    code, output = verify(unit_copy(tmp_path, text.replace(change[0], change[1], 1)))
    assert code != 0 or output, "a broken unit passed"
    assert found in output


def test_the_sandbox_keeps_the_exposure_low(tmp_path):
    ok, output = exposure_ok(unit_copy(tmp_path))
    assert ok, output
    # The same check fails once the sandbox is gone: it measures something.
    bare = "\n".join(line for line in UNIT.read_text(encoding="utf-8").splitlines()
                     if not line.startswith(("Protect", "Private", "Restrict", "System",
                                             "Capability", "NoNewPrivileges", "Memory")))
    ok, _ = exposure_ok(unit_copy(tmp_path / "bare", bare))
    assert not ok


def test_the_server_runs_as_its_own_user_with_the_keys_in_its_state_directory():
    found = settings(UNIT.read_text(encoding="utf-8"))
    single = {key: values[-1] for key, values in found.items()}
    assert single["User"] == "access-desk"
    assert single["EnvironmentFile"] == "/etc/access-desk/server.env"
    assert single["ExecStart"].startswith(f"{BINARY} serve --bind ${{ACCESS_DESK_BIND}}")
    # The database URL comes from the environment file, never on the command line (which
    # every local user can read in ps).
    assert "--db" not in single["ExecStart"]
    assert single["StateDirectory"] == "access-desk"
    assert "ACCESS_DESK_HOME=/var/lib/access-desk" in found["Environment"]
    assert "ACCESS_DESK_KEYRING=0" in found["Environment"]
    expected = {
        "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
        "PrivateTmp": "yes", "PrivateDevices": "yes", "ProtectKernelTunables": "yes",
        "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes",
        "ProtectControlGroups": "yes", "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
        "RestrictNamespaces": "yes", "LockPersonality": "yes", "MemoryDenyWriteExecute": "yes",
        "CapabilityBoundingSet": "", "UMask": "0077", "Restart": "on-failure",
        "RestartPreventExitStatus": "2", "KillSignal": "SIGTERM",
    }
    assert {key: single.get(key) for key in expected} == expected
    assert found["SystemCallFilter"][0] == "@system-service"
    assert 0 < int(single["TimeoutStopSec"]) <= 90
