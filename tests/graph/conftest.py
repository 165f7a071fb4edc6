"""Fixtures for the Graph import tests: writing export files into a temporary folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

WriteJson = Callable[[str, Any], Path]


@pytest.fixture
def write_json(tmp_path: Path) -> WriteJson:
    """write_json("users.json", {...}) -> the file's path, under a fresh folder."""

    def write(name: str, document: Any) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document), encoding="utf-8")
        return path

    return write
