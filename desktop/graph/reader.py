"""Read Graph export files and tell what each holds: entities of which kind, or whose members."""

from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from desktop.graph import stream
from desktop.graph.fields import GUID_RE, Where, shown
from desktop.graph.powershell import camel_case, check_item, item_label
from desktop.graph.records import GraphFormatError, NotImported, Skipped

KINDS = frozenset(
    {
        "user",
        "group",
        "servicePrincipal",
        "application",
        "organization",
        "directoryRole",
        "appRoleAssignment",
        "licenseDetails",
        # roleManagement/directory/roleAssignments: imported as directory roles we know.
        "unifiedRoleAssignment",
    }
)
# A generic directory object: the kind is the item's own @odata.type, or its properties'.
DIRECTORY_OBJECT = "directoryObject"

# Entity sets and navigation properties as they appear in @odata.context, and their kinds.
_CONTEXT_KINDS = {
    "users": "user",
    "groups": "group",
    "servicePrincipals": "servicePrincipal",
    "applications": "application",
    "organization": "organization",
    "directoryRoles": "directoryRole",
    "appRoleAssignments": "appRoleAssignment",
    "appRoleAssignedTo": "appRoleAssignment",
    "licenseDetails": "licenseDetails",
    "roleAssignments": "unifiedRoleAssignment",
    "roleDefinitions": "unifiedRoleDefinition",
    "oauth2PermissionGrants": "oauth2PermissionGrant",
    "subscribedSkus": "subscribedSku",
    "devices": "device",
    "contacts": "orgContact",
    "administrativeUnits": "administrativeUnit",
    "directoryObjects": DIRECTORY_OBJECT,
    "members": DIRECTORY_OBJECT,
}

# For items that say nothing of their kind (documentation examples, PowerShell arrays): a
# property only that kind has. The first match wins, so shared properties never decide.
_SIGNATURES: list[tuple[str, tuple[str, ...]]] = [
    # These three all carry principalId: the properties only each has come first.
    ("unifiedRoleAssignment", ("roleDefinitionId",)),
    ("oauth2PermissionGrant", ("consentType", "scope")),
    ("appRoleAssignment", ("appRoleId", "principalId")),
    ("unifiedRoleDefinition", ("rolePermissions",)),
    # GET /subscribedSkus lists the tenant's SKUs with service plans too: not a user's.
    ("subscribedSku", ("consumedUnits", "prepaidUnits")),
    ("licenseDetails", ("skuPartNumber", "servicePlans")),
    ("user", ("userPrincipalName",)),
    ("directoryRole", ("roleTemplateId",)),
    (
        "servicePrincipal",
        (
            "servicePrincipalNames",
            "servicePrincipalType",
            "appOwnerOrganizationId",
            "preferredSingleSignOnMode",
            "appRoleAssignmentRequired",
        ),
    ),
    (
        "application",
        ("isFallbackPublicClient", "identifierUris", "publisherDomain", "requiredResourceAccess"),
    ),
    ("group", ("groupTypes", "securityEnabled", "mailEnabled")),
    ("organization", ("verifiedDomains", "tenantType", "technicalNotificationMails")),
]


# What each type is, in words, for the objects Access Desk reads but does not import.
_TYPE_WORDS = {
    "subscribedSku": "licence subscriptions of the tenant (subscribedSkus: what the tenant "
    "bought and how much is used, not any one user's licences, which come from the users)",
    "oauth2PermissionGrant": "delegated permission grants (consents to what an app may do "
    "for a user)",
    "unifiedRoleDefinition": "role definitions (what a role allows, not who holds it)",
    "unifiedRoleAssignment": "role assignments of roles Access Desk does not use",
    "directoryRole": "directory roles Access Desk does not use",
    "device": "devices",
    "orgContact": "organisational contacts",
    "administrativeUnit": "administrative units",
    "domain": "domains",
    "member": "members that are not users (nested groups, service principals, devices): "
    "Access Desk keeps only users as members",
}
UNRECOGNISED = "unrecognised"


def type_words(kind: str) -> str:
    """A type Access Desk does not import, as a person would say it."""
    if kind == UNRECOGNISED:
        return (
            "objects of a kind that cannot be told (no @odata.type, no @odata.context and no "
            "property only one kind has)"
        )
    return _TYPE_WORDS.get(kind, f"objects of type {kind}")


@dataclass(frozen=True)
class Entity:
    kind: str
    data: dict[str, Any]
    where: Where
    # The object a navigation hangs from, e.g. the user of /users/{id}/licenseDetails.
    owner_id: str | None
    # Its position in the file's list (0-based); None for one nested in another object.
    position: int | None = None

    @property
    def place(self) -> str:
        """Where it is, for messages about two copies: the file and the position."""
        if self.position is None:
            return f"{self.where.file} ({self.where.entity})"
        return f"{self.where.file} position {self.position}"


