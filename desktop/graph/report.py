"""A Graph import's report in lines, as the command line and the window show it. No database
here: a desktop connected to a server prints the report the server sent with these too."""

from __future__ import annotations

from typing import Any

from desktop.graph.records import NotImported, Skipped


def skipped_lines(report: dict[str, Any]) -> list[str]:
    """What an import skipped and why, one line each, as the command line and window show it."""
    lines: list[str] = []
    shown_ = [Skipped(s["file"], s["kind"], s["object"], s["problem"], s["field"], s["id"],
                      s["position"]) for s in report.get("skipped", [])]
    more = {(m["file"], m["kind"], m["field"]): m["count"] for m in report.get("skipped_more", [])}
    last: dict[tuple[str, str, str | None], int] = {}
    for found in shown_:
        last[(found.file, found.kind, found.field)] = len(lines)
        lines.append(found.line())
    # "and 1,234 more like this in users.json" right after the last one told of its kind.
    for key, index in sorted(last.items(), key=lambda item: -item[1]):
        if key in more:
            lines.insert(index + 1, f"and {more[key]:,} more like this in {key[0]}")
    return lines


def left_out_lines(report: dict[str, Any]) -> list[str]:
    """The entries of the folders that were not read, and why, one line each."""
    return [f"{found['path']}: {found['reason']}" for found in report.get("left_out", [])]


def not_imported_lines(report: dict[str, Any]) -> list[str]:
    """The types Access Desk does not import, by file and count, one line each."""
    return [NotImported(n["file"], n["type"], n["what"], n["count"]).line()
            for n in report.get("not_imported", [])]
