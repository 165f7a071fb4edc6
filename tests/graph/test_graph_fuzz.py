"""Malformed input of every kind gives a GraphExport or a GraphFormatError, never another error."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.graph import GraphExport, GraphFormatError, read_graph

DATA = Path(__file__).parent / "data"
VALID_FILES = sorted(
    path.relative_to(DATA) for path in DATA.glob("tenant*/**/*.json") if path.is_file()
)
# Keys and values Graph uses, so that random documents reach past the first checks.
KEYS = [
    "@odata.context",
    "@odata.type",
    "value",
    "id",
    "Id",
    "AdditionalProperties",
    "userPrincipalName",
    "displayName",
    "accountEnabled",
    "assignedLicenses",
    "assignedPlans",
    "skuId",
    "servicePlans",
    "servicePlanId",
    "capabilityStatus",
    "groupTypes",
    "securityEnabled",
    "members",
    "appId",
    "appRoles",
    "tags",
    "principalId",
    "resourceId",
    "appRoleId",
    "roleTemplateId",
    "verifiedDomains",
]
WORDS = [
    "0a000000-7e57-4a11-9d00-000000000001",
    "0b000000-7e57-4a11-9d00-000000000001",
    "00000000-0000-0000-0000-000000000000",
    "https://graph.microsoft.com/v1.0/$metadata#users",
    "https://graph.microsoft.com/v1.0/$metadata#groups('0b000000-7e57-4a11-9d00-000000000001')/members",
    "#microsoft.graph.user",
    "#microsoft.graph.group",
    "#microsoft.graph.servicePrincipal",
    "Enabled",
    "Unified",
    "DynamicMembership",
    "HideApp",
    "Microsoft.Graph.PowerShell.Models.MicrosoftGraphAssignedLicense",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(WORDS)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=6)
    ),
    max_leaves=25,
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(paths: list[Path]) -> None:
    """read_graph either works or raises a one-line GraphFormatError naming the file."""
    outcome = _outcome(paths)
    if isinstance(outcome, GraphFormatError):
        assert "\n" not in str(outcome)
        assert outcome.file
    else:
        assert all(isinstance(warning, str) for warning in outcome.warnings)


def _outcome(paths: list[Path]) -> GraphExport | GraphFormatError:
    try:
        return read_graph(paths)
    except GraphFormatError as error:
        return error


def _read_bytes(content: bytes, name: str = "export.json") -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        _check([path])


def _read_in_tenant(relative: Path, content: bytes) -> None:
    """The rest of the file's tenant with it, so that the cross-file steps run too."""
    tenant = DATA / relative.parts[0]
    others = [path for path in sorted(tenant.rglob("*.json")) if path != DATA / relative]
    with tempfile.TemporaryDirectory() as folder:
        # Same name: a GUID in it says whose licenseDetails or members the file holds.
        path = Path(folder) / relative.name
        path.write_bytes(content)
        _check([*others, path])


def _locations(document: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in a document, to put a wrong value at."""
    found: list[tuple[Any, Any]] = []
    stack = [document]
    while stack:
        node = stack.pop()
        keys = (
            node.keys()
            if isinstance(node, dict)
            else range(len(node))
            if isinstance(node, list)
            else ()
        )
        for key in keys:
            found.append((node, key))
            stack.append(node[key])
    return found


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(content: bytes) -> None:
    _read_bytes(content)


@FUZZ
@given(json_values)
def test_random_graph_like_documents(document: Any) -> None:
    _read_bytes(json.dumps(document).encode())


@FUZZ
@given(st.sampled_from(VALID_FILES), st.data())
def test_truncated_text_of_a_valid_file(relative: Path, data: st.DataObject) -> None:
    content = (DATA / relative).read_bytes()
    cut = data.draw(st.integers(min_value=0, max_value=len(content)))

    _read_in_tenant(relative, content[:cut])


@FUZZ
@given(st.sampled_from(VALID_FILES), st.data())
def test_wrong_types_in_fields(relative: Path, data: st.DataObject) -> None:
    document = json.loads((DATA / relative).read_bytes())
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        locations = _locations(document)
        if not locations:
            break
        container, key = data.draw(st.sampled_from(locations))
        if isinstance(container, dict) and data.draw(st.booleans()):
            del container[key]
        else:
            container[key] = data.draw(json_values)

    _read_in_tenant(relative, json.dumps(document).encode())


def test_valid_files_are_found() -> None:
    assert len(VALID_FILES) > 20
