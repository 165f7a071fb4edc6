"""What a client keeps about servers, in owner-only files of its data folder: the certificate
fingerprint pinned on first use (as SSH's known_hosts), and the tokens of `login`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from desktop.paths import data_dir


def _file(name: str) -> Path:
    return data_dir() / name


def _read(name: str) -> dict[str, Any]:
    try:
        data = json.loads(_file(name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(name: str, data: dict[str, Any]) -> None:
    path = _file(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def server_key(url: str) -> str:
    return url.rstrip("/").lower()


def pinned(url: str) -> str | None:
    """The pinned certificate's fingerprint for this server, if any."""
    value = _read("known_servers.json").get(server_key(url))
    if isinstance(value, dict):
        value = value.get("fingerprint")
    return str(value) if value else None


def pinned_certificate(url: str) -> str | None:
    """The pinned certificate itself (PEM): TLS trusts it and nothing else."""
    value = _read("known_servers.json").get(server_key(url))
    return str(value.get("pem")) if isinstance(value, dict) and value.get("pem") else None


def pin(url: str, fingerprint: str, pem: str | None = None) -> None:
    data = _read("known_servers.json")
    data[server_key(url)] = {"fingerprint": fingerprint, "pem": pem} if pem else fingerprint
    _write("known_servers.json", data)


def token(url: str, upn: str | None = None) -> tuple[str, str] | None:
    """(upn, token) stored by `login` for this server: the named person's, or the last one."""
    entry = _read("tokens.json").get(server_key(url)) or {}
    if not isinstance(entry, dict):
        return None
    if upn is None:
        upn = entry.get("_last")
    value = entry.get(upn.strip().lower()) if upn else None
    return (upn.strip().lower(), str(value)) if upn and value else None


def keep_token(url: str, upn: str, value: str) -> None:
    data = _read("tokens.json")
    entry = data.setdefault(server_key(url), {})
    entry[upn.lower()] = value
    entry["_last"] = upn.lower()
    _write("tokens.json", data)


def forget_token(url: str, upn: str | None = None) -> str | None:
    data = _read("tokens.json")
    entry = data.get(server_key(url)) or {}
    upn = (upn or entry.get("_last") or "").lower()
    value = entry.pop(upn, None)
    if entry.get("_last") == upn:
        entry.pop("_last")
    data[server_key(url)] = entry
    _write("tokens.json", data)
    return str(value) if value else None
