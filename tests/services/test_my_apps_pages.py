"""My Apps' applications a page at a time (issue 15: a list that can grow is paged in the
database): the pages, read one after another, are the whole list, by name as the database
orders names (case-blind), on both backends."""

from __future__ import annotations

from desktop.models import Assignment, Group
from desktop.services import myapps

PAGE = 5  # small pages, so a dozen applications make three of them


def thirteen_applications(make):
    """A person with 13 applications, one hidden: 4 assigned to him, 9 through a group; the
    names' case mixed ("Kpp 10", "lpp 11")."""
    person = make.user("mia")
    make.group("Everyone at Fabrikam")
    make.member("Everyone at Fabrikam", person)
    everyone = Group.get(Group.name == "Everyone at Fabrikam")
    for i in range(13):
        letter = "abcdefghijklm"[i] if i % 2 else "ABCDEFGHIJKLM"[i]
        app = make.app(f"{letter}pp {i:02d}", hidden=(i == 6))
        if i < 4:
            Assignment.create(application=app, user=person)
        else:
            Assignment.create(application=app, group=everyone)
    return person


def names(rows):
    return [r["name"] for r in rows]


def test_pages_of_the_service_make_the_whole_list_by_name(db, make):
    member = thirteen_applications(make)
    whole = myapps.my_apps(member)
    assert len(whole) == 12  # the hidden one is not a tile
    assert names(whole) == sorted(names(whole), key=str.lower)
    paged, offset = [], 0
    while page := myapps.my_apps(member, limit=PAGE, offset=offset):
        assert len(page) <= PAGE
        paged += page
        offset += PAGE
    assert paged == whole
    assert names(myapps.my_apps(member, "pp 1", limit=2)) == ["Kpp 10", "lpp 11"]
    assert names(myapps.my_apps(member, "PP 1", limit=2, offset=2)) == ["Mpp 12"]
