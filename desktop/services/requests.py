"""The request life cycle: pending -> approved | denied | cancelled | closed | expired (rules 4,
7-11, 16-17: deadlines fixed at creation, escalation approvers deciding, a reason to approve)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable
from typing import Any

import peewee as pw

from desktop.errors import AccessDeskError, Conflict, NotFound, Refused, UsageError
from desktop.models import (
    STATUSES,
    AccessGrant,
    AccessRequest,
    Application,
    Assignment,
    GroupMember,
    SelfServiceSettings,
    User,
)
from desktop.models.database import is_postgres, listing_rows

from . import grants, lookup, validators
from .core import (
    AuditEntry,
    audit,
    audit_many,
    ids_in,
    insert_rows,
    iso,
    notify,
    notify_many,
    now,
    publish,
    sort_order,
    stored_time,
    transaction,
)
from .policy import (
    Deciding,
    approver_apps_subquery,
    can_be_decided,
    deciding,
    eligible_approvers,
    has_access,
    is_offered,
    is_time_bound,
    may_cancel,
    may_see_request,
    no_approver_reason,
    open_request,
    reachable,
    reason_to_approve_problem,
    request_deadlines,
    to_approve_sql,
    unavailable_reason,
)
from .rights import fresh, require_admin, require_license
from .validators import MAX_INT64 as MAX_ID
from .views import View, decider_upns, request_view, request_view_of


def check_reason(reason: str | None) -> str | None:
    """A reason a requester reads (deny, close), checked: None when empty."""
    return validators.text(reason, "the reason", cap=validators.MAX_REASON, lines=True)


# --- what approval grants (rule 8) ---------------------------------------------------------


class _Rows:
    """What decisions add besides their own row updates, kept to be written together
    (``flush``): memberships, pending counts, audit events, notifications, e-mails and change
    notices, in the order a decision alone writes them. `members` and `direct`: the
    requesters' memberships and direct assignments read up front (``Decisions``), or None:
    ask the database each time (a decision made alone). A decision stages its rows in a
    child (`parent`) merged on success, so a refused one adds nothing."""

    def __init__(self, parent: _Rows | None = None,
                 members: set[tuple[int, int]] | None = None,
                 direct: dict[tuple[int, int], int] | None = None) -> None:
        self.parent = parent
        self.members, self.direct = members, direct
        # When a batch's decisions are made: one instant, as their one update writes it.
        self.at: dt.datetime | None = now() if members is not None else None
        if parent is not None:
            self.members = set() if parent.members is not None else None
            self.direct = {} if parent.direct is not None else None
            self.at = parent.at
        # (request id, status, decider id, reason, decided for): the requests' updates.
        self.finished: list[tuple[int, str, int | None, str | None, int | None]] = []
        self.member_rows: list[dict[str, Any]] = []
        # Direct assignments made (application id, user id): written together.
        self.assignment_rows: dict[tuple[int, int], dict[str, Any]] = {}
        self.decided: Counter[int] = Counter()  # application id -> requests no longer pending
        self.events: list[AuditEntry] = []
        self.notices: list[tuple[User, str, str, int | None, int | None]] = []
        self.mails: list[tuple[str, str, str, str]] = []
        self.topics: dict[str, list[int | None]] = {}

    def is_member(self, group_id: int, user_id: int) -> bool:
        if self.members is None:
            return bool(GroupMember.select().where(
                (GroupMember.group == group_id) & (GroupMember.user == user_id)).exists())
        return (group_id, user_id) in self.members or (
            self.parent is not None and self.parent.is_member(group_id, user_id))

    def direct_of(self, app_id: int, user_id: int) -> int | None:
        """The person's direct assignment to the application, if any."""
        if self.direct is None:
            found = Assignment.get_or_none((Assignment.application == app_id)
                                           & (Assignment.user == user_id))
            return found.id if found is not None else None
        known = self.direct.get((app_id, user_id))
        if known is None and self.parent is not None:
            return self.parent.direct_of(app_id, user_id)
        return known

    def staged_assignment(self, app_id: int, user_id: int) -> dict[str, Any] | None:
        found = self.assignment_rows.get((app_id, user_id))
        if found is None and self.parent is not None:
            return self.parent.staged_assignment(app_id, user_id)
        return found

    def publish(self, topic: str, entity_id: int | None) -> None:
        self.topics.setdefault(topic, []).append(entity_id)

    def merge(self) -> None:
        """A decision went through: its rows join the batch's."""
        parent = self.parent
        assert parent is not None
        if parent.members is not None and self.members is not None:
            parent.members |= self.members
        if parent.direct is not None and self.direct is not None:
            parent.direct.update(self.direct)
        parent.finished += self.finished
        parent.member_rows += self.member_rows
        parent.assignment_rows.update(self.assignment_rows)
        parent.decided.update(self.decided)
        parent.events += self.events
        parent.notices += self.notices
        parent.mails += self.mails
        for topic, entities in self.topics.items():
            parent.topics.setdefault(topic, []).extend(entities)

    def flush(self) -> None:
        """Write what was kept, a statement per kind (per hundred rows), and one change
        notice per topic (the notifications: one per recipient)."""
        from .mail import queue_many

        self._write_decisions()
        insert_rows(GroupMember, self.member_rows)
        insert_rows(Assignment, list(self.assignment_rows.values()))
        for app_id, count in self.decided.items():
            Application.update(pending_count=Application.pending_count - count).where(
                Application.id == app_id).execute()
        topics = dict(self.topics)
        if "access" in topics:
            _publish_once("access", topics.pop("access"))
        audit_many(self.events)
        notify_many(self.notices)
        queue_many(self.mails)
        for topic, entities in topics.items():
            _publish_once(topic, entities)
        self.finished, self.member_rows, self.assignment_rows = [], [], {}
        self.events, self.notices, self.mails = [], [], []
        self.decided, self.topics = Counter(), {}

    def _write_decisions(self) -> None:
        """The requests decided, one conditional update per kind of decision: exactly one
        decision wins (under the one writer's lock nobody else can decide meanwhile; if
        somebody did, the whole batch is refused, naming his decision)."""
        kinds: dict[tuple[str, int | None, str | None, int | None], list[int]] = {}
        for rid, status, decider, reason, decided_for in self.finished:
            kinds.setdefault((status, decider, reason, decided_for), []).append(rid)
        for (status, decider, reason, decided_for), ids in kinds.items():
            changes: dict[str, Any] = {"status": status, "decided_by": decider,
                                       "decided_at": self.at, "reason": reason}
            if decided_for is not None:
                changes["decided_for"] = decided_for
            for chunk in pw.chunked(ids, 500):
                won = (AccessRequest.update(**changes)
                       .where(ids_in(AccessRequest.id, chunk)
                              & (AccessRequest.status == "pending"))
                       .execute())
                if won != len(chunk):
                    raise _already_decided(next(
                        r for r in AccessRequest.select().where(AccessRequest.id.in_(chunk))
                        if r.decided_by_id != decider or r.decided_at != self.at))


