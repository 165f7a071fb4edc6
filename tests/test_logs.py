"""The log file: owner-only, and secrets masked by their exact value only (issue 17, items
10 and 11)."""

from __future__ import annotations

import logging
import stat

from desktop import logs


def test_the_log_file_is_readable_by_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCESS_DESK_HOME", str(tmp_path))
    root = logging.getLogger()
    saved = list(root.handlers)
    try:
        for h in [h for h in root.handlers if getattr(h, "_access_desk", False)]:
            root.removeHandler(h)
        path = logs.setup()
        logging.getLogger("test").warning("a line")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        for h in [h for h in root.handlers if h not in saved]:
            root.removeHandler(h)
            h.close()


def test_only_secrets_long_enough_are_masked_and_only_where_they_appear(monkeypatch):
    monkeypatch.setattr(logs, "_secrets", set())
    logs.register_secret("name")  # a short SSO password that is also a common word
    logs.register_secret("Kingfisher-7731")
    message = "a user name or password has at most 256 characters; Kingfisher-7731 leaked"
    assert logs.mask(message) == ("a user name or password has at most 256 characters; "
                                  f"{logs.MASK} leaked")
