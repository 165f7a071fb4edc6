"""Names: an id first, then a case-insensitive display name; taken names are conflicts."""

from __future__ import annotations

from .conftest import Cli, dump, sql, upn


def test_taken_names_unknown_names_and_case(demo: Cli) -> None:
    before = dump(demo.db_path)
    demo.fails(5, "apps", "add", "fabrikam CRM", match="already exists")
    demo.fails(5, "apps", "set", "Litware Wiki", "--name", "FABRIKAM crm",
               match="already exists")
    demo.fails(5, "groups", "add", "it operations", match="already exists")
    demo.fails(4, "apps", "show", "Fabrikam", match="no application named 'Fabrikam'")
    demo.fails(4, "groups", "members", "Nobody's group", match="no group named")
    assert dump(demo.db_path) == before

    # names and UPNs in any case; the output spells them as stored
    settings = demo.ok("selfservice", "set", "alpine ski house bookings", "--enable",
                       "--group", "it OPERATIONS", "--approval", "--approver",
                       "DAVID.LEVI@contoso.EXAMPLE")
    assert settings["app"] == "Alpine Ski House Bookings"
    assert settings["group"] == "IT Operations"
    assert settings["approvers"] == [upn("david.levi")]
    member = demo.ok("groups", "add-member", "SS - litware WIKI users",
                     "Hana.Kim@Contoso.example")
    assert member["name"] == "SS - Litware Wiki users"


def test_several_matches_are_a_usage_error_listing_ids(demo: Cli) -> None:
    # two objects with one name can only come from outside (an import, another tool)
    sql(demo.db_path, "UPDATE application SET name='fabrikam crm' WHERE name='Litware Wiki'")
    ids = sorted(r[0] for r in sql(demo.db_path, "SELECT id FROM application "
                                                 "WHERE lower(name)='fabrikam crm'"))
    assert len(ids) == 2
    ambiguous = demo.fails(2, "apps", "show", "Fabrikam CRM", match="several applications")
    for i in ids:
        assert str(i) in ambiguous.stderr
    # an exact id wins
    assert demo.ok("apps", "show", str(ids[1]))["id"] == ids[1]
    demo.fails(2, "request", "FABRIKAM CRM", as_upn=upn("diego.ramirez"),
               match="give one of the ids")


def test_access_remove_and_role_name_things_as_stored(demo: Cli) -> None:
    removed = demo.ok("access", "remove", "fabrikam crm", "ALICE.WU@contoso.example")
    assert removed == {"app": "Fabrikam CRM", "user": upn("alice.wu"), "removed": True}
    demo.fails(4, "access", "remove", "Fabrikam CRM", upn("alice.wu"), match="no access")

    role = demo.ok("access", "role", "FABRIKAM crm", "Fatima.Benali@contoso.example",
                   "sales.manager")
    assert role == {"user": upn("fatima.benali"), "app": "Fabrikam CRM",
                    "role": "Sales.Manager"}
    demo.fails(3, "access", "role", "Fabrikam CRM", upn("fatima.benali"), "Sales.Legacy",
               match="disabled")
