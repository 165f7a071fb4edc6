"""Team mode under load: simulated desktops against `access-desk serve --workers 2` on PostgreSQL.

    python bench/server_load.py            # 100, then 1,000 desktops, 60 s each; ~8 min
    python bench/server_load.py --quick    # 20, then 100 desktops, 10 s each; prints only

What a desktop does, the floors and the checks afterwards: see report() below, which writes
them beside the figures into bench/README.md (the `server` section). PostgreSQL:
ACCESS_DESK_TEST_PG (emptied), else a throw-away cluster. Not part of make test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastapi
import httpx
import psycopg
import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import live_latency as shared  # noqa: E402  (the helpers the bench scripts share)

QUICK = "--quick" in sys.argv
LEVELS, SECONDS, SOAK_N = ((20, 100), 10.0, 100) if QUICK else ((100, 1000), 60.0, 600)
THINK_S, HEALTH_S, BARE_S = 10.0, 0.2, 0.5  # mean gaps: a desktop's actions, the two floors
PER_APP, NOTICE_WAIT_S = 3, 5.0  # approvers per application; a notice later than this: missed
ADMIN, DOMAIN = "megan.bowen@contoso.example", "contoso.example"
EXE = str(ROOT / ".venv" / "bin" / "access-desk")
TERMS = ("fab", "crm", "travel", "wiki", "pay", "bench", "expenses", "design", "contoso", "z")
KINDS = {"health": "floor: GET /health", "search": "catalog search (limit 50)",
         "request": "POST /requests", "pending": "pending list (to_approve, limit 1)",
         "decide": "POST approve / deny"}
NOTICES = {"bare": "floor: bare change row + NOTIFY -> a desktop",
           "request": "request -> an approver's desktop",
           "decide": "decision -> the requester's desktop"}
Key = tuple[str, int]


@dataclass(eq=False)
class Desk:
    index: int
    upn: str
    token: str = ""
    apps: list[str] = field(default_factory=list)  # what he may still request
    waiters: dict[Key, asyncio.Future[float]] = field(default_factory=dict)
    seen: dict[Key, float] = field(default_factory=dict)  # approvers keep what arrived
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    approver = property(lambda self: self.index % 10 == 0)
    auth = property(lambda self: {"Authorization": f"Bearer {self.token}"})


@dataclass
class Level:
    desks: int
    lat: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    notice: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    missed: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)  # "kind 409" -> n
    errors: list[str] = field(default_factory=list)
    idle: int = 0  # an approver found nothing pending
    cpu: dict[str, float] = field(default_factory=dict)


class Bench:
    def __init__(self, base: str) -> None:
        # An idle connection is dropped after 4 s, before uvicorn's keep-alive (5 s) closes it
        # under a request being sent (httpx's default, 5 s too, makes a rare ReadError).
        unlimited = httpx.Limits(max_connections=None, max_keepalive_connections=None,
                                 keepalive_expiry=4)
        self.api = httpx.AsyncClient(base_url=base, timeout=30, limits=unlimited)
        self.sse = httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(30, read=None),
                                     limits=unlimited)
        self.desks, self.approvers_of = list[Desk](), dict[str, list[Desk]]()
        self.lvl, self.tasks = Level(0), set[asyncio.Task[Any]]()

    def spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def call(self, kind: str, method: str, path: str, desk: Desk | None = None,
                   **kw: Any) -> httpx.Response | None:
        t0 = time.perf_counter()
        try:
            r = await self.api.request(method, path, headers=desk.auth if desk else None, **kw)
        except httpx.HTTPError as exc:
            self.lvl.errors.append(f"{kind}: {exc!r}")
            return None
        if r.is_success:
            self.lvl.lat[kind].append(time.perf_counter() - t0)
            return r
        if r.status_code in (403, 409):  # someone decided first, access already there
            self.lvl.refused[f"{kind} {r.status_code}"] += 1
        else:
            self.lvl.errors.append(f"{kind}: {r.status_code} {r.text[:200]}")
        return None

    async def sign_in(self, upn: str) -> str:
        r = await self.api.post("/sessions", json={"upn": upn, "client": "bench/server_load"})
        return str(r.raise_for_status().json()["token"])

    async def setup(self, people: int) -> None:
        """People, applications and sessions through the API, as the demo's administrator."""
        admin, gate = Desk(-1, ADMIN, await self.sign_in(ADMIN)), asyncio.Semaphore(8)
        self.desks = [Desk(i, f"desk{i:04d}@{DOMAIN}") for i in range(people)]

        async def add(d: Desk) -> None:
            async with gate:
                await self.call("set-up", "POST", "/users", admin, json={
                    "upn": d.upn, "name": f"Desk {d.index:04d}", "license": "p1",
                    "department": ("Sales", "Finance", "HR")[d.index % 3]})
                d.token = await self.sign_in(d.upn)
        await asyncio.gather(*(add(d) for d in self.desks))
        approvers = [d for d in self.desks if d.approver]
        for k in range(0, len(approvers), PER_APP):
            app = f"Bench App {k // PER_APP + 1:02d}"
            self.approvers_of[app] = approvers[k:k + PER_APP]
            await self.call("set-up", "POST", "/apps", admin, json={"name": app})
            await self.call("set-up", "POST", "/groups", admin, json={"name": f"SS - {app}"})
            await self.call("set-up", "PATCH", f"/apps/{app}/selfservice", admin, json={
                "enabled": True, "group": f"SS - {app}", "require_approval": True,
                "email_approvers": True, "add_approvers": [a.upn for a in approvers[k:k + 3]]})
        if self.lvl.errors:
            raise SystemExit(f"set-up failed: {self.lvl.errors[0]}")
        for d in self.desks:
            d.apps = random.sample(list(self.approvers_of), len(self.approvers_of))

    async def listen(self, d: Desk) -> None:
        """Read a desktop's live connection; parse notices only where one is awaited."""
        async with self.sse.stream("GET", "/events", headers=d.auth) as r:
            buf = b""
            async for chunk in r.aiter_raw():
                t, buf = time.perf_counter(), buf + chunk
                if b"\n\n" not in buf:
                    continue
                *frames, buf = buf.split(b"\n\n")
                d.ready.set()  # the first frame, `hello`: subscribed
                for frame in frames if d.approver or d.waiters else ():
                    if b"event: change" in frame:
                        data = json.loads(frame[frame.index(b"data: ") + 6:])
                        key = (data["topic"], data["entity_id"])
                        fut = d.waiters.pop(key, None)
                        if fut is not None and not fut.done():
                            fut.set_result(t)
                        elif d.approver and key[0] in ("requests", "settings"):
                            d.seen[key] = t
        self.lvl.errors.append(f"the live connection of {d.upn} ended ({r.status_code})")

    def expect(self, d: Desk, key: Key) -> asyncio.Future[float]:
        """When `key` arrives at `d`: asked before the write's answer, as it may come first."""
        if key in d.waiters:  # two approvers on one request: the loser's 409 leaves it be
            return d.waiters[key]
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        if key in d.seen:
            fut.set_result(d.seen.pop(key))
        else:
            d.waiters[key] = fut
        return fut

    def measure(self, kind: str, d: Desk, key: Key, fut: asyncio.Future[float], t: float) -> None:
        async def wait() -> None:
            try:  # 0 when the notice came before the write's answer
                self.lvl.notice[kind].append(max(0.0, await asyncio.wait_for(fut, 5) - t))
            except TimeoutError:
                d.waiters.pop(key, None)
                self.lvl.missed[kind] += 1
        self.spawn(wait())

    async def act(self, d: Desk, connected: dict[str, Desk]) -> None:
        if d.approver:
            return await self.decide(d, connected)
        if not d.apps or random.random() >= 2 / 9:
            await self.call("search", "GET", "/catalog", d,
                            params={"search": random.choice(TERMS), "limit": 50})
            return
        app = d.apps.pop()
        r = await self.call("request", "POST", "/requests", d,
                            json={"app_name": app, "justification": "bench"})
        t = time.perf_counter()
        observer = next((a for a in self.approvers_of[app] if a.upn in connected), None)
        if r is not None and observer is not None:
            key = ("requests", int(r.json()["id"]))
            self.measure("request", observer, key, self.expect(observer, key), t)

    async def decide(self, d: Desk, connected: dict[str, Desk]) -> None:
        r = await self.call("pending", "GET", "/requests", d,
                            params={"scope": "to_approve", "status": "pending", "limit": 1})
        if r is None or not r.json():
            self.lvl.idle += r is not None
            return
        row = r.json()[0]
        requester, key = connected.get(row["requester"]), ("requests", int(row["id"]))
        fut = self.expect(requester, key) if requester else None
        verb, body = (("approve", {}) if random.random() < 0.7
                      else ("deny", {"reason": "not needed for this role"}))
        done = await self.call("decide", "POST", f"/requests/{row['id']}/{verb}", d, json=body)
        if requester is not None and fut is not None and done is not None:
            self.measure("decide", requester, key, fut, time.perf_counter())

    async def bare(self, con: Any, observers: list[Desk]) -> None:
        """The notice floor: a change row and NOTIFY straight into the database."""
        d, key = random.choice(observers), ("settings", -random.randrange(1, 2**31))
        fut = self.expect(d, key)
        async with con.transaction():
            await con.execute('INSERT INTO "change" (topic, entity_id, at) VALUES '
                              "(%s, %s, now() AT TIME ZONE 'utc')", key)
            await con.execute("NOTIFY access_desk_changes")
        self.measure("bare", d, key, fut, time.perf_counter())

    async def level(self, n: int, url: str, roots: dict[str, int]) -> Level:
        self.lvl, desks = Level(n), self.desks[:n]
        for i in range(0, n, 50):  # connected 50 at a time, each once it said `hello`
            for d in desks[i:i + 50]:
                d.ready = asyncio.Event()
                self.spawn(self.listen(d))
            await asyncio.wait_for(asyncio.gather(*(d.ready.wait() for d in desks[i:i + 50])), 60)
        streams, con = set(self.tasks), await psycopg.AsyncConnection.connect(url, autocommit=True)
        print(f"{n} desktops connected", flush=True)
        t0, before = time.perf_counter(), shared.cpu_seconds(roots)
        end, connected = t0 + SECONDS, {d.upn: d for d in desks}

        async def health() -> None:  # on its own, as the desktops' calls: it delays no other
            self.spawn(self.call("health", "GET", "/health", random.choice(desks)))
        await asyncio.gather(*(every(THINK_S, end, self.act, d, connected) for d in desks),
                             every(HEALTH_S, end, health),
                             every(BARE_S, end, self.bare, con, desks[::10]))
        if self.tasks - streams:  # health calls and notices still awaited
            await asyncio.wait(self.tasks - streams, timeout=40)
        wall, after = time.perf_counter() - t0, shared.cpu_seconds(roots)
        self.lvl.cpu = {k: (after[k] - v) / wall for k, v in before.items()}
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await con.close()
        print(f"{n} desktops: {len(self.lvl.errors)} errors, cores {self.lvl.cpu}", flush=True)
        return self.lvl


