"""An Access Desk server in this process (uvicorn in a thread, real HTTP on a loopback port)
over the test's database, and clients with tokens."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

pytest.importorskip("fastapi", reason="the [server] extra is part of [test]")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, outbox_interval_s: float = 0.2) -> None:
        import uvicorn

        from desktop.server.app import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app(outbox_interval_s=outbox_interval_s)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                log_level="warning", access_log=False, lifespan="on",
                                timeout_graceful_shutdown=1, timeout_keep_alive=30)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def server(db: Any) -> Iterator[LiveServer]:
    live = LiveServer()
    live.start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def api(server: LiveServer) -> Iterator[httpx.Client]:
    """A bare HTTP client of the server's /api/v1 (no token)."""
    with httpx.Client(base_url=server.url + "/api/v1", timeout=20) as client:
        yield client


@pytest.fixture
def token_for() -> Callable[[Any], str]:
    """token_for(user): a session token for a person, as a password sign-in gives it."""
    from desktop.services import sessions

    def make(user: Any) -> str:
        return str(sessions.open_session(user, client="test")["token"])

    return make


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}

