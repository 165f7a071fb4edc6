"""People, their directory roles, groups and group members."""

from __future__ import annotations

import peewee as pw

from .base import BaseModel, utcnow

LICENSES = ("none", "p1", "p2")
DIRECTORY_ROLES = ("global_admin", "cloud_app_admin", "app_admin")
ADMIN_ROLES = frozenset(DIRECTORY_ROLES)


class User(BaseModel):
    upn = pw.CharField(unique=True)  # stored lower-case: UPNs compare case-insensitively
    display_name = pw.CharField(index=True)
    mail = pw.CharField(null=True)
    department = pw.CharField(null=True, index=True)
    job_title = pw.CharField(null=True)
    license = pw.CharField(default="none")
    enabled = pw.BooleanField(default=True)
    password_hash = pw.CharField(null=True)
    graph_id = pw.CharField(null=True, unique=True)
    created_at = pw.DateTimeField(default=utcnow)

    @property
    def licensed(self) -> bool:
        return self.license in ("p1", "p2")


class DirectoryRoleAssignment(BaseModel):
    user = pw.ForeignKeyField(User, backref="directory_roles", on_delete="CASCADE")
    role = pw.CharField()

    class Meta:
        indexes = ((("user", "role"), True),)


class Group(BaseModel):
    name = pw.CharField(index=True)
    description = pw.TextField(null=True)
    on_prem_synced = pw.BooleanField(default=False)
    dynamic = pw.BooleanField(default=False)
    security_enabled = pw.BooleanField(default=True)
    mail_enabled = pw.BooleanField(default=False)
    graph_id = pw.CharField(null=True, unique=True)
    created_at = pw.DateTimeField(default=utcnow)

    def assignable_reason(self) -> str | None:
        """Why self-service cannot add members to this group (rule 3), or None."""
        if self.on_prem_synced:
            return "it is synchronized from on-premises"
        if self.dynamic:
            return "its membership is dynamic"
        if not self.security_enabled:
            return "it is a distribution list"
        if self.mail_enabled:
            return "it is a mail-enabled group"
        return None


class GroupMember(BaseModel):
    group = pw.ForeignKeyField(Group, backref="members", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, backref="memberships", on_delete="CASCADE")
    source = pw.CharField(default="manual")  # manual | self_service | import
    added_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    added_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("group", "user"), True), (("user",), False))
