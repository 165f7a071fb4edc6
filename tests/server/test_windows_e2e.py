"""The mission end to end with the windows, each person in a process of his own, every process
talking to an Access Desk server (`serve`, its own process) and none holding the database:
an administrator configures (the command line), a user requests in My Apps, the approver's
tray counts up, he approves in Approvals, the user's badge shows it. On SQLite and on
PostgreSQL, once with two servers on one PostgreSQL database, and across a server restart."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import base_env, run_cli

from .test_team_mode import Served

MEGAN = "megan.bowen@contoso.example"  # the demo's first Global Administrator
PRIYA = "priya.nair@contoso.example"  # the approver of Adatum Payroll
ALICE = "alice.wu@contoso.example"  # licensed, no access to Adatum Payroll
DIEGO = "diego.ramirez@contoso.example"  # the same
APP = "Adatum Payroll"
CLIENT = Path(__file__).with_name("desk_client.py")


class Desk:
    """One person's desktop process (tests/server/desk_client.py), driven line by line."""

    def __init__(self, home: Path, url: str, upn: str, role: str) -> None:
        env = base_env(home)
        env["QT_QPA_PLATFORM"] = "offscreen"
        self.proc = subprocess.Popen([sys.executable, str(CLIENT), url, upn, role], env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        assert self._answer(30) == {"ready": True}

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def _answer(self, timeout: float) -> dict[str, Any]:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the desktop did not answer: {self.stderr()}") from None
        return json.loads(line)  # type: ignore[no-any-return]

    def stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        return self.proc.stderr.read() if self.proc.stderr else ""

    def ask(self, cmd: str, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        self.proc.stdin.flush()
        answer = self._answer(30)
        assert "error" not in answer, answer
        return answer

    def until(self, test: Callable[[dict[str, Any]], bool], timeout: float = 15) -> dict:
        """The state once `test` holds (windows follow live notices, within a second)."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.ask("state")
            if test(state):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"never came: last state {state}")
            time.sleep(0.1)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.ask("quit")
                self.proc.wait(timeout=10)
            except (AssertionError, OSError, subprocess.TimeoutExpired):
                self.proc.kill()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[Callable[[str, str, str], Desk]]:
    made: list[Desk] = []

    def start(url: str, upn: str, role: str) -> Desk:
        home = tmp_path / f"desk-{len(made)}"
        home.mkdir()
        desk = Desk(home, url, upn, role)
        made.append(desk)
        return desk

    yield start
    for desk in made:
        desk.close()


def untouched(state: dict[str, Any]) -> None:
    """A desktop of a server never loaded the database layer nor opened a database file."""
    assert state["models"] is False
    assert state["db_files"] == []


def mission(admin_url: str, user_url: str, approver_url: str, home: Path,
            desks: Callable[[str, str, str], Desk]) -> tuple[Desk, Desk, int]:
    approver = desks(approver_url, PRIYA, "approver")
    user = desks(user_url, ALICE, "myapps")
    start = approver.ask("state")
    before, waiting = start["count"], set(start["pending"])
    configured = run_cli(home, "--server", admin_url, "selfservice", "set", APP, "--enable",
                         "--approval", "--json", as_upn=MEGAN)
    assert configured.rc == 0, configured
    asked = user.ask("request", app=APP, justification="month-end payroll run")
    assert "waiting for approval" in asked["outcome"]
    # The tray counts up, and the request is in Approvals' pending list.
    seen = approver.until(lambda s: s["count"] == before + 1
                          and len(set(s["pending"]) - waiting) == 1)
    assert f"{before + 1} request" in seen["tray_text"]
    (request_id,) = set(seen["pending"]) - waiting
    approver.ask("approve", id=request_id)
    approver.until(lambda s: s["count"] == before and request_id not in s["pending"])
    # The user's badge shows the decision; My requests says approved, Apps has it.
    user.until(lambda s: s["unseen"] == 1 and s["tab"] == "My requests (1)")
    shown = user.ask("show_requests")
    assert [APP, "approved"] in shown["requests"]
    assert APP in shown["apps"]
    user.until(lambda s: s["unseen"] == 0)
    for desk in (approver, user):
        untouched(desk.ask("state"))
    return approver, user, request_id


@pytest.mark.usefixtures("_demo_sqlite_template")
def test_the_mission_with_windows_on_sqlite(tmp_path, request, desks):
    import shutil

    db = tmp_path / "demo.db"
    shutil.copyfile(request.getfixturevalue("_demo_sqlite_template"), db)
    home = tmp_path / "admin"
    home.mkdir()
    server = Served(tmp_path, str(db)).start()
    try:
        approver, user, _ = mission(server.url, server.url, server.url, home, desks)

        # Another request waits; the server restarts while the desktops stay open, and
        # meanwhile the approver decides it beside the database (the host's command line).
        # They reconnect and show the current state.
        other = run_cli(home, "--server", server.url, "request", APP, "--justification",
                        "cover", "--json", as_upn=DIEGO)
        assert other.rc == 0, other
        waiting = approver.until(lambda s: other.json["id"] in s["pending"])
        assert server.stop() == 0
        approver.until(lambda s: not s["connected"] and "server" in s["offline"])
        assert "lost" in approver.ask("state")["tray_text"]  # the tray says so, too
        decided = run_cli(home, "--db", str(db), "approve", str(other.json["id"]),
                          as_upn=PRIYA)
        assert decided.rc == 0, decided
        restarted = Served(tmp_path, str(db))
        restarted.port, restarted.url = server.port, server.url
        restarted.start()
        try:
            state = approver.until(lambda s: s["connected"] and s["offline"] == ""
                                   and other.json["id"] not in s["pending"], timeout=30)
            assert state["count"] == waiting["count"] - 1
            untouched(state)
        finally:
            assert restarted.stop() == 0
    finally:
        if server.proc and server.proc.poll() is None:
            server.stop()


@pytest.mark.postgres
def test_the_mission_with_two_servers_on_one_postgresql(tmp_path, pg_url, desks):
    home = tmp_path / "admin"
    home.mkdir()
    built = run_cli(home, "--db", pg_url, "init", "--demo")
    assert built.rc == 0, built
    first = Served(tmp_path, pg_url).start()
    second = Served(tmp_path, pg_url).start()
    try:
        # The approver on one server, the user and the administrator on the other.
        mission(second.url, second.url, first.url, home, desks)
    finally:
        assert first.stop() == 0
        assert second.stop() == 0
