"""Two copies of one workbook sharing one journal (SQLite and PostgreSQL): what one copy
books from a real bank statement or sends as reminders reaches the other's balance,
reminders, Paiements and Relances, once, on its next job that reads balances."""
from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.adapters.xlsx_write import WorkbookWriter
from pyfuncs.jobs.aging import run_age
from pyfuncs.jobs.bank import run_bank
from pyfuncs.jobs.check import run_refresh
from pyfuncs.jobs.reminders import run_remind
from pyfuncs.jobs.template import build_workbook
from tests.integration.test_bank import FIXTURE
from tests.integration.test_remind import OWNER, Inbox, Server
from tests.support.postgres import journal_where, pg_server, pg_url  # noqa: F401 - fixtures
from tests.unit.test_checks import clean_settings, invoice, line

TODAY = date(2026, 11, 23)
ALPHA_IBAN = "FR14 2004 1010 0505 0001 3M02 606"
BETA_IBAN = "FR7610107001011234567890129"
# the statement pays Alpha's three invoices (one transfer), Beta's 0010 (less 5 of fees,
# booked as a gap) and 500 of Beta's 0011; Gamma's 960 and a stranger's 777.77 wait
PAID = {"FAC2026-0001", "FAC2026-0002", "FAC2026-0003", "FAC2026-0010"}


def tables() -> dict[str, list[dict]]:
    base = {"legal_form": "SAS", "address": "1 rue de la Paix", "postcode": "75002",
            "city": "Paris", "country": "FR", "owner": OWNER,
            "billing_contact": "Mme Durand"}
    clients = [dict(base, id="A1", name="Alpha SAS", iban=ALPHA_IBAN,
                    billing_email="alpha@client.example"),
               dict(base, id="B1", name="Beta SARL", iban=BETA_IBAN,
                    billing_email="beta@client.example"),
               dict(base, id="G1", name="Gamma Conseil SARL", iban=None,
                    billing_email="gamma@client.example"),
               dict(base, id="Z1", name="Zeta Industries", iban=None,
                    billing_email="zeta@client.example")]
    invoices, lines = [], []
    for k, (number, client, net) in enumerate([
            ("FAC2026-0001", "A1", "1000"), ("FAC2026-0002", "A1", "1000"),
            ("FAC2026-0003", "A1", "1000"), ("FAC2026-0010", "B1", "1000"),
            ("FAC2026-0011", "B1", "2000"), ("FAC2026-0021", "G1", "800"),
            ("FAC2026-0030", "Z1", "1500")], 1):
        # due from 31 October: 16 to 22 days late on TODAY, a reminder level due for each
        invoices.append(invoice(f"F{k}", number, date(2026, 10, k), client))
        lines.append(line(f"F{k}", "Prestation", 1, net))
    return {"Clients": clients, "Factures": invoices, "LignesFacture": lines}


@pytest.fixture
def smtp():
    inbox = Inbox()
    with Server(inbox) as server:
        yield server


