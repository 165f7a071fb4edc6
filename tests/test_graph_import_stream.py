"""Issue 17 items 3 and 4: a Graph import reads its files object by object in bounded memory
(hostile files refused on one line, exit 2), imports in bulk with the same result as a dry
run, and reads only regular files of the folder, naming every entry it left out."""

from __future__ import annotations

import json
import os
import sys
import tracemalloc
from pathlib import Path

import pytest

from desktop.errors import UsageError
from desktop.graph import GraphFormatError, read_graph
from desktop.models import Group, GroupMember, User
from desktop.services import graph_import

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.graph_import import write_export, write_hostile  # noqa: E402

USER = "0a000000-7e57-4a11-9d00-0000000000{:02d}"


def _user(number: int, **extra: object) -> dict[str, object]:
    return {"id": USER.format(number), "userPrincipalName": f"u{number}@contoso.test",
            "displayName": f"User {number}", "accountEnabled": True, **extra}


def _page(folder: Path, name: str, items: list[dict[str, object]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps({"@odata.context": "https://graph.microsoft.com/v1.0/"
                                "$metadata#users", "value": items}))
    return path


def _peak_while(fn: object) -> tuple[int, Exception | None]:
    """Peak traced Python memory (bytes) while fn() runs, and what it raised."""
    tracemalloc.start()
    raised: Exception | None = None
    try:
        fn()  # type: ignore[operator]
    except Exception as exc:  # noqa: BLE001 - returned for the test to look at
        raised = exc
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, raised


# --- item 3: bounded memory -----------------------------------------------------------------


def test_a_list_of_numbers_is_refused_at_its_first_item_in_bounded_memory(tmp_path) -> None:
    hostile = tmp_path / "export" / "users.json"
    hostile.parent.mkdir()
    size = write_hostile(hostile, 16)  # {"value": [1, 1, ...]}, 16 MB

    peak, raised = _peak_while(lambda: read_graph([hostile.parent]))

    assert isinstance(raised, GraphFormatError)
    assert str(raised) == f"{hostile}: item 0: expected an object, got 1"
    # What the parser holds for one chunk of 64 KB read (its events), whatever the file's size.
    assert peak < 4 << 20 < size / 4, f"peak {peak:,} bytes for a file of {size:,}"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        # One string of 3 MB: a value no Graph export holds.
        ('{"value": [{"id": "x", "displayName": "' + "a" * (3 << 20) + '"}]}',
         "holds a value, or numbers without a string among them, longer than 1 MB"),
        # One object of 8 MB (two million short strings inside a user): refused after 4 MB.
        ('{"value": [{"id": "x", "junk": [' + ",".join(['"a"'] * (2 << 20)) + "]}]}",
         "holds an object larger than 4 MB"),
        # Numbers without a string between them: 8 MB of them.
        ('{"value": [{"id": "x", "junk": [' + ",".join(["1"] * (4 << 20)) + "]}]}",
         "holds a value, or numbers without a string among them, longer than 1 MB"),
        # The same escaped quote 1.5 million times: still one string.
        ('{"value": [{"id": "x", "displayName": "' + '\\"' * (3 << 19) + '"}]}',
         "holds a value, or numbers without a string among them, longer than 1 MB"),
    ],
    ids=["long-string", "large-object", "numbers", "escaped-quotes"],
)
def test_a_value_or_object_too_large_is_refused_before_it_is_built(
        tmp_path, document, problem) -> None:
    path = tmp_path / "users.json"
    path.write_text(document)

    peak, raised = _peak_while(lambda: read_graph([path]))

    assert isinstance(raised, GraphFormatError)
    assert problem in str(raised)
    assert "\n" not in str(raised)
    # At most what the parser holds for one 64 KB chunk it read (its events, up to 32,000).
    assert peak < min(len(document) / 2, 4 << 20), \
        f"peak {peak:,} bytes for a file of {len(document):,}"


