"""The demo directory's content obeys SPEC.md, so loading it through the services cannot fail."""

import re
from collections import Counter
from typing import Any

import pytest

from desktop.demo import data

PEOPLE = {p["upn"]: p for p in data.PEOPLE}
GROUPS = {g["name"]: g for g in data.GROUPS}
APPS = {a["name"]: a for a in data.APPS}
SELF_SERVICE = {s["app"]: s for s in data.SELF_SERVICE}

DEPARTMENTS = {
    "Sales",
    "Finance",
    "Engineering",
    "Marketing",
    "HR",
    "IT",
    "Legal",
    "Operations",
    "Support",
}
ELIGIBLE_ORIGINS = {"gallery", "app_proxy", "consent"}

# Real companies and products that must never appear (whole words, any case).
REAL_BRANDS = [
    "Salesforce",
    "Slack",
    "Microsoft",
    "Google",
    "Adobe",
    "Zoom",
    "Workday",
    "ServiceNow",
    "Atlassian",
    "Jira",
    "Confluence",
    "Dropbox",
    "DocuSign",
    "Zendesk",
    "HubSpot",
    "Okta",
    "SAP",
    "Oracle",
    "Concur",
    "Tableau",
    "Figma",
    "Trello",
    "Asana",
    "GitHub",
    "GitLab",
    "AWS",
    "Amazon",
    "Azure",
    "Entra",
    "Outlook",
    "Office 365",
    "Microsoft 365",
    "Cisco",
    "Webex",
    "Shopify",
    "Facebook",
    "LinkedIn",
    "Twitter",
    "Expensify",
    "Coupa",
    "SuccessFactors",
    "BambooHR",
    "Gusto",
    "Notion",
    "Miro",
    "Canva",
    "QuickBooks",
    "Intuit",
    "Kubernetes",
    "Tailwind",
    "Power BI",
    "SharePoint",
    "OneDrive",
]


