"""No module of the package is named like a module of the standard library, and key storage
outside services/ only keeps keys (issue 12: desktop/secrets.py shadowed `secrets` and
opened transactions, audited and published from outside the services)."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "desktop"


def test_no_module_shadows_the_standard_library():
    shadows = sorted(str(p.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("*.py")
                     if p.stem in sys.stdlib_module_names)
    assert shadows == []


def test_key_storage_uses_no_service():
    tree = ast.parse((PACKAGE / "keystore.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
    assert not {m for m in imported if m.startswith(("desktop.services", "desktop.models"))}


QUERY = re.compile(r"\b[A-Z]\w*\.(?:select|get|get_or_none|get_by_id|DoesNotExist|update|"
                   r"delete|insert)\b")
THROUGH_SERVICES = ("cli/tour.py", "cli/commands.py", "ui/welcome.py", "ui/trainer.py",
                    "ui/viewas.py", "ui/handout.py")


def test_the_tour_trainer_and_set_up_read_through_services():
    found = {name: QUERY.findall((PACKAGE / name).read_text(encoding="utf-8"))
             for name in THROUGH_SERVICES if (PACKAGE / name).exists()}
    assert {name: hits for name, hits in found.items() if hits} == {}