def _publish_once(topic: str, entities: list[int | None]) -> None:
    """One change notice for a batch: naming the entity when there is only one."""
    distinct = set(entities)
    publish(topic, distinct.pop() if len(distinct) == 1 else None)


def grant_access(req: AccessRequest, settings: SelfServiceSettings, decider: User | None,
                 rows: _Rows | None = None) -> AccessGrant | None:
    """Add the requester to the group and, where set, assign the role directly; where the
    application's access is time-bound (rule 18), record the grant with what it added.
    `rows`: a batch of decisions keeps the membership to write it with the others."""
    user, app = req.requester, req.application
    added_membership, added_assignment = False, None
    alone = rows is None
    rows = _Rows() if rows is None else rows
    at = rows.at or now()  # a batch's: the one instant its decisions are made
    if settings.group_id is not None and not rows.is_member(settings.group_id, user.id):
        rows.member_rows.append({
            "group": settings.group_id, "user": user.id, "source": "self_service",
            "added_by": decider.id if decider is not None else None, "added_at": at})
        if rows.members is not None:
            rows.members.add((settings.group_id, user.id))
        added_membership = True
    if settings.role_id is not None:
        staged = rows.staged_assignment(app.id, user.id)
        direct = None if staged is not None else rows.direct_of(app.id, user.id)
        if staged is not None:  # made by this batch: not written yet
            rows.assignment_rows[(app.id, user.id)] = {**staged, "role": settings.role_id,
                                                       "via_request": req.id}
        elif direct is None:
            row = {"application": app.id, "user": user.id, "role": settings.role_id,
                   "via_request": req.id, "created_at": at}
            if rows.direct is not None and not is_time_bound(settings):
                rows.assignment_rows[(app.id, user.id)] = row  # no grant needs its id
            else:
                added_assignment = Assignment.create(**row).id
                if rows.direct is not None:
                    rows.direct[(app.id, user.id)] = added_assignment
        else:
            Assignment.update(role=settings.role_id, via_request=req.id).where(
                Assignment.id == direct
            ).execute()
    rows.publish("access", app.id)
    if alone:
        rows.flush()
    if not is_time_bound(settings):
        return None
    return grants.record(req, settings, at, added_membership, added_assignment)


def _grant(req: AccessRequest, settings: SelfServiceSettings, decider: User | None,
           rows: _Rows | None = None) -> tuple[dict[str, Any], AccessGrant | None]:
    """What approving does: access (rule 8), or a longer grant for an extension (rule 18).
    Returns the approval event's details about it, and the grant (time-bound access)."""
    if req.kind == "extension":
        grant = grants.extend_by_request(req, settings)
        return {"extends_grant": grant.id, "until": iso(grant.ends_at)}, grant
    made = grant_access(req, settings, decider, rows)
    details = {"group": settings.group.name if settings.group else None,
               "role": settings.role.value if settings.role else None}
    if made is not None:
        details["until"] = iso(made.ends_at)
    return details, made


def _finish(
    req: AccessRequest, status: str, decider: User | None, reason: str | None,
    decided_for: User | None = None, rows: _Rows | None = None,
) -> None:
    """Conditional update: exactly one decision wins, even if two raced past every check.
    `decided_for`: rule 19, the away approver a delegate decides for. `rows`: a batch keeps
    the update and the pending counts to write them with its others (``_Rows.flush``)."""
    if rows is not None and rows.at is not None:  # a batch: written together (``_Rows``)
        decided_at = rows.at
        rows.finished.append((req.id, status, decider.id if decider is not None else None,
                              reason, decided_for.id if decided_for is not None else None))
        rows.decided[req.application_id] += 1
    else:
        decided_at = now()
        changes: dict[str, Any] = {"status": status, "decided_by": decider,
                                   "decided_at": decided_at, "reason": reason}
        if decided_for is not None:
            changes["decided_for"] = decided_for.id
        won = (
            AccessRequest.update(**changes)
            .where((AccessRequest.id == req.id) & (AccessRequest.status == "pending"))
            .execute()
        )
        if not won:
            raise _already_decided(AccessRequest.get_by_id(req.id))
        Application.update(pending_count=Application.pending_count - 1).where(
            Application.id == req.application_id
        ).execute()
    req.status, req.decided_by, req.decided_at, req.reason = status, decider, decided_at, reason
    if decided_for is not None:
        req.decided_for = decided_for.id


def _already_decided(req: AccessRequest) -> Conflict:
    decider = User.get_or_none(User.id == req.decided_by_id) if req.decided_by_id else None
    who = decider.upn if decider else "Access Desk"
    return Conflict(f"request {req.id} was already {req.status} by {who} at {iso(req.decided_at)}")


# --- closing (rule 11) ---------------------------------------------------------------------


def close_requests(requests: Iterable[AccessRequest], reason: str, by: User | None) -> list[int]:
    """Close pending requests with a reason the requester sees; returns the ids closed."""
    closed = []
    for req in requests:
        if req.status != "pending":
            continue
        _finish(req, "closed", by, reason)
        audit(by, "request.close", f"request {req.id}", {"reason": reason},
              application_id=req.application_id)
        notify(req.requester, "decided",
               f"Your request for {req.application.name} was closed: {reason}",
               request_id=req.id, application_id=req.application_id)
        closed.append(req.id)
    if closed:
        publish("requests")
    return closed


def pending_for_app(app_id: int) -> list[AccessRequest]:
    return list(
        AccessRequest.select().where(
            (AccessRequest.application == app_id) & (AccessRequest.status == "pending")
        )
    )


def close_unapprovable(app_ids: Iterable[int], by: User | None) -> list[int]:
    """Close pending requests no eligible approver other than the requester could decide."""
    closed: list[int] = []
    for app_id in set(app_ids):
        settings = SelfServiceSettings.get_or_none(SelfServiceSettings.application == app_id)
        if settings is None or not settings.require_approval:
            continue
        stranded = [r for r in pending_for_app(app_id) if not can_be_decided(settings, r.requester)]
        closed += close_requests(
            stranded, "no eligible approver is left for this application; ask again later", by
        )
    return closed


def apps_approved_by(user: User) -> list[int]:
    return [r.application_id for r in approver_apps_subquery(user)]


