"""Imports, directory exports and evidence bundles through a server (`serve --max-upload`): the
files travel as streams, and what lands on disk, what is printed and what the database holds
afterwards are those of a run beside the database. Uploads over the cap, archives reaching
outside their folder and calls without a token change nothing."""

from __future__ import annotations

import base64
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import run_cli

from .test_team_mode import MEGAN, Served

CAP = "64K"
APP = "Adatum Payroll"
PERIOD = ("--from", "2000-01-01", "--to", "2100-01-01")


@pytest.fixture(scope="module")
def place(tmp_path_factory, _demo_sqlite_template):
    """One server for the module (each test leaves the directory as it found it, or works on
    names of its own), over a copy of the demo; the client's own home."""
    root = tmp_path_factory.mktemp("transfer")
    db = root / "served.db"
    db.write_bytes(_demo_sqlite_template.read_bytes())
    (root / "server-home").mkdir()
    (root / "client-home").mkdir()
    server = Served(root / "server-home", str(db), "--max-upload", CAP).start()
    yield root, db, server
    assert server.stop() == 0


def remote(place, *args):
    root, _, server = place
    return run_cli(root / "client-home", "--server", server.url, *args, as_upn=MEGAN)


def local(place, *args, db=None):
    root, served_db, _ = place
    return run_cli(root / "client-home", *args, db=str(db or served_db), as_upn=MEGAN)


def users(db: Path) -> list[tuple[str, ...]]:
    con = sqlite3.connect(db)
    try:
        return sorted(con.execute("SELECT upn, display_name, graph_id FROM user").fetchall())
    finally:
        con.close()


def token(server) -> dict[str, str]:
    view = httpx.post(server.url + "/api/v1/sessions", json={"upn": MEGAN}, timeout=10).json()
    return {"Authorization": f"Bearer {view['token']}"}


def graph_users(*entries: tuple[str, str, str | None]) -> str:
    return json.dumps({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
                       "value": [{"id": gid, "displayName": name, "accountEnabled": True,
                                  **({"userPrincipalName": upn} if upn else {})}
                                 for gid, name, upn in entries]})


