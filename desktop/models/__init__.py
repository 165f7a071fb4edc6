"""The peewee models of Access Desk, bound to SQLite or PostgreSQL through one proxy."""

from .applications import (
    ORIGINS,
    SELF_SERVICE_ORIGINS,
    SSO_MODES,
    Application,
    AppRole,
    Assignment,
    PasswordCredential,
    SelfServiceApprover,
    SelfServiceSettings,
)
from .base import BaseModel, database_proxy, utcnow
from .directory import (
    ADMIN_ROLES,
    DIRECTORY_ROLES,
    LICENSES,
    DirectoryRoleAssignment,
    Group,
    GroupMember,
    User,
)
from .infra import AuditEvent, Change, EmailOutbox, SchemaInfo, Setting, SignInFailure
from .requests import STATUSES, AccessRequest, Notification

ALL_MODELS: list[type[BaseModel]] = [
    SchemaInfo,
    Setting,
    User,
    DirectoryRoleAssignment,
    Group,
    GroupMember,
    Application,
    AppRole,
    SelfServiceSettings,
    SelfServiceApprover,
    AccessRequest,
    Assignment,
    PasswordCredential,
    Notification,
    Change,
    EmailOutbox,
    AuditEvent,
    SignInFailure,
]

__all__ = [
    "ADMIN_ROLES",
    "ALL_MODELS",
    "DIRECTORY_ROLES",
    "LICENSES",
    "ORIGINS",
    "SELF_SERVICE_ORIGINS",
    "SSO_MODES",
    "STATUSES",
    "AccessRequest",
    "AppRole",
    "Application",
    "Assignment",
    "AuditEvent",
    "BaseModel",
    "Change",
    "DirectoryRoleAssignment",
    "EmailOutbox",
    "Group",
    "GroupMember",
    "Notification",
    "PasswordCredential",
    "SchemaInfo",
    "SelfServiceApprover",
    "SelfServiceSettings",
    "Setting",
    "SignInFailure",
    "User",
    "database_proxy",
    "utcnow",
]