# --- use cases -----------------------------------------------------------------------------


def create_request(actor: User, app_name: str, justification: str | None = None,
                   extend: bool = False) -> View:
    """`extend`: ask to extend one's time-bound access (rule 18; exempt from rule 9's
    "already has access"), decided as a request is."""
    justification = validators.text(justification, "the justification",
                                    cap=validators.MAX_JUSTIFICATION, lines=True)
    with transaction():
        actor = fresh(actor)
        require_license(actor, "request an application")
        app = lookup.application(app_name)
        settings = SelfServiceSettings.get_or_none(SelfServiceSettings.application == app)
        why = unavailable_reason(app)
        if why:
            raise Refused(*why)
        if not is_offered(app, settings):
            raise Refused("rule 1", f"{app.name} is not offered for self-service")
        assert settings is not None
        extends = grants.extension_target(actor, app, settings) if extend else None
        if extends is None and has_access(actor, app):
            raise Refused("rule 9", f"you already have access to {app.name}")
        already = open_request(actor, app)
        if already is not None:
            raise Conflict(
                f"you already have an open request for {app.name} (request {already.id}) "
                "(rule 9)"
            )
        no_approver = no_approver_reason(app, settings, actor)
        if no_approver:
            raise Refused("rule 4", no_approver)
        created = now()
        req = AccessRequest.create(
            application=app, requester=actor, justification=justification,
            status="pending", created_at=created, **request_deadlines(settings, created),
            kind="extension" if extends else "access",
            extends_grant=extends.id if extends else None,
        )
        Application.update(pending_count=Application.pending_count + 1).where(
            Application.id == app.id
        ).execute()
        audit(actor, "request.create", f"request {req.id}",
              {"app": app.name, "justification": justification,
               **({"kind": "extension", "extends_grant": extends.id} if extends else {})},
              application_id=app.id)
        if settings.require_approval:
            asks = (f"asks to extend his access to {app.name}" if extends
                    else f"requests {app.name}")
            # Rule 14; rule 19: not those away, their delegates instead.
            for approver in reachable(eligible_approvers(settings, excluding=actor), created,
                                      excluding=actor):
                notify(approver, "new_request",
                       f"{actor.display_name} {asks}",
                       request_id=req.id, application_id=app.id)
                if settings.email_approvers and approver.mail:
                    _queue_request_mail(approver, actor, app, req)
        else:
            _finish(req, "approved", None, "approval is not required")
            granted, made = _grant(req, settings, None)
            audit(None, "request.approve", f"request {req.id}",
                  {"automatic": True, **granted}, application_id=app.id)
            notify(actor, "decided",
                   f"Your access to {app.name} was extended until "
                   f"{grants.describe_end(made.ends_at)}" if extends and made
                   else f"{app.name} was added to your apps",
                   request_id=req.id, application_id=app.id)
        publish("requests", req.id)
        return request_view(req, None)


def _queue_request_mail(approver: User, requester: User, app: Application,
                        req: AccessRequest) -> None:
    from .mail import queue

    asks = ("asks to extend his access to" if req.kind == "extension"  # rule 18
            else "requests access to")
    body = (
        f"{requester.display_name} ({requester.upn}) {asks} {app.name}.\n\n"
        f"Business justification: {req.justification or '(none given)'}\n"
        f"Requested: {iso(req.created_at)}\n\n"
        f"Answer from the Approvals window of Access Desk, or from a terminal:\n"
        f"  access-desk --as {approver.upn} approve {req.id}\n"
        f"  access-desk --as {approver.upn} deny {req.id} --reason '...'\n"
    )
    assert approver.mail is not None  # the caller checked
    queue(approver.mail, f"Access request: {requester.display_name} requests {app.name}", body,
          f"<request-{req.id}-to-{approver.id}-{uuid.uuid4().hex[:12]}@access-desk>")


def _decision_mail(req: AccessRequest, settings: SelfServiceSettings, text: str
                   ) -> tuple[str, str, str, str] | None:
    """The requester hears of the decision by e-mail too, when the application mails: the
    message (to, subject, body, message id) to queue, or None."""
    requester = req.requester
    if not (settings.email_approvers and requester.mail):
        return None
    age = now() - req.created_at
    body = (f"{text}.\n\nYou asked on {iso(req.created_at)} "
            f"({age.days} days ago). Open My Apps in Access Desk to see it.\n")
    return (requester.mail, f"Your request for {req.application.name}: {req.status}", body,
            f"<decision-{req.id}-{uuid.uuid4().hex[:12]}@access-desk>")


def _request_key(request_id: int | str) -> int | None:
    try:
        key = int(request_id)
    except (TypeError, ValueError):
        return None
    return key if 0 < key <= MAX_ID else None


def _read_requests(keys: list[int]) -> dict[int, AccessRequest]:
    """The requests, each with what decisions read of its application (id, name) and its
    requester (id, UPN, name, mail), built straight from the driver's rows: peewee building
    them (a converter for every column, strptime for each time) cost ten times the query.
    The driver gives ids and texts as peewee would; only the times are converted."""
    requester = User.alias("requester")
    fields = AccessRequest._meta.sorted_fields
    query = (AccessRequest.select(*fields, Application.name, requester.upn,
                                  requester.display_name, requester.mail)
             .join(Application, on=(AccessRequest.application == Application.id))
             .switch(AccessRequest)
             .join(requester, on=(AccessRequest.requester == requester.id))
             .where(ids_in(AccessRequest.id, keys)))
    names = [f.name for f in fields]
    times = [(i, f.name) for i, f in enumerate(fields) if isinstance(f, pw.DateTimeField)]
    n = len(fields)
    found: dict[int, AccessRequest] = {}
    for row in AccessRequest._meta.database.execute(query).fetchall():
        data = dict(zip(names, row, strict=False))
        for i, name in times:
            if row[i] is not None:
                data[name] = stored_time(row[i])
        app = Application(__no_default__=True)
        app.__data__ = {"id": data["application"], "name": row[n]}
        person = User(__no_default__=True)
        person.__data__ = {"id": data["requester"], "upn": row[n + 1],
                           "display_name": row[n + 2], "mail": row[n + 3]}
        req = AccessRequest(__no_default__=True)
        req.__data__ = data
        req.__rel__ = {"application": app, "requester": person}
        found[data["id"]] = req
    return found


class _Redo(Exception):
    """A decision of a batch was refused after it had written (``Decisions.attempt``)."""


