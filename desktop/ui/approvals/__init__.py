"""Approvals: an approver's pending requests, the passwords he may set, and the history."""

from .passwords import PasswordsPage
from .window import ApprovalsWindow, HistoryPage, PendingPage

__all__ = ["ApprovalsWindow", "HistoryPage", "PasswordsPage", "PendingPage"]
