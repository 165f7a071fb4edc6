"""Undo what Graph PowerShell's ConvertTo-Json does to Graph's JSON, or say why it can't."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from desktop.graph.fields import shown
from desktop.graph.records import GraphFormatError

# What ConvertTo-Json writes instead of an object nested deeper than -Depth (2 by default):
# the object's type name, a space-separated list of them for an array, or a PSObject's
# "@{Name=value; ...}". None of these can be a real Graph value, so finding one is proof.
_TRUNCATED = re.compile(
    r"(?:(?:Microsoft\.Graph\.(?:Beta\.)?PowerShell\.Models\.\w+"
    r"|System\.Collections\.[\w.`]+(?:\[[^\]]*\])?"
    r"|System\.Object\[\]"
    r"|System\.Management\.Automation\.PS\w+"
    r"|@\{\w+=[^\n]*\})\s*)+"
)
DEPTH_HINT = "export again with ConvertTo-Json -Depth 10"

# PowerShell names Graph's control properties like any other; put back the names Graph uses.
_ODATA_NAMES = {
    "OdataType": "@odata.type",
    "OdataId": "@odata.id",
    "OdataContext": "@odata.context",
}
_ADDITIONAL = "AdditionalProperties"


def check_depth(document: Any, file: str) -> None:
    """Raise if ConvertTo-Json cut the document short; walks without recursion."""
    for entity, item in _top_items(document):
        check_item(item, file, partial(_same, entity))


def _same(entity: str | None) -> str | None:
    return entity


def check_item(item: Any, file: str, entity: Callable[[], str | None]) -> None:
    """Raise if ConvertTo-Json cut this item short. The walk keeps no path: only the value
    found, if any, is located again (with its path) for the message."""
    stack = [item]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if _is_truncated(value):
                _fail_truncated(item, file, entity())
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _is_truncated(value: str) -> bool:
    # Every marker starts with one of these letters; most strings are ruled out at once.
    return value.lstrip()[:1] in ("M", "S", "@") and \
        _TRUNCATED.fullmatch(value.strip()) is not None


def _fail_truncated(item: Any, file: str, entity: str | None) -> None:
    """The first cut value in file order, with its path."""
    stack: list[tuple[str, Any]] = [("", item)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str) and _is_truncated(value):
            problem = (
                f"holds {shown(value, 100)}, an object PowerShell's ConvertTo-Json cut off at "
                f"its default depth; {DEPTH_HINT}"
            )
            raise GraphFormatError(file, entity, path or None, problem)
        if isinstance(value, dict):
            children = [(_join(path, str(key)), child) for key, child in value.items()]
        elif isinstance(value, list):
            children = [(f"{path}[{index}]", child) for index, child in enumerate(value)]
        else:
            continue
        # Reversed onto the stack, so the first cut in the file is the one reported.
        stack.extend(reversed(children))


def camel_case(value: Any) -> Any:
    """Graph's own property names for PascalCase ones, with AdditionalProperties folded in."""
    if isinstance(value, list):
        return [camel_case(item) for item in value]
    if not isinstance(value, dict):
        return value
    result = {_camel(key): camel_case(child) for key, child in value.items() if key != _ADDITIONAL}
    extra = value.get(_ADDITIONAL)
    if isinstance(extra, dict):
        # AdditionalProperties holds what the PowerShell model has no property for, already
        # in Graph's camelCase; a typed property of the same name wins.
        for key, child in extra.items():
            result.setdefault(_camel(key), camel_case(child))
    return result


def _camel(key: str) -> str:
    if key in _ODATA_NAMES:
        return _ODATA_NAMES[key]
    return key[:1].lower() + key[1:] if key[:1].isupper() else key


def _top_items(document: Any) -> list[tuple[str | None, Any]]:
    """The entities of a document with a label each, so an error can say which one."""
    if isinstance(document, dict):
        values = document.get("value", document.get("Value"))
        if not isinstance(values, list):
            return [(_label(document, None), document)]
        document = values
    if isinstance(document, list):
        return [(_label(item, index), item) for index, item in enumerate(document)]
    return [(None, document)]


def item_label(item: Any, index: int | None) -> str | None:
    """An entity's label for messages: its position and name."""
    return _label(item, index)


def _label(item: Any, index: int | None) -> str | None:
    where = f"item {index}" if index is not None else None
    if isinstance(item, dict):
        for key in (
            "UserPrincipalName",
            "DisplayName",
            "Id",
            "userPrincipalName",
            "displayName",
            "id",
        ):
            name = item.get(key)
            if isinstance(name, str) and name:
                return f"{where} ({shown(name)})" if where else f"entity {shown(name)}"
    return where


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
