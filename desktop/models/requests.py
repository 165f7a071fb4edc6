"""Access requests and the notifications people have not read yet."""

from __future__ import annotations

import peewee as pw

from .applications import Application
from .base import BaseModel, utcnow
from .directory import User

STATUSES = ("pending", "approved", "denied", "cancelled", "closed", "expired")
KINDS = ("access", "extension")


class AccessRequest(BaseModel):
    # Its index is (application_id, id), declared below: an application's requests in id order.
    application = pw.ForeignKeyField(Application, backref="requests", on_delete="CASCADE",
                                     index=False)
    requester = pw.ForeignKeyField(User, backref="requests", on_delete="CASCADE")
    justification = pw.TextField(null=True)
    status = pw.CharField(default="pending", index=True)
    created_at = pw.DateTimeField(default=utcnow, index=True)
    decided_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    decided_at = pw.DateTimeField(null=True)
    reason = pw.TextField(null=True)
    # Rules 16-18 (kind: access | extension), fixed when the request is made (a later change
    # of settings affects new requests only); the *_at columns of a sweep's steps make each
    # happen once. SQL defaults too, as the version 8 upgrade adds them (rows written by
    # other tools).
    kind = pw.CharField(default="access", constraints=[pw.SQL("DEFAULT 'access'")])
    extends_grant = pw.IntegerField(null=True)  # the AccessGrant an extension is for
    expires_at = pw.DateTimeField(null=True, index=True)  # rule 16
    remind_at = pw.DateTimeField(null=True, index=True)  # rule 16
    reminded_at = pw.DateTimeField(null=True)
    escalate_at = pw.DateTimeField(null=True, index=True)  # rule 17
    escalated_at = pw.DateTimeField(null=True)
    decided_for = pw.IntegerField(null=True)  # rule 19: the away approver a delegate stood in for

    class Meta:
        table_name = "access_request"
        indexes = (
            (("application", "status"), False),
            (("requester", "status"), False),
        )


# The application's index ends with the id (schema version 10): a list of an approver's
# requests reads each application's in id order and merges them (services.requests
# request_page) on PostgreSQL too (SQLite's index held the order already, by its rowid). It
# keeps the name the foreign key's own index had; it serves that too.
AccessRequest.add_index(AccessRequest.index(AccessRequest.application, AccessRequest.id,
                                            name="access_request_application_id"))


class Notification(BaseModel):
    recipient = pw.ForeignKeyField(User, backref="notifications", on_delete="CASCADE")
    request = pw.ForeignKeyField(AccessRequest, null=True, backref="+", on_delete="CASCADE")
    application = pw.ForeignKeyField(Application, null=True, backref="+", on_delete="CASCADE")
    kind = pw.CharField()  # new_request | decided | access_removed | role_changed | credentials
    message = pw.TextField()
    created_at = pw.DateTimeField(default=utcnow)
    read_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("recipient", "read_at"), False),)


class AccessGrant(BaseModel):
    """Rule 18: access given for a time. Records exactly what the grant added (the group
    membership, the direct role assignment), so its end removes that and nothing else."""

    application = pw.ForeignKeyField(Application, backref="+", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    request = pw.IntegerField(null=True)  # the request that granted it (or last extended it)
    granted_at = pw.DateTimeField(default=utcnow)
    ends_at = pw.DateTimeField(index=True)
    added_membership = pw.BooleanField(default=False)
    assignment = pw.IntegerField(null=True)  # the direct role Assignment it added
    reminded_at = pw.DateTimeField(null=True)  # the "ends soon" notice was sent
    ended_at = pw.DateTimeField(null=True, index=True)
    ended_why = pw.CharField(null=True)  # expired | ended by an administrator | access removed

    class Meta:
        table_name = "access_grant"
        indexes = ((("application", "user"), False),)


class AwayPeriod(BaseModel):
    """Rule 19: an approver away for a period, with an optional delegate who decides in his
    place meanwhile."""

    user = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    starts_at = pw.DateTimeField()
    ends_at = pw.DateTimeField(index=True)
    delegate = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    set_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "away_period"
        indexes = ((("user", "ends_at"), False),)


class AccessReview(BaseModel):
    """Rule 20: a review of an application's self-service access."""

    application = pw.ForeignKeyField(Application, backref="+", on_delete="CASCADE")
    started_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    started_at = pw.DateTimeField(default=utcnow)
    ends_at = pw.DateTimeField(index=True)
    reviewers = pw.CharField(default="approvers")  # approvers | named (ReviewReviewer rows)
    unreviewed = pw.CharField(default="keep")  # keep | remove: people nobody reviewed
    recurrence = pw.CharField(null=True)  # monthly | quarterly | yearly
    status = pw.CharField(default="active", index=True)  # active | completed | cancelled
    completed_at = pw.DateTimeField(null=True)
    next_review = pw.IntegerField(null=True)  # the review a recurrence started after this one

    class Meta:
        table_name = "access_review"


class ReviewReviewer(BaseModel):
    review = pw.ForeignKeyField(AccessReview, backref="named_reviewers", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "review_reviewer"
        indexes = ((("review", "user"), True),)


class ReviewItem(BaseModel):
    """One member under review: Keep or Remove (with a reason), then what was applied."""

    review = pw.ForeignKeyField(AccessReview, backref="items", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    decision = pw.CharField(null=True)  # keep | remove
    reason = pw.TextField(null=True)
    decided_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    decided_at = pw.DateTimeField(null=True)
    outcome = pw.CharField(null=True)  # kept | removed | not reviewed, kept | ... (at the end)
    applied_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "review_item"
        indexes = ((("review", "user"), True), (("review", "decision"), False))
