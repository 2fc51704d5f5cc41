"""The workbook's formulas and Python agree to the cent, in a real spreadsheet engine.

The demo workbook is recalculated from scratch by LibreOffice headless (a full
recalculation forced on load, so no cached value survives), read back, and every formula
cell is compared with Python's Decimal computation of the same row (domain/computed.py).
A small workbook of credit notes does the same for every case of the balance formula
(the demo settles its credit notes with compensation payments, which the balance folds to
the same figures either way).
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.demo.job import build_demo
from pyfuncs.domain.computed import compute_all
from pyfuncs.jobs.template import build_workbook
from tests.integration.test_template import _error_cells
from tests.support.libreoffice import convert, needs_libreoffice


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("demo")
    # LibreOffice computes TODAY() from the clock: the demo must use the same day.
    path, _ = build_demo(folder, invoices=None, today=date.today())
    return path, convert(path, folder / "lo")


@needs_libreoffice
@pytest.mark.libreoffice
def test_demo_recalculated_in_libreoffice_has_no_error_value(recalculated) -> None:
    _, out = recalculated
    assert _error_cells(out) == []


@needs_libreoffice
@pytest.mark.libreoffice
def test_every_formula_cell_equals_pythons_decimal_computation(recalculated) -> None:
    original, out = recalculated
    data = read_workbook(out)
    python = compute_all({name: t.cols for name, t in data.tables.items()}, date.today())
    # every calculated column of the schema is compared...
    from pyfuncs.domain import schema as S
    assert {(n, k) for n, cols in python.items() for k in cols} == \
        {(t.name, c.key) for t in S.TABLES for c in t.columns if c.computed}
    compared, mismatches = _compare(data, python)
    assert mismatches == []
    # ...on every row of a demo with hundreds of invoices
    assert compared > 2000 and len(data.tables["Factures"]) >= 200
    assert read_workbook(original).tables["Factures"].rows == data.tables["Factures"].rows
    inv = data.tables["Factures"].cols
    assert any(t == "credit_note" and c for t, c in zip(inv["type"], inv["credited"]))


def _compare(data, python) -> tuple[int, list[str]]:
    compared, mismatches = 0, []
    for name, columns in python.items():
        tbl = data.tables[name]
        for key, values in columns.items():
            cached = tbl.cached[key]
            assert len(cached) == len(values) == len(tbl.rows)
            for row, want, got in zip(tbl.rows, values, cached):
                compared += 1
                if got is None or Decimal(str(got)) != Decimal(want):
                    mismatches.append(f"{tbl.sheet}!{tbl.cell(key, row)}: LibreOffice {got}, "
                                      f"Python {want}")
    return compared, mismatches


# Every case of the balance formula: (number, type, client, status, credited, net amount).
CREDIT_CASES = [
    ("FAC-1", "invoice", "C1", "issued", None, "1000.00"),       # fully credited
    ("AV-1", "credit_note", "C1", "issued", "fac-1", "-1000.00"),
    ("FAC-2", "invoice", "C1", "issued", None, "500.00"),        # paid in part, credited
    ("AV-2", "credit_note", "C1", "issued", "FAC-2", "-100.00"),
    ("AV-2B", "credit_note", "C1", "issued", "FAC-2", "-33.33"),
    ("FAC-3", "invoice", "C1", "issued", None, "200.00"),        # paid, then over-credited
    ("AV-3", "credit_note", "C1", "issued", "FAC-3", "-250.00"),
    ("AV-4", "credit_note", "C1", "issued", "FAC-404", "-40.00"),  # unknown number
    ("AV-5", "credit_note", "C1", "issued", None, "-25.00"),       # names no invoice
    ("AV-6", "credit_note", "C2", "issued", "FAC-2", "-60.00"),    # another client's
    (None, "credit_note", "C1", "draft", "FAC-2", "-300.00"),      # a draft
    ("FAC-7", "invoice", "C1", "cancelled", None, "300.00"),     # cancelled by its note
    ("AV-7", "credit_note", "C1", "issued", "FAC-7", "-300.00"),
    ("FAC-8", "deposit", "C2", "issued", None, "600.00"),        # compensated (older use)
    ("AV-8", "credit_note", "C2", "issued", "FAC-8", "-100.00"),
    ("AV-9", "credit_note", "C1", "issued", "AV-4", "-10.00"),   # names a credit note
    ("AV-10", "credit_note", "C1", "cancelled", "FAC-2", "-70.00"),  # cancelled note
]


@pytest.fixture(scope="module")
def credit_notes_recalculated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("credits")
    today = date.today()
    day = today - timedelta(days=90)
    clients = [{"id": c, "name": f"Client {c}", "country": "FR", "terms": "30d"}
               for c in ("C1", "C2")]
    invoices, lines = [], []
    for k, (number, kind, client, status, credited, net) in enumerate(CREDIT_CASES):
        invoices.append({"id": f"F{k:02d}", "type": kind, "number": number,
                         "issue_date": day, "client": client, "credited": credited,
                         "terms": "30d", "due_date": day + timedelta(days=30),
                         "status": status})
        lines.append({"invoice": f"F{k:02d}", "label": "Prestation", "quantity": Decimal(1),
                      "unit_price": Decimal(net), "vat_rate": Decimal("0.2")})
    payments = [{"date": day, "client": c, "invoice": n, "amount": Decimal(a)}
                for c, n, a in (("C1", "FAC-2", "100.10"), ("C1", "FAC-3", "240.00"),
                                ("C2", "FAC-8", "120.00"), ("C2", "AV-8", "-120.00"),
                                ("C2", "FAC-8", "480.00"))]
    path = build_workbook(folder / "Avoirs.xlsx", data={
        "Clients": clients, "Factures": invoices, "LignesFacture": lines,
        "Paiements": payments}, today=today)
    return convert(path, folder / "lo")


@needs_libreoffice
@pytest.mark.libreoffice
def test_credit_notes_reduce_the_balance_alike_in_libreoffice_and_python(
        credit_notes_recalculated) -> None:
    data = read_workbook(credit_notes_recalculated, ["Clients", "Factures", "LignesFacture",
                                                     "Paiements"])
    assert _error_cells(credit_notes_recalculated) == []
    python = compute_all({name: t.cols for name, t in data.tables.items()}, date.today())
    compared, mismatches = _compare(data, python)
    assert mismatches == [] and compared >= 6 * len(CREDIT_CASES)
    factures = data.tables["Factures"]
    assert len(factures) == len(CREDIT_CASES)
    got = {n or "draft": Decimal(str(b)) for n, b in zip(factures.cols["number"],
                                                         factures.cached["balance"])}
    assert got == {
        "FAC-1": 0, "AV-1": 0,
        "FAC-2": Decimal("600.00") - Decimal("100.10") - Decimal("120.00") - Decimal("40.00"),
        "AV-2": 0, "AV-2B": 0,
        "FAC-3": Decimal("-300.00"), "AV-3": 0,             # owed back to the client
        "AV-4": Decimal("-48.00"), "AV-5": Decimal("-30.00"), "AV-6": Decimal("-72.00"),
        "draft": 0, "FAC-7": 0, "AV-7": 0, "FAC-8": Decimal("120.00"), "AV-8": 0,
        "AV-9": Decimal("-12.00"), "AV-10": Decimal("-84.00")}


@needs_libreoffice
@pytest.mark.libreoffice
def test_a_cached_value_that_differs_from_the_formula_is_a_finding(recalculated) -> None:
    """LibreOffice's cached results agree with Python (no finding); a cell overwritten by
    hand (here: one cached total changed) is one FORMULA-DIFF naming its sheet and cell."""
    from pyfuncs.jobs.load import formula_findings

    _, out = recalculated
    data = read_workbook(out)
    python = compute_all({name: t.cols for name, t in data.tables.items()}, date.today())
    assert formula_findings(data, python) == []
    inv = data.tables["Factures"]
    assert inv.cached["total"][5] == python["Factures"]["total"][5]
    inv.cached["total"][5] += Decimal("1.00")
    found = formula_findings(data, python)
    assert [(f.code, f.sheet, f.row, f.cell) for f in found] == \
        [("FORMULA-DIFF", inv.sheet, inv.rows[5], inv.cell("total", inv.rows[5]))]
