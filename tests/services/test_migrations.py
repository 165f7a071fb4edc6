"""Opening databases: upgrades with a backup, and refusing what is not ours without a byte
changed."""

from __future__ import annotations

import hashlib
import sqlite3
import stat
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.errors import DatabaseUnusable
from desktop.models import (
    AccessRequest,
    Application,
    AppRole,
    Assignment,
    AuditEvent,
    DirectoryRoleAssignment,
    Group,
    SchemaInfo,
    User,
)
from desktop.models.schema import (
    SCHEMA_VERSION,
    close_database,
    open_database,
    pending_counts_consistent,
)
from desktop.models.search import INDEXES
from desktop.services import applications, auditlog, directory, requests, selfservice
from desktop.services.core import sort_order


@pytest.fixture(autouse=True)
def _closed():
    yield
    close_database()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fill(with_pending: int = 2) -> dict[str, object]:
    """An admin, an application with self-service, some pending requests and an approved one."""
    admin = User.create(upn="admin@example.test", display_name="Admin", license="p2")
    DirectoryRoleAssignment.create(user=admin, role="global_admin")
    directory.add_user(admin, "boss@example.test", "Boss", license="p1")
    directory.add_group(admin, "Ledger users")
    applications.add_application(admin, "Ledger",
                                 roles=[applications.RoleSpec("reader", "Reader")])
    applications.add_application(admin, "Idle")
    selfservice.update(admin, "Ledger", enabled=True, group="Ledger users",
                       require_approval=True, add_approvers=["boss@example.test"],
                       role="reader")
    boss = User.get(User.upn == "boss@example.test")
    ids = []
    for i in range(with_pending + 1):
        directory.add_user(admin, f"u{i}@example.test", f"U{i}", license="p1")
        user = User.get(User.upn == f"u{i}@example.test")
        ids.append(requests.create_request(user, "Ledger", f"need {i}")["id"])
    requests.approve(boss, ids[-1])
    return {"admin": admin, "ids": ids}


def snapshot() -> dict[str, object]:
    """What a person would notice, independent of column order."""
    return {
        "apps": [(a.id, a.name, a.origin) for a in Application.select().order_by(Application.id)],
        "requests": [(r.id, r.application_id, r.requester_id, r.status, r.justification)
                     for r in AccessRequest.select().order_by(AccessRequest.id)],
        "users": [(u.id, u.upn, u.license) for u in User.select().order_by(User.id)],
        "tables": {t: None for t in sorted(SchemaInfo._meta.database.get_tables())},
    }


# Back to version 7: none of governance's columns and tables (rules 16-18).
# Back to version 8: the sort indexes of issue 15.
UNDO_V9 = ("DROP INDEX access_request_decided_at_sort", "DROP INDEX audit_event_action_sort",
           "DROP INDEX audit_event_target_sort",
           "DROP INDEX access_request_application_decided_sort")
UNDO_V8 = (*UNDO_V9, "DROP TABLE review_item", "DROP TABLE review_reviewer",
           "DROP TABLE access_review",
           "DROP TABLE away_period", "DROP TABLE access_grant",
           "DROP TABLE escalation_approver",
           *(f"DROP INDEX access_request_{c}" for c in ("expires_at", "remind_at",
                                                        "escalate_at")),
           *(f"ALTER TABLE self_service_settings DROP COLUMN {c}" for c in (
               "expire_days", "remind_days", "escalate_days", "reason_to_approve",
               "access_days", "access_until", "end_reminder_days",
               "nobody_available_told_at")),
           *(f"ALTER TABLE access_request DROP COLUMN {c}" for c in (
               "kind", "extends_grant", "expires_at", "remind_at", "reminded_at",
               "escalate_at", "escalated_at", "decided_for")))
# Back to version 5: no signed checkpoints, no keys, no formula-2 marker.
UNDO_V6 = (*UNDO_V8, "DROP TABLE sign_in_session",  # what versions 8 and 7 added, then 6's:
           "DROP TABLE audit_checkpoint", "DROP TABLE audit_signing_key",
           "DELETE FROM setting WHERE key = 'audit_formula_2_from'")


