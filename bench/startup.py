"""Process start to a window painted and usable: the Admin console, Approvals and My Apps on the
demo directory, on the big one (SQLite) and on the big one on PostgreSQL through a server on
loopback, beside a bare window's process measured in the same run.

Every sample is a new process. The parent notes the wall clock just before starting it; the
child writes the wall clock of three moments to a file and exits at once:

- *window*: the first Paint event of the window (its frame, menus and header);
- *list*: the first Paint of the window's main list (a table or tile view of the page shown,
  the Admin console's page list left out) holding at least one row: its first page is on
  screen;
- *usable*: a keystroke ("a") sent to the page's search box (a `SearchBox`, stylesheet role
  "search") right after that paint has been handled: its text changed. The search it starts
  (debounced) is measured by bench/search_bench.py.

The child is `access-desk --db DB --as UPN gui KIND` run in process (``desktop.cli.main``), with
two things left out, in the floor too: the password check (scrypt, ~45 ms by design: the
bench's child replaces `auth.verify_password` with a yes; the demo asks for none anyway) and
the rule-21 sweep (it starts 1.5 s after the window; left out so that the bench never writes
to the shared big directory). The floor is a process that imports PySide6 and peewee, opens
the same database with peewee (reads its schema) and shows a bare QMainWindow: its first
paint. The variants are interleaved, so all see the same machine; each figure is the median.

Through a server: the big directory copied into the bench's PostgreSQL (``bench/bigdb.py``),
served by ``access-desk --db URL serve`` (one worker, its own rule-21 sweep and outbox left
out: the sweep would write to the shared database) on a free loopback port for the whole run.
The child is ``access-desk --server URL --as UPN gui KIND``; each person signed in once before
the samples (``login``, which keeps the token), so the samples check no password either. Its
floor imports httpx too (the desktop's HTTP client) and has GET /health answered instead of
opening a database. Signing in writes a session row each; they are signed out at the end.

Who: the Admin console as the first Global Administrator; Approvals as the approver of 30
applications (big: ~15,000 pending; demo: Alice Wu); My Apps as the requester with 3,000
requests (demo: Oliver Schmidt). Target (issue 15): usable within 2x the floor.

``python bench/startup.py [--runs N] [--small] [--no-big] [--no-server] [--no-write]`` prints a
table and rewrites the part of bench/README.md between ``<!-- startup:begin -->`` and
``<!-- startup:end -->``. The big directory comes from ``bench/big_directory.py --cached``
(built first if missing: about 3 minutes); on PostgreSQL from ``bigdb.directory`` (copied in
once; left out, with a line on stderr, where there is no PostgreSQL). Exit 1 when a window
misses the target.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = Path(__file__).resolve().parent / "README.md"
sys.path.insert(0, str(ROOT / "bench"))

import big_directory  # noqa: E402
import bigdb  # noqa: E402

TARGET = 2.0
DEMO = {"admin": "megan.bowen@contoso.example", "approvals": "alice.wu@contoso.example",
        "myapps": "oliver.schmidt@contoso.example"}
BIG = {"admin": big_directory.ADMIN, "approvals": big_directory.APPROVER,
       "myapps": big_directory.REQUESTER}
CLASSES = {"admin": "AdminWindow", "approvals": "ApprovalsWindow", "myapps": "MyAppsWindow"}
TITLES = {"admin": "Admin console", "approvals": "Approvals", "myapps": "My Apps"}

WHERE = {"demo": "the demo directory", "big": "the big directory, SQLite",
         "server": "the big directory, PostgreSQL through a server on loopback"}

FLOOR = """
import os, sys, time
import peewee
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow
if "STARTUP_SERVER" in os.environ:  # the desktop's HTTP client, one call answered
    import httpx
    httpx.get(os.environ["STARTUP_SERVER"] + "/api/v1/health").raise_for_status()
else:
    db = peewee.SqliteDatabase(os.environ["STARTUP_DB"])
    db.connect()
    db.get_tables()  # reads the schema: the database is open
