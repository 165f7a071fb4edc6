"""Folders sent over the network as zip archives: the files of an import a desktop uploads, a
directory export the server writes for a desktop. Reading one refuses what could land outside
its folder (an absolute name, "..", a link) and stops at a size cap, so an archive can neither
write where it should not nor fill the disk. No database here: both ends use it."""

from __future__ import annotations

import os
import re
import shutil
import stat
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import IO, Any

from desktop.errors import AccessDeskError, TooLarge, UsageError

CHUNK = 64 * 1024
_UNITS = {"": 1, "B": 1, "K": 1024, "KB": 1024, "M": 1024**2, "MB": 1024**2,
          "G": 1024**3, "GB": 1024**3}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]?B?)\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """'512M', '64 KB', '1G' or a number of bytes."""
    found = _SIZE.match(text or "")
    if not found:
        raise UsageError(f"{text!r} is not a size like 512M, 64K or 1G")
    size = int(float(found.group(1)) * _UNITS[found.group(2).upper()])
    if size < 1:
        raise UsageError(f"{text!r} is not a size like 512M, 64K or 1G")
    return size


def size_text(size: int) -> str:
    """512 MB, 64 KB, 1.5 GB, 900 bytes."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) or value >= 10 \
                else f"{value:.1f} {unit}"
    return f"{size} bytes"


def over_limit(what: str, cap: int) -> str:
    """Why an upload was refused, naming the limit and where it is set."""
    return (f"{what} is over this server's upload limit of {size_text(cap)} (set with "
            "`serve --max-upload SIZE` on the server)")


def pack(entries: Iterable[tuple[str, Path]], out: IO[bytes]) -> None:
    """A zip of the files, each under its name in the archive."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, path in entries:
            zf.write(path, name)


def checked(zf: zipfile.ZipFile, cap: int | None = None,
            over_cap: Callable[[], str] | None = None) -> list[tuple[zipfile.ZipInfo, str]]:
    """The archive's files with the relative names they unpack to, after refusing (nothing
    unpacked yet) an entry with an absolute name or "..", a link, a name given twice, and a
    total over `cap` as the archive declares it (`unpack` counts what really comes out)."""
    found: list[tuple[zipfile.ZipInfo, str]] = []
    seen: set[str] = set()
    declared = 0
    for info in zf.infolist():
        # Windows tools write "\" between folders: the same separator as "/".
        raw = info.filename.replace("\\", "/")
        parts = [part for part in PurePosixPath(raw).parts if part not in ("", ".")]
        if raw.startswith("/") or ".." in parts or (parts and parts[0].endswith(":")):
            raise UsageError(f"the archive's entry {info.filename!r} points outside its "
                             "folder (an absolute name or \"..\")")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UsageError(f"the archive's entry {info.filename!r} is a link; only files "
                             "and folders are unpacked")
        if info.is_dir() or not parts:
            continue
        name = "/".join(parts)
        if name in seen:
            raise UsageError(f"the archive holds {name!r} twice")
        seen.add(name)
        declared += info.file_size
        if cap is not None and declared > cap:
            raise TooLarge(over_cap() if over_cap else "the archive is too large")
        found.append((info, name))
    return found


def unpack(archive: Path, folder: Path, cap: int, over_cap: Callable[[], str]) -> list[Path]:
    """The archive's files written under `folder` (owner-only), in the archive's order.
    UsageError when it is not a zip or holds an entry `checked` refuses; TooLarge (with
    over_cap's words) when its files come to more than `cap` bytes."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UsageError(f"the upload is not a zip archive ({exc})") from None
    written: list[Path] = []
    total = 0
    with zf:
        for info, name in checked(zf, cap, over_cap):
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as out, zf.open(info) as source:
                    while chunk := source.read(CHUNK):
                        total += len(chunk)
                        if total > cap:  # the declared sizes lied
                            raise TooLarge(over_cap())
                        out.write(chunk)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError,
                    NotImplementedError) as exc:
                raise UsageError(f"the archive's entry {name!r} cannot be read ({exc})") \
                    from None
            except OSError as exc:  # a full disk where it is unpacked
                from desktop.files import cannot_write

                raise cannot_write(f"the archive's entry {name!r}", exc) from exc
            written.append(target)
    return written


def copy_out(zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: IO[bytes]) -> None:
    with zf.open(info) as source:
        shutil.copyfileobj(source, out, CHUNK)


def relabel(value: Any, names: dict[str, str]) -> Any:
    """`value` (a report: dicts, lists, text) with each of `names`' keys written as its
    value: paths in a temporary folder shown as the paths people named."""
    if isinstance(value, str):
        for old in sorted(names, key=len, reverse=True):
            if old in value:
                value = value.replace(old, names[old])
        return value
    if isinstance(value, dict):
        return {k: relabel(v, names) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [relabel(v, names) for v in value]
    return value


def relabel_error(exc: AccessDeskError, names: dict[str, str]) -> AccessDeskError:
    """The same error, its message relabelled (see `relabel`)."""
    exc.message = relabel(exc.message, names)
    exc.args = (exc.message,)
    if hasattr(exc, "plain"):
        exc.plain = relabel(exc.plain, names)
    return exc