def undo_v5(con: sqlite3.Connection) -> None:
    """Back to version 4: no guest columns, no graph_imported, Graph ids only where an import
    gave them (the ones graph_imported says)."""
    con.execute("DROP INDEX user_user_type_sort")
    for table in ("user", "group", "application"):
        con.execute(f'UPDATE "{table}" SET graph_id = NULL WHERE NOT graph_imported')
        con.execute(f'ALTER TABLE "{table}" DROP COLUMN graph_imported')
    con.execute("UPDATE application SET app_id = NULL")
    con.execute("UPDATE app_role SET graph_id = NULL")
    con.execute("UPDATE assignment SET graph_id = NULL")
    con.execute('ALTER TABLE "user" DROP COLUMN user_type')
    con.execute('ALTER TABLE "user" DROP COLUMN external_user_state')


def set_back(path: Path, version: int, statements: tuple[str, ...],
             then: Callable[[sqlite3.Connection], None] | None = None) -> None:
    """Make a closed SQLite file look as a version-`version` program left it."""
    con = sqlite3.connect(path)
    for statement in statements:
        con.execute(statement)
    if then is not None:
        then(con)
    con.execute(f"UPDATE schema_info SET version={version}")
    con.commit()
    con.close()


def make_v1(path: Path) -> dict[str, object]:
    open_database(str(path))
    fill()
    before = snapshot()
    close_database()
    con = sqlite3.connect(path)
    for statement in UNDO_V6:
        con.execute(statement)
    undo_v5(con)
    # What later versions added: the sort indexes, the search index (versions 3 and 4).
    for (index,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                "AND name LIKE '%\\_sort' ESCAPE '\\'").fetchall():
        con.execute(f"DROP INDEX {index}")
    for search_index in INDEXES:
        for trigger in ("insert", "delete", "update"):
            con.execute(f"DROP TRIGGER {search_index.name}_{trigger}")
        con.execute(f"DROP TABLE {search_index.name}")
        con.execute(f"DROP VIEW {search_index.content_view}")
    con.execute("ALTER TABLE application DROP COLUMN pending_count")
    con.execute("UPDATE schema_info SET version=1")
    con.commit()
    con.close()
    return before


def test_version_1_file_is_upgraded_with_backup_and_data_kept(tmp_path):
    path = tmp_path / "t.db"
    before = make_v1(path)
    db = open_database(str(path))
    assert SchemaInfo.get().version == SCHEMA_VERSION
    assert snapshot() == before  # nothing lost: requests, roles, settings, people
    counts = {a.name: a.pending_count for a in Application.select()}
    assert counts == {"Ledger": 2, "Idle": 0}
    assert pending_counts_consistent()
    # Foreign keys are back on and still point at the rebuilt table.
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    assert {r[2] for r in db.execute_sql("PRAGMA foreign_key_list(access_request)")} == {
        "application", "user"}
    backups = list(tmp_path.glob("t.db.v1-*.bak"))
    assert len(backups) == 1
    con = sqlite3.connect(backups[0])
    try:
        assert con.execute("SELECT version FROM schema_info").fetchone() == (1,)
        columns = {r[1] for r in con.execute("PRAGMA table_info(application)")}
        assert "pending_count" not in columns
        assert con.execute("SELECT COUNT(*) FROM access_request").fetchone() == (3,)
    finally:
        con.close()
    # The upgraded database works: the kept count follows new requests.
    admin = User.get(User.upn == "admin@example.test")
    requests.close(admin, AccessRequest.select().where(
        AccessRequest.status == "pending").first().id, "tidy")
    assert Application.get(Application.name == "Ledger").pending_count == 1
    assert pending_counts_consistent()


GUEST_ID = "0a000000-7e57-4a11-9d00-000000000009"


