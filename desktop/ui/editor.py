"""The editor-page contract: load what is stored, say whether the form differs, save or discard."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable

from PySide6.QtCore import SignalInstance


@runtime_checkable
class EditorPage(Protocol):
    """A page that edits stored settings, as Picard's option pages do. Properties,
    Self-service and E-mail are ones; the window (and the window switcher through it) asks
    them rather than reaching into each page.

    `load` shows what is stored (the application's name for an application's pages, nothing
    for the E-mail settings); `is_dirty` says whether the form differs from it; `save` stores
    the difference and says whether it did (a refusal is shown on the page); `discard` shows
    what is stored again.

    Signals:
      dirty_changed(bool): the form now differs, or no longer differs, from what is stored.
    """

    @property
    def dirty_changed(self) -> SignalInstance: ...

    def load(self, *args: Any, **kwargs: Any) -> None: ...

    def is_dirty(self) -> bool: ...

    def save(self) -> bool: ...

    def discard(self) -> None: ...


def dirty(pages: Iterable[EditorPage]) -> list[EditorPage]:
    """The pages whose form differs from what is stored."""
    return [page for page in pages if page.is_dirty()]


def unsaved_pages(window: object) -> list[EditorPage]:
    """The dirty editor pages of a window that has any (``editor_pages()``); none otherwise."""
    pages = getattr(window, "editor_pages", None)
    return dirty(pages()) if callable(pages) else []