async def every(mean_s: float, end: float, fn: Any, *args: Any) -> None:
    """Call fn at exponential gaps (mean mean_s) until `end`; each call awaited in turn."""
    while (left := end - time.perf_counter()) > 0:
        await asyncio.sleep(min(random.expovariate(1 / mean_s), left))
        if time.perf_counter() < end:
            await fn(*args)


async def run_soak(bench: Bench, url: str, people: list[str]) -> dict[str, float]:
    """Decisions per second: SOAK_N approvals through the server, 4 clients at a time, then
    SOAK_N through requests.approve in this process, 4 threads (requests made in process)."""
    from desktop.models import User
    from desktop.services import applications, directory, requests, selfservice, setup

    setup.open_url(url)  # nothing else runs meanwhile: the desktops are gone
    admin, approver = User.get(User.upn == ADMIN), f"soak.approver@{DOMAIN}"
    directory.add_user(admin, approver, "Soak Approver", license="p1")
    ids = []
    for app in ("Bench Soak server", "Bench Soak direct"):
        applications.add_application(admin, app)
        directory.add_group(admin, f"SS - {app}")
        selfservice.update(admin, app, enabled=True, group=f"SS - {app}",
                           require_approval=True, add_approvers=[approver])
        ids.append([requests.create_request(User.get(User.upn == upn), app, "soak")["id"]
                    for upn in people[:SOAK_N]])
    desk, gate = Desk(-2, approver, await bench.sign_in(approver)), asyncio.Semaphore(4)

    async def one(rid: int) -> None:
        async with gate:
            await bench.call("soak", "POST", f"/requests/{rid}/approve", desk, json={})
    t0 = time.perf_counter()
    await asyncio.gather(*(one(rid) for rid in ids[0]))
    t1, who = time.perf_counter(), User.get(User.upn == approver)
    with ThreadPoolExecutor(4) as pool:  # an exception here ends the run: an error
        list(pool.map(lambda rid: requests.approve(who, rid), ids[1]))
    return {"server": SOAK_N / (t1 - t0), "direct": SOAK_N / (time.perf_counter() - t1)}


