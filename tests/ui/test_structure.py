"""The UI's structure: no import cycle, one module builds the windows, none imports the shell."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WINDOW_PACKAGES = ("desktop.ui.admin", "desktop.ui.myapps", "desktop.ui.approvals")
# Modules the shell (desktop.ui.app) uses: importing the shell back would close a cycle.
BELOW_THE_SHELL = ("screenshot", "signin", "trainer", "viewas", "handout", "welcome", "settings",
                   "style", "windows", "help", "editor", "tabbed")


def ui_imports(root: Path = ROOT) -> dict[str, set[str]]:
    """Each desktop.ui module -> the desktop.ui modules it imports anywhere in its text (inside
    functions too: a late import still closes a cycle, it only hides it until run time)."""
    base = root / "desktop" / "ui"
    modules: dict[str, Path] = {}
    for path in base.rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                origin = package
                for _ in range(node.level - 1):
                    origin = origin.rpartition(".")[0]
                stem = (f"{origin}.{node.module}" if node.module else origin) if node.level \
                    else node.module or ""
                targets = [stem] + [f"{stem}.{alias.name}" for alias in node.names]
            else:
                continue
            found |= {t for t in targets if t in modules and t != name}
        graph[name] = found
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return ui_imports()


def test_no_import_cycle_among_the_ui_modules(graph):
    assert cycles(graph) == []


def test_nothing_the_shell_uses_imports_the_shell(graph):
    importers = sorted(m for m, deps in graph.items() if "desktop.ui.app" in deps
                       and m.rpartition(".")[2] in BELOW_THE_SHELL)
    assert importers == []


def test_only_the_window_list_imports_the_windows(graph):
    """desktop.ui.windows builds every window; the shell, the trainer, the tray and the
    screenshots ask it, so a window's module is never imported from two directions."""
    def is_window(module: str) -> bool:
        return any(module == p or module.startswith(p + ".") for p in WINDOW_PACKAGES)

    importers = sorted(m for m, deps in graph.items()
                       if not is_window(m) and any(is_window(d) for d in deps))
    assert importers == ["desktop.ui.windows"]


def test_the_check_sees_a_cycle_and_a_late_import(tmp_path):
    ui = tmp_path / "desktop" / "ui"
    ui.mkdir(parents=True)
    (ui / "__init__.py").write_text("")
    (ui / "app.py").write_text("from desktop.ui.signin import ask\n")
    (ui / "signin.py").write_text("def ask():\n    from desktop.ui.app import settings\n")
    (ui / "style.py").write_text("from . import app\n")
    graph = ui_imports(tmp_path)
    assert graph["desktop.ui.style"] == {"desktop.ui", "desktop.ui.app"}
    assert cycles(graph) == [["desktop.ui.app", "desktop.ui.signin"]]
