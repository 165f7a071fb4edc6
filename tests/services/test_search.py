"""Word-prefix search of applications and people (FTS5 on SQLite, a GIN index on PostgreSQL):
what matches, what does not, input that looks like query syntax, and an index that follows
every write, also after an upgrade from an older schema."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.models import Application, SchemaInfo, User
from desktop.models.database import is_postgres as is_postgres_db
from desktop.models.schema import SCHEMA_VERSION, close_database, open_database
from desktop.models.search import INDEXES, fts5_query, tsquery, words
from desktop.services import applications, directory

APPS = (
    ("Fabrikam CRM", "Fabrikam, Inc."),
    ("Contoso Project Hub", "Contoso Ltd."),
    ("Northwind Expenses", "Northwind Traders"),
    ("Andromeda Analytics", None),
    ("Notes (Beta)", "Tailspin"),
)
PEOPLE = (
    ("alice.wu@contoso.example", "Alice Wu", "Sales"),
    ("alice.brown@widgets.example", "Alice Brown", "IT"),
    ("bob.kelly@contoso.example", "Bob Kelly", "Finance"),
    ("malice.q@fabrikam.example", "Malice Quinn", "Legal"),
)


@pytest.fixture
def world(db, admin):
    for name, publisher in APPS:
        applications.add_application(admin, name, publisher=publisher)
    for upn, name, department in PEOPLE:
        directory.add_user(admin, upn, name, department=department)
    return admin


def app_names(admin: User, text: str | None) -> list[str]:
    return sorted(a["name"] for a in applications.list_applications(admin, text))


def page_names(admin: User, text: str | None) -> list[str]:
    return sorted(a["name"] for a in applications.applications_page(admin, text, limit=200))


def upns(admin: User, text: str | None) -> list[str]:
    return sorted(u["upn"] for u in directory.list_users(admin, text)
                  if u["upn"] != admin.upn)


def assert_index_consistent() -> None:
    """SQLite: FTS5 compares its index with the rows (a missed trigger shows up here)."""
    if is_postgres_db():
        return
    db = Application._meta.database
    for index in INDEXES:
        db.execute_sql(f"INSERT INTO {index.name}({index.name}) VALUES ('integrity-check')")


# --- what matches ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("fab", ["Fabrikam CRM"]),
    ("fab crm", ["Fabrikam CRM"]),
    ("CRM FAB", ["Fabrikam CRM"]),           # any order, any case
    ("proj", ["Contoso Project Hub"]),        # a word inside the name
    ("contoso", ["Contoso Project Hub"]),
    ("ltd", ["Contoso Project Hub"]),         # publisher words too
    ("traders", ["Northwind Expenses"]),
    ("n", ["Northwind Expenses", "Notes (Beta)"]),
    ("north exp", ["Northwind Expenses"]),
    ("beta", ["Notes (Beta)"]),
    ("fab hub", []),                          # every word must match
    ("rikam", []),                            # prefixes only: no match inside a word
    ("wind", []),
    ("xyz", []),
])
def test_applications_match_word_prefixes_of_name_and_publisher(world, text, expected):
    assert app_names(world, text) == expected
    assert page_names(world, text) == expected  # the Admin console's list: the same clause


@pytest.mark.parametrize(("text", "expected"), [
    ("ali", ["alice.brown@widgets.example", "alice.wu@contoso.example"]),
    ("alice wu", ["alice.wu@contoso.example"]),
    ("wu", ["alice.wu@contoso.example"]),
    ("sales", ["alice.wu@contoso.example"]),  # department
    ("fin", ["bob.kelly@contoso.example"]),
    ("contoso", ["alice.wu@contoso.example", "bob.kelly@contoso.example"]),  # UPN domain
    ("alice.w", ["alice.wu@contoso.example"]),  # UPN words, adjacent
    ("alice.b", ["alice.brown@widgets.example"]),
    ("alice.wu@contoso.example", ["alice.wu@contoso.example"]),
    ("ALICE.WU@CONTOSO", ["alice.wu@contoso.example"]),
    ("kelly bob", ["bob.kelly@contoso.example"]),
    ("lice", []),                             # not "Alice" nor "Malice"
    ("alice.c", []),                          # "c" must follow "alice" in the same word run
    ("sales it", []),
])
def test_people_match_word_prefixes_of_name_upn_and_department(world, text, expected):
    assert upns(world, text) == expected


def test_empty_search_lists_everything(world):
    everything = app_names(world, None)
    assert len(everything) == len(APPS)
    assert app_names(world, "") == app_names(world, "   ") == everything


# --- input that looks like query syntax -----------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ('"fab', ["Fabrikam CRM"]),
    ('fab"', ["Fabrikam CRM"]),
    ("fab*", ["Fabrikam CRM"]),
    ("-fab", ["Fabrikam CRM"]),
    ("name:fab", []),                   # "name" is a word to find, not a column filter
    ("(fab", ["Fabrikam CRM"]),
    ("fab)", ["Fabrikam CRM"]),
    ("fab OR north", []),               # OR is a word like any other
    ("and", ["Andromeda Analytics"]),   # AND / NOT are prefixes of names, not operators
    ("not", ["Notes (Beta)"]),
    ("NEAR(fab", []),
    ("fab & !crm", ["Fabrikam CRM"]),
    ("fab | north", []),
    ("fab <-> crm", ["Fabrikam CRM"]),
    ("fab' --", ["Fabrikam CRM"]),
    ("50%", []),
    ("fab_crm", ["Fabrikam CRM"]),
    ("fab\\", ["Fabrikam CRM"]),
    ("f:*", ["Fabrikam CRM"]),
    ("fab^2", []),
])
def test_query_syntax_characters_are_just_text(world, text, expected):
    assert app_names(world, text) == expected


@pytest.mark.parametrize("text", ['"', "(", ")", "*", "-", ":", '"("', "()", "*:*", "&|!",
                                  "'", "\\", "%", "_", "^", "@", "@.", "--", "<->", "\t"])
def test_input_without_letters_or_digits_filters_nothing(world, text):
    assert app_names(world, text) == app_names(world, None)
    assert len(upns(world, text)) == len(PEOPLE)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_any_typed_text_searches_without_error(world, text):
    applications.list_applications(world, text, limit=5)
    directory.list_users(world, text, limit=5)


def test_the_query_text_holds_only_quoted_letters_and_digits():
    typed = words('Fab"rikam (CRM) -x* a:b NOT')
    assert typed == [["fab", "rikam"], ["crm"], ["x"], ["a", "b"], ["not"]]
    assert fts5_query(typed) == ('"fab"* + "rikam"* AND "crm"* AND "x"* AND "a"* + "b"* '
                                 'AND "not"*')
    assert tsquery(typed) == "'fab':* <-> 'rikam':* & 'crm':* & 'x':* & 'a':* <-> 'b':* & 'not':*"
    assert sum(len(w) for w in words("a " * 100)) == 16  # a pasted page stays a small query


# --- the index follows the writes -----------------------------------------------------------


def test_a_renamed_application_is_found_by_its_new_name_only(world):
    applications.update_application(world, "Fabrikam CRM", name="Litware Sales Desk")
    assert app_names(world, "litware sal") == ["Litware Sales Desk"]
    assert app_names(world, "crm") == []
    assert app_names(world, "fab") == ["Litware Sales Desk"]  # its publisher is still Fabrikam
    applications.update_application(world, "Litware Sales Desk", publisher="Litware")
    assert app_names(world, "fab") == []
    assert app_names(world, "litware") == ["Litware Sales Desk"]
    assert_index_consistent()


def test_a_changed_person_is_found_by_the_new_name_and_department(world):
    directory.update_user(world, "alice.wu@contoso.example", name="Alice Chen",
                          department="Marketing")
    assert upns(world, "chen") == ["alice.wu@contoso.example"]
    assert upns(world, "mark") == ["alice.wu@contoso.example"]
    assert upns(world, "sales") == []
    assert upns(world, "alice wu") == ["alice.wu@contoso.example"]  # the UPN still says wu
    assert_index_consistent()


def test_other_updates_keep_the_index_right(world):
    """Pending counts and flags change often; they are not indexed and break nothing."""
    app = Application.get(Application.name == "Fabrikam CRM")
    Application.update(pending_count=Application.pending_count + 3, hidden=True).where(
        Application.id == app.id).execute()
    directory.update_user(world, "bob.kelly@contoso.example", enabled=False)
    assert app_names(world, "fab") == ["Fabrikam CRM"]
    assert upns(world, "bob") == ["bob.kelly@contoso.example"]
    assert_index_consistent()


def test_deleted_rows_vanish_even_when_their_id_comes_back(world):
    applications.add_application(world, "Zebra Tool", publisher="Zoo")
    zebra = Application.get(Application.name == "Zebra Tool")
    zebra.delete_instance()
    assert app_names(world, "zebra") == []
    # SQLite hands the same id to the next row: the old words must not point at it.
    applications.add_application(world, "Yak Shaver")
    assert app_names(world, "zebra") == app_names(world, "zoo") == []
    assert app_names(world, "yak") == ["Yak Shaver"]
    User.delete().where(User.upn == "malice.q@fabrikam.example").execute()
    assert upns(world, "malice") == upns(world, "fabrikam") == []
    assert_index_consistent()


def query_plan(query) -> str:
    db = Application._meta.database
    sql, params = query.sql()
    if is_postgres_db():
        with db.atomic():
            db.execute_sql("SET LOCAL enable_seqscan = off")  # a tiny table is seq-scanned
            return "\n".join(r[0] for r in db.execute_sql("EXPLAIN " + sql, params))
    return "\n".join(str(r[-1]) for r in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))


@pytest.mark.parametrize(("what", "index"), [("apps", "application_search"),
                                             ("users", "user_search")])
def test_the_search_uses_its_index(world, what, index):
    if what == "apps":
        query = applications.app_query(world, "fab crm").order_by(Application.name).limit(200)
    else:
        query = directory.user_query(world, "alice.w").order_by(User.upn).limit(200)
    plan = query_plan(query)
    if is_postgres_db():
        assert f"Bitmap Index Scan on {index}" in plan, plan
    else:
        assert f"SCAN {index} VIRTUAL TABLE INDEX" in plan, plan


# --- older databases --------------------------------------------------------------------------


def downgrade(db, version: int) -> None:
    """Make the open database look as a version-1 or -2 program left it."""
    if is_postgres_db():
        for index in INDEXES:
            db.execute_sql(f"DROP INDEX {index.name}")
    else:
        for index in INDEXES:
            for trigger in ("insert", "delete", "update"):
                db.execute_sql(f"DROP TRIGGER {index.name}_{trigger}")
            db.execute_sql(f"DROP TABLE {index.name}")
    if version < 2:
        db.execute_sql("ALTER TABLE application DROP COLUMN pending_count")
    db.execute_sql(f"UPDATE schema_info SET version = {version}")


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_database_upgraded_finds_its_existing_rows(world, db, db_url, version):
    downgrade(db, version)
    close_database()
    open_database(db_url, init=True)
    assert SchemaInfo.get().version == SCHEMA_VERSION == 3
    admin = User.get(User.upn == world.upn)
    assert app_names(admin, "fab crm") == ["Fabrikam CRM"]
    assert app_names(admin, "traders") == ["Northwind Expenses"]
    assert upns(admin, "alice.w") == ["alice.wu@contoso.example"]
    assert upns(admin, "sales") == ["alice.wu@contoso.example"]
    assert_index_consistent()
    # ... and follows new writes.
    applications.update_application(admin, "Fabrikam CRM", name="Litware CRM")
    directory.add_user(admin, "dana.ross@contoso.example", "Dana Ross", department="Sales")
    assert app_names(admin, "litw") == ["Litware CRM"]
    assert upns(admin, "sales") == ["alice.wu@contoso.example", "dana.ross@contoso.example"]
    assert_index_consistent()
