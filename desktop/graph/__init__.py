"""Read a directory exported from Microsoft Graph (JSON files) into plain records; no database."""

from desktop.graph.collect import read_graph
from desktop.graph.records import (
    GraphAppRole,
    GraphAssignment,
    GraphDirectoryRole,
    GraphExport,
    GraphFormatError,
    GraphGroup,
    GraphServicePrincipal,
    GraphUser,
)

__all__ = [
    "GraphAppRole",
    "GraphAssignment",
    "GraphDirectoryRole",
    "GraphExport",
    "GraphFormatError",
    "GraphGroup",
    "GraphServicePrincipal",
    "GraphUser",
    "read_graph",
]