def invariants() -> list[str]:
    """What must hold afterwards, on the bench's applications; [] when all of it does."""
    from desktop.models import database_proxy
    from desktop.models.schema import pending_counts_consistent

    bench = ("FROM self_service_settings s JOIN application a ON a.id = s.application_id "
             "WHERE a.name LIKE 'Bench %%'")
    approved = ("SELECT s.group_id, r.requester_id FROM access_request r JOIN self_service_"
                f"settings s USING (application_id) WHERE r.status = 'approved' AND s.id IN "
                f"(SELECT s.id {bench})")
    members = (f"SELECT m.group_id, m.user_id FROM group_member m JOIN (SELECT s.group_id "
               f"{bench}) b ON b.group_id = m.group_id")
    sql = (f"SELECT COUNT(*) FROM (({approved} EXCEPT {members}) UNION ALL "
           f"({members} EXCEPT {approved})) x")
    n = database_proxy.obj.execute_sql(sql).fetchone()[0]
    broken = [f"{n} differences between approvals and group membership"] if n else []
    return broken + ([] if pending_counts_consistent() else ["a kept pending count is wrong"])


def report(levels: list[Level], soak: dict[str, float], broken: list[str], verify: str,
           pg: str, load: str, whole: float) -> str:
    first, last, ratio = levels[0], levels[-1], soak["server"] / soak["direct"]
    api95 = max((shared.stats(first.lat[k])["p95"] for k in KINDS
                 if first.lat[k] and k != "health"), default=float("nan"))
    note95 = max((shared.stats(last.notice[k])["p95"] for k in ("request", "decide")
                  if last.notice[k]), default=float("nan"))
    lines = [
        "## Team mode under load (`python bench/server_load.py`)", "",
        f"Measured on {dt.date.today().isoformat()}; {shared.machine(pg)}; uvicorn "
        f"{uvicorn.__version__}, FastAPI {fastapi.__version__}, httpx {httpx.__version__}. "
        f"Load average {load} before, {shared.load_average()} after.", "",
        f"`access-desk serve --workers 2` on the demo directory plus {max(LEVELS)} people; "
        "each simulated desktop is signed in as its own person, holds its live connection "
        f"and acts every {THINK_S:.0f} s on average (exponential gaps): 70 % catalog "
        "searches, 20 % requests, 10 % decisions (a tenth of the desktops are approvers, "
        f"{PER_APP} per application). {SECONDS:.0f} s at each level. **The load generator "
        "(this script: every desktop in one asyncio process) shares the machine's two cores "
        "with the server's two workers and PostgreSQL**; the last table says how many cores "
        "each used.", "",
        *shared.floor_table("desktops", "API call", [
            (lv.desks, label, lv.lat[k], None if k == "health" else lv.lat["health"])
            for lv in levels for k, label in KINDS.items()]), "",
        "Change notices: from the write's HTTP response (the bare row: its commit) to the "
        "notice read off the other desktop's live connection; 0 when it came before the "
        f"response. *missed*: not there within {NOTICE_WAIT_S:.0f} s.", "",
        *shared.floor_table("desktops", "notice", [
            (lv.desks, label, lv.notice[k], None if k == "bare" else lv.notice["bare"])
            for lv in levels for k, label in NOTICES.items()],
            ("missed", [lv.missed[k] for lv in levels for k in NOTICES])), "",
        "| desktops | API calls/s | requests | decisions | refused (expected) | nothing "
        "pending | errors | cores: generator, server, PostgreSQL |",
        "|---:|---:|---:|---:|---|---:|---:|---|"]
    for lv in levels:
        refused = ", ".join(f"{k}: {v}" for k, v in sorted(lv.refused.items())) or "none"
        calls = sum(map(len, lv.lat.values())) + sum(lv.refused.values())
        lines.append(f"| {lv.desks} | {calls / SECONDS:.1f} | {len(lv.lat['request'])} | "
                     f"{len(lv.lat['decide'])} | {refused} | {lv.idle} | {len(lv.errors)} | "
                     + ", ".join(f"{v:.2f}" for v in lv.cpu.values()) + " |")
    return "\n".join([
        *lines, "", f"Decisions per second, {SOAK_N} approvals each, 4 at a time, no desktops "
        f"connected: through the server (HTTP, token, rules, commit) {soak['server']:.1f}/s; "
        f"the floor, `requests.approve` in this process on the same PostgreSQL, "
        f"{soak['direct']:.1f}/s: {ratio:.2f}x the floor.", "",
        "Invariants: " + ("group membership is exactly the approved requests; the kept "
                          "pending counts are right" if not broken
                          else "BROKEN: " + "; ".join(broken))
        + f". `access-desk audit verify`: {verify}.", "",
        f"Targets: API p95 at {first.desks} desktops {api95:.1f} ms "
        f"({'within' if api95 <= 50 else 'OVER'} 50 ms); notice p95 at {last.desks} "
        f"{note95:.1f} ms ({'within' if note95 <= 250 else 'OVER'} 250 ms); decisions/s "
        f"{ratio:.2f}x the direct soak ({'at least' if ratio >= 0.5 else 'UNDER'} 0.5x).",
        "", f"Whole run {whole:.0f} s (set-up included)."])


