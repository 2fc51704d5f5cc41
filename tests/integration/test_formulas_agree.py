"""The workbook's formulas and Python agree to the cent, in a real spreadsheet engine.

The demo workbook is recalculated from scratch by LibreOffice headless (a full
recalculation forced on load, so no cached value survives), read back, and every formula
cell is compared with Python's Decimal computation of the same row (domain/computed.py).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.demo import build_demo
from pyfuncs.domain.computed import compute_all
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
    compared = 0
    mismatches = []
    # every calculated column of the schema is compared...
    from pyfuncs import schema as S
    assert {(n, k) for n, cols in python.items() for k in cols} == \
        {(t.name, c.key) for t in S.TABLES for c in t.columns if c.computed}
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
    assert mismatches == []
    # ...on every row of a demo with hundreds of invoices
    assert compared > 2000 and len(data.tables["Factures"]) >= 200
    assert read_workbook(original).tables["Factures"].rows == data.tables["Factures"].rows
