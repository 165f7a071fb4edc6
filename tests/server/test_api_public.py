"""Without a token only health, version, the OpenAPI document and sign-in answer; every other
path, known or not, answers 401, on a demo database too."""

from __future__ import annotations

import re

from desktop.api.operations import OPERATIONS

from .conftest import bearer

PUBLIC = {"/health", "/version", "/openapi.json"}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_path_but_four_needs_a_token(admin, api, server):
    _only_four_answer(api, server)


def test_on_a_demo_too(demo, api, server):
    _only_four_answer(api, server)
    assert api.get("/version").json()["demo"] is True


def _only_four_answer(api, server):
    spec = api.get("/openapi.json").json()
    paths = {("/api/v1" + _concrete(op.path), op.method) for op in OPERATIONS}
    for path, methods in spec["paths"].items():
        paths |= {(_concrete(path), method.upper()) for method in methods}
    paths |= {("/api/v1/nothing-here", "GET"), ("/api/v1/events", "GET"),
              ("/api/v2/users", "GET"), ("/", "GET"), ("/api/v1/sessions/current", "DELETE"),
              ("/api/v1/health", "POST"), ("/docs", "GET"), ("/api/v1/users", "OPTIONS")}
    for path, method in sorted(paths):
        short = path.removeprefix("/api/v1")
        if short in PUBLIC and method == "GET" or (short == "/sessions" and method == "POST"):
            continue
        response = api.request(method, server.url + path,
                               json={} if method in ("POST", "PUT", "PATCH") else None,
                               headers={"Origin": "https://evil.example"})
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.headers["www-authenticate"] == "Bearer"
        assert "access-control-allow-origin" not in response.headers
        assert response.json()["error"] == "not_signed_in"
    for short in PUBLIC:
        assert api.get(short).status_code == 200, short
    assert api.post("/sessions", json={"upn": "nobody@example.test"}).status_code == 401


def test_public_endpoints_tell_nothing_of_the_data(admin, api):
    assert api.get("/health").json() == {"ok": True}
    version = api.get("/version").json()
    assert version["product"] == "Access Desk"
    assert version["api"] == 1
    assert version["demo"] is False
    spec = api.get("/openapi.json").json()
    # The document is generated from the one list of operations: every one is in it.
    ids = {op["operationId"] for methods in spec["paths"].values() for op in methods.values()}
    assert {op.name for op in OPERATIONS} <= ids


def test_a_forged_or_malformed_token_is_refused(admin, api, token_for):
    good = token_for(admin)
    assert api.get("/me", headers=bearer(good)).status_code == 200
    for forged in (good[:-1] + ("A" if good[-1] != "A" else "B"), "x" * 43, "-",
                   good + "=", "a" * 5000):
        response = api.get("/me", headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401, forged
    # Only the Authorization header carries a token: never a query string or a cookie.
    assert api.get("/me", params={"token": good}).status_code == 401
    assert api.get("/me", headers={"Cookie": f"token={good}"}).status_code == 401
    assert api.get("/me", headers={"Authorization": f"Basic {good}"}).status_code == 401


def test_demo_sign_in_is_passwordless_but_still_gives_a_token(demo, api):
    assert api.get("/me").status_code == 401
    response = api.post("/sessions", json={"upn": demo.upn})
    assert response.status_code == 201
    token = response.json()["token"]
    assert len(token) >= 43  # 256 bits, URL-safe base64
    assert api.get("/me", headers=bearer(token)).json()["upn"] == demo.upn


def test_errors_map_once(admin, api, token_for, make):
    headers = bearer(token_for(admin))
    missing = api.get("/apps/No such app", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    bad = api.get("/users", headers=headers, params={"limit": -1})
    assert bad.status_code == 422
    assert bad.json()["error"] == "bad_input"
    carol = make.user("carol")
    taken = api.post("/users", headers=headers, json={"upn": carol.upn, "name": "Carol"})
    assert taken.status_code == 409
    assert taken.json()["error"] == "conflict"
