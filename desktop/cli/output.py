"""Printing results: a bare JSON document with --json, aligned columns or key: value otherwise."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from json.encoder import (  # type: ignore[attr-defined]  # the C functions
    c_make_encoder,
    encode_basestring,
)
from typing import Any, TextIO

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


# Rows written between two flushes of a streamed listing (and read to size its columns).
BATCH = 1000


_SCALARS = (str, int, float, type(None))  # bool is an int
_SCALAR_TYPES = {str, int, float, bool, type(None)}
_flat: dict[str, Any] = {}  # indentation -> a C encoder writing one flat level there


def _flat_encoder(indent: str) -> Any:
    """The json module's C encoder with the newline and `indent` as its item separator: a
    flat dict (or a list of flat dicts) in one call."""
    encoder = _flat.get(indent)
    if encoder is None:
        def default(value: Any) -> Any:
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

        make = c_make_encoder or (lambda *a: None)
        c = make(None, default, encode_basestring, None, ": ", ",\n" + indent, False,
                 False, True)
        if c is not None:
            encoder = _flat[indent] = lambda value: "".join(c(value, 0))
        else:  # no C accelerator: the same bytes, slower
            encoder = _flat[indent] = json.JSONEncoder(
                ensure_ascii=False, separators=(",\n" + indent, ": ")).encode
    return encoder


def _encode(value: Any, indent: str) -> str:
    """`value` as json.dumps(value, ensure_ascii=False, indent=2) writes it when it stands
    at `indent`, byte for byte, but with the json module's C encoder: its indenting encoder
    is pure Python, most of a long listing's time. Runs of scalars in a dict are one call
    of a C encoder whose item separator is the newline and the indentation."""
    if isinstance(value, _SCALARS):
        if isinstance(value, str):
            return encode_basestring(value)  # type: ignore[no-any-return]
        return json.dumps(value)
    if isinstance(value, (list, tuple, dict)) and not value:
        return "{}" if isinstance(value, dict) else "[]"
    inner = indent + "  "
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        flat = _flat_encoder(inner)
        parts: list[str] = []
        run: dict[str, Any] = {}
        for k, v in value.items():
            if isinstance(v, _SCALARS):
                run[k] = v
                continue
            if run:
                parts.append(flat(run)[1:-1])
                run = {}
            parts.append(f"{encode_basestring(k)}: {_encode(v, inner)}")
        if run:
            parts.append(flat(run)[1:-1])
        return "{\n" + inner + (",\n" + inner).join(parts) + "\n" + indent + "}"
    if isinstance(value, (list, tuple)):
        return ("[\n" + inner + (",\n" + inner).join(_encode(v, inner) for v in value)
                + "\n" + indent + "]")
    # Keys json converts (numbers, None), or a type it refuses: as json.dumps does.
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + indent)


def _encode_rows(rows: list[Any]) -> str:
    """Rows of an array at its first level, each after ",\n  " (the first too: the caller
    drops it). Rows that are flat dicts are one C call for the whole batch: the item
    separator ",\n    " also falls between the rows, where the structure alone can put a
    raw newline after "}," (inside strings a newline is escaped)."""
    if all(type(r) is dict and r and _SCALAR_TYPES.issuperset(map(type, r.values()))
           for r in rows):  # keys the C encoder converts as json.dumps does
        text = _flat_encoder("    ")(rows)  # '[{"a": 1,\n    "b": 2},\n    {"a": ...}]'
        return (",\n  {\n    " + text[2:-2].replace("},\n    {", "\n  },\n  {\n    ")
                + "\n  }")
    return "".join(",\n  " + _encode(r, "  ") for r in rows)


def write_json_rows(rows: Iterable[Any], out: TextIO | None = None) -> int:
    """A listing as ONE bare JSON array, exactly as print_json writes the list, but written
    BATCH rows at a time as they are read, flushed after each: constant memory. Nothing is
    written before the first row is read, so an error there leaves the output empty; an
    error later leaves the array unfinished (the exit code says so). Returns the rows."""
    out = out or sys.stdout
    it = iter(rows)
    count = 0
    while batch := _take(it, BATCH):
        text = _encode_rows(batch)
        out.write(("[" if not count else "") + (text[1:] if not count else text))
        count += len(batch)
        out.flush()
    out.write("\n]\n" if count else "[]\n")
    return count


def write_json_lines(rows: Iterable[Any], out: TextIO | None = None) -> int:
    """A listing as JSON Lines: one object a line, written as the rows are read."""
    out = out or sys.stdout
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
        if count % BATCH == 0:
            out.flush()
    return count


_END: Any = object()


def print_table(rows: Iterable[dict[str, Any]], kind: str) -> int:
    """Aligned columns, sized to the first BATCH rows (later rows longer than those push
    their line wider rather than being held in memory). Returns the rows printed."""
    columns = COLUMNS[kind]
    it: Iterator[dict[str, Any]] = iter(rows)
    count = 0
    widths: list[int] = []
    while True:
        cells = [_cells(row, kind, columns) for row in _take(it, BATCH)]
        if not cells:
            break
        if not widths:
            widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
            print("  ".join(c.upper().ljust(w)
                            for c, w in zip(columns, widths, strict=True)).rstrip())
        for r in cells:
            print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
        count += len(cells)
    if not count:
        print("(none)")
    return count


def _take(it: Iterator[Any], n: int) -> list[Any]:
    taken = []
    for row in it:
        taken.append(row)
        if len(taken) == n:
            break
    return taken


def _cells(row: dict[str, Any], kind: str, columns: Sequence[str]) -> list[str]:
    if kind == "group":
        from desktop.services.views import group_kind

        row = {**row, "kind": group_kind(row)}
    return [_cell(row.get(c), whole=i == len(columns) - 1) for i, c in enumerate(columns)]


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