class Decisions:
    """Approving or denying requests inside the caller's transaction: one, or a batch.

    What the rules need is read up front in a few set-based queries: the requests with their
    applications and requesters, the applications' settings, how the approver may decide
    them (``policy.deciding``), the requesters' memberships and direct assignments. Each
    ``decide`` then makes the same checks and writes as any other decision; the rows that
    decisions add (audit events, notifications, e-mails, memberships, pending counts, change
    notices) are written together by ``flush``, in the order decisions made them. A decision
    that raises adds none of them; the caller rolls its own row updates back (a savepoint).
    """

    def __init__(self, actor: User, ids: Iterable[int | str], approve: bool,
                 reason: str | None) -> None:
        self.actor = fresh(actor)
        self.approve, self.reason = approve, reason
        keys = list(dict.fromkeys(k for k in map(_request_key, ids) if k is not None))
        self.requests = _read_requests(keys) if keys else {}
        app_ids = {r.application_id for r in self.requests.values()}
        self.settings = {s.application_id: s for s in SelfServiceSettings.select().where(
            SelfServiceSettings.application.in_(list(app_ids)))} if app_ids else {}
        self._attach_groups_and_roles()
        self.deciding = deciding(self.actor, app_ids)
        people = list({r.requester_id for r in self.requests.values()})
        groups = list({s.group_id for s in self.settings.values() if s.group_id is not None})
        members: set[tuple[int, int]] = set(
            GroupMember.select(GroupMember.group, GroupMember.user)
            .where(GroupMember.group.in_(groups) & ids_in(GroupMember.user, people))
            .tuples().iterator()) if groups and people else set()
        role_apps = [a for a, s in self.settings.items() if s.role_id is not None]
        direct: dict[tuple[int, int], int] = {}
        if role_apps and people:
            for rid, app_id, user_id in (
                    Assignment.select(Assignment.id, Assignment.application, Assignment.user)
                    .where(Assignment.application.in_(role_apps)
                           & ids_in(Assignment.user, people)).order_by(Assignment.id)
                    .tuples().iterator()):
                direct.setdefault((app_id, user_id), rid)
        self.rows = _Rows(members=members, direct=direct)

    def _attach_groups_and_roles(self) -> None:
        """Each setting's group and role, read in one query each (the approval event names
        them)."""
        from desktop.models import AppRole, Group

        group_ids = {s.group_id for s in self.settings.values() if s.group_id is not None}
        role_ids = {s.role_id for s in self.settings.values() if s.role_id is not None}
        groups = {g.id: g for g in Group.select(Group.id, Group.name).where(
            Group.id.in_(list(group_ids)))} if group_ids else {}
        roles = {r.id: r for r in AppRole.select(AppRole.id, AppRole.value).where(
            AppRole.id.in_(list(role_ids)))} if role_ids else {}
        for settings in self.settings.values():
            if settings.group_id in groups:
                settings.group = groups[settings.group_id]
            if settings.role_id in roles:
                settings.role = roles[settings.role_id]

    def decide(self, request_id: int | str) -> tuple[AccessRequest, User | None]:
        """One decision (rights table, rules 4, 7, 8, 10, 17-19): the request as decided and
        the away approver it was decided for (rule 19), or the refusal raised."""
        req, settings = self._check(request_id)
        rows = _Rows(parent=self.rows)
        away = self._apply(req, settings, rows)
        rows.merge()
        return req, away

    def attempt(self, request_id: int) -> AccessDeskError | None:
        """``decide`` for a batch decided under one savepoint (``decide_batch``): the checks'
        refusal is returned (they write nothing, so nothing needs rolling back); a refusal
        once it has written raises ``_Redo``. Its rows go straight to the batch's: after a
        ``_Redo`` the batch is decided again from the start."""
        try:
            req, settings = self._check(request_id)
        except AccessDeskError as exc:
            return exc
        try:
            self._apply(req, settings, self.rows)
        except AccessDeskError as exc:
            raise _Redo from exc
        return None

    def _check(self, request_id: int | str) -> tuple[AccessRequest, SelfServiceSettings]:
        """The rules a decision checks before it writes anything (it reads only)."""
        actor, approve, reason = self.actor, self.approve, self.reason
        key = _request_key(request_id)
        req = self.requests.get(key) if key is not None else None
        if req is None:
            lookup.request(request_id)  # says why: not a number, or no such request
            raise NotFound(f"no request {key}")
        if req.kind == "extension":  # rule 18 reads the whole application
            req.application = Application.get_by_id(req.application_id)
        settings = self.settings.get(req.application_id)
        if settings is None or not self.deciding.may(req):  # rule 17: escalated, too
            raise Refused(
                "rights table",
                f"only an approver of {req.application.name} may approve or deny its requests",
            )
        require_license(actor, "approve or deny requests")
        if req.requester_id == actor.id:
            raise Refused("rule 4", "nobody decides his own request")
        if req.status != "pending":
            raise _already_decided(req)
        if not approve and not reason:
            raise Refused("rule 10", "a reason is required to deny a request")
        no_reason = reason_to_approve_problem(settings, req.application, reason) if approve \
            else None
        if no_reason:
            raise Refused("rule 17", no_reason)
        return req, settings

    def _apply(self, req: AccessRequest, settings: SelfServiceSettings, rows: _Rows
               ) -> User | None:
        """What a decision writes (and the rows it keeps in `rows`); the away approver it was
        decided for."""
        actor, approve, reason = self.actor, self.approve, self.reason
        status = "approved" if approve else "denied"
        away = self.deciding.standing_in_for(req)  # rule 19: a delegate decides for him
        _finish(req, status, actor, reason, away, rows)
        app = req.application
        standing_in: dict[str, Any] = {}
        if away is not None:
            standing_in = {"delegate": actor.upn, "for": away.upn}
        granted: dict[str, Any] = {"group": None, "role": None}
        if approve:
            granted, grant = _grant(req, settings, actor, rows)
            message = f"{actor.display_name} approved your request for {app.name}"
            if req.kind == "extension" and grant is not None:
                message = (f"{actor.display_name} extended your access to {app.name} until "
                           f"{grants.describe_end(grant.ends_at)}")
        else:
            message = f"{actor.display_name} denied your request for {app.name}: {reason}"
        if away is not None:
            message = message.replace(actor.display_name,
                                      f"{actor.display_name} (for {away.display_name})", 1)
        rows.events.append((actor, f"request.{'approve' if approve else 'deny'}",
                            f"request {req.id}",
                            {"reason": reason, "requester": req.requester.upn, **granted,
                             **standing_in}, app.id))
        rows.notices.append((req.requester, "decided", message, req.id, app.id))
        mail = _decision_mail(req, settings, message)
        if mail is not None:
            rows.mails.append(mail)
        rows.publish("requests", req.id)
        return away

    def flush(self) -> None:
        self.rows.flush()


