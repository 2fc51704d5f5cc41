"""The 212 "Encaissée" statuses `facturier transmit` sends for the payments received on
transmitted services invoices, against the local platform (tests/support/pa_server.py,
which checks each against the CDAR XSD, the blocking BR-FR-CDV rules and the invoice)."""
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
from pyfuncs.jobs.einvoicing import default_platform, run_transmit
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
    result = run_transmit(path, TODAY, environ=env)
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
    result = run_transmit(path, TODAY, environ=environ(platform))
    numbers = {r.number for r in result.receipts}
    assert "AV2026-0001" not in numbers  # the -120.00 set against the credit note
    assert "FAC2026-0003" not in numbers  # a client abroad: e-reporting, not a 212
    assert "" not in numbers  # the 500.00 advance applied to no invoice


def test_a_full_payment_is_reported_and_an_invoice_never_paid_is_not(tmp_path, platform):
    # peers' bugs (Dolibarr community-modules PR 346: the 212 was missed on an ordinary
    # full payment, sent only for rare closing codes; and a status sent for a payment
    # that never happened): the full payment goes, an invoice never paid gives none
    path = book(tmp_path)
    result = run_transmit(path, TODAY, environ=environ(platform))
    full = [r for r in result.receipts if r.number == "FAC2026-0001"]
    assert [(r.amount, r.status) for r in full] == [(D("14160.00"), "sent")]
    unpaid = {"FAC2026-0007", "FAC2026-0008"}  # issued, transmitted, no payment row
    assert not unpaid & {r.number for r in result.receipts}


def test_no_212_after_the_client_refused_the_invoice(tmp_path, platform):
    # a peer's bug named in the issue (Dolibarr community-modules): a 212 after a refusal
    path = book(tmp_path)
    env = environ(platform)
    set_payment(path, 0, "N° facture", "FAC2026-0007")  # the payment lands on 0007 later
    first = run_transmit(path, TODAY, environ=env)
    assert "FAC2026-0007" in {r.number for r in first.receipts}
    platform.state.push_status("FAC2026-0006", "210", "Prestation non conforme")
    from pyfuncs.jobs.einvoicing import run_statuses
    run_statuses(path, TODAY, environ=env)
    set_payment(path, 2, "Montant", 16000)  # a payment on the refused invoice changes
    again = run_transmit(path, TODAY, environ=env)
    assert [(r.number, r.amount, r.undo) for r in again.receipts] == \
        [("FAC2026-0006", D("-16800.00"), True)]  # undone (money back), never re-reported
    assert platform.state.received["FAC2026-0006"] == D("0.00")


def test_the_platform_refuses_a_212_after_a_refusal_or_beyond_the_invoice(tmp_path, platform):
    path = book(tmp_path)
    env = environ(platform)
    run_transmit(path, TODAY, environ=env)
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
    run_transmit(path, TODAY, environ=env)
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
    run_transmit(path, TODAY, environ=env)  # the invoices go; their 212s with them
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
    result = run_transmit(path, TODAY, environ=environ(platform))
    assert result.count("sent") > 0 and result.receipts == []
