"""Files to and from an Access Desk server, for the command line and the windows alike: an
import's files go up as one zip (read here as `import graph` beside the database reads them:
the same folders walked, the same entries left out), an evidence bundle comes down into its
file as it is written. Nothing here opens a database or prints."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop import archive
from desktop.errors import AccessDeskError, UsageError
from desktop.files import check_target, replacing

Sent = Callable[[int, int], None]  # bytes sent so far, of how many
Received = Callable[[int], None]  # bytes received so far


def _entry(index: int, width: int, name: str) -> str:
    """A file's name in the upload: its own number (so the server reads them in the order
    given, each as named), and a name the server's folder reading takes (a *.json name that
    does not start with a dot; the name's Graph id, if any, stays)."""
    safe = name.lstrip(".") or "file"
    if not safe.lower().endswith(".json"):
        safe += ".json"
    return f"files/{index:0{width}d}/{safe}"


@dataclass
class GraphFiles:
    """The files an import sends, read before anything is asked of the server."""

    entries: list[tuple[str, Path]]  # (name in the upload, file here)
    left_out: list[Any]  # graph.reader.LeftOut: what the folders held that is not read

    @property
    def names(self) -> dict[str, str]:
        return {entry: str(path) for entry, path in self.entries}


def graph_files(paths: list[str]) -> GraphFiles:
    """The files `paths` name, as `import graph` beside the database reads them; a usage
    error when there is nothing to read."""
    from desktop.graph import GraphFormatError
    from desktop.graph.reader import LeftOut, json_files

    left: list[LeftOut] = []
    try:
        files = json_files(paths, left)
        if not files and left:
            raise GraphFormatError(left[0].path, None, None,
                                   f"{left[0].reason}; there is no other file to read")
    except GraphFormatError as exc:
        raise UsageError(f"nothing was imported: {exc}") from exc
    width = len(str(max(len(files) - 1, 0)))
    return GraphFiles([(_entry(i, width, path.name), path) for i, path in enumerate(files)],
                      list(left))


def import_graph(backend: Any, files: GraphFiles, *, dry_run: bool, strict: bool = False,
                 sent: Sent | None = None) -> dict[str, Any]:
    """`import graph` on the server; the report names the files as they were given here.
    `sent(done, total)` follows the upload (done == total: the server is importing)."""
    names = files.names
    with tempfile.TemporaryDirectory(prefix="access-desk-upload-") as folder:
        upload = Path(folder) / "import.zip"
        try:
            with open(upload, "wb") as out:
                archive.pack(files.entries, out)
        except OSError as exc:
            if exc.filename and str(exc.filename) != str(upload):
                raise UsageError(f"nothing was imported: cannot read {exc.filename}: "
                                 f"{exc.strerror}") from exc
            raise UsageError(f"nothing was imported: cannot pack the files for the server: "
                             f"{exc.strerror}") from exc
        try:
            report = backend.upload("import.graph", str(upload), progress=sent,
                                    dry_run=dry_run, strict=strict)
        except AccessDeskError as exc:
            raise archive.relabel_error(exc, names) from None
    report = archive.relabel(report, names)
    report["left_out"] = [{"path": found.path, "reason": found.reason}
                          for found in files.left_out] + list(report.get("left_out") or [])
    return report  # type: ignore[no-any-return]


class _Counting:
    """A binary stream written through to `out`, telling `received` the bytes so far (which
    may raise to stop the download)."""

    def __init__(self, out: Any, received: Received) -> None:
        self._out, self._received, self.done = out, received, 0

    def write(self, data: bytes) -> int:
        written = self._out.write(data)
        self.done += len(data)
        self._received(self.done)
        return int(written if written is not None else len(data))


def export_file(backend: Any, kind: str, fmt: str, out: Path,
                received: Received | None = None) -> dict[str, Any]:
    """`export KIND --out` on the server: the file it writes streamed into `out` (owner-only,
    whole or not at all: a failed download, or an error raised by `received(bytes so far)`
    to cancel it, leaves no file and an existing one as it was)."""
    check_target(str(out))
    with replacing(out, encoding=None) as target:
        view = backend.download("export.download",
                                _Counting(target, received) if received else target,
                                kind=kind, format=fmt)
    return {**view, "out": str(out)}


def export_evidence(backend: Any, app_name: str, start: dt.datetime, end: dt.datetime,
                    out: Path, received: Received | None = None) -> dict[str, Any]:
    """The bundle the server writes and signs, streamed into `out` (owner-only, whole or not
    at all: a failed download leaves an existing file as it was; `received` as for
    `export_file`)."""
    check_target(str(out))  # a folder is refused before the server signs a checkpoint
    with replacing(out, encoding=None) as target:
        view = backend.download("export.evidence",
                                _Counting(target, received) if received else target,
                                app_name=app_name, start=start, end=end)
    return {**view, "out": str(out)}
