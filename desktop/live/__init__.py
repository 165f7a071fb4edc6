"""Live updates: the change feed turned into Qt signals (the only Qt code outside desktop/ui/).

`LiveFeed` (it reads the database) is imported on first use, so a desktop connected to a
server uses the signals without loading the database layer."""

from typing import Any

from .signals import ALL_APPLICATIONS, Changes, FeedSignals

__all__ = ["ALL_APPLICATIONS", "Changes", "FeedSignals", "LiveFeed"]


def __getattr__(name: str) -> Any:
    if name == "LiveFeed":
        from .feed import LiveFeed

        return LiveFeed
    raise AttributeError(name)
