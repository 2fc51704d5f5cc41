"""The smaller points of "a bad cell never moves money", on copies of a small demo
workbook: a deleted client code is one finding, a due date contradicting the terms is
reported, a VAT number failing its checksum is no VAT number for reverse charge, the aged
balance's JSON writes two decimals, and its detail shows what credit notes took off."""
from __future__ import annotations

import re
import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from stdnum.eu import vat as eu_vat

from pyfuncs.demo.job import build_demo
from pyfuncs.jobs.aging import run_age
from pyfuncs.jobs.check import run_check

TODAY = date(2026, 12, 6)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo"), 12, TODAY)[0]


def edited(demo: Path, tmp_path: Path, sheet: str, key_col: str, key: str,
           values: dict[str, object]) -> tuple[Path, int]:
    """A copy of the demo with ``values`` typed in the first row of ``sheet`` whose
    ``key_col`` is ``key``; and that row."""
    path = tmp_path / "Facturation.xlsx"
    shutil.copy(demo, path)
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    heads = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, heads.index(key_col) + 1).value == key:
            for col, value in values.items():
                ws.cell(r, heads.index(col) + 1).value = value
            wb.save(path)
            return path, r
    raise AssertionError(f"{key} not in {sheet}")


def test_a_deleted_client_code_is_one_finding_that_counts_the_rows_naming_it(demo, tmp_path):
    path, row = edited(demo, tmp_path, "Clients", "Code client", "C0005",
                       {"Code client": None})
    check = run_check(path, TODAY, write=False)
    unknown = [f for f in check.findings if f.code == "UNKNOWN-REF"]
    assert len(unknown) == 1 and "C0005" in unknown[0].message
    assert re.search(r"\d+ autre\(s\) ligne\(s\) le citent aussi", unknown[0].message)
    assert [f.cell for f in check.findings if f.code == "CELL-REQUIRED"] == [f"A{row}"]
    # its documents are not forgotten: its balance is marked incomplete, once
    incomplete = [f for f in check.findings if f.code == "AGING-INCOMPLETE"]
    assert [f.ref for f in incomplete] == ["C0005"]


def test_a_due_date_that_contradicts_the_terms_is_reported(demo, tmp_path):
    wb = openpyxl.load_workbook(demo, read_only=True)
    number, day = next((r[2], r[3]) for r in wb["Factures"].iter_rows(min_row=2,
                                                                      values_only=True)
                       if r[1] == "Facture" and r[9] == "30 jours")
    path, row = edited(demo, tmp_path, "Factures", "N° facture", number,
                       {"Échéance": day + timedelta(days=45)})
    found = [f for f in run_check(path, TODAY, write=False).findings if f.code == "TERMS-DUE"]
    assert [(f.ref, f.cell) for f in found] == [(number, f"K{row}")]
    assert "30 jours" in found[0].message
    assert f"{day + timedelta(days=30):%d/%m/%Y}" in found[0].message


def test_a_vat_number_failing_its_checksum_raises_vat_reverse_like_a_missing_one(demo,
                                                                                tmp_path):
    # the demo's client outside the EU, billed at 0 %, moved to Germany
    good, bad = "DE703167503", "DE703167504"
    assert eu_vat.is_valid(good) and not eu_vat.is_valid(bad)

    def reverse(vat: str | None) -> list[str]:
        path, _ = edited(demo, tmp_path, "Clients", "Code client", "C0014",
                         {"Pays": "DE", "N° TVA": vat})
        return [f.ref for f in run_check(path, TODAY, write=False).findings
                if f.code == "VAT-REVERSE"]

    assert reverse(good) == []
    missing = reverse(None)
    assert missing and reverse(bad) == missing


def test_the_aged_balance_json_writes_every_amount_with_two_decimals(demo, tmp_path):
    path, _ = edited(demo, tmp_path, "Paiements", "N° facture", "FAC2025-0004",
                     {"N° facture": None, "Montant": 250})  # 250 unapplied, typed whole
    body = run_age(path, TODAY, write=False).as_json()
    amounts = [a for r in body["rows"] for a in (*r["amounts"], r["unapplied"],
                                                  r["disputed"], r["total"])]
    amounts += [*body["totals"]["amounts"], body["totals"]["unapplied"],
                body["totals"]["total"]]
    assert amounts and all(re.fullmatch(r"-?\d+\.\d\d", a) for a in amounts), amounts
    assert "250.00" in [r["unapplied"] for r in body["rows"]]


def test_the_aging_detail_shows_the_credit_notes_applied_so_the_columns_add_up(demo,
                                                                              tmp_path):
    path = tmp_path / "Facturation.xlsx"
    shutil.copy(demo, path)
    balance = run_age(path, TODAY)
    credited = [i for i in balance.items if i.credited]
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        "Détail balance").to_python()
    header = rows[2]
    assert "Avoirs imputés" in header
    detail = [dict(zip(header, r)) for r in rows[3:] if r[0]]
    assert len(detail) == len(balance.items) > 10
    for r in detail:
        total, paid, off, left = (Decimal(str(r[k] or 0)) for k in (
            "Total TTC", "Réglé", "Avoirs imputés", "Reste dû"))
        assert total - paid - off == left, r
    for item in credited:
        r = next(r for r in detail if r["N° facture"] == item.number)
        assert Decimal(str(r["Avoirs imputés"])) == -item.credited > 0
