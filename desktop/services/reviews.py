"""Rule 20: access reviews: who still needs the application's self-service access.

An administrator starts a review of an application: its reviewers (the application's
approvers, or named people), when it ends, what happens to the people nobody reviewed, and
whether it recurs. It holds one item per person who had self-service access when it started;
a reviewer decides Keep or Remove for each (never for himself; a reason to remove), and may
change his mind until the end. At the end (a sweep step) each item is settled in its own
transaction: removals as rule 13 removes access (membership and direct role), audited with the
actor "system", the person told. A recurring review then starts its next one, exactly once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

import peewee as pw

from desktop.errors import Conflict, NotFound, Refused, UsageError
from desktop.models import (
    AccessReview,
    Application,
    Assignment,
    ReviewItem,
    ReviewReviewer,
    SelfServiceSettings,
    User,
)

from . import grants, lookup
from .core import audit, iso, notify, now, publish, time_zone, transaction
from .notice_kinds import REVIEW_TASK
from .policy import (
    MAX_REVIEWERS,
    end_of_date,
    is_admin,
    is_reviewer,
    next_review_end,
    review_decision_problem,
    review_holders_sql,
    review_open,
    review_outcome,
    review_over,
    review_setup_problem,
    reviewer_problem,
    reviewers_of,
    reviews_of_sql,
)
from .rights import fresh, require_admin
from .views import View

RULE = "rule 20"
REMOVED_TEXT = "Your access to {app} was removed after an access review"


def _settings(app: Application | int) -> SelfServiceSettings | None:
    return SelfServiceSettings.get_or_none(SelfServiceSettings.application == app)


def _review(review_id: int | str) -> AccessReview:
    try:
        number = int(str(review_id).strip())
    except ValueError:
        raise UsageError(f"{review_id!r} is not a review number") from None
    review = AccessReview.get_or_none(AccessReview.id == number)
    if review is None:
        raise NotFound(f"there is no access review {number}")
    return review  # type: ignore[no-any-return]


def _ends_at(days: int | None, until: str | dt.date | None, at: dt.datetime) -> dt.datetime:
    if (days is None) == (until is None):
        raise UsageError("give either days (1-365) or a date the review ends")
    if days is not None:
        if days < 1:
            raise UsageError(f"a review lasts 1 to 365 days, not {days}")
        return at + dt.timedelta(days=days)
    return end_of_date(grants.parse_until(until or ""), time_zone())


# --- views ---------------------------------------------------------------------------------


def _counts(review: AccessReview) -> dict[str, int]:
    rows = (ReviewItem.select(ReviewItem.decision, pw.fn.COUNT(ReviewItem.id).alias("n"))
            .where(ReviewItem.review == review).group_by(ReviewItem.decision).tuples())
    by: dict[str | None, int] = {d: n for d, n in rows}  # type: ignore[attr-defined]
    return {"members": sum(by.values()), "keep": by.get("keep", 0),
            "remove": by.get("remove", 0), "undecided": by.get(None, 0)}


def review_view(review: AccessReview, actor: User | None = None) -> View:
    app = Application.get_by_id(review.application_id)
    started_by = User.get_or_none(User.id == review.started_by_id)
    view: View = {
        "id": review.id, "app": app.name, "status": review.status,
        "started_by": started_by.upn if started_by else None,
        "started_at": iso(review.started_at), "ends_at": iso(review.ends_at),
        "reviewers": review.reviewers,
        "reviewer_upns": [u.upn for u in reviewers_of(review)],
        "unreviewed": review.unreviewed, "recurrence": review.recurrence,
        "completed_at": iso(review.completed_at), "next_review": review.next_review,
        **_counts(review),
    }
    if actor is not None:
        view["to_decide"] = (ReviewItem.select().where(
            (ReviewItem.review == review) & ReviewItem.decision.is_null()
            & (ReviewItem.user != actor)).count())
    return view


def _item_view(item: ReviewItem) -> View:
    by = User.get_or_none(User.id == item.decided_by_id) if item.decided_by_id else None
    return {"review": item.review_id, "user": item.user.upn, "name": item.user.display_name,
            "department": item.user.department, "decision": item.decision,
            "reason": item.reason, "decided_by": by.upn if by else None,
            "decided_at": iso(item.decided_at), "outcome": item.outcome,
            "applied_at": iso(item.applied_at)}


def _may_see(actor: User, review: AccessReview) -> None:
    if not (is_admin(actor) or is_reviewer(actor, review)):
        raise Refused("rights table", f"only an administrator or a reviewer of review "
                      f"{review.id} may see it")


# --- administrators: start, cancel ----------------------------------------------------------


def start_review(actor: User, app_name: str, days: int | None = None,
                 until: str | dt.date | None = None,
                 reviewers: Iterable[str] | str | None = None,
                 unreviewed: str = "keep", recurrence: str | None = None) -> View:
    """Start a review of the application's self-service access (rights table: an
    administrator): one item per person who holds it now; the reviewers are told."""
    at = now()
    ends_at = _ends_at(days, until, at)
    recurrence = recurrence or None
    with transaction():
        actor = require_admin(actor, "start an access review")
        app = lookup.application(app_name)
        why = review_setup_problem(ends_at, at, unreviewed, recurrence)
        if why:
            raise Refused(RULE, why)
        named = _named(reviewers)
        review = _create(app, actor, at, ends_at, named, unreviewed, recurrence)
        view = review_view(review)
        audit(actor, "review.start", f"review {review.id}",
              {"app": app.name, "ends_at": iso(ends_at), "reviewers": view["reviewer_upns"],
               "unreviewed": unreviewed, "recurrence": recurrence,
               "members": view["members"]}, application_id=app.id)
        return view


def _named(reviewers: Iterable[str] | str | None) -> list[User] | None:
    """None for the application's approvers, else the named people (checked)."""
    if reviewers is None:
        return None
    if isinstance(reviewers, str):
        if reviewers.strip().lower() == "approvers":
            return None
        reviewers = [r for r in reviewers.split(",")]
    upns = list(dict.fromkeys(r.strip() for r in reviewers if r and r.strip()))
    if not upns:
        raise UsageError("name at least one reviewer, or choose the application's approvers")
    if len(upns) > MAX_REVIEWERS:
        raise Refused(RULE, f"a review has at most {MAX_REVIEWERS} named reviewers, "
                      f"not {len(upns)}")
    people = [lookup.user(upn) for upn in upns]
    for person in people:
        why = reviewer_problem(person)
        if why:
            raise Refused(RULE, why)
    return people


