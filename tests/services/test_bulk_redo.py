"""A batch is decided under one savepoint; a decision refused after it has written (an
extension whose grant ended meanwhile) has the batch decided again, a savepoint each
(``requests.decide_batch``): the outcome and the rows are still those of one at a time."""

from __future__ import annotations

import datetime as dt
import gc
from typing import Any

import pytest
from test_bulk_agreement import _in_batches, _one_at_a_time, _run

from desktop.models import AccessGrant, User
from desktop.services import bulk, core, requests, selfservice


@pytest.mark.usefixtures("db")
def test_a_refusal_after_writing_leaves_the_batch_as_one_at_a_time(make, monkeypatch):
    ann = make.user("ann", license="p2", name="Ann Approver")
    make.selfservice_app("Plain", approvers=(ann,), email=True)
    make.selfservice_app("Roles", approvers=(ann,), roles=("member:Member",), role="member")
    make.selfservice_app("Timed", approvers=(ann,), email=True)
    selfservice.update(make.admin, "Timed", access_days=30)
    timed = make.user("timed", name="Timed User")
    requests.approve(ann, make.request(timed, "Timed").id)
    extension = requests.create_request(timed, "Timed", "more time", extend=True)["id"]
    ids: list[int] = []
    for person in [make.user(f"user{i}", name=f"User {i}") for i in range(3)]:
        for app in ("Timed", "Roles", "Plain"):  # grants and assignments written at once
            ids.append(make.request(person, app, f"{person.upn} needs {app}").id)
    ids.insert(4, extension)
    AccessGrant.update(ended_at=core.now(), ended_why="ended meanwhile").where(
        AccessGrant.user == timed.id).execute()

    batches: list[list[int]] = []
    real = requests.Decisions

    class Counted(real):  # type: ignore[misc, valid-type]
        def __init__(self, actor: User, ids: Any, *args: Any) -> None:
            batches.append(list(ids))
            super().__init__(actor, ids, *args)

    actor = User.get_by_id(ann.id)
    with core.frozen_clock(dt.datetime(2030, 5, 1, 9, 0), dt.timedelta(0)):
        alone = _run(lambda: _one_at_a_time(actor, ids, True, None))
        monkeypatch.setattr(requests, "Decisions", Counted)
        together = _run(lambda: _in_batches(actor, ids, True, None, 6))

    assert alone[0][extension][0] == "conflict"
    assert "would extend has ended" in (alone[0][extension][1] or "")
    assert together[0] == alone[0]
    for table, rows in alone[1].items():
        assert together[1][table] == rows, table
    # The first batch (with the extension) was decided twice, the second once.
    assert batches == [ids[:6], ids[:6], ids[6:]]


@pytest.mark.usefixtures("db")
def test_the_cyclic_collector_is_paused_for_each_batch_only(make, monkeypatch):
    ann = make.user("ann", license="p2", name="Ann Approver")
    make.selfservice_app("Plain", approvers=(ann,))
    ids = [make.request(make.user(f"user{i}"), "Plain").id for i in range(5)]
    during: list[bool] = []
    real = requests.decide_batch

    def spy(*args: Any) -> Any:
        during.append(gc.isenabled())
        return real(*args)

    monkeypatch.setattr(requests, "decide_batch", spy)
    was = gc.isenabled()  # a GUI test may have left it off (desktop.ui.gc_guard)
    gc.enable()  # as in a process without a window
    try:
        summary = bulk.decide_many(User.get_by_id(ann.id), ids, True, batch=2)
        assert gc.isenabled()
    finally:
        if not was:
            gc.disable()
    assert summary.decided == ids
    assert during == [False, False, False]
