"""Cold start to the first painted window: Access Desk (demo directory) vs a bare PySide6 one.

Every sample is a new process. The parent notes the wall clock just before starting it; the
child writes the wall clock of the first Paint event of a top-level window to a file and
exits at once (Access Desk: ``ACCESS_DESK_STARTUP_PROBE``, see desktop/ui/app.py; the bare
window: the same event filter in a few lines). The variants are interleaved, so all of them
see the same machine. Measured:

- floor: a bare ``QMainWindow`` (PySide6 imported, QApplication, show, first paint);
- ``access-desk --db DEMO gui``: the first window, the sign-in window (the target: at most
  1.5 times the floor's median);
- ``access-desk --db DEMO --as ADMIN gui admin``: straight into the Admin console (reported);
- the same two from the PyInstaller bundle when ``dist/access-desk/`` exists (``make
  package``), with the bundle's size beside the plain install's.

``python bench/startup.py [--runs N] [--no-write]`` prints a table and rewrites the part of
bench/README.md between ``<!-- startup:begin -->`` and ``<!-- startup:end -->``. Exit 1 when
the sign-in window's median is over the target.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = Path(__file__).resolve().parent / "README.md"
BUNDLE = ROOT / "dist" / "access-desk"
TARGET = 1.5
ADMIN = "megan.bowen@contoso.example"

BARE = """
import os, sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj.isWidgetType() and obj.isWindow():
            with open(os.environ["ACCESS_DESK_STARTUP_PROBE"], "w") as fh:
                fh.write(f"{time.time():.6f} bare\\n")
            os._exit(0)
        return False
