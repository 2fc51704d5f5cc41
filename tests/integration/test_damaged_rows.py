"""A row skipped for a bad cell still counts for what could be read of it, on copies of
the demo workbook: its number, its place in the register, the payments naming it, and
what it billed (domain/damaged.py)."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from pyfuncs.demo import build_demo
from pyfuncs.jobs import run_check
from pyfuncs.jobs_invoicing import run_generate

TODAY = date(2026, 12, 6)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    return build_demo(folder, None, TODAY)[0]


def copy(demo: Path, tmp_path: Path) -> Path:
    path = tmp_path / "Facturation.xlsx"
    shutil.copy(demo, path)
    return path


def damage(path: Path, sheet: str, key_col: str, key: str, col: str, value: object) -> str:
    """Type ``value`` in column ``col`` of the first row of ``sheet`` whose ``key_col``
    is ``key``; returns the cell's reference."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    heads = [c.value for c in ws[1]]
    kc, cc = heads.index(key_col) + 1, heads.index(col) + 1
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, kc).value == key:
            ws.cell(r, cc).value = value
            wb.save(path)
            return ws.cell(r, cc).coordinate
    raise AssertionError(f"{key} not in {sheet}")


def invoice_id(path: Path, number: str) -> str:
    ws = openpyxl.load_workbook(path)["Factures"]
    return next(r[0] for r in ws.iter_rows(min_row=2, values_only=True) if r[2] == number)


def codes(findings, code: str) -> list:  # type: ignore[no-untyped-def]
    return [f for f in findings if f.code == code]


def test_an_invoice_with_a_bad_terms_cell_keeps_its_number_and_its_quote_billed(demo, tmp_path):
    path = copy(demo, tmp_path)
    before = run_generate(path, TODAY, dry_run=True)
    assert [d.number for d in before.issued][:1] == ["FAC2026-0167"]
    cell = damage(path, "Factures", "N° facture", "FAC2026-0145", "Conditions", "90 jours")
    plan = run_generate(path, TODAY, dry_run=True)
    # the quote it billed is not billed again, and the rest is still issued
    assert not [d for d in plan.issued if "D2026-0035" in d.subject]
    assert [d.subject for d in plan.issued] == [d.subject for d in before.issued]
    assert "FAC2026-0145" not in [d.number for d in plan.issued]
    held = codes(plan.findings, "GEN-DAMAGED")
    assert [(f.sheet, f.column, f.ref) for f in held] == [("Devis", "N° devis", "D2026-0035")]
    assert cell in held[0].message and "FAC2026-0145" in held[0].message
    assert [(f.code, f.cell) for f in plan.findings if f.sheet == "Factures"] == [
        ("CELL-CHOICE", cell)]
    # the checks: the bad cell is the error; no gap, no leak "billed 0.00" that follow
    check = run_check(path, TODAY, write=False)
    assert [f.cell for f in codes(check.findings, "CELL-CHOICE")] == [cell]
    assert not [f for f in codes(check.findings, "NUM-GAP") if "0145" in f.message]
    assert not [f for f in check.findings if f.ref == "D2026-0035"]


def test_an_invoice_with_an_unreadable_line_quantity_holds_its_quote_back(demo, tmp_path):
    path = copy(demo, tmp_path)
    ref = invoice_id(path, "FAC2026-0097")
    cell = damage(path, "Lignes de facture", "Réf. facture", ref, "Quantité", "27 OOO")
    plan = run_generate(path, TODAY, dry_run=True)
    assert not [d for d in plan.issued if "D2026-0008" in d.subject]
    held = codes(plan.findings, "GEN-DAMAGED")
    assert [f.ref for f in held] == ["D2026-0008"] and cell in held[0].message
    check = run_check(path, TODAY, write=False)
    # its total is short of the line: its payments are not "too much"
    assert not [f for f in codes(check.findings, "PAY-OVER") if f.ref == "FAC2026-0097"]
    assert [f.cell for f in codes(check.findings, "CELL-TYPE")] == [cell]


def test_payments_naming_an_invoice_skipped_for_its_date_are_not_unknown(demo, tmp_path):
    path = copy(demo, tmp_path)
    wb = openpyxl.load_workbook(path)
    paid = {r[2] for r in wb["Paiements"].iter_rows(min_row=2, values_only=True)}
    number = next(r[2] for r in wb["Factures"].iter_rows(min_row=2, values_only=True)
                  if r[2] in paid and r[18] == "Émise")
    cell = damage(path, "Factures", "N° facture", number, "Date", "32/13/2026")
    check = run_check(path, TODAY, write=False)
    assert [f.cell for f in check.findings if f.sheet == "Factures" and f.cell == cell]
    assert not [f for f in codes(check.findings, "PAY-UNKNOWN") if f.ref == number]
    assert not [f for f in codes(check.findings, "NUM-GAP") if number in f.message]


def test_an_issued_invoice_the_journal_knows_is_not_deleted_nor_replayed_for_a_bad_cell(
        demo, tmp_path):
    path = copy(demo, tmp_path)
    first = run_generate(path, TODAY)
    issued = [d.number for d in first.issued]
    assert issued
    cell = damage(path, "Factures", "N° facture", issued[0], "Conditions", "90 jours")
    check = run_check(path, TODAY, write=False)
    assert not codes(check.findings, "REGISTER-DELETED")
    assert not [f for f in codes(check.findings, "REGISTER-EDITED")]
    assert [f.cell for f in check.findings if f.code == "CELL-CHOICE"] == [cell]
    again = run_generate(path, TODAY)
    assert again.issued == [] and again.replayed == []
    numbers = [r[2] for r in openpyxl.load_workbook(path)["Factures"].iter_rows(
        min_row=2, values_only=True) if r[2]]
    assert len(numbers) == len(set(numbers))  # nothing written twice