async def main() -> int:
    started, load = time.perf_counter(), shared.load_average()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4 * max(LEVELS) + 256:  # live connections and calls, at both ends (the server
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherits the limit)
    with tempfile.TemporaryDirectory(prefix="access-desk-server-load-") as name, \
            shared.postgres_url(Path(name)) as url:
        if not url:
            print("no PostgreSQL: nothing measured", file=sys.stderr)
            return 1
        (home := Path(name) / "home").mkdir(mode=0o700)
        os.environ["ACCESS_DESK_HOME"] = str(home)  # never the user's data folder
        os.environ["ACCESS_DESK_KEYRING"] = "0"
        pg = shared.reset_postgres(url)
        subprocess.run([EXE, "--db", url, "init", "--demo"], check=True, capture_output=True)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            bind = f"127.0.0.1:{sock.getsockname()[1]}"
        with open(home / "server.log", "wb") as log:
            proc = subprocess.Popen([EXE, "--db", url, "serve", "--bind", bind, "--workers",
                                     "2"], stdout=log, stderr=subprocess.STDOUT)
        bench = Bench(f"http://{bind}/api/v1")
        roots = {"generator": os.getpid(), "server": proc.pid}
        if (pid_file := Path(name) / "pg" / "postmaster.pid").exists():  # our own cluster
            roots["PostgreSQL"] = int(pid_file.read_text().split()[0])
        try:
            for _ in range(300):
                with suppress(httpx.HTTPError):
                    if (await bench.api.get("/health", timeout=1)).is_success:
                        break
                await asyncio.sleep(0.1)
            await bench.setup(max(LEVELS))
            print(f"set-up {time.perf_counter() - started:.0f} s", flush=True)
            levels = [await bench.level(n, url, roots) for n in LEVELS]
            bench.lvl = soaked = Level(0)
            soak = await run_soak(bench, url, [d.upn for d in bench.desks if not d.approver])
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        broken = invariants()
        done = subprocess.run([EXE, "--db", url, "audit", "verify"], capture_output=True)
        verify = "passes" if done.returncode == 0 else f"FAILS: {done.stderr[-300:]!r}"
        shared.reset_postgres(url)
    section = report(levels, soak, broken, verify, pg, load, time.perf_counter() - started)
    print(section)
    errors = [f"{lv.desks or 'soak'}: {e}" for lv in [*levels, soaked] for e in lv.errors] + [
        f"soak: {k} x {v}" for k, v in soaked.refused.items()]  # nobody else decides there
    for error in errors[:10]:
        print(error, file=sys.stderr)
    if not QUICK:
        shared.write_section("server", section)
        print("\nwrote bench/README.md")
    return 1 if broken or errors or verify != "passes" else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
