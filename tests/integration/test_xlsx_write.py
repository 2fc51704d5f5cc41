"""The surgical writer changes only what a job owns, and the result opens everywhere.

A job-like sequence runs once on a copy of tests/fixtures/rich.xlsm (made by XlsxWriter
with a VBA project, charts, a picture, form buttons, a comment, x14 data bars and
sparklines): rewrite Contrôles, append payments, set invoice cells, commit. Then each test
checks one promise.
"""
from __future__ import annotations

import os
import re
import shutil
import struct
import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
import python_calamine
import xlsxwriter

from pyfuncs.adapters import xlsx_rows
from pyfuncs.adapters.xlsx_write import PackageError, WorkbookLocked, WorkbookWriter
from pyfuncs.domain import schema as S
from pyfuncs.jobs.template import build_workbook
from tests.support.libreoffice import convert, needs_libreoffice

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RICH = FIXTURES / "rich.xlsm"
# openpyxl (an extra reader here) says it would drop what the writer keeps; that is the point
pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
KINDS = {S.MONEY: "money", S.DATE: "date", S.INT: "int", S.RATE: "rate", S.NUMBER: "number"}
CHECK_COLUMNS = [(c.fr, KINDS.get(c.type, "text"), float(c.width))
                 for c in S.SHEETS_BY_KEY["checks"].columns]
CHECK_ROWS = [
    ["Erreur", "CLIENT-INCONNU", "Factures", 4, "Client", "F9", "Client inconnu",
     "Créer le client", "Factures!E4"],
    ["Avertissement", "TEXTE", "Paiements", 3, "Référence", "", '=HYPERLINK("x")', "-x", "@x"],
    ["Info", "OK", None, None, None, None, "+33 1 23 45 67 89", None, None],
]
NEW_PAYMENTS = [
    {"Date": date(2026, 3, 15), "Client": "ACME", "N° facture": "FAC2026-0001",
     "Montant": Decimal("234.56"), "Mode": "Virement", "Référence": "=1+1"},
    {"Date": date(2026, 3, 16), "Client": "BETA", "Montant": Decimal("-12.30"),
     "Référence": "+33 virement"},
]


def raw_entries(path: Path) -> dict[str, tuple[bytes, bytes, bytes]]:
    """Each zip entry's local header, compressed bytes and content."""
    out = {}
    with zipfile.ZipFile(path) as z, path.open("rb") as f:
        for info in z.infolist():
            f.seek(info.header_offset)
            header = f.read(30)
            nlen, elen = struct.unpack("<HH", header[26:30])
            local = header + f.read(nlen + elen)
            out[info.filename] = (local, f.read(info.compress_size), z.read(info))
    return out


