"""Sorting the long lists of the big directory by each of their columns: the Admin console's
Applications (20,000), Users (100,000), Requests (a million requests) and Audit (five million
events), and an approver's Pending (~15,000) and History (~135,000) in the Approvals window;
on SQLite and on PostgreSQL.

    python bench/sort_lists.py                     # both backends; a minute or two each
    python bench/sort_lists.py --backend sqlite    # one of them
    python bench/sort_lists.py --small             # the --small directory (seconds)
    python bench/sort_lists.py --no-write          # print only

Each sample is the service call the window makes for its first page (100 rows) sorted by a
column, one way or the other, timed in this process on the cached big directory
(`bench/big_directory.py --cached`; on PostgreSQL its copy made by `bench/bigdb.py`, the
services connected to it directly, as the server's are); the floor is the same list's first
page in its default order, measured alternately. The repaint that follows a click is measured by
bench/sort_bench.py (a few ms). Results go to bench/README.md between
``<!-- sort_lists:begin -->`` and ``<!-- sort_lists:end -->`` (PostgreSQL: ``sort_lists_pg``).
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
import bigdb  # noqa: E402
from live_latency import load_average, machine, write_section  # noqa: E402

TARGET_MS = 50.0
RUNS = 5


def lists(admin: Any, approver: Any) -> list[tuple[str, Callable[..., Any], list[str]]]:
    """(list, its page call taking sort=, the sort keys of its window's sortable columns)."""
    from desktop.services import applications, approvals, auditlog, directory, requests

    return [
        ("Admin console: Applications",
         lambda sort: applications.applications_page(admin, sort=sort, limit=100),
         ["name", "publisher", "origin", "sso", "self_service", "pending"]),
        ("Admin console: Users",
         lambda sort: directory.list_users(admin, sort=sort, limit=100),
         ["name", "upn", "department", "license", "enabled", "user_type"]),
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


def measure(backend: str, sizes: dict[str, int], write: bool) -> bool:
    """Every sort of every list on one backend, its section printed (and written); True when
    every sort met its target."""
    from desktop.models import User
    from desktop.models.schema import close_database, open_database

    begun = time.perf_counter()
    load_before = load_average()
    db = bigdb.database(backend, sizes)
    pg = backend == "postgres"
    open_database(db)
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
                print(f"{backend} {name}: {sort} {statistics.median(times):.1f} ms",
                      file=sys.stderr)
    close_database()

    met = sum(1 for r in rows if r[2] <= TARGET_MS)
    if pg:
        title = ("## Sorting the big directory's long lists, PostgreSQL "
                 "(`python bench/sort_lists.py --backend postgres`)")
        where = (f"On PostgreSQL database `{db.rsplit('/', 1)[-1]}`, copied from the SQLite "
                 "one by `bench/bigdb.py` (bench/bigdb.py's cluster settings), the services "
                 "connected to it directly (as the server's are; a desktop in team mode asks "
                 "the server, which makes the same call)")
    else:
        title = "## Sorting the big directory's long lists (`python bench/sort_lists.py`)"
        where = f"On `{Path(db).name}` ({Path(db).stat().st_size / 2**20:,.0f} MB)"
    lines = [
        title,
        "",
        f"Measured on {time.strftime('%Y-%m-%d')}; "
        f"{machine(bigdb.server_version(db) if pg else None)}. Load average "
        f"{load_before} before, {load_average()} after.",
        "",
        f"{where}. Each figure: the service "
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
    if write:
        write_section("sort_lists_pg" if pg else "sort_lists", section)
    return met == len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="the --small big directory")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--no-write", action="store_true", help="leave bench/README.md alone")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if "postgres" in backends and not bigdb.postgres_available():
        print("sort_lists: PostgreSQL is not available here; SQLite only", file=sys.stderr)
        backends.remove("postgres")
    met = [measure(backend, bigdb.sizes(args.small), not args.no_write) for backend in backends]
    return 0 if all(met) else 1  # make bench names the scripts that missed


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.exit(main())