def test_export_directory_and_evidence_through_the_server_equal_a_local_run(place):
    root, _, _ = place
    # Beside the database first (it gives the directory its tenant id), then through the
    # server: the same files, byte for byte, owner-only, in an owner-only folder.
    assert local(place, "export", "directory", str(root / "here")).rc == 0
    through = remote(place, "export", "directory", str(root / "there"), "--json")
    assert through.rc == 0, through
    assert through.json["out"] == str(root / "there")
    assert through.json["users"] > 0
    here = sorted(p.name for p in (root / "here").iterdir())
    assert sorted(p.name for p in (root / "there").iterdir()) == here
    for name in here:
        there = root / "there" / name
        assert there.read_bytes() == (root / "here" / name).read_bytes(), name
        assert stat.S_IMODE(there.stat().st_mode) == 0o600
    assert stat.S_IMODE((root / "there").stat().st_mode) == 0o700

    # The evidence bundle: the server writes and signs it; the zip comes as it wrote it.
    assert local(place, "export", "evidence", APP, *PERIOD, "--out", str(root / "l.zip")).rc == 0
    bundle = remote(place, "export", "evidence", APP, *PERIOD, "--out", str(root / "r.zip"),
                    "--json")
    assert bundle.rc == 0, bundle
    assert bundle.json["out"] == str(root / "r.zip")
    assert stat.S_IMODE((root / "r.zip").stat().st_mode) == 0o600
    with zipfile.ZipFile(root / "l.zip") as mine, zipfile.ZipFile(root / "r.zip") as theirs:
        assert theirs.namelist() == mine.namelist()
        for name in ("settings.json", "requests.json", "access.json", "verify.py"):
            assert theirs.read(name) == mine.read(name), name
        theirs.extractall(root / "bundle")
    checked = subprocess.run([sys.executable, "verify.py"], cwd=root / "bundle",
                             capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # A folder as --out is refused before the server signs anything, as beside the database.
    folder = remote(place, "export", "evidence", APP, *PERIOD, "--out", str(root))
    assert folder.rc == 2
    assert "is a folder" in folder.error


def test_an_import_through_the_server_equals_a_local_import(place):
    root, served_db, _ = place
    # The database as it is now, to import into beside it.
    beside = root / "beside.db"
    with sqlite3.connect(served_db) as source, sqlite3.connect(beside) as target:
        source.backup(target)
    export = root / "graph"
    (export / "more").mkdir(parents=True)
    (export / "users.json").write_text(graph_users(
        ("51111111-1111-4111-8111-111111111111", "Nia Import", "nia.import@contoso.example"),
        ("52222222-2222-4222-8222-222222222222", "No Upn", None)), encoding="utf-8")
    (export / "more" / "people.json").write_text(graph_users(
        ("53333333-3333-4333-8333-333333333333", "Omar Import", "omar.import@contoso.example")),
        encoding="utf-8")
    os.symlink("/etc/hostname", export / "more" / "elsewhere.json")  # left out, told

    told = remote(place, "import", "graph", str(export), "--dry-run")
    assert told.rc == 0, told
    assert told.stdout == local(place, "import", "graph", str(export), "--dry-run",
                                db=beside).stdout
    assert f"{export}/users.json: user \"No Upn\"" in told.stdout
    assert f"{export}/more/elsewhere.json: a link to" in told.stdout

    before = users(served_db)
    done = remote(place, "import", "graph", str(export), "--json")
    assert done.rc == 0, done
    assert done.json == local(place, "import", "graph", str(export), "--json", db=beside).json
    assert done.json["added"] == {"users": 2}
    after = users(served_db)
    assert after == users(beside)
    assert len(after) == len(before) + 2


def test_an_upload_over_the_cap_is_refused_and_changes_nothing(place):
    root, served_db, server = place
    before = users(served_db)
    big = root / "big.json"  # random text: its zip is as large as the cap and more
    big.write_text(graph_users(("54444444-4444-4444-8444-444444444444", "Big",
                                base64.b64encode(os.urandom(120_000)).decode())))
    refused = remote(place, "import", "graph", str(big))
    assert refused.rc == 2, refused
    assert "64 KB" in refused.error
    assert "serve --max-upload" in refused.error

    headers = token(server)
    url = server.url + "/api/v1/imports/graph"
    # Announced over the cap: refused before the body is read.
    answer = httpx.post(url, content=os.urandom(70_000), headers=headers, timeout=20)
    assert answer.status_code == 413
    assert answer.json()["error"] == "too_large"
    assert "64 KB" in answer.json()["message"]
    # Not announced (chunked): refused as it comes in.
    answer = httpx.post(url, content=iter([os.urandom(16_000)] * 6), headers=headers,
                        timeout=20)
    assert answer.status_code == 413
    # Small to send, too large once unpacked.
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.json", graph_users(
            ("55555555-5555-4555-8555-555555555555", "Bomb", "bomb@contoso.example"))
            + " " * 1_000_000)
    answer = httpx.post(url, content=bomb.getvalue(), headers=headers, timeout=20)
    assert answer.status_code == 413
    assert "unpacks" in answer.json()["message"]
    assert users(served_db) == before


@pytest.mark.parametrize("entry", ["../x.json", "/tmp/x.json", "sub/../../x.json",
                                   "link.json"])
def test_an_archive_reaching_outside_its_folder_is_refused_and_changes_nothing(place, entry):
    root, served_db, server = place
    before = users(served_db)
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w") as zf:
        zf.writestr("users.json", graph_users(
            ("56666666-6666-4666-8666-666666666666", "Sneaky", "sneaky@contoso.example")))
        info = zipfile.ZipInfo(entry)
        if entry == "link.json":
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
        else:
            zf.writestr(info, '{"value": []}')
    answer = httpx.post(server.url + "/api/v1/imports/graph", content=body.getvalue(),
                        headers=token(server), timeout=20)
    assert answer.status_code == 422, answer.text
    message = answer.json()["message"]
    assert message.startswith("nothing was imported")
    assert repr(entry) in message
    assert users(served_db) == before


def test_without_a_token_the_transfers_answer_401(place):
    _, _, server = place
    api = server.url + "/api/v1"
    for method, path in (("POST", "/imports/graph"), ("GET", "/exports/directory"),
                         ("POST", f"/exports/evidence/{APP}")):
        answer = httpx.request(method, api + path, content=b'{"value": []}', timeout=10)
        assert answer.status_code == 401, (method, path)
        assert answer.headers["www-authenticate"] == "Bearer"
