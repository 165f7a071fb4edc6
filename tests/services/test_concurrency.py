"""Several writers at once: exactly one decision wins, and no "database is locked"."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from desktop.errors import Conflict
from desktop.models import AccessRequest, AuditEvent, User, database_proxy
from desktop.models.schema import pending_counts_consistent
from desktop.services import access, auditlog, requests

ROOT = Path(__file__).resolve().parents[2]


def test_two_approvers_racing_exactly_one_wins(make, admin):
    a, b = make.user("approver.a"), make.user("approver.b")
    make.selfservice_app("Ledger", approvers=(a, b))
    alice = make.user("alice")
    database = database_proxy.obj

    for round_ in range(30):
        req = make.request(alice, "Ledger", f"round {round_}")
        barrier = threading.Barrier(2)
        outcome: dict[str, object] = {}

        def race(approver: User, req_id: int = req.id, barrier=barrier, outcome=outcome):
            database.connect(reuse_if_open=True)  # its own connection: peewee is thread-local
            try:
                barrier.wait(timeout=10)
                outcome[approver.upn] = requests.approve(approver, req_id)
            except Exception as exc:  # noqa: BLE001 - reported below
                outcome[approver.upn] = exc
            finally:
                database.close()

        threads = [threading.Thread(target=race, args=(p,)) for p in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        wins = [upn for upn, o in outcome.items() if isinstance(o, dict)]
        conflicts = [o for o in outcome.values() if isinstance(o, Conflict)]
        assert len(wins) == 1, outcome
        assert len(conflicts) == 1, outcome
        assert wins[0] in str(conflicts[0])  # names the one who decided first
        stored = AccessRequest.get_by_id(req.id)
        assert stored.status == "approved"
        assert stored.decided_by.upn == wins[0]
        access.remove_access(admin, "Ledger", alice.upn)  # so alice may ask again

    assert AuditEvent.select().where(AuditEvent.action == "request.approve").count() == 30
    assert auditlog.verify(admin).ok
    assert pending_counts_consistent()


WORKER = textwrap.dedent("""
    import sys, time
    from desktop.errors import Conflict
    from desktop.models import User
    from desktop.models.schema import open_database
    from desktop.services import access, requests

    path, idx, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    open_database(path)
    admin = User.get(User.upn == "admin@example.test")
    boss = User.get(User.upn == f"boss{idx % 2}@example.test")
    me = User.get(User.upn == f"worker{idx}@example.test")
    end = time.monotonic() + seconds
    done = conflicts = 0
    while time.monotonic() < end:
        rid = requests.create_request(me, "Ledger", f"round {done}")["id"]
        step = done % 3
        try:  # a colleague may have settled it already: a conflict, never a lock error
            if step == 0:
                requests.approve(boss, rid)
                access.remove_access(admin, "Ledger", me.upn)
            elif step == 1:
                requests.deny(boss, rid, "not now")
            else:
                requests.cancel(me, rid)
        except Conflict:
            conflicts += 1
        # Someone else's pending request, if any: settles it or meets a conflict.
        other = requests.list_requests(boss, "to_approve", status="pending", limit=1)
        if other and other[0]["requester"] != me.upn:
            try:
                requests.deny(boss, other[0]["id"], "cleared by a colleague")
            except Conflict:
                conflicts += 1
        done += 1
    print(done, conflicts)
""")


@pytest.mark.slow
def test_four_processes_on_one_sqlite_file(sqlite_db, tmp_path):
    seconds = float(os.environ.get("ACCESS_DESK_SOAK_SECONDS", "3"))
    admin = User.create(upn="admin@example.test", display_name="Admin", license="p2")
    from desktop.models import DirectoryRoleAssignment
    from desktop.services import applications, directory, selfservice

    DirectoryRoleAssignment.create(user=admin, role="global_admin")
    for name in ("boss0", "boss1", *(f"worker{i}" for i in range(4))):
        directory.add_user(admin, f"{name}@example.test", name, license="p1")
    directory.add_group(admin, "Ledger users")
    applications.add_application(admin, "Ledger")
    selfservice.update(admin, "Ledger", enabled=True, group="Ledger users",
                       require_approval=True,
                       add_approvers=["boss0@example.test", "boss1@example.test"])
    path = sqlite_db.database

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, path, str(i), str(seconds)],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for i in range(4)
    ]
    results = []
    for proc in workers:
        out, err = proc.communicate(timeout=seconds + 120)
        assert "database is locked" not in err
        assert proc.returncode == 0, err[-2000:]
        done, _conflicts = map(int, out.split())
        assert done > 0
        results.append(done)

    assert AccessRequest.select().count() == sum(results)
    assert not AccessRequest.select().where(AccessRequest.status == "pending").exists()
    assert pending_counts_consistent()
    verdict = auditlog.verify(admin)
    assert verdict.ok, verdict.message
