"""The guard behind pyproject.toml's PySide6 pin (below 6.12).

PySide6 6.12.0 on Python 3.11 drops a reference to None in each of the calls below; after a
few thousand calls Python aborts ("Fatal Python error: none_dealloc"). 6.11.3 is clean, and so
is 6.12.0 on Python 3.12, where None is immortal. Before raising the pin, install the new
release and run this file on Python 3.11: it fails, without aborting, when a call leaks."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable

import pytest
from PySide6.QtCore import QSortFilterProxyModel
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QListWidget,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
)

CALLS = 100  # far fewer than None's references (about 5000), so a leak cannot abort the run
NAMES = ["QStandardItemModel.appendRow", "QStandardItemModel.setItem", "QListWidget.addItem",
         "QTreeWidget.addTopLevelItem", "QTableWidget.setItem",
         "QSortFilterProxyModel.setSourceModel"]


def _calls() -> dict[str, Callable[[int], object]]:
    model = QStandardItemModel()
    items = QListWidget()
    tree = QTreeWidget()
    table = QTableWidget(CALLS, 1)
    proxy = QSortFilterProxyModel()
    keep = [model, items, tree, table, proxy]
    return {
        "QStandardItemModel.appendRow": lambda i: model.appendRow(QStandardItem("row")),
        "QStandardItemModel.setItem": lambda i: model.setItem(i, 1, QStandardItem("cell")),
        "QListWidget.addItem": lambda i: items.addItem("item"),
        "QTreeWidget.addTopLevelItem": lambda i: tree.addTopLevelItem(QTreeWidgetItem(["a"])),
        "QTableWidget.setItem": lambda i: table.setItem(i, 0, QTableWidgetItem("b")),
        "QSortFilterProxyModel.setSourceModel": lambda i: proxy.setSourceModel(keep[0]),
    }


@pytest.mark.parametrize("name", NAMES)
def test_call_keeps_its_reference_to_none(qapp, name: str) -> None:
    calls = _calls()  # widgets made here, once the QApplication exists
    assert sorted(calls) == sorted(NAMES)
    call = calls[name]
    gc.collect()
    before = sys.getrefcount(None)
    for i in range(CALLS):
        call(i)
    gc.collect()
    lost = before - sys.getrefcount(None)
    assert lost < CALLS // 2, f"{name} dropped {lost} references to None in {CALLS} calls"