@dataclass
class Page:
    """What one file holds: entities, or the members of one group or directory role."""

    file: str
    entities: list[Entity] = field(default_factory=list)
    members_of: str | None = None
    members: list[Entity] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    not_imported: list[NotImported] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """What an @odata.context URL says: entity set or navigation, and the object it hangs from."""

    kind: str | None = None
    navigation: str | None = None
    owner_id: str | None = None


@dataclass(frozen=True)
class LeftOut:
    """An entry of a folder (or a path named) that is not read, and why."""

    path: str
    reason: str

    def line(self) -> str:
        return f"{self.path}: {self.reason}"


def json_files(paths: Sequence[str | Path],
               left_out: list[LeftOut] | None = None) -> list[Path]:
    """The files named and the *.json files under the folders named, each once, in order.

    Only regular files are read: a pipe, device or socket, a link out of its folder, a link
    to anything but a regular file or to nothing is left out and added to `left_out`."""
    left = left_out if left_out is not None else []
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and not path.is_symlink():
            found.extend(_walk(path, left))
        elif path.is_dir():
            found.extend(_walk(Path(os.path.realpath(path)), left))
        elif path.exists() or path.is_symlink():
            reason = _not_readable(path, None)
            if reason:
                left.append(LeftOut(str(path), reason))
            else:
                found.append(path)
        else:
            raise GraphFormatError(str(path), None, None, "no such file or folder")
    # A file named twice counts where it was named last: that is the copy that should win.
    unique = {os.path.realpath(path): path for path in reversed(found)}
    return list(reversed(unique.values()))


def _walk(folder: Path, left: list[LeftOut]) -> Iterator[Path]:
    # Sorted, so that "last wins" between pages means the same on every machine. Links to
    # folders are not followed (os.walk's default): they are named as left out.
    root_real = os.path.realpath(folder)
    for root, dirs, files in os.walk(folder):
        links = {name for name in dirs if os.path.islink(os.path.join(root, name))}
        for name in sorted(links):
            if not name.startswith("."):
                left.append(LeftOut(os.path.join(root, name), "a link to a folder: not followed"))
        dirs[:] = sorted(name for name in dirs if not name.startswith(".") and name not in links)
        for name in sorted(files):
            if name.lower().endswith(".json") and not name.startswith("."):
                path = Path(root) / name
                reason = _not_readable(path, root_real)
                if reason:
                    left.append(LeftOut(str(path), reason))
                else:
                    yield path


_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISDIR, "a folder"))


def _kind(mode: int) -> str:
    return next((words for test, words in _KINDS if test(mode)), "not a regular file")


def _not_readable(path: Path, root: str | None) -> str | None:
    """Why the entry is not read (never opening it), or None for a regular file to read."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISLNK(mode):
        target = os.path.realpath(path)
        if root is not None and os.path.commonpath([root, target]) != root:
            return f"a link to {target}, outside the folder: not followed"
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return "a link to nothing (its target does not exist)"
        if not stat.S_ISREG(mode):
            return f"a link to {_kind(mode)}, {target}: only regular files are read"
        return None
    if not stat.S_ISREG(mode):
        return f"{_kind(mode)}: only regular files are read"
    return None


def read_page(path: Path) -> Page:
    """One file's entities, read object by object (desktop/graph/stream.py)."""
    file = str(path)
    found = stream.shape(str(path), file)
    if found.items_prefix is None:
        reason = "not a Graph response (no 'value' list and no entity with an id)"
        return Page(file, warnings=[f"{file}: skipped: {reason}"])
    objects: list[dict[str, Any]] = []
    single = found.items_prefix == ""
    try:
        for index, item in enumerate(stream.objects(str(path), file, found.items_prefix)):
            if not isinstance(item, dict):  # the file changed since it was first read
                problem = f"expected an object, got {shown(item)}"
                raise GraphFormatError(file, f"item {index}", None, problem)
            check_item(item, file, partial(item_label, item, None if single else index))
            # Graph's own camelCase needs nothing; PowerShell's PascalCase is renamed.
            pascal = any(key[:1].isupper() for key in item)
            objects.append(camel_case(item) if pascal else item)
    except RecursionError:
        raise GraphFormatError(file, None, None, "nested too deeply to be a Graph export") from None
    return _page(objects, parse_context(found.context), file, path.name)


def _page(objects: list[dict[str, Any]], context: Context, file: str, name: str) -> Page:
    name_id = _guid_in(name)
    members_of = _members_owner(context, name, name_id, objects)
    if members_of:
        members = [
            Entity(DIRECTORY_OBJECT, item, _where(file, "member", item, index), None, index)
            for index, item in enumerate(objects)
        ]
        return Page(file, members_of=members_of, members=members)
    return _entities(file, objects, context.kind, context.owner_id or name_id)


