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
        backend.kept_upn = kept[0]  # type: ignore[attr-defined]
        return backend
    if not as_upn:
        raise NotSignedIn(f"sign in first: access-desk --server {backend.url} --as UPN login "
                          "(or give --as UPN to sign in for one command)")
    backend.sign_in(as_upn, _password(backend.version(), as_upn))
    backend.ephemeral = True  # type: ignore[attr-defined]
    return backend


def _password(version: dict[str, Any], upn: str) -> str | None:
    """The password to sign in with: none on a demo server, else ACCESS_DESK_PASSWORD or a
    prompt on a terminal (as for a database)."""
    if version.get("demo"):
        return None
    password = read_password(upn)
    if password is None:
        raise NotSignedIn("set ACCESS_DESK_PASSWORD or run it on a terminal to type the "
                          "password")
    return password


def forget_ended(backend: Any) -> bool:
    """After a refused token: forget the kept one (it ended: signed out elsewhere, expired),
    so the next command signs in afresh. True if one was forgotten."""
    upn = getattr(backend, "kept_upn", None)
    if upn is None:
        return False
    trust.forget_token(backend.url, upn)
    return True


def disconnect(backend: Any) -> None:
    """End a one-command session (a kept `login` token stays)."""
    try:
        if getattr(backend, "ephemeral", False):
            backend.sign_out()
    except Exception:  # noqa: BLE001 - the command's own result or error matters, not this
        pass
    backend.close()


def _same(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return text.replace(":", "").replace(" ", "").upper()

    return norm(a) == norm(b)


def trust_server(url: str, fingerprint: str | None) -> None:
    """Pin a server's certificate on first use, as SSH does, once its person has compared
    its fingerprint: given with --fingerprint, or confirmed on a terminal. A script that
    named none is refused (it could not have compared)."""
    import sys

    from desktop.errors import CertificateMismatch

    if not url.lower().startswith("https://") or trust.pinned(url):
        return
    probe = RemoteBackend(url, pin="")  # records the certificate, trusts nothing
    try:
        probe.version()
    except CertificateMismatch:
        pass
    finally:
        probe.close()
    seen, pem = probe.fingerprint, probe.certificate
    if seen is None:
        return
    if fingerprint is not None:
        if not _same(fingerprint, seen):
            raise CertificateMismatch(f"the server's certificate is {seen}, not the "
                                      f"{fingerprint} you were given; not trusted")
    elif sys.stdin is not None and sys.stdin.isatty():
        print(f"The server {url} is not known yet. Its certificate's SHA-256 fingerprint is\n"
              f"  {seen}\nCompare it with the one the server printed.", file=sys.stderr)
        answer = input("Trust this server? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            raise CertificateMismatch("the server was not trusted; nothing was sent to it")
    else:
        raise CertificateMismatch(f"the server {url} is not known yet: its certificate is {seen}; "
                                  "compare it with the one `serve` printed and run login "
                                  f"--fingerprint {seen}")
    trust.pin(url, seen, pem)


def login(url: str, as_upn: str | None, fingerprint: str | None = None) -> dict[str, Any]:
    """Sign in and keep the token (owner-only file), once the server is trusted."""
    trust_server(url, fingerprint)
    backend = RemoteBackend(url)
    try:
        info = backend.version()
        if not as_upn:
            raise NotSignedIn("name who signs in: access-desk --server URL --as UPN login")
        demo = bool(info.get("demo"))
        view = backend.sign_in(as_upn, _password(info, as_upn))
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
