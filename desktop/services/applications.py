"""Applications and their roles; making one ineligible closes its requests (rule 11)."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, NamedTuple

import peewee as pw

from desktop.errors import Conflict, UsageError
from desktop.models import ORIGINS, SSO_MODES, Application, AppRole, User
from desktop.models.base import new_guid
from desktop.models.search import application_match

from . import lookup, validators
from .core import after_by_name, audit, now, publish, rows_read, sort_order, transaction
from .policy import available_sql, is_password_sso, unavailable_reason
from .requests import close_requests, pending_for_app
from .rights import require_admin
from .views import View, application_view, application_views, with_warnings


class RoleSpec(NamedTuple):
    value: str
    display_name: str
    user_assignable: bool = True
    application_assignable: bool = False
    enabled: bool = True


def parse_role(text: str, *, user_assignable: bool = True) -> RoleSpec:
    """`VALUE[:NAME]` as the command line takes it."""
    value, _, name = text.partition(":")
    if not value.strip():
        raise UsageError(f"a role needs a value: {text!r}")
    return RoleSpec(value.strip(), (name or value).strip(), user_assignable, not user_assignable)


def _check_role(role: RoleSpec) -> RoleSpec:
    value = validators.name(role.value, "a role's value", f"a role needs a value: {role!r}")
    shown = validators.text(role.display_name, f"the name of role {value}") or value
    return role._replace(value=value, display_name=shown)


# The free texts of an application and how each is checked (validators.text).
_TEXTS: dict[str, tuple[str, dict[str, Any]]] = {
    "name": ("the application name", {"required": "an application needs a name"}),
    "publisher": ("the publisher", {}),
    "description": ("the description", {"cap": validators.MAX_DESCRIPTION, "lines": True}),
    "homepage": ("the home page URL", {}),
    "icon": ("the icon file", {}),
}


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    """The texts among `values` checked; other values as they are."""
    return {key: validators.text(value, _TEXTS[key][0], **_TEXTS[key][1]) if key in _TEXTS
            else value for key, value in values.items()}


def _check_choice(value: str, choices: Sequence[str], what: str) -> str:
    if value not in choices:
        raise UsageError(f"unknown {what} {value!r}; one of {', '.join(choices)}")
    return value


def add_application(
    actor: User,
    name: str,
    *,
    publisher: str | None = None,
    description: str | None = None,
    origin: str = "gallery",
    sso: str = "none",
    public_client: bool = False,
    hidden: bool = False,
    homepage: str | None = None,
    roles: Sequence[RoleSpec] = (),
    graph_id: str | None = None,
    app_id: str | None = None,
) -> View:
    texts = _checked({"name": name, "publisher": publisher, "description": description,
                      "homepage": homepage})
    name, publisher, description, homepage = (texts[k] for k in texts)
    roles = [_check_role(role) for role in roles]
    _check_choice(origin, ORIGINS, "origin")
    _check_choice(sso, SSO_MODES, "SSO mode")
    values = [r.value.lower() for r in roles]
    if len(values) != len(set(values)):
        raise UsageError("two roles have the same value")
    with transaction():
        actor = require_admin(actor, "add applications")
        if Application.select().where(pw.fn.LOWER(Application.name) == name.lower()).exists():
            raise Conflict(f"an application named {name!r} already exists")
        app = Application.create(
            name=name, publisher=publisher, description=description, origin=origin,
            sso_mode=sso, public_client_flows=public_client, hidden=hidden, homepage=homepage,
            graph_id=graph_id or new_guid(), app_id=app_id or new_guid(), created_at=now(),
        )
        for role in roles:
            AppRole.create(application=app, **role._asdict())
        view = application_view(app)
        audit(actor, "app.add", name, view, application_id=app.id)
        publish("settings", app.id)
        return with_warnings(view, validators.mixed_scripts(name, "the application name"))


PROPERTIES = ("name", "publisher", "description", "origin", "public_client_flows", "hidden",
              "homepage", "icon", "sso_mode")


def update_application(actor: User, app_name: str, **changes: Any) -> View:
    """Change the properties given; origin set here is kept by later imports."""
    unknown = set(changes) - set(PROPERTIES)
    if unknown:
        raise UsageError(f"unknown application property {sorted(unknown)[0]!r}")
    changes = _checked(changes)
    if "origin" in changes:
        _check_choice(changes["origin"], ORIGINS, "origin")
    if "sso_mode" in changes:
        _check_choice(changes["sso_mode"], SSO_MODES, "SSO mode")
    with transaction():
        actor = require_admin(actor, "change applications")
        app = lookup.application(app_name)
        diff = {k: [getattr(app, k), v] for k, v in changes.items() if getattr(app, k) != v}
        warned = validators.mixed_scripts(diff["name"][1] if "name" in diff else None,
                                          "the application name")
        if not diff:
            return application_view(app)
        if "name" in diff:
            taken = Application.select().where(
                (pw.fn.LOWER(Application.name) == str(changes["name"]).lower())
                & (Application.id != app.id)
            ).exists()
            if taken:
                raise Conflict(f"an application named {changes['name']!r} already exists")
        was_available = unavailable_reason(app) is None
        update = {k: v[1] for k, v in diff.items()}
        if "origin" in diff:
            update["origin_set_by_admin"] = True
        Application.update(**update).where(Application.id == app.id).execute()
        app = Application.get_by_id(app.id)
        audit(actor, "app.update", app.name, diff, application_id=app.id)
        why = unavailable_reason(app)
        if was_available and why:
            close_requests(pending_for_app(app.id),
                           f"{app.name} is no longer offered for self-service: {why[1]}", actor)
        if "sso_mode" in diff and not is_password_sso(app):
            from desktop.models import SelfServiceSettings

            SelfServiceSettings.update(approver_sets_passwords=False).where(
                SelfServiceSettings.application == app
            ).execute()
        publish("settings", app.id)
        return with_warnings(application_view(app), warned)


def app_query(actor: User, search: str | None = None, *,
              first: int | None = None) -> pw.ModelSelect[Any]:
    """Applications matching the search. ``first``: see ``search.application_match``."""
    require_admin(actor, "list applications")
    query = Application.select()
    if search and search.strip():
        query = query.where(application_match(search, first))
    return query


APP_SORTS: dict[str, Any] = {
    "id": Application.id,
    "name": pw.fn.LOWER(Application.name),
    "publisher": pw.fn.LOWER(Application.publisher),
    "origin": Application.origin,
    "sso": Application.sso_mode,
    "public_client": Application.public_client_flows,
    "hidden": Application.hidden,
    "pending": Application.pending_count,
}


def list_applications(actor: User, search: str | None = None, *, limit: int | None = None,
                      offset: int = 0, sort: str | None = None,
                      after: int | None = None) -> list[View]:
    order = sort_order(sort, APP_SORTS, [pw.fn.LOWER(Application.name)], Application.id)
    first = rows_read(sort, "name", limit, offset) if after is None else None
    query = after_by_name(app_query(actor, search, first=first), Application, after, sort)
    query = query.order_by(*order).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return application_views(list(query))


def get_application(actor: User, app_name: str) -> View:
    require_admin(actor, "look at application properties")
    return application_view(lookup.application(app_name))


def applications_page(actor: User, search: str | None = None, *, limit: int | None = None,
                      offset: int = 0, sort: str | None = None,
                      self_service_only: bool = False) -> list[View]:
    """One page of the Admin console's list, in one query: flags, self-service, pending count."""
    from desktop.models import SelfServiceSettings

    # The Self-service column's order: Not available (rules 1-2), Off, On.
    enabled = SelfServiceSettings.enabled.is_null(False) & SelfServiceSettings.enabled
    states = [~available_sql(), available_sql() & ~enabled, available_sql() & enabled]
    sorts = dict(APP_SORTS, self_service=pw.Case(None, [(states[0], 0), (enabled, 2)], 1))
    order = sort_order(sort, sorts, [pw.fn.LOWER(Application.name)], Application.id)
    first = None if self_service_only else rows_read(sort, "name", limit, offset)
    query = (app_query(actor, search, first=first)
             .select_extend(SelfServiceSettings.enabled, SelfServiceSettings.group)
             .join(SelfServiceSettings, pw.JOIN.LEFT_OUTER,
                   on=(SelfServiceSettings.application == Application.id)))
    if self_service_only:
        query = query.where(SelfServiceSettings.group.is_null(False))
    records: Any
    if (sort in ("self_service", "-self_service") and limit is not None
            and not (search and search.strip()) and not self_service_only):
        records = _pages_by_state(query, states, sort.startswith("-"), offset, limit)
    else:
        query = query.order_by(*order).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        records = query.dicts()
    rows = []
    # Plain dicts, not model instances: this runs at every keystroke of a search.
    for record in records:
        app = SimpleNamespace(**record)
        why = unavailable_reason(app)  # type: ignore[arg-type]
        rows.append({
            "id": app.id, "name": app.name, "publisher": app.publisher, "origin": app.origin,
            "sso": app.sso_mode, "public_client": bool(app.public_client_flows),
            "hidden": bool(app.hidden), "icon": app.icon, "self_service": bool(app.enabled),
            "pending": app.pending_count, "available": why is None,
            "unavailable_reason": why[1] if why else None,
            "self_service_state": "not_available" if why else "on" if app.enabled else "off",
        })
    return rows