def reviewer_choices(actor: User, search: str | None = None, *, limit: int | None = None,
                     offset: int = 0, sort: str | None = None) -> list[View]:
    """People for the Start review dialog's "Select reviewers", each saying why he cannot
    review (rule 20: a named reviewer is an enabled individual), or None."""
    from .directory import user_page
    from .views import user_views

    require_admin(actor, "choose reviewers")
    users = list(user_page(actor, search, limit=limit, offset=offset, sort=sort))
    return [dict(view, unavailable_reason=reviewer_problem(u))
            for u, view in zip(users, user_views(users), strict=True)]


def check_reviewers(actor: User, upns: list[str]) -> None:
    """Check a proposed list of named reviewers before the review starts, as starting it
    checks them (rule 20: enabled individuals, at most 10)."""
    require_admin(actor, "choose reviewers")
    _named(list(upns))


def _create(app: Application, actor: User | None, at: dt.datetime, ends_at: dt.datetime,
            named: list[User] | None, unreviewed: str, recurrence: str | None
            ) -> AccessReview:
    if AccessReview.select().where((AccessReview.application == app)
                                   & (AccessReview.status == "active")).exists():
        raise Conflict(f"{app.name} is under review already; cancel that review first")
    settings = _settings(app)
    if settings is None or (settings.group_id is None and not Assignment.select().where(
            (Assignment.application == app) & Assignment.via_request.is_null(False)).exists()):
        raise Refused(RULE, f"{app.name} has no self-service access to review")
    review = AccessReview.create(
        application=app, started_by=actor, started_at=at, ends_at=ends_at,
        reviewers="approvers" if named is None else "named", unreviewed=unreviewed,
        recurrence=recurrence)
    for person in named or []:
        ReviewReviewer.create(review=review, user=person)
    people = reviewers_of(review)
    if not people:
        raise Refused(RULE, f"{app.name} has no enabled approver to review it; name the "
                      "reviewers")
    holders = [u.id for u in User.select(User.id).where(review_holders_sql(app, settings))
               .order_by(User.upn)]
    if holders:
        ReviewItem.insert_many([{"review": review.id, "user": uid} for uid in holders]
                               ).execute()
    _tell_reviewers(review, app, settings, people, len(holders))
    publish("access", app.id)
    return review


