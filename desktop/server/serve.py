"""`access-desk serve`: checks the configuration, makes or loads the TLS certificate, and runs
the API under uvicorn (one process, or `--workers N`, each opening the database itself).
uvicorn stops cleanly on SIGTERM: requests in flight finish, live streams end."""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from desktop.errors import UsageError
from desktop.paths import data_dir
from desktop.remote.client import fingerprint_of, is_loopback

EXTRA = "pip install 'access-desk[server]'"
MAX_PEM_BYTES = 1024 * 1024


@dataclass
class ServeOptions:
    url: str
    bind: str = "127.0.0.1:8080"
    tls_cert: str | None = None
    tls_key: str | None = None
    self_signed: bool = False
    workers: int = 1
    check: bool = False
    trusted_proxies: str = ""
    max_upload: str = "512M"


def require_server_packages() -> None:
    missing = []
    for module in ("fastapi", "uvicorn", "httpx"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise UsageError(f"serving needs {', '.join(missing)}: {EXTRA}")


def parse_bind(bind: str) -> tuple[str, int]:
    host, sep, port = bind.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--bind takes HOST:PORT like 127.0.0.1:8080, not {bind!r}")
    return host.strip("[]"), int(port)


def self_signed_pair(host: str) -> tuple[Path, Path]:
    """The certificate `--self-signed` made on first start (kept, so its pinned fingerprint
    stays the same), or a new one."""
    folder = data_dir() / "server"
    cert, key = folder / "cert.pem", folder / "key.pem"
    if cert.exists() and key.exists():
        return cert, key
    import socket

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    host_name = socket.gethostname()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Access Desk on {host_name}")])
    now = dt.datetime.now(dt.UTC)
    names: list[x509.GeneralName] = [x509.DNSName("localhost"), x509.DNSName(host_name)]
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(private.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=3650))
                   .add_extension(x509.SubjectAlternativeName(names), critical=False)
                   .sign(private, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    _write_private(key, private.private_bytes(serialization.Encoding.PEM,
                                              serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    _write_private(cert, certificate.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def certificate_fingerprint(cert: Path) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    # A certificate chain is a few kilobytes: refuse a special file (/dev/zero, a pipe) or a
    # huge one before reading it.
    if not cert.is_file() or cert.stat().st_size > MAX_PEM_BYTES:
        raise UsageError(f"{cert} is not a certificate file (PEM, at most "
                         f"{MAX_PEM_BYTES // 1024} KB)")
    try:
        loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the certificate {cert}: {exc}") from None
    return fingerprint_of(loaded.public_bytes(Encoding.DER))


def plan(options: ServeOptions) -> dict[str, object]:
    """Everything checked before listening: packages, address, TLS, database, keys."""
    require_server_packages()
    host, port = parse_bind(options.bind)
    if options.workers < 1 or options.workers > 64:
        raise UsageError("--workers takes 1 to 64")
    from desktop.archive import parse_size, size_text

    try:
        max_upload = parse_size(options.max_upload)
    except UsageError as exc:
        raise UsageError(f"--max-upload: {exc}") from None
    if bool(options.tls_cert) != bool(options.tls_key):
        raise UsageError("--tls-cert and --tls-key go together")
    if options.self_signed and options.tls_cert:
        raise UsageError("choose --self-signed or --tls-cert/--tls-key, not both")
    cert = key = None
    if options.tls_cert and options.tls_key:
        cert, key = Path(options.tls_cert), Path(options.tls_key)
        if not key.is_file() or key.stat().st_size > MAX_PEM_BYTES:
            raise UsageError(f"no TLS key file {key} (PEM, at most {MAX_PEM_BYTES // 1024} KB)")
    elif options.self_signed:
        cert, key = self_signed_pair(host)
    elif not is_loopback(host) and host not in ("localhost",):
        raise UsageError(f"{host} is reachable from other machines: serve it over TLS with "
                         "--tls-cert FILE --tls-key FILE, or --self-signed")
    fingerprint = certificate_fingerprint(cert) if cert else None
    from desktop.errors import DatabaseUnusable
    from desktop.models.database import parse_url
    from desktop.paths import demo_db_path
    from desktop.services import setup

    parsed = parse_url(options.url)
    if options.url not in ("demo", str(demo_db_path())) and parsed.kind == "sqlite" and not (
            parsed.path and parsed.path.exists()):
        raise DatabaseUnusable(f"there is no database at {parsed.display()}: run "
                               f"`access-desk --db {parsed.display()} init --admin UPN` first")
    setup.open_url(options.url)  # "run init", a newer schema, a damaged file: exit 4 here
    if not setup.has_people():
        raise DatabaseUnusable("the directory is empty: make its first Global Administrator "
                               "with `access-desk --db URL init --admin UPN` on this host")
    from desktop.services.core import is_demo

    demo = is_demo()
    # The server's process opens it again (each worker its own); this check's connection
    # must not be open then (see models.schema.open_database on SQLite's locks).
    from desktop.models.schema import close_database

    close_database()
    scheme = "https" if cert else "http"
    shown = f"[{host}]" if ":" in host else host
    return {"url": f"{scheme}://{shown}:{port}", "host": host, "port": port,
            "cert": str(cert) if cert else None, "key": str(key) if key else None,
            "fingerprint": fingerprint, "demo": demo, "workers": options.workers,
            "max_upload": size_text(max_upload)}


def run(options: ServeOptions) -> dict[str, object]:
    info = plan(options)
    if options.check:
        from desktop.services import keys

        problem = keys.key_status()
        if problem:
            from desktop.errors import DatabaseUnusable

            raise DatabaseUnusable(f"the server cannot decrypt credentials: {problem}")
        info["data_key"] = "ok"
        info["check"] = "ok"
        return info
    import signal

    import uvicorn

    # uvicorn finishes what is in flight on SIGTERM, then raises the signal again with the
    # handler it found: this one makes that a clean exit (0), as a service manager expects.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    os.environ["ACCESS_DESK_DB"] = options.url
    os.environ["ACCESS_DESK_TRUSTED_PROXIES"] = options.trusted_proxies
    os.environ["ACCESS_DESK_SERVER_FINGERPRINT"] = str(info["fingerprint"] or "")
    from desktop.archive import parse_size

    os.environ["ACCESS_DESK_MAX_UPLOAD"] = str(parse_size(options.max_upload))
    print(f"Access Desk server on {info['url']}"
          + (f"\ncertificate SHA-256 fingerprint: {info['fingerprint']}" if info["fingerprint"]
             else "") + ("\nthe demo directory: sign in as any demo person, no password"
                         if info["demo"] else ""), file=sys.stderr, flush=True)
    uvicorn.run("desktop.server.app:app_from_environment", factory=True,
                host=str(info["host"]), port=int(str(info["port"])), workers=options.workers,
                ssl_certfile=info["cert"], ssl_keyfile=info["key"],  # type: ignore[arg-type]
                log_level="warning", access_log=False, server_header=False,
                # Longer than the client's keep-alive (20 s, remote/client.py): the client
                # always closes an idle connection first.
                timeout_keep_alive=30,
                # Live streams never end by themselves: they are cut after this.
                timeout_graceful_shutdown=3)
    return {"stopped": True}
