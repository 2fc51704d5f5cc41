"""Every spelling of "not a number" in a number, amount or date cell is a finding with
its sheet, row and column, and an error cell (#N/A, #DIV/0!, #VALUE!) is its own
finding, on copies of the demo workbook read by the real reader (fastexcel and the sheet
grid, adapters/xlsx_read.py, adapters/xlsx_errors.py)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.demo.job import build_demo

TODAY = date(2026, 12, 6)
NOT_NUMBERS = ["nan", "NaN", "-nan", "inf", "-inf", "1e999", "n/a", "N/A", "NA", "null",
               "None"]
ERRORS = ["#N/A", "#DIV/0!", "#VALUE!", "#REF!"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo"), 60, TODAY)[0]


def typed(demo: Path, tmp_path: Path, cells: dict[tuple[str, str], object]) -> Path:
    """A copy of the demo with ``cells`` ({(sheet, cell): value}) typed in."""
    path = tmp_path / "Facturation.xlsx"
    shutil.copy(demo, path)
    wb = openpyxl.load_workbook(path)
    for (sheet, cell), value in cells.items():
        wb[sheet][cell].value = value
    wb.save(path)
    return path


def found(path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    return {(f.sheet, f.cell): (f.code, f.message) for f in read_workbook(path).findings
            if f.cell}


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_a_text_that_is_not_a_number_is_reported_in_every_number_and_date_column(
        demo, tmp_path, text):
    # quantity, unit price, amount paid, invoice date, due date of a payment's invoice
    cells = {("Lignes de facture", "C3"): text, ("Lignes de facture", "E4"): text,
             ("Paiements", "D3"): text, ("Factures", "D3"): text, ("Temps", "E3"): text,
             ("Paiements", "A4"): text}
    got = found(typed(demo, tmp_path, cells))
    for where in cells:
        code, message = got[where]
        assert code in ("CELL-TYPE", "CELL-DATE"), (where, code)
        assert text in message


@pytest.mark.parametrize("error", ERRORS)
def test_an_error_cell_is_its_own_finding_not_a_blank_required_cell(demo, tmp_path, error):
    # a required cell (quantity, payment date) and an optional one (sent on)
    cells = {("Lignes de facture", "C3"): error, ("Paiements", "A3"): error,
             ("Factures", "V3"): error}
    got = found(typed(demo, tmp_path, cells))
    for where in cells:
        code, message = got[where]
        assert code == "CELL-ERROR" and message.startswith(f"{error} ")
        assert "erreur" in message


def test_nan_in_an_amount_stops_no_command_and_names_its_cell(demo, tmp_path):
    path = typed(demo, tmp_path, {("Lignes de facture", "E3"): "nan",
                                  ("Factures", "M3"): "nan", ("Paiements", "D3"): "-nan"})
    for command in (["check", "--json"], ["age", "--json"],
                    ["generate", "--dry-run", "--json"]):
        out = subprocess.run([sys.executable, "-m", "pyfuncs.cli", *command, "--date"
                              if command[0] != "age" else "--as-of", TODAY.isoformat(),
                              str(path)], check=False, capture_output=True, text=True)
        assert out.returncode == 1, (command, out.stderr)
        assert "unexpected error" not in out.stderr
        body = json.loads(out.stdout)
        if command[0] != "age":  # generate reads no payment
            cells = {f["cell"] for f in body["findings"]}
            assert ({"E3", "D3"} if command[0] == "check" else {"E3"}) <= cells
