"""The command line's listings on the big directory: time and peak memory, beside a floor.

Each row is a new process on the database ``bench/big_directory.py --cached`` gives (built
first when missing), its output written to a file: wall time from spawn to exit, and the
peak resident memory of that process alone (``os.wait4``'s ``ru_maxrss``).

- ``access-desk requests --to-approve --json`` as the approver of 30 applications;
- ``access-desk requests --all --json`` and ``access-desk audit list --json`` as the Global
  Administrator (no --limit: every row);
- ``access-desk audit verify`` as the Global Administrator;

and beside each its floor, in the same run: a Python process that reads the same rows with
raw ``sqlite3`` and writes them as the command does (``json.dump`` of the list, indent 2, the
same keys and values, the audit details parsed), or, for verify, recomputes every event's
hash with the project's ``audithash.formula2`` and checks every checkpoint's signature.
The password check (scrypt, ~45 ms by design) is in the command's time, not the floor's.

``python bench/listings.py [--quick] [--backend sqlite|postgres|both] [--runs N]
[--only KIND...] [--cache DIR] [--no-write]`` prints a table and rewrites the part of
bench/README.md between ``<!-- listings:begin -->`` and ``<!-- listings:end -->`` (with
--quick: ``listings_quick``, the --small directory, a hundredth of every size; PostgreSQL's
figures in ``listings_pg`` and ``listings_quick_pg``). KIND: to_approve, all, audit, verify.

On PostgreSQL (``--backend postgres``, or ``both``: the default) the same directory comes from
``bench/bigdb.py`` (its bench cluster on loopback, or ``ACCESS_DESK_BENCH_PG``); the commands
run with ``--db URL`` and the floor runs the same SELECT through ``psycopg`` (rows streamed
in chunks, ``cursor.stream``), the SQL translated from SQLite's by ``_for_postgres``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
README = Path(__file__).resolve().parent / "README.md"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import big_directory  # noqa: E402
import bigdb  # noqa: E402

ACCESS_DESK = ROOT / ".venv" / "bin" / "access-desk"
PYTHON = Path(sys.executable)
MB = 1024 * 1024

# What each listing is: the command, who runs it, the floor's kind and the targets.
LISTINGS = (
    ("requests --to-approve --json", big_directory.APPROVER,
     ["requests", "--to-approve", "--json"], "to_approve", b'\n    "id": '),
    ("requests --all --json", big_directory.ADMIN, ["requests", "--all", "--json"], "all",
     b'\n    "id": '),
    ("audit list --json", big_directory.ADMIN, ["audit", "list", "--json"], "audit",
     b'\n    "seq": '),
    ("audit verify", big_directory.ADMIN, ["audit", "verify"], "verify", None),
)
TARGETS = {  # issue 15: (seconds or floor multiple, MB)
    "to_approve": "≤ 3 s, ≤ 100 MB",
    "all": "≤ 2× the floor's time, ≤ 100 MB",
    "audit": "≤ 2× the floor's time, ≤ 100 MB",
    "verify": "≤ 1.5× the floor's time",
}


# --- the floors (in a child process) --------------------------------------------------------


def _iso_sql(column: str) -> str:
    """As core.iso writes a time: seconds, T, Z (NULL stays NULL)."""
    return f"strftime('%Y-%m-%dT%H:%M:%SZ', {column})"


REQUEST_SQL = (
    "SELECT r.id, a.name, u.upn, r.status, r.justification, "
    f"{_iso_sql('r.created_at')}, d.upn, f.upn, {_iso_sql('r.decided_at')}, r.reason, r.kind "
    "FROM access_request r JOIN application a ON a.id = r.application_id "
    "JOIN user u ON u.id = r.requester_id LEFT JOIN user d ON d.id = r.decided_by_id "
    "LEFT JOIN user f ON f.id = r.decided_for ")
REQUEST_KEYS = ("id", "app", "requester", "status", "justification", "created_at",
                "decided_by", "decided_for", "decided_at", "reason", "kind")


def _for_postgres(sql: str) -> str:
    """A floor's SQLite query in PostgreSQL's dialect: the same times, the same rows."""
    sql = re.sub(r"strftime\('%Y-%m-%dT%H:%M:%SZ', ([\w.]+)\)",
                 r"""to_char(\1, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')""", sql)
    return re.sub(r"\b(FROM|JOIN) user\b", r'\1 "user"', sql).replace("?", "%s")


class _PgReader:
    """A psycopg connection that reads as the floors' sqlite3 one: execute(sql, params)
    gives rows to iterate, streamed in chunks (``cursor.stream``; the SQL translated)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.con = psycopg.connect(url, autocommit=True)

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.con.cursor().stream(_for_postgres(sql), params or None, size=5000)


def _reader(path: str) -> Any:
    """The floor's connection: raw sqlite3 on a file, psycopg on a PostgreSQL URL."""
    if path.startswith(("postgresql://", "postgres://")):
        return _PgReader(path)
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _when(value: Any) -> dt.datetime:
    """A stored time as the services read it (SQLite: text; PostgreSQL: a datetime)."""
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def floor(kind: str, path: str, upn: str) -> None:
    """Write to stdout what the command writes, from raw sqlite3 or psycopg (or verify the
    chain)."""
    conn = _reader(path)
    if kind == "verify":
        _floor_verify(conn)
        return
    if kind in ("to_approve", "all"):
        sql, params = REQUEST_SQL, ()
        if kind == "to_approve":
            sql += ("WHERE r.application_id IN (SELECT s.application_id FROM "
                    "self_service_settings s JOIN self_service_approver p ON p.settings_id = "
                    "s.id JOIN user v ON v.id = p.user_id WHERE v.upn = ?) AND u.upn != ? ")
            params = (upn, upn)
        rows: list[dict[str, Any]] = [
            dict(zip(REQUEST_KEYS, row, strict=True))
            for row in conn.execute(sql + "ORDER BY r.id DESC", params)]
    else:  # 5,000,000 events: written one by one, never all in memory
        _floor_audit(conn)
        return
    json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _floor_audit(conn: Any) -> None:
    """The audit log as `json.dump(rows, indent=2)` writes it, byte for byte, but streamed:
    each event written as it is read (`json.dumps(event, indent=2)` indented one level), so
    the floor's memory stays flat at 5,000,000 events as the command's does."""
    out, separator = sys.stdout, "[\n  "
    for seq, at, actor, action, target, app, details, hash_ in conn.execute(
            f"SELECT seq, {_iso_sql('at')}, actor, action, target, application_id, "
            "details, hash FROM audit_event ORDER BY seq DESC"):
        row = {"seq": seq, "at": at, "actor": actor, "action": action, "target": target,
               "application_id": app, "details": json.loads(details), "hash": hash_}
        out.write(separator)
        out.write(json.dumps(row, ensure_ascii=False, indent=2).replace("\n", "\n  "))
        separator = ",\n  "
    out.write("[]\n" if separator.startswith("[") else "\n]\n")


def _floor_verify(conn: Any) -> None:
    """Every event's hash recomputed in order (audithash.formula2) and every checkpoint's
    signature checked against its recorded key: what verify does, without the services."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from desktop import audithash

    checkpoints: dict[int, tuple[str, bytes, bytes]] = {}
    keys = {key_id: Ed25519PublicKey.from_public_bytes(base64.b64decode(public))
            for key_id, public in conn.execute("SELECT key_id, public_key FROM "
                                               "audit_signing_key")}
    for number, seq, hash_, at, key_id, signature in conn.execute(
            "SELECT id, seq, hash, at, key_id, signature FROM audit_checkpoint ORDER BY id"):
        message = audithash.checkpoint_message(number, seq, hash_,
                                               _when(at), key_id)
        keys[key_id].verify(base64.b64decode(signature), message)
        checkpoints[seq] = (hash_, message, signature)
    prev, count = audithash.GENESIS_HASH, 0
    for event_id, seq, at, actor, action, target, app, details, prev_hash, hash_ in \
            conn.execute("SELECT id, seq, at, actor, action, target, application_id, details, "
                         "prev_hash, hash FROM audit_event ORDER BY seq"):
        if prev_hash != prev or audithash.formula2(
                event_id, seq, _when(at), actor, action, target, app,
                details, prev_hash) != hash_:
            raise SystemExit(f"event {seq} does not verify")
        if seq in checkpoints and checkpoints[seq][0] != hash_:
            raise SystemExit(f"checkpoint at {seq} differs")
        prev, count = hash_, count + 1
    print(f"{count} events intact, {len(checkpoints)} checkpoints")


# --- measuring ---------------------------------------------------------------------------


# Runs one process and reports its wall time and peak RSS. A process's peak RSS counts the
# memory of the process it was forked or spawned from (Linux keeps the high-water mark across
# exec), so the measured process starts from this small interpreter, not from the benchmark.
LAUNCHER = """
import json, os, sys, time
out, err, *argv = sys.argv[1:]
flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
actions = [(os.POSIX_SPAWN_OPEN, 1, out, flags, 0o600), (os.POSIX_SPAWN_OPEN, 2, err, flags, 0o600)]
started = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
_pid, status, usage = os.wait4(pid, 0)
print(json.dumps({"seconds": time.perf_counter() - started, "rss_kb": usage.ru_maxrss,
                  "code": os.waitstatus_to_exitcode(status)}))
"""


def spawn(argv: list[str], out: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run one process, stdout to `out`: wall seconds, its own peak RSS, exit status."""
    err = out.with_suffix(".err")
    launched = subprocess.run([str(PYTHON), "-S", "-c", LAUNCHER, str(out), str(err), *argv],
                              env=env, capture_output=True, text=True, check=True)
    result = json.loads(launched.stdout)
    if result["code"] != 0:
        raise SystemExit(f"{' '.join(argv)} exited {result['code']}: "
                         f"{err.read_text()[-2000:]}")
    return {"seconds": result["seconds"], "rss_mb": result["rss_kb"] / 1024,
            "bytes": out.stat().st_size}


def count(path: Path, marker: bytes | None) -> int | None:
    """Rows in a JSON listing: its top-level objects' first key, counted by streaming."""
    if marker is None:
        return None
    found, tail = 0, b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            data = tail + chunk
            found += data.count(marker)
            tail = data[-(len(marker) - 1):]
    return found


# Runs of each listing at full size: a few for the short one, whose median a cold start would
# otherwise decide (its first run after the page cache was emptied reads ~0.8 GB from disk:
# ~2 s more, for its floor as much), one for those that take 15 s to minutes.
FULL_RUNS = {"to_approve": 3, "all": 1, "audit": 1, "verify": 1}


def runs_wanted(given: int | None, quick: bool) -> dict[str, int]:
    """Runs of each listing: `--runs` for all, else 3 on the small directory, else FULL_RUNS."""
    if given:
        return {kind: given for kind in FULL_RUNS}
    return {kind: 3 for kind in FULL_RUNS} if quick else dict(FULL_RUNS)


def runs_text(runs: dict[str, int], kinds: list[str]) -> str:
    """How many runs each figure is the median of, for the README."""
    counts = sorted({runs[kind] for kind in kinds})
    if counts == [1]:
        return "Each figure is one run"
    if len(counts) == 1:
        return f"Each figure is the median of {counts[0]} runs"
    labels = {kind: label for label, _u, _a, kind, _m in LISTINGS}
    several = [f"`{labels[k]}`" for k in kinds if runs[k] > 1]
    return (f"Each figure of {', '.join(several)} is the median of "
            f"{max(runs[k] for k in kinds)} runs (a few seconds each, so one run alone says "
            "mostly whether the database was still in the page cache: on SQLite the first "
            "after it was emptied reads ~0.8 GB from disk, ~2 s more, and its floor as much), "
            "the others one run each (15 s to minutes)")


def measure(db: Path, runs: dict[str, int], work: Path, only: list[str]
            ) -> list[dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCESS_DESK_")}
    env["ACCESS_DESK_PASSWORD"] = big_directory.PASSWORD
    results = []
    for label, upn, args, kind, marker in LISTINGS:
        if only and kind not in only:
            continue
        command: list[dict[str, Any]] = []
        floors: list[dict[str, Any]] = []
        rows: dict[str, int | None] = {}
        for _ in range(runs[kind]):  # interleaved: the command, then its floor
            out = work / f"{kind}.out"
            command.append(spawn([str(ACCESS_DESK), "--db", str(db), "--as", upn, *args],
                                 out, env))
            rows["command"] = count(out, marker)
            out.unlink()
            out = work / f"{kind}-floor.out"
            floors.append(spawn([str(PYTHON), __file__, "--floor", kind, str(db), upn],
                                out, env))
            rows["floor"] = count(out, marker)
            out.unlink()
        results.append({"label": label, "kind": kind, "command": command, "floor": floors,
                        "rows": rows})
        print(f"{label}: {_median(command, 'seconds'):.2f} s, "
              f"{_median(command, 'rss_mb'):.0f} MB; floor {_median(floors, 'seconds'):.2f} s,"
              f" {_median(floors, 'rss_mb'):.0f} MB", flush=True)
    return results


def _median(samples: list[dict[str, Any]], key: str) -> float:
    return statistics.median(s[key] for s in samples)


def verdict(kind: str, seconds: float, floor_s: float, rss: float) -> str:
    if kind == "to_approve":
        ok = seconds <= 3 and rss <= 100
    elif kind == "verify":
        ok = seconds <= 1.5 * floor_s
    else:
        ok = seconds <= 2 * floor_s and rss <= 100
    return "meets" if ok else "**misses**"


def machine(pg_version: str | None = None) -> str:
    import peewee

    text = (f"{os.cpu_count()} CPUs (nproc), {platform.machine()}, Python "
            f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, peewee "
            f"{peewee.__version__}")
    if pg_version:
        import psycopg

        text += (f", PostgreSQL {pg_version} on loopback (bench/bigdb.py's cluster settings), "
                 f"psycopg {psycopg.__version__}")
    return text


def _database_text(db: str, backend: str) -> str:
    """`name` (size) of the measured database."""
    if backend == "postgres":
        import psycopg

        with psycopg.connect(db) as con:
            name, size = con.execute("SELECT current_database(), "
                                     "pg_database_size(current_database())").fetchone()
        return f"PostgreSQL database `{name}` ({size / 1e6:,.0f} MB)"
    return f"`{Path(db).name}` ({Path(db).stat().st_size / 1e6:,.0f} MB)"


def section(results: list[dict[str, Any]], sizes: dict[str, int], db: str | Path,
            runs: dict[str, int],
            load: tuple[float, float], whole: float, quick: bool,
            backend: str = "sqlite", previous: str = "") -> str:
    """The README's section; the rows of listings not measured in this run (--only) are
    kept from the `previous` section's table, saying from which run."""
    left_out = [label for label, _u, _a, kind, _m in LISTINGS
                if kind not in {r["kind"] for r in results}]
    kept = {label: line for label in left_out for line in previous.splitlines()
            if line.startswith(f"| `access-desk {label}` |")}
    dated = re.search(r"Measured on (\d{4}-\d\d-\d\d)", previous)
    table = ["| listing | rows | s | peak RSS MB | output MB | floor s | floor peak MB | "
             "s / floor | target | now |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in results:
        s, f = _median(r["command"], "seconds"), _median(r["floor"], "seconds")
        rss, frss = _median(r["command"], "rss_mb"), _median(r["floor"], "rss_mb")
        rows = r["rows"]["command"]
        shown = f"{rows:,}" if rows is not None else "–"
        if rows is not None and rows != r["rows"]["floor"]:
            shown += f" (floor {r['rows']['floor']:,})"
        table.append(
            f"| `access-desk {r['label']}` | {shown} | {s:.2f} | {rss:.0f} | "
            f"{_median(r['command'], 'bytes') / MB:.1f} | {f:.2f} | {frss:.0f} | "
            f"{s / f:.1f}x | {TARGETS[r['kind']]} | {verdict(r['kind'], s, f, rss)} |")
    order = [label for label, *_rest in LISTINGS]
    measured = table[2:] + list(kept.values())
    table[2:] = sorted(measured, key=lambda line: next(
        (i for i, label in enumerate(order) if line.startswith(f"| `access-desk {label}` |")),
        len(order)))
    if kept:
        since = f"the run of {dated.group(1)}" if dated else "an earlier run"
        left_note = (f"Kept from {since} (not measured in this one, --only): "
                     f"{', '.join(f'`{label}`' for label in kept)}.")
    else:
        left_note = ""
    missing = [f"`{label}`" for label in left_out if label not in kept]
    if missing:
        left_note += (" " if left_note else "") + (
            f"Not measured in this run (--only): {', '.join(missing)}.")
    scale = ("the `--small` directory (a hundredth of the issue's sizes, a fiftieth of its "
             "people; the issue's targets are for the full one)" if quick
             else "the issue's directory")
    title = ("## The command line's listings on the small directory "
             "(`python bench/listings.py --quick`)" if quick else
             "## The command line's listings on the big directory (`python bench/listings.py`)")
    pg = backend == "postgres"
    if pg:
        title = title.replace(" (`", ", PostgreSQL (`").replace("`)", " --backend postgres`)")
    return "\n".join([
        title,
        "",
        f"Measured on {dt.date.today().isoformat()}; "
        f"{machine(bigdb.server_version(str(db)) if pg else None)}. Load average "
        f"{load[0]:.2f} before, {load[1]:.2f} after.",
        "",
        f"On {scale}: {sizes['users']:,} users, {sizes['apps']:,} applications "
        f"({sizes['self_service']:,} with self-service), {sizes['requests']:,} requests, "
        f"{sizes['audit']:,} audit events; {_database_text(str(db), backend)}, "
        + ("copied from the SQLite one by `bench/bigdb.py` (COPY into the project's own "
           "schema), `--db URL`. " if pg else "made by `bench/big_directory.py`. ")
        + runs_text(runs, [r["kind"] for r in results])
        + ", a new process each, its output written to a file; the command and its floor "
        "alternate. *peak RSS*: that process's alone "
        f"(`wait4`). The floor reads the same rows with "
        f"{'`psycopg` (the same SELECT, streamed)' if pg else 'raw `sqlite3`'} "
        "and writes the same JSON "
        "(`json.dump` of the whole list, indent 2, the audit details parsed; the audit log "
        "event by event, `json.dumps(event, indent=2)` indented one level: the same bytes in "
        "flat memory); for `audit "
        "verify`, every event's hash recomputed with `audithash.formula2` and every "
        "checkpoint's signature checked. The command's time includes signing in (scrypt, "
        "~45 ms).",
        "",
        *table,
        "",
        *([left_note, ""] if left_note else []),
        "The listings stream (issue 15 item 5): the command reads its rows a page of 5,000 "
        "at a time by key (`WHERE id < the last one`, one query a page, rows as tuples, not "
        "model objects) and writes each page as it comes, so its memory stays flat whatever "
        "the size; the array is written with the json module's C encoder, byte for byte what "
        "`json.dump(..., indent=2)` of the whole list writes (the floor). `audit verify` "
        "reads the chain 2,000 events a query as the driver's tuples, and the signed checkpoints "
        "2,000 a query by number to check their signatures, then beside each page of events "
        "those that sign it (never all 50,000 at once).",
        "",
        f"Whole run {whole:.0f} s.",
    ])


def read_section(name: str) -> str:
    """The README's section `name` as the last run wrote it ('' when there is none)."""
    readme = README.read_text()
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    if begin not in readme or end not in readme:
        return ""
    return readme[readme.index(begin) + len(begin):readme.index(end)]


def write_readme(text: str, name: str) -> None:
    readme = README.read_text()
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{text}\n{end}"
    if begin in readme:
        readme = readme[: readme.index(begin)] + block + readme[readme.index(end) + len(end):]
    else:
        readme = readme.rstrip("\n") + "\n\n" + block + "\n"
    README.write_text(readme)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true",
                        help="the --small directory (a hundredth of every size)")
    parser.add_argument("--runs", type=int, default=None,
                        help="runs of each listing (default 3 with --quick; else 3 of "
                        "--to-approve, 1 of the others)")
    parser.add_argument("--cache", type=Path, default=big_directory.DEFAULT_CACHE)
    parser.add_argument("--db", type=Path, help="measure this database instead of the cache's "
                        "(made by big_directory.py with the sizes given to it)")
    parser.add_argument("--only", nargs="+", default=[], metavar="KIND",
                        choices=[kind for _l, _u, _a, kind, _m in LISTINGS],
                        help="measure only these listings")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both",
                        help="measure on SQLite, on PostgreSQL (bench/bigdb.py), or both "
                        "(the default; PostgreSQL is left out when it is not installed)")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--floor", nargs=3, metavar=("KIND", "DB", "UPN"),
                        help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.floor:
        floor(*a.floor)
        return 0
    sizes = bigdb.sizes(small=a.quick)
    runs = runs_wanted(a.runs, a.quick)
    backends = ["sqlite", "postgres"] if a.backend == "both" else [a.backend]
    if a.backend == "both" and a.db is None and not bigdb.postgres_available():
        print("PostgreSQL is not installed (and no ACCESS_DESK_BENCH_PG): SQLite only")
        backends = ["sqlite"]
    missed = False
    for backend in backends:
        began = time.perf_counter()
        if a.db is not None and backend == "sqlite":
            found: contextlib.AbstractContextManager[str] = contextlib.nullcontext(str(a.db))
        else:
            found = bigdb.directory(backend, sizes, cache=a.cache)
        with found as db, tempfile.TemporaryDirectory(prefix="bench-listings-") as tmp:
            load_before = os.getloadavg()[0]
            results = measure(db, runs, Path(tmp), a.only)
            name = ("listings_quick" if a.quick else "listings") + (
                "_pg" if backend == "postgres" else "")
            text = section(results, sizes, db, runs, (load_before, os.getloadavg()[0]),
                           time.perf_counter() - began, a.quick, backend,
                           previous=read_section(name))
        print(text)
        missed = missed or "**misses**" in text  # a row's verdict (section)
        if not a.no_write:
            write_readme(text, name)
    return 1 if missed else 0  # make bench names the scripts that missed


if __name__ == "__main__":
    sys.exit(main())
