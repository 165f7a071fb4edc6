"""Imports, directory exports and evidence bundles through an Access Desk server: the server
runs the use case; the files travel as a stream (an import's files up as a zip, an export's
files or bundle down), so what lands on disk and what is printed are those of a run beside
the database. Nothing here opens a database."""

from __future__ import annotations

import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from desktop import archive
from desktop.errors import UsageError
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


# What an export's rows are called on its progress line.
EXPORT_ROWS = {"settings": "applications", "access": "people with access",
               "requests": "requests", "audit": "audit events"}
# How often a progress line is rewritten at most (seconds).
REDRAW = 0.2


@contextmanager
def export_progress(kind: str, shown: bool = True) -> Iterator[Any]:
    """`progress` for exports.write_file / write: "Exporting audit events: 12,000 of
    5,000,000 written" on a terminal's standard error (None when nothing is to be shown)."""
    if not (shown and sys.stderr.isatty()):
        yield None
        return
    words = EXPORT_ROWS.get(kind, "rows")
    with status() as show:
        last = 0.0

        def progress(done: int, total: int | None) -> None:
            nonlocal last
            if time.monotonic() - last < REDRAW and done != total:
                return
            last = time.monotonic()
            of = f" of {total:,}" if total is not None else ""
            show(f"Exporting {words}: {done:,}{of} written")

        yield progress


@contextmanager
def download_progress(doing: str) -> Iterator[Any]:
    """`received` for a download through a server: "DOING: 12 MB received" on a terminal's
    standard error (None when it is not a terminal)."""
    if not sys.stderr.isatty():
        yield None
        return
    with status() as show:
        show(f"{doing}…")
        last = 0.0

        def received(done: int) -> None:
            nonlocal last
            if time.monotonic() - last >= REDRAW:
                last = time.monotonic()
                show(f"{doing}: {archive.size_text(done)} received")

        yield received


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
    from desktop.remote import transfer

    check_target(ctx.args.out)  # a folder is refused before signing in
    ctx.sign_in()
    with status() as show:
        show("Writing the evidence bundle on the server…")
        return transfer.export_evidence(ctx.backend, ctx.args.app, start, end,
                                        Path(ctx.args.out))


def import_graph(ctx: Context) -> dict[str, Any]:
    """`import graph` on the server (desktop.remote.transfer), with the upload's bar on a
    terminal."""
    from desktop.remote import transfer

    a = ctx.args
    files = transfer.graph_files(a.paths)  # a bad path is told before any sign-in
    ctx.sign_in()
    with status() as show:
        def sent(done: int, total: int) -> None:
            if done >= total:
                show("Importing on the server…")
            else:
                filled = 30 * done // max(total, 1)
                show(f"{'Uploading':<16} [{'#' * filled}{'-' * (30 - filled)}] "
                     f"{archive.size_text(done)} of {archive.size_text(total)}")

        return transfer.import_graph(ctx.backend, files, dry_run=a.dry_run, strict=a.strict,
                                     sent=sent)
