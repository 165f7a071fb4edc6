"""Setting up a directory (services.setup), which `access-desk init` and the welcome window
both call (issue 12: it was written twice)."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.errors import Refused, UsageError
from desktop.models.schema import close_database
from desktop.services import setup
from desktop.services.rights import is_global_admin

ADMIN = "first.admin@example.test"
PASSWORD = "a-long-enough-password-1"


def test_a_new_directory_gets_its_first_administrator_and_is_never_made_twice(tmp_path: Path):
    target = tmp_path / "folder" / "new.db"
    with pytest.raises(UsageError, match="differ"):
        setup.create_directory(str(target), ADMIN, PASSWORD, "another-password-2")
    with pytest.raises(Refused, match="12 characters"):
        setup.create_directory(str(target), ADMIN, "short", "short")
    assert not target.exists()  # checked before a file is made
    try:
        admin = setup.create_directory(f"  {target}  ", f" {ADMIN} ", PASSWORD, PASSWORD)
        assert admin["upn"] == ADMIN
        assert setup.has_people()
        from desktop.models import User

        assert is_global_admin(User.get(User.upn == ADMIN))
    finally:
        close_database()
    with pytest.raises(UsageError, match="already holds a directory"):
        setup.create_directory(str(target), "other@example.test", PASSWORD, PASSWORD)


def test_opening_a_directory_says_how_it_is_shown(tmp_path: Path):
    try:
        assert setup.open_directory(str(tmp_path / "d.db"), init=True) == str(tmp_path / "d.db")
        assert not setup.has_people()
    finally:
        close_database()
