"""The command line in team mode: connecting to the server named by --server, signing in for
one command (--as) or with the token `login` kept, and signing that one-command session out
again at the end."""

from __future__ import annotations

from typing import Any

from desktop.errors import NotSignedIn
from desktop.remote import trust
from desktop.remote.client import RemoteBackend

from .session import read_password


def connect(url: str, as_upn: str | None) -> RemoteBackend:
    backend = RemoteBackend(url)
    kept = trust.token(backend.url, as_upn)
    if kept is not None:
        backend.token = kept[1]
        return backend
    if not as_upn:
        raise NotSignedIn(f"sign in first: access-desk --server {backend.url} --as UPN login "
                          "(or give --as UPN to sign in for one command)")
    demo = bool(backend.version().get("demo"))
    password = None if demo else read_password(as_upn)
    if password is None and not demo:
        raise NotSignedIn("set ACCESS_DESK_PASSWORD or run it on a terminal to type the "
                          "password")
    backend.sign_in(as_upn, password)
    backend.ephemeral = True  # type: ignore[attr-defined]
    return backend


def disconnect(backend: Any) -> None:
    """End a one-command session (a kept `login` token stays)."""
    try:
        if getattr(backend, "ephemeral", False):
            backend.sign_out()
    except Exception:  # noqa: BLE001 - the command's own result or error matters, not this
        pass
    backend.close()


def login(url: str, as_upn: str | None) -> dict[str, Any]:
    """Sign in and keep the token (owner-only file); pin the certificate on first use."""
    backend = RemoteBackend(url, trust_on_first_use=True)
    try:
        info = backend.version()
        if not as_upn:
            raise NotSignedIn("name who signs in: access-desk --server URL --as UPN login")
        demo = bool(info.get("demo"))
        password = None if demo else read_password(as_upn)
        if password is None and not demo:
            raise NotSignedIn("set ACCESS_DESK_PASSWORD or run it on a terminal to type the "
                              "password")
        view = backend.sign_in(as_upn, password)
        trust.keep_token(backend.url, view["upn"], view["token"])
        return {"server": backend.url, "upn": view["upn"], "session": view["session_id"],
                "expires_at": view["expires_at"], "fingerprint": backend.fingerprint,
                "demo": demo}
    finally:
        backend.close()


def logout(url: str, as_upn: str | None) -> dict[str, Any]:
    backend = RemoteBackend(url)
    try:
        value = trust.forget_token(backend.url, as_upn)
        if value is None:
            return {"server": backend.url, "signed_out": False, "note": "no kept token"}
        backend.token = value
        try:
            backend.sign_out()
        except NotSignedIn:
            pass  # it had ended already
        return {"server": backend.url, "signed_out": True}
    finally:
        backend.close()
