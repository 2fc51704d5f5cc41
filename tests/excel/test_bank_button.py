"""The « Importer un relevé » button on the live-Excel adapter (the recording fake of
xlwings, loaded from a real workbook): the files chosen in Excel's dialog, passed by the
VBA as UTF-16 code units, go through the same job as `facturier bank`."""
from __future__ import annotations

import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pyfuncs import buttons
from pyfuncs.adapters.journal import Journal, journal_path
from pyfuncs.jobs.template import build_workbook
from tests.excel.fake_xlwings import FakeBook
from tests.integration.test_bank import FIXTURE, tables
from tests.unit.test_checks import clean_settings

TODAY = date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[2]


def code_units(path: str) -> list[int]:
    """What the VBA's CodeUnits gives for a path: AscW of each character (UTF-16)."""
    data = path.encode("utf-16-le", "surrogatepass")
    return [int.from_bytes(data[k:k + 2], "little") for k in range(0, len(data), 2)]


@pytest.fixture
def book(tmp_path, monkeypatch) -> FakeBook:
    monkeypatch.setattr(buttons, "_today", lambda: TODAY)
    path = tmp_path / "Facturation.xlsx"
    build_workbook(path, data=tables(), settings=clean_settings(), today=TODAY)
    return FakeBook.from_file(path)


def table_rows(book: FakeBook, sheet: str) -> list[list]:
    table = book.sheets[sheet].tables[0]
    rng = table.range
    return [[book.sheets[sheet].cells.get((r, c)) for c in range(rng.column,
                                                                   rng.last_cell.column + 1)]
            for r in range(rng.row + 1, rng.last_cell.row + 1)]


def test_the_statements_chosen_in_excel_are_imported_once(book, tmp_path):
    # a folder name with what breaks a command line: an accent, a quote, %, |, a space
    folder = tmp_path / "Relevés d'été 100% | BNP"
    folder.mkdir()
    chosen = folder / "relevé.xml"
    shutil.copyfile(FIXTURE, chosen)
    message = buttons.importer_releve([code_units(str(chosen))], book)
    assert message.startswith("8 opération(s) lue(s) : 5 crédit(s) nouveau(x) (0 déjà "
                              "importé(s), 3 autre(s) opération(s) ignorée(s) dont 1 "
                              "remboursement(s) à des clients, 0 non importée(s)) ; 3 "
                              "paiement(s) enregistré(s)")
    assert "2 crédit(s) à confirmer dans la feuille Rapprochement" in message
    assert book.app.alerts[-1]["mode"] == "info" and book.saves == 1
    paid = [r for r in table_rows(book, "Paiements") if r[0] is not None]
    assert len(paid) == 6
    assert sum((Decimal(str(v)) for r in paid for v in r if isinstance(v, float)),
               Decimal(0)) >= 5300
    rapprochement = book.sheets["Rapprochement"]
    assert rapprochement.range("A3").value == "Valider"
    assert {rapprochement.cells.get((r, 1)) for r in (4, 5)} == {"Non"}
    status = book.sheets["Tableau de bord"].range("A2").value
    assert status.startswith("Importer un relevé : 8 opération(s) lue(s) : 5 crédit(s) "
                             "nouveau(x)")
    with Journal(journal_path(Path(book.fullname))) as journal:
        assert len(journal.bank_entries()) == 5
    again = buttons.importer_releve([code_units(str(chosen))], book)
    assert again.startswith("8 opération(s) lue(s) : 0 crédit(s) nouveau(x) (5 déjà "
                            "importé(s)")
    assert len([r for r in table_rows(book, "Paiements") if r[0] is not None]) == 6


def test_cancel_or_a_file_that_is_no_statement_gives_one_line_and_writes_nothing(book,
                                                                                tmp_path):
    assert buttons.importer_releve([], book) == "Aucun relevé choisi : rien n'a été importé."
    bad = tmp_path / "page.xml"
    bad.write_text("<html/>")
    message = buttons.importer_releve([str(bad)], book)
    assert message.startswith("Importer un relevé : page.xml: not a camt.053 statement")
    assert book.app.alerts[-1]["mode"] == "critical" and "Traceback" not in message
    gone = buttons.importer_releve([str(tmp_path / "absent.xml")], book)
    assert gone == "Importer un relevé : absent.xml : fichier introuvable"
    assert book.saves == 0


def test_a_path_survives_the_vba_encoding_whatever_its_characters():
    paths = ["C:\\Users\\Zoé\\Relevés\\relevé 100%.xml", "/Users/a|b/l'été/x.ofx",
             "D:\\emoji \U0001F4B6\\r.sta", 'C:\\a "b"\\c.csv']
    assert buttons.chosen_files([code_units(p) for p in paths]) == [Path(p) for p in paths]
    assert all(u < 65536 for p in paths for u in code_units(p))  # what AscW can give


def test_the_vba_button_asks_for_several_files_and_passes_them_as_numbers():
    bas = (ROOT / "macros" / "Facturier.bas").read_text(encoding="utf-8")
    sub = re.search(r"Sub ImporterReleve\(\)(.*?)End Sub", bas, re.DOTALL)[1]
    assert sub.count("GetOpenFilename(") == 2 and sub.count(", , True)") == 2  # MultiSelect
    assert "If Not IsArray(chosen) Then Exit Sub" in sub  # Cancel runs nothing
    assert 'b.importer_releve(" & arg & ")"' in sub and "CodeUnits(CStr(chosen(i)))" in sub
    assert "c + 65536" in bas  # AscW is signed