probe = FirstPaint(app)
app.installEventFilter(probe)
window = QMainWindow()
window.setWindowTitle("bare")
window.resize(500, 300)
window.show()
app.exec()
"""


def venv_python() -> str:
    candidate = ROOT / ".venv" / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def access_desk() -> list[str]:
    script = ROOT / ".venv" / "bin" / "access-desk"
    return [str(script)] if script.exists() else [venv_python(), "-m", "desktop"]


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def environment(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCESS_DESK_")}
    env["ACCESS_DESK_HOME"] = str(tmp / "home")
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        env[f"XDG_{name}_HOME"] = str(tmp / "xdg" / name.lower())
    env["XDG_RUNTIME_DIR"] = str(tmp / "xdg")
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("PYTHONPATH", None)
    return env


def sample(command: list[str], env: dict[str, str], probe: Path) -> float:
    """`command` may start with "WINDOW=Class": then the probe waits for that window's paint."""
    probe.unlink(missing_ok=True)
    env = {**env, "ACCESS_DESK_STARTUP_PROBE": str(probe)}
    if command[0].startswith("WINDOW="):
        env["ACCESS_DESK_STARTUP_PROBE_WINDOW"] = command[0].split("=", 1)[1]
        command = command[1:]
    started = time.time()
    done = subprocess.run(command, env=env, cwd=env["ACCESS_DESK_HOME"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60,
                          check=False)
    if not probe.exists():
        raise RuntimeError(f"{command[0]} painted nothing (exit {done.returncode}): "
                           f"{done.stderr.decode(errors='replace')[-800:]}")
    painted = float(probe.read_text().split()[0])
    return (painted - started) * 1000


def describe_machine() -> str:
    import sqlite3

    try:
        from PySide6 import QtCore
        from PySide6 import __version__ as pyside
        qt = QtCore.qVersion()
    except ImportError:  # the bench's own interpreter may lack PySide6; the venv has it
        pyside = qt = "?"
    return (f"{os.cpu_count()} CPUs (nproc), {platform.machine()}, Python "
            f"{platform.python_version()}, PySide6 {pyside} (Qt {qt}), SQLite "
            f"{sqlite3.sqlite_version}")


def stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"first": values[0], "p50": statistics.median(values), "min": ordered[0],
            "max": ordered[-1], "n": len(values)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="samples of each variant")
    parser.add_argument("--no-write", action="store_true", help="leave bench/README.md alone")
    args = parser.parse_args()
    begun = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="access-desk-startup-") as name:
        tmp = Path(name)
        (tmp / "home").mkdir(mode=0o700)
        (tmp / "xdg").mkdir(mode=0o700)
        env = environment(tmp)
        demo = tmp / "home" / "demo.db"
        subprocess.run([*access_desk(), "init", "--demo"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        variants: list[tuple[str, list[str]]] = [
            ("floor: bare PySide6 QMainWindow", [venv_python(), "-c", BARE]),
            ("access-desk gui: the first painted window (the splash)",
             [*access_desk(), "--db", str(demo), "gui"]),
            ("access-desk gui: the sign-in window, ready to use",
             ["WINDOW=SignInDialog", *access_desk(), "--db", str(demo), "gui"]),
            ("access-desk gui admin --as: the Admin console",
             ["WINDOW=AdminWindow", *access_desk(), "--db", str(demo), "--as", ADMIN, "gui",
              "admin"]),
        ]
        executable = BUNDLE / "access-desk"
        if executable.exists():
            variants += [
                ("bundle: the first painted window (the splash)",
                 [str(executable), "--db", str(demo), "gui"]),
                ("bundle: the sign-in window, ready to use",
                 ["WINDOW=SignInDialog", str(executable), "--db", str(demo), "gui"]),
                ("bundle: the Admin console",
                 ["WINDOW=AdminWindow", str(executable), "--db", str(demo), "--as", ADMIN,
                  "gui", "admin"]),
            ]
        samples: dict[str, list[float]] = {label: [] for label, _ in variants}
        probe = tmp / "probe.txt"
        for _ in range(args.runs):
            for label, command in variants:
                samples[label].append(sample(command, env, probe))
    results = {label: stats(values) for label, values in samples.items()}
    floor = results[variants[0][0]]["p50"]
    signin = results[variants[1][0]]["p50"]
    ratio = signin / floor
    lines = [
        "## Start-up: cold start to the first painted window (`python bench/startup.py`)",
        "",
        f"Measured on {time.strftime('%Y-%m-%d')}; {describe_machine()}, "
        f"QT_QPA_PLATFORM={env.get('QT_QPA_PLATFORM', 'xcb (a display)')}. Each sample is a "
        "new process, from just before it starts to the first Paint event of a top-level "
        f"window; {args.runs} samples of each, interleaved. Target: the sign-in window within "
        f"{TARGET}x the bare window's median.",
        "",
        "| measured | n | first ms | p50 ms | min ms | max ms | p50 / floor |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, s in results.items():
        lines.append(f"| {label} | {s['n']} | {s['first']:.0f} | {s['p50']:.0f} | "
                     f"{s['min']:.0f} | {s['max']:.0f} | {s['p50'] / floor:.2f}x |")
    verdict = "within" if ratio <= TARGET else "OVER"
    ready = results[variants[2][0]]["p50"]
    lines += ["", f"The first painted window (a splash painted before the database and the "
              f"rules load): {signin:.0f} ms, {ratio:.2f}x the floor: {verdict} the {TARGET}x "
              f"target. The sign-in window, ready to use: {ready:.0f} ms "
              f"({ready / floor:.2f}x)."]
    venv = ROOT / ".venv"
    sizes = []
    if venv.exists():
        sizes.append(f"the plain install's virtual environment {folder_size(venv) / 2**20:.0f} MB "
                     "(with the test tools)")
    if BUNDLE.exists():
        sizes.append(f"the bundle `dist/access-desk/` {folder_size(BUNDLE) / 2**20:.0f} MB")
    else:
        sizes.append("no bundle measured (run `make package` first)")
    lines += ["", "Size: " + "; ".join(sizes) + "."]
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        from live_latency import write_section  # bench/ is sys.path[0] for a bench script

        write_section("startup", section)
        print(f"\nwrote {README} ({time.perf_counter() - begun:.0f} s)")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