app = QApplication(sys.argv[:1])
class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj.isWidgetType() and obj.isWindow():
            now = time.time()
            with open(os.environ["STARTUP_OUT"], "w") as fh:
                fh.write(f"{now:.6f} {now:.6f} {now:.6f}\\n")
            os._exit(0)
        return False
probe = FirstPaint(app)
app.installEventFilter(probe)
window = QMainWindow()
window.setWindowTitle("bare")
window.resize(1000, 680)
window.show()
app.exec()
"""

CHILD = """
import os, sys, time
out, wanted = os.environ["STARTUP_OUT"], os.environ["STARTUP_WINDOW"]
import desktop.cli.session as session
import desktop.ui.app as shell
import desktop.ui.sweeper as sweeper

sign_in = session.sign_in

def sign_in_unchecked(upn):  # --db only: through --server the token `login` kept signs in
    from desktop.services import auth  # after the CLI kept the PostgreSQL driver out

    auth.verify_password = lambda password, stored: True  # the scrypt check is left out
    return sign_in(upn)

session.sign_in = sign_in_unchecked
sweeper.start_sweeping = lambda owner, backend: None  # never writes (--server: never runs)
build_window = shell.build_window

def watched_window(kind, actor, feed):
    # The probe watches the window and its lists' viewports only (an application-wide
    # event filter would slow every event down).
    from PySide6.QtCore import QEvent, QObject, Qt, QTimer
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import (QAbstractItemView, QApplication, QLineEdit, QListView,
                                   QTableView)

    window = build_window(kind, actor, feed)
    marks = {}
    paint = QEvent.Type.Paint

    def press():
        boxes = [b for b in window.findChildren(QLineEdit)
                 if b.isVisible() and b.property("role") == "search"]
        box = boxes[0]
        box.setFocus()
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(box, QKeyEvent(kind, Qt.Key.Key_A,
                                                  Qt.KeyboardModifier.NoModifier, "a"))
        usable = time.time()
        assert box.text() == "a", box.text()
        with open(out, "w") as fh:
            fh.write(f"{marks['window']:.6f} {marks['list']:.6f} {usable:.6f}\\n")
        os._exit(0)

    views = {view.viewport(): view for view in window.findChildren(QAbstractItemView)
             if isinstance(view, (QTableView, QListView)) and view.objectName() != "nav"}

    class Probe(QObject):
        def eventFilter(self, obj, event):
            if event.type() != paint:
                return False
            marks.setdefault("window", time.time())
            view = views.get(obj)
            if ("list" not in marks and view is not None and view.model() is not None
                    and view.model().rowCount() > 0):
                marks["list"] = time.time()
                QTimer.singleShot(0, press)
            return False

    window._startup_probe = probe = Probe(window)
    window.installEventFilter(probe)
    for viewport in views:
        viewport.installEventFilter(probe)
    return window

