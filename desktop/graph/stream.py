"""Read one Graph JSON file object by object, in memory that never grows with the file.

A file is read twice, both times by ijson's C parser: once to learn its shape (a collection's
`value` list, a bare array or one entity) and to check that it is JSON to its end, then again
to hand its objects over one at a time. The bytes pass through `_Bytes`, which refuses a
single value (a string, a number) longer than MAX_VALUE_BYTES and an object longer than
MAX_OBJECT_BYTES before the parser builds it, and a lone UTF-16 surrogate escape (which the
parser would turn into "?" without a word)."""

from __future__ import annotations

import codecs
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import ijson

from desktop.graph.fields import shown
from desktop.graph.records import GraphFormatError

# A Graph value is at most a few kilobytes (a description, a certificate's thumbprint);
# an object with every property and a page of expanded members, a few hundred.
MAX_VALUE_BYTES = 1 << 20
MAX_OBJECT_BYTES = 4 << 20
CHUNK = 64 * 1024

# A quote that ends or starts a string: not preceded by a backslash. (A quote after an
# escaped backslash, `\\"`, is taken for escaped: that can only make a run look longer.)
_QUOTE = re.compile(rb'(?<!\\)"')
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LOW_AFTER = re.compile(rb"\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))

# The keys of a collection's list and its context, as Graph and PowerShell spell them.
_VALUE_KEYS = ("value", "Value")
_CONTEXT_KEYS = ("@odata.context", "OdataContext")
_ENTITY_KEYS = ("id", "Id", "@odata.type", "OdataType")
# Events at an item's own prefix that do not start an item: its keys and its end.
_INSIDE = frozenset({"map_key", "end_map", "end_array"})


def open_regular(path: str) -> BinaryIO:
    """Open a regular file for reading; refuse a pipe, device or socket without blocking."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise GraphFormatError(path, None, None, f"cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise GraphFormatError(path, None, None, "not a regular file")
    return os.fdopen(fd, "rb")


@dataclass
class Shape:
    """What a file holds: `items_prefix` for ijson (None: not a Graph response)."""

    items_prefix: str | None
    context: Any = None


class _Bytes:
    """UTF-8 bytes of the file for the parser, with the caps above checked on the way."""

    def __init__(self, raw: BinaryIO, file: str) -> None:
        self.raw, self.file = raw, file
        self.offset = 0  # bytes handed to the parser
        self.run = 0  # bytes since the last quote outside an escape
        self.since_object = 0  # bytes handed over since the last object was taken
        self.count_objects = False
        self.tail = b""
        head = raw.read(4)
        encoding = next((name for bom, name in _BOMS if head.startswith(bom)), None)
        if encoding is not None:
            head = head[len(next(bom for bom, name in _BOMS if name == encoding)):]
        else:
            encoding = _sniff(head)
        self.decoder = None if encoding == "utf-8" else codecs.getincrementaldecoder(encoding)()
        self.pending = head

    def read(self, size: int = CHUNK) -> bytes:
        if size == 0:  # ijson asks for nothing to learn whether the file gives bytes
            return b""
        data = self.pending + self.raw.read(max(size, CHUNK) - len(self.pending))
        self.pending = b""
        if self.decoder is not None:
            try:
                data = self.decoder.decode(data, final=not data).encode("utf-8", "surrogatepass")
            except UnicodeDecodeError as exc:
                self.fail(f"not JSON (not valid text: {exc.reason})")
        if data:
            self._check(data)
        else:
            self._surrogates(self.tail, final=True)
        return data

    def _check(self, data: bytes) -> None:
        skip = 1 if self.tail.endswith(b"\\") and data[:1] == b'"' else 0
        first = _QUOTE.search(data, skip)
        if first is None:
            self.run += len(data)
        else:
            self.run += first.start()
            self._check_run()
            self.run = len(data) - _last_quote(data, first.start()) - 1
        self._check_run()
        if self.count_objects:
            self.since_object += len(data)
            if self.since_object > MAX_OBJECT_BYTES:
                self.fail(f"holds an object larger than {MAX_OBJECT_BYTES >> 20} MB near byte "
                          f"{self.offset:,}: not a Graph export")
        window = self.tail + data
        self._surrogates(window, final=False)
        self.tail = window[-12:]
        self.offset += len(data)

    def _surrogates(self, window: bytes, final: bool) -> None:
        """Refuse half a surrogate pair escaped (\\ud800 without its \\udc00, or the reverse)."""
        for found in _SURROGATE.finditer(window):
            start, end = found.span()
            if (start - len(window[:start].rstrip(b"\\"))) % 2:
                continue  # an escaped backslash, then the letters "ud800": plain text
            if found.group(0)[3:4] in b"89abAB":
                if len(window) - end < 6 and not final:
                    continue  # seen again with what follows it
                if _LOW_AFTER.match(window, end) is None:
                    self._lone(found.group(0))
            else:
                before = _SURROGATE.match(window, start - 6) if start >= 6 else None
                if before is None or before.group(0)[3:4] not in b"89abAB":
                    self._lone(found.group(0))

    def _check_run(self) -> None:
        if self.run > MAX_VALUE_BYTES:
            self.fail(f"holds a value, or numbers without a string among them, longer than "
                      f"{MAX_VALUE_BYTES >> 20} MB near byte {self.offset:,}: not a Graph export")

    def _lone(self, escape: bytes) -> None:
        self.fail(f"holds {escape.decode()}, half of a UTF-16 surrogate pair (not valid "
                  "Unicode text)")

    def fail(self, problem: str) -> None:
        raise GraphFormatError(self.file, None, None, problem)


def _last_quote(data: bytes, first: int) -> int:
    """The position of the chunk's last quote that is not escaped (at least `first`)."""
    end = len(data)
    while True:
        found = data.rfind(b'"', first, end)
        if found <= first or data[found - 1] != 0x5C:
            return max(found, first)
        end = found


def _sniff(head: bytes) -> str:
    """The encoding of JSON text without a BOM, from its first bytes (as json.loads does)."""
    if len(head) >= 4 and not head[0] and not head[1] and not head[2]:
        return "utf-32-be"
    if len(head) >= 4 and not head[1] and not head[2] and not head[3]:
        return "utf-32-le"
    if len(head) >= 2 and not head[0]:
        return "utf-16-be"
    if len(head) >= 2 and not head[1]:
        return "utf-16-le"
    return "utf-8"


def _not_json(file: str, exc: Exception) -> GraphFormatError:
    text = exc.args[0] if exc.args else exc
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    first = str(text).strip().splitlines()[0] if str(text).strip() else type(exc).__name__
    return GraphFormatError(file, None, None, f"not JSON ({first})")


def shape(path: str, file: str) -> Shape:
    """Read the whole file once, keeping only its top level: its kind and context.

    Refuses a file that is not JSON to its end, and a collection whose list holds anything
    but objects, at the first such item (a list of a million numbers stops at the first)."""
    with open_regular(path) as raw:
        data = _Bytes(raw, file)
        data.count_objects = True  # the document before the list counts as an object too
        top: str | None = None
        keys: dict[str, str] = {}
        firsts: dict[str, Any] = {}
        context: Any = None
        key: str | None = None
        items_prefix: str | None = None
        index = 0
        try:
            for prefix, event, value in ijson.parse(data, use_float=True):
                if top is None:
                    top = event
                    if top == "start_array":
                        items_prefix = "item"
                    continue
                if prefix == "" and event == "map_key":
                    key = value
                    continue
                if key is not None and prefix == key:
                    # The first event of a top-level key's value.
                    keys.setdefault(key, event)
                    firsts.setdefault(key, value)
                    if key in _CONTEXT_KEYS and context is None:
                        context = value if event in ("string", "number", "boolean",
                                                     "null") else _Kind(event)
                    if key in _VALUE_KEYS and event == "start_array" and items_prefix is None:
                        items_prefix = f"{key}.item"
                    key = None
                if items_prefix and prefix == items_prefix and event not in _INSIDE:
                    data.since_object = 0  # an item starts: the object cap counts afresh
                    if event != "start_map":
                        problem = f"expected an object, got {_what(event, value)}"
                        raise GraphFormatError(file, f"item {index}", None, problem)
                    index += 1
        except ijson.JSONError as exc:
            raise _not_json(file, exc) from None
    if top is None:
        raise GraphFormatError(file, None, None, "not JSON (the file is empty)")
    if top == "start_array":
        return Shape("item")
    if top != "start_map":
        return Shape(None)
    if isinstance(context, _Kind):
        raise GraphFormatError(file, None, "@odata.context",
                               f"expected a URL, got {context.shown()}")
    if context is not None and not isinstance(context, str):
        raise GraphFormatError(file, None, "@odata.context",
                               f"expected a URL, got {shown(context)}")
    value_key = next((name for name in _VALUE_KEYS if name in keys), None)
    entity = any(name in keys for name in _ENTITY_KEYS) or "$entity" in (context or "")
    if value_key is not None and not any(name in keys for name in ("id", "Id")):
        if keys[value_key] != "start_array":
            got = _what(keys[value_key], firsts[value_key])
            raise GraphFormatError(file, None, "value", f"expected a list of objects, got {got}")
        return Shape(f"{value_key}.item", context)
    if entity:
        return Shape("", context)  # the whole document is one entity
    return Shape(None, context)


class _Kind:
    """A JSON value seen by its first event only (never built)."""

    def __init__(self, event: str) -> None:
        self.event = event

    def shown(self) -> str:
        return {"start_map": "an object", "start_array": "a list"}.get(self.event, self.event)

    def __str__(self) -> str:
        return self.shown()


def _what(event: str, value: Any) -> str:
    if event in ("start_map", "start_array"):
        return _Kind(event).shown()
    return shown(value)


def objects(path: str, file: str, items_prefix: str) -> Iterator[dict[str, Any]]:
    """The objects at `items_prefix`, one at a time; each at most MAX_OBJECT_BYTES long."""
    with open_regular(path) as raw:
        data = _Bytes(raw, file)
        data.count_objects = True
        try:
            for item in ijson.items(data, items_prefix, use_float=True):
                data.since_object = 0
                yield item
        except ijson.JSONError as exc:  # changed since the first reading
            raise _not_json(file, exc) from None
