"""How fast a decision taken on one desktop reaches another: a subprocess approves, this process's
LiveFeed emits requests_changed.

    python bench/live_latency.py            # N=50 decisions per backend; ~30 s

PostgreSQL (ACCESS_DESK_TEST_PG, else a throw-away cluster from scripts/pg-test-cluster.sh,
else skipped) and SQLite (a temporary file). A worker subprocess opens the database once and
approves one pending request per command; it reports CLOCK_MONOTONIC (system-wide on Linux)
just before ``requests.approve`` and just after it returned (committed). This process runs the
real ``LiveFeed`` in a Qt event loop and stamps the moment requests_changed is emitted.

    decision -> signal  from the worker calling approve() to the signal here: what a person sees
    commit -> signal    from approve() having returned (committed) to the signal: propagation

Floors in the same run, through the same worker and pipes:
    PostgreSQL: a bare ``NOTIFY`` on an autocommit connection -> select() returns on a LISTENing
                socket here;
    SQLite:     a bare one-row INSERT committed -> ``PRAGMA data_version`` changes on a
                connection here, read in a tight loop.

Results go to bench/README.md between ``<!-- live:begin -->`` and ``<!-- live:end -->``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import random
import select
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

N = int(os.environ.get("BENCH_N", "50"))
TARGET_MS = 100.0
README = Path(__file__).resolve().parent / "README.md"
PG_ENV = "ACCESS_DESK_TEST_PG"
FLOOR_CHANNEL = "bench_floor"

WORKER = textwrap.dedent("""
    import sqlite3, sys, time
    from desktop.models import User
    from desktop.models.schema import open_database
    from desktop.services import requests
    url, approver_upn = sys.argv[1], sys.argv[2]
    db = open_database(url)
    approver = User.get(User.upn == approver_upn)
    raw = None
    if url.startswith("postgresql"):
        import psycopg
        raw = psycopg.connect(url, autocommit=True)
    else:
        raw = sqlite3.connect(url, isolation_level=None)
    print("ready", flush=True)
    for line in sys.stdin:
        cmd, _, arg = line.strip().partition(" ")
        if cmd == "approve":
            t0 = time.monotonic()
            requests.approve(approver, int(arg), "bench")
            t1 = time.monotonic()
        elif cmd == "notify":
            t0 = time.monotonic()
            raw.execute("NOTIFY %s" % arg)
            t1 = time.monotonic()
        elif cmd == "touch":
            t0 = time.monotonic()
            raw.execute("INSERT INTO bench_floor (x) VALUES (1)")
            t1 = time.monotonic()
        else:
            break
        print(t0, t1, flush=True)
""")


# --- shared with the other bench scripts ------------------------------------------------------


def write_section(name: str, section: str) -> None:
    """Replace the text between <!-- name:begin --> and <!-- name:end --> in bench/README.md
    (appended when missing); every other section is kept as it is."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{section.rstrip()}\n{end}"
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    README.write_text(text, encoding="utf-8")


def machine(pg_version: str | None) -> str:
    import peewee
    import PySide6
    from PySide6.QtCore import qVersion

    parts = [f"{os.cpu_count()} CPUs (nproc), {platform.machine()}",
             f"Python {platform.python_version()}",
             f"PySide6 {PySide6.__version__} (Qt {qVersion()})",
             f"SQLite {sqlite3.sqlite_version}", f"peewee {peewee.__version__}"]
    if pg_version:
        import psycopg

        parts.append(f"PostgreSQL {pg_version} on loopback (fsync off), "
                     f"psycopg {psycopg.__version__}")
    return ", ".join(parts)