def test_version_4_file_gets_user_types_and_a_graph_id_for_every_object(tmp_path):
    path = tmp_path / "t.db"
    open_database(str(path))
    fill()
    admin = User.get(User.upn == "admin@example.test")
    directory.add_user(admin, "heidi_fabrikam.test#ext#@example.test", "Heidi")
    User.update(graph_id=GUEST_ID, graph_imported=True).where(User.upn.contains("#ext#")).execute()
    before = snapshot()
    close_database()
    set_back(path, 4, UNDO_V6, undo_v5)

    open_database(str(path))

    assert SchemaInfo.get().version == SCHEMA_VERSION
    assert snapshot() == before
    users = {u.upn: u for u in User.select()}
    guest = users.pop("heidi_fabrikam.test#ext#@example.test")
    assert (guest.user_type, guest.external_user_state) == ("guest", None)
    assert (guest.graph_id, guest.graph_imported) == (GUEST_ID, True)  # Graph's id is kept
    assert {u.user_type for u in users.values()} == {"member"}
    assert not any(u.graph_imported for u in users.values())
    minted = [u.graph_id for u in users.values()]
    minted += [g.graph_id for g in Group.select()]
    minted += [x for a in Application.select() for x in (a.graph_id, a.app_id)]
    minted += [r.graph_id for r in AppRole.select()]
    assert all(uuid.UUID(value).version == 4 for value in minted)
    assert len(set(minted)) == len(minted) > 10
    keys = [a.graph_id for a in Assignment.select()]
    assert keys
    assert all(len(k) == 43 and k.isascii() for k in keys)
    # Made after the upgrade: a GUID from the start; the search still finds new people.
    view = directory.add_user(admin, "new@example.test", "Newcomer Person")
    assert uuid.UUID(User.get(User.upn == view["upn"]).graph_id)
    assert [u["upn"] for u in directory.list_users(admin, "Newcomer")] == ["new@example.test"]


def test_version_8_file_gets_the_sort_indexes_and_sorts_with_them(tmp_path):
    path = tmp_path / "t.db"
    open_database(str(path))
    fill()
    before = snapshot()
    close_database()
    set_back(path, 8, UNDO_V9)

    open_database(str(path))

    assert SchemaInfo.get().version == SCHEMA_VERSION
    assert snapshot() == before
    assert list(tmp_path.glob("*.bak"))  # upgraded with a backup, as every version
    admin = User.get(User.upn == "admin@example.test")
    plans = {
        "requests by decision time": requests.sorted_page(
            admin, "all", sort_order("-decided_at", requests.REQUEST_SORTS, [],
                                     AccessRequest.id), lead=None, limit=100),
        "audit by action": auditlog.audit_query(admin).order_by(
            *sort_order("-action", auditlog.EVENT_SORTS, [], AuditEvent.seq)).limit(100),
        "audit by target": auditlog.audit_query(admin).order_by(
            *sort_order("target", auditlog.EVENT_SORTS, [], AuditEvent.seq)).limit(100),
    }
    for what, query in plans.items():
        sql, params = query.sql()
        plan = " | ".join(row[3] for row in AuditEvent._meta.database.execute_sql(
            "EXPLAIN QUERY PLAN " + sql, params))
        assert "_sort" in plan, (what, plan)
        assert "TEMP B-TREE" not in plan, (what, plan)


def test_current_version_file_is_opened_without_backup(tmp_path):
    path = tmp_path / "t.db"
    open_database(str(path))
    fill(1)
    close_database()
    open_database(str(path))
    assert SchemaInfo.get().version == SCHEMA_VERSION
    assert not list(tmp_path.glob("*.bak"))


def test_new_file_is_created_owner_only(tmp_path):
    path = tmp_path / "sub" / "new.db"
    open_database(str(path))
    assert SchemaInfo.get().version == SCHEMA_VERSION
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_newer_schema_refused_and_file_unchanged(tmp_path):
    path = tmp_path / "t.db"
    open_database(str(path))
    fill(1)
    close_database()
    con = sqlite3.connect(path)
    con.execute("UPDATE schema_info SET version=999")
    con.commit()
    con.close()
    digest = sha256(path)
    with pytest.raises(DatabaseUnusable, match="newer") as info:
        open_database(str(path))
    assert "999" in str(info.value)
    assert info.value.exit_code == 4
    assert sha256(path) == digest
    assert not list(tmp_path.glob("*.bak"))


