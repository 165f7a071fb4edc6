"""Imports, directory exports and evidence bundles through an Access Desk server: the server
runs the use case; the files travel as a stream (an import's files up as a zip, an export's
files or bundle down), so what lands on disk and what is printed are those of a run beside
the database. Nothing here opens a database."""

from __future__ import annotations

import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from desktop import archive
from desktop.errors import AccessDeskError, UsageError
from desktop.files import check_export_folder, check_target, make_export_folder, replacing

from . import Context


@contextmanager
def status() -> Iterator[Callable[[str], None]]:
    """A line on a terminal's standard error that each call rewrites (nothing in a pipe or a
    log); it goes when the block ends."""
    shown = sys.stderr.isatty()

    def show(text: str) -> None:
        if shown:
            print("\r\033[K" + text, end="", file=sys.stderr, flush=True)

    try:
        yield show
    finally:
        if shown:
            print("\r\033[K", end="", file=sys.stderr, flush=True)


def verify_audit(ctx: Context) -> Any:
    """`audit verify` on the server: it may read the whole log, so a terminal is told."""
    ctx.sign_in()
    with status() as show:
        show("Verifying the audit log on the server…")
        return ctx.call("audit.verify", since_head=ctx.args.since_head)


def export_directory(ctx: Context) -> Any:
    """The server writes the files and sends them as a zip; they are written into the folder
    as `export directory` beside the database writes them (owner-only, each whole or not at
    all)."""
    a = ctx.args
    folder = Path(a.folder)
    check_export_folder(folder)  # a file: refused before the server writes anything
    ctx.sign_in()
    with tempfile.TemporaryFile(prefix="access-desk-export-") as spool:
        with status() as show:
            show("Exporting the directory on the server…")
            view = ctx.backend.download("export.directory", spool, format=a.format)
        spool.seek(0)
        with zipfile.ZipFile(spool) as zf:
            members = archive.checked(zf)
            try:
                check_export_folder(folder, {name for _, name in members})
            except OSError as exc:
                raise UsageError(f"cannot write to {folder}: {exc.strerror}") from exc
            make_export_folder(folder)
            for info, name in members:
                with replacing(folder / name, encoding=None) as out:
                    archive.copy_out(zf, info, out)
    return {**view, "out": str(folder)}


def export_evidence(ctx: Context, start: Any, end: Any) -> Any:
    """The bundle the server wrote, streamed into --out as it comes."""
    a = ctx.args
    check_target(a.out)  # a folder is refused before the server signs a checkpoint
    ctx.sign_in()
    with replacing(Path(a.out), encoding=None) as out, status() as show:
        show("Writing the evidence bundle on the server…")
        view = ctx.backend.download("export.evidence", out, app_name=a.app, start=start,
                                    end=end)
    return {**view, "out": str(Path(a.out))}


def _entry(index: int, width: int, name: str) -> str:
    """A file's name in the upload: its own number (so the server reads them in the order
    given, each as named), and a name the server's folder reading takes (a *.json name that
    does not start with a dot; the name's Graph id, if any, stays)."""
    safe = name.lstrip(".") or "file"
    if not safe.lower().endswith(".json"):
        safe += ".json"
    return f"files/{index:0{width}d}/{safe}"


def import_graph(ctx: Context) -> dict[str, Any]:
    """`import graph` on the server: the files read here as beside the database (the same
    folders walked, the same entries left out), zipped, uploaded; the report's file names
    are those given here."""
    from desktop.graph import GraphFormatError
    from desktop.graph.reader import LeftOut, json_files

    a = ctx.args
    left: list[LeftOut] = []
    try:
        files = json_files(a.paths, left)
        if not files and left:
            raise GraphFormatError(left[0].path, None, None,
                                   f"{left[0].reason}; there is no other file to read")
    except GraphFormatError as exc:
        raise UsageError(f"nothing was imported: {exc}") from exc
    ctx.sign_in()
    width = len(str(max(len(files) - 1, 0)))
    entries = [(_entry(i, width, path.name), path) for i, path in enumerate(files)]
    names = {entry: str(path) for entry, path in entries}
    with tempfile.TemporaryDirectory(prefix="access-desk-upload-") as folder:
        upload = Path(folder) / "import.zip"
        try:
            with open(upload, "wb") as out:
                archive.pack(entries, out)
        except OSError as exc:
            if exc.filename and str(exc.filename) != str(upload):
                raise UsageError(f"nothing was imported: cannot read {exc.filename}: "
                                 f"{exc.strerror}") from exc
            raise UsageError(f"nothing was imported: cannot pack the files for the server: "
                             f"{exc.strerror}") from exc
        with status() as show:
            def progress(sent: int, total: int) -> None:
                if sent >= total:
                    show("Importing on the server…")
                else:
                    filled = 30 * sent // max(total, 1)
                    show(f"{'Uploading':<16} [{'#' * filled}{'-' * (30 - filled)}] "
                         f"{archive.size_text(sent)} of {archive.size_text(total)}")

            try:
                report = ctx.backend.upload("import.graph", str(upload), progress=progress,
                                            dry_run=a.dry_run, strict=a.strict)
            except AccessDeskError as exc:
                raise archive.relabel_error(exc, names) from None
    report = archive.relabel(report, names)
    report["left_out"] = [{"path": found.path, "reason": found.reason} for found in left] \
        + list(report.get("left_out") or [])
    return report  # type: ignore[no-any-return]
