"""Typed access to a Graph object's properties; errors name the file, entity and field."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from desktop.graph.records import GraphFormatError

GUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def is_guid(value: object) -> bool:
    return isinstance(value, str) and GUID_RE.fullmatch(value) is not None


def shown(value: object, limit: int = 60) -> str:
    """A value as JSON, shortened: error messages stay one readable line. Characters that are
    not printable (bidirectional overrides, lone surrogates) are escaped as JSON escapes
    them, so a message neither reorders a terminal's line nor fails to print."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = type(value).__name__
    if not text.isprintable():
        text = "".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Placeholder(Exception):  # noqa: N818 - a signal to skip an entity, not an error to show
    """An id field holds no id, as Microsoft's documentation examples do ("id-value")."""

    def __init__(self, field: str, value: str) -> None:
        problem = f"holds {shown(value)}, not a Graph id (a documentation placeholder?)"
        super().__init__(f"field '{field}' {problem}")
        self.problem = problem
        self.field = field
        self.value = value


@dataclass(frozen=True)
class Where:
    """The file and the entity a property belongs to, for messages."""

    file: str
    entity: str


class Props:
    """One JSON object of an export, read field by field with the type Graph documents."""

    def __init__(self, data: Mapping[str, Any], where: Where, prefix: str = "",
                 warnings: list[str] | None = None) -> None:
        self.data = data
        self.where = where
        self.prefix = prefix
        # What the import should tell about the object without skipping it (a name mixing
        # scripts), one line each; nested objects add to their parent's list.
        self.warnings: list[str] = [] if warnings is None else warnings

    def fail(self, name: str, problem: str) -> NoReturn:
        raise GraphFormatError(self.where.file, self.where.entity, self.prefix + name, problem)

    def warn(self, name: str, problem: str) -> None:
        """Tell something about a field without skipping the object."""
        error = GraphFormatError(self.where.file, self.where.entity, self.prefix + name, problem)
        self.warnings.append(str(error))

    def get(self, name: str) -> Any:
        return self.data.get(name)

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None or isinstance(value, str):
            return value
        self.fail(name, f"expected a string, got {shown(value)}")

    def required_text(self, name: str) -> str:
        value = self.text(name)
        if not value or not value.strip():
            self.fail(name, "missing")
        return value

    def flag(self, name: str) -> bool | None:
        value = self.data.get(name)
        if value is None or isinstance(value, bool):
            return value
        self.fail(name, f"expected true or false, got {shown(value)}")

    def texts(self, name: str) -> tuple[str, ...] | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(name, f"expected a list of strings, got {shown(value)}")
        return tuple(value)

    def guid(self, name: str) -> str | None:
        value = self.text(name)
        if value is None:
            return None
        if not is_guid(value):
            raise Placeholder(self.prefix + name, value)
        # GUIDs compare case-insensitively; one spelling keeps joins between files simple.
        return value.lower()

    def required_guid(self, name: str) -> str:
        value = self.guid(name)
        if value is None:
            self.fail(name, "missing")
        return value

    def guids(self, name: str) -> tuple[str, ...]:
        values = self.texts(name) or ()
        for index, value in enumerate(values):
            if not is_guid(value):
                raise Placeholder(f"{self.prefix}{name}[{index}]", value)
        return tuple(value.lower() for value in values)

    def objects(self, name: str) -> list[Props] | None:
        """A list of nested objects, each readable with its own position in messages."""
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, list):
            self.fail(name, f"expected a list, got {shown(value)}")
        result = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.fail(f"{name}[{index}]", f"expected an object, got {shown(item)}")
            result.append(Props(item, self.where, f"{self.prefix}{name}[{index}].",
                                self.warnings))
        return result

    def nested(self, name: str) -> Props | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail(name, f"expected an object, got {shown(value)}")
        return Props(value, self.where, f"{self.prefix}{name}.", self.warnings)
