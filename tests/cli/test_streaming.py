"""Long listings stream (issue 15 item 5): `requests` and `audit list` read their rows a page
at a time by key and write them as they come; `--json` is still one bare array, byte for byte
what the whole list gave, `--jsonl` one object a line; columns stop at 100 rows by default,
saying how many more there are. Locally and through a server."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import peewee as pw
import pytest

from desktop.errors import DatabaseUnusable
from desktop.models import AccessRequest, User
from desktop.services import auditlog, requests
from desktop.services.views import request_views

from .conftest import Cli, Result, run_cli, upn

PRIYA = upn("priya.nair")  # approves Adatum Payroll in the demo


def whole(actor: User, listing: str, **filters: Any) -> list[Any]:
    """The listing as it was before it streamed: every row as a model object, then shaped."""
    if listing == "audit":
        query = auditlog.audit_query(actor, **filters).order_by(
            auditlog.AuditEvent.seq.desc())
        return [auditlog.event_view(e) for e in query]
    query = requests.request_query(actor, **filters).order_by(AccessRequest.id.desc())
    return request_views(list(query))


def as_json(rows: list[Any]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


@pytest.fixture
def sqlite_demo(demo: Cli) -> Iterator[User]:
    """The demo's database opened in this process too (the command line runs on it)."""
    from desktop.demo.build import first_admin
    from desktop.models.schema import close_database, open_database

    open_database(demo.db)
    try:
        admin = first_admin()
        assert admin is not None
        yield admin
    finally:
        close_database()


def test_json_is_the_whole_listing_written_row_by_row(sqlite_demo: User, demo: Cli) -> None:
    priya = User.get(User.upn == PRIYA)
    cases = [
        (("requests", "--all"), None, whole(sqlite_demo, "requests", scope="all")),
        (("requests", "--to-approve"), PRIYA, whole(priya, "requests", scope="to_approve")),
        (("audit", "list"), None, whole(sqlite_demo, "audit")),
        (("audit", "list", "--action", "request."), None,
         whole(sqlite_demo, "audit", action="request.")),
    ]
    for args, who, expected in cases:
        assert len(expected) > 1, args
        out = demo.run(*args, "--json", as_upn=who or demo.as_upn)
        assert out.rc == 0, out
        assert out.stdout == as_json(expected), args  # the same bytes as json.dump of it all
        if args[-1] != "request.":  # (one filtered listing is enough for --json)
            lines = demo.run(*args, "--jsonl", as_upn=who or demo.as_upn)
            assert lines.rc == 0, lines
            assert [json.loads(line) for line in lines.stdout.splitlines()] == expected, args
    assert len(cases[2][2]) > 100  # the audit log is longer than the columns' default limit
    some = demo.run("audit", "list", "--json", "--limit", "120", "--offset", "3")
    assert some.json == cases[2][2][3:123]


def test_keyset_pages_give_the_same_rows(sqlite_demo: User, monkeypatch: Any) -> None:
    """Pages of 7 by key (`after` the last row's) give what one query gives, in order."""
    import desktop.api.backend as backend

    monkeypatch.setattr(backend, "LOCAL_PAGE", 7)
    local = backend.LocalBackend(lambda: sqlite_demo)
    asked: list[dict[str, Any]] = []
    original = requests.list_requests

    def spy(actor: Any, *args: Any, **kw: Any) -> Any:
        asked.append(kw)
        return original(actor, *args, **kw)

    monkeypatch.setattr(requests, "list_requests", spy)
    rows = local.iterate("requests.list", scope="all")
    assert not asked  # nothing read before the first row is asked for
    assert list(rows) == whole(sqlite_demo, "requests", scope="all")
    assert len(asked) > 2
    assert all(p["limit"] == 7 for p in asked)
    assert "after" not in asked[0]
    assert all("after" in p for p in asked[1:])
    assert list(local.iterate("audit.list")) == whole(sqlite_demo, "audit")
    assert list(local.iterate("audit.list", limit=10, offset=3)) == \
        whole(sqlite_demo, "audit")[3:13]


def test_columns_stop_at_100_and_say_how_many_more(sqlite_demo: User, demo: Cli) -> None:
    events = len(whole(sqlite_demo, "audit"))
    out = demo.run("audit", "list")
    assert out.rc == 0, out
    lines = out.stdout.splitlines()
    assert lines[0].split()[:2] == ["SEQ", "AT"]
    assert len(lines) == 1 + 100
    assert out.stderr.strip() == f"… {events - 100:,} more; use --limit or --json"
    told = demo.run("audit", "list", "--limit", "150")
    assert len(told.stdout.splitlines()) == 1 + 150
    assert told.stderr == ""
    short = demo.run("requests", "--all")  # fewer than 100: no line
    assert short.rc == 0
    assert short.stderr == ""
    assert len(short.stdout.splitlines()) == 1 + len(whole(sqlite_demo, "requests",
                                                           scope="all"))