def decide_batch(actor: User, ids: list[int], approve: bool, reason: str | None
                 ) -> list[tuple[int, AccessDeskError | None]]:
    """Approve or deny these requests in one transaction, each as ``approve`` or ``deny``
    would (the same rows, audit events, notifications and e-mails): a refused one (decided
    already, not his to decide, a rule) leaves nothing behind and is returned with its
    refusal; the others go on. `reason` was checked (``check_reason``)."""
    with transaction():
        try:
            batch = Decisions(actor, ids, approve, reason)
        except AccessDeskError as exc:  # he was disabled meanwhile: none of them
            return [(rid, exc) for rid in ids]
        try:
            # One savepoint for the whole batch, not one per request (two statements each):
            # a refusal by the checks writes nothing (``Decisions.attempt``).
            with transaction():
                outcomes = [(rid, batch.attempt(rid)) for rid in ids]
        except _Redo:
            # Refused after writing (an extension whose grant ended meanwhile...): all of it
            # rolled back and decided again, a savepoint each, rolling back only that one.
            batch = Decisions(actor, ids, approve, reason)
            outcomes = []
            for rid in ids:
                try:
                    with transaction():  # a savepoint
                        batch.decide(rid)
                except AccessDeskError as exc:
                    outcomes.append((rid, exc))
                else:
                    outcomes.append((rid, None))
        batch.flush()
    return outcomes


def _decide(actor: User, request_id: int | str, approve: bool, reason: str | None) -> View:
    reason = check_reason(reason)
    with transaction():
        batch = Decisions(actor, [request_id], approve, reason)
        req, away = batch.decide(request_id)
        batch.flush()
        return request_view(req, batch.actor.upn, away.upn if away is not None else None)


def approve(actor: User, request_id: int | str, reason: str | None = None) -> View:
    return _decide(actor, request_id, True, reason)


def deny(actor: User, request_id: int | str, reason: str | None) -> View:
    return _decide(actor, request_id, False, reason)


def cancel(actor: User, request_id: int | str) -> View:
    with transaction():
        actor = fresh(actor)
        req = lookup.request(request_id)
        if not may_cancel(actor, req):
            raise Refused("rule 10", "only the requester may cancel his request")
        if req.status != "pending":
            raise _already_decided(req)
        _finish(req, "cancelled", actor, None)
        audit(actor, "request.cancel", f"request {req.id}", {},
              application_id=req.application_id)
        publish("requests", req.id)
        return request_view(req, actor.upn)


def close(actor: User, request_id: int | str, reason: str) -> View:
    """An administrator closes any pending request, with a reason the requester sees."""
    reason = check_reason(reason) or ""
    with transaction():
        actor = require_admin(actor, "close a request")
        req = lookup.request(request_id)
        if not reason:
            raise Refused("rule 11", "closing a request needs a reason the requester sees")
        if req.status != "pending":
            raise _already_decided(req)
        close_requests([req], reason, actor)
        return request_view(AccessRequest.get_by_id(req.id), actor.upn)


# --- reads ---------------------------------------------------------------------------------


def can_see(actor: User, req: AccessRequest) -> bool:
    """The rights table: ``policy.may_see_request``."""
    return may_see_request(actor, req)


def show(actor: User, request_id: int | str) -> View:
    actor = fresh(actor)
    req = lookup.request(request_id)
    if not can_see(actor, req):
        raise Refused("rights table", f"request {req.id} is neither yours nor yours to approve")
    return request_view(req)


def _requests(lead: str | None = None) -> pw.ModelSelect[Any]:
    """Requests with their application and requester (aliased "requester"). `lead`
    ("application" or "requester"): the request ids only, read from that table outwards (see
    sorted_page)."""
    requester = User.alias("requester")
    if lead is None:
        return (
            AccessRequest.select(AccessRequest, Application, requester)
            .join(Application, on=(AccessRequest.application == Application.id))
            .switch(AccessRequest)
            .join(requester, on=(AccessRequest.requester == requester.id))
        )
    on_app, on_requester = (AccessRequest.application == Application.id,
                            AccessRequest.requester == requester.id)
    if lead == "application":  # (peewee takes no ON with a cross join: the WHERE has it)
        return (Application.select(AccessRequest.id)
                .join(AccessRequest, pw.JOIN.CROSS)
                .join(requester, on=on_requester)
                .where(on_app))
    return (requester.select(AccessRequest.id)
            .join(AccessRequest, pw.JOIN.CROSS)
            .join(Application, on=on_app)
            .where(on_requester))


def _filters(status: str | None = None, app: str | None = None,
             since: dt.datetime | None = None, search: str | None = None) -> list[Any]:
    """request_query's filters as conditions on `_requests()`."""
    conditions = []
    if status:
        if status not in STATUSES:
            raise UsageError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
        conditions.append(AccessRequest.status == status)
    if app:
        conditions.append(AccessRequest.application == lookup.application(app))
    if since:
        conditions.append(AccessRequest.created_at >= since)
    if search:
        like = f"%{search.strip().lower()}%"
        requester = User.alias("requester")
        conditions.append(
            pw.fn.LOWER(Application.name).contains(search.strip().lower())
            | (pw.fn.LOWER(requester.display_name) ** like)
            | (pw.fn.LOWER(requester.upn) ** like)
        )
    return conditions


def request_query(
    actor: User,
    scope: str = "mine",
    *,
    status: str | None = None,
    app: str | None = None,
    since: dt.datetime | None = None,
    search: str | None = None,
    lead: str | None = None,
) -> pw.ModelSelect[Any]:
    """The requests this reader may see, filtered in SQL (the rights live here, not in widgets).
    A page in id order: ``request_page``; sorted by a joined column: ``sorted_page``."""
    actor = fresh(actor)
    query = _requests(lead)
    if scope == "mine":
        query = query.where(AccessRequest.requester == actor)
    elif scope == "to_approve":
        # The applications he may decide for are read first and named in the condition
        # (policy.to_approve_sql): the (application_id, status) index serves it.
        query = query.where(to_approve_sql(actor))
    elif scope == "all":
        require_admin(actor, "see everyone's requests")
    else:
        raise UsageError(f"unknown scope {scope!r}")
    conditions = _filters(status, app, since, search)
    return query.where(*conditions) if conditions else query


# Up to this many applications, the requests to approve are read one application at a time in
# id order and merged (see request_page); beyond, SQLite walks the request ids and PostgreSQL's
# planner chooses.
MERGED_AT_MOST = 200


