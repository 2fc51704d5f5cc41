"""The 212 "Encaissée" statuses `facturier transmit` sends for the payments received on
transmitted services invoices, once the platform has deposited them (200, brought back by
`facturier statuses`), against the local platform (tests/support/pa_server.py, which
checks each against the CDAR XSD, the blocking BR-FR-CDV rules and the invoice, and
refuses a 212 on an invoice it has not deposited)."""
from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pyfuncs.adapters.platform.base import PlatformError
from pyfuncs.adapters.platform.cdar_payment import Party212, encaissee
from pyfuncs.adapters.platform.ledger import SENT
from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.adapters.xlsx_write import WorkbookWriter
from pyfuncs.jobs.einvoicing import default_platform, run_statuses, run_transmit
from tests.integration.test_platform import SECRET, TODAY, book
from tests.support.ledgers import ledgers_of
from tests.support.pa_lifecycle import cdar_problems
from tests.support.pa_server import PlatformServer, PlatformState, environ

D = Decimal
# the clean workbook's payments on transmitted French invoices (tests/unit/test_checks.py)
PAID = {"FAC2026-0001": D("14160.00"), "FAC2026-0002": D("720.00"),
        "FAC2026-0005": D("7200.00"), "FAC2026-0006": D("16800.00")}


@pytest.fixture
def platform():
    with PlatformServer(PlatformState("facturier-test", SECRET)) as server:
        yield server
        assert server.state.violations == [], "a request or an answer broke the OpenAPI"


def statuses_sent(server: PlatformServer) -> list[bytes]:
    return [server.state.files[f["flowId"]] for f in server.state.flows.values()
            if f["flowType"] == "CustomerInvoiceLC" and f["flowDirection"] == "Out"]


def deposited(path: Path, env: dict[str, str]):
    """Transmit the invoices, bring back the platform's statuses (their 200), transmit
    again: the run in which the 212s go."""
    run_transmit(path, TODAY, environ=env)
    run_statuses(path, TODAY, environ=env)
    return run_transmit(path, TODAY, environ=env)


def receipt_rows(path: Path) -> list[list[object]]:
    """The 212 rows of the « Aperçu transmission » sheet (after the documents')."""
    import openpyxl
    ws = openpyxl.load_workbook(path)["Aperçu transmission"]
    return [list(r) for r in ws.iter_rows(min_row=4, values_only=True)
            if r[0] and str(r[1]).endswith("(212)")]


def set_payment(path: Path, index: int, column: str, value: object) -> None:
    table = read_workbook(path).tables["Paiements"]
    writer = WorkbookWriter(path)
    writer.set_cells("Paiements", [(table.rows[index], column, value)])
    writer.commit()


def test_each_payment_on_a_transmitted_invoice_is_one_valid_212_sent_once(tmp_path, platform):
    path = book(tmp_path)
    env = environ(platform)
    preview = run_transmit(path, TODAY, send=False, environ=env)
    assert preview.receipts == []  # nothing transmitted yet: no 212 can be due
    result = deposited(path, env)
    assert sorted((r.number, r.amount) for r in result.receipts) == sorted([
        ("FAC2026-0001", D("14160.00")), ("FAC2026-0002", D("600.00")),
        ("FAC2026-0002", D("120.00")), ("FAC2026-0005", D("7200.00")),
        ("FAC2026-0006", D("16800.00"))])  # two partial payments: two statuses
    assert {r.status for r in result.receipts} == {"sent"}
    messages = statuses_sent(platform)
    assert len(messages) == 5
    for xml in messages:  # the CDAR D22B XSD and every blocking BR-FR-CDV rule
        assert cdar_problems(xml) == []
    # the amounts the platform holds per invoice are the amounts received, each once
    assert platform.state.received == PAID
    again = run_transmit(path, TODAY, environ=env)
    assert again.receipts == [] and len(statuses_sent(platform)) == 5
    with ledgers_of(path) as led:
        assert {r.state for r in led.receipts.rows()} == {SENT}


def test_no_212_for_a_credit_notes_refund_an_unapplied_payment_or_a_sale_abroad(
        tmp_path, platform):
    path = book(tmp_path)
    result = deposited(path, environ(platform))
    numbers = {r.number for r in result.receipts}
    assert "AV2026-0001" not in numbers  # the -120.00 set against the credit note
    assert "FAC2026-0003" not in numbers  # a client abroad: e-reporting, not a 212
    assert "" not in numbers  # the 500.00 advance applied to no invoice


