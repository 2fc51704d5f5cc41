"""The reminder buttons on the live-Excel adapter (the recording fake of xlwings, loaded
from a real workbook recalculated by LibreOffice), sending to a real SMTP server on
127.0.0.1: preview, confirmation with the count, sending exactly once."""
from __future__ import annotations

import shutil
from datetime import date

from pyfuncs import buttons
from tests.excel.fake_xlwings import FakeBook
from tests.integration.test_remind import Inbox, Server, workbook
from tests.support.libreoffice import convert, needs_libreoffice

TODAY = date(2026, 11, 23)
pytestmark = needs_libreoffice


def open_in_excel(tmp_path, port: int) -> FakeBook:
    (tmp_path / "src").mkdir()
    source = workbook(tmp_path / "src", port)
    shown = convert(source, tmp_path / "lo")
    path = tmp_path / "Facturation.xlsx"
    shutil.copyfile(shown, path)
    return FakeBook.from_file(path)


def test_prepare_then_send_reminders_from_the_buttons_exactly_once(tmp_path, monkeypatch):
    monkeypatch.setattr(buttons, "_today", lambda: TODAY)
    inbox = Inbox()
    with Server(inbox) as server:
        book = open_in_excel(tmp_path, server.port)
        message = buttons.preparer_relances(book)
        ready = int(message.split(" ")[0])
        assert ready >= 2 and "Relances à envoyer" in message
        sheet = book.sheets["Relances à envoyer"]
        assert sheet.range("A1").value.startswith("Relances à envoyer")
        assert len(list((tmp_path / "Facturation-relances").glob("*.eml"))) == ready
        assert inbox.messages == [] and book.saves == 0  # a preview sends and saves nothing

        book.app.answers = ["no"]
        assert buttons.envoyer_relances(book) == "Envoi annulé : aucun email n'est parti."
        assert inbox.messages == []

        book.app.answers = ["yes"]
        message = buttons.envoyer_relances(book)
        assert message == f"{ready} relance(s) envoyée(s)."
        question = [a for a in book.app.alerts if a["buttons"] == "yes_no"][-1]
        assert f"Envoyer {ready} email(s)" in question["prompt"]
        assert len(inbox.messages) == ready
        assert book.saves == 1  # the Relances log changed: the book is saved
        relances = book.sheets["Relances"].tables[0]
        # one row per client email (the owners' digest is in the journal, not in Relances)
        clients = [m for _, m in inbox.messages if "digest" not in
                   str(m["X-Facturier-Reminder"]).casefold()]
        assert relances.data_body_range.rows.count == len(clients) >= 2

        book.app.answers = ["yes"]
        assert buttons.envoyer_relances(book) == "Aucune relance à envoyer."
        assert len(inbox.messages) == ready  # exactly once


def test_send_invoices_from_the_button_after_confirmation_exactly_once(tmp_path, monkeypatch):
    monkeypatch.setattr(buttons, "_today", lambda: TODAY)
    inbox = Inbox()
    with Server(inbox) as server:
        book = open_in_excel(tmp_path, server.port)
        book.app.answers = ["no"]
        assert buttons.envoyer_factures(book) == "Envoi annulé : aucun email n'est parti."
        count = int(book.app.alerts[0]["prompt"].split(" ")[1])
        assert count >= 5 and inbox.messages == []
        book.app.answers = ["yes"]
        assert buttons.envoyer_factures(book).startswith(f"{count} pièce(s) envoyée(s)")
        assert len(inbox.messages) == count and book.saves == 1
        invoices = book.sheets["Factures"].tables[0]
        header = invoices.header_row_range.value
        col = invoices.range.column + header.index("Envoyée le")
        dates = [book.sheets["Factures"].cells.get((r, col)) for r in
                 range(invoices.range.row + 1, invoices.range.last_cell.row + 1)]
        assert sum(1 for d in dates if d is not None) >= count
        assert buttons.envoyer_factures(book) == "Aucune facture à envoyer."
        assert len(inbox.messages) == count