def request_page(
    actor: User, scope: str = "mine", *, newest_first: bool = True, after: int | None = None,
    offset: int = 0, limit: int | None = None, **filters: Any,
) -> pw.ModelSelect[Any]:
    """A page of ``request_query`` in id order; `after`: the id of the last request of the
    previous page (keyset paging: the next page costs the same however deep it is).

    The requests an approver may decide: one arm per application, each read from the
    (application_id, id) index in id order, merged by a UNION ALL whose ORDER BY id takes
    them as they come (SQLite's MERGE (UNION ALL), PostgreSQL's Merge Append), so a page
    reads about its own rows whatever the directory's size (an IN list over the applications
    would gather every match and sort it for each page, or walk the primary key and skip
    everyone else's)."""
    order = AccessRequest.id.desc() if newest_first else AccessRequest.id
    bound = _after(after, newest_first)
    if scope == "to_approve":
        actor = fresh(actor)
        decides = deciding(actor, None)
        conditions = _filters(**filters) + bound
        apps = decides.applications()
        if len(apps) > MERGED_AT_MOST and not is_postgres():
            # Opaque to the planner: the request ids are walked in order and each row tested,
            # instead of every match gathered from the application index and sorted.
            # (PostgreSQL's planner weighs the IN list itself.)
            query = _requests().where(pw.fn.COALESCE(decides.sql(actor), False), *conditions)
        elif 1 < len(apps) <= MERGED_AT_MOST:
            ids = _merged_ids(actor, decides, conditions, bool(filters.get("search")),
                              newest_first, offset, limit)
            return _requests().where(AccessRequest.id.in_(ids)).order_by(order)
        else:
            query = _requests().where(decides.sql(actor), *conditions)
    else:
        query = request_query(actor, scope, **filters)
        if bound:
            query = query.where(*bound)
    query = query.order_by(order).offset(offset)
    return query.limit(limit) if limit is not None else query


def _after(after: int | None, newest_first: bool) -> list[Any]:
    """Keyset paging's condition: the requests after the one whose id is `after`."""
    if after is None:
        return []
    return [AccessRequest.id < after if newest_first else AccessRequest.id > after]


def _merged_listing(actor: User, *, newest_first: bool, after: int | None, offset: int,
                    limit: int | None, **filters: Any) -> list[View] | None:
    """A page of the requests an approver may decide as ``list_requests`` lists it, read
    from request_page's merge of his applications' arms itself (each arm selects what the
    listing shows): the page is not read from the table again by id, and the names are
    looked up by id, his applications' once and the page's requesters'. (Joined instead,
    around the merge or in its arms, PostgreSQL's planner read the whole user table for
    each page.) None: not a merge (one application, or more than MERGED_AT_MOST)."""
    actor = fresh(actor)
    decides = deciding(actor, None)
    apps = decides.applications()
    if not 1 < len(apps) <= MERGED_AT_MOST:
        return None
    sql, params = _merged_compound(
        actor, decides, _filters(**filters) + _after(after, newest_first),
        bool(filters.get("search")), newest_first, offset, limit, whole=True)
    rows = listing_rows(sql, params)  # (id, application, requester, *_LISTED_REQUEST)
    db = AccessRequest._meta.database
    app_names = dict(db.execute(Application.select(Application.id, Application.name).where(
        Application.id.in_(apps))).fetchall())
    # The page's requesters and deciders (and those decided for) in one lookup.
    people = decider_upns({row[2] for row in rows} | {row[6] for row in rows}
                          | {row[7] for row in rows})
    return _views([(row[0], app_names[row[1]], people[row[2]], *row[3:]) for row in rows],
                  people)


def _arm(actor: User, decides: Deciding, app_id: int, columns: tuple[Any, ...],
         conditions: list[Any], joined: bool) -> tuple[str, list[Any]]:
    """One application's arm of an approver's merged or ranked page: `columns` of his
    requests of `app_id` (``Deciding.sql`` of that application) under `conditions`; (SQL,
    parameters), the application's id the first parameter, so that the same SQL serves
    every application of the same kind with its own id. `joined`: the conditions name the
    application or the requester (a search)."""
    arm = _requests() if joined else AccessRequest.select()
    sql, params = arm.select(*columns).where(decides.sql(actor, app_id), *conditions).sql()
    assert params[0] == app_id  # the application comes first (Deciding.sql)
    return sql, params


def _merged_ids(actor: User, decides: Deciding, conditions: list[Any], joined: bool,
                newest_first: bool, offset: int, limit: int | None,
                by_decision: bool = False) -> pw.SQL:
    """request_page's sub-select: the page's request ids, one arm per application merged in
    id order (``_merged_compound``)."""
    sql, params = _merged_compound(actor, decides, conditions, joined, newest_first, offset,
                                   limit, by_decision)
    return pw.SQL(f"(SELECT id FROM ({sql}) AS merged)", params)


def _merged_compound(actor: User, decides: Deciding, conditions: list[Any], joined: bool,
                     newest_first: bool, offset: int, limit: int | None,
                     by_decision: bool = False, whole: bool = False) -> tuple[str, list[Any]]:
    """The page's requests, one arm per application (``Deciding.sql`` of that application),
    merged in id order: (SQL, parameters). The arms differ only in their application, so one
    arm of each kind is built and repeated with the others' ids (peewee building thirty arms
    for every page cost more than the page's SQL). `joined`: the conditions name the
    application or the requester (a search). `by_decision`: merged newest decision first
    instead (History's order), each arm read from the (application_id, decided_at) index.
    `whole`: the arms select what a listing shows of the request (its id, application,
    requester, then ``_LISTED_REQUEST``), not only what orders them: a listing reads its
    rows from the merge itself, not the table again by id."""
    arms: list[str] = []
    params: list[Any] = []
    if whole:  # the compound orders by position: the id first
        columns: tuple[pw.Field, ...] = (AccessRequest.id, AccessRequest.application,
                                         AccessRequest.requester, *_LISTED_REQUEST)
    else:
        columns = (AccessRequest.decided_at, AccessRequest.id) if by_decision else (
            AccessRequest.id,)
    if by_decision:
        order = " ORDER BY decided_at DESC, id DESC"
    else:
        order = " ORDER BY id DESC" if newest_first else " ORDER BY id"
    param = AccessRequest._meta.database.param
    # PostgreSQL (15) merges the arms in order (Merge Append) only when each arm is ordered
    # and limited itself: an arm with a WHERE is planned on its own, for all its rows (a
    # bitmap scan and a sort) unless its LIMIT asks for the first ones (an index scan,
    # backwards for newest first). The merge pulls from each arm only what the page takes.
    # SQLite merges the plain arms (MERGE (UNION ALL)) and allows no ORDER BY in them.
    arm_tail, arm_params = "", []
    if is_postgres() and limit is not None:
        arm_tail, arm_params = f"{order} LIMIT {param}", [limit + offset]
    for apps in (decides.every_request(), decides.escalated_only()):
        if not apps:
            continue
        sql, sql_params = _arm(actor, decides, apps[0], columns, conditions, joined)
        for app_id in apps:
            arms.append(f"({sql}{arm_tail})" if arm_tail else sql)
            params += [app_id, *sql_params[1:], *arm_params]
    # The compound's own ORDER BY names its columns by position (SQLite matches no name of
    # a column selected as "t1"."id"); the arms' (PostgreSQL) name the table's.
    tail = (" ORDER BY 1 DESC, 2 DESC" if by_decision
            else " ORDER BY 1 DESC" if newest_first else " ORDER BY 1")
    if limit is not None or offset:
        tail += f" LIMIT {param} OFFSET {param}"
        # No limit: SQLite's is -1, PostgreSQL's NULL.
        params += [limit if limit is not None else None if is_postgres() else -1, offset]
    # The compound ordered and limited itself (SQLite merges its arms only so: ordered by a
    # query around it, it reads every arm whole and sorts).
    return f"{' UNION ALL '.join(arms)}{tail}", params


