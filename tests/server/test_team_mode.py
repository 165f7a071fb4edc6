"""Team mode with separate processes: `access-desk serve` in its own process, and command-line
clients that talk to it (`--server`) and never touch the database."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import base_env, run_cli

from .conftest import free_port

MEGAN = "megan.bowen@contoso.example"  # the demo's first Global Administrator
PRIYA = "priya.nair@contoso.example"  # approves Adatum Payroll
ALICE = "alice.wu@contoso.example"  # licensed, no access to Adatum Payroll


class Served:
    """`python -m desktop --db DB serve` in its own process."""

    def __init__(self, home: Path, db: str, *extra: str) -> None:
        self.home, self.db, self.extra = home, db, extra
        self.port = free_port()
        self.proc: subprocess.Popen[str] | None = None
        tls = "--self-signed" in extra or "--tls-cert" in extra
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> Served:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "desktop", "--db", self.db, "serve", "--bind",
             f"127.0.0.1:{self.port}", *self.extra],
            env=base_env(self.home), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.url + "/api/v1/health", verify=False, timeout=1).status_code \
                        == 200:
                    return self
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start: {self.proc.communicate()}")
            time.sleep(0.05)

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)  # a clean stop, as systemd asks for it
        try:
            return self.proc.wait(timeout=15)
        finally:
            self.proc.stdout.close()  # type: ignore[union-attr]
            self.proc.stderr.close()  # type: ignore[union-attr]


@pytest.fixture
def demo_file(tmp_path, _demo_sqlite_template):
    path = tmp_path / "demo.db"
    shutil.copyfile(_demo_sqlite_template, path)
    return str(path)


@pytest.fixture
def served(tmp_path, demo_file):
    home = tmp_path / "server-home"
    home.mkdir()
    server = Served(home, demo_file).start()
    yield server
    if server.proc and server.proc.poll() is None:
        assert server.stop() == 0


@pytest.fixture
def client_home(tmp_path):
    home = tmp_path / "client-home"
    home.mkdir()
    return home


def remote(home, url, *args, as_upn=None, **kw):
    return run_cli(home, "--server", url, *args, as_upn=as_upn, **kw)


def test_the_mission_through_the_server(served, client_home, demo_file):
    """An administrator configures, a user requests, the approver approves, the user has it,
    each a separate client process with its own token, none holding the database."""
    configured = remote(client_home, served.url, "selfservice", "set", "Adatum Payroll",
                        "--email", "--json", as_upn=MEGAN)
    assert configured.rc == 0, configured
    assert configured.json["email_approvers"] is True
    asked = remote(client_home, served.url, "request", "Adatum Payroll", "--justification",
                   "month end", "--json", as_upn=ALICE)
    assert asked.rc == 0, asked
    request_id = asked.json["id"]
    to_approve = remote(client_home, served.url, "requests", "--to-approve", "--status",
                        "pending", "--json", as_upn=PRIYA)
    assert request_id in [r["id"] for r in to_approve.json]
    own = remote(client_home, served.url, "approve", str(request_id), as_upn=ALICE)
    assert own.rc == 3
    assert "approver" in own.error
    approved = remote(client_home, served.url, "approve", str(request_id), "--json",
                      as_upn=PRIYA)
    assert approved.json["status"] == "approved"
    again = remote(client_home, served.url, "approve", str(request_id), as_upn=PRIYA)
    assert again.rc == 5
    assert PRIYA in again.error  # the conflict names the decider
    mine = remote(client_home, served.url, "requests", "--json", as_upn=ALICE).json
    assert {"id": request_id, "status": "approved"}.items() <= next(
        r for r in mine if r["id"] == request_id).items()
    # The same listing, complete and byte for byte, through the server and directly.
    through = remote(client_home, served.url, "requests", "--all", "--json", as_upn=MEGAN)
    direct = run_cli(client_home, "requests", "--all", "--json", db=demo_file, as_upn=MEGAN)
    assert through.stdout == direct.stdout
    users = remote(client_home, served.url, "users", "list", "--json", as_upn=MEGAN).json
    assert len(users) == len(run_cli(client_home, "users", "list", "--json", db=demo_file,
                                     as_upn=MEGAN).json)


CLIENT_PROBE = textwrap.dedent("""
    import json, os, sys
    from desktop.cli import main
    code = main(sys.argv[1:])
    files = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
             if os.path.exists(f"/proc/self/fd/{fd}")]
    loaded = [m for m, module in sys.modules.items() if module is not None]
    print(json.dumps({"code": code, "models": [m for m in loaded
                      if m.startswith(("desktop.models", "peewee", "psycopg"))],
                      "db_files": [f for f in files if f.endswith((".db", "-wal", "-shm"))]}),
          file=sys.stderr)
