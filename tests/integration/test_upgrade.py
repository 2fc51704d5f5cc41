"""`facturier upgrade` on real files: a workbook made before a column existed gains it at
its Table's right end, reads without COLUMN-MISSING, takes a value typed into it, opens
in LibreOffice and openpyxl, and keeps every other part of its package byte for byte."""
from __future__ import annotations

import dataclasses
import subprocess
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest

from pyfuncs.adapters.xlsx_columns import ColumnsBlocked
from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.adapters.xlsx_write import PackageError, WorkbookLocked, WorkbookWriter
from pyfuncs.cli import main
from pyfuncs.domain import schema as S
from pyfuncs.domain.schema import lookup
from pyfuncs.jobs.template import build_workbook, validation_options
from pyfuncs.jobs.upgrade import run_upgrade
from tests.support.libreoffice import convert, needs_libreoffice

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = [{"id": "C001", "name": "Dupont SARL", "country": "FR"},
           {"id": "C002", "name": "Martin Jeanne", "country": "FR"}]


@contextmanager
def schema_without(columns: dict[str, tuple[str, ...]]) -> Iterator[None]:
    """The schema as an earlier version had it: ``columns`` (table -> keys) not there yet."""
    saved = lookup.TABLES, dict(lookup.TABLES_BY_NAME)
    older = tuple(dataclasses.replace(t, columns=tuple(
        c for c in t.columns if c.key not in columns.get(t.name, ()))) for t in lookup.TABLES)
    lookup.TABLES = older
    lookup.TABLES_BY_NAME.clear()
    lookup.TABLES_BY_NAME.update({t.name: t for t in older})
    try:
        yield
    finally:
        lookup.TABLES = saved[0]
        lookup.TABLES_BY_NAME.clear()
        lookup.TABLES_BY_NAME.update(saved[1])


def older_workbook(path: Path, lang: str = "fr",
                   without: dict[str, tuple[str, ...]] | None = None) -> Path:
    """A workbook the current builder makes, but of a version without ``without``'s
    columns (by default Clients › Particulier), with two clients."""
    with schema_without(without or {"Clients": ("private",)}):
        return build_workbook(path, lang=lang, data={"Clients": CLIENTS})


def members(path: Path) -> dict[str, tuple[bytes, int, int]]:
    """Each zip member's content, CRC and compressed size (a re-compressed part shows)."""
    with zipfile.ZipFile(path) as z:
        return {i.filename: (z.read(i), i.CRC, i.compress_size) for i in z.infolist()}


def missing_columns(path: Path, tables: list[str] | None = None) -> list[tuple[str, str]]:
    return [(f.sheet, f.column) for f in read_workbook(path, tables).findings
            if f.code == "COLUMN-MISSING"]


def test_the_missing_column_is_added_at_the_table_end_and_read(tmp_path):
    path = older_workbook(tmp_path / "Facturation.xlsx")
    assert missing_columns(path) == [("Clients", "Particulier")]
    before = members(path)

    result = run_upgrade(path)

    assert result.written and [(t.table, t.added) for t in result.tables] == \
        [("Clients", ["Particulier"])]
    assert missing_columns(path) == []
    clients = read_workbook(path).tables["Clients"]
    assert clients.labels["private"] == "Particulier"
    assert clients.cols["private"] == [None, None]
    assert clients.col_letters["private"] == "Z"  # after the last column, not after Forme juridique
    # only the Clients sheet and its table part changed; every other part byte for byte
    after = members(path)
    changed = sorted(n for n in before if before[n] != after[n])
    assert len(changed) == 2 and changed[0].startswith("xl/tables/") and \
        changed[1].startswith("xl/worksheets/sheet")
    assert set(after) == set(before)
    assert members(tmp_path / "Facturation.bak.xlsx") == before  # the file as it was


