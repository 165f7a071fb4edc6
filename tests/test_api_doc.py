"""docs/api.md: its endpoint and error tables are what scripts/gen-api-doc.py makes of
desktop/api/operations.py and desktop/api/errors.py today, and every API path its examples
call exists."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from desktop.api.errors import ERRORS
from desktop.api.operations import OPERATIONS, PREFIX

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "api.md"
# The server's own paths beside the operations (desktop/server/app.py).
SERVER_PATHS = {"/health", "/version", "/openapi.json", "/sessions", "/sessions/current",
                "/events"}


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_api_doc",
                                                  ROOT / "scripts" / "gen-api-doc.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_tables_are_current(gen: ModuleType) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert gen.render(text) == text, (
        "docs/api.md is out of date: run `python scripts/gen-api-doc.py` (or make docs)")


def test_every_operation_and_error_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for op in OPERATIONS:
        assert f"| {op.method} | `{PREFIX}{op.path}` | `{op.name}` |" in text, op.name
    for _cls, status, kind in ERRORS:
        assert f"| {status} | `{kind}` |" in text, kind


def test_a_stale_table_is_caught(gen: ModuleType) -> None:
    """An operation added to the list (here: one removed from the page) makes the check fail."""
    text = DOC.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if "`request.approve`" in line)
    stale = text.replace(row + "\n", "")
    assert gen.render(stale) != stale
    assert gen.render(stale) == text


def _templates() -> list[re.Pattern[str]]:
    paths = {op.path for op in OPERATIONS} | SERVER_PATHS
    return [re.compile("^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/?]+", re.escape(p)) + "$")
            for p in paths]


def test_example_paths_exist() -> None:
    """Every $SERVER/api/v1/... the curl and PowerShell examples call is a real route."""
    text = DOC.read_text(encoding="utf-8")
    called = set(re.findall(r"\$Server/api/v1(/[^\s\"'?`]*)|\$SERVER/api/v1(/[^\s\"'?`]*)",
                            text))
    paths = {a or b for a, b in called}
    assert len(paths) >= 8
    templates = _templates()
    unknown = sorted(p for p in paths if not any(t.match(p) for t in templates))
    assert not unknown, f"docs/api.md calls paths the server does not have: {unknown}"