def test_a_full_payment_is_reported_and_an_invoice_never_paid_is_not(tmp_path, platform):
    # peers' bugs (Dolibarr community-modules PR 346: the 212 was missed on an ordinary
    # full payment, sent only for rare closing codes; and a status sent for a payment
    # that never happened): the full payment goes, an invoice never paid gives none
    path = book(tmp_path)
    result = deposited(path, environ(platform))
    full = [r for r in result.receipts if r.number == "FAC2026-0001"]
    assert [(r.amount, r.status) for r in full] == [(D("14160.00"), "sent")]
    unpaid = {"FAC2026-0007", "FAC2026-0008"}  # issued, transmitted, no payment row
    assert not unpaid & {r.number for r in result.receipts}


def test_no_212_after_the_client_refused_the_invoice(tmp_path, platform):
    # a peer's bug named in the issue (Dolibarr community-modules): a 212 after a refusal
    path = book(tmp_path)
    env = environ(platform)
    set_payment(path, 0, "N° facture", "FAC2026-0007")  # the payment lands on 0007 later
    first = deposited(path, env)
    assert "FAC2026-0007" in {r.number for r in first.receipts}
    platform.state.push_status("FAC2026-0006", "210", "Prestation non conforme")
    run_statuses(path, TODAY, environ=env)
    set_payment(path, 2, "Montant", 16000)  # a payment on the refused invoice changes
    again = run_transmit(path, TODAY, environ=env)
    assert [(r.number, r.amount, r.undo, r.status) for r in again.receipts] == [
        ("FAC2026-0006", D("16000.00"), False, "withheld"),  # listed, never reported
        ("FAC2026-0006", D("-16800.00"), True, "sent")]  # undone (money given back)
    assert "refusée par le client (210)" in again.receipts[0].error
    assert platform.state.received["FAC2026-0006"] == D("0.00")
    assert [r[9] for r in receipt_rows(path) if r[0] == "FAC2026-0006"] == \
        ["Non déclaré", "Transmise"]


def test_the_platform_refuses_a_212_after_a_refusal_or_beyond_the_invoice(tmp_path, platform):
    path = book(tmp_path)
    env = environ(platform)
    deposited(path, env)
    client = default_platform({}, env)
    seller, buyer = Party212("Vendeur", "732829320"), Party212("Client", "552100554")

    def send(number: str, amount: str, rate: str = "20") -> None:
        xml = encaissee(message_id=f"CDV-{uuid.uuid4().hex[:12]}", seller=seller,
                        buyer=buyer, number=number, kind="invoice",
                        issue_date=date(2026, 2, 2), received_on=TODAY,
                        shares=[(D(rate), D(amount))], created=datetime(2026, 11, 23, 9))
        client.submit(xml, filename="212.xml", tracking_id=str(uuid.uuid4()),
                      sha256=hashlib.sha256(xml).hexdigest(), syntax="CDAR",
                      processing_rule="B2B")

    with pytest.raises(PlatformError) as err:  # 14160.00 already received on 0001
        send("FAC2026-0001", "0.01")
    assert err.value.status == 422 and err.value.reasons[0].code == "InvoiceLCAmountError"
    with pytest.raises(PlatformError) as err:  # a rate the invoice does not have
        send("FAC2026-0007", "10.00", "5.5")
    assert err.value.reasons[0].code == "InvoiceLCAmountError"
    platform.state.push_status("FAC2026-0007", "210", "Refusée")
    with pytest.raises(PlatformError) as err:
        send("FAC2026-0007", "10.00")
    assert err.value.reasons[0].code == "InvoiceLCStatusError"
    with pytest.raises(PlatformError) as err:  # an invoice the platform never received
        send("FAC2026-0099", "10.00")
    assert err.value.reasons[0].code == "InvoiceLCStatusError"


def test_a_payment_corrected_after_its_212_is_undone_and_reported_anew_with_a_finding(
        tmp_path, platform):
    path = book(tmp_path)
    env = environ(platform)
    deposited(path, env)
    set_payment(path, 0, "Montant", 14000)
    result = run_transmit(path, TODAY, environ=env)
    assert sorted(r.amount for r in result.receipts) == [D("-14160.00"), D("14000.00")]
    found = [f for f in result.findings if f.code == "ENC-UNDONE"]
    assert len(found) == 1 and found[0].ref == "FAC2026-0001" and found[0].sheet == "Factures"
    assert "160,00" in found[0].message and "000,00" in found[0].message
    assert platform.state.received["FAC2026-0001"] == D("14000.00")
    for xml in statuses_sent(platform):
        assert cdar_problems(xml) == []