def _tell_reviewers(review: AccessReview, app: Application, settings: SelfServiceSettings,
                    people: list[User], members: int) -> None:
    from .mail import queue

    text = (f"Review who keeps access to {app.name}: {members} "
            f"{'person' if members == 1 else 'people'}, by {grants.describe_end(review.ends_at)} "
            f"(review {review.id})")
    for person in people:
        notify(person, REVIEW_TASK, text, application_id=app.id)
        if settings.email_approvers and person.mail:
            queue(person.mail, f"Access review: {app.name}",
                  f"{text}.\n\nDecide Keep or Remove for each person in the Reviews tab of "
                  f"the Approvals window of Access Desk, or from a terminal:\n"
                  f"  access-desk --as {person.upn} review show {review.id}\n"
                  f"  access-desk --as {person.upn} review decide {review.id} UPN --keep\n",
                  f"<review-{review.id}-to-{person.id}-{uuid.uuid4().hex[:12]}@access-desk>")


def cancel_review(actor: User, review_id: int | str) -> View:
    """An administrator cancels an active review: nothing is applied, it does not recur."""
    with transaction():
        actor = require_admin(actor, "cancel an access review")
        review = _review(review_id)
        won = AccessReview.update(status="cancelled", completed_at=now()).where(
            (AccessReview.id == review.id) & (AccessReview.status == "active")).execute()
        if not won:
            raise Conflict(f"review {review.id} is {review.status} already")
        review = _review(review.id)
        app = Application.get_by_id(review.application_id)
        audit(actor, "review.cancel", f"review {review.id}", {"app": app.name},
              application_id=app.id)
        publish("access", app.id)
        return review_view(review)


# --- reviewers: decide ------------------------------------------------------------------------


def decide(actor: User, review_id: int | str, upns: Iterable[str] | str, decision: str,
           reason: str | None = None) -> View:
    """Keep or Remove one or several people (one transaction: all or none). Reviewers only,
    never about himself, a reason to remove; changeable until the end."""
    if isinstance(upns, str):
        upns = [upns]
    wanted = list(dict.fromkeys(u.strip() for u in upns if u and u.strip()))
    if not wanted:
        raise UsageError("name at least one person to decide")
    decision = (decision or "").strip().lower()
    reason = (reason or "").strip() or None
    with transaction():
        actor = fresh(actor)
        review = _review(review_id)
        if not is_reviewer(actor, review):
            raise Refused("rights table", f"{actor.upn} is not a reviewer of review "
                          f"{review.id}")
        at = now()
        if not review_open(review, at):
            raise Refused(RULE, f"review {review.id} is {review.status}"
                          + (" (it has ended)" if review.status == "active" else "")
                          + "; decisions can no longer change")
        items = []
        for upn in wanted:
            user = lookup.user(upn)
            item = ReviewItem.get_or_none((ReviewItem.review == review)
                                          & (ReviewItem.user == user))
            if item is None:
                raise NotFound(f"{user.upn} is not under review in review {review.id}")
            why = review_decision_problem(actor, item, decision, reason)
            if why:
                raise Refused(RULE, why)
            items.append(item)
        app = Application.get_by_id(review.application_id)
        for item in items:
            ReviewItem.update(decision=decision, reason=reason, decided_by=actor,
                              decided_at=at).where(ReviewItem.id == item.id).execute()
            audit(actor, "review.decide", f"review {review.id}",
                  {"app": app.name, "user": item.user.upn, "decision": decision,
                   "reason": reason, "was": item.decision}, application_id=app.id)
        publish("access", app.id)
        return {"review": review.id, "decision": decision, "users": [i.user.upn for i in items],
                **_counts(review)}


# --- reads ------------------------------------------------------------------------------------


