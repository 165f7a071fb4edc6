"""The remote backend: each operation of desktop/api/operations.py as an HTTP call to an
Access Desk server, its errors turned back into the services' exceptions (desktop/api/errors.py)
so that the command line cannot tell it from the local backend.

TLS: the server's certificate is pinned by its SHA-256 fingerprint on first use (the server
prints it at start and on the Trainer's board); a different one is refused. Plain http:// is
accepted only for a loopback address."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import socket
import ssl
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from desktop import __version__
from desktop.api import errors as api_errors
from desktop.api.backend import listing_rows
from desktop.api.operations import API_VERSION, MAX_PAGE, PREFIX, operation
from desktop.errors import CertificateMismatch, NotSignedIn, ServerUnreachable, UsageError

from . import trust

TIMEOUT = httpx.Timeout(30.0, connect=5.0)
# A live stream hears at least a heartbeat every 10 s: 25 s of silence means a dead link.
STREAM_TIMEOUT = httpx.Timeout(5.0, read=25.0)
# A slow operation (operations.py: a whole audit log, an import, an export) may work for
# minutes before it answers; an upload's body goes out at the network's pace.
SLOW_TIMEOUT = httpx.Timeout(30.0, connect=5.0, read=3600.0)
CHUNK = 64 * 1024


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{url!r} is not a server address like https://host:8443")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise UsageError("plain http:// is only for this machine (localhost); use https://")
    return url.rstrip("/")


def fingerprint_of(der: bytes) -> str:
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


class RemoteBackend:
    remote = True

    def __init__(self, url: str, token: str | None = None, *, pin: str | None = None) -> None:
        self.url = check_url(url)
        self.token = token
        self._pin = pin if pin is not None else trust.pinned(self.url)
        self.fingerprint: str | None = None
        self._desk: dict[str, Any] | None = None
        self._streams: set[Any] = set()  # live connections open now (closed by close())
        self.certificate: str | None = None  # PEM of what the server showed
        verify: Any = True
        if self.url.startswith("https://"):
            # The pinned certificate is the trust, not a certificate authority (self-signed
            # certificates are the classroom's and many teams' case). With it, TLS itself
            # refuses any other certificate, before a token or password is sent.
            context = ssl.create_default_context()
            context.check_hostname = False
            pem = trust.pinned_certificate(self.url) if pin is None else None
            if pem:
                context.load_verify_locations(cadata=pem)
                context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
                context.verify_mode = ssl.CERT_REQUIRED
            else:
                context.verify_mode = ssl.CERT_NONE
            verify = context
        self.http = httpx.Client(
            base_url=self.url + PREFIX, verify=verify, timeout=TIMEOUT,
            # The server drops an idle connection after its keep-alive (30 s, serve.py): ours
            # gives it up first, so a request never goes out on one being closed.
            limits=httpx.Limits(keepalive_expiry=20),
            headers={"Access-Desk-Api": str(API_VERSION),
                     "User-Agent": f"access-desk/{__version__}"})

    # --- transport ---------------------------------------------------------------------------

    def _check_certificate(self, response: httpx.Response) -> None:
        stream = response.extensions.get("network_stream")
        ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
        if ssl_object is None:
            return
        der = ssl_object.getpeercert(True)
        seen = fingerprint_of(der)
        self.fingerprint = seen
        self.certificate = ssl.DER_cert_to_PEM_cert(der)
        if self._pin == "":  # a probe: see the certificate, trust nothing
            raise CertificateMismatch("not trusted yet")
        if self._pin is None:
            raise CertificateMismatch(
                f"the server {self.url} is not known yet: run `access-desk --server "
                f"{self.url} login` first to check and pin its certificate ({seen})")
        elif seen != self._pin:
            raise CertificateMismatch(
                f"the server's certificate ({seen}) is not the one pinned for {self.url} "
                f"({self._pin}); someone may be in between. If the server got a new "
                "certificate, remove its line from known_servers.json and log in again")

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                body: Any = None, auth: bool = True, content: Any = None,
                headers: dict[str, str] | None = None, timeout: Any = None) -> Any:
        """One call: `body` as JSON, or `content` (bytes or an iterator of them) as is."""
        headers = dict(headers or {})
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self.http.request(
                method, path, params=params, json=body, content=content, headers=headers,
                timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout)
        except httpx.TransportError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc):
                raise CertificateMismatch(
                    f"the server's certificate is not the one pinned for {self.url}; someone "
                    "may be in between. If the server got a new certificate, remove its line "
                    "from known_servers.json and log in again") from None
            raise ServerUnreachable(f"cannot reach the Access Desk server at {self.url} "
                                    f"({type(exc).__name__}: {exc or 'no answer'})") from None
        self._check_certificate(response)
        try:
            data = response.json() if response.content else None
        except ValueError:
            data = None
        if response.status_code >= 400:
            if response.status_code == 426 and isinstance(data, dict):
                raise ServerUnreachable(str(data.get("message")))
            raise api_errors.from_http(response.status_code, data)
        return data

    # --- operations ----------------------------------------------------------------------------

    def call(self, name: str, /, **params: Any) -> Any:
        op = operation(name)
        path, rest = op.url_path(op.arguments(params))  # the same checks as locally
        given = {k: _wire(v) for k, v in rest.items()}
        timeout = SLOW_TIMEOUT if op.slow else None
        if op.method in ("GET", "DELETE"):
            query = {k: v for k, v in given.items() if v is not None}
            if op.listing:  # complete unless a limit was given, a page at a time
                return list(self.iterate(name, **params))
            return self.request(op.method, path, params=query, timeout=timeout)
        return self.request(op.method, path, body=given, timeout=timeout)

    @property
    def place(self) -> str:
        """Where the windows work, for people: the server's host and port."""
        return urlsplit(self.url).netloc

    def desk(self, fresh: bool = False) -> dict[str, Any]:
        """The signed-in person as the windows need him (``me.desk``), read once."""
        if self._desk is None or fresh:
            self._desk = self.call("me.desk")
        return self._desk

    def worker(self) -> Any:
        """A worker thread needs nothing of its own: the HTTP client is shared."""
        import contextlib

        return contextlib.nullcontext()

    def download(self, name: str, /, out: Any, **params: Any) -> dict[str, Any]:
        """A download operation's bytes written to `out` (a binary stream) as they come;
        returns the server's view of what it wrote."""
        op = operation(name)
        path, rest = op.url_path(op.arguments(params))
        given = {k: _wire(v) for k, v in rest.items()}
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        where: dict[str, Any] = {"params": given} if op.method in ("GET", "DELETE") \
            else {"json": given}
        try:
            with self.http.stream(op.method, path, headers=headers,
                                  timeout=SLOW_TIMEOUT if op.slow else httpx.USE_CLIENT_DEFAULT,
                                  **where) as response:
                self._check_certificate(response)
                if response.status_code >= 400:
                    response.read()
                    raise api_errors.from_http(response.status_code, response.json())
                for chunk in response.iter_bytes():
                    out.write(chunk)
                return json.loads(response.headers.get("x-access-desk-result") or "{}")
        except httpx.TransportError as exc:
            raise ServerUnreachable(f"the download from {self.url} broke off "
                                    f"({type(exc).__name__})") from None

    def upload(self, name: str, /, source: str, progress: Any = None,
               **params: Any) -> Any:
        """An upload operation: the file `source` streamed as the request's body, the
        parameters in the query string; `progress(sent, total)` after each piece."""
        import os

        op = operation(name)
        path, rest = op.url_path(op.arguments(params))
        query = {k: _wire(v) for k, v in rest.items() if v is not None}
        size = os.path.getsize(source)

        def pieces() -> Iterator[bytes]:
            sent = 0
            with open(source, "rb") as f:
                while chunk := f.read(CHUNK):
                    yield chunk
                    sent += len(chunk)
                    if progress is not None:
                        progress(sent, size)

        return self.request("POST", path, params=query, content=pieces(), timeout=SLOW_TIMEOUT,
                            headers={"Content-Length": str(size),
                                     "Content-Type": "application/octet-stream"})

    def iterate(self, name: str, /, **params: Any) -> Iterator[Any]:
        """A listing's rows as they come, a page of the server's at a time, by key where the
        listing has one (so memory stays flat however long the listing is)."""
        op = operation(name)
        path, rest = op.url_path(op.arguments(params))
        query = {k: _wire(v) for k, v in rest.items() if v is not None}
        return listing_rows(lambda page: self.request(op.method, path, params=page),
                            query, op.keyset, MAX_PAGE)

    # --- sessions --------------------------------------------------------------------------------

    def version(self) -> dict[str, Any]:
        return self.request("GET", "/version", auth=False)  # type: ignore[no-any-return]

    def sign_in(self, upn: str, password: str | None, client: str = "cli") -> dict[str, Any]:
        view = self.request("POST", "/sessions", auth=False, body={
            "upn": upn, "password": password, "client": f"access-desk {client} {__version__}"})
        self.token = view["token"]
        return view  # type: ignore[no-any-return]

    def sign_out(self) -> dict[str, Any]:
        if not self.token:
            raise NotSignedIn("not signed in to this server")
        return self.request("DELETE", "/sessions/current")  # type: ignore[no-any-return]

    def changes(self, after: int | None = None) -> Iterator[dict[str, Any]]:
        """The live notices as they come: {"event": "change"|"resync"|"hello", ...data}.
        Ends when the connection does (the caller reconnects with `after`); NotSignedIn when
        the server says the session ended."""
        params = {"after": after} if after is not None else None
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            with self.http.stream("GET", "/events", params=params, headers=headers,
                                  timeout=STREAM_TIMEOUT) as response:
                self._streams.add(response)
                self._check_certificate(response)
                if response.status_code >= 400:
                    response.read()
                    raise api_errors.from_http(response.status_code, response.json())
                event = "message"
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:"):
                        data = json.loads(line[5:].strip() or "{}")
                        if event == "ended":
                            raise NotSignedIn(str(data.get("message") or "session ended"))
                        yield {"event": event, **data}
                        event = "message"
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise ServerUnreachable(f"the live connection to {self.url} ended "
                                    f"({type(exc).__name__})") from None
        finally:
            self._streams = {r for r in self._streams if not r.is_closed}

    def close_streams(self) -> None:
        """End the live connections now (the thread reading one sees it end). The socket is
        shut down first: closing the response alone does not wake a thread blocked reading
        it, which then held the connection (and a server being stopped) until the next
        heartbeat, 10 s later."""
        for response in list(self._streams):
            try:
                stream = response.extensions.get("network_stream")
                sock = stream.get_extra_info("socket") if stream is not None else None
                if sock is not None:
                    sock.shutdown(socket.SHUT_RDWR)
                response.close()
            except Exception:  # noqa: BLE001 - closing from another thread may race
                pass
        self._streams.clear()

    def close(self) -> None:
        self.close_streams()
        self.http.close()


def _wire(value: Any) -> Any:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value