def test_a_value_typed_into_the_new_column_is_read_back(tmp_path):
    path = older_workbook(tmp_path / "Facturation.xlsx")
    run_upgrade(path)
    writer = WorkbookWriter(path)
    writer.set_cells("Clients", [(3, "Particulier", "Oui")])
    writer.commit()
    clients = read_workbook(path).tables["Clients"]
    assert clients.cols["private"] == [None, "yes"]
    assert clients.cols["name"] == ["Dupont SARL", "Martin Jeanne"]


def test_openpyxl_sees_the_table_widened_with_the_list_of_a_new_workbook(tmp_path):
    path = older_workbook(tmp_path / "Facturation.xlsx")
    run_upgrade(path)
    ws = openpyxl.load_workbook(path)["Clients"]
    table = ws.tables["Clients"]
    assert table.ref == "A1:Z3" and table.autoFilter.ref == "A1:Z3"
    assert [c.name for c in table.tableColumns][-1] == "Particulier"
    assert len({c.id for c in table.tableColumns}) == len(table.tableColumns) == 26
    assert ws["Z1"].value == "Particulier"
    assert ws["Z1"].style_id == ws["Y1"].style_id  # styled as the other headers
    assert ws.column_dimensions["Z"].width == pytest.approx(10.7109375)
    rule = next(dv for dv in ws.data_validations.dataValidation if str(dv.sqref) == "Z2:Z503")
    opts = validation_options(S.table("Clients").column("private"), "fr")
    assert rule.type == "list" and rule.formula1 == '"Oui,Non"'
    assert rule.promptTitle == opts["input_title"] and rule.prompt == opts["input_message"]


@needs_libreoffice
def test_libreoffice_opens_the_upgraded_workbook_with_the_header_in_the_table(tmp_path):
    path = older_workbook(tmp_path / "Facturation.xlsx")
    run_upgrade(path)
    out = convert(path, tmp_path / "lo")
    ws = openpyxl.load_workbook(out)["Clients"]
    assert ws.tables["Clients"].ref == "A1:Z3"
    assert [c.name for c in ws.tables["Clients"].tableColumns][-1] == "Particulier"
    assert ws["Z1"].value == "Particulier" and ws["A2"].value == "C001"


def test_cells_to_the_right_of_the_table_stop_it_and_nothing_is_written(tmp_path):
    path = older_workbook(tmp_path / "Facturation.xlsx")
    wb = openpyxl.load_workbook(path)  # the test's own file: a note beside the table
    wb["Clients"]["Z3"] = "à rappeler"
    wb.save(path)
    before = path.read_bytes()
    with pytest.raises(ColumnsBlocked) as info:
        run_upgrade(path)
    assert str(info.value).startswith("Clients!Z3: the new column(s) of table Clients "
                                      "(sheet Clients) would cover this cell")
    assert path.read_bytes() == before
    assert not (tmp_path / "Facturation.bak.xlsx").exists()
    assert main(["upgrade", str(path)]) == 2


def test_a_note_below_the_table_is_left_alone_and_bounds_the_list(tmp_path):
    path = older_workbook(tmp_path / "Facturation.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Clients"]["Z10"] = "total"
    wb.save(path)
    run_upgrade(path)
    ws = openpyxl.load_workbook(path)["Clients"]
    assert ws["Z10"].value == "total" and ws.tables["Clients"].ref == "A1:Z3"
    assert "Z2:Z9" in [str(dv.sqref) for dv in ws.data_validations.dataValidation]


def test_a_dry_run_lists_the_columns_and_writes_nothing(tmp_path, capsys):
    path = older_workbook(tmp_path / "Facturation.xlsx")
    before, stamp = path.read_bytes(), path.stat().st_mtime_ns
    assert main(["upgrade", str(path), "--dry-run"]) == 0
    assert capsys.readouterr().out == "Clients › table Clients would gain: Particulier\n"
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stamp
    assert not (tmp_path / "Facturation.bak.xlsx").exists()


def test_a_second_run_adds_nothing(tmp_path, capsys):
    path = older_workbook(tmp_path / "Facturation.xlsx")
    assert main(["upgrade", str(path)]) == 0
    after = path.read_bytes()
    capsys.readouterr()
    assert main(["upgrade", str(path), "--json"]) == 0
    assert '"tables": []' in capsys.readouterr().out
    assert path.read_bytes() == after


