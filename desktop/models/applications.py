"""Applications, their roles, self-service settings, assignments and stored credentials."""

from __future__ import annotations

import peewee as pw

from .base import BaseModel, new_assignment_key, new_guid, utcnow
from .directory import Group, User

ORIGINS = ("gallery", "app_proxy", "consent", "custom")
SELF_SERVICE_ORIGINS = frozenset({"gallery", "app_proxy", "consent"})
SSO_MODES = ("password", "saml", "oidc", "none")


class Application(BaseModel):
    name = pw.CharField(index=True)
    publisher = pw.CharField(null=True, index=True)
    description = pw.TextField(null=True)
    origin = pw.CharField(default="gallery")
    origin_set_by_admin = pw.BooleanField(default=False)  # kept by later Graph imports
    sso_mode = pw.CharField(default="none")
    public_client_flows = pw.BooleanField(default=False)
    hidden = pw.BooleanField(default=False)
    homepage = pw.CharField(null=True)
    icon = pw.CharField(null=True)
    # The service principal's id and its application's appId, as User.graph_id.
    graph_id = pw.CharField(null=True, unique=True, default=new_guid)
    app_id = pw.CharField(null=True, index=True, default=new_guid)
    graph_imported = pw.BooleanField(default=False)
    # Kept up to date by the request services, so lists never count per row.
    pending_count = pw.IntegerField(default=0)
    created_at = pw.DateTimeField(default=utcnow)


class AppRole(BaseModel):
    application = pw.ForeignKeyField(Application, backref="roles", on_delete="CASCADE")
    value = pw.CharField()
    display_name = pw.CharField()
    user_assignable = pw.BooleanField(default=True)
    application_assignable = pw.BooleanField(default=False)
    enabled = pw.BooleanField(default=True)
    graph_id = pw.CharField(null=True, default=new_guid)

    class Meta:
        indexes = ((("application", "value"), True),)


class SelfServiceSettings(BaseModel):
    application = pw.ForeignKeyField(
        Application, unique=True, backref="self_service", on_delete="CASCADE"
    )
    enabled = pw.BooleanField(default=False, index=True)
    group = pw.ForeignKeyField(Group, null=True, backref="+", on_delete="SET NULL")
    require_approval = pw.BooleanField(default=False)
    role = pw.ForeignKeyField(AppRole, null=True, backref="+", on_delete="SET NULL")
    email_approvers = pw.BooleanField(default=False)
    approver_sets_passwords = pw.BooleanField(default=False)
    version = pw.IntegerField(default=0)  # optimistic concurrency for two editing admins
    updated_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    updated_at = pw.DateTimeField(null=True)


class SelfServiceApprover(BaseModel):
    settings = pw.ForeignKeyField(SelfServiceSettings, backref="approvers", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, backref="approver_of", on_delete="CASCADE")
    position = pw.IntegerField(default=0)

    class Meta:
        indexes = ((("settings", "user"), True), (("user",), False))


class Assignment(BaseModel):
    """A user or group assigned to an application, with an optional role (None: default access)."""

    application = pw.ForeignKeyField(Application, backref="assignments", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, null=True, backref="assignments", on_delete="CASCADE")
    group = pw.ForeignKeyField(Group, null=True, backref="assignments", on_delete="CASCADE")
    role = pw.ForeignKeyField(AppRole, null=True, backref="+", on_delete="SET NULL")
    via_request = pw.IntegerField(null=True)
    graph_id = pw.CharField(null=True, unique=True, default=new_assignment_key)
    created_at = pw.DateTimeField(default=utcnow)  # when it was made (Graph's createdDateTime)

    class Meta:
        indexes = ((("application", "user"), False), (("application", "group"), False))


class PasswordCredential(BaseModel):
    """Sign-in details an approver set for a user; both fields are Fernet ciphertext."""

    application = pw.ForeignKeyField(Application, backref="+", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    username_enc = pw.BlobField()
    password_enc = pw.BlobField()
    set_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    set_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("application", "user"), True),)
