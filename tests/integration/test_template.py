"""The committed template is what the schema builds, and it computes in a real engine."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import python_calamine

from pyfuncs.cli import main
from pyfuncs.domain import schema as S
from pyfuncs.jobs.template import build_workbook
from tests.support.libreoffice import convert, needs_libreoffice

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "workbook" / "Facturation.xlsx"
ERROR_VALUES = ("#N/A", "#NAME?", "#REF!", "#VALUE!", "#DIV/0!", "#NUM!", "#NULL!", "Err:")


def signature(path: Path) -> dict[str, object]:
    """What a user sees of the structure: sheets, tables, headers, formulas, validation,
    number formats and frozen panes (not the bytes, which depend on the XlsxWriter version)."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, object] = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        tables = {}
        for name in ws.tables:
            tbl = ws.tables[name]
            cols = [(c.name, c.calculatedColumnFormula.attr_text
                     if c.calculatedColumnFormula is not None else None)
                    for c in tbl.tableColumns]
            first = openpyxl.utils.cell.range_boundaries(tbl.ref)
            formats = [ws.cell(first[1] + 1, c).number_format
                       for c in range(first[0], first[2] + 1)]
            tables[name] = (tbl.ref, cols, formats)
        validations = sorted((str(dv.sqref), dv.type, dv.formula1)
                             for dv in ws.data_validations.dataValidation)
        out[ws.title] = (tables, validations, ws.freeze_panes)
    return out


def test_committed_template_matches_the_schema(tmp_path: Path) -> None:
    fresh = build_workbook(tmp_path / "fresh.xlsx")
    assert TEMPLATE.exists(), "run: facturier init workbook/Facturation.xlsx --force"
    assert signature(TEMPLATE) == signature(fresh)


def test_template_has_every_sheet_table_and_column_of_the_schema() -> None:
    wb = openpyxl.load_workbook(TEMPLATE)
    assert wb.sheetnames == [s.fr for s in S.SHEETS] + ["xlwings.conf"]
    for tbl in S.TABLES:
        ws = wb[S.sheet_name(tbl.sheet, "fr")]
        assert tbl.name in ws.tables, tbl.name
        names = [c.name for c in ws.tables[tbl.name].tableColumns]
        assert names == [c.fr for c in tbl.columns]
        for col, tc in zip(tbl.columns, ws.tables[tbl.name].tableColumns):
            formula = tc.calculatedColumnFormula
            assert (formula is not None) == col.computed, (tbl.name, col.key)


def test_init_builds_an_english_workbook_with_english_labels(tmp_path: Path) -> None:
    path = tmp_path / "Invoicing.xlsx"
    assert main(["init", str(path), "--lang", "en"]) == 0
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [s.en for s in S.SHEETS] + ["xlwings.conf"]
    names = [c.name for c in wb["Invoices"].tables["Factures"].tableColumns]
    assert names == [c.en for c in S.table("Factures").columns]


def test_init_refuses_to_overwrite_an_existing_workbook(tmp_path: Path, capsys) -> None:
    path = tmp_path / "F.xlsx"
    path.write_bytes(b"precious")
    assert main(["init", str(path)]) == 2
    assert path.read_bytes() == b"precious"
    err = capsys.readouterr().err
    assert str(path) in err and "already exists" in err and "Traceback" not in err


def _error_cells(path: Path) -> list[str]:
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    bad = []
    for name in wb.sheet_names:
        for r, row in enumerate(wb.get_sheet_by_name(name).to_python(), start=1):
            for c, value in enumerate(row):
                if isinstance(value, str) and value.startswith(ERROR_VALUES):
                    bad.append(f"{name}!R{r}C{c + 1}={value}")
    return bad


@needs_libreoffice
@pytest.mark.libreoffice
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_template_recalculates_in_libreoffice_without_error_values(tmp_path: Path,
                                                                   lang: str) -> None:
    path = build_workbook(tmp_path / f"template-{lang}.xlsx", lang=lang)
    out = convert(path, tmp_path / "lo")
    assert _error_cells(out) == []