shell.build_window = watched_window
from desktop.cli import main
sys.exit(main(sys.argv[1:]))
"""


SERVER = """
import sys
import desktop.server.outbox as outbox
outbox.duties = lambda *args, **kwargs: []  # neither the rule-21 sweep nor the outbox
from desktop.cli import main
sys.exit(main(sys.argv[1:]))
"""


def venv_python() -> str:
    candidate = ROOT / ".venv" / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def environment(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCESS_DESK_")}
    env["ACCESS_DESK_HOME"] = str(tmp / "home")
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        env[f"XDG_{name}_HOME"] = str(tmp / "xdg" / name.lower())
    env["XDG_RUNTIME_DIR"] = str(tmp / "xdg")
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: modules compiled once, kept
    env["ACCESS_DESK_PASSWORD"] = "left-out"  # never checked (see CHILD)
    return env


def sample(command: list[str], env: dict[str, str], out: Path) -> tuple[float, float, float]:
    """Milliseconds from just before the process starts to: window, list, usable."""
    out.unlink(missing_ok=True)
    started = time.time()
    done = subprocess.run(command, env=env, cwd=env["ACCESS_DESK_HOME"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120,
                          check=False)
    if not out.exists():
        raise RuntimeError(f"{command[-3:]} was not usable (exit {done.returncode}): "
                           f"{done.stderr.decode(errors='replace')[-1200:]}")
    window, listed, usable = (float(v) for v in out.read_text().split()[:3])
    return ((window - started) * 1000, (listed - started) * 1000, (usable - started) * 1000)


@contextlib.contextmanager
def serving(url: str, env: dict[str, str], people: Iterable[str]) -> Iterator[str]:
    """`access-desk --db URL serve` (SERVER) on a free loopback port, each person signed in
    once (`login` keeps his token in env's data folder); yields the server's URL. Signed out
    and stopped at the end, also on an error."""
    from live_latency import access_desk_server  # (imported here, as write_section below)

    log = Path(env["ACCESS_DESK_HOME"]) / "server.log"
    people = list(people)
    with access_desk_server([venv_python(), "-c", SERVER, "--db", url, "serve"], log,
                            env) as base:
        cli = [venv_python(), "-m", "desktop", "--server", base, "--as"]
        try:
            for upn in people:
                done = subprocess.run([*cli, upn, "login"], capture_output=True, text=True,
                                      env={**env, "ACCESS_DESK_PASSWORD": big_directory.PASSWORD})
                if done.returncode:
                    raise RuntimeError(f"{upn} could not sign in: {done.stderr.strip()}")
            yield base
        finally:
            for upn in people:
                subprocess.run([*cli, upn, "logout"], env=env, capture_output=True, check=False)


def describe_machine() -> str:
    import sqlite3

    try:
        import peewee
        from PySide6 import QtCore
        from PySide6 import __version__ as pyside
        qt, pw = QtCore.qVersion(), peewee.__version__
    except ImportError:  # the bench's own interpreter may lack them; the venv has them
        pyside = qt = pw = "?"
    return (f"{os.cpu_count()} CPUs (nproc), {platform.machine()}, Python "
            f"{platform.python_version()}, PySide6 {pyside} (Qt {qt}), SQLite "
            f"{sqlite3.sqlite_version}, peewee {pw}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="samples of each variant")
    parser.add_argument("--small", action="store_true",
                        help="the --small big directory (a hundredth of every size)")
    parser.add_argument("--no-big", action="store_true", help="the demo directory only")
    parser.add_argument("--no-server", action="store_true",
                        help="not the big directory on PostgreSQL through a server")
    parser.add_argument("--no-write", action="store_true", help="leave bench/README.md alone")
    args = parser.parse_args()
    begun = time.perf_counter()
    places: dict[str, tuple[str, dict[str, str]]] = {}
    big_name = served = pg_url = ""
    with contextlib.ExitStack() as stack:
        if not args.no_big:
            sizes = bigdb.sizes(args.small)
            big = bigdb.sqlite(sizes)
            big_name = f"`{big.name}` ({big.stat().st_size / 2**20:,.0f} MB)"
            if not args.no_server and bigdb.postgres_available():
                pg_url = stack.enter_context(bigdb.directory("postgres", sizes))
            elif not args.no_server:
                print("startup: no PostgreSQL (bigdb.postgres_available()): the big directory "
                      "through a server is left out", file=sys.stderr)
        load_before = os.getloadavg()[0]
        tmp = Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="access-desk-startup-")))
        (tmp / "home").mkdir(mode=0o700)
        (tmp / "xdg").mkdir(mode=0o700)
        env = environment(tmp)
        demo = tmp / "home" / "demo.db"
        subprocess.run([venv_python(), "-m", "desktop", "--db", str(demo), "init", "--demo"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        places["demo"] = (str(demo), DEMO)
        if not args.no_big:
            places["big"] = (str(big), BIG)
        if pg_url:
            places["server"] = (stack.enter_context(serving(pg_url, env, BIG.values())), BIG)
            served = (f" Through a server: `access-desk --db URL serve` (one worker, its sweep "
                      "and outbox left out) on 127.0.0.1 over PostgreSQL "
                      f"{bigdb.server_version(pg_url)}, database `{pg_url.rpartition('/')[2]}`; "
                      "the windows `access-desk --server URL --as UPN gui KIND`, each person "
                      "signed in once before (`login` keeps the token: no password check in "
                      "the samples either); their floor imports httpx too and has GET /health "
                      "answered instead of opening a database.")
        variants: list[tuple[str, str, str, list[str], dict[str, str]]] = []
        for place, (target, people) in places.items():
            remote = place == "server"
            variants.append((place, "floor", "floor: bare QMainWindow, PySide6 and peewee "
                             + ("(and httpx) imported, GET /health answered" if remote
                                else "imported, the database opened"),
                             [venv_python(), "-c", FLOOR],
                             {"STARTUP_SERVER" if remote else "STARTUP_DB": target}))
            for kind, upn in people.items():
                variants.append((place, kind, f"{TITLES[kind]} ({upn})",
                                 [venv_python(), "-c", CHILD, "--server" if remote else "--db",
                                  target, "--as", upn, "gui", kind],
                                 {"STARTUP_WINDOW": CLASSES[kind]}))
        samples: dict[tuple[str, str], list[tuple[float, float, float]]] = {
            (place, kind): [] for place, kind, _l, _c, _e in variants}
        out = tmp / "probe.txt"
        for _place, _kind, _label, command, extra in variants:  # warm-up, not counted
            sample(command, {**env, **extra, "STARTUP_OUT": str(out)}, out)
        for run in range(args.runs):
            for place, kind, _label, command, extra in variants:
                samples[(place, kind)].append(
                    sample(command, {**env, **extra, "STARTUP_OUT": str(out)}, out))
            print(f"run {run + 1} of {args.runs} done", file=sys.stderr)
        load_after = os.getloadavg()[0]

    def median(place: str, kind: str, part: int) -> float:
        return statistics.median(s[part] for s in samples[(place, kind)])

    lines = [
        "## Start-up: process start to a window painted and usable (`python bench/startup.py`)",
        "",
        f"Measured on {time.strftime('%Y-%m-%d')}; {describe_machine()}, "
        f"QT_QPA_PLATFORM={env.get('QT_QPA_PLATFORM', 'xcb (a display)')}. Load average "
        f"{load_before:.2f} before, {load_after:.2f} after.",
        "",
        "Each sample is a new process, from just before it starts to: *window*, the window's "
        "first paint; *list*, its main list's first page painted; *usable*, a keystroke in the "
        "page's search box handled right after. `access-desk --db DB --as UPN gui KIND`, the "
        "password check (scrypt, ~45 ms by design) and the rule-21 sweep left out. The floor: a "
        "process importing PySide6 and peewee, opening the same database with peewee and "
        f"showing a bare QMainWindow (its first paint). Median of {args.runs}, the variants "
        "interleaved. The demo directory, and "
        + (f"the big one {big_name} (`bench/big_directory.py`)." if big_name
           else "no big directory (--no-big).") + served,
        "",
        "| directory | measured | window ms | list ms | usable ms | usable / floor | target |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    verdicts = []
    for place in places:
        floor = median(place, "floor", 2)
        for p, kind, label, _c, _e in variants:
            if p != place:
                continue
            usable = median(place, kind, 2)
            ratio = usable / floor
            if kind == "floor":
                lines.append(f"| {WHERE[place]} | {label} | {floor:.0f} | – | – | 1.00x | |")
                continue
            meets = ratio <= TARGET
            verdicts.append(meets)
            lines.append(f"| {WHERE[place]} | {label} | {median(place, kind, 0):.0f} | "
                         f"{median(place, kind, 1):.0f} | **{usable:.0f}** | {ratio:.2f}x | "
                         f"≤ {TARGET:.0f}x: {'meets' if meets else '**misses**'} |")
    lines += ["", f"{sum(verdicts)} of {len(verdicts)} windows usable within {TARGET:.0f}x "
              "their floor. Whole run "
              f"{time.perf_counter() - begun:.0f} s."]
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        from live_latency import write_section  # bench/ is sys.path[0] for a bench script

        write_section("startup", section)
        print(f"\nwrote {README}")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
