"""The rules of Access Desk: one function per use case, no Qt, each write in one transaction."""
