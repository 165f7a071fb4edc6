"""Printing results: a bare JSON document with --json, aligned columns or key: value otherwise."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

# Columns shown for each kind of listing (every field is in the JSON).
COLUMNS: dict[str, Sequence[str]] = {
    "user": ("upn", "name", "department", "license", "roles", "enabled"),
    "group": ("id", "name", "kind", "members"),
    "app": ("id", "name", "publisher", "origin", "sso", "self_service"),
    "request": ("id", "app", "requester", "kind", "status", "created_at", "decided_by",
                "reason"),
    "catalog": ("name", "publisher", "state", "requires_approval", "approvers", "reason"),
    "access": ("user", "group", "role", "since", "until", "via_request"),
    "audit": ("seq", "at", "actor", "action", "target"),
    "outbox": ("id", "to", "status", "attempts", "subject", "last_error"),
    "scenario": ("name", "title"),
    "session": ("id", "upn", "client", "address", "since", "last_seen"),
    "review": ("id", "app", "status", "ends_at", "members", "keep", "remove", "undecided",
               "recurrence"),
    "review_item": ("user", "name", "decision", "decided_by", "outcome", "reason"),
}


def one_line(text: str) -> str:
    """Text for one line of a terminal: control characters (escape sequences, carriage returns,
    newlines) written as Python escapes, so a typed or stored name can neither break the
    line nor drive the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _cell(value: Any, whole: bool = False) -> str:
    """A value in a column: at most 60 characters unless ``whole`` (the last column, where a
    long sentence such as a reason costs no other column its place)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        text = ",".join(_cell(v) for v in value) or "-"
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = one_line(str(value))
    return text if whole or len(text) <= 60 else text[:57] + "..."


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def print_table(rows: list[dict[str, Any]], kind: str) -> None:
    if not rows:
        print("(none)")
        return
    columns = COLUMNS[kind]
    cells = []
    for row in rows:
        if kind == "group":
            from desktop.services.views import group_kind

            row = {**row, "kind": group_kind(row)}
        cells.append([_cell(row.get(c), whole=i == len(columns) - 1)
                      for i, c in enumerate(columns)])
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


def print_object(obj: dict[str, Any]) -> None:
    width = max(len(k) for k in obj) if obj else 0
    for key, value in obj.items():
        if key == "roles" and value and isinstance(value[0], dict):
            value = [f"{r['value']}{'' if r['enabled'] else ' (disabled)'}"
                     f"{'' if r['user_assignable'] else ' (apps only)'}" for r in value]
        text = one_line(value) if isinstance(value, str) else _cell(value)
        print(f"{key.ljust(width)}  {text}")


def print_import(report: dict[str, Any]) -> None:
    """A Graph import's summary: counts by kind in columns, then what was skipped and why."""
    from desktop.graph.report import left_out_lines, not_imported_lines, skipped_lines

    counts = {key: report.get(key, {}) for key in ("added", "changed", "unchanged")}
    kinds = list(dict.fromkeys(kind for bucket in counts.values() for kind in bucket))
    if report.get("dry_run"):
        print("Dry run: nothing was written. The import would do this:")
    rows = [{"kind": kind, **{key: counts[key].get(kind, 0) for key in counts}} for kind in kinds]
    if rows:
        widths = {"kind": max(4, *(len(r["kind"]) for r in rows))}
        header = ["KIND".ljust(widths["kind"]), "ADDED", "CHANGED", "UNCHANGED"]
        print("  ".join(header))
        for r in rows:
            print(f"{r['kind'].ljust(widths['kind'])}  {r['added']:>5}  {r['changed']:>7}  "
                  f"{r['unchanged']:>9}")
    else:
        print("Nothing to add or change.")
    sections = [
        (f"Skipped ({report.get('skipped_count', 0):,} objects)", skipped_lines(report)),
        ("Not imported (types Access Desk does not import)", not_imported_lines(report)),
        ("Left out (not read: only regular files in the folder are)", left_out_lines(report)),
        ("Changes", report.get("changes", [])),
        ("Kept as an administrator set them", report.get("kept_by_admin", [])),
        ("Warnings", report.get("warnings", [])),
    ]
    for title, lines in sections:
        if lines:
            print(f"\n{title}:")
            for line in lines:
                print(f"  {line}")
    missing = report.get("not_in_export") or {}
    if any(missing.values()):
        print("\nIn the database but not in the export (kept: the import never removes):")
        for kind, names in missing.items():
            for name in names:
                print(f"  {kind[:-1]}: {name}")