def list_reviews(actor: User, app: str | None = None, status: str | None = None,
                 mine: bool = False, limit: int | None = None, offset: int = 0) -> list[View]:
    """Reviews, newest first: an administrator sees every one; anyone else (or `mine`) those
    he reviews."""
    actor = fresh(actor)
    query = AccessReview.select()
    if mine or not is_admin(actor):
        query = query.where(reviews_of_sql(actor))
    if app:
        query = query.where(AccessReview.application == lookup.application(app))
    if status:
        query = query.where(AccessReview.status == status)
    query = query.order_by(AccessReview.started_at.desc(), AccessReview.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [review_view(r, actor) for r in query]


def my_reviews(actor: User) -> list[View]:
    """The active reviews this person reviews (the Approvals window's Reviews tab)."""
    return list_reviews(actor, status="active", mine=True)


def task_count(actor: User) -> int:
    """How many people wait for this reviewer's decision in his active reviews (the tray)."""
    actor = fresh(actor)
    active = AccessReview.select(AccessReview.id).where(
        (AccessReview.status == "active") & reviews_of_sql(actor))
    return int(ReviewItem.select().where(
        ReviewItem.review.in_(active) & ReviewItem.decision.is_null()
        & (ReviewItem.user != actor)).count())


def show_review(actor: User, review_id: int | str) -> View:
    actor = fresh(actor)
    review = _review(review_id)
    _may_see(actor, review)
    return {**review_view(review, actor), "items": items(actor, review.id)}


ITEM_SORTS: dict[str, Any] = {"user": User.upn, "name": User.display_name,
                              "decision": ReviewItem.decision}


def items(actor: User, review_id: int | str, search: str | None = None,
          decision: str | None = None, limit: int | None = None, offset: int = 0,
          sort: str | None = None) -> list[View]:
    """The people under review, by name (search: UPN or name prefix; decision: keep, remove
    or "undecided")."""
    from .core import sort_order

    actor = fresh(actor)
    review = _review(review_id)
    _may_see(actor, review)
    query = (ReviewItem.select(ReviewItem, User).join(User, on=(ReviewItem.user == User.id))
             .where(ReviewItem.review == review))
    if search and search.strip():
        text = search.strip().lower()
        query = query.where(pw.fn.LOWER(User.upn).startswith(text)
                            | pw.fn.LOWER(User.display_name).startswith(text))
    if decision == "undecided":
        query = query.where(ReviewItem.decision.is_null())
    elif decision:
        query = query.where(ReviewItem.decision == decision)
    order = sort_order(sort, ITEM_SORTS, [pw.fn.LOWER(User.display_name)], ReviewItem.id)
    query = query.order_by(*order).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_item_view(i) for i in query]


EXPORT_FIELDS = ("review", "app", "user", "name", "decision", "reason", "decided_by",
                 "decided_at", "outcome", "applied_at")


def export_rows(actor: User, review_id: int | str) -> list[View]:
    """A review's results, one row a person (administrators: the rights table's export)."""
    with transaction():
        actor = require_admin(actor, "export an access review")
        review = _review(review_id)
        app = Application.get_by_id(review.application_id)
        rows = [{k: ({**row, "app": app.name})[k] for k in EXPORT_FIELDS}
                for row in items(actor, review.id)]
        audit(actor, "export.review", f"review {review.id}", {"app": app.name,
              "rows": len(rows)}, application_id=app.id)
        return rows


def completed_rows(app: Application, start: dt.datetime, end: dt.datetime) -> list[View]:
    """The evidence bundle's reviews.csv: the application's reviews completed in the period,
    every person's decision and outcome."""
    rows: list[View] = []
    for review in (AccessReview.select().where(
            (AccessReview.application == app) & (AccessReview.status == "completed")
            & (AccessReview.completed_at >= start) & (AccessReview.completed_at < end))
            .order_by(AccessReview.id)):
        for item in (ReviewItem.select(ReviewItem, User).join(User, on=(ReviewItem.user == User.id))
                     .where(ReviewItem.review == review).order_by(User.upn)):
            row = {**_item_view(item), "app": app.name}
            rows.append({k: row[k] for k in EXPORT_FIELDS})
    return rows


# --- the end (a sweep step, rule 21) ----------------------------------------------------------