def test_depth_check_builds_no_path_per_value(tmp_path) -> None:
    # 90,000 values in one object: the old walk made a path string for each of them.
    path = _page(tmp_path, "users.json", [_user(1, junk=[[i, str(i)] for i in range(30_000)])])

    peak, raised = _peak_while(lambda: read_graph([path]))

    assert raised is None
    file_size = path.stat().st_size
    # The object itself is built (about 40 MB of Python objects per 1.9 MB of JSON here is
    # lists and ints); no second copy of every value's path on top of it.
    assert peak < 12 * file_size, f"peak {peak:,} bytes for a file of {file_size:,}"


def test_a_lone_surrogate_escape_is_refused_not_turned_into_a_question_mark(tmp_path) -> None:
    path = tmp_path / "users.json"
    path.write_text(f'{{"value": [{{"id": "{USER.format(1)}", "userPrincipalName": "a@b.test", '
                    '"displayName": "x\\ud800y"}]}')
    paired = _page(tmp_path / "ok", "users.json", [_user(2, displayName="x\U0001F600")])

    with pytest.raises(GraphFormatError, match=r"\\ud800, half of a UTF-16 surrogate pair"):
        read_graph([path])
    assert read_graph([paired]).users[USER.format(2)].display_name == "x\U0001F600"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig", "utf-32"])
def test_every_encoding_json_reads_still_reads(tmp_path, encoding) -> None:
    path = tmp_path / "users.json"
    text = json.dumps({"value": [_user(1, displayName="Zoë Ünal")]}, ensure_ascii=False)
    path.write_bytes(text.encode(encoding))

    assert read_graph([path]).users[USER.format(1)].display_name == "Zoë Ünal"


def test_the_hostile_file_exits_2_on_one_line(tmp_path, capsys) -> None:
    from desktop.cli import main

    hostile = tmp_path / "users.json"
    write_hostile(hostile, 2)
    db = tmp_path / "t.db"
    os.environ["ACCESS_DESK_PASSWORD"] = "Correct-horse-9!"
    assert main(["--db", str(db), "init", "--admin", "ada@contoso.test"]) == 0
    capsys.readouterr()

    code = main(["--db", str(db), "--as", "ada@contoso.test", "import", "graph", str(hostile)])

    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "item 0: expected an object, got 1" in err


# --- item 3: bulk import, same as the dry run -------------------------------------------------


def test_bulk_import_equals_its_dry_run_and_fills_the_search_index(
        db, admin, dump, tmp_path) -> None:
    from desktop.services import directory

    folder = tmp_path / "export"
    write_export(folder, 600)
    before = dump()

    preview = graph_import.import_graph(admin, [folder], dry_run=True)
    assert dump() == before
    report = graph_import.import_graph(admin, [folder])
    again = graph_import.import_graph(admin, [folder], dry_run=True)

    assert {k: v for k, v in preview.as_dict().items() if k not in ("dry_run", "not_in_export")} \
        == {k: v for k, v in report.as_dict().items() if k not in ("dry_run", "not_in_export")}
    assert report.added == {"users": 600, "groups": 10, "group members": 500,
                            "applications": 50, "app roles": 50, "assignments": 60}
    assert again.added == {}
    assert again.changed == {}
    assert User.select().count() == 601
    assert GroupMember.select().join(Group).where(Group.graph_imported).count() == 500
    # The search index got every new user (filled in one ordered statement, not by trigger).
    found = directory.list_users(admin, search="user000599")
    assert [row["upn"] for row in found] == ["user000599@contoso.test"]
    if db.__class__.__name__.startswith("Sqlite"):
        db.execute_sql("INSERT INTO user_search(user_search) VALUES ('integrity-check')")


