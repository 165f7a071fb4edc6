"""Sorting the long lists of the big directory by each of their columns: the Admin console's
Requests (a million requests) and Audit (five million events), and an approver's Pending
(~15,000) and History (~135,000) in the Approvals window.

    python bench/sort_lists.py             # about a minute once the big directory exists
    python bench/sort_lists.py --small     # the --small directory (seconds)
    python bench/sort_lists.py --no-write  # print only

Each sample is the service call the window makes for its first page (100 rows) sorted by a
column, one way or the other, timed in this process on the cached big directory
(`bench/big_directory.py --cached`); the floor is the same list's first page in its default
order, measured alternately. The repaint that follows a click is measured by
bench/sort_bench.py (a few ms). Results go to bench/README.md between
``<!-- sort_lists:begin -->`` and ``<!-- sort_lists:end -->``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import big_directory  # noqa: E402
from live_latency import load_average, machine, write_section  # noqa: E402

TARGET_MS = 50.0
RUNS = 5


def lists(admin: Any, approver: Any) -> list[tuple[str, Callable[..., Any], list[str]]]:
    """(list, its page call taking sort=, the sort keys of its window's sortable columns)."""
    from desktop.services import approvals, auditlog, requests

    return [
        ("Admin console: Requests (everyone's)",
         lambda sort: requests.list_requests(admin, "all", sort=sort, limit=100),
         ["id", "app", "requester", "status", "created_at", "decided_at"]),
        ("Admin console: Audit",
         lambda sort: auditlog.list_events(admin, sort=sort, limit=100),
         ["seq", "at", "actor", "action", "target"]),
        ("Approvals: Pending",
         lambda sort: approvals.list_pending(approver, sort=sort, limit=100),
         ["requester_name", "app", "created_at"]),
        ("Approvals: History",
         lambda sort: approvals.list_decided(approver, sort=sort, limit=100),
         ["app", "requester_name", "status", "decided_at"]),
    ]


def timed(page: Callable[[str | None], Any], sort: str | None) -> float:
    started = time.perf_counter()
    page(sort)
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="the --small big directory")
    parser.add_argument("--no-write", action="store_true", help="leave bench/README.md alone")
    args = parser.parse_args()
    sizes = big_directory.small_sizes() if args.small else dict(big_directory.DEFAULT_SIZES)
    if args.small:
        sizes["audit"] = max(sizes["audit"], big_directory.minimum_events(sizes))
    path = big_directory.cached(big_directory.DEFAULT_CACHE, sizes)

    from desktop.models import User
    from desktop.models.schema import open_database

    begun = time.perf_counter()
    load_before = load_average()
    open_database(str(path))
    admin = User.get(User.upn == big_directory.ADMIN)
    approver = User.get(User.upn == big_directory.APPROVER)
    rows: list[tuple[str, str, float, float, float]] = []
    for name, page, keys in lists(admin, approver):
        page(None)  # warm the page cache once, as an open window has
        for key in keys:
            for sort in (key, f"-{key}"):
                times, floors = [], []
                for _ in range(RUNS):
                    floors.append(timed(page, None))
                    times.append(timed(page, sort))
                rows.append((name, sort, statistics.median(times), max(times),
                             statistics.median(floors)))
                print(f"{name}: {sort} {statistics.median(times):.1f} ms", file=sys.stderr)

    met = sum(1 for r in rows if r[2] <= TARGET_MS)
    lines = [
        "## Sorting the big directory's long lists (`python bench/sort_lists.py`)",
        "",
        f"Measured on {time.strftime('%Y-%m-%d')}; {machine(None)}. Load average "
        f"{load_before} before, {load_average()} after.",
        "",
        f"On `{path.name}` ({path.stat().st_size / 2**20:,.0f} MB). Each figure: the service "
        "call a window makes for its first page (100 rows) sorted by that column ('-': "
        f"descending), median of {RUNS}; the floor is the same list's first page in its "
        "default order, measured alternately. A click then repaints the view (a few ms: "
        "bench/sort_bench.py).",
        "",
        "| list | sort | p50 ms | max ms | floor p50 ms | p50 / floor | target |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for name, sort, p50, worst, floor in rows:
        verdict = "meets" if p50 <= TARGET_MS else "**misses**"
        lines.append(f"| {name} | `{sort}` | {p50:.1f} | {worst:.1f} | {floor:.1f} | "
                     f"{p50 / floor:.1f}x | ≤ {TARGET_MS:.0f} ms: {verdict} |")
    lines += ["", f"{met} of {len(rows)} sorts within {TARGET_MS:.0f} ms. Whole run "
              f"{time.perf_counter() - begun:.0f} s."]
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        write_section("sort_lists", section)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.exit(main())
