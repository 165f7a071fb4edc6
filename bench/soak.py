"""The soak of tests/integration/test_soak.py for a minute, with its throughput recorded.

    python bench/soak.py                    # ACCESS_DESK_SOAK_SECONDS=60 by default; ~2.5 min

Eight spawned processes (four requesting and cancelling, three approvers deciding one by one,
one deciding five at a time with services.bulk.decide_many) on one database, on SQLite and on
PostgreSQL (ACCESS_DESK_TEST_PG, else a throw-away cluster, else skipped). Afterwards the
same invariants as the test are checked (one state per request, group membership and role
assignment exactly the approved requests, pending counts, the audit chain).

Results go to bench/README.md between ``<!-- soak:begin -->`` and ``<!-- soak:end -->``.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "integration"))  # the soak itself lives with its test
sys.path.insert(0, str(Path(__file__).resolve().parent))

import test_soak  # noqa: E402
from live_latency import (  # noqa: E402
    README,
    load_average,
    machine,
    postgres_url,
    reset_postgres,
    write_section,
)

SECONDS = float(os.environ.get(test_soak.SOAK_ENV, "60"))
USERS, APPS = 400, 8  # 3,200 person-application pairs: nobody runs out of things to ask for


def one_backend(label: str, url: str) -> tuple[str, test_soak.SoakResult, dict[str, int], str]:
    from desktop.models.schema import close_database, open_database

    open_database(url, init=True)
    try:
        plan = test_soak.populate(url, users=USERS, apps=APPS)
        result = test_soak.run_soak(plan, SECONDS)
        try:
            by_status = test_soak.check_invariants(plan)
            verdict = "all hold"
        except AssertionError as exc:
            by_status, verdict = {}, f"BROKEN: {exc}"
    finally:
        close_database()
    return label, result, by_status, verdict


def main() -> int:
    started = time.perf_counter()
    load_before = load_average()
    rows = []
    pg_version = None
    with tempfile.TemporaryDirectory(prefix="access-desk-soak-") as name:
        tmp = Path(name)
        home = tmp / "home"
        home.mkdir(mode=0o700)
        os.environ["ACCESS_DESK_HOME"] = str(home)  # never the user's data folder
        os.environ["ACCESS_DESK_KEYRING"] = "0"
        rows.append(one_backend("SQLite (WAL, BEGIN IMMEDIATE)", str(tmp / "soak.db")))
        with postgres_url(tmp) as url:
            if url:
                pg_version = reset_postgres(url)
                rows.append(one_backend("PostgreSQL (advisory write lock)", url))
                reset_postgres(url)

    lines = [
        "## Eight desktops at once (`python bench/soak.py`)",
        "",
        f"Measured on {dt.date.today().isoformat()}; {machine(pg_version)}. Load average "
        f"{load_before} before, {load_average()} after (the soak itself loads both CPUs).",
        "",
        f"{test_soak.PROCESSES} spawned processes for {SECONDS:.0f} s on one database: "
        f"{test_soak.REQUESTER_WORKERS} request and cancel (30 % cancels when one is open), "
        f"{test_soak.APPROVER_WORKERS} approve or deny one at a time, "
        f"{test_soak.BULK_WORKERS} decides five at a time with `bulk.decide_many`; 35 % of "
        f"decisions approve. {USERS} requesters, {APPS} applications. No pauses: every "
        "process writes as fast as the write lock lets it. *conflicts* are the answers a "
        "person may meet (someone decided first, an open request already exists, access "
        "already granted); *errors* are anything else (none allowed).",
        "",
        "| backend | decisions/s | requests/s | cancels/s | writes/s | conflicts | errors "
        "| requests by state | invariants |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for label, result, by_status, verdict in rows:
        secs = result.seconds or SECONDS
        writes = result.decisions + result.total("request") + result.total("cancel")
        states = ", ".join(f"{k} {v}" for k, v in sorted(by_status.items()))
        expected = sum(sum(o.expected.values()) for o in result.outcomes)
        lines.append(
            f"| {label} | {result.decisions / secs:.1f} | {result.total('request') / secs:.1f} "
            f"| {result.total('cancel') / secs:.1f} | {writes / secs:.1f} | {expected} "
            f"| {len(result.unexpected)} | {states} | {verdict} |")
        for error in result.unexpected[:3]:
            print(error, file=sys.stderr)
    lines += ["", f"Whole run {time.perf_counter() - started:.0f} s."]
    section = "\n".join(lines)
    print(section)
    write_section("soak", section)
    print(f"\nwrote {README}")
    failed = any(r[1].unexpected or not r[3].startswith("all") for r in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