def _pages_by_state(query: pw.ModelSelect[Any], states: list[Any], descending: bool,
                    offset: int, limit: int) -> list[dict[str, Any]]:
    """A page of `query` in the order of ``CASE`` over `states` (the conditions of keys 0, 1,
    2, which exclude each other) then the id, as ORDER BY that CASE would give it, read one
    state at a time: each in id order, which the table's own order serves, so a page reads
    about `limit` rows instead of sorting every application (no index can hold a key computed
    over a join). The conditions are wrapped in coalesce() so SQLite walks the id order (and
    the LIMIT stops it) rather than narrowing by the origin's index and sorting."""
    rows: list[dict[str, Any]] = []
    skip = offset
    for state in (reversed(states) if descending else states):
        if len(rows) == limit:
            break
        part = query.where(pw.fn.COALESCE(state, False))
        found = list(part.order_by(Application.id.desc() if descending else Application.id)
                     .offset(skip).limit(limit - len(rows)).dicts())
        rows += found
        if found or not skip:
            skip = 0  # the next state's rows follow these
        else:  # the page starts past this state's rows: how many were there
            skip = max(0, skip - part.count())
    return rows


def properties(actor: User, app_name: str) -> View:
    """Everything the Properties page edits: the application view plus its free text."""
    require_admin(actor, "look at application properties")
    app = lookup.application(app_name)
    view = application_view(app)
    why = unavailable_reason(app)
    view.update({
        "description": app.description, "homepage": app.homepage, "icon": app.icon,
        "app_id": app.app_id, "pending": app.pending_count, "available": why is None,
        "unavailable_reason": why[1] if why else None,
    })
    return view
