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
    # Governance (rules 16-18); None/False: off, so Access Desk behaves as rules 1-15 say.
    expire_days = pw.IntegerField(null=True)  # rule 16: pending requests expire after N days
    remind_days = pw.IntegerField(null=True)  # rule 16: remind approvers after M days
    escalate_days = pw.IntegerField(null=True)  # rule 17: ask escalation approvers after E
    reason_to_approve = pw.BooleanField(  # rule 17: approvals need a reason
        default=False, constraints=[pw.SQL("DEFAULT FALSE")])
    access_days = pw.IntegerField(null=True)  # rule 18: access lasts N days ...
    access_until = pw.DateField(null=True)  # ... or until the end of this date
    end_reminder_days = pw.IntegerField(  # rule 18: remind the user this early
        default=7, constraints=[pw.SQL("DEFAULT 7")])
    # Rule 19: when the administrators were told that no approver is available (none away
    # has a delegate); cleared when one is back, so they are told once per absence.
    nobody_available_told_at = pw.DateTimeField(null=True)


class EscalationApprover(BaseModel):
    """Rule 17: who is asked when a request waited escalate_days without a decision."""

    settings = pw.ForeignKeyField(SelfServiceSettings, backref="escalation_approvers",
                                  on_delete="CASCADE")
    user = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    position = pw.IntegerField(default=0)

    class Meta:
        table_name = "escalation_approver"
        indexes = ((("settings", "user"), True), (("user",), False))


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