def load_average() -> str:
    """The 1-minute load average: other work on the machine skews every figure."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


@contextlib.contextmanager
def postgres_url(tmp: Path) -> Iterator[str | None]:
    """ACCESS_DESK_TEST_PG, else a throw-away cluster (stopped afterwards), else None."""
    url = os.environ.get(PG_ENV)
    if url:
        yield url
        return
    cluster = tmp / "pg"
    tmp.chmod(0o711)  # the "postgres" user must reach its data directory
    script = ROOT / "scripts" / "pg-test-cluster.sh"
    done = subprocess.run(["bash", str(script), "start", str(cluster)], capture_output=True,
                          text=True)
    if done.returncode != 0 or not done.stdout.strip():
        print(f"no PostgreSQL ({done.stderr.strip()[-200:]}); its rows are skipped")
        yield None
        return
    try:
        yield done.stdout.strip()
    finally:
        subprocess.run(["bash", str(script), "stop", str(cluster)], capture_output=True)


@contextlib.contextmanager
def access_desk_server(command: list[str], log: Path, env: dict[str, str] | None = None,
                       timeout: float = 60.0) -> Iterator[str]:
    """`command` (an ``access-desk ... serve`` command line, without --bind) on a free
    loopback port, its output appended to `log`; yields the server's base URL once GET
    /api/v1/health answers. Stopped at the end with SIGTERM (it finishes what is in
    flight), killed if it has not stopped within a minute; also on an error."""
    import signal
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        bind = f"127.0.0.1:{probe.getsockname()[1]}"
    with log.open("ab") as out:
        proc = subprocess.Popen([*command, "--bind", bind], env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    base = f"http://{bind}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited ({proc.returncode}):\n"
                                   f"{log.read_text(errors='replace')[-2000:]}")
            with contextlib.suppress(OSError), \
                    urllib.request.urlopen(f"{base}/api/v1/health", timeout=1):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer /health within {timeout:.0f} s")
            time.sleep(0.1)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def reset_postgres(url: str) -> str:
    """Empty the database; returns the server version."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS public CASCADE")
        con.execute("CREATE SCHEMA public")
        row = con.execute("SHOW server_version").fetchone()
    return str(row[0]).split(" ")[0] if row else "?"


def stats(values_s: list[float]) -> dict[str, float]:
    ms = sorted(v * 1000 for v in values_s)
    p95 = ms[min(len(ms) - 1, max(0, round(0.95 * len(ms)) - 1))]
    return {"n": len(ms), "p50": statistics.median(ms), "p95": p95, "max": ms[-1]}


def floor_table(first: str, head: str, rows: list[tuple[Any, str, list[float], list[float] | None]],
                extra: tuple[str, list[Any]] | None = None) -> list[str]:
    """A Markdown table of latencies (seconds in, ms out) each beside its floor's (None: the
    row is the floor); `extra` adds a last column (its title, a value per row)."""
    lines = [f"| {first} | {head} | n | p50 ms | p95 ms | max ms | p50 / floor | p95 / floor |"
             + (f" {extra[0]} |" if extra else ""),
             "|---:|---|---:|---:|---:|---:|---:|---:|" + ("---:|" if extra else "")]
    for i, (key, label, values, floor) in enumerate(rows):
        s, f = stats(values or [0.0]), stats(floor or values or [1.0])
        cells = (f"{s['p50']:.1f} | {s['p95']:.1f} | {s['max']:.1f} | {s['p50'] / f['p50']:.1f}x "
                 f"| {s['p95'] / f['p95']:.1f}x") if values else "| | | |"
        lines.append(f"| {key} | {label} | {len(values)} | {cells}"
                     + (f" | {extra[1][i]} |" if extra else " |"))
    return lines


