"""Tests read their fixtures from inside the repository: a path built from a test file's own
location (Path(__file__).parent, .parents[k], / "name") never leaves the clone, so a fixture
that is missing fails a test instead of skipping it on a machine that lacks the folder."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_A_PATH = object()


def _path_of(node: ast.AST, source: Path) -> object:
    """The path an expression names when it is built from Path(__file__), else NOT_A_PATH."""
    if isinstance(node, ast.Call):
        func = node.func
        if (isinstance(func, ast.Name) and func.id == "Path" and len(node.args) == 1
                and isinstance(node.args[0], ast.Name) and node.args[0].id == "__file__"):
            return source
        if isinstance(func, ast.Attribute) and func.attr in ("resolve", "absolute"):
            return _path_of(func.value, source)
        return NOT_A_PATH
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        base = _path_of(node.value, source)
        return base.parent if isinstance(base, Path) else NOT_A_PATH
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
            and node.value.attr == "parents" and isinstance(node.slice, ast.Constant)):
        base = _path_of(node.value.value, source)
        return base.parents[node.slice.value] if isinstance(base, Path) else NOT_A_PATH
    if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
            and isinstance(node.right, ast.Constant) and isinstance(node.right.value, str)):
        base = _path_of(node.left, source)
        return base / node.right.value if isinstance(base, Path) else NOT_A_PATH
    return NOT_A_PATH


def _outside(source: Path) -> list[str]:
    found: dict[int, str] = {}  # one per line: the whole expression, not its parts
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        path = _path_of(node, source)
        if isinstance(path, Path) and not path.resolve().is_relative_to(ROOT):
            found.setdefault(node.lineno,
                             f"{source.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    return list(found.values())


def test_no_test_reads_a_path_outside_the_repository() -> None:
    sources = sorted((ROOT / "tests").rglob("*.py"))
    assert len(sources) > 20
    assert [line for source in sources for line in _outside(source)] == []


def test_the_check_sees_a_path_that_leaves_the_clone(tmp_path: Path) -> None:
    test_file = ROOT / "tests" / "services" / "test_example.py"
    bad = tmp_path / "test_example.py"
    bad.write_text('SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "x"\n'
                   'DATA = Path(__file__).parent / "data"\n', encoding="utf-8")
    tree = ast.parse(bad.read_text(encoding="utf-8"))
    named = [p for node in ast.walk(tree)
             if isinstance(p := _path_of(node, test_file), Path)]
    assert ROOT.parent / "shared" / "x" in named
    assert not all(p.resolve().is_relative_to(ROOT) for p in named)