def part_of(path: Path, sheet: str) -> str:
    """The worksheet part behind a sheet name, read the way Excel resolves it."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet name="{re.escape(sheet)}" sheetId="\d+" r:id="(\w+)"', book)[1]
    return "xl/" + re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"', rels)[1]


def read(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


def sheet_rows(path: Path, sheet: str) -> list[list[object]]:
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        sheet).to_python()


@pytest.fixture(scope="module")
def job(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    folder = tmp_path_factory.mktemp("job")
    book = folder / "Facturation.xlsm"
    shutil.copyfile(RICH, book)
    os.chmod(book, 0o640)
    writer = WorkbookWriter(book)
    writer.replace_sheet("Contrôles", title="Contrôles : écrit par le test",
                         columns=CHECK_COLUMNS, rows=CHECK_ROWS, links={0: (8, "'Factures'!E4")})
    writer.append_rows("Paiements", NEW_PAYMENTS)
    writer.set_cells("Factures", [(4, "N° facture", "FAC2026-0003"),
                                  (4, "Date", date(2026, 3, 1)), (2, "Litige", "Oui")])
    assert writer.commit() == book
    # The fixture asks for a full recalculation on opening (its cached values are not
    # trusted): the job caches the value of every formula, the invoice lines' included.
    owned = {"xl/workbook.xml", "xl/styles.xml", "xl/tables/table3.xml",
             *(part_of(RICH, s) for s in ("Contrôles", "Paiements", "Factures",
                                          "Lignes de facture"))}
    return SimpleNamespace(path=book, backup=folder / "Facturation.bak.xlsm", owned=owned)


def test_every_part_the_job_does_not_own_is_copied_byte_for_byte(job: SimpleNamespace) -> None:
    before, after = raw_entries(RICH), raw_entries(job.path)
    assert list(after) == list(before)
    for name in set(before) - job.owned:
        assert after[name][0] == before[name][0], f"{name}: local header changed"
        assert after[name][1] == before[name][1], f"{name}: compressed bytes changed"
        assert after[name][2] == before[name][2], f"{name}: content changed"
    assert all(after[name][2] != before[name][2] for name in job.owned)


def test_vba_charts_picture_buttons_comment_and_x14_extensions_survive(
        job: SimpleNamespace) -> None:
    before, after = raw_entries(RICH), raw_entries(job.path)
    notes = part_of(RICH, "Notes perso")
    user_parts = ["xl/vbaProject.bin", "xl/charts/chart1.xml", "xl/charts/chart2.xml",
                  "xl/drawings/drawing1.xml", "xl/drawings/drawing2.xml",
                  "xl/drawings/vmlDrawing1.vml", "xl/drawings/vmlDrawing2.vml",
                  "xl/comments1.xml", "xl/media/image1.png", notes]
    for name in user_parts:
        assert after[name] == before[name], name
    notes_xml = after[notes][2].decode()
    for marker in ("x14:dataBar", "x14:sparklineGroup", "<legacyDrawing", "<drawing"):
        assert marker in notes_xml  # the fixture really holds what the test claims
    assert b"Facturier.ControlerLeClasseur" in after["xl/drawings/vmlDrawing2.vml"][2]


def test_workbook_xml_only_gains_the_sheet_s_filter_and_print_titles_and_loses_the_full_recalculation(
        job: SimpleNamespace) -> None:
    original, result = read(RICH, "xl/workbook.xml"), read(job.path, "xl/workbook.xml")
    names = re.findall(r"<definedName\b[^>]*>[^<]*</definedName>", result)
    added = [n for n in names if "_xlnm._FilterDatabase" in n or "_xlnm.Print_Titles" in n]
    assert added == [('<definedName name="_xlnm._FilterDatabase" localSheetId="4" hidden="1">'
                      "'Contrôles'!$A$3:$I$6</definedName>"),
                     ('<definedName name="_xlnm.Print_Titles" localSheetId="4">'
                      "'Contrôles'!$3:$3</definedName>")]
    # every formula now caches its true value: opening needs no full recalculation
    assert '<calcPr calcId="124519" fullCalcOnLoad="1"/>' in original
    assert result.replace(added[0], "").replace(added[1], "") == original.replace(
        '<calcPr calcId="124519" fullCalcOnLoad="1"/>', '<calcPr calcId="124519"/>')


def test_appended_payments_and_set_invoice_cells_read_back(job: SimpleNamespace) -> None:
    payments = sheet_rows(job.path, "Paiements")
    assert payments[3] == [date(2026, 3, 15), "ACME", "FAC2026-0001", 234.56, "Virement",
                           "=1+1"]
    assert payments[4] == [date(2026, 3, 16), "BETA", "", -12.3, "", "+33 virement"]
    assert len(payments) == 5
    invoices = sheet_rows(job.path, "Factures")
    header = invoices[0]
    third = dict(zip(header, invoices[3]))
    assert third["N° facture"] == "FAC2026-0003" and third["Date"] == date(2026, 3, 1)
    assert dict(zip(header, invoices[1]))["Litige"] == "Oui"
    assert third["Client"] == "ACME"  # the rest of the row is untouched


def test_the_table_ref_its_autofilter_and_the_sheet_dimension_grew(job: SimpleNamespace) -> None:
    table = read(job.path, "xl/tables/table3.xml")
    assert 'ref="A1:F5"' in table and '<autoFilter ref="A1:F5"/>' in table
    assert WorkbookWriter(job.path).table_ref("Paiements") == ("Paiements", "A1:F5")
    assert '<dimension ref="A1:F5"/>' in read(job.path, part_of(job.path, "Paiements"))


def test_appended_cells_take_the_style_of_the_last_row(job: SimpleNamespace) -> None:
    ws = openpyxl.load_workbook(job.path)["Paiements"]
    for column in "ABCDEF":
        assert ws[f"{column}4"].style_id == ws[f"{column}3"].style_id
    assert ws["A4"].number_format == S.FMT_DATE and ws["D4"].number_format == S.FMT_MONEY


def test_text_starting_with_equals_plus_minus_or_at_stays_text(job: SimpleNamespace) -> None:
    wb = openpyxl.load_workbook(job.path)
    checks, payments = wb["Contrôles"], wb["Paiements"]
    for cell in (checks["G5"], checks["H5"], checks["I5"], checks["G6"], payments["F4"],
                 payments["F5"]):
        assert cell.data_type == "s", cell.coordinate
    assert checks["G5"].value == '=HYPERLINK("x")' and checks["I5"].value == "@x"
    for sheet in ("Contrôles", "Paiements"):
        assert "<f>" not in read(job.path, part_of(job.path, sheet))


def test_the_output_sheet_has_title_header_link_filter_and_frozen_pane(
        job: SimpleNamespace) -> None:
    rows = sheet_rows(job.path, "Contrôles")
    assert rows[0][0] == "Contrôles : écrit par le test"
    assert rows[2] == [c[0] for c in CHECK_COLUMNS]
    assert rows[3][:4] == ["Erreur", "CLIENT-INCONNU", "Factures", 4]
    ws = openpyxl.load_workbook(job.path)["Contrôles"]
    assert ws.freeze_panes == "A4" and ws.auto_filter.ref == "A3:I6"
    assert ws["I4"].hyperlink.location == "'Factures'!E4"
    assert ws["A1"].font.b and ws["A3"].font.b and ws["A3"].fill.fgColor.rgb == "FFD9E1F2"
    assert ws.sheet_properties.tabColor.rgb == "FFC00000"  # the template's tab colour
    assert ws.conditional_formatting  # and its conditional format


def test_the_backup_is_the_original_and_the_mode_is_kept(job: SimpleNamespace) -> None:
    assert job.backup.read_bytes() == RICH.read_bytes()
    assert job.path.stat().st_mode & 0o777 == 0o640
    leftovers = [p.name for p in job.path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_openpyxl_loads_the_result(job: SimpleNamespace) -> None:
    wb = openpyxl.load_workbook(job.path, read_only=True, keep_vba=True)
    assert wb.sheetnames == ["Tableau de bord", "Factures", "Lignes de facture", "Paiements",
                             "Contrôles", "Notes perso"]
    for ws in wb.worksheets:
        list(ws.iter_rows(values_only=True))
    wb.close()


@pytest.mark.libreoffice
@needs_libreoffice
def test_the_result_opens_and_computes_in_libreoffice(job: SimpleNamespace,
                                                      tmp_path: Path) -> None:
    out = convert(job.path, tmp_path / "lo")
    payments = sheet_rows(out, "Paiements")
    assert payments[3][:4] == [date(2026, 3, 15), "ACME", "FAC2026-0001", 234.56]
    assert payments[4][5] == "+33 virement"
    invoices = sheet_rows(out, "Factures")
    first = dict(zip(invoices[0], invoices[1]))
    # 2 x 850 + 120.50 = 1820.50 HT, 2184.60 TTC; paid 1000 + 234.56 appended
    assert first["Total TTC"] == pytest.approx(2184.60)
    assert first["Reste dû"] == pytest.approx(2184.60 - 1234.56)
    assert dict(zip(invoices[0], invoices[3]))["Reste dû"] == pytest.approx(105.49)
    assert sheet_rows(out, "Contrôles")[4][6] == '=HYPERLINK("x")'


@pytest.mark.parametrize("lock", ["~$Facturation.xlsm", ".~lock.Facturation.xlsm#"])
def test_a_lock_file_beside_the_workbook_refuses_the_write(tmp_path: Path, lock: str) -> None:
    book = tmp_path / "Facturation.xlsm"
    shutil.copyfile(RICH, book)
    (tmp_path / lock).write_text("owner")
    with pytest.raises(WorkbookLocked, match=re.escape(lock)) as err:
        WorkbookWriter(book)
    assert str(book) in str(err.value)
    (tmp_path / lock).unlink()
    writer = WorkbookWriter(book)
    writer.append_rows("Paiements", NEW_PAYMENTS)
    (tmp_path / lock).write_text("owner")  # opened in Excel while the job ran
    with pytest.raises(WorkbookLocked, match=re.escape(lock)):
        writer.commit()
    assert book.read_bytes() == RICH.read_bytes()


def test_a_workbook_saved_by_someone_else_during_the_job_is_not_overwritten(
        tmp_path: Path) -> None:
    book = tmp_path / "Facturation.xlsm"
    shutil.copyfile(RICH, book)
    writer = WorkbookWriter(book)
    writer.append_rows("Paiements", NEW_PAYMENTS)
    os.utime(book, ns=(1, 1))
    with pytest.raises(WorkbookLocked, match="changed"):
        writer.commit()


def test_replace_sheet_streams_100000_rows(tmp_path: Path) -> None:
    book = tmp_path / "big.xlsx"
    shutil.copyfile(FIXTURES / "rich.xlsx", book)
    columns = [("Client", "text", 10), ("Nom", "text", 30), ("N°", "text", 14),
               ("Date", "date", 11), ("Total", "money", 13), ("Jours", "int", 9),
               ("Taux", "rate", 8), ("Note", "text", 20)]
    held: list[int] = []

    def rows() -> Iterator[list[object]]:
        # memory still allocated when the last row is taken = what the writer holds of the
        # last 40% of rows; tracing only that window keeps the test fast
        for i in range(100_000):
            if i == 60_000:
                tracemalloc.start()
            yield [f"C{i % 500}", f"Client {i % 500}", f"FAC-{i:06d}",
                   date(2026, 1, 1 + i % 28), Decimal(i) / 100, i % 90, 0.2,
                   "=x" if i % 7 == 0 else None]
        held.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.stop()

    writer = WorkbookWriter(book)
    writer.replace_sheet("Détail", title="Détail", columns=columns, rows=rows())
    writer.commit()
    with zipfile.ZipFile(book) as z:
        window = z.getinfo(part_of(book, "Détail")).file_size * 0.4
    # the deflated part itself is spooled in memory (about a tenth of the text): allowed
    assert held[0] < window / 2, f"{held[0] / 1e6:.1f} MB held for {window / 1e6:.0f} MB of XML"
    data = sheet_rows(book, "Détail")
    assert len(data) == 100_003 and data[-1][2] == "FAC-099999" and data[3][7] == "=x"


def test_a_template_s_empty_row_is_filled_before_rows_are_appended(tmp_path: Path) -> None:
    book = build_workbook(tmp_path / "Facturation.xlsx")
    writer = WorkbookWriter(book)
    assert writer.table_ref("Paiements") == ("Paiements", "A1:F2")
    writer.append_rows("Paiements", NEW_PAYMENTS[:1])
    writer.append_rows("Paiements", NEW_PAYMENTS[1:])
    assert writer.table_ref("Paiements") == ("Paiements", "A1:F3")
    writer.commit()
    ws = openpyxl.load_workbook(book)["Paiements"]
    assert [ws["A2"].value.date(), ws["D2"].value, ws["D3"].value] == [
        date(2026, 3, 15), 234.56, -12.3]
    # the template row had no cells: the table column's own format is used
    assert ws["A3"].number_format == S.FMT_DATE and ws["D3"].number_format == S.FMT_MONEY


def test_a_validation_that_covered_the_table_grows_with_it(tmp_path: Path) -> None:
    book = build_workbook(tmp_path / "Facturation.xlsx")
    writer = WorkbookWriter(book)
    writer.append_rows("Paiements", [dict(NEW_PAYMENTS[0])] * 600)
    writer.commit()
    xml = read(book, part_of(book, "Paiements"))
    assert 'sqref="A2:A601"' in xml and 'sqref="E2:E601"' in xml
    assert 'ref="A1:F601"' in read(book, "xl/tables/table11.xml")


def _with_calc_chain(src: Path, dst: Path) -> None:
    """A copy as Excel saves it: a calcChain part and a calcPr without fullCalcOnLoad."""
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info)
            if info.filename == "xl/workbook.xml":
                data = re.sub(rb"<calcPr[^>]*/>", b'<calcPr calcId="191029"/>', data)
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", (
                    b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/calcChain" Target="calcChain.xml"/>'
                    b"</Relationships>"))
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", (
                    b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.'
                    b'openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>'))
            out.writestr(info, data)
        out.writestr("xl/calcChain.xml", '<?xml version="1.0" encoding="UTF-8"?>'
                     '<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                     'main"><c r="M2" i="1"/></calcChain>')


def test_calculated_columns_get_their_formula_and_the_stale_calc_chain_goes(
        tmp_path: Path) -> None:
    book = tmp_path / "Facturation.xlsm"
    _with_calc_chain(RICH, book)
    writer = WorkbookWriter(book)
    writer.append_rows("Factures", [{"Réf.": "F4", "Type": "Facture", "Client": "BETA",
                                     "Statut": "Brouillon"}])
    writer.commit()
    with zipfile.ZipFile(book) as z:
        assert "xl/calcChain.xml" not in z.namelist()
    assert "calcChain" not in read(book, "xl/_rels/workbook.xml.rels")
    assert "calcChain" not in read(book, "[Content_Types].xml")
    assert '<calcPr calcId="191029"/>' in read(book, "xl/workbook.xml")
    ws = openpyxl.load_workbook(book)["Factures"]
    values = openpyxl.load_workbook(book, data_only=True)["Factures"]
    tbl = S.table("Factures")
    for j, col in enumerate(tbl.columns):
        cell = ws.cell(5, j + 1)
        if col.computed:
            assert cell.value == "=" + S.render_formula(tbl, col, "fr"), col.key
            assert values.cell(5, j + 1).value == 0, col.key  # a draft without lines
    assert ws["A5"].value == "F4" and ws.tables["Factures"].ref == "A1:V5"


def test_set_cells_refuses_calculated_columns_rows_outside_and_unknown_labels(
        tmp_path: Path) -> None:
    book = tmp_path / "Facturation.xlsm"
    shutil.copyfile(RICH, book)
    writer = WorkbookWriter(book)
    with pytest.raises(ValueError, match="calculated"):
        writer.set_cells("Factures", [(2, "Total HT", 1)])
    with pytest.raises(ValueError, match="outside"):
        writer.set_cells("Factures", [(9, "Statut", "Émise")])
    with pytest.raises(ValueError, match="no column"):
        writer.set_cells("Factures", [(2, "Inconnue", 1)])
    with pytest.raises(ValueError, match="calculated"):
        writer.append_rows("Factures", [{"Réf.": "F9", "TVA": 3}])


def test_appending_never_overwrites_data_just_below_a_table(tmp_path: Path) -> None:
    book = tmp_path / "small.xlsx"
    with xlsxwriter.Workbook(book) as wb:
        ws = wb.add_worksheet("Paiements")
        ws.add_table(0, 0, 2, 1, {"name": "Paiements", "columns": [{"header": "Date"},
                                                                   {"header": "Montant"}],
                                  "data": [["a", 1], ["b", 2]]})
        ws.write_string(4, 1, "note de l'utilisateur")
    writer = WorkbookWriter(book)
    with pytest.raises(ValueError, match="B5"):
        writer.append_rows("Paiements", [{"Montant": 3}, {"Montant": 4}])


def test_rewriting_the_dashboard_keeps_its_chart_and_button(tmp_path: Path) -> None:
    book = tmp_path / "Facturation.xlsm"
    shutil.copyfile(RICH, book)
    before = raw_entries(RICH)
    writer = WorkbookWriter(book)
    writer.replace_sheet("Tableau de bord", title="Tableau de bord",
                         columns=[("Indicateur", "text", 40), ("Valeur", "money", 14)],
                         rows=[["Encours", Decimal("12.5")]])
    writer.commit()
    xml = read(book, part_of(book, "Tableau de bord"))
    assert re.search(r'<drawing r:id="rId\d+"/>', xml)
    assert re.search(r'<legacyDrawing r:id="rId\d+"/>', xml)
    after = raw_entries(book)
    for name in ("xl/worksheets/_rels/sheet1.xml.rels", "xl/charts/chart1.xml",
                 "xl/drawings/drawing1.xml", "xl/drawings/vmlDrawing1.vml"):
        assert after[name] == before[name]
    assert sheet_rows(book, "Tableau de bord")[3][:2] == ["Encours", 12.5]


def test_a_new_output_sheet_goes_before_the_named_one_and_local_names_follow(
        tmp_path: Path) -> None:
    book = tmp_path / "Facturation.xlsm"
    shutil.copyfile(RICH, book)
    writer = WorkbookWriter(book)
    writer.replace_sheet("Balance âgée", title="Balance âgée", before="Factures",
                         columns=[("Client", "text", 10)], rows=iter([["ACME"]]))
    assert writer.sheet_names()[1] == "Balance âgée"
    writer.commit()
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[:3] == ["Tableau de bord", "Balance âgée", "Factures"]
    assert "Suivi" in wb["Notes perso"].defined_names  # localSheetId moved 5 -> 6
    assert sheet_rows(book, "Balance âgée")[3] == ["ACME"]
    assert "/xl/worksheets/sheet7.xml" in read(book, "[Content_Types].xml")


def test_styles_do_not_grow_when_the_same_job_runs_twice(tmp_path: Path) -> None:
    book = tmp_path / "Facturation.xlsm"
    shutil.copyfile(RICH, book)
    sizes = []
    for _ in range(3):
        writer = WorkbookWriter(book)
        writer.replace_sheet("Contrôles", title="x", columns=CHECK_COLUMNS, rows=CHECK_ROWS,
                             links={0: (8, "'Factures'!E4")})
        writer.commit(backup=False)
        sizes.append(read(book, "xl/styles.xml"))
    assert sizes[1] == sizes[2] and sizes[0] == sizes[1]


def test_a_file_that_is_not_a_package_raises_package_error_naming_it(tmp_path: Path) -> None:
    fake = tmp_path / "Facturation.xlsx"
    fake.write_bytes(b"\xd0\xcf\x11\xe0 not a zip")
    with pytest.raises(PackageError, match=r"Facturation\.xlsx"):
        WorkbookWriter(fake)
    empty = tmp_path / "empty.xlsx"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(PackageError, match=r"empty\.xlsx"):
        WorkbookWriter(empty)


@pytest.mark.parametrize("seed", range(6))
def test_the_fast_rewrite_writes_exactly_what_the_row_by_row_rewrite_writes(
        tmp_path: Path, seed: int, monkeypatch) -> None:
    """Edits jump from row tag to row tag; the row-by-row pass is the reference."""
    import random
    rng = random.Random(seed)
    rows = [{"date": date(2026, 1, 1 + k % 28), "client": f"C{k}", "amount": Decimal(k),
             "reference": f"R{k}"} for k in range(rng.randint(1, 300))]
    path = tmp_path / "book.xlsx"
    build_workbook(path, data={"Paiements": rows}, today=date(2026, 11, 23))
    table_rows = range(2, len(rows) + 2)
    edits = [(r, "Référence", f"edit {r}") for r in rng.sample(table_rows,
                                                                 min(len(rows), 20))]
    added = [{"Date": date(2026, 11, 2), "Montant": Decimal("12.5"), "Référence": "new"}
             for _ in range(rng.randint(0, 5))]

    def run(fast: bool) -> dict[str, bytes]:
        work = tmp_path / f"{fast}.xlsx"
        shutil.copyfile(path, work)
        if not fast:
            monkeypatch.setattr(xlsx_rows, "_rewrite_fast", lambda *a, **k: None)
        writer = WorkbookWriter(work)
        writer.set_cells("Paiements", edits)
        writer.append_rows("Paiements", added)
        writer.commit(backup=False)
        monkeypatch.undo()
        with zipfile.ZipFile(work) as z:
            return {n: z.read(n) for n in z.namelist()}

    fast, slow = run(True), run(False)
    assert fast == slow
    assert any(b"edit " in v for v in fast.values()) or not edits


@pytest.mark.parametrize("date1904", [False, True])
def test_a_new_row_built_in_one_pass_is_what_the_cell_by_cell_edits_write(
        tmp_path: Path, date1904: bool) -> None:
    """append_rows builds rows the sheet lacks in one pass, for speed; the per-cell edits
    (still used over a row the sheet has) are the reference, value kind by value kind."""
    from datetime import datetime

    from pyfuncs.adapters.xlsx_rows import _merge_row
    path = tmp_path / "book.xlsx"
    build_workbook(path, today=date(2026, 11, 23))
    writer = WorkbookWriter(path)
    writer._date1904 = date1904
    table = writer._table("Paiements")
    styles = ["7", None, "0", "3", None, "12", None, "5", None, "2"]
    formulas = [None] * 9 + ["ROUND([@Montant]*2,2)"]
    values = ['=1+1 & <b> "x" _x0041_ \x07', Decimal("-12.30"), 45, 1.25,
              date(2026, 2, 28), datetime(2026, 2, 28, 12, 30), True, None, None, None]
    fresh = writer._fresh_row_maker(2, styles, formulas)
    for number in (5, 123456):
        reference = _merge_row(number, None, {
            2 + i: writer._append_edit(table, 2 + i, values[i], styles[i], formulas[i], 4)
            for i in range(len(values))})
        assert fresh(number, values) == reference
    assert b"<f>ROUND([@Montant]*2,2)</f>" in reference and b"&lt;b&gt;" in reference


@pytest.mark.parametrize("sizes", [[0], [10], [100] * 50 + [5_000_000], [3 << 20, 9 << 20]])
def test_a_part_deflated_in_pieces_is_one_valid_deflate_stream(sizes) -> None:
    """A big part is deflated in 1 MB pieces by worker threads (pigz's way): laid end to
    end they must inflate to exactly the bytes written, with the right CRC and size, and
    compress about as well as one stream."""
    import random
    import zlib

    from pyfuncs.adapters import deflate
    from pyfuncs.adapters.zip_package import Blob as _Blob
    rng = random.Random(7)
    data = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c></row>' % (i, i, rng.randint(0, 999))
                    for i in range(300_000))
    blob, pos = _Blob(), 0
    for n in sizes:
        part = data[pos:pos + n]
        blob.write(part)
        pos += len(part)
    blob.close()
    assert b"".join(blob.chunks()) == data[:pos]
    assert zlib.decompress(b"".join(blob.raw()), -15) == data[:pos]
    assert (blob.crc, blob.usize) == (zlib.crc32(data[:pos]), pos)
    # (inflated by the standard zlib above: any reader reads it; sized against one stream
    # of the codec the writer uses, adapters/deflate.py)
    whole = deflate.zlib.compressobj(3, deflate.zlib.DEFLATED, -15)
    assert blob.csize <= 1.02 * len(whole.compress(data[:pos]) + whole.flush()) + 64


def test_an_output_sheet_without_a_page_setup_gets_a4_fitted_to_width(
        job: SimpleNamespace) -> None:
    """The fixture's Contrôles sheet has margins and no page set-up: the rewrite adds one
    at its place (after the margins), and asks the sheet to fit the page."""
    xml = read(job.path, part_of(RICH, "Contrôles"))
    assert '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>' \
        in xml
    assert xml.index("<pageMargins") < xml.index("<pageSetup")
    assert ('<sheetPr codeName="Sheet5"><tabColor rgb="FFC00000"/><pageSetUpPr fitToPage="1"/>'
            "</sheetPr>") in xml
    ws = openpyxl.load_workbook(job.path)["Contrôles"]
    assert ws.page_setup.paperSize == 9 and ws.print_title_rows == "$3:$3"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
