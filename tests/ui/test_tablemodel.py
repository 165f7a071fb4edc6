"""The paged model: pages, SQL-side search and sort, refresh keeping selection, Qt's tester."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QTableView

from desktop.errors import Refused
from desktop.ui.tablemodel import ROW_ROLE, Column, GatedTableModel, PagedTableModel


class FakeService:
    """Stands in for a service list_* function; records what the model asked for."""

    def __init__(self, count: int) -> None:
        self.rows = [{"id": i, "name": f"app {i:04d}", "on": i % 2 == 0} for i in range(count)]
        self.calls: list[tuple[int, int, str | None, str | None]] = []
        self.refuse = False

    def fetch(self, offset, limit, search, sort):
        self.calls.append((offset, limit, search, sort))
        if self.refuse:
            raise Refused("rights table", "only an administrator may list applications")
        rows = [r for r in self.rows if not search or search in r["name"]]
        if sort:
            key = sort.lstrip("-")
            rows = sorted(rows, key=lambda r: r[key], reverse=sort.startswith("-"))
        return [dict(r) for r in rows[offset:offset + limit]]


COLUMNS = [Column("name", "Name", tooltip="The application's name"),
           Column("on", "Self-service", formatter=lambda v: "On" if v else "Off",
                  align=Qt.AlignmentFlag.AlignCenter)]


@pytest.fixture
def service():
    return FakeService(450)


@pytest.fixture
def model(service, qtbot):
    return PagedTableModel(COLUMNS, service.fetch, debounce_ms=20, page_size=200)


def test_first_page_then_more_on_demand(model, service):
    assert model.rowCount() == 200
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 400
    model.fetchMore()
    assert model.rowCount() == 450
    assert not model.canFetchMore()
    assert [c[:2] for c in service.calls] == [(0, 200), (200, 200), (400, 200)]


def test_cells_headers_and_row_access(model):
    assert model.data(model.index(2, 0)) == "app 0002"
    assert model.data(model.index(2, 1)) == "On"
    assert model.data(model.index(3, 1)) == "Off"
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Name"
    assert model.headerData(0, Qt.Orientation.Horizontal,
                            Qt.ItemDataRole.ToolTipRole) == "The application's name"
    assert model.row_data(5)["name"] == "app 0005"
    assert model.data(model.index(5, 0), ROW_ROLE)["id"] == 5
    assert model.id_at(7) == 7
    assert model.row_of(7) == 7


def test_search_is_debounced_and_sent_to_the_service(model, service, qtbot):
    service.calls.clear()
    for text in ("0", "00", "001"):
        model.set_search(text)
    with qtbot.waitSignal(model.loaded, timeout=1000):
        pass
    assert service.calls == [(0, 200, "001", None)]
    assert model.rowCount() == 11  # app 0001 and app 0010..0019


def test_sort_is_asked_of_the_service(model, service):
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert service.calls[-1][3] == "-name"
    assert model.data(model.index(0, 0)) == "app 0449"
    model.sort(-1)
    assert service.calls[-1][3] is None


def test_refresh_keeps_the_selection_on_the_same_id(model, service, qtbot):
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.selectionModel().setCurrentIndex(
        model.index(10, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
    del service.rows[0:3]  # three rows above it disappear
    model.refresh()
    assert view.currentIndex().row() == 7
    assert model.id_at(view.currentIndex().row()) == 10
    assert [i.row() for i in view.selectionModel().selectedRows()] == [7]
    service.rows.insert(0, {"id": 9999, "name": "app new", "on": True})
    model.refresh()
    assert model.id_at(view.currentIndex().row()) == 10


def test_refresh_drops_a_selected_row_that_is_gone(model, service, qtbot):
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.selectRow(4)
    del service.rows[4]
    model.refresh()
    assert view.selectionModel().selectedRows() == []
    assert model.rowCount() == 200


def test_a_refused_fetch_is_reported_not_raised(service, qtbot):
    service.refuse = True
    model = PagedTableModel(COLUMNS, service.fetch, autoload=False)
    with qtbot.waitSignal(model.error_raised) as blocker:
        model.reload()
    assert "Only an administrator" in blocker.args[0]
    assert model.rowCount() == 0
    assert not model.canFetchMore()


def test_row_enabled_hook_disables_rows(service, qtbot):
    model = GatedTableModel(COLUMNS, service.fetch, row_enabled=lambda r: r["on"])
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEnabled
    assert not model.flags(model.index(1, 0)) & Qt.ItemFlag.ItemIsEnabled


@pytest.mark.parametrize("count", [0, 5, 450])
def test_qt_model_tester(qtmodeltester, count):
    model = PagedTableModel(COLUMNS, FakeService(count).fetch, page_size=200)
    qtmodeltester.check(model)
    model.fetchMore()
    model.refresh()
    qtmodeltester.check(model)
