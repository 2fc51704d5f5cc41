"""The cells fastexcel types as blank although they hold something (an error value such as
#N/A, a date beyond any calendar, a text such as "n/a" or "NaN" in a column of numbers):
the reader learns them from fastexcel's own report of the parse (adapters/xlsx_arrow.py,
``reported_cells`` in adapters/xlsx_errors.py) and gives exactly what the search of the
sheet's XML gives, the way it read them before (same rows, values and findings). The
workbooks are made with openpyxl, as another program would write them: error values
typed as such (``t="e"``), a date cell holding an amount, a Table that does not start at
A1, a Table whose last rows are blank past the sheet's last written row."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableColumn

from pyfuncs.adapters import xlsx_arrow as A
from pyfuncs.adapters import xlsx_read as R
from pyfuncs.adapters.xlsx_errors import ERROR_TEXTS, reported_cells
from pyfuncs.jobs.template import build_workbook
from tests.integration.test_xlsx_read_fast import _same

HEADERS = ["Date", "Client", "N° facture", "Montant", "Mode", "Référence"]


def _read(path: Path, monkeypatch, report: bool,
          tables: list[str] | None = None) -> tuple[R.WorkbookData, dict[str, bool]]:
    """The workbook read with fastexcel's report (``report``) or with the search of the
    sheets' XML, and for each table whether fastexcel's report was used."""
    used: dict[str, bool] = {}
    original = A.TablePrefetch._cells

    def spy(self, reader, name):
        got = original(self, reader, name) if report else None
        used[name] = got is not None
        return got

    with monkeypatch.context() as m:
        m.setattr(A.TablePrefetch, "_cells", spy)
        data = R.read_workbook(path, tables)
    return data, used


def _both(path: Path, monkeypatch, tables: list[str] | None = None,
          reported_by_fastexcel: bool = True) -> R.WorkbookData:
    reported, used = _read(path, monkeypatch, True, tables)
    searched, _ = _read(path, monkeypatch, False, tables)
    assert bool(used.get("Paiements")) is reported_by_fastexcel
    _same(reported, searched)
    return reported


def _findings(data: R.WorkbookData) -> dict[tuple[int, str], tuple[str, str]]:
    """The findings of the cells themselves (the template has no client C001: that
    reference's finding is another matter)."""
    return {(f.row or 0, f.column): (f.code, f.message) for f in data.findings
            if f.sheet == "Paiements" and f.code.startswith("CELL-")}


def _payments(path: Path, rows: list[list], blank_rows: int = 0) -> None:
    build_workbook(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Paiements"]
    for row in rows:
        ws.append(row)
    for r in range(2, ws.max_row + 1):
        ws.cell(r, 1).number_format = "DD/MM/YYYY"
    ws.tables["Paiements"].ref = f"A1:F{ws.max_row + blank_rows}"
    wb.save(path)


@pytest.mark.parametrize("error", sorted(set(ERROR_TEXTS.values()) - {"#DATA!"}))
def test_an_error_value_in_each_kind_of_column_is_named_as_the_xml_says(
        tmp_path, monkeypatch, error):
    path = tmp_path / "errors.xlsx"
    _payments(path, [
        [datetime(2026, 3, 1), "C001", "FAC2026-0001", 120.5, "Virement", "r1"],
        [error, "C001", "FAC2026-0002", 10, "Virement", "r2"],        # a date
        [datetime(2026, 3, 2), error, "FAC2026-0003", 10, "Virement", "r3"],  # a code
        [datetime(2026, 3, 3), "C001", "FAC2026-0004", error, "Virement", "r4"],  # money
        [datetime(2026, 3, 4), "C001", "FAC2026-0005", 10, "Virement", error],  # text
        [datetime(2026, 3, 5), "C001", "FAC2026-0006", 11, "Virement", "r6"],
    ])
    # fastexcel refuses a column holding #NAME? (it stops on calamine's error): the grid
    # reads that table, its sheet's XML searched
    got = _findings(_both(path, monkeypatch, reported_by_fastexcel=error != "#NAME?"))
    for row, column in ((3, "Date"), (4, "Client"), (5, "Montant"), (6, "Référence")):
        code, message = got[(row, column)]
        assert code == "CELL-ERROR" and message.startswith(f"{error} "), (row, column)
    assert not any(r in (2, 7) for r, _ in got)  # the good rows say nothing


def test_a_date_cell_holding_an_amount_is_a_date_it_is_not(tmp_path, monkeypatch):
    path = tmp_path / "big.xlsx"
    _payments(path, [
        [datetime(2026, 3, 1), "C001", "FAC2026-0001", 120.5, "Virement", "r1"],
        [95051806, "C001", "FAC2026-0002", 10, "Virement", "r2"],
        [datetime(2026, 3, 5), "C001", "FAC2026-0003", 11, "Virement", "r3"],
    ])
    got = _findings(_both(path, monkeypatch))
    code, message = got[(3, "Date")]
    assert code == "CELL-DATE" and "95051806" in message
    assert set(got) == {(3, "Date")}


@pytest.mark.parametrize("text", ["NaN", "nan", "n/a", "NULL", "#N/A N/A"])
def test_a_text_fastexcel_would_read_as_nothing_is_quoted_as_typed(tmp_path, monkeypatch,
                                                                  text):
    path = tmp_path / "nan.xlsx"
    _payments(path, [
        [datetime(2026, 3, 1), "C001", "FAC2026-0001", 120.5, "Virement", "r1"],
        [datetime(2026, 3, 2), "C001", "FAC2026-0002", text, "Virement", "r2"],
        [datetime(2026, 3, 5), "C001", "FAC2026-0003", 11, "Virement", "r3"],
    ])
    got = _findings(_both(path, monkeypatch))
    code, message = got[(3, "Montant")]
    assert code == "CELL-TYPE" and f"« {text} »" in message, message


def test_a_table_off_a1_with_blank_rows_past_the_sheets_end(tmp_path, monkeypatch):
    """A Table starting at C5 (A1 empty: calamine's range starts at C5) whose last three
    rows are blank and beyond the sheet's last written cell: rows and cells where they
    are, the error cell named at its own address."""
    path = tmp_path / "offset.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Paiements"
    rows = [HEADERS,
            [datetime(2026, 3, 1), "C001", "FAC2026-0001", 120.5, "Virement", "r1"],
            [datetime(2026, 3, 2), "C001", "FAC2026-0002", "#DIV/0!", "Virement", "r2"],
            [datetime(2026, 3, 3), "C002", "FAC2026-0003", 30, "Chèque", "r3"]]
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            cell = ws.cell(5 + i, 3 + j, value)
            if i and j == 0:
                cell.number_format = "DD/MM/YYYY"
    ws.add_table(Table(displayName="Paiements", ref="C5:H11"))
    wb.save(path)
    data = _both(path, monkeypatch, ["Paiements"])
    table = data.tables["Paiements"]
    assert table.rows == [6, 8]  # row 7 skipped for its error, 9-11 blank
    assert table.cols["amount"][1] == 30
    code, message = _findings(data)[(7, "Montant")]
    assert code == "CELL-ERROR" and message.startswith("#DIV/0! ")
    assert [f.cell for f in data.findings if f.code == "CELL-ERROR"] == ["F7"]


def test_fastexcels_words_are_understood():
    """What fastexcel 0.21 says of a cell it typed as blank, as each kind is read."""
    unread = [((0, 0), "Expected float but got 'Error(NA)'"),
              ((1, 2), "Expected string but got 'Error(Div0)'"),
              ((2, 3), ("Expected date but got 'DateTime(ExcelDateTime { value: 95051806.0, "
                        "datetime_type: DateTime, is_1904: false })'"))]
    scan = reported_cells(unread, 10, 4)
    assert dict(scan) == {(10, 4): "#N/A", (11, 6): "#DIV/0!"}
    assert scan.numbers == {(12, 7): "95051806.0"} and not scan.null_like
    assert reported_cells([((0, 0), "Expected float but got 'String(\"n/a\")'")], 0, 0
                          ).null_like
    assert reported_cells([((0, 0), "something else")], 0, 0).null_like


def test_an_error_value_in_a_formula_column_is_reported_not_a_reason_for_the_grid(
        tmp_path, monkeypatch):
    """#NAME? (a function the application that last calculated lacks, a name mistyped) and
    #REF! come from a formula: in a calculated column, loaded as numbers, and in a column
    of the user's own, loaded as text, fastexcel reports them like any error value, and
    the table is not read again through the grid (it used to be: a #NAME? stopped
    fastexcel's guess of the column's type). The same cells either way; a formula's cached
    error is no value (the job recomputes the formula), never a cell finding."""
    path = tmp_path / "formula-errors.xlsx"
    build_workbook(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Factures"]
    heads = [c.value for c in ws[1]]
    rows = [
        {"Réf.": "F1", "Type": "Facture", "N° facture": "FAC2026-0001",
         "Date": datetime(2026, 3, 1), "Client": "C001", "Total HT": 100, "TVA": 20,
         "Total TTC": 120, "Réglé": 0, "Reste dû": 120, "Jours de retard": 3,
         "Statut": "Émise"},
        {"Réf.": "F2", "Type": "Facture", "N° facture": "FAC2026-0002",
         "Date": datetime(2026, 3, 2), "Client": "C001", "Total HT": "#NAME?", "TVA": 2,
         "Total TTC": 12, "Réglé": 0, "Reste dû": "#REF!", "Jours de retard": 2,
         "Statut": "Émise"},
        {"Réf.": "F3", "Type": "Facture", "N° facture": "FAC2026-0003",
         "Date": datetime(2026, 3, 3), "Client": "C001", "Total HT": 50, "TVA": 10,
         "Total TTC": 60, "Réglé": 60, "Reste dû": 0, "Jours de retard": 0,
         "Statut": "Émise"},
    ]
    for row in rows:
        ws.append([row.get(h) for h in heads])
    for r in range(2, ws.max_row + 1):
        ws.cell(r, heads.index("Date") + 1).number_format = "DD/MM/YYYY"
    # a column of the user's own at the Table's end: a margin, one of its formulas mistyped
    own = len(heads) + 1
    for r, value in ((1, "Marge perso"), (3, 40.5), (4, "#NAME?"), (5, "à revoir")):
        ws.cell(r, own, value)
    table = ws.tables["Factures"]
    table.tableColumns.append(TableColumn(id=own, name="Marge perso"))
    table.ref = f"A1:{get_column_letter(own)}{ws.max_row}"
    # the cached values are trusted (a template asks for a full recalculation on opening)
    wb.calculation.fullCalcOnLoad = False
    wb.save(path)
    reported, used = _read(path, monkeypatch, True, ["Factures"])  # (no client C001)
    searched, _ = _read(path, monkeypatch, False, ["Factures"])
    assert used["Factures"]  # fastexcel's report served: no grid for this table
    _same(reported, searched)
    invoices = reported.tables["Factures"]
    assert invoices.cached["net"] == [Decimal(100), None, Decimal(50)]
    assert invoices.cached["balance"] == [Decimal(120), None, Decimal(0)]
    assert invoices.extra_headers == ["Marge perso"]
    assert not [f for f in reported.findings if f.sheet == "Factures"
                and f.column in ("Total HT", "Reste dû", "Marge perso")]
