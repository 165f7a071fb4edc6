"""Every consumer of a rule agrees with services.policy, and policy with SPEC.md, on generated
directories: the catalog, My Apps, the Approvals lists and badge, the tray's count, the request
preview, sign-in details, the access export and who may open which window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import peewee as pw
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.errors import NotFound
from desktop.models import (
    AccessRequest,
    Application,
    Assignment,
    AuditEvent,
    Change,
    DirectoryRoleAssignment,
    Group,
    GroupMember,
    Notification,
    PasswordCredential,
    SelfServiceApprover,
    SelfServiceSettings,
    User,
)
from desktop.services import (
    approvals,
    catalog,
    credentials,
    exports,
    keys,
    myapps,
    notifications,
    policy,
    requests,
)

# --- generated directories ---------------------------------------------------------------------

USERS = 4
GROUP_KINDS = ("security", "synced", "dynamic", "distribution")


@dataclass
class Spec:
    users: list[tuple[str, bool, bool]]  # license, enabled, administrator
    groups: list[tuple[str, frozenset[int]]]  # kind, members
    apps: list[dict[str, Any]]
    direct: set[tuple[int, int]]  # (app, user)
    via_group: set[tuple[int, int]]  # (app, group)
    requests: list[tuple[int, int, str]]  # (app, requester, status)
    creds: set[tuple[int, int]]  # (app, user)


def _app(groups: int) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        "origin": st.sampled_from(["gallery", "consent", "custom"]),
        "hidden": st.booleans(),
        "public_client": st.booleans(),
        "sso": st.sampled_from(["password", "saml"]),
        "self_service": st.one_of(st.none(), st.fixed_dictionaries({
            "enabled": st.booleans(),
            "approval": st.booleans(),
            "passwords": st.booleans(),
            "group": st.one_of(st.none(), st.integers(0, groups - 1)) if groups
            else st.none(),
            "approvers": st.frozensets(st.integers(0, USERS - 1), max_size=3),
        })),
    })


@st.composite
def directories(draw: st.DrawFn) -> Spec:
    users = draw(st.lists(st.tuples(st.sampled_from(["none", "p1", "p2"]), st.booleans(),
                                    st.booleans()), min_size=USERS, max_size=USERS))
    groups = draw(st.lists(st.tuples(st.sampled_from(GROUP_KINDS),
                                     st.frozensets(st.integers(0, USERS - 1))), max_size=3))
    apps = draw(st.lists(_app(len(groups)), min_size=1, max_size=4))
    a = st.integers(0, len(apps) - 1)
    u = st.integers(0, USERS - 1)
    direct = draw(st.sets(st.tuples(a, u), max_size=4))
    via_group = draw(st.sets(st.tuples(a, st.integers(0, len(groups) - 1)), max_size=3)) \
        if groups else set()
    reqs = draw(st.lists(st.tuples(a, u, st.sampled_from(["pending", "pending", "denied"])),
                         max_size=6))
    creds = draw(st.sets(st.tuples(a, u), max_size=3))
    return Spec(users, groups, apps, direct, via_group, reqs, creds)


# --- building one in the database, directly (milliseconds, not the services' audit trail) ------

TABLES: list[type[pw.Model]] = [
    AuditEvent, Change, Notification, PasswordCredential, AccessRequest, Assignment,
    SelfServiceApprover, SelfServiceSettings, Application, GroupMember, Group,
    DirectoryRoleAssignment, User,
]


@dataclass
class Built:
    admin: User
    users: list[User]
    groups: list[Group]
    apps: list[Application]


def build(spec: Spec) -> Built:
    for table in TABLES:
        table.delete().execute()
    admin = User.create(upn="root@example.test", display_name="Root", license="p2")
    DirectoryRoleAssignment.create(user=admin, role="global_admin")
    users = []
    for i, (license, enabled, is_admin) in enumerate(spec.users):
        user = User.create(upn=f"u{i}@example.test", display_name=f"User {i}",
                           license=license, enabled=enabled)
        if is_admin:
            DirectoryRoleAssignment.create(user=user, role="app_admin")
        users.append(user)
    groups = []
    for i, (kind, members) in enumerate(spec.groups):
        group = Group.create(name=f"g{i}", on_prem_synced=kind == "synced",
                             dynamic=kind == "dynamic", security_enabled=kind != "distribution",
                             mail_enabled=kind == "distribution")
        for m in sorted(members):
            GroupMember.create(group=group, user=users[m])
        groups.append(group)
    apps = []
    for i, a in enumerate(spec.apps):
        app = Application.create(name=f"App {i}", origin=a["origin"], hidden=a["hidden"],
                                 public_client_flows=a["public_client"], sso_mode=a["sso"])
        ss = a["self_service"]
        if ss is not None:
            settings = SelfServiceSettings.create(
                application=app, enabled=ss["enabled"], require_approval=ss["approval"],
                approver_sets_passwords=ss["passwords"],
                group=groups[ss["group"]] if ss["group"] is not None else None)
            for position, who in enumerate(sorted(ss["approvers"])):
                SelfServiceApprover.create(settings=settings, user=users[who],
                                           position=position)
            if ss["group"] is not None:
                Assignment.create(application=app, group=groups[ss["group"]])
        apps.append(app)
    for a, u in sorted(spec.direct):
        Assignment.create(application=apps[a], user=users[u])
    for a, g in sorted(spec.via_group):
        Assignment.create(application=apps[a], group=groups[g])
    seen = set()
    for a, u, status in spec.requests:
        if status == "pending":
            if (a, u) in seen:
                continue  # rule 9: one open request per person and application
            seen.add((a, u))
        AccessRequest.create(application=apps[a], requester=users[u], status=status)
    for a, u in sorted(spec.creds):
        PasswordCredential.create(application=apps[a], user=users[u],
                                  username_enc=keys.encrypt(f"name{u}"),
                                  password_enc=keys.encrypt(f"secret{u}"))
    return Built(admin, users, groups, apps)


# --- SPEC.md, read plainly over the generated spec (what policy must say) ----------------------


def spec_access(spec: Spec, a: int, u: int) -> bool:
    """Rule 9: assigned directly, or a member of a group assigned to the application."""
    groups = {g for g, (_kind, members) in enumerate(spec.groups) if u in members}
    ss = spec.apps[a]["self_service"]
    assigned_groups = {g for (aa, g) in spec.via_group if aa == a}
    if ss is not None and ss["group"] is not None:
        assigned_groups.add(ss["group"])
    return (a, u) in spec.direct or bool(groups & assigned_groups)


def spec_offered(spec: Spec, a: int) -> bool:
    """Rules 1-2, switched on."""
    app = spec.apps[a]
    ss = app["self_service"]
    return bool(ss and ss["enabled"] and not app["hidden"] and not app["public_client"]
                and app["origin"] != "custom")


def spec_can_approve(spec: Spec, u: int) -> bool:
    """Rule 4: enabled and licensed."""
    license, enabled, _admin = spec.users[u]
    return enabled and license != "none"


def spec_listed(spec: Spec, a: int, u: int) -> bool:
    ss = spec.apps[a]["self_service"]
    return bool(ss and u in ss["approvers"])


def spec_pending(spec: Spec) -> set[tuple[int, int]]:
    return {(a, u) for a, u, s in spec.requests if s == "pending"}


# --- the agreement -------------------------------------------------------------------------------


def check(spec: Spec, built: Built) -> None:  # noqa: C901 - one list of consumers, read in order
    apps, users = built.apps, built.users
    by_id = {app.id: i for i, app in enumerate(apps)}
    pending = spec_pending(spec)
    settings = {i: SelfServiceSettings.get_or_none(SelfServiceSettings.application == app)
                for i, app in enumerate(apps)}

    # The predicates say what SPEC.md says.
    for a, app in enumerate(apps):
        assert policy.is_offered(app, settings[a]) == spec_offered(spec, a)
        assert policy.is_password_sso(app) == (spec.apps[a]["sso"] == "password")
        for u, user in enumerate(users):
            assert policy.has_access(user, app) == spec_access(spec, a, u)
            assert policy.may_copy_credentials(user, app) == spec_access(spec, a, u)
            assert policy.is_listed_approver(user, app) == spec_listed(spec, a, u)
    for g, group in enumerate(built.groups):
        assert policy.members_editable(group) == (spec.groups[g][0] in ("security",
                                                                       "distribution"))
        assert (policy.self_service_group_problem(group) is None) == \
            (spec.groups[g][0] == "security")
    for u, user in enumerate(users):
        assert (policy.approver_problem(user) is None) == spec_can_approve(spec, u)
        assert policy.is_licensed(user) == (spec.users[u][0] != "none")
        for a, app in enumerate(apps):
            if settings[a] is not None:  # rule 4: someone but him could decide his request
                ss = spec.apps[a]["self_service"]
                nobody = ss["approval"] and not any(
                    spec_can_approve(spec, w) for w in ss["approvers"] if w != u)
                assert (policy.no_approver_reason(app, settings[a], user) is not None) == nobody

    # Every consumer says what the predicates say, for every person who can sign in.
    offered = {a for a in range(len(apps)) if policy.is_offered(apps[a], settings[a])}
    for u, user in enumerate(users):
        if not user.enabled:
            continue
        access = {a for a, app in enumerate(apps) if policy.has_access(user, app)}
        mine = {a for a in access if not apps[a].hidden}

        # Catalog (My Apps' Request tab): what is offered, each in its state.
        rows, message = catalog.catalog(user)
        assert {by_id[r["id"]] for r in rows} == offered
        assert (message is None) == policy.is_licensed(user)
        def no_approver(a: int, user: Any = user) -> str | None:
            return (policy.no_approver_reason(apps[a], settings[a], user)
                    if settings[a] is not None else None)

        for r in rows:
            a = by_id[r["id"]]
            assert r["state"] == policy.request_state(
                user, True, policy.open_request(user, apps[a]) is not None, a in access,
                no_approver(a)), r
            # Rule 4 as the request checks it: the catalog says why, in the same words.
            assert r["reason"] == (no_approver(a) if r["state"] == "no_approver" else None)
        # The request preview says the same for every application.
        for a, app in enumerate(apps):
            preview = myapps.request_preview(user, str(app.id))
            want = policy.request_state(user, a in offered, (a, u) in pending, a in access,
                                        no_approver(a))
            assert preview["state"] == want, (a, preview)
            if a in offered:
                assert preview["state"] == next(r["state"] for r in rows
                                                if r["id"] == app.id)

        # My Apps: what he has access to, hidden applications left out.
        assert {by_id[v["id"]] for v in myapps.my_apps(user)} == mine
        assert set(policy.apps_with_access(user, [a.id for a in apps])) == \
            {apps[a].id for a in access}
        assert {r.application_id for r in Assignment.select(Assignment.application)
                .where(Assignment.application.in_(policy.access_subquery(user)))} == \
            {apps[a].id for a in access}

        # Approvals: pending requests of his applications, never his own; the badge and the
        # tray count the same.
        open_requests = list(AccessRequest.select().where(AccessRequest.status == "pending"))
        to_decide = {r.id for r in open_requests
                     if policy.is_listed_approver(user, r.application_id)
                     and r.requester_id != user.id}
        assert to_decide == {r.id for r in open_requests
                             if spec_listed(spec, by_id[r.application_id], u)
                             and r.requester_id != user.id}
        assert {r["id"] for r in approvals.list_pending(user)} == to_decide
        assert notifications.pending_to_approve_count(user) == len(to_decide)
        assert approvals.is_approver(user) == policy.is_approver_anywhere(user)
        for r in approvals.list_pending(user) + approvals.list_decided(user):
            req = AccessRequest.get_by_id(r["id"])
            assert policy.may_see_request(user, req)
        assert set(approvals.approved_apps(user)) == {
            apps[a].name for a in offered
            if settings[a] is not None and settings[a].require_approval
            and policy.is_listed_approver(user, apps[a]) and policy.approver_problem(user) is None}

        # Sign-in details: he copies his own while he has access; approvers manage those of
        # password-SSO applications that allow it.
        for a, app in enumerate(apps):
            if (a, u) not in spec.creds:
                continue
            if policy.may_copy_credentials(user, app):
                assert credentials.read_own_credentials(user, str(app.id)).password == \
                    f"secret{u}"
            else:
                with pytest.raises(NotFound):
                    credentials.read_own_credentials(user, str(app.id))
        assert {v["id"] for v in credentials.password_apps(user)} == {
            app.id for a, app in enumerate(apps)
            if policy.is_password_sso(app) and settings[a] is not None
            and settings[a].approver_sets_passwords and policy.is_listed_approver(user, app)
            and policy.approver_problem(user) is None}

        # The windows he may open.
        kinds = policy.window_kinds(user)
        assert (kinds["admin"] is None) == spec.users[u][2]
        assert (kinds["approvals"] is None) == any(spec_listed(spec, a, u)
                                                    for a in range(len(apps)))
        assert kinds["myapps"] is None

        # His requests list: rule 9's one open request per application.
        open_apps = [r["app"] for r in requests.list_requests(user, status="pending")]
        assert sorted(open_apps) == sorted({apps[a].name for a, uu in pending if uu == u})

    # The access export: members of each application's self-service group, who have access.
    exported = {(row["app"], row["user"]) for row in exports.rows(built.admin, "access")}
    expected = set()
    for a, app in enumerate(apps):
        ss = spec.apps[a]["self_service"]
        if ss is None or ss["group"] is None:
            continue
        for m in spec.groups[ss["group"]][1]:
            expected.add((app.name, users[m].upn))
            assert policy.has_access(users[m], app)
    assert exported == expected


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(spec=directories())
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_consumer_agrees_with_policy(db: pw.Database, spec: Spec) -> None:
    check(spec, build(spec))


def test_each_policy_function_names_its_rule() -> None:
    """policy.py is where SPEC.md's rules are decided: each function says which one."""
    import inspect
    import re

    named = re.compile(r"^(Rules? \d+|Rights table|Demo only)")
    public = [f for name, f in vars(policy).items()
              if inspect.isfunction(f) and not name.startswith("_")
              and f.__module__ == policy.__name__]
    assert len(public) > 20
    unnamed = [f.__name__ for f in public if not named.match(inspect.getdoc(f) or "")]
    assert not unnamed, f"policy functions without a rule: {unnamed}"
