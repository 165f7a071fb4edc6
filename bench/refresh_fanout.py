"""What a change made elsewhere costs while the Admin console, My Apps and Approvals are open:
the reads it issues and the time the GUI thread spends on it, with pages refreshed only when
seen (desktop.ui.staleness) and, for "before", with every page refreshed at once.

    python bench/refresh_fanout.py       # N=20 rounds of four kinds of change; ~half a minute

The three windows share one live feed, each on its first page (the Admin console on
Enterprise applications, My Apps on Apps, Approvals on Pending). Another desktop's writes are
made through the services, then the feed is polled and the event loop run until every
refresh (and every background read) is done. "Reads" are the SELECTs issued after the poll;
"GUI thread" is the CPU time of the GUI thread (time.thread_time) from the poll until settled.
Results go to bench/README.md between ``<!-- fanout:begin -->`` and ``<!-- fanout:end -->``.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import statistics  # noqa: E402

from live_latency import load_average, machine, write_section  # noqa: E402

N = int(os.environ.get("BENCH_N", "20"))
APP = "Fabrikam CRM"
APPROVER = "alice.wu"
REQUESTER = "oliver.schmidt"


def stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"median": statistics.median(ordered), "p95": p95}


class ReadCounter:
    """Counts the SELECTs peewee sends, on the GUI thread and on the others (the pool)."""

    def __init__(self, db: Any) -> None:
        self.gui = 0
        self.pool = 0
        self.on = False
        self._main = threading.main_thread()
        original = db.execute_sql

        def counting(sql: str, *args: Any, **kwargs: Any) -> Any:
            if self.on and sql.lstrip().upper().startswith(("SELECT", "WITH")):
                if threading.current_thread() is self._main:
                    self.gui += 1
                else:
                    self.pool += 1
            return original(sql, *args, **kwargs)

        db.execute_sql = counting


def changes(admin: Any, requester: Any) -> list[tuple[str, Callable[[], None]]]:
    """Four kinds of change another desktop makes, each undone by the next round."""
    from desktop.services import applications, directory, requests

    made: dict[str, int] = {}
    round_ = [0]

    def request() -> None:
        made["id"] = requests.create_request(requester, APP, "bench")["id"]

    def cancel() -> None:
        requests.cancel(requester, made["id"])

    def describe() -> None:
        round_[0] += 1
        applications.update_application(admin, APP, description=f"CRM, round {round_[0]}")

    def department() -> None:
        directory.update_user(admin, requester.upn, department=f"Sales {round_[0]}")

    return [("a request made", request), ("a request cancelled", cancel),
            ("an application's description", describe), ("a person's department", department)]


def run(enabled: bool) -> dict[str, dict[str, list[float]]]:
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication

    from desktop.demo.build import build_demo
    from desktop.demo.scenarios import demo_upn
    from desktop.live import LiveFeed
    from desktop.models import User, database_proxy
    from desktop.models.schema import close_database, open_database
    from desktop.ui import staleness
    from desktop.ui.admin import AdminWindow
    from desktop.ui.approvals import ApprovalsWindow
    from desktop.ui.myapps import MyAppsWindow

    app = QApplication.instance() or QApplication([])
    staleness.ENABLED = enabled
    pool = QThreadPool.globalInstance()

    def settle() -> None:
        for _ in range(6):
            app.processEvents()
            pool.waitForDone()
        app.processEvents()

    with tempfile.TemporaryDirectory() as tmp:
        open_database(str(Path(tmp) / "bench.db"), init=True)
        try:
            admin = build_demo()
            requester = User.get(User.upn == demo_upn(REQUESTER))
            approver = User.get(User.upn == demo_upn(APPROVER))
            feed = LiveFeed(interval_ms=3_600_000)  # polled by hand only
            feed.start()
            windows = [AdminWindow(admin, feed), MyAppsWindow(requester, feed),
                       ApprovalsWindow(approver, feed)]
            for window in windows:
                window.show()
            settle()
            counter = ReadCounter(database_proxy.obj)
            results: dict[str, dict[str, list[float]]] = {}
            kinds = changes(admin, requester)
            for _ in range(N):
                for name, change in kinds:
                    change()  # another desktop's write
                    counter.gui = counter.pool = 0
                    counter.on = True
                    cpu, wall = time.thread_time(), time.perf_counter()
                    feed.poll_now()
                    settle()
                    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
                    counter.on = False
                    row = results.setdefault(name, {"gui": [], "pool": [], "cpu": [],
                                                    "wall": []})
                    row["gui"].append(counter.gui)
                    row["pool"].append(counter.pool)
                    row["cpu"].append(cpu * 1000)
                    row["wall"].append(wall * 1000)
            for window in windows:
                window.close()
                window.deleteLater()
            feed.stop()
            settle()
        finally:
            close_database()
    return results


def main() -> int:
    before = run(enabled=False)
    after = run(enabled=True)
    lines = [
        "## A change elsewhere while all windows are open (`python bench/refresh_fanout.py`)",
        "",
        f"Measured {dt.date.today().isoformat()} on {machine(None)}; load average "
        f"{load_average()}. Admin console, My Apps and Approvals open on one demo directory, "
        f"each on its first page; {N} rounds of each change, written through the services "
        "as another desktop would, then the feed polled. Reads: SELECTs issued after the poll "
        "(on the GUI thread + on the pool); GUI thread: its CPU time until every refresh "
        "was done (median, p95). Before: every page refreshed at once, hidden or not "
        "(`staleness.ENABLED = False`, as the windows did before); after: the pages on "
        "screen once per burst, their table reads on the pool; hidden pages wait until shown.",
        "",
        "| change | reads before | reads after (GUI + pool) | GUI ms before | GUI ms after |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in before:
        b, a = before[name], after[name]
        rb = stats([g + p for g, p in zip(b["gui"], b["pool"], strict=True)])
        ga, pa = stats(a["gui"]), stats(a["pool"])
        cb, ca = stats(b["cpu"]), stats(a["cpu"])
        lines.append(
            f"| {name} | {rb['median']:.0f} | {ga['median'] + pa['median']:.0f} "
            f"({ga['median']:.0f} + {pa['median']:.0f}) | {cb['median']:.1f} "
            f"(p95 {cb['p95']:.1f}) | {ca['median']:.1f} (p95 {ca['p95']:.1f}) |")
    section = "\n".join(lines)
    print(section)
    write_section("fanout", section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
