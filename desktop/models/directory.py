"""People, their directory roles, groups and group members."""

from __future__ import annotations

import peewee as pw

from .base import BaseModel, new_guid, utcnow

LICENSES = ("none", "p1", "p2")
DIRECTORY_ROLES = ("global_admin", "cloud_app_admin", "app_admin")
ADMIN_ROLES = frozenset(DIRECTORY_ROLES)
# Graph's userType: a guest is an external person invited into the tenant. The rules treat
# him like anyone else: his license decides.
USER_TYPES = ("member", "guest")


class User(BaseModel):
    upn = pw.CharField(unique=True)  # stored lower-case: UPNs compare case-insensitively
    display_name = pw.CharField(index=True)
    mail = pw.CharField(null=True)
    department = pw.CharField(null=True, index=True)
    job_title = pw.CharField(null=True)
    license = pw.CharField(default="none")
    enabled = pw.BooleanField(default=True)
    password_hash = pw.CharField(null=True)
    user_type = pw.CharField(default="member")
    external_user_state = pw.CharField(null=True)  # Graph's: PendingAcceptance, Accepted
    # The object's id in Graph: from an import, or minted here (graph_imported False), so
    # every Graph-shaped output has a GUID to give; an import may adopt a minted one's row.
    graph_id = pw.CharField(null=True, unique=True, default=new_guid)
    graph_imported = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)


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
    graph_id = pw.CharField(null=True, unique=True, default=new_guid)  # as User's
    graph_imported = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)


class GroupMember(BaseModel):
    group = pw.ForeignKeyField(Group, backref="members", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, backref="memberships", on_delete="CASCADE")
    source = pw.CharField(default="manual")  # manual | self_service | import
    added_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    added_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("group", "user"), True), (("user",), False))
