"""The normalised records a Microsoft Graph export is read into, and the error for a bad one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

License = Literal["none", "p1", "p2"]
UserType = Literal["member", "guest"]
SsoMode = Literal["password", "saml", "oidc", "none"]
Origin = Literal["gallery", "app_proxy", "consent", "custom"]
DirectoryRoleName = Literal["global_admin", "cloud_app_admin", "app_admin"]

# The tag Entra ID puts on the service principal of an Application Proxy (on-premises) app.
APP_PROXY_TAG = "WindowsAzureActiveDirectoryOnPremApp"
# "Create your own application" in the gallery instantiates this template: a custom app.
CUSTOM_APP_TEMPLATE_ID = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621"


class GraphFormatError(ValueError):
    """An export the import must not go on with; str() is one line naming file, entity, field."""

    def __init__(self, file: str, entity: str | None, field: str | None, problem: str) -> None:
        self.file = file
        self.entity = entity
        self.field = field
        self.problem = problem
        parts = [file]
        if entity:
            parts.append(entity)
        if field:
            parts.append(f"field '{field}'")
        parts.append(problem)
        # One line whatever the input held, so a log or a message box shows it whole.
        super().__init__(" ".join(": ".join(parts).split()))


@dataclass(frozen=True)
class GraphUser:
    graph_id: str
    upn: str
    display_name: str
    mail: str | None
    department: str | None
    job_title: str | None
    enabled: bool
    license: License
    user_type: UserType = "member"  # Graph's userType, lower-case
    external_user_state: str | None = None  # Graph's externalUserState, as Graph spells it


@dataclass(frozen=True)
class GraphGroup:
    graph_id: str
    display_name: str
    description: str | None
    security_enabled: bool
    mail_enabled: bool
    on_prem_synced: bool
    dynamic: bool
    # None: the export holds no membership for this group (not the same as no members).
    member_ids: tuple[str, ...] | None


@dataclass(frozen=True)
class GraphAppRole:
    graph_id: str
    value: str
    display_name: str
    user_assignable: bool
    application_assignable: bool
    enabled: bool


@dataclass(frozen=True)
class GraphServicePrincipal:
    graph_id: str
    app_id: str
    display_name: str
    publisher: str | None
    homepage: str | None
    description: str | None
    sso_mode: SsoMode
    hidden: bool
    tags: tuple[str, ...]
    app_owner_org_id: str | None
    application_template_id: str | None
    # Choosable roles only: a role without a value (msiam_access) is default access.
    roles: tuple[GraphAppRole, ...]
    public_client: bool = False

    def origin(self, tenant_id: str | None) -> Origin:
        """Where the app comes from; `tenant_id` is the exported organization's id."""
        if APP_PROXY_TAG in self.tags:
            return "app_proxy"
        template = self.application_template_id
        if template and template.lower() != CUSTOM_APP_TEMPLATE_ID:
            return "gallery"
        owner = self.app_owner_org_id
        # Without the tenant's id no owner can be told apart from ours: say custom, not guess.
        if owner and tenant_id and owner.lower() != tenant_id.lower():
            return "consent"
        return "custom"


@dataclass(frozen=True)
class GraphAssignment:
    # None: exported without its id ($select left it out); matched by what it assigns.
    graph_id: str | None
    principal_id: str
    principal_type: str | None
    resource_id: str
    # None: the all-zero app role id, Entra's "default access" without a specific role.
    app_role_id: str | None
    # When it was made (createdDateTime), naive UTC; None when the export leaves it out.
    created: datetime | None = None


@dataclass(frozen=True)
class GraphDirectoryRole:
    role: DirectoryRoleName
    member_ids: tuple[str, ...]


@dataclass(frozen=True)
class Skipped:
    """An object the import leaves out, and why: one line names file, object, field, problem."""

    file: str
    kind: str  # user, group, servicePrincipal, appRoleAssignment, member, ...
    label: str  # e.g. "user 'bob@contoso.com'" or "item 3"
    problem: str
    field: str | None = None
    graph_id: str | None = None
    # The object's position in its file's list (0-based); None for one nested in another.
    position: int | None = None

    def line(self) -> str:
        parts = [self.file, self.label]
        if self.field:
            parts.append(f"field '{self.field}'")
        parts.append(self.problem)
        return " ".join(": ".join(parts).split())

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file, "kind": self.kind, "object": self.label, "id": self.graph_id,
            "position": self.position, "field": self.field, "problem": self.problem,
        }


@dataclass(frozen=True)
class NotImported:
    """Objects of a type Access Desk does not import, counted by file: reported, not refused."""

    file: str
    type: str  # Graph's name, e.g. oauth2PermissionGrant
    what: str  # in words, e.g. "delegated permission grants"
    count: int

    def line(self) -> str:
        return f"{self.file}: {self.what}: {self.count:,} not imported"

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "type": self.type, "what": self.what, "count": self.count}


@dataclass
class GraphExport:
    """A whole export; the dicts are keyed by Graph id (directory_roles by our role name)."""

    tenant_id: str | None = None
    tenant_name: str | None = None
    users: dict[str, GraphUser] = field(default_factory=dict)
    groups: dict[str, GraphGroup] = field(default_factory=dict)
    service_principals: dict[str, GraphServicePrincipal] = field(default_factory=dict)
    assignments: dict[str, GraphAssignment] = field(default_factory=dict)
    directory_roles: dict[str, GraphDirectoryRole] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Objects left out (missing or invalid fields, conflicting copies, their dependants) ...
    skipped: list[Skipped] = field(default_factory=list)
    # ... and objects of types Access Desk does not import, by file and count.
    not_imported: list[NotImported] = field(default_factory=list)
    # Where each record came from (file, object, position), by the key of its dict above.
    places: dict[str, tuple[str, str, int | None]] = field(default_factory=dict, compare=False)
    # Entries of the folders (or paths) named that were not read, and why: (path, reason).
    left_out: list[tuple[str, str]] = field(default_factory=list, compare=False)
