"""Writing a file so that a failed or refused write leaves the target as it was: the one
place for every file Access Desk writes for people (exports, evidence bundles, the remote
client's downloads). No database here: a desktop connected to a server uses it too."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from desktop.errors import AccessDeskError, CannotWrite, UsageError

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_UNUSABLE = {errno.EROFS, errno.EIO}


def cannot_write(path: Path | str, exc: OSError) -> AccessDeskError:
    """One sentence for a failed write: a full disk or an unusable place exits 4, a target
    that cannot be written (a folder, no permission, a missing folder) is a usage error."""
    if exc.errno in _FULL:
        return CannotWrite(f"the disk is full: {path} was not written")
    reason = (exc.strerror or str(exc)).lower()
    if exc.errno in _UNUSABLE:
        return CannotWrite(f"cannot write {path}: {reason}")
    return UsageError(f"cannot write {path}: {reason}")


def check_target(path: Path | str) -> Path:
    """The file an export replaces, refused at once when it is a folder; a link is followed,
    so that the file it points to is replaced and the link kept."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise UsageError(f"{path} is a folder; name a file to write")
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    folder = next((p for p in target.parents if p.exists()), None)
    if folder is not None and not folder.is_dir():
        raise UsageError(f"cannot write {path}: {folder} is a file, not a folder")
    return target


def check_export_folder(folder: Path, names: Collection[str] | None = None) -> None:
    """A folder an export writes the files `names` into: refused when it is a file, or when
    it holds other JSON files (`import graph FOLDER` would read them as if they were part of
    the export). `names` None: only whether it is a file."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file; name a folder for the directory export")
    others = sorted(p.name for p in folder.glob("*.json") if p.name not in names) \
        if names is not None and folder.is_dir() else []
    if others:
        raise UsageError(f"{folder} holds other JSON files ({', '.join(others[:3])}); "
                         "choose an empty or new folder")


def make_export_folder(folder: Path) -> None:
    """The export's folder, made readable by its owner only when it is new."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write to {folder}: {exc.strerror}") from exc


@contextmanager
def replacing(path: Path | str, *, encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """A stream to write a file through: a temporary file beside `path`, created readable by
    its owner only (0600), renamed over `path` when the block ends without an error, removed
    otherwise; so a refused or failed write leaves `path` as it was. Missing folders are
    made. A device or a pipe (/dev/stdout) is written into directly. `encoding` None: bytes.
    OSError becomes `cannot_write`'s error."""
    target = check_target(path)
    if target.exists() and not target.is_file():
        try:
            with _open(os.open(target, os.O_WRONLY), encoding) as stream:
                yield stream
        except OSError as exc:
            raise cannot_write(path, exc) from exc
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                    dir=target.parent)
    except OSError as exc:
        raise cannot_write(path, exc) from exc
    partial = Path(name)
    try:
        with _open(fd, encoding) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(partial, target)
    except OSError as exc:
        raise cannot_write(path, exc) from exc
    finally:
        partial.unlink(missing_ok=True)


def _open(fd: int, encoding: str | None) -> IO[Any]:
    if encoding is None:
        return open(fd, "wb")
    return open(fd, "w", encoding=encoding, newline="")
