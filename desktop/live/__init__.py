"""Live updates: the change feed turned into Qt signals (the only Qt code outside desktop/ui/)."""

from .feed import ALL_APPLICATIONS, Changes, LiveFeed

__all__ = ["ALL_APPLICATIONS", "Changes", "LiveFeed"]