def _strings(value: Any) -> list[str]:
    """Every string inside a nest of dicts, lists and tuples."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


def _licensed_enabled(upn: str) -> bool:
    person = PEOPLE[upn]
    return person["enabled"] and person["license"] in {"p1", "p2"}


# --- constants -----------------------------------------------------------------------------


def test_constants():
    assert data.DOMAIN == "contoso.example"
    assert data.COMPANY == "Contoso Ltd (demo)"
    assert data.REFERENCE_DATE == "2026-11-02T09:00:00Z"


# --- people --------------------------------------------------------------------------------


def test_people_count_and_uniqueness():
    assert 35 <= len(data.PEOPLE) <= 45
    assert len(PEOPLE) == len(data.PEOPLE), "UPNs must be unique"
    assert len({p["name"] for p in data.PEOPLE}) == len(data.PEOPLE), "names must be unique"


def test_people_fields():
    for p in data.PEOPLE:
        assert re.fullmatch(r"[a-z]+\.[a-z]+", p["upn"]), p["upn"]
        assert "@" not in p["upn"]
        assert len(p["name"].split()) >= 2, p["name"]
        assert p["department"] in DEPARTMENTS
        assert p["job_title"]
        assert p["license"] in {"none", "p1", "p2"}
        assert set(p["roles"]) <= {"global_admin", "cloud_app_admin", "app_admin"}
        assert isinstance(p["enabled"], bool)
        assert isinstance(p["mail"], bool)
    assert {p["department"] for p in data.PEOPLE} == DEPARTMENTS


def test_license_mix():
    licensed = sum(p["license"] != "none" for p in data.PEOPLE)
    assert 22 <= licensed <= 28
    assert 12 <= len(data.PEOPLE) - licensed <= 18
    assert {p["license"] for p in data.PEOPLE} == {"none", "p1", "p2"}


def test_one_global_admin_first():
    first = data.PEOPLE[0]
    assert first["upn"] == "megan.bowen"
    assert first["department"] == "IT"
    assert "global_admin" in first["roles"]
    assert first["enabled"]
    assert first["license"] != "none"
    assert [p["upn"] for p in data.PEOPLE if "global_admin" in p["roles"]] == ["megan.bowen"]


@pytest.mark.parametrize("role", ["global_admin", "cloud_app_admin", "app_admin"])
def test_each_directory_role_held_by_an_enabled_person(role):
    assert any(role in p["roles"] and p["enabled"] for p in data.PEOPLE)


def test_two_people_have_left_and_most_have_mail():
    assert sum(not p["enabled"] for p in data.PEOPLE) == 2
    assert sum(p["mail"] for p in data.PEOPLE) > len(data.PEOPLE) * 3 // 4
    assert not any(p["roles"] for p in data.PEOPLE if not p["enabled"])


# --- groups --------------------------------------------------------------------------------


def test_groups():
    assert 10 <= len(data.GROUPS) <= 18
    assert len(GROUPS) == len(data.GROUPS), "group names must be unique"
    kinds = {g["kind"] for g in data.GROUPS}
    assert kinds == {"security", "synced", "dynamic", "distribution", "mail_security", "m365"}
    for g in data.GROUPS:
        assert g["description"]
        assert len(set(g["members"])) == len(g["members"]), g["name"]
        for member in g["members"]:
            assert member in PEOPLE, (g["name"], member)


# --- applications --------------------------------------------------------------------------


def test_apps_fields():
    assert 20 <= len(data.APPS) <= 30
    assert len(APPS) == len(data.APPS), "application names must be unique"
    for a in data.APPS:
        assert a["publisher"]
        assert a["description"].endswith(".")
        assert a["origin"] in {"gallery", "app_proxy", "consent", "custom"}
        assert a["sso"] in {"password", "saml", "oidc", "none"}
        assert re.fullmatch(r"https://[a-z0-9.-]+\.example/", a["homepage"]), a["homepage"]
        values = [r.value for r in a["roles"]]
        assert len(set(values)) == len(values), a["name"]
        for role in a["roles"]:
            value, display_name, user_assignable, enabled = role  # a plain 4-tuple too
            assert value
            assert display_name
            assert isinstance(user_assignable, bool)
            assert isinstance(enabled, bool)


def test_app_mix():
    origins = Counter(a["origin"] for a in data.APPS)
    assert origins["gallery"] > len(data.APPS) // 2
    assert origins["app_proxy"] >= 3
    assert origins["consent"] >= 3
    assert origins["custom"] == 2
    sso = Counter(a["sso"] for a in data.APPS)
    assert set(sso) == {"password", "saml", "oidc", "none"}
    assert sso["password"] >= 5


def test_one_public_client_and_one_hidden_gallery_app():
    public = [a for a in data.APPS if a["public_client"]]
    hidden = [a for a in data.APPS if a["hidden"]]
    assert len(public) == 1
    assert len(hidden) == 1
    assert public[0]["origin"] == "gallery"
    assert hidden[0]["origin"] == "gallery"
    assert public[0]["name"] != hidden[0]["name"]


def test_app_roles_for_refusal_demos():
    with_roles = [a for a in data.APPS if a["roles"]]
    assert 6 <= len(with_roles) <= 10
    roles = [r for a in with_roles for r in a["roles"]]
    assert any(not r.enabled for r in roles), "a disabled role"
    assert any(not r.user_assignable and r.enabled for r in roles), "an applications-only role"
    # The refusal demos work on a self-service application.
    demo_roles = [r for name in SELF_SERVICE for r in APPS[name]["roles"]]
    assert any(not r.enabled for r in demo_roles)
    assert any(not r.user_assignable for r in demo_roles)


# --- self-service settings -----------------------------------------------------------------


def test_self_service_apps_are_eligible():
    assert 8 <= len(data.SELF_SERVICE) <= 12
    assert len(SELF_SERVICE) == len(data.SELF_SERVICE)
    for s in data.SELF_SERVICE:
        app = APPS[s["app"]]
        assert app["origin"] in ELIGIBLE_ORIGINS, s["app"]
        assert not app["hidden"], s["app"]
        assert not app["public_client"], s["app"]


def test_self_service_groups_are_cloud_security_groups():
    groups = [s["group"] for s in data.SELF_SERVICE]
    assert len(set(groups)) == len(groups), "one group per application"
    for s in data.SELF_SERVICE:
        assert GROUPS[s["group"]]["kind"] == "security", s["group"]
        assert s["group"] == f"SS - {s['app']} users"


def test_approvers():
    for s in data.SELF_SERVICE:
        approvers = s["approvers"]
        assert len(set(approvers)) == len(approvers), s["app"]
        if s["require_approval"]:
            assert 1 <= len(approvers) <= 10, s["app"]
        else:
            assert approvers == [], s["app"]
            assert not s["email_approvers"], s["app"]
        for upn in approvers:
            assert upn in PEOPLE, upn
            assert _licensed_enabled(upn), (s["app"], upn)
            if s["email_approvers"]:
                assert PEOPLE[upn]["mail"], (s["app"], upn)
        if s["approver_sets_passwords"]:
            assert s["require_approval"], s["app"]


def test_configuration_variety():
    settings = data.SELF_SERVICE
    assert sum(1 for s in settings if len(s["approvers"]) == 10) == 1, "the eleventh-approver demo"
    assert sum(1 for s in settings if not s["require_approval"]) >= 2
    assert any(len(s["approvers"]) == 1 for s in settings)
    assert any(2 <= len(s["approvers"]) < 10 for s in settings)
    assert sum(1 for s in settings if not s["enabled"]) == 1
    assert sum(1 for s in settings if s["role"] is not None) >= 3
    assert any(s["approver_sets_passwords"] for s in settings)
    assert any(s["email_approvers"] for s in settings)


def test_roles_are_enabled_and_user_assignable():
    for s in data.SELF_SERVICE:
        if s["role"] is None:
            continue
        roles = {r.value: r for r in APPS[s["app"]]["roles"]}
        assert s["role"] in roles, s["app"]
        assert roles[s["role"]].enabled, s["app"]
        assert roles[s["role"]].user_assignable, s["app"]


def test_approver_sets_passwords_only_for_password_sso():
    for s in data.SELF_SERVICE:
        if s["approver_sets_passwords"]:
            assert APPS[s["app"]]["sso"] == "password", s["app"]


# --- history -------------------------------------------------------------------------------


def test_history_mix():
    assert 25 <= len(data.HISTORY) <= 35
    outcomes = Counter(r["outcome"] for r in data.HISTORY)
    assert 6 <= outcomes["pending"] <= 10
    assert 10 <= outcomes["approved"] <= 15
    assert 4 <= outcomes["denied"] <= 6
    assert 2 <= outcomes["cancelled"] <= 4
    pending_apps = {r["app"] for r in data.HISTORY if r["outcome"] == "pending"}
    assert len(pending_apps) >= 4


def test_history_is_chronological_and_times_are_sane():
    days = [r["days_ago"] for r in data.HISTORY]
    assert days == sorted(days, reverse=True)
    for r in data.HISTORY:
        assert r["days_ago"] >= 0
        if r["outcome"] == "pending":
            assert r["decided_days_ago"] is None
            continue
        decided = r["decided_days_ago"]
        assert decided is not None, r
        assert 0 <= decided <= r["days_ago"], r
        if SELF_SERVICE[r["app"]]["require_approval"]:
            assert decided < r["days_ago"], r


def test_history_requesters_and_apps():
    for r in data.HISTORY:
        s = SELF_SERVICE[r["app"]]
        assert s["enabled"], r
        assert _licensed_enabled(r["requester"]), r
        assert r["requester"] not in GROUPS[s["group"]]["members"], r
        if r["justification"] is not None:
            assert r["justification"].strip()
        if s["require_approval"]:
            # Someone other than the requester can decide (rule 4).
            assert set(s["approvers"]) - {r["requester"]}, r


def test_history_deciders_and_reasons():
    for r in data.HISTORY:
        s = SELF_SERVICE[r["app"]]
        if not s["require_approval"]:
            assert r["outcome"] == "approved", r
            assert r["decider"] is None, r
            assert r["decided_days_ago"] == r["days_ago"], r
        elif r["outcome"] in {"approved", "denied"}:
            assert r["decider"] in s["approvers"], r
            assert r["decider"] != r["requester"], r
        else:
            assert r["decider"] is None, r
        if r["outcome"] == "denied":
            assert r["reason"], r
            assert r["reason"].strip(), r
        else:
            assert r["reason"] is None, r


def test_history_obeys_rule_9():
    """No second open request, none for an app already granted, retries after a settled one."""
    earlier: dict[tuple[str, str], data.HistoricRequest] = {}
    for r in data.HISTORY:
        key = (r["app"], r["requester"])
        before = earlier.get(key)
        if before is not None:
            assert before["outcome"] in {"denied", "cancelled"}, (before, r)
            assert before["decided_days_ago"] is not None
            assert r["days_ago"] < before["decided_days_ago"], (before, r)
        earlier[key] = r
    # The demo shows both kinds of retry.
    keys = Counter((r["app"], r["requester"]) for r in data.HISTORY)
    assert any(n > 1 for n in keys.values())


def test_demo_reaches_each_approver_with_something_pending():
    pending = [r for r in data.HISTORY if r["outcome"] == "pending"]
    single = {s["app"] for s in data.SELF_SERVICE if len(s["approvers"]) == 1}
    assert any(r["app"] in single for r in pending)
    assert len({r["requester"] for r in pending}) >= 5


# --- names ---------------------------------------------------------------------------------


def test_no_real_brand_names():
    everything = _strings(
        [
            data.DOMAIN,
            data.COMPANY,
            data.PEOPLE,
            data.GROUPS,
            data.APPS,
            data.SELF_SERVICE,
            data.HISTORY,
        ]
    )
    assert len(REAL_BRANDS) >= 30
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(b) for b in REAL_BRANDS) + r")\b", re.IGNORECASE
    )
    hits = sorted({m.group(0) for s in everything for m in pattern.finditer(s)})
    assert hits == []


def test_every_domain_is_fictional():
    for s in _strings([data.APPS, data.GROUPS]):
        for host in re.findall(r"https?://([^/]+)", s):
            assert host.endswith(".example"), host
