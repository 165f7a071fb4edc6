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
    "request": ("id", "app", "requester", "status", "created_at", "decided_by", "reason"),
    "catalog": ("name", "publisher", "state", "requires_approval", "approvers"),
    "access": ("user", "group", "role", "since", "via_request"),
    "audit": ("seq", "at", "actor", "action", "target"),
    "outbox": ("id", "to", "status", "attempts", "subject", "last_error"),
    "scenario": ("name", "title"),
}


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        text = ",".join(_cell(v) for v in value) or "-"
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
        cells.append([_cell(row.get(c)) for c in columns])
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
        print(f"{key.ljust(width)}  {_cell(value) if not isinstance(value, str) else value}")