def test_an_english_workbook_gets_the_english_header(tmp_path):
    path = older_workbook(tmp_path / "Invoicing.xlsx", lang="en")
    assert missing_columns(path) == [("Clients", "Private person")]
    result = run_upgrade(path)
    assert result.lang == "en" and result.tables[0].added == ["Private person"]
    assert missing_columns(path) == []
    ws = openpyxl.load_workbook(path)["Clients"]
    assert ws["Z1"].value == "Private person"
    assert any(dv.formula1 == '"Yes,No"' for dv in ws.data_validations.dataValidation)


def test_several_tables_and_columns_at_once(tmp_path):
    without = {"Clients": ("private", "delivery_city"), "Factures": ("po",)}
    path = older_workbook(tmp_path / "Facturation.xlsx", without=without)
    result = run_upgrade(path)
    assert {t.table: t.added for t in result.tables} == {
        "Clients": ["Particulier", "Ville de livraison"], "Factures": ["N° commande"]}
    assert missing_columns(path) == []
    wb = openpyxl.load_workbook(path)
    assert wb["Clients"].tables["Clients"].ref == "A1:Z3"


def test_a_required_column_missing_is_named_not_invented(tmp_path, capsys):
    path = older_workbook(tmp_path / "Facturation.xlsx",
                          without={"Clients": ("private", "name")})
    assert main(["upgrade", str(path)]) == 1
    err = capsys.readouterr().err
    assert "required column « Raison sociale » missing" in err
    ws = openpyxl.load_workbook(path)["Clients"]
    assert ws["Y1"].value == "Particulier"  # the optional one is added all the same


def test_a_workbook_open_in_a_spreadsheet_or_not_a_workbook_is_refused(tmp_path):
    path = older_workbook(tmp_path / "Facturation.xlsx")
    before = path.read_bytes()
    owner = tmp_path / "~$Facturation.xlsx"
    owner.write_text("x")
    with pytest.raises(WorkbookLocked):
        run_upgrade(path)
    owner.unlink()
    assert path.read_bytes() == before
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook")
    with pytest.raises(PackageError):
        run_upgrade(text)
    assert main(["upgrade", str(text)]) == 2


def test_the_template_of_an_earlier_version_is_upgraded(tmp_path):
    """The template shipped before Clients › Particulier and Factures › Prescription
    interrompue le existed, from the history."""
    path = tmp_path / "old.xlsx"
    try:
        old = subprocess.run(["git", "show", "696f200:workbook/Facturation.xlsx"], cwd=ROOT,
                             capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        pytest.skip("the project's history is not at hand")
    path.write_bytes(old)
    assert missing_columns(path) == [("Clients", "Particulier"),
                                     ("Factures", "Prescription interrompue le")]
    run_upgrade(path)
    assert missing_columns(path) == []
    assert openpyxl.load_workbook(path)["Clients"].tables["Clients"].ref == "A1:Z2"


def test_a_workbook_full_of_user_content_keeps_it_all(tmp_path):
    """Charts, a form button and its VBA, comments, x14 formats, names: every part but the
    Factures sheet and table is copied byte for byte."""
    from tests.fixtures.make_rich_fixture import VBA_BIN, build
    with schema_without({"Factures": ("po",)}):
        path = build(tmp_path / "rich.xlsm", VBA_BIN)
    assert missing_columns(path, ["Factures"]) == [("Factures", "N° commande")]
    before = members(path)
    run_upgrade(path)
    after = members(path)
    assert sorted(n for n in before if before[n] != after[n]) == \
        ["xl/tables/table1.xml", "xl/worksheets/sheet2.xml"]
    assert missing_columns(path, ["Factures"]) == []
    assert read_workbook(path, ["Factures"]).tables["Factures"].col_letters["po"] == "W"  # the end
