"""My Apps: a person's applications, the self-service catalog and his requests.

The window and the request dialog are imported when first asked for: the Approvals window
borrows the date helpers of `myapps.parts`, and importing this package for them should not
load My Apps' window modules too (issue 15: start-up)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .request_dialog import RequestDialog
    from .window import MyAppsWindow

__all__ = ["MyAppsWindow", "RequestDialog"]


def __getattr__(name: str) -> Any:
    if name == "MyAppsWindow":
        from .window import MyAppsWindow

        return MyAppsWindow
    if name == "RequestDialog":
        from .request_dialog import RequestDialog

        return RequestDialog
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
