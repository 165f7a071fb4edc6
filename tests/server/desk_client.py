"""A person at a desktop connected to an Access Desk server, in a process of its own: the
end-to-end tests (tests/server/test_windows_e2e.py) start one per person and drive it
through standard input, one JSON command per line; each answer is one JSON line.

    python tests/server/desk_client.py URL UPN myapps     My Apps
    python tests/server/desk_client.py URL UPN approver   the tray, and Approvals opened from it

Commands: {"cmd": "state"}, {"cmd": "request", "app": ..., "justification": ...},
{"cmd": "show_requests"}, {"cmd": "approve", "id": ...}, {"cmd": "quit"}. The state says
what the person sees (badges, lists, the connection line) and what the process holds:
whether `desktop.models` was ever imported and which database files are open (both must
stay empty: a desktop connected to a server never touches the database).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QObject, Signal  # noqa: E402


def open_files() -> list[str]:
    names = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            names.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return [n for n in names if n.endswith((".db", ".db-wal", ".db-shm", ".sqlite"))]


class Commands(QObject):
    arrived = Signal(str)


class Person:
    def __init__(self, url: str, upn: str, role: str) -> None:
        from desktop.remote.client import RemoteBackend
        from desktop.ui.common import ConfirmDialog
        from desktop.ui.style import styled_application

        self.app = styled_application()
        # A person answers Yes to each confirmation (a modal dialog would wait for a click).
        ConfirmDialog.ask = classmethod(lambda *_a, **_k: True)  # type: ignore[method-assign]
        self.backend = RemoteBackend(url)
        self.backend.sign_in(upn, None, "e2e")
        self.role = role
        self.window: Any = None
        self.tray: Any = None
        if role == "myapps":
            from desktop.remote.feed import RemoteFeed
            from desktop.ui.myapps import MyAppsWindow

            self.feed = RemoteFeed(self.backend)
            self.window = MyAppsWindow(self.backend, self.feed)
            self.window.show()
        else:
            from desktop.ui.tray import start_tray

            self.tray = start_tray(self.backend, tray_available=False)
            self.feed = self.tray.feed
            self.tray.on_approvals_action_triggered()  # "Open Approvals", as he clicks it
            self.window = self.tray.windows["approvals"]

    def state(self) -> dict[str, Any]:
        indicator = getattr(self.window, "connection_indicator", None)
        out: dict[str, Any] = {
            "models": "desktop.models" in sys.modules, "db_files": open_files(),
            "offline": indicator.text() if indicator is not None else "",
            "connected": self.feed.connected}
        if self.role == "myapps":
            w = self.window
            out.update(unseen=w.unseen, tab=w.tabs.tabText(w.tabs.indexOf(w.requests_page)))
        else:
            out.update(count=self.tray.count, tray_text=self.tray.fallback.count.text(),
                       pending=[r["id"] for r in self.window.pending_page.model.rows()])
        return out

    def request(self, app: str, justification: str) -> dict[str, Any]:
        page = self.window.catalog_page
        self.window.tabs.setCurrentWidget(page)
        page.search.setText(app)
        page.model.refresh()
        if not page.select_app(app):
            return {"error": f"{app} is not in the catalog"}
        page.request_button.click()
        dialog = page.request_dialog
        dialog.justification.setPlainText(justification)
        dialog.submit_button.click()
        return {"outcome": page.outcome.text.text()}

    def show_requests(self) -> dict[str, Any]:
        """He opens My requests (which marks the decisions seen), then Apps."""
        w = self.window
        w.tabs.setCurrentWidget(w.requests_page)
        rows = [[r["app"], r["status"]] for r in w.requests_page.model.rows()]
        w.tabs.setCurrentWidget(w.apps_page)
        return {"requests": rows, "apps": w.apps_page.app_names()}

    def approve(self, request_id: int) -> dict[str, Any]:
        page = self.window.pending_page
        page.model.refresh()
        if page.select_ids([request_id]) != 1:
            return {"error": f"request {request_id} is not pending for me"}
        page.approve_button.click()
        return {"done": True}

    def on_command(self, line: str) -> None:
        command = json.loads(line)
        try:
            if command["cmd"] == "state":
                answer = self.state()
            elif command["cmd"] == "request":
                answer = self.request(command["app"], command.get("justification", ""))
            elif command["cmd"] == "show_requests":
                answer = self.show_requests()
            elif command["cmd"] == "approve":
                answer = self.approve(int(command["id"]))
            elif command["cmd"] == "quit":
                self.app.quit()
                answer = {"bye": True}
            else:
                answer = {"error": f"unknown command {command['cmd']}"}
        except Exception as exc:  # noqa: BLE001 - the test reads it
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), flush=True)


def main() -> int:
    url, upn, role = sys.argv[1:4]
    person = Person(url, upn, role)
    commands = Commands()
    commands.arrived.connect(person.on_command)

    def read() -> None:
        for line in sys.stdin:
            if line.strip():
                commands.arrived.emit(line)

    threading.Thread(target=read, daemon=True).start()
    print(json.dumps({"ready": True}), flush=True)
    return int(person.app.exec())


if __name__ == "__main__":
    sys.exit(main())
