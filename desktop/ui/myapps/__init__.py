"""My Apps: a person's applications, the self-service catalog and his requests."""

from .request_dialog import RequestDialog
from .window import MyAppsWindow

__all__ = ["MyAppsWindow", "RequestDialog"]