def sweep(at: dt.datetime) -> dict[str, Any]:
    """Reviews ended at `at`: each person settled in his own transaction (a conditional
    update on the item, so a second sweep skips him), then the review completed, and its next
    one started when it recurs, in one transaction that only one sweep wins."""
    due = [r.id for r in AccessReview.select(AccessReview.id).where(
        (AccessReview.status == "active") & (AccessReview.ends_at <= at))
        .order_by(AccessReview.ends_at, AccessReview.id)]
    removed = completed = started = 0
    for review_id in due:
        item_ids = [i.id for i in ReviewItem.select(ReviewItem.id).where(
            (ReviewItem.review == review_id) & ReviewItem.applied_at.is_null())
            .order_by(ReviewItem.id)]
        for item_id in item_ids:
            removed += _settle(item_id, at)
        done, again = _complete(review_id, at)
        completed += done
        started += again
    return {"review_removals": removed, "reviews_completed": completed,
            "reviews_started": started}


def _settle(item_id: int, at: dt.datetime) -> bool:
    """One person at the end of his review: kept, or his access removed as rule 13 removes
    it. True when access was removed."""
    with transaction():
        item = ReviewItem.get_or_none(ReviewItem.id == item_id)
        if item is None or item.applied_at is not None:
            return False
        review = AccessReview.get_by_id(item.review_id)
        if not review_over(review, at):
            return False
        outcome, remove = review_outcome(item.decision, review.unreviewed)
        app = Application.get_by_id(review.application_id)
        user = User.get_by_id(item.user_id)
        if remove and not _remove(app, user, review, item):
            outcome = "no access left to remove"
        won = ReviewItem.update(outcome=outcome, applied_at=at).where(
            (ReviewItem.id == item.id) & ReviewItem.applied_at.is_null()).execute()
        if not won:  # pragma: no cover - read and update are one transaction
            raise Conflict("this review item was settled at the same time")
        return remove and outcome != "no access left to remove"


def _remove(app: Application, user: User, review: AccessReview, item: ReviewItem) -> bool:
    from .access import take_away

    why = item.reason if item.decision == "remove" else "nobody reviewed it"
    text = REMOVED_TEXT.format(app=app.name) + (f": {why}" if why else "")
    if not take_away(app, user, None, text, review=review.id, why=why):
        return False
    settings = _settings(app)
    if settings is not None and settings.email_approvers and user.mail:
        from .mail import queue

        queue(user.mail, f"Your access to {app.name} was removed",
              f"{text}.\n\nYou may request it again from My Apps in Access Desk.\n",
              f"<review-{review.id}-removed-{user.id}-{uuid.uuid4().hex[:12]}@access-desk>")
    return True


def _complete(review_id: int, at: dt.datetime) -> tuple[bool, bool]:
    """The review completed (once), and its next one started when it recurs."""
    with transaction():
        won = AccessReview.update(status="completed", completed_at=at).where(
            (AccessReview.id == review_id) & (AccessReview.status == "active")
            & (AccessReview.ends_at <= at)).execute()
        if not won:
            return False, False
        review = AccessReview.get_by_id(review_id)
        app = Application.get_by_id(review.application_id)
        counts = _counts(review)
        audit(None, "review.complete", f"review {review.id}",
              {"app": app.name, **counts, "removed": ReviewItem.select().where(
                  (ReviewItem.review == review)
                  & ReviewItem.outcome.in_(("removed", "not reviewed, removed"))).count()},
              application_id=app.id)
        publish("access", app.id)
        ends_at = next_review_end(review)
        if ends_at is None:
            return True, False
        named = None
        if review.reviewers == "named":
            named = [r.user for r in ReviewReviewer.select().where(
                ReviewReviewer.review == review)]
        try:
            with transaction():  # a savepoint: the completion stands if the next cannot start
                nxt = _create(app, None, at, ends_at, named, review.unreviewed,
                              review.recurrence)
        except (Refused, Conflict) as exc:
            audit(None, "review.not_repeated", f"review {review.id}",
                  {"app": app.name, "why": str(exc)}, application_id=app.id)
            return True, False
        AccessReview.update(next_review=nxt.id).where(AccessReview.id == review.id).execute()
        audit(None, "review.start", f"review {nxt.id}",
              {"app": app.name, "ends_at": iso(ends_at), "after": review.id,
               "reviewers": [u.upn for u in reviewers_of(nxt)],
               "unreviewed": review.unreviewed, "recurrence": review.recurrence},
              application_id=app.id)
        return True, True