def cpu_seconds(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each named process and its children (reaped ones included;
    not this process's children: the bench's own helpers are not what it measures)."""
    def ticks(pid: int) -> int:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            kids = [] if pid == os.getpid() else Path(
                f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:  # gone meanwhile
            return 0
        return sum(map(int, stat[11:15])) + sum(ticks(int(k)) for k in kids)
    return {name: ticks(pid) / os.sysconf("SC_CLK_TCK") for name, pid in roots.items()}


# --- the measurement --------------------------------------------------------------------------


def populate(n: int) -> tuple[str, list[int]]:
    """An approver, one application needing approval, n pending requests. Database open."""
    from desktop.models import AccessRequest, DirectoryRoleAssignment, User
    from desktop.services import applications, directory, requests, selfservice

    admin = User.create(upn="admin@bench.test", display_name="Admin", license="p2", enabled=True)
    DirectoryRoleAssignment.create(user=admin, role="global_admin")
    directory.add_user(admin, "approver@bench.test", "Approver", license="p2")
    applications.add_application(admin, "Bench App")
    directory.add_group(admin, "SS - Bench App")
    selfservice.update(admin, "Bench App", enabled=True, group="SS - Bench App",
                       require_approval=True, add_approvers=["approver@bench.test"])
    for i in range(n):
        user = f"user{i:03d}@bench.test"
        directory.add_user(admin, user, f"User {i}", license="p1")
        requests.create_request(User.get(User.upn == user), "Bench App")
    ids = [r.id for r in AccessRequest.select().order_by(AccessRequest.id)]
    return "approver@bench.test", ids


class Worker:
    def __init__(self, url: str, approver: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", WORKER, url, approver],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=dict(os.environ), cwd=ROOT)
        assert self.readline() == "ready"

    def readline(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def times(self) -> tuple[float, float]:
        t0, t1 = self.readline().split()
        return float(t0), float(t1)

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError):
            self.send("quit")
        self.proc.communicate(timeout=30)


def measure_feed(worker: Worker, ids: list[int], feed_kwargs: dict[str, Any]
                 ) -> tuple[list[float], list[float], Any]:
    """Per decision: (start -> signal, commit -> signal) in seconds."""
    from PySide6.QtCore import QEventLoop, QTimer

    from desktop.live import LiveFeed

    feed = LiveFeed(**feed_kwargs)
    feed.start()
    stamps: list[float] = []
    loop = QEventLoop()

    def on_requests_changed() -> None:
        stamps.append(time.monotonic())
        loop.quit()

    feed.requests_changed.connect(on_requests_changed)
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    end_to_end: list[float] = []
    propagation: list[float] = []
    rng = random.Random(5)
    for rid in ids:
        stamps.clear()
        worker.send(f"approve {rid}")
        guard.start(10000)
        loop.exec()
        guard.stop()
        if not stamps:
            raise RuntimeError(f"request {rid}: no requests_changed within 10 s")
        t0, t1 = worker.times()
        end_to_end.append(stamps[0] - t0)
        propagation.append(stamps[0] - t1)
        settle = QTimer()
        settle.setSingleShot(True)
        settle.timeout.connect(loop.quit)
        # The decision's other signals, then the next one at a random moment: a poll timer's
        # phase must not line up with the decisions.
        settle.start(20 + rng.randrange(0, 200))
        loop.exec()
    counters = {"notifications": feed.notifications_seen, "safety_polls": feed.safety_polls}
    feed.stop()
    return end_to_end, propagation, counters


def measure_floor(worker: Worker, wait: Callable[[], float], command: str, n: int
                  ) -> tuple[list[float], list[float]]:
    end_to_end: list[float] = []
    propagation: list[float] = []
    for _ in range(n):
        worker.send(command)
        seen = wait()
        t0, t1 = worker.times()
        end_to_end.append(seen - t0)
        propagation.append(seen - t1)
        time.sleep(0.005)
    return end_to_end, propagation


def run_postgres(url: str) -> list[tuple[str, dict[str, float], dict[str, float]]]:
    import psycopg

    from desktop.models.schema import close_database, open_database

    open_database(url, init=True)
    try:
        approver, ids = populate(N)
        worker = Worker(url, approver)
        try:
            e2e, prop, counters = measure_feed(worker, ids, {"safety_ms": 0})
            assert counters["safety_polls"] == 0
            listener = psycopg.connect(url, autocommit=True)
            listener.execute(f"LISTEN {FLOOR_CHANNEL}")

            def wait_notify() -> float:
                ready, _, _ = select.select([listener.fileno()], [], [], 10)
                seen = time.monotonic()
                if not ready:
                    raise RuntimeError("no NOTIFY within 10 s")
                listener.pgconn.consume_input()
                while listener.pgconn.notifies() is not None:
                    pass
                return seen

            f_e2e, f_prop = measure_floor(worker, wait_notify, f"notify {FLOOR_CHANNEL}", N)
            listener.close()
        finally:
            worker.close()
    finally:
        close_database()
    return [
        ("PostgreSQL: decision -> requests_changed (LISTEN/NOTIFY, no polling)",
         stats(e2e), stats(prop)),
        ("PostgreSQL floor: bare NOTIFY -> select() on the LISTEN socket",
         stats(f_e2e), stats(f_prop)),
    ]


def run_sqlite(tmp: Path) -> list[tuple[str, dict[str, float], dict[str, float]]]:
    from desktop.models import database_proxy
    from desktop.models.schema import close_database, open_database

    path = tmp / "live.db"
    open_database(str(path))
    rows = []
    try:
        database_proxy.obj.execute_sql("CREATE TABLE bench_floor (x INTEGER)")
        approver, ids = populate(2 * N)
        worker = Worker(str(path), approver)
        try:
            for label, kwargs, chunk in (
                    ("SQLite: decision -> requests_changed (data_version poll, 200 ms default)",
                     {}, ids[:N]),
                    ("SQLite: the same, polling every 50 ms", {"interval_ms": 50}, ids[N:])):
                e2e, prop, _ = measure_feed(worker, chunk, kwargs)
                rows.append((label, stats(e2e), stats(prop)))
            watcher = sqlite3.connect(str(path), isolation_level=None)

            # The watcher's baseline must predate the write: read it, then ask for the write.
            f_e2e: list[float] = []
            f_prop: list[float] = []
            for _ in range(N):
                start = watcher.execute("PRAGMA data_version").fetchone()[0]
                worker.send("touch")
                while watcher.execute("PRAGMA data_version").fetchone()[0] == start:
                    pass
                seen = time.monotonic()
                t0, t1 = worker.times()
                f_e2e.append(seen - t0)
                f_prop.append(seen - t1)
                time.sleep(0.005)
            watcher.close()
            rows.append(("SQLite floor: bare INSERT committed -> data_version changes (tight loop)",
                         stats(f_e2e), stats(f_prop)))
        finally:
            worker.close()
    finally:
        close_database()
    return rows


def main() -> int:
    from PySide6.QtCore import QCoreApplication

    started = time.perf_counter()
    load_before = load_average()
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    del app
    results: list[tuple[str, dict[str, float], dict[str, float]]] = []
    pg_version = None
    with tempfile.TemporaryDirectory(prefix="access-desk-live-") as name:
        tmp = Path(name)
        home = tmp / "home"
        home.mkdir(mode=0o700)
        os.environ["ACCESS_DESK_HOME"] = str(home)  # never the user's data folder
        os.environ["ACCESS_DESK_KEYRING"] = "0"
        with postgres_url(tmp) as url:
            if url:
                pg_version = reset_postgres(url)
                results += run_postgres(url)
                reset_postgres(url)
        results += run_sqlite(tmp)

    lines = [
        "## A decision on another desktop (`python bench/live_latency.py`)",
        "",
        f"Measured on {dt.date.today().isoformat()}; {machine(pg_version)}; "
        f"QT_QPA_PLATFORM=offscreen. N={N} decisions per row. Load average {load_before} "
        f"before, {load_average()} after.",
        "",
        "A worker process approves one pending request at a time (`requests.approve`, its own "
        "transaction); this process runs the real `LiveFeed` in a Qt event loop. *decision* is "
        "from the worker calling `approve()` to `requests_changed` here (what a person sees, "
        "the write included); *commit* is from `approve()` having returned to the signal. "
        "Clock: CLOCK_MONOTONIC, shared by the processes. Decisions are spaced 20-220 ms "
        "apart at random, so a poll timer's phase does not line up with them.",
        "",
        "| measured | n | decision p50 ms | decision p95 ms | commit p50 ms | commit p95 ms "
        "| max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, e2e, prop in results:
        lines.append(f"| {label} | {e2e['n']} | {e2e['p50']:.1f} | {e2e['p95']:.1f} | "
                     f"{prop['p50']:.1f} | {prop['p95']:.1f} | {e2e['max']:.1f} |")
    verdicts = []
    for label, e2e, _prop in results:
        if "floor" in label:
            continue
        ok = "within" if e2e["p95"] <= TARGET_MS else "OVER"
        verdicts.append(f"{label.split(':')[0]}{' (50 ms poll)' if '50 ms' in label else ''} "
                        f"p95 {e2e['p95']:.1f} ms: {ok} the {TARGET_MS:.0f} ms target")
    lines += ["", "Issue 5 asks for a decision shown on another desktop within 100 ms on "
              "loopback. " + "; ".join(verdicts) + ".",
              "", f"Whole run {time.perf_counter() - started:.0f} s."]
    section = "\n".join(lines)
    print(section)
    write_section("live", section)
    print(f"\nwrote {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