def test_a_crash_between_record_and_call_sends_each_212_once_on_the_rerun(tmp_path, platform):
    path = book(tmp_path)
    env = environ(platform)
    deposited(path, env)  # the invoices go, are deposited, then their 212s
    set_payment(path, 0, "Montant", 14000)  # so the next run has two 212s to send

    def crash(key: str) -> None:
        if "|" in key:  # a 212 (the invoices carry a number)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_transmit(path, TODAY, environ=env, after_prepare=crash)
    rerun = run_transmit(path, TODAY, environ=env)
    assert sorted(r.amount for r in rerun.receipts) == [D("-14160.00"), D("14000.00")]
    assert run_transmit(path, TODAY, environ=env).receipts == []
    assert platform.state.received["FAC2026-0001"] == D("14000.00")


def test_a_company_under_vat_on_debits_sends_no_212(tmp_path, platform):
    path = book(tmp_path)
    settings = read_workbook(path).tables["Parametres"]
    row = settings.rows[settings.cols["key"].index("vat_on_debits")]
    writer = WorkbookWriter(path)
    writer.set_cells("Parametres", [(row, "Valeur", "oui")])
    writer.commit()
    env = environ(platform)
    assert run_transmit(path, TODAY, environ=env).count("sent") > 0
    run_statuses(path, TODAY, environ=env)
    assert run_transmit(path, TODAY, environ=env).receipts == []


def test_a_212_waits_for_the_platforms_deposit_then_goes_at_the_next_transmit(
        tmp_path, platform):
    # a platform whose checks take a while: the invoice and its payment go in one run,
    # the 200 comes later; a 212 before it would concern an invoice the platform does not
    # hold yet (the local platform refuses it, as InvoiceLCStatusError)
    platform.state.hold_deposits = True
    path = book(tmp_path)
    env = environ(platform)
    first = run_transmit(path, TODAY, environ=env)
    assert first.count("sent") > 0
    assert {r.status for r in first.receipts} == {"waiting"} and len(first.receipts) == 5
    assert all("« Déposée » (200)" in r.error for r in first.receipts)
    assert statuses_sent(platform) == []
    rows = receipt_rows(path)  # listed in the sheet, with why
    assert len(rows) == 5 and {r[9] for r in rows} == {"En attente"}
    assert {r[1] for r in rows} == {"Encaissement (212)"}
    assert all("« Déposée » (200)" in r[10] for r in rows)
    run_statuses(path, TODAY, environ=env)  # nothing deposited yet: still waiting
    assert {r.status for r in run_transmit(path, TODAY, environ=env).receipts} == \
        {"waiting"}
    assert statuses_sent(platform) == []
    assert set(PAID) <= set(platform.state.deposit())
    run_statuses(path, TODAY, environ=env)
    result = run_transmit(path, TODAY, environ=env)
    assert {r.status for r in result.receipts} == {"sent"} and len(result.receipts) == 5
    assert platform.state.received == PAID
    for xml in statuses_sent(platform):
        assert cdar_problems(xml) == []
    assert run_transmit(path, TODAY, environ=env).receipts == []  # each once


def test_no_212_while_the_invoice_is_rejected_213(tmp_path, platform):
    platform.state.hold_deposits = True
    path = book(tmp_path)
    env = environ(platform)
    run_transmit(path, TODAY, environ=env)
    platform.state.push_status("FAC2026-0001", "213", "BR-FR-12")  # rejected, not deposited
    platform.state.deposit()  # the others are deposited
    platform.state.held.clear()
    run_statuses(path, TODAY, environ=env)
    for _ in range(2):  # and at every run after, until it is corrected and deposited
        result = run_transmit(path, TODAY, environ=env)
        rejected = [r for r in result.receipts if r.number == "FAC2026-0001"]
        assert [(r.status, r.amount) for r in rejected] == [("waiting", D("14160.00"))]
        assert "rejetée par la plateforme (213)" in rejected[0].error
    assert "FAC2026-0001" not in platform.state.received
    assert {n for n in platform.state.received} == set(PAID) - {"FAC2026-0001"}
