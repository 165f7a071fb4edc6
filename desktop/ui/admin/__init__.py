"""The Admin console (Global, Cloud Application and Application Administrators only)."""

from .window import AdminWindow

__all__ = ["AdminWindow"]
