"""The normalised records a Microsoft Graph export is read into, and the error for a bad one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

License = Literal["none", "p1", "p2"]
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
    graph_id: str
    principal_id: str
    principal_type: str | None
    resource_id: str
    # None: the all-zero app role id, Entra's "default access" without a specific role.
    app_role_id: str | None


@dataclass(frozen=True)
class GraphDirectoryRole:
    role: DirectoryRoleName
    member_ids: tuple[str, ...]


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