def _ranked_ids(actor: User, decides: Deciding, conditions: list[Any], joined: bool,
                arms: list[tuple[int, int, str | None]], arm_order: str, page_order: str,
                offset: int, limit: int, columns: tuple[pw.Field, ...] = ()) -> list[int]:
    """An approver's page sorted by a key constant within each arm: the application's name
    (an arm per application) or the status (an arm per application and status); `arms`:
    (rank, application id, status or None), ranks in the key's order. The ranks are read in
    order until the page is full, each rank's arms in one compound select sorted by
    `page_order` (positions: `columns`, then the id), each arm reading its rows in
    `arm_order` (SQL on "t1", the request) from its own index and stopping at the page's end
    (a rank selected as a constant would make SQLite sort every arm's rows). A first page
    reads about a page per arm of the first rank or two; a deep one, more of each."""
    kinds = {app: "every" for app in decides.every_request()}
    kinds.update({app: "escalated" for app in decides.escalated_only()})
    templates: dict[tuple[str, bool], tuple[str, list[Any]]] = {}
    param = AccessRequest._meta.database.param
    by_rank: dict[int, list[tuple[int, str | None]]] = {}
    for rank, app_id, status in arms:
        by_rank.setdefault(rank, []).append((app_id, status))
    ids: list[int] = []
    skip = offset  # rows of the ranks before still to pass over
    for rank in sorted(by_rank):
        sql_arms: list[str] = []
        params: list[Any] = []
        for app_id, status in by_rank[rank]:
            template = (kinds[app_id], status is not None)
            if template not in templates:
                extra = [AccessRequest.status == status] if status is not None else []
                templates[template] = _arm(actor, decides, app_id,
                                           (*columns, AccessRequest.id),
                                           [*conditions, *extra], joined)
            sql, sql_params = templates[template]
            arm_params = [app_id, *sql_params[1:]]
            if status is not None:  # the status comes last
                arm_params[-1] = status
            sql_arms.append(f"SELECT * FROM ({sql} ORDER BY {arm_order} LIMIT {param}) "
                            f"AS arm{len(sql_arms)}")  # PostgreSQL names every sub-select
            params += [*arm_params, skip + limit - len(ids)]
        query = (f"SELECT * FROM ({' UNION ALL '.join(sql_arms)}) AS ranked "
                 f"ORDER BY {page_order} LIMIT {param}")
        found = [row[-1] for row in AccessRequest._meta.database.execute_sql(
            query, [*params, skip + limit - len(ids)]).fetchall()]
        ids += found[skip:]
        skip = max(0, skip - len(found))
        if len(ids) >= limit:
            break
    return ids[:limit]


# SQLite's most arms in one compound select (SQLITE_MAX_COMPOUND_SELECT).
MOST_ARMS = 500


def _approver_sorted_ids(actor: User, sort: str, offset: int, limit: int | None,
                         where: tuple[Any, ...], among: tuple[str, ...],
                         filters: dict[str, Any]) -> list[int] | None:
    """The ids of a page of an approver's requests sorted by `sort` ('-': descending), read
    one application (and status, of those `among`) at a time (``_ranked_ids``) where no
    index holds the order of his requests among everyone's; None: his requests are better
    narrowed and sorted."""
    key, descending = sort.lstrip("-"), sort.startswith("-")
    if limit is None or key not in ("app", "status", "decided_at") or (
            key == "decided_at" and (descending  # newest decision first: by_decision
                                     or filters.get("status") == "pending")):
        return None
    decides = deciding(actor, None)
    apps = decides.applications()
    conditions = _filters(**filters) + list(where)
    joined = bool(filters.get("search"))
    if key == "decided_at":
        # Oldest decision first: each arm from (application, decided_at), History's from the
        # decided ones' own index (schema version 11; its condition is History's).
        arms: list[tuple[int, int, str | None]] = [(0, app, None) for app in apps]
        return _ranked_ids(actor, decides, conditions, joined, arms, '"t1"."decided_at", '
                           '"t1"."id" DESC', "1, 2 DESC", offset, limit,
                           columns=(AccessRequest.decided_at,))
    if key == "app":
        # Ranked in the database's order of the names (its collation, as every other list's).
        name = pw.fn.LOWER(Application.name)
        rows: Any = Application.select(Application.id, name).where(
            Application.id.in_(apps)).order_by(name.desc() if descending else name).tuples()
        ranks: dict[str, int] = {}
        arms = [(ranks.setdefault(lowered, len(ranks)), app, None) for app, lowered in rows]
    else:
        statuses = [filters["status"]] if filters.get("status") else sorted(
            among, reverse=descending)
        arms = [(rank, app, status) for rank, status in enumerate(statuses) for app in apps]
    if not 0 < len(arms) <= MOST_ARMS:
        return None
    return _ranked_ids(actor, decides, conditions, joined, sorted(arms),
                       '"t1"."id" DESC', "1 DESC", offset, limit)


def _requester_lead_pays(actor: User, offset: int, limit: int | None) -> bool:
    """Whether an approver's page sorted by requester is read walking everyone in name order
    (each person's requests from his index) rather than his requests gathered and sorted:
    when the people walked to fill the page are fewer than his requests. His pending count
    stands for his list's size (his History is larger: then the walk pays off even more)."""
    if limit is None:
        return False
    apps = deciding(actor, None).applications()
    if not apps:
        return False
    his = int(Application.select(pw.fn.SUM(Application.pending_count))
              .where(Application.id.in_(apps)).scalar() or 0)
    people = int(User.select(pw.fn.MAX(User.id)).scalar() or 0)
    return his > 0 and (offset + limit) * people < his * his


