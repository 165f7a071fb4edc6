"""Shared fixtures: an isolated home, a database on SQLite and (when available) PostgreSQL,
factories that build a directory through the services, and `dump()` to prove a refused
action changed nothing."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import peewee as pw
import pytest

from desktop.models import (
    AccessRequest,
    Application,
    DirectoryRoleAssignment,
    Group,
    User,
    database_proxy,
)
from desktop.models.schema import close_database, open_database, pending_counts_consistent

PG_ENV = "ACCESS_DESK_TEST_PG"
EXCLUDED_FROM_DUMP = {"sign_in_failure"}
DOMAIN = "example.test"


# --- environment --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Never touch the user's real data folder, database or keyring; no data key is kept in
    memory from one test to the next."""
    from desktop import keystore

    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("ACCESS_DESK_HOME", str(home))
    monkeypatch.delenv("ACCESS_DESK_DB", raising=False)
    monkeypatch.setenv(keystore.KEYRING_ENV, "0")  # data keys go to a file under the home
    keystore.forget_cached_keys()
    yield home
    keystore.forget_cached_keys()


def reset_postgres(url: str) -> None:
    """Drop every table of the throw-away database."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute("DROP SCHEMA public CASCADE")
        con.execute("CREATE SCHEMA public")


@pytest.fixture
def pg_url() -> str:
    """The URL of an empty throw-away PostgreSQL database, or skip."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set (scripts/pg-test-cluster.sh start DIR)")
    reset_postgres(url)
    return url


# --- the database -------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "t.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def _demo_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo built once per session; each SQLite test that wants it gets a copy."""
    from desktop.demo.build import build_demo

    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    open_database(str(path))
    try:
        build_demo()
    finally:
        close_database()
    return path


@pytest.fixture
def db(db_url: str, request: pytest.FixtureRequest) -> Iterator[pw.Database]:
    """An empty, initialised Access Desk database bound to the models (the demo's copy when
    the test also asks for `demo`, on SQLite)."""
    if "demo" in request.fixturenames and not db_url.startswith("postgres"):
        shutil.copyfile(request.getfixturevalue("_demo_sqlite_template"), db_url)
    database = open_database(db_url, init=True)
    try:
        yield database
    finally:
        close_database()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[pw.Database]:
    """SQLite only, for what is about one file (several processes, migrations)."""
    database = open_database(str(tmp_path / "t.db"))
    try:
        yield database
    finally:
        close_database()


@pytest.fixture
def feed(qtbot: Any, db: pw.Database) -> Iterator[Any]:
    """A LiveFeed over the test's database, polling every 50 ms; stopped after the test."""
    from desktop.live import LiveFeed

    live = LiveFeed(interval_ms=50)
    live.start()
    yield live
    live.stop()


def is_postgres_db() -> bool:
    return isinstance(database_proxy.obj, pw.PostgresqlDatabase)


