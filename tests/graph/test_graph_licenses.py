"""License tier: service plans decide, SKU ids only when an export has no plans."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.graph import read_graph

USER_ID = "0a000000-7e57-4a11-9d00-0000000000aa"
P1_SKU = "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"
P2_SKU = "84a661c4-e949-4bd2-a560-ed7766fcaf2b"
EMS_E3 = "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"
P1_PLAN = "41781fb2-bc02-4b7c-bd55-b576c07bb09d"
P2_PLAN = "eec0eb4f-6444-4f95-aba0-50c24d67f998"


def _user(**properties: Any) -> dict[str, Any]:
    return {"id": USER_ID, "userPrincipalName": "pat@contoso.test", **properties}


def _license(sku: str, disabled: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"skuId": sku, "disabledPlans": list(disabled)}


def _plan(plan: str, status: str) -> dict[str, Any]:
    return {"servicePlanId": plan, "capabilityStatus": status, "service": "AADPremiumService"}


def _details(sku: str, *plans: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "id": "lic-" + sku[:8],
        "skuId": sku,
        "skuPartNumber": "X",
        "servicePlans": [
            {"servicePlanId": plan, "provisioningStatus": status, "appliesTo": applies}
            for plan, status, applies in plans
        ],
    }


@pytest.mark.parametrize(
    ("licenses", "expected"),
    [
        ([_license(P1_SKU)], "p1"),
        ([_license(P2_SKU)], "p2"),
        ([_license(P2_SKU, (P2_PLAN,))], "p1"),
        ([_license(P1_SKU, (P1_PLAN,))], "none"),
        # A suite carries P1, but without its service plans nothing tells.
        ([_license(EMS_E3)], "none"),
        ([], "none"),
    ],
)
def test_sku_ids_alone(write_json, licenses, expected) -> None:
    path = write_json("users.json", {"value": [_user(assignedLicenses=licenses)]})

    assert read_graph([path]).users[USER_ID].license == expected


@pytest.mark.parametrize(
    ("plans", "expected"),
    [
        ([_plan(P1_PLAN, "Enabled")], "p1"),
        ([_plan(P1_PLAN, "Enabled"), _plan(P2_PLAN, "Enabled")], "p2"),
        ([_plan(P1_PLAN, "Enabled"), _plan(P2_PLAN, "Suspended")], "p1"),
        ([_plan(P1_PLAN, "Deleted")], "none"),
        ([_plan(P1_PLAN, "LockedOut")], "none"),
        # Graph: Warning is "available for normal use ... but in a grace period".
        ([_plan(P1_PLAN, "Warning")], "p1"),
        ([_plan(P1_PLAN, "Deleted"), _plan(P1_PLAN, "Enabled")], "p1"),
    ],
)
def test_assigned_plans_decide(write_json, plans, expected) -> None:
    # A P2 SKU next to plans that say otherwise: the plans win.
    user = _user(assignedLicenses=[_license(P2_SKU)], assignedPlans=plans)
    path = write_json("users.json", {"value": [user]})

    assert read_graph([path]).users[USER_ID].license == expected


@pytest.mark.parametrize(
    ("plans", "expected"),
    [
        ([(P1_PLAN, "Success", "User")], "p1"),
        ([(P1_PLAN, "Success", "User"), (P2_PLAN, "Success", "User")], "p2"),
        ([(P1_PLAN, "Disabled", "User")], "none"),
        ([(P1_PLAN, "PendingActivation", "User")], "none"),
        ([(P1_PLAN, "Success", "Company")], "none"),
    ],
)
def test_license_details_file_named_by_user_id(write_json, plans, expected) -> None:
    users = write_json("users.json", {"value": [_user()]})
    details = write_json(f"{USER_ID}.licenseDetails.json", {"value": [_details(EMS_E3, *plans)]})

    assert read_graph([users, details]).users[USER_ID].license == expected


def test_license_details_survive_a_later_copy_of_the_user(write_json) -> None:
    details = write_json(
        "a/details.json",
        {
            "@odata.context": f"https://graph.microsoft.com/v1.0/$metadata#users('{USER_ID}')/licenseDetails",
            "value": [_details(P2_SKU, (P1_PLAN, "Success", "User"), (P2_PLAN, "Success", "User"))],
        },
    )
    first = write_json("b/users.json", {"value": [_user(displayName="New")]})
    last = write_json("c/users.json", {"value": [_user(displayName="New", mail="a@b.c")]})

    user = read_graph([details, first, last]).users[USER_ID]

    assert (user.display_name, user.mail, user.license) == ("New", "a@b.c", "p2")


def test_license_details_without_plans_fall_back_to_the_sku(write_json) -> None:
    users = write_json("users.json", [_user()])
    details = write_json(f"{USER_ID}.json", [{"id": "x", "skuId": P2_SKU, "skuPartNumber": "P2"}])

    assert read_graph([users, details]).users[USER_ID].license == "p2"


def test_expanded_license_details(write_json) -> None:
    user = _user(licenseDetails=[_details(EMS_E3, (P1_PLAN, "Success", "User"))])
    path = write_json("users.json", {"value": [user]})

    assert read_graph([path]).users[USER_ID].license == "p1"


def test_users_without_license_data_are_reported(write_json) -> None:
    path = write_json("users.json", {"value": [_user(accountEnabled=True)]})

    export = read_graph([path])

    assert export.users[USER_ID].license == "none"
    assert any("without license data" in warning for warning in export.warnings)


def test_license_details_without_their_user_are_reported(write_json) -> None:
    path = write_json("details.json", {"value": [_details(P2_SKU)]})

    export = read_graph([path])

    (skipped,) = export.skipped
    assert skipped.file == str(path)
    assert "licenseDetails without their user" in skipped.line()
