"""The Excel front-end without Excel: the live adapter and the buttons driven against a
recording fake of xlwings' object model (fake_xlwings.py, proved against xlwings' real
classes by test_contract.py), loaded from real workbooks recalculated by LibreOffice."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from pyfuncs import buttons
from pyfuncs.adapters.journal import Journal
from pyfuncs.adapters.workbook_live import LiveWorkbook, cell_value
from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.demo.job import run_demo
from pyfuncs.jobs.check import run_check
from tests.excel.fake_xlwings import FakeApp, FakeBook, Formula
from tests.support.libreoffice import convert, needs_libreoffice

TODAY = date(2026, 11, 23)
pytestmark = needs_libreoffice


@pytest.fixture(scope="module")
def demo_recalculated(tmp_path_factory) -> Path:
    """The demo workbook as Excel holds it once open: every formula computed."""
    folder = tmp_path_factory.mktemp("live")
    summary = run_demo(folder, today=TODAY, run=False)
    return convert(summary.workbook, folder / "lo")


@pytest.fixture
def book(demo_recalculated, tmp_path, monkeypatch) -> FakeBook:
    monkeypatch.setattr(buttons, "_today", lambda: TODAY)
    path = tmp_path / "Facturation.xlsx"
    shutil.copyfile(demo_recalculated, path)
    return FakeBook.from_file(path)


def test_the_live_adapter_reads_the_same_tables_and_findings_as_the_file_reader(
        demo_recalculated, tmp_path):
    live = LiveWorkbook(FakeBook.from_file(demo_recalculated)).read()
    file = read_workbook(demo_recalculated)
    assert live.lang == file.lang == "fr"
    assert live.settings == file.settings
    for name, table in file.tables.items():
        assert live.tables[name].rows == table.rows, name
        assert live.tables[name].cols == table.cols, name
    assert [(f.code, f.sheet, f.row, f.column) for f in live.findings] == \
        [(f.code, f.sheet, f.row, f.column) for f in file.findings]


def test_the_check_button_writes_the_same_findings_as_the_command_and_a_status(book):
    expected = run_check(Path(book.fullname), TODAY, write=False).findings
    message = buttons.controler(book)
    assert message.startswith("4 erreur(s)")
    written = book.sheets["Contrôles"].range((4, 1), (3 + len(expected), 9)).value
    assert [(r[1], r[2], r[3]) for r in written] == \
        [(f.code, f.sheet, f.row) for f in expected]
    links = [r[8] for r in written if r[8] is not None]
    assert links and all(isinstance(v, Formula) and v.text.startswith('=HYPERLINK("#')
                         for v in links)
    assert book.app.alerts[-1]["mode"] == "info" and len(book.app.alerts) == 1
    assert book.app.status_history[0].startswith("Facturier : Contrôler")
    # each step the job reports, in French, in the order it ran
    assert book.app.status_history[:-1] == [
        f"Facturier : Contrôler : {step}…" for step in
        ("lecture du classeur", "calcul des formules", "contrôles", "balance âgée",
         "écriture")]
    assert book.app.status_bar is False  # restored
    assert book.sheets["Tableau de bord"].range("A2").value.startswith("Contrôler : 4 erreur")
    assert book.saves == 0  # output sheets only: the user saves when they want


def test_a_bad_cell_is_a_finding_and_a_message_box_not_an_exception(book):
    payments = book.sheets["Paiements"]
    table = payments.tables[0]
    header = table.header_row_range.value
    col = table.range.column + header.index("Montant")
    payments.cells[(table.range.row + 3, col)] = "douze euros"
    buttons.controler(book)
    found = [r for r in book.sheets["Contrôles"].range((4, 1), (200, 9)).value
             if r[2] == "Paiements" and r[3] == table.range.row + 3]
    # the bad cell itself, and the aged balance of its client marked incomplete
    assert any(r[1] == "CELL-TYPE" and r[4] == "Montant" and "douze euros" in r[6]
               for r in found)
    assert {r[1] for r in found} == {"CELL-TYPE", "AGING-INCOMPLETE"}
    assert book.app.alerts[-1]["mode"] == "info"


def test_text_that_looks_like_a_formula_is_written_as_text(book):
    assert cell_value("=HYPERLINK(\"http://evil\")") == "'=HYPERLINK(\"http://evil\")"
    clients = book.sheets["Clients"]
    table = clients.tables[0]
    header = table.header_row_range.value
    col = table.range.column + header.index("Raison sociale")
    clients.cells[(table.range.row + 1, col)] = "=1+1"  # as if typed as text
    buttons.controler(book)
    everything = [v for sheet in book.sheets for v in sheet.cells.values()]
    formulas = [v.text for v in everything if isinstance(v, Formula)]
    assert formulas and all(f.startswith('=HYPERLINK("#') for f in formulas)


def test_the_generate_button_previews_asks_then_numbers_and_saves(book):
    book.app.answers = ["no", "yes"]
    message = buttons.generer_factures(book)
    assert message.endswith("rien n'a été numéroté.")
    preview = book.sheets["Aperçu facturation"].range("A4").value
    assert preview == "Facture" and book.saves == 0
    question = book.app.alerts[0]
    # the demo's quote balance, and two contract periods (this month's, a missed one)
    assert question["buttons"] == "yes_no" and "3 pièce(s) à émettre" in question["prompt"]
    message = buttons.generer_factures(book)
    assert message.startswith("3 pièce(s) émise(s) : FAC2026-")
    numbers = message.split(" : ")[1].split(". ")[0].split(", ")
    invoices = book.sheets["Factures"].tables[0]
    header = invoices.header_row_range.value
    last = invoices.range.last_cell.row
    row = book.sheets["Factures"].range((last, invoices.range.column),
                                        (last, invoices.range.last_cell.column)).value
    assert row[header.index("N° facture")] == numbers[-1]
    assert row[header.index("Statut")] == "Émise"
    assert book.saves == 1 and book.resizes
    with Journal(Path(book.fullname).with_name("Facturation.facturier-journal.sqlite")) as j:
        assert [e.number for e in j.entries()] == numbers
    register = [book.sheets["Registre"].range(f"B{r}").value for r in (4, 5, 6)]
    assert register == numbers


def test_an_unexpected_error_is_one_line_in_a_message_box(book, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr("pyfuncs.jobs.check.run_check", boom)
    message = buttons.controler(book)
    assert message == message.splitlines()[0]
    assert "Traceback" not in message and "RuntimeError" in message
    assert book.app.alerts[-1]["mode"] == "critical"
    assert book.app.status_bar is False


def test_fake_app_records_answers():
    app = FakeApp(["no"])
    assert app.alert("?", buttons="yes_no") == "no" and app.alert("!") == "ok"


def test_the_lite_scripts_run_the_jobs_that_need_no_file_or_network(book, monkeypatch):
    from pyfuncs import lite

    class Today(date):
        @classmethod
        def today(cls):
            return TODAY
    monkeypatch.setattr(lite, "date", Today)
    assert lite.controler(book).startswith("4 erreur(s)")
    assert book.sheets["Contrôles"].range("B4").value  # a finding's code
    assert lite.actualiser_balance(book).startswith("balance âgée")
    assert book.sheets["Balance âgée"].range("A4").value
    # the quote balance and two contract periods
    assert lite.apercu_facturation(book).startswith("3 pièce(s) à émettre")
    assert book.sheets["Aperçu facturation"].range("A4").value == "Facture"
    assert book.saves == 0 and not list(Path(book.fullname).parent.glob("*.sqlite"))
