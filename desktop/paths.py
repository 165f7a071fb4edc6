"""Where Access Desk keeps its data and logs; ACCESS_DESK_HOME overrides both (tests, trainers)."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "access-desk"


def data_dir() -> Path:
    home = os.environ.get("ACCESS_DESK_HOME")
    if home:
        path = Path(home)
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def log_dir() -> Path:
    home = os.environ.get("ACCESS_DESK_HOME")
    if home:
        path = Path(home) / "logs"
    else:
        import platformdirs

        path = Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def default_db_url() -> str:
    return os.environ.get("ACCESS_DESK_DB") or str(data_dir() / "access-desk.db")


def demo_db_path() -> Path:
    return data_dir() / "demo.db"
