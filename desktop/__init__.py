"""Access Desk: self-service application access on the desktop."""

__version__ = "0.1.0"