@pytest.fixture
def copies(tmp_path: Path, journal_where: Path | str, smtp: Server  # noqa: F811
           ) -> tuple[Path, Path]:
    """A's copy and B's, the same workbook read before either did anything."""
    settings = {**clean_settings(), "journal_path": str(journal_where),
                "seller_email": "compta@altiplano.example", "smtp_host": "127.0.0.1",
                "smtp_port": smtp.port, "smtp_tls": "no",
                "smtp_sender": "compta@altiplano.example"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = tmp_path / "a" / "Facturation.xlsx", tmp_path / "b" / "Facturation.xlsx"
    build_workbook(a, data=tables(), settings=settings, today=TODAY)
    shutil.copy2(a, b)
    return a, b


def attach(number: str) -> bytes:
    return b"%PDF-1.4 invoice " + number.encode()


def payments(path: Path) -> list[tuple]:
    return sorted((r.date, r.invoice or "", r.amount, r.reference or "")
                  for r in read_workbook(path).tables["Paiements"].records()
                  if r.amount is not None)


def relances(path: Path) -> list[tuple]:
    return sorted((r.client, r.level, r.invoices, r.message_id)
                  for r in read_workbook(path).tables["Relances"].records())


def open_amounts(path: Path) -> dict[str, D]:
    return {i.number: i.open for i in run_age(path, TODAY, write=False).items}


def type_payments(path: Path, rows: list[dict]) -> None:
    """Rows typed by hand in Paiements (labels as the template has them)."""
    labels = read_workbook(path).tables["Paiements"].labels
    writer = WorkbookWriter(path)
    writer.append_rows("Paiements", [{labels[k]: v for k, v in r.items()} for r in rows])
    writer.commit()


def test_a_colleagues_bank_import_counts_on_my_copy_and_its_payers_are_not_chased(
        copies: tuple[Path, Path], smtp: Server) -> None:
    a, b = copies
    imported = run_bank(a, [FIXTURE], TODAY)
    assert len(imported.booked) == 3
    booked = payments(a)
    assert len(booked) == 6  # three invoices of one transfer, 0010 and its gap, 0011

    # B has not written anything yet: an age that writes nothing still counts them
    balance = run_age(b, TODAY, write=False)
    assert {i.number: i.open for i in balance.items} == open_amounts(a)
    assert {i.number for i in balance.items if i.open > 0} == {
        "FAC2026-0011", "FAC2026-0021", "FAC2026-0030"}
    note = [f for f in balance.findings if f.code == "CATCHUP-PAYMENTS"]
    assert len(note) == 1 and "3 paiement(s)" in note[0].message and "comptés" in note[0].message
    assert payments(b) == []

    # the reminder preview: nothing for what A's import paid; the rows written to B
    preview = run_remind(b, TODAY, attach=attach)
    reminded = {n for o in preview.emails for n in o.mailing.invoices}
    assert reminded and not reminded & PAID
    assert "alpha@client.example" not in {o.mailing.to for o in preview.emails}
    beta = next(o for o in preview.emails if o.mailing.to == "beta@client.example")
    assert beta.mailing.invoices == ["FAC2026-0011"] and beta.mailing.open == D("1900.00")
    assert payments(b) == booked
    assert [f.code for f in preview.findings if f.code.startswith("CATCHUP")] == [
        "CATCHUP-PAYMENTS"]

    # sending: a real SMTP server receives nothing for Alpha, nor for Beta's 0010
    sent = run_remind(b, TODAY, send=True, attach=attach)
    assert sent.count("sent") >= 3 and sent.count("failed") == 0
    to = {r for rcpts, _ in smtp.inbox.messages for r in rcpts}
    assert "alpha@client.example" not in to
    assert {"beta@client.example", "gamma@client.example", "zeta@client.example"} <= to
    bodies = [m.get_body(preferencelist=("plain",)).get_content()
              for _, m in smtp.inbox.messages if str(m["To"]) != OWNER]
    assert not [n for n in PAID if any(n in body for body in bodies)]

    # reruns of every job that reads balances add nothing: the rows are there once
    run_age(b, TODAY)
    run_refresh(b, TODAY)
    run_remind(b, TODAY, attach=attach)
    run_bank(b, [], TODAY)
    assert payments(b) == booked
    assert open_amounts(b) == open_amounts(a)


def test_a_bank_import_on_my_copy_after_a_colleagues_books_nothing_twice(
        copies: tuple[Path, Path]) -> None:
    a, b = copies
    run_bank(a, [FIXTURE], TODAY)
    again = run_bank(b, [FIXTURE], TODAY)  # the same statement, on the other copy
    assert again.new == 0 and again.booked == [] and again.replayed == 3
    assert [f.code for f in again.findings if f.code.startswith("CATCHUP")] == [
        "CATCHUP-PAYMENTS"]
    assert payments(b) == payments(a)
    assert run_bank(b, [FIXTURE], TODAY).replayed == 0
    assert payments(b) == payments(a)


def test_reminders_sent_from_one_copy_reach_the_others_relances_once(
        copies: tuple[Path, Path], smtp: Server) -> None:
    a, b = copies
    sent = run_remind(a, TODAY, send=True, attach=attach)
    assert sent.count("sent") >= 4
    logged_a = relances(a)
    assert logged_a and all(row[3] for row in logged_a)

    # B's refresh writes A's reminders into B's Relances
    refreshed = run_refresh(b, TODAY)
    assert relances(b) == logged_a
    assert [f.code for f in refreshed.findings if f.code == "CATCHUP-REMINDERS"] == [
        "CATCHUP-REMINDERS"]
    # and the levels computed from them: B's aged balance shows A's last levels
    levels_a = {c.client: c.last_reminder_level for c in run_age(a, TODAY, write=False).clients}
    assert {c.client: c.last_reminder_level
            for c in run_age(b, TODAY, write=False).clients} == levels_a

    # B sends nothing again (the journal's claim and levels), and logs nothing twice
    count = len(smtp.inbox.messages)
    again = run_remind(b, TODAY, send=True, attach=attach)
    assert again.count("sent") == 0 and len(smtp.inbox.messages) == count
    run_remind(b, TODAY, attach=attach)
    run_refresh(b, TODAY)
    assert relances(b) == logged_a


def test_a_remind_preview_on_my_copy_logs_a_colleagues_reminders(
        copies: tuple[Path, Path]) -> None:
    a, b = copies
    run_remind(a, TODAY, send=True, attach=attach)
    preview = run_remind(b, TODAY, attach=attach)
    assert preview.replayed == len(relances(a)) and relances(b) == relances(a)
    assert preview.emails == [] or all(o.status != "sent" for o in preview.emails)


def test_a_payment_typed_by_hand_like_a_booked_credit_is_not_doubled(
        copies: tuple[Path, Path]) -> None:
    """Identical means: the credit's reference on any row (whatever its date, invoice or
    amount now say), or, typed without it, the same date, invoice and amount."""
    a, b = copies
    run_bank(a, [FIXTURE], TODAY)
    type_payments(b, [
        # Beta's 500 typed from the statement, its reference and all
        {"date": date(2026, 11, 9), "client": "B1", "invoice": "FAC2026-0011",
         "amount": D(500), "mode": "Virement", "reference": "20261109VIR00050000"},
        # Beta's 1195 typed with the reference, then put on the wrong invoice by hand:
        # still that credit (a correction is not a new payment)
        {"date": date(2026, 11, 5), "client": "B1", "invoice": "FAC2026-0011",
         "amount": D(1195), "mode": "Virement", "reference": "20261105VIR00119500"},
        # Alpha's 0001 typed without the bank's reference: the same date, invoice, amount
        {"date": date(2026, 11, 3), "client": "A1", "invoice": "FAC2026-0001",
         "amount": D(1200), "mode": "Virement", "reference": None},
        # a cheque of the same amount on another day is another payment
        {"date": date(2026, 11, 4), "client": "A1", "invoice": "FAC2026-0002",
         "amount": D(1200), "mode": "Chèque", "reference": "CHQ 0042"},
    ])
    typed = payments(b)
    run_refresh(b, TODAY)
    added = sorted(set(payments(b)) - set(typed))
    # of Alpha's transfer only 0002 and 0003 were missing; Beta's credits were there
    assert added == [(date(2026, 11, 3), "FAC2026-0002", D(1200), "20261103VIR00360000"),
                     (date(2026, 11, 3), "FAC2026-0003", D(1200), "20261103VIR00360000")]
    assert len(payments(b)) == len(typed) + 2
    run_refresh(b, TODAY)
    run_age(b, TODAY)
    assert len(payments(b)) == len(typed) + 2  # and no more on reruns


def delete_payment(path: Path, reference: str) -> None:
    """The Paiements row of this reference deleted, as a user deletes a row in Excel (the
    rows below move up, the Table ends a row sooner). openpyxl here is the user's hand,
    not the product's writer."""
    import openpyxl
    from openpyxl.utils.cell import range_boundaries

    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        if "Paiements" not in sheet.tables:
            continue
        table = sheet.tables["Paiements"]
        c1, r1, c2, r2 = range_boundaries(table.ref)
        heads = [sheet.cell(r1, c).value for c in range(c1, c2 + 1)]
        at = c1 + heads.index("Référence")
        row = next(r for r in range(r1 + 1, r2 + 1) if sheet.cell(r, at).value == reference)
        sheet.delete_rows(row)
        table.ref = f"{sheet.cell(r1, c1).coordinate}:{sheet.cell(r2 - 1, c2).coordinate}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
    book.save(path)


def test_a_booked_payment_deleted_comes_back_and_the_finding_says_how_to_undo_one(
        copies: tuple[Path, Path]) -> None:
    a, _ = copies
    run_bank(a, [FIXTURE], TODAY)
    booked = payments(a)
    gone = next(p for p in booked if p[1] == "FAC2026-0011")  # Beta's 500 on account
    delete_payment(a, gone[3])
    assert gone not in payments(a) and len(payments(a)) == len(booked) - 1

    result = run_refresh(a, TODAY)
    # the journal knows it booked: the invoice stays paid, the row is written back
    assert payments(a) == booked
    note = [f for f in result.findings if f.code == "CATCHUP-PAYMENTS"]
    assert len(note) == 1
    assert gone[3] in note[0].message and "supprimé(s) de Paiements" in note[0].message
    assert "corriger sa ligne" in note[0].fix and "Référence" in note[0].fix
    # a second refresh finds the row by its reference: nothing more, nothing said
    again = run_refresh(a, TODAY)
    assert payments(a) == booked
    assert not [f for f in again.findings if f.code == "CATCHUP-PAYMENTS"]