""")


def test_a_remote_client_never_touches_the_database(served, client_home):
    shots = client_home / "shots"
    for args in (["--as", ALICE, "catalog", "--json"],
                 ["--as", MEGAN, "users", "list", "--json"],
                 ["--as", PRIYA, "requests", "--to-approve", "--json"],
                 # the windows too, photographed as `screenshot` renders them
                 *(["--as", who, "screenshot", kind, "--out", str(shots / f"{kind}.png"),
                    "--json"] for who, kind in ((MEGAN, "admin"), (ALICE, "myapps"),
                                                (PRIYA, "approvals")))):
        proc = subprocess.run([sys.executable, "-c", CLIENT_PROBE, "--server", served.url,
                               *args], env=base_env(client_home), capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL)
        report = json.loads(proc.stderr.strip().splitlines()[-1])
        assert report == {"code": 0, "models": [], "db_files": []}, (args, proc.stderr)
        assert json.loads(proc.stdout)
    for kind in ("admin", "myapps", "approvals"):
        assert (shots / f"{kind}.png").read_bytes().startswith(b"\x89PNG")


def test_login_keeps_a_token_and_logout_ends_it(served, client_home):
    assert remote(client_home, served.url, "whoami").rc == 3  # nobody signed in
    logged = remote(client_home, served.url, "login", "--json", as_upn=ALICE)
    assert logged.rc == 0
    assert logged.json["upn"] == ALICE
    tokens = client_home / "tokens.json"
    assert oct(tokens.stat().st_mode & 0o777) == "0o600"
    assert remote(client_home, served.url, "whoami", "--json").json["upn"] == ALICE
    # The token survives a server restart: sessions live in the database.
    assert served.stop() == 0
    down = remote(client_home, served.url, "whoami")
    assert down.rc == 4
    assert "cannot reach" in down.error
    served.start()
    assert remote(client_home, served.url, "whoami", "--json").json["upn"] == ALICE
    # Signed out elsewhere (an administrator's Signed-in devices): the kept token is refused
    # once, forgotten, and the next command signs in afresh.
    session = remote(client_home, served.url, "sessions", "list", "--json").json[0]["id"]
    assert remote(client_home, served.url, "sessions", "revoke", str(session),
                  as_upn=MEGAN).rc == 0
    ended = remote(client_home, served.url, "whoami")
    assert ended.rc == 3
    assert "run login again" in ended.error
    assert remote(client_home, served.url, "whoami", "--json", as_upn=ALICE).json["upn"] == ALICE
    assert remote(client_home, served.url, "login", as_upn=ALICE).rc == 0
    assert remote(client_home, served.url, "logout").rc == 0
    assert remote(client_home, served.url, "whoami").rc == 3
    assert "token" not in tokens.read_text().lower() or ALICE not in tokens.read_text()


def test_where_commands_run(served, client_home, demo_file):
    both = run_cli(client_home, "--server", served.url, "whoami", db=demo_file)
    assert both.rc == 2
    assert "not both" in both.error
    for args in (["init"], ["backup", "x.db"], ["key", "export", "k"], ["serve"]):
        result = remote(client_home, served.url, *args, as_upn=MEGAN)
        assert result.rc == 2
        assert "server's host" in result.error, result
    # The clipboard is the client's: through a server, without a desktop session, it says so.
    copied = remote(client_home, served.url, "password", "copy", "Adatum Payroll",
                    as_upn=ALICE, env={"QT_QPA_PLATFORM": "offscreen"})
    assert copied.rc == 3
    assert "desktop session" in copied.error
    env_both = run_cli(client_home, "whoami", env={"ACCESS_DESK_SERVER": served.url,
                                                   "ACCESS_DESK_DB": demo_file})
    assert env_both.rc == 2
    # An option wins over the variables: --db over ACCESS_DESK_SERVER.
    direct = run_cli(client_home, "whoami", "--json", db=demo_file,
                     env={"ACCESS_DESK_SERVER": served.url})
    assert direct.rc == 0


def test_serve_refuses_an_open_address_without_tls(client_home, demo_file):
    result = run_cli(client_home, "serve", "--bind", "0.0.0.0:8443", db=demo_file)
    assert result.rc == 2
    assert "--tls-cert" in result.error
    assert "--self-signed" in result.error
    checked = run_cli(client_home, "serve", "--check", "--json", db=demo_file)
    assert checked.rc == 0
    assert checked.json["check"] == "ok"
    key = client_home / "key.pem"
    key.write_text("not a key")
    for cert in ("/dev/zero", str(client_home)):  # special files are never read
        special = run_cli(client_home, "serve", "--tls-cert", cert, "--tls-key", str(key),
                          "--check", db=demo_file)
        assert special.rc == 2
        assert "not a certificate file" in special.error
    missing = run_cli(client_home, "serve", "--check", db=str(client_home / "nothing.db"))
    assert missing.rc == 4


def test_a_certificate_other_than_the_pinned_one_is_refused(tmp_path, demo_file, client_home):
    home = tmp_path / "tls-home"
    home.mkdir()
    server = Served(home, demo_file, "--self-signed").start()
    try:
        first = remote(client_home, server.url, "whoami", as_upn=ALICE)
        assert first.rc == 3
        assert "login" in first.error  # unknown server: log in first
        # A script must name the fingerprint it compared; a wrong one is refused.
        unsure = remote(client_home, server.url, "login", as_upn=ALICE)
        assert unsure.rc == 3
        assert "--fingerprint" in unsure.error
        printed = httpx.get(server.url + "/api/v1/version", verify=False).json()["fingerprint"]
        wrong = remote(client_home, server.url, "login", "--fingerprint", "AB" * 32,
                       as_upn=ALICE)
        assert wrong.rc == 3
        assert "not trusted" in wrong.error
        logged = remote(client_home, server.url, "login", "--fingerprint", printed, "--json",
                        as_upn=ALICE)
        assert logged.rc == 0, logged
        fingerprint = logged.json["fingerprint"]
        assert fingerprint == printed
        assert len(fingerprint.split(":")) == 32
        assert remote(client_home, server.url, "whoami").rc == 0
        known = client_home / "known_servers.json"
        pins = json.loads(known.read_text())
        pins[server.url]["fingerprint"] = "00:" * 31 + "00"
        known.write_text(json.dumps(pins))
        refused = remote(client_home, server.url, "whoami")
        assert refused.rc == 3
        assert "not the one pinned" in refused.error
        # Put the true pin back; then the server (or someone in between) shows another
        # certificate on the same address: TLS itself refuses it, before any token is sent.
        pins[server.url]["fingerprint"] = fingerprint
        known.write_text(json.dumps(pins))
        assert remote(client_home, server.url, "whoami").rc == 0
        assert server.stop() == 0
        for name in ("cert.pem", "key.pem"):
            (home / "server" / name).unlink()
        server.start()
        impostor = remote(client_home, server.url, "whoami")
        assert impostor.rc == 3
        assert "not the one pinned" in impostor.error
    finally:
        assert server.stop() == 0
    assert os.path.exists(home / "server" / "cert.pem")


@pytest.mark.postgres
def test_two_servers_on_one_postgresql(tmp_path, pg_url, client_home):
    """The mission with the user on one server and the approver on another: tokens are in the
    database and notices come from LISTEN/NOTIFY, so either server answers either desktop."""
    from desktop.remote.client import RemoteBackend

    built = run_cli(client_home, "init", "--demo", db=pg_url)
    assert built.rc == 0, built
    servers = []
    for name in ("a", "b"):
        home = tmp_path / f"server-{name}"
        home.mkdir()
        servers.append(Served(home, pg_url).start())
    a, b = servers
    try:
        approver = RemoteBackend(b.url)
        approver.sign_in(PRIYA, None)
        notices: list[dict] = []
        import threading

        def listen() -> None:
            for event in approver.changes():
                notices.append(event)
                if event.get("topic") == "requests":
                    return

        thread = threading.Thread(target=listen, daemon=True)
        thread.start()
        deadline = time.monotonic() + 5
        while not notices and time.monotonic() < deadline:
            time.sleep(0.02)
        asked = remote(client_home, a.url, "request", "Adatum Payroll", "--json",
                       as_upn=ALICE)
        assert asked.rc == 0, asked
        thread.join(timeout=5)
        assert any(n.get("topic") == "requests" and n.get("entity_id") == asked.json["id"]
                   for n in notices), notices
        # A token from server a works on server b.
        logged = remote(client_home, a.url, "login", "--json", as_upn=PRIYA)
        assert logged.rc == 0
        tokens = json.loads((client_home / "tokens.json").read_text())
        token = tokens[a.url.lower()][PRIYA]
        on_b = httpx.get(b.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert on_b.json()["upn"] == PRIYA
        approved = remote(client_home, b.url, "approve", str(asked.json["id"]), "--json",
                          as_upn=PRIYA)
        assert approved.json["status"] == "approved"
        shown = remote(client_home, a.url, "request", "show", str(asked.json["id"]), "--json",
                       as_upn=ALICE)
        assert shown.json["status"] == "approved"
    finally:
        for server in servers:
            assert server.stop() == 0


def test_several_workers_answer_as_one(tmp_path, demo_file, client_home):
    home = tmp_path / "workers-home"
    home.mkdir()
    server = Served(home, demo_file, "--workers", "2").start()
    try:
        asked = remote(client_home, server.url, "request", "Adatum Payroll", "--json",
                       as_upn=ALICE)
        assert asked.rc == 0, asked
        for _ in range(4):  # whichever worker answers, the token and the request are there
            shown = remote(client_home, server.url, "request", "show", str(asked.json["id"]),
                           "--json", as_upn=PRIYA)
            assert shown.json["status"] == "pending"
    finally:
        assert server.stop() == 0


def test_exports_through_the_server_are_the_same_bytes(served, client_home, demo_file, tmp_path):
    for kind, fmt in (("requests", "csv"), ("audit", "json"), ("access", "graph")):
        remote_file, local_file = tmp_path / f"r-{kind}.{fmt}", tmp_path / f"l-{kind}.{fmt}"
        through = remote(client_home, served.url, "export", kind, "--format", fmt, "--out",
                         str(remote_file), "--json", as_upn=MEGAN)
        assert through.rc == 0, through
        direct = run_cli(client_home, "export", kind, "--format", fmt, "--out",
                         str(local_file), "--json", db=demo_file, as_upn=MEGAN)
        # An export is audited: the audit log holds one event more at the second export.
        grown = 1 if kind == "audit" else 0
        assert through.json["rows"] + grown == direct.json["rows"] > 0
        if not grown:
            assert remote_file.read_bytes() == local_file.read_bytes()
        assert oct(remote_file.stat().st_mode & 0o777) == "0o600"
    printed = remote(client_home, served.url, "export", "settings", "--format", "csv",
                     as_upn=MEGAN)
    assert printed.stdout == run_cli(client_home, "export", "settings", "--format", "csv",
                                     db=demo_file, as_upn=MEGAN).stdout
    refused = remote(client_home, served.url, "export", "audit", "--out",
                     str(tmp_path / "nope.json"), as_upn=ALICE)
    assert refused.rc == 3
    assert not (tmp_path / "nope.json").exists()