def test_cancel_from_progress_rolls_everything_back(db, admin, dump, tmp_path) -> None:
    folder = tmp_path / "export"
    write_export(folder, 300)
    before = dump()

    def cancel(stage: str, done: int, total: int) -> None:
        if stage == "group members":
            raise graph_import.ImportCancelled

    with pytest.raises(UsageError, match="cancelled; nothing was imported"):
        graph_import.import_graph(admin, [folder], progress=cancel)
    assert dump() == before


def test_the_terminal_progress_line() -> None:
    assert graph_import.progress_line("users", 25_000, 100_000, width=8) == \
        "Users            [##------] 25,000 of 100,000"


# --- item 4: only regular files -------------------------------------------------------------


def test_the_folder_walk_reads_regular_files_only_and_names_the_rest(tmp_path) -> None:
    folder = tmp_path / "export"
    _page(folder, "users.json", [_user(1)])
    outside = _page(tmp_path / "elsewhere", "secret.json", [_user(2)])
    os.symlink("/dev/zero", folder / "zero.json")
    os.mkfifo(folder / "fifo.json")
    os.symlink(folder / "fifo.json", folder / "to-fifo.json")  # inside, to a special file
    os.symlink(outside, folder / "out.json")
    os.symlink(folder / "users.json", folder / "again.json")  # inside: read (once)
    _page(folder / "sub", "more.json", [_user(3)])
    os.symlink(folder / "sub", folder / "linked-sub.json")  # a folder link: not followed
    os.symlink(folder / "missing.json", folder / "dangling.json")

    export = read_graph([folder])

    assert set(export.users) == {USER.format(1), USER.format(3)}
    assert dict(export.left_out) == {
        str(folder / "zero.json"): "a link to /dev/zero, outside the folder: not followed",
        str(folder / "fifo.json"): "a named pipe (FIFO): only regular files are read",
        str(folder / "to-fifo.json"): f"a link to a named pipe (FIFO), {folder / 'fifo.json'}:"
                                      " only regular files are read",
        str(folder / "out.json"): f"a link to {outside}, outside the folder: not followed",
        str(folder / "linked-sub.json"): "a link to a folder: not followed",
        str(folder / "dangling.json"): "a link to nothing (its target does not exist)",
    }


def test_left_out_entries_are_in_the_report_and_the_command_line(tmp_path, capsys) -> None:
    from desktop.cli import main

    folder = tmp_path / "export"
    _page(folder, "users.json", [_user(1)])
    os.mkfifo(folder / "fifo.json")
    os.symlink("/dev/zero", folder / "zero.json")
    db = tmp_path / "t.db"
    os.environ["ACCESS_DESK_PASSWORD"] = "Correct-horse-9!"
    assert main(["--db", str(db), "init", "--admin", "ada@contoso.test"]) == 0
    capsys.readouterr()

    code = main(["--db", str(db), "--as", "ada@contoso.test", "import", "graph", str(folder)])
    out = capsys.readouterr().out
    code_json = main(["--db", str(db), "--as", "ada@contoso.test", "import", "graph",
                      "--dry-run", "--json", str(folder)])
    report = json.loads(capsys.readouterr().out)

    assert code == 0
    assert code_json == 0
    assert "Left out (not read: only regular files in the folder are):" in out
    assert f"{folder / 'fifo.json'}: a named pipe (FIFO): only regular files are read" in out
    assert {entry["path"] for entry in report["left_out"]} == {
        str(folder / "fifo.json"), str(folder / "zero.json")}


def test_a_special_file_named_alone_is_refused_exit_2(tmp_path, capsys) -> None:
    from desktop.cli import main

    db = tmp_path / "t.db"
    os.environ["ACCESS_DESK_PASSWORD"] = "Correct-horse-9!"
    assert main(["--db", str(db), "init", "--admin", "ada@contoso.test"]) == 0
    capsys.readouterr()

    code = main(["--db", str(db), "--as", "ada@contoso.test", "import", "graph", "/dev/zero"])

    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "/dev/zero: a character device: only regular files are read" in err