REQUEST_SORTS: dict[str, Any] = {
    "id": AccessRequest.id,
    "app": pw.fn.LOWER(Application.name),
    "requester": pw.Entity("requester", "upn"),  # request_query's alias of User
    "status": AccessRequest.status,
    "created_at": AccessRequest.created_at,
    "decided_at": AccessRequest.decided_at,
}


def sorted_page(actor: User, scope: str, order: list[Any], *, lead: str | None,
                offset: int = 0, limit: int | None = None, where: tuple[Any, ...] = (),
                by_decision: bool = False, sort: str | None = None,
                statuses: tuple[str, ...] = STATUSES, **filters: Any) -> pw.ModelSelect[Any]:
    """A page of ``request_query`` in `order`. Sorted by the application's name or by the
    requester (`lead`: "application" or "requester") on SQLite, the page's ids are read from
    that table's sort index outwards, each application's or person's requests from their own
    index (CROSS JOIN is how SQLite is told the loops' order; left to itself it sorts every
    request: seconds at a million), so a first page reads about its own rows. PostgreSQL's
    planner chooses its own order. For everyone's requests (an administrator's list), and
    for an approver's by requester when walking everyone pays (``_requester_lead_pays``);
    a requester's few are better narrowed first and sorted. `where`: conditions besides
    request_query's filters.

    An approver's requests (both backends): `by_decision`, `order` is newest decision first
    (History): his applications' requests are merged in that order, one arm each
    (``_merged_ids``), so a page reads about its own rows instead of sorting his hundred
    thousand decided ones. `sort` (the list's sort key, '-' descending) by application,
    status or oldest decision: ranked arms (``_approver_sorted_ids``); `statuses`: those
    the `where` leaves (History's: the decided ones)."""
    if scope == "to_approve" and (by_decision or sort):
        # Each arm below reads only his applications' requests, filtered: the page's rows
        # are then read by id, as request_page reads its merged page (his rights are not
        # worked out again for the rows).
        actor = fresh(actor)
        if by_decision:
            decides = deciding(actor, None)
            if 1 < len(decides.applications()) <= MERGED_AT_MOST:
                merged = _merged_ids(actor, decides, _filters(**filters) + list(where),
                                     bool(filters.get("search")), True, offset, limit,
                                     by_decision=True)
                return _requests().where(AccessRequest.id.in_(merged)).order_by(*order)
        ranked = _approver_sorted_ids(actor, sort, offset, limit, where, statuses,
                                      filters) if sort else None
        if ranked is not None:
            return _requests().where(ids_in(AccessRequest.id, ranked)).order_by(*order)
        if (sort and lead == "requester" and not is_postgres()
                and not _requester_lead_pays(actor, offset, limit)):
            lead = None
    if lead is not None and scope in ("all", "to_approve") and not is_postgres():
        ids = request_query(actor, scope, lead=lead, **filters)
        ids = ((ids.where(*where) if where else ids)
               .order_by(*order).offset(offset).limit(-1 if limit is None else limit))
        return request_query(actor, scope, **filters).where(
            AccessRequest.id.in_(ids)).order_by(*order)
    query = request_query(actor, scope, **filters)
    query = (query.where(*where) if where else query).order_by(*order).offset(offset)
    return query.limit(limit) if limit is not None else query


# The sort keys whose column comes from a joined table: the table a sorted page leads with.
SORT_LEADS = {"app": "application", "requester": "requester",
              "requester_name": "requester"}


def list_requests(
    actor: User, scope: str = "mine", *, limit: int | None = None, offset: int = 0,
    newest_first: bool = True, sort: str | None = None, after: int | None = None,
    **filters: Any,
) -> list[View]:
    """`after`: the id of the last request of the previous page, in the default order
    (keyset paging: the next page costs the same however deep it is)."""
    if sort is None:
        if scope == "to_approve":
            merged = _merged_listing(actor, newest_first=newest_first, after=after,
                                     offset=offset, limit=limit, **filters)
            if merged is not None:
                return merged
        return _listed(request_page(
            actor, scope, newest_first=newest_first, after=after, offset=offset, limit=limit,
            **filters))
    if after is not None:
        raise UsageError("after pages the default order; leave out sort")
    default = AccessRequest.id.desc() if newest_first else AccessRequest.id
    order = sort_order(sort, REQUEST_SORTS, [default], AccessRequest.id)
    return _listed(sorted_page(
        actor, scope, order, lead=SORT_LEADS.get(sort.lstrip("-")), offset=offset,
        limit=limit, **filters))


def count_requests(actor: User, scope: str = "mine", *, at_most: int | None = None,
                   **filters: Any) -> int:
    """How many requests `list_requests` lists with these filters; at most `at_most` are
    counted (a bounded cost: a listing says "more than N")."""
    query = request_query(actor, scope, **filters).select(AccessRequest.id)
    return int((query.limit(at_most) if at_most else query).count())


# What a listed request shows of its own row, after its id, application name and
# requester (``views.request_view_of``'s arguments in order).
_LISTED_REQUEST = (AccessRequest.status, AccessRequest.justification, AccessRequest.created_at,
                   AccessRequest.decided_by, AccessRequest.decided_for,
                   AccessRequest.decided_at, AccessRequest.reason, AccessRequest.kind)


def _listed(query: pw.ModelSelect[Any]) -> list[View]:
    """The views of a page of requests, built from the rows as the driver gives them (ids,
    texts, times as text: ``database.listing_rows``): peewee's converters and a model object
    per row were most of a long listing's time."""
    r = AccessRequest
    query = query.select(r.id, Application.name, pw.Entity("requester", "upn"),
                         *_LISTED_REQUEST)
    return _views(listing_rows(*query.sql()))


def _views(rows: list[tuple[Any, ...]], deciders: dict[int | None, str] | None = None
           ) -> list[View]:
    """Rows of (id, application name, requester UPN, *_LISTED_REQUEST) as views, the
    deciders' UPNs read once for the page (`deciders`: already read)."""
    if deciders is None:
        deciders = decider_upns({row[6] for row in rows} | {row[7] for row in rows})
    return [request_view_of(i, app, upn, status, justification, created,
                            deciders.get(by), deciders.get(for_) if for_ else None,
                            decided, reason, kind)
            for (i, app, upn, status, justification, created, by, for_, decided, reason,
                 kind) in rows]