@pytest.mark.parametrize(("claimed", "step"), [(1, 2), (4, 5), (5, 6)])
def test_a_version_row_that_contradicts_the_tables_is_refused_once_unchanged(
        tmp_path, claimed, step):
    """Issue 17, item 16: the row says an older version than the tables are; upgrading would
    fail half-way ("duplicate column name") and leave a backup at every try."""
    path = tmp_path / "t.db"
    open_database(str(path))
    fill(1)
    close_database()
    con = sqlite3.connect(path)
    con.execute(f"UPDATE schema_info SET version={claimed}")
    con.commit()
    con.close()
    digest = sha256(path)
    for _ in range(2):
        with pytest.raises(DatabaseUnusable, match=f"says it is at schema {claimed}") as info:
            open_database(str(path))
        assert f"later version {step}" in str(info.value)
        assert info.value.exit_code == 4
    assert sha256(path) == digest
    assert not list(tmp_path.glob("*.bak"))


def test_foreign_sqlite_file_refused_and_unchanged(tmp_path):
    path = tmp_path / "contacts.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE contact (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO contact (name) VALUES ('Ann')")
    con.commit()
    con.close()
    digest = sha256(path)
    with pytest.raises(DatabaseUnusable, match="not an Access Desk database"):
        open_database(str(path))
    assert sha256(path) == digest


def test_sqlite_file_with_another_products_schema_info_refused(tmp_path):
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE schema_info (id INTEGER PRIMARY KEY, product TEXT, version INT)")
    con.execute("INSERT INTO schema_info (product, version) VALUES ('other-app', 1)")
    con.commit()
    con.close()
    digest = sha256(path)
    with pytest.raises(DatabaseUnusable, match="not an Access Desk database"):
        open_database(str(path))
    assert sha256(path) == digest


def test_text_file_refused_and_unchanged(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("shopping list: milk, bread\n" * 50)
    digest = sha256(path)
    with pytest.raises(DatabaseUnusable, match="not"):
        open_database(str(path))
    assert sha256(path) == digest
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


# --- PostgreSQL: the schema changes only by an explicit init ------------------------------------


@pytest.mark.postgres
def test_postgres_empty_database_needs_init(pg_url):
    with pytest.raises(DatabaseUnusable, match="run init") as info:
        open_database(pg_url)
    assert info.value.exit_code == 4
    db = open_database(pg_url, init=True)
    assert SchemaInfo.get().version == SCHEMA_VERSION
    close_database()
    db = open_database(pg_url)  # now without init
    assert "access_request" in db.get_tables()


@pytest.mark.postgres
def test_postgres_empty_database_untouched_without_init(pg_url):
    import psycopg

    with pytest.raises(DatabaseUnusable, match="run init"):
        open_database(pg_url)
    with psycopg.connect(pg_url) as con:
        tables = con.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        assert tables.fetchall() == []


@pytest.mark.postgres
def test_postgres_older_schema_upgraded_only_by_init(pg_url):
    open_database(pg_url, init=True)
    fill()
    before = snapshot()
    db = SchemaInfo._meta.database
    for statement in UNDO_V6:
        db.execute_sql(statement)
    db.execute_sql("DROP INDEX user_user_type_sort")
    for table, column in (("user", "user_type"), ("user", "external_user_state"),
                          ("user", "graph_imported"), ("group", "graph_imported"),
                          ("application", "graph_imported")):
        db.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN {column}')
    db.execute_sql("ALTER TABLE application DROP COLUMN pending_count")
    db.execute_sql("UPDATE schema_info SET version=1")
    close_database()
    with pytest.raises(DatabaseUnusable, match="run init"):
        open_database(pg_url)
    open_database(pg_url, init=True)
    assert SchemaInfo.get().version == SCHEMA_VERSION
    assert snapshot() == before
    assert Application.get(Application.name == "Ledger").pending_count == 2
    assert pending_counts_consistent()


@pytest.mark.postgres
def test_postgres_newer_schema_refused(pg_url):
    open_database(pg_url, init=True)
    SchemaInfo.update(version=999).execute()
    close_database()
    for init in (False, True):
        with pytest.raises(DatabaseUnusable, match="newer"):
            open_database(pg_url, init=init)
    import psycopg

    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT version FROM schema_info").fetchone() == (999,)