def test_a_database_failing_midway_is_exit_4_and_an_unfinished_array(monkeypatch: Any) -> None:
    from desktop.cli import _guarded, output
    from desktop.cli.output import write_json_rows

    monkeypatch.setattr(output, "BATCH", 1)  # each row written as it comes

    def failing() -> Iterator[dict[str, int]]:
        yield {"id": 2}
        yield {"id": 1}
        raise pw.OperationalError("unable to open database file")

    out = io.StringIO()
    with pytest.raises(DatabaseUnusable) as caught:
        write_json_rows(_guarded(failing()), out)
    assert caught.value.exit_code == 4
    assert "after 2 rows" in str(caught.value)
    assert "incomplete" in str(caught.value)
    assert out.getvalue().startswith("[\n  {")
    assert not out.getvalue().rstrip().endswith("]")

    def failing_at_once() -> Iterator[dict[str, int]]:
        raise pw.OperationalError("no such table: access_request")
        yield {}

    out = io.StringIO()
    with pytest.raises(DatabaseUnusable):
        write_json_rows(_guarded(failing_at_once()), out)
    assert out.getvalue() == ""  # nothing written: stdout stays empty on an error


# --- through a server ------------------------------------------------------------------------


def remote(tmp_path: Path, url: str, *args: str, as_upn: str | None = None) -> Result:
    return run_cli(tmp_path, "--server", url, *args, as_upn=as_upn or upn("megan.bowen"))


def test_through_a_server_the_listing_pages_by_key(sqlite_demo: User, tmp_path: Path,
                                                   monkeypatch: Any) -> None:
    pytest.importorskip("fastapi")
    from tests.server.conftest import LiveServer

    server = LiveServer()
    server.start()
    try:
        events = whole(sqlite_demo, "audit")
        out = remote(tmp_path, server.url, "audit", "list", "--json")
        assert out.rc == 0, out
        assert out.stdout == as_json(events)
        lines = remote(tmp_path, server.url, "requests", "--all", "--jsonl")
        assert [json.loads(line) for line in lines.stdout.splitlines()] == \
            whole(sqlite_demo, "requests", scope="all")
        columns = remote(tmp_path, server.url, "audit", "list")
        assert len(columns.stdout.splitlines()) == 1 + 100
        assert columns.stderr.strip() == f"… {len(events) - 100:,} more; use --limit or --json"

        # The client asks page by page, by key, and yields rows before the last page comes.
        import desktop.remote.client as client
        import desktop.server.app as app
        from desktop.services import sessions

        monkeypatch.setattr(app, "MAX_PAGE", 7)
        monkeypatch.setattr(client, "MAX_PAGE", 7)
        token = str(sessions.open_session(sqlite_demo, client="test")["token"])
        backend = client.RemoteBackend(server.url, token)
        asked: list[dict[str, Any]] = []
        original = backend.request

        def spy(method: str, path: str, **kw: Any) -> Any:
            asked.append(dict(kw.get("params") or {}))
            return original(method, path, **kw)

        monkeypatch.setattr(backend, "request", spy)
        rows = backend.iterate("audit.list")
        first = next(rows)
        assert len(asked) == 1
        assert [first, *rows] == events
        assert len(asked) > 2
        assert all("after" in p for p in asked[1:])
        backend.close()
    finally:
        server.stop()


# --- audit verify: pages of tuples, progress on a terminal -----------------------------------


def test_audit_verify_reads_pages_and_reports_progress(sqlite_demo: User,
                                                       monkeypatch: Any) -> None:
    from desktop.services import auditchain

    whole_check = auditlog.verify(sqlite_demo)
    monkeypatch.setattr(auditchain, "WALK_PAGE", 50)
    monkeypatch.setattr(auditchain, "PROGRESS_EVERY", 0)
    reports: list[tuple[int, int]] = []
    with auditchain.progress(lambda done, total: reports.append((done, total))):
        paged = auditlog.verify(sqlite_demo)
    assert paged == whole_check
    assert paged.ok
    events = paged.events
    assert reports == [(n, events) for n in (*range(50, events, 50), events)]
    assert not auditchain._progress.get()  # no report outside the block


def test_audit_verify_shows_progress_only_on_a_terminal(demo: Cli, monkeypatch: Any,
                                                        capsys: Any) -> None:
    import sys

    from desktop.cli import main
    from desktop.models.schema import close_database
    from desktop.services import auditchain

    monkeypatch.setattr(auditchain, "WALK_PAGE", 50)
    monkeypatch.setattr(auditchain, "PROGRESS_EVERY", 0)
    monkeypatch.setenv("ACCESS_DESK_HOME", str(demo.home))
    try:
        assert main(["--db", demo.db, "audit", "verify", "--json"]) == 0
        piped = capsys.readouterr()
        monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
        assert main(["--db", demo.db, "audit", "verify", "--json"]) == 0
        shown = capsys.readouterr()
    finally:
        close_database()
    assert json.loads(piped.out)["ok"] is True
    assert piped.err == ""  # not a terminal: nothing
    assert json.loads(shown.out) == json.loads(piped.out)
    assert "Verifying the audit log: 50 of " in shown.err
    assert shown.err.endswith("\r\033[K")  # the line is gone when the check ends
