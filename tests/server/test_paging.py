"""Listings over HTTP: a capped page at a time, by key (`after`) where the listing has one,
and complete when the command line asks for everything."""

from __future__ import annotations

import pytest

from desktop.remote.client import RemoteBackend
from desktop.services import applications, auditlog, directory, requests


@pytest.fixture
def small_pages(monkeypatch):
    import desktop.remote.client as client
    import desktop.server.app as app

    monkeypatch.setattr(app, "MAX_PAGE", 7)
    monkeypatch.setattr(client, "MAX_PAGE", 7)


def test_long_listings_come_whole_by_key(demo, server, token_for, small_pages, monkeypatch):
    backend = RemoteBackend(server.url, token_for(demo))
    asked: list[dict] = []
    original = backend.request

    def spy(method, path, **kw):
        asked.append(dict(kw.get("params") or {}))
        return original(method, path, **kw)

    monkeypatch.setattr(backend, "request", spy)
    events = backend.call("audit.list")
    assert events == auditlog.list_events(demo)[:len(events)]
    assert len(events) == len(auditlog.list_events(demo)) - 0 > 7
    assert any("after" in p for p in asked)  # pages after the first go by key
    assert all(p["limit"] <= 7 for p in asked)
    asked.clear()
    people = backend.call("users.list")  # by UPN: the next page starts after the last one
    assert [u["upn"] for u in people] == [u["upn"] for u in directory.list_users(demo)]
    assert len(people) > 7
    assert any(p.get("after") == people[6]["upn"] for p in asked)
    for name, listing in (("groups.list", directory.list_groups),
                          ("apps.list", applications.list_applications)):
        rows = backend.call(name)  # by name, then id: after the last row's id
        assert [r["id"] for r in rows] == [r["id"] for r in listing(demo)]
        assert len(rows) > 7
        assert any(p.get("after") == rows[6]["id"] for p in asked)
    found = backend.call("users.list", search="a")
    assert [u["upn"] for u in found] == [u["upn"] for u in directory.list_users(demo, "a")]
    every = backend.call("requests.list", scope="all")
    assert [r["id"] for r in every] == [r["id"] for r in requests.list_requests(demo, "all")]
    some = backend.call("requests.list", scope="all", limit=10, offset=3)
    assert [r["id"] for r in some] == [
        r["id"] for r in requests.list_requests(demo, "all", limit=10, offset=3)]


def test_a_page_never_exceeds_the_cap(demo, api, token_for, small_pages):
    from .conftest import bearer

    rows = api.get("/users", headers=bearer(token_for(demo)), params={"limit": 1000}).json()
    assert len(rows) == 7
    sorted_page = api.get("/audit", headers=bearer(token_for(demo)),
                          params={"after": 5, "sort": "seq"})
    assert sorted_page.status_code == 422  # sort is not an API parameter: unknown, refused


def test_paging_by_key_keeps_rows_that_share_a_name(demo, server, token_for, small_pages):
    """Two applications may share a name (an import, another tool): paging after the first
    of them must still deliver the second."""
    from desktop.models import Application

    names = [a.name for a in Application.select().order_by(Application.id)]
    Application.update(name=names[0].upper()).where(Application.name == names[1]).execute()
    backend = RemoteBackend(server.url, token_for(demo))
    rows = backend.call("apps.list")
    assert sorted(r["id"] for r in rows) == sorted(
        a.id for a in Application.select(Application.id))
    assert [r["id"] for r in rows] == [
        r["id"] for r in applications.list_applications(demo)]
