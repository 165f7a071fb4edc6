"""Entra ID license tier (none, P1, P2) from a user's licenses and service plans."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from desktop.graph.fields import Props
from desktop.graph.records import License

# Service plans, from Microsoft's "product names and service plan identifiers" reference.
P1_PLAN = "41781fb2-bc02-4b7c-bd55-b576c07bb09d"  # AAD_PREMIUM
P2_PLAN = "eec0eb4f-6444-4f95-aba0-50c24d67f998"  # AAD_PREMIUM_P2

# What a SKU carries, for exports that hold SKU ids but no service plans. Suites (EMS,
# Microsoft 365 E3/E5, ...) carry P1 too, but only their service plans can tell.
SKU_PLANS: dict[str, frozenset[str]] = {
    "078d2b04-f1bd-4111-bbd4-b4b1b354cef4": frozenset({P1_PLAN}),  # AAD_PREMIUM
    "30fc3c36-5a95-4956-ba57-c09c2a600bb9": frozenset({P1_PLAN}),  # AAD_PREMIUM_FACULTY
    "84a661c4-e949-4bd2-a560-ed7766fcaf2b": frozenset({P1_PLAN, P2_PLAN}),  # AAD_PREMIUM_P2
}

# assignedPlan.capabilityStatus: Graph documents Warning as "available for normal use ...
# but in a grace period", so it still grants the plan; Suspended, LockedOut, Deleted do not.
ACTIVE_CAPABILITY = frozenset({"enabled", "warning"})
# servicePlanInfo.provisioningStatus: only Success means the service is provisioned.
ACTIVE_PROVISIONING = "success"


@dataclass(frozen=True)
class LicenseEvidence:
    """What one source (a user object, or a licenseDetails list) says about the user's plans."""

    # Plans implied by SKU ids alone (assignedLicenses less its disabledPlans).
    sku_plans: frozenset[str] = frozenset()
    # Active plans from service-plan-level data (assignedPlans, licenseDetails.servicePlans).
    active_plans: frozenset[str] = frozenset()
    # Whether service-plan-level data was there at all: then it, not the SKUs, decides.
    has_plans: bool = False
    # Whether the source held any license property, for the "no license data" warning.
    known: bool = False


def tier(evidence: Iterable[LicenseEvidence]) -> License:
    """The user's tier: service plans decide where any source has them, else SKU ids."""
    sources = list(evidence)
    if any(source.has_plans for source in sources):
        plans = frozenset().union(*(source.active_plans for source in sources))
    else:
        plans = frozenset().union(*(source.sku_plans for source in sources))
    if P2_PLAN in plans:
        return "p2"
    if P1_PLAN in plans:
        return "p1"
    return "none"


def user_evidence(user: Props) -> LicenseEvidence:
    """From a user object's assignedLicenses and assignedPlans (and an expanded licenseDetails)."""
    sku_plans: set[str] = set()
    for license_ in user.objects("assignedLicenses") or []:
        sku = license_.required_guid("skuId")
        sku_plans |= SKU_PLANS.get(sku, frozenset()) - set(license_.guids("disabledPlans"))
    plans = user.objects("assignedPlans") or []
    active = {plan_id for plan_id, is_active in map(_assigned_plan, plans) if is_active}
    found = LicenseEvidence(
        sku_plans=frozenset(sku_plans),
        active_plans=frozenset(active),
        # An empty plan list decides nothing: SKU ids, if any, still count.
        has_plans=bool(plans),
        # PowerShell writes null for what a query didn't select: that says nothing either.
        known=user.get("assignedLicenses") is not None or user.get("assignedPlans") is not None,
    )
    expanded = user.objects("licenseDetails")
    if expanded is None:
        return found
    return merge([found, details_evidence(expanded)])


def details_evidence(details: Iterable[Props]) -> LicenseEvidence:
    """From licenseDetails objects (GET /users/{id}/licenseDetails)."""
    sku_plans: set[str] = set()
    active: set[str] = set()
    has_plans = False
    for detail in details:
        sku = detail.required_guid("skuId")
        plans = detail.objects("servicePlans")
        if not plans:
            sku_plans |= SKU_PLANS.get(sku, frozenset())
            continue
        has_plans = True
        active |= {plan_id for plan_id, is_active in map(_service_plan, plans) if is_active}
    return LicenseEvidence(frozenset(sku_plans), frozenset(active), has_plans, known=True)


def merge(sources: Iterable[LicenseEvidence]) -> LicenseEvidence:
    sources = list(sources)
    return LicenseEvidence(
        sku_plans=frozenset().union(*(source.sku_plans for source in sources)),
        active_plans=frozenset().union(*(source.active_plans for source in sources)),
        has_plans=any(source.has_plans for source in sources),
        known=any(source.known for source in sources),
    )


def _assigned_plan(plan: Props) -> tuple[str, bool]:
    """An assignedPlan's id, and whether it grants the plan now."""
    plan_id = plan.required_guid("servicePlanId")
    return plan_id, (plan.text("capabilityStatus") or "").lower() in ACTIVE_CAPABILITY


def _service_plan(plan: Props) -> tuple[str, bool]:
    """A licenseDetails servicePlanInfo's id, and whether the user holds it provisioned."""
    plan_id = plan.required_guid("servicePlanId")
    # appliesTo "Company" is a tenant-wide plan, not one the user holds.
    applies_to = (plan.text("appliesTo") or "user").lower()
    status = (plan.text("provisioningStatus") or "").lower()
    return plan_id, applies_to == "user" and status == ACTIVE_PROVISIONING