def _entities(
    file: str, objects: list[dict[str, Any]], context_kind: str | None, owner_id: str | None
) -> Page:
    """The entities of the kinds we import; the others counted by kind, never dropped silently."""
    page = Page(file)
    other: Counter[str] = Counter()
    removed = 0
    for index, item in enumerate(objects):
        try:
            kind = item_kind(item, context_kind, Where(file, f"item {index}"))
        except GraphFormatError as exc:
            page.skipped.append(
                Skipped(file, UNRECOGNISED, f"item {index}", exc.problem, exc.field, None, index)
            )
            continue
        if "@removed" in item:
            # A delta response's deleted object: the import adds and updates, never removes.
            removed += 1
        elif kind in KINDS:
            page.entities.append(
                Entity(kind, item, _where(file, kind, item, index), owner_id, index)
            )
        else:
            other[kind or UNRECOGNISED] += 1
    page.not_imported.extend(
        NotImported(file, kind, type_words(kind), count) for kind, count in other.items()
    )
    if removed:
        page.warnings.append(
            f"{file}: {removed:,} object(s) marked removed (@removed in a delta response) left "
            "as they are: the import never removes anything"
        )
    return page


def parse_context(url: str | None) -> Context:
    """Kind and owner from e.g. '...$metadata#users('4c1b...')/licenseDetails'."""
    if not url or "#" not in url:
        return Context()
    fragment = url.split("#", 1)[1]
    segments = [part for part in _split_segments(fragment) if not part.startswith("$")]
    if not segments:
        return Context()
    names = [_segment_name(segment) for segment in segments]
    # A type cast at the end (.../members/microsoft.graph.user) names the kind itself.
    last = names[-1]
    if "." in last or last.startswith("Collection("):
        kind = type_kind(segments[-1].removeprefix("Collection(").rstrip(")"))
        names, segments = names[:-1] or names, segments[:-1] or segments
        last = names[-1]
    else:
        kind = _CONTEXT_KINDS.get(last, last)
    if len(segments) < 2:
        return Context(kind=kind)
    owner = GUID_RE.search(segments[-2][len(names[-2]) :])
    return Context(kind=kind, navigation=last, owner_id=owner.group(0).lower() if owner else None)


def _split_segments(fragment: str) -> list[str]:
    """Split on '/' outside parentheses: $select lists may hold slashes."""
    segments, depth, start = [], 0, 0
    for index, char in enumerate(fragment):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "/" and depth == 0:
            segments.append(fragment[start:index])
            start = index + 1
    segments.append(fragment[start:])
    return [segment for segment in segments if segment]


def _segment_name(segment: str) -> str:
    if segment.startswith("Collection("):
        return segment
    return segment.split("(", 1)[0]


def type_kind(odata_type: str) -> str:
    """'#microsoft.graph.servicePrincipal' -> 'servicePrincipal'."""
    name = odata_type.lstrip("#").rsplit(".", 1)[-1]
    by_lower = {kind.lower(): kind for kind in KINDS}
    return by_lower.get(name.lower(), name)


def item_kind(item: dict[str, Any], context_kind: str | None, where: Where) -> str | None:
    """The item's own @odata.type, else the collection's, else what its properties show."""
    odata_type = item.get("@odata.type")
    if odata_type is not None:
        if not isinstance(odata_type, str):
            problem = f"expected a type name, got {shown(odata_type)}"
            raise GraphFormatError(where.file, where.entity, "@odata.type", problem)
        return type_kind(odata_type)
    if context_kind and context_kind != DIRECTORY_OBJECT:
        return context_kind
    for kind, properties in _SIGNATURES:
        if any(name in item for name in properties):
            return kind
    return None


def _members_owner(
    context: Context, name: str, name_id: str | None, objects: list[dict[str, Any]]
) -> str | None:
    """The group or role whose members a file lists: /groups/{id}/members, or <id>.members.json."""
    if context.navigation == "members":
        owner = context.owner_id or name_id
    elif context.navigation is None and (
        "member" in name.lower() or context.kind == DIRECTORY_OBJECT
    ):
        owner = name_id
    else:
        owner = None
    if owner and any(_id_of(item) == owner for item in objects):
        # The group itself (GET /groups/{id}?$expand=members), saved under a members name.
        return None
    return owner


def _id_of(item: Any) -> str | None:
    found = item.get("id") if isinstance(item, dict) else None
    return found.lower() if isinstance(found, str) else None


def _guid_in(name: str) -> str | None:
    found = GUID_RE.search(name)
    return found.group(0).lower() if found else None


def _where(file: str, kind: str, item: dict[str, Any], index: int) -> Where:
    for key in ("userPrincipalName", "displayName", "id"):
        name = item.get(key)
        if isinstance(name, str) and name.strip():
            return Where(file, f"{kind} {shown(name)}")
    return Where(file, f"{kind} at position {index}")
