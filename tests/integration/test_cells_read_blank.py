"""A required cell that the readers give as blank but that holds something is reported
for what it holds, not as "required and empty": a formula whose value was never computed
(its own finding, with its sheet, row, column and cell), on real workbook files whose cell
holds ``<f>`` and no ``<v>``, written in the sheet's XML and by openpyxl (a program that
writes formulas without calculating them), read by the real reader and by `facturier
check`; and a number far beyond any date in a date cell (fastexcel gives a blank), a
date that is not one."""
from __future__ import annotations

import contextlib
import io
import json
import shutil
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from pyfuncs import cli
from pyfuncs.adapters.xlsx_read import read_workbook
from tests.support.damage import Workbook
from tests.support.damage_books import unknown_book

TODAY = date(2026, 12, 6)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    return Workbook(unknown_book(tmp_path_factory.mktemp("small"), TODAY))


def cell_of(book: Workbook, table: str, key: str, i: int = 0) -> tuple[str, str, int, str]:
    """(sheet, cell, row, column label) of row index ``i`` of a table's column."""
    tv = book.data.tables[table]
    row = tv.rows[i]
    return tv.sheet, f"{tv.col_letters[key]}{row}", row, tv.labels[key]


def findings_at(path: Path, sheet: str, cell: str) -> list:  # type: ignore[type-arg]
    return [f for f in read_workbook(path).findings if f.sheet == sheet and f.cell == cell]


@pytest.mark.parametrize(("table", "key"), [("LignesFacture", "quantity"),
                                            ("Paiements", "date"), ("Factures", "client")])
def test_a_required_cell_holding_a_formula_never_computed_says_so(small, tmp_path, table, key):
    sheet, cell, row, label = cell_of(small, table, key, 2)
    path = small.write_cell(sheet, cell, "formula", ("1+1", None), tmp_path / "book.xlsx")
    assert "<f>1+1</f></c>" in _sheet_xml(small, sheet, path)  # the file holds no value
    found = findings_at(path, sheet, cell)
    assert [(f.code, f.severity, f.row, f.column) for f in found] == [
        ("CELL-UNCOMPUTED", "error", row, label)]
    message = found[0].message
    assert "formule (=1+1) dont la valeur n'a jamais été calculée" in message
    assert "obligatoire et vide" not in message
    assert "Excel ou LibreOffice" in found[0].fix and "saisir la valeur" in found[0].fix


def test_the_same_formula_with_its_computed_value_reads_clean(small, tmp_path):
    sheet, cell, _, _ = cell_of(small, "LignesFacture", "quantity", 2)
    path = small.write_cell(sheet, cell, "formula", ("1+1", 2.0), tmp_path / "book.xlsx")
    assert findings_at(path, sheet, cell) == []
    lines = read_workbook(path).tables["LignesFacture"]
    assert str(lines.cols["quantity"][2]) in ("2", "2.0")


def test_a_formula_that_computed_an_empty_text_is_a_blank_required_cell(small, tmp_path):
    sheet, cell, _, _ = cell_of(small, "Factures", "client", 2)
    path = small.write_cell(sheet, cell, "formula", ('IF(1,"","x")', ""),
                            tmp_path / "book.xlsx")
    assert [f.code for f in findings_at(path, sheet, cell)] == ["CELL-REQUIRED"]


def test_a_formula_typed_by_openpyxl_is_named_by_check_on_the_command_line(small, tmp_path):
    sheet, cell, row, label = cell_of(small, "Paiements", "amount", 4)
    path = tmp_path / "Facturation.xlsx"
    shutil.copy(small.path, path)
    wb = openpyxl.load_workbook(path)
    wb[sheet][cell] = "=SUM(1,2)"  # openpyxl stores the formula, computes nothing
    wb.save(path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["check", str(path), "--json", "--date", TODAY.isoformat()])
    assert code == 1
    found = [f for f in json.loads(out.getvalue())["findings"]
             if f["cell"] == cell and f["code"].startswith("CELL-")]
    assert [(f["code"], f["sheet"], f["row"], f["column"]) for f in found] == [
        ("CELL-UNCOMPUTED", sheet, row, label)]
    assert "(=SUM(1,2))" in found[0]["message"]


def _sheet_xml(book: Workbook, sheet: str, path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(book.sheet_parts[sheet]).decode()


@pytest.mark.parametrize("number", [95051806.0, 1e15])
@pytest.mark.parametrize("kind", ["number", "formula"])
def test_a_number_beyond_any_date_in_a_required_date_cell_is_not_a_blank(small, tmp_path,
                                                                         number, kind):
    sheet, cell, row, label = cell_of(small, "Paiements", "date", 1)
    value = number if kind == "number" else ("1+1", number)
    path = small.write_cell(sheet, cell, kind, value, tmp_path / "book.xlsx")
    found = findings_at(path, sheet, cell)
    assert [(f.code, f.row, f.column) for f in found] == [("CELL-DATE", row, label)]
    assert f"« {int(number)} » n'est pas une date valide" in found[0].message


@pytest.mark.parametrize(("table", "key"), [("Factures", "sent_date"),
                                            ("Factures", "due_date"),
                                            ("LignesFacture", "service_start")])
def test_a_number_beyond_any_date_in_an_optional_date_cell_is_not_a_blank(small, tmp_path,
                                                                          table, key):
    """An optional date is not "no date" when the cell holds a number: the sent date of
    an invoice lost silently would change what reminders and checks believe."""
    tv = small.data.tables[table]
    i = next(i for i, v in enumerate(tv.cols[key]) if v is not None)  # a cell in the XML
    sheet, cell, row, label = cell_of(small, table, key, i)
    path = small.write_cell(sheet, cell, "number", 95051806.0, tmp_path / "book.xlsx")
    found = findings_at(path, sheet, cell)
    assert [(f.code, f.severity, f.row, f.column) for f in found] == [
        ("CELL-DATE", "error", row, label)]
    assert "« 95051806 » n'est pas une date valide" in found[0].message


def test_an_amount_of_seven_digits_in_a_money_cell_reads_as_the_amount(small, tmp_path):
    sheet, cell, _, _ = cell_of(small, "Paiements", "amount", 1)
    path = small.write_cell(sheet, cell, "number", 1234567.89, tmp_path / "book.xlsx")
    assert findings_at(path, sheet, cell) == []
    assert str(read_workbook(path).tables["Paiements"].cols["amount"][1]) == "1234567.89"


def test_a_formula_typed_by_openpyxl_in_an_optional_cell_is_named_too(small, tmp_path):
    """openpyxl stores the formula, computes nothing and asks for a full recalculation on
    load: an optional cell's value is then as unknown as a required one's."""
    sheet, cell, row, label = cell_of(small, "Factures", "sent_date", 3)
    path = tmp_path / "Facturation.xlsx"
    shutil.copy(small.path, path)
    wb = openpyxl.load_workbook(path)
    wb[sheet][cell] = "=TODAY()-3"
    wb.save(path)
    found = findings_at(path, sheet, cell)
    assert [(f.code, f.row, f.column) for f in found] == [("CELL-UNCOMPUTED", row, label)]
    assert "(=TODAY()-3)" in found[0].message
    others = read_workbook(path).findings
    assert not [f for f in others if f.code == "CELL-UNCOMPUTED" and f.cell != cell]


def test_an_empty_optional_cell_of_a_workbook_saved_by_a_spreadsheet_is_just_empty(small):
    """A file a spreadsheet saved holds every formula's value: its blank optional cells
    are blank, nothing more."""
    assert not [f for f in read_workbook(small.path).findings
                if f.code == "CELL-UNCOMPUTED"]