def _plain(value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def dump_tables() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but sign_in_failure, sorted: equal dumps, equal databases."""
    database = database_proxy.obj
    result: dict[str, list[tuple[Any, ...]]] = {}
    for table in sorted(database.get_tables()):
        if table in EXCLUDED_FROM_DUMP:
            continue
        cursor = database.execute_sql(f'SELECT * FROM "{table}"')
        rows = [tuple(_plain(v) for v in row) for row in cursor.fetchall()]
        result[table] = sorted(rows, key=repr)
    return result


@pytest.fixture
def dump() -> Callable[[], dict[str, list[tuple[Any, ...]]]]:
    """`dump()`: every row of every table except sign_in_failure, sorted, as tuples."""
    return dump_tables


@pytest.fixture
def refused(db: pw.Database) -> Callable[..., Exception]:
    """refused(ErrorType, "text in message", fn, *args, **kw): raises, and changes no row."""

    def check(error: type[Exception], match: str | None, fn: Callable[..., Any],
              *args: Any, **kwargs: Any) -> Exception:
        before = dump_tables()
        with pytest.raises(error) as info:
            fn(*args, **kwargs)
        if match is not None:
            assert match.lower() in str(info.value).lower(), str(info.value)
        after = dump_tables()
        changed = [t for t in before if before[t] != after.get(t)]
        assert not changed, f"a refused action changed the tables {changed}"
        assert after == before
        return info.value

    return check


# --- people and things --------------------------------------------------------------------


def upn(local: str) -> str:
    return local if "@" in local else f"{local}@{DOMAIN}"


@pytest.fixture
def admin(db: pw.Database) -> User:
    """A Global Administrator created directly, as `init --admin` would."""
    user = User.create(upn=upn("admin"), display_name="Ada Admin", mail=upn("admin"),
                       license="p2", enabled=True)
    DirectoryRoleAssignment.create(user=user, role="global_admin")
    return user


class Factory:
    """Builds users, groups, applications and requests through the services, as admin."""

    def __init__(self, admin: User) -> None:
        self.admin = admin

    def user(self, local: str, *, license: str = "p1", roles: tuple[str, ...] = (),
             enabled: bool = True, mail: bool = True, name: str | None = None) -> User:
        from desktop.services import directory

        address = upn(local)
        directory.add_user(self.admin, address, name or local.title(), license=license,
                           roles=list(roles), enabled=enabled,
                           mail=address if mail else None)
        return User.get(User.upn == address)

    def group(self, name: str, **flags: bool) -> Group:
        from desktop.services import directory

        directory.add_group(self.admin, name, **flags)
        return Group.get(Group.name == name)

    def member(self, group: str, user: User) -> None:
        from desktop.services import directory

        directory.add_member(self.admin, group, user.upn)

    def app(self, name: str, *, origin: str = "gallery", sso: str = "none",
            public_client: bool = False, hidden: bool = False,
            roles: tuple[Any, ...] = ()) -> Application:
        from desktop.services import applications

        specs = [r if isinstance(r, applications.RoleSpec) else applications.parse_role(r)
                 for r in roles]
        applications.add_application(self.admin, name, origin=origin, sso=sso,
                                     public_client=public_client, hidden=hidden, roles=specs)
        return Application.get(Application.name == name)

    def selfservice_app(self, name: str, *, approvers: tuple[User, ...] = (),
                        require_approval: bool | None = None, role: str | None = None,
                        group: str | None = None, email: bool = False,
                        roles: tuple[Any, ...] = (), sso: str = "none") -> Application:
        """An application with self-service on, its own group, and the approvers given."""
        from desktop.services import selfservice

        app = self.app(name, roles=roles, sso=sso)
        group_name = group or f"SS - {name}"
        if not Group.select().where(Group.name == group_name).exists():
            self.group(group_name)
        selfservice.update(
            self.admin, name, enabled=True, group=group_name,
            require_approval=bool(approvers) if require_approval is None else require_approval,
            add_approvers=[a.upn for a in approvers],
            role=role if role else selfservice.UNSET,
            email_approvers=email or None,
        )
        return Application.get_by_id(app.id)

    def request(self, requester: User, app: Application | str,
                justification: str | None = None) -> AccessRequest:
        from desktop.services import requests

        name = app if isinstance(app, str) else app.name
        view = requests.create_request(requester, name, justification)
        return AccessRequest.get_by_id(view["id"])


@pytest.fixture
def make(admin: User) -> Factory:
    return Factory(admin)


@pytest.fixture
def demo(db: pw.Database) -> User:
    """The demo directory (build_demo()); returns its first Global Administrator."""
    from desktop.demo.build import build_demo, first_admin

    if is_postgres_db():
        return build_demo()
    admin = first_admin()  # SQLite: `db` opened a copy of the session's build_demo()
    assert admin is not None
    return admin


@pytest.fixture
def consistent(db: pw.Database) -> Iterator[None]:
    """Asserts, after the test, that every application's kept pending count is right."""
    yield
    assert pending_counts_consistent(), "Application.pending_count drifted from the requests"


# --- a real SMTP server -----------------------------------------------------------------------


def _smtp_server_module() -> ModuleType:
    """The integration tests' aiosmtpd server (tests/integration/conftest.py), reused, not copied:
    the tests folders are not packages, so it is loaded by path, once."""
    name = "_access_desk_test_smtp_server"
    if name not in sys.modules:
        path = Path(__file__).resolve().parent / "integration" / "conftest.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    """A real SMTP server on 127.0.0.1 (login required, no TLS): start(), stop(), received."""
    server = _smtp_server_module().SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
